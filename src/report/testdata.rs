//! Hand-built comparison models for the renderers' snapshot tests: a pass,
//! a regression with every kind of finding, and an error.

use std::path::PathBuf;

use serde_json::Value;

use crate::config::CompareMode;
use crate::model::*;
use crate::model::{LaneRun, Side, StageRun, StageStatus};
use crate::stats::summary::{NumericSummary, Summary};

fn stage(name: &str, status: StageStatus, side: Side) -> StageRun {
    StageRun {
        name: name.into(),
        status,
        exit_code: match status {
            StageStatus::Ok => Some(0),
            StageStatus::Failed => Some(3),
            _ => None,
        },
        signal: None,
        seconds: 1.25,
        stdout_log: PathBuf::from(format!(
            "/tmp/swimlane-XXXX/{}/logs/01-{name}.stdout.log",
            side.as_str()
        )),
        stderr_log: PathBuf::from(format!(
            "/tmp/swimlane-XXXX/{}/logs/01-{name}.stderr.log",
            side.as_str()
        )),
        tail: if status == StageStatus::Ok {
            vec![]
        } else {
            vec![
                "Traceback (most recent call last):".into(),
                "KeyError: 'maturity'".into(),
            ]
        },
    }
}

fn lanes(base: StageStatus, head: StageStatus) -> Vec<LaneRun> {
    vec![
        LaneRun {
            side: Side::Base,
            stages: vec![stage("etl", base, Side::Base)],
            seconds: 1.25,
        },
        LaneRun {
            side: Side::Head,
            stages: vec![stage("etl", head, Side::Head)],
            seconds: 1.25,
        },
    ]
}

fn run(tables: Vec<TableReport>, lanes: Vec<LaneRun>, errors: Vec<String>) -> RunReport {
    RunReport {
        mode: Mode::Run,
        base: RevReport {
            rev: "main".into(),
            commit: Some("1111111111111111111111111111111111111111".into()),
            worktree: false,
            tip: None,
        },
        head: RevReport {
            rev: "feature/faster".into(),
            commit: Some("2222222222222222222222222222222222222222".into()),
            worktree: false,
            tip: None,
        },
        snapshot: SnapshotReport {
            path: PathBuf::from("/repo/facts"),
            digest: "ab".repeat(32),
            files: 2,
            bytes: 1234,
            modified: vec![],
        },
        lanes,
        tables,
        errors,
        timings: Timings {
            checkout: 0.1,
            stages: 1.25,
            load: 0.2,
            compare: 0.3,
            total: 1.9,
            sample: 0.0,
        },
        kept_lanes: None,
        notes: vec![],
        not_compared: Vec::new(),
        recorded: None,
        sample: None,
        history: None,
    }
}

fn column(
    name: impl Into<String>,
    dtype: &str,
    mismatches: u64,
    samples: Vec<ValueSample>,
) -> ColumnDiff {
    ColumnDiff {
        name: name.into(),
        dtype: dtype.into(),
        mismatches,
        samples,
        tolerance: None,
        max_abs_diff: None,
        max_rel_diff: None,
        all_null: None,
    }
}

fn key(id: i64) -> Vec<(String, Value)> {
    vec![
        ("profile_id".into(), Value::from(id)),
        ("video_id".into(), Value::from(100)),
    ]
}

fn num_summary(rows: u64, nulls: u64, median: f64) -> Summary {
    Summary {
        rows,
        nulls,
        null_fraction: nulls as f64 / rows as f64,
        distinct: rows - nulls,
        numeric: Some(NumericSummary {
            mean: median,
            std: 1.0,
            min: median - 3.0,
            median,
            p99: median + 2.3,
            max: median + 3.0,
        }),
    }
}

fn feature(column: &str, effect: f64, q: f64, nulls_head: u64) -> Feature {
    Feature {
        column: column.into(),
        test: TestName::Ks,
        statistic: effect,
        p_value: q / 2.0,
        p_adjusted: q,
        effect,
        df: None,
        psi: None,
        location: Some(0.5),
        alpha: 0.01,
        min_effect: 0.05,
        max_null_shift: 0.01,
        scale: Default::default(),
        base: num_summary(1000, 0, 0.0),
        head: num_summary(1000, nulls_head, effect),
        paired: None,
        plot: Some(Plot::Numeric {
            edges: vec![-1.0, 0.0, 1.0, 2.0],
            base: vec![300, 500, 200],
            head: vec![200, 500, 300],
            ecdf_x: vec![-1.0, 0.0, 0.5, 1.0, 2.0],
            ecdf_base: vec![0.0, 0.3, 0.55, 0.8, 1.0],
            ecdf_head: vec![0.0, 0.2, 0.45, 0.7, 1.0],
            d_at: Some((0.5, 0.55, 0.45)),
        }),
    }
}

