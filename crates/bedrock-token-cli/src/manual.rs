//! What `--help` and the man pages say beyond the flags: exit statuses and environment variables,
//! and the man pages themselves, one for the command and one for each subcommand.

use std::io::Write;
use std::path::Path;

use clap::Command;

/// Exit statuses of every subcommand, for the top `--help` and man page.
pub const EXIT_STATUS: &str = "\
Exit status:
  0    success
  1    failure: no credentials, AWS refused or could not be reached, a file could not be written
  2    invalid usage or input: a flag, a value, a profile that does not exist
  3    audit found keys to fix
  exec: the command's own status; 126 if it could not be run, 127 if it was not found

Credentials and region, in the AWS CLI's order: --profile and --region, then the environment
(AWS_ACCESS_KEY_ID…, AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE), then the shared files.
A --profile is used whole: its credentials even when AWS_ACCESS_KEY_ID is set.";

/// `exec`'s exit statuses.
pub const EXEC_EXIT_STATUS: &str = "\
Exit status:
  the command's own status (it replaces bedrock-token; on Windows it runs as a child)
  126  the command could not be run
  127  the command was not found
  1    no token could be made (no credentials, say)
  2    invalid usage or input";

/// `audit`'s exit statuses.
pub const AUDIT_EXIT_STATUS: &str = "\
Exit status:
  0    no findings
  3    findings: keys to fix (listed on stdout)
  1    IAM refused or could not be reached, no credentials
  2    invalid usage or input";

/// The environment variables the command reads, and what for.
const ENVIRONMENT: [(&str, &str); 14] = [
    ("AWS_PROFILE", "the profile of the shared files to use when --profile is not given (default: default)"),
    ("AWS_REGION, AWS_DEFAULT_REGION", "the region when --region is not given; both come before the profile's region"),
    ("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN", "credentials; they come before AWS_PROFILE's, but a --profile is used whole"),
    ("AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE", "the shared config and credentials files (default: ~/.aws/config, ~/.aws/credentials)"),
    ("AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME", "credentials from a web identity token (EKS, CI)"),
    ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, AWS_CONTAINER_CREDENTIALS_FULL_URI", "credentials from the ECS container endpoint"),
    ("AWS_EC2_METADATA_DISABLED", "true: do not ask EC2 instance metadata (IMDS) for credentials or the region"),
    ("AWS_ENDPOINT_URL", "one endpoint for every AWS service"),
    ("AWS_ENDPOINT_URL_IAM", "the IAM endpoint of provision, rotate, deprovision, list, audit, revoke"),
    ("AWS_ENDPOINT_URL_STS", "the STS endpoint of check"),
    ("AWS_ENDPOINT_URL_BEDROCK, AWS_ENDPOINT_URL_BEDROCK_RUNTIME", "the Bedrock endpoints of check"),
    ("AWS_RETRY_MODE, AWS_MAX_ATTEMPTS", "retries of AWS calls (IAM: adaptive, 3 attempts, unless set)"),
    ("AWS_BEARER_TOKEN_BEDROCK", "set by exec for the command it runs; never read"),
    ("RUST_LOG", "logs on stderr, e.g. RUST_LOG=debug (off by default; they never carry secrets)"),
];

/// Why a page could not be printed.
pub enum PageError {
    /// No subcommand has that name (the message lists those that do).
    NoSuchPage(String),
    /// Standard output could not be written.
    Output(std::io::Error),
}

/// The man page of `page` (a subcommand's name, or `None` for the command) written to `out`.
pub fn print(cli: Command, page: Option<&str>, out: &mut dyn Write) -> Result<(), PageError> {
    let cli = built(cli);
    let command = match page {
        None => cli.clone(),
        Some(name) => cli.find_subcommand(name).cloned().ok_or_else(|| {
            let names: Vec<&str> = pages(&cli).map(Command::get_name).collect();
            PageError::NoSuchPage(format!("man: no subcommand {name:?}; the pages are: {}", names.join(", ")))
        })?,
    };
    render(&cli, &command, out).map_err(PageError::Output)
}

/// Writes every page into `dir` (bedrock-token.1 and bedrock-token-SUBCOMMAND.1) and returns their paths.
pub fn write_all(cli: Command, dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let cli = built(cli);
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    for command in std::iter::once(&cli).chain(pages(&cli)) {
        let path = dir.join(format!("{}.1", file_stem(command)));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
        render(&cli, command, &mut file)?;
        file.flush()?;
        written.push(path);
    }
    Ok(written)
}

/// The command with every subcommand's display name (`bedrock-token-token`) filled in.
fn built(cli: Command) -> Command {
    let mut cli = cli.disable_help_subcommand(true);
    cli.build();
    cli
}

/// The subcommands that get a page of their own.
fn pages(cli: &Command) -> impl Iterator<Item = &Command> {
    cli.get_subcommands().filter(|sub| !sub.is_hide_set())
}

fn file_stem(command: &Command) -> String {
    command.get_display_name().unwrap_or_else(|| command.get_name()).to_owned()
}

/// One page: name, synopsis, description, options (and, for the command, its subcommands), then
/// EXIT STATUS, ENVIRONMENT and SEE ALSO.
fn render(cli: &Command, command: &Command, out: &mut dyn Write) -> std::io::Result<()> {
    let top = command.get_name() == cli.get_name();
    let man = clap_mangen::Man::new(command.clone()).source(format!("bedrock-token {}", cli.get_version().unwrap_or_default()));
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    if top {
        man.render_subcommands_section(out)?;
    }
    let status = match command.get_name() {
        "exec" => EXEC_EXIT_STATUS,
        "audit" => AUDIT_EXIT_STATUS,
        _ => EXIT_STATUS,
    };
    // The text after the "Exit status:" heading, one indented line an entry.
    let (status, precedence) = status.split_once("\n\n").unwrap_or((status, ""));
    writeln!(out, ".SH \"EXIT STATUS\"")?;
    for line in status.lines().skip(1) {
        writeln!(out, ".TP\n{}", roff_text(line.trim()))?;
    }
    if !precedence.is_empty() {
        writeln!(out, ".SH CREDENTIALS AND REGION\n{}", roff_text(&precedence.split_whitespace().collect::<Vec<_>>().join(" ")))?;
    }
    writeln!(out, ".SH ENVIRONMENT")?;
    for (names, meaning) in ENVIRONMENT {
        writeln!(out, ".TP\n\\fB{}\\fR\n{}", roff_text(names), roff_text(meaning))?;
    }
    let others: Vec<String> = std::iter::once(cli).chain(pages(cli)).filter(|c| c.get_name() != command.get_name()).map(|c| format!("{}(1)", file_stem(c))).collect();
    writeln!(out, ".SH \"SEE ALSO\"\n{}", roff_text(&others.join(", ")))?;
    if top {
        man.render_version_section(out)?;
    }
    Ok(())
}

/// Text safe in a roff body: backslashes escaped, hyphens as minus signs (so they can be searched
/// for and copied), and no line starting with a control character.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}
