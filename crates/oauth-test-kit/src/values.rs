//! The values the grant state machine takes and gives: lifetimes, requests, what it issued,
//! and why it refused.

use std::time::{Duration, SystemTime};

use super::time::{epoch_millis, epoch_secs};

/// Token lifetimes and rotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    /// Access token lifetime; `None`: tokens never expire (valid until revoked).
    pub access: Option<Duration>,
    /// Refresh token lifetime; `None`: no expiry.
    pub refresh: Option<Duration>,
    /// Authorization code lifetime.
    pub code: Duration,
    /// Whether the code and JWT grants issue a refresh token at all.
    pub issue_refresh: bool,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            access: Some(Duration::from_secs(3600)),
            refresh: Some(Duration::from_secs(7 * 24 * 3600)),
            code: Duration::from_secs(60),
            issue_refresh: true,
        }
    }
}

/// Why the fake refused a grant; providers turn it into their own error body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantError {
    /// A required parameter is missing or malformed (`invalid_request`).
    InvalidRequest(String),
    /// Unknown client or wrong secret (`invalid_client`).
    InvalidClient,
    /// The code, refresh token or assertion is unknown, used, expired, revoked, or bound to
    /// something else (`invalid_grant`). The text says which.
    InvalidGrant(String),
    /// The grant type is not one this server takes (`unsupported_grant_type`).
    UnsupportedGrantType,
    /// The access token presented to a resource (token info) is unknown, expired or revoked.
    InvalidToken,
}

impl GrantError {
    /// The RFC 6749 (or RFC 6750) error code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidToken => "invalid_token",
        }
    }

    /// A description in the spirit of the real servers'.
    pub fn description(&self) -> String {
        match self {
            Self::InvalidRequest(s) | Self::InvalidGrant(s) => s.clone(),
            Self::InvalidClient => "Client authentication failed".into(),
            Self::UnsupportedGrantType => "Unsupported grant type".into(),
            Self::InvalidToken => "Invalid token".into(),
        }
    }
}

/// What a successful grant issued. `Debug` redacts the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Issued {
    /// The access token.
    pub access_token: String,
    /// The refresh token, when one was issued.
    pub refresh_token: Option<String>,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// Access token lifetime (`None`: does not expire).
    pub expires_in: Option<Duration>,
    /// Refresh token lifetime (`None`: no refresh token, or it does not expire).
    pub refresh_expires_in: Option<Duration>,
    /// Granted scope, space separated, when the request named one.
    pub scope: Option<String>,
    /// The user (resource owner) the grant is for.
    pub subject: String,
    /// The client it was issued to.
    pub client_id: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("issued_at", &self.issued_at)
            .field("expires_in", &self.expires_in)
            .field("refresh_expires_in", &self.refresh_expires_in)
            .field("scope", &self.scope)
            .field("subject", &self.subject)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl Issued {
    /// Seconds since the unix epoch of [`Issued::issued_at`].
    pub fn issued_at_secs(&self) -> u64 {
        epoch_secs(self.issued_at)
    }

    /// When the access token expires, in epoch milliseconds.
    pub fn expires_at_millis(&self) -> Option<u64> {
        self.expires_in.map(|d| epoch_millis(self.issued_at + d))
    }

    /// When the refresh token expires, in epoch milliseconds.
    pub fn refresh_expires_at_millis(&self) -> Option<u64> {
        self.refresh_expires_in
            .filter(|_| self.refresh_token.is_some())
            .map(|d| epoch_millis(self.issued_at + d))
    }
}

/// What the token-info endpoints report about a live access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessInfo {
    /// The client it was issued to.
    pub client_id: String,
    /// The user it acts for.
    pub subject: String,
    /// Granted scope.
    pub scope: Option<String>,
    /// When it was issued.
    pub issued_at: SystemTime,
    /// Seconds left (`None`: does not expire).
    pub expires_in: Option<Duration>,
}

/// An authorization request, as the authorize endpoint received it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeRequest {
    /// `client_id`.
    pub client_id: String,
    /// `redirect_uri`; the exchange must send the same one.
    pub redirect_uri: Option<String>,
    /// `scope`.
    pub scope: Option<String>,
    /// `code_challenge`.
    pub code_challenge: Option<String>,
    /// `code_challenge_method` (`S256`; `plain` when absent, RFC 7636 §4.3).
    pub code_challenge_method: Option<String>,
}

/// A code exchange, as the token endpoint received it. `Debug` redacts the code and verifier.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CodeExchange {
    /// The client, already authenticated by the provider's routes.
    pub client_id: String,
    /// `code`.
    pub code: String,
    /// `redirect_uri`, checked when the provider's exchange sends one.
    pub redirect_uri: Option<String>,
    /// `code_verifier`, required when the code was issued with a challenge.
    pub code_verifier: Option<String>,
    /// Whether `redirect_uri` must match the authorization request's (RFC 6749 §4.1.3);
    /// false for providers whose exchange does not send it.
    pub check_redirect_uri: bool,
}

impl std::fmt::Debug for CodeExchange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeExchange")
            .field("client_id", &self.client_id)
            .field("code", &"[redacted]")
            .field("redirect_uri", &self.redirect_uri)
            .field(
                "code_verifier",
                &self.code_verifier.as_ref().map(|_| "[redacted]"),
            )
            .field("check_redirect_uri", &self.check_redirect_uri)
            .finish()
    }
}
