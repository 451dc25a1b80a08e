//! A keyed feature compared key by key: base's and head's values of the
//! same key paired (as exact tables pair rows, the n-th occurrence of a key
//! with the n-th), what changed beyond the table's precision, by how much
//! and which way, and the paired tests on the deltas (`stats::paired`).
//! Categories: which keys changed category, and the most frequent changes.

use std::collections::HashMap;

use polars::prelude::*;

use crate::diff::{KeyPairs, SAMPLES, row_values, to_json};
use crate::model::ValueSample;
use crate::model::paired::{PLOT_POINTS, Paired, PairedTest, Transition};
use crate::stats::{numpy, paired};

/// Most frequent changes of category reported per feature.
const TRANSITIONS: usize = 5;

/// What a paired comparison needs from the table and the feature's test.
pub(crate) struct Settings<'a> {
    pub key: &'a [String],
    /// Relative: values closer than this are unchanged (float noise).
    pub tolerance: f64,
    pub alpha: f64,
    pub min_effect: f64,
    pub max_changed_fraction: Option<f64>,
}

impl Settings<'_> {
    fn empty(&self, keys: u64) -> Paired {
        Paired {
            keys,
            changed: 0,
            up: 0,
            down: 0,
            to_null: 0,
            from_null: 0,
            median_abs_delta: 0.0,
            max_abs_delta: 0.0,
            samples: Vec::new(),
            transitions: Vec::new(),
            test: None,
            effect: f64::NAN,
            alpha: self.alpha,
            min_effect: self.min_effect,
            max_changed_fraction: self.max_changed_fraction,
            points: Vec::new(),
        }
    }
}

/// A side's column as numbers: decimals as their values, dates and times
/// as their physical numbers, NaN as null (as the distribution tests).
pub(crate) fn as_f64(s: &Series) -> PolarsResult<Series> {
    if s.dtype().is_decimal() {
        s.cast(&DataType::Float64)
    } else {
        s.to_physical_repr().cast(&DataType::Float64)
    }
}

fn value(x: Option<f64>) -> Option<f64> {
    x.filter(|v| !v.is_nan())
}

/// A numeric feature key by key. `spread` is base's standard deviation,
/// the unit of the effect.
pub(crate) fn numeric(
    settings: &Settings<'_>,
    pairs: &KeyPairs,
    (base, head): (&Series, &Series),
    spread: f64,
) -> PolarsResult<Paired> {
    let (b_orig, h_orig) = (pairs.take(base, true)?, pairs.take(head, false)?);
    let (b, h) = (as_f64(&b_orig)?, as_f64(&h_orig)?);
    let (b, h) = (b.f64()?.rechunk(), h.f64()?.rechunk());
    let mut out = settings.empty(pairs.len() as u64);
    // Every pair where both sides hold a number: its delta, 0 when the
    // change is within the precision.
    let mut deltas: Vec<f64> = Vec::with_capacity(b.len());
    let mut changed_pairs = 0u64;
    // The largest changes: (|Δ| or +inf for null changes, pair), largest first.
    let mut largest: Vec<(f64, usize)> = Vec::with_capacity(SAMPLES + 1);
    let mut keep = |size: f64, i: usize| {
        if largest.len() == SAMPLES && largest[SAMPLES - 1].0 >= size {
            return;
        }
        let at = largest.partition_point(|(s, _)| *s >= size);
        largest.insert(at, (size, i));
        largest.truncate(SAMPLES);
    };
    let tol = settings.tolerance;
    for (i, (bv, hv)) in b.iter().zip(h.iter()).enumerate() {
        match (value(bv), value(hv)) {
            (None, None) => {}
            (Some(_), None) => {
                out.to_null += 1;
                keep(f64::INFINITY, i);
            }
            (None, Some(_)) => {
                out.from_null += 1;
                keep(f64::INFINITY, i);
            }
            (Some(x), Some(y)) => {
                if x == y || (y - x).abs() <= tol * x.abs().max(y.abs()) {
                    deltas.push(0.0);
                } else {
                    let d = y - x;
                    deltas.push(d);
                    changed_pairs += 1;
                    keep(d.abs(), i);
                }
            }
        }
    }
    out.changed = changed_pairs + out.to_null + out.from_null;
    let counts = paired::counts(&deltas);
    (out.up, out.down) = (counts.positive, counts.negative);
    (out.median_abs_delta, out.max_abs_delta) = (counts.median_abs, counts.max_abs);
    out.effect = typical_move(&deltas, counts.zeros) / spread;
    if out.effect.is_nan() {
        // No spread (base constant, or empty): any move is infinitely large.
        out.effect = if typical_move(&deltas, counts.zeros) > 0.0 {
            f64::INFINITY
        } else {
            0.0
        };
    }
    out.test = paired::wilcoxon(&deltas, paired::Method::Auto).map(|w| PairedTest {
        n: w.n as u64,
        statistic: w.statistic,
        p_value: w.p_value,
        p_adjusted: f64::NAN,
        method: w.method.as_str(),
        sign_p_value: paired::sign_test(counts.positive, counts.negative),
    });
    out.points = points(&b, &h, tol, changed_pairs);
    out.samples = samples(settings.key, pairs, (&b_orig, &h_orig), &largest)?;
    Ok(out)
}

