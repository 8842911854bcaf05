//! The fleet scenario of `fleet_postgres.rs`, smaller, over Redis: 5,000 RingCentral
//! connections, three worker processes running a keeper (the due index a sorted set beside
//! the per-key locks), one killed with `kill -9` mid-batch, a simulated month.
//!
//! Run with `--features mock,redis`; the test starts its own redis-server on 127.0.0.1.

use oauth_lifecycle::store::RedisStore;
use oauth_sdk_tests::RedisServer;
use oauth_sdk_tests::fleet::{self, STORE_ENV, Scenario};

const PREFIX: &str = "fleet";

#[test]
fn five_thousand_connections_three_workers_one_killed() {
    if let Ok(url) = std::env::var(STORE_ENV) {
        return fleet::work(|| async move { RedisStore::connect(&url, PREFIX).await.unwrap() });
    }
    let server = RedisServer::start();
    let url = server.url();
    fleet::run(
        || async move { RedisStore::connect(&url, PREFIX).await.unwrap() },
        &server.url(),
        "five_thousand_connections_three_workers_one_killed",
        Scenario {
            connections: 5_000,
            workers: 3,
            // Low enough to bind (the workers go faster without it), so the peak check
            // tests the pacing.
            budget_per_worker: 100,
            kill_at_step: 40,
        },
        true,
    );
}
