//! Validated inputs for provisioning: checked before any IAM call, with errors naming the field.

use std::fmt;

use super::ProvisionError;

/// The suffix of every provisioned IAM user name.
pub const USER_SUFFIX: &str = "-bedrock-user";
/// The IAM path provisioned users live under by default.
pub const DEFAULT_PATH: &str = "/bedrock/";
/// The tag that marks a user as created (and so removable) by this library.
pub const CREATED_BY: (&str, &str) = ("created-by", "bedrock-token");
/// Tag keys this library sets itself; extra tags may not use them.
pub const RESERVED_TAG_KEYS: [&str; 4] = ["business-unit", "purpose", "owner", "created-by"];

fn invalid(field: &'static str, reason: impl Into<String>) -> ProvisionError {
    ProvisionError::InvalidInput {
        field,
        reason: reason.into(),
    }
}

/// A business unit: lowercase letters, digits and hyphens; the IAM user is `{unit}-bedrock-user`.
///
/// ```
/// use bedrock_token::provision::BusinessUnit;
/// assert_eq!(BusinessUnit::new("data-science")?.user_name(), "data-science-bedrock-user");
/// assert!(BusinessUnit::new("Data Science").is_err());
/// # Ok::<(), bedrock_token::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessUnit(String);

impl BusinessUnit {
    /// The longest business unit whose user name fits IAM's 64 characters.
    pub const MAX_LEN: usize = 64 - USER_SUFFIX.len();

