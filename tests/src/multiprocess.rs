//! The machinery of the multi-process tests (`multiprocess_*.rs`): the test binary run again
//! as worker processes that share one token store, driven in rounds over their stdin, with a
//! watchdog that kills stuck workers so the test fails instead of hanging.
//!
//! In round `k` every worker moves its manual clock to hour `k` (so the round's token has
//! expired), asks its source for a token and answers `token <k> <access token>`.
//!
//! [`run`] and [`serve`] are the whole scenario for any store a worker can open from a string:
//! four processes, twenty expiries, each refresh exactly once across all of them, the last
//! refresh token stored. The server issues `rt-<n+1>` for `rt-<n>`, each through its own mock,
//! so a reused refresh token shows up as a second call on that mock.

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::{AccessToken, ClientSecret, Clock, ManualClock, RefreshToken, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::TokenStore;
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

use crate::{clock, t0};

/// `k` hours.
pub fn hour(k: usize) -> Duration {
    Duration::from_secs(3600 * k as u64)
}

/// Worker processes: this test binary run again, filtered to `test`, with `env` set.
pub struct Workers {
    children: Vec<Child>,
    outputs: Vec<Lines<BufReader<ChildStdout>>>,
    done: Sender<()>,
    watchdog: JoinHandle<()>,
}

impl Workers {
    /// Starts `count` workers of `test`; they are killed if the test is not finished in 120 s.
    pub fn spawn(count: usize, test: &str, env: &[(&str, &str)]) -> Self {
        let exe = std::env::current_exe().expect("the test binary");
        let mut children: Vec<Child> = (0..count)
            .map(|_| {
                Command::new(&exe)
                    .args(["--exact", test, "--nocapture", "--test-threads=1"])
                    .envs(env.iter().copied())
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .spawn()
                    .expect("a worker starts")
            })
            .collect();
        let pids: Vec<u32> = children.iter().map(Child::id).collect();
        let (done, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = std::thread::spawn(move || {
            if done_rx.recv_timeout(Duration::from_secs(120)).is_err() {
                for pid in pids {
                    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                }
            }
        });
        let outputs = children
            .iter_mut()
            .map(|w| BufReader::new(w.stdout.take().expect("piped stdout")).lines())
            .collect();
        Self {
            children,
            outputs,
            done,
            watchdog,
        }
    }

    /// Runs round `k`: every worker's answer, `<k> <access token>`, in worker order.
    pub fn round(&mut self, k: usize) -> Vec<String> {
        for w in &mut self.children {
            writeln!(w.stdin.as_mut().expect("piped stdin"), "{k}").expect("a worker listens");
        }
        self.outputs
            .iter_mut()
            .map(|out| {
                loop {
                    let line = out.next().expect("a worker died").expect("worker output");
                    // libtest may print the test's name on the same line first.
                    if let Some(at) = line.find("token ") {
                        break line[at + "token ".len()..].to_owned();
                    }
                }
            })
            .collect()
    }

    /// Closes the workers' stdin, checks that each exits successfully, stops the watchdog.
    pub fn finish(mut self) {
        for w in &mut self.children {
            drop(w.stdin.take());
            assert!(w.wait().expect("a worker exits").success());
        }
        let _ = self.done.send(());
        self.watchdog.join().expect("the watchdog");
    }
}

/// A worker's loop: reads round numbers on stdin, moves `clock` to that hour, answers
/// `token <round> <access token>` with a token unexpired on `clock`.
pub async fn serve_rounds<P, S>(source: &TokenSource<P, S>, clock: &ManualClock)
where
    P: oauth_lifecycle::Renew,
    S: oauth_lifecycle::store::TokenStore,
{
    let mut at = 0;
    // Blocking reads: this process does nothing else while it waits for the next round.
    for line in std::io::stdin().lock().lines() {
        let k: usize = line
            .expect("a round")
            .trim()
            .parse()
            .expect("a round number");
        clock.advance(hour(k) - hour(at));
        at = k;
        let token = source.access_token().await.expect("a token");
        assert!(token.expires_at().expect("an expiry") > clock.now());
        let mut out = std::io::stdout().lock();
        writeln!(out, "token {k} {}", token.access_token().secret()).expect("stdout");
        out.flush().expect("stdout");
    }
}

/// Processes, and expiries each of them sees.
pub const WORKERS: usize = 4;
/// Expiries, so refreshes the server must see.
pub const EXPIRIES: usize = 20;
/// The shared key.
pub const KEY: &str = "shared-account";
/// Set in worker processes: the store to open, in the test's own notation.
pub const WORKER_STORE: &str = "OAUTH_MP_STORE";

/// The store spec when this process is a worker.
pub fn worker_store() -> Option<String> {
    std::env::var(WORKER_STORE).ok()
}

/// The parent: a mock server, the first token in `store`, four workers of `test` given
/// `worker_store`, twenty rounds; then checks every refresh token was used once and the last
/// one is stored.
pub fn run<S: TokenStore>(rt: &tokio::runtime::Runtime, store: &S, worker_store: &str, test: &str) {
    let server = rt.block_on(MockServer::start_async());
    let mocks: Vec<_> = (0..EXPIRIES)
        .map(|n| {
            rt.block_on(server.mock_async(|when, then| {
                when.method(POST)
                    .path("/restapi/oauth/token")
                    .form_urlencoded_tuple("refresh_token", format!("rt-{n}"));
                then.status(200).json_body(json!({
                    "access_token": format!("at-{}", n + 1),
                    "refresh_token": format!("rt-{}", n + 1),
                    "expires_in": 3600,
                    "token_type": "bearer"
                }));
            }))
        })
        .collect();
    rt.block_on(store.compare_and_swap(KEY, None, &first_token()))
        .unwrap();

    let base_url = server.base_url();
    let mut workers = Workers::spawn(
        WORKERS,
        test,
        &[(WORKER_STORE, worker_store), ("OAUTH_MP_SERVER", &base_url)],
    );
    for k in 1..=EXPIRIES {
        for answer in workers.round(k) {
            assert_eq!(answer, format!("{k} at-{k}"), "round {k}");
        }
    }
    workers.finish();

    for (n, mock) in mocks.iter().enumerate() {
        assert_eq!(
            rt.block_on(mock.calls_async()),
            1,
            "refresh token rt-{n} used once"
        );
    }
    let stored = rt.block_on(store.load(KEY)).unwrap().unwrap();
    assert_eq!(
        stored.token.refresh_token().unwrap().secret(),
        format!("rt-{EXPIRIES}")
    );
}

/// The store a worker opens from its spec: `file:<dir>`, `redis:<url>` (prefix `prefix`) or
/// `postgres:<url>` (table `oauth_tokens`), as one type.
#[cfg_attr(not(feature = "redis"), allow(unused_variables))]
pub async fn open_store(spec: &str, prefix: &str) -> oauth_lifecycle::store::AnyStore {
    use oauth_lifecycle::store::AnyStore;
    match spec.split_once(':') {
        Some(("file", dir)) => AnyStore::new(oauth_lifecycle::store::FileStore::new(dir).unwrap()),
        #[cfg(feature = "redis")]
        Some(("redis", url)) => AnyStore::new(
            oauth_lifecycle::store::RedisStore::connect(url, prefix)
                .await
                .unwrap(),
        ),
        #[cfg(feature = "postgres")]
        Some(("postgres", url)) => AnyStore::new(
            oauth_lifecycle::store::PostgresStore::connect(url, "oauth_tokens")
                .await
                .unwrap(),
        ),
        _ => panic!("unknown worker store {spec}"),
    }
}

/// The token every scenario starts from: `at-0` with refresh token `rt-0`, an hour long.
pub fn first_token() -> Token {
    Token::new(AccessToken::new("at-0"), t0())
        .with_expires_in(Some(hour(1)))
        .with_refresh_token(Some(RefreshToken::new("rt-0")))
}

/// One worker over `store`: reads round numbers on stdin, answers `token <round> <access>`.
pub async fn serve<S: TokenStore>(store: S) {
    serve_with(store, |builder| builder).await;
}

/// [`serve`], with the source's settings changed by `configure`.
pub async fn serve_with<S: TokenStore>(
    store: S,
    configure: impl FnOnce(
        oauth_lifecycle::TokenSourceBuilder<RingCentralClient, S>,
    ) -> oauth_lifecycle::TokenSourceBuilder<RingCentralClient, S>,
) {
    let clock = clock();
    let client = RingCentralClient::builder("mp-client")
        .client_secret(ClientSecret::new("mp-secret"))
        .base_url(std::env::var("OAUTH_MP_SERVER").unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let builder = TokenSource::builder(client, store, KEY)
        .clock(clock.clone())
        .poll_interval(Duration::from_millis(5));
    let source = configure(builder).build().await.unwrap();
    serve_rounds(&source, &clock).await;
}
