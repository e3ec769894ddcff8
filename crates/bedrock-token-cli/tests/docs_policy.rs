//! The IAM permissions the administrators' guide documents (`docs/iam-permissions.json`): IAM
//! (the emulator) accepts the document as a policy, and every IAM action each command calls,
//! recorded by a proxy between the command and the emulator, is allowed by that command's statement
//! (and every Secrets Manager action of `--store`).

mod common;

use common::proxy::Proxy;
use common::Moto;
use serde_json::Value;

fn documented_policy() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/iam-permissions.json");
    std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

/// The actions of the statements whose Sid starts with the command's name (`Provision…` for
/// provision).
fn allowed(policy: &Value, command: &str) -> Vec<String> {
    let prefix = format!("{}{}", command[..1].to_uppercase(), &command[1..]);
    let statements: Vec<&Value> =
        policy["Statement"].as_array().unwrap().iter().filter(|s| s["Sid"].as_str().is_some_and(|sid| sid.starts_with(&prefix))).collect();
    assert!(!statements.is_empty(), "docs/iam-permissions.json has no statement for {command} (a Sid starting {prefix})");
    statements
        .iter()
        .inspect(|statement| assert_eq!(statement["Effect"], "Allow"))
        .flat_map(|statement| statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_documented_permissions_are_a_policy_iam_accepts() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let document = documented_policy();
    let created = iam.create_policy().policy_name("bedrock-token-administrator").policy_document(&document).send().await;
    let arn = created.expect("IAM accepts docs/iam-permissions.json").policy().unwrap().arn().unwrap().to_owned();
    let stored = iam.get_policy_version().policy_arn(&arn).version_id("v1").send().await.unwrap();
    let stored = percent_encoding::percent_decode_str(stored.policy_version().unwrap().document().unwrap()).decode_utf8().unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stored).unwrap(), serde_json::from_str::<Value>(&document).unwrap());

    // The emulator does check documents: the same one with an Effect IAM does not know is refused.
    let broken = document.replacen("\"Allow\"", "\"Permit\"", 1);
    let refused = iam.create_policy().policy_name("broken").policy_document(broken).send().await;
    assert!(refused.is_err(), "the emulator accepted an Effect of Permit");
}

/// The Secrets Manager operations `--store` calls (JSON protocol: the proxy names them by target).
const SECRETS_MANAGER: [&str; 8] = ["DescribeSecret", "ListSecretVersionIds", "GetSecretValue", "CreateSecret", "TagResource", "UntagResource", "PutSecretValue", "UpdateSecretVersionStage"];

