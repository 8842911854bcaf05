//! `oauth token`: a valid access token on stdout, renewed through a `TokenSource` over the
//! shared store when it is within `--min-lifetime` of its expiry.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oauth_core::access::{ClientCredentials, JwtBearer};
use oauth_core::{Renew, Token, TokenSource};

use crate::cli::TokenArgs;
use crate::config::{Config, Grant};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::provider::Client;
use crate::secrets;
use crate::store::Store;

pub async fn run(paths: &Paths, args: TokenArgs) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    let name = args.profile.as_str();
    let profile = config.profile(name)?;
    let store = super::store(paths)?;
    // Checked before the client secret is looked for: "log in" is the useful answer then.
    let current = super::stored(&store, name).await?.token;
    let margin = Duration::from_secs(args.min_lifetime);
    let due = current.expires_within(SystemTime::now(), margin);
    let token = if !due {
        Arc::new(current)
    } else {
        if profile.grant == Grant::AuthorizationCode && current.refresh_token().is_none() {
            return Err(CliError::LoginNeeded {
                profile: name.to_owned(),
                message: format!(
                    "the token of profile `{name}` has expired and came without a refresh token"
                ),
            });
        }
        if let Some(at) = current.refresh_token_expires_at()
            && profile.grant == Grant::AuthorizationCode
            && at <= SystemTime::now()
        {
            return Err(CliError::LoginNeeded {
                profile: name.to_owned(),
                message: format!(
                    "the refresh token of profile `{name}` expired {}",
                    super::relative(at, SystemTime::now())
                ),
            });
        }
        let client = Client::new(profile, secrets::client_secret(name, profile)?)?;
        match (client, profile.grant, &profile.jwt_file) {
            (Client::Procore(c), Grant::ClientCredentials, _) => {
                fresh(ClientCredentials::new(c), store, name, margin).await?
            }
            (Client::RingCentral(c), Grant::Jwt, Some(file)) => {
                let jwt = JwtBearer::new(c, secrets::jwt_assertion(file.clone()));
                fresh(jwt, store, name, margin).await?
            }
            (Client::Procore(c), _, _) => fresh(c, store, name, margin).await?,
            (Client::Calcom(c), _, _) => fresh(c, store, name, margin).await?,
            (Client::CalcomOAuth2(c), _, _) => fresh(c, store, name, margin).await?,
            (Client::RingCentral(c), _, _) => fresh(c, store, name, margin).await?,
            // Sunshine tokens carry no expiry, so they are never due.
            (Client::Sunshine(_), _, _) => Arc::new(current),
        }
    };
    if args.json {
        crate::out!("{}", describe(name, profile.provider.name(), &token));
    } else {
        crate::out!("{}", token.access_token().secret());
    }
    Ok(())
}

/// The token from a source over the store: refreshed (once across processes) when due.
async fn fresh<P: Renew>(
    provider: P,
    store: Store,
    name: &str,
    margin: Duration,
) -> CliResult<Arc<Token>> {
    let context = "the token could not be renewed";
    let source = TokenSource::builder(provider, store, name)
        .margin(margin)
        .build()
        .await
        .map_err(|e| CliError::from_grant(name, context, e))?;
    let fail = |e| CliError::from_grant(name, context, e);
    let token = source.access_token().await.map_err(fail)?;
    // The source clamps its margin to half the token's lifetime (a 30 s token is not renewed
    // on every call); `--min-lifetime` promises the caller more, so a token still within it is
    // renewed once more, explicitly. Another process's renewal meanwhile is adopted, not redone.
    if !token.expires_within(SystemTime::now(), margin) {
        return Ok(token);
    }
    source.invalidate(&token);
    source.access_token().await.map_err(fail)
}

/// `--json`: what the token is, without its secrets.
fn describe(name: &str, provider: &str, token: &Token) -> serde_json::Value {
    let now = SystemTime::now();
    serde_json::json!({
        "profile": name,
        "provider": provider,
        "token_type": token.token_type().as_str(),
        "expires_at": token.expires_at().map(super::unix),
        "expires_in": token.expires_at().map(|at| at.duration_since(now).map_or(0, |d| d.as_secs())),
        "scopes": token.scopes(),
        "has_refresh_token": token.refresh_token().is_some(),
        "refresh_token_expires_at": token.refresh_token_expires_at().map(super::unix),
    })
}
