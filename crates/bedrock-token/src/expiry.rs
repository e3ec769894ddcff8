//! Token lifetimes: the allowed range, and the human forms people type.

use std::time::Duration;

use crate::error::{shorten, Error};

/// The longest lifetime a short-term Bedrock API key may have: 12 hours.
pub const MAX_EXPIRY: Duration = Duration::from_secs(43_200);

/// The shortest lifetime: one second.
pub const MIN_EXPIRY: Duration = Duration::from_secs(1);

/// The lifetime used when none is given: 12 hours, as AWS's generators do.
pub const DEFAULT_EXPIRY: Duration = MAX_EXPIRY;

/// Checks a lifetime and returns it in whole seconds, as it is written into `X-Amz-Expires`.
///
/// Sub-second parts are dropped, as AWS's Python generator does (1.5 s signs as 1 s), but a
/// lifetime that would sign as 0 s, or that exceeds 12 h by any amount, is refused.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(bedrock_token::validate_expiry(Duration::from_millis(1500)).unwrap(), 1);
/// assert!(bedrock_token::validate_expiry(Duration::from_millis(500)).is_err());
/// assert!(bedrock_token::validate_expiry(Duration::from_secs(43_201)).is_err());
/// ```
pub fn validate_expiry(lifetime: Duration) -> Result<u32, Error> {
    if lifetime < MIN_EXPIRY || lifetime > MAX_EXPIRY {
        return Err(Error::InvalidExpiry {
            given: crate::time::human_duration(lifetime),
        });
    }
    Ok(lifetime.as_secs() as u32)
}

/// Reads a lifetime as people type it, and checks it is within 1 s ..= 12 h.
///
/// Accepts plain seconds (`"43200"`) and one or more number-unit pairs, with or without spaces:
/// `"6h"`, `"6 hours"`, `"30m"`, `"30 minutes"`, `"90s"`, `"1h30m"`, `"1h 30m"`.
///
/// ```
/// use std::time::Duration;
/// use bedrock_token::parse_expiry;
/// assert_eq!(parse_expiry("1h30m").unwrap(), Duration::from_secs(5400));
/// assert_eq!(parse_expiry("6 hours").unwrap(), Duration::from_secs(21_600));
/// assert!(parse_expiry("13h").is_err());
/// ```
pub fn parse_expiry(text: &str) -> Result<Duration, Error> {
    let lifetime = match parse_seconds(text) {
        Ok(seconds) => Duration::from_secs(seconds),
        Err(Unparsed::Unparsable) => return Err(Error::UnparsableExpiry { given: shorten(text) }),
        Err(Unparsed::Overflow) => return Err(Error::InvalidExpiry { given: shorten(text.trim()) }),
    };
    validate_expiry(lifetime).map_err(|_| Error::InvalidExpiry { given: shorten(text.trim()) })?;
    Ok(lifetime)
}

/// Why a duration as people type it could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unparsed {
    /// Not a duration: no number, or an unknown unit.
    Unparsable,
    /// Too large for a count of seconds.
    Overflow,
}

/// Reads a duration as people type it, in whole seconds: plain seconds (`"43200"`) or one or more
/// number-unit pairs (seconds, minutes, hours, days), with or without spaces (`"1h 30m"`, `"2d"`).
pub(crate) fn parse_seconds(text: &str) -> Result<u64, Unparsed> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Unparsed::Unparsable);
    }
    let mut total: u64 = 0;
    let mut rest = trimmed;
    let mut first = true;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(Unparsed::Unparsable);
        }
        // Only digits are left here, so a parse failure is an overflow.
        let number: u64 = rest[..digits].parse().map_err(|_| Unparsed::Overflow)?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "" if first && rest.is_empty() => 1, // plain seconds: "43200"
            unit => unit_seconds(unit).ok_or(Unparsed::Unparsable)?,
        };
        rest = rest[unit_len..].trim_start();
        first = false;
        total = number.checked_mul(unit).and_then(|part| total.checked_add(part)).ok_or(Unparsed::Overflow)?;
    }
    Ok(total)
}

fn unit_seconds(unit: &str) -> Option<u64> {
    match unit.to_ascii_lowercase().as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => Some(1),
        "m" | "min" | "mins" | "minute" | "minutes" => Some(60),
        "h" | "hr" | "hrs" | "hour" | "hours" => Some(3600),
        "d" | "day" | "days" => Some(86_400),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_forms() {
        for (text, seconds) in [
            ("6 hours", 21_600),
            ("6h", 21_600),
            ("30 minutes", 1_800),
            ("30m", 1_800),
            ("90s", 90),
            ("1h30m", 5_400),
            ("1h 30m", 5_400),
            ("43200", 43_200),
            (" 1 ", 1),
            ("1 hour", 3_600),
            ("12H", 43_200),
        ] {
            assert_eq!(parse_expiry(text).unwrap(), Duration::from_secs(seconds), "{text}");
        }
    }

    #[test]
    fn out_of_range_is_invalid_expiry() {
        for text in ["0", "43201", "13h", "0s", "12h1s", "99999999999999999999h"] {
            assert!(
                matches!(parse_expiry(text), Err(Error::InvalidExpiry { .. })),
                "{text}"
            );
        }
    }

    #[test]
    fn garbage_is_unparsable() {
        for text in ["", "abc", "-1", "1.5h", "h", "6 fortnights", "6h30", "0h30", "1e3"] {
            let err = parse_expiry(text).unwrap_err();
            assert!(matches!(err, Error::UnparsableExpiry { .. }), "{text}: {err:?}");
            assert!(err.to_string().contains("\"6h\""), "message suggests a form: {err}");
        }
    }

    #[test]
    fn range_message_names_field_and_range() {
        let msg = validate_expiry(Duration::from_millis(500)).unwrap_err().to_string();
        assert_eq!(msg, "expiry: 0.5 s is out of range; allowed 1 s to 43200 s (12 h)");
        let msg = validate_expiry(Duration::from_secs(46_800)).unwrap_err().to_string();
        assert_eq!(msg, "expiry: 46800 s (13 h) is out of range; allowed 1 s to 43200 s (12 h)");
        let msg = validate_expiry(Duration::ZERO).unwrap_err().to_string();
        assert_eq!(msg, "expiry: 0 s is out of range; allowed 1 s to 43200 s (12 h)");
    }
}
