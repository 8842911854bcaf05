//! Each thread's last served token, so that a thread asking one source again and again (a
//! worker serving one account) takes no lock: the fresh path then touches nothing another
//! thread writes but the token's `Arc` count.
//!
//! A source publishes the address of its current token while that token may be handed out
//! (null otherwise). A thread keeps the token it served (an `Arc`, with its due time) and serves
//! it again while the source still publishes that very address: the kept `Arc` keeps the
//! token alive, so its address cannot belong to any other token meanwhile, and the address is
//! only compared, never dereferenced. A token is kept only after a thread served the same
//! source twice in a row, so that a thread serving many sources in turn (a server with 100,000
//! connections) never pays for replacing one: it pays one thread-local compare and falls back
//! to the source's read lock.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicPtr, Ordering};

use oauth_core::token::Token;

struct Served {
    /// The token kept, and when it becomes due (unix milliseconds).
    token: Option<(Arc<Token>, u64)>,
    /// The source served last (its address, compared only).
    last: usize,
}

thread_local! {
    static SERVED: RefCell<Served> = const {
        RefCell::new(Served {
            token: None,
            last: 0,
        })
    };
}

/// The address of a source's token while it may be handed out.
#[derive(Debug, Default)]
pub(super) struct Published(AtomicPtr<Token>);

impl Published {
    /// Publishes `token` (or, with `None`, that nothing may be served without the lock). Called
    /// under the source's write lock, so that the address follows the current token in order.
    pub(super) fn set(&self, token: Option<&Arc<Token>>) {
        let address = token.map_or(std::ptr::null_mut(), |t| Arc::as_ptr(t).cast_mut());
        self.0.store(address, Ordering::Release);
    }

    /// The token this thread kept, if the source still publishes it and it is not due at `now`.
    #[inline]
    pub(super) fn kept(&self, now_ms: u64) -> Option<Arc<Token>> {
        let address = self.0.load(Ordering::Acquire);
        if address.is_null() {
            return None;
        }
        SERVED
            .try_with(|served| match &served.borrow().token {
                Some((token, due_ms))
                    if std::ptr::eq(Arc::as_ptr(token), address) && now_ms < *due_ms =>
                {
                    Some(Arc::clone(token))
                }
                _ => None,
            })
            .ok()
            .flatten()
    }
}

/// Notes that this thread served `token` (due at `due_ms`) from the source at `source`; keeps
/// it if the thread served that source just before too.
pub(super) fn remember(source: usize, token: &Arc<Token>, due_ms: u64) {
    let _ = SERVED.try_with(|served| {
        let replaced = {
            let mut served = served.borrow_mut();
            if served.last != source {
                served.last = source;
                return;
            }
            served.token.replace((Arc::clone(token), due_ms))
        };
        // Dropped outside the borrow: dropping a token wipes its secrets.
        drop(replaced);
    });
}
