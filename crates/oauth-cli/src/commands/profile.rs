//! `oauth profile add|list|remove`.

use crate::cli::ProfileAddArgs;
use crate::config::{self, CalcomFlow, Config, Grant, Profile};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::provider::ProviderKind;
use crate::{files, secrets};

pub fn add(paths: &Paths, args: ProfileAddArgs) -> CliResult<()> {
    config::validate_name(&args.name)?;
    let mut config = Config::load(paths.config_file())?;
    if config.profiles.contains_key(&args.name) && !args.force {
        return Err(CliError::Config(format!(
            "profile `{}` exists; add --force to replace it",
            args.name
        )));
    }
    if let Some(env) = &args.environment {
        args.provider.check_environment(env)?;
    }
    let calcom = args.provider == ProviderKind::Calcom;
    if (args.flow.is_some() || args.app_url.is_some()) && !calcom {
        return Err(CliError::Config(
            "--flow and --app-url are for Cal.com profiles only".into(),
        ));
    }
    // New Cal.com profiles get the OAuth 2.0 flow unless told otherwise, written out so that
    // the file says which flow it is.
    let flow = calcom.then(|| args.flow.unwrap_or(CalcomFlow::OAuth2));
    if args.app_url.is_some() && flow == Some(CalcomFlow::Platform) {
        return Err(CliError::Config(
            "--app-url is for Cal.com's OAuth 2.0 flow (the platform flow has no web app step)"
                .into(),
        ));
    }
    let scoped = args.provider == ProviderKind::Ringcentral || flow == Some(CalcomFlow::OAuth2);
    if !args.scopes.is_empty() && !scoped {
        return Err(CliError::Config(format!(
            "--scope is for RingCentral and Cal.com OAuth 2.0 profiles: this {} \
             authorization request has no scope (an app gets the permissions it was registered \
             with)",
            args.provider.name()
        )));
    }
    if args.company_id.is_some() && args.provider != ProviderKind::Procore {
        return Err(CliError::Config(
            "--company-id is for Procore profiles only".into(),
        ));
    }
    let what = format!("the client secret of profile `{}`", args.name);
    let saved = if args.secret.client_secret_prompt {
        Some(secrets::prompt(
            &what,
            "use --client-secret-env, --client-secret-file or --client-secret-stdin",
        )?)
    } else if args.secret.client_secret_stdin {
        Some(secrets::from_stdin(&what)?)
    } else {
        None
    };
    let client_secret_file = match saved {
        Some(secret) => Some(secrets::save(paths, &args.name, &secret)?),
        None => args
            .secret
            .client_secret_file
            .map(|f| std::path::absolute(&f).unwrap_or(f)),
    };
    let profile = Profile {
        provider: args.provider,
        client_id: args.client_id,
        environment: args.environment,
        base_url: args.base_url,
        flow,
        app_url: args.app_url,
        redirect_uri: args.redirect_uri,
        scopes: args
            .scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_owned)
            .collect(),
        company_id: args.company_id,
        client_secret_env: args.secret.client_secret_env,
        client_secret_file,
        grant: Grant::AuthorizationCode,
        jwt_file: None,
    };
    if let Some(old) = config.profiles.get(&args.name) {
        forget_what_no_longer_applies(paths, &args.name, old, &profile)?;
    }
    config.profiles.insert(args.name.clone(), profile);
    config.save(paths.config_file())?;
    crate::say!(
        "Added profile `{}`. Next: `oauth login {}`.",
        args.name,
        args.name
    );
    Ok(())
}

pub fn list(paths: &Paths) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    if config.profiles.is_empty() {
        crate::say!(
            "No profiles in {}; add one with `oauth profile add`.",
            paths.config_file().display()
        );
    }
    for (name, p) in &config.profiles {
        let env = p
            .environment
            .as_deref()
            .unwrap_or(p.provider.environments()[0]);
        crate::out!(
            "{name}\t{}\t{env}\tclient_id={}\tredirect_uri={}\tscopes={}\tsecret={}",
            p.provider.name(),
            p.client_id,
            p.redirect_uri(),
            p.scope().unwrap_or_else(|| "-".into()),
            p.secret_source(),
        );
    }
    Ok(())
}

pub fn remove(paths: &Paths, name: &str) -> CliResult<()> {
    let mut config = Config::load(paths.config_file())?;
    config.profile(name)?;
    super::forget(paths, name)?;
    files::remove_if_exists(&secrets::saved_path(paths, name))?;
    config.profiles.remove(name);
    config.save(paths.config_file())?;
    crate::say!(
        "Removed profile `{name}` and its stored token (the provider was not told; `oauth revoke` does that)."
    );
    Ok(())
}

/// On `profile add --force`: a token from another provider, app or server is useless now, and a
/// saved secret that the new profile does not use any more should not linger.
fn forget_what_no_longer_applies(
    paths: &Paths,
    name: &str,
    old: &Profile,
    new: &Profile,
) -> CliResult<()> {
    let same_server = old.provider == new.provider
        && old.client_id == new.client_id
        && old.environment == new.environment
        && old.base_url == new.base_url;
    if !same_server && super::forget(paths, name)? {
        crate::say!("Forgot the token of the old `{name}` (another provider, app or server).");
    }
    let saved = secrets::saved_path(paths, name);
    if old.client_secret_file.as_ref() == Some(&saved)
        && new.client_secret_file.as_ref() != Some(&saved)
    {
        files::remove_if_exists(&saved)?;
    }
    Ok(())
}
