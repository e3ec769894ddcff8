//! [`Prepared`]: everything about a token that stays the same for one signer, region and day,
//! computed once, and the per-token work that remains.
//!
//! Three byte templates hold what SHA-256 compresses and base64 encodes per token, with slots for
//! what changes: the canonical request from the block holding `X-Amz-Date` on (padded), the
//! string to sign (padded), and the URL after its constant start. Per token the date goes into
//! its slots, each hash is one call over contiguous blocks, hex goes straight into the next
//! template, and the token is the base64 of the URL's constant start (made once: it is a
//! multiple of 3 bytes long, so its base64 is a prefix of the whole URL's) followed by the
//! base64 of the URL template, in one allocation. None of them holds a secret between tokens:
//! the signature's slot is wiped after every token, and a session token is never written into a
//! template (its URL is built per token in a buffer wiped after).

use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::sealed::SealedKey;
use super::sha256::{compress, digest, hmac_key_states, hmac_outer, pad_message, Sha256Stream};
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
    /// The canonical request's hash state after its whole blocks before `X-Amz-Date`'s value.
    canonical_state: [u32; 8],
    /// How many blocks that state has hashed.
    canonical_blocks: u64,
    /// The lifetime (seconds) the templates hold; 0 before the first token.
    expires_in: u32,
    /// The canonical request from `canonical_state` on, without a session token: the bytes of
    /// its block before `X-Amz-Date`'s value, the date's slot at `date_at`, `&X-Amz-Expires=`
    /// and the lifetime up to `signed_end`, the signed headers and payload hash, and SHA-256's
    /// padding.
    canonical: Vec<u8>,
    date_at: usize,
    signed_end: usize,
    /// The string to sign behind the HMAC's inner key block, padded: the date's slot at
    /// [`STRING_DATE_AT`], the canonical request's hex hash in its last 64 bytes before the
    /// padding, at `hex_at`.
    string_to_sign: Box<[u8]>,
    hex_at: usize,
    /// The URL after `encoded_prefix`: the 0 to 2 bytes of the constant start not in it, the
    /// date (at `url_date_at`), the lifetime and signed headers up to `url_token_at` (where a
    /// session token goes), then `&X-Amz-Signature=`, the signature's slot (zeros between
    /// tokens) and `&Version=1`.
    url: Vec<u8>,
    url_date_at: usize,
    url_token_at: usize,
    /// The day's signing key as HMAC key states, sealed under the secret access key.
    key: SealedKey,
    /// The length of the last session token, percent-encoded: the room a URL is made with.
    session_token_room: usize,
}

