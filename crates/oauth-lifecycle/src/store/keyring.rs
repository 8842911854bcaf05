//! The keys an [`super::EncryptedStore`] seals and opens documents with.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use ring::digest::{Context, SHA256};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretBox};

use oauth_core::error::{StoreError, StoreErrorKind};

/// Bytes in a key: 256 bits.
pub const KEY_LEN: usize = 32;

/// Data-encryption keys by id: the current one seals every write, the others still open the
/// documents they sealed, so keys can be rotated without a flag day.
///
/// Keys are held in zeroizing memory ([`secrecy::SecretBox`]) and never shown: `Debug` and
/// errors name key ids only. Ids are not secret; they are stored in each document.
pub struct Keyring {
    /// The current key first.
    keys: Vec<(String, SecretBox<[u8; KEY_LEN]>)>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current_id())
            .field("ids", &self.ids().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A keyring whose current key is `key` (32 bytes), stored under the id `id`
    /// (1-64 of `[A-Za-z0-9._-]`). The caller's copy of the bytes is its own to wipe.
    pub fn new(id: impl Into<String>, key: &[u8]) -> Result<Self, StoreError> {
        Ok(Self {
            keys: vec![entry(id.into(), key)?],
        })
    }

    /// Adds an older key that still opens the documents it sealed; it never seals.
    pub fn with_old_key(mut self, id: impl Into<String>, key: &[u8]) -> Result<Self, StoreError> {
        let (id, key) = entry(id.into(), key)?;
        if self.key(&id).is_some() {
            return Err(key_error(format!("the keyring already holds a key `{id}`")));
        }
        self.keys.push((id, key));
        Ok(self)
    }

    /// Parses a keyring from text: comma-separated keys, the current one first, each
    /// `[id:]key` with the key in base64 (standard or URL-safe, padded or not) or 64 hex
    /// digits. A key without an id gets one derived from it (a truncated SHA-256 of the key,
    /// which reveals nothing usable about a random 256-bit key), so
    /// `OAUTH_KEY="$(openssl rand -base64 32)"` works, and so does rotating to
    /// `OAUTH_KEY="$NEW,$OLD"`. Errors say which entry is wrong, never what it holds.
    pub fn parse(text: &str) -> Result<Self, StoreError> {
        let mut entries = text.split(',').map(str::trim).enumerate();
        let Some((_, first)) = entries.next().filter(|(_, e)| !e.is_empty()) else {
            return Err(key_error("no key given".to_owned()));
        };
        let (id, key) = parse_entry(first, 1)?;
        let mut keyring = Self::new(id, key.as_slice())?;
        for (i, text) in entries {
            let (id, key) = parse_entry(text, i + 1)?;
            keyring = keyring.with_old_key(id, key.as_slice())?;
        }
        Ok(keyring)
    }

    /// [`Keyring::parse`] of the environment variable `var`; an error if it is unset.
    pub fn from_env(var: &str) -> Result<Self, StoreError> {
        Self::from_env_if_set(var)?.ok_or_else(|| {
            key_error(format!(
                "{var} is not set: set it to a 32-byte key in base64, e.g. the output of \
                 `openssl rand -base64 32`"
            ))
        })
    }

    /// [`Keyring::parse`] of `var`, or `None` when it is unset or empty.
    pub fn from_env_if_set(var: &str) -> Result<Option<Self>, StoreError> {
        let Some(value) = std::env::var_os(var) else {
            return Ok(None);
        };
        let value = Zeroizing::new(
            value
                .into_string()
                .map_err(|_| key_error(format!("{var} is not valid UTF-8")))?,
        );
        if value.trim().is_empty() {
            return Ok(None);
        }
        Self::parse(&value)
            .map(Some)
            .map_err(|e| key_error(format!("{var}: {}", e.message)))
    }

    /// The id of the key that seals new documents.
    pub fn current_id(&self) -> &str {
        // Invariant: every constructor puts a first key in.
        self.keys.first().map_or("", |(id, _)| id)
    }

    /// Every key id, the current one first.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|(id, _)| id.as_str())
    }

    pub(super) fn current(&self) -> Option<(&str, &[u8; KEY_LEN])> {
        self.keys
            .first()
            .map(|(id, key)| (id.as_str(), key.expose_secret()))
    }

    pub(super) fn key(&self, id: &str) -> Option<&[u8; KEY_LEN]> {
        self.keys
            .iter()
            .find(|(known, _)| known == id)
            .map(|(_, key)| key.expose_secret())
    }
}

fn entry(id: String, key: &[u8]) -> Result<(String, SecretBox<[u8; KEY_LEN]>), StoreError> {
    validate_id(&id)?;
    if key.len() != KEY_LEN {
        return Err(key_error(format!(
            "key `{id}` has {} bytes; an encryption key has {KEY_LEN}",
            key.len()
        )));
    }
    // Copied straight into the box, which wipes it on drop: no stack copy is left behind.
    let mut boxed = SecretBox::new(Box::new([0u8; KEY_LEN]));
    secrecy::ExposeSecretMut::expose_secret_mut(&mut boxed).copy_from_slice(key);
    Ok((id, boxed))
}

fn validate_id(id: &str) -> Result<(), StoreError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(key_error(format!(
            "invalid key id `{}`: use 1-64 of [A-Za-z0-9._-]",
            id.chars().take(64).collect::<String>()
        )))
    }
}

/// `[id:]key`; `n` (1-based) names the entry in errors.
fn parse_entry(text: &str, n: usize) -> Result<(String, Zeroizing<Vec<u8>>), StoreError> {
    let (id, encoded) = match text.split_once(':') {
        Some((id, key)) => (Some(id.trim()), key.trim()),
        None => (None, text),
    };
    let key = decode_key(encoded).ok_or_else(|| {
        key_error(format!(
            "key {n} is not {KEY_LEN} bytes in base64 or hex (its text is not shown)"
        ))
    })?;
    let id = match id {
        Some(id) => id.to_owned(),
        None => derived_id(&key),
    };
    Ok((id, key))
}

fn decode_key(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes = (0..KEY_LEN)
            .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        return Some(Zeroizing::new(bytes));
    }
    [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(text).ok())
        .map(Zeroizing::new)
        .filter(|key| key.len() == KEY_LEN)
}

/// `k-` and 12 base64 characters (72 bits) of SHA-256 over a label and the key.
fn derived_id(key: &[u8]) -> String {
    let mut context = Context::new(&SHA256);
    context.update(b"oauth-core key id\0");
    context.update(key);
    let digest = context.finish();
    format!("k-{}", URL_SAFE_NO_PAD.encode(&digest.as_ref()[..9]))
}

fn key_error(message: String) -> StoreError {
    StoreError::new(StoreErrorKind::Encryption, message)
}
