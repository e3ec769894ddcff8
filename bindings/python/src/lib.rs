//! `bedrock_token._native`: the Rust core as a Python extension. Only type and error translation
//! lives here; the Python package `bedrock_token` wraps it with Python-shaped inputs.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bedrock_token::provision::{
    scp, AccountRole, BusinessUnit, Iam, KeyRequest, Organization, OrganizationAuditOptions, PolicyChoice, Principal, ProvisionError, ProvisionRequest, RevokeOptions,
    ScpOptions,
};
use bedrock_token::{block_on, error_chain, DefaultChain, Error, ProvideCredentials, TimeSource};
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};

mod credentials;
mod expiry;
use credentials::{read_credentials, read_keys};

/// Raises the Python exception class `name` of `bedrock_token._errors` with `message`.
pub(crate) fn raise(py: Python<'_>, name: &str, message: String) -> PyErr {
    match py.import("bedrock_token._errors").and_then(|m| m.getattr(name)).and_then(|c| c.call1((message,))) {
        Ok(exception) => PyErr::from_value(exception),
        Err(err) => err,
    }
}

pub(crate) fn token_error(err: Error) -> PyErr {
    let class = match &err {
        Error::SecretsManager { .. } => "SecretsManagerError",
        err if err.is_invalid_input() => "InvalidInputError",
        _ => "CredentialsError",
    };
    Python::attach(|py| raise(py, class, error_chain(&err)))
}

fn provision_error(err: ProvisionError) -> PyErr {
    let class = if err.is_invalid_input() { "InvalidInputError" } else { "ProvisionError" };
    Python::attach(|py| raise(py, class, error_chain(&err)))
}

fn utc_datetime<'py>(py: Python<'py>, at: SystemTime) -> PyResult<Bound<'py, PyAny>> {
    let datetime = py.import("datetime")?;
    let seconds = at.duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let utc = datetime.getattr("timezone")?.getattr("utc")?;
    datetime.getattr("datetime")?.call_method1("fromtimestamp", (seconds, utc))
}

pub(crate) fn from_unix(seconds: f64) -> SystemTime {
    UNIX_EPOCH + Duration::try_from_secs_f64(seconds).unwrap_or(Duration::ZERO)
}

/// A signing time given as seconds since the epoch: refused, in Python's terms, unless it is a
/// finite time from 1970 on (the core refuses what SigV4 cannot write after 9999).
fn signing_time(py: Python<'_>, seconds: f64) -> PyResult<SystemTime> {
    match Duration::try_from_secs_f64(seconds) {
        Ok(since_epoch) => Ok(UNIX_EPOCH + since_epoch),
        Err(_) => Err(raise(py, "InvalidInputError", format!("at: must be a time between 1970-01-01 and 9999-12-31 UTC, got {seconds} seconds since the epoch"))),
    }
}

/// A short-term Bedrock API key. `repr()` and `str()` are redacted; read `.value` explicitly.
#[pyclass(frozen, module = "bedrock_token")]
struct Token(Arc<bedrock_token::Token>);

#[pymethods]
impl Token {
    /// The token, `bedrock-api-key-…`.
    #[getter]
    fn value(&self) -> &str {
        self.0.as_str()
    }
    /// The region it is signed for.
    #[getter]
    fn region(&self) -> &str {
        self.0.region()
    }
    /// The access key id that signed it (not a secret).
    #[getter]
    fn access_key_id(&self) -> &str {
        self.0.access_key_id()
    }
    /// When it was signed (aware UTC datetime).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.0.issued_at())
    }
    /// When it stops working: the earlier of its lifetime's end and its credentials' expiry.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.0.expires_at())
    }
    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
    fn __str__(&self) -> &'static str {
        bedrock_token::REDACTED_TOKEN
    }
}

