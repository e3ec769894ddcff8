//! Each IAM change as a value, and the plans that compare IAM as it is with what is asked: shown
//! in dry runs, applied in order by `apply`, undone by a named command. No IAM calls here.

use std::fmt;

use serde::Serialize;

use super::input::{models_policy_inline, policy_we_attached, KeyRequest, ProvisionRequest, POLICY_TAG};
use super::report::{KeyKind, KeyStatus};
use super::state::{Attachments, UserState};
use super::{Partition, ProvisionError, API_KEY_SERVICE, INLINE_POLICY_NAME, KEYS_PER_USER};

/// One change to IAM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Action {
    /// `CreateUser` with its tags.
    CreateUser {
        /// The user.
        user: String,
        /// The IAM path.
        path: String,
        /// All tags, sorted by key.
        tags: Vec<(String, String)>,
    },
    /// `TagUser` for tags that are missing or differ.
    TagUser {
        /// The user.
        user: String,
        /// The tags to set.
        tags: Vec<(String, String)>,
    },
    /// `AttachUserPolicy`.
    AttachPolicy {
        /// The user.
        user: String,
        /// The managed policy.
        policy_arn: String,
    },
    /// `PutUserPolicy`.
    PutInlinePolicy {
        /// The user.
        user: String,
        /// The inline policy's name.
        name: String,
        /// The policy document (JSON).
        document: String,
    },
    /// `CreateAccessKey`.
    CreateAccessKey {
        /// The user.
        user: String,
    },
    /// `CreateServiceSpecificCredential` for Bedrock.
    CreateApiKey {
        /// The user.
        user: String,
        /// Days until IAM expires it.
        days: u32,
    },
    /// `UpdateAccessKey` / `UpdateServiceSpecificCredential` to inactive.
    DeactivateKey {
        /// The user.
        user: String,
        /// Access key or API key.
        kind: KeyKind,
        /// Its id.
        id: String,
    },
    /// `DeleteAccessKey` / `DeleteServiceSpecificCredential`.
    DeleteKey {
        /// The user.
        user: String,
        /// Access key or API key.
        kind: KeyKind,
        /// Its id.
        id: String,
    },
    /// `DeleteUserPolicy`.
    DeleteInlinePolicy {
        /// The user.
        user: String,
        /// The inline policy's name.
        name: String,
    },
    /// `DetachUserPolicy`.
    DetachPolicy {
        /// The user.
        user: String,
        /// The managed policy.
        policy_arn: String,
    },
    /// `DeleteServiceSpecificCredential` for another service than Bedrock (CodeCommit, …).
    DeleteServiceCredential {
        /// The user.
        user: String,
        /// The service it is for.
        service: String,
        /// Its id.
        id: String,
    },
    /// `DeleteLoginProfile`: the user's console password.
    DeleteLoginProfile {
        /// The user.
        user: String,
    },
    /// `DeactivateMFADevice`.
    DeactivateMfaDevice {
        /// The user.
        user: String,
        /// The device's serial number (an ARN for a virtual device).
        serial: String,
    },
    /// `DeleteVirtualMFADevice`, once deactivated.
    DeleteVirtualMfaDevice {
        /// The device's serial number (its ARN).
        serial: String,
    },
    /// `DeleteSSHPublicKey`.
    DeleteSshPublicKey {
        /// The user.
        user: String,
        /// The key's id.
        id: String,
    },
    /// `DeleteSigningCertificate`.
    DeleteSigningCertificate {
        /// The user.
        user: String,
        /// The certificate's id.
        id: String,
    },
    /// `RemoveUserFromGroup`.
    RemoveFromGroup {
        /// The user.
        user: String,
        /// The group.
        group: String,
    },
    /// `DeleteUser`.
    DeleteUser {
        /// The user.
        user: String,
    },
    /// `PutRolePolicy`.
    PutRolePolicy {
        /// The role.
        role: String,
        /// The inline policy's name.
        name: String,
        /// The policy document (JSON).
        document: String,
    },
    /// `DeleteRolePolicy`.
    DeleteRolePolicy {
        /// The role.
        role: String,
        /// The inline policy's name.
        name: String,
    },
    /// `UpdateAccessKey` / `UpdateServiceSpecificCredential` back to active.
    ActivateKey {
        /// The user.
        user: String,
        /// Access key or API key.
        kind: KeyKind,
        /// Its id.
        id: String,
    },
    /// A customer-managed policy for this user (`CreatePolicy` under the user's own path
    /// `/bedrock-token/USER/`, tagged `created-by=bedrock-token`, or `CreatePolicyVersion` when it
    /// exists), attached to the user: where the models policy goes when it is too large inline.
    PutManagedPolicy {
        /// The user.
        user: String,
        /// The policy's name.
        name: String,
        /// The policy document (JSON).
        document: String,
    },
    /// Detaches and deletes (with its versions) the customer-managed policy made by
    /// [`Action::PutManagedPolicy`].
    DeleteManagedPolicy {
        /// The user.
        user: String,
        /// The policy's name.
        name: String,
    },
    /// `UntagUser`.
    UntagUser {
        /// The user.
        user: String,
        /// The tag keys to remove.
        keys: Vec<String>,
    },
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::CreateUser { user, path, tags } => {
                let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "create user {path}{user} tagged {}", tags.join(", "))
            }
            Action::TagUser { user, tags } => {
                let tags: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "tag user {user}: {}", tags.join(", "))
            }
            Action::AttachPolicy { user, policy_arn } => write!(f, "attach {policy_arn} to {user}"),
            Action::PutInlinePolicy { user, name, .. } => write!(f, "put inline policy {name} on {user}"),
            Action::CreateAccessKey { user } => write!(f, "create an access key for {user}"),
            Action::CreateApiKey { user, days } => write!(f, "create a Bedrock API key for {user}, expiring in {days} days"),
            Action::DeactivateKey { user, kind, id } => write!(f, "deactivate {kind} {id} of {user}"),
            Action::DeleteKey { user, kind, id } => write!(f, "delete {kind} {id} of {user}"),
            Action::DeleteInlinePolicy { user, name } => write!(f, "delete inline policy {name} of {user}"),
            Action::DetachPolicy { user, policy_arn } => write!(f, "detach {policy_arn} from {user}"),
            Action::DeleteServiceCredential { user, service, id } => write!(f, "delete {service} credential {id} of {user}"),
            Action::DeleteLoginProfile { user } => write!(f, "delete the console password (login profile) of {user}"),
            Action::DeactivateMfaDevice { user, serial } => write!(f, "deactivate MFA device {serial} of {user}"),
            Action::DeleteVirtualMfaDevice { serial } => write!(f, "delete virtual MFA device {serial}"),
            Action::DeleteSshPublicKey { user, id } => write!(f, "delete SSH public key {id} of {user}"),
            Action::DeleteSigningCertificate { user, id } => write!(f, "delete signing certificate {id} of {user}"),
            Action::RemoveFromGroup { user, group } => write!(f, "remove {user} from group {group}"),
            Action::DeleteUser { user } => write!(f, "delete user {user}"),
            Action::PutRolePolicy { role, name, .. } => write!(f, "put inline policy {name} on role {role}"),
            Action::DeleteRolePolicy { role, name } => write!(f, "delete inline policy {name} of role {role}"),
            Action::ActivateKey { user, kind, id } => write!(f, "activate {kind} {id} of {user}"),
            Action::UntagUser { user, keys } => write!(f, "untag user {user}: {}", keys.join(", ")),
            Action::PutManagedPolicy { user, name, .. } => write!(f, "put managed policy {}{name} and attach it to {user}", managed_policy_path(user)),
            Action::DeleteManagedPolicy { user, name } => write!(f, "detach and delete managed policy {}{name} of {user}", managed_policy_path(user)),
        }
    }
}

