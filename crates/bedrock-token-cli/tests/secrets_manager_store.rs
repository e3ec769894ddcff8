//! `provision --store` and `rotate --store`: keys delivered to an AWS Secrets Manager secret and
//! rotated there without downtime, against moto's Secrets Manager, IAM and STS (one emulator,
//! with this project's staging-label fixes, tests/iam_emulator/secrets_manager.py). Faults come
//! from the loopback proxy (common/proxy.rs) that cuts the connection at a chosen request.

mod common;
#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use common::proxy::{Cut, Proxy};
use common::Moto;
use serde_json::Value;

const SECRET: &str = "prod/sales/bedrock-key";
const STORE: &str = "secretsmanager:prod/sales/bedrock-key";
const USER: &str = "sales-bedrock-user";

/// The command with IAM, STS and Secrets Manager at `endpoint` (the emulator, or the proxy).
fn command_via(moto: &Moto, endpoint: &str, args: &[&str]) -> Command {
    let mut command = moto.command_via(endpoint, args);
    command.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", endpoint).env("AWS_ENDPOINT_URL_STS", endpoint);
    command
}

fn run_via(moto: &Moto, endpoint: &str, args: &[&str]) -> Output {
    command_via(moto, endpoint, args).output().unwrap()
}

/// Two runs of the command started at once, with their outputs.
fn run_twice_at_once(moto: &Moto, args: &[&str]) -> [Output; 2] {
    let start = || command_via(moto, &moto.endpoint, args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (first, second) = (start(), start());
    [first.wait_with_output().unwrap(), second.wait_with_output().unwrap()]
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Sets a tag of the secret as a rotation writes it.
async fn set_tag(sm: &aws_sdk_secretsmanager::Client, key: &str, value: String) {
    let tag = aws_sdk_secretsmanager::types::Tag::builder().key(key).value(value).build();
    sm.tag_resource().secret_id(SECRET).tags(tag).send().await.unwrap();
}

/// Ends the last rotation's grace period and finishes it: the old key is deleted.
async fn finish_after_grace(moto: &Moto, sm: &aws_sdk_secretsmanager::Client, key: &str) {
    end_grace(sm).await;
    let finished = run(moto, &rotate_args(key, &["--finish"]));
    assert!(finished.status.success() && text(&finished.stdout).contains("deleted old key"), "{}{}", text(&finished.stdout), text(&finished.stderr));
}

/// Ends the last rotation's grace period: its recorded end set to the past, rather than waited for.
async fn end_grace(sm: &aws_sdk_secretsmanager::Client) {
    set_tag(sm, "bedrock-token:grace-until", (unix_now() - 1).to_string()).await;
}

fn run(moto: &Moto, args: &[&str]) -> Output {
    run_via(moto, &moto.endpoint, args)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn provision(moto: &Moto, key: &str) -> Value {
    let out = run(moto, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", key, "--tag", "cost-center=4711", "--store", STORE, "--format", "json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rotate_args<'a>(key: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    [&["rotate", "--business-unit", "sales", "--key", key, "--store", STORE][..], extra].concat()
}

async fn secrets_manager(moto: &Moto) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::new(&moto.sdk_config("AKIDTEST", "secret", "us-east-1").await)
}

/// The key JSON a staging label's version holds.
async fn labelled(sm: &aws_sdk_secretsmanager::Client, label: &str) -> Option<Value> {
    let answer = sm.get_secret_value().secret_id(SECRET).version_stage(label).send().await.ok()?;
    Some(serde_json::from_str(answer.secret_string().unwrap()).unwrap())
}

/// Whether IAM accepts the key a version holds, with that secret: the emulator's private route
/// answers who a credential is and whether it is usable (tests/iam_emulator/caller.py).
fn usable(endpoint: &str, key: &Value) -> bool {
    let body = match key["kind"].as_str().unwrap() {
        "access-key" => serde_json::json!({"accessKeyId": key["id"]}),
        _ => serde_json::json!({"apiKey": key["secret"]}),
    };
    let answer = post(endpoint, "/__bedrock_token/caller", &body.to_string());
    let secret_matches = key["kind"] == "api-key" || answer["secretAccessKey"] == key["secret"];
    answer["found"] == true && answer["usable"] == true && secret_matches
}

fn post(endpoint: &str, path: &str, body: &str) -> Value {
    let mut stream = TcpStream::connect(endpoint.trim_start_matches("http://")).unwrap();
    let request = format!("POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    serde_json::from_str(response.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// The ids of the user's access keys.
async fn access_key_ids(iam: &aws_sdk_iam::Client) -> BTreeSet<String> {
    access_keys(iam).await.into_iter().map(|(id, _)| id).collect()
}

/// The ids and statuses of the user's access keys.
async fn access_keys(iam: &aws_sdk_iam::Client) -> Vec<(String, bool)> {
    let listed = iam.list_access_keys().user_name(USER).send().await.unwrap();
    listed.access_key_metadata().iter().map(|k| (k.access_key_id().unwrap().to_owned(), k.status() == Some(&aws_sdk_iam::types::StatusType::Active))).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_stores_the_key_in_a_tagged_secret_prints_no_secret_and_rotate_adds_a_version() {
    let Some(moto) = Moto::start() else { return };
    let sm = secrets_manager(&moto).await;
    let report = provision(&moto, "api-key");
    let current = labelled(&sm, "AWSCURRENT").await.expect("the secret has a current version");
    let secret = current["secret"].as_str().unwrap();
    assert!(secret.starts_with("ABSK"), "the version holds the key's JSON: {current}");
    assert_eq!(current["id"], report["new_key"]["id"]);
    assert!(usable(&moto.endpoint, &current));
    assert!(report["new_key"].get("secret").is_none(), "the report names the key, not its secret: {report}");
    assert_eq!(report["stored"]["version_id"], format!("bedrock-token-key-{}", current["id"].as_str().unwrap()));
    let described = sm.describe_secret().secret_id(SECRET).send().await.unwrap();
    assert_eq!(report["stored"]["secret_arn"], described.arn().unwrap());
    let tags: Vec<(String, String)> = described.tags().iter().map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned())).collect();
    for tag in [("business-unit", "sales"), ("owner", "sales@example.com"), ("cost-center", "4711"), ("created-by", "bedrock-token")] {
        assert!(tags.contains(&(tag.0.to_owned(), tag.1.to_owned())), "the secret has the user's tags: {tags:?}");
    }

    // A re-run makes no key and stores nothing; the secret holds the active key, so it is clean.
    let again = run(&moto, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "api-key", "--tag", "cost-center=4711", "--store", STORE]);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(!text(&again.stdout).contains(secret));

    let rotated = run(&moto, &rotate_args("api-key", &[]));
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let new = labelled(&sm, "AWSCURRENT").await.unwrap();
    assert_ne!(new["id"], current["id"], "a new version holds a new key");
    assert_eq!(labelled(&sm, "AWSPREVIOUS").await.unwrap()["id"], current["id"]);
    assert!(usable(&moto.endpoint, &new) && usable(&moto.endpoint, &current), "the old key stays active for the grace period");
    for out in [&rotated.stdout, &rotated.stderr] {
        assert!(!text(out).contains(new["secret"].as_str().unwrap()) && !text(out).contains(secret), "no secret is printed");
    }
    assert!(text(&rotated.stdout).contains("stays active until"), "{}", text(&rotated.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finish_retires_the_old_key_only_after_the_grace_period_and_never_the_current_one() {
    let Some(moto) = Moto::start() else { return };
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "access-key");
    let first = labelled(&sm, "AWSCURRENT").await.unwrap();
    let rotated = run(&moto, &rotate_args("access-key", &["--grace", "1h"]));
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    assert!(text(&rotated.stdout).contains("verified key") && text(&rotated.stdout).contains("STS GetCallerIdentity"), "{}", text(&rotated.stdout));
    let second = labelled(&sm, "AWSCURRENT").await.unwrap();

    // Within the grace period recorded when AWSCURRENT moved: a new rotation has no room, and
    // --finish retires nothing, whatever its own --grace says.
    let refused = run(&moto, &rotate_args("access-key", &["--grace", "0s"]));
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("grace period") && text(&refused.stderr).contains("--finish"), "{}", text(&refused.stderr));
    let early = run(&moto, &rotate_args("access-key", &["--grace", "0s", "--finish"]));
    assert!(early.status.success(), "{}", text(&early.stderr));
    assert_eq!(access_keys(&iam).await.len(), 2, "the recorded grace, not --grace 0, decides");
    assert!(usable(&moto.endpoint, &first) && usable(&moto.endpoint, &second));

    // The recorded end passes.
    end_grace(&sm).await;
    let finished = run(&moto, &rotate_args("access-key", &["--grace", "1h", "--finish"]));
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    let stdout = text(&finished.stdout);
    let (deactivated, deleted) = (stdout.find("deactivated old key").unwrap(), stdout.find("deleted old key").unwrap());
    assert!(deactivated < deleted, "deactivated, then deleted: {stdout}");
    assert_eq!(access_keys(&iam).await, vec![(second["id"].as_str().unwrap().to_owned(), true)], "only the current key is left");
    assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], second["id"]);

    // Finishing again changes nothing, and a new rotation has room.
    let again = run(&moto, &rotate_args("access-key", &["--grace", "2s", "--finish"]));
    assert!(again.status.success() && !text(&again.stdout).contains("deleted"), "{}", text(&again.stdout));
    let next = run(&moto, &rotate_args("access-key", &["--grace", "2s"]));
    assert!(next.status.success(), "{}", text(&next.stderr));
}

/// A rotation of access keys cut at request `at`, then run again: the second run's output.
fn cut_then_run_again(moto: &Moto, proxy: &Proxy, at: (usize, Cut), case: &str) -> Output {
    proxy.arm(Some(at));
    let interrupted = run_via(moto, &proxy.endpoint, &rotate_args("access-key", &[]));
    assert!(!text(&interrupted.stderr).contains("panicked"), "{case}: {}", text(&interrupted.stderr));
    proxy.arm(None);
    run_via(moto, &proxy.endpoint, &rotate_args("access-key", &[]))
}

/// The invariants after any run: AWSCURRENT's key is active with the secret it holds, the user's
/// keys are exactly the current one and the one before the rotation (kept for its grace period),
/// and that one, current until this rotation, was never deleted.
async fn converged(moto: &Moto, sm: &aws_sdk_secretsmanager::Client, iam: &aws_sdk_iam::Client, before: &Value, case: &str) {
    let current = labelled(sm, "AWSCURRENT").await.unwrap();
    assert!(usable(&moto.endpoint, &current), "{case}: AWSCURRENT's key works: {current}");
    let mut keys: Vec<String> = access_keys(iam).await.into_iter().map(|(id, active)| {
        assert!(active, "{case}: {id} is active");
        id
    }).collect();
    keys.sort();
    let mut expected = vec![before["id"].as_str().unwrap().to_owned(), current["id"].as_str().unwrap().to_owned()];
    expected.sort();
    expected.dedup();
    assert_eq!(keys, expected, "{case}: the user keeps the key from before and the current one, nothing else");
    if current["id"] != before["id"] {
        assert_eq!(labelled(sm, "AWSPREVIOUS").await.unwrap()["id"], before["id"], "{case}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_cut_at_any_request_then_run_again_converges() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "access-key");
    proxy.arm(None);
    let clean = run_via(&moto, &proxy.endpoint, &rotate_args("access-key", &[]));
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    let actions = proxy.actions();
    for step in ["CreateAccessKey", "PutSecretValue", "GetCallerIdentity", "UpdateSecretVersionStage"] {
        assert!(actions.iter().any(|a| a == step), "a rotation calls {step}: {actions:?}");
    }
    for (index, action) in actions.iter().enumerate() {
        for cut in [Cut::BeforeRequest, Cut::AfterAnswer] {
            let case = format!("cut {cut:?} at request {index} ({action})");
            moto.reset();
            provision(&moto, "access-key");
            let before = labelled(&sm, "AWSCURRENT").await.unwrap();
            let rerun = cut_then_run_again(&moto, &proxy, (index, cut), &case);
            // A run that got through (a store request is sent again) or that was cut once the
            // rotation was done leaves the old key in its grace period: the re-run says so.
            let done_before = text(&rerun.stderr).contains("in its grace period");
            assert!(rerun.status.success() || done_before, "{case}: the re-run converges: {}", text(&rerun.stderr));
            converged(&moto, &sm, &iam, &before, &case).await;
            assert_ne!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], before["id"], "{case}: the rotation completed");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_of_awscurrent_never_gets_a_refused_key_during_rotations() {
    let Some(moto) = Moto::start() else { return };
    let sm = secrets_manager(&moto).await;
    provision(&moto, "api-key");
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, sm, endpoint) = (stop.clone(), reads.clone(), sm.clone(), moto.endpoint.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let key = labelled(&sm, "AWSCURRENT").await.expect("AWSCURRENT is always there");
                assert!(usable(&endpoint, &key), "the reader got a refused key: {}", key["id"]);
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for _ in 0..3 {
        let rotated = run(&moto, &rotate_args("api-key", &["--grace", "1h"]));
        assert!(rotated.status.success(), "{}", text(&rotated.stderr));
        // The reader reads the new AWSCURRENT before the grace period is declared over: no
        // timing involved.
        let seen = reads.load(Ordering::Relaxed);
        while reads.load(Ordering::Relaxed) < seen + 2 && !reader.is_finished() {
            tokio::task::yield_now().await;
        }
        finish_after_grace(&moto, &sm, "api-key").await;
    }
    stop.store(true, Ordering::Relaxed);
    reader.await.expect("the reader saw only usable keys");
    assert!(reads.load(Ordering::Relaxed) > 3, "the reader read during the rotations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_cannot_be_stored_is_printed_once_and_the_run_fails() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    proxy.cut_every(Some(("CreateSecret", Cut::BeforeRequest)));
    let out = run_via(&moto, &proxy.endpoint, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "access-key", "--store", STORE]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let keys = access_keys(&moto.iam().await).await;
    assert_eq!(keys.len(), 1, "the key was made");
    let answer = post(&moto.endpoint, "/__bedrock_token/caller", &serde_json::json!({"accessKeyId": keys[0].0}).to_string());
    let secret = answer["secretAccessKey"].as_str().unwrap();
    assert_eq!(text(&out.stdout).matches(secret).count(), 1, "its secret is printed once: {}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("could not store") && stderr.contains(&keys[0].0) && stderr.contains("aws iam delete-access-key"), "{stderr}");
}

#[test]
fn bad_store_grace_and_refused_combinations_are_usage_errors() {
    let moto = Moto::closed();
    for (args, says) in [
        (vec!["provision", "--business-unit", "sales", "--owner", "s@example.com", "--key", "api-key", "--store", "vault:sales"], "store: "),
        (vec!["provision", "--business-unit", "sales", "--owner", "s@example.com", "--store", STORE], "--store needs a key"),
        (vec!["provision", "--business-unit", "sales", "--owner", "s@example.com", "--kms-key-id", "alias/x"], "--kms-key-id applies only with --store"),
        (rotate_args("api-key", &["--grace", "31d"]), "grace: "),
        (rotate_args("api-key", &["--dry-run"]), "--dry-run"),
        (rotate_args("api-key", &["--delete-old"]), "--delete-old"),
        (rotate_args("access-key", &["--verify"]), "--verify applies only with --key api-key"),
        (vec!["rotate", "--business-unit", "sales", "--key", "api-key", "--finish"], "--store"),
    ] {
        let out = run(&moto, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{args:?}: {}", text(&out.stderr));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_unit_with_a_store_gets_its_key_there_and_needs_no_secrets_dir() {
    let Some(moto) = Moto::start() else { return };
    let dir = std::env::temp_dir().join(format!("bedrock-token-store-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("units.toml");
    std::fs::write(&manifest, format!("[units.sales]\nowner = \"sales@example.com\"\nkey = \"access-key\"\nstore = \"{STORE}\"\n\n[units.legal]\nowner = \"legal@example.com\"\n")).unwrap();
    let out = run(&moto, &["provision", "--manifest", manifest.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let current = labelled(&secrets_manager(&moto).await, "AWSCURRENT").await.expect("the unit's secret was created");
    assert!(usable(&moto.endpoint, &current));
    assert!(!text(&out.stdout).contains(current["secret"].as_str().unwrap()), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("bedrock-token-key-"), "the report names the version: {}", text(&out.stdout));
    let again = run(&moto, &["provision", "--manifest", manifest.to_str().unwrap()]);
    assert!(again.status.success(), "a re-run is clean while the secret holds the active key: {}", text(&again.stderr));

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[units.sales]\nowner = \"sales@example.com\"\nstore = \"secretsmanager:x\"\n").unwrap();
    let refused = run(&moto, &["provision", "--manifest", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(text(&refused.stderr).contains("units.sales.store"), "{}", text(&refused.stderr));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_calls_bedrock_with_the_stored_api_key_before_it_becomes_current() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = endpoint::Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let sm = secrets_manager(&moto).await;
    provision(&moto, "api-key");
    let mut command = moto.command_via(&moto.endpoint, &rotate_args("api-key", &["--verify"]));
    let out = command.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto.endpoint).env("AWS_ENDPOINT_URL_BEDROCK", &bedrock.http).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let (verified, current) = (stdout.find("with Bedrock ListFoundationModels").unwrap(), stdout.find("moved AWSCURRENT").unwrap());
    assert!(verified < current, "verified before it became current: {stdout}");
    let asked = bedrock.requests();
    let entry = asked.iter().find(|e| e["path"] == "/foundation-models").expect("the endpoint was asked");
    assert_eq!((entry["tokenType"].as_str(), entry["decision"].as_str()), (Some("LONG_TERM"), Some("allow")), "{entry}");
    assert!(usable(&moto.endpoint, &labelled(&sm, "AWSCURRENT").await.unwrap()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_that_fails_verification_is_deleted_and_never_becomes_current() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = endpoint::Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    // A models policy allows no ListFoundationModels: the verifying endpoint refuses the call.
    let out = run(&moto, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "api-key", "--model", "amazon.nova-lite-v1:0", "--store", STORE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let before = labelled(&sm, "AWSCURRENT").await.unwrap();
    let mut command = moto.command_via(&moto.endpoint, &rotate_args("api-key", &["--verify"]));
    let refused = command.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &moto.endpoint).env("AWS_ENDPOINT_URL_BEDROCK", &bedrock.http).output().unwrap();
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused.stderr));
    let stderr = text(&refused.stderr);
    assert!(stderr.contains("Bedrock ListFoundationModels failed") && stderr.contains("deleted"), "{stderr}");
    assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], before["id"], "AWSCURRENT did not move");
    assert!(labelled(&sm, "AWSPENDING").await.is_none(), "the refused key's version is no longer pending");
    assert_eq!(api_keys(&iam).await, vec![before["id"].as_str().unwrap().to_owned()], "the refused key is deleted");

    // A later run without --verify cannot promote it: it makes a new key.
    let resumed = run(&moto, &rotate_args("api-key", &[]));
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains("created"), "{}", text(&resumed.stdout));
    let current = labelled(&sm, "AWSCURRENT").await.unwrap();
    assert!(usable(&moto.endpoint, &current));
    assert_eq!(labelled(&sm, "AWSPREVIOUS").await.unwrap()["id"], before["id"]);
}

/// The ids of the user's Bedrock API keys.
async fn api_keys(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let listed = iam.list_service_specific_credentials().user_name(USER).send().await.unwrap();
    listed.service_specific_credentials().iter().map(|c| c.service_specific_credential_id().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inactive_pending_key_is_dropped_and_deleted_in_the_same_run() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "api-key");
    let before = labelled(&sm, "AWSCURRENT").await.unwrap();
    // A rotation that stops before AWSCURRENT moves leaves its key pending.
    proxy.cut_every(Some(("UpdateSecretVersionStage", Cut::BeforeRequest)));
    let stopped = run_via(&moto, &proxy.endpoint, &rotate_args("api-key", &[]));
    assert_eq!(stopped.status.code(), Some(1), "{}", text(&stopped.stderr));
    proxy.cut_every(None);
    let pending = labelled(&sm, "AWSPENDING").await.expect("the new key waits as AWSPENDING");
    let pending_id = pending["id"].as_str().unwrap().to_owned();
    iam.update_service_specific_credential()
        .user_name(USER)
        .service_specific_credential_id(&pending_id)
        .status(aws_sdk_iam::types::StatusType::Inactive)
        .send()
        .await
        .unwrap();

    // One run drops the pending version, deletes its key and rotates: no KeyLimit.
    let rotated = run(&moto, &rotate_args("api-key", &[]));
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let ids = api_keys(&iam).await;
    assert!(!ids.contains(&pending_id), "the inactive pending key is deleted: {ids:?}");
    let current = labelled(&sm, "AWSCURRENT").await.unwrap();
    assert_ne!(current["id"], before["id"]);
    assert_ne!(current["id"].as_str(), Some(pending_id.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_made_elsewhere_survives_rotate_and_finish_and_the_key_limit_names_it_not_the_current_key() {
    let Some(moto) = Moto::start() else { return };
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "access-key");
    let current = labelled(&sm, "AWSCURRENT").await.unwrap();
    let current_id = current["id"].as_str().unwrap();
    // A key made outside the store's rotation (the console, plain `rotate`), after the secret's
    // current version: the secret does not hold it, and no rotation through it made it.
    let made = iam.create_access_key().user_name(USER).send().await.unwrap();
    let elsewhere = made.access_key().unwrap().access_key_id().to_owned();
    let delete = format!("aws iam delete-access-key --user-name {USER} --access-key-id {elsewhere}");

    let finished = run(&moto, &rotate_args("access-key", &["--finish"]));
    assert!(finished.status.success(), "{}", text(&finished.stderr));
    assert!(text(&finished.stderr).contains(&delete), "a warning names the command that deletes it: {}", text(&finished.stderr));
    let rotated = run(&moto, &rotate_args("access-key", &[]));
    let stderr = text(&rotated.stderr);
    assert_eq!(rotated.status.code(), Some(1), "no room for a new key: {stderr}");
    let fix = stderr.split("remove one first:").nth(1).unwrap_or_else(|| panic!("a KeyLimit error: {stderr}"));
    assert!(fix.contains(&delete) && !fix.contains(current_id), "the advice names the other key, never AWSCURRENT's: {stderr}");
    let mut keys = access_keys(&iam).await;
    keys.sort();
    let mut expected = vec![(current_id.to_owned(), true), (elsewhere.clone(), true)];
    expected.sort();
    assert_eq!(keys, expected, "both keys are left alone");
    assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], current["id"]);

    // Once it is gone, the rotation has room.
    iam.delete_access_key().user_name(USER).access_key_id(&elsewhere).send().await.unwrap();
    let next = run(&moto, &rotate_args("access-key", &[]));
    assert!(next.status.success(), "{}", text(&next.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_rotation_cut_at_any_request_then_run_again_converges() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    // The unit's key was provisioned without --store: the first rotation through the secret
    // creates the secret, with a new key as its first, current version.
    let plain = || {
        let out = run(&moto, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "access-key", "--format", "json"]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["new_key"]["id"].as_str().unwrap().to_owned()
    };
    plain();
    proxy.arm(None);
    let clean = run_via(&moto, &proxy.endpoint, &rotate_args("access-key", &[]));
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    let actions = proxy.actions();
    for step in ["CreateSecret", "CreateAccessKey", "PutSecretValue", "UntagResource"] {
        assert!(actions.iter().any(|a| a == step), "a first rotation calls {step}: {actions:?}");
    }
    for (index, action) in actions.iter().enumerate() {
        for cut in [Cut::BeforeRequest, Cut::AfterAnswer] {
            let case = format!("cut {cut:?} at request {index} ({action})");
            moto.reset();
            let before = plain();
            let rerun = cut_then_run_again(&moto, &proxy, (index, cut), &case);
            // A run that got through leaves the key from before (which the secret never held)
            // and the current one: no room for another, and the advice names the one from before.
            let stderr = text(&rerun.stderr);
            let done_before = stderr.contains("remove one first") && stderr.contains(&format!("--access-key-id {before}"));
            assert!(rerun.status.success() || done_before, "{case}: the re-run converges: {stderr}");
            let current = labelled(&sm, "AWSCURRENT").await.unwrap_or_else(|| panic!("{case}: the secret has a current version"));
            assert!(usable(&moto.endpoint, &current), "{case}: AWSCURRENT's key works: {current}");
            let current_id = current["id"].as_str().unwrap().to_owned();
            assert_ne!(current_id, before, "{case}");
            let mut keys = access_keys(&iam).await;
            keys.sort();
            let mut expected = vec![(before.clone(), true), (current_id, true)];
            expected.sort();
            assert_eq!(keys, expected, "{case}: the key from before and the current one, nothing else");
        }
    }
}

/// A clock the test moves: the provider's poll interval passes when the test says so.
#[derive(Debug, Clone)]
struct Clock(Arc<std::sync::Mutex<std::time::SystemTime>>);

impl bedrock_token::TimeSource for Clock {
    fn now(&self) -> std::time::SystemTime {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_provider_reading_the_secret_never_hands_out_a_refused_key_during_rotations() {
    let Some(moto) = Moto::start() else { return };
    let sm = secrets_manager(&moto).await;
    provision(&moto, "api-key");
    let clock = Clock(Arc::new(std::sync::Mutex::new(std::time::SystemTime::now())));
    let poll = bedrock_token::MIN_SECRETS_MANAGER_POLL_INTERVAL;
    let provider = bedrock_token::TokenProvider::builder()
        .region("us-east-1")
        .secrets_manager_secret(SECRET)
        .secrets_manager_poll_interval(poll)
        .secrets_manager_client(sm.clone())
        .time_source(clock.clone())
        .refresh_jitter(false)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let reads = Arc::new(AtomicUsize::new(0));
    let reader = {
        let (stop, reads, provider, endpoint) = (stop.clone(), reads.clone(), provider.clone(), moto.endpoint.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let token = provider.token().await.expect("the provider hands out a key");
                let answer = post(&endpoint, "/__bedrock_token/caller", &serde_json::json!({"apiKey": token.as_str()}).to_string());
                assert!(answer["found"] == true && answer["usable"] == true, "the provider handed out a refused key: {}", token.access_key_id());
                reads.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    for _ in 0..3 {
        // A grace period (1 h) longer than the poll interval: within it, one poll interval passes
        // and the provider picks up the new AWSCURRENT version; only then does the grace end.
        let rotated = run(&moto, &rotate_args("api-key", &["--grace", "1h"]));
        assert!(rotated.status.success(), "{}", text(&rotated.stderr));
        let current = sm.get_secret_value().secret_id(SECRET).version_stage("AWSCURRENT").send().await.unwrap().version_id.unwrap();
        *clock.0.lock().unwrap() += poll + std::time::Duration::from_secs(1);
        let mut picked_up = false;
        for _ in 0..2000 {
            if provider.status().secret_version_id.as_deref() == Some(current.as_str()) {
                picked_up = true;
                break;
            }
            assert!(!reader.is_finished(), "the reader stopped");
            let _ = provider.token().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(picked_up, "the provider read version {current} within one poll interval");
        finish_after_grace(&moto, &sm, "api-key").await;
    }
    stop.store(true, Ordering::Relaxed);
    reader.await.expect("the provider handed out only usable keys");
    assert!(reads.load(Ordering::Relaxed) > 3, "the reader read during the rotations");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_still_storing_its_key_is_left_alone_until_its_record_is_old() {
    let Some(moto) = Moto::start() else { return };
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "access-key");
    let current = labelled(&sm, "AWSCURRENT").await.unwrap()["id"].as_str().unwrap().to_owned();
    // Another rotation between creating its key and storing it: its key, and its record as a
    // rotation writes it ("KIND SECONDS KEYS-BEFORE").
    let made = iam.create_access_key().user_name(USER).send().await.unwrap();
    let theirs = made.access_key().unwrap().access_key_id().to_owned();
    let recorded = unix_now();
    set_tag(&sm, "bedrock-token:creating", format!("access-key {recorded} {current}")).await;

    let refused = run(&moto, &rotate_args("access-key", &[]));
    let stderr = text(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("another rotation") && stderr.contains("Run again after"), "{stderr}");
    let finished = run(&moto, &rotate_args("access-key", &["--finish"]));
    assert!(finished.status.success(), "--finish is not refused: {}", text(&finished.stderr));
    assert_eq!(access_key_ids(&iam).await, BTreeSet::from([current.clone(), theirs.clone()]), "the other rotation's key is left alone while it may be storing it");
    assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], current.as_str());

    // The record older than the window: that rotation stopped, and nobody holds its key.
    set_tag(&sm, "bedrock-token:creating", format!("access-key {} {current}", recorded - 601)).await;
    let resumed = run(&moto, &rotate_args("access-key", &[]));
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(text(&resumed.stdout).contains(&format!("deleted key {theirs}")), "{}", text(&resumed.stdout));
    let new = labelled(&sm, "AWSCURRENT").await.unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(access_key_ids(&iam).await, BTreeSet::from([current, new]), "the old key (in its grace period) and the new current one");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rotations_at_once_end_with_one_current_key_and_none_unaccounted_for() {
    let Some(moto) = Moto::start() else { return };
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "access-key");
    // The reasons the second of two rotations at once may stop for; anything else (a failed
    // UpdateSecretVersionStage, a panic) fails the test.
    let stopped_for = ["another rotation", "in its grace period", "remove one first", "LimitExceeded"];
    for round in 0..4 {
        let before = labelled(&sm, "AWSCURRENT").await.unwrap();
        let outs = run_twice_at_once(&moto, &rotate_args("access-key", &[]));
        assert!(outs.iter().any(|o| o.status.success()), "round {round}: one of them rotates: {:?}", outs.iter().map(|o| text(&o.stderr)).collect::<Vec<_>>());
        for out in outs.iter().filter(|o| !o.status.success()) {
            let stderr = text(&out.stderr);
            assert!(stopped_for.iter().any(|why| stderr.contains(why)) && !stderr.contains("panicked"), "round {round}: {stderr}");
        }
        let case = format!("round {round}");
        converged(&moto, &sm, &iam, &before, &case).await;
        assert_ne!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], before["id"], "{case}: the rotation completed");
        finish_after_grace(&moto, &sm, "access-key").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_resuming_one_rotation_at_once_both_end_with_its_key_current() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let sm = secrets_manager(&moto).await;
    provision(&moto, "access-key");
    for round in 0..3 {
        // A rotation that stops before AWSCURRENT moves leaves its key pending.
        proxy.cut_every(Some(("UpdateSecretVersionStage", Cut::BeforeRequest)));
        let stopped = run_via(&moto, &proxy.endpoint, &rotate_args("access-key", &[]));
        assert_eq!(stopped.status.code(), Some(1), "{}", text(&stopped.stderr));
        proxy.cut_every(None);
        let pending = labelled(&sm, "AWSPENDING").await.expect("the new key waits as AWSPENDING");
        // Both resume it: the second to move AWSCURRENT finds it moved (or, later, the rotation
        // done and the old key in its grace period).
        for out in run_twice_at_once(&moto, &rotate_args("access-key", &[])) {
            let stderr = text(&out.stderr);
            assert!(out.status.success() || stderr.contains("in its grace period"), "round {round}: {stderr}");
        }
        assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], pending["id"], "round {round}");
        finish_after_grace(&moto, &sm, "access-key").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_api_key_deleted_after_it_was_stored_never_becomes_current_even_unverified() {
    let Some(moto) = Moto::start() else { return };
    let proxy = Proxy::start(&moto.endpoint);
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    provision(&moto, "api-key");
    // The requests of a rotation without --verify: after the new version is stored, IAM is asked
    // whether its key is active (the user's Bedrock API keys listed again) before AWSCURRENT moves.
    proxy.arm(None);
    let clean = run_via(&moto, &proxy.endpoint, &rotate_args("api-key", &[]));
    assert!(clean.status.success(), "{}", text(&clean.stderr));
    assert!(text(&clean.stdout).contains("IAM ListServiceSpecificCredentials (active)"), "{}", text(&clean.stdout));
    let actions = proxy.actions();
    let stored = actions.iter().position(|a| a == "PutSecretValue").expect("a rotation stores its key");
    let listed = stored + actions[stored..].iter().position(|a| a == "ListServiceSpecificCredentials").expect("the API keys are listed after storing");
    assert!(actions[listed..].iter().any(|a| a == "UpdateSecretVersionStage"), "{actions:?}");

    moto.reset();
    provision(&moto, "api-key");
    let before = labelled(&sm, "AWSCURRENT").await.unwrap();
    proxy.hold(listed);
    let rotation = command_via(&moto, &proxy.endpoint, &rotate_args("api-key", &[])).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    proxy.wait_held();
    // Meanwhile the stored key is deleted (another run, an administrator).
    let pending = labelled(&sm, "AWSPENDING").await.expect("the new key is stored as AWSPENDING");
    let id = pending["id"].as_str().unwrap();
    iam.delete_service_specific_credential().user_name(USER).service_specific_credential_id(id).send().await.unwrap();
    proxy.release();
    let out = rotation.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("refused when verified") && stderr.contains("never becomes current"), "{stderr}");
    assert_eq!(labelled(&sm, "AWSCURRENT").await.unwrap()["id"], before["id"], "AWSCURRENT did not move to the deleted key");
    assert!(labelled(&sm, "AWSPENDING").await.is_none(), "its version is no longer pending");
    assert!(usable(&moto.endpoint, &before), "the current key still works");
}

/// Secrets Manager throttles every 3rd request and the SDK's own retries are off
/// (`AWS_MAX_ATTEMPTS=1`): provisioning into the secret, a rotation and its finish still complete
/// (bedrock-token sends a throttled request again), with one current key and the old one retired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provision_rotate_and_finish_through_a_throttling_secrets_manager() {
    let Some(moto) = Moto::start_with_env(&[("BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY", "3")]) else { return };
    let (sm, iam) = (secrets_manager(&moto).await, moto.iam().await);
    let run = |args: &[&str]| command_via(&moto, &moto.endpoint, args).env("AWS_MAX_ATTEMPTS", "1").output().unwrap();
    let out = run(&["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "access-key", "--store", STORE]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rotated = run(&rotate_args("access-key", &[]));
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    end_grace(&sm).await; // the test's own clients keep the SDK's retries
    let finished = run(&rotate_args("access-key", &["--finish"]));
    assert!(finished.status.success() && text(&finished.stdout).contains("deleted old key"), "{}{}", text(&finished.stdout), text(&finished.stderr));
    let current = labelled(&sm, "AWSCURRENT").await.expect("a current version");
    assert_eq!(access_key_ids(&iam).await, BTreeSet::from([current["id"].as_str().unwrap().to_owned()]), "only the current key is left");
    // The emulator did throttle this run's requests: three calls without retries meet it.
    let mut refused = 0;
    for _ in 0..3 {
        let once = aws_sdk_secretsmanager::config::Builder::from(&moto.sdk_config("AKIDTEST", "secret", "us-east-1").await).retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled()).build();
        if let Err(err) = aws_sdk_secretsmanager::Client::from_conf(once).describe_secret().secret_id(SECRET).send().await {
            assert_eq!(aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&err), Some("ThrottlingException"), "{err:?}");
            refused += 1;
        }
    }
    assert_eq!(refused, 1, "one request in three is throttled");
}

/// `--kms-key-id` names the KMS key of a secret the command creates: by `provision --store`, and
/// by the first `rotate --store` of a unit provisioned without one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_the_command_creates_is_encrypted_with_the_kms_key_given() {
    let Some(moto) = Moto::start() else { return };
    let sm = secrets_manager(&moto).await;
    let out = run(&moto, &["provision", "--business-unit", "sales", "--owner", "sales@example.com", "--key", "access-key", "--store", STORE, "--kms-key-id", "alias/bedrock-keys"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let described = sm.describe_secret().secret_id(SECRET).send().await.unwrap();
    assert_eq!(described.kms_key_id(), Some("alias/bedrock-keys"));

    let other = "secretsmanager:prod/support/bedrock-key";
    let plain = run(&moto, &["provision", "--business-unit", "support", "--owner", "support@example.com", "--key", "access-key", "--format", "json"]);
    assert!(plain.status.success(), "{}", text(&plain.stderr));
    let rotated = run(&moto, &["rotate", "--business-unit", "support", "--key", "access-key", "--store", other, "--kms-key-id", "alias/support-keys"]);
    assert!(rotated.status.success(), "{}", text(&rotated.stderr));
    let described = sm.describe_secret().secret_id("prod/support/bedrock-key").send().await.unwrap();
    assert_eq!(described.kms_key_id(), Some("alias/support-keys"), "the first rotation created the secret with the key");
}
