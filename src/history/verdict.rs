//! The audit of a store: every series judged at one run (or each one's
//! latest point) with its settings, and every configured check evaluated,
//! assembled into `model::audit::AuditReport`.

use super::audit::{Configured, check_all};
use super::store::Note;
use super::{Row, show_time, watch};
use crate::config::HistoryConfig;
use crate::model::audit::{AuditReport, ChangeResult, SeriesResult};

/// The run asked for is not in the store (`run`: its id or a time).
#[derive(Debug, thiserror::Error)]
#[error("no run `{run}` in the store{}", if *.by_time { " (no point as of that time or before)" } else { "" })]
pub struct NoSuchRun {
    pub run: String,
    by_time: bool,
}

impl crate::error::Help for NoSuchRun {
    fn help(&self) -> Option<String> {
        Some(
            "`swimlane history show SERIES` lists each point's run and as-of time; --at takes either (a date: its last point)"
                .into(),
        )
    }
}

/// The run `at` names: a run's id, or a time (the run of the last point
/// as of then; a date, `2026-11-14`, is all of that day), the latest
/// recorded among points as of the same time.
pub fn run_at(rows: &[Row], at: &str) -> Result<String, NoSuchRun> {
    if rows.iter().any(|r| r.run == at) {
        return Ok(at.to_string());
    }
    let Ok(time) = super::parse_time(at) else {
        return Err(NoSuchRun {
            run: at.to_string(),
            by_time: false,
        });
    };
    let end = match chrono::NaiveDate::parse_from_str(at, "%Y-%m-%d") {
        Ok(_) => time + 86_400_000_000 - 1,
        Err(_) => time,
    };
    rows.iter()
        .filter(|r| r.as_of <= end)
        .max_by_key(|r| (r.as_of, r.recorded_at, &r.run))
        .map(|r| r.run.clone())
        .ok_or(NoSuchRun {
            run: at.to_string(),
            by_time: true,
        })
}

/// Judges `rows` (with `notes`) as `config` says, at `at` or each series'
/// latest point; `strict` makes change points fail.
pub fn audit(
    rows: &[Row],
    notes: &[Note],
    config: &HistoryConfig,
    at: Option<&str>,
    strict: bool,
) -> Result<AuditReport, NoSuchRun> {
    let at = at.map(|a| run_at(rows, a)).transpose()?;
    let at = at.as_deref();
    let mut all = watch::series(rows);
    let configured = Configured::all(config);
    let readings = super::readings(rows);
    let checks = check_all(&configured, &all, rows, notes, &readings, at);
    // History as it stood at `at`: later points neither judge nor move it.
    if let Some(run) = at {
        all.retain(|_, points| match points.iter().position(|p| p.run == run) {
            Some(i) => {
                points.truncate(i + 1);
                true
            }
            None => false,
        });
        if all.is_empty() {
            return Err(NoSuchRun {
                run: run.into(),
                by_time: false,
            });
        }
    }
    let series = watch::judge(all, notes, config, &readings)
        .iter()
        .filter_map(|j| {
            let i = j.at(None)?;
            let p = &j.points[i];
            Some(SeriesResult {
                name: j.name.clone(),
                run: p.run.clone(),
                as_of: show_time(p.as_of),
                value: p.value,
                sigma: j.settings.anomaly.sigma,
                check: j.checks[i].into(),
                changepoints: change_results(j),
                recent: j.points[(i + 1).saturating_sub(crate::model::audit::RECENT)..=i]
                    .iter()
                    .map(|p| p.value)
                    .collect(),
                reading: readings.get(&j.name).copied().unwrap_or_default(),
                as_of_value: j.as_of_value(i),
            })
        })
        .collect();
    Ok(AuditReport {
        at: at.map(str::to_string),
        strict,
        min_history: config.detect.anomaly.min_history,
        series,
        checks,
    })
}

/// A judged series' change points, each naming its run.
pub fn change_results(j: &watch::Judged) -> Vec<ChangeResult> {
    j.changepoints
        .iter()
        .map(|c| ChangeResult {
            index: c.index,
            run: j.points[c.index].run.clone(),
            as_of: show_time(j.points[c.index].as_of),
            mean_before: c.mean_before,
            mean_after: c.mean_after,
            rel_change: c.forward_rel_change,
            p_value: c.pvalue,
            as_of_value: j.as_of_value(c.index),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_takes_a_run_a_date_or_a_time() {
        let row = |run: &str, as_of: &str, recorded_at: i64| {
            Row::example(
                run,
                super::super::parse_time(as_of).unwrap(),
                recorded_at,
                1.0,
            )
        };
        let rows = [
            row("a", "2026-11-14T06:00:00Z", 1),
            row("b", "2026-11-15T06:00:00Z", 2),
            // Recorded again later as of the same time: the later counts.
            row("c", "2026-11-15T06:00:00Z", 3),
        ];
        assert_eq!(run_at(&rows, "a").unwrap(), "a");
        // A date is the whole day.
        assert_eq!(run_at(&rows, "2026-11-14").unwrap(), "a");
        assert_eq!(run_at(&rows, "2026-11-15").unwrap(), "c");
        assert_eq!(run_at(&rows, "2026-11-30").unwrap(), "c");
        assert_eq!(run_at(&rows, "2026-11-15T05:59:59Z").unwrap(), "a");
        let e = run_at(&rows, "2026-11-14T05:00:00Z").unwrap_err();
        assert!(e.to_string().contains("no point as of that time"), "{e}");
        let e = run_at(&rows, "zzz").unwrap_err();
        assert_eq!(e.to_string(), "no run `zzz` in the store");
    }
}
