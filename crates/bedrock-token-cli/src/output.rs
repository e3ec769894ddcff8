//! Output formats: each subcommand accepts exactly the formats it implements.

/// How `token` prints the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenFormat {
    /// The token alone and a newline.
    Raw,
    /// `export AWS_BEARER_TOKEN_BEDROCK=…`, for `eval`.
    Env,
    /// One JSON object: token, expires_at, region, access_key_id.
    Json,
}

/// How the other subcommands print their result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Lines for people; warnings on stderr.
    #[value(alias = "table")]
    Text,
    /// One JSON document on stdout.
    Json,
}
