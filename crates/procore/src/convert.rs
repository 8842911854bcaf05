//! From the generated Procore types to oauth-core's.

use std::time::SystemTime;

use oauth_core::runtime::response::ErrorBody;
use oauth_core::{ErrorDetail, Extra, ServerError, Token, TokenType};
use serde::Deserialize;
use serde_json::Value;

use crate::generated::types;

/// Builds the unified token from a token response received at `now`, with the expiry counted
/// from `created_at` (the crate documentation says why), or from `now` when the server's clock
/// and ours disagree about it.
pub(crate) fn token(response: types::TokenResponse, now: SystemTime) -> Token {
    let mut extra = Extra::from(response.extra);
    if let Some(created) = response.created_at {
        extra.insert("created_at", Value::from(created.0));
    }
    let expires_at = response.expires_in.map(|lifetime| {
        // Saturating sums: `expires_in` and `created_at` may be absurd (`1e19`).
        let lifetime = lifetime.duration();
        let from_receipt = oauth_core::runtime::time::after(now, lifetime);
        match response.created_at.map(|c| c.time()) {
            Some(created)
                if created <= now && oauth_core::runtime::time::after(created, lifetime) > now =>
            {
                oauth_core::runtime::time::after(created, lifetime)
            }
            _ => from_receipt,
        }
    });
    Token::new(response.access_token, now)
        .with_token_type(TokenType::parse(response.token_type.as_deref()))
        .with_expires_at(expires_at)
        .with_refresh_token(response.refresh_token)
        .with_scope_string(response.scope)
        .with_extra(extra)
}

/// The error a token-info answer reports instead of the info: every field of the info is
/// optional, so an error body in a 200 decodes as an info without any, its fields landing in
/// `extra`. An answer carrying any field of the info is an info.
pub(crate) fn error_in_token_info(info: &types::TokenInfo) -> Option<ServerError> {
    let has_info = info.resource_owner_id.is_some()
        || info.application.is_some()
        || info.expires_in_seconds.is_some()
        || info.created_at.is_some()
        || !info.scopes.is_empty();
    if has_info {
        return None;
    }
    let body = types::Error::deserialize(&Value::Object(info.extra.clone())).ok()?;
    body.reports_error().then(|| body.into_server_error(200))
}

impl ErrorBody for types::Error {
    fn reports_error(&self) -> bool {
        self.error.is_some()
            || self.error_description.is_some()
            || self.code.is_some()
            || self.message.is_some()
            || self.reason.is_some()
    }

    /// RFC 6749 bodies give the code and description. Procore's general shape gives its own
    /// `code`, `message`, `reason` and `fields`: they become one [`ErrorDetail`] (`code` and
    /// `reason` joined by a space as its code, the field names as its target), and the
    /// description is the `error` sentence, else the message.
    fn into_server_error(self, status: u16) -> ServerError {
        let (code, sentence) = match self.error {
            Some(e) if oauth_core::ErrorCode::from_code_like(&e).is_some() => (Some(e), None),
            other => (None, other),
        };
        let detail_code = match (self.code.map(|c| c.to_string()), self.reason) {
            (Some(c), Some(r)) => Some(format!("{c} {r}")),
            (Some(c), None) => Some(c),
            (None, reason) => reason,
        };
        let description = self
            .error_description
            .or(sentence)
            .or_else(|| self.message.clone());
        let details = if detail_code.is_some() || self.message.is_some() || self.fields.is_some() {
            vec![ErrorDetail::new(
                detail_code,
                self.message,
                self.fields.as_ref().and_then(field_names),
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

/// The names in `fields`: the string itself, a list of names, or an object's keys. Never the
/// values of an object: they may echo what was sent.
fn field_names(fields: &Value) -> Option<String> {
    let names: Vec<&str> = match fields {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        Value::Object(map) => map.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    let names: Vec<&str> = names.into_iter().filter(|n| !n.is_empty()).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use oauth_core::runtime::wire::{EpochSeconds, Seconds};
    use oauth_core::{AccessToken, ErrorCode};

    use super::*;

    fn response(created_at: Option<u64>, expires_in: Option<u64>) -> types::TokenResponse {
        types::TokenResponse {
            access_token: AccessToken::new("a"),
            created_at: created_at.map(EpochSeconds),
            expires_in: expires_in.map(Seconds),
            refresh_token: None,
            scope: None,
            token_type: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn expiry_counts_from_created_at_unless_the_clocks_disagree() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let at = |r| token(r, now).expires_at();
        let secs = |s| Some(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(response(Some(999_990), Some(5400))), secs(1_005_390));
        assert_eq!(at(response(Some(1_000_000), Some(5400))), secs(1_005_400));
        // Issued "after" receipt: our clock is behind.
        assert_eq!(at(response(Some(1_000_060), Some(5400))), secs(1_005_400));
        // Expired before it arrived: our clock is ahead.
        assert_eq!(at(response(Some(990_000), Some(5400))), secs(1_005_400));
        assert_eq!(at(response(None, Some(5400))), secs(1_005_400));
        assert_eq!(at(response(Some(999_990), None)), None);
    }

    #[test]
    fn general_shape_keeps_every_field() {
        let body: types::Error = serde_json::from_str(
            r#"{"code":401,"message":"Unauthorized","reason":"token_expired",
                "fields":"access_token","error":"Invalid Token"}"#,
        )
        .unwrap();
        let e = body.into_server_error(401);
        assert_eq!(e.code, None);
        assert_eq!(e.description.as_deref(), Some("Invalid Token"));
        assert_eq!(
            e.details,
            [ErrorDetail::new(
                Some("401 token_expired".into()),
                Some("Unauthorized".into()),
                Some("access_token".into())
            )]
        );
        let body: types::Error =
            serde_json::from_str(r#"{"code":"E42","fields":{"name":["secret-value"],"title":[]}}"#)
                .unwrap();
        let e = body.into_server_error(422);
        assert_eq!(
            e.details,
            [ErrorDetail::new(
                Some("E42".into()),
                None,
                Some("name, title".into())
            )]
        );
        let body: types::Error =
            serde_json::from_str(r#"{"fields":["a","b"],"reason":"bad"}"#).unwrap();
        assert_eq!(
            body.into_server_error(400).details[0].target.as_deref(),
            Some("a, b")
        );
        let body: types::Error =
            serde_json::from_str(r#"{"error":"invalid_grant","message":"Revoked"}"#).unwrap();
        let e = body.into_server_error(400);
        assert_eq!(e.code, Some(ErrorCode::InvalidGrant));
        assert_eq!(e.description.as_deref(), Some("Revoked"));
    }
}
