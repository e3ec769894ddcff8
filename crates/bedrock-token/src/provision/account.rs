//! Another account of the organisation, reached through a role: the one way every operation
//! (provisioning, rotation, the organisation audit, …) gets an [`Iam`] for a member account.
//!
//! The role is assumed once with STS `AssumeRole` on the caller's configuration (its credentials,
//! region, endpoints and retries; throttling retried as for IAM): that session is both the check
//! that the account can be reached and the member client's first credentials. aws-config's
//! `AssumeRoleProvider` then assumes it again when a session expires: a run may outlast one. The role's ARN is written
//! in the caller's partition (`arn:aws-us-gov:iam::…` in AWS GovCloud (US)).

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_sts::operation::assume_role::AssumeRoleError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde::Serialize;

use super::organization_ids::{is_account_id, ACCOUNT_FORM};
use super::throttle::send;
use super::{Iam, Partition, ProvisionError, ProvisionReport, ProvisionRequest};
use crate::sdk_error::{classify, Failure};

/// The role assumed in another account unless another is named: the one AWS Organizations
/// creates in the accounts it creates.
pub const DEFAULT_ORGANIZATION_ROLE: &str = "OrganizationAccountAccessRole";
/// The session name of the assumed roles, in each member account's CloudTrail.
const SESSION_NAME: &str = "bedrock-token";

/// An account and the role to reach it through, both checked.
///
/// ```
/// use bedrock_token::provision::{AccountRole, Partition};
/// let target = AccountRole::new("210987654321", None)?;
/// assert_eq!(target.role(), "OrganizationAccountAccessRole");
/// assert_eq!(target.role_arn(Partition::AwsUsGov), "arn:aws-us-gov:iam::210987654321:role/OrganizationAccountAccessRole");
/// assert!(AccountRole::new("2109876543", None).unwrap_err().to_string().starts_with("account: "));
/// # Ok::<(), bedrock_token::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AccountRole {
    account: String,
    role: String,
}

impl AccountRole {
    /// The account `account` (12 digits) through the role `role` (an IAM role name; default
    /// [`DEFAULT_ORGANIZATION_ROLE`]). A bad value is [`ProvisionError::InvalidInput`] naming the
    /// field, `account` or `role`.
    ///
    /// ```
    /// # use bedrock_token::provision::AccountRole;
    /// let target = AccountRole::new("210987654321", Some("BedrockAdmin"))?;
    /// assert_eq!((target.account(), target.role()), ("210987654321", "BedrockAdmin"));
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn new(account: impl Into<String>, role: Option<&str>) -> Result<Self, ProvisionError> {
        let account = account.into();
        validate_account_id(&account)?;
        let role = role.unwrap_or(DEFAULT_ORGANIZATION_ROLE).to_owned();
        validate_role_name(&role)?;
        Ok(Self { account, role })
    }

    /// The account and role as optional inputs give them (a library's keyword arguments, a
    /// manifest's keys): `None` when neither is given (the credentials' own account), else
    /// [`AccountRole::new`]. A role without an account is [`ProvisionError::InvalidInput`] for
    /// the field `role`.
    ///
    /// ```
    /// # use bedrock_token::provision::AccountRole;
    /// assert_eq!(AccountRole::optional(None, None)?, None);
    /// assert!(AccountRole::optional(None, Some("Admin")).unwrap_err().to_string().starts_with("role: applies only with account"));
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn optional(account: Option<String>, role: Option<&str>) -> Result<Option<Self>, ProvisionError> {
        match (account, role) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(ProvisionError::InvalidInput { field: "role", reason: "applies only with account: the AWS account (12 digits) to assume it in".into() }),
            (Some(account), role) => Self::new(account, role).map(Some),
        }
    }

    /// The 12-digit account id.
    ///
    /// ```
    /// # let target = bedrock_token::provision::AccountRole::new("210987654321", None).unwrap();
    /// assert_eq!(target.account(), "210987654321");
    /// ```
    pub fn account(&self) -> &str {
        &self.account
    }

    /// The role's name.
    ///
    /// ```
    /// # let target = bedrock_token::provision::AccountRole::new("210987654321", None).unwrap();
    /// assert_eq!(target.role(), "OrganizationAccountAccessRole");
    /// ```
    pub fn role(&self) -> &str {
        &self.role
    }

    /// The role's ARN in `partition`.
    ///
    /// ```
    /// # use bedrock_token::provision::{AccountRole, Partition};
    /// # let target = AccountRole::new("210987654321", None).unwrap();
    /// assert_eq!(target.role_arn(Partition::Aws), "arn:aws:iam::210987654321:role/OrganizationAccountAccessRole");
    /// ```
    pub fn role_arn(&self, partition: Partition) -> String {
        format!("arn:{partition}:iam::{}:role/{}", self.account, self.role)
    }
}

