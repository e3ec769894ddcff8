//! The provider's shared state: the cached token (read lock-free), one refresh at a time, backoff.

use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime};

use arc_swap::ArcSwapOption;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::future::timeout::Timeout;
use aws_smithy_async::rt::sleep::AsyncSleep;
use tokio::sync::{watch, OnceCell};
use tokio::task::JoinHandle;

use super::builder::Settings;
use super::runtime;
use super::schedule::{Cached, Failure};
use crate::chain::{load_credentials, DefaultChain, DEFAULT_CHAIN_SOURCES};
use crate::{sign_token, Error, Token};

/// What one refresh produced, shared with every caller that waited for it.
pub(crate) type Outcome = Result<Arc<Token>, Error>;

/// The region and credentials provider, resolved on first use (no I/O when the provider is built).
struct Source {
    region: String,
    credentials: SharedCredentialsProvider,
    tried: &'static str,
}

pub(crate) struct Inner {
    pub(crate) settings: Settings,
    current: ArcSwapOption<Cached>,
    inflight: Mutex<Option<watch::Receiver<Option<Outcome>>>>,
    failure: Mutex<Option<Failure>>,
    source: OnceCell<Source>,
    background: Mutex<Option<JoinHandle<()>>>,
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
            source: OnceCell::new(),
            background: Mutex::new(None),
        }
    }

    pub(crate) fn now(&self) -> SystemTime {
        self.settings.time_source.now()
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
            return Some(cached.token.clone());
        }
        if cached.is_valid_at(now) {
            let token = cached.token.clone();
            drop(guard);
            let _ = self.start_refresh(now, false);
            return Some(token);
        }
        None
    }

    /// Waits for a token when none valid is cached: joins the running refresh or starts one.
    pub(crate) async fn refreshed(self: &Arc<Self>, now: SystemTime, force: bool) -> Outcome {
        match self.start_refresh(now, force) {
            Start::Fresh(token) => Ok(token),
            Start::BackingOff(error) => Err(error),
            Start::Running(mut outcome) => match outcome.wait_for(Option::is_some).await {
                Ok(done) => done.clone().expect("waited for Some"),
                Err(_) => Err(Error::RefreshInterrupted),
            },
        }
    }

    /// Starts a refresh unless one is running, a fresh token exists (unless `force`), or the
    /// backoff after a failure has not ended (unless `force`).
    pub(crate) fn start_refresh(self: &Arc<Self>, now: SystemTime, force: bool) -> Start {
        let mut inflight = self.inflight.lock().expect("inflight lock");
        // A refresh whose task was dropped unrun (its runtime shut down) no longer counts.
        if let Some(running) = inflight.as_ref().filter(|r| r.has_changed().is_ok()) {
            return Start::Running(running.clone());
        }
        if !force {
            if let Some(cached) = self.current.load().as_ref().filter(|c| c.is_fresh_at(now)) {
                return Start::Fresh(cached.token.clone());
            }
            if let Some(failure) = self.failure.lock().expect("failure lock").as_ref() {
                if now < failure.next_attempt_at {
                    return Start::BackingOff(failure.error.clone());
                }
            }
        }
        let (done, outcome) = watch::channel(None);
        *inflight = Some(outcome.clone());
        let inner = Arc::clone(self);
        runtime::spawn(async move {
            let result = inner.load().await;
            // Cleared before the result is sent, and after `load` stored the token, so a caller
            // that finds no refresh running also finds the new token.
            inner.inflight.lock().expect("inflight lock").take();
            let _ = done.send(Some(result));
        });
        Start::Running(outcome)
    }

    /// One refresh: load credentials, sign, store; bounded by the load timeout.
    async fn load(self: &Arc<Self>) -> Outcome {
        let timeout = self.settings.load_timeout;
        tracing::debug!(target: "bedrock_token::provider", "refreshing the Bedrock API key");
        let result = Timeout::new(self.load_and_sign(), self.settings.sleep.sleep(timeout))
            .await
            .unwrap_or(Err(Error::LoadTimeout { timeout }));
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
                let token = Arc::clone(&cached.token);
                self.current.store(Some(Arc::new(cached)));
                self.failure.lock().expect("failure lock").take();
                Ok(token)
            }
            Err(error) => {
                let mut failure = self.failure.lock().expect("failure lock");
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
        let source = self.source.get_or_try_init(|| self.resolve_source()).await?;
        let credentials = load_credentials(&source.credentials, source.tried).await?;
        sign_token(&credentials, &source.region, self.settings.expiry, self.now())
    }

    async fn resolve_source(&self) -> Result<Source, Error> {
        let settings = &self.settings;
        let chain = settings.profile.clone().map_or_else(DefaultChain::new, |p| DefaultChain::new().profile(p));
        let region = match &settings.region {
            Some(region) => region.clone(),
            None => chain.region().await?,
        };
        crate::validate_region(&region)?;
        let (credentials, tried) = match &settings.credentials {
            Some(provider) => (provider.clone(), "the configured credentials provider"),
            None => (chain.credentials_provider().await, DEFAULT_CHAIN_SOURCES),
        };
        Ok(Source { region, credentials, tried })
    }

    /// A snapshot of the cache, the running refresh and the last failure.
    pub(crate) fn status(&self) -> ProviderStatus {
        let refreshing = self
            .inflight
            .lock()
            .expect("inflight lock")
            .as_ref()
            .is_some_and(|r| r.has_changed().is_ok());
        let current = self.current.load();
        let failure = self.failure.lock().expect("failure lock").clone();
        ProviderStatus {
            expires_at: current.as_ref().map(|c| c.token.expires_at()),
            refresh_at: current.as_ref().map(|c| c.refresh_at),
            refreshing,
            consecutive_failures: failure.as_ref().map_or(0, |f| f.consecutive),
            next_attempt_at: failure.as_ref().map(|f| f.next_attempt_at),
            last_error: failure.map(|f| f.error),
        }
    }

    /// Drops the cached token and any backoff, so the next call refreshes.
    pub(crate) fn invalidate(&self) {
        self.current.store(None);
        self.failure.lock().expect("failure lock").take();
    }

    /// Starts the opt-in background task; it holds only a weak reference and stops with the provider.
    pub(crate) fn start_background(self: &Arc<Self>) {
        let handle = runtime::spawn(background(Arc::downgrade(self)));
        *self.background.lock().expect("background lock") = Some(handle);
    }

    /// How long the background task may sleep before it should look again.
    fn next_wake(&self, now: SystemTime) -> Duration {
        let until = |at: SystemTime| at.duration_since(now).unwrap_or(Duration::ZERO);
        if let Some(failure) = self.failure.lock().expect("failure lock").as_ref() {
            return until(failure.next_attempt_at);
        }
        self.current.load().as_ref().map_or(Duration::ZERO, |c| until(c.refresh_at))
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Some(handle) = self.background.get_mut().ok().and_then(Option::take) {
            handle.abort();
        }
    }
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
