//! [`TokenProviderBuilder`]: settings for a [`TokenProvider`], checked when it is built.

use std::sync::Arc;
use std::time::Duration;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_smithy_async::rt::sleep::{AsyncSleep, SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource, TimeSource};

use super::refresh::Inner;
#[cfg(not(feature = "default-chains"))]
use super::settings::no_default_chains;
use super::settings::Settings;
use super::TokenProvider;
use crate::{validate_expiry, validate_region, Error, DEFAULT_EXPIRY};

/// How long one refresh (credentials load and signing) may take by default.
pub const DEFAULT_LOAD_TIMEOUT: Duration = Duration::from_secs(5);

/// Builds a [`TokenProvider`]. Every setting has a default; [`TokenProviderBuilder::build`]
/// checks them and does no I/O.
///
/// ```
/// use std::time::Duration;
/// use bedrock_token::{Credentials, TokenProvider};
///
/// let provider = TokenProvider::builder()
///     .region("us-east-1")
///     .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
///     .expiry(Duration::from_secs(6 * 3600))
///     .refresh_margin(Duration::from_secs(600))
///     .build()?;
/// # let _ = provider;
/// # Ok::<(), bedrock_token::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct TokenProviderBuilder {
    region: Option<String>,
    profile: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
    expiry: Option<Duration>,
    refresh_margin: Option<Duration>,
    load_timeout: Option<Duration>,
    no_jitter: bool,
    background: bool,
    time_source: Option<SharedTimeSource>,
    sleep: Option<SharedAsyncSleep>,
    #[cfg(feature = "secrets-manager")]
    secrets_manager_secret: Option<String>,
    #[cfg(feature = "secrets-manager")]
    secrets_manager_poll_interval: Option<Duration>,
    #[cfg(feature = "secrets-manager")]
    secrets_manager_client: Option<aws_sdk_secretsmanager::Client>,
}

