//! Work in the member accounts of an organisation, through the command against the emulator's
//! Organizations, STS and IAM (one moto process; each member account has its own IAM, reached
//! through `AssumeRole` of `OrganizationAccountAccessRole`, which the emulator refuses as AWS does
//! when the role is missing): a manifest of units across accounts, `--account` on the commands
//! that act on one unit or user, and the guardrails policy attached through Organizations.

mod common;

use std::path::PathBuf;
use std::process::Output;

use common::{config, holdings, management, private_route, Moto};
use serde_json::Value;

const ROLE: &str = "OrganizationAccountAccessRole";

/// IAM in a member account, through its role: how the tests read what the command did there.
async fn member_iam(moto: &Moto, account: &str) -> aws_sdk_iam::Client {
    let sts = aws_sdk_sts::Client::new(&management(moto).await);
    let assumed = sts.assume_role().role_arn(format!("arn:aws:iam::{account}:role/{ROLE}")).role_session_name("check").send().await.unwrap();
    let c = assumed.credentials().unwrap();
    let credentials = aws_sdk_sts::config::Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), None, "test");
    aws_sdk_iam::Client::new(&config(&moto.endpoint, credentials).await)
}

/// An organisation of `n` member accounts (created by Organizations, each with the role); their ids.
async fn organisation(moto: &Moto, n: usize) -> (aws_sdk_organizations::Client, Vec<String>) {
    let org = aws_sdk_organizations::Client::new(&management(moto).await);
    org.create_organization().send().await.unwrap();
    let mut members = Vec::new();
    for i in 0..n {
        let created = org.create_account().account_name(format!("member-{i:02}")).email(format!("m{i}@example.com")).send().await.unwrap();
        members.push(created.create_account_status().unwrap().account_id().unwrap().to_owned());
    }
    (org, members)
}

/// Deletes the role of a member account: that account cannot be reached any more.
async fn remove_role(moto: &Moto, account: &str) {
    let iam = member_iam(moto, account).await;
    for attached in iam.list_attached_role_policies().role_name(ROLE).send().await.unwrap().attached_policies() {
        iam.detach_role_policy().role_name(ROLE).policy_arn(attached.policy_arn().unwrap()).send().await.unwrap();
    }
    iam.delete_role().role_name(ROLE).send().await.unwrap();
}

/// The command with IAM, STS and Organizations pointed at the emulator, the SDK's retries off
/// (bedrock-token's own retry of `Throttling` stays).
fn run(moto: &Moto, args: &[&str]) -> Output {
    let mut command = moto.command_via(&moto.endpoint, args);
    command.env("AWS_ENDPOINT_URL_STS", &moto.endpoint).env("AWS_ENDPOINT_URL_ORGANIZATIONS", &moto.endpoint).env("AWS_RETRY_MODE", "standard");
    command.output().unwrap()
}

fn code(out: &Output, code: i32) -> (String, String) {
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
    assert_eq!(out.status.code(), Some(code), "{stdout}{stderr}");
    (stdout, stderr)
}

fn json(out: &Output, exit: i32) -> Value {
    let (stdout, _) = code(out, exit);
    serde_json::from_str(&stdout).unwrap()
}

