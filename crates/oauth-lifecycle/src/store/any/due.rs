//! [`DueIndex`] through [`AnyStore`], for a store that keeps one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::AnyStore;
use crate::store::{Claim, DueBacklog, DueIndex, TokenStore};
use oauth_core::error::{StoreError, StoreErrorKind};

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// [`DueIndex`] with boxed futures, so that it can be a trait object.
pub(super) trait DynDue: Send + Sync + 'static {
    fn schedule<'a>(&'a self, key: &'a str, due_at: SystemTime) -> Boxed<'a, ()>;
    fn forget<'a>(&'a self, key: &'a str) -> Boxed<'a, ()>;
    fn claim_due(&self, now: SystemTime, limit: usize, lease: Duration) -> Boxed<'_, Vec<Claim>>;
    fn release<'a>(
        &'a self,
        claim: &'a Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Boxed<'a, bool>;
    fn backlog(&self, now: SystemTime) -> Boxed<'_, DueBacklog>;
}

impl<S: DueIndex> DynDue for S {
    fn schedule<'a>(&'a self, key: &'a str, due_at: SystemTime) -> Boxed<'a, ()> {
        Box::pin(DueIndex::schedule(self, key, due_at))
    }

    fn forget<'a>(&'a self, key: &'a str) -> Boxed<'a, ()> {
        Box::pin(DueIndex::forget(self, key))
    }

    fn claim_due(&self, now: SystemTime, limit: usize, lease: Duration) -> Boxed<'_, Vec<Claim>> {
        Box::pin(DueIndex::claim_due(self, now, limit, lease))
    }

    fn release<'a>(
        &'a self,
        claim: &'a Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Boxed<'a, bool> {
        Box::pin(DueIndex::release(self, claim, next, attempts))
    }

    fn backlog(&self, now: SystemTime) -> Boxed<'_, DueBacklog> {
        Box::pin(DueIndex::backlog(self, now))
    }
}

impl AnyStore {
    /// Wraps `store`, its due-time index included.
    pub fn with_due_index(store: impl TokenStore + DueIndex) -> Self {
        let store = Arc::new(store);
        Self(store.clone(), Some(store))
    }

    fn due(&self) -> Result<&dyn DynDue, StoreError> {
        self.1.as_deref().ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::Io,
                format!(
                    "{} was wrapped without its due-time index: use AnyStore::with_due_index",
                    self.0.name()
                ),
            )
        })
    }
}

impl DueIndex for AnyStore {
    async fn schedule(&self, key: &str, due_at: SystemTime) -> Result<(), StoreError> {
        self.due()?.schedule(key, due_at).await
    }

    async fn forget(&self, key: &str) -> Result<(), StoreError> {
        self.due()?.forget(key).await
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Claim>, StoreError> {
        self.due()?.claim_due(now, limit, lease).await
    }

    async fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Result<bool, StoreError> {
        self.due()?.release(claim, next, attempts).await
    }

    async fn backlog(&self, now: SystemTime) -> Result<DueBacklog, StoreError> {
        self.due()?.backlog(now).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FileStore, MemoryStore};

    #[tokio::test]
    async fn the_index_passes_through_or_is_refused_by_name() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let store = AnyStore::with_due_index(MemoryStore::new());
        DueIndex::schedule(&store, "k", at).await.unwrap();
        let claims = DueIndex::claim_due(&store, at, 10, Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(DueIndex::backlog(&store, at).await.unwrap().in_flight, 1);
        assert!(
            DueIndex::release(&store, &claims[0], None, 0)
                .await
                .unwrap()
        );
        assert_eq!(
            DueIndex::backlog(&store, at).await.unwrap(),
            DueBacklog::default()
        );

        let dir = std::env::temp_dir().join(format!("oauth-any-due-{}", std::process::id()));
        let plain = AnyStore::new(FileStore::new(&dir).unwrap());
        let refused = DueIndex::schedule(&plain, "k", at).await.unwrap_err();
        assert!(refused.to_string().contains("with_due_index"), "{refused}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
