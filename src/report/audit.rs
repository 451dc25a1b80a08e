//! The audit of history (`swimlane audit`, and after `--record`) rendered
//! for the terminal, JSON, Markdown and JUnit: pure functions of
//! `model::audit::AuditReport`. Every failure shows the band or the values
//! it was judged by, not just that it failed.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::{Value, json};

use crate::model::Verdict;
use crate::model::audit::{AuditReport, ChangeResult, CheckStatus, SeriesCheck, SeriesResult};

fn anomaly_text(s: &SeriesResult) -> Option<String> {
    match s.check {
        SeriesCheck::Band {
            center,
            spread,
            low,
            high,
            anomaly: true,
        } => {
            // A baseline of one value: the band around it, a rounding
            // floor, printed to twelve digits, said nothing but the value.
            if s.as_of_value.is_none()
                && crate::stats::anomaly::flat_baseline(center, spread, s.sigma)
            {
                let [shown, how] =
                    crate::model::digits::off_held_value(s.reading, s.value, center, (low, high));
                return Some(format!("{shown} at run {} ({}) {how}", s.run, s.as_of));
            }
            // The digits that tell the value, the band and its center apart.
            let shown =
                crate::model::digits::show_values_apart(s.reading, &[s.value, low, high, center]);
            // Alone: it is compared with nothing.
            let spread = s.reading.span(spread, crate::model::digits::show_alone);
            let baseline = match s.as_of_value {
                Some(t) => format!(
                    "{} behind its as-of time, where the previous runs lay {} ± {} × {spread} behind theirs",
                    crate::model::digits::show_behind(s.reading, t, s.value),
                    crate::model::digits::show_behind(s.reading, t, center),
                    s.sigma,
                ),
                None => format!(
                    "mean {} ± {} × {spread} over the previous runs",
                    shown[3], s.sigma
                ),
            };
            Some(format!(
                "{} at run {} ({}) is outside [{}, {}] ({baseline})",
                shown[0], s.run, s.as_of, shown[1], shown[2],
            ))
        }
        _ => None,
    }
}

fn change_text(s: &SeriesResult, c: &ChangeResult) -> String {
    format!(
        "change point at run {} ({}): {}",
        c.run,
        c.as_of,
        crate::model::digits::show_level_change(
            s.reading,
            c.as_of_value,
            (c.mean_before, c.mean_after),
            c.rel_change,
            c.p_value
        )
    )
}

fn check_detail(status: CheckStatus, evidence: &[String], reason: Option<&str>) -> String {
    match status {
        CheckStatus::Pass | CheckStatus::Fail => evidence.join("; "),
        CheckStatus::Insufficient => format!("insufficient history: {}", reason.unwrap_or("")),
        CheckStatus::Missing => reason.unwrap_or("").to_string(),
    }
}

fn verdict_word(r: &AuditReport) -> &'static str {
    match r.verdict() {
        Verdict::Pass => "pass",
        Verdict::Regression => "FAIL",
        Verdict::Error => "ERROR",
    }
}

/// The terminal's lines: failures, warnings, every check (`quiet`: only
/// those that failed or could not be evaluated), and a summary.
pub fn terminal(r: &AuditReport, out: &mut dyn Write, quiet: bool) -> io::Result<()> {
    for s in &r.series {
        if let Some(text) = anomaly_text(s) {
            writeln!(out, "FAIL {}: {text}", s.name)?;
        }
        // The newest level's start.
        if let Some(c) = s.changepoints.last() {
            let word = if r.strict { "FAIL" } else { "warn" };
            writeln!(out, "{word} {}: {}", s.name, change_text(s, c))?;
        }
        if s.anomaly() || !s.changepoints.is_empty() {
            writeln!(
                out,
                "     {}  (last {} points)",
                super::sparkline(&s.recent),
                s.recent.len()
            )?;
        }
    }
    for c in &r.checks {
        if quiet && matches!(c.status, CheckStatus::Pass | CheckStatus::Insufficient) {
            continue;
        }
        let word = match c.status {
            CheckStatus::Pass => "ok  ",
            CheckStatus::Fail => "FAIL",
            CheckStatus::Insufficient => "skip",
            CheckStatus::Missing => "error",
        };
        writeln!(
            out,
            "{word} audit `{}` on {} at run {}: {}",
            c.name,
            c.scope,
            c.run,
            check_detail(c.status, &c.evidence, c.reason.as_deref())
        )?;
    }
    writeln!(
        out,
        "audit: {} series, {} anomalies, {} with change points, {} with insufficient history (fewer than {} points); {} checks, {} failed -> {}",
        r.series.len(),
        r.anomalies(),
        r.with_changepoints(),
        r.insufficient(),
        r.min_history,
        r.checks.len(),
        r.checks_with(CheckStatus::Fail),
        verdict_word(r)
    )
}

/// A point's judgement as JSON (also for `history show --json`).
pub fn check_value(check: &SeriesCheck, sigma: f64) -> Value {
    match *check {
        SeriesCheck::Band {
            center,
            spread,
            low,
            high,
            anomaly,
        } => json!({
            "status": if anomaly { "anomaly" } else { "ok" },
            "center": finite(center), "spread": finite(spread),
            "low": finite(low), "high": finite(high), "sigma": sigma,
        }),
        SeriesCheck::Insufficient { history } => {
            json!({"status": "insufficient_history", "history": history})
        }
        SeriesCheck::Skipped => json!({"status": "skipped"}),
    }
}

