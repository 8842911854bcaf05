//! [`BaseUrl`]: where a provider's endpoints are, checked once.

use std::fmt;
use std::net::IpAddr;

use url::Url;

use crate::error::{Error, Result};

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
pub(super) fn shown(input: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::ClientOptions;

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
}
