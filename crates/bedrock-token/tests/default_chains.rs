//! `provide_token()` before every request remembers what the default chains gave, and yet every
//! change they would see takes effect on the next call: the environment's keys, session token,
//! region and profile, edits of the shared files, and credentials near their expiry. One test in
//! this binary, for it changes the process's environment.

use std::path::Path;
use std::time::{Duration, SystemTime};

use bedrock_token::{block_on, clear_signing_state, inspect_token, provide_token, DefaultChain};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn token() -> bedrock_token::TokenInfo {
    let token = block_on(provide_token(Duration::from_secs(900))).unwrap();
    inspect_token(token.as_str()).unwrap()
}

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this binary's one test is its only thread that reads or writes the environment.
    unsafe {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

/// A `credential_process` that counts its runs in `counter` and gives credentials expiring in
/// `seconds`.
fn process(dir: &Path, seconds: i64) -> String {
    let script = dir.join(format!("process-{seconds}.sh"));
    let expires = chrono::DateTime::<chrono::Utc>::from(SystemTime::now() + Duration::from_secs(seconds as u64)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    write(
        &script,
        &format!(
            "#!/bin/sh\necho run >> {dir}/runs\necho '{{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS{seconds:09}\", \"SecretAccessKey\": \"{SECRET}\", \"SessionToken\": \"tok\", \"Expiration\": \"{expires}\"}}'\n",
            dir = dir.display()
        ),
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    script.display().to_string()
}

fn runs(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("runs")).map_or(0, |text| text.lines().count())
}

#[test]
fn every_change_the_default_chains_would_see_takes_effect_on_the_next_call() {
    let dir = std::env::temp_dir().join(format!("bedrock-token-chains-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            set(&name, None);
        }
    }
    let (config, credentials) = (dir.join("config"), dir.join("credentials"));
    set("AWS_CONFIG_FILE", Some(config.to_str().unwrap()));
    set("AWS_SHARED_CREDENTIALS_FILE", Some(credentials.to_str().unwrap()));
    set("AWS_EC2_METADATA_DISABLED", Some("true"));

    // Environment keys and region.
    set("AWS_ACCESS_KEY_ID", Some("AKIAENVIRONMENT00001"));
    set("AWS_SECRET_ACCESS_KEY", Some(SECRET));
    set("AWS_REGION", Some("us-east-1"));
    let first = token();
    assert_eq!((first.access_key_id.as_str(), first.region.as_str(), first.has_session_token), ("AKIAENVIRONMENT00001", "us-east-1", false));
    assert_eq!(token().access_key_id, "AKIAENVIRONMENT00001", "remembered");
    set("AWS_ACCESS_KEY_ID", Some("AKIAENVIRONMENT00002"));
    assert_eq!(token().access_key_id, "AKIAENVIRONMENT00002", "a new access key id");
    set("AWS_SESSION_TOKEN", Some("IQoJb3JpZ2luX2VjEXAMPLE"));
    assert!(token().has_session_token, "a session token appears");
    set("AWS_SESSION_TOKEN", None);
    assert!(!token().has_session_token, "and goes");
    set("AWS_REGION", Some("eu-west-1"));
    assert_eq!(token().region, "eu-west-1");
    set("AWS_REGION", None);
    set("AWS_DEFAULT_REGION", Some("ap-south-1"));
    assert_eq!(token().region, "ap-south-1", "AWS_DEFAULT_REGION");

    // Keys and a region in the environment win over AWS_PROFILE's: the answer of aws-config's
    // whole chain, which the environment's keys spare building.
    write(&config, "[profile dev]\nregion = eu-central-1\n");
    write(&credentials, &format!("[dev]\naws_access_key_id = AKIAFILEDEV000000009\naws_secret_access_key = {SECRET}\n"));
    set("AWS_PROFILE", Some("dev"));
    let chain = block_on(async {
        use aws_credential_types::provider::ProvideCredentials;
        let credentials = aws_config::default_provider::credentials::DefaultCredentialsChain::builder().build().await.provide_credentials().await.unwrap();
        let region = aws_config::default_provider::region::DefaultRegionChain::builder().build().region().await.unwrap();
        (credentials.access_key_id().to_owned(), region.to_string())
    });
    assert_eq!(chain, ("AKIAENVIRONMENT00002".to_owned(), "ap-south-1".to_owned()), "aws-config's whole chain");
    let ours = token();
    assert_eq!((ours.access_key_id, ours.region), chain, "the same answer");
    // A named profile is used whole, as the AWS CLI's --profile: its keys over the environment's;
    // the region still follows the environment first (AWS_REGION, AWS_DEFAULT_REGION).
    set("AWS_PROFILE", None);
    let named = block_on(DefaultChain::new().profile("dev").token(None, Duration::from_secs(900))).unwrap();
    let named = inspect_token(named.as_str()).unwrap();
    assert_eq!((named.access_key_id.as_str(), named.region.as_str()), ("AKIAFILEDEV000000009", "ap-south-1"), "a named profile");
    set("AWS_DEFAULT_REGION", None);
    let named = block_on(DefaultChain::new().profile("dev").region()).unwrap();
    assert_eq!(named, "eu-central-1", "the named profile's region when the environment has none");
    let missing = block_on(DefaultChain::new().profile("nosuch").credentials()).unwrap_err();
    assert!(matches!(&missing, bedrock_token::Error::ProfileNotFound { profile, .. } if profile == "nosuch"), "{missing}");

    // Profiles from the shared files, AWS_PROFILE, and edits of the files.
    set("AWS_ACCESS_KEY_ID", None);
    set("AWS_SECRET_ACCESS_KEY", None);
    set("AWS_DEFAULT_REGION", None);
    write(&config, "[default]\nregion = us-west-2\n[profile dev]\nregion = eu-central-1\n");
    write(&credentials, &format!("[default]\naws_access_key_id = AKIAFILEDEFAULT00001\naws_secret_access_key = {SECRET}\n[dev]\naws_access_key_id = AKIAFILEDEV000000001\naws_secret_access_key = {SECRET}\n"));
    let default = token();
    assert_eq!((default.access_key_id.as_str(), default.region.as_str()), ("AKIAFILEDEFAULT00001", "us-west-2"));
    set("AWS_PROFILE", Some("dev"));
    let dev = token();
    assert_eq!((dev.access_key_id.as_str(), dev.region.as_str()), ("AKIAFILEDEV000000001", "eu-central-1"), "AWS_PROFILE");
    write(&credentials, &format!("[default]\naws_access_key_id = AKIAFILEDEFAULT00001\naws_secret_access_key = {SECRET}\n[dev]\naws_access_key_id = AKIAFILEDEV000000002\naws_secret_access_key = {SECRET}\n"));
    assert_eq!(token().access_key_id, "AKIAFILEDEV000000002", "an edit of the credentials file");
    write(&config, "[default]\nregion = us-west-2\n[profile dev]\nregion = sa-east-1\n");
    assert_eq!(token().region, "sa-east-1", "an edit of the config file");
    assert_eq!(block_on(DefaultChain::new().profile("dev").region()).unwrap(), "sa-east-1", "a named profile");

    // Credentials near their expiry are loaded again; others are remembered.
    write(&credentials, "");
    write(&config, &format!("[profile proc]\nregion = us-east-2\ncredential_process = {}\n", process(&dir, 7200)));
    set("AWS_PROFILE", Some("proc"));
    let before = runs(&dir);
    assert_eq!(token().access_key_id, "ASIAPROCESS000007200");
    assert_eq!(token().access_key_id, "ASIAPROCESS000007200");
    assert_eq!(runs(&dir), before + 1, "credentials valid for two hours are loaded once");
    write(&config, &format!("[profile proc]\nregion = us-east-2\ncredential_process = {}\n", process(&dir, 30)));
    token();
    token();
    assert_eq!(runs(&dir), before + 3, "credentials 30 s from expiry are loaded on every call");

    // clear_signing_state() forgets them.
    write(&config, &format!("[profile proc]\nregion = us-east-2\ncredential_process = {}\n", process(&dir, 7200)));
    token();
    let loaded = runs(&dir);
    clear_signing_state();
    token();
    assert_eq!(runs(&dir), loaded + 1);
    let _ = std::fs::remove_dir_all(&dir);
}
