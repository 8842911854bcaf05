//! [`Refusal`]: the provider's refusal of a grant, recorded with its stored token.
//!
//! When a refresh is refused for good (`invalid_grant`, ...), the token source writes the
//! refusal into the store beside the token, so that every process and command sharing the
//! store knows the user must authorize again, without spending anything to find out: another
//! replica's source reports it at once, `oauth status` shows it, a connection registry lists
//! it. A new authorization stores a token without one, which ends it everywhere.

use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, ServerError};
use crate::runtime::scrub::server_text;
use crate::runtime::time;

/// Why and when the provider refused the grant behind a stored token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    /// The OAuth error code (`invalid_grant`, `invalid_client`, ...), or what stood in its
    /// place when the refusal was not an OAuth error (a missing refresh token, a deleted
    /// token).
    pub error: String,
    /// The server's description, as kept in errors (scrubbed and bounded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The HTTP status of the refusal, if it came from the server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// When, unix milliseconds.
    pub at_ms: u64,
}

impl Refusal {
    /// The record of `error` (a permanent refusal) at `at`.
    pub fn from_error(error: &Error, at: SystemTime) -> Self {
        let cause = match error {
            Error::NeedsReauthorization(cause) => cause.as_ref(),
            other => other,
        };
        let (code, description, status) = match cause {
            Error::Server(e) => (
                e.code
                    .as_ref()
                    .map_or_else(|| "refused".to_owned(), |c| c.as_str().to_owned()),
                e.description.clone(),
                Some(e.status),
            ),
            other => (
                "refused".to_owned(),
                Some(server_text(&other.to_string())),
                None,
            ),
        };
        Self {
            error: server_text(&code),
            description,
            status,
            at_ms: time::to_unix_ms(at),
        }
    }

    /// When the grant was refused.
    pub fn at(&self) -> SystemTime {
        time::from_unix_ms(self.at_ms)
    }

    /// The refusal as the error a token source reports: [`Error::NeedsReauthorization`].
    pub fn to_error(&self) -> Error {
        let server = ServerError::from_status(self.status.unwrap_or(400))
            .with_code(Some(&self.error))
            .with_description(self.description.clone());
        Error::NeedsReauthorization(Arc::new(Error::Server(Box::new(server))))
    }

    /// Whether this is the provider's refusal of the grant (an OAuth error code), rather than
    /// a local finding (no refresh token, a deleted token).
    pub fn is_oauth_error(&self) -> bool {
        !matches!(self.error.parse(), Ok(ErrorCode::Other(_)))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn a_refusal_keeps_code_description_status_and_time_and_reads_back() {
        let error = Error::Server(Box::new(
            ServerError::from_status(400)
                .with_code(Some("invalid_grant"))
                .with_description(Some("Token is revoked".into())),
        ));
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let refusal = Refusal::from_error(&error, at);
        assert_eq!(refusal.error, "invalid_grant");
        assert_eq!(refusal.description.as_deref(), Some("Token is revoked"));
        assert_eq!(refusal.status, Some(400));
        assert_eq!(refusal.at(), at);
        assert!(refusal.is_oauth_error());
        let back = refusal.to_error();
        assert_eq!(back.oauth_code(), Some(&ErrorCode::InvalidGrant));
        assert!(back.is_permanent());
        let json = serde_json::to_string(&refusal).unwrap();
        assert_eq!(serde_json::from_str::<Refusal>(&json).unwrap(), refusal);
    }
}
