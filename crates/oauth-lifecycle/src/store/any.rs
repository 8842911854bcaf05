//! [`AnyStore`]: any [`TokenStore`] behind one type, for a store chosen at run time (from a
//! configuration file, a command-line flag) without an enum of the application's own.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::{RefreshLock, TokenStore, Versioned};

mod due;
use oauth_core::error::StoreError;
use oauth_core::token::Token;

type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// [`TokenStore`] with boxed futures, so that it can be a trait object. Implemented for every
/// `TokenStore`; used through [`AnyStore`].
trait DynStore: Send + Sync + 'static {
    fn load<'a>(&'a self, key: &'a str) -> Boxed<'a, Option<Versioned>>;
    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: &'a Token,
    ) -> Boxed<'a, u64>;
    fn compare_and_swap_shared<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: &'a Arc<Token>,
    ) -> Boxed<'a, u64>;
    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> Boxed<'a, Option<RefreshLock>>;
    fn unlock<'a>(&'a self, key: &'a str, lock: &'a RefreshLock) -> Boxed<'a, ()>;
    fn extend_lock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a RefreshLock,
        ttl: Duration,
    ) -> Boxed<'a, bool>;
    fn is_shared(&self) -> bool;
    fn delete<'a>(&'a self, key: &'a str) -> Boxed<'a, bool>;
    fn list_keys(&self) -> Boxed<'_, Vec<String>>;
    fn name(&self) -> &'static str;
}

impl<S: TokenStore> DynStore for S {
    fn load<'a>(&'a self, key: &'a str) -> Boxed<'a, Option<Versioned>> {
        Box::pin(TokenStore::load(self, key))
    }

    fn compare_and_swap<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: &'a Token,
    ) -> Boxed<'a, u64> {
        Box::pin(TokenStore::compare_and_swap(self, key, expected, token))
    }

    fn compare_and_swap_shared<'a>(
        &'a self,
        key: &'a str,
        expected: Option<u64>,
        token: &'a Arc<Token>,
    ) -> Boxed<'a, u64> {
        Box::pin(TokenStore::compare_and_swap_shared(
            self, key, expected, token,
        ))
    }

    fn try_lock<'a>(&'a self, key: &'a str, ttl: Duration) -> Boxed<'a, Option<RefreshLock>> {
        Box::pin(TokenStore::try_lock(self, key, ttl))
    }

    fn unlock<'a>(&'a self, key: &'a str, lock: &'a RefreshLock) -> Boxed<'a, ()> {
        Box::pin(TokenStore::unlock(self, key, lock))
    }

    fn extend_lock<'a>(
        &'a self,
        key: &'a str,
        lock: &'a RefreshLock,
        ttl: Duration,
    ) -> Boxed<'a, bool> {
        Box::pin(TokenStore::extend_lock(self, key, lock, ttl))
    }

    fn is_shared(&self) -> bool {
        TokenStore::is_shared(self)
    }

    fn delete<'a>(&'a self, key: &'a str) -> Boxed<'a, bool> {
        Box::pin(TokenStore::delete(self, key))
    }

    fn list_keys(&self) -> Boxed<'_, Vec<String>> {
        Box::pin(TokenStore::list_keys(self))
    }

    fn name(&self) -> &'static str {
        std::any::type_name::<S>()
    }
}

/// Any token store, chosen at run time: `AnyStore::new(FileStore::new(dir)?)` and
/// `AnyStore::new(RedisStore::connect(url, "app").await?)` are the same type. Cheap to clone
/// (clones share the store). Each call costs one boxed future more than the store itself.
///
/// [`AnyStore::with_due_index`] keeps the store's [`super::DueIndex`] too (for a keeper over a
/// store chosen at run time); a store wrapped with [`AnyStore::new`] answers the index's calls
/// with an error.
#[derive(Clone)]
pub struct AnyStore(Arc<dyn DynStore>, Option<Arc<dyn due::DynDue>>);

impl AnyStore {
    /// Wraps `store`.
    pub fn new(store: impl TokenStore) -> Self {
        Self(Arc::new(store), None)
    }
}

impl fmt::Debug for AnyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The type's name only: a store's own Debug may be long, and says nothing secret, but
        // the name is what tells which store was chosen.
        f.debug_tuple("AnyStore").field(&self.0.name()).finish()
    }
}

impl TokenStore for AnyStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.0.load(key).await
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        self.0.compare_and_swap(key, expected, token).await
    }

    async fn compare_and_swap_shared(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Arc<Token>,
    ) -> Result<u64, StoreError> {
        self.0.compare_and_swap_shared(key, expected, token).await
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        self.0.try_lock(key, ttl).await
    }

    async fn unlock(&self, key: &str, lock: &RefreshLock) -> Result<(), StoreError> {
        self.0.unlock(key, lock).await
    }

    async fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.0.extend_lock(key, lock, ttl).await
    }

    fn is_shared(&self) -> bool {
        self.0.is_shared()
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.0.delete(key).await
    }

    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.0.list_keys().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::MemoryStore;
    use oauth_core::AccessToken;

    #[tokio::test]
    async fn any_store_passes_every_call_through() {
        let inner = Arc::new(MemoryStore::new());
        let store = AnyStore::new(Arc::clone(&inner));
        let token = Token::new(AccessToken::new("a"), std::time::SystemTime::UNIX_EPOCH);
        assert_eq!(
            TokenStore::compare_and_swap(&store, "k", None, &token)
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            TokenStore::load(&inner, "k")
                .await
                .unwrap()
                .unwrap()
                .version,
            1
        );
        assert_eq!(
            TokenStore::list_keys(&store).await.unwrap(),
            vec!["k".to_owned()]
        );
        assert!(TokenStore::delete(&store, "k").await.unwrap());
        assert!(!TokenStore::delete(&store, "k").await.unwrap());
        assert!(TokenStore::load(&inner, "k").await.unwrap().is_none());
        assert!(!TokenStore::is_shared(&store));
        assert!(format!("{store:?}").contains("MemoryStore"));
    }
}
