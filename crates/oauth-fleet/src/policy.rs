//! When a connection must be refreshed although nobody uses it: each provider's documented
//! refresh-token lifetime, minus a margin.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, SystemTime};

use oauth_core::Token;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// A per-provider keep-alive policy.
///
/// The due time is `margin` (plus a spread of up to a quarter of it, fixed per connection key)
/// before the refresh token lapses: the lapse the token itself states
/// (`refresh_token_expires_at`), else its receipt plus the provider's documented lifetime.
/// A connection whose grant was refused, or that holds no refresh token, is never due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeepAlive {
    /// Nothing to keep alive: the token never lapses from disuse, or refreshing an idle
    /// connection would only spend it.
    Never,
    /// Refresh before the refresh token lapses.
    BeforeRefreshExpiry {
        /// How long before the lapse the connection is due (spread earlier by up to a quarter).
        margin: Duration,
        /// The lifetime assumed when the token does not state its refresh token's expiry.
        assumed_lifetime: Option<Duration>,
    },
}

impl KeepAlive {
    /// RingCentral: refresh tokens last `refresh_token_ttl`, 7 days by default and at most
    /// 30 (`refresh_token_expires_in` in every token answer), and rotate on each refresh
    /// (RingCentral developer guide, "Refresh tokens"; RingCentral.Net `BaseTokenRequest`;
    /// `shared/reference/README.md`, "Token lifetimes and refresh rules"). One day of margin
    /// leaves room for a day's outage of the workers or the provider.
    pub const fn ringcentral() -> Self {
        Self::BeforeRefreshExpiry {
            margin: DAY,
            assumed_lifetime: Some(Duration::from_secs(7 * 24 * 3600)),
        }
    }

    /// Cal.com OAuth 2.0 (`/v2/auth/oauth2/token`): refresh tokens last 30 days, renewed by
    /// each refresh (`calcom/cal.com` `packages/features/oauth/services/OAuthService.ts`,
    /// `mintTokens`). Refreshed three days ahead.
    pub const fn calcom_oauth2() -> Self {
        Self::BeforeRefreshExpiry {
            margin: Duration::from_secs(3 * 24 * 3600),
            assumed_lifetime: Some(Duration::from_secs(30 * 24 * 3600)),
        }
    }

    /// Cal.com platform (managed users, deprecated): refresh tokens last one year and rotate
    /// (Cal.com docs, "Refresh managed user tokens"). Refreshed a week ahead.
    pub const fn calcom_platform() -> Self {
        Self::BeforeRefreshExpiry {
            margin: Duration::from_secs(7 * 24 * 3600),
            assumed_lifetime: Some(Duration::from_secs(365 * 24 * 3600)),
        }
    }

    /// Procore: a refresh token does not expire until used, and any refresh call spends it
    /// (`procore/documentation` `oauth/oauth_auth_grant_flow.md`, `additional_resources/faq.md`):
    /// an idle connection stays alive by being left alone.
    pub const fn procore() -> Self {
        Self::Never
    }

    /// Sunshine Conversations: tokens never expire and there is nothing to refresh (valid until
    /// revoked).
    pub const fn sunshine_conversations() -> Self {
        Self::Never
    }

    /// When the connection stored under `key` holding `token` must next be refreshed
    /// (`None`: never).
    pub fn next_refresh(&self, key: &str, token: &Token) -> Option<SystemTime> {
        let Self::BeforeRefreshExpiry {
            margin,
            assumed_lifetime,
        } = *self
        else {
            return None;
        };
        if token.refusal().is_some() {
            return None;
        }
        token.refresh_token()?;
        let lapses = token.refresh_token_expires_at().or_else(|| {
            assumed_lifetime.and_then(|lifetime| token.received_at().checked_add(lifetime))
        })?;
        let before = margin.saturating_add(spread(key, margin / 4));
        Some(lapses.checked_sub(before).unwrap_or(SystemTime::UNIX_EPOCH))
    }
}

/// A fixed share of `up_to` for `key`: connections made together (an import, a cold start)
/// fall due spread out, and the same connection keeps its place across reschedules.
fn spread(key: &str, up_to: Duration) -> Duration {
    let mut hasher = DefaultHasher::new();
    key.hash(&mut hasher);
    let millis = u64::try_from(up_to.as_millis()).unwrap_or(u64::MAX);
    match millis {
        0 => Duration::ZERO,
        m => Duration::from_millis(hasher.finish() % m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oauth_core::{AccessToken, RefreshToken, Refusal};

    fn token(received: SystemTime, refresh_lapse: Option<SystemTime>) -> Token {
        Token::new(AccessToken::new("at"), received)
            .with_refresh_token(Some(RefreshToken::new("rt")))
            .with_refresh_token_expires_at(refresh_lapse)
    }

    #[test]
    fn due_ahead_of_the_stated_lapse_within_the_spread() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 31);
        let lapse = now + 7 * DAY;
        for key in ["a", "b", "c", "d"] {
            let due = KeepAlive::ringcentral()
                .next_refresh(key, &token(now, Some(lapse)))
                .unwrap();
            assert!(due <= lapse - DAY && due >= lapse - DAY - DAY / 4, "{key}");
        }
    }

    #[test]
    fn the_documented_lifetime_when_the_token_does_not_say() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 31);
        let due = KeepAlive::calcom_oauth2()
            .next_refresh("k", &token(now, None))
            .unwrap();
        let lapse = now + 30 * DAY;
        assert!(due < lapse - 3 * DAY && due > now + 26 * DAY);
    }

    #[test]
    fn never_for_procore_sunshine_refused_or_refreshless_tokens() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1 << 31);
        let live = token(now, Some(now + DAY));
        assert_eq!(KeepAlive::procore().next_refresh("k", &live), None);
        assert_eq!(
            KeepAlive::sunshine_conversations().next_refresh("k", &live),
            None
        );
        let refusal = Refusal {
            error: "invalid_grant".into(),
            description: None,
            status: Some(400),
            at_ms: 0,
        };
        let refused = live.clone().with_refusal(Some(refusal));
        assert_eq!(KeepAlive::ringcentral().next_refresh("k", &refused), None);
        let bare = Token::new(AccessToken::new("at"), now);
        assert_eq!(KeepAlive::ringcentral().next_refresh("k", &bare), None);
    }
}
