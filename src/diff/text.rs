//! Where two string columns differ, as polars' `not_equal_missing` (null =
//! null, a null differs from a value), reading each long string's bytes a
//! few rows ahead.
//!
//! A string column is an array of 16-byte views: the length and first four
//! bytes, then the rest inline (up to 12 bytes) or the place of the bytes
//! in a buffer. Two long strings with the same length and prefix (`"title
//! ..."` on every row) are only told apart by their bytes. After head's
//! rows are gathered into pair order, its views point all over its buffers,
//! and polars' kernel waited for one cache miss per row, one at a time: on
//! the shuffled 10M pair, the `memcmp` behind it was the largest single cost
//! (13% of samples, BENCHMARKS.md). Asking for the bytes `AHEAD` rows early
//! lets those misses overlap.
//!
//! The ways in: `text_differs` for two columns already in pair order, and
//! `paired_text_differs` for two columns as read, each pair's rows found in
//! their chunks (`ByRow`), so that no string is copied into pair order.
//! For many pairs, head's views are put in pair order by the alignment's
//! plan (`reorder.rs`) first: reading them at random, each a cache miss,
//! took more than moving them twice in cache (BENCHMARKS.md, thirty-fourth
//! session). A long string's view goes there as its length and a 96-bit
//! hash of its bytes, read in order as the views are, so that no head
//! string is read at random; base's long strings of the same length are
//! hashed alike. With head's views so put (`HeadInPairOrder`),
//! `part_text_differs` compares them with a part of base's column at a
//! time, base read from disk a slice of rows at a time
//! (`column::by_base_slices`). `ascending_text_differs` reads two sides in
//! key order run by run.

use polars::prelude::*;
use polars_arrow::array::{Array, BinaryViewArrayGeneric, Utf8ViewArray, View};
use polars_arrow::bitmap::{Bitmap, MutableBitmap};

use super::reorder::{Reorder, spans};

/// Rows ahead whose bytes are asked for: enough misses in flight to cover
/// a memory access, few enough that the lines are still in cache when read.
const AHEAD: usize = 16;

/// Where `b` and `h` (string columns of one chunk each, the same length)
/// differ; `None` when either is not a plain string column. Public for
/// `examples/bench_text_differs`.
pub fn text_differs(b: &Series, h: &Series) -> PolarsResult<Option<BooleanChunked>> {
    if b.dtype() != &DataType::String || h.dtype() != &DataType::String {
        return Ok(None);
    }
    let (b, h) = (b.str()?, h.str()?);
    let (Some(ba), Some(ha)) = (b.downcast_iter().next(), h.downcast_iter().next()) else {
        return Ok(None);
    };
    if b.chunks().len() != 1 || h.chunks().len() != 1 || ba.len() != ha.len() {
        return Ok(None);
    }
    let ne = views_differ(ba, ha);
    Ok(Some(BooleanChunked::from_bitmap(PlSmallStr::EMPTY, ne)))
}

/// Where two view arrays differ: nulls equal each other and differ from
/// any value (a null's view, which need not point anywhere, is never
/// followed).
fn views_differ<T: polars_arrow::array::ViewType + ?Sized>(
    b: &BinaryViewArrayGeneric<T>,
    h: &BinaryViewArrayGeneric<T>,
) -> Bitmap {
    let (bv, hv) = (b.views().as_slice(), h.views().as_slice());
    let (bb, hb) = (b.data_buffers(), h.data_buffers());
    let (b_valid, h_valid) = (b.validity(), h.validity());
    let n = bv.len();
    let mut out = MutableBitmap::with_capacity(n);
    for i in 0..n {
        if let (Some(x), Some(y)) = (bv.get(i + AHEAD), hv.get(i + AHEAD)) {
            prefetch(x, bb);
            prefetch(y, hb);
        }
        let valid = (
            b_valid.is_none_or(|v| v.get_bit(i)),
            h_valid.is_none_or(|v| v.get_bit(i)),
        );
        out.push(differ(valid, &bv[i], &hv[i], || {
            bytes_differ(b.value(i).to_bytes(), h.value(i).to_bytes())
        }));
    }
    out.freeze()
}

