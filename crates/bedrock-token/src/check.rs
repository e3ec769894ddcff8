//! What `bedrock-token check` proves, step by step: whose credentials these are (STS
//! GetCallerIdentity), the token they make and how long it really lasts, which foundation models
//! the region offers (Bedrock ListFoundationModels, called with the token), and, given a model,
//! that Bedrock Runtime accepts the token (one minimal Converse call with it).
//!
//! Every client follows the SDK's endpoint overrides (`AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_BEDROCK`, `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`, `AWS_ENDPOINT_URL`, a
//! profile's `services`).
//!
//! ```no_run
//! # async fn run() -> Result<(), bedrock_token::check::CheckError> {
//! use bedrock_token::check::Checker;
//!
//! let checker = Checker::from_env(Some("us-east-1".into()), None).await?;
//! println!("{}", checker.identity().await?.arn);
//! let token = checker.token(bedrock_token::DEFAULT_EXPIRY)?;
//! println!("usable for {:?}", token.usable());
//! for model in checker.foundation_models(&token.token, Some("Anthropic")).await? {
//!     println!("{} {}", model.id, model.status);
//! }
//! println!("{}", checker.converse(&token.token, "amazon.nova-lite-v1:0").await?);
//! # Ok(()) }
//! ```

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, InferenceConfiguration, Message};
use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;

use crate::sdk_error::{classify, configured_endpoint, Failure};
use crate::{sign_token, validate_region, DefaultChain, Error, Token};

/// A failed step of a check.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// No region, no credentials, or a token that cannot be signed.
    #[error(transparent)]
    Token(#[from] Error),
    /// No answer came back (connection refused, DNS, TLS, timeout).
    #[error("{operation}: could not reach {endpoint}: {cause} (set AWS_ENDPOINT_URL_{env} or a proxy to point it elsewhere)")]
    Unreachable {
        /// The operation, e.g. `STS GetCallerIdentity`.
        operation: &'static str,
        /// The endpoint tried.
        endpoint: String,
        /// The SDK's service name in `AWS_ENDPOINT_URL_…`.
        env: &'static str,
        /// The innermost causes, on one line.
        cause: String,
    },
    /// The service answered with an error.
    #[error("{operation} failed: {message}")]
    Refused {
        /// The operation.
        operation: &'static str,
        /// The service's error code, e.g. `AccessDeniedException`.
        code: Option<String>,
        /// `code: message`, on one line.
        message: String,
    },
    /// The provider asked for has no foundation model in the region.
    #[error("Bedrock ListFoundationModels: no foundation models from provider {provider:?} in {region} (providers there: {})", .providers.join(", "))]
    NoModels {
        /// The provider asked for.
        provider: String,
        /// The region asked.
        region: String,
        /// The providers the region does list, sorted.
        providers: Vec<String>,
    },
}

/// A foundation model as Bedrock's ListFoundationModels describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundationModel {
    /// The model ID to invoke it with, e.g. `anthropic.claude-3-haiku-20240307-v1:0`.
    pub id: String,
    /// Its name, e.g. `Claude 3 Haiku`.
    pub name: String,
    /// Its provider, e.g. `Anthropic`.
    pub provider: String,
    /// Its lifecycle status: `ACTIVE`, or `LEGACY` for a model on its way out.
    pub status: String,
}

/// The identity the credentials belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The 12-digit account.
    pub account: String,
    /// The user's or role session's ARN.
    pub arn: String,
    /// The unique id of the user or role session.
    pub user_id: String,
}

/// A token as signed for the check, with what shortened it.
#[derive(Debug, Clone)]
pub struct TokenCheck {
    /// The token.
    pub token: Token,
    /// The lifetime asked for.
    pub requested: Duration,
    /// When the signing credentials expire, if they do (a role session, SSO, a credential process).
    pub credentials_expire_at: Option<SystemTime>,
}

impl TokenCheck {
    /// How long the token really works: its lifetime, cut short by the credentials' expiry.
    pub fn usable(&self) -> Duration {
        self.token.expires_at().duration_since(self.token.issued_at()).unwrap_or(Duration::ZERO)
    }

    /// Whether the credentials' expiry, not the lifetime asked for, ends the token.
    pub fn capped_by_credentials(&self) -> bool {
        self.usable() < self.requested
    }
}

/// The region, the credentials (loaded once, so every step uses the same) and the SDK
/// configuration of a check.
#[derive(Debug)]
pub struct Checker {
    region: String,
    credentials: Credentials,
    config: aws_config::SdkConfig,
}

impl Checker {
    /// Resolves the region (`region`, else the default chain) and loads the credentials of the
    /// default chain (of `profile`, else `AWS_PROFILE`), as `bedrock-token token` does.
    pub async fn from_env(region: Option<String>, profile: Option<String>) -> Result<Self, CheckError> {
        let chain = match &profile {
            Some(profile) => DefaultChain::new().profile(profile.clone()),
            None => DefaultChain::new(),
        };
        let region = match region {
            Some(region) => region,
            None => chain.region().await?,
        };
        validate_region(&region)?;
        let credentials = chain.credentials().await?;
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .credentials_provider(SharedCredentialsProvider::new(credentials.clone()));
        if let Some(profile) = profile {
            loader = loader.profile_name(profile);
        }
        Ok(Self { region, credentials, config: loader.load().await })
    }

