//! Long-term keys through the command against the IAM emulator over HTTP: the Bedrock API key
//! lifecycle, re-runs that narrow permissions, complete teardown, concurrent runs, and a run cut
//! off at each of its requests in turn.

mod common;

use std::collections::BTreeSet;

use common::proxy::{Cut, Proxy};
use common::{holdings, Moto};
use serde_json::Value;

const LIMITED: &str = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess";
const FULL: &str = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess";
const S3_READ: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const HAIKU: &str = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
const SONNET: &str = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0";
const API_KEY: &[&str] = &["provision", "--business-unit", "ml", "--owner", "ml@example.com", "--key", "api-key", "--api-key-days", "30"];

fn kinds(report: &Value) -> Vec<String> {
    report["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap().to_owned()).collect()
}

fn secret_lines(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout).lines().filter_map(|l| l.strip_prefix("secret (shown once): ")).map(str::to_owned).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bedrock_api_key_lifecycle_provision_list_rotate_deprovision() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;

    let out = moto.run(API_KEY);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let secrets = secret_lines(&out.stdout);
    assert_eq!(secrets.len(), 1);
    assert!(secrets[0].starts_with("ABSK"), "the emulator's API key shape");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("new Bedrock API key ACCA") && stdout.contains("expires at: "), "{stdout}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&secrets[0]));

    assert_eq!(moto.json(API_KEY)["actions"], serde_json::json!([]), "a re-run with the key in place is a no-op");
    let users = moto.users();
    let keys = users[0]["keys"].as_array().unwrap();
    assert_eq!((keys.len(), keys[0]["kind"].as_str(), keys[0]["active"].as_bool()), (1, Some("api-key"), Some(true)));
    assert!(keys[0]["expires_at"].is_string(), "30-day key has an expiry: {keys:?}");
    let first = keys[0]["id"].as_str().unwrap().to_owned();

    let rotated = moto.json(&["rotate", "--business-unit", "ml", "--key", "api-key", "--api-key-days", "7"]);
    let second = rotated["new_key"]["id"].as_str().unwrap().to_owned();
    assert_ne!(second, first);
    assert_eq!(kinds(&rotated), ["create-api-key", "deactivate-key"]);
    let listed = iam.list_service_specific_credentials().user_name("ml-bedrock-user").send().await.unwrap();
    let status: BTreeSet<(String, String)> = listed
        .service_specific_credentials()
        .iter()
        .map(|c| (c.service_specific_credential_id().to_owned(), c.status().as_str().to_owned()))
        .collect();
    assert_eq!(status, BTreeSet::from([(first.clone(), "Inactive".into()), (second.clone(), "Active".into())]));

    let full = moto.run(&["rotate", "--business-unit", "ml", "--key", "api-key"]);
    let err = String::from_utf8_lossy(&full.stderr);
    assert_eq!(full.status.code(), Some(1));
    assert!(err.contains("IAM's limit") && err.contains(&format!("--service-specific-credential-id {first}")), "names the oldest: {err}");

    let teardown = moto.json(&["deprovision", "--business-unit", "ml", "--dry-run"]);
    assert_eq!(kinds(&teardown), ["delete-key", "delete-key", "detach-policy", "delete-user"]);
    moto.json(&["deprovision", "--business-unit", "ml"]);
    assert!(moto.users().is_empty());
    assert!(iam.get_user().user_name("ml-bedrock-user").send().await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_with_a_narrower_policy_or_fewer_models_leaves_only_what_was_asked() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let user = "research-bedrock-user";
    let provision = |extra: &[&str]| moto.json(&[&["provision", "--business-unit", "research", "--owner", "r@example.com"], extra].concat());

    provision(&["--policy", "full"]);
    // Somebody attaches another policy by hand: never ours to remove.
    iam.attach_user_policy().user_name(user).policy_arn(S3_READ).send().await.unwrap();

    let narrowed = provision(&[]);
    // The bedrock-policy tag records the new policy last, once IAM accepted it and the old one is gone.
    assert_eq!(kinds(&narrowed), ["attach-policy", "detach-policy", "tag-user"], "{narrowed}");
    assert_eq!(holdings(&iam, user).await.0, [LIMITED, S3_READ]);

    let models = provision(&["--model", HAIKU, "--model", SONNET]);
    assert_eq!(kinds(&models), ["put-inline-policy", "detach-policy", "tag-user"]);
    let (attached, inline, ..) = holdings(&iam, user).await;
    assert_eq!((attached, inline), (vec![S3_READ.to_owned()], vec!["bedrock-invoke-chosen-models".to_owned()]));

    let fewer = provision(&["--model", HAIKU]);
    assert_eq!(kinds(&fewer), ["put-inline-policy"], "a changed model list replaces the document");
    let document = iam.get_user_policy().user_name(user).policy_name("bedrock-invoke-chosen-models").send().await.unwrap().policy_document;
    let document: Value = serde_json::from_str(&percent_encoding::percent_decode_str(&document).decode_utf8_lossy()).unwrap();
    assert_eq!(document["Statement"][0]["Resource"], HAIKU);
    assert_eq!(document["Statement"].as_array().unwrap().len(), 2, "one model and the API-key statement");
    assert_eq!(provision(&["--model", HAIKU])["actions"], serde_json::json!([]), "converged");

    let custom = provision(&["--policy", FULL.replace("AmazonBedrockFullAccess", "AmazonBedrockReadOnly").as_str()]);
    assert_eq!(kinds(&custom), ["attach-policy", "delete-inline-policy", "tag-user"]);
    let back = provision(&[]);
    assert_eq!(kinds(&back), ["attach-policy", "detach-policy", "tag-user"], "the recorded ARN is detached again: {back}");
    let (attached, inline, ..) = holdings(&iam, user).await;
    assert_eq!((attached, inline), (vec![LIMITED.to_owned(), S3_READ.to_owned()], vec![]));
}

const SSH_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKQUhC80PbRn+rgZrVHOWcXSJ3APskz6xmkjy5dSI5qn test";
/// A self-signed throwaway certificate (public material only) for UploadSigningCertificate.
const CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUX4QB71EXv2pfCQdRbcFNvshxz/gwCgYIKoZIzj0EAwIw
HTEbMBkGA1UEAwwSYmVkcm9jay10b2tlbi10ZXN0MB4XDTI2MTIwMTA3NTAxOVoX
DTM2MTEyODA3NTAxOVowHTEbMBkGA1UEAwwSYmVkcm9jay10b2tlbi10ZXN0MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE+39kQv/XwgLkamubpS1BKPPewsY+kWRs
nV6KLCE5rWArf7p51emSukvAgkS0KC2QmHykqoMywblKMQyWPho3t6NTMFEwHQYD
VR0OBBYEFPNFV2CV/6nX/bJVHDwcJOsFdSwDMB8GA1UdIwQYMBaAFPNFV2CV/6nX
/bJVHDwcJOsFdSwDMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AIqsGts8B2yTGCGFT97Xc7/TCi12m1eIIdXNbeMaTu0ZAiEA+SyDOcXbvCBI3m/J
RK2RclkKmII48ltXQKws93U6ANM=
-----END CERTIFICATE-----
";

/// Everything `DeleteUser` refuses to leave behind, two of most, and IAM answering one item a
/// page: the teardown must page every list to its end, or the emulator refuses `DeleteUser`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprovision_removes_everything_delete_user_requires_and_its_dry_run_lists_each() {
    let Some(moto) = Moto::start_with_env(&[("BEDROCK_TOKEN_IAM_PAGE_SIZE", "1")]) else { return };
    let iam = moto.iam().await;
    let user = "ops-bedrock-user";
    moto.json(&["provision", "--business-unit", "ops", "--owner", "o@example.com", "--key", "api-key", "--tag", "team=sre"]);
    iam.attach_user_policy().user_name(user).policy_arn(S3_READ).send().await.unwrap();
    iam.create_access_key().user_name(user).send().await.unwrap();
    iam.create_service_specific_credential().user_name(user).service_name("codecommit.amazonaws.com").send().await.unwrap();
    iam.create_login_profile().user_name(user).password("Example-Passw0rd!").send().await.unwrap();
    let serial = iam.create_virtual_mfa_device().virtual_mfa_device_name("ops-mfa").send().await.unwrap();
    let serial = serial.virtual_mfa_device().unwrap().serial_number().to_owned();
    iam.enable_mfa_device().user_name(user).serial_number(&serial).authentication_code1("123456").authentication_code2("654321").send().await.unwrap();
    iam.upload_ssh_public_key().user_name(user).ssh_public_key_body(SSH_KEY).send().await.unwrap();
    iam.upload_signing_certificate().user_name(user).certificate_body(CERTIFICATE).send().await.unwrap();
    for group in ["devs", "oncall"] {
        iam.create_group().group_name(group).send().await.unwrap();
        iam.add_user_to_group().group_name(group).user_name(user).send().await.unwrap();
    }

    let plan = moto.json(&["deprovision", "--business-unit", "ops", "--dry-run"]);
    assert_eq!(
        kinds(&plan),
        [
            "delete-key", "delete-key", "delete-service-credential", "delete-login-profile", "deactivate-mfa-device",
            "delete-virtual-mfa-device", "delete-ssh-public-key", "delete-signing-certificate", "remove-from-group",
            "remove-from-group", "detach-policy", "detach-policy", "delete-user",
        ],
        "{plan}"
    );
    let text = moto.run(&["deprovision", "--business-unit", "ops", "--dry-run"]);
    let text = String::from_utf8_lossy(&text.stdout);
    for item in ["would delete the console password", "would deactivate MFA device", "would delete SSH public key", "would delete signing certificate", "would remove ops-bedrock-user from group oncall", "would delete codecommit.amazonaws.com credential"] {
        assert!(text.contains(item), "{item}: {text}");
    }
    assert!(iam.get_user().user_name(user).send().await.is_ok(), "a dry run removes nothing");

    moto.json(&["deprovision", "--business-unit", "ops"]);
    let gone = iam.get_user().user_name(user).send().await.unwrap_err();
    assert!(gone.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()));
    assert!(iam.list_virtual_mfa_devices().send().await.unwrap().virtual_mfa_devices().is_empty(), "the virtual device is deleted too");
    assert_eq!(iam.get_group().group_name("devs").send().await.unwrap().users().len(), 0, "groups stay, without the user");
}

