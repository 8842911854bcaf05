//! [`AuthorizedClient`]: authorized requests over a plain `reqwest::Client`, for applications
//! that do not use `reqwest-middleware`.

use std::fmt;

use reqwest::{Method, Request, RequestBuilder, Response};

use super::Authorizer;
use oauth_core::error::Result;

/// A `reqwest::Client` and an [`Authorizer`]: requests built with [`AuthorizedClient::get`]
/// (and friends) and sent with [`AuthorizedClient::send`] carry the token and are retried
/// once on a rejected token, as the middleware does.
///
/// Sending a builder with its own `send()` bypasses the authorizer: hand it to
/// [`AuthorizedClient::send`].
#[derive(Clone)]
pub struct AuthorizedClient {
    http: reqwest::Client,
    authorizer: Authorizer,
}

impl AuthorizedClient {
    /// Authorized requests through `http` (a client that follows redirects drops the token on
    /// a redirect to another origin; one that does not returns the redirect).
    pub fn new(http: reqwest::Client, authorizer: Authorizer) -> Self {
        Self { http, authorizer }
    }

    /// The authorizer.
    pub fn authorizer(&self) -> &Authorizer {
        &self.authorizer
    }

    /// The HTTP client.
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// A request for `path` (starting with `/`, query included) below the API's base URL;
    /// send it with [`AuthorizedClient::send`]. [`oauth_core::Error::Config`] for a path that does
    /// not start with `/`.
    pub fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        Ok(self.http.request(method, self.authorizer.url(path)?))
    }

    /// `GET path`.
    pub fn get(&self, path: &str) -> Result<RequestBuilder> {
        self.request(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(&self, path: &str) -> Result<RequestBuilder> {
        self.request(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(&self, path: &str) -> Result<RequestBuilder> {
        self.request(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(&self, path: &str) -> Result<RequestBuilder> {
        self.request(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Result<RequestBuilder> {
        self.request(Method::DELETE, path)
    }

    /// Builds and sends `request` (built from any client: only its parts are used).
    pub async fn send(&self, request: RequestBuilder) -> Result<Response> {
        self.execute(request.build()?).await
    }

    /// Sends `request` with the token, retrying once with a renewed token if it is rejected.
    /// Any answer, 4xx and 5xx included, is returned as a response; errors are transport
    /// failures and token source failures.
    pub async fn execute(&self, mut request: Request) -> Result<Response> {
        let Some(attempt) = self.authorizer.authorize(&mut request).await? else {
            return Ok(self.http.execute(request).await?);
        };
        let response = self.http.execute(request).await?;
        match self
            .authorizer
            .retry(response.status(), response.headers(), attempt)
            .await?
        {
            Some(again) => Ok(self.http.execute(again).await?),
            None => Ok(response),
        }
    }
}

impl fmt::Debug for AuthorizedClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizedClient")
            .field("authorizer", &self.authorizer)
            .finish_non_exhaustive()
    }
}
