//! The `bedrock-token` command as users run it: output, exit codes, and no secret in any output.

use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// The command with a clean AWS environment: no profile files, no IMDS, only what a test sets.
fn bedrock_token(env: &[(&str, &str)], args: &[&str]) -> Output {
    let home = std::env::temp_dir().join("bedrock-token-cli-tests-empty-home");
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-token"));
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", &home)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn example_keys() -> Vec<(&'static str, &'static str)> {
    vec![("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID), ("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)]
}

#[test]
fn readme_example_prints_exactly_the_python_reference_token() {
    let fixture: Value = serde_json::from_str(include_str!("fixtures/readme-example.reference.json")).unwrap();
    let out = bedrock_token(
        &example_keys(),
        &["token", "--region", "us-east-1", "--expiry", "6h", "--at", "2026-01-24T10:00:00Z"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{}\n", fixture["token"].as_str().unwrap()));
    assert_eq!(stderr(&out), "");
}

#[test]
fn env_and_json_formats() {
    let args = ["token", "--region", "eu-west-1", "--expiry", "30m", "--at", "2026-01-24T10:00:00Z"];
    let raw = stdout(&bedrock_token(&example_keys(), &args));
    let env = stdout(&bedrock_token(&example_keys(), &[&args[..], &["--format", "env"]].concat()));
    assert_eq!(env, format!("export AWS_BEARER_TOKEN_BEDROCK={raw}"));

    let json = stdout(&bedrock_token(&example_keys(), &[&args[..], &["--format", "json"]].concat()));
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["token"].as_str().unwrap(), raw.trim_end());
    assert_eq!(json["expires_at"], "2026-01-24T10:30:00Z");
    assert_eq!(json["region"], "eu-west-1");
    assert_eq!(json["access_key_id"], EXAMPLE_KEY_ID);
}

#[test]
fn region_and_profile_come_from_the_standard_chains() {
    let home = tempdir("chains");
    std::fs::write(home.join("config"), "[profile ci]\nregion = ap-south-1\n").unwrap();
    std::fs::write(
        home.join("credentials"),
        format!("[ci]\naws_access_key_id = AKIAPROFILEEXAMPLE\naws_secret_access_key = {EXAMPLE_SECRET}\n"),
    )
    .unwrap();
    let config = home.join("config").display().to_string();
    let credentials = home.join("credentials").display().to_string();
    let files = [("AWS_CONFIG_FILE", config.as_str()), ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str())];

    let out = bedrock_token(&files, &["token", "--profile", "ci", "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap_or_else(|_| panic!("{}", stderr(&out)));
    assert_eq!((json["region"].as_str(), json["access_key_id"].as_str()), (Some("ap-south-1"), Some("AKIAPROFILEEXAMPLE")));

    let with_env = [&files[..], &[("AWS_PROFILE", "ci"), ("AWS_REGION", "us-west-2")]].concat();
    let json: Value = serde_json::from_str(&stdout(&bedrock_token(&with_env, &["token", "--format", "json"]))).unwrap();
    assert_eq!((json["region"].as_str(), json["access_key_id"].as_str()), (Some("us-west-2"), Some("AKIAPROFILEEXAMPLE")));
}

#[test]
fn inspect_reads_argument_and_stdin() {
    let token = stdout(&bedrock_token(&example_keys(), &["token", "--region", "us-gov-west-1", "--expiry", "90s", "--at", "2026-01-24T10:00:00Z"]));
    let out = bedrock_token(&[], &["inspect", token.trim(), "--format", "json"]);
    let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["region"], "us-gov-west-1");
    assert_eq!(json["lifetime_seconds"], 90);
    assert_eq!(json["expires_at"], "2026-01-24T10:01:30Z");
    assert_eq!(json["expired"], true);
    assert_eq!(json["has_session_token"], false);

    let mut child = Command::new(env!("CARGO_BIN_EXE_bedrock-token"))
        .args(["inspect", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(token.as_bytes()).unwrap();
    let text = String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap();
    assert!(text.contains("region:         us-gov-west-1\n"), "{text}");
    assert!(!text.contains("X-Amz-Signature") && !text.contains(token.trim()));
}

/// Each error path: its exit code and a message naming what is wrong, on one line of stderr.
#[test]
fn errors_exit_with_their_code_and_one_clear_line() {
    let none: [(&str, &str); 0] = [];
    /// Environment, arguments, exit code, a part of the message.
    type Case<'a> = (Vec<(&'a str, &'a str)>, Vec<&'a str>, i32, &'a str);
    let cases: Vec<Case> = vec![
        (example_keys(), vec!["token", "--region", "US-EAST-1"], 2, "did you mean \"us-east-1\""),
        (example_keys(), vec!["token", "--region", ""], 2, "region: must not be empty"),
        (example_keys(), vec!["token", "--region", "us-east-1", "--expiry", "13h"], 2, "allowed 1 s to 43200 s"),
        (example_keys(), vec!["token", "--region", "us-east-1", "--expiry", "soon"], 2, "cannot read \"soon\""),
        (example_keys(), vec!["token", "--region", "us-east-1", "--at", "yesterday"], 2, "RFC 3339"),
        (example_keys(), vec!["token", "--region", "us-east-1", "--format", "xml"], 2, "invalid value 'xml'"),
        (example_keys(), vec!["token", "--region", "us-east-1", "--format", "text"], 2, "[possible values: raw, env, json]"),
        (vec![], vec!["inspect", "x", "--format", "raw"], 2, "[possible values: text, json]"),
        (vec![], vec!["list", "--format", "env"], 2, "[possible values: text, json]"),
        (vec![], vec!["provision", "--business-unit", "a", "--owner", "o@example.com", "--format", "raw"], 2, "[possible values: text, json]"),
        (vec![], vec!["rotate", "--business-unit", "a", "--key", "api-key", "--format", "env"], 2, "[possible values: text, json]"),
        (vec![], vec!["deprovision", "--business-unit", "a", "--format", "raw"], 2, "[possible values: text, json]"),
        (example_keys(), vec!["token"], 2, "no AWS region found; pass --region (e.g. --region us-east-1)"),
        (none.to_vec(), vec!["token", "--region", "us-east-1"], 1, "no AWS credentials found; tried environment variables"),
        (none.to_vec(), vec!["inspect", "bedrock-api-key-%%%"], 2, "not valid base64"),
        (none.to_vec(), vec!["inspect", "hello"], 2, "starts with neither \"bedrock-api-key-\" (a short-term key) nor \"ABSK\""),
        (none.to_vec(), vec!["frobnicate"], 2, "unrecognized subcommand"),
    ];
    for (env, args, code, message) in cases {
        let out = bedrock_token(&env, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(stdout(&out), "", "{args:?}");
        let clap_usage_error = ["frobnicate", "xml", "yesterday"].iter().any(|a| args.contains(a)) || message.starts_with("[possible values");
        if !clap_usage_error {
            assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        }
    }
}

/// Recognisable secrets, RUST_LOG=trace, every error path: no secret in stdout, stderr or logs,
/// and the token only on stdout of a successful `token`.
#[test]
fn no_secret_in_any_output_or_log() {
    const SECRET: &str = "SECRETzz/SECRETzz+SECRETzzSECRETzzSECRET";
    const SESSION: &str = "SESSIONTOKENyy/SESSIONTOKENyy+SESSIONTOKENyy==";
    let secrets = [
        ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEKEYID0001"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", SESSION),
        ("RUST_LOG", "trace"),
    ];
    let good = bedrock_token(&secrets, &["token", "--region", "us-east-1"]);
    assert!(good.status.success());
    let token = stdout(&good).trim().to_owned();
    assert!(!stderr(&good).is_empty(), "trace logging is on, so the scan reads real log lines");

    let runs = [
        vec!["token", "--region", "us-east-1"],
        vec!["token", "--region", "us-east-1", "--format", "json"],
        vec!["token", "--region", "NOT-A-REGION"],
        vec!["token", "--region", "us-east-1", "--expiry", "0"],
        vec!["token", "--region", "us-east-1", "--at", "1960-01-01T00:00:00Z"],
        vec!["token"],
        vec!["inspect", token.as_str()],
        vec!["inspect", &token[..token.len() - 8]],
        vec!["inspect", "--format", "json", token.as_str()],
    ];
    let encoded = |s: &str| s.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D");
    for args in &runs {
        let out = bedrock_token(&secrets, args);
        for (stream, text) in [("stdout", stdout(&out)), ("stderr", stderr(&out))] {
            for needle in [SECRET, SESSION, &encoded(SESSION), "SECRETzz", "SESSIONTOKENyy"] {
                assert!(!text.contains(needle), "{args:?} {stream} leaks {needle}");
            }
            if stream == "stderr" || args[0] == "inspect" {
                assert!(!text.contains(&token[16..60]), "{args:?} {stream} leaks the token");
            }
        }
    }
    // Without credentials in the environment, the failing chain's trace logs are scanned too.
    let out = bedrock_token(&[("RUST_LOG", "trace"), ("AWS_SESSION_TOKEN", SESSION)], &["token", "--region", "us-east-1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("SESSIONTOKENyy"));
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("bedrock-token-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn completions_man_page_and_version() {
    for (shell, marker, option) in [
        ("bash", "complete -F _bedrock__token", "--business-unit"),
        ("zsh", "#compdef bedrock-token", "--business-unit"),
        ("fish", "complete -c bedrock-token", "-l business-unit"),
    ] {
        let out = bedrock_token(&[], &["completions", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let script = stdout(&out);
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["provision", option, "expiry", "completions"] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
    }
    let man = stdout(&bedrock_token(&[], &["man"]));
    assert!(man.starts_with(".ie") || man.contains(".TH bedrock-token"), "{man}");
    assert!(man.contains("provision") && man.contains("inspect"), "{man}");
    let version = stdout(&bedrock_token(&[], &["--version"]));
    let expected = format!("bedrock-token {} (", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(&expected), "{version}");
    let revision = std::process::Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).output().unwrap();
    if revision.status.success() {
        let revision = String::from_utf8(revision.stdout).unwrap();
        assert!(version.contains(&format!("(git {})", revision.trim())), "{version}");
    }
}

#[test]
fn a_dry_run_says_it_reads_iam() {
    for sub in ["provision", "rotate", "deprovision"] {
        let help = stdout(&bedrock_token(&[], &[sub, "--help"]));
        assert!(help.contains("It still reads IAM"), "{sub}: {help}");
    }
}

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

/// `node -e` code that calls the endpoint's model list with `AWS_BEARER_TOKEN_BEDROCK` as the
/// bearer token and exits 0 on 200, 9 on anything else.
const CALL_WITH_ENV_TOKEN: &str = "fetch(process.argv[1] + '/openai/v1/models', { headers: { authorization: 'Bearer ' + process.env.AWS_BEARER_TOKEN_BEDROCK } })\
    .then((r) => process.exit(r.status === 200 ? 0 : 9))";

#[test]
fn exec_gives_the_command_a_token_the_endpoint_accepts() {
    let endpoint = endpoint::Endpoint::start("us-east-1", &[(EXAMPLE_KEY_ID, EXAMPLE_SECRET)]);
    let region = [("AWS_REGION", "us-east-1")];
    let env: Vec<_> = example_keys().into_iter().chain(region).collect();
    let ok = bedrock_token(&env, &["exec", "--expiry", "5m", "--", "node", "-e", CALL_WITH_ENV_TOKEN, &endpoint.http]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let log = endpoint.requests();
    assert_eq!((log[0]["status"].as_i64(), log[0]["accessKeyId"].as_str()), (Some(200), Some(EXAMPLE_KEY_ID)));
    // The same call with another secret: the endpoint refuses the token and the exit code is node's.
    let wrong = [("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID), ("AWS_SECRET_ACCESS_KEY", "not-the-secret"), ("AWS_REGION", "us-east-1")];
    let refused = bedrock_token(&wrong, &["exec", "--", "node", "-e", CALL_WITH_ENV_TOKEN, &endpoint.http]);
    assert_eq!(refused.status.code(), Some(9));
    assert_eq!(endpoint.requests()[1]["reason"], "the bearer token signature does not match");
}

#[test]
fn exec_passes_the_exit_code_and_signals_through() {
    use std::os::unix::process::ExitStatusExt;
    let env: Vec<_> = example_keys().into_iter().chain([("AWS_REGION", "us-east-1")]).collect();
    let seven = bedrock_token(&env, &["exec", "--", "sh", "-c", "test -n \"$AWS_BEARER_TOKEN_BEDROCK\" && exit 7"]);
    assert_eq!(seven.status.code(), Some(7));
    let missing = bedrock_token(&env, &["exec", "--", "no-such-command-here"]);
    assert_eq!(missing.status.code(), Some(127));
    assert!(stderr(&missing).contains("cannot run no-such-command-here"), "{}", stderr(&missing));
    // The command replaces bedrock-token: a signal sent to the process it started is the command's.
    let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-token"));
    let mut child = command.envs(env.iter().copied()).args(["exec", "--", "sleep", "30"]).spawn().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
    let usage = bedrock_token(&env, &["exec"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn token_out_writes_the_output_to_a_private_file_atomically() {
    use std::os::unix::fs::PermissionsExt;
    let dir = std::env::temp_dir().join(format!("bedrock-token-out-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token.env");
    std::fs::write(&file, "an older token\n").unwrap();
    let args = ["token", "--region", "us-east-1", "--at", "2026-01-24T10:00:00Z", "--format", "env"];
    let printed = bedrock_token(&example_keys(), &args);
    let out = file.to_str().unwrap();
    let written = bedrock_token(&example_keys(), &[&args[..], &["--out", out]].concat());
    assert!(written.status.success(), "{}", stderr(&written));
    assert_eq!(stdout(&written), "", "the token goes only to the file");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout(&printed));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["token.env"], "no temporary file is left");
    let unwritable = bedrock_token(&example_keys(), &["token", "--region", "us-east-1", "--out", "/nonexistent-dir/token"]);
    assert_eq!(unwritable.status.code(), Some(1));
    assert!(stderr(&unwritable).contains("cannot write /nonexistent-dir/token"));
    std::fs::remove_dir_all(&dir).unwrap();
}
