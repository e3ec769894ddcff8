//! `inspect` of long-term Bedrock API keys that the IAM emulator made: the IAM user and account,
//! in text and JSON, from an argument or stdin, and never the secret in any output or log.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use common::Moto;
use serde_json::Value;

/// The command with no AWS environment at all: `inspect` reads the key alone, calling nothing.
fn inspect(args: &[&str], stdin: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-token"));
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .env("RUST_LOG", "trace")
        .arg("inspect")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The key's secret part: what follows the first ':' of the decoded key.
fn secret_of(key: &str) -> String {
    let decoded = base64::engine::general_purpose::STANDARD.decode(&key[4..]).unwrap();
    String::from_utf8(decoded).unwrap().split_once(':').unwrap().1.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspect_shows_the_user_and_account_of_an_emulated_long_term_key_and_never_its_secret() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    iam.create_user().user_name("data-at-rest.team").send().await.unwrap();
    let created = iam
        .create_service_specific_credential()
        .user_name("data-at-rest.team")
        .service_name("bedrock.amazonaws.com")
        .credential_age_days(7)
        .send()
        .await
        .unwrap();
    let credential = created.service_specific_credential().unwrap();
    let key = credential.service_credential_secret().unwrap().to_owned();
    let alias = credential.service_credential_alias().unwrap().to_owned();
    let account = credential.service_user_name().strip_prefix("data-at-rest.team-at-").unwrap().to_owned();
    let secret = secret_of(&key);
    assert!(key.starts_with("ABSK") && secret.len() >= 20, "the emulator's key shape");

    let json = inspect(&["--format", "json", &key], None);
    assert!(json.status.success(), "{}", text(&json.stderr));
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["kind"], "long-term");
    assert_eq!(json["user_name"], "data-at-rest.team", "a user name holding \"-at-\" is split at the account");
    assert_eq!(json["account_id"], account.as_str());
    assert_eq!(json["service_user_name"], credential.service_user_name());
    assert_eq!(json["alias"], alias.as_str());
    let suffix = alias.rsplit('-').next().unwrap();
    assert_eq!(json["suffix"], suffix);

    let piped = inspect(&["-"], Some(&format!("{key}\n")));
    assert!(piped.status.success(), "{}", text(&piped.stderr));
    let lines = text(&piped.stdout);
    assert!(lines.starts_with("kind:           long-term (IAM service-specific credential)\nIAM user:       data-at-rest.team\n"), "{lines}");
    assert!(lines.contains(&format!("account id:     {account}\n")) && lines.contains(&format!("alias suffix:   {suffix}\n")), "{lines}");
    assert!(lines.contains("secret:         not shown\n"), "{lines}");
    assert!(lines.contains("aws iam list-service-specific-credentials --user-name data-at-rest.team --service-name bedrock.amazonaws.com"), "{lines}");

    // Every output and trace log, of the good key and of the key cut short or mangled: no secret.
    let cut = &key[..key.len() - 3];
    let mangled = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode(format!("{}:{secret}", alias.replace(&account, &account[1..]))));
    let runs = [
        inspect(&[&key], None),
        inspect(&["--format", "json", &key], None),
        inspect(&[], Some(&key)),
        inspect(&[cut], None),
        inspect(&[&mangled, "--format", "json"], None),
    ];
    for (i, out) in runs.iter().enumerate() {
        for stream in [text(&out.stdout), text(&out.stderr)] {
            assert!(!stream.contains(&secret) && !stream.contains(&secret[..12]) && !stream.contains(&key[4..40]), "run {i} leaks: {stream}");
        }
    }
    assert_eq!(runs[3].status.code(), Some(2), "a cut key: {}", text(&runs[3].stderr));
    assert!(text(&runs[3].stderr).ends_with("bedrock-token: error: long-term API key: the part after \"ABSK\" is not valid base64\n"), "{}", text(&runs[3].stderr));
    assert_eq!(runs[4].status.code(), Some(2));
    assert!(text(&runs[4].stderr).contains("the account id after \"-at-\" is not 12 digits"), "{}", text(&runs[4].stderr));
}

/// A key the command itself provisioned inspects as its business unit's user.
#[test]
fn a_key_from_provision_inspects_as_its_business_units_user() {
    let Some(moto) = Moto::start() else { return };
    let report = moto.json(&["provision", "--business-unit", "fin", "--owner", "fin@example.com", "--key", "api-key", "--api-key-days", "30"]);
    let key = report["new_key"]["secret"].as_str().unwrap();
    let out = inspect(&["--format", "json", key], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["user_name"], "fin-bedrock-user");
    assert_eq!(json["service_user_name"], report["new_key"]["service_user_name"]);
    assert!(!text(&out.stdout).contains(&secret_of(key)));
}

/// Neither prefix: one line naming both kinds, exit 2.
#[test]
fn neither_kind_of_key_is_refused_naming_both_prefixes() {
    let out = inspect(&["sk-not-a-bedrock-key"], None);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    assert!(text(&out.stderr).contains(r#"starts with neither "bedrock-api-key-" (a short-term key) nor "ABSK" (a long-term key)"#), "{}", text(&out.stderr));
}
