//! Any store, with every document encrypted at rest.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::zeroize::Zeroizing;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::keyring::Keyring;
use super::opened::Opened;
use super::{RefreshLock, TokenStore, Versioned, validate_key};
use oauth_core::error::{StoreError, StoreErrorKind};
use oauth_core::secret::AccessToken;
use oauth_core::token::{StoredToken, Token};

/// The field of the stand-in token that holds the sealed document.
const FIELD: &str = "oauth_core_sealed";
/// The stand-in's access token: what a reader without the key would see (and, sent as a
/// bearer token by mistake, is refused without revealing anything).
const STAND_IN: &str = "oauth-core.sealed";
const ALG: &str = "XChaCha20-Poly1305";
const ENVELOPE_VERSION: u64 = 1;
const NONCE_LEN: usize = 24;

/// The sealed document, as stored (`{"v", "alg", "kid", "nonce", "ciphertext"}`), read in place
/// from the stand-in's field.
#[derive(Deserialize)]
struct Envelope<'a> {
    v: u64,
    #[serde(borrow)]
    alg: Cow<'a, str>,
    #[serde(borrow)]
    kid: Cow<'a, str>,
    #[serde(borrow)]
    nonce: Cow<'a, str>,
    #[serde(borrow)]
    ciphertext: Cow<'a, str>,
}

/// A store whose documents are encrypted: each token is sealed with XChaCha20-Poly1305 under
/// the keyring's current key, with a random 192-bit nonce per write (no nonce bookkeeping,
/// no practical collision bound) and the store key and key id as associated data, so a
/// document copied to another key, or relabelled with another key id, does not open.
///
/// The inner store keeps its own document, versions and refresh lock unchanged; the token it
/// holds is a stand-in (access token `oauth-core.sealed`, expired at 1970) whose only content
/// is the sealed token in an `oauth_core_sealed` field: `{"v", "alg", "kid", "nonce",
/// "ciphertext"}`. Nothing of the token but that ciphertext reaches the inner store.
///
/// Reads accept every key in the [`Keyring`]; writes use its current one;
/// [`EncryptedStore::rewrap`] re-encrypts stored documents under the current key. A document
/// that does not open (wrong key, unknown key id, altered bytes, copied from another key) is a
/// [`StoreErrorKind::Encryption`] error naming the store key and key id, and is left as it
/// is: compare-and-swap only replaces a version this store has opened (or checks first).
pub struct EncryptedStore<S> {
    inner: S,
    keyring: Arc<Keyring>,
    accept_plaintext: bool,
    /// The last version of each key this store opened or wrote (writes over any other
    /// version are checked first, so an unopenable document is never replaced), and for recent
    /// keys the token it opened to.
    opened: Arc<Opened>,
}

impl<S: Clone> Clone for EncryptedStore<S> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            keyring: Arc::clone(&self.keyring),
            accept_plaintext: self.accept_plaintext,
            opened: Arc::clone(&self.opened),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for EncryptedStore<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EncryptedStore")
            .field("inner", &self.inner)
            .field("keyring", &self.keyring)
            .field("accept_plaintext", &self.accept_plaintext)
            .finish()
    }
}

/// What [`EncryptedStore::rewrap`] did.
#[derive(Debug, Default)]
pub struct RewrapReport {
    /// Keys re-encrypted under the current key.
    pub rewrapped: Vec<String>,
    /// Keys already under the current key, or holding nothing.
    pub unchanged: usize,
    /// Keys that could not be re-encrypted, with why; their documents are as they were.
    pub failed: Vec<(String, StoreError)>,
}

impl<S: TokenStore> EncryptedStore<S> {
    /// Encrypts what goes into `inner` with `keyring`.
    pub fn new(inner: S, keyring: Keyring) -> Self {
        Self {
            inner,
            keyring: Arc::new(keyring),
            accept_plaintext: false,
            opened: Arc::default(),
        }
    }

    /// Whether unencrypted documents (written before encryption was turned on) are read
    /// instead of refused; the next write of each key, or [`EncryptedStore::rewrap`], seals
    /// it. Off by default: a store that should be encrypted and holds plaintext is reported.
    pub fn accept_plaintext(mut self, accept: bool) -> Self {
        self.accept_plaintext = accept;
        self
    }

    /// The store holding the sealed documents.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The keys.
    pub fn keyring(&self) -> &Keyring {
        &self.keyring
    }

