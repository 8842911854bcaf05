//! `oauth login` against the oidc-provider server (RingCentral's paths) with the mistakes a
//! newcomer makes first: a redirect URI the server does not accept, a wrong client secret
//! (and `oauth profile check`, which finds it without a browser), and opening the browser
//! through `BROWSER` (a script standing in for the browser records the URL it was given; the
//! test then plays the browser's part over HTTP, as the other end-to-end tests do).
//!
//! Needs Node.js and npm, like `e2e_oidc_provider.rs`.

#[allow(dead_code, reason = "the shared helpers are not all needed here")]
mod common;
#[allow(dead_code, reason = "the shared helpers are not all needed here")]
mod e2e;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{CliHome, http_client};
use e2e::Stderr;
use oauth_sdk_tests::{OidcServer, RESERVED_SECRET, free_port};

/// A wrong client secret, given in `WRONG_SECRET`.
const WRONG: &str = "not-the-e2e-secret";

/// A server whose client has `registered` as its redirect URI, and a CLI home with a profile
/// `rc` for it using `used`, its secret from `secret_var`.
fn setup(name: &str, registered: &str, used: &str, secret_var: &str) -> (OidcServer, CliHome) {
    let server = OidcServer::start_with_env(60, &[("E2E_REDIRECT_URI", registered)]);
    let mut cli = CliHome::new(name);
    let more = ["--redirect-uri", used];
    cli.add("rc", "ringcentral", "e2e-client", server.base_url(), &more);
    if secret_var != "TEST_CLIENT_SECRET" {
        cli.ok(&["profile", "set", "rc", "--client-secret-env", secret_var]);
    }
    (server, cli)
}

fn callback() -> String {
    format!("http://127.0.0.1:{}/callback", free_port())
}

/// `oauth ARGS` with the wrong secret in `WRONG_SECRET`, stderr piped.
fn spawn(cli: &CliHome, args: &[&str], browser: Option<&Path>) -> (Child, Stderr) {
    let mut command = cli.command(args);
    command
        .env("WRONG_SECRET", WRONG)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(browser) = browser {
        command.env("BROWSER", browser);
    }
    let mut child = command.spawn().expect("spawn oauth");
    let stderr = Stderr::of(&mut child);
    (child, stderr)
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_named_while_waiting_and_after_the_timeout() {
    let used = callback();
    let (server, mut cli) = setup("e2e-redirect", &callback(), &used, "TEST_CLIENT_SECRET");
    let (mut child, mut stderr) = spawn(&cli, &["login", "rc", "--timeout", "3"], None);
    let url = stderr.authorization_url();
    let waiting = stderr.wait_for(|l| l.starts_with("Waiting for the redirect"));
    assert!(
        waiting.contains(&format!("to {used} "))
            && waiting.contains("RingCentral must have this redirect URI registered")
            && waiting.contains("`oauth profile set rc --redirect-uri URI`"),
        "{waiting}"
    );
    // What the browser shows: the server refuses to send it back to an unknown redirect URI.
    let page = http_client().get(url.clone()).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().await.unwrap().contains("redirect_uri"));
    assert_eq!(child.wait().unwrap().code(), Some(6));
    let rest = stderr.rest();
    let last = rest.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("oauth: no redirect from the browser within 3 s.")
            && last.contains("the likely cause is the redirect URI")
            && last.contains(&format!("RingCentral must have {used} registered")),
        "{rest}"
    );
    cli.transcript += &rest;
    cli.assert_clean::<&str>(&[]);
    drop(server);
}

