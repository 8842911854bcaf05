//! Runs Cal.com's OAuth 2.0 flow from a terminal: prints the authorization URL, reads the URL the
//! browser was redirected to, exchanges the code and refreshes once.
//!
//! ```sh
//! CALCOM_CLIENT_ID=... CALCOM_REDIRECT_URI=https://app.example/cb \
//! CALCOM_SCOPES='BOOKING_READ PROFILE_READ' \
//!   cargo run -p calcom-oauth --example calcom_oauth2
//! ```
//!
//! `CALCOM_CLIENT_SECRET` makes it a confidential client (public otherwise: PKCE only).
//! `CALCOM_BASE_URL` and `CALCOM_APP_URL` point it at a self-hosted Cal.com (API and web app).
//! Secrets and tokens are never printed.

#![allow(clippy::print_stdout)]

use calcom_oauth::{AuthorizeParams, CalcomOAuth2Client};
use oauth_core::{AuthorizationCodeGrant, ClientSecret, RefreshTokenGrant};

const USAGE: &str = "\
usage: set CALCOM_CLIENT_ID and CALCOM_REDIRECT_URI (the client's registered redirect URI);
  optional: CALCOM_SCOPES (space-separated), CALCOM_CLIENT_SECRET (confidential client),
  CALCOM_BASE_URL (default https://api.cal.com), CALCOM_APP_URL (default https://app.cal.com).";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(id), Some(redirect_uri)) = (var("CALCOM_CLIENT_ID"), var("CALCOM_REDIRECT_URI"))
    else {
        println!("{USAGE}");
        return Ok(());
    };
    let mut builder = CalcomOAuth2Client::builder(id);
    if let Some(secret) = var("CALCOM_CLIENT_SECRET") {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    if let Some(base) = var("CALCOM_BASE_URL") {
        builder = builder.base_url(base);
    }
    if let Some(app) = var("CALCOM_APP_URL") {
        builder = builder.app_url(app);
    }
    let client = builder.build()?;

    let mut params = AuthorizeParams::new(redirect_uri);
    for scope in var("CALCOM_SCOPES").unwrap_or_default().split_whitespace() {
        params = params.scope(scope);
    }
    let request = client.authorization_request(&params);
    println!(
        "open this URL, allow access, then paste the URL you land on:\n\n{}\n",
        request.url()
    );
    let mut redirect = String::new();
    std::io::stdin().read_line(&mut redirect)?;
    let grant = request.verify_redirect(redirect.trim())?;

    let token = client.exchange_code(&grant).await?;
    println!(
        "exchanged the code ({:?} client): access token expires at {:?}, scopes {:?}",
        client.kind(),
        token.expires_at(),
        token.scopes()
    );
    let refresh_token = token
        .refresh_token()
        .ok_or("Cal.com issued no refresh token")?;
    let token = client.refresh(refresh_token).await?;
    println!(
        "refreshed: access token expires at {:?}; the old refresh token no longer works, store \
         the new one",
        token.expires_at()
    );
    Ok(())
}
