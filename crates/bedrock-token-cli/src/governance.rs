//! `audit`, `revoke`, `guardrails`: Bedrock API keys across the whole account.

use bedrock_token::provision::{
    scp, AuditedKey, Organization, OrganizationAuditOptions, Principal, ProvisionError, RevokeOptions, ScpOptions, DEFAULT_MAX_AGE_DAYS,
    DEFAULT_ORGANIZATION_CONCURRENCY, DEFAULT_ORGANIZATION_ROLE,
};

use crate::aws::{AccountArgs, AwsArgs};
use crate::output::ReportFormat;
use crate::Failure;

/// List every Bedrock API key in the account (or in every account of an AWS organisation) and flag the
/// risky ones; exit 3 on findings.
///
/// With --organization: the organisation's active accounts are listed (AWS Organizations), the role is
/// assumed in each (the caller's own account is audited with the caller's credentials), and one report
/// names each account's keys and findings, and the accounts that could not be audited with the reason.
/// Exit 3 on findings; else 1 if an account could not be audited; else 0.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// Keys older than this many days are a finding
    #[arg(long, default_value_t = DEFAULT_MAX_AGE_DAYS)]
    max_age_days: u64,
    /// Output format: text (one line a key, with its findings) or json (the whole report; stable, see the README)
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
    /// Audit every active account of the AWS organisation of these credentials (its management account or a delegated administrator)
    #[arg(long)]
    organization: bool,
    /// With --organization: the role to assume in each member account
    #[arg(long, requires = "organization", default_value = DEFAULT_ORGANIZATION_ROLE)]
    role: String,
    /// With --organization: only the accounts under these organisational units or roots (ou-…, r-…), at any depth; repeatable
    #[arg(long = "ou", value_name = "ID", requires = "organization")]
    ous: Vec<String>,
    /// With --organization: how many accounts to audit at a time (1 to 32)
    #[arg(long, requires = "organization", default_value_t = DEFAULT_ORGANIZATION_CONCURRENCY)]
    concurrency: usize,
}

/// Revoke Bedrock API keys of a role or user, or one long-term key; the output says what is stopped and what is not.
///
/// A role: its sessions issued before --before are denied (aws:TokenIssueTime). A user: its access keys and
/// Bedrock API keys are deactivated (--delete: deleted), and its temporary credentials issued before --before
/// denied; an IAM user's own keys carry no aws:TokenIssueTime, so a deny on it alone would stop nothing.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["role", "user", "key_id"]))]
pub struct RevokeArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// Deny the short-term keys this role's sessions made before --before
    #[arg(long)]
    role: Option<String>,
    /// Deactivate this user's access keys and Bedrock API keys, and deny its temporary credentials issued before --before
    #[arg(long)]
    user: Option<String>,
    /// Deactivate this long-term Bedrock API key (a service-specific credential id)
    #[arg(long)]
    key_id: Option<String>,
    /// With --role or --user: revoke keys whose credentials were issued before this time (RFC 3339; default now)
    #[arg(long, conflicts_with = "key_id")]
    before: Option<String>,
    /// With --before: move a revocation already in force to an earlier time (by default the later time is kept)
    #[arg(long, requires = "before", conflicts_with_all = ["key_id", "undo"])]
    allow_earlier: bool,
    /// With --user or --key-id: delete the keys instead of deactivating them (cannot be undone)
    #[arg(long, conflicts_with = "role")]
    delete: bool,
    /// Take the revocation back: remove the deny, and activate again the keys it deactivated
    #[arg(long, conflicts_with_all = ["delete", "before"])]
    undo: bool,
    /// Print what would change and change nothing. It still reads IAM
    #[arg(long)]
    dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

