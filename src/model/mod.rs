//! The comparison model: plain data describing one run, filled by the engine
//! and read by every renderer. Nothing here computes a comparison; it only
//! knows how findings add up to a verdict.

use std::path::PathBuf;

use serde_json::Value;

use crate::config::CompareMode;
pub mod audit;
pub mod digits;
mod findings;
pub mod history;
mod lanes;
pub mod paired;
pub mod profile;
pub mod sample;
pub mod scale;

pub use findings::{Finding, Subject};
pub use lanes::{LaneRun, Side, StageRun, StageStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    Pass,
    Regression,
    Error,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Regression => "regression",
            Verdict::Error => "error",
        }
    }
}

/// What produced a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `swimlane run` (and `demo`): two lanes of a git repository.
    #[default]
    Run,
    /// `swimlane compare`: two sets of files, no git, no lanes.
    Compare,
}

/// How much of the data validated, for migrations: rows that matched with
/// every compared value equal, and cells equal, out of all rows and cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Validation {
    pub rows_matched: u64,
    pub rows_total: u64,
    pub cells_matched: u64,
    pub cells_total: u64,
    /// Cells of removed columns and of columns retyped with loss, whose
    /// values could not be compared (counted in `cells_total`, never in
    /// `cells_matched`).
    pub cells_not_compared: u64,
    /// Tables missing in head whose rows could not be counted (so not in
    /// `rows_total`), which the validation line says.
    pub tables_uncounted: u64,
}

