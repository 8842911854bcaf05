//! Where the config file, the token store and saved secrets live.

use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};

/// Overrides both directories: `$OAUTH_CLI_HOME/config.toml` and `$OAUTH_CLI_HOME/data/`.
pub const HOME_VAR: &str = "OAUTH_CLI_HOME";

const APP_DIR: &str = "oauth-cli";

/// The CLI's files.
#[derive(Debug, Clone)]
pub struct Paths {
    config_file: PathBuf,
    data_dir: PathBuf,
}

impl Paths {
    /// `OAUTH_CLI_HOME` if set, else the platform's config and data dirs (on Linux
    /// `$XDG_CONFIG_HOME/oauth-cli` and `$XDG_DATA_HOME/oauth-cli`, defaulting to `~/.config`
    /// and `~/.local/share`).
    pub fn from_env() -> CliResult<Self> {
        if let Some(home) = std::env::var_os(HOME_VAR).filter(|h| !h.is_empty()) {
            let home = PathBuf::from(home);
            return Ok(Self {
                config_file: home.join("config.toml"),
                data_dir: home.join("data"),
            });
        }
        let (Some(config), Some(data)) = (dirs::config_dir(), dirs::data_dir()) else {
            return Err(CliError::Config(format!(
                "no home directory to keep profiles and tokens in: set {HOME_VAR}"
            )));
        };
        Ok(Self {
            config_file: config.join(APP_DIR).join("config.toml"),
            data_dir: data.join(APP_DIR),
        })
    }

    /// The profiles.
    pub fn config_file(&self) -> &Path {
        &self.config_file
    }

    /// The token store's directory (an `oauth_lifecycle::store::FileStore`).
    pub fn tokens_dir(&self) -> PathBuf {
        self.data_dir.join("tokens")
    }

    /// Client secrets saved by `profile add --client-secret-prompt` / `--client-secret-stdin`.
    pub fn secrets_dir(&self) -> PathBuf {
        self.data_dir.join("secrets")
    }
}
