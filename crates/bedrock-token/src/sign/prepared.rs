//! [`Prepared`]: everything about a token that stays the same for one signer, region and day,
//! computed once, and the per-token work that remains.
//!
//! Per token: the query's variable part is written once, into a buffer that is wiped after;
//! the canonical request is hashed from that buffer and from constants, in place, never built;
//! the signing key is opened from its [`SealedKey`] for one signature; hex goes into fixed
//! arrays; and the token is the base64 of the URL's constant start (made once: it is a multiple
//! of 3 bytes long, so its base64 is a prefix of the whole URL's) followed by the base64 of the
//! rest, in one allocation.

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::sealed::SealedKey;
use super::sha256::{hmac, hmac_key_states, Sha256Stream};
use super::text::{itoa_u32, lower_hex, percent_encode_into, percent_encoded_len, same};
use super::{HOST, TOKEN_PREFIX};
use crate::secret::{SecretBytes, SecretString};
use crate::time::SigningTime;

const SERVICE: &str = "bedrock";

/// Who signs, for which region and UTC day: everything that [`Prepared`] depends on.
#[derive(Clone, Copy)]
pub(super) struct Identity<'a> {
    pub(super) access_key_id: &'a str,
    pub(super) secret: &'a str,
    pub(super) region: &'a str,
    pub(super) day: u64,
}

/// What stays the same from token to token of one [`Identity`]. It holds no secret: the
/// signing key is sealed under the secret access key, which is not kept, and the session token
/// is read from the caller for every token.
pub(super) struct Prepared {
    pub(super) access_key_id: Arc<str>,
    pub(super) region: Arc<str>,
    day: u64,
    /// The [`super::clear_signing_state`] generation this was prepared in.
    generation: u64,
    /// `YYYYMMDD` of `day`.
    date: [u8; 8],
    /// Base64 of `bedrock.amazonaws.com/?Action=CallWithBearerToken&…&X-Amz-Date=` cut to a
    /// multiple of 3 bytes.
    encoded_prefix: String,
    /// The 0 to 2 bytes of that URL prefix after the part in `encoded_prefix`.
    prefix_rest: ([u8; 2], usize),
    /// The canonical request hashed up to `X-Amz-Date=`: `POST\n/\n` and the query so far.
    canonical_prefix: Sha256Stream,
    /// `\n{date}/{region}/bedrock/aws4_request\n`, the string to sign's scope line.
    scope: Box<[u8]>,
    /// The day's signing key as HMAC key states, sealed under the secret access key.
    key: SealedKey,
    /// Scratch space for the URL after `encoded_prefix`, wiped after every token.
    tail: SecretBytes,
}

