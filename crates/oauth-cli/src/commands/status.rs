//! `oauth status`: one line per profile, from the local store only. Never a secret.

use std::time::{Duration, SystemTime};

use oauth_core::Token;
use oauth_lifecycle::store::TokenStore;

use super::state::{self, State};
use crate::config::{Config, Profile};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;

pub async fn run(paths: &Paths, only: &[String]) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    for name in only {
        config.profile(name)?;
    }
    if config.profiles.is_empty() {
        crate::say!("No profiles; add one with `oauth profile add`.");
    }
    let store = super::store(paths)?;
    let now = SystemTime::now();
    for (name, profile) in &config.profiles {
        if !only.is_empty() && !only.contains(name) {
            continue;
        }
        let line = match store.load(name).await {
            Ok(stored) => {
                let state = state::assess(profile, stored, now, Duration::ZERO);
                line(name, profile, &state, now)
            }
            Err(e) => unreadable(name, profile, &CliError::from_store(name, e)),
        };
        crate::out!("{line}");
    }
    Ok(())
}

/// `NAME  PROVIDER  ENV`, and the base URL when it is not the environment's own.
fn head(name: &str, profile: &Profile) -> String {
    let mut head = format!(
        "{name}\t{}\t{}",
        profile.provider.name(),
        profile.environment()
    );
    if let Some(url) = profile.custom_base_url() {
        head.push_str(&format!(" ({url})"));
    }
    // The JWT methods are worth a glance (a key file to keep); Basic is the usual case.
    if let Some(method @ ("client_secret_jwt" | "private_key_jwt")) = profile.client_auth_name() {
        head.push_str(&format!(", {method}"));
    }
    head
}

/// A token the store cannot give (encrypted with another key, say): the same columns, the
/// reason and its fix, naming the profile, in the last.
fn unreadable(name: &str, profile: &Profile, e: &CliError) -> String {
    format!("{}\t-\t-\t-\tunreadable token: {e}", head(name, profile))
}

/// `NAME  PROVIDER  ENV  scopes=..  access ..  refresh ..  STATE`, tab separated.
fn line(name: &str, profile: &Profile, state: &State, now: SystemTime) -> String {
    let head = head(name, profile);
    let token: &Token = match state {
        State::Fresh(token) | State::Renewable(token, _) | State::NeedsLogin(token, _) => token,
        State::NotLoggedIn => {
            return format!("{head}\t-\t-\t-\t{}", state.describe(name));
        }
    };
    format!(
        "{head}\t{}\t{}\t{}\t{}",
        scopes(token),
        access(token, now),
        refresh(token, now),
        state.describe(name)
    )
}

fn scopes(token: &Token) -> String {
    if token.scopes().is_empty() {
        return "scopes=-".to_owned();
    }
    format!(
        "scopes={}",
        token.scopes().iter().collect::<Vec<_>>().join(",")
    )
}

fn access(token: &Token, now: SystemTime) -> String {
    match token.expires_at() {
        None => "access never expires".to_owned(),
        Some(at) if at <= now => format!("access expired {}", super::relative(at, now)),
        Some(at) => format!("access expires {}", super::relative(at, now)),
    }
}

fn refresh(token: &Token, now: SystemTime) -> String {
    match (token.refresh_token(), token.refresh_token_expires_at()) {
        (None, _) => "no refresh token".to_owned(),
        (Some(_), None) => "refresh token (expiry unknown)".to_owned(),
        (Some(_), Some(at)) if at <= now => format!("refresh expired {}", super::relative(at, now)),
        (Some(_), Some(at)) => format!("refresh expires {}", super::relative(at, now)),
    }
}

#[cfg(test)]
mod tests {
    use oauth_core::{AccessToken, RefreshToken};
    use oauth_lifecycle::store::Versioned;

    use super::*;
    use crate::config::Grant;
    use crate::provider::ProviderKind;

