//! New keys delivered to AWS Secrets Manager, and rotated there without downtime.
//!
//! A secret holds one business unit's key: each version's `SecretString` is the key's JSON
//! ([`NewKey::to_secret_json`]), and its version id is derived from the key id
//! (`bedrock-token-key-{id}`), so that storing the same key again is the same request (idempotent)
//! and each version says which key it holds.
//!
//! [`SecretStore::rotate`] follows Secrets Manager's staging labels, each step resumable from
//! what the secret and IAM show:
//! 1. a version labelled `AWSPENDING` on another version than `AWSCURRENT` is a rotation in
//!    progress: it is resumed (its key verified, then made current);
//! 2. otherwise the old key that `AWSPREVIOUS` holds, once its grace period is over, is
//!    deactivated and then deleted (never the key `AWSCURRENT` holds); within it, a new rotation
//!    is refused ([`ProvisionError::InGracePeriod`]): IAM keeps two keys at most;
//! 3. keys no labelled version holds: the one a rotation through this secret made and could not
//!    store (it stopped between creating and storing it; see below) is deleted, except under
//!    `finish_only`; any other (made by a plain rotation, without a store, in the console) is
//!    left alone, with a warning that names the command that deletes it;
//! 4. the keys the user has are recorded on the secret, with the time (tag [`CREATING_TAG`]; the
//!    secret is created, without a version, when it does not exist), then a new key is created
//!    and stored as a version labelled `AWSPENDING` (`AWSCURRENT` when the secret has no current
//!    version), and the record is removed. A run that fails in between marks its record ended;
//!    a record neither ended nor older than [`CREATING_WINDOW`] stands for a rotation still
//!    running, and another run refuses to go on ([`ProvisionError::RotationInProgress`]) rather
//!    than take its key for a stopped one's or make a second key;
//! 5. it is verified with the secret read back from that version: an access key with STS
//!    `GetCallerIdentity`, a Bedrock API key with Bedrock `ListFoundationModels` when asked, else
//!    only shown active by IAM (`ListServiceSpecificCredentials`).
//!    A key refused (the service answered no) is deleted and its version loses `AWSPENDING`: it
//!    never becomes current;
//! 6. `AWSCURRENT` moves to it (`UpdateSecretVersionStage`); Secrets Manager labels the old
//!    version `AWSPREVIOUS`, whose key stays active for the grace period, counted from the move
//!    and recorded on the secret (tag `bedrock-token:grace-until`). Moving it is a compare and
//!    swap (`RemoveFromVersionId`): of two runs resuming one rotation, the second finds it moved.
//!
//! A key is taken for the one a stopped rotation made only when the record of step 4 shows it:
//! the record is there, no held key is newer than it (its rotation did not store a key), and the
//! key is the one key of that kind the user did not have then.

use std::fmt;
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_iam::config::retry::RetryConfig;
use serde::Serialize;

use crate::provider::delivered_key::{self, DeliveredKey};
use crate::secret::SecretString;

use super::action::Action;
use super::apply;
use super::client::Iam;
use super::input::{validate_api_key_days, BusinessUnit, KeyRequest};
use super::organization::service_error;
use super::plan;
use super::report::{opt_rfc3339, KeyKind, KeyStatus, NewKey, SecurityWarning};
use super::state;
use super::throttle::send;
use super::{ProvisionError, API_KEY_SERVICE};

/// How a store is named: `secretsmanager:NAME_OR_ARN`.
pub const STORE_PREFIX: &str = "secretsmanager:";
/// The staging label of the version readers use.
pub const CURRENT: &str = "AWSCURRENT";
/// The staging label of a version being rotated in.
pub const PENDING: &str = "AWSPENDING";
/// The staging label Secrets Manager moves to the version `AWSCURRENT` left.
pub const PREVIOUS: &str = "AWSPREVIOUS";
/// How long an old key stays active after a rotation unless told otherwise.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(3600);
/// The longest grace period: 30 days.
pub const MAX_GRACE: Duration = Duration::from_secs(30 * 86_400);
/// How long a new key is tried while it becomes usable (IAM is eventually consistent).
const VERIFY_DEADLINE: Duration = Duration::from_secs(30);
/// How often a store request whose outcome is unknown is sent again (it is idempotent).
const STORE_ATTEMPTS: u32 = 3;
/// How long a rotation's record that it is creating a key (tag `bedrock-token:creating`) stands
/// for a rotation still running, unless it marked the record ended: 10 minutes, where creating
/// and storing a key take seconds. Within it another rotation of the secret is refused
/// ([`ProvisionError::RotationInProgress`]); after it, a stopped rotation is resumed.
///
/// ```
/// assert_eq!(bedrock_token::provision::CREATING_WINDOW.as_secs(), 600);
/// ```
pub const CREATING_WINDOW: Duration = Duration::from_secs(600);

/// A Secrets Manager secret named as `secretsmanager:NAME` or `secretsmanager:ARN`.
///
/// ```
/// use bedrock_token::provision::StoreTarget;
/// let target = StoreTarget::parse("secretsmanager:prod/sales/bedrock-key").unwrap();
/// assert_eq!(target.secret_id(), "prod/sales/bedrock-key");
/// assert!(StoreTarget::parse("vault:x").unwrap_err().to_string().starts_with("store: "));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreTarget {
    secret_id: String,
}

impl StoreTarget {
    /// Reads `secretsmanager:NAME_OR_ARN`: a name of 1 to 512 letters, digits and `/_+=.@-`, or a
    /// secret's ARN (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`).
    ///
    /// ```
    /// use bedrock_token::provision::StoreTarget;
    /// let arn = "arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:sales-AbCdEf";
    /// assert_eq!(StoreTarget::parse(&format!("secretsmanager:{arn}")).unwrap().region(), Some("cn-north-1"));
    /// ```
    pub fn parse(text: &str) -> Result<Self, ProvisionError> {
        let invalid = |why: &str| ProvisionError::InvalidInput {
            field: "store",
            reason: format!("{why}; allowed: secretsmanager:NAME (1 to 512 letters, digits and /_+=.@-) or secretsmanager:ARN of a secret"),
        };
        let id = text.strip_prefix(STORE_PREFIX).ok_or_else(|| invalid(&format!("{:?} does not start with {STORE_PREFIX}", crate::error::shorten(text))))?;
        let name_ok = |name: &str| (1..=512).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
        if id.starts_with("arn:") {
            let parts: Vec<&str> = id.splitn(7, ':').collect();
            let ok = parts.len() == 7
                && !parts[1].is_empty()
                && parts[2] == "secretsmanager"
                && crate::validate_region(parts[3]).is_ok()
                && parts[4].len() == 12
                && parts[4].chars().all(|c| c.is_ascii_digit())
                && parts[5] == "secret"
                && name_ok(parts[6]);
            if !ok {
                return Err(invalid(&format!("{:?} is not the ARN of a secret", crate::error::shorten(id))));
            }
        } else if !name_ok(id) {
            return Err(invalid(&format!("{:?} is not a secret name", crate::error::shorten(id))));
        }
        Ok(Self { secret_id: id.to_owned() })
    }

