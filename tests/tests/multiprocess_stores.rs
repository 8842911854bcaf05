//! Four OS processes share a PostgreSQL store, and encrypted file, Redis and PostgreSQL
//! stores: each of twenty expiries causes exactly one refresh across all of them, and the
//! last refresh token is what is stored (see `oauth_sdk_tests::multiprocess`).

use oauth_lifecycle::store::{EncryptedStore, FileStore, Keyring};
use oauth_sdk_tests::multiprocess::{self, run, serve};

/// Every process of a test shares this key.
fn keyring() -> Keyring {
    Keyring::new("mp", &[0x42; 32]).unwrap()
}

/// Worker mode: opens the store named by the parent (`<kind>:<where>`) and serves rounds.
fn worker(spec: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (kind, place) = spec.split_once(':').unwrap();
    rt.block_on(async {
        match kind {
            "enc-file" => {
                serve(EncryptedStore::new(
                    FileStore::new(place).unwrap(),
                    keyring(),
                ))
                .await
            }
            #[cfg(feature = "postgres")]
            "pg" => serve(postgres(place).await).await,
            #[cfg(feature = "postgres")]
            "enc-pg" => serve(EncryptedStore::new(postgres(place).await, keyring())).await,
            #[cfg(feature = "redis")]
            "enc-redis" => {
                let store = oauth_lifecycle::store::RedisStore::connect(place, "mp")
                    .await
                    .unwrap();
                serve(EncryptedStore::new(store, keyring())).await
            }
            _ => panic!("unknown worker store {spec}"),
        }
    });
}

#[cfg(feature = "postgres")]
async fn postgres(url: &str) -> oauth_lifecycle::store::PostgresStore {
    let store = oauth_lifecycle::store::PostgresStore::connect(url, "mp_tokens")
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

#[test]
fn four_processes_share_an_encrypted_file_store() {
    if let Some(spec) = multiprocess::worker_store() {
        return worker(&spec);
    }
    let dir = std::env::temp_dir().join(format!("oauth-mp-enc-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = EncryptedStore::new(FileStore::new(&dir).unwrap(), keyring());
    run(
        &rt,
        &store,
        &format!("enc-file:{}", dir.display()),
        "four_processes_share_an_encrypted_file_store",
    );
    let doc = std::fs::read_to_string(dir.join(format!("{}.json", multiprocess::KEY))).unwrap();
    assert!(
        doc.contains("oauth_core_sealed") && !doc.contains("rt-20"),
        "{doc}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "postgres")]
#[test]
fn four_processes_share_a_postgres_store() {
    if let Some(spec) = multiprocess::worker_store() {
        return worker(&spec);
    }
    let server = oauth_sdk_tests::PostgresServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(postgres(&server.url()));
    run(
        &rt,
        &store,
        &format!("pg:{}", server.url()),
        "four_processes_share_a_postgres_store",
    );
}

#[cfg(feature = "postgres")]
#[test]
fn four_processes_share_an_encrypted_postgres_store() {
    if let Some(spec) = multiprocess::worker_store() {
        return worker(&spec);
    }
    let server = oauth_sdk_tests::PostgresServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = EncryptedStore::new(rt.block_on(postgres(&server.url())), keyring());
    run(
        &rt,
        &store,
        &format!("enc-pg:{}", server.url()),
        "four_processes_share_an_encrypted_postgres_store",
    );
}

#[cfg(feature = "redis")]
#[test]
fn four_processes_share_an_encrypted_redis_store() {
    if let Some(spec) = multiprocess::worker_store() {
        return worker(&spec);
    }
    let redis = oauth_sdk_tests::RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let inner = rt
        .block_on(oauth_lifecycle::store::RedisStore::connect(
            &redis.url(),
            "mp",
        ))
        .unwrap();
    let store = EncryptedStore::new(inner, keyring());
    run(
        &rt,
        &store,
        &format!("enc-redis:{}", redis.url()),
        "four_processes_share_an_encrypted_redis_store",
    );
}
