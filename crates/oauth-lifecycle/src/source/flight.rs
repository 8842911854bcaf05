//! The slow path: one refresh at a time, run in a task of its own so that no caller's
//! cancellation or panic can stop it between the server's answer and the store write.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::watch;
use tracing::Instrument;

use super::guards::{CatchUnwind, HeldLock};
use super::lease::Lease;
use super::policy::retryable;
use super::{Inner, RefreshEvent, State, lock, read};
use crate::Renew;
use crate::store::{TokenStore, Versioned};
use oauth_core::error::{Error, Result, StoreError, StoreErrorKind, TransportError, TransportKind};
use oauth_core::token::Token;

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
                if let Some(settled) = inner.settle() {
                    return settled;
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
            CatchUnwind::new(Inner::renew_current(&self.inner))
                .await
                .unwrap_or_else(|_| Err(aborted(true)))
        };
        let result = result.or_else(|e| self.inner.serve_while_valid(e));
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

/// What the store's refresh lock gave: the lock, or another holder's result.
enum Acquired<P: Renew, S: TokenStore> {
    Lock(HeldLock<P, S>, Lease),
    Adopted(Result<Arc<Token>>),
}

impl<P: Renew, S: TokenStore> Inner<P, S> {
    /// With no refresh running: the current token if it can be handed out after all (another
    /// caller has just obtained it), the refusal if it is too early to look for a new
    /// authorization, `None` if it takes a flight.
    fn settle(&self) -> Option<Result<Arc<Token>>> {
        let now = self.settings.clock.now();
        let current = read(&self.current);
        match &current.state {
            State::Servable if current.due_at.is_none_or(|at| now < at) => {
                Some(Ok(Arc::clone(&current.token)))
            }
            State::Dead {
                cause,
                look_again_at,
            } if now < *look_again_at => Some(Err(Error::NeedsReauthorization(Arc::clone(cause)))),
            _ => None,
        }
    }

    /// The flight's work, under the writer lock.
    async fn renew_current(this: &Arc<Self>) -> Result<Arc<Token>> {
        // Twice at most: a new authorization found in the store may itself be due.
        for _ in 0..2 {
            if let Some(settled) = this.settle() {
                // `replace` ran while this task waited for the writer lock.
                return settled;
            }
            let (token, version, state) = this.snapshot();
            let dead = match state {
                Holds::Unpersisted => return this.persist(token).await,
                Holds::Dead(cause) => Some(cause),
                Holds::Due => None,
            };
            if let Some(cause) = dead {
                match this.look_for_new_authorization(cause, token, version).await {
                    Some(settled) => return settled,
                    None => continue,
                }
            }
            if let Some(stored) = this.load_newer(version).await?
                && let Some(settled) = this.install_stored(stored)
            {
                return settled;
            }
            return Self::refresh_traced(this).await;
        }
        Self::refresh_traced(this).await
    }

    /// What the source holds, read at once (no lock is held across an await).
    fn snapshot(&self) -> (Arc<Token>, Option<u64>, Holds) {
        let current = read(&self.current);
        let holds = match &current.state {
            State::Dead { cause, .. } => Holds::Dead(Arc::clone(cause)),
            State::Unpersisted => Holds::Unpersisted,
            State::Servable | State::Invalidated => Holds::Due,
        };
        (Arc::clone(&current.token), current.version, holds)
    }

    /// A dead source's look at the store: a newer token without a refusal is a new
    /// authorization, adopted (`None`: it is due, refresh it); anything else keeps the source
    /// dead until the next look.
    async fn look_for_new_authorization(
        &self,
        cause: Arc<Error>,
        token: Arc<Token>,
        version: Option<u64>,
    ) -> Option<Result<Arc<Token>>> {
        match self.store.load(&self.key).await {
            Ok(Some(stored))
                if Some(stored.version) != version && stored.token.refusal().is_none() =>
            {
                self.emit(&RefreshEvent::Recovered { provider: P::NAME });
                self.install_stored(stored)
            }
            Ok(Some(stored)) if Some(stored.version) != version => {
                // Another holder recorded a refusal too: keep its version, and the cause.
                Some(Err(self.die(
                    cause,
                    Arc::new(stored.token),
                    Some(stored.version),
                )))
            }
            Ok(_) => Some(Err(self.die(cause, token, version))),
            Err(e) => {
                tracing::debug!(error = %e, "could not look for a new authorization");
                Some(Err(self.die(cause, token, version)))
            }
        }
    }

    /// The stored token if another holder wrote one since `version`.
    async fn load_newer(&self, version: Option<u64>) -> Result<Option<Versioned>> {
        Ok(self
            .store
            .load(&self.key)
            .await?
            .filter(|stored| Some(stored.version) != version))
    }

