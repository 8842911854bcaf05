//! Time, injectable so that expiry logic can be tested without sleeping, and alarms, so that a
//! token source need not read the clock on every call.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now(&self) -> SystemTime;

    /// Rings `alarm` once [`Clock::now`] reads `at` or later (at once if it already does).
    ///
    /// A [`crate::TokenSource`] arms one alarm per token, for the moment the token is due, so
    /// that handing out a fresh token needs no clock read. A clock that cannot ring alarms
    /// gives the alarm back (`Err`, the default): the source then reads [`Clock::now`] on every
    /// call instead. A clock that accepts an alarm must never ring it later than `at` by its
    /// own reading by more than a small, documented bound; ringing early is safe (the source
    /// then checks the time itself).
    fn set_alarm(&self, at: SystemTime, alarm: Alarm) -> Result<(), Alarm> {
        let _ = at;
        Err(alarm)
    }
}

/// The longest a [`SystemClock`] alarm sleeps before it reads the wall clock again.
///
/// Timers run on the monotonic clock, which stands still while the machine is suspended: one
/// long sleep armed before a suspend would let an expired token look fresh for the whole sleep
/// after resuming. Bounded steps, each checked against the wall clock, bound that to this
/// interval (and also follow the wall clock when it is stepped).
pub const SYSTEM_ALARM_RECHECK: Duration = Duration::from_secs(5);

/// The system's wall clock.
///
/// Its alarms are tokio tasks (so they need a tokio runtime with timers, as the token source's
/// retries do) that sleep in steps of at most [`SYSTEM_ALARM_RECHECK`] and ring when the wall
/// clock has reached their time: at most that long late after a suspend or a clock step. An
/// alarm whose task is dropped (its runtime shut down) rings as it is dropped.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }

    fn set_alarm(&self, at: SystemTime, alarm: Alarm) -> Result<(), Alarm> {
        // Due already: ring before returning, as the contract says. A task would ring it only
        // after the caller's next fresh-path check, which would hand out an expired token.
        if at <= SystemTime::now() {
            alarm.ring();
            return Ok(());
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return Err(alarm);
        };
        runtime.spawn(async move {
            while !alarm.is_abandoned() {
                match at.duration_since(SystemTime::now()) {
                    Ok(left) if !left.is_zero() => {
                        tokio::time::sleep(left.min(SYSTEM_ALARM_RECHECK)).await;
                    }
                    _ => break,
                }
            }
            alarm.ring();
        });
        Ok(())
    }
}

/// A one-shot signal from a [`Clock`] to whoever waits for a point in time.
///
/// Dropping an alarm that has not rung rings it: an alarm that can no longer go off at its
/// time (its timer was dropped with its runtime, say) must not leave a token looking fresh.
pub struct Alarm {
    flag: Weak<AlarmFlag>,
}

/// What an [`Alarm`] sets when it rings.
///
/// It has a cache line to itself: every fresh `access_token()`, on every thread, reads it, and a
/// neighbour that some thread writes would make each of those reads a cache miss.
#[repr(align(64))]
#[derive(Debug, Default)]
pub struct AlarmFlag(AtomicBool);

impl AlarmFlag {
    /// A flag that has not rung.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether its alarm rang (or was dropped without ringing).
    #[inline]
    pub fn has_rung(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl Alarm {
    /// An alarm that sets `flag` when it rings.
    pub fn new(flag: &Arc<AlarmFlag>) -> Self {
        Self {
            flag: Arc::downgrade(flag),
        }
    }

    /// Rings it now.
    pub fn ring(self) {
        drop(self);
    }

    /// Whether nobody waits for it any more (its flag is gone): a timer may stop early.
    pub fn is_abandoned(&self) -> bool {
        self.flag.strong_count() == 0
    }

    /// Forgets it without ringing: for a clock that gave it back.
    pub(crate) fn disarm(mut self) {
        self.flag = Weak::new();
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        if let Some(flag) = self.flag.upgrade() {
            flag.0.store(true, Ordering::Release);
        }
    }
}

impl fmt::Debug for Alarm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Alarm")
            .field("abandoned", &self.is_abandoned())
            .finish()
    }
}