impl Action {
    /// The same change as an `aws iam` command, e.g. for a person to run by hand.
    ///
    /// ```
    /// use bedrock_token::provision::Action;
    /// let delete = Action::DeleteUser { user: "sales-bedrock-user".into() };
    /// assert_eq!(delete.aws_command(), "aws iam delete-user --user-name sales-bedrock-user");
    /// ```
    pub fn aws_command(&self) -> String {
        let key_command = |verb: &str, kind: &KeyKind, user: &str, id: &str| match kind {
            KeyKind::AccessKey => format!("aws iam {verb}-access-key --user-name {user} --access-key-id {id}"),
            KeyKind::ApiKey => format!("aws iam {verb}-service-specific-credential --user-name {user} --service-specific-credential-id {id}"),
        };
        match self {
            Action::CreateUser { user, path, .. } => format!("aws iam create-user --user-name {user} --path {path}"),
            Action::TagUser { user, .. } => format!("aws iam tag-user --user-name {user} --tags …"),
            Action::AttachPolicy { user, policy_arn } => format!("aws iam attach-user-policy --user-name {user} --policy-arn {policy_arn}"),
            Action::PutInlinePolicy { user, name, .. } => format!("aws iam put-user-policy --user-name {user} --policy-name {name} --policy-document …"),
            Action::CreateAccessKey { user } => format!("aws iam create-access-key --user-name {user}"),
            Action::CreateApiKey { user, days } => format!("aws iam create-service-specific-credential --user-name {user} --service-name {API_KEY_SERVICE} --credential-age-days {days}"),
            Action::DeactivateKey { user, kind, id } => format!("{} --status Inactive", key_command("update", kind, user, id)),
            Action::DeleteKey { user, kind, id } => key_command("delete", kind, user, id),
            Action::DeleteInlinePolicy { user, name } => format!("aws iam delete-user-policy --user-name {user} --policy-name {name}"),
            Action::DetachPolicy { user, policy_arn } => format!("aws iam detach-user-policy --user-name {user} --policy-arn {policy_arn}"),
            Action::DeleteServiceCredential { user, id, .. } => key_command("delete", &KeyKind::ApiKey, user, id),
            Action::DeleteLoginProfile { user } => format!("aws iam delete-login-profile --user-name {user}"),
            Action::DeactivateMfaDevice { user, serial } => format!("aws iam deactivate-mfa-device --user-name {user} --serial-number {serial}"),
            Action::DeleteVirtualMfaDevice { serial } => format!("aws iam delete-virtual-mfa-device --serial-number {serial}"),
            Action::DeleteSshPublicKey { user, id } => format!("aws iam delete-ssh-public-key --user-name {user} --ssh-public-key-id {id}"),
            Action::DeleteSigningCertificate { user, id } => format!("aws iam delete-signing-certificate --user-name {user} --certificate-id {id}"),
            Action::RemoveFromGroup { user, group } => format!("aws iam remove-user-from-group --user-name {user} --group-name {group}"),
            Action::DeleteUser { user } => format!("aws iam delete-user --user-name {user}"),
            Action::PutRolePolicy { role, name, .. } => format!("aws iam put-role-policy --role-name {role} --policy-name {name} --policy-document …"),
            Action::DeleteRolePolicy { role, name } => format!("aws iam delete-role-policy --role-name {role} --policy-name {name}"),
            Action::ActivateKey { user, kind, id } => format!("{} --status Active", key_command("update", kind, user, id)),
            Action::UntagUser { user, keys } => format!("aws iam untag-user --user-name {user} --tag-keys {}", keys.join(" ")),
            Action::PutManagedPolicy { user, name, .. } => format!(
                "aws iam create-policy --policy-name {name} --path {} --policy-document … && aws iam attach-user-policy --user-name {user} --policy-arn {}",
                managed_policy_path(user),
                managed_policy_arn_lookup(user)
            ),
            Action::DeleteManagedPolicy { user, .. } => {
                let arn = managed_policy_arn_lookup(user);
                format!("aws iam detach-user-policy --user-name {user} --policy-arn {arn} && aws iam delete-policy --policy-arn {arn}")
            }
        }
    }

