//! Connects a Sunshine Conversations integration from a terminal: prints the authorization
//! URL, reads back the redirect, exchanges the code and shows which app the token is for.
//!
//! ```sh
//! SUNSHINE_CLIENT_ID=... SUNSHINE_CLIENT_SECRET=... SUNSHINE_REDIRECT_URI=https://app.example/cb \
//!   cargo run -p sunshine-conversations-oauth --example sunshine_conversations
//! ```

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use oauth_core::{AuthorizationCodeGrant, ClientSecret, TokenIntrospection};
use sunshine_conversations_oauth::SunshineClient;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("SUNSHINE_CLIENT_ID"),
        std::env::var("SUNSHINE_CLIENT_SECRET"),
    ) else {
        println!("set SUNSHINE_CLIENT_ID and SUNSHINE_CLIENT_SECRET (and SUNSHINE_REDIRECT_URI)");
        return Ok(());
    };
    let client = SunshineClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .build()?;
    let redirect = std::env::var("SUNSHINE_REDIRECT_URI").ok();
    let request = client.authorization_request(redirect.as_deref());
    println!(
        "Open this URL, allow access, then paste the URL you were redirected to:\n{}",
        request.url()
    );
    let mut redirected = String::new();
    std::io::stdin().lock().read_line(&mut redirected)?;

    let grant = request.verify_redirect(redirected.trim())?;
    let token = client.exchange_code(&grant).await?;
    let app = client.token_info(token.access_token()).await?.app;
    println!(
        "connected to app {:?} (subdomain {:?}); the token does not expire",
        app.as_ref().and_then(|a| a.id.clone()),
        app.as_ref().and_then(|a| a.subdomain.clone())
    );
    Ok(())
}
