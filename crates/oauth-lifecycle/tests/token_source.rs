//! TokenSource behaviour against a scripted provider and an injectable clock (no sleeps).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_core::Clock;
use oauth_core::{
    AccessToken, Error, ManualClock, Provider, RefreshToken, RefreshTokenGrant, ServerError,
    StoreError, StoreErrorKind, Token, TransportError, TransportKind,
};
use oauth_lifecycle::store::{MemoryStore, TokenStore, Versioned};
use oauth_lifecycle::{RefreshEvent, TokenSource};
use support::{access, quick_retry, t0, token};

mod support;

/// A provider whose refresh answers come from a script; records the refresh tokens it saw.
#[derive(Clone, Default)]
struct Scripted {
    answers: Arc<Mutex<VecDeque<Result<Token, Error>>>>,
    seen: Arc<Mutex<Vec<String>>>,
    gate: Option<Arc<tokio::sync::Notify>>,
}

impl Scripted {
    fn push(&self, answer: Result<Token, Error>) {
        self.answers.lock().unwrap().push_back(answer);
    }
    fn calls(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl Provider for Scripted {
    const NAME: &'static str = "scripted";
}

impl RefreshTokenGrant for Scripted {
    async fn refresh(&self, refresh_token: &RefreshToken) -> oauth_core::Result<Token> {
        self.seen
            .lock()
            .unwrap()
            .push(refresh_token.secret().to_owned());
        if let Some(gate) = &self.gate {
            gate.notified().await;
        }
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("an unscripted refresh")
    }
}

async fn source(
    provider: &Scripted,
    store: Arc<MemoryStore>,
    clock: &Arc<ManualClock>,
) -> TokenSource<Scripted, Arc<MemoryStore>> {
    TokenSource::builder(provider.clone(), store, "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 3600))
        .clock(clock.clone())
        .retry(quick_retry())
        .build()
        .await
        .unwrap()
}

#[tokio::test]
async fn fresh_token_is_served_without_refresh() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    clock.advance(Duration::from_secs(3600 - 61));
    assert_eq!(access(&s).await, "at-1");
    assert_eq!(provider.calls(), 0);
}

#[tokio::test]
async fn refreshes_inside_the_margin_adopts_rotation_and_persists_first() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::new());
    let s = source(&provider, store.clone(), &clock).await;
    clock.advance(Duration::from_secs(3600 - 59));
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    let t = s.access_token().await.unwrap();
    assert_eq!(t.access_token().secret(), "at-2");
    assert_eq!(provider.seen.lock().unwrap().as_slice(), ["rt-1"]);
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-2");
    assert_eq!(stored.version, 2);
}

#[tokio::test]
async fn response_without_refresh_token_keeps_the_old_one() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::new());
    let s = source(&provider, store.clone(), &clock).await;
    clock.advance(Duration::from_secs(3600));
    provider.push(Ok(token("at-2", None, clock.now(), 3600)));
    s.access_token().await.unwrap();
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-1");
}

#[tokio::test]
async fn token_without_expiry_never_refreshes() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "k")
        .initial_token(Token::new(AccessToken::new("forever"), t0()))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(10 * 365 * 86_400));
    assert_eq!(access(&s).await, "forever");
    assert_eq!(provider.calls(), 0);
}

/// On a current-thread runtime spawned tasks run in the order they were spawned: the refresh
/// task, spawned by the first caller's first poll, runs after every other caller's first poll.
/// So once the provider has been called, all 200 callers are provably waiting on the one
/// refresh, which is then let through.
#[tokio::test(flavor = "current_thread")]
async fn concurrent_callers_share_one_refresh() {
    let gate = Arc::new(tokio::sync::Notify::new());
    let provider = Scripted {
        gate: Some(gate.clone()),
        ..Scripted::default()
    };
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    clock.advance(Duration::from_secs(4000));
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move { s.access_token().await })
        })
        .collect();
    // Every caller runs up to its wait, and the refresh task up to the gate (bounded).
    for _ in 0..1_000 {
        if provider.calls() > 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(provider.calls(), 1, "the refresh is held at its gate");
    assert!(
        tasks.iter().all(|t| !t.is_finished()),
        "a caller did not wait"
    );
    gate.notify_one();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().access_token().secret(), "at-2");
    }
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn invalid_grant_needs_reauthorization_and_is_not_retried() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = events.clone();
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 60))
        .clock(clock.clone())
        .retry(quick_retry())
        .on_event(move |e| {
            if let RefreshEvent::Failed { permanent, .. } = e {
                seen.lock().unwrap().push(*permanent);
            }
        })
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    provider.push(Err(ServerError::from_status(400)
        .with_code(Some("invalid_grant"))
        .into()));
    let e = s.access_token().await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert_eq!(e.oauth_code().map(|c| c.as_str()), Some("invalid_grant"));
    // Reported again, never retried.
    assert!(matches!(
        s.access_token().await,
        Err(Error::NeedsReauthorization(_))
    ));
    assert_eq!(provider.calls(), 1);
    assert!(s.needs_reauthorization().is_some());
    assert_eq!(events.lock().unwrap().as_slice(), [true]);
    // A new authorization revives it.
    s.replace(token("at-9", Some("rt-9"), clock.now(), 3600))
        .await
        .unwrap();
    assert_eq!(access(&s).await, "at-9");
}

