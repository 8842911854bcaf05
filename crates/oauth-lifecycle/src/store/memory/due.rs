//! [`DueIndex`] for [`MemoryStore`]: one process's keeper (and the tests of the keeper).

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, SystemTime};

use super::MemoryStore;
use crate::store::due::{Claim, DueBacklog, DueIndex, from_millis, lease_end, millis, new_owner};
use oauth_core::error::StoreError;

/// Due times in order, and each key's entry.
#[derive(Debug, Default)]
pub(super) struct DueMap {
    order: BTreeSet<(u64, String)>,
    entries: HashMap<String, Entry>,
}

#[derive(Debug)]
struct Entry {
    due_ms: u64,
    owner: Option<String>,
    attempts: u32,
}

impl DueMap {
    fn set(&mut self, key: &str, due_ms: u64, owner: Option<String>, attempts: u32) {
        self.remove(key);
        self.order.insert((due_ms, key.to_owned()));
        self.entries.insert(
            key.to_owned(),
            Entry {
                due_ms,
                owner,
                attempts,
            },
        );
    }

    fn remove(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            self.order.remove(&(old.due_ms, key.to_owned()));
        }
    }
}

impl MemoryStore {
    fn due_map(&self) -> std::sync::MutexGuard<'_, DueMap> {
        self.due.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl DueIndex for MemoryStore {
    async fn schedule(&self, key: &str, due_at: SystemTime) -> Result<(), StoreError> {
        self.due_map().set(key, millis(due_at), None, 0);
        Ok(())
    }

    async fn forget(&self, key: &str) -> Result<(), StoreError> {
        self.due_map().remove(key);
        Ok(())
    }

    async fn claim_due(
        &self,
        now: SystemTime,
        limit: usize,
        lease: Duration,
    ) -> Result<Vec<Claim>, StoreError> {
        let now_ms = millis(now);
        let until = millis(lease_end(now, lease));
        let owner = new_owner();
        let mut map = self.due_map();
        let due: Vec<(u64, String)> = map
            .order
            .iter()
            .take_while(|(at, _)| *at <= now_ms)
            .take(limit)
            .cloned()
            .collect();
        let mut claims = Vec::with_capacity(due.len());
        for (at, key) in due {
            let attempts = map.entries.get(&key).map_or(0, |e| e.attempts);
            map.set(&key, until, Some(owner.clone()), attempts);
            claims.push(Claim {
                key,
                due_at: from_millis(at),
                attempts,
                owner: owner.clone(),
            });
        }
        Ok(claims)
    }

    async fn release(
        &self,
        claim: &Claim,
        next: Option<SystemTime>,
        attempts: u32,
    ) -> Result<bool, StoreError> {
        let mut map = self.due_map();
        let ours = map
            .entries
            .get(&claim.key)
            .is_some_and(|e| e.owner.as_deref() == Some(claim.owner.as_str()));
        if !ours {
            return Ok(false);
        }
        match next {
            Some(at) => map.set(&claim.key, millis(at), None, attempts),
            None => map.remove(&claim.key),
        }
        Ok(true)
    }

    async fn backlog(&self, now: SystemTime) -> Result<DueBacklog, StoreError> {
        let now_ms = millis(now);
        let map = self.due_map();
        let mut due = map.order.iter().take_while(|(at, _)| *at <= now_ms);
        let oldest = due.next().map(|(at, _)| from_millis(*at));
        let count = u64::from(oldest.is_some()) + due.count() as u64;
        let in_flight = map
            .entries
            .values()
            .filter(|e| e.owner.is_some() && e.due_ms > now_ms)
            .count() as u64;
        Ok(DueBacklog {
            due: count,
            oldest,
            in_flight,
        })
    }
}
