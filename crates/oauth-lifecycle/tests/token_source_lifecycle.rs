//! TokenSource lifecycle: refreshes that outlive their callers, panics inside a refresh, short
//! tokens against the margin, and the alarm that keeps the clock off the fresh path. Events
//! are ordered by signals and gates, never by sleeps.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use oauth_core::{Clock, Error, ManualClock, Provider, RefreshToken, RefreshTokenGrant, Token};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{FileStore, MemoryStore, TokenStore};
use support::{access, quick_retry, t0, token};
use tokio::sync::{Semaphore, mpsc};

mod support;

/// What a scripted refresh does.
enum Step {
    /// Tells the test the server has rotated (the request was answered), then waits for the
    /// gate before handing the answer back.
    Answer(Token),
    /// Panics mid-refresh.
    Panic,
}

/// A provider whose refreshes follow a script. Each refresh reports on `rotated` and then
/// waits on `gate`, so a test can act while a refresh is between the server's answer and the
/// store write.
#[derive(Clone)]
struct Gated {
    script: Arc<Mutex<VecDeque<Step>>>,
    calls: Arc<AtomicUsize>,
    rotated: mpsc::UnboundedSender<()>,
    gate: Arc<Semaphore>,
}

impl Gated {
    fn new(script: Vec<Step>) -> (Self, mpsc::UnboundedReceiver<()>) {
        let (rotated, signals) = mpsc::unbounded_channel();
        let provider = Self {
            script: Arc::new(Mutex::new(script.into())),
            calls: Arc::new(AtomicUsize::new(0)),
            rotated,
            gate: Arc::new(Semaphore::new(0)),
        };
        (provider, signals)
    }

    /// Lets every waiting and future refresh through.
    fn open(&self) {
        self.gate.add_permits(Semaphore::MAX_PERMITS / 2);
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Provider for Gated {
    const NAME: &'static str = "gated";
}

impl RefreshTokenGrant for Gated {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let step = self
            .script
            .lock()
            .unwrap()
            .pop_front()
            .expect("an unscripted refresh");
        match step {
            Step::Panic => panic!("the provider's code panicked"),
            Step::Answer(token) => {
                let _ = self.rotated.send(());
                let _permit = self.gate.acquire().await.unwrap();
                Ok(token)
            }
        }
    }
}

/// A fresh directory for a FileStore, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("oauth-life-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn expiring_source<S: TokenStore>(
    provider: &Gated,
    store: S,
    clock: &Arc<ManualClock>,
) -> TokenSource<Gated, S> {
    let s = TokenSource::builder(provider.clone(), store, "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 3600))
        .clock(clock.clone())
        .retry(quick_retry())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3600));
    s
}

/// Another process's view of the same directory: can it take the refresh lock?
async fn lock_is_free(dir: &TempDir) -> bool {
    let other = FileStore::new(&dir.0).unwrap();
    match other
        .try_lock("acct", Duration::from_secs(30))
        .await
        .unwrap()
    {
        Some(lock) => {
            other.unlock("acct", &lock).await.unwrap();
            true
        }
        None => false,
    }
}

