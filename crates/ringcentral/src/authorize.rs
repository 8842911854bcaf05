//! Authorization requests: the URL for the browser (`GET`), or the same as a form (`POST`).

use oauth_core::runtime::response::redirect_location;
use oauth_core::{AuthorizationRequest, CsrfState, Pkce, Result};
use url::Url;

use crate::client::RingCentralClient;
use crate::generated::types;

/// The parameters of an authorization request. `Default` gives the recommended one: PKCE S256
/// and a random state, nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeParams {
    /// `redirect_uri`; required when the app has several registered.
    pub redirect_uri: Option<String>,
    /// Space-separated scopes.
    pub scope: Option<String>,
    /// `display`.
    pub display: Option<types::DisplayModes>,
    /// `prompt`: `login`, `sso`, `consent` (space separated) or `none`.
    pub prompt: Option<String>,
    /// `ui_locales`, e.g. `en-US`.
    pub ui_locales: Option<String>,
    /// `locale_id` (deprecated; prefer `ui_locales`).
    pub locale_id: Option<String>,
    /// `nonce` for the ID token. [`RingCentralClient::sign_in_request`] sets a random one
    /// when this is `None` and [`RingCentralClient::sign_in`] checks it; the plain
    /// [`RingCentralClient::authorization_request`] sends only what is set here, and nothing
    /// checks it unless the caller passes it to [`RingCentralClient::verify_id_token`].
    pub nonce: Option<String>,
    /// `ui_options`.
    pub ui_options: Option<String>,
    /// `login_hint`.
    pub login_hint: Option<String>,
    /// `brand_id`.
    pub brand_id: Option<String>,
    /// Send a PKCE S256 challenge (default `true`; the server's own default is the weak `plain`).
    pub pkce: bool,
}

impl Default for AuthorizeParams {
    fn default() -> Self {
        Self {
            redirect_uri: None,
            scope: None,
            display: None,
            prompt: None,
            ui_locales: None,
            locale_id: None,
            nonce: None,
            ui_options: None,
            login_hint: None,
            brand_id: None,
            pkce: true,
        }
    }
}

impl AuthorizeParams {
    /// Recommended parameters with this redirect URI.
    pub fn new(redirect_uri: impl Into<String>) -> Self {
        Self {
            redirect_uri: Some(redirect_uri.into()),
            ..Self::default()
        }
    }
}

impl RingCentralClient {
    /// The authorization request for the browser: `GET /restapi/oauth/authorize?...`, with a
    /// fresh state and PKCE verifier kept in the returned request.
    ///
    /// This is the request for API access. It creates no `nonce`, and the code exchange
    /// ([`exchange_code`](oauth_core::AuthorizationCodeGrant::exchange_code)) verifies no ID
    /// token: with `openid` in `params.scope` the token response's `id_token` is kept,
    /// unverified, in [`Token::extra`](oauth_core::Token::extra), and must not be taken as
    /// proof of who signed in. To sign a user in, use
    /// [`sign_in_request`](Self::sign_in_request) and [`sign_in`](Self::sign_in), which add
    /// `openid` and a random nonce and verify the ID token (signature, `iss`, `aud`, `exp`,
    /// `iat`, `nonce`). A caller that must keep this request sets `params.nonce` to a fresh
    /// random value and, after the exchange, calls
    /// [`verify_id_token`](Self::verify_id_token)`(&token, Some(&nonce))`.
    pub fn authorization_request(&self, params: &AuthorizeParams) -> AuthorizationRequest {
        self.build_request(params, CsrfState::new_random())
    }

    fn build_request(&self, params: &AuthorizeParams, state: CsrfState) -> AuthorizationRequest {
        let mut b = AuthorizationRequest::builder(self.authorize.clone())
            .param("client_id", self.client_id.as_str())
            .param("response_type", "code");
        if let Some(uri) = &params.redirect_uri {
            b = b.redirect_uri(uri.as_str());
        }
        b = b
            .param_opt("scope", params.scope.as_deref())
            .param_opt("display", params.display.map(|d| d.to_string()))
            .param_opt("prompt", params.prompt.as_deref())
            .param_opt("ui_locales", params.ui_locales.as_deref())
            .param_opt("locale_id", params.locale_id.as_deref());
        if params.pkce {
            b = b.pkce(Pkce::new_s256());
        }
        b.param_opt("nonce", params.nonce.as_deref())
            .param_opt("ui_options", params.ui_options.as_deref())
            .param_opt("login_hint", params.login_hint.as_deref())
            .param_opt("brand_id", params.brand_id.as_deref())
            .state(state)
            .build()
    }

    /// The `POST` form of the authorization endpoint: sends the parameters as a form and
    /// returns the request (to check the final redirect) and the `Location` the server answered
    /// with (the login form to send the browser to). The redirect is not followed.
    pub async fn authorize_with_post(
        &self,
        params: &AuthorizeParams,
    ) -> Result<(AuthorizationRequest, Url)> {
        let request = self.build_request(params, CsrfState::new_random());
        let field = |name: &str| {
            request
                .url()
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let body = types::AuthorizeRequest {
            response_type: types::AuthorizeResponseType::Code,
            client_id: self.client_id.clone(),
            redirect_uri: params.redirect_uri.clone(),
            state: field("state"),
            scope: params.scope.clone(),
            display: params.display,
            prompt: params.prompt.clone(),
            ui_locales: params.ui_locales.clone(),
            locale_id: params.locale_id.clone(),
            code_challenge: field("code_challenge"),
            code_challenge_method: params.pkce.then_some(types::CodeChallengeMethod::S256),
            nonce: params.nonce.clone(),
            ui_options: params.ui_options.clone(),
            login_hint: params.login_hint.clone(),
            brand_id: params.brand_id.clone(),
        };
        let location = redirect_location(self.generated.authorize2(&body).await)?;
        Ok((request, location))
    }
}
