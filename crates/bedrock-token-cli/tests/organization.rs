//! `audit --organization` through the command against the emulator's Organizations, STS and IAM
//! (one moto process; member accounts reached through `AssumeRole`, each with its own IAM): an
//! organisation of 3 OUs (one with a nested OU) and 12 member accounts beside the management
//! account, one member without the role and one whose role's trust policy refuses the caller.
//! The emulator refuses `AssumeRole` as AWS does (tests/iam_emulator/assume_role.py).

mod common;

use std::process::Output;

use common::{config, management, Moto};
use serde_json::Value;

const ROLE: &str = "OrganizationAccountAccessRole";
const BEDROCK: &str = "bedrock.amazonaws.com";

/// IAM in a member account, through its role.
async fn member_iam(moto: &Moto, sts: &aws_sdk_sts::Client, account: &str) -> aws_sdk_iam::Client {
    let assumed = sts.assume_role().role_arn(format!("arn:aws:iam::{account}:role/{ROLE}")).role_session_name("setup").send().await.unwrap();
    let c = assumed.credentials().unwrap();
    let credentials = aws_sdk_sts::config::Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), None, "test");
    aws_sdk_iam::Client::new(&config(&moto.endpoint, credentials).await)
}

/// The command with every service pointed at the emulator, IAM at `iam`.
fn audit(moto: &Moto, iam: &str, args: &[&str]) -> Output {
    let mut command = moto.command_via(iam, &[&["audit", "--organization"], args].concat());
    command.env("AWS_ENDPOINT_URL_STS", &moto.endpoint).env("AWS_ENDPOINT_URL_ORGANIZATIONS", &moto.endpoint);
    command.output().unwrap()
}

