//! A pull request's head against what its base branch has produced for
//! months: head's profile placed after the points `run --record` recorded
//! on the base branch's commits, each metric judged by the same n-sigma
//! rule as any point of history. A metric outside its band is a finding
//! (`model::history::HistoryCheck`); `history_gate` decides whether it
//! fails the run.

use std::collections::{BTreeMap, BTreeSet};

use super::plot::{Lookup, plot};
use super::store::Note;
use super::{Meta, Row, watch};
use crate::config::{HistoryConfig, HistoryGate};
use crate::model::history::{HistoryCheck, HistoryFinding, PointState};
use crate::model::profile::Profile;
use crate::stats::anomaly::Check;

/// The run id head's point takes (it is never recorded).
const HEAD: &str = "head";

/// Places `head`'s profiles (table name, profile) in the history of
/// `rows`: only points recorded on a commit `on_main` accepts (points of
/// `profile --record`, without a commit, describe other data).
pub fn place(
    head: &[(&str, &Profile)],
    rows: &[Row],
    notes: &[Note],
    config: &HistoryConfig,
    on_main: &dyn Fn(&str) -> bool,
    store: String,
    gate: HistoryGate,
) -> HistoryCheck {
    let mut main: Vec<Row> = rows
        .iter()
        .filter(|r| r.commit.as_deref().is_some_and(on_main))
        .cloned()
        .collect();
    let runs = main
        .iter()
        .map(|r| r.run.as_str())
        .collect::<BTreeSet<_>>()
        .len();
    // Head comes after every point of main, whatever its clock says.
    let now = chrono::Utc::now().timestamp_micros();
    let after = main
        .iter()
        .map(|r| r.as_of + 1)
        .max()
        .unwrap_or(now)
        .max(now);
    let meta = Meta {
        run: HEAD.into(),
        recorded_at: after,
        as_of: after,
        commit: None,
        label: None,
    };
    let head_rows = super::rows(&meta, head);
    let wanted: BTreeSet<String> = head_rows
        .iter()
        .filter(|r| r.points.is_none())
        .map(Row::series)
        .collect();
    main.extend(head_rows);
    let lookup = Lookup::new(&main);
    let mut series = watch::series(&main);
    series.retain(|name, _| wanted.contains(name));
    let mut check = HistoryCheck {
        store,
        gate,
        runs,
        checked: 0,
        insufficient: 0,
        findings: Vec::new(),
    };
    let no_bounds = BTreeMap::new();
    for (name, points) in series {
        let settings = config.detect_for(&name);
        let reading = lookup.reading(&name);
        let j = watch::judge_one(name, points, notes, settings, reading);
        let last = j.points.len() - 1;
        match j.checks[last] {
            Check::Checked {
                center,
                spread,
                low,
                high,
                anomaly,
                baseline,
            } => {
                check.checked += 1;
                if anomaly {
                    let first = j.points.len().saturating_sub(settings.anomaly.window + 1);
                    // The run report draws the series, not a histogram.
                    let mut p = plot(&j, first, notes, &lookup, &no_bounds, false);
                    if let Some(head) = p.points.last_mut() {
                        head.state = PointState::Head;
                    }
                    check.findings.push(HistoryFinding {
                        series: j.name.clone(),
                        value: j.points[last].value,
                        center,
                        spread,
                        low,
                        high,
                        baseline,
                        plot: p,
                    });
                }
            }
            Check::Insufficient { .. } => check.insufficient += 1,
            Check::Skipped => {}
        }
    }
    // The furthest out first.
    check.findings.sort_by(|a, b| {
        b.sigmas()
            .abs()
            .partial_cmp(&a.sigmas().abs())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    check
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::profile::ColumnProfile;

    fn profile(rows: u64, nulls: u64) -> Profile {
        Profile {
            row_count: rows,
            duplicate_keys: None,
            columns: vec![ColumnProfile {
                name: "thumb".into(),
                dtype: "str".into(),
                null_count: nulls,
                distinct: 2,
                distinct_error: 0.0,
                numbers: None,
                text: None,
            }],
        }
    }

    fn recorded(day: i64, commit: &str, p: &Profile) -> Vec<Row> {
        let meta = Meta {
            run: format!("r{day:02}"),
            recorded_at: day,
            as_of: day,
            commit: Some(commit.into()),
            label: None,
        };
        super::super::rows(&meta, &[("plays", p)])
    }

    #[test]
    fn only_mains_commits_make_the_baseline_and_head_is_judged_after_them() {
        let mut rows = Vec::new();
        for day in 0..20 {
            // Main: 600 rows, 6 or 7 null thumbs.
            rows.extend(recorded(day, "main", &profile(600, 6 + day as u64 % 2)));
        }
        // Another branch's head, recorded by mistake: not main's history.
        rows.extend(recorded(20, "other", &profile(600, 120)));
        let on_main = |c: &str| c == "main";
        let head = profile(600, 120);
        let check = place(
            &[("plays", &head)],
            &rows,
            &[],
            &HistoryConfig::default(),
            &on_main,
            "dir:x".into(),
            HistoryGate::Warn,
        );
        assert_eq!(check.runs, 20);
        let names: Vec<&str> = check.findings.iter().map(|f| f.series.as_str()).collect();
        // null_count and null_fraction jump; row_count and distinct do not.
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names.contains(&"plays.thumb.null_fraction"), "{names:?}");
        assert_eq!(check.checked, 4);
        let f = &check.findings[0];
        assert_eq!(f.baseline, 20);
        assert_eq!(f.plot.points.len(), 21);
        assert_eq!(f.plot.points.last().unwrap().state, PointState::Head);
        assert!(!check.regression());
        let gated = HistoryCheck {
            gate: HistoryGate::Regression,
            ..check
        };
        assert!(gated.regression());
    }
}