    /// Re-encrypts the documents of `keys` under the current key (those sealed with an older
    /// key, and plaintext ones if accepted). Each is replaced by compare-and-swap, retried
    /// when a refresh writes first; a key that fails is reported and left as it was.
    pub async fn rewrap<K: AsRef<str>>(&self, keys: impl IntoIterator<Item = K>) -> RewrapReport {
        let mut report = RewrapReport::default();
        for key in keys {
            let key = key.as_ref();
            match self.rewrap_one(key).await {
                Ok(true) => report.rewrapped.push(key.to_owned()),
                Ok(false) => report.unchanged += 1,
                Err(e) => report.failed.push((key.to_owned(), e)),
            }
        }
        report
    }

    /// [`EncryptedStore::rewrap`] of every key the inner store holds.
    pub async fn rewrap_all(&self) -> Result<RewrapReport, StoreError> {
        let keys = self.inner.list_keys().await?;
        Ok(self.rewrap(keys).await)
    }

    async fn rewrap_one(&self, key: &str) -> Result<bool, StoreError> {
        for _ in 0..5 {
            let Some(stored) = self.inner.load(key).await? else {
                return Ok(false);
            };
            let (opened, kid) = self.open(key, stored)?;
            if kid.as_deref() == Some(self.keyring.current_id()) {
                return Ok(false);
            }
            let sealed = self.seal(key, &opened.token)?;
            match self
                .inner
                .compare_and_swap(key, Some(opened.version), &sealed)
                .await
            {
                Ok(version) => {
                    self.remember_written(key, version, &sealed, &opened.token);
                    return Ok(true);
                }
                Err(e) if e.kind == StoreErrorKind::Conflict => continue,
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::new(
            StoreErrorKind::Conflict,
            format!("`{key}` kept changing while it was re-encrypted; run rewrap again"),
        ))
    }

    /// Records what was written: `sealed` (the stand-in) around `token` at `version`.
    fn remember_written(&self, key: &str, version: u64, sealed: &Token, token: &Token) {
        let envelope = sealed.extra().get(FIELD);
        self.opened.record(
            key,
            version,
            envelope.map(|e| (e, self.keyring.current_id(), token)),
        );
    }

    fn seal(&self, key: &str, token: &Token) -> Result<Token, StoreError> {
        let (kid, secret) = self
            .keyring
            .current()
            .ok_or_else(|| encryption(format!("no key to seal `{key}` with")))?;
        // Sealed in place: the buffer holds the plaintext until it is encrypted, and is wiped
        // when dropped either way.
        let mut buffer =
            Zeroizing::new(serde_json::to_vec(&token.exposing_secrets()).map_err(|e| {
                encryption(format!(
                    "could not encode the token of `{key}` ({:?} error)",
                    e.classify()
                ))
            })?);
        let nonce: [u8; NONCE_LEN] = oauth_core::runtime::random::bytes();
        XChaCha20Poly1305::new(Key::from_slice(secret))
            .encrypt_in_place(
                XNonce::from_slice(&nonce),
                &associated_data(kid, key),
                &mut *buffer,
            )
            .map_err(|_| encryption(format!("could not seal the token of `{key}`")))?;
        let envelope = Map::from_iter([
            ("v".to_owned(), Value::from(ENVELOPE_VERSION)),
            ("alg".to_owned(), Value::from(ALG)),
            ("kid".to_owned(), Value::from(kid)),
            (
                "nonce".to_owned(),
                Value::from(URL_SAFE_NO_PAD.encode(nonce)),
            ),
            (
                "ciphertext".to_owned(),
                Value::from(URL_SAFE_NO_PAD.encode(&*buffer)),
            ),
        ]);
        let mut extra = Map::new();
        extra.insert(FIELD.to_owned(), Value::Object(envelope));
        Ok(Token::new(AccessToken::new(STAND_IN), UNIX_EPOCH)
            .with_expires_at(Some(UNIX_EPOCH))
            .with_extra(extra))
    }

    /// The token inside `stored`, and the id of the key that sealed it (`None`: plaintext).
    fn open(
        &self,
        key: &str,
        stored: Versioned,
    ) -> Result<(Versioned, Option<String>), StoreError> {
        let Some(sealed) = stored.token.extra().get(FIELD) else {
            if self.accept_plaintext {
                self.opened.record(key, stored.version, None);
                return Ok((stored, None));
            }
            return Err(encryption(format!(
                "`{key}` holds an unencrypted token; it was left untouched (to encrypt such \
                 documents, use `accept_plaintext(true)` and `rewrap`)"
            )));
        };
        let unreadable = |why: &str| {
            encryption(format!(
                "`{key}` holds a sealed document that {why}; it was left untouched"
            ))
        };
        if let Some((token, kid)) = self.opened.cached(key, stored.version, sealed) {
            return Ok((
                Versioned {
                    token,
                    version: stored.version,
                },
                Some(kid),
            ));
        }
        let envelope = Envelope::deserialize(sealed).map_err(|_| unreadable("is malformed"))?;
        if envelope.v != ENVELOPE_VERSION || envelope.alg != ALG {
            return Err(unreadable(&format!(
                "is of version {} with {:?}, but this version reads version {ENVELOPE_VERSION} \
                 with {ALG:?}",
                envelope.v,
                envelope.alg.chars().take(32).collect::<String>()
            )));
        }
        let kid = envelope.kid;
        let secret = self.keyring.key(&kid).ok_or_else(|| {
            encryption(format!(
                "`{key}` was sealed with key `{}`, which the keyring (ids {:?}) does not hold; \
                 it was left untouched",
                kid.chars().take(64).collect::<String>(),
                self.keyring.ids().collect::<Vec<_>>()
            ))
        })?;
        let nonce = URL_SAFE_NO_PAD
            .decode(envelope.nonce.as_bytes())
            .ok()
            .filter(|n| n.len() == NONCE_LEN)
            .ok_or_else(|| unreadable("has a malformed nonce"))?;
        // Opened in place: the buffer holds the plaintext once decrypted, and is wiped when
        // dropped.
        let mut plaintext = Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(envelope.ciphertext.as_bytes())
                .map_err(|_| unreadable("has malformed ciphertext"))?,
        );
        XChaCha20Poly1305::new(Key::from_slice(secret))
            .decrypt_in_place(
                XNonce::from_slice(&nonce),
                &associated_data(&kid, key),
                &mut *plaintext,
            )
            .map_err(|_| {
                encryption(format!(
                    "`{key}` does not decrypt with key `{kid}`: the key is wrong, or the \
                     document was altered or copied from another key; it was left untouched"
                ))
            })?;
        let token: StoredToken = serde_json::from_slice(&plaintext)
            .map_err(|_| unreadable("decrypts to something that is not a token"))?;
        let token = Token::from_stored(token);
        self.opened
            .record(key, stored.version, Some((sealed, &kid, &token)));
        Ok((
            Versioned {
                token,
                version: stored.version,
            },
            Some(kid.into_owned()),
        ))
    }
}

