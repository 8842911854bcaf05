//! End to end against a real, independently written OAuth 2.0 server: oidc-provider with Cal.com's
//! OAuth 2.0 paths (`tests/oidc-server`, `E2E_OIDC_PROFILE=calcom`), driven by the unchanged
//! `calcom-oauth` crate. A public client (PKCE, no secret) and a confidential one (secret in the
//! body) each run authorize -> exchange -> refresh -> reuse of the rotated refresh token
//! (rejected); the same flow runs over the envelope shapes of older Cal.com servers; and a token
//! source refreshes a 2-second token by itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use calcom_oauth::{AuthorizeParams, CalcomOAuth2Client, ClientKind};
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Error, ErrorCode, RefreshTokenGrant,
    TokenType,
};
use oauth_lifecycle::store::MemoryStore;
use oauth_lifecycle::{RefreshEvent, TokenSource};
use oauth_sdk_tests::browser::Browser;
use oauth_sdk_tests::{OidcServer, RESERVED_SECRET, assert_no_secrets, watch_rotations};

const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";
const PUBLIC: &str = "calcom-public";
const CONFIDENTIAL: &str = "calcom-confidential";

fn server(ttl: u64, shape: &str) -> OidcServer {
    OidcServer::start_with_env(
        ttl,
        &[("E2E_OIDC_PROFILE", "calcom"), ("E2E_CALCOM_SHAPE", shape)],
    )
}

/// The test server is the web app and the API at once.
fn client(server: &OidcServer, id: &str, secret: Option<&str>) -> CalcomOAuth2Client {
    let mut builder = CalcomOAuth2Client::builder(id)
        .base_url(server.base_url())
        .app_url(server.base_url());
    if let Some(secret) = secret {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    builder.build().unwrap()
}

fn public(server: &OidcServer) -> CalcomOAuth2Client {
    client(server, PUBLIC, None)
}

fn confidential(server: &OidcServer) -> CalcomOAuth2Client {
    client(server, CONFIDENTIAL, Some(RESERVED_SECRET))
}

/// The authorization step as a user does it: the client's URL, the login form, back to the app.
async fn authorize(server: &OidcServer, client: &CalcomOAuth2Client) -> AuthorizationGrant {
    let params = AuthorizeParams::new(REDIRECT_URI)
        .scope("PROFILE_READ")
        .scope("BOOKING_READ");
    let request = client.authorization_request(&params);
    assert_eq!(request.url().path(), "/auth/oauth2/authorize");
    let query: BTreeMap<_, _> = request.url().query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["client_id"], client.client_id());
    let back = Browser::new()
        .authorize(server.base_url(), request.url(), "alice")
        .await;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    request.verify_redirect(&back).unwrap()
}

/// authorize -> exchange -> refresh -> refresh with the rotated-out token (rejected) -> the
/// code again (rejected). (What else a reuse does differs: oidc-provider then revokes the whole
/// grant, Cal.com only refuses the old token; neither is the client's business.)
async fn full_flow(server: &OidcServer, client: &CalcomOAuth2Client, secrets: &[&str]) {
    let grant = authorize(server, client).await;
    assert!(grant.pkce_verifier.is_some());
    let first = client.exchange_code(&grant).await.unwrap();
    assert_eq!(first.token_type(), &TokenType::Bearer);
    assert_eq!(first.scopes(), ["PROFILE_READ", "BOOKING_READ"]);
    let lifetime = first
        .expires_at()
        .unwrap()
        .duration_since(first.received_at())
        .unwrap();
    assert_eq!(lifetime, Duration::from_secs(60));
    let old_refresh = first.refresh_token().expect("a refresh token").clone();

    let second = client.refresh(&old_refresh).await.unwrap();
    let new_refresh = second.refresh_token().expect("rotated").clone();
    assert_ne!(new_refresh.secret(), old_refresh.secret());
    assert_ne!(
        second.access_token().secret(),
        first.access_token().secret()
    );

    // The rotated-out refresh token is refused with the typed, permanent RFC 6749 error.
    let e = client.refresh(&old_refresh).await.unwrap_err();
    assert!(matches!(&e, Error::Server(s) if s.status == 400), "{e:?}");
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant), "{e:?}");
    assert!(e.is_permanent());
    let mut leaked = vec![
        old_refresh.secret(),
        new_refresh.secret(),
        grant.code.secret(),
    ];
    leaked.extend_from_slice(secrets);
    assert_no_secrets(&format!("{e} {e:?} {client:?}"), &leaked);

    // The code was single use.
    let e = client.exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant), "{e:?}");
}

#[tokio::test]
async fn public_client_authorize_exchange_refresh_and_reuse_rejected() {
    let server = server(60, "bare");
    let client = public(&server);
    assert_eq!(client.kind(), ClientKind::Public);
    full_flow(&server, &client, &[]).await;
}

#[tokio::test]
async fn confidential_client_authorize_exchange_refresh_and_reuse_rejected() {
    let server = server(60, "bare");
    let client = confidential(&server);
    assert_eq!(client.kind(), ClientKind::Confidential);
    full_flow(&server, &client, &[RESERVED_SECRET]).await;
}

#[tokio::test]
async fn the_flow_reads_the_envelopes_of_older_servers() {
    for shape in ["envelope", "envelope-camel"] {
        let server = server(60, shape);
        full_flow(&server, &public(&server), &[]).await;
        full_flow(&server, &confidential(&server), &[RESERVED_SECRET]).await;
    }
}

#[tokio::test]
async fn a_confidential_client_without_its_secret_is_invalid_client() {
    let server = server(60, "bare");
    // The confidential client's id, built as a public client: no secret in the body.
    let without_secret = client(&server, CONFIDENTIAL, None);
    let grant = authorize(&server, &without_secret).await;
    let e = without_secret.exchange_code(&grant).await.unwrap_err();
    assert!(matches!(&e, Error::Server(s) if s.status == 401), "{e:?}");
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidClient), "{e:?}");
    assert!(e.is_permanent());
    // Nor can the public client use a code issued to another client.
    let e = public(&server).exchange_code(&grant).await.unwrap_err();
    assert_eq!(e.oauth_code(), Some(&ErrorCode::InvalidGrant), "{e:?}");
}

#[tokio::test]
async fn a_token_source_refreshes_a_two_second_token_by_itself() {
    let server = server(2, "bare");
    let client = public(&server);
    let token = client
        .exchange_code(&authorize(&server, &client).await)
        .await
        .unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counted = refreshes.clone();
    let source = TokenSource::builder(client, MemoryStore::new(), "alice")
        .initial_token(token)
        .margin(Duration::from_millis(500))
        .on_event(move |event| {
            if let RefreshEvent::Refreshed { .. } = event {
                counted.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .await
        .unwrap();
    // About 3 s: each replacement used the refresh token the previous one rotated in.
    watch_rotations(&source, 3).await;
    assert_eq!(refreshes.load(Ordering::SeqCst), 2);
}
