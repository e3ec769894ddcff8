//! A provider in a child process after `fork()` (gunicorn --preload, Celery prefork, uWSGI,
//! multiprocessing): the inherited provider and a new one both return tokens.
#![cfg(unix)]

use std::time::{Duration, Instant};

use bedrock_token::{Credentials, TokenProvider};

fn provider() -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None))
        .build()
        .unwrap()
}

#[test]
fn the_inherited_provider_and_a_new_one_work_in_a_forked_child() {
    let inherited = provider();
    inherited.token_blocking().unwrap(); // the parent's refresh runtime now exists
    // SAFETY: the child only signs and exits with `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        inherited.invalidate(); // make the child refresh: the parent's runtime thread is not here
        let code = match (inherited.token_blocking(), provider().token_blocking()) {
            (Ok(a), Ok(b)) if a.as_str().starts_with("bedrock-api-key-") && b.as_str().starts_with("bedrock-api-key-") => 0,
            _ => 1,
        };
        // SAFETY: ends the child at once, without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child without blocking.
        let done = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if done == pid {
            break;
        }
        if Instant::now() > deadline {
            // SAFETY: the child is ours and hung.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            panic!("the forked child hung on its first refresh");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "child status {status}");
    assert!(inherited.token_blocking().is_ok(), "the parent goes on");
}
