//! What both store benchmarks share: a provider that answers at once, the token it hands out,
//! and the stores, plain and encrypted, on loopback servers the benchmark starts.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::{
    AccessToken, Clock, ManualClock, Provider, RefreshToken, RefreshTokenGrant, Token,
};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{EncryptedStore, FileStore, Keyring, MemoryStore, TokenStore};

/// Answers every refresh at once with a token valid for an hour from the shared clock, so
/// that a refresh-and-persist measures the store's part of it.
#[derive(Clone)]
pub struct Instant(pub Arc<ManualClock>);

impl Provider for Instant {
    const NAME: &'static str = "bench";
}

impl RefreshTokenGrant for Instant {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        Ok(token(&self.0))
    }
}

/// A token of the size and shape providers send.
pub fn token(clock: &ManualClock) -> Token {
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

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A source over `store` under `key` whose first token is stored, and the clock that makes it
/// due.
pub fn source<S: TokenStore + Clone>(
    rt: &tokio::runtime::Runtime,
    store: S,
    key: &str,
) -> (TokenSource<Instant, S>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let source = rt.block_on(async {
        TokenSource::builder(Instant(clock.clone()), store, key)
            .clock(clock.clone())
            .initial_token(token(&clock))
            .build()
            .await
            .unwrap()
    });
    // The first access writes the initial token, so every read finds one.
    rt.block_on(source.access_token()).unwrap();
    (source, clock)
}

/// Called with each store, plain and encrypted. The encrypted one wraps the very same store
/// (connection pool, table, directory), so that the two differ in encryption alone; they use
/// the keys [`PLAIN`] and [`SEALED`].
pub trait Visit {
    fn visit<S: TokenStore + Clone>(
        &mut self,
        rt: &tokio::runtime::Runtime,
        name: &str,
        plain: S,
        encrypted: Arc<EncryptedStore<S>>,
    );
}

/// The key the plain store's token is under.
pub const PLAIN: &str = "bench-plain";
/// The key the encrypted store's token is under.
pub const SEALED: &str = "bench-sealed";

fn encrypted<S: TokenStore>(inner: S) -> Arc<EncryptedStore<S>> {
    Arc::new(EncryptedStore::new(
        inner,
        Keyring::new("bench", &[7; 32]).unwrap(),
    ))
}

/// Visits memory, file and (with the features) Redis and PostgreSQL stores, starting and
/// stopping the servers.
pub fn each_store(rt: &tokio::runtime::Runtime, visitor: &mut impl Visit) {
    let memory = Arc::new(MemoryStore::new());
    visitor.visit(rt, "memory", memory.clone(), encrypted(memory));

    let dir = std::env::temp_dir().join(format!("oauth-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = FileStore::new(&dir).unwrap();
    visitor.visit(rt, "file", files.clone(), encrypted(files));
    let _ = std::fs::remove_dir_all(&dir);

    #[cfg(feature = "redis")]
    {
        use oauth_lifecycle::store::RedisStore;
        let server = oauth_sdk_tests::RedisServer::start();
        let redis = rt
            .block_on(RedisStore::connect(&server.url(), "bench"))
            .unwrap();
        visitor.visit(rt, "redis", redis.clone(), encrypted(redis));
    }

    #[cfg(feature = "postgres")]
    {
        use oauth_lifecycle::store::PostgresStore;
        let server = oauth_sdk_tests::PostgresServer::start();
        let postgres = rt.block_on(async {
            let store = PostgresStore::connect(&server.url(), "bench")
                .await
                .unwrap();
            store.migrate().await.unwrap();
            store
        });
        visitor.visit(rt, "postgres", postgres.clone(), encrypted(postgres));
    }
}
