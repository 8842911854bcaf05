//! What an [`super::EncryptedStore`] remembers of the documents it opened or wrote.
//!
//! For every key, the last version it opened or wrote: a write over any other version is
//! checked first, so a document that does not open is never replaced. For the most recent
//! [`PLAINTEXTS`] keys also the sealed envelope and the token inside it: a read that finds the
//! very same envelope again (the same bytes, at the same version) gets the token without
//! decrypting and decoding it a second time. That is what most reads are: the re-read under
//! the refresh lock of the document this process just wrote, a waiter polling for another
//! process's token, a read of a token that did not change. The tokens kept are ones this
//! process already holds (it opened or wrote them); they are never shown, and are wiped when
//! replaced.

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::Value;

use oauth_core::token::Token;

/// Keys whose opened token is kept beside its envelope.
pub(super) const PLAINTEXTS: usize = 1024;

#[derive(Default)]
pub(super) struct Opened(Mutex<Entries>);

#[derive(Default)]
struct Entries {
    by_key: HashMap<String, Entry>,
    /// How many entries hold a plaintext.
    plaintexts: usize,
}

struct Entry {
    version: u64,
    plain: Option<Plain>,
}

/// A sealed envelope and what it opened to.
struct Plain {
    envelope: Value,
    kid: String,
    token: Token,
}

impl Opened {
    /// The last version of `key` opened or written.
    pub(super) fn version(&self, key: &str) -> Option<u64> {
        self.entries().by_key.get(key).map(|e| e.version)
    }

    /// The token and key id of `envelope`, if it is the one last opened or written for `key`
    /// at `version`.
    pub(super) fn cached(
        &self,
        key: &str,
        version: u64,
        envelope: &Value,
    ) -> Option<(Token, String)> {
        let entries = self.entries();
        let plain = entries
            .by_key
            .get(key)
            .filter(|e| e.version == version)?
            .plain
            .as_ref()
            .filter(|p| p.envelope == *envelope)?;
        Some((plain.token.clone(), plain.kid.clone()))
    }

    /// Records that `key` is at `version`, sealed as `envelope` (with key `kid`) around `token`,
    /// or a plaintext document (`None`).
    pub(super) fn record(&self, key: &str, version: u64, sealed: Option<(&Value, &str, &Token)>) {
        let plain = sealed.map(|(envelope, kid, token)| Plain {
            envelope: envelope.clone(),
            kid: kid.to_owned(),
            token: token.clone(),
        });
        let mut entries = self.entries();
        let entries = &mut *entries;
        let had_plain = entries.by_key.get(key).is_some_and(|e| e.plain.is_some());
        if plain.is_some() && !had_plain && entries.plaintexts >= PLAINTEXTS {
            // Full: another key's plaintext goes (its version is kept).
            if let Some(other) = entries.by_key.values_mut().find(|e| e.plain.is_some()) {
                other.plain = None;
                entries.plaintexts -= 1;
            }
        }
        entries.plaintexts =
            entries.plaintexts + usize::from(plain.is_some()) - usize::from(had_plain);
        match entries.by_key.get_mut(key) {
            Some(entry) => {
                entry.version = version;
                entry.plain = plain;
            }
            None => {
                entries
                    .by_key
                    .insert(key.to_owned(), Entry { version, plain });
            }
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use oauth_core::secret::AccessToken;

    fn token(secret: &str) -> Token {
        Token::new(AccessToken::new(secret), UNIX_EPOCH)
    }

    #[test]
    fn only_the_same_envelope_at_the_same_version_is_served() {
        let opened = Opened::default();
        let envelope = serde_json::json!({"ciphertext": "abc", "nonce": "n1"});
        opened.record("k", 3, Some((&envelope, "kid", &token("at"))));
        let (t, kid) = opened.cached("k", 3, &envelope).unwrap();
        assert_eq!((t.access_token().secret(), kid.as_str()), ("at", "kid"));
        assert!(opened.cached("k", 4, &envelope).is_none());
        let other = serde_json::json!({"ciphertext": "abd", "nonce": "n1"});
        assert!(opened.cached("k", 3, &other).is_none());
        assert!(opened.cached("j", 3, &envelope).is_none());
        // A plaintext document at a new version drops what was kept.
        opened.record("k", 5, None);
        assert!(opened.cached("k", 5, &envelope).is_none());
        assert_eq!(opened.version("k"), Some(5));
    }

    #[test]
    fn plaintexts_are_bounded_and_versions_kept() {
        let opened = Opened::default();
        let envelope = serde_json::json!({"ciphertext": "abc"});
        for i in 0..PLAINTEXTS + 10 {
            opened.record(&format!("k{i}"), 1, Some((&envelope, "kid", &token("at"))));
        }
        let entries = opened.entries();
        assert_eq!(entries.plaintexts, PLAINTEXTS);
        assert_eq!(
            entries
                .by_key
                .values()
                .filter(|e| e.plain.is_some())
                .count(),
            PLAINTEXTS
        );
        assert_eq!(entries.by_key.len(), PLAINTEXTS + 10);
        drop(entries);
        // The newest is kept.
        let newest = format!("k{}", PLAINTEXTS + 9);
        assert!(opened.cached(&newest, 1, &envelope).is_some());
    }
}
