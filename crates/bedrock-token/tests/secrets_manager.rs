//! A TokenProvider whose key comes from an AWS Secrets Manager secret, against moto's Secrets
//! Manager: the key handed out, a new version picked up within one poll interval, a failed reload
//! that keeps the key in service, an access key that signs, and typed errors without the value.
//!
//! The provider's clock is a manual one: a poll interval passes when the test advances it.

#[path = "support/moto.rs"]
mod moto;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_secretsmanager::config::{BehaviorVersion, Region};
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::Client;
use aws_smithy_async::test_util::ManualTimeSource;
use base64::Engine as _;
use bedrock_token::{inspect_token, Credentials, Error, SecretsManagerFailure, TimeSource, TokenProvider};
use moto::Moto;

const POLL: Duration = Duration::from_secs(60);
const ACCESS_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/// A throwaway long-term API key of `alice` whose secret part is `secret`.
fn api_key(secret: &str) -> String {
    format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode(format!("alice-at-123456789012:{secret}")))
}

/// The JSON `provision --store` writes for an API key.
fn api_key_value(id: &str, key: &str) -> String {
    serde_json::json!({"kind": "api-key", "id": id, "secret": key, "service_user_name": "alice-at-123456789012",
        "created_at": "2026-12-05T10:00:00Z", "expires_at": null})
    .to_string()
}

fn client(endpoint: &str) -> Client {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", ACCESS_SECRET, None))
        .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(config)
}

fn provider(endpoint: &str, secret: &str, clock: &ManualTimeSource) -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .secrets_manager_secret(secret)
        .secrets_manager_poll_interval(POLL)
        .secrets_manager_client(client(endpoint))
        .load_timeout(Duration::from_secs(20))
        .time_source(clock.clone())
        .refresh_jitter(false)
        .build()
        .unwrap()
}

async fn create(sm: &Client, name: &str, value: &str) -> String {
    sm.create_secret().name(name).secret_string(value).send().await.unwrap().version_id.unwrap()
}

async fn put(sm: &Client, name: &str, value: &str) -> String {
    sm.put_secret_value().secret_id(name).secret_string(value).send().await.unwrap().version_id.unwrap()
}

