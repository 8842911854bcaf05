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
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

const USAGE: &str = "\
usage: set CALCOM_CLIENT_ID and CALCOM_REDIRECT_URI (the client's registered redirect URI);
  optional: CALCOM_SCOPES (space-separated), CALCOM_CLIENT_SECRET (confidential client),
  CALCOM_BASE_URL (default https://api.cal.com), CALCOM_APP_URL (default https://app.cal.com).";

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What the example needs, read from the environment by `main` (and built by its test).
struct Config {
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: String,
    scopes: String,
    base_url: Option<String>,
    app_url: Option<String>,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (Some(client_id), Some(redirect_uri)) =
        (var("CALCOM_CLIENT_ID"), var("CALCOM_REDIRECT_URI"))
    else {
        println!("{USAGE}");
        return Ok(());
    };
    let config = Config {
        client_id,
        client_secret: var("CALCOM_CLIENT_SECRET"),
        redirect_uri,
        scopes: var("CALCOM_SCOPES").unwrap_or_default(),
        base_url: var("CALCOM_BASE_URL"),
        app_url: var("CALCOM_APP_URL"),
    };
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    run(config, stdin, tokio::io::stdout()).await
}

/// The flow: print the authorization URL, read the redirect, exchange the code, refresh once.
async fn run(
    config: Config,
    mut stdin: impl AsyncBufRead + Unpin,
    mut stdout: impl AsyncWrite + Unpin,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = CalcomOAuth2Client::builder(config.client_id);
    if let Some(secret) = config.client_secret {
        builder = builder.client_secret(ClientSecret::new(secret));
    }
    if let Some(base) = config.base_url {
        builder = builder.base_url(base);
    }
    if let Some(app) = config.app_url {
        builder = builder.app_url(app);
    }
    let client = builder.build()?;

    let mut params = AuthorizeParams::new(config.redirect_uri);
    for scope in config.scopes.split_whitespace() {
        params = params.scope(scope);
    }
    let request = client.authorization_request(&params);
    let prompt = format!(
        "open this URL, allow access, then paste the URL you land on:\n\n{}\n\n",
        request.url()
    );
    stdout.write_all(prompt.as_bytes()).await?;
    stdout.flush().await?;
    let mut redirect = String::new();
    stdin.read_line(&mut redirect).await?;
    let grant = request.verify_redirect(redirect.trim())?;

    let token = client.exchange_code(&grant).await?;
    let report = format!(
        "exchanged the code ({:?} client): access token expires at {:?}, scopes {:?}\n",
        client.kind(),
        token.expires_at(),
        token.scopes()
    );
    stdout.write_all(report.as_bytes()).await?;
    let refresh_token = token
        .refresh_token()
        .ok_or("Cal.com issued no refresh token")?;
    let token = client.refresh(refresh_token).await?;
    let report = format!(
        "refreshed: access token expires at {:?}; the old refresh token no longer works, store \
         the new one\n",
        token.expires_at()
    );
    stdout.write_all(report.as_bytes()).await?;
    stdout.flush().await?;
    Ok(())
}

/// The example runs against Cal.com's token endpoint on httpmock, which checks the form fields
/// it sends; the test plays the user who consents and pastes the redirect.
#[cfg(test)]
mod tests {
    use httpmock::{Method::POST, MockServer};
    use oauth_test_kit::terminal::converse;
    use url::Url;

    use super::{Config, run};

    const SECRET: &str = "cal-example-secret";
    const CODE: &str = "cal-example-code";
    const ACCESS: [&str; 2] = ["cal-example-access-1", "cal-example-access-2"];
    const REFRESH: [&str; 2] = ["cal-example-refresh-1", "cal-example-refresh-2"];

    #[tokio::test]
    async fn confidential_client_exchanges_and_refreshes_on_the_wire() {
        let server = MockServer::start_async().await;
        let exchange = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/v2/auth/oauth2/token")
                    .form_urlencoded_tuple("grant_type", "authorization_code")
                    .form_urlencoded_tuple("code", CODE)
                    .form_urlencoded_tuple("client_secret", SECRET)
                    .form_urlencoded_tuple_exists("code_verifier");
                then.status(200).json_body(serde_json::json!({
                    "access_token": ACCESS[0], "token_type": "bearer",
                    "refresh_token": REFRESH[0], "expires_in": 1800, "scope": "BOOKING_READ",
                }));
            })
            .await;
        let refresh = server
            .mock_async(|when, then| {
                when.method(POST)
                    .path("/v2/auth/oauth2/token")
                    .form_urlencoded_tuple("grant_type", "refresh_token")
                    .form_urlencoded_tuple("refresh_token", REFRESH[0]);
                then.status(200).json_body(serde_json::json!({
                    "access_token": ACCESS[1], "token_type": "bearer",
                    "refresh_token": REFRESH[1], "expires_in": 1800,
                }));
            })
            .await;
        let config = Config {
            client_id: "cal-example-client".into(),
            client_secret: Some(SECRET.into()),
            redirect_uri: "https://app.example/cb".into(),
            scopes: "BOOKING_READ".into(),
            base_url: Some(server.base_url()),
            app_url: Some("https://cal.example".into()),
        };

        // Consent: Cal.com sends the browser back with a code and the state.
        let consent = |line: &str| {
            let url = Url::parse(line).ok()?;
            let state = url
                .query_pairs()
                .find(|(k, _)| k == "state")?
                .1
                .into_owned();
            Some(format!("https://app.example/cb?code={CODE}&state={state}"))
        };
        let (result, output) = converse(|stdin, stdout| run(config, stdin, stdout), consent).await;
        result.expect("the example succeeds");

        exchange.assert_async().await;
        refresh.assert_async().await;
        assert!(
            output.contains("https://cal.example/auth/oauth2/authorize?"),
            "{output}"
        );
        assert!(output.contains("code_challenge_method=S256"), "{output}");
        assert!(output.contains("(Confidential client)"), "{output}");
        assert!(
            output.contains("refreshed: access token expires at Some("),
            "{output}"
        );
        for secret in [SECRET, CODE].iter().chain(&ACCESS).chain(&REFRESH) {
            assert!(!output.contains(secret), "{secret} printed: {output}");
        }
    }
}
