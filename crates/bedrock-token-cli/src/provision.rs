//! `provision`, `rotate`, `deprovision`, `list`: long-term Bedrock access per business unit.
//!
//! The IAM endpoint follows the standard settings (`AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL`).
//! A new secret is printed once, to stdout only (if stdout fails, its key is named on stderr with
//! the command that deletes it), or with `--store` put into a Secrets Manager secret and never
//! printed (unless storing it fails: then it is printed once); warnings go to stderr.

use std::time::Duration;

use bedrock_token::provision::{
    Action, BusinessUnit, KeyKind, KeyRequest, NewKey, ProvisionReport, RotationOptions,
    SecretStore, SecurityWarning, StoreError, StoreRotateReport, StoreTarget, StoredKey,
};
use serde::Serialize;
use zeroize::Zeroizing;

use crate::aws::{AccountArgs, AwsArgs};
use crate::output::ReportFormat;
use crate::Failure;
use crate::secret_output::Stdout;
use crate::unit::{KeyArg, Unit, DEFAULT_API_KEY_DAYS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RotateKeyArg {
    AccessKey,
    ApiKey,
}

/// Create (or converge) a business unit's IAM user, Bedrock policy and key.
#[derive(Debug, clap::Args)]
pub struct ProvisionArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// Business unit: lowercase letters, digits, hyphens; the user is {business-unit}-bedrock-user
    #[arg(long, required_unless_present = "manifest", conflicts_with = "manifest")]
    business_unit: Option<String>,
    /// Owner's email address (the `owner` tag)
    #[arg(long, required_unless_present = "manifest", conflicts_with = "manifest")]
    owner: Option<String>,
    /// Provision every business unit of this TOML manifest instead (one [units.NAME] table each; see the README)
    #[arg(long, value_name = "FILE")]
    manifest: Option<std::path::PathBuf>,
    /// With --manifest: write each new secret to DIR/{business-unit}.json (mode 0600) instead of stdout
    #[arg(long, value_name = "DIR")]
    secrets_dir: Option<std::path::PathBuf>,
    /// With --manifest: how many business units to provision at once (1 to 32) [default: 4]
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=32))]
    concurrency: Option<u16>,
    /// limited (AmazonBedrockLimitedAccess), full (AmazonBedrockFullAccess), or a policy ARN
    #[arg(long, default_value = "limited", conflicts_with = "manifest")]
    policy: String,
    /// Instead of --policy: an inline policy allowing only these models (repeatable): a model ID, a foundation-model ARN, or an inference-profile ID or ARN (us.…, global.…)
    #[arg(long = "model", conflicts_with_all = ["policy", "manifest"])]
    models: Vec<String>,
    /// Which key to create: none, an IAM access key pair, or a long-term Bedrock API key
    #[arg(long, value_enum, default_value = "none", conflicts_with = "manifest")]
    key: KeyArg,
    /// With --key api-key: days until IAM expires the key (1 to 36600) [default: 90]
    #[arg(long, conflicts_with = "manifest")]
    api_key_days: Option<u32>,
    /// Extra tag KEY=VALUE (repeatable)
    #[arg(long = "tag", value_parser = parse_tag, conflicts_with = "manifest")]
    tags: Vec<(String, String)>,
    /// IAM path of the user
    #[arg(long, default_value = bedrock_token::provision::DEFAULT_PATH, conflicts_with = "manifest")]
    path: String,
    /// Put the new key's secret into this AWS Secrets Manager secret (created if missing, with the user's tags) instead of stdout: secretsmanager:NAME_OR_ARN
    #[arg(long, value_name = "secretsmanager:NAME_OR_ARN", value_parser = parse_store, conflicts_with = "manifest")]
    store: Option<StoreTarget>,
    /// With --store: the KMS key (id, ARN or alias) that encrypts the secret when this command creates it [default: aws/secretsmanager]
    #[arg(long, value_name = "ID", conflicts_with = "manifest")]
    kms_key_id: Option<String>,
    /// Print the plan and change nothing. It still reads IAM, so it needs credentials and network
    #[arg(long)]
    dry_run: bool,
    /// Adopt an existing user that bedrock-token did not create
    #[arg(long, conflicts_with = "manifest")]
    force: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

