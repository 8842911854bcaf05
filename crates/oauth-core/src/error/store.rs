//! [`StoreError`]: a token store failure.

use super::Error;

/// A token store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    /// What kind of failure.
    pub kind: StoreErrorKind,
    /// What happened, naming the file or key.
    pub message: String,
}

/// What kind of token store failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Reading or writing failed (disk, network).
    Io,
    /// The stored document is not a token this version can read; it is left untouched.
    Corrupt,
    /// A compare-and-swap lost: someone else wrote first.
    Conflict,
    /// Waiting for another process's refresh took too long.
    LockTimeout,
    /// A refresh stopped because its leased refresh lock was lost (taken by another holder
    /// after it lapsed) or about to lapse, before it could spend (or while it was spending)
    /// the refresh token: another holder may now refresh, and two must never spend one
    /// refresh token.
    LeaseLost,
    /// The store's place is not private to this user (e.g. a directory another user owns or
    /// can write to), or the way to it is not secure (a network store's TLS certificate that
    /// fails its check, a plaintext URL to a host that is not loopback): tokens there could be
    /// read, replaced or planted. Nothing was read.
    Insecure,
    /// An encrypted store could not seal or open a document: a key is malformed, missing from
    /// the keyring, or wrong, or the document was altered or copied from another key. The
    /// document is left as it is.
    Encryption,
}

impl StoreError {
    /// A store error.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}
