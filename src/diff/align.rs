//! Pairing the rows of both sides by key: a sort-merge of (key, row)
//! pairs that pairs the n-th occurrence of a key with the n-th and counts
//! duplicated keys in the same walk.

use polars::prelude::*;
use rayon::prelude::*;

use super::SAMPLES;
use super::source::Rows;
use super::values::row_values;
use crate::model::{DuplicateSide, Duplicates, RowSample};

/// Row alignment: pairs of (base row, head row) for matched rows, and the
/// rows found on one side only.
pub(super) struct Alignment {
    pub(super) base_rows: IdxCa,
    pub(super) head_rows: IdxCa,
    pub(super) missing: Vec<IdxSize>,
    pub(super) extra: Vec<IdxSize>,
    /// True when the sides hold the same keys in the same order.
    pub(super) identity: bool,
    /// True when the pairs' head rows ascend (as base's always do).
    pub(super) head_ascends: bool,
    /// When the pairs' rows ascend on a side (always in base, and in head
    /// when both sides are in the same key order), the mask of that side's
    /// matched rows: filtering is far cheaper than gathering. Built only
    /// when asked for (`masks`).
    pub(super) base_matched: Option<BooleanChunked>,
    pub(super) head_matched: Option<BooleanChunked>,
}

impl Alignment {
    /// The base (or head) rows of the matched pairs, in pair order.
    pub(super) fn rows(&self, base: bool) -> Rows<'_> {
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
    pub(super) fn rows_at(&self, base: bool, positions: &[IdxSize]) -> PolarsResult<IdxCa> {
        let at = IdxCa::from_vec(PlSmallStr::EMPTY, positions.to_vec());
        match (self.identity, base) {
            (true, _) => Ok(at),
            (false, true) => Ok(self.base_rows.take(&at)?),
            (false, false) => Ok(self.head_rows.take(&at)?),
        }
    }
}

/// One side's keys, made comparable across the two sides: a single
/// integer-like column as i64 (the common case, sorted fast), anything else
/// as polars' order-preserving row encoding.
enum SortKeys {
    Int(Int64Chunked),
    Rows(BinaryOffsetChunked),
}