/// Print a service control policy (JSON) that limits Bedrock API keys across an organisation; what it stops
/// and what it does not go to stderr.
///
/// With --attach TARGET: the policy is kept in AWS Organizations as bedrock-token-guardrails (tagged
/// created-by=bedrock-token; created if missing, updated in place when its content differs) and attached to
/// the root, OU or account; a re-run changes nothing. --detach TARGET detaches it (the policy stays). Run
/// them as the organisation's management account (or a delegated administrator for policies).
#[derive(Debug, clap::Args)]
pub struct GuardrailsArgs {
    #[command(flatten)]
    aws: AwsArgs,
    /// Print a service control policy for AWS Organizations (the only kind so far)
    #[arg(long, required = true)]
    scp: bool,
    /// Create or update the policy in AWS Organizations and attach it to this root (r-…), OU (ou-…) or account (12 digits)
    #[arg(long, value_name = "TARGET", conflicts_with = "detach")]
    attach: Option<String>,
    /// Detach the policy from this root, OU or account (the policy itself stays)
    #[arg(long, value_name = "TARGET", conflicts_with_all = ["max_key_age_days", "deny_long_term", "deny_bearer"])]
    detach: Option<String>,
    /// With --attach or --detach: print what would change and change nothing. It still reads AWS Organizations
    #[arg(long)]
    dry_run: bool,
    /// Deny creating long-term Bedrock API keys that live longer than this many days, or never expire (default 90)
    #[arg(long)]
    max_key_age_days: Option<u32>,
    /// Deny creating and using long-term Bedrock API keys
    #[arg(long)]
    deny_long_term: bool,
    /// Deny every Bedrock API key, short-term and long-term
    #[arg(long)]
    deny_bearer: bool,
}

pub async fn audit(args: AuditArgs) -> Result<(), Failure> {
    if args.organization {
        if args.account.account.is_some() || args.account.account_role.is_some() {
            return Err(Failure::Usage("--account and --account-role apply only without --organization (which audits every account; --ou chooses some)".to_owned()));
        }
        return audit_organization(args).await;
    }
    let report = args.aws.iam_in(&args.account).await?.audit(args.max_age_days).await?;
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).expect("serializable")),
        ReportFormat::Text => {
            print_keys(&report.keys, None);
            println!("{} Bedrock API keys, {} findings", report.keys.len(), report.findings);
        }
    }
    match report.findings {
        0 => Ok(()),
        n => Err(Failure::Findings(n)),
    }
}