/// The canonical request after the security token: signed headers, headers and the payload hash
/// (SHA-256 of the empty body, as botocore signs a presigned POST).
const CANONICAL_SUFFIX: &[u8] = b"&X-Amz-SignedHeaders=host\nhost:bedrock.amazonaws.com\n\nhost\n\
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const ALGORITHM_LINE: &[u8] = b"AWS4-HMAC-SHA256\n";
const EXPIRES: &[u8] = b"&X-Amz-Expires=";
/// The URL's parameters after `X-Amz-Expires`, in botocore's order: SignedHeaders, then
/// Security-Token, then Signature.
const SIGNED_HEADERS: &[u8] = b"&X-Amz-SignedHeaders=host";
const SECURITY_TOKEN: &[u8] = b"&X-Amz-Security-Token=";
const SIGNATURE: &[u8] = b"&X-Amz-Signature=";
const VERSION: &[u8] = b"&Version=1";
/// The URL after the session token: the signature and the version.
const AFTER_TOKEN: usize = SIGNATURE.len() + 64 + VERSION.len();
/// The longest URL after `encoded_prefix` without a session token.
const TAIL_LEN: usize = 2 + 16 + EXPIRES.len() + 10 + SIGNED_HEADERS.len() + AFTER_TOKEN;

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
    pub(super) fn new(identity: Identity<'_>, generation: u64) -> Self {
        let time = SigningTime::from_day(identity.day);
        let amz_date = time.amz_date();
        let date: [u8; 8] = amz_date[..8].try_into().expect("eight digits");
        let date_str = std::str::from_utf8(&date).expect("ASCII digits");

        let mut url_prefix = Vec::with_capacity(200 + identity.access_key_id.len() * 3);
        url_prefix.extend_from_slice(HOST.as_bytes());
        url_prefix.extend_from_slice(b"/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=");
        percent_encode_into(identity.access_key_id, |piece| {
            url_prefix.extend_from_slice(piece);
            true
        });
        for part in [date_str, identity.region, SERVICE, "aws4_request"] {
            url_prefix.extend_from_slice(b"%2F");
            url_prefix.extend_from_slice(part.as_bytes());
        }
        url_prefix.extend_from_slice(b"&X-Amz-Date=");
        let mut canonical_prefix = Sha256Stream::new();
        canonical_prefix.update(b"POST\n/\n");
        canonical_prefix.update(&url_prefix[HOST.len() + "/?".len()..]);
        let whole = url_prefix.len() / 3 * 3;
        let mut prefix_rest = ([0u8; 2], url_prefix.len() - whole);
        prefix_rest.0[..prefix_rest.1].copy_from_slice(&url_prefix[whole..]);

        let key = signing_key(identity.secret, date_str, identity.region);
        let key = SealedKey::seal(&hmac_key_states(key.as_slice()), identity.secret);

        Self {
            access_key_id: identity.access_key_id.into(),
            region: identity.region.into(),
            day: identity.day,
            generation,
            date,
            encoded_prefix: base64_simd::STANDARD.encode_to_string(&url_prefix[..whole]),
            prefix_rest,
            canonical_prefix,
            scope: format!("\n{date_str}/{}/{SERVICE}/aws4_request\n", identity.region).into_bytes().into(),
            key,
            tail: SecretBytes::with_capacity(TAIL_LEN),
        }
    }

    /// The [`super::clear_signing_state`] generation this was prepared in.
    #[cfg(test)]
    pub(super) fn generation(&self) -> u64 {
        self.generation
    }

    pub(super) fn is_for(&self, identity: Identity<'_>, generation: u64) -> bool {
        (self.day == identity.day)
            & (self.generation == generation)
            & same(&self.region, identity.region)
            & same(&self.access_key_id, identity.access_key_id)
            && self.key.is_sealed_with(identity.secret)
    }

    /// Signs the token for `time` (on this identity's day), lifetime `expires_in` seconds, with
    /// `secret` (the one this was prepared with) and `session_token` (empty for none).
    pub(super) fn sign(&mut self, time: SigningTime, expires_in: u32, secret: &str, session_token: &str) -> SecretString {
        debug_assert_eq!(time.day(), self.day);
        let amz_date = time.amz_date_on(self.date);
        let tail = &mut self.tail;
        // Room for the session token as it is; more only if it needs escapes that the last
        // one did not (measured then, below).
        let token_len = if session_token.is_empty() { 0 } else { SECURITY_TOKEN.len() + session_token.len() };
        tail.reserve_wiped(TAIL_LEN + token_len);

        // The URL after the encoded prefix, up to the signature.
        let (rest, rest_len) = self.prefix_rest;
        tail.extend(&rest[..rest_len]);
        let signed_start = tail.as_bytes().len();
        tail.extend(&amz_date);
        tail.extend(EXPIRES);
        tail.extend(itoa_u32(expires_in).as_bytes());
        let signed_end = tail.as_bytes().len();
        tail.extend(SIGNED_HEADERS);
        let token_start = tail.as_bytes().len();
        if !session_token.is_empty() {
            tail.extend(SECURITY_TOKEN);
            let start = tail.as_bytes().len();
            if !percent_encode_into(session_token, |piece| tail.try_extend(piece, AFTER_TOKEN)) {
                tail.truncate(start);
                tail.reallocate_wiped(TAIL_LEN + SECURITY_TOKEN.len() + percent_encoded_len(session_token));
                let encoded = percent_encode_into(session_token, |piece| tail.try_extend(piece, AFTER_TOKEN));
                debug_assert!(encoded, "measured");
            }
        }
        let token_end = tail.as_bytes().len();
        tail.extend(SIGNATURE);

        // The canonical query is sorted by name: Security-Token comes before SignedHeaders.
        let mut canonical = self.canonical_prefix.clone();
        canonical.update(&tail.as_bytes()[signed_start..signed_end]);
        canonical.update(&tail.as_bytes()[token_start..token_end]);
        canonical.update(CANONICAL_SUFFIX);
        let canonical_hex = lower_hex(&canonical.finalize());

        let key = self.key.open(secret);
        let mac = hmac(&key, &[ALGORITHM_LINE, &amz_date, &self.scope, &canonical_hex]);
        drop(key);
        tail.extend(&lower_hex(&mac));
        tail.extend(VERSION);

        let tail_bytes = tail.as_bytes();
        let mut token = SecretString::with_capacity(TOKEN_PREFIX.len() + self.encoded_prefix.len() + tail_bytes.len().div_ceil(3) * 4);
        token.push_str(TOKEN_PREFIX);
        token.push_str(&self.encoded_prefix);
        // SIMD base64 (standard alphabet, padded), appended straight behind the prefix.
        base64_simd::STANDARD.encode_append(tail_bytes, token.as_mut_string());
        tail.wipe();
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
    fn signing_wipes_and_reuses_the_url_scratch_sized_to_the_session_token() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let mut prepared = Prepared::new(identity, 0);
        let capacity = prepared.tail.capacity();
        prepared.sign(time, u32::MAX, "s", "");
        assert_eq!(prepared.tail.as_bytes(), b"");
        assert_eq!(prepared.tail.capacity(), capacity, "the longest URL without a session token fits without growing");
        let token = "t/+".repeat(300);
        prepared.sign(time, u32::MAX, "s", &token);
        let capacity = prepared.tail.capacity();
        assert_eq!(capacity, TAIL_LEN + SECURITY_TOKEN.len() + 300 * 7, "exactly what the session token needs");
        prepared.sign(time, 1, "s", &token);
        assert_eq!(prepared.tail.capacity(), capacity, "reused");
        assert_eq!(prepared.tail.as_bytes(), b"");
    }
}