    /// Checks `name`: 1 to 51 of `[a-z0-9-]`, not starting or ending with `-`.
    ///
    /// ```
    /// assert!(bedrock_token::provision::BusinessUnit::new("-sales").is_err());
    /// ```
    pub fn new(name: &str) -> Result<Self, ProvisionError> {
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if name.is_empty() || name.len() > Self::MAX_LEN {
            return Err(invalid("business_unit", format!("must be 1 to {} characters", Self::MAX_LEN)));
        }
        if !name.chars().all(allowed) || name.starts_with('-') || name.ends_with('-') {
            return Err(invalid(
                "business_unit",
                "use lowercase letters, digits and hyphens (e.g. data-science), not starting or ending with '-'",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The IAM user name, `{unit}-bedrock-user`.
    ///
    /// ```
    /// # let unit = bedrock_token::provision::BusinessUnit::new("sales")?;
    /// assert_eq!(unit.user_name(), "sales-bedrock-user");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn user_name(&self) -> String {
        format!("{}{USER_SUFFIX}", self.0)
    }

    /// The business unit as given.
    ///
    /// ```
    /// # let unit = bedrock_token::provision::BusinessUnit::new("sales")?;
    /// assert_eq!(unit.as_str(), "sales");
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BusinessUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks an owner email address (stored in the `owner` tag).
///
/// ```
/// assert!(bedrock_token::provision::validate_owner("ml-team@example.com").is_ok());
/// assert!(bedrock_token::provision::validate_owner("ml-team").is_err());
/// ```
pub fn validate_owner(owner: &str) -> Result<(), ProvisionError> {
    let reason = "must be an email address such as team@example.com";
    let (local, domain) = owner.split_once('@').ok_or_else(|| invalid("owner", reason))?;
    let local_ok = !local.is_empty()
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c));
    let domain_ok = domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if owner.len() > 254 || !local_ok || !domain_ok {
        return Err(invalid("owner", reason));
    }
    Ok(())
}

/// Checks an IAM path: starts and ends with `/`, at most 512 printable ASCII characters.
///
/// ```
/// assert!(bedrock_token::provision::validate_path("/bedrock/").is_ok());
/// assert!(bedrock_token::provision::validate_path("bedrock").is_err());
/// ```
pub fn validate_path(path: &str) -> Result<(), ProvisionError> {
    let printable = path.chars().all(|c| ('!'..='~').contains(&c));
    if !path.starts_with('/') || !path.ends_with('/') || path.len() > 512 || !printable {
        return Err(invalid("path", "must start and end with '/' (e.g. /bedrock/), at most 512 characters"));
    }
    Ok(())
}

/// Checks an extra tag: key 1–128 and value 0–256 characters of IAM's tag alphabet, not one of
/// the [`RESERVED_TAG_KEYS`].
///
/// ```
/// assert!(bedrock_token::provision::validate_tag("cost-center", "4711").is_ok());
/// assert!(bedrock_token::provision::validate_tag("owner", "x@example.com").is_err());
/// ```
pub fn validate_tag(key: &str, value: &str) -> Result<(), ProvisionError> {
    let alphabet = |s: &str| s.chars().all(|c| c.is_alphanumeric() || " _.:/=+-@".contains(c));
    if key.is_empty() || key.chars().count() > 128 || !alphabet(key) || key.starts_with("aws:") {
        return Err(invalid("tag", "keys are 1 to 128 letters, digits, spaces or _.:/=+-@ and may not start with aws:"));
    }
    if value.chars().count() > 256 || !alphabet(value) {
        return Err(invalid("tag", "values are up to 256 letters, digits, spaces or _.:/=+-@"));
    }
    if RESERVED_TAG_KEYS.contains(&key) {
        return Err(invalid("tag", format!("{key} is set by bedrock-token itself; reserved: {}", RESERVED_TAG_KEYS.join(", "))));
    }
    Ok(())
}

/// The days a long-term Bedrock API key lives: IAM allows 1 to 36 600.
pub const API_KEY_DAYS: std::ops::RangeInclusive<u32> = 1..=36_600;

/// Checks the lifetime in days of a long-term Bedrock API key.
///
/// ```
/// assert!(bedrock_token::provision::validate_api_key_days(90).is_ok());
/// assert!(bedrock_token::provision::validate_api_key_days(0).is_err());
/// ```
pub fn validate_api_key_days(days: u32) -> Result<(), ProvisionError> {
    if !API_KEY_DAYS.contains(&days) {
        return Err(invalid("api_key_days", format!("{days} is out of range; allowed 1 to 36600 days")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn business_units() {
        for good in ["sales", "data-science", "team42", &"a".repeat(51)] {
            assert!(BusinessUnit::new(good).is_ok(), "{good}");
        }
        for bad in ["", "Sales", "data_science", "data science", "-x", "x-", "é", &"a".repeat(52)] {
            let err = BusinessUnit::new(bad).unwrap_err().to_string();
            assert!(err.starts_with("business_unit: "), "{bad}: {err}");
        }
        assert_eq!(BusinessUnit::new(&"a".repeat(51)).unwrap().user_name().len(), 64);
    }

    #[test]
    fn owners_paths_tags_days() {
        assert!(validate_owner("first.last+bedrock@sub.example.co").is_ok());
        for bad in ["", "x", "@example.com", "x@", "x@example", "x y@example.com", "x@exa_mple.com"] {
            assert!(validate_owner(bad).unwrap_err().to_string().starts_with("owner: "), "{bad}");
        }
        assert!(validate_path("/").is_ok() && validate_path("/a/b/").is_ok());
        for bad in ["", "/a", "a/", "/a b/"] {
            assert!(validate_path(bad).is_err(), "{bad}");
        }
        assert!(validate_tag("team", "").is_ok());
        for (k, v) in [("", "x"), ("aws:x", "x"), ("k", "bad\"quote"), ("created-by", "me")] {
            assert!(validate_tag(k, v).unwrap_err().to_string().starts_with("tag: "), "{k}={v}");
        }
        assert!(validate_api_key_days(1).is_ok() && validate_api_key_days(36_600).is_ok());
        assert_eq!(validate_api_key_days(36_601).unwrap_err().to_string(), "api_key_days: 36601 is out of range; allowed 1 to 36600 days");
    }
}