    /// The secret's name or ARN, as given.
    ///
    /// ```
    /// # let target = bedrock_token::provision::StoreTarget::parse("secretsmanager:sales").unwrap();
    /// assert_eq!(target.secret_id(), "sales");
    /// ```
    pub fn secret_id(&self) -> &str {
        &self.secret_id
    }

    /// The region of a secret given by ARN.
    ///
    /// ```
    /// # let target = bedrock_token::provision::StoreTarget::parse("secretsmanager:sales").unwrap();
    /// assert_eq!(target.region(), None);
    /// ```
    pub fn region(&self) -> Option<&str> {
        crate::provider::secrets_manager::arn_region(&self.secret_id)
    }
}

impl fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{STORE_PREFIX}{}", self.secret_id)
    }
}

/// Checks a grace period: 0 s to [`MAX_GRACE`] (30 days).
///
/// ```
/// use std::time::Duration;
/// assert!(bedrock_token::provision::validate_grace(Duration::from_secs(3600)).is_ok());
/// assert_eq!(
///     bedrock_token::provision::validate_grace(Duration::from_secs(31 * 86_400)).unwrap_err().to_string(),
///     "grace: 2678400 s is out of range; allowed 0 s to 2592000 s (30 days)"
/// );
/// ```
pub fn validate_grace(grace: Duration) -> Result<(), ProvisionError> {
    if grace > MAX_GRACE {
        return Err(ProvisionError::InvalidInput {
            field: "grace",
            reason: format!("{} s is out of range; allowed 0 s to {} s (30 days)", grace.as_secs(), MAX_GRACE.as_secs()),
        });
    }
    Ok(())
}

/// The kind and id of the key in `text`, the JSON [`NewKey::to_secret_json`] writes (a secret's
/// value, a `--secrets-dir` file), read with the one reader of that format (the
/// `TokenProvider`'s); `None` when it is not such a key. The secret is only checked.
///
/// ```
/// use bedrock_token::provision::{stored_key_id, KeyKind};
/// let text = r#"{"kind":"access-key","id":"AKIAIOSFODNN7EXAMPLE","secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#;
/// assert_eq!(stored_key_id(text), Some((KeyKind::AccessKey, "AKIAIOSFODNN7EXAMPLE".to_owned())));
/// assert_eq!(stored_key_id("{}"), None);
/// ```
pub fn stored_key_id(text: &str) -> Option<(KeyKind, String)> {
    delivered_key::parse(text).ok().map(|key| key_of(&key))
}

/// The kind and id of a key read from a secret.
fn key_of(key: &DeliveredKey) -> (KeyKind, String) {
    match key {
        DeliveredKey::AccessKey(credentials) => (KeyKind::AccessKey, credentials.access_key_id().to_owned()),
        DeliveredKey::ApiKey { id, .. } => (KeyKind::ApiKey, id.clone()),
    }
}

/// Reads a grace period as people type it (`"1h"`, `"30m"`, `"2d"`, `"1h30m"`, plain seconds) and
/// checks it with [`validate_grace`].
///
/// ```
/// use std::time::Duration;
/// assert_eq!(bedrock_token::provision::parse_grace("2d").unwrap(), Duration::from_secs(172_800));
/// assert!(bedrock_token::provision::parse_grace("soon").unwrap_err().to_string().starts_with("grace: "));
/// ```
pub fn parse_grace(text: &str) -> Result<Duration, ProvisionError> {
    let seconds = crate::expiry::parse_seconds(text).map_err(|_| ProvisionError::InvalidInput {
        field: "grace",
        reason: format!("{:?} is not a duration such as \"1h\", \"30m\", \"2d\" or \"90s\"; allowed 0 s to 30 days", crate::error::shorten(text)),
    })?;
    let grace = Duration::from_secs(seconds);
    validate_grace(grace)?;
    Ok(grace)
}

/// What [`SecretStore::rotate`] does besides making a new key.
///
/// ```
/// let options = bedrock_token::provision::RotationOptions { finish_only: true, ..Default::default() };
/// assert_eq!(options.grace, bedrock_token::provision::DEFAULT_GRACE);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationOptions {
    /// How long the old key stays active after `AWSCURRENT` moved (0 s to [`MAX_GRACE`]).
    pub grace: Duration,
    /// Only finish the last rotation (retire the old key once its grace period is over), and
    /// make no new key.
    pub finish_only: bool,
    /// Verify a new Bedrock API key with a Bedrock call before making it current (access keys
    /// are always verified, with STS; without it, an API key is only shown active by IAM).
    /// Needs the `check` feature, and a policy that allows `bedrock:ListFoundationModels`.
    pub verify_api_key: bool,
    /// The KMS key that encrypts the secret, when this rotation creates it.
    pub kms_key_id: Option<String>,
}

impl Default for RotationOptions {
    fn default() -> Self {
        Self { grace: DEFAULT_GRACE, finish_only: false, verify_api_key: false, kms_key_id: None }
    }
}

/// One step a rotation through a secret took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RotationStep {
    /// A pending version whose key is gone or inactive lost its `AWSPENDING` label.
    DroppedPending {
        /// The version.
        version_id: String,
    },
    /// The old key's grace period was over: it was deactivated.
    DeactivatedOldKey {
        /// The key.
        id: String,
    },
    /// The old key was deleted.
    DeletedOldKey {
        /// The key.
        id: String,
    },
    /// A key no version of the secret holds, made by a rotation through it that stopped before
    /// storing it, was deleted: nobody holds its secret.
    DeletedUnheldKey {
        /// The key.
        id: String,
    },
    /// A new key was created.
    CreatedKey {
        /// Access key or API key.
        kind: KeyKind,
        /// The key.
        id: String,
    },
    /// The new key was stored as a new version.
    StoredVersion {
        /// The version.
        version_id: String,
        /// Its staging label.
        label: &'static str,
    },
    /// The key was verified with the secret read back from its version (or, a Bedrock API key
    /// not verified with Bedrock, shown active by IAM).
    Verified {
        /// The key.
        id: String,
        /// How: `STS GetCallerIdentity`, `Bedrock ListFoundationModels` or
        /// `IAM ListServiceSpecificCredentials (active)`.
        with: &'static str,
    },
    /// `AWSCURRENT` moved to the version.
    MadeCurrent {
        /// The version now current.
        version_id: String,
    },
}

impl fmt::Display for RotationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DroppedPending { version_id } => write!(f, "dropped {PENDING} from version {version_id} (its key is gone or inactive)"),
            Self::DeactivatedOldKey { id } => write!(f, "deactivated old key {id} (grace period over)"),
            Self::DeletedOldKey { id } => write!(f, "deleted old key {id}"),
            Self::DeletedUnheldKey { id } => write!(f, "deleted key {id}, which a rotation made and no version of the secret holds (it stopped before storing it)"),
            Self::CreatedKey { kind, id } => write!(f, "created {kind} {id}"),
            Self::StoredVersion { version_id, label } => write!(f, "stored it as version {version_id} ({label})"),
            Self::Verified { id, with } => write!(f, "verified key {id} with {with}"),
            Self::MadeCurrent { version_id } => write!(f, "moved {CURRENT} to version {version_id}"),
        }
    }
}

