//! [`TokenProvider`] as the AWS SDKs' bearer-token provider
//! ([`ProvideToken`](aws_credential_types::provider::token::ProvideToken)).

use aws_credential_types::provider::{error::TokenError, future, token::ProvideToken};

use super::TokenProvider;

/// Hands an AWS SDK client (`aws-sdk-bedrockruntime`, `aws-sdk-bedrock`) this provider's tokens.
///
/// Each token goes to the SDK with its refresh point as its expiry, so the SDK's identity cache
/// comes back for a new one when this provider would replace it, never later. A token past its
/// refresh point but still valid (a refresh running, or failing, beside it) is handed over as
/// already expired, so the SDK asks again on its next request. Errors are
/// [`TokenError::ProviderError`] with this crate's [`Error`](crate::Error) as the source.
///
/// ```no_run
/// # async fn run() {
/// use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
/// use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
///
/// let provider = bedrock_token::TokenProvider::builder().region("us-east-1").build().unwrap();
/// let config = aws_sdk_bedrockruntime::Config::builder()
///     .behavior_version(BehaviorVersion::latest())
///     .region(Region::new("us-east-1"))
///     .token_provider(provider)
///     .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
///     .build();
/// let client = aws_sdk_bedrockruntime::Client::from_conf(config);
/// # let _ = client; }
/// ```
impl ProvideToken for TokenProvider {
    fn provide_token<'a>(&'a self) -> future::ProvideToken<'a>
    where
        Self: 'a,
    {
        future::ProvideToken::new(async move {
            let token = self.token().await.map_err(TokenError::provider_error)?;
            let expiry = self.keep_until(&token);
            Ok(aws_credential_types::Token::new(token.as_str(), Some(expiry)))
        })
    }
}
