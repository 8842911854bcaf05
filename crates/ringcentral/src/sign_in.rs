//! Signing users in with RingCentral as an OpenID Connect provider: an authorization request
//! with `openid` and a fresh `nonce`, then the code exchange and the verification of its ID
//! token.
//!
//! What the real provider does, as its own SDK describes it (`ringcentral/ringcentral-extensible`
//! at f2ce96160ee7, `packages/core/src/definitions/OpenIdDiscovery.ts` and
//! `packages/core/src/paths/Restapi/Oauth/Jwks/index.ts`): discovery at
//! `/.well-known/openid-configuration`, whose `issuer` is the platform URL itself
//! (`https://platform.ringcentral.com`), and the signing keys at `/restapi/oauth/jwks`.
//! Its discovery document lists RS256 and HS256 for ID tokens; HS256 ones are keyed with the
//! client secret.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::{AuthorizationGrant, AuthorizationRequest, IdToken, Token};
use oauth_jwt::{
    Algorithm, FetchError, IdTokenClaims, IdTokenError, IdTokenVerifier, JwksCache,
    ProviderMetadata,
};
use serde_json::Value;
use tokio::sync::OnceCell;
use url::Url;

use crate::authorize::AuthorizeParams;
use crate::client::RingCentralClient;

/// How ID tokens are verified.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct OidcSettings {
    /// The `alg` allow-list (default RS256 and HS256, as RingCentral's discovery document
    /// lists; intersected with what the document lists). `none` cannot be named.
    pub algorithms: Vec<Algorithm>,
    /// The clock difference tolerated on `exp` and `iat` (default one minute).
    pub skew: Duration,
    /// The shortest time between two fetches of the key set (default one minute): a token
    /// naming an unknown `kid` makes the client fetch the set again at most this often.
    pub min_refetch: Duration,
}

impl Default for OidcSettings {
    fn default() -> Self {
        Self {
            algorithms: vec![Algorithm::Rs256, Algorithm::Hs256],
            skew: oauth_jwt::DEFAULT_SKEW,
            min_refetch: oauth_jwt::DEFAULT_MIN_REFETCH,
        }
    }
}

/// The verifier, made from the discovery document on first use and shared by the client's
/// clones (a failed discovery is tried again on the next use).
#[derive(Clone, Debug)]
pub(crate) struct Oidc {
    settings: OidcSettings,
    verifier: Arc<OnceCell<IdTokenVerifier>>,
}

impl Oidc {
    pub(crate) fn new(settings: OidcSettings) -> Self {
        Self {
            settings,
            verifier: Arc::new(OnceCell::new()),
        }
    }
}

/// An authorization request for sign-in: the [`AuthorizationRequest`] (with `openid` in its
/// scope) and the `nonce` its ID token must carry. Keep it until the redirect comes back.
#[derive(Clone)]
pub struct SignInRequest {
    request: AuthorizationRequest,
    nonce: String,
}

impl SignInRequest {
    /// The URL to send the user's browser to.
    pub fn url(&self) -> &Url {
        self.request.url()
    }

    /// The underlying authorization request.
    pub fn authorization_request(&self) -> &AuthorizationRequest {
        &self.request
    }

    /// Checks the redirect as [`AuthorizationRequest::verify_redirect`] does, keeping the
    /// nonce for the exchange.
    pub fn verify_redirect(self, redirect: &str) -> oauth_core::Result<SignInGrant> {
        Ok(SignInGrant {
            grant: self.request.verify_redirect(redirect)?,
            nonce: self.nonce,
        })
    }
}

impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest")
            .field("request", &self.request)
            .field("nonce", &"[redacted]")
            .finish()
    }
}

/// A verified sign-in redirect: the grant to exchange and the nonce its ID token must carry.
#[derive(Clone)]
pub struct SignInGrant {
    /// The authorization grant.
    pub grant: AuthorizationGrant,
    nonce: String,
}

impl SignInGrant {
    /// The nonce the authorization request sent.
    pub fn nonce(&self) -> &str {
        &self.nonce
    }
}

impl fmt::Debug for SignInGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInGrant")
            .field("grant", &self.grant)
            .field("nonce", &"[redacted]")
            .finish()
    }
}

