//! PostgresStore against a real PostgreSQL server (one per test, started by the test):
//! the table and its migration, the store contract, unreadable rows, the refresh lease, and
//! dropped connections, restarts and a full pool.
//!
//! Needs PostgreSQL's binaries (Debian: `apt-get install postgresql`); run with
//! `cargo test -p oauth-sdk-tests --features postgres --test postgres_store`.

#![cfg(feature = "postgres")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use oauth_core::{AccessToken, Provider, RefreshToken, RefreshTokenGrant, StoreErrorKind, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::deadpool_postgres::{
    Manager, ManagerConfig, Pool, RecyclingMethod, Runtime,
};
use oauth_lifecycle::store::{PostgresStore, TokenStore};
use oauth_sdk_tests::{PostgresServer, clock, store_contract, t0};
use tokio::sync::Notify;
use tokio_postgres::NoTls;

fn token(n: u64) -> Token {
    store_contract::token("pg", n)
}

async fn store(server: &PostgresServer) -> PostgresStore {
    let store = PostgresStore::connect(&server.url(), "oauth_tokens")
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

async fn raw(server: &PostgresServer) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(&server.url(), NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn round_trip_keeps_the_shared_document_in_one_row() {
    let server = PostgresServer::start();
    let store = store(&server).await;
    assert!(store.is_shared());
    store_contract::round_trip_keeps_every_field(&store, "pg").await;

    // The row: the file store's JSON document (as jsonb), its version, timestamps.
    let db = raw(&server).await;
    let row = db
        .query_one(
            "SELECT version, document::text, created_at <= updated_at FROM oauth_tokens \
             WHERE key = 'acct'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 1);
    let doc: serde_json::Value = serde_json::from_str(row.get(1)).unwrap();
    assert_eq!(doc["format"], "oauth-core.token");
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["token"]["access_token"], "pg-access-1");
    assert!(row.get::<_, bool>(2));

    // Another table is another namespace; the Debug output shows the table, not the URL.
    let other = PostgresStore::connect(&server.url(), "public.other_tokens")
        .await
        .unwrap();
    other.migrate().await.unwrap();
    assert!(other.load("acct").await.unwrap().is_none());
    let debug = format!("{store:?}");
    assert!(
        debug.contains("oauth_tokens") && !debug.contains("127.0.0.1"),
        "{debug}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_is_idempotent_and_safe_to_run_concurrently() {
    let server = PostgresServer::start();
    let store = PostgresStore::connect(&server.url(), "oauth_tokens")
        .await
        .unwrap();
    // Before it: a clear error, not the server's text.
    let e = store.load("acct").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io);
    assert!(e.message.contains("migrate"), "{e}");

    let runs: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.migrate().await })
        })
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    store
        .compare_and_swap("acct", None, &token(1))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    assert_eq!(store.load("acct").await.unwrap().unwrap().version, 1);

    let sql = PostgresStore::migration_sql("app.tokens").unwrap();
    assert!(
        sql.starts_with("CREATE TABLE IF NOT EXISTS \"app\".\"tokens\""),
        "{sql}"
    );
    for bad in ["", "a.b.c", "1abc", "x; DROP TABLE y", "a\"b", "a-b"] {
        assert!(PostgresStore::migration_sql(bad).is_err(), "{bad:?}");
    }
}

#[tokio::test]
async fn compare_and_swap_rejects_stale_versions_and_accepts_the_current_one() {
    let server = PostgresServer::start();
    let store = store(&server).await;
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store,
        "pg",
        "\"oauth_tokens\"[acct]",
    )
    .await;
    // Versions past what a bigint holds cannot be stored, so they are stale too.
    let e = store
        .compare_and_swap("acct", Some(u64::MAX), &token(9))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_separate_pools_lose_no_update() {
    let server = PostgresServer::start();
    let stores = [store(&server).await, store(&server).await];
    store_contract::concurrent_writers_lose_no_update(stores, "pg").await;
}

