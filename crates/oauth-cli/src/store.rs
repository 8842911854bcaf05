//! The token store every command uses: the library's `FileStore`, sealed by its
//! `EncryptedStore` under the key in `OAUTH_CLI_KEY` when that is set.

use std::future::Future;
use std::time::Duration;

use oauth_core::StoreErrorKind;
use oauth_core::store::{
    EncryptedStore, FileStore, Keyring, RefreshLock, TokenStore, Versioned, is_sealed,
};
use oauth_core::{StoreError, Token};

use crate::error::{CliError, CliResult};
use crate::paths::Paths;

/// The environment variable holding the store's key (`oauth_core::store::Keyring::parse`'s
/// format: base64 or hex of 32 bytes, `[id:]key`, `NEW,OLD` while rotating).
pub const KEY_VAR: &str = "OAUTH_CLI_KEY";

/// The CLI's token store.
#[derive(Debug, Clone)]
pub enum Store {
    /// No key: documents as the library writes them. A sealed one is refused, never used or
    /// replaced: without the key it cannot be read, and it may hold the only refresh token.
    Plain(FileStore),
    /// A key: every write is sealed with it; unencrypted documents from before are still
    /// read, and sealed on their next write.
    Sealed(EncryptedStore<FileStore>),
}

impl Store {
    /// The store in the data dir, sealed if `OAUTH_CLI_KEY` is set (and not empty). A
    /// malformed key is an error that names what is wrong with it, never its text.
    pub fn open(paths: &Paths) -> CliResult<Self> {
        let keyring = Keyring::from_env_if_set(KEY_VAR).map_err(|e| {
            CliError::Key(format!(
                "{}; generate a key with `openssl rand -base64 32` (see `oauth --help`)",
                e.message
            ))
        })?;
        let files = FileStore::new(paths.tokens_dir())?;
        Ok(match keyring {
            None => Self::Plain(files),
            Some(keyring) => {
                Self::Sealed(EncryptedStore::new(files, keyring).accept_plaintext(true))
            }
        })
    }

    /// The files underneath (for `logout`, which removes one without reading it).
    pub fn files(&self) -> &FileStore {
        match self {
            Self::Plain(files) => files,
            Self::Sealed(sealed) => sealed.inner(),
        }
    }
}

/// The error for a sealed document met without a key.
fn no_key(key: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Encryption,
        format!(
            "the token of `{key}` is encrypted and {KEY_VAR} is not set; it was left untouched"
        ),
    )
}

impl TokenStore for Store {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        match self {
            Self::Plain(files) => match files.load(key).await? {
                Some(stored) if is_sealed(&stored.token) => Err(no_key(key)),
                stored => Ok(stored),
            },
            Self::Sealed(sealed) => sealed.load(key).await,
        }
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        match self {
            Self::Plain(files) => {
                // A write over the version checked here replaces exactly what was checked (any
                // other write since makes it a conflict), so a sealed document is never lost.
                if let Some(expected) = expected
                    && let Some(stored) = files.load(key).await?
                    && stored.version == expected
                    && is_sealed(&stored.token)
                {
                    return Err(no_key(key));
                }
                files.compare_and_swap(key, expected, token).await
            }
            Self::Sealed(sealed) => sealed.compare_and_swap(key, expected, token).await,
        }
    }

    fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<RefreshLock>, StoreError>> + Send {
        self.files().try_lock(key, ttl)
    }

    fn unlock(
        &self,
        key: &str,
        lock: &RefreshLock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.files().unlock(key, lock)
    }

    fn is_shared(&self) -> bool {
        self.files().is_shared()
    }
}
