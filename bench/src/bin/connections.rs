//! What a connection costs when a process holds many: `TokenSource`s sharing one client and
//! one `MemoryStore`, against the plain design (one `RwLock<Arc<Token>>` per connection and a
//! wall-clock check on every call), at 1,000, 10,000 and 100,000 connections.
//!
//! `cargo run --release -p oauth-sdk-bench --bin connections` (options: `--rounds N`,
//! `--calls N`, `--sizes 1000,10000`). For each size:
//! - resident memory per connection, each design built in a child process of its own (so one
//!   design's freed memory is not the other's), the RSS after building minus before;
//! - idle CPU of the whole process over two seconds of doing nothing (the SDK's only
//!   background work is the recent-clock thread, one per process);
//! - `access_token()` on a random connection, from two threads at once, the two designs
//!   taking turns in short batches; the ratio per round, the median over rounds.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::sync::{Arc, Barrier, RwLock};
use std::time::{Duration, Instant, SystemTime};

use oauth_core::{AccessToken, ClientSecret, Extra, RefreshToken, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;
use ringcentral_oauth::RingCentralClient;

#[path = "../resources.rs"]
mod resources;

use resources::{process_cpu, rss_kb};

type Sdk = TokenSource<Arc<RingCentralClient>, Arc<MemoryStore>>;
type Plain = Arc<RwLock<Arc<Token>>>;

/// The margin both designs keep before expiry.
const MARGIN: Duration = Duration::from_secs(60);

/// A RingCentral-shaped token of connection `i`, valid for an hour.
fn token(i: usize) -> Token {
    let mut extra = Extra::new();
    extra.insert(
        "owner_id",
        serde_json::Value::from(format!("{}", 100_000 + i)),
    );
    extra.insert("endpoint_id", serde_json::Value::from(format!("ep-{i:08}")));
    Token::new(
        AccessToken::new(format!("U0pDMDFQMDFQQVMwMHxBQUJfTDRNQ1ZfbmJ{i:016}")),
        SystemTime::now(),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new(format!(
        "U0pDMDFQMDFQQVMwMHxBQUJ5dFZ{i:016}"
    ))))
    .with_refresh_token_expires_in(Some(Duration::from_secs(604_800)))
    .with_scope_string(Some("ReadAccounts ReadCallLog"))
    .with_extra(extra)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime")
}

/// The client and the store every connection shares: built once per process, whatever the
/// number of connections, so not counted per connection.
struct Shared {
    client: Arc<RingCentralClient>,
    store: Arc<MemoryStore>,
}

impl Shared {
    fn new() -> Self {
        Self {
            client: Arc::new(
                RingCentralClient::builder("bench-client")
                    .client_secret(ClientSecret::new("bench-secret"))
                    .base_url("http://127.0.0.1:9")
                    .build()
                    .expect("a client"),
            ),
            store: Arc::new(MemoryStore::new()),
        }
    }
}

fn build_sdk(rt: &tokio::runtime::Runtime, shared: &Shared, first: usize, n: usize) -> Vec<Sdk> {
    let (client, store) = (&shared.client, &shared.store);
    rt.block_on(async {
        let mut sources = Vec::with_capacity(n);
        for i in first..first + n {
            let source =
                TokenSource::builder(Arc::clone(client), Arc::clone(store), format!("conn-{i}"))
                    .initial_token(token(i))
                    .build()
                    .await
                    .expect("a source");
            sources.push(source);
        }
        sources
    })
}

fn build_plain(n: usize) -> Vec<Plain> {
    (0..n)
        .map(|i| Arc::new(RwLock::new(Arc::new(token(i)))))
        .collect()
}

/// The plain design's `access_token()`: a read lock, a wall-clock check, an `Arc` clone.
#[inline(never)]
fn plain_access(connection: &Plain) -> Option<Arc<Token>> {
    let token = connection.read().expect("not poisoned");
    let fresh = token
        .expires_at()
        .is_some_and(|at| SystemTime::now() + MARGIN < at);
    fresh.then(|| Arc::clone(&token))
}

/// In a child process: builds `n` connections of `design`, prints `<bytes per connection>
/// <idle CPU ms/s>`.
fn child(design: &str, n: usize) {
    let rt = runtime();
    // What is there once per process (the runtime, the client and its TLS setup, the store,
    // the recent-clock thread, the allocator's first arenas) is set up before measuring.
    let shared = Shared::new();
    let warm = match design {
        "sdk" => (build_sdk(&rt, &shared, n, 16), Vec::new()),
        _ => (Vec::new(), build_plain(16)),
    };
    rt.block_on(async {
        for s in &warm.0 {
            black_box(s.access_token().await.expect("fresh"));
        }
    });
    let before = rss_kb();
    let (sdk, plain) = match design {
        "sdk" => (build_sdk(&rt, &shared, 0, n), Vec::new()),
        _ => (Vec::new(), build_plain(n)),
    };
    if design == "sdk" {
        // The fresh path once per connection, so that whatever it allocates lazily counts.
        rt.block_on(async {
            for s in &sdk {
                black_box(s.access_token().await.expect("fresh"));
            }
        });
    }
    let after = rss_kb();
    let cpu = process_cpu();
    let wall = Instant::now();
    std::thread::sleep(Duration::from_secs(2));
    let idle = (process_cpu() - cpu).as_secs_f64() * 1e3 / wall.elapsed().as_secs_f64();
    let per = (after.saturating_sub(before) * 1024) as f64 / n as f64;
    println!("{per:.0} {idle:.3}");
    black_box((sdk, plain, warm));
}

