//! chromedriver, a Chromium session, the example app as a process, screenshots, and bounded
//! waits.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// How long any one wait lasts before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// Flags Chromium needs as root in a container, and to stay off the network.
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1000,760",
];

/// A child process killed and reaped on drop (also when the test panics).
pub struct Process(pub Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Reads `child`'s stdout until a line starting with `prefix`; returns the rest of the line.
pub fn wait_for_line(child: &mut Child, prefix: &'static str, what: &str) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line
                .find(prefix)
                .map(|i| line[i + prefix.len()..].to_owned())
            {
                let _ = tx.send(rest);
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| panic!("{what} did not start within 60 s"))
}

/// A binary from the environment variable `var`, else the first of `paths` that exists.
pub fn binary(var: &str, paths: &[&str], package: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    paths
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!(
                "{} not found: install the Debian package `{package}` (or set {var})",
                paths[0]
            )
        })
}

/// Chromium's own binary (Debian's `/usr/bin/chromium` is a wrapper script).
pub fn chromium() -> PathBuf {
    binary(
        "CHROMIUM",
        &["/usr/lib/chromium/chromium", "/usr/bin/chromium"],
        "chromium",
    )
}

/// A running chromedriver on a free 127.0.0.1 port.
pub struct Driver {
    _process: Process,
    url: String,
}

impl Driver {
    /// Starts chromedriver and waits until it accepts sessions.
    pub fn start() -> Self {
        let path = binary(
            "CHROMEDRIVER",
            &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
            "chromium-driver",
        );
        let mut child = Command::new(path)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver runs");
        let rest = wait_for_line(&mut child, "started successfully on port ", "chromedriver");
        let port = rest.trim_end_matches('.').trim().to_owned();
        Self {
            _process: Process(child),
            url: format!("http://127.0.0.1:{port}"),
        }
    }

    /// A new session in a fresh Chromium with an empty profile under `profile_dir`.
    pub async fn session(&self, profile_dir: &Path) -> Client {
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile_dir.display()));
        let options = json!({ "binary": chromium(), "args": args });
        self.connect(options).await
    }

    /// A session attached to a Chromium already running with remote debugging at `address`.
    pub async fn attach(&self, address: &str) -> Client {
        self.connect(json!({ "debuggerAddress": address })).await
    }

    async fn connect(&self, chrome_options: Value) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), chrome_options);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            WAIT,
            ClientBuilder::new(connector)
                .capabilities(caps)
                .connect(&self.url),
        )
        .await
        .expect("a WebDriver session within the wait")
        .expect("a WebDriver session");
        let timeouts = TimeoutConfiguration::new(
            Some(Duration::from_secs(10)),
            Some(WAIT),
            Some(Duration::ZERO),
        );
        client
            .update_timeouts(timeouts)
            .await
            .expect("timeouts set");
        client
    }
}

/// Runs `body` in a fresh Chromium session and closes the session afterwards, also when
/// `body` fails: chromedriver leaves the browser running when it is killed with a session
/// open.
pub async fn in_browser<F, Fut>(profile: &str, body: F)
where
    F: FnOnce(Client) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let driver = Driver::start();
    let client = driver.session(&fresh_dir(profile)).await;
    let outcome = tokio::spawn(body(client.clone())).await;
    let _ = client.close().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the test body did not finish: {e}"),
        }
    }
}

/// The example app as a process, with its local servers, on a free port.
pub struct WebApp {
    _process: Process,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl WebApp {
    /// Starts `oauth-web-example --local`, its connections stored under `store_dir`.
    pub fn start(store_dir: &Path) -> Self {
        Self::start_with(&["--store-dir".into(), store_dir.as_os_str().to_owned()])
    }

    /// Starts `oauth-web-example --local` with more arguments.
    pub fn start_with(args: &[std::ffi::OsString]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_oauth-web-example"))
            .args(["--local", "--port", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the example app runs");
        let base = wait_for_line(&mut child, "listening ", "the example app");
        Self {
            _process: Process(child),
            base: base.trim().to_owned(),
        }
    }
}

/// A fresh directory under the target directory (removed first if a run left it).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

/// Screenshots of one test, numbered in the order taken.
pub struct Shots {
    dir: PathBuf,
    taken: usize,
}

impl Shots {
    /// Screenshots into `target/tmp/browser-screenshots/<test>/` (printed).
    #[allow(
        clippy::print_stdout,
        reason = "where the screenshots are is the test's output"
    )]
    pub fn new(test: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("browser-screenshots")
            .join(test);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("the screenshot folder");
        println!("screenshots of {test}: {}", dir.display());
        Self { dir, taken: 0 }
    }

    /// Saves what the browser shows as `NN-name.png`.
    pub async fn take(&mut self, client: &Client, name: &str) {
        self.taken += 1;
        let png = client.screenshot().await.expect("a screenshot");
        let path = self.dir.join(format!("{:02}-{name}.png", self.taken));
        std::fs::write(&path, png).expect("the screenshot written");
    }
}

/// Waits until the element at `css` exists and its text contains `needle`; returns the text.
/// Fails, with what the page shows, after [`WAIT`].
pub async fn wait_text(client: &Client, css: &str, needle: &str) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = client.find(Locator::Css(css)).await
            && let Ok(text) = element.text().await
        {
            if text.contains(needle) {
                return text;
            }
            last = text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let url = client.current_url().await.map(|u| u.to_string());
    let body = match client.find(Locator::Css("body")).await {
        Ok(b) => b.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    panic!("`{css}` never read {needle:?} (last {last:?}); at {url:?} the page says: {body}");
}

/// Signs in on the oidc-provider server's login page as `user` (login and consent are one
/// form there).
pub async fn provider_login(client: &Client, user: &str, shots: &mut Shots, shot: &str) {
    let field = client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css("input[name=login]"))
        .await
        .expect("the provider's login form");
    field.clear().await.expect("the field cleared");
    field.send_keys(user).await.expect("the user typed");
    shots.take(client, shot).await;
    client
        .find(Locator::Css("form button"))
        .await
        .expect("the sign-in button")
        .click()
        .await
        .expect("signed in");
}

/// Clicks the element at `css` once it exists.
pub async fn click(client: &Client, css: &str) {
    client
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("`{css}` on the page: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("`{css}` clicked: {e}"));
}
