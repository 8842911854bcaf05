//! Cal.com's routes: one module per OAuth flow, sharing the error envelope of Cal.com's
//! global exception filter (unknown paths, throttling, outages).
//!
//! The platform flow (`/v2/oauth/{clientId}/authorize|exchange|refresh`, [`super::platform`])
//! and the OAuth 2.0 flow (`/auth/oauth2/authorize`, `/v2/auth/oauth2/token`,
//! [`super::oauth2`]), whose clients [`CalcomRoutes::prepare`] registers beside the platform
//! client of the configuration.

use oauth_test_kit::{self as fake, Grants, Request, Response, Routes};
use serde_json::json;

use super::{OAUTH2_CLIENT_ID, OAUTH2_CLIENT_SECRET, OAUTH2_CONFIDENTIAL_CLIENT_ID};
use super::{oauth2, oauth2_lifetimes, platform};

pub(super) struct CalcomRoutes;

impl Routes for CalcomRoutes {
    fn answer(&self, request: &Request, grants: &Grants) -> Response {
        if let Some(rest) = request.path().strip_prefix(platform::PREFIX) {
            return platform::answer(request, rest, grants);
        }
        if let Some(response) = oauth2::answer(request, grants) {
            return response;
        }
        envelope(
            request,
            404,
            "NotFoundException",
            &format!("Cannot {} {}", request.method(), request.path()),
            grants,
        )
    }

    fn prepare(&self, grants: &Grants) {
        grants.register_client(OAUTH2_CLIENT_ID, None);
        grants.register_client(OAUTH2_CONFIDENTIAL_CLIENT_ID, Some(OAUTH2_CLIENT_SECRET));
        for id in [OAUTH2_CLIENT_ID, OAUTH2_CONFIDENTIAL_CLIENT_ID] {
            grants.set_client_lifetimes(id, oauth2_lifetimes());
        }
    }

    /// The global filter's envelope on both flows: throttling and outages happen before the
    /// OAuth 2.0 controller's own filter could answer in RFC 6749 shape.
    fn failure(&self, status: u16, request: &Request) -> Response {
        let (code, message) = match status {
            429 => (
                "ThrottlerException",
                "ThrottlerException: Too Many Requests",
            ),
            500 => ("InternalServerErrorException", "Internal server error"),
            _ => ("ServiceUnavailableException", "Service Unavailable"),
        };
        Response::json(
            status,
            &body(request, code, message, std::time::SystemTime::now()),
        )
    }
}

/// Cal.com's error envelope (`HttpExceptionFilter`):
/// `{status: "error", timestamp, path, error: {code, message}}`.
pub(super) fn envelope(
    request: &Request,
    status: u16,
    code: &str,
    message: &str,
    grants: &Grants,
) -> Response {
    Response::json(status, &body(request, code, message, grants.now()))
}

fn body(
    request: &Request,
    code: &str,
    message: &str,
    now: std::time::SystemTime,
) -> serde_json::Value {
    json!({
        "status": "error",
        "timestamp": fake::iso8601_millis(now),
        "path": request.path(),
        "error": {"code": code, "message": message},
    })
}
