//! Faults a test injects: the next calls fail the way real servers and networks do.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// How one call fails instead of being answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answered with this status (e.g. `503`) and the provider's error body for it.
    Status(u16),
    /// Answered `429` with the provider's rate-limit body and `Retry-After` in whole seconds.
    RateLimited {
        /// The `Retry-After` to send.
        retry_after: Duration,
    },
    /// Read, then never answered: the connection stays open until the client's timeout (or
    /// the fake stopping) ends it.
    Hang,
    /// Read, then the connection is closed without an answer.
    DropConnection,
    /// Answered normally, after this long: a slow server (the call still reaches the grant
    /// logic and counts there).
    Delay(Duration),
}

/// The queue of faults still to serve, in order.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    queue: Mutex<VecDeque<Fault>>,
}

impl Faults {
    pub(crate) fn push(&self, times: usize, fault: Fault) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        queue.extend(std::iter::repeat_n(fault, times));
    }

    pub(crate) fn pop(&self) -> Option<Fault> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    pub(crate) fn clear(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}
