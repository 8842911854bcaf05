//! What a test of many connections needs from the fake beyond the wire: grants made directly
//! (as if consented at some earlier time, without a browser round trip each), and the rate
//! at which requests arrived.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use super::{Grants, new_grant};
use crate::values::Issued;

/// The (monotonic) arrival time of every request.
#[derive(Debug, Default)]
pub(super) struct Meter {
    arrivals: Mutex<Vec<Instant>>,
}

impl Meter {
    pub(super) fn record(&self) {
        self.arrivals
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Instant::now());
    }

    /// The most arrivals within any span of `window`.
    fn peak(&self, window: Duration) -> usize {
        let arrivals = self.arrivals.lock().unwrap_or_else(|p| p.into_inner());
        let mut start = 0;
        let mut peak = 0;
        // Arrivals are pushed in order under one lock, so they are sorted.
        for (end, at) in arrivals.iter().enumerate() {
            while at.duration_since(arrivals[start]) >= window {
                start += 1;
            }
            peak = peak.max(end + 1 - start);
        }
        peak
    }
}

impl Grants {
    /// Reuse detection (RFC 9700 §4.14.2): with it on, a refresh token presented again after
    /// its use revokes its whole grant, as a server that suspects theft does. Off by default
    /// (the reuse is refused either way, and counted in `Counts::reused`).
    pub fn set_revoke_on_reuse(&self, on: bool) {
        self.revoke_on_reuse
            .store(on, std::sync::atomic::Ordering::SeqCst);
    }

    /// A grant for `client_id` issued at `issued_at` (on the fake's clock, possibly in the
    /// past), with tokens of the lifetimes in force: a connection made earlier, without the
    /// authorization step. Counted as issued, not as a code exchange.
    pub fn issue_grant_at(&self, client_id: &str, issued_at: SystemTime) -> Issued {
        let mut state = self.state();
        let grant = new_grant(&mut state, client_id.to_owned(), self.subject.clone(), None);
        self.issue(&mut state, grant, true, issued_at)
    }

    /// The most requests that arrived within any span of `window` (real time), as the server
    /// read them: what a rate budget must keep the token endpoint below.
    pub fn request_peak(&self, window: Duration) -> usize {
        self.meter.peak(window)
    }

    /// Records a request's arrival (the server calls it for every request it reads).
    pub(crate) fn note_request(&self) {
        self.meter.record();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::values::Lifetimes;
    use oauth_core::{Clock, ManualClock};

    #[test]
    fn a_reused_refresh_token_revokes_its_grant_and_is_counted() {
        let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(1 << 30)));
        let grants = Grants::new(clock.clone(), Lifetimes::default(), "user".into());
        grants.register_client("app", None);
        grants.set_revoke_on_reuse(true);
        let first = grants.issue_grant_at("app", clock.now());
        let old = first.refresh_token.unwrap();
        let next = grants.refresh("app", &old).unwrap();
        assert!(grants.refresh("app", &old).is_err());
        assert_eq!(grants.counters.snapshot().reused, 1);
        // The thief's reuse also ends the legitimate holder's grant.
        let live = next.refresh_token.unwrap();
        assert!(grants.refresh("app", &live).is_err());
        assert_eq!(grants.live_grants(), 0);
    }

    #[test]
    fn a_grant_issued_in_the_past_lapses_on_its_own_schedule() {
        let clock = Arc::new(ManualClock::new(UNIX_EPOCH + Duration::from_secs(1 << 30)));
        let grants = Grants::new(clock.clone(), Lifetimes::default(), "user".into());
        let week = Lifetimes::default().refresh.unwrap();
        let issued = grants.issue_grant_at("app", clock.now() - week + Duration::from_secs(60));
        let token = issued.refresh_token.unwrap();
        clock.advance(Duration::from_secs(61));
        assert!(grants.refresh("app", &token).is_err());
        assert_eq!(grants.counters.snapshot().refresh_expired, 1);
    }

    #[test]
    fn the_peak_counts_arrivals_within_one_window() {
        let meter = Meter::default();
        for _ in 0..5 {
            meter.record();
        }
        assert_eq!(meter.peak(Duration::from_secs(3600)), 5);
        assert!(meter.peak(Duration::from_nanos(1)) >= 1);
    }
}
