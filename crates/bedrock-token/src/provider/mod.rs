//! [`TokenProvider`]: a cached, auto-refreshing source of short-term Bedrock API keys.
//!
//! * A fresh cached token is returned from a lock-free read.
//! * From the refresh point (expiry minus the margin) the still-valid token keeps being served
//!   while one refresh runs beside it; only callers with no valid token wait, all for that one.
//! * A token's usable life ends at the earlier of its own expiry and its credentials' expiry.
//! * A failed or timed-out refresh keeps the valid token in service and retries with capped
//!   exponential backoff (1 s … 60 s); once nothing valid is left, callers get the typed error.

mod builder;
#[cfg(feature = "secrets-manager")]
pub(crate) mod delivered_key;
mod refresh;
mod runtime;
mod schedule;
mod sdk;
mod settings;
#[cfg(feature = "secrets-manager")]
pub(crate) mod secrets_manager;

use std::fmt;
use std::sync::Arc;

pub use builder::{TokenProviderBuilder, DEFAULT_LOAD_TIMEOUT};
pub use refresh::{ProviderStatus, LOAD_GRACE};
pub use runtime::block_on;
#[cfg(feature = "secrets-manager")]
pub use secrets_manager::{DEFAULT_SECRETS_MANAGER_POLL_INTERVAL, MAX_SECRETS_MANAGER_POLL_INTERVAL, MIN_SECRETS_MANAGER_POLL_INTERVAL};

use crate::{Error, Token};

/// A cached source of Bedrock API keys that re-signs before they expire.
///
/// `Clone` is cheap and shares one cache. Building does no I/O; the first call resolves the region
/// and credentials.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bedrock_token::Error> {
/// use bedrock_token::{Credentials, TokenProvider};
///
/// let provider = TokenProvider::builder()
///     .region("us-east-1")
///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
///     .build()?;
/// let first = provider.token().await?;
/// let again = provider.token().await?;
/// assert!(std::sync::Arc::ptr_eq(&first, &again), "cached");
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TokenProvider {
    inner: Arc<refresh::Inner>,
}

impl TokenProvider {
    /// A provider with the default chains, a 12 h lifetime and the default refresh settings
    /// (cargo feature `default-chains`).
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::new(); // no I/O yet
    /// # let _ = provider;
    /// ```
    #[cfg(feature = "default-chains")]
    pub fn new() -> Self {
        Self::builder().build().expect("the default settings are valid")
    }

    /// Settings for a provider; see [`TokenProviderBuilder`].
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::builder().region("us-west-2").build()?;
    /// # let _ = provider;
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn builder() -> TokenProviderBuilder {
        TokenProviderBuilder::default()
    }

    /// A token fresh enough to use: the cached one, or one refresh shared by all waiting callers.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let provider = bedrock_token::TokenProvider::new();
    /// let token = provider.token().await?;
    /// let header = format!("Bearer {}", token.as_str());
    /// # Ok(()) }
    /// ```
    pub async fn token(&self) -> Result<Arc<Token>, Error> {
        if let Some(token) = self.inner.fresh() {
            return Ok(token);
        }
        let now = self.inner.now();
        match self.inner.cached(now) {
            Some(token) => Ok(token),
            None => self.inner.refreshed(now, false).await.map(|token| self.inner.handout_of(token)),
        }
    }