/// A clock that moves only when told to; for tests. Its alarms ring inside
/// [`ManualClock::advance`], before it returns.
pub struct ManualClock {
    millis: AtomicU64,
    /// Pending alarms; also serialises `advance` with `set_alarm` so none is missed.
    alarms: Mutex<Vec<(SystemTime, Alarm)>>,
}

impl ManualClock {
    /// A clock showing `start` (to the millisecond; before the epoch reads as the epoch).
    pub fn new(start: SystemTime) -> Self {
        let millis = start
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0);
        Self {
            millis: AtomicU64::new(millis),
            alarms: Mutex::new(Vec::new()),
        }
    }

    /// Moves the clock forward, ringing every alarm it passes.
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let rung: Vec<Alarm> = {
            let mut alarms = self.alarms.lock().unwrap_or_else(|p| p.into_inner());
            let _ = self
                .millis
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |m| {
                    Some(m.saturating_add(by))
                });
            let now = self.now();
            let (due, pending) = std::mem::take(&mut *alarms)
                .into_iter()
                .partition(|(at, _)| *at <= now);
            *alarms = pending;
            due.into_iter().map(|(_, alarm)| alarm).collect()
        };
        // Rung outside the lock: ringing is a store, but keep the lock short regardless.
        drop(rung);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.millis.load(Ordering::SeqCst))
    }

    fn set_alarm(&self, at: SystemTime, alarm: Alarm) -> Result<(), Alarm> {
        let mut alarms = self.alarms.lock().unwrap_or_else(|p| p.into_inner());
        if at <= self.now() {
            drop(alarms);
            alarm.ring();
        } else {
            alarms.retain(|(_, a)| !a.is_abandoned());
            alarms.push((at, alarm));
        }
        Ok(())
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

    #[tokio::test]
    async fn a_system_alarm_already_due_rings_before_set_alarm_returns() {
        let flag = Arc::new(AlarmFlag::new());
        SystemClock
            .set_alarm(
                SystemTime::now() - Duration::from_secs(1),
                Alarm::new(&flag),
            )
            .unwrap();
        assert!(flag.has_rung());
    }

    #[test]
    fn manual_alarms_ring_when_passed_and_dropped_alarms_ring() {
        let clock = ManualClock::new(UNIX_EPOCH + Duration::from_secs(100));
        let flag = Arc::new(AlarmFlag::new());
        clock
            .set_alarm(UNIX_EPOCH + Duration::from_secs(110), Alarm::new(&flag))
            .unwrap();
        clock.advance(Duration::from_secs(9));
        assert!(!flag.has_rung());
        clock.advance(Duration::from_secs(1));
        assert!(flag.has_rung());

        let past = Arc::new(AlarmFlag::new());
        clock.set_alarm(UNIX_EPOCH, Alarm::new(&past)).unwrap();
        assert!(past.has_rung());

        let dropped = Arc::new(AlarmFlag::new());
        drop(Alarm::new(&dropped));
        assert!(dropped.has_rung());

        let disarmed = Arc::new(AlarmFlag::new());
        Alarm::new(&disarmed).disarm();
        assert!(!disarmed.has_rung());
    }

    #[test]
    fn a_clock_without_alarms_gives_them_back() {
        struct Plain;
        impl Clock for Plain {
            fn now(&self) -> SystemTime {
                UNIX_EPOCH
            }
        }
        let flag = Arc::new(AlarmFlag::new());
        let back = Plain.set_alarm(UNIX_EPOCH, Alarm::new(&flag)).unwrap_err();
        back.disarm();
        assert!(!flag.has_rung());
        // No runtime: the system clock cannot run a timer for a future time either (one that
        // is due already rings at once, runtime or not).
        let later = SystemTime::now() + Duration::from_secs(3600);
        assert!(SystemClock.set_alarm(later, Alarm::new(&flag)).is_err());
    }
}
