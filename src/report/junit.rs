//! JUnit XML (via `quick-junit`): one test suite per table, one test case
//! per check (rows, schema, duplicates, swaps), per compared column and per
//! feature, so CI systems show regressions as failed tests. The lanes get a
//! suite of their own, one case per stage.

use std::io::{self, Write};
use std::time::Duration;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{key_text, num, short_cell};
use crate::model::StageStatus;
use crate::model::{RunReport, TableReport, TestName, Verdict};

fn failure(message: impl Into<String>, description: String) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    s.set_message(message.into());
    if !description.is_empty() {
        s.set_description(description);
    }
    s
}

fn error(message: impl Into<String>) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
    s.set_message(message.into());
    s
}

fn case(name: &str, classname: &str, status: TestCaseStatus) -> TestCase {
    let mut c = TestCase::new(name.to_string(), status);
    c.set_classname(classname.to_string());
    c
}

/// Writes the JUnit XML report.
pub fn render(r: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let mut report = Report::new("swimlane");
    report.set_time(Duration::from_secs_f64(r.timings.total.max(0.0)));

    let mut lanes = TestSuite::new("lanes");
    for e in &r.errors {
        lanes.add_test_case(case("run", "swimlane", error(e.clone())));
    }
    for lane in &r.lanes {
        for stage in &lane.stages {
            let class = format!("lanes.{}", lane.side.as_str());
            let status = match stage.status {
                StageStatus::Ok => TestCaseStatus::success(),
                StageStatus::Skipped => TestCaseStatus::skipped(),
                _ => {
                    let message = format!(
                        "{} lane: stage `{}` {}",
                        lane.side.as_str(),
                        stage.name,
                        stage.describe()
                    );
                    if lane.side == crate::model::Side::Base {
                        error(message)
                    } else {
                        failure(message, stage.tail.join("\n"))
                    }
                }
            };
            let mut c = case(&stage.name, &class, status);
            c.set_time(Duration::from_secs_f64(stage.seconds.max(0.0)));
            lanes.add_test_case(c);
        }
    }
    let sample = super::sample_lines(r);
    if !sample.is_empty() {
        lanes.set_system_out(sample.join("\n"));
    }
    report.add_test_suite(lanes);
    for t in &r.tables {
        report.add_test_suite(table_suite(t));
    }
    if let Some(h) = &r.history {
        report.add_test_suite(history_suite(h));
    }
    report
        .serialize(&mut *out)
        .map_err(|e| io::Error::other(e.to_string()))
}

/// Head against main's history: a case per finding, failed when
/// `history_gate = "regression"`, passed with its message otherwise.
fn history_suite(h: &crate::model::history::HistoryCheck) -> TestSuite {
    let mut suite = TestSuite::new("history");
    suite.set_system_out(super::history_line(h));
    for f in &h.findings {
        let status = if h.regression() {
            failure(f.message(), super::sparkline(&f.plot.values()))
        } else {
            TestCaseStatus::success()
        };
        let mut c = case(&f.series, "history", status);
        if !h.regression() {
            c.set_system_out(f.message());
        }
        suite.add_test_case(c);
    }
    if h.findings.is_empty() {
        suite.add_test_case(case(
            "within main's bands",
            "history",
            TestCaseStatus::success(),
        ));
    }
    suite
}

