//! The unified token every provider's responses are mapped onto.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::extra::Extra;
use crate::scopes::Scopes;
use crate::scrub::REDACTED;
use crate::secret::{AccessToken, RefreshToken, WithSecrets, exposing};
use crate::time;

/// The `token_type` of a token. Servers send `bearer`, `Bearer` or nothing; all mean Bearer.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// RFC 6750 bearer token (also what a missing `token_type` means).
    Bearer,
    /// Anything else, as sent.
    Other(String),
}

impl TokenType {
    /// Parses a `token_type` case-insensitively; `None` or an empty string is [`Self::Bearer`].
    #[inline]
    pub fn parse(value: Option<&str>) -> Self {
        match value.map(str::trim_ascii) {
            None | Some("") => Self::Bearer,
            Some(v) if v.eq_ignore_ascii_case("bearer") => Self::Bearer,
            Some(v) => Self::Other(v.to_owned()),
        }
    }

    /// The scheme to write in an `Authorization` header.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Bearer => "Bearer",
            Self::Other(v) => v,
        }
    }
}

/// An access token with everything needed to use and renew it.
///
/// Expiry is absolute: computed once, at receipt, from the server's relative `expires_in`, so a
/// token read back from storage hours later still knows when it expires.
///
/// Times are checked, never overflowed: every time a token holds lies between the unix epoch
/// and [`time::latest`] (so the stored form, unix milliseconds, keeps it
/// exactly), and an expiry lies at most [`MAX_LIFETIME`](crate::time::MAX_LIFETIME) (a century)
/// after receipt: absurd lifetimes (`expires_in: 1e19`) are clamped to that.
///
/// `Debug` redacts the secrets and the values of `extra` (providers put ID tokens there). To
/// store a token, serialize [`Token::exposing_secrets`]: the name is the reminder. `Token`
/// itself has no `Serialize`, so that no other path can write what looks like a stored token
/// but lacks its secrets.
#[derive(Clone)]
#[repr(align(64))]
pub struct Token {
    access_token: AccessToken,
    token_type: TokenType,
    expires_at: Option<SystemTime>,
    refresh_token: Option<RefreshToken>,
    refresh_token_expires_at: Option<SystemTime>,
    scopes: Scopes,
    received_at: SystemTime,
    extra: Extra,
}

impl Token {
    /// A bearer token received at `received_at` (clamped to the range a token holds), with no
    /// expiry, refresh token or scopes yet.
    #[inline]
    pub fn new(access_token: AccessToken, received_at: SystemTime) -> Self {
        Self {
            access_token,
            token_type: TokenType::Bearer,
            expires_at: None,
            refresh_token: None,
            refresh_token_expires_at: None,
            scopes: Scopes::new(),
            received_at: time::clamp(received_at),
            extra: Extra::new(),
        }
    }

    /// `at`, no later than a century after receipt.
    fn bounded_expiry(&self, at: SystemTime) -> SystemTime {
        time::clamp(at).min(time::after(self.received_at, time::MAX_LIFETIME))
    }

    /// Sets the token type.
    #[inline]
    pub fn with_token_type(mut self, token_type: TokenType) -> Self {
        self.token_type = token_type;
        self
    }

    /// Sets the absolute expiry (at most a century after receipt).
    #[inline]
    pub fn with_expires_at(mut self, at: Option<SystemTime>) -> Self {
        self.expires_at = at.map(|at| self.bounded_expiry(at));
        self
    }

    /// Sets the expiry from a lifetime counted from receipt (`expires_in`; at most a century).
    #[inline]
    pub fn with_expires_in(mut self, lifetime: Option<Duration>) -> Self {
        self.expires_at = lifetime.map(|d| time::after(self.received_at, d));
        self
    }

    /// Sets the refresh token.
    #[inline]
    pub fn with_refresh_token(mut self, token: Option<RefreshToken>) -> Self {
        self.refresh_token = token;
        self
    }

