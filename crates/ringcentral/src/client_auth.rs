//! How the client authenticates at RingCentral's token and revocation endpoints: the seed
//! (`004_…`, "OAuth2_0OpenIdConnectService", get_token and revoke_token) names
//! `client_secret_basic`, `client_secret_jwt` and `private_key_jwt`; public clients send
//! `client_id` instead.

use std::time::SystemTime;

use oauth_core::{BaseUrl, ClientSecret, Error, JwtAssertion, Result};
use oauth_jwt::{ClientAssertionSigner, KeyError, SigningKey};

use crate::generated::{self, types};

/// The client authentication method of a confidential client (OpenID Connect Core §9).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum ClientAuthentication {
    /// HTTP Basic with the client secret (RFC 6749 §2.3.1), as RingCentral's own SDK sends
    /// it (`ringcentral/ringcentral-js` at 9aa36b68c3b8, `sdk/src/platform/Platform.ts`,
    /// `basicAuthHeader`). The default for a client with a secret.
    #[default]
    ClientSecretBasic,
    /// `client_secret_jwt`: a fresh HS256 assertion keyed with the client secret on every
    /// request. The secret must be at least 32 bytes (RFC 7518 §3.2); a shorter one is a
    /// configuration error at build.
    ClientSecretJwt,
    /// `private_key_jwt`: a fresh RS256 or ES256 assertion signed with this key (its `kid`
    /// the one registered with RingCentral) on every request. Needs no client secret.
    PrivateKeyJwt(SigningKey),
}

/// The `aud` of client assertions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssertionAudience {
    /// The token endpoint URL (RFC 7523 §3), e.g.
    /// `https://platform.ringcentral.com/restapi/oauth/token`.
    #[default]
    TokenEndpoint,
    /// The issuer identifier, the platform URL (e.g. `https://platform.ringcentral.com`).
    Issuer,
}

/// The method as the client applies it to each request.
#[derive(Clone, Debug)]
pub(crate) enum Auth {
    /// `client_id` in the body, no credentials.
    Public,
    /// `Authorization: Basic` (encoded once, when the client is built).
    Basic,
    /// `client_assertion_type` and a fresh `client_assertion` in the body, no `Authorization`.
    Jwt(std::sync::Arc<ClientAssertionSigner>),
}

impl Auth {
    /// The method a builder's settings make.
    pub(crate) fn new(
        method: Option<ClientAuthentication>,
        client_id: &str,
        secret: Option<&ClientSecret>,
        audience: AssertionAudience,
        base: &BaseUrl,
    ) -> Result<Self> {
        let aud = match audience {
            AssertionAudience::TokenEndpoint => {
                base.endpoint(generated::paths::GET_TOKEN)?.to_string()
            }
            AssertionAudience::Issuer => base.as_str().to_owned(),
        };
        let signer = |key| {
            Self::Jwt(std::sync::Arc::new(ClientAssertionSigner::new(
                client_id,
                aud.clone(),
                key,
            )))
        };
        Ok(match (method, secret) {
            (None | Some(ClientAuthentication::ClientSecretBasic), Some(_)) => Self::Basic,
            (None, None) => Self::Public,
            (Some(ClientAuthentication::ClientSecretBasic), None) => {
                return Err(Error::Config(
                    "client_secret_basic needs a client secret".into(),
                ));
            }
            (Some(ClientAuthentication::ClientSecretJwt), Some(secret)) => {
                signer(SigningKey::hs256(secret).map_err(key_error)?)
            }
            (Some(ClientAuthentication::ClientSecretJwt), None) => {
                return Err(Error::Config(
                    "client_secret_jwt needs a client secret".into(),
                ));
            }
            (Some(ClientAuthentication::PrivateKeyJwt(key)), _) => signer(key),
        })
    }

    /// Whether `client_id` goes in the body (public clients only: the others are identified
    /// by their credentials).
    pub(crate) fn sends_client_id(&self) -> bool {
        matches!(self, Self::Public)
    }

    /// A new assertion for one request, when the method is a JWT.
    pub(crate) fn assertion(
        &self,
        now: SystemTime,
    ) -> Result<Option<(types::ClientAssertionType, JwtAssertion)>> {
        match self {
            Self::Jwt(signer) => {
                let assertion = signer.sign(now).map_err(key_error)?;
                Ok(Some((
                    types::ClientAssertionType::UrnIetfParamsOauthClientAssertionTypeJwtBearer,
                    assertion,
                )))
            }
            _ => Ok(None),
        }
    }

    /// The method's name as OpenID Connect spells it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Self::Public => "none",
            Self::Basic => "client_secret_basic",
            Self::Jwt(signer) if signer.key().algorithm() == oauth_jwt::Algorithm::Hs256 => {
                "client_secret_jwt"
            }
            Self::Jwt(_) => "private_key_jwt",
        }
    }
}

/// A key problem as a configuration error (it names no key material).
fn key_error(e: KeyError) -> Error {
    Error::Config(e.to_string())
}
