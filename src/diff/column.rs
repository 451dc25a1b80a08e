//! One column's comparison through the alignment: null-aware equality
//! (null = null, NaN = NaN), string options, tolerances for numbers and
//! times, the sizes of differences, and samples.

use polars::prelude::*;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};

use super::SAMPLES;
use super::align::Alignment;
use super::rule::ValueRule;
use super::schema::Compared;
use super::source::{Rows, Source};
use super::values::{difference_path, row_values, to_json};
use super::widen;
use crate::config::{StringOptions, Tolerance};
use crate::model::{ColumnDiff, ValueSample};

pub(super) type ColumnResult = PolarsResult<(ColumnDiff, Option<Changed>)>;

/// A changed column kept for permutation detection: its values only where
/// it differs, so that memory follows the changes, not the table.
pub(super) struct Changed {
    pub(super) name: String,
    pub(super) dtype: DataType,
    pub(super) mask: BooleanChunked,
    /// Compared in a type other than its own on a side, or under another
    /// name in head: the permutation search, which reads columns as written
    /// and by one name, leaves it out.
    pub(super) retyped: bool,
    /// The matched-pair positions where this column differs, ascending.
    pub(super) positions: Vec<IdxSize>,
    /// Base and head values at `positions`.
    pub(super) base: Series,
    pub(super) head: Series,
}

/// Compares `column` through `align`. `candidates`, when given, are the
/// only pairs whose values can differ, with both sides' values there:
/// those whose fields differ byte for byte in CSV files
/// (`csv_file::differing_fields`); nothing more is read.
#[allow(
    clippy::too_many_arguments,
    reason = "the column, its sides, their pairs and the rules; no struct holds them elsewhere"
)]
pub(super) fn compare_column(
    column: &Compared,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
    base_keys: &DataFrame,
    tolerance: Option<Tolerance>,
    strings: StringOptions,
    candidates: Option<&crate::csv_file::Differing>,
) -> PolarsResult<(ColumnDiff, Option<Changed>)> {
    let name = column.name.as_str();
    if let Some(found) = candidates {
        let read = Read {
            base: found.base.clone(),
            head: found.head.clone(),
            at: Some(&found.positions),
        };
        return compare_read(column, read, align, base_keys, tolerance, strings);
    }
    if let Some(compared) = compare_text_in_place(column, base, head, align, base_keys, strings)? {
        return Ok(compared);
    }
    if let Some(compared) =
        compare_numbers_in_place(column, base, head, align, base_keys, tolerance, strings)?
    {
        return Ok(compared);
    }
    let read = Read {
        base: base.column(column.base_name(), align.rows(true))?,
        head: head.column(name, align.rows(false))?,
        at: None,
    };
    compare_read(column, read, align, base_keys, tolerance, strings)
}

/// A column's values read for comparison: both sides' as written, of
/// every pair in order, or (`at`) of the pairs at those positions only.
struct Read<'a> {
    base: Series,
    head: Series,
    at: Option<&'a [IdxSize]>,
}

