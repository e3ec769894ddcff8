//! `--region` and `--profile`: the same two flags, with the AWS CLI's meaning, on every command
//! that calls AWS or signs for it; and `--account` / `--role` on every command that can work in
//! another account.

use bedrock_token::provision::{AccountRole, Iam, SecretStore, StoreTarget};
use bedrock_token::DefaultChain;

use crate::Failure;

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

/// `--account ID [--account-role NAME]`: the same two flags on every command that can work in
/// another account of the organisation, through a role assumed there. (Not `--role`: `revoke
/// --role` names the role whose keys are revoked.)
#[derive(Debug, Clone, clap::Args)]
pub struct AccountArgs {
    /// Work in this AWS account (12 digits) instead of the credentials' own, through a role assumed there (STS AssumeRole)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// With --account: the role to assume there [default: OrganizationAccountAccessRole]
    #[arg(long, value_name = "NAME")]
    pub account_role: Option<String>,
}

impl AccountArgs {
    /// The account and role asked for, checked; `None` for the credentials' own account.
    /// `--account-role` without `--account` is refused.
    pub fn target(&self) -> Result<Option<AccountRole>, Failure> {
        match (&self.account, &self.account_role) {
            (None, None) => Ok(None),
            (None, Some(_)) => Err(Failure::Usage("--account-role applies only with --account".to_owned())),
            (Some(account), role) => Ok(Some(AccountRole::new(account.clone(), role.as_deref())?)),
        }
    }
}

impl AwsArgs {
    /// An IAM client for this profile and region, in the account `account` names (through its
    /// role), else in the credentials' own.
    pub async fn iam_in(&self, account: &AccountArgs) -> Result<Iam, Failure> {
        let target = account.target()?;
        let iam = self.iam().await?;
        Ok(match target {
            Some(target) => iam.in_account(&target).await?,
            None => iam,
        })
    }
}
