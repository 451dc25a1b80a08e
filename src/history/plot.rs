//! A judged series laid out for a small multiple (`model::history::
//! SeriesPlot`): the points shown with the band each was judged against,
//! excluded runs, accepted levels, change points, audit bounds, and for a
//! flagged numeric series the latest point's histogram over its
//! baseline's, binned here from the stored sketches.

use std::collections::{BTreeMap, HashMap};

use super::Row;
use super::store::Note;
use super::watch::Judged;
use crate::model::history::{BoundLine, Overlay, PlotChange, PlotPoint, PointState, SeriesPlot};
use crate::model::profile::Sketch;
use crate::model::scale::Reading;
use crate::stats::anomaly::Check;

/// Bins of an overlay's histograms.
const OVERLAY_BINS: usize = 24;

/// What a series needs from the rest of the store: each series' table and
/// column, and each column's sketches by run.
#[derive(Default)]
pub struct Lookup {
    scope: HashMap<String, (String, Option<String>)>,
    sketches: HashMap<(String, String), HashMap<String, Vec<f64>>>,
    /// Each series' reading.
    readings: HashMap<String, Reading>,
}

impl Lookup {
    pub fn new(rows: &[Row]) -> Lookup {
        let mut l = Lookup::default();
        for r in rows {
            match (&r.points, &r.column) {
                (Some(points), Some(column)) => {
                    l.sketches
                        .entry((r.table.clone(), column.clone()))
                        .or_default()
                        .insert(r.run.clone(), points.clone());
                }
                _ => {
                    l.scope
                        .entry(r.series())
                        .or_insert_with(|| (r.table.clone(), r.column.clone()));
                }
            }
        }
        l.readings = super::readings(rows);
        l
    }

    /// Each series' reading (`history::readings`).
    pub fn readings(&self) -> &HashMap<String, Reading> {
        &self.readings
    }

    /// How a series' values read.
    pub fn reading(&self, series: &str) -> Reading {
        self.readings.get(series).copied().unwrap_or_default()
    }

    /// How the values of a series' column read (its sketches' points):
    /// as its `min` does.
    fn values(&self, series: &str) -> Reading {
        match self.scope.get(series) {
            Some((table, Some(column))) => {
                self.reading(&super::series_name(table, Some(column), "min"))
            }
            _ => Reading::Number,
        }
    }

    /// The table a series belongs to.
    pub fn table(&self, series: &str) -> Option<&str> {
        self.scope.get(series).map(|s| s.0.as_str())
    }

    fn sketches(&self, series: &str) -> Option<&HashMap<String, Vec<f64>>> {
        let (table, column) = self.scope.get(series)?;
        self.sketches.get(&(table.clone(), column.clone()?))
    }
}

/// The plot of `j`'s points from index `first` on; `bounds` are the audit
/// bounds on this series by check (one value per point of `j`); with
/// `overlay`, a flagged series' latest histogram over its baseline's.
pub fn plot(
    j: &Judged,
    first: usize,
    notes: &[Note],
    lookup: &Lookup,
    bounds: &BTreeMap<(String, bool), Vec<f64>>,
    overlay: bool,
) -> SeriesPlot {
    let excluded = |run: &str| {
        notes
            .iter()
            .any(|n| matches!(n, Note::Exclude { run: r, .. } if r == run))
    };
    let points: Vec<PlotPoint> = j.points[first..]
        .iter()
        .zip(&j.checks[first..])
        .map(|(p, c)| {
            let (state, band) = match *c {
                Check::Checked {
                    anomaly, low, high, ..
                } => (
                    if anomaly {
                        PointState::Anomaly
                    } else {
                        PointState::Ok
                    },
                    Some((low, high)),
                ),
                Check::Insufficient { .. } => (PointState::Insufficient, None),
                Check::Skipped => (PointState::Excluded, None),
            };
            PlotPoint {
                run: p.run.clone(),
                as_of: p.as_of,
                value: p.value,
                tag: p
                    .commit
                    .as_deref()
                    .map(|c| c[..c.len().min(10)].to_string())
                    .or_else(|| p.label.clone()),
                state: if excluded(&p.run) {
                    PointState::Excluded
                } else {
                    state
                },
                band,
            }
        })
        .collect();
    let changepoints = j
        .changepoints
        .iter()
        .filter(|c| c.index >= first)
        .map(|c| PlotChange {
            index: c.index - first,
            rel_change: c.forward_rel_change,
            means: (c.mean_before, c.mean_after),
            p_value: c.pvalue,
        })
        .collect();
    let accepted = notes
        .iter()
        .filter_map(|n| match n {
            Note::Accept { series, from } if *series == j.name => {
                points.iter().position(|p| p.run == *from)
            }
            _ => None,
        })
        .collect();
    let bounds = bounds
        .iter()
        .map(|((check, upper), values)| BoundLine {
            check: check.clone(),
            upper: *upper,
            values: values[first..].to_vec(),
        })
        .collect();
    let mut plot = SeriesPlot {
        name: j.name.clone(),
        points,
        changepoints,
        accepted,
        bounds,
        sigma: j.settings.anomaly.sigma,
        overlay: None,
        reading: lookup.reading(&j.name),
    };
    if overlay
        && plot.flagged()
        && let Some(sketches) = lookup.sketches(&j.name)
    {
        plot.overlay = latest_over_baseline(j, sketches, lookup.values(&j.name));
    }
    plot
}

