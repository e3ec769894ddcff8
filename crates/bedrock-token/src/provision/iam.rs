//! The IAM client, its errors, and reading a user's current state.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::StatusType;

use super::report::{KeyKind, KeyStatus, SecurityWarning};
use super::{ProvisionError, API_KEY_SERVICE};

/// An IAM client for provisioning. Build it from the standard AWS configuration (which honours
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_IAM`) or from any `aws_sdk_iam::Client`.
///
/// ```no_run
/// # async fn run() {
/// let iam = bedrock_token::provision::Iam::from_env().await;
/// # let _ = iam; }
/// ```
#[derive(Debug, Clone)]
pub struct Iam {
    client: aws_sdk_iam::Client,
    /// Where the client sends requests, when known, for errors that say what could not be reached.
    endpoint: Option<String>,
}

impl Iam {
    /// Wraps a configured client.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let iam = bedrock_token::provision::Iam::new(aws_sdk_iam::Client::new(&config));
    /// # let _ = iam; }
    /// ```
    pub fn new(client: aws_sdk_iam::Client) -> Self {
        Self { client, endpoint: None }
    }

    /// A client from the standard AWS configuration; IAM is global, so the region defaults to
    /// `us-east-1` when none is configured.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let iam = bedrock_token::provision::Iam::from_env().await;
    /// # let _ = iam; }
    /// ```
    pub async fn from_env() -> Self {
        let region = aws_config::meta::region::RegionProviderChain::default_provider().or_else("us-east-1");
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await;
        Self { client: aws_sdk_iam::Client::new(&config), endpoint: Some(configured_endpoint(&config)) }
    }

    pub(crate) fn client(&self) -> &aws_sdk_iam::Client {
        &self.client
    }

    /// An SDK error as a [`ProvisionError::Iam`] naming the operation and IAM's error code, or
    /// as [`ProvisionError::Unreachable`] when no answer came back.
    pub(crate) fn error<E, R>(&self, operation: &'static str, err: SdkError<E, R>) -> ProvisionError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)) {
            return ProvisionError::Unreachable {
                operation,
                endpoint: self.endpoint.clone().unwrap_or_else(|| "the IAM endpoint".to_owned()),
                cause: innermost_causes(&err),
            };
        }
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => innermost_causes(&err),
        };
        ProvisionError::Iam {
            operation,
            code,
            message: message.split_whitespace().collect::<Vec<_>>().join(" "),
            source: Arc::new(err),
        }
    }

    pub(crate) fn missing(&self, operation: &'static str, field: &str) -> ProvisionError {
        ProvisionError::Iam {
            operation,
            code: None,
            message: format!("the response has no {field}"),
            source: Arc::new(std::io::Error::other(format!("{operation}: no {field}"))),
        }
    }
}

/// IAM's global endpoint, which the SDK uses unless told otherwise.
const DEFAULT_ENDPOINT: &str = "https://iam.amazonaws.com";

/// The endpoint an IAM client made from `config` uses: looked up as the SDK looks it up
/// (`AWS_ENDPOINT_URL_IAM`, the profile's `services` section, then `AWS_ENDPOINT_URL`).
fn configured_endpoint(config: &aws_config::SdkConfig) -> String {
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id("IAM")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok();
    key.and_then(|key| config.service_config()?.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
        .unwrap_or_else(|| DEFAULT_ENDPOINT.to_owned())
}

/// The last two distinct messages of an error's source chain (e.g. `dns error: failed to lookup
/// address information`), on one line: what a person can act on, without the SDK's layers or a
/// `Debug` dump.
fn innermost_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if chain.last().is_none_or(|last| !last.contains(&text)) {
            chain.push(text);
        }
        source = cause.source();
    }
    let start = chain.len().saturating_sub(2);
    chain[start..].join(": ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A user as IAM has it now.
#[derive(Debug, Default)]
pub(crate) struct UserState {
    pub(crate) arn: String,
    pub(crate) created_at: Option<SystemTime>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) attached: Vec<String>,
    pub(crate) inline: Vec<String>,
    pub(crate) keys: Vec<KeyStatus>,
    pub(crate) warnings: Vec<SecurityWarning>,
}

