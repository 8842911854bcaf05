//! Public keys from a provider's JWK Set (RFC 7517), and signature verification with them.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature;
use serde::Deserialize;
use serde_json::Value;

use crate::alg::Algorithm;

/// The longest base64url member read from a public key: an RSA modulus of 8192 bits is 1366
/// characters.
const MAX_MEMBER: usize = 1400;

/// One public key of a key set. Members are kept as sent and decoded when the key is used, so
/// one malformed key does not spoil the set.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[non_exhaustive]
pub struct Jwk {
    /// `kty`: `RSA` or `EC` are used.
    pub kty: Option<String>,
    /// `kid`.
    pub kid: Option<String>,
    /// `alg`: when present, the only algorithm the key is used with.
    pub alg: Option<String>,
    /// `use`: when present, must be `sig`.
    #[serde(rename = "use")]
    pub use_: Option<String>,
    /// RSA modulus (base64url).
    pub n: Option<String>,
    /// RSA exponent (base64url).
    pub e: Option<String>,
    /// EC curve.
    pub crv: Option<String>,
    /// EC x coordinate (base64url).
    pub x: Option<String>,
    /// EC y coordinate (base64url).
    pub y: Option<String>,
}

impl Jwk {
    /// Whether this key may verify `alg` signatures from a token naming `kid`: same `kid`
    /// (when the token names one), the algorithm's key type, and `alg` and `use` agreeing
    /// when present.
    pub fn matches(&self, kid: Option<&str>, alg: Algorithm) -> bool {
        kid.is_none_or(|kid| self.kid.as_deref() == Some(kid))
            && self.kty.as_deref() == Some(alg.key_type())
            && self.alg.as_deref().is_none_or(|a| a == alg.name())
            && self.use_.as_deref().is_none_or(|u| u == "sig")
    }

    /// Whether `signature` over `message` verifies with this key under `alg`. A key whose
    /// members do not decode verifies nothing. HS256 is never verified with a key from a set:
    /// its key is the client secret (that is what stops algorithm confusion).
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        match alg {
            Algorithm::Hs256 => false,
            Algorithm::Rs256 => {
                let (Some(n), Some(e)) = (member(&self.n), member(&self.e)) else {
                    return false;
                };
                // ring wants the big-endian integers without leading zero bytes.
                let components = signature::RsaPublicKeyComponents {
                    n: strip_zeros(&n),
                    e: strip_zeros(&e),
                };
                components
                    .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
                    .is_ok()
            }
            Algorithm::Es256 => {
                if self.crv.as_deref() != Some("P-256") {
                    return false;
                }
                let (Some(x), Some(y)) = (member(&self.x), member(&self.y)) else {
                    return false;
                };
                if x.len() != 32 || y.len() != 32 {
                    return false;
                }
                let mut point = Vec::with_capacity(65);
                point.push(4);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
        }
    }
}

fn member(value: &Option<String>) -> Option<Vec<u8>> {
    let value = value.as_deref()?;
    if value.len() > MAX_MEMBER {
        return None;
    }
    URL_SAFE_NO_PAD.decode(value).ok()
}

fn strip_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// A JWK Set: the keys that read as keys (entries that are no JSON object of strings are
/// skipped rather than failing the set).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JwkSet {
    keys: Vec<Jwk>,
}

impl JwkSet {
    /// The set from its keys.
    pub fn new(keys: Vec<Jwk>) -> Self {
        Self { keys }
    }

    /// Reads `{"keys": [...]}`; `None` when the document is not an object with a `keys`
    /// array.
    pub fn from_value(value: Value) -> Option<Self> {
        let Value::Object(mut map) = value else {
            return None;
        };
        let Some(Value::Array(entries)) = map.remove("keys") else {
            return None;
        };
        let keys = entries
            .into_iter()
            .filter_map(|entry| serde_json::from_value(entry).ok())
            .collect();
        Some(Self { keys })
    }

    /// The keys.
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// The keys that may verify an `alg` token naming `kid` (see [`Jwk::matches`]).
    pub fn candidates(&self, kid: Option<&str>, alg: Algorithm) -> impl Iterator<Item = &Jwk> {
        self.keys.iter().filter(move |k| k.matches(kid, alg))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_match_by_kid_type_alg_and_use() {
        let set = JwkSet::from_value(json!({"keys": [
            {"kty": "RSA", "kid": "a", "alg": "RS256", "use": "sig", "n": "AQ", "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "use": "enc"},
            {"kty": "EC", "kid": "c", "crv": "P-256"},
            "not a key",
            {"kty": 5},
        ]}))
        .unwrap();
        assert_eq!(set.keys().len(), 3);
        let kids = |kid, alg| {
            set.candidates(kid, alg)
                .map(|k| k.kid.clone().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(kids(Some("a"), Algorithm::Rs256), ["a"]);
        assert!(kids(Some("b"), Algorithm::Rs256).is_empty());
        assert!(kids(Some("a"), Algorithm::Es256).is_empty());
        assert_eq!(kids(None, Algorithm::Es256), ["c"]);
        assert!(kids(None, Algorithm::Hs256).is_empty());
        assert!(JwkSet::from_value(json!([1])).is_none());
        assert!(JwkSet::from_value(json!({"keys": {}})).is_none());
        // Undecodable or oversized members verify nothing, without a panic.
        let mut huge = set.keys()[0].clone();
        huge.n = Some("A".repeat(MAX_MEMBER + 1));
        assert!(!huge.verify(Algorithm::Rs256, b"m", b"s"));
        assert!(!set.keys()[2].verify(Algorithm::Es256, b"m", b"s"));
    }
}
