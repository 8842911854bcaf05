//! `oauth login`: the browser flow through a loopback redirect (Cal.com's OAuth 2.0 flow among
//! them), Cal.com's platform (session) flow, or the
//! client-credentials / JWT grants; the token is stored and the profile remembers the grant.

use std::time::{Duration, SystemTime};

use oauth_core::{ClientCredentialsGrant, JwtBearerGrant, SessionCookie, Token};
use oauth_lifecycle::access::Assertion;
use oauth_lifecycle::store::TokenStore;
use ringcentral_oauth::oauth_jwt::IdTokenClaims;
use tokio::time::Instant;

use crate::cli::LoginArgs;
use crate::client::Client;
use crate::config::{Config, Grant, Profile};
use crate::error::{CliError, CliResult};
use crate::loopback::{Loopback, Page};
use crate::paths::Paths;
use crate::provider::{LoginPath, ProviderKind};
use crate::sign_in::{LoggedIn, sign_in_error};
use crate::{opener, secrets};

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
    let session_flags = args.session_cookie_env.is_some() || args.session_cookie_file.is_some();
    if session_flags && profile.login_path() != LoginPath::CalcomSession {
        return Err(CliError::Usage(format!(
            "--session-cookie-env and --session-cookie-file are for Cal.com platform-flow \
             profiles; `{name}` logs in through the browser (see `oauth login --help`)"
        )));
    }
    // Before the login, not after it: a malformed key, or a stored token this key cannot
    // open (which the new one must not replace), would waste the browser round trip.
    let store = super::store(paths)?;
    store
        .load(&name)
        .await
        .map_err(|e| CliError::from_store(&name, e))?;
    let client = Client::new(&profile, secrets::client_secret(&name, &profile)?)?;
    let fail = |e| super::grant_error(paths, &name, &profile, "login failed", e);

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
                LoginPath::Browser => {
                    let logged_in = browser(paths, &client, &name, &profile, &args).await?;
                    if let Some(claims) = &logged_in.id_token {
                        say_signed_in(claims);
                    }
                    logged_in.token
                }
                LoginPath::CalcomSession => calcom_session(&client, &profile, &args)
                    .await?
                    .map_err(fail)?,
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
        profile.provider.product()
    );
    Ok(())
}

/// Who signed in, from the verified ID token (never the token itself).
fn say_signed_in(claims: &IdTokenClaims) {
    let email = claims
        .email
        .as_deref()
        .map(|email| format!(" <{email}>"))
        .unwrap_or_default();
    crate::say!(
        "Signed in: subject {}{email}, ID token verified (signature, issuer, audience, expiry, \
         nonce).",
        claims.subject
    );
}

/// A login flag given to a profile of another provider: a bad argument.
fn only_for(flag: &str, provider: ProviderKind, profile: &Profile) -> CliError {
    CliError::Usage(format!(
        "{flag} is for {} profiles; this one is {} (see `oauth login --help`)",
        provider.product(),
        profile.provider.product()
    ))
}

/// The authorization code flow through the loopback redirect.
async fn browser(
    paths: &Paths,
    client: &Client,
    name: &str,
    profile: &Profile,
    args: &LoginArgs,
) -> CliResult<LoggedIn> {
    let product = profile.provider.product();
    let mut loopback = Loopback::bind(
        profile.redirect_uri(),
        profile.provider.loopback_any_port(),
        name,
    )
    .await?;
    let redirect_uri = loopback.redirect_uri().to_owned();
    let Some(request) = client.browser_request(profile, &redirect_uri) else {
        return Err(CliError::Config(format!("{product} has no browser login")));
    };
    crate::say!(
        "Open this URL in a browser to log in to {product}:\n\n  {}\n",
        request.url()
    );
    let open = args.open || (!args.no_open && opener::by_default());
    let mut launched = None;
    if open {
        match opener::launch(request.url().as_str()) {
            Ok(browser) => {
                tracing::info!(launcher = %browser.what, "opened the authorization URL");
                launched = Some(browser);
            }
            Err(message) => crate::say!("{message}"),
        }
    }
    crate::say!(
        "Waiting for the redirect to {redirect_uri} (up to {} s; Ctrl-C to stop). {product} \
         must have this redirect URI registered for client id `{}`, exactly as written: if the \
         browser shows an error about it (such as `invalid_redirect_uri`), register it there, \
         or set the registered one with `oauth profile set {name} --redirect-uri URI`.",
        args.timeout,
        profile.client_id
    );
    let deadline = Instant::now()
        .checked_add(Duration::from_secs(args.timeout))
        .unwrap_or_else(far_future);
    let callback = loop {
        let next = tokio::select! {
            next = loopback.next(deadline) => next?,
            message = failed_launch(&mut launched) => {
                crate::say!("{message}");
                launched = None;
                continue;
            }
        };
        let Some(callback) = next else {
            return Err(CliError::Login(format!(
                "no redirect from the browser within {} s. If the browser showed an error \
                 instead of coming back, the likely cause is the redirect URI: {product} must \
                 have {redirect_uri} registered for client id `{}`, exactly as written (`oauth \
                 profile set {name} --redirect-uri URI` sets the one registered). Then run \
                 `oauth login {name}` again (or raise --timeout)",
                args.timeout, profile.client_id
            )));
        };
        // `verify_redirect` consumes the request; a stale redirect must leave it usable.
        match request.clone().verify_redirect(callback.query()) {
            Err(oauth_core::Error::StateMismatch) => {
                // A tab restored from an earlier login (or anyone else's request): its code is
                // not used, and this login goes on.
                callback
                    .finish(
                        Page::Stale,
                        "Its state does not match the login `oauth` is waiting for, so its code \
                         was not used. Use the tab opened by the newest `oauth login`, or open \
                         the URL it printed.",
                    )
                    .await;
                crate::say!(
                    "A redirect from an older login (its state does not match) was answered \
                     and ignored; still waiting."
                );
                continue;
            }
            Err(e) => {
                let message = format!("the authorization did not succeed: {e}");
                callback.finish(Page::Failed, &message).await;
                return Err(CliError::Login(message));
            }
            Ok(grant) => break (callback, grant),
        }
    };
    let (callback, grant) = callback;
    tracing::info!("the browser came back with a code; exchanging it");
    match loopback
        .unless_interrupted(client.finish_browser(&grant))
        .await?
    {
        Ok(logged_in) => {
            callback
                .finish(
                    Page::LoggedIn,
                    "You can close this tab and go back to the terminal.",
                )
                .await;
            Ok(logged_in)
        }
        Err(e) => {
            let error = sign_in_error(e, |e| {
                super::grant_error(paths, name, profile, "the code exchange failed", e)
            });
            callback
                .finish(Page::Failed, &format!("The code exchange failed: {error}"))
                .await;
            Err(error)
        }
    }
}

/// The launcher's failure, or never.
async fn failed_launch(launched: &mut Option<opener::Launched>) -> String {
    match launched {
        Some(browser) => browser.failure().await,
        None => std::future::pending().await,
    }
}

/// A deadline no login reaches (for a `--timeout` too large to add to now).
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(100 * 365 * 86_400)
}

/// Cal.com's platform flow: authorize server side with the user's session cookie.
async fn calcom_session(
    client: &Client,
    profile: &Profile,
    args: &LoginArgs,
) -> CliResult<Result<Token, oauth_core::Error>> {
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
    let redirect = match c
        .authorize(profile.redirect_uri(), Some(&SessionCookie::new(cookie)))
        .await
    {
        Ok(redirect) => redirect,
        Err(e) => return Ok(Err(e)),
    };
    Ok(client.exchange(redirect.grant()).await)
}
