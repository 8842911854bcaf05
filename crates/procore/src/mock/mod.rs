//! A fake Procore authorization server for application tests (feature `mock`), and the
//! typed `httpmock` mocks generated from the spec ([`crate::generated_mock`]).
//!
//! [`FakeProcore`] starts on `127.0.0.1` and answers `/oauth/authorize`, `/oauth/token`
//! (authorization code, rotating refresh, client credentials), `/oauth/revoke` and
//! `/oauth/token/info` in Procore's wire shape (Doorkeeper's): JSON bodies with the client
//! credentials inside, lower-case `bearer`, `expires_in` and `created_at` in seconds, no refresh
//! token (and no scope) for client credentials, token info with `expires_in_seconds` as a
//! string, `{error, error_description}` for OAuth errors and `{code, message, reason}` for the
//! rest. The state machine, faults, counters and clock come
//! from [`oauth_test_kit`].
//!
//! An application's test: log in, use the token through a `TokenSource`, force an expiry,
//! survive a 503, and see needs-re-authorization once the user revokes the app.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> oauth_core::Result<()> {
//! use std::time::Duration;
//! use oauth_core::{AuthorizationCodeGrant, Error};
//! use oauth_lifecycle::{store::MemoryStore, TokenSource};
//! use oauth_test_kit::Fault;
//! use procore_oauth::mock::FakeProcore;
//!
//! let fake = FakeProcore::start();
//! let client = fake.client();
//! let request = client.authorization_request("https://app.example/cb");
//! let redirect = fake.authorize(request.url().as_str()).expect("consent");
//! let token = client.exchange_code(&request.verify_redirect(redirect.as_str())?).await?;
//! let source = TokenSource::builder(client, MemoryStore::new(), "user-1")
//!     .initial_token(token).clock(fake.clock()).build().await?;
//! source.access_token().await?;
//! fake.clock().advance(Duration::from_secs(5400)); // the access token expires
//! fake.fail_next(1, Fault::Status(503)); // and the first refresh meets an outage
//! source.access_token().await?;
//! assert_eq!(fake.counts().refresh, 1);
//! fake.revoke_all(); // the user removes the app
//! fake.clock().advance(Duration::from_secs(5400));
//! assert!(matches!(source.access_token().await, Err(Error::NeedsReauthorization { .. })));
//! # Ok(()) }
//! ```

mod routes;

use std::time::Duration;

use oauth_test_kit::{FakeConfig, FakeServer, GrantError, Lifetimes};
use url::Url;

use crate::{ProcoreClient, ProcoreClientBuilder};

/// The client ID [`FakeProcore::start`] registers.
pub const CLIENT_ID: &str = "fake-procore-client";
/// The client secret [`FakeProcore::start`] registers.
pub const CLIENT_SECRET: &str = "fake-procore-secret";
/// The company ID the fake's clients send (`Procore-Company-Id`).
pub const COMPANY_ID: i64 = 1;

/// Procore's lifetimes: access tokens 5400 s (90 minutes); refresh tokens until used.
pub fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: Some(Duration::from_secs(5400)),
        refresh: None,
        ..Lifetimes::default()
    }
}

/// A fake Procore authorization server on `127.0.0.1`; stops when dropped.
///
/// Dereferences to [`FakeServer`] for counters, faults, revocation, clock and grant state.
#[derive(Debug)]
pub struct FakeProcore {
    server: FakeServer,
}

impl FakeProcore {
    /// Starts one with a confidential client ([`CLIENT_ID`], [`CLIENT_SECRET`]), Procore's
    /// [`lifetimes`], a numeric user id and a manual clock at the current time.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test fixture: failing loudly is the point).
    pub fn start() -> Self {
        let config = FakeConfig::new(CLIENT_ID, Some(CLIENT_SECRET.into()))
            .lifetimes(lifetimes())
            .subject("4242");
        Self::start_with(config).expect("bind a port on 127.0.0.1")
    }

    /// Answers an authorization URL as the user consenting would: the redirect
    /// (`redirect_uri?code=...&state=...`) to hand to `verify_redirect`.
    pub fn authorize(&self, authorization_url: &str) -> Result<Url, GrantError> {
        self.server.authorize(authorization_url, None)
    }
}

oauth_test_kit::fake_provider!(
    FakeProcore,
    routes::ProcoreRoutes,
    ProcoreClient,
    ProcoreClientBuilder,
    |builder| builder.company_id(COMPANY_ID)
);