/// Signs a token offline at `at_unix` (seconds since the epoch), or now, with credentials read
/// from `credentials` (see `credentials.rs` for what is accepted).
#[pyfunction]
fn sign_token(py: Python<'_>, credentials: &Bound<'_, PyAny>, region: &str, expiry: &Bound<'_, PyAny>, at_unix: Option<f64>) -> PyResult<Token> {
    let at = at_unix.map(|seconds| signing_time(py, seconds)).transpose()?.unwrap_or_else(SystemTime::now);
    let credentials = read_credentials(credentials)?;
    bedrock_token::sign_token(&credentials, region, expiry::duration(expiry)?, at)
        .map(|t| Token(Arc::new(t)))
        .map_err(token_error)
}

/// `aws_bedrock_token_generator.provide_token`: the token string, signed now, with the same
/// messages for a missing region or a lifetime out of range. No credentials: the default chain.
#[pyfunction]
#[pyo3(signature = (region, credentials, expiry))]
fn provide_token<'py>(py: Python<'py>, region: Option<Bound<'py, PyString>>, credentials: Option<&Bound<'py, PyAny>>, expiry: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyString>> {
    let region = region.as_ref().map(credentials::utf8).transpose()?.filter(|r| !r.is_empty());
    let lifetime = expiry::seconds(expiry).and_then(|seconds| {
        if !(seconds > 0.0 && seconds <= 43_200.0) {
            return Err(raise(py, "InvalidInputError", "Token expiry must be greater than zero and less than or equal to 12 hours".into()));
        }
        expiry::lifetime(seconds)
    });
    let expiry = match lifetime {
        Ok(expiry) => expiry,
        // AWS's generator looks for the region first: a missing one is the error it reports.
        Err(_) if region.is_none() && py.detach(|| block_on(DefaultChain::new().region()).is_err()) => return Err(no_region(py)),
        Err(error) => return Err(error),
    };
    let token = match credentials {
        Some(credentials) => {
            let found;
            let region = match region {
                Some(region) => region,
                None => {
                    found = py.detach(|| block_on(DefaultChain::new().region()).ok()).ok_or_else(|| no_region(py))?;
                    found.as_str()
                }
            };
            let keys = read_keys(credentials)?;
            let session_token = keys.session_token.as_deref().map(String::as_str);
            bedrock_token::sign_token_from_keys(&keys.access_key_id, &keys.secret, session_token, keys.expiry, region, expiry, SystemTime::now())
        }
        // The default chains, fingerprinted once for the region and the credentials.
        None => py.detach(|| block_on(DefaultChain::new().token(region, expiry))),
    };
    // Made from the core's buffer, which is wiped: no unwiped Rust copy of the token.
    token.map(|t| PyString::new(py, t.as_str())).map_err(|error| match error {
        bedrock_token::Error::NoRegion => no_region(py),
        error => token_error(error),
    })
}

/// AWS's generator's wording when no region is given or found.
fn no_region(py: Python<'_>) -> PyErr {
    raise(py, "InvalidInputError", "Region must be provided or set via the AWS_REGION environment variable.".into())
}

/// The parts of a token: (region, access_key_id, issued_at, lifetime_seconds, expires_at, has_session_token, expired).
#[pyfunction]
fn inspect_token<'py>(py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyTuple>> {
    token_parts(py, &bedrock_token::inspect_token(token).map_err(token_error)?)
}

fn token_parts<'py>(py: Python<'py>, info: &bedrock_token::TokenInfo) -> PyResult<Bound<'py, PyTuple>> {
    (
        info.region.clone(),
        info.access_key_id.clone(),
        utc_datetime(py, info.issued_at)?,
        info.lifetime.as_secs(),
        utc_datetime(py, info.expires_at)?,
        info.has_session_token,
        info.is_expired(),
    )
        .into_pyobject(py)
}

/// Either kind of key: ("short-term", the parts `inspect_token` returns) or
/// ("long-term", (user_name, account_id, alias, suffix)); never a secret.
#[pyfunction]
fn inspect_key<'py>(py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyTuple>> {
    let info = bedrock_token::inspect_key(key).map_err(token_error)?;
    let kind = info.kind();
    match info {
        bedrock_token::KeyInfo::ShortTerm(token) => (kind, token_parts(py, &token)?).into_pyobject(py),
        bedrock_token::KeyInfo::LongTerm(key) => (kind, (key.user_name, key.account_id, key.alias, key.suffix)).into_pyobject(py),
    }
}

