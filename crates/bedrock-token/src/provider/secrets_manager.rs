//! A [`TokenProvider`](crate::TokenProvider) whose key comes from an AWS Secrets Manager secret
//! (cargo feature `secrets-manager`): the key `bedrock-token provision --store` or `rotate
//! --store` put there, reloaded when the secret's `AWSCURRENT` version changes.
//!
//! Each refresh asks `DescribeSecret` which version is `AWSCURRENT`, and calls `GetSecretValue`
//! only when that version is not the one held. Refreshes come at least once per poll interval
//! (the cached token's refresh point is never later than its load plus the interval), so a rotated
//! key is picked up within one interval; a refresh that fails keeps the held token in service.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_secretsmanager::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::delivered_key::{self, DeliveredKey};
use crate::lock::lock;
use crate::sdk_error::{classify, Failure};
use crate::secret::SecretString;
use crate::{Error, SecretsManagerFailure, Token};

/// How often a provider reading a Secrets Manager secret checks for a new version by default: 5 min.
///
/// ```
/// assert_eq!(bedrock_token::DEFAULT_SECRETS_MANAGER_POLL_INTERVAL.as_secs(), 300);
/// ```
pub const DEFAULT_SECRETS_MANAGER_POLL_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// The shortest poll interval allowed: 10 s (each poll is one `DescribeSecret` call).
///
/// ```
/// assert_eq!(bedrock_token::MIN_SECRETS_MANAGER_POLL_INTERVAL.as_secs(), 10);
/// ```
pub const MIN_SECRETS_MANAGER_POLL_INTERVAL: Duration = Duration::from_secs(10);

/// The longest poll interval allowed: 12 h.
///
/// ```
/// assert_eq!(bedrock_token::MAX_SECRETS_MANAGER_POLL_INTERVAL.as_secs(), 12 * 3600);
/// ```
pub const MAX_SECRETS_MANAGER_POLL_INTERVAL: Duration = Duration::from_secs(12 * 3600);

/// The longest name or ARN Secrets Manager accepts as a `SecretId`.
const MAX_SECRET_ID_LEN: usize = 2048;

/// When a long-term API key without an expiry "expires": the last second SigV4 and RFC 3339 write.
const NEVER: Duration = Duration::from_secs(253_402_300_799);

/// The secret a provider reads, and the version it holds.
pub(crate) struct SecretSource {
    pub(crate) secret_id: String,
    pub(crate) poll_interval: Duration,
    /// The client given to the builder, if any.
    pub(crate) client: Option<Client>,
    held: Mutex<Option<Arc<Held>>>,
}

/// A version of the secret, read.
pub(crate) struct Held {
    version_id: String,
    key: DeliveredKey,
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSource")
            .field("secret_id", &self.secret_id)
            .field("poll_interval", &self.poll_interval)
            .field("version_id", &self.version_id())
            .finish()
    }
}

impl SecretSource {
    /// Checks the builder's settings: a plausible `SecretId` and the poll interval's range.
    pub(crate) fn new(secret_id: String, poll_interval: Option<Duration>, client: Option<Client>) -> Result<Self, Error> {
        let plausible = |c: char| c.is_ascii_graphic();
        if secret_id.is_empty() || secret_id.len() > MAX_SECRET_ID_LEN || !secret_id.chars().all(plausible) {
            return Err(Error::InvalidSetting {
                field: "secrets_manager_secret",
                reason: format!("must be a secret's name or ARN: 1 to {MAX_SECRET_ID_LEN} printable characters without spaces"),
            });
        }
        let poll_interval = poll_interval.unwrap_or(DEFAULT_SECRETS_MANAGER_POLL_INTERVAL);
        if !(MIN_SECRETS_MANAGER_POLL_INTERVAL..=MAX_SECRETS_MANAGER_POLL_INTERVAL).contains(&poll_interval) {
            return Err(Error::InvalidSetting {
                field: "secrets_manager_poll_interval",
                reason: format!("{} is out of range; allowed 10 s to 43200 s (12 h)", crate::human_duration(poll_interval)),
            });
        }
        Ok(Self { secret_id, poll_interval, client, held: Mutex::new(None) })
    }

    /// The region in the secret's ARN (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`),
    /// where Secrets Manager must be asked; `None` for a name.
    pub(crate) fn arn_region(&self) -> Option<&str> {
        arn_region(&self.secret_id)
    }

    /// The `AWSCURRENT` version id of the key held, if one was read.
    pub(crate) fn version_id(&self) -> Option<String> {
        lock(&self.held).as_ref().map(|held| held.version_id.clone())
    }

