//! The command reads profiles, regions and credentials as the AWS CLI does, reports profile
//! problems as what they are, speaks one vocabulary (flags, formats, errors, exit codes) on every
//! subcommand, documents itself in `--help` and a man page each, and serves the tools that ask for
//! a token their own way.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const EXAMPLE_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A home directory of its own, with its shared config and credentials files.
struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("bedrock-token-aws-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        Home { dir }
    }

    fn config(&self) -> PathBuf {
        self.dir.join(".aws/config")
    }

    fn credentials(&self) -> PathBuf {
        self.dir.join(".aws/credentials")
    }

    fn write(&self, config: &str, credentials: &str) -> &Self {
        std::fs::write(self.config(), config).unwrap();
        std::fs::write(self.credentials(), credentials).unwrap();
        self
    }

    /// The command with no AWS variable but HOME and those `env` sets, and IMDS off.
    fn command(&self, env: &[(&str, &str)], args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-token"));
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") || name == "RUST_LOG" {
                command.env_remove(name);
            }
        }
        command.env("HOME", &self.dir).env("AWS_EC2_METADATA_DISABLED", "true").envs(env.iter().copied()).args(args);
        command
    }

    fn run(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        self.command(env, args).output().unwrap()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// Exit code and stderr, for the error cases.
fn failure(output: &Output) -> (Option<i32>, String) {
    assert_eq!(stdout(output), "", "nothing on stdout");
    (output.status.code(), stderr(output))
}

/// Two profiles with keys and regions of their own: `default` (us-west-2) and `dev` (eu-west-1).
fn two_profiles(home: &Home) {
    home.write(
        "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-west-1\n",
        &format!(
            "[default]\naws_access_key_id = AKIADEFAULTPROFILE01\naws_secret_access_key = {EXAMPLE_SECRET}\n\
             [dev]\naws_access_key_id = AKIADEVPROFILE000001\naws_secret_access_key = {EXAMPLE_SECRET}\n"
        ),
    );
}

/// Which access key and region `token --format json` signed with.
fn signed_with(home: &Home, env: &[(&str, &str)], args: &[&str]) -> (String, String) {
    let out = home.run(env, &[&["token", "--format", "json", "--at", "2026-01-24T10:00:00Z"], args].concat());
    assert!(out.status.success(), "{env:?} {args:?}: {}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    (json["access_key_id"].as_str().unwrap().to_owned(), json["region"].as_str().unwrap().to_owned())
}

/// The AWS CLI's documented order: the command line (--profile, --region) over the environment
/// over the shared files; a --profile is used whole (its keys even when AWS_ACCESS_KEY_ID is set,
/// as botocore drops the environment provider for an explicit profile), while AWS_PROFILE only
/// chooses the profile the files give (the environment's keys still win over its keys); the
/// region follows --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's.
#[test]
fn precedence_is_the_aws_clis() {
    let home = Home::new("precedence");
    two_profiles(&home);
    let keys = [("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID), ("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)];
    let with = |extra: &[(&'static str, &'static str)]| -> Vec<(&'static str, &'static str)> { keys.iter().chain(extra).copied().collect() };
    let expect = |env: &[(&str, &str)], args: &[&str], key: &str, region: &str, why: &str| {
        assert_eq!(signed_with(&home, env, args), (key.to_owned(), region.to_owned()), "{why}");
    };
    expect(&[], &[], "AKIADEFAULTPROFILE01", "us-west-2", "the default profile");
    expect(&with(&[]), &[], EXAMPLE_KEY_ID, "us-west-2", "environment keys over the default profile's; its region");
    expect(&with(&[]), &["--profile", "dev"], "AKIADEVPROFILE000001", "eu-west-1", "--profile is used whole, over environment keys");
    expect(&with(&[("AWS_PROFILE", "dev")]), &[], EXAMPLE_KEY_ID, "eu-west-1", "environment keys over AWS_PROFILE's keys; its region");
    expect(&[("AWS_PROFILE", "dev")], &[], "AKIADEVPROFILE000001", "eu-west-1", "AWS_PROFILE chooses the profile");
    expect(&[("AWS_PROFILE", "dev")], &["--profile", "default"], "AKIADEFAULTPROFILE01", "us-west-2", "--profile over AWS_PROFILE");
    expect(&with(&[("AWS_REGION", "ap-south-1")]), &["--profile", "dev"], "AKIADEVPROFILE000001", "ap-south-1", "AWS_REGION over the profile's region");
    expect(&[("AWS_DEFAULT_REGION", "ca-central-1")], &["--profile", "dev"], "AKIADEVPROFILE000001", "ca-central-1", "AWS_DEFAULT_REGION over the profile's region");
    expect(&[("AWS_REGION", "ap-south-1"), ("AWS_DEFAULT_REGION", "ca-central-1")], &[], "AKIADEFAULTPROFILE01", "ap-south-1", "AWS_REGION over AWS_DEFAULT_REGION");
    expect(&[("AWS_REGION", "ap-south-1")], &["--profile", "dev", "--region", "sa-east-1"], "AKIADEVPROFILE000001", "sa-east-1", "--region over everything");
    // The files can be elsewhere, as for the AWS CLI.
    let elsewhere = Home::new("precedence-elsewhere");
    let (config, credentials) = (home.config().display().to_string(), home.credentials().display().to_string());
    let files = [("AWS_CONFIG_FILE", config.as_str()), ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str())];
    assert_eq!(signed_with(&elsewhere, &files, &["--profile", "dev"]), ("AKIADEVPROFILE000001".to_owned(), "eu-west-1".to_owned()));
}

/// Each profile problem is its own one-line error, naming the profile, the file and line, and the fix.
#[test]
fn profile_problems_are_reported_as_what_they_are() {
    let home = Home::new("problems");
    two_profiles(&home);
    let (config, credentials) = (home.config().display().to_string(), home.credentials().display().to_string());
    let not_found = format!(
        "bedrock-token: error: profile \"nosuch\" not found in {config} or {credentials}; create it with `aws configure --profile nosuch`, \
         or `aws configure sso --profile nosuch` for IAM Identity Center (SSO)\n"
    );
    let keys = [("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID), ("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)];
    for (env, args) in [
        (&[][..], &["token", "--profile", "nosuch"][..]),
        (&[], &["token", "--profile", "nosuch", "--region", "us-east-1"]),
        (&keys, &["token", "--profile", "nosuch", "--region", "us-east-1"]),
        (&[("AWS_PROFILE", "nosuch")], &["token"]),
        (&[], &["exec", "--profile", "nosuch", "--", "true"]),
        (&[], &["check", "--profile", "nosuch"]),
        (&[], &["list", "--profile", "nosuch"]),
        (&[], &["audit", "--profile", "nosuch"]),
    ] {
        assert_eq!(failure(&home.run(env, args)), (Some(2), not_found.clone()), "{env:?} {args:?}");
    }

    // A malformed config file, then a malformed credentials file: the file and the line.
    std::fs::write(home.config(), "[default]\nregion = us-west-2\n[profile dev]\nregion eu-west-1\n").unwrap();
    let expected = format!("bedrock-token: error: AWS shared config file {config}, line 4: Expected an '=' sign defining a property\n");
    for args in [&["token"][..], &["token", "--region", "us-east-1"], &["token", "--profile", "dev"], &["list"]] {
        assert_eq!(failure(&home.run(&[], args)), (Some(1), expected.clone()), "{args:?}");
    }
    two_profiles(&home);
    std::fs::write(home.credentials(), "aws_access_key_id = AKIADEFAULTPROFILE01\n").unwrap();
    let expected = format!("bedrock-token: error: AWS shared config file {credentials}, line 1: Expected a profile definition\n");
    assert_eq!(failure(&home.run(&[], &["token"])), (Some(1), expected));

    // An IAM Identity Center profile with no cached login (offline: the SSO token cache is empty).
    home.write(
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Developer\nregion = us-east-1\n\
         [sso-session corp]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
        "",
    );
    for (env, args) in [(&[][..], &["token", "--profile", "corp"][..]), (&[("AWS_PROFILE", "corp")], &["token"])] {
        let (code, message) = failure(&home.run(env, args));
        assert_eq!(code, Some(1));
        let first = "bedrock-token: error: profile \"corp\" signs in with IAM Identity Center (SSO) and has no valid session; run `aws sso login --profile corp`: ";
        assert!(message.starts_with(first) && message.ends_with('\n') && message.lines().count() == 1, "{message}");
    }
}

/// Every command that calls AWS takes --region and --profile; IAM commands use the profile whole.
#[test]
fn region_and_profile_on_every_command_that_calls_aws() {
    let home = Home::new("flags");
    for sub in ["token", "exec", "check", "provision", "rotate", "deprovision", "list", "audit", "revoke"] {
        let help = stdout(&home.run(&[], &[sub, "--help"]));
        assert!(help.contains("--region <REGION>") && help.contains("--profile <PROFILE>"), "{sub}: {help}");
    }
    let Some(moto) = common::Moto::start() else { return };
    home.write("[profile admin]\nregion = us-east-1\n", &format!("[admin]\naws_access_key_id = {EXAMPLE_KEY_ID}\naws_secret_access_key = {EXAMPLE_SECRET}\n"));
    let iam = [("AWS_ENDPOINT_URL_IAM", moto.endpoint.as_str()), ("AWS_MAX_ATTEMPTS", "1")];
    // No keys in the environment: only the profile's.
    let listed = home.run(&iam, &["list", "--profile", "admin", "--format", "json"]);
    assert_eq!(listed.status.code(), Some(0), "{}", stderr(&listed));
    assert_eq!(serde_json::from_slice::<Value>(&listed.stdout).unwrap(), Value::Array(vec![]));
    let audited = home.run(&iam, &["audit", "--profile", "admin", "--region", "us-east-1", "--format", "text"]);
    assert_eq!((audited.status.code(), stdout(&audited).lines().last()), (Some(0), Some("0 Bedrock API keys, 0 findings")), "{}", stderr(&audited));
    let without = home.run(&iam, &["list"]);
    assert_eq!(without.status.code(), Some(1), "no credentials without the profile");
    assert!(stderr(&without).starts_with("bedrock-token: error: "), "{}", stderr(&without));
}

/// Flags that would do nothing are refused, naming the flag, with exit 2 and before any AWS call
/// (no credentials here, and IAM on a closed port); clap's own refusals read the same way.
#[test]
fn flags_that_do_nothing_are_refused() {
    let home = Home::new("refused");
    let closed = common::Moto::closed();
    let env = [("AWS_ENDPOINT_URL_IAM", closed.endpoint.as_str()), ("AWS_REGION", "us-east-1")];
    let unit = ["--business-unit", "sales", "--owner", "team@example.com"];
    for (args, message) in [
        (vec!["provision", "--secrets-dir", "/tmp/x"], "--secrets-dir applies only with --manifest"),
        (vec!["provision", "--concurrency", "2"], "--concurrency applies only with --manifest"),
        (vec!["provision", "--api-key-days", "30"], "--api-key-days applies only with --key api-key"),
        (vec!["provision", "--key", "none", "--api-key-days", "30"], "--api-key-days applies only with --key api-key"),
        (vec!["provision", "--key", "access-key", "--api-key-days", "30"], "--api-key-days applies only with --key api-key"),
        (vec!["provision", "--key", "api-key", "--api-key-days", "0"], "api_key_days: 0 is out of range; allowed 1 to 36600 days"),
    ] {
        let out = home.run(&env, &[&args[..], &unit].concat());
        assert_eq!(failure(&out), (Some(2), format!("bedrock-token: error: {message}\n")), "{args:?}");
    }
    for (args, message) in [
        (vec!["rotate", "--business-unit", "sales", "--key", "access-key", "--api-key-days", "30"], "--api-key-days applies only with --key api-key"),
        (vec!["rotate", "--business-unit", "sales", "--key", "api-key", "--api-key-days", "0"], "api_key_days: 0 is out of range; allowed 1 to 36600 days"),
    ] {
        assert_eq!(failure(&home.run(&env, &args)), (Some(2), format!("bedrock-token: error: {message}\n")), "{args:?}");
    }
    // With --manifest, the flags a manifest sets per unit are refused, in clap's words and our style.
    let out = home.run(&env, &["provision", "--manifest", "units.toml", "--key", "api-key"]);
    assert_eq!(
        failure(&out),
        (Some(2), "bedrock-token: error: the argument '--manifest <FILE>' cannot be used with '--key <KEY>'; see `bedrock-token provision --help`\n".to_owned())
    );
    let out = home.run(&[], &["token", "--bogus"]);
    assert_eq!(failure(&out), (Some(2), "bedrock-token: error: unexpected argument '--bogus' found; see `bedrock-token token --help`\n".to_owned()));
    let out = home.run(&[], &["exec"]);
    assert_eq!(failure(&out), (Some(2), "bedrock-token: error: the following required arguments were not provided: <COMMAND>...; see `bedrock-token exec --help`\n".to_owned()));
    let out = home.run(&[], &["provision", "--owner", "team@example.com"]);
    assert_eq!(failure(&out), (Some(2), "bedrock-token: error: the following required arguments were not provided: --business-unit <BUSINESS_UNIT>; see `bedrock-token provision --help`\n".to_owned()));
    let out = home.run(&[], &[]);
    let (code, help) = failure(&out);
    assert!(code == Some(2) && help.contains("Commands:") && help.contains("Exit status:"), "no subcommand: the help on stderr: {help}");
    let out = home.run(&[], &["token", "--format", "yaml"]);
    let (code, message) = failure(&out);
    assert_eq!(code, Some(2));
    assert!(message.starts_with("bedrock-token: error: invalid value 'yaml' for '--format <FORMAT>'") && message.lines().count() == 1, "{message}");
}

/// One --format set for reports (text|json, audit's old `table` kept as an alias of text);
/// raw|env|json for token.
#[test]
fn one_format_vocabulary() {
    let home = Home::new("formats");
    for sub in ["inspect", "provision", "rotate", "deprovision", "list", "audit", "revoke"] {
        let help = stdout(&home.run(&[], &[sub, "--help"]));
        assert!(help.contains("[default: text]") && help.contains("- json"), "{sub}: {help}");
        assert!(!help.contains("- table"), "{sub}: the alias stays hidden");
    }
    let token = stdout(&home.run(&[], &["token", "--help"]));
    assert!(["- raw:", "- env:", "- json:", "[default: raw]"].iter().all(|value| token.contains(value)), "{token}");
    let Some(moto) = common::Moto::start() else { return };
    let table = moto.run(&["audit", "--format", "table"]);
    let text = moto.run(&["audit", "--format", "text"]);
    assert_eq!((table.status.code(), stdout(&table)), (text.status.code(), stdout(&text)), "{}", stderr(&table));
    assert_eq!(text.status.code(), Some(0), "{}", stderr(&text));
}

/// `inspect` with no argument on a terminal says on stderr what it waits for.
#[test]
fn inspect_on_a_terminal_says_what_it_waits_for() {
    // `script` gives the command a terminal; the token arrives after the hint, then end of input.
    let home = Home::new("inspect");
    let binary = env!("CARGO_BIN_EXE_bedrock-token");
    let script = Command::new("script").arg("-V").output();
    if script.map(|out| !out.status.success()).unwrap_or(true) {
        assert!(std::env::var_os("CI").is_none(), "util-linux `script` is needed");
        eprintln!("skipped: no util-linux `script`");
        return;
    }
    let out = home.run(&[], &["inspect", "not-a-token"]);
    assert_eq!(out.status.code(), Some(2), "an argument is read without a hint: {}", stderr(&out));
    assert!(!stderr(&out).contains("standard input"));
    let run = format!("{binary} inspect 2>&1 </dev/tty & sleep 1; kill $! 2>/dev/null");
    let out = Command::new("script").args(["-qec", &run, "/dev/null"]).env("HOME", &home.dir).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("bedrock-token: reading a token from standard input; paste it, then press Ctrl-D (or pass it as an argument)"),
        "{text}"
    );
}

