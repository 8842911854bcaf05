//! The slow path: one refresh at a time, run in a task of its own so that no caller's
//! cancellation or panic can stop it between the server's answer and the store write.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;
use tracing::Instrument;

use super::guards::{CatchUnwind, HeldLock};
use super::{Check, Inner, RefreshEvent, Snapshot, lock};
use crate::error::{Error, Result, StoreError, StoreErrorKind, TransportError, TransportKind};
use crate::renew::Renew;
use crate::store::{TokenStore, Versioned};
use crate::token::Token;

/// A token for a caller whose fresh-path check failed: settled at once when another caller
/// has just obtained one, else the answer of the refresh in flight (started if there is none).
pub(super) async fn obtain<P: Renew, S: TokenStore>(
    inner: &Arc<Inner<P, S>>,
) -> Result<Arc<Token>> {
    let (mut answer, started) = {
        let mut flight = lock(&inner.flight);
        match &*flight {
            Some(answer) => (answer.clone(), None),
            None => {
                if let Some(token) = inner.settle()? {
                    return Ok(token);
                }
                let (tx, rx) = watch::channel(None);
                *flight = Some(rx.clone());
                let started = Flight {
                    inner: Arc::clone(inner),
                    answer: Some(tx),
                };
                (rx, Some(started))
            }
        }
    };
    // Spawned outside the slot's lock: a runtime shutting down drops the task at once, and
    // the flight's drop takes that lock to clear the slot.
    if let Some(flight) = started {
        tokio::spawn(flight.run());
    }
    let result = match answer.wait_for(Option::is_some).await {
        Ok(done) => done.clone(),
        Err(_) => None,
    };
    result.unwrap_or_else(|| Err(aborted(false)))
}

/// The error of a refresh that panicked, or whose task was dropped (its runtime shut down).
///
/// A transport error of kind `Other`: like a connection cut after sending, the refresh may
/// have reached the server, it is worth trying again, and it is not the grant's fault.
pub(super) fn aborted(panicked: bool) -> Error {
    Error::Transport(TransportError {
        kind: TransportKind::Other,
        message: if panicked {
            "the token refresh panicked (in the provider or the store)".into()
        } else {
            "the token refresh task was dropped before it finished".into()
        },
    })
}

/// The refresh task. Whatever ends it (an answer, a panic, the task being dropped), its
/// waiters get an answer and the flight slot is cleared.
struct Flight<P: Renew, S: TokenStore> {
    inner: Arc<Inner<P, S>>,
    answer: Option<watch::Sender<Option<Result<Arc<Token>>>>>,
}

impl<P: Renew, S: TokenStore> Flight<P, S> {
    async fn run(mut self) {
        let result = {
            let _writer = self.inner.writer.lock().await;
            CatchUnwind::new(Inner::refresh(&self.inner))
                .await
                .unwrap_or_else(|_| Err(aborted(true)))
        };
        self.land(result);
    }

    fn land(&mut self, result: Result<Arc<Token>>) {
        let Some(answer) = self.answer.take() else {
            return;
        };
        // Cleared first: a caller arriving now sees the new token (or starts a new refresh
        // after a failure) instead of joining a finished flight.
        *lock(&self.inner.flight) = None;
        answer.send_replace(Some(result));
    }
}

impl<P: Renew, S: TokenStore> Drop for Flight<P, S> {
    fn drop(&mut self) {
        self.land(Err(aborted(std::thread::panicking())));
    }
}

enum Acquired<P: Renew, S: TokenStore> {
    Lock(HeldLock<P, S>),
    Adopted(Arc<Token>),
}

