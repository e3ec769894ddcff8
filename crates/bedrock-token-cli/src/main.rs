//! `bedrock-token`: print, inspect and provision Amazon Bedrock API keys.
//!
//! Exit codes: 0 ok, 2 usage or validation error, 1 any other failure. Errors go to stderr as
//! one line; secrets go only to stdout, and only when asked for.

mod inspect;
mod output;
mod token;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Amazon Bedrock API keys from your AWS credentials.
#[derive(Debug, Parser)]
#[command(name = "bedrock-token", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a short-term Bedrock API key signed with the default AWS credentials.
    Token(token::TokenArgs),
    /// Print the parts of a Bedrock API key (never its signature or session token).
    Inspect(inspect::InspectArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    // Logs go to stderr, filtered by RUST_LOG (off by default); they never carry secrets.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime");
    let result = runtime.block_on(async {
        match cli.command {
            Command::Token(args) => token::run(args).await,
            Command::Inspect(args) => inspect::run(args),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("bedrock-token: error: {}", output::one_line(&err));
            ExitCode::from(if err.is_invalid_input() { 2 } else { 1 })
        }
    }
}
