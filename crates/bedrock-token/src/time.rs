//! Time helpers: SigV4's compact date forms, RFC 3339 for people, and whole-second truncation.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, Utc};

use crate::Error;

/// The latest signing time SigV4's four-digit year can express: 9999-12-31T23:59:59Z.
const MAX_UNIX_SECONDS: u64 = 253_402_300_799;

/// A duration as people read it in a message: `"0.5 s"`, `"90 s (1 min 30 s)"`, `"46800 s (13 h)"`.
///
/// ```
/// use std::time::Duration;
/// assert_eq!(bedrock_token::human_duration(Duration::from_millis(500)), "0.5 s");
/// assert_eq!(bedrock_token::human_duration(Duration::from_secs(46_800)), "46800 s (13 h)");
/// ```
pub fn human_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    if duration.subsec_nanos() != 0 {
        let text = format!("{:.9}", duration.as_secs_f64());
        return format!("{} s", text.trim_end_matches('0').trim_end_matches('.'));
    }
    if seconds < 60 {
        return format!("{seconds} s");
    }
    let parts: Vec<String> = [(seconds / 3600, "h"), (seconds / 60 % 60, "min"), (seconds % 60, "s")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, unit)| format!("{n} {unit}"))
        .collect();
    format!("{seconds} s ({})", parts.join(" "))
}

/// A signing time cut to whole seconds since the Unix epoch, in SigV4's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SigningTime {
    unix_seconds: u64,
}

impl SigningTime {
    /// Truncates `at` to whole seconds, as botocore does; refuses times SigV4 cannot write.
    pub(crate) fn new(at: SystemTime) -> Result<Self, Error> {
        let unix_seconds = at
            .duration_since(UNIX_EPOCH)
            .map_err(|_| Error::InvalidSigningTime)?
            .as_secs();
        if unix_seconds > MAX_UNIX_SECONDS {
            return Err(Error::InvalidSigningTime);
        }
        Ok(Self { unix_seconds })
    }

    /// The time as a `SystemTime`.
    pub(crate) fn system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.unix_seconds)
    }

    /// Days since the epoch: the signing key changes exactly when this does.
    pub(crate) fn day(self) -> u64 {
        self.unix_seconds / 86_400
    }

    /// Midnight UTC starting day `day` since the epoch (a day of [`SigningTime::day`]).
    pub(crate) fn from_day(day: u64) -> Self {
        debug_assert!(day <= MAX_UNIX_SECONDS / 86_400);
        Self { unix_seconds: day * 86_400 }
    }

    /// `YYYYMMDDTHHMMSSZ`, the `X-Amz-Date` form; its first eight bytes are the scope date.
    pub(crate) fn amz_date(self) -> [u8; 16] {
        let dt = self.datetime();
        let mut date = [0u8; 8];
        write_digits(&mut date[0..4], dt.year() as u32);
        write_digits(&mut date[4..6], dt.month());
        write_digits(&mut date[6..8], dt.day());
        self.amz_date_on(date)
    }

    /// [`SigningTime::amz_date`] when this time's `YYYYMMDD` is already known: only the clock
    /// is written, so signing many tokens on one day skips the calendar arithmetic.
    pub(crate) fn amz_date_on(self, date: [u8; 8]) -> [u8; 16] {
        let mut out = *b"00000000T000000Z";
        out[..8].copy_from_slice(&date);
        let second_of_day = (self.unix_seconds % 86_400) as u32;
        write_digits(&mut out[9..11], second_of_day / 3600);
        write_digits(&mut out[11..13], second_of_day / 60 % 60);
        write_digits(&mut out[13..15], second_of_day % 60);
        out
    }

    fn datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.unix_seconds as i64, 0)
            .expect("range checked in SigningTime::new")
    }
}

fn write_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// How far the coarse clock may lag the system clock, and more: it moves once per kernel tick
/// (1–10 ms).
#[cfg(any(target_os = "linux", target_os = "android"))]
const COARSE_CLOCK_SLACK: Duration = Duration::from_secs(1);