/// Checks an AWS account id: exactly 12 digits.
pub(crate) fn validate_account_id(account: &str) -> Result<(), ProvisionError> {
    if is_account_id(account) {
        return Ok(());
    }
    Err(ProvisionError::InvalidInput { field: "account", reason: format!("{account:?} is not {ACCOUNT_FORM}") })
}

/// Checks an IAM role name: 1 to 64 of letters, digits and `+=,.@_-`.
pub(crate) fn validate_role_name(role: &str) -> Result<(), ProvisionError> {
    let ok = (1..=64).contains(&role.len()) && role.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if ok {
        return Ok(());
    }
    Err(ProvisionError::InvalidInput { field: "role", reason: format!("{role:?} is not an IAM role name: 1 to 64 letters, digits and +=,.@_-") })
}

/// Why a role could not be assumed in another account ([`ProvisionError::AssumeRole`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AssumeRoleFailure {
    /// STS refused: the account has no such role, or its trust policy does not allow the caller
    /// (AWS does not say which).
    RoleRefused,
    /// STS could not be reached.
    Unreachable,
    /// Any other failure; the message says what.
    Failed,
}

impl Iam {
    /// IAM in another account, through a role assumed with this client's configuration (its
    /// credentials, region, endpoints and retries). The credentials are refreshed before the
    /// role session ends. The role is assumed once here, so that an account that cannot be
    /// reached is known before any other call: [`ProvisionError::AssumeRole`] names the role's
    /// ARN (account and role) and why.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::{AccountRole, Iam};
    /// let member = Iam::from_env().await.in_account(&AccountRole::new("210987654321", None)?).await?;
    /// for user in member.list("/bedrock/").await? { println!("{}", user.user_name); }
    /// # Ok(()) }
    /// ```
    ///
    /// A client made with [`Iam::new`] from a bare IAM client has no configuration to assume a
    /// role with: that is [`ProvisionError::InvalidInput`] for the field `account`.
    pub async fn in_account(&self, target: &AccountRole) -> Result<Iam, ProvisionError> {
        let Some(config) = self.config() else {
            return Err(ProvisionError::InvalidInput {
                field: "account",
                reason: "this Iam was made from an IAM client alone, which cannot assume a role; make it with Iam::from_env or Iam::from_profile".into(),
            });
        };
        let role_arn = target.role_arn(self.partition());
        // The first session is the check (STS's errors typed, throttling retried) and then the
        // client's first credentials; the provider assumes the role again when it expires.
        let sts = aws_sdk_sts::Client::new(config);
        let refused = |reason, message| ProvisionError::AssumeRole { account: target.account.clone(), role: target.role.clone(), role_arn: role_arn.clone(), reason, message };
        let first = match send!(sts.assume_role().role_arn(&role_arn).role_session_name(SESSION_NAME)) {
            Ok(output) => output.credentials,
            Err(err) => {
                let (reason, message) = assume_role_failure(&err);
                return Err(refused(reason, message));
            }
        };
        let Some(first) = first else {
            return Err(refused(AssumeRoleFailure::Failed, "STS AssumeRole answered without credentials".into()));
        };
        let expiry = std::time::SystemTime::try_from(first.expiration).ok();
        let first = aws_credential_types::Credentials::new(first.access_key_id, first.secret_access_key, Some(first.session_token), expiry, "AssumeRole");
        let refresh = aws_config::sts::AssumeRoleProvider::builder(&role_arn).session_name(SESSION_NAME).configure(config).build().await;
        let provider = FirstSession { first: std::sync::Mutex::new(Some(first)), refresh };
        let assumed = config.to_builder().credentials_provider(SharedCredentialsProvider::new(provider)).build();
        Ok(Iam::from_config(&assumed))
    }

