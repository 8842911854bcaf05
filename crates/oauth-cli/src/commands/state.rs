//! What a profile's stored token is good for, decided in one place: `oauth status` shows it,
//! `oauth token` acts on it (a login needed is exit 4 there, with the same reason).

use std::time::{Duration, SystemTime};

use oauth_core::Token;
use oauth_lifecycle::store::Versioned;

use crate::config::{Grant, Profile};
use crate::error::{CliError, CliResult};

/// A profile's token, judged at one moment.
#[derive(Debug)]
pub enum State {
    /// Nothing stored.
    NotLoggedIn,
    /// Usable as it is for at least the margin asked for.
    Fresh(Token),
    /// Within the margin, but `oauth token` can renew it without the user.
    Renewable(Token, Renewal),
    /// Only a new login helps; the reason is shown as `needs login (REASON)`.
    NeedsLogin(Token, String),
}

/// How a due token is renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// With its refresh token.
    Refresh,
    /// By running the client-credentials or JWT grant again.
    GrantAgain,
}

/// Judges what `load` found for a profile at `now`, needing `margin` of lifetime left. A store
/// error is returned as it is: the caller words it (`status` keeps its columns).
pub fn assess(
    profile: &Profile,
    stored: Option<Versioned>,
    now: SystemTime,
    margin: Duration,
) -> State {
    let Some(Versioned { token, .. }) = stored else {
        return State::NotLoggedIn;
    };
    // Recorded by the library when a refresh (in this shell or any other) was refused: the
    // access token may look valid, but the grant behind it is gone.
    if let Some(refusal) = token.refusal() {
        let said = refusal
            .description
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let reason = format!(
            "the provider refused the grant {}, `{}`{said}",
            super::relative(refusal.at(), now),
            refusal.error
        );
        return State::NeedsLogin(token, reason);
    }
    if !token.expires_within(now, margin) {
        return State::Fresh(token);
    }
    if matches!(profile.grant, Grant::ClientCredentials | Grant::Jwt) {
        return State::Renewable(token, Renewal::GrantAgain);
    }
    if token.refresh_token().is_none() {
        let reason = "the access token expires and came without a refresh token".into();
        return State::NeedsLogin(token, reason);
    }
    if let Some(at) = token.refresh_token_expires_at()
        && at <= now
    {
        let reason = format!("the refresh token expired {}", super::relative(at, now));
        return State::NeedsLogin(token, reason);
    }
    State::Renewable(token, Renewal::Refresh)
}

impl State {
    /// The token when one is usable or renewable; the error that says to log in otherwise.
    pub fn usable(self, name: &str) -> CliResult<(Token, Option<Renewal>)> {
        match self {
            Self::Fresh(token) => Ok((token, None)),
            Self::Renewable(token, how) => Ok((token, Some(how))),
            Self::NotLoggedIn => Err(CliError::LoginNeeded {
                profile: name.to_owned(),
                message: format!("profile `{name}` is not logged in"),
            }),
            Self::NeedsLogin(_, reason) => Err(CliError::LoginNeeded {
                profile: name.to_owned(),
                message: format!("profile `{name}` needs a new login ({reason})"),
            }),
        }
    }

    /// The last column of `oauth status`.
    pub fn describe(&self, name: &str) -> String {
        match self {
            Self::NotLoggedIn => format!("not logged in: run `oauth login {name}`"),
            Self::Fresh(_) => "ok".to_owned(),
            Self::Renewable(_, Renewal::Refresh) => "refreshed on next use".to_owned(),
            Self::Renewable(_, Renewal::GrantAgain) => "renewed on next use".to_owned(),
            Self::NeedsLogin(_, reason) => {
                format!("needs login ({reason}): run `oauth login {name}`")
            }
        }
    }
}
