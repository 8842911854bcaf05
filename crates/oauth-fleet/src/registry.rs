//! The registry: every connection of one provider in one store, with a bounded number of
//! live token sources sharing one client.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use lru::LruCache;
use oauth_core::{Clock, Error, Refusal, SystemClock, Token, TokenRevocation};
use oauth_lifecycle::Renew;
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{DueIndex, TokenStore};

use crate::events::{FleetEvent, Listener};
use crate::policy::KeepAlive;

/// Where a connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Nothing is stored under this id.
    Unknown,
    /// Usable.
    Live {
        /// When the access token expires (`None`: it does not).
        expires_at: Option<SystemTime>,
        /// When the refresh token lapses, if the provider said.
        refresh_expires_at: Option<SystemTime>,
        /// When the keeper next refreshes it (`None`: never needed).
        keep_alive_at: Option<SystemTime>,
    },
    /// The provider refused the grant: the user must connect again.
    NeedsReauthorization(Refusal),
}

/// Every connection of one provider client `P` in one store `S`, by connection id (the
/// store key). Sources are built on first use and kept in a bounded LRU map: the least
/// recently used is dropped when it is full (its token stays in the store).
pub struct Registry<P, S> {
    provider: P,
    store: S,
    policy: KeepAlive,
    clock: Arc<dyn Clock>,
    live: Mutex<LruCache<String, TokenSource<P, S>>>,
    listener: Option<Listener>,
}

impl<P, S> std::fmt::Debug for Registry<P, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner()).len();
        f.debug_struct("Registry")
            .field("policy", &self.policy)
            .field("live", &live)
            .finish_non_exhaustive()
    }
}

impl<P, S> Registry<P, S>
where
    P: Renew + Clone,
    S: TokenStore + DueIndex + Clone,
{
    /// A registry holding at most `capacity` live sources.
    pub fn new(provider: P, store: S, policy: KeepAlive, capacity: NonZeroUsize) -> Self {
        Self {
            provider,
            store,
            policy,
            clock: Arc::new(SystemClock),
            live: Mutex::new(LruCache::new(capacity)),
            listener: None,
        }
    }

    /// The clock tokens are judged on (default: the system clock).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Hears [`FleetEvent::Recovered`] when a dead connection is connected again.
    pub fn on_event(mut self, listener: impl Fn(&FleetEvent<'_>) + Send + Sync + 'static) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// How many sources are live.
    pub fn live(&self) -> usize {
        self.cache().len()
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, LruCache<String, TokenSource<P, S>>> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn builder(&self, id: &str) -> oauth_lifecycle::TokenSourceBuilder<P, S> {
        TokenSource::builder(self.provider.clone(), self.store.clone(), id)
            .clock(Arc::clone(&self.clock))
    }

    /// The connection's token source (from the map, or built from the store).
    /// [`TokenSource::access_token`] on it gives the token.
    pub async fn get(&self, id: &str) -> Result<TokenSource<P, S>, Error> {
        if let Some(source) = self.cache().get(id) {
            return Ok(source.clone());
        }
        let source = self.builder(id).build().await?;
        // Two callers may have built one each: the first in the map wins, so all share it.
        let mut cache = self.cache();
        Ok(cache.get_or_insert(id.to_owned(), || source).clone())
    }

    /// Stores the token of a new authorization (after a code exchange) under `id`, ending a
    /// needs-re-authorization state, and schedules its keep-alive.
    pub async fn connect(&self, id: &str, token: Token) -> Result<TokenSource<P, S>, Error> {
        let was_dead = matches!(self.status(id).await?, Status::NeedsReauthorization(_));
        let cached = self.cache().get(id).cloned();
        let source = match cached {
            Some(source) => {
                source.replace(token).await?;
                source
            }
            None => {
                let source = self.builder(id).initial_token(token).build().await?;
                self.cache().put(id.to_owned(), source.clone());
                source
            }
        };
        let current = source.access_token().await?;
        match self.policy.next_refresh(id, &current) {
            Some(due) => self.store.schedule(id, due).await?,
            None => self.store.forget(id).await?,
        }
        if was_dead && let Some(listener) = &self.listener {
            listener(&FleetEvent::Recovered { key: id });
        }
        Ok(source)
    }

    /// Forgets the connection: deleted from the store and the due index (no revocation: see
    /// [`Registry::revoke_and_disconnect`]). `false` if nothing was stored.
    pub async fn disconnect(&self, id: &str) -> Result<bool, Error> {
        self.cache().pop(id);
        self.store.forget(id).await?;
        Ok(self.store.delete(id).await?)
    }

    /// Where the connection stands, from the store.
    pub async fn status(&self, id: &str) -> Result<Status, Error> {
        let Some(stored) = self.store.load(id).await? else {
            return Ok(Status::Unknown);
        };
        let token = stored.token;
        Ok(match token.refusal() {
            Some(refusal) => Status::NeedsReauthorization(refusal.clone()),
            None => Status::Live {
                expires_at: token.expires_at(),
                refresh_expires_at: token.refresh_token_expires_at(),
                keep_alive_at: self.policy.next_refresh(id, &token),
            },
        })
    }
}

impl<P, S> Registry<P, S>
where
    P: Renew + TokenRevocation + Clone,
    S: TokenStore + DueIndex + Clone,
{
    /// Revokes the grant at the provider, then forgets the connection. A failed revocation
    /// is returned and the connection kept, so that it can be tried again.
    pub async fn revoke_and_disconnect(&self, id: &str) -> Result<bool, Error> {
        if let Some(stored) = self.store.load(id).await? {
            self.provider.revoke(&stored.token).await?;
        }
        self.disconnect(id).await
    }
}
