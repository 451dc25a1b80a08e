//! Keyed distribution tables: each key's base value paired with its head
//! value. Which keys changed, by how much and in which direction, and
//! whether they moved together (a paired test). Plain data and the rule
//! that makes it a regression; `distribution/paired.rs` computes it.

use super::{ValueSample, plural};

/// How the keys of a keyed distribution table paired up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairedKeys {
    /// Rows of base paired with a row of head (the n-th occurrence of a key
    /// with the n-th).
    pub paired: u64,
    pub only_base: u64,
    pub only_head: u64,
}

/// One feature's values compared key by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Paired {
    /// Pairs compared.
    pub keys: u64,
    /// Pairs whose value changed beyond the table's precision, a value
    /// becoming null (or NaN) or a null becoming a value included.
    pub changed: u64,
    /// Numbers: changed pairs whose value went up, and down.
    pub up: u64,
    pub down: u64,
    /// A value that became null, and a null that became a value.
    pub to_null: u64,
    pub from_null: u64,
    /// Numbers: the median and largest |head - base| over the pairs whose
    /// value changed (both sides numbers); 0 when none did.
    pub median_abs_delta: f64,
    pub max_abs_delta: f64,
    /// The largest changes (numbers), or the first changed keys
    /// (categories), with both values.
    pub samples: Vec<ValueSample>,
    /// Categories: the most frequent changes of category.
    pub transitions: Vec<Transition>,
    /// Numbers: the paired tests, when any value changed.
    pub test: Option<PairedTest>,
    /// Numbers: the median |head - base| over every pair (unchanged ones
    /// count as 0), in standard deviations of base: how far the typical
    /// key moved. NaN for categories.
    pub effect: f64,
    pub alpha: f64,
    pub min_effect: f64,
    pub max_changed_fraction: Option<f64>,
    /// Numbers: (base value, head - base) of changed pairs, at most
    /// [`PLOT_POINTS`] of them taken evenly, for the report's plot.
    pub points: Vec<(f64, f64)>,
    /// What the numbers measure (|Δ| of dates and times reads as a length
    /// of time).
    pub scale: super::scale::Scale,
}

/// At most this many changed pairs are kept for the plot.
pub const PLOT_POINTS: usize = 400;

/// A change of category and how many keys made it (`null` for nulls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub base: String,
    pub head: String,
    pub count: u64,
}

/// The Wilcoxon signed-rank test and the sign test of a feature's deltas.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedTest {
    /// Non-zero deltas tested.
    pub n: u64,
    /// Wilcoxon's min(W⁺, W⁻).
    pub statistic: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg q across every test of the run; NaN until the
    /// run's adjustment is applied.
    pub p_adjusted: f64,
    /// `exact`, `asymptotic` or `permutation`.
    pub method: &'static str,
    /// The sign test's p-value (reported; the Wilcoxon test decides).
    pub sign_p_value: f64,
}

impl Paired {
    /// For a column summarised only (`test = "none"`): its changed keys are
    /// reported, never tested or failed.
    pub fn summary_only(&mut self) {
        self.test = None;
        self.max_changed_fraction = None;
    }

    /// Changed pairs as a fraction of the pairs compared.
    pub fn changed_fraction(&self) -> f64 {
        if self.keys == 0 {
            0.0
        } else {
            self.changed as f64 / self.keys as f64
        }
    }

    /// The values moved together, and far enough: the paired test is
    /// significant after correction and the typical key moved at least
    /// `min_effect` standard deviations.
    pub fn shifted(&self) -> bool {
        self.test
            .is_some_and(|t| t.p_adjusted < self.alpha && self.effect >= self.min_effect)
    }

    /// More keys changed than `max_changed_fraction` allows.
    pub fn too_many_changed(&self) -> bool {
        self.max_changed_fraction
            .is_some_and(|max| self.changed_fraction() > max)
    }

    pub fn regression(&self) -> bool {
        self.shifted() || self.too_many_changed()
    }

