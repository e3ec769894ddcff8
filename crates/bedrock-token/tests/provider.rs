//! `TokenProvider` under time, failure and concurrency, driven by a manual clock.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{error::CredentialsError, future, ProvideCredentials};
use aws_smithy_async::test_util::{instant_time_and_sleep, ManualTimeSource};
use bedrock_token::{Credentials, Error, Token, TokenProvider};
use tokio::sync::Semaphore;

mod support;
use support::Blocking;

const START: Duration = Duration::from_secs(1_769_248_800); // 2026-01-24T10:00:00Z

fn start() -> SystemTime {
    SystemTime::UNIX_EPOCH + START
}

/// What one credentials load does.
#[derive(Debug, Clone)]
enum Step {
    /// Succeeds with a new key id; the credentials expire this long after the clock's now.
    Ok(Option<Duration>),
    Fail,
    Hang,
    Panic,
}

/// A credentials provider that follows a script, counts its loads, and can be held at a gate.
#[derive(Debug, Clone)]
struct Scripted {
    loads: Arc<AtomicUsize>,
    steps: Arc<Mutex<VecDeque<Step>>>,
    /// Each load takes one permit first: with none, loads wait until the test adds some.
    gate: Arc<Semaphore>,
    clock: ManualTimeSource,
}

impl Scripted {
    fn new(clock: &ManualTimeSource, steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            loads: Arc::default(),
            steps: Arc::new(Mutex::new(steps.into_iter().collect())),
            gate: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
            clock: clock.clone(),
        }
    }
    fn closed(self) -> Self {
        Self { gate: Arc::new(Semaphore::new(0)), ..self }
    }
    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for Scripted {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let n = self.loads.fetch_add(1, Ordering::SeqCst) + 1;
            self.gate.acquire().await.expect("gate open").forget();
            let step = self.steps.lock().unwrap().pop_front().unwrap_or(Step::Ok(None));
            use aws_smithy_async::time::TimeSource;
            match step {
                Step::Ok(expires_in) => Ok(Credentials::new(
                    format!("ASIAEXAMPLE{n:05}"),
                    "secret",
                    Some("session".into()),
                    expires_in.map(|d| self.clock.now() + d),
                    "scripted",
                )),
                Step::Fail => Err(CredentialsError::provider_error("scripted failure")),
                Step::Hang => std::future::pending().await,
                Step::Panic => panic!("scripted panic in a credentials provider"),
            }
        })
    }
}

fn provider(clock: &ManualTimeSource, credentials: &Scripted, expiry: Duration) -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials.clone())
        .expiry(expiry)
        .refresh_jitter(false)
        .time_source(clock.clone())
        .build()
        .unwrap()
}