#[tokio::test]
async fn unreadable_rows_are_corrupt_and_never_overwritten() {
    let server = PostgresServer::start();
    let store = store(&server).await;
    let db = raw(&server).await;
    let valid = |format_version: u64| {
        serde_json::json!({"format": "oauth-core.token", "format_version": format_version,
            "version": 3, "token": {"access_token": "stored-secret", "received_at_ms": 1}})
        .to_string()
    };
    let cases = [
        ("string", "\"not a document: stored-secret\"".to_owned()),
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
        // The document's version disagrees with the row's.
        (
            "version_mismatch",
            valid(1).replace("\"version\":3", "\"version\":4"),
        ),
    ];
    for (key, value) in &cases {
        db.execute(
            "INSERT INTO oauth_tokens (key, version, document) VALUES ($1, 3, $2::text::jsonb)",
            &[key, value],
        )
        .await
        .unwrap();
        let e = store.load(key).await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Corrupt, "{key}: {e}");
        assert!(e.message.contains(&format!("[{key}]")), "{key}: {e}");
        assert!(!e.message.contains("stored-secret"), "{key}: {e}");
        for expected in [None, Some(3)] {
            let e = store
                .compare_and_swap(key, expected, &token(1))
                .await
                .unwrap_err();
            assert!(
                matches!(e.kind, StoreErrorKind::Corrupt),
                "{key} {expected:?}: {e}"
            );
            assert!(!e.message.contains("stored-secret"), "{key}: {e}");
        }
        let after: String = db
            .query_one(
                "SELECT document::text FROM oauth_tokens WHERE key = $1",
                &[key],
            )
            .await
            .unwrap()
            .get(0);
        let before: serde_json::Value = serde_json::from_str(value).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&after).unwrap(),
            before,
            "{key}"
        );
    }
}

#[tokio::test]
async fn the_refresh_lease_is_exclusive_and_only_its_owner_releases_it() {
    let server = PostgresServer::start();
    let store = store(&server).await;
    let other_process = PostgresStore::connect(&server.url(), "oauth_tokens")
        .await
        .unwrap();
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(
        &store,
        &other_process,
    )
    .await;
    // A lease taken before any token exists does not make the key look stored, and the
    // first write still lands.
    let lock = store
        .try_lock("fresh", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free");
    assert!(store.load("fresh").await.unwrap().is_none());
    assert_eq!(
        store
            .compare_and_swap("fresh", None, &token(1))
            .await
            .unwrap(),
        1
    );
    store.unlock("fresh", &lock).await.unwrap();
    let db = raw(&server).await;
    let owner: Option<String> = db
        .query_one(
            "SELECT lock_owner FROM oauth_tokens WHERE key = 'fresh'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, None);
}

#[tokio::test]
async fn the_refresh_lease_expires_after_its_ttl() {
    let server = PostgresServer::start();
    store_contract::refresh_lock_expires_after_its_ttl(&store(&server).await).await;
}

#[tokio::test]
async fn bad_connection_strings_and_unreachable_servers_are_typed_errors_without_secrets() {
    let e = PostgresStore::connect("postgres://u:hunter2@127.0.0.1:1:2/db", "t")
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io);
    assert!(!e.message.contains("hunter2"), "{e}");
    let port = oauth_sdk_tests::free_port();
    let e = PostgresStore::connect(&format!("postgres://u:hunter2@127.0.0.1:{port}/db"), "t")
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io);
    assert!(!e.message.contains("hunter2"), "{e}");
    let e = PostgresStore::connect("postgres://127.0.0.1/db", "bad name")
        .await
        .unwrap_err();
    assert!(e.message.contains("table name"), "{e}");
}

#[tokio::test]
async fn a_server_restart_gives_typed_errors_then_the_store_reconnects() {
    let mut server = PostgresServer::start();
    let store = store(&server).await;
    store
        .compare_and_swap("acct", None, &token(1))
        .await
        .unwrap();
    server.stop();
    for attempt in 0..2 {
        let e = store.load("acct").await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Io, "{attempt}: {e}");
        let e = store
            .compare_and_swap("acct", Some(1), &token(2))
            .await
            .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Io, "{attempt}: {e}");
        assert!(!e.message.contains("pg-access"), "{e}");
    }
    server.restart();
    // A pooled connection can learn of the restart only when used: at most one call fails.
    let mut loaded = store.load("acct").await;
    if let Err(e) = &loaded {
        assert_eq!(e.kind, StoreErrorKind::Io, "{e}");
        loaded = store.load("acct").await;
    }
    assert_eq!(
        loaded.unwrap().unwrap().version,
        1,
        "nothing was lost or written"
    );
    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(2))
            .await
            .unwrap(),
        2
    );
}

