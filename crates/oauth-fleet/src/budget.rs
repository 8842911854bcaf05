//! A request budget for one provider token endpoint, shared by every refresh a worker sends.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// At most `limit` refresh requests per `period` from this worker, evenly paced (a request
/// every `period / limit`, never a burst, a cold start included), and none at all until a
/// `Retry-After` the provider sent has passed.
///
/// The budget is per process: with `n` workers, give each `1/n` of the provider's limit
/// (RingCentral documents its auth requests in a small rate-limit group:
/// `shared/reference/README.md`, "Token lifetimes and refresh rules").
#[derive(Debug)]
pub struct Budget {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

impl Budget {
    /// `limit` requests per second (at least one).
    pub fn per_second(limit: u32) -> Self {
        Self::per(limit, Duration::from_secs(1))
    }

    /// `limit` requests per minute (at least one).
    pub fn per_minute(limit: u32) -> Self {
        Self::per(limit, Duration::from_secs(60))
    }

    /// `limit` requests per `period` (at least one per period).
    pub fn per(limit: u32, period: Duration) -> Self {
        Self {
            interval: period / limit.max(1),
            next: Mutex::new(None),
        }
    }

    /// No limit (tests, benchmarks).
    pub fn unlimited() -> Self {
        Self {
            interval: Duration::ZERO,
            next: Mutex::new(None),
        }
    }

    /// The pause between two requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for this request's turn.
    pub async fn acquire(&self) {
        let turn = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let turn = next.map_or(now, |at| at.max(now));
            *next = Some(turn.checked_add(self.interval).unwrap_or(turn));
            turn
        };
        tokio::time::sleep_until(turn).await;
    }

    /// Sends nothing more until `after` has passed (a `Retry-After`).
    pub fn pause(&self, after: Duration) {
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        let until = now.checked_add(after).unwrap_or(now);
        *next = Some(next.map_or(until, |at| at.max(until)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_paced_and_a_retry_after_holds_them() {
        let budget = Budget::per_second(4);
        let start = Instant::now();
        for _ in 0..5 {
            budget.acquire().await;
        }
        // The first goes at once, each next one 250 ms later: no burst on a cold start.
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
        budget.pause(Duration::from_secs(10));
        budget.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(11));
    }
}
