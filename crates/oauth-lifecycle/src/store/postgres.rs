//! Tokens in PostgreSQL, shared by processes, with a refresh lock kept in the same row.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use deadpool_postgres::{Object, Pool};

use super::file::{FORMAT, FORMAT_VERSION, decode_document, encode_document};
use super::{RefreshLock, TokenStore, Versioned, validate_key};
use oauth_core::error::{StoreError, StoreErrorKind};
use oauth_core::token::Token;

mod binding;
mod connect;
mod due;
mod errors;
mod statements;
mod tls;

use errors::{corrupt, pg_error, pool_error};
use statements::{Statements, create_table, quote_table, row_parts};

/// The longest refresh lock taken, in milliseconds (a year), as in the Redis store.
const MAX_LOCK_TTL_MS: u128 = 365 * 24 * 3600 * 1000;

/// Connections [`PostgresStore::connect`] opens at most.
const POOL_SIZE: usize = 16;
/// How long a call waits for a free connection, for a new one, and for the server's answer.
const WAIT: Duration = Duration::from_secs(5);
const OPERATION: Duration = Duration::from_secs(10);

/// Tokens in a PostgreSQL table, for processes that share them.
///
/// One row per key: `document` (`jsonb`) is the same JSON document [`super::FileStore`] and
/// the Redis store write, `version` its version, compared by every write
/// (`UPDATE ... WHERE version = $n`, atomic under PostgreSQL's row locks), and `created_at` /
/// `updated_at`. A document this version cannot read is reported (naming table and key) and
/// never overwritten.
///
/// The refresh lock is a lease in the same row (`lock_owner`, `lock_expires_at`): taken only
/// when free or expired (by the server's clock, so clients' clocks do not matter), released
/// only by its owner, and lapsing by itself if the holder dies, so each expiry causes exactly
/// one refresh across all processes. A row may hold a lease before it holds a document.
///
/// The table is created by [`PostgresStore::migrate`] (idempotent, safe to run from several
/// processes at once), or by applying [`PostgresStore::migration_sql`] yourself.
///
/// Failures (a dropped connection, a restarting server, a pool with no free connection within
/// 5 s, an answer slower than 10 s) are [`StoreErrorKind::Io`] errors; messages keep only the
/// SQLSTATE of server errors, which can otherwise quote the values they concern.
#[derive(Clone)]
pub struct PostgresStore {
    pool: Pool,
    table: Arc<str>,
    sql: Arc<Statements>,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the connection string: it can hold a password.
        f.debug_struct("PostgresStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// A store over a pool you configured (sizes, timeouts, your own TLS connector); tokens
    /// live in `table`. The URL checks of [`Self::connect_with`] are not made here.
    /// Set the pool's wait and create timeouts: without them a full pool or an unreachable
    /// server makes calls wait instead of failing.
    pub fn from_pool(pool: Pool, table: &str) -> Result<Self, StoreError> {
        let table = quote_table(table)?;
        Ok(Self {
            sql: Arc::new(Statements::new(&table)),
            table: table.into(),
            pool,
        })
    }

    /// The SQL that creates `table`, or upgrades one an earlier version created with the
    /// due-time columns (idempotent: `IF NOT EXISTS` throughout), for your own migration tool.
    pub fn migration_sql(table: &str) -> Result<String, StoreError> {
        Ok(create_table(&quote_table(table)?))
    }

    /// Creates the table if it does not exist, and adds the due-time columns and index to one
    /// an earlier version created ([`super::DueIndex`]). Concurrent calls (several processes starting
    /// at once) are serialized by a transaction-scoped advisory lock, so none fails.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let sql = create_table(&self.table);
        let mut client = self.client("migrate").await?;
        let migrated = async {
            let tx = client.transaction().await?;
            tx.execute(
                "SELECT pg_advisory_xact_lock(hashtext($1))",
                &[&format!("oauth-core migrate {}", self.table)],
            )
            .await?;
            tx.batch_execute(&sql).await?;
            tx.commit().await
        };
        self.bounded("migrate", migrated).await
    }

    /// The table, as quoted in SQL.
    pub fn table(&self) -> &str {
        &self.table
    }

    fn name(&self, key: &str) -> String {
        format!("{}[{key}]", self.table)
    }

