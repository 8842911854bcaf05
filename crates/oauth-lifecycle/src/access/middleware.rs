//! [`Authorizer`] as `reqwest-middleware` middleware.

use reqwest::{Request, Response};
use reqwest_middleware::{Middleware, Next};

use super::Authorizer;
use oauth_core::error::Error;

#[async_trait::async_trait]
impl Middleware for Authorizer {
    async fn handle(
        &self,
        mut request: Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<Response> {
        let Some(attempt) = self
            .authorize(&mut request)
            .await
            .map_err(reqwest_middleware::Error::middleware)?
        else {
            return next.run(request, extensions).await;
        };
        let response = next.clone().run(request, extensions).await?;
        match self
            .retry(response.status(), response.headers(), attempt)
            .await
            .map_err(reqwest_middleware::Error::middleware)?
        {
            Some(again) => next.run(again, extensions).await,
            None => Ok(response),
        }
    }
}

/// The token source's error inside a middleware error, if that is what it is: e.g.
/// [`Error::NeedsReauthorization`] when the grant is dead.
///
/// ```no_run
/// # async fn run(client: reqwest_middleware::ClientWithMiddleware) {
/// match client.get("https://api.example/me").send().await {
///     Err(e) if matches!(oauth_lifecycle::access::oauth_error(&e),
///         Some(oauth_core::Error::NeedsReauthorization(_))) => { /* ask the user to sign in */ }
///     _ => {}
/// }
/// # }
/// ```
pub fn oauth_error(error: &reqwest_middleware::Error) -> Option<&Error> {
    match error {
        reqwest_middleware::Error::Middleware(e) => e.downcast_ref::<Error>(),
        reqwest_middleware::Error::Reqwest(_) => None,
    }
}
