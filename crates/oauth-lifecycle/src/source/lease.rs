//! Keeping a leased refresh lock for as long as a refresh runs, and never longer.
//!
//! A lease lapses after its TTL, and another process may then take the lock and spend the same
//! refresh token. So the holder confirms the lease before every attempt (a lost lease: no
//! attempt), extends it every third of its TTL while an attempt runs, and drops the attempt
//! when the lease is lost or about to lapse because the extensions did not get through. The
//! expiry is counted from before each extension was sent, so the holder's view of it is never
//! later than the store's.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::Inner;
use crate::Renew;
use crate::store::{RefreshLock, TokenStore};
use oauth_core::error::{Error, Result, StoreError, StoreErrorKind};

/// A held refresh lock's lease, as this holder knows it.
pub(super) struct Lease {
    /// When the lease lapses by this holder's clock; `None`: the lock has no TTL.
    expires: Option<Instant>,
    ttl: Duration,
}

impl Lease {
    /// The lease of `lock`, taken with `ttl` by a request sent at `sent`.
    pub(super) fn new(lock: &RefreshLock, ttl: Duration, sent: Instant) -> Self {
        Self {
            expires: lock.is_leased().then(|| sent + ttl),
            ttl,
        }
    }

    /// How long before the lease lapses an attempt is dropped: time for the answer to be
    /// written to the store while the lease still holds.
    fn reserve(&self) -> Duration {
        (self.ttl / 5).min(Duration::from_secs(5))
    }

    fn lost(key: &str) -> Error {
        StoreError::new(
            StoreErrorKind::LeaseLost,
            format!("the refresh lock of `{key}` was lost; its refresh token was not sent again"),
        )
        .into()
    }

    fn lapsing(key: &str) -> Error {
        StoreError::new(
            StoreErrorKind::LeaseLost,
            format!(
                "the refresh of `{key}` was stopped: its lock could not be extended and was \
                 about to lapse"
            ),
        )
        .into()
    }

    /// Extends the lease; `Ok(false)` if the store says it is no longer this holder's.
    async fn extend<P: Renew, S: TokenStore>(
        &mut self,
        inner: &Inner<P, S>,
        lock: &RefreshLock,
    ) -> Result<bool, StoreError> {
        let sent = Instant::now();
        let held = inner.store.extend_lock(&inner.key, lock, self.ttl).await?;
        if held {
            self.expires = Some(sent + self.ttl);
        }
        Ok(held)
    }

    /// Before an attempt spends the refresh token: the lease must still be this holder's, with
    /// time left for the attempt.
    pub(super) async fn confirm<P: Renew, S: TokenStore>(
        &mut self,
        inner: &Inner<P, S>,
        lock: &RefreshLock,
    ) -> Result<()> {
        let Some(expires) = self.expires else {
            return Ok(());
        };
        match self.extend(inner, lock).await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Self::lost(&inner.key)),
            // The store did not answer: go on only while the lease surely still holds.
            Err(e) if Instant::now() + self.reserve() < expires => {
                tracing::debug!(error = %e, "could not extend the refresh lock; it still holds");
                Ok(())
            }
            Err(_) => Err(Self::lapsing(&inner.key)),
        }
    }

    /// Runs `attempt` while keeping the lease: extended every third of its TTL, and the attempt
    /// dropped when the lease is lost or about to lapse.
    pub(super) async fn keep_during<P: Renew, S: TokenStore, T>(
        &mut self,
        inner: &Inner<P, S>,
        lock: &RefreshLock,
        attempt: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        if self.expires.is_none() {
            return attempt.await;
        }
        let mut attempt = std::pin::pin!(attempt);
        loop {
            let Some(expires) = self.expires else {
                return attempt.await;
            };
            let cutoff = expires
                .checked_sub(self.reserve())
                .unwrap_or_else(Instant::now);
            let beat = Instant::now() + self.ttl / 3;
            tokio::select! {
                biased;
                result = &mut attempt => return result,
                () = tokio::time::sleep_until(beat.min(cutoff)) => {
                    if Instant::now() >= cutoff {
                        return Err(Self::lapsing(&inner.key));
                    }
                    match self.extend(inner, lock).await {
                        Ok(true) => {}
                        Ok(false) => return Err(Self::lost(&inner.key)),
                        Err(e) => {
                            tracing::debug!(error = %e, "could not extend the refresh lock");
                        }
                    }
                }
            }
        }
    }
}
