//! Amazon Bedrock API keys for Rust.
//!
//! * **Short-term keys** (`bedrock-api-key-…`), signed locally with no network call and
//!   byte-identical to AWS's official generators: [`sign_token`] at an explicit time,
//!   [`provide_token`] from the default credential and region chains.
//! * **[`TokenProvider`]**: a cached source that re-signs before expiry, loads credentials once
//!   for any number of concurrent callers, and keeps serving a valid token while a refresh fails.
//! * **Inspection** of any Bedrock API key with [`inspect_key`]: a short-term key's region, key id
//!   and lifetime ([`inspect_token`]), a long-term key's IAM user and account
//!   ([`inspect_long_term_key`]); never a secret.
//!
//! Cargo features: `default-chains` (default) reads credentials and the region the way the AWS
//! SDKs do, through `aws-config`; without it the crate compiles no AWS SDK crate, and a
//! [`TokenProvider`] needs an explicit region and credentials provider. `provisioning` (IAM
//! users, policies and long-term keys), `check` (STS and Bedrock calls) and `secrets-manager` (a
//! [`TokenProvider`] whose key comes from an AWS Secrets Manager secret) add AWS SDK clients.
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use aws_credential_types::Credentials;
//!
//! let credentials = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
//! let token = bedrock_token::sign_token(&credentials, "us-east-1", Duration::from_secs(6 * 3600), SystemTime::now())?;
//! // Send `Authorization: Bearer <token>` to Bedrock, or export it as AWS_BEARER_TOKEN_BEDROCK.
//! let header = format!("Bearer {}", token.as_str());
//! # assert!(header.len() > 100);
//! # Ok::<(), bedrock_token::Error>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "default-chains")]
mod chain;
#[cfg(feature = "default-chains")]
mod chain_inputs;
#[cfg(feature = "check")]
pub mod check;
mod credentials;
mod error;
mod expiry;
mod inspect;
mod lock;
mod long_term_key;
mod openai;
#[cfg(feature = "default-chains")]
mod profile;
mod provider;
#[cfg(feature = "provisioning")]
pub mod provision;
mod region;
#[cfg(any(feature = "provisioning", feature = "check", feature = "secrets-manager"))]
mod sdk_error;
mod secret;
mod sign;
mod time;
mod token;

#[cfg(feature = "default-chains")]
pub use chain::{provide_token, DefaultChain, DEFAULT_CHAIN_SOURCES};
pub use credentials::provide_token_with;
pub use error::{error_chain, Error, MalformedLongTermKey, MalformedToken, SecretsManagerFailure, SharedError};
pub use expiry::{parse_expiry, validate_expiry, DEFAULT_EXPIRY, MAX_EXPIRY, MIN_EXPIRY};
pub use inspect::{inspect_key, inspect_token, KeyInfo, TokenInfo};
pub use long_term_key::{inspect_long_term_key, LongTermKeyInfo, LONG_TERM_KEY_PREFIX};
pub use openai::{openai_base_url, OpenAiEndpoint};
pub use provider::{block_on, ProviderStatus, TokenProvider, TokenProviderBuilder, DEFAULT_LOAD_TIMEOUT, LOAD_GRACE};
#[cfg(feature = "secrets-manager")]
pub use provider::{DEFAULT_SECRETS_MANAGER_POLL_INTERVAL, MAX_SECRETS_MANAGER_POLL_INTERVAL, MIN_SECRETS_MANAGER_POLL_INTERVAL};
pub use region::validate_region;
pub use sign::{clear_signing_state, sign_token, sign_token_from_keys, TOKEN_PREFIX};
pub use time::{human_duration, rfc3339};
pub use token::{Token, REDACTED_TOKEN};

/// Re-exported so callers can build credentials and providers without naming another crate.
pub use aws_credential_types::{
    provider::{error::CredentialsError, future as provider_future, ProvideCredentials},
    Credentials,
};
/// Re-exported for [`TokenProviderBuilder::time_source`] and [`TokenProviderBuilder::sleep_impl`].
pub use aws_smithy_async::{rt::sleep::AsyncSleep, time::TimeSource};

/// The Rust snippets of README.md, run as doc tests by `scripts/readme-snippets`, which sets
/// `--cfg readme_snippets` and the example keys they sign with.
#[cfg(all(doctest, readme_snippets))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeSnippets;

/// The Rust snippets of docs/rust.md, run like README.md's.
#[cfg(all(doctest, readme_snippets))]
#[doc = include_str!("../../../docs/rust.md")]
pub struct ReadmeSnippetsRustGuide;

/// The Rust snippets of this crate's README (its crates.io page), run like README.md's.
#[cfg(all(doctest, readme_snippets))]
#[doc = include_str!("../README.md")]
pub struct ReadmeSnippetsCrateReadme;