    /// The action that removes what this one created (`created_id`: the key it created).
    pub(crate) fn inverse(&self, created_id: Option<&str>) -> Option<Action> {
        let id = created_id.unwrap_or("<id>").to_owned();
        Some(match self {
            Action::CreateUser { user, .. } => Action::DeleteUser { user: user.clone() },
            Action::AttachPolicy { user, policy_arn } => Action::DetachPolicy { user: user.clone(), policy_arn: policy_arn.clone() },
            Action::PutInlinePolicy { user, name, .. } => Action::DeleteInlinePolicy { user: user.clone(), name: name.clone() },
            Action::PutManagedPolicy { user, name, .. } => Action::DeleteManagedPolicy { user: user.clone(), name: name.clone() },
            Action::CreateAccessKey { user } => Action::DeleteKey { user: user.clone(), kind: KeyKind::AccessKey, id },
            Action::CreateApiKey { user, .. } => Action::DeleteKey { user: user.clone(), kind: KeyKind::ApiKey, id },
            _ => return None,
        })
    }
}

/// What makes IAM match `request` for `user` in `partition`, given what it holds now (`None`:
/// no such user).
///
/// Adds before it removes, so the user never goes without the access asked for: tags that are
/// missing or differ; the requested managed policy or inline document; then the managed policy
/// this library recorded as attached and no longer asked for, and its inline policy when not
/// asked for; then the [`POLICY_TAG`] that records the policy, only once IAM has accepted it and
/// the previous one is gone (so a failed step never makes a run forget a policy it attached);
/// last the key, when no active key of that kind exists.
pub(crate) fn provision(request: &ProvisionRequest, partition: Partition, tags: Vec<(String, String)>, state: Option<&UserState>) -> Result<Vec<Action>, ProvisionError> {
    let user = request.business_unit.user_name();
    let (policy_tag, tags): (Vec<_>, Vec<_>) = tags.into_iter().partition(|(k, _)| k == POLICY_TAG);
    let wanted_arn = request.policy.managed_arn(partition);
    let wanted_document = request.policy.inline_document(partition);
    let mut actions = Vec::new();
    let Some(state) = state else {
        actions.push(Action::CreateUser { user: user.clone(), path: request.path.clone(), tags });
        actions.extend(wanted_arn.map(|policy_arn| Action::AttachPolicy { user: user.clone(), policy_arn }));
        actions.extend(wanted_document.map(|document| put_models_policy(&user, document)));
        actions.push(Action::TagUser { user: user.clone(), tags: policy_tag });
        actions.extend(create_key(&user, request.key));
        return Ok(actions);
    };
    let differs = |(k, v): &(String, String)| state.tags.get(k) != Some(v);
    let differing: Vec<_> = tags.into_iter().filter(differs).collect();
    if !differing.is_empty() {
        actions.push(Action::TagUser { user: user.clone(), tags: differing });
    }
    if let Some(arn) = wanted_arn.as_ref().filter(|arn| !state.attached.contains(arn)) {
        actions.push(Action::AttachPolicy { user: user.clone(), policy_arn: arn.clone() });
    }
    let wanted_inline = wanted_document.as_deref().is_some_and(models_policy_inline);
    if let Some(document) = &wanted_document {
        let wanted: serde_json::Value = serde_json::from_str(document).expect("our own documents are JSON");
        let current = if wanted_inline { &state.inline_document } else { &state.managed_document };
        if current.as_ref() != Some(&wanted) {
            actions.push(put_models_policy(&user, document.clone()));
        }
    }
    if let Some(arn) = policy_we_attached(state.policy_tag(), partition) {
        if state.attached.contains(&arn) && wanted_arn.as_ref() != Some(&arn) {
            actions.push(Action::DetachPolicy { user: user.clone(), policy_arn: arn });
        }
    }
    if !wanted_inline && state.inline.iter().any(|name| name == INLINE_POLICY_NAME) {
        actions.push(Action::DeleteInlinePolicy { user: user.clone(), name: INLINE_POLICY_NAME.into() });
    }
    if (wanted_document.is_none() || wanted_inline) && state.managed_document.is_some() {
        actions.push(Action::DeleteManagedPolicy { user: user.clone(), name: INLINE_POLICY_NAME.into() });
    }
    if policy_tag.iter().any(differs) {
        actions.push(Action::TagUser { user: user.clone(), tags: policy_tag });
    }
    let Some((kind, create)) = kind_and_create(&user, request.key) else { return Ok(actions) };
    if !state.keys_of(kind).any(|k| k.active) {
        check_room(&user, kind, &state.keys)?;
        actions.push(create);
    }
    Ok(actions)
}

