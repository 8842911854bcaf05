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
//! - `RC_BASE_URL`: another platform host, for OAuth and the API alike (a test server);
//!   `RC_API_URL`: another API host only.

#![allow(clippy::print_stdout)]

use oauth_core::{ClientSecret, HttpSettings, JwtAssertion};
use oauth_lifecycle::access::JwtBearer;
use oauth_lifecycle::reqwest_middleware::ClientBuilder;
use oauth_lifecycle::store::MemoryStore;
use ringcentral_oauth::{Environment, RingCentralClient, api};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    jwt: String,
    environment: Environment,
    /// The OAuth host.
    base_url: String,
    /// The API host.
    api_url: String,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret), Ok(jwt)) = (
        std::env::var("RC_CLIENT_ID"),
        std::env::var("RC_CLIENT_SECRET"),
        std::env::var("RC_JWT"),
    ) else {
        println!(
            "set RC_CLIENT_ID, RC_CLIENT_SECRET and RC_JWT; optional: RC_ENV, RC_BASE_URL, \
             RC_API_URL"
        );
        return Ok(());
    };
    let environment = match std::env::var("RC_ENV").as_deref() {
        Ok("sandbox") => Environment::Sandbox,
        _ => Environment::Production,
    };
    let base_url =
        std::env::var("RC_BASE_URL").unwrap_or_else(|_| api::api_url(environment).into());
    let config = Config {
        client_id,
        client_secret,
        jwt,
        environment,
        api_url: std::env::var("RC_API_URL").unwrap_or_else(|_| base_url.clone()),
        base_url,
    };
    run(config, tokio::io::stdout()).await
}

/// The JWT grant, then one API call through the middleware.
async fn run(
    config: Config,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let client = RingCentralClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret))
        .base_url(config.base_url)
        .build()?;
    let source = JwtBearer::new(client, JwtAssertion::new(config.jwt))
        .builder(MemoryStore::new(), "ringcentral-jwt")
        .await?
        .build()
        .await?;

    let authorizer = api::authorizer(source, config.environment)
        .base_url(config.api_url)
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
    let report = format!(
        "HTTP {status}: extension {} ({})\n",
        extension["extensionNumber"], extension["name"]
    );
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example gets its token from the crate's fake RingCentral (JWT grant) and calls the API
/// path on httpmock, which checks that the fake's token is attached.
#[cfg(test)]
mod tests {
    use httpmock::{Method::GET, MockServer};
    use ringcentral_oauth::Environment;
    use ringcentral_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeRingCentral};

    use super::{Config, run};

    const JWT: &str = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJleGFtcGxlIn0.c2lnbmF0dXJl";

    #[tokio::test]
    async fn jwt_grant_then_the_extension_with_the_fakes_token() {
        let fake = FakeRingCentral::start();
        let api = MockServer::start_async().await;
        let extension = api
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/restapi/v1.0/account/~/extension/~")
                    .header_prefix("authorization", "Bearer fake-at-");
                then.status(200)
                    .json_body(serde_json::json!({"extensionNumber": "101", "name": "Ada"}));
            })
            .await;
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            jwt: JWT.into(),
            environment: Environment::Production,
            base_url: fake.base_url(),
            api_url: api.base_url(),
        };
        let mut stdout = Vec::new();
        run(config, &mut stdout)
            .await
            .expect("the example succeeds");
        let output = String::from_utf8(stdout).expect("UTF-8");

        extension.assert_async().await;
        assert_eq!(fake.counts().jwt_bearer, 1);
        assert_eq!(output, "HTTP 200 OK: extension \"101\" (\"Ada\")\n");
        for secret in [CLIENT_SECRET, JWT, "fake-at-", "fake-rt-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
