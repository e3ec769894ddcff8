//! The audit of every Bedrock API key in the account, joined with its user.

use std::collections::BTreeSet;
use std::time::SystemTime;

use super::bulk_read;
use super::client::Iam;
use super::governance::{self, AuditReport, AuditedKey};
use super::state;
use super::{ProvisionError, API_KEY_SERVICE};

impl Iam {
    /// Audits every Bedrock API key in the account, not only this library's: each key (listed
    /// with `AllUsers`, paged) joined with its user's path, tags and attached policies, and what
    /// is wrong with it ([`Finding`]).
    ///
    /// The account is read in bulk, so that the calls grow with pages, not with users: the keys
    /// (`ListServiceSpecificCredentials`, `AllUsers`), every user with its tags and policies
    /// (`GetAccountAuthorizationDetails`, `Filter=User`), and the users' active access keys from
    /// IAM's credential report (`GenerateCredentialReport`, `GetCredentialReport`), which IAM
    /// makes again at most every four hours. A user made since the report, or since the users
    /// were read, is read alone.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// let report = iam.audit(bedrock_token::provision::DEFAULT_MAX_AGE_DAYS).await?;
    /// if report.findings > 0 { std::process::exit(3) }
    /// # Ok(()) }
    /// ```
    pub async fn audit(&self, max_age_days: u64) -> Result<AuditReport, ProvisionError> {
        let now = SystemTime::now();
        let credentials = state::service_credentials(self, None, Some(API_KEY_SERVICE)).await?;
        let mut keys = Vec::new();
        if credentials.is_empty() {
            return Ok(AuditReport { audited_at: now, max_age_days, keys, findings: 0 });
        }
        let mut users = bulk_read::users(self).await?;
        let holders: BTreeSet<String> = credentials.iter().map(|c| c.user_name().to_owned()).collect();
        let listed: Vec<String> = holders.iter().filter(|name| users.contains_key(*name)).cloned().collect();
        bulk_read::active_access_keys(self, &mut users, &listed).await?;
        let unlisted: Vec<&String> = holders.iter().filter(|name| !users.contains_key(*name)).collect();
        for name in unlisted {
            users.insert(name.clone(), state::read_audited_user(self, name).await?);
        }
        for credential in credentials {
            let name = credential.user_name().to_owned();
            let user = &users[&name];
            let created_at = SystemTime::try_from(*credential.create_date()).ok();
            let expires_at = credential.expiration_date().and_then(|d| SystemTime::try_from(*d).ok());
            let status = credential.status().as_str().to_owned();
            let (age_days, findings) = governance::findings(user, &status, created_at, expires_at, now, max_age_days);
            keys.push(AuditedKey {
                key_id: credential.service_specific_credential_id().to_owned(),
                user_name: name,
                user_path: user.path.clone(),
                status,
                created_at,
                expires_at,
                age_days,
                user_tags: user.tags.clone(),
                attached_policies: user.attached.clone(),
                findings,
            });
        }
        keys.sort_by(|a, b| (&a.user_name, &a.key_id).cmp(&(&b.user_name, &b.key_id)));
        let findings = keys.iter().map(|k| k.findings.len()).sum();
        Ok(AuditReport { audited_at: now, max_age_days, keys, findings })
    }
}
