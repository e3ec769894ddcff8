//! The audit of every account of an AWS organisation: its active accounts listed (AWS
//! Organizations), a role assumed in each (STS), each audited in bulk ([`Iam::audit`]), and one
//! report that names the accounts that could not be audited and why.

use std::sync::Arc;
use std::time::SystemTime;

use aws_sdk_organizations::types::{AccountState, AccountStatus, ChildType};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

use super::client::{env_config, profile_config};
use super::account::{validate_role_name, AccountRole, AssumeRoleFailure, DEFAULT_ORGANIZATION_ROLE};
use super::governance::{time, AuditReport, AuditedKey};
use super::organization_ids::{is_ou_id, is_root_id, OU_FORM, ROOT_FORM};
use super::throttle::send;
use super::{Iam, ProvisionError};
use crate::sdk_error::{classify, Failure};

/// How many accounts are audited at a time unless told otherwise.
pub const DEFAULT_ORGANIZATION_CONCURRENCY: usize = 4;
/// The most accounts audited at a time: IAM's and STS's rates are per account, Organizations' per
/// organisation.
pub const MAX_ORGANIZATION_CONCURRENCY: usize = 32;

/// What [`Organization::audit`] audits.
///
/// ```
/// let options = bedrock_token::provision::OrganizationAuditOptions { concurrency: 8, ..Default::default() };
/// assert_eq!(options.role, "OrganizationAccountAccessRole");
/// assert!(options.validate().is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationAuditOptions {
    /// The role assumed in each member account (a name, not an ARN).
    pub role: String,
    /// Audit only the accounts under these organisational units (`ou-…`) or roots (`r-…`), at any
    /// depth; empty: every account of the organisation.
    pub ous: Vec<String>,
    /// How many accounts are audited at a time (1 to [`MAX_ORGANIZATION_CONCURRENCY`]).
    pub concurrency: usize,
    /// Keys older than this many days are a finding.
    pub max_age_days: u64,
}

impl Default for OrganizationAuditOptions {
    fn default() -> Self {
        Self { role: DEFAULT_ORGANIZATION_ROLE.to_owned(), ous: Vec::new(), concurrency: DEFAULT_ORGANIZATION_CONCURRENCY, max_age_days: super::DEFAULT_MAX_AGE_DAYS }
    }
}

impl OrganizationAuditOptions {
    /// Checks the options before any call: the role is an IAM role name (1 to 64 of letters,
    /// digits and `+=,.@_-`), each OU id has Organizations' form (`ou-` or `r-`), and the
    /// concurrency is 1 to [`MAX_ORGANIZATION_CONCURRENCY`].
    ///
    /// ```
    /// use bedrock_token::provision::OrganizationAuditOptions;
    /// let bad = OrganizationAuditOptions { ous: vec!["sales".into()], ..Default::default() };
    /// assert!(bad.validate().unwrap_err().to_string().starts_with("ous: "));
    /// ```
    pub fn validate(&self) -> Result<(), ProvisionError> {
        validate_role_name(&self.role)?;
        if let Some(bad) = self.ous.iter().find(|id| !is_ou_id(id) && !is_root_id(id)) {
            return Err(ProvisionError::InvalidInput { field: "ous", reason: format!("{bad:?} is not {OU_FORM} or {ROOT_FORM}") });
        }
        if !(1..=MAX_ORGANIZATION_CONCURRENCY).contains(&self.concurrency) {
            return Err(ProvisionError::InvalidInput {
                field: "concurrency",
                reason: format!("{} is out of range; allowed 1 to {MAX_ORGANIZATION_CONCURRENCY}", self.concurrency),
            });
        }
        Ok(())
    }
}

/// Why an account could not be audited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum NotAuditedReason {
    /// STS refused to let the caller assume the role: the account has no such role, or its trust
    /// policy does not allow the caller (AWS does not say which).
    RoleRefused,
    /// The role was assumed, but IAM in the account refused a read the audit needs.
    AccessDenied,
    /// STS or IAM could not be reached for this account.
    Unreachable,
    /// Any other failure; the message says what.
    Failed,
}

