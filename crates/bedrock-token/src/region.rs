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

fn is_region_shaped(region: &str) -> bool {
    if region.len() > 32 {
        return false;
    }
    let mut parts = region.split('-');
    let first = parts.next().unwrap_or("");
    let Some(last) = parts.next_back() else {
        return false;
    };
    let lower_word = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    let mut middle_words = 0;
    let middle_ok = parts.all(|word| {
        middle_words += 1;
        lower_word(word)
    });
    (2..=4).contains(&first.len())
        && lower_word(first)
        && middle_ok
        && middle_words > 0
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
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
