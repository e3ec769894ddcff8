//! Signing: the exact bytes of AWS's official Python generator, made offline.
//!
//! A short-term key is a SigV4 presign of `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken`
//! for service `bedrock`, with `https://` dropped, `&Version=1` appended after signing, then
//! base64 (standard alphabet, padded) behind the prefix `bedrock-api-key-`. The query keeps
//! botocore's order (`X-Amz-SignedHeaders` before `X-Amz-Security-Token`), which differs from the
//! sorted canonical order that is signed.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;

use crate::expiry::validate_expiry;
use crate::lock::lock;
use crate::region::validate_region;
use crate::time::SigningTime;
use crate::{Error, Token};

mod prepared;
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

/// How long a thread's signing state may go unused before a sweep drops it (and wipes the
/// secret and session token it holds).
pub(crate) const IDLE_SIGNING_STATE: Duration = Duration::from_secs(10 * 60);

/// A slot reads the clock on its first token for an identity and on every this-many-th after
/// (a clock read was a twentieth of a token): `last_used` may lag behind the last token, so an
/// idle sweep may drop state early (it is prepared again, about 2 µs), never late.
const SIGNS_PER_CLOCK_READ: u32 = 64;

/// One thread's signing state, reachable from [`clear_signing_state`] and the idle sweep.
struct Slot {
    prepared: Option<Prepared>,
    last_used: Instant,
    /// Tokens signed with `prepared`, wrapping: [`SIGNS_PER_CLOCK_READ`] says when to read the clock.
    signs: u32,
}

type SharedSlot = Arc<Mutex<Slot>>;

/// Every thread's slot, so state can be wiped from any thread; dead threads' entries go away.
static SLOTS: Mutex<Vec<Weak<Mutex<Slot>>>> = Mutex::new(Vec::new());
/// Seconds since [`started`] of the last idle sweep.
static LAST_SWEEP: AtomicU64 = AtomicU64::new(0);

fn started() -> Instant {
    static STARTED: OnceLock<Instant> = OnceLock::new();
    *STARTED.get_or_init(Instant::now)
}

thread_local! {
    /// The last identity this thread signed for. A service signs for one identity, so it derives
    /// the signing key and hashes the constant part of the request once a day, not per token.
    static PREPARED: SharedSlot = {
        let slot = Arc::new(Mutex::new(Slot { prepared: None, last_used: Instant::now(), signs: 0 }));
        lock(&SLOTS).push(Arc::downgrade(&slot));
        slot
    };
}

/// Drops the signing state of every thread, wiping the secret access keys and session tokens it
/// holds, and the credentials [`provide_token`](crate::provide_token) remembered from the default
/// chains. [`TokenProvider::invalidate`](crate::TokenProvider::invalidate) calls it; call it after
/// rotating credentials so nothing keeps the old ones. Signing works as before afterwards (the
/// next token of each thread prepares its state again, about 2 µs).
///
/// ```
/// bedrock_token::clear_signing_state();
/// ```
pub fn clear_signing_state() {
    sweep(|_| true);
    #[cfg(feature = "default-chains")]
    crate::chain_inputs::forget();
}

/// Drops the state of every thread that `expired` says is done with it, and forgets dead threads.
fn sweep(expired: impl Fn(&Slot) -> bool) {
    lock(&SLOTS).retain(|weak| match weak.upgrade() {
        Some(slot) => {
            let mut slot = lock(&slot);
            if expired(&slot) {
                slot.prepared = None;
            }
            true
        }
        None => false,
    });
}

/// At most once a minute, from whichever thread signs: drops other threads' state that has not
/// been used for [`IDLE_SIGNING_STATE`] (a thread that stopped signing keeps no secret for long).
fn sweep_idle(now: Instant) {
    let second = now.duration_since(started()).as_secs();
    let last = LAST_SWEEP.load(Ordering::Relaxed);
    if second >= last + 60 && LAST_SWEEP.compare_exchange(last, second, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        sweep(|slot| now.duration_since(slot.last_used) >= IDLE_SIGNING_STATE);
    }
}

