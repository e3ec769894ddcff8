//! What provisioning returns: plans, reports, keys and security warnings, as data.

use std::fmt;
use std::time::SystemTime;

use serde::{Serialize, Serializer};
use super::action::Action;
pub use super::action::KeyKind;
use crate::secret::SecretString;

/// A secret (an access key's secret or a long-term Bedrock API key): redacted in `Debug` and
/// `Display`, zeroed on drop, read with [`Secret::expose`]. `Serialize` writes the value, so
/// that a report can be printed once, on purpose, as JSON.
///
/// ```
/// let secret = bedrock_token::provision::Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// assert_eq!(format!("{secret:?}"), "****");
/// assert_eq!(secret.expose(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a secret value.
    ///
    /// ```
    /// let secret = bedrock_token::provision::Secret::new("value");
    /// # let _ = secret;
    /// ```
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The secret itself: store it in a secrets manager, never in code or logs.
    ///
    /// ```
    /// assert_eq!(bedrock_token::provision::Secret::new("v").expose(), "v");
    /// ```
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

/// A key created by this run. The secret is returned once and is not stored anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct NewKey {
    /// Access key or API key.
    pub kind: KeyKind,
    /// The access key id, or the service-specific credential id.
    pub id: String,
    /// The secret access key, or the API key itself (`service_credential_secret`).
    pub secret: Secret,
    /// For an API key: the user name it authenticates as (`service_user_name`).
    pub service_user_name: Option<String>,
    /// When IAM created it.
    #[serde(serialize_with = "opt_rfc3339")]
    pub created_at: Option<SystemTime>,
    /// When IAM expires the key (API keys only).
    #[serde(serialize_with = "opt_rfc3339")]
    pub expires_at: Option<SystemTime>,
}

impl NewKey {
    /// The key as JSON, the one form every holder of its secret gets (a `--secrets-dir` file, a
    /// Secrets Manager version's `SecretString`): `{"kind": "api-key"|"access-key", "id", "secret",
    /// "service_user_name", "created_at", "expires_at"}`. Wiped when dropped.
    ///
    /// ```
    /// use bedrock_token::provision::{KeyKind, NewKey, Secret};
    /// let key = NewKey { kind: KeyKind::AccessKey, id: "AKIAIOSFODNN7EXAMPLE".into(),
    ///     secret: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), service_user_name: None,
    ///     created_at: None, expires_at: None };
    /// let json: serde_json::Value = serde_json::from_str(&key.to_secret_json()).unwrap();
    /// assert_eq!(json["kind"], "access-key");
    /// assert_eq!(json["secret"], "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    /// ```
    pub fn to_secret_json(&self) -> zeroize::Zeroizing<String> {
        // Room for everything up front: growing would leave a copy of the secret behind.
        let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(1024 + self.secret.expose().len()));
        serde_json::to_writer_pretty(&mut *bytes, self).expect("a key serializes");
        zeroize::Zeroizing::new(String::from_utf8(std::mem::take(&mut *bytes)).expect("JSON is UTF-8"))
    }
}

/// An existing key and its age.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// Access key or API key.
    pub kind: KeyKind,
    /// The access key id, or the service-specific credential id.
    pub id: String,
    /// Whether IAM accepts it.
    pub active: bool,
    /// When it was created.
    #[serde(serialize_with = "opt_rfc3339")]
    pub created_at: Option<SystemTime>,
    /// Whole days since creation.
    pub age_days: u64,
    /// When IAM expires it (API keys only).
    #[serde(serialize_with = "opt_rfc3339")]
    pub expires_at: Option<SystemTime>,
}

/// A security note carried as data; [`SecurityWarning::message`] is the text for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum SecurityWarning {
    /// A secret is shown once: store it now.
    StoreSecretNow,
    /// Rotate long-term keys every 30–90 days.
    RotateRegularly,
    /// Short-term keys expire by themselves and are preferred where possible.
    PreferShortTermKeys,
    /// A key is older than 90 days.
    KeyOlderThan90Days {
        /// The key id.
        id: String,
        /// Its age in days.
        age_days: u64,
    },
    /// An old key stayed active because deactivating it failed.
    OldKeyStillActive {
        /// The key id.
        id: String,
        /// The command that deactivates it.
        fix: String,
    },
    /// Bedrock API keys (service-specific credentials) could not be listed.
    ApiKeysUnknown {
        /// What IAM answered.
        reason: String,
    },
    /// A key of the user that the secret a rotation goes through does not hold, and that no
    /// rotation through it made: left alone (it may be in use elsewhere).
    KeyNotInSecret {
        /// The key id.
        id: String,
        /// The secret, as named.
        secret: String,
        /// The command that deletes it.
        fix: String,
    },
    /// Another run for the same business unit created a key at the same time: this run deleted
    /// its own, so the user keeps one key, and the other run holds (and printed) its secret.
    KeyMadeByAnotherRun {
        /// The key that stays.
        id: String,
    },
}

