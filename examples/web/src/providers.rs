//! The four providers behind one type: their clients, the authorization request, the code
//! exchange, one API path, and revocation.

use std::sync::Arc;

use calcom_oauth::CalcomOAuth2Client;
use oauth_core::{
    AuthorizationCodeGrant, AuthorizationGrant, AuthorizationRequest, ClientSecret, Error,
    HttpSettings, Token, TokenRevocation,
};
use oauth_lifecycle::access::{AuthorizedClient, Authorizer, AuthorizerBuilder, StaticToken};
use oauth_lifecycle::store::{AnyStore, TokenStore};
use oauth_lifecycle::{SharedTokenSource, TokenSource};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::RingCentralClient;
use sunshine_conversations_oauth::SunshineClient;

/// The local servers' client secret (`tests/oidc-server`: reserved characters on purpose).
const LOCAL_SECRET: &str = "p@ss:w/rd+%&= ~!";
/// The Procore company the local server's revocation and API expect.
const LOCAL_PROCORE_COMPANY: i64 = 8089;
/// The most of an API answer shown on the page.
const MAX_SHOWN_BYTES: usize = 4096;

/// A provider the app can connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderId {
    /// RingCentral.
    RingCentral,
    /// Cal.com (its OAuth 2.0 flow).
    Calcom,
    /// Procore.
    Procore,
    /// Zendesk Sunshine Conversations.
    Sunshine,
}

impl ProviderId {
    /// Every provider, in the order the page lists them.
    pub const ALL: [Self; 4] = [
        Self::RingCentral,
        Self::Calcom,
        Self::Procore,
        Self::Sunshine,
    ];

    /// The name in URLs, store keys and the local server's profile.
    pub fn slug(self) -> &'static str {
        match self {
            Self::RingCentral => "ringcentral",
            Self::Calcom => "calcom",
            Self::Procore => "procore",
            Self::Sunshine => "sunshine",
        }
    }

    /// The name people read.
    pub fn name(self) -> &'static str {
        match self {
            Self::RingCentral => "RingCentral",
            Self::Calcom => "Cal.com",
            Self::Procore => "Procore",
            Self::Sunshine => "Sunshine Conversations",
        }
    }

    /// The provider a URL's slug names.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// This app's callback for the provider (the redirect URI to register there).
    pub fn redirect_uri(self, app_base: &str) -> String {
        format!("{app_base}/callback/{}", self.slug())
    }

    /// The API path the API page calls: who the connection is.
    pub fn api_path(self) -> &'static str {
        match self {
            Self::RingCentral => "/restapi/v1.0/account/~/extension/~",
            Self::Calcom => "/v2/me",
            Self::Procore => "/rest/v1.0/me",
            Self::Sunshine => "/v2/tokenInfo",
        }
    }

    /// The environment variables' prefix for real credentials.
    fn env_prefix(self) -> &'static str {
        match self {
            Self::RingCentral => "RINGCENTRAL",
            Self::Calcom => "CALCOM",
            Self::Procore => "PROCORE",
            Self::Sunshine => "SUNSHINE",
        }
    }
}

/// A provider's client.
#[derive(Clone)]
enum Client {
    RingCentral(Arc<RingCentralClient>),
    Calcom(Arc<CalcomOAuth2Client>),
    Procore(Arc<ProcoreClient>),
    Sunshine(Arc<SunshineClient>),
}

/// One provider as the app uses it.
pub struct Connector {
    /// Which provider.
    pub id: ProviderId,
    client: Client,
    /// The API's base URL (`None`: the provider crate's default).
    api_base: Option<String>,
    procore_company: Option<i64>,
    http: reqwest::Client,
    redirect_uri: String,
}

/// What an API call answered.
pub struct ApiAnswer {
    /// The URL called.
    pub url: String,
    /// The HTTP status.
    pub status: u16,
    /// The start of the body, as text.
    pub body: String,
}

