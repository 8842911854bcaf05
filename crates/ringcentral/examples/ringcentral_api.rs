//! Calls RingCentral's REST API with a JWT credential: a token source that refreshes while the
//! refresh token lives and runs the JWT grant again after, the authorizer as
//! `reqwest-middleware` middleware, and `GET /restapi/v1.0/account/~/extension/~`. The tokens
//! and the JWT are never printed.
//!
//! ```sh
//! RC_CLIENT_ID=... RC_CLIENT_SECRET=... RC_JWT=... RC_ENV=sandbox \
//!   cargo run -p ringcentral-oauth --example ringcentral_api
//! ```
//!
//! - `RC_ENV`: `production` (default) or `sandbox`.
//! - `RC_BASE_URL`: another platform host, for OAuth and the API alike (a test server).

#![allow(clippy::print_stdout)]

use oauth_core::access::JwtBearer;
use oauth_core::reqwest_middleware::ClientBuilder;
use oauth_core::store::MemoryStore;
use oauth_core::{ClientSecret, HttpSettings, JwtAssertion};
use ringcentral_oauth::{Environment, RingCentralClient, api};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret), Ok(jwt)) = (
        std::env::var("RC_CLIENT_ID"),
        std::env::var("RC_CLIENT_SECRET"),
        std::env::var("RC_JWT"),
    ) else {
        println!("set RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT; optional: RC_ENV, RC_BASE_URL");
        return Ok(());
    };
    let environment = match std::env::var("RC_ENV").as_deref() {
        Ok("sandbox") => Environment::Sandbox,
        _ => Environment::Production,
    };
    let base = std::env::var("RC_BASE_URL").unwrap_or_else(|_| api::api_url(environment).into());
    let client = RingCentralClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .base_url(base.clone())
        .build()?;
    let source = JwtBearer::new(client, JwtAssertion::new(jwt))
        .builder(MemoryStore::new(), "ringcentral-jwt")
        .await?
        .build()
        .await?;

    let authorizer = api::authorizer(source, environment)
        .base_url(base)
        .build()?;
    let http = ClientBuilder::new(HttpSettings::new("ringcentral-api-example").build()?)
        .with(authorizer.clone())
        .build();
    let response = http
        .get(authorizer.url("/restapi/v1.0/account/~/extension/~")?)
        .send()
        .await?;
    let status = response.status();
    let extension: serde_json::Value = response.json().await.unwrap_or_default();
    println!(
        "HTTP {status}: extension {} ({})",
        extension["extensionNumber"], extension["name"]
    );
    Ok(())
}
