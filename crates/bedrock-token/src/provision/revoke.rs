//! Revocation as AWS enforces it: what each kind of credential lets a Bedrock API key do, and the
//! IAM changes that stop it.
//!
//! AWS puts `aws:TokenIssueTime` in the request context only for temporary credentials (role
//! sessions, `GetSessionToken`, federation). A deny conditioned on `DateLessThan
//! aws:TokenIssueTime` therefore stops the short-term keys a role's sessions signed before a time,
//! and nothing that an IAM user's own access keys or long-term API keys sign: for those the key is
//! absent, the condition is false, and the deny does not apply. So a user is revoked by
//! deactivating (or deleting) what it holds, its access keys and Bedrock API keys, besides the
//! deny for its temporary credentials.

use std::time::SystemTime;

use aws_sdk_iam::types::StatusType;

use super::apply;
use super::governance::{revoke_document, revoked_before, Principal, REVOKE_POLICY_NAME, REVOKED_KEYS_TAG};
use super::client::Iam;
use super::action::Action;
use super::report::{KeyKind, RevokeReport};
use super::state;
use super::{ProvisionError, API_KEY_SERVICE};

/// How [`Iam::revoke_tokens`] revokes.
///
/// ```
/// let options = bedrock_token::provision::RevokeOptions { delete_keys: true, ..Default::default() };
/// # let _ = options;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevokeOptions {
    /// Deny keys from temporary credentials issued before this time; none: now.
    pub before: Option<SystemTime>,
    /// A user's keys are deleted instead of deactivated (cannot be undone).
    pub delete_keys: bool,
    /// Let `before` move an existing revocation to an earlier time, which lets keys work again
    /// that the existing one refuses. Without it the later time is kept.
    pub allow_earlier: bool,
    /// Take the revocation back: remove the deny, and activate again the keys a revocation
    /// deactivated (recorded in the user's `bedrock-token-revoked-keys` tag).
    pub undo: bool,
    /// Only report what would change.
    pub dry_run: bool,
}

/// IAM user and role names: 1 to 64 of letters, digits and `+=,.@_-`.
fn validate_principal_name(kind: &'static str, name: &str) -> Result<(), ProvisionError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(ProvisionError::InvalidInput { field: kind, reason: format!("an IAM {kind} name is 1 to 64 letters, digits or +=,.@_-") });
    }
    Ok(())
}

