//! Tokens in files: one JSON document per key, replaced atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use super::{TokenStore, Versioned, validate_key};
use crate::error::{StoreError, StoreErrorKind};
use crate::token::{StoredToken, Token};

/// The `format` every document carries; a file without it is not ours and is left alone.
const FORMAT: &str = "oauth-core.token";
/// The document layout version this code reads and writes.
const FORMAT_VERSION: u32 = 1;

/// Tokens in a directory, one `<key>.json` per key.
///
/// A write goes to a temporary file (mode 0600) in the same directory, is flushed to disk,
/// renamed over the old document, and the directory is flushed: a crash at any point leaves
/// either the old document or the new one, never a mix. Compare-and-swap holds an exclusive
/// lock on `<key>.lock`, so it is atomic across processes too. A document this version cannot
/// read is reported (naming its path) and never overwritten.
#[derive(Clone)]
pub struct FileStore {
    dir: Arc<PathBuf>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileStore").field("dir", &self.dir).finish()
    }
}

#[derive(Serialize)]
struct DocumentOut<'a> {
    format: &'static str,
    format_version: u32,
    version: u64,
    token: crate::token::ExposeSecrets<'a>,
}

#[derive(Deserialize)]
struct DocumentIn {
    format: String,
    format_version: u32,
    version: u64,
    token: StoredToken,
}

impl FileStore {
    /// A store in `dir`, created (mode 0700) if missing.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&dir)
            .map_err(|e| io_error(&dir, "create the directory", &e))?;
        Ok(Self { dir: Arc::new(dir) })
    }

    /// The file holding `key`.
    pub fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn read(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let path = self.path(key);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_error(&path, "read", &e)),
        };
        let doc: DocumentIn = serde_json::from_slice(&bytes).map_err(|e| {
            StoreError::new(
                StoreErrorKind::Corrupt,
                format!(
                    "{} is not a token document ({}); it was left untouched",
                    path.display(),
                    crate::error::DecodeError::from_json(None, String::new(), &e).problem
                ),
            )
        })?;
        if doc.format != FORMAT || doc.format_version != FORMAT_VERSION {
            return Err(StoreError::new(
                StoreErrorKind::Corrupt,
                format!(
                    "{} has format `{}` version {}, this version reads `{FORMAT}` version \
                     {FORMAT_VERSION}; it was left untouched",
                    path.display(),
                    doc.format,
                    doc.format_version
                ),
            ));
        }
        Ok(Some(Versioned {
            token: Token::from_stored(doc.token),
            version: doc.version,
        }))
    }

    fn cas(&self, key: &str, expected: Option<u64>, token: &Token) -> Result<u64, StoreError> {
        let lock_path = self.dir.join(format!("{key}.lock"));
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .map_err(|e| io_error(&lock_path, "open the lock file", &e))?;
        lock.lock().map_err(|e| io_error(&lock_path, "lock", &e))?;
        // Unlocked when `lock` is dropped (closing the file releases the lock).

        let current = self.read(key)?.map(|v| v.version);
        if current != expected {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!(
                    "{} is at version {current:?}, not {expected:?}",
                    self.path(key).display()
                ),
            ));
        }
        let version = current.unwrap_or(0) + 1;
        let bytes = serde_json::to_vec_pretty(&DocumentOut {
            format: FORMAT,
            format_version: FORMAT_VERSION,
            version,
            token: token.exposing_secrets(),
        })
        .map_err(|e| StoreError::new(StoreErrorKind::Io, format!("could not encode: {e}")))?;
        self.replace(key, &bytes)?;
        Ok(version)
    }

    /// Writes `bytes` to a fresh temporary file, syncs it, renames it over the document and
    /// syncs the directory so the rename itself is durable.
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let mut suffix = [0u8; 9];
        rand::rng().fill_bytes(&mut suffix);
        let tmp = self
            .dir
            .join(format!(".{key}.{}.tmp", URL_SAFE_NO_PAD.encode(suffix)));
        let result = (|| {
            let mut file = OpenOptions::new()
                .create_new(true)
                .write(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(|e| io_error(&tmp, "create", &e))?;
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&tmp, "write", &e))?;
            let target = self.path(key);
            fs::rename(&tmp, &target).map_err(|e| io_error(&target, "replace", &e))?;
            File::open(self.dir.as_path())
                .and_then(|d| d.sync_all())
                .map_err(|e| io_error(&self.dir, "sync the directory", &e))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(FileStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| {
                StoreError::new(StoreErrorKind::Io, format!("file store task failed: {e}"))
            })?
    }
}

fn io_error(path: &Path, action: &str, e: &std::io::Error) -> StoreError {
    StoreError::new(
        StoreErrorKind::Io,
        format!("could not {action} {}: {e}", path.display()),
    )
}

impl TokenStore for FileStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        validate_key(key)?;
        let key = key.to_owned();
        self.blocking(move |s| s.read(&key)).await
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        validate_key(key)?;
        let (key, token) = (key.to_owned(), token.clone());
        self.blocking(move |s| s.cas(&key, expected, &token)).await
    }
}
