//! Freed heap blocks never hold the secret access key or the session token unwiped: a global
//! allocator that scans every block as it is freed (and every block a `realloc` leaves behind)
//! counts the blocks that still hold either, while `sign_token`, `inspect_token` and a
//! `TokenProvider` run. And once the caller has dropped its credentials, no live heap block
//! holds the secret, the session token, the day's signing key or its HMAC key states, although
//! the signing state of every thread that signed (an idle one too) is still there: the allocator
//! keeps every live block in a list that the test scans. With the `secrets-manager` feature, no
//! live block holds a key a provider read from Secrets Manager (moto's) once the provider is
//! dropped. One test in this binary, so no other test's allocations are scanned.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use bedrock_token::{clear_signing_state, inspect_token, sign_token, Credentials, TokenProvider};

#[cfg(feature = "secrets-manager")]
#[path = "support/moto.rs"]
mod moto;

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

/// Every live block has this in front of it, linked into the list at [`LIVE`].
#[repr(C)]
struct Header {
    prev: usize,
    next: usize,
    size: usize,
}

/// The address of the first live block's header (0: none).
static LIVE: Mutex<usize> = Mutex::new(0);

/// Room in front of a block for its header, keeping the block's alignment.
fn front(layout: Layout) -> usize {
    layout.align().max(std::mem::size_of::<Header>().next_power_of_two())
}

fn with_header(layout: Layout) -> Layout {
    Layout::from_size_align(layout.size() + front(layout), layout.align().max(std::mem::align_of::<Header>())).unwrap()
}

/// Whether any live heap block holds `needle` (the list is walked under its lock; nothing allocated).
fn live_blocks_hold(needle: &[u8]) -> bool {
    let head = LIVE.lock().unwrap();
    let mut at = *head;
    while at != 0 {
        // SAFETY: every address in the list is a live header written by `alloc`, followed by `size` bytes.
        let header = unsafe { &*(at as *const Header) };
        let block = unsafe { std::slice::from_raw_parts((at + front_of(header)) as *const u8, header.size) };
        if holds(block, needle) {
            return true;
        }
        at = header.next;
    }
    false
}

/// The header's distance to its block, stored in the word before the block.
fn front_of(header: &Header) -> usize {
    // SAFETY: `alloc` wrote the distance at the header's end (see there).
    unsafe { *((header as *const Header).add(1) as *const usize) }
}

