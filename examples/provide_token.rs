//! Prints a 1-hour Bedrock API key made from the default AWS credentials and region.
//!
//! ```sh
//! AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
//!   AWS_REGION=us-east-1 cargo run --example provide_token
//! ```

use std::process::ExitCode;
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match bedrock_token::provide_token(Duration::from_secs(3600)).await {
        Ok(token) => {
            eprintln!("{token:?}"); // redacted: Token { value: "bedrock-api-key-****", region: …, expires_at: … }
            println!("{}", token.as_str());
            ExitCode::SUCCESS
        }
        Err(err) => {
            // The message, as a person reads it (`main` returning the error would print its Debug form).
            eprintln!("provide_token: {}", bedrock_token::error_chain(&err));
            ExitCode::FAILURE
        }
    }
}
