//! Where two numeric columns differ, each pair read where its rows lie, as
//! polars' `not_equal_missing` (null = null, a null differs from a value,
//! NaN = NaN, -0.0 = 0.0).
//!
//! Comparing a keyed pair whose rows lie in different orders gathered both
//! sides into pair order first: for a column of 10M numbers, a copy into
//! one chunk and a gather on each side, 320 MB written to fresh memory
//! whose every page the kernel zeroed, for a mask that is nearly all false.
//! Reading each pair at its rows, a block of pairs at a time into buffers
//! that stay in cache, writes only the mask; the values of the pairs that
//! differ are gathered afterwards.
//!
//! Head's reads at random still waited on memory (143 ms a column of 10M
//! pairs, `perf`). For many pairs, head's values are put in pair order by
//! the alignment's plan (`reorder.rs`), two passes that stay in cache, and
//! read in order (BENCHMARKS.md, thirty-fourth session).

use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::bitmask::BitMask;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};
use polars_arrow::types::NativeType;

use super::reorder::{Reorder, spans};

/// `$read!(i8)` ... `$read!(f64)`: the local macro `$read` with the
/// `Series` accessor of the plain numeric type `$dtype`; `None` for any
/// other type.
macro_rules! numeric {
    ($dtype:expr, $read:ident) => {
        match $dtype {
            DataType::Int8 => $read!(i8),
            DataType::Int16 => $read!(i16),
            DataType::Int32 => $read!(i32),
            DataType::Int64 => $read!(i64),
            DataType::UInt8 => $read!(u8),
            DataType::UInt16 => $read!(u16),
            DataType::UInt32 => $read!(u32),
            DataType::UInt64 => $read!(u64),
            DataType::Float32 => $read!(f32),
            DataType::Float64 => $read!(f64),
            _ => None,
        }
    };
}

/// Where the pairs' numbers differ: pair `i` is row `base_rows[i]` of `b`
/// and row `head_rows[i]` of `h`; base's rows ascend. With `order` (the plan of
/// those head rows), head's values are put in pair order by it rather
/// than read at each pair's row, and returned: the differing pairs' head
/// values are then taken from it in order. `None` when the columns are
/// not both of the same plain numeric type (the caller gathers them).
pub(super) fn paired_numbers_differ(
    b: &Series,
    h: &Series,
    base_rows: &[IdxSize],
    head_rows: &[IdxSize],
    order: Option<&Reorder>,
) -> PolarsResult<Option<(Bitmap, Option<Series>)>> {
    if b.dtype() != h.dtype() || base_rows.len() != head_rows.len() {
        return Ok(None);
    }
    macro_rules! read {
        ($as:ident) => {
            Some(differ(b.$as()?, h.$as()?, base_rows, head_rows, order))
        };
    }
    Ok(numeric!(b.dtype(), read))
}

/// Where two numeric columns of one chunk each, of the same plain type
/// and length, differ row by row, as [`paired_numbers_differ`] (polars'
/// `not_equal_missing`), made a word of 64 rows at a time: polars' kernel
/// collected its mask a bool at a time (`MutableBitmap::from_iter`, 5% of
/// a compare of a key-ordered 10M-row pair, BENCHMARKS.md). `None` for
/// other columns (polars compares them).
pub(super) fn aligned_numbers_differ(b: &Series, h: &Series) -> PolarsResult<Option<Bitmap>> {
    if b.dtype() != h.dtype() || b.len() != h.len() || b.n_chunks() != 1 || h.n_chunks() != 1 {
        return Ok(None);
    }
    macro_rules! read {
        ($as:ident) => {{
            let (x, y) = (b.$as()?, h.$as()?);
            match (x.downcast_iter().next(), y.downcast_iter().next()) {
                (Some(x), Some(y)) => Some(aligned(x, y)),
                _ => None,
            }
        }};
    }
    Ok(numeric!(b.dtype(), read))
}

