//! The forms of AWS Organizations' identifiers, as its API reference gives them: a root
//! (`^r-[0-9a-z]{4,32}$`), an organisational unit (`^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`) and an
//! account (`^\d{12}$`). One check per kind, for every input that names one.

/// The form of a root id, for error messages.
pub(crate) const ROOT_FORM: &str = "a root id (r- and 4 to 32 lowercase letters or digits)";
/// The form of an organisational unit id, for error messages.
pub(crate) const OU_FORM: &str =
    "an organisational unit id (ou-, 4 to 32 lowercase letters or digits, -, 8 to 32 more)";
/// The form of an account id, for error messages.
pub(crate) const ACCOUNT_FORM: &str = "an AWS account id (exactly 12 digits, e.g. 210987654321)";

/// `^r-[0-9a-z]{4,32}$`.
pub(crate) fn is_root_id(id: &str) -> bool {
    id.strip_prefix("r-")
        .is_some_and(|rest| lower_alnum(rest, 4..=32))
}

/// `^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$`.
pub(crate) fn is_ou_id(id: &str) -> bool {
    let Some((root, ou)) = id.strip_prefix("ou-").and_then(|rest| rest.split_once('-')) else {
        return false;
    };
    lower_alnum(root, 4..=32) && lower_alnum(ou, 8..=32)
}

/// `^\d{12}$`.
pub(crate) fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

fn lower_alnum(s: &str, len: std::ops::RangeInclusive<usize>) -> bool {
    len.contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_patterns() {
        assert!(is_root_id("r-ab12") && is_root_id(&format!("r-{}", "a".repeat(32))));
        for bad in [
            "r-ab1",
            "r-AB12",
            "r-ab-12",
            "r-",
            "ab12",
            &format!("r-{}", "a".repeat(33)),
        ] {
            assert!(!is_root_id(bad), "{bad}");
        }
        assert!(is_ou_id("ou-ab12-cd34ef56"));
        for bad in [
            "ou-ab12",
            "ou-ab1-cd34ef56",
            "ou-ab12-cd34ef5",
            "ou-ab12-cd34-ef56",
            "ou-AB12-cd34ef56",
            "ou-x",
            "sales",
        ] {
            assert!(!is_ou_id(bad), "{bad}");
        }
        assert!(is_account_id("210987654321"));
        for bad in [
            "21098765432",
            "2109876543210",
            "21098765432a",
            "+10987654321",
        ] {
            assert!(!is_account_id(bad), "{bad}");
        }
    }
}
