//! Account-wide governance of Bedrock API keys: the audit's findings, the deny that revokes
//! short-term keys issued before a time, and service control policies that limit long-term keys.
//! Pure data and documents; the IAM calls are [`Iam::audit`](super::Iam::audit) and
//! [`Iam::revoke_tokens`](super::Iam::revoke_tokens).
//!
//! What each document stops follows AWS's request context for Bedrock API keys: the action is
//! `bedrock:CallWithBearerToken` on Bedrock and `bedrock-mantle:CallWithBearerToken` on Bedrock
//! Mantle, each with its own `…:BearerTokenType` key (`SHORT_TERM` or `LONG_TERM`), and
//! `aws:TokenIssueTime` is present only for temporary credentials.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Serialize, Serializer};

use super::report::opt_rfc3339;
use super::{ProvisionError, API_KEY_SERVICE, CREATED_BY};

/// The name of the inline policy that [`Iam::revoke_tokens`](super::Iam::revoke_tokens) puts on a
/// user or role.
pub const REVOKE_POLICY_NAME: &str = "bedrock-token-revoke-bearer-tokens";
/// The user tag in which a revocation records the keys it deactivated (ids separated by spaces),
/// so that undoing it activates exactly those again.
pub const REVOKED_KEYS_TAG: &str = "bedrock-token-revoked-keys";
/// The IAM actions that use Bedrock API keys: Bedrock's own endpoints and Bedrock Mantle, the
/// OpenAI-compatible one. Denying both stops every API key.
pub const BEARER_TOKEN_ACTIONS: [&str; 2] = ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"];
/// The audit's default: keys older than this many days are a finding.
pub const DEFAULT_MAX_AGE_DAYS: u64 = 90;
/// Keys expiring within this many days are a finding.
pub const EXPIRING_WITHIN_DAYS: u64 = 7;
/// The user-name prefix of the IAM users the Bedrock console creates for long-term API keys.
pub const CONSOLE_USER_PREFIX: &str = "BedrockAPIKey-";

/// A user or role, the principals short-term keys are made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "name", rename_all = "kebab-case")]
pub enum Principal {
    /// An IAM user.
    User(String),
    /// An IAM role (its sessions sign short-term keys).
    Role(String),
}

impl std::fmt::Display for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Principal::User(name) => write!(f, "user {name}"),
            Principal::Role(name) => write!(f, "role {name}"),
        }
    }
}

/// The inline policy that denies every Bedrock API key whose signing credentials were issued
/// before `before` (`aws:TokenIssueTime`), AWS's documented way to invalidate issued tokens.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// let doc = bedrock_token::provision::revoke_document(UNIX_EPOCH + Duration::from_secs(1_767_225_600));
/// let doc: serde_json::Value = serde_json::from_str(&doc).unwrap();
/// assert_eq!(doc["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"], "2026-01-01T00:00:00Z");
/// ```
pub fn revoke_document(before: SystemTime) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "RevokeBedrockApiKeysIssuedBefore",
            "Effect": "Deny",
            "Action": BEARER_TOKEN_ACTIONS,
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": crate::rfc3339(before)}},
        }],
    })
    .to_string()
}

/// The time in force in a revocation document: the `DateLessThan aws:TokenIssueTime` of its
/// statements (the latest, if several); none for a document of another shape.
pub(crate) fn revoked_before(document: &serde_json::Value) -> Option<SystemTime> {
    let statements = document["Statement"].as_array()?;
    statements
        .iter()
        .filter_map(|s| s["Condition"]["DateLessThan"]["aws:TokenIssueTime"].as_str())
        .filter_map(|text| chrono::DateTime::parse_from_rfc3339(text).ok())
        .map(SystemTime::from)
        .max()
}

/// What [`scp`] puts in a service control policy.
///
/// ```
/// let options = bedrock_token::provision::ScpOptions { max_key_age_days: Some(30), ..Default::default() };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScpOptions {
    /// Deny creating long-term Bedrock API keys that live longer than this, or never expire.
    pub max_key_age_days: Option<u32>,
    /// Deny creating long-term Bedrock API keys at all, and deny using any (`bedrock:BearerTokenType`).
    pub deny_long_term: bool,
    /// Deny every Bedrock API key, short-term and long-term, on both endpoints.
    pub deny_bearer: bool,
}

