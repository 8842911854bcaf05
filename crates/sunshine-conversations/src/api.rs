//! Calling the Sunshine Conversations API with a token: where the API lives, and which source
//! a token that never expires goes behind.
//!
//! OAuth runs on the OAuth bridge, but the API runs on the app's Zendesk subdomain,
//! `https://{subdomain}.zendesk.com/sc`, whose name [`token_info`](
//! oauth_core::TokenIntrospection::token_info) returns; legacy (pre-Zendesk) apps use the US or
//! EU host. A Sunshine token has no expiry and no refresh grant, so it goes behind a
//! [`StaticToken`](oauth_lifecycle::access::StaticToken): a 401 means the user removed the
//! integration, and the source then answers [`Error::NeedsReauthorization`].
//!
//! ```no_run
//! # async fn run(client: sunshine_conversations_oauth::SunshineClient, token: oauth_core::Token) -> Result<(), Box<dyn std::error::Error>> {
//! use oauth_core::TokenIntrospection;
//! use oauth_lifecycle::{access::{AuthorizedClient, StaticToken}};
//! use sunshine_conversations_oauth::api::{self, ApiHost};
//! let app = client.token_info(token.access_token()).await?.app.ok_or("no app")?;
//! let host = ApiHost::for_app(&app)?;
//! let authorizer = api::authorizer(StaticToken::new(token), &host)?.build()?;
//! let api = AuthorizedClient::new(reqwest::Client::new(), authorizer);
//! let path = format!("/v2/apps/{}", app.id.as_deref().unwrap_or_default());
//! let response = api.send(api.get(&path)?).await?;
//! # Ok(()) }
//! ```

use oauth_core::{Error, Result};
use oauth_lifecycle::access::{AccessTokenSource, Authorizer, AuthorizerBuilder};

use crate::types;

/// Where an app's API is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiHost {
    /// `https://{subdomain}.zendesk.com/sc`: an app of a Zendesk account.
    Zendesk {
        /// The account's subdomain (`app.subdomain` of the token info).
        subdomain: String,
    },
    /// `https://api.smooch.io`: a legacy United States app.
    Us,
    /// `https://api.eu-1.smooch.io`: a legacy European Union app.
    Eu,
}

impl ApiHost {
    /// The host for the app of a token ([`types::App`] from `token_info`): its Zendesk
    /// subdomain. A legacy app, which has none, is an error: choose [`ApiHost::Us`] or
    /// [`ApiHost::Eu`].
    pub fn for_app(app: &types::App) -> Result<Self> {
        match app.subdomain.as_deref() {
            Some(subdomain) => Ok(Self::Zendesk {
                subdomain: subdomain.to_owned(),
            }),
            None => Err(Error::Config(
                "the app has no Zendesk subdomain (a legacy app): use ApiHost::Us or ApiHost::Eu"
                    .into(),
            )),
        }
    }

    /// The API's base URL. A subdomain must be a DNS label (letters, digits, `-`), so that the
    /// token can only go to a Zendesk host.
    pub fn url(&self) -> Result<String> {
        match self {
            Self::Zendesk { subdomain } => {
                let label = !subdomain.is_empty()
                    && subdomain.len() <= 63
                    && !subdomain.starts_with('-')
                    && !subdomain.ends_with('-')
                    && subdomain
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
                if !label {
                    return Err(Error::Config(format!(
                        "`{subdomain}` is not a Zendesk subdomain (letters, digits and `-`)"
                    )));
                }
                Ok(format!(
                    "https://{}.zendesk.com/sc",
                    subdomain.to_ascii_lowercase()
                ))
            }
            Self::Us => Ok("https://api.smooch.io".into()),
            Self::Eu => Ok("https://api.eu-1.smooch.io".into()),
        }
    }
}

/// An authorizer for the app's API at `host` (another base URL with
/// [`AuthorizerBuilder::base_url`]). Tokens are only sent to that host.
///
/// Every 401 counts as a rejected token: the API's documented 401 is `unauthorized`
/// ("Authorization is required", in the published spec's introduction), and a Sunshine token
/// cannot be renewed, so a [`StaticToken`](oauth_lifecycle::access::StaticToken) then answers
/// [`Error::NeedsReauthorization`] instead of sending a dead token again.
pub fn authorizer(source: impl AccessTokenSource, host: &ApiHost) -> Result<AuthorizerBuilder> {
    Ok(Authorizer::builder(source, host.url()?).reject_status(401))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_dns_labels_make_a_zendesk_host() {
        let host = |s: &str| {
            ApiHost::Zendesk {
                subdomain: s.into(),
            }
            .url()
        };
        assert_eq!(host("Acme-1").unwrap(), "https://acme-1.zendesk.com/sc");
        for bad in ["", "evil.com/", "a.b", "x?", "-a", "a b", "a@b"] {
            assert!(host(bad).is_err(), "{bad}");
        }
        assert_eq!(ApiHost::Eu.url().unwrap(), "https://api.eu-1.smooch.io");
    }
}
