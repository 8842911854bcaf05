//! Refreshes a Cal.com managed-user token from a terminal, or runs the whole flow when a
//! session cookie is given.
//!
//! ```sh
//! CALCOM_CLIENT_ID=... CALCOM_CLIENT_SECRET=... CALCOM_REFRESH_TOKEN=... \
//!   cargo run -p calcom-oauth --example calcom
//! ```
//!
//! With `CALCOM_SESSION_COOKIE` and `CALCOM_REDIRECT_URI` instead of a refresh token, it
//! authorizes, exchanges the code, then refreshes. Tokens are never printed.

#![allow(clippy::print_stdout)]

use calcom_oauth::CalcomClient;
use oauth_core::{
    AuthorizationCodeGrant, ClientSecret, RefreshToken, RefreshTokenGrant, SessionCookie,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("CALCOM_CLIENT_ID"),
        std::env::var("CALCOM_CLIENT_SECRET"),
    ) else {
        println!(
            "set CALCOM_CLIENT_ID, CALCOM_CLIENT_SECRET and either CALCOM_REFRESH_TOKEN or \
             CALCOM_SESSION_COOKIE + CALCOM_REDIRECT_URI (CALCOM_BASE_URL for self-hosted)"
        );
        return Ok(());
    };
    let mut builder = CalcomClient::builder(id).client_secret(ClientSecret::new(secret));
    if let Ok(base) = std::env::var("CALCOM_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let refresh_token = match std::env::var("CALCOM_REFRESH_TOKEN") {
        Ok(rt) => RefreshToken::new(rt),
        Err(_) => {
            let session = SessionCookie::new(std::env::var("CALCOM_SESSION_COOKIE")?);
            let redirect = std::env::var("CALCOM_REDIRECT_URI")?;
            let authorization = client.authorize(&redirect, Some(&session)).await?;
            let token = client.exchange_code(&authorization.grant).await?;
            println!(
                "exchanged the code; access token expires at {:?}",
                token.expires_at()
            );
            token
                .refresh_token()
                .cloned()
                .ok_or("no refresh token issued")?
        }
    };
    let token = client.refresh(&refresh_token).await?;
    println!(
        "refreshed: access token expires at {:?}, refresh token at {:?} (store the new one: \
         the old one no longer works)",
        token.expires_at(),
        token.refresh_token_expires_at()
    );
    Ok(())
}
