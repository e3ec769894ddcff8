//! Reading what IAM holds for a user, every list call paged to its end (`IsTruncated`, `Marker`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{ServiceSpecificCredentialMetadata, StatusType};

use super::governance::{AuditedUser, Principal};
use super::client::Iam;
use super::throttle::send;
use super::action::managed_policy_path;
use super::input::POLICY_TAG;
use super::report::{KeyKind, KeyStatus, SecurityWarning};
use super::{ProvisionError, API_KEY_SERVICE, INLINE_POLICY_NAME};

/// A user as IAM has it now: what provisioning manages.
#[derive(Debug, Default)]
pub(crate) struct UserState {
    pub(crate) arn: String,
    pub(crate) created_at: Option<SystemTime>,
    pub(crate) tags: BTreeMap<String, String>,
    pub(crate) attached: Vec<String>,
    pub(crate) inline: Vec<String>,
    /// Our inline policy's document, when the user has it.
    pub(crate) inline_document: Option<serde_json::Value>,
    /// The document of the customer-managed models policy made for the user, when it is attached.
    pub(crate) managed_document: Option<serde_json::Value>,
    pub(crate) keys: Vec<KeyStatus>,
    pub(crate) warnings: Vec<SecurityWarning>,
}

impl UserState {
    pub(crate) fn is_managed(&self) -> bool {
        let (key, value) = super::CREATED_BY;
        self.tags.get(key).map(String::as_str) == Some(value)
    }

    pub(crate) fn keys_of(&self, kind: KeyKind) -> impl Iterator<Item = &KeyStatus> {
        self.keys.iter().filter(move |k| k.kind == kind)
    }

    pub(crate) fn policy_tag(&self) -> Option<&str> {
        self.tags.get(POLICY_TAG).map(String::as_str)
    }
}

/// Everything else IAM makes you remove before `DeleteUser`.
#[derive(Debug, Default)]
pub(crate) struct Attachments {
    pub(crate) login_profile: bool,
    /// MFA serial numbers; virtual devices' serials are ARNs.
    pub(crate) mfa_devices: Vec<String>,
    pub(crate) ssh_public_keys: Vec<String>,
    pub(crate) signing_certificates: Vec<String>,
    pub(crate) groups: Vec<String>,
    /// Service-specific credentials of other services than Bedrock: (service, id).
    pub(crate) other_service_credentials: Vec<(String, String)>,
}

/// Collects every item of a paginated list call, naming the operation in its error.
macro_rules! all_items {
    ($iam:expr, $operation:literal, $call:expr) => {
        {
            // Sent again from its first page while IAM throttles (see `throttle`).
            let request = $call;
            let mut throttled = super::throttle::Throttled::new();
            loop {
                match request.clone().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await {
                    Err(err) if throttled.again(&err).await => continue,
                    result => break result.map_err(|e| $iam.error($operation, e))?,
                }
            }
        }
    };
}

/// Reads the user, its tags, policies and keys; `None` when the user does not exist.
pub(crate) async fn read_user(iam: &Iam, user: &str) -> Result<Option<UserState>, ProvisionError> {
    let client = iam.client();
    let found = match send!(client.get_user().user_name(user)) {
        Ok(out) => out.user.ok_or_else(|| iam.missing("GetUser", "User"))?,
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => return Ok(None),
        Err(err) => return Err(iam.error("GetUser", err)),
    };
    let mut state = UserState { arn: found.arn, created_at: SystemTime::try_from(found.create_date).ok(), ..UserState::default() };
    let tags = all_items!(iam, "ListUserTags", client.list_user_tags().user_name(user));
    state.tags = tags.into_iter().map(|t| (t.key, t.value)).collect();
    let attached = all_items!(iam, "ListAttachedUserPolicies", client.list_attached_user_policies().user_name(user));
    state.attached = attached.into_iter().filter_map(|p| p.policy_arn).collect();
    state.inline = all_items!(iam, "ListUserPolicies", client.list_user_policies().user_name(user));
    if state.inline.iter().any(|name| name == INLINE_POLICY_NAME) {
        let policy = send!(client.get_user_policy().user_name(user).policy_name(INLINE_POLICY_NAME)).map_err(|e| iam.error("GetUserPolicy", e))?;
        state.inline_document = Some(policy_document(&policy.policy_document));
    }
    let ours = format!(":policy{}{INLINE_POLICY_NAME}", managed_policy_path(user));
    if let Some(arn) = state.attached.iter().find(|arn| arn.ends_with(&ours)) {
        state.managed_document = Some(read_managed_document(iam, arn).await?);
    }
    (state.keys, state.warnings) = read_keys(iam, user).await?;
    Ok(Some(state))
}

