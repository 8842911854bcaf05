//! Newtypes for every value that grants access: they redact themselves in `Debug`, have no
//! `Display`, and are wiped from memory when dropped (through [`secrecy`]).
//!
//! `Serialize` writes the secret: the generated clients need it to put the value on the wire.
//! Reading one in code is always explicit: [`ClientSecret::secret`] and friends.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The storage of a secret its clones share: cloning one is a reference-count increment, and
/// the value is wiped when the last clone goes. For the secrets a client copies into every
/// request it makes with them (codes, verifiers, assertions); the others are received in
/// every answer, where the extra allocation would cost more than their rare clones.
type Shared = std::sync::Arc<SecretString>;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        secret_type!(@ $(#[$doc])* $name, SecretString, SecretString::from);
    };
    ($(#[$doc:meta])* shared $name:ident) => {
        secret_type!(@ $(#[$doc])* $name, Shared, |s: String| Shared::new(SecretString::from(s)));
    };
    (@ $(#[$doc:meta])* $name:ident, $storage:ty, $wrap:expr) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name($storage);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(($wrap)(value.into()))
            }

            /// The secret value. Every use is a place where it can leak: keep them few.
            pub fn secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.secret())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::new)
            }
        }

        #[cfg(feature = "schemars")]
        impl ::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                ::std::borrow::Cow::Borrowed(stringify!($name))
            }

            fn json_schema(_: &mut ::schemars::SchemaGenerator) -> ::schemars::Schema {
                ::schemars::json_schema!({ "type": "string", "format": "password", "writeOnly": true })
            }
        }
    };
}

secret_type! {
    /// The client secret issued when the application was registered.
    ClientSecret
}

secret_type! {
    /// An authorization code from the authorization redirect (single use, short lived).
    /// Clones share one copy of the value.
    shared AuthorizationCode
}

secret_type! {
    /// An access token: a bearer credential for API calls.
    AccessToken
}

secret_type! {
    /// A refresh token. With Procore, Cal.com and RingCentral it is single use: refreshing
    /// returns a new one and the old one stops working.
    RefreshToken
}

secret_type! {
    /// A token handed to a revocation endpoint: an access or a refresh token.
    RevocableToken
}

secret_type! {
    /// A signed JWT used as an authorization grant or as client authentication (RFC 7523).
    /// Clones share one copy of the value.
    shared JwtAssertion
}

secret_type! {
    /// A PKCE code verifier (RFC 7636): kept by the client between the authorization request
    /// and the code exchange. Create one with [`crate::pkce::Pkce::new_s256`]. Clones share one
    /// copy of the value.
    shared PkceVerifier
}

secret_type! {
    /// An OpenID Connect ID token (a signed JWT about the user).
    IdToken
}

secret_type! {
    /// A Cal.com session cookie, or any other credential passed through as a header.
    SessionCookie
}

impl From<&AccessToken> for RevocableToken {
    fn from(token: &AccessToken) -> Self {
        Self::new(token.secret())
    }
}

impl From<&RefreshToken> for RevocableToken {
    fn from(token: &RefreshToken) -> Self {
        Self::new(token.secret())
    }
}

impl PartialEq for RefreshToken {
    /// Used to tell whether a stored token was rotated; not a security check.
    fn eq(&self, other: &Self) -> bool {
        self.secret() == other.secret()
    }
}

impl Eq for RefreshToken {}
