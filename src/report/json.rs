//! The JSON report (`--json`), a stable contract: fields are added, never
//! renamed. It has its own small serde structs so that internal changes to
//! the model cannot change the file by accident.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use crate::model::{CalibrationAction, RowSample, RunReport, TableReport};
use crate::model::{LaneRun, StageStatus};
use crate::stats::summary::Summary;

/// Version of the JSON layout; bumped only for incompatible changes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    format_version: u32,
    mode: &'static str,
    swimlane_version: &'static str,
    verdict: &'static str,
    base: Rev<'a>,
    head: Rev<'a>,
    snapshot: Snapshot,
    lanes: Vec<Lane<'a>>,
    tables: Vec<Table<'a>>,
    errors: &'a [String],
    timings: Timings,
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_lanes: Option<String>,
    validation: Option<ValidationOut>,
    notes: &'a [String],
    /// Directories of data read as no table, not compared (their rows in
    /// no rate).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    not_compared: &'a [String],
    /// `--record`: the point of history recorded (`run`, `store`).
    #[serde(skip_serializing_if = "Option::is_none")]
    recorded: Option<Value>,
    /// `[sample]` / `--sample`: the key-hash sample compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    sample: Option<Value>,
    /// With `[history]`: head against the base branch's recorded history.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Value>,
}

#[derive(Serialize)]
struct ValidationOut {
    rows_matched: u64,
    rows_total: u64,
    /// `null` for no rows: nothing validated, not all of it.
    row_rate: Option<f64>,
    cells_matched: u64,
    cells_total: u64,
    cell_rate: Option<f64>,
    cells_not_compared: u64,
    /// Tables missing in head whose rows could not be counted (left out of
    /// the totals).
    #[serde(skip_serializing_if = "no_tables")]
    tables_not_counted: u64,
}

fn no_tables(n: &u64) -> bool {
    *n == 0
}

fn validation(v: crate::model::Validation) -> ValidationOut {
    ValidationOut {
        rows_matched: v.rows_matched,
        rows_total: v.rows_total,
        row_rate: (v.rows_total > 0).then(|| v.row_rate()),
        cells_matched: v.cells_matched,
        cells_total: v.cells_total,
        cell_rate: (v.cells_total > 0).then(|| v.cell_rate()),
        cells_not_compared: v.cells_not_compared,
        tables_not_counted: v.tables_uncounted,
    }
}

#[derive(Serialize)]
struct Rev<'a> {
    rev: &'a str,
    commit: Option<&'a str>,
    worktree: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    tip: Option<&'a str>,
}

#[derive(Serialize)]
struct Snapshot {
    path: String,
    digest: String,
    files: usize,
    bytes: u64,
    modified: Vec<String>,
}

#[derive(Serialize)]
struct Lane<'a> {
    name: &'static str,
    seconds: f64,
    stages: Vec<Stage<'a>>,
}

#[derive(Serialize)]
struct Stage<'a> {
    name: &'a str,
    status: &'static str,
    exit_code: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signal: Option<i32>,
    seconds: f64,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    output_tail: &'a [String],
    /// A failed or timed-out stage: its stderr log (kept after the lane).
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

#[derive(Serialize)]
struct Table<'a> {
    name: &'a str,
    compare: &'static str,
    verdict: &'static str,
    key: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    rows: Option<Rows>,
    schema: Schema<'a>,
    columns: Vec<Column<'a>>,
    swapped: Vec<&'a [String]>,
    /// Each cycle of `swapped` with the rows where any of its columns
    /// differs and those on which it holds.
    swaps: Vec<Swap<'a>>,
    renamed: Vec<[&'a str; 2]>,
    /// Each pair of `renamed` with the rows matched and those on which the
    /// new column holds the old one's values.
    renames: Vec<RenameRows<'a>>,
    duplicates: Option<Duplicates>,
    missing_samples: Vec<Value>,
    extra_samples: Vec<Value>,
    ignored: &'a [String],
    findings: Vec<Finding>,
    features: Vec<FeatureOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    untested: Vec<UntestedOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validation: Option<ValidationOut>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    calibration: Vec<CalibrationOut<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    out_of_core: bool,
    engine: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<ProfilesOut<'a>>,
    /// Keyed distribution tables: how the keys paired up.
    #[serde(skip_serializing_if = "Option::is_none")]
    paired_keys: Option<PairedKeysOut>,
    /// How the table was sampled, and the full table's counts estimated.
    #[serde(skip_serializing_if = "Option::is_none")]
    sample: Option<Value>,
}

