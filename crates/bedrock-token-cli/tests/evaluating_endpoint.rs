//! Keys the command makes, used at the evaluating Bedrock endpoint (tests/bedrock_endpoint in
//! `--iam` mode), which authenticates them with the IAM emulator and evaluates the user's policies
//! as AWS does: a provisioned user's short-term key (signed by `bedrock-token token` with the
//! user's new access key) and its long-term API key are both accepted on Converse, and refused
//! once IAM says the keys are inactive; the SCP `guardrails --scp --deny-long-term` prints, set for
//! the account, refuses the long-term key on Runtime and on Mantle and lets the short-term key through;
//! and the same policy attached through AWS Organizations (`guardrails --attach`) refuses a member
//! account's long-term key until `--detach`.

mod common;

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

use common::Moto;
use endpoint::Endpoint;

const CONVERSE: &str = "/model/amazon.nova-lite-v1%3A0/converse";
const HELLO: &str = r#"{"messages":[{"role":"user","content":[{"text":"hello"}]}]}"#;
const MANTLE: &str = "/mantle/v1/chat/completions";
const OPENAI_HELLO: &str = r#"{"model":"openai.gpt-oss-20b-1:0","messages":[{"role":"user","content":"hello"}]}"#;

/// A short-term key signed by the command with these credentials.
fn token(moto: &Moto, key_id: &str, secret: &str) -> String {
    let out = moto
        .command_via(&moto.endpoint, &["token", "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", key_id)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn a_provisioned_users_short_and_long_term_keys_are_accepted_until_iam_deactivates_them() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start_with_iam("us-east-1", &moto.endpoint);

    let access = moto.json(&["provision", "--business-unit", "x", "--owner", "o@example.com", "--key", "access-key"]);
    let (key_id, secret) = (access["new_key"]["id"].as_str().unwrap(), access["new_key"]["secret"].as_str().unwrap());
    let short_term = token(&moto, key_id, secret);
    let (status, answer) = bedrock.call("POST", CONVERSE, &short_term, HELLO);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["output"]["message"]["content"][0]["text"], "reply from amazon.nova-lite-v1:0 to: hello");
    let entry = bedrock.requests().pop().unwrap();
    assert_eq!(entry["principalArn"], "arn:aws:iam::123456789012:user/bedrock/x-bedrock-user", "{entry}");
    assert_eq!((entry["tokenType"].as_str(), entry["decision"].as_str()), (Some("SHORT_TERM"), Some("allow")));
    assert_eq!(entry["accessKeyId"], key_id);

    let api = moto.json(&["provision", "--business-unit", "y", "--owner", "o@example.com", "--key", "api-key"]);
    let long_term = api["new_key"]["secret"].as_str().unwrap();
    assert!(long_term.starts_with("ABSK"));
    let (status, answer) = bedrock.call("POST", CONVERSE, long_term, HELLO);
    assert_eq!(status, 200, "{answer}");
    let entry = bedrock.requests().pop().unwrap();
    assert_eq!(entry["principalArn"], "arn:aws:iam::123456789012:user/bedrock/y-bedrock-user", "{entry}");
    assert_eq!(entry["tokenType"], "LONG_TERM");

    // The command's `rotate` deactivates the old access key: its token is refused from then on.
    let rotated = moto.json(&["rotate", "--business-unit", "x", "--key", "access-key"]);
    assert_ne!(rotated["new_key"]["id"].as_str(), Some(key_id));
    let (status, answer) = bedrock.call("POST", CONVERSE, &short_term, HELLO);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(answer["message"], format!("the access key {key_id} in the bearer token is Inactive"));
}

