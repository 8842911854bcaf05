//! A fake Sunshine Conversations OAuth bridge for application tests (feature `mock`), and the
//! typed `httpmock` mocks generated from the spec ([`crate::generated_mock`]).
//!
//! [`FakeSunshine`] starts on `127.0.0.1` and answers `/oauth/authorize`, `/oauth/token`,
//! `/v2/tokenInfo` and `DELETE /oauth/authorization` in Sunshine's wire shape: JSON token
//! requests with the client credentials inside, `{access_token, token_type: "Bearer"}` with no
//! expiry and no refresh token (valid until revoked), `{app: {...}}` token info, and
//! `{errors: [{code, title}]}` for every error. The state machine, faults, counters and clock
//! come from [`oauth_test_kit`].
//!
//! Sunshine tokens neither expire nor refresh, so there is no `TokenSource` in an application's
//! test; what there is to test is logging in, surviving an outage, and noticing that the user
//! removed the integration:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> oauth_core::Result<()> {
//! use oauth_core::{AuthorizationCodeGrant, TokenIntrospection};
//! use oauth_test_kit::Fault;
//! use sunshine_conversations_oauth::mock::FakeSunshine;
//!
//! let fake = FakeSunshine::start();
//! let client = fake.client();
//! let request = client.authorization_request(Some("https://app.example/cb"));
//! let redirect = fake.authorize(request.url().as_str()).expect("consent");
//! let token = client.exchange_code(&request.verify_redirect(redirect.as_str())?).await?;
//! let app = client.token_info(token.access_token()).await?.app.expect("an app");
//! assert_eq!(app.subdomain.as_deref(), Some("fake-app"));
//! fake.fail_next(1, Fault::Status(503)); // an outage: transient, worth a retry
//! assert!(client.token_info(token.access_token()).await.unwrap_err().is_transient());
//! fake.revoke_all(); // the user removes the integration
//! let gone = client.token_info(token.access_token()).await.unwrap_err();
//! assert_eq!(gone.status(), Some(401)); // the token was revoked: re-authorize
//! assert_eq!(fake.counts().code_exchange, 1);
//! # Ok(()) }
//! ```

mod routes;

use oauth_test_kit::{FakeConfig, FakeServer, GrantError, Lifetimes};
use url::Url;

use crate::{SunshineClient, SunshineClientBuilder};

/// The client ID [`FakeSunshine::start`] registers.
pub const CLIENT_ID: &str = "fake-sunshine-client";
/// The client secret [`FakeSunshine::start`] registers.
pub const CLIENT_SECRET: &str = "fake-sunshine-secret";

/// Sunshine's lifetimes: tokens never expire and come without refresh token.
pub fn lifetimes() -> Lifetimes {
    Lifetimes {
        access: None,
        refresh: None,
        issue_refresh: false,
        ..Lifetimes::default()
    }
}

/// A fake Sunshine Conversations OAuth bridge on `127.0.0.1`; stops when dropped.
///
/// Dereferences to [`FakeServer`] for counters, faults, revocation, clock and grant state.
#[derive(Debug)]
pub struct FakeSunshine {
    server: FakeServer,
}

impl FakeSunshine {
    /// Starts one with [`CLIENT_ID`] and [`CLIENT_SECRET`], Sunshine's [`lifetimes`] and a
    /// manual clock at the current time.
    ///
    /// # Panics
    /// When no loopback port can be bound (a test fixture: failing loudly is the point).
    pub fn start() -> Self {
        let config = FakeConfig::new(CLIENT_ID, Some(CLIENT_SECRET.into())).lifetimes(lifetimes());
        Self::start_with(config).expect("bind a port on 127.0.0.1")
    }

    /// Answers an authorization URL as the user consenting would: the redirect
    /// (`redirect_uri?code=...&state=...`, the registered redirect URI when the URL names
    /// none) to hand to `verify_redirect`.
    pub fn authorize(&self, authorization_url: &str) -> Result<Url, GrantError> {
        self.server
            .authorize(authorization_url, Some(routes::REGISTERED_REDIRECT))
    }
}

oauth_test_kit::fake_provider!(
    FakeSunshine,
    routes::SunshineRoutes,
    SunshineClient,
    SunshineClientBuilder
);