/// The median |Δ| over every pair, unchanged ones included (0 whenever
/// more than half the pairs are unchanged).
fn typical_move(deltas: &[f64], zeros: u64) -> f64 {
    if deltas.is_empty() || zeros * 2 > deltas.len() as u64 {
        return 0.0;
    }
    let abs: Vec<f64> = deltas.iter().map(|d| d.abs()).collect();
    numpy::median(&abs)
}

/// (base, Δ) of at most [`PLOT_POINTS`] changed pairs, taken evenly.
fn points(b: &Float64Chunked, h: &Float64Chunked, tol: f64, changed: u64) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(PLOT_POINTS.min(changed as usize));
    let mut seen = 0u64;
    let every = changed.div_ceil(PLOT_POINTS as u64).max(1);
    for (bv, hv) in b.iter().zip(h.iter()) {
        let (Some(x), Some(y)) = (value(bv), value(hv)) else {
            continue;
        };
        if x == y || (y - x).abs() <= tol * x.abs().max(y.abs()) {
            continue;
        }
        if seen.is_multiple_of(every) {
            out.push((x, y - x));
        }
        seen += 1;
    }
    out
}

/// Samples of the pairs `picked` (positions in pair order): the key and
/// both values as written.
fn samples(
    key: &[String],
    pairs: &KeyPairs,
    (b, h): (&Series, &Series),
    picked: &[(f64, usize)],
) -> PolarsResult<Vec<ValueSample>> {
    picked
        .iter()
        .map(|&(_, i)| {
            Ok(ValueSample {
                key: row_values(&pairs.base_keys, key, pairs.base_row(i))?,
                path: None,
                base: to_json(&b.get(i)?),
                head: to_json(&h.get(i)?),
            })
        })
        .collect()
}

