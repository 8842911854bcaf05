//! What every token store must do, as checks any store's tests can run: the same contract for
//! files, Redis, or a store someone adds later.

use std::collections::BTreeSet;
use std::time::{Duration, UNIX_EPOCH};

use oauth_core::{AccessToken, RefreshToken, StoreErrorKind, Token};
use oauth_lifecycle::store::{RefreshLock, TokenStore};

/// Token `n` of a test whose secrets start with `label` (`<label>-access-<n>`), so a test can
/// tell which write it reads back and check that no secret leaks into a message.
pub fn token(label: &str, n: u64) -> Token {
    Token::new(
        AccessToken::new(format!("{label}-access-{n}")),
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + n),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new(format!("{label}-refresh-{n}"))))
    .with_scope_string(Some("read write"))
}

/// Compare-and-swap accepts exactly the current version: stale expectations (absent key,
/// older, newer) are conflicts that change nothing, and conflict messages name `location`
/// (where the key lives) without any secret.
pub async fn compare_and_swap_accepts_only_the_current_version<S: TokenStore>(
    store: &S,
    label: &str,
    location: &str,
) {
    store
        .compare_and_swap("acct", None, &token(label, 1))
        .await
        .unwrap();
    let e = store
        .compare_and_swap("acct", None, &token(label, 2))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
    assert!(e.message.contains(location), "{e}");
    assert!(!e.to_string().contains(&format!("{label}-access")), "{e}");
    assert!(!e.to_string().contains(&format!("{label}-refresh")), "{e}");
    for stale in [Some(0), Some(2), Some(7)] {
        let e = store
            .compare_and_swap("acct", stale, &token(label, 2))
            .await
            .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Conflict, "{stale:?}");
    }
    // None of the rejected writes landed.
    let current = store.load("acct").await.unwrap().unwrap();
    assert_eq!(current.version, 1);
    assert_eq!(
        current.token.access_token().secret(),
        format!("{label}-access-1")
    );

    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(label, 2))
            .await
            .unwrap(),
        2
    );
    let e = store
        .compare_and_swap("acct", Some(1), &token(label, 3))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
    let current = store.load("acct").await.unwrap().unwrap();
    assert_eq!(current.version, 2);
    assert_eq!(
        current.token.access_token().secret(),
        format!("{label}-access-2")
    );

    // Expecting a version of a key that holds nothing is stale too.
    let e = store
        .compare_and_swap("absent", Some(1), &token(label, 4))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
    assert!(store.load("absent").await.unwrap().is_none());
}

