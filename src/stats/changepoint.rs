//! Change points in a series of runs: Apache Otava's deterministic, windowed
//! e-divisive (as in Otava 0.8.0's `compute_change_points`), with its merge
//! defect fixed. Otava, after removing the weakest change point, recomputes
//! the statistics of the points now at its position and the next, so the
//! left neighbour keeps a p-value measured against a boundary that is gone;
//! here both neighbours are recomputed, so every change point's statistics
//! are those of its current interval. Everything else (the split into
//! overlapping windows, e-divisive's candidate, the pooled t-test fed
//! population standard deviations, the merge's choice rules) is Otava's.
//!
//! Checked against `tests/oracles/changepoint_oracle.json` (Otava and a
//! naive re-implementation in numpy/scipy): indices exactly, p-values to
//! 1e-9 relative down to 1e-115, means and deviations to 1e-12. Means and
//! deviations are summed as numpy sums ([`super::numpy`]) so that a constant
//! stretch has exactly zero deviation, as numpy finds, rather than a
//! rounding residue that would turn a p-value of 0 into a small number.

use statrs::function::beta::beta_reg;

use super::numpy;

/// Otava's defaults (its CLI's `--window 50 -P 0.001 -M 0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    /// Points per sliding window of the split.
    pub window: usize,
    /// A change point is kept if its p-value against its neighbours is
    /// below this...
    pub max_pvalue: f64,
    /// ...or, when every remaining point is significant, while the weakest
    /// relative change exceeds this.
    pub min_magnitude: f64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            window: 50,
            max_pvalue: 0.001,
            min_magnitude: 0.0,
        }
    }
}

/// A change point: `index` is the first point of the new level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    pub index: usize,
    /// Two-sided pooled t-test of the interval before against the interval
    /// after (each up to the neighbouring change point).
    pub pvalue: f64,
    pub mean_before: f64,
    pub mean_after: f64,
    /// Population standard deviations (ddof = 0), as Otava reports them.
    pub stddev_before: f64,
    pub stddev_after: f64,
    /// `after / before - 1` (0 when `before` is 0).
    pub forward_rel_change: f64,
    /// `before / after - 1` (0 when `after` is 0).
    pub backward_rel_change: f64,
    /// The larger of the two relative changes' magnitudes.
    pub magnitude: f64,
    /// E-divisive's divergence at this split, in the window that found it.
    pub qhat: f64,
}

/// The change points of `x`, in index order.
pub fn change_points(x: &[f64], config: Config) -> Vec<ChangePoint> {
    let weak = split(x, config.window, first_pass(config.max_pvalue));
    merge(weak, x, config).0
}

/// The candidates the split accepts, with the looser first-pass threshold,
/// before the merge removes the weak ones.
pub fn weak_change_points(x: &[f64], config: Config) -> Vec<ChangePoint> {
    split(x, config.window, first_pass(config.max_pvalue))
}

/// The merge, returning the final points and the indices it removed in
/// order (for the oracle's `merge_removal_order`).
pub fn merge(
    mut cps: Vec<ChangePoint>,
    x: &[f64],
    config: Config,
) -> (Vec<ChangePoint>, Vec<usize>) {
    let mut removed = Vec::new();
    while !cps.is_empty() {
        // Python's max()/min(): the first extreme is kept.
        let mut k = 0;
        for (j, c) in cps.iter().enumerate().skip(1) {
            if c.pvalue > cps[k].pvalue {
                k = j;
            }
        }
        if cps[k].pvalue < config.max_pvalue {
            k = 0;
            for (j, c) in cps.iter().enumerate().skip(1) {
                if c.magnitude < cps[k].magnitude {
                    k = j;
                }
            }
            if cps[k].magnitude > config.min_magnitude {
                break;
            }
        }
        removed.push(cps[k].index);
        cps.remove(k);
        // Both neighbours of the removed point: their intervals grew.
        for j in [k.wrapping_sub(1), k] {
            if j < cps.len() {
                let lo = if j == 0 { 0 } else { cps[j - 1].index };
                let hi = cps.get(j + 1).map_or(x.len(), |c| c.index);
                cps[j] = stats_of(x, lo, cps[j].index, hi, cps[j].qhat);
            }
        }
    }
    (cps, removed)
}

/// Otava's first-pass threshold: looser, so that the merge decides.
fn first_pass(p: f64) -> f64 {
    if p < 0.05 {
        p * 10.0
    } else if p < 0.5 {
        p * 2.0
    } else {
        p
    }
}

