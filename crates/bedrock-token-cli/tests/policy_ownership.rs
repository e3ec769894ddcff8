//! Which policies provisioning owns and writes, through the command against the IAM emulator
//! (which enforces IAM's policy size quotas, tests/iam_emulator/policy_limits.py): the policy it
//! recorded is the only one it detaches, and only once IAM accepted its replacement; policies an
//! administrator attached stay; ARNs in the partition of the region; models policies too large to
//! sit inline beside the revocation deny go into a managed policy of the user's own; FIDO
//! security keys are not deleted as virtual MFA devices.

mod common;

use common::{holdings, Moto};
use serde_json::Value;

const USER: &str = "data-bedrock-user";

fn provision(moto: &Moto, extra: &[&str]) -> std::process::Output {
    moto.run(&[&["provision", "--business-unit", "data", "--owner", "o@example.com"], extra].concat())
}

async fn policy_tag(iam: &aws_sdk_iam::Client) -> Option<String> {
    let tags = iam.list_user_tags().user_name(USER).send().await.unwrap();
    tags.tags().iter().find(|t| t.key() == "bedrock-policy").map(|t| t.value().to_owned())
}

async fn custom_policy(iam: &aws_sdk_iam::Client, name: &str) -> String {
    let document = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}"#;
    iam.create_policy().policy_name(name).policy_document(document).send().await.unwrap().policy.unwrap().arn.unwrap()
}

/// A failed attach leaves the record of the policy attached before, so a later run detaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_tag_records_a_policy_only_after_iam_accepted_it() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let first = custom_policy(&iam, "team-first").await;
    assert!(provision(&moto, &["--policy", &first]).status.success());
    assert_eq!(policy_tag(&iam).await.as_deref(), Some(first.as_str()));

    let missing = first.replace("team-first", "team-missing");
    let failed = provision(&moto, &["--policy", &missing]);
    assert_eq!(failed.status.code(), Some(1), "{}", String::from_utf8_lossy(&failed.stderr));
    assert!(String::from_utf8_lossy(&failed.stderr).contains("AttachUserPolicy"));
    assert_eq!(policy_tag(&iam).await.as_deref(), Some(first.as_str()), "the record still names what is attached");

    let out = provision(&moto, &["--policy", "limited"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (attached, ..) = holdings(&iam, USER).await;
    assert_eq!(attached, ["arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"], "the first policy was detached, not forgotten");
    assert_eq!(policy_tag(&iam).await.as_deref(), Some("limited"));
}

/// Only what this tool recorded is its own: Bedrock policies an administrator attached stay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policies_an_administrator_attached_are_never_detached() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    assert!(provision(&moto, &[]).status.success());
    let full = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess";
    iam.attach_user_policy().user_name(USER).policy_arn(full).send().await.unwrap();

    let plan = moto.json(&["provision", "--business-unit", "data", "--owner", "o@example.com", "--dry-run"]);
    assert_eq!(plan["actions"], serde_json::json!([]), "nothing to do: FullAccess is the administrator's");
    let models = moto.json(&["provision", "--business-unit", "data", "--owner", "o@example.com", "--model", "amazon.nova-pro-v1:0"]);
    let detached: Vec<&Value> = models["actions"].as_array().unwrap().iter().filter(|a| a["action"] == "detach-policy").collect();
    assert_eq!(detached.len(), 1, "{models}");
    assert_eq!(detached[0]["policy_arn"], "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess", "only the recorded one");
    let (attached, ..) = holdings(&iam, USER).await;
    assert_eq!(attached, [full]);
}

