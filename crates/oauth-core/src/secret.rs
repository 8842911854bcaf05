//! Newtypes for every value that grants access: they redact themselves in `Debug`, have no
//! `Display`, and are wiped from memory when dropped (through [`secrecy`]).
//!
//! Reading one in code is always explicit: [`ClientSecret::secret`] and friends. So is writing
//! one out: `Serialize` writes [`REDACTED`] in its place, so `serde_json::to_string` of a
//! secret, of a [`StoredToken`](crate::StoredToken) or of a generated request or response in
//! an application's log line prints no secret. The value itself is serialized only inside
//! [`WithSecrets`], the one named path for the places that must send or keep it:
//!
//! - request bodies: the generated operations serialize `WithSecrets(body)` (the xtask writes
//!   it into the generated code), and so do the generated httpmock mocks, whose typed answers
//!   and body matchers must hold the values;
//! - token stores: [`Token::exposing_secrets`](crate::Token::exposing_secrets), the stored
//!   document, serializes through it.
//!
//! Why a scope rather than separate wire-only types: the generated request and response types
//! share the schemas (`ClientSecret`, `RefreshToken`, ... via `x-rust-type`) with the
//! hand-written layers and with applications, which build request bodies from the very values
//! they hold; a second family of types for the wire would double every secret type and every
//! conversion. The scope is per thread and lasts exactly as long as the `serialize` call of
//! the [`WithSecrets`] value (serde serializes synchronously, nested calls included), so
//! nothing outside it, on this thread or another, sees a value.

use std::cell::Cell;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::runtime::scrub::REDACTED;

thread_local! {
    /// Set while a [`WithSecrets`] value is being serialized on this thread.
    static EXPOSING: Cell<bool> = const { Cell::new(false) };
}

/// Serializes `T` with the values of the secrets in it, where a secret's own `Serialize`
/// writes [`REDACTED`]: for request bodies and stored tokens only (see the
/// [module documentation](self)). The name is the reminder of what the output holds.
///
/// ```
/// use oauth_core::{ClientSecret, secret::WithSecrets};
/// let secret = ClientSecret::new("s3cret");
/// assert_eq!(serde_json::to_string(&secret).unwrap(), r#""[redacted]""#);
/// assert_eq!(serde_json::to_string(&WithSecrets(&secret)).unwrap(), r#""s3cret""#);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct WithSecrets<T>(pub T);

impl<T: Serialize> Serialize for WithSecrets<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// Restores the flag however `serialize` ends, a panic included.
        struct Restore(bool);
        impl Drop for Restore {
            fn drop(&mut self) {
                EXPOSING.set(self.0);
            }
        }
        let _restore = Restore(EXPOSING.replace(true));
        self.0.serialize(serializer)
    }
}

/// Whether serialization on this thread is inside a [`WithSecrets`].
pub(crate) fn exposing() -> bool {
    EXPOSING.get()
}

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

        /// Writes [`REDACTED`], or the value inside [`WithSecrets`].
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(if exposing() { self.secret() } else { REDACTED })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Body<'a> {
        client_secret: &'a ClientSecret,
        code: Option<AuthorizationCode>,
        nested: Vec<(RefreshToken, &'a str)>,
    }

    fn body(secret: &ClientSecret) -> Body<'_> {
        Body {
            client_secret: secret,
            code: Some(AuthorizationCode::new("code-1")),
            nested: vec![(RefreshToken::new("rt-1"), "plain")],
        }
    }

    #[test]
    fn every_secret_serializes_redacted_outside_the_named_path() {
        let secret = ClientSecret::new("cs-1");
        let shown = serde_json::to_string(&body(&secret)).unwrap();
        assert_eq!(
            shown,
            r#"{"client_secret":"[redacted]","code":"[redacted]","nested":[["[redacted]","plain"]]}"#
        );
        for one in [
            serde_json::to_string(&AccessToken::new("at-1")).unwrap(),
            serde_json::to_string(&IdToken::new("id-1")).unwrap(),
            serde_json::to_string(&PkceVerifier::new("v-1")).unwrap(),
            serde_json::to_string(&JwtAssertion::new("j-1")).unwrap(),
            serde_json::to_string(&SessionCookie::new("c-1")).unwrap(),
            serde_json::to_string(&RevocableToken::new("r-1")).unwrap(),
            serde_urlencoded::to_string([("token", RevocableToken::new("r-1"))]).unwrap(),
        ] {
            assert!(one.contains("redacted") && !one.contains("-1"), "{one}");
        }
    }

    #[test]
    fn with_secrets_writes_the_values_and_only_while_it_serializes() {
        let secret = ClientSecret::new("cs-1");
        assert_eq!(
            serde_json::to_string(&WithSecrets(body(&secret))).unwrap(),
            r#"{"client_secret":"cs-1","code":"code-1","nested":[["rt-1","plain"]]}"#
        );
        assert_eq!(
            serde_urlencoded::to_string(WithSecrets([("client_secret", &secret)])).unwrap(),
            "client_secret=cs-1"
        );
        // Nested scopes end where they began: the outer one still exposes after the inner.
        let pair = (WithSecrets(&secret), &secret);
        assert_eq!(
            serde_json::to_string(&WithSecrets(&pair)).unwrap(),
            r#"["cs-1","cs-1"]"#
        );
        assert_eq!(
            serde_json::to_string(&pair).unwrap(),
            r#"["cs-1","[redacted]"]"#
        );
        assert!(!exposing());
    }

    #[test]
    fn a_panic_inside_the_scope_does_not_leave_it_open() {
        struct Explodes;
        impl Serialize for Explodes {
            fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                panic!("serializer failure");
            }
        }
        let caught = std::panic::catch_unwind(|| serde_json::to_string(&WithSecrets(Explodes)));
        assert!(caught.is_err());
        assert!(!exposing());
        assert_eq!(
            serde_json::to_string(&ClientSecret::new("cs-1")).unwrap(),
            r#""[redacted]""#
        );
    }
}
