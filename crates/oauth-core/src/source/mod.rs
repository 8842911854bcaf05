//! [`TokenSource`]: a valid access token whenever asked, with each expiry refreshed once.
//!
//! # Behaviour
//!
//! - **Fresh path.** [`TokenSource::access_token`] compares one atomic pointer with the
//!   snapshot the calling thread served last and checks one flag: no lock, no fenced write, no
//!   clock read, nothing but the token's `Arc` count (a thread serving several sources in turn
//!   finds the others among the few snapshots it keeps, also without a lock; its first call
//!   after a change reads the new snapshot under a read lock; see `current.rs`).
//!   The flag is an alarm the source arms with its [`Clock`] for the moment the token becomes
//!   due; [`crate::SystemClock`]'s alarms re-read the wall clock at least every
//!   [`crate::clock::SYSTEM_ALARM_RECHECK`], so a suspended machine or a stepped clock delays
//!   a refresh by at most that. A clock that cannot ring alarms is read on every call instead.
//!   A token without expiry is never refreshed unless invalidated.
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
//! - **Rotation.** The new refresh token is adopted; a response without one keeps the old
//!   one. The token is written to the store (compare-and-swap) *before* it is handed out, with
//!   the store's I/O failures retried like a refresh while the refresh lock is held. If the
//!   write still fails the callers get the error, the token stays in memory, and the next call
//!   writes it again before using it: a rotated refresh token is never dropped while the
//!   process lives. A process killed between the server's answer and the store write loses it.
//! - **Failures.** A permanent error (`invalid_grant`, `invalid_client`, any 4xx but 408/429)
//!   puts the source in the *needs re-authorization* state: it is reported to every caller
//!   ([`Error::NeedsReauthorization`]) and never retried. Unless the store meanwhile holds a
//!   newer token: then another holder used the refresh token first, and its token is adopted.
//!   Network errors, 408, 429, 5xx are retried with bounded, jittered exponential backoff,
//!   honouring `Retry-After`.
//! - **Lost responses.** A refresh whose request may have reached the server (a timeout, a
//!   connection cut after sending) may have rotated the refresh token server-side. Before
//!   trying again the source re-reads the store: if another holder stored a newer token, that
//!   one is used. Otherwise it retries once more with the same refresh token; if the server had
//!   in fact rotated it, that attempt fails with `invalid_grant` and the source reports that
//!   re-authorization is needed instead of looping.
//! - [`TokenSource::invalidate`] forces one refresh of a token an API rejected (401).
//!
//! The source needs a tokio runtime with timers (refreshes run as tokio tasks).

mod builder;
mod current;
mod flight;
mod guards;
mod policy;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

pub use builder::TokenSourceBuilder;
pub use policy::{RefreshEvent, RetryPolicy};

use current::Current;

use crate::clock::{Alarm, AlarmFlag, Clock};
use crate::error::{Error, Result};
use crate::renew::Renew;
use crate::store::TokenStore;
use crate::token::Token;

type Listener = Arc<dyn Fn(&RefreshEvent<'_>) + Send + Sync>;

/// The answer of the refresh in flight, once it has one.
type Answer = watch::Receiver<Option<Result<Arc<Token>>>>;

/// How the fresh path tells whether a snapshot's token may be handed out as it is.
enum Check {
    /// It has no expiry: always.
    Never,
    /// Until the clock rings this flag, at the token's due time.
    Alarm(Arc<AlarmFlag>),
    /// The clock cannot ring alarms, or one rang early: compare its reading with `due_at`.
    Clock,
    /// Never: invalidated, or not yet stored.
    SlowPath,
}

/// The token as the source currently sees it. Replaced whole, never changed in place (but for
/// the alarm flag).
#[repr(align(64))]
struct Snapshot {
    token: Arc<Token>,
    /// Store version `token` was read or written at; `None` before anything was stored.
    version: Option<u64>,
    /// When the token becomes due (expiry minus the clamped margin); `None`: never.
    due_at: Option<SystemTime>,
    check: Check,
    /// Refreshed but not yet written to the store: must be written before use.
    unpersisted: bool,
}

impl Snapshot {
    #[inline]
    fn is_fresh(&self, clock: &dyn Clock) -> bool {
        match &self.check {
            Check::Alarm(rung) => !rung.has_rung(),
            Check::Never => true,
            Check::Clock => !self.is_due(clock.now()),
            Check::SlowPath => false,
        }
    }

    fn is_due(&self, now: SystemTime) -> bool {
        self.due_at.is_some_and(|at| now >= at)
    }
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
    current: Current,
    dead: Mutex<Option<Arc<Error>>>,
    /// The refresh in flight, if any. Set and cleared under this lock, so there is at most one.
    flight: Mutex<Option<Answer>>,
    /// Held by a refresh task and by [`TokenSource::replace`]: they change the token one at a
    /// time.
    writer: tokio::sync::Mutex<()>,
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
    pub fn access_token(&self) -> impl Future<Output = Result<Arc<Token>>> + Send + '_ {
        AccessToken {
            inner: &self.inner,
            slow: None,
        }
    }

    /// Marks `token` as rejected (e.g. an API answered 401): the next
    /// [`TokenSource::access_token`] refreshes, once, however many callers report the same
    /// token. A token that was already replaced is ignored.
    pub fn invalidate(&self, token: &Arc<Token>) {
        self.inner.current.update(|snap| {
            if Arc::ptr_eq(&snap.token, token) && !matches!(snap.check, Check::SlowPath) {
                Arc::new(Snapshot {
                    token: Arc::clone(&snap.token),
                    version: snap.version,
                    due_at: snap.due_at,
                    check: Check::SlowPath,
                    unpersisted: snap.unpersisted,
                })
            } else {
                Arc::clone(snap)
            }
        });
    }

    /// The error that put this source in the needs-re-authorization state, if it is in it.
    pub fn needs_reauthorization(&self) -> Option<Arc<Error>> {
        self.inner.dead()
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

/// The slow path of [`TokenSource::access_token`], boxed.
type Obtaining<'a> = Pin<Box<dyn Future<Output = Result<Arc<Token>>> + Send + 'a>>;

/// The future of [`TokenSource::access_token`]: the fresh path is a small poll function (so it
/// inlines into the caller's state machine), the rest is boxed on first need, so that the
/// refresh machinery's state does not make every call's future, and the frame polling it, as
/// large as itself.
struct AccessToken<'a, P, S> {
    inner: &'a Arc<Inner<P, S>>,
    slow: Option<Obtaining<'a>>,
}

impl<P: Renew, S: TokenStore> Future for AccessToken<'_, P, S> {
    type Output = Result<Arc<Token>>;

    // Forced: with a plain `#[inline]` the compiler kept it out of line in callers' state
    // machines, and the call plus the reloads of `inner` cost about a third of the fresh path.
    #[inline(always)]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.slow.is_none()
            && let Some(token) = this.inner.current.served_fresh()
        {
            return Poll::Ready(Ok(token));
        }
        this.poll_slow(cx)
    }
}

