//! The Rust core for Node.js (napi-rs). Only type and error translation lives here; the JS layer
//! `bedrock-token.js` gives it the shape of `@aws/bedrock-token-generator`.
//!
//! Errors reach JS as `Error("ERR_BEDROCK_…: message")`; the JS layer turns the code into the
//! error's `code` and class (`TypeError`, `RangeError`, `Error`).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_token::provision::{Organization, OrganizationAuditOptions, ProvisionError};
use bedrock_token::{error_chain, provider_future, Credentials, CredentialsError, Error, ProvideCredentials};
use napi::bindgen_prelude::{FromNapiValue, Function, Promise, ToNapiValue, TypeName};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

/// The stable code for each kind of core error.
fn code(err: &Error) -> &'static str {
    match err {
        Error::InvalidExpiry { .. } | Error::UnparsableExpiry { .. } => "ERR_BEDROCK_INVALID_EXPIRY",
        Error::InvalidRegion { .. } => "ERR_BEDROCK_INVALID_REGION",
        Error::NoRegion => "ERR_BEDROCK_NO_REGION",
        Error::EmptyCredentialField { .. } => "ERR_BEDROCK_INVALID_CREDENTIALS",
        Error::CredentialsExpired { .. } => "ERR_BEDROCK_CREDENTIALS_EXPIRED",
        Error::NoCredentials { .. } => "ERR_BEDROCK_NO_CREDENTIALS",
        Error::MalformedToken(_) | Error::MalformedLongTermKey(_) => "ERR_BEDROCK_MALFORMED_TOKEN",
        Error::LoadTimeout { .. } => "ERR_BEDROCK_LOAD_TIMEOUT",
        Error::InvalidSigningTime => "ERR_BEDROCK_INVALID_TIME",
        Error::InvalidSetting { .. } => "ERR_BEDROCK_INVALID_SETTING",
        Error::ProfileNotFound { .. } => "ERR_BEDROCK_PROFILE_NOT_FOUND",
        Error::ProfileFile { .. } => "ERR_BEDROCK_PROFILE_FILE",
        Error::SsoLoginNeeded { .. } => "ERR_BEDROCK_SSO_LOGIN",
        Error::SecretsManager { .. } => "ERR_BEDROCK_SECRETS_MANAGER",
        _ => "ERR_BEDROCK",
    }
}

fn js_error(err: Error) -> napi::Error {
    napi::Error::new(Status::GenericFailure, format!("{}: {}", code(&err), error_chain(&err)))
}

fn millis(at: SystemTime) -> f64 {
    at.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_millis() as f64)
}

/// An epoch-milliseconds time from JS; times outside what SigV4 can write are a RangeError
/// (`ERR_BEDROCK_INVALID_TIME`), never a panic.
fn from_millis(ms: f64) -> napi::Result<SystemTime> {
    Duration::try_from_secs_f64(ms / 1000.0)
        .ok()
        .and_then(|since| UNIX_EPOCH.checked_add(since))
        .filter(|at| *at < UNIX_EPOCH + Duration::from_secs(253_402_300_800)) // 10000-01-01
        .ok_or_else(|| js_error(Error::InvalidSigningTime))
}

/// Runs an async export's future, turning a panic into a rejected promise instead of an abort
/// (sync exports use `#[napi(catch_unwind)]`).
async fn unwound<T>(future: impl std::future::Future<Output = napi::Result<T>>) -> napi::Result<T> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| future.as_mut().poll(cx)))
            .unwrap_or_else(|panic| std::task::Poll::Ready(Err(napi::bindgen_prelude::panic_to_error(panic))))
    })
    .await
}

fn lifetime(seconds: f64) -> napi::Result<Duration> {
    Duration::try_from_secs_f64(seconds).map_err(|_| js_error(Error::InvalidExpiry { given: format!("{seconds} s") }))
}

