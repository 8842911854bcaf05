//! The providers' clients behind one enum, built from a profile: what `login`, `token`,
//! `revoke` and `profile check` call.

use calcom_oauth::{CalcomClient, CalcomOAuth2Client};
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, ClientSecret, Token, TokenRevocation,
};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::{AuthorizeParams, RingCentralClient, SignInError};
use sunshine_conversations_oauth::SunshineClient;

use crate::config::{CalcomFlow, Profile};
use crate::error::{CliError, CliResult};
use crate::provider::ProviderKind;
use crate::sign_in::{BrowserGrant, BrowserRequest, LoggedIn};

/// A provider client built from a profile.
#[derive(Debug, Clone)]
pub enum Client {
    /// Procore.
    Procore(ProcoreClient),
    /// Cal.com's platform flow.
    Calcom(CalcomClient),
    /// Cal.com's OAuth 2.0 flow (public without a secret, confidential with one).
    CalcomOAuth2(CalcomOAuth2Client),
    /// Sunshine Conversations.
    Sunshine(SunshineClient),
    /// RingCentral.
    RingCentral(RingCentralClient),
}

impl Client {
    /// The client for `profile`, with its client secret when it has one.
    pub fn new(profile: &Profile, secret: Option<ClientSecret>) -> CliResult<Self> {
        let env = profile.environment();
        profile.provider.check_environment(env)?;
        let server = profile
            .base_url
            .as_deref()
            .unwrap_or(profile.provider.default_base_url(env));
        crate::verbose::server(server);
        let id = profile.client_id.as_str();
        // The four builders share these method names (not a trait): one macro sets them all.
        macro_rules! build {
            ($builder:expr, $variant:path) => {{
                let mut b = $builder;
                if let Some(s) = secret {
                    b = b.client_secret(s);
                }
                if let Some(url) = &profile.base_url {
                    b = b.base_url(url);
                }
                b.build().map($variant)
            }};
        }
        let built = match profile.provider {
            ProviderKind::Procore => {
                let mut b = ProcoreClient::builder(id).environment(match env {
                    "sandbox" => procore_oauth::Environment::Sandbox,
                    "monthly-sandbox" => procore_oauth::Environment::MonthlySandbox,
                    _ => procore_oauth::Environment::Production,
                });
                if let Some(company) = profile.company_id {
                    b = b.company_id(company);
                }
                build!(b, Self::Procore)
            }
            ProviderKind::Calcom => match profile.calcom_flow() {
                CalcomFlow::Platform => build!(CalcomClient::builder(id), Self::Calcom),
                CalcomFlow::OAuth2 => {
                    let mut b = CalcomOAuth2Client::builder(id);
                    if let Some(url) = &profile.app_url {
                        b = b.app_url(url);
                    }
                    build!(b, Self::CalcomOAuth2)
                }
            },
            ProviderKind::SunshineConversations => build!(
                SunshineClient::builder(id).region(match env {
                    "us" => sunshine_conversations_oauth::Region::Us,
                    "eu" => sunshine_conversations_oauth::Region::Eu,
                    _ => sunshine_conversations_oauth::Region::OAuthBridge,
                }),
                Self::Sunshine
            ),
            ProviderKind::Ringcentral => {
                let mut b = RingCentralClient::builder(id).environment(match env {
                    "sandbox" => ringcentral_oauth::Environment::Sandbox,
                    _ => ringcentral_oauth::Environment::Production,
                });
                if let Some(method) = crate::client_auth::for_profile(profile)? {
                    b = b.client_authentication(method);
                }
                build!(b, Self::RingCentral)
            }
        };
        built.map_err(|e| {
            CliError::Config(format!(
                "{} client: {e} (see `oauth profile set --help`)",
                profile.provider.product()
            ))
        })
    }

    /// The browser authorization request (state, and PKCE S256 where the provider has it), or
    /// `None` for a provider without a browser flow. A RingCentral profile with `openid` among
    /// its scopes signs the user in: the request carries a nonce its ID token must return.
    pub fn browser_request(&self, profile: &Profile, redirect_uri: &str) -> Option<BrowserRequest> {
        let plain = |request| Some(BrowserRequest::Plain(request));
        match self {
            Self::Procore(c) => plain(c.authorization_request(redirect_uri)),
            Self::Sunshine(c) => plain(c.authorization_request(Some(redirect_uri))),
            Self::RingCentral(c) => {
                let mut params = AuthorizeParams::new(redirect_uri);
                params.scope = profile.scope();
                if profile.scopes.iter().any(|s| s == "openid") {
                    Some(BrowserRequest::SignIn(c.sign_in_request(&params)))
                } else {
                    plain(c.authorization_request(&params))
                }
            }
            Self::CalcomOAuth2(c) => {
                let params = profile
                    .scopes
                    .iter()
                    .fold(calcom_oauth::AuthorizeParams::new(redirect_uri), |p, s| {
                        p.scope(s)
                    });
                plain(c.authorization_request(&params))
            }
            Self::Calcom(_) => None,
        }
    }

    /// Exchanges the code of a browser login; a sign-in's ID token is verified and its claims
    /// returned.
    pub async fn finish_browser(&self, grant: &BrowserGrant) -> Result<LoggedIn, SignInError> {
        match (self, grant) {
            (Self::RingCentral(c), BrowserGrant::SignIn(grant)) => {
                let signed_in = c.sign_in(grant).await?;
                Ok(LoggedIn {
                    token: signed_in.token,
                    id_token: Some(signed_in.id_token),
                })
            }
            (_, BrowserGrant::SignIn(grant)) => Ok(LoggedIn {
                token: self.exchange(&grant.grant).await?,
                id_token: None,
            }),
            (_, BrowserGrant::Plain(grant)) => Ok(LoggedIn {
                token: self.exchange(grant).await?,
                id_token: None,
            }),
        }
    }

