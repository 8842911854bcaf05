//! The Sunshine Conversations client: hosts, configuration and the OAuth calls.

use std::fmt;
use std::sync::Arc;

use oauth_core::runtime::Connection;
use oauth_core::runtime::response::map_error;
use oauth_core::{
    AccessToken, AuthorizationCodeGrant, AuthorizationGrant, BaseUrl, ClientOptions, ClientSecret,
    Clock, Error, Provider, Result, Token, TokenIntrospection, TokenRevocation,
};
use serde_json::{Map, Value};

use crate::convert;
use crate::generated::{self, types};
use url::Url;

/// Where the OAuth calls go.
///
/// Any other host, such as a licensed Zendesk account's `https://{subdomain}.zendesk.com/sc`
/// (the subdomain comes with [`TokenIntrospection::token_info`]), is set with
/// [`SunshineClientBuilder::base_url`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Region {
    /// The OAuth bridge, `https://oauth-bridge.zendesk.com/sc` (the default): the host Zendesk
    /// documents for the authorization, token and token-info endpoints.
    #[default]
    OAuthBridge,
    /// The legacy United States host, `https://api.smooch.io`.
    Us,
    /// The legacy European Union host, `https://api.eu-1.smooch.io`.
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

/// A Sunshine Conversations OAuth client: a Zendesk Technology Partner integration.
///
/// Always confidential: the code exchange sends the client secret, so
/// [`SunshineClientBuilder::build`] requires one.
#[derive(Clone)]
pub struct SunshineClient {
    generated: generated::Client,
    pub(crate) base: BaseUrl,
    /// The authorization page, its URL prepared once at build.
    pub(crate) authorize: Url,
    pub(crate) client_id: String,
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
    /// Where and how to connect; the xtask writes the methods that set it into `generated.rs`.
    pub(crate) connection: ClientOptions,
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
                Region::default().base_url(),
                concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION")),
            ),
        }
    }

    /// The generated client, for calls this layer does not wrap.
    pub fn generated(&self) -> &generated::Client {
        &self.generated
    }

    /// The integration's client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }
}

/// The `Authorization` header for `access_token`. Sunshine only issues bearer tokens, so the
/// scheme is fixed rather than taken from the token's `token_type`.
fn bearer(access_token: &AccessToken) -> String {
    format!("Bearer {}", access_token.secret())
}

impl SunshineClientBuilder {
    /// The OAuth client secret (required: the token exchange sends it).
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The OAuth bridge (default) or a legacy regional host.
    pub fn region(mut self, region: Region) -> Self {
        self.connection.base_url = region.base_url().to_owned();
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<SunshineClient> {
        if self.client_id.is_empty() {
            return Err(Error::Config("the client ID is empty".into()));
        }
        let client_secret = match self.client_secret {
            Some(secret) if !secret.secret().is_empty() => secret,
            Some(_) => return Err(Error::Config("the client secret is empty".into())),
            None => {
                return Err(Error::Config(
                    "Sunshine Conversations' token exchange needs the client secret \
                     (SunshineClientBuilder::client_secret)"
                        .into(),
                ));
            }
        };
        // The secret is scrubbed from every error answer, also those to calls that do not
        // send it (a server may echo it anywhere).
        let connection = self.connection.connect()?.holding([client_secret.secret()]);
        let generated = generated::Client::try_from(&connection)?;
        let Connection { base, clock, .. } = connection;
        Ok(SunshineClient {
            generated,
            authorize: base.endpoint(generated::paths::AUTHORIZE)?,
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
    /// `POST /oauth/token` with JSON `{code, grant_type, client_id, client_secret}`. The grant's
    /// redirect URI is not sent (the endpoint takes none). The token has no expiry and no
    /// refresh token: it is valid until revoked.
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

    /// `GET /v2/tokenInfo` with `Authorization: Bearer`: the app the token is for (its `id`
    /// and `subdomain` for later API calls). Also a cheap check that the token still works: a
    /// removed integration answers 401.
    async fn token_info(&self, access_token: &AccessToken) -> Result<types::AppResponse> {
        let info = self
            .generated
            .get_token_info(&bearer(access_token))
            .await
            .map_err(map_error::<types::AppResponse, _>)?
            .into_inner();
        // Every field of the answer is optional, so an error body in a 200 decodes as an
        // answer without an app; it is an error all the same.
        if info.app.is_none()
            && let Some(e) = convert::error_in_success(&info.extra)
        {
            return Err(e.into());
        }
        Ok(info)
    }
}

impl TokenRevocation for SunshineClient {
    /// `DELETE /oauth/authorization` with the access token as `Authorization: Bearer`: removes
    /// the integration from the user's app, with its webhooks, and calls its `removeUrl`.
    ///
    /// Any 2xx answer is success whatever its body (Sunshine sends `{}`), unless the body is
    /// Sunshine's error shape.
    async fn revoke(&self, token: &Token) -> Result<()> {
        match self
            .generated
            .revoke_access(&bearer(token.access_token()))
            .await
        {
            Ok(answer) => match convert::error_in_success(&answer.into_inner()) {
                Some(e) => Err(e.into()),
                None => Ok(()),
            },
            // The spec declares 200 only; a 202 or 204 is a revocation all the same.
            Err(progenitor_client::Error::UnexpectedResponse(r)) if r.status().is_success() => {
                Ok(())
            }
            // A body that is not a JSON object (empty, `OK`) can only come with a 2xx here:
            // oauth-core's response hook replaces such bodies of error answers with `{}`.
            Err(progenitor_client::Error::InvalidResponsePayload(body, _))
                if serde_json::from_slice::<Map<String, Value>>(&body).is_err() =>
            {
                Ok(())
            }
            Err(e) => Err(map_error::<types::EmptyResponse, _>(e)),
        }
    }
}
