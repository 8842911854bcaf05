//! Authorized API calls end to end: the oidc-provider test server's userinfo endpoint (`/me`)
//! as a real resource server, called through the middleware with tokens from a `TokenSource`
//! over the unchanged `ringcentral-oauth` client. Expiries on the server's own clock, tokens
//! revoked on the server, and a crowd of callers on an expiring token.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use oauth_core::{
    AuthorizationCodeGrant, Clock, Error, ErrorCode, ManualClock, Token, TokenRevocation,
};
use oauth_lifecycle::access::{Authorizer, oauth_error};
use oauth_lifecycle::reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use oauth_lifecycle::store::MemoryStore;
use oauth_lifecycle::{RefreshEvent, TokenSource};
use oauth_sdk_tests::OidcServer;
use oauth_sdk_tests::browser::{authorize, client_builder};
use reqwest::StatusCode;
use ringcentral_oauth::RingCentralClient;

type Source = TokenSource<RingCentralClient, MemoryStore>;

/// A logged-in user's token source (`alice`, scope `openid`), counting its refreshes.
async fn login(
    server: &OidcServer,
    clock: Arc<dyn Clock>,
    margin: Duration,
) -> (Source, RingCentralClient, Arc<AtomicUsize>) {
    let client = client_builder(server).clock(clock.clone()).build().unwrap();
    let token = client
        .exchange_code(&authorize(server, &client).await)
        .await
        .unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = refreshes.clone();
    let source = TokenSource::builder(client.clone(), MemoryStore::new(), "alice")
        .initial_token(token)
        .clock(clock)
        .margin(margin)
        .on_event(move |event| {
            if let RefreshEvent::Refreshed { .. } = event {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .await
        .unwrap();
    (source, client, refreshes)
}

fn api(server: &OidcServer, source: Source) -> ClientWithMiddleware {
    let authorizer = Authorizer::builder(source, server.base_url())
        .build()
        .unwrap();
    let http = oauth_core::HttpSettings::new("oauth-sdk-e2e")
        .build()
        .unwrap();
    ClientBuilder::new(http).with(authorizer).build()
}

/// A user logged in on the system clock, one successful call made: the source, the OAuth
/// client, the refresh count, the API client and the token the call used.
async fn logged_in_and_calling(
    server: &OidcServer,
) -> (
    Source,
    RingCentralClient,
    Arc<AtomicUsize>,
    ClientWithMiddleware,
    Arc<Token>,
) {
    let (source, client, refreshes) = login(
        server,
        Arc::new(oauth_core::SystemClock),
        Duration::from_secs(60),
    )
    .await;
    let token = source.access_token().await.unwrap();
    let api = api(server, source.clone());
    assert_eq!(me(server, &api).await.0, StatusCode::OK);
    (source, client, refreshes, api, token)
}

/// `GET /me` through the middleware: the status, and `sub` when it answered.
async fn me(server: &OidcServer, api: &ClientWithMiddleware) -> (StatusCode, Option<String>) {
    let response = api
        .get(format!("{}/me", server.base_url()))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Option<serde_json::Value> = response.json().await.ok();
    let sub = body.and_then(|b| b["sub"].as_str().map(str::to_owned));
    (status, sub)
}

/// The userinfo answer to a bare token, without the middleware.
async fn me_with(server: &OidcServer, token: &Token) -> StatusCode {
    reqwest::Client::new()
        .get(format!("{}/me", server.base_url()))
        .header("authorization", token.authorization_header())
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn calls_over_a_two_second_token_keep_succeeding_across_expiries() {
    let server = OidcServer::start(2);
    let (source, _, refreshes) = login(
        &server,
        Arc::new(oauth_core::SystemClock),
        Duration::from_millis(500),
    )
    .await;
    let api = api(&server, source);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut calls = 0;
    // Two expiries at least (about 3 s), every call answered by the resource server.
    while refreshes.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "no refresh after {calls} calls");
        assert_eq!(
            me(&server, &api).await,
            (StatusCode::OK, Some("alice".into()))
        );
        calls += 1;
        // Paces the calls like an application's; correctness does not depend on it.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(calls > 10, "{calls}");
}

#[tokio::test]
async fn an_access_token_revoked_on_the_server_is_renewed_and_the_call_retried() {
    let server = OidcServer::start(600);
    let (source, client, refreshes, api, first) = logged_in_and_calling(&server).await;

    // Revoke only the access token (RFC 7009): the grant and its refresh token live on.
    let access_only = Token::new(first.access_token().clone(), first.received_at());
    client.revoke(&access_only).await.unwrap();
    assert_eq!(me_with(&server, &first).await, StatusCode::UNAUTHORIZED);

    assert_eq!(
        me(&server, &api).await,
        (StatusCode::OK, Some("alice".into()))
    );
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let renewed = source.access_token().await.unwrap();
    assert_ne!(
        renewed.access_token().secret(),
        first.access_token().secret()
    );
    assert_eq!(me_with(&server, &renewed).await, StatusCode::OK);
}

#[tokio::test]
async fn a_grant_revoked_on_the_server_ends_in_needs_reauthorization() {
    let server = OidcServer::start(600);
    let (source, client, refreshes, api, token) = logged_in_and_calling(&server).await;

    // Revoking the refresh token revokes the grant, access tokens included.
    client.revoke(&token).await.unwrap();
    let e = api
        .get(format!("{}/me", server.base_url()))
        .send()
        .await
        .unwrap_err();
    let Some(Error::NeedsReauthorization(cause)) = oauth_error(&e) else {
        panic!("expected needs-re-authorization, got {e:?}");
    };
    assert_eq!(cause.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert!(!format!("{e:?}").contains(token.access_token().secret()));
    assert_eq!(refreshes.load(Ordering::SeqCst), 0);
    assert!(source.needs_reauthorization().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_concurrent_calls_on_an_expiring_token_cause_one_refresh() {
    // The server's tokens live 10 minutes; the client's clock says this one is about to expire.
    let server = OidcServer::start(600);
    let clock = Arc::new(ManualClock::new(std::time::SystemTime::now()));
    let (source, _, refreshes) = login(&server, clock.clone(), Duration::from_secs(60)).await;
    let first = source.access_token().await.unwrap();
    let api = api(&server, source.clone());
    clock.advance(Duration::from_secs(600 - 30));

    let calls: Vec<_> = (0..100)
        .map(|_| {
            let api = api.clone();
            let url = format!("{}/me", server.base_url());
            tokio::spawn(async move { api.get(url).send().await.map(|r| r.status()) })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), StatusCode::OK);
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let renewed = source.access_token().await.unwrap();
    assert_ne!(
        renewed.access_token().secret(),
        first.access_token().secret()
    );
}
