//! Four OS processes sharing one store, for any store a worker can open from a string: each
//! expiry causes exactly one refresh across all of them, and the stored refresh token is the
//! last one the server issued.
//!
//! The server issues `rt-<n+1>` for `rt-<n>`, each through its own mock, so a reused refresh
//! token shows up as a second call on that mock. The workers are the calling test binary run
//! again with [`WORKER_STORE`] set; the parent drives rounds over their stdin: in round `k`
//! every worker moves its clock to hour `k` (so the round's token has expired) and asks for a
//! token at once.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use httpmock::Method::POST;
use httpmock::MockServer;
use oauth_core::store::TokenStore;
use oauth_core::{AccessToken, ClientSecret, Clock, RefreshToken, Token, TokenSource};
use ringcentral_oauth::RingCentralClient;
use serde_json::json;

use crate::{clock, t0};

/// Processes, and expiries each of them sees.
pub const WORKERS: usize = 4;
/// Expiries, so refreshes the server must see.
pub const EXPIRIES: usize = 20;
/// The shared key.
pub const KEY: &str = "shared-account";
/// Set in worker processes: the store to open, in the test's own notation.
pub const WORKER_STORE: &str = "OAUTH_MP_STORE";

fn hour(k: usize) -> Duration {
    Duration::from_secs(3600 * k as u64)
}

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
    let first = Token::new(AccessToken::new("at-0"), t0())
        .with_expires_in(Some(hour(1)))
        .with_refresh_token(Some(RefreshToken::new("rt-0")));
    rt.block_on(store.compare_and_swap(KEY, None, &first))
        .unwrap();

    let exe = std::env::current_exe().unwrap();
    let mut workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            Command::new(&exe)
                .args(["--exact", test, "--nocapture", "--test-threads=1"])
                .env(WORKER_STORE, worker_store)
                .env("OAUTH_MP_SERVER", server.base_url())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // A watchdog: a stuck worker fails the test instead of hanging it.
    let pids: Vec<u32> = workers.iter().map(|w| w.id()).collect();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if done_rx.recv_timeout(Duration::from_secs(120)).is_err() {
            for pid in pids {
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
        }
    });

    let mut outputs: Vec<_> = workers
        .iter_mut()
        .map(|w| BufReader::new(w.stdout.take().unwrap()).lines())
        .collect();
    for k in 1..=EXPIRIES {
        for w in &mut workers {
            writeln!(w.stdin.as_mut().unwrap(), "{k}").unwrap();
        }
        for out in &mut outputs {
            let line = loop {
                let line = out.next().expect("a worker died").unwrap();
                // libtest may print the test's name on the same line first.
                if let Some(at) = line.find("token ") {
                    break line[at + "token ".len()..].to_owned();
                }
            };
            assert_eq!(line, format!("{k} at-{k}"), "round {k}");
        }
    }
    for w in &mut workers {
        drop(w.stdin.take());
        assert!(w.wait().unwrap().success());
    }
    let _ = done_tx.send(());
    watchdog.join().unwrap();

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

/// One worker over `store`: reads round numbers on stdin, answers `token <round> <access>`.
pub async fn serve<S: TokenStore>(store: S) {
    let clock = clock();
    let client = RingCentralClient::builder("mp-client")
        .client_secret(ClientSecret::new("mp-secret"))
        .base_url(std::env::var("OAUTH_MP_SERVER").unwrap())
        .clock(clock.clone())
        .build()
        .unwrap();
    let source = TokenSource::builder(client, store, KEY)
        .clock(clock.clone())
        .poll_interval(Duration::from_millis(5))
        .build()
        .await
        .unwrap();
    let mut at = 0;
    // Blocking reads: this process does nothing else while it waits for the next round.
    for line in std::io::stdin().lock().lines() {
        let k: usize = line.unwrap().trim().parse().unwrap();
        clock.advance(hour(k) - hour(at));
        at = k;
        let token = source.access_token().await.unwrap();
        assert!(token.expires_at().unwrap() > clock.now());
        let mut out = std::io::stdout().lock();
        writeln!(out, "token {k} {}", token.access_token().secret()).unwrap();
        out.flush().unwrap();
    }
}
