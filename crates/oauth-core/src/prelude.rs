//! The core's part of what an application names in everyday use: `use oauth_core::prelude::*;`
//! (each provider crate's `prelude` re-exports it with `oauth_lifecycle::prelude` and its own
//! client types).
//!
//! The capability traits are here because their methods (`exchange_code`, `refresh`, ...) are
//! only callable with the trait in scope.

pub use crate::authorize::{AuthorizationGrant, AuthorizationRequest};
pub use crate::capability::{
    AuthorizationCodeGrant, ClientCredentialsGrant, JwtBearerGrant, Provider, RefreshTokenGrant,
    TokenIntrospection, TokenRevocation,
};
pub use crate::error::{Error, ErrorCode, Result};
pub use crate::secret::{
    AccessToken, AuthorizationCode, ClientSecret, JwtAssertion, RefreshToken, SessionCookie,
};
pub use crate::token::Token;
