//! The sealed form of [`PendingAuthorizations`]: ChaCha20-Poly1305 (from `ring`, which rustls
//! already builds) under a [`SealingKey`], a random 96-bit nonce per seal, the caller's purpose
//! as associated data. With random nonces one key should seal fewer than 2^32 records (NIST SP
//! 800-38D's bound), far beyond what a web app's callbacks reach between key rotations.

use std::fmt;
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};

use super::{MAX_SEALED_LEN, PendingAuthorization, PendingAuthorizations, PendingError};
use oauth_core::error::Error;
use oauth_core::secret::PkceVerifier;
use oauth_core::state::CsrfState;

impl PendingAuthorizations {
    /// Encrypts and authenticates the whole set under `key` (ChaCha20-Poly1305, a random
    /// nonce), bound to `purpose` (e.g. the cookie's name: a record sealed for one purpose
    /// does not open for another).
    pub fn seal(&self, key: &SealingKey, purpose: &[u8]) -> SealedPending {
        let plain = Plain {
            v: 1,
            entries: self.entries.iter().map(PlainEntry::from).collect(),
        };
        let mut buffer = serde_json::to_vec(&plain).unwrap_or_default();
        let nonce_bytes = oauth_core::runtime::random::bytes::<NONCE_LEN>();
        let sealed = key.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(purpose),
            &mut buffer,
        );
        // Sealing fails only for a message past ChaCha20's 256 GiB: not a set of 8 entries.
        if sealed.is_err() {
            buffer.clear();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buffer);
        SealedPending(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`PendingAuthorizations::seal`] wrote with the same key and purpose.
    pub fn open(key: &SealingKey, purpose: &[u8], sealed: &str) -> Result<Self, PendingError> {
        if sealed.len() > MAX_SEALED_LEN {
            return Err(PendingError::Sealed);
        }
        let mut bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| PendingError::Sealed)?;
        if bytes.len() < NONCE_LEN {
            return Err(PendingError::Sealed);
        }
        let mut body = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| PendingError::Sealed)?;
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(purpose), &mut body)
            .map_err(|_| PendingError::Sealed)?;
        let plain: Plain = serde_json::from_slice(plain).map_err(|_| PendingError::Sealed)?;
        if plain.v != 1 {
            return Err(PendingError::Sealed);
        }
        let entries = plain
            .entries
            .into_iter()
            .take(Self::MAX_ENTRIES)
            .map(PlainEntry::into_pending)
            .collect::<Option<_>>()
            .ok_or(PendingError::Sealed)?;
        Ok(Self { entries })
    }
}

/// A sealed [`PendingAuthorizations`]: URL-safe base64 text, fit for a cookie value, a session
/// or a database column (`serde` as a string).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedPending(String);

impl SealedPending {
    /// Wraps sealed text read back (from a cookie, a session).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, taken.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SealedPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedPending({} bytes)", self.0.len())
    }
}

/// A 256-bit key for [`PendingAuthorizations::seal`]. Every replica that may receive the
/// callback needs the same key. `Debug` shows nothing of it.
pub struct SealingKey {
    key: LessSafeKey,
}

impl SealingKey {
    /// A key from 32 bytes (e.g. `openssl rand -base64 32`, decoded).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        // `new` refuses only a key of another length than the algorithm's 32 bytes.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .expect("ChaCha20-Poly1305 takes a 32-byte key");
        Self {
            key: LessSafeKey::new(unbound),
        }
    }

    /// A key from standard or URL-safe base64 of 32 bytes; anything else is [`Error::Config`]
    /// (without the text).
    pub fn from_base64(text: &str) -> oauth_core::error::Result<Self> {
        let text = text.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')));
        let bytes: [u8; 32] = decoded
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::Config("a sealing key is base64 of exactly 32 bytes".into()))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A random key: for one process (a restart forgets what it sealed), or tests.
    pub fn generate() -> Self {
        Self::from_bytes(&oauth_core::runtime::random::bytes::<32>())
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

// Only what is sealed serializes: these private shapes exist inside `seal`/`open` alone.
#[derive(Serialize, Deserialize)]
struct Plain {
    v: u8,
    entries: Vec<PlainEntry>,
}

#[derive(Serialize, Deserialize)]
struct PlainEntry {
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pkce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    label: String,
    /// Seconds since the epoch.
    exp: u64,
}

impl From<&PendingAuthorization> for PlainEntry {
    fn from(p: &PendingAuthorization) -> Self {
        Self {
            state: p.state.secret().to_owned(),
            pkce: p.pkce_verifier.as_ref().map(|v| v.secret().to_owned()),
            redirect_uri: p.redirect_uri.clone(),
            nonce: p.nonce.clone(),
            label: p.label.clone(),
            // Before the epoch is long expired: 0 says so.
            exp: p
                .expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

impl PlainEntry {
    /// `None` for an empty state (which [`CsrfState::new`] refuses).
    fn into_pending(self) -> Option<PendingAuthorization> {
        Some(PendingAuthorization {
            state: CsrfState::new(self.state).ok()?,
            pkce_verifier: self.pkce.map(PkceVerifier::new),
            redirect_uri: self.redirect_uri,
            nonce: self.nonce,
            label: self.label,
            // An instant `SystemTime` cannot hold is treated as already expired.
            expires_at: UNIX_EPOCH
                .checked_add(Duration::from_secs(self.exp))
                .unwrap_or(UNIX_EPOCH),
        })
    }
}
