//! A fake Cal.com API for application tests (feature `mock`), and the typed `httpmock` mocks
//! generated from the spec ([`crate::generated_mock`]).
//!
//! [`FakeCalcom`] starts on `127.0.0.1` and answers both of Cal.com's OAuth flows in their
//! wire shapes. The state machine, faults, counters and clock come from [`oauth_test_kit`],
//! shared by both flows.
//!
//! - **OAuth 2.0** (RFC 6749, [`crate::CalcomOAuth2Client`]): the web app's authorization page
//!   `GET /auth/oauth2/authorize` (consented without a person; [`FakeCalcom::authorize`] does
//!   the same in-process) and `POST /v2/auth/oauth2/token` (authorization code with PKCE,
//!   refresh with rotating refresh tokens, each valid once), answered with today's bare RFC
//!   6749 bodies: `{access_token, token_type: "bearer", refresh_token, expires_in: 1800,
//!   scope}`, and refusals as `{error, error_description}` with Cal.com's reason as the
//!   description (`refresh_token_revoked`, `pkce_verification_failed`, ...). One public and one
//!   confidential client are registered ([`OAUTH2_CLIENT_ID`],
//!   [`OAUTH2_CONFIDENTIAL_CLIENT_ID`]); [`FakeCalcom::oauth2_client`] builds either.
//! - **Platform** ([`crate::CalcomClient`]): `POST /v2/oauth/{clientId}/authorize|exchange|
//!   refresh`, camelCase JSON in the `{status, data}` envelope, expiries in epoch milliseconds,
//!   rotating refresh tokens, and `{status: "error", timestamp, path, error: {code, message}}`
//!   with exception names for every refusal.
//!
//! Throttling, outages and unknown paths are Cal.com's error envelope on both.
//!
//! An application's test of the OAuth 2.0 flow: log in with PKCE, use the token through a
//! `TokenSource`, force an expiry, survive a 503, and see needs-re-authorization once the user
//! removes the app.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> oauth_core::Result<()> {
//! use std::time::Duration;
//! use oauth_core::{AuthorizationCodeGrant, Error};
//! use oauth_lifecycle::{store::MemoryStore, TokenSource};
//! use oauth_test_kit::Fault;
//! use calcom_oauth::{AuthorizeParams, ClientKind, mock::FakeCalcom};
//!
//! let fake = FakeCalcom::start();
//! let client = fake.oauth2_client(ClientKind::Public);
//! let params = AuthorizeParams::new("https://app.example/cb").scope("BOOKING_READ");
//! let request = client.authorization_request(&params);
//! let redirect = fake.authorize(request.url().as_str()).expect("consent");
//! let token = client.exchange_code(&request.verify_redirect(redirect.as_str())?).await?;
//! let source = TokenSource::builder(client, MemoryStore::new(), "user-1")
//!     .initial_token(token).clock(fake.clock()).build().await?;
//! source.access_token().await?;
//! fake.clock().advance(Duration::from_secs(1800)); // the access token expires
//! fake.fail_next(1, Fault::Status(503)); // and the first refresh meets an outage
//! source.access_token().await?;
//! assert_eq!(fake.counts().refresh, 1);
//! fake.revoke_all(); // the user removes the app
//! fake.clock().advance(Duration::from_secs(1800));
//! assert!(matches!(source.access_token().await, Err(Error::NeedsReauthorization { .. })));
//! # Ok(()) }
//! ```
//!
//! The same through the platform flow:
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

mod oauth2;
mod platform;
mod routes;

use std::time::Duration;

use oauth_core::{ClientSecret, SessionCookie};
use oauth_test_kit::{FakeConfig, FakeServer, GrantError, Lifetimes};
use url::Url;

use crate::{
    CalcomClient, CalcomClientBuilder, CalcomOAuth2Client, CalcomOAuth2ClientBuilder, ClientKind,
};

