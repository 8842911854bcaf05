//! What the keeper and the registry report, and the figures an application exports.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use oauth_core::Error;

/// One thing that happened to one connection.
#[derive(Debug)]
#[non_exhaustive]
pub enum FleetEvent<'a> {
    /// This worker claimed a batch of due connections from the index.
    Claimed {
        /// How many.
        count: usize,
    },
    /// Refreshed ahead of its lapse (or found refreshed by another process).
    Refreshed {
        /// The connection.
        key: &'a str,
        /// How late the refresh was against its due time (zero when on time).
        lag: Duration,
    },
    /// A refresh failed and will be tried again at `retry_at` (a network error, a 5xx, a 429).
    Failed {
        /// The connection.
        key: &'a str,
        /// Why.
        error: &'a Error,
        /// Failed attempts in a row, this one included.
        attempts: u32,
        /// When the keeper tries again.
        retry_at: SystemTime,
    },
    /// The provider refused the grant for good: the user must connect again. Never retried.
    Dead {
        /// The connection.
        key: &'a str,
        /// The refusal.
        error: &'a Error,
    },
    /// A dead connection was connected again ([`crate::Registry::connect`]).
    Recovered {
        /// The connection.
        key: &'a str,
    },
}

/// A listener for [`FleetEvent`]s.
pub type Listener = std::sync::Arc<dyn Fn(&FleetEvent<'_>) + Send + Sync>;

/// Counts since the keeper started, for metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Figures {
    /// Keys claimed from the due index.
    pub claimed: u64,
    /// Connections refreshed.
    pub refreshed: u64,
    /// Connections looked at and found not yet due (refreshed meanwhile by their own use).
    pub rescheduled: u64,
    /// Failed attempts (each retried later).
    pub failed: u64,
    /// Connections found dead.
    pub dead: u64,
    /// The largest lag seen (now − due time at refresh), in milliseconds.
    pub max_lag_ms: u64,
}

#[derive(Debug, Default)]
pub(crate) struct Counters {
    claimed: AtomicU64,
    refreshed: AtomicU64,
    rescheduled: AtomicU64,
    failed: AtomicU64,
    dead: AtomicU64,
    max_lag_ms: AtomicU64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Count {
    Claimed,
    Refreshed,
    Rescheduled,
    Failed,
    Dead,
}

impl Counters {
    pub(crate) fn add(&self, count: Count, n: u64) {
        let counter = match count {
            Count::Claimed => &self.claimed,
            Count::Refreshed => &self.refreshed,
            Count::Rescheduled => &self.rescheduled,
            Count::Failed => &self.failed,
            Count::Dead => &self.dead,
        };
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub(crate) fn lag(&self, lag: Duration) {
        let ms = u64::try_from(lag.as_millis()).unwrap_or(u64::MAX);
        self.max_lag_ms.fetch_max(ms, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Figures {
        Figures {
            claimed: self.claimed.load(Ordering::Relaxed),
            refreshed: self.refreshed.load(Ordering::Relaxed),
            rescheduled: self.rescheduled.load(Ordering::Relaxed),
            failed: self.failed.load(Ordering::Relaxed),
            dead: self.dead.load(Ordering::Relaxed),
            max_lag_ms: self.max_lag_ms.load(Ordering::Relaxed),
        }
    }
}