    /// Exchanges a verified code.
    pub async fn exchange(&self, grant: &AuthorizationGrant) -> oauth_core::Result<Token> {
        match self {
            Self::Procore(c) => c.exchange_code(grant).await,
            Self::Calcom(c) => c.exchange_code(grant).await,
            Self::CalcomOAuth2(c) => c.exchange_code(grant).await,
            Self::Sunshine(c) => c.exchange_code(grant).await,
            Self::RingCentral(c) => c.exchange_code(grant).await,
        }
    }

    /// Revokes the token's grant; `None` when the provider cannot.
    pub async fn revoke(&self, token: &Token) -> Option<oauth_core::Result<()>> {
        Some(match self {
            Self::Procore(c) => c.revoke(token).await,
            Self::Sunshine(c) => c.revoke(token).await,
            Self::RingCentral(c) => c.revoke(token).await,
            Self::Calcom(_) | Self::CalcomOAuth2(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Grant;
    use crate::provider::LoginPath;

    fn profile(provider: ProviderKind, environment: Option<&str>) -> Profile {
        Profile {
            provider,
            client_id: "cid".into(),
            environment: environment.map(str::to_owned),
            base_url: None,
            flow: None,
            app_url: None,
            redirect_uri: None,
            scopes: vec!["ReadAccounts".into(), "openid".into()],
            company_id: Some(7),
            client_secret_env: None,
            client_secret_file: None,
            client_auth: None,
            key_file: None,
            key_id: None,
            grant: Grant::AuthorizationCode,
            jwt_file: None,
        }
    }

    #[test]
    fn every_browser_provider_sends_state_and_the_redirect_uri() {
        for kind in [
            ProviderKind::Procore,
            ProviderKind::SunshineConversations,
            ProviderKind::Ringcentral,
        ] {
            let p = profile(kind, None);
            assert_eq!(p.login_path(), LoginPath::Browser);
            let client = Client::new(&p, Some(ClientSecret::new("s"))).unwrap();
            let request = client
                .browser_request(&p, "http://127.0.0.1:8976/callback")
                .unwrap();
            let query: std::collections::BTreeMap<_, _> =
                request.url().query_pairs().into_owned().collect();
            assert_eq!(query["client_id"], "cid", "{kind:?}");
            assert_eq!(query["redirect_uri"], "http://127.0.0.1:8976/callback");
            assert!(query.contains_key("state"));
            assert_eq!(
                query.contains_key("code_challenge"),
                kind == ProviderKind::Ringcentral,
                "{kind:?}: PKCE where the provider has it"
            );
        }
    }

    #[test]
    fn calcom_oauth2_logs_in_through_the_browser_on_the_web_app_with_pkce() {
        let mut p = profile(ProviderKind::Calcom, None);
        p.scopes = vec!["BOOKING_READ".into(), "PROFILE_READ".into()];
        assert_eq!(
            p.login_path(),
            LoginPath::CalcomSession,
            "no flow: platform"
        );
        p.flow = Some(CalcomFlow::OAuth2);
        p.app_url = Some("http://127.0.0.1:3000".into());
        assert_eq!(p.login_path(), LoginPath::Browser);
        // Public client: no secret needed.
        let client = Client::new(&p, None).unwrap();
        let Client::CalcomOAuth2(c) = &client else {
            panic!("the OAuth 2.0 client")
        };
        assert_eq!(c.kind(), calcom_oauth::ClientKind::Public);
        let request = client
            .browser_request(&p, "http://127.0.0.1:8976/callback")
            .unwrap();
        assert_eq!(request.url().host_str(), Some("127.0.0.1"));
        assert_eq!(request.url().port(), Some(3000));
        let query: std::collections::BTreeMap<_, _> =
            request.url().query_pairs().into_owned().collect();
        assert_eq!(query["client_id"], "cid");
        assert_eq!(query["redirect_uri"], "http://127.0.0.1:8976/callback");
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(query.contains_key("state"));
        assert_eq!(query["scope"], "BOOKING_READ PROFILE_READ");
        let confidential = Client::new(&p, Some(ClientSecret::new("s"))).unwrap();
        let Client::CalcomOAuth2(c) = confidential else {
            panic!("the OAuth 2.0 client")
        };
        assert_eq!(c.kind(), calcom_oauth::ClientKind::Confidential);
    }

    #[test]
    fn environments_are_checked_per_provider() {
        let e = Client::new(
            &profile(ProviderKind::Ringcentral, Some("monthly-sandbox")),
            None,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "RingCentral has no environment `monthly-sandbox`; use one of: production, sandbox"
        );
        let p = profile(ProviderKind::Procore, Some("monthly-sandbox"));
        let Client::Procore(c) = Client::new(&p, Some(ClientSecret::new("s"))).unwrap() else {
            panic!("procore")
        };
        let request = c.authorization_request("http://127.0.0.1:1/cb");
        assert_eq!(
            request.url().host_str(),
            Some("login-sandbox-monthly.procore.com")
        );
    }

    #[test]
    fn a_missing_required_secret_is_a_configuration_error() {
        let e = Client::new(&profile(ProviderKind::Calcom, None), None).unwrap_err();
        assert_eq!(e.exit_code(), 3);
        assert!(e.to_string().starts_with("Cal.com client: "), "{e}");
    }
}
