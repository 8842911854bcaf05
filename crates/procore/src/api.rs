//! Calling Procore's REST API with a token source: the API host of each environment, and the
//! company header.
//!
//! Most REST endpoints act inside one company and need `Procore-Company-Id`. Set it once for
//! the client ([`WithCompany::company_id`] on the [`AuthorizerBuilder`]: every API request
//! that does not name its own) or per request (on the request builder, which then wins).
//!
//! ```no_run
//! # async fn run(source: oauth_lifecycle::SharedTokenSource) -> Result<(), Box<dyn std::error::Error>> {
//! use oauth_lifecycle::access::AuthorizedClient;
//! use procore_oauth::{Environment, api::{self, WithCompany}};
//! let authorizer = api::authorizer(source, Environment::Production).company_id(8089).build()?;
//! let http = AuthorizedClient::new(reqwest::Client::new(), authorizer);
//! let projects = http
//!     .send(http.get("/rest/v1.0/projects?company_id=8089")?)
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! With the `middleware` feature, the authorizer is `reqwest-middleware` middleware, and
//! [`WithCompany`] also names the company on its request builder.

use oauth_lifecycle::access::{AccessTokenSource, Authorizer, AuthorizerBuilder};
#[cfg(feature = "middleware")]
use oauth_lifecycle::reqwest_middleware;
use reqwest::header::{HeaderName, HeaderValue};

use crate::Environment;

/// `Procore-Company-Id`: the company a request acts in.
pub const COMPANY_HEADER: HeaderName = HeaderName::from_static("procore-company-id");

/// An authorizer for the REST API of `environment` ([`Environment::api_url`]; another with
/// [`AuthorizerBuilder::base_url`]). Tokens are only sent to that host.
pub fn authorizer(source: impl AccessTokenSource, environment: Environment) -> AuthorizerBuilder {
    Authorizer::builder(source, environment.api_url())
}

/// Names the Procore company of requests: on an [`AuthorizerBuilder`] for every API request,
/// on a request builder for that request.
pub trait WithCompany: Sized {
    /// Sends `Procore-Company-Id: <company_id>`.
    fn company_id(self, company_id: i64) -> Self;
}

impl WithCompany for AuthorizerBuilder {
    fn company_id(self, company_id: i64) -> Self {
        self.header(COMPANY_HEADER, HeaderValue::from(company_id))
    }
}

impl WithCompany for reqwest::RequestBuilder {
    fn company_id(self, company_id: i64) -> Self {
        self.header(COMPANY_HEADER, HeaderValue::from(company_id))
    }
}

#[cfg(feature = "middleware")]
impl WithCompany for reqwest_middleware::RequestBuilder {
    fn company_id(self, company_id: i64) -> Self {
        self.header(COMPANY_HEADER, HeaderValue::from(company_id))
    }
}
