//! What can go wrong, as one-line messages with distinct exit codes (listed in `oauth --help`,
//! which is written from [`EXIT_CODES`]).
//!
//! No variant holds a secret: `oauth_core::Error` never carries a response body or a credential,
//! and every message here is built from names, paths and the provider's error codes.

use std::sync::Arc;

use oauth_core::{ErrorCode, StoreErrorKind};

/// Every exit code and what it means, as `oauth --help` prints them. [`CliError::exit_code`]
/// returns no other (a unit test holds the two together).
pub const EXIT_CODES: [(u8, &str); 9] = [
    (0, "ok"),
    (
        1,
        "other failure (a local file could not be read or written)",
    ),
    (
        2,
        "bad arguments (an unknown flag, or a flag this profile's provider or flow has no use for)",
    ),
    (
        3,
        "configuration (unknown profile, bad config file or base URL, a client secret missing or \
         refused by the provider, a token directory other users can reach)",
    ),
    (4, "login needed (no token, expired or revoked grant)"),
    (5, "the provider or the network failed"),
    (
        6,
        "the login did not complete (denied, timeout, port in use, an ID token that failed its checks)",
    ),
    (
        7,
        "OAUTH_CLI_KEY is malformed, or a stored token is encrypted and the key is missing or wrong",
    ),
    (130, "interrupted"),
];

/// A failed command.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Arguments that do not fit together or do not fit the profile. Exit 2, like clap's own
    /// parse errors.
    #[error("{0}")]
    Usage(String),
    /// A bad configuration: unknown profile, unreadable config file, missing or refused client
    /// credentials, an insecure token directory. Exit 3.
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
    /// The login did not complete: denied, timeout, port in use, an ID token that failed its
    /// checks. Exit 6.
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
            Self::Usage(_) => 2,
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
    /// Refused client credentials are [`refused_client`] (which needs to know where the secret
    /// came from), checked before this.
    pub fn from_grant(profile: &str, context: &str, error: oauth_core::Error) -> Self {
        match error {
            oauth_core::Error::NeedsReauthorization(cause) => Self::LoginNeeded {
                profile: profile.to_owned(),
                message: format!("profile `{profile}` needs a new login ({})", root(&cause)),
            },
            oauth_core::Error::Config(message) => Self::Config(format!(
                "profile `{profile}`: {message} (see `oauth profile set --help`)"
            )),
            oauth_core::Error::Store(e) => Self::from_store(profile, e),
            source => Self::Provider {
                context: context.to_owned(),
                source,
            },
        }
    }

    /// A token store error met on `profile`'s token: the message names the profile.
    pub fn from_store(profile: &str, e: oauth_core::StoreError) -> Self {
        match e.kind {
            // The library's message names the profile and the key ids, never a key.
            StoreErrorKind::Encryption => Self::Key(format!(
                "{e}. Set {} to the key the tokens were encrypted with (`NEW,OLD` while \
                 rotating keys), or forget this token with `oauth logout {profile}` and log in \
                 again",
                crate::store::KEY_VAR
            )),
            _ => e.into(),
        }
    }
}

/// Whether the provider refused the client's own credentials (RFC 6749 §5.2 `invalid_client`,
/// also behind a dead grant): a configuration error, which no new login fixes. A bare 401 is
/// not taken for one: on a revocation or Cal.com's platform exchange it is the token or the
/// code that was refused.
pub fn refused_client(error: &oauth_core::Error) -> bool {
    error.oauth_code() == Some(&ErrorCode::InvalidClient)
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
        match e.kind {
            StoreErrorKind::Encryption => Self::Key(format!(
                "{e}. Set {} to the key the tokens were encrypted with (`NEW,OLD` while \
                 rotating keys), or forget the token with `oauth logout PROFILE` and log in again",
                crate::store::KEY_VAR
            )),
            // A directory other users own or can write: the user's to fix, like a bad config.
            StoreErrorKind::Insecure => Self::Config(e.to_string()),
            _ => Self::Other(e.to_string()),
        }
    }
}

/// Result with [`CliError`].
pub type CliResult<T> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use oauth_core::{StoreError, StoreErrorKind};

    use super::*;

    #[test]
    fn every_exit_code_is_in_the_help_table() {
        let store = |kind| CliError::from(StoreError::new(kind, "x"));
        let all = [
            CliError::Other(String::new()),
            CliError::Usage(String::new()),
            CliError::Config(String::new()),
            CliError::LoginNeeded {
                profile: String::new(),
                message: String::new(),
            },
            CliError::Provider {
                context: String::new(),
                source: oauth_core::Error::MissingCode,
            },
            CliError::Login(String::new()),
            CliError::Key(String::new()),
            CliError::Interrupted,
            store(StoreErrorKind::Insecure),
            store(StoreErrorKind::Io),
            store(StoreErrorKind::Encryption),
        ];
        let listed: Vec<u8> = EXIT_CODES.iter().map(|(code, _)| *code).collect();
        for e in &all {
            assert!(listed.contains(&e.exit_code()), "{e:?}");
        }
        // And each listed failure code is one a command can end with.
        for code in listed.iter().filter(|&&c| c != 0) {
            assert!(all.iter().any(|e| e.exit_code() == *code), "{code}");
        }
        assert_eq!(store(StoreErrorKind::Insecure).exit_code(), 3);
        assert_eq!(store(StoreErrorKind::Io).exit_code(), 1);
    }

    #[test]
    fn only_invalid_client_is_refused_client_credentials() {
        let server = |status, code: Option<&str>| {
            oauth_core::Error::Server(Box::new(
                oauth_core::ServerError::from_status(status).with_code(code),
            ))
        };
        let refused = server(401, Some("invalid_client"));
        assert!(refused_client(&refused));
        let behind = oauth_core::Error::NeedsReauthorization(Arc::new(refused));
        assert!(
            refused_client(&behind),
            "also when the source gave up on it"
        );
        assert!(!refused_client(&server(401, None)));
        assert!(!refused_client(&server(400, Some("invalid_grant"))));
    }

    #[test]
    fn an_encrypted_token_names_its_profile_in_the_hint() {
        let e = CliError::from_store("rc", StoreError::new(StoreErrorKind::Encryption, "sealed"));
        assert_eq!(e.exit_code(), 7);
        assert!(e.to_string().contains("`oauth logout rc`"), "{e}");
    }
}