/// `audit --organization`: exit 3 on findings, else 1 when an account could not be audited.
async fn audit_organization(args: AuditArgs) -> Result<(), Failure> {
    let options = OrganizationAuditOptions { role: args.role, ous: args.ous, concurrency: args.concurrency, max_age_days: args.max_age_days };
    let organization = Organization::from_profile(args.aws.profile.as_deref(), args.aws.region.as_deref()).await?;
    let report = organization.audit(&options).await?;
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).expect("serializable")),
        ReportFormat::Text => {
            for account in &report.accounts {
                println!("account {} ({}): {} Bedrock API keys, {} findings", account.account_id, account.account_name, account.keys.len(), account.findings);
                print_keys(&account.keys, Some("  "));
            }
            for account in &report.not_audited {
                println!("account {} ({}): not audited: {}", account.account_id, account.account_name, account.message);
            }
            let keys: usize = report.accounts.iter().map(|a| a.keys.len()).sum();
            println!("{} accounts audited, {} not audited; {keys} Bedrock API keys, {} findings", report.accounts.len(), report.not_audited.len(), report.findings);
        }
    }
    if report.findings > 0 {
        return Err(Failure::Findings(report.findings));
    }
    match report.not_audited.len() {
        0 => Ok(()),
        n => Err(Failure::Incomplete(format!(
            "{n} account(s) could not be audited: {}",
            report.not_audited.iter().map(|a| format!("{} ({})", a.account_id, serde_json::to_value(a.reason).expect("serializable").as_str().unwrap_or_default())).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The keys as a table, each line after `indent`.
fn print_keys(keys: &[AuditedKey], indent: Option<&str>) {
    let indent = indent.unwrap_or_default();
    println!("{indent}{:<40} {:<24} {:<8} {:>5}  {:<20}  findings", "user", "key", "status", "days", "expires");
    for key in keys {
        let expires = key.expires_at.map_or("never".to_owned(), bedrock_token::rfc3339);
        let findings: Vec<String> = key.findings.iter().map(|f| f.message()).collect();
        let findings = if findings.is_empty() { "-".to_owned() } else { findings.join("; ") };
        println!("{indent}{:<40} {:<24} {:<8} {:>5}  {:<20}  {findings}", key.user_name, key.key_id, key.status, key.age_days, expires);
    }
}

pub async fn revoke(args: RevokeArgs) -> Result<(), Failure> {
    let iam = args.aws.iam_in(&args.account).await?;
    let report = match (args.role, args.user, args.key_id) {
        (_, _, Some(key_id)) => iam.revoke_key(&key_id, args.delete, args.undo, args.dry_run).await?,
        (role, user, None) => {
            let principal = match (role, user) {
                (Some(role), _) => Principal::Role(role),
                (None, Some(user)) => Principal::User(user),
                (None, None) => unreachable!("clap requires one of --role, --user, --key-id"),
            };
            let before = match args.before {
                Some(text) => Some(
                    chrono::DateTime::parse_from_rfc3339(&text)
                        .map_err(|_| ProvisionError::InvalidInput { field: "before", reason: format!("{text:?} is not an RFC 3339 time such as 2026-12-01T08:00:00Z") })?
                        .into(),
                ),
                None => None,
            };
            let options = RevokeOptions { before, delete_keys: args.delete, allow_earlier: args.allow_earlier, undo: args.undo, dry_run: args.dry_run };
            iam.revoke_tokens(&principal, &options).await?
        }
    };
    if args.format == ReportFormat::Json {
        println!("{}", serde_json::to_string_pretty(&report).expect("serializable"));
        return Ok(());
    }
    for action in &report.actions {
        println!("{}{action}", if report.dry_run { "would " } else { "" });
    }
    if report.actions.is_empty() {
        println!("{}: nothing to do, already as asked", report.target);
    }
    for note in &report.notes {
        println!("note: {note}");
    }
    let when = if report.dry_run { "would stop" } else { "stops" };
    for line in &report.stops {
        println!("{when}: {line}");
    }
    for line in &report.does_not_stop {
        println!("does not stop: {line}");
    }
    Ok(())
}

pub async fn guardrails(args: GuardrailsArgs) -> Result<(), Failure> {
    let options = ScpOptions {
        max_key_age_days: Some(args.max_key_age_days.unwrap_or(DEFAULT_MAX_AGE_DAYS as u32)),
        deny_long_term: args.deny_long_term,
        deny_bearer: args.deny_bearer,
    };
    options.validate()?;
    let report = match (&args.attach, &args.detach) {
        (None, None) => {
            if args.dry_run {
                return Err(Failure::Usage("--dry-run applies only with --attach or --detach".to_owned()));
            }
            println!("{}", serde_json::to_string_pretty(&scp(&options)).expect("serializable"));
            None
        }
        (Some(target), _) => Some(organization(&args.aws).await?.attach_guardrails(&options, target, args.dry_run).await?),
        (None, Some(target)) => Some(organization(&args.aws).await?.detach_guardrails(target, args.dry_run).await?),
    };
    if let Some(report) = &report {
        let verb = if report.dry_run { "would " } else { "" };
        for action in &report.actions {
            println!("{verb}{action}");
        }
        if report.actions.is_empty() {
            let id = report.policy_id.as_deref().unwrap_or(&report.policy_name);
            match args.attach.is_some() {
                true => println!("service control policy {id}: up to date, attached to {}; nothing to do", report.target),
                false => println!("service control policy {id}: not attached to {}; nothing to do", report.target),
            }
        }
        match (args.detach.is_some(), report.attached_elsewhere.as_slice()) {
            (true, []) if report.policy_id.is_some() => {
                let now = if report.dry_run { "would then be attached nowhere" } else { "is attached nowhere now" };
                println!("note: the policy {now}, and stays in AWS Organizations (aws organizations delete-policy deletes it)");
            }
            (_, []) => {}
            (_, others) => println!("note: the policy is also attached to {}", others.join(", ")),
        }
        if args.detach.is_some() {
            return Ok(());
        }
    }
    for line in options.stops() {
        eprintln!("stops: {line}");
    }
    for line in options.does_not_stop() {
        eprintln!("does not stop: {line}");
    }
    Ok(())
}

/// The organisation of these credentials, for --attach and --detach.
async fn organization(aws: &AwsArgs) -> Result<Organization, Failure> {
    Ok(Organization::from_profile(aws.profile.as_deref(), aws.region.as_deref()).await?)
}
