//! What an [`super::EncryptedStore`] remembers of the documents it opened or wrote.
//!
//! For every key, the last version it opened or wrote: a write over any other version is
//! checked first, so a document that does not open is never replaced. For the [`PLAINTEXTS`]
//! keys most recently opened, written or served from here, also the sealed envelope and the
//! token inside it: a read that finds the very same envelope again (the same bytes, at the
//! same version) gets the token without decrypting and decoding it a second time. That is what
//! most reads are: the re-read under the refresh lock of the document this process just wrote,
//! a waiter polling for another process's token, a read of a token that did not change. The
//! tokens kept are ones this process already holds (it opened or wrote them); they are never
//! shown, and are wiped when replaced. What that saves is measured in README, "Performance".

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde_json::Value;

use oauth_core::token::Token;

/// Keys whose opened token is kept beside its envelope.
pub(super) const PLAINTEXTS: usize = 1024;

#[derive(Default)]
pub(super) struct Opened(Mutex<Entries>);

#[derive(Default)]
struct Entries {
    /// The last version of every key opened or written.
    versions: HashMap<String, u64>,
    /// At most [`PLAINTEXTS`] keys' envelopes and tokens.
    plains: HashMap<String, Plain>,
    /// The keys of `plains` by their last use, the least recent first.
    recency: BTreeMap<u64, String>,
    /// The last use handed out.
    uses: u64,
}

/// A sealed envelope, what it opened to, at which version, and when it was last used.
struct Plain {
    version: u64,
    envelope: Value,
    kid: String,
    token: Token,
    used: u64,
}

impl Opened {
    /// The last version of `key` opened or written.
    pub(super) fn version(&self, key: &str) -> Option<u64> {
        self.entries().versions.get(key).copied()
    }

    /// The token and key id of `envelope`, if it is the one last opened or written for `key`
    /// at `version`.
    pub(super) fn cached(
        &self,
        key: &str,
        version: u64,
        envelope: &Value,
    ) -> Option<(Token, String)> {
        let mut entries = self.entries();
        let entries = &mut *entries;
        let plain = entries
            .plains
            .get_mut(key)
            .filter(|p| p.version == version && p.envelope == *envelope)?;
        entries.uses += 1;
        let was = std::mem::replace(&mut plain.used, entries.uses);
        let key = entries
            .recency
            .remove(&was)
            .unwrap_or_else(|| key.to_owned());
        entries.recency.insert(entries.uses, key);
        Some((plain.token.clone(), plain.kid.clone()))
    }

    /// Records that `key` is at `version`, sealed as `envelope` (with key `kid`) around `token`,
    /// or a plaintext document (`None`).
    pub(super) fn record(&self, key: &str, version: u64, sealed: Option<(&Value, &str, &Token)>) {
        let mut entries = self.entries();
        let entries = &mut *entries;
        match entries.versions.get_mut(key) {
            Some(known) => *known = version,
            None => {
                entries.versions.insert(key.to_owned(), version);
            }
        }
        if let Some(old) = entries.plains.remove(key) {
            entries.recency.remove(&old.used);
        }
        let Some((envelope, kid, token)) = sealed else {
            return;
        };
        if entries.plains.len() >= PLAINTEXTS
            && let Some((_, least_recent)) = entries.recency.pop_first()
        {
            entries.plains.remove(&least_recent);
        }
        entries.uses += 1;
        entries.recency.insert(entries.uses, key.to_owned());
        entries.plains.insert(
            key.to_owned(),
            Plain {
                version,
                envelope: envelope.clone(),
                kid: kid.to_owned(),
                token: token.clone(),
                used: entries.uses,
            },
        );
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
    fn the_least_recently_used_plaintext_goes_and_every_version_stays() {
        let opened = Opened::default();
        let envelope = serde_json::json!({"ciphertext": "abc"});
        let key = |i: usize| format!("k{i}");
        for i in 0..PLAINTEXTS {
            opened.record(&key(i), 1, Some((&envelope, "kid", &token("at"))));
        }
        // k0 is served, and k1 written again: both are now more recent than k2...
        assert!(opened.cached(&key(0), 1, &envelope).is_some());
        opened.record(&key(1), 2, Some((&envelope, "kid", &token("at"))));
        // ...so ten more keys push out k2 to k11, in that order.
        for i in PLAINTEXTS..PLAINTEXTS + 10 {
            opened.record(&key(i), 1, Some((&envelope, "kid", &token("at"))));
        }
        let kept: Vec<bool> = (0..PLAINTEXTS + 10)
            .map(|i| {
                let version = if i == 1 { 2 } else { 1 };
                opened.cached(&key(i), version, &envelope).is_some()
            })
            .collect();
        let evicted: Vec<usize> = (0..kept.len()).filter(|&i| !kept[i]).collect();
        assert_eq!(evicted, (2..12).collect::<Vec<_>>());
        let entries = opened.entries();
        assert_eq!(entries.plains.len(), PLAINTEXTS);
        assert_eq!(entries.recency.len(), PLAINTEXTS);
        assert_eq!(entries.versions.len(), PLAINTEXTS + 10);
        drop(entries);
        assert_eq!(opened.version(&key(5)), Some(1));
    }
}
