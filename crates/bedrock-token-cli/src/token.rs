//! `bedrock-token token` and `bedrock-token exec`: a short-term key from the default credentials,
//! printed, written to a file, or handed to a command.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::SystemTime;

use bedrock_token::{parse_expiry, rfc3339, sign_token, validate_region, Error, Token};

use crate::aws::AwsArgs;
use crate::output::TokenFormat;
use crate::private_file;
use crate::Failure;

/// What a token is signed with. Credentials come only from the standard environment variables and
/// chains, never from flags.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Lifetime: seconds or e.g. 6h, 30m, 90s, 1h30m, "6 hours" (1 s to 12 h)
    #[arg(long, default_value = "12h")]
    pub expiry: String,
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    #[command(flatten)]
    sign: SignArgs,
    /// Output format
    #[arg(long, value_enum, default_value = "raw")]
    format: TokenFormat,
    /// Write the output to FILE instead of stdout: mode 0600, replaced atomically, so a reader
    /// (a sidecar, a cron job's consumer) never sees half a token
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Sign at this RFC 3339 time instead of now, for reproducible output
    #[arg(long, value_parser = parse_time_arg)]
    at: Option<SystemTime>,
}

#[derive(Debug, clap::Args)]
pub struct ExecArgs {
    #[command(flatten)]
    sign: SignArgs,
    /// The command and its arguments, after `--`
    #[arg(required = true, last = true, value_name = "COMMAND")]
    command: Vec<OsString>,
}

fn parse_time_arg(text: &str) -> Result<SystemTime, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(SystemTime::from)
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-01-24T10:00:00Z ({e})"))
}

async fn sign(args: SignArgs, at: SystemTime) -> Result<Token, Error> {
    let expiry = parse_expiry(&args.expiry)?;
    let sources = args.aws.chain();
    let region = match args.aws.region {
        Some(region) => region,
        None => sources.region().await?,
    };
    validate_region(&region)?;
    let credentials = sources.credentials().await?;
    sign_token(&credentials, &region, expiry, at)
}

pub async fn run(args: TokenArgs) -> Result<(), Failure> {
    let token = sign(args.sign, args.at.unwrap_or_else(SystemTime::now)).await?;
    let text = match args.format {
        TokenFormat::Raw => format!("{}\n", token.as_str()),
        TokenFormat::Env => format!("export AWS_BEARER_TOKEN_BEDROCK={}\n", token.as_str()),
        TokenFormat::Json => format!(
            "{}\n",
            serde_json::json!({
                "token": token.as_str(),
                "expires_at": rfc3339(token.expires_at()),
                "region": token.region(),
                "access_key_id": token.access_key_id(),
            })
        ),
    };
    let text = zeroize::Zeroizing::new(text);
    match args.out {
        Some(path) => private_file::write(&path, text.as_bytes()).map_err(|err| Failure::File(path, err)),
        None => {
            print!("{}", text.as_str());
            Ok(())
        }
    }
}

/// Runs the command in place of this process (`exec`), with `AWS_BEARER_TOKEN_BEDROCK` set: its
/// exit code and the signals sent to it are its own, as if it had been started directly. Returns
/// only if it could not be started. Where there is no `exec` (Windows), the command runs as a
/// child and this process exits with its exit code.
pub async fn exec(args: ExecArgs) -> Result<(), Failure> {
    let token = sign(args.sign, SystemTime::now()).await?;
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut command = std::process::Command::new(program);
    command.args(rest).env("AWS_BEARER_TOKEN_BEDROCK", token.as_str());
    #[cfg(unix)]
    let err = std::os::unix::process::CommandExt::exec(&mut command);
    #[cfg(not(unix))]
    let err = match command.status() {
        Ok(status) => std::process::exit(status.code().unwrap_or(1)),
        Err(err) => err,
    };
    Err(Failure::Exec(program.to_string_lossy().into_owned(), err))
}
