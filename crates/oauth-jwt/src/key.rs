//! Signing keys: HS256 over a client secret, RS256 and ES256 from a PEM or a JWK private key.

use std::fmt;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use oauth_core::ClientSecret;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, RsaKeyPair};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::alg::Algorithm;
use crate::error::KeyError;
use crate::pem;

/// The shortest client secret HS256 accepts (RFC 7518 §3.2: as long as the hash output).
pub const MIN_HMAC_SECRET_BYTES: usize = 32;

/// A private key that signs JWTs, with its `kid`. Cloning shares the key. `Debug` shows the
/// algorithm and `kid`, never the key.
#[derive(Clone)]
pub struct SigningKey {
    key: Material,
    kid: Option<String>,
}

#[derive(Clone)]
enum Material {
    Hmac(ring::hmac::Key),
    Rsa(Arc<RsaKeyPair>),
    Ecdsa(Arc<EcdsaKeyPair>),
}

impl SigningKey {
    /// HS256 keyed with the client secret (`client_secret_jwt`); a secret shorter than
    /// [`MIN_HMAC_SECRET_BYTES`] is [`KeyError::SecretTooShort`].
    pub fn hs256(secret: &ClientSecret) -> Result<Self, KeyError> {
        let bytes = secret.secret().as_bytes();
        if bytes.len() < MIN_HMAC_SECRET_BYTES {
            return Err(KeyError::SecretTooShort { len: bytes.len() });
        }
        Ok(Self {
            key: Material::Hmac(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, bytes)),
            kid: None,
        })
    }

    /// An RS256 or ES256 key from PEM text: PKCS#8 (`BEGIN PRIVATE KEY`, RSA or P-256) or
    /// PKCS#1 (`BEGIN RSA PRIVATE KEY`). SEC1 (`BEGIN EC PRIVATE KEY`) and encrypted keys are
    /// refused with the `openssl` command that converts them.
    pub fn from_pem(text: &str) -> Result<Self, KeyError> {
        let (label, der) = pem::decode(text)?;
        let key = match label.as_str() {
            "PRIVATE KEY" => match RsaKeyPair::from_pkcs8(&der) {
                Ok(rsa) => Material::Rsa(Arc::new(rsa)),
                Err(rsa_reason) => EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &der,
                    &SystemRandom::new(),
                )
                .map(|ec| Material::Ecdsa(Arc::new(ec)))
                .map_err(|ec_reason| KeyError::Rejected {
                    kind: "PKCS#8",
                    reason: format!("not RSA ({rsa_reason}) nor EC P-256 ({ec_reason})"),
                })?,
            },
            "RSA PRIVATE KEY" => Material::Rsa(Arc::new(
                RsaKeyPair::from_der(&der).map_err(|e| rejected("RSA", e))?,
            )),
            "EC PRIVATE KEY" => {
                return Err(KeyError::Pem(
                    "a SEC1 EC key; convert it to PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem",
                ));
            }
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Pem(
                    "an encrypted key; decrypt it first: openssl pkcs8 -topk8 -nocrypt -in key.pem",
                ));
            }
            _ => return Err(KeyError::Pem("not a private key block")),
        };
        Ok(Self { key, kid: None })
    }

    /// An RS256 (`kty` `RSA` with `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`) or ES256
    /// (`kty` `EC`, `crv` `P-256`, with `x`, `y`, `d`) key from a private JWK (RFC 7518 §6),
    /// keeping its `kid`.
    pub fn from_jwk(json: &str) -> Result<Self, KeyError> {
        let mut jwk: PrivateJwk = serde_json::from_str(json)
            .map_err(|_| KeyError::Jwk("not a JSON object of strings"))?;
        let key = match jwk.kty.as_deref() {
            Some("RSA") => {
                let part = |v: &Option<String>| decode_member(v.as_deref());
                let (n, e, d) = (part(&jwk.n)?, part(&jwk.e)?, part(&jwk.d)?);
                let (p, q) = (part(&jwk.p)?, part(&jwk.q)?);
                let (dp, dq, qi) = (part(&jwk.dp)?, part(&jwk.dq)?, part(&jwk.qi)?);
                let components = ring::rsa::KeyPairComponents {
                    public_key: ring::rsa::PublicKeyComponents {
                        n: n.as_slice(),
                        e: e.as_slice(),
                    },
                    d: d.as_slice(),
                    p: p.as_slice(),
                    q: q.as_slice(),
                    dP: dp.as_slice(),
                    dQ: dq.as_slice(),
                    qInv: qi.as_slice(),
                };
                Material::Rsa(Arc::new(
                    RsaKeyPair::from_components(&components).map_err(|e| rejected("RSA", e))?,
                ))
            }
            Some("EC") => {
                if jwk.crv.as_deref() != Some("P-256") {
                    return Err(KeyError::Jwk("an EC key on another curve than P-256"));
                }
                let d = decode_member(jwk.d.as_deref())?;
                let mut public = vec![4u8];
                public.extend_from_slice(&decode_member(jwk.x.as_deref())?);
                public.extend_from_slice(&decode_member(jwk.y.as_deref())?);
                Material::Ecdsa(Arc::new(
                    EcdsaKeyPair::from_private_key_and_public_key(
                        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                        &d,
                        &public,
                        &SystemRandom::new(),
                    )
                    .map_err(|e| rejected("EC P-256", e))?,
                ))
            }
            _ => return Err(KeyError::Jwk("kty is neither RSA nor EC")),
        };
        Ok(Self {
            key,
            kid: jwk.kid.take(),
        })
    }

    /// Sets the `kid` the JOSE header names (the one registered with the provider).
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// The `kid`, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            Material::Hmac(_) => Algorithm::Hs256,
            Material::Rsa(_) => Algorithm::Rs256,
            Material::Ecdsa(_) => Algorithm::Es256,
        }
    }

    /// The JWS signature of `message` (ES256: `r || s`, 64 bytes, as RFC 7518 §3.4 wants).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.key {
            Material::Hmac(key) => Ok(ring::hmac::sign(key, message).as_ref().to_vec()),
            Material::Rsa(pair) => {
                let mut out = vec![0; pair.public().modulus_len()];
                pair.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut out)
                    .map_err(|_| KeyError::Signing("RSA signing failed"))?;
                Ok(out)
            }
            Material::Ecdsa(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Signing("ECDSA signing failed")),
        }
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("algorithm", &self.algorithm())
            .field("kid", &self.kid)
            .field("key", &"[redacted]")
            .finish()
    }
}

