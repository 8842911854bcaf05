//! Shared fixtures for the cross-crate tests: servers the tests start on 127.0.0.1 and stop.

#![allow(clippy::print_stderr)]

pub mod browser;
#[cfg(feature = "mock")]
pub mod fleet;
pub mod multiprocess;
pub mod postgres;
#[cfg(feature = "postgres")]
pub mod postgres_tls;
pub mod redis_tls;
#[cfg(feature = "mock")]
pub mod shape;
pub mod store_contract;
pub mod store_lifecycle;
pub mod tls;

pub use postgres::PostgresServer;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port on 127.0.0.1 that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A `redis-server` child process on a free 127.0.0.1 port, killed on drop.
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts one and waits until it answers `PING`.
    ///
    /// A missing `redis-server` fails the test, naming the package to install: a skipped test
    /// would look like a passing one.
    pub fn start() -> Self {
        // The free port can be taken by someone else between our probe and the server's bind;
        // the server then exits and a new port is tried.
        for _ in 0..5 {
            let port = free_port();
            let child = spawned(spawn_redis(port));
            let mut server = Self { child, port };
            if server.wait_for_ping() {
                return server;
            }
        }
        panic!("redis-server did not answer PING on any of 5 free ports");
    }

    fn wait_for_ping(&mut self) -> bool {
        wait_for_ping(&mut self.child, self.port)
    }

    /// `redis://127.0.0.1:<port>/`
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// A plain client connection, for looking at (or planting) what a store wrote.
    #[cfg(feature = "redis")]
    pub async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("a valid Redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the test server")
    }

    /// Kills the server (an outage: connections drop, new ones are refused); its data is gone.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts a new, empty server on the same port after [`RedisServer::stop`], and waits
    /// until it answers `PING`.
    pub fn restart(&mut self) {
        self.child = spawn_redis(self.port).expect("redis-server restarts");
        assert!(
            self.wait_for_ping(),
            "redis-server did not come back on port {}",
            self.port
        );
    }

    /// Freezes the server (`SIGSTOP`): connections stay open but nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Thaws a server frozen by [`RedisServer::pause`].
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill {signal} failed");
    }
}

/// The `redis-server` just spawned, or, when it could not be, a failed test naming the
/// package to install.
pub(crate) fn spawned(spawned: std::io::Result<Child>) -> Child {
    match spawned {
        Ok(child) => child,
        Err(e) => panic!(
            "redis-server could not be started ({e}). Install it (Debian/Ubuntu: `apt-get \
             install redis-server`)"
        ),
    }
}

fn spawn_redis(port: u16) -> std::io::Result<Child> {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls until the server `child` answers `PING` on `port`; false if it exited or took
/// over 10 s.
fn wait_for_ping(child: &mut Child, port: u16) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        if ping(port) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 7];
    stream.write_all(b"PING\r\n").is_ok()
        && stream.read_exact(&mut reply).is_ok()
        && &reply == b"+PONG\r\n"
}

/// The `oidc-provider` test server (`tests/oidc-server`), started on a free 127.0.0.1 port and
/// stopped on drop. It also exits by itself when its stdin closes, so a crashed test leaves
/// nothing running.
pub struct OidcServer {
    child: Child,
    base: String,
}

impl OidcServer {
    /// Installs its npm packages if needed (`npm ci`), starts it with the given access token
    /// lifetime, and waits for its `listening http://127.0.0.1:<port>` line.
    pub fn start(access_token_ttl_secs: u64) -> Self {
        Self::start_with_env(access_token_ttl_secs, &[])
    }

