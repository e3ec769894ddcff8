//! The IAM client, its errors, and the operations: read IAM, plan, apply, report.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::types::StatusType;

use super::apply::{self, Applied};
use super::governance::{self, revoke_document, AuditReport, AuditedKey, Principal, REVOKE_POLICY_NAME};
use super::input::{validate_api_key_days, validate_path, BusinessUnit, KeyRequest, ProvisionRequest};
use super::plan::{self, Action};
use super::report::{DeprovisionReport, KeyKind, ProvisionReport, ProvisionedUser, RevokeReport, RotateReport, SecurityWarning};
use super::state::{self, UserState};
use super::{ProvisionError, API_KEY_SERVICE};
use crate::sdk_error::{classify, configured_endpoint, Failure};

/// IAM user and role names: 1 to 64 of letters, digits and `+=,.@_-`.
fn validate_principal_name(kind: &'static str, name: &str) -> Result<(), ProvisionError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) {
        return Err(ProvisionError::InvalidInput { field: kind, reason: format!("an IAM {kind} name is 1 to 64 letters, digits or +=,.@_-") });
    }
    Ok(())
}

/// An IAM client for provisioning. Build it from the standard AWS configuration (which honours
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_IAM`) or from any `aws_sdk_iam::Client`.
///
/// ```no_run
/// # async fn run() {
/// let iam = bedrock_token::provision::Iam::from_env().await;
/// # let _ = iam; }
/// ```
#[derive(Debug, Clone)]
pub struct Iam {
    client: aws_sdk_iam::Client,
    /// Where the client sends requests, when known, for errors that say what could not be reached.
    endpoint: Option<String>,
}

impl Iam {
    /// Wraps a configured client.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    /// let iam = bedrock_token::provision::Iam::new(aws_sdk_iam::Client::new(&config));
    /// # let _ = iam; }
    /// ```
    pub fn new(client: aws_sdk_iam::Client) -> Self {
        Self { client, endpoint: None }
    }

    /// A client from the standard AWS configuration; IAM is global, so the region defaults to
    /// `us-east-1` when none is configured.
    ///
    /// ```no_run
    /// # async fn run() {
    /// let iam = bedrock_token::provision::Iam::from_env().await;
    /// # let _ = iam; }
    /// ```
    ///
    /// Retries use the SDK's adaptive mode, which slows down when IAM throttles (its rate limits
    /// are account-wide), unless `AWS_RETRY_MODE` chooses another mode; the number of
    /// attempts is the configured one (`AWS_MAX_ATTEMPTS`, default 3).
    pub async fn from_env() -> Self {
        let region = aws_config::meta::region::RegionProviderChain::default_provider().or_else("us-east-1");
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest()).region(region).load().await;
        Self::from_config(&config)
    }

    /// A client for a named profile (or, with `None`, `AWS_PROFILE`'s) and region, read as the
    /// AWS CLI reads them: a named profile is used whole, its credentials even when the
    /// environment has keys; the region is `region` if given, else `AWS_REGION`,
    /// `AWS_DEFAULT_REGION`, the profile's, IMDS, and `us-east-1` when none is configured (IAM is
    /// global). Retries as for [`Iam::from_env`].
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), bedrock_token::Error> {
    /// let iam = bedrock_token::provision::Iam::from_profile(Some("admin"), None).await?;
    /// # let _ = iam; Ok(()) }
    /// ```
    ///
    /// A profile that is in neither shared file is [`Error::ProfileNotFound`](crate::Error::ProfileNotFound),
    /// a shared file that does not parse [`Error::ProfileFile`](crate::Error::ProfileFile), and a
    /// malformed region [`Error::InvalidRegion`](crate::Error::InvalidRegion).
    pub async fn from_profile(profile: Option<&str>, region: Option<&str>) -> Result<Self, crate::Error> {
        let chain = profile.map_or_else(crate::DefaultChain::new, |name| crate::DefaultChain::new().profile(name));
        Ok(Self::from_config(&chain.sdk_config(region, "us-east-1").await?))
    }

    /// The IAM client for an SDK configuration, with adaptive retries unless `AWS_RETRY_MODE` is set.
    fn from_config(config: &aws_config::SdkConfig) -> Self {
        /// IAM's global endpoint, which the SDK uses unless told otherwise.
        const DEFAULT_ENDPOINT: &str = "https://iam.amazonaws.com";
        let mut iam = aws_sdk_iam::config::Builder::from(config);
        if std::env::var_os("AWS_RETRY_MODE").is_none() {
            let attempts = config.retry_config().map_or(3, |retry| retry.max_attempts());
            iam = iam.retry_config(RetryConfig::adaptive().with_max_attempts(attempts));
        }
        Self { client: aws_sdk_iam::Client::from_conf(iam.build()), endpoint: Some(configured_endpoint(config, "IAM", DEFAULT_ENDPOINT)) }
    }

    pub(crate) fn client(&self) -> &aws_sdk_iam::Client {
        &self.client
    }

    /// An SDK error as a [`ProvisionError::Iam`] naming the operation and IAM's error code, or
    /// as [`ProvisionError::Unreachable`] when no answer came back.
    pub(crate) fn error<E, R>(&self, operation: &'static str, err: SdkError<E, R>) -> ProvisionError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match classify(&err) {
            Failure::Unreachable(cause) => ProvisionError::Unreachable {
                operation,
                endpoint: self.endpoint.clone().unwrap_or_else(|| "the IAM endpoint".to_owned()),
                cause,
            },
            Failure::Refused { code, message } => ProvisionError::Iam { operation, code, message, sdk_error: Arc::new(err) },
        }
    }

    pub(crate) fn missing(&self, operation: &'static str, field: &str) -> ProvisionError {
        ProvisionError::Iam {
            operation,
            code: None,
            message: format!("the response has no {field}"),
            sdk_error: Arc::new(std::io::Error::other(format!("{operation}: no {field}"))),
        }
    }
}

