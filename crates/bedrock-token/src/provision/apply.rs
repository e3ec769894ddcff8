//! Carrying out [`Action`]s: the IAM calls that change things, and what makes them safe to repeat
//! and to run beside another run for the same user.
//!
//! - Key creation is the one call that is not idempotent, so the SDK never retries it. When its
//!   answer is lost, the keys are listed again: a key this run cannot account for is reported
//!   ([`ProvisionError::KeyLost`]) with the command that deletes it.
//! - A user this run created is waited for until IAM shows it, and `NoSuchEntity` for it right
//!   after is retried (IAM is eventually consistent).
//! - Anything another run did first (`EntityAlreadyExists`, `LimitExceeded` on a key, or a key
//!   created at the same moment) sends provisioning back to read IAM and plan again.

use std::hash::{BuildHasher, RandomState};
use std::time::{Duration, SystemTime};

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::types::{StatusType, Tag};

use super::client::Iam;
use super::throttle::{send, Throttled};
use super::action::Action;
use super::report::{KeyKind, KeyStatus, NewKey, SecurityWarning};
use super::action::managed_policy_path;
use super::state;
use super::{ProvisionError, Secret, API_KEY_SERVICE, CREATED_BY};

/// How an applied plan ended.
pub(crate) enum Applied {
    /// Every action is done; the key created, if any.
    Finished(Option<NewKey>),
    /// Another run changed the user first: read IAM and plan again (with a note, if any).
    Again(Option<SecurityWarning>),
}

/// Applies a provisioning plan, appending what it did to `done` (kept across rounds, so that a
/// failure lists everything this run changed). `keys_before` are the keys the plan was made from.
pub(crate) async fn provision(iam: &Iam, actions: &[Action], keys_before: &[KeyStatus], done: &mut Vec<Action>) -> Result<Applied, ProvisionError> {
    let mut created_user = false;
    let mut new_key = None;
    for action in actions {
        let result = match action {
            Action::CreateUser { user, .. } => match action.apply(iam).await {
                Err(err) if err.iam_code() == Some("EntityAlreadyExists") => return Ok(Applied::Again(None)),
                Err(err) => Err(err),
                Ok(_) => {
                    created_user = true;
                    wait_until_visible(iam, user).await;
                    Ok(None)
                }
            },
            Action::CreateAccessKey { user } | Action::CreateApiKey { user, .. } => {
                let kind = if matches!(action, Action::CreateAccessKey { .. }) { KeyKind::AccessKey } else { KeyKind::ApiKey };
                match create_key(iam, action, user, kind, keys_before).await {
                    Err(err) if err.iam_code() == Some("LimitExceeded") => return Ok(Applied::Again(None)),
                    Err(err) => Err(err),
                    Ok(key) => match settle_race(iam, user, &key, keys_before).await {
                        Ok(None) => Ok(Some(key)),
                        Ok(Some(kept)) => {
                            done.push(action.clone());
                            done.push(Action::DeleteKey { user: user.clone(), kind, id: key.id.clone() });
                            return Ok(Applied::Again(Some(SecurityWarning::KeyMadeByAnotherRun { id: kept })));
                        }
                        Err(err) => {
                            done.push(action.clone());
                            return Err(partial(action, done, Some(&key), err));
                        }
                    },
                }
            }
            _ if created_user => apply_while_user_appears(iam, action).await,
            _ => action.apply(iam).await,
        };
        match result {
            Ok(key) => {
                done.push(action.clone());
                new_key = key.or(new_key);
            }
            Err(err) => return Err(partial(action, done, new_key.as_ref(), err)),
        }
    }
    Ok(Applied::Finished(new_key))
}

/// Applies `actions` in order. On failure, the error lists what was done and how to remove it.
pub(crate) async fn all(iam: &Iam, actions: &[Action]) -> Result<(), ProvisionError> {
    for (index, action) in actions.iter().enumerate() {
        if let Err(err) = action.apply(iam).await {
            return Err(partial(action, &actions[..index], None, err));
        }
    }
    Ok(())
}

