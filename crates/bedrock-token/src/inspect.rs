//! Reading a Bedrock API key back into its parts, without revealing its secrets: short-term keys
//! here, long-term keys in [`crate::long_term_key`], either kind through [`inspect_key`].

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};
use percent_encoding::percent_decode_str;

use crate::error::{Error, MalformedToken};
use crate::long_term_key::{inspect_long_term_key, LongTermKeyInfo, LONG_TERM_KEY_PREFIX};
use crate::sign::{HOST, TOKEN_PREFIX};
use crate::time::parse_amz_date;

/// The parts of a Bedrock API key that are safe to show: never the signature or session token.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use aws_credential_types::Credentials;
///
/// let credentials = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800);
/// let token = bedrock_token::sign_token(&credentials, "eu-west-1", Duration::from_secs(3600), at)?;
/// let info = bedrock_token::inspect_token(token.as_str())?;
/// assert_eq!(info.region, "eu-west-1");
/// assert_eq!(info.lifetime, Duration::from_secs(3600));
/// assert!(!info.has_session_token);
/// assert!(info.is_expired_at(at + Duration::from_secs(3600)));
/// # Ok::<(), bedrock_token::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenInfo {
    /// The region in the credential scope.
    pub region: String,
    /// The access key id that signed the token.
    pub access_key_id: String,
    /// The signing time (`X-Amz-Date`).
    pub issued_at: SystemTime,
    /// The signed lifetime (`X-Amz-Expires`).
    pub lifetime: Duration,
    /// `issued_at + lifetime`. The signing credentials may expire earlier; the token cannot tell.
    pub expires_at: SystemTime,
    /// Whether an STS session token is included (temporary credentials).
    pub has_session_token: bool,
}

impl TokenInfo {
    /// Whether the token's signed lifetime has ended at `now`.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let now = std::time::SystemTime::now();
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), now)?;
    /// let info = bedrock_token::inspect_token(token.as_str())?;
    /// assert!(!info.is_expired_at(now));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }

    /// Whether the token's signed lifetime has ended now.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// assert!(!bedrock_token::inspect_token(token.as_str())?.is_expired());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn is_expired(&self) -> bool {
        self.is_expired_at(SystemTime::now())
    }

    /// [`TokenInfo::issued_at`] as a `chrono` UTC time.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// let info = bedrock_token::inspect_token(token.as_str())?;
    /// assert!(info.issued_at_utc() <= info.expires_at_utc());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn issued_at_utc(&self) -> DateTime<Utc> {
        self.issued_at.into()
    }

    /// [`TokenInfo::expires_at`] as a `chrono` UTC time.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// let info = bedrock_token::inspect_token(token.as_str())?;
    /// assert_eq!((info.expires_at_utc() - info.issued_at_utc()).num_seconds(), 60);
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn expires_at_utc(&self) -> DateTime<Utc> {
        self.expires_at.into()
    }
}

/// Parses any `bedrock-api-key-…` token, ours or AWS's (in either generator's parameter order).
///
/// Checks the prefix, base64, UTF-8, host, `Action=CallWithBearerToken`, and that the credential,
/// date, lifetime and signature parameters are present and well formed. It does not verify the
/// signature: only AWS can.
///
/// ```
/// use bedrock_token::{inspect_token, Error, MalformedToken};
/// assert!(matches!(inspect_token("bedrock-api-key-!!"), Err(Error::MalformedToken(MalformedToken::BadBase64))));
/// ```
pub fn inspect_token(token: &str) -> Result<TokenInfo, Error> {
    parse(token.trim()).map_err(Error::MalformedToken)
}

/// What [`inspect_key`] read: a short-term key's parts or a long-term key's owner.
///
/// ```
/// use bedrock_token::{inspect_key, KeyInfo};
/// # use base64::Engine as _;
/// # let key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("alice-at-123456789012:secret"));
/// match inspect_key(&key)? {
///     KeyInfo::ShortTerm(token) => println!("signed by {} for {}", token.access_key_id, token.region),
///     KeyInfo::LongTerm(key) => assert_eq!((key.user_name.as_str(), key.account_id.as_str()), ("alice", "123456789012")),
/// }
/// # Ok::<(), bedrock_token::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInfo {
    /// A `bedrock-api-key-…` key: a SigV4-presigned URL.
    ShortTerm(TokenInfo),
    /// An `ABSK…` key: an IAM service-specific credential.
    LongTerm(LongTermKeyInfo),
}

