//! RedisStore's key listing (for `EncryptedStore::rewrap_all`) against a real `redis-server`:
//! only the token documents under its own prefix, found with SCAN over several rounds.
//!
//! `redis-server` must be installed: its absence fails the tests.

#![cfg(feature = "redis")]

use std::time::Duration;

use oauth_lifecycle::store::{RedisStore, TokenStore};
use oauth_sdk_tests::RedisServer;
use oauth_sdk_tests::store_contract;

async fn set(conn: &mut redis::aio::MultiplexedConnection, key: &str, value: &str) {
    let _: () = redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async(conn)
        .await
        .unwrap();
}

async fn sorted(store: &RedisStore) -> Vec<String> {
    let mut keys = store.list_keys().await.unwrap();
    keys.sort();
    keys
}

#[tokio::test]
async fn lists_the_token_keys_of_its_prefix_only() {
    let server = RedisServer::start();
    // Glob characters in the prefix are escaped in SCAN's pattern: unescaped, `[1]` would
    // match only `1`, and none of this store's own keys.
    let store = RedisStore::connect(&server.url(), "t[1]*").await.unwrap();
    assert!(sorted(&store).await.is_empty());
    for key in ["acct", "b.2", "c_3-x"] {
        store
            .compare_and_swap(key, None, &store_contract::token("list", 1))
            .await
            .unwrap();
    }
    // A lock with no document, another prefix (which the unescaped pattern would match), a
    // prefix that merely starts the same, a value of another type, and names that are no
    // store key: none of them is a token of this store.
    let _lock = store
        .try_lock("locked", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free");
    let _held = store
        .try_lock("acct", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free");
    let other = RedisStore::connect(&server.url(), "t1x").await.unwrap();
    other
        .compare_and_swap("theirs", None, &store_contract::token("other", 1))
        .await
        .unwrap();
    let mut conn = server.connection().await;
    set(&mut conn, "t[1]*x:token:near", "{}").await;
    set(&mut conn, "t[1]*:token:a:b", "{}").await;
    set(&mut conn, "t[1]*:token:.hidden", "{}").await;
    set(&mut conn, "t[1]*:other:acct2", "{}").await;
    let _: () = redis::cmd("HSET")
        .arg("t[1]*:token:hash")
        .arg("version")
        .arg("1")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(sorted(&store).await, ["acct", "b.2", "c_3-x"]);
    assert_eq!(sorted(&other).await, ["theirs"]);
}

/// Far more keys than one SCAN round looks at: every one is listed, each once.
#[tokio::test]
async fn lists_every_key_across_many_scan_rounds() {
    let server = RedisServer::start();
    let store = RedisStore::connect(&server.url(), "many").await.unwrap();
    store
        .compare_and_swap("k0000", None, &store_contract::token("many", 1))
        .await
        .unwrap();
    let mut conn = server.connection().await;
    let doc: Vec<u8> = redis::cmd("GET")
        .arg("many:token:k0000")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut expected: Vec<String> = (0..2500).map(|i| format!("k{i:04}")).collect();
    let mut mset = redis::cmd("MSET");
    for key in &expected[1..] {
        mset.arg(format!("many:token:{key}")).arg(&doc);
        // Unrelated keys in between, so MATCH filters inside every round.
        mset.arg(format!("noise:token:{key}")).arg("{}");
    }
    let _: () = mset.query_async(&mut conn).await.unwrap();
    let listed = sorted(&store).await;
    assert_eq!(listed.len(), expected.len());
    expected.sort();
    assert_eq!(listed, expected);
    // Each listed key holds a readable token.
    assert_eq!(
        store
            .load("k2499")
            .await
            .unwrap()
            .unwrap()
            .token
            .access_token()
            .secret(),
        "many-access-1"
    );
}
