//! A browser login's request and grant: a plain authorization code request, or, for a
//! RingCentral profile with `openid` in its scopes, an OpenID Connect sign-in whose nonce the
//! grant keeps so that the exchange can verify the ID token.

use oauth_core::{AuthorizationRequest, Token};
use ringcentral_oauth::oauth_jwt::IdTokenClaims;
use ringcentral_oauth::{SignInError, SignInGrant, SignInRequest};
use url::Url;

use crate::error::CliError;

/// What the browser is sent to; kept until the redirect comes back.
#[derive(Debug, Clone)]
pub enum BrowserRequest {
    /// State and PKCE (where the provider has it).
    Plain(AuthorizationRequest),
    /// State, PKCE and a nonce (RingCentral with `openid`).
    SignIn(SignInRequest),
}

/// A redirect whose state matched: what the exchange needs.
#[derive(Debug, Clone)]
pub enum BrowserGrant {
    /// The code, PKCE verifier and redirect URI.
    Plain(oauth_core::AuthorizationGrant),
    /// The same, and the nonce the ID token must carry.
    SignIn(SignInGrant),
}

/// A completed browser login.
#[derive(Debug)]
pub struct LoggedIn {
    /// The token to store.
    pub token: Token,
    /// A sign-in's verified ID token claims.
    pub id_token: Option<IdTokenClaims>,
}

impl BrowserRequest {
    /// The authorization URL.
    pub fn url(&self) -> &Url {
        match self {
            Self::Plain(request) => request.url(),
            Self::SignIn(request) => request.url(),
        }
    }

    /// Checks a redirect's state (and error) as the library does.
    pub fn verify_redirect(self, redirect: &str) -> oauth_core::Result<BrowserGrant> {
        match self {
            Self::Plain(request) => request.verify_redirect(redirect).map(BrowserGrant::Plain),
            Self::SignIn(request) => request.verify_redirect(redirect).map(BrowserGrant::SignIn),
        }
    }
}

impl BrowserGrant {
    /// The code, PKCE verifier and redirect URI (what a plain exchange sends).
    pub fn authorization_grant(&self) -> &oauth_core::AuthorizationGrant {
        match self {
            Self::Plain(grant) => grant,
            Self::SignIn(grant) => &grant.grant,
        }
    }
}

/// A failed sign-in, for the user: an OAuth failure goes through `oauth_error` (refused client
/// credentials, a dead grant, the provider's failure), an ID token that fails a check or cannot
/// be checked means the login did not complete (exit 6) and nothing is stored.
pub fn sign_in_error(
    e: SignInError,
    oauth_error: impl FnOnce(oauth_core::Error) -> CliError,
) -> CliError {
    match e {
        SignInError::OAuth(e) => oauth_error(e),
        SignInError::IdToken(e) => CliError::Login(format!(
            "the ID token failed verification ({} check): {e}; nothing was stored",
            e.check()
        )),
        SignInError::Discovery(e) => CliError::Login(format!(
            "the ID token could not be verified: {e}; nothing was stored"
        )),
        // `SignInError` is non-exhaustive; a new kind is still a login that did not complete.
        other => CliError::Login(format!("the sign-in failed: {other}; nothing was stored")),
    }
}
