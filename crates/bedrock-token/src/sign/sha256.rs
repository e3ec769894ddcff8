//! [`Sha256Stream`]: SHA-256 fed piece by piece straight from where the bytes already are, on
//! `sha2`'s block function (SHA extensions when the CPU has them), with a midstate that can be
//! kept and resumed; and HMAC-SHA256's two key states, the form in which a signing key is kept.

use sha2::block_api::compress256;
use zeroize::Zeroize;

/// SHA-256's initial state.
pub(super) const IV: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// A SHA-256 computation in progress: no heap, no copy of the input beyond the one block that is
/// not full yet. State and block are zeroed on drop (they may hold a key's state or a session
/// token's bytes).
#[derive(Clone)]
pub(super) struct Sha256Stream {
    state: [u32; 8],
    block: [u8; 64],
    /// Bytes of `block` in use (always < 64).
    filled: usize,
    /// Whole blocks compressed so far.
    blocks: u64,
}

impl Sha256Stream {
    /// An empty hash.
    pub(super) fn new() -> Self {
        Self::resume(IV, 0)
    }

    /// Continues from `state`, reached after `blocks` whole blocks.
    pub(super) fn resume(state: [u32; 8], blocks: u64) -> Self {
        Self { state, block: [0; 64], filled: 0, blocks }
    }

