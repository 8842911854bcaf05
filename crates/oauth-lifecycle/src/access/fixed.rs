//! [`StaticToken`]: a token that is never renewed.

use std::fmt;
use std::sync::{Arc, RwLock};

use super::{AccessTokenSource, BoxFuture};
use oauth_core::clock::{Clock, SystemClock};
use oauth_core::error::{Error, Result};
use oauth_core::token::Token;

/// A token that cannot be renewed: a Sunshine Conversations token (no expiry, no refresh
/// grant), or any long-lived token a user already has.
///
/// It is handed out until it expires (if it has an expiry) or an API says it rejects it
/// ([`AccessTokenSource::invalidate`]); from then on [`AccessTokenSource::access_token`]
/// answers [`Error::NeedsReauthorization`], because only a new authorization can give a new
/// one. [`StaticToken::replace`] puts that new one in place; a report about the old token
/// arriving after that is ignored.
///
/// A 401 that does not say the token is at fault ([`AccessTokenSource::suspect`]: it may be
/// a permission the user lacks) leaves the token in use: renewing is impossible anyway, and
/// the caller gets that 401. To make every 401 of an API final, as Sunshine Conversations'
/// are, the API's authorizer lists it with
/// [`AuthorizerBuilder::reject_status`](super::AuthorizerBuilder::reject_status).
pub struct StaticToken {
    /// Replaced whole, under the lock.
    state: RwLock<Arc<State>>,
    clock: Arc<dyn Clock>,
}

struct State {
    token: Arc<Token>,
    /// Set once the token is rejected or found expired.
    dead: Option<Arc<Error>>,
}

impl StaticToken {
    /// A source that hands out `token`, judged against the system clock.
    pub fn new(token: Token) -> Self {
        Self::with_clock(token, Arc::new(SystemClock))
    }

    /// Like [`StaticToken::new`], with the clock an expiry is checked against.
    pub fn with_clock(token: Token, clock: Arc<dyn Clock>) -> Self {
        Self {
            state: RwLock::new(Arc::new(State {
                token: Arc::new(token),
                dead: None,
            })),
            clock,
        }
    }

    /// Hands out `token` from now on (after a new authorization), leaving the rejected state.
    pub fn replace(&self, token: Token) -> Arc<Token> {
        let token = Arc::new(token);
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(State {
            token: Arc::clone(&token),
            dead: None,
        });
        token
    }

    /// Why the token is no longer handed out, if it is not.
    pub fn needs_reauthorization(&self) -> Option<Arc<Error>> {
        self.load().dead.clone()
    }

    fn load(&self) -> Arc<State> {
        // Every write is one assignment, so a panicking holder leaves it consistent.
        Arc::clone(&self.state.read().unwrap_or_else(|p| p.into_inner()))
    }

    fn current(&self) -> Result<Arc<Token>> {
        let state = self.load();
        if let Some(cause) = &state.dead {
            return Err(Error::NeedsReauthorization(Arc::clone(cause)));
        }
        if state
            .token
            .expires_within(self.clock.now(), std::time::Duration::ZERO)
        {
            let token = Arc::clone(&state.token);
            drop(state);
            self.kill(&token, EXPIRED);
            return Err(Error::NeedsReauthorization(Arc::new(Error::Config(
                EXPIRED.into(),
            ))));
        }
        Ok(Arc::clone(&state.token))
    }

    /// Marks `token` dead unless it was replaced meanwhile.
    fn kill(&self, token: &Arc<Token>, why: &str) {
        let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
        if Arc::ptr_eq(&state.token, token) && state.dead.is_none() {
            *state = Arc::new(State {
                token: Arc::clone(&state.token),
                dead: Some(Arc::new(Error::Config(why.to_owned()))),
            });
        }
    }
}

const EXPIRED: &str = "the token expired and a static token cannot be renewed";

impl AccessTokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<Arc<Token>>> {
        let result = self.current();
        Box::pin(std::future::ready(result))
    }

    fn invalidate(&self, token: &Arc<Token>) {
        self.kill(
            token,
            "the API rejected the token, and a static token cannot be renewed",
        );
    }

    fn suspect(&self, _token: &Arc<Token>) {
        tracing::debug!("a 401 that does not blame the token: a static token stays in use");
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.load();
        f.debug_struct("StaticToken")
            .field("token", &state.token)
            .field("rejected", &state.dead.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use oauth_core::{AccessToken, ManualClock};

    fn token(at: std::time::SystemTime) -> Token {
        Token::new(AccessToken::new("static-secret"), at)
    }

    #[tokio::test]
    async fn handed_out_until_rejected_then_replaced() {
        let source = StaticToken::new(token(UNIX_EPOCH));
        let first = source.access_token().await.unwrap();
        assert_eq!(first.access_token().secret(), "static-secret");
        source.invalidate(&first);
        let e = source.access_token().await.unwrap_err();
        assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
        assert!(source.needs_reauthorization().is_some());

        let next = source.replace(Token::new(AccessToken::new("next"), UNIX_EPOCH));
        // A late report about the old token does not kill the new one.
        source.invalidate(&first);
        let got = source.access_token().await.unwrap();
        assert!(Arc::ptr_eq(&got, &next));
        assert!(!format!("{source:?}").contains("next"));
    }

    #[tokio::test]
    async fn an_unclear_401_leaves_the_token_in_use() {
        let source = StaticToken::new(token(UNIX_EPOCH));
        let first = source.access_token().await.unwrap();
        source.suspect(&first);
        let again = source.access_token().await.unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(source.needs_reauthorization().is_none());
    }

    #[tokio::test]
    async fn an_expired_token_is_not_handed_out() {
        let start = UNIX_EPOCH + Duration::from_secs(1_000);
        let clock = Arc::new(ManualClock::new(start));
        let source = StaticToken::with_clock(
            token(start).with_expires_in(Some(Duration::from_secs(10))),
            clock.clone(),
        );
        assert!(source.access_token().await.is_ok());
        clock.advance(Duration::from_secs(10));
        let e = source.access_token().await.unwrap_err();
        assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
        assert!(e.to_string().contains("expired"));
    }
}
