//! Revocation and guardrails proven where AWS enforces them: keys are used at the evaluating
//! Bedrock endpoint (tests/bedrock_endpoint in `--iam` mode), which authenticates each key with
//! the IAM emulator and evaluates the caller's policies and the account's SCPs with the request
//! context AWS documents (`aws:TokenIssueTime` only for temporary credentials; each service's own
//! `…:BearerTokenType`). A policy IAM accepts proves nothing about what it stops; these tests
//! call Bedrock before and after each command. (The guardrails SCP: evaluating_endpoint.rs.)

mod common;

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

use std::time::Duration;

use common::Moto;
use endpoint::Endpoint;
use serde_json::Value;

const ACCOUNT: &str = "123456789012";
const CONVERSE: &str = "/model/amazon.nova-lite-v1%3A0/converse";
const HELLO: &str = r#"{"messages":[{"role":"user","content":[{"text":"hello"}]}]}"#;
const MANTLE: &str = "/mantle/v1/chat/completions";
const MANTLE_HELLO: &str = r#"{"model":"openai.gpt-oss-120b","messages":[{"role":"user","content":"hello"}]}"#;

/// A short-term key signed by the command with these credentials.
fn token(moto: &Moto, key_id: &str, secret: &str, session: Option<&str>) -> String {
    let mut command = moto.command_via(&moto.endpoint, &["token", "--region", "us-east-1"]);
    command.env("AWS_ACCESS_KEY_ID", key_id).env("AWS_SECRET_ACCESS_KEY", secret);
    if let Some(session) = session {
        command.env("AWS_SESSION_TOKEN", session);
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

/// A role `name` that the account may assume, with AmazonBedrockLimitedAccess.
async fn bedrock_role(iam: &aws_sdk_iam::Client, name: &str) {
    let trust = format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}"#);
    iam.create_role().role_name(name).assume_role_policy_document(trust).send().await.unwrap();
    iam.attach_role_policy().role_name(name).policy_arn("arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess").send().await.unwrap();
}

/// A short-term key signed with a new session of `role` (STS AssumeRole on the emulator).
async fn role_token(moto: &Moto, role: &str) -> String {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&moto.endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .load()
        .await;
    let assumed = aws_sdk_sts::Client::new(&config)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/{role}"))
        .role_session_name("run")
        .send()
        .await
        .unwrap();
    let credentials = assumed.credentials.unwrap();
    token(moto, &credentials.access_key_id, &credentials.secret_access_key, Some(&credentials.session_token))
}

fn status(bedrock: &Endpoint, key: &str) -> u16 {
    bedrock.call("POST", CONVERSE, key, HELLO).0
}

/// `revoke` through the command: its text output and exit status.
fn revoke(moto: &Moto, args: &[&str]) -> String {
    let out = moto.run(&[&["revoke"], args].concat());
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Issue times have whole seconds in the deny: a second apart keeps "before" and "after" apart.
fn next_second() {
    std::thread::sleep(Duration::from_millis(1_100));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_user_refuses_its_short_and_long_term_keys_and_leaves_roles_working() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let iam = moto.iam().await;
    let user = "data-bedrock-user";
    let access = moto.json(&["provision", "--business-unit", "data", "--owner", "o@example.com", "--key", "access-key"]);
    let (key_id, secret) = (access["new_key"]["id"].as_str().unwrap(), access["new_key"]["secret"].as_str().unwrap());
    let short_term = token(&moto, key_id, secret, None);
    let api_key = iam.create_service_specific_credential().user_name(user).service_name("bedrock.amazonaws.com").credential_age_days(30).send().await.unwrap();
    let api_key = api_key.service_specific_credential.unwrap();
    let long_term = api_key.service_credential_secret.clone().unwrap();
    bedrock_role(&iam, "app").await;
    let role_key = role_token(&moto, "app").await;
    assert_eq!([status(&bedrock, &short_term), status(&bedrock, &long_term), status(&bedrock, &role_key)], [200, 200, 200]);

    next_second();
    let out = revoke(&moto, &["--user", user]);
    assert!(out.contains(&format!("deactivate access key {key_id} of {user}")), "{out}");
    assert!(out.contains(&format!("stops: access key {key_id}: deactivated")), "{out}");
    assert!(out.contains(&format!("stops: Bedrock API key {}: deactivated", api_key.service_specific_credential_id)), "{out}");
    assert!(out.contains("does not stop: keys created for user data-bedrock-user after this run, and keys signed by roles"), "{out}");

    let (code, answer) = bedrock.call("POST", CONVERSE, &short_term, HELLO);
    assert_eq!(code, 403, "the user's short-term key: {answer}");
    assert_eq!(answer["message"], format!("the access key {key_id} in the bearer token is Inactive"));
    assert_eq!(status(&bedrock, &token(&moto, key_id, secret, None)), 403, "a key signed after the revocation too");
    assert_eq!(status(&bedrock, &long_term), 403, "the user's long-term key");
    assert_eq!(status(&bedrock, &role_key), 200, "a role's key still works");
    assert_eq!(status(&bedrock, &role_token(&moto, "app").await), 200, "and a new one");

    let undone = revoke(&moto, &["--user", user, "--undo"]);
    assert!(undone.contains(&format!("activate access key {key_id} of {user}")), "{undone}");
    assert_eq!([status(&bedrock, &short_term), status(&bedrock, &long_term)], [200, 200], "--undo activates exactly what it deactivated");

    let deleted = moto.json(&["revoke", "--user", user, "--delete"]);
    let kinds: Vec<&str> = deleted["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["delete-key", "delete-key", "put-inline-policy"], "{deleted}");
    assert_eq!([status(&bedrock, &short_term), status(&bedrock, &long_term)], [403, 403]);
    let undo_delete = moto.run(&["revoke", "--user", user, "--delete", "--undo"]);
    assert_eq!(undo_delete.status.code(), Some(2), "deleted keys cannot be restored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_role_refuses_older_sessions_keeps_the_later_time_and_undo_restores() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let iam = moto.iam().await;
    bedrock_role(&iam, "app").await;
    let old = role_token(&moto, "app").await;
    assert_eq!(status(&bedrock, &old), 200);

    next_second();
    let out = revoke(&moto, &["--role", "app"]);
    assert!(out.contains("stops: Bedrock API keys (Bedrock and Bedrock Mantle) signed with temporary credentials of role app issued before"), "{out}");
    let (code, answer) = bedrock.call("POST", CONVERSE, &old, HELLO);
    assert_eq!(code, 403, "{answer}");
    assert_eq!(
        answer["message"],
        format!("User: arn:aws:sts::{ACCOUNT}:assumed-role/app/run is not authorized to perform: bedrock:CallWithBearerToken on resource: * with an explicit deny in an identity-based policy")
    );
    assert_eq!(bedrock.requests().pop().unwrap()["denied"]["sid"], "RevokeBedrockApiKeysIssuedBefore");
    assert_eq!(bedrock.call("POST", MANTLE, &old, MANTLE_HELLO).0, 403, "on Bedrock Mantle too");
    next_second();
    let new = role_token(&moto, "app").await;
    assert_eq!(status(&bedrock, &new), 200, "a session issued after the revocation");

    // An earlier time would let the old session's keys work again: the later one stays.
    let report = moto.json(&["revoke", "--role", "app", "--before", "2020-01-01T00:00:00Z"]);
    assert_eq!(report["actions"], serde_json::json!([]), "{report}");
    assert!(report["notes"][0].as_str().unwrap().starts_with("kept the revocation time"), "{report}");
    assert_eq!(status(&bedrock, &old), 403, "still refused");
    let moved = moto.json(&["revoke", "--role", "app", "--before", "2020-01-01T00:00:00Z", "--allow-earlier"]);
    assert_eq!(moved["revoked_before"], "2020-01-01T00:00:00Z", "{moved}");
    assert_eq!(status(&bedrock, &old), 200, "moved back on purpose");

    revoke(&moto, &["--role", "app"]);
    assert_eq!(status(&bedrock, &old), 403);
    let undone = moto.json(&["revoke", "--role", "app", "--undo"]);
    assert_eq!(undone["revoked_before"], Value::Null);
    assert_eq!([status(&bedrock, &old), status(&bedrock, &new)], [200, 200], "--undo: accepted again");
}
