//! The thread CPU clock and CPU pinning, through `rustix`'s safe wrappers.

use std::time::Duration;

use rustix::thread::{CpuSet, sched_setaffinity};
use rustix::time::{ClockId, clock_gettime};

/// CPU time the calling thread has used so far (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu() -> Duration {
    let t = clock_gettime(ClockId::ThreadCPUTime);
    // The kernel reports non-negative seconds and nanoseconds below 10^9 for a CPU clock.
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// Pins the calling thread to `core` (modulo the cores there are); a machine that refuses
/// (a container without the permission) runs unpinned, and says so.
pub fn pin_to(core: usize) -> bool {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut set = CpuSet::new();
    set.set(core % cores);
    sched_setaffinity(None, &set).is_ok()
}
