//! Tokens in files: one JSON document per key, replaced atomically.
//!
//! This module also owns the stored document format, which the Redis store shares, so that a
//! document can move between the two stores unchanged.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

mod keys;
mod private;

#[cfg(unix)]
use self::private::resolve_private_dir;
use self::private::{no_follow, open_error, private_file};
use super::{RefreshLock, TokenStore, Versioned, validate_key};
use oauth_core::error::{DecodeError, StoreError, StoreErrorKind};
use oauth_core::token::{ExposeSecrets, StoredToken, Token};

/// The `format` every document carries; a document without it is not ours and is left alone.
pub(super) const FORMAT: &str = "oauth-core.token";
/// The document layout this code reads and writes. A newer layout is refused rather than
/// guessed at, so an older binary never overwrites what a newer one wrote.
pub(super) const FORMAT_VERSION: u64 = 1;

#[derive(Serialize)]
struct DocumentOut<'a> {
    format: &'static str,
    format_version: u64,
    version: u64,
    token: ExposeSecrets<'a>,
}

/// A document, read in one pass.
#[derive(Deserialize)]
struct Document<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    format_version: u64,
    version: u64,
    token: StoredToken,
}

/// What says whose document it is; read on its own only when a document does not read whole,
/// so that a foreign one is reported as foreign instead of as "missing field `token`".
#[derive(Deserialize)]
struct Header<'a> {
    #[serde(borrow)]
    format: Cow<'a, str>,
    format_version: u64,
}

/// The stored document for `token` at `version`. The bytes hold secrets.
pub(super) fn encode_document(version: u64, token: &Token) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(&DocumentOut {
        format: FORMAT,
        format_version: FORMAT_VERSION,
        version,
        token: token.exposing_secrets(),
    })
    // serde_json's message could quote a value being encoded; the category cannot.
    .map_err(|e| {
        StoreError::new(
            StoreErrorKind::Io,
            format!(
                "could not encode the token document ({:?} error)",
                e.classify()
            ),
        )
    })
}

/// Reads a stored document; `name` gives what names it in errors (a path or a Redis key), and
/// is only called for one.
pub(super) fn decode_document(
    bytes: &[u8],
    name: impl Fn() -> String,
) -> Result<Versioned, StoreError> {
    let document = serde_json::from_slice::<Document<'_>>(bytes);
    let foreign = |format: &str, format_version: u64| {
        (format != FORMAT || format_version != FORMAT_VERSION).then(|| {
            // The foreign format name is shown to help tell what wrote it, but shortened: it
            // is someone else's data.
            let format: String = format.chars().take(64).collect();
            StoreError::new(
                StoreErrorKind::Corrupt,
                format!(
                    "{} has format {format:?} version {}, but this version reads {FORMAT:?} \
                     version {FORMAT_VERSION}; it was left untouched",
                    name(),
                    format_version
                ),
            )
        })
    };
    match document {
        Ok(document) => match foreign(&document.format, document.format_version) {
            Some(e) => Err(e),
            None => Ok(Versioned {
                token: Token::from_stored(document.token),
                version: document.version,
            }),
        },
        Err(e) => match serde_json::from_slice::<Header<'_>>(bytes) {
            Ok(header) => Err(foreign(&header.format, header.format_version)
                .unwrap_or_else(|| not_a_document(&name(), &e))),
            Err(_) => Err(not_a_document(&name(), &e)),
        },
    }
}

/// `DecodeError` describes the failure without quoting the document, which holds secrets.
fn not_a_document(name: &str, e: &serde_json::Error) -> StoreError {
    let problem = DecodeError::from_json(None, String::new(), e).problem;
    let problem = problem.replace("the body", "the document");
    StoreError::new(
        StoreErrorKind::Corrupt,
        format!("{name} is not a readable token document ({problem}); it was left untouched"),
    )
}

/// Tokens in a directory, one `<key>.json` per key.
///
/// A write goes to a fresh temporary file (mode 0600) in the same directory, is flushed to
/// disk, renamed over the old document, and then the directory is flushed: a crash at any
/// point leaves either the old document or the new one, never a mix. Compare-and-swap holds an
/// exclusive lock on `<key>.lock` while it reads, compares and writes, so it is atomic against
/// other tasks and other processes using the same directory. A document this version cannot
/// read is reported (naming its path) and never overwritten.
///
/// Temporary files left by a process that died mid-write (`.<key>.<random>.tmp`) are never
/// read; they can be deleted at any time no process is writing.
///
/// Processes sharing a directory also share each key's refresh lock: an exclusive advisory lock
/// (`flock`) on `<key>.refresh`, held until released or until the holder's process ends, so a
/// crashed holder never blocks the others. Each expiry is then refreshed by one process.
#[derive(Clone)]
pub struct FileStore {
    dir: Arc<PathBuf>,
    /// Open refresh-lock files by owner value; dropping one releases its lock.
    refresh_locks: Arc<Mutex<HashMap<String, File>>>,
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore").field("dir", &self.dir).finish()
    }
}