impl Validation {
    pub fn row_rate(&self) -> f64 {
        ratio(self.rows_matched, self.rows_total)
    }
    pub fn cell_rate(&self) -> f64 {
        ratio(self.cells_matched, self.cells_total)
    }
    fn add(self, o: Validation) -> Validation {
        Validation {
            rows_matched: self.rows_matched + o.rows_matched,
            rows_total: self.rows_total + o.rows_total,
            cells_matched: self.cells_matched + o.cells_matched,
            cells_total: self.cells_total + o.cells_total,
            cells_not_compared: self.cells_not_compared + o.cells_not_compared,
            tables_uncounted: self.tables_uncounted + o.tables_uncounted,
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// One finished `swimlane run` (or `demo`, or `compare`).
#[derive(Debug, Clone)]
pub struct RunReport {
    pub mode: Mode,
    pub base: RevReport,
    pub head: RevReport,
    pub snapshot: SnapshotReport,
    pub lanes: Vec<LaneRun>,
    pub tables: Vec<TableReport>,
    /// Problems that make the whole run an error (base lane failed, the
    /// snapshot was modified, an output could not be read...).
    pub errors: Vec<String>,
    pub timings: Timings,
    /// Where the lanes were kept (`--keep-lanes`).
    pub kept_lanes: Option<PathBuf>,
    /// Run-level notices that are not regressions.
    pub notes: Vec<String>,
    /// `compare DIR DIR`: directories of data read as no table (a table
    /// split into partition directories), not compared: their rows are in
    /// no rate, so the validation line and a pass's headline name them.
    pub not_compared: Vec<String>,
    /// `--record`: the point recorded into history.
    pub recorded: Option<Recorded>,
    /// `[sample]` / `--sample`: the key-hash sample the run was made on.
    pub sample: Option<sample::SampleReport>,
    /// With `[history]`: head's profile against the base branch's
    /// recorded history.
    pub history: Option<history::HistoryCheck>,
}

/// A point of history a run recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    pub run: String,
    /// The store (`dir:PATH`).
    pub store: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevReport {
    pub rev: String,
    pub commit: Option<String>,
    pub worktree: bool,
    /// Base only: the tip of the requested base, when the commit used is
    /// the merge base (`--base-mode merge-base`).
    pub tip: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SnapshotReport {
    pub path: PathBuf,
    pub digest: String,
    pub files: usize,
    pub bytes: u64,
    /// Files that changed while the lanes ran (empty when untouched).
    pub modified: Vec<PathBuf>,
}

/// Wall time of each phase, in seconds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    /// Writing the sampled snapshot (`[sample]`; 0 when cached or none).
    pub sample: f64,
    pub checkout: f64,
    pub stages: f64,
    pub load: f64,
    pub compare: f64,
    pub total: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableReport {
    pub name: String,
    pub compare: CompareMode,
    pub key: Vec<String>,
    /// Set when the table could not be compared at all.
    pub error: Option<String>,
    /// Set when head could not produce the table (a regression, not an error).
    pub head_missing: Option<String>,
    /// A table missing in head: base's rows and cells (its columns but the
    /// key and ignored ones), none of which validated; `None` when they
    /// could not be counted (a table only the cluster sees, a sample).
    pub base_only: Option<(u64, u64)>,
    pub rows: Option<RowCounts>,
    pub schema: SchemaDiff,
    /// Every compared column, with its mismatch count (0 when equal);
    /// empty for keyless tables, whose differences are whole rows.
    pub columns: Vec<ColumnDiff>,
    /// How many columns were compared (keys and ignored columns excluded).
    pub compared_columns: usize,
    /// Columns whose values were permuted: each a cycle, head.X taking
    /// base.next(X)'s values (two columns: a swap).
    pub swapped: Vec<Permutation>,
    /// Columns removed in head whose values reappear under a new name.
    pub renamed: Vec<Rename>,
    pub duplicates: Option<Duplicates>,
    /// A few rows present only in base (key values, or whole rows when keyless).
    pub missing_samples: Vec<RowSample>,
    /// A few rows present only in head.
    pub extra_samples: Vec<RowSample>,
    /// Columns listed in `ignore`, never compared.
    pub ignored: Vec<String>,
    /// Distribution tables: one entry per column tested (or summarised).
    pub features: Vec<Feature>,
    /// Distribution tables: columns that could not be tested, and why.
    pub untested: Vec<Untested>,
    /// Distribution tables: significant digits at which numbers were compared.
    pub precision: Option<u32>,
    /// `--calibrate`: what two runs of the base disagreed on, and what was
    /// done about it.
    pub calibration: Vec<Calibrated>,
    /// Compared from disk a column at a time (keyed Parquet and Arrow
    /// tables), or CSV files where they lie (keyed exact tables), rather
    /// than loaded whole.
    pub out_of_core: bool,
    /// The engine that compared the table: `local` or `spark`.
    pub engine: &'static str,
    /// Key columns whose types differ with no common type: their rows were
    /// paired on the keys' text, as these notes say.
    pub key_notes: Vec<String>,
    /// Both sides' profiles (the local engine computes them).
    pub profile: Option<TableProfiles>,
    /// Keyed distribution tables: how the keys paired up (keys found on
    /// one side only are in `missing_samples` and `extra_samples`).
    pub paired_keys: Option<paired::PairedKeys>,
    /// The key-hash sample the table was compared on.
    pub sample: Option<sample::TableSample>,
}

/// The profiles of a table's two sides.
#[derive(Debug, Clone, PartialEq)]
pub struct TableProfiles {
    pub base: profile::Profile,
    pub head: profile::Profile,
}

/// A column found non-deterministic by running the base twice.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrated {
    pub column: String,
    /// Values that differed between the two base runs.
    pub mismatches: u64,
    pub action: CalibrationAction,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CalibrationAction {
    /// Not compared: its values are not reproducible (timestamps, random ids).
    Excluded,
    /// Floating-point noise: compared within this relative tolerance.
    Tolerance { observed_rel: f64, rel: f64 },
}

/// A distribution-table column that could not be tested.
#[derive(Debug, Clone, PartialEq)]
pub struct Untested {
    pub column: String,
    pub reason: String,
    /// True when the reason is itself a regression (e.g. numbers became text).
    pub regression: bool,
}

/// Which test a feature got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestName {
    Ks,
    ChiSquare,
    /// Summarised only (`test = "none"`).
    None,
}

impl TestName {
    pub fn as_str(self) -> &'static str {
        match self {
            TestName::Ks => "ks",
            TestName::ChiSquare => "chi2",
            TestName::None => "none",
        }
    }
}

/// One column of a distribution table, compared by distribution.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    pub column: String,
    pub test: TestName,
    /// KS D, or the chi-square statistic.
    pub statistic: f64,
    pub p_value: f64,
    /// Benjamini–Hochberg q across every column tested in the run; NaN
    /// until the run's adjustment is applied, or when not tested.
    pub p_adjusted: f64,
    /// The effect size the floor applies to: KS D, or total variation distance.
    pub effect: f64,
    /// Chi-square only: degrees of freedom and the population stability index.
    pub df: Option<usize>,
    pub psi: Option<f64>,
    /// KS only: a value where the two ECDFs are farthest apart.
    pub location: Option<f64>,
    pub alpha: f64,
    pub min_effect: f64,
    pub max_null_shift: f64,
    /// What the numbers of a numeric feature measure (its summaries, its
    /// location, its plot and its key-by-key changes): plain numbers, or
    /// dates and times as their physical numbers.
    pub scale: scale::Scale,
    pub base: crate::stats::summary::Summary,
    pub head: crate::stats::summary::Summary,
    /// What the renderers draw, binned on the Rust side.
    pub plot: Option<Plot>,
    /// Keyed tables: the feature compared key by key.
    pub paired: Option<paired::Paired>,
}

/// A feature's picture, ready to draw: both sides on shared bins.
#[derive(Debug, Clone, PartialEq)]
pub enum Plot {
    Numeric {
        /// Histogram bin edges (bins + 1), shared by both sides; values
        /// outside the range are counted in the end bins.
        edges: Vec<f64>,
        base: Vec<u64>,
        head: Vec<u64>,
        /// ECDFs evaluated on a shared grid.
        ecdf_x: Vec<f64>,
        ecdf_base: Vec<f64>,
        ecdf_head: Vec<f64>,
        /// Where D is attained and both ECDFs there.
        d_at: Option<(f64, f64, f64)>,
    },
    Categorical {
        /// The most frequent categories (then `(other)`), with counts.
        categories: Vec<String>,
        base: Vec<u64>,
        head: Vec<u64>,
    },
}

impl Feature {
    /// The distribution moved: significant after correction and large enough.
    pub fn shifted(&self) -> bool {
        self.test != TestName::None
            && self.p_adjusted < self.alpha
            && self.effect >= self.min_effect
    }