/// Create a new key and deactivate (or delete) the old one.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// Business unit whose user {business-unit}-bedrock-user gets the new key
    #[arg(long)]
    business_unit: String,
    /// Which kind of key to rotate
    #[arg(long, value_enum)]
    key: RotateKeyArg,
    /// With --key api-key: days until IAM expires the new key (1 to 36600) [default: 90]
    #[arg(long)]
    api_key_days: Option<u32>,
    /// Delete the old key instead of deactivating it
    #[arg(long)]
    delete_old: bool,
    /// Rotate without downtime through this AWS Secrets Manager secret (staging labels AWSPENDING, AWSCURRENT, AWSPREVIOUS): secretsmanager:NAME_OR_ARN
    #[arg(long, value_name = "secretsmanager:NAME_OR_ARN", value_parser = parse_store, conflicts_with_all = ["delete_old", "dry_run"])]
    store: Option<StoreTarget>,
    /// With --store: how long the old key stays active once the new one is current, e.g. 1h, 30m, 2d (0s to 30d) [default: 1h]
    #[arg(long, value_name = "DURATION", value_parser = parse_grace, requires = "store")]
    grace: Option<Duration>,
    /// With --store: make no new key; deactivate, then delete, the old key (AWSPREVIOUS's) once its grace period is over
    #[arg(long, requires = "store")]
    finish: bool,
    /// With --store --key api-key: call Bedrock (ListFoundationModels) with the new key before making it current; access keys are always verified (STS)
    #[arg(long, requires = "store")]
    verify: bool,
    /// With --store: the KMS key (id, ARN or alias) that encrypts the secret if this rotation creates it
    #[arg(long, value_name = "ID", requires = "store")]
    kms_key_id: Option<String>,
    /// Print the plan and change nothing. It still reads IAM, so it needs credentials and network
    #[arg(long)]
    dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

/// Remove a business unit's keys, policies and user.
#[derive(Debug, clap::Args)]
pub struct DeprovisionArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// Business unit whose user {business-unit}-bedrock-user is removed
    #[arg(long)]
    business_unit: String,
    /// Remove a user that bedrock-token did not create
    #[arg(long)]
    force: bool,
    /// List what would be removed and change nothing. It still reads IAM, so it needs credentials and network
    #[arg(long)]
    dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

/// List provisioned users with their keys' ages and status.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    aws: AwsArgs,
    #[command(flatten)]
    account: AccountArgs,
    /// IAM path under which bedrock-token created its users
    #[arg(long, default_value = bedrock_token::provision::DEFAULT_PATH)]
    path: String,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

fn parse_store(text: &str) -> Result<StoreTarget, String> {
    StoreTarget::parse(text).map_err(|e| e.to_string())
}

fn parse_grace(text: &str) -> Result<Duration, String> {
    bedrock_token::provision::parse_grace(text).map_err(|e| e.to_string())
}

fn parse_tag(text: &str) -> Result<(String, String), String> {
    let (key, value) = text.split_once('=').ok_or("expected KEY=VALUE")?;
    bedrock_token::provision::validate_tag(key, value).map_err(|e| e.to_string())?;
    Ok((key.to_owned(), value.to_owned()))
}

/// `--api-key-days` only means something for a long-term Bedrock API key.
fn api_key_days(days: Option<u32>, api_key: bool) -> Result<u32, Failure> {
    match days {
        Some(_) if !api_key => Err(Failure::Usage("--api-key-days applies only with --key api-key".to_owned())),
        days => Ok(days.unwrap_or(DEFAULT_API_KEY_DAYS)),
    }
}

/// Business units provisioned at once from a manifest when `--concurrency` is not given.
const DEFAULT_CONCURRENCY: u16 = 4;