/// A key stored as a version of a secret (what reports name instead of the secret).
///
/// ```
/// # let stored = bedrock_token::provision::StoredKey { secret_arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:s-AbCdEf".into(),
/// #     version_id: "bedrock-token-key-AKIAIOSFODNN7EXAMPLE".into(), key_id: "AKIAIOSFODNN7EXAMPLE".into() };
/// println!("{} version {} holds {}", stored.secret_arn, stored.version_id, stored.key_id);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredKey {
    /// The secret's ARN.
    pub secret_arn: String,
    /// The version that holds the key.
    pub version_id: String,
    /// The key's id.
    pub key_id: String,
}

/// The result of [`SecretStore::rotate`]: never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct StoreRotateReport {
    /// The IAM user.
    pub user_name: String,
    /// The secret's ARN (empty when it does not exist yet and nothing was done).
    pub secret_arn: String,
    /// What was done, in order; empty when there was nothing to do.
    pub steps: Vec<RotationStep>,
    /// The version `AWSCURRENT` is on after this run, and its key.
    pub current: Option<StoredKey>,
    /// The old key still active for its grace period, if any.
    pub old_key: Option<String>,
    /// When the old key's grace period ends (then `finish` retires it).
    #[serde(serialize_with = "opt_rfc3339")]
    pub grace_ends_at: Option<SystemTime>,
    /// Security notes.
    pub warnings: Vec<SecurityWarning>,
}

/// Why a rotation through a secret stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// It stopped before or without a new key: nothing is unaccounted for, and running it again
    /// resumes.
    #[error(transparent)]
    Failed(#[from] ProvisionError),
    /// A new key exists whose secret the secret could not be shown to hold: the caller holds the
    /// only copy in `key` and must hand it over (or delete the key). Running the rotation again
    /// resumes if the version was stored after all, and deletes the key otherwise.
    #[error("{} {} of {user} was created but storing it in {secret} failed ({source})", key.kind, key.id)]
    NotStored {
        /// The user.
        user: String,
        /// The secret, as named.
        secret: String,
        /// The new key, with its secret.
        key: Box<NewKey>,
        /// Why storing failed.
        #[source]
        source: ProvisionError,
    },
    /// The new key was refused when verified: it was deleted, and its version is no longer
    /// `AWSPENDING`, so it never becomes current. `AWSCURRENT` did not move; running the rotation
    /// again makes another key.
    #[error("{kind} {id} of {user} was refused when verified ({source}); it was deleted and version {version_id} of {secret} is no longer {PENDING}, so it never becomes current; {CURRENT} did not move")]
    Refused {
        /// The user.
        user: String,
        /// The secret, as named.
        secret: String,
        /// Access key or API key.
        kind: KeyKind,
        /// The refused key, now deleted.
        id: String,
        /// Its version, no longer labelled.
        version_id: String,
        /// The refusal.
        #[source]
        source: ProvisionError,
    },
}

/// A version of the secret, as listed.
#[derive(Debug, Clone)]
struct Version {
    id: String,
    stages: Vec<String>,
}

/// The secret as it is: ARN, labelled versions, the recorded end of the last rotation's grace
/// period (tag [`GRACE_TAG`]) and the record of a rotation creating a key (tag [`CREATING_TAG`]).
struct SecretState {
    arn: String,
    versions: Vec<Version>,
    grace_until: Option<SystemTime>,
    creating: Option<Creating>,
}

/// What a rotation recorded just before creating a key: its kind, when (seconds since the Unix
/// epoch; 0 once the rotation marked it ended), and the keys of that kind the user had then
/// (tag [`CREATING_TAG`], `"KIND SECONDS ID ID"`).
#[derive(Debug, PartialEq, Eq)]
struct Creating {
    kind: String,
    since: u64,
    before: Vec<String>,
}

impl Creating {
    fn parse(value: &str) -> Option<Self> {
        let mut words = value.split_whitespace();
        let kind = words.next()?.to_owned();
        let since = words.next()?.parse().ok()?;
        Some(Self { kind, since, before: words.map(str::to_owned).collect() })
    }

    /// The tag's value: `"KIND SECONDS ID ID"`.
    fn value(&self) -> String {
        let since = self.since.to_string();
        [self.kind.as_str(), since.as_str()].into_iter().chain(self.before.iter().map(String::as_str)).collect::<Vec<_>>().join(" ")
    }

    /// Whether the rotation that wrote this record stored its key: a key the secret holds exists
    /// that the user did not have then.
    fn spent(&self, keys: &[KeyStatus], held: &[String]) -> bool {
        held.iter().any(|id| keys.iter().any(|k| &k.id == id) && !self.before.contains(id))
    }

    /// When the record stops standing for a running rotation, if it still does at `now`: neither
    /// marked ended, nor spent, nor older than [`CREATING_WINDOW`].
    fn running_until(&self, now: SystemTime, keys: &[KeyStatus], held: &[String]) -> Option<(SystemTime, SystemTime)> {
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(self.since);
        let until = since + CREATING_WINDOW;
        (self.since != 0 && now < until && !self.spent(keys, held)).then_some((since, until))
    }

    /// The key of `kind` the rotation that wrote this record made and could not store: with the
    /// record not spent, the one key of `keys` that is neither held nor was there before. None
    /// when there are several: a rotation makes one key, so the others were made elsewhere, and
    /// which is which is unknown.
    fn unstored_key(&self, kind: KeyKind, keys: &[KeyStatus], held: &[String]) -> Option<String> {
        if self.kind != kind.name() || self.spent(keys, held) {
            return None;
        }
        let mut made = keys.iter().filter(|k| !held.contains(&k.id) && !self.before.contains(&k.id));
        match (made.next(), made.next()) {
            (Some(key), None) => Some(key.id.clone()),
            _ => None,
        }
    }
}

/// The secret's tag a rotation writes just before it creates a key and removes once the key is
/// stored: the record that tells the key it made from keys made elsewhere (see [`Creating`]).
const CREATING_TAG: &str = "bedrock-token:creating";

/// The secret's tag that records when the last rotation's grace period ends (seconds since the
/// Unix epoch), written when `AWSCURRENT` moves. A tag, not a field of a version: it is written
/// without a new version, survives resumption and is read with the DescribeSecret every run makes.
const GRACE_TAG: &str = "bedrock-token:grace-until";

impl SecretState {
    fn labelled(&self, label: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.stages.iter().any(|s| s == label))
    }
}

/// A Secrets Manager secret that holds a business unit's key, with the clients that store and
/// verify keys. Its endpoint follows the standard settings (`AWS_ENDPOINT_URL_SECRETS_MANAGER`,
/// `AWS_ENDPOINT_URL`); so do STS's and Bedrock's, used to verify new keys.
///
/// ```no_run
/// # async fn run() -> Result<(), bedrock_token::provision::StoreError> {
/// use bedrock_token::provision::{BusinessUnit, Iam, KeyRequest, RotationOptions, SecretStore, StoreTarget};
/// let target = StoreTarget::parse("secretsmanager:prod/sales/bedrock-key")?;
/// let store = SecretStore::from_profile(None, None, target).await.map_err(|e| bedrock_token::provision::ProvisionError::InvalidInput { field: "profile", reason: e.to_string() })?;
/// let iam = Iam::from_env().await;
/// let report = store.rotate(&iam, &BusinessUnit::new("sales")?, KeyRequest::AccessKey, &RotationOptions::default()).await?;
/// for step in &report.steps { println!("{step}"); }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SecretStore {
    client: aws_sdk_secretsmanager::Client,
    config: aws_config::SdkConfig,
    target: StoreTarget,
}