    /// "12 of 300 keys changed (4.0%), all up, max Δ 0.05".
    pub fn headline(&self) -> String {
        let mut s = format!(
            "{} of {} {} changed ({})",
            self.changed,
            self.keys,
            plural(self.keys, "key", "keys"),
            percent(self.changed_fraction())
        );
        if self.changed == 0 {
            return s;
        }
        let moved = self.up + self.down;
        if moved > 0 {
            s += &match (self.up, self.down) {
                (_, 0) if moved == self.changed => ", all up".to_string(),
                (0, _) if moved == self.changed => ", all down".to_string(),
                (u, d) => format!(", {u} up, {d} down"),
            };
        }
        if self.to_null > 0 {
            s += &format!(", {} became null", self.to_null);
        }
        if self.from_null > 0 {
            s += &format!(
                ", {} {} null",
                self.from_null,
                plural(self.from_null, "was", "were")
            );
        }
        if moved > 0 {
            s += &format!(
                ", median |Δ| {}, max |Δ| {}",
                self.scale.span(self.median_abs_delta, g),
                self.scale.span(self.max_abs_delta, g)
            );
        }
        if let Some(t) = self.transitions.first() {
            s += &format!(", most often {} → {} ({})", t.base, t.head, t.count);
        }
        s
    }

    /// The paired test in words: "Wilcoxon q = 1.2e-5, sign test p =
    /// 3.1e-4, typical key moved 0.02 sd (floor 0.1)".
    pub fn test_line(&self) -> Option<String> {
        let t = self.test?;
        Some(format!(
            "Wilcoxon signed-rank q = {:.3e} ({}, {} non-zero), sign test p = {:.3e}; typical key moved {} sd (floor {})",
            t.p_adjusted,
            t.method,
            t.n,
            t.sign_p_value,
            g(self.effect),
            self.min_effect
        ))
    }
}

/// A fraction as a percentage with one decimal ("4.0%"), or with more
/// when it would otherwise read 0.0% or 100.0% without being so.
pub fn percent(f: f64) -> String {
    let p = f * 100.0;
    // Decimals enough to show the first digit that is not 0 (or 9).
    let gap = if p > 0.0 && p < 0.05 {
        p
    } else if p < 100.0 && p > 99.95 {
        100.0 - p
    } else {
        return format!("{p:.1}%");
    };
    let decimals = ((-gap.log10() - 1e-6).ceil() as usize).clamp(2, 12);
    format!("{p:.decimals$}%")
}

/// A number to four significant digits, without trailing zeros.
pub fn g(x: f64) -> String {
    super::significant(x, 4, 9, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paired(changed: u64, up: u64, down: u64) -> Paired {
        Paired {
            keys: 300,
            changed,
            up,
            down,
            to_null: 0,
            from_null: 0,
            median_abs_delta: 0.04999999999999982,
            max_abs_delta: 0.05,
            samples: Vec::new(),
            transitions: Vec::new(),
            test: None,
            effect: 0.0,
            alpha: 0.01,
            min_effect: 0.1,
            max_changed_fraction: None,
            points: Vec::new(),
            scale: Default::default(),
        }
    }

    #[test]
    fn headline_says_how_many_which_way_and_how_far() {
        assert_eq!(
            paired(12, 12, 0).headline(),
            "12 of 300 keys changed (4.0%), all up, median |Δ| 0.05, max |Δ| 0.05"
        );
        assert_eq!(
            paired(3, 1, 2).headline(),
            "3 of 300 keys changed (1.0%), 1 up, 2 down, median |Δ| 0.05, max |Δ| 0.05"
        );
        assert_eq!(paired(0, 0, 0).headline(), "0 of 300 keys changed (0.0%)");
    }

    #[test]
    fn changed_fraction_fails_only_when_a_maximum_is_set() {
        let mut p = paired(3, 3, 0);
        assert!(!p.regression());
        p.max_changed_fraction = Some(0.005);
        assert!(p.too_many_changed());
        p.max_changed_fraction = Some(0.01);
        assert!(!p.too_many_changed(), "1.0% is not more than 1%");
    }

    #[test]
    fn a_tiny_fraction_does_not_read_as_zero() {
        assert_eq!(percent(1.0 / 10_000_000.0), "0.00001%");
        assert_eq!(percent(1.0 - 1.0 / 10_000_000.0), "99.99999%");
        assert_eq!(percent(0.04), "4.0%");
    }
}
