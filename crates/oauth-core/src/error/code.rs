//! [`ErrorCode`]: the OAuth error codes, told from the sentences some providers send instead.

use std::fmt;
use std::str::FromStr;

/// An RFC 6749 §5.2 error code (plus the RFC 6750 and RFC 7009 ones); unknown codes are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`: the code or refresh token is invalid, expired, revoked or reused.
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied`
    AccessDenied,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// `invalid_token` (RFC 6750)
    InvalidToken,
    /// `unsupported_token_type` (RFC 7009)
    UnsupportedTokenType,
    /// `expired_token`
    ExpiredToken,
    /// Any other code, as sent.
    Other(String),
}

impl ErrorCode {
    /// Whether this code refuses the grant itself (see [`Error::is_permanent`](crate::Error::is_permanent)).
    pub fn refuses_grant(&self) -> bool {
        matches!(
            self,
            Self::InvalidGrant
                | Self::InvalidClient
                | Self::UnauthorizedClient
                | Self::UnsupportedGrantType
                | Self::InvalidScope
        )
    }

    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::ExpiredToken => "expired_token",
            Self::Other(s) => s,
        }
    }
}

impl ErrorCode {
    /// Reads `error` when it is a code (`invalid_grant`: one snake_case word); `None` for a
    /// sentence (`Invalid Token`), which some providers put in the same field.
    pub fn from_code_like(error: &str) -> Option<Self> {
        let code_like = error.starts_with(|c: char| c.is_ascii_lowercase())
            && error
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        code_like.then(|| {
            error
                .parse()
                .unwrap_or_else(|e: std::convert::Infallible| match e {})
        })
    }
}

impl FromStr for ErrorCode {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "invalid_token" => Self::InvalidToken,
            "unsupported_token_type" => Self::UnsupportedTokenType,
            "expired_token" => Self::ExpiredToken,
            other => Self::Other(other.to_owned()),
        })
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