/// JSON has no infinities: an unchecked direction's bound is null.
pub fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// The audit as a JSON value.
pub fn json_value(r: &AuditReport) -> Value {
    let series: Vec<Value> = r
        .series
        .iter()
        .map(|s| {
            json!({
                "name": s.name, "run": s.run, "as_of": s.as_of, "value": finite(s.value),
                "unit": s.reading.unit(),
                "measure": measure_name(s.as_of_value.is_some()),
                "check": check_value(&s.check, s.sigma),
                "changepoints": s.changepoints.iter().map(change_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let checks: Vec<Value> = r
        .checks
        .iter()
        .map(|c| {
            json!({
                "name": c.name, "scope": c.scope, "run": c.run, "status": c.status.as_str(),
                "evidence": c.evidence, "reason": c.reason,
            })
        })
        .collect();
    json!({
        "verdict": match r.verdict() {
            Verdict::Pass => "pass",
            Verdict::Regression => "fail",
            Verdict::Error => "error",
        },
        "at": r.at,
        "strict": r.strict,
        "anomalies": r.anomalies(),
        "changepoint_series": r.with_changepoints(),
        "insufficient_history": r.insufficient(),
        "audits": checks,
        "series": series,
    })
}

/// What a series was judged by, for JSON: its values, or how far they lie
/// behind their as-of times (the bands and means are values either way).
pub fn measure_name(against_as_of: bool) -> &'static str {
    if against_as_of {
        "behind_as_of"
    } else {
        "value"
    }
}

/// A change point as JSON (also for `history show --json`).
pub fn change_json(c: &ChangeResult) -> Value {
    json!({
        "index": c.index, "run": c.run, "as_of": c.as_of,
        "mean_before": c.mean_before, "mean_after": c.mean_after,
        "rel_change": c.rel_change, "p_value": c.p_value,
    })
}

pub fn json(r: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &json_value(r))?;
    writeln!(out)
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

/// Markdown for a pull request comment or a job summary: what failed and
/// warned first, then every check.
pub fn markdown(r: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let icon = match r.verdict() {
        Verdict::Pass => "✅",
        Verdict::Regression => "❌",
        Verdict::Error => "⚠️",
    };
    writeln!(
        out,
        "## {icon} swimlane audit: {}",
        verdict_word(r).to_lowercase()
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{} series, {} anomalies, {} with change points, {} with insufficient history; {} checks, {} failed.",
        r.series.len(),
        r.anomalies(),
        r.with_changepoints(),
        r.insufficient(),
        r.checks.len(),
        r.checks_with(CheckStatus::Fail)
    )?;
    let flagged: Vec<&SeriesResult> = r
        .series
        .iter()
        .filter(|s| s.anomaly() || !s.changepoints.is_empty())
        .collect();
    if !flagged.is_empty() {
        writeln!(out)?;
        writeln!(out, "| series | finding | last points |")?;
        writeln!(out, "| --- | --- | --- |")?;
        for s in flagged {
            let spark = format!("`{}`", super::sparkline(&s.recent));
            if let Some(text) = anomaly_text(s) {
                writeln!(
                    out,
                    "| `{}` | **anomaly**: {} | {spark} |",
                    s.name,
                    md_escape(&text)
                )?;
            }
            if let Some(c) = s.changepoints.last() {
                let kind = if r.strict {
                    "**change point**"
                } else {
                    "change point"
                };
                writeln!(
                    out,
                    "| `{}` | {kind}: {} | {spark} |",
                    s.name,
                    md_escape(&change_text(s, c))
                )?;
            }
        }
    }
    if !r.checks.is_empty() {
        writeln!(out)?;
        writeln!(out, "| check | on | result | values |")?;
        writeln!(out, "| --- | --- | --- | --- |")?;
        for c in &r.checks {
            writeln!(
                out,
                "| {} | `{}` | {} | {} |",
                md_escape(&c.name),
                c.scope,
                c.status.as_str(),
                md_escape(&check_detail(c.status, &c.evidence, c.reason.as_deref()))
            )?;
        }
    }
    Ok(())
}

/// JUnit: a suite of series (a case each: failed on an anomaly, and on a
/// change point when strict) and a suite of checks.
pub fn junit(r: &AuditReport, out: &mut dyn Write) -> io::Result<()> {
    let mut report = Report::new("swimlane audit");
    let mut series = TestSuite::new("series");
    for s in &r.series {
        let failure = anomaly_text(s).or_else(|| {
            s.changepoints
                .last()
                .filter(|_| r.strict)
                .map(|c| change_text(s, c))
        });
        let status = match failure {
            Some(text) => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(text);
                st
            }
            None => TestCaseStatus::success(),
        };
        let mut case = TestCase::new(s.name.clone(), status);
        case.set_classname("series".to_string());
        series.add_test_case(case);
    }
    report.add_test_suite(series);
    let mut checks = TestSuite::new("audits");
    for c in &r.checks {
        let detail = check_detail(c.status, &c.evidence, c.reason.as_deref());
        let status = match c.status {
            CheckStatus::Pass => TestCaseStatus::success(),
            CheckStatus::Insufficient => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(detail);
                st
            }
            CheckStatus::Fail | CheckStatus::Missing => {
                let kind = if c.status == CheckStatus::Fail {
                    NonSuccessKind::Failure
                } else {
                    NonSuccessKind::Error
                };
                let mut st = TestCaseStatus::non_success(kind);
                st.set_message(detail);
                st
            }
        };
        let mut case = TestCase::new(format!("{} on {}", c.name, c.scope), status);
        case.set_classname("audit".to_string());
        checks.add_test_case(case);
    }
    report.add_test_suite(checks);
    report
        .serialize(&mut *out)
        .map_err(|e| io::Error::other(e.to_string()))
}
