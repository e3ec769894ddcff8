//! Criterion benchmarks of the core: signing, the SHA-256 floor under it, signing on 1, 2 and 4
//! threads (one identity, and one identity per thread), provider cache hits (1 and 2 threads), a
//! cold provider, inspection. `cargo bench -p bedrock-token`; tokens/s = 1e9 /
//! ns per token.

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

    // The floor under sign_token: only the SHA-256 compressions one token needs, nothing else.
    for (name, credentials) in [("no session token", &plain), ("1 KB session token", &session)] {
        let token = sign_token(credentials, "us-east-1", Duration::from_secs(3600), at).unwrap();
        let blocks = vec![[0x5au8; 64]; floor_blocks(token.as_str())];
        let mut group = c.benchmark_group("SHA-256 floor");
        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("{name}, {} blocks", blocks.len()), |b| {
            b.iter(|| {
                let mut state = [0x6a09e667u32, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
                sha2::block_api::compress256(&mut state, black_box(&blocks));
                state
            })
        });
        group.finish();
    }

    // Throughput: N threads signing at once, for one identity or one each; reported per token
    // (the wall time of a round in which every thread signs one, divided by N).
    for threads in [1, 2, 4] {
        let mut group = c.benchmark_group("sign_token threads");
        group.throughput(Throughput::Elements(1));
        let own: Vec<Credentials> =
            (0..threads).map(|i| Credentials::from_keys(format!("AKIAIOSFODNN7EXAMPL{i}"), SECRET, None)).collect();
        for (name, identities) in [("one identity", vec![plain.clone(); threads]), ("one identity each", own)] {
            group.bench_function(format!("{threads} threads, {name} (per token)"), |b| {
                b.iter_custom(|iters| {
                    on_threads(iters, &identities, |credentials| {
                        sign_token(credentials, "us-east-1", Duration::from_secs(3600), at).unwrap()
                    }) / threads as u32
                })
            });
        }
        group.finish();
    }

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
    let awaited = |iters: u64| {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        runtime.block_on(async {
            let start = Instant::now();
            for _ in 0..iters {
                black_box(warm.token().await.unwrap());
            }
            start.elapsed()
        })
    };
    group.bench_function("token().await hit, 1 thread", |b| b.iter_custom(awaited));
    group.bench_function("token().await hit, 2 threads (per call)", |b| {
        b.iter_custom(|iters| {
            let barrier = Barrier::new(2);
            let each = || {
                barrier.wait();
                awaited(iters)
            };
            std::thread::scope(|scope| {
                let other = scope.spawn(each);
                each().max(other.join().unwrap())
            })
        })
    });
    group.bench_function("cache hit, 1 thread", |b| b.iter(|| warm.token_blocking().unwrap()));
    group.bench_function("with_token hit, 1 thread", |b| b.iter(|| warm.with_token(|t| t.as_str().len()).unwrap()));
    group.bench_function("with_token hit, 2 threads (per call)", |b| {
        b.iter_custom(|iters| on_threads(iters, &[(), ()], |_| warm.with_token(|t| t.as_str().len()).unwrap()))
    });
    group.bench_function("cache hit, 2 threads (per call)", |b| {
        b.iter_custom(|iters| on_threads(iters, &[(), ()], |_| warm.token_blocking().unwrap()))
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

/// The SHA-256 blocks one token needs at the least, read off the token itself. SigV4 hashes the
/// canonical request and HMACs the string to sign with the day's signing key. What is the same
/// for every token of an identity can be hashed once and kept: the canonical request's blocks
/// before the one holding `X-Amz-Date`, and HMAC's key blocks. So each token needs the remaining
/// blocks of the canonical request (with SHA-256's 9 bytes of padding and length), the string to
/// sign's blocks behind the inner key block, and the outer hash's one block behind its key block.
fn floor_blocks(token: &str) -> usize {
    use base64::Engine;
    let url = base64::engine::general_purpose::STANDARD.decode(token.strip_prefix("bedrock-api-key-").unwrap()).unwrap();
    let url = String::from_utf8(url).unwrap();
    let query = url.split_once("/?").unwrap().1;
    // Signed: every parameter but the signature and the Version appended after signing.
    let signed: usize = query.split('&').filter(|p| !p.starts_with("X-Amz-Signature=") && *p != "Version=1").map(|p| p.len() + 1).sum::<usize>() - 1;
    let date_at = "POST\n/\n".len() + query.find("X-Amz-Date=").unwrap();
    let canonical = "POST\n/\n".len() + signed + "\nhost:bedrock.amazonaws.com\n\nhost\n".len() + 64;
    let blocks = |bytes: usize| (bytes + 9).div_ceil(64);
    // The credential scope, `{day}/{region}/bedrock/aws4_request`, as the token's X-Amz-Credential
    // names it after the access key (`%2F` is `/`).
    let credential = query.split('&').find_map(|p| p.strip_prefix("X-Amz-Credential=")).unwrap();
    let scope = credential.split_once("%2F").unwrap().1.replace("%2F", "/");
    let string_to_sign = "AWS4-HMAC-SHA256\n".len() + 16 + 1 + scope.len() + 1 + 64;
    (blocks(canonical) - date_at / 64) + (blocks(64 + string_to_sign) - 1) + (blocks(64 + 32) - 1)
}

/// Runs `call` `iters` times on each of `inputs.len()` threads started together, each with its
/// input; the slowest thread's time.
fn on_threads<T: Sync, R>(iters: u64, inputs: &[T], call: impl Fn(&T) -> R + Sync) -> Duration {
    let barrier = Barrier::new(inputs.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = inputs
            .iter()
            .map(|input| {
                let (barrier, call) = (&barrier, &call);
                scope.spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        black_box(call(input));
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
