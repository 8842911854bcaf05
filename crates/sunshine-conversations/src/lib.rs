//! Zendesk Sunshine Conversations OAuth client.
//!
//! A client generated from `specs/sunshine-conversations.yaml` ([`generated`]) and a small
//! layer that maps it onto [`oauth_core`]: the authorization URL on the OAuth bridge with a
//! CSRF state (Sunshine defines no PKCE), the code exchange (client credentials in the JSON
//! body), token info and revocation with `Authorization: Bearer`, on the OAuth bridge (the
//! default) or the legacy US and EU hosts ([`Region`]).
//!
//! # Tokens never expire
//!
//! Sunshine issues a bearer token with `integration` scope and no lifetime and no refresh
//! token: it works until the integration is removed, by the user or by
//! [`revoke`](oauth_core::TokenRevocation::revoke). A received [`Token`](oauth_core::Token)
//! therefore has no [`expires_at`](oauth_core::Token::expires_at), there is nothing to refresh
//! (this client does not implement [`RefreshTokenGrant`](oauth_core::RefreshTokenGrant), so it
//! cannot back a [`TokenSource`](oauth_lifecycle::TokenSource)), and an API answering 401 means the
//! user has to authorize again. Store the token with
//! [`Token::exposing_secrets`](oauth_core::Token::exposing_secrets) and check it with
//! [`token_info`](oauth_core::TokenIntrospection::token_info).
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, TokenIntrospection, TokenRevocation};
//! use sunshine_conversations_oauth::SunshineClient;
//!
//! # async fn run(redirect_from_browser: &str) -> oauth_core::Result<()> {
//! let client = SunshineClient::builder("my-integration-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .build()?;
//! let request = client.authorization_request(Some("https://app.example/cb"));
//! // Send the browser to request.url(); keep `request` until it comes back.
//! let grant = request.verify_redirect(redirect_from_browser)?;
//! let token = client.exchange_code(&grant).await?;
//! assert!(token.expires_at().is_none() && token.refresh_token().is_none());
//! let app = client.token_info(token.access_token()).await?.app;
//! // Later, to disconnect the integration from the user's app:
//! client.revoke(&token).await?;
//! # Ok(()) }
//! ```
//!
//! Sunshine Conversations issues no refresh tokens, so a refresh does not compile:
//!
//! ```compile_fail,E0599
//! use oauth_core::RefreshTokenGrant;
//! async fn refresh(c: &sunshine_conversations_oauth::SunshineClient, rt: &oauth_core::RefreshToken) {
//!     let _ = c.refresh(rt).await;
//! }
//! ```
//!
//! Nor does a client-credentials request:
//!
//! ```compile_fail,E0599
//! use oauth_core::ClientCredentialsGrant;
//! async fn cc(c: &sunshine_conversations_oauth::SunshineClient) {
//!     let _ = c.client_credentials().await;
//! }
//! ```
//!
//! Nor the JWT bearer grant:
//!
//! ```compile_fail,E0599
//! use oauth_core::JwtBearerGrant;
//! async fn jwt(c: &sunshine_conversations_oauth::SunshineClient, a: &oauth_core::JwtAssertion) {
//!     let _ = c.jwt_bearer(a).await;
//! }
//! ```
//!
//! Idle connections need no keep-alive: Sunshine Conversations tokens never expire
//! (`oauth_fleet::KeepAlive::sunshine_conversations()` is `Never`, for an application that
//! runs the `oauth-fleet` keeper over several providers).

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

pub use client::{Region, SunshineClient, SunshineClientBuilder};
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
/// and stores). `use sunshine_conversations_oauth::prelude::*;`
pub mod prelude {
    pub use crate::{Region, SunshineClient, SunshineClientBuilder};
    pub use oauth_lifecycle::prelude::*;
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