impl SecretStore {
    /// The store for `target`, with the clients of `config` (in the region of a secret given by
    /// ARN, else the configuration's).
    ///
    /// ```no_run
    /// # async fn run() {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let target = bedrock_token::provision::StoreTarget::parse("secretsmanager:sales").unwrap();
    /// let store = bedrock_token::provision::SecretStore::new(&config, target);
    /// # let _ = store; }
    /// ```
    pub fn new(config: &aws_config::SdkConfig, target: StoreTarget) -> Self {
        let config = match target.region() {
            Some(region) => config.to_builder().region(aws_config::Region::new(region.to_owned())).build(),
            None => config.clone(),
        };
        Self { client: aws_sdk_secretsmanager::Client::new(&config), config, target }
    }

    /// The store for a named profile and region, read as [`Iam::from_profile`] reads them
    /// (`us-east-1` when no region is configured).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let target = bedrock_token::provision::StoreTarget::parse("secretsmanager:sales").unwrap();
    /// let store = bedrock_token::provision::SecretStore::from_profile(Some("admin"), None, target).await?;
    /// # let _ = store; Ok(()) }
    /// ```
    pub async fn from_profile(profile: Option<&str>, region: Option<&str>, target: StoreTarget) -> Result<Self, crate::Error> {
        Ok(Self::new(&super::client::profile_config(profile, region).await?, target))
    }

    /// The secret, as named.
    ///
    /// ```no_run
    /// # fn show(store: &bedrock_token::provision::SecretStore) {
    /// println!("{}", store.target());
    /// # }
    /// ```
    pub fn target(&self) -> &StoreTarget {
        &self.target
    }

    /// The key id the secret's `AWSCURRENT` version holds; `None` when the secret does not exist
    /// or has no current version. Also proves the secret can be described before any key is
    /// made; no secret is read when the version id names the key.
    ///
    /// ```no_run
    /// # async fn run(store: bedrock_token::provision::SecretStore) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// if let Some(id) = store.current_key_id().await? { println!("the secret holds {id}"); }
    /// # Ok(()) }
    /// ```
    pub async fn current_key_id(&self) -> Result<Option<String>, ProvisionError> {
        let Some(secret) = self.read().await? else { return Ok(None) };
        match secret.labelled(CURRENT) {
            Some(version) => Ok(Some(self.held(&version.id).await?.1)),
            None => Ok(None),
        }
    }

    /// Stores `key` (of `user`) as the secret's new `AWSCURRENT` version: `PutSecretValue`, or
    /// `CreateSecret` when the secret does not exist, with the user's tags and `kms_key_id`.
    /// Storing the same key again changes nothing. A request whose outcome is unknown is sent
    /// again; on failure the key is still the caller's to account for.
    ///
    /// ```no_run
    /// # async fn run(store: bedrock_token::provision::SecretStore, iam: bedrock_token::provision::Iam, key: bedrock_token::provision::NewKey) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// let stored = store.store_new_key(&iam, "sales-bedrock-user", &key, None).await?;
    /// println!("{} version {}", stored.secret_arn, stored.version_id);
    /// # Ok(()) }
    /// ```
    pub async fn store_new_key(&self, iam: &Iam, user: &str, key: &NewKey, kms_key_id: Option<&str>) -> Result<StoredKey, ProvisionError> {
        let exists = self.read().await?.is_some();
        self.put(iam, user, key, None, exists, kms_key_id).await
    }

