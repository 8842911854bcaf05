//! Authorization requests: the URL the user's browser is sent to, and the check of the
//! redirect that comes back.

use std::fmt;

use url::Url;

use crate::error::{AuthorizationError, Error, Result};
use crate::pkce::Pkce;
use crate::runtime::scrub::Secrets;
use crate::secret::{AuthorizationCode, PkceVerifier};
use crate::state::CsrfState;

/// An authorization request in flight: its URL, and the state and PKCE verifier needed to
/// check the redirect and exchange the code. Keep it (e.g. in the user's session) until the
/// redirect arrives, then call [`AuthorizationRequest::verify_redirect`].
#[derive(Clone)]
pub struct AuthorizationRequest {
    url: Url,
    state: CsrfState,
    pkce_verifier: Option<PkceVerifier>,
    redirect_uri: Option<String>,
}

impl AuthorizationRequest {
    /// Starts a request to the provider's authorization `endpoint`.
    pub fn builder(endpoint: Url) -> AuthorizationRequestBuilder {
        AuthorizationRequestBuilder {
            endpoint,
            params: Vec::new(),
            state: None,
            pkce: None,
            redirect_uri: None,
        }
    }

    /// The URL to send the user's browser to.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The CSRF state sent in the URL.
    pub fn state(&self) -> &CsrfState {
        &self.state
    }

    /// The PKCE verifier, when PKCE is used.
    pub fn pkce_verifier(&self) -> Option<&PkceVerifier> {
        self.pkce_verifier.as_ref()
    }

    /// The redirect URI sent in the request (the code exchange must repeat it).
    pub fn redirect_uri(&self) -> Option<&str> {
        self.redirect_uri.as_deref()
    }

    /// Checks the redirect the browser came back with: a full URL or just its query string.
    ///
    /// A redirect that gives `code`, `state`, `error`, `error_description` or `error_uri` twice
    /// is [`Error::DuplicateParameter`] (RFC 6749 §3.1): with `state=forged&state=ours`, which
    /// one a check reads decides whether it passes. Then the state is checked, in constant
    /// time: a redirect whose state does not match is [`Error::StateMismatch`] whatever else it
    /// carries. Then `error` (e.g. `access_denied`) becomes [`Error::Authorization`], and a
    /// `code` becomes the grant to exchange.
    pub fn verify_redirect(self, redirect: &str) -> Result<AuthorizationGrant> {
        let query = RedirectQuery::parse(redirect)?;
        if !query
            .state
            .as_deref()
            .is_some_and(|s| self.state.matches(s))
        {
            return Err(Error::StateMismatch);
        }
        Ok(AuthorizationGrant {
            code: query.into_code()?,
            pkce_verifier: self.pkce_verifier,
            redirect_uri: self.redirect_uri,
        })
    }
}

/// The OAuth parameters of an authorization redirect (RFC 6749 §4.1.2): `code` and `state`, or
/// `error`, `error_description` and `error_uri`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RedirectQuery {
    /// `code`.
    pub code: Option<String>,
    /// `state`.
    pub state: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `error_description`.
    pub error_description: Option<String>,
    /// `error_uri`.
    pub error_uri: Option<String>,
}

