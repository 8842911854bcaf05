//! End to end against a real, independently written OAuth 2.0 server: oidc-provider with
//! RingCentral's paths (`tests/oidc-server`), driven by the unchanged `ringcentral-oauth` crate.
//! Authorization code with PKCE S256 (its login step completed over HTTP), refresh with
//! rotation, reuse of a rotated refresh token, revocation, and a token source refreshing a
//! 2-second access token by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_core::{
    AuthorizationCodeGrant, ClientSecret, Error, ErrorCode, RefreshTokenGrant, TokenRevocation,
};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;
use oauth_sdk_tests::browser::authorize;
use oauth_sdk_tests::{OidcServer, RESERVED_SECRET};
use ringcentral_oauth::RingCentralClient;

fn client(server: &OidcServer) -> RingCentralClient {
    RingCentralClient::builder("e2e-client")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(server.base_url())
        .build()
        .unwrap()
}

#[tokio::test]
async fn code_with_pkce_then_rotating_refresh_and_reuse_detection() {
    let server = OidcServer::start(2);
    let client = client(&server);
    let grant = authorize(&server, &client).await;
    assert!(grant.pkce_verifier.is_some());
    let first = client.exchange_code(&grant).await.unwrap();
    assert!(first.expires_at().is_some());
    assert!(first.extra().contains_key("id_token"));
    let old_refresh = first.refresh_token().expect("a refresh token").clone();

    let second = client.refresh(&old_refresh).await.unwrap();
    let new_refresh = second.refresh_token().expect("rotated").clone();
    assert_ne!(new_refresh.secret(), old_refresh.secret());
    assert_ne!(
        second.access_token().secret(),
        first.access_token().secret()
    );

    // Presenting the rotated-out refresh token again is the typed permanent error.
    let e = client.refresh(&old_refresh).await.unwrap_err();
    assert!(matches!(&e, Error::Server(s) if s.status == 400), "{e:?}");
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant));
    assert!(e.is_permanent());
    assert!(!e.to_string().contains(old_refresh.secret()));

    // The code was single use (and replaying it revokes what it issued).
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant), "{e:?}");
}

#[tokio::test]
async fn revocation_ends_the_grant() {
    let server = OidcServer::start(2);
    let client = client(&server);
    let token = client
        .exchange_code(&authorize(&server, &client).await)
        .await
        .unwrap();
    client.revoke(&token).await.unwrap();
    let e = client
        .refresh(token.refresh_token().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant), "{e:?}");
}

#[tokio::test]
async fn a_token_source_refreshes_a_two_second_token_by_itself() {
    let server = OidcServer::start(2);
    let client = client(&server);
    let token = client
        .exchange_code(&authorize(&server, &client).await)
        .await
        .unwrap();
    let lifetime = token
        .expires_at()
        .unwrap()
        .duration_since(token.received_at())
        .unwrap();
    assert_eq!(lifetime, Duration::from_secs(2));

    let refreshes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = refreshes.clone();
    let source = TokenSource::builder(client, MemoryStore::new(), "alice")
        .initial_token(token)
        .margin(Duration::from_millis(500))
        .on_event(move |event| {
            if let oauth_lifecycle::RefreshEvent::Refreshed { .. } = event {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        })
        .build()
        .await
        .unwrap();
    let first = source.access_token().await.unwrap();

    // Ask as an application would, until the token has been replaced twice (about 3 s).
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen = vec![first.access_token().secret().to_owned()];
    while seen.len() < 3 {
        assert!(
            Instant::now() < deadline,
            "the source did not refresh: {} tokens",
            seen.len()
        );
        let token = source.access_token().await.unwrap();
        assert!(token.expires_at().unwrap() > std::time::SystemTime::now());
        if token.access_token().secret() != seen.last().unwrap() {
            seen.push(token.access_token().secret().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refreshes.load(std::sync::atomic::Ordering::SeqCst), 2);
}
