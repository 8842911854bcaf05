//! `TokenSource::access_token` on the fresh path beside an `Arc<Token>` clone (1, 2 and all
//! cores at once), and 1,000 concurrent callers through one refresh.
//! `cargo bench -p oauth-core --bench token_source`; compare `fresh_<n>_threads/access_token`
//! with `fresh_<n>_threads/arc_clone` of the same run.

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use oauth_core::{AccessToken, Provider, RefreshToken, RefreshTokenGrant, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;

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

/// What the fresh path is measured against: cloning an `Arc<Token>` (the least any shared
/// token handout costs), behind an async call of the same shape as `access_token`.
async fn arc_clone(token: &Arc<Token>) -> oauth_core::Result<Arc<Token>> {
    Ok(Arc::clone(token))
}

/// Runs `call` `iters` times on each of `threads` threads at once (each with its own
/// current-thread runtime, released together by a barrier) and returns the longest thread's
/// time: per iteration, one call on every thread.
fn concurrently<F, Fut>(threads: usize, iters: u64, call: F) -> Duration
where
    F: Fn() -> Fut + Sync,
    Fut: Future<Output = oauth_core::Result<Arc<Token>>>,
{
    let barrier = Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let (barrier, call) = (&barrier, &call);
                scope.spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        barrier.wait();
                        let start = std::time::Instant::now();
                        for _ in 0..iters {
                            black_box(call().await.unwrap());
                        }
                        start.elapsed()
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .max()
            .unwrap_or_default()
    })
}

/// The fresh path side by side with an `Arc` clone, on one thread and on several at once
/// (where both pay for the shared reference count's cache line moving between cores).
fn fresh_path(c: &mut Criterion) {
    let rt = runtime(1);
    let source = rt.block_on(async {
        TokenSource::builder(Instant, MemoryStore::new(), "bench")
            .initial_token(token(SystemTime::now(), 3600))
            .build()
            .await
            .unwrap()
    });
    let shared = rt.block_on(source.access_token()).unwrap();
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut thread_counts = vec![1, 2, cores];
    thread_counts.dedup();
    for threads in thread_counts {
        let mut group = c.benchmark_group(format!("fresh_{threads}_threads"));
        group.throughput(Throughput::Elements(threads as u64));
        group.bench_function("access_token", |b| {
            b.iter_custom(|iters| concurrently(threads, iters, || source.access_token()))
        });
        group.bench_function("arc_clone", |b| {
            b.iter_custom(|iters| concurrently(threads, iters, || arc_clone(&shared)))
        });
        group.finish();
    }
    drop(rt);
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
