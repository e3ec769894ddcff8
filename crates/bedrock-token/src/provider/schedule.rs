//! When to refresh: the refresh margin with jitter, and capped exponential backoff after failures.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use crate::Token;

/// The smallest default refresh margin.
const MIN_DEFAULT_MARGIN: Duration = Duration::from_secs(5 * 60);
/// The first wait after a failed refresh; it doubles with each further failure.
pub(crate) const BACKOFF_BASE: Duration = Duration::from_secs(1);
/// The longest wait between two attempts.
pub(crate) const BACKOFF_CAP: Duration = Duration::from_secs(60);

/// Reader lanes: threads hand out the cached token from copies of their lane, so that readers on
/// different cores do not write to one shared reference count (which cost 2 threads about 3×
/// one thread's time per hit).
const LANES: usize = 8;

/// One lane's copy of the token, made on the lane's first hit; alone on its cache lines.
#[derive(Debug, Default)]
#[repr(align(128))]
struct Lane(OnceLock<Arc<Token>>);

/// This thread's lane.
fn lane() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static LANE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % LANES;
    }
    LANE.try_with(|lane| *lane).unwrap_or(0)
}

/// A token together with the moment the provider starts replacing it.
#[derive(Debug)]
pub(crate) struct Cached {
    pub(crate) token: Arc<Token>,
    pub(crate) refresh_at: SystemTime,
    /// Copies of `token` for the reader lanes, dropped (and wiped) with this.
    lanes: Box<[Lane; LANES]>,
}

impl Cached {
    /// Schedules the refresh of a freshly signed token.
    ///
    /// The margin is the configured one, or by default the larger of 5 minutes and 10 % of the
    /// lifetime; never more than half of the token's usable life (which the credentials' expiry
    /// may have cut short), so a short-lived token is still used before it is replaced. Jitter
    /// moves the refresh earlier by up to a tenth of the margin, so a fleet does not refresh in step.
    pub(crate) fn new(token: Token, configured_margin: Option<Duration>, jitter: bool) -> Self {
        let usable = token.expires_at().duration_since(token.issued_at()).unwrap_or(Duration::ZERO);
        let default_margin = MIN_DEFAULT_MARGIN.max(token.lifetime() / 10);
        let margin = configured_margin.unwrap_or(default_margin).min(usable / 2);
        let jitter = if jitter { margin.mul_f64(random_fraction() / 10.0) } else { Duration::ZERO };
        let refresh_at = token.expires_at() - margin - jitter;
        Self {
            token: Arc::new(token),
            refresh_at,
            lanes: Box::default(),
        }
    }

    /// Moves the refresh point to `at` if that is earlier: a key read from a secret is checked
    /// for a new version within the poll interval.
    #[cfg(feature = "secrets-manager")]
    pub(crate) fn refresh_no_later_than(mut self, at: SystemTime) -> Self {
        self.refresh_at = self.refresh_at.min(at);
        self
    }

    /// The token for this thread to hand out: its lane's copy, so that hits on other cores
    /// do not share its reference count. The same `Arc` every time on one thread.
    #[inline]
    pub(crate) fn handout(&self) -> Arc<Token> {
        Arc::clone(self.lanes[lane()].0.get_or_init(|| Arc::new(Token::clone(&self.token))))
    }

    /// Whether `token` is this cached token or one of its lanes' copies.
    pub(crate) fn holds(&self, token: &Token) -> bool {
        std::ptr::eq(&*self.token, token) || self.lanes.iter().any(|lane| lane.0.get().is_some_and(|copy| std::ptr::eq(&**copy, token)))
    }

    /// Fresh: served without any refresh.
    pub(crate) fn is_fresh_at(&self, now: SystemTime) -> bool {
        now < self.refresh_at
    }

    /// Still works: served while a refresh runs beside it or keeps failing.
    pub(crate) fn is_valid_at(&self, now: SystemTime) -> bool {
        now < self.token.expires_at()
    }
}

/// The last failed refresh and when the next attempt may start.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) error: crate::Error,
    pub(crate) consecutive: u32,
    pub(crate) failed_at: SystemTime,
    pub(crate) next_attempt_at: SystemTime,
}

impl Failure {
    /// Records a failure after `previous` ones: waits 1 s, 2 s, 4 s, … up to 60 s.
    pub(crate) fn after(previous: Option<&Failure>, error: crate::Error, now: SystemTime) -> Self {
        let consecutive = previous.map_or(1, |f| f.consecutive.saturating_add(1));
        Self {
            error,
            consecutive,
            failed_at: now,
            next_attempt_at: now + backoff(consecutive),
        }
    }

