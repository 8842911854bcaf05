//! `TokenSource::access_token` on the fresh path, and 1,000 concurrent callers through one
//! refresh. `cargo bench -p oauth-core --bench token_source`.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oauth_core::store::MemoryStore;
use oauth_core::{AccessToken, Provider, RefreshToken, RefreshTokenGrant, Token, TokenSource};

/// Answers every refresh at once, so the benchmark measures the source, not a network.
#[derive(Clone)]
struct Instant;

impl Provider for Instant {
    const NAME: &'static str = "bench";
}

impl RefreshTokenGrant for Instant {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        Ok(token(SystemTime::now(), 3600))
    }
}

fn token(received: SystemTime, ttl: u64) -> Token {
    Token::new(AccessToken::new("bench-access"), received)
        .with_expires_in(Some(Duration::from_secs(ttl)))
        .with_refresh_token(Some(RefreshToken::new("bench-refresh")))
}

fn runtime(threads: usize) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .unwrap()
}

fn fresh_path(c: &mut Criterion) {
    let rt = runtime(1);
    let source = rt.block_on(async {
        TokenSource::builder(Instant, MemoryStore::new(), "bench")
            .initial_token(token(SystemTime::now(), 3600))
            .build()
            .await
            .unwrap()
    });
    let mut group = c.benchmark_group("access_token_fresh");
    group.throughput(Throughput::Elements(1));
    group.bench_function("single_thread", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(source.access_token().await.unwrap()) })
    });

    // Every core asking at once: the fresh path takes no lock, so this should scale.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    const PER_THREAD: u64 = 10_000;
    group.throughput(Throughput::Elements(PER_THREAD * cores as u64));
    group.bench_function(format!("all_cores_{cores}_threads_x{PER_THREAD}"), |b| {
        b.iter(|| {
            std::thread::scope(|scope| {
                for _ in 0..cores {
                    let source = source.clone();
                    scope.spawn(move || {
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .build()
                            .unwrap();
                        rt.block_on(async {
                            for _ in 0..PER_THREAD {
                                black_box(source.access_token().await.unwrap());
                            }
                        })
                    });
                }
            })
        })
    });
    group.finish();
}

fn thousand_callers_one_refresh(c: &mut Criterion) {
    let rt = runtime(std::thread::available_parallelism().map_or(2, |n| n.get()));
    let mut group = c.benchmark_group("expired_token");
    group.throughput(Throughput::Elements(1000));
    group.bench_function("1000_concurrent_callers_one_refresh", |b| {
        b.to_async(&rt).iter(|| async {
            let source = TokenSource::builder(Instant, Arc::new(MemoryStore::new()), "bench")
                .initial_token(token(SystemTime::now() - Duration::from_secs(7200), 3600))
                .build()
                .await
                .unwrap();
            let callers: Vec<_> = (0..1000)
                .map(|_| {
                    let source = source.clone();
                    tokio::spawn(async move { source.access_token().await.unwrap() })
                })
                .collect();
            for caller in callers {
                black_box(caller.await.unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, fresh_path, thousand_callers_one_refresh);
criterion_main!(benches);
