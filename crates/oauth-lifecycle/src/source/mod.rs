//! [`TokenSource`]: a valid access token whenever asked, with each expiry refreshed once.
//!
//! # Behaviour
//!
//! - **Fresh path.** [`TokenSource::access_token`] compares the token's due time with
//!   [`Clock::recent`] (for the system clock, one atomic load of a reading a single background
//!   thread renews every [`RECENT_TICK`](oauth_core::clock::RECENT_TICK)) and clones the token's
//!   `Arc`: under the source's read lock, or, for a thread asking the same source again, from
//!   the copy that thread kept (no lock; see `served.rs`). No timer, task or thread per
//!   source: 100,000 idle sources cost no CPU.
//! - **Margin.** A token is due `margin` (default 60 s) before it expires, but never before half
//!   its lifetime has passed: a 3-second token is due after 1.5 s, not on arrival.
//! - **Single flight.** The refresh runs in a task of its own that every waiting caller
//!   shares: exactly one refresh per expiry in a process, and a caller that gives up (its future
//!   dropped by a timeout or `select!`) does not stop it: the rotated token is still stored,
//!   the refresh lock still released, and the next caller gets the token. A panic inside the
//!   refresh (provider or store code) is caught: the waiters get an error, the lock is released
//!   and the source stays usable. Across processes sharing a store that
//!   [`TokenStore::is_shared`], the store's refresh lock makes the refresh happen once: waiters
//!   poll the store until the holder's new token appears, for at most the lock wait.
//! - **Leases.** A refresh lock with a TTL (Redis, PostgreSQL) is extended every third of its
//!   TTL while the refresh runs, and confirmed before every attempt: a holder whose lease was
//!   lost (it lapsed, and another holder may have taken it) never sends the refresh token, and
//!   an attempt still running when the lease is about to lapse (the store unreachable for the
//!   extensions) is dropped ([`oauth_core::StoreErrorKind::LeaseLost`]). Two holders never spend
//!   one refresh token at once, however slow the provider.
//! - **Rotation.** The new refresh token is adopted; a response without one keeps the old
//!   one. The token is written to the store (compare-and-swap) *before* it is handed out, with
//!   the store's I/O failures retried like a refresh while the refresh lock is held. If the
//!   write still fails the callers get the error, the token stays in memory, and the next call
//!   writes it again before using it: a rotated refresh token is never dropped while the
//!   process lives. A process killed between the server's answer and the store write loses it.
//! - **Failures.** Only the provider's refusal of the grant ([`Error::is_permanent`]: an
//!   OAuth error code such as `invalid_grant`, never an HTTP status alone) puts the source in
//!   the *needs re-authorization* state, reported to every caller as
//!   [`Error::NeedsReauthorization`]. The refusal is recorded in the store with the token
//!   ([`oauth_core::Refusal`]), so that other processes sharing the store report it without trying.
//!   Unless the store meanwhile holds a newer token: then another holder used the refresh
//!   token first, and its token is adopted. Everything else (network errors, 5xx, 429, a 4xx
//!   without such a code, an unreadable answer) is retried with bounded, jittered exponential
//!   backoff, honouring `Retry-After`; when the attempts are spent, callers get the current
//!   token while it has not expired (the next refresh is tried after the longest backoff),
//!   and the error once it has.
//! - **Recovery.** A source in the needs-re-authorization state looks at the store again, at
//!   most once per recheck interval (default 5 s): a token from a new authorization stored by
//!   any process (through [`TokenSource::replace`] or another source's builder) is adopted and
//!   [`RefreshEvent::Recovered`] reported.
//! - **Lost responses.** A refresh whose request may have reached the server (a timeout, a
//!   connection cut after sending) may have rotated the refresh token server-side. Before
//!   trying again the source re-reads the store: if another holder stored a newer token, that
//!   one is used. Otherwise it retries once more with the same refresh token; if the server had
//!   in fact rotated it, that attempt fails with `invalid_grant` and the source reports that
//!   re-authorization is needed instead of looping.
//! - **Deletion.** A token deleted from the store ([`TokenStore::delete`]) is not written back:
//!   the source's next refresh finds it gone and reports re-authorization.
//! - [`TokenSource::invalidate`] forces one refresh of a token an API rejected (401).
//!
//! The source needs a tokio runtime with timers (refreshes run as tokio tasks).

mod builder;
mod flight;
mod guards;
mod lease;
mod outcome;
mod policy;
mod served;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

pub use builder::TokenSourceBuilder;
pub use policy::{RefreshEvent, RetryPolicy};

use crate::Renew;
use crate::store::{TokenStore, Versioned};
use oauth_core::clock::Clock;
use oauth_core::error::{Error, Result};
use oauth_core::token::Token;

