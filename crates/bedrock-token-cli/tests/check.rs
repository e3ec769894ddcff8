//! `bedrock-token check` against moto's STS (the IAM emulator's server answers every service) and
//! the verifying Bedrock endpoint (tests/bedrock_endpoint), through the SDK's endpoint overrides.

mod common;

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

use std::process::Output;

use common::Moto;
use endpoint::Endpoint;

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn check(moto: &Moto, bedrock: &str, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = moto.command_via(&moto.endpoint, &[&["check"], args].concat());
    command
        .env("AWS_ENDPOINT_URL_STS", &moto.endpoint)
        .env("AWS_ENDPOINT_URL_BEDROCK", bedrock)
        .env("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", bedrock)
        .envs(env.iter().copied());
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_shows_identity_token_lifetime_models_and_the_models_answer() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    let out = check(&moto, &bedrock.http, &[], &["--provider", "anthropic", "--invoke", "amazon.nova-lite-v1:0"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 7, "{lines:?}");
    assert!(lines[0].starts_with("identity  arn:aws:") && lines[0].ends_with("(account 123456789012)"), "{}", lines[0]);
    assert!(lines[1].starts_with("token     usable for 43200 s (12 h), until ") && lines[1].ends_with("(region us-east-1)"), "{}", lines[1]);
    // The endpoint's Anthropic models (tests/bedrock_endpoint/models.js), one ACTIVE, one LEGACY.
    assert_eq!(lines[2], "models    2 from Anthropic in us-east-1, 1 LEGACY:");
    assert_eq!(lines[3], "            anthropic.claude-3-5-haiku-20241022-v1:0  ACTIVE  Claude 3.5 Haiku");
    assert_eq!(lines[4], "            anthropic.claude-3-haiku-20240307-v1:0    LEGACY  Claude 3 Haiku");
    assert_eq!(lines[5], "invoke    amazon.nova-lite-v1:0 accepted the token and answered: reply from amazon.nova-lite-v1:0 to: Say hello.");
    assert_eq!(lines[6], "ok");
    // Both Bedrock calls carried the token of these credentials, and it verified.
    let log = bedrock.requests();
    let calls: Vec<_> = log.iter().map(|r| (r["path"].as_str().unwrap_or_default(), r["status"].as_i64(), r["accessKeyId"].as_str())).collect();
    assert_eq!(calls.len(), 2, "{log:?}");
    assert!(calls[0].0.starts_with("/foundation-models") && calls[0].1 == Some(200) && calls[0].2 == Some(KEY_ID), "{log:?}");
    assert!(calls[1].0.ends_with("/converse") && calls[1].1 == Some(200) && calls[1].2 == Some(KEY_ID), "{log:?}");
    // Without --provider, one line of counts; without --invoke, no model is called.
    let quiet = check(&moto, &bedrock.http, &[], &[]);
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    let lines: Vec<String> = text(&quiet.stdout).lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(lines[2], "models    5 in us-east-1, 1 LEGACY: Amazon 2, Anthropic 2, Meta 1");
    assert_eq!(bedrock.requests().len(), 3);
}

#[test]
fn check_names_the_providers_there_are_when_one_has_no_model() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    let out = check(&moto, &bedrock.http, &[], &["--provider", "antropic"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout).lines().count(), 2, "identity and token passed");
    assert_eq!(
        text(&out.stderr).trim(),
        "bedrock-token: error: check: Bedrock ListFoundationModels: no foundation models from provider \"antropic\" in us-east-1 (providers there: Amazon, Anthropic, Meta)"
    );
}

#[test]
fn check_fails_at_the_step_that_fails_with_its_reason() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    // moto's STS does not check signatures; the endpoint does: the models step fails.
    let wrong = check(&moto, &bedrock.http, &[("AWS_SECRET_ACCESS_KEY", "not-the-secret")], &["--invoke", "amazon.nova-lite-v1:0"]);
    assert_eq!(wrong.status.code(), Some(1));
    assert_eq!(text(&wrong.stdout).lines().count(), 2, "identity and token passed");
    assert_eq!(
        text(&wrong.stderr).trim(),
        "bedrock-token: error: check: Bedrock ListFoundationModels failed: AccessDeniedException: the bearer token signature does not match"
    );
    // A Bedrock Runtime that refuses the token while the control plane takes it: the invoke step
    // fails, after the models step passed.
    let west = Endpoint::start("us-west-2", &[(KEY_ID, SECRET)]);
    let runtime = check(&moto, &bedrock.http, &[("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", &west.http)], &["--invoke", "amazon.nova-lite-v1:0"]);
    assert_eq!(runtime.status.code(), Some(1));
    assert_eq!(text(&runtime.stdout).lines().count(), 3, "identity, token and models passed");
    let stderr = text(&runtime.stderr);
    assert!(stderr.starts_with("bedrock-token: error: check: Bedrock Runtime Converse failed: AccessDeniedException: "), "{stderr}");
    // STS unreachable: the first step fails, naming the endpoint and how to point it elsewhere.
    let closed = Moto::closed();
    let unreachable = check(&moto, &bedrock.http, &[("AWS_ENDPOINT_URL_STS", &closed.endpoint)], &[]);
    assert_eq!(unreachable.status.code(), Some(1));
    assert_eq!(text(&unreachable.stdout), "");
    let stderr = text(&unreachable.stderr);
    assert!(stderr.starts_with(&format!("bedrock-token: error: check: STS GetCallerIdentity: could not reach {}", closed.endpoint)), "{stderr}");
    assert!(stderr.contains("set AWS_ENDPOINT_URL_STS") && !stderr.contains("DispatchFailure"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1);
}

#[test]
fn check_says_when_the_credentials_expiry_shortens_the_token() {
    let Some(moto) = Moto::start() else { return };
    let bedrock = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    // A credential process whose credentials expire in 30 minutes, as a role session's do.
    let dir = std::env::temp_dir().join(format!("bedrock-token-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expiry = chrono::Utc::now() + chrono::Duration::minutes(30);
    let process = format!(
        r#"echo '{{"Version": 1, "AccessKeyId": "{KEY_ID}", "SecretAccessKey": "{SECRET}", "Expiration": "{}"}}'"#,
        expiry.format("%Y-%m-%dT%H:%M:%SZ")
    );
    std::fs::write(dir.join("config"), format!("[profile session]\nregion = us-east-1\ncredential_process = sh -c \"{}\"\n", process.replace('"', "\\\""))).unwrap();
    let config = dir.join("config");
    let env = [("AWS_CONFIG_FILE", config.to_str().unwrap()), ("AWS_ACCESS_KEY_ID", ""), ("AWS_SECRET_ACCESS_KEY", "")];
    let out = check(&moto, &bedrock.http, &env, &["--profile", "session", "--invoke", "amazon.nova-lite-v1:0"]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token_line = text(&out.stdout).lines().nth(1).unwrap().to_owned();
    assert!(token_line.starts_with("token     usable for 1799 s (29 min 59 s)") || token_line.starts_with("token     usable for 1800 s (30 min)"), "{token_line}");
    assert!(token_line.ends_with("the credentials expire then (a role or SSO session), before the 43200 s (12 h) asked for"), "{token_line}");
}
