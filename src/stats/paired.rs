//! Paired tests on per-key deltas `d = head - base`: the Wilcoxon
//! signed-rank test and the sign test, computed as scipy's
//! `wilcoxon(d, zero_method="wilcox", correction=False)` and
//! `binomtest(#d>0, #d≠0, 0.5)` do (checked against scipy's answers in
//! `tests/it/paired_oracle.rs`, from `../shared/oracles/paired_oracle.json`).
//!
//! Zeros are dropped before ranking; tied |d| get average ranks. Ranks are
//! kept doubled, as integers, so that W⁺ and the tie correction carry no
//! rounding at any n. scipy's `method="auto"` rule decides the p-value:
//! the exact null distribution when at most 50 deltas were given and, after
//! dropping zeros, none is tied and none was zero; when there are ties or
//! zeros and at most 13 deltas, the exact permutation distribution of W⁺
//! over every sign flip (scipy's deterministic `PermutationMethod`);
//! otherwise the normal approximation with the tie-corrected variance.

use super::numpy;

/// How the p-value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Choose as scipy's `auto` does (see the module's docs).
    Auto,
    /// The null distribution of W⁺ for n untied ranks (conservative, as
    /// scipy's, when there are ties).
    Exact,
    /// The normal approximation, tie-corrected, without continuity
    /// correction.
    Asymptotic,
    /// Every sign flip enumerated (what `Auto` uses for ≤ 13 deltas with
    /// ties or zeros).
    Permutation,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Exact => "exact",
            Method::Asymptotic => "asymptotic",
            Method::Permutation => "permutation",
        }
    }
}

/// `auto` is exact up to this many deltas (zeros included).
pub const MAX_EXACT_N: usize = 50;
/// `auto` enumerates sign flips up to this many deltas (zeros included).
pub const MAX_PERMUTATION_N: usize = 13;

/// The Wilcoxon signed-rank test of one set of deltas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wilcoxon {
    /// min(W⁺, W⁻), scipy's two-sided statistic.
    pub statistic: f64,
    /// The sum of the ranks of the positive deltas.
    pub r_plus: f64,
    /// Non-zero deltas ranked.
    pub n: usize,
    /// Two-sided.
    pub p_value: f64,
    /// The method that produced the p-value (never `Auto`).
    pub method: Method,
}

/// The ranks of the non-zero deltas, doubled so that average ranks of ties
/// stay integers.
struct Ranked {
    /// Twice W⁺.
    r_plus2: u128,
    /// Twice W⁻.
    r_minus2: u128,
    /// Non-zero deltas.
    n: usize,
    /// Positive ones among them.
    positive: u64,
    /// Σ (t³ - t) over groups of tied |d|.
    tie_term: f64,
    has_ties: bool,
    /// Each non-zero delta's doubled rank and whether it is positive, in
    /// |d| order (kept only for the permutation test).
    ranks: Vec<(u64, bool)>,
}

/// The non-zero, non-NaN deltas as sortable keys, sorted: |d| of a
/// non-negative float sorts as its bits, and the sign goes in the lowest
/// bit, so one radix sort orders by |d| and keeps the sign.
fn sorted_keys(d: &[f64]) -> Vec<u64> {
    let mut keys: Vec<u64> = d
        .iter()
        .filter(|v| **v != 0.0 && !v.is_nan())
        .map(|&v| key_of(v))
        .collect();
    voracious_radix_sort::RadixSort::voracious_sort(&mut keys);
    keys
}

/// A non-zero delta's sortable key (never 0: |d| has a bit set).
fn key_of(d: f64) -> u64 {
    (d.abs().to_bits() << 1) | u64::from(d > 0.0)
}

/// |d| of a sorted key.
fn abs_of(key: u64) -> f64 {
    f64::from_bits(key >> 1)
}

/// Sorted keys as runs: each distinct key and how many times it comes.
fn runs_of(keys: &[u64]) -> impl Iterator<Item = (u64, u64)> + '_ {
    let mut at = 0;
    std::iter::from_fn(move || {
        let key = *keys.get(at)?;
        let start = at;
        while at < keys.len() && keys[at] == key {
            at += 1;
        }
        Some((key, (at - start) as u64))
    })
}

