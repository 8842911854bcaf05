//! Cal.com v2 OAuth client.
//!
//! A client generated from `specs/calcom.yaml` ([`generated`]) and a small layer that maps it
//! onto [`oauth_core`], for both of Cal.com's flows.
//!
//! # Which flow
//!
//! - **New integrations: the OAuth 2.0 flow, [`CalcomOAuth2Client`]** ([`oauth2`]). Standard
//!   RFC 6749: the user authorizes your app on Cal.com's authorization page, you exchange the
//!   code at `POST /v2/auth/oauth2/token` and refresh there (rotating refresh tokens). Public
//!   clients use PKCE without a secret; confidential ones send their secret too.
//! - **Platform apps with managed users: [`CalcomClient`]**, the `/v2/oauth/{clientId}/...`
//!   endpoints (`authorize` with the user's session, `exchange`, `refresh`). Cal.com lists
//!   them under "Deprecated: Platform / Managed Users" and says they will be removed; they stay
//!   here for the apps built on them.
//!
//! Both implement [`oauth_core::AuthorizationCodeGrant`] and [`oauth_core::RefreshTokenGrant`],
//! so [`oauth_lifecycle::TokenSource`] and the authorized-request layer work over either.
//!
//! ```no_run
//! use calcom_oauth::{AuthorizeParams, CalcomOAuth2Client};
//! use oauth_core::{AuthorizationCodeGrant, RefreshTokenGrant};
//!
//! # async fn run(redirect_from_browser: &str) -> oauth_core::Result<()> {
//! // A public client (PKCE only); add `.client_secret(...)` for a confidential one.
//! let client = CalcomOAuth2Client::builder("my-client-id").build()?;
//! let params = AuthorizeParams::new("https://app.example/cb").scope("BOOKING_READ");
//! let request = client.authorization_request(&params);
//! // Send the browser to request.url(); keep `request` until it comes back.
//! let grant = request.verify_redirect(redirect_from_browser)?;
//! let token = client.exchange_code(&grant).await?;
//! // Store the new refresh token: the old one stops working.
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! # Ok(()) }
//! ```
//!
//! # The platform flow
//!
//! The server-side authorization (a `POST` that Cal.com answers with a
//! redirect carrying the code; the redirect is read, never followed), the code exchange (the
//! code as `Authorization: Bearer`, the client secret in the JSON body) and the refresh (the
//! secret as `x-cal-secret-key`; refresh tokens rotate). Every platform client has a client
//! secret: [`CalcomClientBuilder::build`] refuses to build without one.
//!
//! ```no_run
//! use calcom_oauth::CalcomClient;
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant, SessionCookie};
//!
//! # async fn run(session: SessionCookie) -> oauth_core::Result<()> {
//! let client = CalcomClient::builder("my-client-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .build()?;
//! // `session`: the Cal.com user's `Cookie` header value.
//! let redirect = client.authorize("https://app.example/cb", Some(&session)).await?;
//! let token = client.exchange_code(redirect.grant()).await?;
//! // Store the new refresh token: the old one stops working.
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! # Ok(()) }
//! ```
//!
//! ## Token expiry
//!
//! Current Cal.com servers send `accessTokenExpiresAt` and `refreshTokenExpiresAt` in epoch
//! milliseconds; they become [`Token::expires_at`](oauth_core::Token::expires_at) and
//! [`Token::refresh_token_expires_at`](oauth_core::Token::refresh_token_expires_at) as they
//! are. Older servers send neither: the access token then expires 60 minutes after receipt,
//! Cal.com's documented lifetime, and the refresh token's expiry is unknown (`None`; Cal.com
//! documents one year but the answer does not say when the year started). An
//! `accessTokenExpiresAt` that is not after receipt (the server's clock and ours disagree) is
//! also replaced by the 60 minutes, so that the token does not look expired forever.
//!
//! ## Errors
//!
//! Cal.com's platform endpoints answer errors as `{"status": "error", "timestamp", "path",
//! "error": {"code", "message", "details"}}`, sometimes with a 200. Either way they are
//! [`Error::Server`](oauth_core::Error::Server) with the message as description and code and
//! message as one [`ErrorDetail`](oauth_core::ErrorDetail); Cal.com's codes are exception names,
//! not RFC 6749 codes, so [`Error::oauth_code`](oauth_core::Error::oauth_code) is `None` unless
//! the message itself is an RFC 6749 code (as older OAuth 2.0 servers send).
//!
//! (The OAuth 2.0 flow's errors carry RFC 6749 codes: see [`oauth2`].)
//!
//! Cal.com has no revocation, client-credentials, JWT-bearer or token-info endpoint, so none of
//! these compiles:
//!
//! ```compile_fail,E0599
//! use oauth_core::TokenRevocation;
//! async fn revoke(c: &calcom_oauth::CalcomClient, token: oauth_core::Token) {
//!     let _ = c.revoke(&token).await;
//! }
//! ```
//!
//! ```compile_fail,E0599
//! use oauth_core::TokenRevocation;
//! async fn revoke(c: &calcom_oauth::CalcomOAuth2Client, token: oauth_core::Token) {
//!     let _ = c.revoke(&token).await;
//! }
//! ```
//!
//! ```compile_fail,E0599
//! use oauth_core::ClientCredentialsGrant;
//! async fn cc(c: &calcom_oauth::CalcomClient) {
//!     let _ = c.client_credentials().await;
//! }
//! ```
//!
//! ```compile_fail,E0599
//! use oauth_core::JwtBearerGrant;
//! async fn jwt(c: &calcom_oauth::CalcomClient, a: &oauth_core::JwtAssertion) {
//!     let _ = c.jwt_bearer(a).await;
//! }
//! ```
//!
//! ```compile_fail,E0599
//! use oauth_core::TokenIntrospection;
//! async fn info(c: &calcom_oauth::CalcomClient, t: &oauth_core::AccessToken) {
//!     let _ = c.token_info(t).await;
//! }
//! ```
//!
//! Keeping idle connections alive (OAuth 2.0 refresh tokens last 30 days, platform ones a
//! year): the `oauth-fleet` crate, beside this one, with
//! `oauth_fleet::KeepAlive::calcom_oauth2()` or `calcom_platform()`.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod authorize;
mod client;
mod convert;
mod error;
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated;
pub mod oauth2;
#[cfg(feature = "mock")]
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated_mock;
#[cfg(feature = "mock")]
pub mod mock;

pub use authorize::AuthorizationRedirect;
pub use client::{CalcomClient, CalcomClientBuilder, DEFAULT_BASE_URL};
pub use generated::types;
pub use oauth2::{AuthorizeParams, CalcomOAuth2Client, CalcomOAuth2ClientBuilder, ClientKind};

/// The core crate (tokens, secrets, errors, capability traits), re-exported so that an
/// application needs no dependency of its own on it.
pub use oauth_core;
/// The token lifecycle crate (token sources, stores, authorized requests, pending web
/// authorizations), re-exported for the same reason; this crate's `redis`, `postgres`,
/// `encryption` and `middleware` features are its features.
pub use oauth_lifecycle;

/// Everything an application names in everyday use: this crate's client types with
/// [`oauth_lifecycle::prelude`] (secrets, tokens, errors, the capability traits, token sources
/// and stores). `use calcom_oauth::prelude::*;`
pub mod prelude {
    pub use crate::{
        AuthorizationRedirect, AuthorizeParams, CalcomClient, CalcomClientBuilder,
        CalcomOAuth2Client, CalcomOAuth2ClientBuilder, ClientKind,
    };
    pub use oauth_lifecycle::prelude::*;
}

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
