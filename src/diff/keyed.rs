//! Keyed tables: keys paired in one type per key, rows aligned, then every
//! compared column compared through the alignment, columns in parallel.

use polars::prelude::*;

use super::SAMPLES;
use super::align::{Alignment, align};
use super::column::{ColumnResult, compare_column, normalized};
use super::moved::{find_permutations, find_renames};
use super::rule::ValueRule;
use super::schema::Compared;
use super::source::Rows;
use super::source::Source;
use super::values::row_values;
use super::widen;
use crate::config::Table;
use crate::model::{Rename, RowCounts, RowSample, TableReport};

/// Both sides' rows paired by key: keys brought to one type per key
/// column (the notes say when none exists), string options applied when
/// they cover keys, the sort-merge, duplicated keys and samples of the keys
/// found on one side only put into `report`. Returns the alignment and
/// both sides' keys as written.
fn align_keys(
    report: &mut TableReport,
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    masks: bool,
    beside: impl FnOnce() + Send,
) -> PolarsResult<(Alignment, DataFrame, DataFrame)> {
    let (key, strings) = (&table.key, table.strings);
    // The keys as written, for samples; and as paired, in one type per key.
    let base_keys = base.frame(key)?;
    let head_keys = head.frame(key)?;
    let (mut base_paired, mut head_paired) = (base_keys.clone(), head_keys.clone());
    for k in key {
        let (b, h) = (base_keys.column(k)?, head_keys.column(k)?);
        if b.dtype() == h.dtype() {
            continue;
        }
        let (b, h) = (b.as_materialized_series(), h.as_materialized_series());
        let untyped = if base.untyped(k, table.format) {
            Some(h.dtype().clone())
        } else if head.untyped(k, table.head_format()) {
            Some(b.dtype().clone())
        } else {
            None
        };
        let notes_before = report.key_notes.len();
        let as_type = match untyped.map_or_else(|| key_type(b, h), |t| Ok(Some(t)))? {
            Some(t) => t,
            None => {
                let (bt, ht) = (b.dtype().to_string(), h.dtype().to_string());
                report.key_notes.push(key_as_text(k, &bt, &ht));
                DataType::String
            }
        };
        if report.key_notes.len() == notes_before
            && let Some(c) = report.schema.changed.iter_mut().find(|c| &c.column == k)
        {
            c.compared_as = Some(as_type.to_string());
        }
        base_paired.replace(k, b.cast(&as_type)?.into())?;
        head_paired.replace(k, h.cast(&as_type)?.into())?;
    }

    if strings.keys && (strings.trim || strings.ignore_case) {
        for k in key {
            for keys in [&mut base_paired, &mut head_paired] {
                let c = keys.column(k)?;
                if c.dtype() == &DataType::String {
                    let n = normalized(c.as_materialized_series(), strings)?;
                    keys.replace(k, n.into())?;
                }
            }
        }
    }
    // The pairing runs on one core for the most part: `beside` on the other.
    let (align, dups) = std::thread::scope(|scope| {
        scope.spawn(beside);
        align(
            (&base_paired, &head_paired),
            (&base_keys, &head_keys),
            key,
            masks,
        )
    })?;
    drop((base_paired, head_paired));
    report.duplicates = dups;
    report.missing_samples = key_samples(&base_keys, &align.missing)?;
    report.extra_samples = key_samples(&head_keys, &align.extra)?;
    Ok((align, base_keys, head_keys))
}

/// The rows of a keyed table's two sides paired by key, for comparisons
/// that are not exact (distribution tables compared key by key).
pub struct KeyPairs {
    alignment: Alignment,
    /// Buffers of a column's length, reused by the columns compared
    /// through these pairs: a fresh one costs its page faults every time.
    buffers: std::sync::Mutex<Vec<Vec<f64>>>,
    /// Base's keys as written, for samples.
    pub base_keys: DataFrame,
}

