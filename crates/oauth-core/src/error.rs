//! One error type for every provider and every step.
//!
//! No variant carries a raw response body or a request header: bodies may echo tokens and
//! headers hold credentials. What a server said is kept as parsed, named fields instead, with
//! every secret the request carried scrubbed out ([`crate::runtime::scrub`]), each piece at most
//! [`MAX_SERVER_TEXT`](crate::runtime::scrub::MAX_SERVER_TEXT) characters and control characters escaped.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::runtime::scrub::server_text;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong. Cheap to clone, so one failed refresh can be handed to every
/// caller that waited for it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error (an RFC 6749 error or the provider's own shape).
    #[error(transparent)]
    Server(Box<ServerError>),
    /// The authorization redirect carried an error (e.g. the user denied access).
    #[error(transparent)]
    Authorization(AuthorizationError),
    /// The authorization redirect's `state` does not match the request's: possibly a forged
    /// redirect (CSRF). The code in it was not used.
    #[error(
        "the authorization redirect's `state` does not match the request (possible CSRF); its code was not used"
    )]
    StateMismatch,
    /// The authorization redirect has neither `code` nor `error`.
    #[error("the authorization redirect has neither `code` nor `error`")]
    MissingCode,
    /// The server could not be reached, or the exchange broke off.
    #[error(transparent)]
    Transport(TransportError),
    /// The server answered with a body this client cannot read.
    #[error(transparent)]
    Decode(DecodeError),
    /// The server answered with a redirect where none is expected (redirects are never followed
    /// on token, revocation or info calls: they could carry credentials to another host).
    #[error("the server answered with an unexpected redirect (HTTP {status}); it was not followed")]
    UnexpectedRedirect {
        /// The redirect status.
        status: u16,
    },
    /// The answer came from another URL than the request was sent to: the HTTP client given
    /// to the builder follows redirects. The answer was not used, but the request (with its
    /// credentials) may have been sent on to the redirect target: build the client with
    /// `reqwest::redirect::Policy::none()`.
    #[error(
        "the HTTP client followed a redirect (final answer HTTP {status}); the answer was not used: \
         configure the client with `redirect::Policy::none()`"
    )]
    RedirectFollowed {
        /// The final answer's status.
        status: u16,
    },
    /// The answer's body is longer than the client's body limit
    /// ([`BodyLimit`](crate::BodyLimit), 1 MiB by default); it was not read.
    #[error(
        "the server's answer (HTTP {status}) is larger than the {limit}-byte limit; it was not read"
    )]
    ResponseTooLarge {
        /// The answer's status.
        status: u16,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A client was configured with something unusable (e.g. an `http` URL for a remote host).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A token store failed.
    #[error(transparent)]
    Store(StoreError),
    /// The grant behind a token source is dead (e.g. the refresh token was revoked or reused):
    /// the user must authorize again. Not retried.
    #[error("re-authorization needed: {0}")]
    NeedsReauthorization(Arc<Error>),
    /// The authorization redirect gives one of its OAuth parameters (`code`, `state`, `error`,
    /// `error_description`, `error_uri`) more than once, which RFC 6749 §3.1 forbids: which
    /// one counts is ambiguous, so none is used. The values are not kept.
    #[error(
        "the authorization redirect has `{name}` more than once (RFC 6749 §3.1 forbids it); \
         nothing in it was used"
    )]
    DuplicateParameter {
        /// The parameter's name.
        name: &'static str,
    },
}