impl KeyInfo {
    /// `"short-term"` or `"long-term"`, as the command and the bindings name the kind.
    ///
    /// ```
    /// # use base64::Engine as _;
    /// # let key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("alice-at-123456789012:secret"));
    /// assert_eq!(bedrock_token::inspect_key(&key)?.kind(), "long-term");
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn kind(&self) -> &'static str {
        match self {
            KeyInfo::ShortTerm(_) => "short-term",
            KeyInfo::LongTerm(_) => "long-term",
        }
    }
}

/// Parses any Bedrock API key: a short-term `bedrock-api-key-…` key as [`inspect_token`] does,
/// a long-term `ABSK…` key as [`inspect_long_term_key`] does. Neither result holds a secret.
///
/// ```
/// use bedrock_token::{inspect_key, Error, MalformedToken};
/// assert!(matches!(inspect_key("sk-123"), Err(Error::MalformedToken(MalformedToken::NotAnApiKey))));
/// ```
pub fn inspect_key(key: &str) -> Result<KeyInfo, Error> {
    let trimmed = key.trim();
    if trimmed.starts_with(TOKEN_PREFIX) {
        inspect_token(trimmed).map(KeyInfo::ShortTerm)
    } else if trimmed.starts_with(LONG_TERM_KEY_PREFIX) {
        inspect_long_term_key(trimmed).map(KeyInfo::LongTerm)
    } else {
        Err(Error::MalformedToken(MalformedToken::NotAnApiKey))
    }
}

