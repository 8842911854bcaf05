//! A token store in this process's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{TokenStore, Versioned};

mod due;
use oauth_core::error::{StoreError, StoreErrorKind};
use oauth_core::token::Token;

/// Tokens in memory: for one process, tests, and tokens that need not survive a restart.
///
/// A token written by a [`crate::TokenSource`] is kept as the very `Arc` the source holds
/// ([`TokenStore::compare_and_swap_shared`]), not as a copy.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, (Arc<Token>, u64)>>,
    /// The due-time index ([`super::DueIndex`]).
    due: Mutex<due::DueMap>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn swap(&self, key: &str, expected: Option<u64>, token: Arc<Token>) -> Result<u64, StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let current = entries.get(key).map(|(_, version)| *version);
        if current != expected {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("`{key}` is at version {current:?}, not {expected:?}"),
            ));
        }
        let version = current.unwrap_or(0).checked_add(1).ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::Conflict,
                format!("`{key}` has no next version"),
            )
        })?;
        let previous = entries.insert(key.to_owned(), (token, version));
        drop(entries);
        // Dropped outside the lock: dropping a token wipes its secrets.
        drop(previous);
        Ok(version)
    }
}

impl TokenStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        Ok(entries.get(key).map(|(token, version)| Versioned {
            token: Token::clone(token),
            version: *version,
        }))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        self.swap(key, expected, Arc::new(token.clone()))
    }

    async fn compare_and_swap_shared(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Arc<Token>,
    ) -> Result<u64, StoreError> {
        self.swap(key, expected, Arc::clone(token))
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let removed = self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
        Ok(removed.is_some())
    }

    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .keys()
            .cloned()
            .collect())
    }
}