/// A signed-in user: the token, and the claims of its verified ID token.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedIn {
    /// The token (its `id_token` also kept in [`Token::extra`]).
    pub token: Token,
    /// The verified claims: `subject` is the user (RingCentral: the extension id).
    pub id_token: IdTokenClaims,
}

/// Why a sign-in failed.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SignInError {
    /// The code exchange (or another OAuth call) failed.
    #[error(transparent)]
    OAuth(#[from] oauth_core::Error),
    /// The discovery document could not be fetched or does not match the platform.
    #[error(transparent)]
    Discovery(FetchError),
    /// The ID token failed a check (the variant names it).
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
}

impl RingCentralClient {
    /// An authorization request for signing a user in: as
    /// [`authorization_request`](Self::authorization_request), with `openid` added to the
    /// scope when absent and a fresh random `nonce` (unless `params.nonce` sets one), which
    /// the returned request remembers.
    pub fn sign_in_request(&self, params: &AuthorizeParams) -> SignInRequest {
        let mut params = params.clone();
        let has_openid = params
            .scope
            .as_deref()
            .is_some_and(|s| s.split(' ').any(|scope| scope == "openid"));
        if !has_openid {
            params.scope = Some(match params.scope.take().filter(|s| !s.trim().is_empty()) {
                Some(scope) => format!("openid {scope}"),
                None => "openid".to_owned(),
            });
        }
        let nonce = params
            .nonce
            .get_or_insert_with(|| oauth_core::CsrfState::new_random().secret().to_owned())
            .clone();
        SignInRequest {
            request: self.authorization_request(&params),
            nonce,
        }
    }

    /// Exchanges the sign-in grant's code and verifies the ID token that comes with it
    /// (signature, `alg`, `iss`, `aud`, `azp`, `exp`, `iat` and the request's `nonce`).
    pub async fn sign_in(&self, grant: &SignInGrant) -> Result<SignedIn, SignInError> {
        use oauth_core::AuthorizationCodeGrant;
        let token = self.exchange_code(&grant.grant).await?;
        let id_token = self.verify_id_token(&token, Some(grant.nonce())).await?;
        Ok(SignedIn { token, id_token })
    }

    /// Verifies the ID token a token response carried (e.g. after a refresh, with `nonce`
    /// `None`). [`IdTokenError::Missing`] when it has none.
    pub async fn verify_id_token(
        &self,
        token: &Token,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, SignInError> {
        let Some(Value::String(text)) = token.extra().get("id_token") else {
            return Err(IdTokenError::Missing.into());
        };
        let id_token = IdToken::new(text.as_str());
        Ok(self
            .id_token_verifier()
            .await?
            .verify(&id_token, nonce)
            .await?)
    }

    /// The ID token verifier of this client, made from the platform's discovery document on
    /// first use: issuer (which must be the platform URL), key set URL, algorithms.
    pub async fn id_token_verifier(&self) -> Result<&IdTokenVerifier, SignInError> {
        self.oidc
            .verifier
            .get_or_try_init(|| async {
                let http = &self.generated.client;
                let metadata = ProviderMetadata::discover(http, self.base.as_str())
                    .await
                    .map_err(SignInError::Discovery)?;
                let jwks_url = metadata.jwks_url().map_err(SignInError::Discovery)?;
                let settings = &self.oidc.settings;
                let listed = metadata.id_token_algorithms();
                let algorithms: Vec<Algorithm> = settings
                    .algorithms
                    .iter()
                    .copied()
                    .filter(|alg| listed.is_empty() || listed.contains(alg))
                    .collect();
                let keys = JwksCache::with_settings(
                    http.clone(),
                    jwks_url,
                    settings.min_refetch,
                    self.clock.clone(),
                );
                let mut verifier = IdTokenVerifier::new(metadata.issuer, &self.client_id, keys)
                    .algorithms(&algorithms)
                    .skew(settings.skew)
                    .clock(self.clock.clone());
                if let Some(secret) = &self.client_secret {
                    verifier = verifier.client_secret(secret.clone());
                }
                Ok(verifier)
            })
            .await
    }
}
