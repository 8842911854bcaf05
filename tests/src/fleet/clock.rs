//! The manual clock the parent and the worker processes share through a file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oauth_core::Clock;

/// A clock the parent writes to a file (Unix milliseconds) and every worker reads.
pub struct FileClock {
    path: PathBuf,
    last: AtomicU64,
}

impl FileClock {
    /// The clock in `path`.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            last: AtomicU64::new(0),
        }
    }

    /// Moves the clock in `path` to `at` (replaced atomically: a reader never sees half).
    pub fn set(path: &Path, at: SystemTime) {
        let ms = at.duration_since(UNIX_EPOCH).unwrap().as_millis();
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, ms.to_string()).unwrap();
        std::fs::rename(&tmp, path).unwrap();
    }
}

impl Clock for FileClock {
    fn now(&self) -> SystemTime {
        let read = std::fs::read_to_string(&self.path)
            .ok()
            .and_then(|s| s.trim().parse::<u64>().ok());
        // Never backwards, and the last reading if the file cannot be read.
        let ms = match read {
            Some(ms) => self.last.fetch_max(ms, Ordering::SeqCst).max(ms),
            None => self.last.load(Ordering::SeqCst),
        };
        UNIX_EPOCH + Duration::from_millis(ms)
    }
}
