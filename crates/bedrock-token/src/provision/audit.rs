//! The audit of every Bedrock API key in the account, joined with its user.

use std::collections::BTreeMap;
use std::time::SystemTime;

use super::client::Iam;
use super::governance::{self, AuditReport, AuditedKey};
use super::state;
use super::{ProvisionError, API_KEY_SERVICE};

impl Iam {
    /// Audits every Bedrock API key in the account, not only this library's: each key (listed
    /// with `AllUsers`, paged) joined with its user's path, tags and attached policies, and what
    /// is wrong with it ([`Finding`]).
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// let report = iam.audit(bedrock_token::provision::DEFAULT_MAX_AGE_DAYS).await?;
    /// if report.findings > 0 { std::process::exit(3) }
    /// # Ok(()) }
    /// ```
    pub async fn audit(&self, max_age_days: u64) -> Result<AuditReport, ProvisionError> {
        let now = SystemTime::now();
        let mut users = BTreeMap::new();
        let mut keys = Vec::new();
        for credential in state::service_credentials(self, None, Some(API_KEY_SERVICE)).await? {
            let name = credential.user_name().to_owned();
            if !users.contains_key(&name) {
                users.insert(name.clone(), state::read_audited_user(self, &name).await?);
            }
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
