//! Reading a long-term Bedrock API key (an IAM service-specific credential) back into its public
//! parts: the IAM user and account it authenticates as, never its secret.
//!
//! IAM returns such a key as `ServiceCredentialSecret`: `ABSK` followed by the standard base64 of
//! `{ServiceCredentialAlias}:{secret}`, where the alias is the credential's public part,
//! `{user}-at-{account}` (IAM's `ServiceUserName`) and possibly a suffix that IAM documents as
//! "version and creation information".

use crate::error::{Error, MalformedLongTermKey};

/// How every long-term Bedrock API key starts.
///
/// ```
/// assert_eq!(bedrock_token::LONG_TERM_KEY_PREFIX, "ABSK");
/// ```
pub const LONG_TERM_KEY_PREFIX: &str = "ABSK";

/// The public parts of a long-term Bedrock API key: whose it is, never its secret.
///
/// ```
/// use base64::Engine as _;
/// let key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("alice-at-123456789012-a1b2c3d4:not-shown"));
/// let info = bedrock_token::inspect_long_term_key(&key)?;
/// assert_eq!(info.user_name, "alice");
/// assert_eq!(info.account_id, "123456789012");
/// assert_eq!(info.alias, "alice-at-123456789012-a1b2c3d4");
/// assert_eq!(info.suffix.as_deref(), Some("a1b2c3d4"));
/// assert_eq!(info.service_user_name(), "alice-at-123456789012");
/// assert!(!format!("{info:?}").contains("not-shown"));
/// # Ok::<(), bedrock_token::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LongTermKeyInfo {
    /// The IAM user the key belongs to and authenticates as.
    pub user_name: String,
    /// The 12-digit id of the user's AWS account.
    pub account_id: String,
    /// The whole public part, as IAM lists it (`ServiceCredentialAlias`).
    pub alias: String,
    /// What the alias carries after the account id (without its leading `-`), if anything.
    pub suffix: Option<String>,
}

impl LongTermKeyInfo {
    /// IAM's `ServiceUserName` of the credential: `{user}-at-{account}`.
    ///
    /// ```
    /// # use base64::Engine as _;
    /// # let key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("bob-at-111122223333:s"));
    /// let info = bedrock_token::inspect_long_term_key(&key)?;
    /// assert_eq!(info.service_user_name(), "bob-at-111122223333");
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn service_user_name(&self) -> String {
        format!("{}-at-{}", self.user_name, self.account_id)
    }
}

/// Parses a long-term Bedrock API key (`ABSK…`) into its public parts.
///
/// Checks the prefix, base64, UTF-8, that a non-empty secret follows the first `:`, and that the
/// public part is an IAM user name, `-at-` and a 12-digit account id (then an optional suffix of
/// printable ASCII). It does not check that IAM knows the key: only AWS can. Neither the result
/// nor any error holds the secret; the decoded bytes are wiped when parsing ends.
///
/// ```
/// use bedrock_token::{inspect_long_term_key, Error, MalformedLongTermKey};
/// use base64::Engine as _;
/// let no_account = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("alice:secret"));
/// assert!(matches!(inspect_long_term_key(&no_account), Err(Error::MalformedLongTermKey(MalformedLongTermKey::NoAccount))));
/// ```
pub fn inspect_long_term_key(key: &str) -> Result<LongTermKeyInfo, Error> {
    parse(key.trim()).map_err(Error::MalformedLongTermKey)
}

fn parse(key: &str) -> Result<LongTermKeyInfo, MalformedLongTermKey> {
    let encoded = key
        .strip_prefix(LONG_TERM_KEY_PREFIX)
        .ok_or(MalformedLongTermKey::MissingPrefix)?;
    let bytes = zeroize::Zeroizing::new(
        base64_simd::STANDARD
            .decode_to_vec(encoded)
            .map_err(|_| MalformedLongTermKey::BadBase64)?,
    );
    let decoded = std::str::from_utf8(&bytes).map_err(|_| MalformedLongTermKey::NotUtf8)?;
    let (alias, secret) = decoded.split_once(':').ok_or(MalformedLongTermKey::NoSecret)?;
    if secret.is_empty() {
        return Err(MalformedLongTermKey::NoSecret);
    }
    let (user_name, account_id, rest) = split_alias(alias)?;
    let user_name_chars = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    if user_name.is_empty() || user_name.len() > 64 || !user_name.chars().all(user_name_chars) {
        return Err(MalformedLongTermKey::BadUserName);
    }
    let suffix = rest.strip_prefix('-').unwrap_or(rest);
    if !suffix.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(MalformedLongTermKey::BadSuffix);
    }
    Ok(LongTermKeyInfo {
        user_name: user_name.to_owned(),
        account_id: account_id.to_owned(),
        alias: alias.to_owned(),
        suffix: (!suffix.is_empty()).then(|| suffix.to_owned()),
    })
}

