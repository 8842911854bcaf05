//! From the generated RingCentral types to oauth-core's.

use std::time::SystemTime;

use oauth_core::runtime::response::ErrorBody;
use oauth_core::{ErrorCode, ErrorDetail, Extra, ServerError, Token, TokenType};
use serde_json::Value;

use crate::generated::types;

/// Builds the unified token from a `TokenInfo` received at `now`.
///
/// Fields without a place in [`Token`] (`owner_id`, `endpoint_id`, `id_token`, `session_*`,
/// and anything unknown) are kept in [`Token::extra`].
pub(crate) fn token(info: types::TokenInfo, now: SystemTime) -> Token {
    let mut extra = Extra::from(info.extra);
    let mut keep = |name: &'static str, value: Option<Value>| {
        if let Some(v) = value {
            extra.insert(name, v);
        }
    };
    keep("owner_id", info.owner_id.map(Value::String));
    keep("endpoint_id", info.endpoint_id.map(Value::String));
    keep(
        "id_token",
        info.id_token.map(|t| Value::String(t.secret().to_owned())),
    );
    keep("session_id", info.session_id.map(Value::String));
    keep(
        "session_expires_in",
        info.session_expires_in.map(|s| s.0.into()),
    );
    keep(
        "session_expiration_time",
        info.session_expiration_time.map(Value::String),
    );
    keep(
        "session_idle_timeout",
        info.session_idle_timeout.map(|s| s.0.into()),
    );

    Token::new(info.access_token, now)
        .with_token_type(TokenType::parse(info.token_type.as_deref()))
        .with_expires_in(info.expires_in.map(|s| s.duration()))
        .with_refresh_token(info.refresh_token)
        .with_refresh_token_expires_in(info.refresh_token_expires_in.map(|s| s.duration()))
        .with_scope_string(info.scope)
        .with_extra(extra)
}

impl ErrorBody for types::ErrorResponse {
    fn reports_error(&self) -> bool {
        self.error.is_some() || !self.errors.is_empty()
    }

    /// Each `errors[]` entry becomes one [`ErrorDetail`]; its target is the parameter the
    /// entry names, at the top (`parameterName`) or, as RingCentral's answers put it, in
    /// `parameters[].parameterName` (several are joined with `, `). `parameterValue` is never
    /// kept: it echoes what was sent, e.g. a token.
    ///
    /// Without an `error` field, an `OAU-` code that refuses the grant or the client stands for
    /// its RFC 6749 code (`refusal_code` below).
    fn into_server_error(self, status: u16) -> ServerError {
        let implied = self
            .errors
            .iter()
            .find_map(|e| e.error_code.as_deref().and_then(refusal_code));
        let details = self
            .errors
            .into_iter()
            .map(|e| {
                let target = parameter_names(&e);
                ErrorDetail::new(e.error_code, e.message, target)
            })
            .collect();
        let mut error = ServerError::from_status(status)
            .with_code(self.error.as_deref())
            .with_description(self.error_description)
            .with_details(details);
        if error.code.is_none() {
            error.code = implied;
        }
        error
    }
}

/// The RFC 6749 code an `OAU-` error code of the token endpoint stands for, where RingCentral
/// documents it as the grant's or the client's refusal (ringcentral/ringcentral-api-docs
/// `docs/basics/errors.md` @ 03cea436; OAU-211 "Token revoked" with `invalid_grant` in
/// ringcentral/ringcentral-js-widgets `packages/ringcentral-mock/src/RcMock.ts` @ 242f7329).
fn refusal_code(code: &str) -> Option<ErrorCode> {
    match code {
        // Authorization code invalid or expired, redirect URIs differ, refresh token revoked
        // or not found.
        "OAU-106" | "OAU-108" | "OAU-109" | "OAU-211" | "OAU-213" => Some(ErrorCode::InvalidGrant),
        // Wrong application, invalid Authorization header or client credentials.
        "OAU-120" | "OAU-123" | "OAU-146" | "OAU-167" => Some(ErrorCode::InvalidClient),
        // The application may not use this grant type.
        "OAU-112" => Some(ErrorCode::UnauthorizedClient),
        _ => None,
    }
}

/// The parameter names of an error entry, in order and without repeats.
fn parameter_names(error: &types::ApiError) -> Option<String> {
    let mut names: Vec<&str> = Vec::new();
    let listed = error.parameters.iter().map(|p| p.parameter_name.as_deref());
    for name in std::iter::once(error.parameter_name.as_deref())
        .chain(listed)
        .flatten()
    {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    (!names.is_empty()).then(|| names.join(", "))
}