impl RedirectQuery {
    /// Reads a redirect: a URL (absolute, or starting with `/` or `?`) or just its query
    /// string; a fragment is ignored.
    ///
    /// `?` also separates parameters: some servers (Cal.com) append `?code=...` to a redirect
    /// URI that already has a query. Each OAuth parameter may appear once, wherever it is (RFC
    /// 6749 §3.1): a second one is [`Error::DuplicateParameter`], naming it but not its values.
    /// Names are compared after percent-decoding, so `%73tate` is `state`. Other parameters (the
    /// redirect URI's own) are ignored, repeated or not.
    pub fn parse(redirect: &str) -> Result<Self> {
        // A query string may hold a `?` too (Cal.com's), so it is told from a URL by the URL's
        // form: absolute, or a path or query reference.
        let is_url = redirect.starts_with(['/', '?']) || Url::parse(redirect).is_ok();
        let query = match redirect.split_once('?') {
            Some((_, query)) if is_url => query,
            None if is_url => "",
            _ => redirect,
        };
        let query = query.split('#').next().unwrap_or_default();
        let mut parsed = Self::default();
        for piece in query.split(['&', '?']) {
            for (k, v) in url::form_urlencoded::parse(piece.as_bytes()) {
                let (name, slot) = match k.as_ref() {
                    "code" => ("code", &mut parsed.code),
                    "state" => ("state", &mut parsed.state),
                    "error" => ("error", &mut parsed.error),
                    "error_description" => ("error_description", &mut parsed.error_description),
                    "error_uri" => ("error_uri", &mut parsed.error_uri),
                    _ => continue,
                };
                if slot.is_some() {
                    return Err(Error::DuplicateParameter { name });
                }
                *slot = Some(v.into_owned());
            }
        }
        Ok(parsed)
    }

    /// The code, or what the redirect says instead: its `error` as [`Error::Authorization`], or
    /// [`Error::MissingCode`] when it has neither. An error wins over a code.
    pub fn into_code(self) -> Result<AuthorizationCode> {
        if let Some(error) = self.error.filter(|e| !e.is_empty()) {
            // A redirect carrying an error and a code anyway may repeat the code in its text:
            // the error must not print it.
            let code = Secrets::new(self.code);
            let clean = |text: Option<String>| text.map(|t| code.scrub(&t).into_owned());
            return Err(Error::Authorization(AuthorizationError::new(
                code.scrub(&error)
                    .parse()
                    .unwrap_or_else(|e: std::convert::Infallible| match e {}),
                clean(self.error_description),
                clean(self.error_uri),
            )));
        }
        match self.code {
            Some(code) if !code.is_empty() => Ok(AuthorizationCode::new(code)),
            _ => Err(Error::MissingCode),
        }
    }
}

impl fmt::Debug for RedirectQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedirectQuery")
            .field("code", &self.code.as_ref().map(|_| "[redacted]"))
            .field("state", &self.state.as_ref().map(|_| "[redacted]"))
            .field("error", &self.error)
            .field("error_description", &self.error_description)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AuthorizationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut endpoint = self.url.clone();
        endpoint.set_query(None);
        let params: Vec<_> = self
            .url
            .query_pairs()
            .map(|(k, _)| k.into_owned())
            .collect();
        f.debug_struct("AuthorizationRequest")
            .field("endpoint", &endpoint.as_str())
            .field("params", &params)
            .field("state", &self.state)
            .field("pkce_verifier", &self.pkce_verifier)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// Builds an [`AuthorizationRequest`]; provider crates add their parameters in spec order.
pub struct AuthorizationRequestBuilder {
    endpoint: Url,
    params: Vec<(String, String)>,
    state: Option<CsrfState>,
    pkce: Option<Pkce>,
    redirect_uri: Option<String>,
}

impl AuthorizationRequestBuilder {
    /// Adds a query parameter.
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Self {
        self.params.push((name.to_owned(), value.into()));
        self
    }

    /// Adds a query parameter when `value` is set.
    pub fn param_opt(self, name: &str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.param(name, v),
            None => self,
        }
    }

    /// Adds `redirect_uri` and remembers it for the code exchange.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        let uri = uri.into();
        self.redirect_uri = Some(uri.clone());
        self.param("redirect_uri", uri)
    }

    /// Uses this state instead of a fresh random one ([`CsrfState::new`] refuses an empty one).
    pub fn state(mut self, state: CsrfState) -> Self {
        self.state = Some(state);
        self
    }

    /// Adds `code_challenge` and `code_challenge_method` and keeps the verifier.
    pub fn pkce(mut self, pkce: Pkce) -> Self {
        self.params
            .push(("code_challenge".into(), pkce.challenge().to_owned()));
        self.params
            .push(("code_challenge_method".into(), pkce.method().to_owned()));
        self.pkce = Some(pkce);
        self
    }

    /// The request, with `state` appended (a fresh random one unless set).
    pub fn build(self) -> AuthorizationRequest {
        let state = self.state.unwrap_or_else(CsrfState::new_random);
        let mut url = self.endpoint;
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in &self.params {
                q.append_pair(k, v);
            }
            q.append_pair("state", state.secret());
        }
        AuthorizationRequest {
            url,
            state,
            pkce_verifier: self.pkce.map(|p| p.into_parts().0),
            redirect_uri: self.redirect_uri,
        }
    }
}

