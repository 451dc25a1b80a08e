//! Columns that moved: values permuted among columns (a swap is a cycle of
//! two) and removed columns whose values reappear under a new name.

use polars::prelude::*;

use super::align::Alignment;
use super::column::{Changed, differs};
use super::source::{Rows, Source};
use super::widen;
use crate::model::{MostHeld, Permutation, RENAME_DOMINANT, Rename, TableReport, moved};

/// Columns whose values were permuted among themselves: cycles such that,
/// on the rows where any member differs, head.X = base.next(X) on all of
/// them, or on nearly all ([`moved`]: a change that swaps two
/// columns and also alters some values is still a swap). A column's source
/// is the changed column of its type whose base values its head values
/// match on the most of its changed rows, enough of them; candidates are
/// refuted on the first rows where both columns differ, from the values
/// kept; a cycle is then counted on the full columns, read again.
pub(super) fn find_permutations(
    changed: &[Changed],
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
) -> PolarsResult<Vec<Permutation>> {
    // Values of one side's column at matched positions, read again.
    let at = |side: Source<'_>, is_base: bool, name: &str, positions: &[IdxSize]| {
        side.column(name, Rows::Take(&align.rows_at(is_base, positions)?))
    };
    // For each changed column, the changed column its head values came from.
    let mut source: Vec<Option<usize>> = vec![None; changed.len()];
    for (i, c) in changed.iter().enumerate() {
        let rows = c.positions.len() as u64;
        let mut most = MostHeld::default();
        for (j, d) in changed.iter().enumerate() {
            if i == j || c.retyped || d.retyped || c.dtype != d.dtype || refuted(c, d)? {
                continue;
            }
            let from_d = at(base, true, &d.name, &c.positions)?;
            let held = rows - differs(&c.head, &from_d)?.sum().unwrap_or(0) as u64;
            if most.offer(held, rows, j) {
                break;
            }
        }
        source[i] = most.best().map(|(_, j)| j);
    }
    closed_cycles(
        &source,
        |members| {
            // Counted on every row where any member differs.
            let mut rows: Vec<IdxSize> = members
                .iter()
                .flat_map(|&m| changed[m].positions.iter().copied())
                .collect();
            rows.sort_unstable();
            rows.dedup();
            let mut broken: Option<BooleanChunked> = None;
            for (k, &m) in members.iter().enumerate() {
                let next = members[(k + 1) % members.len()];
                let h = at(head, false, &changed[m].name, &rows)?;
                let b = at(base, true, &changed[next].name, &rows)?;
                let d = differs(&h, &b)?;
                broken = Some(match broken {
                    None => d,
                    Some(x) => &x | &d,
                });
            }
            let broken = broken.map_or(0, |b| b.sum().unwrap_or(0) as u64);
            Ok::<_, PolarsError>((rows.len() as u64 - broken, rows.len() as u64))
        },
        |m| changed[m].name.clone(),
    )
}

/// The cycles that `source` closes (column `i` took its head values from
/// column `source[i]`'s base values) and that hold on enough of the rows
/// where a member differs: `count` gives (held, rows) for a cycle's column
/// indices ([`moved`]), `name` a column's name. Shared by both
/// engines.
pub fn closed_cycles<E>(
    source: &[Option<usize>],
    mut count: impl FnMut(&[usize]) -> Result<(u64, u64), E>,
    name: impl Fn(usize) -> String,
) -> Result<Vec<Permutation>, E> {
    let mut cycles = Vec::new();
    let mut seen = vec![false; source.len()];
    for start in 0..source.len() {
        if seen[start] {
            continue;
        }
        let mut members = vec![start];
        let mut at_member = start;
        let closed = loop {
            match source[at_member] {
                Some(next) if next == start => break true,
                Some(next) if !members.contains(&next) && !seen[next] => {
                    members.push(next);
                    at_member = next;
                }
                _ => break false,
            }
        };
        if !closed {
            continue;
        }
        let (held, rows) = count(&members)?;
        if moved(held, rows) {
            for &m in &members {
                seen[m] = true;
            }
            cycles.push(Permutation {
                columns: members.iter().map(|&m| name(m)).collect(),
                rows,
                held,
            });
        }
    }
    Ok(cycles)
}

