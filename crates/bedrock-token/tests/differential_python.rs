//! Differential test against AWS's official Python generator, `aws-bedrock-token-generator`
//! 1.1.0, run with its clock frozen at each case's time (`scripts/python_reference.py`).
//!
//! Needs `BEDROCK_TOKEN_REFERENCE_PYTHON`: a Python with the reference installed (`.ci/run`
//! makes one). Without it the test says so and passes, except under `CI=true`, where it fails.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use bedrock_token::{rfc3339, sign_token, Credentials};
use serde_json::{json, Value};

/// A small deterministic generator (xorshift64*), so a failing case can be reproduced.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn text(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char).collect()
    }
}

const REGIONS: &[&str] = &[
    "us-east-1", "us-east-2", "us-west-2", "ca-central-1", "sa-east-1", "eu-west-1", "eu-central-2",
    "eu-south-2", "il-central-1", "me-central-1", "af-south-1", "ap-south-1", "ap-northeast-3",
    "ap-southeast-5", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
    "us-iso-east-1", "us-isob-east-1", "eusc-de-east-1",
];
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const BASE64ISH: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+=";

fn random_case(rng: &mut Rng) -> Value {
    let prefix = if rng.below(2) == 0 { "AKIA" } else { "ASIA" };
    // A quarter without a session token (long-term keys); the rest 1..=1200 characters.
    let session_len = if rng.below(4) == 0 { 0 } else { 1 + rng.below(1200) as usize };
    // 2000-01-01 .. 2099-12-31
    let seconds = 946_684_800 + rng.below(4_102_444_800 - 946_684_800);
    json!({
        "access_key_id": format!("{prefix}{}", rng.text(UPPER_ALNUM, 16)),
        "secret_access_key": rng.text(BASE64ISH, 40),
        "session_token": if session_len == 0 { Value::Null } else { Value::from(rng.text(BASE64ISH, session_len)) },
        "region": REGIONS[rng.below(REGIONS.len() as u64) as usize],
        "expires_in": 1 + rng.below(43_200),
        "time": rfc3339(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)),
    })
}

fn reference_tokens(python: &str, cases: &[Value]) -> Vec<Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/python_reference.py");
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let mut stdin = child.stdin.take().unwrap();
    let input: String = cases.iter().map(|case| format!("{case}\n")).collect();
    // Written from a thread: the driver answers as it reads, and a full stdout pipe would block it.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "reference driver failed");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn two_hundred_random_inputs_match_the_official_python_generator() {
    let Ok(python) = std::env::var("BEDROCK_TOKEN_REFERENCE_PYTHON") else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but BEDROCK_TOKEN_REFERENCE_PYTHON is not set: the differential test must run in CI"
        );
        eprintln!("SKIPPED: set BEDROCK_TOKEN_REFERENCE_PYTHON to a Python with aws-bedrock-token-generator==1.1.0");
        return;
    };
    let seed = 0x5EED_2026_0124_u64;
    let mut rng = Rng(seed);
    let cases: Vec<Value> = (0..200).map(|_| random_case(&mut rng)).collect();
    let reference = reference_tokens(&python, &cases);
    assert_eq!(reference.len(), cases.len());

    let mut with_session_token = 0;
    for (i, (case, want)) in cases.iter().zip(&reference).enumerate() {
        let credentials = Credentials::from_keys(
            case["access_key_id"].as_str().unwrap(),
            case["secret_access_key"].as_str().unwrap(),
            case["session_token"].as_str().map(str::to_owned),
        );
        with_session_token += usize::from(case["session_token"].is_string());
        let at = chrono::DateTime::parse_from_rfc3339(case["time"].as_str().unwrap()).unwrap().into();
        let lifetime = Duration::from_secs(case["expires_in"].as_u64().unwrap());
        let ours = sign_token(&credentials, case["region"].as_str().unwrap(), lifetime, at).unwrap();
        let want = want["token"].as_str().unwrap_or_else(|| panic!("reference refused case {i}: {want}"));
        assert!(ours.as_str() == want, "case {i} (seed {seed:#x}) differs: region {} time {}", case["region"], case["time"]);
    }
    assert!((100..190).contains(&with_session_token), "both kinds of credentials are exercised");
    println!("200 random inputs identical to aws-bedrock-token-generator 1.1.0 ({with_session_token} with session tokens)");
}
