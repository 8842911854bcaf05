//! RedisStore against a real redis-server: documents, compare-and-swap and the refresh lock.

#![cfg(feature = "redis")]

use std::time::{Duration, Instant, UNIX_EPOCH};

use oauth_core::store::{RedisStore, RefreshLock, TokenStore};
use oauth_core::{AccessToken, RefreshToken, StoreErrorKind, Token};
use oauth_sdk_tests::RedisServer;

fn token(n: u64) -> Token {
    Token::new(
        AccessToken::new(format!("redis-access-{n}")),
        UNIX_EPOCH + Duration::from_secs(1_800_000_000),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new(format!("redis-refresh-{n}"))))
}

async fn raw(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(server.url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

#[tokio::test]
async fn round_trip_and_compare_and_swap() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
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
    assert_eq!(
        loaded.token.refresh_token().unwrap().secret(),
        "redis-refresh-1"
    );
    assert_eq!(loaded.token.expires_at(), token(1).expires_at());

    let e = store
        .compare_and_swap("acct", None, &token(2))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
    assert!(!e.to_string().contains("redis-"), "{e}");
    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(3))
            .await
            .unwrap_err()
            .kind,
        StoreErrorKind::Conflict
    );
    // Another prefix is another namespace.
    let other = RedisStore::connect(&server.url(), "u").await.unwrap();
    assert!(other.load("acct").await.unwrap().is_none());
}

#[tokio::test]
async fn foreign_documents_are_reported_and_kept() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    let mut conn = raw(&server).await;
    let _: () = redis::cmd("HSET")
        .arg("t:token:acct")
        .arg("version")
        .arg("4")
        .arg("doc")
        .arg("{\"format\":\"something-else\"}")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        store.load("acct").await.unwrap_err().kind,
        StoreErrorKind::Corrupt
    );
    let e = store
        .compare_and_swap("acct", Some(4), &token(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Corrupt);
    let doc: String = redis::cmd("HGET")
        .arg("t:token:acct")
        .arg("doc")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(doc, "{\"format\":\"something-else\"}");
}

#[tokio::test]
async fn the_refresh_lock_is_exclusive_owned_and_expires() {
    let Some(server) = RedisServer::start() else {
        return;
    };
    let store = RedisStore::connect(&server.url(), "t").await.unwrap();
    assert!(store.is_shared());
    let ttl = Duration::from_millis(300);
    let held = store.try_lock("acct", ttl).await.unwrap().expect("free");
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    // Someone else's release does nothing.
    store
        .unlock("acct", &RefreshLock::new("not-the-owner"))
        .await
        .unwrap();
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    store.unlock("acct", &held).await.unwrap();
    let again = store
        .try_lock("acct", ttl)
        .await
        .unwrap()
        .expect("released");
    assert_ne!(again.owner(), held.owner());

    // A holder that never releases loses the lock after its TTL.
    let start = Instant::now();
    let taken = loop {
        if let Some(lock) = store.try_lock("acct", ttl).await.unwrap() {
            break lock;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the lock never expired"
        );
        tokio::task::yield_now().await;
    };
    assert!(
        start.elapsed() >= Duration::from_millis(200),
        "{:?}",
        start.elapsed()
    );
    // The expired holder's late release must not free the new holder's lock.
    store.unlock("acct", &again).await.unwrap();
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    store.unlock("acct", &taken).await.unwrap();
}
