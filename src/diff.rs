//! Exact comparison of one table's two sides.
//!
//! Keyed tables: the rows of both sides are aligned once by key (a full join
//! of the key columns and row numbers only, or the identity when both sides
//! already hold the same keys in the same order); then every compared column
//! is gathered through that alignment and compared null-aware (null = null,
//! NaN = NaN), columns in parallel. Duplicate keys never multiply rows: the
//! n-th occurrence of a key in base is paired with the n-th in head.
//!
//! Keyless tables are compared as multisets of rows. This module fills a
//! [`TableReport`]; it knows nothing of lanes or files.

use polars::prelude::*;
use rayon::prelude::*;
use serde_json::Value;

use crate::config::{Format, StringOptions, Table, Tolerance};
use crate::load::OnDisk;
use crate::model::{
    ColumnDiff, ColumnType, DuplicateSide, Duplicates, RowCounts, RowSample, SchemaDiff, Side,
    TableReport, TypeChange, ValueSample,
};
use crate::widen;

/// Changed values, missing rows and duplicate keys shown per column or table.
pub const SAMPLES: usize = 5;

const COUNT: &str = "__swimlane_count";

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(
        "key column `{column}` is not in the base output (columns: {columns}){}\nhelp: {}",
        location.as_ref().map(|l| format!("\n  --> {l}")).unwrap_or_default(),
        declared.key_help()
    )]
    KeyNotInBase {
        table: String,
        column: String,
        columns: String,
        location: Option<String>,
        declared: crate::config::Declared,
    },
    #[error("no column can be compared (none has the same name and type on both sides)")]
    NothingToCompare { table: String },
    #[error("comparison of table `{table}` failed")]
    Polars {
        table: String,
        #[source]
        source: PolarsError,
    },
}

/// Where one side's columns come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// A table loaded whole.
    Frame(&'a DataFrame),
    /// A table left on disk and read one column at a time: the comparison
    /// then holds the keys, the alignment and the columns in flight.
    Disk(&'a OnDisk),
}

impl Source<'_> {
    /// True when column `name` holds no value at all and its type says
    /// nothing: a Null column, or an empty column of a format without types
    /// (CSV, NDJSON), which the reader types as text.
    fn untyped(&self, name: &str, format: Format) -> bool {
        match self {
            Source::Frame(df) => df.column(name).is_ok_and(|c| {
                c.dtype() == &DataType::Null
                    || (matches!(format, Format::Csv | Format::Ndjson) && c.null_count() == c.len())
            }),
            Source::Disk(d) => d.schema.get(name) == Some(&DataType::Null),
        }
    }

    /// True when column `name` is loaded and holds no value (but has rows).
    fn all_null(&self, name: &str) -> bool {
        match self {
            Source::Frame(df) => df
                .column(name)
                .is_ok_and(|c| !c.is_empty() && c.null_count() == c.len()),
            Source::Disk(d) => d.schema.get(name) == Some(&DataType::Null),
        }
    }

    fn schema(&self) -> Schema {
        match self {
            Source::Frame(df) => df.schema().as_ref().clone(),
            Source::Disk(d) => d.schema.clone(),
        }
    }

    fn frame(&self, names: &[String]) -> PolarsResult<DataFrame> {
        match self {
            Source::Frame(df) => df.select(names.iter().map(String::as_str)),
            Source::Disk(d) => d.columns(names).map_err(load_error),
        }
    }

    /// Column `name`, the rows picked by `rows`.
    fn column(&self, name: &str, rows: Rows<'_>) -> PolarsResult<Series> {
        let s = match (self, rows) {
            (Source::Frame(df), _) => df.column(name)?.as_materialized_series().clone(),
            // Filtered as it is read: memory holds the rows kept, not the
            // whole column twice.
            (Source::Disk(d), Rows::Filter(mask)) => {
                return d.column_filtered(name, mask).map_err(load_error);
            }
            (Source::Disk(_), _) => self
                .frame(&[name.to_string()])?
                .column(name)?
                .as_materialized_series()
                .clone(),
        };
        match rows {
            Rows::All => Ok(s),
            Rows::Filter(mask) => s.filter(mask),
            // Gathering from many chunks looks up the chunk of every row.
            Rows::Take(rows) if s.n_chunks() > 1 => s.rechunk().take(rows),
            Rows::Take(rows) => s.take(rows),
        }
    }
}

/// A reading error with its causes, as a polars error.
fn load_error(e: crate::load::LoadError) -> PolarsError {
    PolarsError::ComputeError(crate::run::chain(&e).into())
}