/// How often provisioning reads IAM and plans again when concurrent runs change the same user.
const ROUNDS: u32 = 6;

fn security_notes() -> Vec<SecurityWarning> {
    vec![SecurityWarning::StoreSecretNow, SecurityWarning::RotateRegularly, SecurityWarning::PreferShortTermKeys]
}

impl Iam {
    /// Provisions (or converges) a business unit's user, policy and key.
    ///
    /// A rerun makes IAM match the request for everything this library manages: missing or
    /// changed tags, the policy asked for (replacing a changed inline document, detaching the
    /// Bedrock policies it attached before and no longer asked for, never others), and a key of
    /// the requested kind when no active one exists (use [`Iam::rotate`] for a new secret).
    /// Concurrent runs for one business unit end with one user and one key; only one of them
    /// returns the secret, the others a [`SecurityWarning::KeyMadeByAnotherRun`] or no key.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let plan = iam.provision(&ProvisionRequest::new(BusinessUnit::new("sales")?, "ops@example.com").dry_run(true)).await?;
    /// for action in &plan.actions { println!("would {action}"); }
    /// # Ok(()) }
    /// ```
    pub async fn provision(&self, request: &ProvisionRequest) -> Result<ProvisionReport, ProvisionError> {
        let tags = request.validate()?;
        let user = request.business_unit.user_name();
        let mut done = Vec::new();
        let mut notes = Vec::new();
        let mut existing_keys = None;
        for round in 0..ROUNDS {
            if round > 0 {
                apply::pause(round).await;
            }
            let state = state::read_user(self, &user).await?;
            if state.as_ref().is_some_and(|s| !s.is_managed()) && !request.force {
                return Err(ProvisionError::NotManaged { user, action: "provision" });
            }
            let actions = plan::provision(request, tags.clone(), state.as_ref())?;
            let (keys, warnings) = state.map(|s| (s.keys, s.warnings)).unwrap_or_default();
            let existing_keys = existing_keys.get_or_insert_with(|| keys.clone()).clone();
            let report = |actions, new_key: Option<_>, mut warnings: Vec<SecurityWarning>, notes: Vec<_>| {
                warnings.extend(notes);
                if new_key.is_some() {
                    warnings.extend(security_notes());
                }
                ProvisionReport { user_name: user.clone(), dry_run: request.dry_run, actions, new_key, existing_keys, warnings }
            };
            if request.dry_run {
                return Ok(report(actions, None, warnings, notes));
            }
            match apply::provision(self, &actions, &keys, &mut done).await? {
                Applied::Finished(new_key) => return Ok(report(done, new_key, warnings, notes)),
                Applied::Again(note) => notes.extend(note),
            }
        }
        Err(ProvisionError::Contended { user, rounds: ROUNDS })
    }

