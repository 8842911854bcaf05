//! TokenSource over a real provider client and HTTP: what reaches the server.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::{AccessToken, ClientSecret, Error, ManualClock, RefreshToken, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{MemoryStore, TokenStore};
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

fn client(server: &MockServer, clock: Arc<ManualClock>) -> RingCentralClient {
    RingCentralClient::builder("rc-id")
        .client_secret(ClientSecret::new("rc-secret"))
        .base_url(server.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

fn expired_token() -> Token {
    Token::new(
        AccessToken::new("old-access"),
        t0() - Duration::from_secs(7200),
    )
    .with_expires_in(Some(Duration::from_secs(3600)))
    .with_refresh_token(Some(RefreshToken::new("old-refresh")))
}

/// `callers` tasks ask `source` at once; each must get `access`.
async fn assert_all_get<S: TokenStore>(
    source: &TokenSource<RingCentralClient, S>,
    callers: usize,
    access: &str,
) {
    let callers: Vec<_> = (0..callers)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    for caller in callers {
        let token = caller.await.unwrap().unwrap();
        assert_eq!(token.access_token().secret(), access);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_callers_cause_exactly_one_refresh_request() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("refresh_token", "old-refresh");
            then.status(200)
                .delay(Duration::from_millis(50))
                .json_body(json!({
                    "access_token": "new-access",
                    "refresh_token": "new-refresh",
                    "expires_in": 3600,
                    "token_type": "bearer"
                }));
        })
        .await;
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::new());
    let source = TokenSource::builder(client(&server, clock.clone()), store.clone(), "acct")
        .initial_token(expired_token())
        .clock(clock)
        .build()
        .await
        .unwrap();

    assert_all_get(&source, 1000, "new-access").await;
    assert_eq!(refresh.calls_async().await, 1);
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(
        stored.token.refresh_token().unwrap().secret(),
        "new-refresh"
    );
}

/// A token living less than the refresh margin (60 s) must not be due on arrival: 200 callers
/// on an expired 3-second token send one refresh request, and the token they get is served
/// until half its life has passed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_callers_on_a_three_second_token_send_one_refresh_request() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(200)
                .delay(Duration::from_millis(20))
                .json_body(json!({
                    "access_token": "short-access",
                    "refresh_token": "short-refresh",
                    "expires_in": 3,
                    "token_type": "bearer"
                }));
        })
        .await;
    let clock = Arc::new(ManualClock::new(t0()));
    let short = Token::new(AccessToken::new("old-access"), t0())
        .with_expires_in(Some(Duration::from_secs(3)))
        .with_refresh_token(Some(RefreshToken::new("old-refresh")));
    let source = TokenSource::builder(client(&server, clock.clone()), MemoryStore::new(), "acct")
        .initial_token(short)
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3));

    assert_all_get(&source, 200, "short-access").await;
    assert_eq!(refresh.calls_async().await, 1);

    // Not due on arrival, nor just before half its life; due at half its life.
    source.access_token().await.unwrap();
    clock.advance(Duration::from_millis(1499));
    source.access_token().await.unwrap();
    assert_eq!(refresh.calls_async().await, 1);
    clock.advance(Duration::from_millis(1));
    source.access_token().await.unwrap();
    assert_eq!(refresh.calls_async().await, 2);
}

#[tokio::test]
async fn reused_refresh_token_surfaces_as_needs_reauthorization_without_retry() {
    let server = MockServer::start_async().await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST).path("/restapi/oauth/token");
            then.status(400).json_body(json!({
                "error": "invalid_grant",
                "error_description": "Token not found",
                "errors": [{"errorCode": "OAU-211", "message": "Token not found"}]
            }));
        })
        .await;
    let clock = Arc::new(ManualClock::new(t0()));
    let source = TokenSource::builder(client(&server, clock.clone()), MemoryStore::new(), "acct")
        .initial_token(expired_token())
        .clock(clock)
        .build()
        .await
        .unwrap();
    for _ in 0..3 {
        let e = source.access_token().await.unwrap_err();
        assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    }
    assert_eq!(refresh.calls_async().await, 1);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff_then_succeed() {
    let server = MockServer::start_async().await;
    let clock = Arc::new(ManualClock::new(t0()));
    let failing = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("refresh_token", "old-refresh");
            then.status(503)
                .header("retry-after", "0")
                .body("<html>down</html>");
        })
        .await;
    let source = TokenSource::builder(client(&server, clock.clone()), MemoryStore::new(), "acct")
        .initial_token(expired_token())
        .clock(clock)
        .retry(oauth_lifecycle::RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
            max_retry_after: Duration::from_secs(1),
        })
        .build()
        .await
        .unwrap();
    let e = source.access_token().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(failing.calls_async().await, 3);
}
