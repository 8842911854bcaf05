//! A profile's settings as `profile add` and `profile set` write them: applied from the command
//! line, then checked as a whole, so that a mistake is refused when it is typed rather than
//! at the next login.

use oauth_core::BaseUrl;

use crate::cli::{ProfileSettings, SecretSourceArgs};
use crate::config::{CalcomFlow, ClientAuth, Profile};
use crate::error::{CliError, CliResult};
use crate::paths::Paths;
use crate::provider::ProviderKind;
use crate::secrets;

/// Applies what `settings` gives to `profile`, leaving the rest as it is (the client secret's
/// source is [`apply_secret`]'s). An empty value removes an optional setting (`--scope ''`
/// all scopes).
pub fn apply(profile: &mut Profile, settings: &ProfileSettings) {
    let set = |field: &mut Option<String>, value: &Option<String>| {
        if let Some(value) = value {
            *field = Some(value.trim().to_owned()).filter(|v| !v.is_empty());
        }
    };
    set(&mut profile.environment, &settings.environment);
    set(&mut profile.base_url, &settings.base_url);
    set(&mut profile.app_url, &settings.app_url);
    set(&mut profile.redirect_uri, &settings.redirect_uri);
    if settings.flow.is_some() {
        profile.flow = settings.flow;
    }
    if !settings.scopes.is_empty() {
        profile.scopes = settings
            .scopes
            .iter()
            .flat_map(|s| s.split_whitespace())
            .map(str::to_owned)
            .collect();
    }
    if settings.company_id.is_some() {
        profile.company_id = settings.company_id;
    }
    if let Some(method) = settings.client_auth {
        profile.client_auth = Some(method);
        if method != ClientAuth::PrivateKeyJwt {
            // Another method has no use for the key: `profile set` switching away drops it.
            profile.key_file = None;
            profile.key_id = None;
        }
    }
    if let Some(file) = &settings.key_file {
        profile.key_file = (!file.as_os_str().is_empty())
            .then(|| std::path::absolute(file).unwrap_or_else(|_| file.clone()));
    }
    set(&mut profile.key_id, &settings.key_id);
}

/// Sets where the client secret comes from, if `source` says; a secret asked for on the
/// terminal or read from stdin is saved under `name` (so: after [`check`], which a typo
/// should fail before the secret is typed).
pub fn apply_secret(
    paths: &Paths,
    name: &str,
    profile: &mut Profile,
    source: &SecretSourceArgs,
) -> CliResult<()> {
    let what = format!("the client secret of profile `{name}`");
    let saved = if source.client_secret_prompt {
        Some(secrets::prompt(
            &what,
            "use --client-secret-env, --client-secret-file or --client-secret-stdin",
        )?)
    } else if source.client_secret_stdin {
        Some(secrets::from_stdin(&what)?)
    } else {
        None
    };
    if let Some(secret) = saved {
        profile.client_secret_env = None;
        profile.client_secret_file = Some(secrets::save(paths, name, &secret)?);
    } else if let Some(file) = &source.client_secret_file {
        profile.client_secret_env = None;
        profile.client_secret_file = Some(std::path::absolute(file).unwrap_or(file.clone()));
    } else if let Some(var) = &source.client_secret_env {
        profile.client_secret_env = Some(var.clone());
        profile.client_secret_file = None;
    }
    Ok(())
}

