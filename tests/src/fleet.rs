//! The keeper scenario of `fleet_postgres.rs` and `fleet_redis.rs`: many RingCentral
//! connections whose refresh tokens lapse spread over a simulated month, worker processes
//! running a `Keeper` over one shared store, one of them killed with `kill -9` mid-batch.
//!
//! Time is a manual clock that the parent moves in steps, shared with the workers through a
//! file (each `now()` reads it) and with the fake, whose refresh tokens live 30 days. The
//! parent moves to the next step only when the step's work is done (nothing due, nothing in
//! flight), so 30 days pass in as long as the work takes, and a slow machine makes the test
//! slower, never wrong.
//!
//! The kill: the fake holds every request before its grant logic until every worker that
//! claimed a batch has its refreshes in flight; the worker holding the most claims is killed
//! mid-batch (requests sent, the rest of its batch waiting), the fake drops its requests
//! unserved (its client hung up), and the rest go on. The kill
//! thus falls outside the window between the provider's answer and the store write, which no
//! client can close (README, "Token lifecycle": a killed process): what is tested is that
//! the killed worker's claims are taken over and nothing is refreshed twice.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oauth_core::{AccessToken, ClientSecret, Clock, ManualClock, RefreshToken, Token};
use oauth_fleet::{Budget, FleetEvent, KeepAlive, Keeper, KeeperSettings};
use oauth_lifecycle::store::{DueIndex, TokenStore};
use oauth_test_kit::FakeConfig;
use oauth_test_kit::Lifetimes;
use ringcentral_oauth::RingCentralClient;
use ringcentral_oauth::mock::{self, FakeRingCentral};

use crate::t0;

mod clock;
mod workers;

pub use clock::FileClock;
use workers::{Workers, kill_mid_batch};

/// One day.
pub const DAY: Duration = Duration::from_secs(24 * 3600);
/// How far the parent moves the clock per step.
const STEP: Duration = Duration::from_secs(6 * 3600);
/// The refresh tokens' lifetime at the fake (RingCentral's largest `refresh_token_ttl`).
const REFRESH_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);
/// Refreshes in flight per worker.
const CONCURRENCY: usize = 16;
/// A claim's lease, on the shared clock: shorter than a step, so a killed worker's claims
/// are due again at the next step.
const LEASE: Duration = Duration::from_secs(2 * 3600);
/// How long one step may take before the test fails.
const STEP_LIMIT: Duration = Duration::from_secs(60);

/// Worker-mode environment: the store to open, the clock file, the fake, the budget.
pub const STORE_ENV: &str = "OAUTH_FLEET_STORE";
const CLOCK_ENV: &str = "OAUTH_FLEET_CLOCK";
const SERVER_ENV: &str = "OAUTH_FLEET_SERVER";
const BUDGET_ENV: &str = "OAUTH_FLEET_BUDGET";

/// The size of one run.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    /// Connections.
    pub connections: usize,
    /// Worker processes.
    pub workers: usize,
    /// Refresh requests per second each worker may send.
    pub budget_per_worker: u32,
    /// The step at which a worker is killed.
    pub kill_at_step: usize,
}

fn policy() -> KeepAlive {
    KeepAlive::ringcentral()
}

/// When connection `i` of `n`'s refresh token lapses: spread from half a day to 27.5 days
/// after the start, so a few are due at the cold start and the rest through the month.
fn lapse(i: usize, n: usize) -> SystemTime {
    let spread = (27 * DAY).as_millis() as u64 * i as u64 / n.max(1) as u64;
    t0() + DAY / 2 + Duration::from_millis(spread)
}

/// The key of connection `i`.
pub fn key(i: usize) -> String {
    format!("customer-{i:06}")
}

