//! 50,000 RingCentral connections in PostgreSQL, three worker processes running a keeper,
//! one killed with `kill -9` mid-batch, a simulated month (see `oauth_sdk_tests::fleet`):
//! every refresh token that would lapse is refreshed before it does, each exactly once, none
//! spent twice, the token endpoint never above the workers' budget, the killed worker's
//! claims taken over. Also: the due-time columns are added to a table an earlier version
//! made, idempotently.
//!
//! Run with `--features mock,postgres`; the test starts its own PostgreSQL on 127.0.0.1.

use oauth_core::{AccessToken, Token};
use oauth_lifecycle::store::{DueIndex, PostgresStore, TokenStore};
use oauth_sdk_tests::fleet::{self, STORE_ENV, Scenario};
use oauth_sdk_tests::postgres::PostgresServer;
use oauth_sdk_tests::t0;

const TABLE: &str = "fleet_tokens";

#[test]
fn fifty_thousand_connections_three_workers_one_killed() {
    if let Ok(url) = std::env::var(STORE_ENV) {
        return fleet::work(|| async move { PostgresStore::connect(&url, TABLE).await.unwrap() });
    }
    let server = PostgresServer::start();
    let url = server.url();
    let open = || async move {
        let store = PostgresStore::connect(&url, TABLE).await.unwrap();
        store.migrate().await.unwrap();
        store
    };
    let connections = std::env::var("OAUTH_FLEET_CONNECTIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    fleet::run(
        open,
        &server.url(),
        "fifty_thousand_connections_three_workers_one_killed",
        Scenario {
            connections,
            workers: 3,
            budget_per_worker: 500,
            kill_at_step: 40,
        },
        true,
    );
}

/// A table made before the due index existed gains its columns and index, rows already in
/// it are due at once (so a keeper's first look schedules them), and migrating again changes
/// nothing.
#[test]
fn migrate_upgrades_an_existing_table_idempotently() {
    let server = PostgresServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        // The table as `migration_sql` wrote it before the due index.
        client
            .batch_execute(
                "CREATE TABLE old_tokens (key text PRIMARY KEY, \
                 version bigint NOT NULL DEFAULT 0 CHECK (version >= 0), document jsonb, \
                 lock_owner text, lock_expires_at timestamptz, \
                 created_at timestamptz NOT NULL DEFAULT now(), \
                 updated_at timestamptz NOT NULL DEFAULT now(), \
                 CHECK ((document IS NULL) = (version = 0)))",
            )
            .await
            .unwrap();
        let store = PostgresStore::connect(&server.url(), "old_tokens")
            .await
            .unwrap();
        let token = Token::new(AccessToken::new("at"), t0());
        let before_migration = store.compare_and_swap("old", None, &token).await;
        assert!(before_migration.is_ok(), "the store writes an old table");
        store.migrate().await.unwrap();
        store.migrate().await.unwrap();
        let backlog = store.backlog(std::time::SystemTime::now()).await.unwrap();
        assert_eq!(backlog.due, 1, "an existing row is due at once");
        let indexes: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_indexes WHERE tablename = 'old_tokens' \
                 AND indexname = 'old_tokens_refresh_due'",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        assert_eq!(indexes, 1);
        let claims = store
            .claim_due(
                std::time::SystemTime::now(),
                10,
                std::time::Duration::from_secs(60),
            )
            .await
            .unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].key, "old");
        // Claimed: nobody else gets it until released or lapsed.
        let again = store
            .claim_due(
                std::time::SystemTime::now(),
                10,
                std::time::Duration::from_secs(60),
            )
            .await
            .unwrap();
        assert!(again.is_empty());
        assert!(store.release(&claims[0], None, 0).await.unwrap());
        assert!(
            !store.release(&claims[0], None, 0).await.unwrap(),
            "released once"
        );
    });
}