/// Compares the values `read`, in the type both are compared in: masks,
/// tolerances, sizes, samples and the changes kept for the swap search.
fn compare_read(
    column: &Compared,
    read: Read<'_>,
    align: &Alignment,
    base_keys: &DataFrame,
    tolerance: Option<Tolerance>,
    strings: StringOptions,
) -> ColumnResult {
    let name = column.name.as_str();
    let Read {
        base: b_read,
        head: h_read,
        at,
    } = read;
    let in_type = |s: &Series| match &column.as_type {
        Some(t) if s.dtype() != t => s.cast(t),
        _ => Ok(s.clone()),
    };
    let (b, h) = (in_type(&b_read)?, in_type(&h_read)?);
    let rule = ValueRule::of(b.dtype(), tolerance, strings);
    let mut mask = match rule {
        ValueRule::Strings { .. } => differs(&normalized(&b, strings)?, &normalized(&h, strings)?)?,
        _ => differs(&b, &h)?,
    };
    if b.dtype().is_float() && (b_read.dtype().is_integer() || h_read.dtype().is_integer()) {
        mask = exact_int_float(&b_read, &h_read, mask)?;
    }
    if let ValueRule::Seconds(seconds) = rule
        && mask.any()
    {
        mask = within_seconds(&b, &h, &mask, seconds)?;
    }
    let (largest, absorbed) = sizes(rule, b.dtype(), mask.any(), || {
        Ok((b.filter(&mask)?, h.filter(&mask)?))
    })?;
    if let Some(differs) = absorbed {
        let mut differs = differs.into_iter();
        let kept: Vec<bool> = mask
            .iter()
            .map(|m| m == Some(true) && differs.next().unwrap_or(true))
            .collect();
        mask = BooleanChunked::from_slice(PlSmallStr::EMPTY, &kept);
    }
    let mismatches = mask.sum().unwrap_or(0) as u64;
    let mut diff = column_diff(column, b.dtype(), mismatches, tolerance, largest);
    if mismatches == 0 {
        return Ok((diff, None));
    }
    // Places among the values read; then among all pairs.
    let read_at = set_positions(&mask);
    let first = IdxCa::from_vec(
        PlSmallStr::EMPTY,
        read_at.iter().copied().take(SAMPLES).collect(),
    );
    let (base, head) = (b.filter(&mask)?, h.filter(&mask)?);
    let (mask, positions) = match at {
        None => (mask, read_at),
        Some(at) => {
            let positions: Vec<IdxSize> = read_at.iter().map(|&i| at[i as usize]).collect();
            let mut all = MutableBitmap::from_len_zeroed(align.base_rows.len());
            positions.iter().for_each(|&p| all.set(p as usize, true));
            (
                BooleanChunked::from_bitmap(PlSmallStr::EMPTY, all.freeze()),
                positions,
            )
        }
    };
    diff.samples = samples(
        name,
        &positions,
        (&b_read.take(&first)?, &h_read.take(&first)?),
        align,
        base_keys,
    )?;
    let changed = Changed {
        name: name.to_string(),
        dtype: b.dtype().clone(),
        retyped: column.as_type.is_some() || column.base_name.is_some(),
        base,
        head,
        mask,
        positions,
    };
    Ok((diff, Some(changed)))
}

/// A string column compared where it lies, when nothing is done to its
/// values first (no cast, no string option) and the sides' rows are not
/// simply the same: each pair read through the alignment, nothing
/// gathered into pair order. Gathering head's 16-byte views cost a copy of
/// them (160 MB for 10M rows, and one more to make its chunks one) and the
/// page faults of each, on the column that held the most memory of the
/// shuffled 10M pair (BENCHMARKS.md). `None` when the column does not
/// qualify.
fn compare_text_in_place(
    column: &Compared,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
    base_keys: &DataFrame,
    strings: StringOptions,
) -> PolarsResult<Option<(ColumnDiff, Option<Changed>)>> {
    let name = column.name.as_str();
    let text = |side: Source<'_>, name| side.dtype(name) == Some(DataType::String);
    let plain = ValueRule::of(&DataType::String, None, strings) == ValueRule::Exact;
    if align.identity
        || column.as_type.is_some()
        || !plain
        || !text(base, column.base_name())
        || !text(head, name)
    {
        return Ok(None);
    }
    let h = readable(head.column(name, Rows::All)?)?;
    let Some(hv) = super::text::ByRow::new(h.str()?) else {
        return Ok(None);
    };
    let (base_rows, head_rows) = align.row_slices();
    let order = align.head_order(h.len());
    let pairs = align.base_rows.len();
    let (bits, base_values) = match (order, base, base_rows) {
        // Head put in pair order, base read a slice at a time.
        (Some(plan), Source::Disk(d), Some(base_rows)) if d.reads_in_slices(column.base_name()) => {
            let (bits, at_differing) = by_base_slices(d, column.base_name(), &hv, plan, base_rows)?;
            (bits, BaseValues::AtDiffering(at_differing))
        }
        _ => {
            let b = readable(base.column(column.base_name(), Rows::All)?)?;
            let Some(bv) = super::text::ByRow::new(b.str()?) else {
                return Ok(None);
            };
            let bits = match align.runs() {
                // Both sides in key order: run by run, in order.
                Some(runs) => super::text::ascending_text_differs(&bv, &hv, runs),
                None => {
                    super::text::paired_text_differs(&bv, &hv, base_rows, head_rows, pairs, order)
                }
            };
            (bits, BaseValues::Whole(b))
        }
    };
    let mask = BooleanChunked::from_bitmap(PlSmallStr::EMPTY, bits);
    let positions = set_positions(&mask);
    tell_shared(
        column,
        base,
        align,
        (base_keys.height(), h.len()),
        &positions,
    );
    let mismatches = positions.len() as u64;
    let diff = column_diff(column, &DataType::String, mismatches, None, (None, None));
    if mismatches == 0 {
        return Ok(Some((diff, None)));
    }
    let bc = match base_values {
        BaseValues::Whole(b) => values_at(&b, align.rows_at(true, &positions))?,
        BaseValues::AtDiffering(values) => values,
    };
    let hc = values_at(&h, align.rows_at(false, &positions))?;
    drop(hv);
    drop(h);
    let found = Found {
        mask,
        positions,
        base: bc,
        head: hc,
    };
    changed_in_place(column, DataType::String, diff, found, (align, base_keys)).map(Some)
}

