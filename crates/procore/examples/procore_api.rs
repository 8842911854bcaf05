//! Calls Procore's REST API as a service account: a client-credentials token source (the grant
//! runs again whenever the token is due), the authorizer as `reqwest-middleware` middleware,
//! and `GET /rest/v1.0/companies`. The token is never printed.
//!
//! ```sh
//! PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENV=sandbox \
//!   cargo run -p procore-oauth --example procore_api
//! ```
//!
//! - `PROCORE_ENV`: `production` (default), `sandbox` or `monthly`.
//! - `PROCORE_LOGIN_URL` / `PROCORE_API_URL`: other login and API hosts (a test server).
//! - `PROCORE_COMPANY_ID`: sent as `Procore-Company-Id` on every API request.

#![allow(clippy::print_stdout)]

use oauth_core::access::ClientCredentials;
use oauth_core::reqwest_middleware::ClientBuilder;
use oauth_core::store::MemoryStore;
use oauth_core::{ClientSecret, HttpSettings};
use procore_oauth::api::{self, WithCompany};
use procore_oauth::{Environment, ProcoreClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("PROCORE_CLIENT_ID"),
        std::env::var("PROCORE_CLIENT_SECRET"),
    ) else {
        println!(
            "set PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET (a service account); optional: \
             PROCORE_ENV (production, sandbox, monthly), PROCORE_LOGIN_URL, PROCORE_API_URL, \
             PROCORE_COMPANY_ID"
        );
        return Ok(());
    };
    let environment = match std::env::var("PROCORE_ENV").as_deref() {
        Ok("sandbox") => Environment::Sandbox,
        Ok("monthly") => Environment::MonthlySandbox,
        _ => Environment::Production,
    };
    let mut client = ProcoreClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .environment(environment);
    if let Ok(login) = std::env::var("PROCORE_LOGIN_URL") {
        client = client.base_url(login);
    }
    let source = ClientCredentials::new(client.build()?)
        .builder(MemoryStore::new(), "procore-service-account")
        .await?
        .build()
        .await?;

    let mut authorizer = api::authorizer(source, environment);
    if let Ok(base) = std::env::var("PROCORE_API_URL") {
        authorizer = authorizer.base_url(base);
    }
    if let Ok(company) = std::env::var("PROCORE_COMPANY_ID") {
        authorizer = authorizer.company_id(company.trim().parse()?);
    }
    let authorizer = authorizer.build()?;
    let http = ClientBuilder::new(HttpSettings::new("procore-api-example").build()?)
        .with(authorizer.clone())
        .build();

    let response = http
        .get(authorizer.url("/rest/v1.0/companies")?)
        .send()
        .await?;
    let status = response.status();
    let companies: serde_json::Value = response.json().await.unwrap_or_default();
    match companies.as_array() {
        Some(list) => {
            println!("HTTP {status}: {} companies", list.len());
            for company in list {
                println!("  {} {}", company["id"], company["name"]);
            }
        }
        None => println!("HTTP {status}"),
    }
    Ok(())
}