/// Ranks the |d| of the non-zero, non-NaN deltas.
#[cfg(test)]
fn rank(d: &[f64], keep_ranks: bool) -> Ranked {
    rank_runs(runs_of(&sorted_keys(d)), keep_ranks)
}

/// Ranks sorted keys given as runs ([`runs_of`]; a key's negative run, if
/// any, comes right before its positive one).
fn rank_runs(runs: impl Iterator<Item = (u64, u64)>, keep_ranks: bool) -> Ranked {
    let mut r = Ranked {
        r_plus2: 0,
        r_minus2: 0,
        n: 0,
        positive: 0,
        tie_term: 0.0,
        has_ties: false,
        ranks: Vec::new(),
    };
    let mut runs = runs.peekable();
    let mut start = 0u64;
    while let Some(first) = runs.next() {
        // The group of one |d|: its negative run, its positive run, or both.
        let second = runs.next_if(|&(key, _)| key >> 1 == first.0 >> 1);
        let group = [Some(first), second];
        let (t, positive) = group
            .iter()
            .flatten()
            .fold((0, 0), |(t, p), &(key, count)| {
                (t + count, p + (key & 1) * count)
            });
        // Ranks start+1 ..= start+t; their average, doubled.
        let rank2 = 2 * start + t + 1;
        r.r_plus2 += u128::from(positive) * u128::from(rank2);
        r.r_minus2 += u128::from(t - positive) * u128::from(rank2);
        r.positive += positive;
        if t > 1 {
            r.has_ties = true;
            let t = t as f64;
            r.tie_term += t * t * t - t;
        }
        if keep_ranks {
            for (key, count) in group.into_iter().flatten() {
                r.ranks
                    .extend(std::iter::repeat_n((rank2, key & 1 == 1), count as usize));
            }
        }
        start += t;
    }
    r.n = start as usize;
    r
}

/// The two-sided Wilcoxon signed-rank test of `d` (zeros dropped, NaN
/// ignored); `None` when no delta is non-zero (no test: p = 1).
pub fn wilcoxon(d: &[f64], method: Method) -> Option<Wilcoxon> {
    let given = d.iter().filter(|v| !v.is_nan()).count();
    let zeros = d.iter().filter(|v| **v == 0.0).count();
    let r = rank_runs(runs_of(&sorted_keys(d)), keeps_ranks(method, given));
    test_ranked(&r, given, zeros, method)
}

/// Whether `method` may enumerate sign flips of `given` deltas (which
/// needs every rank).
fn keeps_ranks(method: Method, given: usize) -> bool {
    method == Method::Permutation || (method == Method::Auto && given <= MAX_PERMUTATION_N)
}

/// The test of ranked deltas, of which `given` were given (NaN aside) and
/// `zeros` were zero.
fn test_ranked(r: &Ranked, given: usize, zeros: usize, method: Method) -> Option<Wilcoxon> {
    if r.n == 0 {
        return None;
    }
    let method = match method {
        Method::Auto if given > MAX_EXACT_N => Method::Asymptotic,
        Method::Auto if !r.has_ties && zeros == 0 => Method::Exact,
        Method::Auto if given <= MAX_PERMUTATION_N => Method::Permutation,
        Method::Auto => Method::Asymptotic,
        m => m,
    };
    let r_plus = r.r_plus2 as f64 / 2.0;
    let p_value = match method {
        Method::Exact => exact_p(r.n, r.r_plus2),
        Method::Permutation => permutation_p(&r.ranks, r.r_plus2),
        _ => asymptotic_p(r.n, r_plus, r.tie_term),
    };
    Some(Wilcoxon {
        statistic: r.r_plus2.min(r.r_minus2) as f64 / 2.0,
        r_plus,
        n: r.n,
        p_value,
        method,
    })
}

/// Everything a feature's deltas say, from their sorted keys: the counts, the
/// median |d| over every delta (zeros included), and the Wilcoxon test
/// (scipy's `auto`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Analysis {
    pub counts: DeltaCounts,
    /// numpy's median of |d| over every delta, zeros included.
    pub typical_abs: f64,
    pub wilcoxon: Option<Wilcoxon>,
}

