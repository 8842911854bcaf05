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

use oauth_core::{AuthorizationCodeGrant, ClientSecret};
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: String,
    base_url: Option<String>,
}

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
    let config = Config {
        client_id,
        client_secret: std::env::var("RINGCENTRAL_CLIENT_SECRET").ok(),
        redirect_uri,
        base_url: std::env::var("RINGCENTRAL_BASE_URL").ok(),
    };
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(config, stdin, tokio::io::stdout()).await
}

/// The flow: print the authorization URL, read the redirect, exchange the code.
async fn run(
    config: Config,
    mut stdin: impl AsyncBufRead + Unpin,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = RingCentralClient::builder(config.client_id);
    if let Some(secret) = config.client_secret {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    if let Some(base) = config.base_url {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let request = client.authorization_request(&AuthorizeParams::new(config.redirect_uri));
    let prompt = format!(
        "Open this URL, sign in, then paste the URL you were redirected to:\n{}\n",
        request.url()
    );
    stdout.write_all(prompt.as_bytes()).await?;
    stdout.flush().await?;
    let mut redirected = String::new();
    stdin.read_line(&mut redirected).await?;

    let grant = request.verify_redirect(redirected.trim())?;
    let token = client.exchange_code(&grant).await?;
    let report = format!(
        "token received: type {}, expires at {:?}, refresh token: {}, scopes: {:?}\n",
        token.token_type().as_str(),
        token.expires_at(),
        if token.refresh_token().is_some() {
            "yes"
        } else {
            "no"
        },
        token.scopes()
    );
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example runs against the crate's fake RingCentral, its consent step answered by the fake.
#[cfg(test)]
mod tests {
    use oauth_test_kit::terminal::converse;
    use ringcentral_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeRingCentral};

    use super::{Config, run};

    #[tokio::test]
    async fn logs_in_against_the_fake_and_prints_no_secret() {
        let fake = FakeRingCentral::start();
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            redirect_uri: "https://app.example/cb".into(),
            base_url: Some(fake.base_url()),
        };
        let consent = |line: &str| {
            let redirect = line.starts_with("http").then(|| fake.authorize(line));
            redirect.map(|r| r.expect("consent").to_string())
        };
        let (result, output) = converse(|stdin, stdout| run(config, stdin, stdout), consent).await;
        result.expect("the example succeeds");

        assert!(output.contains("/restapi/oauth/authorize?"), "{output}");
        assert!(output.contains("code_challenge_method=S256"), "{output}");
        assert!(
            output.contains("token received: type Bearer") && output.contains("refresh token: yes"),
            "{output}"
        );
        assert_eq!(fake.counts().code_exchange, 1);
        for secret in [CLIENT_SECRET, "fake-at-", "fake-rt-", "fake-code-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