/// A string column as `text::ByRow` reads it: chunks too short to look
/// up are made one first.
fn readable(s: Series) -> PolarsResult<Series> {
    Ok(if super::text::ByRow::fits(s.str()?) {
        s
    } else {
        s.rechunk()
    })
}

/// Base's side of a text column compared where it lies: read whole, or
/// (read a slice at a time) its values at the differing pairs, in pair
/// order.
enum BaseValues {
    Whole(Series),
    AtDiffering(Series),
}

/// Where a text column's pairs differ, head's views (`hv`) in pair order
/// by `plan`, base's column `name` read from `d` a slice of rows at a time
/// (base's rows of the pairs, `base_rows`, ascend): memory holds head's
/// column, its views in pair order, and one slice of base's, not all of
/// base's (400 MB of the shuffled 10M pair's `title`, the column that
/// held the most). With base's values at the differing pairs.
fn by_base_slices(
    d: &crate::load::OnDisk,
    name: &str,
    hv: &super::text::ByRow<'_>,
    plan: &super::reorder::Reorder,
    base_rows: &[IdxSize],
) -> PolarsResult<(Bitmap, Series)> {
    let head = super::text::HeadInPairOrder::of(hv, plan);
    let mut bits = MutableBitmap::with_capacity(base_rows.len());
    let mut values: Option<Series> = None;
    d.for_each_slice(name, |first_row, slice| {
        let end = first_row + slice.len();
        let (from, to) = (
            base_rows.partition_point(|&r| (r as usize) < first_row),
            base_rows.partition_point(|&r| (r as usize) < end),
        );
        let slice = readable(slice)?;
        let Some(bv) = super::text::ByRow::new(slice.str()?) else {
            polars_bail!(ComputeError: "a slice of `{name}` could not be read where it lies");
        };
        let part = super::text::part_text_differs(&bv, first_row, base_rows, &head, from..to);
        if part.set_bits() > 0 {
            let rows: Vec<IdxSize> = part
                .iter()
                .zip(&base_rows[from..to])
                .filter(|(differs, _)| *differs)
                .map(|(_, &r)| r - first_row as IdxSize)
                .collect();
            let at = slice.take(&IdxCa::from_vec(PlSmallStr::EMPTY, rows))?;
            match &mut values {
                None => values = Some(at),
                Some(v) => {
                    v.append_owned(at)?;
                }
            }
        }
        bits.extend_from_bitmap(&part);
        Ok(())
    })?;
    let values = values.unwrap_or_else(|| Series::new_empty(name.into(), &DataType::String));
    Ok((bits.freeze(), values))
}

