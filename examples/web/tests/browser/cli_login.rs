//! `oauth login --open` with `BROWSER` starting a real Chromium: the user signs in on the
//! oidc-provider server's page and lands on the CLI's loopback callback page.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use oauth_sdk_tests::{OidcServer, RESERVED_SECRET, free_port};

use crate::harness::{CHROMIUM_FLAGS, Driver, Process, Shots, WAIT, chromium, fresh_dir};
use crate::harness::{provider_login, wait_text};

/// The `oauth` binary: `$OAUTH_CLI_BIN`, or `oauth` beside this package's binary (built by
/// `cargo build -p oauth-cli`).
fn cli_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OAUTH_CLI_BIN") {
        return PathBuf::from(path);
    }
    let path = Path::new(env!("CARGO_BIN_EXE_oauth-web-example")).with_file_name("oauth");
    assert!(
        path.exists(),
        "{} is missing: run `cargo build -p oauth-cli` first (or set OAUTH_CLI_BIN)",
        path.display()
    );
    path
}

/// The Chromium the `BROWSER` script started, stopped by its process id on drop.
struct StartedChromium(PathBuf);

impl Drop for StartedChromium {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(&self.0) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_login_opens_chromium_through_browser_and_lands_on_its_callback_page() {
    let oauth = cli_binary();
    let cli_port = free_port();
    let redirect = format!("http://127.0.0.1:{cli_port}/callback");
    let server = OidcServer::start_with_env(3600, &[("E2E_REDIRECT_URI", &redirect)]);
    let home = fresh_dir("cli-login-home");
    let cli = |args: &[&str]| {
        let mut command = Command::new(&oauth);
        command
            .args(args)
            .env("OAUTH_CLI_HOME", &home)
            .env("TEST_CLIENT_SECRET", RESERVED_SECRET)
            .env_remove("BROWSER")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .env_remove("OAUTH_CLI_KEY");
        command
    };
    let added = cli(&[
        "profile",
        "add",
        "rc",
        "--provider",
        "ringcentral",
        "--client-id",
        "e2e-client",
        "--client-secret-env",
        "TEST_CLIENT_SECRET",
        "--base-url",
        server.base_url(),
        "--redirect-uri",
        &redirect,
    ])
    .output()
    .expect("oauth profile add runs");
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    // BROWSER: a script that starts Chromium on the URL it is given, with remote debugging so
    // that WebDriver can take over the window the CLI opened.
    let debug_port = free_port();
    let pid_file = home.join("chromium.pid");
    let script = home.join("open-in-chromium.sh");
    let flags = CHROMIUM_FLAGS.join(" ");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n\"{chromium}\" {flags} --remote-debugging-port={debug_port} \
             --user-data-dir=\"{profile}\" \"$1\" >/dev/null 2>&1 &\necho $! > \"{pid}\"\n",
            chromium = chromium().display(),
            profile = fresh_dir("cli-login-chromium").display(),
            pid = pid_file.display(),
        ),
    )
    .expect("the BROWSER script");
    make_executable(&script);
    let _chromium = StartedChromium(pid_file);
    let stderr_path = home.join("login.stderr");
    let mut login = Process(
        cli(&["login", "rc", "--open", "--timeout", "60"])
            .env("BROWSER", &script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr_path).expect("a stderr file"))
            .spawn()
            .expect("oauth login runs"),
    );

    wait_for_port(debug_port);
    let driver = Driver::start();
    let client = driver.attach(&format!("127.0.0.1:{debug_port}")).await;
    let mut shots = Shots::new("cli_login");
    provider_login(&client, "dave", &mut shots, "provider-login").await;
    wait_text(&client, "h1", "Logged in").await;
    let url = client.current_url().await.expect("a URL");
    assert!(url.as_str().starts_with(&redirect), "{url}");
    shots.take(&client, "cli-callback-page").await;

    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = login.0.try_wait().expect("the login's status") {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "oauth login did not end within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    assert!(status.success(), "oauth login: {status:?}\n{stderr}");
    let token = cli(&["token", "rc"]).output().expect("oauth token runs");
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).expect("UTF-8");
    assert!(!token.trim().is_empty() && !token.trim().contains(char::is_whitespace));
    assert!(
        !stderr.contains(token.trim()),
        "the token was printed on stderr"
    );
    let _ = client.close().await;
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Waits until something listens on 127.0.0.1:`port`.
fn wait_for_port(port: u16) {
    let deadline = Instant::now() + WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "Chromium's debugging port did not open within {WAIT:?}: did BROWSER run?"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
