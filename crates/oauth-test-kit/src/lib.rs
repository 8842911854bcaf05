//! A fake authorization server for application tests: the provider-neutral
//! half. It owns the HTTP/1.1 loop on 127.0.0.1, the grant state machine (codes bound to a
//! redirect URI, state and PKCE challenge; rotating refresh tokens, each valid once;
//! revocation; client credentials and JWT grants), fault injection, counters and the clock.
//! It knows no provider: each provider crate's `mock` feature adds a [`Routes`] with its
//! paths, request parsing and exact wire shapes, and a typed wrapper over [`FakeServer`].
//!
//! A fake binds `127.0.0.1:0` and serves from a thread of its own (a current-thread tokio
//! runtime), so it works from async and plain tests alike and any number can run in parallel;
//! start, one request and stop take a few milliseconds (`cargo bench -p oauth-test-kit
//! --bench fake_start`). Dropping it stops it and closes its connections.

mod counts;
mod fault;
mod grants;
mod hold;
mod provider;
mod server;
pub mod terminal;
mod time;
mod values;
mod wire;

use std::sync::Arc;
use std::time::Duration;

pub use counts::Counts;
pub use fault::Fault;
pub use grants::Grants;
pub use time::{epoch_millis, epoch_secs, iso8601_millis};
pub use values::{AccessInfo, CodeExchange, CodeRequest, GrantError, Issued, Lifetimes};
pub use wire::{Request, Response};

use counts::Counter;
use oauth_core::ManualClock;

/// A provider's side of a fake: which paths exist and how each answer looks on the wire.
pub trait Routes: Send + Sync + 'static {
    /// Answers one request from the grant state.
    fn answer(&self, request: &Request, grants: &Grants) -> Response;

    /// The provider's answer for an injected failure with `status` (5xx, 429), in its real
    /// error shape. The fake adds `Retry-After` to 429s.
    fn failure(&self, status: u16, request: &Request) -> Response;

    /// Called once as the fake starts, after the configured client is registered: registers
    /// what these routes serve beyond it (the clients of a provider's other flow, with their
    /// lifetimes). Nothing by default.
    fn prepare(&self, grants: &Grants) {
        let _ = grants;
    }
}

/// Configuration of a fake: the registered client, lifetimes and clock.
#[derive(Clone)]
pub struct FakeConfig {
    client_id: String,
    client_secret: Option<String>,
    lifetimes: Lifetimes,
    clock: Arc<ManualClock>,
    subject: String,
}

impl std::fmt::Debug for FakeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeConfig")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

impl FakeConfig {
    /// One registered client; `client_secret: None` registers a public client.
    pub fn new(client_id: impl Into<String>, client_secret: Option<String>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret,
            lifetimes: Lifetimes::default(),
            // Whole seconds, as the wire's `created_at`/`expires_in` are: expiries a test
            // computes from the clock then match the client's to the millisecond.
            clock: Arc::new(ManualClock::new(
                std::time::UNIX_EPOCH
                    + Duration::from_secs(time::epoch_secs(std::time::SystemTime::now())),
            )),
            subject: "fake-user-1".into(),
        }
    }

    /// Token lifetimes.
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// The clock expiries are computed with (default: a manual clock at the current time,
    /// in whole seconds).
    /// The provider fakes hand it to the clients they build, so advancing it expires tokens
    /// on both sides at once.
    pub fn clock(mut self, clock: Arc<ManualClock>) -> Self {
        self.clock = clock;
        self
    }

    /// The user every consent is given as (the resource owner id in answers).
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = subject.into();
        self
    }

    /// The registered client ID.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The registered client secret, typed for a client builder.
    pub fn client_secret(&self) -> Option<oauth_core::ClientSecret> {
        self.client_secret
            .as_deref()
            .map(oauth_core::ClientSecret::new)
    }
}

/// State shared by the server thread and the test.
pub(crate) struct Shared {
    grants: Grants,
    faults: fault::Faults,
    gate: hold::Gate,
}

impl Shared {
    pub(crate) fn grants(&self) -> &Grants {
        &self.grants
    }

    /// Counts the request and takes the fault that answers it, if one is queued.
    pub(crate) fn next_fault(&self) -> Option<Fault> {
        self.grants.counters.bump(Counter::Requests);
        let fault = self.faults.pop();
        if fault.is_some() {
            self.grants.counters.bump(Counter::Faults);
        }
        fault
    }
}

/// A running fake authorization server on `127.0.0.1`.
pub struct FakeServer {
    shared: Arc<Shared>,
    config: FakeConfig,
    running: server::Running,
}

impl std::fmt::Debug for FakeServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeServer")
            .field("base_url", &self.base_url())
            .field("config", &self.config)
            .field("counts", &self.counts())
            .finish()
    }
}