pub async fn provision(args: ProvisionArgs) -> Result<(), Failure> {
    if let Some(manifest) = &args.manifest {
        if args.account.account.is_some() || args.account.account_role.is_some() {
            return Err(Failure::Usage("--account and --account-role apply only without --manifest (a unit's account is `account` in its table)".to_owned()));
        }
        let concurrency = args.concurrency.unwrap_or(DEFAULT_CONCURRENCY).into();
        return crate::manifest::run(manifest, &args.aws, args.secrets_dir.as_deref(), concurrency, args.dry_run, args.format).await;
    }
    // clap's `requires` gives way to the required --business-unit, so these are refused here.
    for (given, flag) in [(args.secrets_dir.is_some(), "--secrets-dir"), (args.concurrency.is_some(), "--concurrency")] {
        if given {
            return Err(Failure::Usage(format!("{flag} applies only with --manifest")));
        }
    }
    if args.kms_key_id.is_some() && args.store.is_none() {
        return Err(Failure::Usage("--kms-key-id applies only with --store".to_owned()));
    }
    if args.store.is_some() && args.key == KeyArg::None {
        return Err(Failure::Usage("--store needs a key to store: --key access-key or --key api-key".to_owned()));
    }
    let api_key_days = api_key_days(args.api_key_days, args.key == KeyArg::ApiKey)?;
    let unit = Unit {
        business_unit: args.business_unit.unwrap_or_default(),
        owner: args.owner.unwrap_or_default(),
        policy: args.policy,
        models: args.models,
        key: args.key,
        api_key_days,
        tags: args.tags,
        path: args.path,
        force: args.force,
    };
    let request = unit.request(args.dry_run)?;
    let iam = args.aws.iam_in(&args.account).await?;
    if let Some(target) = args.store {
        let store = args.aws.store(target).await?;
        // Read first: a store that cannot be reached fails before any key is made.
        let held = if args.dry_run { None } else { store.current_key_id().await? };
        let report = iam.provision(&request).await?;
        let kind = if args.key == KeyArg::AccessKey { KeyKind::AccessKey } else { KeyKind::ApiKey };
        return provision_into(&iam, &store, kind, held, args.kms_key_id.as_deref(), args.format, &report).await;
    }
    let report = iam.provision(&request).await?;
    let mut out = Stdout::default();
    let new_key = report.new_key.as_ref().map(|key| (report.user_name.as_str(), key));
    print(&mut out, args.format, &report, &report.actions, report.dry_run, &report.warnings, new_key, |out| {
        if report.actions.is_empty() {
            out.line(format_args!("{}: nothing to do, already provisioned", report.user_name));
        }
    });
    out.finish()
}

pub async fn rotate(args: RotateArgs) -> Result<(), Failure> {
    let days = api_key_days(args.api_key_days, args.key == RotateKeyArg::ApiKey)?;
    let key = match args.key {
        RotateKeyArg::AccessKey => KeyRequest::AccessKey,
        RotateKeyArg::ApiKey => KeyRequest::ApiKey { days },
    };
    let unit = BusinessUnit::new(&args.business_unit)?;
    if let Some(target) = args.store {
        if args.verify && args.key == RotateKeyArg::AccessKey {
            return Err(Failure::Usage("--verify applies only with --key api-key: a new access key is always verified (STS GetCallerIdentity)".to_owned()));
        }
        let options = RotationOptions {
            grace: args.grace.unwrap_or(bedrock_token::provision::DEFAULT_GRACE),
            finish_only: args.finish,
            verify_api_key: args.verify,
            kms_key_id: args.kms_key_id,
        };
        let store = args.aws.store(target).await?;
        let result = store.rotate(&args.aws.iam_in(&args.account).await?, &unit, key, &options).await;
        return rotated(&store, args.format, result);
    }
    let report = args.aws.iam_in(&args.account).await?.rotate(&unit, key, args.delete_old, args.dry_run).await?;
    let mut out = Stdout::default();
    let new_key = report.new_key.as_ref().map(|key| (report.user_name.as_str(), key));
    print(&mut out, args.format, &report, &report.actions, report.dry_run, &report.warnings, new_key, |_| {});
    out.finish()
}

pub async fn deprovision(args: DeprovisionArgs) -> Result<(), Failure> {
    let unit = BusinessUnit::new(&args.business_unit)?;
    let report = args.aws.iam_in(&args.account).await?.deprovision(&unit, args.force, args.dry_run).await?;
    let mut out = Stdout::default();
    print(&mut out, args.format, &report, &report.actions, report.dry_run, &report.warnings, None, |out| {
        if report.actions.is_empty() {
            out.line(format_args!("{}: does not exist, nothing to remove", report.user_name));
        }
    });
    out.finish()
}