/// Worker mode: a keeper over the store `open` gives, until stdin closes.
#[allow(clippy::print_stderr, reason = "a worker reports trouble on stderr")]
pub fn work<S, Fut>(open: impl FnOnce() -> Fut)
where
    S: TokenStore + DueIndex + Clone,
    Fut: std::future::Future<Output = S>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    // Opened on the runtime that uses it: its connections' tasks live there.
    let store = rt.block_on(open());
    let clock = Arc::new(FileClock::new(Path::new(
        &std::env::var(CLOCK_ENV).unwrap(),
    )));
    let budget: u32 = std::env::var(BUDGET_ENV).unwrap().parse().unwrap();
    let client = RingCentralClient::builder(mock::CLIENT_ID)
        .client_secret(ClientSecret::new(mock::CLIENT_SECRET))
        .base_url(std::env::var(SERVER_ENV).unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let listener_clock = clock.clone();
    let keeper = Keeper::builder(Arc::new(client), store, policy())
        .budget(Budget::per_second(budget))
        .clock(clock)
        .settings(KeeperSettings {
            batch: CONCURRENCY,
            concurrency: CONCURRENCY,
            lease: LEASE,
            idle: Duration::from_millis(10),
            backoff: Duration::from_secs(3600),
            max_backoff: STEP,
            lock_ttl: Duration::from_secs(3),
        })
        .on_event(move |event| match event {
            FleetEvent::Claimed { count } => {
                // The parent counts each worker's claims of a step to know what it has in
                // flight; the time says which step (a line can reach it late).
                let at = listener_clock
                    .now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap()
                    .as_millis();
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "claimed {count} at {at}");
                let _ = out.flush();
            }
            FleetEvent::Failed { key, error, .. } => eprintln!("failed {key}: {error}"),
            FleetEvent::Dead { key, error } => eprintln!("dead {key}: {error}"),
            _ => {}
        })
        .build();
    let stdin_closed = async {
        let _ = tokio::task::spawn_blocking(|| {
            let mut sink = Vec::new();
            let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut sink);
        })
        .await;
    };
    rt.block_on(keeper.run(stdin_closed));
}