/// Credentials read from a Python object (a botocore provider, credentials, a dict…) at each load.
/// botocore's `load()` blocks (it may call STS, SSO or a `credential_process`); the core runs
/// every load on a thread of its own, so it holds up neither the refresh runtime nor other
/// providers, and the provider's load timeout ends the wait.
#[derive(Debug)]
struct PythonCredentials(Py<PyAny>);

impl ProvideCredentials for PythonCredentials {
    fn provide_credentials<'a>(&'a self) -> bedrock_token::provider_future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        let read = Python::attach(|py| read_credentials(self.0.bind(py)).map_err(|err| err.to_string()));
        bedrock_token::provider_future::ProvideCredentials::ready(read.map_err(bedrock_token::CredentialsError::provider_error))
    }
}

/// A clock from a Python callable returning seconds since the epoch (for tests).
#[derive(Debug)]
struct PythonClock(Py<PyAny>);

impl TimeSource for PythonClock {
    fn now(&self) -> SystemTime {
        Python::attach(|py| self.0.call0(py).and_then(|t| t.extract::<f64>(py)).map(from_unix)).unwrap_or_else(|_| SystemTime::now())
    }
}

/// The cached, auto-refreshing token source of the core.
#[pyclass(frozen, module = "bedrock_token")]
struct TokenProvider(bedrock_token::TokenProvider);

#[pymethods]
impl TokenProvider {
    #[new]
    #[pyo3(signature = (region, expiry, credentials, refresh_margin, background, clock, profile, load_timeout=None, secrets_manager_secret=None, secrets_manager_poll_interval=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        region: Option<String>,
        expiry: &Bound<'_, PyAny>,
        credentials: Option<Py<PyAny>>,
        refresh_margin: Option<&Bound<'_, PyAny>>,
        background: bool,
        clock: Option<Py<PyAny>>,
        profile: Option<String>,
        load_timeout: Option<f64>,
        secrets_manager_secret: Option<String>,
        secrets_manager_poll_interval: Option<f64>,
    ) -> PyResult<Self> {
        let mut builder = bedrock_token::TokenProvider::builder().expiry(expiry::duration(expiry)?).background_refresh(background);
        if let Some(region) = region {
            builder = builder.region(region);
        }
        if let Some(profile) = profile {
            builder = builder.profile(profile);
        }
        if let Some(credentials) = credentials {
            builder = builder.credentials_provider(PythonCredentials(credentials));
        }
        if let Some(margin) = refresh_margin {
            builder = builder.refresh_margin(expiry::duration(margin)?);
        }
        if let Some(seconds) = load_timeout {
            let timeout = Duration::try_from_secs_f64(seconds).map_err(|_| {
                Python::attach(|py| raise(py, "InvalidInputError", format!("load_timeout: must be a positive number of seconds, got {seconds}")))
            })?;
            builder = builder.load_timeout(timeout);
        }
        if let Some(clock) = clock {
            builder = builder.time_source(PythonClock(clock)).refresh_jitter(false);
        }
        if let Some(secret) = secrets_manager_secret {
            builder = builder.secrets_manager_secret(secret);
        }
        if let Some(seconds) = secrets_manager_poll_interval {
            let interval = Duration::try_from_secs_f64(seconds).map_err(|_| {
                let message = format!("secrets_manager_poll_interval: must be a positive number of seconds, got {seconds}");
                Python::attach(|py| raise(py, "InvalidInputError", message))
            })?;
            builder = builder.secrets_manager_poll_interval(interval);
        }
        builder.build().map(Self).map_err(token_error)
    }

    /// The token string; waits (without the GIL) only when no valid token is cached.
    fn token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyString>> {
        let token = py.detach(|| self.0.token_blocking()).map_err(token_error)?;
        Ok(PyString::new(py, token.as_str()))
    }

    /// The cached `Token` object.
    fn token_info(&self, py: Python<'_>) -> PyResult<Token> {
        py.detach(|| self.0.token_blocking()).map(Token).map_err(token_error)
    }

    /// Signs a new token now.
    fn refresh(&self, py: Python<'_>) -> PyResult<Token> {
        py.detach(|| block_on(self.0.refresh())).map(Token).map_err(token_error)
    }

    /// Until when a client may keep `token`: its refresh point while fresh, else now.
    fn keep_until<'py>(&self, py: Python<'py>, token: &Token) -> PyResult<Bound<'py, PyAny>> {
        utc_datetime(py, self.0.keep_until(&token.0))
    }

    /// The region given to the builder, or None for the default chain.
    #[getter]
    fn region(&self) -> Option<&str> {
        self.0.region()
    }

    /// Forgets the cached token.
    fn invalidate(&self) {
        self.0.invalidate();
    }

    /// (refreshing, consecutive_failures, expires_at or None, last_error or None,
    /// secret_version_id or None)
    fn status<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let status = self.0.status();
        let expires_at = status.expires_at.map(|t| utc_datetime(py, t)).transpose()?;
        let last_error = status.last_error.map(|e| error_chain(&e));
        (status.refreshing, status.consecutive_failures, expires_at, last_error, status.secret_version_id).into_pyobject(py)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// Provisions a business unit; returns the report as JSON (the secret, if any, included once).
