//! Each IAM change as a value: shown in dry runs, applied in order by `apply`, undone by a named
//! command. Pure data, below everything that plans, applies or reports changes.

use std::fmt;

use serde::Serialize;

use super::API_KEY_SERVICE;

/// Which kind of long-term credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// An IAM access key pair (SigV4 signing, or input to short-term keys).
    AccessKey,
    /// A long-term Bedrock API key: an IAM service-specific credential for `bedrock.amazonaws.com`.
    ApiKey,
}

impl KeyKind {
    /// The kind's name in JSON: reports, and the secrets `provision --store` writes.
    ///
    /// ```
    /// use bedrock_token::provision::KeyKind;
    /// assert_eq!(KeyKind::ApiKey.name(), "api-key");
    /// assert_eq!(serde_json::to_value(KeyKind::AccessKey).unwrap(), KeyKind::AccessKey.name());
    /// ```
    pub fn name(&self) -> &'static str {
        match self {
            KeyKind::AccessKey => crate::provider::delivered_key::ACCESS_KEY,
            KeyKind::ApiKey => crate::provider::delivered_key::API_KEY,
        }
    }
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::AccessKey => "access key",
            KeyKind::ApiKey => "Bedrock API key",
        })
    }
}

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

/// A shell expression for the ARN of `user`'s managed policy, for commands a person runs.
fn managed_policy_arn_lookup(user: &str) -> String {
    format!("$(aws iam list-policies --scope Local --path-prefix {} --query 'Policies[0].Arn' --output text)", managed_policy_path(user))
}

/// The IAM path of the customer-managed policies made for `user`: its own, so that they are
/// found by path and never mistaken for another user's.
pub(crate) fn managed_policy_path(user: &str) -> String {
    format!("/bedrock-token/{user}/")
}
