//! Four OS processes share one `FileStore` and refresh against the RingCentral fake (the
//! multi-process test of `multiprocess_refresh.rs`, with the fake's own rotating refresh
//! tokens instead of one mock per token): each expiry is refreshed exactly once across all of
//! them. A refresh token used twice is `invalid_grant` at the fake, which puts that worker's
//! source in needs-re-authorization and fails it.
//!
//! The processes are this test binary run again in worker mode; the parent drives rounds over
//! their stdin: in round `k` every worker moves its clock to hour `k` and asks for a token.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::{AuthorizationCodeGrant, ClientSecret, ManualClock, RefreshTokenGrant};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{FileStore, TokenStore};
use oauth_sdk_tests::multiprocess::{Workers, serve_rounds};
use oauth_sdk_tests::{clock, t0};
use oauth_test_kit::FakeConfig;
use ringcentral_oauth::mock::{self, FakeRingCentral};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};

const WORKERS: usize = 4;
const EXPIRIES: usize = 20;
const KEY: &str = "shared-account";
const TEST: &str = "four_processes_refresh_against_the_fake_once_per_expiry";
/// Set in worker processes: the store directory.
const WORKER_DIR: &str = "OAUTH_MP_FAKE_DIR";
const WORKER_SERVER: &str = "OAUTH_MP_FAKE_SERVER";

#[test]
fn four_processes_refresh_against_the_fake_once_per_expiry() {
    if let Ok(dir) = std::env::var(WORKER_DIR) {
        return worker(&dir);
    }
    let dir = std::env::temp_dir().join(format!("oauth-mp-fake-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = FileStore::new(&dir).unwrap();
    // The fake's clock stays at t0, where the workers' clocks start: every token it issues
    // lives one hour from the worker's now.
    let config = FakeConfig::new(mock::CLIENT_ID, Some(mock::CLIENT_SECRET.into()))
        .lifetimes(mock::lifetimes())
        .clock(Arc::new(ManualClock::new(t0())));
    let fake = FakeRingCentral::start_with(config).unwrap();
    let client = fake.client();
    let first = rt.block_on(async {
        let request = client.authorization_request(&AuthorizeParams::new("https://app.example/cb"));
        let redirect = fake.authorize(request.url().as_str()).unwrap();
        let grant = request.verify_redirect(redirect.as_str()).unwrap();
        client.exchange_code(&grant).await.unwrap()
    });
    rt.block_on(store.compare_and_swap(KEY, None, &first))
        .unwrap();

    let (dir_env, server_url) = (dir.display().to_string(), fake.base_url());
    let mut workers = Workers::spawn(
        WORKERS,
        TEST,
        &[(WORKER_DIR, &dir_env), (WORKER_SERVER, &server_url)],
    );
    let mut previous = first.access_token().secret().to_owned();
    for k in 1..=EXPIRIES {
        let answers = workers.round(k);
        assert!(
            answers.iter().all(|a| a == &answers[0]),
            "round {k}: {answers:?}"
        );
        let (round, access) = answers[0].split_once(' ').unwrap();
        assert_eq!(round, k.to_string());
        assert_ne!(access, previous, "round {k} has a new token");
        previous = access.to_owned();
        assert_eq!(
            fake.counts().refresh,
            k as u64,
            "round {k}: one refresh in all"
        );
    }
    workers.finish();

    // The stored refresh token is the last one issued: still good (each older one is spent).
    let stored = rt.block_on(store.load(KEY)).unwrap().unwrap();
    rt.block_on(client.refresh(stored.token.refresh_token().unwrap()))
        .unwrap();
    assert_eq!(fake.counts().issued, 1 + EXPIRIES as u64 + 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// One process: reads round numbers on stdin, answers `token <round> <access token>`.
fn worker(dir: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let clock = clock();
        let client = RingCentralClient::builder(mock::CLIENT_ID)
            .client_secret(ClientSecret::new(mock::CLIENT_SECRET))
            .base_url(std::env::var(WORKER_SERVER).unwrap())
            .clock(clock.clone())
            .build()
            .unwrap();
        let source = TokenSource::builder(client, FileStore::new(dir).unwrap(), KEY)
            .clock(clock.clone())
            .poll_interval(Duration::from_millis(5))
            .build()
            .await
            .unwrap();
        serve_rounds(&source, &clock).await;
    });
}
