//! Judging history: each series' points in time order, every point checked
//! against the n-sigma band of the accepted points before it, and the last
//! `last` points searched for change points. The latest point (or the one
//! of a chosen run) decides: an anomaly there fails; a change point warns
//! (fails with `strict`).

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::Row;
use super::store::Note;
pub use crate::config::Detect as Settings;
use crate::config::HistoryConfig;
use crate::stats::anomaly::{self, Check};
use crate::stats::changepoint::{self, ChangePoint};

/// One point of a series.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub run: String,
    pub as_of: i64,
    pub recorded_at: i64,
    pub value: f64,
    /// The commit the point profiles (`run --record`).
    pub commit: Option<String>,
    /// The label it was recorded with (`--label`).
    pub label: Option<String>,
}

/// A series judged.
#[derive(Debug, Clone)]
pub struct Judged {
    pub name: String,
    /// The settings it was judged with.
    pub settings: Settings,
    pub points: Vec<Point>,
    /// One per point.
    pub checks: Vec<Check>,
    /// Indices into `points`.
    pub changepoints: Vec<ChangePoint>,
}

impl Judged {
    /// The index of the point judged: the run's, or the latest.
    pub fn at(&self, run: Option<&str>) -> Option<usize> {
        match run {
            Some(r) => self.points.iter().position(|p| p.run == r),
            None => self.points.len().checked_sub(1),
        }
    }

    /// Whether the judged point is an anomaly.
    pub fn anomaly_at(&self, i: usize) -> bool {
        matches!(self.checks[i], Check::Checked { anomaly: true, .. })
    }
}

/// The scalar series of `rows` (sketches are not series), each sorted by
/// as-of time then recording time.
pub fn series(rows: &[Row]) -> BTreeMap<String, Vec<Point>> {
    let mut out: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.points.is_none()) {
        out.entry(r.series()).or_default().push(Point {
            run: r.run.clone(),
            as_of: r.as_of,
            recorded_at: r.recorded_at,
            value: r.value,
            commit: r.commit.clone(),
            label: r.label.clone(),
        });
    }
    for points in out.values_mut() {
        points.sort_by(|a, b| {
            (a.as_of, a.recorded_at, &a.run).cmp(&(b.as_of, b.recorded_at, &b.run))
        });
    }
    out
}

/// Judges every series (in parallel: they are independent), with the
/// store's notes and each series' settings from `config`.
pub fn judge(
    series: BTreeMap<String, Vec<Point>>,
    notes: &[Note],
    config: &HistoryConfig,
) -> Vec<Judged> {
    series
        .into_par_iter()
        .map(|(name, points)| {
            let settings = config.detect_for(&name);
            judge_one(name, points, notes, settings)
        })
        .collect()
}

