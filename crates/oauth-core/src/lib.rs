//! Provider-neutral core of the OAuth 2.0 client SDK.
//!
//! Each provider crate (`procore-oauth`, `calcom-oauth`, `sunshine-conversations-oauth`,
//! `ringcentral-oauth`) wraps a client generated from its OpenAPI spec and maps it onto the
//! types here:
//!
//! - secrets that redact themselves ([`ClientSecret`], [`AccessToken`], [`RefreshToken`], ...),
//! - one [`Token`] with an absolute expiry, and one [`Error`],
//! - [`AuthorizationRequest`] with [`CsrfState`] and [`Pkce`] to start a flow and check its
//!   redirect,
//! - capability traits ([`RefreshTokenGrant`], [`TokenRevocation`], ...) that say at compile
//!   time what each provider can do,
//! - [`pending`], the authorizations a web server keeps between the redirect and its callback
//!   (several tabs, expiring, single-use, sealed),
//! - [`Renew`], how a token source gets its next token (refresh, or a grant run again),
//! - [`TokenSource`], which hands out valid tokens, refreshes each expiry exactly once across
//!   tasks (and, with a shared [`store::TokenStore`], across processes), and never loses a
//!   rotated refresh token while the process runs (a process killed between the server's
//!   answer and the store write cannot keep it: see [`source`]),
//! - [`access`], where tokens are spent: one [`access::AccessTokenSource`] for every grant, and
//!   authorized API requests ([`access::Authorizer`], as `reqwest-middleware` middleware or
//!   over a plain client) that renew a rejected token and retry once.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod authorize;
pub mod capability;
pub mod clock;
pub mod error;
pub mod extra;
#[cfg(feature = "fake")]
pub mod fake;
pub mod http;
pub mod limit;
pub mod pending;
pub mod pkce;
pub mod prelude;
pub mod refusal;
pub mod renew;
pub mod response;
pub mod scopes;
pub mod scrub;
pub mod secret;
pub mod source;
pub mod state;
pub mod store;
pub mod time;
pub mod token;
pub mod vetting;
pub mod wire;

mod answer;
mod random;

pub use access::{AccessTokenSource, Authorizer, SharedTokenSource};
pub use authorize::{
    AuthorizationGrant, AuthorizationRequest, AuthorizationRequestBuilder, RedirectQuery,
};
pub use capability::{
    AuthorizationCodeGrant, ClientCredentialsGrant, JwtBearerGrant, Provider, RefreshTokenGrant,
    TokenIntrospection, TokenRevocation,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{
    AuthorizationError, DecodeError, Error, ErrorCode, ErrorDetail, Result, ServerError,
    StoreError, StoreErrorKind, TransportError, TransportKind,
};
pub use extra::Extra;
pub use http::{BaseUrl, ClientOptions, Connection, HttpSettings};
pub use limit::BodyLimit;
pub use pkce::Pkce;
pub use refusal::Refusal;
pub use renew::Renew;
pub use scopes::Scopes;
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, JwtAssertion, PkceVerifier,
    RefreshToken, RevocableToken, SessionCookie,
};
pub use source::{RefreshEvent, RetryPolicy, TokenSource, TokenSourceBuilder};
pub use state::CsrfState;
pub use token::{StoredToken, Token, TokenType};
pub use vetting::Vetting;

/// The `reqwest-middleware` this crate's [`access::Authorizer`] plugs into.
#[cfg(feature = "middleware")]
pub use reqwest_middleware;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