#[derive(Serialize)]
struct ProfilesOut<'a> {
    base: ProfileOut<'a>,
    head: ProfileOut<'a>,
}

#[derive(Serialize)]
struct ProfileOut<'a> {
    row_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_keys: Option<u64>,
    columns: Vec<ColumnProfileOut<'a>>,
}

#[derive(Serialize)]
struct ColumnProfileOut<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    dtype: &'a str,
    null_count: u64,
    null_fraction: f64,
    distinct: u64,
    /// 0 where the values were counted; else the estimate's relative
    /// standard error.
    distinct_relative_error: f64,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    numbers: Option<NumbersOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    empty_fraction: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top: Option<Vec<TopOut<'a>>>,
}

#[derive(Serialize)]
struct NumbersOut<'a> {
    min: f64,
    max: f64,
    mean: f64,
    std: f64,
    p01: f64,
    p50: f64,
    p99: f64,
    /// 0 for exact quantiles; Spark's `percentile_approx` answers within
    /// this fraction of the rows in rank.
    quantile_rank_error: f64,
    sketch: SketchOut<'a>,
}

#[derive(Serialize)]
struct SketchOut<'a> {
    /// The values at equal rank steps from the smallest to the largest.
    points: &'a [f64],
    rank_error: f64,
}

#[derive(Serialize)]
struct TopOut<'a> {
    value: &'a str,
    count: u64,
    share: f64,
}

/// A table's profile as `swimlane profile --json` writes it: `name`, then
/// what a report's `tables[].profile` holds for one side.
pub fn profile_value(name: &str, p: &crate::model::profile::Profile) -> Value {
    let mut v = serde_json::json!({ "name": name });
    if let (Some(out), Ok(Value::Object(fields))) =
        (v.as_object_mut(), serde_json::to_value(profile_out(p)))
    {
        out.extend(fields);
    }
    v
}

fn profile_out(p: &crate::model::profile::Profile) -> ProfileOut<'_> {
    ProfileOut {
        row_count: p.row_count,
        duplicate_keys: p.duplicate_keys,
        columns: p
            .columns
            .iter()
            .map(|c| ColumnProfileOut {
                name: &c.name,
                dtype: &c.dtype,
                null_count: c.null_count,
                null_fraction: p.share(c.null_count),
                distinct: c.distinct,
                distinct_relative_error: c.distinct_error,
                numbers: c.numbers.as_ref().map(|n| NumbersOut {
                    min: n.min,
                    max: n.max,
                    mean: n.mean,
                    std: n.std,
                    p01: n.p01,
                    p50: n.p50,
                    p99: n.p99,
                    quantile_rank_error: n.rank_error,
                    sketch: SketchOut {
                        points: &n.sketch.points,
                        rank_error: n.sketch.rank_error() + n.rank_error,
                    },
                }),
                empty_fraction: c.text.as_ref().map(|t| p.share(t.empty)),
                top: c.text.as_ref().map(|t| {
                    t.top
                        .iter()
                        .map(|(v, n)| TopOut {
                            value: v,
                            count: *n,
                            share: p.share(*n),
                        })
                        .collect()
                }),
            })
            .collect(),
    }
}

#[derive(Serialize)]
struct CalibrationOut<'a> {
    column: &'a str,
    mismatches: u64,
    action: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed_rel: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rel_tolerance: Option<f64>,
}

