//! RingCentral OAuth 2.0 / OpenID Connect client.
//!
//! A client generated from `specs/ringcentral.yaml` ([`generated`]) and a small layer that maps
//! it onto [`oauth_core`]: authorization URLs with PKCE S256 by default, code exchange,
//! refresh (rotating), the JWT bearer grant and revocation. Confidential clients authenticate
//! with HTTP Basic (id and secret form-encoded first, RFC 6749 §2.3.1) or, with
//! [`ClientAuthentication`], a fresh JWT per request (`client_secret_jwt`, `private_key_jwt`);
//! public clients send `client_id` in the body.
//!
//! Signing users in (OpenID Connect): [`RingCentralClient::sign_in_request`] adds `openid` and a
//! nonce it remembers, and [`RingCentralClient::sign_in`] exchanges the code and verifies the ID
//! token against the platform's discovery document and key set ([`oauth_jwt`]), returning
//! [`SignedIn`] with the typed claims, or a [`SignInError`] naming the failed check. The plain
//! [`RingCentralClient::authorization_request`] and code exchange are for API access: they
//! neither create a nonce nor verify an ID token, even with `openid` in the scope.
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant};
//! use ringcentral_oauth::{AuthorizeParams, RingCentralClient};
//!
//! # async fn run(redirect_from_browser: &str) -> oauth_core::Result<()> {
//! let client = RingCentralClient::builder("my-client-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .build()?;
//! let request = client.authorization_request(&AuthorizeParams::new("https://app.example/cb"));
//! // Send the browser to request.url(); keep `request` until it comes back.
//! let grant = request.verify_redirect(redirect_from_browser)?;
//! let token = client.exchange_code(&grant).await?;
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! # Ok(()) }
//! ```
//!
//! RingCentral has no token-info endpoint and no client-credentials grant, so neither
//! compiles:
//!
//! ```compile_fail
//! use oauth_core::TokenIntrospection;
//! async fn info(c: &ringcentral_oauth::RingCentralClient, t: &oauth_core::AccessToken) {
//!     let _ = c.token_info(t).await;
//! }
//! ```
//!
//! ```compile_fail
//! use oauth_core::ClientCredentialsGrant;
//! async fn cc(c: &ringcentral_oauth::RingCentralClient) {
//!     let _ = c.client_credentials().await;
//! }
//! ```
//!
//! Keeping idle connections alive (a refresh token lapses after 7 days of disuse by default,
//! at most 30): the `oauth-fleet` crate, beside this one, with
//! `oauth_fleet::KeepAlive::ringcentral()` (a day before `refresh_token_expires_at`).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod authorize;
mod client;
mod client_auth;
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
mod sign_in;

pub use authorize::AuthorizeParams;
pub use client::{Environment, RingCentralClient, RingCentralClientBuilder, TokenOptions};
pub use client_auth::{AssertionAudience, ClientAuthentication};
pub use generated::types;
pub use sign_in::{OidcSettings, SignInError, SignInGrant, SignInRequest, SignedIn};

/// The core crate (tokens, secrets, errors, capability traits), re-exported so that an
/// application needs no dependency of its own on it.
pub use oauth_core;
/// The JOSE crate (signing keys, ID token claims and errors), re-exported likewise.
pub use oauth_jwt;
/// The token lifecycle crate (token sources, stores, authorized requests, pending web
/// authorizations), re-exported for the same reason; this crate's `redis`, `postgres`,
/// `encryption` and `middleware` features are its features.
pub use oauth_lifecycle;

/// Everything an application names in everyday use: this crate's client types with
/// [`oauth_lifecycle::prelude`] (secrets, tokens, errors, the capability traits, token sources
/// and stores). `use ringcentral_oauth::prelude::*;`
pub mod prelude {
    pub use crate::{
        AssertionAudience, AuthorizeParams, ClientAuthentication, Environment, RingCentralClient,
        RingCentralClientBuilder, SignedIn,
    };
    pub use oauth_jwt::{IdTokenClaims, SigningKey};
    pub use oauth_lifecycle::prelude::*;
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