/// A time no earlier than `SystemTime::now()`, read without the full clock read (a third of a
/// cached-token hit): the kernel's coarse real-time clock, as of its last tick, plus a second.
/// Elsewhere, `SystemTime::now()`. For "is it still before X" checks with a margin of minutes.
pub(crate) fn now_or_later() -> SystemTime {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
        if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME_COARSE, &mut ts) } == 0
            && let (Ok(secs), Ok(nanos)) = (u64::try_from(ts.tv_sec), u32::try_from(ts.tv_nsec))
        {
            return UNIX_EPOCH + Duration::new(secs, nanos) + COARSE_CLOCK_SLACK;
        }
    }
    SystemTime::now()
}

/// Reads SigV4's `YYYYMMDDTHHMMSSZ` back into a time.
pub(crate) fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let parsed = chrono::NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%SZ").ok()?;
    Some(parsed.and_utc().into())
}

/// RFC 3339 in UTC with whole seconds, e.g. `2026-01-24T10:00:00Z`.
///
/// ```
/// # use std::time::{Duration, UNIX_EPOCH};
/// assert_eq!(bedrock_token::rfc3339(UNIX_EPOCH + Duration::from_secs(86_400)), "1970-01-02T00:00:00Z");
/// ```
pub fn rfc3339(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        for (duration, text) in [
            (Duration::ZERO, "0 s"),
            (Duration::from_nanos(1), "0.000000001 s"),
            (Duration::from_millis(1500), "1.5 s"),
            (Duration::from_secs(59), "59 s"),
            (Duration::from_secs(60), "60 s (1 min)"),
            (Duration::from_secs(43_201), "43201 s (12 h 1 s)"),
            (Duration::from_secs(5_400), "5400 s (1 h 30 min)"),
        ] {
            assert_eq!(human_duration(duration), text);
        }
    }

    #[test]
    fn amz_date_truncates_sub_seconds_and_pads() {
        let at = UNIX_EPOCH + Duration::from_millis(1_769_248_800_999);
        let t = SigningTime::new(at).unwrap();
        assert_eq!(&t.amz_date(), b"20260124T100000Z");
        assert_eq!(t.system_time(), UNIX_EPOCH + Duration::from_secs(1_769_248_800));
    }

    #[test]
    fn out_of_range_times_are_refused() {
        assert!(SigningTime::new(UNIX_EPOCH - Duration::from_secs(1)).is_err());
        let last = UNIX_EPOCH + Duration::from_secs(MAX_UNIX_SECONDS);
        assert_eq!(&SigningTime::new(last).unwrap().amz_date(), b"99991231T235959Z");
        assert!(SigningTime::new(last + Duration::from_secs(1)).is_err());
    }

    #[test]
    fn amz_date_matches_chrono_across_days() {
        for unix_seconds in [0, 59, 3_599, 86_399, 86_400, 951_868_799, 1_769_248_800, 4_102_444_799] {
            let t = SigningTime::new(UNIX_EPOCH + Duration::from_secs(unix_seconds)).unwrap();
            let expected = t.datetime().format("%Y%m%dT%H%M%SZ").to_string();
            assert_eq!(std::str::from_utf8(&t.amz_date()).unwrap(), expected);
            assert_eq!(&SigningTime::from_day(t.day()).amz_date()[..8], &expected.as_bytes()[..8]);
        }
    }

    #[test]
    fn now_or_later_is_never_before_now() {
        for _ in 0..1000 {
            let before = SystemTime::now();
            assert!(now_or_later() >= before);
        }
        assert!(now_or_later() <= SystemTime::now() + Duration::from_secs(2), "and not far ahead");
    }

    #[test]
    fn amz_date_round_trips() {
        let t = SigningTime::new(UNIX_EPOCH + Duration::from_secs(951_782_400)).unwrap();
        let text = std::str::from_utf8(&t.amz_date()).unwrap().to_owned();
        assert_eq!(text, "20000229T000000Z");
        assert_eq!(parse_amz_date(&text), Some(t.system_time()));
    }
}