#[test]
fn the_guardrails_scp_refuses_a_long_term_key_on_runtime_and_mantle_and_accepts_a_short_term_one() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let access = moto.json(&["provision", "--business-unit", "x", "--owner", "o@example.com", "--key", "access-key"]);
    let short_term = token(&moto, access["new_key"]["id"].as_str().unwrap(), access["new_key"]["secret"].as_str().unwrap());
    let api = moto.json(&["provision", "--business-unit", "y", "--owner", "o@example.com", "--key", "api-key"]);
    let long_term = api["new_key"]["secret"].as_str().unwrap();

    let out = moto.run(&["guardrails", "--scp", "--deny-long-term"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("stops: using long-term Bedrock API keys on Bedrock (bedrock:BearerTokenType) and on Bedrock Mantle"), "{said}");
    assert!(said.contains("does not stop: short-term Bedrock API keys"), "{said}");
    let scp: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let full_access = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]});
    endpoint::set_scps(&moto.endpoint, "123456789012", &[full_access, scp]);

    let (status, answer) = bedrock.call("POST", CONVERSE, long_term, HELLO);
    assert_eq!(status, 403, "{answer}");
    assert_eq!(
        answer["message"],
        "User: arn:aws:iam::123456789012:user/bedrock/y-bedrock-user is not authorized to perform: bedrock:CallWithBearerToken \
         on resource: * with an explicit deny in a service control policy"
    );
    assert_eq!(bedrock.requests().pop().unwrap()["denied"]["sid"], "DenyUsingLongTermBedrockApiKeys");
    // Mantle's requests carry bedrock-mantle:BearerTokenType: the SCP's own Mantle statement stops them.
    let (status, answer) = bedrock.call("POST", MANTLE, long_term, OPENAI_HELLO);
    assert_eq!(status, 403, "{answer}");
    assert!(answer["error"]["message"].as_str().unwrap().ends_with(
        "bedrock-mantle:CallWithBearerToken on resource: * with an explicit deny in a service control policy"
    ));
    assert_eq!(bedrock.requests().pop().unwrap()["denied"]["sid"], "DenyUsingLongTermBedrockMantleApiKeys");
    for (path, body) in [(CONVERSE, HELLO), (MANTLE, OPENAI_HELLO)] {
        let (status, answer) = bedrock.call("POST", path, &short_term, body);
        assert_eq!(status, 200, "{path}: {answer}");
    }
}

/// The guardrails attached through AWS Organizations are enforced: a member account's long-term
/// key (provisioned there with `--account`) works until `guardrails --scp --deny-long-term
/// --attach` puts the policy on the account's OU, is refused by it then, and works again after
/// `--detach`. The endpoint evaluates the SCPs that Organizations has attached on the account's path.
#[test]
fn guardrails_attached_through_organizations_refuse_a_member_accounts_long_term_key_until_detached() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start_with_iam("us-east-1", &moto.endpoint);
    let organizations = |args: &[&str]| {
        let mut command = moto.command_via(&moto.endpoint, args);
        command.env("AWS_ENDPOINT_URL_STS", &moto.endpoint).env("AWS_ENDPOINT_URL_ORGANIZATIONS", &moto.endpoint);
        let out = command.output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (member, ou) = runtime.block_on(async {
        let org = aws_sdk_organizations::Client::new(&moto.sdk_config("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1").await);
        org.create_organization().send().await.unwrap();
        let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_owned();
        let ou = org.create_organizational_unit().parent_id(&root).name("research").send().await.unwrap();
        let ou = ou.organizational_unit().unwrap().id().unwrap().to_owned();
        let member = org.create_account().account_name("research").email("r@example.com").send().await.unwrap();
        let member = member.create_account_status().unwrap().account_id().unwrap().to_owned();
        org.move_account().account_id(&member).source_parent_id(&root).destination_parent_id(&ou).send().await.unwrap();
        (member, ou)
    });
    let made = organizations(&["provision", "--account", &member, "--business-unit", "y", "--owner", "o@example.com", "--key", "api-key", "--format", "json"]);
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let long_term = made["new_key"]["secret"].as_str().unwrap();
    let (status, answer) = bedrock.call("POST", CONVERSE, long_term, HELLO);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(bedrock.requests().pop().unwrap()["principalArn"], format!("arn:aws:iam::{member}:user/bedrock/y-bedrock-user"));

    organizations(&["guardrails", "--scp", "--deny-long-term", "--attach", &ou]);
    let (status, answer) = bedrock.call("POST", CONVERSE, long_term, HELLO);
    assert_eq!(status, 403, "{answer}");
    assert!(answer["message"].as_str().unwrap().ends_with("with an explicit deny in a service control policy"), "{answer}");
    assert_eq!(bedrock.requests().pop().unwrap()["denied"]["sid"], "DenyUsingLongTermBedrockApiKeys");

    organizations(&["guardrails", "--scp", "--detach", &ou]);
    let (status, answer) = bedrock.call("POST", CONVERSE, long_term, HELLO);
    assert_eq!(status, 200, "detached: {answer}");
}