pub async fn list(args: ListArgs) -> Result<(), Failure> {
    let users = args.aws.iam_in(&args.account).await?.list(&args.path).await?;
    if args.format == ReportFormat::Json {
        println!("{}", serde_json::to_string_pretty(&users).expect("serializable"));
        return Ok(());
    }
    for user in &users {
        let owner = user.owner.as_deref().unwrap_or("-");
        println!("{}  owner={owner}  keys={}", user.user_name, user.keys.len());
        for key in &user.keys {
            let status = if key.active { "active" } else { "inactive" };
            println!("  {} {} {status} {} days old", key.kind, key.id, key.age_days);
        }
        for warning in &user.warnings {
            eprintln!("warning: {}: {}", user.user_name, warning.message());
        }
    }
    if users.is_empty() {
        println!("no users provisioned by bedrock-token under {}", args.path);
    }
    Ok(())
}

/// Delivers a provisioning's new key into the secret and prints the report, which names the
/// secret's ARN and version, never the secret. When storing fails, the secret is printed once
/// instead (exit 1). A unit with no new key must have its active key held by the secret (`held`:
/// the key id of its AWSCURRENT version before the run).
async fn provision_into(iam: &bedrock_token::provision::Iam, store: &SecretStore, kind: KeyKind, held: Option<String>, kms_key_id: Option<&str>, format: ReportFormat, report: &ProvisionReport) -> Result<(), Failure> {
    let mut out = Stdout::default();
    let Some(key) = &report.new_key else {
        print(&mut out, format, report, &report.actions, report.dry_run, &report.warnings, None, |out| {
            match (report.dry_run, report.actions.is_empty()) {
                (true, _) => out.line(format_args!("would store a new key's secret in {}", store.target())),
                (false, true) => out.line(format_args!("{}: nothing to do, already provisioned", report.user_name)),
                (false, false) => {}
            }
        });
        out.finish()?;
        let active: Vec<&str> = report.existing_keys.iter().filter(|k| k.active && k.kind == kind).map(|k| k.id.as_str()).collect();
        return match report.dry_run || active.is_empty() || active.iter().any(|id| held.as_deref() == Some(*id)) {
            true => Ok(()),
            false => Err(Failure::Incomplete(format!(
                "{} of {} is active, but {} does not hold it (it was made elsewhere, or storing it failed); `bedrock-token rotate --store {}` puts a new key there",
                active.join(", "),
                report.user_name,
                store.target(),
                store.target()
            ))),
        };
    };
    match store.store_new_key(iam, &report.user_name, key, kms_key_id).await {
        Ok(stored) => {
            print_stored(&mut out, format, report, &stored);
            out.finish()
        }
        Err(err) => {
            print(&mut out, format, report, &report.actions, false, &report.warnings, Some((report.user_name.as_str(), key)), |_| {});
            let lost = out.lost() > 0;
            let _ = out.finish();
            Err(Failure::Incomplete(format!(
                "could not store {} {} in {} ({}); {}",
                key.kind,
                key.id,
                store.target(),
                bedrock_token::error_chain(&err),
                if lost { "its secret could not be printed either: delete the key (named above)".to_owned() } else { format!("its secret is printed above, once: store it now, or delete the key ({})", crate::secret_output::delete_command(&report.user_name, key)) }
            )))
        }
    }
}

/// A provisioning whose key went into a secret: the report without the secret, and where it is.
fn print_stored(out: &mut Stdout, format: ReportFormat, report: &ProvisionReport, stored: &StoredKey) {
    if format == ReportFormat::Json {
        let mut json = serde_json::to_value(report).expect("serializable");
        if let Some(serde_json::Value::String(secret)) = json.get_mut("new_key").and_then(serde_json::Value::as_object_mut).and_then(|key| key.remove("secret")) {
            drop(Zeroizing::new(secret));
        }
        json["stored"] = serde_json::to_value(stored).expect("serializable");
        out.line(serde_json::to_string_pretty(&json).expect("serializable"));
        return;
    }
    for action in &report.actions {
        out.line(action);
    }
    out.line(format_args!("stored the new key {} in {} (version {}); its secret was not printed", stored.key_id, stored.secret_arn, stored.version_id));
    for warning in report.warnings.iter().filter(|w| !matches!(w, SecurityWarning::StoreSecretNow)) {
        eprintln!("warning: {}", warning.message());
    }
}

