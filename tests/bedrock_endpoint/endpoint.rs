//! The verifying Bedrock test endpoint (server.js beside this file, run with `node`) for Rust
//! tests: `#[path = "…/tests/bedrock_endpoint/endpoint.rs"] mod endpoint;` in a test crate.
//!
//! [`Endpoint::start`] accepts tokens of fixed credentials and evaluates no policy;
//! [`Endpoint::start_with_iam`] asks the IAM emulator (tests/iam_emulator) who a short-term or
//! long-term key is and evaluates its policies and SCPs as AWS does.

#![allow(dead_code)] // each test crate uses its own part

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

/// The test endpoint, stopped when dropped (its stdin closes, and it is killed).
pub struct Endpoint {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub http: String,
    _dir: TempDir,
}

struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl Endpoint {
    /// Starts it for `region`, accepting tokens signed with these (access key id, secret) pairs.
    pub fn start(region: &str, keys: &[(&str, &str)]) -> Self {
        let dir = Self::new_dir();
        let credentials = dir.join("credentials.json");
        let table: Vec<_> = keys.iter().map(|(id, secret)| serde_json::json!({"accessKeyId": id, "secretAccessKey": secret})).collect();
        std::fs::write(&credentials, serde_json::Value::from(table).to_string()).unwrap();
        Self::spawn(region, &["--credentials".as_ref(), credentials.as_os_str()], dir)
    }

    /// Starts it for `region` in evaluating mode: keys are those the IAM emulator at
    /// `iam_endpoint` (`http://127.0.0.1:PORT`) knows, and requests are allowed or refused by the
    /// caller's policies and the account's SCPs.
    pub fn start_with_iam(region: &str, iam_endpoint: &str) -> Self {
        Self::spawn(region, &["--iam".as_ref(), iam_endpoint.as_ref()], Self::new_dir())
    }

    fn new_dir() -> std::path::PathBuf {
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bedrock-endpoint-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn spawn(region: &str, mode: &[&std::ffi::OsStr], dir: std::path::PathBuf) -> Self {
        let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bedrock_endpoint/server.js");
        let mut child = Command::new("node")
            .arg(server)
            .args(["--region", region])
            .args(mode)
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs the test endpoint");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let ready: serde_json::Value = serde_json::from_str(&line).expect("the endpoint prints its addresses");
        Self { http: ready["http"].as_str().unwrap().to_owned(), child, _dir: TempDir(dir) }
    }

    /// What the endpoint was asked: method, path, status, and the access key and signing time of
    /// each verified token; in evaluating mode also the principal ARN, token type, decision and
    /// the refusing statement (`denied`: action, kind, policy, sid).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let (status, log) = self.http_request("GET", "/__endpoint/requests", None, "");
        assert_eq!(status, 200, "{log}");
        log.as_array().unwrap().clone()
    }

    /// One request over plain HTTP with `Authorization: Bearer {bearer}` and a JSON `body` (none
    /// when empty): the status and the JSON answer (a 403 has AWS's reason in `message`, or in
    /// `error.message` on the OpenAI-compatible and Mantle routes).
    pub fn call(&self, method: &str, path: &str, bearer: &str, body: &str) -> (u16, serde_json::Value) {
        self.http_request(method, path, Some(bearer), body)
    }

    fn http_request(&self, method: &str, path: &str, bearer: Option<&str>, body: &str) -> (u16, serde_json::Value) {
        http_json(&self.http, method, path, bearer, body)
    }
}

/// Sets the service control policies of `account` on the IAM emulator at `iam_endpoint`
/// (`PUT /__bedrock_token/scps/{account}`, tests/iam_emulator/private_routes.py): one level of
/// SCPs that must allow a request and may deny it. As AWS attaches FullAWSAccess to every account,
/// pass it too (`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*",
/// "Resource": "*"}]}`) beside a deny-only SCP, or nothing is allowed.
pub fn set_scps(iam_endpoint: &str, account: &str, documents: &[serde_json::Value]) {
    let body = serde_json::Value::from(documents.to_vec()).to_string();
    let (status, answer) = http_json(iam_endpoint, "PUT", &format!("/__bedrock_token/scps/{account}"), None, &body);
    assert_eq!(status, 200, "setting SCPs: {answer}");
}

/// One HTTP/1.1 request to `base` (`http://127.0.0.1:PORT`): the status and the JSON answer.
fn http_json(base: &str, method: &str, path: &str, bearer: Option<&str>, body: &str) -> (u16, serde_json::Value) {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    if let Some(bearer) = bearer {
        head.push_str(&format!("Authorization: Bearer {bearer}\r\n"));
    }
    if !body.is_empty() {
        head.push_str("Content-Type: application/json\r\n");
    }
    write!(stream, "{head}\r\n{body}").unwrap();
    let mut response = String::new();
    std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).and_then(|code| code.parse().ok()).expect("an HTTP status line");
    (status, serde_json::from_str(body).unwrap_or(serde_json::Value::Null))
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

