//! The Cal.com client: configuration, the server-side authorization, and the grants.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::response::map_error;
use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationError, AuthorizationGrant,
    ClientOptions, ClientSecret, Clock, Connection, DecodeError, Error, Provider, RefreshToken,
    RefreshTokenGrant, Result, SessionCookie, Token,
};
use url::Url;

use crate::convert;
use crate::generated::{self, types};

/// Cal.com's cloud API host.
pub const DEFAULT_BASE_URL: &str = "https://api.cal.com";

/// A Cal.com platform OAuth client. The client secret is required: both the code exchange and
/// the refresh send it.
#[derive(Clone)]
pub struct CalcomClient {
    generated: generated::Client,
    client_id: String,
    client_secret: ClientSecret,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for CalcomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomClient")
            .field(
                "base_url",
                &progenitor_client::ClientInfo::baseurl(&self.generated),
            )
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

/// Builds a [`CalcomClient`].
pub struct CalcomClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    connection: ClientOptions,
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

/// What the authorization endpoint answered: where it redirected, and the code in it.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// The redirect target (`redirectUri?code=...`); it holds the code, so do not log it.
    pub location: Url,
    /// The code, ready for [`AuthorizationCodeGrant::exchange_code`].
    pub grant: AuthorizationGrant,
}

impl CalcomClient {
    /// Starts a client for the OAuth client `client_id`, on `https://api.cal.com`.
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

    /// Authorizes this client for the Cal.com user whose session cookie is given, and returns
    /// the code from the redirect. The server answers with a redirect to
    /// `redirect_uri?code=...`; it is read, never followed.
    pub async fn authorize(
        &self,
        redirect_uri: &str,
        session: Option<&SessionCookie>,
    ) -> Result<Authorization> {
        let body = types::OAuthAuthorizeInput {
            redirect_uri: redirect_uri.to_owned(),
        };
        let cookie = session.map(|s| s.secret());
        let response = match self
            .generated
            .o_auth_flow_controller_authorize(&self.client_id, cookie, &body)
            .await
        {
            Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_redirection() => {
                r
            }
            Ok(_) => return Err(redirect_problem("the server answered without a redirect")),
            Err(e) => return Err(map_error::<(), _>(e)),
        };
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| Url::parse(redirect_uri).ok()?.join(v).ok())
            .ok_or_else(|| redirect_problem("the redirect has no usable Location"))?;
        let mut code = None;
        let mut error = None;
        let mut description = None;
        for (k, v) in location.query_pairs() {
            match k.as_ref() {
                "code" => code = Some(v.into_owned()),
                "error" => error = Some(v.into_owned()),
                "error_description" => description = Some(v.into_owned()),
                _ => {}
            }
        }
        if let Some(error) = error {
            return Err(Error::Authorization(AuthorizationError::new(
                error
                    .parse()
                    .unwrap_or_else(|e: std::convert::Infallible| match e {}),
                description,
                None,
            )));
        }
        let code = code.filter(|c| !c.is_empty()).ok_or(Error::MissingCode)?;
        let mut grant = AuthorizationGrant::from_code(AuthorizationCode::new(code));
        grant.redirect_uri = Some(redirect_uri.to_owned());
        Ok(Authorization { location, grant })
    }
}

fn redirect_problem(problem: &str) -> Error {
    Error::Decode(DecodeError {
        status: None,
        path: ".".into(),
        problem: problem.into(),
    })
}

impl CalcomClientBuilder {
    /// The OAuth client secret (required).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Another base URL (self-hosted Cal.com, tests): `https`, or `http` on loopback only.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.connection.base_url = url.into();
        self
    }

    /// Whole-request timeout (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.connection.http.timeout = timeout;
        self
    }

    /// Uses this `reqwest` client instead of building one. It must not follow redirects, or
    /// [`CalcomClient::authorize`] cannot see the code.
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
    pub fn build(self) -> Result<CalcomClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        let Some(client_secret) = self.client_secret else {
            return Err(Error::Config(
                "Cal.com's exchange and refresh need the client secret".into(),
            ));
        };
        let Connection { base, http, clock } = self.connection.connect()?;
        Ok(CalcomClient {
            generated: generated::Client::new_with_client(base.as_str(), http),
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
    /// Sends the code as `Authorization: Bearer <code>` and the secret in the body.
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
    /// Sends the secret as `x-cal-secret-key`. Cal.com rotates refresh tokens.
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
