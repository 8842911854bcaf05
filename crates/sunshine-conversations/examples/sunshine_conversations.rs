//! Connects a Sunshine Conversations integration from a terminal: prints the authorization
//! URL, reads back the redirect, exchanges the code and shows which app the token is for.
//!
//! ```sh
//! SUNSHINE_CLIENT_ID=... SUNSHINE_CLIENT_SECRET=... SUNSHINE_REDIRECT_URI=https://app.example/cb \
//!   cargo run -p sunshine-conversations-oauth --example sunshine_conversations
//! ```
//!
//! `SUNSHINE_REGION=us` or `eu` uses a legacy regional host instead of the OAuth bridge, and
//! `SUNSHINE_REVOKE=1` removes the integration again at the end.

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use oauth_core::{AuthorizationCodeGrant, ClientSecret, TokenIntrospection, TokenRevocation};
use sunshine_conversations_oauth::{Region, SunshineClient};

const USAGE: &str = "usage: SUNSHINE_CLIENT_ID=<integration id> SUNSHINE_CLIENT_SECRET=<secret> \
[SUNSHINE_REDIRECT_URI=<registered URI>] [SUNSHINE_REGION=bridge|us|eu] [SUNSHINE_REVOKE=1] \
cargo run -p sunshine-conversations-oauth --example sunshine_conversations";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("SUNSHINE_CLIENT_ID"),
        std::env::var("SUNSHINE_CLIENT_SECRET"),
    ) else {
        println!("{USAGE}");
        return Ok(());
    };
    let region = match std::env::var("SUNSHINE_REGION").as_deref() {
        Err(_) | Ok("" | "bridge") => Region::OAuthBridge,
        Ok("us") => Region::Us,
        Ok("eu") => Region::Eu,
        Ok(other) => {
            println!("unknown SUNSHINE_REGION `{other}`\n{USAGE}");
            return Ok(());
        }
    };
    let client = SunshineClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .region(region)
        .build()?;
    let redirect = std::env::var("SUNSHINE_REDIRECT_URI").ok();
    let request = client.authorization_request(redirect.as_deref());
    println!(
        "Open this URL, allow access, then paste the URL you were redirected to:\n{}",
        request.url()
    );
    let mut redirected = String::new();
    std::io::stdin().lock().read_line(&mut redirected)?;
    if redirected.trim().is_empty() {
        println!("no redirect URL given; nothing exchanged");
        return Ok(());
    }

    let grant = request.verify_redirect(redirected.trim())?;
    let token = client.exchange_code(&grant).await?;
    let app = client.token_info(token.access_token()).await?.app;
    println!(
        "connected to app {:?} (subdomain {:?}); the token does not expire",
        app.as_ref().and_then(|a| a.id.as_deref()),
        app.as_ref().and_then(|a| a.subdomain.as_deref()),
    );
    if std::env::var("SUNSHINE_REVOKE").as_deref() == Ok("1") {
        client.revoke(&token).await?;
        println!("integration removed; the token no longer works");
    }
    Ok(())
}