    /// Asks which version is `AWSCURRENT` and reads it if it is not the one held.
    pub(crate) async fn current(&self, client: &Client, region: &str) -> Result<Arc<Held>, Error> {
        let fail = |failure| Error::SecretsManager { secret: self.secret_id.clone(), failure };
        let described = client.describe_secret().secret_id(&self.secret_id).send().await.map_err(|err| fail(sdk_failure(&err, region)))?;
        if described.deleted_date.is_some() {
            return Err(fail(SecretsManagerFailure::MarkedForDeletion));
        }
        let stages = described.version_ids_to_stages.unwrap_or_default();
        let current = stages.into_iter().find(|(_, labels)| labels.iter().any(|label| label == "AWSCURRENT")).map(|(version, _)| version);
        let current = current.ok_or_else(|| fail(SecretsManagerFailure::NoCurrentVersion))?;
        if let Some(held) = lock(&self.held).as_ref().filter(|held| held.version_id == current) {
            return Ok(Arc::clone(held));
        }
        let mut value = client
            .get_secret_value()
            .secret_id(&self.secret_id)
            .version_id(&current)
            .send()
            .await
            .map_err(|err| fail(sdk_failure(&err, region)))?;
        let text = SecretString::from(value.secret_string.take().unwrap_or_default());
        if text.as_str().is_empty() {
            let failure = if value.secret_binary.is_some() { SecretsManagerFailure::NotText } else { SecretsManagerFailure::NoCurrentVersion };
            return Err(fail(failure));
        }
        let key = delivered_key::parse(text.as_str()).map_err(fail)?;
        let held = Arc::new(Held { version_id: current, key });
        *lock(&self.held) = Some(Arc::clone(&held));
        tracing::info!(
            target: "bedrock_token::provider",
            secret = %self.secret_id,
            version_id = %held.version_id,
            "read the key from the Secrets Manager secret's AWSCURRENT version"
        );
        Ok(held)
    }

    /// The token a held key gives at `now`: a long-term API key is the token itself (until IAM's
    /// expiry, if it has one); an access key signs a short-term token of `expiry`.
    pub(crate) fn token(&self, held: &Held, region: &str, expiry: Duration, now: SystemTime) -> Result<Token, Error> {
        match &held.key {
            DeliveredKey::AccessKey(credentials) => crate::sign_token(credentials, region, expiry, now),
            DeliveredKey::ApiKey { id, key, expires_at } => {
                let expires_at = expires_at.unwrap_or(SystemTime::UNIX_EPOCH + NEVER);
                let lifetime = expires_at.duration_since(now).ok().filter(|left| !left.is_zero());
                let lifetime = lifetime.ok_or_else(|| Error::SecretsManager {
                    secret: self.secret_id.clone(),
                    failure: SecretsManagerFailure::KeyExpired { expired_at: expires_at },
                })?;
                Ok(Token::new(key.clone(), region.into(), id.as_str().into(), now, lifetime, expires_at))
            }
        }
    }
}

/// The region in a secret's ARN (`arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME`), where
/// Secrets Manager must be asked; `None` for a name. The one reader of it, for the provider and
/// for `provision::StoreTarget`.
pub(crate) fn arn_region(secret_id: &str) -> Option<&str> {
    let mut parts = secret_id.splitn(6, ':');
    let (arn, _partition, service, region) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    (arn == "arn" && service == "secretsmanager" && !region.is_empty()).then_some(region)
}

/// The client given to the builder (and the region it asks), else a Secrets Manager client for
/// `region`, with the provider's credentials (those that read the
/// secret) and the endpoint configuration of the environment and `profile`
/// (`AWS_ENDPOINT_URL_SECRETS_MANAGER`, a profile's `services` section, …).
pub(crate) async fn client(source: &SecretSource, region: &str, credentials: SharedCredentialsProvider, profile: Option<&str>) -> (Client, String) {
    let region = source.arn_region().unwrap_or(region);
    if let Some(client) = &source.client {
        let asked = client.config().region().map_or(region, |r| r.as_ref());
        return (client.clone(), asked.to_owned());
    }
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(region.to_owned()))
        .credentials_provider(credentials);
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    (Client::new(&loader.load().await), region.to_owned())
}

/// What a failed Secrets Manager call means for a reader.
fn sdk_failure<E, R>(err: &SdkError<E, R>, region: &str) -> SecretsManagerFailure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: fmt::Debug + Send + Sync + 'static,
{
    match classify(err) {
        Failure::Unreachable(message) => SecretsManagerFailure::Unreachable { message },
        Failure::Refused { code, message } => match code.as_deref() {
            Some("ResourceNotFoundException") => SecretsManagerFailure::NotFound { region: region.to_owned() },
            Some("AccessDeniedException" | "AccessDenied" | "DecryptionFailure") => SecretsManagerFailure::AccessDenied { message },
            Some("InvalidRequestException") if message.contains("deleted") => SecretsManagerFailure::MarkedForDeletion,
            _ => SecretsManagerFailure::Refused { message },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked() {
        assert!(SecretSource::new("prod/bedrock".into(), None, None).is_ok());
        for bad in ["", "has space", &"x".repeat(2049)] {
            let err = SecretSource::new(bad.into(), None, None).unwrap_err();
            assert!(err.to_string().starts_with("secrets_manager_secret: must be a secret's name or ARN"), "{err}");
        }
        for (seconds, ok) in [(9, false), (10, true), (43_200, true), (43_201, false)] {
            let result = SecretSource::new("s".into(), Some(Duration::from_secs(seconds)), None);
            assert_eq!(result.is_ok(), ok, "{seconds}");
        }
        let err = SecretSource::new("s".into(), Some(Duration::from_secs(1)), None).unwrap_err();
        assert_eq!(err.to_string(), "secrets_manager_poll_interval: 1 s is out of range; allowed 10 s to 43200 s (12 h)");
    }

    #[test]
    fn an_arn_names_its_region_in_any_partition() {
        let region = |id: &str| SecretSource::new(id.into(), None, None).unwrap().arn_region().map(str::to_owned);
        assert_eq!(region("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/key-AbCdEf").as_deref(), Some("eu-west-1"));
        assert_eq!(region("arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:k-AbCdEf").as_deref(), Some("cn-north-1"));
        assert_eq!(region("prod/key"), None);
        assert_eq!(region("arn:aws:iam::123456789012:user/x"), None);
    }
}
