//! Signing: the exact bytes of AWS's official Python generator, made offline.
//!
//! A short-term key is a SigV4 presign of `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken`
//! for service `bedrock`, with `https://` dropped, `&Version=1` appended after signing, then
//! base64 (standard alphabet, padded) behind the prefix `bedrock-api-key-`. The query keeps
//! botocore's order (`X-Amz-SignedHeaders` before `X-Amz-Security-Token`), which differs from the
//! sorted canonical order that is signed.

use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::expiry::validate_expiry;
use crate::region::validate_region;
use crate::secret::SecretString;
use crate::time::SigningTime;
use crate::{Error, Token};

/// The prefix of every Bedrock API key.
pub const TOKEN_PREFIX: &str = "bedrock-api-key-";

pub(crate) const HOST: &str = "bedrock.amazonaws.com";
const SERVICE: &str = "bedrock";

/// Signs a short-term Bedrock API key, offline, at an explicit time.
///
/// The token is byte-identical to AWS's official Python generator (`aws-bedrock-token-generator`
/// 1.1.0) for the same inputs. Its [`Token::expires_at`] is the earlier of `at + expiry` and the
/// credentials' own expiry. An empty session token counts as none.
///
/// Errors name the field at fault: region not shaped like an AWS region, lifetime outside
/// 1 s ..= 12 h, an empty access key id or secret, credentials already expired at `at`, or a
/// signing time before 1970.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use aws_credential_types::Credentials;
/// use bedrock_token::sign_token;
///
/// let credentials = Credentials::from_keys(
///     "AKIAIOSFODNN7EXAMPLE",
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
///     None,
/// );
/// let token = sign_token(&credentials, "us-east-1", Duration::from_secs(3600), SystemTime::now())?;
/// assert!(token.as_str().starts_with("bedrock-api-key-"));
/// assert_eq!(format!("{token}"), "bedrock-api-key-****");
/// # Ok::<(), bedrock_token::Error>(())
/// ```
pub fn sign_token(
    credentials: &Credentials,
    region: &str,
    expiry: Duration,
    at: SystemTime,
) -> Result<Token, Error> {
    validate_region(region)?;
    let expires_in = validate_expiry(expiry)?;
    let access_key_id = credentials.access_key_id();
    if access_key_id.is_empty() {
        return Err(Error::EmptyCredentialField {
            field: "access_key_id",
        });
    }
    let secret = credentials.secret_access_key();
    if secret.is_empty() {
        return Err(Error::EmptyCredentialField {
            field: "secret_access_key",
        });
    }
    if let Some(expired_at) = credentials.expiry().filter(|expiry| *expiry <= at) {
        return Err(Error::CredentialsExpired { expired_at });
    }
    let time = SigningTime::new(at)?;
    let identity = Identity {
        access_key_id,
        secret,
        session_token: credentials.session_token().unwrap_or(""),
        region,
        day: time.day(),
    };

    let issued_at = time.system_time();
    let lifetime = Duration::from_secs(u64::from(expires_in));
    let mut expires_at = issued_at + lifetime;
    if let Some(credentials_expiry) = credentials.expiry() {
        expires_at = expires_at.min(credentials_expiry);
    }
    Ok(with_prepared(identity, |prepared| {
        Token::new(
            prepared.sign(time, expires_in),
            prepared.region.clone(),
            prepared.access_key_id.clone(),
            issued_at,
            lifetime,
            expires_at,
        )
    }))
}

/// Who signs, for which region and UTC day: everything that [`Prepared`] depends on.
/// An empty session token counts as none.
#[derive(Clone, Copy)]
struct Identity<'a> {
    access_key_id: &'a str,
    secret: &'a str,
    session_token: &'a str,
    region: &'a str,
    day: u64,
}

thread_local! {
    /// The last identity this thread signed for. A service signs for one identity, so it derives
    /// the signing key and hashes the constant part of the request once a day, not per token.
    static PREPARED: RefCell<Option<Prepared>> = const { RefCell::new(None) };
}

