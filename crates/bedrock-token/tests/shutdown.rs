//! A runtime that shuts down while a refresh is waiting leaves no panic behind in this crate's
//! threads (a test binary of its own: it installs a process-wide panic hook).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bedrock_token::TokenProvider;

mod support;
use support::Blocking;

#[test]
fn a_caller_runtime_shut_down_mid_refresh_panics_no_thread_of_ours() {
    let panics = Arc::new(Mutex::new(Vec::<String>::new()));
    let seen = Arc::clone(&panics);
    std::panic::set_hook(Box::new(move |info| {
        let thread = std::thread::current().name().unwrap_or("unnamed").to_owned();
        seen.lock().unwrap().push(format!("{thread}: {info}"));
    }));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let provider = TokenProvider::builder().region("us-east-1").credentials_provider(Blocking(Duration::from_secs(1))).load_timeout(Duration::from_secs(5)).build().unwrap();
    let waiting = provider.clone();
    runtime.spawn(async move { waiting.token().await });
    std::thread::sleep(Duration::from_millis(200)); // the load has begun and its wait is armed
    runtime.shutdown_timeout(Duration::from_millis(100));
    std::thread::sleep(Duration::from_millis(1500)); // the load ends; every timer has fired
    let _ = std::panic::take_hook();
    let panics = panics.lock().unwrap();
    assert!(panics.is_empty(), "panics after the runtime shut down: {panics:?}");
    assert!(provider.token_blocking().is_ok(), "the provider still works without that runtime");
}