impl Error {
    /// The HTTP status of the answer this error came from, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Server(e) => Some(e.status),
            Self::Decode(e) => e.status,
            Self::UnexpectedRedirect { status }
            | Self::RedirectFollowed { status }
            | Self::ResponseTooLarge { status, .. } => Some(*status),
            Self::NeedsReauthorization(cause) => cause.status(),
            _ => None,
        }
    }

    /// The RFC 6749 error code, if the server or the redirect gave one.
    pub fn oauth_code(&self) -> Option<&ErrorCode> {
        match self {
            Self::Server(e) => e.code.as_ref(),
            Self::Authorization(e) => Some(&e.code),
            Self::NeedsReauthorization(cause) => cause.oauth_code(),
            _ => None,
        }
    }

    /// How long the server asked to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Server(e) => e.retry_after,
            _ => None,
        }
    }

    /// Whether trying again later may succeed: network failures, timeouts, 408, 429 and 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Transport(_) => true,
            Self::Server(e) => {
                matches!(e.status, 408 | 429 | 500..=599)
                    || matches!(
                        e.code,
                        Some(ErrorCode::TemporarilyUnavailable | ErrorCode::ServerError)
                    )
            }
            _ => false,
        }
    }

    /// Whether the grant itself was refused, so that retrying with the same credentials cannot
    /// succeed. Decided by the OAuth error code alone, never by the HTTP status, which a proxy
    /// or a firewall in front of the provider can send as well:
    ///
    /// | answer | permanent | why |
    /// | --- | --- | --- |
    /// | `invalid_grant` | yes | the code or refresh token is invalid, expired, revoked or reused |
    /// | `invalid_client` | yes | the client's credentials are wrong (a configuration error) |
    /// | `unauthorized_client` | yes | the client may not use this grant |
    /// | `unsupported_grant_type` | yes | the server does not offer this grant |
    /// | `invalid_scope` | yes | the scope asked for is not granted |
    /// | any other code (`invalid_request`, ...), or none | no | a 4xx without one of these codes (a WAF's 403 page, a proxy's 404) is an error the caller sees and a token source retries with backoff |
    /// | [`Error::NeedsReauthorization`] | yes | a token source already decided |
    ///
    /// Each provider crate maps its own refusals (RingCentral's `OAU-` codes, Cal.com's
    /// envelopes) onto these codes where its error body is unambiguous.
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Server(e) => e.code.as_ref().is_some_and(ErrorCode::refuses_grant),
            Self::NeedsReauthorization(_) => true,
            _ => false,
        }
    }
}

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
    /// Whether this code refuses the grant itself (see [`Error::is_permanent`]).
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

/// A token store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    /// What kind of failure.
    pub kind: StoreErrorKind,
    /// What happened, naming the file or key.
    pub message: String,
}

/// What kind of token store failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Reading or writing failed (disk, network).
    Io,
    /// The stored document is not a token this version can read; it is left untouched.
    Corrupt,
    /// A compare-and-swap lost: someone else wrote first.
    Conflict,
    /// Waiting for another process's refresh took too long.
    LockTimeout,
    /// A refresh stopped because its leased refresh lock was lost (taken by another holder
    /// after it lapsed) or about to lapse, before it could spend (or while it was spending)
    /// the refresh token: another holder may now refresh, and two must never spend one
    /// refresh token.
    LeaseLost,
    /// The store's place is not private to this user (e.g. a directory another user owns or
    /// can write to), or the way to it is not secure (a network store's TLS certificate that
    /// fails its check, a plaintext URL to a host that is not loopback): tokens there could be
    /// read, replaced or planted. Nothing was read.
    Insecure,
    /// An encrypted store could not seal or open a document: a key is malformed, missing from
    /// the keyring, or wrong, or the document was altered or copied from another key. The
    /// document is left as it is.
    Encryption,
}

