//! RedisStore against a real `redis-server` (one per test): documents, compare-and-swap,
//! unreadable values, the refresh lock, and outages (a killed or frozen server).
//!
//! `redis-server` must be installed: its absence fails the tests.

#![cfg(feature = "redis")]

use std::future::Future;
use std::time::{Duration, Instant};

use oauth_core::{StoreErrorKind, Token};
use oauth_lifecycle::store::{RedisStore, RefreshLock, TokenStore};
use oauth_sdk_tests::RedisServer;
use oauth_sdk_tests::store_contract;

fn token(n: u64) -> Token {
    store_contract::token("redis", n)
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    server.connection().await
}

async fn get(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<Vec<u8>> {
    redis::cmd("GET").arg(key).query_async(conn).await.unwrap()
}

#[tokio::test]
async fn round_trip_keeps_the_token_under_the_prefixed_key() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    assert!(store.is_shared());
    assert!(store.load("acct").await.unwrap().is_none());
    assert_eq!(
        store
            .compare_and_swap("acct", None, &token(1))
            .await
            .unwrap(),
        1
    );
    let loaded = store.load("acct").await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.token.access_token().secret(), "redis-access-1");
    assert_eq!(
        loaded.token.refresh_token().unwrap().secret(),
        "redis-refresh-1"
    );
    assert_eq!(loaded.token.expires_at(), token(1).expires_at());
    assert_eq!(loaded.token.received_at(), token(1).received_at());
    assert_eq!(loaded.token.scopes(), ["read", "write"]);

    // The value is the shared JSON document, versioned, under `<prefix>:token:<key>`.
    let mut conn = raw(&server).await;
    let doc: serde_json::Value =
        serde_json::from_slice(&get(&mut conn, "t:token:acct").await.unwrap()).unwrap();
    assert_eq!(doc["format"], "oauth-core.token");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["token"]["access_token"], "redis-access-1");

    // Another prefix is another namespace; invalid keys are refused.
    let other = RedisStore::connect(&server.url(), "u").await.unwrap();
    assert!(other.load("acct").await.unwrap().is_none());
    assert!(store.load("a:b").await.is_err());
    assert!(
        store
            .try_lock("../x", Duration::from_secs(1))
            .await
            .is_err()
    );
    let debug = format!("{store:?}");
    assert!(
        debug.contains("\"t\"") && !debug.contains("127.0.0.1"),
        "{debug}"
    );
}

#[tokio::test]
async fn compare_and_swap_rejects_stale_versions_and_accepts_the_current_one() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store,
        "redis",
        "t:token:acct",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_separate_connections_lose_no_update() {
    let server = RedisServer::start();
    let stores = [
        RedisStore::connect(&server.url(), "t").await.unwrap(),
        RedisStore::connect(&server.url(), "t").await.unwrap(),
    ];
    store_contract::concurrent_writers_lose_no_update(stores, "redis").await;
}

