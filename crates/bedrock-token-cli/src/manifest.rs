//! `provision --manifest units.toml`: many business units at once.
//!
//! ```toml
//! [units.sales]
//! owner = "sales-ops@example.com"
//! key = "api-key"          # none (default), access-key or api-key
//! api_key_days = 30        # default 90
//! tags = { cost-center = "4711" }
//!
//! [units.support]
//! owner = "support@example.com"
//! key = "access-key"
//! store = "secretsmanager:prod/support/bedrock-key"   # the secret goes there, not to a file
//! kms_key_id = "alias/bedrock-keys"                   # optional, when the secret is created
//!
//! [units.research]
//! owner = "research@example.com"
//! models = ["us.anthropic.claude-sonnet-4-20250514-v1:0"]   # or policy = "limited" | "full" | ARN
//! account = "210987654321"   # provisioned in this account (default: the credentials' own)
//! role = "BedrockAdmin"      # assumed there (default: OrganizationAccountAccessRole)
//! ```
//!
//! A unit with `account` is provisioned in that account through the role (STS AssumeRole,
//! once per account and role, shared by its units); the units of an account that cannot be
//! reached fail with the reason, the others go on. `--concurrency` counts units in all accounts.
//!
//! Units run at most `--concurrency` at a time; the SDK's adaptive retry slows down when IAM
//! throttles. New secrets go only where asked: one file each in `--secrets-dir` (a directory
//! created with mode 0700; files of mode 0600, written atomically), or the JSON report on stdout.
//! A run without either that would make a key is refused before any IAM call.
//!
//! No secret is ever dropped: every unit is provisioned and reported, each secret is written if
//! it can be, and a secret whose file cannot be written goes to stdout once instead (in the text
//! lines, or left in its unit's JSON report); if stdout fails too, its key is named on stderr with
//! the command that deletes it. The run then exits 1 with a summary naming each unit that failed.
//! A unit with `store` gets its key into that Secrets Manager secret instead (as `provision --store`);
//! if storing fails, its secret goes to stdout once, as above.
//! A re-run checks what an earlier run may have left unaccounted for: a unit that asks for a key
//! and has an active one whose secret `DIR/{unit}.json` does not hold is reported as failed (exit
//! 1), with the command that deletes the key, until the file holds it or the key is replaced.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bedrock_token::provision::{
    AccountRole, Action, Iam, KeyKind, KeyStatus, NewKey, ProvisionError, ProvisionReport, SecretStore, SecurityWarning, StoreTarget, StoredKey, DEFAULT_PATH,
};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::aws::AwsArgs;
use crate::output::ReportFormat;
use crate::private_file;
use crate::secret_output::Stdout;
use crate::unit::{KeyArg, Unit, DEFAULT_API_KEY_DAYS};
use crate::Failure;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    units: BTreeMap<String, UnitTable>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitTable {
    owner: String,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    models: Vec<String>,
    #[serde(default)]
    key: Option<KeyArg>,
    #[serde(default)]
    api_key_days: Option<u32>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    force: bool,
    #[serde(default)]
    store: Option<String>,
    #[serde(default)]
    kms_key_id: Option<String>,
    #[serde(default)]
    account: Option<String>,
    #[serde(default)]
    role: Option<String>,
}

fn invalid(field: &'static str, reason: String) -> Failure {
    Failure::Provision(ProvisionError::InvalidInput { field, reason })
}