    /// A refresh under the store's lock, traced and reported.
    async fn refresh_traced(this: &Arc<Self>) -> Result<Arc<Token>> {
        let span = tracing::info_span!(
            "oauth_refresh",
            provider = P::NAME,
            key = %this.key,
            elapsed_ms = tracing::field::Empty,
            outcome = tracing::field::Empty,
        );
        let start = Instant::now();
        let result = Self::refresh_locked(this).instrument(span.clone()).await;
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

    /// Takes the store's refresh lock (or adopts another holder's result), refreshes, stores,
    /// releases the lock.
    async fn refresh_locked(this: &Arc<Self>) -> Result<Arc<Token>> {
        let (held, mut lease) = match Self::acquire_lock(this).await? {
            Acquired::Lock(held, lease) => (held, lease),
            Acquired::Adopted(result) => return result,
        };
        let result = CatchUnwind::new(this.refresh_and_store(&held, &mut lease))
            .await
            .unwrap_or_else(|_| Err(aborted(true)));
        held.release().await;
        result
    }

    async fn acquire_lock(this: &Arc<Self>) -> Result<Acquired<P, S>> {
        let settings = &this.settings;
        let deadline = Instant::now() + settings.lock_wait;
        let mut seen = read(&this.current).version;
        loop {
            let sent = tokio::time::Instant::now();
            if let Some(lock) = this.store.try_lock(&this.key, settings.lock_ttl).await? {
                let lease = Lease::new(&lock, settings.lock_ttl, sent);
                return Ok(Acquired::Lock(HeldLock::new(Arc::clone(this), lock), lease));
            }
            if Instant::now() >= deadline {
                return Err(StoreError::new(
                    StoreErrorKind::LockTimeout,
                    format!(
                        "another process held the refresh lock of `{}` for over {:?}",
                        this.key, settings.lock_wait
                    ),
                )
                .into());
            }
            tokio::time::sleep(settings.poll_interval).await;
            if let Some(stored) = this.load_newer(seen).await? {
                seen = Some(stored.version);
                if let Some(settled) = this.install_stored(stored) {
                    return Ok(Acquired::Adopted(settled));
                }
            }
        }
    }

    async fn refresh_and_store(
        &self,
        held: &HeldLock<P, S>,
        lease: &mut Lease,
    ) -> Result<Arc<Token>> {
        // Re-read under the lock: the previous holder may have just stored a fresh token, and
        // its refresh token is the only one still valid.
        let Some(base) = self.store.load(&self.key).await? else {
            let token = Arc::clone(&read(&self.current).token);
            let gone = Error::Config(format!(
                "the token under `{}` was deleted from the store; it is not written back",
                self.key
            ));
            return Err(self.die(Arc::new(gone), token, None));
        };
        if Some(base.version) != read(&self.current).version {
            let stored = Versioned {
                token: base.token.clone(),
                version: base.version,
            };
            if let Some(settled) = self.install_stored(stored) {
                return settled;
            }
        }

        let token = match self.renew_with_retries(&base, held, lease).await? {
            Renewed::Token(token) => Arc::new(token),
            Renewed::Adopted(stored) => return self.adopt_live(stored),
        };
        // From here the new token exists only in memory until the write succeeds.
        self.install_unpersisted(Arc::clone(&token), Some(base.version));
        let version = self.write(Some(base.version), &token).await?;
        self.install(Arc::clone(&token), Some(version));
        Ok(token)
    }

    /// Renews `base`, retrying what may succeed later, each attempt within the lease.
    async fn renew_with_retries(
        &self,
        base: &Versioned,
        held: &HeldLock<P, S>,
        lease: &mut Lease,
    ) -> Result<Renewed> {
        let retry = &self.settings.retry;
        let mut attempt = 0;
        loop {
            lease.confirm(self, held.lock()).await?;
            let renewed = lease
                .keep_during(self, held.lock(), self.provider.renew(&base.token))
                .await;
            let e = match renewed {
                Ok(token) => return Ok(Renewed::Token(token)),
                Err(e) => e,
            };
            if e.is_permanent() {
                // Another holder may have used this refresh token first (a store without a
                // refresh lock): its token is the live one.
                if let Some(stored) = self.load_newer(Some(base.version)).await? {
                    return Ok(Renewed::Adopted(stored));
                }
                return Err(self.refuse(e, base).await);
            }
            if !retryable(&e) || attempt + 1 >= retry.max_attempts {
                return Err(e);
            }
            let Some(delay) = retry.delay(attempt, e.retry_after()) else {
                return Err(e);
            };
            tracing::debug!(attempt, ?delay, error = %e, "retrying token refresh");
            tokio::time::sleep(delay).await;
            if let Error::Transport(t) = &e
                && t.may_have_reached_server()
                && let Some(stored) = self.load_newer(Some(base.version)).await?
            {
                return Ok(Renewed::Adopted(stored));
            }
            attempt += 1;
        }
    }
}

/// What a flight finds the source holding.
enum Holds {
    /// A token to refresh (due or invalidated).
    Due,
    /// A refreshed token to write to the store.
    Unpersisted,
    /// A refused grant.
    Dead(Arc<Error>),
}

/// What a renewal gave: a new token, or another holder's, already stored.
enum Renewed {
    Token(Token),
    Adopted(Versioned),
}
