//! How `oauth token` renews tokens that no refresh token stands behind: a Procore service
//! account runs the client-credentials grant again, a RingCentral JWT login refreshes and
//! falls back to the JWT grant. As [`Renew`] implementations they go through the same
//! [`oauth_core::TokenSource`] as refresh tokens: one renewal per expiry across processes
//! (the file store's refresh lock), written to the store before it is printed.

use std::path::PathBuf;

use oauth_core::{
    ClientCredentialsGrant, Error, JwtAssertion, JwtBearerGrant, Provider, RefreshTokenGrant,
    Renew, Result, Token,
};
use procore_oauth::ProcoreClient;
use ringcentral_oauth::RingCentralClient;

use crate::secrets;

/// Procore client credentials, run again when due.
pub struct ClientCredentials(pub ProcoreClient);

impl Provider for ClientCredentials {
    const NAME: &'static str = ProcoreClient::NAME;
}

impl Renew for ClientCredentials {
    async fn renew(&self, _current: &Token) -> Result<Token> {
        self.0.client_credentials().await
    }
}

/// RingCentral JWT bearer: refreshes while the refresh token works, then signs in with the JWT
/// credential (read from its file each time, so a rotated credential is picked up).
pub struct JwtLogin {
    /// The client.
    pub client: RingCentralClient,
    /// The JWT credential's file.
    pub jwt_file: PathBuf,
}

impl Provider for JwtLogin {
    const NAME: &'static str = RingCentralClient::NAME;
}

impl JwtLogin {
    /// A new token from the JWT credential.
    pub async fn grant(&self) -> Result<Token> {
        let jwt = secrets::from_file(&self.jwt_file, "the JWT credential")
            .map_err(|e| Error::Config(e.to_string()))?;
        self.client.jwt_bearer(&JwtAssertion::new(jwt)).await
    }
}

impl Renew for JwtLogin {
    async fn renew(&self, current: &Token) -> Result<Token> {
        if let Some(refresh_token) = current.refresh_token() {
            match self.client.refresh(refresh_token).await {
                Ok(token) => return Ok(token.inherit_refresh_token(current)),
                // A dead refresh token is no reason to stop: the JWT still signs in.
                Err(e) if e.is_permanent() => {
                    tracing::info!(error = %e, "refresh refused; signing in with the JWT again");
                }
                Err(e) => return Err(e),
            }
        }
        self.grant().await
    }
}
