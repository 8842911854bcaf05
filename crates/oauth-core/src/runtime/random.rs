//! Randomness, from the operating system's CSPRNG through ring (already built for rustls, so
//! no second random-number crate is compiled): states, PKCE verifiers, nonces, lock owners,
//! file suffixes and retry jitter.

use ring::rand::{SecureRandom, SystemRandom};

/// `N` random bytes.
///
/// # Panics
///
/// When the operating system cannot supply randomness (no `getrandom` and no `/dev/urandom`):
/// there is then no safe state, verifier or nonce to hand out, and nothing a caller could do
/// instead.
pub fn bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // The OS generator does not fail once the process runs (getrandom(2) blocks only until
    // the kernel's pool is first seeded, at boot); there is no safe fallback if it did.
    SystemRandom::new()
        .fill(&mut bytes)
        .expect("the operating system's CSPRNG is available");
    bytes
}

/// A number in `0..=max`, for jitter (the modulo's bias, below 2^-32 for the small ranges
/// jitter uses, does not matter there).
pub fn up_to(max: u64) -> u64 {
    let n = u64::from_le_bytes(bytes());
    match max.checked_add(1) {
        Some(range) => n % range,
        None => n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_in_range_and_bytes_vary() {
        for max in [0, 1, 7, 1000] {
            for _ in 0..200 {
                assert!(up_to(max) <= max);
            }
        }
        assert_eq!(up_to(0), 0);
        // Every value of a small range turns up (missing one of 8 in 400 draws has odds below
        // 10^-22): a modulo off by one would never give 7.
        let mut seen = [false; 8];
        for _ in 0..400 {
            seen[up_to(7) as usize] = true;
        }
        assert_eq!(seen, [true; 8]);
        // The full range (where `max + 1` overflows) uses all 64 bits: 64 draws all below 2^32
        // would have odds of 2^-2048.
        assert!((0..64).any(|_| up_to(u64::MAX) > u64::from(u32::MAX)));
        // 128 random bits repeating would be a broken generator, not chance.
        assert_ne!(bytes::<16>(), bytes::<16>());
    }
}
