//! Runs a command with `AWS_BEARER_TOKEN_BEDROCK` set to a fresh key, the variable AWS SDKs and
//! tools read for Bedrock API keys.
//!
//! ```sh
//! AWS_REGION=us-east-1 cargo run --example run_with_token -- python my_bedrock_app.py
//! ```

use std::process::{Command, ExitCode};
use std::time::Duration;

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(program) = args.next() else {
        eprintln!("usage: run_with_token COMMAND [ARGS...]");
        return ExitCode::from(2);
    };
    let token = match bedrock_token::provide_token(Duration::from_secs(12 * 3600)).await {
        Ok(token) => token,
        Err(err) => {
            eprintln!("run_with_token: {err}");
            return ExitCode::from(1);
        }
    };
    let status = Command::new(program)
        .args(args)
        .env("AWS_BEARER_TOKEN_BEDROCK", token.as_str())
        .status();
    match status {
        Ok(status) => ExitCode::from(status.code().unwrap_or(1) as u8),
        Err(err) => {
            eprintln!("run_with_token: {err}");
            ExitCode::from(1)
        }
    }
}