/// Identical outputs.
pub fn pass() -> RunReport {
    let mut t = TableReport::new(
        "plays",
        CompareMode::Exact,
        &["profile_id".into(), "video_id".into()],
    );
    t.rows = Some(RowCounts {
        base: 1000,
        head: 1000,
        matched: 1000,
        missing: 0,
        extra: 0,
        changed: Some(0),
    });
    t.columns = vec![column("seconds", "f64", 0, vec![])];
    t.schema.added.push(ColumnType {
        name: "new_col".into(),
        dtype: "str".into(),
    });
    t.compared_columns = t.columns.len();
    run(vec![t], lanes(StageStatus::Ok, StageStatus::Ok), vec![])
}

/// [`pass`] but for one column renamed: a regression.
pub fn renamed() -> RunReport {
    let mut r = pass();
    r.tables[0].renamed.push(crate::model::Rename {
        from: "score".into(),
        to: "risk_score".into(),
        rows: 1000,
        held: 1000,
    });
    r
}

/// Every kind of finding at once.
pub fn regression() -> RunReport {
    let mut t = TableReport::new(
        "viewing",
        CompareMode::Exact,
        &["profile_id".into(), "video_id".into()],
    );
    t.rows = Some(RowCounts {
        base: 1000,
        head: 999,
        matched: 990,
        missing: 10,
        extra: 9,
        changed: Some(7),
    });
    t.schema = SchemaDiff {
        added: vec![ColumnType {
            name: "new_col".into(),
            dtype: "str".into(),
        }],
        removed: vec![ColumnType {
            name: "old_col".into(),
            dtype: "i64".into(),
        }],
        changed: vec![TypeChange {
            column: "plays".into(),
            base: "i64".into(),
            head: "f64".into(),
            compared_as: None,
        }],
        ..Default::default()
    };
    t.columns = vec![
        column(
            "thumb",
            "i64",
            7,
            vec![ValueSample {
                path: None,
                key: key(1),
                base: Value::Null,
                head: Value::from(0),
            }],
        ),
        column(
            "title",
            "str",
            1,
            vec![ValueSample {
                path: None,
                key: key(2),
                base: Value::from("The Crown | season 1: the early years of the reign"),
                head: Value::from("The Crown | season 2: the early years of the reign"),
            }],
        ),
        column("country", "str", 3, vec![]),
        column("language", "str", 3, vec![]),
        column("seconds", "f64", 0, vec![]),
    ];
    t.compared_columns = t.columns.len();
    t.swapped = vec![crate::model::Permutation {
        columns: vec!["country".into(), "language".into()],
        rows: 2,
        held: 2,
    }];
    t.duplicates = Some(Duplicates {
        base: DuplicateSide::default(),
        head: DuplicateSide {
            keys: 1,
            rows: 3,
            samples: vec![RowSample {
                values: key(5),
                count: 3,
            }],
        },
        new_in_head: 1,
        new_in_head_samples: vec![RowSample {
            values: key(5),
            count: 3,
        }],
    });
    t.missing_samples = vec![RowSample {
        values: key(7),
        count: 1,
    }];
    t.extra_samples = vec![RowSample {
        values: key(8),
        count: 1,
    }];
    t.ignored = vec!["etl_run_ts".into()];

    let mut gone = TableReport::new("summary", CompareMode::Exact, &["profile_id".into()]);
    gone.head_missing =
        Some("head did not write the table: no output file matches `summary.csv`".into());

    let mut f = TableReport::new("features", CompareMode::Distribution, &[]);
    f.precision = Some(12);
    f.features = vec![
        feature("short_play_share", 0.35, 1e-16, 0),
        feature("log_seconds", 0.01, 0.8, 0),
        feature("imputed", 0.0, 1.0, 100),
        Feature {
            column: "is_kids".into(),
            test: TestName::ChiSquare,
            statistic: 12.5,
            p_value: 0.0004,
            p_adjusted: 0.0008,
            effect: 0.1,
            df: Some(1),
            psi: Some(0.05),
            location: None,
            alpha: 0.01,
            min_effect: 0.05,
            max_null_shift: 0.01,
            scale: Default::default(),
            base: Summary {
                rows: 1000,
                nulls: 0,
                null_fraction: 0.0,
                distinct: 2,
                numeric: None,
            },
            head: Summary {
                rows: 1000,
                nulls: 0,
                null_fraction: 0.0,
                distinct: 2,
                numeric: None,
            },
            paired: None,
            plot: Some(Plot::Categorical {
                categories: vec!["0".into(), "1".into()],
                base: vec![770, 230],
                head: vec![670, 330],
            }),
        },
    ];
    f.untested = vec![Untested {
        column: "score".into(),
        reason: "changed type from f64 to str: the distributions cannot be compared".into(),
        regression: true,
    }];
    run(
        vec![t, gone, f],
        lanes(StageStatus::Ok, StageStatus::Ok),
        vec![],
    )
}