    /// A categorical feature's categories whose share of the non-null
    /// values moved most, at most `n`, largest move first: (category, base
    /// share, head share), from the plot's categories (the most frequent,
    /// then `(other)`). Empty for a numeric feature.
    pub fn moved_categories(&self, n: usize) -> Vec<(&str, f64, f64)> {
        let Some(Plot::Categorical {
            categories,
            base,
            head,
        }) = &self.plot
        else {
            return Vec::new();
        };
        let share = |counts: &[u64], i: usize| {
            let total: u64 = counts.iter().sum();
            match total {
                0 => 0.0,
                t => counts[i] as f64 / t as f64,
            }
        };
        let mut moved: Vec<(&str, f64, f64)> = (0..categories.len())
            .map(|i| (categories[i].as_str(), share(base, i), share(head, i)))
            .filter(|(_, b, h)| b != h)
            .collect();
        moved.sort_by(|a, b| (b.2 - b.1).abs().total_cmp(&(a.2 - a.1).abs()));
        moved.truncate(n);
        moved
    }

    /// Change in null fraction, head minus base.
    pub fn null_shift(&self) -> f64 {
        self.head.null_fraction - self.base.null_fraction
    }

    /// The null fraction moved more than allowed.
    pub fn null_shifted(&self) -> bool {
        self.null_shift().abs() > self.max_null_shift
    }

    /// One side has no rows at all while the other has values (a table
    /// emptied, or filled from nothing): no test can compare them, and that
    /// is a change, never a pass. (A side of only nulls is a null shift.)
    pub fn emptied(&self) -> bool {
        let (b, h) = (&self.base, &self.head);
        (b.rows == 0 && h.rows > h.nulls) || (h.rows == 0 && b.rows > b.nulls)
    }

    pub fn verdict(&self) -> Verdict {
        if self.shifted()
            || self.null_shifted()
            || self.emptied()
            || self.paired.as_ref().is_some_and(|p| p.regression())
        {
            Verdict::Regression
        } else {
            Verdict::Pass
        }
    }
}

impl TableReport {
    pub fn new(name: &str, compare: CompareMode, key: &[String]) -> TableReport {
        TableReport {
            name: name.to_string(),
            compare,
            key: key.to_vec(),
            error: None,
            head_missing: None,
            base_only: None,
            rows: None,
            schema: SchemaDiff::default(),
            columns: Vec::new(),
            compared_columns: 0,
            swapped: Vec::new(),
            renamed: Vec::new(),
            duplicates: None,
            missing_samples: Vec::new(),
            extra_samples: Vec::new(),
            ignored: Vec::new(),
            features: Vec::new(),
            untested: Vec::new(),
            precision: None,
            calibration: Vec::new(),
            out_of_core: false,
            profile: None,
            paired_keys: None,
            sample: None,
            engine: "local",
            key_notes: Vec::new(),
        }
    }

