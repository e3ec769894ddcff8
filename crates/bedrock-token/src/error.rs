//! The one error type of the crate.
//!
//! Every variant names the field at fault and what would have been accepted. No variant ever
//! carries a secret access key, a session token or a bearer token: user input is echoed only for
//! fields that are not secret (region, lifetime), and only in shortened form.

use std::time::{Duration, SystemTime};

/// An error from a credentials provider or an AWS SDK call, kept as the `source`. Shared, so that
/// one failed refresh can be reported to every caller that waited for it.
pub type SharedError = std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong while making, inspecting or caching a Bedrock API key.
///
/// ```
/// use bedrock_token::{Error, parse_expiry};
/// match parse_expiry("13h") {
///     Err(Error::InvalidExpiry { .. }) => {}
///     other => panic!("unexpected {other:?}"),
/// }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The token lifetime is outside 1 s ..= 43 200 s (12 h), or not whole seconds below 1 s.
    #[error("expiry: {given} is out of range; allowed 1 s to 43200 s (12 h)")]
    InvalidExpiry {
        /// What was given, as text (e.g. `"0.5 s"`, `"13h"`).
        given: String,
    },

    /// A lifetime string could not be read.
    #[error(
        "expiry: cannot read {given:?}; use seconds (\"3600\") or a duration such as \"6h\", \"30m\", \"90s\", \"1h30m\", \"6 hours\""
    )]
    UnparsableExpiry {
        /// What was given (shortened).
        given: String,
    },

    /// The region is empty or not shaped like an AWS region.
    #[error("region: {reason}")]
    InvalidRegion {
        /// The region as given (shortened).
        region: String,
        /// What is wrong and what would be accepted.
        reason: String,
    },

    /// A required credential field is empty.
    #[error("credentials: {field} is empty; set it to the value from your AWS credentials")]
    EmptyCredentialField {
        /// `"access_key_id"` or `"secret_access_key"`.
        field: &'static str,
    },

    /// The credentials had already expired at the signing time.
    #[error("credentials: expired at {}; refresh them (e.g. `aws sso login`) and try again", crate::time::rfc3339(*.expired_at))]
    CredentialsExpired {
        /// When the credentials expired.
        expired_at: SystemTime,
    },

    /// The signing time cannot be written in SigV4's `YYYYMMDDTHHMMSSZ` form.
    #[error("signing time: must lie between 1970-01-01 and 9999-12-31 UTC")]
    InvalidSigningTime,

    /// No credentials could be loaded from the credentials provider.
    #[error("no AWS credentials found; tried {tried}")]
    NoCredentials {
        /// Which sources were tried, in order.
        tried: String,
        /// What the provider answered.
        #[source]
        source: SharedError,
    },

    /// No region was given and none could be found.
    #[error(
        "no AWS region found; pass a region such as us-east-1, or set AWS_REGION, or `region` in the profile of ~/.aws/config"
    )]
    NoRegion,

    /// A string given to [`inspect_token`](crate::inspect_token) is not a Bedrock API key.
    #[error("token: {0}")]
    MalformedToken(MalformedToken),

    /// A string given to [`inspect_long_term_key`](crate::inspect_long_term_key) (or an `ABSK…`
    /// string given to [`inspect_key`](crate::inspect_key)) is not a long-term Bedrock API key.
    #[error("long-term API key: {0}")]
    MalformedLongTermKey(MalformedLongTermKey),

    /// Loading credentials took longer than the configured load timeout.
    #[error("credentials: loading took longer than the load timeout of {}", crate::time::human_duration(*.timeout))]
    LoadTimeout {
        /// The timeout that was exceeded.
        timeout: Duration,
    },

    /// A refresh stopped before it finished, e.g. because its async runtime shut down.
    #[error("refresh: the refresh task stopped before it finished (its runtime shut down?)")]
    RefreshInterrupted,

    /// The profile asked for (by name, or by `AWS_PROFILE`) is in neither shared file.
    #[error(
        "profile {profile:?} not found in {files}; create it with `aws configure --profile {profile}`, or `aws configure sso --profile {profile}` for IAM Identity Center (SSO)"
    )]
    ProfileNotFound {
        /// The profile's name.
        profile: String,
        /// The files looked in.
        files: String,
    },

    /// A shared config or credentials file cannot be read or parsed.
    #[error("AWS shared config file {file}{}: {reason}", .line.map_or(String::new(), |line| format!(", line {line}")))]
    ProfileFile {
        /// The file at fault (or both, when the parser does not say which).
        file: String,
        /// The line at fault, when the parser tells it (1-based).
        line: Option<usize>,
        /// What is wrong, in the parser's words.
        reason: String,
    },

    /// The profile signs in with IAM Identity Center (SSO) and has no valid session.
    #[error("profile {profile:?} signs in with IAM Identity Center (SSO) and has no valid session; run `aws sso login --profile {profile}`")]
    SsoLoginNeeded {
        /// The profile's name.
        profile: String,
        /// What the SSO provider answered.
        #[source]
        source: SharedError,
    },

    /// A [`TokenProvider`](crate::TokenProvider) setting is out of range.
    #[error("{field}: {reason}")]
    InvalidSetting {
        /// The builder setting at fault.
        field: &'static str,
        /// What is allowed.
        reason: String,
    },

    /// The key could not be read from the AWS Secrets Manager secret a
    /// [`TokenProvider`](crate::TokenProvider) takes it from (cargo feature `secrets-manager`).
    /// Names the secret (its name or ARN, not a secret) and never holds any part of its value.
    #[error("Secrets Manager secret {secret:?}: {failure}")]
    SecretsManager {
        /// The secret's name or ARN, as given.
        secret: String,
        /// What went wrong.
        failure: SecretsManagerFailure,
    },
}

