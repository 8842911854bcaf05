//! The unified token every provider's responses are mapped onto.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::extra::Extra;
use crate::refusal::Refusal;
use crate::runtime::time;
use crate::scopes::Scopes;
use crate::secret::{AccessToken, RefreshToken};

mod stored;

pub use stored::{ExposeSecrets, StoredToken};

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
/// exactly), and an expiry lies at most [`MAX_LIFETIME`](crate::runtime::time::MAX_LIFETIME) (a century)
/// after receipt: absurd lifetimes (`expires_in: 1e19`) are clamped to that.
///
/// `Debug` redacts the secrets and the values of `extra` (providers put ID tokens there). To
/// store a token, serialize [`Token::exposing_secrets`]: the name is the reminder. `Token`
/// itself has no `Serialize`, so that no other path can write what looks like a stored token
/// but lacks its secrets.
#[derive(Clone)]
pub struct Token {
    access_token: AccessToken,
    token_type: TokenType,
    expires_at: Option<SystemTime>,
    refresh_token: Option<RefreshToken>,
    refresh_token_expires_at: Option<SystemTime>,
    scopes: Scopes,
    received_at: SystemTime,
    extra: Extra,
    /// Boxed: rare, and a `Token` is held once per connection.
    refusal: Option<Box<Refusal>>,
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
            refusal: None,
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

    /// The provider's refusal of this token's grant, if one was recorded: the user must
    /// authorize again (see [`Refusal`]).
    pub fn refusal(&self) -> Option<&Refusal> {
        self.refusal.as_deref()
    }

    /// Records (or, with `None`, clears) the refusal of this token's grant.
    pub fn with_refusal(mut self, refusal: Option<Refusal>) -> Self {
        self.refusal = refusal.map(Box::new);
        self
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
            .field("refusal", &self.refusal)
            .finish()
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

    /// A token with every field set, secrets and an ID token in `extra` included.
    pub(super) fn sample() -> Token {
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
}