#[tokio::test]
async fn a_wrong_client_secret_is_a_configuration_error_that_names_its_source() {
    let redirect = callback();
    let (server, mut cli) = setup("e2e-secret", &redirect, &redirect, "WRONG_SECRET");
    let run = |cli: &mut CliHome, args: &[&str]| {
        let out = cli.run_with(args, &[("WRONG_SECRET", &WRONG)]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let refused = "oauth: RingCentral refused the client credentials of profile `rc` \
                   (invalid_client): check the client id `e2e-client` and the client secret, \
                   which comes from environment variable WRONG_SECRET.";

    // Without a browser.
    let (code, stderr) = run(&mut cli, &["profile", "check", "rc"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(stderr.starts_with(refused), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    cli.ok(&[
        "profile",
        "set",
        "rc",
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
    ]);
    let (code, stderr) = run(&mut cli, &["profile", "check", "rc"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.starts_with("RingCentral accepted the client credentials of profile `rc`"),
        "{stderr}"
    );

    // Through the whole browser round trip: the exchange is refused, and said so, the same.
    cli.ok(&[
        "profile",
        "set",
        "rc",
        "--client-secret-env",
        "WRONG_SECRET",
    ]);
    let (child, mut stderr) = spawn(&cli, &["login", "rc", "--timeout", "60"], None);
    let url = stderr.authorization_url();
    // First: it installs the TLS crypto provider the browser stand-in's client needs.
    let http = http_client();
    let back = oauth_sdk_tests::browser::Browser::new()
        .authorize(server.base_url(), &url, "alice")
        .await;
    assert!(back.starts_with(&redirect), "{back}");
    let page = http.get(&back).send().await.unwrap();
    assert_eq!(page.status(), 400);
    let text = page.text().await.unwrap();
    assert!(text.contains("refused the client credentials"), "{text}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let rest = stderr.rest();
    assert!(
        rest.lines().last().unwrap_or_default().starts_with(refused),
        "{rest}"
    );
    cli.transcript += &rest;
    assert_eq!(
        cli.run(&["token", "rc"]).status.code(),
        Some(4),
        "nothing stored"
    );
    let code = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    cli.assert_clean(&[WRONG, RESERVED_SECRET, &code]);
}

/// An executable shell script `name` in `dir`.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Waits (at most 30 s) for `path` to hold a line, and returns it.
fn recorded(path: &Path) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && text.ends_with('\n')
        {
            return text.trim().to_owned();
        }
        assert!(Instant::now() < deadline, "the browser was not started");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[tokio::test]
async fn the_browser_in_browser_is_opened_and_a_failed_one_is_one_line() {
    let redirect = callback();
    let (server, mut cli) = setup("e2e-browser", &redirect, &redirect, "TEST_CLIENT_SECRET");
    let base = server.base_url().to_owned();
    let opened = cli.dir.join("opened.txt");
    let recorder = script(
        &cli.dir,
        "browser.sh",
        &format!("printf '%s\\n' \"$1\" > '{}'", opened.display()),
    );
    let failing = script(&cli.dir, "failing-browser.sh", "exit 3");

    // BROWSER set: opened without --open, with the URL printed.
    let args = ["login", "rc", "--timeout", "60"];
    let (child, mut stderr) = spawn(&cli, &args, Some(&recorder));
    let url = stderr.authorization_url();
    assert_eq!(recorded(&opened), url.as_str(), "the browser got the URL");
    let login = e2e::finish_login(&mut cli, child, stderr, url, &base, &redirect).await;
    assert!(!login.stderr.contains("Could not open"), "{}", login.stderr);

    // A browser that fails: one line, and the login goes on with the URL opened by hand.
    let (child, mut stderr) = spawn(&cli, &args, Some(&failing));
    let url = stderr.authorization_url();
    let line = stderr.wait_for(|l| l.starts_with("Could not open a browser"));
    assert_eq!(
        line,
        format!(
            "Could not open a browser: {} exited with code 3; open this URL by hand: {url}",
            failing.display()
        )
    );
    e2e::finish_login(&mut cli, child, stderr, url, &base, &redirect).await;

    // One that cannot be started at all: one line too.
    let missing = cli.dir.join("no-such-browser");
    let (child, mut stderr) = spawn(&cli, &args, Some(&missing));
    let url = stderr.authorization_url();
    let line = stderr.wait_for(|l| l.starts_with("Could not open a browser"));
    assert_eq!(
        line,
        format!(
            "Could not open a browser (BROWSER: {}: not found); open this URL by hand: {url}",
            missing.display()
        )
    );
    e2e::finish_login(&mut cli, child, stderr, url, &base, &redirect).await;

    // --no-open: nothing is started, whatever BROWSER says.
    let (child, mut stderr) = spawn(&cli, &["login", "rc", "--no-open"], Some(&failing));
    let url = stderr.authorization_url();
    let login = e2e::finish_login(&mut cli, child, stderr, url, &base, &redirect).await;
    assert!(!login.stderr.contains("Could not open"), "{}", login.stderr);
    cli.assert_clean(&[login.code]);
}