    /// Rotates `business_unit`'s key of `key`'s kind through the secret, without downtime: see
    /// the module's steps. Every step is idempotent; a run stopped at any point and run again
    /// ends with one current key whose secret `AWSCURRENT` holds, and the key `AWSCURRENT` holds
    /// is never retired. When the secret does not exist or has no current version, the new key
    /// becomes its first, current version.
    ///
    /// ```no_run
    /// # async fn run(store: bedrock_token::provision::SecretStore, iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::StoreError> {
    /// use bedrock_token::provision::{BusinessUnit, KeyRequest, RotationOptions};
    /// let finish = RotationOptions { finish_only: true, ..Default::default() };
    /// let report = store.rotate(&iam, &BusinessUnit::new("sales")?, KeyRequest::ApiKey { days: 90 }, &finish).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rotate(&self, iam: &Iam, business_unit: &BusinessUnit, key: KeyRequest, options: &RotationOptions) -> Result<StoreRotateReport, StoreError> {
        validate_grace(options.grace)?;
        if let KeyRequest::ApiKey { days } = key {
            validate_api_key_days(days)?;
        }
        let user = business_unit.user_name();
        let Some((kind, create)) = plan::kind_and_create(&user, key) else {
            return Err(ProvisionError::InvalidInput { field: "key", reason: "rotate needs access-key or api-key".into() }.into());
        };
        let Some(state) = state::read_user(iam, &user).await? else { return Err(ProvisionError::NoSuchUser(user).into()) };
        if !state.is_managed() {
            return Err(ProvisionError::NotManaged { user, action: "rotate keys of" }.into());
        }
        let mut keys: Vec<KeyStatus> = state.keys.into_iter().filter(|k| k.kind == kind).collect();
        let secret = self.read().await?;
        let secret_name = self.target.to_string();
        let mut report = StoreRotateReport {
            user_name: user.clone(),
            secret_arn: secret.as_ref().map(|s| s.arn.clone()).unwrap_or_default(),
            steps: Vec::new(),
            current: None,
            old_key: None,
            grace_ends_at: None,
            warnings: state.warnings,
        };
        let current = match secret.as_ref().and_then(|s| s.labelled(CURRENT)) {
            Some(version) => Some((version.clone(), self.held_of(&version.id, kind).await?)),
            None => None,
        };
        // 1. A rotation in progress: resumed with the key its pending version holds.
        let mut pending = None;
        if let Some(version) = secret.as_ref().and_then(|s| s.labelled(PENDING)).filter(|v| !v.stages.iter().any(|s| s == CURRENT)) {
            let held = self.held_of(&version.id, kind).await?;
            if keys.iter().any(|k| k.id == held && k.active) {
                pending = Some(version.id.clone());
            } else {
                self.move_label(PENDING, None, Some(&version.id)).await?;
                report.steps.push(RotationStep::DroppedPending { version_id: version.id.clone() });
                // Its key, made by this flow and deactivated since, goes in the same run: left,
                // it would fill the user's room for the new key.
                if keys.iter().any(|k| k.id == held) {
                    Action::DeleteKey { user: user.clone(), kind, id: held.clone() }.apply(iam).await?;
                    keys.retain(|k| k.id != held);
                    report.steps.push(RotationStep::DeletedUnheldKey { id: held });
                }
            }
        }
        if pending.is_none() {
            // 2. The last rotation's old key: retired once its grace period is over.
            if let Some((current_version, current_key)) = &current {
                let previous = match secret.as_ref().and_then(|s| s.labelled(PREVIOUS)) {
                    Some(version) => Some(self.held_of(&version.id, kind).await?),
                    None => None,
                };
                if let Some(old) = previous.filter(|old| old != current_key && keys.iter().any(|k| &k.id == old)) {
                    // The end recorded when AWSCURRENT moved decides, not this run's --grace; none
                    // recorded: the grace counts from now, and is recorded.
                    let until = match secret.as_ref().and_then(|s| s.grace_until) {
                        Some(until) => until,
                        None => {
                            let until = SystemTime::now() + options.grace;
                            self.record_grace(until).await?;
                            until
                        }
                    };
                    if SystemTime::now() < until {
                        if options.finish_only {
                            report.current = Some(self.stored(&report.secret_arn, current_version, current_key));
                            report.old_key = Some(old);
                            report.grace_ends_at = Some(until);
                            return Ok(report);
                        }
                        return Err(ProvisionError::InGracePeriod { user, secret: report.secret_arn, old, until }.into());
                    }
                    self.retire(iam, &user, kind, &old, &mut keys, &mut report.steps).await?;
                }
            }
            // 3. Keys no labelled version holds: the one a rotation made and could not store is
            // deleted (not by --finish, nor while that rotation may still be running); the others
            // were made elsewhere and are left alone.
            let held: Vec<String> = self.held_ids(secret.as_ref(), kind).await?;
            let recorded = secret.as_ref().and_then(|s| s.creating.as_ref());
            if let Some((since, until)) = recorded.filter(|_| !options.finish_only).and_then(|c| c.running_until(SystemTime::now(), &keys, &held)) {
                return Err(ProvisionError::RotationInProgress { user, secret: secret_name, since, until }.into());
            }
            let unstored = recorded.and_then(|c| c.unstored_key(kind, &keys, &held));
            for id in keys.iter().filter(|k| !held.contains(&k.id)).map(|k| k.id.clone()).collect::<Vec<_>>() {
                if unstored.as_ref() == Some(&id) && !options.finish_only {
                    Action::DeleteKey { user: user.clone(), kind, id: id.clone() }.apply(iam).await?;
                    keys.retain(|k| k.id != id);
                    report.steps.push(RotationStep::DeletedUnheldKey { id });
                } else {
                    let fix = Action::DeleteKey { user: user.clone(), kind, id: id.clone() }.aws_command();
                    report.warnings.push(SecurityWarning::KeyNotInSecret { id, secret: secret_name.clone(), fix });
                }
            }
            if options.finish_only {
                report.current = current.as_ref().map(|(version, id)| self.stored(&report.secret_arn, version, id));
                return Ok(report);
            }
            // 4. A new key, recorded before it is made, stored as the pending version (or as the
            // first, current one).
            plan::check_room_keeping(&user, kind, &keys, current.as_ref().map(|(_, id)| id.as_str()))?;
            let mut record = Creating { kind: kind.name().to_owned(), since: unix_seconds(SystemTime::now()), before: keys.iter().map(|k| k.id.clone()).collect() };
            // From the record on, a run that fails before its key is stored marks the record
            // ended, so that the next run resumes at once rather than wait out the window.
            let created = match self.record_creating(iam, &user, &record, secret.is_some(), options.kms_key_id.as_deref()).await {
                Ok(()) => apply::create_key(iam, &create, &user, kind, &keys).await,
                Err(err) => Err(err),
            };
            let new_key = match created {
                Ok(key) => key,
                Err(err) => {
                    self.end_creating(&mut record).await;
                    return Err(err.into());
                }
            };
            report.steps.push(RotationStep::CreatedKey { kind, id: new_key.id.clone() });
            let label = if current.is_some() { PENDING } else { CURRENT };
            let stored = match self.put(iam, &user, &new_key, Some(label), true, None).await {
                Ok(stored) => stored,
                Err(source) => {
                    self.end_creating(&mut record).await;
                    return Err(StoreError::NotStored { user, secret: secret_name, key: Box::new(new_key), source });
                }
            };
            report.steps.push(RotationStep::StoredVersion { version_id: stored.version_id.clone(), label });
            report.secret_arn = stored.secret_arn.clone();
            self.clear_creating().await;
            if current.is_none() {
                report.current = Some(stored);
                return Ok(report);
            }
            pending = Some(stored.version_id);
        }
        // 5. Verify the pending version's key with its stored secret, 6. then make it current.
        let pending = pending.expect("set above");
        let verified = match self.verify(iam, &pending, &user, kind, options.verify_api_key).await {
            Ok(verified) => verified,
            Err(Verification::Unknown(err)) => return Err(err.into()),
            // Refused: the key goes first, then the label; stopped in between, the next run finds
            // a pending version without its key and drops the label.
            Err(Verification::Refused(source)) => {
                let id = self.held_of(&pending, kind).await?;
                match (Action::DeleteKey { user: user.clone(), kind, id: id.clone() }).apply(iam).await {
                    Err(err) if err.iam_code() != Some("NoSuchEntity") => return Err(err.into()),
                    _ => {}
                }
                self.move_label(PENDING, None, Some(&pending)).await?;
                return Err(StoreError::Refused { user, secret: secret_name, kind, id, version_id: pending, source });
            }
        };
        report.steps.push(verified);
        let from = current.as_ref().map(|(version, _)| version.id.as_str());
        // The grace period counts from the move, recorded before it.
        let grace_until = SystemTime::now() + options.grace;
        if current.is_some() {
            self.record_grace(grace_until).await?;
        }
        if let Err(err) = self.move_label(CURRENT, Some(&pending), from).await {
            // Refused as `from` no longer holds it: another run resuming this rotation moved it.
            let moved = matches!(self.read().await, Ok(Some(now)) if now.labelled(CURRENT).is_some_and(|v| v.id == pending));
            if !moved {
                return Err(err.into());
            }
        }
        report.steps.push(RotationStep::MadeCurrent { version_id: pending.clone() });
        let held = self.held_of(&pending, kind).await?;
        let after = self.read().await?;
        let arn = after.as_ref().map(|s| s.arn.clone()).unwrap_or_default();
        report.old_key = current.map(|(_, id)| id).filter(|id| id != &held);
        report.grace_ends_at = report.old_key.as_ref().map(|_| grace_until);
        report.current = Some(StoredKey { secret_arn: arn.clone(), version_id: pending, key_id: held });
        report.secret_arn = arn;
        Ok(report)
    }

    /// Deactivates, then deletes, the old key `id` (each step skipped when already done).
    async fn retire(&self, iam: &Iam, user: &str, kind: KeyKind, id: &str, keys: &mut Vec<KeyStatus>, steps: &mut Vec<RotationStep>) -> Result<(), ProvisionError> {
        if keys.iter().any(|k| k.id == id && k.active) {
            Action::DeactivateKey { user: user.to_owned(), kind, id: id.to_owned() }.apply(iam).await?;
            steps.push(RotationStep::DeactivatedOldKey { id: id.to_owned() });
        }
        Action::DeleteKey { user: user.to_owned(), kind, id: id.to_owned() }.apply(iam).await?;
        keys.retain(|k| k.id != id);
        steps.push(RotationStep::DeletedOldKey { id: id.to_owned() });
        Ok(())
    }

    fn stored(&self, arn: &str, version: &Version, key_id: &str) -> StoredKey {
        StoredKey { secret_arn: arn.to_owned(), version_id: version.id.clone(), key_id: key_id.to_owned() }
    }

    /// The secret's ARN and versions; `None` when it does not exist.
    async fn read(&self) -> Result<Option<SecretState>, ProvisionError> {
        let id = self.target.secret_id();
        let described = match send!(self.client.describe_secret().secret_id(id)) {
            Ok(described) => described,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => return Ok(None),
            Err(err) => return Err(service_error("Secrets Manager", "DescribeSecret", err)),
        };
        let mut versions = Vec::new();
        let mut token = None;
        loop {
            let page = send!(self.client.list_secret_version_ids().secret_id(id).set_next_token(token.take()))
                .map_err(|e| service_error("Secrets Manager", "ListSecretVersionIds", e))?;
            versions.extend(page.versions().iter().map(|v| Version {
                id: v.version_id().unwrap_or_default().to_owned(),
                stages: v.version_stages().to_vec(),
            }));
            match page.next_token {
                Some(next) if !next.is_empty() => token = Some(next),
                _ => break,
            }
        }
        let grace_until = described
            .tags()
            .iter()
            .find(|t| t.key() == Some(GRACE_TAG))
            .and_then(|t| t.value()?.parse::<u64>().ok())
            .map(|secs| SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        let creating = described.tags().iter().find(|t| t.key() == Some(CREATING_TAG)).and_then(|t| Creating::parse(t.value()?));
        Ok(Some(SecretState { arn: described.arn.unwrap_or_default(), versions, grace_until, creating }))
    }

    /// Writes `record` (tag [`CREATING_TAG`]) just before a rotation creates a key, creating the
    /// secret without a version (with `user`'s tags, the record and `kms_key_id`) when it does
    /// not `exist`.
    async fn record_creating(&self, iam: &Iam, user: &str, record: &Creating, exists: bool, kms_key_id: Option<&str>) -> Result<(), ProvisionError> {
        if !exists {
            let tag = aws_sdk_secretsmanager::types::Tag::builder().key(CREATING_TAG).value(record.value()).build();
            if self.create_secret(iam, user, kms_key_id, Some(tag), None).await.map_err(|(_, err)| err)?.is_some() {
                return Ok(());
            }
        }
        self.tag(CREATING_TAG, record.value()).await
    }

    /// Marks `record`, of a rotation that failed before storing its key, ended (`since` 0), so
    /// that the next run resumes it at once. Failing to is no failure of its own: the record then
    /// stands until [`CREATING_WINDOW`] has passed.
    async fn end_creating(&self, record: &mut Creating) {
        record.since = 0;
        if let Err(err) = self.tag(CREATING_TAG, record.value()).await {
            tracing::warn!(error = %err, "the record of the key being created stands until it is {} s old", CREATING_WINDOW.as_secs());
        }
    }

    /// Sets the secret's tag `key` to `value` (`TagResource`).
    async fn tag(&self, key: &str, value: String) -> Result<(), ProvisionError> {
        let tag = aws_sdk_secretsmanager::types::Tag::builder().key(key).value(value).build();
        send!(self.client.tag_resource().secret_id(self.target.secret_id()).tags(tag)).map_err(|e| service_error("Secrets Manager", "TagResource", e))?;
        Ok(())
    }

    /// Removes the record of [`Self::record_creating`] once the key is stored. Failing to is no
    /// failure of the rotation: a record whose key is held is spent (see [`Creating`]), and the
    /// next rotation replaces it.
    async fn clear_creating(&self) {
        if let Err(err) = send!(self.client.untag_resource().secret_id(self.target.secret_id()).tag_keys(CREATING_TAG)) {
            tracing::warn!(error = %service_error("Secrets Manager", "UntagResource", err), "the record of the key being created stays on the secret; it is spent");
        }
    }

    /// `CreateSecret` named as the target, with `user`'s tags (and `extra`), `kms_key_id` and,
    /// when given, a first version (`json`, `version_id`). `Ok(None)`: the secret exists already.
    /// An error says whether the outcome is unknown.
    async fn create_secret(&self, iam: &Iam, user: &str, kms_key_id: Option<&str>, extra: Option<aws_sdk_secretsmanager::types::Tag>, first: Option<(&str, &str)>) -> Result<Option<String>, (bool, ProvisionError)> {
        if self.target.region().is_some() {
            return Err((false, ProvisionError::InvalidInput { field: "store", reason: format!("{} does not exist, and a secret is created by name, not by ARN", self.target) }));
        }
        let tags = state::read_tags(iam, user).await.map_err(|err| (false, err))?;
        let tags = tags.into_iter().map(|(k, v)| aws_sdk_secretsmanager::types::Tag::builder().key(k).value(v).build()).chain(extra).collect();
        let request = self
            .client
            .create_secret()
            .name(self.target.secret_id())
            .description(format!("Amazon Bedrock key of IAM user {user}, stored by bedrock-token"))
            .set_secret_string(first.map(|(json, _)| json.to_owned()))
            .set_client_request_token(first.map(|(_, version_id)| version_id.to_owned()))
            .set_tags(Some(tags))
            .set_kms_key_id(kms_key_id.map(str::to_owned));
        match send!(request) {
            Ok(out) => Ok(Some(out.arn.unwrap_or_default())),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_exists_exception()) => Ok(None),
            Err(err) => Err((outcome_unknown(&err), service_error("Secrets Manager", "CreateSecret", err))),
        }
    }

    /// Records `until` as the end of the last rotation's grace period (tag [`GRACE_TAG`]).
    async fn record_grace(&self, until: SystemTime) -> Result<(), ProvisionError> {
        self.tag(GRACE_TAG, unix_seconds(until).to_string()).await
    }

    /// The key a version holds, read from its value with the one reader of the format
    /// (`provider::delivered_key`); the value is taken from the answer and wiped on drop.
    async fn read_key(&self, version_id: &str) -> Result<DeliveredKey, ProvisionError> {
        let mut answer = send!(self.client.get_secret_value().secret_id(self.target.secret_id()).version_id(version_id))
            .map_err(|e| service_error("Secrets Manager", "GetSecretValue", e))?;
        let text = SecretString::from(answer.secret_string.take().unwrap_or_default());
        drop(answer);
        delivered_key::parse(text.as_str()).map_err(|failure| ProvisionError::Service {
            service: "Secrets Manager",
            operation: "GetSecretValue",
            code: None,
            message: format!("version {version_id} of {} does not hold a key as bedrock-token stores it: {failure}", self.target),
        })
    }

    /// The kind and id of the key a version holds: from its version id when that names the key
    /// (`bedrock-token-key-{id}`, an id whose prefix says its kind: `AKIA` an access key, `ACCA`
    /// a service-specific credential), so that no secret is read; else from its value.
    async fn held(&self, version_id: &str) -> Result<(KeyKind, String), ProvisionError> {
        if let Some(id) = version_id.strip_prefix(VERSION_PREFIX) {
            let kind = match id.get(..4) {
                Some("AKIA") => Some(KeyKind::AccessKey),
                Some("ACCA") => Some(KeyKind::ApiKey),
                _ => None,
            };
            if let Some(kind) = kind {
                return Ok((kind, id.to_owned()));
            }
        }
        Ok(key_of(&self.read_key(version_id).await?))
    }

    /// The key id a version holds, which must be of `kind`.
    async fn held_of(&self, version_id: &str, kind: KeyKind) -> Result<String, ProvisionError> {
        let (held, id) = self.held(version_id).await?;
        if held != kind {
            return Err(ProvisionError::InvalidInput {
                field: "key",
                reason: format!("{} holds a key of kind {} (version {version_id}), not {}", self.target, held.name(), kind.name()),
            });
        }
        Ok(id)
    }

    /// The key ids every labelled version holds.
    async fn held_ids(&self, secret: Option<&SecretState>, kind: KeyKind) -> Result<Vec<String>, ProvisionError> {
        let mut ids = Vec::new();
        for version in secret.map(|s| s.versions.as_slice()).unwrap_or_default().iter().filter(|v| !v.stages.is_empty()) {
            ids.push(self.held_of(&version.id, kind).await?);
        }
        Ok(ids)
    }

    /// Stores `key` as a version labelled `label` (default: `AWSCURRENT`), creating the secret
    /// (with `user`'s tags and `kms_key_id`) when it does not `exist`. Sent again while its
    /// outcome is unknown: the version id makes it idempotent.
    async fn put(&self, iam: &Iam, user: &str, key: &NewKey, label: Option<&'static str>, exists: bool, kms_key_id: Option<&str>) -> Result<StoredKey, ProvisionError> {
        let version_id = version_id(&key.id);
        let json = key.to_secret_json();
        let mut exists = exists;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = if exists {
                let request = self.client.put_secret_value().secret_id(self.target.secret_id()).secret_string(&*json).client_request_token(&version_id).set_version_stages(label.map(|l| vec![l.to_owned()]));
                send!(request).map(|out| out.arn.unwrap_or_default()).map_err(|e| (outcome_unknown(&e), service_error("Secrets Manager", "PutSecretValue", e)))
            } else {
                match self.create_secret(iam, user, kms_key_id, None, Some((json.as_str(), version_id.as_str()))).await {
                    Ok(Some(arn)) => Ok(arn),
                    Ok(None) => {
                        exists = true;
                        continue;
                    }
                    Err(err) => Err(err),
                }
            };
            match result {
                Ok(arn) => return Ok(StoredKey { secret_arn: arn, version_id, key_id: key.id.clone() }),
                Err((true, _)) if attempt < STORE_ATTEMPTS => tokio::time::sleep(Duration::from_millis(200 << attempt)).await,
                Err((_, err)) => return Err(err),
            }
        }
    }

    /// Moves `label` to `to` (when given) from `from` (when given): `UpdateSecretVersionStage`.
    async fn move_label(&self, label: &str, to: Option<&str>, from: Option<&str>) -> Result<(), ProvisionError> {
        let request = self
            .client
            .update_secret_version_stage()
            .secret_id(self.target.secret_id())
            .version_stage(label)
            .set_move_to_version_id(to.map(str::to_owned))
            .set_remove_from_version_id(from.filter(|from| Some(*from) != to).map(str::to_owned));
        send!(request).map_err(|e| service_error("Secrets Manager", "UpdateSecretVersionStage", e))?;
        Ok(())
    }

    /// Verifies the key stored in `version_id` with its secret read back from the version: an
    /// access key with STS (always), a Bedrock API key with Bedrock when `api_key` is set. Tried
    /// again, with pauses, while the key is refused and [`VERIFY_DEADLINE`] is not reached. A
    /// Bedrock API key not verified so is at least shown active by IAM: a key deleted or
    /// deactivated since it was stored never becomes current.
    async fn verify(&self, iam: &Iam, version_id: &str, user: &str, kind: KeyKind, api_key: bool) -> Result<RotationStep, Verification> {
        if kind == KeyKind::ApiKey && !api_key {
            return self.listed_active(iam, version_id, user).await;
        }
        let stored = self.read_key(version_id).await.map_err(Verification::Unknown)?;
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(500);
        loop {
            let (id, result) = match &stored {
                DeliveredKey::AccessKey(credentials) => (credentials.access_key_id(), self.verify_access_key(credentials, user).await),
                DeliveredKey::ApiKey { id, key, .. } => (id.as_str(), self.verify_api_key(key).await),
            };
            match result {
                Ok(with) => return Ok(RotationStep::Verified { id: id.to_owned(), with }),
                Err(err) if started.elapsed() + pause < VERIFY_DEADLINE => {
                    tracing::debug!(error = %err.error(), "the new key is not usable yet; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_secs(8));
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Whether IAM lists the Bedrock API key `version_id` holds as active for `user` (only the
    /// user's Bedrock API keys are listed).
    async fn listed_active(&self, iam: &Iam, version_id: &str, user: &str) -> Result<RotationStep, Verification> {
        let id = self.held_of(version_id, KeyKind::ApiKey).await.map_err(Verification::Unknown)?;
        let listed = state::service_credentials(iam, Some(user), Some(API_KEY_SERVICE)).await.map_err(Verification::Unknown)?;
        if listed.iter().any(|c| c.service_specific_credential_id() == id && c.status() == &aws_sdk_iam::types::StatusType::Active) {
            return Ok(RotationStep::Verified { id, with: "IAM ListServiceSpecificCredentials (active)" });
        }
        Err(Verification::Refused(ProvisionError::Service {
            service: "IAM",
            operation: "ListServiceSpecificCredentials",
            code: None,
            message: format!("{} {id} of {user} is not an active key", KeyKind::ApiKey.name()),
        }))
    }

    async fn verify_access_key(&self, credentials: &Credentials, user: &str) -> Result<&'static str, Verification> {
        let config = self.config.to_builder().credentials_provider(SharedCredentialsProvider::new(credentials.clone())).build();
        let sts = aws_sdk_sts::Client::from_conf(aws_sdk_sts::config::Builder::from(&config).retry_config(RetryConfig::standard().with_max_attempts(1)).build());
        let caller = sts.get_caller_identity().send().await.map_err(|e| Verification::of("STS", "GetCallerIdentity", e))?;
        let arn = caller.arn.unwrap_or_default();
        if !arn.ends_with(&format!("/{user}")) || !arn.contains(":user/") {
            return Err(Verification::Refused(ProvisionError::Service {
                service: "STS",
                operation: "GetCallerIdentity",
                code: None,
                message: format!("the new access key {} authenticates as {arn}, not as user {user}", credentials.access_key_id()),
            }));
        }
        Ok("STS GetCallerIdentity")
    }

    #[cfg(feature = "check")]
    async fn verify_api_key(&self, key: &SecretString) -> Result<&'static str, Verification> {
        use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
        let token = aws_credential_types::Token::new(key.as_str().to_owned(), None);
        let config = aws_sdk_bedrock::config::Builder::from(&self.config)
            .token_provider(token)
            .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
            .retry_config(RetryConfig::standard().with_max_attempts(1))
            .build();
        aws_sdk_bedrock::Client::from_conf(config)
            .list_foundation_models()
            .send()
            .await
            .map_err(|e| Verification::of("Bedrock", "ListFoundationModels", e))?;
        Ok("Bedrock ListFoundationModels")
    }

    #[cfg(not(feature = "check"))]
    async fn verify_api_key(&self, _key: &SecretString) -> Result<&'static str, Verification> {
        Err(Verification::Unknown(ProvisionError::InvalidInput { field: "verify_api_key", reason: "verifying a Bedrock API key needs the crate feature `check`".into() }))
    }
}

/// Why a new key could not be verified.
enum Verification {
    /// The service answered that the key is refused (or it authenticates as someone else).
    Refused(ProvisionError),
    /// Nothing definite: the service could not be reached, failed, throttled, or the secret could
    /// not be read. The key stays pending; a later run verifies it again.
    Unknown(ProvisionError),
}

impl Verification {
    /// A failed verifying call: refused when the service answered with a client error other
    /// than throttling.
    fn of<E>(service: &'static str, operation: &'static str, err: aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>) -> Self
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        use aws_smithy_types::error::metadata::ProvideErrorMetadata;
        let throttled = matches!(err.code(), Some("Throttling" | "ThrottlingException" | "TooManyRequestsException" | "RequestLimitExceeded"));
        let refused = !throttled && err.raw_response().is_some_and(|r| r.status().is_client_error());
        let err = service_error(service, operation, err);
        if refused { Self::Refused(err) } else { Self::Unknown(err) }
    }

    fn error(&self) -> &ProvisionError {
        match self {
            Self::Refused(err) | Self::Unknown(err) => err,
        }
    }
}

/// Whether nothing is known of what a request whose answer is `err` did: no answer, or a 5xx.
fn outcome_unknown<E>(err: &aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>) -> bool {
    err.raw_response().is_none_or(|r| r.status().is_server_error())
}

/// The version id of the version that holds key `id`: the same for every attempt to store it.
fn version_id(key_id: &str) -> String {
    format!("{VERSION_PREFIX}{key_id}")
}

/// How the version ids this module writes begin; the key id follows.
const VERSION_PREFIX: &str = "bedrock-token-key-";

/// `time` in whole seconds since the Unix epoch (0 before it).
fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> KeyStatus {
        KeyStatus { kind: KeyKind::AccessKey, id: id.into(), active: true, created_at: None, age_days: 0, expires_at: None }
    }

    #[test]
    fn a_creating_record_stands_for_a_running_rotation_until_ended_spent_or_old() {
        let record = Creating::parse("access-key 1000000000 AKIAOLD").unwrap();
        assert_eq!(record, Creating { kind: "access-key".into(), since: 1_000_000_000, before: vec!["AKIAOLD".into()] });
        assert_eq!(Creating::parse(&record.value()), Some(record));
        let record = Creating::parse("access-key 1000000000 AKIAOLD").unwrap();
        let at = |secs: u64| SystemTime::UNIX_EPOCH + Duration::from_secs(secs);
        let (keys, held) = (vec![key("AKIAOLD"), key("AKIANEW")], vec!["AKIAOLD".to_owned()]);
        assert_eq!(record.running_until(at(1_000_000_010), &keys, &held), Some((at(1_000_000_000), at(1_000_000_600))), "young: it may be storing AKIANEW");
        assert_eq!(record.unstored_key(KeyKind::AccessKey, &keys, &held).as_deref(), Some("AKIANEW"));
        assert_eq!(record.running_until(at(1_000_000_600), &keys, &held), None, "older than the window: stopped");
        let stored = vec!["AKIAOLD".to_owned(), "AKIANEW".to_owned()];
        assert_eq!(record.running_until(at(1_000_000_010), &keys, &stored), None, "spent: its key is stored");
        assert_eq!(record.unstored_key(KeyKind::AccessKey, &keys, &stored), None);
        let ended = Creating { since: 0, ..Creating::parse("access-key 1000000000 AKIAOLD").unwrap() };
        assert_eq!(ended.running_until(at(1_000_000_010), &keys, &held), None, "marked ended by its run");
        assert_eq!(ended.value(), "access-key 0 AKIAOLD");
        assert_eq!(Creating::parse("access-key AKIAOLD"), None, "a record without its time is not one");
    }

    #[test]
    fn targets_name_the_field_and_the_allowed_form() {
        for good in ["secretsmanager:sales", "secretsmanager:prod/sales/bedrock_key+1=a.b@c-d", "secretsmanager:arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:s-AbCdEf"] {
            assert!(StoreTarget::parse(good).is_ok(), "{good}");
        }
        for bad in ["sales", "secretsmanager:", "secretsmanager:a b", "secretsmanager:arn:aws:s3:us-east-1:123456789012:secret:s", "ssm:x"] {
            let err = StoreTarget::parse(bad).unwrap_err();
            assert!(matches!(err, ProvisionError::InvalidInput { field: "store", .. }), "{bad}");
            assert!(err.to_string().contains("allowed: secretsmanager:NAME"), "{err}");
        }
        assert_eq!(StoreTarget::parse("secretsmanager:x").unwrap().to_string(), "secretsmanager:x");
    }

    #[test]
    fn grace_periods_in_range() {
        assert_eq!(parse_grace("1h").unwrap(), DEFAULT_GRACE);
        assert_eq!(parse_grace("0").unwrap(), Duration::ZERO);
        assert_eq!(parse_grace("30d").unwrap(), MAX_GRACE);
        assert!(matches!(parse_grace("31d"), Err(ProvisionError::InvalidInput { field: "grace", .. })));
        assert!(matches!(parse_grace("1 fortnight"), Err(ProvisionError::InvalidInput { field: "grace", .. })));
    }

    #[test]
    fn a_stored_key_reads_back_and_its_version_is_derived_from_its_id() {
        let key = NewKey {
            kind: KeyKind::ApiKey,
            id: "ACCAEXAMPLE12345678".into(),
            secret: super::super::Secret::new("ABSKYWxpY2UtYXQtMTIzNDU2Nzg5MDEyOnNlY3JldC1wYXJ0"),
            service_user_name: Some("sales-bedrock-user-at-123456789012".into()),
            created_at: Some(SystemTime::UNIX_EPOCH),
            expires_at: None,
        };
        match delivered_key::parse(&key.to_secret_json()).unwrap() {
            DeliveredKey::ApiKey { id, key, .. } => assert_eq!((id.as_str(), key.as_str()), ("ACCAEXAMPLE12345678", "ABSKYWxpY2UtYXQtMTIzNDU2Nzg5MDEyOnNlY3JldC1wYXJ0")),
            other => panic!("{other:?}"),
        }
        assert_eq!(version_id(&key.id), "bedrock-token-key-ACCAEXAMPLE12345678");
        assert!((32..=64).contains(&version_id("AKIAIOSFODNN7EXAMPLE").len()), "Secrets Manager's ClientRequestToken is 32 to 64 characters");
    }
}
