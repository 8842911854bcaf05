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
use tokio::io::{AsyncWrite, AsyncWriteExt};

const USAGE: &str = "\
usage: set CALCOM_CLIENT_ID and CALCOM_CLIENT_SECRET, then either
  CALCOM_SESSION_COOKIE (the Cal.com user's Cookie header) and CALCOM_REDIRECT_URI
    to authorize, exchange the code and refresh, or
  CALCOM_REFRESH_TOKEN to refresh only.
  CALCOM_BASE_URL overrides https://api.cal.com (self-hosted Cal.com).";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: String,
    base_url: Option<String>,
    login: Login,
}

/// Where the refresh token comes from.
enum Login {
    /// Authorize with the user's session, exchange the code.
    Session {
        cookie: String,
        redirect_uri: String,
    },
    /// A stored refresh token.
    RefreshToken(String),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(client_id), Some(client_secret)) =
        (var("CALCOM_CLIENT_ID"), var("CALCOM_CLIENT_SECRET"))
    else {
        println!("{USAGE}");
        return Ok(());
    };
    let login = if let Some(rt) = var("CALCOM_REFRESH_TOKEN") {
        Login::RefreshToken(rt)
    } else if let (Some(cookie), Some(redirect_uri)) =
        (var("CALCOM_SESSION_COOKIE"), var("CALCOM_REDIRECT_URI"))
    {
        Login::Session {
            cookie,
            redirect_uri,
        }
    } else {
        println!("{USAGE}");
        return Ok(());
    };
    let config = Config {
        client_id,
        client_secret,
        base_url: var("CALCOM_BASE_URL"),
        login,
    };
    run(config, tokio::io::stdout()).await
}

/// The flow: authorize and exchange (or take the stored refresh token), then refresh.
async fn run(
    config: Config,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = CalcomClient::builder(config.client_id)
        .client_secret(ClientSecret::new(config.client_secret));
    if let Some(base) = config.base_url {
        builder = builder.base_url(base);
    }
    let client = builder.build()?;

    let refresh_token = match config.login {
        Login::RefreshToken(rt) => RefreshToken::new(rt),
        Login::Session {
            cookie,
            redirect_uri,
        } => {
            let session = SessionCookie::new(cookie);
            let redirect = client.authorize(&redirect_uri, Some(&session)).await?;
            let mut target = redirect.location().clone();
            target.set_query(None);
            let token = client.exchange_code(redirect.grant()).await?;
            let report = format!(
                "authorized: Cal.com redirected to {target}?code=[redacted]\n\
                 exchanged the code: access token expires at {:?}\n",
                token.expires_at()
            );
            stdout.write_all(report.as_bytes()).await?;
            token
                .refresh_token()
                .cloned()
                .ok_or("Cal.com issued no refresh token")?
        }
    };

    let token = client.refresh(&refresh_token).await?;
    let report = format!(
        "refreshed: access token expires at {:?}, refresh token at {:?}; the old refresh token \
         no longer works, store the new one\n",
        token.expires_at(),
        token.refresh_token_expires_at()
    );
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example runs against the crate's fake Cal.com platform flow.
#[cfg(test)]
mod tests {
    use calcom_oauth::mock::{CLIENT_ID, CLIENT_SECRET, FakeCalcom};

    use super::{Config, Login, run};

    #[tokio::test]
    async fn authorizes_exchanges_and_refreshes_against_the_fake() {
        let fake = FakeCalcom::start();
        let cookie = fake.session().secret().to_owned();
        let config = Config {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            base_url: Some(fake.base_url()),
            login: Login::Session {
                cookie: cookie.clone(),
                redirect_uri: "https://app.example/cb".into(),
            },
        };
        let mut stdout = Vec::new();
        run(config, &mut stdout)
            .await
            .expect("the example succeeds");
        let output = String::from_utf8(stdout).expect("UTF-8");

        assert!(
            output.starts_with(
                "authorized: Cal.com redirected to https://app.example/cb?code=[redacted]\n"
            ),
            "{output}"
        );
        assert!(
            output.contains("refreshed: access token expires at Some("),
            "{output}"
        );
        let counts = fake.counts();
        assert_eq!((counts.code_exchange, counts.refresh), (1, 1));
        for secret in [CLIENT_SECRET, &cookie, "fake-at-", "fake-rt-", "fake-code-"] {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
