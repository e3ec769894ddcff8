//! Region validation: a region is signed into the token, so a typo makes a token that never works.

use crate::error::{shorten, Error};

const SHAPE: &str = "lowercase letters, digits and hyphens shaped like an AWS region, e.g. us-east-1, us-gov-west-1, cn-north-1, eusc-de-east-1";

/// Checks that `region` is shaped like an AWS region: a partition prefix of 2–4 letters, one or
/// more lowercase words, and a number, joined by hyphens (`us-east-1`, `us-gov-west-1`,
/// `cn-north-1`, `eusc-de-east-1`). It does not check the region exists, so new regions work.
///
/// ```
/// use bedrock_token::validate_region;
/// assert!(validate_region("us-gov-west-1").is_ok());
/// let err = validate_region("US-EAST-1").unwrap_err();
/// assert!(err.to_string().contains("did you mean \"us-east-1\""));
/// ```
pub fn validate_region(region: &str) -> Result<(), Error> {
    if is_region_shaped(region) {
        return Ok(());
    }
    let reason = if region.trim().is_empty() {
        format!("must not be empty; use {SHAPE}")
    } else if is_region_shaped(&region.trim().to_ascii_lowercase()) {
        format!(
            "{:?} is not allowed: regions are lowercase without spaces; did you mean {:?}?",
            shorten(region),
            region.trim().to_ascii_lowercase()
        )
    } else {
        format!("{:?} is not a region; use {SHAPE}", shorten(region))
    };
    Err(Error::InvalidRegion {
        region: shorten(region),
        reason,
    })
}

/// One pass over the bytes: a partition prefix of 2–4 lowercase letters, one or more lowercase
/// words, and a number, joined by single hyphens.
fn is_region_shaped(region: &str) -> bool {
    let bytes = region.as_bytes();
    if bytes.len() > 32 {
        return false;
    }
    // Words seen (hyphens + 1) and the current word's length and kind.
    let (mut words, mut len, mut digits) = (1usize, 0usize, false);
    for &byte in bytes {
        match byte {
            b'-' => {
                // Every word before the last is lowercase letters; the first is 2–4 of them.
                if len == 0 || digits || (words == 1 && !(2..=4).contains(&len)) {
                    return false;
                }
                words += 1;
                len = 0;
            }
            b'a'..=b'z' if !digits => len += 1,
            b'0'..=b'9' if len == 0 || digits => {
                digits = true;
                len += 1;
            }
            _ => return false,
        }
    }
    // At least a prefix, a word and the number, which ends the region.
    words >= 3 && digits && len > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_partition() {
        for region in [
            "us-east-1",
            "eu-central-1",
            "ap-southeast-4",
            "us-gov-west-1",
            "cn-northwest-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "eusc-de-east-1",
            "il-central-1",
        ] {
            validate_region(region).unwrap_or_else(|e| panic!("{region}: {e}"));
        }
    }

    /// The shape rule written the plain way, word by word: the one-pass scanner must agree with
    /// it on every string of up to 8 bytes over letters, digits, hyphens and an upper-case letter.
    #[test]
    fn the_scanner_agrees_with_the_rule_word_by_word() {
        fn by_words(region: &str) -> bool {
            let words: Vec<&str> = region.split('-').collect();
            let lower = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase());
            let (first, last) = (words[0], words[words.len() - 1]);
            words.len() >= 3
                && (2..=4).contains(&first.len())
                && words[..words.len() - 1].iter().all(|w| lower(w))
                && !last.is_empty()
                && last.bytes().all(|b| b.is_ascii_digit())
        }
        let alphabet = [b'a', b'b', b'1', b'-', b'A'];
        let mut checked = 0;
        for len in 0..=8u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let text: Vec<u8> = (0..len).map(|_| { let b = alphabet[n % alphabet.len()]; n /= alphabet.len(); b }).collect();
                let text = std::str::from_utf8(&text).unwrap();
                assert_eq!(is_region_shaped(text), by_words(text), "{text:?}");
                checked += 1;
            }
        }
        assert!(checked > 400_000);
        assert!(!is_region_shaped(&format!("us-{}-1", "a".repeat(30))), "longer than 32 bytes");
    }

    #[test]
    fn refuses_malformed_regions_with_reason() {
        for (region, hint) in [
            ("", "must not be empty"),
            ("   ", "must not be empty"),
            ("US-EAST-1", "did you mean \"us-east-1\""),
            (" us-east-1", "did you mean \"us-east-1\""),
            ("not a region/x", "is not a region"),
            ("us-east", "is not a region"),
            ("useast1", "is not a region"),
            ("us--east-1", "is not a region"),
            ("us-east-1a", "is not a region"),
            ("global", "is not a region"),
        ] {
            let err = validate_region(region).unwrap_err();
            let msg = err.to_string();
            assert!(msg.starts_with("region: "), "{msg}");
            assert!(msg.contains(hint), "{region:?}: {msg}");
        }
    }
}
