//! Exact order statistics of an unsorted sample without sorting it: the
//! values at a few ranks (a profile's p01, p50, p99 and its sketch's 129
//! equi-depth points) by MSD radix selection. Each level histograms the
//! order-preserving bits of the values below their common prefix, keeps
//! only the buckets a wanted rank falls in, and recurses into those; small
//! or constant buckets are finished directly. On 10M normal floats this is
//! a few passes over the data instead of a full sort (BENCHMARKS.md). No
//! crate offers multi-rank selection over floats; `select_nth_unstable`
//! finds one rank per pass.

/// A float's bits, reordered so that unsigned order is numeric order
/// (negative numbers reversed below the positive ones).
/// `x` as an unsigned key in the same order (NaN excluded by callers).
pub fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | 1 << 63 }
}

/// The value a [`key`] stands for.
pub fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The values at `ranks` (0-based, ascending or not, each below
/// `values.len()`) of `values` (no NaN) in ascending order. Takes the
/// values to turn them into keys in place (no second buffer).
pub fn at_ranks(values: Vec<f64>, ranks: &[usize]) -> Vec<f64> {
    // Keys and their range in one pass (the buffer is reused in place).
    let (mut min, mut max) = (u64::MAX, 0);
    let keys: Vec<u64> = values
        .into_iter()
        .map(|v| {
            let k = key(v);
            min = min.min(k);
            max = max.max(k);
            k
        })
        .collect();
    at_ranks_of_keys(&keys, (min, max), ranks)
}

/// As [`at_ranks`], of `keys` ([`key`] of each value) whose smallest and
/// largest are `range`.
pub fn at_ranks_of_keys(keys: &[u64], range: (u64, u64), ranks: &[usize]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let sorted: Vec<usize> = order.iter().map(|&i| ranks[i]).collect();
    let mut found = Vec::with_capacity(ranks.len());
    select(keys, &sorted, Some(range), &mut found);
    let mut out = vec![0.0; ranks.len()];
    for (slot, k) in order.into_iter().zip(found) {
        out[slot] = value(k);
    }
    out
}

/// Buckets per level: 2^16 counts fit in L2.
const BITS: u32 = 16;
/// At or below this many keys a bucket is sorted.
const SMALL: usize = 4096;

/// Appends the keys at `ranks` (ascending) of `keys` to `out`; `range`,
/// when known, is the keys' smallest and largest.
fn select(keys: &[u64], ranks: &[usize], range: Option<(u64, u64)>, out: &mut Vec<u64>) {
    if ranks.is_empty() {
        return;
    }
    if keys.len() <= SMALL {
        let mut v = keys.to_vec();
        v.sort_unstable();
        out.extend(ranks.iter().map(|&r| v[r]));
        return;
    }
    let (min, max) = range.unwrap_or_else(|| {
        keys.iter()
            .fold((u64::MAX, 0), |(lo, hi), &k| (lo.min(k), hi.max(k)))
    });
    if min == max {
        out.extend(ranks.iter().map(|_| min));
        return;
    }
    // The digit: the top BITS bits of the offset from the minimum. (Not of
    // the bits below min's and max's common prefix: a bucket of width 2^s
    // that straddles a power of two would have as long a prefix to strip
    // again, and never shrink.) Each level's range is below the last's
    // bucket width, so the recursion ends.
    let spread = 64 - (max - min).leading_zeros();
    let shift = spread.saturating_sub(BITS);
    let digit = |k: u64| ((k - min) >> shift) as usize;
    let buckets = digit(max) + 1;
    // u32 counts: half the cache a level's histogram takes (a bucket of
    // more than 2^32 keys is out of reach of one machine's memory).
    let mut counts = vec![0u32; buckets];
    for &k in keys {
        counts[digit(k)] += 1;
    }
    // The buckets the ranks fall in, and each rank's place in its bucket.
    let mut wanted: Vec<(usize, Vec<usize>)> = Vec::new();
    let (mut bucket, mut below) = (0, 0);
    for &r in ranks {
        while below + counts[bucket] as usize <= r {
            below += counts[bucket] as usize;
            bucket += 1;
        }
        match wanted.last_mut() {
            Some((b, rs)) if *b == bucket => rs.push(r - below),
            _ => wanted.push((bucket, vec![r - below])),
        }
    }
    // Buckets one key wide (a range of at most 2^BITS keys: small
    // integers, codes) each hold one value: no gathering.
    if shift == 0 {
        for (b, rs) in &wanted {
            out.extend(rs.iter().map(|_| min + *b as u64));
        }
        return;
    }
    // Gather the wanted buckets' keys in one pass.
    const NONE: u32 = u32::MAX;
    let mut slot = vec![NONE; buckets];
    let mut parts: Vec<Vec<u64>> = Vec::with_capacity(wanted.len());
    for (i, (b, _)) in wanted.iter().enumerate() {
        slot[*b] = i as u32;
        parts.push(Vec::with_capacity(counts[*b] as usize));
    }
    for &k in keys {
        let s = slot[digit(k)];
        if s != NONE {
            parts[s as usize].push(k);
        }
    }
    for ((_, rs), part) in wanted.iter().zip(parts) {
        select(&part, rs, None, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The oracle: a full sort.
    fn sorted_at(values: &[f64], ranks: &[usize]) -> Vec<f64> {
        let mut v = values.to_vec();
        v.sort_by(f64::total_cmp);
        ranks.iter().map(|&r| v[r]).collect()
    }

    #[test]
    fn keys_order_like_numbers() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -2.5,
            -0.0,
            0.0,
            1e-310,
            3.0,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} {}", w[0], w[1]);
        }
        for x in xs {
            assert_eq!(value(key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn buckets_straddling_a_power_of_two_are_split_further() {
        // Values just below and above 1.0: their bits differ from the
        // exponent down, but the range is narrow, so every value fell in
        // the first bucket and the recursion never ended.
        let values: Vec<f64> = (0..10_000).map(|i| 1.0 + (i as f64 - 5e3) * 1e-9).collect();
        let ranks = [0, 1_000, 4_999, 5_000, 9_999];
        assert_eq!(at_ranks(values.clone(), &ranks), sorted_at(&values, &ranks));
    }

    #[test]
    fn ranks_match_a_full_sort_on_mixed_samples() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let samples: Vec<Vec<f64>> = vec![
            (0..50_000)
                .map(|_| rng.random::<f64>() * 2.0 - 1.0)
                .collect(),
            // Few distinct values: buckets that are constant.
            (0..30_000).map(|_| rng.random_range(1..6) as f64).collect(),
            // Wide range with infinities and negative zero.
            (0..20_000)
                .map(|i| match i % 5 {
                    0 => f64::INFINITY,
                    1 => -0.0,
                    _ => (rng.random::<f64>() - 0.5) * 1e300,
                })
                .collect(),
            vec![4.0; 10_000],
            vec![1.5, -2.0, 7.0],
        ];
        for values in samples {
            let n = values.len();
            let mut ranks: Vec<usize> = (0..=128).map(|i| i * (n - 1) / 128).collect();
            ranks.extend([n / 100, n / 2, n - 1, 0, n / 3]);
            let got = at_ranks(values.clone(), &ranks);
            let want = sorted_at(&values, &ranks);
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g.to_bits(), w.to_bits(), "{g} vs {w}");
            }
        }
    }
}
