//! PKCE (RFC 7636) with the S256 method.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::digest::{SHA256, digest};

use crate::secret::PkceVerifier;

/// A PKCE verifier and its S256 challenge.
#[derive(Debug, Clone)]
pub struct Pkce {
    verifier: PkceVerifier,
    challenge: String,
}

impl Pkce {
    /// A fresh verifier of 32 bytes from the operating system's CSPRNG (43 characters, the
    /// RFC's recommendation) and its S256 challenge.
    pub fn new_s256() -> Self {
        Self::from_verifier(PkceVerifier::new(
            URL_SAFE_NO_PAD.encode(crate::runtime::random::bytes::<32>()),
        ))
    }

    /// The S256 challenge of a given verifier: `BASE64URL(SHA256(verifier))`.
    pub fn from_verifier(verifier: PkceVerifier) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.secret().as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }

    /// The verifier, to send with the code exchange.
    pub fn verifier(&self) -> &PkceVerifier {
        &self.verifier
    }

    /// The challenge, to send with the authorization request.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }

    /// The method name for `code_challenge_method`.
    pub fn method(&self) -> &'static str {
        "S256"
    }

    /// Splits into the verifier (kept) and the challenge (sent).
    pub fn into_parts(self) -> (PkceVerifier, String) {
        (self.verifier, self.challenge)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let pkce = Pkce::from_verifier(PkceVerifier::new(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        ));
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn fresh_verifiers_are_long_unique_and_unreserved() {
        let a = Pkce::new_s256();
        let b = Pkce::new_s256();
        assert_eq!(a.verifier().secret().len(), 43);
        assert_ne!(a.verifier().secret(), b.verifier().secret());
        assert!(
            a.verifier()
                .secret()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        assert_eq!(
            Pkce::from_verifier(a.verifier().clone()).challenge(),
            a.challenge()
        );
    }
}
