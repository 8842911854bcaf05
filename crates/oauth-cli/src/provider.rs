//! The one place that knows the four providers: their names, environments, how each logs in,
//! and their clients behind one enum. Cal.com has two: its RFC 6749 OAuth 2.0 flow (a browser
//! login like the others) and its platform flow (a session cookie), chosen by the profile.

use calcom_oauth::{CalcomClient, CalcomOAuth2Client};
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, AuthorizationRequest, ClientSecret, Token,
    TokenRevocation,
};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::{AuthorizeParams, RingCentralClient};
use serde::{Deserialize, Serialize};
use sunshine_conversations_oauth::SunshineClient;

use crate::config::{CalcomFlow, Profile};
use crate::error::{CliError, CliResult};

/// The providers, as named on the command line and in the config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ProviderKind {
    /// Procore.
    Procore,
    /// Cal.com v2.
    Calcom,
    /// Zendesk Sunshine Conversations.
    SunshineConversations,
    /// RingCentral.
    Ringcentral,
}

/// How `oauth login` (without `--client-credentials` or `--jwt`) gets a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginPath {
    /// The browser, through a loopback redirect.
    Browser,
    /// Cal.com's platform flow: a server-side authorize with the user's session cookie.
    CalcomSession,
}

impl ProviderKind {
    /// The name used on the command line (`--provider`), in the config file and in the
    /// tab-separated columns of `status` and `profile list`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Procore => "procore",
            Self::Calcom => "calcom",
            Self::SunshineConversations => "sunshine-conversations",
            Self::Ringcentral => "ringcentral",
        }
    }

    /// The product's name, for sentences.
    pub fn product(self) -> &'static str {
        match self {
            Self::Procore => "Procore",
            Self::Calcom => "Cal.com",
            Self::SunshineConversations => "Sunshine Conversations",
            Self::Ringcentral => "RingCentral",
        }
    }

    /// Where the token endpoint is in `environment` when the profile names no base URL.
    pub fn default_base_url(self, environment: &str) -> &'static str {
        match self {
            Self::Procore => match environment {
                "sandbox" => procore_oauth::Environment::Sandbox.login_url(),
                "monthly-sandbox" => procore_oauth::Environment::MonthlySandbox.login_url(),
                _ => procore_oauth::Environment::Production.login_url(),
            },
            Self::Calcom => calcom_oauth::DEFAULT_BASE_URL,
            Self::SunshineConversations => match environment {
                "us" => sunshine_conversations_oauth::Region::Us.base_url(),
                "eu" => sunshine_conversations_oauth::Region::Eu.base_url(),
                _ => sunshine_conversations_oauth::Region::OAuthBridge.base_url(),
            },
            Self::Ringcentral => match environment {
                "sandbox" => ringcentral_oauth::Environment::Sandbox.base_url(),
                _ => ringcentral_oauth::Environment::Production.base_url(),
            },
        }
    }

    /// The token endpoint's path below the base URL: a base URL that already ends in its first
    /// segment would double it.
    pub fn token_path(self) -> &'static str {
        match self {
            Self::Procore | Self::SunshineConversations => "/oauth/token",
            Self::Calcom => "/v2/oauth/...",
            Self::Ringcentral => "/restapi/oauth/token",
        }
    }

    /// Whether a base URL may have a path: Sunshine's own has one (`/sc`), and a self-hosted
    /// Cal.com may live below one; RingCentral and Procore servers answer at the host root.
    pub fn base_url_may_have_path(self) -> bool {
        matches!(self, Self::SunshineConversations | Self::Calcom)
    }

    /// The environment (or region) names this provider knows, the default first.
    pub fn environments(self) -> &'static [&'static str] {
        match self {
            Self::Procore => &["production", "sandbox", "monthly-sandbox"],
            Self::Calcom => &["production"],
            Self::SunshineConversations => &["oauth-bridge", "us", "eu"],
            Self::Ringcentral => &["production", "sandbox"],
        }
    }

    /// Checks an environment name for this provider.
    pub fn check_environment(self, environment: &str) -> CliResult<()> {
        if self.environments().contains(&environment) {
            return Ok(());
        }
        Err(CliError::Config(format!(
            "{} has no environment `{environment}`; use one of: {}",
            self.product(),
            self.environments().join(", ")
        )))
    }

    /// Whether the provider accepts a loopback redirect URI at any port (RFC 8252 §7.3), so
    /// that `oauth login` may listen on an ephemeral one. None of the four documents it: each
    /// matches the registered redirect URI exactly, so the URI must name its port.
    pub fn loopback_any_port(self) -> bool {
        false
    }

    /// Whether the provider has a revocation endpoint (Cal.com has none, in either flow).
    pub fn can_revoke(self) -> bool {
        !matches!(self, Self::Calcom)
    }
}

impl Profile {
    /// The environment (or region), or the provider's default one.
    pub fn environment(&self) -> &str {
        self.environment
            .as_deref()
            .unwrap_or(self.provider.environments()[0])
    }

    /// The base URL when it is not the environment's own (for listings), normalized.
    pub fn custom_base_url(&self) -> Option<&str> {
        let url = self.base_url.as_deref()?.trim_end_matches('/');
        (url != self.provider.default_base_url(self.environment())).then_some(url)
    }

    /// How a code is obtained for this profile.
    pub fn login_path(&self) -> LoginPath {
        match (self.provider, self.calcom_flow()) {
            (ProviderKind::Calcom, CalcomFlow::Platform) => LoginPath::CalcomSession,
            _ => LoginPath::Browser,
        }
    }
}

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
            ProviderKind::Ringcentral => build!(
                RingCentralClient::builder(id).environment(match env {
                    "sandbox" => ringcentral_oauth::Environment::Sandbox,
                    _ => ringcentral_oauth::Environment::Production,
                }),
                Self::RingCentral
            ),
        };
        built.map_err(|e| {
            CliError::Config(format!(
                "{} client: {e} (see `oauth profile set --help`)",
                profile.provider.product()
            ))
        })
    }

    /// The browser authorization request (state, and PKCE S256 where the provider has it), or
    /// `None` for a provider without a browser flow.
    pub fn browser_request(
        &self,
        profile: &Profile,
        redirect_uri: &str,
    ) -> Option<AuthorizationRequest> {
        match self {
            Self::Procore(c) => Some(c.authorization_request(redirect_uri)),
            Self::Sunshine(c) => Some(c.authorization_request(Some(redirect_uri))),
            Self::RingCentral(c) => {
                let mut params = AuthorizeParams::new(redirect_uri);
                params.scope = profile.scope();
                Some(c.authorization_request(&params))
            }
            Self::CalcomOAuth2(c) => {
                let params = profile
                    .scopes
                    .iter()
                    .fold(calcom_oauth::AuthorizeParams::new(redirect_uri), |p, s| {
                        p.scope(s)
                    });
                Some(c.authorization_request(&params))
            }
            Self::Calcom(_) => None,
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
