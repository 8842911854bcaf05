//! What the whole process uses: resident memory and CPU time. Shared by the `connections` and
//! `fleet` benchmarks (each includes this file as a module).

use std::time::Duration;

use rustix::time::{ClockId, clock_gettime};

/// Resident memory, in KiB, from `/proc/self/statm` (4 KiB pages).
pub fn rss_kb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4
}

/// CPU time the whole process has used so far (`CLOCK_PROCESS_CPUTIME_ID`).
#[allow(dead_code, reason = "the fleet benchmark measures memory only")]
pub fn process_cpu() -> Duration {
    let t = clock_gettime(ClockId::ProcessCPUTime);
    Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}