/// Analyses `d` (NaN ignored).
pub fn analyze(d: &[f64]) -> Analysis {
    let mut deltas = Deltas::default();
    d.iter().for_each(|&x| deltas.push(x));
    deltas.analyze()
}

/// Distinct non-zero deltas counted by key before they are kept one by
/// one instead: 64 KB of counts, in the fastest caches.
const FEW: usize = 4096;

/// Deltas taken one at a time, keeping only what [`Analysis`] needs: how
/// many were zero, and the non-zero ones as sortable keys. While at most
/// [`FEW`] distinct ones have come, each is counted, not kept: a constant
/// added, a threshold moved or a unit changed moves millions of keys by a
/// handful of distinct deltas (10M floats each plus 0.001: about 14, in
/// a simulation of the benchmark's column), and the runs of their counts are sorted instead of 10M keys (80 MB
/// of fresh pages, then a radix sort). Past FEW, the counts are let out
/// into keys and every later one is kept; then the keys are sorted.
///
/// The first distinct ones are counted in [`SLOTS`] slots, each key in the
/// slot its hash names when that slot is free (else in a hash map): 10M
/// deltas of values each plus 0.001 took 42 ms counted in the hash map
/// alone, 28 ms so (BENCHMARKS.md, thirty-fifth session).
#[derive(Debug)]
pub struct Deltas {
    zeros: usize,
    /// (key, count) of the keys that found their slot free; a count of 0
    /// is a free slot. A key is counted in its slot or in `counts`, never
    /// both: a slot is let go only when the counts are let out.
    slots: [(u64, u64); SLOTS],
    /// Slots taken.
    slotted: usize,
    counts: Option<hashbrown::HashMap<u64, u64>>,
    keys: Vec<u64>,
}

/// Slots for the first distinct deltas: 1 KB.
const SLOTS: usize = 64;

/// A key's slot: the top bits of its Fibonacci hash.
#[inline]
fn slot_of(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (u64::BITS - SLOTS.trailing_zeros())) as usize
}

impl Default for Deltas {
    fn default() -> Self {
        Deltas::with_capacity(0)
    }
}

impl Deltas {
    /// Room for `n` deltas kept one by one (touched only if they are).
    pub fn with_capacity(n: usize) -> Deltas {
        Deltas {
            zeros: 0,
            slots: [(0, 0); SLOTS],
            slotted: 0,
            counts: Some(hashbrown::HashMap::new()),
            keys: Vec::with_capacity(n),
        }
    }

    /// Takes one delta (NaN is ignored).
    #[inline]
    pub fn push(&mut self, d: f64) {
        if d == 0.0 {
            self.zeros += 1;
            return;
        }
        if d.is_nan() {
            return;
        }
        let key = key_of(d);
        let Some(counts) = &mut self.counts else {
            self.keys.push(key);
            return;
        };
        let slot = &mut self.slots[slot_of(key)];
        if slot.0 == key && slot.1 != 0 {
            slot.1 += 1;
            return;
        }
        if slot.1 == 0 {
            *slot = (key, 1);
            self.slotted += 1;
        } else {
            *counts.entry(key).or_insert(0) += 1;
        }
        if counts.len() + self.slotted > FEW {
            self.let_out();
        }
    }

    /// Takes `n` deltas of zero at once (pairs found unchanged together).
    #[inline]
    pub fn push_zeros(&mut self, n: usize) {
        self.zeros += n;
    }

    /// The counts, as keys.
    #[cold]
    fn let_out(&mut self) {
        let slotted = self
            .slots
            .iter_mut()
            .filter(|s| s.1 != 0)
            .map(std::mem::take);
        self.slotted = 0;
        for (key, count) in self.counts.take().into_iter().flatten().chain(slotted) {
            self.keys.extend(std::iter::repeat_n(key, count as usize));
        }
    }

