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
    let mut stderr = Stderr::of(&mut child);
    let url = stderr.authorization_url();
    finish_login(cli, child, stderr, url, base_url, redirect_uri).await
}

/// The browser's part of a login whose authorization URL is `url`: logs in as `alice`, follows
/// the redirect to the CLI's listener, and waits for `oauth login` to succeed.
pub async fn finish_login(
    cli: &mut CliHome,
    child: Child,
    stderr: Stderr,
    url: url::Url,
    base_url: &str,
    redirect_uri: &str,
) -> Login {
    let http = http_client();
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
    let stderr = stderr.rest();
    assert!(
        out.status.success(),
        "oauth login: {:?}\n{stderr}",
        out.status
    );
    cli.transcript += &stderr;
    cli.transcript += &String::from_utf8_lossy(&out.stdout);
    Login { url, code, stderr }
}

/// A child's stderr, line by line, read on a thread of its own.
pub struct Stderr {
    lines: mpsc::Receiver<String>,
    seen: String,
}

impl Stderr {
    /// Takes `child`'s piped stderr.
    pub fn of(child: &mut Child) -> Self {
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            lines,
            seen: String::new(),
        }
    }

    /// The first line (from now) for which `wanted` holds; fails after 30 s without one.
    pub fn wait_for(&mut self, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("no such line ({e}); so far:\n{}", self.seen));
            self.seen.push_str(&line);
            self.seen.push('\n');
            if wanted(&line) {
                return line;
            }
        }
    }

    /// The authorization URL `oauth login` prints.
    pub fn authorization_url(&mut self) -> url::Url {
        let line = self.wait_for(|l| l.trim_start().starts_with("http://"));
        url::Url::parse(line.trim()).expect("a URL")
    }

    /// Everything read so far and the rest, once the process has closed stderr.
    pub fn rest(mut self) -> String {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push_str(&line);
            self.seen.push('\n');
        }
        self.seen
    }
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

/// The server's verdict on an access token: the status of `GET /me` (the oidc-provider
/// server's userinfo) at `base_url` with it.
#[allow(
    dead_code,
    reason = "Cal.com's profile of the server has no userinfo to ask"
)]
pub async fn userinfo_status(base_url: &str, token: &str) -> u16 {
    http_client()
        .get(format!("{base_url}/me"))
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
        .status()
        .as_u16()
}
