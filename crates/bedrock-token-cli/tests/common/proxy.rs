//! A loopback HTTP proxy between the command and the IAM emulator that cuts the connection at
//! one chosen request: before passing the request on (IAM never saw it) or after IAM answered
//! (IAM did it, the caller never hears). It counts requests and records each one's action (the
//! `Action` of a query-protocol body, as IAM and STS take it, or the `X-Amz-Target` operation of a
//! JSON-protocol request, as Secrets Manager takes it). It can also hold one request until the
//! test has done something in between (another run's step, at a known point).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where the connection is cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// The request never reaches IAM.
    BeforeRequest,
    /// IAM carries the request out; its answer is lost.
    AfterAnswer,
}

#[derive(Default)]
struct Shared {
    /// The IAM action of each request so far, in order.
    actions: Vec<String>,
    /// Cut at this request index (0-based), once.
    cut: Option<(usize, Cut)>,
    /// Cut every request of this action.
    cut_every: Option<(String, Cut)>,
    /// Hold the request at this index (0-based) until released.
    hold: Option<usize>,
    /// Whether that request arrived and waits.
    holding: bool,
}

pub struct Proxy {
    pub endpoint: String,
    shared: Arc<(Mutex<Shared>, Condvar)>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards to `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new((Mutex::new(Shared::default()), Condvar::new()));
        let state = shared.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (state, upstream) = (state.clone(), upstream.clone());
                std::thread::spawn(move || serve(client, &upstream, &state));
            }
        });
        Proxy { endpoint, shared }
    }

    /// Forgets the requests seen and cuts at request `index` from now on (`None`: never).
    pub fn arm(&self, cut: Option<(usize, Cut)>) {
        let mut shared = self.shared.0.lock().unwrap();
        shared.actions.clear();
        shared.cut = cut;
    }

    /// Cuts every request of `action` from now on (`None`: none).
    pub fn cut_every(&self, cut: Option<(&str, Cut)>) {
        self.shared.0.lock().unwrap().cut_every = cut.map(|(action, cut)| (action.to_owned(), cut));
    }

    /// The IAM actions of the requests since the last [`Proxy::arm`].
    pub fn actions(&self) -> Vec<String> {
        self.shared.0.lock().unwrap().actions.clone()
    }

    /// Forgets the requests seen and holds request `index` (0-based from now) before passing it
    /// on, until [`Proxy::release`].
    pub fn hold(&self, index: usize) {
        let mut shared = self.shared.0.lock().unwrap();
        shared.actions.clear();
        shared.hold = Some(index);
    }

    /// Waits (60 s at most) until the held request has arrived; then it waits for
    /// [`Proxy::release`].
    pub fn wait_held(&self) {
        let (lock, arrived) = &*self.shared;
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut shared = lock.lock().unwrap();
        while !shared.holding {
            assert!(Instant::now() < deadline, "the request to hold never came: {:?}", shared.actions);
            shared = arrived.wait_timeout(shared, Duration::from_millis(100)).unwrap().0;
        }
    }

    /// Lets the held request go on.
    pub fn release(&self) {
        let (lock, changed) = &*self.shared;
        let mut shared = lock.lock().unwrap();
        shared.hold = None;
        shared.holding = false;
        changed.notify_all();
    }
}

/// One request per connection: the answer goes back with `Connection: close`.
fn serve(client: TcpStream, upstream: &str, shared: &(Mutex<Shared>, Condvar)) {
    let mut reader = BufReader::new(client.try_clone().unwrap());
    let Some(request) = read_request(&mut reader) else { return };
    let action = form_value(&request, "Action").or_else(|| json_target(&request)).unwrap_or_default();
    let cut = {
        let (lock, changed) = shared;
        let mut shared = lock.lock().unwrap();
        let index = shared.actions.len();
        shared.actions.push(action.clone());
        if shared.hold == Some(index) {
            shared.holding = true;
            changed.notify_all();
            while shared.hold == Some(index) {
                shared = changed.wait(shared).unwrap();
            }
        }
        match (&shared.cut, &shared.cut_every) {
            (Some((at, cut)), _) if *at == index => Some(*cut),
            (_, Some((every, cut))) if *every == action => Some(*cut),
            _ => None,
        }
    };
    if cut == Some(Cut::BeforeRequest) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut server = TcpStream::connect(upstream).unwrap();
    server.write_all(&request).unwrap();
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).unwrap();
    if cut == Some(Cut::AfterAnswer) {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let mut client = client;
    let _ = client.write_all(&answer);
    let _ = client.shutdown(Shutdown::Both);
}

/// Reads a request head and its `Content-Length` body, and rewrites it to close the upstream
/// connection after the answer.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().ok()?;
        }
        if lower.starts_with("connection:") {
            continue;
        }
        if line == "\r\n" {
            head.extend_from_slice(b"Connection: close\r\n\r\n");
            break;
        }
        head.extend_from_slice(line.as_bytes());
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

/// A field of the form-encoded body (IAM's query protocol), e.g. `Action`.
fn form_value(request: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(request);
    let body = text.split("\r\n\r\n").nth(1)?;
    body.split('&').find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_owned))
}

/// The operation of a JSON-protocol request (`X-Amz-Target: AWSOrganizationsV20161128.AttachPolicy`).
fn json_target(request: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(request);
    let head = text.split("\r\n\r\n").next()?;
    let target = head.lines().find_map(|line| line.split_once(':').filter(|(name, _)| name.eq_ignore_ascii_case("x-amz-target")).map(|(_, value)| value.trim().to_owned()))?;
    target.rsplit_once('.').map(|(_, action)| action.to_owned())
}