/// What a disconnection did at the provider.
pub enum Revoked {
    /// The provider revoked the grant.
    Yes,
    /// The provider has no revocation endpoint (Cal.com).
    NotSupported,
}

impl Connector {
    /// A connector to the local server of `id` at `server`.
    pub fn local(id: ProviderId, server: &str, app_base: &str) -> Result<Self, Error> {
        let secret = || ClientSecret::new(LOCAL_SECRET);
        let client = match id {
            ProviderId::RingCentral => Client::RingCentral(Arc::new(
                RingCentralClient::builder("e2e-client")
                    .client_secret(secret())
                    .base_url(server)
                    .build()?,
            )),
            ProviderId::Calcom => Client::Calcom(Arc::new(
                CalcomOAuth2Client::builder("calcom-confidential")
                    .client_secret(secret())
                    .base_url(server)
                    .app_url(server)
                    .build()?,
            )),
            ProviderId::Procore => Client::Procore(Arc::new(
                ProcoreClient::builder("procore-client")
                    .client_secret(secret())
                    .base_url(server)
                    .company_id(LOCAL_PROCORE_COMPANY)
                    .build()?,
            )),
            ProviderId::Sunshine => Client::Sunshine(Arc::new(
                SunshineClient::builder("sunshine-client")
                    .client_secret(secret())
                    .base_url(server)
                    .build()?,
            )),
        };
        Self::new(id, client, Some(server.to_owned()), app_base)
    }

    fn new(
        id: ProviderId,
        client: Client,
        api_base: Option<String>,
        app_base: &str,
    ) -> Result<Self, Error> {
        let procore_company = match &client {
            Client::Procore(c) => c.company_id(),
            _ => None,
        };
        Ok(Self {
            id,
            client,
            api_base,
            procore_company,
            http: HttpSettings::new("oauth-web-example/0.1").build()?,
            redirect_uri: id.redirect_uri(app_base),
        })
    }

    /// A fresh authorization request (state, and PKCE where the provider takes it).
    pub fn authorization_request(&self) -> AuthorizationRequest {
        let uri = self.redirect_uri.as_str();
        match &self.client {
            Client::RingCentral(c) => {
                c.authorization_request(&ringcentral_oauth::AuthorizeParams::new(uri))
            }
            Client::Calcom(c) => c.authorization_request(&calcom_oauth::AuthorizeParams::new(uri)),
            Client::Procore(c) => c.authorization_request(uri),
            Client::Sunshine(c) => c.authorization_request(Some(uri)),
        }
    }

    /// Exchanges the verified code for a token.
    pub async fn exchange(&self, grant: &AuthorizationGrant) -> Result<Token, Error> {
        match &self.client {
            Client::RingCentral(c) => c.exchange_code(grant).await,
            Client::Calcom(c) => c.exchange_code(grant).await,
            Client::Procore(c) => c.exchange_code(grant).await,
            Client::Sunshine(c) => c.exchange_code(grant).await,
        }
    }