    /// [`OidcServer::start`] with more environment variables for the server, e.g.
    /// `[("E2E_OIDC_PROFILE", "calcom")]` (see `tests/oidc-server/README.md`).
    pub fn start_with_env(access_token_ttl_secs: u64, env: &[(&str, &str)]) -> Self {
        let dir = oidc_server_dir();
        // Tests of one binary start servers in parallel; one install serves them all.
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| install_npm_packages(&dir));
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .env("E2E_OIDC_PORT", "0")
            .env("E2E_ACCESS_TOKEN_TTL", access_token_ttl_secs.to_string())
            // Only what the test asks for: a profile left in the caller's shell must not
            // change the server another test expects.
            .env_remove("E2E_OIDC_PROFILE")
            .env_remove("E2E_CALCOM_SHAPE")
            .envs(env.iter().copied())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            // Its start-up warnings (in-memory adapter, development keys) are expected here.
            .stderr(Stdio::null())
            .spawn()
            .expect("node is needed for the end-to-end tests");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("listening ") {
                    let _ = tx.send(base.trim().to_owned());
                }
            }
        });
        let base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(base) => base,
            Err(_) => {
                let _ = child.kill();
                panic!("the oidc-provider server did not start within 30 s");
            }
        };
        Self { child, base }
    }

    /// `http://127.0.0.1:<port>`, also the issuer.
    pub fn base_url(&self) -> &str {
        &self.base
    }
}

impl Drop for OidcServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `npm ci` unless `node_modules` was installed from the current `package-lock.json`
/// (a copy of the lock it was installed from is kept beside the packages).
fn install_npm_packages(dir: &Path) {
    let lock = std::fs::read(dir.join("package-lock.json")).expect("package-lock.json");
    let stamp = dir.join("node_modules").join(".installed-from-lock.json");
    if std::fs::read(&stamp).is_ok_and(|installed| installed == lock) {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .status()
        .expect("npm is needed for the end-to-end tests");
    assert!(status.success(), "npm ci failed in {}", dir.display());
    std::fs::write(&stamp, lock).expect("write the install stamp");
}

fn oidc_server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("oidc-server")
}

/// The instant every test's manual clock starts at.
pub fn t0() -> std::time::SystemTime {
    std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000)
}

/// A manual clock at [`t0`].
pub fn clock() -> std::sync::Arc<oauth_core::ManualClock> {
    std::sync::Arc::new(oauth_core::ManualClock::new(t0()))
}

/// A client secret with every character RFC 6749 §2.3.1 form-encoding must handle.
pub const RESERVED_SECRET: &str = "p@ss:w/rd+%&= ~!";

/// Fails when `text` contains any of `secrets`.
pub fn assert_no_secrets(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(
            !text.contains(secret),
            "secret `{secret}` leaked in: {text}"
        );
    }
}

/// Checks that a generated authorize call got the server's `302` back, unfollowed, with this
/// `Location` (progenitor reports any 3xx as an unexpected response).
pub fn assert_unfollowed_redirect<T, E: std::fmt::Debug>(
    result: Result<progenitor_client::ResponseValue<T>, progenitor_client::Error<E>>,
    location: &str,
) {
    match result {
        Err(progenitor_client::Error::UnexpectedResponse(r)) => {
            assert_eq!(r.status(), 302);
            assert_eq!(r.headers()["location"], location);
        }
        Ok(r) => panic!("expected the 302, got {}", r.status()),
        Err(e) => panic!("expected the 302, got {e:?}"),
    }
}

/// The server error inside `e`; fails the test naming what `e` is instead.
pub fn server_error(e: &oauth_core::Error) -> &oauth_core::ServerError {
    match e {
        oauth_core::Error::Server(s) => s,
        other => panic!("expected a server error, got {other:?}"),
    }
}

/// The decode error inside `e`; fails the test naming what `e` is instead.
pub fn decode_error(e: &oauth_core::Error) -> &oauth_core::DecodeError {
    match e {
        oauth_core::Error::Decode(d) => d,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

/// Asks `source` for a token every 50 ms, as an application would, until it has handed out
/// `count` different access tokens, each unexpired when handed out. Fails after 15 s.
pub async fn watch_rotations<P, S>(source: &oauth_lifecycle::TokenSource<P, S>, count: usize)
where
    P: oauth_lifecycle::Renew,
    S: oauth_lifecycle::store::TokenStore,
{
    let deadline = Instant::now() + Duration::from_secs(15);
    let mut seen: Vec<String> = Vec::new();
    while seen.len() < count {
        assert!(
            Instant::now() < deadline,
            "the source handed out {} different tokens, not {count}",
            seen.len()
        );
        let token = source.access_token().await.expect("a token");
        assert!(token.expires_at().expect("an expiry") > std::time::SystemTime::now());
        if seen.last().map(String::as_str) != Some(token.access_token().secret()) {
            seen.push(token.access_token().secret().to_owned());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
