//! What the command's IAM tests share: the IAM emulator (moto with this project's extension for
//! service-specific credentials, `tests/iam_emulator/`) on a loopback port, and the command
//! pointed at it with throwaway credentials.
//!
//! The emulator runs as `BEDROCK_TOKEN_MOTO_SERVER` (`.ci/run` sets it to a launcher of
//! `tests/iam_emulator/server.py` with the Python it installs moto into), else as
//! `python3 tests/iam_emulator/server.py`. Without moto the tests say so and pass, except under
//! `CI=true`.

#![allow(dead_code)] // each test file uses its own part

pub mod proxy;

use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Option<Self> {
        Self::start_with_env(&[])
    }

    pub fn start_with_env(env: &[(&str, &str)]) -> Option<Self> {
        let server = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/iam_emulator/server.py");
        let mut command = match std::env::var("BEDROCK_TOKEN_MOTO_SERVER") {
            Ok(program) => Command::new(program),
            Err(_) => {
                let mut python = Command::new("python3");
                python.arg(server);
                python
            }
        };
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let spawned = command
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut moto = match spawned {
            Ok(child) => Moto { child, endpoint: format!("http://127.0.0.1:{port}") },
            Err(err) => return skip(&err.to_string()),
        };
        let started = Instant::now();
        // Ready when moto itself answers (a bare connect could reach another test's listener).
        while !answers_as_moto(port) {
            if let Some(status) = moto.child.try_wait().unwrap() {
                return skip(&format!("the IAM emulator exited ({status}); is moto installed?"));
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the IAM emulator did not answer on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// An emulator that is never started: commands pointed at a closed port.
    pub fn closed() -> Self {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Moto { child: Command::new("true").spawn().unwrap(), endpoint: format!("http://127.0.0.1:{closed}") }
    }

    /// A fresh, empty emulator.
    pub fn reset(&self) {
        let port: u16 = self.endpoint.rsplit(':').next().unwrap().parse().unwrap();
        assert!(answers_as_moto(port), "reset");
    }

    /// The command, pointed at `endpoint` with throwaway credentials and SDK retries off.
    pub fn command_via(&self, endpoint: &str, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bedrock-token"));
        for (name, _) in std::env::vars() {
            if name.starts_with("AWS_") {
                command.env_remove(name);
            }
        }
        command
            .env("AWS_ENDPOINT_URL_IAM", endpoint)
            .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
            .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .args(args);
        command
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command_via(&self.endpoint, args).output().unwrap()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.run(&[args, &["--format", "json"]].concat());
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Like [`Moto::json`], for a command that exits with `code`.
    pub fn json_code(&self, args: &[&str], code: i32) -> Value {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    pub fn users(&self) -> Vec<Value> {
        self.json(&["list"]).as_array().unwrap().clone()
    }

    pub async fn iam(&self) -> aws_sdk_iam::Client {
        self.iam_as("AKIDTEST", "secret").await
    }

    pub async fn iam_as(&self, key_id: &str, secret: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.sdk_config(key_id, secret, "us-east-1").await)
    }

    /// An SDK configuration pointed at the emulator, signing as `key_id` in `region` (the
    /// emulator, as AWS, keeps each partition apart).
    pub async fn sdk_config(&self, key_id: &str, secret: &str, region: &str) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(aws_config::Region::new(region.to_owned()))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(key_id, secret, None, None, "test"))
            .load()
            .await
    }
}

fn skip(why: &str) -> Option<Moto> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the IAM emulator cannot start: {why}");
    eprintln!("SKIPPED: {why}; pip install 'moto[server]' or set BEDROCK_TOKEN_MOTO_SERVER");
    None
}

fn answers_as_moto(port: u16) -> bool {
    use std::io::{Read, Write};
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    // moto's reset endpoint: answers {"status": "ok"} and leaves a fresh emulator.
    let request = "POST /moto-api/reset HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.") && response.contains(" 200 ") && response.contains(r#""status": "ok""#)
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What IAM holds for a user, read through the SDK: (managed policy ARNs, inline policy names,
/// access key ids, Bedrock API key ids).
pub async fn holdings(iam: &aws_sdk_iam::Client, user: &str) -> (Vec<String>, Vec<String>, Vec<String>, Vec<String>) {
    let attached = iam.list_attached_user_policies().user_name(user).send().await.unwrap();
    let mut attached: Vec<String> = attached.attached_policies().iter().filter_map(|p| p.policy_arn().map(str::to_owned)).collect();
    attached.sort();
    let inline = iam.list_user_policies().user_name(user).send().await.unwrap().policy_names;
    let access = iam.list_access_keys().user_name(user).send().await.unwrap();
    let access = access.access_key_metadata().iter().filter_map(|k| k.access_key_id().map(str::to_owned)).collect();
    let api = iam.list_service_specific_credentials().user_name(user).service_name("bedrock.amazonaws.com").send().await.unwrap();
    let api = api.service_specific_credentials().iter().map(|c| c.service_specific_credential_id().to_owned()).collect();
    (attached, inline, access, api)
}

/// One request to the emulator's private routes (tests/iam_emulator/private_routes.py): the body
/// of its JSON answer.
pub fn private_route(moto: &Moto, method: &str, path: &str, body: &str) -> Value {
    use std::io::{Read, Write};
    let address = moto.endpoint.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let request = format!("{method} {path} HTTP/1.0\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len());
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.") && answer.contains(" 200 "), "{answer}");
    serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

/// An SDK configuration pointed at the emulator with `credentials` (the organisation tests).
pub async fn config(endpoint: &str, credentials: aws_sdk_sts::config::Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await
}

/// The management account's configuration: the credentials the command gets.
pub async fn management(moto: &Moto) -> aws_config::SdkConfig {
    let keys = aws_sdk_sts::config::Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None, None, "test");
    config(&moto.endpoint, keys).await
}
