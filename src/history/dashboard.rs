//! `swimlane history report`: every series of a store judged over its whole
//! history, then the last `weeks` of it laid out table by table, flagged
//! series first (`model::history::Dashboard`; `report::dashboard` draws
//! it).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::audit::{Checks, Configured};
use super::plot::{Lookup, plot};
use super::store::Note;
use super::{Row, watch};
use crate::config::HistoryConfig;
use crate::model::history::{Dashboard, DashboardTable, SeriesPlot};
use crate::model::scale::Reading;

const WEEK: i64 = 7 * 86_400_000_000;

/// What the dashboard shows.
#[derive(Debug, Clone)]
pub struct Options {
    pub weeks: u32,
    /// Only this table's series.
    pub table: Option<String>,
    /// Only flagged series.
    pub only_flagged: bool,
}

/// The dashboard of `rows` (the store `store`) with its notes, judged as
/// `config` says.
pub fn dashboard(
    store: String,
    rows: &[Row],
    notes: &[Note],
    config: &HistoryConfig,
    opts: &Options,
) -> Dashboard {
    let to = rows.iter().map(|r| r.as_of).max().unwrap_or(0);
    let from = to.saturating_sub(i64::from(opts.weeks) * WEEK);
    let lookup = Lookup::new(rows);
    let mut all = watch::series(rows);
    if let Some(t) = &opts.table {
        all.retain(|name, _| lookup.table(name) == Some(t.as_str()));
    }
    let bounds = audit_bounds(config, &all, rows, notes, lookup.readings());
    let none = BTreeMap::new();
    let mut tables: BTreeMap<String, Vec<SeriesPlot>> = BTreeMap::new();
    let mut left_out = 0;
    for j in watch::judge(all, notes, config, lookup.readings()) {
        let Some(first) = j.points.iter().position(|p| p.as_of >= from) else {
            continue;
        };
        let p = plot(
            &j,
            first,
            notes,
            &lookup,
            bounds.get(&j.name).unwrap_or(&none),
            true,
        );
        if opts.only_flagged && !p.flagged() {
            left_out += 1;
            continue;
        }
        let table = lookup.table(&j.name).unwrap_or_default().to_string();
        tables.entry(table).or_default().push(p);
    }
    let runs: BTreeSet<&str> = rows
        .iter()
        .filter(|r| r.as_of >= from)
        .map(|r| r.run.as_str())
        .collect();
    Dashboard {
        store,
        weeks: opts.weeks,
        from,
        to,
        runs: runs.len(),
        table: opts.table.clone(),
        only_flagged: opts.only_flagged,
        tables: tables
            .into_iter()
            .map(|(name, mut series)| {
                // Flagged first; a stable order otherwise (by name).
                series.sort_by_cached_key(|s| !s.flagged());
                DashboardTable { name, series }
            })
            .collect(),
        left_out,
    }
}

/// Each configured audit's bounds, evaluated at every run of every table:
/// series → (check, upper) → one value per point of the series (NaN where
/// the check gave no bound there).
fn audit_bounds(
    config: &HistoryConfig,
    series: &BTreeMap<String, Vec<watch::Point>>,
    rows: &[Row],
    notes: &[Note],
    readings: &HashMap<String, Reading>,
) -> BTreeMap<String, BTreeMap<(String, bool), Vec<f64>>> {
    let mut out: BTreeMap<String, BTreeMap<(String, bool), Vec<f64>>> = BTreeMap::new();
    if config.audits.is_empty() {
        return out;
    }
    let configured = Configured::all(config);
    let checks = Checks::new(&configured, series, rows, notes, readings);
    let runs: BTreeSet<&str> = rows.iter().map(|r| r.run.as_str()).collect();
    for run in runs {
        for result in checks.at(Some(run)) {
            for b in result.bounds {
                let Some(points) = series.get(&b.series) else {
                    continue;
                };
                let Some(i) = points.iter().position(|p| p.run == run) else {
                    continue;
                };
                out.entry(b.series)
                    .or_default()
                    .entry((result.name.clone(), b.upper))
                    .or_insert_with(|| vec![f64::NAN; points.len()])[i] = b.value;
            }
        }
    }
    out
}
