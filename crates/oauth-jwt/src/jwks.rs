//! A provider's key set, cached by `kid` and fetched again, at most once per interval, when a
//! token names a key the cached set lacks (the provider rotated its keys).
//!
//! openidconnect-rs keeps the set it fetched at discovery forever, so a rotation breaks sign-in
//! until a restart; refetching on every unknown `kid` instead would let anyone who can send a
//! token make the client hammer the provider. This cache does the first at most once per
//! [`JwksCache::min_refetch_interval`], and concurrent callers share one fetch.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use oauth_core::{Clock, SystemClock};
use tokio::sync::Mutex;
use url::Url;

use crate::alg::Algorithm;
use crate::error::{FetchError, IdTokenError, bounded};
use crate::fetch;
use crate::jwk::JwkSet;

/// The shortest time between two fetches of the set by default.
pub const DEFAULT_MIN_REFETCH: Duration = Duration::from_secs(60);

/// The key set at a `jwks_uri`, fetched on first use. Cloning shares the cache.
#[derive(Clone)]
pub struct JwksCache {
    shared: Arc<Shared>,
}

struct Shared {
    uri: Url,
    http: reqwest::Client,
    limit: u64,
    min_refetch: Duration,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
    fetches: AtomicU64,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<JwkSet>>,
    /// When the last fetch was tried (successful or not).
    tried_at: Option<SystemTime>,
    /// Why the last fetch failed, while no set was ever fetched: reported until the next
    /// fetch is allowed, rather than an unknown key.
    failure: Option<FetchError>,
}

impl std::fmt::Debug for JwksCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksCache")
            .field("uri", &self.shared.uri.as_str())
            .field("min_refetch", &self.shared.min_refetch)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl JwksCache {
    /// A cache of the set at `uri`, fetched with `http` (which must not follow redirects).
    pub fn new(http: reqwest::Client, uri: Url) -> Self {
        Self::with_settings(http, uri, DEFAULT_MIN_REFETCH, Arc::new(SystemClock))
    }

    /// As [`JwksCache::new`], with the shortest interval between fetches and the clock that
    /// measures it.
    pub fn with_settings(
        http: reqwest::Client,
        uri: Url,
        min_refetch: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            shared: Arc::new(Shared {
                uri,
                http,
                limit: fetch::DEFAULT_LIMIT,
                min_refetch,
                clock,
                state: Mutex::new(State::default()),
                fetches: AtomicU64::new(0),
            }),
        }
    }

    /// The key set URL.
    pub fn uri(&self) -> &Url {
        &self.shared.uri
    }

    /// The shortest time between two fetches.
    pub fn min_refetch_interval(&self) -> Duration {
        self.shared.min_refetch
    }

    /// How many times the set was fetched (tried), for monitoring and tests.
    pub fn fetch_count(&self) -> u64 {
        self.shared.fetches.load(Ordering::Relaxed)
    }

    /// A set holding a key for an `alg` token naming `kid`: the cached one if it has such a
    /// key, else the set fetched again, if the last fetch is at least the minimum interval
    /// ago (or there was none). [`IdTokenError::UnknownKey`] when no such key is found, or
    /// when a fetch is not allowed yet.
    pub async fn keys_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<JwkSet>, IdTokenError> {
        let shared = &*self.shared;
        // Held across the fetch: concurrent callers with the same unknown kid wait for it and
        // find the new key, instead of fetching again.
        let mut state = shared.state.lock().await;
        if let Some(keys) = &state.keys
            && keys.candidates(kid, alg).next().is_some()
        {
            return Ok(keys.clone());
        }
        let unknown = || IdTokenError::UnknownKey {
            kid: kid.map(bounded),
        };
        let now = shared.clock.now();
        let recent = state.tried_at.is_some_and(|at| {
            now.duration_since(at)
                .map_or(true, |since| since < shared.min_refetch)
        });
        if recent {
            return Err(match (&state.keys, &state.failure) {
                (None, Some(failure)) => IdTokenError::KeySet(failure.clone()),
                _ => unknown(),
            });
        }
        state.tried_at = Some(now);
        shared.fetches.fetch_add(1, Ordering::Relaxed);
        let fetched = fetch::json(&shared.http, &shared.uri, shared.limit, "key set")
            .await
            .and_then(|document| {
                JwkSet::from_value(document).ok_or(FetchError::Decode {
                    what: "key set",
                    line: 1,
                    column: 1,
                })
            });
        // A failed fetch keeps the set fetched before, if any.
        let keys = match fetched {
            Ok(keys) => Arc::new(keys),
            Err(failure) => {
                state.failure = Some(failure.clone());
                return Err(IdTokenError::KeySet(failure));
            }
        };
        state.failure = None;
        state.keys = Some(keys.clone());
        if keys.candidates(kid, alg).next().is_some() {
            Ok(keys)
        } else {
            Err(unknown())
        }
    }
}