/// A token on its way to JS, made a one-byte (latin1) JS string straight from the core's buffer:
/// tokens are ASCII, so latin1 is exact, V8 copies it without decoding UTF-8, and no Rust copy
/// of the token is left behind unwiped.
pub struct TokenString(Arc<bedrock_token::Token>);

impl TypeName for TokenString {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::String
    }
}

impl ToNapiValue for TokenString {
    unsafe fn to_napi_value(env: napi::sys::napi_env, value: Self) -> napi::Result<napi::sys::napi_value> {
        let bytes = value.0.as_str().as_bytes();
        let mut raw = std::ptr::null_mut();
        // SAFETY: `env` is the live environment napi-rs hands us; `bytes` outlives the call,
        // which copies them into the JS heap.
        napi::check_status!(unsafe { napi::sys::napi_create_string_latin1(env, bytes.as_ptr().cast(), bytes.len() as isize, &mut raw) })?;
        Ok(raw)
    }
}

/// A string argument read with one napi call when it fits in 251 bytes (access key ids, secrets
/// and regions do; longer ones take napi-rs's two calls), and zeroed when dropped: a secret
/// read here leaves no copy behind. napi-rs's `String` asks for the length first, then copies
/// into a zero-filled allocation, which was a tenth of `signTokenSync`.
pub struct ShortText {
    inline: [u8; 256],
    len: usize,
    long: Option<zeroize::Zeroizing<String>>,
}

impl Drop for ShortText {
    fn drop(&mut self) {
        // The bytes napi wrote (zeroing all 256 one volatile write at a time would cost more).
        zeroize::Zeroize::zeroize(&mut self.inline[..self.len.min(256)]);
    }
}

impl ShortText {
    fn as_str(&self) -> &str {
        match &self.long {
            Some(long) => long.as_str(),
            // napi wrote whole UTF-8 characters: the bytes are a valid string.
            None => std::str::from_utf8(&self.inline[..self.len]).unwrap_or_default(),
        }
    }
}

impl TypeName for ShortText {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> napi::ValueType {
        napi::ValueType::String
    }
}

impl FromNapiValue for ShortText {
    unsafe fn from_napi_value(env: napi::sys::napi_env, value: napi::sys::napi_value) -> napi::Result<Self> {
        let mut text = ShortText { inline: [0; 256], len: 0, long: None };
        // SAFETY: `env` and `value` come from napi-rs for this call; napi writes at most 256 bytes
        // (the last a NUL) into the buffer and the count of the others into `len`.
        let status = unsafe { napi::sys::napi_get_value_string_utf8(env, value, text.inline.as_mut_ptr().cast(), 256, &mut text.len) };
        if status == napi::sys::Status::napi_string_expected {
            return Err(napi::Error::new(Status::StringExpected, "expected a string".to_owned()));
        }
        napi::check_status!(status)?;
        // 252 bytes or more may have been cut short (before a character of up to 4 bytes).
        if text.len > 251 {
            // SAFETY: as above.
            text.long = Some(zeroize::Zeroizing::new(unsafe { String::from_napi_value(env, value)? }));
        }
        Ok(text)
    }
}

/// Credentials as JS passes them (`expiration` in epoch milliseconds).
#[napi(object)]
pub struct JsCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    pub expiration: Option<f64>,
}

impl TryFrom<JsCredentials> for Credentials {
    type Error = napi::Error;

    fn try_from(c: JsCredentials) -> napi::Result<Self> {
        let expiration = c.expiration.map(from_millis).transpose()?;
        Ok(Credentials::new(c.access_key_id, c.secret_access_key, c.session_token, expiration, "node"))
    }
}

/// A token and what is known about it (times in epoch milliseconds).
#[napi(object)]
pub struct JsTokenInfo {
    pub token: String,
    pub expires_at: f64,
    pub issued_at: f64,
    pub region: String,
    pub access_key_id: String,
    /// Until when a client may keep it without asking again (its refresh point, or now).
    pub keep_until: f64,
}

