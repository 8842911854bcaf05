//! What a provider can do, as traits: a provider crate implements exactly the ones its server
//! supports, so asking Sunshine Conversations for a refresh or Cal.com for a revocation does
//! not compile.

use std::future::Future;

use crate::authorize::AuthorizationGrant;
use crate::error::Result;
use crate::secret::{AccessToken, JwtAssertion, RefreshToken};
use crate::token::Token;

/// A provider client.
pub trait Provider: Send + Sync + 'static {
    /// Short name for logs and spans, e.g. `"ringcentral"`.
    const NAME: &'static str;
}

/// Exchanges an authorization code for a token (RFC 6749 §4.1.3).
pub trait AuthorizationCodeGrant: Provider {
    /// Exchanges the code of a verified redirect (with its PKCE verifier and redirect URI).
    fn exchange_code(
        &self,
        grant: &AuthorizationGrant,
    ) -> impl Future<Output = Result<Token>> + Send;
}

/// Refreshes a token (RFC 6749 §6).
pub trait RefreshTokenGrant: Provider {
    /// Sends the refresh token; returns the server's answer as is (when it omits the refresh
    /// token, use [`Token::inherit_refresh_token`]; `oauth_lifecycle::TokenSource` does).
    fn refresh(&self, refresh_token: &RefreshToken) -> impl Future<Output = Result<Token>> + Send;
}

/// Gets a token for the client itself (RFC 6749 §4.4).
pub trait ClientCredentialsGrant: Provider {
    /// Requests a token with the configured client credentials.
    fn client_credentials(&self) -> impl Future<Output = Result<Token>> + Send;
}

/// Exchanges a signed JWT for a token (RFC 7523 §2.1).
pub trait JwtBearerGrant: Provider {
    /// Requests a token for the assertion.
    fn jwt_bearer(&self, assertion: &JwtAssertion) -> impl Future<Output = Result<Token>> + Send;
}

/// Revokes a token (RFC 7009, or the provider's equivalent).
pub trait TokenRevocation: Provider {
    /// Revokes the token's grant; each provider documents which of the token's secrets it sends.
    fn revoke(&self, token: &Token) -> impl Future<Output = Result<()>> + Send;
}

/// Asks the server about an access token.
pub trait TokenIntrospection: Provider {
    /// What the provider answers.
    type Info: Send;

    /// Fetches the information for `access_token`.
    fn token_info(
        &self,
        access_token: &AccessToken,
    ) -> impl Future<Output = Result<Self::Info>> + Send;
}

/// One client shared by many token sources (a connection each): `Arc<P>` can do what `P` can,
/// so 100,000 sources hold a pointer to one client rather than 100,000 copies of it.
impl<P: Provider> Provider for std::sync::Arc<P> {
    const NAME: &'static str = P::NAME;
}

impl<P: AuthorizationCodeGrant> AuthorizationCodeGrant for std::sync::Arc<P> {
    fn exchange_code(
        &self,
        grant: &AuthorizationGrant,
    ) -> impl Future<Output = Result<Token>> + Send {
        (**self).exchange_code(grant)
    }
}

impl<P: RefreshTokenGrant> RefreshTokenGrant for std::sync::Arc<P> {
    fn refresh(&self, refresh_token: &RefreshToken) -> impl Future<Output = Result<Token>> + Send {
        (**self).refresh(refresh_token)
    }
}

impl<P: ClientCredentialsGrant> ClientCredentialsGrant for std::sync::Arc<P> {
    fn client_credentials(&self) -> impl Future<Output = Result<Token>> + Send {
        (**self).client_credentials()
    }
}

impl<P: JwtBearerGrant> JwtBearerGrant for std::sync::Arc<P> {
    fn jwt_bearer(&self, assertion: &JwtAssertion) -> impl Future<Output = Result<Token>> + Send {
        (**self).jwt_bearer(assertion)
    }
}

impl<P: TokenRevocation> TokenRevocation for std::sync::Arc<P> {
    fn revoke(&self, token: &Token) -> impl Future<Output = Result<()>> + Send {
        (**self).revoke(token)
    }
}

impl<P: TokenIntrospection> TokenIntrospection for std::sync::Arc<P> {
    type Info = P::Info;

    fn token_info(
        &self,
        access_token: &AccessToken,
    ) -> impl Future<Output = Result<Self::Info>> + Send {
        (**self).token_info(access_token)
    }
}
