//! The authorization server's state: clients, codes, grants and their tokens.
//!
//! Every token belongs to a grant (one user's consent to one client). A grant holds one live
//! access token and at most one live refresh token; a refresh replaces both (rotation) and
//! the refresh token sent stops working, so presenting it again is `invalid_grant`.
//! Revoking any token of a grant revokes the grant.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use base64::Engine;
use ring::digest::{SHA256, digest};

use super::counts::{Counter, Counters};
use super::values::{AccessInfo, CodeExchange, CodeRequest, GrantError, Issued, Lifetimes};
use oauth_core::Clock;

mod clients;
mod seed;

use clients::Client;

struct Code {
    request: CodeRequest,
    expires_at: SystemTime,
    used: bool,
}

struct Grant {
    client_id: String,
    subject: String,
    scope: Option<String>,
    revoked: bool,
}

struct AccessRecord {
    grant: u64,
    issued_at: SystemTime,
    expires_at: Option<SystemTime>,
}

struct RefreshRecord {
    grant: u64,
    expires_at: Option<SystemTime>,
    used: bool,
}

#[derive(Default)]
struct State {
    clients: HashMap<String, Client>,
    codes: HashMap<String, Code>,
    grants: HashMap<u64, Grant>,
    access: HashMap<String, AccessRecord>,
    refresh: HashMap<String, RefreshRecord>,
    next_grant: u64,
}

/// The state machine behind a fake: thread-safe, shared by the server and the test.
pub struct Grants {
    state: Mutex<State>,
    lifetimes: Mutex<Lifetimes>,
    clock: Arc<dyn Clock>,
    subject: String,
    pub(crate) counters: Counters,
    meter: seed::Meter,
    revoke_on_reuse: std::sync::atomic::AtomicBool,
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants")
            .field("counts", &self.counters.snapshot())
            .finish_non_exhaustive()
    }
}