pub async fn run(manifest: &Path, aws: &AwsArgs, secrets_dir: Option<&Path>, concurrency: usize, dry_run: bool, format: ReportFormat) -> Result<(), Failure> {
    let text = std::fs::read_to_string(manifest).map_err(|e| invalid("manifest", format!("cannot read {}: {e}", manifest.display())))?;
    let parsed: Manifest = toml::from_str(&text).map_err(|e| invalid("manifest", format!("{}: {}", manifest.display(), e.message())))?;
    if parsed.units.is_empty() {
        return Err(invalid("manifest", format!("{}: no [units.NAME] tables", manifest.display())));
    }
    let mut names = Vec::new();
    let mut kinds = Vec::new();
    let mut requests = Vec::new();
    let mut stores = Vec::new();
    let mut targets = Vec::new();
    let mut accounts = Vec::new();
    let mut makes_keys = false;
    for (name, table) in parsed.units {
        if table.policy.is_some() && !table.models.is_empty() {
            return Err(invalid("manifest", format!("units.{name}: give policy or models, not both")));
        }
        let target = AccountRole::optional(table.account, table.role.as_deref()).map_err(|e| match e {
            ProvisionError::InvalidInput { field, reason } => invalid("manifest", format!("units.{name}.{field}: {reason}")),
            other => Failure::Provision(other),
        })?;
        let key = table.key.unwrap_or(KeyArg::None);
        let store = match (&table.store, key) {
            (None, _) if table.kms_key_id.is_some() => return Err(invalid("manifest", format!("units.{name}.kms_key_id: applies only with store"))),
            (None, _) => None,
            (Some(_), KeyArg::None) => return Err(invalid("manifest", format!("units.{name}.store: needs key = \"access-key\" or \"api-key\""))),
            (Some(text), _) => {
                let target = StoreTarget::parse(text).map_err(|e| invalid("manifest", format!("units.{name}.{e}")))?;
                Some((aws.store(target).await?, table.kms_key_id.clone()))
            }
        };
        makes_keys |= key != KeyArg::None && store.is_none();
        let unit = Unit {
            business_unit: name.clone(),
            owner: table.owner,
            policy: table.policy.unwrap_or_else(|| "limited".into()),
            models: table.models,
            key,
            api_key_days: table.api_key_days.unwrap_or(DEFAULT_API_KEY_DAYS),
            tags: table.tags.into_iter().collect(),
            path: table.path.unwrap_or_else(|| DEFAULT_PATH.into()),
            force: table.force,
        };
        let request = unit.request(dry_run).map_err(|e| match e {
            ProvisionError::InvalidInput { field, reason } => invalid("manifest", format!("units.{name}.{field}: {reason}")),
            other => Failure::Provision(other),
        })?;
        stores.push(store);
        names.push(name);
        kinds.push(key.kind());
        accounts.push(target.as_ref().map(|t| t.account().to_owned()));
        targets.push(target.clone());
        requests.push((target, request));
    }
    if makes_keys && !dry_run && secrets_dir.is_none() && format != ReportFormat::Json {
        return Err(invalid("secrets_dir", "units that get a key need --secrets-dir DIR or --format json: a secret is shown only once".into()));
    }
    if let Some(dir) = secrets_dir {
        private_file::create_dir(dir).map_err(|e| invalid("secrets_dir", format!("cannot create {}: {e}", dir.display())))?;
    }
    // Read each secret first: a store that cannot be reached fails the run before any key is made.
    let mut held = Vec::new();
    for store in &stores {
        held.push(match store {
            Some((store, _)) if !dry_run => store.current_key_id().await?,
            _ => None,
        });
    }
    let iam = aws.iam().await?;
    let results = iam.provision_across(requests, concurrency).await;
    // Keys exist from here on: no early return until every unit's outcome, and every new
    // secret, is accounted for.
    let mut out = Stdout::default();
    let mut failed = Vec::new();
    let mut summary = Vec::new();
    let mut in_report = Vec::new();
    let mut any_key = false;
    for ((((((name, kind), account), result), store), held), target) in names.iter().zip(&kinds).zip(&accounts).zip(&results).zip(&stores).zip(&held).zip(&targets) {
        let mut entry = serde_json::json!({"business_unit": name, "account": account, "report": null, "error": null, "secret_file": null, "stored": null});
        // In the text lines, a unit in another account says which.
        let label = &match account {
            Some(account) => format!("{name} (account {account})"),
            None => name.clone(),
        };
        let report = match result {
            Ok(report) => report,
            Err(err) => {
                let message = bedrock_token::error_chain(err);
                eprintln!("{label}: FAILED: {message}");
                entry["error"] = message.into();
                failed.push(format!("{label} (provisioning failed; run it again to converge)"));
                summary.push(entry);
                continue;
            }
        };
        any_key |= report.new_key.is_some();
        entry["report"] = serde_json::to_value(report).expect("serializable");
        let written = match (&report.new_key, store, secrets_dir) {
            (Some(key), Some((store, kms_key_id)), _) => Some(match store_in(&iam, target.as_ref(), store, &report.user_name, key, kms_key_id.as_deref()).await {
                Ok(stored) => {
                    entry["stored"] = serde_json::to_value(&stored).expect("serializable");
                    Ok(format!("{} version {}", stored.secret_arn, stored.version_id))
                }
                Err(err) => Err(format!("cannot store the secret of {} {} in {}: {}", key.kind, key.id, store.target(), bedrock_token::error_chain(&err))),
            }),
            (Some(key), None, Some(dir)) => Some(write_secret(dir, name, key).map(|path| {
                entry["secret_file"] = path.display().to_string().into();
                path.display().to_string()
            })),
            _ => None,
        };
        match &written {
            Some(Ok(_)) => wipe_secret(&mut entry),
            Some(Err(reason)) => {
                eprintln!("{label}: {reason}; the secret goes to standard output instead, once");
                entry["error"] = format!("{reason}; the secret is in this report, shown once").into();
                failed.push(format!("{label} (secret not written: {reason})"));
            }
            None => {}
        }
        let unaccounted = match (&report.new_key, store, secrets_dir, kind) {
            (None, Some((store, _)), _, Some(kind)) if !dry_run => {
                unaccounted(&store.target().to_string(), held.clone(), &report.user_name, *kind, &report.existing_keys)
            }
            (None, None, Some(dir), Some(kind)) => {
                let path = secret_path(dir, name);
                unaccounted(&path.display().to_string(), held_key_id(&path), &report.user_name, *kind, &report.existing_keys)
            }
            _ => None,
        };
        if let Some(reason) = &unaccounted {
            eprintln!("{label}: {reason}");
            entry["error"] = reason.clone().into();
            failed.push(format!("{label} (a key's secret is not where the manifest delivers it)"));
        }
        if format == ReportFormat::Text {
            let destination = match &written {
                Some(Ok(destination)) => destination.clone(),
                _ => "stdout, below".into(),
            };
            print_unit(&mut out, label, report, &destination);
            if let (Some(key), None | Some(Err(_))) = (&report.new_key, &written) {
                out.new_key(&report.user_name, key);
            }
        } else if let (Some(key), None | Some(Err(_))) = (&report.new_key, &written) {
            in_report.push((report.user_name.as_str(), key));
        }
        summary.push(entry);
    }
    match format {
        ReportFormat::Json => {
            let json = crate::provision::secret_json(&summary);
            out.secrets(&*json, &in_report);
        }
        ReportFormat::Text => {
            if any_key {
                for note in [SecurityWarning::StoreSecretNow, SecurityWarning::RotateRegularly] {
                    eprintln!("warning: {}", note.message());
                }
            }
            out.line(format_args!("{} business units: {} ok, {} failed", names.len(), names.len() - failed.len(), failed.len()));
        }
    }
    // A unit whose secret could not be stored or written keeps it in its entry: wiped in every
    // format, whether or not the summary was printed.
    summary.iter_mut().for_each(wipe_secret);
    if failed.is_empty() {
        return out.finish();
    }
    let mut message = format!("{} of {} business units failed: {}", failed.len(), names.len(), failed.join("; "));
    if let Some(err) = out.error() {
        message += &format!("; and standard output failed ({err}; {} new key(s) named above have no holder)", out.lost());
    }
    Err(Failure::Incomplete(message))
}

