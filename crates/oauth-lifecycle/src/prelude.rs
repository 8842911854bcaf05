//! What an application names in everyday use, in one import: `use oauth_lifecycle::prelude::*;`
//! brings this crate's token sources, stores and authorized clients together with
//! [`oauth_core::prelude`] (each provider crate's `prelude` re-exports it with its own client
//! types).

pub use crate::access::{
    AccessTokenSource, AuthorizedClient, Authorizer, ClientCredentials, JwtBearer,
    SharedTokenSource, StaticToken,
};
pub use crate::renew::Renew;
pub use crate::source::TokenSource;
pub use crate::store::{FileStore, MemoryStore, TokenStore};
pub use oauth_core::prelude::*;