#[derive(Serialize)]
struct FeatureOut<'a> {
    column: &'a str,
    test: &'static str,
    statistic: f64,
    p_value: f64,
    p_adjusted: f64,
    effect: f64,
    alpha: f64,
    min_effect: f64,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    df: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    psi: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<f64>,
    /// What the numbers (aggregates, location, deltas) count, for dates and
    /// times: "days since 1970-01-01", "microseconds since 1970-01-01 UTC",
    /// "milliseconds" (a duration).
    #[serde(skip_serializing_if = "Option::is_none")]
    unit: Option<String>,
    null_shift: f64,
    max_null_shift: f64,
    base: Aggregates,
    head: Aggregates,
    /// Keyed tables: the feature compared key by key.
    #[serde(skip_serializing_if = "Option::is_none")]
    paired: Option<PairedOut>,
}

#[derive(Serialize)]
struct PairedOut {
    keys: u64,
    changed: u64,
    changed_fraction: f64,
    up: u64,
    down: u64,
    to_null: u64,
    from_null: u64,
    median_abs_delta: f64,
    max_abs_delta: f64,
    /// The median |head - base| over every paired key, in standard
    /// deviations of base (numbers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    effect: Option<f64>,
    min_effect: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_changed_fraction: Option<f64>,
    verdict: &'static str,
    summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    test: Option<PairedTestOut>,
    samples: Vec<Sample>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    transitions: Vec<TransitionOut>,
}

#[derive(Serialize)]
struct PairedTestOut {
    n: u64,
    wilcoxon_statistic: f64,
    wilcoxon_p_value: f64,
    wilcoxon_p_adjusted: f64,
    method: &'static str,
    sign_test_p_value: f64,
}

#[derive(Serialize)]
struct TransitionOut {
    base: String,
    head: String,
    count: u64,
}

#[derive(Serialize)]
struct PairedKeysOut {
    paired: u64,
    only_base: u64,
    only_head: u64,
}

fn paired_out(p: &crate::model::paired::Paired) -> PairedOut {
    PairedOut {
        keys: p.keys,
        changed: p.changed,
        changed_fraction: p.changed_fraction(),
        up: p.up,
        down: p.down,
        to_null: p.to_null,
        from_null: p.from_null,
        median_abs_delta: p.median_abs_delta,
        max_abs_delta: p.max_abs_delta,
        effect: Some(p.effect).filter(|e| !e.is_nan()),
        min_effect: p.min_effect,
        max_changed_fraction: p.max_changed_fraction,
        verdict: if p.regression() { "regression" } else { "pass" },
        summary: p.headline(),
        test: p.test.map(|t| PairedTestOut {
            n: t.n,
            wilcoxon_statistic: t.statistic,
            wilcoxon_p_value: t.p_value,
            wilcoxon_p_adjusted: t.p_adjusted,
            method: t.method,
            sign_test_p_value: t.sign_p_value,
        }),
        samples: p.samples.iter().map(sample).collect(),
        transitions: p
            .transitions
            .iter()
            .map(|t| TransitionOut {
                base: t.base.clone(),
                head: t.head.clone(),
                count: t.count,
            })
            .collect(),
    }
}

fn sample(s: &crate::model::ValueSample) -> Sample {
    Sample {
        key: object(&s.key),
        path: s.path.clone(),
        base: s.base.clone(),
        head: s.head.clone(),
    }
}

#[derive(Serialize)]
struct Aggregates {
    rows: u64,
    nulls: u64,
    null_fraction: f64,
    distinct: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    mean: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    std: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    median: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    p99: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
}

fn aggregates(s: &Summary) -> Aggregates {
    let n = s.numeric.as_ref();
    Aggregates {
        rows: s.rows,
        nulls: s.nulls,
        null_fraction: s.null_fraction,
        distinct: s.distinct,
        mean: n.map(|n| n.mean),
        std: n.map(|n| n.std),
        min: n.map(|n| n.min),
        median: n.map(|n| n.median),
        p99: n.map(|n| n.p99),
        max: n.map(|n| n.max),
    }
}

#[derive(Serialize)]
struct UntestedOut<'a> {
    column: &'a str,
    reason: &'a str,
    regression: bool,
}

#[derive(Serialize)]
struct Rows {
    base: u64,
    head: u64,
    matched: u64,
    missing: u64,
    extra: u64,
    changed: Option<u64>,
}

