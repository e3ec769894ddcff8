//! `provision --manifest --secrets-dir` never loses a secret: a secret whose file cannot be
//! written goes to stdout once (or, when stdout fails too, its key is named with the command that
//! deletes it), every other unit still gets its file, the run exits 1 naming the failed unit, and
//! a re-run keeps saying so until the secrets directory holds the key's secret. Against the IAM
//! emulator over HTTP.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use common::Moto;
use serde_json::Value;

/// Four units: `b`'s secret file cannot be written (a directory stands in its place), `c` comes
/// after it and gets a key too, `d` gets none.
const MANIFEST: &str = r#"
[units.a]
owner = "a@example.com"
key = "api-key"
api_key_days = 7

[units.b]
owner = "b@example.com"
key = "api-key"
api_key_days = 7

[units.c]
owner = "c@example.com"
key = "access-key"

[units.d]
owner = "d@example.com"
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bedrock-token-manifest-secrets-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("units.toml"), MANIFEST).unwrap();
    dir
}

fn run(moto: &Moto, dir: &Path, secrets: &Path, extra: &[&str]) -> Output {
    let manifest = dir.join("units.toml");
    let args = [&["provision", "--manifest", manifest.to_str().unwrap(), "--secrets-dir", secrets.to_str().unwrap()], extra].concat();
    moto.run(&args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The ids of `user`'s Bedrock API keys, as IAM holds them.
async fn api_keys(iam: &aws_sdk_iam::Client, user: &str) -> Vec<String> {
    let listed = iam.list_service_specific_credentials().user_name(user).service_name("bedrock.amazonaws.com").send().await.unwrap();
    listed.service_specific_credentials().iter().map(|c| c.service_specific_credential_id().to_owned()).collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The secret of a file this command wrote.
fn filed_secret(path: &Path) -> String {
    let key: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    key["secret"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_that_cannot_be_written_is_printed_once_and_a_rerun_says_so_until_it_is_stored() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let dir = scratch("text");
    let secrets = dir.join("new").join("secrets");
    std::fs::create_dir_all(secrets.join("b.json").join("in-the-way")).unwrap();
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o750)).unwrap();

    let first = run(&moto, &dir, &secrets, &[]);
    let (stdout, stderr) = (text(&first.stdout), text(&first.stderr));
    assert_eq!(first.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(mode(&secrets), 0o750, "an existing secrets directory is left as it is");
    for unit in ["a", "c"] {
        let file = secrets.join(format!("{unit}.json"));
        assert_eq!(mode(&file), 0o600, "{unit}: written despite b's failure");
        assert!(!stdout.contains(&filed_secret(&file)) && !stderr.contains(&filed_secret(&file)));
    }
    assert!(!secrets.join("d.json").exists(), "no key, no file");
    // b's secret: on stdout exactly once, and it is the secret of the key IAM holds for b.
    let shown: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("secret (shown once): ")).collect();
    assert_eq!(shown.len(), 1, "{stdout}");
    assert_eq!(stdout.matches(shown[0]).count(), 1);
    let b_keys = api_keys(&iam, "b-bedrock-user").await;
    assert_eq!(b_keys.len(), 1);
    assert!(stdout.contains("b: b-bedrock-user changed") && stdout.contains(&format!("new Bedrock API key {} -> stdout, below", b_keys[0])), "{stdout}");
    let inspected = moto.run(&["inspect", "--format", "json", shown[0]]);
    let inspected: Value = serde_json::from_slice(&inspected.stdout).unwrap();
    assert_eq!(inspected["user_name"], "b-bedrock-user", "the printed secret is b's key");
    assert!(stdout.ends_with("4 business units: 3 ok, 1 failed\n"), "{stdout}");
    let summary = stderr.lines().last().unwrap();
    assert!(summary.starts_with("bedrock-token: error: 1 of 4 business units failed: b (secret not written: cannot write the secret of Bedrock API key"), "{stderr}");
    assert!(summary.contains("b.json: Is a directory"), "{summary}");

    // A re-run does not call this converged: b's key is live and the directory lacks its secret.
    let again = run(&moto, &dir, &secrets, &[]);
    let (stdout, stderr) = (text(&again.stdout), text(&again.stderr));
    assert_eq!(again.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stdout.ends_with("4 business units: 3 ok, 1 failed\n"), "{stdout}");
    let delete = format!("aws iam delete-service-specific-credential --user-name b-bedrock-user --service-specific-credential-id {}", b_keys[0]);
    assert!(stderr.contains(&format!("b: Bedrock API key {} of b-bedrock-user is active, but", b_keys[0])) && stderr.contains(&delete), "{stderr}");
    assert!(!stdout.contains("secret (shown once)"), "nothing new to show: {stdout}");
    assert_eq!(api_keys(&iam, "b-bedrock-user").await, b_keys, "the re-run leaves the key alone");

    // Stored as the command writes it, the secret is accounted for: converged, exit 0.
    std::fs::remove_dir_all(secrets.join("b.json")).unwrap();
    let stored = serde_json::json!({"kind": "api-key", "id": b_keys[0], "secret": shown[0]});
    std::fs::write(secrets.join("b.json"), stored.to_string()).unwrap();
    let converged = run(&moto, &dir, &secrets, &["--format", "json"]);
    assert!(converged.status.success(), "{}", text(&converged.stderr));
    let units: Value = serde_json::from_slice(&converged.stdout).unwrap();
    for unit in units.as_array().unwrap() {
        assert_eq!((&unit["report"]["actions"], &unit["error"]), (&serde_json::json!([]), &Value::Null), "{unit}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// In JSON, the secret that has no file stays in its unit's report (once); the others are only in
/// their files.
#[test]
fn in_json_the_unwritten_secret_stays_in_its_units_report() {
    let Some(moto) = Moto::start() else { return };
    let dir = scratch("json");
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(secrets.join("b.json")).unwrap();
    let out = run(&moto, &dir, &secrets, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let units: Value = serde_json::from_str(&stdout).unwrap();
    let units = units.as_array().unwrap();
    assert_eq!(units.len(), 4, "every unit is reported");
    let secret = units[1]["report"]["new_key"]["secret"].as_str().unwrap();
    assert_eq!(stdout.matches(secret).count(), 1);
    assert!(units[1]["error"].as_str().unwrap().contains("the secret is in this report, shown once"), "{}", units[1]);
    assert_eq!(units[1]["secret_file"], Value::Null);
    for (i, unit) in [(0, "a"), (2, "c")] {
        assert_eq!(units[i]["report"]["new_key"]["secret"], Value::Null, "{unit}: only in its file");
        assert_eq!(units[i]["secret_file"], secrets.join(format!("{unit}.json")).to_str().unwrap());
        assert!(!stdout.contains(&filed_secret(&secrets.join(format!("{unit}.json")))));
    }
    assert!(text(&out.stderr).contains("1 of 4 business units failed: b (secret not written"), "{}", text(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

/// When stdout cannot take the secret either (a full disk: /dev/full), the key is named with the
/// command that deletes it, for a manifest and for a single `provision`; exit 1, never a panic.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_stdout_fails_too_the_key_is_named_with_its_delete_command() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let dir = scratch("full");
    let secrets = dir.join("secrets");
    std::fs::create_dir_all(secrets.join("b.json")).unwrap();
    let full = || Stdio::from(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap());
    let manifest = dir.join("units.toml");
    let args = ["provision", "--manifest", manifest.to_str().unwrap(), "--secrets-dir", secrets.to_str().unwrap()];
    let out = moto.command_via(&moto.endpoint, &args).stdout(full()).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let b_key = api_keys(&iam, "b-bedrock-user").await.remove(0);
    let delete = format!("aws iam delete-service-specific-credential --user-name b-bedrock-user --service-specific-credential-id {b_key}");
    assert!(stderr.contains(&format!("Bedrock API key {b_key} of b-bedrock-user exists but its secret was not delivered")) && stderr.contains(&delete), "{stderr}");
    assert!(secrets.join("a.json").is_file() && secrets.join("c.json").is_file(), "the other secrets are in their files");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let single = ["provision", "--business-unit", "solo", "--owner", "s@example.com", "--key", "api-key", "--api-key-days", "1"];
    for format in ["text", "json"] {
        let out = moto.command_via(&moto.endpoint, &[&single[..], &["--format", format]].concat()).stdout(full()).output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {stderr}");
        let solo_keys = api_keys(&iam, "solo-bedrock-user").await;
        let named: Vec<&String> = solo_keys.iter().filter(|id| stderr.contains(&format!("--service-specific-credential-id {id}"))).collect();
        assert_eq!(named.len(), 1, "{format}: the new key is named: {stderr}");
        // Deleted as told, so the next format's run makes a new key again.
        iam.delete_service_specific_credential().user_name("solo-bedrock-user").service_specific_credential_id(named[0]).send().await.unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The secrets directory and its missing parents are made with mode 0700.
#[test]
fn a_new_secrets_directory_is_private() {
    let Some(moto) = Moto::start() else { return };
    let dir = scratch("mode");
    let secrets = dir.join("x").join("secrets");
    let out = run(&moto, &dir, &secrets, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(mode(&secrets), 0o700);
    assert_eq!(mode(&dir.join("x")), 0o700);
    assert_eq!(std::fs::read_dir(&secrets).unwrap().count(), 3, "a, b, c");
    let _ = std::fs::remove_dir_all(&dir);
}
