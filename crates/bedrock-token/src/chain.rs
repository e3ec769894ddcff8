//! Tokens from the standard AWS credential and region chains, through `aws-config` (the
//! `default-chains` feature, on by default).

use std::time::{Duration, SystemTime};

use aws_config::default_provider::{credentials::DefaultCredentialsChain, region::DefaultRegionChain};
use aws_config::environment::{EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider};
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_credential_types::Credentials;

use crate::chain_inputs::{self, Fingerprint};
use crate::credentials::load_credentials;
use crate::{sign_token, Error, Token};

/// The sources of the default credentials chain, in the order `aws-config` tries them.
pub const DEFAULT_CHAIN_SOURCES: &str = "environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), \
the shared config and credentials files (profile from AWS_PROFILE or `default`, incl. SSO and credential_process), \
web identity token (AWS_WEB_IDENTITY_TOKEN_FILE), the ECS container endpoint, and EC2 instance metadata (IMDS)";

/// Where credentials and the region come from: `aws-config`'s default chains, optionally for a
/// named profile instead of `AWS_PROFILE`/`default`.
///
/// The order is the AWS CLI's. Credentials: a profile named here is used whole, its credentials
/// even when `AWS_ACCESS_KEY_ID` is set (as `aws --profile NAME`); without one, the environment's
/// keys come first, then the profile of `AWS_PROFILE` (or `default`), web identity, ECS and IMDS.
/// Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's `region`, then IMDS (a region
/// given to [`DefaultChain::token`] comes before all of them). A profile named here or by
/// `AWS_PROFILE` that is in neither shared file is [`Error::ProfileNotFound`]; a shared file that
/// does not parse is [`Error::ProfileFile`]; an SSO profile without a valid login is
/// [`Error::SsoLoginNeeded`].
///
/// ```no_run
/// # async fn run() -> Result<(), bedrock_token::Error> {
/// let sources = bedrock_token::DefaultChain::new().profile("dev");
/// let region = sources.region().await?;
/// let token = bedrock_token::provide_token_with(&sources.credentials_provider().await, &region, bedrock_token::DEFAULT_EXPIRY).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct DefaultChain {
    profile: Option<String>,
}

impl DefaultChain {
    /// The default chains, honouring `AWS_PROFILE`.
    ///
    /// ```
    /// let sources = bedrock_token::DefaultChain::new();
    /// # let _ = sources;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads this profile of `~/.aws/config` and `~/.aws/credentials` instead of `AWS_PROFILE`,
    /// whole: its credentials are used even when the environment has keys (as the AWS CLI's
    /// `--profile`); the region still follows `AWS_REGION` and `AWS_DEFAULT_REGION` first.
    ///
    /// ```
    /// let sources = bedrock_token::DefaultChain::new().profile("ci");
    /// # let _ = sources;
    /// ```
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// The region from `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile, or IMDS.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let region = bedrock_token::DefaultChain::new().region().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// The answer is remembered while the environment variables and shared files the chain reads
    /// stay the same ([`provide_token`] explains).
    pub async fn region(&self) -> Result<String, Error> {
        self.region_at(Fingerprint::now(self.profile.as_deref())).await
    }

    /// [`DefaultChain::region`], with what the chains read already fingerprinted.
    async fn region_at(&self, fingerprint: Fingerprint) -> Result<String, Error> {
        let profile = self.profile.as_deref();
        if let Some(region) = chain_inputs::region(profile, &fingerprint) {
            return Ok(region);
        }
        // The chain's first link alone, as for the credentials (`credentials_at` says why).
        if let Some(region) = EnvironmentVariableRegionProvider::new().region().await {
            tracing::debug!(target: "bedrock_token::chain", region = region.as_ref(), "region from the environment variables, the chain's first source");
            chain_inputs::remember_region(profile, fingerprint, region.as_ref());
            return Ok(region.as_ref().to_owned());
        }
        // A missing profile or a malformed file is the error, not the "no region" it leads to.
        crate::profile::check(profile).await?;
        match self.region_chain().region().await {
            Some(region) => {
                chain_inputs::remember_region(profile, fingerprint, region.as_ref());
                Ok(region.as_ref().to_owned())
            }
            None => Err(Error::NoRegion),
        }
    }

    /// `aws-config`'s region chain for this profile.
    fn region_chain(&self) -> DefaultRegionChain {
        let mut builder = DefaultRegionChain::builder();
        if let Some(profile) = &self.profile {
            builder = builder.profile_name(profile);
        }
        builder.build()
    }

    /// The default credentials chain (environment, profile incl. SSO, web identity, ECS, IMDS),
    /// or, for a named profile, that profile alone.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let provider = bedrock_token::DefaultChain::new().credentials_provider().await;
    /// # let _ = provider; }
    /// ```
    pub async fn credentials_provider(&self) -> SharedCredentialsProvider {
        match &self.profile {
            Some(profile) => {
                // The profile's region, for its STS and SSO calls (role assumption, SSO sign-in).
                let region = self.region_chain().region().await;
                let config = aws_config::provider_config::ProviderConfig::default().with_region(region);
                SharedCredentialsProvider::new(ProfileFileCredentialsProvider::builder().configure(&config).profile_name(profile).build())
            }
            None => SharedCredentialsProvider::new(DefaultCredentialsChain::builder().build().await),
        }
    }

