//! The token store every command uses: the library's `FileStore`, sealed by its
//! `EncryptedStore` under the key in `OAUTH_CLI_KEY` when that is set.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use oauth_core::StoreErrorKind;
use oauth_core::{StoreError, Token};
use oauth_lifecycle::store::{
    AnyStore, EncryptedStore, FileStore, Keyring, RefreshLock, TokenStore, Versioned, is_sealed,
};

use crate::error::{CliError, CliResult};
use crate::paths::Paths;

/// The environment variable holding the store's key (`oauth_lifecycle::store::Keyring::parse`'s
/// format: base64 or hex of 32 bytes, `[id:]key`, `NEW,OLD` while rotating).
pub const KEY_VAR: &str = "OAUTH_CLI_KEY";

/// The CLI's token store: a [`FileStore`] (through [`Unkeyed`]) or an [`EncryptedStore`] over
/// one, chosen by whether `OAUTH_CLI_KEY` is set.
pub type Store = AnyStore;

/// The store in the data dir, sealed if `OAUTH_CLI_KEY` is set (and not empty). A malformed
/// key is an error that names what is wrong with it, never its text.
///
/// With a key every write is sealed with it; unencrypted documents from before are still read,
/// and sealed on their next write.
pub fn open(paths: &Paths) -> CliResult<Store> {
    let keyring = Keyring::from_env_if_set(KEY_VAR).map_err(|e| {
        CliError::Key(format!(
            "{}; generate a key with `openssl rand -base64 32` (see `oauth --help`)",
            e.message
        ))
    })?;
    let files = FileStore::new(paths.tokens_dir())?;
    Ok(match keyring {
        None => AnyStore::new(Unkeyed(files)),
        Some(keyring) => AnyStore::new(EncryptedStore::new(files, keyring).accept_plaintext(true)),
    })
}

/// The file holding `profile`'s token, for `logout`, which removes it without reading it (so
/// without a key).
pub fn token_file(paths: &Paths, profile: &str) -> CliResult<PathBuf> {
    Ok(FileStore::new(paths.tokens_dir())?.path(profile)?)
}

/// The store without a key: documents as the library writes them. A sealed one is refused,
/// never used or replaced: without the key it cannot be read, and it may hold the only
/// refresh token.
#[derive(Debug, Clone)]
struct Unkeyed(FileStore);

/// The error for a sealed document met without a key.
fn no_key(key: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Encryption,
        format!(
            "the token of `{key}` is encrypted and {KEY_VAR} is not set; it was left untouched"
        ),
    )
}

impl TokenStore for Unkeyed {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        match self.0.load(key).await? {
            Some(stored) if is_sealed(&stored.token) => Err(no_key(key)),
            stored => Ok(stored),
        }
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        // A write over the version checked here replaces exactly what was checked (any other
        // write since makes it a conflict), so a sealed document is never lost.
        if let Some(expected) = expected
            && let Some(stored) = self.0.load(key).await?
            && stored.version == expected
            && is_sealed(&stored.token)
        {
            return Err(no_key(key));
        }
        self.0.compare_and_swap(key, expected, token).await
    }

    fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<RefreshLock>, StoreError>> + Send {
        self.0.try_lock(key, ttl)
    }

    fn unlock(
        &self,
        key: &str,
        lock: &RefreshLock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.0.unlock(key, lock)
    }

    fn is_shared(&self) -> bool {
        self.0.is_shared()
    }

    fn delete(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.0.delete(key)
    }

    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.0.list_keys()
    }
}
