//! Gets a Procore token from a terminal: a service account (client credentials) when
//! `PROCORE_GRANT=client_credentials`, else the authorization code flow with the out-of-band
//! redirect (`urn:ietf:wg:oauth:2.0:oob`), where Procore shows the code to paste.
//!
//! ```sh
//! PROCORE_CLIENT_ID=... PROCORE_CLIENT_SECRET=... PROCORE_ENV=sandbox \
//!   cargo run -p procore-oauth --example procore
//! ```

#![allow(clippy::print_stdout)]

use std::io::BufRead;

use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientCredentialsGrant,
    ClientSecret, TokenIntrospection,
};
use procore_oauth::{Environment, ProcoreClient};

const OOB: &str = "urn:ietf:wg:oauth:2.0:oob";

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(id), Ok(secret)) = (
        std::env::var("PROCORE_CLIENT_ID"),
        std::env::var("PROCORE_CLIENT_SECRET"),
    ) else {
        println!(
            "set PROCORE_CLIENT_ID and PROCORE_CLIENT_SECRET; optional: PROCORE_ENV \
             (production, sandbox, monthly), PROCORE_GRANT=client_credentials"
        );
        return Ok(());
    };
    let environment = match std::env::var("PROCORE_ENV").as_deref() {
        Ok("sandbox") => Environment::Sandbox,
        Ok("monthly") => Environment::MonthlySandbox,
        _ => Environment::Production,
    };
    let client = ProcoreClient::builder(id)
        .client_secret(ClientSecret::new(secret))
        .environment(environment)
        .build()?;

    let token = if std::env::var("PROCORE_GRANT").as_deref() == Ok("client_credentials") {
        client.client_credentials().await?
    } else {
        let request = client.authorization_request(OOB);
        println!(
            "Open this URL, approve, then paste the code Procore shows:\n{}",
            request.url()
        );
        let mut code = String::new();
        std::io::stdin().lock().read_line(&mut code)?;
        let mut grant = AuthorizationGrant::from_code(AuthorizationCode::new(code.trim()));
        grant.redirect_uri = Some(OOB.into());
        client.exchange_code(&grant).await?
    };
    let info = client.token_info(token.access_token()).await?;
    println!(
        "token for resource owner {:?}, expires at {:?}, scopes {:?}",
        info.resource_owner_id,
        token.expires_at(),
        info.scopes
    );
    Ok(())
}
