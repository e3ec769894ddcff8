//! [`SecretString`]: a `String` whose whole allocation is zeroed when it is cleared or dropped.
//!
//! `zeroize::Zeroizing<String>` zeroes the used bytes one volatile write at a time, which cost
//! about a tenth of a token's signing time; this wipes the allocation in one bulk write behind
//! an optimisation barrier (`zeroize`'s own bulk path), so wiping stays cheap and is kept.

use std::fmt;

use zeroize::Zeroize;

/// A string holding a secret: zeroed (all of its capacity) on [`SecretString::wipe`] and on drop.
///
/// Code that fills one must reserve enough capacity first: a `String` that grows moves its bytes
/// and leaves the old copy behind. `Debug` never prints the value.
#[derive(Default, Clone, PartialEq, Eq)]
pub(crate) struct SecretString(String);

impl SecretString {
    /// An empty string with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(String::with_capacity(capacity))
    }

    /// The value.
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }

    /// Appends `text`; it must fit in the capacity reserved up front.
    pub(crate) fn push_str(&mut self, text: &str) {
        debug_assert!(self.0.len() + text.len() <= self.0.capacity(), "a SecretString grew");
        self.0.push_str(text);
    }

    /// The inner string, for writers that append to a `String` (the same capacity rule holds).
    pub(crate) fn as_mut_string(&mut self) -> &mut String {
        &mut self.0
    }

    /// Zeroes every byte of the allocation and leaves the string empty, keeping its capacity.
    pub(crate) fn wipe(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.clear();
        bytes.spare_capacity_mut().zeroize();
        self.0 = String::from_utf8(bytes).expect("an empty vector is valid UTF-8");
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wipe_zeroes_the_allocation_and_keeps_it() {
        let mut secret = SecretString::with_capacity(64);
        secret.push_str("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let before = secret.0.as_ptr();
        secret.wipe();
        assert_eq!(secret.as_str(), "");
        assert_eq!(secret.0.as_ptr(), before, "the same allocation is reused");
        assert!(secret.0.capacity() >= 64);
        let mut bytes = std::mem::take(&mut secret.0).into_bytes();
        // SAFETY: `wipe` wrote a zero to every spare byte, so all of them are initialised.
        assert!(bytes.spare_capacity_mut().iter().all(|b| unsafe { b.assume_init() } == 0));
    }

    #[test]
    fn debug_hides_the_value() {
        assert_eq!(format!("{:?}", SecretString::from("hunter2")), "****");
    }
}
