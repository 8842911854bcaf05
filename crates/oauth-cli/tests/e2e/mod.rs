//! What the end-to-end tests share: playing the browser's part of `oauth login` against the
//! oidc-provider server, and waiting for a stored token to expire.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use oauth_sdk_tests::browser::Browser;

use crate::common::{CliHome, http_client};

/// What `oauth login PROFILE` left behind once the browser came back.
pub struct Login {
    /// The authorization URL the CLI printed.
    pub url: url::Url,
    /// The code the server sent to the CLI's listener (a secret).
    pub code: String,
    /// `oauth login`'s stderr.
    pub stderr: String,
}

/// Runs `oauth login PROFILE`, logs in as `alice` at the server at `base_url` over HTTP, and
/// lets the redirect reach the CLI's listener at `redirect_uri`; the login must succeed.
pub async fn browser_login(
    cli: &mut CliHome,
    profile: &str,
    base_url: &str,
    redirect_uri: &str,
) -> Login {
    let mut child = cli
        .command(&["login", profile, "--timeout", "60"])
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn oauth login");
    let (url, lines) = authorization_url(&mut child);
    let http = http_client();
    let url = url::Url::parse(&url).expect("a URL");
    let back = Browser::new().authorize(base_url, &url, "alice").await;
    assert!(back.starts_with(redirect_uri), "{back}");
    let code = url::Url::parse(&back)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    // The browser's last step reaches the CLI's listener.
    let page = http
        .get(&back)
        .send()
        .await
        .expect("the CLI answers the browser");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Logged in"));
    let out = child.wait_with_output().expect("oauth login ends");
    let mut stderr = lines
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    stderr.push_str(&String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "oauth login: {:?}\n{stderr}",
        out.status
    );
    cli.transcript += &stderr;
    cli.transcript += &String::from_utf8_lossy(&out.stdout);
    Login { url, code, stderr }
}

/// Reads `oauth login`'s stderr until the authorization URL; the rest of stderr arrives on the
/// channel when the process ends.
pub fn authorization_url(child: &mut Child) -> (String, mpsc::Receiver<String>) {
    let stderr = child.stderr.take().expect("piped stderr");
    let (url_tx, url_rx) = mpsc::channel();
    let (all_tx, all_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.trim_start().starts_with("http://") {
                let _ = url_tx.send(line.trim().to_owned());
            }
            all.push_str(&line);
            all.push('\n');
        }
        let _ = all_tx.send(all);
    });
    let url = url_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("oauth login printed no authorization URL");
    (url, all_rx)
}

/// `oauth token PROFILE --json` of a stored token: its JSON description (no secrets).
pub fn describe(cli: &mut CliHome, profile: &str) -> serde_json::Value {
    serde_json::from_str(&cli.ok(&["token", profile, "--json", "--min-lifetime", "0"])).unwrap()
}

/// Waits (at most 15 s) until the stored access token of `profile` has expired by the wall
/// clock.
pub fn wait_for_expiry(cli: &mut CliHome, profile: &str) {
    let json = describe(cli, profile);
    let expires_at =
        SystemTime::UNIX_EPOCH + Duration::from_secs(json["expires_at"].as_u64().unwrap());
    let deadline = Instant::now() + Duration::from_secs(15);
    // `expires_at` is in whole seconds, rounded down.
    while SystemTime::now() <= expires_at + Duration::from_secs(1) {
        assert!(Instant::now() < deadline, "the token did not expire");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The access and refresh token stored for `profile`, if any.
pub fn stored_secrets(cli: &CliHome, profile: &str) -> Vec<String> {
    let file = cli.dir.join(format!("data/tokens/{profile}.json"));
    let Ok(text) = std::fs::read_to_string(file) else {
        return Vec::new();
    };
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    ["access_token", "refresh_token"]
        .iter()
        .filter_map(|field| doc["token"][field].as_str().map(str::to_owned))
        .collect()
}
