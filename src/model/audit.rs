//! An audit of history as data: each series' judged point (its band or
//! why it has none, its change points) and each configured check with the
//! values it compared. `history::verdict` fills it; `report::audit`
//! renders it for the terminal, JSON, Markdown and JUnit.

use super::Verdict;
use crate::model::scale::Reading;

/// The audit of a store at one run (or each series' latest point).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditReport {
    /// The run judged (`--at`), or `None` for each series' latest.
    pub at: Option<String>,
    /// Change points fail too.
    pub strict: bool,
    /// Points a series needs before it is judged.
    pub min_history: usize,
    pub series: Vec<SeriesResult>,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SeriesResult {
    /// `table.column.metric` or `table.metric`.
    pub name: String,
    pub run: String,
    /// As-of time, for people (`2026-11-30 06:00`, UTC).
    pub as_of: String,
    pub value: f64,
    /// The sigma the band was drawn with.
    pub sigma: f64,
    pub check: SeriesCheck,
    /// Change points in the latest points, oldest first.
    pub changepoints: Vec<ChangeResult>,
    /// The values of the latest points up to the judged one (at most
    /// `RECENT`), for a sparkline.
    pub recent: Vec<f64>,
    /// How its values read (a date column's quantiles as dates).
    pub reading: Reading,
    /// Judged by how far its value lies behind its as-of time (a date or
    /// time column's location, where that is the steadier measure): that
    /// time in the values' units. The band is in the values' terms.
    pub as_of_value: Option<f64>,
}

/// Points a series' sparkline shows.
pub const RECENT: usize = 40;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SeriesCheck {
    /// Within (or, `anomaly`, outside) `[low, high]`: `center` ± sigma ×
    /// `spread` of the accepted points before.
    Band {
        center: f64,
        spread: f64,
        low: f64,
        high: f64,
        anomaly: bool,
    },
    /// Fewer accepted points before it than `min_history`.
    Insufficient { history: usize },
    /// Excluded, or not a number.
    Skipped,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChangeResult {
    /// Position in the series (the first point of the new level).
    pub index: usize,
    pub run: String,
    pub as_of: String,
    pub mean_before: f64,
    pub mean_after: f64,
    /// `after / before - 1`.
    pub rel_change: f64,
    pub p_value: f64,
    /// The change point's as-of time in the values' units, when its series
    /// is judged by how far its values lie behind their as-of times (the
    /// means are the levels there).
    pub as_of_value: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    Pass,
    Fail,
    /// Not enough history yet: never a failure.
    Insufficient,
    /// The scope the check names does not record a metric it needs.
    Missing,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pass => "pass",
            CheckStatus::Fail => "fail",
            CheckStatus::Insufficient => "insufficient_history",
            CheckStatus::Missing => "missing",
        }
    }
}

/// One `[[audit]]` check on one table or column.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckResult {
    pub name: String,
    /// `table` or `table.column`.
    pub scope: String,
    pub run: String,
    pub status: CheckStatus,
    /// The values each comparison saw.
    pub evidence: Vec<String>,
    /// Why there is no verdict.
    pub reason: Option<String>,
    /// The bounds the check put on bare metrics of its scope (for plots).
    pub bounds: Vec<Bound>,
}

/// A check's bound on one series at one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// `table.column.metric` or `table.metric`.
    pub series: String,
    /// An upper bound, else a lower one.
    pub upper: bool,
    pub value: f64,
}

impl From<crate::stats::anomaly::Check> for SeriesCheck {
    fn from(c: crate::stats::anomaly::Check) -> SeriesCheck {
        use crate::stats::anomaly::Check;
        match c {
            Check::Checked {
                center,
                spread,
                low,
                high,
                anomaly,
                ..
            } => SeriesCheck::Band {
                center,
                spread,
                low,
                high,
                anomaly,
            },
            Check::Insufficient { history } => SeriesCheck::Insufficient { history },
            Check::Skipped => SeriesCheck::Skipped,
        }
    }
}

impl SeriesResult {
    pub fn anomaly(&self) -> bool {
        matches!(self.check, SeriesCheck::Band { anomaly: true, .. })
    }
}

impl AuditReport {
    pub fn anomalies(&self) -> usize {
        self.series.iter().filter(|s| s.anomaly()).count()
    }

    /// Series whose latest points hold a change point.
    pub fn with_changepoints(&self) -> usize {
        self.series
            .iter()
            .filter(|s| !s.changepoints.is_empty())
            .count()
    }

    pub fn insufficient(&self) -> usize {
        self.series
            .iter()
            .filter(|s| matches!(s.check, SeriesCheck::Insufficient { .. }))
            .count()
    }

    pub fn checks_with(&self, status: CheckStatus) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }

    /// Error when a check names what is not recorded; regression when an
    /// anomaly or a check fails (or, strict, a change point is found).
    pub fn verdict(&self) -> Verdict {
        if self.checks_with(CheckStatus::Missing) > 0 {
            Verdict::Error
        } else if self.anomalies() > 0
            || self.checks_with(CheckStatus::Fail) > 0
            || (self.strict && self.with_changepoints() > 0)
        {
            Verdict::Regression
        } else {
            Verdict::Pass
        }
    }
}