/// Where the pairs of sides both in key order differ, as
/// [`paired_numbers_differ`]: each run of pairs on consecutive rows of
/// both sides (`runs`: [`super::align::consecutive_runs`]) compared where
/// it lies by [`aligned`], split at the chunks' edges. `None` when the
/// columns are not both of the same plain numeric type.
pub(super) fn ascending_numbers_differ(
    b: &Series,
    h: &Series,
    runs: &[super::align::Run],
) -> PolarsResult<Option<Bitmap>> {
    if b.dtype() != h.dtype() {
        return Ok(None);
    }
    macro_rules! read {
        ($as:ident) => {
            Some(runs_differ(b.$as()?, h.$as()?, runs))
        };
    }
    Ok(numeric!(b.dtype(), read))
}

/// [`ascending_numbers_differ`] of two columns of one type.
fn runs_differ<T>(b: &ChunkedArray<T>, h: &ChunkedArray<T>, runs: &[super::align::Run]) -> Bitmap
where
    T: PolarsNumericType,
    T::Native: Same,
{
    let (bx, hx) = (Chunks::of(b), Chunks::of(h));
    let mut out = MutableBitmap::with_capacity(runs.iter().map(|r| r.2).sum());
    let pieces =
        |x: &Chunks<T::Native>, c: usize, at: usize, n: usize| x.arrays[c].clone().sliced(at, n);
    super::align::for_each_piece(
        runs,
        |r| bx.at(r),
        |r| hx.at(r),
        |bc, bl, hc, hl, n| {
            out.extend_from_bitmap(&aligned(&pieces(&bx, bc, bl, n), &pieces(&hx, hc, hl, n)));
        },
    );
    out.freeze()
}

/// A column's chunks (the empty ones left out) and the row each begins
/// at, then the column's length (as [`spans`] takes them).
struct Chunks<'a, T: NativeType> {
    arrays: Vec<&'a PrimitiveArray<T>>,
    bounds: Vec<usize>,
}

impl<'a, T: NativeType> Chunks<'a, T> {
    fn of<P: PolarsNumericType<Native = T>>(ca: &'a ChunkedArray<P>) -> Self {
        let arrays: Vec<&PrimitiveArray<T>> = ca.downcast_iter().filter(|a| a.len() > 0).collect();
        let mut bounds = vec![0];
        bounds.extend(arrays.iter().scan(0, |end, a| {
            *end += a.len();
            Some(*end)
        }));
        Chunks { arrays, bounds }
    }

    /// The chunk holding `row`, the row's place in it and the rows left in
    /// it from there.
    fn at(&self, row: usize) -> (usize, usize, usize) {
        let c = self.bounds.partition_point(|&s| s <= row) - 1;
        let place = row - self.bounds[c];
        (c, place, self.arrays[c].len() - place)
    }
}

