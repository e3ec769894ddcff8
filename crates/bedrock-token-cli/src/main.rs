//! `bedrock-token`: print, inspect and provision Amazon Bedrock API keys.
//!
//! Exit codes: 0 ok, 2 usage or validation error, 3 audit findings, 1 any other failure (and for
//! `exec`, the command's own, 126 or 127). Errors go to stderr as one line, `bedrock-token: error: …`,
//! clap's included; secrets go only to stdout, and only when asked for.

mod aws;
mod check;
mod governance;
mod inspect;
mod manifest;
mod manual;
mod output;
mod private_file;
mod provision;
mod secret_output;
mod token;
mod unit;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

/// The version and the git revision it was built from (`build.rs`), for `--version`.
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("BEDROCK_TOKEN_GIT_REVISION"), ")");

/// Amazon Bedrock API keys from your AWS credentials.
#[derive(Debug, Parser)]
#[command(name = "bedrock-token", version = VERSION, about, after_help = manual::EXIT_STATUS)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print a short-term Bedrock API key signed with the default AWS credentials.
    Token(token::TokenArgs),
    /// Run a command with AWS_BEARER_TOKEN_BEDROCK set to a new key: bedrock-token exec -- CMD [ARGS...]
    ///
    /// The command replaces this process, so its exit code and the signals sent to it are its own.
    /// The key is signed once: give long-running programs a TokenProvider instead.
    #[command(after_help = manual::EXEC_EXIT_STATUS)]
    Exec(token::ExecArgs),
    /// Check that these credentials give working Bedrock API keys: who they are, the token's real
    /// lifetime, and with --invoke MODEL_ID one call Bedrock answers
    Check(check::CheckArgs),
    /// Print the parts of a Bedrock API key: a short-term key's region, key id and lifetime, a
    /// long-term key's IAM user and account (never a signature, session token or secret).
    Inspect(inspect::InspectArgs),
    /// Create or converge a business unit's IAM user, Bedrock policy and long-term key.
    Provision(provision::ProvisionArgs),
    /// Create a new long-term key and deactivate (or delete) the old one.
    Rotate(provision::RotateArgs),
    /// Remove a business unit's keys, policies and IAM user.
    Deprovision(provision::DeprovisionArgs),
    /// List provisioned users with their keys' ages and status.
    List(provision::ListArgs),
    /// List every Bedrock API key in the account, flag the risky ones; exit 3 on findings.
    #[command(after_help = manual::AUDIT_EXIT_STATUS)]
    Audit(governance::AuditArgs),
    /// Revoke the Bedrock API keys of a role or user, or one long-term key; says what it stops and what not.
    Revoke(governance::RevokeArgs),
    /// Print a service control policy that limits Bedrock API keys across an organisation.
    Guardrails(governance::GuardrailsArgs),
    /// Print a shell completion script: bedrock-token completions bash > /etc/bash_completion.d/bedrock-token
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Print a man page (roff), or write them all: bedrock-token man --out /usr/local/share/man/man1
    Man(ManArgs),
}

/// Which man page to print, or where to write them all.
#[derive(Debug, clap::Args)]
struct ManArgs {
    /// The subcommand whose page to print, e.g. provision (bedrock-token-provision(1)); without it, bedrock-token(1)
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "out")]
    page: Option<String>,
    /// Write every page into DIR instead: bedrock-token.1 and bedrock-token-SUBCOMMAND.1 for each subcommand
    #[arg(long, value_name = "DIR")]
    out: Option<std::path::PathBuf>,
}

/// The shells `completions` writes for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Writes the completion script for `shell`, made from the same definitions as the parser.
fn completions(shell: Shell) -> std::io::Result<()> {
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "bedrock-token", &mut std::io::stdout().lock());
    Ok(())
}

/// Prints one man page, or writes them all into a directory and names each file written.
fn man(args: ManArgs) -> Result<(), Failure> {
    match args.out {
        Some(dir) => {
            let written = manual::write_all(Cli::command(), &dir).map_err(|err| Failure::File(dir, err))?;
            for path in written {
                println!("{}", path.display());
            }
            Ok(())
        }
        None => {
            let mut out = std::io::stdout().lock();
            manual::print(Cli::command(), args.page.as_deref(), &mut out).map_err(|err| match err {
                manual::PageError::NoSuchPage(message) => Failure::Usage(message),
                manual::PageError::Output(err) => Failure::Output(err),
            })
        }
    }
}

/// clap's error (an unknown flag, a missing value, a refused combination) in the command's one
/// error style, for `bedrock-token: error: …` on one line: clap's message and tips, without the
/// usage, and where to read more.
fn usage_error(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let mut parts: Vec<String> = text
        .split("\n\n")
        .filter(|part| !part.starts_with("Usage:") && !part.starts_with("For more information"))
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|part| !part.is_empty())
        .collect();
    let cli = Cli::command();
    let sub = std::env::args().nth(1).filter(|name| cli.find_subcommand(name).is_some());
    parts.push(format!("see `bedrock-token {}--help`", sub.map_or(String::new(), |sub| format!("{sub} "))));
    parts.join("; ")
}