impl JsTokenInfo {
    fn of(provider: &bedrock_token::TokenProvider, t: &bedrock_token::Token) -> Self {
        JsTokenInfo {
            token: t.as_str().to_owned(),
            expires_at: millis(t.expires_at()),
            issued_at: millis(t.issued_at()),
            region: t.region().to_owned(),
            access_key_id: t.access_key_id().to_owned(),
            keep_until: millis(provider.keep_until(t)),
        }
    }
}

/// The base URL of Bedrock's OpenAI-compatible endpoint: bedrock-mantle if `mantle`, else
/// bedrock-runtime (the wrapper checks the endpoint's name).
#[napi(catch_unwind)]
pub fn openai_base_url(region: String, mantle: bool) -> napi::Result<String> {
    let endpoint = if mantle { bedrock_token::OpenAiEndpoint::Mantle } else { bedrock_token::OpenAiEndpoint::Runtime };
    bedrock_token::openai_base_url(&region, endpoint).map_err(js_error)
}

/// Signs a token synchronously, offline, at `atMs` (default now). The credentials come as separate
/// arguments: reading them from a JS object cost more than signing.
#[napi(
    catch_unwind,
    ts_args_type = "accessKeyId: string, secretAccessKey: string, sessionToken: string | undefined | null, expirationMs: number | undefined | null, region: string, expiresInSeconds: number, atMs?: number | undefined | null",
    ts_return_type = "string"
)]
pub fn sign_token_sync(
    access_key_id: ShortText,
    secret_access_key: ShortText,
    session_token: Option<ShortText>,
    expiration_ms: Option<f64>,
    region: ShortText,
    expires_in_seconds: f64,
    at_ms: Option<f64>,
) -> napi::Result<TokenString> {
    let expiration = expiration_ms.map(from_millis).transpose()?;
    let at = at_ms.map(from_millis).transpose()?.unwrap_or_else(SystemTime::now);
    // Signed from the strings napi wrote into our (wiped) buffers: no copy into a `Credentials`.
    bedrock_token::sign_token_from_keys(
        access_key_id.as_str(),
        secret_access_key.as_str(),
        session_token.as_ref().map(ShortText::as_str),
        expiration,
        region.as_str(),
        lifetime(expires_in_seconds)?,
        at,
    )
        .map(|t| TokenString(Arc::new(t)))
        .map_err(js_error)
}

/// The parts of a token (times in epoch milliseconds); never its signature or session token.
#[napi(object)]
pub struct JsInspection {
    pub region: String,
    pub access_key_id: String,
    pub issued_at: f64,
    pub lifetime_seconds: u32,
    pub expires_at: f64,
    pub has_session_token: bool,
    pub expired: bool,
}

#[napi(catch_unwind)]
pub fn inspect_token(token: String) -> napi::Result<JsInspection> {
    Ok(JsInspection::of(&bedrock_token::inspect_token(&token).map_err(js_error)?))
}

impl JsInspection {
    fn of(info: &bedrock_token::TokenInfo) -> Self {
        JsInspection {
            region: info.region.clone(),
            access_key_id: info.access_key_id.clone(),
            issued_at: millis(info.issued_at),
            lifetime_seconds: info.lifetime.as_secs() as u32,
            expires_at: millis(info.expires_at),
            has_session_token: info.has_session_token,
            expired: info.is_expired(),
        }
    }
}

/// A long-term key's public parts: its IAM user and account; never its secret.
#[napi(object)]
pub struct JsLongTermKey {
    pub user_name: String,
    pub account_id: String,
    /// `{user}-at-{account}`, IAM's `ServiceUserName`.
    pub service_user_name: String,
    /// The public part as IAM lists it (`ServiceCredentialAlias`).
    pub alias: String,
    /// What the alias carries after the account id, if anything.
    pub suffix: Option<String>,
}

/// Either kind of key: `kind` is `"short-term"` (then `shortTerm`) or `"long-term"` (then `longTerm`).
#[napi(object)]
pub struct JsKeyInspection {
    pub kind: String,
    pub short_term: Option<JsInspection>,
    pub long_term: Option<JsLongTermKey>,
}

