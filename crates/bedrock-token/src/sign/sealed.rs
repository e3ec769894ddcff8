//! [`SealedKey`]: the day's signing key kept from token to token without holding it. Its two
//! HMAC key states are kept XORed with a pad that only the secret access key gives back
//! (SHA-256 of the secret): the caller passes the secret with every token, so each token opens
//! the key for the length of one signature (wiped after), and what stays in memory between
//! tokens cannot sign, nor yield the key or the secret, without the secret itself.
//!
//! Deriving the key from the secret for every token would cost 18 SHA-256 blocks (four HMACs and
//! the last key's two blocks), twice the 8 a token needs; opening it costs one.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use zeroize::Zeroizing;

use super::sha256::{compress, Sha256Stream, IV};

/// HMAC-SHA256 key states under a pad of the secret, and a keyed hash that tells whether a
/// secret is the one they were sealed with.
pub(super) struct SealedKey {
    sealed: [[u32; 8]; 2],
    check: u64,
}

/// The pad: SHA-256 of a label and the secret (one block for secrets up to 51 bytes; AWS's are 40).
/// Its final state is the pad (the digest's words, which XOR the same as its bytes).
fn pad(secret: &str) -> Zeroizing<[u32; 8]> {
    const LABEL: &[u8] = b"pad\n";
    let secret = secret.as_bytes();
    let mut state = Zeroizing::new(IV);
    if secret.len() <= 64 - 9 - LABEL.len() {
        // One block, written in place: label, secret, SHA-256's padding and length.
        let mut block = Zeroizing::new([0u8; 64]);
        block[..LABEL.len()].copy_from_slice(LABEL);
        block[LABEL.len()..][..secret.len()].copy_from_slice(secret);
        block[LABEL.len() + secret.len()] = 0x80;
        block[56..].copy_from_slice(&((LABEL.len() + secret.len()) as u64 * 8).to_be_bytes());
        compress(&mut state, block.as_slice());
    } else {
        let mut stream = Sha256Stream::new();
        stream.update(LABEL);
        stream.update(secret);
        *state = stream.finalize_state();
    }
    state
}

/// A hash of the secret keyed once per process: which secret sealed a key, not the secret.
fn check(secret: &str) -> u64 {
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    KEYS.get_or_init(RandomState::new).hash_one(secret.as_bytes())
}

fn xor(states: &[[u32; 8]; 2], pad: &[u32; 8]) -> [[u32; 8]; 2] {
    states.map(|state| std::array::from_fn(|i| state[i] ^ pad[i]))
}

impl SealedKey {
    /// Seals the key `states` (of [`super::sha256::hmac_key_states`]) under `secret`.
    pub(super) fn seal(states: &[[u32; 8]; 2], secret: &str) -> Self {
        Self { sealed: xor(states, &pad(secret)), check: check(secret) }
    }

    /// Whether `secret` is the one this key was sealed with (a 64-bit keyed hash compared).
    pub(super) fn is_sealed_with(&self, secret: &str) -> bool {
        self.check == check(secret)
    }

    /// The key states, with the secret [`SealedKey::is_sealed_with`] accepted; wiped when dropped.
    pub(super) fn open(&self, secret: &str) -> Zeroizing<[[u32; 8]; 2]> {
        Zeroizing::new(xor(&self.sealed, &pad(secret)))
    }
}

#[cfg(test)]
mod tests {
    use super::super::sha256::{hmac, hmac_key_states};
    use super::*;

    #[test]
    fn the_pad_is_sha256_of_label_and_secret_for_every_length() {
        use sha2::{Digest, Sha256};
        for len in [0, 1, 40, 51, 52, 55, 64, 100] {
            let secret = "k".repeat(len);
            let expected = Sha256::digest(format!("pad\n{secret}"));
            let words: Vec<u32> = expected.chunks_exact(4).map(|b| u32::from_be_bytes(b.try_into().unwrap())).collect();
            assert_eq!(pad(&secret).as_slice(), words.as_slice(), "secret of {len} bytes");
        }
    }

    #[test]
    fn opens_with_its_secret_only_and_holds_neither_key_nor_secret() {
        let key = [0x42u8; 32];
        let states = hmac_key_states(&key);
        let sealed = SealedKey::seal(&states, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert!(sealed.is_sealed_with("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!sealed.is_sealed_with("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEX"));
        let opened = sealed.open("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        assert_eq!(hmac(&opened, &[b"string to sign"]), hmac(&states, &[b"string to sign"]));
        assert_ne!(*sealed.open("another secret"), *states);
        for state in sealed.sealed {
            assert!(!states.contains(&state), "no key state is kept as it is");
        }
    }
}
