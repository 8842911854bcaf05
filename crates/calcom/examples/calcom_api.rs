//! Calls Cal.com's v2 API for a user: a token source that keeps the rotating refresh token in
//! a file store, the plain authorized client (no middleware crate needed), and `GET /v2/me`.
//! An expired token (Cal.com answers 498) is refreshed and the call retried once. The tokens
//! are never printed.
//!
//! ```sh
//! CALCOM_CLIENT_ID=... CALCOM_CLIENT_SECRET=... \
//! CALCOM_ACCESS_TOKEN=... CALCOM_REFRESH_TOKEN=... \
//!   cargo run -p calcom-oauth --example calcom_api
//! ```
//!
//! - The tokens are stored in `CALCOM_TOKEN_DIR` (default `./calcom-tokens`, mode 0600): later
//!   runs need only the client ID and secret. Cal.com's refresh tokens are single use, so the
//!   stored one is the only one that still works after a refresh.
//! - `CALCOM_BASE_URL` / `CALCOM_API_URL`: other OAuth and API base URLs (a test server).

#![allow(clippy::print_stdout)]

use std::time::{Duration, SystemTime};

use calcom_oauth::{CalcomClient, api};
use oauth_core::{AccessToken, ClientSecret, HttpSettings, RefreshToken, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::access::AuthorizedClient;
use oauth_lifecycle::store::{FileStore, TokenStore};
use tokio::io::{AsyncWrite, AsyncWriteExt};

const KEY: &str = "calcom-user";

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    base_url: Option<String>,
    api_url: Option<String>,
    token_dir: String,
    /// The first run's access and refresh tokens.
    initial: Option<(String, String)>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret)) = (
        std::env::var("CALCOM_CLIENT_ID"),
        std::env::var("CALCOM_CLIENT_SECRET"),
    ) else {
        println!(
            "set CALCOM_CLIENT_ID and CALCOM_CLIENT_SECRET, and on the first run \
             CALCOM_ACCESS_TOKEN and CALCOM_REFRESH_TOKEN; optional: CALCOM_TOKEN_DIR, \
             CALCOM_BASE_URL, CALCOM_API_URL"
        );
        return Ok(());
    };
    let config = Config {
        client_id,
        client_secret,
        base_url: std::env::var("CALCOM_BASE_URL").ok(),
        api_url: std::env::var("CALCOM_API_URL").ok(),
        token_dir: std::env::var("CALCOM_TOKEN_DIR").unwrap_or_else(|_| "calcom-tokens".into()),
        initial: std::env::var("CALCOM_ACCESS_TOKEN")
            .ok()
            .zip(std::env::var("CALCOM_REFRESH_TOKEN").ok()),
    };
    run(config, tokio::io::stdout()).await
}

/// A token source over the file store, then `GET /v2/me` through the authorized client.
async fn run(
    config: Config,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut client = CalcomClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret));
    if let Some(base) = config.base_url {
        client = client.base_url(base);
    }
    let store = FileStore::new(config.token_dir)?;
    let mut source = TokenSource::builder(client.build()?, store.clone(), KEY);
    if store.load(KEY).await?.is_none() {
        let Some((access, refresh)) = config.initial else {
            stdout
                .write_all(
                    b"no stored token yet: set CALCOM_ACCESS_TOKEN and CALCOM_REFRESH_TOKEN\n",
                )
                .await?;
            return Ok(stdout.flush().await?);
        };
        // The token's real expiry is unknown here: assume Cal.com's documented 60 minutes.
        // If it ends sooner, Cal.com answers 498, and the token is refreshed and the call retried.
        let token = Token::new(AccessToken::new(access), SystemTime::now())
            .with_expires_in(Some(Duration::from_secs(3600)))
            .with_refresh_token(Some(RefreshToken::new(refresh)));
        source = source.initial_token(token);
    }
    let source = source.build().await?;

    let mut authorizer = api::authorizer(source);
    if let Some(base) = config.api_url {
        authorizer = authorizer.base_url(base);
    }
    let calcom = AuthorizedClient::new(
        HttpSettings::new("calcom-api-example").build()?,
        authorizer.build()?,
    );
    let response = calcom.send(calcom.get("/me")?).await?;
    let status = response.status();
    let me: serde_json::Value = response.json().await.unwrap_or_default();
    let report = format!(
        "HTTP {status}: {} ({})\n",
        me["data"]["username"], me["data"]["email"]
    );
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example meets Cal.com's 498 on httpmock with a token that has expired early, refreshes
/// it at the crate's fake (platform flow) and retries with the new token.
#[cfg(test)]
mod tests {
    use calcom_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeCalcom};
    use httpmock::{Method::GET, MockServer};
    use oauth_core::AuthorizationCodeGrant;

    use super::{Config, run};

    const EXPIRED: &str = "cal-example-expired-access";

    #[tokio::test]
    async fn a_498_refreshes_at_the_fake_and_the_call_is_retried() {
        let fake = FakeCalcom::start();
        let client = fake.client();
        let redirect = client
            .authorize("https://app.example/cb", Some(&fake.session()))
            .await
            .expect("authorize");
        let token = client
            .exchange_code(redirect.grant())
            .await
            .expect("exchange");
        let refresh = token
            .refresh_token()
            .expect("a refresh token")
            .secret()
            .to_owned();

        let api = MockServer::start_async().await;
        let expired = api
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/me")
                    .header("authorization", format!("Bearer {EXPIRED}"));
                then.status(498);
            })
            .await;
        let me = api
            .mock_async(|when, then| {
                when.method(GET)
                    .path("/me")
                    .header_prefix("authorization", "Bearer fake-at-");
                then.status(200).json_body(serde_json::json!({
                    "status": "success",
                    "data": {"username": "ada", "email": "ada@example.com"},
                }));
            })
            .await;
        let dir = std::env::temp_dir().join(format!("calcom-api-example-{}", std::process::id()));
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            base_url: Some(fake.base_url()),
            api_url: Some(api.base_url()),
            token_dir: dir.to_string_lossy().into_owned(),
            initial: Some((EXPIRED.into(), refresh.clone())),
        };
        let mut stdout = Vec::new();
        let result = run(config, &mut stdout).await;
        std::fs::remove_dir_all(&dir).ok();
        result.expect("the example succeeds");
        let output = String::from_utf8(stdout).expect("UTF-8");

        expired.assert_async().await;
        me.assert_async().await;
        assert_eq!(fake.counts().refresh, 1);
        assert_eq!(output, "HTTP 200 OK: \"ada\" (\"ada@example.com\")\n");
        for secret in [CLIENT_SECRET, EXPIRED, &refresh, "fake-at-", "fake-rt-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
