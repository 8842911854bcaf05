//! Zendesk Sunshine Conversations OAuth client.
//!
//! A client generated from `specs/sunshine-conversations.yaml` ([`generated`]) and a small
//! layer that maps it onto [`oauth_core`]: the authorization URL on the OAuth bridge with a
//! CSRF state, the code exchange (the token never expires), token info and revocation with
//! `Authorization: Bearer`, on the OAuth bridge or the US and EU hosts.
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, TokenIntrospection};
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
//! let app = client.token_info(token.access_token()).await?;
//! # Ok(()) }
//! ```
//!
//! Sunshine Conversations issues no refresh tokens, so a refresh does not compile:
//!
//! ```compile_fail
//! use oauth_core::RefreshTokenGrant;
//! async fn refresh(c: &sunshine_conversations_oauth::SunshineClient, t: &oauth_core::RefreshToken) {
//!     let _ = c.refresh(t).await;
//! }
//! ```
//!
//! Nor does a client-credentials request:
//!
//! ```compile_fail
//! use oauth_core::ClientCredentialsGrant;
//! async fn cc(c: &sunshine_conversations_oauth::SunshineClient) {
//!     let _ = c.client_credentials().await;
//! }
//! ```

mod client;
mod convert;
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated;

oauth_core::client_hooks!(generated::Client);

pub use client::{Region, SunshineClient, SunshineClientBuilder};
pub use generated::types;
