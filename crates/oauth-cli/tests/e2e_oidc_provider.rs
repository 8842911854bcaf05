//! `oauth` end to end against the oidc-provider server (`tests/oidc-server`, RingCentral's
//! paths): `oauth login` prints the URL, the test follows it through the server's login and
//! consent pages over HTTP, the redirect reaches the CLI's loopback listener, then `oauth token`
//! (refreshing after expiry), `oauth status`, `oauth revoke`. Every output but `oauth token`'s
//! stdout is checked for secrets.
//!
//! Needs Node.js and npm (the server's packages are installed with `npm ci` on first use); a
//! missing `node` fails the tests.

mod common;
mod e2e;

use std::process::{Child, Stdio};
use std::time::{Duration, SystemTime};

use common::{CliHome, http_client};
use e2e::Stderr;
use oauth_sdk_tests::{OidcServer, free_port};

/// A server, a CLI home with a profile `rc` for it, and every secret seen so far.
struct Home {
    cli: CliHome,
    server: OidcServer,
    redirect_uri: String,
    secrets: Vec<String>,
}

impl std::ops::Deref for Home {
    type Target = CliHome;
    fn deref(&self) -> &CliHome {
        &self.cli
    }
}

impl std::ops::DerefMut for Home {
    fn deref_mut(&mut self) -> &mut CliHome {
        &mut self.cli
    }
}

impl Home {
    /// A server issuing `ttl`-second access tokens and a profile `rc` for it.
    fn new(name: &str, ttl: u64) -> Self {
        let port = free_port();
        let redirect_uri = format!("http://127.0.0.1:{port}/callback");
        let server = OidcServer::start_with_env(ttl, &[("E2E_REDIRECT_URI", &redirect_uri)]);
        let mut cli = CliHome::new(name);
        let more = ["--redirect-uri", &redirect_uri, "--scope", "openid"];
        cli.add("rc", "ringcentral", "e2e-client", server.base_url(), &more);
        Self {
            cli,
            server,
            redirect_uri,
            secrets: Vec::new(),
        }
    }

    /// `oauth token rc`, counting the token among the secrets.
    fn token(&mut self) -> String {
        // `-vv`: the library's tracing joins the transcript checked for secrets.
        let token = self
            .ok(&["-vv", "token", "rc", "--min-lifetime", "0"])
            .trim()
            .to_owned();
        assert!(
            !token.is_empty() && !token.contains(char::is_whitespace),
            "{token:?}"
        );
        self.secrets.push(token.clone());
        token
    }

    /// `oauth login rc`, with the browser's part played over HTTP.
    async fn login(&mut self) {
        let base_url = self.server.base_url().to_owned();
        let redirect_uri = self.redirect_uri.clone();
        let login = e2e::browser_login(&mut self.cli, "rc", &base_url, &redirect_uri).await;
        self.secrets.push(login.code);
        assert_eq!(
            login.url.path(),
            "/restapi/oauth/authorize",
            "{}",
            login.url
        );
        assert!(
            login
                .stderr
                .contains("Logged in: profile `rc` (RingCentral)"),
            "{}",
            login.stderr
        );
        // `openid` is in the profile's scopes: a sign-in, its ID token verified.
        assert!(
            login.url.query_pairs().any(|(k, _)| k == "nonce"),
            "{}",
            login.url
        );
        assert!(
            login
                .stderr
                .contains("Signed in: subject alice, ID token verified"),
            "{}",
            login.stderr
        );
        self.collect_stored_secrets();
    }

    /// The refresh tokens in the store count as secrets too.
    fn collect_stored_secrets(&mut self) {
        let stored = e2e::stored_secrets(&self.cli, "rc");
        self.secrets.extend(stored);
    }

    /// `oauth token --json`'s `expires_at`, as a time.
    fn expires_at(&mut self) -> SystemTime {
        let json = e2e::describe(&mut self.cli, "rc");
        assert_eq!(json["provider"], "ringcentral");
        assert_eq!(json["has_refresh_token"], true);
        assert!(
            json["scopes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s == "openid"),
            "{json}"
        );
        SystemTime::UNIX_EPOCH + Duration::from_secs(json["expires_at"].as_u64().unwrap())
    }

    /// Waits until the stored access token has expired by the wall clock.
    fn wait_for_expiry(&mut self) {
        e2e::wait_for_expiry(&mut self.cli, "rc");
    }

    /// `GET /me` with the token: the server's verdict on it.
    async fn userinfo_status(&self, token: &str) -> u16 {
        e2e::userinfo_status(self.server.base_url(), token).await
    }

    fn assert_no_secret_in_transcript(&mut self) {
        self.collect_stored_secrets();
        self.cli.assert_clean(&self.secrets);
    }
}

#[tokio::test]
async fn login_token_refresh_status_revoke() {
    let mut home = Home::new("e2e-flow", 3);
    home.login().await;
    let listed = home.ok(&["profile", "list"]);
    assert!(
        listed.starts_with("rc\tringcentral\tproduction\tclient_id=e2e-client"),
        "{listed}"
    );
    assert!(listed.contains("secret=env TEST_CLIENT_SECRET"), "{listed}");
    let base = home.server.base_url().to_owned();
    assert!(
        listed.trim_end().ends_with(&format!("\tbase_url={base}")),
        "{listed}"
    );

    let first = home.token();
    assert_eq!(home.token(), first, "a fresh token is printed as stored");
    assert_eq!(home.userinfo_status(&first).await, 200);
    let status = home.ok(&["status"]);
    assert!(
        status.starts_with(&format!("rc\tringcentral\tproduction ({base})\tscopes=")),
        "{status}"
    );
    assert!(status.trim_end().ends_with("\tok"), "{status}");

    home.wait_for_expiry();
    let status = home.ok(&["status", "rc"]);
    assert!(
        status.contains("access expired") && status.trim_end().ends_with("refreshed on next use"),
        "{status}"
    );
    let second = home.token();
    assert_ne!(second, first, "an expired token is refreshed");
    assert_eq!(home.userinfo_status(&second).await, 200);
    assert!(
        home.expires_at() > SystemTime::now(),
        "the refreshed token was stored"
    );

    home.ok(&["revoke", "rc"]);
    assert_eq!(
        home.userinfo_status(&second).await,
        401,
        "revoked at the server"
    );
    let out = home.run(&["token", "rc"]);
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "oauth: profile `rc` is not logged in: run `oauth login rc`"
    );
    assert!(out.stdout.is_empty());
    home.assert_no_secret_in_transcript();
}

