//! A long-running service loop that asks a `TokenProvider` for a token on every request.
//!
//! The provider signs once, serves the cached token, replaces it before it expires (in the
//! background here, so no request waits), and keeps serving it if a refresh fails.
//!
//! ```sh
//! AWS_REGION=us-east-1 cargo run --example token_provider -- 5   # five "requests", one a second
//! ```

use std::process::ExitCode;
use std::time::Duration;

use bedrock_token::TokenProvider;

#[tokio::main]
async fn main() -> ExitCode {
    match serve().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("token_provider: {}", bedrock_token::error_chain(&err));
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), bedrock_token::Error> {
    let requests: u32 = std::env::args().nth(1).and_then(|n| n.parse().ok()).unwrap_or(3);
    let provider = TokenProvider::builder()
        .expiry(Duration::from_secs(6 * 3600))
        .background_refresh(true)
        .build()?;

    for request in 1..=requests {
        let token = provider.token().await?; // cached: a lock-free read after the first call
        // Here a real service sends `Authorization: Bearer {token.as_str()}` to Bedrock.
        println!(
            "request {request}: token for {} valid until {}",
            token.region(),
            bedrock_token::rfc3339(token.expires_at())
        );
        let status = provider.status();
        if status.consecutive_failures > 0 {
            eprintln!("refresh failing ({}x), still serving the valid token", status.consecutive_failures);
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(())
}