impl KeyPairs {
    /// Pairs found.
    pub fn len(&self) -> usize {
        self.alignment.base_rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Keys found only in base, and only in head.
    pub fn unpaired(&self) -> (u64, u64) {
        (
            self.alignment.missing.len() as u64,
            self.alignment.extra.len() as u64,
        )
    }

    /// `column` of one side (`base` or head) in pair order.
    pub fn take(&self, column: &Series, base: bool) -> PolarsResult<Series> {
        match self.alignment.rows(base) {
            Rows::All => Ok(column.clone()),
            Rows::Filter(mask) => column.filter(mask),
            Rows::Take(rows) => match super::gather::take_numeric(column, rows)? {
                Some(gathered) => Ok(gathered),
                None => column.rechunk().take(rows),
            },
        }
    }

    /// The rows of base whose key head lacks, and of head whose key base
    /// lacks (each ascending).
    pub fn unpaired_rows(&self) -> (&[IdxSize], &[IdxSize]) {
        (&self.alignment.missing, &self.alignment.extra)
    }

    /// Each pair's row in base and in head, in pair order; `None` for a
    /// side whose rows are the pairs' positions (both sides hold the same
    /// keys in the same order).
    pub fn rows(&self) -> (Option<&[IdxSize]>, Option<&[IdxSize]>) {
        self.alignment.row_slices()
    }

    /// A buffer for one column's values (empty; taken from those given
    /// back, if any).
    pub fn buffer(&self) -> Vec<f64> {
        let mut pool = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        pool.pop().unwrap_or_default()
    }

    /// Returns a buffer for the next column.
    pub fn give_back(&self, mut buffer: Vec<f64>) {
        buffer.clear();
        let mut pool = self.buffers.lock().unwrap_or_else(|e| e.into_inner());
        pool.push(buffer);
    }

    /// Head's values in pair order into `out` (a number or NaN per pair),
    /// when head's rows lie in no order and the pairs are many
    /// (`diff::reorder`): `rows(start, block)` fills `block` with head's
    /// values of the rows from `start` on, of `head_len` rows; `each` is
    /// called with every block of pairs once it is in order (its first
    /// pair, its values), while it is in cache. `false` (and `out`
    /// untouched) otherwise: head's values are then read at each pair's
    /// row.
    pub fn head_in_pair_order(
        &self,
        head_len: usize,
        rows: impl Fn(usize, &mut [f64]),
        out: &mut Vec<f64>,
        each: impl FnMut(usize, &[f64]),
    ) -> bool {
        let plan = self.alignment.head_order(head_len);
        match plan {
            Some(plan) => {
                plan.apply_each(rows, out, each);
                true
            }
            None => false,
        }
    }

    /// Sets how head's values reach their pairs, for a test: put in pair
    /// order by a plan in blocks of 2^`logs` rows and pairs, or (`None`)
    /// read at each pair's row, whatever the pairs' count.
    #[cfg(test)]
    pub(crate) fn plan_head_order(&self, logs: Option<(u32, u32)>, head_len: usize) {
        let plan = logs
            .zip(self.rows().1)
            .map(|(logs, head_rows)| super::reorder::Reorder::of(head_rows, head_len, logs));
        self.alignment
            .head_order
            .set(plan)
            .unwrap_or_else(|_| panic!("the head order was planned already"));
    }

    /// Whether head's rows ascend in pair order (as base's always do).
    pub fn head_ascends(&self) -> bool {
        self.alignment.head_ascends
    }

    /// The `i`-th pair's row in base and in head.
    pub fn rows_of(&self, i: usize) -> (usize, usize) {
        if self.alignment.identity {
            return (i, i);
        }
        let at = |rows: &IdxCa| rows.get(i).unwrap_or_default() as usize;
        (at(&self.alignment.base_rows), at(&self.alignment.head_rows))
    }
}

/// Pairs the rows of both sides of `table` by its key, recording in
/// `report` what the exact comparison records about keys (duplicates,
/// keys on one side only, key type notes).
pub fn pair_keys(
    report: &mut TableReport,
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
) -> PolarsResult<KeyPairs> {
    // No masks: the paired comparison reads numbers by row, and filters
    // nothing.
    let (alignment, base_keys, _) = align_keys(report, table, base, head, false, || ())?;
    Ok(KeyPairs {
        alignment,
        buffers: Default::default(),
        base_keys,
    })
}

pub(super) fn compare_keyed(
    report: &mut TableReport,
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    compared: &[Compared],
    in_flight: usize,
) -> PolarsResult<()> {
    let (tolerances, strings) = (&table.tolerance, table.strings);
    // The numeric and text column pairs whose shared rows the comparison
    // tells of (`column::tell_shared`), announced before any is read; not
    // the first column, read while the keys pair, whose sides are then
    // profiled on the core the pairing leaves idle (the key-ordered 10M
    // pair: 2.165 s with it announced, 2.144 s without, nine rounds).
    if let Some(observer) = base.pair_observer() {
        let plain_text = ValueRule::of(&DataType::String, None, strings) == ValueRule::Exact;
        let plain = |c: &Compared| {
            let (b, h) = (base.dtype(c.base_name()), head.dtype(&c.name));
            c.as_type.is_none()
                && b == h
                && b.is_some_and(|t| {
                    t.is_primitive_numeric() || (t == DataType::String && plain_text)
                })
        };
        let pairs: Vec<(String, String)> = compared
            .iter()
            .skip(usize::from(in_flight > 1))
            .filter(|c| plain(c))
            .map(|c| (c.base_name().to_string(), c.name.clone()))
            .collect();
        observer.expect(&pairs);
    }
    crate::progress::step(|| crate::progress::Step::Within("aligning keys".into()));
    // The first column read while the keys pair (on one core, for the
    // most part), each side on a thread of its own; not when the memory
    // budget holds one column pair at a time.
    let read_first = || {
        if let Some(c) = compared.first().filter(|_| in_flight > 1) {
            rayon::join(
                || base.read_ahead(c.base_name()),
                || head.read_ahead(&c.name),
            );
        }
    };
    let (align, base_keys, head_keys) = align_keys(report, table, base, head, true, read_first)?;
    let matched = align.base_rows.len() as u64;
    let done = std::sync::atomic::AtomicUsize::new(0);
    let head_rows = head_keys.height() as u64;
    // Head's keys are not needed any more: samples name rows by base keys.
    drop(head_keys);
    // A renamed column is compared under its two names, as any other: its
    // cells count in the validation, its changed values are sampled.
    find_renames(report, base, head, &align)?;
    let compared: Vec<Compared> = compared
        .iter()
        .cloned()
        .chain(report.renamed.iter().map(|r| renamed_column(r, base, head)))
        .collect();
    report.compared_columns += report.renamed.len();
    let candidates = differing_bytes(base, head, &compared, &align)?;

    // Plain threads taking the next column, not a rayon loop: polars runs
    // its own pool, and a rayon worker waiting on it would steal and start
    // further columns, holding more of them in memory than `in_flight`.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<ColumnResult>>> = compared
        .iter()
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..in_flight.clamp(1, compared.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(column) = compared.get(i) else { break };
                    let tolerance = tolerances
                        .get(&column.name)
                        .or_else(|| tolerances.get(column.base_name()))
                        .copied();
                    let result = compare_column(
                        column,
                        base,
                        head,
                        &align,
                        &base_keys,
                        tolerance,
                        strings,
                        candidates[i].as_ref(),
                    );
                    // (Of a pair told of already, or not announced, nothing.)
                    if let Some(observer) = base.pair_observer() {
                        observer.shared(column.base_name(), &column.name, None);
                    }
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                    let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    crate::progress::step(|| crate::progress::Step::Columns {
                        done,
                        total: compared.len(),
                    });
                }
            });
        }
    });
    let results = slots.into_iter().map(|slot| {
        slot.into_inner()
            .unwrap_or_else(|e| e.into_inner())
            .expect("every column was compared")
    });
    let mut changed_cols = Vec::new();
    for r in results {
        let (diff, changed) = r?;
        report.columns.push(diff);
        changed_cols.extend(changed);
    }
    let changed_rows = changed_cols
        .iter()
        .map(|c| &c.mask)
        .fold(None::<BooleanChunked>, |acc, m| {
            Some(match acc {
                None => m.clone(),
                Some(a) => &a | m,
            })
        })
        .map_or(0, |m| m.sum().unwrap_or(0) as u64);
    report.swapped = find_permutations(&changed_cols, base, head, &align)?;
    report.rows = Some(RowCounts {
        base: base_keys.height() as u64,
        head: head_rows,
        matched,
        missing: align.missing.len() as u64,
        extra: align.extra.len() as u64,
        changed: Some(changed_rows),
    });
    Ok(())
}

