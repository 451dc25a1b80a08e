//! Pairing the rows of both sides by key: a sort-merge of (key, row)
//! pairs that pairs the n-th occurrence of a key with the n-th and counts
//! duplicated keys in the same walk.

use polars::prelude::*;
use rayon::prelude::*;

use super::SAMPLES;
use super::reorder::Reorder;
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
    /// How head's values reach pair order, planned once for every column
    /// when head's rows lie in no order and the pairs are many.
    pub(super) head_order: std::sync::OnceLock<Option<Reorder>>,
    /// The runs of pairs on consecutive rows of both sides, found once for
    /// every column when both sides are in key order (`Alignment::runs`).
    pub(super) runs: std::sync::OnceLock<Option<Vec<Run>>>,
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

    /// Each pair's row in base and in head, in pair order; `None` for a
    /// side whose rows are the pairs' positions (both sides hold the same
    /// keys in the same order).
    pub(super) fn row_slices(&self) -> (Option<&[IdxSize]>, Option<&[IdxSize]>) {
        if self.identity {
            return (None, None);
        }
        // Built by `IdxCa::from_vec`: one chunk, no nulls.
        fn slice(rows: &IdxCa) -> Option<&[IdxSize]> {
            Some(
                rows.cont_slice()
                    .expect("an alignment's rows are one chunk without nulls"),
            )
        }
        (slice(&self.base_rows), slice(&self.head_rows))
    }

    /// How head's values are put in pair order by two passes that stay in
    /// cache (`reorder.rs`), for a head of `head_len` rows: `None` when
    /// head's rows ascend with the pairs or the pairs are fewer than 2^20
    /// (then read at each pair's row, mostly from cache). In this crate's
    /// own tests, from 64 pairs: so that their shuffled tables, small ones,
    /// take this path too.
    pub(super) fn head_order(&self, head_len: usize) -> Option<&Reorder> {
        const FROM_PAIRS: usize = if cfg!(test) { 1 << 6 } else { 1 << 20 };
        self.head_order
            .get_or_init(|| match self.row_slices() {
                (_, Some(head_rows)) if !self.head_ascends && head_rows.len() >= FROM_PAIRS => {
                    Some(Reorder::of(
                        head_rows,
                        head_len,
                        (super::reorder::ROWS_LOG, super::reorder::PAIRS_LOG),
                    ))
                }
                _ => None,
            })
            .as_ref()
    }

    /// The runs of pairs on consecutive rows of both sides
    /// ([`consecutive_runs`]), found on the first call; `None` unless
    /// both sides are in key order, are not simply the same rows, and
    /// their runs are long enough to be worth reading run by run.
    pub(super) fn runs(&self) -> Option<&[Run]> {
        match self.row_slices() {
            (Some(b), Some(h)) if self.head_ascends => {
                self.runs.get_or_init(|| consecutive_runs(b, h)).as_deref()
            }
            _ => None,
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

/// A run of pairs on consecutive rows of both sides: its first pair's
/// base row and head row, and how many pairs.
pub(super) type Run = (usize, usize, usize);

/// Pairs a run holds at least on average for a key-ordered pair to be
/// read run by run: each run costs a slice of both sides' arrays and a
/// mask of its own.
const MIN_RUN: usize = 64;

/// The runs of pairs on consecutive rows of both sides, in pair order:
/// pair `i` is row `base_rows[i]` of base and `head_rows[i]` of head; a
/// run ends where a row lies on one side only. For sides in key order,
/// whose pairs are read run by run where they lie
/// (`numbers::ascending_numbers_differ`, `text::ascending_text_differs`).
/// `None` when the runs hold fewer than [`MIN_RUN`] pairs on average
/// (rows on one side only all over: the pairs are filtered or read pair
/// by pair, as for sides in another order).
pub(super) fn consecutive_runs(base_rows: &[IdxSize], head_rows: &[IdxSize]) -> Option<Vec<Run>> {
    let pairs = base_rows.len().min(head_rows.len());
    let most = pairs / MIN_RUN + 1;
    let mut runs = Vec::new();
    let mut i = 0;
    while i < pairs {
        if runs.len() == most {
            return None;
        }
        let (b0, h0) = (base_rows[i] as usize, head_rows[i] as usize);
        let mut j = i + 1;
        while j < pairs
            && base_rows[j] as usize == b0 + (j - i)
            && head_rows[j] as usize == h0 + (j - i)
        {
            j += 1;
        }
        runs.push((b0, h0, j - i));
        i = j;
    }
    Some(runs)
}

/// Calls `f(base_chunk, base_place, head_chunk, head_place, len)` for
/// each piece of `runs` that lies in one chunk on either side, in pair
/// order: each run split where either side's chunk ends. `base_at` and
/// `head_at` give a row's chunk, its place in it and the rows left in the
/// chunk from there.
pub(super) fn for_each_piece(
    runs: &[Run],
    base_at: impl Fn(usize) -> (usize, usize, usize),
    head_at: impl Fn(usize) -> (usize, usize, usize),
    mut f: impl FnMut(usize, usize, usize, usize, usize),
) {
    for &(b0, h0, run) in runs {
        let mut done = 0;
        while done < run {
            let (bc, bl, b_left) = base_at(b0 + done);
            let (hc, hl, h_left) = head_at(h0 + done);
            let n = (run - done).min(b_left).min(h_left);
            f(bc, bl, hc, hl, n);
            done += n;
        }
    }
}

/// For tests of run-by-run reads: pairs of two sides of `base` and `head`
/// rows in key order, some rows on one side only (single, and several in
/// a row, on either side), so that runs of one pair and of many occur.
#[cfg(test)]
pub(super) fn key_ordered_pairs(base: usize, head: usize) -> (Vec<IdxSize>, Vec<IdxSize>) {
    let (mut base_rows, mut head_rows) = (Vec::new(), Vec::new());
    let (mut x, mut y) = (0usize, 0usize);
    while x < base && y < head {
        // (A row on one side only about every 130 pairs: runs long
        // enough to be read run by run, see MIN_RUN.)
        match (x * 7 + y * 3) % 401 {
            0 => x += 1,
            1 | 2 => y += 1 + x % 3,
            _ => {
                base_rows.push(x as IdxSize);
                head_rows.push(y as IdxSize);
                x += 1;
                y += 1;
            }
        }
    }
    (base_rows, head_rows)
}

/// One side's keys, made comparable across the two sides: a single
/// integer-like column as i64 (the common case, sorted fast), anything else
/// as polars' order-preserving row encoding.
enum SortKeys {
    Int(Int64Chunked),
    Rows(BinaryOffsetChunked),
}

/// A key column whose values an i64 holds in their order: integers (but
/// u64 and 128-bit ones, whose values past i64's range would be cast to
/// null and pair as one duplicated key), dates and times (their physical
/// numbers), booleans.
fn int_like(dtype: &DataType) -> bool {
    let wide = matches!(
        dtype,
        DataType::UInt64 | DataType::Int128 | DataType::UInt128
    );
    (dtype.is_integer() && !wide) || dtype.is_temporal() || dtype == &DataType::Boolean
}

/// An integer-like column as i64.
fn as_i64(c: &Column) -> PolarsResult<Int64Chunked> {
    let physical = c
        .as_materialized_series()
        .to_physical_repr()
        .cast(&DataType::Int64)?;
    Ok(physical.i64()?.clone())
}

impl SortKeys {
    pub(super) fn new(keys: &DataFrame) -> PolarsResult<SortKeys> {
        let columns = keys.columns();
        if let [c] = columns
            && int_like(c.dtype())
        {
            return Ok(SortKeys::Int(as_i64(c)?));
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
#[derive(Default)]
struct Merged {
    /// For each base row, its head row (`NONE` when missing in head).
    head_of_base: Vec<IdxSize>,
    /// Head rows whose key (occurrence) base lacks, ascending.
    extra: Vec<IdxSize>,
    /// Runs of a duplicated key, in key order: (first row, rows).
    base_dups: Vec<(IdxSize, u64)>,
    head_dups: Vec<(IdxSize, u64)>,
    /// Keys duplicated in head that were not duplicated in base: each
    /// one's first row in head and its count there.
    new_in_head: Vec<(IdxSize, u64)>,
}

const NONE: IdxSize = IdxSize::MAX;

/// One side's keys in sorted order, with the row each came from.
enum SortedKeys<K> {
    /// The keys were in order already: row i holds the i-th key.
    InOrder(Vec<K>),
    Sorted(Vec<(K, IdxSize)>),
}

/// Integer keys without nulls in sorted order: as (key, row) pairs, or,
/// when their range leaves room for the row in one word, packed as
/// `(key - min) << row_bits | row` and sorted as words.
enum IntKeys {
    Keys(SortedKeys<i64>),
    Packed {
        words: Vec<u64>,
        min: i64,
        row_bits: u32,
    },
}

/// A side's keys in sorted order, each with its row, as the merge reads
/// them.
trait Sorted {
    type Key: Ord + Copy;
    fn len(&self) -> usize;
    fn key(&self, i: usize) -> Self::Key;
    fn row(&self, i: usize) -> IdxSize;
    /// Asks for what `key` will read a little after `i` (a hint: keys that
    /// lie elsewhere in memory than their order).
    #[inline]
    fn ahead(&self, _i: usize) {}
}

impl Sorted for IntKeys {
    type Key = i64;

    fn len(&self) -> usize {
        match self {
            IntKeys::Keys(k) => k.len(),
            IntKeys::Packed { words, .. } => words.len(),
        }
    }

    #[inline]
    fn key(&self, i: usize) -> i64 {
        match self {
            IntKeys::Keys(k) => k.key(i),
            IntKeys::Packed {
                words,
                min,
                row_bits,
            } => min.wrapping_add((words[i] >> row_bits) as i64),
        }
    }

    #[inline]
    fn row(&self, i: usize) -> IdxSize {
        match self {
            IntKeys::Keys(k) => k.row(i),
            IntKeys::Packed {
                words, row_bits, ..
            } => (words[i] & ((1 << row_bits) - 1)) as IdxSize,
        }
    }
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
/// Byte strings sorted by comparison: the reference the tests pair text
/// keys against.
#[cfg(test)]
impl SortKey for &[u8] {}

impl SortedKeys<i64> {
    /// Integer keys without nulls, read from their chunks' slices: polars'
    /// value iterator checks its chunk at every value, which cost more
    /// than the sort (0.9 s of CPU for two sides of 10M keys).
    /// `range`, when the caller has it, is their smallest and largest.
    fn of_ints(ca: &Int64Chunked, range: Option<(i64, i64)>) -> IntKeys {
        let chunks = int_slices(ca);
        let mut last = i64::MIN;
        let in_order = chunks.iter().all(|c| {
            let sorted = c.first().is_none_or(|&f| f >= last) && c.is_sorted();
            last = c.last().copied().unwrap_or(last);
            sorted
        });
        if in_order {
            return IntKeys::Keys(SortedKeys::InOrder(chunks.concat()));
        }
        let range = range.unwrap_or_else(|| key_range(&chunks));
        if let Some(packed) = IntKeys::packed(&chunks, ca.len(), range) {
            return packed;
        }
        let mut v: Vec<(i64, IdxSize)> = Vec::with_capacity(ca.len());
        for c in chunks {
            let start = v.len() as IdxSize;
            v.extend(c.iter().zip(start..).map(|(&k, row)| (k, row)));
        }
        i64::sort(&mut v);
        IntKeys::Keys(SortedKeys::Sorted(v))
    }
}

impl IntKeys {
    /// The keys packed with their rows into words and sorted, when their
    /// range leaves room for the row: half the bytes of (key, row) pairs
    /// to move, and one partitioning pass leaves runs that sort in cache
    /// (on two shuffled sides of 10M keys, 0.24-0.27 s against 0.35-0.36 s,
    /// `examples/bench_key_sort`).
    fn packed(chunks: &[&[i64]], len: usize, (min, max): (i64, i64)) -> Option<IntKeys> {
        let row_bits = (u64::BITS - (len as u64).leading_zeros()).max(1);
        let range = (i128::from(max) - i128::from(min)).max(0) as u128;
        if len == 0 || range >> (u64::BITS - row_bits) != 0 {
            return None;
        }
        let words = || {
            chunks
                .iter()
                .flat_map(|c| c.iter())
                .zip(0u64..)
                // The difference fits in a word: `range` above says so.
                .map(move |(&k, row)| (k.wrapping_sub(min) as u64) << row_bits | row)
        };
        let top = (range as u64) << row_bits | (len as u64 - 1);
        Some(IntKeys::Packed {
            words: sorted_words(words, top, row_bits),
            min,
            row_bits,
        })
    }
}

/// Sorts words whose low `row_bits` bits are each word's row, ascending in
/// the order given, as [`sorted_words`] does. Public for
/// `examples/bench_key_sort`.
pub fn sort_words(words: &mut Vec<u64>, row_bits: u32) {
    let top = words.iter().copied().max().unwrap_or(0);
    let given = std::mem::take(words);
    *words = sorted_words(|| given.iter().copied(), top, row_bits);
}

/// The words `words()` yields (twice: counted, then placed; none above
/// `top`; the low `row_bits` bits of each its row, ascending in the order
/// given), sorted: one pass partitions them by their top 12 significant
/// bits, then radsort sorts each part, small enough to stay in cache, by
/// its key bits alone. Both steps are stable, so rows stay ascending within
/// a key and the words end in full order; the rows' bits, which vary in
/// every part, are not sorted on (on two shuffled sides of 10M keys, two
/// byte passes a part instead of five). Keys are packed into words as they
/// are read, so that no column of words is made only to be partitioned
/// (80 MB of fresh pages and two passes a side on 10M keys). Written here
/// because radsort only sorts from the lowest byte up (each of its passes
/// moves the whole array through memory), and rdst's
/// most-significant-first sorts were no faster on these keys.
fn sorted_words<I: Iterator<Item = u64>>(
    words: impl Fn() -> I,
    top: u64,
    row_bits: u32,
) -> Vec<u64> {
    let bits = u64::BITS - top.leading_zeros();
    let part_bits = bits.min(12);
    let shift = bits - part_bits;
    let mut starts = vec![0usize; (1 << part_bits) + 1];
    for w in words() {
        starts[(w >> shift) as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut out = vec![0u64; starts[starts.len() - 1]];
    let mut at = starts.clone();
    for w in words() {
        let part = (w >> shift) as usize;
        out[at[part]] = w;
        at[part] += 1;
    }
    // The key bits that vary within a part: those below the part's bits.
    let row_bits = row_bits.min(shift);
    let narrow = shift - row_bits <= u32::BITS;
    for part in starts.windows(2) {
        let part = &mut out[part[0]..part[1]];
        if narrow {
            // The bits above the low 32 of the key are the part's.
            radsort::sort_by_key(part, |&w| (w >> row_bits) as u32);
        } else {
            radsort::sort_by_key(part, |&w| w >> row_bits);
        }
    }
    out
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
}

impl<K: SortKey> Sorted for SortedKeys<K> {
    type Key = K;

    fn len(&self) -> usize {
        match self {
            SortedKeys::InOrder(v) => v.len(),
            SortedKeys::Sorted(v) => v.len(),
        }
    }

    #[inline]
    fn key(&self, i: usize) -> K {
        match self {
            SortedKeys::InOrder(v) => v[i],
            SortedKeys::Sorted(v) => v[i].0,
        }
    }

    #[inline]
    fn row(&self, i: usize) -> IdxSize {
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
fn merge_sorted<S: Sorted>((b, h): (S, S)) -> Merged {
    let mut m = Merged::default();
    let mut rows = vec![NONE; b.len()];
    merge_into(&mut m, as_atomic(&mut rows), &b, &h);
    m.head_of_base = rows;
    m.extra.sort_unstable();
    m
}

/// An atomic of a row's size: each base row's head row is written through
/// one, by one thread or by many pairing parts of the keys (each writing
/// rows no other does; a relaxed store is a plain store).
type AtomicIdx = std::sync::atomic::AtomicU32;
const _: () = assert!(size_of::<IdxSize>() == size_of::<AtomicIdx>());

/// `rows` as atomics, for threads that each write rows no other does.
fn as_atomic(rows: &mut [IdxSize]) -> &[AtomicIdx] {
    assert!(
        rows.as_ptr().cast::<AtomicIdx>().is_aligned(),
        "rows are aligned as their atomics"
    );
    // SAFETY: `AtomicU32` has the size and bit validity of `u32` (its
    // documentation; `IdxSize` is `u32`, asserted above) and its
    // alignment is checked; `rows` is borrowed exclusively for as long as
    // the view lives, so nothing reads or writes them but through it.
    unsafe { &*(std::ptr::from_mut(rows) as *const [AtomicIdx]) }
}

/// Base row `base_row`'s head row, `head_row`.
#[inline]
fn set(rows: &[AtomicIdx], base_row: IdxSize, head_row: IdxSize) {
    rows[base_row as usize].store(head_row, std::sync::atomic::Ordering::Relaxed);
}

/// Walks both sides' sorted keys together into `m`: each base row's head
/// row, head's rows base lacks (in key order), and the runs of a
/// duplicated key after those already in `m` (whose keys are below these).
fn merge_into<S: Sorted>(m: &mut Merged, rows: &[AtomicIdx], b: &S, h: &S) {
    let run_end = |v: &S, start: usize| {
        let mut end = start + 1;
        while end < v.len() && v.key(end) == v.key(start) {
            end += 1;
        }
        end
    };
    let (mut i, mut j) = (0, 0);
    while i < b.len() || j < h.len() {
        b.ahead(i);
        h.ahead(j);
        let order = match (i < b.len(), j < h.len()) {
            (true, true) => b.key(i).cmp(&h.key(j)),
            (true, false) => std::cmp::Ordering::Less,
            _ => std::cmp::Ordering::Greater,
        };
        let (bi, hj) = match order {
            std::cmp::Ordering::Less => (run_end(b, i), j),
            std::cmp::Ordering::Greater => (i, run_end(h, j)),
            std::cmp::Ordering::Equal => (run_end(b, i), run_end(h, j)),
        };
        let (nb, nh) = (bi - i, hj - j);
        if nb > 1 {
            m.base_dups.push((b.row(i), nb as u64));
        }
        if nh > 1 {
            m.head_dups.push((h.row(j), nh as u64));
            if nb <= 1 {
                m.new_in_head.push((h.row(j), nh as u64));
            }
        }
        for k in 0..nb.min(nh) {
            set(rows, b.row(i + k), h.row(j + k));
        }
        for k in nb.min(nh)..nh {
            m.extra.push(h.row(j + k));
        }
        (i, j) = (bi, hj);
    }
}

/// Pairs integer keys without nulls: by one walk where both sides rise at
/// every row; else, when their places on a common step span at most
/// 2^30, part by part of that span ([`merge_parted`]); else sorted and
/// merged.
fn merge_ints(b: &Int64Chunked, h: &Int64Chunked) -> Merged {
    let (bs, hs) = (int_slices(b), int_slices(h));
    // (Each side on a core of its own, here and below.)
    if let (true, true) = rayon::join(|| ascending_unique(&bs), || ascending_unique(&hs)) {
        return merge_ascending(&bs, &hs);
    }
    // Each side's smallest and largest, found once for the parts and the
    // sort.
    let (rb, rh) = rayon::join(|| key_range(&bs), || key_range(&hs));
    let steps = Steps::of(&bs, &hs, (rb.0.min(rh.0), rb.1.max(rh.1)));
    if let Some(m) = merge_parted(&bs, &hs, &steps) {
        return m;
    }
    merge_sorted(rayon::join(
        || SortedKeys::of_ints(b, Some(rb)),
        || SortedKeys::of_ints(h, Some(rh)),
    ))
}

/// Pairs two sides' integer keys without nulls as the keyed comparison
/// does: each base row's head row (`IdxSize::MAX` where head lacks its
/// key) and head's rows whose key base lacks, ascending. Public for
/// `examples/bench_pairing`.
pub fn pair_integer_keys(base: &Int64Chunked, head: &Int64Chunked) -> (Vec<IdxSize>, Vec<IdxSize>) {
    let m = merge_ints(base, head);
    (m.head_of_base, m.extra)
}

/// The smallest and largest of integer keys in chunks (`(i64::MAX,
/// i64::MIN)` for none).
fn key_range(chunks: &[&[i64]]) -> (i64, i64) {
    chunks
        .iter()
        .flat_map(|c| c.iter())
        .fold((i64::MAX, i64::MIN), |(lo, hi), &k| (lo.min(k), hi.max(k)))
}

/// Where integer keys lie on the common step of their differences from
/// their smallest (ids 1, 2, 3 ...; every seventh number; timestamps on
/// whole seconds or hours): each key's place is `(key - min) / step`,
/// found by a shift and a multiplication (the step's odd part divides
/// every difference exactly, so its inverse modulo 2^64 divides it).
struct Steps {
    min: i64,
    shift: u32,
    inverse: u64,
    /// The largest key's place.
    last: u64,
}

impl Steps {
    /// The step of both sides' keys, whose smallest and largest are
    /// `(min, max)`: each side's found on a core of its own.
    fn of(base: &[&[i64]], head: &[&[i64]], (min, max): (i64, i64)) -> Steps {
        let (b, h) = rayon::join(|| step_of(base, min), || step_of(head, min));
        let step = gcd(b, h).max(1);
        let (shift, odd) = (step.trailing_zeros(), step >> step.trailing_zeros());
        // The span of i64 keys fits in a word once less their smallest.
        let last = max.wrapping_sub(min) as u64 / step;
        Steps {
            min,
            shift,
            inverse: inverse(odd),
            last,
        }
    }

    #[inline]
    fn place(&self, key: i64) -> u64 {
        (key.wrapping_sub(self.min) as u64 >> self.shift).wrapping_mul(self.inverse)
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The inverse of an odd number modulo 2^64, by Newton's iteration: each
/// round doubles the bits of the inverse that are right; an odd number is
/// its own inverse to 3 bits.
fn inverse(odd: u64) -> u64 {
    let mut inverse = odd;
    for _ in 0..5 {
        inverse = inverse.wrapping_mul(2u64.wrapping_sub(odd.wrapping_mul(inverse)));
    }
    inverse
}

/// The greatest common divisor of the keys' differences from `min` (at
/// most each key): 0 when every key is `min`. A block of keys that the
/// step found so far divides (the most, where keys lie on a step) costs a
/// multiplication each: on 10M keys on a step of 7, 22 ms against 40 ms
/// for a division each (BENCHMARKS.md, forty-sixth session).
fn step_of(chunks: &[&[i64]], min: i64) -> u64 {
    let mut step = 0u64;
    for block in chunks.iter().flat_map(|c| c.chunks(1024)) {
        if step == 1 {
            break;
        }
        if step != 0 {
            // `d` is a multiple of `step = odd << shift` when `d *
            // inverse(odd)`, turned right by `shift`, is at most `u64::MAX
            // / step`: then the quotient; else a low bit turned to the top
            // or a product past it (Hacker's Delight, 10-17).
            let (shift, odd) = (step.trailing_zeros(), step >> step.trailing_zeros());
            let (inv, most) = (inverse(odd), u64::MAX / step);
            let apart = block
                .iter()
                .map(|&k| {
                    let d = k.wrapping_sub(min) as u64;
                    u64::from(d.wrapping_mul(inv).rotate_right(shift) > most)
                })
                .fold(0, |a, b| a | b);
            if apart == 0 {
                continue;
            }
        }
        for &k in block {
            let d = k.wrapping_sub(min) as u64;
            if !d.is_multiple_of(step) {
                step = gcd(step, d);
            }
        }
    }
    step
}

/// A table place's mark that a base row has taken it: below it, head's row
/// plus one (0: no head row).
const TAKEN: u32 = 1 << 31;

/// A part's span of places takes at least 2^12 places of the table (16
/// KB) ...
const TABLE_LOG_MIN: u32 = 12;
/// ... and at most 2^18 (1 MB, in L2).
const TABLE_LOG_MAX: u32 = 18;
/// Parts of the span at most (2^12): as many streams as one pass
/// scatters into.
const PARTS_LOG: u32 = 12;

/// One side's integer keys cut by place into parts, each key a word: its
/// place within its part above the low 32 bits, its row below; parts in
/// order, rows ascending within each.
struct Parts {
    words: Vec<u64>,
    /// Where each part's words start (one more: the end).
    starts: Vec<usize>,
}

impl Parts {
    /// Keys in parts of 2^`table_log` places.
    fn of(chunks: &[&[i64]], steps: &Steps, table_log: u32, parts: usize) -> Parts {
        let places = || {
            chunks
                .iter()
                .flat_map(|c| c.iter())
                .map(|&k| steps.place(k))
        };
        let mut starts = vec![0usize; parts + 1];
        for d in places() {
            starts[(d >> table_log) as usize + 1] += 1;
        }
        for p in 1..starts.len() {
            starts[p] += starts[p - 1];
        }
        let mut words = vec![0u64; starts[parts]];
        let mut at = starts.clone();
        let within = (1u64 << table_log) - 1;
        for (d, row) in places().zip(0u64..) {
            let p = (d >> table_log) as usize;
            words[at[p]] = (d & within) << 32 | row;
            at[p] += 1;
        }
        Parts { words, starts }
    }

    fn part(&self, p: usize) -> &[u64] {
        &self.words[self.starts[p]..self.starts[p + 1]]
    }
}

/// A part's words in order of place, rows ascending within one: how a
/// part with a key twice on a side is merged.
struct PartKeys(Vec<u64>);

impl Sorted for PartKeys {
    type Key = u64;

    fn len(&self) -> usize {
        self.0.len()
    }

    #[inline]
    fn key(&self, i: usize) -> u64 {
        self.0[i] >> 32
    }

    #[inline]
    fn row(&self, i: usize) -> IdxSize {
        self.0[i] as IdxSize
    }
}

/// Pairs integer keys whose places on their step ([`Steps`]) span at
/// most 2^30, and at most as many parts as keys: both sides cut by place
/// into at most 2^12 parts (a pass to count, one to place), then each part
/// paired through a table with a place per key of its span, small enough
/// to stay in cache, runs of parts on every core. A part with a key twice
/// on a side is sorted and merged instead, so duplicates pair and count as
/// by the sort. On two shuffled sides of 10M keys
/// (`examples/bench_pairing`) this took 0.24-0.32 s with the parts paired
/// on one core (0.20-0.22 s on two) where sorting them took 0.38-0.44 s
/// (`7 r + 3`, too sparse for one table) and one table for all keys 0.29
/// s (0, 1, 2 ...), its reads at random (BENCHMARKS.md, thirty-fourth and
/// thirty-fifth sessions).
fn merge_parted(base: &[&[i64]], head: &[&[i64]], steps: &Steps) -> Option<Merged> {
    let rows = |c: &[&[i64]]| c.iter().map(|c| c.len()).sum::<usize>();
    let (nb, nh) = (rows(base), rows(head));
    // A row plus one lies below the table's mark.
    if nb.max(nh) >= TAKEN as usize - 1 {
        return None;
    }
    let table_log = (u64::BITS - steps.last.leading_zeros())
        .saturating_sub(PARTS_LOG)
        .max(TABLE_LOG_MIN);
    let parts = usize::try_from(steps.last >> table_log).ok()? + 1;
    if table_log > TABLE_LOG_MAX || parts > nb + nh {
        return None;
    }
    let (b, h) = rayon::join(
        || Parts::of(base, steps, table_log, parts),
        || Parts::of(head, steps, table_log, parts),
    );
    let mut head_of_base = vec![NONE; nb];
    // Runs of parts of about equal words, paired on every core (each its
    // own table; each base row is in one part, so each writes its own
    // rows): on one, pairing the parts left the other core idle for 0.2 s
    // of a 10M-row shuffled compare (BENCHMARKS.md, thirty-fifth session).
    let runs = runs_of_parts((&b.starts, &h.starts), 8 * rayon::current_num_threads());
    let found: Vec<Merged> = {
        let rows = as_atomic(&mut head_of_base);
        runs.into_par_iter()
            .map_init(
                || vec![0u32; 1 << table_log],
                |table, run| {
                    let mut m = Merged::default();
                    for p in run {
                        pair_or_merge(table, (rows, &mut m), (b.part(p), h.part(p)));
                    }
                    m
                },
            )
            .collect()
    };
    let mut m = Merged {
        head_of_base,
        ..Merged::default()
    };
    for f in found {
        m.extra.extend(f.extra);
        m.base_dups.extend(f.base_dups);
        m.head_dups.extend(f.head_dups);
        m.new_in_head.extend(f.new_in_head);
    }
    m.extra.sort_unstable();
    Some(m)
}

/// Parts `0..parts` (whose words start at `starts` on each side) as about
/// `runs` runs of consecutive parts, each of about as many words.
fn runs_of_parts((b, h): (&[usize], &[usize]), runs: usize) -> Vec<std::ops::Range<usize>> {
    let parts = b.len() - 1;
    let words = |p: usize| b[p] + h[p];
    let each = words(parts).div_ceil(runs.max(1)).max(1);
    let mut out = Vec::with_capacity(runs + 1);
    let mut start = 0;
    for p in 1..=parts {
        if p == parts || words(p) - words(start) >= each {
            out.push(start..p);
            start = p;
        }
    }
    out
}

/// Pairs one part's words through `table` ([`pair_part`]), or, when a
/// key is twice on a side, sorts and merges them.
fn pair_or_merge(
    table: &mut [u32],
    (rows, m): (&[AtomicIdx], &mut Merged),
    (bw, hw): (&[u64], &[u64]),
) {
    if pair_part(table, (rows, m), bw, hw) {
        return;
    }
    for &w in bw.iter().chain(hw) {
        table[(w >> 32) as usize] = 0;
    }
    let sorted = |words: &[u64]| {
        let mut v = words.to_vec();
        v.sort_unstable();
        PartKeys(v)
    };
    merge_into(m, rows, &sorted(bw), &sorted(hw));
}

/// Pairs one part's keys through `table` (all zeros before and after):
/// head's rows, plus one, at their keys' places, then each base row reads
/// its key's place and marks it taken; the places left untaken hold the
/// extra rows. `false` when a key is twice on a side, `table` then the
/// caller's to clear. The head rows given to base rows by then stand: head
/// held each key once, and each went to its key's first base row, as the
/// merge pairs them.
fn pair_part(
    table: &mut [u32],
    (rows, m): (&[AtomicIdx], &mut Merged),
    base: &[u64],
    head: &[u64],
) -> bool {
    let place = |w: u64| (w >> 32) as usize;
    for &w in head {
        let at = &mut table[place(w)];
        if *at != 0 {
            return false;
        }
        *at = w as u32 + 1;
    }
    for &w in base {
        let at = &mut table[place(w)];
        if *at & TAKEN != 0 {
            return false;
        }
        if *at != 0 {
            set(rows, w as IdxSize, *at - 1);
        }
        *at |= TAKEN;
    }
    for &w in head {
        if table[place(w)] & TAKEN == 0 {
            m.extra.push(w as IdxSize);
        }
    }
    for &w in base.iter().chain(head) {
        table[place(w)] = 0;
    }
    true
}

/// An integer column's values without nulls, chunk by chunk.
fn int_slices(ca: &Int64Chunked) -> Vec<&[i64]> {
    ca.downcast_iter().map(|a| a.values().as_slice()).collect()
}

/// Whether the keys, chunk after chunk, rise at every row: no key twice.
fn ascending_unique(chunks: &[&[i64]]) -> bool {
    let mut last: Option<i64> = None;
    chunks.iter().all(|c| {
        let rising = c.windows(2).fold(true, |all, w| all & (w[0] < w[1]));
        let ok = rising && c.first().is_none_or(|&f| last.is_none_or(|l| l < f));
        last = c.last().copied().or(last);
        ok
    })
}

/// Pairs two sides whose keys each rise at every row (as outputs written
/// in key order without a key twice): one walk over both as they lie,
/// with no copy of the keys to sort nor a run of equal keys to find
/// (BENCHMARKS.md, twenty-sixth session: the general merge took 0.1 s of
/// one core on two sides of 10M keys in order, after copying each).
fn merge_ascending(base: &[&[i64]], head: &[&[i64]]) -> Merged {
    let rows: usize = base.iter().map(|c| c.len()).sum();
    let mut m = Merged {
        head_of_base: Vec::with_capacity(rows),
        extra: Vec::new(),
        base_dups: Vec::new(),
        head_dups: Vec::new(),
        new_in_head: Vec::new(),
    };
    let mut heads = head
        .iter()
        .flat_map(|c| c.iter().copied())
        .zip(0 as IdxSize..);
    let mut next = heads.next();
    for &k in base.iter().flat_map(|c| c.iter()) {
        while let Some((_, row)) = next.filter(|&(hk, _)| hk < k) {
            m.extra.push(row);
            next = heads.next();
        }
        match next {
            Some((hk, row)) if hk == k => {
                m.head_of_base.push(row);
                next = heads.next();
            }
            _ => m.head_of_base.push(NONE),
        }
    }
    m.extra
        .extend(next.into_iter().chain(heads).map(|(_, row)| row));
    m
}

/// A key of several integer-like columns (an id and a date, two ids), or of
/// one with nulls, whose ranges on both sides fit in 63 bits together: each
/// row's values, less each column's smallest (plus one, null being 0, in a
/// column with nulls: nulls first, as the row encoding orders them), packed
/// into one i64 in the key's order, so that the key pairs as one integer
/// column without nulls does (sorted by radix) rather than by its row
/// encoding (BENCHMARKS.md). `None` for any other key.
fn composite_ints(
    base: &DataFrame,
    head: &DataFrame,
) -> PolarsResult<Option<(Int64Chunked, Int64Chunked)>> {
    let (bc, hc) = (base.columns(), head.columns());
    let nulls = bc.iter().chain(hc).any(|c| c.null_count() > 0);
    let fits = (bc.len() > 1 || nulls)
        && bc.len() == hc.len()
        && bc.iter().chain(hc).all(|c| int_like(c.dtype()));
    if !fits {
        return Ok(None);
    }
    let (mut bits, mut parts) = (0u32, Vec::with_capacity(bc.len()));
    for (b, h) in bc.iter().zip(hc) {
        let nullable = b.null_count() + h.null_count() > 0;
        let (b, h) = (as_i64(b)?, as_i64(h)?);
        let lo = b.min().into_iter().chain(h.min()).min().unwrap_or(0);
        let hi = b.max().into_iter().chain(h.max()).max().unwrap_or(0);
        let span = (hi as i128 - lo as i128) as u128 + u128::from(nullable);
        let width = 128 - span.leading_zeros();
        bits += width;
        if bits > 63 {
            return Ok(None);
        }
        let lo = if nullable { lo.wrapping_sub(1) } else { lo };
        parts.push(Packed { b, h, lo, width });
    }
    Ok(Some((pack(&parts, true), pack(&parts, false))))
}

/// One column of a packed key: both sides' values, the smallest of them,
/// and the bits its span takes.
struct Packed {
    b: Int64Chunked,
    h: Int64Chunked,
    lo: i64,
    width: u32,
}

/// One side's (`base` or head) rows packed from `parts`, in their order.
fn pack(parts: &[Packed], base: bool) -> Int64Chunked {
    fn side(p: &Packed, base: bool) -> &Int64Chunked {
        if base { &p.b } else { &p.h }
    }
    let mut words = vec![0u64; parts.first().map_or(0, |p| side(p, base).len())];
    for p in parts {
        let mut at = 0;
        for arr in side(p, base).downcast_iter() {
            let words = &mut words[at..at + arr.len()];
            match arr.validity().filter(|v| v.unset_bits() > 0) {
                None => {
                    for (w, &v) in words.iter_mut().zip(arr.values().iter()) {
                        // Within the span found: fits in `width` bits.
                        *w = (*w << p.width) | v.wrapping_sub(p.lo) as u64;
                    }
                }
                Some(valid) => {
                    // `lo` is one below the smallest: a null is 0.
                    let values = arr.values().iter().zip(valid.iter());
                    for (w, (&v, ok)) in words.iter_mut().zip(values) {
                        let v = if ok { v.wrapping_sub(p.lo) as u64 } else { 0 };
                        *w = (*w << p.width) | v;
                    }
                }
            }
            at += arr.len();
        }
    }
    Int64Chunked::from_vec(
        PlSmallStr::EMPTY,
        words.into_iter().map(|w| w as i64).collect(),
    )
}

/// Pairs keys of any other kind: one integer-like column as i64, anything
/// else by polars' order-preserving row encoding.
fn merge_encoded(base: &DataFrame, head: &DataFrame) -> PolarsResult<Merged> {
    Ok(match (SortKeys::new(base)?, SortKeys::new(head)?) {
        // Without nulls, (i64, row) pairs take 16 bytes instead of 24.
        (SortKeys::Int(b), SortKeys::Int(h)) if b.null_count() + h.null_count() == 0 => {
            merge_ints(&b, &h)
        }
        (SortKeys::Int(b), SortKeys::Int(h)) => merge_keys(|| b.iter(), || h.iter()),
        (b, h) => {
            let rows = |k: SortKeys| match k {
                SortKeys::Rows(r) => Ok(r),
                SortKeys::Int(_) => Err(PolarsError::ComputeError(
                    "keys encoded differently on the two sides".into(),
                )),
            };
            // Encoded rows put in order eight bytes at a time, as text
            // keys are (a comparison sort compared them in memory).
            let (b, h) = (rows(b)?, rows(h)?);
            merge_sorted(rayon::join(
                || ByteKeys::new(row_bytes(&b)),
                || ByteKeys::new(row_bytes(&h)),
            ))
        }
    })
}

/// One side's keys as byte strings, in order: the strings where they lie
/// (a text key's, or the row encoding's), and the rows in the strings'
/// order (equal ones ascending).
struct ByteKeys<'a> {
    strings: Vec<&'a [u8]>,
    order: Vec<u32>,
}

impl<'a> ByteKeys<'a> {
    fn new(strings: impl Iterator<Item = &'a [u8]>) -> ByteKeys<'a> {
        let strings: Vec<&[u8]> = strings.collect();
        let order = crate::byte_order::sorted_order(&strings, |s| s);
        ByteKeys { strings, order }
    }

    fn of_text(ca: &'a StringChunked) -> ByteKeys<'a> {
        ByteKeys::new(
            ca.downcast_iter()
                .flat_map(|a| a.values_iter().map(str::as_bytes)),
        )
    }
}

impl<'a> Sorted for ByteKeys<'a> {
    type Key = &'a [u8];

    fn len(&self) -> usize {
        self.order.len()
    }

    #[inline]
    fn key(&self, i: usize) -> &'a [u8] {
        self.strings[self.order[i] as usize]
    }

    #[inline]
    fn row(&self, i: usize) -> IdxSize {
        self.order[i] as IdxSize
    }

    /// In two steps: the place of the string 32 keys on, then the bytes
    /// of the one 16 on (its place asked for 16 keys ago).
    #[inline]
    fn ahead(&self, i: usize) {
        if let Some(&far) = self.order.get(i + 32) {
            crate::prefetch::line(&self.strings[far as usize]);
        }
        if let Some(first) = self
            .order
            .get(i + 16)
            .and_then(|&near| self.strings[near as usize].first())
        {
            crate::prefetch::line(first);
        }
    }
}

/// Pairs one text key column without nulls on either side: its strings
/// put in order eight bytes at a time (`byte_order`), without polars' row
/// encoding of them. Sorting the encoded rows by comparing them took most
/// of a run keyed by 10M id strings (BENCHMARKS.md). Strings compare by
/// their bytes, as the encoding does.
fn merge_text(b: &StringChunked, h: &StringChunked) -> Merged {
    merge_sorted(rayon::join(
        || ByteKeys::of_text(b),
        || ByteKeys::of_text(h),
    ))
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
    // One text key without nulls on either side: its strings as they lie.
    let text = |keys: &DataFrame| match keys.columns() {
        [c] if c.dtype() == &DataType::String && c.null_count() == 0 => {
            c.as_materialized_series().str().ok().cloned()
        }
        _ => None,
    };
    let merged = if let (Some(b), Some(h)) = (text(base_paired), text(head_paired)) {
        merge_text(&b, &h)
    } else if let Some((b, h)) = composite_ints(base_paired, head_paired)? {
        merge_ints(&b, &h)
    } else {
        merge_encoded(base_paired, head_paired)?
    };
    let duplicates = if merged.base_dups.is_empty() && merged.head_dups.is_empty() {
        None
    } else {
        let samples = |keys: &DataFrame, runs: &[(IdxSize, u64)]| -> PolarsResult<Vec<RowSample>> {
            runs.iter()
                .take(SAMPLES)
                .map(|&(row, count)| {
                    Ok(RowSample {
                        values: row_values(keys, key, row as usize)?,
                        count,
                    })
                })
                .collect()
        };
        let side = |keys: &DataFrame, runs: &[(IdxSize, u64)]| -> PolarsResult<DuplicateSide> {
            Ok(DuplicateSide {
                keys: runs.len() as u64,
                rows: runs.iter().map(|r| r.1).sum(),
                samples: samples(keys, runs)?,
            })
        };
        Some(Duplicates {
            base: side(base_keys, &merged.base_dups)?,
            head: side(head_keys, &merged.head_dups)?,
            new_in_head: merged.new_in_head.len() as u64,
            new_in_head_samples: samples(head_keys, &merged.new_in_head)?,
        })
    };
    let n = merged.head_of_base.len();
    let mut missing = Vec::new();
    let mut base_rows = Vec::with_capacity(n);
    // Head's rows take the place of base's pairs (each pair's at most its
    // base row's), in memory already touched.
    let mut head_rows = merged.head_of_base;
    let mut identity = merged.extra.is_empty() && base_keys.height() == head_keys.height();
    for b in 0..n {
        let h = head_rows[b];
        if h == NONE {
            missing.push(b as IdxSize);
            identity = false;
        } else {
            identity &= h == b as IdxSize;
            head_rows[base_rows.len()] = h;
            base_rows.push(b as IdxSize);
        }
    }
    head_rows.truncate(base_rows.len());
    let head_ascends = head_rows.is_sorted();
    // Set straight in the mask's bits: a byte per row first was ten times
    // the memory, each page of it fresh (BENCHMARKS.md).
    let mask_of = |rows: &[IdxSize], n: usize| {
        let mut mask = polars_arrow::bitmap::MutableBitmap::from_len_zeroed(n);
        for &r in rows {
            mask.set(r as usize, true);
        }
        BooleanChunked::from_bitmap(PlSmallStr::EMPTY, mask.into())
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
        head_order: Default::default(),
        runs: Default::default(),
    };
    Ok((alignment, duplicates))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_consecutive_rows_give_back_every_pair_and_are_as_long_as_they_can_be() {
        let (base_rows, head_rows) = key_ordered_pairs(30_000, 35_000);
        let runs = consecutive_runs(&base_rows, &head_rows).expect("runs of 130 pairs or so");
        let expanded: Vec<(IdxSize, IdxSize)> = runs
            .iter()
            .flat_map(|&(b, h, n)| (0..n).map(move |k| ((b + k) as IdxSize, (h + k) as IdxSize)))
            .collect();
        let pairs: Vec<(IdxSize, IdxSize)> = base_rows
            .iter()
            .copied()
            .zip(head_rows.iter().copied())
            .collect();
        assert_eq!(expanded, pairs);
        // No run could go on into the next.
        for w in runs.windows(2) {
            let ((b, h, n), (b2, h2, _)) = (w[0], w[1]);
            assert!(b + n != b2 || h + n != h2, "{:?}", w);
        }
        assert!(
            runs.len() > 100 && runs.len() < pairs.len() / MIN_RUN,
            "{}",
            runs.len()
        );
        assert_eq!(consecutive_runs(&[], &[]), Some(vec![]));
    }

    /// Read run by run, a key-ordered pair whose rows lie on one side
    /// only all over (head holding every other key of base's) took 3.4
    /// times as long as filtered (4M rows: 1.97 s against 0.59 s): a slice
    /// and a mask for each run of one pair.
    #[test]
    fn a_key_ordered_pair_of_short_runs_is_not_read_run_by_run() {
        // Runs shorter than MIN_RUN on average: none, whatever the first
        // runs were.
        let every_other: Vec<IdxSize> = (0..10_000).map(|i| 2 * i).collect();
        let all: Vec<IdxSize> = (0..10_000).collect();
        assert_eq!(consecutive_runs(&every_other, &all), None);
        let mut long_then_short = all.clone();
        long_then_short.extend(every_other.iter().map(|r| r + 20_000));
        let mut both = all.clone();
        both.extend(all.iter().map(|r| r + 10_000));
        assert_eq!(consecutive_runs(&long_then_short, &both), None);
    }

    /// A merge as a comparable value: head rows of base's, extra rows,
    /// both sides' duplicate runs.
    type Seen = (Vec<IdxSize>, Vec<IdxSize>, Vec<Runs>);
    type Runs = Vec<(IdxSize, u64)>;

    fn merged(m: &Merged) -> Seen {
        (
            m.head_of_base.clone(),
            m.extra.clone(),
            vec![m.base_dups.clone(), m.head_dups.clone()],
        )
    }

    /// Pairs two sides through `of_ints` (in chunks of 3) and through the
    /// generic (key, row) sort.
    fn both_ways(base: &[i64], head: &[i64]) -> (Merged, Merged) {
        let chunked = |keys: &[i64]| {
            let mut ca = Int64Chunked::from_slice("k".into(), &keys[..keys.len().min(3)]);
            for c in keys.get(3..).unwrap_or_default().chunks(3) {
                ca.append(&Int64Chunked::from_slice("k".into(), c)).unwrap();
            }
            ca
        };
        let (b, h) = (chunked(base), chunked(head));
        let fast = merge_sorted((SortedKeys::of_ints(&b, None), SortedKeys::of_ints(&h, None)));
        let slow = merge_keys(|| base.iter().copied(), || head.iter().copied());
        (fast, slow)
    }

    /// Sides in key order, each key once, pair as the general merge pairs
    /// them: keys missing, extra before, between and after, empty sides,
    /// keys split across chunks; a key twice or a fall between chunks is
    /// not taken for such a side.
    #[test]
    fn keys_rising_at_every_row_pair_by_one_walk_as_by_the_merge() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(26);
        for case in 0..300 {
            let n = rng.random_range(0..200i64);
            let side = |rng: &mut rand::rngs::StdRng| -> Vec<i64> {
                (0..n)
                    .filter(|_| rng.random_bool(0.8))
                    .map(|k| k * 3 - 50)
                    .collect()
            };
            let (base, head) = (side(&mut rng), side(&mut rng));
            let reference = merged(&both_ways(&base, &head).1);
            let chunks = |keys: &[i64]| keys.chunks(7).map(<[i64]>::to_vec).collect::<Vec<_>>();
            let (cb, ch) = (chunks(&base), chunks(&head));
            let sb: Vec<&[i64]> = cb.iter().map(Vec::as_slice).collect();
            let sh: Vec<&[i64]> = ch.iter().map(Vec::as_slice).collect();
            assert!(ascending_unique(&sb) && ascending_unique(&sh));
            let walked = merged(&merge_ascending(&sb, &sh));
            assert_eq!(walked, reference, "case {case}");
        }
        assert!(!ascending_unique(&[&[1, 2, 2]]));
        assert!(!ascending_unique(&[&[1, 2], &[2, 3]]));
        assert!(!ascending_unique(&[&[1, 5], &[], &[4]]));
        assert!(ascending_unique(&[&[1, 5], &[], &[6]]));
    }

    /// [`Steps::of`] both sides, their range found here.
    fn steps(base: &[&[i64]], head: &[&[i64]]) -> Steps {
        let (b, h) = (key_range(base), key_range(head));
        Steps::of(base, head, (b.0.min(h.0), b.1.max(h.1)))
    }

    /// Keys on a common step (1, 7, an hour of seconds, 12 = 4 x 3),
    /// shuffled, some on one side only, some twice or three times on a
    /// side, from negative to positive, in chunks, over spans of one part
    /// to hundreds: paired part by part as the general merge pairs them,
    /// duplicate runs and keys new twice in head included.
    #[test]
    fn keys_on_a_step_pair_part_by_part_as_by_the_merge() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(31);
        for case in 0..600 {
            let step = [1i64, 7, 3600, 12][case % 4];
            let span = [300i64, 20_000, 1 << 20][case / 4 % 3];
            let twice = case % 5 == 0;
            let n = rng.random_range(1..400usize);
            let side = |rng: &mut rand::rngs::StdRng| -> Vec<i64> {
                let mut keys: Vec<i64> = (0..n)
                    .map(|_| (rng.random_range(0..span) - span / 2) * step - 5)
                    .collect();
                keys.sort_unstable();
                if !twice {
                    keys.dedup();
                }
                keys.shuffle(rng);
                keys
            };
            let base = side(&mut rng);
            // Head shares most of base's keys.
            let mut head: Vec<i64> = base
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.8))
                .collect();
            head.extend(side(&mut rng).into_iter().take(n / 5));
            if !twice {
                head.sort_unstable();
                head.dedup();
            }
            head.shuffle(&mut rng);
            let reference = merged(&both_ways(&base, &head).1);
            let chunks = |keys: &[i64]| keys.chunks(5).map(<[i64]>::to_vec).collect::<Vec<_>>();
            let (cb, ch) = (chunks(&base), chunks(&head));
            let sb: Vec<&[i64]> = cb.iter().map(Vec::as_slice).collect();
            let sh: Vec<&[i64]> = ch.iter().map(Vec::as_slice).collect();
            let Some(parted) = merge_parted(&sb, &sh, &steps(&sb, &sh)) else {
                // Only keys too few for their parts are left to the sort.
                let s = steps(&sb, &sh);
                assert!(
                    s.last >> TABLE_LOG_MIN >= (base.len() + head.len()) as u64,
                    "case {case}"
                );
                continue;
            };
            assert_eq!(
                merged(&parted),
                reference,
                "case {case}, step {step}, span {span}"
            );
        }
    }

    /// Runs of parts cover every part once, in order, each of about as
    /// many words, however the words lie (none, all in one part, even).
    #[test]
    fn runs_of_parts_cover_every_part_once() {
        let starts = |words: &[usize]| -> Vec<usize> {
            std::iter::once(0)
                .chain(words.iter().scan(0, |at, w| {
                    *at += w;
                    Some(*at)
                }))
                .collect()
        };
        for (b, h, runs) in [
            (vec![0], vec![0], 4),
            (vec![0, 0, 0], vec![0, 0, 0], 2),
            (vec![5, 0, 0, 0], vec![0, 0, 0, 7], 3),
            (vec![3; 100], vec![1; 100], 16),
            (vec![1; 7], vec![1; 7], 100),
        ] {
            let got = runs_of_parts((&starts(&b), &starts(&h)), runs);
            let covered: Vec<usize> = got.iter().flat_map(|r| r.clone()).collect();
            assert_eq!(covered, (0..b.len()).collect::<Vec<_>>(), "{b:?} {h:?}");
            assert!(got.iter().all(|r| !r.is_empty()), "{got:?}");
            assert!(got.len() <= runs.max(1) + 1, "{got:?}");
        }
        // Even words: as many runs as asked, of as many parts.
        let got = runs_of_parts((&starts(&[2; 64]), &starts(&[2; 64])), 8);
        assert_eq!(got, (0..8).map(|r| r * 8..r * 8 + 8).collect::<Vec<_>>());
    }

    /// Keys too far apart for the parts (their places spanning more than
    /// 2^30, or more parts than keys) are left to the sort; a key twice
    /// pairs there as in a part.
    #[test]
    fn keys_too_far_apart_for_parts_are_sorted() {
        let parted =
            |base: &[i64], head: &[i64]| merge_parted(&[base], &[head], &steps(&[base], &[head]));
        assert!(parted(&[3, 1, 2], &[2, 3, 1, 4]).is_some());
        assert!(parted(&[0, 1 << 31], &[5]).is_none());
        // 2^14 places: four parts of 2^12 for three keys.
        assert!(parted(&[0, (1 << 14) - 1], &[5]).is_none());
        assert!(parted(&[0, (1 << 14) - 1], &[5, 6]).is_some());
        for (base, head) in [
            (vec![3, 1, 2], vec![2, 3, 2, 1]),
            (vec![3, 1, 3, 2], vec![2, 3, 1]),
            (vec![1 << 40, 1, 1 << 40, 2], vec![2, 3, 1, 3]),
        ] {
            let b = Int64Chunked::from_slice("k".into(), &base);
            let h = Int64Chunked::from_slice("k".into(), &head);
            let (fast, slow) = both_ways(&base, &head);
            assert_eq!(merged(&merge_ints(&b, &h)), merged(&slow));
            assert_eq!(merged(&fast), merged(&slow));
        }
    }

    /// The step of keys, found a block at a time by multiplying, is the
    /// greatest common divisor of their differences from the smallest,
    /// wherever a key off the step lies (in the first block, a later one,
    /// the last key) and whatever the step (odd, a power of two, both, one
    /// that shrinks more than once, the span of i64).
    #[test]
    fn a_step_found_by_multiplying_is_the_gcd_of_the_differences() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(46);
        let plain = |keys: &[i64], min: i64| {
            keys.iter()
                .fold(0, |g, &k| gcd(g, k.wrapping_sub(min) as u64))
        };
        for case in 0..400 {
            let step = [1i64, 2, 4, 7, 12, 3600, 1 << 20, 96][case % 8];
            let n = [1usize, 5, 1024, 1025, 5000][case / 8 % 5];
            let min = rng.random_range(-1_000_000i64..1_000_000);
            let mut keys: Vec<i64> = (0..n)
                .map(|_| min + rng.random_range(0..1_000_000i64) * step)
                .collect();
            // Keys off the step: none, one anywhere, or one in each of
            // two later blocks, each by a divisor of the step or by 1.
            for _ in 0..case % 3 {
                let at = rng.random_range(0..n);
                let off = [1, 2, 3, step / 2, step / 4][rng.random_range(0..5)].max(1);
                keys[at] += off;
            }
            if case % 7 == 0 {
                *keys.last_mut().expect("keys") += 2;
            }
            let min = keys.iter().copied().min().expect("keys");
            let chunks: Vec<&[i64]> = keys.chunks(700).collect();
            assert_eq!(step_of(&chunks, min), plain(&keys, min), "case {case}");
        }
        // The whole span of i64; every key the smallest.
        assert_eq!(step_of(&[&[i64::MIN, i64::MAX]], i64::MIN), u64::MAX);
        assert_eq!(step_of(&[&[5; 3000]], 5), 0);
        // 2 past a multiple of 4: a step of 4 would take it with a bound of
        // u64::MAX / 1 (the odd part's) rather than u64::MAX / 4.
        let mut fours: Vec<i64> = (0..3000).map(|i| i * 4).collect();
        fours[2500] = 2;
        assert_eq!(step_of(&[&fours], 0), 2);
    }

    /// A key's place is its distance from the smallest in steps, across
    /// the whole span of i64 and for steps with factors of two.
    #[test]
    fn a_keys_place_is_its_steps_from_the_smallest() {
        let s = steps(&[&[i64::MAX]], &[&[i64::MIN]]);
        assert_eq!((s.place(i64::MIN), s.place(i64::MAX), s.last), (0, 1, 1));
        let keys: Vec<i64> = (0..50).map(|i| -1_000_000 + i * 24).collect();
        let s = steps(&[&keys], &[]);
        assert_eq!(s.last, 49);
        for (i, &k) in keys.iter().enumerate() {
            assert_eq!(s.place(k), i as u64);
        }
        assert_eq!(steps(&[&[4, 1, 2]], &[]).last, 3);
    }

    #[test]
    fn packed_integer_keys_pair_as_key_row_pairs_do() {
        let (base, head) = (
            vec![5, -3, 9, 5, 0, -3, 12, 5, 7],
            vec![9, 5, 5, -3, 8, 12, 0, 5, 5, 5],
        );
        assert!(matches!(
            SortedKeys::of_ints(&Int64Chunked::from_slice("k".into(), &base), None),
            IntKeys::Packed { .. }
        ));
        let (fast, slow) = both_ways(&base, &head);
        assert_eq!(merged(&fast), merged(&slow));
        // The n-th 5 of base (rows 0, 3, 7) with the n-th of head (1, 2, 7).
        assert_eq!(fast.head_of_base[0], 1);
        assert_eq!(fast.head_of_base[3], 2);
        assert_eq!(fast.head_of_base[7], 7);
        assert_eq!(fast.base_dups, [(1, 2), (0, 3)]);
    }

    #[test]
    fn integer_keys_too_far_apart_to_pack_are_sorted_as_pairs() {
        let (base, head) = (
            vec![i64::MAX, 0, i64::MIN, 0],
            vec![0, i64::MIN, 1, i64::MAX],
        );
        assert!(matches!(
            SortedKeys::of_ints(&Int64Chunked::from_slice("k".into(), &base), None),
            IntKeys::Keys(SortedKeys::Sorted(_))
        ));
        let (fast, slow) = both_ways(&base, &head);
        assert_eq!(merged(&fast), merged(&slow));
        assert_eq!(fast.head_of_base, [3, 0, 1, NONE]);
    }

    /// Text keys paired from their strings (`merge_text`) and from their
    /// row encoding pair as a comparison sort of the strings does: repeated
    /// keys by occurrence, keys on one side
    /// only, common prefixes of 8 and more bytes, empty strings, NUL bytes
    /// and multibyte characters, keys across chunks.
    #[test]
    fn text_keys_pair_by_their_strings_as_by_their_encoding() {
        use rand::rngs::StdRng;
        use rand::{Rng as _, SeedableRng};
        let mut rng = StdRng::seed_from_u64(3);
        let pieces = ["", "a", "\0", "é", "key-0000", "3f2a9c1e-77b0-4e1c-", "z"];
        let word = |rng: &mut StdRng| -> String {
            (0..rng.random_range(0..4))
                .map(|_| pieces[rng.random_range(0..pieces.len())])
                .collect()
        };
        for case in 0..50 {
            let vocabulary: Vec<String> = (0..rng.random_range(1..300))
                .map(|_| word(&mut rng))
                .collect();
            let side = |rng: &mut StdRng| -> StringChunked {
                let n = rng.random_range(0..600);
                let values: Vec<&str> = (0..n)
                    .map(|_| vocabulary[rng.random_range(0..vocabulary.len())].as_str())
                    .collect();
                let mut ca = StringChunked::from_slice("k".into(), &values[..n.min(7)]);
                for c in values.get(7..).unwrap_or_default().chunks(50) {
                    ca.append(&StringChunked::from_slice("k".into(), c))
                        .unwrap();
                }
                ca
            };
            let (b, h) = (side(&mut rng), side(&mut rng));
            let frame = |ca: &StringChunked| {
                DataFrame::new(ca.len(), vec![ca.clone().into_column()]).unwrap()
            };
            let by_strings = merge_text(&b, &h);
            let by_encoding = merge_encoded(&frame(&b), &frame(&h)).unwrap();
            let bytes = |ca: &StringChunked| -> Vec<Vec<u8>> {
                ca.iter()
                    .map(|s| s.unwrap_or_default().as_bytes().to_vec())
                    .collect()
            };
            let (bb, hb): (Vec<Vec<u8>>, Vec<Vec<u8>>) = (bytes(&b), bytes(&h));
            let compared = merge_keys(
                || bb.iter().map(Vec::as_slice),
                || hb.iter().map(Vec::as_slice),
            );
            for m in [&by_strings, &by_encoding] {
                assert_eq!(merged(m), merged(&compared), "case {case}");
                assert_eq!(m.new_in_head, compared.new_in_head, "case {case}");
            }
        }
    }

    /// Keys of several integer-like columns packed into one integer pair
    /// as their row encoding does: repeats, keys on one side only,
    /// negative values, nulls, a date and a boolean, chunks; one integer
    /// column with nulls as the i64 path pairs it; ranges too wide to pack
    /// together are left to the encoding.
    #[test]
    fn integer_keys_of_several_columns_pair_packed_as_by_their_encoding() {
        use rand::rngs::StdRng;
        use rand::{Rng as _, SeedableRng};
        let mut rng = StdRng::seed_from_u64(4);
        for case in 0..50 {
            let side = |rng: &mut StdRng| -> DataFrame {
                let n = rng.random_range(0..500);
                // Nulls in the first column in half the cases.
                let nulls = if case % 2 == 0 { 0.0 } else { 0.1 };
                let a: Vec<Option<i64>> = (0..n)
                    .map(|_| (!rng.random_bool(nulls)).then(|| rng.random_range(-20..20)))
                    .collect();
                let d: Vec<i32> = (0..n).map(|_| rng.random_range(19_000..19_010)).collect();
                let f: Vec<bool> = (0..n).map(|_| rng.random_bool(0.5)).collect();
                let mut df = df!("a" => a, "d" => d, "f" => f).unwrap();
                let d = df.column("d").unwrap().cast(&DataType::Date).unwrap();
                df.with_column(d).unwrap();
                if n > 7 {
                    let (x, y) = df.split_at(7);
                    df = x.vstack(&y).unwrap();
                }
                df
            };
            let (b, h) = (side(&mut rng), side(&mut rng));
            let (pb, ph) = composite_ints(&b, &h).unwrap().expect("narrow ranges pack");
            let packed = merge_sorted((
                SortedKeys::of_ints(&pb, None),
                SortedKeys::of_ints(&ph, None),
            ));
            let encoded = merge_encoded(&b, &h).unwrap();
            assert_eq!(merged(&packed), merged(&encoded), "case {case}");
            assert_eq!(packed.new_in_head, encoded.new_in_head, "case {case}");
            // The first column alone, with its nulls: as the i64 path with
            // nulls pairs it.
            if case % 2 == 1 {
                let (b1, h1) = (b.select(["a"]).unwrap(), h.select(["a"]).unwrap());
                let (pb, ph) = composite_ints(&b1, &h1).unwrap().expect("nulls pack");
                let packed = merge_sorted((
                    SortedKeys::of_ints(&pb, None),
                    SortedKeys::of_ints(&ph, None),
                ));
                let one = merge_encoded(&b1, &h1).unwrap();
                assert_eq!(merged(&packed), merged(&one), "case {case}");
            }
        }
        let wide = df!("a" => [i64::MIN, i64::MAX], "b" => [0i64, 1]).unwrap();
        assert!(composite_ints(&wide, &wide).unwrap().is_none());
        let one = df!("a" => [3i64, 1]).unwrap();
        assert!(
            composite_ints(&one, &one).unwrap().is_none(),
            "one column: the i64 path"
        );
    }

    #[test]
    fn sorting_words_sorts_any_words() {
        for words in [
            vec![],
            vec![0],
            vec![3, 1, 2],
            vec![u64::MAX, 0, 1 << 63, 5, 5, u64::MAX - 1],
            (0..10_000u64)
                .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
                .collect(),
        ] {
            let mut got = words.clone();
            sort_words(&mut got, 0);
            let mut want = words;
            want.sort_unstable();
            assert_eq!(got, want);
        }
    }

    /// Words of (key, row) sorted by their keys alone still end in full
    /// order, rows ascending within a key: keys of every width (within a
    /// part's 32 bits and beyond), duplicated, with rows in order as
    /// packed.
    #[test]
    fn sorting_words_by_their_keys_keeps_rows_ascending_within_a_key() {
        let row_bits = 14;
        for key_bits in [1u32, 9, 20, 44, 50] {
            let words: Vec<u64> = (0..10_000u64)
                .map(|row| {
                    let key = row.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - key_bits);
                    // Every key some three times over: duplicates.
                    (key / 3 * 3) << row_bits | row
                })
                .collect();
            let mut got = words.clone();
            sort_words(&mut got, row_bits);
            let mut want = words;
            want.sort_unstable();
            assert_eq!(got, want, "{key_bits} key bits");
        }
    }
}
