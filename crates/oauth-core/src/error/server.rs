//! What a server said when it refused: [`ServerError`], its [`ErrorDetail`]s, and the
//! [`AuthorizationError`] of a redirect.

use std::fmt;
use std::time::Duration;

use super::{Error, ErrorCode};
use crate::runtime::scrub::server_text;

/// The most provider error entries a [`ServerError`] keeps.
pub const MAX_DETAILS: usize = 16;

/// Non-empty server text, bounded and escaped.
fn kept_text(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty()).map(|t| server_text(&t))
}

/// An error answer from the server, in whatever shape the provider uses.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerError {
    /// HTTP status (200 when a provider reports an error inside a success answer).
    pub status: u16,
    /// The RFC 6749 `error`, when the body has one.
    pub code: Option<ErrorCode>,
    /// `error_description`, or the provider's message.
    pub description: Option<String>,
    /// `error_uri`.
    pub uri: Option<String>,
    /// `Retry-After`, when sent (429, 503).
    pub retry_after: Option<Duration>,
    /// The provider's own error entries (Cal.com's `error`, Sunshine's `errors[]`,
    /// RingCentral's `errors[]`, Procore's `code`/`message`/`reason`).
    pub details: Vec<ErrorDetail>,
}

impl ServerError {
    /// An error known only by its status.
    pub fn from_status(status: u16) -> Self {
        Self {
            status,
            code: None,
            description: None,
            uri: None,
            retry_after: None,
            details: Vec::new(),
        }
    }

    /// Sets the RFC 6749 code from the wire value (`None` or empty leaves it unset; an
    /// unknown code is kept as [`server_text`]).
    pub fn with_code(mut self, code: Option<&str>) -> Self {
        self.code = code.filter(|c| !c.is_empty()).map(|c| {
            server_text(c)
                .parse()
                .unwrap_or_else(|e: std::convert::Infallible| match e {})
        });
        self
    }

    /// Sets the description (kept as [`server_text`]).
    pub fn with_description(mut self, description: Option<String>) -> Self {
        self.description = kept_text(description);
        self
    }

    /// Sets the `error_uri` (kept as [`server_text`]).
    pub fn with_uri(mut self, uri: Option<String>) -> Self {
        self.uri = kept_text(uri);
        self
    }

    /// Adds the provider's error entries, the first [`MAX_DETAILS`] of them.
    pub fn with_details(mut self, mut details: Vec<ErrorDetail>) -> Self {
        details.truncate(MAX_DETAILS);
        self.details = details;
        self
    }

    /// Sets `Retry-After`.
    pub fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server answered HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " `{code}`")?;
        }
        if let Some(d) = &self.description {
            write!(f, ": {d}")?;
        }
        for detail in &self.details {
            write!(f, "; {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ServerError {}

impl From<ServerError> for Error {
    fn from(e: ServerError) -> Self {
        Self::Server(Box::new(e))
    }
}

/// One entry of a provider's error list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// The provider's code (`OAU-251`, `unauthorized`, `BadRequestException`, ...).
    pub code: Option<String>,
    /// The provider's message.
    pub message: Option<String>,
    /// The parameter or field the entry is about. Its value is never kept: it may be a secret.
    pub target: Option<String>,
}

impl ErrorDetail {
    /// An entry from its parts, each kept as [`server_text`].
    pub fn new(code: Option<String>, message: Option<String>, target: Option<String>) -> Self {
        Self {
            code: code.map(|t| server_text(&t)),
            message: message.map(|t| server_text(&t)),
            target: target.map(|t| server_text(&t)),
        }
    }
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(c) = &self.code {
            parts.push(format!("[{c}]"));
        }
        if let Some(m) = &self.message {
            parts.push(m.clone());
        }
        if let Some(t) = &self.target {
            parts.push(format!("(parameter `{t}`)"));
        }
        f.write_str(&parts.join(" "))
    }
}

/// The error a provider put in the authorization redirect (`?error=access_denied&...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authorization failed: `{code}`{}", description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
#[non_exhaustive]
pub struct AuthorizationError {
    /// `error`.
    pub code: ErrorCode,
    /// `error_description`.
    pub description: Option<String>,
    /// `error_uri`.
    pub uri: Option<String>,
}

impl AuthorizationError {
    /// An error from the redirect's fields (description and URI kept as
    /// [`server_text`]).
    pub fn new(code: ErrorCode, description: Option<String>, uri: Option<String>) -> Self {
        let code = match code {
            ErrorCode::Other(other) => ErrorCode::Other(server_text(&other)),
            known => known,
        };
        Self {
            code,
            description: description.map(|t| server_text(&t)),
            uri: uri.map(|t| server_text(&t)),
        }
    }
}
