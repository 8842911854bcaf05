//! The OAuth 2.0 client: configuration, client kinds and the two grants of the token endpoint.

use std::fmt;
use std::sync::Arc;

use oauth_core::runtime::Connection;
use oauth_core::runtime::response::map_error;
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, BaseUrl, ClientOptions, ClientSecret, Clock, Error,
    Provider, RefreshToken, RefreshTokenGrant, Result, Token,
};

use super::authorize::DEFAULT_APP_URL;
use super::convert;
use crate::client::DEFAULT_BASE_URL;
use crate::generated::{self, types};
use url::Url;

/// Whether a client authenticates with a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// No secret: PKCE proves the code's origin (Cal.com's `PUBLIC` clients).
    Public,
    /// `client_secret` in the body of every token request (Cal.com's `CONFIDENTIAL` clients).
    Confidential,
}

/// A client of Cal.com's OAuth 2.0 flow (see [the module](super)).
///
/// `base_url` is the API (`https://api.cal.com`, where the token endpoint is), `app_url` the
/// web app (`https://app.cal.com`, where the authorization page is).
#[derive(Clone)]
pub struct CalcomOAuth2Client {
    generated: generated::Client,
    base: BaseUrl,
    app: BaseUrl,
    /// The authorization page, its URL prepared once at build.
    pub(crate) authorize: Url,
    pub(crate) client_id: String,
    client_secret: Option<ClientSecret>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for CalcomOAuth2Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomOAuth2Client")
            .field("base_url", &self.base)
            .field("app_url", &self.app)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Builds a [`CalcomOAuth2Client`]: public unless given a secret.
pub struct CalcomOAuth2ClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    app_url: String,
    /// Where and how to connect; the xtask writes the methods that set it into `generated.rs`.
    pub(crate) connection: ClientOptions,
}

impl fmt::Debug for CalcomOAuth2ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomOAuth2ClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("app_url", &self.app_url)
            .field("connection", &self.connection)
            .finish()
    }
}

impl CalcomOAuth2Client {
    /// Starts a client for the OAuth client `client_id`, on Cal.com's cloud
    /// ([`DEFAULT_BASE_URL`], [`DEFAULT_APP_URL`]).
    pub fn builder(client_id: impl Into<String>) -> CalcomOAuth2ClientBuilder {
        CalcomOAuth2ClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
            app_url: DEFAULT_APP_URL.to_owned(),
            connection: ClientOptions::new(
                DEFAULT_BASE_URL,
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            ),
        }
    }

    /// The generated client, for calls this layer does not wrap.
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// The OAuth client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Public or confidential.
    pub fn kind(&self) -> ClientKind {
        match self.client_secret {
            Some(_) => ClientKind::Confidential,
            None => ClientKind::Public,
        }
    }

    /// A token request for `grant_type`: `client_id` always, `client_secret` for confidential
    /// clients, nothing else (Cal.com refuses fields its input for the grant lacks).
    fn token_request(&self, grant_type: types::OAuth2GrantType) -> types::OAuth2TokenRequest {
        types::OAuth2TokenRequest {
            grant_type,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            code: None,
            redirect_uri: None,
            code_verifier: None,
            refresh_token: None,
        }
    }

    async fn request_token(&self, body: &types::OAuth2TokenRequest) -> Result<Token> {
        let response = self
            .generated
            .o_auth2_controller_token(body)
            .await
            .map_err(map_error::<types::OAuth2TokenResponse, _>)?;
        convert::token(response.into_inner(), self.clock.now())
    }
}

impl CalcomOAuth2ClientBuilder {
    /// The client secret: makes this a confidential client.
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Another web app URL, where the authorization page is (self-hosted Cal.com, tests):
    /// `https`, or `http` on a loopback host only.
    pub fn app_url(mut self, url: impl Into<String>) -> Self {
        self.app_url = url.into();
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// [`Error::Config`] when the client ID or a given secret is empty, or a URL is not
    /// `https` (`http` is accepted for loopback hosts only).
    pub fn build(self) -> Result<CalcomOAuth2Client> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        if self
            .client_secret
            .as_ref()
            .is_some_and(|s| s.secret().is_empty())
        {
            return Err(Error::Config(
                "the client secret is empty (build a public client without one)".into(),
            ));
        }
        let app = BaseUrl::parse(&self.app_url)?;
        // The secret is scrubbed from every error answer, also those to calls that do not
        // send it (a server may echo it anywhere).
        let connection = self
            .connection
            .connect()?
            .holding(self.client_secret.iter().map(ClientSecret::secret));
        let generated = generated::Client::try_from(&connection)?;
        let Connection { base, clock, .. } = connection;
        Ok(CalcomOAuth2Client {
            generated,
            authorize: app.endpoint(generated::paths::O_AUTH2_AUTHORIZE_PAGE)?,
            base,
            app,
            client_id: self.client_id,
            client_secret: self.client_secret,
            clock,
        })
    }
}

impl Provider for CalcomOAuth2Client {
    const NAME: &'static str = "calcom-oauth2";
}

impl AuthorizationCodeGrant for CalcomOAuth2Client {
    /// `POST /v2/auth/oauth2/token` with `grant_type=authorization_code`, `client_id`, `code`,
    /// `redirect_uri`, `code_verifier` and, for confidential clients, `client_secret`.
    ///
    /// Cal.com requires the redirect URI, and the verifier of a code requested with PKCE: a
    /// grant without a redirect URI, or a public client's grant without a verifier, is
    /// [`Error::Config`] before anything is sent (grants from
    /// [`CalcomOAuth2Client::authorization_request`] have both).
    async fn exchange_code(&self, grant: &AuthorizationGrant) -> Result<Token> {
        let Some(redirect_uri) = grant.redirect_uri.clone() else {
            return Err(Error::Config(
                "Cal.com's token endpoint needs the redirect URI of the authorization request; \
                 this grant has none"
                    .into(),
            ));
        };
        if grant.pkce_verifier.is_none() && self.kind() == ClientKind::Public {
            return Err(Error::Config(
                "a public Cal.com client needs the PKCE verifier of the authorization request; \
                 this grant has none"
                    .into(),
            ));
        }
        let mut body = self.token_request(types::OAuth2GrantType::AuthorizationCode);
        body.code = Some(grant.code.clone());
        body.redirect_uri = Some(redirect_uri);
        body.code_verifier = grant.pkce_verifier.clone();
        self.request_token(&body).await
    }
}

impl RefreshTokenGrant for CalcomOAuth2Client {
    /// `POST /v2/auth/oauth2/token` with `grant_type=refresh_token`, `client_id`,
    /// `refresh_token` and, for confidential clients, `client_secret`. The answer carries a new
    /// refresh token; the one sent stops working.
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token> {
        let mut body = self.token_request(types::OAuth2GrantType::RefreshToken);
        body.refresh_token = Some(refresh_token.clone());
        self.request_token(&body).await
    }
}
