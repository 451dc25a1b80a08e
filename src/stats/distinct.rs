//! Distinct counts by HyperLogLog (2^14 one-byte registers: a standard
//! error of 1.04/√16384 ≈ 0.8%), fed hashes the caller computes inline,
//! with Ertl's improved estimator ("New cardinality estimation algorithms
//! for HyperLogLog sketches", arXiv:1702.01284, algorithm 6), which needs
//! no bias tables and holds from one value to billions.
//!
//! Written here rather than taken from a crate: polars' HyperLogLog++
//! (used before) hashes every value itself through a call the compiler
//! did not inline, a third of a numeric column's profile, and takes no
//! hash of the caller's; a profile hashes a 16-byte string view or a
//! 64-bit key in a few instructions, in the pass that reads them anyway.

/// Bits of the hash that choose a register.
const P: u32 = 14;
/// Registers.
const M: usize = 1 << P;
/// Bits of the hash left for the run of zeros.
const Q: u32 = 64 - P;

/// The relative standard error of [`Distinct::count`]: 1.04/√M.
pub const RELATIVE_ERROR: f64 = 1.04 / 128.0;

/// A HyperLogLog sketch of the hashes [`Distinct::add`] was given.
#[derive(Clone)]
pub struct Distinct {
    registers: Box<[u8; M]>,
}

impl Default for Distinct {
    fn default() -> Self {
        Distinct {
            registers: Box::new([0; M]),
        }
    }
}

/// A 64-bit hash of `k` whose every bit depends on every bit of `k`
/// (MurmurHash3's finalizer): keys that differ in their low bits alone, as
/// integers do, spread over all registers. (One folded multiplication by a
/// constant was tried: keys apart by 2^20 then fell in a few registers.)
#[inline(always)]
pub fn hash_u64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ k >> 33
}

/// A 64-bit hash of 16 bytes (a string view that holds its string).
#[inline(always)]
pub fn hash_u128(k: u128) -> u64 {
    hash_u64(k as u64 ^ hash_u64((k >> 64) as u64))
}

/// Hashes `keys` by [`hash_u64`] into `out` (of at least their length),
/// eight at a time where the processor multiplies eight 64-bit numbers at
/// once (AVX-512), else one by one.
#[inline]
pub fn hash_u64_all(keys: &[u64], out: &mut [u64]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx512dq") {
        // SAFETY: the processor has the features the function is built
        // for, as just checked.
        unsafe { hash_u64_all_avx512(keys, out) };
        return;
    }
    for (o, &k) in out.iter_mut().zip(keys) {
        *o = hash_u64(k);
    }
}

/// [`hash_u64_all`] built for AVX-512 (the compiler vectorises the loop).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
fn hash_u64_all_avx512(keys: &[u64], out: &mut [u64]) {
    for (o, &k) in out.iter_mut().zip(keys) {
        *o = hash_u64(k);
    }
}

impl Distinct {
    /// Counts the value whose hash is `hash`.
    #[inline(always)]
    pub fn add(&mut self, hash: u64) {
        let index = (hash as usize) & (M - 1);
        // The run of zeros in the other bits, plus one (at most Q + 1);
        // trailing, not leading: x86-64's baseline has an instruction for
        // the one (tzcnt runs as bsf), not the other.
        let rank = ((hash >> P) | 1 << Q).trailing_zeros() as u8 + 1;
        let r = &mut self.registers[index];
        // Stored only when it grows, which past the first values is
        // seldom: a store at every value (`max`) made each load of a
        // register wait on the stores before it (a profile's HyperLogLog
        // columns 10-14% slower, BENCHMARKS.md).
        if rank > *r {
            *r = rank;
        }
    }

    /// The estimated number of distinct values added.
    pub fn count(&self) -> u64 {
        let mut c = [0u32; Q as usize + 2];
        for &r in self.registers.iter() {
            c[r as usize] += 1;
        }
        let m = M as f64;
        let mut z = m * tau((m - c[Q as usize + 1] as f64) / m);
        for &k in c[1..=Q as usize].iter().rev() {
            z = 0.5 * (z + k as f64);
        }
        z += m * sigma(c[0] as f64 / m);
        let alpha_inf = 0.5 / std::f64::consts::LN_2;
        (alpha_inf * m * m / z).round() as u64
    }
}