/// Whether two strings' bytes differ, the strings of one length (as two
/// long strings' views that agree say): up to 32 bytes by two loads of
/// each that overlap, in registers, not a call to `memcmp`, which took 3%
/// of the shuffled 10M pair's compare on `title`'s strings of about 24
/// bytes (BENCHMARKS.md, forty-seventh session).
#[inline(always)]
fn bytes_differ(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return true;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8 bytes"));
    let wide =
        |s: &[u8], at: usize| u128::from_le_bytes(s[at..at + 16].try_into().expect("16 bytes"));
    match n {
        8..=16 => (word(a, 0) ^ word(b, 0)) | (word(a, n - 8) ^ word(b, n - 8)) != 0,
        17..=32 => (wide(a, 0) ^ wide(b, 0)) | (wide(a, n - 16) ^ wide(b, n - 16)) != 0,
        _ => a != b,
    }
}

/// Whether two rows differ, from whether each is valid and their views;
/// `bytes_differ` is asked only for two long strings of the same length
/// and first four bytes.
#[inline]
fn differ(valid: (bool, bool), b: &View, h: &View, bytes_differ: impl FnOnce() -> bool) -> bool {
    let (x, y) = (b.as_u128(), h.as_u128());
    // The low 64 bits hold the length and the first four bytes.
    if valid != (true, true) {
        valid.0 != valid.1
    } else if x as u64 != y as u64 {
        true
    } else if (x as u32) <= View::MAX_INLINE_SIZE {
        // Inline: the rest of the bytes are the high 64 bits.
        (x >> 64) as u64 != (y >> 64) as u64
    } else {
        bytes_differ()
    }
}

/// A string column's chunks read by row, without making them one chunk:
/// the chunk a row lies in is found through a table over blocks of rows,
/// each no longer than the shortest chunk (but the last), so that a block
/// starts in one chunk and ends in it or the next.
pub struct ByRow<'a> {
    arrays: Vec<&'a Utf8ViewArray>,
    /// Each chunk's first row, then the column's length.
    starts: Vec<usize>,
    /// log2 of the rows in a block.
    shift: u32,
    /// The chunk each block's first row lies in.
    chunk_of_block: Vec<u32>,
}

/// Chunks shorter than this (but the last) make the block table larger
/// than the column is worth reading in place: such a column is made one
/// chunk first.
const MIN_CHUNK: usize = 1024;