/// One account of the organisation, audited: its keys and findings, as [`AuditReport`].
#[derive(Debug, Clone, Serialize)]
pub struct AuditedAccount {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account's name in the organisation.
    pub account_name: String,
    /// Every Bedrock API key of the account, sorted by user and key id.
    pub keys: Vec<AuditedKey>,
    /// How many findings in this account.
    pub findings: usize,
}

/// One account that could not be audited, and why. The other accounts were audited all the same.
#[derive(Debug, Clone, Serialize)]
pub struct NotAuditedAccount {
    /// The 12-digit account id.
    pub account_id: String,
    /// The account's name in the organisation.
    pub account_name: String,
    /// Why, as a code.
    pub reason: NotAuditedReason,
    /// What AWS answered, in words.
    pub message: String,
}

/// The audit of every active account of an organisation (or of some OUs). Its JSON form is stable,
/// as [`AuditReport`]'s: see docs/administrators.md.
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationAuditReport {
    /// When the audit ran.
    #[serde(serialize_with = "time")]
    pub audited_at: SystemTime,
    /// The maximum age it applied.
    pub max_age_days: u64,
    /// The role it assumed in member accounts (the caller's own account is audited with the
    /// caller's credentials).
    pub role: String,
    /// The accounts audited, sorted by id.
    pub accounts: Vec<AuditedAccount>,
    /// The accounts that could not be audited, sorted by id.
    pub not_audited: Vec<NotAuditedAccount>,
    /// How many findings in all the accounts audited (0: clean).
    pub findings: usize,
}

/// The organisation as its management account (or a delegated administrator) sees it: the
/// Organizations and STS clients, and the configuration that member accounts' IAM clients are
/// built from, with the same endpoints (`AWS_ENDPOINT_URL_IAM`, …) and the assumed credentials.
///
/// ```no_run
/// # async fn run() -> Result<(), bedrock_token::provision::ProvisionError> {
/// use bedrock_token::provision::{Organization, OrganizationAuditOptions};
/// let report = Organization::from_env().await.audit(&OrganizationAuditOptions::default()).await?;
/// println!("{} accounts audited, {} not", report.accounts.len(), report.not_audited.len());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Organization {
    config: aws_config::SdkConfig,
    pub(super) organizations: aws_sdk_organizations::Client,
    sts: aws_sdk_sts::Client,
}

/// An account of the organisation: id and name.
type Account = (String, String);