/// Windows of `window` points, each starting half a window after the last
/// (or at the last change point found, if later); the change points found
/// in any window, each with the statistics of its interval between the
/// neighbouring ones on the whole series.
fn split(x: &[f64], window: usize, threshold: f64) -> Vec<ChangePoint> {
    let n = x.len();
    let step = window / 2;
    let mut found: Vec<(usize, f64)> = Vec::new();
    let mut start = 0;
    while start < n {
        let end = (start + window).min(n);
        let cps = window_detector(&x[start..end], threshold);
        for &(i, q) in &cps {
            if !found.iter().any(|f| f.0 == i + start) {
                found.push((i + start, q));
            }
        }
        let last = cps.last().map_or(0, |c| c.0 + start);
        // A window of one point advances by one, as Otava's step of 0 would
        // not (it would loop); windows that small are not Otava's anyway.
        start = last.max(start + step.max(1));
    }
    found.sort_by_key(|f| f.0);
    (0..found.len())
        .map(|k| {
            let lo = if k == 0 { 0 } else { found[k - 1].0 };
            let hi = found.get(k + 1).map_or(n, |f| f.0);
            stats_of(x, lo, found[k].0, hi, found[k].1)
        })
        .collect()
}

/// E-divisive in one window: repeatedly the best split of the intervals
/// between the change points found so far, kept while its t-test passes.
fn window_detector(w: &[f64], threshold: f64) -> Vec<(usize, f64)> {
    let mut cps: Vec<(usize, f64)> = Vec::new();
    let sums = PairSums::new(w);
    loop {
        let mut bounds = vec![0];
        bounds.extend(cps.iter().map(|c| c.0));
        bounds.push(w.len());
        let mut best: Option<(usize, f64, usize, usize)> = None;
        for pair in bounds.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b - a > 1 {
                let (tau, q) = sums.best_candidate(a, b);
                if best.is_none_or(|c| q > c.1) {
                    best = Some((tau, q, a, b));
                }
            }
        }
        let Some((tau, q, a, b)) = best else { break };
        let p = ttest(&w[a..tau], &w[tau..b]).pvalue;
        // NaN (two constant, equal sides) is never significant.
        if p <= threshold {
            cps.push((tau, q));
            cps.sort_by_key(|c| c.0);
        } else {
            break;
        }
    }
    cps
}

/// Prefix sums of the pairwise distances |w_i - w_j| over a window, summed
/// as numpy's `D.cumsum(0).cumsum(1)` does (the oracle's order), so a block
/// of distances is four lookups.
struct PairSums {
    width: usize,
    p: Vec<f64>,
}

impl PairSums {
    /// For the whole window; a segment's blocks are differences of its
    /// entries (the oracle builds them per segment; the sums of a block are
    /// the same numbers added in the same order only up to rounding, well
    /// inside the 1e-9 the answers are compared at).
    fn new(w: &[f64]) -> PairSums {
        let l = w.len();
        let width = l + 1;
        let mut p = vec![0.0; width * width];
        // Column sums down the rows first, then along each row.
        let mut col = vec![0.0; l];
        for (r, &wr) in w.iter().enumerate() {
            let mut acc = 0.0;
            for (c, &wc) in w.iter().enumerate() {
                col[c] += (wr - wc).abs();
                acc += col[c];
                p[(r + 1) * width + c + 1] = acc;
            }
        }
        PairSums { width, p }
    }

    fn block(&self, r0: usize, r1: usize, c0: usize, c1: usize) -> f64 {
        let at = |r: usize, c: usize| self.p[r * self.width + c];
        at(r1, c1) - at(r0, c1) - at(r1, c0) + at(r0, c0)
    }

    /// The argmax over s < tau < kappa <= e of e-divisive's Q(tau, kappa)
    /// (ties: the smallest tau, then the smallest kappa): tau and its Q.
    fn best_candidate(&self, s: usize, e: usize) -> (usize, f64) {
        let mut best: Option<(usize, f64)> = None;
        for tau in s + 1..e {
            let n = (tau - s) as f64;
            let sx = self.block(s, tau, s, tau) / 2.0;
            let mut row: Option<f64> = None;
            for kappa in tau + 1..=e {
                let m = (kappa - tau) as f64;
                let sxy = self.block(s, tau, tau, kappa);
                let sy = self.block(tau, kappa, tau, kappa) / 2.0;
                let mut q = 2.0 / (m + n) * sxy;
                if n > 1.0 {
                    q -= 2.0 * m / ((m + n) * (n - 1.0)) * sx;
                }
                if m > 1.0 {
                    q -= 2.0 * n / ((m + n) * (m - 1.0)) * sy;
                }
                if row.is_none_or(|r| q > r) {
                    row = Some(q);
                }
            }
            let q = row.expect("kappa ranges over at least tau + 1");
            if best.is_none_or(|b| q > b.1) {
                best = Some((tau, q));
            }
        }
        best.expect("a segment of two or more points has a split")
    }
}

