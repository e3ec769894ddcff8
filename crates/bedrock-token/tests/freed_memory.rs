//! Freed heap blocks never hold the secret access key or the session token unwiped: a global
//! allocator that scans every block as it is freed (and every block a `realloc` leaves behind)
//! counts the blocks that still hold either, while `sign_token`, `inspect_token` and a
//! `TokenProvider` run. One test in this binary, so no other test's allocations are scanned.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use bedrock_token::{clear_signing_state, inspect_token, sign_token, Credentials, TokenProvider};

/// Only letters and digits, so the session token reads the same percent-encoded in the URL that
/// a token carries (base64 then hides it, and the token itself is wiped).
const SECRET: &str = "ScanSECRETscanSECRETscanSECRETscanSECRET";
const SESSION: &str = "ScanSESSIONscanSESSIONscanSESSIONscanSESSIONscanSESSIONscanSESSIONscan";

static SCANNING: AtomicBool = AtomicBool::new(false);
static FREED_WITH_SECRET: AtomicUsize = AtomicUsize::new(0);
static FREED_WITH_SESSION: AtomicUsize = AtomicUsize::new(0);
static BLOCKS_SCANNED: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

fn holds(block: &[u8], needle: &[u8]) -> bool {
    block.len() >= needle.len() && block.windows(needle.len()).any(|w| w == needle)
}

// SAFETY: every call is passed to the system allocator unchanged; `dealloc` only reads the block
// (`layout.size()` bytes at `ptr`, still owned until `System.dealloc`) and allocates nothing.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if SCANNING.load(Ordering::Relaxed) {
            let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
            BLOCKS_SCANNED.fetch_add(1, Ordering::Relaxed);
            if holds(block, SECRET.as_bytes()) {
                FREED_WITH_SECRET.fetch_add(1, Ordering::Relaxed);
            }
            if holds(block, SESSION.as_bytes()) {
                FREED_WITH_SESSION.fetch_add(1, Ordering::Relaxed);
            }
        }
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

fn credentials() -> Credentials {
    Credentials::new("ASIAEXAMPLEKEYID0001", SECRET, Some(SESSION.to_owned()), None, "test")
}

fn reset() {
    FREED_WITH_SECRET.store(0, Ordering::SeqCst);
    FREED_WITH_SESSION.store(0, Ordering::SeqCst);
}

fn leaks() -> (usize, usize) {
    (FREED_WITH_SECRET.load(Ordering::SeqCst), FREED_WITH_SESSION.load(Ordering::SeqCst))
}

#[test]
fn freed_blocks_never_hold_the_secret_or_the_session_token() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800);
    SCANNING.store(true, Ordering::SeqCst);

    // The scanner itself sees a block that holds both, unwiped.
    reset();
    drop(format!("{SECRET}{SESSION}"));
    let (secret, session) = leaks();
    assert!(secret >= 1 && session >= 1, "the scanner finds unwiped blocks (and a grown string's old one): {secret}, {session}");

    reset();
    for region in ["us-east-1", "eu-west-1", "us-east-1"] {
        let token = sign_token(&credentials(), region, Duration::from_secs(3600), at).unwrap();
        let info = inspect_token(token.as_str()).unwrap();
        assert!(info.has_session_token);
        drop((token, info));
    }
    assert_eq!(leaks(), (0, 0), "sign_token and inspect_token");

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let provider = TokenProvider::builder().region("us-east-1").credentials_provider(credentials()).build().unwrap();
        let token = provider.token().await.unwrap();
        assert!(inspect_token(token.as_str()).unwrap().has_session_token);
        drop(token);
        provider.invalidate();
        drop(provider.refresh().await.unwrap());
    });
    drop(runtime);
    clear_signing_state();
    assert_eq!(leaks(), (0, 0), "the provider, its refreshes and the signing state it leaves");

    SCANNING.store(false, Ordering::SeqCst);
    assert!(BLOCKS_SCANNED.load(Ordering::SeqCst) > 100, "blocks were freed and scanned");
}
