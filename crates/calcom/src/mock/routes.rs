//! Cal.com's routes: one module per OAuth flow, sharing the error envelope.
//!
//! Today the platform flow (`/v2/oauth/{clientId}/authorize|exchange|refresh`,
//! [`super::platform`]) is served; Cal.com's newer RFC 6749 flow (`/v2/auth/oauth2/...`) gets
//! a module of its own beside it and one more arm in [`CalcomRoutes::answer`].

use oauth_test_kit::{self as fake, Grants, Request, Response, Routes};
use serde_json::json;

use super::platform;

pub(super) struct CalcomRoutes;

impl Routes for CalcomRoutes {
    fn answer(&self, request: &Request, grants: &Grants) -> Response {
        if let Some(rest) = request.path().strip_prefix(platform::PREFIX) {
            return platform::answer(request, rest, grants);
        }
        envelope(
            request,
            404,
            "NotFoundException",
            &format!("Cannot {} {}", request.method(), request.path()),
            grants,
        )
    }

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
