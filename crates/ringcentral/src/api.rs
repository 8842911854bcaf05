//! Calling RingCentral's REST API with a token source: the API is on the platform host that
//! also serves OAuth (`/restapi/v1.0/...`).
//!
//! A JWT credential (created in the developer console) backs a source that refreshes while
//! the refresh token lives and runs the JWT grant again after:
//!
//! ```no_run
//! # async fn run(client: ringcentral_oauth::RingCentralClient) -> Result<(), Box<dyn std::error::Error>> {
//! use oauth_core::JwtAssertion;
//! use oauth_lifecycle::{access::{AuthorizedClient, JwtBearer}, store::MemoryStore};
//! use ringcentral_oauth::{Environment, api};
//! let source = JwtBearer::new(client, JwtAssertion::new(std::env::var("RC_JWT")?))
//!     .builder(MemoryStore::new(), "rc-jwt")
//!     .await?
//!     .build()
//!     .await?;
//! let api = AuthorizedClient::new(reqwest::Client::new(), api::authorizer(source, Environment::Production).build()?);
//! let me = api.send(api.get("/restapi/v1.0/account/~/extension/~")?).await?;
//! # Ok(()) }
//! ```

use oauth_lifecycle::access::{AccessTokenSource, Authorizer, AuthorizerBuilder};

use crate::Environment;

/// The REST API's base URL in `environment` (the platform host).
pub fn api_url(environment: Environment) -> &'static str {
    environment.base_url()
}

/// An authorizer for the REST API of `environment` (another base URL with
/// [`AuthorizerBuilder::base_url`]). Tokens are only sent to that host.
pub fn authorizer(source: impl AccessTokenSource, environment: Environment) -> AuthorizerBuilder {
    Authorizer::builder(source, api_url(environment))
}
