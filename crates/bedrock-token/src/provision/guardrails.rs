//! The guardrails policy in AWS Organizations: the service control policy of [`scp`], kept as one
//! policy named [`GUARDRAILS_POLICY_NAME`] and tagged `created-by=bedrock-token`, created when
//! missing, updated in place when its content differs, and attached to (or detached from) roots,
//! OUs and accounts. Every step is idempotent: a re-run changes nothing.

use aws_sdk_organizations::operation::attach_policy::AttachPolicyError;
use aws_sdk_organizations::types::{PolicyType, Tag};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use serde::Serialize;

use super::governance::{scp, ScpOptions};
use super::organization::{service_error, Organization};
use super::organization_ids::{is_account_id, is_ou_id, is_root_id, ACCOUNT_FORM, OU_FORM, ROOT_FORM};
use super::throttle::send;
use super::{ProvisionError, CREATED_BY};

/// The name of the service control policy that [`Organization::attach_guardrails`] creates.
pub const GUARDRAILS_POLICY_NAME: &str = "bedrock-token-guardrails";
/// Its description in AWS Organizations.
const DESCRIPTION: &str = "Limits Amazon Bedrock API keys; managed by bedrock-token (bedrock-token guardrails --scp)";

/// One change to AWS Organizations that the guardrails make (or, in a dry run, would make).
///
/// ```
/// use bedrock_token::provision::GuardrailsAction;
/// let action = GuardrailsAction::Attach { policy_id: "p-examplepolicyid111".into(), target: "ou-ab12-cd34ef56".into() };
/// assert_eq!(action.to_string(), "attach service control policy p-examplepolicyid111 to ou-ab12-cd34ef56");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum GuardrailsAction {
    /// Create the policy, tagged `created-by=bedrock-token`.
    Create {
        /// The policy's name.
        name: String,
    },
    /// Replace the policy's content, which differs from the one asked for.
    Update {
        /// The policy's id (`p-…`).
        policy_id: String,
    },
    /// Attach the policy to a root, an OU or an account.
    Attach {
        /// The policy's id (`p-…`), or its name before it exists (a dry run).
        policy_id: String,
        /// The root, OU or account.
        target: String,
    },
    /// Detach the policy from a root, an OU or an account.
    Detach {
        /// The policy's id.
        policy_id: String,
        /// The root, OU or account.
        target: String,
    },
}

impl std::fmt::Display for GuardrailsAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GuardrailsAction::Create { name } => write!(f, "create service control policy {name}, tagged {}={}", CREATED_BY.0, CREATED_BY.1),
            GuardrailsAction::Update { policy_id } => write!(f, "update service control policy {policy_id} in place (its content differs)"),
            GuardrailsAction::Attach { policy_id, target } => write!(f, "attach service control policy {policy_id} to {target}"),
            GuardrailsAction::Detach { policy_id, target } => write!(f, "detach service control policy {policy_id} from {target}"),
        }
    }
}

/// What [`Organization::attach_guardrails`] or [`Organization::detach_guardrails`] did (or would
/// do, in a dry run).
#[derive(Debug, Clone, Serialize)]
pub struct GuardrailsReport {
    /// The policy's name, [`GUARDRAILS_POLICY_NAME`].
    pub policy_name: String,
    /// The policy's id, when it exists (or was created).
    pub policy_id: Option<String>,
    /// The root, OU or account attached to or detached from.
    pub target: String,
    /// The changes made, in order; empty when everything was already as asked.
    pub actions: Vec<GuardrailsAction>,
    /// The other roots, OUs and accounts the policy stays attached to, sorted.
    pub attached_elsewhere: Vec<String>,
    /// Whether nothing was changed (a plan).
    pub dry_run: bool,
}

/// Our policy as it is: its id and content.
struct Existing {
    id: String,
    content: String,
}

/// Checks a target of AWS Organizations' forms: a root (`r-…`), an OU (`ou-…-…`) or an account
/// (12 digits).
fn validate_target(target: &str) -> Result<(), ProvisionError> {
    if is_root_id(target) || is_ou_id(target) || is_account_id(target) {
        return Ok(());
    }
    Err(ProvisionError::InvalidInput { field: "target", reason: format!("{target:?} is not {ROOT_FORM}, {OU_FORM} or {ACCOUNT_FORM}") })
}

