//! Procore's paths, request parsing and wire shapes (Doorkeeper's) over the neutral grant state.

use crate::generated::paths;
use oauth_test_kit::{
    self as fake, CodeExchange, GrantError, Grants, Issued, Request, Response, Routes,
};
use serde_json::{Value, json};

const AUTHORIZE: &str = paths::OAUTH_AUTHORIZE_GET;
const TOKEN: &str = paths::OAUTH_TOKEN_POST;
const REVOKE: &str = paths::OAUTH_REVOKE_POST;
const TOKEN_INFO: &str = paths::OAUTH_TOKEN_INFO_GET;
/// The scope Procore grants when none is asked for.
const DEFAULT_SCOPE: &str = "public";

pub(super) struct ProcoreRoutes;

impl Routes for ProcoreRoutes {
    fn answer(&self, request: &Request, grants: &Grants) -> Response {
        let result = match (request.method(), request.path()) {
            ("GET", AUTHORIZE) => fake::consent(grants, &|name| request.query(name), None)
                .map(|target| Response::redirect(target.as_str())),
            ("POST", TOKEN) => token(request, grants),
            ("POST", REVOKE) => revoke(request, grants),
            ("GET", TOKEN_INFO) => token_info(request, grants),
            _ => return general_error(404, "Not Found", "not_found"),
        };
        result.unwrap_or_else(|e| oauth_error(&e))
    }

    fn failure(&self, status: u16, _request: &Request) -> Response {
        let message = http_reason(status);
        general_error(status, message, "service_unavailable")
    }
}

fn http_reason(status: u16) -> &'static str {
    match status {
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        _ => "Service Unavailable",
    }
}

/// The JSON body's client credentials (Procore takes them in the body, not a Basic header).
fn client(request: &Request, grants: &Grants) -> Result<String, GrantError> {
    let id = request
        .json_field("client_id")
        .ok_or(GrantError::InvalidClient)?;
    grants
        .authenticate(&id, request.json_field("client_secret").as_deref())
        .map(|()| id)
}

fn token(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    if request.json().is_none() {
        return Err(GrantError::InvalidRequest(
            "The request is missing a required parameter, includes an unsupported parameter \
             value, or is otherwise malformed."
                .into(),
        ));
    }
    let client_id = client(request, grants)?;
    let field = |name: &str| request.json_field(name).filter(|v| !v.is_empty());
    let issued = match field("grant_type").as_deref() {
        Some("authorization_code") => grants.exchange_code(CodeExchange {
            client_id,
            code: field("code").ok_or_else(|| missing("code"))?,
            redirect_uri: field("redirect_uri"),
            code_verifier: None,
            check_redirect_uri: true,
        })?,
        Some("refresh_token") => grants.refresh(
            &client_id,
            &field("refresh_token").ok_or_else(|| missing("refresh_token"))?,
        )?,
        Some("client_credentials") => grants.client_credentials(&client_id, None)?,
        Some(_) => return Err(GrantError::UnsupportedGrantType),
        None => return Err(missing("grant_type")),
    };
    Ok(Response::json(200, &token_body(&issued)))
}

fn missing(name: &str) -> GrantError {
    GrantError::InvalidRequest(format!("Missing required parameter: {name}."))
}

/// Doorkeeper's token answer: lower-case `bearer`, `expires_in` and `created_at` in seconds
/// (numbers), `scope`.
fn token_body(issued: &Issued) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "created_at": issued.issued_at_secs(),
    });
    if let Some(expires_in) = issued.expires_in {
        body["expires_in"] = expires_in.as_secs().into();
    }
    // User grants carry a refresh token and the scope; client credentials neither.
    if let Some(refresh) = &issued.refresh_token {
        body["refresh_token"] = refresh.as_str().into();
        body["scope"] = issued.scope.as_deref().unwrap_or(DEFAULT_SCOPE).into();
    }
    body
}

/// `200 {}` for a known token or not (RFC 7009 §2.2); `Procore-Company-Id` is required.
fn revoke(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    if request
        .header("procore-company-id")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .is_none()
    {
        return Ok(general_error(
            400,
            "Procore-Company-Id header is required",
            "bad_request",
        ));
    }
    client(request, grants)?;
    let token = request
        .json_field("token")
        .ok_or_else(|| missing("token"))?;
    grants.revoke(&token);
    Ok(Response::json(200, &json!({})))
}

fn token_info(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    let info = grants.introspect(request.bearer().unwrap_or_default())?;
    let mut body = json!({
        // Procore user ids are integers; a non-numeric subject reads as 0.
        "resource_owner_id": info.subject.parse::<i64>().unwrap_or(0),
        "scopes": info.scope.as_deref().unwrap_or(DEFAULT_SCOPE).split(' ').collect::<Vec<_>>(),
        "application": {"uid": info.client_id, "name": "Fake app"},
        "created_at": fake::epoch_secs(info.issued_at),
    });
    // A string here, unlike the token answer's `expires_in`: Procore sends it so.
    if let Some(left) = info.expires_in {
        body["expires_in_seconds"] = left.as_secs().to_string().into();
    }
    Ok(Response::json(200, &body))
}

/// Doorkeeper's `{error, error_description}` with its statuses and texts.
fn oauth_error(e: &GrantError) -> Response {
    let (status, description) = match e {
        GrantError::InvalidRequest(d) => (400, d.clone()),
        GrantError::InvalidClient => (
            401,
            "Client authentication failed due to unknown client, no client authentication \
             included, or unsupported authentication method."
                .to_owned(),
        ),
        GrantError::InvalidGrant(_) => (
            400,
            "The provided authorization grant is invalid, expired, revoked, does not match the \
             redirection URI used in the authorization request, or was issued to another client."
                .to_owned(),
        ),
        GrantError::UnsupportedGrantType => (
            400,
            "The authorization grant type is not supported by the authorization server.".to_owned(),
        ),
        GrantError::InvalidToken => (401, "The access token is invalid".to_owned()),
    };
    let response = Response::json(
        status,
        &json!({"error": e.code(), "error_description": description}),
    );
    if matches!(e, GrantError::InvalidToken) {
        response.with_header(
            "www-authenticate",
            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\"",
        )
    } else {
        response
    }
}

/// Procore's general error shape, `{code, message, reason}`.
fn general_error(status: u16, message: &str, reason: &str) -> Response {
    Response::json(
        status,
        &json!({"code": status, "message": message, "reason": reason}),
    )
}