    /// Sets the refresh token's absolute expiry (at most a century after receipt).
    #[inline]
    pub fn with_refresh_token_expires_at(mut self, at: Option<SystemTime>) -> Self {
        self.refresh_token_expires_at = at.map(|at| self.bounded_expiry(at));
        self
    }

    /// Sets the refresh token's expiry from a lifetime counted from receipt (at most a
    /// century).
    #[inline]
    pub fn with_refresh_token_expires_in(mut self, lifetime: Option<Duration>) -> Self {
        self.refresh_token_expires_at = lifetime.map(|d| time::after(self.received_at, d));
        self
    }

    /// Sets the granted scopes (a `Vec<String>`, an array of `&str`, or [`Scopes`]).
    #[inline]
    pub fn with_scopes(mut self, scopes: impl Into<Scopes>) -> Self {
        self.scopes = scopes.into();
        self
    }

    /// Sets the scopes from a space-separated `scope` string (RFC 6749 §3.3; any run of ASCII
    /// whitespace separates, as some servers use several). An owned string is kept without a
    /// copy.
    #[inline]
    pub fn with_scope_string(mut self, scope: Option<impl Into<String>>) -> Self {
        self.scopes = scope.map(Scopes::parse).unwrap_or_default();
        self
    }

    /// Sets the provider's other fields, kept as sent (an [`Extra`], or the `serde_json::Map`
    /// of a generated type's unknown fields).
    #[inline]
    pub fn with_extra(mut self, extra: impl Into<Extra>) -> Self {
        self.extra = extra.into();
        self
    }

    /// The access token.
    #[inline]
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The token type.
    #[inline]
    pub fn token_type(&self) -> &TokenType {
        &self.token_type
    }

    /// When the access token expires; `None` when the server gave no expiry (Sunshine
    /// Conversations tokens live until revoked).
    #[inline]
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The refresh token, when one was issued.
    #[inline]
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.refresh_token.as_ref()
    }

    /// When the refresh token expires, when the server said.
    #[inline]
    pub fn refresh_token_expires_at(&self) -> Option<SystemTime> {
        self.refresh_token_expires_at
    }

    /// Granted scopes (empty when the server did not say).
    #[inline]
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// When the token was received.
    #[inline]
    pub fn received_at(&self) -> SystemTime {
        self.received_at
    }

    /// The provider's other response fields, kept as sent.
    #[inline]
    pub fn extra(&self) -> &Extra {
        &self.extra
    }

    /// Whether the access token expires within `margin` of `now` (never, without an expiry).
    pub fn expires_within(&self, now: SystemTime, margin: Duration) -> bool {
        self.expires_at
            .is_some_and(|at| now.checked_add(margin).is_none_or(|soon| soon >= at))
    }

    /// The value of an `Authorization` header for this token, e.g. `Bearer abc`.
    ///
    /// The result holds the secret; pass it straight to the request.
    pub fn authorization_header(&self) -> String {
        format!(
            "{} {}",
            self.token_type.as_str(),
            self.access_token.secret()
        )
    }

    /// Carries over the refresh token of `previous` when this token (a refresh response)
    /// came without one: servers that do not rotate omit it, and it must not be lost.
    pub fn inherit_refresh_token(mut self, previous: &Token) -> Self {
        if self.refresh_token.is_none() {
            self.refresh_token = previous.refresh_token.clone();
            self.refresh_token_expires_at = previous.refresh_token_expires_at;
        }
        self
    }

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
        }
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at.map(to_ms))
            .field("refresh_token", &self.refresh_token)
            .field(
                "refresh_token_expires_at",
                &self.refresh_token_expires_at.map(to_ms),
            )
            .field("scopes", &self.scopes)
            .field("received_at", &to_ms(self.received_at))
            .field("extra_fields", &self.extra.keys().collect::<Vec<_>>())
            .finish()
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
        })
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        StoredToken::deserialize(deserializer).map(Token::from_stored)
    }
}

fn to_ms(t: SystemTime) -> u64 {
    time::to_unix_ms(t)
}

