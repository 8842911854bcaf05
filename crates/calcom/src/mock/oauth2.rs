//! The OAuth 2.0 flow (RFC 6749): the web app's authorization page
//! (`GET /auth/oauth2/authorize`, consented without a person) and the API's
//! `POST /v2/auth/oauth2/token`, in today's wire shape: a form or JSON body with `client_id`
//! in it, answered with a bare `{access_token, token_type, refresh_token, expires_in, scope}`
//! and refused with a bare `{error, error_description}` whose description is Cal.com's reason
//! (`refresh_token_revoked`, `pkce_verification_failed`, ...). Cal.com's `OAuthService` and
//! token input pipe are the model: which fields each grant and client kind may send, which
//! reason each refusal gives, and PKCE (S256 only, required of public clients).

use oauth_test_kit::{CodeExchange, CodeRequest, GrantError, Grants, Issued, Request, Response};
use serde_json::{Value, json};
use url::Url;

use crate::generated::paths;

/// The flow's two paths, as the spec declares them.
const AUTHORIZE: &str = paths::O_AUTH2_AUTHORIZE_PAGE;
const TOKEN: &str = paths::O_AUTH2_CONTROLLER_TOKEN;

/// Answers the flow's two paths; `None` for any other request.
pub(super) fn answer(request: &Request, grants: &Grants) -> Option<Response> {
    match (request.method(), request.path()) {
        ("POST", TOKEN) => Some(token(request, grants)),
        ("GET", AUTHORIZE) => Some(match consent(grants, &|name| request.query(name)) {
            Ok(target) => Response::redirect(target.as_str()),
            Err(e) => refused(&consent_refusal(&e)),
        }),
        _ => None,
    }
}

/// The authorization page with the user logged in and consenting: a code bound to the
/// request, and the redirect `redirect_uri?code=...&state=...`.
///
/// Refusals Cal.com redirects (a public client without a PKCE challenge, a method other than
/// S256) come back as a redirect with `error`, `error_description` and `state`; those it shows
/// on the page instead (an unknown client, no usable redirect URI) are errors. The fake
/// registers no redirect URIs: any absolute URL is taken.
pub(super) fn consent(
    grants: &Grants,
    param: &dyn Fn(&str) -> Option<String>,
) -> Result<Url, GrantError> {
    let client_id = param("client_id")
        .filter(|c| grants.knows_client(c))
        .ok_or(GrantError::InvalidClient)?;
    let redirect_uri = param("redirect_uri")
        .ok_or_else(|| GrantError::InvalidRequest("redirect_uri_mismatch".into()))?;
    let target = Url::parse(&redirect_uri)
        .map_err(|_| GrantError::InvalidRequest("redirect_uri_mismatch".into()))?;
    let state = param("state");
    let challenge = param("code_challenge").filter(|c| !c.is_empty());
    let method = param("code_challenge_method");
    let pkce_refusal = match (&challenge, method.as_deref()) {
        (None, _) if grants.is_public_client(&client_id) => Some("pkce_required"),
        (Some(_), Some("S256")) | (None, _) => None,
        (Some(_), _) => Some("invalid_code_challenge_method"),
    };
    if let Some(reason) = pkce_refusal {
        let error = [("error", "invalid_request"), ("error_description", reason)];
        return Ok(with_params(target, &error, state.as_deref()));
    }
    let code = grants.issue_code(CodeRequest {
        client_id,
        redirect_uri: Some(redirect_uri),
        scope: param("scope"),
        code_challenge_method: challenge.as_ref().and(method),
        code_challenge: challenge,
    })?;
    Ok(with_params(target, &[("code", &code)], state.as_deref()))
}

/// `target` with `params` and `state` set as `URLSearchParams.set` does: a parameter of the
/// same name already there is replaced, the others are kept.
fn with_params(mut target: Url, params: &[(&str, &str)], state: Option<&str>) -> Url {
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.extend(state.map(|s| ("state", s)));
    let kept: Vec<(String, String)> = target
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| all.iter().all(|(name, _)| name != k))
        .collect();
    target.set_query(None);
    target
        .query_pairs_mut()
        .extend_pairs(kept)
        .extend_pairs(all);
    target
}

/// How the page refuses what it cannot redirect: the status and bare body of Cal.com's
/// `OAuth2HttpException`.
fn consent_refusal(e: &GrantError) -> Refusal {
    match e {
        GrantError::InvalidClient => Refusal::new(401, "unauthorized_client", "client_not_found"),
        other => Refusal::new(400, other.code(), &other.description()),
    }
}

/// An RFC 6749 §5.2 refusal: status, `error` and `error_description`.
struct Refusal {
    status: u16,
    error: String,
    description: String,
}

impl Refusal {
    fn new(status: u16, error: &str, description: &str) -> Self {
        Self {
            status,
            error: error.to_owned(),
            description: description.to_owned(),
        }
    }

    fn invalid_request(description: impl Into<String>) -> Self {
        Self {
            status: 400,
            error: "invalid_request".into(),
            description: description.into(),
        }
    }
}

fn refused(refusal: &Refusal) -> Response {
    Response::json(
        refusal.status,
        &json!({"error": refusal.error, "error_description": refusal.description}),
    )
}

/// The fields of the token request: a form, or a JSON object (Cal.com takes both).
struct Fields(Vec<(String, Value)>);