#[tokio::test]
async fn transient_errors_are_retried_then_succeed() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    clock.advance(Duration::from_secs(4000));
    provider.push(Err(ServerError::from_status(503).into()));
    provider.push(Err(ServerError::from_status(429)
        .with_retry_after(Some(Duration::from_millis(5)))
        .into()));
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 3);
}

#[tokio::test]
async fn transient_errors_are_bounded() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    clock.advance(Duration::from_secs(4000));
    for _ in 0..3 {
        provider.push(Err(Error::Transport(TransportError {
            kind: TransportKind::Connect,
            message: "refused".into(),
        })));
    }
    let e = s.access_token().await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    assert_eq!(provider.calls(), 3);
    // Not a permanent state: the next call tries again.
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    assert_eq!(access(&s).await, "at-2");
}

#[tokio::test]
async fn long_retry_after_is_not_waited_out() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    clock.advance(Duration::from_secs(4000));
    provider.push(Err(ServerError::from_status(429)
        .with_retry_after(Some(Duration::from_secs(3600)))
        .into()));
    let e = s.access_token().await.unwrap_err();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(provider.calls(), 1);
}

/// A store whose writes fail while `fail_writes` is set.
#[derive(Default)]
struct Flaky {
    inner: MemoryStore,
    fail_writes: std::sync::atomic::AtomicBool,
    /// Writes to fail before succeeding again.
    fail_next: AtomicUsize,
    writes: AtomicUsize,
}

impl TokenStore for Flaky {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.inner.load(key).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let fail_next = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if fail_next || self.fail_writes.load(Ordering::SeqCst) {
            return Err(StoreError::new(StoreErrorKind::Io, "disk full"));
        }
        self.inner.compare_and_swap(key, expected, token).await
    }
    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.inner.delete(key).await
    }
    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list_keys().await
    }
}

/// A source over a [`Flaky`] store whose 60-second token has just expired.
async fn flaky_source() -> (
    Scripted,
    Arc<ManualClock>,
    Arc<Flaky>,
    TokenSource<Scripted, Arc<Flaky>>,
) {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(Flaky::default());
    let s = TokenSource::builder(provider.clone(), store.clone(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 60))
        .clock(clock.clone())
        .retry(quick_retry())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(60));
    (provider, clock, store, s)
}

#[tokio::test]
async fn failed_persist_reports_error_and_keeps_the_rotated_token() {
    let (provider, clock, store, s) = flaky_source().await;
    store.fail_writes.store(true, Ordering::SeqCst);
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    let e = s.access_token().await.unwrap_err();
    assert!(matches!(e, Error::Store(_)), "{e:?}");
    // Still failing: error again, and no second refresh (that would burn rt-2).
    let e = s.access_token().await.unwrap_err();
    assert!(matches!(e, Error::Store(_)), "{e:?}");
    assert_eq!(provider.calls(), 1);
    store.fail_writes.store(false, Ordering::SeqCst);
    assert_eq!(access(&s).await, "at-2");
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-2");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn a_store_write_that_fails_briefly_is_retried_within_the_refresh() {
    let (provider, clock, store, s) = flaky_source().await;
    store.fail_next.store(2, Ordering::SeqCst);
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    assert_eq!(access(&s).await, "at-2");
    // The initial write, two failures, the write that landed.
    assert_eq!(store.writes.load(Ordering::SeqCst), 4);
    let stored = store.load("acct").await.unwrap().unwrap();
    assert_eq!(stored.token.refresh_token().unwrap().secret(), "rt-2");
}

#[tokio::test]
async fn invalidate_forces_exactly_one_refresh() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    let rejected = s.access_token().await.unwrap();
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    s.invalidate(&rejected);
    s.invalidate(&rejected);
    assert_eq!(access(&s).await, "at-2");
    // A late report about the old token changes nothing.
    s.invalidate(&rejected);
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(provider.calls(), 1);
}

#[tokio::test]
async fn a_newer_token_in_the_store_is_adopted_instead_of_refreshing() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let store = Arc::new(MemoryStore::new());
    let s = source(&provider, store.clone(), &clock).await;
    clock.advance(Duration::from_secs(4000));
    // Another process refreshed and stored.
    store
        .compare_and_swap(
            "acct",
            Some(1),
            &token("at-other", Some("rt-other"), clock.now(), 3600),
        )
        .await
        .unwrap();
    assert_eq!(access(&s).await, "at-other");
    assert_eq!(provider.calls(), 0);
}

