//! Long-term Bedrock access per business unit, for what outlives 12 hours (servers, CI, batch).
//!
//! An IAM user `{business-unit}-bedrock-user` under `/bedrock/`, tagged for cost tracking, with a
//! Bedrock policy and optionally a key: a long-term Bedrock API key (an IAM service-specific
//! credential) or an access key pair. Every operation validates its input before any IAM call,
//! converges when run again, has a dry run, and reports partial failures with the commands that
//! remove what exists. Prefer short-term keys where a process can re-sign.
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

mod iam;
mod input;
mod plan;
mod report;

pub use iam::Iam;
pub use input::{
    validate_api_key_days, validate_owner, validate_path, validate_tag, BusinessUnit, API_KEY_DAYS, CREATED_BY,
    DEFAULT_PATH, RESERVED_TAG_KEYS, USER_SUFFIX,
};
pub use plan::Action;
pub use report::{
    DeprovisionReport, KeyKind, KeyStatus, NewKey, ProvisionReport, ProvisionedUser, RotateReport, Secret,
    SecurityWarning,
};

use crate::SharedError;

/// The IAM service name of long-term Bedrock API keys.
pub const API_KEY_SERVICE: &str = "bedrock.amazonaws.com";
/// The name of the inline policy that limits a user to chosen models.
pub const INLINE_POLICY_NAME: &str = "bedrock-invoke-chosen-models";
/// IAM's limit of access keys, and of service-specific credentials per service, per user.
pub const KEYS_PER_USER: usize = 2;

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
    #[error("user {user} exists but is not tagged created-by=bedrock-token; pass --force to {action} it anyway")]
    NotManaged {
        /// The user.
        user: String,
        /// What was refused.
        action: &'static str,
    },
    /// The user does not exist.
    #[error("user {0} does not exist; create it with `bedrock-token provision`")]
    NoSuchUser(String),
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
    /// An IAM call failed.
    #[error("IAM {operation} failed: {message}")]
    Iam {
        /// The IAM operation.
        operation: &'static str,
        /// IAM's error code (`AccessDenied`, `Throttling`, …), if it sent one.
        code: Option<String>,
        /// IAM's message.
        message: String,
        /// The SDK error.
        #[source]
        source: SharedError,
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
        matches!(self, ProvisionError::InvalidInput { .. } | ProvisionError::NotManaged { .. })
    }
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
    /// An inline policy allowing `bedrock:InvokeModel*` and `bedrock:Converse*` on these model ARNs only.
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

    fn validate(&self) -> Result<(), ProvisionError> {
        match self {
            Self::Arn(arn) if !is_policy_arn(arn) => Err(ProvisionError::InvalidInput {
                field: "policy",
                reason: "a policy ARN looks like arn:aws:iam::aws:policy/NAME".into(),
            }),
            Self::InvokeModels(models) if models.is_empty() || !models.iter().all(|m| m.starts_with("arn:") && m.contains(":bedrock:")) => {
                Err(ProvisionError::InvalidInput {
                    field: "models",
                    reason: "give one or more Bedrock model ARNs (arn:aws:bedrock:REGION::foundation-model/ID)".into(),
                })
            }
            _ => Ok(()),
        }
    }
}

fn is_policy_arn(arn: &str) -> bool {
    arn.starts_with("arn:") && arn.contains(":iam::") && arn.contains(":policy/")
}

fn managed_policy_arn(name: &str) -> String {
    format!("arn:aws:iam::aws:policy/{name}")
}

fn inline_document(models: &[String]) -> String {
    let resources = serde_json::to_string(models).expect("strings serialize");
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"InvokeChosenModels","Effect":"Allow","Action":["bedrock:InvokeModel*","bedrock:Converse*"],"Resource":{resources}}},{{"Sid":"UseBedrockApiKeys","Effect":"Allow","Action":["bedrock:CallWithBearerToken"],"Resource":"*"}}]}}"#
    )
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
    business_unit: BusinessUnit,
    owner: String,
    path: String,
    policy: PolicyChoice,
    key: KeyRequest,
    tags: Vec<(String, String)>,
    dry_run: bool,
    force: bool,
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

    fn validate(&self) -> Result<Vec<(String, String)>, ProvisionError> {
        validate_owner(&self.owner)?;
        validate_path(&self.path)?;
        self.policy.validate()?;
        if let KeyRequest::ApiKey { days } = self.key {
            validate_api_key_days(days)?;
        }
        let mut tags = vec![
            ("business-unit".to_owned(), self.business_unit.to_string()),
            ("purpose".to_owned(), "bedrock".to_owned()),
            ("owner".to_owned(), self.owner.clone()),
            (CREATED_BY.0.to_owned(), CREATED_BY.1.to_owned()),
        ];
        for (key, value) in &self.tags {
            validate_tag(key, value)?;
            if tags.iter().any(|(k, _)| k == key) {
                return Err(ProvisionError::InvalidInput { field: "tag", reason: format!("{key} is given twice") });
            }
            tags.push((key.clone(), value.clone()));
        }
        if tags.len() > 50 {
            return Err(ProvisionError::InvalidInput { field: "tag", reason: "IAM allows at most 50 tags, 4 of them ours".into() });
        }
        tags.sort();
        Ok(tags)
    }
}

