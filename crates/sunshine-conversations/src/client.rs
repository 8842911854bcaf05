//! The Sunshine Conversations client: hosts, configuration and the OAuth calls.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::response::map_error;
use oauth_core::{
    AccessToken, AuthorizationCodeGrant, AuthorizationGrant, AuthorizationRequest, BaseUrl,
    ClientOptions, ClientSecret, Clock, Connection, Error, Provider, Result, Token,
    TokenIntrospection, TokenRevocation,
};

use crate::convert;
use crate::generated::{self, types};

/// Where the OAuth calls go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// The OAuth bridge, `https://oauth-bridge.zendesk.com/sc`: the documented host of every
    /// OAuth endpoint (the default).
    OAuthBridge,
    /// The legacy United States API host, `https://api.smooch.io`.
    Us,
    /// The legacy European Union API host, `https://api.eu-1.smooch.io`.
    Eu,
}

impl Region {
    /// The base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::OAuthBridge => "https://oauth-bridge.zendesk.com/sc",
            Self::Us => "https://api.smooch.io",
            Self::Eu => "https://api.eu-1.smooch.io",
        }
    }
}

/// A Sunshine Conversations OAuth client (a Zendesk Technology Partner integration).
#[derive(Clone)]
pub struct SunshineClient {
    generated: generated::Client,
    base: BaseUrl,
    client_id: String,
    client_secret: ClientSecret,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for SunshineClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SunshineClient")
            .field("base_url", &self.base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Builds a [`SunshineClient`].
pub struct SunshineClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    connection: ClientOptions,
}

impl fmt::Debug for SunshineClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SunshineClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("connection", &self.connection)
            .finish()
    }
}

impl SunshineClient {
    /// Starts a client for the integration `client_id`, on the OAuth bridge.
    pub fn builder(client_id: impl Into<String>) -> SunshineClientBuilder {
        SunshineClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
            connection: ClientOptions::new(
                Region::OAuthBridge.base_url(),
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            ),
        }
    }

    /// The generated client, for calls this layer does not wrap.
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// The authorization request for the browser: `GET /oauth/authorize` with
    /// `response_type=code` and a fresh random state. Without a redirect URI the first one
    /// registered for the integration is used.
    pub fn authorization_request(&self, redirect_uri: Option<&str>) -> AuthorizationRequest {
        let builder = AuthorizationRequest::builder(self.base.endpoint("/oauth/authorize"))
            .param("client_id", self.client_id.as_str())
            .param("response_type", "code");
        match redirect_uri {
            Some(uri) => builder.redirect_uri(uri),
            None => builder,
        }
        .build()
    }
}

impl SunshineClientBuilder {
    /// The OAuth client secret (required by the token exchange).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The OAuth bridge (default) or a regional API host.
    pub fn region(mut self, region: Region) -> Self {
        self.connection.base_url = region.base_url().to_owned();
        self
    }

    /// Another base URL (tests, proxies): `https`, or `http` on loopback only.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.connection.base_url = url.into();
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connection.http.timeout = timeout;
        self
    }

    /// Uses this `reqwest` client instead of building one. It must not follow redirects.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.connection.reqwest = Some(client);
        self
    }

    /// The clock that stamps received tokens.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.connection.clock = clock;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<SunshineClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        let Some(client_secret) = self.client_secret else {
            return Err(Error::Config(
                "the Sunshine Conversations token exchange needs the client secret".into(),
            ));
        };
        let Connection { base, http, clock } = self.connection.connect()?;
        Ok(SunshineClient {
            generated: generated::Client::new_with_client(base.as_str(), http),
            base,
            client_id: self.client_id,
            client_secret,
            clock,
        })
    }
}

impl Provider for SunshineClient {
    const NAME: &'static str = "sunshine-conversations";
}

impl AuthorizationCodeGrant for SunshineClient {
    /// `POST /oauth/token` with JSON `{code, grant_type, client_id, client_secret}`. The token
    /// never expires and has no refresh token.
    async fn exchange_code(&self, grant: &AuthorizationGrant) -> Result<Token> {
        let body = types::GetTokenRequest {
            code: grant.code.clone(),
            grant_type: "authorization_code".into(),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        };
        let response = self
            .generated
            .get_token(&body)
            .await
            .map_err(map_error::<types::GetTokenResponse, _>)?;
        Ok(convert::token(response.into_inner(), self.clock.now()))
    }
}

impl TokenIntrospection for SunshineClient {
    type Info = types::AppResponse;

    /// `GET /v2/tokenInfo` with `Authorization: Bearer`: the app the token is for (its `id` and
    /// `subdomain` for later API calls). Also a cheap check that the token still works.
    async fn token_info(&self, access_token: &AccessToken) -> Result<types::AppResponse> {
        let bearer = format!("Bearer {}", access_token.secret());
        let response = self
            .generated
            .get_token_info(&bearer)
            .await
            .map_err(map_error::<types::AppResponse, _>)?;
        Ok(response.into_inner())
    }
}

impl TokenRevocation for SunshineClient {
    /// `DELETE /oauth/authorization` with `Authorization: Bearer`: removes the integration
    /// from the app, with its webhooks.
    async fn revoke(&self, token: &Token) -> Result<()> {
        let bearer = format!("Bearer {}", token.access_token().secret());
        self.generated
            .revoke_access(&bearer)
            .await
            .map_err(map_error::<types::EmptyResponse, _>)?;
        Ok(())
    }
}
