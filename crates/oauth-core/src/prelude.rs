//! What an application names in everyday use, in one import: `use oauth_core::prelude::*;`
//! (each provider crate re-exports it with its own client types in its `prelude`).
//!
//! The capability traits are here because their methods (`exchange_code`, `refresh`, ...) are
//! only callable with the trait in scope.

pub use crate::access::{
    AccessTokenSource, AuthorizedClient, Authorizer, ClientCredentials, JwtBearer,
    SharedTokenSource, StaticToken,
};
pub use crate::authorize::{AuthorizationGrant, AuthorizationRequest};
pub use crate::capability::{
    AuthorizationCodeGrant, ClientCredentialsGrant, JwtBearerGrant, Provider, RefreshTokenGrant,
    TokenIntrospection, TokenRevocation,
};
pub use crate::error::{Error, ErrorCode, Result};
pub use crate::renew::Renew;
pub use crate::secret::{
    AccessToken, AuthorizationCode, ClientSecret, JwtAssertion, RefreshToken, SessionCookie,
};
pub use crate::source::TokenSource;
pub use crate::store::{FileStore, MemoryStore, TokenStore};
pub use crate::token::Token;