/// The users under /bedrock/ of an IAM, sorted.
async fn users(iam: &aws_sdk_iam::Client) -> Vec<String> {
    let listed = iam.list_users().path_prefix("/bedrock/").send().await.unwrap();
    let mut names: Vec<String> = listed.users().iter().map(|u| u.user_name().to_owned()).collect();
    names.sort();
    names
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bedrock-token-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A manifest of `units` units, unit i in `accounts[i % len]` (none: the caller's account), every
/// other one with a Bedrock API key and the others with an access key.
fn manifest(units: usize, accounts: &[Option<&str>], extra: &str) -> String {
    let mut text = String::new();
    for i in 0..units {
        text += &format!("[units.team{i:02}]\nowner = \"team{i}@example.com\"\n");
        text += if i % 2 == 0 { "key = \"api-key\"\napi_key_days = 30\n" } else { "key = \"access-key\"\n" };
        text += "models = [\"amazon.nova-lite-v1:0\"]\n";
        if let Some(account) = accounts[i % accounts.len()] {
            text += &format!("account = \"{account}\"\n");
        }
    }
    text + extra
}

/// 20 units across 5 member accounts, and one in the caller's account: each user, policy and key
/// is in its own account (read there through the role) and nowhere else; a re-run changes nothing
/// and makes no key; a unit whose account has no role fails with the reason while the others
/// converge, exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_across_five_accounts_converges_reruns_clean_and_an_unreachable_account_fails_alone() {
    let Some(moto) = Moto::start() else { return };
    let (_, members) = organisation(&moto, 6).await;
    remove_role(&moto, &members[5]).await;
    let accounts: Vec<Option<&str>> = members[..5].iter().map(|m| Some(m.as_str())).collect();
    let dir = scratch("accounts-manifest");
    let path = dir.join("units.toml");
    std::fs::write(&path, manifest(20, &accounts, "[units.hq]\nowner = \"hq@example.com\"\nkey = \"access-key\"\n")).unwrap();
    let secrets = dir.join("secrets");
    let provision = |extra: &[&str]| run(&moto, &[&["provision", "--manifest", path.to_str().unwrap(), "--secrets-dir", secrets.to_str().unwrap(), "--format", "json"], extra].concat());

    private_route(&moto, "DELETE", "/__bedrock_token/calls", "");
    let first = json(&provision(&["--concurrency", "6"]), 0);
    // Each account's role is assumed once for all its units: the session that checks it can be
    // reached is the credentials' first; not once per unit, and not twice per account.
    let calls = private_route(&moto, "GET", "/__bedrock_token/calls", "");
    assert_eq!(calls["sts:AssumeRole"], 5, "{calls}");
    let units = first.as_array().unwrap();
    assert_eq!(units.len(), 21);
    for (i, member) in members[..5].iter().enumerate() {
        let iam = member_iam(&moto, member).await;
        let mine: Vec<&Value> = units.iter().filter(|u| u["account"] == member.as_str()).collect();
        let expected: Vec<String> = (0..20).filter(|u| u % 5 == i).map(|u| format!("team{u:02}-bedrock-user")).collect();
        assert_eq!(users(&iam).await, expected, "account {member} holds its four units' users, and only those");
        for unit in mine {
            let report = &unit["report"];
            let user = report["user_name"].as_str().unwrap();
            // The user's ARN, as the member account's IAM gives it, names that account.
            let arn = iam.get_user().user_name(user).send().await.unwrap().user.unwrap().arn;
            assert!(arn.starts_with("arn:") && arn.contains(&format!(":iam::{member}:user/")), "{user}: {arn}");
            let (_, inline, access, api) = holdings(&iam, user).await;
            assert_eq!(inline, vec!["bedrock-invoke-chosen-models".to_owned()], "{user}: the policy is in its account");
            let key = report["new_key"]["id"].as_str().unwrap();
            let held = if report["new_key"]["kind"] == "api-key" { api } else { access };
            assert_eq!(held, vec![key.to_owned()], "{user}: the new key is in its account");
            let file: Value = serde_json::from_str(&std::fs::read_to_string(unit["secret_file"].as_str().unwrap()).unwrap()).unwrap();
            assert_eq!(file["id"], key);
        }
    }
    let own = aws_sdk_iam::Client::new(&management(&moto).await);
    assert_eq!(users(&own).await, vec!["hq-bedrock-user".to_owned()], "the unit without account is in the caller's account, and only it");
    let hq = units.iter().find(|u| u["business_unit"] == "hq").unwrap();
    assert_eq!(hq["account"], Value::Null);

    // Re-run: nothing to do anywhere, no new key.
    let again = json(&provision(&[]), 0);
    for unit in again.as_array().unwrap() {
        assert_eq!((&unit["report"]["actions"], &unit["report"]["new_key"]), (&serde_json::json!([]), &Value::Null), "converged: {unit}");
    }

    // A unit in an account without the role: it fails with the reason, the others go on.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text += &format!("[units.lost]\nowner = \"lost@example.com\"\naccount = \"{}\"\n", members[5]);
    std::fs::write(&path, text).unwrap();
    let out = provision(&[]);
    let (stdout, stderr) = code(&out, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let lost = report.as_array().unwrap().iter().find(|u| u["business_unit"] == "lost").unwrap();
    let error = lost["error"].as_str().unwrap();
    assert!(error.contains(&format!("could not assume arn:aws:iam::{}:role/{ROLE}", members[5])) && error.contains("AccessDenied"), "{error}");
    assert!(report.as_array().unwrap().iter().filter(|u| u["business_unit"] != "lost").all(|u| u["report"]["actions"] == serde_json::json!([])));
    assert!(stderr.contains(&format!("1 of 22 business units failed: lost (account {}) (provisioning failed", members[5])), "{stderr}");

    // A malformed account or a role without account: exit 2 before any call, naming the unit and field.
    std::fs::write(&path, "[units.x]\nowner = \"x@example.com\"\naccount = \"12345\"\n").unwrap();
    let (_, stderr) = code(&provision(&[]), 2);
    assert!(stderr.contains(r#"units.x.account: "12345" is not an AWS account id (exactly 12 digits"#), "{stderr}");
    std::fs::write(&path, "[units.x]\nowner = \"x@example.com\"\nrole = \"Admin\"\n").unwrap();
    let (_, stderr) = code(&provision(&[]), 2);
    assert!(stderr.contains("units.x.role: applies only with account"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// IAM throttles every 5th request, the SDK's own retries are off: units in three accounts
/// still converge (bedrock-token's retry of `Throttling` applies in every account), and a re-run
/// has nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_across_accounts_converges_under_throttling() {
    let Some(moto) = Moto::start_with_env(&[("BEDROCK_TOKEN_IAM_THROTTLE_EVERY", "5")]) else { return };
    let (_, members) = organisation(&moto, 3).await;
    let accounts: Vec<Option<&str>> = members.iter().map(|m| Some(m.as_str())).collect();
    let dir = scratch("accounts-throttled");
    let path = dir.join("units.toml");
    std::fs::write(&path, manifest(9, &accounts, "")).unwrap();
    let secrets = dir.join("secrets");
    let provision = || run(&moto, &["provision", "--manifest", path.to_str().unwrap(), "--secrets-dir", secrets.to_str().unwrap(), "--format", "json", "--concurrency", "4"]);
    let first = json(&provision(), 0);
    assert!(first.as_array().unwrap().iter().all(|u| u["report"]["new_key"]["id"].is_string()), "{first}");
    for (i, member) in members.iter().enumerate() {
        let expected: Vec<String> = (0..9).filter(|u| u % 3 == i).map(|u| format!("team{u:02}-bedrock-user")).collect();
        assert_eq!(users(&member_iam(&moto, member).await).await, expected);
    }
    let again = json(&provision(), 0);
    assert!(again.as_array().unwrap().iter().all(|u| u["report"]["actions"] == serde_json::json!([])), "{again}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--account` on provision, list, rotate, revoke, audit and deprovision works in the member
/// account, and leaves the caller's own user of the same business unit alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_flag_works_in_the_member_account_and_not_in_the_callers() {
    let Some(moto) = Moto::start() else { return };
    let (_, members) = organisation(&moto, 1).await;
    let member = members[0].as_str();
    let user = "team-bedrock-user";
    let unit = ["--business-unit", "team"];
    let provision = ["provision", "--business-unit", "team", "--owner", "team@example.com", "--key", "access-key", "--format", "json"];
    json(&run(&moto, &provision), 0);
    let made = json(&run(&moto, &[&provision[..], &["--account", member]].concat()), 0);
    let (iam, own) = (member_iam(&moto, member).await, aws_sdk_iam::Client::new(&management(&moto).await));
    assert_eq!(holdings(&iam, user).await.2, vec![made["new_key"]["id"].as_str().unwrap().to_owned()], "made in the member account");
    let own_keys = holdings(&own, user).await.2;

    let listed = json(&run(&moto, &["list", "--account", member, "--format", "json"]), 0);
    assert_eq!(listed[0]["arn"].as_str().map(|arn| arn.contains(member)), Some(true), "{listed}");

    let rotated = json(&run(&moto, &[&["rotate", "--key", "access-key", "--account", member, "--format", "json"], &unit[..]].concat()), 0);
    let new = rotated["new_key"]["id"].as_str().unwrap();
    let member_keys = holdings(&iam, user).await.2;
    assert_eq!(member_keys.len(), 2, "the new key beside the old, in the member account");
    assert!(member_keys.iter().any(|k| k == new));
    assert_eq!(holdings(&own, user).await.2, own_keys, "the caller's user is untouched");

    code(&run(&moto, &["revoke", "--user", user, "--account", member, "--delete"]), 0);
    assert_eq!(holdings(&iam, user).await.2, Vec::<String>::new(), "revoked in the member account");
    assert_eq!(holdings(&own, user).await.2, own_keys);

    let audited = json(&run(&moto, &["audit", "--account", member, "--format", "json"]), 0);
    assert_eq!(audited["keys"], serde_json::json!([]), "{audited}");

    code(&run(&moto, &[&["deprovision", "--account", member], &unit[..]].concat()), 0);
    assert_eq!(users(&iam).await, Vec::<String>::new(), "removed in the member account");
    assert_eq!(users(&own).await, vec![user.to_owned()], "the caller's user stays");

    // Refused: a role without an account, a malformed account, an account that cannot be reached.
    let (_, stderr) = code(&run(&moto, &[&["deprovision", "--account-role", "Admin"], &unit[..]].concat()), 2);
    assert!(stderr.contains("--account-role applies only with --account"), "{stderr}");
    let (_, stderr) = code(&run(&moto, &["list", "--account", "12345"]), 2);
    assert!(stderr.contains(r#"account: "12345" is not an AWS account id (exactly 12 digits"#), "{stderr}");
    let (_, stderr) = code(&run(&moto, &["list", "--account", member, "--account-role", "Missing"]), 1);
    assert!(stderr.contains(&format!("could not assume arn:aws:iam::{member}:role/Missing")) && stderr.contains("AccessDenied"), "{stderr}");
    let (_, stderr) = code(&run(&moto, &["audit", "--organization", "--account", member]), 2);
    assert!(stderr.contains("apply only without --organization"), "{stderr}");
}

/// `guardrails --scp --attach` creates the policy, tagged as ours, and attaches it; a re-run
/// changes nothing; a changed option updates the same policy in place; another target gets the
/// same policy; `--detach` detaches it; a same-named policy that is not ours is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guardrails_are_created_attached_updated_in_place_and_detached() {
    let Some(moto) = Moto::start() else { return };
    let (org, members) = organisation(&moto, 1).await;
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_owned();
    let ou = org.create_organizational_unit().parent_id(&root).name("research").send().await.unwrap();
    let ou = ou.organizational_unit().unwrap().id().unwrap().to_owned();
    let ours = || async {
        let listed = org.list_policies().filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy).send().await.unwrap();
        listed.policies().iter().filter(|p| p.name() == Some("bedrock-token-guardrails")).map(|p| p.id().unwrap().to_owned()).collect::<Vec<_>>()
    };
    let targets = |id: String| {
        let org = org.clone();
        async move {
            let listed = org.list_targets_for_policy().policy_id(id).send().await.unwrap();
            let mut ids: Vec<String> = listed.targets().iter().map(|t| t.target_id().unwrap().to_owned()).collect();
            ids.sort();
            ids
        }
    };

    let (plan, _) = code(&run(&moto, &["guardrails", "--scp", "--attach", &ou, "--dry-run"]), 0);
    assert_eq!(plan, format!("would create service control policy bedrock-token-guardrails, tagged created-by=bedrock-token\nwould attach service control policy bedrock-token-guardrails to {ou}\n"));
    assert!(ours().await.is_empty(), "a dry run creates nothing");

    let (created, stderr) = code(&run(&moto, &["guardrails", "--scp", "--attach", &ou]), 0);
    let ids = ours().await;
    assert_eq!(ids.len(), 1);
    let id = ids[0].clone();
    assert_eq!(created, format!("create service control policy bedrock-token-guardrails, tagged created-by=bedrock-token\nattach service control policy {id} to {ou}\n"));
    assert!(stderr.contains("stops: creating long-term Bedrock API keys that live longer than 90 days") && stderr.contains("does not stop: "), "{stderr}");
    let tags = org.list_tags_for_resource().resource_id(&id).send().await.unwrap();
    assert!(tags.tags().iter().any(|t| t.key() == "created-by" && t.value() == "bedrock-token"));
    assert_eq!(targets(id.clone()).await, vec![ou.clone()]);
    let content = || async { org.describe_policy().policy_id(&id).send().await.unwrap().policy.unwrap().content.unwrap() };
    assert!(content().await.contains(r#""iam:ServiceSpecificCredentialAgeDays":"90""#));

    let (again, _) = code(&run(&moto, &["guardrails", "--scp", "--attach", &ou]), 0);
    assert_eq!(again, format!("service control policy {id}: up to date, attached to {ou}; nothing to do\n"));

    let (updated, _) = code(&run(&moto, &["guardrails", "--scp", "--attach", &ou, "--max-key-age-days", "30"]), 0);
    assert_eq!(updated, format!("update service control policy {id} in place (its content differs)\n"));
    assert_eq!(ours().await, vec![id.clone()], "the same policy");
    assert!(content().await.contains(r#""iam:ServiceSpecificCredentialAgeDays":"30""#));

    let (attached, _) = code(&run(&moto, &["guardrails", "--scp", "--attach", &members[0], "--max-key-age-days", "30"]), 0);
    assert!(attached.starts_with(&format!("attach service control policy {id} to {}\n", members[0])), "{attached}");
    let mut both = vec![ou.clone(), members[0].clone()];
    both.sort();
    assert_eq!(targets(id.clone()).await, both);

    let (detached, _) = code(&run(&moto, &["guardrails", "--scp", "--detach", &ou]), 0);
    assert_eq!(detached, format!("detach service control policy {id} from {ou}\nnote: the policy is also attached to {}\n", members[0]));
    assert_eq!(targets(id.clone()).await, vec![members[0].clone()]);
    let (none, _) = code(&run(&moto, &["guardrails", "--scp", "--detach", &ou]), 0);
    assert!(none.starts_with(&format!("service control policy {id}: not attached to {ou}; nothing to do\n")), "{none}");
    let (last, _) = code(&run(&moto, &["guardrails", "--scp", "--detach", &members[0]]), 0);
    assert!(last.ends_with("note: the policy is attached nowhere now, and stays in AWS Organizations (aws organizations delete-policy deletes it)\n"), "{last}");
    assert_eq!(ours().await, vec![id.clone()], "the policy stays");

    // A policy of the same name that is not ours: refused, and left as it is.
    org.delete_policy().policy_id(&id).send().await.unwrap();
    let foreign = org
        .create_policy()
        .name("bedrock-token-guardrails")
        .description("someone else's")
        .r#type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .content(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let foreign = foreign.policy.unwrap().policy_summary.unwrap().id.unwrap();
    let (_, stderr) = code(&run(&moto, &["guardrails", "--scp", "--attach", &ou]), 2);
    assert!(stderr.contains(&format!("service control policy bedrock-token-guardrails ({foreign}) exists but is not tagged created-by=bedrock-token")), "{stderr}");
    assert_eq!(targets(foreign).await, Vec::<String>::new(), "not attached");

    // Bad input: exit 2 before any call.
    let (_, stderr) = code(&run(&moto, &["guardrails", "--scp", "--attach", "sales"]), 2);
    assert!(stderr.contains(r#"target: "sales" is not a root id (r- and 4 to 32 lowercase letters or digits), an organisational unit id (ou-, 4 to 32 lowercase letters or digits, -, 8 to 32 more) or an AWS account id (exactly 12 digits, e.g. 210987654321)"#), "{stderr}");
    let (_, stderr) = code(&run(&moto, &["guardrails", "--scp", "--dry-run"]), 2);
    assert!(stderr.contains("--dry-run applies only with --attach or --detach"), "{stderr}");
}

/// Four `guardrails --attach` runs at once, each finding no policy: they end with one policy,
/// attached once, and all succeed (the emulator refuses a second policy of the same name and a
/// second attachment as AWS does, and the runs take those answers as "done by another run").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guardrails_runs_end_with_one_policy_attached_once() {
    let Some(moto) = Moto::start() else { return };
    let (org, _) = organisation(&moto, 0).await;
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_owned();
    let ou = org.create_organizational_unit().parent_id(&root).name("research").send().await.unwrap();
    let ou = ou.organizational_unit().unwrap().id().unwrap().to_owned();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let mut command = moto.command_via(&moto.endpoint, &["guardrails", "--scp", "--attach", &ou]);
            command.env("AWS_ENDPOINT_URL_STS", &moto.endpoint).env("AWS_ENDPOINT_URL_ORGANIZATIONS", &moto.endpoint);
            command.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().unwrap()
        })
        .collect();
    for run in runs {
        code(&run.wait_with_output().unwrap(), 0);
    }
    let listed = org.list_policies().filter(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy).send().await.unwrap();
    let ours: Vec<&str> = listed.policies().iter().filter(|p| p.name() == Some("bedrock-token-guardrails")).map(|p| p.id().unwrap()).collect();
    assert_eq!(ours.len(), 1, "{ours:?}");
    let targets = org.list_targets_for_policy().policy_id(ours[0]).send().await.unwrap();
    assert_eq!(targets.targets().iter().map(|t| t.target_id().unwrap()).collect::<Vec<_>>(), vec![ou.as_str()]);
}