    /// Provisions business units in many accounts, at most `concurrency` units at a time in all,
    /// each as [`Iam::provision`] would: a unit with `None` in this client's account, the others
    /// in theirs through [`Iam::in_account`], each account's role assumed once and shared by its
    /// units. The results come back in the order of `requests`. The units of an account that
    /// cannot be reached fail with [`ProvisionError::AssumeRole`]; the others go on.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::{AccountRole, BusinessUnit, ProvisionRequest};
    /// let sales = ProvisionRequest::new(BusinessUnit::new("sales")?, "ops@example.com");
    /// let legal = ProvisionRequest::new(BusinessUnit::new("legal")?, "ops@example.com");
    /// let requests = vec![(None, sales), (Some(AccountRole::new("210987654321", None)?), legal)];
    /// for result in iam.provision_across(requests, 4).await { println!("{}", result?.user_name); }
    /// # Ok(()) }
    /// ```
    pub async fn provision_across(&self, requests: Vec<(Option<AccountRole>, ProvisionRequest)>, concurrency: usize) -> Vec<Result<ProvisionReport, ProvisionError>> {
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut reached: BTreeMap<AccountRole, Result<Iam, ProvisionError>> = BTreeMap::new();
        let mut assuming = tokio::task::JoinSet::new();
        for target in requests.iter().filter_map(|(target, _)| target.clone()) {
            if reached.contains_key(&target) {
                continue;
            }
            reached.insert(target.clone(), Ok(self.clone()));
            let (iam, permits) = (self.clone(), permits.clone());
            assuming.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                let result = iam.in_account(&target).await;
                (target, result)
            });
        }
        while let Some(done) = assuming.join_next().await {
            let (target, result) = done.expect("assuming a role does not panic");
            reached.insert(target, result);
        }
        let mut runs = tokio::task::JoinSet::new();
        for (index, (target, request)) in requests.into_iter().enumerate() {
            let iam = match &target {
                None => Ok(self.clone()),
                Some(target) => reached[target].clone(),
            };
            let permits = permits.clone();
            runs.spawn(async move {
                let result = match iam {
                    Ok(iam) => {
                        let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                        iam.provision(&request).await
                    }
                    Err(err) => Err(err),
                };
                (index, result)
            });
        }
        let mut results: Vec<Option<Result<ProvisionReport, ProvisionError>>> = Vec::new();
        while let Some(done) = runs.join_next().await {
            let (index, result) = done.expect("a provisioning task does not panic");
            results.resize_with(results.len().max(index + 1), || None);
            results[index] = Some(result);
        }
        results.into_iter().map(|r| r.expect("every unit reports")).collect()
    }
}

/// A role's credentials: the session already assumed first, then the refreshing provider's.
#[derive(Debug)]
struct FirstSession {
    /// The first session (its secrets redacted in `Debug`), taken once.
    first: std::sync::Mutex<Option<aws_credential_types::Credentials>>,
    /// Assumes the role again for every later session.
    refresh: aws_config::sts::AssumeRoleProvider,
}

impl ProvideCredentials for FirstSession {
    fn provide_credentials<'a>(&'a self) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        match self.first.lock().ok().and_then(|mut first| first.take()) {
            Some(first) => aws_credential_types::provider::future::ProvideCredentials::ready(Ok(first)),
            None => self.refresh.provide_credentials(),
        }
    }
}

/// Why STS did not assume the role, and what it said, on one line.
fn assume_role_failure(sts: &SdkError<AssumeRoleError, HttpResponse>) -> (AssumeRoleFailure, String) {
    match classify(sts) {
        Failure::Unreachable(cause) => (AssumeRoleFailure::Unreachable, format!("STS AssumeRole could not reach the endpoint ({cause})")),
        Failure::Refused { code, message } if code.as_deref() == Some("AccessDenied") => (
            AssumeRoleFailure::RoleRefused,
            format!("STS AssumeRole failed: {message} (the account has no such role, or the role's trust policy does not allow these credentials)"),
        ),
        Failure::Refused { message, .. } => (AssumeRoleFailure::Failed, format!("STS AssumeRole failed: {message}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_and_role_name_the_field_and_what_is_allowed() {
        assert!(AccountRole::new("210987654321", Some("a+=,.@_-Z9")).is_ok());
        for bad in ["", "21098765432", "2109876543210", "21098765432x", " 210987654321"] {
            let err = AccountRole::new(bad, None).unwrap_err().to_string();
            assert_eq!(err, format!("account: {bad:?} is not an AWS account id (exactly 12 digits, e.g. 210987654321)"));
        }
        for bad in ["", "a/b", "arn:aws:iam::210987654321:role/x", &"r".repeat(65)] {
            assert!(AccountRole::new("210987654321", Some(bad)).unwrap_err().to_string().starts_with("role: "), "{bad}");
        }
    }
}
