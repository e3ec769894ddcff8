//! Output formats and error rendering shared by the subcommands.

/// How a command prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The token alone and a newline.
    Raw,
    /// `export AWS_BEARER_TOKEN_BEDROCK=…`
    Env,
    /// Human-readable lines.
    Text,
    /// One JSON object.
    Json,
}