/// `failed` failed with `source` after `completed`: the error names the commands that remove
/// what the completed steps created (`new_key`: the key one of them created).
pub(crate) fn partial(failed: &Action, completed: &[Action], new_key: Option<&NewKey>, source: ProvisionError) -> ProvisionError {
    if completed.is_empty() {
        return source;
    }
    let created_id = new_key.map(|k| k.id.as_str());
    ProvisionError::Partial {
        failed: Box::new(failed.clone()),
        completed: completed.to_vec(),
        cleanup: completed.iter().rev().filter_map(|a| a.inverse(created_id)).map(|a| a.aws_command()).collect(),
        source: Box::new(source),
    }
}

/// Creates a key, never retried by the SDK. When the outcome is unknown (no answer, or a 5xx
/// answer: IAM failed while handling it), lists the keys again: a key of `kind` that was not there
/// before is one that nobody holds the secret of (or another run's), and is reported with the
/// command that deletes it; when none appeared, nothing was created.
///
/// IAM's `Throttling` answer is a refusal that did nothing, so that one is sent again, as every
/// IAM call is (see `throttle`).
pub(crate) async fn create_key(iam: &Iam, action: &Action, user: &str, kind: KeyKind, before: &[KeyStatus]) -> Result<NewKey, ProvisionError> {
    let mut throttled = Throttled::new();
    let err = loop {
        match action.apply(iam).await {
            Ok(key) => return key.ok_or_else(|| iam.missing("CreateKey", "key")),
            Err(err) if throttled.again_for(err.iam_code()).await => {}
            Err(err) if err.outcome_unknown() => break err,
            Err(err) => return Err(err),
        }
    };
    let (keys, _) = state::read_keys(iam, user).await?;
    match keys.into_iter().find(|k| k.kind == kind && !before.iter().any(|b| b.id == k.id)) {
        Some(unknown) => Err(ProvisionError::KeyLost {
            user: user.to_owned(),
            kind,
            fix: Action::DeleteKey { user: user.to_owned(), kind, id: unknown.id.clone() }.aws_command(),
            id: unknown.id,
            cause: err.to_string(),
        }),
        None => Err(err),
    }
}

/// After creating `key`: when another run created an active key of the same kind at the same
/// time, the earlier one stays (on a tie, both step back and plan again). Returns the key that
/// stays when it is not ours, having deleted ours. A run that saw no other key keeps its own:
/// any key created after that is later, and its run steps back.
async fn settle_race(iam: &Iam, user: &str, key: &NewKey, before: &[KeyStatus]) -> Result<Option<String>, ProvisionError> {
    let (keys, _) = state::read_keys(iam, user).await?;
    let mine = keys.iter().find(|k| k.id == key.id).and_then(|k| k.created_at).or(key.created_at);
    let earlier = keys.iter().find(|k| {
        k.kind == key.kind && k.active && k.id != key.id && !before.iter().any(|b| b.id == k.id) && (k.created_at.is_none() || mine.is_none() || k.created_at <= mine)
    });
    let Some(kept) = earlier else { return Ok(None) };
    Action::DeleteKey { user: user.to_owned(), kind: key.kind, id: key.id.clone() }.apply(iam).await?;
    Ok(Some(kept.id.clone()))
}

/// Waits (a few seconds at most) until IAM shows a user just created; IAM is eventually
/// consistent, and calls on a user it does not show yet fail with `NoSuchEntity`.
async fn wait_until_visible(iam: &Iam, user: &str) {
    for attempt in 0..6 {
        match state::read_user_exists(iam, user).await {
            Ok(true) | Err(_) => return,
            Ok(false) => tokio::time::sleep(backoff(attempt)).await,
        }
    }
}

