//! The fresh path across threads: a thread that served a token never serves it again once it
//! was replaced, invalidated or became due, whichever thread changed it, and a thread serving
//! many sources in turn serves each its own token. Threads take turns by channels, never by
//! sleeps.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use oauth_core::{Clock, ManualClock, Provider, RefreshToken, RefreshTokenGrant, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::MemoryStore;
use support::{t0, token};

mod support;

/// Answers the n-th refresh with `<name>-n`, an hour long from the shared clock.
#[derive(Clone)]
struct Counting {
    name: &'static str,
    clock: Arc<ManualClock>,
    calls: Arc<AtomicUsize>,
}

impl Provider for Counting {
    const NAME: &'static str = "counting";
}

impl RefreshTokenGrant for Counting {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 2;
        let name = format!("{}-{n}", self.name);
        Ok(token(
            &name,
            Some(&format!("rt-{n}")),
            self.clock.now(),
            3600,
        ))
    }
}

type Source = TokenSource<Counting, MemoryStore>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn source(
    rt: &tokio::runtime::Runtime,
    name: &'static str,
    clock: &Arc<ManualClock>,
) -> (Source, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let provider = Counting {
        name,
        clock: Arc::clone(clock),
        calls: Arc::clone(&calls),
    };
    let first = format!("{name}-1");
    let s = rt.block_on(
        TokenSource::builder(provider, MemoryStore::new(), "acct")
            .initial_token(token(&first, Some("rt-1"), clock.now(), 3600))
            .clock(clock.clone())
            .build(),
    );
    (s.unwrap(), calls)
}

fn served(rt: &tokio::runtime::Runtime, s: &Source) -> String {
    rt.block_on(s.access_token())
        .unwrap()
        .access_token()
        .secret()
        .to_owned()
}

/// Runs `steps` on another thread, one per message on the returned sender, and sends each
/// step's token back: the other thread keeps its copies between steps.
fn other_thread(
    s: Source,
) -> (
    mpsc::Sender<()>,
    mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    let (ask, asked) = mpsc::channel::<()>();
    let (answer, answers) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        let rt = runtime();
        while asked.recv().is_ok() {
            if answer.send(served(&rt, &s)).is_err() {
                return;
            }
        }
    });
    (ask, answers, handle)
}

fn ask(ask: &mpsc::Sender<()>, answers: &mpsc::Receiver<String>) -> String {
    ask.send(()).unwrap();
    answers.recv_timeout(Duration::from_secs(10)).unwrap()
}

#[test]
fn a_token_replaced_on_another_thread_is_not_served_again() {
    let rt = runtime();
    let clock = Arc::new(ManualClock::new(t0()));
    let (s, calls) = source(&rt, "at", &clock);
    let (tx, rx, handle) = other_thread(s.clone());
    assert_eq!(ask(&tx, &rx), "at-1");
    assert_eq!(ask(&tx, &rx), "at-1");
    rt.block_on(s.replace(token("at-new", Some("rt-new"), clock.now(), 3600)))
        .unwrap();
    assert_eq!(ask(&tx, &rx), "at-new");
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    drop(tx);
    handle.join().unwrap();
}

#[test]
fn a_token_invalidated_on_another_thread_is_refreshed_once() {
    let rt = runtime();
    let clock = Arc::new(ManualClock::new(t0()));
    let (s, calls) = source(&rt, "at", &clock);
    let (tx, rx, handle) = other_thread(s.clone());
    assert_eq!(ask(&tx, &rx), "at-1");
    let rejected = rt.block_on(s.access_token()).unwrap();
    s.invalidate(&rejected);
    assert_eq!(ask(&tx, &rx), "at-2");
    assert_eq!(served(&rt, &s), "at-2");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    drop(tx);
    handle.join().unwrap();
}

#[test]
fn a_token_that_became_due_is_refreshed_on_the_thread_that_served_it() {
    let rt = runtime();
    let clock = Arc::new(ManualClock::new(t0()));
    let (s, calls) = source(&rt, "at", &clock);
    let (tx, rx, handle) = other_thread(s.clone());
    assert_eq!(ask(&tx, &rx), "at-1");
    // Due 60 s before its expiry.
    clock.advance(Duration::from_secs(3600 - 60));
    assert_eq!(ask(&tx, &rx), "at-2");
    assert_eq!(ask(&tx, &rx), "at-2");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    drop(tx);
    handle.join().unwrap();
}

#[test]
fn a_thread_serving_more_sources_than_it_keeps_serves_each_its_own_token() {
    let rt = runtime();
    let clock = Arc::new(ManualClock::new(t0()));
    let names = ["a", "b", "c", "d", "e", "f", "g"];
    let sources: Vec<_> = names.iter().map(|n| source(&rt, n, &clock).0).collect();
    for round in 0..3 {
        for (s, name) in sources.iter().zip(names) {
            assert_eq!(served(&rt, s), format!("{name}-1"), "round {round}");
        }
    }
    rt.block_on(sources[2].replace(token("c-new", None, clock.now(), 3600)))
        .unwrap();
    for (s, name) in sources.iter().zip(names) {
        let expected = if name == "c" {
            "c-new".to_owned()
        } else {
            format!("{name}-1")
        };
        assert_eq!(served(&rt, s), expected);
    }
}

#[test]
fn a_thread_serving_a_few_sources_in_turn_serves_each_its_own_token() {
    let rt = runtime();
    let clock = Arc::new(ManualClock::new(t0()));
    let names = ["a", "b", "c"];
    let sources: Vec<_> = names.iter().map(|n| source(&rt, n, &clock).0).collect();
    // In turn, backwards, and one twice in a row: the snapshot served last is never the one
    // asked for but in the repeat, so every other call finds its copy in a later slot.
    for order in [[0, 1, 2, 2], [2, 1, 0, 0], [1, 0, 2, 1]] {
        for i in order {
            assert_eq!(served(&rt, &sources[i]), format!("{}-1", names[i]));
        }
    }
    rt.block_on(sources[1].replace(token("b-new", Some("rt-new"), clock.now(), 3600)))
        .unwrap();
    for i in [0, 1, 2, 1, 0] {
        let expected = if i == 1 {
            "b-new".to_owned()
        } else {
            format!("{}-1", names[i])
        };
        assert_eq!(served(&rt, &sources[i]), expected);
    }
    // All due at once: each copy this thread kept now fails its check, wherever it is kept.
    clock.advance(Duration::from_secs(3600 - 60));
    for i in [2, 0, 1, 2, 0, 1] {
        assert_eq!(served(&rt, &sources[i]), format!("{}-2", names[i]));
    }
}
