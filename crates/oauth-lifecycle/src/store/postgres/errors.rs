//! PostgreSQL and pool failures as [`StoreError`]s that keep only what cannot quote a value.

use deadpool_postgres::{PoolError, TimeoutType};
use tokio_postgres::error::SqlState;

use super::super::tls::certificate_refused;
use oauth_core::error::{StoreError, StoreErrorKind};

pub(super) fn corrupt(name: &str, why: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Corrupt,
        format!("{name} {why}; it was left untouched"),
    )
}

pub(super) fn pool_error(action: &str, e: &PoolError) -> StoreError {
    let what = match e {
        PoolError::Timeout(TimeoutType::Wait) => {
            "no free connection in the pool in time (every connection is busy)".to_owned()
        }
        PoolError::Timeout(TimeoutType::Create) => "connecting timed out".to_owned(),
        PoolError::Timeout(TimeoutType::Recycle) => {
            "checking a pooled connection timed out".to_owned()
        }
        PoolError::Backend(e) => return pg_error(action, "", e),
        PoolError::Closed => "the pool is closed".to_owned(),
        PoolError::NoRuntimeSpecified => {
            "the pool has no runtime (build it with `.runtime(Runtime::Tokio1)`)".to_owned()
        }
        PoolError::PostCreateHook(_) => "the pool's post-create hook failed".to_owned(),
    };
    StoreError::new(
        StoreErrorKind::Io,
        format!("postgres: could not {action}: {what}"),
    )
}

/// Server errors keep their SQLSTATE and a description of ours, never the server's message:
/// it can quote a parameter (a token document). Client-side errors (I/O, a closed
/// connection) are the driver's words and kept; a refused server certificate is
/// [`StoreErrorKind::Insecure`].
pub(super) fn pg_error(action: &str, table: &str, e: &tokio_postgres::Error) -> StoreError {
    if let Some(refused) = certificate_refused("postgres", action, e) {
        return refused;
    }
    let what = match e.code() {
        Some(code) if *code == SqlState::UNDEFINED_TABLE => format!(
            "table {table} does not exist (SQLSTATE {}): run `PostgresStore::migrate` or apply \
             `PostgresStore::migration_sql`",
            code.code()
        ),
        Some(code) if code.code().starts_with("57P") || code.code().starts_with("08") => format!(
            "the server ended the connection (SQLSTATE {}: shutdown, restart or terminated \
             session)",
            code.code()
        ),
        Some(code) if *code == SqlState::TOO_MANY_CONNECTIONS => format!(
            "the server has no connection slot left (SQLSTATE {})",
            code.code()
        ),
        Some(code) => format!("server error (SQLSTATE {})", code.code()),
        None if e.is_closed() => "the connection is closed".to_owned(),
        None => e.to_string(),
    };
    StoreError::new(
        StoreErrorKind::Io,
        format!("postgres: could not {action}: {what}"),
    )
}