/// A numeric column compared where it lies, as `compare_text_in_place`
/// compares text (see `numbers.rs`): when both sides hold the same plain
/// numeric type, compared as it is, and the sides' rows are not simply the
/// same. Only the values of the pairs that differ are gathered, and the
/// tolerance and the sizes of the differences are taken from them.
/// `None` when the column does not qualify.
fn compare_numbers_in_place(
    column: &Compared,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
    base_keys: &DataFrame,
    tolerance: Option<Tolerance>,
    strings: StringOptions,
) -> PolarsResult<Option<(ColumnDiff, Option<Changed>)>> {
    let name = column.name.as_str();
    let dtype = match (base.dtype(column.base_name()), head.dtype(name)) {
        (Some(b), Some(h)) if b == h && b.is_primitive_numeric() => b,
        _ => return Ok(None),
    };
    let (base_rows, head_rows) = match align.row_slices() {
        (Some(b), Some(h)) if column.as_type.is_none() => (b, h),
        _ => return Ok(None),
    };
    // Rows in the same order on both sides are compared a run of
    // consecutive pairs at a time, where they lie: filtered into pair
    // order first, each side's column was copied into memory the kernel
    // zeroed (the copies 4.5% of a key-ordered compare's CPU, perf).
    let (ascends, runs) = (align.head_ascends, align.runs());
    if ascends && runs.is_none() {
        // Runs too short to read run by run: left to the gather, which
        // filters both sides into pair order.
        return Ok(None);
    }
    // Otherwise base is read where its rows lie, nothing copied: read from
    // disk filtered into pair order, it was copied into memory the kernel
    // zeroed, for runs of pairs `numbers::ordered` reads where they lie
    // (the shuffled 10M pair 2.83 -> 2.74 s, BENCHMARKS.md, forty-third
    // session).
    let b = base.column(column.base_name(), Rows::All)?;
    let h = head.column(name, Rows::All)?;
    let differ = match runs {
        Some(runs) => {
            super::numbers::ascending_numbers_differ(&b, &h, runs)?.map(|bits| (bits, None))
        }
        None => {
            let order = align.head_order(h.len());
            super::numbers::paired_numbers_differ(&b, &h, base_rows, head_rows, order)?
        }
    };
    let Some((bits, head_in_order)) = differ else {
        return Ok(None);
    };
    let mut mask = BooleanChunked::from_bitmap(PlSmallStr::EMPTY, bits);
    let mut positions = set_positions(&mask);
    tell_shared(
        column,
        base,
        align,
        (base_keys.height(), h.len()),
        &positions,
    );
    let base_at = align.rows_at(true, &positions);
    // Head's values in pair order, when they were put so, are taken in
    // order, not at their rows.
    let head_in_order = head_in_order.map(|s| s.with_name(h.name().clone()));
    let head_at = match &head_in_order {
        Some(_) => Ok(IdxCa::from_vec(PlSmallStr::EMPTY, positions.clone())),
        None => align.rows_at(false, &positions),
    };
    let (mut bc, mut hc) = (
        values_at(&b, base_at)?,
        values_at(head_in_order.as_ref().unwrap_or(&h), head_at)?,
    );
    drop((b, h, head_in_order));
    let rule = ValueRule::of(&dtype, tolerance, strings);
    let (largest, absorbed) = sizes(rule, &dtype, !positions.is_empty(), || {
        Ok((bc.clone(), hc.clone()))
    })?;
    if let Some(differs) = absorbed {
        // The pairs the tolerance absorbs are no differences.
        let kept = BooleanChunked::from_slice(PlSmallStr::EMPTY, &differs);
        let mut differs = differs.iter();
        positions.retain(|_| *differs.next().unwrap_or(&true));
        (bc, hc) = (bc.filter(&kept)?, hc.filter(&kept)?);
        let mut left = MutableBitmap::from_len_zeroed(mask.len());
        for &p in &positions {
            left.set(p as usize, true);
        }
        mask = BooleanChunked::from_bitmap(PlSmallStr::EMPTY, left.freeze());
    }
    let mismatches = positions.len() as u64;
    let diff = column_diff(column, &dtype, mismatches, tolerance, largest);
    if positions.is_empty() {
        return Ok(Some((diff, None)));
    }
    let found = Found {
        mask,
        positions,
        base: bc,
        head: hc,
    };
    changed_in_place(column, dtype, diff, found, (align, base_keys)).map(Some)
}

