//! Grants without a refresh token of their own, as [`Renew`] implementations: a
//! [`TokenSource`] over them gets single flight, the margin, retries, stores and events.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::Renew;
use crate::source::{TokenSource, TokenSourceBuilder};
use crate::store::{TokenStore, validate_key};
use oauth_core::capability::{ClientCredentialsGrant, JwtBearerGrant, Provider, RefreshTokenGrant};
use oauth_core::clock::{Clock, SystemClock};
use oauth_core::error::Result;
use oauth_core::secret::JwtAssertion;
use oauth_core::token::Token;

/// A client-credentials grant (RFC 6749 §4.4) as a token source's provider: when the token is
/// due, the grant runs again (Procore service accounts get no refresh token).
///
/// ```no_run
/// # async fn run(client: impl oauth_core::ClientCredentialsGrant) -> oauth_core::Result<()> {
/// use oauth_lifecycle::{access::ClientCredentials, store::MemoryStore};
/// let source = ClientCredentials::new(client)
///     .builder(MemoryStore::new(), "service-account")
///     .await?
///     .build()
///     .await?;
/// let token = source.access_token().await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCredentials<P> {
    provider: P,
}

impl<P: ClientCredentialsGrant> ClientCredentials<P> {
    /// Wraps a provider client configured with its client credentials.
    pub fn new(provider: P) -> Self {
        Self { provider }
    }

    /// The provider client.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// [`TokenSource::builder`] for this grant. A token source starts from a token: the one
    /// stored under `key`, or else one from running the grant now (once, without retries: a
    /// failure is returned as it is). Configure the builder as usual, then `build` it.
    pub async fn builder<S: TokenStore>(
        self,
        store: S,
        key: impl Into<String>,
    ) -> Result<TokenSourceBuilder<Self, S>> {
        seeded(self, store, key.into()).await
    }
}

impl<P: ClientCredentialsGrant> Provider for ClientCredentials<P> {
    const NAME: &'static str = P::NAME;
}

impl<P: ClientCredentialsGrant> Renew for ClientCredentials<P> {
    fn renew(&self, _current: &Token) -> impl Future<Output = Result<Token>> + Send {
        self.provider.client_credentials()
    }
}

impl<P: ClientCredentialsGrant> FirstToken for ClientCredentials<P> {
    fn first_token(&self) -> impl Future<Output = Result<Token>> + Send {
        self.provider.client_credentials()
    }
}

impl<P: fmt::Debug> fmt::Debug for ClientCredentials<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ClientCredentials")
            .field(&self.provider)
            .finish()
    }
}

/// Where a [`JwtBearer`] source gets the assertion for each JWT grant: a fixed
/// [`JwtAssertion`] (RingCentral's JWT credential, created once in its console), or a closure
/// that signs a new one each time.
pub trait Assertion: Send + Sync + 'static {
    /// The assertion for the next grant.
    fn assertion(&self) -> impl Future<Output = Result<JwtAssertion>> + Send;
}

impl Assertion for JwtAssertion {
    fn assertion(&self) -> impl Future<Output = Result<JwtAssertion>> + Send {
        std::future::ready(Ok(self.clone()))
    }
}

impl<F, Fut> Assertion for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<JwtAssertion>> + Send,
{
    fn assertion(&self) -> impl Future<Output = Result<JwtAssertion>> + Send {
        self()
    }
}

/// A JWT bearer grant (RFC 7523) as a token source's provider: refreshes while the token's
/// refresh token lives, and runs the JWT grant again when there is none, it has expired, or
/// the server refuses it (RingCentral's JWT flow: a refresh token lives 7 days).
///
/// A transient refresh failure is returned (the token source retries it); only a refusal
/// (`invalid_grant`, ...) falls back to the JWT grant.
pub struct JwtBearer<P, A> {
    provider: P,
    assertion: A,
    clock: Arc<dyn Clock>,
}

impl<P: JwtBearerGrant + RefreshTokenGrant, A: Assertion> JwtBearer<P, A> {
    /// Wraps a provider client and the assertion source.
    pub fn new(provider: P, assertion: A) -> Self {
        Self {
            provider,
            assertion,
            clock: Arc::new(SystemClock),
        }
    }

    /// The clock a refresh token's expiry is checked against (default: the system clock; use
    /// the provider client's).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The provider client.
    pub fn provider(&self) -> &P {
        &self.provider
    }

    /// [`TokenSource::builder`] for this grant: from the token stored under `key`, or else
    /// from running the JWT grant now (once, without retries: a failure is returned as it is).
    pub async fn builder<S: TokenStore>(
        self,
        store: S,
        key: impl Into<String>,
    ) -> Result<TokenSourceBuilder<Self, S>> {
        seeded(self, store, key.into()).await
    }

    async fn grant(&self) -> Result<Token> {
        let assertion = self.assertion.assertion().await?;
        self.provider.jwt_bearer(&assertion).await
    }
}

impl<P: JwtBearerGrant + RefreshTokenGrant, A: Assertion> Provider for JwtBearer<P, A> {
    const NAME: &'static str = P::NAME;
}

impl<P: JwtBearerGrant + RefreshTokenGrant, A: Assertion> Renew for JwtBearer<P, A> {
    async fn renew(&self, current: &Token) -> Result<Token> {
        let refresh_alive = current
            .refresh_token_expires_at()
            .is_none_or(|at| self.clock.now() < at);
        if let Some(refresh_token) = current.refresh_token()
            && refresh_alive
        {
            match self.provider.refresh(refresh_token).await {
                Ok(token) => return Ok(token.inherit_refresh_token(current)),
                Err(e) if e.is_permanent() => {
                    tracing::debug!(provider = P::NAME, error = %e, "refresh refused; running the JWT grant again");
                }
                Err(e) => return Err(e),
            }
        }
        self.grant().await
    }
}

impl<P: JwtBearerGrant + RefreshTokenGrant, A: Assertion> FirstToken for JwtBearer<P, A> {
    fn first_token(&self) -> impl Future<Output = Result<Token>> + Send {
        self.grant()
    }
}

impl<P: fmt::Debug, A> fmt::Debug for JwtBearer<P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtBearer")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// A grant that can produce a token from nothing, so a source over it can start empty.
trait FirstToken: Renew {
    fn first_token(&self) -> impl Future<Output = Result<Token>> + Send;
}

async fn seeded<G: FirstToken, S: TokenStore>(
    grant: G,
    store: S,
    key: String,
) -> Result<TokenSourceBuilder<G, S>> {
    validate_key(&key)?;
    let initial = match store.load(&key).await? {
        Some(_) => None,
        None => Some(grant.first_token().await?),
    };
    let builder = TokenSource::builder(grant, store, key);
    Ok(match initial {
        Some(token) => builder.initial_token(token),
        None => builder,
    })
}
