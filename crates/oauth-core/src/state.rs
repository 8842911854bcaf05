//! The CSRF `state` of an authorization request.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// An unguessable value sent with the authorization request and expected back in the redirect.
///
/// 256 bits from the operating system's CSPRNG. `Debug` redacts it; comparison is
/// constant-time.
#[derive(Clone)]
pub struct CsrfState(String);

impl CsrfState {
    /// A fresh random state.
    pub fn new_random() -> Self {
        Self(URL_SAFE_NO_PAD.encode(crate::runtime::random::bytes::<32>()))
    }

    /// A state chosen by the caller (e.g. one that also encodes where to return to). It must be
    /// unguessable for the CSRF check to mean anything.
    ///
    /// An empty state is [`Error::Config`]: it would be sent as `state=` and matched by any
    /// redirect that has an empty `state` (or, with servers that drop empty parameters, by
    /// none at all).
    pub fn new(value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        if value.is_empty() {
            return Err(Error::Config(
                "the CSRF state is empty; use CsrfState::new_random or an unguessable value".into(),
            ));
        }
        Ok(Self(value))
    }

    /// The value, to put in the authorization URL.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// Compares with a value from a redirect in constant time.
    pub fn matches(&self, other: &str) -> bool {
        self.0.as_bytes().ct_eq(other.as_bytes()).into()
    }
}

impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfState([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_states_have_256_bits_and_differ() {
        let a = CsrfState::new_random();
        assert_eq!(a.secret().len(), 43);
        assert_ne!(a.secret(), CsrfState::new_random().secret());
        assert!(a.matches(a.secret()));
        assert!(!a.matches("forged"));
        assert!(!format!("{a:?}").contains(a.secret()));
    }

    #[test]
    fn an_empty_state_is_refused() {
        assert!(matches!(CsrfState::new(""), Err(Error::Config(_))));
        let chosen = CsrfState::new("st-1").unwrap();
        assert!(chosen.matches("st-1") && !chosen.matches(""));
    }
}