impl ScpOptions {
    /// Checks the options: a maximum key age is 1 to 36 600 days, IAM's range for key lifetimes.
    ///
    /// ```
    /// use bedrock_token::provision::ScpOptions;
    /// assert!(ScpOptions { max_key_age_days: Some(0), ..Default::default() }.validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), ProvisionError> {
        match self.max_key_age_days {
            Some(days) if !super::API_KEY_DAYS.contains(&days) => Err(ProvisionError::InvalidInput {
                field: "max_key_age_days",
                reason: format!("{days} is out of range; allowed 1 to 36600 days"),
            }),
            _ => Ok(()),
        }
    }

    /// What the policy [`scp`] makes of these options stops, once attached to accounts or OUs,
    /// one sentence each.
    ///
    /// ```
    /// let options = bedrock_token::provision::ScpOptions { deny_long_term: true, ..Default::default() };
    /// assert!(options.stops().iter().any(|s| s.contains("Bedrock Mantle")));
    /// ```
    pub fn stops(&self) -> Vec<String> {
        let mut stops = Vec::new();
        if self.deny_bearer {
            stops.push("every Bedrock API key, short-term and long-term, on Bedrock and Bedrock Mantle".to_owned());
        }
        if self.deny_long_term {
            stops.push("creating long-term Bedrock API keys".to_owned());
            stops.push("using long-term Bedrock API keys on Bedrock (bedrock:BearerTokenType) and on Bedrock Mantle (bedrock-mantle:BearerTokenType)".to_owned());
        } else if let Some(days) = self.max_key_age_days {
            stops.push(format!("creating long-term Bedrock API keys that live longer than {days} days or never expire"));
        }
        stops
    }

    /// What the policy does not stop, one sentence each: what an administrator must not assume.
    ///
    /// ```
    /// let options = bedrock_token::provision::ScpOptions::default();
    /// assert!(options.does_not_stop().iter().any(|s| s.contains("management account")));
    /// ```
    pub fn does_not_stop(&self) -> Vec<String> {
        let mut left = vec!["anything in the organization's management account: service control policies do not apply to it".to_owned()];
        if !self.deny_bearer {
            left.push("short-term Bedrock API keys (bedrock-api-key-…): they carry the signer's own permissions".to_owned());
        }
        if !self.deny_long_term && !self.deny_bearer {
            left.push("long-term Bedrock API keys that exist already: audit them, revoke them by id".to_owned());
        }
        left
    }
}

/// A service control policy (JSON) that limits Bedrock API keys across an organisation, with
/// AWS's condition keys `iam:ServiceSpecificCredentialServiceName`,
/// `iam:ServiceSpecificCredentialAgeDays` and `bedrock:BearerTokenType`.
///
/// ```
/// use bedrock_token::provision::{scp, ScpOptions};
/// let policy = scp(&ScpOptions { deny_long_term: true, ..Default::default() });
/// assert!(policy.to_string().contains("bedrock:BearerTokenType"));
/// ```
pub fn scp(options: &ScpOptions) -> serde_json::Value {
    let bedrock_keys = serde_json::json!({"iam:ServiceSpecificCredentialServiceName": API_KEY_SERVICE});
    let mut statements = Vec::new();
    if let Some(days) = options.max_key_age_days.filter(|_| !options.deny_long_term) {
        statements.push(serde_json::json!({
            "Sid": "DenyBedrockApiKeysLivingLongerThanMax",
            "Effect": "Deny",
            "Action": "iam:CreateServiceSpecificCredential",
            "Resource": "*",
            "Condition": {"StringEquals": bedrock_keys, "NumericGreaterThan": {"iam:ServiceSpecificCredentialAgeDays": days.to_string()}},
        }));
        statements.push(serde_json::json!({
            "Sid": "DenyBedrockApiKeysThatNeverExpire",
            "Effect": "Deny",
            "Action": "iam:CreateServiceSpecificCredential",
            "Resource": "*",
            "Condition": {"StringEquals": bedrock_keys, "Null": {"iam:ServiceSpecificCredentialAgeDays": "true"}},
        }));
    }
    if options.deny_long_term {
        statements.push(serde_json::json!({
            "Sid": "DenyCreatingLongTermBedrockApiKeys",
            "Effect": "Deny",
            "Action": "iam:CreateServiceSpecificCredential",
            "Resource": "*",
            "Condition": {"StringEquals": bedrock_keys},
        }));
        // Each service has its own condition key: on Bedrock Mantle `bedrock:BearerTokenType` is
        // absent, so one statement over both actions would deny nothing there.
        statements.push(serde_json::json!({
            "Sid": "DenyUsingLongTermBedrockApiKeys",
            "Effect": "Deny",
            "Action": "bedrock:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}},
        }));
        statements.push(serde_json::json!({
            "Sid": "DenyUsingLongTermBedrockMantleApiKeys",
            "Effect": "Deny",
            "Action": "bedrock-mantle:CallWithBearerToken",
            "Resource": "*",
            "Condition": {"StringEquals": {"bedrock-mantle:BearerTokenType": "LONG_TERM"}},
        }));
    }
    if options.deny_bearer {
        statements.push(serde_json::json!({"Sid": "DenyAllBedrockApiKeys", "Effect": "Deny", "Action": BEARER_TOKEN_ACTIONS, "Resource": "*"}));
    }
    serde_json::json!({"Version": "2012-10-17", "Statement": statements})
}