impl UserState {
    pub(crate) fn is_managed(&self) -> bool {
        let (key, value) = super::CREATED_BY;
        self.tags.get(key).map(String::as_str) == Some(value)
    }

    pub(crate) fn keys_of(&self, kind: KeyKind) -> impl Iterator<Item = &KeyStatus> {
        self.keys.iter().filter(move |k| k.kind == kind)
    }
}

impl Iam {
    /// Reads the user, its tags, policies and keys; `None` when the user does not exist.
    pub(crate) async fn describe(&self, user: &str) -> Result<Option<UserState>, ProvisionError> {
        let found = match self.client.get_user().user_name(user).send().await {
            Ok(out) => out.user.ok_or_else(|| self.missing("GetUser", "User"))?,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Ok(None),
            Err(err) => return Err(self.error("GetUser", err)),
        };
        let mut state = UserState {
            arn: found.arn,
            created_at: SystemTime::try_from(found.create_date).ok(),
            ..UserState::default()
        };
        let tags = self.client.list_user_tags().user_name(user).send().await.map_err(|e| self.error("ListUserTags", e))?;
        state.tags = tags.tags.into_iter().map(|t| (t.key, t.value)).collect();
        let attached = self.client.list_attached_user_policies().user_name(user).send().await.map_err(|e| self.error("ListAttachedUserPolicies", e))?;
        state.attached = attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect();
        let inline = self.client.list_user_policies().user_name(user).send().await.map_err(|e| self.error("ListUserPolicies", e))?;
        state.inline = inline.policy_names;
        (state.keys, state.warnings) = self.keys(user).await?;
        Ok(Some(state))
    }

    /// The user's access keys and Bedrock API keys, with ages. API keys that cannot be listed
    /// because IAM answered outside its modelled errors (an emulator without the call, say) give
    /// a warning instead of an error; a modelled error such as `AccessDenied` is an error, and so
    /// is no answer at all: an unknown list is not an empty one.
    pub(crate) async fn keys(&self, user: &str) -> Result<(Vec<KeyStatus>, Vec<SecurityWarning>), ProvisionError> {
        let now = SystemTime::now();
        let age = |created: Option<SystemTime>| created.and_then(|c| now.duration_since(c).ok()).map_or(0, |d| d.as_secs() / 86_400);
        let mut keys = Vec::new();
        let mut warnings = Vec::new();
        let access = self.client.list_access_keys().user_name(user).send().await.map_err(|e| self.error("ListAccessKeys", e))?;
        for key in access.access_key_metadata() {
            let created_at = key.create_date().and_then(|d| SystemTime::try_from(*d).ok());
            keys.push(KeyStatus {
                kind: KeyKind::AccessKey,
                id: key.access_key_id().unwrap_or_default().to_owned(),
                active: key.status() == Some(&StatusType::Active),
                created_at,
                age_days: age(created_at),
                expires_at: None,
            });
        }
        match self.client.list_service_specific_credentials().user_name(user).service_name(API_KEY_SERVICE).send().await {
            Ok(out) => {
                for credential in out.service_specific_credentials() {
                    let created_at = SystemTime::try_from(*credential.create_date()).ok();
                    keys.push(KeyStatus {
                        kind: KeyKind::ApiKey,
                        id: credential.service_specific_credential_id().to_owned(),
                        active: credential.status() == &StatusType::Active,
                        created_at,
                        age_days: age(created_at),
                        expires_at: credential.expiration_date().and_then(|d| SystemTime::try_from(*d).ok()),
                    });
                }
            }
            Err(err) if err.code().is_none() && err.raw_response().is_some() => {
                let status = err.raw_response().map_or(0, |response| response.status().as_u16());
                warnings.push(SecurityWarning::ApiKeysUnknown {
                    reason: format!("IAM answered HTTP {status} without an error code"),
                });
            }
            Err(err) => return Err(self.error("ListServiceSpecificCredentials", err)),
        }
        warnings.extend(keys.iter().filter(|k| k.age_days > 90).map(|k| SecurityWarning::KeyOlderThan90Days { id: k.id.clone(), age_days: k.age_days }));
        Ok((keys, warnings))
    }
}