fn parse(token: &str) -> Result<TokenInfo, MalformedToken> {
    let encoded = token
        .strip_prefix(TOKEN_PREFIX)
        .ok_or(MalformedToken::MissingPrefix)?;
    // The decoded URL holds the session token and the signature: wiped when parsing ends.
    let bytes = zeroize::Zeroizing::new(
        base64_simd::STANDARD
            .decode_to_vec(encoded)
            .map_err(|_| MalformedToken::BadBase64)?,
    );
    let url = std::str::from_utf8(&bytes).map_err(|_| MalformedToken::NotUtf8)?;
    let query = url
        .strip_prefix(HOST)
        .and_then(|rest| rest.strip_prefix("/?"))
        .ok_or(MalformedToken::WrongHost)?;

    let mut params: HashMap<&str, &str> = HashMap::new();
    for pair in query.split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        if params.insert(name, value).is_some() {
            return Err(MalformedToken::DuplicateParameter(
                crate::error::shorten(name),
            ));
        }
    }
    let get = |name: &'static str| params.get(name).copied().ok_or(MalformedToken::MissingParameter(name));
    let decode = |name: &'static str| -> Result<String, MalformedToken> {
        percent_decode_str(get(name)?)
            .decode_utf8()
            .map(|v| v.into_owned())
            .map_err(|_| MalformedToken::BadParameter(name))
    };

    if get("Action")? != "CallWithBearerToken" {
        return Err(MalformedToken::WrongAction);
    }
    if get("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return Err(MalformedToken::BadParameter("X-Amz-Algorithm"));
    }
    let signature = get("X-Amz-Signature")?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(MalformedToken::BadParameter("X-Amz-Signature"));
    }
    let credential = decode("X-Amz-Credential")?;
    let bad_credential = || MalformedToken::BadParameter("X-Amz-Credential");
    // access-key-id/date/region/service/aws4_request; the key id itself has no '/'.
    let mut scope = credential.rsplitn(5, '/');
    let (terminator, service, region, _date, access_key_id) = (
        scope.next().ok_or_else(bad_credential)?,
        scope.next().ok_or_else(bad_credential)?,
        scope.next().ok_or_else(bad_credential)?,
        scope.next().ok_or_else(bad_credential)?,
        scope.next().ok_or_else(bad_credential)?,
    );
    if terminator != "aws4_request" || service != "bedrock" || region.is_empty() || access_key_id.is_empty() {
        return Err(bad_credential());
    }
    let issued_at = parse_amz_date(get("X-Amz-Date")?).ok_or(MalformedToken::BadParameter("X-Amz-Date"))?;
    let lifetime = get("X-Amz-Expires")?
        .parse::<u32>()
        .map(|s| Duration::from_secs(u64::from(s)))
        .map_err(|_| MalformedToken::BadParameter("X-Amz-Expires"))?;
    let has_session_token = params.contains_key("X-Amz-Security-Token");

    Ok(TokenInfo {
        region: region.to_owned(),
        access_key_id: access_key_id.to_owned(),
        issued_at,
        lifetime,
        expires_at: issued_at + lifetime,
        has_session_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    fn wrap(url: &str) -> String {
        format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode(url))
    }

    const GOOD: &str = "bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20260124%2Fus-east-1%2Fbedrock%2Faws4_request&X-Amz-Date=20260124T100000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=0000000000000000000000000000000000000000000000000000000000000000&Version=1";

    #[test]
    fn reads_a_well_formed_token() {
        let info = inspect_token(&wrap(GOOD)).unwrap();
        assert_eq!(info.access_key_id, "AKIDEXAMPLE");
        assert_eq!(info.region, "us-east-1");
        assert_eq!(info.lifetime, Duration::from_secs(3600));
        assert_eq!(crate::rfc3339(info.expires_at), "2026-01-24T11:00:00Z");
    }

    #[test]
    fn each_malformation_has_its_reason() {
        use MalformedToken::*;
        let cases: Vec<(String, MalformedToken)> = vec![
            ("hello".into(), MissingPrefix),
            ("bedrock-api-key-@@@".into(), BadBase64),
            (format!("{TOKEN_PREFIX}{}", base64::engine::general_purpose::STANDARD.encode([0xff, 0xfe])), NotUtf8),
            (wrap(&GOOD.replace("bedrock.amazonaws.com", "evil.example.com")), WrongHost),
            (wrap(&GOOD.replace("CallWithBearerToken", "GetSecret")), WrongAction),
            (wrap(&GOOD.replace("&X-Amz-Date=20260124T100000Z", "")), MissingParameter("X-Amz-Date")),
            (wrap(&GOOD.replace("X-Amz-Expires=3600", "X-Amz-Expires=-1")), BadParameter("X-Amz-Expires")),
            (wrap(&GOOD.replace("%2Fbedrock%2F", "%2Fs3%2F")), BadParameter("X-Amz-Credential")),
            (wrap(&GOOD.replace("X-Amz-Signature=0", "X-Amz-Signature=z")), BadParameter("X-Amz-Signature")),
            (wrap(&format!("{GOOD}&Version=1")), DuplicateParameter("Version".into())),
            (wrap(&GOOD.replace("AKIDEXAMPLE", "%FF")), BadParameter("X-Amz-Credential")),
        ];
        for (token, want) in cases {
            assert_eq!(inspect_token(&token).unwrap_err().to_string(), Error::MalformedToken(want).to_string());
        }
    }

    #[test]
    fn inspect_key_tells_the_kinds_apart() {
        let short = inspect_key(&wrap(GOOD)).unwrap();
        assert_eq!((short.kind(), short), ("short-term", KeyInfo::ShortTerm(inspect_token(&wrap(GOOD)).unwrap())));
        let absk = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("u-at-123456789012:s3cr3t"));
        let long = inspect_key(&format!("{absk}\n")).unwrap();
        assert_eq!(long.kind(), "long-term");
        assert!(matches!(&long, KeyInfo::LongTerm(info) if info.user_name == "u" && info.account_id == "123456789012"));
        assert!(!format!("{long:?}").contains("s3cr3t"));
        // Each kind's own errors; anything else is neither kind.
        assert!(matches!(inspect_key("bedrock-api-key-@@"), Err(Error::MalformedToken(MalformedToken::BadBase64))));
        assert!(matches!(inspect_key("ABSK@@"), Err(Error::MalformedLongTermKey(crate::MalformedLongTermKey::BadBase64))));
        for other in ["", "hello", "absk", "AKIAIOSFODNN7EXAMPLE", "Bearer bedrock-api-key-x"] {
            assert!(matches!(inspect_key(other), Err(Error::MalformedToken(MalformedToken::NotAnApiKey))), "{other:?}");
        }
    }
}
