//! A gate in front of the grant logic: while closed, requests are read and held unanswered;
//! a held request whose client hangs up (a killed process) is dropped without reaching the
//! grant logic. A test uses it to stop a worker at a known point: its requests sent, none
//! processed, so none of its refresh tokens was spent.

use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::net::TcpStream;
use tokio::sync::watch;

/// Open or closed, and how many requests wait at it.
#[derive(Debug)]
pub(crate) struct Gate {
    open: watch::Sender<bool>,
    held: AtomicUsize,
}

impl Default for Gate {
    fn default() -> Self {
        Self {
            open: watch::Sender::new(true),
            held: AtomicUsize::new(0),
        }
    }
}

impl Gate {
    pub(crate) fn set_open(&self, open: bool) {
        self.open.send_replace(open);
    }

    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Waits while the gate is closed. `false`: the client hung up meanwhile, so the request
    /// must not be served.
    pub(crate) async fn pass(&self, stream: &TcpStream) -> bool {
        let mut open = self.open.subscribe();
        if *open.borrow_and_update() {
            return true;
        }
        self.held.fetch_add(1, Ordering::SeqCst);
        let mut byte = [0u8; 1];
        let hung_up = tokio::select! {
            opened = open.wait_for(|o| *o) => opened.is_err(),
            // End of stream or a reset: nobody waits for the answer. Anything else (a
            // pipelined request) waits its turn behind this one.
            peeked = stream.peek(&mut byte) => matches!(peeked, Ok(0) | Err(_)),
        };
        let passed = !hung_up && open.wait_for(|o| *o).await.is_ok();
        self.held.fetch_sub(1, Ordering::SeqCst);
        passed
    }
}