#[tokio::test]
async fn expired_without_refresh_token_needs_reauthorization() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = TokenSource::builder(provider.clone(), MemoryStore::new(), "k")
        .initial_token(token("at-1", None, t0(), 60))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(120));
    assert!(matches!(
        s.access_token().await,
        Err(Error::NeedsReauthorization(_))
    ));
    assert_eq!(provider.calls(), 0);
}

#[tokio::test]
async fn building_without_any_token_is_a_config_error() {
    let e = TokenSource::builder(Scripted::default(), MemoryStore::new(), "empty")
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config(_)));
    let e = TokenSource::builder(Scripted::default(), MemoryStore::new(), "../etc/passwd")
        .initial_token(token("a", None, t0(), 1))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Store(_)));
}

#[tokio::test]
async fn debug_of_source_has_no_secret() {
    let provider = Scripted::default();
    let clock = Arc::new(ManualClock::new(t0()));
    let s = source(&provider, Arc::new(MemoryStore::new()), &clock).await;
    let text = format!("{s:?}");
    assert!(!text.contains("at-1") && !text.contains("rt-1"), "{text}");
}

/// A provider whose refresh is outrun: another process stores a newer token (access token
/// `winner`) while this refresh is in flight, and this refresh then fails with `failure`.
#[derive(Clone)]
struct OutrunByAnotherHolder {
    store: Arc<MemoryStore>,
    calls: Arc<AtomicUsize>,
    winner: &'static str,
    failure: fn() -> Error,
}

impl OutrunByAnotherHolder {
    fn new(store: &Arc<MemoryStore>, winner: &'static str, failure: fn() -> Error) -> Self {
        Self {
            store: store.clone(),
            calls: Arc::new(AtomicUsize::new(0)),
            winner,
            failure,
        }
    }
}

impl Provider for OutrunByAnotherHolder {
    const NAME: &'static str = "outrun";
}

impl RefreshTokenGrant for OutrunByAnotherHolder {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let stored = self.store.load("acct").await.unwrap().unwrap();
        let newer = token(
            self.winner,
            Some("rt-other"),
            t0() + Duration::from_secs(4000),
            3600,
        );
        self.store
            .compare_and_swap("acct", Some(stored.version), &newer)
            .await
            .unwrap();
        Err((self.failure)())
    }
}

#[tokio::test]
async fn after_a_lost_response_the_store_is_read_before_any_retry() {
    let store = Arc::new(MemoryStore::new());
    // A response lost after the request reached the server.
    let provider = OutrunByAnotherHolder::new(&store, "at-other", || {
        Error::Transport(TransportError {
            kind: TransportKind::Timeout,
            message: "timed out".into(),
        })
    });
    let clock = Arc::new(ManualClock::new(t0()));
    let s = TokenSource::builder(provider.clone(), store.clone(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 60))
        .clock(clock.clone())
        .retry(quick_retry())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(4000));
    // The newer stored token is used; the possibly consumed refresh token is not sent again.
    assert_eq!(access(&s).await, "at-other");
    assert_eq!(provider.calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn invalid_grant_after_another_holder_refreshed_adopts_its_token() {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(t0()));
    // Another process used the refresh token first, so the server refuses it.
    let provider = OutrunByAnotherHolder::new(&store, "at-winner", || {
        ServerError::from_status(400)
            .with_code(Some("invalid_grant"))
            .into()
    });
    let s = TokenSource::builder(provider, store.clone(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 60))
        .clock(clock.clone())
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(4000));
    assert_eq!(access(&s).await, "at-winner");
    assert!(s.needs_reauthorization().is_none());
}

/// With the system clock (no clock injected), a source that starts from a stored token that
/// expired long ago refreshes on its very first call: the alarm for an already-due token rings
/// before the fresh path could hand the token out.
#[tokio::test]
async fn with_the_system_clock_an_expired_stored_token_is_refreshed_on_the_first_call() {
    let provider = Scripted::default();
    let now = std::time::SystemTime::now();
    provider.push(Ok(token("at-2", Some("rt-2"), now, 3600)));
    let store = Arc::new(MemoryStore::new());
    let expired = token("at-1", Some("rt-1"), now - Duration::from_secs(7200), 3600);
    store
        .compare_and_swap("acct", None, &expired)
        .await
        .unwrap();
    let source = TokenSource::builder(provider.clone(), store, "acct")
        .retry(quick_retry())
        .build()
        .await
        .unwrap();
    assert_eq!(access(&source).await, "at-2");
    assert_eq!(provider.calls(), 1);
}
