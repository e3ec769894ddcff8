//! Asks a model one question through `aws-sdk-bedrockruntime`, authenticated by a `TokenProvider`'s
//! Bedrock API keys (the bearer scheme) instead of SigV4: the provider signs them from the default
//! credentials and re-signs before they expire; the SDK comes back for a new one at its refresh point.
//!
//! ```sh
//! AWS_REGION=us-east-1 cargo run --example bedrock_runtime -- amazon.nova-lite-v1:0 "Hello"
//! ```
//!
//! The SDK's endpoint overrides apply (`AWS_ENDPOINT_URL_BEDROCK_RUNTIME`).

use std::process::ExitCode;

use aws_sdk_bedrockruntime::types::{ContentBlock, ConversationRole, Message};
use aws_smithy_runtime_api::client::auth::http::HTTP_BEARER_AUTH_SCHEME_ID;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, question] = args.as_slice() else {
        eprintln!("usage: bedrock_runtime MODEL_ID QUESTION");
        return ExitCode::from(2);
    };
    let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let Some(region) = sdk_config.region() else {
        eprintln!("bedrock_runtime: no region: set AWS_REGION");
        return ExitCode::from(2);
    };
    let provider = match bedrock_token::TokenProvider::builder().region(region.as_ref()).build() {
        Ok(provider) => provider,
        Err(err) => {
            eprintln!("bedrock_runtime: {err}");
            return ExitCode::from(2);
        }
    };
    let config = aws_sdk_bedrockruntime::config::Builder::from(&sdk_config)
        .token_provider(provider)
        .auth_scheme_preference([HTTP_BEARER_AUTH_SCHEME_ID])
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    let message = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(question.clone()))
        .build()
        .expect("role and content are set");
    match client.converse().model_id(model).messages(message).send().await {
        Ok(output) => {
            for block in output.output().and_then(|o| o.as_message().ok()).map(|m| m.content()).unwrap_or_default() {
                if let Ok(text) = block.as_text() {
                    println!("{text}");
                }
            }
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("bedrock_runtime: {}", aws_sdk_bedrockruntime::error::DisplayErrorContext(err));
            ExitCode::FAILURE
        }
    }
}