    pub fn analyze(mut self) -> Analysis {
        let zeros = self.zeros;
        match self.counts.take() {
            Some(counts) => {
                let slotted = self.slots.iter().filter(|s| s.1 != 0).copied();
                let mut runs: Vec<(u64, u64)> = counts.into_iter().chain(slotted).collect();
                runs.sort_unstable();
                // Each run's end in |d| order: the i-th |d| lies in the
                // first run that ends past i.
                let ends: Vec<u64> = runs
                    .iter()
                    .scan(0, |end, &(_, count)| {
                        *end += count;
                        Some(*end)
                    })
                    .collect();
                let at = |i: usize| abs_of(runs[ends.partition_point(|&e| e <= i as u64)].0);
                let n = ends.last().map_or(0, |&e| e as usize);
                analysis(runs.iter().copied(), n, &at, zeros)
            }
            None => {
                voracious_radix_sort::RadixSort::voracious_sort(&mut self.keys);
                let keys = &self.keys;
                analysis(runs_of(keys), keys.len(), &|i| abs_of(keys[i]), zeros)
            }
        }
    }
}

/// The analysis of `n` non-zero deltas, whose sorted keys are `runs` and
/// whose i-th |d| is `at(i)`, and of `zeros` zeros.
fn analysis(
    runs: impl Iterator<Item = (u64, u64)>,
    n: usize,
    at: &dyn Fn(usize) -> f64,
    zeros: usize,
) -> Analysis {
    let given = zeros + n;
    let r = rank_runs(runs, keeps_ranks(Method::Auto, given));
    debug_assert_eq!(r.n, n);
    // numpy's median of a sorted run: the middle, or the mean of the two.
    let median = |len: usize, at: &dyn Fn(usize) -> f64| match len {
        0 => 0.0,
        n if n % 2 == 1 => at(n / 2),
        n => (at(n / 2 - 1) + at(n / 2)) / 2.0,
    };
    // Every |d| in order: the zeros, then the sorted non-zero ones.
    let every = |i: usize| if i < zeros { 0.0 } else { at(i - zeros) };
    Analysis {
        counts: DeltaCounts {
            n: given as u64,
            zeros: zeros as u64,
            positive: r.positive,
            negative: r.n as u64 - r.positive,
            median_abs: median(r.n, at),
            max_abs: if r.n == 0 { 0.0 } else { at(r.n - 1) },
        },
        typical_abs: median(given, &every),
        wilcoxon: test_ranked(&r, given, zeros, Method::Auto),
    }
}

/// The Wilcoxon test from sums an engine computed elsewhere (in SQL): `n`
/// non-zero deltas, twice W⁺ and W⁻, and Σ (t³ - t) over tied |d|. The
/// normal approximation: what `Auto` uses beyond [`MAX_EXACT_N`] deltas.
pub fn asymptotic_from_ranks(
    n: usize,
    (r_plus2, r_minus2): (u128, u128),
    tie_term: f64,
) -> Option<Wilcoxon> {
    (n > 0).then(|| {
        let r_plus = r_plus2 as f64 / 2.0;
        Wilcoxon {
            statistic: r_plus2.min(r_minus2) as f64 / 2.0,
            r_plus,
            n,
            p_value: asymptotic_p(n, r_plus, tie_term),
            method: Method::Asymptotic,
        }
    })
}

