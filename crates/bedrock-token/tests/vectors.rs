//! Golden vectors made by AWS's official generators (see `tests/fixtures/README.md`).

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bedrock_token::{parse_expiry, sign_token, Credentials, Error};
use serde_json::Value;

fn lines(name: &str) -> Vec<Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn credentials(case: &Value) -> Credentials {
    Credentials::from_keys(
        case["access_key_id"].as_str().unwrap_or(""),
        case["secret_access_key"].as_str().unwrap_or(""),
        case["session_token"].as_str().map(str::to_owned),
    )
}

fn time(case: &Value) -> SystemTime {
    chrono::DateTime::parse_from_rfc3339(case["time"].as_str().unwrap())
        .unwrap()
        .into()
}

/// The case's lifetime as our API takes it: a `Duration`, or for what no `Duration` can hold
/// (a negative number), the text a user would type.
fn expiry(case: &Value) -> Result<Duration, Error> {
    match &case["expires_in"] {
        Value::Null => Ok(bedrock_token::DEFAULT_EXPIRY),
        Value::Number(n) if n.as_f64().unwrap() >= 0.0 => Ok(Duration::from_secs_f64(n.as_f64().unwrap())),
        other => parse_expiry(&other.to_string()),
    }
}

fn sign_case(case: &Value) -> Result<String, Error> {
    let region = case["region"].as_str().unwrap_or("");
    let token = sign_token(&credentials(case), region, expiry(case)?, time(case))?;
    Ok(token.as_str().to_owned())
}

