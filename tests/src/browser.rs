//! A browser stand-in for the end-to-end tests: drives the oidc-provider test server's login
//! and consent over HTTP, from an authorization URL to the redirect back to the app; and the
//! whole authorization step of a `RingCentralClient` there ([`authorize`]).

use std::collections::BTreeMap;

use oauth_core::AuthorizationGrant;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};
use url::Url;

use crate::OidcServer;

/// The test server's only redirect URI.
pub const REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// Follows nothing by itself and keeps cookies by name.
pub struct Browser {
    /// The HTTP client (redirects off).
    pub http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl Default for Browser {
    fn default() -> Self {
        Self::new()
    }
}

impl Browser {
    /// A browser without cookies.
    pub fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("a reqwest client"),
            cookies: BTreeMap::new(),
        }
    }

    /// Sends the request with the cookies kept so far, keeps the ones it sets, and returns the
    /// redirect target; panics when the answer is no redirect.
    pub async fn redirect(&mut self, request: reqwest::RequestBuilder) -> String {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header(COOKIE, cookie).send().await.expect("sent");
        for value in response.headers().get_all(SET_COOKIE) {
            let pair = value.to_str().unwrap_or_default().split(';').next();
            if let Some((name, value)) = pair.and_then(|p| p.split_once('=')) {
                self.cookies
                    .insert(name.trim().to_owned(), value.to_owned());
            }
        }
        assert!(
            response.status().is_redirection(),
            "expected a redirect, got {}",
            response.status()
        );
        response.headers()[LOCATION]
            .to_str()
            .expect("a text Location")
            .to_owned()
    }

    /// Opens `authorize_url` of the server at `base_url`, logs in as `user` (login and consent
    /// are one form there), and returns where the server finally sends the browser: the app's
    /// redirect URI with `code` or `error`.
    pub async fn authorize(&mut self, base_url: &str, authorize_url: &Url, user: &str) -> String {
        let mut next = self.redirect(self.http.get(authorize_url.clone())).await;
        // Each interaction answers one prompt and sends the browser back to the authorization
        // endpoint, which redirects to the next prompt or to the app.
        for _ in 0..3 {
            if !next.starts_with("/interaction/") {
                break;
            }
            let login = self
                .http
                .post(format!("{base_url}{next}/login"))
                .form(&[("login", user)]);
            let resume = self.redirect(login).await;
            let resume = if resume.starts_with('/') {
                format!("{base_url}{resume}")
            } else {
                resume
            };
            next = self.redirect(self.http.get(resume)).await;
        }
        next
    }
}

/// Runs the authorization step as a user would (user `alice`, scope `openid`): authorize
/// URL, login form, back to the app; returns the verified redirect.
pub async fn authorize(server: &OidcServer, client: &RingCentralClient) -> AuthorizationGrant {
    let mut params = AuthorizeParams::new(REDIRECT_URI);
    params.scope = Some("openid".into());
    let request = client.authorization_request(&params);
    let query: BTreeMap<_, _> = request.url().query_pairs().into_owned().collect();
    assert_eq!(query["code_challenge_method"], "S256");

    let back = Browser::new()
        .authorize(server.base_url(), request.url(), "alice")
        .await;
    assert!(back.starts_with(REDIRECT_URI), "{back}");
    request.verify_redirect(&back).expect("a verified redirect")
}

/// A RingCentral client for the test server's confidential client (`e2e-client`).
pub fn client_builder(server: &OidcServer) -> ringcentral_oauth::RingCentralClientBuilder {
    RingCentralClient::builder("e2e-client")
        .client_secret(oauth_core::ClientSecret::new(crate::RESERVED_SECRET))
        .base_url(server.base_url())
}
