//! The provider's shared state: the cached token (read lock-free), one refresh at a time, backoff.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::future::timeout::Timeout;
use aws_smithy_async::rt::sleep::AsyncSleep;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::settings::Settings;
use super::runtime;
use super::schedule::{Cached, Failure};
#[cfg(feature = "default-chains")]
use crate::chain::{DefaultChain, DEFAULT_CHAIN_SOURCES};
use crate::credentials::load_credentials;
use crate::lock::lock;
use crate::{sign_token, Error, Token};

/// What one refresh produced, shared with every caller that waited for it.
pub(crate) type Outcome = Result<Arc<Token>, Error>;

/// The shortest time between two forced refreshes ([`TokenProvider::refresh`](crate::TokenProvider::refresh)):
/// within it, a forced refresh returns the token the last one signed.
pub(crate) const MIN_FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// How much longer than the load timeout a caller waits, in real time, for a credentials load
/// that blocks its thread, so that the load timeout ends it: no caller of `token()` or
/// `token_blocking()` waits longer than the load timeout plus this.
pub const LOAD_GRACE: Duration = Duration::from_millis(500);

/// The region and credentials provider, resolved on first use (no I/O when the provider is built).
struct Source {
    region: String,
    credentials: SharedCredentialsProvider,
    tried: &'static str,
    /// The Secrets Manager client and the region it asks, when the key comes from a secret.
    #[cfg(feature = "secrets-manager")]
    secrets_manager: Option<(aws_sdk_secretsmanager::Client, String)>,
}

/// A running refresh: which process started it (a child after `fork()` cannot join its parent's),
/// and the channel its outcome arrives on.
struct Running {
    pid: u32,
    generation: u64,
    outcome: watch::Receiver<Option<Outcome>>,
}

pub(crate) struct Inner {
    pub(crate) settings: Settings,
    current: ArcSwapOption<Cached>,
    inflight: Mutex<Option<Running>>,
    failure: Mutex<Option<Failure>>,
    /// The resolved source and the process that resolved it: its HTTP connections belong to that
    /// process's runtime, so a child after `fork()` resolves its own.
    source: Mutex<Option<(u32, Arc<Source>)>>,
    /// Bumped by `invalidate()`: a refresh started before it does not install its token.
    generation: AtomicU64,
    background: Mutex<Option<(u32, JoinHandle<()>)>>,
}


/// A snapshot of a [`TokenProvider`](crate::TokenProvider), for health checks and metrics.
///
/// ```
/// let status = bedrock_token::TokenProvider::new().status();
/// assert!(status.expires_at.is_none() && !status.refreshing && status.consecutive_failures == 0);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProviderStatus {
    /// When the cached token stops working, if there is one.
    pub expires_at: Option<SystemTime>,
    /// When the provider starts replacing the cached token.
    pub refresh_at: Option<SystemTime>,
    /// Whether a refresh is running now.
    pub refreshing: bool,
    /// Refreshes failed in a row since the last success.
    pub consecutive_failures: u32,
    /// The earliest time of the next attempt after a failure.
    pub next_attempt_at: Option<SystemTime>,
    /// The last failure since the last success.
    pub last_error: Option<Error>,
    /// The version id (`AWSCURRENT` when it was read) of the Secrets Manager secret's key in use,
    /// for a provider that reads its key from a secret.
    pub secret_version_id: Option<String>,
}

/// What a caller without a fresh token gets from [`Inner::start_refresh`].
pub(crate) enum Start {
    /// A fresh token appeared meanwhile.
    Fresh(Arc<Token>),
    /// A refresh is running: wait on this for its outcome.
    Running(watch::Receiver<Option<Outcome>>),
    /// The last refresh failed and its backoff has not ended.
    BackingOff(Error),
}