impl Fields {
    fn read(request: &Request) -> Self {
        Self(match request.json() {
            Some(object) => object.into_iter().collect(),
            None => request
                .form()
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        })
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// Field `name` when it is a non-empty string.
    fn text(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The input pipe's checks (`whitelist`, `forbidNonWhitelisted`): every `required` field a
    /// string, nothing outside `required` and `optional`; the refusal lists each offence as
    /// class-validator words it.
    fn check(&self, required: &[&str], optional: &[&str]) -> Result<(), Refusal> {
        let missing = required
            .iter()
            .filter(|name| self.text(name).is_none())
            .map(|name| format!("{name} property is wrong,{name} must be a string "));
        let extra = self
            .0
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !required.contains(k) && !optional.contains(k))
            .map(|name| format!("{name} property is wrong,property {name} should not exist "));
        let offences: Vec<String> = missing.chain(extra).collect();
        if offences.is_empty() {
            Ok(())
        } else {
            Err(Refusal::invalid_request(offences.join(", ")))
        }
    }
}

fn token(request: &Request, grants: &Grants) -> Response {
    let answer = match grant(&Fields::read(request), grants) {
        Ok(issued) => Response::json(200, &tokens(&issued)),
        Err(refusal) => refused(&refusal),
    };
    answer.with_header("cache-control", "no-store")
}

/// The input pipe's checks, the client's authentication, then the grant.
fn grant(fields: &Fields, grants: &Grants) -> Result<Issued, Refusal> {
    let client_id = fields
        .text("client_id")
        .ok_or_else(|| Refusal::invalid_request("client_id is required"))?;
    // The pipe takes the confidential input when the body has a secret at all.
    let confidential = fields.has("client_secret");
    let issued = match fields.text("grant_type") {
        Some("authorization_code") => {
            let (required, optional): (&[&str], &[&str]) = if confidential {
                (
                    &["code", "redirect_uri"],
                    &["client_secret", "code_verifier"],
                )
            } else {
                (&["code", "redirect_uri", "code_verifier"], &[])
            };
            check(fields, required, optional)?;
            authenticate(grants, client_id, fields)?;
            grants.exchange_code(CodeExchange {
                client_id: client_id.to_owned(),
                code: fields.text("code").unwrap_or_default().to_owned(),
                redirect_uri: fields.text("redirect_uri").map(str::to_owned),
                code_verifier: fields.text("code_verifier").map(str::to_owned),
                check_redirect_uri: true,
            })
        }
        Some("refresh_token") => {
            let optional: &[&str] = if confidential {
                &["client_secret"]
            } else {
                &[]
            };
            check(fields, &["refresh_token"], optional)?;
            authenticate(grants, client_id, fields)?;
            grants.refresh(client_id, fields.text("refresh_token").unwrap_or_default())
        }
        _ => {
            return Err(Refusal::invalid_request(
                "grant_type must be 'authorization_code' or 'refresh_token'",
            ));
        }
    };
    issued.map_err(|e| grant_refusal(&e))
}

fn check(fields: &Fields, required: &[&str], optional: &[&str]) -> Result<(), Refusal> {
    let always = ["client_id", "grant_type"];
    let required: Vec<&str> = always.iter().chain(required).copied().collect();
    fields.check(&required, optional)
}

/// `validateClient`: an unknown client, or a confidential one without its secret, is 401.
fn authenticate(grants: &Grants, client_id: &str, fields: &Fields) -> Result<(), Refusal> {
    if !grants.knows_client(client_id) {
        return Err(Refusal::new(401, "invalid_client", "client_not_found"));
    }
    grants
        .authenticate(client_id, fields.text("client_secret"))
        .map_err(|_| Refusal::new(401, "invalid_client", "invalid_client_credentials"))
}

/// Cal.com's reason for each refusal of the grant state machine, read from the kit's
/// description of it (`tests/tests/fake_calcom.rs` pins each one).
fn grant_refusal(e: &GrantError) -> Refusal {
    let why = match e {
        GrantError::InvalidGrant(why) => why,
        GrantError::InvalidClient => {
            return Refusal::new(401, "invalid_client", "client_not_found");
        }
        other => return Refusal::new(400, other.code(), &other.description()),
    };
    let (error, reason) = if why.starts_with("authorization code") {
        // `findValidCode(code, clientId)`: unknown, used, expired and another client's
        // codes are all "not a valid code".
        ("invalid_grant", "code_invalid_or_expired")
    } else if why.contains("redirect_uri") {
        ("invalid_grant", "redirect_uri_mismatch")
    } else if why == "code_verifier is required" {
        (
            "invalid_request",
            "pkce_missing_parameters_or_invalid_method",
        )
    } else if why.contains("code_verifier") {
        ("invalid_grant", "pkce_verification_failed")
    } else if why.contains("another client") {
        ("invalid_grant", "client_id_mismatch")
    } else if why.contains("already used") || why.contains("revoked") {
        // Rotation deletes the secret the old token names; so does removing the app.
        ("invalid_grant", "refresh_token_revoked")
    } else {
        // Unknown or expired: the JWT does not verify.
        ("invalid_grant", "invalid_refresh_token")
    };
    Refusal::new(400, error, reason)
}

/// `mintTokens`' answer: bare, `token_type` in lower case, scopes joined by spaces.
fn tokens(issued: &Issued) -> Value {
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "bearer",
        "scope": issued.scope.clone().unwrap_or_default(),
    });
    if let Some(refresh_token) = &issued.refresh_token {
        body["refresh_token"] = refresh_token.as_str().into();
    }
    if let Some(lifetime) = issued.expires_in {
        body["expires_in"] = lifetime.as_secs().into();
    }
    body
}
