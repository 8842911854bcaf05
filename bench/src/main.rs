//! The SDK's performance, side by side with the alternatives, in one run.
//!
//! `cargo run --release -p oauth-sdk-bench` (options: `--rounds N`, `--exchanges N`,
//! `--fresh-calls N`). Every figure is a ratio within one round, with the rounds interleaving
//! the contenders (and rotating their order), and the median over rounds is printed.

// A benchmark's output is its report.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod clients;
mod cpu;
mod fresh;
mod server;

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clients::{Contender, Kind};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;

/// Exchanges in flight for the throughput figure.
const IN_FLIGHT: usize = 64;

/// Exchanges a contender does per turn with 64 in flight (a multiple of [`IN_FLIGHT`]).
const CHUNK: u64 = 8 * IN_FLIGHT as u64;

/// Turns of exchanges one at a time per turn with 64 in flight: short turns, so that load from
/// outside falls on the three contenders alike.
const SEQUENTIAL_TURNS: u64 = 4;

struct Options {
    /// Only run this contender's exchanges, one at a time (for a profiler), and print nothing.
    profile: Option<Kind>,
    rounds: usize,
    exchanges: u64,
    fresh_calls: u64,
}

impl Options {
    fn from_args() -> Self {
        let mut options = Options {
            profile: None,
            rounds: 15,
            exchanges: 3_000,
            fresh_calls: 3_000_000,
        };
        let mut args = std::env::args().skip(1);
        while let Some(flag) = args.next() {
            let raw = args.next().unwrap_or_default();
            let value = raw.parse::<u64>().ok();
            match (flag.as_str(), value) {
                ("--profile", _) if Kind::parse(&raw).is_some() => {
                    options.profile = Kind::parse(&raw)
                }
                ("--rounds", Some(v)) => options.rounds = usize::try_from(v).unwrap_or(15).max(1),
                ("--exchanges", Some(v)) => options.exchanges = v.max(IN_FLIGHT as u64),
                ("--fresh-calls", Some(v)) => options.fresh_calls = v.max(1),
                _ => {
                    eprintln!(
                        "usage: oauth-sdk-bench [--rounds N] [--exchanges N] [--fresh-calls N] \
                         [--profile floor|oauth2|sdk]"
                    );
                    std::process::exit(2);
                }
            }
        }
        options
    }
}

/// One contender's figures in one round.
#[derive(Clone, Copy, Default)]
struct Sample {
    /// Client thread CPU per exchange, one in flight.
    cpu: f64,
    /// Client thread CPU per exchange, 64 in flight.
    cpu_par: f64,
    /// Exchanges per second, one in flight.
    rate_1: f64,
    /// Exchanges per second, 64 in flight.
    rate_64: f64,
}

