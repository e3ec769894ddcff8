//! What provisioning is asked to do, validated before any IAM call, with errors naming the field.

use std::fmt;

use super::models::ModelRef;
use super::{Partition, ProvisionError};

/// The suffix of every provisioned IAM user name.
pub const USER_SUFFIX: &str = "-bedrock-user";
/// The IAM path provisioned users live under by default.
pub const DEFAULT_PATH: &str = "/bedrock/";
/// The tag that marks a user as created (and so removable) by this library.
pub const CREATED_BY: (&str, &str) = ("created-by", "bedrock-token");
/// Tag keys this library sets itself; extra tags may not use them.
pub const RESERVED_TAG_KEYS: [&str; 5] = ["business-unit", "purpose", "owner", "created-by", POLICY_TAG];
/// The tag that records which managed policy this library attached (`limited`, `full`, a policy
/// ARN, or `models` for the inline policy), so that a re-run with another policy detaches it and
/// never a policy somebody else attached.
pub const POLICY_TAG: &str = "bedrock-policy";

fn invalid(field: &'static str, reason: impl Into<String>) -> ProvisionError {
    ProvisionError::InvalidInput {
        field,
        reason: reason.into(),
    }
}

/// A business unit: lowercase letters, digits and hyphens; the IAM user is `{unit}-bedrock-user`.
///
/// ```
/// use bedrock_token::provision::BusinessUnit;
/// assert_eq!(BusinessUnit::new("data-science")?.user_name(), "data-science-bedrock-user");
/// assert!(BusinessUnit::new("Data Science").is_err());
/// # Ok::<(), bedrock_token::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessUnit(String);

impl BusinessUnit {
    /// The longest business unit whose user name fits IAM's 64 characters.
    pub const MAX_LEN: usize = 64 - USER_SUFFIX.len();

