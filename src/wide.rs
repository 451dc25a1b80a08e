//! Loops built for the vector instructions the processor running them has,
//! chosen at run time: the crate is built for x86-64's baseline (SSE2),
//! which has no 64-bit shift or comparison by the vector, so that a loop
//! over 64-bit keys ran a value at a time (BENCHMARKS.md, twenty-eighth
//! session). [`by_width!`] builds one `#[inline(always)]` function's body
//! for AVX-512, for AVX2 and for the baseline, and picks one by a [`Wide`].

/// Which instructions loops are built for, as the processor has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Wide {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Wide {
    /// The widest the processor has (std caches what it detects).
    pub fn here() -> Wide {
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::is_x86_feature_detected as has;
            if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("avx2") {
                return Wide::Avx512;
            }
            if has!("avx2") {
                return Wide::Avx2;
            }
        }
        Wide::Baseline
    }

    /// Every width the processor has, narrowest first (for tests that
    /// hold each to the baseline).
    pub fn all_here() -> Vec<Wide> {
        let mut all = vec![Wide::Baseline];
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                all.push(Wide::Avx2);
            }
            if Wide::here() == Wide::Avx512 {
                all.push(Wide::Avx512);
            }
        }
        all
    }
}

/// `fn NAME<GENERICS>(wide: Wide, ARGS) -> OUT = BODY<PARAMS>;` defines
/// `NAME`, which runs `BODY` (an `#[inline(always)]` function of `ARGS`)
/// built for the instructions `wide` names. `wide` must be one the
/// processor has ([`Wide::here`], [`Wide::all_here`]). Each width's build
/// is a function of the arguments themselves (passed in registers: a
/// struct of them, passed by reference, cost 3% on a call per 64 keys).
macro_rules! by_width {
    (
        $(#[$doc:meta])*
        fn $name:ident[$($decl:tt)*](wide: Wide, $($a:ident: $t:ty),* $(,)?) -> $out:ty
            = $body:ident[$($use:tt)*];
    ) => {
        $(#[$doc])*
        #[inline(always)]
        fn $name<$($decl)*>(wide: $crate::wide::Wide, $($a: $t),*) -> $out {
            match wide {
                #[cfg(target_arch = "x86_64")]
                $crate::wide::Wide::Avx512 => {
                    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2")]
                    fn avx512<$($decl)*>($($a: $t),*) -> $out {
                        $body::<$($use)*>($($a),*)
                    }
                    // SAFETY: `Wide::Avx512` is made only where the
                    // processor has these features (`Wide::here`).
                    unsafe { avx512::<$($use)*>($($a),*) }
                }
                #[cfg(target_arch = "x86_64")]
                $crate::wide::Wide::Avx2 => {
                    #[target_feature(enable = "avx2")]
                    fn avx2<$($decl)*>($($a: $t),*) -> $out {
                        $body::<$($use)*>($($a),*)
                    }
                    // SAFETY: as above, for AVX2.
                    unsafe { avx2::<$($use)*>($($a),*) }
                }
                $crate::wide::Wide::Baseline => $body::<$($use)*>($($a),*),
            }
        }
    };
}
pub(crate) use by_width;

/// Copies the values of `from` (at most 64) whose bit is set in `keep`
/// (bit `i` for `from[i]`; none past its end) to the front of `out`, in
/// order, and returns how many. `out` must hold `from.len()` rounded up to
/// eight values: AVX-512 compresses eight at a time into a register and
/// stores all eight (the compressing store to memory is microcoded on
/// AMD's processors). A value taken one set bit at a time waited on the
/// last one's store: with 1% nulls, each numeric column's profile took
/// 5-6 ms more in 10M values (BENCHMARKS.md, thirty-eighth session).
#[inline(always)]
pub fn keep_set(wide: Wide, from: &[u64], keep: u64, out: &mut [u64]) -> usize {
    debug_assert!(from.len() <= 64 && (from.len() == 64 || keep >> from.len() == 0));
    #[cfg(target_arch = "x86_64")]
    if wide == Wide::Avx512 {
        assert!(out.len() >= from.len().next_multiple_of(8));
        // SAFETY: `Wide::Avx512` is made only where the processor has
        // AVX-512F (`Wide::here`); `out`'s length was checked above.
        return unsafe { keep_set_avx512(from, keep, out) };
    }
    let _ = wide;
    let mut kept = 0;
    let mut w = keep;
    while w != 0 {
        out[kept] = from[w.trailing_zeros() as usize];
        kept += 1;
        w &= w - 1;
    }
    kept
}

/// [`keep_set`] eight values at a time: each group's kept values
/// compressed to the front of a register, stored whole where the last
/// group's ended.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn keep_set_avx512(from: &[u64], keep: u64, out: &mut [u64]) -> usize {
    use std::arch::x86_64::{
        _mm512_maskz_compress_epi64, _mm512_maskz_loadu_epi64, _mm512_storeu_si512,
    };
    let mut kept = 0;
    for start in (0..from.len()).step_by(8) {
        let group = (keep >> start) as u8;
        // Lanes past `from`'s end are masked out of the load (`keep` has
        // no bit there), which does not touch their memory.
        let lanes = u8::MAX >> (8 - (from.len() - start).min(8));
        // SAFETY: the load reads only `from[start..start + 8]`'s lanes
        // within `from` (the mask); the store writes `out[kept..kept +
        // 8]`, within `out` as `kept <= start` and `out` holds `from`'s
        // length rounded up to eight.
        unsafe {
            let v = _mm512_maskz_loadu_epi64(lanes, from.as_ptr().add(start).cast());
            let packed = _mm512_maskz_compress_epi64(group, v);
            _mm512_storeu_si512(out.as_mut_ptr().add(kept).cast(), packed);
        }
        kept += group.count_ones() as usize;
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Every width keeps exactly the values whose bit is set, in order,
    /// for every length up to 64 (groups cut short too) and masks from
    /// none to all; what it writes past them is not read.
    #[test]
    fn keep_set_keeps_the_set_bits_values_in_order() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(38);
        for wide in Wide::all_here() {
            for len in 0..=64usize {
                let from: Vec<u64> = (0..len as u64).map(|i| i * 1_000 + 7).collect();
                let all = if len == 64 { u64::MAX } else { (1 << len) - 1 };
                for keep in [0, all, rng.random::<u64>() & all, rng.random::<u64>() & all] {
                    let expected: Vec<u64> = (0..len)
                        .filter(|i| keep >> i & 1 == 1)
                        .map(|i| from[i])
                        .collect();
                    let mut out = vec![u64::MAX; len.next_multiple_of(8)];
                    let kept = keep_set(wide, &from, keep, &mut out);
                    assert_eq!(
                        &out[..kept],
                        &expected[..],
                        "{wide:?}, {len} values, {keep:#x}"
                    );
                }
            }
        }
    }
}