impl Iam {
    /// Revokes the Bedrock API keys of a user or role, as AWS enforces it (see the module docs):
    ///
    /// - a role: an inline deny of both bearer-token actions for sessions issued before the time
    ///   (`DateLessThan aws:TokenIssueTime`); new sessions keep working.
    /// - a user: the same deny for its temporary credentials, and its access keys and Bedrock API
    ///   keys deactivated (recorded in a user tag, so that `undo` activates exactly those again)
    ///   or, with `delete_keys`, deleted. Keys created for the user later are not affected.
    ///
    /// A re-run keeps the later of the existing and the asked time unless `allow_earlier`; the
    /// report says what the run stops and what it does not.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::{Principal, RevokeOptions};
    /// let report = iam.revoke_tokens(&Principal::Role("app".into()), &RevokeOptions::default()).await?;
    /// for line in &report.stops { println!("stops: {line}"); }
    /// # Ok(()) }
    /// ```
    pub async fn revoke_tokens(&self, principal: &Principal, options: &RevokeOptions) -> Result<RevokeReport, ProvisionError> {
        let (kind, name) = match principal {
            Principal::User(name) => ("user", name),
            Principal::Role(name) => ("role", name),
        };
        validate_principal_name(kind, name)?;
        if options.delete_keys && (options.undo || matches!(principal, Principal::Role(_))) {
            let reason = if options.undo { "deleted keys cannot be restored: undo reactivates deactivated keys only" } else { "roles hold no keys to delete" };
            return Err(ProvisionError::InvalidInput { field: "delete_keys", reason: reason.into() });
        }
        let current = state::read_inline_policy(self, principal, REVOKE_POLICY_NAME).await?;
        let in_force = current.as_ref().and_then(revoked_before);
        let mut report = RevokeReport { target: principal.to_string(), dry_run: options.dry_run, ..RevokeReport::default() };
        let name = name.clone();
        if options.undo {
            if current.is_some() {
                report.actions.push(match principal {
                    Principal::User(_) => Action::DeleteInlinePolicy { user: name.clone(), name: REVOKE_POLICY_NAME.into() },
                    Principal::Role(_) => Action::DeleteRolePolicy { role: name.clone(), name: REVOKE_POLICY_NAME.into() },
                });
            }
            if let Principal::User(user) = principal {
                self.undo_user_keys(user, &mut report).await?;
            }
            report.does_not_stop.push(format!("{principal}: no revocation by bedrock-token is in force after this"));
        } else {
            let asked = options.before.unwrap_or_else(SystemTime::now);
            let before = match in_force {
                Some(existing) if existing > asked && !options.allow_earlier => {
                    report.notes.push(format!(
                        "kept the revocation time {} already in force: {} is earlier and would let keys work again that it refuses (allow earlier times to move it back)",
                        crate::rfc3339(existing),
                        crate::rfc3339(asked)
                    ));
                    existing
                }
                _ => asked,
            };
            if let Some(existing) = in_force.filter(|existing| *existing != before) {
                report.notes.push(format!("moved the revocation time from {} to {}", crate::rfc3339(existing), crate::rfc3339(before)));
            }
            let document = revoke_document(before);
            let wanted: serde_json::Value = serde_json::from_str(&document).expect("our own documents are JSON");
            let deny = (current.as_ref() != Some(&wanted)).then(|| match principal {
                Principal::User(_) => Action::PutInlinePolicy { user: name.clone(), name: REVOKE_POLICY_NAME.into(), document },
                Principal::Role(_) => Action::PutRolePolicy { role: name.clone(), name: REVOKE_POLICY_NAME.into(), document },
            });
            report.revoked_before = Some(before);
            let at = crate::rfc3339(before);
            report.stops.push(format!(
                "Bedrock API keys (Bedrock and Bedrock Mantle) signed with temporary credentials of {principal} issued before {at}: AWS sets aws:TokenIssueTime for temporary credentials only"
            ));
            match principal {
                Principal::Role(_) => {
                    report.does_not_stop.push(format!("keys signed with sessions of {principal} issued at or after {at}"));
                }
                Principal::User(user) => self.revoke_user_keys(user, options.delete_keys, &mut report).await?,
            }
            // Last: a user's keys are stopped first, even if IAM then refuses the deny (e.g. other
            // inline policies leave no room for it).
            report.actions.extend(deny);
        }
        if !options.dry_run {
            apply::all(self, &report.actions).await?;
        }
        Ok(report)
    }

    /// Adds the deactivation (or deletion) of every key `user` holds to `report`, recorded in the
    /// user's [`REVOKED_KEYS_TAG`] before the keys change.
    async fn revoke_user_keys(&self, user: &str, delete: bool, report: &mut RevokeReport) -> Result<(), ProvisionError> {
        let (keys, _) = state::read_keys(self, user).await?;
        let recorded = self.recorded_keys(user).await?;
        let mut record = recorded.clone();
        let mut changes = Vec::new();
        for key in &keys {
            if delete {
                changes.push(Action::DeleteKey { user: user.to_owned(), kind: key.kind, id: key.id.clone() });
                record.retain(|id| id != &key.id);
                report.stops.push(format!("{} {}: deleted", key.kind, key.id));
            } else if key.active {
                changes.push(Action::DeactivateKey { user: user.to_owned(), kind: key.kind, id: key.id.clone() });
                if !record.contains(&key.id) {
                    record.push(key.id.clone());
                }
                report.stops.push(format!("{} {}: deactivated, so every key made with it is refused", key.kind, key.id));
            } else {
                report.stops.push(format!("{} {}: already inactive", key.kind, key.id));
            }
        }
        if keys.is_empty() {
            report.notes.push(format!("user {user} holds no access keys or Bedrock API keys"));
        }
        if record != recorded {
            report.actions.push(match record.is_empty() {
                true => Action::UntagUser { user: user.to_owned(), keys: vec![REVOKED_KEYS_TAG.into()] },
                false => Action::TagUser { user: user.to_owned(), tags: vec![(REVOKED_KEYS_TAG.into(), record.join(" "))] },
            });
        }
        report.actions.extend(changes);
        report.does_not_stop.push(format!("keys created for user {user} after this run, and keys signed by roles the user can assume (revoke those roles)"));
        Ok(())
    }

