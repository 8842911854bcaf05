//! ID token verification (OpenID Connect Core §3.1.3.7): the signature against the provider's
//! key set (or, for HS256, the client secret), `alg` from an allow-list, then `iss`, `aud`,
//! `azp`, `exp`, `iat` and `nonce`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use oauth_core::{ClientSecret, Clock, IdToken, SystemClock};
// Constant time: the nonce is a secret of the session that asked for it.
use subtle::ConstantTimeEq;

use crate::alg::Algorithm;
use crate::claims::{IdTokenClaims, RawClaims};
use crate::error::{IdTokenError, bounded};
use crate::jwks::JwksCache;
use crate::jws::Compact;

/// The clock difference tolerated on `exp` and `iat` by default: one minute, enough for
/// ordinary drift between the provider's clock and this machine's.
pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

/// Verifies the ID tokens of one client at one provider. Cloning shares the key cache.
#[derive(Clone)]
pub struct IdTokenVerifier {
    issuer: String,
    client_id: String,
    algorithms: Vec<Algorithm>,
    client_secret: Option<ClientSecret>,
    keys: JwksCache,
    skew: Duration,
    clock: Arc<dyn Clock>,
}

impl IdTokenVerifier {
    /// A verifier of tokens from `issuer` for `client_id`, with the provider's keys in
    /// `keys`, allowing RS256 only until [`IdTokenVerifier::algorithms`] says otherwise.
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, keys: JwksCache) -> Self {
        Self {
            issuer: issuer.into(),
            client_id: client_id.into(),
            algorithms: vec![Algorithm::Rs256],
            client_secret: None,
            keys,
            skew: DEFAULT_SKEW,
            clock: Arc::new(SystemClock),
        }
    }

    /// The allow-list of `alg` values (a token with any other, `none` included, fails).
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Self {
        self.algorithms = algorithms.to_vec();
        self
    }

    /// The client secret, which keys HS256 ID tokens (OpenID Connect Core §10.1). Without
    /// it an HS256 token fails with [`IdTokenError::NoSecretForHmac`].
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The clock difference tolerated on `exp` and `iat` ([`DEFAULT_SKEW`] unless set).
    pub fn skew(mut self, skew: Duration) -> Self {
        self.skew = skew;
        self
    }

    /// The clock `exp` and `iat` are compared with.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The key cache.
    pub fn keys(&self) -> &JwksCache {
        &self.keys
    }

    /// Verifies `token`; `nonce` is the one the authorization request sent (`None` when it
    /// sent none, e.g. for the ID token of a refresh). Returns the typed claims, or the
    /// first check that failed.
    pub async fn verify(
        &self,
        token: &IdToken,
        nonce: Option<&str>,
    ) -> Result<IdTokenClaims, IdTokenError> {
        let compact = Compact::parse(token.secret())?;
        if compact.header.crit.is_some() {
            return Err(IdTokenError::CriticalHeader);
        }
        let alg = Algorithm::from_name(&compact.header.alg)
            .filter(|alg| self.algorithms.contains(alg))
            .ok_or_else(|| IdTokenError::AlgorithmNotAllowed {
                alg: bounded(&compact.header.alg),
            })?;
        self.check_signature(&compact, alg).await?;
        let claims = compact.payload::<RawClaims>()?.typed()?;
        self.check_claims(&claims, nonce)?;
        Ok(claims)
    }

    async fn check_signature(
        &self,
        token: &Compact<'_>,
        alg: Algorithm,
    ) -> Result<(), IdTokenError> {
        let message = token.signing_input.as_bytes();
        let valid = if alg == Algorithm::Hs256 {
            // Keyed with the client secret only, never with a key from the set: an HS256 token
            // "signed" with the provider's public key (algorithm confusion) fails here.
            let secret = self
                .client_secret
                .as_ref()
                .ok_or(IdTokenError::NoSecretForHmac)?;
            let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.secret().as_bytes());
            ring::hmac::verify(&key, message, &token.signature).is_ok()
        } else {
            let kid = token.header.kid.as_deref();
            let keys = self.keys.keys_for(kid, alg).await?;
            keys.candidates(kid, alg)
                .any(|key| key.verify(alg, message, &token.signature))
        };
        if valid {
            Ok(())
        } else {
            Err(IdTokenError::BadSignature)
        }
    }

    fn check_claims(
        &self,
        claims: &IdTokenClaims,
        nonce: Option<&str>,
    ) -> Result<(), IdTokenError> {
        if claims.issuer != self.issuer {
            return Err(IdTokenError::Issuer);
        }
        if !claims.audience.contains(&self.client_id) {
            return Err(IdTokenError::Audience);
        }
        // Core §3.1.3.7 items 4 and 5: with several audiences `azp` must name this client,
        // and when present it must always.
        let azp_needed = claims.audience.len() > 1;
        match &claims.authorized_party {
            Some(azp) if *azp != self.client_id => return Err(IdTokenError::AuthorizedParty),
            None if azp_needed => return Err(IdTokenError::AuthorizedParty),
            _ => {}
        }
        let now = self.clock.now();
        // `checked_add`: a skew that overflows the clock accepts everything at that end,
        // which only a caller's absurd setting can cause.
        let not_after = claims.expires_at.checked_add(self.skew);
        if not_after.is_some_and(|limit| now > limit) {
            return Err(IdTokenError::Expired);
        }
        let latest_issue = now.checked_add(self.skew);
        if latest_issue.is_some_and(|limit| claims.issued_at > limit) {
            return Err(IdTokenError::IssuedInFuture);
        }
        if let Some(expected) = nonce {
            let sent = claims.nonce.as_deref().unwrap_or_default();
            if !bool::from(sent.as_bytes().ct_eq(expected.as_bytes())) {
                return Err(IdTokenError::Nonce);
            }
        }
        Ok(())
    }
}

impl fmt::Debug for IdTokenVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdTokenVerifier")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("algorithms", &self.algorithms)
            .field("client_secret", &self.client_secret)
            .field("keys", &self.keys)
            .field("skew", &self.skew)
            .finish_non_exhaustive()
    }
}