/// Waits (in real time) until the refresh started beside the cached token has finished.
async fn settle(provider: &TokenProvider) {
    for _ in 0..2000 {
        if !provider.status().refreshing {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the refresh did not finish");
}

fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

/// Captures every log line at TRACE level.
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
async fn an_api_key_is_handed_out_and_a_new_version_within_one_poll_interval() {
    let Some(moto) = Moto::start() else { return };
    let logs = Captured::default();
    let writer = logs.clone();
    let _ = tracing_subscriber::fmt().with_max_level(tracing::Level::TRACE).with_writer(move || writer.clone()).try_init();
    let sm = client(&moto.endpoint);
    let (first, second) = (api_key("first-secret-part"), api_key("second-secret-part"));
    let v1 = create(&sm, "prod/bedrock/ml", &api_key_value("ACCAFIRST", &first)).await;
    let clock = ManualTimeSource::new(SystemTime::now());
    let provider = provider(&moto.endpoint, "prod/bedrock/ml", &clock);

    let token = provider.token().await.unwrap();
    assert_eq!(token.as_str(), first, "the long-term key itself is the token");
    assert_eq!((token.access_key_id(), token.region()), ("ACCAFIRST", "us-east-1"));
    assert_eq!(provider.status().secret_version_id.as_deref(), Some(v1.as_str()));
    assert!(provider.status().refresh_at.unwrap() <= clock.now() + POLL, "polled again within one interval");

    let v2 = put(&sm, "prod/bedrock/ml", &api_key_value("ACCASECOND", &second)).await;
    assert_eq!(provider.token().await.unwrap().as_str(), first, "fresh until the poll interval ends");
    clock.advance(POLL);
    assert_eq!(provider.token().await.unwrap().as_str(), first, "served while the poll runs beside it");
    settle(&provider).await;
    let token = provider.token().await.unwrap();
    assert_eq!((token.as_str(), token.access_key_id()), (second.as_str(), "ACCASECOND"), "the new AWSCURRENT version");
    assert_eq!(provider.status().secret_version_id.as_deref(), Some(v2.as_str()));

    // Nothing changed: the next poll keeps the key.
    clock.advance(POLL);
    provider.token().await.unwrap();
    settle(&provider).await;
    assert_eq!(provider.token().await.unwrap().as_str(), second);
    assert_eq!(provider.status().consecutive_failures, 0);

    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("read the key from the Secrets Manager secret"), "logs were captured: {logs}");
    let shown = format!("{provider:?} {:?} {:?} {logs}", provider.status(), token);
    assert_clean("Debug and logs", &shown, &[&first, &second, "first-secret-part", "second-secret-part", &first[4..40]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_reload_keeps_serving_the_key_and_status_says_why() {
    let Some(mut moto) = Moto::start() else { return };
    let sm = client(&moto.endpoint);
    let key = api_key("kept-secret-part");
    create(&sm, "team/key", &api_key_value("ACCAKEPT", &key)).await;
    let clock = ManualTimeSource::new(SystemTime::now());
    let provider = provider(&moto.endpoint, "team/key", &clock);
    assert_eq!(provider.token().await.unwrap().as_str(), key);

    // The secret is deleted: the key stays in service, the reload's failure is reported.
    sm.delete_secret().secret_id("team/key").force_delete_without_recovery(true).send().await.unwrap();
    clock.advance(POLL);
    assert_eq!(provider.token().await.unwrap().as_str(), key);
    settle(&provider).await;
    let status = provider.status();
    assert_eq!(status.consecutive_failures, 1);
    match status.last_error {
        Some(Error::SecretsManager { secret, failure: SecretsManagerFailure::NotFound { region } }) => {
            assert_eq!((secret.as_str(), region.as_str()), ("team/key", "us-east-1"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(provider.token().await.unwrap().as_str(), key, "still served");

    // Secrets Manager is unreachable: the same.
    moto.stop();
    clock.advance(Duration::from_secs(120));
    assert_eq!(provider.token().await.unwrap().as_str(), key);
    settle(&provider).await;
    let status = provider.status();
    assert_eq!(status.consecutive_failures, 2);
    let err = status.last_error.unwrap();
    assert!(matches!(&err, Error::SecretsManager { failure: SecretsManagerFailure::Unreachable { .. }, .. }), "{err:?}");
    assert!(err.to_string().starts_with("Secrets Manager secret \"team/key\": Secrets Manager could not be reached: "), "{err}");
    assert_eq!(provider.token().await.unwrap().as_str(), key, "still served");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_key_signs_short_term_tokens() {
    let Some(moto) = Moto::start() else { return };
    let sm = client(&moto.endpoint);
    let value = serde_json::json!({"kind": "access-key", "id": "AKIAIOSFODNN7EXAMPLE", "secret": ACCESS_SECRET,
        "service_user_name": null, "created_at": null, "expires_at": null});
    create(&sm, "team/access", &value.to_string()).await;
    let clock = ManualTimeSource::new(SystemTime::now());
    let provider = provider(&moto.endpoint, "team/access", &clock);

    let token = provider.token().await.unwrap();
    let info = inspect_token(token.as_str()).unwrap();
    assert_eq!((info.access_key_id.as_str(), info.region.as_str()), ("AKIAIOSFODNN7EXAMPLE", "us-east-1"), "the credential scope names the key");
    let expected = bedrock_token::sign_token(
        &Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", ACCESS_SECRET, None),
        "us-east-1",
        bedrock_token::DEFAULT_EXPIRY,
        token.issued_at(),
    )
    .unwrap();
    assert_eq!(token.as_str(), expected.as_str(), "signed with the secret's key");

    // The rotated key signs from the next poll on.
    let rotated = serde_json::json!({"kind": "access-key", "id": "AKIAI44QH8DHBEXAMPLE", "secret": "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"});
    put(&sm, "team/access", &rotated.to_string()).await;
    clock.advance(POLL);
    provider.token().await.unwrap();
    settle(&provider).await;
    assert_eq!(provider.token().await.unwrap().access_key_id(), "AKIAI44QH8DHBEXAMPLE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_secrets_are_typed_errors_without_the_value() {
    let Some(moto) = Moto::start() else { return };
    let sm = client(&moto.endpoint);
    let clock = ManualTimeSource::new(SystemTime::now());
    let key = api_key("never-shown-part");
    let cases: Vec<(&str, String)> = vec![
        ("not-json", format!("kind=api-key secret={ACCESS_SECRET}")),
        ("no-kind", serde_json::json!({"id": "AKIA1", "secret": ACCESS_SECRET}).to_string()),
        ("unknown-kind", serde_json::json!({"kind": "ssh-key", "id": "K1", "secret": ACCESS_SECRET}).to_string()),
        ("bad-api-key", serde_json::json!({"kind": "api-key", "id": "ACCA1", "secret": ACCESS_SECRET}).to_string()),
        ("secret-not-text", serde_json::json!({"kind": "access-key", "id": "AKIA1", "secret": [ACCESS_SECRET]}).to_string()),
        ("expired", serde_json::json!({"kind": "api-key", "id": "ACCA1", "secret": key, "expires_at": "2020-01-01T00:00:00Z"}).to_string()),
    ];
    for (name, value) in &cases {
        create(&sm, name, value).await;
    }
    sm.create_secret().name("binary").secret_binary(Blob::new(ACCESS_SECRET.as_bytes())).send().await.unwrap();
    create(&sm, "scheduled", &api_key_value("ACCA1", &key)).await;
    sm.delete_secret().secret_id("scheduled").send().await.unwrap();

    let failure = |name: &'static str| failure_of(provider(&moto.endpoint, name, &clock), name, &key);
    let malformed = |failure: SecretsManagerFailure| match failure {
        SecretsManagerFailure::MalformedValue { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(malformed(failure("not-json").await), "value");
    assert_eq!(malformed(failure("no-kind").await), "kind");
    assert_eq!(failure("unknown-kind").await, SecretsManagerFailure::UnknownKind { kind: "ssh-key".into() });
    assert_eq!(malformed(failure("bad-api-key").await), "secret");
    assert_eq!(malformed(failure("secret-not-text").await), "secret");
    assert!(matches!(failure("expired").await, SecretsManagerFailure::KeyExpired { .. }));
    assert_eq!(failure("binary").await, SecretsManagerFailure::NotText);
    assert_eq!(failure("scheduled").await, SecretsManagerFailure::MarkedForDeletion);
    assert_eq!(failure("missing").await, SecretsManagerFailure::NotFound { region: "us-east-1".into() });
    let err = provider(&moto.endpoint, "unknown-kind", &clock).token().await.unwrap_err();
    assert_eq!(err.to_string(), "Secrets Manager secret \"unknown-kind\": its value is not a key bedrock-token wrote: kind: ssh-key is not one of \"api-key\", \"access-key\"");
}

/// The reason `provider` gives for its secret `name`, checked to show no part of a key.
async fn failure_of(provider: TokenProvider, name: &str, key: &str) -> SecretsManagerFailure {
    match provider.token().await {
        Err(err @ Error::SecretsManager { .. }) => {
            for shown in [err.to_string(), format!("{err:?}"), bedrock_token::error_chain(&err)] {
                assert_clean(name, &shown, &[ACCESS_SECRET, "wJalr", key, "never-shown-part"]);
            }
            assert!(!err.is_invalid_input(), "the secret's value, not the caller's settings");
            let Error::SecretsManager { failure, .. } = err else { unreachable!() };
            failure
        }
        other => panic!("{name}: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_load_is_bounded_by_the_load_timeout() {
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let provider = TokenProvider::builder()
        .region("us-east-1")
        .secrets_manager_secret("team/key")
        .secrets_manager_client(client(&endpoint))
        .load_timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let err = provider.token().await.unwrap_err();
    assert!(matches!(err, Error::LoadTimeout { .. }), "{err:?}");
    assert_eq!(provider.status().consecutive_failures, 1);
}

#[test]
fn settings_out_of_range_are_refused_naming_the_setting() {
    let err = TokenProvider::builder().region("us-east-1").secrets_manager_secret("s").secrets_manager_poll_interval(Duration::from_secs(5)).build().unwrap_err();
    assert_eq!(err.to_string(), "secrets_manager_poll_interval: 5 s is out of range; allowed 10 s to 43200 s (12 h)");
    let err = TokenProvider::builder().region("us-east-1").secrets_manager_poll_interval(Duration::from_secs(60)).build().unwrap_err();
    assert_eq!(err.to_string(), "secrets_manager_poll_interval: applies only to a key from Secrets Manager; set secrets_manager_secret too");
    let err = TokenProvider::builder().region("us-east-1").secrets_manager_secret("").build().unwrap_err();
    assert!(matches!(err, Error::InvalidSetting { field: "secrets_manager_secret", .. }) && err.is_invalid_input(), "{err:?}");
}
