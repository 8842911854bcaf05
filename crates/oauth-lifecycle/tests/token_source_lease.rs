//! A refresh under a leased refresh lock (Redis, PostgreSQL) never outlives its lease: it is
//! extended while a slow provider answers, a lost lease spends nothing, and an attempt whose
//! lease cannot be extended is dropped before the lease lapses. On tokio's paused clock, so
//! a "slow provider" takes no real time and no timing can race.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_core::{
    Error, ManualClock, Provider, RefreshToken, RefreshTokenGrant, StoreError, StoreErrorKind,
    Token,
};
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::store::{MemoryStore, RefreshLock, TokenStore, Versioned};
use support::{quick_retry, t0, token};

mod support;

const TTL: Duration = Duration::from_millis(300);

/// What the store answers to an extension.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Extend {
    Held,
    Lost,
    Outage,
}

/// A memory store whose refresh lock is a lease, with scripted extensions.
struct Leasing {
    inner: MemoryStore,
    extend: Mutex<Extend>,
    extensions: AtomicUsize,
    held: AtomicBool,
}

impl Leasing {
    fn new(extend: Extend) -> Arc<Self> {
        Arc::new(Self {
            inner: MemoryStore::new(),
            extend: Mutex::new(extend),
            extensions: AtomicUsize::new(0),
            held: AtomicBool::new(false),
        })
    }
}

impl TokenStore for Leasing {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.inner.load(key).await
    }
    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        self.inner.compare_and_swap(key, expected, token).await
    }
    async fn try_lock(&self, _: &str, ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        assert_eq!(ttl, TTL);
        let free = !self.held.swap(true, Ordering::SeqCst);
        Ok(free.then(|| RefreshLock::leased("me")))
    }
    async fn unlock(&self, _: &str, _: &RefreshLock) -> Result<(), StoreError> {
        self.held.store(false, Ordering::SeqCst);
        Ok(())
    }
    async fn extend_lock(
        &self,
        _: &str,
        _: &RefreshLock,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        assert_eq!(ttl, TTL);
        self.extensions.fetch_add(1, Ordering::SeqCst);
        match *self.extend.lock().unwrap() {
            Extend::Held => Ok(true),
            Extend::Lost => Ok(false),
            Extend::Outage => Err(StoreError::new(StoreErrorKind::Io, "connection refused")),
        }
    }
    fn is_shared(&self) -> bool {
        true
    }
    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.inner.delete(key).await
    }
    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list_keys().await
    }
}

/// A provider that takes `delay` to answer, and records whether an answer was ever finished
/// or the attempt dropped half way.
#[derive(Clone)]
struct Slow {
    delay: Duration,
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl Slow {
    fn new(delay: Duration) -> Self {
        Self {
            delay,
            started: Arc::default(),
            finished: Arc::default(),
        }
    }
}

impl Provider for Slow {
    const NAME: &'static str = "slow";
}

impl RefreshTokenGrant for Slow {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        self.started.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(self.delay).await;
        self.finished.fetch_add(1, Ordering::SeqCst);
        Ok(token("at-2", Some("rt-2"), t0(), 3600))
    }
}

async fn due_source(provider: &Slow, store: &Arc<Leasing>) -> TokenSource<Slow, Arc<Leasing>> {
    let clock = Arc::new(ManualClock::new(t0()));
    let s = TokenSource::builder(provider.clone(), store.clone(), "acct")
        .initial_token(token("at-1", Some("rt-1"), t0(), 60))
        .clock(clock.clone())
        .retry(quick_retry())
        .lock_timing(TTL, TTL * 4)
        .build()
        .await
        .unwrap();
    clock.advance(Duration::from_secs(120));
    s
}

fn lease_lost(e: &Error) -> bool {
    matches!(e, Error::Store(s) if s.kind == StoreErrorKind::LeaseLost)
}

#[tokio::test(start_paused = true)]
async fn a_provider_slower_than_the_lease_is_waited_for_with_the_lease_extended() {
    let provider = Slow::new(TTL * 8);
    let store = Leasing::new(Extend::Held);
    let s = due_source(&provider, &store).await;
    let token = s.access_token().await.unwrap();
    assert_eq!(token.access_token().secret(), "at-2");
    assert_eq!(provider.started.load(Ordering::SeqCst), 1);
    // Confirmed before the attempt, then every third of the TTL during 8 TTLs.
    assert!(store.extensions.load(Ordering::SeqCst) >= 1 + 8 * 3 - 1);
    assert!(!store.held.load(Ordering::SeqCst), "the lock was released");
}

#[tokio::test(start_paused = true)]
async fn a_holder_whose_lease_was_lost_never_sends_the_refresh_token() {
    let provider = Slow::new(Duration::from_millis(10));
    let store = Leasing::new(Extend::Lost);
    let s = due_source(&provider, &store).await;
    let e = s.access_token().await.unwrap_err();
    assert!(lease_lost(&e), "{e:?}");
    assert_eq!(
        provider.started.load(Ordering::SeqCst),
        0,
        "the refresh token was sent"
    );
    assert!(!matches!(e, Error::NeedsReauthorization(_)));
    assert_eq!(
        store
            .inner
            .load("acct")
            .await
            .unwrap()
            .unwrap()
            .token
            .access_token()
            .secret(),
        "at-1"
    );
}

#[tokio::test(start_paused = true)]
async fn an_attempt_whose_lease_cannot_be_extended_is_dropped_before_the_lease_lapses() {
    let provider = Slow::new(TTL * 10);
    let store = Leasing::new(Extend::Held);
    let s = due_source(&provider, &store).await;
    // The store goes away once the attempt has started.
    let outage = {
        let (store, provider) = (store.clone(), provider.clone());
        async move {
            while provider.started.load(Ordering::SeqCst) == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            *store.extend.lock().unwrap() = Extend::Outage;
        }
    };
    let started = tokio::time::Instant::now();
    let (result, ()) = tokio::join!(s.access_token(), outage);
    let e = result.unwrap_err();
    assert!(lease_lost(&e), "{e:?}");
    assert_eq!(provider.started.load(Ordering::SeqCst), 1);
    assert_eq!(
        provider.finished.load(Ordering::SeqCst),
        0,
        "the attempt ran on"
    );
    // Dropped before the lease taken at the start could lapse.
    assert!(started.elapsed() < TTL, "{:?}", started.elapsed());
}