    /// Checks `name`: 1 to 51 of `[a-z0-9-]`, not starting or ending with `-`.
    ///
    /// ```
    /// assert!(bedrock_token::provision::BusinessUnit::new("-sales").is_err());
    /// ```
    pub fn new(name: &str) -> Result<Self, ProvisionError> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err(invalid("business_unit", format!("must be 1 to {} characters", Self::MAX_LEN)));
        }
        if !name.chars().all(allowed) || name.starts_with('-') || name.ends_with('-') {
            return Err(invalid(
                "business_unit",
                "use lowercase letters, digits and hyphens (e.g. data-science), not starting or ending with '-'",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The IAM user name, `{unit}-bedrock-user`.
    ///
    /// ```
    /// # let unit = bedrock_token::provision::BusinessUnit::new("sales")?;
    /// assert_eq!(unit.user_name(), "sales-bedrock-user");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn user_name(&self) -> String {
        format!("{}{USER_SUFFIX}", self.0)
    }

    /// The business unit as given.
    ///
    /// ```
    /// # let unit = bedrock_token::provision::BusinessUnit::new("sales")?;
    /// assert_eq!(unit.as_str(), "sales");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BusinessUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an owner email address (stored in the `owner` tag).
///
/// ```
/// assert!(bedrock_token::provision::validate_owner("ml-team@example.com").is_ok());
/// assert!(bedrock_token::provision::validate_owner("ml-team").is_err());
/// ```
pub fn validate_owner(owner: &str) -> Result<(), ProvisionError> {
    let reason = "must be an email address such as team@example.com";
    let (local, domain) = owner.split_once('@').ok_or_else(|| invalid("owner", reason))?;
    let local_ok = !local.is_empty()
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let domain_ok = domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if owner.len() > 254 || !local_ok || !domain_ok {
        return Err(invalid("owner", reason));
    }
    Ok(())
}

/// Checks an IAM path: starts and ends with `/`, at most 512 printable ASCII characters.
///
/// ```
/// assert!(bedrock_token::provision::validate_path("/bedrock/").is_ok());
/// assert!(bedrock_token::provision::validate_path("bedrock").is_err());
/// ```
pub fn validate_path(path: &str) -> Result<(), ProvisionError> {
    let printable = path.chars().all(|c| ('!'..='~').contains(&c));
    if !path.starts_with('/') || !path.ends_with('/') || path.len() > 512 || !printable {
        return Err(invalid("path", "must start and end with '/' (e.g. /bedrock/), at most 512 characters"));
    }
    Ok(())
}

/// Checks an extra tag: key 1–128 and value 0–256 characters of IAM's tag alphabet, not one of
/// the [`RESERVED_TAG_KEYS`].
///
/// ```
/// assert!(bedrock_token::provision::validate_tag("cost-center", "4711").is_ok());
/// assert!(bedrock_token::provision::validate_tag("owner", "x@example.com").is_err());
/// ```
pub fn validate_tag(key: &str, value: &str) -> Result<(), ProvisionError> {
    let alphabet = |s: &str| s.chars().all(|c| c.is_alphanumeric() || " _.:/=+-@".contains(c));
    if key.is_empty() || key.chars().count() > 128 || !alphabet(key) || key.starts_with("aws:") {
        return Err(invalid("tag", "keys are 1 to 128 letters, digits, spaces or _.:/=+-@ and may not start with aws:"));
    }
    if value.chars().count() > 256 || !alphabet(value) {
        return Err(invalid("tag", "values are up to 256 letters, digits, spaces or _.:/=+-@"));
    }
    if RESERVED_TAG_KEYS.contains(&key) {
        return Err(invalid("tag", format!("{key} is set by bedrock-token itself; reserved: {}", RESERVED_TAG_KEYS.join(", "))));
    }
    Ok(())
}

/// The days a long-term Bedrock API key lives: IAM allows 1 to 36 600.
pub const API_KEY_DAYS: std::ops::RangeInclusive<u32> = 1..=36_600;

/// Checks the lifetime in days of a long-term Bedrock API key.
///
/// ```
/// assert!(bedrock_token::provision::validate_api_key_days(90).is_ok());
/// assert!(bedrock_token::provision::validate_api_key_days(0).is_err());
/// ```
pub fn validate_api_key_days(days: u32) -> Result<(), ProvisionError> {
    if !API_KEY_DAYS.contains(&days) {
        return Err(invalid("api_key_days", format!("{days} is out of range; allowed 1 to 36600 days")));
    }
    Ok(())
}

/// Which policy the user gets.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyChoice {
    /// `AmazonBedrockLimitedAccess`: least privilege, what the Bedrock console attaches for API keys.
    Limited,
    /// `AmazonBedrockFullAccess`.
    Full,
    /// Any managed policy ARN.
    Arn(String),
    /// An inline policy allowing invocation of these models only (IDs, ARNs or inference profiles; see [`ModelRef`]).
    InvokeModels(Vec<String>),
}

impl PolicyChoice {
    /// Reads `limited`, `full` or a policy ARN.
    ///
    /// ```
    /// use bedrock_token::provision::PolicyChoice;
    /// assert_eq!(PolicyChoice::parse("limited")?, PolicyChoice::Limited);
    /// assert!(PolicyChoice::parse("admin").is_err());
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, ProvisionError> {
        match text {
            "limited" => Ok(Self::Limited),
            "full" => Ok(Self::Full),
            arn if is_policy_arn(arn) => Ok(Self::Arn(arn.to_owned())),
            _ => Err(ProvisionError::InvalidInput {
                field: "policy",
                reason: "use limited, full, or a policy ARN (arn:aws:iam::…:policy/…)".into(),
            }),
        }
    }

    /// The choice from a command line or binding: an inline policy for `models` when any are
    /// given, else [`PolicyChoice::parse`] of `policy`.
    ///
    /// ```
    /// use bedrock_token::provision::PolicyChoice;
    /// assert_eq!(PolicyChoice::from_policy_or_models("full", vec![])?, PolicyChoice::Full);
    /// let arn = "arn:aws:bedrock:us-east-1::foundation-model/x".to_owned();
    /// assert_eq!(PolicyChoice::from_policy_or_models("full", vec![arn.clone()])?, PolicyChoice::InvokeModels(vec![arn]));
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn from_policy_or_models(policy: &str, models: Vec<String>) -> Result<Self, ProvisionError> {
        if models.is_empty() {
            Self::parse(policy)
        } else {
            Ok(Self::InvokeModels(models))
        }
    }

    fn validate(&self, partition: Partition) -> Result<(), ProvisionError> {
        let other_partition = |field, given: &str| ProvisionError::InvalidInput {
            field,
            reason: format!("{given} is in the {} partition, but IAM here is in {partition}", given.split(':').nth(1).unwrap_or_default()),
        };
        match self {
            Self::Arn(arn) if !is_policy_arn(arn) || arn.len() > 256 => Err(ProvisionError::InvalidInput {
                field: "policy",
                reason: format!("a policy ARN looks like arn:{partition}:iam::aws:policy/NAME, at most 256 characters"),
            }),
            Self::Arn(arn) if arn.split(':').nth(1) != Some(partition.as_str()) => Err(other_partition("policy", arn)),
            Self::InvokeModels(models) if models.is_empty() => {
                Err(ProvisionError::InvalidInput { field: "models", reason: "give one or more models".into() })
            }
            Self::InvokeModels(models) => models.iter().try_for_each(|model| match ModelRef::parse(model)?.partition() {
                Some(given) if given != partition.as_str() => Err(other_partition("models", model)),
                _ => Ok(()),
            }),
            _ => Ok(()),
        }
    }
}

impl PolicyChoice {
    /// The managed policy to attach in `partition`: none for [`PolicyChoice::InvokeModels`].
    ///
    /// ```
    /// use bedrock_token::provision::{Partition, PolicyChoice};
    /// assert_eq!(PolicyChoice::Full.managed_arn(Partition::Aws).as_deref(), Some("arn:aws:iam::aws:policy/AmazonBedrockFullAccess"));
    /// assert_eq!(PolicyChoice::Limited.managed_arn(Partition::AwsUsGov).as_deref(), Some("arn:aws-us-gov:iam::aws:policy/AmazonBedrockLimitedAccess"));
    /// assert_eq!(PolicyChoice::InvokeModels(vec![]).managed_arn(Partition::Aws), None);
    /// ```
    pub fn managed_arn(&self, partition: Partition) -> Option<String> {
        match self {
            Self::Limited => Some(partition.aws_managed_policy("AmazonBedrockLimitedAccess")),
            Self::Full => Some(partition.aws_managed_policy("AmazonBedrockFullAccess")),
            Self::Arn(arn) => Some(arn.clone()),
            Self::InvokeModels(_) => None,
        }
    }

    /// The inline policy document (JSON): only for [`PolicyChoice::InvokeModels`]. It allows
    /// `bedrock:InvokeModel` and `bedrock:InvokeModelWithResponseStream` (which also cover
    /// Converse and ConverseStream) on those models, each resolved by [`ModelRef`], and the use
    /// of API keys on both Bedrock endpoints: `bedrock:CallWithBearerToken` and
    /// `bedrock-mantle:CallWithBearerToken` (the OpenAI-compatible one).
    ///
    /// ```
    /// use bedrock_token::provision::{Partition, PolicyChoice};
    /// let models = PolicyChoice::InvokeModels(vec!["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0".into()]);
    /// assert!(models.inline_document(Partition::Aws).unwrap().contains("us-east-1::foundation-model/amazon.nova-pro-v1:0"));
    /// assert_eq!(PolicyChoice::Limited.inline_document(Partition::Aws), None);
    /// ```
    pub fn inline_document(&self, partition: Partition) -> Option<String> {
        let Self::InvokeModels(models) = self else { return None };
        let invoke = serde_json::json!(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]);
        let mut statements: Vec<serde_json::Value> = Vec::new();
        for (index, model) in models.iter().enumerate() {
            // Validated before any document is made; an invalid one grants nothing.
            if let Ok(model) = ModelRef::parse(model) {
                statements.extend(model.statements(partition, &invoke, index + 1));
            }
        }
        statements.push(serde_json::json!({
            "Sid": "UseBedrockApiKeys",
            "Effect": "Allow",
            "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"],
            "Resource": "*",
        }));
        Some(serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string())
    }

    /// The value of the [`POLICY_TAG`] that records this choice on the user.
    fn tag_value(&self) -> String {
        match self {
            Self::Limited => "limited".into(),
            Self::Full => "full".into(),
            Self::Arn(arn) => arn.clone(),
            Self::InvokeModels(_) => "models".into(),
        }
    }
}