fn report(out: &Output, code: i32) -> Value {
    assert_eq!(out.status.code(), Some(code), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(report: &Value, list: &str) -> Vec<String> {
    report[list].as_array().unwrap().iter().map(|a| a["account_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_organisation_audit_reports_every_reachable_account_and_names_the_others() {
    let Some(moto) = Moto::start() else { return };
    let config = management(&moto).await;
    let org = aws_sdk_organizations::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let own = sts.get_caller_identity().send().await.unwrap().account().unwrap().to_owned();
    org.create_organization().send().await.unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0].id().unwrap().to_owned();
    let mut ous = Vec::new();
    for name in ["research", "sales", "ops"] {
        let ou = org.create_organizational_unit().parent_id(&root).name(name).send().await.unwrap();
        ous.push(ou.organizational_unit().unwrap().id().unwrap().to_owned());
    }
    let nested = org.create_organizational_unit().parent_id(&ous[0]).name("research-lab").send().await.unwrap();
    let nested = nested.organizational_unit().unwrap().id().unwrap().to_owned();
    let mut members = Vec::new();
    for i in 0..12 {
        let created = org.create_account().account_name(format!("member-{i:02}")).email(format!("m{i}@example.com")).send().await.unwrap();
        let id = created.create_account_status().unwrap().account_id().unwrap().to_owned();
        let ou = if i == 3 { &nested } else { &ous[i / 4] };
        org.move_account().account_id(&id).source_parent_id(&root).destination_parent_id(ou).send().await.unwrap();
        members.push(id);
    }

    // Every member account but the last two holds one key of a tagged user, valid 30 days: clean.
    for (i, account) in members.iter().enumerate().take(10) {
        let iam = member_iam(&moto, &sts, account).await;
        let user = format!("team-{i:02}-bedrock-user");
        iam.create_user().user_name(&user).tags(aws_sdk_iam::types::Tag::builder().key("created-by").value("bedrock-token").build().unwrap()).send().await.unwrap();
        iam.create_service_specific_credential().user_name(&user).service_name(BEDROCK).credential_age_days(30).send().await.unwrap();
    }
    // The management account holds a console key that never expires: 2 findings.
    let own_iam = aws_sdk_iam::Client::new(&config);
    own_iam.create_user().user_name("BedrockAPIKey-mgmt").send().await.unwrap();
    own_iam.create_service_specific_credential().user_name("BedrockAPIKey-mgmt").service_name(BEDROCK).send().await.unwrap();
    // Member 10 has no role; member 11's role trusts another account only.
    let no_role = member_iam(&moto, &sts, &members[10]).await;
    for attached in no_role.list_attached_role_policies().role_name(ROLE).send().await.unwrap().attached_policies() {
        no_role.detach_role_policy().role_name(ROLE).policy_arn(attached.policy_arn().unwrap()).send().await.unwrap();
    }
    no_role.delete_role().role_name(ROLE).send().await.unwrap();
    let denies = member_iam(&moto, &sts, &members[11]).await;
    let other = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
    denies.update_assume_role_policy().role_name(ROLE).policy_document(other).send().await.unwrap();

    let all = report(&audit(&moto, &moto.endpoint, &["--format", "json", "--concurrency", "3"]), 3);
    let mut audited = members[..10].to_vec();
    audited.push(own.clone());
    audited.sort();
    assert_eq!(ids(&all, "accounts"), audited, "11 accounts audited: the management account and 10 members");
    assert_eq!(ids(&all, "not_audited"), { let mut m = members[10..].to_vec(); m.sort(); m });
    for account in all["not_audited"].as_array().unwrap() {
        assert_eq!(account["reason"], "role-refused");
        let message = account["message"].as_str().unwrap();
        assert!(message.contains(&format!("arn:aws:iam::{}:role/{ROLE}", account["account_id"].as_str().unwrap())) && message.contains("AccessDenied"), "{message}");
        assert!(account["account_name"].as_str().unwrap().starts_with("member-1"));
    }
    assert_eq!((all["findings"].as_u64(), all["role"].as_str(), all["max_age_days"].as_u64()), (Some(2), Some(ROLE), Some(90)));
    let mgmt = all["accounts"].as_array().unwrap().iter().find(|a| a["account_id"] == own.as_str()).unwrap();
    assert_eq!((mgmt["findings"].as_u64(), mgmt["keys"][0]["user_name"].as_str()), (Some(2), Some("BedrockAPIKey-mgmt")));
    let member = all["accounts"].as_array().unwrap().iter().find(|a| a["account_id"] == members[4].as_str()).unwrap();
    assert_eq!((member["account_name"].as_str(), member["keys"][0]["user_name"].as_str()), (Some("member-04"), Some("team-04-bedrock-user")));
    assert_eq!(member["keys"][0]["findings"], serde_json::json!([]));

    // --ou: only the accounts under it, at any depth; clean, so exit 0.
    let research = report(&audit(&moto, &moto.endpoint, &["--ou", &ous[0], "--format", "json"]), 0);
    assert_eq!(ids(&research, "accounts"), { let mut m = members[..4].to_vec(); m.sort(); m }, "the nested OU's account too");
    assert_eq!((research["findings"].as_u64(), research["not_audited"].as_array().unwrap().len()), (Some(0), 0));
    // No findings but accounts not audited: exit 1, naming them.
    let ops = audit(&moto, &moto.endpoint, &["--ou", &ous[2]]);
    assert_eq!(ops.status.code(), Some(1));
    let (text, stderr) = (String::from_utf8_lossy(&ops.stdout), String::from_utf8_lossy(&ops.stderr));
    assert!(text.contains(&format!("account {} (member-10): not audited: could not assume", members[10])), "{text}");
    assert!(text.ends_with("2 accounts audited, 2 not audited; 2 Bedrock API keys, 0 findings\n"), "{text}");
    assert!(stderr.contains("2 account(s) could not be audited") && stderr.contains(&format!("{} (role-refused)", members[11])), "{stderr}");

    // IAM unreachable everywhere: every account named, unreachable, and the command says so.
    let closed = Moto::closed();
    let cut = report(&audit(&moto, &closed.endpoint, &["--ou", &ous[1], "--format", "json"]), 1);
    assert_eq!(ids(&cut, "accounts"), Vec::<String>::new());
    assert_eq!(cut["not_audited"].as_array().unwrap().len(), 4);
    assert!(cut["not_audited"].as_array().unwrap().iter().all(|a| a["reason"] == "unreachable"), "{cut}");

    // Bad options: exit 2 before any call, naming the field and the range.
    let bad = audit(&moto, &moto.endpoint, &["--concurrency", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("concurrency: 0 is out of range; allowed 1 to 32"));
    let bad = audit(&moto, &moto.endpoint, &["--ou", "sales"]);
    assert_eq!(bad.status.code(), Some(2), "{}", String::from_utf8_lossy(&bad.stderr));
}