type Listener = Arc<dyn Fn(&RefreshEvent<'_>) + Send + Sync>;

/// The answer of the refresh in flight, once it has one.
type Answer = watch::Receiver<Option<Result<Arc<Token>>>>;

/// The token as the source currently holds it.
struct Current {
    token: Arc<Token>,
    /// Store version `token` was read or written at; `None` before anything was stored.
    version: Option<u64>,
    /// When `token` becomes due (expiry minus the clamped margin); `None`: never.
    due_at: Option<SystemTime>,
    /// `due_at` in unix milliseconds (`u64::MAX`: never), for the fresh path.
    due_ms: u64,
    state: State,
}

enum State {
    /// Handed out until `due_at`.
    Servable,
    /// An API rejected it: refreshed before anyone gets it again.
    Invalidated,
    /// Refreshed but not yet written to the store: written before anyone gets it.
    Unpersisted,
    /// The grant was refused: the user must authorize again. From `look_again_at` on, the
    /// next call looks at the store for a token from a new authorization.
    Dead {
        cause: Arc<Error>,
        look_again_at: SystemTime,
    },
}

/// A source's settings, fixed at build time.
struct Settings {
    clock: Arc<dyn Clock>,
    margin: Duration,
    retry: RetryPolicy,
    lock_ttl: Duration,
    lock_wait: Duration,
    poll_interval: Duration,
    recheck: Duration,
    listener: Option<Listener>,
}

struct Inner<P, S> {
    current: RwLock<Current>,
    /// The address of `current`'s token while it may be handed out.
    published: served::Published,
    provider: P,
    store: S,
    key: Box<str>,
    settings: Settings,
    /// The refresh in flight, if any. Set and cleared under this lock, so there is at most one.
    flight: Mutex<Option<Answer>>,
    /// Held by a refresh task and by [`TokenSource::replace`]: they change the token one at a
    /// time.
    writer: tokio::sync::Mutex<()>,
}

/// Hands out valid access tokens for one grant, refreshing them through provider `P` and
/// keeping them in store `S` under one key. Cheap to clone; clones share everything.
///
/// Many sources can share one provider client and one store: `P` and `S` may be `Arc`s.
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
        let current = read(&self.inner.current);
        f.debug_struct("TokenSource")
            .field("key", &self.inner.key)
            .field("token", &current.token)
            .field("version", &current.version)
            .field("margin", &self.inner.settings.margin)
            .finish_non_exhaustive()
    }
}

impl<P: Renew, S: TokenStore> TokenSource<P, S> {
    /// Starts a source for the token stored under `key` in `store`.
    pub fn builder(provider: P, store: S, key: impl Into<String>) -> TokenSourceBuilder<P, S> {
        TokenSourceBuilder::new(provider, store, key.into())
    }

    /// A valid token: the current one, or a refreshed one when it is due (within the margin of
    /// its expiry) or was invalidated.
    ///
    /// Cancelling the returned future (dropping it) never cancels a refresh it started or
    /// joined. The token is judged when the future is first polled, not when it is made.
    pub async fn access_token(&self) -> Result<Arc<Token>> {
        if let Some(token) = self.inner.fresh() {
            return Ok(token);
        }
        // Boxed, so that the refresh machinery's state does not make every caller's future as
        // large as itself.
        Box::pin(flight::obtain(&self.inner)).await
    }

    /// Marks `token` as rejected (e.g. an API answered 401): the next
    /// [`TokenSource::access_token`] refreshes, once, however many callers report the same
    /// token. A token that was already replaced is ignored.
    pub fn invalidate(&self, token: &Arc<Token>) {
        let mut current = write(&self.inner.current);
        if Arc::ptr_eq(&current.token, token) && matches!(current.state, State::Servable) {
            current.state = State::Invalidated;
            self.inner.published.set(None);
        }
    }

    /// The error that put this source in the needs-re-authorization state, if it is in it.
    pub fn needs_reauthorization(&self) -> Option<Arc<Error>> {
        match &read(&self.inner.current).state {
            State::Dead { cause, .. } => Some(Arc::clone(cause)),
            _ => None,
        }
    }

    /// The token this source holds now, due or not, without refreshing it: for deciding
    /// whether to (a keeper's look at an idle connection).
    pub fn current(&self) -> Arc<Token> {
        Arc::clone(&read(&self.inner.current).token)
    }

    /// The store key this source keeps its token under.
    pub fn key(&self) -> &str {
        &self.inner.key
    }

    /// Puts a token from a new authorization in place (written to the store first) and leaves
    /// the needs-re-authorization state. Once started, the write completes even if the caller
    /// stops waiting.
    pub async fn replace(&self, token: Token) -> Result<Arc<Token>> {
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move { inner.replace(token).await })
            .await
            .unwrap_or_else(|e| Err(flight::aborted(e.is_panic())))
    }
}