/// Exit codes are in `--help` (the command's, exec's and audit's own).
#[test]
fn exit_codes_are_in_help() {
    let home = Home::new("help");
    let top = stdout(&home.run(&[], &["--help"]));
    for line in ["Exit status:", "  0    success", "  2    invalid usage or input", "  3    audit found keys to fix", "126 if it could not be run, 127 if it was not found"] {
        assert!(top.contains(line), "{line:?} in {top}");
    }
    assert!(top.contains("A --profile is used whole"), "{top}");
    let exec = stdout(&home.run(&[], &["exec", "--help"]));
    assert!(exec.contains("  126  the command could not be run") && exec.contains("  127  the command was not found") && exec.contains("the command's own status"), "{exec}");
    let audit = stdout(&home.run(&[], &["audit", "--help"]));
    assert!(audit.contains("  3    findings: keys to fix") && audit.contains("  0    no findings"), "{audit}");
}

/// A man page for the command and one for each subcommand, each with EXIT STATUS and ENVIRONMENT;
/// `man SUBCOMMAND` prints the page `man --out` writes.
#[test]
fn man_pages_for_every_subcommand() {
    let home = Home::new("man");
    let dir = home.dir.join("man1");
    let written = home.run(&[], &["man", "--out", dir.to_str().unwrap()]);
    assert!(written.status.success(), "{}", stderr(&written));
    let help = stdout(&home.run(&[], &["--help"]));
    let commands: Vec<&str> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|line| line.starts_with("  "))
        .map(|line| line.split_whitespace().next().unwrap())
        .filter(|name| *name != "help")
        .collect();
    assert!(commands.len() >= 13, "{commands:?}");
    let mut expected: Vec<String> = commands.iter().map(|c| format!("bedrock-token-{c}.1")).chain(["bedrock-token.1".to_owned()]).collect();
    expected.sort();
    let mut files: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, expected);
    assert_eq!(stdout(&written).lines().count(), files.len(), "names each file written");
    for file in &files {
        let page = std::fs::read_to_string(dir.join(file)).unwrap();
        let name = file.trim_end_matches(".1");
        assert!(page.contains(&format!(".TH {name} 1")), "{file}");
        for section in [".SH \"EXIT STATUS\"", ".SH ENVIRONMENT", ".SH \"SEE ALSO\"", "AWS_PROFILE", "AWS_ENDPOINT_URL_IAM", "RUST_LOG"] {
            assert!(page.contains(section), "{file}: {section}");
        }
        let printed = match name.strip_prefix("bedrock-token-") {
            Some(sub) => home.run(&[], &["man", sub]),
            None => home.run(&[], &["man"]),
        };
        assert_eq!(stdout(&printed), page, "{file}");
    }
    let exec = std::fs::read_to_string(dir.join("bedrock-token-exec.1")).unwrap();
    assert!(exec.contains("127  the command was not found"), "{exec}");
    let provision = std::fs::read_to_string(dir.join("bedrock-token-provision.1")).unwrap();
    assert!(provision.contains("\\-\\-business\\-unit") && provision.contains("\\-\\-profile"), "its own options");
    let top = std::fs::read_to_string(dir.join("bedrock-token.1")).unwrap();
    assert!(top.contains("bedrock\\-token\\-provision(1)"), "the top page lists pages that exist");
    let unknown = home.run(&[], &["man", "nosuch"]);
    let (code, message) = failure(&unknown);
    assert_eq!(code, Some(2));
    assert!(message.starts_with("bedrock-token: error: man: no subcommand \"nosuch\"; the pages are: token, exec,"), "{message}");
}

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;

