//! What every store must do for a connection's whole life, beside `store_contract`: delete a
//! key (logout, erasure) so that no holder writes it back, list keys, and keep a leased refresh
//! lock only for its owner while it holds.

use std::time::Duration;

use oauth_core::StoreErrorKind;
use oauth_lifecycle::store::{RefreshLock, TokenStore};

use crate::store_contract::token;

/// `delete` removes one key's token (and says whether there was one), `list_keys` stops
/// listing it, and a holder of the deleted version can no longer write over it.
pub async fn delete_removes_one_key_and_nothing_writes_it_back<S: TokenStore>(store: &S) {
    store
        .compare_and_swap("gone", None, &token("del", 1))
        .await
        .unwrap();
    store
        .compare_and_swap("kept", None, &token("del", 2))
        .await
        .unwrap();
    let mut keys = store.list_keys().await.unwrap();
    keys.sort();
    assert_eq!(keys, ["gone", "kept"]);

    assert!(store.delete("gone").await.unwrap());
    assert!(store.load("gone").await.unwrap().is_none());
    assert!(!store.delete("gone").await.unwrap(), "deleted twice");
    assert_eq!(store.list_keys().await.unwrap(), ["kept"]);
    assert_eq!(
        store
            .load("kept")
            .await
            .unwrap()
            .unwrap()
            .token
            .access_token()
            .secret(),
        "del-access-2"
    );
    // A holder of version 1 (a token source mid-refresh) cannot write it back.
    let e = store
        .compare_and_swap("gone", Some(1), &token("del", 3))
        .await
        .unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Conflict);
    assert!(store.load("gone").await.unwrap().is_none());
    // A new authorization can.
    store
        .compare_and_swap("gone", None, &token("del", 4))
        .await
        .unwrap();
    assert!(store.load("gone").await.unwrap().is_some());
}

/// A leased refresh lock is extended by its owner only, and only while it holds: once it
/// lapsed and another holder took it, the former owner's extension fails (its holder must not
/// spend the refresh token). Both handles may be the same store or two connections.
pub async fn a_lease_is_extended_only_by_its_owner_while_it_holds<S: TokenStore>(
    store: &S,
    other_process: &S,
) {
    let held = store
        .try_lock("lease", Duration::from_millis(500))
        .await
        .unwrap()
        .expect("free");
    assert!(held.is_leased());
    // Extended far beyond anything a stalled machine could wait out below.
    assert!(
        store
            .extend_lock("lease", &held, Duration::from_secs(120))
            .await
            .unwrap()
    );
    let stranger = RefreshLock::leased("not-the-owner");
    assert!(
        !other_process
            .extend_lock("lease", &stranger, Duration::from_secs(120))
            .await
            .unwrap()
    );
    assert!(
        other_process
            .try_lock("lease", Duration::from_secs(1))
            .await
            .unwrap()
            .is_none(),
        "an extended lease was taken"
    );
    store.unlock("lease", &held).await.unwrap();

    // A short lease nobody extends lapses; once another holder has it, the former owner
    // cannot extend it back.
    let short = store
        .try_lock("lapse", Duration::from_millis(50))
        .await
        .unwrap()
        .expect("free");
    let mut polls = 0;
    let taken = loop {
        if let Some(lock) = other_process
            .try_lock("lapse", Duration::from_secs(120))
            .await
            .unwrap()
        {
            break lock;
        }
        polls += 1;
        assert!(polls < 1_000, "a 50 ms lease never lapsed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        !store
            .extend_lock("lapse", &short, Duration::from_secs(120))
            .await
            .unwrap(),
        "a lapsed lease taken by another holder was extended"
    );
    assert!(
        other_process
            .extend_lock("lapse", &taken, Duration::from_secs(120))
            .await
            .unwrap()
    );
    other_process.unlock("lapse", &taken).await.unwrap();
}