/// A categorical feature key by key: which keys changed category and the
/// most frequent changes.
pub(crate) fn categorical(
    settings: &Settings<'_>,
    pairs: &KeyPairs,
    (base, head): (&Series, &Series),
) -> PolarsResult<Paired> {
    let (b_orig, h_orig) = (pairs.take(base, true)?, pairs.take(head, false)?);
    let (b, h) = (
        b_orig.cast(&DataType::String)?,
        h_orig.cast(&DataType::String)?,
    );
    let (b, h) = (b.str()?, h.str()?);
    let mut out = settings.empty(pairs.len() as u64);
    let mut transitions: HashMap<(Option<&str>, Option<&str>), u64> = HashMap::new();
    let mut first = Vec::with_capacity(SAMPLES);
    for (i, (bv, hv)) in b.iter().zip(h.iter()).enumerate() {
        if bv == hv {
            continue;
        }
        out.changed += 1;
        out.to_null += u64::from(hv.is_none());
        out.from_null += u64::from(bv.is_none());
        *transitions.entry((bv, hv)).or_default() += 1;
        if first.len() < SAMPLES {
            first.push((0.0, i));
        }
    }
    let mut transitions: Vec<Transition> = transitions
        .into_iter()
        .map(|((b, h), count)| Transition {
            base: b.map_or("null".to_string(), |v| format!("{v:?}")),
            head: h.map_or("null".to_string(), |v| format!("{v:?}")),
            count,
        })
        .collect();
    transitions.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| (&a.base, &a.head).cmp(&(&b.base, &b.head)))
    });
    transitions.truncate(TRANSITIONS);
    out.transitions = transitions;
    out.samples = samples(settings.key, pairs, (&b_orig, &h_orig), &first)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::{CompareMode, Format, Table};
    use crate::distribution::{apply_fdr, compare_distribution};
    use crate::model::{TableReport, Verdict};
    use polars::prelude::*;

    fn table(key: &[&str]) -> Table {
        Table {
            key: key.iter().map(|k| k.to_string()).collect(),
            ..Table::new(
                "features",
                "f.parquet",
                Format::Parquet,
                CompareMode::Distribution,
            )
        }
    }

    fn run(t: &Table, base: DataFrame, head: DataFrame) -> TableReport {
        let mut r = compare_distribution(t, &base, &head).unwrap();
        apply_fdr(std::slice::from_mut(&mut r));
        r
    }

    /// 1,000 profiles' short-play shares, head in another row order.
    fn shares() -> (Vec<i64>, Vec<f64>) {
        let ids: Vec<i64> = (0..1000).collect();
        let share = ids
            .iter()
            .map(|i| ((i * 37) % 100) as f64 / 100.0)
            .collect();
        (ids, share)
    }

    #[test]
    fn a_threshold_change_moving_one_percent_of_keys_is_reported_and_passes() {
        let (ids, share) = shares();
        let mut moved = share.clone();
        for i in (0..1000).step_by(100) {
            moved[i] += 0.05;
        }
        // Head written in reverse order: pairing is by key, not position.
        let rev = |v: &[f64]| v.iter().rev().copied().collect::<Vec<_>>();
        let rev_ids: Vec<i64> = ids.iter().rev().copied().collect();
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => rev_ids, "share" => rev(&moved)).unwrap(),
        );
        let p = r.features[0]
            .paired
            .as_ref()
            .expect("keyed: compared key by key");
        assert_eq!((p.keys, p.changed, p.up, p.down), (1000, 10, 10, 0));
        assert!((p.max_abs_delta - 0.05).abs() < 1e-12);
        assert_eq!(p.samples.len(), 5);
        let k = &p.samples[0].key[0];
        assert_eq!(k.0, "id");
        let id = k.1.as_i64().unwrap() as usize;
        assert_eq!(id % 100, 0, "a sample names a key that moved");
        assert_eq!(p.samples[0].base.as_f64().unwrap(), share[id]);
        assert_eq!(p.effect, 0.0, "99% of keys did not move");
        assert!(p.test.unwrap().p_value < 0.01, "all ten moved up");
        assert_eq!(r.verdict(), Verdict::Pass);
        assert_eq!(
            r.paired_keys,
            Some(crate::model::paired::PairedKeys {
                paired: 1000,
                only_base: 0,
                only_head: 0
            })
        );
    }

    #[test]
    fn max_changed_fraction_makes_changed_keys_a_regression() {
        let (ids, share) = shares();
        let mut moved = share.clone();
        for i in (0..1000).step_by(100) {
            moved[i] += 0.05;
        }
        let t = Table {
            max_changed_fraction: Some(0.005),
            ..table(&["id"])
        };
        let r = run(
            &t,
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => &ids, "share" => &moved).unwrap(),
        );
        assert_eq!(r.verdict(), Verdict::Regression);
        let f = r.findings();
        assert!(
            f[0].message
                .contains("10 of 1000 keys changed (1.0%), all up"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn float_noise_changes_no_key() {
        let ids: Vec<i64> = (0..5000).collect();
        let x: Vec<f64> = ids.iter().map(|i| (i % 997 + 1) as f64).collect();
        let base: Vec<f64> = x.iter().map(|x| x.log10()).collect();
        let head: Vec<f64> = x.iter().map(|x| x.ln() / std::f64::consts::LN_10).collect();
        assert!(base != head, "the two computations must differ");
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "log_x" => base).unwrap(),
            df!("id" => &ids, "log_x" => head).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!(p.changed, 0);
        assert!(p.test.is_none());
        assert!(r.findings().is_empty());
    }

    #[test]
    fn every_key_moving_together_is_a_regression_by_the_paired_test() {
        let (ids, share) = shares();
        let shifted: Vec<f64> = share.iter().map(|s| s + 0.05).collect();
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => &ids, "share" => shifted).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.changed, p.up), (1000, 1000));
        // 0.05 against a spread of about 0.29: 0.17 sd, above the 0.1 floor.
        assert!(p.effect > 0.15 && p.effect < 0.2, "{}", p.effect);
        assert!(p.shifted());
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn categories_report_their_transitions_and_nulls() {
        let ids: Vec<i64> = (0..6).collect();
        let base = ["adult", "adult", "adult", "kids", "kids", "teen"];
        let head = [
            Some("kids"),
            Some("kids"),
            Some("adult"),
            Some("kids"),
            None,
            Some("teen"),
        ];
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "segment" => base).unwrap(),
            df!("id" => &ids, "segment" => head).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.changed, p.to_null), (3, 1));
        assert_eq!(p.transitions[0].base, "\"adult\"");
        assert_eq!(p.transitions[0].head, "\"kids\"");
        assert_eq!(p.transitions[0].count, 2);
        assert_eq!(p.transitions[1].head, "null");
        assert!(p.test.is_none());
    }

    #[test]
    fn keys_on_one_side_only_are_counted_and_the_rest_paired() {
        let r = run(
            &table(&["id"]),
            df!("id" => [1i64, 2, 3, 4], "x" => [1.0, 2.0, 3.0, 4.0]).unwrap(),
            df!("id" => [2i64, 3, 4, 5], "x" => [2.0, 3.0, 4.5, 9.0]).unwrap(),
        );
        assert_eq!(
            r.paired_keys,
            Some(crate::model::paired::PairedKeys {
                paired: 3,
                only_base: 1,
                only_head: 1
            })
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.keys, p.changed), (3, 1));
        assert_eq!(r.missing_samples[0].values[0].1, serde_json::json!(1));
        assert_eq!(r.extra_samples[0].values[0].1, serde_json::json!(5));
    }

    #[test]
    fn a_key_base_lacks_is_an_error_not_a_silent_skip() {
        let t = table(&["profile_id"]);
        let e = compare_distribution(
            &t,
            &df!("id" => [1i64], "x" => [1.0]).unwrap(),
            &df!("id" => [1i64], "x" => [1.0]).unwrap(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("key column `profile_id` is not in the base output"),
            "{e}"
        );
    }
}
