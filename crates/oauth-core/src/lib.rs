//! Provider-neutral core of the OAuth 2.0 client SDK: the token model every provider crate
//! maps its generated client onto, and what those clients run on.
//!
//! Each provider crate (`procore-oauth`, `calcom-oauth`, `sunshine-conversations-oauth`,
//! `ringcentral-oauth`) wraps a client generated from its OpenAPI spec and maps it onto the
//! types here:
//!
//! - secrets that redact themselves ([`ClientSecret`], [`AccessToken`], [`RefreshToken`], ...),
//! - one [`Token`] with an absolute expiry (and the [`Refusal`] a store keeps with it), and one
//!   [`Error`],
//! - [`AuthorizationRequest`] with [`CsrfState`] and [`Pkce`] to start a flow and check its
//!   redirect,
//! - capability traits ([`RefreshTokenGrant`], [`TokenRevocation`], ...) that say at compile
//!   time what each provider can do,
//! - [`ClientOptions`], the connection settings every provider client shares,
//! - [`runtime`], what the generated clients need to run (the execution hook's body limit and
//!   scrubbing, lenient wire scalars); applications never name it.
//!
//! The token lifecycle (token sources, stores, request authorization, pending web
//! authorizations) is the `oauth-lifecycle` crate; the fake authorization server is
//! `oauth-test-kit`. A provider crate re-exports all it needs, so an application depends on
//! that crate alone.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod authorize;
pub mod capability;
pub mod clock;
pub mod error;
pub mod extra;
pub mod http;
pub mod pkce;
pub mod prelude;
pub mod refusal;
pub mod runtime;
pub mod scopes;
pub mod secret;
pub mod state;
pub mod token;

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
pub use http::{BaseUrl, ClientOptions, HttpSettings};
pub use pkce::Pkce;
pub use refusal::Refusal;
pub use runtime::limit::BodyLimit;
pub use scopes::Scopes;
pub use secret::{
    AccessToken, AuthorizationCode, ClientSecret, IdToken, JwtAssertion, PkceVerifier,
    RefreshToken, RevocableToken, SessionCookie,
};
pub use state::CsrfState;
pub use token::{StoredToken, Token, TokenType};

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