impl Error {
    /// Whether the caller's input or settings are at fault (a region, lifetime, credential field,
    /// token string or setting), as opposed to the environment (no credentials, expired
    /// credentials, a timeout). The CLI exits 2 for these; the Python binding raises `ValueError`.
    ///
    /// ```
    /// assert!(bedrock_token::parse_expiry("13h").unwrap_err().is_invalid_input());
    /// ```
    pub fn is_invalid_input(&self) -> bool {
        match self {
            Error::InvalidExpiry { .. }
            | Error::UnparsableExpiry { .. }
            | Error::InvalidRegion { .. }
            | Error::EmptyCredentialField { .. }
            | Error::InvalidSigningTime
            | Error::NoRegion
            | Error::MalformedToken(_)
            | Error::ProfileNotFound { .. }
            | Error::MalformedLongTermKey(_)
            | Error::InvalidSetting { .. } => true,
            Error::CredentialsExpired { .. }
            | Error::NoCredentials { .. }
            | Error::LoadTimeout { .. }
            | Error::ProfileFile { .. }
            | Error::SsoLoginNeeded { .. }
            | Error::SecretsManager { .. }
            | Error::RefreshInterrupted => false,
        }
    }
}

/// Why a string is not a well-formed Bedrock API key. Never contains the token or its signature.
///
/// ```
/// use bedrock_token::{inspect_token, Error, MalformedToken};
/// let err = inspect_token("hello").unwrap_err();
/// assert!(matches!(err, Error::MalformedToken(MalformedToken::MissingPrefix)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedToken {
    /// Does not start with `bedrock-api-key-`.
    #[error("does not start with \"bedrock-api-key-\"")]
    MissingPrefix,
    /// The part after the prefix is not standard base64.
    #[error("the part after \"bedrock-api-key-\" is not valid base64")]
    BadBase64,
    /// The decoded bytes are not UTF-8.
    #[error("the decoded URL is not UTF-8")]
    NotUtf8,
    /// The decoded URL does not point at `bedrock.amazonaws.com/`.
    #[error("the decoded URL is not for host bedrock.amazonaws.com")]
    WrongHost,
    /// The query's `Action` is not `CallWithBearerToken`.
    #[error("Action is not CallWithBearerToken")]
    WrongAction,
    /// A required query parameter is missing.
    #[error("query parameter {0} is missing")]
    MissingParameter(&'static str),
    /// A query parameter appears twice.
    #[error("query parameter {0} appears more than once")]
    DuplicateParameter(String),
    /// A query parameter's value cannot be read.
    #[error("query parameter {0} is malformed")]
    BadParameter(&'static str),
    /// Given to [`inspect_key`](crate::inspect_key): neither prefix of a Bedrock API key.
    #[error("starts with neither \"bedrock-api-key-\" (a short-term key) nor \"ABSK\" (a long-term key)")]
    NotAnApiKey,
}

/// Why a string is not a well-formed long-term Bedrock API key (`ABSK` + base64 of
/// `{user}-at-{account}[-{suffix}]:{secret}`). Never contains the key or any part of it.
///
/// ```
/// use bedrock_token::{inspect_long_term_key, Error, MalformedLongTermKey};
/// let err = inspect_long_term_key("ABSK!!").unwrap_err();
/// assert!(matches!(err, Error::MalformedLongTermKey(MalformedLongTermKey::BadBase64)));
/// assert_eq!(err.to_string(), "long-term API key: the part after \"ABSK\" is not valid base64");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MalformedLongTermKey {
    /// Does not start with `ABSK`.
    #[error("does not start with \"ABSK\"")]
    MissingPrefix,
    /// The part after the prefix is not standard base64 (with padding).
    #[error("the part after \"ABSK\" is not valid base64")]
    BadBase64,
    /// The decoded bytes are not UTF-8.
    #[error("the decoded key is not UTF-8")]
    NotUtf8,
    /// No `:` between the public part and the secret, or nothing after it.
    #[error("no secret part: expected \"{{user}}-at-{{account}}:{{secret}}\" after decoding")]
    NoSecret,
    /// The public part has no `-at-` between the IAM user name and the account.
    #[error("no \"-at-\" between the IAM user name and the account id")]
    NoAccount,
    /// What follows `-at-` is not a 12-digit account id.
    #[error("the account id after \"-at-\" is not 12 digits")]
    BadAccount,
    /// The part before `-at-` is not an IAM user name.
    #[error("the IAM user name before \"-at-\" is not 1 to 64 letters, digits or +=,.@_-")]
    BadUserName,
    /// What follows the account id is not printable ASCII.
    #[error("the suffix after the account id is not printable ASCII")]
    BadSuffix,
}