/// Waits, without sleeping, until `done` holds (bounded: a broken provider fails the test).
async fn eventually(mut done: impl FnMut() -> bool) {
    for _ in 0..1_000_000 {
        if done() {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("condition not reached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_callers_on_a_cold_provider_cause_one_load_and_one_token() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []).closed();
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));

    let callers: Vec<_> = (0..10_000)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    eventually(|| credentials.loads() == 1).await;
    credentials.gate.add_permits(1);
    let tokens: Vec<Arc<Token>> = futures_join(callers).await;
    assert_eq!(credentials.loads(), 1);
    // One token: the same value everywhere (each thread hands out its own copy of it, so that
    // readers on different cores do not share a reference count).
    assert!(tokens.iter().all(|t| **t == *tokens[0]), "one token for all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_the_refresh_point_callers_get_the_valid_token_while_one_load_runs() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let first = provider.token().await.unwrap();
    assert_eq!(first.expires_at(), start() + Duration::from_secs(3600));

    credentials.gate.acquire().await.unwrap().forget(); // hold the next load at the gate
    let all_permits = Semaphore::MAX_PERMITS - 1;
    credentials.gate.forget_permits(all_permits);
    clock.advance(Duration::from_secs(3240)); // the refresh point: 10 % (6 min) of 1 h left

    let callers: Vec<_> = (0..10_000)
        .map(|_| {
            let provider = provider.clone();
            tokio::spawn(async move { provider.token().await })
        })
        .collect();
    let served = futures_join(callers).await; // all return while the load is held: nobody waits
    assert!(served.iter().all(|t| **t == *first), "the token of before, from every worker thread");
    eventually(|| credentials.loads() == 2).await; // the one refresh reaches the held load
    assert!(provider.status().refreshing);
    for _ in 0..100 {
        assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &first));
    }
    assert_eq!(credentials.loads(), 2, "exactly one refresh started");

    credentials.gate.add_permits(1);
    let mut latest = first.clone();
    while Arc::ptr_eq(&latest, &first) {
        latest = provider.token().await.unwrap();
        tokio::task::yield_now().await;
    }
    assert_eq!(latest.issued_at(), start() + Duration::from_secs(3240));
    assert_eq!(credentials.loads(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_token_never_waits_and_starts_the_refresh_at_the_refresh_point() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    assert!(provider.cached_token().is_none(), "nothing cached: only token() can wait for one");
    assert_eq!(credentials.loads(), 0, "and asking does not load");

    let first = provider.token().await.unwrap();
    assert!(Arc::ptr_eq(&provider.cached_token().unwrap(), &first));
    assert_eq!(credentials.loads(), 1);

    clock.advance(Duration::from_secs(3240)); // the refresh point
    assert!(Arc::ptr_eq(&provider.cached_token().unwrap(), &first), "still valid: served");
    eventually(|| credentials.loads() == 2).await; // ...and the refresh was started beside it
    let mut latest = first.clone();
    while Arc::ptr_eq(&latest, &first) {
        latest = provider.cached_token().unwrap();
        tokio::task::yield_now().await;
    }
    assert_eq!(latest.issued_at(), start() + Duration::from_secs(3240));

    clock.advance(Duration::from_secs(3600)); // past the new token's expiry
    assert!(provider.cached_token().is_none(), "an expired token is never served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_expiry_caps_the_token_and_triggers_a_credentials_reload() {
    let clock = ManualTimeSource::new(start());
    let ten_minutes = Some(Duration::from_secs(600));
    let credentials = Scripted::new(&clock, [Step::Ok(ten_minutes), Step::Ok(ten_minutes)]);
    let provider = provider(&clock, &credentials, Duration::from_secs(43_200));

    let first = provider.token().await.unwrap();
    assert_eq!(first.expires_at(), start() + Duration::from_secs(600), "capped by the credentials");
    assert_eq!(first.lifetime(), Duration::from_secs(43_200));

    clock.advance(Duration::from_secs(299)); // margin is half of 10 minutes: refresh at +300 s
    assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &first));
    assert_eq!(credentials.loads(), 1);

    clock.advance(Duration::from_secs(1));
    assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &first), "still valid: served");
    eventually(|| credentials.loads() == 2).await;
    let mut second = first.clone();
    while Arc::ptr_eq(&second, &first) {
        second = provider.token().await.unwrap();
        tokio::task::yield_now().await;
    }
    assert_eq!(second.access_key_id(), "ASIAEXAMPLE00002", "new credentials, not a re-sign");
    assert_eq!(second.expires_at(), start() + Duration::from_secs(900));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_keep_the_valid_token_then_error_then_recover_with_backoff() {
    use Step::*;
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, [Ok(None), Fail, Fail, Fail, Fail, Fail, Ok(None)]);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let at = |s: u64| clock.set_time(start() + Duration::from_secs(s));
    let first = provider.token().await.unwrap();

    // Refresh point 3240: the valid token is served while refreshes fail; backoff 1 s, 2 s, 4 s.
    for (time, loads_after) in [(3240, 2), (3241, 3), (3243, 4)] {
        at(time);
        // Keep calling: a call may come while the previous failed refresh is still finishing.
        for _ in 0..1_000_000 {
            assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &first));
            if credentials.loads() == loads_after {
                break;
            }
            tokio::task::yield_now().await;
        }
        eventually(|| !provider.status().refreshing).await;
        let status = provider.status();
        assert_eq!(status.consecutive_failures as usize, loads_after - 1);
        assert_eq!(status.expires_at, Some(first.expires_at()));
        for _ in 0..100 {
            assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &first));
        }
        assert_eq!(credentials.loads(), loads_after, "no attempt before the backoff ends at {time}");
    }

    // Expired at 3600: callers now wait for the refresh and get its typed error.
    at(3600);
    let err = provider.token().await.unwrap_err();
    assert!(matches!(&err, Error::NoCredentials { .. }), "{err:?}");
    assert!(error_chain(&err).contains("scripted failure"), "{}", error_chain(&err));
    assert_eq!(credentials.loads(), 5);
    at(3601); // within the 8 s backoff: fail fast, no load
    assert!(matches!(provider.token().await, Err(Error::NoCredentials { .. })));
    assert_eq!(credentials.loads(), 5);
    at(3608);
    assert!(provider.token().await.is_err());
    assert_eq!(credentials.loads(), 6);
    at(3608 + 16);
    let recovered = provider.token().await.unwrap();
    assert_eq!(credentials.loads(), 7);
    assert_eq!(recovered.issued_at(), start() + Duration::from_secs(3624));
    assert!(Arc::ptr_eq(&provider.token().await.unwrap(), &recovered), "recovered and cached");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_provider_returns_within_the_load_timeout() {
    let (clock, sleep) = instant_time_and_sleep(start());
    let credentials = Scripted::new(&clock, [Step::Hang]);
    let provider = TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials.clone())
        .load_timeout(Duration::from_secs(2))
        .time_source(clock.clone())
        .sleep_impl(sleep.clone())
        .build()
        .unwrap();
    let err = provider.token().await.unwrap_err();
    assert!(matches!(err, Error::LoadTimeout { timeout } if timeout == Duration::from_secs(2)), "{err:?}");
    assert_eq!(sleep.logs(), vec![Duration::from_secs(2)], "the wait was the load timeout");
    clock.advance(Duration::from_secs(1)); // past the 1 s backoff
    let recovered = provider.token().await;
    assert!(recovered.is_ok(), "recovers on the next load: {recovered:?}");
}

