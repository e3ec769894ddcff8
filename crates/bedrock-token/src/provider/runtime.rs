//! Where refreshes run, and how blocking callers wait without a nested-runtime panic.
//!
//! A refresh runs as a task: on the caller's multi-thread tokio runtime when there is one, else on
//! one small runtime of this crate's, built on first use. A refresh never runs on a current-thread
//! runtime, so a blocking call on such a runtime cannot wait on a task its own thread must drive.
//!
//! The crate's runtime belongs to one process: after `fork()` its worker thread does not exist in
//! the child, so the child builds its own on first use (the parent's is left alone, never dropped:
//! dropping it would wait for threads that are not there).

use std::future::Future;
use std::sync::Mutex;

use tokio::runtime::{Handle, Runtime, RuntimeFlavor};
use tokio::task::JoinHandle;

/// This process's id: it changes in a child after `fork()`.
pub(crate) fn process_id() -> u32 {
    std::process::id()
}

fn own_runtime() -> &'static Runtime {
    static RUNTIME: Mutex<Option<(u32, &'static Runtime)>> = Mutex::new(None);
    let mut slot = crate::lock::lock(&RUNTIME);
    let pid = process_id();
    match *slot {
        Some((owner, runtime)) if owner == pid => runtime,
        _ => {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("bedrock-token-refresh")
                .enable_all()
                .build()
                .expect("bedrock-token could not start its refresh runtime");
            let runtime: &'static Runtime = Box::leak(Box::new(runtime));
            *slot = Some((pid, runtime));
            runtime
        }
    }
}

fn multi_thread_handle() -> Option<Handle> {
    Handle::try_current()
        .ok()
        .filter(|handle| handle.runtime_flavor() == RuntimeFlavor::MultiThread)
}

/// Spawns a refresh task where it can always make progress.
pub(crate) fn spawn<F>(task: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match multi_thread_handle() {
        Some(handle) => handle.spawn(task),
        None => own_runtime().spawn(task),
    }
}

/// Completes after `duration` of real time, on this crate's runtime (the caller's may have no
/// timer): the outer bound of a wait that an injected sleep cannot end.
///
/// The timer is made inside the spawned task, so it belongs to this crate's runtime: one made in
/// the caller's context would panic our thread when the caller's runtime shuts down.
pub(crate) async fn wall_clock_sleep(duration: std::time::Duration) {
    let _ = own_runtime().spawn(async move { tokio::time::sleep(duration).await }).await;
}

/// Runs `future` to completion from synchronous code, inside or outside any tokio runtime
/// (multi-thread or current-thread) without a nested-runtime panic. For bindings and sync code.
///
/// ```
/// let region = bedrock_token::block_on(async { 40 + 2 });
/// assert_eq!(region, 42);
/// ```
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    match Handle::try_current() {
        Ok(handle) if handle.runtime_flavor() == RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(|| handle.block_on(future))
        }
        // A current-thread runtime cannot be blocked in place: wait from a helper thread.
        Ok(_) => std::thread::scope(|scope| {
            scope
                .spawn(|| own_runtime().block_on(future))
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }),
        Err(_) => own_runtime().block_on(future),
    }
}
