//! Counters of everything the fake did, so a test can assert "exactly one refresh".

use std::sync::atomic::{AtomicU64, Ordering};

/// What the fake has done so far. Grant counters count every request that reached the grant
/// logic, answered with tokens or refused; calls answered by an injected fault count only in
/// [`Counts::faults`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every request read.
    pub requests: u64,
    /// Calls answered by an injected fault.
    pub faults: u64,
    /// Authorize steps (codes requested).
    pub authorize: u64,
    /// Authorization code exchanges.
    pub code_exchange: u64,
    /// Refresh grants.
    pub refresh: u64,
    /// Client credentials grants.
    pub client_credentials: u64,
    /// JWT bearer grants.
    pub jwt_bearer: u64,
    /// Revocations.
    pub revocation: u64,
    /// Token info calls.
    pub introspection: u64,
    /// Tokens issued (successful grants).
    pub issued: u64,
    /// Refresh tokens presented again after their use (each revoked its grant).
    pub reused: u64,
    /// Refresh tokens presented after their lifetime ended.
    pub refresh_expired: u64,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Counter {
    Requests,
    Faults,
    Authorize,
    CodeExchange,
    Refresh,
    ClientCredentials,
    JwtBearer,
    Revocation,
    Introspection,
    Issued,
    Reused,
    RefreshExpired,
}

const N: usize = 12;

#[derive(Debug, Default)]
pub(crate) struct Counters([AtomicU64; N]);

impl Counters {
    pub(crate) fn bump(&self, counter: Counter) {
        self.0[counter as usize].fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn snapshot(&self) -> Counts {
        let get = |c: Counter| self.0[c as usize].load(Ordering::SeqCst);
        Counts {
            requests: get(Counter::Requests),
            faults: get(Counter::Faults),
            authorize: get(Counter::Authorize),
            code_exchange: get(Counter::CodeExchange),
            refresh: get(Counter::Refresh),
            client_credentials: get(Counter::ClientCredentials),
            jwt_bearer: get(Counter::JwtBearer),
            revocation: get(Counter::Revocation),
            introspection: get(Counter::Introspection),
            issued: get(Counter::Issued),
            reused: get(Counter::Reused),
            refresh_expired: get(Counter::RefreshExpired),
        }
    }
}
