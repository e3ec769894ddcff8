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

/// Whether SigV4 leaves `byte` as it is: `A-Z a-z 0-9 - . _ ~`. Arithmetic, no table and no
/// branch, so that loops over it are vectorised.
#[inline(always)]
fn unreserved(byte: u8) -> bool {
    let letter = (byte | 0x20).wrapping_sub(b'a') < 26;
    let digit = byte.wrapping_sub(b'0') < 10;
    letter | digit | (byte == b'-') | (byte == b'.') | (byte == b'_') | (byte == b'~')
}

/// Bytes per chunk of the vectorised scans below.
const CHUNK: usize = 32;

/// How many bytes at the start of `bytes` SigV4 leaves as they are: a chunk at a time (a
/// session token is mostly letters and digits), then byte by byte.
#[inline]
fn unreserved_run(bytes: &[u8]) -> usize {
    let (chunks, _) = bytes.as_chunks::<CHUNK>();
    let whole = chunks.iter().take_while(|chunk| chunk.iter().fold(true, |all, &b| all & unreserved(b))).count() * CHUNK;
    whole + bytes[whole..].iter().take_while(|&&b| unreserved(b)).count()
}

/// Percent-encodes `value` as SigV4 does: only `A-Z a-z 0-9 - . _ ~` stay; UTF-8 bytes as
/// `%XX`. Runs of unreserved bytes are found a chunk at a time and handed to `push` as slices,
/// so a long session token encodes at about the speed of a copy. Stops, returning `false`, when
/// `push` refuses a piece (no room left); [`percent_encoded_len`] says how much room it needs.
pub(super) fn percent_encode_into(value: &str, mut push: impl FnMut(&[u8]) -> bool) -> bool {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rest = value.as_bytes();
    loop {
        let run = unreserved_run(rest);
        if !push(&rest[..run]) {
            return false;
        }
        let Some((&byte, after)) = rest[run..].split_first() else { return true };
        if !push(&[b'%', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]]) {
            return false;
        }
        rest = after;
    }
}

/// The length of `value` percent-encoded by [`percent_encode_into`].
pub(super) fn percent_encoded_len(value: &str) -> usize {
    let bytes = value.as_bytes();
    let (chunks, tail) = bytes.as_chunks::<CHUNK>();
    // Counted in bytes per chunk (at most 32 fit), summed wide only per chunk: a wide count
    // per byte made the vectorised loop ten times slower.
    let reserved = |chunk: &[u8]| usize::from(chunk.iter().fold(0u8, |n, &b| n + u8::from(!unreserved(b))));
    let escaped: usize = chunks.iter().map(|chunk| reserved(chunk)).sum::<usize>() + reserved(tail);
    bytes.len() + 2 * escaped
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
        let encode = |value: &str| {
            let mut out = Vec::new();
            assert!(percent_encode_into(value, |piece| {
                out.extend_from_slice(piece);
                true
            }));
            out
        };
        let out = encode("aZ09-._~ /+=é");
        assert_eq!(out, b"aZ09-._~%20%2F%2B%3D%C3%A9");
        assert_eq!(percent_encoded_len("aZ09-._~ /+=é"), out.len());
        assert_eq!(percent_encoded_len(""), 0);
        // Every byte value, alone and inside long runs that cross the chunks.
        for byte in 0..=255u8 {
            let expected = byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~');
            assert_eq!(unreserved(byte), expected, "{byte}");
        }
        let long: String = (0..300).map(|i| if i % 37 == 36 { '/' } else if i % 101 == 100 { 'é' } else { 'T' }).collect();
        let out = encode(&long);
        let expected: String = long.chars().map(|c| match c { '/' => "%2F".to_owned(), 'é' => "%C3%A9".to_owned(), c => c.to_string() }).collect();
        assert_eq!(String::from_utf8(out.clone()).unwrap(), expected);
        assert_eq!(percent_encoded_len(&long), out.len());
        let mut room: usize = 10;
        let refused = !percent_encode_into(&long, |piece| {
            let fits = room >= piece.len();
            room = room.saturating_sub(piece.len());
            fits
        });
        assert!(refused, "stops when a piece does not fit");
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
