//! Everything provisioning can fail with.

use super::account::AssumeRoleFailure;
use super::action::Action;
use super::report::KeyKind;
use super::KEYS_PER_USER;
use crate::SharedError;

/// Everything provisioning can fail with. Input errors come before any IAM call.
///
/// ```
/// use bedrock_token::provision::{BusinessUnit, ProvisionError};
/// assert!(matches!(BusinessUnit::new("Sales"), Err(ProvisionError::InvalidInput { field: "business_unit", .. })));
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ProvisionError {
    /// A request field is invalid; nothing was sent to IAM.
    #[error("{field}: {reason}")]
    InvalidInput {
        /// The field at fault.
        field: &'static str,
        /// What is allowed.
        reason: String,
    },
    /// The user exists but was not created by bedrock-token.
    #[error("user {user} exists but is not tagged created-by=bedrock-token; {action} it anyway only with force")]
    NotManaged {
        /// The user.
        user: String,
        /// What was refused.
        action: &'static str,
    },
    /// The user does not exist.
    #[error("user {0} does not exist; provision it first")]
    NoSuchUser(String),
    /// No Bedrock API key with this id exists in the account.
    #[error("no Bedrock API key {0} in this account; `bedrock-token audit` lists them")]
    NoSuchKey(String),
    /// IAM's per-user key limit leaves no room for another key.
    #[error("user {user} already has {KEYS_PER_USER} {kind}s ({}), IAM's limit; remove one first: {fix}", existing.join(", "))]
    KeyLimit {
        /// The user.
        user: String,
        /// Which kind of key.
        kind: KeyKind,
        /// The existing key ids.
        existing: Vec<String>,
        /// The command that removes the oldest.
        fix: String,
    },
    /// IAM may have created a key whose answer, and so its secret, never arrived: the key is
    /// active and nobody holds its secret. Nothing else was lost.
    #[error("{kind} {id} of {user} was created, but the answer carrying its secret was lost ({cause}); unless another run created it, delete it ({fix}) and provision again")]
    KeyLost {
        /// The user.
        user: String,
        /// Which kind of key.
        kind: KeyKind,
        /// The key IAM holds now that this run cannot account for.
        id: String,
        /// Why the answer was lost.
        cause: String,
        /// The command that deletes the key.
        fix: String,
    },
    /// Other runs kept changing the same user; this run gave up after its rounds.
    #[error("user {user} kept changing under concurrent runs after {rounds} attempts; run provision again")]
    Contended {
        /// The user.
        user: String,
        /// How many times this run re-read and re-planned.
        rounds: u32,
    },
    /// An IAM call failed.
    #[error("IAM {operation} failed: {message}")]
    Iam {
        /// The IAM operation.
        operation: &'static str,
        /// IAM's error code (`AccessDenied`, `Throttling`, …), if it sent one.
        code: Option<String>,
        /// IAM's message.
        message: String,
        /// The HTTP status of IAM's answer, when one came. A 5xx status means IAM failed while
        /// handling the request: whether it took effect is unknown.
        status: Option<u16>,
        /// The SDK's error, for callers that want more than code and message. Not a `source()`:
        /// its text repeats the message with the SDK's internals.
        sdk_error: SharedError,
    },
    /// IAM could not be reached (name resolution, connection, TLS, timeout, a cut-off answer), so
    /// nothing is known about what IAM holds. Never treated as "absent".
    #[error(
        "IAM {operation}: could not reach {endpoint} ({cause}); check the network and any proxy (HTTPS_PROXY), or point to another IAM endpoint with AWS_ENDPOINT_URL_IAM"
    )]
    Unreachable {
        /// The IAM operation.
        operation: &'static str,
        /// The endpoint it tried.
        endpoint: String,
        /// The innermost causes, on one line.
        cause: String,
    },
    /// A call to AWS Organizations, STS or Secrets Manager failed, or could not reach the service.
    #[error("{service} {operation} failed: {message}")]
    Service {
        /// `Organizations`, `STS`, `Secrets Manager` or `Bedrock`.
        service: &'static str,
        /// The operation.
        operation: &'static str,
        /// The service's error code (`AccessDenied`, `AWSOrganizationsNotInUseException`, …), if
        /// it answered with one.
        code: Option<String>,
        /// The service's message, or why it could not be reached.
        message: String,
    },
    /// A rotation through a secret finished less than its grace period ago: the old key, which
    /// readers may still hold, stays active until then, and IAM's limit of two keys leaves no
    /// room for another. Finish the rotation after `until`.
    #[error("secret {secret}: the last rotation of {user} is in its grace period: old key {old} stays active until {}; finish that rotation then, before rotating again", crate::rfc3339(*until))]
    InGracePeriod {
        /// The user.
        user: String,
        /// The secret's ARN.
        secret: String,
        /// The old key (the one `AWSPREVIOUS` holds).
        old: String,
        /// When the grace period ends.
        until: std::time::SystemTime,
    },
    /// Another rotation through the secret recorded, less than [`CREATING_WINDOW`] ago, that it
    /// is creating a key and has not stored it yet: it may still be running, and its key must
    /// not be taken for a stopped rotation's. A rotation that stopped at that step is resumed
    /// (and its key deleted) once the record is older; `finish` is not refused.
    ///
    /// [`CREATING_WINDOW`]: super::CREATING_WINDOW
    #[error("secret {secret}: another rotation of {user} recorded at {} that it is creating a key and has not stored it; it may still be running. Run again after {}: a rotation stopped at that step is then resumed, and its key deleted", crate::rfc3339(*since), crate::rfc3339(*until))]
    RotationInProgress {
        /// The user.
        user: String,
        /// The secret, as named.
        secret: String,
        /// When the other rotation recorded it.
        since: std::time::SystemTime,
        /// When the record stops standing for a running rotation.
        until: std::time::SystemTime,
    },
    /// A service control policy has the name of the guardrails policy but is not tagged
    /// `created-by=bedrock-token`: it is someone else's, and is left as it is.
    #[error("service control policy {name} ({id}) exists but is not tagged created-by=bedrock-token; bedrock-token leaves it as it is: rename or delete it, or tag it created-by=bedrock-token to let bedrock-token manage it")]
    ForeignPolicy {
        /// The policy's name.
        name: String,
        /// The policy's id.
        id: String,
    },
    /// A role could not be assumed in another account ([`Iam::in_account`](super::Iam::in_account)):
    /// nothing was done there.
    #[error("could not assume {role_arn}: {message}")]
    AssumeRole {
        /// The account (12 digits).
        account: String,
        /// The role's name.
        role: String,
        /// The role's ARN, in the caller's partition.
        role_arn: String,
        /// Why, as a code.
        reason: AssumeRoleFailure,
        /// What STS answered, and what it means.
        message: String,
    },
    /// A step failed after others succeeded: what exists now, and how to remove it.
    #[error("{failed} failed ({source}); done before it: [{}]; to remove: [{}]", completed.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "), cleanup.join("; "))]
    Partial {
        /// The step that failed.
        failed: Box<Action>,
        /// The steps that succeeded, in order.
        completed: Vec<Action>,
        /// Commands that remove what the completed steps created, in the order to run them.
        cleanup: Vec<String>,
        /// Why the step failed.
        #[source]
        source: Box<ProvisionError>,
    },
}

