//! Connects a Sunshine Conversations integration from a terminal: prints the authorization
//! URL, reads back the redirect, exchanges the code and shows which app the token is for.
//!
//! ```sh
//! SUNSHINE_CLIENT_ID=... SUNSHINE_CLIENT_SECRET=... SUNSHINE_REDIRECT_URI=https://app.example/cb \
//!   cargo run -p sunshine-conversations-oauth --example sunshine_conversations
//! ```
//!
//! `SUNSHINE_REGION=us` or `eu` uses a legacy regional host instead of the OAuth bridge, and
//! `SUNSHINE_REVOKE=1` removes the integration again at the end; `SUNSHINE_BASE_URL` selects
//! another server (a test server).

#![allow(clippy::print_stdout)]

use oauth_core::{AuthorizationCodeGrant, ClientSecret, TokenIntrospection, TokenRevocation};
use sunshine_conversations_oauth::{Region, SunshineClient};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

const USAGE: &str = "usage: SUNSHINE_CLIENT_ID=<integration id> SUNSHINE_CLIENT_SECRET=<secret> \
[SUNSHINE_REDIRECT_URI=<registered URI>] [SUNSHINE_REGION=bridge|us|eu] [SUNSHINE_REVOKE=1] [SUNSHINE_BASE_URL=<url>] \
cargo run -p sunshine-conversations-oauth --example sunshine_conversations";

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    region: Region,
    base_url: Option<String>,
    redirect_uri: Option<String>,
    revoke: bool,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Ok(client_id), Ok(client_secret)) = (
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
    let config = Config {
        client_id,
        client_secret,
        region,
        base_url: std::env::var("SUNSHINE_BASE_URL").ok(),
        redirect_uri: std::env::var("SUNSHINE_REDIRECT_URI").ok(),
        revoke: std::env::var("SUNSHINE_REVOKE").as_deref() == Ok("1"),
    };
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(config, stdin, tokio::io::stdout()).await
}

/// The flow: print the authorization URL, read the redirect, exchange the code, look it up.
async fn run(
    config: Config,
    mut stdin: impl AsyncBufRead + Unpin,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = SunshineClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret))
        .region(config.region);
    if let Some(base) = config.base_url {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;
    let request = client.authorization_request(config.redirect_uri.as_deref());
    let prompt = format!(
        "Open this URL, allow access, then paste the URL you were redirected to:\n{}\n",
        request.url()
    );
    stdout.write_all(prompt.as_bytes()).await?;
    stdout.flush().await?;
    let mut redirected = String::new();
    stdin.read_line(&mut redirected).await?;
    if redirected.trim().is_empty() {
        stdout
            .write_all(b"no redirect URL given; nothing exchanged\n")
            .await?;
        return Ok(stdout.flush().await?);
    }

    let grant = request.verify_redirect(redirected.trim())?;
    let token = client.exchange_code(&grant).await?;
    let app = client.token_info(token.access_token()).await?.app;
    let report = format!(
        "connected to app {:?} (subdomain {:?}); the token does not expire\n",
        app.as_ref().and_then(|a| a.id.as_deref()),
        app.as_ref().and_then(|a| a.subdomain.as_deref()),
    );
    stdout.write_all(report.as_bytes()).await?;
    if config.revoke {
        client.revoke(&token).await?;
        stdout
            .write_all(b"integration removed; the token no longer works\n")
            .await?;
    }
    stdout.flush().await?;
    Ok(())
}

/// The example runs against the crate's fake Sunshine Conversations OAuth bridge, its consent
/// step answered by the fake.
#[cfg(test)]
mod tests {
    use oauth_test_kit::terminal::converse;
    use sunshine_conversations_oauth::Region;
    use sunshine_conversations_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeSunshine};

    use super::{Config, run};

    #[tokio::test]
    async fn connects_an_app_against_the_fake_and_revokes_it() {
        let fake = FakeSunshine::start();
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            region: Region::OAuthBridge,
            base_url: Some(fake.base_url()),
            redirect_uri: Some("https://app.example/cb".into()),
            revoke: true,
        };
        let consent = |line: &str| {
            let redirect = line.starts_with("http").then(|| fake.authorize(line));
            redirect.map(|r| r.expect("consent").to_string())
        };
        let (result, output) = converse(|stdin, stdout| run(config, stdin, stdout), consent).await;
        result.expect("the example succeeds");

        assert!(output.contains("/oauth/authorize?"), "{output}");
        assert!(output.contains("connected to app Some("), "{output}");
        assert!(output.ends_with("the token no longer works"), "{output}");
        assert_eq!(fake.counts().code_exchange, 1);
        assert_eq!(fake.grants().live_grants(), 0, "the revoked grant is gone");
        for secret in [CLIENT_SECRET, "fake-at-", "fake-code-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
