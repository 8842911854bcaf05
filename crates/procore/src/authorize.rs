//! Authorization requests: the URL on the login host the user's browser is sent to.

use oauth_core::{AuthorizationRequest, CsrfState};

use crate::client::ProcoreClient;

/// `redirect_uri` for headless apps: Procore shows the code to the user instead of
/// redirecting, and the code exchange repeats this value.
pub const OUT_OF_BAND_REDIRECT_URI: &str = "urn:ietf:wg:oauth:2.0:oob";

impl ProcoreClient {
    /// The authorization request for the browser:
    /// `GET /oauth/authorize?response_type=code&client_id=..&redirect_uri=..&state=..` on the
    /// login host, with a fresh random state kept in the returned request.
    ///
    /// No PKCE challenge is sent: Procore's authorization endpoint does not define one. Headless
    /// apps pass [`OUT_OF_BAND_REDIRECT_URI`] and build the grant from the code the user copies.
    pub fn authorization_request(&self, redirect_uri: &str) -> AuthorizationRequest {
        self.authorization_request_with_state(redirect_uri, CsrfState::new_random())
    }

    /// [`Self::authorization_request`] with a state chosen by the caller (e.g. one that also
    /// says where to return to); it must be unguessable for the CSRF check to mean anything.
    pub fn authorization_request_with_state(
        &self,
        redirect_uri: &str,
        state: CsrfState,
    ) -> AuthorizationRequest {
        AuthorizationRequest::builder(self.authorize.clone())
            .param("response_type", "code")
            .param("client_id", self.client_id.as_str())
            .redirect_uri(redirect_uri)
            .state(state)
            .build()
    }
}