/// The latest point's sketch binned beside its baseline's: the sketches of
/// the accepted points before it, at most the anomaly window's.
fn latest_over_baseline(
    j: &Judged,
    sketches: &HashMap<String, Vec<f64>>,
    reading: Reading,
) -> Option<Overlay> {
    let last = j.points.len().checked_sub(1)?;
    let latest = sketches.get(&j.points[last].run)?;
    let baseline: Vec<&Vec<f64>> = (0..last)
        .rev()
        .filter(|&i| {
            matches!(
                j.checks[i],
                Check::Checked { anomaly: false, .. } | Check::Insufficient { .. }
            )
        })
        .filter_map(|i| sketches.get(&j.points[i].run))
        .take(j.settings.anomaly.window)
        .collect();
    if baseline.is_empty() {
        return None;
    }
    let all = baseline.iter().copied().chain([latest]).flatten();
    let lo = all.clone().copied().fold(f64::INFINITY, f64::min);
    let hi = all.copied().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        return None;
    }
    let edges: Vec<f64> = if hi > lo {
        (0..=OVERLAY_BINS)
            .map(|b| lo + (hi - lo) * b as f64 / OVERLAY_BINS as f64)
            .collect()
    } else {
        vec![lo - 0.5, lo + 0.5]
    };
    let mut base = vec![0.0; edges.len() - 1];
    for s in &baseline {
        for (acc, share) in base.iter_mut().zip(shares(s, &edges)) {
            *acc += share / baseline.len() as f64;
        }
    }
    Some(Overlay {
        latest: shares(latest, &edges),
        baseline: base,
        edges,
        baseline_runs: baseline.len(),
        reading,
    })
}

/// The share of a sketch's distribution in each bin of `edges` (the last
/// bin closed): differences of its CDF.
fn shares(points: &[f64], edges: &[f64]) -> Vec<f64> {
    let sketch = Sketch {
        points: points.to_vec(),
    };
    let bins = edges.len() - 1;
    let mut below = 0.0;
    (0..bins)
        .map(|b| {
            let upto = if b + 1 == bins {
                1.0
            } else {
                sketch.cdf(edges[b + 1])
            };
            let share = upto - below;
            below = upto;
            share
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sketch_bins_into_shares_that_sum_to_one() {
        // 0, 1, ..., 128: uniform over [0, 128].
        let points: Vec<f64> = (0..=128).map(f64::from).collect();
        let edges = [0.0, 32.0, 64.0, 96.0, 128.0];
        let s = shares(&points, &edges);
        for share in &s {
            assert!((share - 0.25).abs() < 1e-12, "{s:?}");
        }
        // A constant sketch: all of it in the bin that holds the value.
        let s = shares(&[5.0; 129], &[4.5, 5.5]);
        assert_eq!(s, [1.0]);
        let s = shares(&[5.0; 129], &[0.0, 4.0, 8.0]);
        assert!(
            (s[0] - 0.0).abs() < 1e-12 && (s[1] - 1.0).abs() < 1e-12,
            "{s:?}"
        );
    }
}