#[test]
fn token_blocking_works_from_a_plain_thread() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let provider = provider.clone();
            std::thread::spawn(move || provider.token_blocking().unwrap())
        })
        .collect();
    let tokens: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert!(tokens.iter().all(|t| **t == *tokens[0]), "one token, a copy per thread");
    assert_eq!(credentials.loads(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_blocking_works_inside_a_multi_thread_runtime() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let token = provider.token_blocking().unwrap();
    assert!(Arc::ptr_eq(&token, &provider.token().await.unwrap()));
}

#[tokio::test(flavor = "current_thread")]
async fn token_blocking_works_inside_a_current_thread_runtime() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let token = provider.token_blocking().unwrap();
    assert!(Arc::ptr_eq(&token, &provider.token().await.unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_signs_anew_and_invalidate_forgets() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, []);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let first = provider.token().await.unwrap();
    // Within the minimum interval a forced refresh gives the token just signed: an app that
    // refreshes on every 403 does not hammer its credentials source.
    assert!(Arc::ptr_eq(&first, &provider.refresh().await.unwrap()));
    assert_eq!(credentials.loads(), 1);
    clock.advance(Duration::from_secs(5));
    let forced = provider.refresh().await.unwrap();
    assert!(!Arc::ptr_eq(&first, &forced));
    assert_eq!(forced.access_key_id(), "ASIAEXAMPLE00002");
    provider.invalidate();
    let after = provider.token().await.unwrap();
    assert_eq!(after.access_key_id(), "ASIAEXAMPLE00003");
    assert_eq!(credentials.loads(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn background_refresh_keeps_a_fresh_token_and_stops_with_the_provider() {
    let (clock, sleep) = instant_time_and_sleep(start());
    let credentials = Scripted::new(&clock, []);
    let provider = background_provider(&clock, &sleep, &credentials);
    // The task signs the first token by itself and then, as its sleeps advance the manual
    // clock, again at each refresh point (every 3240 s).
    eventually(|| credentials.loads() >= 4).await;
    use aws_smithy_async::time::TimeSource;
    // The background task keeps moving this clock: check validity at a moment before the call.
    let before = clock.now();
    let token = provider.token().await.unwrap();
    assert!(token.expires_at() > before, "the served token is valid when asked for");
    assert!(sleep.logs().contains(&Duration::from_secs(3240)), "slept until the refresh point");

    drop(provider);
    eventually(|| Arc::strong_count(&credentials.loads) == 1).await;
    let loads = credentials.loads();
    for _ in 0..1000 {
        tokio::task::yield_now().await;
    }
    assert_eq!(credentials.loads(), loads, "no refresh after the last clone dropped");
}

#[test]
fn bad_settings_are_typed_errors() {
    let build = |b: bedrock_token::TokenProviderBuilder| b.build().unwrap_err();
    assert!(matches!(build(TokenProvider::builder().region("US-EAST-1")), Error::InvalidRegion { .. }));
    assert!(matches!(build(TokenProvider::builder().expiry(Duration::from_secs(43_201))), Error::InvalidExpiry { .. }));
    assert!(matches!(build(TokenProvider::builder().expiry(Duration::ZERO)), Error::InvalidExpiry { .. }));
    let margin = build(TokenProvider::builder().expiry(Duration::from_secs(600)).refresh_margin(Duration::from_secs(600)));
    assert_eq!(margin.to_string(), "refresh_margin: must be less than the expiry (600 s)");
    let timeout = build(TokenProvider::builder().load_timeout(Duration::ZERO));
    assert_eq!(timeout.to_string(), "load_timeout: must be greater than zero");
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<Result<Arc<Token>, Error>>>) -> Vec<Arc<Token>> {
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.expect("task").expect("token"));
    }
    out
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_provider_is_a_typed_error_and_the_provider_keeps_working() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, [Step::Panic]);
    let provider = provider(&clock, &credentials, Duration::from_secs(3600));
    let err = provider.token().await.unwrap_err();
    assert!(matches!(&err, Error::NoCredentials { .. }), "{err:?}");
    assert!(bedrock_token::error_chain(&err).contains("the credentials provider panicked"), "{err}");
    clock.advance(Duration::from_secs(1)); // past the backoff
    assert_eq!(provider.token().await.unwrap().access_key_id(), "ASIAEXAMPLE00002");
    assert_eq!(provider.status().consecutive_failures, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_stepped_back_does_not_extend_the_backoff() {
    /// A wall clock that can be stepped back, as NTP or a resumed VM does.
    #[derive(Debug, Clone)]
    struct Stepping(Arc<Mutex<SystemTime>>);
    impl aws_smithy_async::time::TimeSource for Stepping {
        fn now(&self) -> SystemTime {
            *self.0.lock().unwrap()
        }
    }
    let wall = Stepping(Arc::new(Mutex::new(start())));
    let credentials = Scripted::new(&ManualTimeSource::new(start()), [Step::Fail]);
    let provider = TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials.clone())
        .expiry(Duration::from_secs(3600))
        .time_source(wall.clone())
        .build()
        .unwrap();
    assert!(provider.token().await.is_err());
    assert!(provider.token().await.is_err(), "backing off: no second load yet");
    assert_eq!(credentials.loads(), 1);
    *wall.0.lock().unwrap() = start() - Duration::from_secs(3600); // stepped back an hour
    assert!(provider.token().await.is_ok(), "the credentials work again and are used at once");
    assert_eq!(credentials.loads(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_respects_the_backoff_and_invalidate_discards_a_refresh_in_flight() {
    let clock = ManualTimeSource::new(start());
    let credentials = Scripted::new(&clock, [Step::Ok(None), Step::Fail]);
    let backing_off = provider(&clock, &credentials, Duration::from_secs(3600));
    let first = backing_off.token().await.unwrap();
    clock.advance(Duration::from_secs(5));
    assert!(backing_off.refresh().await.is_err(), "the scripted failure");
    assert!(backing_off.refresh().await.is_err(), "refresh() on every 403 waits out the backoff");
    assert_eq!(credentials.loads(), 2, "no load during the backoff");
    assert!(Arc::ptr_eq(&backing_off.token().await.unwrap(), &first), "the valid token stays in service");

    // A refresh in flight when invalidate() comes does not install its token.
    let gated = Scripted::new(&clock, []).closed();
    let invalidated = provider(&clock, &gated, Duration::from_secs(3600));
    let waiting = tokio::spawn({
        let invalidated = invalidated.clone();
        async move { invalidated.token().await }
    });
    eventually(|| gated.loads() == 1).await;
    invalidated.invalidate();
    gated.gate.add_permits(2);
    let stale = waiting.await.unwrap().unwrap();
    assert_eq!(invalidated.cached_token(), None, "the stale refresh installed nothing");
    let fresh = invalidated.token().await.unwrap();
    assert_ne!(fresh.access_key_id(), stale.access_key_id());
    assert_eq!(gated.loads(), 2);
}

/// A 1-hour provider with background refresh, on an instant sleep that moves `clock`.
fn background_provider(clock: &ManualTimeSource, sleep: &aws_smithy_async::test_util::InstantSleep, credentials: &Scripted) -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials.clone())
        .expiry(Duration::from_secs(3600))
        .refresh_jitter(false)
        .background_refresh(true)
        .time_source(clock.clone())
        .sleep_impl(sleep.clone())
        .build()
        .unwrap()
}

/// After a forced refresh fails while the cached token is fresh, the background task sleeps
/// until the refresh point: it does not wake in a loop of zero-length sleeps.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_task_never_spins_after_a_failed_forced_refresh() {
    let (clock, sleep) = instant_time_and_sleep(start());
    let credentials = Scripted::new(&clock, [Step::Ok(None), Step::Fail]);
    let provider = background_provider(&clock, &sleep, &credentials);
    eventually(|| credentials.loads() >= 1).await;
    clock.advance(Duration::from_secs(5));
    let _ = provider.refresh().await;
    eventually(|| credentials.loads() >= 5).await; // the task goes on refreshing at each refresh point
    let naps = sleep.logs();
    let zero = naps.iter().filter(|d| d.is_zero()).count();
    assert!(zero <= 2, "woke {zero} times without sleeping: {naps:?}");
    assert!(naps.len() <= 2 * credentials.loads() + 2, "a handful of wakes per refresh cycle: {naps:?}");
    drop(provider);
}

/// Loads run on a thread of their own: a provider that blocks its thread ends within the load
/// timeout plus `LOAD_GRACE`, and holds up no other provider, even on a one-worker runtime.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn a_provider_that_blocks_its_thread_delays_no_other_provider() {
    let stuck = TokenProvider::builder().region("us-east-1").credentials_provider(Blocking(Duration::from_secs(3))).load_timeout(Duration::from_millis(300)).build().unwrap();
    let fine = TokenProvider::builder().region("us-east-1").credentials_provider(Credentials::for_tests()).build().unwrap();
    let started = std::time::Instant::now();
    let stuck_wait = tokio::spawn(async move { (stuck.token().await, started.elapsed()) });
    tokio::time::sleep(Duration::from_millis(50)).await; // the stuck load has begun
    let fine_token = fine.token().await;
    let fine_elapsed = started.elapsed();
    assert!(fine_token.is_ok(), "{fine_token:?}");
    assert!(fine_elapsed < Duration::from_millis(1000), "the other provider waited {fine_elapsed:?}");
    let (result, elapsed) = stuck_wait.await.unwrap();
    assert!(matches!(result, Err(Error::LoadTimeout { timeout }) if timeout == Duration::from_millis(300)), "{result:?}");
    let bound = Duration::from_millis(300) + bedrock_token::LOAD_GRACE;
    assert!(elapsed >= Duration::from_millis(300) && elapsed < bound + Duration::from_millis(700), "waited {elapsed:?}, bound {bound:?}");
}
