//! The HTTP side shared by every provider crate: base URLs, the `reqwest` client, and the
//! request and response hooks the generated clients call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, COOKIE};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::runtime::answer;
use crate::runtime::limit::BodyLimit;
use crate::runtime::response::ErrorBody;
use crate::runtime::vetting::Vetting;

mod base_url;

pub use base_url::BaseUrl;
use base_url::shown;

/// Headers that carry credentials in some provider's requests: marked sensitive so that
/// `Debug` of a request never prints them.
const CREDENTIAL_HEADERS: &[&str] = &["x-cal-secret-key"];

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

/// The builder methods every provider client shares, over a [`ClientOptions`] field: expands
/// to `base_url`, `timeout`, `http_client` and `clock` inside the builder's `impl` block:
/// `oauth_core::client_options_methods!(connection);`.
#[macro_export]
macro_rules! client_options_methods {
    ($field:ident) => {
        /// Another base URL (tests, proxies, private deployments): `https`, or `http` on a
        /// loopback host only; checked by `build`.
        pub fn base_url(mut self, url: impl Into<String>) -> Self {
            self.$field.base_url = url.into();
            self
        }

        /// Whole-request timeout (default 30 s).
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$field.http.timeout = timeout;
            self
        }

        /// Uses this `reqwest` client instead of building one. It must not follow redirects
        /// (`reqwest::redirect::Policy::none()`): a redirect from an OAuth endpoint could carry
        /// credentials to another host, and authorization redirects must be read, not followed.
        /// An answer from another URL than the request's is refused
        /// ([`Error::RedirectFollowed`](oauth_core::Error::RedirectFollowed)), but by then a
        /// client that follows redirects has sent the request on.
        pub fn http_client(mut self, client: ::reqwest::Client) -> Self {
            self.$field.reqwest = Some(client);
            self
        }

        /// The most bytes of a response body that are read (default 1 MiB); a longer answer
        /// is refused with [`Error::ResponseTooLarge`](oauth_core::Error::ResponseTooLarge).
        pub fn max_response_bytes(mut self, bytes: u64) -> Self {
            self.$field.body_limit = $crate::BodyLimit::new(bytes);
            self
        }

        /// The clock that stamps received tokens (tests inject a [`oauth_core::ManualClock`]).
        pub fn clock(mut self, clock: ::std::sync::Arc<dyn $crate::Clock>) -> Self {
            self.$field.clock = clock;
            self
        }
    };
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
    /// The body limit and the secrets the client holds: the generated client's inner value
    /// (see [`client_hooks!`](crate::client_hooks)).
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

/// The request hook of every generated client: marks credential headers sensitive so that
/// `Debug` of a request never prints them. (The generator's `api-version` header, which no
/// provider defines, is removed at generation by the xtask.)
pub fn prepare_request(request: &mut reqwest::Request) {
    // A request has a handful of headers: walking them beats three lookups by name.
    for (name, value) in request.headers_mut().iter_mut() {
        if name == AUTHORIZATION || name == COOKIE || CREDENTIAL_HEADERS.contains(&name.as_str()) {
            value.set_sensitive(true);
        }
    }
}

/// The execution hook of every generated client: sends the request inside a `tracing` span
/// (operation, method, path, status, duration; never headers or bodies) and vets the answer
/// before the generated client reads it:
///
/// - an answer from another URL than the request's (a caller's HTTP client followed a
///   redirect) is refused;
/// - every body but a redirect's is read with `vetting`'s limit (`Content-Length` first), and a longer
///   one is refused unread. Refusals reach [`crate::runtime::response::map_error`] as
///   [`Error::RedirectFollowed`] and [`Error::ResponseTooLarge`] (see [`crate::runtime::limit`]);
/// - in an error answer (4xx, 5xx, or a 2xx whose body reports an error as `E`) every secret
///   the request carried, and every secret `vetting` holds (the client's own, which an answer
///   can echo to a request that did not carry it), is scrubbed out of the text
///   ([`crate::runtime::scrub`]), and an error body
///   that does not read as the provider's error schema `E` (an HTML page from a proxy, a JSON
///   shape nobody documented) is replaced with `{}`.
///
/// The replacement lets the generated client report such an answer as a typed error response
/// that keeps its status and `Retry-After`, instead of a decode failure that loses both. Every
/// provider error schema has only optional fields, so `{}` reads as one. The original body is
/// dropped, as every body is: it might echo a credential.
pub async fn execute<E: ErrorBody>(
    client: &reqwest::Client,
    request: reqwest::Request,
    operation: &'static str,
    vetting: &Vetting,
) -> reqwest::Result<reqwest::Response> {
    let sent = crate::runtime::scrub::Sent::capture(&request);
    answer::send::<E>(
        client,
        request,
        &sent,
        operation,
        vetting,
        answer::Success::Checked,
    )
    .await
    .map(answer::Vetted::into_response)
}

/// Implements progenitor's `ClientHooks` for a generated client with [`prepare_request`] and
/// [`execute`], given the provider's error schema. Every provider crate invokes it once:
/// `oauth_core::client_hooks!(generated::Client, generated::types::ErrorResponse);` (the crate
/// needs `progenitor-client` and `reqwest` as dependencies, as generated code does). The
/// generated client's inner value is the [`Vetting`](crate::runtime::Vetting); the macro also
/// builds the client from a [`Connection`]: `generated::Client::from(&connection)`.
#[macro_export]
macro_rules! client_hooks {
    ($client:ty, $error:ty) => {
        impl ::std::convert::From<&$crate::Connection> for $client {
            fn from(connection: &$crate::Connection) -> Self {
                Self::new_with_client(
                    connection.base.as_str(),
                    connection.http.clone(),
                    connection.vetting.clone(),
                )
            }
        }

        impl ::progenitor_client::ClientHooks<$crate::runtime::Vetting> for $client {
            async fn pre<E>(
                &self,
                request: &mut ::reqwest::Request,
                _info: &::progenitor_client::OperationInfo,
            ) -> ::std::result::Result<(), ::progenitor_client::Error<E>> {
                $crate::http::prepare_request(request);
                Ok(())
            }

            async fn exec(
                &self,
                request: ::reqwest::Request,
                info: &::progenitor_client::OperationInfo,
            ) -> ::reqwest::Result<::reqwest::Response> {
                $crate::http::execute::<$error>(
                    ::progenitor_client::ClientInfo::<$crate::runtime::Vetting>::client(self),
                    request,
                    info.operation_id,
                    ::progenitor_client::ClientInfo::<$crate::runtime::Vetting>::inner(self),
                )
                .await
            }
        }
    };
}

/// `Basic` credentials per RFC 6749 §2.3.1: client id and secret are each
/// form-urlencoded before being joined with `:` and base64-encoded.
pub fn basic_authorization(client_id: &str, client_secret: &crate::ClientSecret) -> String {
    use base64::Engine;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(client_secret.secret()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded_first() {
        use base64::Engine;
        let header = basic_authorization("my id", &crate::ClientSecret::new("p@ss:w/rd+%&= ~!"));
        let encoded = header.strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "my+id:p%40ss%3Aw%2Frd%2B%25%26%3D+%7E%21"
        );
    }
}