impl FakeServer {
    /// Binds `127.0.0.1:0` and starts serving `routes`.
    pub fn start(routes: impl Routes, config: FakeConfig) -> std::io::Result<Self> {
        let grants = Grants::new(
            config.clock.clone(),
            config.lifetimes.clone(),
            config.subject.clone(),
        );
        grants.register_client(&config.client_id, config.client_secret.as_deref());
        routes.prepare(&grants);
        let shared = Arc::new(Shared {
            grants,
            faults: fault::Faults::default(),
            gate: hold::Gate::default(),
        });
        let running = server::Running::start(shared.clone(), Arc::new(routes))?;
        Ok(Self {
            shared,
            config,
            running,
        })
    }

    /// `http://127.0.0.1:<port>`: the base URL to point a client at.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.running.addr)
    }

    /// The clock the fake computes expiries with; advance it to expire tokens.
    pub fn clock(&self) -> Arc<ManualClock> {
        self.config.clock.clone()
    }

    /// The configuration it was started with.
    pub fn config(&self) -> &FakeConfig {
        &self.config
    }

    /// The grant state, to issue codes, revoke grants or change lifetimes from a test.
    pub fn grants(&self) -> &Grants {
        &self.shared.grants
    }

    /// What the fake has done so far.
    pub fn counts(&self) -> Counts {
        self.shared.grants.counters.snapshot()
    }

    /// Holds every request from now on unanswered, before the grant logic, until
    /// [`FakeServer::release_requests`]; a held request whose client hangs up is dropped
    /// unserved (its refresh token is not spent).
    pub fn hold_requests(&self) {
        self.shared.gate.set_open(false);
    }

    /// Lets held and later requests through.
    pub fn release_requests(&self) {
        self.shared.gate.set_open(true);
    }

    /// How many requests are held now.
    pub fn held_requests(&self) -> usize {
        self.shared.gate.held()
    }

    /// Makes the next `times` calls (to any endpoint) fail with `fault`, after those already
    /// queued.
    pub fn fail_next(&self, times: usize, fault: Fault) {
        self.shared.faults.push(times, fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// Revokes every grant, as when the user removes the application.
    pub fn revoke_all(&self) {
        self.shared.grants.revoke_all();
    }

    /// Answers an authorization URL as if the user logged in and consented: issues a code
    /// bound to the URL's `client_id`, `redirect_uri`, `scope` and PKCE challenge, and returns
    /// the redirect the browser would follow (`redirect_uri?code=...&state=...`).
    ///
    /// The URL's `redirect_uri` is used, else `default_redirect` (providers whose apps
    /// register one); an unknown client or a URL without either is an error.
    pub fn authorize(
        &self,
        authorization_url: &str,
        default_redirect: Option<&str>,
    ) -> Result<url::Url, GrantError> {
        self.authorize_with(authorization_url, |grants, param| {
            consent(grants, param, default_redirect)
        })
    }

    /// [`FakeServer::authorize`] for a provider whose consent page follows rules of its own:
    /// `consent` gets the grant state and the authorization URL's query parameters by name.
    pub fn authorize_with(
        &self,
        authorization_url: &str,
        consent: impl FnOnce(&Grants, &dyn Fn(&str) -> Option<String>) -> Result<url::Url, GrantError>,
    ) -> Result<url::Url, GrantError> {
        let url = url::Url::parse(authorization_url)
            .map_err(|e| GrantError::InvalidRequest(format!("not a URL: {e}")))?;
        let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
        let param = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        consent(self.grants(), &param)
    }
}

/// The authorize step of RFC 6749 §4.1.1 with the user's consent taken as given: checks
/// `response_type`, `client_id` and the redirect URI, issues a code bound to the request, and
/// returns the redirect (`redirect_uri?code=...&state=...`). `param` reads the request's
/// parameters (query or form); `default_redirect` stands in for a missing `redirect_uri`.
pub fn consent(
    grants: &Grants,
    param: &dyn Fn(&str) -> Option<String>,
    default_redirect: Option<&str>,
) -> Result<url::Url, GrantError> {
    if param("response_type").as_deref() != Some("code") {
        return Err(GrantError::InvalidRequest(
            "response_type must be `code`".into(),
        ));
    }
    let client_id = param("client_id")
        .filter(|c| !c.is_empty())
        .ok_or_else(|| GrantError::InvalidRequest("client_id is missing".into()))?;
    let redirect_uri = param("redirect_uri").filter(|r| !r.is_empty());
    let target = redirect_uri
        .clone()
        .or_else(|| default_redirect.map(str::to_owned))
        .ok_or_else(|| GrantError::InvalidRequest("redirect_uri is missing".into()))?;
    let mut target = url::Url::parse(&target)
        .map_err(|e| GrantError::InvalidRequest(format!("redirect_uri: {e}")))?;
    let code = grants.issue_code(CodeRequest {
        client_id,
        redirect_uri,
        scope: param("scope"),
        code_challenge: param("code_challenge"),
        code_challenge_method: param("code_challenge_method"),
    })?;
    {
        let mut query = target.query_pairs_mut();
        query.append_pair("code", &code);
        if let Some(state) = param("state") {
            query.append_pair("state", &state);
        }
    }
    Ok(target)
}