/// Tells `base`'s pair observer, if it has one, what `column`'s two sides
/// share (`load::Unshared`): every row but those without a pair and those
/// of the pairs at `positions` (ascending), whose values differ exactly
/// (numbers by value, null and NaN alike; text byte for byte).
/// Sides of `rows` (base's, head's) mostly apart are told of as not found.
fn tell_shared(
    column: &Compared,
    base: Source<'_>,
    align: &Alignment,
    (base_rows, head_rows): (usize, usize),
    positions: &[IdxSize],
) {
    let Some(observer) = base.pair_observer() else {
        return;
    };
    let apart = positions.len() + align.missing.len().max(align.extra.len());
    let unshared = match align.row_slices() {
        (Some(b), Some(h)) if crate::load::Unshared::worth(base_rows, head_rows, apart) => {
            let rows = |lone: &[IdxSize], paired: &[IdxSize]| {
                let mut rows: Vec<IdxSize> = lone
                    .iter()
                    .copied()
                    .chain(positions.iter().map(|&p| paired[p as usize]))
                    .collect();
                rows.sort_unstable();
                rows
            };
            Some(crate::load::Unshared {
                base: rows(&align.missing, b),
                head: rows(&align.extra, h),
            })
        }
        _ => None,
    };
    observer.shared(column.base_name(), &column.name, unshared);
}

/// What a column compared in place found: the mask of the differing
/// pairs, their positions, and both sides' values there.
struct Found {
    mask: BooleanChunked,
    positions: Vec<IdxSize>,
    base: Series,
    head: Series,
}

/// A column compared in place that differs somewhere: its samples, and
/// its changes for the swap search. Such a column is compared as it is
/// (no cast), so it is retyped only when head names it otherwise.
fn changed_in_place(
    column: &Compared,
    dtype: DataType,
    mut diff: ColumnDiff,
    found: Found,
    (align, base_keys): (&Alignment, &DataFrame),
) -> PolarsResult<(ColumnDiff, Option<Changed>)> {
    let (base, head) = (&found.base, &found.head);
    diff.samples = samples(
        &column.name,
        &found.positions,
        (base, head),
        align,
        base_keys,
    )?;
    let changed = Changed {
        name: column.name.clone(),
        dtype,
        retyped: column.base_name.is_some(),
        base: found.base,
        head: found.head,
        mask: found.mask,
        positions: found.positions,
    };
    Ok((diff, Some(changed)))
}

/// The largest absolute and relative difference of a column's values,
/// where the rule measures them.
type Largest = (Option<f64>, Option<f64>);

/// A column's result before its samples: compared in `dtype`, with the
/// tolerance that applied to that type (the rest a note names) and the
/// largest differences.
fn column_diff(
    column: &Compared,
    dtype: &DataType,
    mismatches: u64,
    tolerance: Option<Tolerance>,
    (max_abs_diff, max_rel_diff): Largest,
) -> ColumnDiff {
    ColumnDiff {
        name: column.name.clone(),
        dtype: dtype.to_string(),
        mismatches,
        samples: Vec::new(),
        tolerance: tolerance.and_then(|t| ValueRule::applicable(dtype, t).0),
        max_abs_diff,
        max_rel_diff,
        all_null: column.all_null,
    }
}