/// σ(x) = x + Σ_{k≥1} x^(2^k) 2^(k-1), for the registers still zero.
fn sigma(x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let (mut x, mut y, mut z) = (x, 1.0, x);
    loop {
        x *= x;
        let before = z;
        z += x * y;
        y += y;
        if z == before {
            return z;
        }
    }
}

/// τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))² 2^-k) / 3, for the registers
/// at their largest.
fn tau(x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let (mut x, mut y, mut z) = (x, 1.0, 1.0 - x);
    loop {
        x = x.sqrt();
        let before = z;
        y *= 0.5;
        z -= (1.0 - x).powi(2) * y;
        if z == before {
            return z / 3.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Estimates of `n` distinct integers, each added three times, lie
    /// within four standard errors (4 × 0.81%) of `n`; small counts are
    /// exact or nearly (the estimator's linear-counting regime).
    #[test]
    fn estimates_lie_within_the_standard_error() {
        for n in [
            0u64, 1, 2, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 3_000_000,
        ] {
            let mut d = Distinct::default();
            for _ in 0..3 {
                for i in 0..n {
                    d.add(hash_u64(i * 7 + 3));
                }
            }
            let got = d.count() as f64;
            let bound = (4.0 * 1.04 / (M as f64).sqrt() * n as f64).max(1.0);
            assert!((got - n as f64).abs() <= bound, "{n}: estimated {got}");
        }
    }

    /// Keys as columns make them: consecutive integers (sign bit flipped,
    /// as profiles key them), integers far apart, integral floats (whose
    /// low bits are all zero), fractions, and short strings' views:
    /// every estimate lies within four standard errors.
    #[test]
    fn estimates_of_structured_keys_lie_within_the_standard_error() {
        use crate::stats::quantiles::key;
        fn view(s: String) -> u128 {
            let mut b = [0u8; 16];
            b[..4].copy_from_slice(&(s.len() as u32).to_le_bytes());
            b[4..4 + s.len()].copy_from_slice(s.as_bytes());
            u128::from_le_bytes(b)
        }
        // Each case's key of the i-th value, hashed.
        type Hash = fn(u64) -> u64;
        let cases: [(&str, Hash); 5] = [
            ("consecutive", |i| hash_u64(i ^ 1 << 63)),
            ("strided", |i| hash_u64((i << 20) ^ 1 << 63)),
            ("integral floats", |i| hash_u64(key(i as f64))),
            ("fractions", |i| hash_u64(key(i as f64 * 1e-3 - 7.0))),
            ("views", |i| hash_u128(view(format!("m-{i}")))),
        ];
        for n in [1_000u64, 50_000, 400_000, 2_000_000] {
            for (what, hash) in cases {
                let mut d = Distinct::default();
                (0..n).for_each(|i| d.add(hash(i)));
                let got = d.count() as f64;
                let err = (got - n as f64) / n as f64;
                assert!(err.abs() <= 4.0 * RELATIVE_ERROR, "{what}, {n}: {got}");
            }
        }
    }

    /// Hashed eight at a time (AVX-512, where the processor has it: on
    /// this project's machines) or one by one, a key has one hash.
    #[test]
    fn keys_hashed_together_hash_as_each_alone() {
        let keys: Vec<u64> = (0..1_003u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i << 40)
            .collect();
        let mut out = vec![0; keys.len()];
        hash_u64_all(&keys, &mut out);
        let each: Vec<u64> = keys.iter().map(|&k| hash_u64(k)).collect();
        assert_eq!(out, each);
    }

    #[test]
    fn views_that_differ_in_either_half_are_told_apart() {
        let mut d = Distinct::default();
        for i in 0..50_000u128 {
            d.add(hash_u128(i << 64));
            d.add(hash_u128(i));
        }
        let got = d.count() as f64;
        assert!((got - 99_999.0).abs() < 4.0 * 0.0081 * 1e5, "{got}");
    }
}