    /// What [`DefaultChain::credentials`] tries, in order, for its error.
    fn sources(&self) -> String {
        match &self.profile {
            Some(profile) => format!("profile {profile:?} of the shared config and credentials files"),
            None => DEFAULT_CHAIN_SOURCES.to_owned(),
        }
    }
}

impl DefaultChain {
    /// An SDK configuration for AWS clients with this chain's credentials provider and the
    /// profile's other settings (endpoints, retries): for `region` if given, else this chain's
    /// region, else `fallback_region` (for a global service such as IAM). A profile named here or
    /// by `AWS_PROFILE` must exist, and the shared files must parse.
    #[cfg(feature = "provisioning")]
    pub(crate) async fn sdk_config(&self, region: Option<&str>, fallback_region: &str) -> Result<aws_config::SdkConfig, Error> {
        let profile = self.profile.as_deref();
        crate::profile::check(profile).await?;
        let region = match region {
            Some(region) => region.to_owned(),
            None => match self.region().await {
                Ok(region) => region,
                Err(Error::NoRegion) => fallback_region.to_owned(),
                Err(other) => return Err(other),
            },
        };
        crate::validate_region(&region)?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region))
            .credentials_provider(self.credentials_provider().await);
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        Ok(loader.load().await)
    }

    /// Loads credentials from the default chain; the error lists every source tried.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let credentials = bedrock_token::DefaultChain::new().credentials().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// The credentials are remembered while the environment variables and shared files the
    /// chain reads stay the same, until a minute before they expire ([`provide_token`] explains).
    pub async fn credentials(&self) -> Result<Credentials, Error> {
        self.credentials_at(Fingerprint::now(self.profile.as_deref())).await
    }

    /// [`DefaultChain::credentials`], with what the chains read already fingerprinted.
    async fn credentials_at(&self, fingerprint: Fingerprint) -> Result<Credentials, Error> {
        let profile = self.profile.as_deref();
        if let Some(credentials) = chain_inputs::credentials(profile, &fingerprint, SystemTime::now()) {
            return Ok(credentials);
        }
        // The chain's first link alone: with keys in the environment (CI, containers, Lambda) its
        // answer is the chain's, and the rest of the chain, whose clients load the system's root
        // certificates (most of a short process's time), is never built. A named profile skips it.
        let from_environment = match profile {
            Some(_) => None,
            None => EnvironmentVariableCredentialsProvider::new().provide_credentials().await.ok(),
        };
        let credentials = match from_environment {
            Some(credentials) => {
                tracing::debug!(target: "bedrock_token::chain", access_key_id = credentials.access_key_id(), "credentials from the environment variables, the chain's first source");
                credentials
            }
            None => {
                let facts = crate::profile::check(profile).await?;
                let loaded = load_credentials(&self.credentials_provider().await, &self.sources()).await;
                match loaded {
                    Err(Error::NoCredentials { source, .. }) if facts.sso => {
                        let profile = profile.map_or_else(crate::profile::selected, str::to_owned);
                        return Err(Error::SsoLoginNeeded { profile, source });
                    }
                    other => other?,
                }
            }
        };
        chain_inputs::remember_credentials(profile, fingerprint, &credentials);
        Ok(credentials)
    }

    /// Signs a token now with this chain's credentials, for `region` or, when it is `None`, this
    /// chain's region. What the chains read is fingerprinted once for both ([`provide_token`]
    /// explains what is remembered, and until when).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let dev = bedrock_token::DefaultChain::new().profile("dev");
    /// let token = dev.token(Some("eu-west-1"), bedrock_token::DEFAULT_EXPIRY).await?;
    /// assert_eq!(token.region(), "eu-west-1");
    /// # Ok(()) }
    /// ```
    pub async fn token(&self, region: Option<&str>, expiry: Duration) -> Result<Token, Error> {
        crate::validate_expiry(expiry)?;
        let fingerprint = Fingerprint::now(self.profile.as_deref());
        let region = match region {
            Some(region) => region.to_owned(),
            None => self.region_at(fingerprint.clone()).await?,
        };
        crate::validate_region(&region)?;
        let credentials = self.credentials_at(fingerprint).await?;
        sign_token(&credentials, &region, expiry, SystemTime::now())
    }
}

/// Resolves credentials and region through the default chains and signs a token now.
///
/// Region: `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`, IMDS. Credentials: see
/// [`DEFAULT_CHAIN_SOURCES`].
///
/// Calling it before every request is cheap: the chains' answers are remembered while what they
/// read stays the same. A change to any environment variable they read (`AWS_PROFILE`, the
/// `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN` keys, `AWS_REGION`,
/// `AWS_DEFAULT_REGION`, the file locations, …) or an edit of the shared config or credentials
/// file takes effect on the next call, and credentials within a minute of their expiry are
/// loaded again. [`clear_signing_state`](crate::clear_signing_state) forgets them.
///
/// Keys and a region in the environment are the chains' first answer, so they are asked first,
/// through `aws-config`'s own environment providers: the rest of the chains (whose HTTP clients
/// load the system's root certificates, milliseconds in a short process) is built only when the
/// environment has none.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let token = bedrock_token::provide_token(bedrock_token::DEFAULT_EXPIRY).await?;
/// // A tool that reads its key from the environment, given this one.
/// std::process::Command::new("my-bedrock-tool").env("AWS_BEARER_TOKEN_BEDROCK", token.as_str()).status()?;
/// # Ok(()) }
/// ```
pub async fn provide_token(expiry: Duration) -> Result<Token, Error> {
    DefaultChain::new().token(None, expiry).await
}