    /// Calls [`ProviderId::api_path`] with the connection stored under `key`, through an
    /// authorized client (which refreshes the token when due and on a 401, where the provider
    /// can).
    pub async fn call_api(&self, store: &Arc<AnyStore>, key: &str) -> Result<ApiAnswer, Error> {
        let source = self.source(store, key).await?;
        let builder: AuthorizerBuilder = match &self.client {
            Client::RingCentral(_) => ringcentral_oauth::api::authorizer(
                source,
                ringcentral_oauth::Environment::Production,
            ),
            Client::Calcom(_) => calcom_oauth::api::authorizer(source),
            Client::Procore(_) => {
                let builder =
                    procore_oauth::api::authorizer(source, procore_oauth::Environment::Production);
                match self.procore_company {
                    Some(id) => procore_oauth::api::WithCompany::company_id(builder, id),
                    None => builder,
                }
            }
            // The token info lives on the OAuth host, which is the client's base URL.
            Client::Sunshine(_) => Authorizer::builder(
                source,
                sunshine_conversations_oauth::Region::OAuthBridge.base_url(),
            ),
        };
        let builder = match &self.api_base {
            Some(base) => builder.base_url(base.as_str()),
            None => builder,
        };
        let http = AuthorizedClient::new(self.http.clone(), builder.build()?);
        let request = http.get(self.id.api_path())?;
        let mut response = http.send(request).await?;
        let url = response.url().to_string();
        let status = response.status().as_u16();
        let mut body = Vec::new();
        // Read no more than is shown: the page is for a person.
        while body.len() < MAX_SHOWN_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => return Err(Error::from(e)),
            }
        }
        body.truncate(MAX_SHOWN_BYTES);
        Ok(ApiAnswer {
            url,
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    async fn source(&self, store: &Arc<AnyStore>, key: &str) -> Result<SharedTokenSource, Error> {
        Ok(match &self.client {
            Client::RingCentral(c) => Arc::new(
                TokenSource::builder(c.clone(), store.clone(), key)
                    .build()
                    .await?,
            ),
            Client::Calcom(c) => Arc::new(
                TokenSource::builder(c.clone(), store.clone(), key)
                    .build()
                    .await?,
            ),
            Client::Procore(c) => Arc::new(
                TokenSource::builder(c.clone(), store.clone(), key)
                    .build()
                    .await?,
            ),
            // Sunshine tokens never expire and cannot be refreshed.
            Client::Sunshine(_) => {
                let stored = store
                    .load(key)
                    .await?
                    .ok_or_else(|| Error::Config("not connected".into()))?;
                Arc::new(StaticToken::new(stored.token))
            }
        })
    }

    /// Revokes the grant at the provider, where it can be.
    pub async fn revoke(&self, token: &Token) -> Result<Revoked, Error> {
        match &self.client {
            Client::RingCentral(c) => c.revoke(token).await.map(|()| Revoked::Yes),
            Client::Calcom(_) => Ok(Revoked::NotSupported),
            Client::Procore(c) => c.revoke(token).await.map(|()| Revoked::Yes),
            Client::Sunshine(c) => c.revoke(token).await.map(|()| Revoked::Yes),
        }
    }
}

/// Connectors for the providers whose credentials are in the environment
/// (`<PREFIX>_CLIENT_ID` and `<PREFIX>_CLIENT_SECRET`; `PROCORE_COMPANY_ID` for Procore's
/// revocation and API).
pub fn from_env(app_base: &str) -> Result<Vec<Connector>, Box<dyn std::error::Error>> {
    let mut connectors = Vec::new();
    for id in ProviderId::ALL {
        let prefix = id.env_prefix();
        let (Ok(client_id), Ok(secret)) = (
            std::env::var(format!("{prefix}_CLIENT_ID")),
            std::env::var(format!("{prefix}_CLIENT_SECRET")),
        ) else {
            continue;
        };
        let secret = ClientSecret::new(secret);
        let client = match id {
            ProviderId::RingCentral => Client::RingCentral(Arc::new(
                RingCentralClient::builder(client_id)
                    .client_secret(secret)
                    .build()?,
            )),
            ProviderId::Calcom => Client::Calcom(Arc::new(
                CalcomOAuth2Client::builder(client_id)
                    .client_secret(secret)
                    .build()?,
            )),
            ProviderId::Procore => {
                let mut builder = ProcoreClient::builder(client_id).client_secret(secret);
                if let Ok(company) = std::env::var("PROCORE_COMPANY_ID") {
                    builder = builder.company_id(company.trim().parse()?);
                }
                Client::Procore(Arc::new(builder.build()?))
            }
            ProviderId::Sunshine => Client::Sunshine(Arc::new(
                SunshineClient::builder(client_id)
                    .client_secret(secret)
                    .build()?,
            )),
        };
        connectors.push(Connector::new(id, client, None, app_base)?);
    }
    Ok(connectors)
}
