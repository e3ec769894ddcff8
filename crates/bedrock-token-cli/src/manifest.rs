//! `provision --manifest units.toml`: many business units at once.
//!
//! ```toml
//! [units.sales]
//! owner = "sales-ops@example.com"
//! key = "api-key"          # none (default), access-key or api-key
//! api_key_days = 30        # default 90
//! tags = { cost-center = "4711" }
//!
//! [units.research]
//! owner = "research@example.com"
//! models = ["us.anthropic.claude-sonnet-4-20250514-v1:0"]   # or policy = "limited" | "full" | ARN
//! ```
//!
//! Units run at most `--concurrency` at a time; the SDK's adaptive retry slows down when IAM
//! throttles. New secrets go only where asked: one file each in `--secrets-dir` (mode 0600,
//! written atomically), or the JSON report on stdout. A run without either that would make a key
//! is refused before any IAM call.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bedrock_token::provision::{NewKey, ProvisionError, ProvisionReport, SecurityWarning, DEFAULT_PATH};
use serde::Deserialize;

use crate::aws::AwsArgs;
use crate::output::ReportFormat;
use crate::private_file;
use crate::provision::{KeyArg, Unit};
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
    let mut requests = Vec::new();
    let mut makes_keys = false;
    for (name, table) in parsed.units {
        if table.policy.is_some() && !table.models.is_empty() {
            return Err(invalid("manifest", format!("units.{name}: give policy or models, not both")));
        }
        let key = table.key.unwrap_or(KeyArg::None);
        makes_keys |= key != KeyArg::None;
        let unit = Unit {
            business_unit: name.clone(),
            owner: table.owner,
            policy: table.policy.unwrap_or_else(|| "limited".into()),
            models: table.models,
            key,
            api_key_days: table.api_key_days.unwrap_or(90),
            tags: table.tags.into_iter().collect(),
            path: table.path.unwrap_or_else(|| DEFAULT_PATH.into()),
            force: table.force,
        };
        let request = unit.request(dry_run).map_err(|e| match e {
            ProvisionError::InvalidInput { field, reason } => invalid("manifest", format!("units.{name}.{field}: {reason}")),
            other => Failure::Provision(other),
        })?;
        names.push(name);
        requests.push(request);
    }
    if makes_keys && !dry_run && secrets_dir.is_none() && format != ReportFormat::Json {
        return Err(invalid("secrets_dir", "units that get a key need --secrets-dir DIR or --format json: a secret is shown only once".into()));
    }
    if let Some(dir) = secrets_dir {
        std::fs::create_dir_all(dir).map_err(|e| invalid("secrets_dir", format!("cannot create {}: {e}", dir.display())))?;
    }
    let results = aws.iam().await?.provision_all(requests, concurrency).await;

    let mut failed = 0;
    let mut summary = Vec::new();
    let mut any_key = false;
    for (name, result) in names.iter().zip(results) {
        let mut entry = serde_json::json!({"business_unit": name, "report": null, "error": null, "secret_file": null});
        match result {
            Ok(report) => {
                let written = match (&report.new_key, secrets_dir) {
                    (Some(key), Some(dir)) => Some(write_secret(dir, name, key).map_err(|e| invalid("secrets_dir", format!("cannot write the secret of {name}: {e}")))?),
                    _ => None,
                };
                any_key |= report.new_key.is_some();
                if format == ReportFormat::Text {
                    print_unit(name, &report, written.as_deref());
                }
                entry["report"] = serde_json::to_value(&report).expect("serializable");
                if let Some(path) = written {
                    entry["report"]["new_key"]["secret"] = serde_json::Value::Null;
                    entry["secret_file"] = path.display().to_string().into();
                }
            }
            Err(err) => {
                failed += 1;
                let message = bedrock_token::error_chain(&err);
                eprintln!("{name}: FAILED: {message}");
                entry["error"] = message.into();
            }
        }
        summary.push(entry);
    }
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&summary).expect("serializable")),
        ReportFormat::Text => {
            if any_key {
                for note in [SecurityWarning::StoreSecretNow, SecurityWarning::RotateRegularly] {
                    eprintln!("warning: {}", note.message());
                }
            }
            println!("{} business units: {} ok, {failed} failed", names.len(), names.len() - failed);
        }
    }
    if failed > 0 {
        return Err(invalid("manifest", format!("{failed} of {} business units failed; run it again to converge", names.len())));
    }
    Ok(())
}

/// One unit's outcome on one line, then what was (or would be) done, indented.
fn print_unit(name: &str, report: &ProvisionReport, secret_file: Option<&Path>) {
    let verb = if report.dry_run { "would " } else { "" };
    match (report.actions.len(), &report.new_key) {
        (0, _) => println!("{name}: {} converged, nothing to do", report.user_name),
        (n, None) => println!("{name}: {} {} {n} thing(s)", report.user_name, if report.dry_run { "would change" } else { "changed" }),
        (n, Some(key)) => println!("{name}: {} changed {n} thing(s); new {} {} -> {}", report.user_name, key.kind, key.id, secret_file.map_or("stdout".into(), |p| p.display().to_string())),
    }
    for action in &report.actions {
        println!("  {verb}{action}");
    }
    for warning in &report.warnings {
        if matches!(warning, SecurityWarning::KeyMadeByAnotherRun { .. } | SecurityWarning::OldKeyStillActive { .. } | SecurityWarning::ApiKeysUnknown { .. }) {
            eprintln!("warning: {name}: {}", warning.message());
        }
    }
}

/// Writes `DIR/{unit}.json` with mode 0600, atomically (see [`private_file::write`]).
fn write_secret(dir: &Path, unit: &str, key: &NewKey) -> std::io::Result<PathBuf> {
    let path = dir.join(format!("{unit}.json"));
    private_file::write(&path, serde_json::to_string_pretty(key).expect("serializable").as_bytes())?;
    Ok(path)
}
