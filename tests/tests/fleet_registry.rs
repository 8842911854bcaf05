//! The registry and the keeper in one process, over a `MemoryStore` and the RingCentral fake:
//! connect, get, status, disconnect with revocation, the LRU bound; a keeper that refreshes a
//! due connection once, leaves a fresh one alone, backs off after a 429 (honouring its
//! `Retry-After`), marks a refused grant dead and never retries it, and hears a reconnect.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use oauth_core::{AccessToken, Clock, ManualClock, RefreshToken, Token};
use oauth_fleet::{Budget, FleetEvent, KeepAlive, Keeper, KeeperSettings, Registry, Status};
use oauth_lifecycle::store::{DueIndex, MemoryStore, TokenStore};
use oauth_sdk_tests::t0;
use oauth_test_kit::Fault;
use ringcentral_oauth::RingCentralClient;
use ringcentral_oauth::mock::{self, FakeRingCentral};

const DAY: Duration = Duration::from_secs(24 * 3600);

struct Setup {
    fake: FakeRingCentral,
    clock: Arc<ManualClock>,
    client: Arc<RingCentralClient>,
    store: Arc<MemoryStore>,
    events: Arc<Mutex<Vec<String>>>,
}

fn setup() -> Setup {
    let clock = Arc::new(ManualClock::new(t0()));
    let config = oauth_test_kit::FakeConfig::new(mock::CLIENT_ID, Some(mock::CLIENT_SECRET.into()))
        .clock(clock.clone());
    let fake = FakeRingCentral::start_with(config).unwrap();
    let client = Arc::new(fake.client());
    Setup {
        fake,
        clock,
        client,
        store: Arc::new(MemoryStore::new()),
        events: Arc::default(),
    }
}

impl Setup {
    /// A token of a new grant at the fake (7-day refresh token, as RingCentral's default).
    fn grant(&self) -> Token {
        let now = self.clock.now();
        let issued = self.fake.grants().issue_grant_at(mock::CLIENT_ID, now);
        Token::new(AccessToken::new(issued.access_token.clone()), now)
            .with_expires_in(issued.expires_in)
            .with_refresh_token(issued.refresh_token.clone().map(RefreshToken::new))
            .with_refresh_token_expires_in(issued.refresh_expires_in)
    }

    fn registry(&self, capacity: usize) -> Registry<Arc<RingCentralClient>, Arc<MemoryStore>> {
        let events = self.events.clone();
        Registry::new(
            self.client.clone(),
            self.store.clone(),
            KeepAlive::ringcentral(),
            NonZeroUsize::new(capacity).unwrap(),
        )
        .with_clock(self.clock.clone())
        .on_event(move |e| events.lock().unwrap().push(describe(e)))
    }

    fn keeper(&self) -> Keeper<Arc<RingCentralClient>, Arc<MemoryStore>> {
        let events = self.events.clone();
        Keeper::builder(
            self.client.clone(),
            self.store.clone(),
            KeepAlive::ringcentral(),
        )
        .budget(Budget::unlimited())
        .clock(self.clock.clone())
        .settings(KeeperSettings {
            backoff: Duration::from_secs(60),
            ..KeeperSettings::default()
        })
        .on_event(move |e| events.lock().unwrap().push(describe(e)))
        .build()
    }

    fn events(&self) -> Vec<String> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }
}

fn describe(event: &FleetEvent<'_>) -> String {
    match event {
        FleetEvent::Claimed { count } => format!("claimed {count}"),
        FleetEvent::Refreshed { key, .. } => format!("refreshed {key}"),
        FleetEvent::Failed { key, attempts, .. } => format!("failed {key} {attempts}"),
        FleetEvent::Dead { key, .. } => format!("dead {key}"),
        FleetEvent::Recovered { key } => format!("recovered {key}"),
        _ => "other".into(),
    }
}

fn keep_alive_at(status: Status) -> SystemTime {
    match status {
        Status::Live {
            keep_alive_at: Some(at),
            ..
        } => at,
        other => panic!("not live with a keep-alive: {other:?}"),
    }
}

