//! Anomalies in a series of runs: a point further than `sigma` standard
//! deviations (ddof = 1) from the mean of the previous `window` accepted
//! points is an anomaly (or, `robust`, from the median by 1.4826 × the
//! median absolute deviation). Flagged points stay out of later baselines,
//! so a lasting shift keeps failing until someone accepts the new level;
//! excluded points are in no baseline and never flagged; an accepted point
//! restarts the baseline.
//!
//! Checked against `tests/oracles/changepoint_oracle.json`'s `anomaly`
//! answers (plain numpy). Means and deviations are numpy's pairwise sums, so
//! a point on the threshold falls on the same side as numpy's.

use super::numpy;

/// Which way a point may move before it is an anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Both,
    Up,
    Down,
}

/// How the baseline's centre and spread are measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Mean and sample standard deviation.
    Mean,
    /// Median and 1.4826 × the median absolute deviation: one wild point
    /// in the window does not widen the band.
    Robust,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub sigma: f64,
    /// The baseline: at most this many previous accepted points.
    pub window: usize,
    /// Fewer accepted points than this: insufficient history, no verdict.
    pub min_history: usize,
    pub direction: Direction,
    pub method: Method,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            sigma: 4.0,
            window: 40,
            min_history: 10,
            direction: Direction::Both,
            method: Method::Mean,
        }
    }
}

/// A threshold never below this fraction of the centre's size (at least
/// 1): a constant baseline does not flag a rounding-level wobble.
const ZERO_SPREAD_REL: f64 = 1e-12;

/// Whether a band of `sigma` × `spread` around `center` is only the floor
/// [`ZERO_SPREAD_REL`] sets: the baseline held one value (to twelve
/// digits), and a band drawn around it says no more than that value.
pub fn flat_baseline(center: f64, spread: f64, sigma: f64) -> bool {
    sigma * spread <= floor(center)
}

/// The least threshold around `center` ([`ZERO_SPREAD_REL`]).
fn floor(center: f64) -> f64 {
    ZERO_SPREAD_REL * center.abs().max(1.0)
}

/// What became of one point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Check {
    /// Fewer than `min_history` accepted points before it.
    Insufficient { history: usize },
    /// Left out of every baseline by the user, or not a number.
    Skipped,
    /// Compared with its baseline's band `[low, high]` (a bound is infinite
    /// when that direction is not checked).
    Checked {
        center: f64,
        spread: f64,
        low: f64,
        high: f64,
        /// Outside the band.
        anomaly: bool,
        /// How many accepted points the band was drawn from.
        baseline: usize,
    },
}