#[derive(Serialize)]
struct Schema<'a> {
    added: Vec<&'a str>,
    removed: Vec<&'a str>,
    changed: Vec<TypeChange<'a>>,
}

#[derive(Serialize)]
struct TypeChange<'a> {
    column: &'a str,
    base: &'a str,
    head: &'a str,
    /// Set when the change lost nothing: the type values were compared in.
    #[serde(skip_serializing_if = "Option::is_none")]
    compared_as: Option<&'a str>,
}

#[derive(Serialize)]
struct RenameRows<'a> {
    from: &'a str,
    to: &'a str,
    rows: u64,
    held: u64,
}

#[derive(Serialize)]
struct Swap<'a> {
    columns: &'a [String],
    rows: u64,
    held: u64,
}

#[derive(Serialize)]
struct Column<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    dtype: &'a str,
    mismatches: u64,
    samples: Vec<Sample>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tolerance: Option<crate::config::Tolerance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_abs_diff: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_rel_diff: Option<f64>,
    /// `base` or `head`: the side with no value in this column.
    #[serde(skip_serializing_if = "Option::is_none")]
    all_null: Option<&'static str>,
}

#[derive(Serialize)]
struct Sample {
    key: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    base: Value,
    head: Value,
}

#[derive(Serialize)]
struct Duplicates {
    base: DupSide,
    head: DupSide,
    new_in_head: u64,
    new_in_head_samples: Vec<Value>,
}

#[derive(Serialize)]
struct DupSide {
    keys: u64,
    rows: u64,
    samples: Vec<Value>,
}

#[derive(Serialize)]
struct Finding {
    regression: bool,
    message: String,
}

#[derive(Serialize)]
struct Timings {
    #[serde(skip_serializing_if = "is_zero")]
    sample: f64,
    checkout: f64,
    stages: f64,
    load: f64,
    compare: f64,
    total: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

fn object(values: &[(String, Value)]) -> Value {
    Value::Object(values.iter().cloned().collect::<Map<String, Value>>())
}

fn row_sample(s: &RowSample) -> Value {
    let mut o = Map::new();
    o.insert("values".into(), object(&s.values));
    o.insert("count".into(), s.count.into());
    Value::Object(o)
}

fn lane(l: &LaneRun) -> Lane<'_> {
    Lane {
        name: l.side.as_str(),
        seconds: l.seconds,
        stages: l
            .stages
            .iter()
            .map(|s| Stage {
                name: &s.name,
                status: s.status.as_str(),
                exit_code: s.exit_code,
                signal: s.signal,
                seconds: s.seconds,
                output_tail: &s.tail,
                log: matches!(s.status, StageStatus::Failed | StageStatus::Timeout)
                    .then(|| s.stderr_log.display().to_string()),
            })
            .collect(),
    }
}

