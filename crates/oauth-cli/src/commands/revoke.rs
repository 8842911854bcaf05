//! `oauth revoke` (at the provider, then locally) and `oauth logout` (locally only).

use crate::client::Client;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::secrets;

pub async fn revoke(paths: &Paths, name: &str) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    let profile = config.profile(name)?;
    if !profile.provider.can_revoke() {
        return Err(CliError::Config(format!(
            "{} has no revocation endpoint; `oauth logout {name}` forgets the token here",
            profile.provider.product()
        )));
    }
    let store = super::store(paths)?;
    let token = super::stored(&store, name).await?.token;
    let client = Client::new(profile, secrets::client_secret(name, profile)?)?;
    if let Some(Err(e)) = client.revoke(&token).await {
        let context = format!("revoking the token of profile `{name}` failed (it is still stored)");
        return Err(super::grant_error(paths, name, profile, &context, e));
    }
    super::forget(paths, name)?;
    crate::say!("Revoked and forgot the token of profile `{name}`.");
    Ok(())
}

pub fn logout(paths: &Paths, name: &str) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    let profile = config.profile(name)?;
    if super::forget(paths, name)? {
        crate::say!(
            "Forgot the token of profile `{name}` ({}).",
            super::not_revoked(profile.provider)
        );
    } else {
        crate::say!("Profile `{name}` had no stored token.");
    }
    Ok(())
}
