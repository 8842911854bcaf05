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
use oauth_core::access::AuthorizedClient;
use oauth_core::store::{FileStore, TokenStore};
use oauth_core::{AccessToken, ClientSecret, HttpSettings, RefreshToken, Token, TokenSource};

const KEY: &str = "calcom-user";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
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
    let mut client = CalcomClient::builder(id).client_secret(ClientSecret::new(secret));
    if let Ok(base) = std::env::var("CALCOM_BASE_URL") {
        client = client.base_url(base);
    }
    let dir = std::env::var("CALCOM_TOKEN_DIR").unwrap_or_else(|_| "calcom-tokens".into());
    let store = FileStore::new(dir)?;
    let mut source = TokenSource::builder(client.build()?, store.clone(), KEY);
    if store.load(KEY).await?.is_none() {
        let (Ok(access), Ok(refresh)) = (
            std::env::var("CALCOM_ACCESS_TOKEN"),
            std::env::var("CALCOM_REFRESH_TOKEN"),
        ) else {
            println!("no stored token yet: set CALCOM_ACCESS_TOKEN and CALCOM_REFRESH_TOKEN");
            return Ok(());
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
    if let Ok(base) = std::env::var("CALCOM_API_URL") {
        authorizer = authorizer.base_url(base);
    }
    let calcom = AuthorizedClient::new(
        HttpSettings::new("calcom-api-example").build()?,
        authorizer.build()?,
    );
    let response = calcom.send(calcom.get("/me")?).await?;
    let status = response.status();
    let me: serde_json::Value = response.json().await.unwrap_or_default();
    println!(
        "HTTP {status}: {} ({})",
        me["data"]["username"], me["data"]["email"]
    );
    Ok(())
}
