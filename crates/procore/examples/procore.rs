//! Gets a Procore token from a terminal and shows what the token-info endpoint says about it
//! (never the token itself).
//!
//! ```sh
//! PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENV=sandbox \
//!   cargo run -p procore-oauth --example procore
//! ```
//!
//! - `PROCORE_GRANT=client_credentials`: a service account token, no browser involved.
//! - Otherwise the authorization code flow: with `PROCORE_REDIRECT_URI` set, paste the URL the
//!   browser was redirected to (its state is checked); without it, the out-of-band redirect is
//!   used and Procore shows the code to paste.
//! - `PROCORE_ENV`: `production` (default), `sandbox` or `monthly`; `PROCORE_BASE_URL` selects
//!   another login host (a test server).
//! - `PROCORE_COMPANY_ID`: when set, the token is revoked at the end.

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientCredentialsGrant,
    ClientSecret, TokenIntrospection, TokenRevocation,
};
use procore_oauth::{Environment, OUT_OF_BAND_REDIRECT_URI, ProcoreClient};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("PROCORE_CLIENT_ID"),
        std::env::var("PROCORE_CLIENT_SECRET"),
    ) else {
        println!(
            "set PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET; optional: PROCORE_ENV \
             (production, sandbox, monthly), PROCORE_BASE_URL, PROCORE_GRANT=client_credentials, \
             PROCORE_REDIRECT_URI, PROCORE_COMPANY_ID (revokes the token at the end)"
        );
        return Ok(());
    };
    let environment = match std::env::var("PROCORE_ENV").as_deref() {
        Ok("sandbox") => Environment::Sandbox,
        Ok("monthly") => Environment::MonthlySandbox,
        _ => Environment::Production,
    };
    let mut builder = ProcoreClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .environment(environment);
    if let Ok(base) = std::env::var("PROCORE_BASE_URL") {
        builder = builder.base_url(base);
    }
    if let Ok(company) = std::env::var("PROCORE_COMPANY_ID") {
        builder = builder.company_id(company.trim().parse()?);
    }
    let client = builder.build()?;

    let token = if std::env::var("PROCORE_GRANT").as_deref() == Ok("client_credentials") {
        client.client_credentials().await?
    } else {
        let redirect_uri = std::env::var("PROCORE_REDIRECT_URI").ok();
        let request = client
            .authorization_request(redirect_uri.as_deref().unwrap_or(OUT_OF_BAND_REDIRECT_URI));
        println!(
            "Open this URL and approve, then paste {}:\n{}",
            if redirect_uri.is_some() {
                "the URL you were redirected to"
            } else {
                "the code Procore shows"
            },
            request.url()
        );
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let grant = if redirect_uri.is_some() {
            request.verify_redirect(line.trim())?
        } else {
            let mut grant = AuthorizationGrant::from_code(AuthorizationCode::new(line.trim()));
            grant.redirect_uri = Some(OUT_OF_BAND_REDIRECT_URI.into());
            grant
        };
        client.exchange_code(&grant).await?
    };

    let info = client.token_info(token.access_token()).await?;
    println!(
        "token for resource owner {:?} of application {:?}: expires at {:?}, refresh token: {}, \
         scopes {:?}",
        info.resource_owner_id,
        info.application.as_ref().and_then(|a| a.uid.as_deref()),
        token.expires_at(),
        if token.refresh_token().is_some() {
            "yes"
        } else {
            "no"
        },
        info.scopes
    );
    if client.company_id().is_some() {
        client.revoke(&token).await?;
        println!("token revoked");
    }
    Ok(())
}
