//! Token sources for grants without a refresh token of their own, over HTTP (httpmock):
//! Procore's client credentials run again when the token is due or rejected, RingCentral's JWT
//! grant backs a source that refreshes while it can; both with the token source's single
//! flight and events. All of them through one `Arc<dyn AccessTokenSource>`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::Method::POST;
use httpmock::{Mock, MockServer};
use oauth_core::{AccessToken, ClientSecret, Error, JwtAssertion, ManualClock, Token};
use oauth_lifecycle::access::{ClientCredentials, JwtBearer, StaticToken};
use oauth_lifecycle::store::{MemoryStore, TokenStore};
use oauth_lifecycle::{AccessTokenSource, RefreshEvent, RetryPolicy, SharedTokenSource};
use oauth_sdk_tests::{clock, t0};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

fn procore(login: &MockServer, clock: Arc<ManualClock>) -> ProcoreClient {
    ProcoreClient::builder("pc-id")
        .client_secret(ClientSecret::new("pc-secret"))
        .base_url(login.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

/// Procore's client-credentials answer: `access_token`, issued at `issued_secs` after t0.
async fn service_token<'a>(
    login: &'a MockServer,
    access_token: &str,
    issued_secs: u64,
) -> Mock<'a> {
    login
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token").json_body(json!({
                "grant_type": "client_credentials",
                "client_id": "pc-id",
                "client_secret": "pc-secret"
            }));
            then.status(200).json_body(json!({
                "access_token": access_token,
                "token_type": "bearer",
                "expires_in": 5400,
                "created_at": 1_800_000_000u64 + issued_secs
            }));
        })
        .await
}

