//! The Procore client: environments, configuration and the grants.

use std::fmt;
use std::sync::Arc;

use oauth_core::runtime::Connection;
use oauth_core::runtime::response::map_error;
use oauth_core::{
    AccessToken, AuthorizationCodeGrant, AuthorizationGrant, BaseUrl, ClientCredentialsGrant,
    ClientOptions, ClientSecret, Clock, Error, Provider, RefreshToken, RefreshTokenGrant, Result,
    RevocableToken, Token, TokenIntrospection, TokenRevocation,
};

use crate::convert;
use crate::generated::{self, types};
use url::Url;

/// Procore environments. Each has its own login host (where every OAuth call goes) and API
/// host; tokens of one are not valid in another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Environment {
    /// Production: `https://login.procore.com` (the default).
    #[default]
    Production,
    /// The developer sandbox: `https://login-sandbox.procore.com`.
    Sandbox,
    /// The monthly sandbox: `https://login-sandbox-monthly.procore.com`.
    MonthlySandbox,
}

impl Environment {
    /// The login host, where the authorization, token, revocation and token-info calls go.
    pub fn login_url(self) -> &'static str {
        match self {
            Self::Production => "https://login.procore.com",
            Self::Sandbox => "https://login-sandbox.procore.com",
            Self::MonthlySandbox => "https://login-sandbox-monthly.procore.com",
        }
    }

    /// The REST API host the tokens are for.
    pub fn api_url(self) -> &'static str {
        match self {
            Self::Production => "https://api.procore.com",
            Self::Sandbox => "https://sandbox.procore.com",
            Self::MonthlySandbox => "https://api-monthly.procore.com",
        }
    }
}

/// A Procore OAuth client.
///
/// A confidential app or a service account (built with a client secret) can use every grant.
/// Without a secret (a public app that got its token through the implicit flow) only
/// revocation and token info work; the grants answer [`Error::Config`] without calling the
/// server, because Procore's token endpoint requires the secret for every grant.
#[derive(Clone)]
pub struct ProcoreClient {
    generated: generated::Client,
    pub(crate) base: BaseUrl,
    pub(crate) client_id: String,
    client_secret: Option<ClientSecret>,
    /// The authorization page, its URL prepared once at build.
    pub(crate) authorize: Url,
    company_id: Option<i64>,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for ProcoreClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcoreClient")
            .field("base_url", &self.base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("company_id", &self.company_id)
            .finish()
    }
}

/// Builds a [`ProcoreClient`].
pub struct ProcoreClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    company_id: Option<i64>,
    /// Where and how to connect; the xtask writes the methods that set it into `generated.rs`.
    pub(crate) connection: ClientOptions,
}

impl fmt::Debug for ProcoreClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcoreClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("company_id", &self.company_id)
            .field("connection", &self.connection)
            .finish()
    }
}

impl ProcoreClient {
    /// Starts a client for the application `client_id`, on production.
    pub fn builder(client_id: impl Into<String>) -> ProcoreClientBuilder {
        ProcoreClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
            company_id: None,
            connection: ClientOptions::new(
                Environment::Production.login_url(),
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            ),
        }
    }

    /// The generated client, for calls this layer does not wrap.
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// The application's client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The company sent as `Procore-Company-Id` on revocation, when configured.
    pub fn company_id(&self) -> Option<i64> {
        self.company_id
    }

    /// A token request for `grant_type` with the client credentials filled in.
    fn token_request(&self, grant_type: types::GrantType) -> Result<types::TokenRequest> {
        let Some(client_secret) = self.client_secret.clone() else {
            return Err(Error::Config(format!(
                "the `{grant_type}` grant needs the client secret \
                 (ProcoreClientBuilder::client_secret): Procore's token endpoint requires it"
            )));
        };
        Ok(types::TokenRequest {
            grant_type,
            client_id: self.client_id.clone(),
            client_secret,
            code: None,
            redirect_uri: None,
            refresh_token: None,
        })
    }

    /// `oauth_token_post`.
    async fn request_token(&self, body: &types::TokenRequest) -> Result<Token> {
        let response = self
            .generated
            .oauth_token_post(body)
            .await
            .map_err(map_error::<types::TokenResponse, _>)?;
        Ok(convert::token(response.into_inner(), self.clock.now()))
    }
}