    /// [`TokenProvider::token`] for synchronous code: from plain threads, and from inside a tokio
    /// runtime of either flavour without a nested-runtime panic.
    ///
    /// ```
    /// use bedrock_token::{Credentials, TokenProvider};
    /// let provider = TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
    ///     .build()?;
    /// let token = provider.token_blocking()?;
    /// # assert!(token.as_str().starts_with("bedrock-api-key-"));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn token_blocking(&self) -> Result<Arc<Token>, Error> {
        if let Some(token) = self.inner.fresh() {
            return Ok(token);
        }
        let now = self.inner.now();
        match self.inner.cached(now) {
            Some(token) => Ok(token),
            None => runtime::block_on(self.inner.refreshed(now, false)).map(|token| self.inner.handout_of(token)),
        }
    }

    /// Runs `f` on a token fresh enough to use, without handing out a reference count: the
    /// fastest read, and one that does not slow down as threads are added. Blocks like
    /// [`TokenProvider::token_blocking`] only when no fresh token is cached.
    ///
    /// ```
    /// use bedrock_token::{Credentials, TokenProvider};
    /// let provider = TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
    ///     .build()?;
    /// let header = provider.with_token(|token| format!("Bearer {}", token.as_str()))?;
    /// # assert!(header.starts_with("Bearer bedrock-api-key-"));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn with_token<R>(&self, f: impl FnOnce(&Token) -> R) -> Result<R, Error> {
        match self.inner.with_fresh(self.inner.now_or_later(), f) {
            Ok(result) => Ok(result),
            Err(f) => self.token_blocking().map(|token| f(&token)),
        }
    }

    /// The cached token if it can be used now, without waiting: when it is fresh, or when it is
    /// past the refresh point but still valid (a refresh is then started beside it). `None` when
    /// only [`TokenProvider::token`] can give one: nothing cached yet, or the cached one expired.
    ///
    /// For callers that must not wait or cannot await cheaply (the Node binding's promise-free hit).
    ///
    /// ```
    /// use bedrock_token::{Credentials, TokenProvider};
    /// let provider = TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
    ///     .build()?;
    /// assert!(provider.cached_token().is_none());
    /// let token = provider.token_blocking()?;
    /// assert_eq!(provider.cached_token(), Some(token));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn cached_token(&self) -> Option<Arc<Token>> {
        self.inner.fresh().or_else(|| self.inner.cached(self.inner.now()))
    }

    /// Signs a new token now, even if the cached one is fresh (joins a refresh already running).
    /// Use it after Bedrock rejected a token, e.g. because its credentials were revoked.
    ///
    /// Within 5 s of the last signing it returns that token, and while the backoff after a failed
    /// refresh holds it returns that failure: calling it on every 403 cannot hammer the
    /// credentials source (STS, IMDS, SSO).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let provider = bedrock_token::TokenProvider::new();
    /// let token = provider.refresh().await?;
    /// # Ok(()) }
    /// ```
    pub async fn refresh(&self) -> Result<Arc<Token>, Error> {
        self.inner.refreshed(self.inner.now(), true).await.map(|token| self.inner.handout_of(token))
    }

    /// The cache, the running refresh and the last failure, for health checks and metrics.
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::new();
    /// assert_eq!(provider.status().consecutive_failures, 0);
    /// ```
    pub fn status(&self) -> ProviderStatus {
        self.inner.status()
    }

    /// Until when a caller that keeps `token` (an SDK's identity cache, an OpenAI client) may use
    /// it without asking again: its refresh point while it is this provider's fresh token, and
    /// now once it is past that point, replaced or invalidated.
    ///
    /// ```
    /// use bedrock_token::{Credentials, TokenProvider};
    /// let provider = TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
    ///     .build()?;
    /// let token = provider.token_blocking()?;
    /// assert_eq!(Some(provider.keep_until(&token)), provider.status().refresh_at);
    /// provider.invalidate();
    /// assert!(provider.keep_until(&token) <= std::time::SystemTime::now());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn keep_until(&self, token: &Token) -> std::time::SystemTime {
        self.inner.keep_until(token, self.inner.now())
    }

    /// The region set with [`TokenProviderBuilder::region`]; `None` when the default region chain
    /// chooses it on first use.
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::builder().region("eu-west-1").build()?;
    /// assert_eq!(provider.region(), Some("eu-west-1"));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn region(&self) -> Option<&str> {
        self.inner.settings.region.as_deref()
    }

    /// Forgets the cached token and any backoff: the next call signs anew.
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::new();
    /// provider.invalidate();
    /// ```
    pub fn invalidate(&self) {
        self.inner.invalidate();
    }
}

#[cfg(feature = "default-chains")]
impl Default for TokenProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for TokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let settings = &self.inner.settings;
        let mut debug = f.debug_struct("TokenProvider");
        debug
            .field("region", &settings.region)
            .field("expiry", &settings.expiry)
            .field("refresh_margin", &settings.refresh_margin)
            .field("load_timeout", &settings.load_timeout)
            .field("background_refresh", &settings.background);
        #[cfg(feature = "secrets-manager")]
        if let Some(secret) = &settings.secret {
            debug.field("secrets_manager_secret", &secret.secret_id).field("secrets_manager_poll_interval", &secret.poll_interval);
        }
        debug.finish_non_exhaustive()
    }
}
