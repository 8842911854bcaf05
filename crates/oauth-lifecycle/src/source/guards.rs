//! What makes a refresh finish cleanly however it ends: the refresh lock's guard, and a
//! panic caught where the code around it can still release that lock.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::Inner;
use crate::Renew;
use crate::store::{RefreshLock, TokenStore};

/// A held refresh lock, released on every path: explicitly after the refresh, or, if the
/// refresh task is dropped while holding it, from a task of its own (without a runtime left
/// to run one, a Redis lock ends with its TTL and a file lock with the store).
pub(super) struct HeldLock<P: Renew, S: TokenStore> {
    inner: Arc<Inner<P, S>>,
    lock: RefreshLock,
    /// Cleared by [`HeldLock::release`]: nothing left for the drop to release.
    held: bool,
}

impl<P: Renew, S: TokenStore> HeldLock<P, S> {
    pub(super) fn new(inner: Arc<Inner<P, S>>, lock: RefreshLock) -> Self {
        Self {
            inner,
            lock,
            held: true,
        }
    }

    /// The lock held.
    pub(super) fn lock(&self) -> &RefreshLock {
        &self.lock
    }

    pub(super) async fn release(mut self) {
        self.held = false;
        self.inner.unlock(&self.lock).await;
    }
}

impl<P: Renew, S: TokenStore> Drop for HeldLock<P, S> {
    fn drop(&mut self) {
        if self.held
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            let (inner, lock) = (Arc::clone(&self.inner), self.lock.clone());
            runtime.spawn(async move { inner.unlock(&lock).await });
        }
    }
}

impl<P: Renew, S: TokenStore> Inner<P, S> {
    async fn unlock(&self, lock: &RefreshLock) {
        if let Err(e) = self.store.unlock(&self.key, lock).await {
            // The lock expires by itself; the refresh result is still good.
            tracing::warn!(error = %e, "could not release the refresh lock");
        }
    }
}

/// Turns a panic while polling `F` into an `Err`, so the code around it (the lock release)
/// runs on its normal path.
pub(super) struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> CatchUnwind<F> {
    pub(super) fn new(future: F) -> Self {
        Self(Box::pin(future))
    }
}

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self.get_mut().0.as_mut();
        // After a panic the future is never polled again: this returns `Ready` once.
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