/// The partition of the region names every ARN; a partition without Bedrock API keys is refused
/// before any IAM call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn govcloud_arns_and_a_partition_without_api_keys() {
    let Some(moto) = Moto::start() else { return };
    let gov = |args: &[&str]| moto.command_via(&moto.endpoint, args).env("AWS_REGION", "us-gov-west-1").output().unwrap();
    let base = ["provision", "--business-unit", "data", "--owner", "o@example.com", "--format", "json"];

    let plan = gov(&[&base[..], &["--dry-run"]].concat());
    assert!(plan.status.success(), "{}", String::from_utf8_lossy(&plan.stderr));
    let plan: Value = serde_json::from_slice(&plan.stdout).unwrap();
    assert_eq!(plan["actions"][1]["policy_arn"], "arn:aws-us-gov:iam::aws:policy/AmazonBedrockLimitedAccess");

    let model = "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-pro-v1:0";
    let out = gov(&[&base[..], &["--model", model, "--model", "us.anthropic.claude-3-haiku-20240307-v1:0"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The emulator, as IAM, keeps each partition apart: read it in GovCloud.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(&moto.endpoint)
        .region(aws_config::Region::new("us-gov-west-1"))
        .credentials_provider(aws_sdk_iam::config::Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .load()
        .await;
    let iam = aws_sdk_iam::Client::new(&config);
    let document = iam.get_user_policy().user_name(USER).policy_name("bedrock-invoke-chosen-models").send().await.unwrap().policy_document;
    let document = percent_encoding::percent_decode_str(&document).decode_utf8_lossy().into_owned();
    assert!(document.contains(model), "the ARN as given: {document}");
    assert!(document.contains("arn:aws-us-gov:bedrock:*:*:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"), "{document}");
    assert!(!document.contains("arn:aws:"), "no commercial ARN: {document}");

    let commercial = gov(&[&base[..], &["--dry-run", "--model", "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"]].concat());
    assert_eq!(commercial.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&commercial.stderr).contains("is in the aws partition, but IAM here is in aws-us-gov"));

    let china = moto.command_via(&moto.endpoint, &base).env("AWS_REGION", "cn-north-1").output().unwrap();
    assert_eq!(china.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&china.stderr),
        "bedrock-token: error: region: cn-north-1 is in the aws-cn partition, which has no Amazon Bedrock API keys; they exist in the aws partition (commercial regions) and aws-us-gov (us-gov-east-1, us-gov-west-1)\n"
    );
}

/// Four global inference profiles make a policy larger than a user's inline quota leaves beside
/// the revocation deny: it becomes a managed policy of the user's own, the user can still be
/// revoked, a smaller set moves back inline, and deprovision removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_models_policy_too_large_inline_becomes_a_managed_policy() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let profiles = [
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "global.anthropic.claude-opus-4-5-20251101-v1:0",
        "global.amazon.nova-2-lite-v1:0",
    ];
    let models: Vec<&str> = profiles.iter().flat_map(|p| ["--model", *p]).collect();
    let out = provision(&moto, &[&models[..], &["--key", "access-key", "--format", "json"]].concat());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (attached, inline, ..) = holdings(&iam, USER).await;
    assert!(inline.is_empty(), "{inline:?}");
    assert_eq!(attached.len(), 1);
    assert!(attached[0].ends_with(":policy/bedrock-token/data-bedrock-user/bedrock-invoke-chosen-models"), "{attached:?}");
    let version = iam.get_policy().policy_arn(&attached[0]).send().await.unwrap().policy.unwrap().default_version_id.unwrap();
    let document = iam.get_policy_version().policy_arn(&attached[0]).version_id(version).send().await.unwrap();
    let document = percent_encoding::percent_decode_str(&document.policy_version.unwrap().document.unwrap()).decode_utf8_lossy().into_owned();
    assert!(document.len() > 2048 && profiles.iter().all(|p| document.contains(p)), "{document}");

    let again = provision(&moto, &[&models[..], &["--key", "access-key", "--format", "json"]].concat());
    let again: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(again["actions"], serde_json::json!([]), "converged");

    let revoked = moto.json(&["revoke", "--user", USER]);
    assert!(revoked["actions"].as_array().unwrap().iter().any(|a| a["action"] == "put-inline-policy"), "{revoked}");

    let fewer = moto.json(&["provision", "--business-unit", "data", "--owner", "o@example.com", "--model", profiles[0]]);
    let kinds: Vec<&str> = fewer["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["put-inline-policy", "delete-managed-policy"], "{fewer}");
    let (attached, mut inline, ..) = holdings(&iam, USER).await;
    assert!(attached.is_empty(), "{attached:?}");
    inline.sort();
    assert_eq!(inline, ["bedrock-invoke-chosen-models", "bedrock-token-revoke-bearer-tokens"]);

    let eight: Vec<String> = (0..40).map(|i| format!("us.anthropic.claude-model-{i}-v1:0")).collect();
    let eight: Vec<&str> = eight.iter().flat_map(|p| ["--model", p.as_str()]).collect();
    let too_large = provision(&moto, &eight);
    assert_eq!(too_large.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_large.stderr).contains("IAM allows 6144 in a managed policy"));

    assert!(provision(&moto, &[&models[..], &["--key", "access-key"]].concat()).status.success(), "back to managed");
    let gone = moto.json(&["deprovision", "--business-unit", "data"]);
    assert!(gone["actions"].as_array().unwrap().iter().any(|a| a["action"] == "delete-managed-policy"), "{gone}");
    let left = iam.list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).send().await.unwrap();
    assert!(left.policies().is_empty(), "the managed policy is deleted: {:?}", left.policies());
}

/// A FIDO security key's serial (`…:u2f/…`) is deactivated, never sent to
/// DeleteVirtualMFADevice, which takes virtual devices only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deprovision_deactivates_a_fido_key_without_deleting_it_as_virtual() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    assert!(provision(&moto, &[]).status.success());
    let fido = format!("arn:aws:iam::123456789012:u2f/user/{USER}/fidosecuritykey-ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    iam.enable_mfa_device().user_name(USER).serial_number(&fido).authentication_code1("123456").authentication_code2("654321").send().await.unwrap();
    let out = moto.json(&["deprovision", "--business-unit", "data"]);
    let kinds: Vec<&str> = out["actions"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"deactivate-mfa-device") && !kinds.contains(&"delete-virtual-mfa-device"), "{kinds:?}");
    assert!(iam.get_user().user_name(USER).send().await.is_err(), "the user is gone");
}
