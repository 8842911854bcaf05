//! Cal.com v2 OAuth client.
//!
//! A client generated from `specs/calcom.yaml` ([`generated`]) and a small layer that maps it
//! onto [`oauth_core`]: the server-side authorization (a `POST` answered by a redirect that
//! carries the code), the code exchange (code as `Authorization: Bearer`) and the rotating
//! refresh (secret as `x-cal-secret-key`). Token responses with or without Cal.com's
//! epoch-millisecond expiry fields are understood.
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant, SessionCookie};
//! use calcom_oauth::CalcomClient;
//!
//! # async fn run(session: SessionCookie) -> oauth_core::Result<()> {
//! let client = CalcomClient::builder("my-client-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .build()?;
//! let authorization = client.authorize("https://app.example/cb", Some(&session)).await?;
//! let token = client.exchange_code(&authorization.grant).await?;
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! # Ok(()) }
//! ```
//!
//! Cal.com has no revocation endpoint, so this does not compile:
//!
//! ```compile_fail
//! use oauth_core::TokenRevocation;
//! async fn revoke(c: &calcom_oauth::CalcomClient, t: &oauth_core::Token) {
//!     let _ = c.revoke(t).await;
//! }
//! ```
//!
//! Nor does a client-credentials request:
//!
//! ```compile_fail
//! use oauth_core::ClientCredentialsGrant;
//! async fn cc(c: &calcom_oauth::CalcomClient) {
//!     let _ = c.client_credentials().await;
//! }
//! ```

mod client;
mod convert;
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated;

oauth_core::client_hooks!(generated::Client);

pub use client::{Authorization, CalcomClient, CalcomClientBuilder, DEFAULT_BASE_URL};
pub use generated::types;