impl Grants {
    pub(crate) fn new(clock: Arc<dyn Clock>, lifetimes: Lifetimes, subject: String) -> Self {
        Self {
            state: Mutex::new(State::default()),
            lifetimes: Mutex::new(lifetimes),
            clock,
            subject,
            counters: Counters::default(),
            meter: seed::Meter::default(),
            revoke_on_reuse: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every update below leaves the maps consistent before it can panic, so a poisoned
        // lock still guards good state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The lifetimes in force for clients without lifetimes of their own
    /// ([`Grants::set_client_lifetimes`]).
    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Changes the lifetimes of tokens issued from now on to clients without lifetimes of
    /// their own.
    pub fn set_lifetimes(&self, lifetimes: Lifetimes) {
        *self.lifetimes.lock().unwrap_or_else(|p| p.into_inner()) = lifetimes;
    }

    /// The fake's clock.
    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    /// The authorize step, answered as if the user consented: a code bound to the request.
    pub fn issue_code(&self, request: CodeRequest) -> Result<String, GrantError> {
        self.counters.bump(Counter::Authorize);
        if !self.knows_client(&request.client_id) {
            return Err(GrantError::InvalidClient);
        }
        if let Some(method) = &request.code_challenge_method
            && method != "S256"
            && method != "plain"
        {
            return Err(GrantError::InvalidRequest(format!(
                "unsupported code_challenge_method {method}"
            )));
        }
        let code = random("code");
        let mut state = self.state();
        let expires_at = self.now() + self.lifetimes_of(&state, &request.client_id).code;
        state.codes.insert(
            code.clone(),
            Code {
                request,
                expires_at,
                used: false,
            },
        );
        Ok(code)
    }

    /// The authorization code grant.
    pub fn exchange_code(&self, exchange: CodeExchange) -> Result<Issued, GrantError> {
        self.counters.bump(Counter::CodeExchange);
        let now = self.now();
        let mut state = self.state();
        let Some(code) = state.codes.get_mut(&exchange.code) else {
            return Err(invalid_grant("authorization code is unknown"));
        };
        if code.used {
            return Err(invalid_grant("authorization code was already used"));
        }
        // Used even when the checks below fail: a code is good for one attempt.
        code.used = true;
        if now >= code.expires_at {
            return Err(invalid_grant("authorization code expired"));
        }
        let request = code.request.clone();
        if request.client_id != exchange.client_id {
            return Err(invalid_grant(
                "authorization code was issued to another client",
            ));
        }
        if exchange.check_redirect_uri && request.redirect_uri != exchange.redirect_uri {
            return Err(invalid_grant(
                "redirect_uri does not match the authorization request",
            ));
        }
        if let Some(challenge) = &request.code_challenge {
            let Some(verifier) = &exchange.code_verifier else {
                return Err(invalid_grant("code_verifier is required"));
            };
            let computed = match request.code_challenge_method.as_deref() {
                Some("S256") => base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(digest(&SHA256, verifier.as_bytes())),
                _ => verifier.clone(),
            };
            if &computed != challenge {
                return Err(invalid_grant("code_verifier does not match the challenge"));
            }
        }
        let grant = new_grant(
            &mut state,
            request.client_id,
            self.subject.clone(),
            request.scope,
        );
        Ok(self.issue(&mut state, grant, true, now))
    }

    /// The refresh grant: valid once; the answer carries a new refresh token.
    pub fn refresh(&self, client_id: &str, refresh_token: &str) -> Result<Issued, GrantError> {
        self.counters.bump(Counter::Refresh);
        let now = self.now();
        let mut state = self.state();
        let Some(record) = state.refresh.get_mut(refresh_token) else {
            return Err(invalid_grant("refresh token is unknown"));
        };
        if record.used {
            // Reuse detection (RFC 9700 §4.14.2), when on: a rotated refresh token presented
            // again may have been stolen, so the whole grant is revoked.
            let grant = record.grant;
            self.counters.bump(Counter::Reused);
            if self
                .revoke_on_reuse
                .load(std::sync::atomic::Ordering::SeqCst)
                && let Some(grant) = state.grants.get_mut(&grant)
            {
                grant.revoked = true;
            }
            return Err(invalid_grant("refresh token was already used"));
        }
        if record.expires_at.is_some_and(|at| now >= at) {
            self.counters.bump(Counter::RefreshExpired);
            return Err(invalid_grant("refresh token expired"));
        }
        let grant_id = record.grant;
        let Some(grant) = state.grants.get(&grant_id) else {
            return Err(invalid_grant("refresh token is unknown"));
        };
        if grant.revoked {
            return Err(invalid_grant("refresh token was revoked"));
        }
        if grant.client_id != client_id {
            return Err(invalid_grant("refresh token was issued to another client"));
        }
        if let Some(record) = state.refresh.get_mut(refresh_token) {
            record.used = true;
        }
        // The access token the refresh replaces stops working with it.
        state.access.retain(|_, a| a.grant != grant_id);
        Ok(self.issue(&mut state, grant_id, true, now))
    }

    /// The client credentials grant: a token for the client itself, without refresh token.
    pub fn client_credentials(
        &self,
        client_id: &str,
        scope: Option<String>,
    ) -> Result<Issued, GrantError> {
        self.counters.bump(Counter::ClientCredentials);
        let now = self.now();
        let mut state = self.state();
        let grant = new_grant(
            &mut state,
            client_id.to_owned(),
            client_id.to_owned(),
            scope,
        );
        Ok(self.issue(&mut state, grant, false, now))
    }

    /// The JWT bearer grant (RFC 7523): any assertion shaped like a JWT (three base64url
    /// parts) is taken as signed by a key the fake trusts.
    pub fn jwt_bearer(&self, client_id: &str, assertion: &str) -> Result<Issued, GrantError> {
        self.counters.bump(Counter::JwtBearer);
        let parts: Vec<&str> = assertion.split('.').collect();
        let url_safe = |p: &str| {
            p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if parts.len() != 3
            || parts[..2].iter().any(|p| p.is_empty())
            || !parts.iter().all(|p| url_safe(p))
        {
            return Err(invalid_grant("assertion is not a JWT"));
        }
        let now = self.now();
        let mut state = self.state();
        let grant = new_grant(&mut state, client_id.to_owned(), self.subject.clone(), None);
        Ok(self.issue(&mut state, grant, true, now))
    }

    /// Revokes the grant that `token` (access or refresh) belongs to; false when unknown.
    pub fn revoke(&self, token: &str) -> bool {
        self.counters.bump(Counter::Revocation);
        let mut state = self.state();
        let grant = state
            .access
            .get(token)
            .map(|a| a.grant)
            .or_else(|| state.refresh.get(token).map(|r| r.grant));
        match grant.and_then(|g| state.grants.get_mut(&g)) {
            Some(grant) => {
                grant.revoked = true;
                true
            }
            None => false,
        }
    }

    /// Revokes every grant, as when the user removes the application: each token issued so
    /// far stops working, and the next refresh is `invalid_grant`.
    pub fn revoke_all(&self) {
        for grant in self.state().grants.values_mut() {
            grant.revoked = true;
        }
    }

    /// Reports on a live access token; [`GrantError::InvalidToken`] for any other.
    pub fn introspect(&self, access_token: &str) -> Result<AccessInfo, GrantError> {
        self.counters.bump(Counter::Introspection);
        let now = self.now();
        let state = self.state();
        let record = state
            .access
            .get(access_token)
            .ok_or(GrantError::InvalidToken)?;
        let grant = state
            .grants
            .get(&record.grant)
            .filter(|g| !g.revoked)
            .ok_or(GrantError::InvalidToken)?;
        let expires_in = match record.expires_at {
            Some(at) => Some(
                at.duration_since(now)
                    .map_err(|_| GrantError::InvalidToken)?,
            ),
            None => None,
        };
        if expires_in == Some(Duration::ZERO) {
            return Err(GrantError::InvalidToken);
        }
        Ok(AccessInfo {
            client_id: grant.client_id.clone(),
            subject: grant.subject.clone(),
            scope: grant.scope.clone(),
            issued_at: record.issued_at,
            expires_in,
        })
    }

    /// How many grants are live (not revoked).
    pub fn live_grants(&self) -> usize {
        self.state().grants.values().filter(|g| !g.revoked).count()
    }

    fn issue(
        &self,
        state: &mut State,
        grant_id: u64,
        with_refresh: bool,
        now: SystemTime,
    ) -> Issued {
        let (client_id, subject, scope) = state
            .grants
            .get(&grant_id)
            .map(|g| (g.client_id.clone(), g.subject.clone(), g.scope.clone()))
            .unwrap_or_default();
        let lifetimes = self.lifetimes_of(state, &client_id);
        let access_token = random("at");
        state.access.insert(
            access_token.clone(),
            AccessRecord {
                grant: grant_id,
                issued_at: now,
                expires_at: lifetimes
                    .access
                    .map(|d| oauth_core::runtime::time::after(now, d)),
            },
        );
        let refresh_token = (with_refresh && lifetimes.issue_refresh).then(|| {
            let token = random("rt");
            state.refresh.insert(
                token.clone(),
                RefreshRecord {
                    grant: grant_id,
                    expires_at: lifetimes
                        .refresh
                        .map(|d| oauth_core::runtime::time::after(now, d)),
                    used: false,
                },
            );
            token
        });
        self.counters.bump(Counter::Issued);
        Issued {
            refresh_expires_in: refresh_token.as_ref().and(lifetimes.refresh),
            access_token,
            refresh_token,
            issued_at: now,
            expires_in: lifetimes.access,
            scope,
            subject,
            client_id,
        }
    }
}

fn new_grant(state: &mut State, client_id: String, subject: String, scope: Option<String>) -> u64 {
    state.next_grant += 1;
    let id = state.next_grant;
    state.grants.insert(
        id,
        Grant {
            client_id,
            subject,
            scope,
            revoked: false,
        },
    );
    id
}

fn invalid_grant(why: &str) -> GrantError {
    GrantError::InvalidGrant(why.to_owned())
}

/// An opaque token: a prefix and 128 random bits, base64url.
fn random(prefix: &str) -> String {
    let bytes: [u8; 16] = oauth_core::runtime::random::bytes();
    format!(
        "fake-{prefix}-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use oauth_core::ManualClock;

    fn grants() -> (Grants, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock::new(
            UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        ));
        let grants = Grants::new(clock.clone(), Lifetimes::default(), "user".into());
        grants.register_client("app", Some("secret"));
        grants.register_client("other", None);
        (grants, clock)
    }

    fn code(grants: &Grants, challenge: Option<(&str, &str)>) -> String {
        grants
            .issue_code(CodeRequest {
                client_id: "app".into(),
                redirect_uri: Some("https://a.example/cb".into()),
                code_challenge: challenge.map(|c| c.0.to_owned()),
                code_challenge_method: challenge.map(|c| c.1.to_owned()),
                ..CodeRequest::default()
            })
            .unwrap()
    }

    fn exchange(client_id: &str, code: String, verifier: Option<&str>) -> CodeExchange {
        CodeExchange {
            client_id: client_id.into(),
            code,
            redirect_uri: Some("https://a.example/cb".into()),
            code_verifier: verifier.map(str::to_owned),
            check_redirect_uri: true,
        }
    }

    #[test]
    fn pkce_plain_and_s256_and_codes_of_other_clients() {
        let (g, _) = grants();
        let c = code(&g, Some(("verifier-1", "plain")));
        assert!(
            g.exchange_code(exchange("app", c, Some("verifier-1")))
                .is_ok()
        );
        // RFC 7636 appendix B.
        let s256 = code(
            &g,
            Some(("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "S256")),
        );
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert!(
            g.exchange_code(exchange("app", s256, Some(verifier)))
                .is_ok()
        );
        let missing = code(&g, Some(("x", "S256")));
        assert!(matches!(
            g.exchange_code(exchange("app", missing, None)),
            Err(GrantError::InvalidGrant(_))
        ));
        let theirs = code(&g, None);
        assert!(matches!(
            g.exchange_code(exchange("other", theirs, None)),
            Err(GrantError::InvalidGrant(_))
        ));
        assert!(
            g.issue_code(CodeRequest {
                client_id: "app".into(),
                code_challenge_method: Some("S512".into()),
                ..CodeRequest::default()
            })
            .is_err()
        );
    }

    #[test]
    fn lifetimes_expire_access_and_refresh_tokens() {
        let (g, clock) = grants();
        let issued = g
            .exchange_code(exchange("app", code(&g, None), None))
            .unwrap();
        assert_eq!(
            g.introspect(&issued.access_token).unwrap().expires_in,
            Some(Duration::from_secs(3600))
        );
        clock.advance(Duration::from_secs(3600));
        assert_eq!(
            g.introspect(&issued.access_token),
            Err(GrantError::InvalidToken)
        );
        // The refresh token outlives it (a week), then expires too.
        let next = g
            .refresh("app", issued.refresh_token.as_deref().unwrap())
            .unwrap();
        assert!(g.introspect(&next.access_token).is_ok());
        clock.advance(Duration::from_secs(7 * 24 * 3600));
        assert!(matches!(
            g.refresh("app", next.refresh_token.as_deref().unwrap()),
            Err(GrantError::InvalidGrant(_))
        ));
        // A refresh replaces the access token it renews.
        assert_eq!(
            g.introspect(&issued.access_token),
            Err(GrantError::InvalidToken)
        );
    }

    #[test]
    fn set_lifetimes_applies_to_tokens_issued_afterwards() {
        let (g, _) = grants();
        g.set_lifetimes(Lifetimes {
            access: Some(Duration::from_secs(5)),
            issue_refresh: false,
            ..Lifetimes::default()
        });
        let issued = g
            .exchange_code(exchange("app", code(&g, None), None))
            .unwrap();
        assert_eq!(issued.expires_in, Some(Duration::from_secs(5)));
        assert!(issued.refresh_token.is_none());
        assert!(!format!("{issued:?}").contains(&issued.access_token));
    }
}
