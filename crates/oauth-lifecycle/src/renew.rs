//! [`Renew`]: how a [`crate::TokenSource`] obtains the next token when the current one is due.
//!
//! A token source does not care which grant stands behind a token, only how to get the next
//! one: with a refresh token ([`RefreshTokenGrant`], through the blanket implementation here),
//! by running a client-credentials grant again, or by signing a new JWT assertion. Each of
//! those is a `Renew` implementation, so they all share the source's single flight, margin,
//! retries, store writes and events.

use std::future::Future;
use std::sync::Arc;

use oauth_core::capability::{Provider, RefreshTokenGrant};
use oauth_core::error::{Error, Result};
use oauth_core::token::Token;

/// Produces the token that replaces `current`.
///
/// Errors follow [`Error::is_permanent`] and [`Error::is_transient`]: a permanent error puts
/// the token source in the needs-re-authorization state, a transient one is retried.
pub trait Renew: Provider {
    /// The next token. `current` is the token being replaced (as last stored): a refresh uses
    /// its refresh token; a grant that needs none may ignore it.
    fn renew(&self, current: &Token) -> impl Future<Output = Result<Token>> + Send;
}

/// Renews with the current token's refresh token; a refresh answer without a refresh token
/// keeps the old one ([`Token::inherit_refresh_token`]).
impl<P: RefreshTokenGrant> Renew for P {
    async fn renew(&self, current: &Token) -> Result<Token> {
        let Some(refresh_token) = current.refresh_token() else {
            return Err(Error::NeedsReauthorization(Arc::new(Error::Config(
                "the token expired and no refresh token was issued with it".into(),
            ))));
        };
        Ok(self
            .refresh(refresh_token)
            .await?
            .inherit_refresh_token(current))
    }
}