/// The default version's document of a customer-managed policy.
pub(crate) async fn read_managed_document(iam: &Iam, arn: &str) -> Result<serde_json::Value, ProvisionError> {
    let client = iam.client();
    let policy = send!(client.get_policy().policy_arn(arn)).map_err(|e| iam.error("GetPolicy", e))?;
    let version = policy.policy.and_then(|p| p.default_version_id).ok_or_else(|| iam.missing("GetPolicy", "DefaultVersionId"))?;
    let version = send!(client.get_policy_version().policy_arn(arn).version_id(version)).map_err(|e| iam.error("GetPolicyVersion", e))?;
    let document = version.policy_version.and_then(|v| v.document).ok_or_else(|| iam.missing("GetPolicyVersion", "Document"))?;
    Ok(policy_document(&document))
}

/// The ARN of the customer-managed policy `name` made for `user`, if it exists.
pub(crate) async fn find_managed_policy(iam: &Iam, user: &str, name: &str) -> Result<Option<String>, ProvisionError> {
    let path = managed_policy_path(user);
    let request = iam.client().list_policies().scope(aws_sdk_iam::types::PolicyScopeType::Local).path_prefix(&path);
    let policies = all_items!(iam, "ListPolicies", request);
    Ok(policies.into_iter().find(|p| p.policy_name() == Some(name) && p.path() == Some(path.as_str())).and_then(|p| p.arn))
}

/// The user's tags.
pub(crate) async fn read_tags(iam: &Iam, user: &str) -> Result<BTreeMap<String, String>, ProvisionError> {
    let tags = all_items!(iam, "ListUserTags", iam.client().list_user_tags().user_name(user));
    Ok(tags.into_iter().map(|t| (t.key, t.value)).collect())
}

/// Whether IAM shows the user (just `GetUser`).
pub(crate) async fn read_user_exists(iam: &Iam, user: &str) -> Result<bool, ProvisionError> {
    match send!(iam.client().get_user().user_name(user)) {
        Ok(_) => Ok(true),
        Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => Ok(false),
        Err(err) => Err(iam.error("GetUser", err)),
    }
}

/// A user's or role's inline policy `name` as JSON; `None` when it has none of that name.
pub(crate) async fn read_inline_policy(iam: &Iam, principal: &Principal, name: &str) -> Result<Option<serde_json::Value>, ProvisionError> {
    let client = iam.client();
    let document = match principal {
        Principal::User(user) => match send!(client.get_user_policy().user_name(user).policy_name(name)) {
            Ok(out) => out.policy_document,
            Err(err) if err.code() == Some("NoSuchEntity") && read_user_exists(iam, user).await? => return Ok(None),
            Err(err) => return Err(iam.error("GetUserPolicy", err)),
        },
        Principal::Role(role) => match send!(client.get_role_policy().role_name(role).policy_name(name)) {
            Ok(out) => out.policy_document,
            Err(err) if err.code() == Some("NoSuchEntity") && send!(client.get_role().role_name(role)).is_ok() => return Ok(None),
            Err(err) => return Err(iam.error("GetRolePolicy", err)),
        },
    };
    Ok(Some(policy_document(&document)))
}

/// IAM answers policy documents URL-encoded (RFC 3986); a document that is no JSON compares as
/// its text, and so differs from any we write.
fn policy_document(encoded: &str) -> serde_json::Value {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| serde_json::Value::String(decoded.into_owned()))
}

/// The user's access keys and Bedrock API keys, with ages. Only IAM's explicit answer that the
/// service is not supported (`NotSupportedService`, as in a partition without Bedrock API keys)
/// gives a warning instead of the keys; every other failure is an error, for an unknown list is
/// not an empty one.
pub(crate) async fn read_keys(iam: &Iam, user: &str) -> Result<(Vec<KeyStatus>, Vec<SecurityWarning>), ProvisionError> {
    let now = SystemTime::now();
    let age = |created: Option<SystemTime>| created.and_then(|c| now.duration_since(c).ok()).map_or(0, |d| d.as_secs() / 86_400);
    let mut keys = Vec::new();
    let mut warnings = Vec::new();
    for key in all_items!(iam, "ListAccessKeys", iam.client().list_access_keys().user_name(user)) {
        let created_at = key.create_date().and_then(|d| SystemTime::try_from(*d).ok());
        keys.push(KeyStatus {
            kind: KeyKind::AccessKey,
            id: key.access_key_id().unwrap_or_default().to_owned(),
            active: key.status() == Some(&StatusType::Active),
            created_at,
            age_days: age(created_at),
            expires_at: None,
        });
    }
    match service_credentials(iam, Some(user), Some(API_KEY_SERVICE)).await {
        Ok(credentials) => {
            for credential in credentials {
                let created_at = SystemTime::try_from(*credential.create_date()).ok();
                keys.push(KeyStatus {
                    kind: KeyKind::ApiKey,
                    id: credential.service_specific_credential_id().to_owned(),
                    active: credential.status() == &StatusType::Active,
                    created_at,
                    age_days: age(created_at),
                    expires_at: credential.expiration_date().and_then(|d| SystemTime::try_from(*d).ok()),
                });
            }
        }
        Err(err) if err.iam_code() == Some("NotSupportedService") => {
            warnings.push(SecurityWarning::ApiKeysUnknown { reason: format!("IAM answered: {err}") });
        }
        Err(err) => return Err(err),
    }
    warnings.extend(keys.iter().filter(|k| k.age_days > 90).map(|k| SecurityWarning::KeyOlderThan90Days { id: k.id.clone(), age_days: k.age_days }));
    Ok((keys, warnings))
}

