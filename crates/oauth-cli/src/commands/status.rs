//! `oauth status`: one line per profile, from the local store only. Never a secret.

use std::time::SystemTime;

use oauth_core::Token;
use oauth_core::store::TokenStore;

use crate::config::{Config, Grant, Profile};
use crate::error::CliResult;
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
        let token = match store.load(name).await {
            Ok(stored) => stored.map(|v| v.token),
            Err(e) => {
                let e = crate::error::CliError::from(e);
                crate::out!("{name}\t{}\tunreadable token: {e}", profile.provider.name());
                continue;
            }
        };
        crate::out!("{}", line(name, profile, token.as_ref(), now));
    }
    Ok(())
}

/// `NAME  PROVIDER  ENV  scopes=..  access ..  refresh ..  STATE`, tab separated.
fn line(name: &str, profile: &Profile, token: Option<&Token>, now: SystemTime) -> String {
    let env = profile
        .environment
        .as_deref()
        .unwrap_or(profile.provider.environments()[0]);
    let head = format!("{name}\t{}\t{env}", profile.provider.name());
    let Some(token) = token else {
        return format!("{head}\t-\t-\t-\tnot logged in: run `oauth login {name}`");
    };
    let scopes = if token.scopes().is_empty() {
        "scopes=-".to_owned()
    } else {
        format!(
            "scopes={}",
            token.scopes().iter().collect::<Vec<_>>().join(",")
        )
    };
    let access_expired = token.expires_at().is_some_and(|at| at <= now);
    let access = match token.expires_at() {
        None => "access never expires".to_owned(),
        Some(at) if at <= now => format!("access expired {}", super::relative(at, now)),
        Some(at) => format!("access expires {}", super::relative(at, now)),
    };
    let refresh_expired = token.refresh_token_expires_at().is_some_and(|at| at <= now);
    let refresh = match (token.refresh_token(), token.refresh_token_expires_at()) {
        (None, _) => "no refresh token".to_owned(),
        (Some(_), None) => "refresh token (expiry unknown)".to_owned(),
        (Some(_), Some(at)) if at <= now => format!("refresh expired {}", super::relative(at, now)),
        (Some(_), Some(at)) => format!("refresh expires {}", super::relative(at, now)),
    };
    let state = match profile.grant {
        Grant::ClientCredentials | Grant::Jwt if access_expired => "renewed on next use".to_owned(),
        Grant::AuthorizationCode
            if access_expired && (token.refresh_token().is_none() || refresh_expired) =>
        {
            format!("needs re-authorization: run `oauth login {name}`")
        }
        _ if access_expired => "refreshed on next use".to_owned(),
        _ => "ok".to_owned(),
    };
    format!("{head}\t{scopes}\t{access}\t{refresh}\t{state}")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use oauth_core::{AccessToken, RefreshToken};

    use super::*;
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

    #[test]
    fn each_state_reads_as_one_line_without_secrets() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(2_000_000_000);
        let p = profile(Grant::AuthorizationCode);
        assert_eq!(p.provider, ProviderKind::Ringcentral);
        assert_eq!(
            line("rc", &p, None, now),
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
        let fresh = line("rc", &p, Some(&token), now);
        assert_eq!(
            fresh,
            "rc\tringcentral\tsandbox\tscopes=ReadAccounts,openid\taccess expires in 1h 0m\t\
             refresh expires in 1d 0h\tok"
        );
        let later = now + Duration::from_secs(7200);
        assert!(line("rc", &p, Some(&token), later).ends_with("refreshed on next use"));
        let dead = now + Duration::from_secs(90_000);
        let text = line("rc", &p, Some(&token), dead);
        assert!(
            text.ends_with("needs re-authorization: run `oauth login rc`"),
            "{text}"
        );
        assert!(!text.contains("secret"));
        let jwt = line("rc", &profile(Grant::Jwt), Some(&token), dead);
        assert!(jwt.ends_with("renewed on next use"), "{jwt}");
    }
}