/// The largest absolute and relative differences among the differing
/// values (`differing`: base's and head's, asked for only when `any` and
/// the rule sizes `dtype`), and, when the rule's tolerance absorbs some of
/// them, which still differ: integers in exact arithmetic.
fn sizes(
    rule: ValueRule,
    dtype: &DataType,
    any: bool,
    differing: impl FnOnce() -> PolarsResult<(Series, Series)>,
) -> PolarsResult<(Largest, Option<Vec<bool>>)> {
    if !(any && rule.sized(dtype)) {
        return Ok(((None, None), None));
    }
    let (b, h) = differing()?;
    let sizes = if b.dtype().is_integer() {
        integer_differences(&b, &h, rule.within())?
    } else {
        float_differences(&b, &h, rule.within())?
    };
    let absorbed = sizes.differs.iter().any(|d| !d).then_some(sizes.differs);
    Ok(((Some(sizes.max_abs), Some(sizes.max_rel)), absorbed))
}

/// A side's values at `rows` (the differing pairs' rows on that side), in
/// pair order: a few looked up in their chunks, many gathered from one
/// chunk.
fn values_at(s: &Series, rows: PolarsResult<IdxCa>) -> PolarsResult<Series> {
    let rows = rows?;
    if s.n_chunks() > 1 && rows.len() > s.len() / 16 {
        match super::gather::take_numeric(s, &rows)? {
            Some(gathered) => Ok(gathered),
            None => s.rechunk().take(&rows),
        }
    } else {
        s.take(&rows)
    }
}

/// Samples of the first differing pairs at `positions`: each pair's base
/// key, and both values as written (`values`: base's and head's, one per
/// position, in order, at least the first `SAMPLES`), with where inside
/// them they differ.
fn samples(
    name: &str,
    positions: &[IdxSize],
    (b, h): (&Series, &Series),
    align: &Alignment,
    base_keys: &DataFrame,
) -> PolarsResult<Vec<ValueSample>> {
    let key_names: Vec<String> = base_keys
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    positions
        .iter()
        .take(SAMPLES)
        .enumerate()
        .map(|(k, &pos)| {
            let base_row = align.base_rows.get(pos as usize).unwrap_or(pos) as usize;
            let (bv, hv) = (to_json(&b.get(k)?), to_json(&h.get(k)?));
            Ok(ValueSample {
                key: row_values(base_keys, &key_names, base_row)?,
                path: difference_path(&bv, &hv).map(|p| {
                    let sep = if p.starts_with('[') { "" } else { "." };
                    format!("{name}{sep}{p}")
                }),
                base: bv,
                head: hv,
            })
        })
        .collect()
}

/// The positions where `mask` is set, ascending.
fn set_positions(mask: &BooleanChunked) -> Vec<IdxSize> {
    let mut positions = Vec::new();
    let mut at = 0;
    // A word of the mask at a time, not an optional bool per pair.
    for chunk in mask.downcast_iter() {
        let set = match chunk.validity() {
            Some(valid) if valid.unset_bits() > 0 => chunk.values() & valid,
            _ => chunk.values().clone(),
        };
        positions.extend(set.true_idx_iter().map(|i| (at + i) as IdxSize));
        at += chunk.len();
    }
    positions
}

/// How far apart differing numbers are, and which of them `tolerance`
/// absorbs (`differs` false), one entry per differing value.
struct Differences {
    pub(super) differs: Vec<bool>,
    pub(super) max_abs: f64,
    pub(super) max_rel: f64,
}

fn float_differences(
    b: &Series,
    h: &Series,
    within: Option<(f64, f64)>,
) -> PolarsResult<Differences> {
    let (bf, hf) = (b.cast(&DataType::Float64)?, h.cast(&DataType::Float64)?);
    let mut out = Differences {
        differs: Vec::with_capacity(bf.len()),
        max_abs: 0.0,
        max_rel: 0.0,
    };
    for (x, y) in bf.f64()?.iter().zip(hf.f64()?.iter()) {
        let mut differ = true;
        if let (Some(x), Some(y)) = (x, y) {
            let d = (x - y).abs();
            if d.is_finite() {
                out.max_abs = out.max_abs.max(d);
                out.max_rel = out.max_rel.max(d / x.abs().max(y.abs()));
            }
            if let Some((abs, rel)) = within {
                // NaN differences stay differences.
                let inside = d <= abs + rel * y.abs();
                differ = !inside;
            }
        }
        out.differs.push(differ);
    }
    Ok(out)
}

