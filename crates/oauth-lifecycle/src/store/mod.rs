//! Where tokens live between refreshes, with compare-and-swap so concurrent writers (tasks or
//! processes) cannot silently overwrite each other's rotated refresh tokens.
//!
//! - [`MemoryStore`]: one process.
//! - [`FileStore`]: one JSON document per key, replaced atomically.
//! - `RedisStore` (feature `redis`): shared by processes, with a refresh lock so that each
//!   expiry causes exactly one refresh across all of them.
//! - `PostgresStore` (feature `postgres`): the same, in a PostgreSQL table.
//! - `EncryptedStore` (feature `encryption`): wraps any of them and encrypts each document
//!   at rest.
//! - [`AnyStore`]: any of them behind one type, chosen at run time.
//!
//! [`DueIndex`] (memory, Redis, PostgreSQL, and through `Arc`, `EncryptedStore` and
//! [`AnyStore::with_due_index`]) keeps when
//! each key must next be looked at, for workers that keep idle connections alive.
//!
//! The network stores speak TLS (`rediss://`, `sslmode=verify-full`) and refuse plaintext to
//! a host that is not loopback; `TlsOptions` gives them a private CA or opts back in.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use oauth_core::error::StoreError;
use oauth_core::token::Token;

mod any;
mod due;
#[cfg(feature = "encryption")]
mod encrypted;
mod file;
#[cfg(feature = "encryption")]
mod keyring;
mod memory;
#[cfg(feature = "encryption")]
mod opened;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(any(feature = "redis", feature = "postgres"))]
mod tls;

pub use any::AnyStore;
/// The pool (and through it `tokio_postgres`) that [`PostgresStore::from_pool`] takes.
///
/// This re-export follows `deadpool-postgres`'s major version (0.14 today): a new major of
/// that crate is a new major of the `postgres` feature's API, released as a major version of
/// this crate. Applications that build their own pool name it through this path, so their
/// pool and the store's are always the same crate.
#[cfg(feature = "postgres")]
pub use deadpool_postgres;
pub use due::{Claim, DueBacklog, DueIndex};
#[cfg(feature = "encryption")]
pub use encrypted::{EncryptedStore, RewrapReport, is_sealed};
pub use file::FileStore;
#[cfg(feature = "encryption")]
pub use keyring::Keyring;
pub use memory::MemoryStore;
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
#[cfg(any(feature = "redis", feature = "postgres"))]
pub use tls::TlsOptions;

/// A token and the version it was stored under.
#[derive(Debug, Clone)]
pub struct Versioned {
    /// The token.
    pub token: Token,
    /// Incremented by every successful write; compare-and-swap compares it.
    pub version: u64,
}

/// Proof of holding a key's refresh lock; released with [`TokenStore::unlock`].
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshLock {
    owner: String,
    leased: bool,
}

impl RefreshLock {
    /// A lock held by `owner` (a random value unique to this holder) until it is released or
    /// its holder's process ends (a `flock`, a process-local mutex).
    pub fn new(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            leased: false,
        }
    }

    /// A lock held by `owner` for the TTL it was taken with, unless extended
    /// ([`TokenStore::extend_lock`]): when the TTL lapses, another holder can take it.
    pub fn leased(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            leased: true,
        }
    }

    /// The owner value the store compares on release.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Whether the lock lapses after its TTL ([`RefreshLock::leased`]): a token source then
    /// keeps extending it while it refreshes, and never lets a refresh run past it.
    pub fn is_leased(&self) -> bool {
        self.leased
    }
}

impl fmt::Debug for RefreshLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshLock(..)")
    }
}

/// Storage for tokens, by key (one key per account or grant).
pub trait TokenStore: Send + Sync + 'static {
    /// The token stored under `key`, if any.
    fn load(&self, key: &str)
    -> impl Future<Output = Result<Option<Versioned>, StoreError>> + Send;

    /// Stores `token` under `key` if the stored version is still `expected` (`None`: nothing
    /// stored yet). Returns the new version, or a [`oauth_core::StoreErrorKind::Conflict`] error when
    /// someone else wrote first.
    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// [`TokenStore::compare_and_swap`] of a token the caller holds in an `Arc` (a token
    /// source does): a store that keeps documents in memory may keep this `Arc` rather than a
    /// copy, so that a process holding many connections holds each token once. Defaults to
    /// `compare_and_swap`.
    fn compare_and_swap_shared(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &std::sync::Arc<Token>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.compare_and_swap(key, expected, token)
    }

    /// Tries to take the refresh lock of `key` for at most `ttl`. `None` means another holder
    /// has it. Stores used by one process need no lock beyond the token source's own and return
    /// a lock at once (the default).
    fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<RefreshLock>, StoreError>> + Send {
        let _ = (key, ttl);
        async { Ok(Some(RefreshLock::new("local"))) }
    }

    /// Releases the lock if `lock` still owns it (a lock that expired and was taken by another
    /// holder is left alone).
    fn unlock(
        &self,
        key: &str,
        lock: &RefreshLock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (key, lock);
        async { Ok(()) }
    }

    /// Extends a [leased](RefreshLock::leased) lock to `ttl` from now, if `lock` still owns it.
    /// `Ok(false)`: it does not (it lapsed, and maybe another holder took it): its holder must
    /// not spend the refresh token. Locks without a lease are held until released (the
    /// default: `Ok(true)`).
    fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        let _ = (key, lock, ttl);
        async { Ok(true) }
    }

    /// Whether other processes may refresh the same key (so a held lock is worth waiting for).
    fn is_shared(&self) -> bool {
        false
    }

    /// Deletes the token stored under `key` (a logout, an erasure request); `false` if there
    /// was none. A token source still holding it writes no new token over the deletion: its
    /// next compare-and-swap fails with a conflict.
    fn delete(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every key that holds a token, in no particular order.
    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// Checks a store key: non-empty, at most 200 bytes, `[A-Za-z0-9._-]` only, so it is safe as
/// a file name and a Redis key suffix alike.
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let ok = !key.is_empty()
        && key.len() <= 200
        && !key.starts_with('.')
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::new(
            oauth_core::StoreErrorKind::Io,
            format!(
                "invalid store key `{key}`: use 1-200 of [A-Za-z0-9._-], not starting with `.`"
            ),
        ))
    }
}

/// A shared store: several token sources (one per key, say) can use one store.
impl<T: TokenStore> TokenStore for std::sync::Arc<T> {
    fn load(
        &self,
        key: &str,
    ) -> impl Future<Output = Result<Option<Versioned>, StoreError>> + Send {
        (**self).load(key)
    }

    fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        (**self).compare_and_swap(key, expected, token)
    }

    fn compare_and_swap_shared(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &std::sync::Arc<Token>,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        (**self).compare_and_swap_shared(key, expected, token)
    }

    fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<RefreshLock>, StoreError>> + Send {
        (**self).try_lock(key, ttl)
    }

    fn unlock(
        &self,
        key: &str,
        lock: &RefreshLock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).unlock(key, lock)
    }

    fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).extend_lock(key, lock, ttl)
    }

    fn is_shared(&self) -> bool {
        (**self).is_shared()
    }

    fn delete(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).delete(key)
    }

    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        (**self).list_keys()
    }
}
