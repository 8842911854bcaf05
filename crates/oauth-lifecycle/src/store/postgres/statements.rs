//! The SQL a [`super::PostgresStore`] runs, prepared once per table name.

use super::due;
use oauth_core::error::{StoreError, StoreErrorKind};

/// A stored document is one this version can read, checked in SQL so that compare-and-swap
/// never overwrites a value it could not have written (mirrors the Redis store's Lua check).
const READABLE: &str = "document->'format' = to_jsonb($F::text) \
    AND document->'format_version' = to_jsonb($V::bigint) \
    AND document->'version' = to_jsonb(version) \
    AND jsonb_typeof(document->'token'->'access_token') = 'string' \
    AND jsonb_typeof(document->'token'->'received_at_ms') = 'number'";

pub(super) struct Statements {
    pub(super) load: String,
    pub(super) load_any: String,
    pub(super) insert: String,
    pub(super) update: String,
    pub(super) lock: String,
    pub(super) unlock: String,
    pub(super) extend: String,
    pub(super) delete: String,
    pub(super) keys: String,
}

impl Statements {
    pub(super) fn new(t: &str) -> Self {
        let readable = READABLE.replace("$F", "$5").replace("$V", "$6");
        Self {
            load: format!(
                "SELECT version, document::text FROM {t} WHERE key = $1 AND document IS NOT NULL"
            ),
            load_any: format!("SELECT version, document::text FROM {t} WHERE key = $1"),
            // A row holding only a lease (no document) takes the first document.
            insert: format!(
                "INSERT INTO {t} AS t (key, version, document) VALUES ($1, 1, $2::text::jsonb) \
                 ON CONFLICT (key) DO UPDATE SET version = 1, document = EXCLUDED.document, \
                 updated_at = now() WHERE t.document IS NULL RETURNING version"
            ),
            update: format!(
                "UPDATE {t} SET version = $4, document = $3::text::jsonb, updated_at = now() \
                 WHERE key = $1 AND version = $2 AND document IS NOT NULL AND {readable} \
                 RETURNING version"
            ),
            lock: format!(
                "INSERT INTO {t} AS t (key, lock_owner, lock_expires_at) \
                 VALUES ($1, $2, clock_timestamp() + $3::bigint * interval '1 millisecond') \
                 ON CONFLICT (key) DO UPDATE SET lock_owner = EXCLUDED.lock_owner, \
                 lock_expires_at = EXCLUDED.lock_expires_at \
                 WHERE t.lock_owner IS NULL OR t.lock_expires_at <= clock_timestamp() \
                 RETURNING lock_owner"
            ),
            unlock: format!(
                "UPDATE {t} SET lock_owner = NULL, lock_expires_at = NULL \
                 WHERE key = $1 AND lock_owner = $2"
            ),
            // Only a lease that has not lapsed is extended: once lapsed, another holder may have
            // taken it and spent the refresh token.
            extend: format!(
                "UPDATE {t} SET lock_expires_at = clock_timestamp() + $3::bigint * interval '1 millisecond' \
                 WHERE key = $1 AND lock_owner = $2 AND lock_expires_at > clock_timestamp()"
            ),
            // The row goes, unless a lease is held in it: then only the document goes (the
            // holder's compare-and-swap then fails, and the lease lapses or is released).
            delete: format!(
                "WITH gone AS (DELETE FROM {t} WHERE key = $1 AND document IS NOT NULL \
                 AND (lock_owner IS NULL OR lock_expires_at <= clock_timestamp()) RETURNING 1), \
                 emptied AS (UPDATE {t} SET document = NULL, version = 0, updated_at = now() \
                 WHERE key = $1 AND document IS NOT NULL AND lock_owner IS NOT NULL \
                 AND lock_expires_at > clock_timestamp() RETURNING 1) \
                 SELECT (SELECT count(*) FROM gone) + (SELECT count(*) FROM emptied)"
            ),
            keys: format!("SELECT key FROM {t} WHERE document IS NOT NULL ORDER BY key"),
        }
    }
}

/// The table `t` (quoted) and its due-time columns ([`super::DueIndex`]), added to a table
/// an earlier version created: `IF NOT EXISTS` makes it safe to apply again.
pub(super) fn create_table(t: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {t} (\n\
         \x20   key             text PRIMARY KEY,\n\
         \x20   version         bigint NOT NULL DEFAULT 0 CHECK (version >= 0),\n\
         \x20   document        jsonb,\n\
         \x20   lock_owner      text,\n\
         \x20   lock_expires_at timestamptz,\n\
         \x20   created_at      timestamptz NOT NULL DEFAULT now(),\n\
         \x20   updated_at      timestamptz NOT NULL DEFAULT now(),\n\
         \x20   CHECK ((document IS NULL) = (version = 0))\n\
         );\n{}",
        due::migration(t)
    )
}

pub(super) fn row_parts(
    row: &tokio_postgres::Row,
) -> Result<(i64, Option<String>), tokio_postgres::Error> {
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// `name` or `schema.name`, each an unquoted-style identifier, returned double-quoted so that
/// it is used exactly as given.
pub(super) fn quote_table(table: &str) -> Result<String, StoreError> {
    let ident = |s: &str| {
        !s.is_empty()
            && s.len() <= 63
            && s.bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    let parts: Vec<&str> = table.split('.').collect();
    if parts.len() > 2 || !parts.iter().all(|p| ident(p)) {
        return Err(StoreError::new(
            StoreErrorKind::Io,
            format!(
                "invalid postgres table name `{table}`: use `name` or `schema.name`, each of \
                 [A-Za-z_][A-Za-z0-9_]*, at most 63 bytes"
            ),
        ));
    }
    Ok(parts
        .iter()
        .map(|p| format!("\"{p}\""))
        .collect::<Vec<_>>()
        .join("."))
}
