//! The IAM client at the bottom of provisioning: how it is built (region, partition, retries),
//! and how its failures become [`ProvisionError`]s. The operations are in `lifecycle`, `audit`
//! and `revoke`, above `state` (reading) and `apply` (changing), which use only this.

use std::sync::Arc;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use aws_sdk_iam::config::retry::RetryConfig;

use super::{Partition, ProvisionError};
use crate::sdk_error::{classify, configured_endpoint, Failure};

/// The region an IAM (or Organizations, or Secrets Manager) client uses when none is configured:
/// IAM is global in the `aws` partition. One definition for the crate.
pub(crate) const DEFAULT_REGION: &str = "us-east-1";

/// The standard AWS configuration, the region defaulting to [`DEFAULT_REGION`]: what the
/// provisioning clients' `from_env` read.
pub(crate) async fn env_config() -> aws_config::SdkConfig {
    let region = aws_config::meta::region::RegionProviderChain::default_provider().or_else(DEFAULT_REGION);
    aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await
}

/// The configuration of a named profile (or, with `None`, `AWS_PROFILE`'s) and region, read as
/// the AWS CLI reads them, the region defaulting to [`DEFAULT_REGION`]: what the provisioning
/// clients' `from_profile` read.
pub(crate) async fn profile_config(profile: Option<&str>, region: Option<&str>) -> Result<aws_config::SdkConfig, crate::Error> {
    let chain = profile.map_or_else(crate::DefaultChain::new, |name| crate::DefaultChain::new().profile(name));
    chain.sdk_config(region, DEFAULT_REGION).await
}

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
    /// The client's region, which names the partition.
    region: String,
    /// The partition every ARN and policy is written for, derived once from the region.
    partition: Partition,
    /// The configuration the client was made from, when known: other accounts are reached from
    /// it ([`Iam::in_account`]), with the same endpoints and retries.
    config: Option<aws_config::SdkConfig>,
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
        let region = client.config().region().map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string);
        Self { client, endpoint: None, partition: Partition::of_region(&region), region, config: None }
    }

    /// A client from the standard AWS configuration; IAM is global within a partition, so the
    /// region defaults to `us-east-1` when none is configured. The region's partition (`aws`,
    /// `aws-us-gov`, `aws-cn`) names every ARN and policy this client writes.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let iam = bedrock_token::provision::Iam::from_env().await;
    /// # let _ = iam; }
    /// ```
    ///
    /// Retries use the SDK's adaptive mode, which slows down when IAM throttles (its rate limits
    /// are account-wide), unless `AWS_RETRY_MODE` chooses another mode; the number of
    /// attempts is the configured one (`AWS_MAX_ATTEMPTS`, default 3).
    pub async fn from_env() -> Self {
        Self::from_config(&env_config().await)
    }

    /// A client for a named profile (or, with `None`, `AWS_PROFILE`'s) and region, read as the
    /// AWS CLI reads them: a named profile is used whole, its credentials even when the
    /// environment has keys; the region is `region` if given, else `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's, IMDS, and `us-east-1` when none is configured (IAM is
    /// global). Retries as for [`Iam::from_env`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let iam = bedrock_token::provision::Iam::from_profile(Some("admin"), None).await?;
    /// # let _ = iam; Ok(()) }
    /// ```
    ///
    /// A profile that is in neither shared file is [`Error::ProfileNotFound`](crate::Error::ProfileNotFound),
    /// a shared file that does not parse [`Error::ProfileFile`](crate::Error::ProfileFile), and a
    /// malformed region [`Error::InvalidRegion`](crate::Error::InvalidRegion).
    pub async fn from_profile(profile: Option<&str>, region: Option<&str>) -> Result<Self, crate::Error> {
        Ok(Self::from_config(&profile_config(profile, region).await?))
    }

    /// The IAM client for an SDK configuration: the partition of its region, adaptive retries
    /// unless `AWS_RETRY_MODE` is set.
    pub(crate) fn from_config(config: &aws_config::SdkConfig) -> Self {
        let region = config.region().map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string);
        let partition = Partition::of_region(&region);
        let mut iam = aws_sdk_iam::config::Builder::from(config);
        if std::env::var_os("AWS_RETRY_MODE").is_none() {
            let attempts = config.retry_config().map_or(3, |retry| retry.max_attempts());
            iam = iam.retry_config(RetryConfig::adaptive().with_max_attempts(attempts));
        }
        let endpoint = Some(configured_endpoint(config, "IAM", &partition.iam_endpoint()));
        Self { client: aws_sdk_iam::Client::from_conf(iam.build()), endpoint, region, partition, config: Some(config.clone()) }
    }

    /// The partition this client writes ARNs and policies for.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let iam = bedrock_token::provision::Iam::from_env().await;
    /// println!("{}", iam.partition());
    /// # }
    /// ```
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The partition, when it has Bedrock API keys; else an error naming the region.
    pub(crate) fn bedrock_partition(&self) -> Result<Partition, ProvisionError> {
        self.partition.require_bedrock_api_keys(&self.region)
    }

    /// The configuration this client was made from; `None` for [`Iam::new`].
    pub(crate) fn config(&self) -> Option<&aws_config::SdkConfig> {
        self.config.as_ref()
    }

    pub(crate) fn client(&self) -> &aws_sdk_iam::Client {
        &self.client
    }

    /// An SDK error as a [`ProvisionError::Iam`] naming the operation, IAM's error code and the
    /// answer's HTTP status, or as [`ProvisionError::Unreachable`] when no answer came back.
    pub(crate) fn error<E>(&self, operation: &'static str, err: SdkError<E, HttpResponse>) -> ProvisionError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match classify(&err) {
            Failure::Unreachable(cause) => ProvisionError::Unreachable {
                operation,
                endpoint: self.endpoint.clone().unwrap_or_else(|| "the IAM endpoint".to_owned()),
                cause,
            },
            Failure::Refused { code, message } => {
                let status = err.raw_response().map(|answer| answer.status().as_u16());
                ProvisionError::Iam { operation, code, message, status, sdk_error: Arc::new(err) }
            }
        }
    }

    pub(crate) fn missing(&self, operation: &'static str, field: &str) -> ProvisionError {
        ProvisionError::Iam {
            operation,
            code: None,
            message: format!("the response has no {field}"),
            status: None,
            sdk_error: Arc::new(std::io::Error::other(format!("{operation}: no {field}"))),
        }
    }
}