fn counter() -> (
    Arc<AtomicUsize>,
    impl Fn(&RefreshEvent<'_>) + Send + Sync + 'static,
) {
    let count = Arc::new(AtomicUsize::new(0));
    let counted = count.clone();
    (count, move |event: &RefreshEvent<'_>| {
        if let RefreshEvent::Refreshed { .. } = event {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    })
}

#[tokio::test]
async fn client_credentials_run_again_when_the_token_is_due() {
    let login = MockServer::start_async().await;
    let clock = clock();
    let first = service_token(&login, "pc-service-1", 0).await;
    let (refreshes, on_event) = counter();
    let store = Arc::new(MemoryStore::new());
    let source = ClientCredentials::new(procore(&login, clock.clone()))
        .builder(store.clone(), "pc-service")
        .await
        .unwrap()
        .clock(clock.clone())
        .on_event(on_event)
        .build()
        .await
        .unwrap();
    assert_eq!(
        first.calls_async().await,
        1,
        "the first token comes from the grant"
    );
    let token = source.access_token().await.unwrap();
    assert_eq!(token.access_token().secret(), "pc-service-1");
    assert!(token.refresh_token().is_none());
    assert_eq!(first.calls_async().await, 1);
    first.delete_async().await;

    // Within the margin (60 s) of its 5400 s lifetime the grant runs again, once for all callers.
    let second = service_token(&login, "pc-service-2", 5340).await;
    clock.advance(Duration::from_secs(5340));
    let callers: Vec<_> = (0..100)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    for caller in callers {
        let token = caller.await.unwrap().unwrap();
        assert_eq!(token.access_token().secret(), "pc-service-2");
    }
    assert_eq!(second.calls_async().await, 1);
    assert_eq!(refreshes.load(Ordering::SeqCst), 1);
    let stored = store.load("pc-service").await.unwrap().unwrap();
    assert_eq!(stored.token.access_token().secret(), "pc-service-2");

    // A token the API rejected is replaced too.
    source.invalidate(&source.access_token().await.unwrap());
    source.access_token().await.unwrap();
    assert_eq!(second.calls_async().await, 2);
    assert_eq!(refreshes.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_stored_service_token_is_used_before_running_the_grant() {
    let login = MockServer::start_async().await;
    let clock = clock();
    let grant = service_token(&login, "pc-service-new", 0).await;
    let store = MemoryStore::new();
    let stored = Token::new(AccessToken::new("pc-service-stored"), t0())
        .with_expires_in(Some(Duration::from_secs(5400)));
    store.compare_and_swap("svc", None, &stored).await.unwrap();
    let source = ClientCredentials::new(procore(&login, clock.clone()))
        .builder(store, "svc")
        .await
        .unwrap()
        .clock(clock)
        .build()
        .await
        .unwrap();
    let token = source.access_token().await.unwrap();
    assert_eq!(token.access_token().secret(), "pc-service-stored");
    assert_eq!(grant.calls_async().await, 0);
}

#[tokio::test]
async fn a_refused_client_credentials_grant_needs_reauthorization() {
    let login = MockServer::start_async().await;
    let clock = clock();
    let first = service_token(&login, "pc-service-1", 0).await;
    let source = ClientCredentials::new(procore(&login, clock.clone()))
        .builder(MemoryStore::new(), "svc")
        .await
        .unwrap()
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    first.delete_async().await;
    let refused = login
        .mock_async(|when, then| {
            when.method(POST).path("/oauth/token");
            then.status(401).json_body(json!({
                "error": "invalid_client",
                "error_description": "Client authentication failed"
            }));
        })
        .await;
    clock.advance(Duration::from_secs(5400));
    let e = source.access_token().await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert!(!e.to_string().contains("pc-secret"));
    assert_eq!(refused.calls_async().await, 1);

    // A failing first grant is the builder's error.
    let e = ClientCredentials::new(procore(&login, clock))
        .builder(MemoryStore::new(), "svc")
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e:?}");
}

fn ringcentral(server: &MockServer, clock: Arc<ManualClock>) -> RingCentralClient {
    RingCentralClient::builder("rc-id")
        .client_secret(ClientSecret::new("rc-secret"))
        .base_url(server.base_url())
        .clock(clock)
        .build()
        .unwrap()
}

const JWT_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A JWT grant answered with `access`/`refresh` (1 h and 7 days).
async fn jwt_grant<'a>(server: &'a MockServer, access: &str, refresh: &str) -> Mock<'a> {
    server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("grant_type", JWT_GRANT)
                .form_urlencoded_tuple("assertion", "eyJ.rc-jwt.sig");
            then.status(200).json_body(json!({
                "access_token": access,
                "refresh_token": refresh,
                "expires_in": 3600,
                "refresh_token_expires_in": 604800,
                "token_type": "bearer"
            }));
        })
        .await
}

#[tokio::test]
async fn jwt_source_refreshes_while_it_can_then_runs_the_jwt_grant_again() {
    let server = MockServer::start_async().await;
    let clock = clock();
    let jwt = jwt_grant(&server, "rc-1", "r-1").await;
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("grant_type", "refresh_token")
                .form_urlencoded_tuple("refresh_token", "r-1");
            then.status(200).json_body(json!({
                "access_token": "rc-2",
                "refresh_token": "r-2",
                "expires_in": 3600,
                "refresh_token_expires_in": 604800,
                "token_type": "bearer"
            }));
        })
        .await;
    let refused = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("refresh_token", "r-2");
            then.status(400)
                .json_body(json!({"error": "invalid_grant"}));
        })
        .await;
    // A closure signing a new assertion per grant (here: counting them).
    let signed = Arc::new(AtomicUsize::new(0));
    let counted = signed.clone();
    let assertion = move || {
        counted.fetch_add(1, Ordering::SeqCst);
        async { Ok(JwtAssertion::new("eyJ.rc-jwt.sig")) }
    };
    let source = JwtBearer::new(ringcentral(&server, clock.clone()), assertion)
        .clock(clock.clone())
        .builder(MemoryStore::new(), "rc-jwt")
        .await
        .unwrap()
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    assert_eq!(
        source.access_token().await.unwrap().access_token().secret(),
        "rc-1"
    );
    assert_eq!(
        (jwt.calls_async().await, signed.load(Ordering::SeqCst)),
        (1, 1)
    );

    // Due: the refresh token still lives, so it is used.
    clock.advance(Duration::from_secs(3600));
    assert_eq!(
        source.access_token().await.unwrap().access_token().secret(),
        "rc-2"
    );
    assert_eq!(refresh.calls_async().await, 1);
    assert_eq!(jwt.calls_async().await, 1);

    // Due again, and the server refuses r-2: the JWT grant runs again instead of giving up.
    jwt.delete_async().await;
    let jwt = jwt_grant(&server, "rc-3", "r-3").await;
    clock.advance(Duration::from_secs(3600));
    assert_eq!(
        source.access_token().await.unwrap().access_token().secret(),
        "rc-3"
    );
    assert_eq!(refused.calls_async().await, 1);
    assert_eq!(jwt.calls_async().await, 1);
    assert_eq!(signed.load(Ordering::SeqCst), 2);
    assert!(source.needs_reauthorization().is_none());
}