/// Every service-specific credential of the user (of one service, or of all), or of every user
/// (`user` none: `AllUsers`), paged by hand: the SDK has no paginator for this call.
pub(crate) async fn service_credentials(iam: &Iam, user: Option<&str>, service: Option<&str>) -> Result<Vec<ServiceSpecificCredentialMetadata>, ProvisionError> {
    let mut credentials = Vec::new();
    let mut marker = None;
    loop {
        let request = iam
            .client()
            .list_service_specific_credentials()
            .set_user_name(user.map(str::to_owned))
            .set_all_users(user.is_none().then_some(true))
            .set_service_name(service.map(str::to_owned))
            .set_marker(marker.take());
        let page = send!(request).map_err(|e| iam.error("ListServiceSpecificCredentials", e))?;
        credentials.extend(page.service_specific_credentials.unwrap_or_default());
        match page.marker {
            Some(next) if page.is_truncated => marker = Some(next),
            _ => return Ok(credentials),
        }
    }
}

/// A user as the audit shows it beside each of its keys.
pub(crate) async fn read_audited_user(iam: &Iam, user: &str) -> Result<AuditedUser, ProvisionError> {
    let client = iam.client();
    let found = send!(client.get_user().user_name(user)).map_err(|e| iam.error("GetUser", e))?;
    let path = found.user.map(|u| u.path).unwrap_or_default();
    let tags = all_items!(iam, "ListUserTags", client.list_user_tags().user_name(user));
    let attached = all_items!(iam, "ListAttachedUserPolicies", client.list_attached_user_policies().user_name(user));
    let access = all_items!(iam, "ListAccessKeys", client.list_access_keys().user_name(user));
    Ok(AuditedUser {
        name: user.to_owned(),
        path,
        tags: tags.into_iter().map(|t| (t.key, t.value)).collect(),
        attached: attached.into_iter().filter_map(|p| p.policy_arn).collect(),
        access_keys: access.iter().filter(|k| k.status() == Some(&StatusType::Active)).count(),
    })
}

/// What else the user has that `DeleteUser` refuses to leave behind.
pub(crate) async fn read_attachments(iam: &Iam, user: &str) -> Result<Attachments, ProvisionError> {
    let client = iam.client();
    let login_profile = match send!(client.get_login_profile().user_name(user)) {
        Ok(_) => true,
        Err(err) if err.code() == Some("NoSuchEntity") => false,
        Err(err) => return Err(iam.error("GetLoginProfile", err)),
    };
    let mfa = all_items!(iam, "ListMFADevices", client.list_mfa_devices().user_name(user));
    let ssh = all_items!(iam, "ListSSHPublicKeys", client.list_ssh_public_keys().user_name(user));
    let certificates = all_items!(iam, "ListSigningCertificates", client.list_signing_certificates().user_name(user));
    let groups = all_items!(iam, "ListGroupsForUser", client.list_groups_for_user().user_name(user));
    let others = service_credentials(iam, Some(user), None).await?;
    Ok(Attachments {
        login_profile,
        mfa_devices: mfa.into_iter().map(|d| d.serial_number).collect(),
        ssh_public_keys: ssh.into_iter().map(|k| k.ssh_public_key_id).collect(),
        signing_certificates: certificates.into_iter().map(|c| c.certificate_id).collect(),
        groups: groups.into_iter().map(|g| g.group_name).collect(),
        other_service_credentials: others
            .into_iter()
            .filter(|c| c.service_name() != API_KEY_SERVICE)
            .map(|c| (c.service_name().to_owned(), c.service_specific_credential_id().to_owned()))
            .collect(),
    })
}