/// Four runs at once for one business unit: one user, one policy, one key; all exit 0, and
/// exactly one prints a secret. With access keys and with Bedrock API keys.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_for_one_unit_end_with_one_user_and_one_key() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    for key in ["access-key", "api-key"] {
        moto.reset();
        for attempt in 0..3 {
            let args = ["provision", "--business-unit", "race", "--owner", "r@example.com", "--key", key];
            let runs: Vec<_> = (0..4).map(|_| moto.command_via(&moto.endpoint, &args).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()).collect();
            let outputs: Vec<_> = runs.into_iter().map(|run| run.wait_with_output().unwrap()).collect();
            for out in &outputs {
                assert!(out.status.success(), "{key} attempt {attempt}: {}", String::from_utf8_lossy(&out.stderr));
            }
            let secrets: Vec<String> = outputs.iter().flat_map(|o| secret_lines(&o.stdout)).collect();
            let (attached, inline, access, api) = holdings(&iam, "race-bedrock-user").await;
            assert_eq!((attached, inline), (vec![LIMITED.to_owned()], vec![]), "{key}");
            let keys = if key == "access-key" { access } else { api };
            assert_eq!(keys.len(), 1, "{key} attempt {attempt}: one key, not {keys:?}");
            if attempt == 0 {
                assert_eq!(secrets.len(), 1, "{key}: exactly one run prints the secret");
            } else {
                assert!(secrets.is_empty(), "{key}: the key existed already");
            }
            assert_eq!(moto.users().len(), 1);
        }
    }
}