/// The credential helper of README's Claude Desktop recipe: an executable run with no arguments
/// whose whole trimmed stdout is the bearer token (Claude Desktop's `inferenceCredentialHelper`
/// contract). Run as Claude Desktop runs it, its token is accepted by the verifying endpoint.
#[test]
fn claude_desktop_credential_helper() {
    let home = Home::new("claude");
    two_profiles(&home);
    let endpoint = endpoint::Endpoint::start("eu-west-1", &[("AKIADEVPROFILE000001", EXAMPLE_SECRET)]);
    let helper = home.dir.join("bedrock-token-helper");
    std::fs::write(&helper, claude_helper_script()).unwrap();
    std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let binary_dir = Path::new(env!("CARGO_BIN_EXE_bedrock-token")).parent().unwrap().to_owned();
    let path = format!("{}:{}", binary_dir.display(), std::env::var("PATH").unwrap_or_default());
    // Claude Desktop's environment: its PATH, and CLAUDE_HELPER_CONTEXT; stray keys are ignored.
    let env = [("PATH", path.as_str()), ("CLAUDE_HELPER_CONTEXT", "setup-test"), ("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID), ("AWS_SECRET_ACCESS_KEY", "x")];
    let mut run = Command::new(&helper);
    run.env_clear().env("HOME", &home.dir).env("AWS_EC2_METADATA_DISABLED", "true").envs(env);
    let out = run.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let token = stdout(&out);
    let token = token.trim();
    assert!(token.starts_with("bedrock-api-key-") && !token.contains(char::is_whitespace), "one bare token: {token}");
    let accepted = Command::new("node")
        .args(["-e", CALL_WITH_ENV_TOKEN, &endpoint.http])
        .env("AWS_BEARER_TOKEN_BEDROCK", token)
        .status()
        .unwrap();
    assert_eq!(accepted.code(), Some(0));
    let log = endpoint.requests();
    assert_eq!((log[0]["status"].as_i64(), log[0]["accessKeyId"].as_str()), (Some(200), Some("AKIADEVPROFILE000001")));
}

/// The README's helper script, exactly (the profile and region are the reader's to change).
fn claude_helper_script() -> &'static str {
    "#!/bin/sh\n\
     # Claude Desktop runs this with no arguments and reads the token from stdout.\n\
     exec bedrock-token token --profile dev --expiry 12h\n"
}

/// `node -e` code that calls the endpoint's model list with `AWS_BEARER_TOKEN_BEDROCK` as the
/// bearer token and exits 0 on 200, 9 on anything else.
const CALL_WITH_ENV_TOKEN: &str = "fetch(process.argv[1] + '/openai/v1/models', { headers: { authorization: 'Bearer ' + process.env.AWS_BEARER_TOKEN_BEDROCK } })\
    .then((r) => process.exit(r.status === 200 ? 0 : 9))";
