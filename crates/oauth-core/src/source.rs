//! [`TokenSource`]: a valid access token whenever asked, with each expiry refreshed once.
//!
//! # Behaviour
//!
//! - **Fresh path.** [`TokenSource::access_token`] reads the current token through an atomic
//!   pointer: no lock, no allocation beyond an `Arc` count. Only a token within the margin of
//!   its expiry (default 60 s) takes the refresh path; a token without expiry never does.
//! - **Single flight.** In one process, concurrent callers on an expiring token wait for one
//!   refresh. Across processes sharing a store that [`TokenStore::is_shared`] (Redis), the
//!   store's refresh lock makes the refresh happen once: waiters poll the store until the
//!   holder's new token appears, for at most the lock wait.
//! - **Rotation.** The new refresh token is adopted; a response without one keeps the old
//!   one. The token is written to the store (compare-and-swap) *before* it is handed out. If
//!   that write fails the caller gets the error, the token stays in memory, and the next call
//!   writes it again before using it: a rotated refresh token is never dropped.
//! - **Failures.** A permanent error (`invalid_grant`, `invalid_client`, any 4xx but 408/429)
//!   puts the source in the *needs re-authorization* state: it is reported to every caller
//!   ([`Error::NeedsReauthorization`]) and never retried. Unless the store meanwhile holds a
//!   newer token: then another holder used the refresh token first, and its token is adopted. Network errors, 408, 429, 5xx are
//!   retried with bounded, jittered exponential backoff, honouring `Retry-After`.
//! - **Lost responses.** A refresh whose request may have reached the server (a timeout, a
//!   connection cut after sending) may have rotated the refresh token server-side. Before
//!   trying again the source re-reads the store: if another holder stored a newer token, that
//!   one is used. Otherwise it retries once more with the same refresh token; if the server had
//!   in fact rotated it, that attempt fails with `invalid_grant` and the source reports that
//!   re-authorization is needed instead of looping.
//! - [`TokenSource::invalidate`] forces one refresh of a token an API rejected (401).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use rand::Rng;
use tracing::Instrument;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result, StoreError, StoreErrorKind};
use crate::renew::Renew;
use crate::store::{RefreshLock, TokenStore, Versioned, validate_key};
use crate::token::Token;

/// Retry limits for transient refresh failures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (default 4).
    pub max_attempts: u32,
    /// First backoff ceiling; doubled each attempt, the delay is drawn below it (default 200 ms).
    pub base_delay: Duration,
    /// Largest backoff ceiling (default 5 s).
    pub max_delay: Duration,
    /// Largest `Retry-After` honoured; longer ones fail the call instead (default 30 s).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The delay before attempt `attempt + 1` (0-based `attempt` just failed): full jitter,
    /// or the server's `Retry-After` when it gave one.
    fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(after) = retry_after {
            return (after <= self.max_retry_after).then_some(after);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let millis = ceiling.as_millis().max(1) as u64;
        Some(Duration::from_millis(rand::rng().random_range(0..=millis)))
    }
}

/// What a [`TokenSource`] reports to its listener.
#[derive(Debug)]
#[non_exhaustive]
pub enum RefreshEvent<'a> {
    /// A refresh succeeded and its token was stored.
    Refreshed {
        /// The provider.
        provider: &'static str,
        /// How long the refresh took, retries and store write included.
        elapsed: Duration,
        /// The new token's expiry.
        expires_at: Option<SystemTime>,
    },
    /// A refresh failed; `permanent` means re-authorization is needed.
    Failed {
        /// The provider.
        provider: &'static str,
        /// Why.
        error: &'a Error,
        /// Whether the source now needs re-authorization.
        permanent: bool,
    },
}

type Listener = Arc<dyn Fn(&RefreshEvent<'_>) + Send + Sync>;

/// The token as the source currently sees it.
struct Snapshot {
    token: Arc<Token>,
    /// Store version `token` was read or written at; `None` before anything was stored.
    version: Option<u64>,
    /// Set by `invalidate`: refresh even if not expired.
    stale: bool,
    /// Refreshed but not yet written to the store: must be written before use.
    unpersisted: bool,
}

struct Inner<P, S> {
    provider: P,
    store: S,
    key: String,
    clock: Arc<dyn Clock>,
    margin: Duration,
    retry: RetryPolicy,
    lock_ttl: Duration,
    lock_wait: Duration,
    poll_interval: Duration,
    listener: Option<Listener>,
    current: ArcSwap<Snapshot>,
    dead: Mutex<Option<Arc<Error>>>,
    refresh: tokio::sync::Mutex<()>,
}

/// Hands out valid access tokens for one grant, refreshing them through provider `P` and
/// keeping them in store `S` under one key. Cheap to clone; clones share everything.
pub struct TokenSource<P, S> {
    inner: Arc<Inner<P, S>>,
}

impl<P, S> Clone for TokenSource<P, S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<P, S> fmt::Debug for TokenSource<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snap = self.inner.current.load();
        f.debug_struct("TokenSource")
            .field("key", &self.inner.key)
            .field("token", &snap.token)
            .field("version", &snap.version)
            .field("margin", &self.inner.margin)
            .finish_non_exhaustive()
    }
}