/// Waits until `done` holds, failing the test after `limit` with `what`.
fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not within {limit:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The parent: seeds the store `open` gives, runs the month, checks the outcome. `schedule`:
/// whether each new connection is put in the due index as the registry's `connect` does
/// (else PostgreSQL's rows are due on write, and the keepers' first look schedules them).
#[allow(clippy::print_stderr, reason = "the run's figures, for the log")]
pub fn run<S, Fut>(
    open: impl FnOnce() -> Fut,
    worker_store: &str,
    test: &str,
    scenario: Scenario,
    schedule: bool,
) where
    S: TokenStore + DueIndex + Clone,
    Fut: std::future::Future<Output = S>,
{
    let started = Instant::now();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(open());
    let fake_clock = Arc::new(ManualClock::new(t0()));
    let config = FakeConfig::new(mock::CLIENT_ID, Some(mock::CLIENT_SECRET.into()))
        .lifetimes(Lifetimes {
            access: Some(Duration::from_secs(3600)),
            refresh: Some(REFRESH_LIFETIME),
            ..Lifetimes::default()
        })
        .clock(fake_clock.clone());
    let fake = FakeRingCentral::start_with(config).unwrap();
    // A refresh token spent twice would revoke its grant (and show in `live_grants`).
    fake.grants().set_revoke_on_reuse(true);
    let n = scenario.connections;

    // Connections made over the past month, each at its own time.
    rt.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..n {
            let issued_at = lapse(i, n) - REFRESH_LIFETIME;
            let issued = fake.grants().issue_grant_at(mock::CLIENT_ID, issued_at);
            let token = Token::new(AccessToken::new(issued.access_token.clone()), issued_at)
                .with_expires_in(issued.expires_in)
                .with_refresh_token(issued.refresh_token.clone().map(RefreshToken::new))
                .with_refresh_token_expires_at(Some(lapse(i, n)));
            let store = store.clone();
            tasks.spawn(async move {
                store.compare_and_swap(&key(i), None, &token).await.unwrap();
                if schedule {
                    // As the registry's `connect` does.
                    let due = policy().next_refresh(&key(i), &token).unwrap();
                    store.schedule(&key(i), due).await.unwrap();
                }
            });
            while tasks.len() >= 32 {
                tasks.join_next().await.unwrap().unwrap();
            }
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap();
        }
    });
    eprintln!("seeded {n} connections in {:?}", started.elapsed());

    let dir = std::env::temp_dir().join(format!("oauth-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let clock_file = dir.join("clock");
    FileClock::set(&clock_file, t0());
    let exe = std::env::current_exe().unwrap();
    let budget = scenario.budget_per_worker.to_string();
    let mut workers = Workers(
        (0..scenario.workers)
            .map(|_| {
                Command::new(&exe)
                    .args(["--exact", test, "--nocapture", "--test-threads=1"])
                    .env(STORE_ENV, worker_store)
                    .env(CLOCK_ENV, &clock_file)
                    .env(SERVER_ENV, fake.base_url())
                    .env(BUDGET_ENV, &budget)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect(),
    );
    // Each worker's "claimed N at T" lines, as (worker, N, T).
    let (claims_tx, claims) = std::sync::mpsc::channel::<(usize, usize, u128)>();
    for (w, child) in workers.0.iter_mut().enumerate() {
        let out = child.stdout.take().unwrap();
        let tx = claims_tx.clone();
        std::thread::spawn(move || {
            for line in std::io::BufRead::lines(std::io::BufReader::new(out)).map_while(Result::ok)
            {
                let parsed = line.strip_prefix("claimed ").and_then(|rest| {
                    let (n, at) = rest.split_once(" at ")?;
                    Some((n.parse().ok()?, at.parse().ok()?))
                });
                if let Some((n, at)) = parsed {
                    let _ = tx.send((w, n, at));
                }
            }
        });
    }

    let end = t0() + 28 * DAY;
    let mut now = t0();
    let mut step = 0;
    let mut killed = false;
    while now <= end {
        FileClock::set(&clock_file, now);
        let kill_now = step == scenario.kill_at_step;
        if kill_now {
            fake.hold_requests();
        }
        // The fake's clock moves with the workers': tokens it issues live 30 days from now.
        fake_clock_to(&fake_clock, now);
        if kill_now {
            kill_mid_batch(&mut workers, &claims, &fake, now);
            killed = true;
        }
        wait_until(STEP_LIMIT, &format!("step {step} done"), || {
            let backlog = rt.block_on(store.backlog(now)).unwrap();
            // The killed worker's claims stay in flight until a later step lapses them.
            backlog.due == 0 && (backlog.in_flight == 0 || kill_now)
        });
        now += STEP;
        step += 1;
    }
    for child in &mut workers.0 {
        drop(child.stdin.take());
    }
    for child in &mut workers.0 {
        assert!(child.wait().unwrap().success(), "a worker failed");
    }
    let counts = fake.counts();
    let peak = fake.grants().request_peak(Duration::from_secs(1));
    eprintln!(
        "{n} connections, {} workers, {step} steps in {:?}: {counts:?}, peak {peak}/s",
        scenario.workers,
        started.elapsed()
    );

    assert!(killed, "the kill step was reached");
    assert_eq!(counts.reused, 0, "no refresh token was spent twice");
    assert_eq!(counts.refresh_expired, 0, "no refresh token lapsed");
    // Every refresh token lapses within the month, and a refreshed one lives past its end:
    // n refreshes in all means each connection was refreshed exactly once.
    assert_eq!(
        counts.refresh, n as u64,
        "each connection refreshed exactly once"
    );
    assert_eq!(fake.grants().live_grants(), n, "no grant was revoked");
    // The pacer lets a worker send one request per 1/budget s: at most budget + 1 in any
    // second, cold start included.
    let limit = scenario.workers * (scenario.budget_per_worker as usize + 1);
    assert!(peak <= limit, "{peak} requests in one second, over {limit}");
    // The store holds each connection's rotated token (a sample: every 50th).
    rt.block_on(async {
        for i in (0..n).step_by(50) {
            let stored = store.load(&key(i)).await.unwrap().unwrap().token;
            assert!(stored.refusal().is_none());
            assert!(
                stored.refresh_token_expires_at().unwrap() > end,
                "{}",
                key(i)
            );
        }
    });
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::io::stderr().flush();
}

fn fake_clock_to(clock: &ManualClock, at: SystemTime) {
    if let Ok(by) = at.duration_since(clock.now()) {
        clock.advance(by);
    }
}
