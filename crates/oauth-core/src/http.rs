//! The HTTP side shared by every provider crate: base URLs, the `reqwest` client, and the
//! request and response hooks the generated clients call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::runtime::limit::BodyLimit;
use crate::runtime::vetting::Vetting;

mod base_url;

pub use base_url::BaseUrl;
use base_url::shown;

/// Settings of the HTTP client a provider crate builds.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Whole-request timeout (default 30 s).
    pub timeout: Duration,
    /// Connection timeout (default 10 s).
    pub connect_timeout: Duration,
    /// `User-Agent` (provider crates set `<crate>/<version>`).
    pub user_agent: String,
}

impl HttpSettings {
    /// Defaults with the given `User-Agent`.
    pub fn new(user_agent: impl Into<String>) -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: user_agent.into(),
        }
    }

    /// Builds the client: redirects are never followed (a redirect from a token endpoint could
    /// carry credentials elsewhere, and the authorize calls must see the redirect itself).
    pub fn build(&self) -> Result<reqwest::Client> {
        crate::runtime::install_crypto_provider();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            .user_agent(&self.user_agent)
            .build()
            .map_err(|e| Error::Config(format!("could not build the HTTP client: {e}")))
    }
}

/// What every provider client builder collects besides credentials: where to connect, how,
/// and which clock stamps received tokens.
#[derive(Clone)]
pub struct ClientOptions {
    /// The base URL (validated by [`BaseUrl::parse`] when connecting).
    pub base_url: String,
    /// Settings of the HTTP client built when none is given.
    pub http: HttpSettings,
    /// A caller-supplied HTTP client; it must not follow redirects.
    pub reqwest: Option<reqwest::Client>,
    /// The clock that stamps received tokens (tests inject a [`crate::ManualClock`]).
    pub clock: Arc<dyn Clock>,
    /// The most bytes of any response body that are read (1 MiB by default).
    pub body_limit: BodyLimit,
}

impl ClientOptions {
    /// Options for `base_url` with a `User-Agent` of `user_agent`, the system clock, and the
    /// default timeouts.
    pub fn new(base_url: impl Into<String>, user_agent: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            http: HttpSettings::new(user_agent),
            reqwest: None,
            clock: Arc::new(SystemClock),
            body_limit: BodyLimit::DEFAULT,
        }
    }

    /// Validates the base URL and builds (or takes) the HTTP client.
    pub fn connect(self) -> Result<Connection> {
        let base = BaseUrl::parse(&self.base_url)?;
        let http = match self.reqwest {
            Some(client) => client,
            None => self.http.build()?,
        };
        Ok(Connection {
            base,
            http,
            clock: self.clock,
            vetting: Vetting::new(self.body_limit),
        })
    }
}

impl fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientOptions")
            .field("base_url", &format_args!("{}", shown(&self.base_url)))
            .field("timeout", &self.http.timeout)
            .field("user_agent", &self.http.user_agent)
            .field("custom_http_client", &self.reqwest.is_some())
            .field("body_limit", &self.body_limit.bytes())
            .finish()
    }
}

/// A validated base URL, an HTTP client and a clock: what a provider client runs on.
#[derive(Clone)]
pub struct Connection {
    /// The base URL.
    pub base: BaseUrl,
    /// The HTTP client (redirects off).
    pub http: reqwest::Client,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The body limit and the secrets the client holds: the generated client's inner value,
    /// which its hooks (written into `generated.rs` by `cargo xtask regen`) pass to [`execute`](crate::runtime::execute).
    pub vetting: Vetting,
}

impl Connection {
    /// Also scrubs `secrets` (what the client holds, such as its client secret) out of every
    /// error answer, including answers to requests that did not carry them.
    pub fn holding<'a>(mut self, secrets: impl IntoIterator<Item = &'a str>) -> Self {
        self.vetting = self.vetting.holding(secrets);
        self
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}
