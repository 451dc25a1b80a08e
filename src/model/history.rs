//! History to look at: one series laid out for a small multiple (its
//! points, the band each was judged against, its marks), a store's
//! dashboard, and a run's head placed in the history its base branch
//! recorded. `history::plot`, `history::dashboard` and
//! `history::head_vs_main` fill it; `report::series_svg` draws a series;
//! `report::dashboard` and the run reports render the rest.

use super::scale::Reading;
use super::significant;
use crate::config::HistoryGate;

/// One series as a small multiple shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesPlot {
    /// `table.column.metric` or `table.metric`.
    pub name: String,
    /// The points shown, oldest first.
    pub points: Vec<PlotPoint>,
    /// Change points among them (indices into `points`).
    pub changepoints: Vec<PlotChange>,
    /// Indices where a level accepted with `history accept` starts.
    pub accepted: Vec<usize>,
    /// `[[audit]]` bounds on this series, one value per point (NaN where
    /// the check had no answer).
    pub bounds: Vec<BoundLine>,
    /// The sigma of the band.
    pub sigma: f64,
    /// The latest point's distribution over its baseline's, from the
    /// stored sketches (numeric series that are flagged).
    pub overlay: Option<Overlay>,
    /// How its values read (a date column's quantiles as dates).
    pub reading: Reading,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlotPoint {
    pub run: String,
    /// Microseconds since the epoch.
    pub as_of: i64,
    pub value: f64,
    /// The commit (10 characters) or label it was recorded with.
    pub tag: Option<String>,
    pub state: PointState,
    /// The band it was judged against, when it had enough history.
    pub band: Option<(f64, f64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointState {
    Ok,
    Anomaly,
    /// Left out of every baseline (`history exclude`), or not a number.
    Excluded,
    /// Too few points before it to be judged.
    Insufficient,
    /// A pull request's head, placed after the base branch's history.
    Head,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlotChange {
    /// The first point of the new level.
    pub index: usize,
    /// `after / before - 1`.
    pub rel_change: f64,
    /// The means of the levels before and after.
    pub means: (f64, f64),
    pub p_value: f64,
}

/// An audit's bound on a series over time.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundLine {
    /// The check's name.
    pub check: String,
    /// An upper bound (`<=`, `<`, the top of `between`), else a lower one.
    pub upper: bool,
    /// One per point of the plot.
    pub values: Vec<f64>,
}

/// Two histograms over the same bins: the latest point's and its
/// baseline's (the mean of the baseline points' histograms), as shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    /// `bins + 1` edges.
    pub edges: Vec<f64>,
    pub latest: Vec<f64>,
    pub baseline: Vec<f64>,
    /// Points whose sketches make the baseline.
    pub baseline_runs: usize,
    /// How the edges read (the column's values: dates for a date column).
    pub reading: Reading,
}

impl SeriesPlot {
    pub fn anomalies(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.state == PointState::Anomaly)
            .count()
    }

    /// Audit bounds the points cross.
    pub fn bound_breaches(&self) -> usize {
        self.bounds
            .iter()
            .map(|b| {
                self.points
                    .iter()
                    .zip(&b.values)
                    .filter(|&(p, &bound)| {
                        !bound.is_nan()
                            && if b.upper {
                                p.value > bound
                            } else {
                                p.value < bound
                            }
                    })
                    .count()
            })
            .sum()
    }

    /// Flagged: an anomaly, a change point or a crossed audit bound among
    /// the points shown.
    pub fn flagged(&self) -> bool {
        self.anomalies() > 0 || !self.changepoints.is_empty() || self.bound_breaches() > 0
    }

    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|p| p.value).collect()
    }
}

/// A store's series over a span of weeks, table by table.
#[derive(Debug, Clone, PartialEq)]
pub struct Dashboard {
    /// The store, as `dir:PATH` or `git:REF`.
    pub store: String,
    pub weeks: u32,
    /// The span shown (as-of times, microseconds): `weeks` up to the
    /// latest point.
    pub from: i64,
    pub to: i64,
    /// Recorded runs in the span.
    pub runs: usize,
    /// `--table`.
    pub table: Option<String>,
    /// `--only-flagged`.
    pub only_flagged: bool,
    /// Flagged series first within each table.
    pub tables: Vec<DashboardTable>,
    /// Series not shown because they are not flagged (`--only-flagged`).
    pub left_out: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DashboardTable {
    pub name: String,
    pub series: Vec<SeriesPlot>,
}

impl Dashboard {
    pub fn flagged(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|t| &t.series)
            .filter(|s| s.flagged())
            .count()
    }
}

