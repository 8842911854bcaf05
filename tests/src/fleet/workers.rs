//! The worker processes, and the kill of one of them mid-batch.

use std::process::Child;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ringcentral_oauth::mock::FakeRingCentral;

use super::{CONCURRENCY, STEP_LIMIT};

/// The worker processes, killed if still running when dropped.
pub(super) struct Workers(pub(super) Vec<Child>);

impl Drop for Workers {
    fn drop(&mut self) {
        for child in &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// With every request held at the fake: waits until each worker that claimed this step has
/// its refreshes in flight (a worker sends at most `CONCURRENCY` at once, the rest of its
/// batch waits) and no more are coming, kills the worker holding the most with `kill -9`,
/// waits until the fake has dropped its requests, and lets the rest through.
#[allow(clippy::print_stderr, reason = "what was killed, for the log")]
pub(super) fn kill_mid_batch(
    workers: &mut Workers,
    claims: &Receiver<(usize, usize, u128)>,
    fake: &FakeRingCentral,
    now: SystemTime,
) {
    let step = now.duration_since(UNIX_EPOCH).unwrap().as_millis();
    let mut claimed = vec![0usize; workers.0.len()];
    let in_flight = |claimed: &[usize]| claimed.iter().map(|c| (*c).min(CONCURRENCY)).sum();
    let start = Instant::now();
    // Settled: the held requests are all the claims' in-flight ones, and nothing new came
    // for a while (every worker is stuck at the gate or found nothing due).
    let mut settled_since: Option<Instant> = None;
    loop {
        assert!(start.elapsed() < STEP_LIMIT, "the kill step did not settle");
        while let Ok((w, n, at)) = claims.try_recv() {
            if at == step {
                claimed[w] += n;
                settled_since = None;
            }
        }
        let expected: usize = in_flight(&claimed);
        if expected > 0 && fake.held_requests() == expected {
            let since = *settled_since.get_or_insert_with(Instant::now);
            if since.elapsed() > Duration::from_millis(200) {
                break;
            }
        } else {
            settled_since = None;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let (victim, _) = claimed.iter().enumerate().max_by_key(|(_, c)| **c).unwrap();
    let mut child = workers.0.remove(victim);
    eprintln!(
        "killing worker {victim}: {} claimed, {} refreshes in flight",
        claimed[victim],
        claimed[victim].min(CONCURRENCY)
    );
    child.kill().unwrap();
    child.wait().unwrap();
    // The others' requests stay held, including any from a claim that came in late: what is
    // held once the victim's are dropped is exactly the live workers' in-flight refreshes.
    claimed[victim] = 0;
    let start = Instant::now();
    loop {
        assert!(
            start.elapsed() < STEP_LIMIT,
            "the killed worker's requests dropped: not within {STEP_LIMIT:?}"
        );
        while let Ok((w, n, at)) = claims.try_recv() {
            if at == step && w != victim {
                claimed[w] += n;
            }
        }
        if fake.held_requests() == in_flight(&claimed) {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    fake.release_requests();
}