/// Whether `token`, as read from a store directly rather than through an [`EncryptedStore`],
/// is the stand-in of a sealed document. A program that reads such a store without a key can
/// refuse the stand-in (an expired token with no refresh token) instead of acting on it, and
/// must not replace it: it may hold the only copy of a refresh token.
pub fn is_sealed(token: &Token) -> bool {
    token.extra().contains_key(FIELD)
}

/// Binds a ciphertext to its format, algorithm, key id and store key.
fn associated_data(kid: &str, key: &str) -> Vec<u8> {
    // `oauth-core.sealed\0{ENVELOPE_VERSION}\0{ALG}\0{kid}\0{key}`, put together without the
    // formatting machinery.
    let version = ENVELOPE_VERSION.to_string();
    let parts = ["oauth-core.sealed", &version, ALG, kid, key];
    let mut data = Vec::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            data.push(0);
        }
        data.extend_from_slice(part.as_bytes());
    }
    data
}

fn encryption(message: String) -> StoreError {
    StoreError::new(StoreErrorKind::Encryption, message)
}

impl<S: TokenStore> TokenStore for EncryptedStore<S> {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        // The key is bound into every ciphertext: it must be the same string everywhere.
        validate_key(key)?;
        let Some(stored) = self.inner.load(key).await? else {
            return Ok(None);
        };
        let (opened, _) = self.open(key, stored)?;
        Ok(Some(opened))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        validate_key(key)?;
        let known = self.opened.version(key);
        if let Some(expected) = expected
            && known != Some(expected)
            && let Some(stored) = self.inner.load(key).await?
            && stored.version == expected
        {
            // Never replace what does not open: it may be the only copy of a refresh token
            // sealed with a key this process lacks.
            self.open(key, stored)?;
        }
        let sealed = self.seal(key, token)?;
        let version = self.inner.compare_and_swap(key, expected, &sealed).await?;
        self.remember_written(key, version, &sealed, token);
        Ok(version)
    }

    fn try_lock(
        &self,
        key: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<RefreshLock>, StoreError>> + Send {
        self.inner.try_lock(key, ttl)
    }

    fn unlock(
        &self,
        key: &str,
        lock: &RefreshLock,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.unlock(key, lock)
    }

    fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.extend_lock(key, lock, ttl)
    }

    fn is_shared(&self) -> bool {
        self.inner.is_shared()
    }

    fn delete(&self, key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.inner.delete(key)
    }

    fn list_keys(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.list_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_associated_data_binds_format_algorithm_key_id_and_key() {
        // Documents already written depend on these exact bytes.
        assert_eq!(
            associated_data("k1", "acct"),
            b"oauth-core.sealed\x001\x00XChaCha20-Poly1305\x00k1\x00acct".to_vec()
        );
    }
}
