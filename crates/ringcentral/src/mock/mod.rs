//! A fake RingCentral authorization server for application tests (feature `mock`), and the
//! typed `httpmock` mocks generated from the spec ([`crate::generated_mock`]).
//!
//! [`FakeRingCentral`] starts on `127.0.0.1` and answers `/restapi/oauth/authorize`,
//! `/restapi/oauth/token` (authorization code with PKCE, rotating refresh, JWT bearer) and
//! `/restapi/oauth/revoke` in RingCentral's wire shape: form bodies, HTTP Basic or a body
//! `client_id`, `expires_in`/`refresh_token_expires_in`/`owner_id`/`endpoint_id`, and the
//! `{error, error_description, errors: [{errorCode, message, parameterName}]}` error body.
//! The state machine, faults, counters and clock come from [`oauth_test_kit`].
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
//! use ringcentral_oauth::{AuthorizeParams, mock::FakeRingCentral};
//!
//! let fake = FakeRingCentral::start();
//! let client = fake.client();
//! let request = client.authorization_request(&AuthorizeParams::new("https://app.example/cb"));
//! let redirect = fake.authorize(request.url().as_str()).expect("consent");
//! let token = client.exchange_code(&request.verify_redirect(redirect.as_str())?).await?;
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

mod routes;

use std::time::Duration;

use oauth_test_kit::{FakeConfig, FakeServer, GrantError, Lifetimes};
use url::Url;

use crate::{RingCentralClient, RingCentralClientBuilder};

/// The client ID [`FakeRingCentral::start`] registers.
pub const CLIENT_ID: &str = "fake-ringcentral-client";
/// The client secret [`FakeRingCentral::start`] registers.
pub const CLIENT_SECRET: &str = "fake-ringcentral-secret";

/// RingCentral's lifetimes: access tokens one hour, refresh tokens one week.
pub fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: Some(Duration::from_secs(3600)),
        refresh: Some(Duration::from_secs(604_800)),
        ..Lifetimes::default()
    }
}

/// A fake RingCentral authorization server on `127.0.0.1`; stops when dropped.
///
/// Dereferences to [`FakeServer`] for counters, faults, revocation and the grant state.
#[derive(Debug)]
pub struct FakeRingCentral {
    server: FakeServer,
}

impl FakeRingCentral {
    /// Starts one with a confidential client ([`CLIENT_ID`], [`CLIENT_SECRET`]), RingCentral's
    /// [`lifetimes`] and a manual clock at the current time ([`FakeServer::clock`]).
    ///
    /// # Panics
    /// When no loopback port can be bound (a test fixture: failing loudly is the point).
    pub fn start() -> Self {
        let config = FakeConfig::new(CLIENT_ID, Some(CLIENT_SECRET.into())).lifetimes(lifetimes());
        Self::start_with(config).expect("bind a port on 127.0.0.1")
    }

    /// Answers an authorization URL as the user consenting would: the redirect
    /// (`redirect_uri?code=...&state=...`) to hand to `verify_redirect`.
    pub fn authorize(&self, authorization_url: &str) -> Result<Url, GrantError> {
        self.server.authorize(authorization_url, None)
    }
}

oauth_test_kit::fake_provider!(
    FakeRingCentral,
    routes::RingCentralRoutes,
    RingCentralClient,
    RingCentralClientBuilder
);
