//! Every shape of token answer Cal.com's OAuth 2.0 servers send, onto one [`Token`].

use std::time::{Duration, SystemTime};

use oauth_core::runtime::response::ErrorBody;
use oauth_core::runtime::wire::Seconds;
use oauth_core::{AccessToken, DecodeError, Error, RefreshToken, Result, Token, TokenType};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::generated::types;

/// Cal.com's access token lifetime (`mintTokens`: `accessTokenExpiresIn = 1800`), counted from
/// receipt when an answer has no `expires_in`.
pub(crate) const ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The fields of a token answer, wherever and however they were named.
struct Fields {
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    refresh_token: Option<RefreshToken>,
    expires_in: Option<Seconds>,
    scope: Option<String>,
    extra: Map<String, Value>,
}

/// Builds the unified token from an answer received at `now`.
///
/// Today's servers answer a bare RFC 6749 body; older ones `{status, data}` with `data` in
/// snake_case or camelCase. `data` wins when present; within it snake_case wins over camelCase
/// (camelCase fields arrive among the unknown ones: see the spec). Without `expires_in` the
/// access token expires [`ACCESS_TOKEN_LIFETIME`] after receipt. Unknown fields are kept in
/// [`Token::extra`].
///
/// An answer without an access token that reports an error (a 200 carrying `{status:
/// "error"}` or an `error`) is that [`Error::Server`]; otherwise a [`Error::Decode`] naming the
/// missing field. An absurd `expires_in` is capped at a century.
pub(crate) fn token(response: types::OAuth2TokenResponse, now: SystemTime) -> Result<Token> {
    let (fields, prefix) = match response.data {
        Some(data) => {
            let mut fields = from_data(data)?;
            for (name, value) in response.extra {
                fields.extra.entry(name).or_insert(value);
            }
            (fields, "data.")
        }
        None => {
            let mut extra = response.extra;
            if response.status.as_deref() == Some("error") || extra.contains_key("error") {
                if let Some(status) = response.status.clone() {
                    extra.insert("status".into(), Value::String(status));
                }
                if let Ok(body) = serde_json::from_value::<types::ErrorResponse>(extra.into()) {
                    return Err(body.into_server_error(200).into());
                }
                return Err(decode("error", "an error answer of an unknown shape"));
            }
            let fields = Fields {
                access_token: response.access_token,
                token_type: response.token_type,
                refresh_token: response.refresh_token,
                expires_in: response.expires_in,
                scope: response.scope,
                extra,
            };
            (camel_fallback(fields, "")?, "")
        }
    };
    let Some(access_token) = fields.access_token else {
        return Err(decode(
            &format!("{prefix}access_token"),
            "no access token (neither `access_token` nor `accessToken`)",
        ));
    };
    let lifetime = fields
        .expires_in
        .map_or(ACCESS_TOKEN_LIFETIME, Seconds::duration);
    // An absurd lifetime is capped (at a century, by `Token`) rather than refused: refusing
    // would also drop the rotated refresh token that came with it.
    Ok(Token::new(access_token, now)
        .with_token_type(TokenType::parse(fields.token_type.as_deref()))
        .with_expires_in(Some(lifetime))
        .with_refresh_token(fields.refresh_token)
        .with_scope_string(fields.scope)
        .with_extra(fields.extra))
}

fn from_data(data: types::OAuth2Tokens) -> Result<Fields> {
    let fields = Fields {
        access_token: data.access_token,
        token_type: data.token_type,
        refresh_token: data.refresh_token,
        expires_in: data.expires_in,
        scope: data.scope,
        extra: data.extra,
    };
    camel_fallback(fields, "data.")
}

/// Fills each field still unset from its camelCase name among the unknown fields (which are
/// then consumed).
fn camel_fallback(mut fields: Fields, prefix: &str) -> Result<Fields> {
    let extra = &mut fields.extra;
    if fields.access_token.is_none() {
        fields.access_token = take(extra, "accessToken", prefix)?;
    }
    if fields.token_type.is_none() {
        fields.token_type = take(extra, "tokenType", prefix)?;
    }
    if fields.refresh_token.is_none() {
        fields.refresh_token = take(extra, "refreshToken", prefix)?;
    }
    if fields.expires_in.is_none() {
        fields.expires_in = take(extra, "expiresIn", prefix)?;
    }
    Ok(fields)
}

/// Removes `name` from `extra` and reads it as a `T`; a value of the wrong type is a
/// [`DecodeError`] naming the field, never quoting its value (it may be a token).
fn take<T: DeserializeOwned>(
    extra: &mut Map<String, Value>,
    name: &str,
    prefix: &str,
) -> Result<Option<T>> {
    match extra.remove(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => serde_json::from_value(value).map(Some).map_err(|e| {
            Error::Decode(DecodeError::from_json(
                Some(200),
                format!("{prefix}{name}"),
                &e,
            ))
        }),
    }
}

fn decode(path: &str, problem: &str) -> Error {
    Error::Decode(DecodeError {
        status: Some(200),
        path: path.into(),
        problem: problem.into(),
    })
}
