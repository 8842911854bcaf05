//! The machinery of the multi-process tests (`multiprocess_refresh*.rs`): the test binary run
//! again as worker processes that share one token store, driven in rounds over their stdin,
//! with a watchdog that kills stuck workers so the test fails instead of hanging.
//!
//! In round `k` every worker moves its manual clock to hour `k` (so the round's token has
//! expired), asks its source for a token and answers `token <k> <access token>`.

use std::io::{BufRead, BufReader, Lines, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc::Sender;
use std::thread::JoinHandle;
use std::time::Duration;

use oauth_core::{Clock, ManualClock, TokenSource};

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
    P: oauth_core::Renew,
    S: oauth_core::store::TokenStore,
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
