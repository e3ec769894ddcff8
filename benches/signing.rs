//! Criterion benchmarks of the core: signing, provider cache hits (1 and 2 threads), a cold
//! provider, inspection. `cargo bench -p bedrock-token`; tokens/s = 1e9 / ns per token.

use std::hint::black_box;
use std::sync::Barrier;
use std::time::{Duration, Instant, SystemTime};

use bedrock_token::{inspect_token, sign_token, Credentials, TokenProvider};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

fn signing(c: &mut Criterion) {
    let plain = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", SECRET, None);
    let session = Credentials::from_keys("ASIAIOSFODNN7EXAMPLE", SECRET, Some("T".repeat(1024)));
    let at = SystemTime::now();
    let mut group = c.benchmark_group("sign_token");
    group.throughput(Throughput::Elements(1));
    group.bench_function("no session token", |b| {
        b.iter(|| sign_token(black_box(&plain), "us-east-1", Duration::from_secs(3600), at).unwrap())
    });
    group.bench_function("1 KB session token", |b| {
        b.iter(|| sign_token(black_box(&session), "us-east-1", Duration::from_secs(3600), at).unwrap())
    });
    group.finish();

    // What AWS's docs show before every request: the default chains, here the example keys and a
    // region in the environment (no shared files, no instance metadata).
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", "us-east-1"),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        // SAFETY: set before any benchmark thread starts.
        unsafe { std::env::set_var(name, value) };
    }
    let mut group = c.benchmark_group("provide_token");
    group.throughput(Throughput::Elements(1));
    group.bench_function("default chains (environment)", |b| {
        b.iter(|| bedrock_token::block_on(bedrock_token::provide_token(Duration::from_secs(3600))).unwrap())
    });
    group.finish();

    let token = sign_token(&session, "us-east-1", Duration::from_secs(3600), at).unwrap();
    let mut group = c.benchmark_group("inspect_token");
    group.throughput(Throughput::Elements(1));
    group.bench_function("1 KB session token", |b| b.iter(|| inspect_token(black_box(token.as_str())).unwrap()));
    group.finish();
}

fn provider() -> TokenProvider {
    TokenProvider::builder()
        .region("us-east-1")
        .credentials_provider(Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", SECRET, None))
        .build()
        .unwrap()
}

fn provider_hits(c: &mut Criterion) {
    let mut group = c.benchmark_group("TokenProvider");
    group.throughput(Throughput::Elements(1));
    let warm = provider();
    warm.token_blocking().unwrap();
    group.bench_function("cache hit, 1 thread", |b| b.iter(|| warm.token_blocking().unwrap()));
    group.bench_function("with_token hit, 1 thread", |b| b.iter(|| warm.with_token(|t| t.as_str().len()).unwrap()));
    group.bench_function("with_token hit, 2 threads (per call)", |b| {
        b.iter_custom(|iters| on_two_threads(iters, || warm.with_token(|t| t.as_str().len()).unwrap()))
    });
    group.bench_function("cache hit, 2 threads (per call)", |b| {
        b.iter_custom(|iters| on_two_threads(iters, || warm.token_blocking().unwrap()))
    });
    group.bench_function("cold provider, first token", |b| {
        b.iter_with_large_drop(|| {
            let cold = provider();
            cold.token_blocking().unwrap();
            cold
        })
    });
    group.finish();
}

/// Runs `call` `iters` times on each of two threads started together; the slower thread's time.
fn on_two_threads<R>(iters: u64, call: impl Fn() -> R + Sync) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(call());
                    }
                    start.elapsed()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).max().unwrap()
    })
}

criterion_group!(benches, signing, provider_hits);
criterion_main!(benches);