impl<'a> ByRow<'a> {
    /// `None` when a chunk other than the last is shorter than
    /// `MIN_CHUNK` rows.
    pub fn new(ca: &'a StringChunked) -> Option<ByRow<'a>> {
        let arrays: Vec<&Utf8ViewArray> = ca.downcast_iter().filter(|a| !a.is_empty()).collect();
        let shortest = shortest_but_last(&arrays);
        if shortest.is_some_and(|len| len < MIN_CHUNK) {
            return None;
        }
        let len = ca.len();
        // A block as long as the shortest chunk at most (a power of two),
        // or the whole column for one chunk.
        let shift = match shortest {
            Some(len) => len.ilog2(),
            None => usize::BITS - len.leading_zeros(),
        };
        let mut starts = Vec::with_capacity(arrays.len() + 1);
        let mut at = 0;
        for a in &arrays {
            starts.push(at);
            at += a.len();
        }
        starts.push(at);
        let blocks = (len >> shift) + 1;
        let mut chunk_of_block = Vec::with_capacity(blocks);
        let mut chunk = 0;
        for block in 0..blocks {
            let row = block << shift;
            while chunk + 1 < arrays.len() && starts[chunk + 1] <= row {
                chunk += 1;
            }
            chunk_of_block.push(chunk as u32);
        }
        Some(ByRow {
            arrays,
            starts,
            shift,
            chunk_of_block,
        })
    }

    /// Whether `ca`'s chunks can be read where they lie ([`ByRow::new`]
    /// gives `None` otherwise, and the column is made one chunk first).
    pub fn fits(ca: &StringChunked) -> bool {
        let arrays: Vec<&Utf8ViewArray> = ca.downcast_iter().filter(|a| !a.is_empty()).collect();
        shortest_but_last(&arrays).is_none_or(|len| len >= MIN_CHUNK)
    }

    /// The chunk and the row within it of row `row` (in bounds).
    #[inline]
    fn locate(&self, row: usize) -> (usize, usize) {
        let mut chunk = self.chunk_of_block[row >> self.shift] as usize;
        if row >= self.starts[chunk + 1] {
            chunk += 1;
        }
        (chunk, row - self.starts[chunk])
    }
}

/// The length of the shortest of `arrays` but the last.
fn shortest_but_last(arrays: &[&Utf8ViewArray]) -> Option<usize> {
    arrays[..arrays.len().saturating_sub(1)]
        .iter()
        .map(|a| a.len())
        .min()
}

/// Where the pairs' strings differ, each pair read where its rows lie:
/// pair `i` is row `base_rows[i]` of `b` and `head_rows[i]` of `h` (row
/// `i` for a side without rows). Null = null, a null differs from a
/// value, as `text_differs`. Nothing is gathered: each side's views are
/// asked for `2 * AHEAD` pairs early and their bytes `AHEAD` pairs early,
/// so that head's reads, which jump about its column when the sides'
/// orders differ, overlap.
///
/// With `order` (the plan of `head_rows`), head's views are first put in
/// pair order by its two passes that stay in cache ([`HeadInPairOrder`]),
/// rather than each read where its row lies.
pub fn paired_text_differs(
    b: &ByRow<'_>,
    h: &ByRow<'_>,
    base_rows: Option<&[IdxSize]>,
    head_rows: Option<&[IdxSize]>,
    pairs: usize,
    order: Option<&Reorder>,
) -> Bitmap {
    if let Some(plan) = order {
        let head = HeadInPairOrder::of(h, plan);
        let row = |i: usize| base_rows.map_or(i, |r| r[i] as usize);
        return ordered_text_differs(b, row, &head.views[..pairs]);
    }
    let row = |rows: Option<&[IdxSize]>, i: usize| rows.map_or(i, |r| r[i] as usize);
    // Each pair's place on both sides, found once, `2 * AHEAD` pairs early.
    const AHEAD: usize = 32;
    const RING: usize = 4 * AHEAD;
    let mut ring = [((0u32, 0u32), (0u32, 0u32)); RING];
    let locate = |i: usize| {
        let (bc, bl) = b.locate(row(base_rows, i));
        let (hc, hl) = h.locate(row(head_rows, i));
        ((bc as u32, bl as u32), (hc as u32, hl as u32))
    };
    fn view<'s>(side: &'s ByRow<'_>, (c, l): (u32, u32)) -> &'s View {
        &side.arrays[c as usize].views()[l as usize]
    }
    for i in 0..(2 * AHEAD).min(pairs) {
        ring[i % RING] = locate(i);
    }
    let mut out = MutableBitmap::with_capacity(pairs);
    for i in 0..pairs {
        if i + 2 * AHEAD < pairs {
            let at = locate(i + 2 * AHEAD);
            ring[(i + 2 * AHEAD) % RING] = at;
            crate::prefetch::line(view(b, at.0));
            crate::prefetch::line(view(h, at.1));
        }
        if i + AHEAD < pairs {
            let (bat, hat) = ring[(i + AHEAD) % RING];
            prefetch(view(b, bat), b.arrays[bat.0 as usize].data_buffers());
            prefetch(view(h, hat), h.arrays[hat.0 as usize].data_buffers());
        }
        let (bat, hat) = ring[i % RING];
        let (ba, ha) = (b.arrays[bat.0 as usize], h.arrays[hat.0 as usize]);
        let (bl, hl) = (bat.1 as usize, hat.1 as usize);
        let valid = (
            ba.validity().is_none_or(|v| v.get_bit(bl)),
            ha.validity().is_none_or(|v| v.get_bit(hl)),
        );
        out.push(differ(valid, &ba.views()[bl], &ha.views()[hl], || {
            bytes_differ(ba.value(bl).as_bytes(), ha.value(hl).as_bytes())
        }));
    }
    out.freeze()
}

/// Where the pairs of sides both in key order differ, as
/// [`paired_text_differs`]: each run of pairs on consecutive rows of both
/// sides (`runs`: [`super::align::consecutive_runs`]), split at the
/// chunks' edges, read in order where it lies, with no row looked up and
/// nothing asked for ahead (the processor fetches ahead of reads in
/// order).
pub fn ascending_text_differs(b: &ByRow<'_>, h: &ByRow<'_>, runs: &[super::align::Run]) -> Bitmap {
    let mut out = MutableBitmap::with_capacity(runs.iter().map(|r| r.2).sum());
    let at = |side: &ByRow<'_>, row: usize| {
        let (c, place) = side.locate(row);
        (c, place, side.arrays[c].len() - place)
    };
    super::align::for_each_piece(
        runs,
        |r| at(b, r),
        |r| at(h, r),
        |bc, bl, hc, hl, n| {
            let (ba, ha) = (b.arrays[bc], h.arrays[hc]);
            let (bv, hv) = (&ba.views()[bl..bl + n], &ha.views()[hl..hl + n]);
            let valid = |a: &Utf8ViewArray, at: usize, k: usize| {
                a.validity().is_none_or(|v| v.get_bit(at + k))
            };
            for (k, (x, y)) in bv.iter().zip(hv).enumerate() {
                let both = (valid(ba, bl, k), valid(ha, hl, k));
                out.push(differ(both, x, y, || {
                    bytes_differ(ba.value(bl + k).as_bytes(), ha.value(hl + k).as_bytes())
                }));
            }
        },
    );
    out.freeze()
}

