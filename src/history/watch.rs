//! Judging history: each series' points in time order, every point checked
//! against the n-sigma band of the accepted points before it, and the last
//! `last` points searched for change points. The latest point (or the one
//! of a chosen run) decides: an anomaly there fails; a change point warns
//! (fails with `strict`).

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;

use super::Row;
use super::store::Note;
pub use crate::config::Detect as Settings;
use crate::config::HistoryConfig;
use crate::model::scale::{Reading, Scale, TimeUnit};
use crate::stats::anomaly::{self, Check};
use crate::stats::changepoint::{self, ChangePoint};
use crate::stats::numpy;

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

/// What a series' points are judged by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Measure {
    /// The values as recorded.
    Value,
    /// A date or time column's `min`, `max`, `mean` or quantile by where it
    /// lies against its point's as-of time (`value - as_of`), when that
    /// is the steadier of the two over the series: the newest event of a
    /// daily table moves a day a day, and judged as it stands every run
    /// was a change point while a stale table (its newest event stuck)
    /// was none. `per_micro`: the column's units in a microsecond.
    AgainstAsOf { per_micro: f64 },
}

impl Measure {
    /// The measure of a series of `reading` whose values are `values` at
    /// as-of times `as_of` (microseconds), from the points before the last
    /// one that can be a baseline (not `excluded`): against the as-of time
    /// when that varies less than the values do.
    fn of(reading: Reading, values: &[f64], as_of: &[i64], excluded: &[bool]) -> Measure {
        let Some(scale) = reading.instant() else {
            return Measure::Value;
        };
        let micros = Scale::Datetime {
            unit: TimeUnit::Microseconds,
            zoned: true,
        };
        let against = Measure::AgainstAsOf {
            per_micro: micros.factor_to(scale),
        };
        let before = values.len().saturating_sub(1);
        let spread = |m: Measure| {
            let xs: Vec<f64> = (0..before)
                .filter(|&i| !excluded[i] && values[i].is_finite())
                .map(|i| m.judged(values[i], as_of[i]))
                .collect();
            (xs.len() > 1).then(|| numpy::std(&xs, numpy::mean(&xs), 0))
        };
        match (spread(Measure::Value), spread(against)) {
            (Some(value), Some(lag)) if lag < value => against,
            _ => Measure::Value,
        }
    }

    /// The number judged for a value at as-of time `as_of`.
    pub fn judged(self, value: f64, as_of: i64) -> f64 {
        value - self.origin(as_of)
    }

    /// What a judged number is measured from at as-of time `as_of`, in the
    /// values' units: 0, or the as-of time itself.
    pub fn origin(self, as_of: i64) -> f64 {
        match self {
            Measure::Value => 0.0,
            Measure::AgainstAsOf { per_micro } => as_of as f64 * per_micro,
        }
    }
}

/// A series judged. Its checks' bands and its change points' means are in
/// the values' own terms, whatever its measure.
#[derive(Debug, Clone)]
pub struct Judged {
    pub name: String,
    /// The settings it was judged with.
    pub settings: Settings,
    pub measure: Measure,
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

    /// Whether the series is judged against its as-of times.
    pub fn against_as_of(&self) -> bool {
        self.measure != Measure::Value
    }

