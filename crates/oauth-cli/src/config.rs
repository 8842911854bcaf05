//! Profiles: a TOML file in the user's config dir, one `[profiles.NAME]` table each. It holds
//! no secret, only where the client secret comes from.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{CliError, CliResult};
use crate::files;
use crate::provider::ProviderKind;

/// The redirect URI of a profile that names none.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8976/callback";

/// The config file.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Profiles by name.
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

/// How a profile's token is obtained, and so how `oauth token` renews it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Grant {
    /// The browser (or Cal.com's server-side) authorization code flow; renewed by refresh.
    #[default]
    AuthorizationCode,
    /// Procore client credentials; obtained again when due.
    ClientCredentials,
    /// RingCentral JWT bearer; refreshed, or obtained again with the JWT when due.
    Jwt,
}

/// Which of Cal.com's two flows a Cal.com profile logs in with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CalcomFlow {
    /// RFC 6749 OAuth 2.0: the browser authorizes on the web app (PKCE S256 and state), the
    /// code comes back to the loopback listener; public clients have no secret. What
    /// `oauth profile add --provider calcom` writes unless told otherwise.
    #[serde(rename = "oauth2")]
    #[value(name = "oauth2")]
    OAuth2,
    /// The platform flow: a server-side authorize with the user's session cookie. What a
    /// profile without a `flow` setting (written before the OAuth 2.0 flow existed) uses.
    #[default]
    Platform,
}

/// How a RingCentral profile's client authenticates at the token and revocation endpoints
/// (OpenID Connect Core §9 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum ClientAuth {
    /// HTTP Basic with the client secret: what a profile with a secret and no `client_auth`
    /// setting does.
    ClientSecretBasic,
    /// A fresh HS256 assertion keyed with the client secret (at least 32 bytes) per request.
    ClientSecretJwt,
    /// A fresh RS256 or ES256 assertion signed with the private key in the `--key` file; no client
    /// secret needed.
    PrivateKeyJwt,
}

impl ClientAuth {
    /// The method's name as OpenID Connect spells it (and the library reports it).
    pub fn oidc_name(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }
}

/// One profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The provider.
    pub provider: ProviderKind,
    /// The app's client id.
    pub client_id: String,
    /// Environment or region (provider specific names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// A base URL instead of the environment's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Cal.com: the flow; absent means [`CalcomFlow::Platform`], so that config files written
    /// before the OAuth 2.0 flow keep logging in as they did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow: Option<CalcomFlow>,
    /// Cal.com OAuth 2.0: the web app URL (where the authorization page is) instead of
    /// `https://app.cal.com`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_url: Option<String>,
    /// The registered redirect URI.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// Scopes to request.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Procore company id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_id: Option<i64>,
    /// The environment variable holding the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_env: Option<String>,
    /// The file holding the client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    /// RingCentral: the client authentication method; absent means `client_secret_basic` with a
    /// secret and none (a public client) without.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuth>,
    /// RingCentral `private_key_jwt`: the private key's file (PEM or JWK), read at every use;
    /// the config holds its path, never the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_file: Option<PathBuf>,
    /// RingCentral `private_key_jwt`: the `kid` registered with the key, when the file does not
    /// name it (a JWK's own `kid` otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// How the token is obtained (set by `oauth login`).
    #[serde(default)]
    pub grant: Grant,
    /// RingCentral JWT credential file (set by `oauth login --jwt`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwt_file: Option<PathBuf>,
}

impl Profile {
    /// The redirect URI, or the default one.
    pub fn redirect_uri(&self) -> &str {
        self.redirect_uri.as_deref().unwrap_or(DEFAULT_REDIRECT_URI)
    }

    /// Cal.com's flow for this profile (meaningless for the other providers).
    pub fn calcom_flow(&self) -> CalcomFlow {
        self.flow.unwrap_or_default()
    }

    /// The scopes as one space-separated string, `None` when there are none.
    pub fn scope(&self) -> Option<String> {
        (!self.scopes.is_empty()).then(|| self.scopes.join(" "))
    }

    /// Where the client secret comes from, for listings.
    pub fn secret_source(&self) -> String {
        match (&self.client_secret_env, &self.client_secret_file) {
            (Some(var), _) => format!("env {var}"),
            (None, Some(file)) => format!("file {}", file.display()),
            (None, None) => "none".into(),
        }
    }

    /// The client authentication method this profile's client uses, as OpenID Connect names
    /// it (`none` for a public client); `None` for the providers that have no choice.
    pub fn client_auth_name(&self) -> Option<&'static str> {
        if self.provider != ProviderKind::Ringcentral {
            return None;
        }
        let has_secret = self.client_secret_env.is_some() || self.client_secret_file.is_some();
        Some(match self.client_auth {
            Some(method) => method.oidc_name(),
            None if has_secret => ClientAuth::ClientSecretBasic.oidc_name(),
            None => "none",
        })
    }
}