/// The models policy for `user`: inline while it leaves room for the revocation deny, else a
/// customer-managed policy of the user's own.
fn put_models_policy(user: &str, document: String) -> Action {
    match models_policy_inline(&document) {
        true => Action::PutInlinePolicy { user: user.to_owned(), name: INLINE_POLICY_NAME.into(), document },
        false => Action::PutManagedPolicy { user: user.to_owned(), name: INLINE_POLICY_NAME.into(), document },
    }
}

/// The IAM path of the customer-managed policies made for `user`: its own, so that they are
/// found by path and never mistaken for another user's.
pub(crate) fn managed_policy_path(user: &str) -> String {
    format!("/bedrock-token/{user}/")
}

/// A shell expression for the ARN of `user`'s managed policy, for commands a person runs.
fn managed_policy_arn_lookup(user: &str) -> String {
    format!("$(aws iam list-policies --scope Local --path-prefix {} --query 'Policies[0].Arn' --output text)", managed_policy_path(user))
}

fn create_key(user: &str, key: KeyRequest) -> Option<Action> {
    kind_and_create(user, key).map(|(_, create)| create)
}

/// The kind of key a request asks for, and the action that creates one.
pub(crate) fn kind_and_create(user: &str, key: KeyRequest) -> Option<(KeyKind, Action)> {
    match key {
        KeyRequest::None => None,
        KeyRequest::AccessKey => Some((KeyKind::AccessKey, Action::CreateAccessKey { user: user.to_owned() })),
        KeyRequest::ApiKey { days } => Some((KeyKind::ApiKey, Action::CreateApiKey { user: user.to_owned(), days })),
    }
}