/// Applies `action` on a user this run just created, retrying `NoSuchEntity` a few times.
async fn apply_while_user_appears(iam: &Iam, action: &Action) -> Result<Option<NewKey>, ProvisionError> {
    let mut attempt = 0;
    loop {
        match action.apply(iam).await {
            Err(err) if err.iam_code() == Some("NoSuchEntity") && attempt < 5 => {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
            }
            result => return result,
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100 << attempt.min(4))
}

/// A random pause before planning again, growing with the round, so that runs that stepped back
/// together do not collide again.
pub(crate) async fn pause(round: u32) {
    let random = RandomState::new().hash_one(SystemTime::now()) % 200;
    tokio::time::sleep(Duration::from_millis((50 + random) * u64::from(round))).await;
}

impl Action {
    /// Carries out the action; returns the key it created, if any.
    pub(crate) async fn apply(&self, iam: &Iam) -> Result<Option<NewKey>, ProvisionError> {
        let client = iam.client();
        // A repeated create would make a second key nobody holds: the SDK may not retry these.
        let once = || aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled());
        match self {
            Action::CreateUser { user, path, tags } => {
                let tags = iam_tags(tags)?;
                send!(client.create_user().user_name(user).path(path).set_tags(Some(tags))).map_err(|e| iam.error("CreateUser", e))?;
            }
            Action::TagUser { user, tags } => {
                let tags = iam_tags(tags)?;
                send!(client.tag_user().user_name(user).set_tags(Some(tags))).map_err(|e| iam.error("TagUser", e))?;
            }
            Action::AttachPolicy { user, policy_arn } => {
                send!(client.attach_user_policy().user_name(user).policy_arn(policy_arn)).map_err(|e| iam.error("AttachUserPolicy", e))?;
            }
            Action::PutInlinePolicy { user, name, document } => {
                send!(client.put_user_policy().user_name(user).policy_name(name).policy_document(document)).map_err(|e| iam.error("PutUserPolicy", e))?;
            }
            Action::CreateAccessKey { user } => {
                let out = client.create_access_key().user_name(user).customize().config_override(once()).send().await.map_err(|e| iam.error("CreateAccessKey", e))?;
                let key = out.access_key().ok_or_else(|| iam.missing("CreateAccessKey", "AccessKey"))?;
                return Ok(Some(NewKey {
                    kind: KeyKind::AccessKey,
                    id: key.access_key_id().to_owned(),
                    secret: Secret::new(key.secret_access_key()),
                    service_user_name: None,
                    created_at: key.create_date().and_then(|d| SystemTime::try_from(*d).ok()),
                    expires_at: None,
                }));
            }
            Action::CreateApiKey { user, days } => {
                let out = client
                    .create_service_specific_credential()
                    .user_name(user)
                    .service_name(API_KEY_SERVICE)
                    .credential_age_days(*days as i32)
                    .customize()
                    .config_override(once())
                    .send()
                    .await
                    .map_err(|e| iam.error("CreateServiceSpecificCredential", e))?;
                let credential = out
                    .service_specific_credential()
                    .ok_or_else(|| iam.missing("CreateServiceSpecificCredential", "ServiceSpecificCredential"))?;
                let secret = credential
                    .service_credential_secret()
                    .ok_or_else(|| iam.missing("CreateServiceSpecificCredential", "ServiceCredentialSecret"))?;
                return Ok(Some(NewKey {
                    kind: KeyKind::ApiKey,
                    id: credential.service_specific_credential_id().to_owned(),
                    secret: Secret::new(secret),
                    service_user_name: Some(credential.service_user_name().to_owned()).filter(|name| !name.is_empty()),
                    created_at: SystemTime::try_from(*credential.create_date()).ok(),
                    expires_at: credential.expiration_date().and_then(|d| SystemTime::try_from(*d).ok()),
                }));
            }
            Action::DeactivateKey { user, kind: KeyKind::AccessKey, id } => {
                send!(client.update_access_key().user_name(user).access_key_id(id).status(StatusType::Inactive)).map_err(|e| iam.error("UpdateAccessKey", e))?;
            }
            Action::DeactivateKey { user, kind: KeyKind::ApiKey, id } => {
                send!(client.update_service_specific_credential().user_name(user).service_specific_credential_id(id).status(StatusType::Inactive)).map_err(|e| iam.error("UpdateServiceSpecificCredential", e))?;
            }
            Action::DeleteKey { user, kind: KeyKind::AccessKey, id } => {
                send!(client.delete_access_key().user_name(user).access_key_id(id)).map_err(|e| iam.error("DeleteAccessKey", e))?;
            }
            Action::DeleteKey { user, kind: KeyKind::ApiKey, id } | Action::DeleteServiceCredential { user, id, .. } => {
                send!(client.delete_service_specific_credential().user_name(user).service_specific_credential_id(id)).map_err(|e| iam.error("DeleteServiceSpecificCredential", e))?;
            }
            Action::DeleteInlinePolicy { user, name } => {
                send!(client.delete_user_policy().user_name(user).policy_name(name)).map_err(|e| iam.error("DeleteUserPolicy", e))?;
            }
            Action::DetachPolicy { user, policy_arn } => {
                send!(client.detach_user_policy().user_name(user).policy_arn(policy_arn)).map_err(|e| iam.error("DetachUserPolicy", e))?;
            }
            Action::DeleteLoginProfile { user } => {
                send!(client.delete_login_profile().user_name(user)).map_err(|e| iam.error("DeleteLoginProfile", e))?;
            }
            Action::DeactivateMfaDevice { user, serial } => {
                send!(client.deactivate_mfa_device().user_name(user).serial_number(serial)).map_err(|e| iam.error("DeactivateMFADevice", e))?;
            }
            Action::DeleteVirtualMfaDevice { serial } => {
                send!(client.delete_virtual_mfa_device().serial_number(serial)).map_err(|e| iam.error("DeleteVirtualMFADevice", e))?;
            }
            Action::DeleteSshPublicKey { user, id } => {
                send!(client.delete_ssh_public_key().user_name(user).ssh_public_key_id(id)).map_err(|e| iam.error("DeleteSSHPublicKey", e))?;
            }
            Action::DeleteSigningCertificate { user, id } => {
                send!(client.delete_signing_certificate().user_name(user).certificate_id(id)).map_err(|e| iam.error("DeleteSigningCertificate", e))?;
            }
            Action::RemoveFromGroup { user, group } => {
                send!(client.remove_user_from_group().user_name(user).group_name(group)).map_err(|e| iam.error("RemoveUserFromGroup", e))?;
            }
            Action::DeleteUser { user } => {
                send!(client.delete_user().user_name(user)).map_err(|e| iam.error("DeleteUser", e))?;
            }
            Action::PutRolePolicy { role, name, document } => {
                send!(client.put_role_policy().role_name(role).policy_name(name).policy_document(document)).map_err(|e| iam.error("PutRolePolicy", e))?;
            }
            Action::DeleteRolePolicy { role, name } => {
                send!(client.delete_role_policy().role_name(role).policy_name(name)).map_err(|e| iam.error("DeleteRolePolicy", e))?;
            }
            Action::ActivateKey { user, kind: KeyKind::AccessKey, id } => {
                send!(client.update_access_key().user_name(user).access_key_id(id).status(StatusType::Active)).map_err(|e| iam.error("UpdateAccessKey", e))?;
            }
            Action::ActivateKey { user, kind: KeyKind::ApiKey, id } => {
                send!(client.update_service_specific_credential().user_name(user).service_specific_credential_id(id).status(StatusType::Active)).map_err(|e| iam.error("UpdateServiceSpecificCredential", e))?;
            }
            Action::PutManagedPolicy { user, name, document } => put_managed_policy(iam, user, name, document).await?,
            Action::DeleteManagedPolicy { user, name } => delete_managed_policy(iam, user, name).await?,
            Action::UntagUser { user, keys } => {
                send!(client.untag_user().user_name(user).set_tag_keys(Some(keys.clone()))).map_err(|e| iam.error("UntagUser", e))?;
            }
        }
        Ok(None)
    }
}

