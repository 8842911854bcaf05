//! The one place that knows the four providers: their names, environments, default servers
//! and how each logs in (their clients are in `client.rs`). Cal.com has two flows: its RFC 6749
//! OAuth 2.0 flow (a browser login like the others) and its platform flow (a session cookie),
//! chosen by the profile.

use serde::{Deserialize, Serialize};

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
