//! Floats put in order for the KS walk and the summaries: a quicksort by
//! AVX-512 vectors where the processor has them, else voracious's radix
//! sort.
//!
//! Hand-written because no well-kept crate does it: the one Rust binding
//! of a vectorized quicksort (`vqsort-rs`, of Highway) needs the system's
//! `libhwy-contrib`, and voracious's radix sort, the best of the pure Rust
//! sorts measured here, took 86-112 ms for 10M floats where numpy's
//! AVX-512 sort took 60 (BENCHMARKS.md, fiftieth session). The quicksort
//! is the shape of Intel's x86-simd-sort: each partition reads 32 values
//! at a time from whichever end has less room written, and stores each
//! vector whole to both sides, its values below the pivot first and the
//! others last (a permutation from a table of the 256 masks), so that no
//! store is a slow compress to memory. Parts of at most 128 values are
//! sorted in up to 16 registers by a bitonic network laid out so that its
//! first layers sort each lane across the registers with min and max
//! alone, and only the last three merges move values between lanes; the
//! registers are then transposed into order.

/// Sorts `values` ascending. They must hold no NaN (the callers count NaN
/// as null and leave it out); -0.0 and 0.0, equal as numbers, come in
/// either order.
pub fn floats(values: &mut [f64]) {
    #[cfg(target_arch = "x86_64")]
    if vectors_here() {
        // SAFETY: the processor has AVX-512F and POPCNT (just asked).
        unsafe { avx512::sort(values, 1) };
        return;
    }
    radix(values);
}

/// [`floats`] on every core of rayon's pool: the one sort a column of a
/// keyed table waits for when head's numbers are made from base's (the key
/// by key comparison beside it is often shorter). The quicksort's two
/// parts of each partition are sorted beside each other until there are
/// eight parts a core (so that a core whose parts were small takes
/// another's): 10M normal floats on two cores took 34-36 ms, against 37-39
/// with four parts a core, 51-55 for voracious's radix sort on two threads
/// and 58-60 on one (BENCHMARKS.md, fifty-first session).
///
/// Without the vectors, voracious's radix sort on as many threads of its
/// own, which unwraps their creation: where the system refuses threads,
/// that panic, raised before any number is moved, is caught and the
/// numbers are sorted on this thread instead. Any other panic goes on.
pub fn floats_on_every_core(values: &mut [f64]) {
    let threads = rayon::current_num_threads();
    #[cfg(target_arch = "x86_64")]
    if vectors_here() {
        // SAFETY: the processor has AVX-512F and POPCNT (just asked).
        unsafe { avx512::sort(values, 8 * threads) };
        return;
    }
    radix_on_threads(values, threads);
}

/// voracious's radix sort on `threads` threads of its own, else (the
/// system refused them) on this one.
fn radix_on_threads(values: &mut [f64], threads: usize) {
    let on_every_core = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        voracious_radix_sort::RadixSort::voracious_mt_sort(&mut *values, threads)
    }));
    if let Err(panic) = on_every_core {
        let message = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if !message.contains("ThreadPoolBuildError") {
            std::panic::resume_unwind(panic);
        }
        radix(values);
    }
}

/// voracious's radix sort: four 10M-float sorts at once took 0.39-0.55 s
/// of CPU against rdst's 0.45-0.70 s, radsort's 0.6 s and the standard
/// library's 0.45 s for one (BENCHMARKS.md). Unstable is fine: equal
/// floats are interchangeable.
fn radix(values: &mut [f64]) {
    voracious_radix_sort::RadixSort::voracious_sort(values);
}

