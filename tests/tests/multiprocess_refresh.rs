//! Four OS processes share one store (a directory, or Redis): each expiry causes exactly one
//! refresh across all of them, and the stored refresh token is always the last one the server
//! issued.
//!
//! The server issues `rt-<n+1>` for `rt-<n>`, each through its own mock, so a reused refresh
//! token would show up as a second call on that mock. The processes are this test binary run
//! again in worker mode; the parent drives rounds over their stdin: in round `k` every worker
//! moves its clock to hour `k` (so the round's token has expired) and asks for a token at once.
//! A last test kills a worker mid-refresh, to pin down what a killed process loses.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::ClientSecret;
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{FileStore, TokenStore};
use oauth_sdk_tests::clock;
use oauth_sdk_tests::multiprocess::{KEY, WORKER_STORE, hour, open_store, run, serve};
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

#[test]
fn four_processes_share_a_file_store() {
    if let Ok(store) = std::env::var(WORKER_STORE) {
        return worker(&store);
    }
    let dir = std::env::temp_dir().join(format!("oauth-mp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = FileStore::new(&dir).unwrap();
    run(
        &rt,
        &store,
        &format!("file:{}", dir.display()),
        "four_processes_share_a_file_store",
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(feature = "redis")]
#[test]
fn four_processes_share_a_redis_store() {
    if let Ok(store) = std::env::var(WORKER_STORE) {
        return worker(&store);
    }
    let redis = oauth_sdk_tests::RedisServer::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt
        .block_on(oauth_lifecycle::store::RedisStore::connect(
            &redis.url(),
            "mp",
        ))
        .unwrap();
    run(
        &rt,
        &store,
        &format!("redis:{}", redis.url()),
        "four_processes_share_a_redis_store",
    );
}

/// One process: reads round numbers on stdin, answers `token <round> <access token>`.
fn worker(store: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async { serve(open_store(store, "mp").await).await });
}

/// What a killed process loses, precisely: a worker is killed (`SIGKILL`) after the server
/// received its refresh request (and rotated the refresh token) but before the answer reached
/// the store. The store still holds the old token, the `flock` refresh lock died with the
/// process, and the next refresh, in another process, presents the spent refresh token, which
/// a rotating server refuses: that source needs re-authorization.
#[test]
fn a_process_killed_mid_refresh_loses_the_rotation_but_not_the_lock() {
    if let Ok(store) = std::env::var(WORKER_STORE) {
        return worker(&store);
    }
    let dir = std::env::temp_dir().join(format!("oauth-mp-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = FileStore::new(&dir).unwrap();
    let server = rt.block_on(MockServer::start_async());
    // Answers late, so the worker is killed while the rotated token is in flight.
    let rotating = rt.block_on(server.mock_async(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .form_urlencoded_tuple("refresh_token", "rt-0");
        then.status(200)
            .delay(Duration::from_secs(3))
            .json_body(json!({
                "access_token": "at-1",
                "refresh_token": "rt-1",
                "expires_in": 3600,
                "token_type": "bearer"
            }));
    }));
    rt.block_on(store.compare_and_swap(KEY, None, &oauth_sdk_tests::multiprocess::first_token()))
        .unwrap();

    let mut worker = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_process_killed_mid_refresh_loses_the_rotation_but_not_the_lock",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(WORKER_STORE, format!("file:{}", dir.display()))
        .env("OAUTH_MP_SERVER", server.base_url())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(worker.stdin.as_mut().unwrap(), "1").unwrap();
    // Bounded: 10 s for the worker to start and send its request.
    let mut polls = 0;
    while rt.block_on(rotating.calls_async()) == 0 {
        polls += 1;
        assert!(polls < 1000, "the worker never sent its refresh");
        std::thread::sleep(Duration::from_millis(10));
    }
    worker.kill().unwrap();
    worker.wait().unwrap();

    // The rotated token never reached the store; the lock was released by the OS.
    let stored = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(stored.version, 1);
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-0");
    let lock = rt
        .block_on(store.try_lock(KEY, Duration::from_secs(30)))
        .unwrap()
        .expect("the killed holder's lock is free at once");
    rt.block_on(store.unlock(KEY, &lock)).unwrap();

    // The server has moved on to rt-1: rt-0 is refused, and the next source must re-authorize.
    rt.block_on(rotating.delete_async());
    let refused = rt.block_on(server.mock_async(|when, then| {
        when.method(POST)
            .path("/restapi/oauth/token")
            .form_urlencoded_tuple("refresh_token", "rt-0");
        then.status(400)
            .json_body(json!({"error": "invalid_grant", "error_description": "Token not found"}));
    }));
    let clock = clock();
    clock.advance(hour(1));
    let client = RingCentralClient::builder("mp-client")
        .client_secret(ClientSecret::new("mp-secret"))
        .base_url(server.base_url())
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = rt
        .block_on(
            TokenSource::builder(client, store, KEY)
                .clock(clock)
                .build(),
        )
        .unwrap();
    let e = rt.block_on(source.access_token()).unwrap_err();
    assert!(
        matches!(e, oauth_core::Error::NeedsReauthorization(_)),
        "{e:?}"
    );
    assert_eq!(rt.block_on(refused.calls_async()), 1);
    let _ = std::fs::remove_dir_all(&dir);
}
