//! The Cal.com client: configuration, client authentication and the grants.

use std::fmt;
use std::sync::Arc;

use oauth_core::runtime::Connection;
use oauth_core::runtime::response::map_error;
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, BaseUrl, ClientOptions, ClientSecret, Clock, Error,
    Provider, RefreshToken, RefreshTokenGrant, Result, Token,
};
use reqwest::header::HeaderValue;

use crate::convert;
use crate::generated::{self, types};

/// Cal.com's cloud API host. The published documents name no server; this is where the v2 API
/// answers. Self-hosted instances pass their own with [`CalcomClientBuilder::base_url`].
pub const DEFAULT_BASE_URL: &str = "https://api.cal.com";

/// A Cal.com platform OAuth client (managed users; Cal.com deprecates these endpoints). New
/// integrations use the OAuth 2.0 flow: [`crate::CalcomOAuth2Client`].
///
/// The client secret is part of every client: the code exchange sends it in the JSON body and
/// the refresh in the `x-cal-secret-key` header, so a client without one could do nothing.
#[derive(Clone)]
pub struct CalcomClient {
    pub(crate) generated: generated::Client,
    pub(crate) base: BaseUrl,
    pub(crate) client_id: String,
    client_secret: ClientSecret,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for CalcomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomClient")
            .field("base_url", &self.base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Builds a [`CalcomClient`].
///
/// A client given with `http_client` must not follow redirects: the authorization endpoint
/// answers with a redirect whose `Location` carries the code, and a client that follows it
/// sends the code to the redirect URI instead of handing it back, so
/// [`CalcomClient::authorize`] fails.
pub struct CalcomClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    /// Where and how to connect; the xtask writes the methods that set it into `generated.rs`.
    pub(crate) connection: ClientOptions,
}

impl fmt::Debug for CalcomClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("connection", &self.connection)
            .finish()
    }
}

impl CalcomClient {
    /// Starts a client for the OAuth client `client_id`, on [`DEFAULT_BASE_URL`].
    pub fn builder(client_id: impl Into<String>) -> CalcomClientBuilder {
        CalcomClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
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
}

impl CalcomClientBuilder {
    /// The OAuth client secret; required (see [`CalcomClient`]).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Checks the configuration and builds the client.
    ///
    /// [`Error::Config`] when the client ID is empty, the secret is missing, empty or cannot
    /// travel in an HTTP header, or the base URL is not `https` (`http` is accepted for
    /// loopback hosts only).
    pub fn build(self) -> Result<CalcomClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        let Some(client_secret) = self.client_secret else {
            return Err(Error::Config(
                "Cal.com needs the client secret (CalcomClientBuilder::client_secret): the code \
                 exchange and the refresh both send it"
                    .into(),
            ));
        };
        if client_secret.secret().is_empty() {
            return Err(Error::Config("the client secret is empty".into()));
        }
        // The refresh sends the secret as a header: checked here so that a refresh cannot fail
        // later, after a token expired, for a reason known at start-up.
        if HeaderValue::from_str(client_secret.secret()).is_err() {
            return Err(Error::Config(
                "the client secret has characters an HTTP header cannot carry (control \
                 characters or line breaks)"
                    .into(),
            ));
        }
        // The secret is scrubbed from every error answer, also those to calls that do not
        // send it (a server may echo it anywhere).
        let connection = self.connection.connect()?.holding([client_secret.secret()]);
        let generated = generated::Client::try_from(&connection)?;
        let Connection { base, clock, .. } = connection;
        Ok(CalcomClient {
            generated,
            base,
            client_id: self.client_id,
            client_secret,
            clock,
        })
    }
}

impl Provider for CalcomClient {
    const NAME: &'static str = "calcom";
}

impl AuthorizationCodeGrant for CalcomClient {
    /// `POST /v2/oauth/{clientId}/exchange` with the code as `Authorization: Bearer <code>` and
    /// `{"clientSecret": ...}` as the body. Cal.com takes neither a redirect URI nor a PKCE
    /// verifier here; those of the grant are ignored.
    async fn exchange_code(&self, grant: &AuthorizationGrant) -> Result<Token> {
        let bearer = format!("Bearer {}", grant.code.secret());
        let body = types::ExchangeAuthorizationCodeInput {
            client_secret: self.client_secret.clone(),
        };
        let response = self
            .generated
            .o_auth_flow_controller_exchange(&self.client_id, &bearer, &body)
            .await
            .map_err(map_error::<types::KeysResponseDto, _>)?;
        Ok(convert::token(response.into_inner(), self.clock.now()))
    }
}

impl RefreshTokenGrant for CalcomClient {
    /// `POST /v2/oauth/{clientId}/refresh` with the secret as `x-cal-secret-key` and
    /// `{"refreshToken": ...}` as the body. Cal.com rotates refresh tokens: the answer carries a
    /// new one and the one sent stops working.
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token> {
        let body = types::RefreshTokenInput {
            refresh_token: refresh_token.clone(),
        };
        let response = self
            .generated
            .o_auth_flow_controller_refresh_access_token(
                &self.client_id,
                self.client_secret.secret(),
                &body,
            )
            .await
            .map_err(map_error::<types::KeysResponseDto, _>)?;
        Ok(convert::token(response.into_inner(), self.clock.now()))
    }
}