fn main() {
    let options = Options::from_args();
    let server = server::Server::start(1).expect("the loopback server starts");
    let base = server.base_url();
    let pinned = cpu::pin_to(0);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds");

    if let Some(kind) = options.profile {
        let contender = Contender::new(kind, &base);
        rt.block_on(async {
            for _ in 0..options.exchanges {
                contender.exchange().await;
            }
        });
        return;
    }

    let chunks = options.exchanges.div_ceil(CHUNK).max(1);
    println!(
        "oauth-sdk-bench: {} rounds, {} exchanges per figure and round in turns of {} (one in \
         flight) and {CHUNK} (64 in flight), client on one core (current-thread \
         runtime{}), server on the other",
        options.rounds,
        chunks * CHUNK,
        CHUNK / SEQUENTIAL_TURNS,
        if pinned { ", pinned" } else { ", NOT pinned" }
    );

    let contenders: Vec<(Kind, Arc<Contender>)> = Kind::ALL
        .iter()
        .map(|&k| (k, Arc::new(Contender::new(k, &base))))
        .collect();
    // Warm-up: connections for 64 in flight, and code paths.
    for (_, c) in &contenders {
        rt.block_on(in_flight(c, IN_FLIGHT, 4 * IN_FLIGHT as u64));
    }

    // Within a round the contenders take turns in small chunks (rotating who goes first), so
    // that whatever else the machine does falls on all three alike.
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); contenders.len()];
    for round in 0..options.rounds {
        let mut totals = vec![Totals::default(); contenders.len()];
        let turns = chunks * SEQUENTIAL_TURNS;
        for turn in 0..turns {
            for i in 0..contenders.len() {
                let index = (i + round + turn as usize) % contenders.len();
                let t = rt.block_on(sequential(&contenders[index].1, CHUNK / SEQUENTIAL_TURNS));
                totals[index].add(&t);
            }
        }
        for chunk in 0..chunks {
            for i in 0..contenders.len() {
                let index = (i + round + chunk as usize) % contenders.len();
                let t = rt.block_on(parallel(&contenders[index].1, CHUNK));
                totals[index].add(&t);
            }
        }
        for (index, t) in totals.iter().enumerate() {
            samples[index].push(t.sample());
        }
    }

    let ratio = |of: usize, f: fn(&Sample) -> f64| -> f64 {
        median(
            samples[of]
                .iter()
                .zip(&samples[0])
                .map(|(s, floor)| f(s) / f(floor))
                .collect(),
        )
    };
    let abs = |of: usize, f: fn(&Sample) -> f64| median(samples[of].iter().map(f).collect());

    println!();
    println!(
        "| figure | {} | {} | {} | target | met |",
        Kind::ALL[0].label(),
        Kind::ALL[1].label(),
        Kind::ALL[2].label()
    );
    println!("| --- | --- | --- | --- | --- | --- |");
    let cpu = |s: &Sample| s.cpu;
    let cpu_par = |s: &Sample| s.cpu_par;
    let r1 = |s: &Sample| s.rate_1;
    let r64 = |s: &Sample| s.rate_64;
    let (sdk, o2) = (ratio(2, cpu), ratio(1, cpu));
    println!(
        "| client CPU per exchange, 1 in flight | 1.00 ({:.1} µs) | {o2:.3} | {sdk:.3} | ≤ 1.05, below oauth2-rs | {} |",
        abs(0, cpu) * 1e6,
        yes(sdk <= 1.05 && sdk < o2)
    );
    let (sdk, o2) = (ratio(2, cpu_par), ratio(1, cpu_par));
    println!(
        "| client CPU per exchange, {IN_FLIGHT} in flight | 1.00 ({:.1} µs) | {o2:.3} | {sdk:.3} | (same as above) | {} |",
        abs(0, cpu_par) * 1e6,
        yes(sdk <= 1.05 && sdk < o2)
    );
    let (sdk, o2) = (ratio(2, r1), ratio(1, r1));
    println!(
        "| exchanges/s, 1 in flight | 1.00 ({:.0}/s) | {o2:.3} | {sdk:.3} | – | |",
        abs(0, r1)
    );
    let (sdk, o2) = (ratio(2, r64), ratio(1, r64));
    println!(
        "| exchanges/s, {IN_FLIGHT} in flight | 1.00 ({:.0}/s) | {o2:.3} | {sdk:.3} | ≥ 0.97 | {} |",
        abs(0, r64),
        yes(sdk >= 0.97)
    );

    // The fresh path: a source holding a token the server just issued.
    let source = rt.block_on(async {
        let client = clients::sdk_client(&base);
        let token = oauth_core::AuthorizationCodeGrant::exchange_code(
            &client,
            &oauth_core::AuthorizationGrant {
                code: oauth_core::AuthorizationCode::new(clients::CODE),
                pkce_verifier: Some(oauth_core::PkceVerifier::new(clients::VERIFIER)),
                redirect_uri: Some(clients::REDIRECT_URI.into()),
            },
        )
        .await
        .expect("a token for the source");
        TokenSource::builder(client, MemoryStore::new(), "bench")
            .initial_token(token)
            .build()
            .await
            .expect("the token source builds")
    });
    let source = Arc::new(source);
    let mut pairs = Vec::new();
    for _ in 0..options.rounds {
        pairs.extend(fresh::measure(&source, 2, options.fresh_calls));
    }
    let ratio = median(pairs.iter().map(|(f, a)| f / a).collect());
    let fresh = median(pairs.iter().map(|p| p.0).collect());
    let arc = median(pairs.iter().map(|p| p.1).collect());
    println!(
        "| `access_token()` on a fresh token, 2 threads | Arc clone {:.0} ns | – | {:.0} ns = {ratio:.2} × | ≤ 2 × Arc clone | {} |",
        arc,
        fresh,
        yes(ratio <= 2.0)
    );
    println!();
    println!(
        "requests answered by the server: {}",
        server.served.load(std::sync::atomic::Ordering::Relaxed)
    );
    drop(rt);
    drop(server);
}

/// Client CPU and wall time of a number of exchanges, one at a time and 64 in flight.
#[derive(Clone, Copy, Default)]
struct Totals {
    n: u64,
    cpu_1: Duration,
    wall_1: Duration,
    cpu_64: Duration,
    wall_64: Duration,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.n += other.n;
        self.cpu_1 += other.cpu_1;
        self.wall_1 += other.wall_1;
        self.cpu_64 += other.cpu_64;
        self.wall_64 += other.wall_64;
    }

    fn sample(&self) -> Sample {
        let n = self.n as f64;
        Sample {
            cpu: self.cpu_1.as_secs_f64() / n,
            cpu_par: self.cpu_64.as_secs_f64() / n,
            rate_1: n / self.wall_1.as_secs_f64(),
            rate_64: n / self.wall_64.as_secs_f64(),
        }
    }
}

/// `n` exchanges of one contender one at a time (the CPU and wall fields of one in flight).
async fn sequential(contender: &Contender, n: u64) -> Totals {
    let (cpu0, wall0) = (cpu::thread_cpu(), Instant::now());
    for _ in 0..n {
        contender.exchange().await;
    }
    Totals {
        n,
        cpu_1: cpu::thread_cpu() - cpu0,
        wall_1: wall0.elapsed(),
        ..Totals::default()
    }
}

/// `n` exchanges of one contender with 64 in flight (the fields of 64 in flight).
async fn parallel(contender: &Arc<Contender>, n: u64) -> Totals {
    let (cpu0, wall0) = (cpu::thread_cpu(), Instant::now());
    in_flight(contender, IN_FLIGHT, n).await;
    Totals {
        cpu_64: cpu::thread_cpu() - cpu0,
        wall_64: wall0.elapsed(),
        ..Totals::default()
    }
}

/// `n` exchanges by `tasks` tasks on the current runtime.
async fn in_flight(contender: &Arc<Contender>, tasks: usize, n: u64) {
    let local = tokio::task::LocalSet::new();
    let per_task = n / tasks as u64;
    local
        .run_until(async {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    let c = Arc::clone(contender);
                    tokio::task::spawn_local(async move {
                        for _ in 0..per_task {
                            c.exchange().await;
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.expect("an exchange task");
            }
        })
        .await;
    black_box(());
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn yes(ok: bool) -> &'static str {
    if ok { "yes" } else { "NO" }
}