/// A failure of any subcommand, with its exit code.
pub(crate) enum Failure {
    Token(bedrock_token::Error),
    Provision(bedrock_token::provision::ProvisionError),
    Output(std::io::Error),
    /// A file the user named could not be written.
    File(std::path::PathBuf, std::io::Error),
    /// `exec` could not start the command (exit 127 if it was not found, else 126, as shells do).
    Exec(String, std::io::Error),
    /// A step of `check` failed.
    Check(bedrock_token::check::CheckError),
    /// `audit` found this many things to fix (exit 3).
    Findings(usize),
    /// Flags that cannot go together, or a value the command itself refuses (exit 2).
    Usage(String),
    /// Part of the work failed (exit 1); the message names each part, and the output before it
    /// accounted for every new key's secret.
    Incomplete(String),
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
        // --help and --version, printed as clap prints them.
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        // No subcommand: the help, on stderr.
        Err(err) if err.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            return ExitCode::from(2);
        }
        Err(err) => {
            eprintln!("bedrock-token: error: {}", usage_error(&err));
            return ExitCode::from(2);
        }
    };
    // Logs go to stderr, filtered by RUST_LOG (`debug`, `aws_config=trace,info`: a level, or
    // targets with levels; off by default or when it does not parse); they never carry secrets.
    let filter: tracing_subscriber::filter::Targets =
        std::env::var("RUST_LOG").ok().and_then(|directives| directives.parse().ok()).unwrap_or_default();
    tracing_subscriber::fmt()
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        .finish()
        .with(filter)
        .init();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread tokio runtime");
    let result: Result<(), Failure> = runtime.block_on(async {
        match cli.command {
            Command::Token(args) => token::run(args).await,
            Command::Exec(args) => token::exec(args).await,
            Command::Check(args) => check::run(args).await,
            Command::Inspect(args) => Ok(inspect::run(args)?),
            Command::Provision(args) => provision::provision(args).await,
            Command::Rotate(args) => provision::rotate(args).await,
            Command::Deprovision(args) => provision::deprovision(args).await,
            Command::List(args) => provision::list(args).await,
            Command::Audit(args) => governance::audit(args).await,
            Command::Revoke(args) => governance::revoke(args).await,
            Command::Guardrails(args) => governance::guardrails(args).await,
            Command::Completions { shell } => completions(shell).map_err(Failure::Output),
            Command::Man(args) => man(args),
        }
    });
    let (message, invalid_input) = match result {
        Ok(()) => return ExitCode::SUCCESS,
        // `bedrock-token man | head`: the reader has all it wanted.
        Err(Failure::Output(err)) if err.kind() == std::io::ErrorKind::BrokenPipe => return ExitCode::SUCCESS,
        // The core's message is for every caller; here the way to pass a region is a flag.
        Err(Failure::Token(bedrock_token::Error::NoRegion)) => (
            "no AWS region found; pass --region (e.g. --region us-east-1), or set AWS_REGION, or `region` in the profile of ~/.aws/config".to_owned(),
            true,
        ),
        Err(Failure::Token(err)) => (bedrock_token::error_chain(&err), err.is_invalid_input()),
        // Likewise, "with force" is the flag --force here.
        Err(Failure::Provision(bedrock_token::provision::ProvisionError::NotManaged { user, action })) => {
            (format!("user {user} exists but is not tagged created-by=bedrock-token; pass --force to {action} it anyway"), true)
        }
        // The core's message, and the CLI's flags that finish the rotation.
        Err(Failure::Provision(err @ bedrock_token::provision::ProvisionError::InGracePeriod { .. })) => (
            format!("{} (here: `bedrock-token rotate --store … --finish`)", bedrock_token::error_chain(&err)),
            false,
        ),
        Err(Failure::Provision(err)) => (bedrock_token::error_chain(&err), err.is_invalid_input()),
        Err(Failure::Output(err)) => (format!("cannot write to standard output: {err}"), false),
        Err(Failure::Check(err)) => (format!("check: {err}"), false),
        Err(Failure::Usage(message)) => (message, true),
        Err(Failure::File(path, err)) => (format!("cannot write {}: {err}", path.display()), false),
        Err(Failure::Incomplete(summary)) => (summary, false),
        Err(Failure::Exec(program, err)) => {
            eprintln!("bedrock-token: error: cannot run {program}: {err}");
            return ExitCode::from(if err.kind() == std::io::ErrorKind::NotFound { 127 } else { 126 });
        }
        Err(Failure::Findings(count)) => {
            eprintln!("bedrock-token: audit: {count} findings");
            return ExitCode::from(3);
        }
    };
    eprintln!("bedrock-token: error: {message}");
    ExitCode::from(if invalid_input { 2 } else { 1 })
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every option and argument of every subcommand says what it is for.
    #[test]
    fn every_option_has_help() {
        let cli = super::Cli::command();
        let mut missing = Vec::new();
        for sub in cli.get_subcommands() {
            for arg in sub.get_arguments() {
                let id = arg.get_id().as_str();
                if id != "help" && id != "version" && arg.get_help().is_none() {
                    missing.push(format!("{} {id}", sub.get_name()));
                }
            }
        }
        assert!(missing.is_empty(), "options without help: {missing:?}");
        cli.debug_assert();
    }
}