fn table(t: &TableReport) -> Table<'_> {
    Table {
        name: &t.name,
        compare: t.compare.as_str(),
        verdict: t.verdict().as_str(),
        key: &t.key,
        error: t.error.as_deref(),
        rows: t.rows.map(|r| Rows {
            base: r.base,
            head: r.head,
            matched: r.matched,
            missing: r.missing,
            extra: r.extra,
            changed: r.changed,
        }),
        schema: Schema {
            added: t.schema.added.iter().map(|c| c.name.as_str()).collect(),
            removed: t.schema.removed.iter().map(|c| c.name.as_str()).collect(),
            changed: t
                .schema
                .changed
                .iter()
                .map(|c| TypeChange {
                    column: &c.column,
                    base: &c.base,
                    head: &c.head,
                    compared_as: c.compared_as.as_deref(),
                })
                .collect(),
        },
        columns: t
            .columns
            .iter()
            .map(|c| Column {
                name: &c.name,
                dtype: &c.dtype,
                mismatches: c.mismatches,
                tolerance: c.tolerance,
                max_abs_diff: c.max_abs_diff,
                max_rel_diff: c.max_rel_diff,
                all_null: c.all_null.map(|s| s.as_str()),
                samples: c.samples.iter().map(sample).collect(),
            })
            .collect(),
        swapped: t.swapped.iter().map(|p| p.columns.as_slice()).collect(),
        swaps: t
            .swapped
            .iter()
            .map(|p| Swap {
                columns: &p.columns,
                rows: p.rows,
                held: p.held,
            })
            .collect(),
        renamed: t
            .renamed
            .iter()
            .map(|r| [r.from.as_str(), r.to.as_str()])
            .collect(),
        renames: t
            .renamed
            .iter()
            .map(|r| RenameRows {
                from: &r.from,
                to: &r.to,
                rows: r.rows,
                held: r.held,
            })
            .collect(),
        duplicates: t.duplicates.as_ref().map(|d| Duplicates {
            base: DupSide {
                keys: d.base.keys,
                rows: d.base.rows,
                samples: d.base.samples.iter().map(row_sample).collect(),
            },
            head: DupSide {
                keys: d.head.keys,
                rows: d.head.rows,
                samples: d.head.samples.iter().map(row_sample).collect(),
            },
            new_in_head: d.new_in_head,
            new_in_head_samples: d.new_in_head_samples.iter().map(row_sample).collect(),
        }),
        missing_samples: t.missing_samples.iter().map(row_sample).collect(),
        extra_samples: t.extra_samples.iter().map(row_sample).collect(),
        ignored: &t.ignored,
        findings: t
            .findings()
            .into_iter()
            .map(|f| Finding {
                regression: f.regression,
                message: f.message,
            })
            .collect(),
        features: t
            .features
            .iter()
            .map(|f| FeatureOut {
                column: &f.column,
                test: f.test.as_str(),
                statistic: f.statistic,
                p_value: f.p_value,
                p_adjusted: f.p_adjusted,
                effect: f.effect,
                alpha: f.alpha,
                min_effect: f.min_effect,
                verdict: f.verdict().as_str(),
                df: f.df,
                psi: f.psi,
                location: f.location,
                unit: f.scale.unit(),
                null_shift: f.null_shift(),
                max_null_shift: f.max_null_shift,
                base: aggregates(&f.base),
                head: aggregates(&f.head),
                paired: f.paired.as_ref().map(paired_out),
            })
            .collect(),
        untested: t
            .untested
            .iter()
            .map(|u| UntestedOut {
                column: &u.column,
                reason: &u.reason,
                regression: u.regression,
            })
            .collect(),
        precision: t.precision,
        out_of_core: t.out_of_core,
        engine: t.engine,
        paired_keys: t.paired_keys.map(|k| PairedKeysOut {
            paired: k.paired,
            only_base: k.only_base,
            only_head: k.only_head,
        }),
        sample: t.sample.as_ref().map(|s| {
            serde_json::json!({
                "key": s.key,
                "rate": s.rate,
                "basis": match s.basis {
                    crate::model::sample::Basis::Snapshot => "snapshot",
                    crate::model::sample::Basis::Outputs => "outputs",
                },
                "rows": s.rows.map(|[b, h]| serde_json::json!({"base": b, "head": h})),
                "kept": s.kept.map(|[b, h]| serde_json::json!({"base": b, "head": h})),
                "compared_whole": s.whole,
                "estimates": t.estimates().iter().map(|e| serde_json::json!({
                    "what": e.what,
                    "seen": e.estimate.seen,
                    "estimate": e.estimate.total,
                    "low": e.estimate.low,
                    "high": e.estimate.high,
                    "level": crate::model::sample::LEVEL,
                })).collect::<Vec<_>>(),
            })
        }),
        profile: t.profile.as_ref().map(|p| ProfilesOut {
            base: profile_out(&p.base),
            head: profile_out(&p.head),
        }),
        validation: t.validation().map(validation),
        calibration: t
            .calibration
            .iter()
            .map(|c| {
                let (action, observed_rel, rel_tolerance) = match c.action {
                    CalibrationAction::Excluded => ("excluded", None, None),
                    CalibrationAction::Tolerance { observed_rel, rel } => {
                        ("tolerance", Some(observed_rel), Some(rel))
                    }
                };
                CalibrationOut {
                    column: &c.column,
                    mismatches: c.mismatches,
                    action,
                    observed_rel,
                    rel_tolerance,
                }
            })
            .collect(),
    }
}

