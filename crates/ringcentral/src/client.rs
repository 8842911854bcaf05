//! The RingCentral client: configuration, client authentication and the grants.

use std::fmt;
use std::sync::Arc;

use oauth_core::runtime::Connection;
use oauth_core::runtime::basic_authorization;
use oauth_core::runtime::response::map_error;
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, BaseUrl, ClientOptions, ClientSecret, Clock, Error,
    JwtAssertion, JwtBearerGrant, Provider, RefreshToken, RefreshTokenGrant, Result,
    RevocableToken, Token, TokenRevocation,
};

use crate::client_auth::{AssertionAudience, Auth, ClientAuthentication};
use crate::convert;
use crate::generated::{self, types};
use crate::sign_in::{Oidc, OidcSettings};
use url::Url;

/// RingCentral environments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Environment {
    /// `https://platform.ringcentral.com`
    Production,
    /// `https://platform.devtest.ringcentral.com`, the developer sandbox.
    Sandbox,
    /// `https://platform.ringcentral.biz`, the segregated platform of RingCentral's carrier
    /// partners (AT&T Office@Hand among them); tokens are not shared with production.
    Segregated,
}

impl Environment {
    /// The platform base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Production => "https://platform.ringcentral.com",
            Self::Sandbox => "https://platform.devtest.ringcentral.com",
            Self::Segregated => "https://platform.ringcentral.biz",
        }
    }
}

/// Optional token lifetimes and instance id, sent with every token request only when set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenOptions {
    /// `access_token_ttl` in seconds (600 to 3600).
    pub access_token_ttl: Option<u32>,
    /// `refresh_token_ttl` in seconds (at most 2592000).
    pub refresh_token_ttl: Option<u32>,
    /// `endpoint_id`: the client application instance.
    pub endpoint_id: Option<String>,
}

/// A RingCentral OAuth client.
///
/// Confidential clients (built with a secret) authenticate with HTTP Basic
/// (`client_secret_basic`) unless [`RingCentralClientBuilder::client_authentication`] picks a
/// JWT method; public clients send `client_id` in the body and rely on PKCE.
#[derive(Clone)]
pub struct RingCentralClient {
    pub(crate) generated: generated::Client,
    pub(crate) base: BaseUrl,
    /// The authorization page, its URL prepared once at build.
    pub(crate) authorize: Url,
    pub(crate) client_id: String,
    pub(crate) client_secret: Option<ClientSecret>,
    /// The `Authorization: Basic` value of a `client_secret_basic` client, encoded once at
    /// build. It is as secret as the client secret it encodes, so it is held in the same
    /// redacted, wiped type.
    basic: Option<ClientSecret>,
    auth: Auth,
    options: TokenOptions,
    pub(crate) clock: Arc<dyn Clock>,
    /// Discovery and the ID token verifier, made on first use and shared by clones.
    pub(crate) oidc: Oidc,
}

impl fmt::Debug for RingCentralClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingCentralClient")
            .field("base_url", &self.base)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_authentication", &self.auth.name())
            .field("options", &self.options)
            .finish()
    }
}

/// Builds a [`RingCentralClient`].
pub struct RingCentralClientBuilder {
    client_id: String,
    client_secret: Option<ClientSecret>,
    authentication: Option<ClientAuthentication>,
    audience: AssertionAudience,
    oidc: OidcSettings,
    options: TokenOptions,
    /// Where and how to connect; the xtask writes the methods that set it into `generated.rs`.
    pub(crate) connection: ClientOptions,
}

impl fmt::Debug for RingCentralClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RingCentralClientBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("authentication", &self.authentication)
            .field("audience", &self.audience)
            .field("connection", &self.connection)
            .finish_non_exhaustive()
    }
}