/// True when `c` cannot have taken its head values from `d`'s base values:
/// on the first rows where both differ, they disagree on more than half.
/// Spark counts every row instead; the two decide alike unless a
/// permutation that holds on 90% of its rows disagrees on nine of sixteen
/// (at random, about six times in a million).
fn refuted(c: &Changed, d: &Changed) -> PolarsResult<bool> {
    const PROBES: usize = 16;
    const DISAGREE: usize = PROBES / 2;
    let (mut i, mut j, mut probed, mut disagree) = (0, 0, 0, 0);
    while i < c.positions.len() && j < d.positions.len() && probed < PROBES {
        match c.positions[i].cmp(&d.positions[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let agree = c
                    .head
                    .slice(i as i64, 1)
                    .equal_missing(&d.base.slice(j as i64, 1))?
                    .all();
                if !agree {
                    disagree += 1;
                    if disagree > DISAGREE {
                        return Ok(true);
                    }
                }
                probed += 1;
                i += 1;
                j += 1;
            }
        }
    }
    // Fewer rows in common than PROBES: the same share of them (one
    // disagreement in one row refutes, as before swaps could hold on
    // fewer than all rows; a wide table's columns changed on a few rows
    // each are not all read again as candidates).
    Ok(disagree * 2 > probed)
}

/// Removed columns whose values reappear, row for row, in an added column of
/// the same type or a wider one ([`widen::value_type`]): renames, reported
/// as such instead of a removal and an addition. On all matched rows, or on nearly all ([`moved`]: a change
/// that renames a column and also alters some of its values) when the old
/// column's values are varied enough for that not to be chance
/// ([`RENAME_DOMINANT`]); a removed column's new name is the added one that
/// holds its values on the most rows.
pub(super) fn find_renames(
    report: &mut TableReport,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
) -> PolarsResult<()> {
    let rows = align.base_rows.len() as u64;
    if rows == 0 {
        return Ok(());
    }
    let mut renamed: Vec<Rename> = Vec::new();
    for removed in &report.schema.removed {
        let mut b: Option<Series> = None;
        let mut cast: Vec<(DataType, Series)> = Vec::new();
        let mut most = MostHeld::default();
        let from_type = base.dtype(&removed.name);
        for added in &report.schema.added {
            if renamed.iter().any(|r| r.to == added.name) {
                continue;
            }
            // The same type, or one that holds every value of the old one
            // (a column renamed from integers to floats, say): compared in
            // the wider type, as a retyped column is.
            let Some(as_type) = from_type
                .as_ref()
                .zip(head.dtype(&added.name))
                .and_then(|(f, t)| widen::value_type(f, &t))
            else {
                continue;
            };
            let b = match &mut b {
                Some(b) => b,
                None => b.insert(base.column(&removed.name, align.rows(true))?),
            };
            let h = head.column(&added.name, align.rows(false))?;
            // Base's column in each type it is tried in, cast once.
            let bt = match cast.iter().find(|(t, _)| *t == as_type) {
                Some((_, bt)) => bt.clone(),
                None => {
                    let bt = b.cast(&as_type)?;
                    cast.push((as_type.clone(), bt.clone()));
                    bt
                }
            };
            let ht = h.cast(&as_type)?;
            let held = rows - differs(&bt, &ht)?.sum().unwrap_or(0) as u64;
            if most.offer(held, rows, &added.name) {
                break;
            }
        }
        let Some((held, to)) = most.best() else {
            continue;
        };
        if held < rows
            && let Some(b) = &b
            && commonest(b)? as f64 > RENAME_DOMINANT * rows as f64
        {
            continue;
        }
        renamed.push(Rename {
            from: removed.name.clone(),
            to: to.to_string(),
            rows,
            held,
        });
    }
    apply_renames(report, renamed);
    Ok(())
}

/// How many rows of `s` its commonest value (null included) fills.
fn commonest(s: &Series) -> PolarsResult<u64> {
    // Named apart from the counts: a column called `n` was an error.
    let s = s.clone().with_name("value".into());
    let counts = s.value_counts(false, false, "count".into(), false)?;
    let most = counts
        .column("count")?
        .as_materialized_series()
        .max::<u64>()?;
    Ok(most.unwrap_or(0).max(s.null_count() as u64))
}

/// Reports `renamed` columns as renames instead of a removed and an added
/// column. Shared by both engines.
pub fn apply_renames(report: &mut TableReport, renamed: Vec<Rename>) {
    report
        .schema
        .removed
        .retain(|c| !renamed.iter().any(|r| r.from == c.name));
    report
        .schema
        .added
        .retain(|c| !renamed.iter().any(|r| r.to == c.name));
    report.renamed = renamed;
}
