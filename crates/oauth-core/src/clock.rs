//! Time, injectable so that expiry logic can be tested without sleeping.
//!
//! A `oauth_lifecycle::TokenSource` asks [`Clock::recent`] on every call whether its token is still
//! fresh. For the [`SystemClock`] that is a plain atomic load of a process-wide reading that
//! one background thread renews every [`RECENT_TICK`]: a wall-clock read costs about as much
//! as the rest of the fresh path, and one thread for the whole process costs nothing per
//! connection (no timer, task or alarm per token).

use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> SystemTime;

    /// Now, possibly behind by a small bound the clock documents (never ahead): what a token
    /// source compares due times with on every call. Defaults to [`Clock::now`].
    fn recent(&self) -> SystemTime {
        self.now()
    }

    /// [`Clock::recent`] in unix milliseconds (0 before the epoch): what the fresh path
    /// compares, without time arithmetic.
    fn recent_ms(&self) -> u64 {
        unix_ms(self.recent())
    }
}

/// How often the [`SystemClock`]'s background thread renews [`Clock::recent`]: the most that
/// reading lags the wall clock while the thread runs.
pub const RECENT_TICK: Duration = Duration::from_millis(100);

/// The system's wall clock.
///
/// [`Clock::recent`] reads a value that a background thread (`oauth-recent-clock`, started on
/// first use, one per process) renews every [`RECENT_TICK`]. The thread sleeps on the
/// monotonic clock and reads the wall clock when it wakes, so after a suspend or a clock step
/// the reading is right again within one tick of the thread running. If the thread cannot be
/// started, `recent` reads the wall clock itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// Unix milliseconds as last read by the ticker; 0 until it started.
static RECENT_MS: AtomicU64 = AtomicU64::new(0);
/// Whether the ticker runs (`false`: it could not be started).
static TICKER: OnceLock<bool> = OnceLock::new();

fn unix_ms(at: SystemTime) -> u64 {
    at.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

fn ticker_started() -> bool {
    *TICKER.get_or_init(|| {
        let started = std::thread::Builder::new()
            .name("oauth-recent-clock".into())
            .spawn(|| {
                loop {
                    RECENT_MS.store(unix_ms(SystemTime::now()), Ordering::Relaxed);
                    std::thread::sleep(RECENT_TICK);
                }
            })
            .is_ok();
        if started {
            // Not left at 0 until the thread first runs.
            RECENT_MS.store(unix_ms(SystemTime::now()), Ordering::Relaxed);
        }
        started
    })
}

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn recent(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.recent_ms())
    }

    #[inline]
    fn recent_ms(&self) -> u64 {
        // Truncated to the millisecond, so never ahead of the wall clock it was read from; 0
        // only until the ticker has started (or when it cannot be).
        match RECENT_MS.load(Ordering::Relaxed) {
            0 if !ticker_started() => unix_ms(SystemTime::now()),
            0 => RECENT_MS.load(Ordering::Relaxed),
            ms => ms,
        }
    }
}

/// A clock that moves only when told: for tests of expiry and refresh timing.
pub struct ManualClock {
    millis: AtomicU64,
}

impl ManualClock {
    /// A clock reading `start` (to the millisecond).
    pub fn new(start: SystemTime) -> Self {
        Self {
            millis: AtomicU64::new(unix_ms(start)),
        }
    }

    /// Moves the clock forward by `by` (to the millisecond; saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self
            .millis
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                Some(m.saturating_add(by))
            });
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        let millis = self.millis.load(Ordering::SeqCst);
        UNIX_EPOCH
            .checked_add(Duration::from_millis(millis))
            .unwrap_or(UNIX_EPOCH)
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ManualClock").field(&self.now()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recent_reading_is_never_ahead_and_at_most_a_few_ticks_behind() {
        let before = SystemTime::now();
        let recent = SystemClock.recent();
        // The ticker's first reading is taken as it starts, so it is never older than `before`
        // by more than a tick (plus scheduling on a loaded machine).
        let behind = before.duration_since(recent).unwrap_or(Duration::ZERO);
        assert!(behind <= RECENT_TICK * 50, "{behind:?} behind");
        assert!(recent <= SystemTime::now());
    }

    #[test]
    fn the_recent_reading_moves_with_the_wall_clock() {
        let first = SystemClock.recent();
        // Bounded: 200 ticks at most, on a machine that stalls.
        let moved = (0..200).any(|_| {
            std::thread::sleep(RECENT_TICK);
            SystemClock.recent() > first
        });
        assert!(moved, "the background reading never moved");
    }

    #[test]
    fn a_manual_clock_moves_only_when_advanced_and_saturates() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(100));
        assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(100));
        assert_eq!(clock.recent(), clock.now());
        clock.advance(Duration::from_secs(5));
        assert_eq!(clock.now(), UNIX_EPOCH + Duration::from_secs(105));
        clock.advance(Duration::MAX);
        let _ = clock.now();
    }
}