/// The managed policy this library recorded, in the user's [`POLICY_TAG`], as the one it
/// attached: only that one is ever detached, never a policy an administrator attached, even one
/// of the Bedrock policies this library offers.
pub(super) fn policy_we_attached(policy_tag: Option<&str>, partition: Partition) -> Option<String> {
    match policy_tag? {
        "limited" => PolicyChoice::Limited.managed_arn(partition),
        "full" => PolicyChoice::Full.managed_arn(partition),
        arn if is_policy_arn(arn) => Some(arn.to_owned()),
        _ => None,
    }
}

fn is_policy_arn(arn: &str) -> bool {
    arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":policy/")
}

/// IAM's limit on the inline policies of one user, together, in characters without white space.
pub const USER_INLINE_POLICY_LIMIT: usize = 2_048;
/// IAM's limit on one customer-managed policy, in characters without white space.
pub const MANAGED_POLICY_LIMIT: usize = 6_144;

/// A policy document's size as IAM counts it: characters that are not white space.
///
/// ```
/// assert_eq!(bedrock_token::provision::policy_size(r#"{"Version": "2012-10-17"}"#), 24);
/// ```
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Where the models policy goes: inline while it leaves room beside it for the revocation deny
/// (so that the user can always be revoked), else a customer-managed policy.
pub(super) fn models_policy_inline(document: &str) -> bool {
    let reserve = policy_size(&super::revoke_document(std::time::UNIX_EPOCH));
    policy_size(document) + reserve <= USER_INLINE_POLICY_LIMIT
}

