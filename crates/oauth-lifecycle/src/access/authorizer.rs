//! [`Authorizer`]: the policy of one API, shared by the middleware and the plain client.

use std::fmt;
use std::sync::{Arc, RwLock};

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Request, StatusCode};
use url::Url;

use super::verdict::{UnclearRejections, Verdict};
use super::{AccessTokenSource, SharedTokenSource};
use oauth_core::error::{Error, Result};
use oauth_core::http::BaseUrl;
use oauth_core::token::Token;

/// Attaches tokens to the requests of one API and renews a rejected one: see the
/// [module documentation](super) for what a request goes through. Cheap to clone.
///
/// Use it through [`super::AuthorizedClient`], or, with the `middleware` feature, as
/// `reqwest-middleware` middleware (`ClientBuilder::new(http).with(authorizer)`).
#[derive(Clone)]
pub struct Authorizer {
    inner: Arc<Inner>,
}

struct Inner {
    source: SharedTokenSource,
    base: BaseUrl,
    origins: Vec<Origin>,
    /// Statuses that always mean the token was rejected (Cal.com's 498).
    rejections: Vec<StatusCode>,
    unclear: UnclearRejections,
    headers: HeaderMap,
    /// The `Authorization` value of the token last used: formatting it for every request
    /// costs about as much as the rest of the authorizer's work together.
    header: RwLock<Option<(Arc<Token>, HeaderValue)>>,
}

/// Configures an [`Authorizer`].
pub struct AuthorizerBuilder {
    source: SharedTokenSource,
    base: String,
    origins: Vec<String>,
    rejections: Vec<u16>,
    headers: Vec<(HeaderName, HeaderValue)>,
}

/// One request on its way: the token it carries, and a copy to send again if it is rejected.
pub(super) struct Attempt {
    token: Arc<Token>,
    retry: Option<Request>,
}

/// Scheme, host and port: where a token may go.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    fn of(url: &BaseUrl) -> Result<Self> {
        let url = Url::parse(url.as_str())
            .map_err(|e| Error::Config(format!("base URL `{url}` is not a URL: {e}")))?;
        match (url.host_str(), url.port_or_known_default()) {
            (Some(host), Some(port)) => Ok(Self {
                scheme: url.scheme().to_owned(),
                host: host.to_owned(),
                port,
            }),
            _ => Err(Error::Config(format!("URL `{url}` has no host"))),
        }
    }

    fn contains(&self, url: &Url) -> bool {
        url.scheme() == self.scheme
            && url.host_str() == Some(self.host.as_str())
            && url.port_or_known_default() == Some(self.port)
    }
}

