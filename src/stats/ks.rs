//! The two-sample Kolmogorov–Smirnov test, computed as
//! `scipy.stats.ks_2samp` does (checked against scipy's answers in
//! `tests`, from `../shared/oracles/ks_oracle.json`).
//!
//! D comes from one merge of the two sorted samples with integer ECDF
//! counts: at every distinct value v, D·n1·n2 = |c1(v)·n2 - c2(v)·n1|, so ties
//! (discrete data, 0/1 flags) are exact and D has no accumulated rounding.
//! Values closer than a relative `tolerance` can be grouped as ties, so that
//! floating-point noise between two lanes is not mistaken for a shift.
//!
//! p-values: exact path counting for small samples (Hodges 1958; the
//! two-sided unequal-n recursion for 1-p of Viehmann 2021, "Numerically more
//! stable computation of the p-values for the two-sample Kolmogorov-Smirnov
//! test", arXiv:2102.08037), the finite-n Kolmogorov distribution for large
//! ones ([`super::kolmogorov`]), and scipy's `method="auto"` rule between
//! them: exact when max(n1, n2) ≤ 10,000.

use super::kolmogorov::kolmogn_sf;

/// `auto` uses the exact distribution up to this sample size.
pub const MAX_EXACT_N: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alternative {
    TwoSided,
    /// H1: the first sample's CDF lies below the second's somewhere (D⁻).
    Less,
    /// H1: the first sample's CDF lies above the second's somewhere (D⁺).
    Greater,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Auto,
    Exact,
    Asymp,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsResult {
    pub statistic: f64,
    pub p_value: f64,
    /// The method that produced the p-value (never `Auto`).
    pub method: Method,
    /// A value at which the ECDFs are farthest apart.
    pub location: f64,
    /// +1 when the first sample's ECDF is above the second's there.
    pub sign: i8,
    pub n1: usize,
    pub n2: usize,
}

/// The extreme ECDF differences in units of 1/(n1·n2).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extremes {
    /// max over v of c1(v)·n2 - c2(v)·n1, clamped at 0.
    pub plus: u128,
    pub plus_at: f64,
    /// max over v of c2(v)·n1 - c1(v)·n2, clamped at 0.
    pub minus: u128,
    pub minus_at: f64,
}

/// Pooled samples from this size are walked by blocks (`blocked`).
const BLOCKED_FROM: usize = 1 << 16;

/// Values a block holds on each side, about.
const BLOCK: usize = 2048;

/// The extreme ECDF differences of two sorted samples. `tolerance`
/// (relative) groups nearly equal values as ties; `None` groups only equal
/// values. Large samples are walked only where the extremes can lie.
fn extremes(x: &[f64], y: &[f64], tolerance: Option<f64>) -> Extremes {
    // i·n2 and j·n1 are at most n1·n2: i64 holds them below 2^62 rows².
    debug_assert!((x.len() as u128) * (y.len() as u128) < (1u128 << 62));
    if x.len() + y.len() < BLOCKED_FROM {
        let mut e = Extremes::NONE;
        walk(x, y, tolerance, (0, 0), (x.len(), y.len()), &mut e);
        return e;
    }
    blocked(x, y, tolerance, BLOCK)
}

impl Extremes {
    const NONE: Extremes = Extremes {
        plus: 0,
        plus_at: f64::NAN,
        minus: 0,
        minus_at: f64::NAN,
    };

    /// The difference `diff` (c1·n2 - c2·n1) at the end of the group that
    /// starts at `start`. Of equal extremes the first (the smallest start)
    /// is kept, in whatever order the groups are offered.
    #[inline]
    fn offer(&mut self, diff: i64, start: f64) {
        let d = diff.unsigned_abs() as u128;
        let first = |at: f64| at.is_nan() || start < at;
        if diff > 0 && (d > self.plus || (d == self.plus && first(self.plus_at))) {
            self.plus = d;
            self.plus_at = start;
        } else if diff < 0 && (d > self.minus || (d == self.minus && first(self.minus_at))) {
            self.minus = d;
            self.minus_at = start;
        }
    }
}

/// Walks two sorted samples group by group from `(i, j)`, values of `x`
/// and `y` before which are a whole number of groups, until both reach
/// `end` and the group then open is closed, offering each group's
/// difference to `e`. Where both samples hold the same values
/// ([`identical_stretch`]), a stretch that cannot change `e` is passed
/// over without walking it.
fn walk(
    x: &[f64],
    y: &[f64],
    tolerance: Option<f64>,
    from: (usize, usize),
    end: (usize, usize),
    e: &mut Extremes,
) {
    walk_by::<STRETCH>(x, y, tolerance, from, end, e);
}