impl Inner {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            settings,
            current: ArcSwapOption::const_empty(),
            inflight: Mutex::new(None),
            failure: Mutex::new(None),
            source: Mutex::new(None),
            generation: AtomicU64::new(0),
            background: Mutex::new(None),
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.settings.time_source.now()
    }

    /// A time no earlier than [`Inner::now`], cheaper to read: with the system clock, the
    /// kernel's coarse clock plus a second ([`crate::time::now_or_later`]); a token fresh then is
    /// fresh now. A clock read was a third of a hit.
    pub(crate) fn now_or_later(&self) -> SystemTime {
        if self.settings.system_clock {
            crate::time::now_or_later()
        } else {
            self.now()
        }
    }

    /// The fastest hit: this thread's copy of the cached token if it is fresh by
    /// [`Inner::now_or_later`]; `None` sends the caller to [`Inner::cached`] with the exact time.
    #[inline]
    pub(crate) fn fresh(&self) -> Option<Arc<Token>> {
        let guard = self.current.load();
        guard.as_ref().filter(|cached| cached.is_fresh_at(self.now_or_later())).map(|cached| cached.handout())
    }

    /// Runs `f` on the cached token if it is fresh, through an `arc-swap` guard: no reference
    /// count is written, so threads reading the same token do not contend.
    pub(crate) fn with_fresh<R>(&self, now: SystemTime, f: impl FnOnce(&Token) -> R) -> Result<R, impl FnOnce(&Token) -> R> {
        let guard = self.current.load();
        match guard.as_ref().filter(|cached| cached.is_fresh_at(now)) {
            Some(cached) => Ok(f(&cached.token)),
            None => Err(f),
        }
    }

    /// The hot path: the cached token if it is fresh, or if it is still valid (then a refresh is
    /// started beside it, and the caller does not wait). Lock-free unless a refresh must start.
    pub(crate) fn cached(self: &Arc<Self>, now: SystemTime) -> Option<Arc<Token>> {
        let guard = self.current.load();
        let cached = guard.as_ref()?;
        if cached.is_fresh_at(now) {
            return Some(cached.handout());
        }
        if cached.is_valid_at(now) {
            let token = cached.handout();
            drop(guard);
            let _ = self.start_refresh(now, false);
            return Some(token);
        }
        None
    }

    /// Until when a caller may keep `token` without asking again: its refresh point while it is
    /// the cached token and fresh; `now` once it is stale, replaced or invalidated.
    pub(crate) fn keep_until(&self, token: &Token, now: SystemTime) -> SystemTime {
        match self.current.load().as_ref() {
            Some(cached) if cached.holds(token) && cached.is_fresh_at(now) => cached.refresh_at,
            _ => now,
        }
    }

    /// Waits for a token when none valid is cached: joins the running refresh or starts one.
    ///
    /// The wait is bounded by the refresh's own load timeout plus [`LOAD_GRACE`]: the refresh
    /// runs on a runtime of this process (a child after `fork()` never joins its parent's), and
    /// loads credentials on a thread of its own, so even a provider that blocks its thread ends.
    pub(crate) async fn refreshed(self: &Arc<Self>, now: SystemTime, force: bool) -> Outcome {
        match self.start_refresh(now, force) {
            Start::Fresh(token) => Ok(token),
            Start::BackingOff(error) => Err(error),
            Start::Running(mut outcome) => match outcome.wait_for(Option::is_some).await {
                Ok(done) => done.clone().unwrap_or(Err(Error::RefreshInterrupted)),
                Err(_) => Err(Error::RefreshInterrupted),
            },
        }
    }

    /// The copy of `token` this thread hands out while it is the cached token (so that a thread
    /// gets the same `Arc` from a refresh it waited for and from the hits after), else `token`.
    /// Called on the caller's thread (a blocking wait may have waited on another).
    pub(crate) fn handout_of(&self, token: Arc<Token>) -> Arc<Token> {
        match self.current.load().as_ref() {
            Some(cached) if Arc::ptr_eq(&cached.token, &token) => cached.handout(),
            _ => token,
        }
    }

    /// Starts a refresh unless one is running, a fresh token exists (unless `force`), or the
    /// backoff after a failure holds. A forced refresh also respects the backoff, and within
    /// [`MIN_FORCED_REFRESH_INTERVAL`] of the last signing returns that token.
    pub(crate) fn start_refresh(self: &Arc<Self>, now: SystemTime, force: bool) -> Start {
        let pid = runtime::process_id();
        let mut inflight = lock(&self.inflight);
        // A refresh whose task was dropped unrun (its runtime shut down), or that belongs to the
        // parent of this forked process, no longer counts.
        if let Some(running) = inflight.as_ref().filter(|r| r.pid == pid && r.outcome.has_changed().is_ok()) {
            return Start::Running(running.outcome.clone());
        }
        if let Some(cached) = self.current.load().as_ref() {
            let just_signed = now.duration_since(cached.token.issued_at()).is_ok_and(|age| age < MIN_FORCED_REFRESH_INTERVAL);
            if cached.is_fresh_at(now) && (!force || just_signed) {
                return Start::Fresh(Arc::clone(&cached.token));
            }
        }
        if let Some(failure) = lock(&self.failure).as_ref().filter(|f| f.holds_at(now)) {
            return Start::BackingOff(failure.error.clone());
        }
        let (done, outcome) = watch::channel(None);
        let generation = self.generation.load(Ordering::Acquire);
        *inflight = Some(Running { pid, generation, outcome: outcome.clone() });
        drop(inflight);
        self.ensure_background(pid);
        let inner = Arc::clone(self);
        runtime::spawn(async move {
            let result = inner.load(generation).await;
            // Cleared before the result is sent, and after `load` stored the token, so a caller
            // that finds no refresh running also finds the new token. A newer refresh (after
            // `invalidate()`) keeps its place.
            let mut inflight = lock(&inner.inflight);
            if inflight.as_ref().is_some_and(|r| r.generation == generation && r.pid == pid) {
                inflight.take();
            }
            drop(inflight);
            let _ = done.send(Some(result));
        });
        Start::Running(outcome)
    }

    /// One refresh: load credentials, sign, store (unless `invalidate()` came meanwhile);
    /// bounded by the load timeout (plus [`LOAD_GRACE`] for a load that blocks its thread).
    async fn load(self: &Arc<Self>, generation: u64) -> Outcome {
        tracing::debug!(target: "bedrock_token::provider", "refreshing the Bedrock API key");
        let result = self.load_and_sign().await;
        let now = self.now();
        match result {
            Ok(token) => {
                tracing::info!(
                    target: "bedrock_token::provider",
                    region = token.region(),
                    access_key_id = token.access_key_id(),
                    expires_at = %crate::rfc3339(token.expires_at()),
                    "refreshed the Bedrock API key"
                );
                let cached = Cached::new(token, self.settings.refresh_margin, self.settings.jitter);
                // A key from Secrets Manager: the next refresh polls the secret within one interval.
                #[cfg(feature = "secrets-manager")]
                let cached = match &self.settings.secret {
                    Some(secret) => cached.refresh_no_later_than(now + secret.poll_interval),
                    None => cached,
                };
                let token = Arc::clone(&cached.token);
                if self.generation.load(Ordering::Acquire) == generation {
                    self.current.store(Some(Arc::new(cached)));
                    lock(&self.failure).take();
                }
                Ok(token)
            }
            Err(error) => {
                let mut failure = lock(&self.failure);
                let next = Failure::after(failure.as_ref(), error.clone(), now);
                tracing::warn!(
                    target: "bedrock_token::provider",
                    error = %error,
                    consecutive_failures = next.consecutive,
                    retry_at = %crate::rfc3339(next.next_attempt_at),
                    "refreshing the Bedrock API key failed"
                );
                *failure = Some(next);
                Err(error)
            }
        }
    }

    async fn load_and_sign(&self) -> Result<Token, Error> {
        let timeout = self.settings.load_timeout;
        let source = Timeout::new(self.source(), self.settings.sleep.sleep(timeout)).await.unwrap_or(Err(Error::LoadTimeout { timeout }))?;
        #[cfg(feature = "secrets-manager")]
        if let (Some(secret), Some((client, sm_region))) = (&self.settings.secret, &source.secrets_manager) {
            let (secret, client, sm_region) = (Arc::clone(secret), client.clone(), sm_region.clone());
            let reading = async move { secret.current(&client, &sm_region).await };
            let held = self.off_thread(reading, source.tried).await?;
            let secret = self.settings.secret.as_ref().expect("checked above");
            return secret.token(&held, &source.region, self.settings.expiry, self.now());
        }
        let credentials = self.load_off_thread(&source).await?;
        sign_token(&credentials, &source.region, self.settings.expiry, self.now())
    }

    /// Loads credentials on a thread of its own ([`Inner::off_thread`]).
    async fn load_off_thread(&self, source: &Source) -> Result<aws_credential_types::Credentials, Error> {
        let (credentials, tried) = (source.credentials.clone(), source.tried);
        self.off_thread(async move { load_guarded(&credentials, tried).await }, tried).await
    }

    /// Runs `load` on a thread of its own, driven by the runtime this refresh runs on, so that a
    /// provider that blocks its thread (a blocking `credential_process`, a Python `load()`) holds
    /// up neither that runtime nor any other provider. The load timeout, measured by the
    /// provider's sleep, ends a load that waits; one that blocks is given up after the load
    /// timeout plus [`LOAD_GRACE`] of real time, its thread left to finish on its own.
    async fn off_thread<T: Send + 'static>(&self, load: impl Future<Output = Result<T, Error>> + Send + 'static, tried: &'static str) -> Result<T, Error> {
        let timeout = self.settings.load_timeout;
        let sleep = self.settings.sleep.clone();
        let handle = tokio::runtime::Handle::current();
        let (done, loaded) = tokio::sync::oneshot::channel();
        let load = async move { Timeout::new(load, sleep.sleep(timeout)).await.unwrap_or(Err(Error::LoadTimeout { timeout })) };
        std::thread::Builder::new()
            .name("bedrock-token-load".to_owned())
            .spawn(move || {
                let _ = done.send(handle.block_on(load));
            })
            .map_err(|err| Error::NoCredentials { tried: tried.to_owned(), source: Arc::new(std::io::Error::other(format!("no thread could be started to load credentials: {err}"))) })?;
        match Timeout::new(loaded, runtime::wall_clock_sleep(timeout + LOAD_GRACE)).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(Error::RefreshInterrupted),
            Err(_) => Err(Error::LoadTimeout { timeout }),
        }
    }

    /// The source resolved in this process, resolving it on first use (and again after `fork()`).
    async fn source(&self) -> Result<Arc<Source>, Error> {
        let pid = runtime::process_id();
        if let Some((_, source)) = lock(&self.source).as_ref().filter(|(owner, _)| *owner == pid) {
            return Ok(Arc::clone(source));
        }
        let source = Arc::new(self.resolve_source().await?);
        *lock(&self.source) = Some((pid, Arc::clone(&source)));
        Ok(source)
    }

    async fn resolve_source(&self) -> Result<Source, Error> {
        let settings = &self.settings;
        #[cfg(feature = "default-chains")]
        let chain = settings.profile.clone().map_or_else(DefaultChain::new, |p| DefaultChain::new().profile(p));
        let region = match &settings.region {
            Some(region) => region.clone(),
            #[cfg(feature = "default-chains")]
            None => chain.region().await?,
            #[cfg(not(feature = "default-chains"))]
            None => return Err(super::settings::no_default_chains("region")),
        };
        crate::validate_region(&region)?;
        let (credentials, tried) = match &settings.credentials {
            Some(provider) => (provider.clone(), "the configured credentials provider"),
            #[cfg(feature = "default-chains")]
            None => (chain.credentials_provider().await, DEFAULT_CHAIN_SOURCES),
            #[cfg(not(feature = "default-chains"))]
            None => return Err(super::settings::no_default_chains("credentials_provider")),
        };
        #[cfg(feature = "secrets-manager")]
        let secrets_manager = match &settings.secret {
            Some(secret) => Some(super::secrets_manager::client(secret, &region, credentials.clone(), settings.profile.as_deref()).await),
            None => None,
        };
        Ok(Source {
            region,
            credentials,
            tried,
            #[cfg(feature = "secrets-manager")]
            secrets_manager,
        })
    }

    /// A snapshot of the cache, the running refresh and the last failure.
    pub(crate) fn status(&self) -> ProviderStatus {
        let pid = runtime::process_id();
        let refreshing = lock(&self.inflight).as_ref().is_some_and(|r| r.pid == pid && r.outcome.has_changed().is_ok());
        let current = self.current.load();
        let failure = lock(&self.failure).clone();
        ProviderStatus {
            expires_at: current.as_ref().map(|c| c.token.expires_at()),
            refresh_at: current.as_ref().map(|c| c.refresh_at),
            refreshing,
            consecutive_failures: failure.as_ref().map_or(0, |f| f.consecutive),
            next_attempt_at: failure.as_ref().map(|f| f.next_attempt_at),
            last_error: failure.map(|f| f.error),
            #[cfg(feature = "secrets-manager")]
            secret_version_id: self.settings.secret.as_ref().and_then(|secret| secret.version_id()),
            #[cfg(not(feature = "secrets-manager"))]
            secret_version_id: None,
        }
    }

    /// Drops the cached token and any backoff, so the next call refreshes; a refresh already
    /// running (with the credentials of before) does not install its token.
    pub(crate) fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        lock(&self.inflight).take();
        self.current.store(None);
        lock(&self.failure).take();
        crate::sign::clear_signing_state();
    }

    /// Starts the opt-in background task; it holds only a weak reference and stops with the provider.
    pub(crate) fn start_background(self: &Arc<Self>) {
        let handle = runtime::spawn(background(Arc::downgrade(self)));
        *lock(&self.background) = Some((runtime::process_id(), handle));
    }

    /// After `fork()` the parent's background task does not exist in the child: start the child's.
    fn ensure_background(self: &Arc<Self>, pid: u32) {
        let inherited = lock(&self.background).as_ref().is_some_and(|(owner, _)| *owner != pid);
        if self.settings.background && inherited {
            self.start_background();
        }
    }

    /// How long the background task may sleep before it should look again: until the refresh
    /// point of the cached token, or the end of a backoff if that is later; at once when nothing
    /// is cached and no backoff holds. Never zero while a fresh token is cached, so a failed
    /// forced refresh cannot make it spin.
    fn next_wake(&self, now: SystemTime) -> Duration {
        let until = |at: SystemTime| at.duration_since(now).unwrap_or(Duration::ZERO);
        let backoff_end = lock(&self.failure).as_ref().filter(|f| f.holds_at(now)).map(|f| f.next_attempt_at);
        let refresh_at = self.current.load().as_ref().map(|c| c.refresh_at);
        match (refresh_at, backoff_end) {
            (Some(refresh), Some(retry)) => until(refresh.max(retry)),
            (Some(refresh), None) => until(refresh),
            (None, Some(retry)) => until(retry),
            (None, None) => Duration::ZERO,
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        let background = self.background.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, handle)) = background.take() {
            handle.abort();
        }
    }
}

/// Loads credentials, turning a panic of the provider into [`Error::NoCredentials`] naming it,
/// so one panic is one failed refresh (with backoff) and the provider keeps working.
async fn load_guarded(credentials: &SharedCredentialsProvider, tried: &str) -> Result<aws_credential_types::Credentials, Error> {
    let mut load = std::pin::pin!(load_credentials(credentials, tried));
    std::future::poll_fn(|cx| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| load.as_mut().poll(cx))).unwrap_or_else(|_| {
            std::task::Poll::Ready(Err(Error::NoCredentials {
                tried: tried.to_owned(),
                source: Arc::new(std::io::Error::other("the credentials provider panicked")),
            }))
        })
    })
    .await
}

/// Refreshes at each refresh point so callers never wait; ends when the last provider clone drops.
async fn background(inner: Weak<Inner>) {
    loop {
        let Some(strong) = inner.upgrade() else { return };
        let nap = strong.settings.sleep.sleep(strong.next_wake(strong.now()));
        drop(strong);
        nap.await;
        let Some(strong) = inner.upgrade() else { return };
        if let Start::Running(mut outcome) = strong.start_refresh(strong.now(), false) {
            drop(strong);
            let _ = outcome.wait_for(Option::is_some).await;
        }
    }
}
