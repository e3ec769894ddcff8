//! A `TokenProvider` as the token provider of the real `aws-sdk-bedrockruntime` client, against the
//! verifying test endpoint (tests/bedrock_endpoint, run with `node`): the endpoint answers only a
//! bearer token it can verify from its table of credentials, so a wrong, stale or missing token
//! fails these tests.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::token::ProvideToken;
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Region};
use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;
use bedrock_token::{Credentials, TokenProvider};

#[path = "../../../tests/bedrock_endpoint/endpoint.rs"]
mod endpoint;
use endpoint::Endpoint;

const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const MODEL: &str = "amazon.nova-lite-v1:0";

fn provider(region: &str, secret: &str) -> bedrock_token::TokenProviderBuilder {
    TokenProvider::builder()
        .region(region)
        .credentials_provider(Credentials::from_keys(KEY_ID, secret, None))
}

fn client(endpoint: &Endpoint, region: &str, provider: TokenProvider) -> aws_sdk_bedrockruntime::Client {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .endpoint_url(&endpoint.http)
        .token_provider(provider)
        .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
        .build();
    aws_sdk_bedrockruntime::Client::from_conf(config)
}

async fn converse(client: &aws_sdk_bedrockruntime::Client) -> Result<String, String> {
    let message = Message::builder().role(ConversationRole::User).content(ContentBlock::Text("hi".into())).build().unwrap();
    match client.converse().model_id(MODEL).messages(message).send().await {
        Ok(output) => Ok(output.output().unwrap().as_message().unwrap().content()[0].as_text().unwrap().clone()),
        Err(error) => Err(aws_sdk_bedrockruntime::error::DisplayErrorContext(error).to_string()),
    }
}

#[tokio::test]
async fn converse_authenticates_with_the_providers_token() {
    let endpoint = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    let client = client(&endpoint, "us-east-1", provider("us-east-1", SECRET).build().unwrap());
    assert_eq!(converse(&client).await.unwrap(), format!("reply from {MODEL} to: hi"));
    let log = endpoint.requests();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0]["path"].as_str(), log[0]["status"].as_i64(), log[0]["accessKeyId"].as_str()),
        (Some("/model/amazon.nova-lite-v1%3A0/converse"), Some(200), Some(KEY_ID)));
}

#[tokio::test]
async fn a_token_the_endpoint_cannot_verify_is_refused() {
    let endpoint = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    let wrong_secret = client(&endpoint, "us-east-1", provider("us-east-1", "not-the-secret").build().unwrap());
    let error = converse(&wrong_secret).await.unwrap_err();
    assert!(error.contains("AccessDeniedException") && error.contains("the bearer token signature does not match"), "{error}");
    let wrong_region = client(&endpoint, "us-east-1", provider("us-west-2", SECRET).build().unwrap());
    let error = converse(&wrong_region).await.unwrap_err();
    assert!(error.contains("bearer token is signed for region us-west-2, this endpoint is us-east-1"), "{error}");
    assert!(endpoint.requests().iter().all(|r| r["status"] == 403));
}

#[tokio::test]
async fn the_sdk_is_told_to_come_back_at_the_refresh_point() {
    let provider = provider("us-east-1", SECRET).build().unwrap();
    let token = provider.provide_token().await.unwrap();
    let refresh_at = provider.status().refresh_at.unwrap();
    assert_eq!(token.expiration(), Some(refresh_at));
    assert!(refresh_at < provider.cached_token().unwrap().expires_at());
    assert_eq!(token.token(), provider.cached_token().unwrap().as_str());
}

#[tokio::test]
async fn a_long_running_client_gets_a_new_token_after_the_refresh_point() {
    let endpoint = Endpoint::start("us-east-1", &[(KEY_ID, SECRET)]);
    // 6 s tokens replaced 3 s before they expire. 4 s later the first token is past its refresh
    // point: the SDK must ask again. The provider may still serve it (it is valid for 2 s more)
    // while its refresh runs beside it; once that refresh is done, the client sends the new token.
    let provider = provider("us-east-1", SECRET)
        .expiry(Duration::from_secs(6))
        .refresh_margin(Duration::from_secs(3))
        .refresh_jitter(false)
        .build()
        .unwrap();
    let client = client(&endpoint, "us-east-1", provider.clone());
    converse(&client).await.unwrap();
    let first_refresh_point = provider.status().refresh_at.unwrap();
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(SystemTime::now() > first_refresh_point);
    converse(&client).await.unwrap();
    for _ in 0..100 {
        if provider.status().refresh_at.unwrap() > first_refresh_point {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    converse(&client).await.unwrap();
    let log = endpoint.requests();
    assert!(log.iter().all(|r| r["status"] == 200), "{log:?}");
    let signed: Vec<&str> = log.iter().map(|r| r["signedAt"].as_str().unwrap()).collect();
    assert_eq!(signed.len(), 3);
    assert!(signed[2] > signed[0], "the SDK kept a token past its refresh point: {signed:?}");
}

