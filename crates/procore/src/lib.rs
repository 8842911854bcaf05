//! Procore OAuth 2.0 client.
//!
//! A client generated from `specs/procore.yaml` ([`generated`]) and a small layer that maps it
//! onto [`oauth_core`]: the authorization URL on the login host (with a CSRF state; Procore
//! has no PKCE), code exchange, refresh (rotating), client credentials for service accounts
//! (no refresh token), revocation (with `Procore-Company-Id`) and token info (with
//! `Authorization: Bearer`), in production, the sandbox and the monthly sandbox. Every call
//! goes to the environment's login host; client credentials travel in the JSON body.
//!
//! # Token expiry
//!
//! A token's [`expires_at`](oauth_core::Token::expires_at) is `created_at + expires_in`, counted
//! from when Procore says it issued the token rather than from receipt. Procore's OAuth server
//! (Doorkeeper) sends as `expires_in` the lifetime left when it answers, so this never runs past
//! the real expiry however long the answer took to arrive; when the server hands back a token
//! it issued earlier it runs short, which only means an early refresh. `created_at` is the
//! server's clock: when it cannot be right against the local one (later than receipt, or so
//! early that the token would have expired before it arrived) the expiry is counted from
//! receipt instead, so a skewed local clock cannot make every fresh token look expired.
//! `created_at` is kept in [`Token::extra`](oauth_core::Token::extra).
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant, TokenRevocation};
//! use procore_oauth::{Environment, ProcoreClient};
//!
//! # async fn run(redirect_from_browser: &str) -> oauth_core::Result<()> {
//! let client = ProcoreClient::builder("my-client-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .environment(Environment::Sandbox)
//!     .company_id(12345)
//!     .build()?;
//! let request = client.authorization_request("https://app.example/cb");
//! // Send the browser to request.url(); keep `request` until it comes back.
//! let grant = request.verify_redirect(redirect_from_browser)?;
//! let token = client.exchange_code(&grant).await?;
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! client.revoke(&token).await?;
//! # Ok(()) }
//! ```
//!
//! A service account:
//!
//! ```no_run
//! use oauth_core::{ClientCredentialsGrant, ClientSecret, TokenIntrospection};
//! use procore_oauth::ProcoreClient;
//!
//! # async fn run() -> oauth_core::Result<()> {
//! let client = ProcoreClient::builder("service-account-id")
//!     .client_secret(ClientSecret::new("service-account-secret"))
//!     .build()?;
//! let token = client.client_credentials().await?;
//! let info = client.token_info(token.access_token()).await?;
//! # Ok(()) }
//! ```
//!
//! Procore has no JWT bearer grant, so this does not compile:
//!
//! ```compile_fail,E0599
//! use oauth_core::JwtBearerGrant;
//! async fn jwt(c: &procore_oauth::ProcoreClient, a: &oauth_core::JwtAssertion) {
//!     let _ = c.jwt_bearer(a).await;
//! }
//! ```
//!
//! Idle connections need no keep-alive: a Procore refresh token lives until used, and every
//! refresh spends it (`oauth_fleet::KeepAlive::procore()` is `Never`, for an application
//! that runs the `oauth-fleet` keeper over several providers).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod authorize;
mod client;
mod convert;
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated;
#[cfg(feature = "mock")]
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated_mock;
#[cfg(feature = "mock")]
pub mod mock;

pub use authorize::OUT_OF_BAND_REDIRECT_URI;
pub use client::{Environment, ProcoreClient, ProcoreClientBuilder};
pub use generated::types;

/// The core crate (tokens, secrets, errors, capability traits), re-exported so that an
/// application needs no dependency of its own on it.
pub use oauth_core;
/// The token lifecycle crate (token sources, stores, authorized requests, pending web
/// authorizations), re-exported for the same reason; this crate's `redis`, `postgres`,
/// `encryption` and `middleware` features are its features.
pub use oauth_lifecycle;

/// Everything an application names in everyday use: this crate's client types with
/// [`oauth_lifecycle::prelude`] (secrets, tokens, errors, the capability traits, token sources
/// and stores). `use procore_oauth::prelude::*;`
pub mod prelude {
    pub use crate::{Environment, ProcoreClient, ProcoreClientBuilder};
    pub use oauth_lifecycle::prelude::*;
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
