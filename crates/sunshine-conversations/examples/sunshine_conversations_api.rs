//! Calls the Sunshine Conversations API with an OAuth token: the token (which never expires)
//! behind a static source, the app found through token info, and `GET /v2/apps/{appId}` on
//! the app's API host through the plain authorized client. A 401 (the integration was
//! removed) ends in "authorize again". The token is never printed.
//!
//! ```sh
//! SUNSHINE_CLIENT_ID=... SUNSHINE_CLIENT_SECRET=... SUNSHINE_TOKEN=... \
//!   cargo run -p sunshine-conversations-oauth --example sunshine_conversations_api
//! ```
//!
//! - `SUNSHINE_API_HOST`: `us` or `eu` for a legacy app (default: the app's Zendesk subdomain).
//! - `SUNSHINE_BASE_URL` / `SUNSHINE_API_URL`: other OAuth and API base URLs (a test server).

#![allow(clippy::print_stdout)]

use std::time::SystemTime;

use oauth_core::{AccessToken, ClientSecret, Error, HttpSettings, Token, TokenIntrospection};
use oauth_lifecycle::access::{AuthorizedClient, StaticToken};
use sunshine_conversations_oauth::SunshineClient;
use sunshine_conversations_oauth::api::{self, ApiHost};
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    token: String,
    /// The API host; from the token info's app when not given.
    api_host: Option<ApiHost>,
    base_url: Option<String>,
    api_url: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret), Ok(token)) = (
        std::env::var("SUNSHINE_CLIENT_ID"),
        std::env::var("SUNSHINE_CLIENT_SECRET"),
        std::env::var("SUNSHINE_TOKEN"),
    ) else {
        println!(
            "set SUNSHINE_CLIENT_ID, SUNSHINE_CLIENT_SECRET and SUNSHINE_TOKEN; optional: \
             SUNSHINE_API_HOST (us, eu), SUNSHINE_BASE_URL, SUNSHINE_API_URL"
        );
        return Ok(());
    };
    let config = Config {
        client_id,
        client_secret,
        token,
        api_host: match std::env::var("SUNSHINE_API_HOST").as_deref() {
            Ok("us") => Some(ApiHost::Us),
            Ok("eu") => Some(ApiHost::Eu),
            _ => None,
        },
        base_url: std::env::var("SUNSHINE_BASE_URL").ok(),
        api_url: std::env::var("SUNSHINE_API_URL").ok(),
    };
    run(config, tokio::io::stdout()).await
}

/// Which app the token is for (token info), then that app through the API.
async fn run(
    config: Config,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut client = SunshineClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret));
    if let Some(base) = config.base_url {
        client = client.base_url(base);
    }
    let token = Token::new(AccessToken::new(config.token), SystemTime::now());
    let app = client
        .build()?
        .token_info(token.access_token())
        .await?
        .app
        .ok_or("the token info names no app")?;
    let app_id = app.id.clone().ok_or("the token info has no app id")?;
    let host = match config.api_host {
        Some(host) => host,
        None => ApiHost::for_app(&app)?,
    };

    let mut authorizer = api::authorizer(StaticToken::new(token), &host)?;
    if let Some(base) = config.api_url {
        authorizer = authorizer.base_url(base);
    }
    let sunshine = AuthorizedClient::new(
        HttpSettings::new("sunshine-api-example").build()?,
        authorizer.build()?,
    );
    let report = match sunshine
        .send(sunshine.get(&format!("/v2/apps/{app_id}"))?)
        .await
    {
        Ok(response) => {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            format!("HTTP {status}: app {}\n", body["app"]["displayName"])
        }
        Err(Error::NeedsReauthorization(_)) => {
            "the token was rejected: the user has to authorize the integration again\n".into()
        }
        Err(e) => return Err(e.into()),
    };
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example asks the crate's fake Sunshine Conversations which app a token the fake issued
/// is for, and calls that app on httpmock, which checks the token is attached.
#[cfg(test)]
mod tests {
    use httpmock::{Method::GET, MockServer};
    use oauth_core::AuthorizationCodeGrant;
    use sunshine_conversations_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeSunshine};

    use super::{Config, run};

    #[tokio::test]
    async fn token_info_then_the_app_with_the_token() {
        let fake = FakeSunshine::start();
        let client = fake.client();
        let request = client.authorization_request(None);
        let redirect = fake.authorize(request.url().as_str()).expect("consent");
        let grant = request
            .verify_redirect(redirect.as_str())
            .expect("redirect");
        let token = client.exchange_code(&grant).await.expect("exchange");
        let token = token.access_token().secret().to_owned();

        let api = MockServer::start_async().await;
        let app = api
            .mock_async(|when, then| {
                when.method(GET)
                    .path_prefix("/v2/apps/app-")
                    .header("authorization", format!("Bearer {token}"));
                then.status(200)
                    .json_body(serde_json::json!({"app": {"displayName": "Support"}}));
            })
            .await;
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            token: token.clone(),
            api_host: None,
            base_url: Some(fake.base_url()),
            api_url: Some(api.base_url()),
        };
        let mut stdout = Vec::new();
        run(config, &mut stdout)
            .await
            .expect("the example succeeds");
        let output = String::from_utf8(stdout).expect("UTF-8");

        app.assert_async().await;
        assert_eq!(output, "HTTP 200 OK: app \"Support\"\n");
        for secret in [CLIENT_SECRET, &token] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
