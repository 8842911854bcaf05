//! Tokens in Redis, shared by processes, with a refresh lock.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::aio::ConnectionManager;

use super::file::{FORMAT, FORMAT_VERSION, decode_document, encode_document};
use super::tls::certificate_refused;
use super::{RefreshLock, TokenStore, Versioned, validate_key};
use oauth_core::error::{StoreError, StoreErrorKind};
use oauth_core::token::Token;

mod connect;
mod due;

/// What the CAS script answers instead of a version.
const CONFLICT: i64 = -1;
const NOT_OURS: i64 = -2;

/// The longest refresh lock taken, in milliseconds (a year).
const MAX_LOCK_TTL_MS: u128 = 365 * 24 * 3600 * 1000;

/// How many keys one `SCAN` round looks at (a hint to the server): each round is a short,
/// bounded piece of work, so listing never blocks Redis the way `KEYS` would.
const SCAN_COUNT: usize = 500;

/// Compare-and-swap in one step on the server, so no other client can write in between.
///
/// KEYS[1]: the token key. ARGV: the expected version (`''`: the key must not exist), the new
/// document, its version, the format and the format version. A value this code could not have
/// written (another type, not JSON, another format, missing fields) is never overwritten.
const CAS: &str = r#"
local raw = redis.pcall('GET', KEYS[1])
if type(raw) == 'table' then return -2 end
if raw then
  local ok, doc = pcall(cjson.decode, raw)
  if not ok or type(doc) ~= 'table' or doc['format'] ~= ARGV[4]
     or doc['format_version'] ~= tonumber(ARGV[5])
     or type(doc['version']) ~= 'number' or type(doc['token']) ~= 'table'
     or type(doc['token']['access_token']) ~= 'string'
     or type(doc['token']['received_at_ms']) ~= 'number' then
    return -2
  end
  if doc['version'] ~= tonumber(ARGV[1]) then return -1 end
elseif ARGV[1] ~= '' then
  return -1
end
redis.call('SET', KEYS[1], ARGV[2])
return tonumber(ARGV[3])
"#;

/// Deletes the lock only if it still holds the caller's owner value: a holder whose lock
/// expired must not release the lock someone else has taken since.
const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// Extends the lock only while it still holds the caller's owner value.
const EXTEND: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"#;