impl FileStore {
    /// A store in `dir`, created (with its missing parents, mode 0700) if it does not exist.
    ///
    /// On Unix the path is then resolved once (symbolic links in it are followed this one
    /// time) and the store works on the resolved path only, which must be private, as ssh
    /// wants of `~/.ssh`:
    ///
    /// - the directory itself is owned by this process's effective user (a directory of
    ///   root's is refused unless the process runs as root) and writable by no one else (no
    ///   group or other write bit);
    /// - every directory above it is owned by this user or by root, and writable by no one
    ///   else unless it is sticky like `/tmp` (whoever can rename entries in a directory above
    ///   could put another directory in the store's place).
    ///
    /// Otherwise this is [`StoreErrorKind::Insecure`] naming the directory, its owner or
    /// mode and the fix, and nothing in it is read: another user could read, replace or
    /// plant tokens there. An existing directory's mode is never changed.
    ///
    /// Files in the directory are opened without following symbolic links: a link planted at
    /// a document or lock path is reported, never followed (so it cannot make the store
    /// create, lock or read a file elsewhere).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let dir = dir.into();
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .map_err(|e| io_error(&dir, "create the directory", &e))?;
        // Checked after creating, not before: a directory someone else created in between is
        // checked all the same.
        #[cfg(unix)]
        let dir = resolve_private_dir(&dir)?;
        Ok(Self {
            dir: Arc::new(dir),
            refresh_locks: Arc::default(),
        })
    }

    /// The directory holding the documents (on Unix, its resolved path: no symbolic links).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding `key`'s document (which may not exist yet).
    pub fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        validate_key(key)?;
        Ok(self.document_path(key))
    }

    fn document_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn read(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let path = self.document_path(key);
        let mut file = match no_follow(OpenOptions::new().read(true)).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(open_error(&path, "read", &e)),
        };
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io_error(&path, "read", &e))?;
        decode_document(&bytes, || path.display().to_string()).map(Some)
    }

    fn cas(&self, key: &str, expected: Option<u64>, token: &Token) -> Result<u64, StoreError> {
        let lock_path = self.dir.join(format!("{key}.lock"));
        let lock = private_file(OpenOptions::new().create(true).truncate(false).write(true))
            .open(&lock_path)
            .map_err(|e| open_error(&lock_path, "open the lock file", &e))?;
        // An OS lock rather than a mutex: it also excludes other processes, and the OS releases
        // it when its holder dies. It is released when `lock` is dropped.
        lock.lock().map_err(|e| io_error(&lock_path, "lock", &e))?;

        let current = self.read(key)?.map(|v| v.version);
        if current != expected {
            return Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!(
                    "{} is at version {current:?}, not {expected:?}",
                    self.document_path(key).display()
                ),
            ));
        }
        let version = current.unwrap_or(0) + 1;
        self.replace(key, &encode_document(version, token)?)?;
        drop(lock);
        Ok(version)
    }

    /// Writes `bytes` to a fresh temporary file, syncs it, renames it over the document and
    /// syncs the directory so that the rename itself survives a power loss.
    fn replace(&self, key: &str, bytes: &[u8]) -> Result<(), StoreError> {
        let suffix: [u8; 12] = oauth_core::runtime::random::bytes();
        // The leading dot keeps it apart from every document: keys cannot start with one.
        let tmp = self
            .dir
            .join(format!(".{key}.{}.tmp", URL_SAFE_NO_PAD.encode(suffix)));
        let target = self.document_path(key);
        let result = (|| {
            let mut file = private_file(OpenOptions::new().create_new(true).write(true))
                .open(&tmp)
                .map_err(|e| io_error(&tmp, "create", &e))?;
            file.write_all(bytes)
                .and_then(|()| file.sync_all())
                .map_err(|e| io_error(&tmp, "write", &e))?;
            drop(file);
            fs::rename(&tmp, &target).map_err(|e| io_error(&target, "replace", &e))
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result?;
        sync_dir(&self.dir)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(FileStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = self.clone();
        tokio::task::spawn_blocking(move || work(store))
            .await
            .map_err(|e| {
                let why = if e.is_panic() {
                    "panicked"
                } else {
                    "was cancelled"
                };
                StoreError::new(StoreErrorKind::Io, format!("the file store task {why}"))
            })?
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(dir, "sync the directory", &e))
}

/// Directories cannot be opened as files here; the rename is as durable as the platform makes it.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> Result<(), StoreError> {
    Ok(())
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

    /// Tries the `flock` on `<key>.refresh`; `ttl` is not needed: the lock ends with its
    /// holder's process.
    async fn try_lock(&self, key: &str, _ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        validate_key(key)?;
        let key = key.to_owned();
        self.blocking(move |s| s.try_refresh_lock(&key)).await
    }

    async fn unlock(&self, _key: &str, lock: &RefreshLock) -> Result<(), StoreError> {
        // Closing the file releases the flock.
        self.refresh_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(lock.owner());
        Ok(())
    }

    fn is_shared(&self) -> bool {
        true
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.delete_document(key).await
    }

    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.list_documents().await
    }
}

impl FileStore {
    fn try_refresh_lock(&self, key: &str) -> Result<Option<RefreshLock>, StoreError> {
        let path = self.dir.join(format!("{key}.refresh"));
        let file = private_file(OpenOptions::new().create(true).truncate(false).write(true))
            .open(&path)
            .map_err(|e| open_error(&path, "open the refresh lock", &e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(io_error(&path, "lock", &e)),
        }
        let owner: [u8; 16] = oauth_core::runtime::random::bytes();
        let owner = URL_SAFE_NO_PAD.encode(owner);
        self.refresh_locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(owner.clone(), file);
        Ok(Some(RefreshLock::new(owner)))
    }
}