#[tokio::test]
async fn unreadable_values_are_corrupt_and_never_overwritten() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    let mut conn = raw(&server).await;
    let valid = |format_version: u64| {
        serde_json::json!({"format": "oauth-core.token", "format_version": format_version,
            "version": 3, "token": {"access_token": "stored-secret", "received_at_ms": 1}})
        .to_string()
    };
    let cases = [
        ("garbage", "not json at all: stored-secret".to_owned()),
        ("truncated", valid(1)[..valid(1).len() - 5].to_owned()),
        ("foreign_version", valid(99)),
        (
            "foreign_format",
            valid(1).replace("oauth-core.token", "someone-else"),
        ),
        (
            "no_token",
            r#"{"format":"oauth-core.token","format_version":1,"version":3}"#.to_owned(),
        ),
        (
            "bad_token",
            valid(1).replace("\"stored-secret\"", "[\"stored-secret\"]"),
        ),
    ];
    for (key, value) in &cases {
        let redis_key = format!("t:token:{key}");
        let _: () = redis::cmd("SET")
            .arg(&redis_key)
            .arg(value)
            .query_async(&mut conn)
            .await
            .unwrap();
        let e = store.load(key).await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Corrupt, "{key}: {e}");
        assert!(e.message.contains(&redis_key), "{key}: {e}");
        assert!(!e.message.contains("stored-secret"), "{key}: {e}");
        for expected in [None, Some(3)] {
            let e = store
                .compare_and_swap(key, expected, &token(1))
                .await
                .unwrap_err();
            assert_eq!(e.kind, StoreErrorKind::Corrupt, "{key} {expected:?}: {e}");
            assert!(e.message.contains(&redis_key), "{key}: {e}");
        }
        assert_eq!(
            get(&mut conn, &redis_key).await.unwrap(),
            value.as_bytes(),
            "{key}"
        );
    }

    // A value of another type under our key is not ours either.
    let _: () = redis::cmd("HSET")
        .arg("t:token:hash")
        .arg("version")
        .arg("3")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        store.load("hash").await.unwrap_err().kind,
        StoreErrorKind::Corrupt
    );
    assert_eq!(
        store
            .compare_and_swap("hash", Some(3), &token(1))
            .await
            .unwrap_err()
            .kind,
        StoreErrorKind::Corrupt
    );
    let version: String = redis::cmd("HGET")
        .arg("t:token:hash")
        .arg("version")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(version, "3");
}

#[tokio::test]
async fn the_refresh_lock_is_exclusive_and_only_its_owner_releases_it() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    let other_process = RedisStore::connect(&server.url(), "t").await.unwrap();
    let ttl = Duration::from_secs(30);
    let held = store.try_lock("acct", ttl).await.unwrap().expect("free");
    assert!(held.owner().len() >= 22, "128 random bits, base64");
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    assert!(other_process.try_lock("acct", ttl).await.unwrap().is_none());
    // Other keys have their own locks.
    assert!(store.try_lock("other", ttl).await.unwrap().is_some());

    // A release by anyone but the owner does nothing.
    for stranger in [RefreshLock::new("not-the-owner"), RefreshLock::new("local")] {
        other_process.unlock("acct", &stranger).await.unwrap();
        assert!(other_process.try_lock("acct", ttl).await.unwrap().is_none());
    }
    let mut conn = raw(&server).await;
    assert_eq!(
        get(&mut conn, "t:lock:acct").await.unwrap(),
        held.owner().as_bytes()
    );

    // The owner's release frees it, for any process.
    store.unlock("acct", &held).await.unwrap();
    assert!(get(&mut conn, "t:lock:acct").await.is_none());
    let again = other_process
        .try_lock("acct", ttl)
        .await
        .unwrap()
        .expect("released");
    assert_ne!(again.owner(), held.owner());
    // The former owner's late release must not free the new holder's lock.
    store.unlock("acct", &held).await.unwrap();
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
}

#[tokio::test]
async fn the_refresh_lock_expires_after_its_ttl() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    // The TTL reaches Redis as given. A minute: no stall of the machine outlasts it, so the
    // lock is surely still held while a connection opens to read it.
    let long = Duration::from_secs(60);
    let held = store.try_lock("acct", long).await.unwrap().expect("free");
    assert!(
        store.try_lock("acct", long).await.unwrap().is_none(),
        "acquirable right after being taken"
    );
    let mut conn = raw(&server).await;
    let pttl: i64 = redis::cmd("PTTL")
        .arg("t:lock:acct")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(30_000 < pttl && pttl <= 60_000, "PTTL {pttl}");
    store.unlock("acct", &held).await.unwrap();

    // A holder that never releases loses the lock once the TTL has passed, and not before:
    // bounded from below only, which a stall cannot break.
    let ttl = Duration::from_millis(200);
    let start = Instant::now();
    let _abandoned = store.try_lock("acct", ttl).await.unwrap().expect("free");
    let taken = store_contract::wait_until_free(&store, "acct", ttl).await;
    assert!(
        start.elapsed() >= ttl - Duration::from_millis(20),
        "acquirable after {:?}",
        start.elapsed()
    );
    store.unlock("acct", &taken).await.unwrap();
}