/// Tokens in Redis, for processes that share them.
///
/// Each key's document (the same JSON document [`super::FileStore`] writes, holding its
/// version) is the string at `<prefix>:token:<key>`; its refresh lock is at
/// `<prefix>:lock:<key>`. Writes are compare-and-swap in one Lua script. The lock is taken with
/// `SET NX PX` and an owner value unique to the holder, released only by that owner, and
/// expires by itself if the holder dies, so each expiry causes exactly one refresh across all
/// processes. A value under a token key that this version cannot read is reported (naming the
/// key) and never overwritten. [`TokenStore::list_keys`] lists the keys with `SCAN`, for
/// `EncryptedStore::rewrap_all` (feature `encryption`).
///
/// Every call is bounded by the command timeout ([`RedisStore::connect_with_timeouts`]),
/// reconnection included, and fails with an I/O error when Redis does not answer in time. A
/// write that timed out may still be applied once a frozen server resumes; the token source
/// treats it as failed and writes its token again, so nothing is lost either way.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    command_timeout: Duration,
    cas: redis::Script,
    unlock: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not the URL: it can hold a password.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Runs one command within the command timeout (the outer error). A command that finds the
    /// connection refused was never sent: the manager has meanwhile started a new connection
    /// (the server may be back), and the command is sent once more on it.
    async fn run<T, F, Fut>(
        &self,
        action: &str,
        command: F,
    ) -> Result<redis::RedisResult<T>, StoreError>
    where
        F: Fn(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        let attempts = async {
            match command(self.connection.clone()).await {
                Err(e) if e.is_connection_refusal() => command(self.connection.clone()).await,
                other => other,
            }
        };
        tokio::time::timeout(self.command_timeout, attempts)
            .await
            .map_err(|_| timed_out(action, self.command_timeout))
    }

    /// The Redis key holding `key`'s token document.
    pub fn token_key(&self, key: &str) -> Result<String, StoreError> {
        validate_key(key)?;
        Ok(format!("{}:token:{key}", self.prefix))
    }

    /// The `SCAN` pattern of every token key: the prefix with its glob characters escaped, so
    /// a prefix such as `app*` matches only itself.
    fn token_pattern(&self) -> String {
        let mut pattern = String::with_capacity(self.prefix.len() + 8);
        for c in self.prefix.chars() {
            if matches!(c, '*' | '?' | '[' | ']' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(":token:*");
        pattern
    }

    /// The Redis key holding `key`'s refresh lock.
    pub fn lock_key(&self, key: &str) -> Result<String, StoreError> {
        validate_key(key)?;
        Ok(format!("{}:lock:{key}", self.prefix))
    }
}

/// Only the error's category and code are kept from server replies and conversions: they can
/// quote the value they concern (a token document). I/O errors are the OS's words and kept.
/// A refused server certificate is [`StoreErrorKind::Insecure`].
fn redis_error(action: &str, e: &redis::RedisError) -> StoreError {
    if let Some(refused) = certificate_refused("redis", action, e) {
        return refused;
    }
    let what = if e.is_io_error() {
        e.to_string()
    } else {
        match e.code() {
            Some(code) => format!("{} ({code})", e.category()),
            None => e.category().to_owned(),
        }
    };
    StoreError::new(
        StoreErrorKind::Io,
        format!("redis: could not {action}: {what}"),
    )
}

fn timed_out(action: &str, after: Duration) -> StoreError {
    StoreError::new(
        StoreErrorKind::Io,
        format!("redis: could not {action}: no answer within {after:?}"),
    )
}

fn corrupt(redis_key: &str, why: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Corrupt,
        format!("{redis_key} {why}; it was left untouched"),
    )
}