/// The decoded query of a token as a map, to compare tokens whose parameter order differs.
fn params(token: &str) -> BTreeMap<String, String> {
    let b64 = token.strip_prefix("bedrock-api-key-").unwrap();
    let url = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap();
    let query = url.strip_prefix("bedrock.amazonaws.com/?").unwrap();
    query
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

#[test]
fn forty_cases_are_byte_identical_to_the_python_reference() {
    let cases = lines("cases.jsonl");
    let expected = lines("python-reference.jsonl");
    assert_eq!(cases.len(), 40);
    for (case, want) in cases.iter().zip(&expected) {
        let ours = sign_case(case).unwrap_or_else(|e| panic!("{}: {e}", case["id"]));
        assert_eq!(ours, want["token"].as_str().unwrap(), "case {}", case["id"]);
    }
}

#[test]
fn forty_cases_carry_the_js_reference_parameters_and_signature() {
    let cases = lines("cases.jsonl");
    for (case, js) in cases.iter().zip(lines("js-reference.jsonl")) {
        let ours = sign_case(case).unwrap();
        assert_eq!(params(&ours), params(js["token"].as_str().unwrap()), "case {}", case["id"]);
    }
}

#[test]
fn forty_cases_inspect_back_to_their_inputs() {
    for case in lines("cases.jsonl") {
        let token = sign_case(&case).unwrap();
        let info = bedrock_token::inspect_token(&token).unwrap();
        assert_eq!(info.region, case["region"].as_str().unwrap());
        assert_eq!(info.access_key_id, case["access_key_id"].as_str().unwrap());
        assert_eq!(info.lifetime, expiry(&case).unwrap());
        assert_eq!(info.has_session_token, case["session_token"].is_string());
        let whole_second = time(&case).duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(info.issued_at, SystemTime::UNIX_EPOCH + Duration::from_secs(whole_second));
    }
}

/// What we do with each of the 17 edge cases, and why where we differ from the Python reference.
enum Outcome {
    /// Byte-identical to the Python reference's token.
    SameToken,
    /// A deliberate typed error; the closure checks the variant, the text says why.
    Refused(fn(&Error) -> bool, &'static str),
    /// A token, deliberately not the Python one: the text says why.
    OwnToken(&'static str),
}

fn edge_table() -> Vec<(&'static str, Outcome)> {
    use Outcome::*;
    let expiry = |e: &Error| matches!(e, Error::InvalidExpiry { .. });
    let region = |e: &Error| matches!(e, Error::InvalidRegion { .. });
    vec![
        ("e-exp-0", Refused(expiry, "as Python: a lifetime of 0 s is out of range")),
        ("e-exp-43201", Refused(expiry, "as Python: above 12 h")),
        ("e-exp-neg", Refused(|e| matches!(e, Error::UnparsableExpiry { .. }), "as Python: negative")),
        ("e-exp-0.5", Refused(expiry, "Python signs X-Amz-Expires=0, a token dead on arrival; we refuse")),
        ("e-exp-1.5", SameToken),
        ("e-exp-43200.5", Refused(expiry, "as Python: above 12 h by half a second")),
        ("e-exp-1e6", Refused(expiry, "as Python: above 12 h")),
        ("e-region-empty", Refused(region, "as Python: empty region")),
        ("e-region-null", Refused(region, "as Python; no region at all is Error::NoRegion via the chain (CLI tests)")),
        ("e-region-upper", Refused(region, "Python signs US-EAST-1, which AWS rejects; we suggest us-east-1")),
        ("e-region-bogus", Refused(region, "Python signs it, AWS rejects it; we refuse")),
        ("e-st-empty", OwnToken("Python signs an empty X-Amz-Security-Token=; we treat an empty session token as none")),
        ("e-ak-empty", Refused(|e| matches!(e, Error::EmptyCredentialField { field: "access_key_id" }), "Python signs with no key id")),
        ("e-sk-empty", Refused(|e| matches!(e, Error::EmptyCredentialField { field: "secret_access_key" }), "Python signs with an empty secret")),
        ("e-ak-null", Refused(|e| matches!(e, Error::EmptyCredentialField { field: "access_key_id" }), "as Python (TypeError there)")),
        ("e-unicode", SameToken),
        ("e-time-ms", SameToken),
    ]
}

#[test]
fn seventeen_edge_cases_are_the_python_token_or_a_deliberate_typed_error() {
    let cases = lines("edge-cases.jsonl");
    let python = lines("edge-cases.python-reference.jsonl");
    let table = edge_table();
    assert_eq!(cases.len(), table.len());
    for ((case, reference), (id, outcome)) in cases.iter().zip(&python).zip(&table) {
        assert_eq!(case["id"], *id, "table follows the file's order");
        let ours = sign_case(case);
        match outcome {
            Outcome::SameToken => assert_eq!(ours.unwrap(), reference["token"].as_str().unwrap(), "{id}"),
            Outcome::Refused(is_expected, why) => {
                let err = ours.expect_err(why);
                assert!(is_expected(&err), "{id}: {why}: got {err:?}");
            }
            Outcome::OwnToken(why) => {
                let ours = ours.unwrap();
                assert_ne!(ours, reference["token"].as_str().unwrap(), "{id}: {why}");
                let without = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
                let plain = sign_token(&without, "us-east-1", expiry(case).unwrap(), time(case)).unwrap();
                assert_eq!(ours, plain.as_str(), "{id}: {why}");
            }
        }
    }
}

#[test]
fn credentials_expiry_caps_the_token_and_expired_credentials_are_refused() {
    let case = &lines("cases.jsonl")[0];
    let at = time(case);
    let soon = at + Duration::from_secs(600);
    let temporary = Credentials::new("ASIAEXAMPLE", "secret", Some("session".into()), Some(soon), "test");
    let token = sign_token(&temporary, "us-east-1", Duration::from_secs(43_200), at).unwrap();
    assert_eq!(token.expires_at(), soon);
    assert_eq!(token.lifetime(), Duration::from_secs(43_200), "X-Amz-Expires stays as asked");

    let err = sign_token(&temporary, "us-east-1", Duration::from_secs(60), soon).unwrap_err();
    assert!(matches!(err, Error::CredentialsExpired { expired_at } if expired_at == soon), "{err:?}");
}
