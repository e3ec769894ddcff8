//! Tokens from any credentials provider, for an explicit region: no default chain involved.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::{error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;

use crate::{sign_token, Error, Token};

/// Signs a token now with credentials from any provider, for an explicit region.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), bedrock_token::Error> {
/// use aws_credential_types::Credentials;
/// let static_keys = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
/// let token = bedrock_token::provide_token_with(&static_keys, "us-west-2", bedrock_token::DEFAULT_EXPIRY).await?;
/// assert_eq!(token.region(), "us-west-2");
/// # Ok(()) }
/// ```
pub async fn provide_token_with(
    credentials_provider: &impl ProvideCredentials,
    region: &str,
    expiry: Duration,
) -> Result<Token, Error> {
    crate::validate_region(region)?;
    crate::validate_expiry(expiry)?;
    let credentials = load_credentials(credentials_provider, "the given credentials provider").await?;
    sign_token(&credentials, region, expiry, SystemTime::now())
}

/// Loads credentials, turning the provider's failure into [`Error::NoCredentials`].
pub(crate) async fn load_credentials(
    provider: &impl ProvideCredentials,
    tried: &str,
) -> Result<Credentials, Error> {
    provider
        .provide_credentials()
        .await
        .map_err(|source| no_credentials(source, tried))
}

fn no_credentials(source: CredentialsError, tried: &str) -> Error {
    Error::NoCredentials {
        tried: tried.to_owned(),
        source: std::sync::Arc::new(source),
    }
}
