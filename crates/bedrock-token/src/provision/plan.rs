//! The plans that compare IAM as it is with what is asked, as [`Action`]s. No IAM calls here.

use super::action::{managed_policy_path, Action};
use super::input::{models_policy_inline, policy_we_attached, KeyRequest, ProvisionRequest, POLICY_TAG};
use super::report::{KeyKind, KeyStatus};
use super::state::{Attachments, UserState};
use super::{Partition, ProvisionError, INLINE_POLICY_NAME, KEYS_PER_USER};

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
    if let Some(arn) = policy_we_attached(state.policy_tag(), partition)
        && state.attached.contains(&arn)
        && wanted_arn.as_ref() != Some(&arn)
    {
        actions.push(Action::DetachPolicy { user: user.clone(), policy_arn: arn });
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
    check_room_keeping(user, kind, keys, None)
}

/// As [`check_room`], but the command named never removes `keep` (the key a secret's
/// `AWSCURRENT` holds): it removes the oldest of the others.
pub(crate) fn check_room_keeping(user: &str, kind: KeyKind, keys: &[KeyStatus], keep: Option<&str>) -> Result<(), ProvisionError> {
    let existing: Vec<&KeyStatus> = keys.iter().filter(|k| k.kind == kind).collect();
    let others = existing.iter().filter(|k| Some(k.id.as_str()) != keep);
    let Some(oldest) = others.min_by_key(|k| k.created_at).filter(|_| existing.len() >= KEYS_PER_USER) else { return Ok(()) };
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
