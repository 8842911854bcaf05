//! JOSE for the OAuth SDK, on `ring` (which rustls already builds): JWT client
//! authentication and OpenID Connect ID token verification, provider-neutral.
//!
//! - [`ClientAssertionSigner`]: a fresh client assertion per request (RFC 7523 §2.2, OpenID
//!   Connect Core §9): `client_secret_jwt` with [`SigningKey::hs256`] over the client secret
//!   (at least 32 bytes), `private_key_jwt` with an RS256 or ES256 [`SigningKey`] from a PEM
//!   or JWK private key.
//! - [`IdTokenVerifier`]: checks an ID token's signature against the provider's key set
//!   ([`JwksCache`], fetched again, rate-limited, when a token names an unknown `kid`) or,
//!   for HS256, the client secret; `alg` from an allow-list (`none` is not even
//!   representable); `iss`, `aud`, `azp`, `exp` and `iat` with a small skew, and `nonce`. It
//!   returns [`IdTokenClaims`], or an [`IdTokenError`] naming the failed check.
//! - [`ProviderMetadata::discover`]: the provider's discovery document, checked against its
//!   issuer.
//!
//! Keys, assertions and tokens never appear in `Debug` output or errors.
//!
//! ```
//! use oauth_jwt::{ClientAssertionSigner, SigningKey};
//! use oauth_core::ClientSecret;
//!
//! let key = SigningKey::hs256(&ClientSecret::new("a client secret of 32 bytes or more"))?;
//! let signer = ClientAssertionSigner::new(
//!     "client-id",
//!     "https://platform.ringcentral.com/restapi/oauth/token",
//!     key,
//! );
//! let assertion = signer.sign(std::time::SystemTime::now())?;
//! assert_eq!(assertion.secret().split('.').count(), 3);
//! # Ok::<(), oauth_jwt::KeyError>(())
//! ```

#![cfg_attr(docsrs, feature(doc_cfg))]

mod alg;
mod assertion;
mod claims;
mod discovery;
mod error;
mod fetch;
mod jwk;
mod jwks;
mod jws;
mod key;
mod pem;
mod verify;

pub use alg::Algorithm;
pub use assertion::{CLIENT_ASSERTION_TYPE, ClientAssertionSigner, DEFAULT_LIFETIME};
pub use claims::IdTokenClaims;
pub use discovery::ProviderMetadata;
pub use error::{FetchError, IdTokenError, KeyError, Part};
pub use fetch::DEFAULT_LIMIT;
pub use jwk::{Jwk, JwkSet};
pub use jwks::{DEFAULT_MIN_REFETCH, JwksCache};
pub use jws::{MAX_HEADER_BYTES, MAX_TOKEN_BYTES};
pub use key::{MIN_HMAC_SECRET_BYTES, SigningKey};
pub use verify::{DEFAULT_SKEW, IdTokenVerifier};

/// Signs `claims` with `key` as a compact JWS (`typ` `JWT`, the key's `alg` and `kid`): for
/// assertions of other shapes than [`ClientAssertionSigner`]'s, and for test servers.
pub fn sign<C: serde::Serialize>(key: &SigningKey, claims: &C) -> Result<String, KeyError> {
    jws::sign(key, claims)
}