impl Authorizer {
    /// Starts an authorizer for the API at `base_url` (`https`, or `http` on loopback), with
    /// tokens from `source`. Provider crates have one with their API's URL filled in.
    pub fn builder(
        source: impl AccessTokenSource,
        base_url: impl Into<String>,
    ) -> AuthorizerBuilder {
        AuthorizerBuilder {
            source: Arc::new(source),
            base: base_url.into(),
            origins: Vec::new(),
            rejections: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// The API's base URL.
    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    /// The URL of `path` (starting with `/`) below the base URL.
    pub fn url(&self, path: &str) -> Result<Url> {
        if !path.starts_with('/') {
            return Err(Error::Config(format!(
                "API path `{path}` must start with `/`"
            )));
        }
        let url = format!("{}{path}", self.inner.base.as_str());
        Url::parse(&url).map_err(|e| Error::Config(format!("`{url}` is not a URL: {e}")))
    }

    /// The token source.
    pub fn source(&self) -> &SharedTokenSource {
        &self.inner.source
    }

    /// Whether a request to `url` gets the token: its origin is the API's or an allowed one.
    pub fn covers(&self, url: &Url) -> bool {
        self.inner.origins.iter().any(|origin| origin.contains(url))
    }

    /// Whether `status` may mean the token was rejected: 401 (judged by its
    /// `WWW-Authenticate` challenge), plus any added with [`AuthorizerBuilder::reject_status`].
    pub fn is_rejection(&self, status: StatusCode) -> bool {
        status == StatusCode::UNAUTHORIZED || self.inner.rejections.contains(&status)
    }

    /// Adds the token and the default headers to an API request; `None` for a request to
    /// another origin, left untouched.
    pub(super) async fn authorize(&self, request: &mut Request) -> Result<Option<Attempt>> {
        if !self.covers(request.url()) {
            return Ok(None);
        }
        let token = self.inner.source.access_token().await?;
        self.inner.unclear.seen(&token);
        let headers = request.headers_mut();
        for (name, value) in &self.inner.headers {
            if !headers.contains_key(name) {
                headers.insert(name, value.clone());
            }
        }
        // Cloned before the token goes in: the copy gets the renewed one.
        let retry = request.try_clone();
        self.set_authorization(request, &token)?;
        Ok(Some(Attempt { token, retry }))
    }

    /// After the answer (`status`, `headers`) to `attempt`: the request to send once more,
    /// with a renewed token, when the token was rejected and the request can be sent again.
    pub(super) async fn retry(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        attempt: Attempt,
    ) -> Result<Option<Request>> {
        match Verdict::of(status, headers, &self.inner.rejections) {
            Verdict::Unrelated => return Ok(None),
            Verdict::NotTheToken => {
                tracing::debug!(%status, "the API refused the request, not the token");
                return Ok(None);
            }
            Verdict::Rejected => self.inner.source.invalidate(&attempt.token),
            Verdict::Unclear if self.inner.unclear.may_renew(&attempt.token) => {
                self.inner.source.suspect(&attempt.token);
            }
            Verdict::Unclear => {
                tracing::debug!(
                    %status,
                    "a 401 to a token renewed after an earlier one: not renewing it again"
                );
                return Ok(None);
            }
        }
        let Some(mut request) = attempt.retry else {
            tracing::debug!(%status, "token rejected; the request body cannot be cloned, not retrying");
            return Ok(None);
        };
        let fresh = self.inner.source.access_token().await?;
        self.inner.unclear.seen(&fresh);
        if Arc::ptr_eq(&fresh, &attempt.token) {
            // The source has nothing newer: sending the same token again cannot help.
            return Ok(None);
        }
        tracing::debug!(%status, "token rejected; retrying once with a renewed token");
        self.set_authorization(&mut request, &fresh)?;
        Ok(Some(request))
    }
}

impl Authorizer {
    fn set_authorization(&self, request: &mut Request, token: &Arc<Token>) -> Result<()> {
        // Every write is one assignment, so a panicking holder leaves it consistent.
        let cached = match &*self.inner.header.read().unwrap_or_else(|p| p.into_inner()) {
            Some((for_token, value)) if Arc::ptr_eq(for_token, token) => Some(value.clone()),
            _ => None,
        };
        let value = match cached {
            Some(value) => value,
            None => {
                let mut value =
                    HeaderValue::try_from(token.authorization_header()).map_err(|_| {
                        Error::Config(
                            "the access token has characters that cannot be sent in a header"
                                .into(),
                        )
                    })?;
                value.set_sensitive(true);
                *self.inner.header.write().unwrap_or_else(|p| p.into_inner()) =
                    Some((Arc::clone(token), value.clone()));
                value
            }
        };
        request.headers_mut().insert(AUTHORIZATION, value);
        Ok(())
    }
}

impl AuthorizerBuilder {
    /// Another base URL for the API (tests, proxies, private deployments).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base = url.into();
        self
    }

    /// Also sends the token to this origin (`https://host[:port]`, or `http` on loopback):
    /// another host of the same API. Requests anywhere else never get it.
    pub fn allow_origin(mut self, url: impl Into<String>) -> Self {
        self.origins.push(url.into());
        self
    }

    /// Treats `status` as "the token was rejected" whatever else the answer says, unless its
    /// `WWW-Authenticate` challenge names another error: Cal.com answers 498 for an expired
    /// token; Sunshine Conversations answers 401 only for a token it no longer accepts (its
    /// permission errors are 403). A 4xx status; 401 included, a plain 401 is no longer judged
    /// unclear (see the [module documentation](super)).
    pub fn reject_status(mut self, status: u16) -> Self {
        self.rejections.push(status);
        self
    }

    /// A header every API request carries unless it sets its own (e.g. Procore's
    /// `Procore-Company-Id`); not sent to other origins.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    /// Checks the URLs and statuses and builds the authorizer.
    pub fn build(self) -> Result<Authorizer> {
        let base = BaseUrl::parse(&self.base)?;
        let mut origins = vec![Origin::of(&base)?];
        for url in &self.origins {
            let origin = Origin::of(&BaseUrl::parse(url)?)?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        let mut rejections = Vec::new();
        for status in self.rejections {
            let code = StatusCode::from_u16(status)
                .ok()
                .filter(StatusCode::is_client_error)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "{status} is not a 4xx status; only those can mean a rejected token"
                    ))
                })?;
            if !rejections.contains(&code) {
                rejections.push(code);
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in self.headers {
            if name == AUTHORIZATION {
                return Err(Error::Config(
                    "`Authorization` comes from the token source; it cannot be a default header"
                        .into(),
                ));
            }
            headers.insert(name, value);
        }
        Ok(Authorizer {
            inner: Arc::new(Inner {
                source: self.source,
                base,
                origins,
                rejections,
                unclear: UnclearRejections::new(),
                headers,
                header: RwLock::new(None),
            }),
        })
    }
}

impl fmt::Debug for Authorizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorizer")
            .field("base_url", &self.inner.base)
            .field("origins", &self.inner.origins)
            .field("rejections", &self.inner.rejections)
            .field("headers", &self.inner.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for AuthorizerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizerBuilder")
            .field("base_url", &self.base)
            .field("origins", &self.origins)
            .field("rejections", &self.rejections)
            .finish_non_exhaustive()
    }
}
