//! `oauth profile check`: are the client id and secret right? Asked of the token endpoint
//! with a made-up code, so no browser and no user is needed.
//!
//! RFC 6749 §5.2 gives client authentication its own error, `invalid_client`; a server that
//! authenticates the client before it looks at the code (oidc-provider's token endpoint runs
//! its client authentication first) answers wrong credentials with it, and right ones with
//! `invalid_grant` for the code. The providers do not document that order, so any other
//! answer is reported as inconclusive rather than guessed at.

use oauth_core::ErrorCode;

use crate::client::Client;
use crate::config::{CalcomFlow, ClientAuth, Config};
use crate::error::{self, CliError, CliResult};
use crate::paths::Paths;
use crate::provider::ProviderKind;
use crate::secrets;

/// The code sent: recognisable in the provider's logs, and never a real one.
const MADE_UP_CODE: &str = "oauth-cli-profile-check";

pub async fn run(paths: &Paths, name: &str) -> CliResult<()> {
    let config = Config::load(paths.config_file())?;
    let profile = config.profile(name)?;
    let product = profile.provider.product();
    let checkable = match profile.provider {
        ProviderKind::Ringcentral | ProviderKind::Procore => true,
        ProviderKind::Calcom => profile.calcom_flow() == CalcomFlow::OAuth2,
        ProviderKind::SunshineConversations => false,
    };
    if !checkable {
        return Err(CliError::Usage(format!(
            "`oauth profile check` cannot test {product} {}credentials without a login: its \
             token endpoint does not tell a wrong secret from a wrong code. `oauth login {name}` \
             tests them",
            if profile.provider == ProviderKind::Calcom {
                "platform "
            } else {
                ""
            }
        )));
    }
    let secret = secrets::client_secret(name, profile)?;
    // A private key authenticates the client as a secret would.
    let keyed = profile.client_auth == Some(ClientAuth::PrivateKeyJwt);
    if secret.is_none() && !keyed {
        return Err(CliError::Usage(format!(
            "profile `{name}` has no client secret (a public client): there is nothing to \
             check; `oauth profile set {name} --client-secret-env VAR` gives it one"
        )));
    }
    let client = Client::new(profile, secret)?;
    let Some(request) = client.browser_request(profile, profile.redirect_uri()) else {
        return Err(CliError::Other(format!("{product} has no code exchange")));
    };
    // A redirect carrying the request's own state, so that the grant is the one a login
    // would exchange (PKCE verifier and redirect URI included), with the made-up code.
    let state = request
        .url()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let redirect = url::form_urlencoded::Serializer::new(String::from("?"))
        .append_pair("code", MADE_UP_CODE)
        .append_pair("state", &state)
        .finish();
    let grant = request
        .verify_redirect(&redirect)
        .map_err(|e| CliError::Other(format!("could not build the check's request: {e}")))?;
    let inconclusive = |source| CliError::Provider {
        context: format!(
            "inconclusive: {product} answered the made-up code with neither `invalid_client` \
             nor `invalid_grant`"
        ),
        source,
    };
    match client.exchange(grant.authorization_grant()).await {
        Err(e) if error::refused_client(&e) => Err(super::grant_error(paths, name, profile, "", e)),
        Err(e) if e.oauth_code() == Some(&ErrorCode::InvalidGrant) => {
            crate::say!(
                "{product} accepted the client credentials of profile `{name}` (client id `{}`, \
                 {}): it refused only the made-up code, as it should.",
                profile.client_id,
                secrets::describe_credential(paths, name, profile)
            );
            Ok(())
        }
        Err(e) => Err(inconclusive(e)),
        Ok(_) => Err(CliError::Other(format!(
            "{product} exchanged a made-up code for a token: this server does not check codes, \
             so it cannot check credentials either"
        ))),
    }
}