/// A proxy cuts the connection at each request of a `provision` run in turn, before IAM sees
/// it and after IAM answered, with the SDK's retries off and on. After any single cut a plain
/// re-run converges to exactly one user, one policy and one key, and no second key ever exists
/// beside the first. A key whose secret was lost is named with the command that deletes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_connection_cut_at_any_request_a_rerun_converges() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let iam = moto.iam().await;
    // A business unit per case instead of a reset: moto reloads its managed policies after one.
    let args = |unit: &str| -> Vec<String> {
        ["provision", "--business-unit", unit, "--owner", "c@example.com", "--model", HAIKU, "--key", "api-key"].map(str::to_owned).to_vec()
    };
    let run = |args: &[String], attempts: &str| moto.command_via(&proxy.endpoint, &args.iter().map(String::as_str).collect::<Vec<_>>()).env("AWS_MAX_ATTEMPTS", attempts).output().unwrap();
    proxy.arm(None);
    let clean = run(&args("clean"), "1");
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    let requests = proxy.actions();
    assert!(requests.contains(&"CreateServiceSpecificCredential".to_owned()), "{requests:?}");

    let mut lost = 0;
    let mut case = 0;
    for attempts in ["1", "3"] {
        for (index, request) in requests.iter().enumerate() {
            for cut in [Cut::BeforeRequest, Cut::AfterAnswer] {
                case += 1;
                let (unit, user) = (format!("cut{case}"), format!("cut{case}-bedrock-user"));
                let context = format!("AWS_MAX_ATTEMPTS={attempts}, cut {cut:?} at request {index} ({request})");
                proxy.arm(Some((index, cut)));
                let first = run(&args(&unit), attempts);
                let err = String::from_utf8_lossy(&first.stderr).into_owned();
                assert!(!err.contains("DispatchFailure") && !err.contains("ABSK"), "{context}: {err}");
                let keys_after_first: Vec<String> = match iam.list_service_specific_credentials().user_name(&user).send().await {
                    Ok(out) => out.service_specific_credentials().iter().map(|c| c.service_specific_credential_id().to_owned()).collect(),
                    Err(_) => Vec::new(), // the cut came before the user existed
                };
                assert!(keys_after_first.len() <= 1, "{context}: {keys_after_first:?}");
                if err.contains("was created, but the answer carrying its secret was lost") {
                    lost += 1;
                    let fix = format!("aws iam delete-service-specific-credential --user-name {user} --service-specific-credential-id {}", keys_after_first[0]);
                    assert!(err.contains(&fix), "{context}: names the command that deletes it: {err}");
                }

                proxy.arm(None);
                let rerun = run(&args(&unit), attempts);
                assert!(rerun.status.success(), "{context}: re-run: {}", String::from_utf8_lossy(&rerun.stderr));
                let again = run(&[args(&unit), vec!["--format".into(), "json".into()]].concat(), attempts);
                let again: Value = serde_json::from_slice(&again.stdout).unwrap();
                assert_eq!(again["actions"], serde_json::json!([]), "{context}: converged");
                let (attached, inline, _, api) = holdings(&iam, &user).await;
                assert_eq!((attached.len(), inline.len(), api.len()), (0, 1, 1), "{context}");
            }
        }
    }
    assert_eq!(moto.users().len(), case + 1, "one user per case");
    assert!(lost >= 1, "a cut after CreateServiceSpecificCredential answered loses a secret, and says so");
}