/// Stores a unit's new key in its secret (read and written with the command's own credentials),
/// tagged as the unit's user in its account (`target`, through its role).
async fn store_in(iam: &Iam, target: Option<&AccountRole>, store: &SecretStore, user: &str, key: &NewKey, kms_key_id: Option<&str>) -> Result<StoredKey, ProvisionError> {
    match target {
        Some(target) => store.store_new_key(&iam.in_account(target).await?, user, key, kms_key_id).await,
        None => store.store_new_key(iam, user, key, kms_key_id).await,
    }
}

/// One unit's outcome on one line, then what was (or would be) done, indented.
fn print_unit(out: &mut Stdout, name: &str, report: &ProvisionReport, secret_to: &str) {
    let verb = if report.dry_run { "would " } else { "" };
    match (report.actions.len(), &report.new_key) {
        (0, _) => out.line(format_args!("{name}: {} converged, nothing to do", report.user_name)),
        (n, None) => out.line(format_args!("{name}: {} {} {n} thing(s)", report.user_name, if report.dry_run { "would change" } else { "changed" })),
        (n, Some(key)) => out.line(format_args!("{name}: {} changed {n} thing(s); new {} {} -> {secret_to}", report.user_name, key.kind, key.id)),
    }
    for action in &report.actions {
        out.line(format_args!("  {verb}{action}"));
    }
    for warning in &report.warnings {
        if matches!(warning, SecurityWarning::KeyMadeByAnotherRun { .. } | SecurityWarning::OldKeyStillActive { .. } | SecurityWarning::ApiKeysUnknown { .. }) {
            eprintln!("warning: {name}: {}", warning.message());
        }
    }
}

