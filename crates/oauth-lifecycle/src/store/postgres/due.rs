//! [`DueIndex`] for [`PostgresStore`]: the due time is a column of the token's own row
//! (`refresh_due_at`, indexed), so it lives and dies with the document; batches are claimed
//! with `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on each other's rows.

use std::time::{Duration, SystemTime};

use super::{PostgresStore, pg_error};
use crate::store::due::{Claim, DueBacklog, DueIndex, lease_end, new_owner};
use oauth_core::error::StoreError;

/// The columns and index the due-time index needs, added to a table of any earlier version
/// (`ADD COLUMN IF NOT EXISTS`, `CREATE INDEX IF NOT EXISTS`): applying it again changes
/// nothing. `t` is the quoted table name.
///
/// A row is due when written (`DEFAULT now()`), and every row of an earlier table is due
/// when the column is added: a keeper's first look at each schedules it by its policy, so
/// connections made by plain token sources, or before the upgrade, are kept alive too.
pub(super) fn migration(t: &str) -> String {
    // The index lives in the table's schema and takes the table's own name with a suffix.
    let bare = t.rsplit('.').next().unwrap_or(t).trim_matches('"');
    let mut index = format!("{bare}_refresh_due");
    index.truncate(63);
    format!(
        "ALTER TABLE {t}\n\
         \x20   ADD COLUMN IF NOT EXISTS refresh_due_at timestamptz DEFAULT now(),\n\
         \x20   ADD COLUMN IF NOT EXISTS due_owner text,\n\
         \x20   ADD COLUMN IF NOT EXISTS due_attempts integer NOT NULL DEFAULT 0;\n\
         CREATE INDEX IF NOT EXISTS \"{index}\" ON {t} (refresh_due_at) \
         WHERE refresh_due_at IS NOT NULL;\n"
    )
}

impl PostgresStore {
    async fn due_execute(
        &self,
        action: &str,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let client = self.client(action).await?;
        self.bounded(action, async {
            let statement = client.prepare_cached(sql).await?;
            client.execute(&statement, params).await
        })
        .await
    }

    async fn due_query(
        &self,
        action: &str,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, StoreError> {
        let client = self.client(action).await?;
        self.bounded(action, async {
            let statement = client.prepare_cached(sql).await?;
            client.query(&statement, params).await
        })
        .await
    }
}

impl DueIndex for PostgresStore {
    async fn schedule(&self, key: &str, due_at: SystemTime) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET refresh_due_at = $2, due_owner = NULL, due_attempts = 0 \
             WHERE key = $1 AND document IS NOT NULL",
            self.table
        );
        self.due_execute("schedule", &sql, &[&key, &due_at]).await?;
        Ok(())
    }

    async fn forget(&self, key: &str) -> Result<(), StoreError> {
        let sql = format!(
            "UPDATE {} SET refresh_due_at = NULL, due_owner = NULL, due_attempts = 0 \
             WHERE key = $1",
            self.table
        );
        self.due_execute("forget a due time", &sql, &[&key]).await?;
        Ok(())
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Claim>, StoreError> {
        let t = &self.table;
        // The inner SELECT locks the rows it picks and skips rows another claim is updating;
        // the UPDATE moves them past the lease, so once committed no later claim sees them due.
        let sql = format!(
            "WITH due AS (SELECT key, refresh_due_at FROM {t} \
             WHERE refresh_due_at <= $1 AND document IS NOT NULL \
             ORDER BY refresh_due_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
             UPDATE {t} AS t SET refresh_due_at = $3, due_owner = $4 FROM due \
             WHERE t.key = due.key RETURNING t.key, due.refresh_due_at, t.due_attempts"
        );
        let owner = new_owner();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let until = lease_end(now, lease);
        let rows = self
            .due_query("claim due keys", &sql, &[&now, &limit, &until, &owner])
            .await?;
        rows.iter()
            .map(|row| {
                let attempts: i32 = row.try_get(2)?;
                Ok(Claim {
                    key: row.try_get(0)?,
                    due_at: row.try_get(1)?,
                    attempts: u32::try_from(attempts).unwrap_or(0),
                    owner: owner.clone(),
                })
            })
            .collect::<Result<_, tokio_postgres::Error>>()
            .map_err(|e| pg_error("claim due keys", t, &e))
    }

    async fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Result<bool, StoreError> {
        let sql = format!(
            "UPDATE {} SET refresh_due_at = $3, due_owner = NULL, due_attempts = $4 \
             WHERE key = $1 AND due_owner = $2",
            self.table
        );
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        let changed = self
            .due_execute(
                "release a due key",
                &sql,
                &[&claim.key, &claim.owner, &next, &attempts],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn backlog(&self, now: SystemTime) -> Result<DueBacklog, StoreError> {
        let sql = format!(
            "SELECT count(*) FILTER (WHERE refresh_due_at <= $1), \
             min(refresh_due_at) FILTER (WHERE refresh_due_at <= $1), \
             count(*) FILTER (WHERE refresh_due_at > $1 AND due_owner IS NOT NULL) \
             FROM {} WHERE refresh_due_at IS NOT NULL AND document IS NOT NULL",
            self.table
        );
        let rows = self.due_query("count due keys", &sql, &[&now]).await?;
        let parse = |row: &tokio_postgres::Row| -> Result<DueBacklog, tokio_postgres::Error> {
            let due: i64 = row.try_get(0)?;
            let in_flight: i64 = row.try_get(2)?;
            Ok(DueBacklog {
                due: u64::try_from(due).unwrap_or(0),
                oldest: row.try_get(1)?,
                in_flight: u64::try_from(in_flight).unwrap_or(0),
            })
        };
        match rows.first() {
            Some(row) => parse(row).map_err(|e| pg_error("count due keys", &self.table, &e)),
            None => Ok(DueBacklog::default()),
        }
    }
}
