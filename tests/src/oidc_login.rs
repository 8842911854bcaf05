//! Logging in at the oidc-provider test server without a browser: the authorization request
//! of a `RingCentralClient`, the login form, and back to the redirect URI.

use std::collections::BTreeMap;

use oauth_core::AuthorizationGrant;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};

use crate::OidcServer;

/// The test server's only redirect URI.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

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

/// Runs the authorization step as a user would (user `alice`, scope `openid`): authorize
/// URL, login form, back to the app; returns the verified redirect.
pub async fn authorize(server: &OidcServer, client: &RingCentralClient) -> AuthorizationGrant {
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

/// A RingCentral client for the test server's confidential client (`e2e-client`).
pub fn client_builder(server: &OidcServer) -> ringcentral_oauth::RingCentralClientBuilder {
    RingCentralClient::builder("e2e-client")
        .client_secret(oauth_core::ClientSecret::new(crate::RESERVED_SECRET))
        .base_url(server.base_url())
}