/// A store call, reduced to whether it failed.
type Call<'a> = std::pin::Pin<Box<dyn Future<Output = bool> + 'a>>;

/// Every kind of store call fails within `bound`, three times over. (The write expects a
/// version the key is not at: a timed-out command may still run once the server answers.)
async fn every_call_fails_within(store: &RedisStore, bound: Duration) {
    let held = RefreshLock::new("someone");
    for round in 0..3 {
        let calls: [(&str, Call<'_>); 4] = [
            (
                "load",
                Box::pin(async { store.load("acct").await.is_err() }),
            ),
            (
                "compare_and_swap",
                Box::pin(async {
                    store
                        .compare_and_swap("acct", Some(7), &token(2))
                        .await
                        .is_err()
                }),
            ),
            (
                "try_lock",
                Box::pin(async {
                    store
                        .try_lock("acct", Duration::from_secs(30))
                        .await
                        .is_err()
                }),
            ),
            (
                "unlock",
                Box::pin(async { store.unlock("acct", &held).await.is_err() }),
            ),
        ];
        for (name, call) in calls {
            let start = Instant::now();
            // The outer limit only keeps a failing test from hanging for minutes.
            let failed = tokio::time::timeout(bound * 3, call)
                .await
                .unwrap_or_else(|_| {
                    panic!("round {round}: {name} still waiting after {:?}", bound * 3)
                });
            let took = start.elapsed();
            assert!(failed, "round {round}: {name} succeeded during the outage");
            assert!(
                took <= bound,
                "round {round}: {name} took {took:?}, over {bound:?}"
            );
        }
    }
}

/// Calls `load` until it succeeds; fails if that takes longer than `bound`. Returns how many
/// calls failed first.
async fn recovers_within(store: &RedisStore, bound: Duration) -> usize {
    let start = Instant::now();
    let mut failures = 0;
    loop {
        match tokio::time::timeout(bound, store.load("acct")).await {
            Ok(Ok(_)) => return failures,
            Ok(Err(e)) => {
                failures += 1;
                assert!(
                    start.elapsed() < bound,
                    "not recovered after {:?}: {e}",
                    start.elapsed()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(_) => panic!("a call after the recovery waited over {bound:?}"),
        }
    }
}

#[tokio::test]
async fn a_killed_server_fails_calls_within_the_command_timeout_and_recovery_is_immediate() {
    let mut server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    store
        .compare_and_swap("acct", None, &token(1))
        .await
        .unwrap();

    server.stop();
    every_call_fails_within(&store, RedisStore::COMMAND_TIMEOUT).await;

    server.restart();
    assert_eq!(
        recovers_within(&store, Duration::from_secs(2)).await,
        0,
        "the first call after Redis came back failed"
    );
    // The new server is empty; the store writes to it.
    assert!(store.load("acct").await.unwrap().is_none());
    assert_eq!(
        store
            .compare_and_swap("acct", None, &token(3))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_frozen_server_fails_calls_within_the_given_timeout_and_recovery_is_prompt() {
    let server = RedisServer::start();
    let timeout = Duration::from_millis(300);
    let store =
        RedisStore::connect_with_timeouts(&server.url(), "t", Duration::from_millis(200), timeout)
            .await
            .unwrap();
    store
        .compare_and_swap("acct", None, &token(1))
        .await
        .unwrap();

    server.pause();
    // Scheduling slack on a busy machine: the bound is the timeout plus 200 ms.
    every_call_fails_within(&store, timeout + Duration::from_millis(200)).await;

    server.resume();
    recovers_within(&store, Duration::from_secs(2)).await;
    assert_eq!(store.load("acct").await.unwrap().unwrap().version, 1);
}
