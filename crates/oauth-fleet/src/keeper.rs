//! The keeper: claims due connections from the store's due index and refreshes them, once
//! across every worker process that runs one.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oauth_core::{Clock, Error, StoreError, SystemClock, Token};
use oauth_lifecycle::Renew;
use oauth_lifecycle::store::{Claim, DueBacklog, DueIndex, TokenStore};
use oauth_lifecycle::{RetryPolicy, TokenSource};
use tokio::task::JoinSet;

use crate::budget::Budget;
use crate::events::{Count, Counters, Figures, FleetEvent, Listener};
use crate::policy::KeepAlive;

/// How a keeper works through the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeeperSettings {
    /// Keys claimed at once (default 64).
    pub batch: usize,
    /// Refreshes in flight at once (default 16).
    pub concurrency: usize,
    /// How long a claim is the worker's before another may take it over (default 5 min,
    /// on the keeper's clock): longer than a batch takes.
    pub lease: Duration,
    /// The pause when nothing is due (default 1 s, real time).
    pub idle: Duration,
    /// The first retry delay after a failure (default 1 min), doubled per failure...
    pub backoff: Duration,
    /// ...up to this (default 6 h).
    pub max_backoff: Duration,
    /// The store refresh lock's lease per refresh (default 30 s, real time): how long a
    /// killed worker's lock blocks the worker taking over its claim.
    pub lock_ttl: Duration,
}

impl Default for KeeperSettings {
    fn default() -> Self {
        Self {
            batch: 64,
            concurrency: 16,
            lease: Duration::from_secs(300),
            idle: Duration::from_secs(1),
            backoff: Duration::from_secs(60),
            max_backoff: Duration::from_secs(6 * 3600),
            lock_ttl: Duration::from_secs(30),
        }
    }
}

/// Refreshes, ahead of their lapse, the connections its [`KeepAlive`] policy says must be
/// kept alive. Run one in every worker process over the same store: each due connection is
/// claimed by one of them, and refreshed under the store's refresh lock, so once.
///
/// `P` is the provider client (an `Arc<Client>`, shared by every refresh), `S` the store (an
/// `Arc<PostgresStore>`, `Arc<RedisStore>`, ...).
pub struct Keeper<P, S> {
    shared: Arc<Shared<P, S>>,
}

struct Shared<P, S> {
    provider: P,
    store: S,
    policy: KeepAlive,
    budget: Budget,
    clock: Arc<dyn Clock>,
    settings: KeeperSettings,
    listener: Option<Listener>,
    counters: Counters,
}

