//! A due-time index beside the tokens: which keys must be looked at when, so that worker
//! processes sharing a store can divide the work of keeping idle connections alive (the
//! `oauth-fleet` crate's keeper) without a queue of their own.
//!
//! A key is [scheduled](DueIndex::schedule) at a time; [`DueIndex::claim_due`] hands each due
//! key to one caller at a time, under a lease: the claimed key's due time moves to the end of
//! the lease, so if the claimant dies, the key is due again when the lease lapses and another
//! worker claims it. [`DueIndex::release`] reschedules (or forgets) a key only while the claim
//! is still the caller's. The index coordinates *when* to look; refreshing stays under the
//! token store's own refresh lock, which is what makes each refresh happen once.

use std::future::Future;
use std::time::{Duration, SystemTime};

use oauth_core::error::StoreError;

/// A key handed to one claimant until its lease lapses or it is released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The store key.
    pub key: String,
    /// When the key was due (before the claim moved it): `now - due_at` is the lag.
    pub due_at: SystemTime,
    /// Failed attempts recorded by earlier releases (0 after a success or a schedule).
    pub attempts: u32,
    /// The claimant's random owner value, compared by [`DueIndex::release`].
    pub owner: String,
}

/// How many keys are due, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueBacklog {
    /// Keys whose due time has passed and that no live claim holds.
    pub due: u64,
    /// The earliest such due time.
    pub oldest: Option<SystemTime>,
    /// Keys claimed and not yet released whose lease has not lapsed: work in flight (a
    /// killed worker's claims count here until their lease lapses).
    pub in_flight: u64,
}

/// A due-time index kept by a token store (see the module documentation).
///
/// Times are the caller's clock (an injected clock in tests), never the server's: a claim's
/// lease lapses when the callers' clock passes it.
pub trait DueIndex: Send + Sync + 'static {
    /// Makes `key` due at `due_at`, ending any claim on it and clearing its failed attempts.
    /// A store that keeps the due time with the document (PostgreSQL) ignores a key it holds
    /// no token for.
    fn schedule(
        &self,
        key: &str,
        due_at: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes `key` from the index (a connection that needs nothing more, or was deleted).
    fn forget(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Claims up to `limit` keys due at `now`, earliest first, each for `lease` (from `now`):
    /// no other call claims them before the lease lapses or they are released.
    fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<Claim>, StoreError>> + Send;

    /// Ends `claim`: the key is next due at `next` with `attempts` failed attempts recorded
    /// (`None`: forgotten). `Ok(false)`: the claim was no longer the caller's (its lease lapsed
    /// and another claimant took it, or the key was scheduled anew), and nothing changed.
    fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The keys due at `now` that nobody holds: the backlog an application exports.
    fn backlog(
        &self,
        now: SystemTime,
    ) -> impl Future<Output = Result<DueBacklog, StoreError>> + Send;
}

/// A random owner value for a claim batch.
pub(crate) fn new_owner() -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(oauth_core::runtime::random::bytes::<12>())
}

/// Unix milliseconds of `at` (0 before the epoch, saturating far in the future).
pub(crate) fn millis(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The time `ms` Unix milliseconds name, clamped to what `SystemTime` can hold.
pub(crate) fn from_millis(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .unwrap_or(SystemTime::UNIX_EPOCH)
}

/// The end of a lease taken at `now`, saturating instead of overflowing.
pub(crate) fn lease_end(now: SystemTime, lease: Duration) -> SystemTime {
    now.checked_add(lease).unwrap_or(now)
}

/// A shared index: the keeper holds the store in an `Arc`.
impl<T: DueIndex> DueIndex for std::sync::Arc<T> {
    fn schedule(
        &self,
        key: &str,
        due_at: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).schedule(key, due_at)
    }

    fn forget(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        (**self).forget(key)
    }

    fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<Claim>, StoreError>> + Send {
        (**self).claim_due(now, limit, lease)
    }

    fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        (**self).release(claim, next, attempts)
    }

    fn backlog(
        &self,
        now: SystemTime,
    ) -> impl Future<Output = Result<DueBacklog, StoreError>> + Send {
        (**self).backlog(now)
    }
}

/// The index's documents stay encrypted; the index itself holds only keys and times.
#[cfg(feature = "encryption")]
impl<S: DueIndex + super::TokenStore> DueIndex for super::EncryptedStore<S> {
    fn schedule(
        &self,
        key: &str,
        due_at: SystemTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner().schedule(key, due_at)
    }

    fn forget(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner().forget(key)
    }

    fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> impl Future<Output = Result<Vec<Claim>, StoreError>> + Send {
        self.inner().claim_due(now, limit, lease)
    }

    fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner().release(claim, next, attempts)
    }

    fn backlog(
        &self,
        now: SystemTime,
    ) -> impl Future<Output = Result<DueBacklog, StoreError>> + Send {
        self.inner().backlog(now)
    }
}
