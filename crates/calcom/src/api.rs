//! Calling Cal.com's v2 API with a token source.
//!
//! Cal.com answers a request with an expired access token with the non-standard status 498
//! (its own atoms client refreshes and retries once on it); [`authorizer`] treats 498 as a
//! rejected token, and a plain 401 as unclear (renewed at most once per token: see
//! `oauth_lifecycle::access`).

use oauth_lifecycle::access::{AccessTokenSource, Authorizer, AuthorizerBuilder};

/// The v2 API: paths below it are e.g. `/me`, `/bookings`.
pub const API_URL: &str = "https://api.cal.com/v2";

/// Cal.com's status for an expired access token.
pub const TOKEN_EXPIRED_STATUS: u16 = 498;

/// An authorizer for the v2 API ([`API_URL`]; another with [`AuthorizerBuilder::base_url`])
/// that renews the token and retries once on 401 and on 498.
pub fn authorizer(source: impl AccessTokenSource) -> AuthorizerBuilder {
    Authorizer::builder(source, API_URL).reject_status(TOKEN_EXPIRED_STATUS)
}
