//! Spending tokens: one way to get a current token whatever the grant, and authorized API
//! requests that attach it, renew it when the API rejects it, and retry once.
//!
//! - [`AccessTokenSource`]: "a valid token now" and "this token was rejected", implemented by
//!   [`TokenSource`] (any grant with a refresh token, or any [`crate::Renew`]), by
//!   [`StaticToken`] (Sunshine Conversations tokens, long-lived tokens a user already has),
//!   and through `TokenSource` by [`ClientCredentials`] (the grant run again when the token is
//!   due: Procore service accounts) and [`JwtBearer`] (refresh while the refresh token lives,
//!   else the JWT grant again: RingCentral). Generic code holds any of them as a
//!   [`SharedTokenSource`] (`Arc<dyn AccessTokenSource>`).
//! - [`Authorizer`]: the policy of one API: its base URL and the origins a token may be sent
//!   to, which answers mean "token rejected" (see below), and headers every API request
//!   carries (Procore's company). [`AuthorizedClient`] applies it over a plain
//!   `reqwest::Client`; with the `middleware` feature it is also a `reqwest-middleware`
//!   `Middleware`, so it composes with retry and tracing middleware.
//!
//! # What an authorized request does
//!
//! 1. A request to an origin outside the API's ([`AuthorizerBuilder::allow_origin`] adds
//!    more) is sent untouched: no token, no default headers.
//! 2. Otherwise it gets `Authorization: <type> <token>` (marked sensitive, so `Debug` of the
//!    request hides it) from the source, replacing any the caller set.
//! 3. When the answer says the token was rejected (the table below), the source is told, it
//!    renews the token (once, however many requests were rejected with the same token), and
//!    the request is sent once more with the new token, if its body can be cloned. A streaming
//!    body cannot: that request's 401 is returned, and the next request gets the new token. A
//!    second rejection is returned as it is. A grant that cannot be renewed any more is the
//!    error [`Error::NeedsReauthorization`](oauth_core::Error::NeedsReauthorization); a renewal that
//!    fails otherwise (the token endpoint unreachable after the source's retries) is its error
//!    too, not the 401.
//! 4. Redirects are reqwest's: a client that follows them drops `Authorization` when the
//!    scheme, host or port changes (whatever its redirect policy), so a redirect to another
//!    origin never carries the token. The SDK's own clients ([`oauth_core::HttpSettings::build`])
//!    follow none.
//!
//! # Rejected token or forbidden request
//!
//! A 401 can mean "this token is no good" (renewing helps) or "this user may not do that"
//! (renewing cannot help, and renewing on every such request costs a refresh per request).
//! Where the provider says which, the authorizer follows it; where it does not, it renews a
//! token at most once:
//!
//! | answer | meaning | what happens |
//! | --- | --- | --- |
//! | 401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1; Procore, whose Doorkeeper server sends it) | token rejected | [`AccessTokenSource::invalidate`], renew, retry once |
//! | a status added with [`AuthorizerBuilder::reject_status`] (Cal.com's 498 for an expired token; Sunshine Conversations' 401) | token rejected | the same |
//! | 401 with another `error` (`insufficient_scope`, `invalid_request`) | the request, not the token | returned as it is; the token is kept |
//! | any other 401 (RingCentral: `OAU-128` "Access token expired" and `OAU-136` "Extension not found" alike; Cal.com's 401) | unclear | [`AccessTokenSource::suspect`] and retry once, unless the token is the one handed out after an unclear 401 renewed its predecessor: that one is kept and the 401 returned, so a permission problem costs one refresh per token, not one per request |
//! | 403 and every other status | not about the token | returned as it is |
//!
//! [`TokenSource`] treats `suspect` like `invalidate`. [`StaticToken`] cannot renew, so an
//! unclear 401 leaves it in use (the caller gets the 401) and only a definite rejection
//! retires it; a late report about a replaced token never touches its successor. Sources:
//! RFC 6750 §3.1; `doorkeeper-gem/doorkeeper` `lib/doorkeeper/oauth/invalid_token_response.rb`
//! (commit 1a15349d); `calcom/cal.com` `apps/api/v2/src/modules/auth/guards/access-token/`
//! `token-expired.exception.ts` (commit 3270cb6a); `ringcentral/ringcentral-api-docs`
//! `docs/basics/errors.md` (commit 03cea436).
//!
//! Go's `oauth2.Transport` does steps 1 and 2 (without the origin check) and never retries;
//! RingCentral's JavaScript SDK refreshes and retries once on 401, and Cal.com's atoms client
//! does the same on 498.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::Renew;
use crate::source::TokenSource;
use crate::store::TokenStore;
use oauth_core::error::Result;
use oauth_core::token::Token;

mod authorizer;
mod client;
mod fixed;
mod grants;
#[cfg(feature = "middleware")]
mod middleware;
mod verdict;

pub use authorizer::{Authorizer, AuthorizerBuilder};
pub use client::AuthorizedClient;
pub use fixed::StaticToken;
pub use grants::{Assertion, ClientCredentials, JwtBearer};
#[cfg(feature = "middleware")]
pub use middleware::oauth_error;

/// A boxed future, as [`AccessTokenSource`] returns (it must be usable as a trait object).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Any token source, as one type.
pub type SharedTokenSource = Arc<dyn AccessTokenSource>;

/// Where authorized requests get their token: whatever the grant, a valid token now, and a
/// way to say that the API rejected one.
pub trait AccessTokenSource: Send + Sync + 'static {
    /// A token valid now (renewed first if it was due or rejected), or why there is none;
    /// [`Error::NeedsReauthorization`](oauth_core::Error::NeedsReauthorization) when the grant is
    /// dead and the user must authorize again.
    fn access_token(&self) -> BoxFuture<'_, Result<Arc<Token>>>;

    /// Reports that an API rejected `token` (it said so: `error="invalid_token"`, or a status
    /// that only means that): the next [`Self::access_token`] renews it, once for any number
    /// of reports of the same token. A token already replaced is ignored.
    fn invalidate(&self, token: &Arc<Token>);

    /// Reports a 401 to `token` that did not say why: the token may be dead, or the user may
    /// lack a permission. The [`Authorizer`] reports each token this way at most once per
    /// burst (see the [module documentation](self)). By default the same as
    /// [`Self::invalidate`]; a source that cannot renew keeps its token.
    fn suspect(&self, token: &Arc<Token>) {
        self.invalidate(token);
    }
}

impl<P: Renew, S: TokenStore> AccessTokenSource for TokenSource<P, S> {
    fn access_token(&self) -> BoxFuture<'_, Result<Arc<Token>>> {
        Box::pin(TokenSource::access_token(self))
    }

    fn invalidate(&self, token: &Arc<Token>) {
        TokenSource::invalidate(self, token);
    }
}

impl<T: AccessTokenSource + ?Sized> AccessTokenSource for Arc<T> {
    fn access_token(&self) -> BoxFuture<'_, Result<Arc<Token>>> {
        (**self).access_token()
    }

    fn invalidate(&self, token: &Arc<Token>) {
        (**self).invalidate(token);
    }

    fn suspect(&self, token: &Arc<Token>) {
        (**self).suspect(token);
    }
}
