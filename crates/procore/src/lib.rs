//! Procore OAuth 2.0 client.
//!
//! A client generated from `specs/procore.yaml` ([`generated`]) and a small layer that maps it
//! onto [`oauth_core`]: the authorization URL on the login host, code exchange, refresh
//! (rotating), client credentials for service accounts, revocation (with `Procore-Company-Id`)
//! and token info, in production, the sandbox and the monthly sandbox.
//!
//! ```no_run
//! use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant};
//! use procore_oauth::{Environment, ProcoreClient};
//!
//! # async fn run(redirect_from_browser: &str) -> oauth_core::Result<()> {
//! let client = ProcoreClient::builder("my-client-id")
//!     .client_secret(ClientSecret::new("my-client-secret"))
//!     .environment(Environment::Sandbox)
//!     .build()?;
//! let request = client.authorization_request("https://app.example/cb");
//! // Send the browser to request.url(); keep `request` until it comes back.
//! let grant = request.verify_redirect(redirect_from_browser)?;
//! let token = client.exchange_code(&grant).await?;
//! let token = client.refresh(token.refresh_token().expect("issued")).await?;
//! # Ok(()) }
//! ```
//!
//! Procore has no JWT bearer grant, so this does not compile:
//!
//! ```compile_fail
//! use oauth_core::JwtBearerGrant;
//! async fn jwt(c: &procore_oauth::ProcoreClient, a: &oauth_core::JwtAssertion) {
//!     let _ = c.jwt_bearer(a).await;
//! }
//! ```

mod client;
mod convert;
#[rustfmt::skip]
#[allow(clippy::all, missing_docs, unused, unreachable_pub)]
pub mod generated;

oauth_core::client_hooks!(generated::Client);

pub use client::{Environment, ProcoreClient, ProcoreClientBuilder};
pub use generated::types;
