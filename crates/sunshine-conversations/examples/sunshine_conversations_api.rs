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

use oauth_core::access::{AuthorizedClient, StaticToken};
use oauth_core::{AccessToken, ClientSecret, Error, HttpSettings, Token, TokenIntrospection};
use sunshine_conversations_oauth::SunshineClient;
use sunshine_conversations_oauth::api::{self, ApiHost};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret), Ok(token)) = (
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
    let mut client = SunshineClient::builder(id).client_secret(ClientSecret::new(secret));
    if let Ok(base) = std::env::var("SUNSHINE_BASE_URL") {
        client = client.base_url(base);
    }
    let token = Token::new(AccessToken::new(token), SystemTime::now());
    let app = client
        .build()?
        .token_info(token.access_token())
        .await?
        .app
        .ok_or("the token info names no app")?;
    let app_id = app.id.clone().ok_or("the token info has no app id")?;
    let host = match std::env::var("SUNSHINE_API_HOST").as_deref() {
        Ok("us") => ApiHost::Us,
        Ok("eu") => ApiHost::Eu,
        _ => ApiHost::for_app(&app)?,
    };

    let mut authorizer = api::authorizer(StaticToken::new(token), &host)?;
    if let Ok(base) = std::env::var("SUNSHINE_API_URL") {
        authorizer = authorizer.base_url(base);
    }
    let sunshine = AuthorizedClient::new(
        HttpSettings::new("sunshine-api-example").build()?,
        authorizer.build()?,
    );
    match sunshine
        .send(sunshine.get(&format!("/v2/apps/{app_id}"))?)
        .await
    {
        Ok(response) => {
            let status = response.status();
            let body: serde_json::Value = response.json().await.unwrap_or_default();
            println!("HTTP {status}: app {}", body["app"]["displayName"]);
        }
        Err(Error::NeedsReauthorization(_)) => {
            println!("the token was rejected: the user has to authorize the integration again");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}