/// As [`float_differences`], for integers in exact arithmetic: the
/// difference is taken in i128, so two values 200 apart near 2^62 stay 200
/// apart (as f64 they would be equal and pass `abs = 1`).
fn integer_differences(
    b: &Series,
    h: &Series,
    within: Option<(f64, f64)>,
) -> PolarsResult<Differences> {
    let (bi, hi) = (b.cast(&DataType::Int128)?, h.cast(&DataType::Int128)?);
    let mut out = Differences {
        differs: Vec::with_capacity(bi.len()),
        max_abs: 0.0,
        max_rel: 0.0,
    };
    for (x, y) in bi.i128()?.iter().zip(hi.i128()?.iter()) {
        let mut differ = true;
        if let (Some(x), Some(y)) = (x, y) {
            let d = x.checked_sub(y).map(i128::unsigned_abs);
            if let Some(d) = d {
                out.max_abs = out.max_abs.max(d as f64);
                let scale = x.unsigned_abs().max(y.unsigned_abs()) as f64;
                out.max_rel = out.max_rel.max(d as f64 / scale);
            }
            if let (Some((abs, rel)), Some(d)) = (within, d) {
                // An integer d is within a bound exactly when it is within
                // the bound's floor; only the relative part is approximate.
                let bound = (abs + rel * y.unsigned_abs() as f64).floor();
                differ = !(bound >= u128::MAX as f64 || d <= bound as u128);
            }
        }
        out.differs.push(differ);
    }
    Ok(out)
}

/// An integer column compared with a float column as f64 is exact for
/// magnitudes up to 2^53; pairs found equal with a larger integer are
/// rechecked exactly (the float must be whole and the same integer).
fn exact_int_float(b: &Series, h: &Series, mask: BooleanChunked) -> PolarsResult<BooleanChunked> {
    let (int, float) = if b.dtype().is_integer() {
        (b, h)
    } else {
        (h, b)
    };
    if !float.dtype().is_float() || !widen::has_inexact_in_f64(int)? {
        return Ok(mask);
    }
    let (i, f) = (
        int.cast(&DataType::Int128)?,
        float.cast(&DataType::Float64)?,
    );
    let limit = widen::EXACT_IN_F64 as u128;
    let rechecked: Vec<bool> = mask
        .iter()
        .zip(i.i128()?.iter())
        .zip(f.f64()?.iter())
        .map(|((m, x), y)| match (m, x, y) {
            (Some(false), Some(x), Some(y)) if x.unsigned_abs() > limit => {
                !(y.fract() == 0.0 && y as i128 == x)
            }
            (m, _, _) => m == Some(true),
        })
        .collect();
    Ok(BooleanChunked::from_slice(PlSmallStr::EMPTY, &rechecked))
}

/// Where two columns of the same length differ (null = null, NaN = NaN), as
/// a single-chunk mask. Columns read in slices or parts carry different
/// chunk boundaries; polars would copy both whole into one chunk before
/// comparing (seconds and gigabytes for strings at 100M rows), so they are
/// compared piece by piece between the union of their boundaries instead,
/// every piece a zero-copy slice within one chunk of each side.
pub(super) fn differs(b: &Series, h: &Series) -> PolarsResult<BooleanChunked> {
    if b.n_chunks() == 1 && h.n_chunks() == 1 {
        return one_chunk_differs(b, h);
    }
    let ends = |s: &Series| {
        s.chunk_lengths()
            .scan(0usize, |at, len| {
                *at += len;
                Some(*at)
            })
            .collect::<Vec<_>>()
    };
    let mut cuts = ends(b);
    cuts.extend(ends(h));
    cuts.sort_unstable();
    cuts.dedup();
    let mut mask = BooleanChunked::full(PlSmallStr::EMPTY, false, 0);
    let mut start = 0;
    for end in cuts {
        if end > start {
            let (offset, len) = (start as i64, end - start);
            mask.append_owned(one_chunk_differs(
                &b.slice(offset, len),
                &h.slice(offset, len),
            )?)?;
            start = end;
        }
    }
    Ok(mask.rechunk().into_owned())
}

