//! A fake Cal.com API for application tests (feature `mock`), and the typed `httpmock` mocks
//! generated from the spec ([`crate::generated_mock`]).
//!
//! [`FakeCalcom`] starts on `127.0.0.1` and answers the platform OAuth flow,
//! `POST /v2/oauth/{clientId}/authorize|exchange|refresh`, in Cal.com's wire shape: camelCase
//! JSON in the `{status, data}` envelope, expiries in epoch milliseconds, rotating refresh
//! tokens, and `{status: "error", timestamp, path, error: {code, message}}` with exception
//! names for every refusal. The state machine, faults, counters and clock come from
//! [`oauth_test_kit`]. (Cal.com's newer RFC 6749 flow under `/v2/auth/oauth2/` is not
//! served yet; the routes are split per flow so it can be added beside this one.)
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
//! use calcom_oauth::mock::FakeCalcom;
//!
//! let fake = FakeCalcom::start();
//! let client = fake.client();
//! let redirect = client.authorize("https://app.example/cb", Some(&fake.session())).await?;
//! let token = client.exchange_code(redirect.grant()).await?;
//! let source = TokenSource::builder(client, MemoryStore::new(), "user-1")
//!     .initial_token(token).clock(fake.clock()).build().await?;
//! source.access_token().await?;
//! fake.clock().advance(Duration::from_secs(3600)); // the access token expires
//! fake.fail_next(1, Fault::Status(503)); // and the first refresh meets an outage
//! source.access_token().await?;
//! assert_eq!(fake.counts().refresh, 1);
//! fake.revoke_all(); // the user removes the app
//! fake.clock().advance(Duration::from_secs(3600));
//! assert!(matches!(source.access_token().await, Err(Error::NeedsReauthorization { .. })));
//! # Ok(()) }
//! ```

mod platform;
mod routes;

use std::time::Duration;

use oauth_core::SessionCookie;
use oauth_test_kit::{FakeConfig, FakeServer, Lifetimes};

use crate::{CalcomClient, CalcomClientBuilder};

/// The OAuth client ID [`FakeCalcom::start`] registers.
pub const CLIENT_ID: &str = "fake-calcom-client";
/// The OAuth client secret [`FakeCalcom::start`] registers.
pub const CLIENT_SECRET: &str = "fake-calcom-secret";

/// Cal.com's lifetimes: access tokens 60 minutes, refresh tokens one year.
pub fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: Some(Duration::from_secs(3600)),
        refresh: Some(Duration::from_secs(365 * 24 * 3600)),
        ..Lifetimes::default()
    }
}

/// A fake Cal.com API on `127.0.0.1`; stops when dropped.
///
/// Dereferences to [`FakeServer`] for counters, faults, revocation, clock and grant state.
#[derive(Debug)]
pub struct FakeCalcom {
    server: FakeServer,
}

impl FakeCalcom {
    /// Starts one with [`CLIENT_ID`] and [`CLIENT_SECRET`], Cal.com's [`lifetimes`] and a
    /// manual clock at the current time.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test fixture: failing loudly is the point).
    pub fn start() -> Self {
        let config = FakeConfig::new(CLIENT_ID, Some(CLIENT_SECRET.into())).lifetimes(lifetimes());
        Self::start_with(config).expect("bind a port on 127.0.0.1")
    }

    /// A user's Cal.com session, for [`CalcomClient::authorize`]: the fake takes any session
    /// as a logged-in user who consents (and answers `401` without one).
    pub fn session(&self) -> SessionCookie {
        SessionCookie::new("__Secure-next-auth.session-token=fake-session")
    }
}

oauth_test_kit::fake_provider!(
    FakeCalcom,
    routes::CalcomRoutes,
    CalcomClient,
    CalcomClientBuilder
);
