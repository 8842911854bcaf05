//! RingCentral's paths, request parsing and wire shapes over the neutral grant state.

use crate::generated::paths;
use oauth_test_kit::{
    self as fake, CodeExchange, GrantError, Grants, Issued, Request, Response, Routes,
};
use serde_json::{Value, json};

const AUTHORIZE: &str = paths::AUTHORIZE;
const TOKEN: &str = paths::GET_TOKEN;
const REVOKE: &str = paths::REVOKE_TOKEN;
const FORM: &str = "application/x-www-form-urlencoded";
const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

pub(super) struct RingCentralRoutes;

impl Routes for RingCentralRoutes {
    fn answer(&self, request: &Request, grants: &Grants) -> Response {
        let result = match (request.method(), request.path()) {
            ("GET", AUTHORIZE) => authorize(grants, &|name| request.query(name)),
            ("POST", AUTHORIZE) => authorize(grants, &|name| request.form_field(name)),
            ("POST", TOKEN | REVOKE) if request.content_type() != Some(FORM) => {
                return error_body(
                    415,
                    "invalid_request",
                    "Unsupported Media Type",
                    "OAU-250",
                    None,
                );
            }
            ("POST", TOKEN) => token(request, grants),
            ("POST", REVOKE) => revoke(request, grants),
            _ => {
                return error_body(
                    404,
                    "invalid_request",
                    "Resource not found",
                    "CMN-102",
                    None,
                );
            }
        };
        result.unwrap_or_else(|e| grant_error(&e))
    }

    fn failure(&self, status: u16, _request: &Request) -> Response {
        // The bodies RingCentral's API gateway sends for these statuses.
        let (code, message) = match status {
            429 => ("CMN-301", "Request rate exceeded"),
            503 => ("CMN-211", "Requested resource is temporarily unavailable"),
            _ => ("CMN-201", "Service Temporary Unavailable"),
        };
        Response::json(
            status,
            &json!({"errors": [{"errorCode": code, "message": message}]}),
        )
    }
}

/// The authorize step, consented without a person: `302` to the redirect URI with the code.
fn authorize(
    grants: &Grants,
    param: &dyn Fn(&str) -> Option<String>,
) -> Result<Response, GrantError> {
    // RingCentral requires `redirect_uri` when an app registers several; the fake always does.
    if param("redirect_uri").is_none() {
        return Err(GrantError::InvalidRequest(
            "Parameter [redirect_uri] is not specified".into(),
        ));
    }
    fake::consent(grants, param, None).map(|target| Response::redirect(target.as_str()))
}

/// The client: HTTP Basic for confidential clients, `client_id` in the body for public ones.
fn client(request: &Request, grants: &Grants) -> Result<String, GrantError> {
    match request.basic() {
        Some((id, secret)) => grants.authenticate(&id, Some(&secret)).map(|()| id),
        None => {
            let id = request
                .form_field("client_id")
                .ok_or(GrantError::InvalidClient)?;
            grants.authenticate(&id, None).map(|()| id)
        }
    }
}

fn token(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    let client_id = client(request, grants)?;
    let field = |name: &str| request.form_field(name);
    let issued = match field("grant_type").as_deref() {
        Some("authorization_code") => grants.exchange_code(CodeExchange {
            client_id,
            code: required(field("code"), "code")?,
            redirect_uri: field("redirect_uri"),
            code_verifier: field("code_verifier"),
            check_redirect_uri: true,
        })?,
        Some("refresh_token") => grants.refresh(
            &client_id,
            &required(field("refresh_token"), "refresh_token")?,
        )?,
        Some(JWT_BEARER) => {
            grants.jwt_bearer(&client_id, &required(field("assertion"), "assertion")?)?
        }
        Some(_) => return Err(GrantError::UnsupportedGrantType),
        None => return Err(GrantError::InvalidRequest("grant_type is required".into())),
    };
    Ok(Response::json(
        200,
        &token_body(&issued, field("endpoint_id")),
    ))
}

/// RingCentral's `TokenInfo`: lifetimes in seconds (numbers), owner and endpoint ids.
fn token_body(issued: &Issued, endpoint_id: Option<String>) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "scope": issued.scope.clone().unwrap_or_else(|| "ReadAccounts".into()),
        "owner_id": issued.subject,
        "endpoint_id": endpoint_id.unwrap_or_else(|| "fake-endpoint-1".into()),
    });
    if let Some(expires_in) = issued.expires_in {
        body["expires_in"] = expires_in.as_secs().into();
    }
    if let Some(refresh) = &issued.refresh_token {
        body["refresh_token"] = refresh.as_str().into();
        if let Some(expires_in) = issued.refresh_expires_in {
            body["refresh_token_expires_in"] = expires_in.as_secs().into();
        }
    }
    body
}

/// `200` with an empty body, for a known token or not (RFC 7009 §2.2).
fn revoke(request: &Request, grants: &Grants) -> Result<Response, GrantError> {
    client(request, grants)?;
    let token = request
        .form_field("token")
        .or_else(|| request.query("token"));
    grants.revoke(&required(token, "token")?);
    Ok(Response::empty(200))
}

fn required(value: Option<String>, name: &str) -> Result<String, GrantError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| GrantError::InvalidRequest(format!("Parameter [{name}] is not specified")))
}

/// RingCentral's error body for a refused grant, with its `OAU-` code.
fn grant_error(e: &GrantError) -> Response {
    let (status, code, parameter) = match e {
        GrantError::InvalidRequest(_) => (400, "OAU-101", None),
        GrantError::InvalidClient => (401, "OAU-123", None),
        GrantError::InvalidGrant(_) => (400, "OAU-211", Some("refresh_token")),
        GrantError::UnsupportedGrantType => (400, "OAU-250", Some("grant_type")),
        GrantError::InvalidToken => (401, "OAU-213", None),
    };
    error_body(status, e.code(), &e.description(), code, parameter)
}

fn error_body(
    status: u16,
    error: &str,
    description: &str,
    code: &str,
    parameter: Option<&str>,
) -> Response {
    let mut detail = json!({"errorCode": code, "message": description});
    if let Some(parameter) = parameter {
        detail["parameterName"] = parameter.into();
    }
    Response::json(
        status,
        &json!({"error": error, "error_description": description, "errors": [detail]}),
    )
}