pub fn judge_one(name: String, points: Vec<Point>, notes: &[Note], settings: Settings) -> Judged {
    let values: Vec<f64> = points.iter().map(|p| p.value).collect();
    let excluded: Vec<bool> = points
        .iter()
        .map(|p| {
            notes
                .iter()
                .any(|n| matches!(n, Note::Exclude { run, .. } if *run == p.run))
        })
        .collect();
    let restart: Vec<bool> = points
        .iter()
        .map(|p| {
            notes.iter().any(
                |n| matches!(n, Note::Accept { series, from } if *series == name && *from == p.run),
            )
        })
        .collect();
    let checks = anomaly::detect(&values, &excluded, &restart, settings.anomaly);
    // Change points over the latest `last` finite, not excluded points
    // since the level last accepted (its change is known), as indices into
    // the whole series.
    let accepted = restart.iter().rposition(|&r| r).unwrap_or(0);
    let start = values.len().saturating_sub(settings.last).max(accepted);
    let window: Vec<(usize, f64)> = (start..values.len())
        .filter(|&i| values[i].is_finite() && !excluded[i])
        .map(|i| (i, values[i]))
        .collect();
    let xs: Vec<f64> = window.iter().map(|w| w.1).collect();
    // Too few points for the anomaly rule are too few to speak of levels:
    // the t-test of two points against one calls any step certain.
    let found = if xs.len() > settings.anomaly.min_history {
        changepoint::change_points(&xs, settings.changepoint)
    } else {
        Vec::new()
    };
    let changepoints = found
        .into_iter()
        .map(|mut c| {
            c.index = window[c.index].0;
            c
        })
        .collect();
    Judged {
        name,
        settings,
        points,
        checks,
        changepoints,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run: usize, as_of: i64, metric: &str, value: f64) -> Row {
        Row {
            run: format!("r{run:02}"),
            recorded_at: run as i64,
            as_of,
            commit: None,
            label: None,
            table: "plays".into(),
            column: None,
            metric: metric.into(),
            value,
            points: None,
            dtype: None,
        }
    }

    #[test]
    fn points_are_ordered_by_as_of_and_a_drop_is_flagged_at_its_run() {
        // Recorded out of order (a backfill): the as-of time orders them.
        let mut rows = Vec::new();
        for i in 0..30 {
            let value = if i < 25 {
                600.0 + (i % 3) as f64
            } else {
                150.0
            };
            rows.push(row(i, 1000 - i as i64, "row_count", value));
        }
        let s = series(&rows);
        let points = &s["plays.row_count"];
        assert_eq!(points[0].run, "r29");
        let judged = judge_one(
            "plays.row_count".into(),
            points.clone(),
            &[],
            Settings::default(),
        );
        // In as-of order the five 150s come first: insufficient history;
        // the 600s after them are then a level the baseline has not seen.
        assert!(matches!(judged.checks[0], Check::Insufficient { .. }));
        let mut forward = rows.clone();
        for r in &mut forward {
            r.as_of = r.recorded_at;
        }
        let s = series(&forward);
        let judge = |notes: &[Note]| {
            judge_one(
                "plays.row_count".into(),
                s["plays.row_count"].clone(),
                notes,
                Settings::default(),
            )
        };
        let j = judge(&[]);
        // Accepting the new level from its first run: the baseline restarts.
        let a = judge(&[Note::Accept {
            series: "plays.row_count".into(),
            from: "r25".into(),
        }]);
        assert!(!a.anomaly_at(29));
        assert!(matches!(a.checks[29], Check::Insufficient { history: 4 }));
        // Excluded runs are in no baseline and never judged.
        let exclude: Vec<Note> = (25..29)
            .map(|r| Note::Exclude {
                run: format!("r{r:02}"),
                reason: "outage".into(),
            })
            .collect();
        let e = judge(&exclude);
        assert_eq!(e.checks[26], Check::Skipped);
        assert!(e.anomaly_at(29));
        assert!(!j.anomaly_at(24));
        assert!(j.anomaly_at(25));
        assert!(j.anomaly_at(j.at(None).unwrap()));
        assert_eq!(
            j.changepoints.iter().map(|c| c.index).collect::<Vec<_>>(),
            [25]
        );
    }

    #[test]
    fn a_series_too_short_for_the_anomaly_rule_has_no_change_points() {
        // Two points then a step: Otava's t-test (no variance on either
        // side) calls it certain, p = 0; with history this short the
        // audit says "insufficient history" instead, and nothing else.
        let judged = |values: &[f64]| {
            let rows: Vec<Row> = values
                .iter()
                .enumerate()
                .map(|(i, &v)| row(i, i as i64, "null_count", v))
                .collect();
            let name = "plays.null_count";
            judge_one(
                name.into(),
                series(&rows)[name].clone(),
                &[],
                Settings::default(),
            )
        };
        let short = judged(&[9.0, 9.0, 10.0]);
        assert!(matches!(short.checks[2], Check::Insufficient { .. }));
        assert!(short.changepoints.is_empty());
        // The same step after eleven points is one.
        let mut long: Vec<f64> = (0..11).map(|i| 9.0 + (i % 2) as f64 * 0.1).collect();
        long.extend([20.0; 3]);
        let long = judged(&long);
        assert_eq!(long.changepoints.len(), 1);
        assert_eq!(long.changepoints[0].index, 11);
    }

    #[test]
    fn an_accepted_level_is_no_change_point_any_more() {
        // 600 rows a day for 20 days, then 150 for 15: a change point where
        // the new level starts, until the team accepts it there (with
        // --strict, every nightly audit failed on it for 100 runs).
        let rows: Vec<Row> = (0..35)
            .map(|i| {
                row(
                    i,
                    i as i64,
                    "row_count",
                    if i < 20 {
                        600.0 + (i % 3) as f64
                    } else {
                        150.0 + (i % 2) as f64
                    },
                )
            })
            .collect();
        let name = "plays.row_count";
        let points = series(&rows)[name].clone();
        let judged =
            |notes: &[Note]| judge_one(name.into(), points.clone(), notes, Settings::default());
        let before = judged(&[]);
        assert_eq!(
            before
                .changepoints
                .iter()
                .map(|c| c.index)
                .collect::<Vec<_>>(),
            [20]
        );
        let accept = Note::Accept {
            series: name.into(),
            from: "r20".into(),
        };
        assert!(judged(&[accept]).changepoints.is_empty());
    }
}
