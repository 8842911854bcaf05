//! End to end against a real, independently written OAuth 2.0 server: oidc-provider with
//! RingCentral's paths (`tests/oidc-server`), driven by the unchanged `ringcentral-oauth` crate.
//! Authorization code with PKCE S256 (its login step completed over HTTP), refresh with
//! rotation, reuse of a rotated refresh token, revocation, and a token source refreshing a
//! 2-second access token by itself.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use oauth_core::store::MemoryStore;
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Error, ErrorCode, RefreshTokenGrant,
    TokenRevocation, TokenSource,
};
use oauth_sdk_tests::{OidcServer, RESERVED_SECRET};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};

const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

fn client(server: &OidcServer) -> RingCentralClient {
    RingCentralClient::builder("e2e-client")
        .client_secret(ClientSecret::new(RESERVED_SECRET))
        .base_url(server.base_url())
        .build()
        .unwrap()
}

/// A browser stand-in: follows nothing by itself, keeps cookies by name.
struct Browser {
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: BTreeMap::new(),
        }
    }

    /// Sends the request with the cookies kept so far; returns the redirect target.
    async fn redirect(&mut self, request: reqwest::RequestBuilder) -> String {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header(COOKIE, cookie).send().await.unwrap();
        for value in response.headers().get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap().split(';').next().unwrap();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        assert!(
            response.status().is_redirection(),
            "expected a redirect, got {}",
            response.status()
        );
        response.headers()[LOCATION].to_str().unwrap().to_owned()
    }
}

/// Runs the authorization step as a user would: authorize URL, login form, back to the app.
async fn authorize(server: &OidcServer, client: &RingCentralClient) -> AuthorizationGrant {
    let params = AuthorizeParams {
        scope: Some("openid".into()),
        ..AuthorizeParams::new(REDIRECT_URI)
    };
    let request = client.authorization_request(&params);
    let query: BTreeMap<_, _> = request.url().query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");

    let mut browser = Browser::new();
    let mut next = browser
        .redirect(browser.http.get(request.url().clone()))
        .await;
    // Login, then consent: each interaction answers one prompt and sends the browser back to
    // the authorization endpoint, which redirects to the next prompt or to the app.
    for _ in 0..3 {
        if !next.starts_with("/interaction/") {
            break;
        }
        let resume = browser
            .redirect(
                browser
                    .http
                    .post(format!("{}{next}/login", server.base_url()))
                    .form(&[("login", "alice")]),
            )
            .await;
        let resume = if resume.starts_with('/') {
            format!("{}{resume}", server.base_url())
        } else {
            resume
        };
        next = browser.redirect(browser.http.get(resume)).await;
    }
    let back = next;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    request.verify_redirect(&back).unwrap()
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
            if let oauth_core::RefreshEvent::Refreshed { .. } = event {
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
