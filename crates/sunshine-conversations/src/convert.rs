//! From the generated Sunshine Conversations types to oauth-core's.

use std::time::SystemTime;

use oauth_core::response::ErrorBody;
use oauth_core::{ErrorDetail, ServerError, Token, TokenType};

use crate::generated::types;

/// Builds the unified token from a token response received at `now`. Sunshine tokens never
/// expire and come without a refresh token: they are valid until revoked.
pub(crate) fn token(response: types::GetTokenResponse, now: SystemTime) -> Token {
    Token::new(response.access_token, now)
        .with_token_type(TokenType::parse(response.token_type.as_deref()))
        .with_extra(response.extra)
}

impl ErrorBody for types::ErrorResponse {
    fn reports_error(&self) -> bool {
        !self.errors.is_empty()
    }

    /// Sunshine's `errors[].code` values (`unauthorized`, `bad_request`) are its own, not
    /// RFC 6749 codes: they go in the details, the first title in the description.
    fn into_server_error(self, status: u16) -> ServerError {
        let description = self.errors.first().and_then(|e| e.title.clone());
        let details = self
            .errors
            .into_iter()
            .map(|e| ErrorDetail::new(e.code, e.title, None))
            .collect();
        ServerError::from_status(status)
            .with_description(description)
            .with_details(details)
    }
}