fn security_notes() -> Vec<SecurityWarning> {
    vec![SecurityWarning::StoreSecretNow, SecurityWarning::RotateRegularly, SecurityWarning::PreferShortTermKeys]
}

impl Iam {
    /// Provisions (or converges) a business unit's user, policy and key.
    ///
    /// A rerun adds only what is missing: an existing user with our tag is reused, and a key of
    /// the requested kind that exists is kept (use [`Iam::rotate`] for a new secret).
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let plan = iam.provision(&ProvisionRequest::new(BusinessUnit::new("sales")?, "ops@example.com").dry_run(true)).await?;
    /// for action in &plan.actions { println!("would {action}"); }
    /// # Ok(()) }
    /// ```
    pub async fn provision(&self, request: &ProvisionRequest) -> Result<ProvisionReport, ProvisionError> {
        let tags = request.validate()?;
        let user = request.business_unit.user_name();
        let state = self.describe(&user).await?;
        let mut actions = Vec::new();
        let (existing_keys, mut warnings) = match &state {
            None => {
                actions.push(Action::CreateUser { user: user.clone(), path: request.path.clone(), tags });
                (Vec::new(), Vec::new())
            }
            Some(state) => {
                if !state.is_managed() && !request.force {
                    return Err(ProvisionError::NotManaged { user, action: "provision" });
                }
                let missing: Vec<_> = tags.into_iter().filter(|(k, v)| state.tags.get(k) != Some(v)).collect();
                if !missing.is_empty() {
                    actions.push(Action::TagUser { user: user.clone(), tags: missing });
                }
                (state.keys.clone(), state.warnings.clone())
            }
        };
        let attached = state.as_ref().map_or(&[][..], |s| &s.attached[..]);
        let inline = state.as_ref().map_or(&[][..], |s| &s.inline[..]);
        match &request.policy {
            PolicyChoice::InvokeModels(models) => {
                if !inline.iter().any(|n| n == INLINE_POLICY_NAME) {
                    actions.push(Action::PutInlinePolicy { user: user.clone(), name: INLINE_POLICY_NAME.into(), document: inline_document(models) });
                }
            }
            choice => {
                let arn = match choice {
                    PolicyChoice::Full => managed_policy_arn("AmazonBedrockFullAccess"),
                    PolicyChoice::Arn(arn) => arn.clone(),
                    _ => managed_policy_arn("AmazonBedrockLimitedAccess"),
                };
                if !attached.contains(&arn) {
                    actions.push(Action::AttachPolicy { user: user.clone(), policy_arn: arn });
                }
            }
        }
        let has = |kind| existing_keys.iter().any(|k: &KeyStatus| k.kind == kind && k.active);
        match request.key {
            KeyRequest::AccessKey if !has(KeyKind::AccessKey) => actions.push(Action::CreateAccessKey { user: user.clone() }),
            KeyRequest::ApiKey { days } if !has(KeyKind::ApiKey) => actions.push(Action::CreateApiKey { user: user.clone(), days }),
            _ => {}
        }
        let new_key = if request.dry_run { None } else { plan::apply_all(self, &actions).await? };
        if new_key.is_some() {
            warnings.extend(security_notes());
        }
        Ok(ProvisionReport { user_name: user, dry_run: request.dry_run, actions, new_key, existing_keys, warnings })
    }

