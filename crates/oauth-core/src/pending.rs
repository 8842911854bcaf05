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
//! use oauth_core::pending::{PendingAuthorization, PendingAuthorizations, SealingKey};
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
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use serde::{Deserialize, Serialize};

use crate::authorize::{AuthorizationGrant, AuthorizationRequest, RedirectQuery};
use crate::error::Error;
use crate::secret::PkceVerifier;
use crate::state::CsrfState;

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

    /// Encrypts and authenticates the whole set under `key` (ChaCha20-Poly1305, a random
    /// nonce), bound to `purpose` (e.g. the cookie's name: a record sealed for one purpose
    /// does not open for another).
    pub fn seal(&self, key: &SealingKey, purpose: &[u8]) -> SealedPending {
        let plain = Plain {
            v: 1,
            entries: self.entries.iter().map(PlainEntry::from).collect(),
        };
        let mut buffer = serde_json::to_vec(&plain).unwrap_or_default();
        let nonce_bytes = crate::random::bytes::<NONCE_LEN>();
        let sealed = key.key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(purpose),
            &mut buffer,
        );
        // Sealing fails only for a message past ChaCha20's 256 GiB: not a set of 8 entries.
        if sealed.is_err() {
            buffer.clear();
        }
        let mut out = nonce_bytes.to_vec();
        out.extend_from_slice(&buffer);
        SealedPending(URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`PendingAuthorizations::seal`] wrote with the same key and purpose.
    pub fn open(key: &SealingKey, purpose: &[u8], sealed: &str) -> Result<Self, PendingError> {
        if sealed.len() > MAX_SEALED_LEN {
            return Err(PendingError::Sealed);
        }
        let mut bytes = URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| PendingError::Sealed)?;
        if bytes.len() < NONCE_LEN {
            return Err(PendingError::Sealed);
        }
        let mut body = bytes.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| PendingError::Sealed)?;
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(purpose), &mut body)
            .map_err(|_| PendingError::Sealed)?;
        let plain: Plain = serde_json::from_slice(plain).map_err(|_| PendingError::Sealed)?;
        if plain.v != 1 {
            return Err(PendingError::Sealed);
        }
        let entries = plain
            .entries
            .into_iter()
            .take(Self::MAX_ENTRIES)
            .map(PlainEntry::into_pending)
            .collect::<Option<_>>()
            .ok_or(PendingError::Sealed)?;
        Ok(Self { entries })
    }
}

/// A sealed [`PendingAuthorizations`]: URL-safe base64 text, fit for a cookie value, a session
/// or a database column (`serde` as a string).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SealedPending(String);

impl SealedPending {
    /// Wraps sealed text read back (from a cookie, a session).
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, taken.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for SealedPending {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedPending({} bytes)", self.0.len())
    }
}

/// A 256-bit key for [`PendingAuthorizations::seal`]. Every replica that may receive the
/// callback needs the same key. `Debug` shows nothing of it.
pub struct SealingKey {
    key: LessSafeKey,
}

impl SealingKey {
    /// A key from 32 bytes (e.g. `openssl rand -base64 32`, decoded).
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        // `new` refuses only a key of another length than the algorithm's 32 bytes.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, bytes)
            .expect("ChaCha20-Poly1305 takes a 32-byte key");
        Self {
            key: LessSafeKey::new(unbound),
        }
    }

    /// A key from standard or URL-safe base64 of 32 bytes; anything else is [`Error::Config`]
    /// (without the text).
    pub fn from_base64(text: &str) -> crate::error::Result<Self> {
        let text = text.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')));
        let bytes: [u8; 32] = decoded
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| Error::Config("a sealing key is base64 of exactly 32 bytes".into()))?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A random key: for one process (a restart forgets what it sealed), or tests.
    pub fn generate() -> Self {
        Self::from_bytes(&crate::random::bytes::<32>())
    }
}

impl fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SealingKey([redacted])")
    }
}

// Only what is sealed serializes: these private shapes exist inside `seal`/`open` alone.
#[derive(Serialize, Deserialize)]
struct Plain {
    v: u8,
    entries: Vec<PlainEntry>,
}

#[derive(Serialize, Deserialize)]
struct PlainEntry {
    state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pkce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    label: String,
    /// Seconds since the epoch.
    exp: u64,
}

impl From<&PendingAuthorization> for PlainEntry {
    fn from(p: &PendingAuthorization) -> Self {
        Self {
            state: p.state.secret().to_owned(),
            pkce: p.pkce_verifier.as_ref().map(|v| v.secret().to_owned()),
            redirect_uri: p.redirect_uri.clone(),
            nonce: p.nonce.clone(),
            label: p.label.clone(),
            // Before the epoch is long expired: 0 says so.
            exp: p
                .expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        }
    }
}

impl PlainEntry {
    /// `None` for an empty state (which [`CsrfState::new`] refuses).
    fn into_pending(self) -> Option<PendingAuthorization> {
        Some(PendingAuthorization {
            state: CsrfState::new(self.state).ok()?,
            pkce_verifier: self.pkce.map(PkceVerifier::new),
            redirect_uri: self.redirect_uri,
            nonce: self.nonce,
            label: self.label,
            // An instant `SystemTime` cannot hold is treated as already expired.
            expires_at: UNIX_EPOCH
                .checked_add(Duration::from_secs(self.exp))
                .unwrap_or(UNIX_EPOCH),
        })
    }
}

#[cfg(test)]
#[path = "pending_tests.rs"]
mod tests;
