//! What a refresh leaves behind: a refusal recorded in the store, another holder's token
//! adopted, a refreshed token written (or written again), and, after a failure, the current
//! token served while it lasts.

use std::sync::Arc;

use super::flight::aborted;
use super::{Inner, State};
use crate::Renew;
use crate::store::{TokenStore, Versioned};
use oauth_core::error::{Error, Result, StoreErrorKind};
use oauth_core::refusal::Refusal;
use oauth_core::token::Token;

impl<P: Renew, S: TokenStore> Inner<P, S> {
    /// Records the provider's refusal with the stored token (so that every process sharing
    /// the store knows), and puts this source in the needs-re-authorization state.
    pub(super) async fn refuse(&self, error: Error, base: &Versioned) -> Error {
        let refusal = Refusal::from_error(&error, self.settings.clock.now());
        let marked = Arc::new(base.token.clone().with_refusal(Some(refusal)));
        let version = match self
            .store
            .compare_and_swap_shared(&self.key, Some(base.version), &marked)
            .await
        {
            Ok(version) => version,
            Err(e) => {
                // The source is dead all the same; another process finds out by trying.
                tracing::warn!(error = %e, "could not record the refusal in the store");
                base.version
            }
        };
        let cause = match error {
            Error::NeedsReauthorization(cause) => cause,
            other => Arc::new(other),
        };
        self.die(cause, marked, Some(version))
    }

    /// Adopts another holder's token whatever its expiry: the one this source holds is spent.
    pub(super) fn adopt_live(&self, stored: Versioned) -> Result<Arc<Token>> {
        if stored.token.refusal().is_some() {
            return self
                .install_stored(stored)
                .unwrap_or_else(|| Err(aborted(false)));
        }
        let token = Arc::new(stored.token);
        self.install(Arc::clone(&token), Some(stored.version));
        Ok(token)
    }

    /// Writes a refreshed token that could not be stored before, then hands it out.
    pub(super) async fn persist(&self, token: Arc<Token>) -> Result<Arc<Token>> {
        let stored = self.store.load(&self.key).await?;
        // Overwrites whatever is stored: this token came from the server after it.
        let version = self.write(stored.map(|v| v.version), &token).await?;
        self.install(Arc::clone(&token), Some(version));
        Ok(token)
    }

    /// Compare-and-swap, with I/O failures (a store outage) retried by the retry policy: the
    /// token being written exists nowhere else.
    pub(super) async fn write(&self, expected: Option<u64>, token: &Arc<Token>) -> Result<u64> {
        let retry = &self.settings.retry;
        let mut attempt = 0;
        loop {
            match self
                .store
                .compare_and_swap_shared(&self.key, expected, token)
                .await
            {
                Ok(version) => return Ok(version),
                Err(e) if e.kind == StoreErrorKind::Io && attempt + 1 < retry.max_attempts => {
                    let delay = retry.delay(attempt, None).unwrap_or_default();
                    tracing::debug!(attempt, ?delay, error = %e, "retrying the token store write");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// After a failed flight: callers get the current token while it has not expired (and
    /// was not rejected by an API), with the next refresh tried after the longest backoff;
    /// the error otherwise.
    pub(super) fn serve_while_valid(&self, error: Error) -> Result<Arc<Token>> {
        if matches!(error, Error::NeedsReauthorization(_)) {
            return Err(error);
        }
        let now = self.settings.clock.now();
        let mut current = super::write(&self.current);
        let valid = current
            .token
            .expires_at()
            .is_some_and(|expires_at| now < expires_at);
        if !valid || !matches!(current.state, State::Servable) {
            return Err(error);
        }
        let retry_at = oauth_core::runtime::time::after(now, self.settings.retry.max_delay);
        current.due_at = Some(current.due_at.map_or(retry_at, |due| due.max(retry_at)));
        if let Some(expires_at) = current.token.expires_at() {
            current.due_at = current.due_at.map(|due| due.min(expires_at));
        }
        current.due_ms = super::due_ms(current.due_at);
        Ok(Arc::clone(&current.token))
    }
}
