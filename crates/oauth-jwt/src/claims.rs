//! The claims of a verified ID token, typed.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::IdTokenError;

/// The claims of an ID token that passed every check. RingCentral's (as its discovery
/// document lists them) are named; the rest are in [`IdTokenClaims::other`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// `iss`: the provider.
    pub issuer: String,
    /// `sub`: the user, stable and unique at this issuer (RingCentral: the extension id).
    pub subject: String,
    /// `aud`: the clients the token is for (this one among them).
    pub audience: Vec<String>,
    /// `azp`, when present.
    pub authorized_party: Option<String>,
    /// `exp`.
    pub expires_at: SystemTime,
    /// `iat`.
    pub issued_at: SystemTime,
    /// `auth_time`: when the user authenticated, when the provider says.
    pub auth_time: Option<SystemTime>,
    /// `nonce`, as the authorization request sent it.
    pub nonce: Option<String>,
    /// `account_id` (RingCentral: the account the extension belongs to).
    pub account_id: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `email_verified`.
    pub email_verified: Option<bool>,
    /// `name`.
    pub name: Option<String>,
    /// `given_name`.
    pub given_name: Option<String>,
    /// `family_name`.
    pub family_name: Option<String>,
    /// Every other claim, as sent.
    pub other: Map<String, Value>,
}

/// The claims as they come: loosely typed, so that the checks can say which one is wrong.
#[derive(Deserialize)]
pub(crate) struct RawClaims {
    iss: Option<Value>,
    sub: Option<Value>,
    aud: Option<Value>,
    azp: Option<Value>,
    exp: Option<Value>,
    iat: Option<Value>,
    auth_time: Option<Value>,
    nonce: Option<Value>,
    account_id: Option<Value>,
    email: Option<Value>,
    email_verified: Option<Value>,
    name: Option<Value>,
    given_name: Option<Value>,
    family_name: Option<Value>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

impl RawClaims {
    /// Types every claim; a required one that is absent or of the wrong type is
    /// [`IdTokenError::MissingClaim`].
    pub(crate) fn typed(self) -> Result<IdTokenClaims, IdTokenError> {
        let required = |v: Option<String>, name| v.ok_or(IdTokenError::MissingClaim(name));
        let audience = match self.aud {
            Some(Value::String(one)) => vec![one],
            Some(Value::Array(many)) => many
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    _ => Err(IdTokenError::MissingClaim("aud")),
                })
                .collect::<Result<_, _>>()?,
            _ => return Err(IdTokenError::MissingClaim("aud")),
        };
        Ok(IdTokenClaims {
            issuer: required(text(self.iss), "iss")?,
            subject: required(identifier(self.sub), "sub")?,
            audience,
            authorized_party: text(self.azp),
            expires_at: time(self.exp).ok_or(IdTokenError::MissingClaim("exp"))?,
            issued_at: time(self.iat).ok_or(IdTokenError::MissingClaim("iat"))?,
            auth_time: time(self.auth_time),
            nonce: text(self.nonce),
            account_id: identifier(self.account_id),
            email: text(self.email),
            email_verified: match self.email_verified {
                Some(Value::Bool(b)) => Some(b),
                // Some providers send it as a string.
                Some(Value::String(s)) => s.parse().ok(),
                _ => None,
            },
            name: text(self.name),
            given_name: text(self.given_name),
            family_name: text(self.family_name),
            other: self.other,
        })
    }
}

fn text(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// An identifier sent as a string or, by some providers, as a number.
fn identifier(value: Option<Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        _ => None,
    }
}

/// A NumericDate (RFC 7519 §2): seconds since the epoch, possibly fractional. Negative,
/// non-finite and unrepresentable values are absent, never a panic.
fn time(value: Option<Value>) -> Option<SystemTime> {
    let seconds = value?.as_f64()?;
    if !seconds.is_finite() || seconds < 0.0 {
        return None;
    }
    let since = Duration::try_from_secs_f64(seconds).ok()?;
    UNIX_EPOCH.checked_add(since)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn typed(v: Value) -> Result<IdTokenClaims, IdTokenError> {
        serde_json::from_value::<RawClaims>(v).unwrap().typed()
    }

    #[test]
    fn claims_are_typed_and_wrong_types_name_the_claim() {
        let base = json!({"iss": "i", "sub": 42, "aud": "c", "exp": 2e9, "iat": 1.5e9,
            "account_id": 7, "email_verified": "true", "x": [1]});
        let c = typed(base.clone()).unwrap();
        assert_eq!(
            (c.subject.as_str(), c.account_id.as_deref()),
            ("42", Some("7"))
        );
        assert_eq!(c.audience, ["c"]);
        assert_eq!(c.email_verified, Some(true));
        assert_eq!(c.other["x"], json!([1]));
        for (name, bad) in [
            ("exp", json!(-1)),
            ("exp", json!(1e300)),
            ("iat", json!("soon")),
            ("aud", json!([1])),
            ("iss", json!(null)),
            ("sub", json!(1.5)),
        ] {
            let mut v = base.clone();
            v[name] = bad;
            assert_eq!(typed(v), Err(IdTokenError::MissingClaim(name)), "{name}");
        }
    }
}
