//! Prints a 1-hour Bedrock API key made from the default AWS credentials and region.
//!
//! ```sh
//! AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY \
//!   AWS_REGION=us-east-1 cargo run --example provide_token
//! ```

use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), bedrock_token::Error> {
    let token = bedrock_token::provide_token(Duration::from_secs(3600)).await?;
    eprintln!("{token:?}"); // redacted: Token { value: "bedrock-api-key-****", region: …, expires_at: … }
    println!("{}", token.as_str());
    Ok(())
}