/// Writes the JSON report.
pub fn render(report: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let r = &report;
    let wire = Report {
        format_version: FORMAT_VERSION,
        mode: match r.mode {
            crate::model::Mode::Run => "run",
            crate::model::Mode::Compare => "compare",
        },
        swimlane_version: env!("CARGO_PKG_VERSION"),
        verdict: r.verdict().as_str(),
        base: Rev {
            rev: &r.base.rev,
            commit: r.base.commit.as_deref(),
            worktree: r.base.worktree,
            tip: r.base.tip.as_deref(),
        },
        head: Rev {
            rev: &r.head.rev,
            commit: r.head.commit.as_deref(),
            worktree: r.head.worktree,
            tip: None,
        },
        snapshot: Snapshot {
            path: r.snapshot.path.display().to_string(),
            digest: r.snapshot.digest.clone(),
            files: r.snapshot.files,
            bytes: r.snapshot.bytes,
            modified: r
                .snapshot
                .modified
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
        },
        lanes: r.lanes.iter().map(lane).collect(),
        tables: r.tables.iter().map(table).collect(),
        errors: &r.errors,
        timings: Timings {
            sample: r.timings.sample,
            checkout: r.timings.checkout,
            stages: r.timings.stages,
            load: r.timings.load,
            compare: r.timings.compare,
            total: r.timings.total,
        },
        kept_lanes: r.kept_lanes.as_ref().map(|p| p.display().to_string()),
        validation: r.validation().map(validation),
        notes: &r.notes,
        not_compared: &r.not_compared,
        recorded: r
            .recorded
            .as_ref()
            .map(|rec| serde_json::json!({"run": rec.run, "store": rec.store})),
        sample: r.sample.as_ref().map(|s| {
            serde_json::json!({
                "hash": s.hash,
                "key": s.key,
                "rate": s.rate,
                "salt": s.salt,
                "spark_predicate": s.predicate,
                "outputs": s.outputs,
                "snapshot": s.snapshot.as_ref().map(|snap| serde_json::json!({
                    "path": snap.path.display().to_string(),
                    "cached": snap.cached,
                    "files": snap.files.iter().map(|f| serde_json::json!({
                        "path": f.path,
                        "rows": f.rows,
                        "kept": f.kept,
                        "copied_whole": f.whole,
                    })).collect::<Vec<_>>(),
                })),
            })
        }),
        history: r.history.as_ref().map(history),
    };
    serde_json::to_writer_pretty(&mut *out, &wire)?;
    writeln!(out)
}

/// Head against main's history: each finding with its band and the
/// points it was judged after.
fn history(h: &crate::model::history::HistoryCheck) -> Value {
    use super::audit::finite;
    serde_json::json!({
        "store": h.store,
        "gate": h.gate.as_str(),
        "runs": h.runs,
        "checked": h.checked,
        "insufficient_history": h.insufficient,
        "regression": h.regression(),
        "findings": h.findings.iter().map(|f| serde_json::json!({
            "series": f.series,
            "value": finite(f.value),
            "center": finite(f.center),
            "spread": finite(f.spread),
            "low": finite(f.low),
            "high": finite(f.high),
            "sigmas": finite(f.sigmas()),
            "baseline_runs": f.baseline,
            "message": f.message(),
            "recent": f.plot.points.iter().map(|p| serde_json::json!({
                "run": p.run, "commit": p.tag, "value": finite(p.value),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Writes the JSON report of a run that failed before it could compare.
pub fn render_error(message: &str, out: &mut dyn Write) -> io::Result<()> {
    let wire = serde_json::json!({
        "format_version": FORMAT_VERSION,
        "swimlane_version": env!("CARGO_PKG_VERSION"),
        "verdict": "error",
        "tables": [],
        "errors": [message],
    });
    serde_json::to_writer_pretty(&mut *out, &wire)?;
    writeln!(out)
}
