//! The stored form of a [`Token`]: the one document every store writes, and the only path
//! that serializes a token's secrets ([`Token::exposing_secrets`]).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Token, TokenType, from_ms, to_ms};
use crate::extra::Extra;
use crate::refusal::Refusal;
use crate::runtime::scrub::REDACTED;
#[cfg(doc)]
use crate::runtime::time;
use crate::scopes::Scopes;
use crate::secret::{AccessToken, RefreshToken, WithSecrets, exposing};

impl Token {
    /// A view of this token that serializes with its secrets (through
    /// [`WithSecrets`]), for token stores: the stored document, whose form is
    /// [`StoredToken`]'s.
    pub fn exposing_secrets(&self) -> ExposeSecrets<'_> {
        ExposeSecrets(self)
    }

    /// Reads a token written through [`Token::exposing_secrets`]. Times read back exactly as
    /// they were written (a stored expiry is not clamped to a century: only a value past
    /// [`time::latest`], which this crate never writes, is).
    pub fn from_stored(stored: StoredToken) -> Self {
        Self {
            access_token: stored.access_token,
            token_type: TokenType::parse(stored.token_type.as_deref()),
            expires_at: stored.expires_at_ms.map(from_ms),
            refresh_token: stored.refresh_token,
            refresh_token_expires_at: stored.refresh_token_expires_at_ms.map(from_ms),
            scopes: stored.scopes,
            received_at: from_ms(stored.received_at_ms),
            extra: stored.extra,
            refusal: stored.refused.map(Box::new),
        }
    }
}

/// The stored form of a [`Token`]: times in unix milliseconds, secrets in clear.
///
/// Its `Serialize` writes the stored form with [`REDACTED`] for the secrets and for the values
/// of `extra` (names kept), as `Debug` shows a token; inside
/// [`WithSecrets`] it writes the stored document itself, byte for byte what
/// [`Token::exposing_secrets`] writes.
#[derive(Deserialize)]
pub struct StoredToken {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type as sent (`None` means Bearer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// Access token expiry, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at_ms: Option<u64>,
    /// The refresh token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<RefreshToken>,
    /// Refresh token expiry, unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token_expires_at_ms: Option<u64>,
    /// Granted scopes (a JSON array).
    #[serde(default)]
    pub scopes: Scopes,
    /// Receipt time, unix milliseconds.
    pub received_at_ms: u64,
    /// The provider's other fields.
    #[serde(default)]
    pub extra: Extra,
    /// The provider's refusal of the grant, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refusal>,
}

impl fmt::Debug for StoredToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoredToken([redacted])")
    }
}

/// Serializes a [`Token`] with its secrets (see [`Token::exposing_secrets`]).
pub struct ExposeSecrets<'a>(&'a Token);

impl Serialize for StoredToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        StoredTokenRef {
            access_token: &self.access_token,
            token_type: self.token_type.as_deref(),
            expires_at_ms: self.expires_at_ms,
            refresh_token: self.refresh_token.as_ref(),
            refresh_token_expires_at_ms: self.refresh_token_expires_at_ms,
            scopes: &self.scopes,
            received_at_ms: self.received_at_ms,
            extra: ExtraOut(&self.extra),
            refused: self.refused.as_ref(),
        }
        .serialize(serializer)
    }
}

/// [`StoredToken`]'s fields borrowed (from a [`Token`] or a [`StoredToken`]), in the stored
/// form: a store write copies nothing but the text it produces.
#[derive(Serialize)]
struct StoredTokenRef<'a> {
    access_token: &'a AccessToken,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<&'a RefreshToken>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token_expires_at_ms: Option<u64>,
    scopes: &'a Scopes,
    received_at_ms: u64,
    extra: ExtraOut<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    refused: Option<&'a Refusal>,
}

/// `extra` as stored inside [`WithSecrets`]; elsewhere its names with [`REDACTED`] values
/// (providers put ID tokens there).
struct ExtraOut<'a>(&'a Extra);

impl Serialize for ExtraOut<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if exposing() {
            return self.0.serialize(serializer);
        }
        serializer.collect_map(self.0.keys().map(|name| (name, REDACTED)))
    }
}