    /// Adds to `report` the activation of the keys a revocation deactivated, and the removal of
    /// their record.
    async fn undo_user_keys(&self, user: &str, report: &mut RevokeReport) -> Result<(), ProvisionError> {
        let recorded = self.recorded_keys(user).await?;
        if recorded.is_empty() {
            return Ok(());
        }
        let (keys, _) = state::read_keys(self, user).await?;
        for key in keys.iter().filter(|k| recorded.contains(&k.id) && !k.active) {
            report.actions.push(Action::ActivateKey { user: user.to_owned(), kind: key.kind, id: key.id.clone() });
        }
        for id in recorded.iter().filter(|id| !keys.iter().any(|k| &k.id == *id)) {
            report.notes.push(format!("key {id} was deactivated by a revocation and no longer exists"));
        }
        report.actions.push(Action::UntagUser { user: user.to_owned(), keys: vec![REVOKED_KEYS_TAG.into()] });
        Ok(())
    }

    /// The key ids the user's [`REVOKED_KEYS_TAG`] records.
    async fn recorded_keys(&self, user: &str) -> Result<Vec<String>, ProvisionError> {
        let tags = state::read_tags(self, user).await?;
        Ok(tags.get(REVOKED_KEYS_TAG).map(|ids| ids.split_whitespace().map(str::to_owned).collect()).unwrap_or_default())
    }

    /// Deactivates a long-term Bedrock API key anywhere in the account (with `delete`, deletes
    /// it; with `undo`, activates it again).
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// let report = iam.revoke_key("ACCAEXAMPLE123456789", false, false, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke_key(&self, key_id: &str, delete: bool, undo: bool, dry_run: bool) -> Result<RevokeReport, ProvisionError> {
        if key_id.len() < 20 || key_id.len() > 128 || !key_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(ProvisionError::InvalidInput { field: "key_id", reason: "a service-specific credential id is 20 to 128 letters, digits or _".into() });
        }
        if delete && undo {
            return Err(ProvisionError::InvalidInput { field: "delete", reason: "a deleted key cannot be restored: undo activates a deactivated key".into() });
        }
        let credentials = state::service_credentials(self, None, Some(API_KEY_SERVICE)).await?;
        let Some(key) = credentials.iter().find(|c| c.service_specific_credential_id() == key_id) else {
            return Err(ProvisionError::NoSuchKey(key_id.to_owned()));
        };
        let (user, id, active) = (key.user_name().to_owned(), key_id.to_owned(), key.status() == &StatusType::Active);
        let kind = KeyKind::ApiKey;
        let action = match (delete, undo) {
            (true, _) => Some(Action::DeleteKey { user: user.clone(), kind, id }),
            (false, true) => (!active).then(|| Action::ActivateKey { user: user.clone(), kind, id }),
            (false, false) => active.then(|| Action::DeactivateKey { user: user.clone(), kind, id }),
        };
        let mut report = RevokeReport { target: format!("Bedrock API key {key_id} of {user}"), dry_run, ..RevokeReport::default() };
        report.actions.extend(action);
        match undo {
            true => report.does_not_stop.push(format!("Bedrock API key {key_id}: active again")),
            false => {
                report.stops.push(format!("Bedrock API key {key_id} of {user}, on Bedrock and Bedrock Mantle"));
                report.does_not_stop.push(format!("other keys of {user}: revoking the user stops all of them"));
            }
        }
        if !dry_run {
            apply::all(self, &report.actions).await?;
        }
        Ok(report)
    }
}