/// A run's head profile placed in the history its base branch recorded
/// (`run --record` on main): each metric outside the anomaly band of
/// main's runs is a finding.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryCheck {
    pub store: String,
    /// Whether findings change the verdict.
    pub gate: HistoryGate,
    /// Runs of the base branch read from the store.
    pub runs: usize,
    /// Head metrics judged against a band.
    pub checked: usize,
    /// Head metrics whose series has too few points on main to be judged.
    pub insufficient: usize,
    pub findings: Vec<HistoryFinding>,
}

impl HistoryCheck {
    /// Findings fail the run (`history_gate = "regression"`).
    pub fn regression(&self) -> bool {
        self.gate == HistoryGate::Regression && !self.findings.is_empty()
    }
}

/// One head metric outside main's band.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryFinding {
    pub series: String,
    /// Head's value.
    pub value: f64,
    /// The baseline's centre and spread (mean and standard deviation, or
    /// median and scaled MAD).
    pub center: f64,
    pub spread: f64,
    pub low: f64,
    pub high: f64,
    /// Main's runs the band was drawn from.
    pub baseline: usize,
    /// Main's recent points and head's, for a sparkline or a plot.
    pub plot: SeriesPlot,
}

impl HistoryFinding {
    /// Head's distance from the centre in spreads (infinite for a constant
    /// baseline).
    pub fn sigmas(&self) -> f64 {
        (self.value - self.center) / self.spread
    }

    /// "`plays.thumb.null_fraction` 0.2 is 9.1σ above main's last 40 runs
    /// (0.01 ± 0.001)".
    pub fn message(&self) -> String {
        let n = |x: f64| significant(x, 4, 9, 3);
        let way = if self.value > self.center {
            "above"
        } else {
            "below"
        };
        let runs = if self.baseline == 1 { "run" } else { "runs" };
        // A baseline that held one value (to twelve digits) has no spread
        // to count in: millions of σ of rounding say nothing.
        let held = self.spread == 0.0
            || crate::stats::anomaly::flat_baseline(self.center, self.spread, self.plot.sigma);
        if held {
            let shown =
                super::digits::show_values_apart(self.plot.reading, &[self.value, self.center]);
            let every = if self.baseline == 1 {
                ""
            } else {
                "every one of "
            };
            return format!(
                "`{}` {} is {way} {}, the value of {every}main's last {} {runs}",
                self.series, shown[0], shown[1], self.baseline
            );
        }
        let distance = format!("{:.1}σ {way}", self.sigmas().abs());
        format!(
            "`{}` {} is {distance} main's last {} {runs} ({} ± {})",
            self.series,
            self.plot.reading.value(self.value, n),
            self.baseline,
            self.plot.reading.value(self.center, n),
            self.plot.reading.span(self.spread, n)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An empty plot of a numeric series judged at 4 sigma.
    fn plot(name: &str) -> SeriesPlot {
        SeriesPlot {
            name: name.into(),
            points: Vec::new(),
            changepoints: Vec::new(),
            accepted: Vec::new(),
            bounds: Vec::new(),
            sigma: 4.0,
            overlay: None,
            reading: Reading::Number,
        }
    }

    #[test]
    fn a_finding_says_how_far_and_which_way() {
        let f = HistoryFinding {
            series: "features.short_play_share.p50".into(),
            value: 0.0,
            center: 0.0912,
            spread: 0.0128,
            low: 0.04,
            high: 0.142,
            baseline: 40,
            plot: plot("features.short_play_share.p50"),
        };
        assert_eq!(
            f.message(),
            "`features.short_play_share.p50` 0 is 7.1σ below main's last 40 runs (0.0912 ± 0.0128)"
        );
        let constant = HistoryFinding {
            value: 3.0,
            center: 2.0,
            spread: 0.0,
            baseline: 1,
            ..f
        };
        assert_eq!(
            constant.message(),
            "`features.short_play_share.p50` 3 is above 2, the value of main's last 1 run"
        );
    }

    #[test]
    fn a_finding_off_a_held_value_counts_no_sigmas_of_rounding() {
        // Was "600 is 4166666666666.7σ below main's last 40 runs (600 ± 1.2e-13)".
        let f = HistoryFinding {
            series: "plays.row_count".into(),
            value: 150.0,
            center: 600.0,
            spread: 1.2e-13,
            low: 600.0 - 4.8e-13,
            high: 600.0 + 4.8e-13,
            baseline: 40,
            plot: plot("plays.row_count"),
        };
        assert_eq!(
            f.message(),
            "`plays.row_count` 150 is below 600, the value of every one of main's last 40 runs"
        );
    }
}
