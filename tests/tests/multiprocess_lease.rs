//! A provider slower than the refresh lock's lease, two OS processes sharing Redis or
//! PostgreSQL: the lease is a second, the refresh takes two and a half. The holder extends its
//! lease while the provider answers, so the other process waits and adopts the result instead
//! of taking the lapsed lock and spending the same refresh token again (which a provider with
//! reuse detection answers by revoking the grant). Before leases were extended, `rt-0` was
//! sent twice here and the second process got a conflict.
//!
//! Run with `--features redis,postgres`; each test starts its own server on 127.0.0.1.

#![cfg(any(feature = "redis", feature = "postgres"))]

use std::time::Duration;

use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_lifecycle::store::TokenStore;
use oauth_sdk_tests::multiprocess::{
    KEY, WORKER_STORE, Workers, first_token, open_store, serve_with,
};
use serde_json::json;

/// The lease every worker takes: shorter than the provider's answer.
const LEASE: Duration = Duration::from_secs(1);
/// How long the provider takes to answer the refresh.
const SLOW: Duration = Duration::from_millis(2500);

/// The parent: a slow rotating server, the first token in `store`, two workers of `test`;
/// both must get the one new token, and `rt-0` must be sent once.
fn run<S: TokenStore>(rt: &tokio::runtime::Runtime, store: &S, worker_store: &str, test: &str) {
    let server = rt.block_on(MockServer::start_async());
    let rotating = rt.block_on(server.mock_async(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .form_urlencoded_tuple("refresh_token", "rt-0");
        then.status(200).delay(SLOW).json_body(json!({
            "access_token": "at-1",
            "refresh_token": "rt-1",
            "expires_in": 3600,
            "token_type": "bearer"
        }));
    }));
    rt.block_on(store.compare_and_swap(KEY, None, &first_token()))
        .unwrap();

    let mut workers = Workers::spawn(
        2,
        test,
        &[
            (WORKER_STORE, worker_store),
            ("OAUTH_MP_SERVER", &server.base_url()),
        ],
    );
    for answer in workers.round(1) {
        assert_eq!(answer, "1 at-1");
    }
    workers.finish();
    assert_eq!(
        rt.block_on(rotating.calls_async()),
        1,
        "rt-0 was spent by both processes"
    );
    let stored = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-1");
}

/// One worker: a source with a one-second lease that waits up to ten seconds for another
/// holder's token.
async fn serve<S: TokenStore>(store: S) {
    serve_with(store, |builder| {
        builder
            .lock_timing(LEASE, Duration::from_secs(10))
            .poll_interval(Duration::from_millis(20))
    })
    .await;
}

fn worker(store: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { serve(open_store(store, "lease").await).await });
}

#[cfg(feature = "redis")]
#[test]
fn a_slow_provider_outlasting_the_redis_lease_is_refreshed_once() {
    if let Ok(store) = std::env::var(WORKER_STORE) {
        return worker(&store);
    }
    let redis = oauth_sdk_tests::RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(oauth_lifecycle::store::RedisStore::connect(
            &redis.url(),
            "lease",
        ))
        .unwrap();
    run(
        &rt,
        &store,
        &format!("redis:{}", redis.url()),
        "a_slow_provider_outlasting_the_redis_lease_is_refreshed_once",
    );
}

#[cfg(feature = "postgres")]
#[test]
fn a_slow_provider_outlasting_the_postgres_lease_is_refreshed_once() {
    if let Ok(store) = std::env::var(WORKER_STORE) {
        return worker(&store);
    }
    let postgres = oauth_sdk_tests::PostgresServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(oauth_lifecycle::store::PostgresStore::connect(
            &postgres.url(),
            "oauth_tokens",
        ))
        .unwrap();
    rt.block_on(store.migrate()).unwrap();
    run(
        &rt,
        &store,
        &format!("postgres:{}", postgres.url()),
        "a_slow_provider_outlasting_the_postgres_lease_is_refreshed_once",
    );
}
