//! Keeps many OAuth connections alive across worker processes.
//!
//! An application that holds one grant per customer needs three things the token source
//! alone does not give: a [`Registry`] of connections (one store, one shared provider
//! client, a bounded number of live sources), a [`Keeper`] in each worker that refreshes
//! idle connections before their refresh token lapses, once across all workers, following a
//! per-provider [`KeepAlive`] policy, and [`FleetEvent`]s that say when a user must connect
//! again.
//!
//! Coordination is the store's: its due-time index
//! ([`oauth_lifecycle::store::DueIndex`]: a PostgreSQL column claimed with `FOR UPDATE SKIP LOCKED`,
//! a Redis sorted set) hands each due connection to one worker under a lease, and the
//! store's refresh lock makes the refresh itself happen once. A killed worker's claims are
//! due again when their lease lapses.
//!
//! ```rust,ignore
//! use std::sync::Arc;
//! use oauth_fleet::{Budget, FleetEvent, KeepAlive, Keeper, Registry};
//!
//! let client = Arc::new(RingCentralClient::builder("client-id").client_secret(secret).build()?);
//! let store = Arc::new(PostgresStore::connect(&database_url, "oauth_tokens").await?);
//! store.migrate().await?;
//! let connections = Registry::new(client.clone(), store.clone(), KeepAlive::ringcentral(),
//!     NonZeroUsize::new(1_000).unwrap());
//! connections.connect("customer-42", client.exchange_code(&grant).await?).await?;
//! let token = connections.get("customer-42").await?.access_token().await?;
//! // In every worker:
//! let keeper = Keeper::builder(client, store, KeepAlive::ringcentral())
//!     .budget(Budget::per_minute(5))
//!     .on_event(|event| if let FleetEvent::Dead { key, .. } = event { notify_user(key) })
//!     .build();
//! tokio::spawn(async move { keeper.run(std::future::pending()).await });
//! ```

mod budget;
mod events;
mod keeper;
mod policy;
mod registry;

pub use budget::Budget;
pub use events::{Figures, FleetEvent, Listener};
pub use keeper::{Keeper, KeeperBuilder, KeeperSettings};
pub use oauth_core;
/// The lifecycle crate whose stores and token sources the registry and keeper run on.
pub use oauth_lifecycle;
pub use policy::KeepAlive;
pub use registry::{Registry, Status};
