//! Deterministic randomness: every random choice the mocks make (seeded data,
//! ids, fault decisions) comes from a ChaCha8 stream derived from the
//! configured seed, never from the wall clock.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The generator used everywhere.
pub(crate) type MockRng = ChaCha8Rng;

/// Mixes a seed and a stream number into one well-spread 64-bit value
/// (SplitMix64's finaliser), so that nearby inputs give unrelated streams.
pub(crate) fn mix(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Separate streams per purpose, so that e.g. seeding more records does not
/// change the fault decisions.
pub(crate) mod stream {
    /// Seeded records.
    pub const SEED: u64 = 1;
    /// Ids and request references minted while serving.
    pub const IDS: u64 = 2;
    /// The base of the per-request fault streams.
    pub const FAULTS: u64 = 0x00FA_0000_0000;
}

/// A generator for `purpose` under `seed`.
pub(crate) fn rng(seed: u64, purpose: u64) -> MockRng {
    MockRng::seed_from_u64(mix(seed, purpose))
}

/// A reference such as Gong's `requestId` (`4al018gzaztcr8nbukw`): 19
/// lower-case base-36 characters.
pub(crate) fn request_ref(rng: &mut MockRng) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..19)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

/// A UUIDv7 whose timestamp is `unix_ms` and whose other bits come from `rng`:
/// shaped like ConeCRM's ids, ordered by creation, and reproducible.
pub(crate) fn uuid_v7(unix_ms: u64, rng: &mut MockRng) -> uuid::Uuid {
    let mut random = [0u8; 10];
    rng.fill(&mut random);
    uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: u64 = rng(7, stream::SEED).random();
        let b: u64 = rng(7, stream::SEED).random();
        let c: u64 = rng(7, stream::IDS).random();
        let d: u64 = rng(8, stream::SEED).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn v7_ids_carry_their_timestamp() {
        let mut r = rng(1, stream::IDS);
        let id = uuid_v7(1_700_000_000_000, &mut r);
        assert_eq!(id.get_version_num(), 7);
        let (secs, _) = id.get_timestamp().map(|t| t.to_unix()).unwrap_or((0, 0));
        assert_eq!(secs, 1_700_000_000);
    }

    #[test]
    fn request_refs_look_like_gongs() {
        let mut r = rng(1, stream::IDS);
        let id = request_ref(&mut r);
        assert_eq!(id.len(), 19);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        );
    }
}
