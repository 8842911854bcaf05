//! `TokenSource::access_token` on a fresh token against the floor of any shared-token design: an
//! `Arc` clone (and drop) of one shared token, both from two threads at once.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use oauth_core::TokenSource;
use oauth_core::store::MemoryStore;
use ringcentral_oauth::RingCentralClient;

/// The source under test, holding a fresh token from the loopback server.
pub type Source = TokenSource<RingCentralClient, MemoryStore>;

/// Nanoseconds per call of `access_token()` and of an `Arc` clone, each with `threads` threads
/// calling at once, `calls` calls per thread.
pub fn measure(source: &Arc<Source>, threads: usize, calls: u64) -> (f64, f64) {
    let token = Arc::new(
        current_thread()
            .block_on(source.access_token())
            .expect("a fresh token")
            .as_ref()
            .clone(),
    );
    let arc = per_call(threads, calls, |n| {
        let token = Arc::clone(&token);
        async move {
            for _ in 0..n {
                black_box(Arc::clone(black_box(&token)));
            }
        }
    });
    let fresh = per_call(threads, calls, |n| {
        let source = Arc::clone(source);
        async move {
            for _ in 0..n {
                black_box(source.access_token().await.expect("fresh"));
            }
        }
    });
    (fresh, arc)
}

/// Runs `work(calls)` on `threads` threads started together (each on a current-thread runtime,
/// as `access_token` is async) and returns the mean wall time per call.
fn per_call<F, Fut>(threads: usize, calls: u64, work: F) -> f64
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let barrier = Arc::clone(&barrier);
            let job = work(calls);
            std::thread::spawn(move || {
                crate::cpu::pin_to(i);
                let rt = current_thread();
                barrier.wait();
                let start = Instant::now();
                rt.block_on(job);
                start.elapsed()
            })
        })
        .collect();
    let total: Duration = handles
        .into_iter()
        .map(|h| h.join().expect("a measuring thread"))
        .sum();
    total.as_nanos() as f64 / (threads as f64 * calls as f64)
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
}