/// Configures a [`TokenSource`].
pub struct TokenSourceBuilder<P, S> {
    provider: P,
    store: S,
    key: String,
    initial: Option<Token>,
    clock: Arc<dyn Clock>,
    margin: Duration,
    retry: RetryPolicy,
    lock_ttl: Duration,
    lock_wait: Option<Duration>,
    poll_interval: Duration,
    listener: Option<Listener>,
}

impl<P: Renew, S: TokenStore> TokenSource<P, S> {
    /// Starts a source for the token stored under `key` in `store`.
    pub fn builder(provider: P, store: S, key: impl Into<String>) -> TokenSourceBuilder<P, S> {
        TokenSourceBuilder {
            provider,
            store,
            key: key.into(),
            initial: None,
            clock: Arc::new(SystemClock),
            margin: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            lock_ttl: Duration::from_secs(30),
            lock_wait: None,
            poll_interval: Duration::from_millis(25),
            listener: None,
        }
    }

    /// A valid token: the current one, or a refreshed one when it is within the margin of its
    /// expiry (or was invalidated).
    pub async fn access_token(&self) -> Result<Arc<Token>> {
        let snap = self.inner.current.load();
        if !snap.stale
            && !snap.unpersisted
            && !snap
                .token
                .expires_within(self.inner.clock.now(), self.inner.margin)
        {
            return Ok(Arc::clone(&snap.token));
        }
        drop(snap);
        self.slow_path().await
    }

    /// Marks `token` as rejected (e.g. an API answered 401): the next
    /// [`TokenSource::access_token`] refreshes, once, however many callers report the same
    /// token. A token that was already replaced is ignored.
    pub fn invalidate(&self, token: &Arc<Token>) {
        self.inner.current.rcu(|snap| {
            if Arc::ptr_eq(&snap.token, token) && !snap.stale {
                Arc::new(Snapshot {
                    token: Arc::clone(&snap.token),
                    version: snap.version,
                    stale: true,
                    unpersisted: snap.unpersisted,
                })
            } else {
                Arc::clone(snap)
            }
        });
    }

