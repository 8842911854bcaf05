//! One error type for every provider and every step.
//!
//! No variant carries a raw response body or a request header: bodies may echo tokens and
//! headers hold credentials. What a server said is kept as parsed, named fields instead, with
//! every secret the request carried scrubbed out ([`crate::runtime::scrub`]), each piece at most
//! [`MAX_SERVER_TEXT`](crate::runtime::scrub::MAX_SERVER_TEXT) characters and control characters escaped.

use std::sync::Arc;
use std::time::Duration;

mod code;
mod server;
mod store;
mod transport;

pub use code::ErrorCode;
pub use server::{AuthorizationError, ErrorDetail, MAX_DETAILS, ServerError};
pub use store::{StoreError, StoreErrorKind};
pub use transport::{DecodeError, TransportError, TransportKind};

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
