//! What can go wrong, as one-line messages with distinct exit codes (listed in `oauth --help`).
//!
//! No variant holds a secret: `oauth_core::Error` never carries a response body or a credential,
//! and every message here is built from names, paths and the provider's error codes.

use std::sync::Arc;

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A bad configuration: unknown profile, unreadable config file, missing secret. Exit 3.
    #[error("{0}")]
    Config(String),
    /// The profile has no usable token: log in. Exit 4.
    #[error("{message}: run `oauth login {profile}`")]
    LoginNeeded {
        /// The profile.
        profile: String,
        /// Why.
        message: String,
    },
    /// The provider or the network failed. Exit 5.
    #[error("{context}: {source}")]
    Provider {
        /// What was being done.
        context: String,
        /// The library's error (never holds a secret).
        source: oauth_core::Error,
    },
    /// The login did not complete: denied, state mismatch, timeout, port in use. Exit 6.
    #[error("{0}")]
    Login(String),
    /// The token store's key: `OAUTH_CLI_KEY` is malformed, or a stored token is encrypted
    /// and the key is missing or wrong. Exit 7. Never holds the key.
    #[error("{0}")]
    Key(String),
    /// Ctrl-C. Exit 130.
    #[error("interrupted")]
    Interrupted,
    /// Anything else (local I/O). Exit 1.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Other(_) => 1,
            Self::Config(_) => 3,
            Self::LoginNeeded { .. } => 4,
            Self::Provider { .. } => 5,
            Self::Login(_) => 6,
            Self::Key(_) => 7,
            Self::Interrupted => 130,
        }
    }

    /// Maps a library error met while using `profile`'s grant: a dead grant means a new login,
    /// a configuration error is a configuration error, the rest is the provider's failure.
    pub fn from_grant(profile: &str, context: &str, error: oauth_core::Error) -> Self {
        match error {
            oauth_core::Error::NeedsReauthorization(cause) => Self::LoginNeeded {
                profile: profile.to_owned(),
                message: format!("profile `{profile}` needs a new login ({})", root(&cause)),
            },
            oauth_core::Error::Config(message) => Self::Config(format!(
                "profile `{profile}`: {message} (see `oauth profile add --help`)"
            )),
            oauth_core::Error::Store(e) => e.into(),
            source => Self::Provider {
                context: context.to_owned(),
                source,
            },
        }
    }
}

/// The innermost cause of a re-authorization error, which says what happened.
fn root(error: &Arc<oauth_core::Error>) -> String {
    match &**error {
        oauth_core::Error::NeedsReauthorization(inner) => root(inner),
        other => other.to_string(),
    }
}

impl From<oauth_core::StoreError> for CliError {
    fn from(e: oauth_core::StoreError) -> Self {
        if e.kind == oauth_core::StoreErrorKind::Encryption {
            // The library's message names the profile and the key ids, never a key.
            return Self::Key(format!(
                "{e}. Set {} to the key the tokens were encrypted with (`NEW,OLD` while \
                 rotating keys), or forget this token with `oauth logout PROFILE` and log in again",
                crate::store::KEY_VAR
            ));
        }
        Self::Other(e.to_string())
    }
}

/// Result with [`CliError`].
pub type CliResult<T> = Result<T, CliError>;
