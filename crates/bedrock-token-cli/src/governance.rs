//! `audit`, `revoke`, `guardrails`: Bedrock API keys across the whole account.

use bedrock_token::provision::{scp, Principal, ProvisionError, RevokeOptions, ScpOptions, DEFAULT_MAX_AGE_DAYS};

use crate::aws::AwsArgs;
use crate::output::ReportFormat;
use crate::Failure;

/// List every Bedrock API key in the account and flag the risky ones; exit 3 on findings.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    #[command(flatten)]
    aws: AwsArgs,
    /// Keys older than this many days are a finding
    #[arg(long, default_value_t = DEFAULT_MAX_AGE_DAYS)]
    max_age_days: u64,
    /// Output format: text (one line a key, with its findings) or json (the whole report; stable, see the README)
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
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
#[derive(Debug, clap::Args)]
pub struct GuardrailsArgs {
    /// Print a service control policy for AWS Organizations (the only kind so far)
    #[arg(long, required = true)]
    scp: bool,
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
    let report = args.aws.iam().await?.audit(args.max_age_days).await?;
    match args.format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&report).expect("serializable")),
        ReportFormat::Text => {
            println!("{:<40} {:<24} {:<8} {:>5}  {:<20}  findings", "user", "key", "status", "days", "expires");
            for key in &report.keys {
                let expires = key.expires_at.map_or("never".to_owned(), bedrock_token::rfc3339);
                let findings: Vec<String> = key.findings.iter().map(|f| f.message()).collect();
                let findings = if findings.is_empty() { "-".to_owned() } else { findings.join("; ") };
                println!("{:<40} {:<24} {:<8} {:>5}  {:<20}  {findings}", key.user_name, key.key_id, key.status, key.age_days, expires);
            }
            println!("{} Bedrock API keys, {} findings", report.keys.len(), report.findings);
        }
    }
    match report.findings {
        0 => Ok(()),
        n => Err(Failure::Findings(n)),
    }
}

pub async fn revoke(args: RevokeArgs) -> Result<(), Failure> {
    let iam = args.aws.iam().await?;
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

pub fn guardrails(args: GuardrailsArgs) -> Result<(), ProvisionError> {
    let options = ScpOptions {
        max_key_age_days: Some(args.max_key_age_days.unwrap_or(DEFAULT_MAX_AGE_DAYS as u32)),
        deny_long_term: args.deny_long_term,
        deny_bearer: args.deny_bearer,
    };
    options.validate()?;
    println!("{}", serde_json::to_string_pretty(&scp(&options)).expect("serializable"));
    for line in options.stops() {
        eprintln!("stops: {line}");
    }
    for line in options.does_not_stop() {
        eprintln!("does not stop: {line}");
    }
    Ok(())
}