#[tokio::test]
async fn registry_connects_gets_bounds_and_disconnects() {
    let s = setup();
    let registry = s.registry(2);
    for id in ["a", "b", "c"] {
        registry.connect(id, s.grant()).await.unwrap();
    }
    assert_eq!(registry.live(), 2, "the LRU map holds at most its capacity");
    // An evicted connection is built again from the store, with the same token.
    let stored = s.store.load("a").await.unwrap().unwrap().token;
    let token = registry
        .get("a")
        .await
        .unwrap()
        .access_token()
        .await
        .unwrap();
    assert_eq!(
        token.access_token().secret(),
        stored.access_token().secret()
    );
    assert_eq!(s.fake.counts().refresh, 0, "a fresh token is not refreshed");
    // Scheduled by its policy: a day (and at most a quarter more) before the 7-day lapse.
    let due = keep_alive_at(registry.status("a").await.unwrap());
    assert!(due <= t0() + 6 * DAY && due >= t0() + 6 * DAY - DAY / 4);
    assert!(registry.revoke_and_disconnect("a").await.unwrap());
    assert_eq!(s.fake.counts().revocation, 1);
    assert_eq!(registry.status("a").await.unwrap(), Status::Unknown);
    // Forgotten by the due index too: nothing to claim, however late.
    let claims = s.store.claim_due(t0() + 365 * DAY, 10, DAY).await.unwrap();
    assert_eq!(claims.iter().filter(|c| c.key == "a").count(), 0);
    assert_eq!(claims.len(), 2);
}

#[tokio::test]
async fn keeper_refreshes_due_connections_once_and_leaves_fresh_ones() {
    let s = setup();
    let registry = s.registry(10);
    registry.connect("early", s.grant()).await.unwrap();
    s.clock.advance(3 * DAY);
    registry.connect("late", s.grant()).await.unwrap();
    let keeper = s.keeper();
    // Day 3: nothing due.
    assert_eq!(keeper.run_once().await.unwrap(), 0);
    // Day 6: "early" is due (its refresh token lapses on day 7), "late" is not.
    s.clock.advance(3 * DAY);
    assert_eq!(keeper.run_once().await.unwrap(), 1);
    assert_eq!(s.fake.counts().refresh, 1);
    assert_eq!(s.events(), ["claimed 1", "refreshed early"]);
    let next = keep_alive_at(registry.status("early").await.unwrap());
    assert!(
        next > s.clock.now() + 5 * DAY,
        "rescheduled by the new refresh token"
    );
    // Nothing more is due now: no second refresh.
    assert_eq!(keeper.run_once().await.unwrap(), 0);
    assert_eq!(s.fake.counts().refresh, 1);
    assert_eq!(keeper.figures().refreshed, 1);
    assert_eq!(s.fake.counts().reused, 0);
}

#[tokio::test]
async fn keeper_backs_off_after_a_429_and_honours_retry_after() {
    let s = setup();
    let registry = s.registry(10);
    registry.connect("busy", s.grant()).await.unwrap();
    let keeper = s.keeper();
    s.clock.advance(6 * DAY + DAY / 2);
    s.fake.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Duration::from_secs(1),
        },
    );
    let started = std::time::Instant::now();
    assert_eq!(keeper.run_once().await.unwrap(), 1);
    assert_eq!(s.events(), ["claimed 1", "failed busy 1"]);
    // Not retried before the backoff (60 s on the keeper's clock)...
    assert_eq!(keeper.run_once().await.unwrap(), 0);
    s.clock.advance(Duration::from_secs(61));
    // ...and then only once the provider's Retry-After has passed.
    assert_eq!(keeper.run_once().await.unwrap(), 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(s.events(), ["claimed 1", "refreshed busy"]);
    assert_eq!(keeper.figures().failed, 1);
    assert_eq!(s.fake.counts().reused, 0);
}

#[tokio::test]
async fn keeper_marks_a_refused_grant_dead_once_and_hears_the_reconnect() {
    let s = setup();
    let registry = s.registry(10);
    registry.connect("gone", s.grant()).await.unwrap();
    let keeper = s.keeper();
    let token = s.store.load("gone").await.unwrap().unwrap().token;
    assert!(
        s.fake
            .grants()
            .revoke(token.refresh_token().unwrap().secret())
    );
    s.clock.advance(6 * DAY + DAY / 2);
    assert_eq!(keeper.run_once().await.unwrap(), 1);
    assert_eq!(s.events(), ["claimed 1", "dead gone"]);
    let refreshes = s.fake.counts().refresh;
    // Never claimed again, however much time passes.
    s.clock.advance(60 * DAY);
    assert_eq!(keeper.run_once().await.unwrap(), 0);
    assert_eq!(s.fake.counts().refresh, refreshes, "never retried");
    assert!(matches!(
        registry.status("gone").await.unwrap(),
        Status::NeedsReauthorization(_)
    ));
    // Until the user connects again: recovered, and kept alive from then on.
    registry.connect("gone", s.grant()).await.unwrap();
    assert_eq!(s.events(), ["recovered gone"]);
    let due = keep_alive_at(registry.status("gone").await.unwrap());
    assert!(due > s.clock.now() + 5 * DAY);
}