/// Splits `{user}-at-{account}{rest}` at the last `-at-` followed by exactly 12 digits: a user
/// name may itself contain `-at-` and digits, an account id never holds a `-`.
fn split_alias(alias: &str) -> Result<(&str, &str, &str), MalformedLongTermKey> {
    const AT: &[u8] = b"-at-";
    let starts = (0..alias.len()).rev().filter(|&i| alias.as_bytes()[i..].starts_with(AT));
    let mut any = false;
    for start in starts {
        any = true;
        // `start` and `start + 4` are char boundaries: "-at-" is ASCII.
        let rest = &alias[start + AT.len()..];
        if rest.bytes().take_while(u8::is_ascii_digit).count() == 12 {
            return Ok((&alias[..start], &rest[..12], &rest[12..]));
        }
    }
    Err(if any { MalformedLongTermKey::BadAccount } else { MalformedLongTermKey::NoAccount })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQ";

    fn key(decoded: &str) -> String {
        format!("{LONG_TERM_KEY_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(decoded))
    }

    fn parts(decoded: &str) -> (String, String, String, Option<String>) {
        let info = inspect_long_term_key(&key(decoded)).unwrap();
        (info.user_name, info.account_id, info.alias, info.suffix)
    }

    #[test]
    fn reads_the_emulators_and_the_consoles_shapes() {
        let emulator = parts(&format!("ml-bedrock-user-at-123456789012-acca1b2c:{SECRET}"));
        assert_eq!(emulator, ("ml-bedrock-user".into(), "123456789012".into(), "ml-bedrock-user-at-123456789012-acca1b2c".into(), Some("acca1b2c".into())));
        let console = parts(&format!("BedrockAPIKey-x7k2-at-000000000001:{SECRET}"));
        assert_eq!(console, ("BedrockAPIKey-x7k2".into(), "000000000001".into(), "BedrockAPIKey-x7k2-at-000000000001".into(), None));
        // Surrounding whitespace (a pasted line) is ignored; a secret may hold ':' itself.
        let info = inspect_long_term_key(&format!("  {}\n", key("a@b.c-at-999999999999:x:y"))).unwrap();
        assert_eq!((info.user_name.as_str(), info.service_user_name().as_str()), ("a@b.c", "a@b.c-at-999999999999"));
    }

    #[test]
    fn a_user_name_may_contain_at_and_digits() {
        let (user, account, ..) = parts(&format!("data-at-rest-at-123456789012:{SECRET}"));
        assert_eq!((user.as_str(), account.as_str()), ("data-at-rest", "123456789012"));
        let (user, account, _, suffix) = parts(&format!("x-at-111111111111-at-222222222222-v2:{SECRET}"));
        assert_eq!((user.as_str(), account.as_str(), suffix.as_deref()), ("x-at-111111111111", "222222222222", Some("v2")));
        // Overlapping "-at-at-": the account is what follows the last one.
        let (user, account, ..) = parts(&format!("x-at-at-123456789012:{SECRET}"));
        assert_eq!((user.as_str(), account.as_str()), ("x-at", "123456789012"));
    }

    #[test]
    fn each_malformation_has_its_reason_and_no_part_of_the_key() {
        use MalformedLongTermKey::*;
        let long_user = "u".repeat(65);
        let cases: Vec<(String, MalformedLongTermKey)> = vec![
            ("bedrock-api-key-abc".into(), MissingPrefix),
            ("ABSK@@@".into(), BadBase64),
            (format!("ABSK{}", base64::engine::general_purpose::STANDARD_NO_PAD.encode(format!("alice-at-123456789012:{SECRET}x"))), BadBase64),
            (format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe, b':', b'a'])), NotUtf8),
            (key(&format!("alice-at-123456789012{SECRET}")), NoSecret),
            (key("alice-at-123456789012:"), NoSecret),
            (key(&format!("alice@123456789012:{SECRET}")), NoAccount),
            (key(&format!("alice-at-12345678901:{SECRET}")), BadAccount),
            (key(&format!("alice-at-1234567890123:{SECRET}")), BadAccount),
            (key(&format!("alice-at-:{SECRET}")), BadAccount),
            (key(&format!("-at-123456789012:{SECRET}")), BadUserName),
            (key(&format!("al ice-at-123456789012:{SECRET}")), BadUserName),
            (key(&format!("{long_user}-at-123456789012:{SECRET}")), BadUserName),
            (key(&format!("alice-at-123456789012-\u{1b}[31m:{SECRET}")), BadSuffix),
            (key(&format!("alice-at-123456789012-ü:{SECRET}")), BadSuffix),
        ];
        for (text, want) in cases {
            let err = inspect_long_term_key(&text).unwrap_err();
            assert_eq!(err.to_string(), Error::MalformedLongTermKey(want.clone()).to_string(), "{want:?}");
            for shown in [err.to_string(), format!("{err:?}"), crate::error_chain(&err)] {
                assert!(!shown.contains("c2VjcmV0") && !shown.contains("alice") && !shown.contains(&text), "{shown}");
            }
        }
        assert!(inspect_long_term_key(&key(&format!("{}-at-123456789012:{SECRET}", "u".repeat(64)))).is_ok(), "64 characters is IAM's limit");
    }
}