impl Config {
    /// Reads the config file; a missing one is an empty config.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(e) => return Err(files::io_error("read", path, &e)),
        };
        toml::from_str(&text).map_err(|e| {
            // toml's message quotes the offending line: the config holds no secret.
            let message = e.message().to_owned();
            let at = e
                .span()
                .map(|s| {
                    let line = text.as_bytes()[..s.start.min(text.len())]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            CliError::Config(format!("{}{at}: {message}", path.display()))
        })
    }

    /// Writes the config file (atomically, mode 0600).
    pub fn save(&self, path: &Path) -> CliResult<()> {
        let text = toml::to_string(self)
            .map_err(|e| CliError::Other(format!("could not encode the config: {e}")))?;
        files::write_private(path, text.as_bytes())
    }

    /// The profile `name`, or an error that lists the near misses.
    pub fn profile(&self, name: &str) -> CliResult<&Profile> {
        self.profiles.get(name).ok_or_else(|| self.unknown(name))
    }

    /// The profile `name` to change.
    pub fn profile_mut(&mut self, name: &str) -> CliResult<&mut Profile> {
        if !self.profiles.contains_key(name) {
            return Err(self.unknown(name));
        }
        Ok(self.profiles.get_mut(name).expect("checked just above"))
    }

    fn unknown(&self, name: &str) -> CliError {
        let close = self
            .profiles
            .keys()
            .filter(|k| strsim::jaro_winkler(k, name) > 0.8)
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>();
        let hint = if !close.is_empty() {
            format!("; did you mean {}?", close.join(" or "))
        } else if self.profiles.is_empty() {
            "; add one with `oauth profile add`".to_owned()
        } else {
            "; `oauth profile list` shows them".to_owned()
        };
        CliError::Config(format!("no profile named `{name}`{hint}"))
    }
}

/// Checks a profile name: it is also the token store's key and a file name.
pub fn validate_name(name: &str) -> CliResult<()> {
    oauth_lifecycle::store::validate_key(name).map_err(|_| {
        CliError::Config(format!(
            "invalid profile name `{name}`: use 1-200 of [A-Za-z0-9._-], not starting with `.`"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        Profile {
            provider: ProviderKind::Ringcentral,
            client_id: "cid".into(),
            environment: Some("sandbox".into()),
            base_url: None,
            flow: None,
            app_url: None,
            redirect_uri: None,
            scopes: vec!["ReadAccounts".into()],
            company_id: None,
            client_secret_env: Some("RC_SECRET".into()),
            client_secret_file: None,
            client_auth: None,
            key_file: None,
            key_id: None,
            grant: Grant::AuthorizationCode,
            jwt_file: None,
        }
    }

    #[test]
    fn the_client_auth_method_is_stored_by_name_with_the_key_path_only() {
        let mut p = profile();
        assert_eq!(p.client_auth_name(), Some("client_secret_basic"));
        p.client_secret_env = None;
        assert_eq!(p.client_auth_name(), Some("none"), "a public client");
        p.client_auth = Some(ClientAuth::PrivateKeyJwt);
        p.key_file = Some("/keys/rc.pem".into());
        p.key_id = Some("key-1".into());
        assert_eq!(p.client_auth_name(), Some("private_key_jwt"));
        let text = toml::to_string(&p).unwrap();
        assert!(
            text.contains("client_auth = \"private-key-jwt\"")
                && text.contains("key_file = \"/keys/rc.pem\"")
                && text.contains("key_id = \"key-1\""),
            "{text}"
        );
        let back: Profile = toml::from_str(&text).unwrap();
        assert_eq!(back.client_auth, Some(ClientAuth::PrivateKeyJwt));
        p.provider = ProviderKind::Procore;
        assert_eq!(p.client_auth_name(), None);
    }

    #[test]
    fn round_trips_through_toml() {
        let dir = std::env::temp_dir().join(format!("oauth-cli-config-{}", std::process::id()));
        let path = dir.join("config.toml");
        let mut config = Config::default();
        config.profiles.insert("rc".into(), profile());
        config.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("[profiles.rc]"), "{text}");
        assert!(text.contains("provider = \"ringcentral\""), "{text}");
        let back = Config::load(&path).unwrap();
        assert_eq!(back.profile("rc").unwrap().client_id, "cid");
        assert_eq!(
            back.profile("rc").unwrap().redirect_uri(),
            DEFAULT_REDIRECT_URI
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_typo_suggests_the_profile() {
        let mut config = Config::default();
        config.profiles.insert("ringcentral".into(), profile());
        let e = config.profile("ringcentrl").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no profile named `ringcentrl`; did you mean `ringcentral`?"
        );
        assert_eq!(e.exit_code(), 3);
        let e = Config::default().profile("x").unwrap_err();
        assert!(e.to_string().contains("oauth profile add"), "{e}");
    }

    #[test]
    fn a_bad_file_names_its_line() {
        let dir = std::env::temp_dir().join(format!("oauth-cli-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        std::fs::write(
            &path,
            "[profiles.rc]\nprovider = \"ringcentral\"\nclient_id = \"x\"\ncolour = 1\n",
        )
        .unwrap();
        let e = Config::load(&path).unwrap_err().to_string();
        assert!(e.contains("line 4") && e.contains("colour"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_calcom_profile_without_a_flow_reads_as_platform() {
        let old: Profile = toml::from_str("provider = \"calcom\"\nclient_id = \"c\"").unwrap();
        assert_eq!(old.flow, None);
        assert_eq!(old.calcom_flow(), CalcomFlow::Platform);
        let new: Profile =
            toml::from_str("provider = \"calcom\"\nclient_id = \"c\"\nflow = \"oauth2\"").unwrap();
        assert_eq!(new.calcom_flow(), CalcomFlow::OAuth2);
        let text = toml::to_string(&new).unwrap();
        assert!(text.contains("flow = \"oauth2\""), "{text}");
        let e = toml::from_str::<Profile>("provider = \"calcom\"\nclient_id = \"c\"\nflow = \"x\"")
            .unwrap_err();
        assert!(e.to_string().contains("oauth2"), "{e}");
    }

    #[test]
    fn names_are_store_keys() {
        assert!(validate_name("rc-sandbox.2").is_ok());
        for bad in ["", ".hidden", "a/b", "a b"] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }
}
