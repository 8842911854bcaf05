//! What several replicas sharing one store see: a refusal recorded for all, a new
//! authorization adopted by a dead source, a proxy's 4xx that is no refusal, a deleted token
//! that is not written back. Each test failed on the code before these were fixed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use oauth_core::{
    Clock, Error, ManualClock, Provider, RefreshToken, RefreshTokenGrant, ServerError, StoreError,
    Token,
};
use oauth_lifecycle::store::{MemoryStore, TokenStore, Versioned};
use oauth_lifecycle::{RefreshEvent, TokenSource};
use support::{access, quick_retry, t0, token};

mod support;

/// A provider whose refresh answers come from a script.
#[derive(Clone, Default)]
struct Scripted {
    answers: Arc<Mutex<VecDeque<Result<Token, Error>>>>,
    calls: Arc<AtomicUsize>,
}

impl Scripted {
    fn push(&self, answer: Result<Token, Error>) {
        self.answers.lock().unwrap().push_back(answer);
    }
    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }
}

impl Provider for Scripted {
    const NAME: &'static str = "scripted";
}

impl RefreshTokenGrant for Scripted {
    async fn refresh(&self, _: &RefreshToken) -> oauth_core::Result<Token> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("an unscripted refresh")
    }
}

/// A shared store that counts its reads.
#[derive(Default)]
struct Counted {
    inner: MemoryStore,
    loads: AtomicUsize,
}

impl Counted {
    fn loads(&self) -> usize {
        self.loads.load(Ordering::SeqCst)
    }
}

impl TokenStore for Counted {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        self.loads.fetch_add(1, Ordering::SeqCst);
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
    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        self.inner.delete(key).await
    }
    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.inner.list_keys().await
    }
}

fn invalid_grant() -> Error {
    ServerError::from_status(400)
        .with_code(Some("invalid_grant"))
        .with_description(Some("Token is revoked".into()))
        .into()
}

type Events = Arc<Mutex<Vec<String>>>;

async fn replica(
    provider: &Scripted,
    store: &Arc<Counted>,
    clock: &Arc<ManualClock>,
    initial: Option<Token>,
) -> (TokenSource<Scripted, Arc<Counted>>, Events) {
    let events = Events::default();
    let seen = events.clone();
    let mut builder = TokenSource::builder(provider.clone(), store.clone(), "acct")
        .clock(clock.clone())
        .retry(quick_retry())
        .on_event(move |e| {
            seen.lock().unwrap().push(
                match e {
                    RefreshEvent::Refreshed { .. } => "refreshed",
                    RefreshEvent::Failed {
                        permanent: true, ..
                    } => "refused",
                    RefreshEvent::Failed { .. } => "failed",
                    RefreshEvent::Recovered { .. } => "recovered",
                    _ => "other",
                }
                .to_owned(),
            );
        });
    if let Some(initial) = initial {
        builder = builder.initial_token(initial);
    }
    (builder.build().await.unwrap(), events)
}

/// One replica over a fresh store, holding `at-1` (refresh token `rt-1`) received at `t0`
/// and living `ttl` seconds.
struct Single {
    provider: Scripted,
    store: Arc<Counted>,
    clock: Arc<ManualClock>,
    source: TokenSource<Scripted, Arc<Counted>>,
    events: Events,
}

async fn single(ttl: u64) -> Single {
    let provider = Scripted::default();
    let store = Arc::new(Counted::default());
    let clock = Arc::new(ManualClock::new(t0()));
    let (source, events) = replica(
        &provider,
        &store,
        &clock,
        Some(token("at-1", Some("rt-1"), t0(), ttl)),
    )
    .await;
    Single {
        provider,
        store,
        clock,
        source,
        events,
    }
}

#[tokio::test]
async fn a_refusal_is_recorded_for_every_replica_and_a_new_authorization_revives_them() {
    let provider = Scripted::default();
    let store = Arc::new(Counted::default());
    let clock = Arc::new(ManualClock::new(t0()));
    let (a, a_events) = replica(
        &provider,
        &store,
        &clock,
        Some(token("at-1", Some("rt-1"), t0(), 60)),
    )
    .await;
    let (b, b_events) = replica(&provider, &store, &clock, None).await;
    clock.advance(Duration::from_secs(60));

    provider.push(Err(invalid_grant()));
    let e = a.access_token().await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    // The refusal is in the store, with the token, for everyone.
    let stored = store.inner.load("acct").await.unwrap().unwrap();
    let refusal = stored.token.refusal().expect("the refusal is recorded");
    assert_eq!(refusal.error, "invalid_grant");
    assert_eq!(refusal.description.as_deref(), Some("Token is revoked"));
    assert_eq!(refusal.at(), clock.now());

    // The other replica reports it without spending anything.
    let e = b.access_token().await.unwrap_err();
    assert_eq!(e.oauth_code().map(|c| c.as_str()), Some("invalid_grant"));
    assert!(b.needs_reauthorization().is_some());
    assert_eq!(provider.calls(), 1);

    // A replica built now starts dead too.
    let (c, _) = replica(&provider, &store, &clock, None).await;
    assert!(matches!(
        c.access_token().await,
        Err(Error::NeedsReauthorization(_))
    ));

    // Within the recheck interval, calls do not read the store on every call.
    let loads = store.loads();
    for _ in 0..50 {
        assert!(a.access_token().await.is_err());
        assert!(b.access_token().await.is_err());
    }
    assert_eq!(
        store.loads(),
        loads,
        "a dead source read the store on every call"
    );

    // The user connects again through another replica (here: straight into the store).
    let current = store.inner.load("acct").await.unwrap().unwrap().version;
    store
        .inner
        .compare_and_swap(
            "acct",
            Some(current),
            &token("at-new", Some("rt-new"), clock.now(), 3600),
        )
        .await
        .unwrap();
    // Still dead until the recheck interval (5 s by default) has passed...
    assert!(a.access_token().await.is_err());
    clock.advance(Duration::from_secs(5));
    // ...then adopted, once, by each replica, and reported.
    assert_eq!(access(&a).await, "at-new");
    assert_eq!(access(&b).await, "at-new");
    assert_eq!(access(&c).await, "at-new");
    assert!(a.needs_reauthorization().is_none());
    assert_eq!(provider.calls(), 1);
    assert_eq!(
        a_events.lock().unwrap().as_slice(),
        ["refused", "recovered"]
    );
    assert_eq!(b_events.lock().unwrap().as_slice(), ["recovered"]);
}