/// Prints a rotation through a secret. A new key the secret could not be shown to hold is printed
/// once (exit 1).
fn rotated(store: &SecretStore, format: ReportFormat, result: Result<StoreRotateReport, StoreError>) -> Result<(), Failure> {
    let mut out = Stdout::default();
    let report = match result {
        Ok(report) => report,
        Err(StoreError::NotStored { user, secret, key, source }) => {
            out.new_key(&user, &key);
            let lost = out.lost() > 0;
            let _ = out.finish();
            return Err(Failure::Incomplete(format!(
                "{} {} of {user} was created but storing it in {secret} failed ({}); {}",
                key.kind,
                key.id,
                bedrock_token::error_chain(&source),
                if lost { "its secret could not be printed either: delete the key (named above)" } else { "its secret is printed above, once; run the rotation again to resume (it deletes the key if the secret does not hold it)" }
            )));
        }
        Err(StoreError::Failed(err)) => return Err(err.into()),
        Err(other) => return Err(Failure::Incomplete(bedrock_token::error_chain(&other))),
    };
    if format == ReportFormat::Json {
        out.line(serde_json::to_string_pretty(&report).expect("serializable"));
        return out.finish();
    }
    for step in &report.steps {
        out.line(step);
    }
    match &report.current {
        Some(current) => out.line(format_args!("{} version {} (AWSCURRENT) holds key {}", current.secret_arn, current.version_id, current.key_id)),
        None => out.line(format_args!("{} holds no key yet", store.target())),
    }
    if let (Some(old), Some(until)) = (&report.old_key, report.grace_ends_at) {
        out.line(format_args!(
            "old key {old} stays active until {}; then `bedrock-token rotate --store {} --finish` deactivates and deletes it",
            bedrock_token::rfc3339(until),
            store.target()
        ));
    }
    for warning in &report.warnings {
        eprintln!("warning: {}", warning.message());
    }
    out.finish()
}

/// `value` as pretty JSON that may hold a secret: measured first, then written once into a buffer
/// of that size, so no growing leaves a copy of it behind; wiped on drop.
pub(crate) fn secret_json<T: Serialize>(value: &T) -> Zeroizing<String> {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0 += bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    serde_json::to_writer_pretty(&mut count, value).expect("serializable");
    let mut bytes = Zeroizing::new(Vec::with_capacity(count.0));
    serde_json::to_writer_pretty(&mut *bytes, value).expect("serializable");
    Zeroizing::new(String::from_utf8(std::mem::take(&mut *bytes)).expect("JSON is UTF-8"))
}

/// JSON: the whole report on stdout. Text: the actions, then `details`, then the new key, then
/// warnings on stderr. A new key's secret that stdout does not take is named on stderr with the
/// command that deletes the key (see [`Stdout::secrets`]).
#[allow(clippy::too_many_arguments)]
fn print<R: Serialize>(
    out: &mut Stdout,
    format: ReportFormat,
    report: &R,
    actions: &[Action],
    dry_run: bool,
    warnings: &[SecurityWarning],
    new_key: Option<(&str, &NewKey)>,
    details: impl FnOnce(&mut Stdout),
) {
    if format == ReportFormat::Json {
        let json = secret_json(report);
        match new_key {
            Some(key) => {
                out.secrets(&*json, &[key]);
            }
            None => out.line(&*json),
        }
        return;
    }
    for action in actions {
        out.line(format_args!("{}{action}", if dry_run { "would " } else { "" }));
    }
    details(out);
    if let Some((user, key)) = new_key {
        out.new_key(user, key);
    }
    for warning in warnings {
        eprintln!("warning: {}", warning.message());
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn secret_json_is_written_once_into_a_buffer_of_its_size() {
        let value = serde_json::json!({"new_key": {"secret": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}, "actions": vec!["a"; 40]});
        let json = super::secret_json(&value);
        assert_eq!(*json, serde_json::to_string_pretty(&value).unwrap());
        assert_eq!(json.capacity(), json.len(), "no growth, so no copy left behind");
    }
}
