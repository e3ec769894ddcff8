//! [`Settings`]: what a [`TokenProvider`](super::TokenProvider) was built with, checked by the
//! builder and read by the refresh.

use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::SharedAsyncSleep;
use aws_smithy_async::time::SharedTimeSource;
#[cfg(feature = "secrets-manager")]
use std::sync::Arc;

#[cfg(not(feature = "default-chains"))]
use crate::Error;

#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) region: Option<String>,
    #[cfg(feature = "default-chains")]
    pub(crate) profile: Option<String>,
    pub(crate) credentials: Option<SharedCredentialsProvider>,
    pub(crate) expiry: Duration,
    pub(crate) refresh_margin: Option<Duration>,
    pub(crate) load_timeout: Duration,
    pub(crate) jitter: bool,
    pub(crate) background: bool,
    pub(crate) time_source: SharedTimeSource,
    /// No time source was set: `time_source` is the system clock.
    pub(crate) system_clock: bool,
    pub(crate) sleep: SharedAsyncSleep,
    /// The Secrets Manager secret the key comes from, if one was given.
    #[cfg(feature = "secrets-manager")]
    pub(crate) secret: Option<Arc<super::secrets_manager::SecretSource>>,
}

/// The setting a build without the default chains cannot fill in (or, for `profile`, read).
#[cfg(not(feature = "default-chains"))]
pub(crate) fn no_default_chains(field: &'static str) -> Error {
    let reason = if field == "profile" {
        "profiles are read by the default chains, which this build leaves out (cargo feature `default-chains`)"
    } else {
        "required: this build has no default chains to find it (cargo feature `default-chains`)"
    };
    Error::InvalidSetting { field, reason: reason.to_owned() }
}
