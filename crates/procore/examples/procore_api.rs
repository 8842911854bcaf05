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

use oauth_core::{ClientSecret, HttpSettings};
use oauth_lifecycle::access::ClientCredentials;
use oauth_lifecycle::reqwest_middleware::ClientBuilder;
use oauth_lifecycle::store::MemoryStore;
use procore_oauth::api::{self, WithCompany};
use procore_oauth::{Environment, ProcoreClient};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    environment: Environment,
    login_url: Option<String>,
    api_url: Option<String>,
    company_id: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret)) = (
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
    let config = Config {
        client_id,
        client_secret,
        environment: match std::env::var("PROCORE_ENV").as_deref() {
            Ok("sandbox") => Environment::Sandbox,
            Ok("monthly") => Environment::MonthlySandbox,
            _ => Environment::Production,
        },
        login_url: std::env::var("PROCORE_LOGIN_URL").ok(),
        api_url: std::env::var("PROCORE_API_URL").ok(),
        company_id: std::env::var("PROCORE_COMPANY_ID").ok(),
    };
    run(config, tokio::io::stdout()).await
}

/// The client credentials grant, then one API call through the middleware.
async fn run(
    config: Config,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut client = ProcoreClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret))
        .environment(config.environment);
    if let Some(login) = config.login_url {
        client = client.base_url(login);
    }
    let source = ClientCredentials::new(client.build()?)
        .builder(MemoryStore::new(), "procore-service-account")
        .await?
        .build()
        .await?;

    let mut authorizer = api::authorizer(source, config.environment);
    if let Some(base) = config.api_url {
        authorizer = authorizer.base_url(base);
    }
    if let Some(company) = config.company_id {
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
    let report = match companies.as_array() {
        Some(list) => {
            let mut report = format!("HTTP {status}: {} companies\n", list.len());
            for company in list {
                report += &format!("  {} {}\n", company["id"], company["name"]);
            }
            report
        }
        None => format!("HTTP {status}\n"),
    };
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example gets a service account token from the crate's fake Procore and calls the API
/// path on httpmock, which checks the fake's token and the company header.
#[cfg(test)]
mod tests {
    use httpmock::{Method::GET, MockServer};
    use procore_oauth::Environment;
    use procore_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeProcore};

    use super::{Config, run};

    #[tokio::test]
    async fn client_credentials_then_the_companies_with_the_fakes_token() {
        let fake = FakeProcore::start();
        let api = MockServer::start_async().await;
        let companies = api
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/rest/v1.0/companies")
                    .header_prefix("authorization", "Bearer fake-at-")
                    .header("procore-company-id", "8089");
                then.status(200)
                    .json_body(serde_json::json!([{"id": 8089, "name": "Builders"}]));
            })
            .await;
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            environment: Environment::Production,
            login_url: Some(fake.base_url()),
            api_url: Some(api.base_url()),
            company_id: Some("8089".into()),
        };
        let mut stdout = Vec::new();
        run(config, &mut stdout)
            .await
            .expect("the example succeeds");
        let output = String::from_utf8(stdout).expect("UTF-8");

        companies.assert_async().await;
        assert_eq!(fake.counts().client_credentials, 1);
        assert_eq!(output, "HTTP 200 OK: 1 companies\n  8089 \"Builders\"\n");
        for secret in [CLIENT_SECRET, "fake-at-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