    /// Creates a new key of `kind`, then deactivates (or with `delete_old`, deletes) the old ones.
    ///
    /// Refuses when IAM's limit of two leaves no room, naming the command that makes room. If
    /// retiring an old key fails, the new key is still returned, with a warning.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let report = iam.rotate(&BusinessUnit::new("sales")?, KeyRequest::ApiKey { days: 90 }, false, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn rotate(
        &self,
        business_unit: &BusinessUnit,
        key: KeyRequest,
        delete_old: bool,
        dry_run: bool,
    ) -> Result<RotateReport, ProvisionError> {
        if let KeyRequest::ApiKey { days } = key {
            validate_api_key_days(days)?;
        }
        let user = business_unit.user_name();
        let Some((kind, create)) = plan::kind_and_create(&user, key) else {
            return Err(ProvisionError::InvalidInput { field: "key", reason: "rotate needs access-key or api-key".into() });
        };
        let state = self.existing(&user).await?;
        if !state.is_managed() {
            return Err(ProvisionError::NotManaged { user, action: "rotate keys of" });
        }
        plan::check_room(&user, kind, &state.keys)?;
        let retire: Vec<Action> = state
            .keys_of(kind)
            .filter(|k| delete_old || k.active)
            .map(|k| match delete_old {
                true => Action::DeleteKey { user: user.clone(), kind, id: k.id.clone() },
                false => Action::DeactivateKey { user: user.clone(), kind, id: k.id.clone() },
            })
            .collect();
        let mut actions = vec![create.clone()];
        actions.extend(retire.iter().cloned());
        let mut warnings = state.warnings.clone();
        if dry_run {
            return Ok(RotateReport { user_name: user, dry_run, actions, new_key: None, warnings });
        }
        let new_key = apply::create_key(self, &create, &user, kind, &state.keys).await?;
        warnings.extend(security_notes());
        let mut done = vec![create];
        for action in retire {
            match action.apply(self).await {
                Ok(_) => done.push(action),
                Err(err) => {
                    if let Action::DeactivateKey { id, .. } | Action::DeleteKey { id, .. } = &action {
                        warnings.push(SecurityWarning::OldKeyStillActive { id: id.clone(), fix: format!("{} ({err})", action.aws_command()) });
                    }
                }
            }
        }
        Ok(RotateReport { user_name: user, dry_run, actions: done, new_key: Some(new_key), warnings })
    }

    /// Removes the user and everything `DeleteUser` requires gone first, in an order IAM
    /// accepts: keys and other services' credentials, the console password, MFA devices, SSH
    /// keys, signing certificates, group memberships, inline and attached policies. The dry run
    /// lists each of them. Only users tagged `created-by=bedrock-token` unless `force`.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// # use bedrock_token::provision::*;
    /// let report = iam.deprovision(&BusinessUnit::new("sales")?, false, true).await?; // dry run
    /// # Ok(()) }
    /// ```
    pub async fn deprovision(&self, business_unit: &BusinessUnit, force: bool, dry_run: bool) -> Result<DeprovisionReport, ProvisionError> {
        let user = business_unit.user_name();
        let Some(state) = state::read_user(self, &user).await? else {
            return Ok(DeprovisionReport { user_name: user, dry_run, actions: Vec::new(), warnings: Vec::new() });
        };
        if !state.is_managed() && !force {
            return Err(ProvisionError::NotManaged { user, action: "deprovision" });
        }
        let attachments = state::read_attachments(self, &user).await?;
        let actions = plan::deprovision(&user, &state, &attachments);
        if !dry_run {
            apply::all(self, &actions).await?;
        }
        Ok(DeprovisionReport { user_name: user, dry_run, actions, warnings: state.warnings })
    }

    /// Lists the users bedrock-token created under `path`, with their keys' ages and status.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// for user in iam.list("/bedrock/").await? { println!("{} {} keys", user.user_name, user.keys.len()); }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self, path: &str) -> Result<Vec<ProvisionedUser>, ProvisionError> {
        validate_path(path)?;
        let listed = self.client().list_users().path_prefix(path).into_paginator().items().send().collect::<Result<Vec<_>, _>>().await;
        let mut users = Vec::new();
        for listed in listed.map_err(|e| self.error("ListUsers", e))? {
            let Some(state) = state::read_user(self, listed.user_name()).await? else { continue };
            if !state.is_managed() {
                continue;
            }
            users.push(ProvisionedUser {
                user_name: listed.user_name().to_owned(),
                arn: state.arn.clone(),
                business_unit: state.tags.get("business-unit").cloned(),
                owner: state.tags.get("owner").cloned(),
                created_at: state.created_at,
                keys: state.keys,
                warnings: state.warnings,
            });
        }
        Ok(users)
    }

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

    /// Revokes the short-term Bedrock API keys a user or role made before `before`: an inline
    /// deny of both bearer-token actions for credentials issued earlier (`aws:TokenIssueTime`).
    /// A re-run moves the time; `undo` removes the deny.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::Principal;
    /// let report = iam.revoke_tokens(&Principal::Role("app".into()), std::time::SystemTime::now(), false, false).await?;
    /// # Ok(()) }
    /// ```
    pub async fn revoke_tokens(&self, principal: &Principal, before: SystemTime, undo: bool, dry_run: bool) -> Result<RevokeReport, ProvisionError> {
        let (kind, name) = match principal {
            Principal::User(name) => ("user", name),
            Principal::Role(name) => ("role", name),
        };
        validate_principal_name(kind, name)?;
        let current = state::read_inline_policy(self, principal, REVOKE_POLICY_NAME).await?;
        let document = revoke_document(before);
        let wanted: serde_json::Value = serde_json::from_str(&document).expect("our own documents are JSON");
        let (name, policy) = (name.clone(), REVOKE_POLICY_NAME.to_owned());
        let action = match (principal, undo) {
            (_, true) if current.is_none() => None,
            (_, false) if current.as_ref() == Some(&wanted) => None,
            (Principal::User(_), true) => Some(Action::DeleteInlinePolicy { user: name, name: policy }),
            (Principal::Role(_), true) => Some(Action::DeleteRolePolicy { role: name, name: policy }),
            (Principal::User(_), false) => Some(Action::PutInlinePolicy { user: name, name: policy, document }),
            (Principal::Role(_), false) => Some(Action::PutRolePolicy { role: name, name: policy, document }),
        };
        let actions: Vec<Action> = action.into_iter().collect();
        if !dry_run {
            apply::all(self, &actions).await?;
        }
        Ok(RevokeReport { target: principal.to_string(), dry_run, actions })
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
        let credentials = state::service_credentials(self, None, Some(API_KEY_SERVICE)).await?;
        let Some(key) = credentials.iter().find(|c| c.service_specific_credential_id() == key_id) else {
            return Err(ProvisionError::NoSuchKey(key_id.to_owned()));
        };
        let (user, id, active) = (key.user_name().to_owned(), key_id.to_owned(), key.status() == &StatusType::Active);
        let action = match (delete, undo) {
            (true, _) => Some(Action::DeleteKey { user: user.clone(), kind: KeyKind::ApiKey, id }),
            (false, true) => (!active).then(|| Action::ActivateKey { user: user.clone(), id }),
            (false, false) => active.then(|| Action::DeactivateKey { user: user.clone(), kind: KeyKind::ApiKey, id }),
        };
        let actions: Vec<Action> = action.into_iter().collect();
        if !dry_run {
            apply::all(self, &actions).await?;
        }
        Ok(RevokeReport { target: format!("Bedrock API key {key_id} of {user}"), dry_run, actions })
    }

    /// Provisions many business units, at most `concurrency` at a time, each as
    /// [`Iam::provision`] would; the results come back in the order of `requests`, a failed unit
    /// beside the others.
    ///
    /// ```no_run
    /// # async fn run(iam: bedrock_token::provision::Iam) -> Result<(), bedrock_token::provision::ProvisionError> {
    /// use bedrock_token::provision::{BusinessUnit, ProvisionRequest};
    /// let requests = ["sales", "legal"].map(|u| ProvisionRequest::new(BusinessUnit::new(u).unwrap(), "ops@example.com"));
    /// for result in iam.provision_all(requests.to_vec(), 4).await { println!("{}", result?.user_name); }
    /// # Ok(()) }
    /// ```
    pub async fn provision_all(&self, requests: Vec<ProvisionRequest>, concurrency: usize) -> Vec<Result<ProvisionReport, ProvisionError>> {
        let permits = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut runs = tokio::task::JoinSet::new();
        for (index, request) in requests.into_iter().enumerate() {
            let (iam, permits) = (self.clone(), permits.clone());
            runs.spawn(async move {
                let _permit = permits.acquire_owned().await.expect("the semaphore is never closed");
                (index, iam.provision(&request).await)
            });
        }
        let mut results: Vec<Option<Result<ProvisionReport, ProvisionError>>> = Vec::new();
        while let Some(done) = runs.join_next().await {
            let (index, result) = done.expect("a provisioning task does not panic");
            results.resize_with(results.len().max(index + 1), || None);
            results[index] = Some(result);
        }
        results.into_iter().map(|r| r.expect("every unit reports")).collect()
    }

    async fn existing(&self, user: &str) -> Result<UserState, ProvisionError> {
        state::read_user(self, user).await?.ok_or_else(|| ProvisionError::NoSuchUser(user.to_owned()))
    }
}