impl TokenStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let redis_key = self.token_key(key)?;
        // Bytes, not a String: a failed UTF-8 conversion would quote the value in its error.
        let raw: Option<Vec<u8>> = match self
            .run("read", |mut conn| {
                let redis_key = &redis_key;
                async move {
                    redis::cmd("GET")
                        .arg(redis_key)
                        .query_async(&mut conn)
                        .await
                }
            })
            .await?
        {
            Ok(raw) => raw,
            Err(e) if e.code() == Some("WRONGTYPE") => {
                return Err(corrupt(
                    &redis_key,
                    "is not a string, so not a token document",
                ));
            }
            Err(e) => return Err(redis_error("read", &e)),
        };
        raw.map(|raw| decode_document(&raw, || redis_key.clone()))
            .transpose()
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        let redis_key = self.token_key(key)?;
        let version = expected.unwrap_or(0) + 1;
        let document = encode_document(version, token)?;
        let expected_arg = expected.map(|v| v.to_string()).unwrap_or_default();
        let result: i64 = self
            .run("write", |mut conn| {
                let mut invocation = self.cas.key(&redis_key);
                invocation
                    .arg(&expected_arg)
                    .arg(&document)
                    .arg(version)
                    .arg(FORMAT)
                    .arg(FORMAT_VERSION);
                async move { invocation.invoke_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("write", &e))?;
        match result {
            CONFLICT => Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("{redis_key} is no longer at version {expected:?}"),
            )),
            NOT_OURS => Err(corrupt(
                &redis_key,
                "does not hold a token document this version can read",
            )),
            v => u64::try_from(v).map_err(|_| {
                StoreError::new(
                    StoreErrorKind::Io,
                    format!("redis: unexpected answer {v} to a write of {redis_key}"),
                )
            }),
        }
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        let lock_key = self.lock_key(key)?;
        let owner: [u8; 16] = oauth_core::runtime::random::bytes();
        let owner = URL_SAFE_NO_PAD.encode(owner);
        // Redis refuses expiries past its clock's range; no refresh needs a lock for a year.
        let ttl_ms = u64::try_from(ttl.as_millis().clamp(1, MAX_LOCK_TTL_MS)).unwrap_or(1);
        let taken: Option<String> = self
            .run("take the refresh lock", |mut conn| {
                let mut command = redis::cmd("SET");
                command
                    .arg(&lock_key)
                    .arg(&owner)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms);
                async move { command.query_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("take the refresh lock", &e))?;
        Ok(taken.map(|_| RefreshLock::leased(owner)))
    }

    async fn unlock(&self, key: &str, lock: &RefreshLock) -> Result<(), StoreError> {
        let lock_key = self.lock_key(key)?;
        let _: i64 = self
            .run("release the refresh lock", |mut conn| {
                let mut invocation = self.unlock.key(&lock_key);
                invocation.arg(lock.owner());
                async move { invocation.invoke_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("release the refresh lock", &e))?;
        Ok(())
    }

    async fn extend_lock(
        &self,
        key: &str,
        lock: &RefreshLock,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let lock_key = self.lock_key(key)?;
        let ttl_ms = u64::try_from(ttl.as_millis().clamp(1, MAX_LOCK_TTL_MS)).unwrap_or(1);
        let script = redis::Script::new(EXTEND);
        let extended: i64 = self
            .run("extend the refresh lock", |mut conn| {
                let mut invocation = script.key(&lock_key);
                invocation.arg(lock.owner()).arg(ttl_ms);
                async move { invocation.invoke_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("extend the refresh lock", &e))?;
        Ok(extended == 1)
    }

    fn is_shared(&self) -> bool {
        true
    }

    async fn delete(&self, key: &str) -> Result<bool, StoreError> {
        let token_key = self.token_key(key)?;
        let deleted: i64 = self
            .run("delete", |mut conn| {
                let mut command = redis::cmd("DEL");
                command.arg(&token_key);
                async move { command.query_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("delete", &e))?;
        Ok(deleted > 0)
    }

    /// The keys under `<prefix>:token:`, found with `SCAN` (cursor-based rounds of about 500
    /// keys, each within the command timeout; never `KEYS`) and `TYPE string`, so
    /// refresh locks, other prefixes' keys, values of other types and names that are no valid
    /// store key are left out. A string that is not a readable document is listed: its load
    /// (and `EncryptedStore::rewrap`) reports it. Needs Redis 6.0 or later.
    async fn list_keys(&self) -> Result<Vec<String>, StoreError> {
        self.scan_keys().await
    }
}

impl RedisStore {
    async fn scan_keys(&self) -> Result<Vec<String>, StoreError> {
        let pattern = self.token_pattern();
        let strip = format!("{}:token:", self.prefix);
        // SCAN may return a key more than once (while the server rehashes).
        let mut keys = std::collections::BTreeSet::new();
        let mut cursor = 0u64;
        loop {
            // Names as bytes: a failed UTF-8 conversion would quote the name in its error.
            let (next, names): (u64, Vec<Vec<u8>>) = self
                .run("list keys", |mut conn| {
                    let mut command = redis::cmd("SCAN");
                    command
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(&pattern)
                        .arg("COUNT")
                        .arg(SCAN_COUNT)
                        .arg("TYPE")
                        .arg("string");
                    async move { command.query_async(&mut conn).await }
                })
                .await?
                .map_err(|e| redis_error("list keys", &e))?;
            keys.extend(names.iter().filter_map(|name| {
                let key = std::str::from_utf8(name).ok()?.strip_prefix(&strip)?;
                validate_key(key).is_ok().then(|| key.to_owned())
            }));
            if next == 0 {
                return Ok(keys.into_iter().collect());
            }
            cursor = next;
        }
    }
}
