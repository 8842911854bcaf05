//! `oauth profile add|set|list|remove` (`check` is in `check.rs`).

use crate::cli::{ProfileAddArgs, ProfileSetArgs};
use crate::config::{self, CalcomFlow, Config, Grant, Profile};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::provider::ProviderKind;
use crate::{files, secrets, settings};

pub fn add(paths: &Paths, args: ProfileAddArgs) -> CliResult<()> {
    config::validate_name(&args.name)?;
    let mut config = Config::load(paths.config_file())?;
    if config.profiles.contains_key(&args.name) && !args.force {
        return Err(CliError::Config(format!(
            "profile `{0}` exists: `oauth profile set {0} ...` changes some of its settings, \
             --force replaces it",
            args.name
        )));
    }
    let mut profile = Profile {
        provider: args.provider,
        client_id: args.client_id,
        environment: None,
        base_url: None,
        // New Cal.com profiles get the OAuth 2.0 flow unless told otherwise, written out so
        // that the file says which flow it is.
        flow: (args.provider == ProviderKind::Calcom).then_some(CalcomFlow::OAuth2),
        app_url: None,
        redirect_uri: None,
        scopes: Vec::new(),
        company_id: None,
        client_secret_env: None,
        client_secret_file: None,
        client_auth: None,
        key_file: None,
        key_id: None,
        grant: Grant::AuthorizationCode,
        jwt_file: None,
    };
    settings::apply(&mut profile, &args.settings);
    settings::check(&mut profile)?;
    settings::check_secret_needed(&profile, &args.settings.secret)?;
    settings::apply_secret(paths, &args.name, &mut profile, &args.settings.secret)?;
    if let Some(old) = config.profiles.get(&args.name) {
        forget_what_no_longer_applies(paths, &args.name, old, &profile)?;
    }
    say_base_url(&profile);
    config.profiles.insert(args.name.clone(), profile);
    config.save(paths.config_file())?;
    crate::say!("Added profile `{0}`. Next: `oauth login {0}`.", args.name);
    Ok(())
}

pub fn set(paths: &Paths, args: ProfileSetArgs) -> CliResult<()> {
    let mut config = Config::load(paths.config_file())?;
    let old = config.profile(&args.name)?.clone();
    let mut profile = old.clone();
    if let Some(id) = args.client_id {
        profile.client_id = id;
    }
    settings::apply(&mut profile, &args.settings);
    settings::check(&mut profile)?;
    settings::check_secret_needed(&profile, &args.settings.secret)?;
    settings::apply_secret(paths, &args.name, &mut profile, &args.settings.secret)?;
    forget_what_no_longer_applies(paths, &args.name, &old, &profile)?;
    if profile.base_url != old.base_url {
        say_base_url(&profile);
    }
    config.profiles.insert(args.name.clone(), profile);
    config.save(paths.config_file())?;
    crate::say!("Updated profile `{}`.", args.name);
    Ok(())
}

/// A base URL of one's own is easy to get subtly wrong: say what it means.
fn say_base_url(profile: &Profile) {
    if let Some(url) = profile.custom_base_url() {
        crate::say!(
            "Base URL {url}: the server's root, to which {}'s paths ({}) are added.",
            profile.provider.product(),
            profile.provider.token_path()
        );
    }
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
        let base = p
            .custom_base_url()
            .map(|url| format!("\tbase_url={url}"))
            .unwrap_or_default();
        crate::out!(
            "{name}\t{}\t{}\tclient_id={}\tredirect_uri={}\tscopes={}\tsecret={}{}{base}",
            p.provider.name(),
            p.environment(),
            p.client_id,
            p.redirect_uri(),
            p.scope().unwrap_or_else(|| "-".into()),
            p.secret_source(),
            client_auth(p),
        );
    }
    Ok(())
}

/// `profile list`'s client authentication columns (RingCentral, the one provider with a
/// choice): the method, and for `private_key_jwt` the key's file and kid (never the key).
fn client_auth(p: &Profile) -> String {
    let Some(method) = p.client_auth_name() else {
        return String::new();
    };
    let mut text = format!("\tclient_auth={method}");
    if let Some(file) = &p.key_file {
        text.push_str(&format!("\tkey={}", file.display()));
    }
    if let Some(kid) = &p.key_id {
        text.push_str(&format!("\tkey_id={kid}"));
    }
    text
}

pub fn remove(paths: &Paths, name: &str) -> CliResult<()> {
    let mut config = Config::load(paths.config_file())?;
    let provider = config.profile(name)?.provider;
    super::forget(paths, name)?;
    files::remove_if_exists(&secrets::saved_path(paths, name))?;
    config.profiles.remove(name);
    config.save(paths.config_file())?;
    crate::say!(
        "Removed profile `{name}` and its stored token ({}).",
        super::not_revoked(provider)
    );
    Ok(())
}

/// On `profile add --force` and `profile set`: a token from another provider, app or server
/// is useless now, and a saved secret that the profile does not use any more should not linger.
fn forget_what_no_longer_applies(
    paths: &Paths,
    name: &str,
    old: &Profile,
    new: &Profile,
) -> CliResult<()> {
    let same_server = old.provider == new.provider
        && old.client_id == new.client_id
        && old.environment() == new.environment()
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
