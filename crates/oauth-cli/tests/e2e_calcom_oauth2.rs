//! `oauth` end to end with Cal.com's OAuth 2.0 flow, against the oidc-provider server in its
//! Cal.com profile (`E2E_OIDC_PROFILE=calcom`: the web app's authorization page and
//! `POST /v2/auth/oauth2/token` on one server): `oauth login` through the CLI's loopback
//! listener, `oauth token`, `oauth token` after expiry (a rotating refresh), `oauth status`,
//! `oauth revoke` (refused: Cal.com has none), `oauth logout`. Every output but `oauth token`'s
//! stdout is checked for secrets.
//!
//! Needs Node.js and npm, like `e2e_oidc_provider.rs`.

mod common;
mod e2e;

use common::CliHome;
use oauth_sdk_tests::{OidcServer, free_port};

/// A Cal.com-profile server issuing `ttl`-second access tokens, and a CLI home with a
/// profile `cal` for client `client_id` (`calcom-confidential` gets its secret from
/// `TEST_CLIENT_SECRET`, `calcom-public` has none).
fn setup(name: &str, ttl: u64, client_id: &str, shape: &str) -> (OidcServer, CliHome, String) {
    let redirect_uri = format!("http://127.0.0.1:{}/callback", free_port());
    let server = OidcServer::start_with_env(
        ttl,
        &[
            ("E2E_OIDC_PROFILE", "calcom"),
            ("E2E_CALCOM_SHAPE", shape),
            ("E2E_REDIRECT_URI", &redirect_uri),
        ],
    );
    let mut cli = CliHome::new(name);
    let base = server.base_url().to_owned();
    // The test server is the API and the web app at once.
    let more = [
        "--app-url",
        &base,
        "--redirect-uri",
        &redirect_uri,
        "--scope",
        "BOOKING_READ PROFILE_READ",
    ];
    if client_id == "calcom-confidential" {
        cli.add("cal", "calcom", client_id, &base, &more);
    } else {
        // A public client: no secret at all.
        let head = ["profile", "add", "cal", "--provider", "calcom"];
        let id = ["--client-id", client_id, "--base-url", &base];
        cli.ok(&[&head[..], &id, &more].concat());
    }
    (server, cli, redirect_uri)
}