/// A null head row's view in pair order: the length and buffer of no
/// string (a buffer of that index would be the four billionth).
const NULL: View = View {
    length: u32::MAX,
    prefix: 0,
    buffer_idx: u32::MAX,
    offset: 0,
};

fn is_null(v: &View) -> bool {
    v.length == NULL.length && v.buffer_idx == NULL.buffer_idx
}

/// Head's strings in pair order, 16 bytes a pair, each a view: a short
/// string's as it is; a long string's length and, in place of its first
/// bytes and their place, 96 bits of the XXH3-128 hash of its bytes
/// ([`long_key`]); a null row's [`NULL`].
///
/// So the bytes of a long head string are read once, in order, as its
/// view is put in pair order, never at random. Read where each pair's head
/// row lay, they were a cache miss a pair that asking ahead did not hide:
/// on the shuffled 10M pair, a build that skipped them compared in 0.34 s
/// less; hashing both sides' strings instead, 3.00 → 2.85 s
/// (BENCHMARKS.md, forty-eighth session). Two long strings of one length
/// are told apart by their hashes: two different strings pass for equal
/// with probability 2^-96 (10^-29) a pair.
pub struct HeadInPairOrder {
    views: Vec<View>,
}

/// A long string's stand-in for its view in [`HeadInPairOrder`], as a
/// view's 128 bits: its length (the view's first 32 bits, as in any
/// view), then the low 96 bits of the XXH3-128 hash of its bytes.
#[inline(always)]
fn long_key(bytes: &[u8]) -> u128 {
    let hash = xxhash_rust::xxh3::xxh3_128(bytes);
    u128::from(bytes.len() as u32) | hash << 32
}

/// Where the pairs `pairs` of `head` differ from base's rows of them
/// (`base_rows`, all pairs', ascending), `b` a part of base's column whose
/// first row is `first_row` and which holds those rows: as
/// [`paired_text_differs`] with a plan, a part of base read at a time.
pub fn part_text_differs(
    b: &ByRow<'_>,
    first_row: usize,
    base_rows: &[IdxSize],
    head: &HeadInPairOrder,
    pairs: std::ops::Range<usize>,
) -> Bitmap {
    let rows = &base_rows[pairs.clone()];
    let row = |i: usize| rows[i] as usize - first_row;
    ordered_text_differs(b, row, &head.views[pairs])
}