/// Which key provisioning creates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRequest {
    /// No key: the user only carries the policy.
    None,
    /// An IAM access key pair.
    AccessKey,
    /// A long-term Bedrock API key that IAM expires after `days` (1 ..= 36 600).
    ApiKey {
        /// Days until IAM expires the key.
        days: u32,
    },
}

/// What to provision.
///
/// ```
/// use bedrock_token::provision::{BusinessUnit, KeyRequest, PolicyChoice, ProvisionRequest};
/// let request = ProvisionRequest::new(BusinessUnit::new("sales")?, "sales-ops@example.com")
///     .policy(PolicyChoice::Full)
///     .key(KeyRequest::AccessKey)
///     .tag("cost-center", "4711")
///     .dry_run(true);
/// # let _ = request;
/// # Ok::<(), bedrock_token::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ProvisionRequest {
    pub(super) business_unit: BusinessUnit,
    owner: String,
    pub(super) path: String,
    pub(super) policy: PolicyChoice,
    pub(super) key: KeyRequest,
    tags: Vec<(String, String)>,
    pub(super) dry_run: bool,
    pub(super) force: bool,
}

impl ProvisionRequest {
    /// A request with the defaults: path `/bedrock/`, `AmazonBedrockLimitedAccess`, no key.
    ///
    /// ```
    /// # use bedrock_token::provision::{BusinessUnit, ProvisionRequest};
    /// let request = ProvisionRequest::new(BusinessUnit::new("sales")?, "ops@example.com");
    /// # let _ = request;
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn new(business_unit: BusinessUnit, owner: impl Into<String>) -> Self {
        Self {
            business_unit,
            owner: owner.into(),
            path: DEFAULT_PATH.to_owned(),
            policy: PolicyChoice::Limited,
            key: KeyRequest::None,
            tags: Vec::new(),
            dry_run: false,
            force: false,
        }
    }

    /// The IAM path (default `/bedrock/`).
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.path("/teams/");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The policy (default [`PolicyChoice::Limited`]).
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.policy(bedrock_token::provision::PolicyChoice::Full);
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn policy(mut self, policy: PolicyChoice) -> Self {
        self.policy = policy;
        self
    }

    /// The key to create (default none).
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.key(bedrock_token::provision::KeyRequest::ApiKey { days: 30 });
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn key(mut self, key: KeyRequest) -> Self {
        self.key = key;
        self
    }

