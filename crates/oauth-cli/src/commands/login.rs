//! `oauth login`: the browser flow through a loopback redirect (Cal.com's OAuth 2.0 flow among
//! them), Cal.com's platform (session) flow, or the
//! client-credentials / JWT grants; the token is stored and the profile remembers the grant.

use std::time::{Duration, SystemTime};

use oauth_core::access::Assertion;
use oauth_core::store::TokenStore;
use oauth_core::{ClientCredentialsGrant, JwtBearerGrant, SessionCookie, Token};

use crate::cli::LoginArgs;
use crate::config::{Config, Grant, Profile};
use crate::error::{CliError, CliResult};
use crate::loopback::Loopback;
use crate::paths::Paths;
use crate::provider::{Client, LoginPath, ProviderKind};
use crate::secrets;

pub async fn run(paths: &Paths, args: LoginArgs) -> CliResult<()> {
    let mut config = Config::load(paths.config_file())?;
    let name = args.profile.clone();
    let profile = config.profile(&name)?.clone();
    if args.client_credentials && profile.provider != ProviderKind::Procore {
        return Err(only_for(
            "--client-credentials",
            ProviderKind::Procore,
            &profile,
        ));
    }
    if args.jwt.is_some() && profile.provider != ProviderKind::Ringcentral {
        return Err(only_for("--jwt", ProviderKind::Ringcentral, &profile));
    }
    // Before the login, not after it: a malformed key, or a stored token this key cannot
    // open (which the new one must not replace), would waste the browser round trip.
    let store = super::store(paths)?;
    store.load(&name).await?;
    let client = Client::new(&profile, secrets::client_secret(&name, &profile)?)?;
    let fail = |e| CliError::from_grant(&name, "login failed", e);

    let (token, grant, jwt_file) = match (&client, args.client_credentials, &args.jwt) {
        (Client::Procore(c), true, _) => (
            c.client_credentials().await.map_err(fail)?,
            Grant::ClientCredentials,
            None,
        ),
        (_, true, _) => {
            return Err(only_for(
                "--client-credentials",
                ProviderKind::Procore,
                &profile,
            ));
        }
        (Client::RingCentral(c), false, Some(file)) => {
            let jwt_file = std::path::absolute(file).unwrap_or_else(|_| file.clone());
            // The same assertion source `oauth token` renews with, so the file is read alike.
            let jwt = secrets::jwt_assertion(jwt_file.clone())
                .assertion()
                .await
                .map_err(fail)?;
            let token = c.jwt_bearer(&jwt).await.map_err(fail)?;
            (token, Grant::Jwt, Some(jwt_file))
        }
        (_, false, Some(_)) => return Err(only_for("--jwt", ProviderKind::Ringcentral, &profile)),
        (_, false, None) => {
            let token = match profile.login_path() {
                LoginPath::Browser => browser(&client, &profile, &args).await?,
                LoginPath::CalcomSession => calcom_session(&client, &profile, &args).await?,
            };
            (token, Grant::AuthorizationCode, None)
        }
    };

    super::save_token(&store, &name, &token).await?;
    let stored = config.profile_mut(&name)?;
    if stored.grant != grant || stored.jwt_file != jwt_file {
        stored.grant = grant;
        stored.jwt_file = jwt_file;
        config.save(paths.config_file())?;
    }
    let expiry = match token.expires_at() {
        Some(at) => format!("expires {}", super::relative(at, SystemTime::now())),
        None => "never expires".into(),
    };
    crate::say!(
        "Logged in: profile `{name}` ({}), token {expiry}. `oauth token {name}` prints a fresh one.",
        profile.provider.name()
    );
    Ok(())
}

fn only_for(flag: &str, provider: ProviderKind, profile: &Profile) -> CliError {
    CliError::Config(format!(
        "{flag} is for {} profiles; this one is {} (see `oauth login --help`)",
        provider.name(),
        profile.provider.name()
    ))
}

/// The authorization code flow through the loopback redirect.
async fn browser(client: &Client, profile: &Profile, args: &LoginArgs) -> CliResult<Token> {
    let loopback =
        Loopback::bind(profile.redirect_uri(), profile.provider.loopback_any_port()).await?;
    let Some(request) = client.browser_request(profile, loopback.redirect_uri()) else {
        return Err(CliError::Config(format!(
            "{} has no browser login",
            profile.provider.name()
        )));
    };
    crate::say!(
        "Open this URL in a browser to log in to {}:\n\n  {}\n",
        profile.provider.name(),
        request.url()
    );
    if args.open
        && let Err(e) = open::that_detached(request.url().as_str())
    {
        crate::say!("Could not open a browser ({e}); open the URL above yourself.");
    }
    crate::say!(
        "Waiting for the redirect to {} (up to {} s; Ctrl-C to stop)...",
        loopback.redirect_uri(),
        args.timeout
    );
    let mut callback = loopback.wait(Duration::from_secs(args.timeout)).await?;
    let grant = match request.verify_redirect(callback.query()) {
        Ok(grant) => grant,
        Err(e) => {
            let message = format!("the authorization did not succeed: {e}");
            callback.finish(false, &message).await;
            return Err(CliError::Login(message));
        }
    };
    match callback.unless_interrupted(client.exchange(&grant)).await? {
        Ok(token) => {
            callback
                .finish(true, "You can close this tab and go back to the terminal.")
                .await;
            Ok(token)
        }
        Err(e) => {
            callback
                .finish(false, &format!("The code exchange failed: {e}"))
                .await;
            Err(CliError::Provider {
                context: "the code exchange failed".into(),
                source: e,
            })
        }
    }
}

/// Cal.com's platform flow: authorize server side with the user's session cookie.
async fn calcom_session(client: &Client, profile: &Profile, args: &LoginArgs) -> CliResult<Token> {
    let Client::Calcom(c) = client else {
        return Err(CliError::Other("not a Cal.com client".into()));
    };
    let what = "the Cal.com session cookie";
    let cookie = match (&args.session_cookie_env, &args.session_cookie_file) {
        (Some(var), _) => secrets::from_env(var, what)?,
        (None, Some(file)) => secrets::from_file(file, what)?,
        (None, None) => secrets::prompt(
            "Cal.com session cookie (the Cookie header of a signed-in browser)",
            "use --session-cookie-env or --session-cookie-file",
        )?,
    };
    let redirect = c
        .authorize(profile.redirect_uri(), Some(&SessionCookie::new(cookie)))
        .await
        .map_err(|e| CliError::Provider {
            context: "Cal.com's authorize failed".into(),
            source: e,
        })?;
    client
        .exchange(redirect.grant())
        .await
        .map_err(|e| CliError::Provider {
            context: "the code exchange failed".into(),
            source: e,
        })
}
