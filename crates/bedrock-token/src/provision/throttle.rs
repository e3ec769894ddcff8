//! IAM's `Throttling` answers, retried with backoff until a deadline; the same for STS, AWS
//! Organizations (`TooManyRequestsException`) and the `ThrottlingException` of the services'
//! common errors (Secrets Manager's, and Organizations' and STS's too).
//!
//! IAM's request rates are account-wide, and bulk work (a manifest of many units, concurrent
//! runs, other tools in the same account) meets them. A throttled request did nothing, so every
//! IAM call of this module is sent again when IAM answers `Throttling`: after a pause that doubles
//! from 100 ms up to 5 s, with jitter, until [`THROTTLING_DEADLINE`] after its first attempt. This
//! is independent of the SDK's own retries (`AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE`), which apply
//! within each attempt and never to key creation.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

/// How long one IAM call is retried while IAM answers `Throttling`.
pub const THROTTLING_DEADLINE: Duration = Duration::from_secs(120);

/// The retry state of one IAM call.
pub(crate) struct Throttled {
    started: Instant,
    attempt: u32,
}

impl Throttled {
    pub(crate) fn new() -> Self {
        Self { started: Instant::now(), attempt: 0 }
    }

    /// Whether IAM throttled `err` and the deadline leaves time for another attempt; if so,
    /// waits the pause first.
    pub(crate) async fn again<E: ProvideErrorMetadata, R>(&mut self, err: &SdkError<E, R>) -> bool {
        self.again_for(err.code()).await
    }

    /// Like [`Throttled::again`], for an error already reduced to IAM's code.
    pub(crate) async fn again_for(&mut self, code: Option<&str>) -> bool {
        // IAM and STS say `Throttling`; AWS Organizations `TooManyRequestsException`; the common
        // errors of Secrets Manager, Organizations and STS list `ThrottlingException`.
        if !matches!(code, Some("Throttling" | "TooManyRequestsException" | "ThrottlingException")) {
            return false;
        }
        let pause = pause(self.attempt);
        if self.started.elapsed() + pause > THROTTLING_DEADLINE {
            return false;
        }
        tracing::debug!(attempt = self.attempt, pause_ms = pause.as_millis() as u64, "IAM throttled the request; sending it again");
        tokio::time::sleep(pause).await;
        self.attempt += 1;
        true
    }
}

/// 100 ms doubling up to 5 s, each between half and all of that (jitter), so that concurrent
/// runs throttled together do not come back together.
fn pause(attempt: u32) -> Duration {
    let full = (100u64 << attempt.min(6)).min(5_000);
    let random = RandomState::new().hash_one(SystemTime::now()) % (full / 2 + 1);
    Duration::from_millis(full / 2 + random)
}

/// Sends an IAM request (a fluent builder, cloned for each attempt), sending it again while
/// IAM answers `Throttling` ([`Throttled`]). Gives the SDK's result.
macro_rules! send {
    ($request:expr) => {{
        let request = $request;
        let mut throttled = $crate::provision::throttle::Throttled::new();
        loop {
            match request.clone().send().await {
                Err(err) if throttled.again(&err).await => continue,
                result => break result,
            }
        }
    }};
}
pub(crate) use send;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_to_five_seconds_with_jitter() {
        for attempt in 0..12 {
            let full = (100u64 << attempt.min(6)).min(5_000);
            let p = pause(attempt).as_millis() as u64;
            assert!((full / 2..=full).contains(&p), "attempt {attempt}: {p} ms");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn only_throttling_is_retried_and_only_until_the_deadline() {
        let mut throttled = Throttled::new();
        assert!(!throttled.again_for(Some("AccessDenied")).await);
        assert!(!throttled.again_for(None).await);
        assert!(throttled.again_for(Some("Throttling")).await);
        assert!(throttled.again_for(Some("Throttling")).await);
        assert_eq!(throttled.attempt, 2);
        assert!(throttled.again_for(Some("TooManyRequestsException")).await, "AWS Organizations' throttling");
        assert!(throttled.again_for(Some("ThrottlingException")).await, "the common errors' throttling (Secrets Manager)");
        assert!(!throttled.again_for(Some("ThrottlingExceptionX")).await);
        throttled.started = Instant::now().checked_sub(THROTTLING_DEADLINE).expect("the machine is up for two minutes");
        assert!(!throttled.again_for(Some("Throttling")).await, "past the deadline");
    }
}