impl<P: Renew, S: TokenStore> AccessToken<'_, P, S> {
    /// Everything but the fresh path, kept out of line so that the fresh path inlines.
    #[inline(never)]
    fn poll_slow(&mut self, cx: &mut Context<'_>) -> Poll<Result<Arc<Token>>> {
        let inner = self.inner;
        if self.slow.is_none() {
            if let Some(token) = inner.current.served_kept() {
                return Poll::Ready(Ok(token));
            }
            let snap = inner.current.load();
            if snap.is_fresh(&*inner.clock) {
                Current::remember(&snap);
                return Poll::Ready(Ok(Arc::clone(&snap.token)));
            }
        }
        self.slow
            .get_or_insert_with(|| Box::pin(flight::obtain(inner)))
            .as_mut()
            .poll(cx)
    }
}

impl<P: Renew, S: TokenStore> Inner<P, S> {
    fn dead(&self) -> Option<Arc<Error>> {
        lock(&self.dead).clone()
    }

    /// When `token` becomes due: `margin` before its expiry, the margin clamped to half the
    /// token's lifetime so that a token shorter than the margin is not due on arrival.
    fn due_at(&self, token: &Token) -> Option<SystemTime> {
        let expires_at = token.expires_at()?;
        let lifetime = expires_at
            .duration_since(token.received_at())
            .unwrap_or(Duration::ZERO);
        let margin = self.margin.min(lifetime / 2);
        Some(expires_at.checked_sub(margin).unwrap_or(expires_at))
    }

    fn is_due_now(&self, token: &Token) -> bool {
        self.due_at(token).is_some_and(|at| self.clock.now() >= at)
    }

    /// Makes `token` current and servable, arming an alarm for when it becomes due.
    fn install(&self, token: Arc<Token>, version: Option<u64>) {
        let due_at = self.due_at(&token);
        let check = match due_at {
            None => Check::Never,
            Some(at) => {
                let rung = Arc::new(AlarmFlag::new());
                match self.clock.set_alarm(at, Alarm::new(&rung)) {
                    Ok(()) => Check::Alarm(rung),
                    Err(alarm) => {
                        alarm.disarm();
                        Check::Clock
                    }
                }
            }
        };
        self.current.store(Arc::new(Snapshot {
            token,
            version,
            due_at,
            check,
            unpersisted: false,
        }));
    }

    /// Makes `token` current, to be written to the store before anyone gets it.
    fn install_unpersisted(&self, token: Arc<Token>, version: Option<u64>) {
        let due_at = self.due_at(&token);
        self.current.store(Arc::new(Snapshot {
            token,
            version,
            due_at,
            check: Check::SlowPath,
            unpersisted: true,
        }));
    }

    async fn replace(&self, token: Token) -> Result<Arc<Token>> {
        let _writer = self.writer.lock().await;
        let stored = self.store.load(&self.key).await?;
        let version = self
            .store
            .compare_and_swap(&self.key, stored.map(|v| v.version), &token)
            .await?;
        let token = Arc::new(token);
        self.install(Arc::clone(&token), Some(version));
        *lock(&self.dead) = None;
        Ok(token)
    }
}

/// Locks a std mutex whose data stays consistent even if a holder panicked (each critical
/// section is a single assignment or read).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}
