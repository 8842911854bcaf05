//! The token lifecycle of the OAuth 2.0 client SDK, over `oauth-core`'s token model:
//!
//! - [`Renew`], how a token source gets its next token (a refresh, or a grant run again), and
//!   [`TokenSource`], which hands out valid tokens, refreshes each expiry exactly once across tasks
//!   (and, with a shared [`store::TokenStore`], across processes), and never loses a rotated
//!   refresh token while the process runs (a process killed between the server's answer and
//!   the store write cannot keep it: see [`source`]);
//! - [`store`]: where tokens live between refreshes (memory, files, Redis, PostgreSQL,
//!   encrypted at rest), with compare-and-swap, leased refresh locks and a due index;
//! - [`access`]: where tokens are spent: one [`AccessTokenSource`] for every grant, and
//!   authorized API requests ([`Authorizer`], as `reqwest-middleware` middleware or over a
//!   plain client) that renew a rejected token and retry once;
//! - [`pending`]: the authorizations a web server keeps between the redirect and its callback
//!   (several tabs, expiring, single use, sealed).
//!
//! Each provider crate re-exports this crate (`procore_oauth::oauth_lifecycle`) and its
//! [`prelude`]; its features (`redis`, `postgres`, `encryption`, `middleware`) are the
//! provider crate's features of the same names.
//!
//! # Driver versions
//!
//! The `redis` and `postgres` features build on `redis` 0.32 and `deadpool-postgres` 0.14
//! (`tokio-postgres` 0.7), the `middleware` feature on `reqwest-middleware` 0.5. Only
//! [`store::deadpool_postgres`] and [`reqwest_middleware`] are re-exported, each behind its
//! feature: a new major of one of those drivers is a new major version of this crate, and of
//! nothing else in the SDK (the provider crates' client APIs do not change with it).

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access;
pub mod pending;
pub mod prelude;
pub mod renew;
pub mod source;
pub mod store;

pub use access::{AccessTokenSource, Authorizer, SharedTokenSource};
pub use renew::Renew;
pub use source::{RefreshEvent, RetryPolicy, TokenSource, TokenSourceBuilder};

/// The `reqwest-middleware` this crate's [`Authorizer`] plugs into (feature `middleware`).
///
/// This re-export follows `reqwest-middleware`'s major version (0.5 today): a new major of it
/// is a new major version of this crate.
#[cfg(feature = "middleware")]
pub use reqwest_middleware;

#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
