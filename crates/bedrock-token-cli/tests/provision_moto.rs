//! Provisioning end to end through the command, against the IAM emulator (moto with service-
//! specific credentials) over HTTP. Each test starts its own emulator and stops it when done.

mod common;

use common::Moto;
use serde_json::Value;

const PROVISION: &[&str] = &["provision", "--business-unit", "sales", "--owner", "ops@example.com", "--key", "access-key", "--tag", "cost-center=4711"];

#[test]
fn provision_list_rotate_deprovision_end_to_end() {
    let Some(moto) = Moto::start() else { return };

    let plan = moto.json(&[PROVISION, &["--dry-run"]].concat());
    assert_eq!(plan["dry_run"], true);
    assert_eq!(plan["actions"].as_array().unwrap().len(), 4, "user, policy, the tag recording it, key: {plan}");
    assert!(moto.users().is_empty(), "a dry run creates nothing");

    let out = moto.run(PROVISION);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let secret = stdout.lines().find_map(|l| l.strip_prefix("secret (shown once): ")).expect("secret printed").to_owned();
    assert_eq!(secret.len(), 40);
    assert!(!String::from_utf8_lossy(&out.stderr).contains(&secret), "the secret goes to stdout only");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Rotate long-term keys every 30-90 days"));

    let rerun = moto.json(PROVISION);
    assert_eq!(rerun["actions"], serde_json::json!([]), "a rerun is a no-op");
    assert_eq!(rerun["new_key"], Value::Null);

    let users = moto.users();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["user_name"], "sales-bedrock-user");
    assert_eq!(users[0]["owner"], "ops@example.com");
    assert!(users[0]["arn"].as_str().unwrap().ends_with(":user/bedrock/sales-bedrock-user"));
    let keys = users[0]["keys"].as_array().unwrap();
    assert_eq!((keys.len(), &keys[0]["active"], &keys[0]["age_days"]), (1, &Value::Bool(true), &Value::from(0)));
    let first_key = keys[0]["id"].clone();

    let rotated = moto.json(&["rotate", "--business-unit", "sales", "--key", "access-key"]);
    assert_ne!(rotated["new_key"]["id"], first_key);
    let keys = moto.users()[0]["keys"].as_array().unwrap().clone();
    let status: Vec<(Value, Value)> = keys.iter().map(|k| (k["id"].clone(), k["active"].clone())).collect();
    assert!(status.contains(&(first_key.clone(), Value::Bool(false))), "old key deactivated: {status:?}");
    assert!(status.contains(&(rotated["new_key"]["id"].clone(), Value::Bool(true))));

    let limit = moto.run(&["rotate", "--business-unit", "sales", "--key", "access-key"]);
    let err = String::from_utf8_lossy(&limit.stderr);
    assert_eq!(limit.status.code(), Some(1));
    assert!(err.contains("IAM's limit") && err.contains(&format!("--access-key-id {}", first_key.as_str().unwrap())), "{err}");

    let teardown_plan = moto.json(&["deprovision", "--business-unit", "sales", "--dry-run"]);
    let kinds: Vec<&str> = teardown_plan["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["delete-key", "delete-key", "detach-policy", "delete-user"]);
    assert_eq!(moto.users().len(), 1, "a dry run removes nothing");

    moto.json(&["deprovision", "--business-unit", "sales"]);
    assert!(moto.users().is_empty());
    let again = moto.json(&["deprovision", "--business-unit", "sales"]);
    assert_eq!(again["actions"], serde_json::json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_not_created_by_bedrock_token_are_left_alone_unless_forced() {
    let Some(moto) = Moto::start() else { return };
    moto.iam().await.create_user().user_name("hr-bedrock-user").send().await.unwrap();

    for args in [
        vec!["provision", "--business-unit", "hr", "--owner", "hr@example.com"],
        vec!["deprovision", "--business-unit", "hr"],
    ] {
        let out = moto.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("not tagged created-by=bedrock-token; pass --force"));
    }
    assert!(moto.iam().await.get_user().user_name("hr-bedrock-user").send().await.is_ok(), "still there");
    assert!(moto.run(&["deprovision", "--business-unit", "hr", "--force"]).status.success());
    assert!(moto.iam().await.get_user().user_name("hr-bedrock-user").send().await.is_err(), "removed");
}

#[test]
fn inline_model_policy_and_full_access() {
    let Some(moto) = Moto::start() else { return };
    let model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0";
    let report = moto.json(&["provision", "--business-unit", "research", "--owner", "r@example.com", "--model", model]);
    let action = &report["actions"][1];
    assert_eq!(action["action"], "put-inline-policy");
    let document: Value = serde_json::from_str(action["document"].as_str().unwrap()).unwrap();
    assert_eq!(document["Statement"][0]["Resource"], model);
    assert_eq!(document["Statement"][0]["Action"], serde_json::json!(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"]));
    assert_eq!(document["Statement"][1]["Action"], serde_json::json!(["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"]), "API keys on both endpoints");
    assert_eq!(moto.json(&["provision", "--business-unit", "research", "--owner", "r@example.com", "--model", model])["actions"], serde_json::json!([]));

    let full = moto.json(&["provision", "--business-unit", "ops", "--owner", "o@example.com", "--policy", "full"]);
    assert_eq!(full["actions"][1]["policy_arn"], "arn:aws:iam::aws:policy/AmazonBedrockFullAccess");
}

/// Bad values exit 2 naming the field. The endpoint is a closed port: any IAM call would fail
/// with exit 1 instead, so exit 2 shows nothing was sent.
#[test]
fn bad_values_are_refused_before_any_iam_call() {
    let moto = Moto::closed();
    let closed = moto.endpoint.rsplit(':').next().unwrap().to_owned();
    for (args, field) in [
        (vec!["provision", "--business-unit", "Sales", "--owner", "o@example.com"], "business_unit:"),
        (vec!["provision", "--business-unit", "sales", "--owner", "nobody"], "owner:"),
        (vec!["provision", "--business-unit", "sales", "--owner", "o@example.com", "--key", "api-key", "--api-key-days", "0"], "api_key_days:"),
        (vec!["provision", "--business-unit", "sales", "--owner", "o@example.com", "--tag", "owner=x"], "tag:"),
        (vec!["provision", "--business-unit", "sales", "--owner", "o@example.com", "--policy", "admin"], "policy:"),
        (vec!["rotate", "--business-unit", "x", "--key", "api-key", "--api-key-days", "36601"], "api_key_days:"),
        (vec!["list", "--path", "bedrock"], "path:"),
    ] {
        let out = moto.run(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(field), "{args:?}: {err}");
    }
    let unreachable = moto.run(&["list"]);
    assert_eq!(unreachable.status.code(), Some(1), "a real call to the closed port fails differently");
    let err = String::from_utf8_lossy(&unreachable.stderr);
    assert!(err.contains(&format!("could not reach http://127.0.0.1:{closed} (")), "{err}");
    assert!(err.contains("AWS_ENDPOINT_URL_IAM") && err.contains("HTTPS_PROXY"), "says how to point it elsewhere: {err}");
    assert!(!err.contains("DispatchFailure") && !err.contains('{'), "no Debug dump: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
}

/// moto checks SigV4 once its first unauthenticated actions are used up: the created key signs
/// requests as the new user, and a wrong secret is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provisioned_access_key_authenticates_as_the_new_user() {
    // GetUser (absent), CreateUser, GetUser (visible), AttachUserPolicy, TagUser (the policy's
    // record), CreateAccessKey, then ListAccessKeys and ListServiceSpecificCredentials (no other
    // run's key): then auth is enforced.
    let Some(moto) = Moto::start_with_env(&[("INITIAL_NO_AUTH_ACTION_COUNT", "8")]) else { return };
    let report = moto.json(&["provision", "--business-unit", "auth", "--owner", "a@example.com", "--key", "access-key"]);
    let id = report["new_key"]["id"].as_str().unwrap();
    let secret = report["new_key"]["secret"].as_str().unwrap();

    // Authenticated as the new user, then denied: the Bedrock policy grants no IAM actions.
    let me = moto.iam_as(id, secret).await.get_user().send().await.unwrap_err();
    let me = format!("{me:?}");
    assert!(me.contains("user/auth-bedrock-user is not authorized to perform: iam:GetUser"), "{me}");
    let wrong = moto.iam_as(id, "not-the-secret").await.get_user().send().await.unwrap_err();
    let wrong = format!("{wrong:?}");
    assert!(wrong.contains("SignatureDoesNotMatch") && !wrong.contains("auth-bedrock-user is not authorized"), "{wrong}");
}

/// `--model` as people name models: each form gives its documented resources, and an unknown
/// shape is refused before any IAM call, naming the accepted forms.
#[test]
fn models_by_id_arn_and_inference_profile() {
    let Some(moto) = Moto::start() else { return };
    let document = |model: &str| -> Value {
        let plan = moto.json(&["provision", "--business-unit", "m", "--owner", "m@example.com", "--model", model, "--dry-run"]);
        let put = plan["actions"].as_array().unwrap().iter().find(|a| a["action"] == "put-inline-policy").unwrap().clone();
        serde_json::from_str(put["document"].as_str().unwrap()).unwrap()
    };
    let resources = |doc: &Value| -> Vec<(Value, Value)> {
        doc["Statement"].as_array().unwrap().iter().map(|s| (s["Resource"].clone(), s["Condition"].clone())).collect()
    };
    let id = document("anthropic.claude-3-haiku-20240307-v1:0");
    assert_eq!(resources(&id)[0], (Value::from("arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"), Value::Null));
    let arn = document("arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0");
    assert_eq!(resources(&arn)[0].0, "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0");
    for (profile, arn) in [
        ("us.anthropic.claude-sonnet-4-20250514-v1:0", "arn:aws:bedrock:*:*:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0"),
        (
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.anthropic.claude-sonnet-4-20250514-v1:0",
        ),
    ] {
        let doc = document(profile);
        let got = resources(&doc);
        assert_eq!(got[0], (Value::from(arn), Value::Null), "{profile}: the profile");
        assert_eq!(
            got[1],
            (
                Value::from("arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0"),
                serde_json::json!({"StringLike": {"bedrock:InferenceProfileArn": arn}})
            ),
            "{profile}: its model in every region it routes to, only through it"
        );
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 3);
    }
    let out = moto.run(&["provision", "--business-unit", "m", "--owner", "m@example.com", "--model", "claude-latest"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("models: \"claude-latest\": use a model ID") && err.contains("inference-profile ARN"), "{err}");
}
