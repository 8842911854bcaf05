//! Times as a [`Token`](crate::Token) holds them: checked arithmetic, a lifetime ceiling, and a
//! range that the stored form (unix milliseconds in a `u64`) represents exactly.
//!
//! Servers send lifetimes and epochs of any size (`expires_in: 1e19`). Adding those to a
//! [`SystemTime`] with `+` panics, and a panic in a token source loses the rotated refresh token
//! that came with them, so every sum here saturates instead, and a lifetime over
//! [`MAX_LIFETIME`] counts as that: a token that claims to live longer than a century is taken
//! to live a century.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The longest lifetime a token is taken to have: 100 years (of 365.25 days). Longer lifetimes
/// and expiries further than this from receipt are clamped to it.
pub const MAX_LIFETIME: Duration = Duration::from_secs(36_525 * 24 * 60 * 60);

/// 9999-12-31T23:59:59.999Z in unix milliseconds: the ceiling on platforms whose [`SystemTime`]
/// ends before `u64::MAX` milliseconds (Windows ends in the year 30828).
const YEAR_9999_MS: u64 = 253_402_300_799_999;

/// The latest time a token holds: `u64::MAX` unix milliseconds (the stored form's largest
/// value) where the platform's [`SystemTime`] reaches it, else the end of the year 9999.
/// Every time up to it survives the stored form unchanged (at millisecond precision).
#[inline]
pub fn latest() -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(u64::MAX))
        .or_else(|| UNIX_EPOCH.checked_add(Duration::from_millis(YEAR_9999_MS)))
        // Every platform Rust supports represents the year 9999 (the narrowest, Windows,
        // ends in 30828); the epoch is a fallback that cannot be reached.
        .unwrap_or(UNIX_EPOCH)
}

/// `t` moved into `[UNIX_EPOCH, latest()]`.
#[inline]
pub fn clamp(t: SystemTime) -> SystemTime {
    if t < UNIX_EPOCH {
        UNIX_EPOCH
    } else {
        t.min(latest())
    }
}

/// `start + lifetime`, with the lifetime clamped to [`MAX_LIFETIME`] and the sum to
/// [`latest`]: never panics.
#[inline]
pub fn after(start: SystemTime, lifetime: Duration) -> SystemTime {
    start
        .checked_add(lifetime.min(MAX_LIFETIME))
        .map_or_else(latest, clamp)
}

/// A unix time in seconds, saturating at [`latest`].
pub fn from_unix_secs(secs: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .map_or_else(latest, clamp)
}

/// A unix time in milliseconds, saturating at [`latest`] (exact for every value on platforms
/// where `latest()` is `u64::MAX` milliseconds).
pub fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .map_or_else(latest, clamp)
}

/// `t` in unix milliseconds (sub-millisecond precision dropped), saturating: `0` before the
/// epoch, `u64::MAX` past it; never wraps. The inverse of [`from_unix_ms`] on `[0, latest()]`.
pub fn to_unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_saturate_instead_of_panicking() {
        let now = from_unix_secs(1_800_000_000);
        assert_eq!(after(now, Duration::MAX), after(now, MAX_LIFETIME));
        assert_eq!(
            after(now, Duration::from_secs(3600)),
            from_unix_secs(1_800_003_600)
        );
        assert_eq!(after(latest(), Duration::from_secs(1)), latest());
        assert_eq!(from_unix_secs(u64::MAX), latest());
    }

    #[test]
    fn millisecond_form_round_trips_at_the_edges() {
        for ms in [0, 1, 1_700_000_000_123, YEAR_9999_MS, to_unix_ms(latest())] {
            assert_eq!(to_unix_ms(from_unix_ms(ms)), ms, "{ms}");
        }
        assert_eq!(to_unix_ms(UNIX_EPOCH - Duration::from_secs(1)), 0);
    }
}