    /// Hashes `data` after what came before.
    #[inline]
    pub(super) fn update(&mut self, mut data: &[u8]) {
        if self.filled > 0 {
            let take = data.len().min(64 - self.filled);
            self.block[self.filled..self.filled + take].copy_from_slice(&data[..take]);
            self.filled += take;
            data = &data[take..];
            if self.filled < 64 {
                return;
            }
            compress256(&mut self.state, std::slice::from_ref(&self.block));
            self.blocks += 1;
            self.filled = 0;
        }
        let (whole, rest) = data.as_chunks::<64>();
        if !whole.is_empty() {
            compress256(&mut self.state, whole);
            self.blocks += whole.len() as u64;
        }
        self.block[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    /// The state after the whole blocks, when no partial block is pending.
    #[cfg(test)]
    pub(super) fn midstate(&self) -> Option<[u32; 8]> {
        (self.filled == 0).then_some(self.state)
    }

    /// The digest: SHA-256's padding and length, then the state as big-endian bytes.
    #[inline]
    pub(super) fn finalize(self) -> [u8; 32] {
        digest(&self.finalize_state())
    }

    /// The state after SHA-256's padding and length: the digest's words.
    #[inline]
    pub(super) fn finalize_state(mut self) -> [u32; 8] {
        let bits = (self.blocks * 64 + self.filled as u64) * 8;
        let filled = self.filled;
        self.block[filled] = 0x80;
        self.block[filled + 1..].fill(0);
        if filled >= 56 {
            compress256(&mut self.state, std::slice::from_ref(&self.block));
            self.block.fill(0);
        }
        self.block[56..].copy_from_slice(&bits.to_be_bytes());
        compress256(&mut self.state, std::slice::from_ref(&self.block));
        self.state
    }
}

/// Compresses `blocks` (whole 64-byte blocks, contiguous) into `state` in one call.
#[inline]
pub(super) fn compress(state: &mut [u32; 8], blocks: &[u8]) {
    let (whole, rest) = blocks.as_chunks::<64>();
    debug_assert!(rest.is_empty(), "whole blocks");
    compress256(state, whole);
}

/// The digest of a final state: its words as big-endian bytes.
#[inline]
pub(super) fn digest(state: &[u32; 8]) -> [u8; 32] {
    let mut digest = [0u8; 32];
    for (out, word) in digest.chunks_exact_mut(4).zip(state) {
        out.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// Appends SHA-256's padding to `message`, the last bytes of a message of `total` bytes that
/// start at a block boundary: `0x80`, zeros, and the length in bits, to a whole block.
pub(super) fn pad_message(message: &mut Vec<u8>, total: u64) {
    message.push(0x80);
    message.resize((message.len() + 8).next_multiple_of(64) - 8, 0);
    message.extend_from_slice(&(total * 8).to_be_bytes());
}

impl Drop for Sha256Stream {
    fn drop(&mut self) {
        self.state.zeroize();
        self.block.zeroize();
    }
}

/// HMAC-SHA256 keyed with `key` (at most 64 bytes, as every SigV4 key after the first), as the
/// two states after the inner (`key ^ 0x36…`) and the outer (`key ^ 0x5c…`) key block: with them,
/// a MAC costs only the message's blocks and one more.
pub(super) fn hmac_key_states(key: &[u8]) -> zeroize::Zeroizing<[[u32; 8]; 2]> {
    debug_assert!(key.len() <= 64);
    let mut states = zeroize::Zeroizing::new([IV; 2]);
    let mut block = zeroize::Zeroizing::new([0u8; 64]);
    for (state, pad) in states.iter_mut().zip([0x36u8, 0x5c]) {
        block.fill(pad);
        for (byte, k) in block.iter_mut().zip(key) {
            *byte ^= k;
        }
        compress256(state, std::slice::from_ref(&block));
    }
    states
}

/// HMAC-SHA256 of the concatenated `message` parts with the key states of [`hmac_key_states`].
#[cfg(test)]
pub(super) fn hmac(states: &[[u32; 8]; 2], message: &[&[u8]]) -> [u8; 32] {
    let mut inner = Sha256Stream::resume(states[0], 1);
    for part in message {
        inner.update(part);
    }
    let inner = zeroize::Zeroizing::new(inner.finalize());
    hmac_outer(&states[1], &inner)
}

/// HMAC-SHA256's outer hash: `inner` (the inner hash's digest) behind the outer key block, whose
/// state is `outer`; one block.
#[inline]
pub(super) fn hmac_outer(outer: &[u32; 8], inner: &[u8; 32]) -> [u8; 32] {
    let mut block = zeroize::Zeroizing::new([0u8; 64]);
    block[..32].copy_from_slice(inner);
    block[32] = 0x80;
    // 64 bytes of key block and 32 of message: 768 bits.
    block[62] = 0x03;
    let mut state = zeroize::Zeroizing::new(*outer);
    compress256(&mut state, std::slice::from_ref(&block));
    digest(&state)
}

#[cfg(test)]
mod tests {
    use hmac::{Hmac, KeyInit, Mac};
    use sha2::{Digest, Sha256};

    use super::*;

    #[test]
    fn matches_sha2_for_every_split_of_every_length() {
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 200, 300] {
            let expected: [u8; 32] = Sha256::digest(&data[..len]).into();
            for split in [0, 1, 17, 63, 64, 100].into_iter().filter(|&s| s <= len) {
                let mut stream = Sha256Stream::new();
                stream.update(&data[..split]);
                stream.update(&data[split..len]);
                assert_eq!(stream.finalize(), expected, "length {len}, split at {split}");
            }
        }
    }

    #[test]
    fn resumes_from_a_midstate() {
        let data = [0xa5u8; 200];
        let mut first = Sha256Stream::new();
        first.update(&data[..128]);
        let mut resumed = Sha256Stream::resume(first.midstate().expect("two whole blocks"), 2);
        resumed.update(&data[128..]);
        assert_eq!(resumed.finalize(), <[u8; 32]>::from(Sha256::digest(data)));
        let mut partial = Sha256Stream::new();
        partial.update(&data[..10]);
        assert!(partial.midstate().is_none());
    }

    #[test]
    fn hmac_matches_the_hmac_crate() {
        for (key, message) in [(&b"key"[..], &b"message"[..]), (&[7u8; 32][..], &[1u8; 150][..]), (&[9u8; 64][..], &b""[..])] {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
            mac.update(message);
            let expected: [u8; 32] = mac.finalize().into_bytes().into();
            assert_eq!(hmac(&hmac_key_states(key), &[message]), expected);
            let (a, b) = message.split_at(message.len() / 3);
            assert_eq!(hmac(&hmac_key_states(key), &[a, b]), expected);
        }
    }
}