/// IAM keeps at most five versions of a managed policy.
const POLICY_VERSIONS: usize = 5;

/// Creates `user`'s managed policy `name` with `document`, or makes `document` its default
/// version (removing the oldest other version when IAM's five are used), then attaches it.
async fn put_managed_policy(iam: &Iam, user: &str, name: &str, document: &str) -> Result<(), ProvisionError> {
    let client = iam.client();
    let path = managed_policy_path(user);
    let tags = iam_tags(&[(CREATED_BY.0.to_owned(), CREATED_BY.1.to_owned())])?;
    let create = client.create_policy().policy_name(name).path(&path).policy_document(document).set_tags(Some(tags));
    let arn = match send!(create) {
        Ok(out) => out.policy.and_then(|p| p.arn).ok_or_else(|| iam.missing("CreatePolicy", "Arn"))?,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_entity_already_exists_exception()) => {
            let arn = state::find_managed_policy(iam, user, name).await?.ok_or_else(|| iam.missing("ListPolicies", name))?;
            let versions = send!(client.list_policy_versions().policy_arn(&arn)).map_err(|e| iam.error("ListPolicyVersions", e))?.versions.unwrap_or_default();
            if versions.len() >= POLICY_VERSIONS {
                let oldest = versions.iter().filter(|v| !v.is_default_version).min_by_key(|v| v.create_date).and_then(|v| v.version_id.clone());
                if let Some(version) = oldest {
                    send!(client.delete_policy_version().policy_arn(&arn).version_id(version)).map_err(|e| iam.error("DeletePolicyVersion", e))?;
                }
            }
            send!(client.create_policy_version().policy_arn(&arn).policy_document(document).set_as_default(true)).map_err(|e| iam.error("CreatePolicyVersion", e))?;
            arn
        }
        Err(err) => return Err(iam.error("CreatePolicy", err)),
    };
    send!(client.attach_user_policy().user_name(user).policy_arn(&arn)).map_err(|e| iam.error("AttachUserPolicy", e))?;
    Ok(())
}