impl Organization {
    /// Makes the guardrails policy say what `options` ask ([`scp`]) and attaches it to `target`
    /// (a root `r-…`, an OU `ou-…` or an account id): creates the policy when missing (tagged
    /// `created-by=bedrock-token`), updates it in place when its content differs, and attaches
    /// it unless it is attached already. A policy of the same name that is not tagged as ours is
    /// left alone: [`ProvisionError::ForeignPolicy`]. With `dry_run`, reads only and reports what
    /// it would do.
    ///
    /// ```no_run
    /// # async fn run(organization: bedrock_token::provision::Organization) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::ScpOptions;
    /// let options = ScpOptions { max_key_age_days: Some(30), ..Default::default() };
    /// let report = organization.attach_guardrails(&options, "ou-ab12-cd34ef56", false).await?;
    /// for action in &report.actions { println!("{action}"); }
    /// # Ok(()) }
    /// ```
    pub async fn attach_guardrails(&self, options: &ScpOptions, target: &str, dry_run: bool) -> Result<GuardrailsReport, ProvisionError> {
        options.validate()?;
        validate_target(target)?;
        let wanted = scp(options);
        let content = wanted.to_string();
        let mut report = self.report(target, dry_run);
        let mut found = self.find_ours().await?;
        if found.is_none() {
            if dry_run {
                report.actions.push(GuardrailsAction::Create { name: GUARDRAILS_POLICY_NAME.into() });
                report.actions.push(GuardrailsAction::Attach { policy_id: GUARDRAILS_POLICY_NAME.into(), target: target.into() });
                return Ok(report);
            }
            match self.create(&content).await? {
                Some(id) => {
                    report.actions.push(GuardrailsAction::Create { name: GUARDRAILS_POLICY_NAME.into() });
                    found = Some(Existing { id, content: content.clone() });
                }
                // Another run created it in between: converge on that one.
                None => found = self.find_ours().await?,
            }
        }
        let id = match found {
            None => {
                return Err(ProvisionError::Service {
                    service: "Organizations",
                    operation: "CreatePolicy",
                    code: Some("DuplicatePolicyException".into()),
                    message: format!("a policy named {GUARDRAILS_POLICY_NAME} exists, but ListPolicies does not list it yet; run again"),
                })
            }
            Some(existing) => {
                if serde_json::from_str::<serde_json::Value>(&existing.content).ok().as_ref() != Some(&wanted) {
                    report.actions.push(GuardrailsAction::Update { policy_id: existing.id.clone() });
                    if !dry_run {
                        let request = self.organizations.update_policy().policy_id(&existing.id).content(&content);
                        send!(request).map_err(|e| service_error("Organizations", "UpdatePolicy", e))?;
                    }
                }
                existing.id
            }
        };
        report.policy_id = Some(id.clone());
        let targets = self.targets(&id).await?;
        report.attached_elsewhere = targets.iter().filter(|t| *t != target).cloned().collect();
        if !targets.iter().any(|t| t == target) {
            report.actions.push(GuardrailsAction::Attach { policy_id: id.clone(), target: target.into() });
            if !dry_run {
                match send!(self.organizations.attach_policy().policy_id(&id).target_id(target)) {
                    // Another run attached it in between: as asked.
                    Err(err) if err.code() == Some("DuplicatePolicyAttachmentException") => {}
                    Err(err) => return Err(attach_error(err)),
                    Ok(_) => {}
                }
            }
        }
        Ok(report)
    }

    /// Detaches the guardrails policy from `target`, if it is attached there. The policy itself
    /// stays, even when attached nowhere else (`attached_elsewhere` empty): attaching it again
    /// needs no re-creation, and deleting it is one call (`aws organizations delete-policy`). A
    /// policy of the same name that is not ours is [`ProvisionError::ForeignPolicy`].
    ///
    /// ```no_run
    /// # async fn run(organization: bedrock_token::provision::Organization) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// let report = organization.detach_guardrails("ou-ab12-cd34ef56", false).await?;
    /// println!("{} change(s)", report.actions.len());
    /// # Ok(()) }
    /// ```
    pub async fn detach_guardrails(&self, target: &str, dry_run: bool) -> Result<GuardrailsReport, ProvisionError> {
        validate_target(target)?;
        let mut report = self.report(target, dry_run);
        let Some(existing) = self.find_ours().await? else { return Ok(report) };
        let targets = self.targets(&existing.id).await?;
        report.attached_elsewhere = targets.iter().filter(|t| *t != target).cloned().collect();
        if targets.iter().any(|t| t == target) {
            report.actions.push(GuardrailsAction::Detach { policy_id: existing.id.clone(), target: target.into() });
            if !dry_run {
                match send!(self.organizations.detach_policy().policy_id(&existing.id).target_id(target)) {
                    // Another run detached it in between: as asked.
                    Err(err) if err.code() == Some("PolicyNotAttachedException") => {}
                    Err(err) => return Err(service_error("Organizations", "DetachPolicy", err)),
                    Ok(_) => {}
                }
            }
        }
        report.policy_id = Some(existing.id);
        Ok(report)
    }

