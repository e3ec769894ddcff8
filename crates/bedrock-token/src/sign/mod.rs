//! Signing: the exact bytes of AWS's official Python generator, made offline.
//!
//! A short-term key is a SigV4 presign of `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken`
//! for service `bedrock`, with `https://` dropped, `&Version=1` appended after signing, then
//! base64 (standard alphabet, padded) behind the prefix `bedrock-api-key-`. The query keeps
//! botocore's order (`X-Amz-SignedHeaders` before `X-Amz-Security-Token`), which differs from the
//! sorted canonical order that is signed.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;

use crate::expiry::validate_expiry;
use crate::region::validate_region;
use crate::time::SigningTime;
use crate::{Error, Token};

mod prepared;
mod sealed;
mod sha256;
mod text;

use prepared::{Identity, Prepared};

/// The prefix of every Bedrock API key.
pub const TOKEN_PREFIX: &str = "bedrock-api-key-";

pub(crate) const HOST: &str = "bedrock.amazonaws.com";

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
    sign_token_from_keys(
        credentials.access_key_id(),
        credentials.secret_access_key(),
        credentials.session_token(),
        credentials.expiry(),
        region,
        expiry,
        at,
    )
}

/// [`sign_token`] from the credentials' fields, borrowed: for callers that hold them as text
/// (the bindings read them from Python and JavaScript strings) and would otherwise copy them
/// into a [`Credentials`] for one token. `credentials_expiry` is when the credentials expire,
/// if they do; the same checks, errors and token as [`sign_token`].
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use bedrock_token::sign_token_from_keys;
///
/// let token = sign_token_from_keys(
///     "AKIAIOSFODNN7EXAMPLE",
///     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
///     None,
///     None,
///     "us-east-1",
///     Duration::from_secs(3600),
///     SystemTime::now(),
/// )?;
/// assert!(token.as_str().starts_with("bedrock-api-key-"));
/// # Ok::<(), bedrock_token::Error>(())
/// ```
pub fn sign_token_from_keys(
    access_key_id: &str,
    secret: &str,
    session_token: Option<&str>,
    credentials_expiry: Option<SystemTime>,
    region: &str,
    expiry: Duration,
    at: SystemTime,
) -> Result<Token, Error> {
    validate_region(region)?;
    let expires_in = validate_expiry(expiry)?;
    if access_key_id.is_empty() {
        return Err(Error::EmptyCredentialField {
            field: "access_key_id",
        });
    }
    if secret.is_empty() {
        return Err(Error::EmptyCredentialField {
            field: "secret_access_key",
        });
    }
    if let Some(expired_at) = credentials_expiry.filter(|expiry| *expiry <= at) {
        return Err(Error::CredentialsExpired { expired_at });
    }
    let time = SigningTime::new(at)?;
    let identity = Identity { access_key_id, secret, region, day: time.day() };
    let session_token = session_token.unwrap_or("");

    let issued_at = time.system_time();
    let lifetime = Duration::from_secs(u64::from(expires_in));
    let mut expires_at = issued_at + lifetime;
    if let Some(credentials_expiry) = credentials_expiry {
        expires_at = expires_at.min(credentials_expiry);
    }
    Ok(with_prepared(identity, |prepared| {
        Token::new(
            prepared.sign(time, expires_in, secret, session_token),
            prepared.region.clone(),
            prepared.access_key_id.clone(),
            issued_at,
            lifetime,
            expires_at,
        )
    }))
}

/// Bumped by [`clear_signing_state`]: state prepared before is prepared again.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last identity this thread signed for. A service signs for one identity, so it derives
    /// the signing key and hashes the constant part of the request once a day, not per token.
    /// It holds no secret (see [`Prepared`]), so it may stay until the thread ends; no lock, and
    /// nothing shared with other threads, is on the way to a token. Boxed: on the heap, where
    /// the memory benchmark counts it and the scanning-allocator test looks into it.
    static PREPARED: RefCell<Option<Box<Prepared>>> = const { RefCell::new(None) };
}