impl RingCentralClient {
    /// Starts a client for the application `client_id`, on production.
    pub fn builder(client_id: impl Into<String>) -> RingCentralClientBuilder {
        RingCentralClientBuilder {
            client_id: client_id.into(),
            client_secret: None,
            authentication: None,
            audience: AssertionAudience::default(),
            oidc: OidcSettings::default(),
            options: TokenOptions::default(),
            connection: ClientOptions::new(
                Environment::Production.base_url(),
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

    /// The client authentication method in use, as OpenID Connect names it
    /// (`client_secret_basic`, `client_secret_jwt`, `private_key_jwt`, or `none` for a public
    /// client).
    pub fn client_authentication_method(&self) -> &'static str {
        self.auth.name()
    }

    /// A token request for `grant_type` with client identification and options filled in; a
    /// JWT-authenticated client signs a fresh assertion for it.
    fn token_request(&self, grant_type: types::GrantType) -> Result<types::GetTokenRequest> {
        let (client_assertion_type, client_assertion) =
            self.auth.assertion(self.clock.now())?.unzip();
        Ok(types::GetTokenRequest {
            grant_type,
            // Public clients identify themselves in the body; confidential ones by their
            // credentials (the Basic header, or the assertion's `iss` and `sub`).
            client_id: self.auth.sends_client_id().then(|| self.client_id.clone()),
            access_token_ttl: self.options.access_token_ttl.map(|t| t as i32),
            refresh_token_ttl: self.options.refresh_token_ttl.map(|t| t as i32),
            endpoint_id: self.options.endpoint_id.clone(),
            assertion: None,
            client_assertion,
            client_assertion_type,
            code: None,
            code_verifier: None,
            redirect_uri: None,
            refresh_token: None,
            scope: None,
        })
    }

    /// The client's `Authorization` header value, when it authenticates with HTTP Basic.
    fn authorization(&self) -> Option<&str> {
        self.basic.as_ref().map(ClientSecret::secret)
    }

    /// `get_token`.
    async fn request_token(&self, body: &types::GetTokenRequest) -> Result<Token> {
        let info = self
            .generated
            .get_token(self.authorization(), body)
            .await
            .map_err(map_error::<types::TokenInfo, _>)?;
        Ok(convert::token(info.into_inner(), self.clock.now()))
    }
}

impl RingCentralClientBuilder {
    /// The client secret: makes this a confidential client (HTTP Basic authentication unless
    /// [`client_authentication`](Self::client_authentication) says otherwise). It also keys
    /// HS256 ID tokens.
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// How the client authenticates at the token and revocation endpoints (see
    /// [`ClientAuthentication`]). `build` fails when the method lacks what it needs: a
    /// secret for the `client_secret_*` methods, 32 bytes of it for `client_secret_jwt`.
    pub fn client_authentication(mut self, method: ClientAuthentication) -> Self {
        self.authentication = Some(method);
        self
    }

    /// The `aud` of client assertions: the token endpoint URL (the default) or the issuer.
    pub fn assertion_audience(mut self, audience: AssertionAudience) -> Self {
        self.audience = audience;
        self
    }

    /// ID token verification settings for [`RingCentralClient::sign_in`] (the allowed
    /// algorithms, the clock skew, the key set's refetch interval).
    pub fn id_token_settings(mut self, settings: OidcSettings) -> Self {
        self.oidc = settings;
        self
    }

    /// Production, the sandbox or the segregated platform.
    pub fn environment(mut self, environment: Environment) -> Self {
        self.connection.base_url = environment.base_url().to_owned();
        self
    }

    /// Token lifetimes and instance id to request.
    pub fn token_options(mut self, options: TokenOptions) -> Self {
        self.options = options;
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<RingCentralClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        if let Some(ttl) = self.options.access_token_ttl
            && !(600..=3600).contains(&ttl)
        {
            return Err(Error::Config(format!(
                "access_token_ttl {ttl} is outside RingCentral's 600..=3600 seconds"
            )));
        }
        if let Some(ttl) = self.options.refresh_token_ttl
            && ttl > 2_592_000
        {
            return Err(Error::Config(format!(
                "refresh_token_ttl {ttl} is above RingCentral's 2592000 seconds"
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
        let auth = Auth::new(
            self.authentication,
            &self.client_id,
            self.client_secret.as_ref(),
            self.audience,
            &base,
        )?;
        let basic = match (&auth, &self.client_secret) {
            (Auth::Basic, Some(secret)) => Some(ClientSecret::new(basic_authorization(
                &self.client_id,
                secret,
            ))),
            _ => None,
        };
        Ok(RingCentralClient {
            generated,
            authorize: base.endpoint(generated::paths::AUTHORIZE)?,
            base,
            client_id: self.client_id,
            client_secret: self.client_secret,
            basic,
            auth,
            options: self.options,
            clock,
            oidc: Oidc::new(self.oidc),
        })
    }
}

impl Provider for RingCentralClient {
    const NAME: &'static str = "ringcentral";
}

impl AuthorizationCodeGrant for RingCentralClient {
    /// Sends the code with its PKCE verifier and redirect URI. An `id_token` in the answer is
    /// kept in [`Token::extra`] unverified: [`RingCentralClient::sign_in`] is the exchange
    /// that verifies it (see [`RingCentralClient::authorization_request`]).
    async fn exchange_code(&self, grant: &AuthorizationGrant) -> Result<Token> {
        let mut body = self.token_request(types::GrantType::AuthorizationCode)?;
        body.code = Some(grant.code.clone());
        body.code_verifier = grant.pkce_verifier.clone();
        body.redirect_uri = grant.redirect_uri.clone();
        self.request_token(&body).await
    }
}

impl RefreshTokenGrant for RingCentralClient {
    async fn refresh(&self, refresh_token: &RefreshToken) -> Result<Token> {
        let mut body = self.token_request(types::GrantType::RefreshToken)?;
        body.refresh_token = Some(refresh_token.clone());
        self.request_token(&body).await
    }
}

impl JwtBearerGrant for RingCentralClient {
    /// `urn:ietf:params:oauth:grant-type:jwt-bearer` with the JWT credential as `assertion`.
    async fn jwt_bearer(&self, assertion: &JwtAssertion) -> Result<Token> {
        let mut body =
            self.token_request(types::GrantType::UrnIetfParamsOauthGrantTypeJwtBearer)?;
        body.assertion = Some(assertion.clone());
        self.request_token(&body).await
    }
}

impl TokenRevocation for RingCentralClient {
    /// Sends the refresh token when the token has one, else the access token, in the form body
    /// (never the query). RingCentral ends the whole OAuth session either way; revoking the
    /// refresh token is what RFC 7009 servers need to revoke the grant.
    async fn revoke(&self, token: &Token) -> Result<()> {
        let revocable = match token.refresh_token() {
            Some(rt) => RevocableToken::from(rt),
            None => RevocableToken::from(token.access_token()),
        };
        let (client_assertion_type, client_assertion) =
            self.auth.assertion(self.clock.now())?.unzip();
        let body = types::RevokeTokenRequest {
            token: Some(revocable),
            client_id: self.auth.sends_client_id().then(|| self.client_id.clone()),
            client_assertion,
            client_assertion_type,
        };
        self.generated
            .revoke_token(None, self.authorization(), &body)
            .await
            .map_err(map_error::<(), _>)?;
        Ok(())
    }
}