    fn report(&self, target: &str, dry_run: bool) -> GuardrailsReport {
        GuardrailsReport { policy_name: GUARDRAILS_POLICY_NAME.into(), policy_id: None, target: target.into(), actions: Vec::new(), attached_elsewhere: Vec::new(), dry_run }
    }

    /// The service control policy named [`GUARDRAILS_POLICY_NAME`], if there is one, and only if
    /// it is tagged as ours (`ListPolicies`, `ListTagsForResource`, `DescribePolicy`).
    async fn find_ours(&self) -> Result<Option<Existing>, ProvisionError> {
        let mut token = None;
        let id = loop {
            let request = self.organizations.list_policies().filter(PolicyType::ServiceControlPolicy).set_next_token(token.take());
            let page = send!(request).map_err(|e| service_error("Organizations", "ListPolicies", e))?;
            if let Some(found) = page.policies().iter().find(|p| p.name() == Some(GUARDRAILS_POLICY_NAME)) {
                break found.id().unwrap_or_default().to_owned();
            }
            match page.next_token {
                Some(next) => token = Some(next),
                None => return Ok(None),
            }
        };
        let (key, value) = CREATED_BY;
        let mut ours = false;
        let mut token = None;
        loop {
            let request = self.organizations.list_tags_for_resource().resource_id(&id).set_next_token(token.take());
            let page = send!(request).map_err(|e| service_error("Organizations", "ListTagsForResource", e))?;
            ours |= page.tags().iter().any(|tag| tag.key() == key && tag.value() == value);
            match page.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        if !ours {
            return Err(ProvisionError::ForeignPolicy { name: GUARDRAILS_POLICY_NAME.into(), id });
        }
        let described = send!(self.organizations.describe_policy().policy_id(&id)).map_err(|e| service_error("Organizations", "DescribePolicy", e))?;
        let content = described.policy.and_then(|p| p.content).unwrap_or_default();
        Ok(Some(Existing { id, content }))
    }

    /// Creates our policy, tagged as ours; its id, or `None` when a policy of that name exists
    /// already (another run created it since [`Organization::find_ours`] looked).
    async fn create(&self, content: &str) -> Result<Option<String>, ProvisionError> {
        let (key, value) = CREATED_BY;
        let tag = Tag::builder().key(key).value(value).build().expect("key and value are set");
        let request = self
            .organizations
            .create_policy()
            .name(GUARDRAILS_POLICY_NAME)
            .description(DESCRIPTION)
            .r#type(PolicyType::ServiceControlPolicy)
            .content(content)
            .tags(tag);
        let created = match send!(request) {
            Err(err) if err.code() == Some("DuplicatePolicyException") => return Ok(None),
            result => result.map_err(|e| service_error("Organizations", "CreatePolicy", e))?,
        };
        let id = created.policy.and_then(|p| p.policy_summary).and_then(|s| s.id);
        id.map(Some).ok_or_else(|| ProvisionError::Service { service: "Organizations", operation: "CreatePolicy", code: None, message: "the answer has no policy id".into() })
    }

    /// The roots, OUs and accounts a policy is attached to (`ListTargetsForPolicy`, paged).
    async fn targets(&self, id: &str) -> Result<Vec<String>, ProvisionError> {
        let mut targets = Vec::new();
        let mut token = None;
        loop {
            let request = self.organizations.list_targets_for_policy().policy_id(id).set_next_token(token.take());
            let page = send!(request).map_err(|e| service_error("Organizations", "ListTargetsForPolicy", e))?;
            targets.extend(page.targets().iter().filter_map(|t| t.target_id().map(str::to_owned)));
            match page.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        targets.sort();
        Ok(targets)
    }
}

/// AttachPolicy's failure; when service control policies are not enabled on the root, what to do.
fn attach_error(err: SdkError<AttachPolicyError, HttpResponse>) -> ProvisionError
{
    let not_enabled = err.code() == Some("PolicyTypeNotEnabledException");
    let mut error = service_error("Organizations", "AttachPolicy", err);
    if let (true, ProvisionError::Service { message, .. }) = (not_enabled, &mut error) {
        message.push_str("; enable service control policies on the organisation's root first (Organizations EnablePolicyType, SERVICE_CONTROL_POLICY)");
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_roots_ous_or_accounts() {
        for ok in ["r-ab12", "ou-ab12-cd34ef56", "210987654321"] {
            assert!(validate_target(ok).is_ok(), "{ok}");
        }
        for bad in ["", "r-", "ou-ab12", "ou-ab12-cd3", "2109876543", "p-abcdefgh", "OU-AB12-CD34EF56"] {
            let err = validate_target(bad).unwrap_err().to_string();
            assert!(err.starts_with("target: ") && err.contains("12 digits"), "{bad}: {err}");
        }
    }
}