impl ProcoreClientBuilder {
    /// The client secret: needed by every grant, and sent on revocation (confidential apps).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The company the user's account belongs to, sent as `Procore-Company-Id`: the server
    /// requires it on revocation (and nothing else uses it).
    pub fn company_id(mut self, company_id: i64) -> Self {
        self.company_id = Some(company_id);
        self
    }

    /// Production (default) or one of the sandboxes.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.connection.base_url = environment.login_url().to_owned();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<ProcoreClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        if let Some(id) = self.company_id
            && id <= 0
        {
            return Err(Error::Config(format!(
                "company ID {id} is not a Procore company ID (they are positive)"
            )));
        }
        // The secret is scrubbed from every error answer, also those to calls that do not
        // send it (a server may echo it anywhere).
        let connection = self
            .connection
            .connect()?
            .holding(self.client_secret.iter().map(ClientSecret::secret));
        let generated = generated::Client::try_from(&connection)?;
        let Connection { base, clock, .. } = connection;
        Ok(ProcoreClient {
            generated,
            authorize: base.endpoint(generated::paths::OAUTH_AUTHORIZE_GET)?,
            base,
            client_id: self.client_id,
            client_secret: self.client_secret,
            company_id: self.company_id,
            clock,
        })
    }
}

impl Provider for ProcoreClient {
    const NAME: &'static str = "procore";
}

impl AuthorizationCodeGrant for ProcoreClient {
    /// Sends the code with the redirect URI of the request (Procore checks that it matches).
    async fn exchange_code(&self, grant: &AuthorizationGrant) -> Result<Token> {
        let mut body = self.token_request(types::GrantType::AuthorizationCode)?;
        body.code = Some(grant.code.clone());
        body.redirect_uri = grant.redirect_uri.clone();
        self.request_token(&body).await
    }
}

impl RefreshTokenGrant for ProcoreClient {
    /// Procore rotates refresh tokens: the answer carries a new one, and the one sent stops
    /// working.
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token> {
        let mut body = self.token_request(types::GrantType::RefreshToken)?;
        body.refresh_token = Some(refresh_token.clone());
        self.request_token(&body).await
    }
}

impl ClientCredentialsGrant for ProcoreClient {
    /// A service account token. It comes without a refresh token: ask for a new one when it
    /// expires.
    async fn client_credentials(&self) -> Result<Token> {
        let body = self.token_request(types::GrantType::ClientCredentials)?;
        self.request_token(&body).await
    }
}

impl TokenRevocation for ProcoreClient {
    /// Sends the access token (Procore revokes it and its refresh token together) with the
    /// client ID, the secret when the client has one, and the configured
    /// [`ProcoreClientBuilder::company_id`] as `Procore-Company-Id`; without a company ID this
    /// is [`Error::Config`] and nothing is sent.
    ///
    /// Any 2xx answer is success whatever its body: RFC 7009 §2.2 has the client ignore it,
    /// and Procore answers 200 also for tokens it does not know.
    async fn revoke(&self, token: &Token) -> Result<()> {
        let Some(company_id) = self.company_id else {
            return Err(Error::Config(
                "Procore's revocation needs the company ID (ProcoreClientBuilder::company_id)"
                    .into(),
            ));
        };
        let body = types::RevokeRequest {
            token: RevocableToken::from(token.access_token()),
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
        };
        match self.generated.oauth_revoke_post(company_id, &body).await {
            Ok(_) => Ok(()),
            // The spec declares 200 only; a 201 or 204 is a revocation all the same.
            Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_success() => {
                Ok(())
            }
            Err(e) => Err(map_error::<(), _>(e)),
        }
    }
}

impl TokenIntrospection for ProcoreClient {
    type Info = types::TokenInfo;

    /// `GET /oauth/token/info` with the token as `Authorization: Bearer`: who it acts for, its
    /// scopes and remaining lifetime, and the application it was issued to.
    ///
    /// A 200 that has none of those fields but an error body (RFC 6749's or Procore's own
    /// shape) is that error: [`Error::Server`] with status 200.
    async fn token_info(&self, access_token: &AccessToken) -> Result<types::TokenInfo> {
        let bearer = format!("Bearer {}", access_token.secret());
        let info = self
            .generated
            .oauth_token_info_get(&bearer)
            .await
            .map_err(map_error::<types::TokenInfo, _>)?
            .into_inner();
        match convert::error_in_token_info(&info) {
            Some(e) => Err(e.into()),
            None => Ok(info),
        }
    }
}