    /// The error that put this source in the needs-re-authorization state, if it is in it.
    pub fn needs_reauthorization(&self) -> Option<Arc<Error>> {
        self.inner
            .dead
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts a token from a new authorization in place (written to the store first) and leaves
    /// the needs-re-authorization state.
    pub async fn replace(&self, token: Token) -> Result<Arc<Token>> {
        let _guard = self.inner.refresh.lock().await;
        let stored = self.inner.store.load(&self.inner.key).await?;
        let version = self
            .inner
            .store
            .compare_and_swap(&self.inner.key, stored.map(|v| v.version), &token)
            .await?;
        let token = Arc::new(token);
        self.set(Arc::clone(&token), Some(version), false);
        *self.inner.dead.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(token)
    }

    fn set(&self, token: Arc<Token>, version: Option<u64>, unpersisted: bool) {
        self.inner.current.store(Arc::new(Snapshot {
            token,
            version,
            stale: false,
            unpersisted,
        }));
    }

    fn needs_refresh(&self, snap: &Snapshot) -> bool {
        snap.stale
            || snap
                .token
                .expires_within(self.inner.clock.now(), self.inner.margin)
    }

    async fn slow_path(&self) -> Result<Arc<Token>> {
        let _guard = self.inner.refresh.lock().await;
        if let Some(cause) = self.needs_reauthorization() {
            return Err(Error::NeedsReauthorization(cause));
        }
        let snap = self.inner.current.load_full();
        if snap.unpersisted {
            return self.persist(Arc::clone(&snap.token)).await;
        }
        if !self.needs_refresh(&snap) {
            // Another caller refreshed while this one waited for the guard.
            return Ok(Arc::clone(&snap.token));
        }
        if let Some(adopted) = self.adopt_newer(&snap).await? {
            return Ok(adopted);
        }

        let span = tracing::info_span!(
            "oauth_refresh",
            provider = P::NAME,
            key = %self.inner.key,
            elapsed_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let start = Instant::now();
        let result = self.refresh_locked(&snap).instrument(span.clone()).await;
        span.record("elapsed_ms", start.elapsed().as_millis() as u64);
        match &result {
            Ok(token) => {
                span.record("outcome", "refreshed");
                self.emit(&RefreshEvent::Refreshed {
                    provider: P::NAME,
                    elapsed: start.elapsed(),
                    expires_at: token.expires_at(),
                });
            }
            Err(error) => {
                let permanent = matches!(error, Error::NeedsReauthorization(_));
                span.record(
                    "outcome",
                    if permanent {
                        "needs_reauthorization"
                    } else {
                        "failed"
                    },
                );
                tracing::warn!(parent: &span, provider = P::NAME, error = %error, "token refresh failed");
                self.emit(&RefreshEvent::Failed {
                    provider: P::NAME,
                    error,
                    permanent,
                });
            }
        }
        result
    }

    /// Uses a newer token from the store if another holder refreshed; `None` if there is none.
    async fn adopt_newer(&self, snap: &Snapshot) -> Result<Option<Arc<Token>>> {
        let Some(stored) = self.inner.store.load(&self.inner.key).await? else {
            return Ok(None);
        };
        if Some(stored.version) == snap.version {
            return Ok(None);
        }
        let fresh = !stored
            .token
            .expires_within(self.inner.clock.now(), self.inner.margin);
        let token = Arc::new(stored.token);
        self.set(Arc::clone(&token), Some(stored.version), false);
        Ok(fresh.then_some(token))
    }

    /// Takes the store's refresh lock (waiting for another holder's result), refreshes, stores.
    async fn refresh_locked(&self, snap: &Snapshot) -> Result<Arc<Token>> {
        let lock = match self.acquire_lock(snap).await? {
            Acquired::Lock(lock) => lock,
            Acquired::Adopted(token) => return Ok(token),
        };
        let result = self.refresh_and_store().await;
        if let Err(e) = self.inner.store.unlock(&self.inner.key, &lock).await {
            // The lock expires by itself; the refresh result is still good.
            tracing::warn!(error = %e, "could not release the refresh lock");
        }
        result
    }

    async fn acquire_lock(&self, snap: &Snapshot) -> Result<Acquired> {
        let deadline = Instant::now() + self.inner.lock_wait;
        let mut seen = snap.version;
        loop {
            if let Some(lock) = self
                .inner
                .store
                .try_lock(&self.inner.key, self.inner.lock_ttl)
                .await?
            {
                return Ok(Acquired::Lock(lock));
            }
            if Instant::now() >= deadline {
                return Err(StoreError::new(
                    StoreErrorKind::LockTimeout,
                    format!(
                        "another process held the refresh lock of `{}` for over {:?}",
                        self.inner.key, self.inner.lock_wait
                    ),
                )
                .into());
            }
            tokio::time::sleep(self.inner.poll_interval).await;
            if let Some(stored) = self.inner.store.load(&self.inner.key).await?
                && Some(stored.version) != seen
            {
                seen = Some(stored.version);
                let fresh = !stored
                    .token
                    .expires_within(self.inner.clock.now(), self.inner.margin);
                let token = Arc::new(stored.token);
                self.set(Arc::clone(&token), Some(stored.version), false);
                if fresh {
                    return Ok(Acquired::Adopted(token));
                }
            }
        }
    }

    async fn refresh_and_store(&self) -> Result<Arc<Token>> {
        // Re-read under the lock: the previous holder may have just stored a fresh token, and
        // its refresh token is the only one still valid.
        let base = match self.inner.store.load(&self.inner.key).await? {
            Some(stored) => stored,
            None => {
                let snap = self.inner.current.load();
                Versioned {
                    token: (*snap.token).clone(),
                    version: 0,
                }
            }
        };
        let current = self.inner.current.load_full();
        if Some(base.version) != current.version
            && !base
                .token
                .expires_within(self.inner.clock.now(), self.inner.margin)
        {
            let token = Arc::new(base.token);
            self.set(Arc::clone(&token), Some(base.version), false);
            return Ok(token);
        }
        let expected = (base.version > 0).then_some(base.version);

        let mut attempt = 0;
        let token = loop {
            match self.inner.provider.renew(&base.token).await {
                Ok(token) => break token,
                Err(e) if e.is_permanent() => {
                    // Another holder may have used this refresh token first (a store without a
                    // refresh lock, or a lock that expired mid-refresh): its token is the live one.
                    if let Some(stored) = self.inner.store.load(&self.inner.key).await?
                        && stored.version != base.version
                    {
                        let token = Arc::new(stored.token);
                        self.set(Arc::clone(&token), Some(stored.version), false);
                        return Ok(token);
                    }
                    return Err(self.kill(e));
                }
                Err(e) if e.is_transient() && attempt + 1 < self.inner.retry.max_attempts => {
                    let Some(delay) = self.inner.retry.delay(attempt, e.retry_after()) else {
                        return Err(e);
                    };
                    tracing::debug!(attempt, ?delay, error = %e, "retrying token refresh");
                    tokio::time::sleep(delay).await;
                    if let Error::Transport(t) = &e
                        && t.may_have_reached_server()
                        && let Some(stored) = self.inner.store.load(&self.inner.key).await?
                        && stored.version != base.version
                    {
                        let token = Arc::new(stored.token);
                        self.set(Arc::clone(&token), Some(stored.version), false);
                        return Ok(token);
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };

        let token = Arc::new(token);
        // From here the new token exists only in memory until the write succeeds.
        self.set(Arc::clone(&token), current.version, true);
        match self
            .inner
            .store
            .compare_and_swap(&self.inner.key, expected, &token)
            .await
        {
            Ok(version) => {
                self.set(Arc::clone(&token), Some(version), false);
                Ok(token)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Writes a refreshed token that could not be stored before, then hands it out.
    async fn persist(&self, token: Arc<Token>) -> Result<Arc<Token>> {
        let stored = self.inner.store.load(&self.inner.key).await?;
        // Overwrites whatever is stored: this token came from the server after it.
        let version = self
            .inner
            .store
            .compare_and_swap(&self.inner.key, stored.map(|v| v.version), &token)
            .await?;
        self.set(Arc::clone(&token), Some(version), false);
        Ok(token)
    }

    fn kill(&self, cause: Error) -> Error {
        let cause = match cause {
            Error::NeedsReauthorization(cause) => cause,
            other => Arc::new(other),
        };
        *self.inner.dead.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&cause));
        Error::NeedsReauthorization(cause)
    }

    fn emit(&self, event: &RefreshEvent<'_>) {
        if let Some(listener) = &self.inner.listener {
            listener(event);
        }
    }
}

enum Acquired {
    Lock(RefreshLock),
    Adopted(Arc<Token>),
}

impl<P: Renew, S: TokenStore> TokenSourceBuilder<P, S> {
    /// A token to start with (e.g. fresh from a code exchange). It replaces what the store
    /// holds under the key. Without one, the stored token is used.
    pub fn initial_token(mut self, token: Token) -> Self {
        self.initial = Some(token);
        self
    }

    /// The clock (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before expiry a token is refreshed (default 60 s).
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Retry limits for transient failures.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long a cross-process refresh lock is held at most (default 30 s), and how long a
    /// waiter waits for another holder's token (default: the same plus 5 s).
    pub fn lock_timing(mut self, ttl: Duration, wait: Duration) -> Self {
        self.lock_ttl = ttl;
        self.lock_wait = Some(wait);
        self
    }

    /// How often a waiter re-reads the store while another process refreshes (default 25 ms).
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Called after every refresh, successful or not.
    pub fn on_event(
        mut self,
        listener: impl Fn(&RefreshEvent<'_>) + Send + Sync + 'static,
    ) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// Loads (or stores the initial) token and returns the source.
    pub async fn build(self) -> Result<TokenSource<P, S>> {
        validate_key(&self.key)?;
        let stored = self.store.load(&self.key).await?;
        let (token, version) = match (self.initial, stored) {
            (Some(token), stored) => {
                let version = self
                    .store
                    .compare_and_swap(&self.key, stored.map(|v| v.version), &token)
                    .await?;
                (token, Some(version))
            }
            (None, Some(stored)) => (stored.token, Some(stored.version)),
            (None, None) => {
                return Err(Error::Config(format!(
                    "no token is stored under `{}` and no initial token was given",
                    self.key
                )));
            }
        };
        Ok(TokenSource {
            inner: Arc::new(Inner {
                provider: self.provider,
                store: self.store,
                key: self.key,
                clock: self.clock,
                margin: self.margin,
                retry: self.retry,
                lock_ttl: self.lock_ttl,
                lock_wait: self
                    .lock_wait
                    .unwrap_or(self.lock_ttl + Duration::from_secs(5)),
                poll_interval: self.poll_interval,
                listener: self.listener,
                current: ArcSwap::from_pointee(Snapshot {
                    token: Arc::new(token),
                    version,
                    stale: false,
                    unpersisted: false,
                }),
                dead: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

impl<P, S> fmt::Debug for TokenSourceBuilder<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSourceBuilder")
            .field("key", &self.key)
            .field("initial", &self.initial)
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}
