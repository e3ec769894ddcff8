//! No secret key, session token or bearer token in any `Debug`, `Display`, error or log line.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bedrock_token::{inspect_token, sign_token, Credentials, Error, TokenProvider};

const SECRET: &str = "SECRETzz/SECRETzz+SECRETzzSECRETzzSECRET";
const SESSION: &str = "SESSIONTOKENyy/SESSIONTOKENyy+SESSIONTOKENyy==";

fn at() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800)
}

fn credentials(expiry: Option<SystemTime>) -> Credentials {
    Credentials::new("ASIAEXAMPLEKEYID0001", SECRET, Some(SESSION.into()), expiry, "test")
}

fn assert_clean(what: &str, text: &str, token: &str) {
    let encoded_session = SESSION.replace('/', "%2F").replace('+', "%2B").replace('=', "%3D");
    for needle in [SECRET, SESSION, &encoded_session, "SECRETzz", "SESSIONTOKENyy", &token[16..80]] {
        assert!(!text.contains(needle), "{what} leaks {needle:?}: {text}");
    }
}

/// Every error the signer and inspector can return, with secrets in the credentials.
fn every_error() -> Vec<Error> {
    let good = credentials(None);
    let token = sign_token(&good, "us-east-1", Duration::from_secs(60), at()).unwrap();
    let cut = &token.as_str()[..token.as_str().len() - 9];
    vec![
        sign_token(&good, "US-EAST-1", Duration::from_secs(60), at()).unwrap_err(),
        sign_token(&good, SECRET, Duration::from_secs(60), at()).unwrap_err(),
        sign_token(&good, "us-east-1", Duration::ZERO, at()).unwrap_err(),
        sign_token(&Credentials::new("", SECRET, Some(SESSION.into()), None, "t"), "us-east-1", Duration::from_secs(1), at()).unwrap_err(),
        sign_token(&Credentials::new("AKID", "", Some(SESSION.into()), None, "t"), "us-east-1", Duration::from_secs(1), at()).unwrap_err(),
        sign_token(&credentials(Some(at())), "us-east-1", Duration::from_secs(60), at()).unwrap_err(),
        sign_token(&good, "us-east-1", Duration::from_secs(60), SystemTime::UNIX_EPOCH - Duration::from_secs(1)).unwrap_err(),
        bedrock_token::parse_expiry(SECRET).unwrap_err(),
        inspect_token(cut).unwrap_err(),
        inspect_token(&token.as_str().replace("bedrock-api-key-", "bedrock-api-kex-")).unwrap_err(),
        inspect_token(SECRET).unwrap_err(),
    ]
}

#[test]
fn tokens_errors_and_inspection_never_show_secrets() {
    let token = sign_token(&credentials(None), "us-east-1", Duration::from_secs(60), at()).unwrap();
    assert_clean("Token Debug", &format!("{token:?}"), token.as_str());
    assert_eq!(format!("{token}"), "bedrock-api-key-****");
    assert_clean("TokenInfo Debug", &format!("{:?}", inspect_token(token.as_str()).unwrap()), token.as_str());
    let errors = every_error();
    assert_eq!(errors.len(), 11);
    for err in errors {
        assert_clean("error Display", &err.to_string(), token.as_str());
        assert_clean("error Debug", &format!("{err:?}"), token.as_str());
    }
}

/// Captures every log line of the test at TRACE level.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_logs_and_debug_never_show_secrets() {
    let logs = Captured::default();
    let writer = logs.clone();
    // Global: refreshes run on runtime workers, not on the test's thread.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .init();

    let provider = TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials(None))
        .build()
        .unwrap();
    let token = provider.token().await.unwrap();
    provider.refresh().await.unwrap();
    let expired = TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(credentials(Some(SystemTime::now() - Duration::from_secs(1))))
        .build()
        .unwrap();
    let err = expired.token().await.unwrap_err();

    assert_clean("provider Debug", &format!("{provider:?}"), token.as_str());
    assert_clean("provider error", &format!("{err} {err:?}"), token.as_str());
    assert_clean("status Debug", &format!("{:?}", expired.status()), token.as_str());
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("refreshed the Bedrock API key"), "logs were captured: {logs}");
    assert!(logs.contains("refreshing the Bedrock API key failed"), "failure logged: {logs}");
    assert_clean("logs", &logs, token.as_str());
}