/// Runs `f` on the [`Prepared`] state for `identity`, from this thread's cache when it matches.
fn with_prepared<R>(identity: Identity<'_>, f: impl FnOnce(&mut Prepared) -> R) -> R {
    let mut f = Some(f);
    let cached = PREPARED.try_with(|cell| {
        let mut slot = cell.borrow_mut();
        if !slot.as_ref().is_some_and(|prepared| prepared.is_for(identity)) {
            *slot = Some(Prepared::new(identity));
        }
        let f = f.take().expect("called once");
        f(slot.as_mut().expect("filled above"))
    });
    // The thread-local is gone only while this thread shuts down: sign without the cache.
    cached.unwrap_or_else(|_| f.take().expect("not called yet")(&mut Prepared::new(identity)))
}

/// What stays the same from token to token of one [`Identity`]: the query up to `X-Amz-Date=`,
/// the SHA-256 state after hashing it, the HMAC keyed with the day's signing key, and the encoded
/// session token. Secrets in it are zeroed on drop.
struct Prepared {
    access_key_id: Arc<str>,
    secret: SecretString,
    session_token: SecretString,
    region: Arc<str>,
    day: u64,
    /// `YYYYMMDD` of `day`.
    date: [u8; 8],
    /// `bedrock.amazonaws.com/?Action=CallWithBearerToken&…&X-Amz-Date=`.
    url_prefix: String,
    /// The canonical request's hash state after `POST\n/\n` and the query in `url_prefix`.
    canonical_prefix: Sha256,
    /// HMAC keyed with the signing key, having absorbed the string to sign's first line.
    string_to_sign_prefix: Hmac<Sha256>,
    /// `\n{date}/{region}/bedrock/aws4_request\n`, the string to sign's scope line.
    scope: String,
    /// `&X-Amz-Security-Token=…` percent-encoded, or empty.
    encoded_session_token: SecretString,
    /// Scratch space for the URL, wiped after every token.
    url: SecretString,
}

/// The canonical request after the signed query: headers, signed headers and the payload hash
/// (SHA-256 of the empty body, as botocore signs a presigned POST).
const CANONICAL_SUFFIX: &str = "&X-Amz-SignedHeaders=host\nhost:bedrock.amazonaws.com\n\nhost\n\
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ALGORITHM_LINE: &str = "AWS4-HMAC-SHA256\n";
/// The URL's parameters after `X-Amz-Expires`, in botocore's order: SignedHeaders, then
/// Security-Token, then Signature.
const SIGNED_HEADERS: &str = "&X-Amz-SignedHeaders=host";
const SIGNATURE: &str = "&X-Amz-Signature=";
const VERSION: &str = "&Version=1";

