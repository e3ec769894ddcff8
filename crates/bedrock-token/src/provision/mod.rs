//! Long-term Bedrock access per business unit, for what outlives 12 hours (servers, CI, batch).
//!
//! An IAM user `{business-unit}-bedrock-user` under `/bedrock/`, tagged for cost tracking, with a
//! Bedrock policy and optionally a key: a long-term Bedrock API key (an IAM service-specific
//! credential) or an access key pair. Every operation validates its input before any IAM call,
//! converges when run again (also narrowing what a changed request no longer asks for), has a
//! dry run, survives concurrent runs for one business unit, and reports partial failures with
//! the commands that remove what exists. Prefer short-term keys where a process can re-sign.
//!
//! One module per concern, each using only those below it:
//! - `client`: the [`Iam`] client (region, [`Partition`], retries) and its errors
//!   ([`ProvisionError`], `error`); `throttle`: IAM's `Throttling` retried until a deadline.
//! - [`input`](ProvisionRequest) (what is asked, validated), `models`, `partition`.
//! - `state` (the IAM calls that read) and `plan` (IAM as it is plus the request give the
//!   [`Action`]s), `apply` (the calls that change), `report` (what comes back).
//! - The operations: `lifecycle` (provision, rotate, deprovision, list), `audit` (reading the
//!   account in bulk with `bulk_read`), `organization` (the audit of every account of an AWS
//!   organisation, through assumed roles), `revoke`;
//!   `store` (keys delivered to, and rotated through, AWS Secrets Manager);
//!   `governance` holds their documents (the revocation deny, service control policies) and
//!   findings.
//!
//! ```no_run
//! # async fn run() -> Result<(), bedrock_token::provision::ProvisionError> {
//! use bedrock_token::provision::{BusinessUnit, Iam, KeyRequest, ProvisionRequest};
//!
//! let iam = Iam::from_env().await;
//! let request = ProvisionRequest::new(BusinessUnit::new("data-science")?, "ml-team@example.com")
//!     .key(KeyRequest::ApiKey { days: 90 });
//! let report = iam.provision(&request).await?;
//! if let Some(key) = &report.new_key {
//!     println!("store this now: {}", key.secret.expose());
//! }
//! # Ok(()) }
//! ```

mod account;
mod action;
mod apply;
mod audit;
mod bulk_read;
mod client;
mod error;
mod governance;
mod guardrails;
mod input;
mod lifecycle;
mod models;
mod organization;
mod organization_ids;
mod partition;
mod plan;
mod report;
mod revoke;
mod state;
mod store;
mod throttle;

pub use account::{AccountRole, AssumeRoleFailure, DEFAULT_ORGANIZATION_ROLE};
pub use error::ProvisionError;
pub use guardrails::{GuardrailsAction, GuardrailsReport, GUARDRAILS_POLICY_NAME};
pub use governance::{
    revoke_document, scp, AuditReport, AuditedKey, Finding, Principal, ScpOptions, BEARER_TOKEN_ACTIONS, CONSOLE_USER_PREFIX,
    DEFAULT_MAX_AGE_DAYS, EXPIRING_WITHIN_DAYS, REVOKED_KEYS_TAG, REVOKE_POLICY_NAME,
};
pub use organization::{
    AuditedAccount, NotAuditedAccount, NotAuditedReason, Organization, OrganizationAuditOptions, OrganizationAuditReport, DEFAULT_ORGANIZATION_CONCURRENCY,
    MAX_ORGANIZATION_CONCURRENCY,
};
pub use partition::Partition;
pub use revoke::RevokeOptions;
pub use store::{
    parse_grace, stored_key_id, validate_grace, RotationOptions, RotationStep, SecretStore, StoreError, StoreRotateReport, StoreTarget, StoredKey, CREATING_WINDOW,
    CURRENT, DEFAULT_GRACE, MAX_GRACE, PENDING, PREVIOUS, STORE_PREFIX,
};
pub use throttle::THROTTLING_DEADLINE;
pub use client::Iam;
pub use models::{ModelRef, PROFILE_PREFIXES};
pub use input::{
    policy_size, validate_api_key_days, validate_owner, validate_path, validate_tag, BusinessUnit, KeyRequest, PolicyChoice,
    ProvisionRequest, API_KEY_DAYS, CREATED_BY, DEFAULT_PATH, MANAGED_POLICY_LIMIT, POLICY_TAG, RESERVED_TAG_KEYS,
    USER_INLINE_POLICY_LIMIT, USER_SUFFIX,
};
pub use action::Action;
pub use report::{
    DeprovisionReport, KeyKind, KeyStatus, NewKey, ProvisionReport, ProvisionedUser, RevokeReport, RotateReport, Secret,
    SecurityWarning,
};

/// The IAM service name of long-term Bedrock API keys.
pub const API_KEY_SERVICE: &str = "bedrock.amazonaws.com";
/// The name of the inline policy that limits a user to chosen models.
pub const INLINE_POLICY_NAME: &str = "bedrock-invoke-chosen-models";
/// IAM's limit of access keys, and of service-specific credentials per service, per user.
pub const KEYS_PER_USER: usize = 2;