/// Detaches `user`'s managed policy `name` and deletes it with its versions; nothing to do when
/// it does not exist.
async fn delete_managed_policy(iam: &Iam, user: &str, name: &str) -> Result<(), ProvisionError> {
    let client = iam.client();
    let Some(arn) = state::find_managed_policy(iam, user, name).await? else { return Ok(()) };
    match send!(client.detach_user_policy().user_name(user).policy_arn(&arn)) {
        Err(err) if !err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Err(iam.error("DetachUserPolicy", err)),
        _ => {}
    }
    let versions = send!(client.list_policy_versions().policy_arn(&arn)).map_err(|e| iam.error("ListPolicyVersions", e))?.versions.unwrap_or_default();
    for version in versions.iter().filter(|v| !v.is_default_version).filter_map(|v| v.version_id.clone()) {
        send!(client.delete_policy_version().policy_arn(&arn).version_id(version)).map_err(|e| iam.error("DeletePolicyVersion", e))?;
    }
    send!(client.delete_policy().policy_arn(&arn)).map_err(|e| iam.error("DeletePolicy", e))?;
    Ok(())
}

fn iam_tags(tags: &[(String, String)]) -> Result<Vec<Tag>, ProvisionError> {
    tags.iter()
        .map(|(key, value)| {
            Tag::builder().key(key).value(value).build().map_err(|_| ProvisionError::InvalidInput {
                field: "tag",
                reason: format!("{key} needs a key and a value"),
            })
        })
        .collect()
}
