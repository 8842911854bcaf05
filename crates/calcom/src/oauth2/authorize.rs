//! The authorization request: a page of the Cal.com web app, built as a URL. It is on another
//! host than the API and is opened by a browser, so the spec marks it `x-browser-page`: the
//! xtask emits its path and host ([`generated::paths::O_AUTH2_AUTHORIZE_PAGE`],
//! [`generated::pages`]) and no method.

use oauth_core::{AuthorizationRequest, Pkce};

use super::client::CalcomOAuth2Client;
use crate::generated;

/// The Cal.com web app, `https://app.cal.com`, where the authorization page is (the server
/// the spec declares for the page). Self-hosted instances pass theirs with
/// [`super::CalcomOAuth2ClientBuilder::app_url`].
pub const DEFAULT_APP_URL: &str = generated::pages::O_AUTH2_AUTHORIZE_PAGE_SERVER;

/// The parameters of an authorization request. PKCE S256 and a random state are always added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeParams {
    /// `redirect_uri`: must equal the client's registered redirect URI exactly. The code
    /// exchange repeats it (Cal.com requires it there).
    pub redirect_uri: String,
    /// Cal.com scopes (`BOOKING_READ`, `EVENT_TYPE_WRITE`, `TEAM_...`, `ORG_...`), sent
    /// space-separated as RFC 6749 §3.3 says; Cal.com reads spaces and commas alike. Clients
    /// registered with these scopes must request at least one; empty sends no `scope`.
    pub scopes: Vec<String>,
}

impl AuthorizeParams {
    /// Parameters with this redirect URI and no scopes.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self {
            redirect_uri: redirect_uri.into(),
            scopes: Vec::new(),
        }
    }

    /// Adds a scope.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scopes.push(scope.into());
        self
    }
}

impl CalcomOAuth2Client {
    /// The request to send the user's browser to:
    /// `<app>/auth/oauth2/authorize?client_id&redirect_uri&response_type=code&scope&`
    /// `code_challenge&code_challenge_method=S256&state`, with a fresh state and PKCE verifier
    /// kept in the returned request. Keep it until the browser comes back, then
    /// [`AuthorizationRequest::verify_redirect`] gives the grant for
    /// [`oauth_core::AuthorizationCodeGrant::exchange_code`].
    ///
    /// `response_type=code` is not read by Cal.com's page but is what RFC 6749 servers expect
    /// (Cal.com's own CLI sends it too).
    pub fn authorization_request(&self, params: &AuthorizeParams) -> AuthorizationRequest {
        let scope = (!params.scopes.is_empty()).then(|| params.scopes.join(" "));
        AuthorizationRequest::builder(self.authorize.clone())
            .param("client_id", self.client_id.as_str())
            .redirect_uri(params.redirect_uri.as_str())
            .param("response_type", "code")
            .param_opt("scope", scope)
            .pkce(Pkce::new_s256())
            .build()
    }
}