    /// Creates a new key of `kind`, then deactivates (or with `delete_old`, deletes) the old ones.
    ///
    /// Refuses when IAM's limit of two leaves no room, naming the command that makes room. If
    /// retiring an old key fails, the new key is still returned, with a warning.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let report = iam.rotate(&BusinessUnit::new("sales")?, KeyRequest::ApiKey { days: 90 }, false, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rotate(
        &self,
        business_unit: &BusinessUnit,
        key: KeyRequest,
        delete_old: bool,
        dry_run: bool,
    ) -> Result<RotateReport, ProvisionError> {
        let (kind, create) = match key {
            KeyRequest::AccessKey => (KeyKind::AccessKey, Action::CreateAccessKey { user: business_unit.user_name() }),
            KeyRequest::ApiKey { days } => {
                validate_api_key_days(days)?;
                (KeyKind::ApiKey, Action::CreateApiKey { user: business_unit.user_name(), days })
            }
            KeyRequest::None => {
                return Err(ProvisionError::InvalidInput { field: "key", reason: "rotate needs access-key or api-key".into() })
            }
        };
        let user = business_unit.user_name();
        let state = self.describe(&user).await?.ok_or_else(|| ProvisionError::NoSuchUser(user.clone()))?;
        if !state.is_managed() {
            return Err(ProvisionError::NotManaged { user, action: "rotate keys of" });
        }
        let old: Vec<&KeyStatus> = state.keys_of(kind).collect();
        if old.len() >= KEYS_PER_USER {
            let oldest = old.iter().min_by_key(|k| k.created_at).expect("two keys");
            let fix = Action::DeleteKey { user: user.clone(), kind, id: oldest.id.clone() };
            return Err(ProvisionError::KeyLimit {
                user: user.clone(),
                kind,
                existing: old.iter().map(|k| k.id.clone()).collect(),
                fix: fix.aws_command(),
            });
        }
        let retire: Vec<Action> = old
            .iter()
            .filter(|k| delete_old || k.active)
            .map(|k| match delete_old {
                true => Action::DeleteKey { user: user.clone(), kind, id: k.id.clone() },
                false => Action::DeactivateKey { user: user.clone(), kind, id: k.id.clone() },
            })
            .collect();
        let mut actions = vec![create.clone()];
        actions.extend(retire.iter().cloned());
        let mut warnings = state.warnings.clone();
        if dry_run {
            return Ok(RotateReport { user_name: user, dry_run, actions, new_key: None, warnings });
        }
        let new_key = create.apply(self).await?;
        warnings.extend(security_notes());
        let mut done = vec![create];
        for action in retire {
            match action.apply(self).await {
                Ok(_) => done.push(action),
                Err(err) => {
                    if let Action::DeactivateKey { id, .. } | Action::DeleteKey { id, .. } = &action {
                        warnings.push(SecurityWarning::OldKeyStillActive { id: id.clone(), fix: format!("{} ({err})", action.aws_command()) });
                    }
                }
            }
        }
        Ok(RotateReport { user_name: user, dry_run, actions: done, new_key, warnings })
    }

    /// Removes the user and everything attached, in IAM's required order: API keys, access keys,
    /// inline policies, managed policies, then the user. Only users tagged
    /// `created-by=bedrock-token` unless `force`.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let report = iam.deprovision(&BusinessUnit::new("sales")?, false, true).await?; // dry run
    /// # Ok(()) }
    /// ```
    pub async fn deprovision(&self, business_unit: &BusinessUnit, force: bool, dry_run: bool) -> Result<DeprovisionReport, ProvisionError> {
        let user = business_unit.user_name();
        let Some(state) = self.describe(&user).await? else {
            return Ok(DeprovisionReport { user_name: user, dry_run, actions: Vec::new(), warnings: Vec::new() });
        };
        if !state.is_managed() && !force {
            return Err(ProvisionError::NotManaged { user, action: "deprovision" });
        }
        let mut actions = Vec::new();
        for kind in [KeyKind::ApiKey, KeyKind::AccessKey] {
            actions.extend(state.keys_of(kind).map(|k| Action::DeleteKey { user: user.clone(), kind, id: k.id.clone() }));
        }
        actions.extend(state.inline.iter().map(|name| Action::DeleteInlinePolicy { user: user.clone(), name: name.clone() }));
        actions.extend(state.attached.iter().map(|arn| Action::DetachPolicy { user: user.clone(), policy_arn: arn.clone() }));
        actions.push(Action::DeleteUser { user: user.clone() });
        if !dry_run {
            plan::apply_all(self, &actions).await?;
        }
        Ok(DeprovisionReport { user_name: user, dry_run, actions, warnings: state.warnings })
    }

    /// Lists the users bedrock-token created under `path`, with their keys' ages and status.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// for user in iam.list("/bedrock/").await? { println!("{} {} keys", user.user_name, user.keys.len()); }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, path: &str) -> Result<Vec<ProvisionedUser>, ProvisionError> {
        validate_path(path)?;
        let mut users = Vec::new();
        let mut pages = self.client().list_users().path_prefix(path).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error("ListUsers", e))?;
            for listed in page.users() {
                let Some(state) = self.describe(listed.user_name()).await? else { continue };
                if !state.is_managed() {
                    continue;
                }
                users.push(ProvisionedUser {
                    user_name: listed.user_name().to_owned(),
                    arn: state.arn.clone(),
                    business_unit: state.tags.get("business-unit").cloned(),
                    owner: state.tags.get("owner").cloned(),
                    created_at: state.created_at,
                    keys: state.keys,
                    warnings: state.warnings,
                });
            }
        }
        Ok(users)
    }
}

