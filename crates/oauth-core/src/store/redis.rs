//! Tokens in Redis, shared by processes, with a refresh lock.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use super::{RefreshLock, TokenStore, Versioned, validate_key};
use crate::error::{StoreError, StoreErrorKind};
use crate::token::{StoredToken, Token};

/// The `format` of every document; anything else under our keys is reported, not used.
const FORMAT: &str = "oauth-core.token";
/// The document layout version this code reads and writes.
const FORMAT_VERSION: u32 = 1;

/// Compare-and-swap on the hash `{version, doc}`: writes only if the version is the expected
/// one (`""`: the key must not exist) and the current document is ours. Returns the new
/// version, `-1` on a conflict, `-2` when the stored document is not ours.
const CAS: &str = r#"
local current = redis.call('HGET', KEYS[1], 'version')
local doc = redis.call('HGET', KEYS[1], 'doc')
if redis.call('EXISTS', KEYS[1]) == 1 then
  if not current or not doc then return -2 end
  local ok, parsed = pcall(cjson.decode, doc)
  if not ok or type(parsed) ~= 'table' or parsed['format'] ~= ARGV[3]
     or tonumber(parsed['format_version']) ~= tonumber(ARGV[4]) then
    return -2
  end
end
if ARGV[1] == '' then
  if current then return -1 end
elseif current ~= ARGV[1] then
  return -1
end
local next = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'version', tostring(next), 'doc', ARGV[2])
return next
"#;

/// Deletes the lock only if it still holds the caller's owner value.
const UNLOCK: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

#[derive(Serialize)]
struct DocumentOut<'a> {
    format: &'static str,
    format_version: u32,
    token: crate::token::ExposeSecrets<'a>,
}

#[derive(Deserialize)]
struct DocumentIn {
    format: String,
    format_version: u32,
    token: StoredToken,
}

/// Tokens in Redis under `<prefix>:token:<key>` (a hash of `version` and `doc`), with the
/// refresh lock of each key at `<prefix>:lock:<key>`.
///
/// Several processes sharing a store refresh each expiry once: the lock is taken with
/// `SET NX PX` and an owner value unique to the holder, released only by that owner (a Lua
/// compare-and-delete), and expires by itself if the holder dies. Writes are compare-and-swap
/// in one Lua script.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    cas: redis::Script,
    unlock: redis::Script,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port/db`); keys start with `prefix`.
    pub async fn connect(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(|e| redis_error("open", &e))?;
        let connection = ConnectionManager::new(client)
            .await
            .map_err(|e| redis_error("connect", &e))?;
        Ok(Self {
            connection,
            prefix: prefix.into(),
            cas: redis::Script::new(CAS),
            unlock: redis::Script::new(UNLOCK),
        })
    }

    fn token_key(&self, key: &str) -> String {
        format!("{}:token:{key}", self.prefix)
    }

    fn lock_key(&self, key: &str) -> String {
        format!("{}:lock:{key}", self.prefix)
    }
}

/// Redis errors carry server messages, never our values (the scripts take the document as an
/// argument, which Redis does not echo).
fn redis_error(action: &str, e: &redis::RedisError) -> StoreError {
    StoreError::new(
        StoreErrorKind::Io,
        format!("redis: could not {action}: {e}"),
    )
}

impl TokenStore for RedisStore {
    async fn load(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        validate_key(key)?;
        let redis_key = self.token_key(key);
        let mut conn = self.connection.clone();
        let (version, doc): (Option<String>, Option<String>) = redis::cmd("HMGET")
            .arg(&redis_key)
            .arg("version")
            .arg("doc")
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error("read", &e))?;
        let (version, doc) = match (version, doc) {
            (None, None) => return Ok(None),
            (Some(v), Some(d)) => (v, d),
            _ => return Err(corrupt(&redis_key, "it lacks `version` or `doc`")),
        };
        let version: u64 = version
            .parse()
            .map_err(|_| corrupt(&redis_key, "its version is not a number"))?;
        let doc: DocumentIn = serde_json::from_str(&doc)
            .map_err(|_| corrupt(&redis_key, "its document is not a token"))?;
        if doc.format != FORMAT || doc.format_version != FORMAT_VERSION {
            return Err(corrupt(
                &redis_key,
                &format!(
                    "it has format `{}` version {}",
                    doc.format, doc.format_version
                ),
            ));
        }
        Ok(Some(Versioned {
            token: Token::from_stored(doc.token),
            version,
        }))
    }

    async fn compare_and_swap(
        &self,
        key: &str,
        expected: Option<u64>,
        token: &Token,
    ) -> Result<u64, StoreError> {
        validate_key(key)?;
        let redis_key = self.token_key(key);
        let doc = serde_json::to_string(&DocumentOut {
            format: FORMAT,
            format_version: FORMAT_VERSION,
            token: token.exposing_secrets(),
        })
        .map_err(|e| StoreError::new(StoreErrorKind::Io, format!("could not encode: {e}")))?;
        let mut conn = self.connection.clone();
        let result: i64 = self
            .cas
            .key(&redis_key)
            .arg(expected.map(|v| v.to_string()).unwrap_or_default())
            .arg(doc)
            .arg(FORMAT)
            .arg(FORMAT_VERSION)
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error("write", &e))?;
        match result {
            -1 => Err(StoreError::new(
                StoreErrorKind::Conflict,
                format!("{redis_key} is no longer at version {expected:?}"),
            )),
            -2 => Err(corrupt(
                &redis_key,
                "it is not a token document of this version",
            )),
            v => Ok(v as u64),
        }
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<Option<RefreshLock>, StoreError> {
        validate_key(key)?;
        let mut owner = [0u8; 16];
        rand::rng().fill_bytes(&mut owner);
        let owner = URL_SAFE_NO_PAD.encode(owner);
        let mut conn = self.connection.clone();
        let taken: Option<String> = redis::cmd("SET")
            .arg(self.lock_key(key))
            .arg(&owner)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async(&mut conn)
            .await
            .map_err(|e| redis_error("take the refresh lock", &e))?;
        Ok(taken.map(|_| RefreshLock::new(owner)))
    }

    async fn unlock(&self, key: &str, lock: &RefreshLock) -> Result<(), StoreError> {
        let mut conn = self.connection.clone();
        let _: i64 = self
            .unlock
            .key(self.lock_key(key))
            .arg(lock.owner())
            .invoke_async(&mut conn)
            .await
            .map_err(|e| redis_error("release the refresh lock", &e))?;
        Ok(())
    }

    fn is_shared(&self) -> bool {
        true
    }
}

fn corrupt(redis_key: &str, why: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::Corrupt,
        format!(
            "{redis_key} is not a token document this version can read: {why}; it was left untouched"
        ),
    )
}