/// Makes every thread prepare its signing state again on its next token, and forgets the
/// credentials [`provide_token`](crate::provide_token) remembered from the default chains
/// (wiping them). [`TokenProvider::invalidate`](crate::TokenProvider::invalidate) calls it; call
/// it after rotating credentials. The signing state itself never holds the secret access key,
/// the session token or the signing key in the clear: the key is kept sealed under the secret,
/// which the caller passes with every token. Signing works as before afterwards (the next token
/// of each thread prepares its state again, about 2 µs).
///
/// ```
/// bedrock_token::clear_signing_state();
/// ```
pub fn clear_signing_state() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
    let _ = PREPARED.try_with(|slot| slot.try_borrow_mut().map(|mut slot| slot.take()));
    #[cfg(feature = "default-chains")]
    crate::chain_inputs::forget();
}

/// Runs `f` on the [`Prepared`] state for `identity`, from this thread's cache when it matches.
#[inline]
fn with_prepared<R>(identity: Identity<'_>, f: impl FnOnce(&mut Prepared) -> R) -> R {
    let generation = GENERATION.load(Ordering::Relaxed);
    let mut f = Some(f);
    let cached = PREPARED.try_with(|slot| {
        let mut slot = slot.try_borrow_mut().ok()?;
        if !slot.as_ref().is_some_and(|prepared| prepared.is_for(identity, generation)) {
            *slot = Some(Box::new(Prepared::new(identity, generation)));
        }
        let f = f.take().expect("called once");
        Some(f(slot.as_mut().expect("filled above")))
    });
    match cached {
        Ok(Some(result)) => result,
        // Only while this thread shuts down (the thread-local is gone): sign without the cache.
        _ => f.take().expect("not called yet")(&mut Prepared::new(identity, generation)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prepared_generation() -> Option<u64> {
        PREPARED.with(|slot| slot.borrow().as_ref().map(|prepared| prepared.generation()))
    }

    #[test]
    fn clearing_makes_every_thread_prepare_again() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let sign = || with_prepared(identity, |prepared| prepared.sign(time, 900, "s", "t"));
        let first = sign();
        let before = prepared_generation().expect("prepared");
        clear_signing_state();
        assert_eq!(prepared_generation(), None, "this thread's state is dropped at once");
        std::thread::scope(|scope| {
            scope.spawn(|| {
                sign();
                assert!(prepared_generation().unwrap() > before, "other threads prepare in the new generation");
            });
        });
        assert_eq!(sign().as_str(), first.as_str(), "signing works as before");
        assert!(prepared_generation().unwrap() > before);
    }

    #[test]
    fn the_cache_follows_every_part_of_the_identity() {
        const DAY: u64 = 1_769_248_800 / 86_400;
        let at = |day: u64, second: u64| SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(day * 86_400 + second)).unwrap();
        let identity = |access_key_id, secret, region, day| Identity { access_key_id, secret, region, day };
        let steps = [
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "us-east-1", DAY), "", 36_000),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "us-east-1", DAY), "", 86_399),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "us-east-1", DAY), "t/+", 0),
            (identity("AKIAIOSFODNN7EXAMPLE", "b", "us-east-1", DAY), "t/+", 1),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "us-east-1", DAY), "t/+", 1),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "us-east-1", DAY + 1), "", 2),
            (identity("ASIAIOSFODNN7EXAMPLE", "b", "eu-west-1", DAY + 1), "é", 3),
            (identity("AKIAIOSFODNN7EXAMPLE", "a", "us-east-1", DAY), "", 36_000),
        ];
        for (identity, session_token, second) in steps {
            let time = at(identity.day, second);
            let cached = with_prepared(identity, |prepared| prepared.sign(time, 900, identity.secret, session_token));
            let fresh = Prepared::new(identity, 0).sign(time, 900, identity.secret, session_token);
            assert_eq!(cached.as_str(), fresh.as_str());
            let url = base64::Engine::decode(
                &base64::engine::general_purpose::STANDARD,
                &fresh.as_str()[TOKEN_PREFIX.len()..],
            )
            .unwrap();
            let url = String::from_utf8(url).unwrap();
            assert!(url.contains(&format!("X-Amz-Credential={}%2F", identity.access_key_id)), "{url}");
            assert!(url.contains(&format!("%2F{}%2Fbedrock%2F", identity.region)), "{url}");
            assert_eq!(url.contains("X-Amz-Security-Token"), !session_token.is_empty(), "{url}");
        }
    }
}
