//! The moto server (`tests/iam_emulator/server.py`, which serves Secrets Manager as well as IAM)
//! on a loopback port, for the core's tests of a key read from Secrets Manager.
//!
//! It runs as `BEDROCK_TOKEN_MOTO_SERVER` (`.ci/run` sets it), else as `python3
//! tests/iam_emulator/server.py`. Without moto the tests say so and pass, except under `CI=true`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    pub endpoint: String,
}

impl Moto {
    pub fn start() -> Option<Self> {
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
        let spawned = command.args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
        let mut moto = match spawned {
            Ok(child) => Moto { child, endpoint: format!("http://127.0.0.1:{port}") },
            Err(err) => return skip(&err.to_string()),
        };
        let started = Instant::now();
        while !answers_as_moto(port) {
            if let Some(status) = moto.child.try_wait().unwrap() {
                return skip(&format!("the emulator exited ({status}); is moto installed?"));
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the emulator did not answer on {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Stops the server: later calls find nothing listening.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

fn skip(why: &str) -> Option<Moto> {
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI=true but the emulator cannot start: {why}");
    eprintln!("SKIPPED: {why}; pip install 'moto[server]' or set BEDROCK_TOKEN_MOTO_SERVER");
    None
}

fn answers_as_moto(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = "POST /moto-api/reset HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n";
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.starts_with("HTTP/1.")
        && response.contains(" 200 ")
}
