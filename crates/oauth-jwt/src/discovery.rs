//! OpenID Connect Discovery: the provider's metadata at
//! `<issuer>/.well-known/openid-configuration`.

use serde::Deserialize;
use url::Url;

use crate::alg::Algorithm;
use crate::error::FetchError;
use crate::fetch;

/// The metadata members this crate uses (OpenID Connect Discovery §3).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer identifier: every ID token's `iss`.
    pub issuer: String,
    /// Where the provider's signing keys are.
    pub jwks_uri: String,
    /// The token endpoint.
    #[serde(default)]
    pub token_endpoint: Option<String>,
    /// The `alg` values the provider signs ID tokens with.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// The client authentication methods of the token endpoint.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
}

impl ProviderMetadata {
    /// Fetches the metadata of `issuer` (no trailing slash) with `http` (which must not
    /// follow redirects), and checks it: its `issuer` must be exactly `issuer` (Discovery
    /// §4.3: otherwise another party's tokens would pass as this one's), and `jwks_uri` must
    /// be on the issuer's origin (a document that sends key fetches elsewhere is refused).
    pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Self, FetchError> {
        let issuer_url =
            Url::parse(issuer).map_err(|_| FetchError::Mismatch("the issuer is not a URL"))?;
        let url = Url::parse(&format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        ))
        .map_err(|_| FetchError::Mismatch("the issuer is not a URL"))?;
        let value = fetch::json(http, &url, fetch::DEFAULT_LIMIT, "discovery document").await?;
        let metadata: Self = serde_json::from_value(value).map_err(|e| FetchError::Decode {
            what: "discovery document",
            line: e.line(),
            column: e.column(),
        })?;
        if metadata.issuer != issuer {
            return Err(FetchError::Mismatch("its issuer is another one"));
        }
        let jwks = metadata.jwks_url()?;
        if jwks.origin() != issuer_url.origin() {
            return Err(FetchError::Mismatch("jwks_uri is on another origin"));
        }
        Ok(metadata)
    }

    /// `jwks_uri` as a URL.
    pub fn jwks_url(&self) -> Result<Url, FetchError> {
        Url::parse(&self.jwks_uri).map_err(|_| FetchError::Mismatch("jwks_uri is not a URL"))
    }

    /// The ID token algorithms the provider lists that this crate implements (`none` and the
    /// unknown ones left out).
    pub fn id_token_algorithms(&self) -> Vec<Algorithm> {
        self.id_token_signing_alg_values_supported
            .iter()
            .filter_map(|name| Algorithm::from_name(name))
            .collect()
    }
}