impl<P: Renew, S: TokenStore> Inner<P, S> {
    /// The current token if it may be handed out as it is.
    #[inline]
    fn fresh(&self) -> Option<Arc<Token>> {
        let now = self.settings.clock.recent_ms();
        if let Some(token) = self.published.kept(now) {
            return Some(token);
        }
        let current = read(&self.current);
        if !matches!(current.state, State::Servable) || now >= current.due_ms {
            return None;
        }
        let token = Arc::clone(&current.token);
        let due_ms = current.due_ms;
        drop(current);
        served::remember(std::ptr::from_ref(self) as usize, &token, due_ms);
        Some(token)
    }

    /// When `token` becomes due: `margin` before its expiry, the margin clamped to half the
    /// token's lifetime so that a token shorter than the margin is not due on arrival.
    fn due_at(&self, token: &Token) -> Option<SystemTime> {
        let expires_at = token.expires_at()?;
        let lifetime = expires_at
            .duration_since(token.received_at())
            .unwrap_or(Duration::ZERO);
        let margin = self.settings.margin.min(lifetime / 2);
        Some(expires_at.checked_sub(margin).unwrap_or(expires_at))
    }

    fn is_due_now(&self, token: &Token) -> bool {
        self.due_at(token)
            .is_some_and(|at| self.settings.clock.now() >= at)
    }

    /// Makes `token` current and servable.
    fn install(&self, token: Arc<Token>, version: Option<u64>) {
        self.hold(token, version, State::Servable);
    }

    /// Makes `token` current, to be written to the store before anyone gets it.
    fn install_unpersisted(&self, token: Arc<Token>, version: Option<u64>) {
        self.hold(token, version, State::Unpersisted);
    }

    /// Makes a stored token current: servable, or dead if it carries a refusal. Returns it
    /// unless it is due (or the error, if it is refused).
    fn install_stored(&self, stored: Versioned) -> Option<Result<Arc<Token>>> {
        self.install_version(Arc::new(stored.token), stored.version)
    }

    /// [`Inner::install_stored`] of a token already in an `Arc`.
    fn install_version(&self, token: Arc<Token>, version: u64) -> Option<Result<Arc<Token>>> {
        if let Some(refusal) = token.refusal() {
            let cause = match refusal.to_error() {
                Error::NeedsReauthorization(cause) => cause,
                other => Arc::new(other),
            };
            return Some(Err(self.die(cause, token, Some(version))));
        }
        let due = self.is_due_now(&token);
        self.install(Arc::clone(&token), Some(version));
        (!due).then_some(Ok(token))
    }

    /// Puts the source in the needs-re-authorization state for `cause`, holding `token`.
    fn die(&self, cause: Arc<Error>, token: Arc<Token>, version: Option<u64>) -> Error {
        let look_again_at =
            oauth_core::runtime::time::after(self.settings.clock.now(), self.settings.recheck);
        let state = State::Dead {
            cause: Arc::clone(&cause),
            look_again_at,
        };
        self.hold(token, version, state);
        Error::NeedsReauthorization(cause)
    }

    /// Makes `token` current in `state`, with its due time.
    fn hold(&self, token: Arc<Token>, version: Option<u64>, state: State) {
        let due_at = self.due_at(&token);
        self.set(Current {
            token,
            version,
            due_at,
            due_ms: due_ms(due_at),
            state,
        });
    }

    fn set(&self, next: Current) {
        let mut current = write(&self.current);
        let servable = matches!(next.state, State::Servable).then_some(&next.token);
        self.published.set(servable);
        let previous = std::mem::replace(&mut *current, next);
        drop(current);
        // Dropped outside the lock: dropping a token wipes its secrets.
        drop(previous);
    }

    async fn replace(&self, token: Token) -> Result<Arc<Token>> {
        let _writer = self.writer.lock().await;
        let stored = self.store.load(&self.key).await?;
        let token = Arc::new(token.with_refusal(None));
        let version = self
            .store
            .compare_and_swap_shared(&self.key, stored.map(|v| v.version), &token)
            .await?;
        let was_dead = matches!(read(&self.current).state, State::Dead { .. });
        self.install(Arc::clone(&token), Some(version));
        if was_dead {
            self.emit(&RefreshEvent::Recovered { provider: P::NAME });
        }
        Ok(token)
    }

    fn emit(&self, event: &RefreshEvent<'_>) {
        if let Some(listener) = &self.settings.listener {
            listener(event);
        }
    }
}

/// `due_at` as the fresh path compares it: unix milliseconds, truncated (so never later than
/// `due_at`), `u64::MAX` for never.
fn due_ms(due_at: Option<SystemTime>) -> u64 {
    due_at.map_or(u64::MAX, oauth_core::runtime::time::to_unix_ms)
}

/// Locks a std mutex whose data stays consistent even if a holder panicked (each critical
/// section is a single assignment or read).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Every write of [`Current`] is one assignment, so a panicking holder leaves it consistent.
fn read(current: &RwLock<Current>) -> RwLockReadGuard<'_, Current> {
    current.read().unwrap_or_else(|p| p.into_inner())
}

fn write(current: &RwLock<Current>) -> RwLockWriteGuard<'_, Current> {
    current.write().unwrap_or_else(|p| p.into_inner())
}