/// Runs `f` on the [`Prepared`] state for `identity`, from this thread's cache when it matches.
fn with_prepared<R>(identity: Identity<'_>, f: impl FnOnce(&mut Prepared) -> R) -> R {
    let mut f = Some(f);
    let cached = PREPARED.try_with(|slot| {
        let mut slot = lock(slot);
        if !slot.prepared.as_ref().is_some_and(|prepared| prepared.is_for(identity)) {
            slot.prepared = Some(Prepared::new(identity));
            slot.signs = 0;
        }
        let now = (slot.signs % SIGNS_PER_CLOCK_READ == 0).then(Instant::now);
        if let Some(now) = now {
            slot.last_used = now;
        }
        slot.signs = slot.signs.wrapping_add(1);
        let f = f.take().expect("called once");
        (f(slot.prepared.as_mut().expect("filled above")), now)
    });
    match cached {
        Ok((result, now)) => {
            if let Some(now) = now {
                sweep_idle(now);
            }
            result
        }
        // The thread-local is gone only while this thread shuts down: sign without the cache.
        Err(_) => f.take().expect("not called yet")(&mut Prepared::new(identity)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds_state(slot: &SharedSlot) -> bool {
        lock(slot).prepared.is_some()
    }

    #[test]
    fn clearing_and_idle_sweeps_drop_every_threads_state() {
        let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", session_token: "t", region: "us-east-1", day: 20_000 };
        let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
        let (slot_tx, slot_rx) = std::sync::mpsc::channel();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let other = std::thread::spawn(move || {
            with_prepared(identity, |prepared| prepared.sign(time, 900));
            slot_tx.send(PREPARED.with(Arc::clone)).unwrap();
            done_rx.recv().unwrap(); // stays alive, idle, while the main thread clears
        });
        let theirs = slot_rx.recv().unwrap();
        with_prepared(identity, |prepared| prepared.sign(time, 900));
        let ours = PREPARED.with(Arc::clone);
        assert!(holds_state(&theirs) && holds_state(&ours));

        clear_signing_state();
        assert!(!holds_state(&theirs) && !holds_state(&ours), "cleared on every thread, the idle one too");
        let again = with_prepared(identity, |prepared| prepared.sign(time, 900));
        assert_eq!(again.as_str(), Prepared::new(identity).sign(time, 900).as_str(), "signing works as before");

        // An idle sweep drops only state unused for IDLE_SIGNING_STATE.
        lock(&theirs).prepared = Some(Prepared::new(identity));
        let later = Instant::now() + IDLE_SIGNING_STATE;
        lock(&ours).last_used = later;
        sweep(|slot| later.duration_since(slot.last_used) >= IDLE_SIGNING_STATE);
        assert!(!holds_state(&theirs) && holds_state(&ours));
        done_tx.send(()).unwrap();
        other.join().unwrap();
    }

    #[test]
    fn the_clock_is_read_on_an_identitys_first_token_and_every_64th_after() {
        std::thread::spawn(|| {
            let identity = Identity { access_key_id: "AKIAIOSFODNN7EXAMPLE", secret: "s", session_token: "", region: "us-east-1", day: 20_000 };
            let other = Identity { region: "eu-west-1", ..identity };
            let time = SigningTime::new(SystemTime::UNIX_EPOCH + Duration::from_secs(20_000 * 86_400)).unwrap();
            let slot = PREPARED.with(Arc::clone);
            let sentinel = Instant::now().checked_sub(Duration::from_secs(3600)).unwrap();
            let read = |identity| {
                lock(&slot).last_used = sentinel;
                with_prepared(identity, |prepared| prepared.sign(time, 900));
                lock(&slot).last_used != sentinel
            };
            let reads: Vec<usize> = (0..130).filter(|_| read(identity)).collect();
            assert_eq!(reads, [0, 64, 128]);
            assert!(read(other), "a new identity reads the clock at once");
            assert!(!read(other));
        })
        .join()
        .unwrap();
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
}