/// The normal approximation: z = (W⁺ - n(n+1)/4) / σ, with σ² corrected
/// for ties, and p = 2·P(Z > |z|).
fn asymptotic_p(n: usize, r_plus: f64, tie_term: f64) -> f64 {
    let n = n as f64;
    let mean = n * (n + 1.0) * 0.25;
    let se = ((n * (n + 1.0) * (2.0 * n + 1.0) - tie_term / 2.0) / 24.0).sqrt();
    let z = (r_plus - mean) / se;
    // 2·Φ(-|z|) = erfc(|z|/√2).
    statrs::function::erf::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The probabilities of W⁺ = 0 ..= n(n+1)/2 for n untied ranks, built as
/// scipy builds them (halving, so the sums below round as scipy's do).
fn null_distribution(n: usize) -> Vec<f64> {
    let mut c = vec![1.0f64];
    for k in 1..=n {
        let mut next = vec![0.0f64; k * (k + 1) / 2 + 1];
        let m = c.len();
        let len = next.len();
        for i in 0..m {
            next[i] = c[i] * 0.5;
        }
        for i in 0..m {
            next[len - m + i] += c[i] * 0.5;
        }
        c = next;
    }
    c
}

/// scipy's exact two-sided p-value: 2·min(P(W⁺ ≥ ⌊w⌋), P(W⁺ ≤ ⌈w⌉)),
/// clipped to 1; each tail summed from the nearer end, as scipy does.
fn exact_p(n: usize, r_plus2: u128) -> f64 {
    let pmf = null_distribution(n);
    let mean = (n * (n + 1)) as f64 / 4.0;
    let last = pmf.len() as i64 - 1;
    // numpy's pairwise sums, so that 1 - (a sum near 1) rounds as scipy's.
    let raw_cdf = |k: i64| {
        if k < 0 {
            0.0
        } else {
            numpy::sum(&pmf[..=k.min(last) as usize])
        }
    };
    let raw_sf = |k: i64| {
        if k > last {
            0.0
        } else {
            numpy::sum(&pmf[k.max(0) as usize..])
        }
    };
    let cdf = |k: i64| {
        if k as f64 <= mean {
            raw_cdf(k)
        } else {
            1.0 - raw_sf(k + 1)
        }
    };
    let sf = |k: i64| {
        if k as f64 <= mean {
            raw_sf(k)
        } else {
            1.0 - raw_cdf(k - 1)
        }
    };
    let floor = (r_plus2 / 2) as i64;
    let ceil = r_plus2.div_ceil(2) as i64;
    (2.0 * sf(floor).min(cdf(ceil))).clamp(0.0, 1.0)
}

/// Every assignment of signs to the ranked deltas, equally likely under the
/// null: the share with W⁺ at or below the observed one and at or above it;
/// p = 2·min of the two, clipped to 1. Doubled ranks keep it exact.
fn permutation_p(ranks: &[(u64, bool)], r_plus2: u128) -> f64 {
    // The count of sign assignments by doubled W⁺, built rank by rank.
    let total: u64 = ranks.iter().map(|r| r.0).sum();
    let mut ways = vec![0u64; total as usize + 1];
    ways[0] = 1;
    let mut reach = 0usize;
    for &(rank2, _) in ranks {
        let r = rank2 as usize;
        for s in (0..=reach).rev() {
            ways[s + r] += ways[s];
        }
        reach += r;
    }
    let all = 1u128 << ranks.len();
    let observed = r_plus2 as usize;
    let below: u128 = ways[..=observed.min(total as usize)]
        .iter()
        .map(|&w| u128::from(w))
        .sum();
    let above: u128 = ways[observed.min(total as usize + 1)..]
        .iter()
        .map(|&w| u128::from(w))
        .sum();
    let p = |count: u128| count as f64 / all as f64;
    (2.0 * p(below).min(p(above))).clamp(0.0, 1.0)
}

/// What the deltas say before any test: how many, how many are zero,
/// positive and negative, the median |d| of the non-zero ones and the
/// largest |d|.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeltaCounts {
    pub n: u64,
    pub zeros: u64,
    pub positive: u64,
    pub negative: u64,
    /// Over the non-zero deltas; 0 when none.
    pub median_abs: f64,
    /// 0 when there are no deltas.
    pub max_abs: f64,
}

