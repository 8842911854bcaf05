//! `oauth token`: a valid access token on stdout, renewed through a `TokenSource` over the
//! shared store when it is within `--min-lifetime` of its expiry.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use oauth_core::Token;
use oauth_lifecycle::Renew;
use oauth_lifecycle::TokenSource;
use oauth_lifecycle::access::{ClientCredentials, JwtBearer};
use oauth_lifecycle::store::TokenStore;

use super::state;
use crate::cli::TokenArgs;
use crate::client::Client;
use crate::config::{Config, Grant};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::secrets;
use crate::store::Store;

pub async fn run(paths: &Paths, args: TokenArgs) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    let name = args.profile.as_str();
    let profile = config.profile(name)?;
    let store = super::store(paths)?;
    let margin = Duration::from_secs(args.min_lifetime);
    let loaded = store
        .load(name)
        .await
        .map_err(|e| CliError::from_store(name, e))?;
    // Judged before the client secret is looked for: "log in" is the useful answer then.
    let (current, renewal) =
        state::assess(profile, loaded, SystemTime::now(), margin).usable(name)?;
    let token = match renewal {
        None => {
            tracing::info!(
                profile = name,
                expires_at = ?current.expires_at().map(super::unix),
                "the stored token has more than --min-lifetime {}s left: printed as stored",
                args.min_lifetime
            );
            Arc::new(current)
        }
        Some(how) => {
            tracing::info!(
                profile = name,
                ?how,
                "the stored token has less than --min-lifetime {}s left: renewing it",
                args.min_lifetime
            );
            let client = Client::new(profile, secrets::client_secret(name, profile)?)?;
            let fail =
                |e| super::grant_error(paths, name, profile, "the token could not be renewed", e);
            match (client, profile.grant, &profile.jwt_file) {
                (Client::Procore(c), Grant::ClientCredentials, _) => {
                    fresh(ClientCredentials::new(c), store, name, margin)
                        .await
                        .map_err(fail)?
                }
                (Client::RingCentral(c), Grant::Jwt, Some(file)) => {
                    let jwt = JwtBearer::new(c, secrets::jwt_assertion(file.clone()));
                    fresh(jwt, store, name, margin).await.map_err(fail)?
                }
                (Client::Procore(c), _, _) => fresh(c, store, name, margin).await.map_err(fail)?,
                (Client::Calcom(c), _, _) => fresh(c, store, name, margin).await.map_err(fail)?,
                (Client::CalcomOAuth2(c), _, _) => {
                    fresh(c, store, name, margin).await.map_err(fail)?
                }
                (Client::RingCentral(c), _, _) => {
                    fresh(c, store, name, margin).await.map_err(fail)?
                }
                // Sunshine tokens carry no expiry, so they are never due.
                (Client::Sunshine(_), _, _) => Arc::new(current),
            }
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
) -> oauth_core::Result<Arc<Token>> {
    let source = TokenSource::builder(provider, store, name)
        .margin(margin)
        .build()
        .await?;
    let token = source.access_token().await?;
    // The source clamps its margin to half the token's lifetime (a 30 s token is not renewed
    // on every call); `--min-lifetime` promises the caller more, so a token still within it is
    // renewed once more, explicitly. Another process's renewal meanwhile is adopted, not redone.
    if !token.expires_within(SystemTime::now(), margin) {
        return Ok(token);
    }
    tracing::info!(
        profile = name,
        "the token is still under --min-lifetime (the source renews at most half way through \
         a lifetime): renewing it now"
    );
    source.invalidate(&token);
    source.access_token().await
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