/// Eight tasks over two handles of one store each make 25 successful read-modify-writes,
/// retrying on conflicts: every success gets its own version (no two writers both "won" the
/// same step, which is what a lost update looks like) and the last write is what is stored.
pub async fn concurrent_writers_lose_no_update<S: TokenStore + Clone>(stores: [S; 2], label: &str) {
    stores[0]
        .compare_and_swap("acct", None, &token(label, 0))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8u64)
        .map(|t| {
            let store = stores[t as usize % 2].clone();
            let label = label.to_owned();
            tokio::spawn(async move {
                let mut won = Vec::new();
                for i in 0..25 {
                    let mut attempts = 0;
                    loop {
                        attempts += 1;
                        assert!(attempts < 10_000, "task {t} starved");
                        let current = store.load("acct").await.unwrap().unwrap();
                        let n = 1000 * (t + 1) + i;
                        match store
                            .compare_and_swap("acct", Some(current.version), &token(&label, n))
                            .await
                        {
                            Ok(v) => {
                                won.push((v, n));
                                break;
                            }
                            Err(e) if e.kind == StoreErrorKind::Conflict => {}
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
                won
            })
        })
        .collect();
    let mut won = Vec::new();
    for t in tasks {
        won.extend(t.await.unwrap());
    }
    let versions: BTreeSet<u64> = won.iter().map(|&(v, _)| v).collect();
    assert_eq!(versions, (2..=201).collect::<BTreeSet<_>>());
    let current = stores[1].load("acct").await.unwrap().unwrap();
    assert_eq!(current.version, 1 + won.len() as u64);
    let last = won.iter().max().unwrap().1;
    assert_eq!(
        current.token.access_token().secret(),
        format!("{label}-access-{last}")
    );
}

/// A stored token comes back with every field, at version 1, and an absent key is `None`.
pub async fn round_trip_keeps_every_field<S: TokenStore>(store: &S, label: &str) {
    assert!(store.load("acct").await.unwrap().is_none());
    let written = token(label, 1).with_extra(
        serde_json::json!({"account_id": "42", "nested": {"n": 1}})
            .as_object()
            .cloned()
            .unwrap(),
    );
    assert_eq!(
        store
            .compare_and_swap("acct", None, &written)
            .await
            .unwrap(),
        1
    );
    let loaded = store.load("acct").await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    let t = &loaded.token;
    assert_eq!(t.access_token().secret(), format!("{label}-access-1"));
    assert_eq!(
        t.refresh_token().unwrap().secret(),
        format!("{label}-refresh-1")
    );
    assert_eq!(t.expires_at(), written.expires_at());
    assert_eq!(t.received_at(), written.received_at());
    assert_eq!(t.scopes(), ["read", "write"]);
    assert_eq!(t.token_type(), written.token_type());
    assert_eq!(t.extra(), written.extra());
    // Invalid keys are refused, not mapped onto something else.
    for bad in ["", "a:b", "../x", ".hidden", "a b"] {
        assert!(store.load(bad).await.is_err(), "{bad:?}");
    }
}

/// The refresh lock of a shared store: exclusive across handles, per key, released only by
/// its owner (a stranger's or a former owner's release does nothing).
pub async fn refresh_lock_is_exclusive_and_only_its_owner_releases_it<S: TokenStore>(
    store: &S,
    other_process: &S,
) {
    use oauth_lifecycle::store::RefreshLock;
    assert!(store.is_shared() && other_process.is_shared());
    let ttl = Duration::from_secs(30);
    let held = store.try_lock("acct", ttl).await.unwrap().expect("free");
    assert!(held.owner().len() >= 22, "128 random bits, base64");
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    assert!(other_process.try_lock("acct", ttl).await.unwrap().is_none());
    // Other keys have their own locks.
    let other_key = store.try_lock("other", ttl).await.unwrap().expect("free");
    for stranger in [RefreshLock::new("not-the-owner"), RefreshLock::new("local")] {
        other_process.unlock("acct", &stranger).await.unwrap();
        assert!(other_process.try_lock("acct", ttl).await.unwrap().is_none());
    }
    store.unlock("acct", &held).await.unwrap();
    let again = other_process
        .try_lock("acct", ttl)
        .await
        .unwrap()
        .expect("released");
    assert_ne!(again.owner(), held.owner());
    // The former owner's late release must not free the new holder's lock.
    store.unlock("acct", &held).await.unwrap();
    assert!(store.try_lock("acct", ttl).await.unwrap().is_none());
    other_process.unlock("acct", &again).await.unwrap();
    store.unlock("other", &other_key).await.unwrap();
    // Holding a lock does not stand in the way of writes.
    store
        .compare_and_swap("locked", None, &token("lock", 1))
        .await
        .unwrap();
    let lock = store.try_lock("locked", ttl).await.unwrap().expect("free");
    store
        .compare_and_swap("locked", Some(1), &token("lock", 2))
        .await
        .unwrap();
    store.unlock("locked", &lock).await.unwrap();
}

/// A lock whose holder never releases it lapses after its TTL (stores whose lock has one).
///
/// No assertion here can be broken by a stalled machine: "still held" is checked on a lock
/// whose TTL (a minute) no stall outlasts, and the short lock's expiry is bounded from below
/// only (a stall can only make the wait longer).
pub async fn refresh_lock_expires_after_its_ttl<S: TokenStore>(store: &S) {
    let long = Duration::from_secs(60);
    let held = store.try_lock("acct", long).await.unwrap().expect("free");
    assert!(store.try_lock("acct", long).await.unwrap().is_none());
    store.unlock("acct", &held).await.unwrap();

    let ttl = Duration::from_millis(200);
    let start = std::time::Instant::now();
    let _abandoned = store.try_lock("acct", ttl).await.unwrap().expect("free");
    let taken = wait_until_free(store, "acct", ttl).await;
    // Taken after `start`, the abandoned lock cannot have lapsed before its TTL from `start`
    // (less the store's clock granularity).
    assert!(
        start.elapsed() >= ttl - Duration::from_millis(20),
        "acquirable after {:?}",
        start.elapsed()
    );
    store.unlock("acct", &taken).await.unwrap();
}

/// Polls `try_lock(key)` until it succeeds (for at most 30 s, however slow the machine).
pub async fn wait_until_free<S: TokenStore>(store: &S, key: &str, ttl: Duration) -> RefreshLock {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(lock) = store.try_lock(key, ttl).await.unwrap() {
            return lock;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the lock on {key} never expired"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Key rotation over a store that lists its keys (`inner`, empty): documents sealed under an
/// old key are re-encrypted by `rewrap_all` under the current one, after which the old key is
/// no longer needed and every token reads back intact. A key holding only a refresh lock is
/// no token: it is neither listed nor counted.
pub async fn rewrap_all_moves_every_document_to_the_current_key<S>(inner: S, label: &str)
where
    S: oauth_lifecycle::store::TokenStore + Clone,
{
    use oauth_lifecycle::store::{EncryptedStore, Keyring};
    const OLD: [u8; 32] = [0x0A; 32];
    const NEW: [u8; 32] = [0xB0; 32];
    let keys = ["a", "b", "c"];
    let old = EncryptedStore::new(inner.clone(), Keyring::new("old", &OLD).unwrap());
    for key in keys {
        old.compare_and_swap(key, None, &token(&format!("{label}-{key}"), 1))
            .await
            .unwrap();
    }
    let rotated = EncryptedStore::new(
        inner.clone(),
        Keyring::new("new", &NEW)
            .unwrap()
            .with_old_key("old", &OLD)
            .unwrap(),
    );
    // `a` is written once under the new key (a refresh), so it is already where it belongs.
    let a = rotated.load("a").await.unwrap().unwrap();
    rotated
        .compare_and_swap("a", Some(a.version), &token(&format!("{label}-a"), 2))
        .await
        .unwrap();
    let _lock = inner
        .try_lock("lock-only", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("free");
    let mut listed = inner.list_keys().await.unwrap();
    listed.sort();
    assert_eq!(listed, keys);
    let kids = || async {
        let mut kids = Vec::new();
        for key in keys {
            let stored = inner.load(key).await.unwrap().unwrap();
            let kid = &stored.token.extra()["oauth_core_sealed"]["kid"];
            kids.push(kid.as_str().unwrap().to_owned());
        }
        kids
    };
    assert_eq!(kids().await, ["new", "old", "old"]);

    let report = rotated.rewrap_all().await.unwrap();
    let mut rewrapped = report.rewrapped.clone();
    rewrapped.sort();
    assert_eq!(rewrapped, ["b", "c"]);
    assert_eq!(report.unchanged, 1);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(kids().await, ["new", "new", "new"]);

    // The old key can go: the new one alone opens everything, every field intact.
    let new_only = EncryptedStore::new(inner.clone(), Keyring::new("new", &NEW).unwrap());
    for (key, n) in [("a", 2), ("b", 1), ("c", 1)] {
        let expected = token(&format!("{label}-{key}"), n);
        let t = new_only.load(key).await.unwrap().unwrap().token;
        assert_eq!(t.access_token().secret(), expected.access_token().secret());
        assert_eq!(
            t.refresh_token().unwrap().secret(),
            expected.refresh_token().unwrap().secret()
        );
        assert_eq!(t.expires_at(), expected.expires_at());
        assert_eq!(t.scopes(), expected.scopes());
        let e = old.load(key).await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Encryption, "{key}: {e}");
    }
    // A second pass has nothing left to do.
    let again = rotated.rewrap_all().await.unwrap();
    assert!(again.rewrapped.is_empty() && again.failed.is_empty());
    assert_eq!(again.unchanged, keys.len());
}
