//! The HTTP side shared by every provider crate: base URLs, the `reqwest` client, and the
//! request and response hooks the generated clients call.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, COOKIE};
use url::Url;

use crate::answer;
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::limit::BodyLimit;
use crate::response::ErrorBody;
use crate::vetting::Vetting;

/// Headers that carry credentials in some provider's requests: marked sensitive so that
/// `Debug` of a request never prints them.
const CREDENTIAL_HEADERS: &[&str] = &["x-cal-secret-key"];

/// A provider's base URL: `https`, or `http` only for loopback hosts (tests, local proxies).
#[derive(Clone, PartialEq, Eq)]
pub struct BaseUrl(Url);

impl BaseUrl {
    /// Parses and checks a base URL. A trailing slash is dropped.
    ///
    /// User info is refused, a password without a user name (`https://:pw@host`) included: it
    /// would be sent to the server on every call and shown by every `Debug` of the client.
    /// Error messages never show it.
    pub fn parse(input: &str) -> Result<Self> {
        let url = Url::parse(input.trim_end_matches('/'))
            .map_err(|e| Error::Config(format!("base URL {} is not a URL: {e}", shown(input))))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::Config(format!(
                "base URL {} must not have user info (a user name or password): put \
                 credentials in the client's builder",
                shown(input)
            )));
        }
        let input = shown(input);
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "base URL {input} uses http for a non-loopback host; tokens and secrets \
                     would travel in clear text: use https"
                )));
            }
            other => {
                return Err(Error::Config(format!(
                    "base URL {input} has scheme `{other}`; use https"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::Config(format!(
                "base URL {input} must not have a query or fragment"
            )));
        }
        Ok(Self(url))
    }

    /// The URL as the generated clients want it: no trailing slash.
    pub fn as_str(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The URL of `path` below this base: a path starting with `/`, without a query or
    /// fragment. Anything else is [`Error::Config`] (a path such as `:99999` or `@host` would
    /// otherwise change the port or the host).
    pub fn endpoint(&self, path: &str) -> Result<Url> {
        if !path.starts_with('/') || path.contains(['?', '#']) {
            return Err(Error::Config(format!(
                "endpoint path {path:?} must start with `/` and have no query or fragment"
            )));
        }
        Url::parse(&format!("{}{path}", self.as_str()))
            .map_err(|e| Error::Config(format!("endpoint path {path:?} does not form a URL: {e}")))
    }
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BaseUrl").field(&self.as_str()).finish()
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A base URL as error messages and `Debug` show it: quoted, without user info. Text with an
/// `@` that does not parse as a URL could hold a password anywhere, so it is not shown at all.
fn shown(input: &str) -> String {
    if !input.contains('@') {
        return format!("`{input}`");
    }
    let hidden = || "(not shown: it has an `@` and may hold a password)".to_owned();
    let Ok(mut url) = Url::parse(input) else {
        return hidden();
    };
    if url.set_username("").is_err() || url.set_password(None).is_err() {
        return hidden();
    }
    format!("`{url}`")
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

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
        install_crypto_provider();
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

/// reqwest is built without a default TLS crypto backend (the aws-lc one costs minutes of
/// build); this installs rustls' ring provider unless the application installed one.
fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another thread installing one is fine: either provider works.
        let _ = rustls::crypto::ring::default_provider().install_default();
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
///   one is refused unread. Refusals reach [`crate::response::map_error`] as
///   [`Error::RedirectFollowed`] and [`Error::ResponseTooLarge`] (see [`crate::limit`]);
/// - in an error answer (4xx, 5xx, or a 2xx whose body reports an error as `E`) every secret
///   the request carried, and every secret `vetting` holds (the client's own, which an answer
///   can echo to a request that did not carry it), is scrubbed out of the text
///   ([`crate::scrub`]), and an error body
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
    let sent = crate::scrub::Sent::capture(&request);
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
/// generated client's inner value is the [`Vetting`](crate::Vetting); the macro also
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

        impl ::progenitor_client::ClientHooks<$crate::Vetting> for $client {
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
                    ::progenitor_client::ClientInfo::<$crate::Vetting>::client(self),
                    request,
                    info.operation_id,
                    ::progenitor_client::ClientInfo::<$crate::Vetting>::inner(self),
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
    fn https_anywhere_http_only_on_loopback() {
        assert!(BaseUrl::parse("https://platform.ringcentral.com").is_ok());
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9",
        ] {
            assert!(BaseUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://x",
            "not a url",
            "https://h/?q=1",
        ] {
            assert!(
                matches!(BaseUrl::parse(bad), Err(Error::Config(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn user_info_is_refused_and_never_shown() {
        for bad in [
            "https://:pw-secret@host.example",
            "https://user:pw-secret@host.example",
            "https://user@host.example",
            "http://:pw-secret@127.0.0.1:8080",
            "https:user:pw-secret@host.example",
            "ftp://u:pw-secret@host.example",
            "https://u:pw-secret@host.example?q=1",
            "https://u:pw-secret@ho st",
        ] {
            let Err(Error::Config(message)) = BaseUrl::parse(bad) else {
                panic!("accepted {bad}");
            };
            assert!(!message.contains("pw-secret"), "{message}");
        }
        let options = ClientOptions::new("https://:pw-secret@host.example", "ua");
        assert!(!format!("{options:?}").contains("pw-secret"));
        // An `@` in the path is no user info.
        assert!(BaseUrl::parse("https://host.example/@team").is_ok());
    }

    proptest::proptest! {
        #[test]
        fn any_password_is_refused_and_never_shown(
            user in "[a-zA-Z0-9._~-]{0,8}",
            password in "Pw[a-zA-Z0-9._~!$&'()*+,;=%:@/-]{1,16}",
            scheme in "https?",
            host in "(127\\.0\\.0\\.1|[a-z]{1,10}\\.example)",
        ) {
            let encoded: String =
                url::form_urlencoded::byte_serialize(password.as_bytes()).collect();
            for pw in [&password, &encoded] {
                let input = format!("{scheme}://{user}:{pw}@{host}/base");
                let Err(Error::Config(message)) = BaseUrl::parse(&input) else {
                    panic!("accepted {input}");
                };
                proptest::prop_assert!(!message.contains(pw.as_str()), "{}", message);
                let debug = format!("{:?}", ClientOptions::new(input, "ua"));
                proptest::prop_assert!(!debug.contains(pw.as_str()), "{}", debug);
            }
        }
    }

    #[test]
    fn base_url_has_no_trailing_slash() {
        let b = BaseUrl::parse("https://oauth-bridge.zendesk.com/sc/").unwrap();
        assert_eq!(b.as_str(), "https://oauth-bridge.zendesk.com/sc");
        assert_eq!(
            b.endpoint("/oauth/authorize").unwrap().as_str(),
            "https://oauth-bridge.zendesk.com/sc/oauth/authorize"
        );
    }

    #[test]
    fn an_endpoint_path_that_is_not_a_path_is_an_error_not_a_panic() {
        let bases = [
            "https://api.example",
            "https://api.example/v2",
            "http://[::1]:8080",
        ];
        for base in bases {
            let b = BaseUrl::parse(base).unwrap();
            for path in [
                ":99999",
                "@evil.example",
                "x",
                "",
                "/a?b",
                "/a#b",
                ":",
                "//",
                "/%",
            ] {
                match b.endpoint(path) {
                    Ok(url) => {
                        // Whatever parses stays on the base's host and port.
                        let base = Url::parse(base).unwrap();
                        assert_eq!(url.host_str(), base.host_str(), "{path}");
                        assert_eq!(url.port(), base.port(), "{path}");
                    }
                    Err(e) => assert!(matches!(e, Error::Config(_)), "{e:?}"),
                }
            }
            assert!(b.endpoint(":99999").is_err());
            assert!(b.endpoint("@evil.example").is_err());
        }
    }

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