/// Checks a profile as a whole; the message says which flag to change. Normalizes the URLs
/// (no trailing slash).
pub fn check(profile: &mut Profile) -> CliResult<()> {
    let provider = profile.provider;
    let bad = |message: String| Err(CliError::Usage(message));
    if let Some(env) = &profile.environment {
        provider
            .check_environment(env)
            .map_err(|e| CliError::Usage(e.to_string()))?;
    }
    let calcom = provider == ProviderKind::Calcom;
    if (profile.flow.is_some() || profile.app_url.is_some()) && !calcom {
        return bad("--flow and --app-url are for Cal.com profiles only".into());
    }
    let flow = calcom.then(|| profile.calcom_flow());
    if profile.app_url.is_some() && flow == Some(CalcomFlow::Platform) {
        return bad(
            "--app-url is for Cal.com's OAuth 2.0 flow (the platform flow has no web app step)"
                .into(),
        );
    }
    let scoped = provider == ProviderKind::Ringcentral || flow == Some(CalcomFlow::OAuth2);
    if !profile.scopes.is_empty() && !scoped {
        return bad(format!(
            "--scope is for RingCentral and Cal.com OAuth 2.0 profiles: this {} authorization \
             request has no scope (an app gets the permissions it was registered with)",
            provider.product()
        ));
    }
    if profile.company_id.is_some() && provider != ProviderKind::Procore {
        return bad("--company-id is for Procore profiles only".into());
    }
    check_client_auth(profile)?;
    if let Some(url) = &profile.base_url {
        profile.base_url = Some(base_url(provider, url).map_err(CliError::Usage)?);
    }
    if let Some(url) = &profile.app_url {
        profile.app_url = Some(app_url(url).map_err(CliError::Usage)?);
    }
    if flow == Some(CalcomFlow::OAuth2) {
        calcom_pair(profile).map_err(CliError::Usage)?;
    }
    if let Some(uri) = &profile.redirect_uri {
        url::Url::parse(uri)
            .map_err(|e| CliError::Usage(format!("--redirect-uri `{uri}` is not a URL: {e}")))?;
    }
    Ok(())
}

/// RingCentral's client authentication: the flags belong together, and a key is read and
/// parsed now, so that a wrong file is refused when it is named rather than at the next login.
fn check_client_auth(profile: &Profile) -> CliResult<()> {
    let bad = |message: &str| Err(CliError::Usage(message.to_owned()));
    let any =
        profile.client_auth.is_some() || profile.key_file.is_some() || profile.key_id.is_some();
    if any && profile.provider != ProviderKind::Ringcentral {
        return bad("--client-auth, --key and --key-id are for RingCentral profiles only");
    }
    match (&profile.client_auth, &profile.key_file) {
        (Some(ClientAuth::PrivateKeyJwt), None) => {
            bad("--client-auth private-key-jwt needs --key FILE (a PEM or JWK private key)")
        }
        (Some(ClientAuth::PrivateKeyJwt), Some(file)) => {
            crate::client_auth::signing_key(file, profile.key_id.as_deref())
                .map(drop)
                .map_err(|e| CliError::Usage(format!("--key: {e}")))
        }
        _ if profile.key_file.is_some() || profile.key_id.is_some() => {
            bad("--key and --key-id are for --client-auth private-key-jwt")
        }
        _ => Ok(()),
    }
}

/// The `client_secret_*` methods need a client secret: refused before a prompted one is typed
/// or the profile written, when neither the profile nor `source` gives one.
pub fn check_secret_needed(profile: &Profile, source: &SecretSourceArgs) -> CliResult<()> {
    let Some(method @ (ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretJwt)) =
        profile.client_auth
    else {
        return Ok(());
    };
    let has = profile.client_secret_env.is_some()
        || profile.client_secret_file.is_some()
        || source.client_secret_env.is_some()
        || source.client_secret_file.is_some()
        || source.client_secret_prompt
        || source.client_secret_stdin;
    if has {
        return Ok(());
    }
    let flag = match method {
        ClientAuth::ClientSecretJwt => "client-secret-jwt",
        _ => "client-secret-basic",
    };
    Err(CliError::Usage(format!(
        "--client-auth {flag} needs a client secret: give --client-secret-env VAR, \
         --client-secret-file FILE, --client-secret-prompt or --client-secret-stdin"
    )))
}