/// The two-sided sign test: `binomtest(positive, positive + negative,
/// 0.5)`; 1 when nothing moved.
pub fn sign_test(positive: u64, negative: u64) -> f64 {
    let n = positive + negative;
    if n == 0 || positive == negative {
        return 1.0;
    }
    let k = positive.min(negative);
    // P(X ≤ k) for X ~ Binomial(n, 1/2), summed from k downwards: each term
    // is the previous one times i/(n-i+1), starting from C(n, k)/2ⁿ.
    let ln_choose = statrs::function::factorial::ln_binomial(n, k);
    let mut term = (ln_choose - n as f64 * std::f64::consts::LN_2).exp();
    let mut sum = 0.0;
    let mut i = k;
    loop {
        sum += term;
        if i == 0 || term < sum * 1e-17 {
            break;
        }
        term *= i as f64 / (n - i + 1) as f64;
        i -= 1;
    }
    (2.0 * sum).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_of_ties_are_averaged_and_zeros_dropped() {
        // |d| = 1, 2, 2, 3 (zero dropped): ranks 1, 2.5, 2.5, 4.
        let w = wilcoxon(&[0.0, 1.0, -2.0, 2.0, 3.0], Method::Asymptotic).unwrap();
        assert_eq!(w.n, 4);
        assert_eq!(w.r_plus, 1.0 + 2.5 + 4.0);
        assert_eq!(w.statistic, 2.5);
    }

    #[test]
    fn sums_from_elsewhere_give_the_same_test() {
        let d: Vec<f64> = (1..=60).map(|i| f64::from(i % 7) - 2.5).collect();
        let direct = wilcoxon(&d, Method::Asymptotic).unwrap();
        let r = rank(&d, false);
        let from = asymptotic_from_ranks(r.n, (r.r_plus2, r.r_minus2), r.tie_term).unwrap();
        assert_eq!(direct, from);
    }

    #[test]
    fn one_sort_gives_the_medians_numpy_gives() {
        let d = [0.0, 0.0, -3.0, 1.0, 0.0, 2.0, -0.5, 0.0];
        let a = analyze(&d);
        let abs: Vec<f64> = d.iter().map(|v: &f64| v.abs()).collect();
        let nonzero: Vec<f64> = abs.iter().copied().filter(|v| *v != 0.0).collect();
        assert_eq!(a.typical_abs, numpy::median(&abs));
        assert_eq!(a.counts.median_abs, numpy::median(&nonzero));
        assert_eq!(
            (a.counts.zeros, a.counts.positive, a.counts.negative),
            (4, 2, 2)
        );
        assert_eq!(a.counts.max_abs, 3.0);
        assert_eq!(a.wilcoxon, wilcoxon(&d, Method::Auto));
        assert_eq!(analyze(&[]).typical_abs, 0.0);
    }

    #[test]
    fn deltas_counted_while_few_analyse_as_deltas_kept_one_by_one() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let kept = |d: &[f64]| {
            let mut k = Deltas {
                counts: None,
                ..Deltas::default()
            };
            d.iter().for_each(|&x| k.push(x));
            k.analyze()
        };
        for case in 0..300 {
            let n = [0, 1, 5, 13, 14, 50, 51, 1000, 9000][case % 9];
            // A few values (ties of one |d| with both signs, zeros, NaN),
            // or more distinct ones than are counted (FEW).
            let distinct = [1, 3, 20, FEW + 500][case % 4];
            let d: Vec<f64> = (0..n)
                .map(|_| match rng.random_range(0..20) {
                    0 => 0.0,
                    1 => f64::NAN,
                    _ => {
                        let v = rng.random_range(1..=distinct) as f64 * 0.25;
                        if rng.random_bool(0.4) { -v } else { v }
                    }
                })
                .collect();
            assert_eq!(
                analyze(&d),
                kept(&d),
                "case {case}: {n} deltas, {distinct} values"
            );
        }
    }

    #[test]
    fn nothing_moved_has_no_test() {
        assert!(wilcoxon(&[0.0, 0.0], Method::Auto).is_none());
        assert_eq!(sign_test(0, 0), 1.0);
    }

    #[test]
    fn the_exact_distribution_sums_to_one() {
        let total: f64 = null_distribution(20).iter().sum();
        assert!((total - 1.0).abs() < 1e-12);
        // W⁺ = 0 only when every sign is negative.
        assert_eq!(null_distribution(10)[0], 0.5f64.powi(10));
    }

    #[test]
    fn permutation_of_one_delta_cannot_reject() {
        let w = wilcoxon(&[0.0, 0.0, 0.5], Method::Auto).unwrap();
        assert_eq!(w.method, Method::Permutation);
        assert_eq!(w.p_value, 1.0);
    }
}
