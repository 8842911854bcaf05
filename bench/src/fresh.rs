//! `TokenSource::access_token` on a fresh token against the floor of any shared-token design: an
//! `Arc` clone (and drop) of one shared token, both from two threads at once.
//!
//! The two take turns in short batches on the same two threads (pinned, one per core), so that
//! whatever else the machine does in the meantime falls on both alike, and each pair of
//! batches gives one ratio.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;
use ringcentral_oauth::RingCentralClient;

/// The source under test, holding a fresh token from the loopback server.
pub type Source = TokenSource<RingCentralClient, MemoryStore>;

/// Batches per contender and measurement: each thread does `calls / BATCHES` calls per turn.
const BATCHES: u64 = 10;

/// Nanoseconds per call of `access_token()` and of an `Arc` clone, each with `threads` threads
/// calling at once, for each of [`BATCHES`] pairs of turns of about `calls / BATCHES` calls
/// per thread.
pub fn measure(source: &Arc<Source>, threads: usize, calls: u64) -> Vec<(f64, f64)> {
    let token = Arc::new(
        current_thread()
            .block_on(source.access_token())
            .expect("a fresh token")
            .as_ref()
            .clone(),
    );
    let per_batch = (calls / BATCHES).max(1);
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (barrier, source, token) =
                (Arc::clone(&barrier), Arc::clone(source), Arc::clone(&token));
            std::thread::spawn(move || {
                crate::cpu::pin_to(i);
                let rt = current_thread();
                let mut times = Vec::with_capacity(BATCHES as usize);
                for batch in 0..BATCHES {
                    let (mut fresh, mut arc) = (Duration::ZERO, Duration::ZERO);
                    // Alternate who goes first, as the exchanges do.
                    for turn in 0..2 {
                        barrier.wait();
                        let start = Instant::now();
                        if (batch + turn) % 2 == 0 {
                            for _ in 0..per_batch {
                                black_box(Arc::clone(black_box(&token)));
                            }
                            arc += start.elapsed();
                        } else {
                            rt.block_on(async {
                                for _ in 0..per_batch {
                                    black_box(source.access_token().await.expect("fresh"));
                                }
                            });
                            fresh += start.elapsed();
                        }
                    }
                    times.push((fresh, arc));
                }
                times
            })
        })
        .collect();
    let mut totals = vec![(Duration::ZERO, Duration::ZERO); BATCHES as usize];
    for handle in handles {
        let times = handle.join().expect("a measuring thread");
        for (total, (fresh, arc)) in totals.iter_mut().zip(times) {
            total.0 += fresh;
            total.1 += arc;
        }
    }
    let calls = (threads as u64 * per_batch) as f64;
    totals
        .into_iter()
        .map(|(fresh, arc)| {
            (
                fresh.as_nanos() as f64 / calls,
                arc.as_nanos() as f64 / calls,
            )
        })
        .collect()
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
}