    /// The region every step uses.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Step 1: who the credentials belong to (STS GetCallerIdentity).
    pub async fn identity(&self) -> Result<CallerIdentity, CheckError> {
        const OPERATION: &str = "STS GetCallerIdentity";
        let sts = aws_sdk_sts::Client::new(&self.config);
        let answer = sts.get_caller_identity().send().await.map_err(|err| {
            let endpoint = configured_endpoint(&self.config, "STS", &format!("https://sts.{}.amazonaws.com", self.region));
            service_error(OPERATION, "STS", endpoint, err)
        })?;
        Ok(CallerIdentity {
            account: answer.account.unwrap_or_default(),
            arn: answer.arn.unwrap_or_default(),
            user_id: answer.user_id.unwrap_or_default(),
        })
    }

    /// Step 2: a token signed now for `expiry`, and how long it really lasts.
    pub fn token(&self, expiry: Duration) -> Result<TokenCheck, CheckError> {
        let token = sign_token(&self.credentials, &self.region, expiry, SystemTime::now())?;
        Ok(TokenCheck { token, requested: expiry, credentials_expire_at: self.credentials.expiry() })
    }

    /// Step 3: the foundation models the region offers, of `provider` only if given (matched
    /// without regard to case, as Bedrock does), sorted by provider and ID. The call carries
    /// `token` alone (the bearer scheme), so it also proves the token works. A provider with no
    /// model is [`CheckError::NoModels`], naming the providers there are.
    pub async fn foundation_models(&self, token: &Token, provider: Option<&str>) -> Result<Vec<FoundationModel>, CheckError> {
        let config = aws_sdk_bedrock::config::Builder::from(&self.config)
            .token_provider(bearer(token))
            .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
            .build();
        let client = aws_sdk_bedrock::Client::from_conf(config);
        let list = |provider: Option<&str>| {
            let request = client.list_foundation_models().set_by_provider(provider.map(str::to_owned));
            async move {
                let answer = request.send().await.map_err(|err| {
                    let default = format!("https://bedrock.{}.amazonaws.com", self.region);
                    service_error("Bedrock ListFoundationModels", "BEDROCK", configured_endpoint(&self.config, "Bedrock", &default), err)
                })?;
                let mut models: Vec<FoundationModel> = answer
                    .model_summaries()
                    .iter()
                    .map(|m| FoundationModel {
                        id: m.model_id().to_owned(),
                        name: m.model_name().unwrap_or_default().to_owned(),
                        provider: m.provider_name().unwrap_or_default().to_owned(),
                        status: m.model_lifecycle().map_or("", |l| l.status().as_str()).to_owned(),
                    })
                    .collect();
                models.sort_by(|a, b| (&a.provider, &a.id).cmp(&(&b.provider, &b.id)));
                Ok::<_, CheckError>(models)
            }
        };
        let models = list(provider).await?;
        match provider {
            Some(provider) if models.is_empty() => {
                let mut providers: Vec<String> = list(None).await?.into_iter().map(|m| m.provider).collect();
                providers.dedup();
                Err(CheckError::NoModels { provider: provider.to_owned(), region: self.region.clone(), providers })
            }
            _ => Ok(models),
        }
    }

    /// Step 4: one minimal Converse call to `model_id` authenticated by `token` alone (the bearer
    /// scheme, no SigV4), returning the model's text.
    pub async fn converse(&self, token: &Token, model_id: &str) -> Result<String, CheckError> {
        const OPERATION: &str = "Bedrock Runtime Converse";
        let config = aws_sdk_bedrockruntime::config::Builder::from(&self.config)
            .token_provider(bearer(token))
            .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
            .build();
        let client = aws_sdk_bedrockruntime::Client::from_conf(config);
        let hello = Message::builder()
            .role(ConversationRole::User)
            .content(ContentBlock::Text("Say hello.".to_owned()))
            .build()
            .expect("role and content are set");
        let answer = client
            .converse()
            .model_id(model_id)
            .messages(hello)
            .inference_config(InferenceConfiguration::builder().max_tokens(16).build())
            .send()
            .await
            .map_err(|err| {
                let default = format!("https://bedrock-runtime.{}.amazonaws.com", self.region);
                service_error(OPERATION, "BEDROCK_RUNTIME", configured_endpoint(&self.config, "Bedrock Runtime", &default), err)
            })?;
        let text = answer.output().and_then(|o| o.as_message().ok()).map(|m| m.content()).unwrap_or_default();
        Ok(text.iter().filter_map(|block| block.as_text().ok()).cloned().collect::<Vec<_>>().join(" "))
    }
}

/// `token` as the SDK's bearer identity, expiring with it.
fn bearer(token: &Token) -> aws_credential_types::Token {
    aws_credential_types::Token::new(token.as_str(), Some(token.expires_at()))
}

fn service_error<E, R>(operation: &'static str, env: &'static str, endpoint: String, err: SdkError<E, R>) -> CheckError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match classify(&err) {
        Failure::Unreachable(cause) => CheckError::Unreachable { operation, endpoint, env, cause },
        Failure::Refused { code, message } => CheckError::Refused { operation, code, message },
    }
}
