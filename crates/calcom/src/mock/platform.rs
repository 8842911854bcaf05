//! The platform OAuth flow: `POST /v2/oauth/{clientId}/authorize` (session cookie, JSON
//! `{redirectUri}`, answered with a redirect), `/exchange` (the code as `Authorization: Bearer`,
//! `{clientSecret}`) and `/refresh` (`x-cal-secret-key`, `{refreshToken}`), both answered with
//! `{status: "success", data: {accessToken, refreshToken, accessTokenExpiresAt,
//! refreshTokenExpiresAt}}` (epoch milliseconds).

use oauth_test_kit::{CodeExchange, CodeRequest, GrantError, Grants, Issued, Request, Response};
use serde_json::{Value, json};

use super::routes::envelope;

/// Every path of this flow starts with it: `/v2/oauth/{clientId}/...`.
pub(super) const PREFIX: &str = "/v2/oauth/";

/// Answers `rest` (the path after [`PREFIX`]: `{clientId}/authorize` ...).
pub(super) fn answer(request: &Request, rest: &str, grants: &Grants) -> Response {
    let Some((client_id, action)) = rest.split_once('/') else {
        return not_found(request, grants);
    };
    if request.method() != "POST" {
        return not_found(request, grants);
    }
    let result = match action {
        "authorize" => authorize(request, client_id, grants),
        "exchange" => exchange(request, client_id, grants),
        "refresh" => refresh(request, client_id, grants),
        _ => return not_found(request, grants),
    };
    result.unwrap_or_else(|e| refused(request, &e, grants))
}

fn not_found(request: &Request, grants: &Grants) -> Response {
    let message = format!("Cannot {} {}", request.method(), request.path());
    envelope(request, 404, "NotFoundException", &message, grants)
}

/// The user's consent is taken as given once they have a session (any `Cookie`); Cal.com
/// appends `?code=` to the redirect URI as it is, query or not.
fn authorize(request: &Request, client_id: &str, grants: &Grants) -> Result<Response, GrantError> {
    if request.header("cookie").is_none_or(str::is_empty) {
        return Ok(envelope(
            request,
            401,
            "UnauthorizedException",
            "Unauthorized",
            grants,
        ));
    }
    if !grants.knows_client(client_id) {
        return Ok(envelope(
            request,
            400,
            "BadRequestException",
            "Client not found",
            grants,
        ));
    }
    let redirect_uri = request
        .json_field("redirectUri")
        .filter(|r| url::Url::parse(r).is_ok())
        .ok_or_else(|| GrantError::InvalidRequest("redirectUri must be a URL".into()))?;
    let code = grants.issue_code(CodeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: Some(redirect_uri.clone()),
        ..CodeRequest::default()
    })?;
    Ok(Response::redirect(&format!("{redirect_uri}?code={code}")))
}

fn exchange(request: &Request, client_id: &str, grants: &Grants) -> Result<Response, GrantError> {
    grants.authenticate(client_id, request.json_field("clientSecret").as_deref())?;
    let code = request
        .bearer()
        .ok_or_else(|| GrantError::InvalidGrant("Invalid Authorization Token.".into()))?;
    let issued = grants.exchange_code(CodeExchange {
        client_id: client_id.to_owned(),
        code: code.to_owned(),
        // The exchange sends neither a redirect URI nor a PKCE verifier.
        check_redirect_uri: false,
        ..CodeExchange::default()
    })?;
    Ok(Response::json(200, &keys(&issued)))
}

fn refresh(request: &Request, client_id: &str, grants: &Grants) -> Result<Response, GrantError> {
    grants.authenticate(client_id, request.header("x-cal-secret-key"))?;
    let refresh_token = request
        .json_field("refreshToken")
        .ok_or_else(|| GrantError::InvalidRequest("refreshToken must be a string".into()))?;
    let issued = grants.refresh(client_id, &refresh_token)?;
    Ok(Response::json(200, &keys(&issued)))
}

fn keys(issued: &Issued) -> Value {
    let mut data = json!({
        "accessToken": issued.access_token,
        "refreshToken": issued.refresh_token,
    });
    if let Some(at) = issued.expires_at_millis() {
        data["accessTokenExpiresAt"] = at.into();
    }
    if let Some(at) = issued.refresh_expires_at_millis() {
        data["refreshTokenExpiresAt"] = at.into();
    }
    json!({"status": "success", "data": data})
}

/// Cal.com answers refusals with exception names, not RFC 6749 codes.
fn refused(request: &Request, e: &GrantError, grants: &Grants) -> Response {
    let (status, code, message) = match e {
        GrantError::InvalidClient => (
            401,
            "UnauthorizedException",
            "Invalid client secret".to_owned(),
        ),
        GrantError::InvalidGrant(_) if request.path().ends_with("/refresh") => (
            400,
            "BadRequestException",
            "Invalid refresh token".to_owned(),
        ),
        GrantError::InvalidGrant(_) => (
            400,
            "BadRequestException",
            "Invalid Authorization Token.".to_owned(),
        ),
        other => (400, "BadRequestException", other.description()),
    };
    envelope(request, status, code, &message, grants)
}