impl Prepared {
    fn new(identity: Identity<'_>) -> Self {
        let time = SigningTime::from_day(identity.day);
        let amz_date = time.amz_date();
        let date: [u8; 8] = amz_date[..8].try_into().expect("eight digits");
        let date_str = std::str::from_utf8(&date).expect("ASCII digits");

        let mut url_prefix = String::with_capacity(200 + identity.access_key_id.len() * 3);
        url_prefix.push_str(HOST);
        url_prefix.push_str("/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
        percent_encode_into(&mut url_prefix, identity.access_key_id);
        for part in [date_str, identity.region, SERVICE, "aws4_request"] {
            url_prefix.push_str("%2F");
            url_prefix.push_str(part);
        }
        url_prefix.push_str("&X-Amz-Date=");
        let mut canonical_prefix = Sha256::new();
        canonical_prefix.update(b"POST\n/\n");
        canonical_prefix.update(&url_prefix.as_bytes()[HOST.len() + "/?".len()..]);

        let key = aws_sigv4::sign::v4::generate_signing_key(identity.secret, time.system_time(), identity.region, SERVICE);
        let mut string_to_sign_prefix =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes keys of any length");
        string_to_sign_prefix.update(ALGORITHM_LINE.as_bytes());

        let session_token = identity.session_token;
        let mut encoded_session_token = SecretString::with_capacity(session_token.len() * 3 + 32);
        if !session_token.is_empty() {
            encoded_session_token.push_str("&X-Amz-Security-Token=");
            percent_encode_into(encoded_session_token.as_mut_string(), session_token);
        }
        let url_len = url_prefix.len()
            + "YYYYMMDDTHHMMSSZ&X-Amz-Expires=4294967295".len()
            + SIGNED_HEADERS.len()
            + encoded_session_token.as_str().len()
            + SIGNATURE.len()
            + 64
            + VERSION.len();

        Self {
            access_key_id: identity.access_key_id.into(),
            secret: identity.secret.into(),
            session_token: session_token.into(),
            region: identity.region.into(),
            day: identity.day,
            date,
            scope: format!("\n{date_str}/{}/{SERVICE}/aws4_request\n", identity.region),
            url_prefix,
            canonical_prefix,
            string_to_sign_prefix,
            encoded_session_token,
            url: SecretString::with_capacity(url_len),
        }
    }

    fn is_for(&self, identity: Identity<'_>) -> bool {
        (self.day == identity.day)
            & same(&self.region, identity.region)
            & same(&self.access_key_id, identity.access_key_id)
            & same(self.secret.as_str(), identity.secret)
            & same(self.session_token.as_str(), identity.session_token)
    }

    /// Signs the token for `time` (on this identity's day) and lifetime `expires_in` seconds.
    fn sign(&mut self, time: SigningTime, expires_in: u32) -> SecretString {
        debug_assert_eq!(time.day(), self.day);
        let amz_date = time.amz_date_on(self.date);
        let amz_date = std::str::from_utf8(&amz_date).expect("ASCII digits");

        let url = &mut self.url;
        url.push_str(&self.url_prefix);
        url.push_str(amz_date);
        url.push_str("&X-Amz-Expires=");
        url.push_str(itoa_u32(expires_in).as_str());

        // The canonical query is sorted by name: Security-Token comes before SignedHeaders.
        let mut canonical = self.canonical_prefix.clone();
        canonical.update(&url.as_str().as_bytes()[self.url_prefix.len()..]);
        canonical.update(self.encoded_session_token.as_str().as_bytes());
        canonical.update(CANONICAL_SUFFIX.as_bytes());
        let canonical_hex = lower_hex(&canonical.finalize().into());

        let mut mac = self.string_to_sign_prefix.clone();
        mac.update(amz_date.as_bytes());
        mac.update(self.scope.as_bytes());
        mac.update(&canonical_hex);
        let signature = lower_hex(&mac.finalize().into_bytes().into());

        url.push_str(SIGNED_HEADERS);
        url.push_str(self.encoded_session_token.as_str());
        url.push_str(SIGNATURE);
        url.push_str(std::str::from_utf8(&signature).expect("hex"));
        url.push_str(VERSION);

        // SIMD base64 (standard alphabet, padded), appended straight behind the prefix.
        let mut token = SecretString::with_capacity(TOKEN_PREFIX.len() + url.as_str().len().div_ceil(3) * 4);
        token.push_str(TOKEN_PREFIX);
        base64_simd::STANDARD.encode_append(url.as_str().as_bytes(), token.as_mut_string());
        url.wipe();
        token
    }
}

/// Lowercase hex of a SHA-256 digest, one table read per byte.
fn lower_hex(digest: &[u8; 32]) -> [u8; 64] {
    const PAIRS: [[u8; 2]; 256] = {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut pairs = [[0u8; 2]; 256];
        let mut byte = 0;
        while byte < 256 {
            pairs[byte] = [DIGITS[byte >> 4], DIGITS[byte & 0xF]];
            byte += 1;
        }
        pairs
    };
    let mut out = [0u8; 64];
    for (pair, &byte) in out.chunks_exact_mut(2).zip(digest) {
        pair.copy_from_slice(&PAIRS[usize::from(byte)]);
    }
    out
}

/// String equality without an early exit, inlined: these strings are short or secret, and a
/// `memcmp` call per field cost a tenth of a token.
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0, |differ, (x, y)| differ | (x ^ y)) == 0
}