/// Why the key could not be read from an AWS Secrets Manager secret ([`Error::SecretsManager`]).
/// Never contains the secret's value or any part of it.
///
/// ```
/// use bedrock_token::{Error, SecretsManagerFailure};
/// let err = Error::SecretsManager {
///     secret: "prod/bedrock-key".into(),
///     failure: SecretsManagerFailure::MalformedValue { field: "kind", reason: "missing".into() },
/// };
/// assert_eq!(err.to_string(), "Secrets Manager secret \"prod/bedrock-key\": its value is not a key bedrock-token wrote: kind: missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretsManagerFailure {
    /// No secret of that name or ARN in the region (`ResourceNotFoundException`).
    #[error("not found in region {region}; check the name or ARN and the region")]
    NotFound {
        /// The region asked.
        region: String,
    },
    /// The caller may not read the secret or decrypt it (`AccessDeniedException`, or KMS refused
    /// `kms:Decrypt`): the service's message.
    #[error("access denied; the reader needs secretsmanager:DescribeSecret, secretsmanager:GetSecretValue and kms:Decrypt on the secret's KMS key ({message})")]
    AccessDenied {
        /// The service's code and message.
        message: String,
    },
    /// The secret is scheduled for deletion.
    #[error("scheduled for deletion; restore it with `aws secretsmanager restore-secret` or point the provider at another secret")]
    MarkedForDeletion,
    /// No version of the secret carries the `AWSCURRENT` label, or it has no value.
    #[error("has no AWSCURRENT version with a value")]
    NoCurrentVersion,
    /// The current version holds binary data (`SecretBinary`), not the JSON text of a key.
    #[error("its value is binary (SecretBinary); expected the JSON text of a key in SecretString")]
    NotText,
    /// The value is not the JSON of a key (`{"kind":…,"id":…,"secret":…}`): names the field at
    /// fault and what it must be, never its value.
    #[error("its value is not a key bedrock-token wrote: {field}: {reason}")]
    MalformedValue {
        /// The JSON field at fault, or `value` for the whole.
        field: &'static str,
        /// What it must be.
        reason: String,
    },
    /// `kind` names a kind of key this version does not read.
    #[error("its value is not a key bedrock-token wrote: kind: {kind} is not one of \"api-key\", \"access-key\"")]
    UnknownKind {
        /// The kind as given (shortened; never key material).
        kind: String,
    },
    /// The long-term API key in the secret expired (IAM's expiry, the value's `expires_at`).
    #[error("the API key it holds expired at {}; rotate the key", crate::time::rfc3339(*.expired_at))]
    KeyExpired {
        /// When it expired.
        expired_at: SystemTime,
    },
    /// Secrets Manager could not be reached (connection, DNS, TLS): the innermost causes.
    #[error("Secrets Manager could not be reached: {message}")]
    Unreachable {
        /// The innermost causes, on one line.
        message: String,
    },
    /// Secrets Manager refused the call for another reason: its code and message.
    #[error("Secrets Manager refused: {message}")]
    Refused {
        /// The service's code and message.
        message: String,
    },
}

/// An error and its causes on one line, e.g. `no AWS credentials found; tried …: <cause>`: for
/// a command's stderr or a binding's exception message.
///
/// ```
/// let err = bedrock_token::parse_expiry("13h").unwrap_err();
/// assert_eq!(bedrock_token::error_chain(&err), "expiry: 13h is out of range; allowed 1 s to 43200 s (12 h)");
/// ```
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// User input as an error may echo it: only when it is short and plainly not key material (a
/// region, a lifetime), so a secret pasted into the wrong field is never shown, not even in part.
pub(crate) fn shorten(input: &str) -> String {
    let harmless = |c: char| c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.');
    if input.chars().count() <= 24 && input.chars().all(harmless) {
        input.to_owned()
    } else {
        format!("<{} characters, not shown>", input.chars().count())
    }
}

#[cfg(test)]
mod tests {
    use super::Error;
    use std::time::Duration;

    #[test]
    fn durations_are_in_human_units() {
        let timeout = Error::LoadTimeout { timeout: Duration::from_millis(1500) };
        assert_eq!(timeout.to_string(), "credentials: loading took longer than the load timeout of 1.5 s");
        let timeout = Error::LoadTimeout { timeout: Duration::from_secs(90) };
        assert_eq!(timeout.to_string(), "credentials: loading took longer than the load timeout of 90 s (1 min 30 s)");
    }

    #[test]
    fn echoes_only_short_plain_input() {
        assert_eq!(super::shorten("US-EAST-1"), "US-EAST-1");
        assert_eq!(super::shorten("6 fortnights"), "6 fortnights");
        assert_eq!(super::shorten("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), "<40 characters, not shown>");
        assert_eq!(super::shorten("abc/def"), "<7 characters, not shown>");
    }
}