/// `AWS4-HMAC-SHA256\n`, the string to sign's first line; the date follows it.
const ALGORITHM_LINE: &[u8] = b"AWS4-HMAC-SHA256\n";
const STRING_DATE_AT: usize = ALGORITHM_LINE.len();
/// The canonical request after the query: signed headers, headers and the payload hash (SHA-256
/// of the empty body, as botocore signs a presigned POST).
const CANONICAL_SUFFIX: &[u8] = b"&X-Amz-SignedHeaders=host\nhost:bedrock.amazonaws.com\n\nhost\n\
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const EXPIRES: &[u8] = b"&X-Amz-Expires=";
/// The URL's parameters after `X-Amz-Expires`, in botocore's order: SignedHeaders, then
/// Security-Token, then Signature.
const SIGNED_HEADERS: &[u8] = b"&X-Amz-SignedHeaders=host";
const SECURITY_TOKEN: &[u8] = b"&X-Amz-Security-Token=";
const SIGNATURE: &[u8] = b"&X-Amz-Signature=";
const VERSION: &[u8] = b"&Version=1";
/// Where the signature's hex starts, counted from the URL's end.
const SIGNATURE_FROM_END: usize = 64 + VERSION.len();

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

        // The canonical request up to the date: `POST\n/\n` and the query so far; its whole
        // blocks hashed once, the rest starts the template.
        let mut canonical = b"POST\n/\n".to_vec();
        canonical.extend_from_slice(&url_prefix[HOST.len() + "/?".len()..]);
        let whole = canonical.len() / 64 * 64;
        let mut canonical_state = super::sha256::IV;
        compress(&mut canonical_state, &canonical[..whole]);
        canonical.drain(..whole);

        let encoded = url_prefix.len() / 3 * 3;
        let url = url_prefix[encoded..].to_vec();

        let mut string_to_sign = ALGORITHM_LINE.to_vec();
        string_to_sign.extend_from_slice(&amz_date);
        string_to_sign.extend_from_slice(format!("\n{date_str}/{}/{SERVICE}/aws4_request\n", identity.region).as_bytes());
        let hex_at = string_to_sign.len();
        string_to_sign.extend_from_slice(&[b'0'; 64]);
        let total = 64 + string_to_sign.len() as u64;
        pad_message(&mut string_to_sign, total);

        let key = signing_key(identity.secret, date_str, identity.region);
        let key = SealedKey::seal(&hmac_key_states(key.as_slice()), identity.secret);

        Self {
            access_key_id: identity.access_key_id.into(),
            region: identity.region.into(),
            day: identity.day,
            generation,
            date,
            encoded_prefix: base64_simd::STANDARD.encode_to_string(&url_prefix[..encoded]),
            canonical_state,
            canonical_blocks: (whole / 64) as u64,
            expires_in: 0,
            date_at: canonical.len(),
            signed_end: canonical.len(),
            canonical,
            string_to_sign: string_to_sign.into_boxed_slice(),
            hex_at,
            url_date_at: url.len(),
            url_token_at: url.len(),
            url,
            key,
            session_token_room: 0,
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

    /// Rewrites the canonical request's and the URL's templates from the date's slot on for
    /// lifetime `expires_in` (a token with another lifetime than the last).
    fn set_lifetime(&mut self, expires_in: u32) {
        let digits = itoa_u32(expires_in);
        let lifetime = [&[0u8; 16][..], EXPIRES, digits.as_bytes()];
        self.canonical.truncate(self.date_at);
        self.canonical.extend(lifetime.concat());
        self.signed_end = self.canonical.len();
        self.canonical.extend_from_slice(CANONICAL_SUFFIX);
        let total = self.canonical_blocks * 64 + self.canonical.len() as u64;
        pad_message(&mut self.canonical, total);
        self.url.truncate(self.url_date_at);
        self.url.extend(lifetime.concat());
        self.url.extend_from_slice(SIGNED_HEADERS);
        self.url_token_at = self.url.len();
        self.url.extend_from_slice(SIGNATURE);
        self.url.extend_from_slice(&[0; 64]);
        self.url.extend_from_slice(VERSION);
        self.expires_in = expires_in;
    }

    /// Signs the token for `time` (on this identity's day), lifetime `expires_in` seconds, with
    /// `secret` (the one this was prepared with) and `session_token` (empty for none).
    pub(super) fn sign(&mut self, time: SigningTime, expires_in: u32, secret: &str, session_token: &str) -> SecretString {
        debug_assert_eq!(time.day(), self.day);
        if self.expires_in != expires_in {
            self.set_lifetime(expires_in);
        }
        let amz_date = time.amz_date_on(self.date);
        self.canonical[self.date_at..][..16].copy_from_slice(&amz_date);
        self.string_to_sign[STRING_DATE_AT..][..16].copy_from_slice(&amz_date);
        self.url[self.url_date_at..][..16].copy_from_slice(&amz_date);

        if session_token.is_empty() {
            let mut state = self.canonical_state;
            compress(&mut state, &self.canonical);
            self.string_to_sign[self.hex_at..][..64].copy_from_slice(&lower_hex(&digest(&state)));
            let signature = self.signature(secret);
            let at = self.url.len() - SIGNATURE_FROM_END;
            self.url[at..][..64].copy_from_slice(&signature);
            let token = self.token(&self.url);
            self.url[at..][..64].fill(0);
            return token;
        }

        // With a session token: the URL in a buffer of its own, wiped when dropped, and the
        // canonical request hashed from the template's start, the URL's session token (sorted
        // by name, Security-Token comes before SignedHeaders) and the constant end.
        let url_with = |room: usize| {
            let mut url = SecretBytes::with_capacity(self.url.len() + SECURITY_TOKEN.len() + room);
            url.extend(&self.url[..self.url_token_at]);
            url.extend(SECURITY_TOKEN);
            let after = self.url.len() - self.url_token_at;
            percent_encode_into(session_token, |piece| url.try_extend(piece, after)).then(|| {
                url.extend(&self.url[self.url_token_at..]);
                url
            })
        };
        // Room for the session token as the last one needed (the same token, as a rule), or as
        // it is; measured only when it needs more escapes.
        let url = url_with(self.session_token_room.max(session_token.len()))
            .unwrap_or_else(|| url_with(percent_encoded_len(session_token)).expect("measured"));
        let token_len = url.as_bytes().len() - self.url.len();
        self.session_token_room = token_len - SECURITY_TOKEN.len();
        let mut url = url;
        let mut canonical = Sha256Stream::resume(self.canonical_state, self.canonical_blocks);
        canonical.update(&self.canonical[..self.signed_end]);
        canonical.update(&url.as_bytes()[self.url_token_at..][..token_len]);
        canonical.update(CANONICAL_SUFFIX);
        self.string_to_sign[self.hex_at..][..64].copy_from_slice(&lower_hex(&canonical.finalize()));
        let signature = self.signature(secret);
        let at = url.as_bytes().len() - SIGNATURE_FROM_END;
        url.as_mut_bytes()[at..][..64].copy_from_slice(&signature);
        self.token(url.as_bytes())
    }

    /// The signature's hex: HMAC of the string to sign (its template filled) with the key
    /// opened from its seal for this one use.
    fn signature(&self, secret: &str) -> [u8; 64] {
        let key = self.key.open(secret);
        let mut inner = zeroize::Zeroizing::new(key[0]);
        compress(&mut inner, &self.string_to_sign);
        lower_hex(&hmac_outer(&key[1], &digest(&inner)))
    }

    /// The token for the URL after `encoded_prefix`, in one allocation.
    fn token(&self, url: &[u8]) -> SecretString {
        let mut token = SecretString::with_capacity(TOKEN_PREFIX.len() + self.encoded_prefix.len() + url.len().div_ceil(3) * 4);
        token.push_str(TOKEN_PREFIX);
        token.push_str(&self.encoded_prefix);
        // SIMD base64 (standard alphabet, padded), appended straight behind the prefix.
        base64_simd::STANDARD.encode_append(url, token.as_mut_string());
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
    fn templates_follow_the_lifetime_and_keep_no_signature_or_session_token() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let mut prepared = Prepared::new(identity, 0);
        let signatures_kept = |prepared: &Prepared| prepared.url[prepared.url.len() - SIGNATURE_FROM_END..][..64].iter().any(|&b| b != 0);
        for (expires_in, session_token) in [(u32::MAX, ""), (1, "t/+".repeat(300).as_str()), (900, ""), (900, "t"), (1, "")] {
            let token = prepared.sign(time, expires_in, "s", session_token);
            let fresh = Prepared::new(identity, 0).sign(time, expires_in, "s", session_token);
            assert_eq!(token.as_str(), fresh.as_str(), "{expires_in} {session_token}");
            assert_eq!(prepared.canonical.len() % 64, 0, "whole blocks");
            assert_eq!(prepared.string_to_sign.len() % 64, 0, "whole blocks");
            assert!(!signatures_kept(&prepared), "the signature's slot is wiped");
            assert!(!String::from_utf8_lossy(&prepared.url).contains("Security-Token"));
            let url = String::from_utf8(base64_simd::STANDARD.decode_to_vec(&token.as_str()[TOKEN_PREFIX.len()..]).unwrap()).unwrap();
            assert!(url.contains(&format!("&X-Amz-Expires={expires_in}&")), "{url}");
        }
    }
}