#[tokio::test]
async fn a_4xx_without_an_oauth_code_is_retried_and_never_kills_the_grant() {
    let Single {
        provider,
        store,
        clock,
        source: s,
        events,
        ..
    } = single(3600).await;
    // Expired: nothing to fall back on.
    clock.advance(Duration::from_secs(3600));
    // A WAF's 403 page and a proxy's 404, for every attempt.
    for status in [403, 404, 403] {
        provider.push(Err(ServerError::from_status(status).into()));
    }
    let e = s.access_token().await.unwrap_err();
    assert!(!matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert_eq!(e.status(), Some(403));
    assert_eq!(provider.calls(), 3, "retried with backoff");
    assert!(s.needs_reauthorization().is_none());
    assert!(
        store
            .inner
            .load("acct")
            .await
            .unwrap()
            .unwrap()
            .token
            .refusal()
            .is_none()
    );
    // The proxy is fixed: the next call refreshes.
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    assert_eq!(access(&s).await, "at-2");
    assert_eq!(events.lock().unwrap().as_slice(), ["failed", "refreshed"]);
}

#[tokio::test]
async fn while_a_due_token_is_still_valid_a_failed_refresh_serves_it_and_retries_later() {
    let Single {
        provider,
        store: _,
        clock,
        source: s,
        ..
    } = single(3600).await;
    // Due (inside the 60 s margin) but valid for 30 s more.
    clock.advance(Duration::from_secs(3570));
    for _ in 0..3 {
        provider.push(Err(ServerError::from_status(503).into()));
    }
    assert_eq!(access(&s).await, "at-1");
    assert_eq!(provider.calls(), 3);
    // Not tried again on every call: after the longest backoff.
    assert_eq!(access(&s).await, "at-1");
    assert_eq!(provider.calls(), 3);
    clock.advance(quick_retry().max_delay);
    provider.push(Ok(token("at-2", Some("rt-2"), clock.now(), 3600)));
    assert_eq!(access(&s).await, "at-2");
}

#[tokio::test]
async fn a_token_deleted_from_the_store_is_not_written_back() {
    let Single {
        provider,
        store,
        clock,
        source: s,
        ..
    } = single(60).await;
    assert!(store.delete("acct").await.unwrap());
    clock.advance(Duration::from_secs(60));
    let e = s.access_token().await.unwrap_err();
    assert!(matches!(e, Error::NeedsReauthorization(_)), "{e:?}");
    assert_eq!(provider.calls(), 0, "no refresh token was spent");
    assert!(store.inner.load("acct").await.unwrap().is_none());
    assert!(store.list_keys().await.unwrap().is_empty());
}

#[tokio::test]
async fn many_sources_share_one_client_and_one_store() {
    let provider = Arc::new(Scripted::default());
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(t0()));
    let mut sources = Vec::new();
    for i in 0..1_000 {
        let source =
            TokenSource::builder(Arc::clone(&provider), Arc::clone(&store), format!("c-{i}"))
                .initial_token(token(&format!("at-{i}"), Some("rt"), t0(), 3600))
                .clock(clock.clone())
                .build()
                .await
                .unwrap();
        sources.push(source);
    }
    // The store keeps the very token each source holds, not a copy.
    let held = sources[7].access_token().await.unwrap();
    assert_eq!(held.access_token().secret(), "at-7");
    assert!(
        Arc::strong_count(&held) >= 3,
        "source, store and caller share it"
    );
    assert_eq!(store.list_keys().await.unwrap().len(), 1_000);
    clock.advance(Duration::from_secs(3600));
    provider.push(Ok(token("at-new", Some("rt-new"), clock.now(), 3600)));
    assert_eq!(access(&sources[999]).await, "at-new");
    assert_eq!(provider.calls(), 1);
}