impl HeadInPairOrder {
    /// Head's strings (`h`) put in pair order by `plan`.
    pub fn of(h: &ByRow<'_>, plan: &Reorder) -> HeadInPairOrder {
        let mut out = Vec::new();
        plan.apply(
            |start, block: &mut [View]| {
                for (c, at, l, len) in spans(&h.starts, start, block.len()) {
                    let a = h.arrays[c];
                    let buffers = a.data_buffers();
                    let out = &mut block[at..at + len];
                    let views = &a.views()[l..l + len];
                    for (i, (o, &v)) in out.iter_mut().zip(views).enumerate() {
                        // The views 4 KB on asked for, a line's worth at every
                        // fourth: the processor did not fetch far enough ahead
                        // of this walk, whose loads were 43% of its samples
                        // (BENCHMARKS.md, forty-seventh session).
                        if i % 4 == 0 {
                            crate::prefetch::ahead_of(&views[i..i + 1], 4096);
                        }
                        // And the bytes 16 views on, to be hashed: read in
                        // order, they still waited on memory (title alone
                        // 1.62 → 1.55 s).
                        if let Some(ahead) = views.get(i + 16) {
                            prefetch(ahead, buffers);
                        }
                        let valid = a.validity().is_none_or(|bits| bits.get_bit(l + i));
                        *o = match (valid, v.length <= View::MAX_INLINE_SIZE) {
                            (false, _) => NULL,
                            (true, true) => v,
                            // SAFETY: a valid view points into its array's
                            // buffers.
                            (true, false) => {
                                View::from(long_key(unsafe { v.get_slice_unchecked(buffers) }))
                            }
                        };
                    }
                }
            },
            &mut out,
        );
        HeadInPairOrder { views: out }
    }
}

/// Where the pairs' strings differ, head's already in pair order as
/// [`HeadInPairOrder`] holds them (`head`), base's pair `i` at row
/// `row(i)` (ascending): a word of 64 pairs at a time, base's views read
/// where they lie when its rows run on in one chunk (else gathered into a
/// buffer), the views of both compared for all 64 at once, and only the
/// long base strings as long as their head's hashed ([`long_key`]). A
/// pair at a time (its base row looked up, asked for ahead, its bit
/// pushed), `country` and `member` of the shuffled 10M pair took 80 ms
/// each, against 48 ms now (BENCHMARKS.md, forty-third session).
fn ordered_text_differs(b: &ByRow<'_>, row: impl Fn(usize) -> usize, head: &[View]) -> Bitmap {
    let pairs = head.len();
    let masks = crate::validity::masks(b.arrays.iter().copied());
    // A word's base views gathered, with the chunk of each.
    let mut gathered = [View::default(); 64];
    let mut chunk_of = [0usize; 64];
    let mut words = Vec::with_capacity(pairs.div_ceil(64));
    for (w, q) in head.chunks(64).enumerate() {
        let (start, n) = (w * 64, q.len());
        let all = u64::MAX >> (64 - n);
        let (first, last) = (row(start), row(start + n - 1));
        let (c, l) = b.locate(first);
        let run = last >= first && last - first == n - 1 && l + n <= b.arrays[c].len();
        let (p, p_valid) = if run {
            let bits = masks[c]
                .as_ref()
                .map_or(all, |m| crate::validity::bits_at(m, l) & all);
            // The next word's bytes asked for, to be hashed (title alone
            // 1.53 → 1.49 s).
            let views = b.arrays[c].views();
            let buffers = b.arrays[c].data_buffers();
            for v in &views[(l + n).min(views.len())..(l + 2 * n).min(views.len())] {
                prefetch(v, buffers);
            }
            (&views[l..l + n], bits)
        } else {
            let mut bits = 0u64;
            for k in 0..n {
                let (cc, l) = b.locate(row(start + k));
                gathered[k] = b.arrays[cc].views()[l];
                chunk_of[k] = cc;
                let valid = masks[cc].as_ref().is_none_or(|m| m.get(l));
                bits |= u64::from(valid) << k;
            }
            (&gathered[..n], bits)
        };
        let q_valid = q
            .iter()
            .enumerate()
            .fold(0u64, |w, (k, v)| w | u64::from(!is_null(v)) << k);
        // Views unlike (a short string's whole view; a long one's length),
        // and long strings of one length, whose hashes tell.
        let (mut unlike, mut long) = (0u64, 0u64);
        for (k, (x, y)) in p.iter().zip(q).enumerate() {
            let (x, y) = (x.as_u128(), y.as_u128());
            let length = x as u32 != y as u32;
            let inline = (x as u32) <= View::MAX_INLINE_SIZE;
            unlike |= u64::from(length | (inline & (x != y))) << k;
            long |= u64::from(!length & !inline) << k;
        }
        let both = p_valid & q_valid;
        let mut read = long & both;
        while read != 0 {
            let k = read.trailing_zeros() as usize;
            let cc = if run { c } else { chunk_of[k] };
            // SAFETY: a valid base view points into its array's buffers.
            let base = unsafe { p[k].get_slice_unchecked(b.arrays[cc].data_buffers()) };
            unlike |= u64::from(long_key(base) != q[k].as_u128()) << k;
            read &= read - 1;
        }
        words.push((unlike & both) | (p_valid ^ q_valid));
    }
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    Bitmap::from_u8_vec(bytes, pairs)
}

