//! `--calibrate`: what two runs of the base disagree on (timestamps,
//! random ids, floating-point noise), and the table settings that discount
//! it.

use std::path::Path;

use crate::config::{CompareMode, Table, Tolerance};
use crate::engine::{self, Engine};
use crate::load::MemoryBudget;
use crate::model::{Calibrated, CalibrationAction};

/// Floating-point differences up to this relative size between two runs of
/// the same code are noise (summation order); larger ones are not numbers
/// worth comparing exactly (timestamps, random draws).
pub const FLOAT_NOISE: f64 = 1e-6;
/// A calibrated tolerance is the observed noise times this margin.
pub const NOISE_MARGIN: f64 = 10.0;

/// What differs between two runs of the base for `table` (exact tables).
pub(super) fn calibrate(
    table: &Table,
    base: (&Path, &str),
    calibration: (&Path, &str),
    budget: MemoryBudget,
    notes: &mut Vec<String>,
) -> Vec<Calibrated> {
    if table.compare != CompareMode::Exact {
        return Vec::new();
    }
    let (aa, _) = engine::compare(table, base, calibration, budget, Engine::Local, false);
    if let Some(rows) = aa.rows
        && (rows.missing > 0 || rows.extra > 0)
    {
        notes.push(format!(
            "table `{}`: two runs of base disagree on which rows exist ({} / {}): its row findings are not reproducible",
            table.name, rows.missing, rows.extra
        ));
    }
    aa.columns
        .iter()
        .filter(|c| c.mismatches > 0)
        .map(|c| {
            let action = match c.max_rel_diff {
                Some(observed) if observed <= FLOAT_NOISE && observed > 0.0 => {
                    CalibrationAction::Tolerance {
                        observed_rel: observed,
                        rel: observed * NOISE_MARGIN,
                    }
                }
                _ => CalibrationAction::Excluded,
            };
            Calibrated {
                column: c.name.clone(),
                mismatches: c.mismatches,
                action,
            }
        })
        .collect()
}

/// `table` with calibration applied: noisy columns ignored or compared
/// within the derived tolerance.
pub(super) fn calibrated_table(table: &Table, calibration: &[Calibrated]) -> Table {
    let mut t = table.clone();
    for c in calibration {
        match c.action {
            CalibrationAction::Excluded => t.ignore.push(c.column.clone()),
            CalibrationAction::Tolerance { rel, .. } => {
                let tol = t.tolerance.entry(c.column.clone()).or_insert(Tolerance {
                    abs: 0.0,
                    rel: 0.0,
                    seconds: 0.0,
                });
                tol.rel = tol.rel.max(rel);
            }
        }
    }
    t
}