    /// An extra tag besides `business-unit`, `purpose`, `owner` and `created-by`.
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.tag("cost-center", "4711");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tags.push((key.into(), value.into()));
        self
    }

    /// Only report the plan; change nothing.
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.dry_run(true);
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn dry_run(mut self, dry_run: bool) -> Self {
        self.dry_run = dry_run;
        self
    }

    /// Adopt an existing user that bedrock-token did not create.
    ///
    /// ```
    /// # let r = bedrock_token::provision::ProvisionRequest::new(bedrock_token::provision::BusinessUnit::new("a")?, "a@example.com");
    /// let r = r.force(true);
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }

    /// Checks every field for IAM in `partition`; gives all tags the user carries, ours
    /// included, sorted by key.
    pub(super) fn validate(&self, partition: Partition) -> Result<Vec<(String, String)>, ProvisionError> {
        validate_owner(&self.owner)?;
        validate_path(&self.path)?;
        self.policy.validate(partition)?;
        if let Some(document) = self.policy.inline_document(partition) {
            let size = policy_size(&document);
            if size > MANAGED_POLICY_LIMIT {
                return Err(invalid(
                    "models",
                    format!("these models make a policy of {size} characters; IAM allows {MANAGED_POLICY_LIMIT} in a managed policy: give fewer models"),
                ));
            }
        }
        if let KeyRequest::ApiKey { days } = self.key {
            validate_api_key_days(days)?;
        }
        let mut tags = vec![
            ("business-unit".to_owned(), self.business_unit.to_string()),
            ("purpose".to_owned(), "bedrock".to_owned()),
            ("owner".to_owned(), self.owner.clone()),
            (CREATED_BY.0.to_owned(), CREATED_BY.1.to_owned()),
            (POLICY_TAG.to_owned(), self.policy.tag_value()),
        ];
        for (key, value) in &self.tags {
            validate_tag(key, value)?;
            if tags.iter().any(|(k, _)| k == key) {
                return Err(ProvisionError::InvalidInput { field: "tag", reason: format!("{key} is given twice") });
            }
            tags.push((key.clone(), value.clone()));
        }
        if tags.len() > 50 {
            return Err(ProvisionError::InvalidInput { field: "tag", reason: "IAM allows at most 50 tags, 5 of them ours".into() });
        }
        tags.sort();
        Ok(tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_units() {
        for good in ["sales", "data-science", "team42", &"a".repeat(51)] {
            assert!(BusinessUnit::new(good).is_ok(), "{good}");
        }
        for bad in ["", "Sales", "data_science", "data science", "-x", "x-", "é", &"a".repeat(52)] {
            let err = BusinessUnit::new(bad).unwrap_err().to_string();
            assert!(err.starts_with("business_unit: "), "{bad}: {err}");
        }
        assert_eq!(BusinessUnit::new(&"a".repeat(51)).unwrap().user_name().len(), 64);
    }

    #[test]
    fn owners_paths_tags_days() {
        assert!(validate_owner("first.last+bedrock@sub.example.co").is_ok());
        for bad in ["", "x", "@example.com", "x@", "x@example", "x y@example.com", "x@exa_mple.com"] {
            assert!(validate_owner(bad).unwrap_err().to_string().starts_with("owner: "), "{bad}");
        }
        assert!(validate_path("/").is_ok() && validate_path("/a/b/").is_ok());
        for bad in ["", "/a", "a/", "/a b/"] {
            assert!(validate_path(bad).is_err(), "{bad}");
        }
        assert!(validate_tag("team", "").is_ok());
        for (k, v) in [("", "x"), ("aws:x", "x"), ("k", "bad\"quote"), ("created-by", "me")] {
            assert!(validate_tag(k, v).unwrap_err().to_string().starts_with("tag: "), "{k}={v}");
        }
        assert!(validate_api_key_days(1).is_ok() && validate_api_key_days(36_600).is_ok());
        assert_eq!(validate_api_key_days(36_601).unwrap_err().to_string(), "api_key_days: 36601 is out of range; allowed 1 to 36600 days");
    }
}