#[tokio::test]
async fn a_full_pool_is_a_typed_error_after_the_wait_timeout() {
    let server = PostgresServer::start();
    let config: tokio_postgres::Config = server.url().parse().unwrap();
    let manager = Manager::from_config(
        config,
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
    let pool = Pool::builder(manager)
        .max_size(1)
        .wait_timeout(Some(Duration::from_millis(200)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(Runtime::Tokio1)
        .build()
        .unwrap();
    let store = PostgresStore::from_pool(pool.clone(), "oauth_tokens").unwrap();
    store.migrate().await.unwrap();
    let held = pool.get().await.unwrap();
    let e = store.load("acct").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Io);
    assert!(e.message.contains("no free connection"), "{e}");
    drop(held);
    assert!(store.load("acct").await.unwrap().is_none());
}

/// A provider that answers a refresh only when the test says so, and counts refreshes.
#[derive(Clone, Default)]
struct Gate {
    started: Arc<Notify>,
    go: Arc<Notify>,
    calls: Arc<AtomicUsize>,
}

impl Provider for Gate {
    const NAME: &'static str = "gate";
}

impl RefreshTokenGrant for Gate {
    async fn refresh(&self, refresh_token: &RefreshToken) -> oauth_core::Result<Token> {
        assert_eq!(refresh_token.secret(), "rt-0");
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.started.notify_one();
        self.go.notified().await;
        Ok(
            Token::new(AccessToken::new("at-1"), t0() + Duration::from_secs(3600))
                .with_expires_in(Some(Duration::from_secs(3600)))
                .with_refresh_token(Some(RefreshToken::new("rt-1"))),
        )
    }
}

/// The connection carrying the rotated token's write dies mid-statement: the rotated token is
/// stored (by the source's retry, or by the next call), and there is no second refresh.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_mid_refresh_loses_no_rotated_refresh_token() {
    let server = PostgresServer::start();
    let store = store(&server).await;
    let first = Token::new(AccessToken::new("at-0"), t0())
        .with_expires_in(Some(Duration::from_secs(3600)))
        .with_refresh_token(Some(RefreshToken::new("rt-0")));
    store.compare_and_swap("acct", None, &first).await.unwrap();
    let gate = Gate::default();
    let clock = clock();
    let source = TokenSource::builder(gate.clone(), store.clone(), "acct")
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3600));

    let refreshing = tokio::spawn({
        let source = source.clone();
        async move { source.access_token().await }
    });
    // The lease is held and the server has answered; before the write, another session takes
    // the row, so the write waits; then the write's connection is terminated.
    gate.started.notified().await;
    let mut blocker = raw(&server).await;
    let tx = blocker.transaction().await.unwrap();
    tx.execute(
        "SELECT 1 FROM oauth_tokens WHERE key = 'acct' FOR UPDATE",
        &[],
    )
    .await
    .unwrap();
    gate.go.notify_one();
    let admin = raw(&server).await;
    let mut polls = 0;
    loop {
        let terminated: i64 = admin
            .query_one(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
                 WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE%document%'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if terminated > 0 {
            break;
        }
        polls += 1;
        assert!(polls < 1000, "the write never waited on the row");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Lets the lease release (it waits on the same row) go through.
    tx.rollback().await.unwrap();
    // The source retries a store write that failed on I/O while it holds the refresh lock, so
    // the refresh may already succeed on a new connection; if the retry failed too, the caller
    // gets a typed store error, the store still holds the old token, and the source kept the
    // new one to write on the next call. Either way nothing is lost and there is no second
    // refresh.
    match refreshing.await.unwrap() {
        Ok(token) => assert_eq!(token.access_token().secret(), "at-1"),
        Err(e) => {
            match &e {
                oauth_core::Error::Store(s) => assert_eq!(s.kind, StoreErrorKind::Io, "{e}"),
                other => panic!("expected a store error, got {other:?}"),
            }
            assert!(!e.to_string().contains("rt-1"), "{e}");
            let stored = store.load("acct").await.unwrap().unwrap();
            assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-0");
        }
    }

    let token = source.access_token().await.unwrap();
    assert_eq!(token.access_token().secret(), "at-1");
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-1");
    assert_eq!(gate.calls.load(Ordering::SeqCst), 1);
}
