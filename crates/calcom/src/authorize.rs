//! The server-side authorization: a `POST` that Cal.com answers with a redirect carrying the
//! code. The redirect is read, never followed.

use std::fmt;

use oauth_core::runtime::response::redirect_location;
use oauth_core::{AuthorizationCode, AuthorizationGrant, RedirectQuery, Result, SessionCookie};
use url::Url;

use crate::client::CalcomClient;
use crate::generated::types;

/// What the authorization endpoint answered: the redirect target and the code in it.
///
/// `Debug` shows the target without its query (which holds the code).
#[derive(Clone)]
pub struct AuthorizationRedirect {
    location: Url,
    grant: AuthorizationGrant,
}

impl AuthorizationRedirect {
    /// Reads a redirect target of the authorization endpoint (`redirectUri?code=...`).
    ///
    /// `error` in the query (e.g. `?error=access_denied`) is [`oauth_core::Error::Authorization`]; a
    /// target with neither `error` nor a non-empty `code` is [`oauth_core::Error::MissingCode`].
    ///
    /// Cal.com appends `?code=` to the redirect URI as given, so for a redirect URI with a
    /// query of its own the target reads `...?a=1?code=...`: `?` is taken as a parameter
    /// separator too. A target with two `code`s (or `error`s) is
    /// [`oauth_core::Error::DuplicateParameter`]: which one is Cal.com's cannot be told.
    pub fn from_location(location: Url) -> Result<Self> {
        let code = RedirectQuery::parse(location.as_str())?.into_code()?;
        Ok(Self {
            location,
            grant: AuthorizationGrant::from_code(code),
        })
    }

    /// The redirect target. It holds the code: do not log it.
    pub fn location(&self) -> &Url {
        &self.location
    }

    /// The authorization code.
    pub fn code(&self) -> &AuthorizationCode {
        &self.grant.code
    }

    /// The code as a grant for [`oauth_core::AuthorizationCodeGrant::exchange_code`] (no PKCE
    /// verifier or redirect URI: Cal.com's exchange takes neither).
    pub fn grant(&self) -> &AuthorizationGrant {
        &self.grant
    }

    /// The grant, consuming the redirect.
    pub fn into_grant(self) -> AuthorizationGrant {
        self.grant
    }
}

impl fmt::Debug for AuthorizationRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut target = self.location.clone();
        target.set_query(None);
        target.set_fragment(None);
        f.debug_struct("AuthorizationRedirect")
            .field("location", &target.as_str())
            .field("query", &"[redacted]")
            .field("grant", &self.grant)
            .finish()
    }
}

impl CalcomClient {
    /// Authorizes this OAuth client for the Cal.com user whose session is given, and returns
    /// the code.
    ///
    /// Sends `POST /v2/oauth/{clientId}/authorize` with `{"redirectUri": ...}` and, when given,
    /// `session` as the `Cookie` header (the whole header value, e.g.
    /// `__Secure-next-auth.session-token=...`: the endpoint authenticates the user by their
    /// Cal.com session). The server answers with a redirect to `redirect_uri?code=...`; the
    /// redirect is read, never followed (see [`crate::CalcomClientBuilder::http_client`]).
    ///
    /// Errors: a redirect carrying `error` is [`oauth_core::Error::Authorization`]; Cal.com's refusals
    /// (unknown client, unregistered redirect URI, a user who already authorized the client:
    /// 400; no session: 401) are [`oauth_core::Error::Server`] with Cal.com's message; an answer that is not
    /// a redirect, or one without a usable `Location`, is [`oauth_core::Error::Decode`].
    pub async fn authorize(
        &self,
        redirect_uri: &str,
        session: Option<&SessionCookie>,
    ) -> Result<AuthorizationRedirect> {
        let body = types::OAuthAuthorizeInput {
            redirect_uri: redirect_uri.to_owned(),
        };
        let result = self
            .generated
            .o_auth_flow_controller_authorize(
                &self.client_id,
                session.map(SessionCookie::secret),
                &body,
            )
            .await;
        let location = redirect_location(result)?;
        AuthorizationRedirect::from_location(location)
    }
}
