//! `--region` and `--profile`: the same two flags, with the AWS CLI's meaning, on every command
//! that calls AWS or signs for it.

use bedrock_token::provision::{Iam, SecretStore, StoreTarget};
use bedrock_token::DefaultChain;

/// Where the AWS settings come from, in the AWS CLI's order: these flags, then the environment
/// (`AWS_ACCESS_KEY_ID`…, `AWS_REGION`, `AWS_PROFILE`), then the shared config and credentials files.
#[derive(Debug, Clone, clap::Args)]
pub struct AwsArgs {
    /// AWS region [default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region; for IAM, us-east-1 if none]
    #[arg(long)]
    pub region: Option<String>,
    /// Profile of ~/.aws/config and ~/.aws/credentials, used whole: its credentials even when AWS_ACCESS_KEY_ID is set [default: AWS_PROFILE, then default]
    #[arg(long)]
    pub profile: Option<String>,
}

impl AwsArgs {
    /// The default chains, for the profile named if any.
    pub fn chain(&self) -> DefaultChain {
        match &self.profile {
            Some(profile) => DefaultChain::new().profile(profile.clone()),
            None => DefaultChain::new(),
        }
    }

    /// An IAM client for this profile and region.
    pub async fn iam(&self) -> Result<Iam, bedrock_token::Error> {
        Iam::from_profile(self.profile.as_deref(), self.region.as_deref()).await
    }

    /// The Secrets Manager secret `target`, for this profile and region (a secret's ARN names its own region).
    pub async fn store(&self, target: StoreTarget) -> Result<SecretStore, bedrock_token::Error> {
        SecretStore::from_profile(self.profile.as_deref(), self.region.as_deref(), target).await
    }
}