    async fn client(&self, action: &str) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(|e| pool_error(action, &e))
    }

    /// Runs `work` with the operation timeout, mapping its error.
    async fn bounded<T>(
        &self,
        action: &str,
        work: impl Future<Output = Result<T, tokio_postgres::Error>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(OPERATION, work).await {
            Ok(result) => result.map_err(|e| pg_error(action, &self.table, &e)),
            Err(_) => Err(StoreError::new(
                StoreErrorKind::Io,
                format!("postgres: could not {action}: no answer within {OPERATION:?}"),
            )),
        }
    }

    /// One statement on a pooled connection, prepared once per connection.
    async fn query_opt(
        &self,
        action: &str,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Option<tokio_postgres::Row>, StoreError> {
        let client = self.client(action).await?;
        self.bounded(action, async {
            let statement = client.prepare_cached(sql).await?;
            client.query_opt(&statement, params).await
        })
        .await
    }

    fn decode_row(&self, key: &str, row: &tokio_postgres::Row) -> Result<Versioned, StoreError> {
        let name = self.name(key);
        let (version, document) = row_parts(row).map_err(|e| pg_error("read", &self.table, &e))?;
        let document = document.ok_or_else(|| corrupt(&name, "has a version but no document"))?;
        let stored = decode_document(document.as_bytes(), || name.clone())?;
        if Some(stored.version) != u64::try_from(version).ok() {
            return Err(corrupt(
                &name,
                &format!(
                    "holds a document of version {} in a row of version {version}",
                    stored.version
                ),
            ));
        }
        Ok(stored)
    }

    /// Why a write changed no row: a foreign document, or someone else's write.
    async fn refused(&self, key: &str, expected: Option<u64>) -> StoreError {
        let current = match self.query_opt("read", &self.sql.load_any, &[&key]).await {
            Err(e) => return e,
            Ok(None) => None,
            Ok(Some(row)) => match row_parts(&row) {
                Err(e) => return pg_error("read", &self.table, &e),
                // A row holding only a lease holds no version yet.
                Ok((_, None)) => None,
                Ok((_, Some(_))) => match self.decode_row(key, &row) {
                    Ok(stored) => Some(stored.version),
                    Err(e) => return e,
                },
            },
        };
        StoreError::new(
            StoreErrorKind::Conflict,
            format!(
                "{} is at version {current:?}, not {expected:?}",
                self.name(key)
            ),
        )
    }
}

impl TokenStore for PostgresStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        validate_key(key)?;
        let row = self.query_opt("read", &self.sql.load, &[&key]).await?;
        row.map(|row| self.decode_row(key, &row)).transpose()
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        validate_key(key)?;
        let conflict = || {
            StoreError::new(
                StoreErrorKind::Conflict,
                format!("{} cannot be at version {expected:?}", self.name(key)),
            )
        };
        let version = match expected {
            None => 1,
            Some(v) => v.checked_add(1).ok_or_else(conflict)?,
        };
        let version_sql = i64::try_from(version).map_err(|_| conflict())?;
        // The document goes as text: the driver's error for a rejected parameter can hold it.
        let document = String::from_utf8(encode_document(version, token)?)
            .map_err(|_| StoreError::new(StoreErrorKind::Io, "the token document is not UTF-8"))?;
        let row = match expected {
            None => {
                self.query_opt("write", &self.sql.insert, &[&key, &document])
                    .await?
            }
            Some(v) => {
                let v = i64::try_from(v).map_err(|_| conflict())?;
                let format_version = i64::try_from(FORMAT_VERSION).unwrap_or(i64::MAX);
                self.query_opt(
                    "write",
                    &self.sql.update,
                    &[&key, &v, &document, &version_sql, &FORMAT, &format_version],
                )
                .await?
            }
        };
        match row {
            Some(_) => Ok(version),
            None => Err(self.refused(key, expected).await),
        }
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        validate_key(key)?;
        let owner: [u8; 16] = oauth_core::runtime::random::bytes();
        let owner = URL_SAFE_NO_PAD.encode(owner);
        // Clamped to a year, which fits an i64 of milliseconds.
        let ttl_ms = i64::try_from(ttl.as_millis().clamp(1, MAX_LOCK_TTL_MS)).unwrap_or(i64::MAX);
        let row = self
            .query_opt(
                "take the refresh lock",
                &self.sql.lock,
                &[&key, &owner, &ttl_ms],
            )
            .await?;
        Ok(row.map(|_| RefreshLock::leased(owner)))
    }

    async fn unlock(&self, key: &str, lock: &RefreshLock) -> Result<(), StoreError> {
        validate_key(key)?;
        let client = self.client("release the refresh lock").await?;
        self.bounded("release the refresh lock", async {
            let statement = client.prepare_cached(&self.sql.unlock).await?;
            client.execute(&statement, &[&key, &lock.owner()]).await
        })
        .await?;
        Ok(())
    }

    async fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        validate_key(key)?;
        let ttl_ms = i64::try_from(ttl.as_millis().clamp(1, MAX_LOCK_TTL_MS)).unwrap_or(i64::MAX);
        let client = self.client("extend the refresh lock").await?;
        let updated = self
            .bounded("extend the refresh lock", async {
                let statement = client.prepare_cached(&self.sql.extend).await?;
                client
                    .execute(&statement, &[&key, &lock.owner(), &ttl_ms])
                    .await
            })
            .await?;
        Ok(updated == 1)
    }

    fn is_shared(&self) -> bool {
        true
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        validate_key(key)?;
        let row = self.query_opt("delete", &self.sql.delete, &[&key]).await?;
        let deleted: i64 = match row {
            Some(row) => row
                .try_get(0)
                .map_err(|e| pg_error("delete", &self.table, &e))?,
            None => 0,
        };
        Ok(deleted > 0)
    }

    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        let client = self.client("list keys").await?;
        let rows = self
            .bounded("list keys", async {
                let statement = client.prepare_cached(&self.sql.keys).await?;
                client.query(&statement, &[]).await
            })
            .await?;
        rows.iter()
            .map(|row| {
                row.try_get::<_, String>(0)
                    .map_err(|e| pg_error("list keys", &self.table, &e))
            })
            .collect()
    }
}
