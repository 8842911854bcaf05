//! One module per command; each reads the config, does its work, and returns a [`CliResult`].

mod check;
mod login;
mod profile;
mod revoke;
mod state;
mod status;
mod token;

use std::time::{Duration, SystemTime};

use oauth_core::{StoreErrorKind, Token};
use oauth_lifecycle::store::{TokenStore, Versioned};

use crate::cli::{Cli, Command, ProfileCommand};
use crate::config::Profile;
use crate::error::{self, CliError, CliResult};
use crate::paths::Paths;
use crate::provider::ProviderKind;
use crate::secrets;
use crate::store::Store;

/// Runs the command.
pub async fn run(cli: Cli) -> CliResult<()> {
    let paths = Paths::from_env()?;
    match cli.command {
        Command::Profile(ProfileCommand::Add(args)) => profile::add(&paths, *args),
        Command::Profile(ProfileCommand::Set(args)) => profile::set(&paths, *args),
        Command::Profile(ProfileCommand::Check(args)) => check::run(&paths, &args.profile).await,
        Command::Profile(ProfileCommand::List) => profile::list(&paths),
        Command::Profile(ProfileCommand::Remove(args)) => profile::remove(&paths, &args.profile),
        Command::Login(args) => login::run(&paths, args).await,
        Command::Token(args) => token::run(&paths, args).await,
        Command::Status(args) => status::run(&paths, &args.profiles).await,
        Command::Revoke(args) => revoke::revoke(&paths, &args.profile).await,
        Command::Logout(args) => revoke::logout(&paths, &args.profile),
    }
}

/// The token store shared with the library (`oauth_lifecycle::store::FileStore`, encrypted when
/// `OAUTH_CLI_KEY` is set); every command that touches tokens opens it here.
fn store(paths: &Paths) -> CliResult<Store> {
    crate::store::open(paths)
}

/// The stored token of `profile`, or the error that says to log in.
async fn stored(store: &Store, profile: &str) -> CliResult<Versioned> {
    store
        .load(profile)
        .await
        .map_err(|e| CliError::from_store(profile, e))?
        .ok_or_else(|| CliError::LoginNeeded {
            profile: profile.to_owned(),
            message: format!("profile `{profile}` is not logged in"),
        })
}

/// Maps a library error met while using profile `name`'s client: refused client credentials are
/// a configuration error naming where the secret came from; the rest as
/// [`CliError::from_grant`].
fn grant_error(
    paths: &Paths,
    name: &str,
    profile: &Profile,
    context: &str,
    e: oauth_core::Error,
) -> CliError {
    if !error::refused_client(&e) {
        return CliError::from_grant(name, context, e);
    }
    let code = e
        .oauth_code()
        .map_or_else(|| "HTTP 401".to_owned(), |c| c.as_str().to_owned());
    CliError::Config(format!(
        "{} refused the client credentials of profile `{name}` ({code}): check the client id \
         `{}` and {}. `oauth profile set {name} --client-secret-env VAR` (or \
         --client-secret-file, --client-secret-prompt; --key FILE for a private key) changes \
         it; `oauth profile check {name}` tests it without a browser",
        profile.provider.product(),
        profile.client_id,
        secrets::describe_credential(paths, name, profile)
    ))
}

/// What `logout` and `profile remove` add about the provider's side.
fn not_revoked(provider: ProviderKind) -> String {
    if provider.can_revoke() {
        "not revoked: `oauth revoke` does that".to_owned()
    } else {
        format!(
            "{} has no revocation: the grant stays valid there until its refresh token expires \
             or the user removes the app",
            provider.product()
        )
    }
}

/// Stores a new login's token over whatever is stored (compare-and-swap, retried when another
/// process wrote in between: the newest login wins).
async fn save_token(store: &Store, profile: &str, token: &Token) -> CliResult<()> {
    for _ in 0..5 {
        let expected = store.load(profile).await?.map(|v| v.version);
        match store.compare_and_swap(profile, expected, token).await {
            Ok(_) => return Ok(()),
            Err(e) if e.kind == StoreErrorKind::Conflict => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CliError::Other(format!(
        "token store: profile `{profile}` kept changing while the new token was written"
    )))
}

/// Forgets the stored token; whether there was one. Needs no key (nothing is read), but a
/// malformed one is refused like everywhere else.
fn forget(paths: &Paths, profile: &str) -> CliResult<bool> {
    store(paths)?;
    crate::files::remove_if_exists(&crate::store::token_file(paths, profile)?)
}

/// `in 4m 10s` / `3h 2m ago`, for humans.
fn relative(at: SystemTime, now: SystemTime) -> String {
    match at.duration_since(now) {
        Ok(left) => format!("in {}", human(left)),
        Err(e) => format!("{} ago", human(e.duration())),
    }
}

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h {}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d {}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// Unix seconds, for JSON.
fn unix(at: SystemTime) -> u64 {
    at.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_well() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(relative(now + Duration::from_secs(250), now), "in 4m 10s");
        assert_eq!(
            relative(now - Duration::from_secs(3 * 3600 + 120), now),
            "3h 2m ago"
        );
        assert_eq!(
            relative(now + Duration::from_secs(86_400 * 6 + 1), now),
            "in 6d 0h"
        );
        assert_eq!(relative(now, now), "in 0s");
    }
}