    /// Point `i`'s as-of time in the values' units, when the series is
    /// judged against its as-of times.
    pub fn as_of_value(&self, i: usize) -> Option<f64> {
        match self.measure {
            Measure::Value => None,
            m @ Measure::AgainstAsOf { .. } => Some(m.origin(self.points[i].as_of)),
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
/// store's notes, each series' settings from `config` and its reading
/// from `readings` (none: plain numbers).
pub fn judge(
    series: BTreeMap<String, Vec<Point>>,
    notes: &[Note],
    config: &HistoryConfig,
    readings: &HashMap<String, Reading>,
) -> Vec<Judged> {
    series
        .into_par_iter()
        .map(|(name, points)| {
            let settings = config.detect_for(&name);
            let reading = readings.get(&name).copied().unwrap_or_default();
            judge_one(name, points, notes, settings, reading)
        })
        .collect()
}

pub fn judge_one(
    name: String,
    points: Vec<Point>,
    notes: &[Note],
    settings: Settings,
    reading: Reading,
) -> Judged {
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
    let recorded: Vec<f64> = points.iter().map(|p| p.value).collect();
    let as_of: Vec<i64> = points.iter().map(|p| p.as_of).collect();
    let measure = Measure::of(reading, &recorded, &as_of, &excluded);
    let values: Vec<f64> = (0..points.len())
        .map(|i| measure.judged(recorded[i], as_of[i]))
        .collect();
    let mut checks = anomaly::detect(&values, &excluded, &restart, settings.anomaly);
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
    // the t-test of two points against one calls any step certain. And a
    // series the config says trends by nature (`changepoints = false`) has
    // none to find.
    let found = if settings.changepoints && xs.len() > settings.anomaly.min_history {
        changepoint::change_points(&xs, settings.changepoint)
    } else {
        Vec::new()
    };
    let mut changepoints: Vec<ChangePoint> = found
        .into_iter()
        .map(|mut c| {
            c.index = window[c.index].0;
            c
        })
        .collect();
    // Back in the values' terms: each band at its point's as-of time, each
    // level at its change point's.
    for (check, &t) in checks.iter_mut().zip(&as_of) {
        if let Check::Checked {
            center, low, high, ..
        } = check
        {
            let origin = measure.origin(t);
            for x in [center, low, high] {
                *x += origin;
            }
        }
    }
    for c in &mut changepoints {
        let origin = measure.origin(as_of[c.index]);
        c.mean_before += origin;
        c.mean_after += origin;
    }
    Judged {
        name,
        settings,
        measure,
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

    /// Series `plays.<metric>` of `points` (as-of time, value), one run
    /// each, judged with the defaults.
    fn judged(metric: &str, points: impl Iterator<Item = (i64, f64)>, reading: Reading) -> Judged {
        let rows: Vec<Row> = points
            .enumerate()
            .map(|(i, (as_of, v))| row(i, as_of, metric, v))
            .collect();
        let name = format!("plays.{metric}");
        let points = series(&rows)[&name].clone();
        judge_one(name, points, &[], Settings::default(), reading)
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
            Reading::Number,
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
                Reading::Number,
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
            let points = values.iter().enumerate().map(|(i, &v)| (i as i64, v));
            judged("null_count", points, Reading::Number)
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
        let judged = |notes: &[Note]| {
            judge_one(
                name.into(),
                points.clone(),
                notes,
                Settings::default(),
                Reading::Number,
            )
        };
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
        // Nor is there one where the config turns the search off.
        let off = Settings {
            changepoints: false,
            ..Settings::default()
        };
        let j = judge_one(name.into(), points.clone(), &[], off, Reading::Number);
        assert!(j.changepoints.is_empty() && j.anomaly_at(20));
    }

    #[test]
    fn the_newest_event_of_a_daily_table_is_judged_against_its_as_of_time() {
        // A table recorded daily at 06:00 whose newest event is from 5 to 7
        // hours before: its `max` moves a day a day. Judged as it stands,
        // that trend was a change point every run and a stale table (the
        // newest event stuck on day 24) no anomaly.
        const DAY: i64 = 86_400_000_000;
        const HOUR: i64 = 3_600_000_000;
        let reading = Reading::At(Scale::Datetime {
            unit: TimeUnit::Microseconds,
            zoned: false,
        });
        let at = |i: i64| 20_000 * DAY + i * DAY + 6 * HOUR;
        let newest = |i: i64| at(i) - 5 * HOUR - (i * 7 % 5) * HOUR / 2;
        let judged = |values: &[i64], reading: Reading| {
            let points = values
                .iter()
                .enumerate()
                .map(|(i, &v)| (at(i as i64), v as f64));
            judged("max", points, reading)
        };
        let fresh: Vec<i64> = (0..25).map(newest).collect();
        let as_numbers = judged(&fresh, Reading::Number);
        assert_eq!(as_numbers.measure, Measure::Value);
        assert!(!as_numbers.changepoints.is_empty());
        let j = judged(&fresh, reading);
        assert_eq!(j.measure, Measure::AgainstAsOf { per_micro: 1.0 });
        assert!(j.changepoints.is_empty(), "{:?}", j.changepoints);
        assert!(!j.anomaly_at(24));
        // The band is the values' own: around the run's as-of time less
        // the usual 5-7 hours.
        let Check::Checked {
            center, low, high, ..
        } = j.checks[24]
        else {
            panic!("{:?}", j.checks[24]);
        };
        assert!((low..=high).contains(&(fresh[24] as f64)));
        let behind = (at(24) as f64 - center) / HOUR as f64;
        assert!((5.0..7.0).contains(&behind), "{behind}");
        assert_eq!(j.as_of_value(24), Some(at(24) as f64));
        // Day 24's run finds yesterday's newest event again: stale.
        let mut stale = fresh.clone();
        stale[24] = stale[23];
        let j = judged(&stale, reading);
        assert!(j.anomaly_at(24));
        // A column's earliest event, the same every run, is judged as it
        // stands: against the as-of time it would move a day a day.
        let first = vec![at(0) - 400 * DAY; 25];
        let j = judged(&first, reading);
        assert_eq!(j.measure, Measure::Value);
        assert!(j.changepoints.is_empty() && !j.anomaly_at(24));
    }
}
