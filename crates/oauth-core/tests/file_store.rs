//! FileStore: round trips, compare-and-swap, permissions, corrupt files, and crash safety.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use oauth_core::store::{FileStore, TokenStore};
use oauth_core::{AccessToken, RefreshToken, StoreErrorKind, Token};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "oauth-file-store-{name}-{}-{}",
            std::process::id(),
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn token(n: u64) -> Token {
    Token::new(
        AccessToken::new(format!("access-{n}")),
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + n),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new(format!("refresh-{n}"))))
}

#[tokio::test]
async fn round_trip_and_compare_and_swap() {
    let dir = TempDir::new("cas");
    let store = FileStore::new(&dir.0).unwrap();
    assert!(store.load("acct").await.unwrap().is_none());
    assert_eq!(
        store
            .compare_and_swap("acct", None, &token(1))
            .await
            .unwrap(),
        1
    );
    let loaded = store.load("acct").await.unwrap().unwrap();
    assert_eq!(loaded.version, 1);
    assert_eq!(loaded.token.access_token().secret(), "access-1");
    assert_eq!(loaded.token.refresh_token().unwrap().secret(), "refresh-1");
    assert_eq!(loaded.token.expires_at(), token(1).expires_at());

    let stale = store
        .compare_and_swap("acct", None, &token(2))
        .await
        .unwrap_err();
    assert_eq!(stale.kind, StoreErrorKind::Conflict);
    assert!(!stale.message.contains("access-2"));
    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(2))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .compare_and_swap("acct", Some(1), &token(3))
            .await
            .unwrap_err()
            .kind,
        StoreErrorKind::Conflict
    );
    assert!(store.load("../escape").await.is_err());
}

#[tokio::test]
async fn files_are_private() {
    let dir = TempDir::new("modes");
    let store = FileStore::new(dir.0.join("tokens")).unwrap();
    store
        .compare_and_swap("acct", None, &token(1))
        .await
        .unwrap();
    let mode = |p: PathBuf| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.0.join("tokens")), 0o700);
    assert_eq!(mode(store.path("acct")), 0o600);
}

#[tokio::test]
async fn corrupt_and_foreign_files_are_reported_and_never_overwritten() {
    let dir = TempDir::new("corrupt");
    let store = FileStore::new(&dir.0).unwrap();
    for (key, content) in [
        (
            "garbage",
            "{\"format\": \"oauth-core.token\", \"format_ver".to_owned(),
        ),
        (
            "foreign",
            serde_json::json!({"format": "oauth-core.token", "format_version": 99, "version": 3,
                "token": {"access_token": "x", "received_at_ms": 1}})
            .to_string(),
        ),
        ("other", "{\"hello\": \"world\"}".to_owned()),
    ] {
        std::fs::write(store.path(key), &content).unwrap();
        let e = store.load(key).await.unwrap_err();
        assert_eq!(e.kind, StoreErrorKind::Corrupt, "{key}");
        assert!(
            e.message.contains(&store.path(key).display().to_string()),
            "{e}"
        );
        for expected in [None, Some(3)] {
            let e = store
                .compare_and_swap(key, expected, &token(1))
                .await
                .unwrap_err();
            assert_eq!(e.kind, StoreErrorKind::Corrupt, "{key}");
        }
        assert_eq!(std::fs::read_to_string(store.path(key)).unwrap(), content);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_lose_no_update() {
    let dir = TempDir::new("concurrent");
    let store = FileStore::new(&dir.0).unwrap();
    store
        .compare_and_swap("acct", None, &token(0))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..8u64)
        .map(|t| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut wins = 0;
                for i in 0..25 {
                    loop {
                        let current = store.load("acct").await.unwrap().unwrap();
                        match store
                            .compare_and_swap("acct", Some(current.version), &token(t * 100 + i))
                            .await
                        {
                            Ok(_) => break,
                            Err(e) if e.kind == StoreErrorKind::Conflict => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    wins += 1;
                }
                wins
            })
        })
        .collect();
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    assert_eq!(total, 200);
    assert_eq!(store.load("acct").await.unwrap().unwrap().version, 201);
}

/// The writer side of the crash test: writes successive tokens until killed.
fn crash_writer(dir: &str) -> ! {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = FileStore::new(dir).unwrap();
    rt.block_on(async {
        let mut version = store.load("acct").await.unwrap().map(|v| v.version);
        loop {
            let n = version.unwrap_or(0) + 1;
            version = Some(
                store
                    .compare_and_swap("acct", version, &token(n))
                    .await
                    .unwrap(),
            );
        }
    })
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_or_the_new_document() {
    if let Ok(dir) = std::env::var("OAUTH_FILE_STORE_WRITER") {
        crash_writer(&dir);
    }
    let dir = TempDir::new("crash");
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let store = FileStore::new(&dir.0).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut last = 0;
    for round in 0..20 {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "a_writer_killed_mid_write_leaves_the_old_or_the_new_document",
            ])
            .env("OAUTH_FILE_STORE_WRITER", &dir.0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Let it make progress (a few writes past where it started), then kill it wherever it is.
        let target = last + 3 + round % 5;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match rt.block_on(store.load("acct")) {
                Ok(Some(v)) if v.version >= target => break,
                Ok(_) => {}
                Err(e) => panic!("round {round}: a reader saw a broken document: {e}"),
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: the writer made no progress"
            );
            std::thread::yield_now();
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let after = rt
            .block_on(store.load("acct"))
            .unwrap_or_else(|e| panic!("round {round}: {e}"))
            .expect("a document");
        assert!(after.version >= target, "round {round}");
        assert_eq!(
            after.token.access_token().secret(),
            format!("access-{}", after.version),
            "round {round}: the document is whole"
        );
        last = after.version;
    }
}