/// One thing the audit flags about a key or its user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Finding {
    /// The key never expires.
    NoExpiry,
    /// The key is older than the audit's maximum age.
    OlderThanMaxAge {
        /// Its age in whole days.
        age_days: u64,
        /// The maximum.
        max_age_days: u64,
    },
    /// The key expires within [`EXPIRING_WITHIN_DAYS`].
    ExpiresSoon {
        /// When.
        #[serde(serialize_with = "time")]
        expires_at: SystemTime,
    },
    /// The key is inactive or expired: it should be deleted.
    Inactive {
        /// IAM's status (`Inactive` or `Expired`).
        status: String,
    },
    /// The user was made by the Bedrock console (`BedrockAPIKey-…`).
    ConsoleUser,
    /// The user was made by something other than this tool (no `created-by=bedrock-token` tag).
    NotCreatedByBedrockToken,
    /// The user also holds IAM access keys, which reach beyond Bedrock.
    UserHasAccessKeys {
        /// How many.
        count: usize,
    },
}

fn time<S: Serializer>(time: &SystemTime, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&crate::rfc3339(*time))
}

/// One Bedrock API key in the account, with its user and what the audit flags.
#[derive(Debug, Clone, Serialize)]
pub struct AuditedKey {
    /// The service-specific credential id.
    pub key_id: String,
    /// The IAM user it belongs to.
    pub user_name: String,
    /// The user's IAM path.
    pub user_path: String,
    /// `Active`, `Inactive` or `Expired`.
    pub status: String,
    /// When it was created.
    #[serde(serialize_with = "opt_rfc3339")]
    pub created_at: Option<SystemTime>,
    /// When it expires; none: never.
    #[serde(serialize_with = "opt_rfc3339")]
    pub expires_at: Option<SystemTime>,
    /// Whole days since creation.
    pub age_days: u64,
    /// The user's tags.
    pub user_tags: BTreeMap<String, String>,
    /// The managed policies attached to the user.
    pub attached_policies: Vec<String>,
    /// What is wrong, if anything.
    pub findings: Vec<Finding>,
}

/// The audit of every Bedrock API key in the account. Its JSON form is stable: see the README.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    /// When the audit ran.
    #[serde(serialize_with = "time")]
    pub audited_at: SystemTime,
    /// The maximum age it applied.
    pub max_age_days: u64,
    /// Every key, sorted by user and key id.
    pub keys: Vec<AuditedKey>,
    /// How many findings in all (0: clean).
    pub findings: usize,
}

/// What a user is, for the audit: name, path, tags, attached policies, active access keys.
pub(crate) struct AuditedUser {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) attached: Vec<String>,
    pub(crate) access_keys: usize,
}

/// The findings for one key of `user` at `now`.
pub(crate) fn findings(user: &AuditedUser, status: &str, created_at: Option<SystemTime>, expires_at: Option<SystemTime>, now: SystemTime, max_age_days: u64) -> (u64, Vec<Finding>) {
    let age_days = created_at.and_then(|c| now.duration_since(c).ok()).map_or(0, |d| d.as_secs() / 86_400);
    let mut found = Vec::new();
    match expires_at {
        None => found.push(Finding::NoExpiry),
        Some(at) if at > now && at <= now + Duration::from_secs(EXPIRING_WITHIN_DAYS * 86_400) => found.push(Finding::ExpiresSoon { expires_at: at }),
        Some(_) => {}
    }
    if age_days > max_age_days {
        found.push(Finding::OlderThanMaxAge { age_days, max_age_days });
    }
    if status != "Active" {
        found.push(Finding::Inactive { status: status.to_owned() });
    }
    if user.name.starts_with(CONSOLE_USER_PREFIX) {
        found.push(Finding::ConsoleUser);
    } else if user.tags.get(CREATED_BY.0).map(String::as_str) != Some(CREATED_BY.1) {
        found.push(Finding::NotCreatedByBedrockToken);
    }
    if user.access_keys > 0 {
        found.push(Finding::UserHasAccessKeys { count: user.access_keys });
    }
    (age_days, found)
}

