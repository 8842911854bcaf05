//! Authorizations in flight between the redirect to the provider and the callback, kept by a
//! web server across that redirect.
//!
//! A web server sends the browser away with an [`AuthorizationRequest`] and gets it back, in
//! another request, at its callback. Between the two it must keep the state, the PKCE verifier,
//! the redirect URI and (for an OpenID Connect sign-in) the nonce: in a server-side session, a
//! database row, or a cookie. [`PendingAuthorizations`] is that record for one browser:
//!
//! - **several tabs**: it holds up to [`PendingAuthorizations::MAX_ENTRIES`] authorizations at
//!   once, found by the `state` the redirect brings back, so they may complete in any order;
//! - **expiring**: each lives [`DEFAULT_TTL`] (10 minutes) unless told otherwise;
//! - **single-use**: [`PendingAuthorizations::complete`] takes the matching one out, so the
//!   same callback a second time finds nothing ([`PendingError::Unknown`]);
//! - **sealed**: it has no `Serialize`. [`PendingAuthorizations::seal`] encrypts and
//!   authenticates it under a [`SealingKey`] into a [`SealedPending`] (which is `serde` and fits
//!   in a cookie); [`PendingAuthorizations::open`] refuses anything altered or sealed under
//!   another key or for another purpose.
//!
//! ```
//! use std::time::SystemTime;
//! use oauth_core::{AuthorizationRequest, Pkce};
//! use oauth_lifecycle::pending::{PendingAuthorization, PendingAuthorizations, SealingKey};
//!
//! let key = SealingKey::generate(); // in an application: one key for all its replicas
//! let now = SystemTime::now();
//! let request = AuthorizationRequest::builder("https://auth.example/authorize".parse()?)
//!     .redirect_uri("https://app.example/callback")
//!     .pkce(Pkce::new_s256())
//!     .build();
//! let mut pending = PendingAuthorizations::new();
//! pending.insert(PendingAuthorization::new(&request, "ringcentral", now), now);
//! let cookie = pending.seal(&key, b"pending-cookie").into_string();
//! // ... the browser goes to request.url() and comes back to the callback:
//! let mut pending = PendingAuthorizations::open(&key, b"pending-cookie", &cookie)?;
//! let callback = format!("https://app.example/callback?code=c-1&state={}", request.state().secret());
//! let done = pending.complete(&callback, now)?;
//! assert_eq!(done.label(), "ringcentral");
//! // `done.grant()` goes to the provider client's `exchange_code`; the callback is spent:
//! assert!(pending.complete(&callback, now).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A sealed cookie cannot forget: a copy taken before the callback still holds the
//! authorization. Such a replay gets as far as the code exchange, which the provider refuses
//! (a code is good for one exchange, RFC 6749 §4.1.2). An application that wants the refusal
//! earlier keeps the record server-side (sealed or not) instead of in the cookie.

use std::fmt;
use std::time::{Duration, SystemTime};

use oauth_core::authorize::{AuthorizationGrant, AuthorizationRequest, RedirectQuery};
use oauth_core::error::Error;
use oauth_core::secret::PkceVerifier;
use oauth_core::state::CsrfState;

/// How long an authorization may stay pending by default: 10 minutes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);

/// The longest [`PendingAuthorization::with_ttl`] accepts (a day); longer is cut to it.
pub const MAX_TTL: Duration = Duration::from_secs(86_400);

/// The longest sealed text [`PendingAuthorizations::open`] reads (16 KiB): eight entries take
/// well under 4 KiB, the most a cookie may hold.
pub const MAX_SEALED_LEN: usize = 16 * 1024;

/// One authorization in flight: what the callback needs to check the redirect and exchange
/// the code. `Debug` redacts the state, the verifier and the nonce.
#[derive(Clone)]
pub struct PendingAuthorization {
    state: CsrfState,
    pkce_verifier: Option<PkceVerifier>,
    redirect_uri: Option<String>,
    nonce: Option<String>,
    label: String,
    expires_at: SystemTime,
}

impl PendingAuthorization {
    /// Keeps what `request` needs at its callback, with the application's `label` (which
    /// provider, where to return to: shown to nobody but the application, and not secret),
    /// expiring [`DEFAULT_TTL`] after `now`.
    pub fn new(request: &AuthorizationRequest, label: impl Into<String>, now: SystemTime) -> Self {
        Self {
            state: request.state().clone(),
            pkce_verifier: request.pkce_verifier().cloned(),
            redirect_uri: request.redirect_uri().map(str::to_owned),
            nonce: None,
            label: label.into(),
            expires_at: expiry(now, DEFAULT_TTL),
        }
    }

    /// Keeps the OpenID Connect `nonce` the request sent, for the ID token check after the
    /// exchange.
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Expires `ttl` after `now` instead (at most [`MAX_TTL`]).
    pub fn with_ttl(mut self, ttl: Duration, now: SystemTime) -> Self {
        self.expires_at = expiry(now, ttl.min(MAX_TTL));
        self
    }