/// The platform OAuth client ID [`FakeCalcom::start`] registers.
pub const CLIENT_ID: &str = "fake-calcom-client";
/// The platform OAuth client secret [`FakeCalcom::start`] registers.
pub const CLIENT_SECRET: &str = "fake-calcom-secret";
/// The public OAuth 2.0 client every [`FakeCalcom`] registers (PKCE, no secret).
pub const OAUTH2_CLIENT_ID: &str = "fake-calcom-oauth2-public";
/// The confidential OAuth 2.0 client every [`FakeCalcom`] registers, with
/// [`OAUTH2_CLIENT_SECRET`].
pub const OAUTH2_CONFIDENTIAL_CLIENT_ID: &str = "fake-calcom-oauth2-confidential";
/// The secret of [`OAUTH2_CONFIDENTIAL_CLIENT_ID`].
pub const OAUTH2_CLIENT_SECRET: &str = "fake-calcom-oauth2-secret";

/// Cal.com's platform lifetimes: access tokens 60 minutes, refresh tokens one year.
pub fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: Some(Duration::from_secs(3600)),
        refresh: Some(Duration::from_secs(365 * 24 * 3600)),
        ..Lifetimes::default()
    }
}

/// Cal.com's OAuth 2.0 lifetimes (`mintTokens`): access tokens 30 minutes, refresh tokens 30
/// days. The OAuth 2.0 clients keep them whatever the configuration says; change them with
/// [`oauth_test_kit::Grants::set_client_lifetimes`].
pub fn oauth2_lifetimes() -> Lifetimes {
    Lifetimes {
        access: Some(Duration::from_secs(1800)),
        refresh: Some(Duration::from_secs(30 * 24 * 3600)),
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
    /// Starts one with the platform client [`CLIENT_ID`] and [`CLIENT_SECRET`], Cal.com's
    /// platform [`lifetimes`] and a manual clock at the current time (the OAuth 2.0 clients
    /// are registered by every start).
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

    /// A builder for one of the registered OAuth 2.0 clients ([`OAUTH2_CLIENT_ID`], or
    /// [`OAUTH2_CONFIDENTIAL_CLIENT_ID`] with its secret), with the API and the web app both
    /// at the fake, on its clock.
    pub fn oauth2_client_builder(&self, kind: ClientKind) -> CalcomOAuth2ClientBuilder {
        let id = match kind {
            ClientKind::Public => OAUTH2_CLIENT_ID,
            ClientKind::Confidential => OAUTH2_CONFIDENTIAL_CLIENT_ID,
        };
        let builder = CalcomOAuth2Client::builder(id)
            .base_url(self.server.base_url())
            .app_url(self.server.base_url())
            .clock(self.server.clock());
        match kind {
            ClientKind::Public => builder,
            ClientKind::Confidential => {
                builder.client_secret(ClientSecret::new(OAUTH2_CLIENT_SECRET))
            }
        }
    }

    /// One of the registered OAuth 2.0 clients, pointed at the fake, on its clock.
    ///
    /// # Panics
    /// Never for the fake's own configuration (the builder's checks pass for it).
    pub fn oauth2_client(&self, kind: ClientKind) -> CalcomOAuth2Client {
        self.oauth2_client_builder(kind)
            .build()
            .expect("the fake's OAuth 2.0 client configuration is valid")
    }

    /// Answers an OAuth 2.0 authorization URL as the logged-in user consenting would: the
    /// redirect (`redirect_uri?code=...&state=...`) to hand to `verify_redirect`.
    ///
    /// Refusals Cal.com sends back to the app come as that redirect with `error`,
    /// `error_description` and `state` (a public client without a PKCE challenge:
    /// `invalid_request` / `pkce_required`; a method other than `S256`:
    /// `invalid_code_challenge_method`). Those its page shows instead are errors: an unknown
    /// client ([`GrantError::InvalidClient`]), a missing or relative `redirect_uri`.
    pub fn authorize(&self, authorization_url: &str) -> Result<Url, GrantError> {
        self.server
            .authorize_with(authorization_url, |grants, param| {
                oauth2::consent(grants, param)
            })
    }
}

oauth_test_kit::fake_provider!(
    FakeCalcom,
    routes::CalcomRoutes,
    CalcomClient,
    CalcomClientBuilder
);
