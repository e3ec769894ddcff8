//! Shared by the integration tests: a credentials provider that blocks its thread.

use std::time::Duration;

use aws_credential_types::provider::{future, ProvideCredentials};
use bedrock_token::Credentials;

/// A credentials provider that blocks its thread (a slow `credential_process`, say) for this
/// long, then gives the test credentials.
#[derive(Debug)]
pub struct Blocking(pub Duration);

impl ProvideCredentials for Blocking {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        std::thread::sleep(self.0);
        future::ProvideCredentials::ready(Ok(Credentials::for_tests()))
    }
}