/// For sides that are both CSV tables left where they lie, each compared
/// column's pairs whose fields differ byte for byte: the only ones whose
/// values can differ, where the column has one type on both sides and is
/// compared in it (else `None`: every pair is read). All columns' in one
/// pass over the pairs, each pair's two rows read once.
fn differing_bytes(
    base: Source<'_>,
    head: Source<'_>,
    compared: &[Compared],
    align: &Alignment,
) -> PolarsResult<Vec<Option<crate::csv_file::Differing>>> {
    let none = || compared.iter().map(|_| None).collect();
    let (Source::Csv(b), Source::Csv(h)) = (base, head) else {
        return Ok(none());
    };
    let places: Vec<Option<(usize, usize)>> = compared
        .iter()
        .map(|c| {
            let (bi, _, bt) = b.schema.get_full(c.base_name())?;
            let (hi, _, ht) = h.schema.get_full(&c.name)?;
            (c.as_type.is_none() && bt == ht).then_some((bi, hi))
        })
        .collect();
    let columns: Vec<(usize, usize)> = places.iter().flatten().copied().collect();
    if columns.is_empty() {
        return Ok(none());
    }
    crate::progress::step(|| crate::progress::Step::Within("comparing rows' bytes".into()));
    let pairs = align.base_rows.len();
    let mut found =
        crate::csv_file::differing_fields((b, h), align.row_slices(), pairs, &columns)?.into_iter();
    Ok(places
        .iter()
        .map(|p| p.and_then(|_| found.next()))
        .collect())
}

