//! Listing the keys a store holds, for maintenance over all of them (re-encryption).

use std::future::Future;
use std::io::ErrorKind;

use super::{FileStore, TokenStore, validate_key};
use crate::error::{StoreError, StoreErrorKind};

/// A store that can list the keys holding a token, e.g. for `EncryptedStore::rewrap_all`
/// (feature `encryption`).
pub trait ListKeys: TokenStore {
    /// Every key that holds a token, in no particular order.
    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
}

/// The `<key>.json` documents of the directory; temporary and lock files are not keys.
impl ListKeys for FileStore {
    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.dir().to_owned();
        let listed = tokio::task::spawn_blocking(move || {
            let io = |e: std::io::Error| {
                StoreError::new(
                    StoreErrorKind::Io,
                    format!("could not list {}: {e}", dir.display()),
                )
            };
            let mut keys = Vec::new();
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(keys),
                Err(e) => return Err(io(e)),
            };
            for entry in entries {
                let name = entry.map_err(io)?.file_name();
                if let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".json"))
                    && validate_key(key).is_ok()
                {
                    keys.push(key.to_owned());
                }
            }
            Ok(keys)
        })
        .await;
        listed.map_err(|_| {
            StoreError::new(StoreErrorKind::Io, "the file store's listing task failed")
        })?
    }
}

impl<T: ListKeys> ListKeys for std::sync::Arc<T> {
    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        (**self).list_keys()
    }
}
