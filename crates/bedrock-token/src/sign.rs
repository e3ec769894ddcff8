//! Signing: the exact bytes of AWS's official Python generator, made offline.
//!
//! A short-term key is a SigV4 presign of `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken`
//! for service `bedrock`, with `https://` dropped, `&Version=1` appended after signing, then
//! base64 (standard alphabet, padded) behind the prefix `bedrock-api-key-`. The query keeps
//! botocore's order (`X-Amz-SignedHeaders` before `X-Amz-Security-Token`), which differs from the
//! sorted canonical order that is signed.

use std::cell::RefCell;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::expiry::validate_expiry;
use crate::region::validate_region;
use crate::time::SigningTime;
use crate::{Error, Token};

/// The prefix of every Bedrock API key.
pub const TOKEN_PREFIX: &str = "bedrock-api-key-";

pub(crate) const HOST: &str = "bedrock.amazonaws.com";
const SERVICE: &str = "bedrock";
/// SHA-256 of the empty payload, as botocore signs a presigned POST.
const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

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
    if credentials.secret_access_key().is_empty() {
        return Err(Error::EmptyCredentialField {
            field: "secret_access_key",
        });
    }
    if let Some(expired_at) = credentials.expiry().filter(|expiry| *expiry <= at) {
        return Err(Error::CredentialsExpired { expired_at });
    }
    let time = SigningTime::new(at)?;
    let session_token = credentials.session_token().filter(|t| !t.is_empty());

    let value = presign(
        access_key_id,
        credentials.secret_access_key(),
        session_token,
        region,
        expires_in,
        time,
    );
    let issued_at = time.system_time();
    let lifetime = Duration::from_secs(u64::from(expires_in));
    let mut expires_at = issued_at + lifetime;
    if let Some(credentials_expiry) = credentials.expiry() {
        expires_at = expires_at.min(credentials_expiry);
    }
    Ok(Token::new(
        value,
        region.to_owned(),
        access_key_id.to_owned(),
        issued_at,
        lifetime,
        expires_at,
    ))
}

/// Builds the token from inputs already validated.
fn presign(
    access_key_id: &str,
    secret: &str,
    session_token: Option<&str>,
    region: &str,
    expires_in: u32,
    time: SigningTime,
) -> Zeroizing<String> {
    let amz_date = time.amz_date();
    let amz_date = std::str::from_utf8(&amz_date).expect("ASCII digits");
    let date = &amz_date[..8];

    let mut url = Zeroizing::new(String::with_capacity(
        400 + session_token.map_or(0, |t| t.len() * 3),
    ));
    url.push_str(HOST);
    url.push_str("/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
    let query_start = HOST.len() + 2;
    percent_encode_into(&mut url, access_key_id);
    for part in [date, region, SERVICE, "aws4_request"] {
        url.push_str("%2F");
        url.push_str(part);
    }
    url.push_str("&X-Amz-Date=");
    url.push_str(amz_date);
    url.push_str("&X-Amz-Expires=");
    url.push_str(itoa_u32(expires_in).as_str());
    let common_end = url.len();

    SIGNING_CACHE.with(|cell| {
        let mut cache = cell.borrow_mut();
        let entry = cache.entry(secret, time, region, session_token);

        // The canonical request signs the parameters sorted by name: Security-Token before SignedHeaders.
        let mut canonical = Sha256::new();
        canonical.update(b"POST\n/\n");
        canonical.update(&url.as_bytes()[query_start..common_end]);
        canonical.update(entry.encoded_session_token.as_bytes());
        canonical.update(b"&X-Amz-SignedHeaders=host\nhost:");
        canonical.update(HOST.as_bytes());
        canonical.update(b"\n\nhost\n");
        canonical.update(EMPTY_PAYLOAD_SHA256.as_bytes());
        let mut canonical_hex = [0u8; 64];
        hex::encode_to_slice(canonical.finalize(), &mut canonical_hex).expect("64 bytes");

        let mut mac = entry.mac.clone();
        for part in [
            "AWS4-HMAC-SHA256\n".as_bytes(),
            amz_date.as_bytes(),
            b"\n",
            date.as_bytes(),
            b"/",
            region.as_bytes(),
            b"/bedrock/aws4_request\n",
            &canonical_hex,
        ] {
            mac.update(part);
        }
        let mut signature = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut signature).expect("64 bytes");

        // botocore's order: SignedHeaders, then Security-Token, then Signature.
        url.push_str("&X-Amz-SignedHeaders=host");
        url.push_str(entry.encoded_session_token);
        url.push_str("&X-Amz-Signature=");
        url.push_str(std::str::from_utf8(&signature).expect("hex"));
        url.push_str("&Version=1");
    });

    // SIMD base64 (standard alphabet, padded), appended straight behind the prefix.
    let mut token = Zeroizing::new(String::with_capacity(TOKEN_PREFIX.len() + url.len().div_ceil(3) * 4));
    token.push_str(TOKEN_PREFIX);
    base64_simd::STANDARD.encode_append(url.as_bytes(), &mut *token);
    token
}

