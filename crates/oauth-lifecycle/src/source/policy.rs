//! How a token source retries, and what it reports.

use std::time::{Duration, SystemTime};

use oauth_core::error::Error;

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
    pub(super) fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(after) = retry_after {
            return (after <= self.max_retry_after).then_some(after);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let millis = u64::try_from(ceiling.as_millis().max(1)).unwrap_or(u64::MAX);
        Some(Duration::from_millis(oauth_core::runtime::random::up_to(
            millis,
        )))
    }
}

/// Whether a failed refresh is worth another attempt: anything that reached no verdict on the
/// grant. Network failures, 5xx, 429, a 4xx without a refusing OAuth code (a proxy's page), an
/// unreadable or oversized answer. Not a refusal, nor a configuration or store error.
pub(super) fn retryable(error: &Error) -> bool {
    !error.is_permanent()
        && matches!(
            error,
            Error::Transport(_)
                | Error::Server(_)
                | Error::Decode(_)
                | Error::UnexpectedRedirect { .. }
                | Error::ResponseTooLarge { .. }
        )
}

/// What a [`super::TokenSource`] reports to its listener.
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
    /// A source that needed re-authorization found a token from a new authorization (stored
    /// by this process or another) and uses it.
    Recovered {
        /// The provider.
        provider: &'static str,
    },
}