/// `differs` of two columns of one chunk each: strings by
/// `text::text_differs` (their bytes read ahead), numbers of one type by
/// `numbers::aligned_numbers_differ`, the rest by polars.
fn one_chunk_differs(b: &Series, h: &Series) -> PolarsResult<BooleanChunked> {
    if let Some(mask) = super::text::text_differs(b, h)? {
        return Ok(mask);
    }
    match super::numbers::aligned_numbers_differ(b, h)? {
        Some(bits) => Ok(BooleanChunked::from_bitmap(PlSmallStr::EMPTY, bits)),
        None => b.not_equal_missing(h),
    }
}

/// A string column trimmed and/or lower-cased for comparison.
pub(super) fn normalized(s: &Series, opts: StringOptions) -> PolarsResult<Series> {
    let ca = s.str()?;
    let out: StringChunked = ca
        .iter()
        .map(|v| {
            v.map(|v| {
                let v = if opts.trim { v.trim() } else { v };
                if opts.ignore_case {
                    v.to_lowercase()
                } else {
                    v.to_string()
                }
            })
        })
        .collect();
    Ok(out.with_name(s.name().clone()).into_series())
}

/// Temporal values within `seconds` of each other are equal: the mask of
/// differences, recomputed on the physical values (days for dates, the
/// column's unit otherwise).
fn within_seconds(
    b: &Series,
    h: &Series,
    mask: &BooleanChunked,
    seconds: f64,
) -> PolarsResult<BooleanChunked> {
    let unit_seconds = match b.dtype() {
        DataType::Date => 86_400.0,
        DataType::Datetime(u, _) | DataType::Duration(u) => match u {
            TimeUnit::Nanoseconds => 1e-9,
            TimeUnit::Microseconds => 1e-6,
            TimeUnit::Milliseconds => 1e-3,
        },
        DataType::Time => 1e-9,
        _ => return Ok(mask.clone()),
    };
    let (pb, ph) = (
        b.to_physical_repr().cast(&DataType::Float64)?,
        h.to_physical_repr().cast(&DataType::Float64)?,
    );
    let differs: Vec<bool> = pb
        .f64()?
        .iter()
        .zip(ph.f64()?.iter())
        .zip(mask.iter())
        .map(|((x, y), m)| match (x, y, m) {
            (Some(x), Some(y), Some(true)) => (x - y).abs() * unit_seconds > seconds,
            (_, _, m) => m == Some(true),
        })
        .collect();
    Ok(BooleanChunked::from_slice(PlSmallStr::EMPTY, &differs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_positions_are_the_true_values_of_every_chunk_and_no_null() {
        let mut mask = BooleanChunked::from_slice_options(
            "m".into(),
            &[Some(true), None, Some(false), Some(true)],
        );
        let long: Vec<bool> = (0..130).map(|i| i % 64 == 63 || i == 0).collect();
        mask.append(&BooleanChunked::from_slice("m".into(), &long))
            .unwrap();
        let expected: Vec<IdxSize> = mask
            .iter()
            .enumerate()
            .filter(|(_, m)| *m == Some(true))
            .map(|(i, _)| i as IdxSize)
            .collect();
        assert_eq!(expected, [0, 3, 4, 67, 131]);
        assert_eq!(set_positions(&mask), expected);
        assert_eq!(set_positions(&mask.slice(1, 100)), [2, 3, 66]);
    }
}