/// What stays the same from token to token of one identity, kept per thread: the signing key
/// (as a keyed HMAC) for one (secret, UTC day, region), and the encoded session token.
#[derive(Default)]
struct SigningCache {
    key: Option<CachedKey>,
    session_token: Zeroizing<String>,
    encoded_session_token: Zeroizing<String>,
}

struct CachedKey {
    secret: Zeroizing<String>,
    day: u64,
    region: String,
    mac: Hmac<Sha256>,
}

thread_local! {
    /// The key only changes with the secret, the day or the region, so a service signing for one
    /// identity derives it once a day instead of on every token.
    static SIGNING_CACHE: RefCell<SigningCache> = RefCell::new(SigningCache::default());
}

/// The cache's view for this identity: (keyed HMAC, `&X-Amz-Security-Token=…` or empty).
struct Entry<'a> {
    mac: &'a Hmac<Sha256>,
    encoded_session_token: &'a str,
}

impl SigningCache {
    fn entry(&mut self, secret: &str, time: SigningTime, region: &str, session_token: Option<&str>) -> Entry<'_> {
        let fresh = self.key.as_ref().is_some_and(|cached| {
            cached.day == time.day() && cached.region == region && *cached.secret == secret
        });
        if !fresh {
            let key = aws_sigv4::sign::v4::generate_signing_key(secret, time.system_time(), region, SERVICE);
            let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_ref()).expect("HMAC takes keys of any length");
            self.key = Some(CachedKey { secret: Zeroizing::new(secret.to_owned()), day: time.day(), region: region.to_owned(), mac });
        }
        let token = session_token.unwrap_or("");
        if *self.session_token != token {
            self.session_token = Zeroizing::new(token.to_owned());
            self.encoded_session_token = Zeroizing::new(String::with_capacity(token.len() * 3 + 32));
            if !token.is_empty() {
                self.encoded_session_token.push_str("&X-Amz-Security-Token=");
                percent_encode_into(&mut self.encoded_session_token, token);
            }
        }
        Entry {
            mac: &self.key.as_ref().expect("filled above").mac,
            encoded_session_token: &self.encoded_session_token,
        }
    }
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
    fn decimal() {
        assert_eq!(itoa_u32(0).as_str(), "0");
        assert_eq!(itoa_u32(43_200).as_str(), "43200");
        assert_eq!(itoa_u32(u32::MAX).as_str(), "4294967295");
    }

    #[test]
    fn signing_cache_follows_secret_day_region_and_session_token() {
        let day1 = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800)).unwrap();
        let day2 = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800 + 86_400)).unwrap();
        let mut cache = SigningCache::default();
        let uncached = |secret: &str, time: SigningTime, region: &str| {
            let key = aws_sigv4::sign::v4::generate_signing_key(secret, time.system_time(), region, SERVICE);
            hex::decode(aws_sigv4::sign::v4::calculate_signature(key, b"x")).unwrap()
        };
        for (secret, time, region, token, encoded) in [
            ("a", day1, "us-east-1", None, ""),
            ("a", day1, "us-east-1", Some("t/+"), "&X-Amz-Security-Token=t%2F%2B"),
            ("b", day1, "us-east-1", Some("t/+"), "&X-Amz-Security-Token=t%2F%2B"),
            ("b", day2, "us-east-1", None, ""),
            ("b", day2, "eu-west-1", Some("é"), "&X-Amz-Security-Token=%C3%A9"),
            ("a", day1, "us-east-1", None, ""),
        ] {
            let entry = cache.entry(secret, time, region, token);
            let mut mac = entry.mac.clone();
            mac.update(b"x");
            assert_eq!(mac.finalize().into_bytes().to_vec(), uncached(secret, time, region));
            assert_eq!(entry.encoded_session_token, encoded);
        }
    }
}
