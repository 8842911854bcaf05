//! Runs RingCentral's authorization code flow with PKCE from a terminal.
//!
//! ```sh
//! RINGCENTRAL_CLIENT_ID=... RINGCENTRAL_CLIENT_SECRET=... \
//! RINGCENTRAL_REDIRECT_URI=https://app.example/cb cargo run -p ringcentral-oauth --example ringcentral
//! ```
//!
//! It prints the authorization URL, reads the URL the browser was redirected to from stdin,
//! exchanges the code and prints what it got (never the tokens themselves).
//! `RINGCENTRAL_BASE_URL` selects another server (the sandbox, a test server).

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use oauth_core::{AuthorizationCodeGrant, ClientSecret};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(redirect_uri)) = (
        std::env::var("RINGCENTRAL_CLIENT_ID"),
        std::env::var("RINGCENTRAL_REDIRECT_URI"),
    ) else {
        println!(
            "set RINGCENTRAL_CLIENT_ID and RINGCENTRAL_REDIRECT_URI (and RINGCENTRAL_CLIENT_SECRET \
             for a confidential app, RINGCENTRAL_BASE_URL for another server)"
        );
        return Ok(());
    };
    let mut builder = RingCentralClient::builder(client_id);
    if let Ok(secret) = std::env::var("RINGCENTRAL_CLIENT_SECRET") {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    if let Ok(base) = std::env::var("RINGCENTRAL_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let request = client.authorization_request(&AuthorizeParams::new(redirect_uri));
    println!(
        "Open this URL, sign in, then paste the URL you were redirected to:\n{}",
        request.url()
    );
    let mut redirected = String::new();
    std::io::stdin().lock().read_line(&mut redirected)?;

    let grant = request.verify_redirect(redirected.trim())?;
    let token = client.exchange_code(&grant).await?;
    println!(
        "token received: type {}, expires at {:?}, refresh token: {}, scopes: {:?}",
        token.token_type().as_str(),
        token.expires_at(),
        if token.refresh_token().is_some() {
            "yes"
        } else {
            "no"
        },
        token.scopes()
    );
    Ok(())
}
