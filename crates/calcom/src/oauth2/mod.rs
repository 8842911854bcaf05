//! Cal.com's OAuth 2.0 flow (RFC 6749): the one for new integrations.
//!
//! The user's browser goes to the authorization page of the Cal.com web app
//! (`https://app.cal.com/auth/oauth2/authorize`) with `client_id`, `redirect_uri`, `scope`,
//! `state` and a PKCE S256 challenge ([`CalcomOAuth2Client::authorization_request`]), and comes
//! back with a code. The code, and later the refresh token, go to the API's
//! `POST /v2/auth/oauth2/token` as an RFC 6749 form with `client_id` in the body.
//!
//! Two kinds of client, one type:
//!
//! - **public** (built without a secret: browser, mobile, CLI apps): PKCE, no secret;
//! - **confidential** (built with [`CalcomOAuth2ClientBuilder::client_secret`]): the secret
//!   travels in the body (`client_secret`; Cal.com reads no `Authorization` header here), and
//!   PKCE is sent too: the newest servers require it of every client.
//!
//! Refresh tokens rotate: each refresh answers with a new one, and presenting the old one again
//! is `invalid_grant`. Access tokens live 30 minutes (`expires_in: 1800`), refresh tokens 30
//! days. [`oauth_lifecycle::TokenSource`] handles both.
//!
//! The answers of every server version are read: today's bare RFC 6749 body, and the
//! `{status, data}` envelope of older ones with snake_case or camelCase fields; errors as RFC
//! 6749 bodies or in Cal.com's envelope map to [`oauth_core::Error::Server`] with the RFC 6749
//! code ([`oauth_core::Error::oauth_code`]).

mod authorize;
mod client;
mod convert;

pub use authorize::{AuthorizeParams, DEFAULT_APP_URL};
pub use client::{CalcomOAuth2Client, CalcomOAuth2ClientBuilder, ClientKind};
