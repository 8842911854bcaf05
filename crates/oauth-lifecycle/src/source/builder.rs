//! [`TokenSourceBuilder`]: a token source's settings, and its first token.

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::{Current, Inner, Listener, RefreshEvent, RetryPolicy, Settings, State, TokenSource};
use crate::Renew;
use crate::store::{TokenStore, validate_key};
use oauth_core::clock::{Clock, SystemClock};
use oauth_core::error::{Error, Result};
use oauth_core::token::Token;

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
    recheck: Duration,
    listener: Option<Listener>,
}

impl<P: Renew, S: TokenStore> TokenSourceBuilder<P, S> {
    pub(super) fn new(provider: P, store: S, key: String) -> Self {
        Self {
            provider,
            store,
            key,
            initial: None,
            clock: Arc::new(SystemClock),
            margin: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            lock_ttl: Duration::from_secs(30),
            lock_wait: None,
            poll_interval: Duration::from_millis(25),
            recheck: Duration::from_secs(5),
            listener: None,
        }
    }

    /// A token to start with (e.g. fresh from a code exchange). It replaces what the store
    /// holds under the key. Without one, the stored token is used.
    pub fn initial_token(mut self, token: Token) -> Self {
        self.initial = Some(token);
        self
    }

    /// The clock (default: the system clock). The fresh path compares due times with its
    /// [`Clock::recent`].
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long before expiry a token is refreshed (default 60 s). For a token living less
    /// than twice the margin, the margin is half its lifetime.
    pub fn margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Retry limits for transient failures (of the refresh, and of the store write after it).
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

    /// How often, at most, a source that needs re-authorization looks at the store for a token
    /// from a new authorization (default 5 s).
    pub fn recheck_interval(mut self, interval: Duration) -> Self {
        self.recheck = interval;
        self
    }

    /// Called after every refresh, successful or not, and when a source recovers.
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
                let token = Arc::new(token);
                let version = self
                    .store
                    .compare_and_swap_shared(&self.key, stored.map(|v| v.version), &token)
                    .await?;
                (token, version)
            }
            (None, Some(stored)) => (Arc::new(stored.token), stored.version),
            (None, None) => {
                return Err(Error::Config(format!(
                    "no token is stored under `{}` and no initial token was given",
                    self.key
                )));
            }
        };
        let inner = Inner {
            // Replaced at once by `install_stored`, which needs the settings below.
            current: RwLock::new(Current {
                token: Arc::clone(&token),
                version: Some(version),
                due_at: None,
                due_ms: u64::MAX,
                state: State::Invalidated,
            }),
            published: Default::default(),
            provider: self.provider,
            store: self.store,
            key: self.key.into_boxed_str(),
            settings: Settings {
                clock: self.clock,
                margin: self.margin,
                retry: self.retry,
                lock_ttl: self.lock_ttl,
                lock_wait: self
                    .lock_wait
                    .unwrap_or(self.lock_ttl.saturating_add(Duration::from_secs(5))),
                poll_interval: self.poll_interval,
                recheck: self.recheck,
                listener: self.listener,
            },
            flight: Mutex::new(None),
            writer: tokio::sync::Mutex::new(()),
        };
        // A token stored with a refusal starts the source in the needs-re-authorization state;
        // a due one is refreshed by the first call.
        let _ = inner.install_version(token, version);
        Ok(TokenSource {
            inner: Arc::new(inner),
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