/// [`walk`], passing over identical stretches of `K` values (tests try
/// short ones, which meet every case a long one does more often).
#[inline(always)]
fn walk_by<const K: usize>(
    x: &[f64],
    y: &[f64],
    tolerance: Option<f64>,
    (mut i, mut j): (usize, usize),
    end: (usize, usize),
    e: &mut Extremes,
) {
    let (n1, n2) = (x.len() as i64, y.len() as i64);
    while i < end.0 || j < end.1 {
        if identical_stretch::<K>(x, y, tolerance, (i, j), end)
            && !stretch_may_offer::<K>(e, i as i64 * n2 - j as i64 * n1, n2 - n1)
        {
            i += K;
            j += K;
            continue;
        }
        let start;
        (start, (i, j)) = next_group(x, y, tolerance, (i, j));
        e.offer(i as i64 * n2 - j as i64 * n1, start);
    }
}

/// The group that starts at `(i, j)` (not both past the end): its first
/// value, and where the next one starts.
#[inline(always)]
fn next_group(
    x: &[f64],
    y: &[f64],
    tolerance: Option<f64>,
    (mut i, mut j): (usize, usize),
) -> (f64, (usize, usize)) {
    let start = match (x.get(i), y.get(j)) {
        (Some(&a), Some(&b)) => a.min(b),
        (Some(&a), None) => a,
        (None, Some(&b)) => b,
        (None, None) => unreachable!(),
    };
    let hi = group_end(start, tolerance);
    // Sorted input: each group is a run of values <= hi on both sides.
    while i < x.len() && x[i] <= hi {
        i += 1;
    }
    while j < y.len() && y[j] <= hi {
        j += 1;
    }
    (start, (i, j))
}

/// Values compared at once by [`identical_stretch`].
const STRETCH: usize = 32;

/// Whether the `K` values of each sample from `(i, j)`, where a
/// group starts, are the same values (bit for bit), inside `end`, and
/// followed on both sides by a value that starts a group. Then every group
/// in the stretch is pairs of equal values, so the differences offered in
/// it are `d0 + t·(n2 - n1)` for t = 1..=K (`d0` the difference at
/// `(i, j)`), and the walk may go on at `(i, j) + K`. Two columns
/// compared in a regression test mostly hold the same values: their sorted
/// samples are the same over long stretches, between the values that
/// changed.
#[inline(always)]
fn identical_stretch<const K: usize>(
    x: &[f64],
    y: &[f64],
    tolerance: Option<f64>,
    (i, j): (usize, usize),
    end: (usize, usize),
) -> bool {
    // A value after the stretch on both sides (so that a group starts
    // there), and the stretch inside the walk.
    if i + K >= x.len() || j + K >= y.len() || i + K > end.0 || j + K > end.1 {
        return false;
    }
    let (a, b) = (&x[i..i + K], &y[j..j + K]);
    // Most places where the samples differ fail at the first or last pair.
    if a[0].to_bits() != b[0].to_bits() || a[K - 1].to_bits() != b[K - 1].to_bits() {
        return false;
    }
    // The group of the stretch's last value (which starts at it or
    // before, and group ends grow with their starts) ends before the next
    // values.
    super::same_bits(a, b) && x[i + K].min(y[j + K]) > group_end(a[K - 1], tolerance)
}

/// Whether the differences `d0 + t·step` (t = 1..=K) a stretch of
/// equal values offers could change `e`: one beyond (or equal to, when it
/// might lie earlier) an extreme found. The differences are a line: its
/// ends bound them.
#[inline(always)]
fn stretch_may_offer<const K: usize>(e: &Extremes, d0: i64, step: i64) -> bool {
    let (first, last) = (d0 + step, d0 + K as i64 * step);
    let (lo, hi) = (first.min(last), first.max(last));
    (hi > 0 && hi.unsigned_abs() as u128 >= e.plus)
        || (lo < 0 && lo.unsigned_abs() as u128 >= e.minus)
}