/// A renamed column as compared: under base's name and head's, in the type
/// that holds both sides' values when their types differ.
fn renamed_column(r: &Rename, base: Source<'_>, head: Source<'_>) -> Compared {
    let (b, h) = (base.dtype(&r.from), head.dtype(&r.to));
    let as_type = match (b, h) {
        (Some(b), Some(h)) if b != h => widen::value_type(&b, &h),
        _ => None,
    };
    Compared {
        name: r.to.clone(),
        base_name: Some(r.from.clone()),
        as_type,
        all_null: None,
    }
}

/// The type a key retyped between the sides is paired in: the common type
/// when nothing is lost; integers against floats as integers when every
/// float is whole, else as floats when every integer is exact in an f64;
/// `None` when no such type exists (the key is then paired on its text).
fn key_type(b: &Series, h: &Series) -> PolarsResult<Option<DataType>> {
    let Some(common) = widen::common_type(b.dtype(), h.dtype()) else {
        return Ok(None);
    };
    let (int, float) = match (b.dtype().is_integer(), h.dtype().is_integer()) {
        (true, false) if h.dtype().is_float() => (b, h),
        (false, true) if b.dtype().is_float() => (h, b),
        _ => return Ok(Some(common)),
    };
    if widen::all_whole_i64(float)? {
        return Ok(widen::common_type(int.dtype(), &DataType::Int64));
    }
    Ok((!widen::has_inexact_in_f64(int)?).then_some(DataType::Float64))
}

fn key_samples(keys: &DataFrame, rows: &[IdxSize]) -> PolarsResult<Vec<RowSample>> {
    let names: Vec<String> = keys
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    rows.iter()
        .take(SAMPLES)
        .map(|&r| {
            Ok(RowSample {
                values: row_values(keys, &names, r as usize)?,
                count: 1,
            })
        })
        .collect()
}

/// The note of a key whose two types have no common one, so that its rows
/// pair on its text: the same words from every engine.
pub fn key_as_text(key: &str, base: &str, head: &str) -> String {
    format!(
        "key `{key}` is {base} in base and {head} in head, with no common type: rows paired on the key's text"
    )
}
