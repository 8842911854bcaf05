//! Authorization requests: the URL on the OAuth bridge the user's browser is sent to.

use oauth_core::{AuthorizationRequest, CsrfState};

use crate::client::SunshineClient;

impl SunshineClient {
    /// The authorization request for the browser:
    /// `GET /oauth/authorize?response_type=code&client_id=..[&redirect_uri=..]&state=..`, with
    /// a fresh random state kept in the returned request.
    ///
    /// Without a redirect URI Sunshine uses the first one registered for the integration; one
    /// that is passed must be in that list. No PKCE challenge is sent: the endpoint defines
    /// none, and the code exchange authenticates with the client secret instead.
    pub fn authorization_request(&self, redirect_uri: Option<&str>) -> AuthorizationRequest {
        self.authorization_request_with_state(redirect_uri, CsrfState::new_random())
    }

    /// [`Self::authorization_request`] with a state chosen by the caller (e.g. one that also
    /// says where to return to); it must be unguessable for the CSRF check to mean anything.
    pub fn authorization_request_with_state(
        &self,
        redirect_uri: Option<&str>,
        state: CsrfState,
    ) -> AuthorizationRequest {
        let builder = AuthorizationRequest::builder(self.authorize.clone())
            .param("response_type", "code")
            .param("client_id", self.client_id.as_str());
        match redirect_uri {
            Some(uri) => builder.redirect_uri(uri),
            None => builder,
        }
        .state(state)
        .build()
    }
}
