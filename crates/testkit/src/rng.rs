//! The workspace's pinned pseudo-random generators, written once: tests, benchmarks, examples
//! and synthetic rounds draw from these, so that a seed names the same generated problem or
//! data set everywhere and forever (a failure is replayed from its seed).
//!
//! Not `rand`: its generators do not promise a sequence across versions, and none of the
//! `rand_*` crates implements xorshift64*, which made the data the project already holds.
//! The tests below pin both sequences.

/// xorshift64* (Marsaglia's xorshift with the 64-bit multiplier of Vigna 2016): the generator of
/// the project's generated problems, synthetic rounds and benchmark data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XorShift64Star(u64);

impl XorShift64Star {
    /// A generator in this exact state (which must not be 0: 0 stays 0).
    pub const fn from_state(state: u64) -> Self {
        XorShift64Star(state)
    }

    /// A generator for a small seed (0, 1, 2...): the seed spread over 64 bits by the golden
    /// ratio, made odd so that the state is never 0.
    pub const fn seeded(seed: u64) -> Self {
        XorShift64Star(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`next_u64() % n`; 0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// An index in `0..n` (as [`below`](Self::below)).
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// True with a chance of `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// A number in `[0, 1)` from the top 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Shuffles `v` in place (Fisher–Yates, from the end).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.index(i + 1);
            v.swap(i, j);
        }
    }
}

/// splitmix64 (Steele, Lea and Flood 2014): the generator of the criteria cross-check problems
/// and the Debian samples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting from `seed` (any value, 0 included).
    pub const fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`next_u64() % n`; 0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with a chance of `percent` in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sequences are part of the project's data: changing them changes every generated
    /// problem, so they are pinned here.
    #[test]
    fn sequences_are_pinned() {
        let mut x = XorShift64Star::seeded(0);
        let got: Vec<u64> = (0..3).map(|_| x.next_u64()).collect();
        assert_eq!(got, XORSHIFT_SEEDED_0);
        let mut x = XorShift64Star::from_state(0x9E37_79B9_7F4A_7C15);
        let got: Vec<u64> = (0..3).map(|_| x.next_u64()).collect();
        assert_eq!(got, XORSHIFT_GOLDEN);
        let mut s = SplitMix64::new(0);
        let got: Vec<u64> = (0..3).map(|_| s.next_u64()).collect();
        // The reference values of splitmix64 from seed 0.
        assert_eq!(
            got,
            [
                0xE220_A839_7B1D_CDAF,
                0x6E78_9E6A_A1B9_65F4,
                0x06C4_5D18_8009_454F
            ]
        );
    }

    /// Computed independently (Python, arbitrary-precision integers masked to 64 bits).
    const XORSHIFT_SEEDED_0: [u64; 3] = [
        0x47E4_CE4B_896C_DD1D,
        0xABCF_A6A8_E079_651D,
        0xB9D1_0D8F_EB73_1F57,
    ];
    const XORSHIFT_GOLDEN: [u64; 3] = [
        0x0D83_B3E2_9A21_487A,
        0x54C4_4C79_F1FE_9D67,
        0xA845_F342_007A_0E78,
    ];

    #[test]
    fn helpers() {
        let mut x = XorShift64Star::seeded(7);
        assert_eq!(x.below(0), 0);
        for _ in 0..1000 {
            assert!(x.below(6) < 6);
            let u = x.unit();
            assert!((0.0..1.0).contains(&u));
        }
        let mut v: Vec<u32> = (0..50).collect();
        x.shuffle(&mut v);
        let mut sorted = v.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        assert_ne!(v, sorted);
        assert!(!x.chance(0));
        assert!(x.chance(100));
    }
}
