//! The typed errors of this crate. None carries a key, an assertion, a token's text or a
//! response body: a failed check names the check, and a value from a hostile token (an `alg`
//! or `kid`) is kept only bounded and with control characters escaped.

use std::fmt;

/// A signing key or client assertion that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// HS256 over the client secret (`client_secret_jwt`) needs a secret of at least 32
    /// bytes (RFC 7518 §3.2: a key as long as the hash output).
    #[error(
        "client_secret_jwt needs a client secret of at least 32 bytes (RFC 7518 §3.2); this one has {len}"
    )]
    SecretTooShort {
        /// The secret's length in bytes.
        len: usize,
    },
    /// The PEM text has no `-----BEGIN ...-----` block this crate reads, or its base64 is
    /// broken.
    #[error("the PEM text is not a readable private key block: {0}")]
    Pem(&'static str),
    /// The JWK is not JSON, or lacks a member its `kty` needs.
    #[error("the JWK is not a usable private key: {0}")]
    Jwk(&'static str),
    /// ring refused the key material (wrong curve, inconsistent RSA components, too small).
    #[error("the {kind} key was refused: {reason}")]
    Rejected {
        /// `RSA` or `EC P-256`.
        kind: &'static str,
        /// ring's short description (never the key).
        reason: String,
    },
    /// Signing failed (ring reported an error), or a claim's time does not fit.
    #[error("signing failed: {0}")]
    Signing(&'static str),
}

/// Fetching a discovery document or a key set failed. Carries no response body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The request could not be sent or its answer not read.
    #[error("{what} could not be fetched: {kind}")]
    Transport {
        /// `discovery document` or `key set`.
        what: &'static str,
        /// `connect`, `timeout` or `other`.
        kind: &'static str,
    },
    /// The server answered with another status than 200.
    #[error("{what} answered HTTP {status}")]
    Status {
        /// `discovery document` or `key set`.
        what: &'static str,
        /// The status.
        status: u16,
    },
    /// The answer came from another URL: the HTTP client follows redirects.
    #[error("{what}: the HTTP client followed a redirect; the answer was not used")]
    RedirectFollowed {
        /// `discovery document` or `key set`.
        what: &'static str,
    },
    /// The body is longer than the limit.
    #[error("{what} is longer than {limit} bytes")]
    TooLarge {
        /// `discovery document` or `key set`.
        what: &'static str,
        /// The limit in bytes.
        limit: u64,
    },
    /// The body is not the JSON document expected (position only: the body is not kept).
    #[error("{what} is not valid JSON of the expected shape (line {line}, column {column})")]
    Decode {
        /// `discovery document` or `key set`.
        what: &'static str,
        /// Line of the first problem.
        line: usize,
        /// Column of the first problem.
        column: usize,
    },
    /// The discovery document names another issuer than the one it was fetched for
    /// (OpenID Connect Discovery §4.3), or a key set URL on another origin.
    #[error("the discovery document does not match its issuer: {0}")]
    Mismatch(&'static str),
}

/// The part of a compact JWS a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The whole token (not three dot-separated parts).
    Structure,
    /// The JOSE header.
    Header,
    /// The claims.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Structure => "structure",
            Self::Header => "header",
            Self::Payload => "payload",
            Self::Signature => "signature",
        })
    }
}

/// An ID token that failed verification: each variant is one check of OpenID Connect Core
/// §3.1.3.7, named by [`IdTokenError::check`]. The token's text is never kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The token response carried no `id_token` although `openid` was requested.
    #[error("the token response has no id_token")]
    Missing,
    /// The token, or one of its parts, is longer than this crate reads.
    #[error("the ID token's {part} is longer than {limit} bytes")]
    TooLarge {
        /// Which part.
        part: Part,
        /// The limit in bytes.
        limit: usize,
    },
    /// Not a compact JWS: wrong number of parts, broken base64url, or JSON that is not an
    /// object of the expected shape.
    #[error("the ID token's {part} is malformed: {problem}")]
    Malformed {
        /// Which part.
        part: Part,
        /// `base64url`, `JSON`, or what is missing.
        problem: &'static str,
    },
    /// The header lists `crit` extensions, which this verifier does not implement (RFC 7515
    /// §4.1.11 requires refusing the token).
    #[error("the ID token's header has critical extensions (crit), which are not supported")]
    CriticalHeader,
    /// The `alg` is not on the allow-list (`none` never is).
    #[error("the ID token's alg {alg} is not allowed")]
    AlgorithmNotAllowed {
        /// The header's `alg`, bounded and escaped.
        alg: String,
    },
    /// No key of the provider's key set matches the header's `kid` and `alg`, even after
    /// fetching the set again (or a fetch was not allowed yet: see [`crate::JwksCache`]).
    #[error("no key in the provider's key set matches kid {kid:?}")]
    UnknownKey {
        /// The header's `kid`, bounded and escaped.
        kid: Option<String>,
    },
    /// An HS256 token, but the verifier has no client secret to check it with.
    #[error("the ID token is HS256 but no client secret is configured to verify it")]
    NoSecretForHmac,
    /// The signature does not verify.
    #[error("the ID token's signature does not verify")]
    BadSignature,
    /// A required claim is absent or of the wrong type.
    #[error("the ID token has no valid {0} claim")]
    MissingClaim(&'static str),
    /// `iss` is not the provider's issuer.
    #[error("the ID token's iss is not the provider's issuer")]
    Issuer,
    /// `aud` does not contain this client's id.
    #[error("the ID token's aud does not contain this client")]
    Audience,
    /// Several audiences and `azp` is absent, or `azp` names another client.
    #[error("the ID token's azp is absent or names another client")]
    AuthorizedParty,
    /// `exp` is past (beyond the allowed skew).
    #[error("the ID token has expired")]
    Expired,
    /// `iat` is in the future (beyond the allowed skew).
    #[error("the ID token was issued in the future")]
    IssuedInFuture,
    /// `nonce` is absent or not the one the authorization request sent.
    #[error("the ID token's nonce does not match the authorization request's")]
    Nonce,
    /// The provider's key set could not be fetched.
    #[error(transparent)]
    KeySet(FetchError),
}

impl IdTokenError {
    /// The name of the check that failed, for logs and metrics: `present`, `size`, `format`,
    /// `alg`, `kid`, `signature`, `claims`, `iss`, `aud`, `azp`, `exp`, `iat`, `nonce`, `keys`.
    pub fn check(&self) -> &'static str {
        match self {
            Self::Missing => "present",
            Self::TooLarge { .. } => "size",
            Self::Malformed { .. } | Self::CriticalHeader => "format",
            Self::AlgorithmNotAllowed { .. } => "alg",
            Self::UnknownKey { .. } => "kid",
            Self::NoSecretForHmac | Self::BadSignature => "signature",
            Self::MissingClaim(_) => "claims",
            Self::Issuer => "iss",
            Self::Audience => "aud",
            Self::AuthorizedParty => "azp",
            Self::Expired => "exp",
            Self::IssuedInFuture => "iat",
            Self::Nonce => "nonce",
            Self::KeySet(_) => "keys",
        }
    }
}

/// A value from a token's header, for an error message: at most 40 characters, control
/// characters and non-ASCII escaped.
pub(crate) fn bounded(value: &str) -> String {
    let mut out: String = value
        .chars()
        .take(40)
        .flat_map(char::escape_default)
        .collect();
    if value.chars().nth(40).is_some() {
        out.push('…');
    }
    out
}