impl Serialize for ExposeSecrets<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        WithSecrets(StoredTokenRef {
            access_token: &t.access_token,
            token_type: Some(t.token_type.as_str()),
            expires_at_ms: t.expires_at.map(to_ms),
            refresh_token: t.refresh_token.as_ref(),
            refresh_token_expires_at_ms: t.refresh_token_expires_at.map(to_ms),
            scopes: &t.scopes,
            received_at_ms: to_ms(t.received_at),
            extra: ExtraOut(&t.extra),
            refused: t.refusal.as_deref(),
        })
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        StoredToken::deserialize(deserializer).map(Token::from_stored)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use serde_json::Value;

    use super::*;
    use crate::runtime::time;
    use crate::token::tests::sample;

    #[test]
    fn storage_round_trip_keeps_everything() {
        let t = sample();
        let json = serde_json::to_string(&t.exposing_secrets()).unwrap();
        let back: Token = serde_json::from_str(&json).unwrap();
        assert_eq!(back.access_token().secret(), "at-secret-1");
        assert_eq!(back.refresh_token().unwrap().secret(), "rt-secret-1");
        assert_eq!(back.expires_at(), t.expires_at());
        assert_eq!(back.received_at(), t.received_at());
        assert_eq!(back.scopes(), ["read", "write"]);
        assert_eq!(back.extra()["id_token"], "eyJ-secret-id");
    }

    #[test]
    fn a_stored_far_future_expiry_reads_back_unchanged() {
        // 5e18 s is past u64 milliseconds: `as u64` used to wrap it to another date (one in the
        // past makes a source refresh at once, spending the refresh token).
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let far = Duration::from_secs(5_000_000_000_000_000_000);
        let built = [
            Token::new(AccessToken::new("a"), at).with_expires_in(Some(far)),
            Token::new(AccessToken::new("a"), at).with_expires_at(Some(UNIX_EPOCH + far)),
        ];
        for t in built {
            let json = serde_json::to_string(&t.exposing_secrets()).unwrap();
            let back: Token = serde_json::from_str(&json).unwrap();
            assert_eq!(back.expires_at(), t.expires_at());
            assert!(back.expires_at().unwrap() > at);
        }
        // What another writer stored is read as it is, up to the stored form's maximum.
        let year_3000 = 32_503_680_000_123_u64;
        let max = time::to_unix_ms(time::latest());
        let json = format!(
            r#"{{"access_token":"a","received_at_ms":1700000000000,"expires_at_ms":{year_3000},"refresh_token_expires_at_ms":{max}}}"#
        );
        let t: Token = serde_json::from_str(&json).unwrap();
        let again = serde_json::to_value(t.exposing_secrets()).unwrap();
        assert_eq!(again["expires_at_ms"], year_3000);
        assert_eq!(again["refresh_token_expires_at_ms"], max);
    }

    #[test]
    fn the_borrowed_stored_form_is_the_stored_form() {
        let mut extra = Extra::new();
        extra.insert("owner_id", Value::String("42".into()));
        let t = Token::new(AccessToken::new("at"), UNIX_EPOCH + Duration::from_secs(10))
            .with_token_type(TokenType::Other("mac".into()))
            .with_expires_in(Some(Duration::from_secs(3600)))
            .with_refresh_token(Some(RefreshToken::new("rt")))
            .with_refresh_token_expires_in(Some(Duration::from_secs(7200)))
            .with_scope_string(Some("read write"))
            .with_extra(extra)
            .with_refusal(Some(Refusal {
                error: "invalid_grant".into(),
                description: None,
                status: Some(400),
                at_ms: 20_000,
            }));
        let owned = StoredToken {
            access_token: t.access_token.clone(),
            token_type: Some(t.token_type.as_str().to_owned()),
            expires_at_ms: t.expires_at.map(to_ms),
            refresh_token: t.refresh_token.clone(),
            refresh_token_expires_at_ms: t.refresh_token_expires_at.map(to_ms),
            scopes: t.scopes.clone(),
            received_at_ms: to_ms(t.received_at),
            extra: t.extra.clone(),
            refused: t.refusal.as_deref().cloned(),
        };
        assert_eq!(
            serde_json::to_string(&t.exposing_secrets()).unwrap(),
            serde_json::to_string(&WithSecrets(&owned)).unwrap()
        );
        let bare = Token::new(AccessToken::new("at"), UNIX_EPOCH);
        let owned = StoredToken {
            access_token: AccessToken::new("at"),
            token_type: Some("Bearer".into()),
            expires_at_ms: None,
            refresh_token: None,
            refresh_token_expires_at_ms: None,
            scopes: Scopes::new(),
            received_at_ms: 0,
            extra: Extra::new(),
            refused: None,
        };
        assert_eq!(
            serde_json::to_string(&bare.exposing_secrets()).unwrap(),
            serde_json::to_string(&WithSecrets(&owned)).unwrap()
        );
    }

    /// The stored document's bytes, as every version of this crate has written them: files
    /// and rows written before must read back, and what is written now must read in them.
    const STORED: &str = r#"{"access_token":"at-secret-1","token_type":"Bearer","expires_at_ms":1700003600000,"refresh_token":"rt-secret-1","scopes":["read","write"],"received_at_ms":1700000000000,"extra":{"id_token":"eyJ-secret-id"}}"#;

    #[test]
    fn the_stored_form_is_unchanged_byte_for_byte() {
        assert_eq!(
            serde_json::to_string(&sample().exposing_secrets()).unwrap(),
            STORED
        );
        let read: StoredToken = serde_json::from_str(STORED).unwrap();
        assert_eq!(serde_json::to_string(&WithSecrets(&read)).unwrap(), STORED);
        let token = Token::from_stored(read);
        assert_eq!(token.access_token().secret(), "at-secret-1");
        assert_eq!(token.refresh_token().unwrap().secret(), "rt-secret-1");
    }

    #[test]
    fn a_stored_token_serialized_elsewhere_shows_no_secret() {
        let read: StoredToken = serde_json::from_str(STORED).unwrap();
        let shown = serde_json::to_string(&read).unwrap();
        for secret in ["at-secret-1", "rt-secret-1", "eyJ-secret-id"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            shown,
            r#"{"access_token":"[redacted]","token_type":"Bearer","expires_at_ms":1700003600000,"refresh_token":"[redacted]","scopes":["read","write"],"received_at_ms":1700000000000,"extra":{"id_token":"[redacted]"}}"#
        );
        // The token's own secrets, one by one, are as quiet.
        let token = sample();
        assert_eq!(
            serde_json::to_string(token.access_token()).unwrap(),
            r#""[redacted]""#
        );
        assert_eq!(
            serde_json::to_string(&token.refresh_token()).unwrap(),
            r#""[redacted]""#
        );
    }
}