    /// Rows and cells that validated (exact tables only). Keys are not
    /// counted as cells; removed columns and columns retyped with loss count
    /// as cells not compared; losslessly retyped columns were compared.
    pub fn validation(&self) -> Option<Validation> {
        if self.compare != CompareMode::Exact || self.error.is_some() {
            return None;
        }
        // A table head lacks: none of base's rows validated.
        if self.head_missing.is_some() {
            let (rows, cells) = self.base_only.unwrap_or((0, 0));
            return Some(Validation {
                rows_total: rows,
                cells_total: cells,
                cells_not_compared: cells,
                tables_uncounted: u64::from(self.base_only.is_none()),
                ..Validation::default()
            });
        }
        let rows = self.rows?;
        let rows_total = rows.matched + rows.missing + rows.extra;
        // Keys are not cells: a key's type change is no cell not compared.
        let lossy = self
            .schema
            .changed
            .iter()
            .filter(|c| c.compared_as.is_none() && !self.key.iter().any(|k| k == &c.column));
        let lossy = lossy.count();
        let failed_columns = (self.schema.removed.len() + lossy) as u64;
        // A row validates when every one of its cells did: none does while
        // a column of every row was removed or could not be compared.
        let rows_matched = match failed_columns {
            0 => rows.matched - rows.changed.unwrap_or(0),
            _ => 0,
        };
        let compared = self.compared_columns as u64;
        // Keyless tables have no per-column mismatches: a matched row is a
        // row whose every cell matched.
        let cells_matched: u64 = if self.key.is_empty() {
            rows.matched * compared
        } else {
            self.columns
                .iter()
                .map(|c| rows.matched - c.mismatches)
                .sum()
        };
        Some(Validation {
            rows_matched,
            rows_total,
            cells_matched,
            cells_total: rows_total * (compared + failed_columns),
            cells_not_compared: rows_total * failed_columns,
            tables_uncounted: 0,
        })
    }

    pub fn verdict(&self) -> Verdict {
        if self.error.is_some() {
            Verdict::Error
        } else if self.findings().iter().any(|f| f.regression) {
            Verdict::Regression
        } else {
            Verdict::Pass
        }
    }
}

/// Columns that exchanged values: a cycle whose every column took the next
/// one's base values (two columns: a swap), on `held` of the `rows` where
/// any of them differs. A swap in a change that also alters some of the
/// values holds on fewer than all: at least [`MOVED_HOLDS`] of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Permutation {
    pub columns: Vec<String>,
    pub rows: u64,
    pub held: u64,
}

/// A column removed in head whose values reappear under a new name, on
/// `held` of the `rows` matched: all of them, or at least [`MOVED_HOLDS`]
/// (a rename in a change that also alters some of the values) when no one
/// value (null included) fills more than [`RENAME_DOMINANT`] of the old
/// column's rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Rename {
    pub from: String,
    pub to: String,
    pub rows: u64,
    pub held: u64,
}

/// The largest share of a removed column's matched rows one value may
/// fill for it to be renamed on fewer than all of them. Two unrelated
/// columns agree by chance on Σ p·q of their rows (two mostly-null ones,
/// or two flags false 95% of the time, on 90% and more); when the old
/// column's commonest value takes at most half, chance agreement is at
/// most half, far below [`MOVED_HOLDS`].
pub const RENAME_DOMINANT: f64 = 0.5;

/// The share of the rows on which a swap or a rename must hold to be
/// reported as one: far above chance for any pair of columns (a boolean
/// column agrees with an unrelated one on about half the rows), and exact
/// below ten rows.
pub const MOVED_HOLDS: f64 = 0.9;

/// Whether values that moved between columns on `held` of `rows` rows
/// moved ([`MOVED_HOLDS`]).
pub fn moved(held: u64, rows: u64) -> bool {
    rows > 0 && held as f64 >= MOVED_HOLDS * rows as f64
}

/// Of the columns a column's values may have moved from (or to), the first
/// that holds on the most rows, enough of them ([`moved`]): the one rule
/// both engines choose a swap's source and a rename's new name by.
pub struct MostHeld<T> {
    best: Option<(u64, T)>,
}

impl<T> Default for MostHeld<T> {
    fn default() -> MostHeld<T> {
        MostHeld { best: None }
    }
}

impl<T> MostHeld<T> {
    /// Offers `candidate`, holding on `held` of `rows`; true when it holds
    /// on all of them (none after it can do better).
    pub fn offer(&mut self, held: u64, rows: u64, candidate: T) -> bool {
        if moved(held, rows) && self.best.as_ref().is_none_or(|(h, _)| held > *h) {
            self.best = Some((held, candidate));
        }
        held == rows
    }