impl SortKeys {
    pub(super) fn new(keys: &DataFrame) -> PolarsResult<SortKeys> {
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

/// A key type and how its (key, row) pairs are sorted: by key, rows
/// ascending within a key (so that n-th occurrences pair).
trait SortKey: Ord + Copy + Send + Sync {
    fn sort(pairs: &mut [(Self, IdxSize)]) {
        pairs.par_sort_unstable();
    }
}

impl SortKey for i64 {
    /// A stable radix sort (rows are pushed ascending, so they stay so
    /// within a key) that skips the bytes all keys share: on two shuffled
    /// sides of 10M keys sorted at once, 0.48-0.52 s against 0.63-0.74 s for
    /// rayon's parallel comparison sort (`examples/bench_key_sort`).
    fn sort(pairs: &mut [(i64, IdxSize)]) {
        radsort::sort_by_key(pairs, |p| p.0);
    }
}

impl SortKey for Option<i64> {}
impl SortKey for &[u8] {}

impl SortedKeys<i64> {
    /// Integer keys without nulls, read from their chunks' slices: polars'
    /// value iterator checks its chunk at every value, which cost more
    /// than the sort (0.9 s of CPU for two sides of 10M keys).
    fn of_ints(ca: &Int64Chunked) -> SortedKeys<i64> {
        let chunks: Vec<&[i64]> = ca.downcast_iter().map(|a| a.values().as_slice()).collect();
        let mut last = i64::MIN;
        let in_order = chunks.iter().all(|c| {
            let sorted = c.first().is_none_or(|&f| f >= last) && c.is_sorted();
            last = c.last().copied().unwrap_or(last);
            sorted
        });
        if in_order {
            return SortedKeys::InOrder(chunks.concat());
        }
        let mut v: Vec<(i64, IdxSize)> = Vec::with_capacity(ca.len());
        for c in chunks {
            let start = v.len() as IdxSize;
            v.extend(c.iter().zip(start..).map(|(&k, row)| (k, row)));
        }
        i64::sort(&mut v);
        SortedKeys::Sorted(v)
    }
}

impl<K: SortKey> SortedKeys<K> {
    pub(super) fn new<I: Iterator<Item = K>>(keys: &impl Fn() -> I) -> SortedKeys<K> {
        // Outputs are often written in key order: then the keys alone
        // (8 bytes a row for integers) are the sorted sequence.
        if keys().is_sorted() {
            return SortedKeys::InOrder(keys().collect());
        }
        let mut v: Vec<(K, IdxSize)> = keys().enumerate().map(|(i, k)| (k, i as IdxSize)).collect();
        K::sort(&mut v);
        SortedKeys::Sorted(v)
    }

    pub(super) fn len(&self) -> usize {
        match self {
            SortedKeys::InOrder(v) => v.len(),
            SortedKeys::Sorted(v) => v.len(),
        }
    }

    pub(super) fn key(&self, i: usize) -> K {
        match self {
            SortedKeys::InOrder(v) => v[i],
            SortedKeys::Sorted(v) => v[i].0,
        }
    }

    pub(super) fn row(&self, i: usize) -> IdxSize {
        match self {
            SortedKeys::InOrder(_) => i as IdxSize,
            SortedKeys::Sorted(v) => v[i].1,
        }
    }
}

/// Sorts each side's (key, row) pairs and walks them together: equal keys
/// pair their n-th occurrences in row order, never a many-to-many product.
fn merge_keys<K: SortKey, I: Iterator<Item = K>>(
    base: impl Fn() -> I + Sync,
    head: impl Fn() -> I + Sync,
) -> Merged {
    merge_sorted(rayon::join(
        || SortedKeys::new(&base),
        || SortedKeys::new(&head),
    ))
}

/// Walks both sides' sorted keys together.
fn merge_sorted<K: SortKey>((b, h): (SortedKeys<K>, SortedKeys<K>)) -> Merged {
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
/// written, for samples. `masks`: build the matched rows' masks, with
/// which columns are filtered rather than gathered.
pub(super) fn align(
    (base_paired, head_paired): (&DataFrame, &DataFrame),
    (base_keys, head_keys): (&DataFrame, &DataFrame),
    key: &[String],
    masks: bool,
) -> PolarsResult<(Alignment, Option<Duplicates>)> {
    let merged = match (SortKeys::new(base_paired)?, SortKeys::new(head_paired)?) {
        // Without nulls, (i64, row) pairs take 16 bytes instead of 24.
        (SortKeys::Int(b), SortKeys::Int(h)) if b.null_count() + h.null_count() == 0 => {
            merge_sorted(rayon::join(
                || SortedKeys::of_ints(&b),
                || SortedKeys::of_ints(&h),
            ))
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
    let n = merged.head_of_base.len();
    let mut missing = Vec::new();
    let (mut base_rows, mut head_rows) = (Vec::with_capacity(n), Vec::with_capacity(n));
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
    drop(merged.head_of_base);
    let head_ascends = head_rows.is_sorted();
    let mask_of = |rows: &[IdxSize], n: usize| {
        let mut mask = vec![false; n];
        for &r in rows {
            mask[r as usize] = true;
        }
        BooleanChunked::from_slice(PlSmallStr::EMPTY, &mask)
    };
    let (base_matched, head_matched) = if masks {
        (
            Some(mask_of(&base_rows, base_keys.height())),
            head_ascends.then(|| mask_of(&head_rows, head_keys.height())),
        )
    } else {
        (None, None)
    };
    let alignment = Alignment {
        base_rows: IdxCa::from_vec(PlSmallStr::EMPTY, base_rows),
        head_rows: IdxCa::from_vec(PlSmallStr::EMPTY, head_rows),
        missing,
        extra: merged.extra,
        identity,
        head_ascends,
        base_matched,
        head_matched,
    };
    Ok((alignment, duplicates))
}