impl Organization {
    /// The organisation from an SDK configuration.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let organization = bedrock_token::provision::Organization::new(&config);
    /// # let _ = organization; }
    /// ```
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        Self { config: config.clone(), organizations: aws_sdk_organizations::Client::new(config), sts: aws_sdk_sts::Client::new(config) }
    }

    /// The organisation from the standard AWS configuration, the region defaulting to
    /// `us-east-1` as for [`Iam::from_env`].
    ///
    /// ```no_run
    /// # async fn run() {
    /// let organization = bedrock_token::provision::Organization::from_env().await;
    /// # let _ = organization; }
    /// ```
    pub async fn from_env() -> Self {
        Self::new(&env_config().await)
    }

    /// The organisation for a named profile and region, read as [`Iam::from_profile`] reads them.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let organization = bedrock_token::provision::Organization::from_profile(Some("management"), None).await?;
    /// # let _ = organization; Ok(()) }
    /// ```
    pub async fn from_profile(profile: Option<&str>, region: Option<&str>) -> Result<Self, crate::Error> {
        Ok(Self::new(&profile_config(profile, region).await?))
    }

    /// Audits every active account of the organisation (or under `options.ous`), at most
    /// `options.concurrency` at a time: the caller's own account with the caller's credentials,
    /// every other account through `options.role` (STS `AssumeRole`), each with [`Iam::audit`].
    /// An account that cannot be audited (the role refused, IAM denied, unreachable) is named in
    /// `not_audited` with the reason, and the others are audited all the same. Fails only when the
    /// options are invalid, or the caller or the organisation's accounts cannot be read.
    ///
    /// ```no_run
    /// # async fn run(organization: bedrock_token::provision::Organization) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::OrganizationAuditOptions;
    /// let options = OrganizationAuditOptions { ous: vec!["ou-ab12-cd34ef56".into()], ..Default::default() };
    /// let report = organization.audit(&options).await?;
    /// for account in &report.not_audited { eprintln!("{}: {}", account.account_id, account.message) }
    /// # Ok(()) }
    /// ```
    pub async fn audit(&self, options: &OrganizationAuditOptions) -> Result<OrganizationAuditReport, ProvisionError> {
        options.validate()?;
        let now = SystemTime::now();
        let caller = send!(self.sts.get_caller_identity()).map_err(|e| service_error("STS", "GetCallerIdentity", e))?;
        let own_account = caller.account.unwrap_or_default();
        let mut accounts = if options.ous.is_empty() { self.all_accounts().await? } else { self.accounts_under(&options.ous).await? };
        accounts.sort();
        accounts.dedup();

        let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency));
        let mut runs = tokio::task::JoinSet::new();
        for (id, name) in accounts {
            let (this, permits, max_age_days) = (self.clone(), permits.clone(), options.max_age_days);
            let target = (id != own_account).then(|| AccountRole::new(id.clone(), Some(&options.role)));
            runs.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                let result = this.audit_account(target, max_age_days).await;
                (id, name, result)
            });
        }
        let mut report = OrganizationAuditReport { audited_at: now, max_age_days: options.max_age_days, role: options.role.clone(), accounts: Vec::new(), not_audited: Vec::new(), findings: 0 };
        while let Some(done) = runs.join_next().await {
            let (account_id, account_name, result) = done.expect("an account's audit does not panic");
            match result {
                Ok(audit) => {
                    report.findings += audit.findings;
                    report.accounts.push(AuditedAccount { account_id, account_name, keys: audit.keys, findings: audit.findings });
                }
                Err((reason, message)) => report.not_audited.push(NotAuditedAccount { account_id, account_name, reason, message }),
            }
        }
        report.accounts.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        report.not_audited.sort_by(|a, b| a.account_id.cmp(&b.account_id));
        Ok(report)
    }

    /// One account's audit, through the role when one is given ([`Iam::in_account`]).
    async fn audit_account(&self, target: Option<Result<AccountRole, ProvisionError>>, max_age_days: u64) -> Result<AuditReport, (NotAuditedReason, String)> {
        let iam = Iam::from_config(&self.config);
        let iam = match target {
            None => iam,
            Some(target) => {
                let target = target.map_err(|err| (NotAuditedReason::Failed, err.to_string()))?;
                iam.in_account(&target).await.map_err(|err| {
                    let reason = match &err {
                        ProvisionError::AssumeRole { reason: AssumeRoleFailure::RoleRefused, .. } => NotAuditedReason::RoleRefused,
                        ProvisionError::AssumeRole { reason: AssumeRoleFailure::Unreachable, .. } => NotAuditedReason::Unreachable,
                        _ => NotAuditedReason::Failed,
                    };
                    (reason, err.to_string())
                })?
            }
        };
        iam.audit(max_age_days).await.map_err(|err| {
            let reason = match &err {
                ProvisionError::Unreachable { .. } => NotAuditedReason::Unreachable,
                ProvisionError::Iam { code: Some(code), .. } if code == "AccessDenied" => NotAuditedReason::AccessDenied,
                _ => NotAuditedReason::Failed,
            };
            (reason, err.to_string())
        })
    }

    /// Every active account of the organisation (`ListAccounts`, paged).
    async fn all_accounts(&self) -> Result<Vec<Account>, ProvisionError> {
        let mut accounts = Vec::new();
        let mut token = None;
        loop {
            let page = send!(self.organizations.list_accounts().set_next_token(token.take())).map_err(|e| service_error("Organizations", "ListAccounts", e))?;
            accounts.extend(page.accounts.unwrap_or_default().iter().filter_map(active));
            match page.next_token {
                Some(next) => token = Some(next),
                None => return Ok(accounts),
            }
        }
    }

    /// Every active account under the OUs or roots, at any depth (`ListAccountsForParent` and
    /// `ListChildren` of type OU, paged).
    async fn accounts_under(&self, parents: &[String]) -> Result<Vec<Account>, ProvisionError> {
        let mut accounts = Vec::new();
        let mut pending: Vec<String> = parents.to_vec();
        while let Some(parent) = pending.pop() {
            let mut token = None;
            loop {
                let request = self.organizations.list_accounts_for_parent().parent_id(&parent).set_next_token(token.take());
                let page = send!(request).map_err(|e| service_error("Organizations", "ListAccountsForParent", e))?;
                accounts.extend(page.accounts.unwrap_or_default().iter().filter_map(active));
                match page.next_token {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
            loop {
                let request = self.organizations.list_children().parent_id(&parent).child_type(ChildType::OrganizationalUnit).set_next_token(token.take());
                let page = send!(request).map_err(|e| service_error("Organizations", "ListChildren", e))?;
                pending.extend(page.children.unwrap_or_default().into_iter().filter_map(|child| child.id));
                match page.next_token {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
        }
        Ok(accounts)
    }
}

/// The account's id and name when it is active (its `State`, or its older `Status`).
fn active(account: &aws_sdk_organizations::types::Account) -> Option<Account> {
    let is_active = match account.state() {
        Some(state) => state == &AccountState::Active,
        None => account.status() == Some(&AccountStatus::Active),
    };
    is_active.then(|| (account.id().unwrap_or_default().to_owned(), account.name().unwrap_or_default().to_owned()))
}

/// An Organizations, STS or Secrets Manager failure as a [`ProvisionError::Service`].
pub(super) fn service_error<E>(service: &'static str, operation: &'static str, err: SdkError<E, HttpResponse>) -> ProvisionError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    match classify(&err) {
        Failure::Unreachable(cause) => ProvisionError::Service { service, operation, code: None, message: format!("could not reach the endpoint ({cause})") },
        Failure::Refused { code, message } => ProvisionError::Service { service, operation, code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_name_the_field_and_the_allowed_range() {
        let with = |f: fn(&mut OrganizationAuditOptions)| {
            let mut options = OrganizationAuditOptions::default();
            f(&mut options);
            options.validate().map_err(|e| e.to_string())
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(with(|o| o.ous = vec!["ou-ab12-cd34ef56".into(), "r-ab12".into()]), Ok(()));
        assert!(with(|o| o.role = "arn:aws:iam::1:role/x".into()).unwrap_err().starts_with("role: "));
        assert!(with(|o| o.role = String::new()).unwrap_err().starts_with("role: "));
        assert!(with(|o| o.ous = vec!["ou-".into()]).unwrap_err().starts_with("ous: "));
        // AWS's forms, not any lowercase after ou-/r- (the old check let these through to the API).
        for bad in ["ou-x", "ou-ab12-cd34", "r-ab", "ou-ab12-cd34ef56-x"] {
            let options = OrganizationAuditOptions { ous: vec![bad.into()], ..Default::default() };
            let err = options.validate().unwrap_err().to_string();
            assert!(err.starts_with("ous: ") && err.contains("ou-, 4 to 32") && err.contains("r- and 4 to 32"), "{bad}: {err}");
        }
        assert_eq!(with(|o| o.concurrency = 0).unwrap_err(), "concurrency: 0 is out of range; allowed 1 to 32");
        assert!(with(|o| o.concurrency = 33).is_err());
    }
}
