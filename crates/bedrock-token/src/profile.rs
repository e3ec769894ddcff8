//! The shared config and credentials files as the default chains read them, checked for what
//! `aws-config` would pass over quietly: a file that does not parse, and a profile that was asked
//! for by name (or by `AWS_PROFILE`) but is in neither file. Each becomes its own typed error
//! naming the profile, the file and the line.

use std::path::PathBuf;

use aws_config::profile::{ProfileFileLoadError, ProfileSet};
use aws_types::os_shim_internal::{Env, Fs};

use crate::Error;

/// What the shared files say about the profile the chains use.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProfileFacts {
    /// The profile signs in with IAM Identity Center (`sso_session` or `sso_start_url`).
    pub(crate) sso: bool,
}

/// Reads the shared files and checks the profile the chains will use: `explicit` if given, else
/// `AWS_PROFILE`, else `default`. A profile that was named (here or by `AWS_PROFILE`) must exist
/// in one of the files; `default` need not.
pub(crate) async fn check(explicit: Option<&str>) -> Result<ProfileFacts, Error> {
    let profiles = load(explicit).await?;
    let name = profiles.selected_profile();
    let named = explicit.is_some() || std::env::var_os("AWS_PROFILE").is_some();
    match profiles.get_profile(name) {
        Some(profile) => Ok(ProfileFacts { sso: profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some() }),
        None if named => {
            let [config, credentials] = shared_files();
            Err(Error::ProfileNotFound {
                profile: name.to_owned(),
                files: format!("{} or {}", config.display(), credentials.display()),
            })
        }
        None => Ok(ProfileFacts::default()),
    }
}

/// The profile the chains use when none is named: `AWS_PROFILE`, else `default`.
pub(crate) fn selected() -> String {
    std::env::var("AWS_PROFILE").unwrap_or_else(|_| "default".to_owned())
}

/// Both files parsed, as `aws-config` parses them.
async fn load(explicit: Option<&str>) -> Result<ProfileSet, Error> {
    let selected = explicit.map(|name| std::borrow::Cow::Owned(name.to_owned()));
    aws_config::profile::load(&Fs::real(), &Env::real(), &Default::default(), selected)
        .await
        .map_err(|err| file_error(&err))
}

/// `aws-config`'s load error as [`Error::ProfileFile`], with the file and line taken out of its
/// message (`error parsing FILE on line N:\n  WHAT`).
fn file_error(err: &ProfileFileLoadError) -> Error {
    // A parse error is the load error's source; a read error's source is the I/O error.
    let text = std::error::Error::source(err).map(ToString::to_string).unwrap_or_default();
    let parsed = text.strip_prefix("error parsing ").and_then(|rest| {
        let (file, rest) = rest.rsplit_once(" on line ")?;
        let (line, reason) = rest.split_once(':')?;
        Some((file.to_owned(), line.trim().parse().ok()?, reason.trim().to_owned()))
    });
    match parsed {
        Some((file, line, reason)) => Error::ProfileFile { file, line: Some(line), reason },
        None => {
            let [config, credentials] = shared_files();
            let file = format!("{} or {}", config.display(), credentials.display());
            Error::ProfileFile { file, line: None, reason: crate::error_chain(err) }
        }
    }
}

/// The config and credentials files the chains read: `AWS_CONFIG_FILE` and
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials` (home from `HOME`,
/// else `USERPROFILE`).
pub(crate) fn shared_files() -> [PathBuf; 2] {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
    let expand = |given: PathBuf| match (given.strip_prefix("~"), &home) {
        (Ok(rest), Some(home)) => home.join(rest),
        _ => given,
    };
    [("AWS_CONFIG_FILE", ".aws/config"), ("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")].map(|(variable, default)| {
        match std::env::var_os(variable) {
            Some(path) => expand(PathBuf::from(path)),
            None => expand(PathBuf::from("~").join(default)),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_names_the_file_and_the_line() {
        let source = parse_error_from_aws_config();
        let Error::ProfileFile { file, line, reason } = file_error(&source) else { panic!("not a ProfileFile error") };
        assert_eq!((file.as_str(), line), ("/tmp/config", Some(2)));
        assert_eq!(reason, "Expected an '=' sign defining a property");
    }

    /// A real parse error from `aws-config`'s parser, through an in-memory file system.
    fn parse_error_from_aws_config() -> ProfileFileLoadError {
        let fs = Fs::from_slice(&[("/tmp/config", "[default]\nregion us-east-1\n")]);
        let env = Env::from_slice(&[("AWS_CONFIG_FILE", "/tmp/config"), ("AWS_SHARED_CREDENTIALS_FILE", "/tmp/none")]);
        crate::block_on(aws_config::profile::load(&fs, &env, &Default::default(), None)).unwrap_err()
    }
}
