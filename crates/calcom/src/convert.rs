//! From the generated Cal.com types to oauth-core's.

use std::time::{Duration, SystemTime};

use oauth_core::response::ErrorBody;
use oauth_core::{ErrorDetail, ServerError, Token, TokenType};

use crate::generated::types;

/// Cal.com's documented access token lifetime, used when the server does not send
/// `accessTokenExpiresAt` (older deployments).
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);

/// Builds the unified token from a keys response received at `now`.
///
/// Newer servers send the absolute expiries in epoch milliseconds; they are used as they are.
pub(crate) fn token(response: types::KeysResponseDto, now: SystemTime) -> Token {
    let keys = response.data;
    let expires_at = keys
        .access_token_expires_at
        .map(|ms| ms.time())
        .unwrap_or(now + ACCESS_TOKEN_LIFETIME);
    let mut extra = keys.extra;
    extra.extend(response.extra);
    Token::new(keys.access_token, now)
        .with_token_type(TokenType::Bearer)
        .with_expires_at(Some(expires_at))
        .with_refresh_token(Some(keys.refresh_token))
        .with_refresh_token_expires_at(keys.refresh_token_expires_at.map(|ms| ms.time()))
        .with_extra(extra)
}

impl ErrorBody for types::ErrorResponse {
    fn reports_error(&self) -> bool {
        self.status.as_deref() == Some("error") || self.error.is_some()
    }

    /// Cal.com's codes are exception names (`BadRequestException`), not RFC 6749 codes: they
    /// go in the details, the message in the description.
    fn into_server_error(self, status: u16) -> ServerError {
        let (description, details) = match self.error {
            Some(e) => (
                e.message.clone(),
                vec![ErrorDetail::new(e.code, e.message, None)],
            ),
            None => (None, Vec::new()),
        };
        ServerError::from_status(status)
            .with_description(description)
            .with_details(details)
    }
}
