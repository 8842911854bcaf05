//! The keeper and the registry at scale (`oauth-fleet`).
//!
//! `cargo run --release -p oauth-sdk-bench --bin fleet` (options: `--connections N`, default
//! 20,000; `--registry N`, default 100,000; `--live N`, default 1,000):
//! - one keeper over PostgreSQL (a server of its own on 127.0.0.1, as the tests start one)
//!   against the RingCentral fake at zero latency, every connection due: claims and
//!   refreshes per second of that one worker, and the same with two keepers in one process;
//! - the resident memory of a registry holding `--registry` connections (in a `MemoryStore`)
//!   of which `--live` have a live token source, after every connection was asked for once.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use oauth_core::{AccessToken, Clock, ManualClock, RefreshToken, Token};
use oauth_fleet::{Budget, KeepAlive, Keeper, KeeperSettings, Registry};
use oauth_lifecycle::store::{DueIndex, MemoryStore, PostgresStore, TokenStore};
use oauth_sdk_tests::postgres::PostgresServer;
use oauth_test_kit::{FakeConfig, Lifetimes};
use ringcentral_oauth::RingCentralClient;
use ringcentral_oauth::mock::{self, FakeRingCentral};

const DAY: Duration = Duration::from_secs(24 * 3600);

#[path = "../resources.rs"]
mod resources;

use resources::rss_kb;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| v.parse().expect("a number"))
}

/// A RingCentral-shaped token of a grant issued 29.5 days before `at` (30-day refresh
/// tokens), so lapsing in 12 h: due for the keeper at once.
fn token(fake: &FakeRingCentral, at: SystemTime) -> Token {
    let issued = fake
        .grants()
        .issue_grant_at(mock::CLIENT_ID, at - 30 * DAY + DAY / 2);
    Token::new(
        AccessToken::new(issued.access_token.clone()),
        issued.issued_at,
    )
    .with_expires_in(issued.expires_in)
    .with_refresh_token(issued.refresh_token.clone().map(RefreshToken::new))
    .with_refresh_token_expires_at(Some(at + DAY / 2))
}

async fn seed<S: TokenStore + DueIndex + Clone>(
    store: &S,
    fake: &FakeRingCentral,
    now: SystemTime,
    keys: std::ops::Range<usize>,
) {
    let mut tasks = tokio::task::JoinSet::new();
    for i in keys {
        let token = token(fake, now);
        let store = store.clone();
        tasks.spawn(async move {
            let key = format!("c-{i:07}");
            store.compare_and_swap(&key, None, &token).await.unwrap();
            store.schedule(&key, now).await.unwrap();
        });
        while tasks.len() >= 32 {
            tasks.join_next().await.unwrap().unwrap();
        }
    }
    while tasks.join_next().await.is_some() {}
}

/// Every connection due: the keepers work until none is left; refreshes per second.
async fn keep(
    keepers: &[Keeper<Arc<RingCentralClient>, PostgresStore>],
    store: &PostgresStore,
    now: SystemTime,
) -> (u64, f64) {
    let started = Instant::now();
    let mut running = tokio::task::JoinSet::new();
    for keeper in keepers {
        let keeper = keeper.clone();
        running.spawn(async move { while keeper.run_once().await.unwrap() > 0 {} });
    }
    while running.join_next().await.is_some() {}
    let elapsed = started.elapsed().as_secs_f64();
    assert_eq!(store.backlog(now).await.unwrap().due, 0);
    let refreshed: u64 = keepers.iter().map(|k| k.figures().refreshed).sum();
    let failed: u64 = keepers
        .iter()
        .map(|k| k.figures().failed + k.figures().dead)
        .sum();
    assert_eq!(failed, 0, "every refresh succeeded");
    (refreshed, elapsed)
}

fn main() {
    let n = arg("--connections", 20_000);
    let registry_n = arg("--registry", 100_000);
    let live = arg("--live", 1_000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    let server = PostgresServer::start();
    let clock = Arc::new(ManualClock::new(SystemTime::now()));
    let config = FakeConfig::new(mock::CLIENT_ID, Some(mock::CLIENT_SECRET.into()))
        .lifetimes(Lifetimes {
            refresh: Some(30 * DAY),
            ..Lifetimes::default()
        })
        .clock(clock.clone());
    let fake = FakeRingCentral::start_with(config).unwrap();
    let client = Arc::new(fake.client());
    let now = clock.now();
    rt.block_on(async {
        let store = PostgresStore::connect(&server.url(), "fleet_bench")
            .await
            .unwrap();
        store.migrate().await.unwrap();
        let keeper = |store: &PostgresStore| {
            Keeper::builder(client.clone(), store.clone(), KeepAlive::ringcentral())
                .budget(Budget::unlimited())
                .clock(clock.clone())
                .settings(KeeperSettings {
                    batch: 200,
                    concurrency: 32,
                    ..KeeperSettings::default()
                })
                .build()
        };
        seed(&store, &fake, now, 0..n).await;
        let (refreshed, secs) = keep(&[keeper(&store)], &store, now).await;
        println!(
            "one keeper over PostgreSQL: {refreshed} claimed and refreshed in {secs:.2} s: \
             {:.0}/s",
            refreshed as f64 / secs
        );
        seed(&store, &fake, now, n..2 * n).await;
        let (refreshed, secs) = keep(&[keeper(&store), keeper(&store)], &store, now).await;
        println!(
            "two keepers in one process: {refreshed} in {secs:.2} s: {:.0}/s in all",
            refreshed as f64 / secs
        );
        assert_eq!(fake.counts().reused, 0);
    });

    let before = rss_kb();
    let store = Arc::new(MemoryStore::new());
    rt.block_on(seed(&store, &fake, now, 0..registry_n));
    let stored = rss_kb();
    let registry = Registry::new(
        client.clone(),
        store.clone(),
        KeepAlive::ringcentral(),
        NonZeroUsize::new(live).unwrap(),
    )
    .with_clock(clock.clone());
    rt.block_on(async {
        for i in 0..registry_n {
            registry.get(&format!("c-{i:07}")).await.unwrap();
        }
    });
    let after = rss_kb();
    println!(
        "registry of {registry_n} connections, {} live: store {} KB ({} B per connection), \
         registry {} KB above it",
        registry.live(),
        stored.saturating_sub(before),
        stored.saturating_sub(before) * 1024 / registry_n.max(1) as u64,
        after.saturating_sub(stored)
    );
}
