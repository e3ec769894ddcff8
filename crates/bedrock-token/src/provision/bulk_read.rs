//! Reading the whole account in a few paged calls, for the audit: calls grow with pages of
//! users, not with users.
//!
//! - Users with their path, tags and attached policies: `GetAccountAuthorizationDetails` with
//!   `Filter=User`, 1 000 users a page.
//! - Active access keys of every user: IAM's credential report (`GenerateCredentialReport`, then
//!   `GetCredentialReport` until IAM has it). IAM makes a new report at most every four hours and
//!   otherwise answers the last one, so the counts are as of the report's time; users the report
//!   does not list yet (made since) are read with `ListAccessKeys`.
//!
//! Every call goes through the throttling retry (`throttle`), every list to its last page.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_sdk_iam::types::{EntityType, StatusType};

use super::client::Iam;
use super::governance::AuditedUser;
use super::throttle::send;
use super::ProvisionError;

/// The most items IAM answers a page (`MaxItems`).
pub(crate) const MAX_ITEMS: i32 = 1_000;
/// How long the audit waits for IAM to make a credential report.
const REPORT_DEADLINE: Duration = Duration::from_secs(120);
/// The pause between two `GetCredentialReport` calls while IAM makes the report.
const REPORT_POLL: Duration = Duration::from_millis(500);

/// Every user of the account, by name, as the audit shows it beside its keys; `access_keys` is
/// filled by [`active_access_keys`].
pub(crate) async fn users(iam: &Iam) -> Result<BTreeMap<String, AuditedUser>, ProvisionError> {
    let mut users = BTreeMap::new();
    let mut marker = None;
    loop {
        let request = iam.client().get_account_authorization_details().filter(EntityType::User).max_items(MAX_ITEMS).set_marker(marker.take());
        let page = send!(request).map_err(|e| iam.error("GetAccountAuthorizationDetails", e))?;
        for user in page.user_detail_list.unwrap_or_default() {
            let Some(name) = user.user_name else { continue };
            let audited = AuditedUser {
                name: name.clone(),
                path: user.path.unwrap_or_default(),
                tags: user.tags.unwrap_or_default().into_iter().map(|t| (t.key, t.value)).collect(),
                attached: user.attached_managed_policies.unwrap_or_default().into_iter().filter_map(|p| p.policy_arn).collect(),
                access_keys: 0,
            };
            users.insert(name, audited);
        }
        match page.marker {
            Some(next) if page.is_truncated => marker = Some(next),
            _ => return Ok(users),
        }
    }
}

/// Sets `access_keys` of each of `names` (users of `users`) from the credential report, and from
/// `ListAccessKeys` for those the report does not list.
pub(crate) async fn active_access_keys(iam: &Iam, users: &mut BTreeMap<String, AuditedUser>, names: &[String]) -> Result<(), ProvisionError> {
    if names.is_empty() {
        return Ok(());
    }
    let report = credential_report(iam).await?;
    for name in names {
        let Some(user) = users.get_mut(name) else { continue };
        user.access_keys = match report.get(name) {
            Some(count) => *count,
            None => {
                let request = iam.client().list_access_keys().user_name(name).max_items(MAX_ITEMS);
                let keys = send!(request).map_err(|e| iam.error("ListAccessKeys", e))?.access_key_metadata;
                keys.iter().filter(|k| k.status() == Some(&StatusType::Active)).count()
            }
        };
    }
    Ok(())
}

/// The credential report as active access keys by user name, once IAM has made it.
async fn credential_report(iam: &Iam) -> Result<HashMap<String, usize>, ProvisionError> {
    let started = tokio::time::Instant::now();
    let mut generate = true;
    loop {
        if generate {
            send!(iam.client().generate_credential_report()).map_err(|e| iam.error("GenerateCredentialReport", e))?;
        }
        match send!(iam.client().get_credential_report()) {
            Ok(out) => {
                let content = out.content.ok_or_else(|| iam.missing("GetCredentialReport", "Content"))?;
                return parse_report(&String::from_utf8_lossy(content.as_ref())).ok_or_else(|| iam.missing("GetCredentialReport", "the columns user, access_key_1_active, access_key_2_active"));
            }
            Err(err) if matches!(err.code(), Some("ReportInProgress" | "ReportNotPresent" | "ReportExpired")) && started.elapsed() < REPORT_DEADLINE => {
                // Made again when IAM has none, or one too old to hand out.
                generate = err.code() != Some("ReportInProgress");
                tokio::time::sleep(REPORT_POLL).await;
            }
            Err(err) => return Err(iam.error("GetCredentialReport", err)),
        }
    }
}

/// The report's CSV as active access keys by user name; none when a column is missing.
fn parse_report(csv: &str) -> Option<HashMap<String, usize>> {
    let mut lines = csv.lines().filter(|l| !l.is_empty()).map(fields);
    let header = lines.next()?;
    let column = |name: &str| header.iter().position(|h| h == name);
    let (user, key1, key2) = (column("user")?, column("access_key_1_active")?, column("access_key_2_active")?);
    let mut counts = HashMap::new();
    for mut row in lines {
        // A user name may hold commas (IAM allows `+=,.@_-`); unquoted, they widen `user` and `arn`.
        let extra = row.len().saturating_sub(header.len());
        if extra > 0 && extra % 2 == 0 && user == 0 {
            let name = row[..=extra / 2].join(",");
            row.splice(..=extra / 2, [name]);
            let arn = row[1..=1 + extra / 2].join(",");
            row.splice(1..=1 + extra / 2, [arn]);
        }
        let active = |i: usize| row.get(i).is_some_and(|v| v == "true");
        if let Some(name) = row.get(user) {
            counts.insert(name.clone(), usize::from(active(key1)) + usize::from(active(key2)));
        }
    }
    Some(counts)
}

/// One CSV line's fields (RFC 4180: a quoted field may hold commas and doubled quotes).
fn fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        let field = fields.last_mut().expect("one field at least");
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => field.push(c),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "user,arn,user_creation_time,password_enabled,access_key_1_active,access_key_1_last_rotated,access_key_2_active";

    #[test]
    fn the_report_counts_active_keys_per_user_including_names_with_commas() {
        let csv = format!(
            "{HEADER}\n<root_account>,arn:aws:iam::123456789012:root,2020-01-01T00:00:00+00:00,not_supported,false,N/A,false\n\
             alice,arn:aws:iam::123456789012:user/alice,2020-01-01T00:00:00+00:00,false,true,2020-01-01T00:00:00+00:00,true\n\
             a,b,arn:aws:iam::123456789012:user/x/a,b,2020-01-01T00:00:00+00:00,false,false,N/A,true\n\
             \"c,d\",\"arn:aws:iam::123456789012:user/c,d\",2020-01-01T00:00:00+00:00,false,true,N/A,false\r\n\
             bob,arn:aws:iam::123456789012:user/bob,2020-01-01T00:00:00+00:00,false,false,N/A,false\n"
        );
        let counts = parse_report(&csv).expect("the columns are there");
        assert_eq!(counts["alice"], 2);
        assert_eq!(counts["a,b"], 1, "unquoted commas in the name");
        assert_eq!(counts["c,d"], 1, "quoted");
        assert_eq!(counts["bob"], 0);
        assert_eq!(counts["<root_account>"], 0);
        assert!(parse_report("user,arn\nalice,arn:aws:iam::1:user/alice\n").is_none(), "no key columns");
    }
}
