//! Account-wide governance through the command against the IAM emulator over HTTP: the audit
//! of every Bedrock API key, revoking short-term keys of a role or user and long-term keys by id,
//! and the guardrail service control policy.

mod common;

use common::{private_route, Moto};
use serde_json::Value;

const ASSUME: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn codes(key: &Value) -> Vec<String> {
    key["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_finds_console_users_keys_that_never_expire_and_users_with_access_keys() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let clean = moto.run(&["audit", "--format", "json"]);
    assert_eq!(clean.status.code(), Some(0), "no keys, nothing found");

    moto.json(&["provision", "--business-unit", "ours", "--owner", "o@example.com", "--key", "api-key", "--api-key-days", "30"]);
    iam.create_user().user_name("BedrockAPIKey-x7k2").send().await.unwrap();
    let console_key = iam.create_service_specific_credential().user_name("BedrockAPIKey-x7k2").service_name("bedrock.amazonaws.com").send().await.unwrap();
    let console_key = console_key.service_specific_credential().unwrap().service_specific_credential_id().to_owned();
    iam.create_user().user_name("alice").path("/people/").send().await.unwrap();
    iam.create_service_specific_credential().user_name("alice").service_name("bedrock.amazonaws.com").credential_age_days(3).send().await.unwrap();
    iam.create_access_key().user_name("alice").send().await.unwrap();
    iam.create_user().user_name("git").send().await.unwrap();
    iam.create_service_specific_credential().user_name("git").service_name("codecommit.amazonaws.com").send().await.unwrap();

    let out = moto.run(&["audit", "--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "findings exit 3: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = report["keys"].as_array().unwrap();
    let users: Vec<&str> = keys.iter().map(|k| k["user_name"].as_str().unwrap()).collect();
    assert_eq!(users, ["BedrockAPIKey-x7k2", "alice", "ours-bedrock-user"], "every Bedrock key, not CodeCommit's");
    assert_eq!(keys[0]["key_id"], console_key.as_str());
    assert_eq!(codes(&keys[0]), ["no-expiry", "console-user"]);
    assert_eq!(keys[0]["expires_at"], Value::Null);
    assert_eq!(codes(&keys[1]), ["expires-soon", "not-created-by-bedrock-token", "user-has-access-keys"]);
    assert_eq!((keys[1]["user_path"].as_str(), keys[1]["findings"][2]["count"].as_u64()), (Some("/people/"), Some(1)));
    assert_eq!(codes(&keys[2]), Vec::<String>::new(), "ours: tagged, 30 days, no access key");
    assert_eq!(keys[2]["user_tags"]["created-by"], "bedrock-token");
    assert_eq!(keys[2]["attached_policies"], serde_json::json!(["arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"]));
    assert_eq!((report["findings"].as_u64(), report["max_age_days"].as_u64()), (Some(5), Some(90)));

    let table = moto.run(&["audit"]);
    assert_eq!(table.status.code(), Some(3));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("BedrockAPIKey-x7k2") && text.contains("never expires; user made by the Bedrock console"), "{text}");
    assert!(text.ends_with("3 Bedrock API keys, 5 findings\n"), "{text}");
    assert!(String::from_utf8_lossy(&table.stderr).contains("audit: 5 findings"));

    let strict = moto.json_code(&["audit", "--max-age-days", "0", "--format", "json"], 3);
    assert!(!codes(&strict["keys"][2]).contains(&"older-than-max-age".to_owned()), "0 days old is not older than 0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_puts_exactly_the_documented_deny_on_a_role_and_a_user_and_undo_removes_it() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    iam.create_role().role_name("app").assume_role_policy_document(ASSUME).send().await.unwrap();
    iam.create_user().user_name("dev").send().await.unwrap();
    let expected = |time: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "RevokeBedrockApiKeysIssuedBefore",
            "Effect": "Deny",
            "Action": ["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"],
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": time}},
        }]})
    };
    for (flag, name) in [("--role", "app"), ("--user", "dev")] {
        let read = || async {
            let document: Option<String> = match flag {
                "--role" => iam.get_role_policy().role_name(name).policy_name("bedrock-token-revoke-bearer-tokens").send().await.ok().map(|o| o.policy_document),
                _ => iam.get_user_policy().user_name(name).policy_name("bedrock-token-revoke-bearer-tokens").send().await.ok().map(|o| o.policy_document),
            };
            document.map(|d| serde_json::from_str::<Value>(&percent_encoding::percent_decode_str(&d).decode_utf8_lossy()).unwrap())
        };
        let dry = moto.json(&["revoke", flag, name, "--before", "2026-12-01T08:00:00Z", "--dry-run"]);
        assert_eq!(dry["actions"].as_array().unwrap().len(), 1);
        assert_eq!(read().await, None, "{flag}: a dry run changes nothing");

        let put = moto.json(&["revoke", flag, name, "--before", "2026-12-01T08:00:00Z"]);
        assert_eq!(put["target"], format!("{} {name}", &flag[2..]));
        assert_eq!(read().await, Some(expected("2026-12-01T08:00:00Z")), "{flag}");
        assert_eq!(moto.json(&["revoke", flag, name, "--before", "2026-12-01T08:00:00Z"])["actions"], serde_json::json!([]), "converged");
        moto.json(&["revoke", flag, name, "--before", "2026-12-01T09:30:00+01:00"]);
        assert_eq!(read().await, Some(expected("2026-12-01T08:30:00Z")), "{flag}: a re-run moves the time");

        let now = moto.json(&["revoke", flag, name]);
        assert_eq!(now["actions"].as_array().unwrap().len(), 1, "default: now");
        moto.json(&["revoke", flag, name, "--undo"]);
        assert_eq!(read().await, None, "{flag}: --undo removes the deny");
        assert_eq!(moto.json(&["revoke", flag, name, "--undo"])["actions"], serde_json::json!([]));
    }
    for (args, field) in [
        (vec!["revoke", "--role", "app", "--before", "yesterday"], "before:"),
        (vec!["revoke", "--role", "no spaces"], "role:"),
    ] {
        let out = moto.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(field), "{args:?}");
    }
    let missing = moto.run(&["revoke", "--role", "ghost"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("NoSuchEntity"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoke_by_key_id_deactivates_reactivates_and_deletes_a_long_term_key() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    iam.create_user().user_name("BedrockAPIKey-q1").send().await.unwrap();
    let key = iam.create_service_specific_credential().user_name("BedrockAPIKey-q1").service_name("bedrock.amazonaws.com").send().await.unwrap();
    let id = key.service_specific_credential().unwrap().service_specific_credential_id().to_owned();
    let status = || async {
        let listed = iam.list_service_specific_credentials().user_name("BedrockAPIKey-q1").send().await.unwrap();
        listed.service_specific_credentials().iter().map(|c| c.status().as_str().to_owned()).collect::<Vec<_>>()
    };
    moto.json(&["revoke", "--key-id", &id]);
    assert_eq!(status().await, ["Inactive"]);
    assert_eq!(moto.json(&["revoke", "--key-id", &id])["actions"], serde_json::json!([]));
    moto.json(&["revoke", "--key-id", &id, "--undo"]);
    assert_eq!(status().await, ["Active"]);
    let deleted = moto.json(&["revoke", "--key-id", &id, "--delete"]);
    assert_eq!(deleted["actions"][0]["action"], "delete-key");
    assert!(status().await.is_empty());
    let gone = moto.run(&["revoke", "--key-id", &id]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&gone.stderr).contains(&format!("no Bedrock API key {id} in this account")));
}

/// The SCP uses AWS's documented action and condition-key names, and IAM accepts it as a policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guardrails_print_a_service_control_policy_iam_accepts() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    for args in [vec!["guardrails", "--scp"], vec!["guardrails", "--scp", "--max-key-age-days", "30", "--deny-long-term", "--deny-bearer"]] {
        let out = moto.run(&args);
        assert!(out.status.success(), "{args:?}");
        let policy: Value = serde_json::from_slice(&out.stdout).unwrap();
        let text = policy.to_string();
        for statement in policy["Statement"].as_array().unwrap() {
            assert_eq!(statement["Effect"], "Deny");
        }
        if args.len() == 2 {
            assert!(text.contains(r#""iam:ServiceSpecificCredentialAgeDays":"90""#) && text.contains("iam:ServiceSpecificCredentialServiceName"), "{text}");
        } else {
            assert!(text.contains(r#""bedrock:BearerTokenType":"LONG_TERM""#) && text.contains("bedrock-mantle:CallWithBearerToken"), "{text}");
        }
        let name = format!("guardrail-{}", args.len());
        iam.create_policy().policy_name(name).policy_document(text).send().await.unwrap();
    }
    let out = moto.run(&["guardrails"]);
    assert_eq!(out.status.code(), Some(2), "--scp is the kind asked for");
}

/// Which of AWS's managed policies let keys call which endpoint, as the README says: read from
/// the emulator's copy of AWS's managed policies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managed_policies_cover_bedrock_and_mantle_bearer_tokens_as_documented() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    for (policy, expected) in [
        ("AmazonBedrockLimitedAccess", vec!["bedrock-mantle:CallWithBearerToken", "bedrock:CallWithBearerToken"]),
        ("AmazonBedrockFullAccess", vec!["bedrock-mantle:*", "bedrock:*"]),
        ("AmazonBedrockMantleInferenceAccess", vec!["bedrock-mantle:CallWithBearerToken"]),
    ] {
        let arn = format!("arn:aws:iam::aws:policy/{policy}");
        let version = iam.get_policy().policy_arn(&arn).send().await.unwrap().policy.unwrap().default_version_id.unwrap();
        let document = iam.get_policy_version().policy_arn(&arn).version_id(version).send().await.unwrap();
        let document = document.policy_version.unwrap().document.unwrap();
        let document: Value = serde_json::from_str(&percent_encoding::percent_decode_str(&document).decode_utf8_lossy()).unwrap();
        let mut actions: Vec<String> = document["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["Effect"] == "Allow")
            .flat_map(|s| match &s["Action"] {
                Value::String(one) => vec![one.clone()],
                many => many.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect(),
            })
            .filter(|a| a.ends_with("CallWithBearerToken") || a == "bedrock:*" || a == "bedrock-mantle:*")
            .collect();
        actions.sort();
        assert_eq!(actions, expected, "{policy}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_reads_the_account_in_pages_not_per_user_and_through_throttling() {
    // IAM may answer fewer items than asked (here 7 a page) and throttles every 4th request.
    let Some(moto) = Moto::start_with_env(&[("BEDROCK_TOKEN_IAM_PAGE_SIZE", "7"), ("BEDROCK_TOKEN_IAM_THROTTLE_EVERY", "4")]) else { return };
    let made = private_route(&moto, "POST", "/__bedrock_token/bulk-users", r#"{"users": 60, "api_keys": 25, "access_keys": 5}"#);
    assert_eq!(made, serde_json::json!({"users": 60, "api_keys": 25, "access_keys": 5}));
    private_route(&moto, "DELETE", "/__bedrock_token/calls", "");

    let report = moto.json_code(&["audit", "--format", "json"], 3);
    let keys = report["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 25, "every key, over 4 pages");
    let with_access_keys: Vec<&str> = keys.iter().filter(|k| codes(k).contains(&"user-has-access-keys".to_owned())).map(|k| k["user_name"].as_str().unwrap()).collect();
    assert_eq!(with_access_keys, ["bulk-user-00000", "bulk-user-00005", "bulk-user-00010", "bulk-user-00015", "bulk-user-00020"]);
    assert_eq!((keys[3]["user_path"].as_str(), keys[3]["user_tags"]["team"].as_str()), (Some("/bulk/"), Some("bulk-3")));

    let calls = private_route(&moto, "GET", "/__bedrock_token/calls", "");
    for per_user in ["iam:GetUser", "iam:ListUserTags", "iam:ListAttachedUserPolicies", "iam:ListAccessKeys"] {
        assert_eq!(calls.get(per_user), None, "no {per_user}: {calls}");
    }
    let count = |action: &str| calls[action].as_u64().unwrap_or(0);
    assert!(count("iam:GetAccountAuthorizationDetails") >= 9, "60 users at 7 a page: {calls}");
    assert!(count("iam:ListServiceSpecificCredentials") >= 4, "25 keys at 7 a page: {calls}");
    assert!(count("iam:GetCredentialReport") >= 1, "{calls}");
    // 15 calls answered at least; every 4th request refused, so at least 4 sent again.
    let sent: u64 = calls.as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert!(sent >= 19, "throttled calls were sent again: {calls}");
}
