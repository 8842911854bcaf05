//! The JWS algorithms this crate signs and verifies. `none` is not one of them: it cannot be
//! named, so it can never be allowed.

use std::fmt;

/// A JWS `alg` (RFC 7518 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256: `client_secret_jwt`, and ID tokens keyed with the client secret.
    Hs256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (keys of 2048 bits or more).
    Rs256,
    /// ECDSA on P-256 with SHA-256.
    Es256,
}

impl Algorithm {
    /// The name in a JOSE header.
    pub fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Rs256 => "RS256",
            Self::Es256 => "ES256",
        }
    }

    /// The algorithm a header names, compared exactly (`hs256` is not `HS256`); `None` for
    /// `none` and everything else this crate does not implement.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "HS256" => Some(Self::Hs256),
            "RS256" => Some(Self::Rs256),
            "ES256" => Some(Self::Es256),
            _ => None,
        }
    }

    /// The JWK `kty` of its keys (`oct` for HMAC, whose key is never taken from a key set).
    pub(crate) fn key_type(self) -> &'static str {
        match self {
            Self::Hs256 => "oct",
            Self::Rs256 => "RSA",
            Self::Es256 => "EC",
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_not_an_algorithm() {
        for alg in [Algorithm::Hs256, Algorithm::Rs256, Algorithm::Es256] {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
        }
        for name in ["none", "None", "hs256", "RS384", ""] {
            assert_eq!(Algorithm::from_name(name), None, "{name}");
        }
    }
}
