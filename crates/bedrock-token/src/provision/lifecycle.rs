//! The lifecycle of a business unit's user: provision (one or many), rotate, deprovision, list.

use super::apply::{self, Applied};
use super::client::Iam;
use super::input::{validate_api_key_days, validate_path, BusinessUnit, KeyRequest, ProvisionRequest};
use super::action::Action;
use super::plan;
use super::report::{DeprovisionReport, ProvisionReport, ProvisionedUser, RotateReport, SecurityWarning};
use super::state::{self, UserState};
use super::throttle::Throttled;
use super::ProvisionError;

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
        let partition = self.bedrock_partition()?;
        let tags = request.validate(partition)?;
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
            let actions = plan::provision(request, partition, tags.clone(), state.as_ref())?;
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
        let request = self.client().list_users().path_prefix(path);
        let mut throttled = Throttled::new();
        let listed = loop {
            match request.clone().into_paginator().items().send().collect::<Result<Vec<_>, _>>().await {
                Err(err) if throttled.again(&err).await => continue,
                result => break result.map_err(|e| self.error("ListUsers", e))?,
            }
        };
        let mut users = Vec::new();
        for listed in listed {
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
        self.provision_across(requests.into_iter().map(|request| (None, request)).collect(), concurrency).await
    }

    async fn existing(&self, user: &str) -> Result<UserState, ProvisionError> {
        state::read_user(self, user).await?.ok_or_else(|| ProvisionError::NoSuchUser(user.to_owned()))
    }
}