impl TokenProviderBuilder {
    /// The region to sign for. Default: the default region chain (`AWS_REGION`, …), on first use.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().region("eu-west-1");
    /// # let _ = builder;
    /// ```
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A profile for the default chains instead of `AWS_PROFILE`, used whole as the AWS CLI's
    /// `--profile` is: its credentials even when the environment has keys; the region follows
    /// `AWS_REGION` and `AWS_DEFAULT_REGION` first ([`DefaultChain`](crate::DefaultChain)
    /// explains). Ignored for a region or credentials provider given explicitly.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().profile("ci");
    /// # let _ = builder;
    /// ```
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.profile = Some(profile.into());
        self
    }

    /// Where credentials come from. Default: the default credentials chain, on first use.
    ///
    /// ```
    /// use bedrock_token::Credentials;
    /// let static_keys = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
    /// let builder = bedrock_token::TokenProvider::builder().credentials_provider(static_keys);
    /// # let _ = builder;
    /// ```
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials + 'static) -> Self {
        self.credentials = Some(SharedCredentialsProvider::new(provider));
        self
    }

    /// The lifetime of each token, 1 s ..= 12 h. Default: 12 h.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().expiry(std::time::Duration::from_secs(3600));
    /// # let _ = builder;
    /// ```
    pub fn expiry(mut self, expiry: Duration) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// How long before expiry to start replacing a token. Default: the larger of 5 minutes and
    /// 10 % of the lifetime. Either way never more than half of a token's usable life.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().refresh_margin(std::time::Duration::from_secs(900));
    /// # let _ = builder;
    /// ```
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = Some(margin);
        self
    }

    /// How long one refresh may take before it counts as failed. Default: 5 s.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().load_timeout(std::time::Duration::from_secs(2));
    /// # let _ = builder;
    /// ```
    pub fn load_timeout(mut self, timeout: Duration) -> Self {
        self.load_timeout = Some(timeout);
        self
    }

    /// Whether to move each refresh earlier by a random part (up to a tenth) of the margin, so a
    /// fleet does not refresh in step. Default: on.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().refresh_jitter(false);
    /// # let _ = builder;
    /// ```
    pub fn refresh_jitter(mut self, jitter: bool) -> Self {
        self.no_jitter = !jitter;
        self
    }

    /// Refresh in a background task at each refresh point, so callers never wait after the first
    /// token. The task stops when the last clone of the provider is dropped. Default: off.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder().background_refresh(true);
    /// # let _ = builder;
    /// ```
    pub fn background_refresh(mut self, enabled: bool) -> Self {
        self.background = enabled;
        self
    }

    /// The clock that decides when tokens are fresh and signs them. Default: the system clock.
    /// Tests inject a manual one (e.g. `aws_smithy_async::test_util::ManualTimeSource`).
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder()
    ///     .time_source(aws_smithy_async::time::SystemTimeSource::new());
    /// # let _ = builder;
    /// ```
    pub fn time_source(mut self, time_source: impl TimeSource + 'static) -> Self {
        self.time_source = Some(SharedTimeSource::new(time_source));
        self
    }

    /// How the provider sleeps (load timeout, background refresh). Default: tokio's timer.
    ///
    /// ```
    /// let builder = bedrock_token::TokenProvider::builder()
    ///     .sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new());
    /// # let _ = builder;
    /// ```
    pub fn sleep_impl(mut self, sleep: impl AsyncSleep + 'static) -> Self {
        self.sleep = Some(SharedAsyncSleep::new(sleep));
        self
    }

    /// Takes the key from an AWS Secrets Manager secret (its name, or its ARN, whose region is
    /// then the one asked) instead of signing with the provider's credentials: the JSON value
    /// `bedrock-token provision --store secretsmanager:…` writes (cargo feature
    /// `secrets-manager`). The provider's credentials (or the default chain, or `profile`) are
    /// then those that read the secret.
    ///
    /// * `"kind": "api-key"`: the long-term API key (`ABSK…`) is the token handed out, until
    ///   IAM's expiry of the key if it has one (`expiry` and the refresh margin do not apply).
    /// * `"kind": "access-key"`: the access key signs short-term tokens, cached and refreshed as
    ///   with any credentials.
    ///
    /// Every refresh asks which version is `AWSCURRENT` (`DescribeSecret`) and reads it
    /// (`GetSecretValue`) only when it changed; a refresh comes at least once per
    /// [`secrets_manager_poll_interval`](Self::secrets_manager_poll_interval), so a rotated key is
    /// handed out within one interval, without a restart. A refresh that fails keeps the held
    /// token in service (a rotation keeps the old key valid for its grace period) and is reported
    /// by [`TokenProvider::status`]. Errors: [`Error::SecretsManager`].
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .secrets_manager_secret("prod/bedrock/ml-team")
    ///     .build()?;
    /// # let _ = provider;
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    #[cfg(feature = "secrets-manager")]
    pub fn secrets_manager_secret(mut self, name_or_arn: impl Into<String>) -> Self {
        self.secrets_manager_secret = Some(name_or_arn.into());
        self
    }

    /// How often the provider asks Secrets Manager whether the secret's `AWSCURRENT` version
    /// changed, 10 s ..= 12 h. Default: 5 minutes
    /// ([`DEFAULT_SECRETS_MANAGER_POLL_INTERVAL`](crate::DEFAULT_SECRETS_MANAGER_POLL_INTERVAL)).
    ///
    /// ```
    /// let provider = bedrock_token::TokenProvider::builder()
    ///     .region("us-east-1")
    ///     .secrets_manager_secret("prod/bedrock/ml-team")
    ///     .secrets_manager_poll_interval(std::time::Duration::from_secs(60))
    ///     .build()?;
    /// # let _ = provider;
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    #[cfg(feature = "secrets-manager")]
    pub fn secrets_manager_poll_interval(mut self, interval: Duration) -> Self {
        self.secrets_manager_poll_interval = Some(interval);
        self
    }

    /// The Secrets Manager client that reads the secret, e.g. one made from an `SdkConfig` the
    /// application already has, or with an endpoint of its own. Default: one made from the
    /// provider's credentials and profile for the provider's region (the ARN's, for an ARN),
    /// which follows `AWS_ENDPOINT_URL_SECRETS_MANAGER` and the profile's `services` section.
    ///
    /// ```
    /// let config = aws_sdk_secretsmanager::Config::builder()
    ///     .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
    ///     .region(aws_sdk_secretsmanager::config::Region::new("eu-west-1"))
    ///     .build();
    /// let provider = bedrock_token::TokenProvider::builder()
    ///     .region("eu-west-1")
    ///     .secrets_manager_secret("prod/bedrock/ml-team")
    ///     .secrets_manager_client(aws_sdk_secretsmanager::Client::from_conf(config))
    ///     .build()?;
    /// # let _ = provider;
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    #[cfg(feature = "secrets-manager")]
    pub fn secrets_manager_client(mut self, client: aws_sdk_secretsmanager::Client) -> Self {
        self.secrets_manager_client = Some(client);
        self
    }

    /// Checks the settings and builds the provider. No I/O happens until the first token.
    ///
    /// Errors: [`Error::InvalidRegion`], [`Error::InvalidExpiry`], or [`Error::InvalidSetting`]
    /// for a margin not below the lifetime, a zero load timeout, or a Secrets Manager secret id or
    /// poll interval out of range. Without the `default-chains`
    /// feature, also [`Error::InvalidSetting`] when the region or the credentials provider is not
    /// given, or a profile is.
    ///
    /// ```
    /// let err = bedrock_token::TokenProvider::builder()
    ///     .expiry(std::time::Duration::from_secs(60))
    ///     .refresh_margin(std::time::Duration::from_secs(60))
    ///     .build()
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "refresh_margin: must be less than the expiry (60 s)");
    /// ```
    pub fn build(self) -> Result<TokenProvider, Error> {
        if let Some(region) = &self.region {
            validate_region(region)?;
        }
        #[cfg(not(feature = "default-chains"))]
        {
            if self.region.is_none() {
                return Err(no_default_chains("region"));
            }
            if self.credentials.is_none() {
                return Err(no_default_chains("credentials_provider"));
            }
            if self.profile.is_some() {
                return Err(no_default_chains("profile"));
            }
        }
        let expiry = self.expiry.unwrap_or(DEFAULT_EXPIRY);
        validate_expiry(expiry)?;
        if self.refresh_margin.is_some_and(|margin| margin >= expiry) {
            return Err(Error::InvalidSetting {
                field: "refresh_margin",
                reason: format!("must be less than the expiry ({} s)", expiry.as_secs()),
            });
        }
        let load_timeout = self.load_timeout.unwrap_or(DEFAULT_LOAD_TIMEOUT);
        if load_timeout.is_zero() {
            return Err(Error::InvalidSetting {
                field: "load_timeout",
                reason: "must be greater than zero".to_owned(),
            });
        }
        #[cfg(feature = "secrets-manager")]
        let secret = match (self.secrets_manager_secret, self.secrets_manager_poll_interval) {
            (Some(id), interval) => Some(Arc::new(super::secrets_manager::SecretSource::new(id, interval, self.secrets_manager_client)?)),
            (None, Some(_)) => return Err(needs_secret("secrets_manager_poll_interval")),
            (None, None) if self.secrets_manager_client.is_some() => return Err(needs_secret("secrets_manager_client")),
            (None, None) => None,
        };
        let settings = Settings {
            region: self.region,
            #[cfg(feature = "default-chains")]
            profile: self.profile,
            credentials: self.credentials,
            expiry,
            refresh_margin: self.refresh_margin,
            load_timeout,
            jitter: !self.no_jitter,
            background: self.background,
            system_clock: self.time_source.is_none(),
            time_source: self.time_source.unwrap_or_else(|| SharedTimeSource::new(SystemTimeSource::new())),
            sleep: self.sleep.unwrap_or_else(|| SharedAsyncSleep::new(TokioSleep::new())),
            #[cfg(feature = "secrets-manager")]
            secret,
        };
        let background = settings.background;
        let inner = Arc::new(Inner::new(settings));
        if background {
            inner.start_background();
        }
        Ok(TokenProvider { inner })
    }
}

/// A Secrets Manager setting given without the secret it applies to.
#[cfg(feature = "secrets-manager")]
fn needs_secret(field: &'static str) -> Error {
    Error::InvalidSetting { field, reason: "applies only to a key from Secrets Manager; set secrets_manager_secret too".to_owned() }
}