/// Percent-encodes as SigV4 does: only `A-Z a-z 0-9 - . _ ~` stay; UTF-8 bytes as `%XX`.
/// Runs of unreserved bytes are copied as slices, so a long session token encodes quickly.
fn percent_encode_into(out: &mut String, value: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let bytes = value.as_bytes();
    let push_run = |out: &mut String, run: &[u8]| {
        if !run.is_empty() {
            out.push_str(std::str::from_utf8(run).expect("unreserved bytes are ASCII"));
        }
    };
    let mut start = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        if !unreserved(byte) {
            push_run(out, &bytes[start..i]);
            let escaped = [b'%', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xF)]];
            out.push_str(std::str::from_utf8(&escaped).expect("ASCII"));
            start = i + 1;
        }
    }
    push_run(out, &bytes[start..]);
}

/// Writes a `u32` in decimal without allocating.
struct DecimalU32 {
    buf: [u8; 10],
    start: usize,
}

impl DecimalU32 {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[self.start..]).expect("ASCII digits")
    }
}

fn itoa_u32(mut value: u32) -> DecimalU32 {
    let mut buf = [0u8; 10];
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            return DecimalU32 { buf, start };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_matches_sigv4() {
        let mut out = String::new();
        percent_encode_into(&mut out, "aZ09-._~ /+=é");
        assert_eq!(out, "aZ09-._~%20%2F%2B%3D%C3%A9");
    }

    #[test]
    fn lower_hex_matches_the_hex_crate() {
        let digest: [u8; 32] = std::array::from_fn(|i| (i * 37 + 11) as u8);
        let mut expected = [0u8; 64];
        hex::encode_to_slice(digest, &mut expected).unwrap();
        assert_eq!(lower_hex(&digest), expected);
        assert_eq!(&lower_hex(&[0xff; 32])[..4], b"ffff");
    }

    #[test]
    fn decimal() {
        assert_eq!(itoa_u32(0).as_str(), "0");
        assert_eq!(itoa_u32(43_200).as_str(), "43200");
        assert_eq!(itoa_u32(u32::MAX).as_str(), "4294967295");
    }

    #[test]
    fn the_cache_follows_every_part_of_the_identity() {
        const DAY: u64 = 1_769_248_800 / 86_400;
        let at = |day: u64, second: u64| SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86_400 + second)).unwrap();
        let identity = |access_key_id, secret, session_token, region, day| Identity { access_key_id, secret, session_token, region, day };
        let steps = [
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "", "us-east-1", DAY), 36_000),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "", "us-east-1", DAY), 86_399),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "t/+", "us-east-1", DAY), 0),
            (identity("AKIAIOSFODNN7EXAMPLE", "b", "t/+", "us-east-1", DAY), 1),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "t/+", "us-east-1", DAY), 1),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "", "us-east-1", DAY + 1), 2),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "é", "eu-west-1", DAY + 1), 3),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "", "us-east-1", DAY), 36_000),
        ];
        for (identity, second) in steps {
            let time = at(identity.day, second);
            let cached = with_prepared(identity, |prepared| prepared.sign(time, 900));
            let fresh = Prepared::new(identity).sign(time, 900);
            assert_eq!(cached.as_str(), fresh.as_str());
            let url = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                &fresh.as_str()[TOKEN_PREFIX.len()..],
            )
            .unwrap();
            let url = String::from_utf8(url).unwrap();
            assert!(url.contains(&format!("X-Amz-Credential={}%2F", identity.access_key_id)), "{url}");
            assert!(url.contains(&format!("%2F{}%2Fbedrock%2F", identity.region)), "{url}");
            assert_eq!(url.contains("X-Amz-Security-Token"), !identity.session_token.is_empty(), "{url}");
        }
    }

    #[test]
    fn signing_wipes_and_reuses_the_url_scratch() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", session_token: "t", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let mut prepared = Prepared::new(identity);
        let capacity = prepared.url.as_mut_string().capacity();
        prepared.sign(time, u32::MAX);
        assert_eq!(prepared.url.as_str(), "");
        assert_eq!(prepared.url.as_mut_string().capacity(), capacity, "the longest URL fits without growing");
    }
}