/// A base URL as the provider's client will use it: a URL with a scheme (`https`, or `http`
/// for a loopback host), no credentials, query or fragment, and not ending in the provider's
/// own paths (which would then appear twice). Returns it without a trailing slash.
pub fn base_url(provider: ProviderKind, input: &str) -> Result<String, String> {
    let url = parse(input, "--base-url")?;
    let path = url.path().trim_end_matches('/');
    let head = provider.token_path().split('/').nth(1).unwrap_or_default();
    let first = path.split('/').nth(1).unwrap_or_default();
    let root = || {
        let mut root = url.clone();
        root.set_path("");
        root.as_str().trim_end_matches('/').to_owned()
    };
    if !first.is_empty() && first == head {
        return Err(format!(
            "--base-url `{input}` has the API path in it: give the server's root, e.g. `{}`; \
             {}'s paths ({}) are added to it",
            root(),
            provider.product(),
            provider.token_path()
        ));
    }
    if !path.is_empty() && !provider.base_url_may_have_path() {
        return Err(format!(
            "--base-url `{input}` has a path: give the server's root, e.g. `{}`; {}'s paths \
             ({}) are added to it",
            root(),
            provider.product(),
            provider.token_path()
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// Cal.com's web app URL: checked like a base URL, any path allowed.
fn app_url(input: &str) -> Result<String, String> {
    parse(input, "--app-url").map(|url| url.as_str().trim_end_matches('/').to_owned())
}

/// Parses through the library's own check, with a hint for the usual slip (no scheme).
fn parse(input: &str, flag: &str) -> Result<url::Url, String> {
    if !input.contains("://") {
        // Never repeat what could be a password (`user:pw@host`).
        let input = match input.rsplit_once('@') {
            Some((_, host)) => format!("...@{host}"),
            None => input.to_owned(),
        };
        let hint = if input.starts_with("127.") || input.starts_with("localhost") {
            format!("http://{input}")
        } else {
            format!("https://{input}")
        };
        return Err(format!(
            "{flag} `{input}` has no scheme: did you mean `{hint}`? (`http` only for 127.0.0.1 \
             or localhost)"
        ));
    }
    BaseUrl::parse(input).map_err(|e| format!("{flag}: {}", strip_config(&e)))?;
    url::Url::parse(input).map_err(|e| format!("{flag} `{input}` is not a URL: {e}"))
}

/// The library's `invalid configuration: ...` without its prefix: the flag says it already.
fn strip_config(e: &oauth_core::Error) -> String {
    match e {
        oauth_core::Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

/// Cal.com's OAuth 2.0 flow sends the browser to the web app and the code to the API: the two
/// must be one deployment, so a private one needs both URLs.
fn calcom_pair(profile: &Profile) -> Result<(), String> {
    match (&profile.base_url, &profile.app_url) {
        (Some(api), None) if api != calcom_oauth::DEFAULT_BASE_URL => Err(format!(
            "--base-url {api} without --app-url would send the browser to log in at {} while \
             the code goes to {api}, which never issued it: give that deployment's web app \
             with --app-url",
            calcom_oauth::oauth2::DEFAULT_APP_URL
        )),
        (None, Some(app)) if app != calcom_oauth::oauth2::DEFAULT_APP_URL => Err(format!(
            "--app-url {app} without --base-url would send its codes to {}, which never issued \
             them: give that deployment's API with --base-url",
            calcom_oauth::DEFAULT_BASE_URL
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_is_a_server_root_with_a_scheme() {
        let rc = ProviderKind::Ringcentral;
        let e = base_url(rc, "127.0.0.1:32869").unwrap_err();
        assert!(e.contains("did you mean `http://127.0.0.1:32869`?"), "{e}");
        let e = base_url(rc, "ftp://x").unwrap_err();
        assert!(e.contains("scheme `ftp`"), "{e}");
        let e = base_url(rc, "http://example.com").unwrap_err();
        assert!(e.contains("non-loopback"), "{e}");
        let e = base_url(rc, "https://platform.ringcentral.com/restapi").unwrap_err();
        assert!(
            e.contains("has the API path in it")
                && e.contains("`https://platform.ringcentral.com`"),
            "{e}"
        );
        let e = base_url(rc, "https://rc.example/proxy").unwrap_err();
        assert!(e.contains("has a path"), "{e}");
        assert_eq!(
            base_url(rc, "http://127.0.0.1:32869/").unwrap(),
            "http://127.0.0.1:32869"
        );
        // Sunshine's own base URL has a path; Cal.com's API may live below one.
        let sc = ProviderKind::SunshineConversations;
        assert_eq!(
            base_url(sc, "https://oauth-bridge.zendesk.com/sc").unwrap(),
            "https://oauth-bridge.zendesk.com/sc"
        );
        assert!(base_url(sc, "https://oauth-bridge.zendesk.com/oauth").is_err());
        let cal = ProviderKind::Calcom;
        assert!(base_url(cal, "https://cal.example/api").is_ok());
        assert!(base_url(cal, "https://api.cal.com/v2").is_err());
        for with_password in ["https://user:pw@rc.example", "user:pw@rc.example"] {
            let e = base_url(rc, with_password).unwrap_err();
            assert!(!e.contains("pw"), "{e}");
        }
    }
}