impl<P: Renew, S: TokenStore> Inner<P, S> {
    /// With no refresh running: the current token if it can be handed out after all (another
    /// caller has just obtained it), `None` if it takes a refresh.
    fn settle(&self) -> Result<Option<Arc<Token>>> {
        if let Some(cause) = self.dead() {
            return Err(Error::NeedsReauthorization(cause));
        }
        let snap = self.current.load();
        if snap.is_fresh(&*self.clock) {
            return Ok(Some(Arc::clone(&snap.token)));
        }
        if matches!(snap.check, Check::Alarm(_)) && !snap.is_due(self.clock.now()) {
            // The alarm rang before its time: its timer is gone (dropped with a runtime, or a
            // clock that rings early). Read the clock for this token rather than re-arm, which
            // could fail the same way on every call.
            let watched = Arc::new(Snapshot {
                token: Arc::clone(&snap.token),
                version: snap.version,
                due_at: snap.due_at,
                check: Check::Clock,
                unpersisted: false,
            });
            let previous = self.current.compare_and_swap(&snap, watched);
            if Arc::ptr_eq(&previous, &snap) {
                return Ok(Some(Arc::clone(&snap.token)));
            }
            // Replaced meanwhile: judge the new one.
            let now = self.current.load();
            return Ok(now.is_fresh(&*self.clock).then(|| Arc::clone(&now.token)));
        }
        Ok(None)
    }

