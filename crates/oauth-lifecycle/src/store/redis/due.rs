//! [`DueIndex`] for [`RedisStore`]: a sorted set of due times (`<prefix>:due`, scored in Unix
//! milliseconds) beside the per-key locks, with each claim's owner and each key's failed
//! attempts in two hashes (`<prefix>:due-owner`, `<prefix>:due-attempts`). Claims and
//! releases are Lua scripts, so each is one atomic step on the server.
//!
//! The three keys are named without a hash tag: on Redis Cluster they must be given one
//! slot (a prefix such as `{oauth}`).

use std::time::{Duration, SystemTime};

use super::{RedisStore, redis_error};
use crate::store::due::{Claim, DueBacklog, DueIndex, from_millis, lease_end, millis, new_owner};
use crate::store::validate_key;
use oauth_core::error::{StoreError, StoreErrorKind};

/// KEYS: the set, the owners, the attempts. ARGV: now, limit, the lease's end, the owner.
/// Answers key, due score, attempts, for each claimed key.
const CLAIM: &str = r#"
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #due, 2 do
  local k = due[i]
  redis.call('ZADD', KEYS[1], ARGV[3], k)
  redis.call('HSET', KEYS[2], k, ARGV[4])
  out[#out + 1] = k
  out[#out + 1] = due[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[3], k) or '0'
end
return out
"#;

/// KEYS: as above. ARGV: the key, the owner, the next due time (`''`: forget), attempts.
const RELEASE: &str = r#"
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
  if ARGV[4] == '0' then redis.call('HDEL', KEYS[3], ARGV[1])
  else redis.call('HSET', KEYS[3], ARGV[1], ARGV[4]) end
end
return 1
"#;

/// KEYS: as above. ARGV: now. Claims whose lease has not lapsed.
const IN_FLIGHT: &str = r#"
local n = 0
for _, k in ipairs(redis.call('HKEYS', KEYS[2])) do
  local score = redis.call('ZSCORE', KEYS[1], k)
  if score and tonumber(score) > tonumber(ARGV[1]) then n = n + 1 end
end
return n
"#;

/// KEYS: as above. ARGV: the key, the due time (`''`: forget).
const SCHEDULE: &str = r#"
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[3], ARGV[1])
if ARGV[2] == '' then return redis.call('ZREM', KEYS[1], ARGV[1]) end
return redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
"#;

impl RedisStore {
    fn due_keys(&self) -> [String; 3] {
        [
            format!("{}:due", self.prefix),
            format!("{}:due-owner", self.prefix),
            format!("{}:due-attempts", self.prefix),
        ]
    }

    async fn run_script<T: redis::FromRedisValue>(
        &self,
        action: &str,
        script: &redis::Script,
        args: &[String],
    ) -> Result<T, StoreError> {
        let keys = self.due_keys();
        self.run(action, |mut conn| {
            let mut invocation = script.prepare_invoke();
            invocation.key(&keys[0]).key(&keys[1]).key(&keys[2]);
            for arg in args {
                invocation.arg(arg);
            }
            async move { invocation.invoke_async(&mut conn).await }
        })
        .await?
        .map_err(|e| redis_error(action, &e))
    }

    async fn set_due(&self, key: &str, due: Option<SystemTime>) -> Result<(), StoreError> {
        validate_key(key)?;
        let due = due.map(|at| millis(at).to_string()).unwrap_or_default();
        let script = redis::Script::new(SCHEDULE);
        let _: i64 = self
            .run_script("schedule", &script, &[key.to_owned(), due])
            .await?;
        Ok(())
    }
}

impl DueIndex for RedisStore {
    async fn schedule(&self, key: &str, due_at: SystemTime) -> Result<(), StoreError> {
        self.set_due(key, Some(due_at)).await
    }

    async fn forget(&self, key: &str) -> Result<(), StoreError> {
        self.set_due(key, None).await
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Claim>, StoreError> {
        let owner = new_owner();
        let script = redis::Script::new(CLAIM);
        let args = [
            millis(now).to_string(),
            limit.to_string(),
            millis(lease_end(now, lease)).to_string(),
            owner.clone(),
        ];
        let flat: Vec<String> = self.run_script("claim due keys", &script, &args).await?;
        flat.chunks(3)
            .map(|triple| match triple {
                [key, score, attempts] => Ok(Claim {
                    key: key.clone(),
                    due_at: from_millis(score.parse::<f64>().map_or(0, |s| s.max(0.0) as u64)),
                    attempts: attempts.parse().unwrap_or(0),
                    owner: owner.clone(),
                }),
                _ => Err(StoreError::new(
                    StoreErrorKind::Io,
                    "redis: the claim script answered an incomplete entry",
                )),
            })
            .collect()
    }

    async fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Result<bool, StoreError> {
        let script = redis::Script::new(RELEASE);
        let args = [
            claim.key.clone(),
            claim.owner.clone(),
            next.map(|at| millis(at).to_string()).unwrap_or_default(),
            attempts.to_string(),
        ];
        let released: i64 = self.run_script("release a due key", &script, &args).await?;
        Ok(released == 1)
    }

    async fn backlog(&self, now: SystemTime) -> Result<DueBacklog, StoreError> {
        let [set, _, _] = self.due_keys();
        let now_ms = millis(now);
        // Claimed keys sit past their lease, so everything at or before `now` is unclaimed.
        let (due, first): (u64, Vec<(String, f64)>) = self
            .run("count due keys", |mut conn| {
                let mut pipe = redis::pipe();
                pipe.cmd("ZCOUNT").arg(&set).arg("-inf").arg(now_ms);
                pipe.cmd("ZRANGE").arg(&set).arg(0).arg(0).arg("WITHSCORES");
                async move { pipe.query_async(&mut conn).await }
            })
            .await?
            .map_err(|e| redis_error("count due keys", &e))?;
        let oldest = first
            .first()
            .map(|(_, score)| score.max(0.0) as u64)
            .filter(|ms| *ms <= now_ms)
            .map(from_millis);
        let script = redis::Script::new(IN_FLIGHT);
        let in_flight: u64 = self
            .run_script("count claims", &script, &[now_ms.to_string()])
            .await?;
        Ok(DueBacklog {
            due,
            oldest,
            in_flight,
        })
    }
}