/// Checks every point of `x` in order. `excluded[i]`: point i is left out
/// (a bad run); `restart[i]`: the baseline starts again at point i (a new
/// level accepted). Both may be shorter than `x` (missing: false).
pub fn detect(x: &[f64], excluded: &[bool], restart: &[bool], config: Config) -> Vec<Check> {
    let flag = |v: &[bool], i: usize| v.get(i).copied().unwrap_or(false);
    let mut kept: Vec<f64> = Vec::new();
    let mut out = Vec::with_capacity(x.len());
    for (i, &v) in x.iter().enumerate() {
        if flag(restart, i) {
            kept.clear();
        }
        if flag(excluded, i) || v.is_nan() {
            out.push(Check::Skipped);
            continue;
        }
        if kept.len() < config.min_history.max(2) {
            out.push(Check::Insufficient {
                history: kept.len(),
            });
            kept.push(v);
            continue;
        }
        let base = &kept[kept.len().saturating_sub(config.window)..];
        let (center, spread) = match config.method {
            Method::Mean => {
                let m = numpy::mean(base);
                (m, numpy::std(base, m, 1))
            }
            Method::Robust => {
                let m = numpy::median(base);
                let deviations: Vec<f64> = base.iter().map(|b| (b - m).abs()).collect();
                (m, 1.4826 * numpy::median(&deviations))
            }
        };
        let threshold = (config.sigma * spread).max(floor(center));
        let (low, high) = match config.direction {
            Direction::Both => (center - threshold, center + threshold),
            Direction::Up => (f64::NEG_INFINITY, center + threshold),
            Direction::Down => (center - threshold, f64::INFINITY),
        };
        // Strictly beyond the threshold, measured as the distance from the
        // centre (not against the bounds, which round differently).
        let d = v - center;
        let anomaly = match config.direction {
            Direction::Both => d.abs() > threshold,
            Direction::Up => d > threshold,
            Direction::Down => -d > threshold,
        };
        out.push(Check::Checked {
            center,
            spread,
            low,
            high,
            anomaly,
            baseline: base.len(),
        });
        if !anomaly {
            kept.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_baseline_of_one_value_is_flat_and_a_varied_one_is_not() {
        let band = |x: &[f64]| match detect(x, &[], &[], Config::default()).last() {
            Some(&Check::Checked { center, spread, .. }) => flat_baseline(center, spread, 4.0),
            other => panic!("{other:?}"),
        };
        // Twelve equal values (and rounding noise below 1e-12) then a jump.
        let mut flat = vec![9.99; 12];
        flat[3] = 9.990000000000002;
        flat.push(3.0);
        assert!(band(&flat));
        let mut varied: Vec<f64> = (0..12).map(|i| 100.0 + f64::from(i % 3)).collect();
        varied.push(50.0);
        assert!(!band(&varied));
    }

    fn flagged(checks: &[Check]) -> Vec<usize> {
        checks
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Check::Checked { anomaly: true, .. }))
            .map(|(i, _)| i)
            .collect()
    }

    fn noisy(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 100.0 + [0.0, 1.0, -1.0, 0.5][i % 4])
            .collect()
    }

    #[test]
    fn too_little_history_is_never_an_anomaly() {
        let mut x = noisy(9);
        x.push(1e9);
        let checks = detect(&x, &[], &[], Config::default());
        assert!(flagged(&checks).is_empty());
        assert_eq!(checks[9], Check::Insufficient { history: 9 });
    }

    #[test]
    fn a_lasting_shift_stays_flagged_until_accepted() {
        let mut x = noisy(20);
        x.extend([200.0; 5]);
        let checks = detect(&x, &[], &[], Config::default());
        assert_eq!(flagged(&checks), [20, 21, 22, 23, 24]);
        let mut restart = vec![false; 25];
        restart[20] = true;
        let checks = detect(&x, &[], &restart, Config::default());
        assert!(flagged(&checks).is_empty());
        assert_eq!(checks[22], Check::Insufficient { history: 2 });
    }

    #[test]
    fn excluded_points_are_in_no_baseline() {
        let mut x = noisy(12);
        x[11] = 1e6;
        let mut excluded = vec![false; 12];
        excluded[11] = true;
        x.push(100.0);
        let checks = detect(&x, &excluded, &[], Config::default());
        assert_eq!(checks[11], Check::Skipped);
        let Check::Checked { center, .. } = checks[12] else {
            panic!("{:?}", checks[12])
        };
        // The mean of points 0..=10 only: 100 + 1/11.
        assert!((center - (100.0 + 1.0 / 11.0)).abs() < 1e-9, "{center}");
    }

    #[test]
    fn up_only_lets_a_drop_pass() {
        let mut x = noisy(15);
        x.push(0.0);
        let config = Config {
            direction: Direction::Up,
            ..Config::default()
        };
        assert!(flagged(&detect(&x, &[], &[], config)).is_empty());
        assert_eq!(flagged(&detect(&x, &[], &[], Config::default())), [15]);
    }

    #[test]
    fn robust_band_ignores_one_wild_point_in_the_baseline() {
        // One excluded-by-nobody spike at 5 widens the mean band so much
        // that 130 passes; the median band does not widen.
        let mut x = noisy(12);
        x[5] = 1000.0;
        x.push(130.0);
        let mean_cfg = Config {
            min_history: 12,
            ..Config::default()
        };
        let robust = Config {
            method: Method::Robust,
            ..mean_cfg
        };
        assert!(flagged(&detect(&x, &[], &[], mean_cfg)).is_empty());
        assert_eq!(flagged(&detect(&x, &[], &[], robust)), [12]);
    }
}