    /// The refresh task's work, under the writer lock.
    async fn refresh(this: &Arc<Self>) -> Result<Arc<Token>> {
        if let Some(token) = this.settle()? {
            // `replace` ran while this task waited for the writer lock.
            return Ok(token);
        }
        let snap = this.current.load();
        if snap.unpersisted {
            return this.persist(Arc::clone(&snap.token)).await;
        }
        if let Some(adopted) = this.adopt_newer(&snap).await? {
            return Ok(adopted);
        }

        let span = tracing::info_span!(
            "oauth_refresh",
            provider = P::NAME,
            key = %this.key,
            elapsed_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let start = Instant::now();
        let result = Self::refresh_locked(this, &snap)
            .instrument(span.clone())
            .await;
        span.record(
            "elapsed_ms",
            u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
        );
        match &result {
            Ok(token) => {
                span.record("outcome", "refreshed");
                this.emit(&RefreshEvent::Refreshed {
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
                this.emit(&RefreshEvent::Failed {
                    provider: P::NAME,
                    error,
                    permanent,
                });
            }
        }
        result
    }

    /// Uses a newer token from the store if another holder refreshed; `None` if there is none
    /// or it is due too.
    async fn adopt_newer(&self, snap: &Snapshot) -> Result<Option<Arc<Token>>> {
        let Some(stored) = self.store.load(&self.key).await? else {
            return Ok(None);
        };
        if Some(stored.version) == snap.version {
            return Ok(None);
        }
        Ok(self.adopt(stored))
    }

    /// Makes a stored token current; returns it unless it is due.
    fn adopt(&self, stored: Versioned) -> Option<Arc<Token>> {
        let due = self.is_due_now(&stored.token);
        let token = Arc::new(stored.token);
        self.install(Arc::clone(&token), Some(stored.version));
        (!due).then_some(token)
    }

    /// Takes the store's refresh lock (or adopts another holder's result), refreshes, stores,
    /// releases the lock.
    async fn refresh_locked(this: &Arc<Self>, snap: &Snapshot) -> Result<Arc<Token>> {
        let held = match Self::acquire_lock(this, snap).await? {
            Acquired::Lock(held) => held,
            Acquired::Adopted(token) => return Ok(token),
        };
        let result = CatchUnwind::new(this.refresh_and_store())
            .await
            .unwrap_or_else(|_| Err(aborted(true)));
        held.release().await;
        result
    }

    async fn acquire_lock(this: &Arc<Self>, snap: &Snapshot) -> Result<Acquired<P, S>> {
        let deadline = Instant::now() + this.lock_wait;
        let mut seen = snap.version;
        loop {
            if let Some(lock) = this.store.try_lock(&this.key, this.lock_ttl).await? {
                return Ok(Acquired::Lock(HeldLock::new(Arc::clone(this), lock)));
            }
            if Instant::now() >= deadline {
                return Err(StoreError::new(
                    StoreErrorKind::LockTimeout,
                    format!(
                        "another process held the refresh lock of `{}` for over {:?}",
                        this.key, this.lock_wait
                    ),
                )
                .into());
            }
            tokio::time::sleep(this.poll_interval).await;
            if let Some(stored) = this.store.load(&this.key).await?
                && Some(stored.version) != seen
            {
                seen = Some(stored.version);
                if let Some(token) = this.adopt(stored) {
                    return Ok(Acquired::Adopted(token));
                }
            }
        }
    }

    async fn refresh_and_store(&self) -> Result<Arc<Token>> {
        // Re-read under the lock: the previous holder may have just stored a fresh token, and
        // its refresh token is the only one still valid.
        let base = match self.store.load(&self.key).await? {
            Some(stored) => stored,
            None => Versioned {
                token: (*self.current.load().token).clone(),
                version: 0,
            },
        };
        let current = self.current.load();
        if Some(base.version) != current.version && !self.is_due_now(&base.token) {
            let token = Arc::new(base.token);
            self.install(Arc::clone(&token), Some(base.version));
            return Ok(token);
        }
        let expected = (base.version > 0).then_some(base.version);

        let mut attempt = 0;
        let token = loop {
            match self.provider.renew(&base.token).await {
                Ok(token) => break token,
                Err(e) if e.is_permanent() => {
                    // Another holder may have used this refresh token first (a store without a
                    // refresh lock, or a lock that expired mid-refresh): its token is the live one.
                    if let Some(stored) = self.store.load(&self.key).await?
                        && stored.version != base.version
                    {
                        return Ok(self.adopt_live(stored));
                    }
                    return Err(self.kill(e));
                }
                Err(e) if e.is_transient() && attempt + 1 < self.retry.max_attempts => {
                    let Some(delay) = self.retry.delay(attempt, e.retry_after()) else {
                        return Err(e);
                    };
                    tracing::debug!(attempt, ?delay, error = %e, "retrying token refresh");
                    tokio::time::sleep(delay).await;
                    if let Error::Transport(t) = &e
                        && t.may_have_reached_server()
                        && let Some(stored) = self.store.load(&self.key).await?
                        && stored.version != base.version
                    {
                        return Ok(self.adopt_live(stored));
                    }
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        };

        let token = Arc::new(token);
        // From here the new token exists only in memory until the write succeeds.
        self.install_unpersisted(Arc::clone(&token), current.version);
        let version = self.write(expected, &token).await?;
        self.install(Arc::clone(&token), Some(version));
        Ok(token)
    }

    /// Adopts another holder's token whatever its expiry: the one this source holds is spent.
    fn adopt_live(&self, stored: Versioned) -> Arc<Token> {
        let token = Arc::new(stored.token);
        self.install(Arc::clone(&token), Some(stored.version));
        token
    }

    /// Writes a refreshed token that could not be stored before, then hands it out.
    async fn persist(&self, token: Arc<Token>) -> Result<Arc<Token>> {
        let stored = self.store.load(&self.key).await?;
        // Overwrites whatever is stored: this token came from the server after it.
        let version = self.write(stored.map(|v| v.version), &token).await?;
        self.install(Arc::clone(&token), Some(version));
        Ok(token)
    }

    /// Compare-and-swap, with I/O failures (a store outage) retried by the retry policy: the
    /// token being written exists nowhere else.
    async fn write(&self, expected: Option<u64>, token: &Token) -> Result<u64> {
        let mut attempt = 0;
        loop {
            match self
                .store
                .compare_and_swap(&self.key, expected, token)
                .await
            {
                Ok(version) => return Ok(version),
                Err(e) if e.kind == StoreErrorKind::Io && attempt + 1 < self.retry.max_attempts => {
                    let delay = self.retry.delay(attempt, None).unwrap_or_default();
                    tracing::debug!(attempt, ?delay, error = %e, "retrying the token store write");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn kill(&self, cause: Error) -> Error {
        let cause = match cause {
            Error::NeedsReauthorization(cause) => cause,
            other => Arc::new(other),
        };
        *lock(&self.dead) = Some(Arc::clone(&cause));
        Error::NeedsReauthorization(cause)
    }

    fn emit(&self, event: &RefreshEvent<'_>) {
        if let Some(listener) = &self.listener {
            listener(event);
        }
    }
}