impl SecurityWarning {
    /// The warning as a sentence.
    ///
    /// ```
    /// use bedrock_token::provision::SecurityWarning;
    /// assert!(SecurityWarning::RotateRegularly.message().contains("30-90 days"));
    /// ```
    pub fn message(&self) -> String {
        match self {
            Self::StoreSecretNow => "The secret is shown only once: store it in a secrets manager now (never in code, chat or tickets).".into(),
            Self::RotateRegularly => "Rotate long-term keys every 30-90 days (`bedrock-token rotate`).".into(),
            Self::PreferShortTermKeys => "Prefer short-term keys (`bedrock-token token`): they expire within 12 hours and need no rotation.".into(),
            Self::KeyOlderThan90Days { id, age_days } => format!("Key {id} is {age_days} days old: rotate it."),
            Self::OldKeyStillActive { id, fix } => format!("Old key {id} is still active (deactivating it failed): {fix}"),
            Self::KeyNotInSecret { id, secret, fix } => {
                format!("Key {id} is not in {secret} and was not made by a rotation through it, so it was left alone; once nothing uses it, delete it: {fix}")
            }
            Self::ApiKeysUnknown { reason } => format!("Bedrock API keys could not be listed ({reason}); any that exist were not touched."),
            Self::KeyMadeByAnotherRun { id } => {
                format!("Another run provisioned this business unit at the same time: key {id} is the one kept, and that run holds its secret.")
            }
        }
    }
}

/// The result of provisioning (or of a dry run: then nothing was changed).
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionReport {
    /// The IAM user name.
    pub user_name: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// What was done (or, in a dry run, would be done), in order. Empty on a rerun: converged.
    pub actions: Vec<Action>,
    /// The key created, if one was.
    pub new_key: Option<NewKey>,
    /// The user's keys as found before this run.
    pub existing_keys: Vec<KeyStatus>,
    /// Security notes.
    pub warnings: Vec<SecurityWarning>,
}

/// The result of a rotation.
#[derive(Debug, Clone, Serialize)]
pub struct RotateReport {
    /// The IAM user name.
    pub user_name: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// What was done (or would be), in order.
    pub actions: Vec<Action>,
    /// The new key (none in a dry run).
    pub new_key: Option<NewKey>,
    /// Security notes.
    pub warnings: Vec<SecurityWarning>,
}

/// The result of a teardown.
#[derive(Debug, Clone, Serialize)]
pub struct DeprovisionReport {
    /// The IAM user name.
    pub user_name: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// What was removed (or would be), in order. Empty when the user did not exist.
    pub actions: Vec<Action>,
    /// Notes, e.g. API keys that could not be listed.
    pub warnings: Vec<SecurityWarning>,
}

/// The result of a revocation (or of its dry run: then nothing was changed), saying what it
/// stops and what it does not, as AWS evaluates it.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RevokeReport {
    /// What was revoked: `user NAME`, `role NAME` or `Bedrock API key ID of USER`.
    pub target: String,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// What was done (or would be). Empty when IAM already matched: converged.
    pub actions: Vec<Action>,
    /// The revocation time in force after this run: keys from temporary credentials issued
    /// before it are refused. None when no deny is in force.
    #[serde(serialize_with = "opt_rfc3339")]
    pub revoked_before: Option<SystemTime>,
    /// What is refused once this is in force, one sentence each.
    pub stops: Vec<String>,
    /// What still works, one sentence each.
    pub does_not_stop: Vec<String>,
    /// What the run decided, e.g. keeping a later time already in force.
    pub notes: Vec<String>,
}

/// A provisioned user, as listed.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionedUser {
    /// The IAM user name.
    pub user_name: String,
    /// Its ARN.
    pub arn: String,
    /// The `business-unit` tag.
    pub business_unit: Option<String>,
    /// The `owner` tag.
    pub owner: Option<String>,
    /// When the user was created.
    #[serde(serialize_with = "opt_rfc3339")]
    pub created_at: Option<SystemTime>,
    /// Its keys with their ages.
    pub keys: Vec<KeyStatus>,
    /// Keys older than 90 days, and keys that could not be listed.
    pub warnings: Vec<SecurityWarning>,
}

pub(crate) fn opt_rfc3339<S: Serializer>(time: &Option<SystemTime>, serializer: S) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => serializer.serialize_str(&crate::rfc3339(*time)),
        None => serializer.serialize_none(),
    }
}