    /// Whether the backoff still holds at `now`. A clock stepped back past the failure (NTP, a VM
    /// resumed) ends it: a step backwards can shorten the wait, never lengthen it.
    pub(crate) fn holds_at(&self, now: SystemTime) -> bool {
        self.failed_at <= now && now < self.next_attempt_at
    }
}

/// The wait after the `n`-th consecutive failure (n ≥ 1).
pub(crate) fn backoff(n: u32) -> Duration {
    let doublings = n.saturating_sub(1).min(16);
    (BACKOFF_BASE * 2u32.pow(doublings)).min(BACKOFF_CAP)
}

/// A number in [0, 1) that differs between processes and calls; only for spreading refreshes.
fn random_fraction() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_credential_types::Credentials;

    fn token(lifetime: u64, credentials_expire_in: Option<u64>) -> Token {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800);
        let credentials = Credentials::new("AKID", "secret", None, credentials_expire_in.map(|s| at + Duration::from_secs(s)), "test");
        crate::sign_token(&credentials, "us-east-1", Duration::from_secs(lifetime), at).unwrap()
    }

    fn margin(cached: &Cached) -> Duration {
        cached.token.expires_at().duration_since(cached.refresh_at).unwrap()
    }

    #[test]
    fn default_margin_is_max_of_5_minutes_and_a_tenth_capped_at_half() {
        assert_eq!(margin(&Cached::new(token(43_200, None), None, false)), Duration::from_secs(4_320));
        assert_eq!(margin(&Cached::new(token(3_600, None), None, false)), Duration::from_secs(360));
        assert_eq!(margin(&Cached::new(token(1_800, None), None, false)), Duration::from_secs(300));
        assert_eq!(margin(&Cached::new(token(120, None), None, false)), Duration::from_secs(60));
        assert_eq!(margin(&Cached::new(token(43_200, Some(600)), None, false)), Duration::from_secs(300));
        assert_eq!(margin(&Cached::new(token(3_600, None), Some(Duration::from_secs(30)), false)), Duration::from_secs(30));
    }

    #[test]
    fn jitter_only_moves_the_refresh_earlier_by_at_most_a_tenth() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..50 {
            let m = margin(&Cached::new(token(43_200, None), None, true));
            assert!(m >= Duration::from_secs(4_320) && m <= Duration::from_secs(4_752), "{m:?}");
            seen.insert(m);
        }
        assert!(seen.len() > 1, "jitter varies");
    }

    #[test]
    fn a_clock_stepped_back_ends_the_backoff_instead_of_extending_it() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800);
        let failure = Failure::after(None, crate::Error::RefreshInterrupted, at);
        assert!(failure.holds_at(at) && failure.holds_at(at + Duration::from_millis(999)));
        assert!(!failure.holds_at(at + Duration::from_secs(1)));
        assert!(!failure.holds_at(at - Duration::from_secs(3600)), "an hour back does not mean an hour more");
    }

    #[test]
    fn each_thread_hands_out_its_lanes_copy_of_the_one_token() {
        let cached = Cached::new(token(3_600, None), None, false);
        let mine = cached.handout();
        assert!(Arc::ptr_eq(&mine, &cached.handout()), "the same Arc on one thread");
        assert!(!Arc::ptr_eq(&mine, &cached.token), "a copy: the shared count is not written");
        assert_eq!(*mine, *cached.token);
        let theirs: Vec<Arc<Token>> = std::thread::scope(|scope| {
            (0..LANES).map(|_| scope.spawn(|| cached.handout())).collect::<Vec<_>>().into_iter().map(|t| t.join().unwrap()).collect()
        });
        assert!(theirs.iter().all(|t| **t == *mine && cached.holds(t)));
        assert!(theirs.iter().any(|t| !Arc::ptr_eq(t, &mine)), "threads have lanes of their own");
        assert!(cached.holds(&mine) && cached.holds(&cached.token));
        assert!(!cached.holds(&token(3_600, None)), "an equal token that is not this one");
    }

    #[test]
    fn backoff_doubles_to_a_cap() {
        let waits: Vec<u64> = (1..=9).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(backoff(u32::MAX), BACKOFF_CAP);
    }
}
