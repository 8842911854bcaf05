//! From the generated Procore types to oauth-core's.

use std::time::SystemTime;

use oauth_core::response::ErrorBody;
use oauth_core::{ErrorDetail, ServerError, Token, TokenType};
use serde_json::Value;

use crate::generated::types;

/// Builds the unified token from a token response received at `now`.
///
/// Procore says when it issued the token (`created_at`); the expiry is counted from there, so a
/// response that spent time in queues or retries is not taken to live longer than it does.
/// Without `created_at` it is counted from receipt.
pub(crate) fn token(response: types::TokenResponse, now: SystemTime) -> Token {
    let mut extra = response.extra;
    if let Some(created) = response.created_at {
        extra.insert("created_at".into(), Value::from(created.0));
    }
    let lifetime = response.expires_in.map(|s| s.duration());
    let start = response.created_at.map(|c| c.time()).unwrap_or(now);
    Token::new(response.access_token, now)
        .with_token_type(TokenType::parse(response.token_type.as_deref()))
        .with_expires_at(lifetime.map(|d| start + d))
        .with_refresh_token(response.refresh_token)
        .with_scope_string(response.scope.as_deref())
        .with_extra(extra)
}

/// Whether `error` is an RFC 6749 code (`invalid_grant`) rather than a sentence
/// (`Invalid Token`): Procore uses the field for both.
fn is_oauth_code(error: &str) -> bool {
    !error.is_empty() && error.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

impl ErrorBody for types::Error {
    fn reports_error(&self) -> bool {
        self.error.is_some() || self.code.is_some() || self.message.is_some()
    }

    fn into_server_error(self, status: u16) -> ServerError {
        let (code, sentence) = match self.error {
            Some(e) if is_oauth_code(&e) => (Some(e), None),
            other => (None, other),
        };
        let description = self.error_description.or(sentence).or(self.message.clone());
        let details = if self.code.is_some() || self.message.is_some() || self.reason.is_some() {
            vec![ErrorDetail::new(
                self.code.map(|c| c.to_string()).or(self.reason),
                self.message,
                self.fields,
            )]
        } else {
            Vec::new()
        };
        ServerError::from_status(status)
            .with_code(code.as_deref())
            .with_description(description)
            .with_details(details)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_codes_and_sentences_are_told_apart() {
        assert!(is_oauth_code("invalid_grant"));
        assert!(!is_oauth_code("Invalid Token"));
        assert!(!is_oauth_code(""));
    }
}
