//! From the generated Sunshine Conversations types to oauth-core's.

use std::time::SystemTime;

use oauth_core::runtime::response::ErrorBody;
use oauth_core::{ErrorDetail, ServerError, Token, TokenType};
use serde_json::{Map, Value};

use crate::generated::types;

/// Builds the unified token from a token response received at `now`. Sunshine tokens never
/// expire and come without a refresh token: they are valid until revoked. Fields other than
/// `access_token` and `token_type` are kept in [`Token::extra`].
pub(crate) fn token(response: types::GetTokenResponse, now: SystemTime) -> Token {
    Token::new(response.access_token, now)
        .with_token_type(TokenType::parse(response.token_type.as_deref()))
        .with_extra(response.extra)
}

/// The error reported by a 2xx answer whose declared shape has only optional fields (token
/// info, revocation), so that an error body decodes as a success.
pub(crate) fn error_in_success(body: &Map<String, Value>) -> Option<ServerError> {
    if !body.contains_key("errors") && !body.contains_key("error") {
        return None;
    }
    let error: types::ErrorResponse = serde_json::from_value(Value::Object(body.clone())).ok()?;
    error.reports_error().then(|| error.into_server_error(200))
}

/// A string field of the error body outside Sunshine's documented `errors[]`.
fn text_field<'a>(extra: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    extra
        .get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

impl ErrorBody for types::ErrorResponse {
    fn reports_error(&self) -> bool {
        !self.errors.is_empty() || text_field(&self.extra, "error").is_some()
    }

    /// Sunshine documents `{errors: [{code, title}]}`: each entry becomes one
    /// [`ErrorDetail`] (its `code`, e.g. `unauthorized` or `bad_request`, is Sunshine's own
    /// and stays there), and the first title is the description.
    ///
    /// The OAuth bridge is an OAuth 2.0 server and may answer with RFC 6749 §5.2 fields
    /// instead; they are not in the spec (which follows the published one), so they are read
    /// from the body's other fields: `error` becomes the [`ServerError::code`] when it is a
    /// code (else a description), `error_description` a description and `error_uri` the URI.
    fn into_server_error(self, status: u16) -> ServerError {
        let error = text_field(&self.extra, "error");
        let code = error.filter(|e| oauth_core::ErrorCode::from_code_like(e).is_some());
        let sentence = error.filter(|e| oauth_core::ErrorCode::from_code_like(e).is_none());
        let description = self
            .errors
            .first()
            .and_then(|e| e.title.clone())
            .or_else(|| text_field(&self.extra, "error_description").map(str::to_owned))
            .or_else(|| sentence.map(str::to_owned));
        let uri = text_field(&self.extra, "error_uri").map(str::to_owned);
        let code = code.map(str::to_owned);
        let details = self
            .errors
            .into_iter()
            .map(|e| ErrorDetail::new(e.code, e.title, None))
            .collect();
        ServerError::from_status(status)
            .with_code(code.as_deref())
            .with_description(description)
            .with_uri(uri)
            .with_details(details)
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::ErrorCode;

    use super::*;

    fn error(body: &str, status: u16) -> ServerError {
        serde_json::from_str::<types::ErrorResponse>(body)
            .unwrap()
            .into_server_error(status)
    }

    #[test]
    fn every_entry_is_a_detail_and_the_first_title_the_description() {
        let e = error(
            r#"{"errors":[{"code":"bad_request","title":"Missing code"},
                          {"code":"invalid_grant","title":"Unknown client"}]}"#,
            400,
        );
        assert_eq!(e.code, None);
        assert_eq!(e.description.as_deref(), Some("Missing code"));
        assert_eq!(
            e.details,
            [
                ErrorDetail::new(
                    Some("bad_request".into()),
                    Some("Missing code".into()),
                    None
                ),
                ErrorDetail::new(
                    Some("invalid_grant".into()),
                    Some("Unknown client".into()),
                    None
                ),
            ]
        );
    }

    #[test]
    fn rfc6749_fields_are_read_when_present() {
        let e = error(
            r#"{"error":"invalid_grant","error_description":"Code expired","error_uri":"https://d.example/e"}"#,
            400,
        );
        assert_eq!(e.code, Some(ErrorCode::InvalidGrant));
        assert_eq!(e.description.as_deref(), Some("Code expired"));
        assert_eq!(e.uri.as_deref(), Some("https://d.example/e"));
        assert!(e.details.is_empty());

        let e = error(r#"{"error":"Invalid client secret"}"#, 401);
        assert_eq!(e.code, None);
        assert_eq!(e.description.as_deref(), Some("Invalid client secret"));

        // Not text: ignored rather than echoed.
        let e = error(r#"{"error":{"token":"x"},"error_description":7}"#, 400);
        assert_eq!((e.code, e.description), (None, None));
    }

    #[test]
    fn errors_inside_a_success_are_found() {
        let body = |json: &str| serde_json::from_str::<Map<String, Value>>(json).unwrap();
        let e = error_in_success(&body(r#"{"errors":[{"code":"unauthorized"}]}"#)).unwrap();
        assert_eq!((e.status, e.details.len()), (200, 1));
        assert!(error_in_success(&body("{}")).is_none());
        assert!(error_in_success(&body(r#"{"errors":[]}"#)).is_none());
        assert!(error_in_success(&body(r#"{"errors":"nope"}"#)).is_none());
    }
}
