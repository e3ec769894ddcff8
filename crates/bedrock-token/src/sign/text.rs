//! Small text writers for the signing path: SigV4 percent-encoding, hex, decimal, comparison.

/// Lowercase hex of a SHA-256 digest, one table read per byte.
pub(super) fn lower_hex(digest: &[u8; 32]) -> [u8; 64] {
    const PAIRS: [[u8; 2]; 256] = {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut pairs = [[0u8; 2]; 256];
        let mut byte = 0;
        while byte < 256 {
            pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0xF]];
            byte += 1;
        }
        pairs
    };
    let mut out = [0u8; 64];
    for (pair, &byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&PAIRS[usize::from(byte)]);
    }
    out
}

/// String equality without an early exit, inlined: these strings are short or secret, and a
/// `memcmp` call per field cost a tenth of a token.
#[inline]
pub(super) fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |differ, (x, y)| differ | (x ^ y)) == 0
}

/// Whether SigV4 leaves `byte` as it is: `A-Z a-z 0-9 - . _ ~`.
#[inline]
fn unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes as SigV4 does: only `A-Z a-z 0-9 - . _ ~` stay; UTF-8 bytes as `%XX`.
/// Runs of unreserved bytes are copied as slices, so a long session token encodes quickly.
/// Writes at most [`percent_encoded_len`] bytes.
pub(super) fn percent_encode_into(out: &mut Vec<u8>, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let bytes = value.as_bytes();
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if !unreserved(byte) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(&[b'%', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]]);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

/// The length of `value` percent-encoded by [`percent_encode_into`].
pub(super) fn percent_encoded_len(value: &str) -> usize {
    value.len() + 2 * value.bytes().filter(|&byte| !unreserved(byte)).count()
}

/// Writes a `u32` in decimal without allocating.
pub(super) struct DecimalU32 {
    buf: [u8; 10],
    start: usize,
}

impl DecimalU32 {
    /// The digits, ASCII.
    pub(super) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

pub(super) fn itoa_u32(mut value: u32) -> DecimalU32 {
    let mut buf = [0u8; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return DecimalU32 { buf, start };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_matches_sigv4() {
        let mut out = Vec::new();
        percent_encode_into(&mut out, "aZ09-._~ /+=é");
        assert_eq!(out, b"aZ09-._~%20%2F%2B%3D%C3%A9");
        assert_eq!(percent_encoded_len("aZ09-._~ /+=é"), out.len());
        assert_eq!(percent_encoded_len(""), 0);
    }

    #[test]
    fn lower_hex_matches_the_hex_crate() {
        let digest: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let mut expected = [0u8; 64];
        hex::encode_to_slice(digest, &mut expected).unwrap();
        assert_eq!(lower_hex(&digest), expected);
        assert_eq!(&lower_hex(&[0xff; 32])[..4], b"ffff");
    }

    #[test]
    fn decimal() {
        assert_eq!(itoa_u32(0).as_bytes(), b"0");
        assert_eq!(itoa_u32(43_200).as_bytes(), b"43200");
        assert_eq!(itoa_u32(u32::MAX).as_bytes(), b"4294967295");
    }
}
