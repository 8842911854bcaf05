//! The token-source scenarios of `token_source_http.rs`, over the RingCentral fake instead of
//! httpmock: the refresh tokens are the fake's own, rotating and valid once, so a second
//! refresh of one expiry or a lost rotated token would show as `invalid_grant`.

use std::sync::Arc;
use std::time::Duration;

use oauth_core::{AuthorizationCodeGrant, Error, RefreshTokenGrant, Token};
use oauth_lifecycle::store::{MemoryStore, TokenStore};
use oauth_lifecycle::{RetryPolicy, TokenSource};
use oauth_test_kit::Fault;
use ringcentral_oauth::mock::FakeRingCentral;
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};

const HOUR: Duration = Duration::from_secs(3600);

/// Logs in through the fake and lets the access token expire.
async fn expired_login(fake: &FakeRingCentral) -> Token {
    let client = fake.client();
    let request = client.authorization_request(&AuthorizeParams::new("https://app.example/cb"));
    let redirect = fake.authorize(request.url().as_str()).unwrap();
    let grant = request.verify_redirect(redirect.as_str()).unwrap();
    let token = client.exchange_code(&grant).await.unwrap();
    fake.clock().advance(HOUR);
    token
}

fn fast_retries(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        max_retry_after: Duration::from_secs(1),
    }
}

async fn source<S: TokenStore>(
    fake: &FakeRingCentral,
    client: RingCentralClient,
    store: S,
    token: Token,
) -> TokenSource<RingCentralClient, S> {
    TokenSource::builder(client, store, "acct")
        .initial_token(token)
        .clock(fake.clock())
        .retry(fast_retries(3))
        .build()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_callers_cause_exactly_one_refresh() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    let old_refresh = token.refresh_token().unwrap().clone();
    let store = Arc::new(MemoryStore::new());
    let source = source(&fake, fake.client(), store.clone(), token).await;
    // A slow answer, so that the callers pile up behind the one refresh.
    fake.fail_next(1, Fault::Delay(Duration::from_millis(50)));

    let callers: Vec<_> = (0..1000)
        .map(|_| {
            let source = source.clone();
            tokio::spawn(async move { source.access_token().await })
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    for caller in callers {
        seen.insert(
            caller
                .await
                .unwrap()
                .unwrap()
                .access_token()
                .secret()
                .to_owned(),
        );
    }
    assert_eq!(seen.len(), 1, "every caller got the one new token");
    assert_eq!(fake.counts().refresh, 1);
    // The rotated refresh token was stored, and the old one is spent.
    let stored = store.load("acct").await.unwrap().unwrap();
    let new_refresh = stored.token.refresh_token().unwrap();
    assert_ne!(new_refresh.secret(), old_refresh.secret());
    let client = fake.client();
    assert!(client.refresh(&old_refresh).await.is_err());
    client.refresh(new_refresh).await.unwrap();
}

#[tokio::test]
async fn a_reused_refresh_token_surfaces_as_needs_reauthorization_without_retry() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    // Someone else (another installation with a copy) used the refresh token first.
    fake.client()
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap();
    let source = source(&fake, fake.client(), MemoryStore::new(), token).await;
    for _ in 0..3 {
        let e = source.access_token().await.unwrap_err();
        assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    }
    assert_eq!(
        fake.counts().refresh,
        2,
        "one refresh of the source, not retried"
    );
}

#[tokio::test]
async fn server_errors_are_retried_then_succeed() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    let source = source(&fake, fake.client(), MemoryStore::new(), token).await;
    fake.fail_next(2, Fault::Status(503));
    source.access_token().await.unwrap();
    let counts = fake.counts();
    assert_eq!((counts.faults, counts.refresh), (2, 1));
}

#[tokio::test]
async fn server_errors_past_the_retry_limit_fail_the_call_not_the_grant() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    let source = source(&fake, fake.client(), MemoryStore::new(), token).await;
    fake.fail_next(3, Fault::Status(503));
    let e = source.access_token().await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(fake.counts().refresh, 0);
    // Transient: the next call refreshes.
    source.access_token().await.unwrap();
    assert_eq!(fake.counts().refresh, 1);
}

#[tokio::test]
async fn rate_limits_timeouts_and_dropped_connections_are_survived() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    let client = fake
        .client_builder()
        .timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let source = TokenSource::builder(client, MemoryStore::new(), "acct")
        .initial_token(token)
        .clock(fake.clock())
        .retry(fast_retries(4))
        .build()
        .await
        .unwrap();
    fake.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::ZERO,
        },
    );
    fake.fail_next(1, Fault::Hang);
    fake.fail_next(1, Fault::DropConnection);
    source.access_token().await.unwrap();
    let counts = fake.counts();
    assert_eq!((counts.faults, counts.refresh), (3, 1));
}

#[tokio::test]
async fn a_revoked_grant_needs_reauthorization() {
    let fake = FakeRingCentral::start();
    let token = expired_login(&fake).await;
    let source = source(&fake, fake.client(), MemoryStore::new(), token).await;
    source.access_token().await.unwrap();
    fake.revoke_all();
    fake.clock().advance(HOUR);
    let e = source.access_token().await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert_eq!(fake.counts().refresh, 2);
}