impl<P, S> Clone for Keeper<P, S> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<P, S> std::fmt::Debug for Keeper<P, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keeper")
            .field("policy", &self.shared.policy)
            .field("settings", &self.shared.settings)
            .field("figures", &self.shared.counters.snapshot())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Keeper`].
pub struct KeeperBuilder<P, S> {
    provider: P,
    store: S,
    policy: KeepAlive,
    budget: Budget,
    clock: Arc<dyn Clock>,
    settings: KeeperSettings,
    listener: Option<Listener>,
}

impl<P, S> KeeperBuilder<P, S> {
    /// The request budget of this worker (default: 5 per second).
    pub fn budget(mut self, budget: Budget) -> Self {
        self.budget = budget;
        self
    }

    /// The clock due times are read on (default: the system clock).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Batch, concurrency, lease, idle pause and backoff.
    pub fn settings(mut self, settings: KeeperSettings) -> Self {
        self.settings = settings;
        self
    }

    /// Hears every [`FleetEvent`].
    pub fn on_event(mut self, listener: impl Fn(&FleetEvent<'_>) + Send + Sync + 'static) -> Self {
        self.listener = Some(Arc::new(listener));
        self
    }

    /// The keeper.
    pub fn build(self) -> Keeper<P, S> {
        Keeper {
            shared: Arc::new(Shared {
                provider: self.provider,
                store: self.store,
                policy: self.policy,
                budget: self.budget,
                clock: self.clock,
                settings: self.settings,
                listener: self.listener,
                counters: Counters::default(),
            }),
        }
    }
}

impl<P, S> Keeper<P, S>
where
    P: Renew + Clone,
    S: TokenStore + DueIndex + Clone,
{
    /// A keeper for `provider`'s connections in `store`, following `policy`.
    pub fn builder(provider: P, store: S, policy: KeepAlive) -> KeeperBuilder<P, S> {
        KeeperBuilder {
            provider,
            store,
            policy,
            budget: Budget::per_second(5),
            clock: Arc::new(SystemClock),
            settings: KeeperSettings::default(),
            listener: None,
        }
    }

    /// Works until `shutdown` completes: claims a batch, refreshes what is due, and pauses
    /// for [`KeeperSettings::idle`] when nothing is. A store error pauses likewise and is
    /// tried again. Claims held at shutdown are taken over by others when their lease lapses.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let pause = tokio::select! {
                () = &mut shutdown => return,
                done = self.run_once() => match done {
                    Ok(0) => true,
                    Ok(_) => false,
                    Err(e) => {
                        tracing::warn!(error = %e, "keeper: the due index could not be read");
                        true
                    }
                },
            };
            if pause {
                tokio::select! {
                    () = &mut shutdown => return,
                    () = tokio::time::sleep(self.shared.settings.idle) => {}
                }
            }
        }
    }

    /// Claims one batch and works through it; the number of keys claimed.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let shared = &self.shared;
        let now = shared.clock.now();
        let claims = shared
            .store
            .claim_due(now, shared.settings.batch, shared.settings.lease)
            .await?;
        let claimed = claims.len();
        shared.counters.add(Count::Claimed, claimed as u64);
        if claimed > 0 {
            shared.emit(&FleetEvent::Claimed { count: claimed });
        }
        let mut running = JoinSet::new();
        for claim in claims {
            while running.len() >= shared.settings.concurrency.max(1) {
                let _ = running.join_next().await;
            }
            let shared = Arc::clone(shared);
            running.spawn(async move { shared.keep(claim).await });
        }
        while running.join_next().await.is_some() {}
        Ok(claimed)
    }

    /// The figures so far.
    pub fn figures(&self) -> Figures {
        self.shared.counters.snapshot()
    }

    /// Connections due now that no worker holds, and the oldest due time among them.
    pub async fn backlog(&self) -> Result<DueBacklog, StoreError> {
        self.shared.store.backlog(self.shared.clock.now()).await
    }
}

impl<P, S> Shared<P, S>
where
    P: Renew + Clone,
    S: TokenStore + DueIndex + Clone,
{
    fn emit(&self, event: &FleetEvent<'_>) {
        if let Some(listener) = &self.listener {
            listener(event);
        }
    }

    /// Looks at one claimed connection: forgets it, reschedules it, or refreshes it.
    async fn keep(&self, claim: Claim) {
        let outcome = self.look(&claim).await;
        let next = match outcome {
            Ok(next) => next.map(|at| (at, 0)),
            Err(error) if error.is_permanent() => {
                self.counters.add(Count::Dead, 1);
                self.emit(&FleetEvent::Dead {
                    key: &claim.key,
                    error: &error,
                });
                None
            }
            Err(error) => {
                if let Some(after) = error.retry_after() {
                    self.budget.pause(after);
                }
                let attempts = claim.attempts.saturating_add(1);
                let retry_at = self.retry_at(attempts);
                self.counters.add(Count::Failed, 1);
                self.emit(&FleetEvent::Failed {
                    key: &claim.key,
                    error: &error,
                    attempts,
                    retry_at,
                });
                Some((retry_at, attempts))
            }
        };
        let (at, attempts) = next.map_or((None, 0), |(at, n)| (Some(at), n));
        if let Err(e) = self.store.release(&claim, at, attempts).await {
            // The claim lapses by itself; another worker looks again after the lease.
            tracing::warn!(error = %e, key = %claim.key, "keeper: a claim could not be released");
        }
    }

    /// `Ok(next due time)` (`None`: nothing more to do), or why it failed.
    async fn look(&self, claim: &Claim) -> Result<Option<SystemTime>, Error> {
        // A source reads the store once; it also refreshes under the store's refresh lock,
        // with its lease, rotation and refusal recording, as any other refresh.
        let source =
            match TokenSource::builder(self.provider.clone(), self.store.clone(), &*claim.key)
                .clock(Arc::clone(&self.clock))
                // The keeper's own backoff retries, at a pace the budget allows.
                .retry(RetryPolicy {
                    max_attempts: 1,
                    ..RetryPolicy::default()
                })
                .lock_timing(
                    self.settings.lock_ttl,
                    self.settings.lock_ttl.saturating_mul(2),
                )
                .build()
                .await
            {
                Ok(source) => source,
                // Deleted (a disconnect): nothing to keep alive.
                Err(Error::Config(_)) => return Ok(None),
                Err(e) => return Err(e),
            };
        let stored = source.current();
        if let Some(refusal) = stored.refusal() {
            return Err(refusal.to_error());
        }
        let now = self.clock.now();
        match self.policy.next_refresh(&claim.key, &stored) {
            None => return Ok(None),
            Some(due) if due > now => {
                self.counters.add(Count::Rescheduled, 1);
                return Ok(Some(due));
            }
            Some(_) => {}
        }
        self.budget.acquire().await;
        let token = self.refresh(&claim.key, &source).await?;
        let lag = self
            .clock
            .now()
            .duration_since(claim.due_at)
            .unwrap_or_default();
        self.counters.add(Count::Refreshed, 1);
        self.counters.lag(lag);
        self.emit(&FleetEvent::Refreshed {
            key: &claim.key,
            lag,
        });
        let now = self.clock.now();
        Ok(Some(match self.policy.next_refresh(&claim.key, &token) {
            // A provider that did not extend the refresh token's life: look again later
            // rather than refresh in a loop.
            Some(due) if due <= now => self.retry_at(1),
            Some(due) => due,
            None => return Ok(None),
        }))
    }

    /// Refreshes the source's token: its first call does when the access token has expired
    /// (an idle connection's has), else the token is invalidated and refreshed.
    async fn refresh(&self, key: &str, source: &TokenSource<P, S>) -> Result<Arc<Token>, Error> {
        let token = source.access_token().await?;
        let now = self.clock.now();
        if self
            .policy
            .next_refresh(key, &token)
            .is_some_and(|due| due > now)
        {
            // Refreshed by the call above, or by another process since the claim.
            return Ok(token);
        }
        source.invalidate(&token);
        source.access_token().await
    }

    fn retry_at(&self, attempts: u32) -> SystemTime {
        let delay = self
            .settings
            .backoff
            .saturating_mul(1u32 << attempts.saturating_sub(1).min(16))
            .min(self.settings.max_backoff);
        let now = self.clock.now();
        now.checked_add(delay).unwrap_or(now)
    }
}
