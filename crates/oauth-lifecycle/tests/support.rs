//! What the token source tests share: a start time, tokens, a fast retry policy.

#![allow(dead_code, reason = "each test binary uses its own part")]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::{AccessToken, RefreshToken, Token};
use oauth_lifecycle::Renew;
use oauth_lifecycle::store::TokenStore;
use oauth_lifecycle::{RetryPolicy, TokenSource};

/// The instant every test's manual clock starts at.
pub fn t0() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A token received at `received`, living `ttl` seconds.
pub fn token(access: &str, refresh: Option<&str>, received: SystemTime, ttl: u64) -> Token {
    Token::new(AccessToken::new(access), received)
        .with_expires_in(Some(Duration::from_secs(ttl)))
        .with_refresh_token(refresh.map(RefreshToken::new))
}

/// Retries within milliseconds.
pub fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(2),
        max_retry_after: Duration::from_secs(1),
    }
}

/// The access token `s` hands out now (panics on an error).
pub async fn access<P: Renew, S: TokenStore>(s: &TokenSource<P, S>) -> String {
    s.access_token()
        .await
        .unwrap()
        .access_token()
        .secret()
        .to_owned()
}
