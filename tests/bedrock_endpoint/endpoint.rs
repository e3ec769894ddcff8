//! The verifying Bedrock test endpoint (server.js beside this file, run with `node`) for Rust
//! tests: `#[path = "…/tests/bedrock_endpoint/endpoint.rs"] mod endpoint;` in a test crate.

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
        static STARTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bedrock-endpoint-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let credentials = dir.join("credentials.json");
        let table: Vec<_> = keys.iter().map(|(id, secret)| serde_json::json!({"accessKeyId": id, "secretAccessKey": secret})).collect();
        std::fs::write(&credentials, serde_json::Value::from(table).to_string()).unwrap();
        let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/bedrock_endpoint/server.js");
        let mut child = Command::new("node")
            .arg(server)
            .args(["--region", region, "--credentials"])
            .arg(&credentials)
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
    /// each verified token.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        let addr = self.http.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        write!(stream, "GET /__endpoint/requests HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
        let mut response = String::new();
        std::io::Read::read_to_string(&mut stream, &mut response).unwrap();
        let body = response.split_once("\r\n\r\n").unwrap().1;
        serde_json::from_str::<serde_json::Value>(body).unwrap().as_array().unwrap().clone()
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

