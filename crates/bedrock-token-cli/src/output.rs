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

/// The error and its causes on one line, e.g. `no AWS credentials found; tried …: <cause>`.
pub fn one_line(err: &dyn std::error::Error) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}
