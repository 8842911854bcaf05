//! Failures before an answer could be read: [`TransportError`] and [`DecodeError`].

use super::Error;

/// What kind of network failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportKind {
    /// The connection could not be made: the request never reached the server.
    Connect,
    /// No answer in time: the request may or may not have been processed.
    Timeout,
    /// The exchange broke off after the request was sent, or another I/O failure.
    Other,
}

/// A network failure. The URL is never included (query strings can carry tokens).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", match kind {
    TransportKind::Connect => "could not connect to the server",
    TransportKind::Timeout => "the server did not answer in time",
    TransportKind::Other => "the exchange with the server failed",
})]
pub struct TransportError {
    /// What kind of failure.
    pub kind: TransportKind,
    /// The transport's message, without URL.
    pub message: String,
}

impl TransportError {
    /// Whether the request may have reached the server (and been acted on).
    pub fn may_have_reached_server(&self) -> bool {
        self.kind != TransportKind::Connect
    }
}

impl From<reqwest::Error> for TransportError {
    fn from(e: reqwest::Error) -> Self {
        let kind = if e.is_connect() {
            TransportKind::Connect
        } else if e.is_timeout() {
            TransportKind::Timeout
        } else {
            TransportKind::Other
        };
        let e = e.without_url();
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Self { kind, message }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        Self::Transport(e.into())
    }
}

/// A response body that could not be read as the expected shape.
///
/// The body itself is never kept. `problem` says what kind of mismatch it was, without the
/// offending value (it may be a token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("could not read the server's answer{}: {problem}{}",
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
    if path.is_empty() || path == "." { String::new() } else { format!(" at `{path}`") })]
pub struct DecodeError {
    /// HTTP status, when known.
    pub status: Option<u16>,
    /// Path of the field that failed, e.g. `data.accessToken` (`.` for the whole body).
    pub path: String,
    /// What was wrong.
    pub problem: String,
}

impl DecodeError {
    /// Describes a serde_json failure at `path` without echoing any value from the body.
    pub fn from_json(status: Option<u16>, path: String, e: &serde_json::Error) -> Self {
        use serde_json::error::Category;
        let problem = match e.classify() {
            Category::Eof if e.line() == 1 && e.column() == 0 => "the body is empty".to_owned(),
            Category::Eof => "the body is truncated JSON".to_owned(),
            Category::Syntax => format!(
                "the body is not JSON (syntax error at line {} column {})",
                e.line(),
                e.column()
            ),
            Category::Io => "the body could not be read".to_owned(),
            Category::Data => {
                let text = e.to_string();
                if text.starts_with("missing field") || text.starts_with("duplicate field") {
                    text.split(" at line").next().unwrap_or("").to_owned()
                } else {
                    "a field has the wrong type or an invalid value".to_owned()
                }
            }
        };
        Self {
            status,
            path,
            problem,
        }
    }
}