    /// The application's label given to [`PendingAuthorization::new`].
    pub fn label(&self) -> &str {
        &self.label
    }

    /// When it stops being accepted.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    fn is_expired(&self, now: SystemTime) -> bool {
        now >= self.expires_at
    }
}

/// `now + ttl`, or `now` (already expired) when that is past what `SystemTime` holds: an
/// expiry that cannot be written must not become "never".
fn expiry(now: SystemTime, ttl: Duration) -> SystemTime {
    now.checked_add(ttl).unwrap_or(now)
}

impl fmt::Debug for PendingAuthorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingAuthorization")
            .field("label", &self.label)
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("redirect_uri", &self.redirect_uri)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A callback matched to its pending authorization: the grant to exchange, and what the
/// application kept with it.
#[derive(Debug)]
pub struct Completed {
    grant: AuthorizationGrant,
    label: String,
    nonce: Option<String>,
}

impl Completed {
    /// The grant for the provider client's `exchange_code`.
    pub fn grant(&self) -> &AuthorizationGrant {
        &self.grant
    }

    /// The grant, taken.
    pub fn into_grant(self) -> AuthorizationGrant {
        self.grant
    }

    /// The label given to [`PendingAuthorization::new`].
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The nonce given to [`PendingAuthorization::with_nonce`], for the ID token check.
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }
}

/// Why a callback or a sealed record was not accepted. Never carries a code, a state or the
/// sealed text.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PendingError {
    /// No pending authorization has the redirect's state: a forged callback, one already
    /// completed (a replay, a reload), or one started in another browser.
    #[error(
        "no authorization in progress matches this callback (forged, already used, or started in another browser)"
    )]
    Unknown,
    /// The matching authorization was started too long ago (it is removed all the same).
    #[error("the authorization in progress expired before the callback arrived")]
    Expired {
        /// The label it was started with.
        label: String,
    },
    /// The redirect matched a pending authorization (now spent) but carries the provider's
    /// error (e.g. `access_denied`) or no code.
    #[error("the provider did not authorize: {source}")]
    Redirect {
        /// The label it was started with.
        label: String,
        /// [`Error::Authorization`] or [`Error::MissingCode`].
        #[source]
        source: Error,
    },
    /// The redirect is malformed (a parameter given twice): nothing was matched or spent.
    #[error("the callback is malformed: {0}")]
    Malformed(#[source] Error),
    /// The sealed text is not one this key sealed for this purpose (altered, truncated, too
    /// long, another key, another purpose).
    #[error("the sealed authorizations cannot be opened with this key")]
    Sealed,
}

/// The authorizations one browser has in flight (one per tab that started one).
#[derive(Debug, Clone, Default)]
pub struct PendingAuthorizations {
    entries: Vec<PendingAuthorization>,
}

impl PendingAuthorizations {
    /// How many authorizations are kept at once; an insert beyond drops the oldest.
    pub const MAX_ENTRIES: usize = 8;

    /// None in flight.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many are kept (expired ones included until the next insert or completion).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds one, dropping those expired at `now` and, beyond [`Self::MAX_ENTRIES`], the oldest.
    pub fn insert(&mut self, pending: PendingAuthorization, now: SystemTime) {
        self.entries.retain(|p| !p.is_expired(now));
        self.entries.push(pending);
        let excess = self.entries.len().saturating_sub(Self::MAX_ENTRIES);
        self.entries.drain(..excess);
    }

    /// Checks a callback (its full URL or query string) against the authorizations in flight
    /// and takes out the one its `state` names, whatever the outcome after that: a matched
    /// state is never accepted twice.
    ///
    /// Each state is compared in constant time. A redirect with a parameter given twice is
    /// refused before anything is matched (see [`RedirectQuery::parse`]).
    pub fn complete(&mut self, redirect: &str, now: SystemTime) -> Result<Completed, PendingError> {
        let query = RedirectQuery::parse(redirect).map_err(PendingError::Malformed)?;
        let state = query.state.as_deref().ok_or(PendingError::Unknown)?;
        // Every entry is compared, so the time taken does not tell which one matched.
        let mut found = None;
        for (i, p) in self.entries.iter().enumerate() {
            if p.state.matches(state) {
                found = Some(i);
            }
        }
        let pending = self.entries.remove(found.ok_or(PendingError::Unknown)?);
        self.entries.retain(|p| !p.is_expired(now));
        if pending.is_expired(now) {
            return Err(PendingError::Expired {
                label: pending.label,
            });
        }
        let code = match query.into_code() {
            Ok(code) => code,
            Err(source) => {
                return Err(PendingError::Redirect {
                    label: pending.label,
                    source,
                });
            }
        };
        Ok(Completed {
            grant: AuthorizationGrant {
                code,
                pkce_verifier: pending.pkce_verifier,
                redirect_uri: pending.redirect_uri,
            },
            label: pending.label,
            nonce: pending.nonce,
        })
    }
}

mod sealed;

pub use sealed::{SealedPending, SealingKey};

#[cfg(test)]
mod tests;