impl Finding {
    /// The finding as a sentence.
    ///
    /// ```
    /// assert_eq!(bedrock_token::provision::Finding::NoExpiry.message(), "never expires");
    /// ```
    pub fn message(&self) -> String {
        match self {
            Finding::NoExpiry => "never expires".into(),
            Finding::OlderThanMaxAge { age_days, max_age_days } => format!("{age_days} days old, more than {max_age_days}"),
            Finding::ExpiresSoon { expires_at } => format!("expires soon, at {}", crate::rfc3339(*expires_at)),
            Finding::Inactive { status } => format!("{status}: delete it"),
            Finding::ConsoleUser => "user made by the Bedrock console".into(),
            Finding::NotCreatedByBedrockToken => "user not made by bedrock-token".into(),
            Finding::UserHasAccessKeys { count } => format!("user also holds {count} IAM access key(s), which reach beyond Bedrock"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, ours: bool, access_keys: usize) -> AuditedUser {
        let tags = if ours { BTreeMap::from([(CREATED_BY.0.to_owned(), CREATED_BY.1.to_owned())]) } else { BTreeMap::new() };
        AuditedUser { name: name.into(), path: "/".into(), tags, attached: vec![], access_keys }
    }

    #[test]
    fn each_finding_and_a_clean_key() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let day = Duration::from_secs(86_400);
        let ours = user("sales-bedrock-user", true, 0);
        assert_eq!(findings(&ours, "Active", Some(now - day * 10), Some(now + day * 30), now, 90), (10, vec![]));
        let (_, found) = findings(&ours, "Expired", Some(now - day * 100), Some(now + day * 3), now, 90);
        assert_eq!(found, [Finding::ExpiresSoon { expires_at: now + day * 3 }, Finding::OlderThanMaxAge { age_days: 100, max_age_days: 90 }, Finding::Inactive { status: "Expired".into() }]);
        let (_, found) = findings(&user("BedrockAPIKey-abcd", false, 1), "Active", Some(now), None, now, 90);
        assert_eq!(found, [Finding::NoExpiry, Finding::ConsoleUser, Finding::UserHasAccessKeys { count: 1 }]);
        let (_, found) = findings(&user("someone", false, 0), "Active", Some(now), Some(now + day * 60), now, 90);
        assert_eq!(found, [Finding::NotCreatedByBedrockToken]);
    }

    #[test]
    fn scp_statements_use_aws_names() {
        let limited = scp(&ScpOptions { max_key_age_days: Some(30), ..Default::default() });
        let statements = limited["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(statements[0]["Condition"]["NumericGreaterThan"]["iam:ServiceSpecificCredentialAgeDays"], "30");
        assert_eq!(statements[1]["Condition"]["Null"]["iam:ServiceSpecificCredentialAgeDays"], "true");
        for statement in statements {
            assert_eq!(statement["Condition"]["StringEquals"]["iam:ServiceSpecificCredentialServiceName"], API_KEY_SERVICE);
            assert_eq!((&statement["Effect"], &statement["Action"]), (&"Deny".into(), &"iam:CreateServiceSpecificCredential".into()));
        }
        let all = scp(&ScpOptions { max_key_age_days: Some(30), deny_long_term: true, deny_bearer: true });
        let sids: Vec<&str> = all["Statement"].as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap()).collect();
        assert_eq!(sids, ["DenyCreatingLongTermBedrockApiKeys", "DenyUsingLongTermBedrockApiKeys", "DenyUsingLongTermBedrockMantleApiKeys", "DenyAllBedrockApiKeys"]);
        assert_eq!(all["Statement"][1]["Condition"]["StringEquals"]["bedrock:BearerTokenType"], "LONG_TERM");
        assert_eq!(all["Statement"][2]["Condition"]["StringEquals"]["bedrock-mantle:BearerTokenType"], "LONG_TERM");
        assert_eq!(all["Statement"][3]["Action"], serde_json::json!(BEARER_TOKEN_ACTIONS));
    }
}