/// Refuses when IAM's limit of two keys of `kind` leaves no room, naming the command that
/// removes the oldest.
pub(crate) fn check_room(user: &str, kind: KeyKind, keys: &[KeyStatus]) -> Result<(), ProvisionError> {
    let existing: Vec<&KeyStatus> = keys.iter().filter(|k| k.kind == kind).collect();
    let Some(oldest) = existing.iter().min_by_key(|k| k.created_at).filter(|_| existing.len() >= KEYS_PER_USER) else { return Ok(()) };
    Err(ProvisionError::KeyLimit {
        user: user.to_owned(),
        kind,
        existing: existing.iter().map(|k| k.id.clone()).collect(),
        fix: Action::DeleteKey { user: user.to_owned(), kind, id: oldest.id.clone() }.aws_command(),
    })
}

/// Whether an MFA serial number names a virtual device (`arn:PARTITION:iam::ACCOUNT:mfa/NAME`),
/// the only kind `DeleteVirtualMFADevice` takes: FIDO security keys (`…:u2f/…`) and hardware
/// tokens (a plain serial) are only deactivated.
fn is_virtual_mfa(serial: &str) -> bool {
    serial.starts_with("arn:") && serial.split(':').nth(5).is_some_and(|resource| resource.starts_with("mfa/"))
}

/// Everything `DeleteUser` needs removed first, in an order IAM accepts, then the user: keys and
/// other services' credentials, the console password, MFA devices (deactivated, and deleted when
/// virtual), SSH keys, signing certificates, group memberships, inline and attached policies.
pub(crate) fn deprovision(user: &str, state: &UserState, attachments: &Attachments) -> Vec<Action> {
    let user = user.to_owned();
    let mut actions = Vec::new();
    for kind in [KeyKind::ApiKey, KeyKind::AccessKey] {
        actions.extend(state.keys_of(kind).map(|k| Action::DeleteKey { user: user.clone(), kind, id: k.id.clone() }));
    }
    for (service, id) in &attachments.other_service_credentials {
        actions.push(Action::DeleteServiceCredential { user: user.clone(), service: service.clone(), id: id.clone() });
    }
    if attachments.login_profile {
        actions.push(Action::DeleteLoginProfile { user: user.clone() });
    }
    for serial in &attachments.mfa_devices {
        actions.push(Action::DeactivateMfaDevice { user: user.clone(), serial: serial.clone() });
        if is_virtual_mfa(serial) {
            actions.push(Action::DeleteVirtualMfaDevice { serial: serial.clone() });
        }
    }
    actions.extend(attachments.ssh_public_keys.iter().map(|id| Action::DeleteSshPublicKey { user: user.clone(), id: id.clone() }));
    actions.extend(attachments.signing_certificates.iter().map(|id| Action::DeleteSigningCertificate { user: user.clone(), id: id.clone() }));
    actions.extend(attachments.groups.iter().map(|group| Action::RemoveFromGroup { user: user.clone(), group: group.clone() }));
    actions.extend(state.inline.iter().map(|name| Action::DeleteInlinePolicy { user: user.clone(), name: name.clone() }));
    let ours = |arn: &String| arn.contains(&format!(":policy{}", managed_policy_path(&user)));
    actions.extend(state.attached.iter().filter(|arn| !ours(arn)).map(|arn| Action::DetachPolicy { user: user.clone(), policy_arn: arn.clone() }));
    if state.managed_document.is_some() {
        actions.push(Action::DeleteManagedPolicy { user: user.clone(), name: INLINE_POLICY_NAME.into() });
    }
    actions.push(Action::DeleteUser { user });
    actions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_virtual_mfa_devices_are_deleted() {
        assert!(is_virtual_mfa("arn:aws:iam::123456789012:mfa/alice"));
        assert!(is_virtual_mfa("arn:aws-us-gov:iam::123456789012:mfa/path/alice"));
        assert!(!is_virtual_mfa("arn:aws:iam::123456789012:u2f/user/alice/fidosecuritykey-ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
        assert!(!is_virtual_mfa("GAHT12345678"));
    }
}
