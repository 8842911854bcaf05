//! Client assertions: JWT client authentication per RFC 7523 §2.2 and §3, as OpenID Connect
//! Core §9 names it (`client_secret_jwt` with HS256 over the client secret, `private_key_jwt`
//! with RS256 or ES256).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::JwtAssertion;
use ring::rand::{SecureRandom, SystemRandom};
use serde::Serialize;

use crate::error::KeyError;
use crate::jws;
use crate::key::SigningKey;

/// The `client_assertion_type` that goes with every client assertion (RFC 7523 §2.2).
pub const CLIENT_ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid by default: long enough for one request and a slow
/// clock, short enough that a captured one is soon useless (servers also refuse a `jti`
/// they have seen).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60);

/// The claims of a client assertion (OpenID Connect Core §9).
#[derive(Serialize)]
struct Claims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    jti: String,
    iat: u64,
    exp: u64,
}

/// Signs a fresh client assertion for every request: `iss` = `sub` = the client id, `aud`
/// as configured (the token endpoint URL, or the issuer), `iat` now, `exp` a short
/// [`lifetime`](Self::lifetime) later, and a random 128-bit `jti`. `Debug` never shows the key.
#[derive(Clone)]
pub struct ClientAssertionSigner {
    client_id: String,
    audience: String,
    key: SigningKey,
    lifetime: Duration,
}

impl ClientAssertionSigner {
    /// A signer for `client_id` whose assertions name `audience` and are signed with `key`.
    pub fn new(client_id: impl Into<String>, audience: impl Into<String>, key: SigningKey) -> Self {
        Self {
            client_id: client_id.into(),
            audience: audience.into(),
            key,
            lifetime: DEFAULT_LIFETIME,
        }
    }

    /// How long each assertion is valid ([`DEFAULT_LIFETIME`] unless set).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// The `aud` every assertion names.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The key.
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// A new assertion issued at `now`, with a `jti` never used before.
    pub fn sign(&self, now: SystemTime) -> Result<JwtAssertion, KeyError> {
        let iat = now
            .duration_since(UNIX_EPOCH)
            .map_err(|_| KeyError::Signing("the clock is before 1970"))?
            .as_secs();
        let exp = iat
            .checked_add(self.lifetime.as_secs())
            .ok_or(KeyError::Signing("the expiry overflows"))?;
        let mut jti = [0u8; 16];
        SystemRandom::new()
            .fill(&mut jti)
            .map_err(|_| KeyError::Signing("no randomness for the jti"))?;
        let claims = Claims {
            iss: &self.client_id,
            sub: &self.client_id,
            aud: &self.audience,
            jti: URL_SAFE_NO_PAD.encode(jti),
            iat,
            exp,
        };
        jws::sign(&self.key, &claims).map(JwtAssertion::new)
    }
}

impl fmt::Debug for ClientAssertionSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientAssertionSigner")
            .field("client_id", &self.client_id)
            .field("audience", &self.audience)
            .field("key", &self.key)
            .field("lifetime", &self.lifetime)
            .finish()
    }
}
