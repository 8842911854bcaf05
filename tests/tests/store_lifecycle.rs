//! Every store's `delete`, `list_keys` and lease extension (`store_lifecycle`), and the same
//! through [`AnyStore`], the store chosen at run time. Redis and PostgreSQL run with
//! `--features redis,postgres` (each test starts its own server on 127.0.0.1).

use std::sync::Arc;

use oauth_lifecycle::store::{AnyStore, FileStore, MemoryStore};
use oauth_sdk_tests::store_lifecycle;

#[tokio::test]
async fn memory_store_deletes_and_lists() {
    store_lifecycle::delete_removes_one_key_and_nothing_writes_it_back(&MemoryStore::new()).await;
}

#[tokio::test]
async fn file_store_deletes_and_lists() {
    let dir = std::env::temp_dir().join(format!("oauth-lifecycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = FileStore::new(&dir).unwrap();
    store_lifecycle::delete_removes_one_key_and_nothing_writes_it_back(&store).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn any_store_is_the_store_it_wraps() {
    let memory = Arc::new(MemoryStore::new());
    let store = AnyStore::new(Arc::clone(&memory));
    store_lifecycle::delete_removes_one_key_and_nothing_writes_it_back(&store).await;
    // The same documents, seen through the store itself.
    use oauth_lifecycle::store::TokenStore;
    assert!(memory.load("kept").await.unwrap().is_some());
}

#[cfg(feature = "redis")]
mod redis {
    use oauth_lifecycle::store::{AnyStore, RedisStore};
    use oauth_sdk_tests::{RedisServer, store_lifecycle};

    #[tokio::test]
    async fn redis_store_deletes_lists_and_extends_leases() {
        let server = RedisServer::start();
        let store = RedisStore::connect(&server.url(), "life").await.unwrap();
        let other = RedisStore::connect(&server.url(), "life").await.unwrap();
        store_lifecycle::delete_removes_one_key_and_nothing_writes_it_back(&store).await;
        store_lifecycle::a_lease_is_extended_only_by_its_owner_while_it_holds(&store, &other).await;
        // Chosen at run time, it is the same store.
        let any = AnyStore::new(store);
        let other = AnyStore::new(other);
        assert!(oauth_lifecycle::store::TokenStore::is_shared(&any));
        store_lifecycle::a_lease_is_extended_only_by_its_owner_while_it_holds(&any, &other).await;
    }
}

#[cfg(feature = "postgres")]
mod postgres {
    use oauth_lifecycle::store::PostgresStore;
    use oauth_sdk_tests::{PostgresServer, store_lifecycle};

    async fn store(server: &PostgresServer) -> PostgresStore {
        let store = PostgresStore::connect(&server.url(), "oauth_tokens")
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
    }

    #[tokio::test]
    async fn postgres_store_deletes_lists_and_extends_leases() {
        let server = PostgresServer::start();
        let (a, b) = (store(&server).await, store(&server).await);
        store_lifecycle::delete_removes_one_key_and_nothing_writes_it_back(&a).await;
        store_lifecycle::a_lease_is_extended_only_by_its_owner_while_it_holds(&a, &b).await;
    }

    #[tokio::test]
    async fn a_deleted_row_under_a_lease_loses_its_document_and_keeps_the_lease() {
        use oauth_lifecycle::store::TokenStore;
        use std::time::Duration;
        let server = PostgresServer::start();
        let (a, b) = (store(&server).await, store(&server).await);
        a.compare_and_swap("k", None, &oauth_sdk_tests::store_contract::token("pg", 1))
            .await
            .unwrap();
        let held = a
            .try_lock("k", Duration::from_secs(120))
            .await
            .unwrap()
            .unwrap();
        assert!(b.delete("k").await.unwrap());
        assert!(b.load("k").await.unwrap().is_none());
        assert!(b.list_keys().await.unwrap().is_empty());
        // The holder still holds its lease, but cannot write the deleted token back.
        assert!(
            b.try_lock("k", Duration::from_secs(1))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            a.extend_lock("k", &held, Duration::from_secs(120))
                .await
                .unwrap()
        );
        let e = a
            .compare_and_swap(
                "k",
                Some(1),
                &oauth_sdk_tests::store_contract::token("pg", 2),
            )
            .await
            .unwrap_err();
        assert_eq!(e.kind, oauth_core::StoreErrorKind::Conflict);
        a.unlock("k", &held).await.unwrap();
    }
}
