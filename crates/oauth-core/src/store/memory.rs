//! A token store in this process's memory.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{TokenStore, Versioned};
use crate::error::{StoreError, StoreErrorKind};
use crate::token::Token;

/// Tokens in memory: for one process, tests, and tokens that need not survive a restart.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Versioned>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl TokenStore for MemoryStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let current = entries.get(key).map(|v| v.version);
        if current != expected {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("`{key}` is at version {current:?}, not {expected:?}"),
            ));
        }
        let version = current.unwrap_or(0) + 1;
        entries.insert(
            key.to_owned(),
            Versioned {
                token: token.clone(),
                version,
            },
        );
        Ok(version)
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self
            .entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key)
            .is_some())
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