/// The extremes of large samples without walking all of them. Cut points
/// (every `block`-th value of each side) split both samples into blocks;
/// along a block the difference c1·n2 - c2·n1 cannot leave the range its
/// ends' counts allow. Blocks are walked from the widest range down, and a
/// block whose range cannot reach the extremes found so far is skipped: on
/// two similar 10M-value samples, a few blocks of thousands. Each walk
/// starts where a group must start (a value beyond the previous one's
/// tolerance), so groups are the whole walk's; if none is found near a
/// block's start (a long chain of near-ties), the whole is walked.
fn blocked(x: &[f64], y: &[f64], tolerance: Option<f64>, block: usize) -> Extremes {
    let (n1, n2) = (x.len(), y.len());
    let mut cuts: Vec<f64> = x
        .iter()
        .step_by(block)
        .chain(y.iter().step_by(block))
        .copied()
        .collect();
    cuts.sort_unstable_by(f64::total_cmp);
    cuts.dedup();
    // Each cut's counts: the values below it on each side.
    let mut ends = vec![(0, 0)];
    for c in cuts {
        // The cuts ascend: each count is found onward from the last.
        let (i, j) = *ends.last().unwrap_or(&(0, 0));
        let at = (below_from(x, i, c), below_from(y, j, c));
        if ends.last() != Some(&at) {
            ends.push(at);
        }
    }
    if ends.last() != Some(&(n1, n2)) {
        ends.push((n1, n2));
    }
    let (m1, m2) = (n1 as i128, n2 as i128);
    /// A block: its first and last counts, and the largest difference
    /// either way inside it.
    struct Block {
        from: (usize, usize),
        to: (usize, usize),
        plus: u128,
        minus: u128,
    }
    let mut blocks: Vec<Block> = ends
        .windows(2)
        .map(|w| {
            let ((i0, j0), (i1, j1)) = (w[0], w[1]);
            Block {
                from: w[0],
                to: w[1],
                plus: (i1 as i128 * m2 - j0 as i128 * m1).max(0) as u128,
                minus: (j1 as i128 * m1 - i0 as i128 * m2).max(0) as u128,
            }
        })
        .collect();
    blocks.sort_unstable_by_key(|b| std::cmp::Reverse(b.plus.max(b.minus)));
    let mut e = Extremes::NONE;
    for Block {
        from,
        to,
        plus,
        minus,
    } in blocks
    {
        // An extreme equal to one found may lie earlier: walked too.
        let may = |bound: u128, found: u128| bound > found || (bound == found && found > 0);
        if !may(plus, e.plus) && !may(minus, e.minus) {
            continue;
        }
        match group_start(x, y, tolerance, from) {
            Some(start) => walk(x, y, tolerance, start, to, &mut e),
            None => {
                let mut whole = Extremes::NONE;
                walk(x, y, tolerance, (0, 0), (n1, n2), &mut whole);
                return whole;
            }
        }
    }
    e
}

/// How many values of sorted `v` lie below `c`, knowing that `from` of
/// them do: searched in steps that double from there, then by halves, so
/// that a count near the last one costs a few reads close to it (a binary
/// search of the whole sample read 23 places across 80 MB per cut).
fn below_from(v: &[f64], from: usize, c: f64) -> usize {
    let mut step = 1;
    let mut lo = from;
    while lo + step <= v.len() && v[lo + step - 1] < c {
        lo += step;
        step *= 2;
    }
    let hi = (lo + step).min(v.len());
    lo + v[lo..hi].partition_point(|x| *x < c)
}

/// A place at or before `(i, j)` where a group starts: the first value
/// there lies beyond the tolerance of the last value before it (whose
/// group ends at most there), found within a few steps back.
fn group_start(
    x: &[f64],
    y: &[f64],
    tolerance: Option<f64>,
    (mut i, mut j): (usize, usize),
) -> Option<(usize, usize)> {
    const STEPS: usize = 64;
    for _ in 0..STEPS {
        let before = match (i.checked_sub(1), j.checked_sub(1)) {
            (None, None) => return Some((0, 0)),
            (Some(a), None) => (x[a], true),
            (None, Some(b)) => (y[b], false),
            (Some(a), Some(b)) if x[a] >= y[b] => (x[a], true),
            (Some(_), Some(b)) => (y[b], false),
        };
        let first = match (x.get(i), y.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            // Past both ends: nothing is left to start.
            (None, None) => return Some((i, j)),
        };
        if first > group_end(before.0, tolerance) {
            return Some((i, j));
        }
        if before.1 {
            i -= 1;
        } else {
            j -= 1;
        }
    }
    None
}

