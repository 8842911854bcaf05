//! Cal.com's error bodies, one type for both flows: the envelope of the platform endpoints and
//! of older OAuth 2.0 servers, and the RFC 6749 body of today's OAuth 2.0 token endpoint.

use oauth_core::runtime::response::ErrorBody;
use oauth_core::{ErrorCode, ErrorDetail, ServerError};

use crate::generated::types::{self, ErrorField};

impl ErrorBody for types::ErrorResponse {
    /// `{"status": "error", ...}` or an `error` (object or code): also when it comes with a
    /// 200.
    fn reports_error(&self) -> bool {
        self.status.as_deref() == Some("error") || self.error.is_some()
    }

    /// An RFC 6749 body (`{"error": "invalid_grant", "error_description": ...}`) gives the code,
    /// its description and `error_uri`.
    ///
    /// The envelope (`{"error": {"code", "message", "details"}}`) gives the message as the
    /// description and code and message as one [`ErrorDetail`]. Its `code` is an exception
    /// name (`BadRequestException`), never an RFC 6749 code; older OAuth 2.0 servers put the
    /// RFC 6749 code in `message` (`HttpException(err.message)`), so a message that is one of
    /// the codes [`ErrorCode`] knows becomes [`ServerError::code`]. The platform endpoints'
    /// fixed refusal sentences (`Invalid refresh token`, `Invalid OAuthClient credentials.`)
    /// become `invalid_grant` / `invalid_client`; any other sentence leaves it unset. `details` (validation output on
    /// non-production servers) is dropped: it can echo the request.
    ///
    /// An `error` string that is a sentence (NestJS's default `"Bad Request"`) is no code.
    fn into_server_error(self, status: u16) -> ServerError {
        let error = ServerError::from_status(status).with_uri(self.error_uri);
        match self.error {
            Some(ErrorField::OAuth2ErrorCode(code)) => {
                let mut error = error.with_description(self.error_description);
                error.code = ErrorCode::from_code_like(&code);
                error
            }
            Some(ErrorField::ErrorDetail(e)) if e.code.is_some() || e.message.is_some() => {
                let code = e
                    .message
                    .as_deref()
                    .and_then(|m| known_code(m).or_else(|| platform_refusal(m)));
                let mut error = error
                    .with_description(e.message.clone().or(self.error_description))
                    .with_details(vec![ErrorDetail::new(e.code, e.message, None)]);
                error.code = code;
                error
            }
            _ => error.with_description(self.error_description),
        }
    }
}

/// The RFC 6749 code that a platform endpoint's refusal stands for. Cal.com's platform flow
/// (`/v2/oauth/{clientId}/exchange` and `/refresh`) refuses with exception envelopes whose
/// messages are fixed sentences (calcom/cal.com
/// `apps/api/v2/src/modules/oauth-clients/services/oauth-flow.service.ts` @ 13c97c67 and
/// `.../guards/oauth-client-credentials/oauth-client-credentials.guard.ts` @ 307c6094): a
/// refused grant or client is told from a proxy's error page only by these, so only these
/// count ([`oauth_core::Error::is_permanent`]); any other sentence leaves the code unset.
fn platform_refusal(message: &str) -> Option<ErrorCode> {
    let message = message.trim().trim_end_matches('.').to_ascii_lowercase();
    match message.as_str() {
        "invalid refresh token"
        | "invalid managed user refresh token"
        | "invalid authorization token" => Some(ErrorCode::InvalidGrant),
        "invalid oauthclient credentials"
        | "invalid oauth client"
        | "invalid client credentials"
        | "missing client secret"
        | "missing client id" => Some(ErrorCode::InvalidClient),
        _ => None,
    }
}

/// `message` when it is exactly one of the RFC 6749 / 6750 / 7009 codes.
fn known_code(message: &str) -> Option<ErrorCode> {
    match ErrorCode::from_code_like(message)? {
        ErrorCode::Other(_) => None,
        code => Some(code),
    }
}