#[tokio::test]
async fn jwt_source_skips_an_expired_refresh_token_and_keeps_transient_failures() {
    let server = MockServer::start_async().await;
    let clock = clock();
    let jwt = jwt_grant(&server, "rc-1", "r-1").await;
    let source = JwtBearer::new(
        ringcentral(&server, clock.clone()),
        JwtAssertion::new("eyJ.rc-jwt.sig"),
    )
    .clock(clock.clone())
    .builder(MemoryStore::new(), "rc-jwt")
    .await
    .unwrap()
    .clock(clock.clone())
    .retry(RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    })
    .build()
    .await
    .unwrap();
    let refresh = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/restapi/oauth/token")
                .form_urlencoded_tuple("grant_type", "refresh_token");
            then.status(503);
        })
        .await;

    // A refresh that fails transiently is the source's to retry, not a reason for a new JWT.
    clock.advance(Duration::from_secs(3600));
    let e = source.access_token().await.unwrap_err();
    assert!(e.is_transient(), "{e:?}");
    assert_eq!(
        (refresh.calls_async().await, jwt.calls_async().await),
        (1, 1)
    );

    // Past the refresh token's 7 days, the JWT grant runs without trying the refresh.
    jwt.delete_async().await;
    let jwt = jwt_grant(&server, "rc-9", "r-9").await;
    clock.advance(Duration::from_secs(604800));
    assert_eq!(
        source.access_token().await.unwrap().access_token().secret(),
        "rc-9"
    );
    assert_eq!(
        (refresh.calls_async().await, jwt.calls_async().await),
        (1, 1)
    );
}

/// What generic application code sees: one type for every grant.
async fn bearer_of(source: &SharedTokenSource) -> String {
    source.access_token().await.unwrap().authorization_header()
}

#[tokio::test]
async fn every_grant_behind_one_type() {
    let login = MockServer::start_async().await;
    let rc = MockServer::start_async().await;
    let clock = clock();
    let _service = service_token(&login, "pc-service-1", 0).await;
    let _jwt = jwt_grant(&rc, "rc-1", "r-1").await;
    let sources: Vec<SharedTokenSource> = vec![
        Arc::new(StaticToken::new(Token::new(
            AccessToken::new("sunshine-1"),
            t0(),
        ))),
        Arc::new(
            ClientCredentials::new(procore(&login, clock.clone()))
                .builder(MemoryStore::new(), "pc")
                .await
                .unwrap()
                .clock(clock.clone())
                .build()
                .await
                .unwrap(),
        ),
        Arc::new(
            JwtBearer::new(
                ringcentral(&rc, clock.clone()),
                JwtAssertion::new("eyJ.rc-jwt.sig"),
            )
            .builder(MemoryStore::new(), "rc")
            .await
            .unwrap()
            .clock(clock)
            .build()
            .await
            .unwrap(),
        ),
    ];
    let mut headers = Vec::new();
    for source in &sources {
        headers.push(bearer_of(source).await);
    }
    assert_eq!(
        headers,
        ["Bearer sunshine-1", "Bearer pc-service-1", "Bearer rc-1"]
    );
}