/// The largest value tied with `start`: `v` is tied when
/// `v - start <= tolerance * max(|start|, |v|)`, solved for `v` (for a
/// positive start the bound is start / (1 - tol); for a negative one,
/// start * (1 - tol), towards zero). Without a tolerance, `start` itself
/// (which also ties -0.0 with 0.0).
fn group_end(start: f64, tolerance: Option<f64>) -> f64 {
    match tolerance {
        Some(tol) if start.is_finite() && tol > 0.0 && tol < 1.0 => {
            if start >= 0.0 {
                // start / (1 - tol), with the division done once per run
                // by the caller's constant folding of 1 / (1 - tol).
                start * (1.0 / (1.0 - tol))
            } else {
                start * (1.0 - tol)
            }
        }
        _ if start == 0.0 => 0.0,
        _ => start,
    }
}

/// The two-sample KS test on samples sorted ascending, without NaN.
pub fn ks_2samp_sorted(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
    method: Method,
    tolerance: Option<f64>,
) -> KsResult {
    debug_assert!(x.is_sorted_by(|a, b| a <= b) && y.is_sorted_by(|a, b| a <= b));
    // An empty side: from_extremes answers NaN whatever the walk found.
    let e = extremes(x, y, tolerance);
    from_extremes(x.len(), y.len(), e, alternative, method)
}