/// The statistics of the change point at `idx` between `lo` and `hi`.
fn stats_of(x: &[f64], lo: usize, idx: usize, hi: usize, qhat: f64) -> ChangePoint {
    let t = ttest(&x[lo..idx], &x[idx..hi]);
    let forward = if t.mean_left == 0.0 {
        0.0
    } else {
        t.mean_right / t.mean_left - 1.0
    };
    let backward = if t.mean_right == 0.0 {
        0.0
    } else {
        t.mean_left / t.mean_right - 1.0
    };
    ChangePoint {
        index: idx,
        pvalue: t.pvalue,
        mean_before: t.mean_left,
        mean_after: t.mean_right,
        stddev_before: t.std_left,
        stddev_after: t.std_right,
        forward_rel_change: forward,
        backward_rel_change: backward,
        magnitude: forward.abs().max(backward.abs()),
        qhat,
    }
}

struct TTest {
    pvalue: f64,
    mean_left: f64,
    mean_right: f64,
    std_left: f64,
    std_right: f64,
}

/// Otava's t-test: Student's two-sided pooled-variance test, fed the
/// population standard deviations (ddof = 0) as if they were the samples'.
fn ttest(left: &[f64], right: &[f64]) -> TTest {
    let (nl, nr) = (left.len(), right.len());
    let (ml, mr) = (numpy::mean(left), numpy::mean(right));
    let sl = if nl >= 2 {
        numpy::std(left, ml, 0)
    } else {
        0.0
    };
    let sr = if nr >= 2 {
        numpy::std(right, mr, 0)
    } else {
        0.0
    };
    let result = |pvalue| TTest {
        pvalue,
        mean_left: ml,
        mean_right: mr,
        std_left: sl,
        std_right: sr,
    };
    if nl + nr <= 2 {
        return result(1.0);
    }
    let (nl, nr) = (nl as f64, nr as f64);
    let vl = if nl == 1.0 { 0.0 } else { sl * sl };
    let vr = if nr == 1.0 { 0.0 } else { sr * sr };
    let df = nl + nr - 2.0;
    let pooled = ((nl - 1.0) * vl + (nr - 1.0) * vr) / df;
    let denom = (pooled * (1.0 / nl + 1.0 / nr)).sqrt();
    let d = ml - mr;
    let t = if denom == 0.0 {
        if d == 0.0 {
            f64::NAN
        } else {
            f64::INFINITY.copysign(d)
        }
    } else {
        d / denom
    };
    if t.is_nan() {
        return result(f64::NAN);
    }
    result(2.0 * student_t_lower(df, -t.abs()))
}

/// P(T <= t) for t <= 0 under Student's t with `df` degrees of freedom:
/// half the regularized incomplete beta I_{df/(df+t²)}(df/2, 1/2), which
/// keeps its relative accuracy far into the tail (p-values of 1e-115 occur)
/// where 1 - cdf(|t|) would round to 0.
fn student_t_lower(df: f64, t: f64) -> f64 {
    if t == f64::NEG_INFINITY {
        return 0.0;
    }
    let x = df / (df + t * t);
    0.5 * beta_reg(df / 2.0, 0.5, x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clear_step_is_found_where_the_new_level_starts() {
        let mut x: Vec<f64> = (0..60).map(|i| 10.0 + (i % 3) as f64 * 0.1).collect();
        for v in &mut x[40..] {
            *v += 5.0;
        }
        let cps = change_points(&x, Config::default());
        assert_eq!(cps.iter().map(|c| c.index).collect::<Vec<_>>(), [40]);
        assert!(cps[0].pvalue < 1e-20, "{}", cps[0].pvalue);
        // The +5 step, and the pattern's means on each side (0.0975, 0.105).
        assert!((cps[0].mean_after - cps[0].mean_before - 5.0075).abs() < 1e-9);
    }

    #[test]
    fn a_constant_series_has_no_change_point() {
        assert!(change_points(&[0.1; 30], Config::default()).is_empty());
        assert!(change_points(&[], Config::default()).is_empty());
        assert!(change_points(&[1.0], Config::default()).is_empty());
    }
}
