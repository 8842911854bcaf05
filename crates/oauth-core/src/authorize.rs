//! Authorization requests: the URL the user's browser is sent to, and the check of the
//! redirect that comes back.

use std::fmt;

use url::Url;

use crate::error::{AuthorizationError, Error, Result};
use crate::pkce::Pkce;
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
    /// The state is checked first, in constant time: a redirect whose state does not match is
    /// [`Error::StateMismatch`] whatever else it carries. Then `error` (e.g. `access_denied`)
    /// becomes [`Error::Authorization`], and a `code` becomes the grant to exchange.
    pub fn verify_redirect(self, redirect: &str) -> Result<AuthorizationGrant> {
        let query = RedirectQuery::parse(redirect);
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
    /// Reads a redirect: a full URL or just its query string; a fragment is ignored.
    ///
    /// `?` also separates parameters, and the last value of a name wins: some servers (Cal.com)
    /// append `?code=...` to a redirect URI that already has a query.
    pub fn parse(redirect: &str) -> Self {
        let query = redirect.split_once('?').map_or(redirect, |(_, q)| q);
        let query = query.split('#').next().unwrap_or_default();
        let mut parsed = Self::default();
        for piece in query.split(['&', '?']) {
            for (k, v) in url::form_urlencoded::parse(piece.as_bytes()) {
                let slot = match k.as_ref() {
                    "code" => &mut parsed.code,
                    "state" => &mut parsed.state,
                    "error" => &mut parsed.error,
                    "error_description" => &mut parsed.error_description,
                    "error_uri" => &mut parsed.error_uri,
                    _ => continue,
                };
                *slot = Some(v.into_owned());
            }
        }
        parsed
    }

    /// The code, or what the redirect says instead: its `error` as [`Error::Authorization`], or
    /// [`Error::MissingCode`] when it has neither. An error wins over a code.
    pub fn into_code(self) -> Result<AuthorizationCode> {
        if let Some(code) = self.error.filter(|e| !e.is_empty()) {
            return Err(Error::Authorization(AuthorizationError::new(
                code.parse()
                    .unwrap_or_else(|e: std::convert::Infallible| match e {}),
                self.error_description,
                self.error_uri,
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

    /// Uses this state instead of a fresh random one.
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
            .state(CsrfState::new("st-123"))
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
    fn debug_hides_state_and_verifier() {
        let text = format!("{:?}", request());
        assert!(
            !text.contains("st-123") && !text.contains("verifier-secret"),
            "{text}"
        );
    }
}