/// [`aligned_numbers_differ`] of two arrays of the same length.
fn aligned<T: NativeType + Same>(x: &PrimitiveArray<T>, y: &PrimitiveArray<T>) -> Bitmap {
    let n = x.len();
    let wide = crate::wide::Wide::here();
    let mut words: Vec<u64> = x
        .values()
        .as_slice()
        .chunks(64)
        .zip(y.values().as_slice().chunks(64))
        .map(|(p, q)| unlike(wide, p, q))
        .collect();
    // Each side's validity a word per 64 rows (bits past the end clear).
    let valid = |a: &PrimitiveArray<T>| {
        a.validity().filter(|v| v.unset_bits() > 0).map(|v| {
            let mut it = v.fast_iter_u64();
            let mut w: Vec<u64> = (&mut it).collect();
            w.extend(it.remainder().0);
            w
        })
    };
    let (vx, vy) = (valid(x), valid(y));
    if vx.is_some() || vy.is_some() {
        let all = |v: &Option<Vec<u64>>, i: usize| v.as_ref().map_or(u64::MAX, |v| v[i]);
        for (i, w) in words.iter_mut().enumerate() {
            let (p, q) = (all(&vx, i), all(&vy, i));
            // Both valid and unlike, or one valid and not the other.
            *w = (*w & p & q) | (p ^ q);
        }
        if !n.is_multiple_of(64)
            && let Some(last) = words.last_mut()
        {
            *last &= (1 << (n % 64)) - 1;
        }
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    Bitmap::from_u8_vec(bytes, n)
}

crate::wide::by_width! {
    /// A bit for each pair of `p` and `q` (at most 64 each, as long) whose
    /// values are not the [`Same`], built for the widest vectors the
    /// processor has.
    fn unlike[T: Same](wide: Wide, p: &[T], q: &[T]) -> u64 = unlike_in[T];
}

#[inline(always)]
fn unlike_in<T: Same>(p: &[T], q: &[T]) -> u64 {
    let mut w = 0u64;
    for (i, (&a, &b)) in p.iter().zip(q).enumerate() {
        w |= u64::from(!a.same(b)) << i;
    }
    w
}

/// Equality as polars' `not_equal_missing` takes it between two values.
trait Same: Copy {
    fn same(self, other: Self) -> bool;
}

macro_rules! same_as_eq {
    ($($t:ty),*) => {$(
        impl Same for $t {
            #[inline(always)]
            fn same(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
same_as_eq!(i8, i16, i32, i64, u8, u16, u32, u64);

macro_rules! same_as_total_eq {
    ($($t:ty),*) => {$(
        impl Same for $t {
            #[inline(always)]
            fn same(self, other: Self) -> bool {
                self == other || (self.is_nan() && other.is_nan())
            }
        }
    )*};
}
same_as_total_eq!(f32, f64);

fn differ<T>(
    b: &ChunkedArray<T>,
    h: &ChunkedArray<T>,
    base_rows: &[IdxSize],
    head_rows: &[IdxSize],
    order: Option<&Reorder>,
) -> (Bitmap, Option<Series>)
where
    T: PolarsNumericType,
    T::Native: Same,
{
    // Head's rows jump about: put in pair order by the plan (then read a
    // word of pairs at a time beside base's, see `ordered`), or made one
    // chunk, each read finding its value with no lookup. Base's ascend:
    // read where they lie, in order.
    if let Some(plan) = order {
        let values = in_pair_order(h, plan);
        let head_valid = (h.null_count() > 0).then(|| h.rechunk_validity()).flatten();
        let (bits, valid) = ordered(
            b,
            base_rows,
            &values,
            head_valid.as_ref().map(|v| (v, head_rows)),
        );
        let in_order =
            ChunkedArray::<T>::from_vec_validity(PlSmallStr::EMPTY, values, valid).into_series();
        return (bits, Some(in_order));
    }
    let h = h.rechunk();
    let head = h.downcast_iter().next();
    let mut base = Ascending::new(b);
    let pairs = head_rows.len();
    let mut bytes: Vec<u8> = Vec::with_capacity(pairs.div_ceil(64) * 8);
    let zero = T::Native::default();
    let (mut bx, mut hx) = ([zero; BLOCK], [zero; BLOCK]);
    let (mut b_valid, mut h_valid) = ([true; BLOCK], [true; BLOCK]);
    for (block, hr) in head_rows.chunks(BLOCK).enumerate() {
        let n = hr.len();
        let start = block * BLOCK;
        let rows = base_rows[start..start + n].iter().map(|&r| r as usize);
        let b_nulls = base.read(rows, &mut bx, &mut b_valid);
        // Head's validity is written on every block or on none, where it
        // stays all true.
        let h_nulls = head.is_some_and(|head| gather(head, hr, &mut hx, &mut h_valid));
        for j in (0..n).step_by(64) {
            let mut word = 0u64;
            for k in j..(j + 64).min(n) {
                let differs = if b_nulls || h_nulls {
                    match (b_valid[k], h_valid[k]) {
                        (true, true) => !bx[k].same(hx[k]),
                        (x, y) => x != y,
                    }
                } else {
                    !bx[k].same(hx[k])
                };
                word |= u64::from(differs) << (k - j);
            }
            bytes.extend_from_slice(&word.to_le_bytes());
        }
    }
    (Bitmap::from_u8_vec(bytes, pairs), None)
}

/// Where the pairs differ, head's values already in pair order (`head`;
/// with `head_valid`, head's validity over its rows and each pair's head
/// row: else every one valid), base's at `base_rows` (ascending), and
/// head's validity in pair order (with `head_valid`): a word of 64 pairs
/// at a time,
/// compared by [`unlike`] where base's rows lie, when they run on in one
/// chunk (nearly always: only rows on one side break a run), else first
/// read into a buffer. Both sides were copied into buffers a block at a
/// time and compared a pair at a time: the shuffled 10M pair's compare
/// took 2.98 s against 2.80 s now (user 4.53 against 4.38 s,
/// BENCHMARKS.md, forty-third session).
fn ordered<T>(
    b: &ChunkedArray<T>,
    base_rows: &[IdxSize],
    head: &[T::Native],
    head_valid: Option<(&Bitmap, &[IdxSize])>,
) -> (Bitmap, Option<Bitmap>)
where
    T: PolarsNumericType,
    T::Native: Same,
{
    let wide = crate::wide::Wide::here();
    let chunks = Chunks::of(b);
    let masks = crate::validity::masks(chunks.arrays.iter().copied());
    let mut base = Ascending::new(b);
    let zero = T::Native::default();
    let (mut bx, mut b_valid) = ([zero; 64], [true; 64]);
    let row = |i: usize| base_rows[i] as usize;
    // The chunk of the word's first base row.
    let mut c = 0;
    let mut words = Vec::with_capacity(head.len().div_ceil(64));
    // Head's validity read at each pair's row (1.25 MB for 10M rows: in
    // cache), rather than put in pair order by the plan's two passes as
    // the values are.
    let head_valid = head_valid.map(|(v, rows)| (BitMask::from_bitmap(v), rows));
    let mut valid_words = Vec::new();
    for (w, q) in head.chunks(64).enumerate() {
        let (start, n) = (w * 64, q.len());
        let all = u64::MAX >> (64 - n);
        let (first, last) = (row(start), row(start + n - 1));
        while first >= chunks.bounds[c + 1] {
            c += 1;
        }
        let (p, p_valid) = if last - first == n - 1 && last < chunks.bounds[c + 1] {
            let l = first - chunks.bounds[c];
            let bits = masks[c]
                .as_ref()
                .map_or(all, |m| crate::validity::bits_at(m, l) & all);
            (&chunks.arrays[c].values()[l..l + n], bits)
        } else {
            base.read((start..start + n).map(row), &mut bx, &mut b_valid);
            let bits = b_valid[..n]
                .iter()
                .enumerate()
                .fold(0, |w, (i, &v)| w | u64::from(v) << i);
            (&bx[..n], bits)
        };
        let q_valid = match &head_valid {
            None => all,
            Some((v, rows)) => {
                let bits = rows[start..start + n]
                    .iter()
                    .enumerate()
                    .fold(0, |w, (i, &r)| w | u64::from(v.get(r as usize)) << i);
                valid_words.push(bits);
                bits
            }
        };
        let mut word = unlike(wide, p, q);
        if p_valid & q_valid != all {
            // Both valid and unlike, or one valid and not the other.
            word = (word & p_valid & q_valid) | (p_valid ^ q_valid);
        }
        words.push(word);
    }
    let bitmap = |words: &[u64]| {
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        Bitmap::from_u8_vec(bytes, head.len())
    };
    let valid = head_valid.is_some().then(|| bitmap(&valid_words));
    (bitmap(&words), valid)
}

/// Head's values in pair order by `plan`, each moved by the plan's two
/// passes a block of rows at a time from the chunks where they lie (a
/// null's slot holds whatever it holds).
fn in_pair_order<T: PolarsNumericType>(h: &ChunkedArray<T>, plan: &Reorder) -> Vec<T::Native> {
    let chunks = Chunks::of(h);
    let mut values = Vec::new();
    plan.apply(
        |start, block: &mut [T::Native]| {
            for (c, at, l, len) in spans(&chunks.bounds, start, block.len()) {
                block[at..at + len].copy_from_slice(&chunks.arrays[c].values()[l..l + len]);
            }
        },
        &mut values,
    );
    values
}

/// Pairs read at a time: two blocks of values and their validity stay in
/// the first-level cache.
const BLOCK: usize = 1024;

/// The values of `one` (a chunk) at `rows` into `values`, and whether
/// each is valid into `valid`; whether any is null. A loop of few
/// instructions, so that many of its reads are in flight at once.
#[inline]
fn gather<T: NativeType>(
    one: &PrimitiveArray<T>,
    rows: &[IdxSize],
    values: &mut [T],
    valid: &mut [bool],
) -> bool {
    let v = one.values().as_slice();
    for (out, &r) in values.iter_mut().zip(rows) {
        *out = v[r as usize];
    }
    match one.validity().filter(|bits| bits.unset_bits() > 0) {
        None => false,
        Some(bits) => {
            for (out, &r) in valid.iter_mut().zip(rows) {
                *out = bits.get_bit(r as usize);
            }
            true
        }
    }
}

/// A column's chunks read at rows that only ascend: a cursor moves
/// forward through them, no row looked up.
struct Ascending<'a, T: NativeType> {
    chunks: Vec<&'a PrimitiveArray<T>>,
    /// The chunk at the cursor, and its first row in the column.
    at: usize,
    first: usize,
}

impl<'a, T: NativeType> Ascending<'a, T> {
    fn new<P: PolarsNumericType<Native = T>>(ca: &'a ChunkedArray<P>) -> Self {
        Ascending {
            chunks: ca.downcast_iter().filter(|c| c.len() > 0).collect(),
            at: 0,
            first: 0,
        }
    }

    /// The values at `rows` (ascending, at or past the last read) into
    /// `values` and whether each is valid into `valid`; whether any is
    /// null.
    fn read(
        &mut self,
        rows: impl Iterator<Item = usize>,
        values: &mut [T],
        valid: &mut [bool],
    ) -> bool {
        let mut nulls = false;
        for ((out, ok), row) in values.iter_mut().zip(valid.iter_mut()).zip(rows) {
            while row >= self.first + self.chunks[self.at].len() {
                self.first += self.chunks[self.at].len();
                self.at += 1;
            }
            let chunk = self.chunks[self.at];
            let l = row - self.first;
            *out = chunk.values()[l];
            *ok = chunk.validity().is_none_or(|bits| bits.get_bit(l));
            nulls |= !*ok;
        }
        nulls
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Signed zeros, NaN, infinities and nulls, to be set against each
    /// other.
    const FLOATS: [Option<f64>; 7] = [
        Some(0.0),
        Some(-0.0),
        Some(f64::NAN),
        None,
        Some(1.5),
        Some(f64::INFINITY),
        Some(-1.5),
    ];

    /// Where polars' `not_equal_missing` says two columns differ.
    fn polars_mask(b: &Series, h: &Series) -> Vec<bool> {
        b.not_equal_missing(h)
            .unwrap()
            .iter()
            .map(|d| d.unwrap())
            .collect()
    }

    /// A column of chunks of `lengths` rows from `values`, taken in turn.
    fn chunked<T: PolarsNumericType>(lengths: &[usize], values: &[Option<T::Native>]) -> Series {
        let mut at = 0;
        let mut ca: Option<ChunkedArray<T>> = None;
        for &len in lengths {
            let part: ChunkedArray<T> = (0..len).map(|i| values[(at + i) % values.len()]).collect();
            at += len;
            match &mut ca {
                None => ca = Some(part),
                Some(ca) => ca.append(&part).unwrap(),
            }
        }
        ca.unwrap().into_series()
    }

    /// Pair `i` at rows scrambled across both sides' chunks, fewer pairs
    /// than rows (as with keys on one side only).
    fn scramble(pairs: usize, n: usize, step: usize) -> Vec<IdxSize> {
        (0..pairs).map(|i| (i * step % n) as IdxSize).collect()
    }

    /// What polars says of the same pairs gathered into pair order.
    fn polars_says(b: &Series, h: &Series, br: &[IdxSize], hr: &[IdxSize]) -> Vec<bool> {
        let take = |s: &Series, rows: &[IdxSize]| {
            s.rechunk()
                .take(&IdxCa::from_vec("r".into(), rows.to_vec()))
                .unwrap()
        };
        polars_mask(&take(b, br), &take(h, hr))
    }

    #[test]
    fn numbers_read_in_their_chunks_differ_where_polars_says_gathered_ones_do() {
        // Signed zeros, NaN, infinities and nulls against each other.
        let floats = FLOATS;
        let (b, h) = (
            chunked::<Float64Type>(&[1024, 1500, 2048, 300], &floats),
            chunked::<Float64Type>(&[2000, 1100, 1701], &floats[1..]),
        );
        let pairs = 4_000;
        // Base's rows ascend, some left out, across its chunks' edges:
        // spread (a gap in nearly every word of 64 pairs), and nearly
        // every row (runs of consecutive rows read where they lie, broken
        // by a gap now and then and by the chunks' edges).
        let spread: Vec<IdxSize> = (0..pairs)
            .map(|i| (i * b.len() / pairs) as IdxSize)
            .collect();
        let nearly_all: Vec<IdxSize> = (0..b.len() as IdxSize)
            .filter(|r| r % 197 != 5 && r % 1021 != 0)
            .take(pairs)
            .collect();
        let hr = scramble(pairs, h.len(), 2_003);
        // Head read at each pair's row, and put in pair order by plans of
        // blocks smaller than its chunks and larger.
        let plans = |rows: &[IdxSize], len: usize| {
            [None, Some((3, 5)), Some((11, 9))]
                .map(|logs| logs.map(|logs| Reorder::of(rows, len, logs)))
        };
        for br in [spread, nearly_all] {
            let theirs = polars_says(&b, &h, &br, &hr);
            for plan in plans(&hr, h.len()) {
                let (bits, in_order) = paired_numbers_differ(&b, &h, &br, &hr, plan.as_ref())
                    .unwrap()
                    .expect("two float columns");
                let ours: Vec<bool> = bits.iter().collect();
                // Head in pair order, when planned: head's values at its rows.
                let gathered = h.take(&IdxCa::from_vec("r".into(), hr.clone())).unwrap();
                assert_eq!(
                    in_order.map(|s| s.equals_missing(&gathered)),
                    plan.as_ref().map(|_| true)
                );
                assert_eq!(ours, theirs, "plan {plan:?}");
            }
            let differing = theirs.iter().filter(|&&d| d).count();
            assert!(differing > 100 && differing < pairs - 100, "{differing}");
        }

        // Integers: base already in pair order (in chunks, a short one
        // among them), head in chunks.
        let ints = [Some(3i64), None, Some(-3), Some(i64::MAX), Some(0)];
        let (b, h) = (
            chunked::<Int64Type>(&[1500, 10, 2490], &ints),
            chunked::<Int64Type>(&[1500, 1500], &ints[2..]),
        );
        let hr = scramble(pairs, h.len(), 1_999);
        let every: Vec<IdxSize> = (0..pairs as IdxSize).collect();
        let theirs = polars_says(&b, &h, &every, &hr);
        assert!(theirs.contains(&true) && theirs.contains(&false));
        for plan in plans(&hr, h.len()) {
            let ours: Vec<bool> = paired_numbers_differ(&b, &h, &every, &hr, plan.as_ref())
                .unwrap()
                .unwrap()
                .0
                .iter()
                .collect();
            assert_eq!(ours, theirs, "plan {plan:?}");
        }
    }

    #[test]
    fn numbers_of_aligned_rows_differ_a_word_at_a_time_where_polars_says() {
        // Signed zeros, NaN, infinities and nulls against each other, in
        // columns sliced off their first rows (the arrays' offsets) and of
        // lengths off a word's edge; with nulls on either side, both and
        // neither.
        let floats = FLOATS;
        let ints = [Some(3i32), None, Some(-3), Some(i32::MAX), Some(0)];
        for len in [1, 63, 64, 65, 200, 1000] {
            for offset in [0, 3] {
                let check = |b: &Series, h: &Series| {
                    let ours: Vec<bool> = aligned_numbers_differ(b, h)
                        .unwrap()
                        .expect("numbers of one type")
                        .iter()
                        .collect();
                    assert_eq!(ours, polars_mask(b, h), "len {len} offset {offset}");
                };
                let column = |values: &[Option<f64>], step: usize| -> Series {
                    let all: Float64Chunked = (0..len + offset)
                        .map(|i| values[i * step % values.len()])
                        .collect();
                    all.into_series().slice(offset as i64, len)
                };
                let no_nulls: Vec<Option<f64>> =
                    floats.iter().copied().filter(Option::is_some).collect();
                for (b, h) in [
                    (column(&floats, 1), column(&floats, 3)),
                    (column(&no_nulls, 1), column(&floats, 2)),
                    (column(&floats, 5), column(&no_nulls, 1)),
                    (column(&no_nulls, 1), column(&no_nulls, 4)),
                ] {
                    check(&b, &h);
                }
                let column = |step: usize| -> Series {
                    let all: Int32Chunked = (0..len + offset)
                        .map(|i| ints[i * step % ints.len()])
                        .collect();
                    all.into_series().slice(offset as i64, len)
                };
                let (b, h) = (column(1), column(2));
                check(&b, &h);
            }
        }
        // Unlike types, lengths or chunks: left to polars.
        let f = Series::new("f".into(), &[1.0f64, 2.0]);
        let i = Series::new("i".into(), &[1i64, 2]);
        assert!(aligned_numbers_differ(&f, &i).unwrap().is_none());
        assert!(
            aligned_numbers_differ(&f, &f.slice(0, 1))
                .unwrap()
                .is_none()
        );
        let mut two = f.clone();
        two.append(&f).unwrap();
        assert!(aligned_numbers_differ(&two, &two).unwrap().is_none());
    }

    #[test]
    fn pairs_ascending_on_both_sides_differ_run_by_run_where_polars_says() {
        // Both sides in chunks whose edges fall inside runs; rows on one
        // side only (left out of the pairs) on either side, single and in
        // a row; runs of one pair and of many.
        let floats = FLOATS;
        let (b, h) = (
            chunked::<Float64Type>(&[700, 64, 1000, 536], &floats),
            chunked::<Float64Type>(&[1000, 1300], &floats[2..]),
        );
        let (br, hr) = super::super::align::key_ordered_pairs(b.len(), h.len());
        let runs = super::super::align::consecutive_runs(&br, &hr).expect("runs");
        assert!(br.len() > 1500, "{}", br.len());
        let theirs = polars_says(&b, &h, &br, &hr);
        let ours: Vec<bool> = ascending_numbers_differ(&b, &h, &runs)
            .unwrap()
            .expect("two float columns")
            .iter()
            .collect();
        assert_eq!(ours, theirs);
        let differing = ours.iter().filter(|&&d| d).count();
        assert!(differing > 100 && differing < br.len() - 100, "{differing}");
        // Unlike types: left to the gather.
        let i = Series::new("i".into(), &[1i64, 2]);
        assert!(
            ascending_numbers_differ(&b, &i, &[(0, 0, 2)])
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn columns_of_other_or_unlike_types_are_left_to_the_gather() {
        let f = Series::new("f".into(), &[1.0f64, 2.0]);
        let i = Series::new("i".into(), &[1i64, 2]);
        let s = Series::new("s".into(), &["a", "b"]);
        let rows: Vec<IdxSize> = vec![0, 1];
        let differ = |b, h| paired_numbers_differ(b, h, &rows, &rows, None).unwrap();
        assert!(differ(&f, &i).is_none());
        assert!(differ(&s, &s).is_none());
        assert!(differ(&i, &i).is_some());
        // Pairs of another number than base's rows: not read.
        assert!(
            paired_numbers_differ(&i, &i, &rows, &rows[..1], None)
                .unwrap()
                .is_none()
        );
    }
}