/// The test from the extreme ECDF differences of samples of sizes `n1` and
/// `n2` (both non-empty), however they were counted: here from sorted
/// samples, or by the Spark engine in SQL.
pub fn from_extremes(
    n1: usize,
    n2: usize,
    e: Extremes,
    alternative: Alternative,
    method: Method,
) -> KsResult {
    if n1 == 0 || n2 == 0 {
        return KsResult {
            statistic: f64::NAN,
            p_value: f64::NAN,
            method: Method::Asymp,
            location: f64::NAN,
            sign: 0,
            n1,
            n2,
        };
    }
    let (num, location, sign) = match alternative {
        Alternative::Greater => (e.plus, e.plus_at, 1),
        Alternative::Less => (e.minus, e.minus_at, -1),
        Alternative::TwoSided if e.minus > e.plus => (e.minus, e.minus_at, -1),
        Alternative::TwoSided => (e.plus, e.plus_at, 1),
    };
    let g = gcd(n1 as u128, n2 as u128);
    let lcm = (n1 as u128 / g) * n2 as u128;
    // D·n1·n2 is a multiple of g: h = D·lcm is an integer.
    let h = num / g;

    let mut method = match method {
        Method::Auto if n1.max(n2) <= MAX_EXACT_N => Method::Exact,
        Method::Auto => Method::Asymp,
        m => m,
    };
    if method == Method::Exact
        && (n1 as u128 / g) as f64 >= i32::MAX as f64 / (n2 as u128 / g) as f64
    {
        method = Method::Asymp;
    }
    let mut statistic = num as f64 / (n1 as f64 * n2 as f64);
    let mut p_value = f64::NAN;
    if method == Method::Exact {
        statistic = h as f64 / lcm as f64;
        match exact_p(n1 as u64, n2 as u64, g as u64, h as u64, alternative) {
            Some(p) => p_value = p,
            None => method = Method::Asymp,
        }
    }
    if method == Method::Asymp {
        let (m, n) = if n1 >= n2 {
            (n1 as f64, n2 as f64)
        } else {
            (n2 as f64, n1 as f64)
        };
        let en = m * n / (m + n);
        p_value = match alternative {
            Alternative::TwoSided => kolmogn_sf(en.round_ties_even() as u64, statistic),
            _ => {
                // Hodges (1958), eq. 5.3; m is the larger sample.
                let z = en.sqrt() * statistic;
                (-2.0 * z * z - 2.0 * z * (m + 2.0 * n) / (m * n * (m + n)).sqrt() / 3.0).exp()
            }
        };
    }
    KsResult {
        statistic,
        p_value: if p_value.is_nan() {
            p_value
        } else {
            p_value.clamp(0.0, 1.0)
        },
        method,
        location,
        sign,
        n1,
        n2,
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The exact p-value, or `None` where floating point cannot hold it (the
/// caller then uses the asymptotic distribution, as scipy does).
fn exact_p(n1: u64, n2: u64, g: u64, h: u64, alternative: Alternative) -> Option<f64> {
    if h == 0 {
        return Some(1.0);
    }
    let p = match alternative {
        Alternative::TwoSided if n1 == n2 => prob_outside_square(n1, h),
        Alternative::TwoSided => outer_prob_inside(n1, n2, g, h),
        _ if n1 == n2 => {
            // binom(2n, n-h) / binom(2n, n) as a product of ratios.
            (0..h).fold(1.0, |p, j| {
                p * ((n1 - j) as f64 / (n1 as f64 + j as f64 + 1.0))
            })
        }
        _ => {
            let paths = count_paths_outside(n1, n2, g, h);
            let all = binom(n1 + n2, n1);
            if !all.is_finite() || !paths.is_finite() || paths > all {
                return None;
            }
            paths / all
        }
    };
    (p.is_finite() && (0.0..=1.0).contains(&p)).then_some(p)
}

/// Pr(D_{n,n} ≥ h/n): 2 Σ_k (-1)^(k+1) C(2n, n-kh) / C(2n, n), evaluated in
/// nested (Horner) form 2·A1·(1 - A2·(1 - A3·(…))) to avoid cancellation.
fn prob_outside_square(n: u64, h: u64) -> f64 {
    let mut p = 0.0;
    let mut k = (n / h) as i64;
    while k >= 0 {
        let kh = k as f64 * h as f64;
        let nf = n as f64;
        let mut a = 1.0;
        for j in 0..h {
            a = (nf - kh - j as f64) * a / (nf + kh + j as f64 + 1.0);
        }
        p = a * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// Pr(D_{m,n} ≥ h/lcm) for m ≠ n: the proportion of lattice paths from
/// (0,0) to (m,n) that leave the band |x/m - y/n| < h/lcm, computed column by
/// column directly as 1 - p (Viehmann's recursion on Hodges' inside method),
/// keeping only the band's sliding window.
fn outer_prob_inside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = ((m / g) as i64, (n / g) as i64);
    let (h, n_i) = (h as i64, n as i64);
    let ceil_div = |a: i64, b: i64| a.div_euclid(b) + i64::from(a.rem_euclid(b) != 0);
    let mut minj: i64 = 0;
    let mut maxj: i64 = ceil_div(h, mg).min(n_i + 1);
    let mut curlen = maxj - minj;
    let len = (2 * maxj + 2).min(n_i + 1) as usize;
    let mut a = vec![1.0f64; len];
    for v in a.iter_mut().take(maxj as usize) {
        *v = 0.0;
    }
    for i in 1..=(m as i64) {
        let (lastminj, lastlen) = (minj, curlen);
        minj = ((ng * i - h).div_euclid(mg) + 1).max(0).min(n_i);
        maxj = ceil_div(ng * i + h, mg).min(n_i + 1);
        if maxj <= minj {
            return 1.0;
        }
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = (jj + minj) as f64;
            let prev = a[(jj + minj - lastminj) as usize];
            val = (prev * i as f64 + val * j) / (i as f64 + j);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            for v in a
                .iter_mut()
                .skip((maxj - minj) as usize)
                .take((lastlen - curlen) as usize)
            {
                *v = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

/// The number of lattice paths from (0,0) to (m,n) that reach the line
/// x/m - y/n = h/lcm (one-sided), by inclusion–exclusion over the first
/// crossing point of each row (Hodges 1958).
fn count_paths_outside(m: u64, n: u64, g: u64, h: u64) -> f64 {
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let (mg, ng) = (m / g, n / g);
    // x_j: the first x at which row j crosses the line.
    let count = (n as i64 + (mg as i64 - h as i64).div_euclid(mg as i64)).max(0) as usize;
    if count == 0 {
        return binom(m + n, n);
    }
    let xj: Vec<u64> = (0..count as u64)
        .map(|j| (h + mg * j).div_ceil(ng))
        .collect();
    let mut b = vec![0.0f64; count];
    b[0] = 1.0;
    for j in 1..count {
        let mut bj = binom(xj[j] + j as u64, j as u64);
        for i in 0..j {
            bj -= binom(xj[j] - xj[i] + (j - i) as u64, (j - i) as u64) * b[i];
        }
        b[j] = bj;
    }
    (0..count)
        .map(|j| b[j] * binom((m - xj[j]) + (n - j as u64), n - j as u64))
        .sum()
}

/// C(n, k) in floating point (infinite when it does not fit).
fn binom(n: u64, k: u64) -> f64 {
    if k > n {
        return 0.0;
    }
    let k = k.min(n - k);
    (1..=k).fold(1.0, |c, i| c * (n - k + i) as f64 / i as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<f64>) -> Vec<f64> {
        v.sort_by(f64::total_cmp);
        v
    }

    #[test]
    fn identical_samples_give_zero_and_one() {
        let x = sorted((0..500).map(|i| (i as f64 * 0.37).sin()).collect());
        for method in [Method::Auto, Method::Exact, Method::Asymp] {
            let r = ks_2samp_sorted(&x, &x, Alternative::TwoSided, method, None);
            assert_eq!((r.statistic, r.p_value), (0.0, 1.0));
        }
    }

    #[test]
    fn statistic_is_symmetric_and_sign_flips() {
        let x = sorted(vec![1.0, 2.0, 2.0, 5.0]);
        let y = sorted(vec![2.0, 3.0, 4.0]);
        let a = ks_2samp_sorted(&x, &y, Alternative::TwoSided, Method::Auto, None);
        let b = ks_2samp_sorted(&y, &x, Alternative::TwoSided, Method::Auto, None);
        assert_eq!(a.statistic, b.statistic);
        assert_eq!(a.p_value, b.p_value);
        assert_eq!(a.sign, -b.sign);
    }

    #[test]
    fn tolerance_groups_float_noise_into_ties() {
        let x: Vec<f64> = (1..2000)
            .map(|i| (i % 37 + 1) as f64)
            .map(f64::log10)
            .collect();
        let y: Vec<f64> = (1..2000)
            .map(|i| (i % 37 + 1) as f64)
            .map(|v| v.ln() / std::f64::consts::LN_10)
            .collect();
        let (x, y) = (sorted(x), sorted(y));
        assert!(
            x != y,
            "the two computations must differ somewhere for this test to mean anything"
        );
        let strict = ks_2samp_sorted(&x, &y, Alternative::TwoSided, Method::Auto, None);
        assert!(strict.statistic > 0.0);
        let tolerant = ks_2samp_sorted(&x, &y, Alternative::TwoSided, Method::Auto, Some(1e-12));
        assert_eq!(tolerant.statistic, 0.0);
        assert_eq!(tolerant.p_value, 1.0);
    }

    /// The walk group by group, every group offered: what [`walk`] and
    /// [`blocked`] must find.
    fn every_group(x: &[f64], y: &[f64], tolerance: Option<f64>) -> Extremes {
        let (n1, n2) = (x.len() as i64, y.len() as i64);
        let (mut at, mut e) = ((0, 0), Extremes::NONE);
        while at.0 < x.len() || at.1 < y.len() {
            let start;
            (start, at) = next_group(x, y, tolerance, at);
            e.offer(at.0 as i64 * n2 - at.1 as i64 * n1, start);
        }
        e
    }

    fn bits(e: &Extremes) -> (u128, u64, u128, u64) {
        (e.plus, e.plus_at.to_bits(), e.minus, e.minus_at.to_bits())
    }

    /// Samples that hold the same values but where a few changed, went or
    /// came (a regression test's usual pair): the walk passes over their
    /// identical stretches and still finds every group's extremes, bit for
    /// bit, whole and by blocks, with and without a tolerance, with equal
    /// and unequal sizes, over continuous values, repeated ones and
    /// near-ties; stretches of every length from one value up, so that
    /// their ends fall everywhere.
    #[test]
    fn passing_over_identical_stretches_finds_every_groups_extremes() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(5);
        let mut passed_over = 0;
        for kind in 0..3 {
            for edits in [0, 1, 3, 20] {
                for (removed, added) in [(0, 0), (2, 0), (0, 3), (1, 1)] {
                    let x: Vec<f64> = (0..400)
                        .map(|_| match kind {
                            0 => rng.random::<f64>() * 100.0 - 50.0,
                            1 => rng.random_range(0..50) as f64,
                            // Chains of near-ties, 1e-13 apart within 1e-12.
                            _ => 1.0 + (rng.random_range(0..400) as f64) * 1e-13,
                        })
                        .collect();
                    let mut y = x.clone();
                    for _ in 0..edits {
                        let at = rng.random_range(0..y.len());
                        y[at] += if kind == 2 { 3e-13 } else { 0.5 };
                    }
                    for _ in 0..removed {
                        y.swap_remove(rng.random_range(0..y.len()));
                    }
                    for _ in 0..added {
                        y.push(x[rng.random_range(0..x.len())] + 1e-13);
                    }
                    let (x, y) = (sorted(x), sorted(y));
                    for tol in [None, Some(1e-12)] {
                        let reference = every_group(&x, &y, tol);
                        let end = (x.len(), y.len());
                        macro_rules! by {
                            ($($k:literal),*) => {$(
                                let mut got = Extremes::NONE;
                                walk_by::<$k>(&x, &y, tol, (0, 0), end, &mut got);
                                assert_eq!(
                                    bits(&got),
                                    bits(&reference),
                                    "kind {kind}, {edits} edits, -{removed} +{added}, \
                                     tolerance {tol:?}, stretches of {}", $k
                                );
                                passed_over += (0..x.len().min(y.len()))
                                    .filter(|&k| identical_stretch::<$k>(&x, &y, tol, (k, k), end))
                                    .count();
                            )*};
                        }
                        by!(1, 2, 3, 5, 8, 32);
                        for block in [16, 64] {
                            let got = blocked(&x, &y, tol, block);
                            assert_eq!(
                                bits(&got),
                                bits(&reference),
                                "kind {kind}, blocks of {block}"
                            );
                        }
                    }
                }
            }
        }
        assert!(
            passed_over > 1000,
            "few identical stretches to pass over: {passed_over}"
        );
    }

    /// The walk by blocks finds the whole walk's extremes and locations,
    /// bit for bit: continuous and discrete values, near-ties within the
    /// tolerance (chains of them across block ends), signed zeros,
    /// infinities, a shifted side, sides of very different sizes.
    #[test]
    fn walking_by_blocks_finds_the_whole_walks_extremes() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(11);
        let value = |kind: usize, shift: f64, rng: &mut StdRng| -> f64 {
            match kind {
                0 => rng.random::<f64>() + shift,
                1 => (rng.random_range(0..7) as f64) + shift.round(),
                // Near-ties: neighbours 1e-13 apart, within 1e-12.
                2 => 1.0 + (rng.random_range(0..40) as f64) * 1e-13 + shift * 1e-12,
                3 => [-0.0, 0.0, f64::INFINITY, f64::NEG_INFINITY, 1.0][rng.random_range(0..5)],
                _ => {
                    if rng.random::<f64>() < 0.5 {
                        rng.random_range(-3..3) as f64
                    } else {
                        rng.random::<f64>() * 6.0 - 3.0 + shift
                    }
                }
            }
        };
        let mut cases = 0;
        for kind in 0..5 {
            for (n1, n2) in [(300, 300), (500, 40), (3, 700), (1000, 999)] {
                for shift in [0.0, 0.05, 0.5] {
                    let x = sorted((0..n1).map(|_| value(kind, 0.0, &mut rng)).collect());
                    let y = sorted((0..n2).map(|_| value(kind, shift, &mut rng)).collect());
                    for tol in [None, Some(1e-12)] {
                        let whole = every_group(&x, &y, tol);
                        let mut walked = Extremes::NONE;
                        walk(&x, &y, tol, (0, 0), (x.len(), y.len()), &mut walked);
                        assert_eq!(bits(&walked), bits(&whole));
                        for block in [1, 2, 5, 16, 64] {
                            let got = blocked(&x, &y, tol, block);
                            assert_eq!(
                                bits(&got),
                                bits(&whole),
                                "kind {kind}, {n1} and {n2} values, shift {shift}, \
                                 tolerance {tol:?}, blocks of {block}: {got:?} against {whole:?}"
                            );
                            cases += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(cases, 5 * 4 * 3 * 2 * 5);
    }

    #[test]
    fn counts_below_a_cut_found_onward_are_the_binary_searchs() {
        let v = sorted(vec![-1.0, 0.0, 0.0, 0.5, 2.0, 2.0, 2.0, 3.0, 9.0]);
        for from in 0..=v.len() {
            for c in [-2.0, -1.0, 0.0, 0.25, 2.0, 2.5, 9.0, 10.0] {
                let expected = v.partition_point(|x| *x < c);
                if expected >= from {
                    assert_eq!(below_from(&v, from, c), expected, "from {from}, cut {c}");
                }
            }
        }
    }

    #[test]
    fn empty_sample_gives_nan() {
        let r = ks_2samp_sorted(&[], &[1.0], Alternative::TwoSided, Method::Auto, None);
        assert!(r.statistic.is_nan() && r.p_value.is_nan());
    }
}