/// A verified authorization code, with what the exchange must send along with it.
#[derive(Debug, Clone)]
pub struct AuthorizationGrant {
    /// The code.
    pub code: AuthorizationCode,
    /// The PKCE verifier of the request, when PKCE was used.
    pub pkce_verifier: Option<PkceVerifier>,
    /// The redirect URI of the request, when one was sent.
    pub redirect_uri: Option<String>,
}

impl AuthorizationGrant {
    /// A grant from a code obtained some other way (e.g. Cal.com's server-side authorize).
    pub fn from_code(code: AuthorizationCode) -> Self {
        Self {
            code,
            pkce_verifier: None,
            redirect_uri: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn request() -> AuthorizationRequest {
        AuthorizationRequest::builder(Url::parse("https://auth.example/authorize").unwrap())
            .param("response_type", "code")
            .param("client_id", "cid")
            .redirect_uri("https://app.example/cb")
            .state(CsrfState::new("st-123").unwrap())
            .pkce(Pkce::from_verifier(PkceVerifier::new("verifier-secret")))
            .build()
    }

    #[test]
    fn url_carries_parameters_in_order() {
        let r = request();
        let pairs: Vec<_> = r.url().query_pairs().map(|(k, _)| k.into_owned()).collect();
        assert_eq!(
            pairs,
            [
                "response_type",
                "client_id",
                "redirect_uri",
                "code_challenge",
                "code_challenge_method",
                "state"
            ]
        );
        assert!(
            r.url()
                .as_str()
                .contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb")
        );
    }

    #[test]
    fn matching_redirect_yields_code_and_verifier() {
        let grant = request()
            .verify_redirect("https://app.example/cb?code=c-1&state=st-123")
            .unwrap();
        assert_eq!(grant.code.secret(), "c-1");
        assert_eq!(grant.pkce_verifier.unwrap().secret(), "verifier-secret");
        assert_eq!(
            grant.redirect_uri.as_deref(),
            Some("https://app.example/cb")
        );
    }

    #[test]
    fn state_mismatch_or_absence_is_rejected_even_with_a_code() {
        for q in [
            "code=c&state=other",
            "code=c",
            "error=access_denied&state=x",
        ] {
            assert!(
                matches!(request().verify_redirect(q), Err(Error::StateMismatch)),
                "{q}"
            );
        }
    }

    #[test]
    fn provider_error_is_typed() {
        let e = request()
            .verify_redirect("?error=access_denied&error_description=User+said+no&state=st-123")
            .unwrap_err();
        match e {
            Error::Authorization(a) => {
                assert_eq!(a.code, ErrorCode::AccessDenied);
                assert_eq!(a.description.as_deref(), Some("User said no"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            request().verify_redirect("state=st-123"),
            Err(Error::MissingCode)
        ));
    }

    #[test]
    fn a_parameter_given_twice_is_refused_naming_it_not_its_values() {
        for (q, name) in [
            ("code=c&state=EVIL-1&state=st-123", "state"),
            ("code=c&state=st-123&state=EVIL-1", "state"),
            ("code=EVIL-1&code=c&state=st-123", "code"),
            (
                "https://app.example/cb?code=c?code=EVIL-1&state=st-123",
                "code",
            ),
            ("state=st-123&error=access_denied&error=EVIL-1", "error"),
            (
                "state=st-123&error=x&error_description=a&error_description=EVIL-1",
                "error_description",
            ),
            (
                "state=st-123&error=x&error_uri=a&error_uri=EVIL-1",
                "error_uri",
            ),
            ("code=c&state=st-123&%73tate=EVIL-1", "state"),
            ("code=c&state=&state=st-123", "state"),
        ] {
            let e = request().verify_redirect(q).unwrap_err();
            assert!(
                matches!(e, Error::DuplicateParameter { name: n } if n == name),
                "{q}: {e:?}"
            );
            let text = format!("{e} {e:?}");
            assert!(text.contains(&format!("`{name}`")), "{text}");
            assert!(!text.contains("EVIL") && !text.contains("st-123"), "{text}");
        }
        // The redirect URI's own parameters may repeat; a fragment is not the query.
        let grant = request()
            .verify_redirect("https://app.example/cb?a=1&a=2?code=c&state=st-123#code=x")
            .unwrap();
        assert_eq!(grant.code.secret(), "c");
    }

    /// Text that percent-decodes to `text`, its name encoded one way or another.
    fn encoded(text: &str, every_byte: bool) -> String {
        if every_byte {
            text.bytes().map(|b| format!("%{b:02X}")).collect()
        } else {
            url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
        }
    }

    const OAUTH: [&str; 5] = ["code", "state", "error", "error_description", "error_uri"];

    proptest::proptest! {
        /// Any order, separators, foreign parameters and values: each OAuth parameter given once
        /// is read as sent; given twice (anywhere, however its name is encoded) the redirect is
        /// refused, naming the parameter and none of the values.
        #[test]
        fn oauth_parameters_are_read_once_and_refused_twice(
            values in proptest::collection::vec(proptest::option::of(".{0,12}"), 5),
            foreign in proptest::collection::vec(("[a-z]{1,4}", "[a-z0-9]{0,4}"), 0..4),
            order in proptest::collection::vec(proptest::num::usize::ANY, 10),
            separators in proptest::collection::vec(proptest::bool::ANY, 10),
            encode_names in proptest::collection::vec(proptest::bool::ANY, 10),
            duplicate in 0usize..5,
            duplicate_at in proptest::num::usize::ANY,
            prefix in proptest::bool::ANY,
        ) {
            let mut pairs: Vec<(String, String)> = OAUTH
                .iter()
                .zip(&values)
                .filter_map(|(n, v)| v.as_ref().map(|v| (encoded(n, false), encoded(v, false))))
                .collect();
            pairs.extend(foreign.iter().map(|(n, v)| (format!("x{n}"), v.clone())));
            for (i, at) in order.iter().enumerate().take(pairs.len()) {
                let len = pairs.len();
                pairs.swap(i % len, at % len);
            }
            let join = |pairs: &[(String, String)]| {
                let mut out = if prefix { "https://app.example/cb?".to_owned() } else { String::new() };
                for (i, (n, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push(if separators[i % 10] { '&' } else { '?' });
                    }
                    out.push_str(&format!("{n}={v}"));
                }
                out
            };
            let parsed = RedirectQuery::parse(&join(&pairs)).unwrap();
            let read = [
                parsed.code,
                parsed.state,
                parsed.error,
                parsed.error_description,
                parsed.error_uri,
            ];
            proptest::prop_assert_eq!(&read[..], &values[..]);

            let name = OAUTH[duplicate];
            let again = (encoded(name, encode_names[duplicate]), "Dup1".to_owned());
            let mut twice = pairs.clone();
            if values[duplicate].is_none() {
                twice.push((encoded(name, false), "Dup2".to_owned()));
            }
            twice.insert(duplicate_at % (twice.len() + 1), again);
            let e = RedirectQuery::parse(&join(&twice)).unwrap_err();
            proptest::prop_assert!(
                matches!(e, Error::DuplicateParameter { name: n } if n == name),
                "{:?}",
                e
            );
            let text = format!("{e} {e:?}");
            proptest::prop_assert!(!text.contains("Dup1") && !text.contains("Dup2"), "{}", text);
        }
    }

    #[test]
    fn debug_hides_state_and_verifier() {
        let text = format!("{:?}", request());
        assert!(
            !text.contains("st-123") && !text.contains("verifier-secret"),
            "{text}"
        );
    }
}
