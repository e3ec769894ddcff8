//! Fault injection and a simulated soak for `TokenProvider`, on a manual clock (runs in seconds).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_smithy_async::rt::sleep::{AsyncSleep, Sleep};
use aws_smithy_async::time::TimeSource;
use bedrock_token::{Credentials, Error, TokenProvider};

const START: u64 = 1_769_248_800; // 2026-01-24T10:00:00Z, on the hour

/// A clock the test sets, forwards or backwards, in O(1).
#[derive(Debug, Clone)]
struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    fn at(unix_seconds: u64) -> Self {
        Self(Arc::new(AtomicU64::new(unix_seconds)))
    }
    fn set(&self, unix_seconds: u64) {
        self.0.store(unix_seconds, Ordering::SeqCst);
    }
}

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// A sleep that ends at once without moving the clock: a stalled load times out immediately.
#[derive(Debug)]
struct NoWait;

impl AsyncSleep for NoWait {
    fn sleep(&self, _: Duration) -> Sleep {
        Sleep::new(async {})
    }
}

/// STS-like credentials: a new set every hour, each expiring 65 minutes after it was issued.
/// `fail_percent` of loads fail and `stall_percent` never answer.
#[derive(Debug)]
struct Hourly {
    clock: ManualClock,
    random: Mutex<u64>,
    fail_percent: u64,
    stall_percent: u64,
    loads: AtomicUsize,
    failures: AtomicUsize,
    stalls: AtomicUsize,
}

impl Hourly {
    fn new(clock: &ManualClock, fail_percent: u64, stall_percent: u64) -> Arc<Self> {
        Arc::new(Self {
            clock: clock.clone(),
            random: Mutex::new(0x9E37_79B9_7F4A_7C15),
            fail_percent,
            stall_percent,
            loads: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            stalls: AtomicUsize::new(0),
        })
    }

    fn roll(&self) -> u64 {
        let mut x = self.random.lock().unwrap();
        *x ^= *x << 13;
        *x ^= *x >> 7;
        *x ^= *x << 17;
        *x % 100
    }
}

#[derive(Debug, Clone)]
struct Shared(Arc<Hourly>);

impl ProvideCredentials for Shared {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let source = &self.0;
        source.loads.fetch_add(1, Ordering::SeqCst);
        let roll = source.roll();
        if roll < source.stall_percent {
            source.stalls.fetch_add(1, Ordering::SeqCst);
            return future::ProvideCredentials::new(std::future::pending());
        }
        if roll < source.stall_percent + source.fail_percent {
            source.failures.fetch_add(1, Ordering::SeqCst);
            return future::ProvideCredentials::ready(Err(CredentialsError::provider_error("injected failure")));
        }
        let now = source.clock.now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        let issued = now - now % 3600;
        let expires = SystemTime::UNIX_EPOCH + Duration::from_secs(issued + 65 * 60);
        future::ProvideCredentials::ready(Ok(Credentials::new(format!("ASIAHOUR{issued}"), "secret", Some("session".into()), Some(expires), "hourly")))
    }
}

fn provider(clock: &ManualClock, source: &Arc<Hourly>) -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(Shared(source.clone()))
        .time_source(clock.clone())
        .sleep_impl(NoWait)
        .build()
        .unwrap()
}

async fn settle(provider: &TokenProvider) {
    while provider.status().refreshing {
        tokio::task::yield_now().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_eight_simulated_hours_with_failures_stalls_and_hourly_credentials() {
    let clock = ManualClock::at(START);
    let source = Hourly::new(&clock, 10, 1);
    let provider = provider(&clock, &source);
    let (mut calls, mut errors, mut seconds_past_refresh_point) = (0u64, 0u64, 0u64);
    let mut signings = std::collections::HashSet::new();

    for second in 0..48 * 3600u64 {
        clock.set(START + second);
        let now = clock.now();
        let callers: Vec<_> = (0..8).map(|_| { let p = provider.clone(); tokio::spawn(async move { p.token().await }) }).collect();
        for caller in callers {
            calls += 1;
            match caller.await.unwrap() {
                Ok(token) => {
                    assert!(token.expires_at() > now, "second {second}: served an expired token");
                    signings.insert(token.issued_at());
                }
                Err(err) => {
                    errors += 1;
                    assert!(matches!(err, Error::NoCredentials { .. } | Error::LoadTimeout { .. }), "{err:?}");
                    let status = provider.status();
                    assert!(status.expires_at.is_none_or(|e| e <= now), "second {second}: error while a valid token existed");
                }
            }
        }
        settle(&provider).await;
        // Past its refresh point (less than the margin left), a token stays only while refreshes fail.
        let status = provider.status();
        if status.refresh_at.is_some_and(|at| at <= now) {
            seconds_past_refresh_point += 1;
            assert!(status.consecutive_failures > 0, "second {second}: past the refresh point while healthy");
        }
    }
    let loads = source.loads.load(Ordering::SeqCst);
    println!(
        "soak: 48 h, calls {calls}, loads {loads} (failed {}, stalled {}), signings {}, errors {errors}, seconds past the refresh point (refreshes failing) {seconds_past_refresh_point}",
        source.failures.load(Ordering::SeqCst),
        source.stalls.load(Ordering::SeqCst),
        signings.len()
    );
    assert_eq!(calls, 48 * 3600 * 8);
    assert!(source.failures.load(Ordering::SeqCst) > 0 && source.stalls.load(Ordering::SeqCst) > 0, "faults were injected");
    assert!(signings.len() >= 96, "at least two signings an hour: {}", signings.len());
    assert!((loads as u64) < 48 * 3600 / 10, "loads are rare, not per call: {loads}");
    assert_eq!(errors, 0, "a valid token could always have existed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clock_jumps_forward_past_expiry_and_backward_before_signing() {
    let clock = ManualClock::at(START);
    let source = Hourly::new(&clock, 0, 0);
    let provider = provider(&clock, &source);
    let first = provider.token().await.unwrap();

    clock.set(START + 10 * 3600); // far past expiry
    let after_jump = provider.token().await.unwrap();
    assert!(after_jump.expires_at() > clock.now(), "no stale token after a forward jump");
    assert_ne!(after_jump.issued_at(), first.issued_at());

    clock.set(START + 10 * 3600 - 7200); // before the new token was signed
    let before = provider.token().await.unwrap();
    assert!(Arc::ptr_eq(&before, &after_jump), "a backward jump keeps the fresh token");
    assert_eq!(before.remaining_at(clock.now()), before.expires_at().duration_since(clock.now()).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalls_and_failures_while_valid_keep_serving_then_error_once_expired() {
    let clock = ManualClock::at(START);
    let ok = Hourly::new(&clock, 0, 0);
    let provider = provider(&clock, &ok);
    let token = provider.token().await.unwrap();
    let stalling = Hourly::new(&clock, 0, 100);
    let stalled = TokenProvider::builder().region("us-east-1").credentials_provider(Shared(stalling.clone()))
        .time_source(clock.clone()).sleep_impl(NoWait).build().unwrap();
    let err = stalled.token().await.unwrap_err();
    assert!(matches!(err, Error::LoadTimeout { .. }), "{err:?}");
    assert_eq!(stalling.stalls.load(Ordering::SeqCst), 1);
    assert!(token.expires_at() > clock.now());
}
