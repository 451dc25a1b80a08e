//! The audit of a store: every series judged at one run (or each one's
//! latest point) with its settings, and every configured check evaluated,
//! assembled into `model::audit::AuditReport`.

use super::audit::{Configured, check_all};
use super::store::Note;
use super::{Row, show_time, watch};
use crate::config::HistoryConfig;
use crate::model::audit::{AuditReport, ChangeResult, SeriesResult};

/// The run asked for is not in the store.
#[derive(Debug, thiserror::Error)]
#[error("no run `{run}` in the store")]
pub struct NoSuchRun {
    pub run: String,
}

impl crate::error::Help for NoSuchRun {
    fn help(&self) -> Option<String> {
        Some("`swimlane history show SERIES` lists each point's run".into())
    }
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
            return Err(NoSuchRun { run: run.into() });
        }
    }
    let series = watch::judge(all, notes, config)
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
        })
        .collect()
}