/// The permissions a recorded request needs: STS `GetCallerIdentity` none (`rotate --store`
/// calls it with the new key, and AWS allows it to everyone); `CreateSecret` with tags also
/// `secretsmanager:TagResource`.
fn permissions(action: &str) -> Vec<String> {
    match action {
        "GetCallerIdentity" => vec![],
        "CreateSecret" => vec!["secretsmanager:CreateSecret".into(), "secretsmanager:TagResource".into()],
        _ if SECRETS_MANAGER.contains(&action) => vec![format!("secretsmanager:{action}")],
        _ => vec![format!("iam:{action}")],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_iam_action_of_each_command_is_in_its_documented_statement() {
    let Some(moto) = Moto::start() else { return };
    let iam = moto.iam().await;
    let policy: Value = serde_json::from_str(&documented_policy()).unwrap();
    let proxy = Proxy::start(&moto.endpoint);
    let mut missing = Vec::new();
    let mut run = |args: &[&str], code: i32| {
        proxy.arm(None);
        let mut command = moto.command_via(&proxy.endpoint, args);
        let out = command.env("AWS_ENDPOINT_URL_SECRETS_MANAGER", &proxy.endpoint).env("AWS_ENDPOINT_URL_STS", &proxy.endpoint).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let allowed = allowed(&policy, args[0]);
        let actions = proxy.actions();
        assert!(!actions.is_empty(), "{args:?} called IAM");
        for permission in actions.iter().flat_map(|action| permissions(action)) {
            if !allowed.contains(&permission) {
                missing.push(format!("{}: {permission}", args[0]));
            }
        }
        String::from_utf8_lossy(&out.stdout).into_owned()
    };

    run(&["provision", "--business-unit", "docs", "--owner", "o@example.com", "--key", "api-key", "--format", "json"], 0);
    run(&["provision", "--business-unit", "docs", "--owner", "o@example.com", "--model", "anthropic.claude-3-haiku-20240307-v1:0"], 0);
    run(&["provision", "--business-unit", "docs", "--owner", "o@example.com", "--policy", "full"], 0);
    run(&["provision", "--business-unit", "keys", "--owner", "o@example.com", "--key", "access-key", "--format", "json"], 0);
    run(&["provision", "--business-unit", "stored", "--owner", "o@example.com", "--key", "access-key", "--store", "secretsmanager:docs/stored"], 0);
    run(&["rotate", "--business-unit", "stored", "--key", "access-key", "--store", "secretsmanager:docs/stored", "--grace", "0s"], 0);
    run(&["rotate", "--business-unit", "stored", "--key", "access-key", "--store", "secretsmanager:docs/stored", "--grace", "0s"], 0);
    run(&["list"], 0);
    run(&["rotate", "--business-unit", "docs", "--key", "api-key", "--format", "json"], 0);
    run(&["rotate", "--business-unit", "keys", "--key", "access-key", "--delete-old", "--format", "json"], 0);
    run(&["audit"], 3);
    let report: Value = serde_json::from_str(&run(&["audit", "--format", "json"], 3)).unwrap();
    let key_id = report["keys"][0]["key_id"].as_str().unwrap().to_owned();
    run(&["revoke", "--user", "docs-bedrock-user"], 0);
    run(&["revoke", "--user", "docs-bedrock-user", "--undo"], 0);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role().role_name("app").assume_role_policy_document(trust).send().await.unwrap();
    run(&["revoke", "--role", "app"], 0);
    run(&["revoke", "--role", "app", "--undo"], 0);
    run(&["revoke", "--key-id", &key_id], 0);
    run(&["revoke", "--key-id", &key_id, "--undo"], 0);
    run(&["revoke", "--key-id", &key_id, "--delete"], 0);

    // A user holding what DeleteUser refuses to leave behind, so deprovision calls every step.
    let user = "keys-bedrock-user";
    iam.create_login_profile().user_name(user).password("Example-Passw0rd!").send().await.unwrap();
    let mfa = iam.create_virtual_mfa_device().virtual_mfa_device_name("docs-mfa").send().await.unwrap();
    let serial = mfa.virtual_mfa_device().unwrap().serial_number().to_owned();
    iam.enable_mfa_device().user_name(user).serial_number(&serial).authentication_code1("123456").authentication_code2("654321").send().await.unwrap();
    iam.create_group().group_name("docs").send().await.unwrap();
    iam.add_user_to_group().group_name("docs").user_name(user).send().await.unwrap();
    iam.put_user_policy().user_name(user).policy_name("extra").policy_document(trust.replace("sts:AssumeRole", "s3:GetObject").replace(r#""Principal":{"Service":"ec2.amazonaws.com"},"#, r#""Resource":"*","#)).send().await.unwrap();
    run(&["deprovision", "--business-unit", "keys", "--force"], 0);
    run(&["deprovision", "--business-unit", "docs"], 0);

    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "IAM actions the commands call that docs/iam-permissions.json does not allow: {missing:?}");
}

/// `--account` and `guardrails --attach/--detach` through the proxy: every STS action is in
/// `AccountsThroughRole`, every Organizations action in `GuardrailsInOrganizations`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_sts_and_organizations_action_is_in_its_documented_statement() {
    let Some(moto) = Moto::start() else { return };
    let policy: Value = serde_json::from_str(&documented_policy()).unwrap();
    let org = aws_sdk_organizations::Client::new(&moto.sdk_config("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1").await);
    org.create_organization().send().await.unwrap();
    let member = org.create_account().account_name("member").email("m@example.com").send().await.unwrap();
    let member = member.create_account_status().unwrap().account_id().unwrap().to_owned();
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_owned();
    let ou = org.create_organizational_unit().parent_id(&root).name("docs").send().await.unwrap();
    let ou = ou.organizational_unit().unwrap().id().unwrap().to_owned();
    let proxy = Proxy::start(&moto.endpoint);
    let mut missing = Vec::new();
    let mut run = |args: &[&str], service: &str, statement: &str| {
        proxy.arm(None);
        let mut command = moto.command_via(&moto.endpoint, args);
        let (sts, organizations) = if service == "sts" { (&proxy.endpoint, &moto.endpoint) } else { (&moto.endpoint, &proxy.endpoint) };
        let out = command.env("AWS_ENDPOINT_URL_STS", sts).env("AWS_ENDPOINT_URL_ORGANIZATIONS", organizations).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let allowed = allowed(&policy, statement);
        let actions = proxy.actions();
        assert!(!actions.is_empty(), "{args:?} called {service}");
        missing.extend(actions.iter().map(|a| format!("{service}:{a}")).filter(|a| !allowed.contains(a)));
    };
    run(&["list", "--account", &member], "sts", "accounts");
    run(&["guardrails", "--scp", "--attach", &ou, "--dry-run"], "organizations", "guardrails");
    run(&["guardrails", "--scp", "--attach", &ou], "organizations", "guardrails");
    run(&["guardrails", "--scp", "--attach", &ou, "--max-key-age-days", "30"], "organizations", "guardrails");
    run(&["guardrails", "--scp", "--detach", &ou], "organizations", "guardrails");
    missing.sort();
    missing.dedup();
    assert!(missing.is_empty(), "actions the commands call that docs/iam-permissions.json does not allow: {missing:?}");
}
