//! [`Prepared`]: everything about a token that stays the same for one signer, region and day,
//! computed once, and the per-token work that remains.

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use super::text::{itoa_u32, lower_hex, percent_encode_into, same};
use super::{HOST, TOKEN_PREFIX};
use crate::secret::{SecretBytes, SecretString};
use crate::time::SigningTime;

const SERVICE: &str = "bedrock";

/// Who signs, for which region and UTC day: everything that [`Prepared`] depends on.
/// An empty session token counts as none.
#[derive(Clone, Copy)]
pub(super) struct Identity<'a> {
    pub(super) access_key_id: &'a str,
    pub(super) secret: &'a str,
    pub(super) session_token: &'a str,
    pub(super) region: &'a str,
    pub(super) day: u64,
}

/// What stays the same from token to token of one [`Identity`]: the query up to `X-Amz-Date=`,
/// the SHA-256 state after hashing it, the HMAC keyed with the day's signing key, and the encoded
/// session token. Secrets in it are zeroed on drop.
pub(super) struct Prepared {
    pub(super) access_key_id: Arc<str>,
    secret: SecretString,
    session_token: SecretString,
    pub(super) region: Arc<str>,
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
    url: SecretBytes,
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

/// SigV4's signing key, HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
/// "aws4_request"), derived here so that `AWS4{secret}` and every intermediate key live only in
/// buffers that are zeroed when dropped (the HMAC states too: sha2/hmac's `zeroize` features).
fn signing_key(secret: &str, date: &str, region: &str) -> zeroize::Zeroizing<[u8; 32]> {
    let hmac = |key: &[u8], data: &str| {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
        mac.update(data.as_bytes());
        zeroize::Zeroizing::new(<[u8; 32]>::from(mac.finalize().into_bytes()))
    };
    let mut first = zeroize::Zeroizing::new(Vec::with_capacity(4 + secret.len()));
    first.extend_from_slice(b"AWS4");
    first.extend_from_slice(secret.as_bytes());
    let date_key = hmac(&first, date);
    let region_key = hmac(date_key.as_slice(), region);
    let service_key = hmac(region_key.as_slice(), SERVICE);
    hmac(service_key.as_slice(), "aws4_request")
}

impl Prepared {
    pub(super) fn new(identity: Identity<'_>) -> Self {
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

        let key = signing_key(identity.secret, date_str, identity.region);
        let mut string_to_sign_prefix =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_slice()).expect("HMAC takes keys of any length");
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
            url: SecretBytes::with_capacity(url_len),
        }
    }

    pub(super) fn is_for(&self, identity: Identity<'_>) -> bool {
        (self.day == identity.day)
            & same(&self.region, identity.region)
            & same(&self.access_key_id, identity.access_key_id)
            & same(self.secret.as_str(), identity.secret)
            & same(self.session_token.as_str(), identity.session_token)
    }

    /// Signs the token for `time` (on this identity's day) and lifetime `expires_in` seconds.
    pub(super) fn sign(&mut self, time: SigningTime, expires_in: u32) -> SecretString {
        debug_assert_eq!(time.day(), self.day);
        let amz_date = time.amz_date_on(self.date);

        let url = &mut self.url;
        url.extend(self.url_prefix.as_bytes());
        url.extend(&amz_date);
        url.extend(b"&X-Amz-Expires=");
        url.extend(itoa_u32(expires_in).as_bytes());

        // The canonical query is sorted by name: Security-Token comes before SignedHeaders.
        let mut canonical = self.canonical_prefix.clone();
        canonical.update(&url.as_bytes()[self.url_prefix.len()..]);
        canonical.update(self.encoded_session_token.as_str().as_bytes());
        canonical.update(CANONICAL_SUFFIX.as_bytes());
        let canonical_hex = lower_hex(&canonical.finalize().into());

        let mut mac = self.string_to_sign_prefix.clone();
        mac.update(&amz_date);
        mac.update(self.scope.as_bytes());
        mac.update(&canonical_hex);
        let signature = lower_hex(&mac.finalize().into_bytes().into());

        url.extend(SIGNED_HEADERS.as_bytes());
        url.extend(self.encoded_session_token.as_str().as_bytes());
        url.extend(SIGNATURE.as_bytes());
        url.extend(&signature);
        url.extend(VERSION.as_bytes());

        // SIMD base64 (standard alphabet, padded), appended straight behind the prefix.
        let mut token = SecretString::with_capacity(TOKEN_PREFIX.len() + url.as_bytes().len().div_ceil(3) * 4);
        token.push_str(TOKEN_PREFIX);
        base64_simd::STANDARD.encode_append(url.as_bytes(), token.as_mut_string());
        url.wipe();
        token
    }
}

#[cfg(test)]
mod signing_key_tests {
    /// The signing key equals aws-sigv4's (AWS's own derivation), for a few secrets and days.
    #[test]
    fn matches_aws_sigv4() {
        use std::time::{Duration, SystemTime};
        for (secret, day, region) in [
            ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 20_477, "us-east-1"),
            ("", 0, "eu-west-1"),
            ("ß/+=", 2_932_896, "cn-north-1"),
        ] {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86_400);
            let date = crate::time::SigningTime::new(at).unwrap().amz_date();
            let date = std::str::from_utf8(&date[..8]).unwrap();
            let ours = super::signing_key(secret, date, region);
            let theirs = aws_sigv4::sign::v4::generate_signing_key(secret, at, region, super::SERVICE);
            assert_eq!(ours.as_slice(), theirs.as_ref(), "{secret} {date} {region}");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn signing_wipes_and_reuses_the_url_scratch() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", session_token: "t", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let mut prepared = Prepared::new(identity);
        let capacity = prepared.url.capacity();
        prepared.sign(time, u32::MAX);
        assert_eq!(prepared.url.as_bytes(), b"");
        assert_eq!(prepared.url.capacity(), capacity, "the longest URL fits without growing");
    }
}
