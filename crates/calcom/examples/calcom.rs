//! Runs Cal.com's OAuth flow from a terminal: authorize with a user's session, exchange the
//! code, refresh; or only refresh a stored refresh token.
//!
//! ```sh
//! CALCOM_CLIENT_ID=... CALCOM_CLIENT_SECRET=... \
//! CALCOM_SESSION_COOKIE='__Secure-next-auth.session-token=...' \
//! CALCOM_REDIRECT_URI=https://app.example/cb \
//!   cargo run -p calcom-oauth --example calcom
//! ```
//!
//! With `CALCOM_REFRESH_TOKEN` instead of the session and redirect URI, it only refreshes.
//! `CALCOM_BASE_URL` points it at a self-hosted Cal.com. Secrets and tokens are never printed.

#![allow(clippy::print_stdout)]

use calcom_oauth::CalcomClient;
use oauth_core::{
    AuthorizationCodeGrant, ClientSecret, RefreshToken, RefreshTokenGrant, SessionCookie,
};

const USAGE: &str = "\
usage: set CALCOM_CLIENT_ID and CALCOM_CLIENT_SECRET, then either
  CALCOM_SESSION_COOKIE (the Cal.com user's Cookie header) and CALCOM_REDIRECT_URI
    to authorize, exchange the code and refresh, or
  CALCOM_REFRESH_TOKEN to refresh only.
  CALCOM_BASE_URL overrides https://api.cal.com (self-hosted Cal.com).";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(id), Some(secret)) = (var("CALCOM_CLIENT_ID"), var("CALCOM_CLIENT_SECRET")) else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut builder = CalcomClient::builder(id).client_secret(ClientSecret::new(secret));
    if let Some(base) = var("CALCOM_BASE_URL") {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let refresh_token = if let Some(rt) = var("CALCOM_REFRESH_TOKEN") {
        RefreshToken::new(rt)
    } else if let (Some(cookie), Some(redirect_uri)) =
        (var("CALCOM_SESSION_COOKIE"), var("CALCOM_REDIRECT_URI"))
    {
        let session = SessionCookie::new(cookie);
        let redirect = client.authorize(&redirect_uri, Some(&session)).await?;
        let mut target = redirect.location().clone();
        target.set_query(None);
        println!("authorized: Cal.com redirected to {target}?code=[redacted]");
        let token = client.exchange_code(redirect.grant()).await?;
        println!(
            "exchanged the code: access token expires at {:?}",
            token.expires_at()
        );
        token
            .refresh_token()
            .cloned()
            .ok_or("Cal.com issued no refresh token")?
    } else {
        println!("{USAGE}");
        return Ok(());
    };

    let token = client.refresh(&refresh_token).await?;
    println!(
        "refreshed: access token expires at {:?}, refresh token at {:?}; the old refresh token \
         no longer works, store the new one",
        token.expires_at(),
        token.refresh_token_expires_at()
    );
    Ok(())
}
