//! A read (`TokenStore::load`) and a refresh-and-persist (`TokenSource::access_token` after
//! expiry: refresh lock, re-read, refresh, compare-and-swap, unlock) through each store, plain
//! and encrypted, side by side. Redis and PostgreSQL run on loopback servers the benchmark
//! starts; the provider answers at once, so the figures are the stores' own cost.
//!
//! `cargo bench -p oauth-sdk-tests --features redis,postgres --bench stores`

// criterion_group! and criterion_main! generate undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use oauth_core::store::{EncryptedStore, FileStore, Keyring, MemoryStore, TokenStore};
use oauth_core::{
    AccessToken, Clock, ManualClock, Provider, RefreshToken, RefreshTokenGrant, Token, TokenSource,
};

/// Answers every refresh at once with a token valid for an hour from the shared clock.
#[derive(Clone)]
struct Instant(Arc<ManualClock>);

impl Provider for Instant {
    const NAME: &'static str = "bench";
}

impl RefreshTokenGrant for Instant {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        Ok(token(&self.0))
    }
}

fn token(clock: &ManualClock) -> Token {
    Token::new(
        AccessToken::new("bench-access-token-0123456789abcdef"),
        clock.now(),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new(
        "bench-refresh-token-0123456789abcdef",
    )))
    .with_scope_string(Some("read write"))
}

fn keyring() -> Keyring {
    Keyring::new("bench", &[7; 32]).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Both measurements for one store, under `name`.
fn bench_store<S: TokenStore + Clone>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: S,
) {
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let source = rt.block_on(async {
        TokenSource::builder(Instant(clock.clone()), store.clone(), "bench")
            .clock(clock.clone())
            .initial_token(token(&clock))
            .build()
            .await
            .unwrap()
    });
    // The first access writes the initial token, so every read finds one.
    rt.block_on(source.access_token()).unwrap();
    c.benchmark_group("read").bench_function(name, |b| {
        b.to_async(rt)
            .iter(|| async { black_box(store.load("bench").await.unwrap()) })
    });
    c.benchmark_group("refresh_and_persist")
        .bench_function(name, |b| {
            b.to_async(rt).iter(|| async {
                clock.advance(Duration::from_secs(7200));
                black_box(source.access_token().await.unwrap())
            })
        });
}

fn both<S: TokenStore + Clone>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    plain: S,
    encrypted_inner: S,
) {
    bench_store(c, rt, &format!("{name}/plain"), plain);
    bench_store(
        c,
        rt,
        &format!("{name}/encrypted"),
        Arc::new(EncryptedStore::new(encrypted_inner, keyring())),
    );
}

fn stores(c: &mut Criterion) {
    let rt = runtime();
    both(
        c,
        &rt,
        "memory",
        Arc::new(MemoryStore::new()),
        Arc::new(MemoryStore::new()),
    );

    let dir = std::env::temp_dir().join(format!("oauth-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    both(
        c,
        &rt,
        "file",
        FileStore::new(dir.join("plain")).unwrap(),
        FileStore::new(dir.join("encrypted")).unwrap(),
    );
    let _ = std::fs::remove_dir_all(&dir);

    #[cfg(feature = "redis")]
    {
        use oauth_core::store::RedisStore;
        let server = oauth_sdk_tests::RedisServer::start().expect("redis-server");
        let connect = |prefix: &str| {
            rt.block_on(RedisStore::connect(&server.url(), prefix))
                .unwrap()
        };
        both(c, &rt, "redis", connect("plain"), connect("encrypted"));
    }

    #[cfg(feature = "postgres")]
    {
        use oauth_core::store::PostgresStore;
        let server = oauth_sdk_tests::PostgresServer::start().expect("postgres");
        let connect = |table: &str| {
            rt.block_on(async {
                let store = PostgresStore::connect(&server.url(), table).await.unwrap();
                store.migrate().await.unwrap();
                store
            })
        };
        both(c, &rt, "postgres", connect("plain"), connect("encrypted"));
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    targets = stores
}
criterion_main!(benches);