#[napi(catch_unwind)]
pub fn inspect_key(key: String) -> napi::Result<JsKeyInspection> {
    let info = bedrock_token::inspect_key(&key).map_err(js_error)?;
    let kind = info.kind().to_owned();
    Ok(match info {
        bedrock_token::KeyInfo::ShortTerm(token) => JsKeyInspection { kind, short_term: Some(JsInspection::of(&token)), long_term: None },
        bedrock_token::KeyInfo::LongTerm(long) => JsKeyInspection {
            kind,
            short_term: None,
            long_term: Some(JsLongTermKey {
                service_user_name: long.service_user_name(),
                user_name: long.user_name,
                account_id: long.account_id,
                alias: long.alias,
                suffix: long.suffix,
            }),
        },
    })
}

/// A JS function `() => Promise<JsCredentials>`, called from the refresh task.
type LoadFn = ThreadsafeFunction<(), Promise<JsCredentials>, (), Status, false, true>;

struct JsCredentialsProvider(LoadFn);

impl std::fmt::Debug for JsCredentialsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsCredentialsProvider")
    }
}

impl ProvideCredentials for JsCredentialsProvider {
    fn provide_credentials<'a>(&'a self) -> provider_future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider_future::ProvideCredentials::new(async move {
            let failed = |e: napi::Error| CredentialsError::provider_error(e.reason.clone());
            let promise = self.0.call_async(()).await.map_err(failed)?;
            Credentials::try_from(promise.await.map_err(failed)?).map_err(failed)
        })
    }
}

/// A provider's health (times in epoch milliseconds).
#[napi(object)]
pub struct JsProviderStatus {
    /// Whether a refresh is running now.
    pub refreshing: bool,
    /// Refreshes failed in a row since the last success.
    pub consecutive_failures: u32,
    /// When the cached token stops working, if there is one.
    pub expires_at: Option<f64>,
    /// The last failure since the last success, on one line.
    pub last_error: Option<String>,
    /// The Secrets Manager version of the key in use, for a key read from a secret.
    pub secret_version_id: Option<String>,
}

/// A builder setting's error in the names of the JS options (`secretsManagerPollIntervalSeconds`).
fn in_js_terms(err: Error) -> Error {
    const NAMES: [(&str, &str); 3] = [
        ("secrets_manager_poll_interval", "secretsManagerPollIntervalSeconds"),
        ("secrets_manager_secret", "secretsManagerSecret"),
        ("refresh_margin", "refreshMarginSeconds"),
    ];
    match err {
        Error::InvalidSetting { field, reason } => {
            let js = |name: &'static str| NAMES.iter().find(|(rust, _)| *rust == name).map_or(name, |(_, js)| *js);
            let reason = NAMES.iter().fold(reason, |text, (rust, js)| text.replace(rust, js));
            Error::InvalidSetting { field: js(field), reason }
        }
        other => other,
    }
}

/// The core's cached, auto-refreshing token source.
#[napi]
pub struct NativeTokenProvider {
    inner: bedrock_token::TokenProvider,
}

#[napi]
impl NativeTokenProvider {
    #[napi(constructor, catch_unwind)]
    pub fn new(
        region: Option<String>,
        expires_in_seconds: f64,
        credentials: Option<Function<(), Promise<JsCredentials>>>,
        profile: Option<String>,
        refresh_margin_seconds: Option<f64>,
        secrets_manager_secret: Option<String>,
        secrets_manager_poll_interval_seconds: Option<f64>,
    ) -> napi::Result<Self> {
        let mut builder = bedrock_token::TokenProvider::builder().expiry(lifetime(expires_in_seconds)?);
        if let Some(region) = region {
            builder = builder.region(region);
        }
        if let Some(profile) = profile {
            builder = builder.profile(profile);
        }
        if let Some(margin) = refresh_margin_seconds {
            builder = builder.refresh_margin(lifetime(margin)?);
        }
        if let Some(load) = credentials {
            let load: LoadFn = load.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
            builder = builder.credentials_provider(JsCredentialsProvider(load));
        }
        if let Some(secret) = secrets_manager_secret {
            builder = builder.secrets_manager_secret(secret);
        }
        if let Some(seconds) = secrets_manager_poll_interval_seconds {
            let interval = Duration::try_from_secs_f64(seconds).map_err(|_| {
                let reason = format!("must be a positive number of seconds, got {seconds}");
                js_error(Error::InvalidSetting { field: "secretsManagerPollIntervalSeconds", reason })
            })?;
            builder = builder.secrets_manager_poll_interval(interval);
        }
        builder.build().map(|inner| Self { inner }).map_err(|err| js_error(in_js_terms(err)))
    }