impl ProvisionError {
    /// Whether the request was at fault (CLI exit 2) rather than IAM or the account (exit 1).
    ///
    /// ```
    /// assert!(bedrock_token::provision::BusinessUnit::new("").unwrap_err().is_invalid_input());
    /// ```
    pub fn is_invalid_input(&self) -> bool {
        matches!(self, ProvisionError::InvalidInput { .. } | ProvisionError::NotManaged { .. } | ProvisionError::ForeignPolicy { .. })
    }

    /// IAM's error code, when IAM answered with one (`EntityAlreadyExists`, `LimitExceeded`, …).
    ///
    /// ```
    /// # use bedrock_token::provision::ProvisionError;
    /// let err = ProvisionError::NoSuchUser("sales-bedrock-user".into());
    /// assert_eq!(err.iam_code(), None);
    /// ```
    pub fn iam_code(&self) -> Option<&str> {
        match self {
            ProvisionError::Iam { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// Whether nothing is known of what the request did: no answer came
    /// ([`ProvisionError::Unreachable`]), or IAM failed while handling it (a 5xx answer).
    ///
    /// ```
    /// # use bedrock_token::provision::ProvisionError;
    /// let lost = ProvisionError::Unreachable { operation: "CreateAccessKey", endpoint: "https://iam.amazonaws.com".into(), cause: "connection reset".into() };
    /// assert!(lost.outcome_unknown());
    /// ```
    pub fn outcome_unknown(&self) -> bool {
        match self {
            ProvisionError::Unreachable { .. } => true,
            ProvisionError::Iam { status, .. } => status.is_some_and(|s| s >= 500),
            _ => false,
        }
    }
}