impl StoreError {
    /// A store error.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_codes_are_kept() {
        let code: ErrorCode = "slow_down".parse().unwrap();
        assert_eq!(code, ErrorCode::Other("slow_down".into()));
        assert_eq!(code.as_str(), "slow_down");
        assert_eq!(
            "invalid_grant".parse::<ErrorCode>().unwrap(),
            ErrorCode::InvalidGrant
        );
    }

    #[test]
    fn codes_are_told_from_sentences() {
        assert_eq!(
            ErrorCode::from_code_like("invalid_grant"),
            Some(ErrorCode::InvalidGrant)
        );
        assert_eq!(
            ErrorCode::from_code_like("slow_down2"),
            Some(ErrorCode::Other("slow_down2".into()))
        );
        for sentence in ["Invalid Token", "", "_x", "invalid-grant", "Unauthorized"] {
            assert_eq!(ErrorCode::from_code_like(sentence), None, "{sentence}");
        }
    }

    #[test]
    fn classification() {
        let grant: Error = ServerError::from_status(400)
            .with_code(Some("invalid_grant"))
            .into();
        assert!(grant.is_permanent() && !grant.is_transient());
        let limited: Error = ServerError::from_status(429).into();
        assert!(limited.is_transient() && !limited.is_permanent());
        let down: Error = ServerError::from_status(503).into();
        assert!(down.is_transient());
        let unavailable: Error = ServerError::from_status(400)
            .with_code(Some("temporarily_unavailable"))
            .into();
        assert!(unavailable.is_transient() && !unavailable.is_permanent());
    }

    #[test]
    fn only_an_oauth_code_refuses_a_grant_never_a_status_alone() {
        // A firewall's 403 page, a proxy's 404, a 401 without a body: not the grant's refusal.
        for status in [400, 401, 403, 404, 410, 422] {
            let bare: Error = ServerError::from_status(status).into();
            assert!(!bare.is_permanent(), "{status}");
            let other: Error = ServerError::from_status(status)
                .with_code(Some("invalid_request"))
                .into();
            assert!(!other.is_permanent(), "{status}");
        }
        for code in [
            "invalid_grant",
            "invalid_client",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        ] {
            // Whatever status carries it: some servers send `invalid_client` with a 401.
            for status in [200, 400, 401] {
                let refused: Error = ServerError::from_status(status)
                    .with_code(Some(code))
                    .into();
                assert!(refused.is_permanent(), "{code} {status}");
            }
        }
    }

    #[test]
    fn decode_error_never_echoes_values() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct T {
            n: u64,
        }
        let e = serde_json::from_str::<T>(r#"{"n":"secret-value"}"#).unwrap_err();
        let d = DecodeError::from_json(Some(200), "n".into(), &e);
        assert!(!d.to_string().contains("secret-value"), "{d}");
        assert!(d.to_string().contains("at `n`"), "{d}");
        let e = serde_json::from_str::<T>("").unwrap_err();
        assert_eq!(
            DecodeError::from_json(None, ".".into(), &e).problem,
            "the body is empty"
        );
        let e = serde_json::from_str::<T>(r#"{"n":1"#).unwrap_err();
        assert_eq!(
            DecodeError::from_json(None, ".".into(), &e).problem,
            "the body is truncated JSON"
        );
    }

    #[test]
    fn server_text_is_bounded_and_escaped_wherever_it_is_kept() {
        let long = format!("\u{1b}]0;pwned\u{7}{}", "y".repeat(5_000));
        let e = ServerError::from_status(400)
            .with_code(Some(&long))
            .with_description(Some(long.clone()))
            .with_uri(Some(long.clone()))
            .with_details(vec![
                ErrorDetail::new(
                    Some(long.clone()),
                    Some(long.clone()),
                    Some(long.clone())
                );
                1_000
            ]);
        assert_eq!(e.details.len(), MAX_DETAILS);
        let shown = format!("{e} {e:?}");
        assert!(!shown.chars().any(|c| c.is_control()), "{shown}");
        for text in [
            e.code.as_ref().unwrap().as_str(),
            e.description.as_deref().unwrap(),
            e.uri.as_deref().unwrap(),
            e.details[0].message.as_deref().unwrap(),
        ] {
            assert!(text.starts_with("\\u{1b}]0;pwned\\u{7}"), "{text}");
            assert!(text.chars().count() <= crate::runtime::scrub::MAX_SERVER_TEXT + 1);
        }
        let denied = AuthorizationError::new(ErrorCode::Other(long.clone()), Some(long), None);
        assert!(!denied.to_string().chars().any(|c| c.is_control()));
        assert!(denied.to_string().len() < 3 * crate::runtime::scrub::MAX_SERVER_TEXT);
    }
}