    /// The chosen candidate and the rows it holds on.
    pub fn best(self) -> Option<(u64, T)> {
        self.best
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowCounts {
    pub base: u64,
    pub head: u64,
    pub matched: u64,
    pub missing: u64,
    pub extra: u64,
    /// Matched rows with at least one changed value (keyed tables only).
    pub changed: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchemaDiff {
    pub added: Vec<ColumnType>,
    pub removed: Vec<ColumnType>,
    pub changed: Vec<TypeChange>,
    /// Column names the table's settings give (`ignore`, per-column
    /// overrides and tolerances) that no column of either side has (a
    /// typo, several names in one `--ignore`, a column gone from both):
    /// they apply to nothing, which a note says. (setting, name)
    pub unknown: Vec<(&'static str, String)>,
    /// Compared columns with a tolerance that does not apply to the type
    /// they are compared in (a `seconds` tolerance on text): their values
    /// were compared exactly, which a note says. (column, type, what the
    /// tolerance applies to)
    pub unapplied: Vec<(String, String, &'static str)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    pub name: String,
    pub dtype: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeChange {
    pub column: String,
    pub base: String,
    pub head: String,
    /// The type both sides' values were compared in, when the change loses
    /// nothing (int32 -> int64, ns -> µs), or a key's rows were paired in
    /// (i64 vs f64 as i64); `None`: values not compared.
    pub compared_as: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnDiff {
    pub name: String,
    pub dtype: String,
    pub mismatches: u64,
    pub samples: Vec<ValueSample>,
    /// The tolerance the column was compared with, if any.
    pub tolerance: Option<crate::config::Tolerance>,
    /// Floating-point columns with differences: the largest absolute and
    /// relative difference among rows where both sides have a number.
    pub max_abs_diff: Option<f64>,
    pub max_rel_diff: Option<f64>,
    /// The side on which the column holds no value at all (an empty CSV
    /// column, a header-only file): it has no type of its own and was read
    /// in the other side's.
    pub all_null: Option<Side>,
}

/// A changed value: the row's key and both values.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSample {
    pub key: Vec<(String, Value)>,
    /// Nested values: where inside them they first differ (`items[3].price`).
    pub path: Option<String>,
    pub base: Value,
    pub head: Value,
}

/// A row (its key, or all its values for keyless tables), with how many
/// times it occurs beyond the other side when keyless.
#[derive(Debug, Clone, PartialEq)]
pub struct RowSample {
    pub values: Vec<(String, Value)>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Duplicates {
    pub base: DuplicateSide,
    pub head: DuplicateSide,
    /// Keys duplicated in head that occur at most once in base.
    pub new_in_head: u64,
    /// The first of those keys (in key order), with their count in head:
    /// the evidence under that finding.
    pub new_in_head_samples: Vec<RowSample>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DuplicateSide {
    /// Distinct key values that occur more than once.
    pub keys: u64,
    /// Rows carrying those keys.
    pub rows: u64,
    /// A few duplicated keys with their occurrence counts.
    pub samples: Vec<RowSample>,
}

impl RunReport {
    /// The validation rate over every exactly compared table.
    pub fn validation(&self) -> Option<Validation> {
        self.tables
            .iter()
            .filter_map(TableReport::validation)
            .reduce(Validation::add)
    }

    pub fn verdict(&self) -> Verdict {
        if !self.errors.is_empty() {
            return Verdict::Error;
        }
        let mut verdict = Verdict::Pass;
        if self.head_failure().is_some() || self.history.as_ref().is_some_and(|h| h.regression()) {
            verdict = Verdict::Regression;
        }
        for t in &self.tables {
            verdict = verdict.max(t.verdict());
        }
        verdict
    }

    /// The head lane's failed stage, if it failed.
    pub fn head_failure(&self) -> Option<&StageRun> {
        self.lanes
            .iter()
            .find(|l| l.side == Side::Head)
            .and_then(|l| l.failure())
            .filter(|s| s.status != StageStatus::Interrupted)
    }
}

/// `x` with `digits` significant digits and no trailing zeros; in
/// scientific notation (`exp_decimals` after the point) outside
/// 1e-4 ..< 10^`plain_below`.
pub fn significant(x: f64, digits: i32, plain_below: i32, exp_decimals: usize) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let magnitude = x.abs().log10().floor() as i32;
    if !(-4..plain_below).contains(&magnitude) {
        return format!("{x:.exp_decimals$e}");
    }
    let decimals = (digits - 1 - magnitude).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

pub fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// Names as a message lists them: `` `a`, `b` ``.
pub fn ticked<S: std::fmt::Display>(names: impl IntoIterator<Item = S>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