/// Asks for the first line of a long string's bytes (inline ones have
/// nothing to ask for). A hint: it reads nothing and cannot fault.
#[inline]
fn prefetch<B: std::ops::Deref<Target = [u8]>>(view: &View, buffers: &[B]) {
    if view.length <= View::MAX_INLINE_SIZE {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if let Some(buffer) = buffers.get(view.buffer_idx as usize) {
        let at = buffer.as_ptr().wrapping_add(view.offset as usize);
        // SAFETY: a prefetch is a hint; it does not access memory, and an
        // address outside the buffer (a null slot's view, which callers
        // asking ahead do not look at first, may point anywhere) is
        // ignored, not faulted on; the address is made by wrapping.
        unsafe {
            std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = buffers;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[Option<&str>]) -> Series {
        Series::new("s".into(), v)
    }

    #[test]
    fn bytes_compared_in_overlapping_words_differ_where_slices_do() {
        // Every length to 40 (each way of comparing), a byte changed at
        // each place (the overlap included), and of another length.
        let a: Vec<u8> = (0..40u8).map(|i| b'a' + i % 26).collect();
        for n in 0..=40 {
            assert!(!bytes_differ(&a[..n], &a[..n]), "{n} bytes");
            for at in 0..n {
                let mut b = a[..n].to_vec();
                b[at] ^= 0x20;
                assert!(bytes_differ(&a[..n], &b), "{n} bytes, changed at {at}");
            }
            if n > 0 {
                assert!(bytes_differ(&a[..n], &a[..n - 1]), "{n} bytes, one fewer");
            }
        }
    }

    #[test]
    fn text_differs_as_polars_does_on_long_short_and_null_values() {
        let long = "a string longer than twelve bytes";
        let b = strings(&[
            Some(long),
            Some("a string longer than twelve bytez"),
            Some("short"),
            Some("short"),
            None,
            None,
            Some(long),
            Some(""),
            Some("twelve bytes"),
            Some("same prefix, other length"),
        ]);
        let h = strings(&[
            Some(long),
            Some("a string longer than twelve bytes"),
            Some("short"),
            Some("shorT"),
            None,
            Some("x"),
            None,
            Some(""),
            Some("twelve bytes"),
            Some("same prefix, other lengths"),
        ]);
        let ours = text_differs(&b, &h).unwrap().expect("two string columns");
        let theirs = b.not_equal_missing(&h).unwrap();
        assert_eq!(
            ours.iter().collect::<Vec<_>>(),
            theirs.iter().collect::<Vec<_>>()
        );
        assert_eq!(ours_count(&b, &h), 5);
    }

    fn ours_count(b: &Series, h: &Series) -> usize {
        text_differs(b, h).unwrap().unwrap().sum().unwrap_or(0) as usize
    }

    /// A string column of chunks of `lengths` rows: long values sharing
    /// their first bytes, short ones, empty ones and nulls, from `seed`.
    fn chunked(lengths: &[usize], seed: u64) -> StringChunked {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        let mut ca: Option<StringChunked> = None;
        for &len in lengths {
            let values: Vec<Option<String>> = (0..len)
                .map(|_| match next() % 10 {
                    0 => None,
                    1 => Some(String::new()),
                    2 | 3 => Some(format!("s{}", next() % 7)),
                    _ => Some(format!("a long title of a row, {}", next() % 50)),
                })
                .collect();
            let chunk = StringChunked::from_iter_options("s".into(), values.into_iter());
            match &mut ca {
                None => ca = Some(chunk),
                Some(ca) => ca.append(&chunk).unwrap(),
            }
        }
        ca.unwrap()
    }

    /// Where polars says the pairs differ, both sides gathered into pair
    /// order (`base_rows[i]` of `b` against `head_rows[i]` of `h`).
    fn polars_pairs(
        b: &StringChunked,
        h: &StringChunked,
        base_rows: &[IdxSize],
        head_rows: &[IdxSize],
    ) -> Vec<bool> {
        let take = |ca: &StringChunked, rows: &[IdxSize]| {
            ca.rechunk()
                .take(&IdxCa::from_vec("r".into(), rows.to_vec()))
                .unwrap()
                .into_series()
        };
        take(b, base_rows)
            .not_equal_missing(&take(h, head_rows))
            .unwrap()
            .iter()
            .map(|d| d.unwrap())
            .collect()
    }

    #[test]
    fn pairs_in_key_order_on_both_sides_differ_run_by_run_as_polars_gathers_them() {
        // Chunk edges inside runs on both sides; rows on one side only
        // (left out of the pairs) on either side, single and in a row.
        let b = chunked(&[1024, 1500, 2048, 300], 3);
        let h = chunked(&[2000, 1100, 1700], 4);
        let (base_rows, head_rows) = super::super::align::key_ordered_pairs(b.len(), h.len());
        let (bv, hv) = (ByRow::new(&b).unwrap(), ByRow::new(&h).unwrap());
        let ours: Vec<bool> = ascending_text_differs(
            &bv,
            &hv,
            &super::super::align::consecutive_runs(&base_rows, &head_rows).expect("runs"),
        )
        .iter()
        .collect();
        let theirs = polars_pairs(&b, &h, &base_rows, &head_rows);
        assert_eq!(ours, theirs);
        let differing = ours.iter().filter(|&&d| d).count();
        assert!(
            differing > 100 && differing < ours.len() - 100,
            "{differing} of {}",
            ours.len()
        );
    }

    #[test]
    fn paired_text_differs_reads_rows_in_their_chunks_as_polars_gathers_them() {
        let b = chunked(&[1024, 1500, 2048, 300], 1);
        let h = chunked(&[2000, 1100, 1700], 2);
        assert_eq!((b.chunks().len(), h.chunks().len()), (4, 3));
        // Every row found in its chunk, across the chunks' edges.
        let bv = ByRow::new(&b).expect("chunks of 1,024 rows or more");
        let mut row = 0;
        for (c, a) in bv.arrays.iter().enumerate() {
            for l in 0..a.len() {
                assert_eq!(bv.locate(row), (c, l), "row {row}");
                row += 1;
            }
        }
        // Pairs in a scrambled order on both sides, as shuffled files
        // pair; fewer pairs than rows, as with keys on one side only.
        let pairs = 4_000;
        let scramble = |n: usize, step: usize| -> Vec<IdxSize> {
            (0..pairs).map(|i| (i * step % n) as IdxSize).collect()
        };
        let (base_rows, head_rows) = (scramble(b.len(), 7), scramble(h.len(), 2_003));
        let hv = ByRow::new(&h).unwrap();
        let ours = paired_text_differs(&bv, &hv, Some(&base_rows), Some(&head_rows), pairs, None);
        let theirs = polars_pairs(&b, &h, &base_rows, &head_rows);
        let ours: Vec<bool> = ours.iter().collect();
        assert_eq!(ours, theirs);
        // Head's views put in pair order first, by plans of blocks smaller
        // than its chunks and larger; base's rows scrambled, or ascending
        // and nearly all of them, as a shuffled base read where it lies
        // pairs (runs of 64 pairs read in place, broken by a gap now and
        // then and by the chunks' edges).
        let nearly_all: Vec<IdxSize> = (0..b.len() as IdxSize)
            .filter(|r| r % 197 != 5 && r % 1021 != 0)
            .take(pairs)
            .collect();
        let theirs_in_place = polars_pairs(&b, &h, &nearly_all, &head_rows);
        for (rows, want) in [(&base_rows, &theirs), (&nearly_all, &theirs_in_place)] {
            for logs in [(3, 5), (11, 9)] {
                let plan = Reorder::of(&head_rows, h.len(), logs);
                let ordered =
                    paired_text_differs(&bv, &hv, Some(rows), Some(&head_rows), pairs, Some(&plan));
                let got: Vec<bool> = ordered.iter().collect();
                assert_eq!(&got, want, "blocks of 2^{logs:?}");
            }
        }
        // Both outcomes occur, nulls against values among them.
        let differing = ours.iter().filter(|&&d| d).count();
        assert!(differing > 100 && differing < pairs - 100, "{differing}");
        // Rows without a list are the pairs' positions.
        let same = paired_text_differs(&bv, &bv, None, None, b.len(), None);
        assert_eq!(same.unset_bits(), b.len());
    }

    /// Head's long strings, put in pair order as hashes of their bytes,
    /// differ from base's where their bytes do: every length the hash
    /// reads in another way (13 to 16 bytes, to 128, to 240, more), one
    /// byte changed at each place, first bytes shared, UTF-8 of several
    /// bytes, and a string one byte shorter.
    #[test]
    fn long_strings_compared_by_hash_in_pair_order_differ_where_their_bytes_do() {
        let (mut base, mut head) = (Vec::new(), Vec::new());
        for len in [13usize, 16, 17, 32, 33, 64, 128, 129, 240, 241, 300] {
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            let same = String::from_utf8(text.clone()).unwrap();
            for at in 0..len {
                let mut other = text.clone();
                other[at] = b'_';
                base.push(Some(same.clone()));
                head.push(Some(String::from_utf8(other).unwrap()));
                base.push(Some(same.clone()));
                head.push(Some(same.clone()));
            }
            base.push(Some(same.clone()));
            head.push(Some(same[..len - 1].to_string()));
            base.push(Some(format!("{}é", &same[..len - 2])));
            head.push(Some(format!("{}è", &same[..len - 2])));
            base.push(None);
            head.push(Some(same.clone()));
            base.push(Some(same.clone()));
            head.push(None);
        }
        let (b, h) = (
            StringChunked::from_iter_options("s".into(), base.into_iter()),
            StringChunked::from_iter_options("s".into(), head.into_iter()),
        );
        let pairs = b.len();
        // Base's rows ascending (read where they lie), head's scrambled.
        let base_rows: Vec<IdxSize> = (0..pairs as IdxSize).collect();
        let head_rows: Vec<IdxSize> = (0..pairs).map(|i| (i * 7919 % pairs) as IdxSize).collect();
        let h = h
            .rechunk()
            .take(&IdxCa::from_vec("r".into(), {
                // Head's rows laid so that pair `i` finds its string at
                // `head_rows[i]`.
                let mut at = vec![0 as IdxSize; pairs];
                for (i, &r) in head_rows.iter().enumerate() {
                    at[r as usize] = i as IdxSize;
                }
                at
            }))
            .unwrap();
        let (bv, hv) = (ByRow::new(&b).unwrap(), ByRow::new(&h).unwrap());
        let theirs = polars_pairs(&b, &h, &base_rows, &head_rows);
        for logs in [(3, 5), (11, 9)] {
            let plan = Reorder::of(&head_rows, h.len(), logs);
            let ours = paired_text_differs(
                &bv,
                &hv,
                Some(&base_rows),
                Some(&head_rows),
                pairs,
                Some(&plan),
            );
            assert_eq!(
                ours.iter().collect::<Vec<_>>(),
                theirs,
                "blocks of 2^{logs:?}"
            );
        }
        let differing = theirs.iter().filter(|&&d| d).count();
        assert_eq!(differing, pairs / 2 + 11 * 2, "{differing} of {pairs}");
    }

    #[test]
    fn a_short_chunk_before_the_last_is_not_read_in_place() {
        assert!(ByRow::new(&chunked(&[2000, 10, 2000], 3)).is_none());
        assert!(ByRow::new(&chunked(&[2000, 2000, 10], 3)).is_some());
        assert!(ByRow::new(&chunked(&[10], 3)).is_some());
    }

    #[test]
    fn text_differs_reads_rows_gathered_out_of_order_and_leaves_other_types_to_polars() {
        // Long values gathered in another order, as head's are in pair order.
        let values: Vec<String> = (0..200)
            .map(|i| format!("title {i:05} of a long row"))
            .collect();
        let b = Series::new("s".into(), &values);
        let rows: Vec<IdxSize> = (0..200).rev().collect();
        let h = b.take(&IdxCa::from_vec("r".into(), rows)).unwrap();
        assert_eq!(ours_count(&b, &h), 200);
        assert_eq!(
            ours_count(
                &b,
                &b.take(&IdxCa::from_vec("r".into(), (0..200).collect()))
                    .unwrap()
            ),
            0
        );
        let ints = Series::new("i".into(), &[1i64, 2]);
        assert!(text_differs(&ints, &ints).unwrap().is_none());
    }
}
