//! The source's current [`Snapshot`], and each thread's copy of it for the fresh path.
//!
//! Reading a shared `Arc` safely takes a lock or a hazard slot (written and given back on every
//! read), which would make the fresh path several times an `Arc` clone. So each thread keeps
//! the snapshots it last served (a few `Arc`s) and a source publishes the address of its
//! current snapshot in an atomic pointer: a thread holding the snapshot at that address serves
//! from it with one plain load and the token's `Arc` count. Only a thread's first call after a
//! change reads the snapshot itself, under a read lock.
//! The address is never dereferenced, and cannot be reused while the thread holds the snapshot
//! it compares against, so a match is exact.
//!
//! The copies are bounded ([`SLOTS`] per thread, most recently served first, the last one
//! dropped for a new one) and hold nothing a caller's `Arc<Token>` would not: a snapshot a
//! thread served stays in memory until that thread serves [`SLOTS`] other snapshots or exits
//! (its token is zeroized when the last copy goes). The fresh path looks at the first slot
//! only; a thread serving sources in turn finds the others a few nanoseconds later, still
//! without a lock.

use std::cell::RefCell;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::{Check, Snapshot, lock};
use crate::token::Token;

/// Snapshots each thread keeps (of any sources): enough for the few sources a thread serves.
pub(super) const SLOTS: usize = 4;

/// Most recently served first.
struct Served {
    slots: [Option<Arc<Snapshot>>; SLOTS],
}

thread_local! {
    static SERVED: RefCell<Served> = const {
        RefCell::new(Served {
            slots: [const { None }; SLOTS],
        })
    };
}

/// The current snapshot of one source.
pub(super) struct Current {
    snapshot: RwLock<Arc<Snapshot>>,
    /// The address of `snapshot`'s value, published after it is stored: compared, never
    /// dereferenced.
    address: AtomicPtr<Snapshot>,
    /// Held by every writer, so that `address` follows `snapshot` in the same order.
    writers: Mutex<()>,
}

/// `snap`'s token, if its check needs no clock to say it is fresh.
#[inline(always)]
fn fresh_token(snap: &Snapshot) -> Option<Arc<Token>> {
    match &snap.check {
        Check::Alarm(rung) if !rung.has_rung() => Some(Arc::clone(&snap.token)),
        Check::Never => Some(Arc::clone(&snap.token)),
        _ => None,
    }
}

impl Current {
    pub(super) fn new(snapshot: Snapshot) -> Self {
        let snapshot = Arc::new(snapshot);
        Self {
            address: AtomicPtr::new(Arc::as_ptr(&snapshot).cast_mut()),
            snapshot: RwLock::new(snapshot),
            writers: Mutex::new(()),
        }
    }

    /// The current token if the snapshot this thread served last is the current one and it
    /// needs no clock read to be known fresh; `None` sends the caller to
    /// [`Current::served_kept`], then [`Current::load`].
    ///
    /// Only the first slot is looked at, so that this stays small enough for `try_with` and
    /// itself to inline into the caller: a thread serving several sources in turn finds the
    /// others in [`Current::served_kept`].
    #[inline(always)]
    pub(super) fn served_fresh(&self) -> Option<Arc<Token>> {
        let address = self.address.load(Ordering::Acquire);
        SERVED
            .try_with(|served| match &served.borrow().slots[0] {
                Some(snap) if std::ptr::eq(Arc::as_ptr(snap), address) => fresh_token(snap),
                _ => None,
            })
            .ok()
            .flatten()
    }

    /// As [`Current::served_fresh`], looking through every snapshot this thread kept; the one
    /// found moves to the first slot, for the next call's fresh path.
    #[inline(never)]
    pub(super) fn served_kept(&self) -> Option<Arc<Token>> {
        let address = self.address.load(Ordering::Acquire);
        SERVED
            .try_with(|served| {
                let mut served = served.borrow_mut();
                let at = served.slots.iter().position(|slot| {
                    slot.as_ref()
                        .is_some_and(|snap| std::ptr::eq(Arc::as_ptr(snap), address))
                })?;
                served.slots[..=at].rotate_right(1);
                fresh_token(served.slots[0].as_ref()?)
            })
            .ok()
            .flatten()
    }

    /// Keeps `snap` in this thread's first slot, if the fresh path can judge it without a
    /// clock; the snapshot kept longest without being served goes.
    pub(super) fn remember(snap: &Arc<Snapshot>) {
        if !matches!(snap.check, Check::Alarm(_) | Check::Never) {
            return;
        }
        let _ = SERVED.try_with(|served| {
            let replaced = {
                let mut served = served.borrow_mut();
                let slots = &mut served.slots;
                let at = slots
                    .iter()
                    .position(|slot| slot.as_ref().is_some_and(|kept| Arc::ptr_eq(kept, snap)))
                    .unwrap_or(SLOTS - 1);
                slots[..=at].rotate_right(1);
                slots[0].replace(Arc::clone(snap))
            };
            // Dropped outside the borrow: a snapshot's drop may run code that reads this
            // thread's slots (a token's drop, an alarm's).
            drop(replaced);
        });
    }

    /// The current snapshot.
    pub(super) fn load(&self) -> Arc<Snapshot> {
        // Every write is one assignment, so a panicking holder leaves it consistent.
        Arc::clone(&self.snapshot.read().unwrap_or_else(|p| p.into_inner()))
    }

    pub(super) fn store(&self, snap: Arc<Snapshot>) {
        let _writing = lock(&self.writers);
        self.publish(snap);
    }

    /// Replaces the snapshot with `f` of it.
    pub(super) fn update(&self, f: impl FnOnce(&Arc<Snapshot>) -> Arc<Snapshot>) {
        let _writing = lock(&self.writers);
        let next = f(&self.load());
        self.publish(next);
    }

    /// Stores `new` if the snapshot is still `expected`; returns the snapshot found.
    pub(super) fn compare_and_swap(
        &self,
        expected: &Arc<Snapshot>,
        new: Arc<Snapshot>,
    ) -> Arc<Snapshot> {
        let _writing = lock(&self.writers);
        let found = self.load();
        if Arc::ptr_eq(&found, expected) {
            self.publish(new);
        }
        found
    }

    /// Under the writers' lock.
    fn publish(&self, snap: Arc<Snapshot>) {
        let address = Arc::as_ptr(&snap).cast_mut();
        let previous = std::mem::replace(
            &mut *self.snapshot.write().unwrap_or_else(|p| p.into_inner()),
            snap,
        );
        self.address.store(address, Ordering::Release);
        // Dropped outside the lock (a snapshot's drop wipes a token).
        drop(previous);
    }
}