fn rejected(kind: &'static str, e: ring::error::KeyRejected) -> KeyError {
    KeyError::Rejected {
        kind,
        reason: e.to_string(),
    }
}

/// A base64url member of a private JWK, wiped when dropped.
fn decode_member(value: Option<&str>) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    let value = value.ok_or(KeyError::Jwk("a member the key type needs is missing"))?;
    URL_SAFE_NO_PAD
        .decode(value)
        .map(Zeroizing::new)
        .map_err(|_| KeyError::Jwk("a member is not base64url"))
}

/// The members of a private JWK this crate reads; the private ones are wiped on drop.
#[derive(Deserialize)]
struct PrivateJwk {
    kty: Option<String>,
    kid: Option<String>,
    crv: Option<String>,
    n: Option<String>,
    e: Option<String>,
    x: Option<String>,
    y: Option<String>,
    d: Option<String>,
    p: Option<String>,
    q: Option<String>,
    dp: Option<String>,
    dq: Option<String>,
    qi: Option<String>,
}

impl Drop for PrivateJwk {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for member in [
            &mut self.d,
            &mut self.p,
            &mut self.q,
            &mut self.dp,
            &mut self.dq,
            &mut self.qi,
        ] {
            member.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hs256_needs_32_bytes_and_debug_hides_the_key() {
        let short = SigningKey::hs256(&ClientSecret::new("x".repeat(31))).unwrap_err();
        assert_eq!(short, KeyError::SecretTooShort { len: 31 });
        let key = SigningKey::hs256(&ClientSecret::new("k".repeat(32)))
            .unwrap()
            .with_kid("k1");
        assert_eq!(key.algorithm(), Algorithm::Hs256);
        let shown = format!("{key:?}");
        assert!(shown.contains("k1") && !shown.contains("kkkk"), "{shown}");
    }

    #[test]
    fn an_es256_pem_signs_64_byte_signatures_and_odd_jwks_are_refused() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
            .unwrap();
        let pem = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(pkcs8.as_ref())
        );
        let key = SigningKey::from_pem(&pem).unwrap();
        assert_eq!(key.algorithm(), Algorithm::Es256);
        assert_eq!(key.sign(b"m").unwrap().len(), 64);
        assert!(matches!(
            SigningKey::from_jwk(r#"{"kty":"EC","crv":"P-384","d":"AA","x":"AA","y":"AA"}"#),
            Err(KeyError::Jwk(_))
        ));
        assert!(matches!(SigningKey::from_jwk("[1]"), Err(KeyError::Jwk(_))));
    }

    #[test]
    fn pem_blocks_ring_cannot_read_name_the_conversion() {
        for label in ["EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"] {
            let pem = format!("-----BEGIN {label}-----\nAAAA\n-----END {label}-----\n");
            let e = SigningKey::from_pem(&pem).unwrap_err();
            assert!(
                matches!(&e, KeyError::Pem(m) if m.contains("openssl pkcs8")),
                "{e}"
            );
        }
        let e = SigningKey::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
            .unwrap_err();
        assert_eq!(e, KeyError::Pem("not a private key block"));
        let e =
            SigningKey::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----")
                .unwrap_err();
        assert!(
            matches!(e, KeyError::Rejected { kind: "PKCS#8", .. }),
            "{e}"
        );
    }
}