fn table_suite(t: &TableReport) -> TestSuite {
    let mut suite = TestSuite::new(t.name.clone());
    let class = t.name.as_str();
    let sample = super::table_sample_lines(t);
    if !sample.is_empty() {
        suite.set_system_out(sample.join("\n"));
    }
    if let Some(e) = &t.error {
        suite.add_test_case(case("compare", class, error(e.clone())));
        return suite;
    }
    if let Some(why) = &t.head_missing {
        suite.add_test_case(case("output", class, failure(why.clone(), String::new())));
        return suite;
    }
    if let Some(rows) = &t.rows {
        let status = if rows.missing == 0 && rows.extra == 0 {
            TestCaseStatus::success()
        } else {
            let sample = |what: &str, s: &[crate::model::RowSample]| {
                s.iter()
                    .map(|s| format!("{what}: {}", key_text(&s.values)))
                    .collect::<Vec<_>>()
            };
            let mut details = sample("missing", &t.missing_samples);
            details.extend(sample("extra", &t.extra_samples));
            failure(
                format!(
                    "{} rows missing in head, {} extra (base {}, head {})",
                    rows.missing, rows.extra, rows.base, rows.head
                ),
                details.join("\n"),
            )
        };
        suite.add_test_case(case("rows", class, status));
    }
    let s = &t.schema;
    // A rename is a regression as a removal is (consumers of the old name
    // break): the schema case fails on it too.
    let schema_regression = !s.removed.is_empty()
        || !t.renamed.is_empty()
        || (!s.changed.is_empty() && t.compare == crate::config::CompareMode::Exact);
    let mut details: Vec<String> = Vec::new();
    details.extend(
        s.removed
            .iter()
            .map(|c| format!("removed: {} ({})", c.name, c.dtype)),
    );
    details.extend(
        t.renamed
            .iter()
            .map(|r| format!("renamed: {} -> {}", r.from, r.to)),
    );
    details.extend(
        s.changed
            .iter()
            .map(|c| format!("changed: {} {} -> {}", c.column, c.base, c.head)),
    );
    details.extend(
        s.added
            .iter()
            .map(|c| format!("added: {} ({})", c.name, c.dtype)),
    );
    let status = if schema_regression {
        failure(
            format!(
                "{} removed, {} renamed, {} retyped columns",
                s.removed.len(),
                t.renamed.len(),
                s.changed.len()
            ),
            details.join("\n"),
        )
    } else {
        TestCaseStatus::success()
    };
    let mut schema_case = case("schema", class, status);
    if !schema_regression && !details.is_empty() {
        schema_case.set_system_out(details.join("\n"));
    }
    suite.add_test_case(schema_case);
    if let Some(d) = &t.duplicates {
        let status = if d.new_in_head > 0 {
            failure(
                format!(
                    "{} keys duplicated in head that were unique in base",
                    d.new_in_head
                ),
                d.new_in_head_samples
                    .iter()
                    .map(|s| format!("{} x{}", key_text(&s.values), s.count))
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        } else {
            TestCaseStatus::success()
        };
        suite.add_test_case(case("duplicate keys", class, status));
    }
    for cycle in &t.swapped {
        let names = cycle.columns.join(" <-> ");
        suite.add_test_case(case(
            &format!("swap {names}"),
            class,
            failure(
                if cycle.held == cycle.rows {
                    format!("columns {names} exchanged values")
                } else {
                    format!(
                        "columns {names} exchanged values on {} of the {} rows where they differ",
                        cycle.held, cycle.rows
                    )
                },
                String::new(),
            ),
        ));
    }
    for c in &t.columns {
        let status = if c.mismatches == 0 {
            TestCaseStatus::success()
        } else {
            failure(
                format!("{} changed values", c.mismatches),
                c.samples
                    .iter()
                    .map(|s| {
                        format!(
                            "{}: {} -> {}",
                            key_text(&s.key),
                            short_cell(&s.base, 200),
                            short_cell(&s.head, 200)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            )
        };
        suite.add_test_case(case(&format!("column {}", c.name), class, status));
    }
    for f in &t.features {
        let paired = f.paired.as_ref().filter(|p| p.regression());
        let status = if let Some(p) = paired.filter(|_| !f.shifted() && !f.null_shifted()) {
            failure(
                p.headline(),
                p.test_line().unwrap_or_else(|| {
                    format!(
                        "more than max_changed_fraction {} of keys changed",
                        p.max_changed_fraction.unwrap_or(0.0)
                    )
                }),
            )
        } else if f.test == TestName::None && paired.is_none() && f.verdict() == Verdict::Pass {
            TestCaseStatus::skipped()
        } else if f.verdict() == Verdict::Regression {
            let message = if f.emptied() {
                format!(
                    "no rows in {}: nothing to compare",
                    if f.head.rows == 0 { "head" } else { "base" }
                )
            } else if f.shifted() {
                format!(
                    "{} shifted: effect {} >= {}, q {:.3e} < {}",
                    f.test.as_str(),
                    num(f.effect),
                    f.min_effect,
                    f.p_adjusted,
                    f.alpha
                )
            } else {
                format!(
                    "null fraction {:.4} -> {:.4}",
                    f.base.null_fraction, f.head.null_fraction
                )
            };
            failure(
                message,
                format!(
                    "statistic {} p {:e} q {:e}; null fraction {:.4} -> {:.4}",
                    num(f.statistic),
                    f.p_value,
                    f.p_adjusted,
                    f.base.null_fraction,
                    f.head.null_fraction
                ),
            )
        } else {
            TestCaseStatus::success()
        };
        let mut tc = case(&format!("feature {}", f.column), class, status);
        if let Some(p) = &f.paired {
            let mut text = p.headline();
            if let Some(line) = p.test_line() {
                text += &format!("\n{line}");
            }
            tc.set_system_out(text);
        }
        suite.add_test_case(tc);
    }
    for u in &t.untested {
        let status = if u.regression {
            failure(u.reason.clone(), String::new())
        } else {
            let mut s = TestCaseStatus::skipped();
            s.set_message(u.reason.clone());
            s
        };
        suite.add_test_case(case(&format!("feature {}", u.column), class, status));
    }
    suite
}