/// The caller that started a refresh is cancelled after the server rotated the token: the
/// refresh still completes, the rotated token is stored and served without another refresh,
/// and the refresh lock is released.
async fn cancelled_caller_keeps_the_rotation<S: TokenStore + Clone>(store: S) {
    let clock = Arc::new(ManualClock::new(t0()));
    let (provider, mut rotated) = Gated::new(vec![Step::Answer(token(
        "at-2",
        Some("rt-2"),
        t0() + Duration::from_secs(3600),
        3600,
    ))]);
    let s = expiring_source(&provider, store.clone(), &clock).await;

    let caller = tokio::spawn({
        let s = s.clone();
        async move { s.access_token().await }
    });
    rotated.recv().await.unwrap();
    // A request handler timing out: its future is dropped mid-refresh.
    caller.abort();
    assert!(caller.await.unwrap_err().is_cancelled());
    provider.open();

    let t = s.access_token().await.unwrap();
    assert_eq!(t.access_token().secret(), "at-2");
    assert_eq!(
        provider.calls(),
        1,
        "the rotated token was lost and refreshed again"
    );
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-2");
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_does_not_lose_the_rotated_token() {
    cancelled_caller_keeps_the_rotation(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_does_not_keep_the_file_refresh_lock() {
    let dir = TempDir::new("cancel");
    cancelled_caller_keeps_the_rotation(FileStore::new(&dir.0).unwrap()).await;
    assert!(lock_is_free(&dir).await, "the refresh lock leaked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_inside_the_refresh_is_an_error_and_releases_the_lock() {
    let dir = TempDir::new("panic");
    let clock = Arc::new(ManualClock::new(t0()));
    let (provider, _rotated) = Gated::new(vec![
        Step::Panic,
        Step::Answer(token(
            "at-2",
            Some("rt-2"),
            t0() + Duration::from_secs(3600),
            3600,
        )),
    ]);
    provider.open();
    let s = expiring_source(&provider, FileStore::new(&dir.0).unwrap(), &clock).await;

    let e = s.access_token().await.unwrap_err();
    assert!(
        matches!(&e, Error::Transport(t) if t.message.contains("panicked")),
        "{e:?}"
    );
    assert!(e.is_transient() && !e.is_permanent());
    assert!(lock_is_free(&dir).await, "the refresh lock leaked");
    assert!(s.needs_reauthorization().is_none());

    // Still usable: the next call refreshes.
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 2);
    assert!(lock_is_free(&dir).await);
}

#[tokio::test]
async fn a_token_shorter_than_the_margin_is_due_at_half_its_life() {
    let clock = Arc::new(ManualClock::new(t0()));
    let (provider, _rotated) = Gated::new(vec![Step::Answer(token(
        "at-2",
        Some("rt-2"),
        t0() + Duration::from_millis(1500),
        3,
    ))]);
    provider.open();
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 3))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_millis(1499));
    assert_eq!(access(&s).await, "at-1");
    assert_eq!(provider.calls(), 0);
    clock.advance(Duration::from_millis(1));
    assert_eq!(access(&s).await, "at-2");
    // The new 3-second token is not due on arrival.
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_callers_on_a_short_token_cause_one_refresh() {
    let clock = Arc::new(ManualClock::new(t0()));
    let (provider, mut rotated) = Gated::new(vec![Step::Answer(token(
        "at-2",
        Some("rt-2"),
        t0() + Duration::from_secs(3),
        3,
    ))]);
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 3))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(3));
    let callers: Vec<_> = (0..200)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    rotated.recv().await.unwrap();
    provider.open();
    for caller in callers {
        assert_eq!(
            caller.await.unwrap().unwrap().access_token().secret(),
            "at-2"
        );
    }
    assert_eq!(provider.calls(), 1);
}

/// A manual clock that counts its readings of each kind.
struct Observed {
    clock: ManualClock,
    now_reads: AtomicUsize,
    recent_reads: AtomicUsize,
}

impl Observed {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            clock: ManualClock::new(t0()),
            now_reads: AtomicUsize::new(0),
            recent_reads: AtomicUsize::new(0),
        })
    }

    fn reads(&self) -> (usize, usize) {
        (
            self.now_reads.load(Ordering::SeqCst),
            self.recent_reads.load(Ordering::SeqCst),
        )
    }
}

impl Clock for Observed {
    fn now(&self) -> SystemTime {
        self.now_reads.fetch_add(1, Ordering::SeqCst);
        self.clock.now()
    }

    fn recent(&self) -> SystemTime {
        self.recent_reads.fetch_add(1, Ordering::SeqCst);
        self.clock.now()
    }
}

async fn observed_source(clock: &Arc<Observed>) -> (TokenSource<Gated, MemoryStore>, Gated) {
    let (provider, _rotated) = Gated::new(vec![Step::Answer(token(
        "at-2",
        Some("rt-2"),
        t0() + Duration::from_secs(3600),
        3600,
    ))]);
    provider.open();
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 3600))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    (s, provider)
}

#[tokio::test]
async fn the_fresh_path_reads_only_the_recent_clock_and_refreshes_exactly_when_due() {
    let clock = Observed::new();
    let (s, provider) = observed_source(&clock).await;
    let (now_before, recent_before) = clock.reads();
    for _ in 0..100 {
        assert_eq!(access(&s).await, "at-1");
    }
    let (now_after, recent_after) = clock.reads();
    assert_eq!(
        now_after, now_before,
        "the fresh path read the precise clock"
    );
    assert_eq!(
        recent_after,
        recent_before + 100,
        "one cheap reading per call"
    );

    // Serves `at-1` until a second before it is due (60 s before its expiry), and refreshes
    // once, exactly when it is due.
    clock.clock.advance(Duration::from_secs(3599 - 60));
    assert_eq!(access(&s).await, "at-1");
    assert_eq!(provider.calls(), 0);
    clock.clock.advance(Duration::from_secs(1));
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 1);
}
