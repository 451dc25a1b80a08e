//! A table's profile: the aggregates of one side (one lane, or one
//! production dataset) that history records and audits check. Plain data;
//! `profile.rs` computes it, `history/` stores it as one row per metric.

/// One side of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub row_count: u64,
    /// Key values that occur more than once (keyed tables only).
    pub duplicate_keys: Option<u64>,
    pub columns: Vec<ColumnProfile>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    pub name: String,
    pub dtype: String,
    pub null_count: u64,
    /// Distinct non-null values: counted in a column of up to 2^17 values
    /// (the local engine), else estimated (HyperLogLog, about 1% error;
    /// always so on Spark).
    pub distinct: u64,
    /// The relative standard error of `distinct`: 0 where the values were
    /// counted, HyperLogLog's where they were estimated.
    pub distinct_error: f64,
    pub numbers: Option<NumberProfile>,
    pub text: Option<TextProfile>,
}

/// Numbers, dates and times (as their physical numbers); NaN counted as
/// null, as the distribution tests do.
#[derive(Debug, Clone, PartialEq)]
pub struct NumberProfile {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    /// Sample standard deviation (ddof = 1); 0 for a single value.
    pub std: f64,
    pub p01: f64,
    pub p50: f64,
    pub p99: f64,
    pub sketch: Sketch,
    /// How far in rank p01/p50/p99 and the sketch's points may be from the
    /// exact ones beyond the sketch's own steps: 0 where they are exact
    /// (the local engine), 1/accuracy of Spark's `percentile_approx`.
    pub rank_error: f64,
}

/// The exact values at ranks 0, n/K, 2n/K, ..., n - 1 (K = `SKETCH_STEPS`):
/// any quantile read from it by interpolation is within 1/(2K) in rank of
/// the truth, and two sketches' KS distance within 1/K of the samples'.
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    pub points: Vec<f64>,
}

/// Equal-rank steps of a sketch: 129 points, 1 KB, rank error ≤ 1/256.
pub const SKETCH_STEPS: usize = 128;

impl Sketch {
    /// The bound on the rank error of a quantile read from the sketch.
    pub fn rank_error(&self) -> f64 {
        1.0 / (2.0 * (self.points.len().max(2) - 1) as f64)
    }

    /// The sketch's CDF at `x`: the fraction of equi-depth steps at or below
    /// it (interpolated within the step that holds `x`).
    pub fn cdf(&self, x: f64) -> f64 {
        let p = &self.points;
        let k = (p.len() - 1) as f64;
        if p.is_empty() || x < p[0] {
            return 0.0;
        }
        if x >= p[p.len() - 1] {
            return 1.0;
        }
        let i = p.partition_point(|v| *v <= x) - 1;
        let (lo, hi) = (p[i], p[i + 1]);
        let within = if hi > lo { (x - lo) / (hi - lo) } else { 1.0 };
        (i as f64 + within) / k
    }

    /// The KS distance between the distributions two sketches describe,
    /// and the bound on its error against the samples' own distance.
    pub fn ks_distance(&self, other: &Sketch) -> (f64, f64) {
        let d = self
            .points
            .iter()
            .chain(&other.points)
            .map(|&x| (self.cdf(x) - other.cdf(x)).abs())
            .fold(0.0, f64::max);
        (d, 2.0 * self.rank_error().max(other.rank_error()))
    }
}

/// Strings (and booleans and categories, as text).
#[derive(Debug, Clone, PartialEq)]
pub struct TextProfile {
    /// Empty strings (not nulls).
    pub empty: u64,
    /// The most frequent values with their counts, most frequent first.
    pub top: Vec<(String, u64)>,
}

/// A metric of a table (`column` None) or of one of its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric<'a> {
    pub column: Option<&'a str>,
    pub name: &'static str,
    pub value: f64,
}

impl Profile {
    /// `count` rows as a fraction of the table's (0 for an empty table).
    pub fn share(&self, count: u64) -> f64 {
        count as f64 / self.row_count.max(1) as f64
    }

    /// Every scalar metric, in a stable order: what history records and
    /// audits name (`row_count`, `f1.null_fraction`, ...).
    pub fn metrics(&self) -> Vec<Metric<'_>> {
        let mut out = vec![Metric {
            column: None,
            name: "row_count",
            value: self.row_count as f64,
        }];
        if let Some(d) = self.duplicate_keys {
            out.push(Metric {
                column: None,
                name: "duplicate_keys",
                value: d as f64,
            });
        }
        for c in &self.columns {
            let mut push = |name, value| {
                out.push(Metric {
                    column: Some(&c.name),
                    name,
                    value,
                })
            };
            push("null_count", c.null_count as f64);
            push("null_fraction", self.share(c.null_count));
            push("distinct", c.distinct as f64);
            if let Some(n) = &c.numbers {
                for (name, v) in [
                    ("min", n.min),
                    ("max", n.max),
                    ("mean", n.mean),
                    ("std", n.std),
                    ("p01", n.p01),
                    ("p50", n.p50),
                    ("p99", n.p99),
                ] {
                    push(name, v);
                }
            }
            if let Some(t) = &c.text {
                push("empty_fraction", self.share(t.empty));
            }
        }
        out
    }
}

pub use crate::audit_expr::METRICS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sketch_ks_distance_of_shifted_uniforms() {
        // Uniform on [0, 1] against uniform on [0.25, 1.25]: D = 0.25.
        let a = Sketch {
            points: (0..=128).map(|i| i as f64 / 128.0).collect(),
        };
        let b = Sketch {
            points: a.points.iter().map(|x| x + 0.25).collect(),
        };
        let (d, bound) = a.ks_distance(&b);
        assert!((d - 0.25).abs() <= bound, "{d} ± {bound}");
        assert!((a.ks_distance(&a).0).abs() < 1e-12);
        assert!((bound - 1.0 / 128.0).abs() < 1e-15);
    }
}