// SAFETY: blocks come from the system allocator with room for a header in front; the list is
// changed only under its lock; `dealloc` only reads the block (`layout.size()` bytes at `ptr`,
// still owned until `System.dealloc`) and allocates nothing.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = unsafe { System.alloc(with_header(layout)) };
        if base.is_null() {
            return base;
        }
        let front = front(layout);
        let mut head = LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // SAFETY: `base` has room for the header and, right after it, the distance word (front >= 32).
        unsafe {
            (base as *mut Header).write(Header { prev: 0, next: *head, size: layout.size() });
            ((base as *mut Header).add(1) as *mut usize).write(front);
            if *head != 0 {
                (*(*head as *mut Header)).prev = base as usize;
            }
        }
        *head = base as usize;
        unsafe { base.add(front) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let base = unsafe { ptr.sub(front(layout)) };
        {
            let mut head = LIVE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            // SAFETY: `base` is a live header in the list.
            let header = unsafe { &*(base as *const Header) };
            if header.prev == 0 {
                *head = header.next;
            } else {
                unsafe { (*(header.prev as *mut Header)).next = header.next };
            }
            if header.next != 0 {
                unsafe { (*(header.next as *mut Header)).prev = header.prev };
            }
        }
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
        unsafe { System.dealloc(base, with_header(layout)) }
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

/// SHA-256's state after one block of `key ^ pad`, as the bytes it has in memory.
fn hmac_key_state(key: &[u8], pad: u8) -> [u8; 32] {
    let mut block = [pad; 64];
    block.iter_mut().zip(key).for_each(|(b, k)| *b ^= k);
    let mut state = [0x6a09e667u32, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    sha2::block_api::compress256(&mut state, &[block]);
    std::array::from_fn(|i| state[i / 4].to_ne_bytes()[i % 4])
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

    // Signing state left on a thread that stays alive and never signs again, and on this one.
    let held = credentials();
    assert!(live_blocks_hold(SECRET.as_bytes()) && live_blocks_hold(SESSION.as_bytes()), "the live scan finds the caller's credentials");
    let (signed_tx, signed_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let idle = std::thread::spawn(move || {
        drop(sign_token(&credentials(), "us-east-1", Duration::from_secs(3600), at).unwrap());
        signed_tx.send(()).unwrap();
        done_rx.recv().unwrap();
    });
    signed_rx.recv().unwrap();
    let token = sign_token(&held, "us-east-1", Duration::from_secs(3600), at).unwrap();
    let again = sign_token(&held, "us-east-1", Duration::from_secs(3600), at + Duration::from_secs(1)).unwrap();
    assert_ne!(token.as_str(), again.as_str());
    drop((held, token, again));
    let key = aws_sigv4::sign::v4::generate_signing_key(SECRET, at, "us-east-1", "bedrock");
    let key: &[u8] = key.as_ref();
    // The needles live on the stack or in the binary: a heap copy would be found.
    let (inner, outer) = (hmac_key_state(key, 0x36), hmac_key_state(key, 0x5c));
    for (what, needle) in [
        ("the secret access key", SECRET.as_bytes()),
        ("the session token", SESSION.as_bytes()),
        ("the signing key", key),
        ("the signing key's inner HMAC state", &inner),
        ("the signing key's outer HMAC state", &outer),
    ] {
        assert!(!live_blocks_hold(needle), "no live block holds {what} once the caller dropped its credentials");
    }
    done_tx.send(()).unwrap();
    idle.join().unwrap();

    SCANNING.store(false, Ordering::SeqCst);
    assert!(BLOCKS_SCANNED.load(Ordering::SeqCst) > 100, "blocks were freed and scanned");

    #[cfg(feature = "secrets-manager")]
    keys_read_from_secrets_manager_leave_no_live_copy();
}

/// A key a provider read from Secrets Manager (moto's): once the provider is dropped, no live
/// block holds it. Freed blocks are not scanned here: the SDK's HTTP buffers held the answer,
/// which is not memory this crate owns; the copy the provider keeps is wiped on drop.
#[cfg(feature = "secrets-manager")]
fn keys_read_from_secrets_manager_leave_no_live_copy() {
    use base64::Engine as _;
    const SM_SECRET: &str = "ScanSMKEYscanSMKEYscanSMKEYscanSMKEYscan";
    let Some(moto) = moto::Moto::start() else { return };
    let api_key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode(format!("alice-at-123456789012:{SM_SECRET}api")));
    let client = || {
        let config = aws_sdk_secretsmanager::Config::builder()
            .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
            .region(aws_sdk_secretsmanager::config::Region::new("us-east-1"))
            .endpoint_url(&moto.endpoint)
            .credentials_provider(credentials())
            .build();
        aws_sdk_secretsmanager::Client::from_conf(config)
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let admin = client();
        let values = [
            ("access", serde_json::json!({"kind": "access-key", "id": "AKIAIOSFODNN7EXAMPLE", "secret": SM_SECRET}).to_string()),
            ("api", serde_json::json!({"kind": "api-key", "id": "ACCAEXAMPLE", "secret": api_key}).to_string()),
        ];
        for (name, value) in values {
            admin.create_secret().name(name).secret_string(value).send().await.unwrap();
        }
        for name in ["access", "api"] {
            let provider = TokenProvider::builder().region("us-east-1").secrets_manager_secret(name).secrets_manager_client(client()).build().unwrap();
            let token = provider.token().await.unwrap();
            assert!(token.as_str().starts_with(if name == "api" { "ABSK" } else { "bedrock-api-key-" }));
            drop(token);
            provider.invalidate();
            drop(provider.token().await.unwrap());
        }
    });
    drop(runtime);
    clear_signing_state();
    // The needle on the stack: a heap copy would be found.
    let mut needle = [0u8; 128];
    needle[..api_key.len()].copy_from_slice(api_key.as_bytes());
    let needle = &needle[..api_key.len()];
    drop(api_key);
    assert!(!live_blocks_hold(SM_SECRET.as_bytes()), "no live block holds the access key's secret read from Secrets Manager");
    assert!(!live_blocks_hold(needle), "no live block holds the API key read from Secrets Manager");
}