#[pyfunction]
#[pyo3(signature = (business_unit, owner, policy, models, key, api_key_days, tags, path, dry_run, force, account=None, account_role=None))]
#[allow(clippy::too_many_arguments)]
fn provision(
    py: Python<'_>,
    business_unit: &str,
    owner: String,
    policy: &str,
    models: Vec<String>,
    key: &str,
    api_key_days: u32,
    tags: Vec<(String, String)>,
    path: String,
    dry_run: bool,
    force: bool,
    account: Option<String>,
    account_role: Option<String>,
) -> PyResult<String> {
    let target = account_target(account, account_role)?;
    let (_, request) = UnitArgs(business_unit.to_owned(), owner, policy.to_owned(), models, key.to_owned(), api_key_days, tags, path, force, None, None).request(dry_run)?;
    let report = py.detach(|| block_on(async { iam_in(&target).await?.provision(&request).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&report).expect("serializable"))
}

/// One business unit's arguments, as `provision` takes them (Python checks and names them), the
/// account and its role last.
#[derive(FromPyObject)]
struct UnitArgs(String, String, String, Vec<String>, String, u32, Vec<(String, String)>, String, bool, Option<String>, Option<String>);

impl UnitArgs {
    /// The account to provision in (none: the credentials' own) and the request.
    fn request(self, dry_run: bool) -> PyResult<(Option<AccountRole>, ProvisionRequest)> {
        let UnitArgs(business_unit, owner, policy, models, key, api_key_days, tags, path, force, account, role) = self;
        let target = AccountRole::optional(account, role.as_deref()).map_err(provision_error)?;
        let policy = PolicyChoice::from_policy_or_models(&policy, models).map_err(provision_error)?;
        let mut request = ProvisionRequest::new(BusinessUnit::new(&business_unit).map_err(provision_error)?, owner)
            .policy(policy)
            .key(key_request(&key, api_key_days)?)
            .path(path)
            .dry_run(dry_run)
            .force(force);
        for (k, v) in tags {
            request = request.tag(k, v);
        }
        Ok((target, request))
    }
}

/// The keyword arguments `account` and `account_role`, checked; errors name them as Python does.
fn account_target(account: Option<String>, account_role: Option<String>) -> PyResult<Option<AccountRole>> {
    AccountRole::optional(account, account_role.as_deref()).map_err(|err| match err {
        ProvisionError::InvalidInput { field: "role", reason } => provision_error(ProvisionError::InvalidInput { field: "account_role", reason }),
        other => provision_error(other),
    })
}

/// IAM in the account asked for, through its role; else in the credentials' own.
async fn iam_in(target: &Option<AccountRole>) -> Result<Iam, ProvisionError> {
    let iam = Iam::from_env().await;
    match target {
        Some(target) => iam.in_account(target).await,
        None => Ok(iam),
    }
}

/// Provisions many business units, `concurrency` at a time; returns one JSON object per unit, in
/// order: `{"report": …}` or `{"error": "…", "invalid_input": false}`. Every unit's input is
/// checked before any IAM call.
#[pyfunction]
fn provision_all(py: Python<'_>, units: Vec<UnitArgs>, concurrency: usize, dry_run: bool) -> PyResult<String> {
    let requests = units.into_iter().map(|unit| unit.request(dry_run)).collect::<PyResult<Vec<_>>>()?;
    let results = py.detach(|| block_on(async { Iam::from_env().await.provision_across(requests, concurrency).await }));
    let results: Vec<serde_json::Value> = results
        .into_iter()
        .map(|result| match result {
            Ok(report) => serde_json::json!({ "report": report }),
            Err(err) => serde_json::json!({ "error": error_chain(&err), "invalid_input": err.is_invalid_input() }),
        })
        .collect();
    Ok(serde_json::Value::Array(results).to_string())
}

/// Rotates a key; returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (business_unit, key, api_key_days, delete_old, dry_run, account=None, account_role=None))]
#[allow(clippy::too_many_arguments)]
fn rotate(py: Python<'_>, business_unit: &str, key: &str, api_key_days: u32, delete_old: bool, dry_run: bool, account: Option<String>, account_role: Option<String>) -> PyResult<String> {
    let unit = BusinessUnit::new(business_unit).map_err(provision_error)?;
    let key = key_request(key, api_key_days)?;
    let target = account_target(account, account_role)?;
    let report = py.detach(|| block_on(async { iam_in(&target).await?.rotate(&unit, key, delete_old, dry_run).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&report).expect("serializable"))
}

/// Tears a business unit down; returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (business_unit, force, dry_run, account=None, account_role=None))]
fn deprovision(py: Python<'_>, business_unit: &str, force: bool, dry_run: bool, account: Option<String>, account_role: Option<String>) -> PyResult<String> {
    let unit = BusinessUnit::new(business_unit).map_err(provision_error)?;
    let target = account_target(account, account_role)?;
    let report = py.detach(|| block_on(async { iam_in(&target).await?.deprovision(&unit, force, dry_run).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&report).expect("serializable"))
}

/// Lists provisioned users as JSON.
#[pyfunction]
#[pyo3(signature = (path, account=None, account_role=None))]
fn list_users(py: Python<'_>, path: String, account: Option<String>, account_role: Option<String>) -> PyResult<String> {
    let target = account_target(account, account_role)?;
    let users = py.detach(|| block_on(async { iam_in(&target).await?.list(&path).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&users).expect("serializable"))
}

/// Audits every Bedrock API key in the account; returns the report as JSON.
#[pyfunction]
#[pyo3(signature = (max_age_days, account=None, account_role=None))]
fn audit(py: Python<'_>, max_age_days: u64, account: Option<String>, account_role: Option<String>) -> PyResult<String> {
    let target = account_target(account, account_role)?;
    let report = py.detach(|| block_on(async { iam_in(&target).await?.audit(max_age_days).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&report).expect("serializable"))
}

/// Audits every active account of the organisation (or under `ous`) through the role `role`;
/// returns the report as JSON. The options are checked before any call.
#[pyfunction]
fn audit_organization(py: Python<'_>, role: String, ous: Vec<String>, concurrency: usize, max_age_days: u64) -> PyResult<String> {
    let options = OrganizationAuditOptions { role, ous, concurrency, max_age_days };
    options.validate().map_err(provision_error)?;
    let report = py.detach(|| block_on(async { Organization::from_env().await.audit(&options).await })).map_err(provision_error)?;
    Ok(serde_json::to_string(&report).expect("serializable"))
}

/// Revokes the keys of a role or user (temporary credentials issued before `before_unix`,
/// default now; a user's own keys deactivated, or deleted with `delete`), or one long-term key;
/// returns the report as JSON. Exactly one target is given (checked in Python).
#[pyfunction]
#[pyo3(signature = (role, user, key_id, before_unix, delete, undo, dry_run, allow_earlier=false, account=None, account_role=None))]
#[allow(clippy::too_many_arguments)]
fn revoke(
    py: Python<'_>,
    role: Option<String>,
    user: Option<String>,
    key_id: Option<String>,
    before_unix: Option<f64>,
    delete: bool,
    undo: bool,
    dry_run: bool,
    allow_earlier: bool,
    account: Option<String>,
    account_role: Option<String>,
) -> PyResult<String> {
    let target = account_target(account, account_role)?;
    let before = match before_unix {
        Some(seconds) if seconds.is_finite() && seconds >= 0.0 => Some(std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(seconds)),
        Some(_) => return Err(provision_error(ProvisionError::InvalidInput { field: "before", reason: "give a time after 1970".into() })),
        None => None,
    };
    let options = RevokeOptions { before, delete_keys: delete, allow_earlier, undo, dry_run };
    let report = py.detach(|| {
        block_on(async {
            let iam = iam_in(&target).await?;
            match (role, user, key_id) {
                (_, _, Some(key_id)) => iam.revoke_key(&key_id, delete, undo, dry_run).await,
                (Some(role), _, None) => iam.revoke_tokens(&Principal::Role(role), &options).await,
                (None, Some(user), None) => iam.revoke_tokens(&Principal::User(user), &options).await,
                (None, None, None) => Err(ProvisionError::InvalidInput { field: "role", reason: "give role, user or key_id".into() }),
            }
        })
    });
    Ok(serde_json::to_string(&report.map_err(provision_error)?).expect("serializable"))
}

/// A service control policy limiting Bedrock API keys, as JSON.
#[pyfunction]
fn guardrails_scp(max_key_age_days: u32, deny_long_term: bool, deny_bearer: bool) -> PyResult<String> {
    let options = ScpOptions { max_key_age_days: Some(max_key_age_days), deny_long_term, deny_bearer };
    options.validate().map_err(provision_error)?;
    Ok(scp(&options).to_string())
}

fn key_request(key: &str, days: u32) -> PyResult<KeyRequest> {
    match key {
        "none" => Ok(KeyRequest::None),
        "access-key" => Ok(KeyRequest::AccessKey),
        "api-key" => Ok(KeyRequest::ApiKey { days }),
        _ => Err(provision_error(ProvisionError::InvalidInput { field: "key", reason: "use none, access-key or api-key".into() })),
    }
}

/// The base URL of Bedrock's OpenAI-compatible `endpoint` ("bedrock-runtime" or "bedrock-mantle").
#[pyfunction]
fn openai_base_url(py: Python<'_>, region: &str, endpoint: &str) -> PyResult<String> {
    let endpoint = match endpoint {
        "bedrock-runtime" => bedrock_token::OpenAiEndpoint::Runtime,
        "bedrock-mantle" => bedrock_token::OpenAiEndpoint::Mantle,
        other => {
            let message = format!("endpoint: must be \"bedrock-runtime\" or \"bedrock-mantle\", got {other:?}");
            return Err(raise(py, "InvalidInputError", message));
        }
    };
    bedrock_token::openai_base_url(region, endpoint).map_err(token_error)
}

#[pymodule]
fn _native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<Token>()?;
    module.add_class::<TokenProvider>()?;
    module.add_function(wrap_pyfunction!(sign_token, module)?)?;
    module.add_function(wrap_pyfunction!(provide_token, module)?)?;
    module.add_function(wrap_pyfunction!(inspect_token, module)?)?;
    module.add_function(wrap_pyfunction!(inspect_key, module)?)?;
    module.add_function(wrap_pyfunction!(openai_base_url, module)?)?;
    module.add_function(wrap_pyfunction!(provision, module)?)?;
    module.add_function(wrap_pyfunction!(rotate, module)?)?;
    module.add_function(wrap_pyfunction!(deprovision, module)?)?;
    module.add_function(wrap_pyfunction!(list_users, module)?)?;
    module.add_function(wrap_pyfunction!(provision_all, module)?)?;
    module.add_function(wrap_pyfunction!(audit, module)?)?;
    module.add_function(wrap_pyfunction!(audit_organization, module)?)?;
    module.add_function(wrap_pyfunction!(revoke, module)?)?;
    module.add_function(wrap_pyfunction!(guardrails_scp, module)?)?;
    Ok(())
}