fn measure_in_child(design: &str, n: usize) -> (f64, f64) {
    let out = std::process::Command::new(std::env::current_exe().expect("this binary"))
        .args(["--child", design, &n.to_string()])
        .output()
        .expect("a child run");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut figures = text
        .split_whitespace()
        .map(|f| f.parse::<f64>().unwrap_or(f64::NAN));
    (
        figures.next().unwrap_or(f64::NAN),
        figures.next().unwrap_or(f64::NAN),
    )
}

/// A small xorshift, so both designs see the same random connections.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Nanoseconds per random access for each design, with two threads at once: `(sdk, plain)`
/// per round.
fn random_access(
    sdk: &Arc<Vec<Sdk>>,
    plain: &Arc<Vec<Plain>>,
    calls: u64,
    rounds: usize,
) -> Vec<(f64, f64)> {
    let barrier = Arc::new(Barrier::new(2));
    let handles: Vec<_> = (0..2u64)
        .map(|t| {
            let (sdk, plain, barrier) = (Arc::clone(sdk), Arc::clone(plain), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let rt = runtime();
                let n = sdk.len() as u64;
                let mut times = Vec::with_capacity(rounds);
                for round in 0..rounds {
                    let (mut s_time, mut p_time) = (Duration::ZERO, Duration::ZERO);
                    for turn in 0..2 {
                        let mut state = 0x9E37_79B9_7F4A_7C15 ^ (t + 1) ^ ((round as u64) << 32);
                        barrier.wait();
                        let start = Instant::now();
                        if (round + turn) % 2 == 0 {
                            rt.block_on(async {
                                for _ in 0..calls {
                                    let i = (next(&mut state) % n) as usize;
                                    black_box(sdk[i].access_token().await.expect("fresh"));
                                }
                            });
                            s_time += start.elapsed();
                        } else {
                            for _ in 0..calls {
                                let i = (next(&mut state) % n) as usize;
                                black_box(plain_access(&plain[i]).expect("fresh"));
                            }
                            p_time += start.elapsed();
                        }
                    }
                    times.push((s_time, p_time));
                }
                times
            })
        })
        .collect();
    let mut totals = vec![(Duration::ZERO, Duration::ZERO); rounds];
    for handle in handles {
        for (total, (s, p)) in totals.iter_mut().zip(handle.join().expect("a thread")) {
            total.0 += s;
            total.1 += p;
        }
    }
    let per = (2 * calls) as f64;
    totals
        .into_iter()
        .map(|(s, p)| (s.as_nanos() as f64 / per, p.as_nanos() as f64 / per))
        .collect()
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        let n = args.get(2).and_then(|n| n.parse().ok()).expect("a size");
        return child(args.get(1).map_or("plain", String::as_str), n);
    }
    let mut rounds = 11;
    let mut calls = 200_000;
    let mut sizes = vec![1_000, 10_000, 100_000];
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().cloned().unwrap_or_default();
        match flag.as_str() {
            "--rounds" => rounds = value.parse().unwrap_or(rounds).max(1),
            "--calls" => calls = value.parse().unwrap_or(calls).max(1),
            "--sizes" => sizes = value.split(',').filter_map(|s| s.parse().ok()).collect(),
            _ => {
                eprintln!("usage: connections [--rounds N] [--calls N] [--sizes 1000,10000]");
                std::process::exit(2);
            }
        }
    }
    println!(
        "connections: {rounds} rounds of {calls} random accesses per thread and design, 2 threads; \
         memory and idle CPU from a child process per design and size"
    );
    println!(
        "| connections | RSS per connection, SDK / plain (ratio) | idle CPU, SDK / plain | \
         `access_token()` random, SDK / plain (median ratio) |"
    );
    println!("| --- | --- | --- | --- |");
    let rt = runtime();
    for n in sizes {
        let (sdk_mem, sdk_idle) = measure_in_child("sdk", n);
        let (plain_mem, plain_idle) = measure_in_child("plain", n);
        let sdk = Arc::new(build_sdk(&rt, &Shared::new(), 0, n));
        let plain = Arc::new(build_plain(n));
        let pairs = random_access(&sdk, &plain, calls, rounds);
        let ratio = median(pairs.iter().map(|(s, p)| s / p).collect());
        let s_ns = median(pairs.iter().map(|p| p.0).collect());
        let p_ns = median(pairs.iter().map(|p| p.1).collect());
        println!(
            "| {n} | {:.2} KB / {:.2} KB ({:.2} ×) | {sdk_idle:.3} / {plain_idle:.3} ms/s | \
             {s_ns:.0} / {p_ns:.0} ns ({ratio:.2} ×) |",
            sdk_mem / 1024.0,
            plain_mem / 1024.0,
            sdk_mem / plain_mem,
        );
    }
}
