//! EncryptedStore over every store: the store contract through encryption, what is stored
//! (no secret of the token), tampering, swapped documents, wrong and unknown keys, rotation
//! and rewrap (over files, Redis and PostgreSQL too), plaintext migration, and keyrings from
//! text and the environment.
//!
//! The Redis and PostgreSQL cases run with `--features redis` / `--features postgres`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use oauth_core::StoreErrorKind;
use oauth_lifecycle::store::{
    EncryptedStore, FileStore, Keyring, MemoryStore, TokenStore, is_sealed,
};
use oauth_sdk_tests::{assert_no_secrets, store_contract};

const KEY_A: [u8; 32] = [0xA5; 32];
const KEY_B: [u8; 32] = [0x5B; 32];

fn keyring(id: &str, key: &[u8; 32]) -> Keyring {
    Keyring::new(id, key).unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("oauth-enc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Every secret of the tokens `store_contract::token(label, _)` writes.
fn secrets(label: &str) -> [String; 2] {
    [format!("{label}-access"), format!("{label}-refresh")]
}

fn assert_sealed(bytes: &[u8], label: &str) {
    let text = String::from_utf8_lossy(bytes);
    assert!(text.contains("oauth_core_sealed"), "{text}");
    let [a, r] = secrets(label);
    assert_no_secrets(&text, &[&a, &r, "read write"]);
}

#[tokio::test]
async fn the_store_contract_holds_through_encryption_over_memory() {
    let store = EncryptedStore::new(MemoryStore::new(), keyring("k1", &KEY_A));
    store_contract::round_trip_keeps_every_field(&store, "enc").await;
    let store = EncryptedStore::new(MemoryStore::new(), keyring("k1", &KEY_A));
    store_contract::compare_and_swap_accepts_only_the_current_version(&store, "enc", "acct").await;
    let shared = std::sync::Arc::new(EncryptedStore::new(
        MemoryStore::new(),
        keyring("k1", &KEY_A),
    ));
    store_contract::concurrent_writers_lose_no_update([shared.clone(), shared], "enc").await;

    // The inner store holds a stand-in whose only content is the ciphertext.
    let store = EncryptedStore::new(MemoryStore::new(), keyring("k1", &KEY_A));
    store
        .compare_and_swap("acct", None, &store_contract::token("mem", 1))
        .await
        .unwrap();
    let raw = store.inner().load("acct").await.unwrap().unwrap();
    assert_eq!(raw.token.access_token().secret(), "oauth-core.sealed");
    assert!(is_sealed(&raw.token));
    assert!(!is_sealed(&store_contract::token("mem", 1)));
    assert!(raw.token.refresh_token().is_none());
    assert!(raw.token.scopes().is_empty());
    assert_sealed(
        serde_json::to_string(raw.token.extra()).unwrap().as_bytes(),
        "mem",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_contract_holds_through_encryption_over_files() {
    let dir = temp_dir("contract");
    let store = || EncryptedStore::new(FileStore::new(&dir).unwrap(), keyring("k1", &KEY_A));
    store_contract::round_trip_keeps_every_field(&store(), "file").await;
    assert_sealed(&std::fs::read(dir.join("acct.json")).unwrap(), "file");
    let _ = std::fs::remove_dir_all(&dir);
    let location = dir.join("acct.json").display().to_string();
    store_contract::compare_and_swap_accepts_only_the_current_version(&store(), "file", &location)
        .await;
    assert_sealed(&std::fs::read(dir.join("acct.json")).unwrap(), "file");
    let _ = std::fs::remove_dir_all(&dir);
    store_contract::concurrent_writers_lose_no_update([store(), store()], "file").await;
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(&store(), &store())
        .await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// A document whose bytes changed, or that was copied to another key, does not open; it is
/// reported naming the key and left as it is, even by a write that names its version.
#[tokio::test]
async fn tampered_and_swapped_documents_do_not_open_and_are_left_as_they_are() {
    let dir = temp_dir("tamper");
    let store = EncryptedStore::new(FileStore::new(&dir).unwrap(), keyring("k1", &KEY_A));
    store
        .compare_and_swap("acct", None, &store_contract::token("t", 1))
        .await
        .unwrap();
    let path = dir.join("acct.json");
    let original = std::fs::read_to_string(&path).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&original).unwrap();
    let mut relabelled = doc.clone();
    relabelled["token"]["extra"]["oauth_core_sealed"]["kid"] = "k2".into();
    let sealed = &mut doc["token"]["extra"]["oauth_core_sealed"];
    let ciphertext = sealed["ciphertext"].as_str().unwrap().to_owned();
    // One flipped character of ciphertext, and a relabelled key id.
    let flipped = {
        let mut c = ciphertext.into_bytes();
        c[10] = if c[10] == b'A' { b'B' } else { b'A' };
        String::from_utf8(c).unwrap()
    };
    sealed["ciphertext"] = flipped.into();
    let tampered = serde_json::to_string(&doc).unwrap();

    for (case, bytes, message) in [
        ("flipped", tampered, "does not decrypt with key `k1`"),
        (
            "relabelled",
            serde_json::to_string(&relabelled).unwrap(),
            "key `k2`",
        ),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        // A fresh store (another process) has not opened this version.
        let reader = EncryptedStore::new(
            FileStore::new(&dir).unwrap(),
            keyring("k1", &KEY_A).with_old_key("k2", &KEY_A).unwrap(),
        );
        let e = reader.load("acct").await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Encryption, "{case}: {e}");
        assert!(e.message.contains("`acct`"), "{case}: {e}");
        assert!(e.message.contains(message), "{case}: {e}");
        let e = reader
            .compare_and_swap("acct", Some(1), &store_contract::token("t", 2))
            .await
            .unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Encryption, "{case}: {e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), bytes, "{case}");
    }

    // The intact document, copied under another key, does not open there.
    std::fs::write(&path, &original).unwrap();
    std::fs::write(dir.join("other.json"), &original).unwrap();
    let e = store.load("other").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Encryption);
    assert!(e.message.contains("`other`"), "{e}");
    assert_eq!(
        store
            .load("acct")
            .await
            .unwrap()
            .unwrap()
            .token
            .access_token()
            .secret(),
        "t-access-1"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn wrong_and_unknown_keys_are_typed_errors_that_show_no_key() {
    let inner = std::sync::Arc::new(MemoryStore::new());
    let writer = EncryptedStore::new(inner.clone(), keyring("k1", &KEY_A));
    writer
        .compare_and_swap("acct", None, &store_contract::token("w", 1))
        .await
        .unwrap();
    let wrong = EncryptedStore::new(inner.clone(), keyring("k1", &KEY_B));
    let e = wrong.load("acct").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Encryption);
    assert!(
        e.message.contains("`acct`") && e.message.contains("`k1`"),
        "{e}"
    );
    let unknown = EncryptedStore::new(inner.clone(), keyring("k9", &KEY_A));
    let e = unknown.load("acct").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Encryption);
    assert!(
        e.message.contains("`k1`") && e.message.contains("k9"),
        "{e}"
    );
    let keys = [STANDARD.encode(KEY_A), STANDARD.encode(KEY_B)];
    for text in [
        e.to_string(),
        format!("{e:?}"),
        format!("{wrong:?}"),
        format!("{:?}", keyring("k1", &KEY_A)),
    ] {
        assert_no_secrets(&text, &[&keys[0], &keys[1], "w-access", "w-refresh"]);
        assert!(!text.contains("165, 165"), "raw key bytes in {text}");
    }
}

#[tokio::test]
async fn rotation_reads_old_keys_writes_the_current_one_and_rewrap_moves_everything() {
    let dir = temp_dir("rotate");
    let old = EncryptedStore::new(FileStore::new(&dir).unwrap(), keyring("k1", &KEY_A));
    for key in ["a", "b", "c"] {
        old.compare_and_swap(key, None, &store_contract::token(key, 1))
            .await
            .unwrap();
    }
    let rotated = EncryptedStore::new(
        FileStore::new(&dir).unwrap(),
        keyring("k2", &KEY_B).with_old_key("k1", &KEY_A).unwrap(),
    );
    assert_eq!(rotated.keyring().current_id(), "k2");
    // Reads accept the old key; a write seals with the current one.
    let a = rotated.load("a").await.unwrap().unwrap();
    assert_eq!(a.token.access_token().secret(), "a-access-1");
    rotated
        .compare_and_swap("a", Some(a.version), &store_contract::token("a", 2))
        .await
        .unwrap();
    let kid = |key: &str| {
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(format!("{key}.json"))).unwrap())
                .unwrap();
        doc["token"]["extra"]["oauth_core_sealed"]["kid"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!([kid("a"), kid("b"), kid("c")], ["k2", "k1", "k1"]);
    assert_eq!(
        old.load("a").await.unwrap_err().kind,
        StoreErrorKind::Encryption
    );

    let report = rotated.rewrap_all().await.unwrap();
    let mut rewrapped = report.rewrapped.clone();
    rewrapped.sort();
    assert_eq!(rewrapped, ["b", "c"]);
    assert_eq!(report.unchanged, 1);
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!([kid("a"), kid("b"), kid("c")], ["k2", "k2", "k2"]);
    // The old key can go now.
    let new_only = EncryptedStore::new(FileStore::new(&dir).unwrap(), keyring("k2", &KEY_B));
    for (key, n) in [("a", 2), ("b", 1), ("c", 1)] {
        let t = new_only.load(key).await.unwrap().unwrap();
        assert_eq!(t.token.access_token().secret(), format!("{key}-access-{n}"));
    }
    // A document no key opens is reported and left as it is.
    std::fs::write(
        dir.join("d.json"),
        std::fs::read(dir.join("a.json")).unwrap(),
    )
    .unwrap();
    let report = new_only.rewrap(["d", "absent"]).await;
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].0, "d");
    assert_eq!(report.failed[0].1.kind, StoreErrorKind::Encryption);
    assert_eq!(report.unchanged, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn rewrap_all_moves_everything_over_memory_and_files() {
    let memory = std::sync::Arc::new(MemoryStore::new());
    store_contract::rewrap_all_moves_every_document_to_the_current_key(memory, "mem").await;
    let dir = temp_dir("rewrap-all");
    let files = FileStore::new(&dir).unwrap();
    store_contract::rewrap_all_moves_every_document_to_the_current_key(files, "file").await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn plaintext_documents_are_refused_unless_accepted_and_rewrap_seals_them() {
    let dir = temp_dir("plain");
    let plain = FileStore::new(&dir).unwrap();
    plain
        .compare_and_swap("acct", None, &store_contract::token("p", 1))
        .await
        .unwrap();
    let strict = EncryptedStore::new(plain.clone(), keyring("k1", &KEY_A));
    let e = strict.load("acct").await.unwrap_err();
    assert_eq!(e.kind, StoreErrorKind::Encryption);
    assert!(e.message.contains("unencrypted"), "{e}");
    assert_no_secrets(&e.to_string(), &["p-access", "p-refresh"]);

    let migrating =
        EncryptedStore::new(plain.clone(), keyring("k1", &KEY_A)).accept_plaintext(true);
    let loaded = migrating.load("acct").await.unwrap().unwrap();
    assert_eq!(loaded.token.access_token().secret(), "p-access-1");
    let report = migrating.rewrap_all().await.unwrap();
    assert_eq!(report.rewrapped, ["acct"]);
    assert_sealed(&std::fs::read(dir.join("acct.json")).unwrap(), "p");
    assert_eq!(
        strict
            .load("acct")
            .await
            .unwrap()
            .unwrap()
            .token
            .refresh_token()
            .unwrap()
            .secret(),
        "p-refresh-1"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn keyrings_parse_from_text_and_the_environment_without_showing_keys() {
    let a = STANDARD.encode(KEY_A);
    let b_hex: String = KEY_B.iter().map(|b| format!("{b:02x}")).collect();
    let k = Keyring::parse(&format!("new:{b_hex}, old:{a}")).unwrap();
    assert_eq!(k.ids().collect::<Vec<_>>(), ["new", "old"]);
    // Bare keys get ids derived from them: stable, distinct, and not the key.
    let bare = Keyring::parse(&format!("{a},{b_hex}")).unwrap();
    let ids: Vec<String> = bare.ids().map(str::to_owned).collect();
    assert_ne!(ids[0], ids[1]);
    assert_eq!(
        Keyring::parse(&a).unwrap().current_id(),
        ids[0],
        "derived ids are stable"
    );
    assert!(
        ids[0].starts_with("k-") && !a.contains(&ids[0][2..]),
        "{ids:?}"
    );
    // URL-safe and unpadded base64 too.
    let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(KEY_A);
    assert_eq!(Keyring::parse(&url).unwrap().current_id(), ids[0]);

    for bad in [
        "",
        "x:",
        "short",
        &STANDARD.encode([1u8; 31]),
        &format!("{a},{a}"),
        &format!("bad id:{a}"),
    ] {
        let e = Keyring::parse(bad).unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Encryption, "{bad:?}");
        assert_no_secrets(&e.to_string(), &[&a]);
    }
    assert!(Keyring::new("k", &[0u8; 16]).is_err());

    assert!(
        Keyring::from_env_if_set("OAUTH_TEST_NEVER_SET_KEY")
            .unwrap()
            .is_none()
    );
    let e = Keyring::from_env("OAUTH_TEST_NEVER_SET_KEY").unwrap_err();
    assert!(e.message.contains("OAUTH_TEST_NEVER_SET_KEY"), "{e}");
}

const ENV_KEY: &str = "OAUTH_TEST_ENCRYPTED_STORE_KEY";
/// The line the re-run child prints once it has checked its case.
const CHECKED: &str = "keyring-from-env-checked";

/// Runs itself again with the variable set (tests cannot set the environment safely).
#[test]
fn keyrings_from_the_environment() {
    if let Ok(expect) = std::env::var("OAUTH_TEST_EXPECT") {
        match Keyring::from_env(ENV_KEY) {
            Ok(k) => assert_eq!(k.current_id(), expect),
            Err(e) => {
                assert_eq!(expect, "error");
                assert!(e.message.contains(ENV_KEY), "{e}");
                assert!(!e.message.contains("not-a-key"), "{e}");
            }
        }
        // What the parent looks for: proof that this check ran, not only that the run passed.
        #[allow(clippy::print_stdout, reason = "read by the parent process")]
        {
            println!("{CHECKED} {expect}");
        }
        return;
    }
    let a = STANDARD.encode(KEY_A);
    for (value, expect) in [
        (format!("cli:{a}"), "cli"),
        ("cli:not-a-key".to_owned(), "error"),
    ] {
        let output = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "keyrings_from_the_environment",
                "--test-threads=1",
                "--nocapture",
            ])
            .env(ENV_KEY, value)
            .env("OAUTH_TEST_EXPECT", expect)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{expect}: {stdout}");
        // A renamed test would make `--exact` run nothing and still succeed: the child must
        // say it checked this very case.
        assert!(
            // The harness prints `test <name> ... ` before the child's own line.
            stdout
                .lines()
                .any(|l| l.ends_with(&format!("{CHECKED} {expect}"))),
            "the child did not run the check for {expect}: {stdout}"
        );
    }
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_contract_holds_through_encryption_over_redis() {
    use oauth_lifecycle::store::RedisStore;
    let server = oauth_sdk_tests::RedisServer::start();
    let store = |prefix: &'static str| {
        let url = server.url();
        async move {
            EncryptedStore::new(
                RedisStore::connect(&url, prefix).await.unwrap(),
                keyring("k1", &KEY_A),
            )
        }
    };
    store_contract::round_trip_keeps_every_field(&store("e1").await, "redis").await;
    let mut conn = server.connection().await;
    let raw: Vec<u8> = redis::cmd("GET")
        .arg("e1:token:acct")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_sealed(&raw, "redis");
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store("e2").await,
        "redis",
        "e2:token:acct",
    )
    .await;
    store_contract::concurrent_writers_lose_no_update(
        [store("e3").await, store("e3").await],
        "redis",
    )
    .await;
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(
        &store("e4").await,
        &store("e4").await,
    )
    .await;
    let inner = RedisStore::connect(&server.url(), "e5").await.unwrap();
    store_contract::rewrap_all_moves_every_document_to_the_current_key(inner, "redis").await;
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_store_contract_holds_through_encryption_over_postgres() {
    use oauth_lifecycle::store::PostgresStore;
    let server = oauth_sdk_tests::PostgresServer::start();
    let store = |table: &'static str| {
        let url = server.url();
        async move {
            let inner = PostgresStore::connect(&url, table).await.unwrap();
            inner.migrate().await.unwrap();
            EncryptedStore::new(inner, keyring("k1", &KEY_A))
        }
    };
    store_contract::round_trip_keeps_every_field(&store("t1").await, "pg").await;
    let (client, connection) = tokio_postgres::connect(&server.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let raw: String = client
        .query_one("SELECT document::text FROM t1 WHERE key = 'acct'", &[])
        .await
        .unwrap()
        .get(0);
    assert_sealed(raw.as_bytes(), "pg");
    store_contract::compare_and_swap_accepts_only_the_current_version(
        &store("t2").await,
        "pg",
        "[acct]",
    )
    .await;
    store_contract::concurrent_writers_lose_no_update([store("t3").await, store("t3").await], "pg")
        .await;
    store_contract::refresh_lock_is_exclusive_and_only_its_owner_releases_it(
        &store("t4").await,
        &store("t4").await,
    )
    .await;
    let inner = PostgresStore::connect(&server.url(), "t5").await.unwrap();
    inner.migrate().await.unwrap();
    store_contract::rewrap_all_moves_every_document_to_the_current_key(inner, "pg").await;
}
