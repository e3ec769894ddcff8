//! Bytes the per-thread signing state holds for one cached identity: the live heap a thread's
//! first token leaves behind once the token itself is dropped (its prepared state: the URL
//! prefix's base64, the canonical request's hash state, the templates of the canonical request,
//! the string to sign and the URL, and the sealed key; a session token's URL is built per token
//! and freed with it, so the state does not grow with the session token).
//! `cargo bench -p bedrock-token --bench memory` prints one line per case, label and bytes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, SystemTime};

use bedrock_token::{sign_token, Credentials};

/// The system allocator, counting the bytes live in it.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call goes to `System` unchanged; only the counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size as isize - layout.size() as isize, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes a fresh thread holds after signing one token with `credentials` and dropping it.
fn held(credentials: Credentials) -> isize {
    // A thread that has signed once already, so the registry of threads has room for another.
    std::thread::spawn({
        let credentials = credentials.clone();
        move || drop(sign_token(&credentials, "us-east-1", Duration::from_secs(3600), SystemTime::now()))
    })
    .join()
    .unwrap();
    std::thread::spawn(move || {
        let before = LIVE.load(Ordering::SeqCst);
        drop(sign_token(&credentials, "us-east-1", Duration::from_secs(3600), SystemTime::now()).unwrap());
        LIVE.load(Ordering::SeqCst) - before
    })
    .join()
    .unwrap()
}

fn main() {
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    let plain = held(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", SECRET, None));
    let session = held(Credentials::from_keys("ASIAIOSFODNN7EXAMPLE", SECRET, Some("T".repeat(1024))));
    assert!(plain > 0 && session >= plain, "the state is held: {plain} and {session} bytes");
    println!("Rust signing state per thread and identity, no session token (bytes)\t{plain}");
    println!("Rust signing state per thread and identity, 1 KB session token (bytes)\t{session}");
}
