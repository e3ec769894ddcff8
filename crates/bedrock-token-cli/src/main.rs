//! `bedrock-token`: print, inspect and provision Amazon Bedrock API keys.
//!
//! Exit codes: 0 ok, 2 usage or validation error, 1 any other failure. Errors go to stderr as
//! one line; secrets go only to stdout, and only when asked for.

mod inspect;
mod output;
mod provision;
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
    /// Create or converge a business unit's IAM user, Bedrock policy and long-term key.
    Provision(provision::ProvisionArgs),
    /// Create a new long-term key and deactivate (or delete) the old one.
    Rotate(provision::RotateArgs),
    /// Remove a business unit's keys, policies and IAM user.
    Deprovision(provision::DeprovisionArgs),
    /// List provisioned users with their keys' ages and status.
    List(provision::ListArgs),
}

/// A failure of any subcommand, with its exit code.
enum Failure {
    Token(bedrock_token::Error),
    Provision(bedrock_token::provision::ProvisionError),
}

impl From<bedrock_token::Error> for Failure {
    fn from(err: bedrock_token::Error) -> Self {
        Failure::Token(err)
    }
}

impl From<bedrock_token::provision::ProvisionError> for Failure {
    fn from(err: bedrock_token::provision::ProvisionError) -> Self {
        Failure::Provision(err)
    }
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
    let result: Result<(), Failure> = runtime.block_on(async {
        match cli.command {
            Command::Token(args) => Ok(token::run(args).await?),
            Command::Inspect(args) => Ok(inspect::run(args)?),
            Command::Provision(args) => Ok(provision::provision(args).await?),
            Command::Rotate(args) => Ok(provision::rotate(args).await?),
            Command::Deprovision(args) => Ok(provision::deprovision(args).await?),
            Command::List(args) => Ok(provision::list(args).await?),
        }
    });
    let (message, invalid_input) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        // The core's message is for every caller; here the way to pass a region is a flag.
        Err(Failure::Token(bedrock_token::Error::NoRegion)) => (
            "no AWS region found; pass --region (e.g. --region us-east-1), or set AWS_REGION, or `region` in the profile of ~/.aws/config".to_owned(),
            true,
        ),
        Err(Failure::Token(err)) => (bedrock_token::error_chain(&err), err.is_invalid_input()),
        Err(Failure::Provision(err)) => (bedrock_token::error_chain(&err), err.is_invalid_input()),
    };
    eprintln!("bedrock-token: error: {message}");
    ExitCode::from(if invalid_input { 2 } else { 1 })
}
