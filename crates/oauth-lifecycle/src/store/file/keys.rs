//! The file store's keys: listing them, and deleting one.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;

use super::private::{open_error, private_file};
use super::{FileStore, io_error, sync_dir};
use crate::store::validate_key;
use oauth_core::error::StoreError;

impl FileStore {
    /// The `<key>.json` documents of the directory; temporary and lock files are not keys.
    pub(super) async fn list_documents(&self) -> Result<Vec<String>, StoreError> {
        self.blocking(|store| {
            let dir = store.dir();
            let mut keys = Vec::new();
            let entries = match fs::read_dir(dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(keys),
                Err(e) => return Err(io_error(dir, "list", &e)),
            };
            for entry in entries {
                let name = entry.map_err(|e| io_error(dir, "list", &e))?.file_name();
                if let Some(key) = name.to_str().and_then(|n| n.strip_suffix(".json"))
                    && validate_key(key).is_ok()
                {
                    keys.push(key.to_owned());
                }
            }
            Ok(keys)
        })
        .await
    }

    /// Removes `<key>.json` under the key's write lock (so no compare-and-swap is half way
    /// through it), then flushes the directory so that the removal survives a power loss.
    pub(super) async fn delete_document(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        let key = key.to_owned();
        self.blocking(move |store| {
            let lock_path = store.dir().join(format!("{key}.lock"));
            let lock = private_file(OpenOptions::new().create(true).truncate(false).write(true))
                .open(&lock_path)
                .map_err(|e| open_error(&lock_path, "open the lock file", &e))?;
            lock.lock().map_err(|e| io_error(&lock_path, "lock", &e))?;
            let path = store.document_path(&key);
            let removed = match fs::remove_file(&path) {
                Ok(()) => true,
                Err(e) if e.kind() == ErrorKind::NotFound => false,
                Err(e) => return Err(io_error(&path, "delete", &e)),
            };
            if removed {
                sync_dir(store.dir())?;
            }
            drop(lock);
            Ok(removed)
        })
        .await
    }
}