/// Which rows of a column to read, in which order.
#[derive(Clone, Copy)]
enum Rows<'a> {
    All,
    /// The rows where the mask is set, in file order.
    Filter(&'a BooleanChunked),
    Take(&'a IdxCa),
}

/// Compares `base` and `head` for `table` exactly.
pub fn compare_exact(
    table: &Table,
    base: &DataFrame,
    head: &DataFrame,
) -> Result<TableReport, DiffError> {
    let in_flight = rayon::current_num_threads();
    compare_sources(table, Source::Frame(base), Source::Frame(head), in_flight)
}

/// Compares two sides of `table` exactly, wherever their columns live,
/// comparing at most `in_flight` columns at a time.
pub fn compare_sources(
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    in_flight: usize,
) -> Result<TableReport, DiffError> {
    let polars_err = |source| DiffError::Polars {
        table: table.name.clone(),
        source,
    };
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    report.ignored = table.ignore.clone();
    let (base_schema, head_schema) = (base.schema(), head.schema());
    report.schema = schema_diff(&base_schema, &head_schema, &table.ignore);

    for k in &table.key {
        if base_schema.get(k).is_none() {
            return Err(DiffError::KeyNotInBase {
                table: table.name.clone(),
                location: table.key_location.clone(),
                declared: table.declared,
                column: k.clone(),
                columns: base_schema
                    .iter_names()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    if let Some(k) = table.key.iter().find(|k| head_schema.get(k).is_none()) {
        report.head_missing = Some(format!(
            "key column `{k}` is missing in head: rows cannot be matched"
        ));
        return Ok(report);
    }

    // A key with no values on one side has no type there: not a change.
    for k in &table.key {
        if base.untyped(k, table.format) || head.untyped(k, table.format) {
            report.schema.changed.retain(|c| &c.column != k);
        }
    }
    let compared = compared_columns(table, base, head, &mut report.schema);
    report.compared_columns = compared.len();
    if table.key.is_empty() {
        if compared.is_empty() {
            return Err(DiffError::NothingToCompare {
                table: table.name.clone(),
            });
        }
        let names: Vec<String> = compared.iter().map(|c| c.name.clone()).collect();
        let read = |side: Source<'_>| -> PolarsResult<DataFrame> {
            let mut df = side.frame(&names)?;
            for c in &compared {
                if let Some(t) = &c.as_type {
                    let cast = df.column(&c.name)?.cast(t)?;
                    df.replace(&c.name, cast)?;
                }
            }
            Ok(df)
        };
        let (base, head) = (
            read(base).map_err(polars_err)?,
            read(head).map_err(polars_err)?,
        );
        compare_multiset(&mut report, &base, &head, &names).map_err(polars_err)?;
    } else {
        compare_keyed(&mut report, table, base, head, &compared, in_flight).map_err(polars_err)?;
    }
    Ok(report)
}

/// A column compared row by row, and how.
struct Compared {
    name: String,
    /// The type both sides are read in, when they differ without loss (or
    /// one side has no values and so no type of its own).
    as_type: Option<DataType>,
    /// The side that holds no value in this column.
    all_null: Option<Side>,
}

/// The columns of `table` compared value by value: those of the same type
/// on both sides, those retyped without loss (compared in the common type,
/// the type change marked so in `schema`), and those with no values on one
/// side (read in the other side's type; no longer a type change).
fn compared_columns(
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    schema: &mut SchemaDiff,
) -> Vec<Compared> {
    let (bs, hs) = (base.schema(), head.schema());
    let mut compared = Vec::new();
    for (name, bt) in bs.iter() {
        let skipped = table
            .key
            .iter()
            .chain(&table.ignore)
            .any(|k| k == name.as_str());
        let Some(ht) = hs.get(name).filter(|_| !skipped) else {
            continue;
        };
        let all_null = if base.all_null(name) && !head.all_null(name) {
            Some(Side::Base)
        } else if head.all_null(name) && !base.all_null(name) {
            Some(Side::Head)
        } else {
            None
        };
        let as_type = if bt == ht {
            None
        } else if base.untyped(name, table.format) {
            schema.changed.retain(|c| c.column != name.as_str());
            Some(ht.clone())
        } else if head.untyped(name, table.format) {
            schema.changed.retain(|c| c.column != name.as_str());
            Some(bt.clone())
        } else if let Some(t) = widen::value_type(bt, ht) {
            if let Some(c) = schema
                .changed
                .iter_mut()
                .find(|c| c.column == name.as_str())
            {
                c.compared_as = Some(t.to_string());
            }
            Some(t)
        } else {
            continue;
        };
        compared.push(Compared {
            name: name.to_string(),
            as_type,
            all_null,
        });
    }
    compared
}

pub(crate) fn schema_diff(bs: &Schema, hs: &Schema, ignore: &[String]) -> SchemaDiff {
    let named = |s: &Schema| {
        s.iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect::<Vec<_>>()
    };
    named_schema_diff(&named(bs), &named(hs), ignore)
}

/// Removed, retyped and added columns between two sides' (name, type)
/// lists, whoever names the types (polars here, Spark for the Spark engine).
pub(crate) fn named_schema_diff<T: PartialEq + std::fmt::Display>(
    bs: &[(String, T)],
    hs: &[(String, T)],
    ignore: &[String],
) -> SchemaDiff {
    let ignored = |n: &str| ignore.iter().any(|i| i == n);
    let type_of = |side: &[(String, T)], name: &str| {
        side.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.to_string())
    };
    let mut diff = SchemaDiff::default();
    for (name, dtype) in bs.iter().filter(|(n, _)| !ignored(n)) {
        match type_of(hs, name) {
            None => diff.removed.push(ColumnType {
                name: name.clone(),
                dtype: dtype.to_string(),
            }),
            Some(h) if h != dtype.to_string() => diff.changed.push(TypeChange {
                column: name.clone(),
                base: dtype.to_string(),
                head: h,
                compared_as: None,
            }),
            Some(_) => {}
        }
    }
    for (name, dtype) in hs.iter().filter(|(n, _)| !ignored(n)) {
        if type_of(bs, name).is_none() {
            diff.added.push(ColumnType {
                name: name.clone(),
                dtype: dtype.to_string(),
            });
        }
    }
    diff
}

/// Row alignment: pairs of (base row, head row) for matched rows, and the
/// rows found on one side only.
struct Alignment {
    base_rows: IdxCa,
    head_rows: IdxCa,
    missing: Vec<IdxSize>,
    extra: Vec<IdxSize>,
    /// True when the sides hold the same keys in the same order.
    identity: bool,
    /// When the pairs' rows ascend on a side (always in base, and in head
    /// when both sides are in the same key order), the mask of that side's
    /// matched rows: filtering is far cheaper than gathering.
    base_matched: Option<BooleanChunked>,
    head_matched: Option<BooleanChunked>,
}

impl Alignment {
    /// The base (or head) rows of the matched pairs, in pair order.
    fn rows(&self, base: bool) -> Rows<'_> {
        let (rows, matched) = if base {
            (&self.base_rows, &self.base_matched)
        } else {
            (&self.head_rows, &self.head_matched)
        };
        match (self.identity, matched) {
            (true, _) => Rows::All,
            (false, Some(mask)) => Rows::Filter(mask),
            (false, None) => Rows::Take(rows),
        }
    }

    /// The base (or head) rows of the matched pairs at `positions`.
    fn rows_at(&self, base: bool, positions: &[IdxSize]) -> PolarsResult<IdxCa> {
        let at = IdxCa::from_vec(PlSmallStr::EMPTY, positions.to_vec());
        match (self.identity, base) {
            (true, _) => Ok(at),
            (false, true) => Ok(self.base_rows.take(&at)?),
            (false, false) => Ok(self.head_rows.take(&at)?),
        }
    }
}

fn compare_keyed(
    report: &mut TableReport,
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    compared: &[Compared],
    in_flight: usize,
) -> PolarsResult<()> {
    let (key, tolerances, strings) = (&table.key, &table.tolerance, table.strings);
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
        } else if head.untyped(k, table.format) {
            Some(b.dtype().clone())
        } else {
            None
        };
        let notes_before = report.key_notes.len();
        let as_type = match untyped.map_or_else(|| key_type(b, h), |t| Ok(Some(t)))? {
            Some(t) => t,
            None => {
                report.key_notes.push(format!(
                    "key `{k}` is {} in base and {} in head, with no common type: rows paired on the key's text",
                    b.dtype(),
                    h.dtype()
                ));
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
    let (align, dups) = align((&base_paired, &head_paired), (&base_keys, &head_keys), key)?;
    drop((base_paired, head_paired));
    report.duplicates = dups;

    let matched = align.base_rows.len() as u64;
    report.missing_samples = key_samples(&base_keys, &align.missing)?;
    report.extra_samples = key_samples(&head_keys, &align.extra)?;
    let head_rows = head_keys.height() as u64;
    // Head's keys are not needed any more: samples name rows by base keys.
    drop(head_keys);

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
                    let tolerance = tolerances.get(&column.name).copied();
                    let result =
                        compare_column(column, base, head, &align, &base_keys, tolerance, strings);
                    *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
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
    find_renames(report, base, head, &align)?;
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

fn key_exprs(key: &[String]) -> Vec<Expr> {
    key.iter().map(|k| col(k.as_str())).collect()
}

/// One side's keys, made comparable across the two sides: a single
/// integer-like column as i64 (the common case, sorted fast), anything else
/// as polars' order-preserving row encoding.
enum SortKeys {
    Int(Int64Chunked),
    Rows(BinaryOffsetChunked),
}

impl SortKeys {
    fn new(keys: &DataFrame) -> PolarsResult<SortKeys> {
        let columns = keys.columns();
        if let [c] = columns {
            let dtype = c.dtype();
            let int_like = (dtype.is_integer() && dtype != &DataType::UInt64)
                || dtype.is_temporal()
                || dtype == &DataType::Boolean;
            if int_like {
                let physical = c
                    .as_materialized_series()
                    .to_physical_repr()
                    .cast(&DataType::Int64)?;
                return Ok(SortKeys::Int(physical.i64()?.clone()));
            }
        }
        let n = columns.len();
        Ok(SortKeys::Rows(
            polars::chunked_array::ops::row_encode::_get_rows_encoded_ca(
                PlSmallStr::EMPTY,
                columns,
                &vec![false; n],
                &vec![false; n],
                false,
            )?
            .rechunk()
            .into_owned(),
        ))
    }
}

fn row_bytes(ca: &BinaryOffsetChunked) -> impl Iterator<Item = &[u8]> + Send {
    ca.downcast_iter().flat_map(|a| a.values_iter())
}

/// Row pairing found by sorting both sides' keys and merging them.
struct Merged {
    /// For each base row, its head row (`NONE` when missing in head).
    head_of_base: Vec<IdxSize>,
    /// Head rows whose key (occurrence) base lacks, ascending.
    extra: Vec<IdxSize>,
    /// Runs of a duplicated key, in key order: (first row, rows).
    base_dups: Vec<(IdxSize, u64)>,
    head_dups: Vec<(IdxSize, u64)>,
    /// Keys duplicated in head that were not duplicated in base.
    new_in_head: u64,
}

const NONE: IdxSize = IdxSize::MAX;

/// One side's keys in sorted order, with the row each came from.
enum SortedKeys<K> {
    /// The keys were in order already: row i holds the i-th key.
    InOrder(Vec<K>),
    Sorted(Vec<(K, IdxSize)>),
}

impl<K: Ord + Copy + Send> SortedKeys<K> {
    fn new<I: Iterator<Item = K>>(keys: &impl Fn() -> I) -> SortedKeys<K> {
        // Outputs are often written in key order: then the keys alone
        // (8 bytes a row for integers) are the sorted sequence.
        if keys().is_sorted() {
            return SortedKeys::InOrder(keys().collect());
        }
        let mut v: Vec<(K, IdxSize)> = keys().enumerate().map(|(i, k)| (k, i as IdxSize)).collect();
        v.par_sort_unstable();
        SortedKeys::Sorted(v)
    }

    fn len(&self) -> usize {
        match self {
            SortedKeys::InOrder(v) => v.len(),
            SortedKeys::Sorted(v) => v.len(),
        }
    }

    fn key(&self, i: usize) -> K {
        match self {
            SortedKeys::InOrder(v) => v[i],
            SortedKeys::Sorted(v) => v[i].0,
        }
    }

    fn row(&self, i: usize) -> IdxSize {
        match self {
            SortedKeys::InOrder(_) => i as IdxSize,
            SortedKeys::Sorted(v) => v[i].1,
        }
    }
}

/// Sorts each side's (key, row) pairs and walks them together: equal keys
/// pair their n-th occurrences in row order, never a many-to-many product.
fn merge_keys<K: Ord + Copy + Send + Sync, I: Iterator<Item = K>>(
    base: impl Fn() -> I + Sync,
    head: impl Fn() -> I + Sync,
) -> Merged {
    let (b, h) = rayon::join(|| SortedKeys::new(&base), || SortedKeys::new(&head));
    let run_end = |v: &SortedKeys<K>, start: usize| {
        let mut end = start + 1;
        while end < v.len() && v.key(end) == v.key(start) {
            end += 1;
        }
        end
    };
    let mut m = Merged {
        head_of_base: vec![NONE; b.len()],
        extra: Vec::new(),
        base_dups: Vec::new(),
        head_dups: Vec::new(),
        new_in_head: 0,
    };
    let (mut i, mut j) = (0, 0);
    while i < b.len() || j < h.len() {
        let order = match (i < b.len(), j < h.len()) {
            (true, true) => b.key(i).cmp(&h.key(j)),
            (true, false) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (bi, hj) = match order {
            std::cmp::Ordering::Less => (run_end(&b, i), j),
            std::cmp::Ordering::Greater => (i, run_end(&h, j)),
            std::cmp::Ordering::Equal => (run_end(&b, i), run_end(&h, j)),
        };
        let (nb, nh) = (bi - i, hj - j);
        if nb > 1 {
            m.base_dups.push((b.row(i), nb as u64));
        }
        if nh > 1 {
            m.head_dups.push((h.row(j), nh as u64));
            m.new_in_head += u64::from(nb <= 1);
        }
        for k in 0..nb.min(nh) {
            m.head_of_base[b.row(i + k) as usize] = h.row(j + k);
        }
        for k in nb.min(nh)..nh {
            m.extra.push(h.row(j + k));
        }
        (i, j) = (bi, hj);
    }
    m.extra.sort_unstable();
    m
}

/// Aligns the rows of both sides by key and reports duplicated keys.
/// `paired` are the keys in one type per key column; `shown`, the keys as
/// written, for samples.
fn align(
    (base_paired, head_paired): (&DataFrame, &DataFrame),
    (base_keys, head_keys): (&DataFrame, &DataFrame),
    key: &[String],
) -> PolarsResult<(Alignment, Option<Duplicates>)> {
    let merged = match (SortKeys::new(base_paired)?, SortKeys::new(head_paired)?) {
        // Without nulls, (i64, row) pairs take 16 bytes instead of 24.
        (SortKeys::Int(b), SortKeys::Int(h)) if b.null_count() + h.null_count() == 0 => {
            merge_keys(|| b.into_no_null_iter(), || h.into_no_null_iter())
        }
        (SortKeys::Int(b), SortKeys::Int(h)) => merge_keys(|| b.iter(), || h.iter()),
        (b, h) => {
            let rows = |k: SortKeys| match k {
                SortKeys::Rows(r) => Ok(r),
                SortKeys::Int(_) => Err(PolarsError::ComputeError(
                    "keys encoded differently on the two sides".into(),
                )),
            };
            let (b, h) = (rows(b)?, rows(h)?);
            merge_keys(|| row_bytes(&b), || row_bytes(&h))
        }
    };
    let duplicates = if merged.base_dups.is_empty() && merged.head_dups.is_empty() {
        None
    } else {
        let side = |keys: &DataFrame, runs: &[(IdxSize, u64)]| -> PolarsResult<DuplicateSide> {
            Ok(DuplicateSide {
                keys: runs.len() as u64,
                rows: runs.iter().map(|r| r.1).sum(),
                samples: runs
                    .iter()
                    .take(SAMPLES)
                    .map(|&(row, count)| {
                        Ok(RowSample {
                            values: row_values(keys, key, row as usize)?,
                            count,
                        })
                    })
                    .collect::<PolarsResult<_>>()?,
            })
        };
        Some(Duplicates {
            base: side(base_keys, &merged.base_dups)?,
            head: side(head_keys, &merged.head_dups)?,
            new_in_head: merged.new_in_head,
        })
    };
    let mut missing = Vec::new();
    let (mut base_rows, mut head_rows) = (Vec::new(), Vec::new());
    let mut identity = merged.extra.is_empty() && base_keys.height() == head_keys.height();
    for (b, &h) in merged.head_of_base.iter().enumerate() {
        if h == NONE {
            missing.push(b as IdxSize);
            identity = false;
        } else {
            identity &= h == b as IdxSize;
            base_rows.push(b as IdxSize);
            head_rows.push(h);
        }
    }
    let mask_of = |rows: &[IdxSize], n: usize| {
        let mut mask = vec![false; n];
        for &r in rows {
            mask[r as usize] = true;
        }
        BooleanChunked::from_slice(PlSmallStr::EMPTY, &mask)
    };
    let base_matched = Some(mask_of(&base_rows, base_keys.height()));
    let head_matched = head_rows
        .is_sorted()
        .then(|| mask_of(&head_rows, head_keys.height()));
    let alignment = Alignment {
        base_rows: IdxCa::from_vec(PlSmallStr::EMPTY, base_rows),
        head_rows: IdxCa::from_vec(PlSmallStr::EMPTY, head_rows),
        missing,
        extra: merged.extra,
        identity,
        base_matched,
        head_matched,
    };
    Ok((alignment, duplicates))
}

type ColumnResult = PolarsResult<(ColumnDiff, Option<Changed>)>;

/// A changed column kept for permutation detection: its values only where
/// it differs, so that memory follows the changes, not the table.
struct Changed {
    name: String,
    dtype: DataType,
    mask: BooleanChunked,
    /// Compared in a type other than its own on a side: the permutation
    /// search, which reads columns as written, leaves it out.
    retyped: bool,
    /// The matched-pair positions where this column differs, ascending.
    positions: Vec<IdxSize>,
    /// Base and head values at `positions`.
    base: Series,
    head: Series,
}

fn compare_column(
    column: &Compared,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
    base_keys: &DataFrame,
    tolerance: Option<Tolerance>,
    strings: StringOptions,
) -> PolarsResult<(ColumnDiff, Option<Changed>)> {
    let name = column.name.as_str();
    // As written (for samples), and in the type both are compared in.
    let b_read = base.column(name, align.rows(true))?;
    let h_read = head.column(name, align.rows(false))?;
    let in_type = |s: &Series| match &column.as_type {
        Some(t) if s.dtype() != t => s.cast(t),
        _ => Ok(s.clone()),
    };
    let (b, h) = (in_type(&b_read)?, in_type(&h_read)?);
    let mut mask = if b.dtype() == &DataType::String && (strings.trim || strings.ignore_case) {
        differs(&normalized(&b, strings)?, &normalized(&h, strings)?)?
    } else {
        differs(&b, &h)?
    };
    if b.dtype().is_float() && (b_read.dtype().is_integer() || h_read.dtype().is_integer()) {
        mask = exact_int_float(&b_read, &h_read, mask)?;
    }
    if let Some(t) = tolerance.filter(|t| t.seconds > 0.0 && b.dtype().is_temporal())
        && mask.any()
    {
        mask = within_seconds(&b, &h, &mask, t.seconds)?;
    }
    let numeric = b.dtype().is_float()
        || (tolerance.is_some_and(|t| t.abs > 0.0 || t.rel > 0.0)
            && b.dtype().is_primitive_numeric());
    let (mut max_abs, mut max_rel) = (None, None);
    if numeric && mask.any() {
        // Only the differing values: the sizes of the differences, and
        // which of them the tolerance absorbs.
        let (bm, hm) = (b.filter(&mask)?, h.filter(&mask)?);
        let sizes = if bm.dtype().is_integer() {
            integer_differences(&bm, &hm, tolerance)?
        } else {
            float_differences(&bm, &hm, tolerance)?
        };
        max_abs = Some(sizes.max_abs);
        max_rel = Some(sizes.max_rel);
        if sizes.differs.iter().any(|d| !d) {
            let mut differs = sizes.differs.into_iter();
            let kept: Vec<bool> = mask
                .iter()
                .map(|m| m == Some(true) && differs.next().unwrap_or(true))
                .collect();
            mask = BooleanChunked::from_slice(PlSmallStr::EMPTY, &kept);
        }
    }
    let mismatches = mask.sum().unwrap_or(0) as u64;
    let mut diff = ColumnDiff {
        name: name.to_string(),
        dtype: b.dtype().to_string(),
        mismatches,
        samples: Vec::new(),
        tolerance,
        max_abs_diff: max_abs,
        max_rel_diff: max_rel,
        all_null: column.all_null,
    };
    if mismatches == 0 {
        return Ok((diff, None));
    }
    let positions: Vec<IdxSize> = mask
        .iter()
        .enumerate()
        .filter(|(_, m)| *m == Some(true))
        .map(|(i, _)| i as IdxSize)
        .collect();
    let key_names: Vec<String> = base_keys
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    for pos in positions.iter().map(|&p| p as usize).take(SAMPLES) {
        let base_row = align.base_rows.get(pos).unwrap_or(pos as IdxSize) as usize;
        let (bv, hv) = (to_json(&b_read.get(pos)?), to_json(&h_read.get(pos)?));
        diff.samples.push(ValueSample {
            key: row_values(base_keys, &key_names, base_row)?,
            path: difference_path(&bv, &hv).map(|p| {
                let sep = if p.starts_with('[') { "" } else { "." };
                format!("{name}{sep}{p}")
            }),
            base: bv,
            head: hv,
        });
    }
    let changed = Changed {
        name: name.to_string(),
        dtype: b.dtype().clone(),
        retyped: column.as_type.is_some(),
        base: b.filter(&mask)?,
        head: h.filter(&mask)?,
        mask,
        positions,
    };
    Ok((diff, Some(changed)))
}

/// How far apart differing numbers are, and which of them `tolerance`
/// absorbs (`differs` false), one entry per differing value.
struct Differences {
    differs: Vec<bool>,
    max_abs: f64,
    max_rel: f64,
}

fn float_differences(
    b: &Series,
    h: &Series,
    tolerance: Option<Tolerance>,
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
            if let Some(t) = tolerance {
                // NaN differences stay differences.
                let within = d <= t.abs + t.rel * y.abs();
                differ = !within;
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
    tolerance: Option<Tolerance>,
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
            if let (Some(t), Some(d)) = (tolerance, d) {
                // An integer d is within a bound exactly when it is within
                // the bound's floor; only the relative part is approximate.
                let bound = (t.abs + t.rel * y.unsigned_abs() as f64).floor();
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
fn differs(b: &Series, h: &Series) -> PolarsResult<BooleanChunked> {
    if b.n_chunks() == 1 && h.n_chunks() == 1 {
        return b.not_equal_missing(h);
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
            mask.append_owned(
                b.slice(offset, len)
                    .not_equal_missing(&h.slice(offset, len))?,
            )?;
            start = end;
        }
    }
    Ok(mask.rechunk().into_owned())
}

/// A string column trimmed and/or lower-cased for comparison.
fn normalized(s: &Series, opts: StringOptions) -> PolarsResult<Series> {
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

/// Columns whose values were permuted among themselves: cycles such that,
/// on every row where any member differs, head.X = base.next(X). A cycle of
/// two is a swap; longer cycles are found too. Candidates are refuted on
/// the rows where both columns differ, from the values kept; a candidate
/// that survives is proven on the full columns, read again.
fn find_permutations(
    changed: &[Changed],
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
) -> PolarsResult<Vec<Vec<String>>> {
    // Values of one side's column at matched positions, read again.
    let at = |side: Source<'_>, is_base: bool, name: &str, positions: &[IdxSize]| {
        side.column(name, Rows::Take(&align.rows_at(is_base, positions)?))
    };
    // For each changed column, the changed column its head values came from.
    let mut source: Vec<Option<usize>> = vec![None; changed.len()];
    for (i, c) in changed.iter().enumerate() {
        for (j, d) in changed.iter().enumerate() {
            if i == j || c.retyped || d.retyped || c.dtype != d.dtype || refuted(c, d)? {
                continue;
            }
            let from_d = at(base, true, &d.name, &c.positions)?;
            if !differs(&c.head, &from_d)?.any() {
                source[i] = Some(j);
                break;
            }
        }
    }
    let cycles = closed_cycles(&source, |members| {
        // The whole cycle must hold on every row where any member differs.
        let mut rows: Vec<IdxSize> = members
            .iter()
            .flat_map(|&m| changed[m].positions.iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let mut holds = true;
        for (k, &m) in members.iter().enumerate() {
            let next = members[(k + 1) % members.len()];
            let h = at(head, false, &changed[m].name, &rows)?;
            let b = at(base, true, &changed[next].name, &rows)?;
            holds &= !differs(&h, &b)?.any();
        }
        Ok::<_, PolarsError>(holds)
    })?;
    Ok(cycles
        .into_iter()
        .map(|members| members.iter().map(|&m| changed[m].name.clone()).collect())
        .collect())
}

/// The cycles that `source` closes (column `i` took its head values from
/// column `source[i]`'s base values) and that `holds` confirms on every row
/// where a member differs, as lists of column indices. Shared by both
/// engines.
pub(crate) fn closed_cycles<E>(
    source: &[Option<usize>],
    mut holds: impl FnMut(&[usize]) -> Result<bool, E>,
) -> Result<Vec<Vec<usize>>, E> {
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
        if closed && holds(&members)? {
            for &m in &members {
                seen[m] = true;
            }
            cycles.push(members);
        }
    }
    Ok(cycles)
}

/// True when `c` cannot have taken its head values from `d`'s base values:
/// on one of the first rows where both differ, they disagree.
fn refuted(c: &Changed, d: &Changed) -> PolarsResult<bool> {
    const PROBES: usize = 16;
    let (mut i, mut j, mut probed) = (0, 0, 0);
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
                    return Ok(true);
                }
                probed += 1;
                i += 1;
                j += 1;
            }
        }
    }
    Ok(false)
}

/// Removed columns whose values reappear, row for row, in an added column of
/// the same type: renames, reported as such instead of a removal and an
/// addition.
fn find_renames(
    report: &mut TableReport,
    base: Source<'_>,
    head: Source<'_>,
    align: &Alignment,
) -> PolarsResult<()> {
    if align.base_rows.is_empty() {
        return Ok(());
    }
    let mut renamed = Vec::new();
    for removed in &report.schema.removed {
        let mut b: Option<Series> = None;
        for added in report
            .schema
            .added
            .iter()
            .filter(|a| a.dtype == removed.dtype)
        {
            if renamed
                .iter()
                .any(|(_, to): &(String, String)| to == &added.name)
            {
                continue;
            }
            let b = match &mut b {
                Some(b) => b,
                None => b.insert(base.column(&removed.name, align.rows(true))?),
            };
            let h = head.column(&added.name, align.rows(false))?;
            if !differs(b, &h)?.any() {
                renamed.push((removed.name.clone(), added.name.clone()));
                break;
            }
        }
    }
    apply_renames(report, renamed);
    Ok(())
}

/// Reports `renamed` (from, to) pairs as renames instead of a removed and
/// an added column. Shared by both engines.
pub(crate) fn apply_renames(report: &mut TableReport, renamed: Vec<(String, String)>) {
    report
        .schema
        .removed
        .retain(|c| !renamed.iter().any(|(from, _)| from == &c.name));
    report
        .schema
        .added
        .retain(|c| !renamed.iter().any(|(_, to)| to == &c.name));
    report.renamed = renamed;
}

fn compare_multiset(
    report: &mut TableReport,
    base: &DataFrame,
    head: &DataFrame,
    compared: &[String],
) -> PolarsResult<()> {
    let counted = |df: &DataFrame, name: &str| -> PolarsResult<LazyFrame> {
        Ok(df
            .select(compared.iter().map(String::as_str))?
            .lazy()
            .group_by(key_exprs(compared))
            .agg([len().cast(DataType::Int64).alias(name)]))
    };
    let b_count = format!("{COUNT}_base");
    let h_count = format!("{COUNT}_head");
    let joined = counted(base, &b_count)?
        .join(
            counted(head, &h_count)?,
            key_exprs(compared),
            key_exprs(compared),
            JoinArgs {
                nulls_equal: true,
                coalesce: JoinCoalesce::CoalesceColumns,
                ..JoinArgs::new(JoinType::Full)
            },
        )
        .with_columns([
            col(&b_count).fill_null(lit(0i64)),
            col(&h_count).fill_null(lit(0i64)),
        ])
        .with_column((col(&b_count) - col(&h_count)).alias(COUNT))
        .filter(col(COUNT).neq(lit(0i64)))
        .sort(compared.to_vec(), SortMultipleOptions::default())
        .collect()?;
    let diff = joined.column(COUNT)?.i64()?;
    let (mut missing, mut extra) = (0u64, 0u64);
    for (i, d) in diff.into_no_null_iter().enumerate() {
        let sample = |count: u64| -> PolarsResult<RowSample> {
            Ok(RowSample {
                values: row_values(&joined, compared, i)?,
                count,
            })
        };
        if d > 0 {
            missing += d as u64;
            if report.missing_samples.len() < SAMPLES {
                report.missing_samples.push(sample(d as u64)?);
            }
        } else {
            extra += d.unsigned_abs();
            if report.extra_samples.len() < SAMPLES {
                report.extra_samples.push(sample(d.unsigned_abs())?);
            }
        }
    }
    let (nb, nh) = (base.height() as u64, head.height() as u64);
    report.rows = Some(RowCounts {
        base: nb,
        head: nh,
        matched: nb - missing,
        missing,
        extra,
        changed: None,
    });
    Ok(())
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

pub(crate) fn row_values(
    df: &DataFrame,
    names: &[String],
    row: usize,
) -> PolarsResult<Vec<(String, Value)>> {
    names
        .iter()
        .map(|n| Ok((n.clone(), to_json(&df.column(n)?.get(row)?))))
        .collect()
}

/// A cell as JSON: numbers and booleans as such, non-finite floats and every
/// other type as their text.
pub fn to_json(value: &AnyValue<'_>) -> Value {
    let float = |f: f64| {
        serde_json::Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(f.to_string()))
    };
    match value {
        AnyValue::Null => Value::Null,
        AnyValue::Boolean(b) => Value::Bool(*b),
        AnyValue::Int8(v) => (*v).into(),
        AnyValue::Int16(v) => (*v).into(),
        AnyValue::Int32(v) => (*v).into(),
        AnyValue::Int64(v) => (*v).into(),
        AnyValue::UInt8(v) => (*v).into(),
        AnyValue::UInt16(v) => (*v).into(),
        AnyValue::UInt32(v) => (*v).into(),
        AnyValue::UInt64(v) => (*v).into(),
        AnyValue::Float32(v) => float(*v as f64),
        AnyValue::Float64(v) => float(*v),
        AnyValue::String(s) => Value::String(s.to_string()),
        AnyValue::StringOwned(s) => Value::String(s.to_string()),
        AnyValue::List(items) => Value::Array(items.iter().map(|v| to_json(&v)).collect()),
        AnyValue::Array(items, _) => Value::Array(items.iter().map(|v| to_json(&v)).collect()),
        AnyValue::Struct(_, _, fields) => Value::Object(
            fields
                .iter()
                .zip(value._iter_struct_av())
                .map(|(f, v)| (f.name().to_string(), to_json(&v)))
                .collect(),
        ),
        AnyValue::StructOwned(payload) => Value::Object(
            payload
                .1
                .iter()
                .zip(payload.0.iter())
                .map(|(f, v)| (f.name().to_string(), to_json(v)))
                .collect(),
        ),
        // Categoricals and enums as their text, not their quoted Display.
        other => match other.get_str() {
            Some(text) => Value::String(text.to_string()),
            None => Value::String(other.to_string()),
        },
    }
}

/// Where two nested values first differ: `address.zip`, `items[3].price`;
/// `None` for plain values, or when they do not differ.
pub fn difference_path(base: &Value, head: &Value) -> Option<String> {
    fn walk(a: &Value, b: &Value, path: &mut String) -> bool {
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                for (k, va) in x {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    match y.get(k) {
                        None => return true,
                        Some(vb) if walk(va, vb, path) => return true,
                        Some(_) => path.truncate(len),
                    }
                }
                if let Some(k) = y.keys().find(|k| !x.contains_key(*k)) {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    return true;
                }
                false
            }
            (Value::Array(x), Value::Array(y)) => {
                for i in 0..x.len().max(y.len()) {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    match (x.get(i), y.get(i)) {
                        (Some(va), Some(vb)) if !walk(va, vb, path) => path.truncate(len),
                        _ => return true,
                    }
                }
                false
            }
            (a, b) => a != b,
        }
    }
    if !(base.is_object() || base.is_array() || head.is_object() || head.is_array()) {
        return None;
    }
    let mut path = String::new();
    (walk(base, head, &mut path) && !path.is_empty()).then_some(path)
}

/// Counts how often each value appears; used by tests to check samples.
#[cfg(test)]
fn count_by<T: std::hash::Hash + Eq>(
    items: impl IntoIterator<Item = T>,
) -> std::collections::HashMap<T, usize> {
    let mut m = std::collections::HashMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::{CompareMode, Format};
    use crate::model::Verdict;

    fn table(key: &[&str], ignore: &[&str]) -> Table {
        Table {
            key: key.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
            ..Table::new("t", "t.parquet", Format::Parquet, CompareMode::Exact)
        }
    }

    fn rows(r: &TableReport) -> RowCounts {
        r.rows.unwrap()
    }

    #[test]
    fn identical_frames_pass() {
        let df = df!("id" => [1i64, 2, 3], "x" => [Some(1.0), None, Some(f64::NAN)]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &df, &df).unwrap();
        assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
        assert_eq!(rows(&r).matched, 3);
        assert_eq!(r.columns[0].mismatches, 0);
    }

    #[test]
    fn reordered_rows_with_changes_missing_and_extra() {
        let base = df!("id" => [1i64, 2, 3, 4], "x" => ["a", "b", "c", "d"]).unwrap();
        let head = df!("id" => [5i64, 4, 2, 1], "x" => ["e", "d", "B", "a"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!(
            (c.matched, c.missing, c.extra, c.changed),
            (3, 1, 1, Some(1))
        );
        assert_eq!(r.columns[0].mismatches, 1);
        let s = &r.columns[0].samples[0];
        assert_eq!(s.key, [("id".to_string(), Value::from(2))]);
        assert_eq!(
            (s.base.clone(), s.head.clone()),
            (Value::from("b"), Value::from("B"))
        );
        assert_eq!(r.missing_samples[0].values[0].1, Value::from(3));
        assert_eq!(r.extra_samples[0].values[0].1, Value::from(5));
    }

    #[test]
    fn nulls_and_nans_are_equal_to_themselves_only() {
        let base =
            df!("id" => [1i64, 2, 3, 4], "x" => [None, Some(f64::NAN), Some(1.0), None]).unwrap();
        let head =
            df!("id" => [1i64, 2, 3, 4], "x" => [None, Some(f64::NAN), None, Some(f64::NAN)])
                .unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.columns[0].mismatches, 2);
        assert_eq!(r.columns[0].samples[0].head, Value::Null);
        assert_eq!(r.columns[0].samples[1].head, Value::from("NaN"));
    }

    #[test]
    fn tolerances_count_values_just_inside_as_equal() {
        let base = df!("id" => [1i64, 2, 3, 4], "x" => [1.0, 100.0, 1.0, f64::NAN]).unwrap();
        // abs 0.01 + rel 0.001*|head|: row 1 inside (0.005), row 2 inside
        // (0.1 <= 0.01 + 0.1001), row 3 outside (0.02 > 0.01 + 0.00102).
        let head = df!("id" => [1i64, 2, 3, 4], "x" => [1.005, 100.1, 1.02, f64::NAN]).unwrap();
        let mut t = table(&["id"], &[]);
        t.tolerance.insert(
            "x".into(),
            crate::config::Tolerance {
                abs: 0.01,
                rel: 0.001,
                seconds: 0.0,
            },
        );
        let r = compare_exact(&t, &base, &head).unwrap();
        let c = &r.columns[0];
        assert_eq!(c.mismatches, 1);
        assert_eq!(c.samples[0].key[0].1, Value::from(3));
        assert_eq!(c.tolerance.unwrap().abs, 0.01);
        // Without the tolerance all three differ; the largest gaps are kept.
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.columns[0].mismatches, 3);
        assert!((r.columns[0].max_abs_diff.unwrap() - 0.1).abs() < 1e-9);
    }

    #[test]
    fn timestamps_within_seconds_and_strings_trimmed_or_caseless_are_equal() {
        let ts = |v: Vec<i64>| {
            Series::new("ts".into(), v)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap()
        };
        let base = DataFrame::new(
            2,
            vec![
                Column::new("id".into(), [1i64, 2]),
                ts(vec![1_000, 5_000]).into_column(),
                Column::new("s".into(), [" Paris", "LYON"]),
            ],
        )
        .unwrap();
        // +0.9 s (inside 1 s) and +1.1 s (outside); case and spaces differ.
        let head = DataFrame::new(
            2,
            vec![
                Column::new("id".into(), [1i64, 2]),
                ts(vec![1_900, 6_100]).into_column(),
                Column::new("s".into(), ["paris ", "lyon"]),
            ],
        )
        .unwrap();
        let mut t = table(&["id"], &[]);
        t.tolerance.insert(
            "ts".into(),
            crate::config::Tolerance {
                abs: 0.0,
                rel: 0.0,
                seconds: 1.0,
            },
        );
        let r = compare_exact(&t, &base, &head).unwrap();
        let by = |n: &str| r.columns.iter().find(|c| c.name == n).unwrap().mismatches;
        assert_eq!(by("ts"), 1);
        assert_eq!(by("s"), 2, "strings are exact by default");
        t.strings = StringOptions {
            trim: true,
            ignore_case: true,
            keys: false,
        };
        let r = compare_exact(&t, &base, &head).unwrap();
        assert_eq!(
            r.columns.iter().find(|c| c.name == "s").unwrap().mismatches,
            0
        );
        t.strings = StringOptions {
            trim: true,
            ignore_case: false,
            keys: false,
        };
        let r = compare_exact(&t, &base, &head).unwrap();
        assert_eq!(
            r.columns.iter().find(|c| c.name == "s").unwrap().mismatches,
            2
        );
    }

    #[test]
    fn swapped_columns_are_named() {
        let base = df!("id" => [1i64, 2, 3], "country" => ["US", "FR", "DE"], "language" => ["en", "fr", "de"], "z" => ["q", "r", "s"]).unwrap();
        let head = df!("id" => [1i64, 2, 3], "country" => ["en", "fr", "DE"], "language" => ["US", "FR", "de"], "z" => ["q", "X", "s"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(
            r.swapped,
            [vec!["country".to_string(), "language".to_string()]]
        );
        assert_eq!(rows(&r).changed, Some(2));
    }

    #[test]
    fn a_three_cycle_permutation_is_found() {
        let base = df!("id" => [1i64, 2], "a" => ["a1", "a2"], "b" => ["b1", "b2"], "c" => ["c1", "c2"], "d" => ["d1", "d2"]).unwrap();
        // head.a = base.b, head.b = base.c, head.c = base.a; d changes alone.
        let head = df!("id" => [1i64, 2], "a" => ["b1", "b2"], "b" => ["c1", "c2"], "c" => ["a1", "a2"], "d" => ["x", "d2"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(
            r.swapped,
            [vec!["a".to_string(), "b".to_string(), "c".to_string()]]
        );
    }

    #[test]
    fn a_renamed_column_is_reported_as_a_rename() {
        let base =
            df!("id" => [1i64, 2, 3], "country" => ["US", "FR", "DE"], "gone" => [1i64, 2, 3])
                .unwrap();
        let head =
            df!("id" => [3i64, 1, 2], "country_code" => ["DE", "US", "FR"], "new" => [9i64, 9, 9])
                .unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(
            r.renamed,
            [("country".to_string(), "country_code".to_string())]
        );
        assert_eq!(
            r.schema.removed.len(),
            1,
            "`gone` has no twin: still removed"
        );
        assert_eq!(r.schema.added.len(), 1);
        assert_eq!(r.verdict(), Verdict::Regression);
        assert!(
            r.findings()
                .iter()
                .any(|f| f.message == "column `country` renamed to `country_code`")
        );
    }

    #[test]
    fn two_changed_columns_that_did_not_swap_are_not_swapped() {
        let base = df!("id" => [1i64, 2], "a" => ["x", "y"], "b" => ["p", "q"]).unwrap();
        let head = df!("id" => [1i64, 2], "a" => ["p", "zz"], "b" => ["x", "q"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert!(r.swapped.is_empty());
    }

    #[test]
    fn duplicate_keys_pair_by_occurrence_and_flag_new_ones() {
        let base = df!("id" => [1i64, 1, 2, 3], "x" => [10i64, 11, 20, 30]).unwrap();
        let head = df!("id" => [1i64, 1, 2, 2, 2, 3], "x" => [10i64, 11, 20, 20, 20, 30]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!(
            (c.matched, c.missing, c.extra, c.changed),
            (4, 0, 2, Some(0))
        );
        let d = r.duplicates.as_ref().unwrap();
        assert_eq!((d.base.keys, d.base.rows), (1, 2));
        assert_eq!((d.head.keys, d.head.rows), (2, 5));
        assert_eq!(d.new_in_head, 1);
        assert_eq!(d.head.samples[1].count, 3);
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn multi_column_keys_and_ignored_columns() {
        let base = df!("m" => [1i64, 1, 2], "v" => ["a", "b", "a"], "x" => [1i64, 2, 3], "ts" => [1i64, 2, 3]).unwrap();
        let head = df!("m" => [2i64, 1, 1], "v" => ["a", "b", "a"], "x" => [3i64, 2, 1], "ts" => [9i64, 9, 9]).unwrap();
        let r = compare_exact(&table(&["m", "v"], &["ts"]), &base, &head).unwrap();
        assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
        assert_eq!(r.columns.len(), 1);
    }

    #[test]
    fn schema_changes_are_reported() {
        let base = df!("id" => [1i64], "a" => [1.5f64], "gone" => ["x"]).unwrap();
        let head = df!("id" => [1i64], "a" => [1i64], "new" => [true]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.schema.removed[0].name, "gone");
        assert_eq!(r.schema.added[0].name, "new");
        // Float to integer can lose values: a type change, not compared.
        assert_eq!(
            r.schema.changed[0],
            TypeChange {
                column: "a".into(),
                base: "f64".into(),
                head: "i64".into(),
                compared_as: None,
            }
        );
        assert!(r.columns.is_empty());
        let v = r.validation().unwrap();
        // One row; `gone` and `a` not compared.
        assert_eq!((v.cells_total, v.cells_not_compared), (2, 2));
    }

    #[test]
    fn retyped_key_i64_against_f64_pairs_rows_by_value() {
        // pandas writes an integer key holding a NaN elsewhere as float.
        let base = df!("id" => [1400i64, 1401, 1402], "x" => ["a", "b", "c"]).unwrap();
        let head = df!("id" => [1402.0f64, 1400.0, 1401.0], "x" => ["c", "a", "B"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!(
            (c.matched, c.missing, c.extra, c.changed),
            (3, 0, 0, Some(1))
        );
        assert!(r.key_notes.is_empty(), "{:?}", r.key_notes);
        // Samples name the key as a number, as base wrote it.
        assert_eq!(
            r.columns[0].samples[0].key,
            [("id".into(), Value::from(1401))]
        );
        // A key with fractions pairs as floats when every integer is exact.
        let head = df!("id" => [1400.5f64, 1400.0], "x" => ["a", "a"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!((c.matched, c.missing, c.extra), (1, 2, 1));
        assert_eq!(
            r.extra_samples[0].values,
            [("id".into(), Value::from(1400.5))]
        );
    }

    #[test]
    fn retyped_key_datetime_ns_against_us_pairs_rows() {
        let ts = [1_700_000_000_000_000i64, 1_700_000_000_000_001];
        let us = Series::new("t".into(), ts)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap();
        let ns = Series::new("t".into(), ts.map(|t| t * 1000))
            .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
            .unwrap();
        let base =
            DataFrame::new_infer_height(vec![ns.into(), Series::new("x".into(), [1i64, 2]).into()])
                .unwrap();
        let head =
            DataFrame::new_infer_height(vec![us.into(), Series::new("x".into(), [1i64, 3]).into()])
                .unwrap();
        let r = compare_exact(&table(&["t"], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!(
            (c.matched, c.missing, c.extra, c.changed),
            (2, 0, 0, Some(1))
        );
    }

    #[test]
    fn key_without_a_common_type_pairs_on_text_and_says_so() {
        let base = df!("id" => [1i64, 2], "x" => ["a", "b"]).unwrap();
        let head = df!("id" => ["2", "1"], "x" => ["b", "a"]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(rows(&r).matched, 2);
        assert_eq!(r.schema.changed.len(), 1);
        assert!(
            r.key_notes[0].contains("rows paired on the key's text"),
            "{:?}",
            r.key_notes
        );
        assert!(r.findings().iter().any(|f| f.message == r.key_notes[0]));
    }

    #[test]
    fn widened_int32_to_int64_column_is_compared_by_value() {
        let base =
            df!("id" => [1i64, 2, 3], "n" => [10i32, 20, 30], "f" => [0.5f32, 1.5, 2.5]).unwrap();
        let head =
            df!("id" => [1i64, 2, 3], "n" => [10i64, 21, 30], "f" => [0.5f64, 1.5, 2.5]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        let widened: Vec<_> = r
            .schema
            .changed
            .iter()
            .map(|c| c.compared_as.as_deref())
            .collect();
        assert_eq!(widened, [Some("i64"), Some("f64")]);
        assert_eq!(r.columns.len(), 2);
        assert_eq!(
            (r.columns[0].name.as_str(), r.columns[0].mismatches),
            ("n", 1)
        );
        assert_eq!(r.columns[0].samples[0].base, Value::from(20));
        assert_eq!(r.columns[0].samples[0].head, Value::from(21));
        assert_eq!(r.columns[1].mismatches, 0);
        let v = r.validation().unwrap();
        assert_eq!(
            (v.cells_matched, v.cells_total, v.cells_not_compared),
            (5, 6, 0)
        );
        let messages: Vec<String> = r.findings().into_iter().map(|f| f.message).collect();
        assert!(
            messages.contains(
                &"column `n` changed type: i32 -> i64 (nothing lost: values compared as i64)"
                    .into()
            ),
            "{messages:?}"
        );
    }

    #[test]
    fn int_against_float_is_exact_beyond_2_pow_53() {
        let big = (1i64 << 53) + 1;
        let base = df!("id" => [1i64, 2], "n" => [big, 7]).unwrap();
        // As f64, 2^53 + 1 rounds to 2^53: equal in f64, not in value.
        let head = df!("id" => [1i64, 2], "n" => [(1i64 << 53) as f64, 7.0]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.columns[0].mismatches, 1);
        let head = df!("id" => [1i64, 2], "n" => [1.0f64, 7.0]).unwrap();
        let base = df!("id" => [1i64, 2], "n" => [1i64, 7]).unwrap();
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.columns[0].mismatches, 0);
    }

    #[test]
    fn integer_tolerance_is_exact_near_2_pow_62() {
        let x = 1i64 << 62;
        let base = df!("id" => [1i64, 2], "n" => [x, x]).unwrap();
        let head = df!("id" => [1i64, 2], "n" => [x + 200, x + 1]).unwrap();
        let mut t = table(&["id"], &[]);
        t.tolerance.insert(
            "n".into(),
            Tolerance {
                abs: 1.0,
                rel: 0.0,
                seconds: 0.0,
            },
        );
        let r = compare_exact(&t, &base, &head).unwrap();
        // 200 apart fails abs = 1; 1 apart passes.
        assert_eq!(r.columns[0].mismatches, 1);
        assert_eq!(r.columns[0].max_abs_diff, Some(200.0));
    }

    #[test]
    fn empty_csv_column_takes_the_other_sides_type() {
        let base = df!("id" => [1i64, 2, 3], "n" => [Some(1i64), Some(2), None]).unwrap();
        let head = df!("id" => [1i64, 2, 3], "n" => [None::<&str>, None, None]).unwrap();
        let mut t = table(&["id"], &[]);
        t.format = Format::Csv;
        let r = compare_exact(&t, &base, &head).unwrap();
        assert!(r.schema.changed.is_empty(), "{:?}", r.schema.changed);
        assert_eq!(r.columns[0].mismatches, 2);
        assert_eq!(r.columns[0].all_null, Some(Side::Head));
        let messages: Vec<String> = r.findings().into_iter().map(|f| f.message).collect();
        assert!(
            messages.contains(
                &"column `n`: 2 values became null (head has no value in this column)".into()
            ),
            "{messages:?}"
        );
        // A header-only file: every row missing, no type change.
        let empty = df!("id" => Vec::<&str>::new(), "n" => Vec::<&str>::new()).unwrap();
        let r = compare_exact(&t, &base, &empty).unwrap();
        assert!(r.schema.changed.is_empty(), "{:?}", r.schema.changed);
        assert_eq!(rows(&r).missing, 3);
        // Parquet declares its types: an empty string column stays a change.
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.schema.changed.len(), 1);
    }

    #[test]
    fn categorical_values_print_as_values() {
        let cut = Series::new("cut".into(), ["SI2", "VS1"])
            .cast(&DataType::from_categories(Categories::global()))
            .unwrap();
        let df = DataFrame::new_infer_height(vec![cut.into()]).unwrap();
        let v = to_json(&df.column("cut").unwrap().get(0).unwrap());
        assert_eq!(v, Value::from("SI2"));
    }

    #[test]
    fn missing_key_column() {
        let base = df!("id" => [1i64]).unwrap();
        let head = df!("other" => [1i64]).unwrap();
        assert!(matches!(
            compare_exact(&table(&["nope"], &[]), &base, &head),
            Err(DiffError::KeyNotInBase { .. })
        ));
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert_eq!(r.verdict(), Verdict::Regression);
        assert!(r.head_missing.as_ref().unwrap().contains("`id`"));
    }

    #[test]
    fn keyless_tables_compare_as_multisets() {
        let base = df!("a" => [1i64, 1, 2, 3], "b" => ["x", "x", "y", "z"]).unwrap();
        let head = df!("a" => [3i64, 1, 2, 2, 4], "b" => ["z", "x", "y", "y", "w"]).unwrap();
        let r = compare_exact(&table(&[], &[]), &base, &head).unwrap();
        let c = rows(&r);
        assert_eq!((c.matched, c.missing, c.extra, c.changed), (3, 1, 2, None));
        assert_eq!(r.missing_samples[0].values[0].1, Value::from(1));
        let extra: HashMap<i64, usize> = count_by(
            r.extra_samples
                .iter()
                .map(|s| s.values[0].1.as_i64().unwrap()),
        );
        assert_eq!(extra, HashMap::from([(2, 1), (4, 1)]));
    }

    /// A base/head pair with every kind of difference: missing and extra
    /// rows, changed values (nulls included), duplicated keys, a swap, a
    /// rename and nested lists. Head's rows are reversed when `reverse`.
    fn eventful_pair(n: i64, reverse: bool) -> (DataFrame, DataFrame) {
        let side = |head: bool| {
            let mut ids: Vec<i64> = (0..n).filter(|i| !(head && i % 97 == 0)).collect();
            ids.push(5); // duplicated in both
            if head {
                ids.extend([8, n + 1, n + 2]); // a new duplicate, two extra rows
            }
            if head && reverse {
                ids.reverse();
            }
            let x: Vec<Option<f64>> = ids
                .iter()
                .map(|&i| match (i % 11, head && i % 13 == 0) {
                    (0, true) => Some(1.5),
                    (0, false) => None,
                    (_, true) => Some(i as f64 * 0.5 + 1.0),
                    _ => Some(i as f64 * 0.5),
                })
                .collect();
            let (a, b): (Vec<String>, Vec<String>) = ids
                .iter()
                .map(|i| (format!("a{}", i % 5), format!("b{}", i % 3)))
                .map(|(a, b)| if head { (b, a) } else { (a, b) })
                .unzip();
            let lists: Vec<Series> = ids
                .iter()
                .map(|&i| {
                    let v = if head && i % 17 == 0 { i + 1 } else { i };
                    Series::new(PlSmallStr::EMPTY, [i, v])
                })
                .collect();
            let mut df = df!(
                "id" => &ids,
                "grp" => ids.iter().map(|i| i % 7).collect::<Vec<_>>(),
                "sub" => ids.iter().map(|i| format!("s{}", i / 7)).collect::<Vec<_>>(),
                "name" => ids.iter().map(|i| format!("n{i}")).collect::<Vec<_>>(),
                "x" => x,
                "a" => a,
                "b" => b,
                "l" => lists,
            )
            .unwrap();
            let moved = df.column("id").unwrap().clone();
            let renamed = if head { "new" } else { "old" };
            df.with_column(moved.with_name(renamed.into())).unwrap();
            df
        };
        (side(false), side(true))
    }

    fn write_parquet(df: &DataFrame, path: &std::path::Path) {
        let mut df = df.clone();
        ParquetWriter::new(std::fs::File::create(path).unwrap())
            .with_row_group_size(Some(300))
            .finish(&mut df)
            .unwrap();
    }

    #[test]
    fn comparing_from_disk_a_column_at_a_time_equals_comparing_loaded_frames() {
        for reverse in [false, true] {
            let (base, head) = eventful_pair(2_000, reverse);
            let dir = tempfile::tempdir().unwrap();
            // Base in two part files, head in one.
            std::fs::create_dir(dir.path().join("base")).unwrap();
            write_parquet(&base.slice(0, 900), &dir.path().join("base/part-0.parquet"));
            write_parquet(
                &base.slice(900, usize::MAX),
                &dir.path().join("base/part-1.parquet"),
            );
            write_parquet(&head, &dir.path().join("head.parquet"));
            let on_disk = |pattern: &str| {
                OnDisk::open(dir.path(), pattern, Format::Parquet)
                    .unwrap()
                    .unwrap()
            };
            let (b, h) = (on_disk("base/part-*.parquet"), on_disk("head.parquet"));
            for key in [&["id"][..], &["grp", "sub"], &["name"]] {
                let mut t = table(key, &[]);
                t.ignore = ["id", "grp", "sub", "name"]
                    .iter()
                    .filter(|c| !key.contains(c))
                    .map(|c| c.to_string())
                    .collect();
                let loaded = compare_exact(&t, &base, &head).unwrap();
                let from_disk = compare_sources(&t, Source::Disk(&b), Source::Disk(&h), 1).unwrap();
                assert_eq!(loaded, from_disk, "key {key:?}, head reversed: {reverse}");
                // The pair exercises what it claims to.
                let r = rows(&from_disk);
                // 21 ids dropped; two new ids and the second occurrence of 8.
                assert_eq!((r.missing, r.extra), (21, 3), "key {key:?}");
                let dups = from_disk.duplicates.as_ref().unwrap();
                assert_eq!(
                    (dups.base.keys, dups.head.keys, dups.new_in_head),
                    (1, 2, 1)
                );
                assert_eq!(from_disk.swapped, [vec!["a".to_string(), "b".to_string()]]);
                assert_eq!(from_disk.renamed, [("old".to_string(), "new".to_string())]);
                let by = |n: &str| from_disk.columns.iter().find(|c| c.name == n).unwrap();
                assert!(by("x").mismatches > 100, "{:?}", by("x"));
                assert_eq!(by("l").samples[0].path.as_deref(), Some("l[1]"));
            }
        }
    }
}