/// A keyed feature table compared key by key: a numeric feature whose
/// keys moved together (a regression by the paired test), one whose few
/// changed keys are only reported, a categorical one with its transitions,
/// and keys found on one side only.
pub fn keyed_features() -> RunReport {
    use crate::model::paired::{Paired, PairedKeys, PairedTest, Transition};
    let paired = |changed: u64, up: u64, effect: f64, q: f64| Paired {
        keys: 300,
        changed,
        up,
        down: changed - up,
        to_null: 0,
        from_null: 0,
        median_abs_delta: 0.05,
        max_abs_delta: 0.08,
        samples: vec![ValueSample {
            key: key(17),
            path: None,
            base: Value::from(0.25),
            head: Value::from(0.33),
        }],
        transitions: vec![],
        test: Some(PairedTest {
            n: changed,
            statistic: 0.0,
            p_value: q / 2.0,
            p_adjusted: q,
            method: "asymptotic",
            sign_p_value: q / 3.0,
        }),
        effect,
        alpha: 0.01,
        min_effect: 0.1,
        max_changed_fraction: None,
        points: vec![(0.25, 0.08), (0.5, 0.05), (0.75, -0.02)],
        scale: Default::default(),
    };
    let mut t = TableReport::new(
        "features",
        CompareMode::Distribution,
        &["profile_id".into()],
    );
    t.precision = Some(12);
    t.paired_keys = Some(PairedKeys {
        paired: 300,
        only_base: 2,
        only_head: 0,
    });
    t.missing_samples = vec![RowSample {
        values: key(301),
        count: 1,
    }];
    let mut moved = feature("short_play_share", 0.02, 0.9, 0);
    moved.paired = Some(paired(300, 300, 0.4, 1e-20));
    let mut few = feature("log_seconds", 0.01, 0.95, 0);
    few.paired = Some(paired(3, 2, 0.0, 0.2));
    let mut kids = feature("segment", 0.01, 0.9, 0);
    kids.test = TestName::ChiSquare;
    kids.paired = Some(Paired {
        transitions: vec![Transition {
            base: "\"adult\"".into(),
            head: "\"kids\"".into(),
            count: 4,
        }],
        test: None,
        effect: f64::NAN,
        up: 0,
        down: 0,
        points: vec![],
        samples: vec![ValueSample {
            key: key(42),
            path: None,
            base: Value::from("adult"),
            head: Value::from("kids"),
        }],
        ..paired(4, 0, 0.0, 1.0)
    });
    t.features = vec![moved, few, kids];
    run(vec![t], lanes(StageStatus::Ok, StageStatus::Ok), vec![])
}

/// A run that could not compare.
pub fn error() -> RunReport {
    run(
        vec![],
        lanes(StageStatus::Failed, StageStatus::Ok),
        vec![
            "base lane failed at stage `etl` (exit code 3): there is nothing to compare against"
                .into(),
        ],
    )
}

/// A wide table: 500 compared columns of which 3 changed.
pub fn wide() -> RunReport {
    let mut t = TableReport::new("wide", CompareMode::Exact, &["id".into()]);
    t.rows = Some(RowCounts {
        base: 10,
        head: 10,
        matched: 10,
        missing: 0,
        extra: 0,
        changed: Some(3),
    });
    for i in 0..500 {
        let changed = matches!(i, 7 | 250 | 499);
        t.columns.push(column(
            format!("c{i:03}"),
            "i64",
            u64::from(changed),
            if changed {
                vec![ValueSample {
                    path: None,
                    key: vec![("id".into(), Value::from(1))],
                    base: Value::from(i),
                    head: Value::from(i + 1),
                }]
            } else {
                vec![]
            },
        ));
    }
    t.compared_columns = t.columns.len();
    run(vec![t], lanes(StageStatus::Ok, StageStatus::Ok), vec![])
}