/// A manifest of 20 business units, with IAM throttling every 5th request and the SDK's own
/// retries off (AWS_MAX_ATTEMPTS=1, and the standard mode: the adaptive one's client-side rate
/// would only fall with every throttle and slow the run), so that only bedrock-token's retry of
/// `Throttling` carries the run: all converge, the secrets go only to files of mode 0600, and a
/// re-run has nothing to do.
#[test]
fn a_manifest_of_twenty_units_provisions_under_throttling_and_converges_on_rerun() {
    use std::os::unix::fs::PermissionsExt;
    let Some(moto) = Moto::start_with_env(&[("BEDROCK_TOKEN_IAM_THROTTLE_EVERY", "5")]) else { return };
    let users = || {
        let out = moto.command_via(&moto.endpoint, &["list", "--format", "json"]).env("AWS_RETRY_MODE", "standard").output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).unwrap().as_array().unwrap().len()
    };
    let dir = std::env::temp_dir().join(format!("bedrock-token-manifest-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = String::new();
    for unit in 0..20 {
        manifest += &format!("[units.team{unit:02}]\nowner = \"team{unit}@example.com\"\n");
        manifest += match unit % 4 {
            0 => "key = \"api-key\"\napi_key_days = 30\n",
            1 => "key = \"access-key\"\ntags = { cost-center = \"4711\" }\n",
            2 => "models = [\"us.anthropic.claude-sonnet-4-20250514-v1:0\"]\n",
            _ => "policy = \"full\"\n",
        };
    }
    let path = dir.join("units.toml");
    std::fs::write(&path, manifest).unwrap();
    let secrets = dir.join("secrets");
    let run = |extra: &[&str]| {
        let args = [&["provision", "--manifest", path.to_str().unwrap()], extra].concat();
        moto.command_via(&moto.endpoint, &args).env("AWS_RETRY_MODE", "standard").output().unwrap()
    };

    let refused = run(&[]);
    assert_eq!(refused.status.code(), Some(2), "keys without --secrets-dir or JSON");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--secrets-dir DIR or --format json"));

    let plan = run(&["--dry-run"]);
    assert!(plan.status.success(), "{}", String::from_utf8_lossy(&plan.stderr));
    let plan = String::from_utf8_lossy(&plan.stdout);
    assert_eq!(plan.lines().filter(|l| l.starts_with("team") && l.contains("would change")).count(), 20, "{plan}");
    assert_eq!(users(), 0, "a dry run creates nothing");

    let first = run(&["--secrets-dir", secrets.to_str().unwrap(), "--concurrency", "4"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&first.stdout), String::from_utf8_lossy(&first.stderr));
    assert!(first.status.success(), "{stdout}{stderr}");
    assert!(stdout.ends_with("20 business units: 20 ok, 0 failed\n"), "{stdout}");
    let files: Vec<_> = std::fs::read_dir(&secrets).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 10, "one file per new key: {files:?}");
    for file in &files {
        assert_eq!(std::fs::metadata(file).unwrap().permissions().mode() & 0o777, 0o600, "{file:?}");
        let key: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let secret = key["secret"].as_str().unwrap();
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "secrets only in their files");
    }
    assert_eq!(users(), 20);

    let again = run(&["--secrets-dir", secrets.to_str().unwrap(), "--format", "json"]);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    for unit in again.as_array().unwrap() {
        assert_eq!(unit["report"]["actions"], serde_json::json!([]), "converged: {unit}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