/// Whether [`floats`] sorts by AVX-512 vectors here.
#[cfg(target_arch = "x86_64")]
fn vectors_here() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("popcnt")
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    /// Parts of at most this many values are sorted in registers.
    const SMALL: usize = 128;
    /// Vectors a partition reads at a time from one end.
    const UNROLL: usize = 4;

    /// For each mask of 8 lanes, the lanes it sets in order, then the
    /// others: a vector's values below the pivot first.
    const FIRST_SET: [[i64; 8]; 256] = {
        let mut table = [[0i64; 8]; 256];
        let mut mask = 0;
        while mask < 256 {
            let mut at = 0;
            let mut set = 0;
            while set < 2 {
                let mut lane = 0;
                while lane < 8 {
                    if (mask >> lane) & 1 == 1 - set {
                        table[mask][at] = lane as i64;
                        at += 1;
                    }
                    lane += 1;
                }
                set += 1;
            }
            mask += 1;
        }
        table
    };

    /// Parts of fewer values than this are sorted on the thread that
    /// partitioned them (half a megabyte).
    const BESIDE: usize = 1 << 16;

    /// Sorts `values` (no NaN) ascending, in up to `parts` parts sorted
    /// beside each other on rayon's pool. After more halvings than twice
    /// their count's bits (pivots chosen badly again and again), a part is
    /// left to the radix sort.
    ///
    /// # Safety
    /// The processor must have AVX-512F and POPCNT.
    #[target_feature(enable = "avx512f,popcnt")]
    pub(super) unsafe fn sort(values: &mut [f64], parts: usize) {
        let depth = 2 * (usize::BITS - values.len().leading_zeros());
        // SAFETY: as this function's.
        unsafe { quicksort(values, depth, parts) }
    }

    #[target_feature(enable = "avx512f,popcnt")]
    unsafe fn quicksort(values: &mut [f64], depth: u32, parts: usize) {
        if values.len() <= SMALL {
            // SAFETY: the features are enabled; at most 128 values.
            unsafe { small(values) };
            return;
        }
        if depth == 0 {
            super::radix(values);
            return;
        }
        let pivot = pivot(values);
        // SAFETY: more than 128 values (the partition needs 64).
        let below = unsafe { partition::<false>(values, pivot) };
        if below == 0 {
            // The pivot is the smallest value: the values equal to it are
            // put first, in their place; the rest, fewer, go on. (Every
            // value the pivot's: nothing goes on.)
            // SAFETY: as above.
            let equal = unsafe { partition::<true>(values, pivot) };
            // SAFETY: the features are enabled.
            unsafe { quicksort(&mut values[equal..], depth - 1, parts) };
            return;
        }
        let beside = parts > 1 && values.len() >= BESIDE;
        let (low, high) = values.split_at_mut(below);
        // SAFETY (each): the features are enabled.
        match beside {
            true => {
                let parts = parts / 2;
                rayon::join(
                    || unsafe { quicksort(low, depth - 1, parts) },
                    || unsafe { quicksort(high, depth - 1, parts) },
                );
            }
            false => unsafe {
                quicksort(low, depth - 1, 1);
                quicksort(high, depth - 1, 1);
            },
        }
    }

    /// The middle of 16 values spread over `values` (more than 32).
    #[target_feature(enable = "avx512f,popcnt")]
    fn pivot(values: &[f64]) -> f64 {
        let n = values.len();
        let mut sample: [f64; 16] = std::array::from_fn(|i| values[i * n / 16 + n / 32]);
        // SAFETY: the features are enabled.
        unsafe { small_in::<2>(&mut sample) };
        sample[8]
    }

    /// Puts the values below `pivot` (at most it, when `AT_MOST`) first, in
    /// place, and returns how many there are. `values` holds more than
    /// `16 * UNROLL`.
    ///
    /// `UNROLL` vectors from each end are set aside first, so that the
    /// places not yet written hold 16 * UNROLL values. Each step reads
    /// `UNROLL` vectors from the end with fewer such places (it then has at
    /// least 8 * UNROLL, the other as many): each vector is stored whole at
    /// both ends, permuted so that its values below the pivot come first
    /// (kept at the low end) and the others last (kept at the high end);
    /// the rest of each store is written over later. The last values, and
    /// the vectors set aside, go where exactly as many places are left.
    ///
    /// # Safety
    /// The processor must have AVX-512F and POPCNT; `values.len() > 64`.
    #[target_feature(enable = "avx512f,popcnt")]
    unsafe fn partition<const AT_MOST: bool>(values: &mut [f64], pivot: f64) -> usize {
        let n = values.len();
        debug_assert!(n > 16 * UNROLL);
        let p = values.as_mut_ptr();
        let pivots = _mm512_set1_pd(pivot);
        let below = |v: __m512d| -> u8 {
            match AT_MOST {
                true => _mm512_cmp_pd_mask::<_CMP_LE_OQ>(v, pivots),
                false => _mm512_cmp_pd_mask::<_CMP_LT_OQ>(v, pivots),
            }
        };
        // SAFETY (every pointer below): reads lie in [0, n); the invariant
        // above keeps each whole store within places already read.
        unsafe {
            let aside: [__m512d; 2 * UNROLL] = std::array::from_fn(|i| match i < UNROLL {
                true => _mm512_loadu_pd(p.add(8 * i)),
                false => _mm512_loadu_pd(p.add(n - 8 * (i - UNROLL + 1))),
            });
            // Unread values: [read_low, read_high); written: [0, low) and
            // [high, n).
            let (mut read_low, mut read_high) = (8 * UNROLL, n - 8 * UNROLL);
            let (mut low, mut high) = (0usize, n);
            let whole = |v: __m512d, low: &mut usize, high: &mut usize| {
                let mask = below(v);
                let count = mask.count_ones() as usize;
                let order = _mm512_loadu_si512(FIRST_SET[mask as usize].as_ptr().cast());
                let v = _mm512_permutexvar_pd(order, v);
                _mm512_storeu_pd(p.add(*low), v);
                _mm512_storeu_pd(p.add(*high - 8), v);
                *low += count;
                *high -= 8 - count;
            };
            while read_high - read_low >= 8 * UNROLL {
                let from = from_end(8 * UNROLL, (&mut read_low, &mut read_high), (low, high));
                let read: [__m512d; UNROLL] =
                    std::array::from_fn(|i| _mm512_loadu_pd(p.add(from + 8 * i)));
                for v in read {
                    whole(v, &mut low, &mut high);
                }
            }
            while read_high - read_low >= 8 {
                let from = from_end(8, (&mut read_low, &mut read_high), (low, high));
                whole(_mm512_loadu_pd(p.add(from)), &mut low, &mut high);
            }
            // The lanes `lanes` of `v`, where exactly as many places are
            // left: compressed in registers and stored under a mask (a
            // compress to memory is microcoded and slow on AMD's cores).
            let mut exact = |v: __m512d, lanes: u8| {
                let low_lanes = below(v) & lanes;
                let high_lanes = !low_lanes & lanes;
                let first = |count: u32| ((1u16 << count) - 1) as u8;
                let (to_low, to_high) = (low_lanes.count_ones(), high_lanes.count_ones());
                let compressed = _mm512_maskz_compress_pd(low_lanes, v);
                _mm512_mask_storeu_pd(p.add(low), first(to_low), compressed);
                low += to_low as usize;
                high -= to_high as usize;
                let compressed = _mm512_maskz_compress_pd(high_lanes, v);
                _mm512_mask_storeu_pd(p.add(high), first(to_high), compressed);
            };
            let left = read_high - read_low;
            if left > 0 {
                let lanes = ((1u16 << left) - 1) as u8;
                exact(_mm512_maskz_loadu_pd(lanes, p.add(read_low)), lanes);
            }
            for v in aside {
                exact(v, 0xFF);
            }
            debug_assert_eq!(low, high);
            low
        }
    }

    /// Where the next `count` unread values are read from: the end of the
    /// unread `[read_low, read_high)` with fewer places written
    /// (`[0, low)` and `[high, n)`) but not yet read; that end moves past
    /// them.
    #[inline(always)]
    fn from_end(
        count: usize,
        (read_low, read_high): (&mut usize, &mut usize),
        (low, high): (usize, usize),
    ) -> usize {
        if *read_low - low <= high - *read_high {
            *read_low += count;
            *read_low - count
        } else {
            *read_high -= count;
            *read_high
        }
    }

    /// Sorts at most 128 values in registers, the places past them filled
    /// with +inf.
    ///
    /// # Safety
    /// The processor must have AVX-512F; `values.len() <= 128`.
    #[target_feature(enable = "avx512f,popcnt")]
    unsafe fn small(values: &mut [f64]) {
        // SAFETY: as this function's; each takes up to its 8R values.
        unsafe {
            match values.len() {
                0 | 1 => {}
                2..=8 => small_in::<1>(values),
                9..=16 => small_in::<2>(values),
                17..=32 => small_in::<4>(values),
                33..=64 => small_in::<8>(values),
                _ => small_in::<16>(values),
            }
        }
    }

    /// Sorts more than `4 * R` (when R > 1) and at most `8 * R` values in
    /// `R` registers: the places past them filled with +inf, the registers
    /// sorted by [`network`], put back in row order by [`rows`] and stored.
    /// The first half of the registers is whole; the others are loaded and
    /// stored under masks, each unconditionally (a mask may be empty), so
    /// that nothing branches.
    #[inline(always)]
    unsafe fn small_in<const R: usize>(values: &mut [f64]) {
        let n = values.len();
        debug_assert!(n <= 8 * R && (R == 1 || n > 4 * R));
        let lanes = |a: usize| -> u8 { ((1u16 << n.saturating_sub(8 * a).min(8)) - 1) as u8 };
        let p = values.as_mut_ptr();
        // SAFETY: the first R / 2 registers' places are values; masked
        // loads and stores touch only the values' places.
        unsafe {
            let inf = _mm512_set1_pd(f64::INFINITY);
            let mut r: [__m512d; R] = std::array::from_fn(|a| match a < R / 2 {
                true => _mm512_loadu_pd(p.add(8 * a)),
                false => _mm512_mask_loadu_pd(inf, lanes(a), p.wrapping_add(8 * a)),
            });
            network(&mut r);
            for (a, v) in rows(r).into_iter().enumerate() {
                match a < R / 2 {
                    true => _mm512_storeu_pd(p.add(8 * a), v),
                    false => _mm512_mask_storeu_pd(p.wrapping_add(8 * a), lanes(a), v),
                }
            }
        }
    }

    /// The layers `M` of a sorting network over `8 * $R` values.
    macro_rules! layers {
        ($r:ident, $R:literal; $($m:literal)*) => {{
            // SAFETY: `network`'s R is $R (its match arm); the callers
            // enable AVX-512F.
            unsafe {
                let r = &mut *($r.as_mut_ptr() as *mut [__m512d; $R]);
                $( layer::<$R, $m>(r); )*
            }
        }};
    }

    /// Sorts the `8 * R` values of `r` in column order: value `e` (its
    /// rank once sorted) in register `e % R`, lane `e / R`. A bitonic
    /// network in which every exchange puts the smaller value at the lower
    /// `e`: blocks of `K` = 2, 4, ... values are merged by exchanging each
    /// value with its mirror in the block (`e ^ (K - 1)`), then with the
    /// value `J` = K/4, K/8, ..., 1 apart.
    ///
    /// So the first layers (`M < R`) sort each lane across the registers
    /// with min and max alone; only the layers of the last three blocks
    /// move values between lanes.
    ///
    /// # Safety
    /// The processor must have AVX-512F.
    #[inline(always)]
    unsafe fn network<const R: usize>(r: &mut [__m512d; R]) {
        match R {
            1 => layers!(r, 1; 1 3 1 7 2 1),
            2 => layers!(r, 2; 1 3 1 7 2 1 15 4 2 1),
            4 => layers!(r, 4; 1 3 1 7 2 1 15 4 2 1 31 8 4 2 1),
            8 => layers!(r, 8; 1 3 1 7 2 1 15 4 2 1 31 8 4 2 1 63 16 8 4 2 1),
            16 => layers!(r, 16; 1 3 1 7 2 1 15 4 2 1 31 8 4 2 1 63 16 8 4 2 1
                127 32 16 8 4 2 1),
            _ => unreachable!("R is 1, 2, 4, 8 or 16"),
        }
    }

    /// One layer of [`network`]: value `e` and value `e ^ M` exchanged
    /// where out of order. Every exchange is a min and a max whose second
    /// operand is the value's own, which x86 returns on a tie: so -0.0 and
    /// 0.0 each stay where they are rather than becoming two of one.
    ///
    /// # Safety
    /// The processor must have AVX-512F.
    #[inline(always)]
    unsafe fn layer<const R: usize, const M: usize>(r: &mut [__m512d; R]) {
        // SAFETY: as this function's.
        unsafe {
            let (registers, lanes) = (M % R, M / R);
            if lanes == 0 {
                // The same lane of two registers: the smaller to the lower.
                for a in 0..R {
                    let b = a ^ registers;
                    if b > a {
                        let (x, y) = (r[a], r[b]);
                        r[a] = _mm512_min_pd(y, x);
                        r[b] = _mm512_max_pd(x, y);
                    }
                }
                return;
            }
            // Lane `l` with lane `l ^ lanes`: the upper of the two keeps
            // the larger value.
            let partner = _mm512_loadu_si512(const { partner_lanes(M / R) }.as_ptr().cast());
            let upper = const { upper_lanes(M / R) };
            for a in 0..R {
                let b = a ^ registers;
                if b < a {
                    continue;
                }
                let (x, y) = (r[a], _mm512_permutexvar_pd(partner, r[b]));
                r[a] = _mm512_mask_blend_pd(upper, _mm512_min_pd(y, x), _mm512_max_pd(y, x));
                if b != a {
                    let y = _mm512_mask_blend_pd(upper, _mm512_max_pd(x, y), _mm512_min_pd(x, y));
                    r[b] = _mm512_permutexvar_pd(partner, y);
                }
            }
        }
    }

    /// For each lane `l`, lane `l ^ lanes`.
    const fn partner_lanes(lanes: usize) -> [i64; 8] {
        let mut order = [0i64; 8];
        let mut l = 0;
        while l < 8 {
            order[l] = (l ^ lanes) as i64;
            l += 1;
        }
        order
    }

    /// The lanes `l` above their partner `l ^ lanes` (none when `lanes` is
    /// 0: the layer's values are in other registers).
    const fn upper_lanes(lanes: usize) -> u8 {
        if lanes == 0 {
            return 0;
        }
        let top = 1 << (usize::BITS - 1 - lanes.leading_zeros());
        let mut mask = 0u8;
        let mut l = 0;
        while l < 8 {
            if l & top != 0 {
                mask |= 1 << l;
            }
            l += 1;
        }
        mask
    }

    /// [`network`]'s column order put in row order, register `e / 8` and
    /// lane `e % 8`. Value `e`'s register index is its low bits and its
    /// lane its three above; bit `k` of the register index is swapped with
    /// a bit of the lane ([`swap_bits`]) until the register index holds
    /// the high bits. With 16 registers that is the transpose of each 8;
    /// with 2 or 4 the lanes' bits are then put in order.
    ///
    /// # Safety
    /// The processor must have AVX-512F.
    #[inline(always)]
    unsafe fn rows<const R: usize>(mut r: [__m512d; R]) -> [__m512d; R] {
        // SAFETY: as this function's.
        unsafe {
            match R {
                1 => r,
                2 => {
                    swap_bits::<R, 0, 2>(&mut r);
                    lanes_in_order::<R, 1>(r)
                }
                4 => {
                    swap_bits::<R, 0, 1>(&mut r);
                    swap_bits::<R, 1, 2>(&mut r);
                    lanes_in_order::<R, 2>(r)
                }
                _ => {
                    swap_bits::<R, 0, 0>(&mut r);
                    swap_bits::<R, 1, 1>(&mut r);
                    swap_bits::<R, 2, 2>(&mut r);
                    // With 16, register (r3 l2 l1 l0) holds row (l2 l1 l0 r3).
                    std::array::from_fn(|q| match R {
                        16 => r[(q >> 1) | ((q & 1) << 3)],
                        _ => r[q],
                    })
                }
            }
        }
    }

    /// Swaps bit `A` of each value's register index with bit `B` of its
    /// lane.
    #[inline(always)]
    unsafe fn swap_bits<const R: usize, const A: usize, const B: usize>(r: &mut [__m512d; R]) {
        // SAFETY: the callers enable AVX-512F.
        unsafe {
            let low = _mm512_loadu_si512(const { swapped(B, false) }.as_ptr().cast());
            let high = _mm512_loadu_si512(const { swapped(B, true) }.as_ptr().cast());
            for a in 0..R {
                let b = a | (1 << A);
                if b != a {
                    let (x, y) = (r[a], r[b]);
                    r[a] = _mm512_permutex2var_pd(x, low, y);
                    r[b] = _mm512_permutex2var_pd(x, high, y);
                }
            }
        }
    }

    /// Where [`swap_bits`] takes each lane of the register whose bit is
    /// `high` from: lane bit `b` set picks the second register (index 8 +).
    const fn swapped(b: usize, high: bool) -> [i64; 8] {
        let mut order = [0i64; 8];
        let mut j = 0;
        while j < 8 {
            let from = match high {
                true => j | 1 << b,
                false => j & !(1 << b),
            };
            order[j] = (from + 8 * ((j >> b) & 1)) as i64;
            j += 1;
        }
        order
    }

    /// With `B` register bits (of 2 or 4 registers), the lanes after
    /// [`swap_bits`] hold bits (r, l) of `e` rotated: lane `t` takes lane
    /// `t` rotated right by `B` within three bits.
    #[inline(always)]
    unsafe fn lanes_in_order<const R: usize, const B: usize>(r: [__m512d; R]) -> [__m512d; R] {
        // SAFETY: the callers enable AVX-512F.
        unsafe {
            let order = _mm512_loadu_si512(const { rotated(B) }.as_ptr().cast());
            r.map(|v| _mm512_permutexvar_pd(order, v))
        }
    }

    /// Lane `t` rotated right by `b` within three bits.
    const fn rotated(b: usize) -> [i64; 8] {
        let mut order = [0i64; 8];
        let mut t = 0;
        while t < 8 {
            order[t] = ((t >> b) | ((t << (3 - b)) & 7)) as i64;
            t += 1;
        }
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// `sorted` is `values` in order: ascending as numbers, and the same
    /// values bit for bit (-0.0 and 0.0 each kept).
    fn assert_sorted(sorted: &[f64], values: &[f64], what: &str) {
        assert!(sorted.is_sorted_by(|a, b| a <= b), "{what}: not in order");
        let bits = |v: &[f64]| {
            let mut b: Vec<u64> = v.iter().map(|x| x.to_bits()).collect();
            b.sort_unstable();
            b
        };
        assert!(bits(sorted) == bits(values), "{what}: not the same values");
    }

    /// `n` values in each of the shapes that trouble a quicksort: all
    /// equal, two values, a few, in order, reversed, signed zeros with
    /// infinities, subnormals and extremes; and two spreads of many.
    fn shapes(rng: &mut StdRng, n: usize) -> [(&'static str, Vec<f64>); 8] {
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE / 4.0,
            -5e-324,
            f64::MAX,
            f64::MIN,
            1.0,
            -1.0,
        ];
        [
            (
                "uniform",
                (0..n).map(|_| rng.random::<f64>() * 1e3).collect(),
            ),
            (
                "signed",
                (0..n).map(|_| rng.random::<f64>() - 0.5).collect(),
            ),
            (
                "few",
                (0..n)
                    .map(|_| f64::from(rng.random_range(0..3u8)))
                    .collect(),
            ),
            ("equal", vec![2.5; n]),
            (
                "one apart",
                (0..n).map(|i| f64::from(u8::from(i % 97 == 0))).collect(),
            ),
            ("in order", (0..n).map(|i| i as f64).collect()),
            ("reversed", (0..n).map(|i| -(i as f64)).collect()),
            (
                "specials",
                (0..n)
                    .map(|_| specials[rng.random_range(0..specials.len())])
                    .collect(),
            ),
        ]
    }

    /// Every size up to 600 (the register network's sizes, a partition's
    /// smallest, its tail of fewer than 8 and of fewer than 32) and a few
    /// larger, in every [`shapes`]; each sorted as the radix sort sorts it.
    #[test]
    fn floats_are_sorted_in_every_shape_and_size_by_vectors_as_by_the_radix_sort() {
        let mut rng = StdRng::seed_from_u64(50);
        let sizes = (0..600).chain([1000, 4099, 10_007, 100_003]);
        for n in sizes {
            for (shape, values) in shapes(&mut rng, n) {
                let what = format!("{shape}, {n} values");
                let mut sorted = values.clone();
                floats(&mut sorted);
                assert_sorted(&sorted, &values, &what);
                let mut by_radix = values.clone();
                radix(&mut by_radix);
                assert!(sorted.iter().zip(&by_radix).all(|(a, b)| a == b), "{what}");
            }
        }
    }

    /// Sorted on every core, parts large enough to be sorted beside each
    /// other come out as one thread sorts them: every [`shapes`], bit for
    /// bit, on a pool of four threads; and so does the radix sort that
    /// stands in for the vectors on four threads.
    #[test]
    fn floats_sorted_on_every_core_are_sorted_as_on_one() {
        let mut rng = StdRng::seed_from_u64(51);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        for (shape, values) in shapes(&mut rng, 300_007) {
            let mut on_every_core = values.clone();
            pool.install(|| floats_on_every_core(&mut on_every_core));
            assert_sorted(&on_every_core, &values, shape);
            let mut on_one = values.clone();
            floats(&mut on_one);
            assert!(
                on_every_core.iter().zip(&on_one).all(|(a, b)| a == b),
                "{shape}"
            );
            // The radix sort on threads of its own, which processors
            // without the vectors take: held to the same order.
            let mut by_radix = values.clone();
            radix_on_threads(&mut by_radix, 4);
            assert_sorted(&by_radix, &values, shape);
            assert!(by_radix.iter().zip(&on_one).all(|(a, b)| a == b), "{shape}");
        }
    }

    /// The vectors are what this machine sorts with, where it has them (so
    /// the test above held them to the radix sort).
    #[test]
    #[cfg(target_arch = "x86_64")]
    fn vectors_sort_where_the_processor_has_them() {
        if crate::wide::Wide::here() == crate::wide::Wide::Avx512 {
            assert!(vectors_here());
        }
    }
}
