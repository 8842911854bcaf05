//! From the generated Cal.com types to oauth-core's.

use std::time::{Duration, SystemTime};

use oauth_core::{Token, TokenType};

use crate::generated::types;

/// Cal.com's documented access token lifetime ("valid for 60 minutes"), counted from receipt
/// when the answer has no usable `accessTokenExpiresAt`.
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Builds the unified token from a keys answer received at `now`.
///
/// `accessTokenExpiresAt` and `refreshTokenExpiresAt` (epoch milliseconds, sent by current
/// servers) are the absolute expiries. Without `accessTokenExpiresAt` (older servers), the
/// access token expires [`ACCESS_TOKEN_LIFETIME`] after receipt; without
/// `refreshTokenExpiresAt` the refresh token's expiry is unknown (`None`), although Cal.com
/// documents one year. Cal.com sends no token type (its tokens are bearer tokens) and no scopes.
/// Fields of `data` and of the envelope this client does not know are kept in [`Token::extra`].
pub(crate) fn token(response: types::KeysResponseDto, now: SystemTime) -> Token {
    let keys = response.data;
    let expires_at = match keys.access_token_expires_at.map(|ms| ms.time()) {
        // An expiry at or before receipt cannot be right for a token just issued: the server's
        // clock and ours disagree (or the unit is not milliseconds). Taken as it is, the token
        // would look expired forever and every use would refresh, so the documented lifetime
        // is counted from receipt instead.
        Some(at) if at > now => at,
        _ => oauth_core::runtime::time::after(now, ACCESS_TOKEN_LIFETIME),
    };
    let mut extra = keys.extra;
    for (name, value) in response.extra {
        extra.entry(name).or_insert(value);
    }
    Token::new(keys.access_token, now)
        .with_token_type(TokenType::Bearer)
        .with_expires_at(Some(expires_at))
        .with_refresh_token(Some(keys.refresh_token))
        .with_refresh_token_expires_at(keys.refresh_token_expires_at.map(|ms| ms.time()))
        .with_extra(extra)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;

    /// A clock read at the last second `SystemTime` holds here, found without overflowing.
    fn end_of_time() -> SystemTime {
        let mut at = UNIX_EPOCH;
        let mut step = Duration::from_secs(1 << 62);
        while step > Duration::ZERO {
            if let Some(later) = at.checked_add(step) {
                at = later;
            } else {
                step /= 2;
            }
        }
        at
    }

    #[test]
    fn the_documented_lifetime_from_a_clock_at_the_end_of_time_clamps() {
        let keys: types::KeysResponseDto = serde_json::from_value(serde_json::json!({
            "status": "success",
            "data": { "accessToken": "at", "refreshToken": "rt" }
        }))
        .unwrap();
        let now = end_of_time();
        assert!(now.checked_add(ACCESS_TOKEN_LIFETIME).is_none());
        let token = token(keys, now);
        assert_eq!(
            token.expires_at(),
            Some(oauth_core::runtime::time::latest())
        );
    }
}