fn from_ms(ms: u64) -> SystemTime {
    time::from_unix_ms(ms)
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use serde_json::Value;

    use super::*;

    fn sample() -> Token {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut extra = Extra::new();
        extra.insert("id_token", Value::String("eyJ-secret-id".into()));
        Token::new(AccessToken::new("at-secret-1"), at)
            .with_token_type(TokenType::parse(Some("bearer")))
            .with_expires_in(Some(Duration::from_secs(3600)))
            .with_refresh_token(Some(RefreshToken::new("rt-secret-1")))
            .with_scope_string(Some("read write"))
            .with_extra(extra)
    }

    #[test]
    fn expiry_is_absolute_from_receipt() {
        let t = sample();
        assert_eq!(
            t.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_003_600))
        );
        let before = UNIX_EPOCH + Duration::from_secs(1_700_003_000);
        assert!(!t.expires_within(before, Duration::from_secs(60)));
        assert!(t.expires_within(before, Duration::from_secs(600)));
    }

    #[test]
    fn token_type_is_case_insensitive_and_defaults_to_bearer() {
        assert_eq!(TokenType::parse(Some("BEARER")), TokenType::Bearer);
        assert_eq!(TokenType::parse(None), TokenType::Bearer);
        assert_eq!(TokenType::parse(Some("")), TokenType::Bearer);
        assert_eq!(
            TokenType::parse(Some("MAC")),
            TokenType::Other("MAC".into())
        );
    }

    #[test]
    fn debug_redacts_secrets_and_extra_values() {
        let text = format!("{:?}", sample());
        for secret in ["at-secret-1", "rt-secret-1", "eyJ-secret-id"] {
            assert!(!text.contains(secret), "{text}");
        }
        assert!(text.contains("id_token"), "{text}");
    }

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
    fn refresh_response_without_refresh_token_keeps_the_old_one() {
        let old = sample();
        let new =
            Token::new(AccessToken::new("at-2"), old.received_at()).inherit_refresh_token(&old);
        assert_eq!(new.refresh_token().unwrap().secret(), "rt-secret-1");
        let rotated = Token::new(AccessToken::new("at-3"), old.received_at())
            .with_refresh_token(Some(RefreshToken::new("rt-3")))
            .inherit_refresh_token(&old);
        assert_eq!(rotated.refresh_token().unwrap().secret(), "rt-3");
    }

    #[test]
    fn absurd_lifetimes_are_clamped_not_overflowed() {
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let century = at + time::MAX_LIFETIME;
        for lifetime in [
            Duration::MAX,
            Duration::from_secs(u64::MAX),
            time::MAX_LIFETIME,
        ] {
            let t = Token::new(AccessToken::new("a"), at)
                .with_expires_in(Some(lifetime))
                .with_refresh_token_expires_in(Some(lifetime));
            assert_eq!(t.expires_at(), Some(century));
            assert_eq!(t.refresh_token_expires_at(), Some(century));
        }
        let far = UNIX_EPOCH + Duration::from_secs(1 << 40);
        let t = Token::new(AccessToken::new("a"), at)
            .with_expires_at(Some(far))
            .with_refresh_token_expires_at(Some(far));
        assert_eq!(t.expires_at(), Some(century));
        assert_eq!(t.refresh_token_expires_at(), Some(century));
        assert!(!t.expires_within(at, Duration::from_secs(60)));
        // A margin past the end of time: expiring within it, and no overflow.
        assert!(t.expires_within(at, Duration::MAX));
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
            .with_extra(extra);
        let owned = StoredToken {
            access_token: t.access_token.clone(),
            token_type: Some(t.token_type.as_str().to_owned()),
            expires_at_ms: t.expires_at.map(to_ms),
            refresh_token: t.refresh_token.clone(),
            refresh_token_expires_at_ms: t.refresh_token_expires_at.map(to_ms),
            scopes: t.scopes.clone(),
            received_at_ms: to_ms(t.received_at),
            extra: t.extra.clone(),
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
