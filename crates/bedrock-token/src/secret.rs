//! [`SecretString`] and [`SecretBytes`]: a `String` and a `Vec<u8>` whose whole allocation is
//! zeroed when they are cleared or dropped.
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
        wipe_vec(&mut bytes);
        self.0 = String::from_utf8(bytes).expect("an empty vector is valid UTF-8");
    }
}

/// Empties `bytes` and zeroes its whole allocation in one bulk write, keeping the capacity.
fn wipe_vec(bytes: &mut Vec<u8>) {
    bytes.clear();
    bytes.spare_capacity_mut().zeroize();
}

/// Bytes holding a secret that are never read as text (the signed URL before its base64):
/// zeroed like a [`SecretString`], with the same rule to reserve the capacity up front.
#[derive(Default)]
pub(crate) struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Empty, with room for `capacity` bytes.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self(Vec::with_capacity(capacity))
    }

    /// The bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The bytes, to write in place.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8] {
        &mut self.0
    }

    /// Appends `bytes`; they should fit in the capacity reserved up front (if they do not, the
    /// bytes move to a larger allocation and the old one is wiped, never left behind).
    pub(crate) fn extend(&mut self, bytes: &[u8]) {
        debug_assert!(self.0.len() + bytes.len() <= self.0.capacity(), "a SecretBytes grew");
        if self.0.capacity() - self.0.len() < bytes.len() {
            self.reallocate_wiped(self.0.len() + bytes.len());
        }
        self.0.extend_from_slice(bytes);
    }

    /// Appends `bytes` if they fit in the capacity with `keep_free` bytes to spare (for what
    /// comes after); `false` (and nothing appended) if not.
    pub(crate) fn try_extend(&mut self, bytes: &[u8], keep_free: usize) -> bool {
        let fits = self.0.capacity() - self.0.len() >= bytes.len() + keep_free;
        if fits {
            self.0.extend_from_slice(bytes);
        }
        fits
    }

    /// Moves the bytes into a new allocation of exactly `capacity` bytes (at least their
    /// length), and wipes the whole old one.
    fn reallocate_wiped(&mut self, capacity: usize) {
        let mut bigger = Vec::with_capacity(capacity.max(self.0.len()));
        bigger.extend_from_slice(&self.0);
        self.wipe();
        self.0 = bigger;
    }

    /// The allocation's size: what [`SecretBytes::extend`] may fill without moving.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// Zeroes every byte of the allocation and leaves it empty, keeping its capacity.
    pub(crate) fn wipe(&mut self) {
        wipe_vec(&mut self.0);
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
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
    fn bytes_wipe_zeroes_the_allocation_and_keep_it() {
        let mut secret = SecretBytes::with_capacity(64);
        secret.extend(b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        let before = secret.0.as_ptr();
        secret.wipe();
        assert_eq!(secret.as_bytes(), b"");
        assert_eq!(secret.0.as_ptr(), before, "the same allocation is reused");
        assert!(secret.capacity() >= 64);
        // SAFETY: `wipe` wrote a zero to every spare byte, so all of them are initialised.
        assert!(secret.0.spare_capacity_mut().iter().all(|b| unsafe { b.assume_init() } == 0));
    }

    #[test]
    fn bytes_grow_only_into_a_new_allocation_after_wiping_the_old() {
        let mut secret = SecretBytes::with_capacity(8);
        assert!(!secret.try_extend(b"hunter2!", 1), "no room to spare: refused, nothing appended");
        assert!(secret.try_extend(b"hunter2!", 0));
        assert!(!secret.try_extend(b"x", 0), "no room: refused, nothing appended");
        assert_eq!(secret.as_bytes(), b"hunter2!");
        secret.reallocate_wiped(20);
        assert_eq!(secret.as_bytes(), b"hunter2!");
        assert_eq!(secret.capacity(), 20);
        assert!(secret.try_extend(b"??", 0) && secret.as_bytes() == b"hunter2!??");
    }

    #[test]
    fn debug_hides_the_value() {
        assert_eq!(format!("{:?}", SecretString::from("hunter2")), "****");
        let mut bytes = SecretBytes::with_capacity(8);
        bytes.extend(b"hunter2");
        assert_eq!(format!("{bytes:?}"), "****");
    }
}