    /// The cache, the running refresh and the last failure, for health checks.
    #[napi(catch_unwind)]
    pub fn status(&self) -> JsProviderStatus {
        let status = self.inner.status();
        JsProviderStatus {
            refreshing: status.refreshing,
            consecutive_failures: status.consecutive_failures,
            expires_at: status.expires_at.map(millis),
            last_error: status.last_error.map(|err| error_chain(&err)),
            secret_version_id: status.secret_version_id,
        }
    }

    /// The token, fresh enough to use.
    #[napi(ts_return_type = "Promise<string>")]
    pub async fn token(&self) -> napi::Result<TokenString> {
        unwound(async { Ok(TokenString(self.inner.token().await.map_err(js_error)?)) }).await
    }

    /// The cached token when it can be used now without waiting, else `null` (then await `token()`).
    /// Past the refresh point a still-valid token is returned and a refresh starts beside it.
    #[napi(catch_unwind, ts_return_type = "string | null")]
    pub fn cached_token(&self) -> Option<TokenString> {
        self.inner.cached_token().map(TokenString)
    }

    /// The token with its expiry and region.
    #[napi]
    pub async fn token_info(&self) -> napi::Result<JsTokenInfo> {
        unwound(async { Ok(JsTokenInfo::of(&self.inner, &*self.inner.token().await.map_err(js_error)?)) }).await
    }

    /// `cachedToken()` with its expiry and region, or `null`.
    #[napi(catch_unwind)]
    pub fn cached_token_info(&self) -> Option<JsTokenInfo> {
        self.inner.cached_token().map(|token| JsTokenInfo::of(&self.inner, &token))
    }

    /// Signs a new token now.
    #[napi]
    pub async fn refresh(&self) -> napi::Result<JsTokenInfo> {
        unwound(async { Ok(JsTokenInfo::of(&self.inner, &*self.inner.refresh().await.map_err(js_error)?)) }).await
    }

    /// Forgets the cached token.
    #[napi(catch_unwind)]
    pub fn invalidate(&self) {
        self.inner.invalidate();
    }
}

fn provision_error(err: ProvisionError) -> napi::Error {
    let code = if err.is_invalid_input() { "ERR_BEDROCK_INVALID_INPUT" } else { "ERR_BEDROCK_PROVISION" };
    napi::Error::new(Status::GenericFailure, format!("{code}: {}", error_chain(&err)))
}

/// Audits every active account of the AWS organisation of the default credentials (or those under
/// `ous`) through the role `role`, `concurrency` accounts at a time; resolves to the report as JSON,
/// which the JS layer shapes (`auditOrganization`). The options are checked before any call.
#[napi]
pub async fn audit_organization(role: String, ous: Vec<String>, concurrency: u32, max_age_days: u32) -> napi::Result<String> {
    unwound(async move {
        let options = OrganizationAuditOptions { role, ous, concurrency: concurrency as usize, max_age_days: max_age_days.into() };
        options.validate().map_err(provision_error)?;
        let report = Organization::from_env().await.audit(&options).await.map_err(provision_error)?;
        Ok(serde_json::to_string(&report).expect("serializable"))
    })
    .await
}
