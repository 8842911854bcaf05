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

use oauth_core::{
    AuthorizationCode, AuthorizationCodeGrant, AuthorizationGrant, ClientCredentialsGrant,
    ClientSecret, TokenIntrospection, TokenRevocation,
};
use procore_oauth::{Environment, OUT_OF_BAND_REDIRECT_URI, ProcoreClient};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    environment: Environment,
    base_url: Option<String>,
    company_id: Option<String>,
    client_credentials: bool,
    redirect_uri: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret)) = (
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
    let config = Config {
        client_id,
        client_secret,
        environment: match std::env::var("PROCORE_ENV").as_deref() {
            Ok("sandbox") => Environment::Sandbox,
            Ok("monthly") => Environment::MonthlySandbox,
            _ => Environment::Production,
        },
        base_url: std::env::var("PROCORE_BASE_URL").ok(),
        company_id: std::env::var("PROCORE_COMPANY_ID").ok(),
        client_credentials: std::env::var("PROCORE_GRANT").as_deref() == Ok("client_credentials"),
        redirect_uri: std::env::var("PROCORE_REDIRECT_URI").ok(),
    };
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(config, stdin, tokio::io::stdout()).await
}

/// The flow: get a token (either grant), ask Procore about it, revoke it when told to.
async fn run(
    config: Config,
    mut stdin: impl AsyncBufRead + Unpin,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = ProcoreClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret))
        .environment(config.environment);
    if let Some(base) = config.base_url {
        builder = builder.base_url(base);
    }
    if let Some(company) = config.company_id {
        builder = builder.company_id(company.trim().parse()?);
    }
    let client = builder.build()?;

    let token = if config.client_credentials {
        client.client_credentials().await?
    } else {
        let redirect_uri = config.redirect_uri;
        let request = client
            .authorization_request(redirect_uri.as_deref().unwrap_or(OUT_OF_BAND_REDIRECT_URI));
        let prompt = format!(
            "Open this URL and approve, then paste {}:\n{}\n",
            if redirect_uri.is_some() {
                "the URL you were redirected to"
            } else {
                "the code Procore shows"
            },
            request.url()
        );
        stdout.write_all(prompt.as_bytes()).await?;
        stdout.flush().await?;
        let mut line = String::new();
        stdin.read_line(&mut line).await?;
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
    let report = format!(
        "token for resource owner {:?} of application {:?}: expires at {:?}, refresh token: {}, \
         scopes {:?}\n",
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
    stdout.write_all(report.as_bytes()).await?;
    if client.company_id().is_some() {
        client.revoke(&token).await?;
        stdout.write_all(b"token revoked\n").await?;
    }
    stdout.flush().await?;
    Ok(())
}

/// The example runs against the crate's fake Procore, its consent step answered by the fake.
#[cfg(test)]
mod tests {
    use oauth_test_kit::terminal::converse;
    use procore_oauth::Environment;
    use procore_oauth::mock::{CLIENT_ID, CLIENT_SECRET, COMPANY_ID, FakeProcore};

    use super::{Config, run};

    /// Runs the example against `fake`, answering the consent step as the user would; returns
    /// everything it printed.
    async fn drive(fake: &FakeProcore, config: Config) -> String {
        let consent = |line: &str| {
            let redirect = line.starts_with("http").then(|| fake.authorize(line));
            redirect.map(|r| r.expect("consent").to_string())
        };
        let (result, output) = converse(|stdin, stdout| run(config, stdin, stdout), consent).await;
        result.expect("the example succeeds");
        for secret in [CLIENT_SECRET, "fake-at-", "fake-rt-", "fake-code-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
        output
    }

    fn config(fake: &FakeProcore) -> Config {
        Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            environment: Environment::Production,
            base_url: Some(fake.base_url()),
            company_id: None,
            client_credentials: false,
            redirect_uri: Some("https://app.example/cb".into()),
        }
    }

    #[tokio::test]
    async fn code_flow_asks_token_info_and_revokes() {
        let fake = FakeProcore::start();
        let config = Config {
            company_id: Some(COMPANY_ID.to_string()),
            ..config(&fake)
        };
        let output = drive(&fake, config).await;
        assert!(output.contains("/oauth/authorize?"), "{output}");
        assert!(output.contains("refresh token: yes"), "{output}");
        assert!(output.ends_with("token revoked"), "{output}");
        assert_eq!(fake.counts().code_exchange, 1);
        assert_eq!(fake.grants().live_grants(), 0, "the revoked grant is gone");
    }

    #[tokio::test]
    async fn client_credentials_needs_no_browser() {
        let fake = FakeProcore::start();
        let config = Config {
            client_credentials: true,
            ..config(&fake)
        };
        let output = drive(&fake, config).await;
        assert!(output.starts_with("token for resource owner"), "{output}");
        assert_eq!(fake.counts().client_credentials, 1);
    }
}
