//! Sunshine Conversations' paths, request parsing and wire shapes over the neutral grant state.

use crate::generated::paths;
use oauth_test_kit::{self as fake, CodeExchange, GrantError, Grants, Request, Response, Routes};
use serde_json::json;

const AUTHORIZE: &str = paths::AUTHORIZE;
const TOKEN: &str = paths::GET_TOKEN;
const TOKEN_INFO: &str = paths::GET_TOKEN_INFO;
const REVOKE: &str = paths::REVOKE_ACCESS;

/// Where the consent redirects when the request names no `redirect_uri` (the integration's
/// registered one, in the real service).
pub(super) const REGISTERED_REDIRECT: &str = "https://app.example/oauth/callback";

pub(super) struct SunshineRoutes;

impl Routes for SunshineRoutes {
    fn answer(&self, request: &Request, grants: &Grants) -> Response {
        let result = match (request.method(), request.path()) {
            ("GET", AUTHORIZE) => fake::consent(
                grants,
                &|name| request.query(name),
                Some(REGISTERED_REDIRECT),
            )
            .map(|target| Response::redirect(target.as_str())),
            ("POST", TOKEN) => token(request, grants),
            ("GET", TOKEN_INFO) => token_info(request, grants),
            ("DELETE", REVOKE) => revoke(request, grants),
            _ => return errors(404, "not_found", "Resource not found"),
        };
        result.unwrap_or_else(|e| refused(&e))
    }

    fn failure(&self, status: u16, _request: &Request) -> Response {
        match status {
            429 => errors(429, "too_many_requests", "Too Many Requests"),
            503 => errors(503, "service_unavailable", "Service Unavailable"),
            _ => errors(status, "internal_error", "Internal Server Error"),
        }
    }
}

/// `{code, grant_type, client_id, client_secret}` as JSON; answers `{access_token, token_type}`
/// (no expiry, no refresh token: valid until revoked).
fn token(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    let field = |name: &str| request.json_field(name).filter(|v| !v.is_empty());
    let client_id = field("client_id")
        .ok_or_else(|| GrantError::InvalidRequest("client_id is required".into()))?;
    grants.authenticate(&client_id, field("client_secret").as_deref())?;
    if field("grant_type").as_deref() != Some("authorization_code") {
        return Err(GrantError::UnsupportedGrantType);
    }
    let issued = grants.exchange_code(CodeExchange {
        client_id,
        code: field("code").ok_or_else(|| GrantError::InvalidRequest("code is required".into()))?,
        // The endpoint takes no redirect URI and no PKCE verifier.
        check_redirect_uri: false,
        ..CodeExchange::default()
    })?;
    Ok(Response::json(
        200,
        &json!({"access_token": issued.access_token, "token_type": "Bearer"}),
    ))
}

/// `{app: {...}}` for a live token: the app the integration was added to.
fn token_info(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    let info = grants.introspect(request.bearer().unwrap_or_default())?;
    Ok(Response::json(
        200,
        &json!({"app": {
            "id": format!("app-{}", info.subject),
            "displayName": "Fake App",
            "settings": {
                "conversationRetentionSeconds": 0,
                "maskCreditCardNumbers": true,
                "useAnimalNames": false,
                "echoPostback": false,
                "ignoreAutoConversationStart": false,
                "multiConvoEnabled": true,
                "appLocalizationEnabled": false
            },
            "metadata": null,
            "subdomain": "fake-app"
        }}),
    ))
}

/// Removes the integration: `200 {}` for a live token, `401` for any other.
fn revoke(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    let token = request.bearer().unwrap_or_default();
    grants.introspect(token)?;
    grants.revoke(token);
    Ok(Response::json(200, &json!({})))
}

fn refused(e: &GrantError) -> Response {
    match e {
        GrantError::InvalidGrant(_) => errors(400, "invalid_grant", "Invalid authorization code"),
        GrantError::InvalidClient => errors(401, "unauthorized", "Invalid client credentials"),
        GrantError::InvalidToken => errors(401, "unauthorized", "Authorization is required"),
        GrantError::InvalidRequest(d) => errors(400, "bad_request", d),
        GrantError::UnsupportedGrantType => {
            errors(400, "bad_request", "grant_type must be authorization_code")
        }
    }
}

/// Sunshine's error body: `{errors: [{code, title}]}`.
fn errors(status: u16, code: &str, title: &str) -> Response {
    Response::json(status, &json!({"errors": [{"code": code, "title": title}]}))
}