#[tokio::test]
async fn concurrent_token_processes_on_an_expired_token_refresh_once() {
    let mut home = Home::new("e2e-concurrent", 3);
    home.login().await;
    let first = home.token();
    home.wait_for_expiry();

    // Four processes at once. The server rotates refresh tokens and treats a rotated-out one
    // as reuse, revoking the whole grant: had two processes refreshed, one of them would have
    // presented the consumed refresh token and every token printed would now be dead.
    let children: Vec<Child> = (0..4)
        .map(|_| {
            home.command(&["token", "rc", "--min-lifetime", "0"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut printed = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        home.record(&["token"], &out);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        printed.push(String::from_utf8(out.stdout).unwrap().trim().to_owned());
    }
    assert_ne!(printed[0], first);
    assert!(
        printed.iter().all(|t| *t == printed[0]),
        "one refresh, one token: {printed:?}"
    );
    home.secrets.push(printed[0].clone());
    assert_eq!(
        home.userinfo_status(&printed[0]).await,
        200,
        "the grant is alive"
    );

    // And the stored refresh token is the live one: the next expiry refreshes fine.
    home.wait_for_expiry();
    let third = home.token();
    assert_ne!(third, printed[0]);
    assert_eq!(home.userinfo_status(&third).await, 200);
    home.assert_no_secret_in_transcript();
}

#[tokio::test]
async fn a_stale_redirect_is_answered_and_the_login_goes_on() {
    let mut home = Home::new("e2e-stale", 60);
    let mut child = home
        .command(&["login", "rc", "--timeout", "60"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = Stderr::of(&mut child);
    let url = stderr.authorization_url();
    assert!(url.as_str().contains("code_challenge_method=S256"), "{url}");
    // A tab restored from an earlier login comes back with that login's state.
    let page = http_client()
        .get(format!(
            "{}?code=old-code&state=old-state",
            home.redirect_uri
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 400);
    let text = page.text().await.unwrap();
    assert!(
        text.contains("This page belongs to an older login") && text.contains("newest"),
        "{text}"
    );
    stderr.wait_for(|l| l.contains("from an older login") && l.ends_with("still waiting."));
    // The login is still waiting for the right redirect, and completes with it.
    assert!(child.try_wait().unwrap().is_none(), "the login went on");
    let (base_url, redirect_uri) = (home.server.base_url().to_owned(), home.redirect_uri.clone());
    let login = e2e::finish_login(&mut home, child, stderr, url, &base_url, &redirect_uri).await;
    home.secrets.push(login.code);
    assert!(!login.stderr.contains("CSRF"), "{}", login.stderr);
    let token = home.token();
    assert_eq!(home.userinfo_status(&token).await, 200);
    home.assert_no_secret_in_transcript();
}

#[test]
fn a_typo_and_a_missing_login_are_one_line_errors() {
    let mut home = CliHome::new("typo");
    let mut run = |args: &[&str]| home.run(args);
    let add = run(&[
        "profile",
        "add",
        "procore-sandbox",
        "--provider",
        "procore",
        "--client-id",
        "x",
        "--environment",
        "sandbox",
        "--client-secret-env",
        "UNSET_SECRET_VAR",
    ]);
    assert!(
        add.status.success(),
        "{}",
        String::from_utf8_lossy(&add.stderr)
    );
    let out = run(&["token", "procore-sandbx"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "oauth: no profile named `procore-sandbx`; did you mean `procore-sandbox`?\n"
    );
    let out = run(&["login", "procore-sandbox", "--client-credentials"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("UNSET_SECRET_VAR"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["login", "procore-sandbox", "--jwt", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2), "a bad argument");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "oauth: --jwt is for RingCentral profiles; this one is Procore (see `oauth login --help`)\n"
    );
    let out = run(&["status"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "procore-sandbox\tprocore\tsandbox\t-\t-\t-\tnot logged in: run `oauth login procore-sandbox`\n"
    );
}