/// `DIR/{unit}.json`: where a unit's secret goes.
fn secret_path(dir: &Path, unit: &str) -> PathBuf {
    dir.join(format!("{unit}.json"))
}

/// Writes `DIR/{unit}.json` with mode 0600, atomically (see [`private_file::write`]); the error
/// names the file.
fn write_secret(dir: &Path, unit: &str, key: &NewKey) -> Result<PathBuf, String> {
    let path = secret_path(dir, unit);
    let json = key.to_secret_json();
    match private_file::write(&path, json.as_bytes()) {
        Ok(()) => Ok(path),
        Err(err) => Err(format!("cannot write the secret of {} {} to {}: {err}", key.kind, key.id, path.display())),
    }
}

/// Takes a report entry's secret out of the JSON tree and wipes it.
fn wipe_secret(entry: &mut serde_json::Value) {
    if let Some(serde_json::Value::String(secret)) = entry.pointer_mut("/report/new_key/secret").map(serde_json::Value::take) {
        drop(Zeroizing::new(secret));
    }
}

/// A unit that got no new key this run, but has active keys of the kind it asks for: where its
/// secrets go (`place`: the unit's file, or its secret, which holds key `held`) must hold the
/// secret of one of them, or nobody may. Returns what to report.
fn unaccounted(place: &str, held: Option<String>, user: &str, kind: KeyKind, existing: &[KeyStatus]) -> Option<String> {
    let active: Vec<&KeyStatus> = existing.iter().filter(|k| k.kind == kind && k.active).collect();
    if active.is_empty() || active.iter().any(|k| held.as_deref() == Some(k.id.as_str())) {
        return None;
    }
    let ids: Vec<&str> = active.iter().map(|k| k.id.as_str()).collect();
    let delete: Vec<String> = active.iter().map(|k| Action::DeleteKey { user: user.to_owned(), kind, id: k.id.clone() }.aws_command()).collect();
    Some(format!(
        "{kind} {} of {user} is active, but {} does not hold its secret (an earlier run could not write it, or it was made elsewhere); if you hold the secret, store it there as this command writes it; if nobody does, delete the key ({}) and run again to get a new one",
        ids.join(", "),
        place,
        delete.join("; ")
    ))
}

/// The key id in a secrets file this command wrote, if the file is there and reads as one.
fn held_key_id(path: &Path) -> Option<String> {
    let text = Zeroizing::new(std::fs::read_to_string(path).ok()?);
    bedrock_token::provision::stored_key_id(&text).map(|(_, id)| id)
}