/// The full round: login, token, refresh after expiry (rotation), status, revoke refused,
/// logout.
async fn round(name: &str, client_id: &str, shape: &str) {
    let (server, mut cli, redirect_uri) = setup(name, 3, client_id, shape);
    let config = std::fs::read_to_string(cli.dir.join("config.toml")).unwrap();
    assert!(config.contains("flow = \"oauth2\""), "{config}");
    let mut secrets = Vec::new();

    let login = e2e::browser_login(&mut cli, "cal", server.base_url(), &redirect_uri).await;
    secrets.push(login.code.clone());
    assert_eq!(login.url.path(), "/auth/oauth2/authorize", "{}", login.url);
    let query: std::collections::BTreeMap<_, _> = login.url.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], client_id);
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["scope"], "BOOKING_READ PROFILE_READ");
    assert!(
        login.stderr.contains("Logged in: profile `cal` (Cal.com)"),
        "{}",
        login.stderr
    );
    let stored = e2e::stored_secrets(&cli, "cal");
    assert_eq!(stored.len(), 2, "an access and a refresh token are stored");
    secrets.extend(stored.iter().cloned());

    let token = |cli: &mut CliHome| {
        cli.ok(&["-vv", "token", "cal", "--min-lifetime", "0"])
            .trim()
            .to_owned()
    };
    let first = token(&mut cli);
    assert_eq!(first, stored[0], "the stored access token");
    assert_eq!(token(&mut cli), first, "a fresh token is printed as stored");
    let json = e2e::describe(&mut cli, "cal");
    assert_eq!(json["provider"], "calcom");
    assert_eq!(json["has_refresh_token"], true);
    let status = cli.ok(&["status", "cal"]);
    // A server of one's own is shown beside the environment.
    let head = format!("cal\tcalcom\tproduction ({})\t", server.base_url());
    assert!(status.starts_with(&head), "{status}");
    assert!(status.trim_end().ends_with("\tok"), "{status}");

    e2e::wait_for_expiry(&mut cli, "cal");
    let status = cli.ok(&["status", "cal"]);
    assert!(
        status.contains("access expired") && status.trim_end().ends_with("refreshed on next use"),
        "{status}"
    );
    let second = token(&mut cli);
    assert_ne!(second, first, "an expired token is refreshed");
    let rotated = e2e::stored_secrets(&cli, "cal");
    assert_eq!(rotated[0], second, "the refreshed token was stored");
    assert_ne!(
        rotated[1], stored[1],
        "the rotated refresh token was stored"
    );
    secrets.extend(rotated.iter().cloned());
    // The stored refresh token is the live one: the next expiry refreshes again (a
    // rotated-out one would be `invalid_grant` and revoke the grant).
    e2e::wait_for_expiry(&mut cli, "cal");
    let third = token(&mut cli);
    assert_ne!(third, second);
    secrets.extend(e2e::stored_secrets(&cli, "cal"));

    let out = cli.run(&["revoke", "cal"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "oauth: Cal.com has no revocation endpoint; `oauth logout cal` forgets the token here\n"
    );
    assert_eq!(token(&mut cli), third, "a refused revoke keeps the token");

    cli.ok(&["logout", "cal"]);
    let out = cli.run(&["token", "cal"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "oauth: profile `cal` is not logged in: run `oauth login cal`"
    );
    assert!(out.stdout.is_empty());
    cli.assert_clean(&secrets);
}

#[tokio::test]
async fn public_client_login_token_refresh_status_logout() {
    round("calcom-public", "calcom-public", "bare").await;
}

#[tokio::test]
async fn confidential_client_in_the_camel_case_envelope() {
    round(
        "calcom-confidential",
        "calcom-confidential",
        "envelope-camel",
    )
    .await;
}

#[test]
fn a_profile_without_a_flow_is_the_platform_flow() {
    let mut cli = CliHome::new("calcom-legacy");
    let config = cli.dir.join("config.toml");
    std::fs::create_dir_all(&cli.dir).unwrap();
    // A config written before the OAuth 2.0 flow: no `flow`.
    std::fs::write(
        &config,
        "[profiles.cal]\nprovider = \"calcom\"\nclient_id = \"c\"\n\
         client_secret_env = \"TEST_CLIENT_SECRET\"\n",
    )
    .unwrap();
    // The platform flow asks for a session cookie, not a browser: with no terminal and no
    // cookie source, it says so.
    let out = cli.run(&["login", "cal"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("session cookie"), "{stderr}");
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        !stderr.contains("http://"),
        "no authorization URL: {stderr}"
    );
    // And `--flow` is for Cal.com only: a bad argument.
    let out = cli.run(&[
        "profile",
        "add",
        "rc",
        "--provider",
        "ringcentral",
        "--client-id",
        "c",
        "--flow",
        "oauth2",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test]
async fn profile_check_tells_a_wrong_secret_of_a_confidential_client_without_a_browser() {
    for shape in ["bare", "envelope"] {
        let (server, mut cli, _) = setup("calcom-check", 60, "calcom-confidential", shape);
        let accepted = cli.run(&["profile", "check", "cal"]);
        let stderr = String::from_utf8_lossy(&accepted.stderr);
        assert_eq!(accepted.status.code(), Some(0), "{shape}: {stderr}");
        assert!(
            stderr.starts_with("Cal.com accepted the client credentials of profile `cal`"),
            "{shape}: {stderr}"
        );
        cli.ok(&[
            "profile",
            "set",
            "cal",
            "--client-secret-env",
            "WRONG_SECRET",
        ]);
        let args = ["profile", "check", "cal"];
        let refused = cli.run_with(&args, &[("WRONG_SECRET", &"not-the-calcom-secret")]);
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(3), "{shape}: {stderr}");
        assert!(
            stderr.starts_with("oauth: Cal.com refused the client credentials of profile `cal`")
                && stderr.contains("environment variable WRONG_SECRET"),
            "{shape}: {stderr}"
        );
        cli.assert_clean(&["not-the-calcom-secret"]);
        drop(server);
    }
}
