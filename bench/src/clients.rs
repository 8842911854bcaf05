//! The three clients under test, each doing the same code exchange against the same server with
//! the same credentials, on an HTTP client with the same settings (reqwest 0.13, rustls, no
//! redirects, the SDK's timeouts).

use std::borrow::Cow;
use std::hint::black_box;
use std::time::Duration;

use oauth_core::{AuthorizationCodeGrant, AuthorizationGrant};
use oauth2::basic::BasicClient;
use oauth2::{EndpointNotSet, EndpointSet, TokenResponse as _};
use reqwest::header::{AUTHORIZATION, HeaderValue};
use ringcentral_oauth::RingCentralClient;
use serde::Deserialize;

use crate::server::TOKEN_PATH;

/// The application's credentials (the secret has characters that must be form-encoded).
pub const CLIENT_ID: &str = "bench-client-id";
/// The client secret.
pub const CLIENT_SECRET: &str = "bench/secret+with=reserved&chars";
/// The authorization code exchanged on every request.
pub const CODE: &str = "U0pDMTFQMDFQQVMwMHxBQUNfb0xGRWZXdUhTMndqVjg5ZjRtY1FYcUZxZGRQ";
/// The PKCE verifier sent with it (43 characters, as the SDK makes them).
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// The redirect URI of the authorization request.
pub const REDIRECT_URI: &str = "https://app.example/oauth/callback";

const USER_AGENT: &str = "oauth-sdk-bench";

/// Which client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// reqwest and serde by hand: the least work a correct exchange can do.
    Floor,
    /// oauth2-rs 5 over `oauth2-reqwest`.
    OAuth2,
    /// `ringcentral-oauth`.
    Sdk,
}

impl Kind {
    /// All three, in the order the tables print them.
    pub const ALL: [Kind; 3] = [Kind::Floor, Kind::OAuth2, Kind::Sdk];

    /// The kind named `floor`, `oauth2` or `sdk`.
    pub fn parse(name: &str) -> Option<Kind> {
        match name {
            "floor" => Some(Kind::Floor),
            "oauth2" => Some(Kind::OAuth2),
            "sdk" => Some(Kind::Sdk),
            _ => None,
        }
    }

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Floor => "raw reqwest + serde",
            Kind::OAuth2 => "oauth2-rs 5",
            Kind::Sdk => "ringcentral-oauth",
        }
    }
}

/// One client, ready to exchange codes.
pub enum Contender {
    /// See [`Kind::Floor`].
    Floor(Floor),
    /// See [`Kind::OAuth2`].
    OAuth2(Box<OAuth2>),
    /// See [`Kind::Sdk`].
    Sdk(Box<Sdk>),
}

impl Contender {
    /// Builds the client of `kind` for the server at `base_url`.
    pub fn new(kind: Kind, base_url: &str) -> Self {
        match kind {
            Kind::Floor => Contender::Floor(Floor::new(base_url)),
            Kind::OAuth2 => Contender::OAuth2(Box::new(OAuth2::new(base_url))),
            Kind::Sdk => Contender::Sdk(Box::new(Sdk::new(base_url))),
        }
    }

    /// One code exchange; panics on any failure (a benchmark of failures measures nothing).
    pub async fn exchange(&self) {
        match self {
            Contender::Floor(c) => c.exchange().await,
            Contender::OAuth2(c) => c.exchange().await,
            Contender::Sdk(c) => c.exchange().await,
        }
    }
}

/// An HTTP client with the settings the SDK's `HttpSettings::build` uses.
fn http_client() -> reqwest::Client {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(USER_AGENT)
        .build()
        .expect("the HTTP client builds")
}

/// The floor: URL and Basic header prepared once, a form body, a plain serde struct.
pub struct Floor {
    http: reqwest::Client,
    url: reqwest::Url,
    basic: HeaderValue,
}

/// The token response as a hand-written client would declare it.
#[derive(Deserialize)]
#[allow(dead_code)] // read through black_box only
struct TokenResponse {
    access_token: String,
    token_type: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<u64>,
    scope: Option<String>,
    owner_id: Option<String>,
    endpoint_id: Option<String>,
}

impl Floor {
    fn new(base_url: &str) -> Self {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let pair = format!("{}:{}", enc(CLIENT_ID), enc(CLIENT_SECRET));
        let mut basic = HeaderValue::try_from(format!(
            "Basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, pair)
        ))
        .expect("base64 is a valid header value");
        basic.set_sensitive(true);
        Self {
            http: http_client(),
            url: reqwest::Url::parse(&format!("{base_url}{TOKEN_PATH}")).expect("a URL"),
            basic,
        }
    }

    async fn exchange(&self) {
        let response = self
            .http
            .post(self.url.clone())
            .header(AUTHORIZATION, self.basic.clone())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", CODE),
                ("redirect_uri", REDIRECT_URI),
                ("code_verifier", VERIFIER),
            ])
            .send()
            .await
            .expect("the floor's request");
        assert!(response.status().is_success(), "{}", response.status());
        let body = response.bytes().await.expect("the floor's body");
        let token: TokenResponse = serde_json::from_slice(&body).expect("the floor's token");
        black_box(token);
    }
}

type OAuth2Client =
    BasicClient<EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

/// oauth2-rs with client_secret_basic (its default), PKCE verifier and redirect URI.
pub struct OAuth2 {
    client: OAuth2Client,
    http: oauth2_reqwest::ReqwestClient,
    redirect: oauth2::RedirectUrl,
}

impl OAuth2 {
    fn new(base_url: &str) -> Self {
        let client = BasicClient::new(oauth2::ClientId::new(CLIENT_ID.into()))
            .set_client_secret(oauth2::ClientSecret::new(CLIENT_SECRET.into()))
            .set_token_uri(
                oauth2::TokenUrl::new(format!("{base_url}{TOKEN_PATH}")).expect("a token URL"),
            );
        Self {
            client,
            http: oauth2_reqwest::ReqwestClient::from(http_client()),
            redirect: oauth2::RedirectUrl::new(REDIRECT_URI.into()).expect("a redirect URL"),
        }
    }

    async fn exchange(&self) {
        let token = self
            .client
            .exchange_code(oauth2::AuthorizationCode::new(CODE.into()))
            .set_pkce_verifier(oauth2::PkceCodeVerifier::new(VERIFIER.into()))
            .set_redirect_uri(Cow::Borrowed(&self.redirect))
            .request_async(&self.http)
            .await
            .expect("oauth2-rs's exchange");
        black_box(token.access_token());
        black_box(token);
    }
}

/// The SDK's RingCentral client, confidential (HTTP Basic).
pub struct Sdk {
    client: RingCentralClient,
    grant: AuthorizationGrant,
}

impl Sdk {
    fn new(base_url: &str) -> Self {
        Self {
            client: sdk_client(base_url),
            grant: AuthorizationGrant {
                code: oauth_core::AuthorizationCode::new(CODE),
                pkce_verifier: Some(oauth_core::PkceVerifier::new(VERIFIER)),
                redirect_uri: Some(REDIRECT_URI.into()),
            },
        }
    }

    async fn exchange(&self) {
        let token = self
            .client
            .exchange_code(&self.grant)
            .await
            .expect("the SDK's exchange");
        black_box(token);
    }
}

/// The SDK client the exchange and the fresh-path measurements use.
pub fn sdk_client(base_url: &str) -> RingCentralClient {
    RingCentralClient::builder(CLIENT_ID)
        .client_secret(oauth_core::ClientSecret::new(CLIENT_SECRET))
        .base_url(base_url)
        .build()
        .expect("the SDK client builds")
}