    fn profile(grant: Grant) -> Profile {
        toml::from_str::<Profile>(&format!(
            "provider = \"ringcentral\"\nclient_id = \"c\"\nenvironment = \"sandbox\"\ngrant = \"{}\"",
            match grant {
                Grant::AuthorizationCode => "authorization-code",
                Grant::ClientCredentials => "client-credentials",
                Grant::Jwt => "jwt",
            }
        ))
        .unwrap()
    }

    fn at(p: &Profile, token: Option<&Token>, now: SystemTime) -> String {
        let stored = token.map(|t| Versioned {
            token: t.clone(),
            version: 1,
        });
        line("rc", p, &state::assess(p, stored, now, Duration::ZERO), now)
    }

    #[test]
    fn each_state_reads_as_one_line_without_secrets() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let p = profile(Grant::AuthorizationCode);
        assert_eq!(p.provider, ProviderKind::Ringcentral);
        assert_eq!(
            at(&p, None, now),
            "rc\tringcentral\tsandbox\t-\t-\t-\tnot logged in: run `oauth login rc`"
        );
        let token = Token::new(
            AccessToken::new("AT-secret"),
            now - Duration::from_secs(100),
        )
        .with_expires_in(Some(Duration::from_secs(3700)))
        .with_refresh_token(Some(RefreshToken::new("RT-secret")))
        .with_refresh_token_expires_in(Some(Duration::from_secs(86_500)))
        .with_scope_string(Some("ReadAccounts openid"));
        let fresh = at(&p, Some(&token), now);
        assert_eq!(
            fresh,
            "rc\tringcentral\tsandbox\tscopes=ReadAccounts,openid\taccess expires in 1h 0m\t\
             refresh expires in 1d 0h\tok"
        );
        let later = now + Duration::from_secs(7200);
        assert!(at(&p, Some(&token), later).ends_with("refreshed on next use"));
        let dead = now + Duration::from_secs(90_000);
        let text = at(&p, Some(&token), dead);
        assert!(
            text.ends_with(
                "needs login (the refresh token expired 1h 0m ago): run `oauth login rc`"
            ),
            "{text}"
        );
        assert_eq!(text.split('\t').count(), 7, "the columns stay: {text}");
        assert!(!text.contains("secret"));
        let jwt = at(&profile(Grant::Jwt), Some(&token), dead);
        assert!(jwt.ends_with("renewed on next use"), "{jwt}");
    }

    #[test]
    fn an_unreadable_token_keeps_the_columns_and_names_the_profile() {
        let mut p = profile(Grant::AuthorizationCode);
        p.base_url = Some("http://127.0.0.1:9".into());
        let e = CliError::from_store(
            "rc",
            oauth_core::StoreError::new(oauth_core::StoreErrorKind::Encryption, "sealed"),
        );
        let text = unreadable("rc", &p, &e);
        let columns: Vec<&str> = text.split('\t').collect();
        assert_eq!(columns.len(), 7, "{text}");
        assert_eq!(
            columns[..3],
            ["rc", "ringcentral", "sandbox (http://127.0.0.1:9)"]
        );
        assert!(columns[6].contains("`oauth logout rc`"), "{text}");
    }

    #[test]
    fn a_jwt_client_authentication_shows_beside_the_environment() {
        let mut p = profile(Grant::AuthorizationCode);
        p.client_secret_env = Some("RC_SECRET".into());
        assert_eq!(
            head("rc", &p),
            "rc\tringcentral\tsandbox",
            "Basic: nothing to say"
        );
        p.client_auth = Some(crate::config::ClientAuth::PrivateKeyJwt);
        p.key_file = Some("/keys/rc.pem".into());
        assert_eq!(head("rc", &p), "rc\tringcentral\tsandbox, private_key_jwt");
        p.client_auth = Some(crate::config::ClientAuth::ClientSecretJwt);
        assert_eq!(
            head("rc", &p),
            "rc\tringcentral\tsandbox, client_secret_jwt"
        );
    }
}
