//! From a count seen in a key-hash sample to the full table's count. Each
//! key is in the sample with probability `p` independently of what
//! happened to it (the hash knows nothing of the data), so a count seen is
//! Binomial(N, p) in the unknown full count N. The estimate is `seen / p`;
//! the interval is the exact (Clopper–Pearson style) one for N: every N for
//! which the count seen is not in either 2.5% tail. Exact intervals are
//! conservative (they cover at least their level for every N), which is
//! what a reader deciding a cutover needs; the coverage is checked over
//! sampled tables in `tests/it/sample.rs`.
//!
//! statrs gives the binomial CDF through the regularized incomplete beta;
//! no crate inverts it over N, so the search is here.

use statrs::function::beta::beta_reg;

/// A full-table count estimated from a sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The count in the sample.
    pub seen: u64,
    /// `seen / p`.
    pub total: f64,
    /// The interval's ends (whole counts), at the level asked for.
    pub low: u64,
    pub high: u64,
}

/// The full count behind `seen` in a sample that keeps each key with
/// probability `p`, with its two-sided interval at `level` (0.95).
pub fn scale_up(seen: u64, p: f64, level: f64) -> Estimate {
    assert!(
        p > 0.0 && p <= 1.0,
        "sampling probability {p} not in (0, 1]"
    );
    let tail = (1.0 - level) / 2.0;
    if p >= 1.0 {
        return Estimate {
            seen,
            total: seen as f64,
            low: seen,
            high: seen,
        };
    }
    // P(X <= seen | N) falls as N grows: the upper end is the largest N
    // where it is still above the tail.
    let at_most = |n: u64| cdf(seen, n, p);
    let mut hi = (seen as f64 / p).ceil() as u64 + 1;
    while at_most(hi) > tail {
        hi = hi.saturating_mul(2).max(hi + 1);
    }
    let high = last_true(seen, hi, |n| at_most(n) > tail);
    // P(X >= seen | N) grows with N: the lower end is the smallest N where
    // it reaches the tail.
    let low = if seen == 0 {
        0
    } else {
        let at_least = |n: u64| 1.0 - cdf(seen - 1, n, p);
        let upto = (seen as f64 / p).ceil() as u64 + 1;
        first_true(seen, upto, |n| at_least(n) > tail)
    };
    Estimate {
        seen,
        total: seen as f64 / p,
        low,
        high,
    }
}

/// P(X <= x) for X ~ Binomial(n, p).
fn cdf(x: u64, n: u64, p: f64) -> f64 {
    if x >= n {
        return 1.0;
    }
    beta_reg((n - x) as f64, (x + 1) as f64, 1.0 - p)
}

/// The largest n in `from..=to` where `ok` holds (it holds at `from` and
/// stops holding somewhere after).
fn last_true(from: u64, to: u64, ok: impl Fn(u64) -> bool) -> u64 {
    let (mut good, mut bad) = (from, to);
    while bad - good > 1 {
        let mid = good + (bad - good) / 2;
        if ok(mid) { good = mid } else { bad = mid }
    }
    good
}

/// The smallest n in `from..=to` where `ok` holds (it holds at `to`).
fn first_true(from: u64, to: u64, ok: impl Fn(u64) -> bool) -> u64 {
    if ok(from) {
        return from;
    }
    let (mut bad, mut good) = (from, to);
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if ok(mid) { good = mid } else { bad = mid }
    }
    good
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ChiSquared, ContinuousCDF};

    /// P(X <= x) by summing the binomial's terms in log space: a second
    /// way to the same number, independent of the incomplete beta.
    fn cdf_by_sum(x: u64, n: u64, p: f64) -> f64 {
        let ln_choose = |k: u64| {
            statrs::function::gamma::ln_gamma((n + 1) as f64)
                - statrs::function::gamma::ln_gamma((k + 1) as f64)
                - statrs::function::gamma::ln_gamma((n - k + 1) as f64)
        };
        (0..=x.min(n))
            .map(|k| (ln_choose(k) + k as f64 * p.ln() + (n - k) as f64 * (1.0 - p).ln()).exp())
            .sum()
    }

    #[test]
    fn the_interval_ends_are_where_the_binomial_tails_reach_two_and_a_half_percent() {
        for (seen, p) in [(0, 0.01), (3, 0.01), (124, 0.01), (40, 0.1), (7, 0.5)] {
            let e = scale_up(seen, p, 0.95);
            // Just inside and just outside each end, by summed terms.
            assert!(cdf_by_sum(seen, e.high, p) > 0.025, "{seen} {p} {e:?}");
            assert!(cdf_by_sum(seen, e.high + 1, p) <= 0.025, "{seen} {p} {e:?}");
            if seen > 0 {
                assert!(
                    1.0 - cdf_by_sum(seen - 1, e.low, p) > 0.025,
                    "{seen} {p} {e:?}"
                );
                assert!(
                    1.0 - cdf_by_sum(seen - 1, e.low - 1, p) <= 0.025,
                    "{seen} {p} {e:?}"
                );
            }
        }
    }

    #[test]
    fn at_small_rates_the_interval_is_garwoods_poisson_interval_scaled() {
        // Garwood: the Poisson mean's exact interval from chi-square
        // quantiles, a closed form the binomial approaches as p -> 0.
        let p = 0.001;
        for seen in [1u64, 5, 124] {
            let e = scale_up(seen, p, 0.95);
            let lo = ChiSquared::new(2.0 * seen as f64)
                .unwrap()
                .inverse_cdf(0.025)
                / 2.0
                / p;
            let hi = ChiSquared::new(2.0 * seen as f64 + 2.0)
                .unwrap()
                .inverse_cdf(0.975)
                / 2.0
                / p;
            // Whole counts against real numbers: within one count and 1%.
            assert!(
                (e.low as f64 - lo).abs() <= 1.0 + 0.01 * lo,
                "{seen}: {} vs {lo}",
                e.low
            );
            assert!(
                (e.high as f64 - hi).abs() <= 1.0 + 0.01 * hi,
                "{seen}: {} vs {hi}",
                e.high
            );
        }
    }

    #[test]
    fn nothing_seen_in_a_one_percent_sample_may_still_be_hundreds_in_the_full_table() {
        // The "rule of three": about 3/p.
        let e = scale_up(0, 0.01, 0.95);
        assert_eq!((e.low, e.total), (0, 0.0));
        assert!((360..=370).contains(&e.high), "{e:?}");
    }

    #[test]
    fn a_full_sample_is_exact() {
        assert_eq!(
            scale_up(17, 1.0, 0.95),
            Estimate {
                seen: 17,
                total: 17.0,
                low: 17,
                high: 17
            }
        );
    }
}
