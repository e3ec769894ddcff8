//! Each IAM change as a value: shown in dry runs, applied in order, undone by a named command.

use std::fmt;

use aws_sdk_iam::types::{StatusType, Tag};
use serde::Serialize;

use super::iam::Iam;
use super::report::{KeyKind, NewKey};
use super::{ProvisionError, API_KEY_SERVICE};

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
    /// `DeleteUser`.
    DeleteUser {
        /// The user.
        user: String,
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
            Action::DeleteUser { user } => write!(f, "delete user {user}"),
        }
    }
}

impl Action {
    /// The same change as an `aws iam` command, e.g. for a person to run by hand.
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
            Action::DeleteUser { user } => format!("aws iam delete-user --user-name {user}"),
        }
    }

    /// The action that removes what this one created (`created_id`: the key it created).
    pub(crate) fn inverse(&self, created_id: Option<&str>) -> Option<Action> {
        let id = created_id.unwrap_or("<id>").to_owned();
        Some(match self {
            Action::CreateUser { user, .. } => Action::DeleteUser { user: user.clone() },
            Action::AttachPolicy { user, policy_arn } => Action::DetachPolicy { user: user.clone(), policy_arn: policy_arn.clone() },
            Action::PutInlinePolicy { user, name, .. } => Action::DeleteInlinePolicy { user: user.clone(), name: name.clone() },
            Action::CreateAccessKey { user } => Action::DeleteKey { user: user.clone(), kind: KeyKind::AccessKey, id },
            Action::CreateApiKey { user, .. } => Action::DeleteKey { user: user.clone(), kind: KeyKind::ApiKey, id },
            _ => return None,
        })
    }

    /// Carries out the action; returns the key it created, if any.
    pub(crate) async fn apply(&self, iam: &Iam) -> Result<Option<NewKey>, ProvisionError> {
        let client = iam.client();
        match self {
            Action::CreateUser { user, path, tags } => {
                client.create_user().user_name(user).path(path).set_tags(Some(iam_tags(tags)?)).send().await.map_err(|e| iam.error("CreateUser", e))?;
            }
            Action::TagUser { user, tags } => {
                client.tag_user().user_name(user).set_tags(Some(iam_tags(tags)?)).send().await.map_err(|e| iam.error("TagUser", e))?;
            }
            Action::AttachPolicy { user, policy_arn } => {
                client.attach_user_policy().user_name(user).policy_arn(policy_arn).send().await.map_err(|e| iam.error("AttachUserPolicy", e))?;
            }
            Action::PutInlinePolicy { user, name, document } => {
                client.put_user_policy().user_name(user).policy_name(name).policy_document(document).send().await.map_err(|e| iam.error("PutUserPolicy", e))?;
            }
            Action::CreateAccessKey { user } => {
                let out = client.create_access_key().user_name(user).send().await.map_err(|e| iam.error("CreateAccessKey", e))?;
                let key = out.access_key().ok_or_else(|| iam.missing("CreateAccessKey", "AccessKey"))?;
                return Ok(Some(NewKey {
                    kind: KeyKind::AccessKey,
                    id: key.access_key_id().to_owned(),
                    secret: super::Secret::new(key.secret_access_key()),
                    service_user_name: None,
                    expires_at: None,
                }));
            }
            Action::CreateApiKey { user, days } => {
                let out = client
                    .create_service_specific_credential()
                    .user_name(user)
                    .service_name(API_KEY_SERVICE)
                    .credential_age_days(*days as i32)
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
                    secret: super::Secret::new(secret),
                    service_user_name: Some(credential.service_user_name().to_owned()),
                    expires_at: credential.expiration_date().and_then(|d| std::time::SystemTime::try_from(*d).ok()),
                }));
            }
            Action::DeactivateKey { user, kind: KeyKind::AccessKey, id } => {
                client.update_access_key().user_name(user).access_key_id(id).status(StatusType::Inactive).send().await.map_err(|e| iam.error("UpdateAccessKey", e))?;
            }
            Action::DeactivateKey { user, kind: KeyKind::ApiKey, id } => {
                client.update_service_specific_credential().user_name(user).service_specific_credential_id(id).status(StatusType::Inactive).send().await.map_err(|e| iam.error("UpdateServiceSpecificCredential", e))?;
            }
            Action::DeleteKey { user, kind: KeyKind::AccessKey, id } => {
                client.delete_access_key().user_name(user).access_key_id(id).send().await.map_err(|e| iam.error("DeleteAccessKey", e))?;
            }
            Action::DeleteKey { user, kind: KeyKind::ApiKey, id } => {
                client.delete_service_specific_credential().user_name(user).service_specific_credential_id(id).send().await.map_err(|e| iam.error("DeleteServiceSpecificCredential", e))?;
            }
            Action::DeleteInlinePolicy { user, name } => {
                client.delete_user_policy().user_name(user).policy_name(name).send().await.map_err(|e| iam.error("DeleteUserPolicy", e))?;
            }
            Action::DetachPolicy { user, policy_arn } => {
                client.detach_user_policy().user_name(user).policy_arn(policy_arn).send().await.map_err(|e| iam.error("DetachUserPolicy", e))?;
            }
            Action::DeleteUser { user } => {
                client.delete_user().user_name(user).send().await.map_err(|e| iam.error("DeleteUser", e))?;
            }
        }
        Ok(None)
    }
}

/// Applies `actions` in order. On failure, the error lists what was done and how to remove it.
pub(crate) async fn apply_all(iam: &Iam, actions: &[Action]) -> Result<Option<NewKey>, ProvisionError> {
    let mut new_key = None;
    for (index, action) in actions.iter().enumerate() {
        match action.apply(iam).await {
            Ok(key) => new_key = key.or(new_key),
            Err(source) => {
                let completed = actions[..index].to_vec();
                let created_id = new_key.as_ref().map(|k: &NewKey| k.id.as_str());
                let cleanup = completed.iter().rev().filter_map(|a| a.inverse(created_id)).map(|a| a.aws_command()).collect();
                return Err(ProvisionError::Partial {
                    failed: Box::new(action.clone()),
                    completed,
                    cleanup,
                    source: Box::new(source),
                });
            }
        }
    }
    Ok(new_key)
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
