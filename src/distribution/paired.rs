//! A keyed feature compared key by key: base's and head's values of the
//! same key paired (as exact tables pair rows, the n-th occurrence of a key
//! with the n-th), what changed beyond the table's precision, by how much
//! and which way, and the paired tests on the deltas (`stats::paired`).
//! Categories: which keys changed category, and the most frequent changes.

use polars::prelude::*;
use polars_arrow::bitmap::bitmask::BitMask;

use super::edited::Edits;
use crate::diff::{KeyPairs, SAMPLES, row_values, to_json};
use crate::model::ValueSample;
use crate::model::paired::{PLOT_POINTS, Paired, PairedTest, Transition};
use crate::model::scale::Scale;
use crate::stats::paired;

/// Most frequent changes of category reported per feature.
pub(crate) const TRANSITIONS: usize = 5;

/// What a paired comparison needs from the table and the feature's test.
pub(crate) struct Settings<'a> {
    pub key: &'a [String],
    /// Relative: values closer than this are unchanged (float noise).
    pub tolerance: f64,
    pub alpha: f64,
    pub min_effect: f64,
    pub max_changed_fraction: Option<f64>,
    /// What the feature's numbers measure.
    pub scale: Scale,
}

impl Settings<'_> {
    pub(crate) fn empty(&self, keys: u64) -> Paired {
        Paired {
            keys,
            changed: 0,
            up: 0,
            down: 0,
            to_null: 0,
            from_null: 0,
            median_abs_delta: 0.0,
            max_abs_delta: 0.0,
            samples: Vec::new(),
            transitions: Vec::new(),
            test: None,
            effect: f64::NAN,
            alpha: self.alpha,
            min_effect: self.min_effect,
            max_changed_fraction: self.max_changed_fraction,
            points: Vec::new(),
            scale: self.scale,
        }
    }
}

/// A side's column as numbers: decimals as their values, dates and times
/// as their physical numbers, NaN as null (as the distribution tests).
pub(crate) fn as_f64(s: &Series, to: Scale) -> PolarsResult<Series> {
    let floats = if s.dtype().is_decimal() {
        s.cast(&DataType::Float64)?
    } else {
        s.to_physical_repr().cast(&DataType::Float64)?
    };
    // A side in another unit than the feature's (milliseconds beside
    // microseconds, a date beside timestamps) is brought to it.
    let factor = Scale::of_type(&s.dtype().to_string()).factor_to(to);
    Ok(if factor == 1.0 {
        floats
    } else {
        &floats * factor
    })
}

/// Two numbers of a pair are the same value: equal, or closer than the
/// relative tolerance (a finite difference: a number becoming infinite is
/// a change). Every engine's rule (`spark/distribution.rs` renders it).
pub(crate) fn unchanged(x: f64, y: f64, tol: f64) -> bool {
    x == y || ((y - x).abs() <= tol * x.abs().max(y.abs()) && (y - x).is_finite())
}

/// The effect of a typical move against base's spread: in standard
/// deviations; with no spread (a constant base), any move is infinite.
pub(crate) fn effect(typical: f64, spread: f64) -> f64 {
    let e = typical / spread;
    if e.is_nan() {
        if typical > 0.0 { f64::INFINITY } else { 0.0 }
    } else {
        e
    }
}

/// How a category (or a null) is named in a transition.
pub(crate) fn category_label(v: Option<&str>) -> String {
    v.map_or("null".to_string(), |v| format!("{v:?}"))
}

/// One chunk of a column of numbers: its first row, values and validity.
#[derive(Clone, Copy)]
struct Chunk<'a> {
    start: usize,
    values: &'a [f64],
    valid: Option<&'a polars_arrow::bitmap::Bitmap>,
}

impl<'a> Chunk<'a> {
    fn end(&self) -> usize {
        self.start + self.values.len()
    }

    /// Row `r`'s value (NaN for null); `r` lies in this chunk.
    #[inline]
    fn get(&self, r: usize) -> f64 {
        let i = r - self.start;
        match self.valid {
            Some(v) if !v.get_bit(i) => f64::NAN,
            _ => self.values[i],
        }
    }

    /// The [`BLOCK`] values from row `r` on and their validity, a bit
    /// each; the rows lie in this chunk.
    #[inline]
    fn block(&self, r: usize) -> (&'a [f64; BLOCK], u32) {
        let i = r - self.start;
        let values = self.values[i..i + BLOCK]
            .try_into()
            .unwrap_or_else(|_| unreachable!("a slice of BLOCK values"));
        let valid = self
            .valid
            .map_or(u32::MAX, |v| BitMask::from_bitmap(v).get_u32(i));
        (values, valid)
    }
}

/// A column's non-empty chunks, in row order.
fn chunks(ca: &Float64Chunked) -> Vec<Chunk<'_>> {
    let mut start = 0;
    ca.downcast_iter()
        .filter(|a| a.len() > 0)
        .map(|a| {
            let c = Chunk {
                start,
                values: a.values().as_slice(),
                valid: a.validity().filter(|v| v.unset_bits() > 0),
            };
            start = c.end();
            c
        })
        .collect()
}

/// Pairs looked at together where their rows are consecutive on both
/// sides: a block whose every pair is unchanged needs no look pair by pair.
const BLOCK: usize = 32;

/// How many of a block's pairs hold the same number on both sides (in
/// bits: 0.0 and -0.0 are looked at, as head's numbers are told apart from
/// base's by the pairs looked at, `edited.rs`), when each of the others
/// holds none on either side (null or NaN); `None` when any pair differs,
/// so that the block is looked at pair by pair. `vx` and
/// `vy` are the sides' validity, a bit per pair. Written so that the
/// compiler compares the block a vector at a time (a bit set per pair in
/// a loop was not: its shifts took a third of the key by key loop): a
/// column the change left alone is counted in a fraction of the time pair
/// by pair took (BENCHMARKS.md, twenty-sixth session).
#[inline]
fn unchanged_block(xs: &[f64; BLOCK], ys: &[f64; BLOCK], vx: u32, vy: u32) -> Option<u32> {
    // Equal numbers (NaN is equal to nothing) on every pair, no null.
    let same = |x: &f64, y: &f64| (x == y) & (x.to_bits() == y.to_bits());
    let equal = xs.iter().zip(ys).fold(true, |all, (x, y)| all & same(x, y));
    if equal && vx & vy == u32::MAX {
        return Some(BLOCK as u32);
    }
    let (mut eq, mut nx, mut ny) = ([0u8; BLOCK], [0u8; BLOCK], [0u8; BLOCK]);
    for i in 0..BLOCK {
        eq[i] = u8::from(same(&xs[i], &ys[i]));
        nx[i] = u8::from(xs[i].is_nan());
        ny[i] = u8::from(ys[i].is_nan());
    }
    let (px, py) = (vx & !bits(&nx), vy & !bits(&ny));
    let same = px & py & bits(&eq);
    (same | !(px | py) == u32::MAX).then_some(same.count_ones())
}

/// Bytes of 0 or 1 as the bits of a word, bit `i` from byte `i`: eight
/// bytes at a time, each multiplied into the top byte of a product.
#[inline]
fn bits(b: &[u8; BLOCK]) -> u32 {
    let mut m = 0;
    for (i, c) in b.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(c.try_into().unwrap_or_else(|_| unreachable!("8 bytes")));
        m |= ((w.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32) << (8 * i);
    }
    m
}

/// Every value in row order (NaN for nulls), into `out` (emptied first).
fn flatten_into(chunks: &[Chunk<'_>], out: &mut Vec<f64>) {
    out.clear();
    // Once, not grown chunk by chunk: each growth of a column-sized buffer
    // copied it into fresh pages (BENCHMARKS.md, sixteenth session).
    out.resize(chunks.last().map_or(0, Chunk::end), 0.0);
    fill_rows(chunks, 0, out);
}

/// Fills `block` with the values of the rows from `start` on of a
/// column's `chunks` (NaN for nulls).
fn fill_rows(chunks: &[Chunk<'_>], start: usize, block: &mut [f64]) {
    let end = start + block.len();
    for c in chunks.iter().filter(|c| c.end() > start && c.start < end) {
        let (from, to) = (start.max(c.start) - c.start, end.min(c.end()) - c.start);
        let values = &c.values[from..to];
        let out = &mut block[c.start + from - start..c.start + to - start];
        out.copy_from_slice(values);
        if let Some(v) = c.valid {
            // 64 values to a word of the validity, not a bit read per value.
            let mut at = 0;
            crate::validity::for_each_word(
                values,
                &v.clone().sliced(from, to - from),
                |run, valid| {
                    if valid != u64::MAX {
                        for (i, x) in out[at..at + run.len()].iter_mut().enumerate() {
                            if valid >> i & 1 == 0 {
                                *x = f64::NAN;
                            }
                        }
                    }
                    at += run.len();
                },
            );
        }
    }
}

/// Rows that ascend, read chunk by chunk: the next `len` rows of `rows`
/// (`None`: the rows are the positions) lie in the chunk returned.
struct Ascending<'a, 'r> {
    chunks: &'a [Chunk<'a>],
    rows: Option<&'r [IdxSize]>,
    at: usize,
}

impl<'a> Ascending<'a, '_> {
    /// From position `i`: the chunk of its row and how many positions
    /// from `i` on lie in it.
    fn run(&mut self, i: usize) -> (Chunk<'a>, usize) {
        let row = self.rows.map_or(i, |r| r[i] as usize);
        while self.chunks[self.at].end() <= row {
            self.at += 1;
        }
        let c = self.chunks[self.at];
        let len = match self.rows {
            Some(rows) => rows[i..].partition_point(|&r| (r as usize) < c.end()),
            None => c.end() - i,
        };
        (c, len)
    }
}

/// Where head's value of a pair lies: at its row in a chunk (`rows`: each
/// position's row; `None`: the position is the row), or anywhere in a
/// copy of the column into one buffer (NaN for nulls), its rows in no
/// order. The copy is one allocation: read at random from the column's
/// own chunks instead, a third of the loop's time went to the page walks
/// of its reads, when huge pages were asked for buffers of a column
/// (BENCHMARKS.md, twenty-sixth session; from 2^20 pairs on, head is now
/// put in pair order instead, `diff/reorder.rs`).
#[derive(Clone, Copy)]
enum HeadAt<'a> {
    Rows(Chunk<'a>, Option<&'a [IdxSize]>),
    Anywhere(&'a [f64], &'a [IdxSize]),
}

/// Pairs `from..to`, whose base rows (`rb`, or the positions) lie in
/// chunk `cb`: a block of [`BLOCK`] pairs all unchanged is counted into
/// `same` (base's rows consecutive; head's values where they lie when its
/// rows are consecutive too, else gathered into the block first, the next
/// block's asked for meanwhile when they lie anywhere); every other pair
/// goes to `f`.
#[inline]
fn walk(
    (from, to): (usize, usize),
    (cb, rb): (Chunk<'_>, Option<&[IdxSize]>),
    head: HeadAt<'_>,
    same: &mut usize,
    f: &mut impl FnMut(usize, f64, f64),
) {
    let row = |rows: Option<&[IdxSize]>, k: usize| rows.map_or(k, |r| r[k] as usize);
    let mut gathered = [0.0; BLOCK];
    let mut k = from;
    while k < to {
        let end = (k + BLOCK).min(to);
        let whole = end - k == BLOCK;
        // Head's values of the block and their validity: where they lie,
        // or gathered (NaN for nulls).
        let (ys, vy) = match head {
            HeadAt::Rows(ch, rh) if whole && row(rh, end - 1) == row(rh, k) + BLOCK - 1 => {
                ch.block(row(rh, k))
            }
            HeadAt::Rows(ch, rh) => {
                for (y, j) in gathered.iter_mut().zip(k..end) {
                    *y = ch.get(row(rh, j));
                }
                (&gathered, u32::MAX)
            }
            HeadAt::Anywhere(flat, rh) => {
                for &r in &rh[end..(end + BLOCK).min(to)] {
                    crate::prefetch::line(&flat[r as usize]);
                }
                for (y, &r) in gathered.iter_mut().zip(&rh[k..end]) {
                    *y = flat[r as usize];
                }
                (&gathered, u32::MAX)
            }
        };
        let counted = whole && {
            let r = row(rb, k);
            row(rb, end - 1) == r + BLOCK - 1 && {
                let (xs, vx) = cb.block(r);
                let n = unchanged_block(xs, ys, vx, vy);
                *same += n.unwrap_or(0) as usize;
                n.is_some()
            }
        };
        if !counted {
            for j in k..end {
                let y = match vy >> (j - k) & 1 {
                    1 => ys[j - k],
                    _ => f64::NAN,
                };
                f(j, cb.get(row(rb, j)), y);
            }
        }
        k = end;
    }
}

/// Pairs `from..to` walked run by run ([`walk`]): each run's base rows
/// lie in one chunk of `base`, and `head(i)` says where head's values of
/// the pairs from `i` on lie, and for how many.
fn walk_runs<'h>(
    base: &mut Ascending<'_, '_>,
    (from, to): (usize, usize),
    mut head: impl FnMut(usize) -> (HeadAt<'h>, usize),
    same: &mut usize,
    f: &mut impl FnMut(usize, f64, f64),
) {
    let mut i = from;
    while i < to {
        let (cb, len_b) = base.run(i);
        let (at, len_h) = head(i);
        let end = to.min(i + len_b.min(len_h));
        walk((i, end), (cb, base.rows), at, same, f);
        i = end;
    }
}

/// Calls `f` with every pair's position and both sides' numbers (NaN for
/// nulls), in pair order, but for blocks of pairs which are all
/// unchanged: those are only counted, into the number returned (pairs with
/// the same number on both sides). Rows that ascend (base's always; head's
/// when both sides are in the same key order) are read chunk by chunk
/// where they lie. Head's other rows: with many pairs, its values put in
/// pair order (`KeyPairs::head_in_pair_order`), each block of pairs
/// walked as soon as it is in order; with few, read from a copy of its
/// column into one buffer, a block at a time, the next block's asked for
/// meanwhile (the reads of a block wait on no other work). Either buffer comes from `pairs` and goes
/// back to it: a fresh 80 MB buffer per column cost more in page faults
/// than the copy (BENCHMARKS.md).
fn for_each_pair(
    pairs: &KeyPairs,
    (b, h): (&Float64Chunked, &Float64Chunked),
    mut f: impl FnMut(usize, f64, f64),
) -> usize {
    let (bc, hc) = (chunks(b), chunks(h));
    let (rb, rh) = pairs.rows();
    let mut base = Ascending {
        chunks: &bc,
        rows: rb,
        at: 0,
    };
    let mut same = 0;
    // Head's rows in no order: its values put in pair order when the pairs
    // are many, and each block of pairs walked as soon as it is in order,
    // from cache rather than from memory once more (user 2.47 -> 2.41 s
    // over four columns of 10M pairs, BENCHMARKS.md); else copied into one
    // buffer and read at each pair's row.
    let copy = rh.filter(|_| !pairs.head_ascends()).map(|_| {
        let mut values = pairs.buffer();
        let head_len = hc.last().map_or(0, Chunk::end);
        let fill = |start, block: &mut [f64]| fill_rows(&hc, start, block);
        let each = |first: usize, block: &[f64]| {
            // In pair order, head's rows are the positions.
            let ordered = Chunk {
                start: first,
                values: block,
                valid: None,
            };
            let at = |_| (HeadAt::Rows(ordered, None), usize::MAX);
            let range = (first, first + block.len());
            walk_runs(&mut base, range, at, &mut same, &mut f);
        };
        let ordered = pairs.head_in_pair_order(head_len, fill, &mut values, each);
        if !ordered {
            flatten_into(&hc, &mut values);
        }
        (values, ordered)
    });
    let copy = match copy {
        // Every pair walked, block by block.
        Some((values, true)) => {
            pairs.give_back(values);
            return same;
        }
        Some((values, false)) => Some(values),
        None => None,
    };
    let mut head = Ascending {
        chunks: &hc,
        rows: rh,
        at: 0,
    };
    let anywhere = copy.as_deref().zip(rh);
    let at = |i| match anywhere {
        Some((flat, rh)) => (HeadAt::Anywhere(flat, rh), usize::MAX),
        None => {
            let (ch, len) = head.run(i);
            (HeadAt::Rows(ch, rh), len)
        }
    };
    walk_runs(&mut base, (0, pairs.len()), at, &mut same, &mut f);
    if let Some(values) = copy {
        pairs.give_back(values);
    }
    same
}

/// A numeric feature key by key, and its typical |Δ|: the effect is that
/// against base's standard deviation ([`effect`]), set by the caller, which
/// may learn the deviation while this runs. With `edits`, also what tells
/// head's numbers apart from base's, unless more than
/// [`Edits::most`] of them.
///
/// Both sides are read by row where they lie, compared in one pass that
/// keeps only the non-zero deltas, and those are sorted once for
/// the test, the medians and the largest |Δ| (BENCHMARKS.md has what each
/// step costs on 10M keys).
pub(crate) fn numeric(
    settings: &Settings<'_>,
    pairs: &KeyPairs,
    (base, head): (&Series, &Series),
    edits: bool,
) -> PolarsResult<(Paired, f64, Option<Edits>)> {
    let (b, h) = (as_f64(base, settings.scale)?, as_f64(head, settings.scale)?);
    let (b, h) = (b.f64()?, h.f64()?);
    let value = |v: f64| Some(v).filter(|x| !x.is_nan());
    let mut out = settings.empty(pairs.len() as u64);
    // Every pair where both sides hold a number: its delta, 0 when the
    // change is within the precision; and the pairs that changed.
    // Room for every pair up front: growing them copied tens of MB into
    // fresh pages each time; room never written is never touched.
    let mut deltas = paired::Deltas::with_capacity(pairs.len());
    // The pairs whose number changed, a bit each: a position each (u32)
    // was 40 MB of fresh pages on 10M changed keys, for 400 plot points.
    let mut changed_at = vec![0u64; pairs.len().div_ceil(64)];
    let mut moved = 0usize;
    // The largest changes: (|Δ| or +inf for null changes, pair), largest first.
    let mut largest: Vec<(f64, usize)> = Vec::with_capacity(SAMPLES + 1);
    let mut keep = |size: f64, i: usize| {
        if largest.len() == SAMPLES && largest[SAMPLES - 1].0 >= size {
            return;
        }
        let at = largest.partition_point(|(s, _)| *s >= size);
        largest.insert(at, (size, i));
        largest.truncate(SAMPLES);
    };
    let tol = settings.tolerance;
    let mut pair = |i: usize, x: f64, y: f64| match (value(x), value(y)) {
        (None, None) => {}
        (Some(_), None) => {
            out.to_null += 1;
            keep(f64::INFINITY, i);
        }
        (None, Some(_)) => {
            out.from_null += 1;
            keep(f64::INFINITY, i);
        }
        (Some(x), Some(y)) => {
            if unchanged(x, y, tol) {
                deltas.push(0.0);
            } else {
                let d = y - x;
                deltas.push(d);
                changed_at[i / 64] |= 1 << (i % 64);
                moved += 1;
                keep(d.abs(), i);
            }
        }
    };
    let most = Edits::most(pairs.len());
    let mut edits = edits.then(Edits::default);
    let same = for_each_pair(pairs, (b, h), |i, x, y| {
        if let Some(e) = &mut edits
            && x.to_bits() != y.to_bits()
        {
            e.note(value(x), value(y));
            if e.len() > most {
                edits = None;
            }
        }
        pair(i, x, y)
    });
    // Base's rows without a pair took their numbers away; head's brought
    // theirs.
    if let Some(e) = &mut edits {
        let (missing, extra) = pairs.unpaired_rows();
        if e.len() + missing.len() + extra.len() > most {
            edits = None;
        } else {
            let at = |ca: &Float64Chunked, r: IdxSize| ca.get(r as usize).and_then(value);
            e.removed.extend(missing.iter().filter_map(|&r| at(b, r)));
            e.added.extend(extra.iter().filter_map(|&r| at(h, r)));
        }
    }
    deltas.push_zeros(same);
    out.changed = moved as u64 + out.to_null + out.from_null;
    let a = deltas.analyze();
    (out.up, out.down) = (a.counts.positive, a.counts.negative);
    (out.median_abs_delta, out.max_abs_delta) = (a.counts.median_abs, a.counts.max_abs);
    out.test = a.wilcoxon.map(|w| PairedTest {
        n: w.n as u64,
        statistic: w.statistic,
        p_value: w.p_value,
        p_adjusted: f64::NAN,
        method: w.method.as_str(),
        sign_p_value: paired::sign_test(a.counts.positive, a.counts.negative),
    });
    // (base, Δ) of at most PLOT_POINTS changed pairs, taken evenly.
    let every = moved.div_ceil(PLOT_POINTS).max(1);
    let value_at = |ca: &Float64Chunked, r: usize| ca.get(r).unwrap_or(f64::NAN);
    out.points = every_set_bit(&changed_at, every)
        .into_iter()
        .map(|i| {
            let (rb, rh) = pairs.rows_of(i);
            let x = value_at(b, rb);
            (x, value_at(h, rh) - x)
        })
        .collect();
    out.samples = samples(settings.key, pairs, (base, head), &largest)?;
    Ok((out, a.typical_abs, edits))
}

/// Whether few pairs hold other values on the two sides, judged from
/// up to 4,096 pairs taken evenly, and few keys are on one side only: then
/// head's numbers are worth making from base's in order and the pairs that
/// changed (`edited.rs`), which waits for the key by key comparison;
/// otherwise head's are sorted beside base's (a feature the change moved
/// on every key would sort head after the comparison, on one core).
pub(crate) fn few_differ(pairs: &KeyPairs, (base, head): (&Series, &Series)) -> PolarsResult<bool> {
    const LOOKED_AT: usize = 4096;
    let n = pairs.len();
    let (missing, extra) = pairs.unpaired();
    let most = Edits::most(n);
    if (missing + extra) as usize > most / 2 {
        return Ok(false);
    }
    let step = n.div_ceil(LOOKED_AT).max(1);
    let mut differ = 0;
    for i in (0..n).step_by(step) {
        let (rb, rh) = pairs.rows_of(i);
        differ += usize::from(base.get(rb)? != head.get(rh)?);
    }
    // Each differing pair is two numbers; half the room, for the rest.
    Ok(4 * differ * step <= most)
}

/// The positions of the 1st, (1 + every)-th, (1 + 2·every)-th ... bits set
/// in `words`, in order: whole words are passed over by their count.
fn every_set_bit(words: &[u64], every: usize) -> Vec<usize> {
    let mut picked = Vec::new();
    // Set bits to pass over before the next one picked.
    let mut skip = 0;
    for (w, &word) in words.iter().enumerate() {
        let mut bits = word;
        loop {
            let count = bits.count_ones() as usize;
            if count <= skip {
                skip -= count;
                break;
            }
            for _ in 0..skip {
                bits &= bits - 1;
            }
            picked.push(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
            skip = every - 1;
        }
    }
    picked
}

/// Samples of the pairs `picked` (positions in pair order): the key and
/// both sides' values as written (`b`, `h`: the whole columns).
fn samples(
    key: &[String],
    pairs: &KeyPairs,
    (b, h): (&Series, &Series),
    picked: &[(f64, usize)],
) -> PolarsResult<Vec<ValueSample>> {
    picked
        .iter()
        .map(|&(_, i)| {
            let (rb, rh) = pairs.rows_of(i);
            Ok(ValueSample {
                key: row_values(&pairs.base_keys, key, rb)?,
                path: None,
                base: to_json(&b.get(rb)?),
                head: to_json(&h.get(rh)?),
            })
        })
        .collect()
}

/// A key's category in base and in head (`None`: null).
type Change<'a> = (Option<&'a str>, Option<&'a str>);

/// A categorical feature key by key: which keys changed category and the
/// most frequent changes.
pub(crate) fn categorical(
    settings: &Settings<'_>,
    pairs: &KeyPairs,
    (base, head): (&Series, &Series),
) -> PolarsResult<Paired> {
    let (b_orig, h_orig) = (pairs.take(base, true)?, pairs.take(head, false)?);
    let (b, h) = (
        b_orig.cast(&DataType::String)?,
        h_orig.cast(&DataType::String)?,
    );
    let (b, h) = (b.str()?, h.str()?);
    let mut out = settings.empty(pairs.len() as u64);
    let mut transitions: PlHashMap<Change<'_>, u64> = PlHashMap::new();
    let mut first = Vec::with_capacity(SAMPLES);
    for (i, (bv, hv)) in b.iter().zip(h.iter()).enumerate() {
        if bv == hv {
            continue;
        }
        out.changed += 1;
        out.to_null += u64::from(hv.is_none());
        out.from_null += u64::from(bv.is_none());
        *transitions.entry((bv, hv)).or_default() += 1;
        if first.len() < SAMPLES {
            first.push((0.0, i));
        }
    }
    // Most frequent first; ties in the order of the values (nulls last),
    // as Spark SQL orders them.
    // Only the top ones put in order: every key of an id column may move.
    let mut transitions: Vec<(Change<'_>, u64)> = transitions.into_iter().collect();
    let order = |((b1, h1), n1): &(Change<'_>, u64), ((b2, h2), n2): &(Change<'_>, u64)| {
        n2.cmp(n1)
            .then_with(|| (b1.is_none(), b1).cmp(&(b2.is_none(), b2)))
            .then_with(|| (h1.is_none(), h1).cmp(&(h2.is_none(), h2)))
    };
    if transitions.len() > TRANSITIONS {
        transitions.select_nth_unstable_by(TRANSITIONS, order);
        transitions.truncate(TRANSITIONS);
    }
    transitions.sort_unstable_by(order);
    let transitions: Vec<Transition> = transitions
        .into_iter()
        .take(TRANSITIONS)
        .map(|((b, h), count)| Transition {
            base: category_label(b),
            head: category_label(h),
            count,
        })
        .collect();
    out.transitions = transitions;
    out.samples = samples(settings.key, pairs, (base, head), &first)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::config::{CompareMode, Format, Table};
    use crate::distribution::{apply_fdr, compare_distribution};
    use crate::model::{TableReport, Verdict};
    use polars::prelude::*;

    fn table(key: &[&str]) -> Table {
        Table {
            key: key.iter().map(|k| k.to_string()).collect(),
            ..Table::new(
                "features",
                "f.parquet",
                Format::Parquet,
                CompareMode::Distribution,
            )
        }
    }

    fn run(t: &Table, base: DataFrame, head: DataFrame) -> TableReport {
        let mut r = compare_distribution(t, &base, &head).unwrap();
        apply_fdr(std::slice::from_mut(&mut r));
        r
    }

    /// 1,000 profiles' short-play shares, head in another row order.
    fn shares() -> (Vec<i64>, Vec<f64>) {
        let ids: Vec<i64> = (0..1000).collect();
        let share = ids
            .iter()
            .map(|i| ((i * 37) % 100) as f64 / 100.0)
            .collect();
        (ids, share)
    }

    /// Numbers a feature's values are drawn from: nulls, NaN, both zeros,
    /// and a number far from the others.
    const ODD_NUMBERS: [Option<f64>; 7] = [
        Some(1.0),
        Some(2.5),
        Some(0.0),
        Some(-0.0),
        Some(f64::NAN),
        None,
        Some(1e9),
    ];

    /// Blocks of consecutive pairs counted as unchanged at once give what
    /// looking at every pair gives: nulls and NaN on one side or both, -0
    /// against 0, a change anywhere in a block, keys missing and extra,
    /// head in base's order (read where it lies) or shuffled (gathered),
    /// each side in several chunks.
    #[test]
    fn unchanged_blocks_counted_at_once_give_what_every_pair_looked_at_gives() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(26);
        let pool = ODD_NUMBERS;
        let t = table(&["id"]);
        let tol = crate::distribution::tie_tolerance(&t);
        for case in 0..300 {
            let n = rng.random_range(0..1000usize);
            let base: Vec<Option<f64>> = (0..n)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect();
            let change = [0.0, 0.01, 0.05, 0.5][case % 4];
            let mut head: Vec<(i64, Option<f64>)> = Vec::new();
            for (i, &v) in base.iter().enumerate() {
                if rng.random_bool(change / 2.0) {
                    continue;
                }
                let v = match rng.random_bool(change) {
                    false => v,
                    true if rng.random_bool(0.5) => v.map(|x| x + 0.5),
                    true => pool[rng.random_range(0..pool.len())],
                };
                head.push((i as i64, v));
            }
            head.extend((0..rng.random_range(0..3)).map(|j| (n as i64 + j, Some(7.0))));
            if case % 3 == 2 {
                head.shuffle(&mut rng);
            }
            // Each side in up to three chunks.
            let chunked = |ids: Vec<i64>, xs: Vec<Option<f64>>, rng: &mut rand::rngs::StdRng| {
                let mut df = df!("id" => &ids, "x" => &xs).unwrap();
                let cut = rng.random_range(0..=ids.len());
                let mut out = df.slice(0, cut);
                df = df.slice(cut as i64, ids.len() - cut);
                let cut = rng.random_range(0..=df.height());
                out.vstack_mut(&df.slice(0, cut)).unwrap();
                out.vstack_mut(&df.slice(cut as i64, df.height() - cut))
                    .unwrap();
                out
            };
            let b = chunked((0..n as i64).collect(), base.clone(), &mut rng);
            let h = chunked(
                head.iter().map(|p| p.0).collect(),
                head.iter().map(|p| p.1).collect(),
                &mut rng,
            );
            let r = run(&t, b, h);
            let got = r.features[0].paired.as_ref().unwrap();
            // Every pair looked at.
            let value = |v: Option<f64>| v.filter(|x| !x.is_nan());
            let (mut to_null, mut from_null, mut up, mut down) = (0, 0, 0, 0);
            let mut deltas = Vec::new();
            for &(id, y) in &head {
                let Some(&x) = base.get(id as usize) else {
                    continue;
                };
                match (value(x), value(y)) {
                    (None, None) => {}
                    (Some(_), None) => to_null += 1,
                    (None, Some(_)) => from_null += 1,
                    (Some(x), Some(y)) if super::unchanged(x, y, tol) => deltas.push(0.0),
                    (Some(x), Some(y)) => {
                        deltas.push(y - x);
                        if y > x { up += 1 } else { down += 1 }
                    }
                }
            }
            let want = crate::stats::paired::wilcoxon(&deltas, crate::stats::paired::Method::Auto);
            let seen = (got.changed, got.up, got.down, got.to_null, got.from_null);
            let changed = up + down + to_null + from_null;
            assert_eq!(seen, (changed, up, down, to_null, from_null), "case {case}");
            let test = got
                .test
                .as_ref()
                .map(|t| (t.n, t.statistic, t.p_value, t.method));
            let expected = want.map(|w| (w.n as u64, w.statistic, w.p_value, w.method.as_str()));
            assert_eq!(test, expected, "case {case}: {} deltas", deltas.len());
        }
    }

    /// A shuffled head's values put in pair order give what they give
    /// read at each pair's row: counts, deltas, the test, samples, plot
    /// points and edits, with nulls, NaN, signed zeros, keys on one side
    /// only, and head in several chunks.
    #[test]
    fn head_values_put_in_pair_order_give_what_read_by_row_gives() {
        use crate::diff::{Source, pair_keys};
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(16);
        let t = table(&["id"]);
        let pool = ODD_NUMBERS;
        for case in 0..40 {
            let n = rng.random_range(0..4000usize);
            let base: Vec<Option<f64>> = (0..n)
                .map(|_| pool[rng.random_range(0..pool.len())])
                .collect();
            let mut head: Vec<(i64, Option<f64>)> = Vec::new();
            for (i, &v) in base.iter().enumerate() {
                if rng.random_bool(0.03) {
                    continue;
                }
                let v = match rng.random_bool([0.001, 0.05, 0.9][case % 3]) {
                    false => v,
                    true if rng.random_bool(0.5) => v.map(|x| x + i as f64),
                    true => pool[rng.random_range(0..pool.len())],
                };
                head.push((i as i64, v));
            }
            head.extend((0..rng.random_range(0..20)).map(|j| (n as i64 + j, Some(4.0))));
            head.shuffle(&mut rng);
            let mut b = df!("id" => (0..n as i64).collect::<Vec<_>>(), "x" => &base).unwrap();
            // Base in two chunks: its runs end where a chunk does, as well
            // as where a block of pairs in order does.
            let cut = rng.random_range(0..=n);
            let rest = b.slice(cut as i64, n - cut);
            b = b.slice(0, cut);
            b.vstack_mut(&rest).unwrap();
            let mut h = df!(
                "id" => head.iter().map(|p| p.0).collect::<Vec<_>>(),
                "x" => head.iter().map(|p| p.1).collect::<Vec<_>>()
            )
            .unwrap();
            // Head in three chunks.
            let cut = rng.random_range(0..=h.height());
            let (first, rest) = (h.slice(0, cut), h.slice(cut as i64, h.height() - cut));
            h = first;
            let half = rest.height() / 2;
            h.vstack_mut(&rest.slice(0, half)).unwrap();
            h.vstack_mut(&rest.slice(half as i64, rest.height() - half))
                .unwrap();
            let settings = super::Settings {
                key: &t.key,
                tolerance: crate::distribution::tie_tolerance(&t),
                alpha: 0.05,
                min_effect: 0.1,
                max_changed_fraction: None,
                scale: crate::model::scale::Scale::Number,
            };
            let cols = (
                b.column("x").unwrap().as_materialized_series(),
                h.column("x").unwrap().as_materialized_series(),
            );
            let seen = |logs: Option<(u32, u32)>| {
                let mut report = TableReport::new("t", t.compare, &t.key);
                let pairs =
                    pair_keys(&mut report, &t, Source::Frame(&b), Source::Frame(&h)).unwrap();
                pairs.plan_head_order(logs, h.height());
                let (paired, typical, edits) =
                    super::numeric(&settings, &pairs, cols, true).unwrap();
                let edits = edits.map(|e| {
                    let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
                    (bits(e.removed), bits(e.added))
                });
                (format!("{paired:?}"), typical.to_bits(), edits)
            };
            let by_row = seen(None);
            for logs in [(0, 0), (2, 5), (7, 3), (15, 16)] {
                assert_eq!(
                    seen(Some(logs)),
                    by_row,
                    "case {case}: {n} keys, blocks of 2^{logs:?}"
                );
            }
        }
    }

    /// Bit `i` of the word is byte `i`, for every pattern of one byte set
    /// and for all set.
    #[test]
    fn bytes_of_zero_or_one_pack_into_their_bits() {
        let mut b = [0u8; super::BLOCK];
        assert_eq!(super::bits(&b), 0);
        for i in 0..super::BLOCK {
            b[i] = 1;
            assert_eq!(super::bits(&b), ((1u64 << (i + 1)) - 1) as u32, "{i}");
            let mut one = [0u8; super::BLOCK];
            one[i] = 1;
            assert_eq!(super::bits(&one), 1 << i);
        }
    }

    #[test]
    fn plot_points_kept_as_bits_are_the_changed_pairs_taken_evenly() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        for case in 0..200 {
            let n = rng.random_range(0..2000usize);
            let share = [0.0, 0.01, 0.5, 1.0][case % 4];
            let changed: Vec<usize> = (0..n).filter(|_| rng.random_bool(share)).collect();
            let mut words = vec![0u64; n.div_ceil(64)];
            changed.iter().for_each(|&i| words[i / 64] |= 1 << (i % 64));
            for every in [1, 2, 3, 63, 64, 65, 400] {
                let taken: Vec<usize> = changed.iter().copied().step_by(every).collect();
                assert_eq!(
                    super::every_set_bit(&words, every),
                    taken,
                    "case {case}, every {every}"
                );
            }
        }
    }

    #[test]
    fn a_threshold_change_moving_one_percent_of_keys_is_reported_and_passes() {
        let (ids, share) = shares();
        let mut moved = share.clone();
        for i in (0..1000).step_by(100) {
            moved[i] += 0.05;
        }
        // Head written in reverse order: pairing is by key, not position.
        let rev = |v: &[f64]| v.iter().rev().copied().collect::<Vec<_>>();
        let rev_ids: Vec<i64> = ids.iter().rev().copied().collect();
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => rev_ids, "share" => rev(&moved)).unwrap(),
        );
        let p = r.features[0]
            .paired
            .as_ref()
            .expect("keyed: compared key by key");
        assert_eq!((p.keys, p.changed, p.up, p.down), (1000, 10, 10, 0));
        assert!((p.max_abs_delta - 0.05).abs() < 1e-12);
        assert_eq!(p.samples.len(), 5);
        let k = &p.samples[0].key[0];
        assert_eq!(k.0, "id");
        let id = k.1.as_i64().unwrap() as usize;
        assert_eq!(id % 100, 0, "a sample names a key that moved");
        assert_eq!(p.samples[0].base.as_f64().unwrap(), share[id]);
        assert_eq!(p.effect, 0.0, "99% of keys did not move");
        assert!(p.test.unwrap().p_value < 0.01, "all ten moved up");
        assert_eq!(r.verdict(), Verdict::Pass);
        assert_eq!(
            r.paired_keys,
            Some(crate::model::paired::PairedKeys {
                paired: 1000,
                only_base: 0,
                only_head: 0
            })
        );
    }

    #[test]
    fn max_changed_fraction_makes_changed_keys_a_regression() {
        let (ids, share) = shares();
        let mut moved = share.clone();
        for i in (0..1000).step_by(100) {
            moved[i] += 0.05;
        }
        let t = Table {
            max_changed_fraction: Some(0.005),
            ..table(&["id"])
        };
        let r = run(
            &t,
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => &ids, "share" => &moved).unwrap(),
        );
        assert_eq!(r.verdict(), Verdict::Regression);
        let f = r.findings();
        assert!(
            f[0].message
                .contains("10 of 1000 keys changed (1.0%), all up"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn float_noise_changes_no_key() {
        let ids: Vec<i64> = (0..5000).collect();
        let x: Vec<f64> = ids.iter().map(|i| (i % 997 + 1) as f64).collect();
        let base: Vec<f64> = x.iter().map(|x| x.log10()).collect();
        let head: Vec<f64> = x.iter().map(|x| x.ln() / std::f64::consts::LN_10).collect();
        assert!(base != head, "the two computations must differ");
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "log_x" => base).unwrap(),
            df!("id" => &ids, "log_x" => head).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!(p.changed, 0);
        assert!(p.test.is_none());
        assert!(r.findings().is_empty());
    }

    #[test]
    fn every_key_moving_together_is_a_regression_by_the_paired_test() {
        let (ids, share) = shares();
        let shifted: Vec<f64> = share.iter().map(|s| s + 0.05).collect();
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => &ids, "share" => shifted).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.changed, p.up), (1000, 1000));
        // 0.05 against a spread of about 0.29: 0.17 sd, above the 0.1 floor.
        assert!(p.effect > 0.15 && p.effect < 0.2, "{}", p.effect);
        assert!(p.shifted());
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn categories_report_their_transitions_and_nulls() {
        let ids: Vec<i64> = (0..6).collect();
        let base = ["adult", "adult", "adult", "kids", "kids", "teen"];
        let head = [
            Some("kids"),
            Some("kids"),
            Some("adult"),
            Some("kids"),
            None,
            Some("teen"),
        ];
        let r = run(
            &table(&["id"]),
            df!("id" => &ids, "segment" => base).unwrap(),
            df!("id" => &ids, "segment" => head).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.changed, p.to_null), (3, 1));
        assert_eq!(p.transitions[0].base, "\"adult\"");
        assert_eq!(p.transitions[0].head, "\"kids\"");
        assert_eq!(p.transitions[0].count, 2);
        assert_eq!(p.transitions[1].head, "null");
        assert!(p.test.is_none());
    }

    #[test]
    fn reading_ascending_rows_finds_every_chunk_and_null() {
        use super::{Ascending, chunks, flatten_into};
        // Three chunks, nulls in the second: as a column read by row groups.
        let mut ca = Float64Chunked::new("x".into(), &[Some(0.0), Some(1.0), Some(2.0)]);
        ca.append(&Float64Chunked::new("x".into(), &[None, Some(4.0)]))
            .unwrap();
        ca.append(&Float64Chunked::new("x".into(), &[Some(5.0), Some(6.0)]))
            .unwrap();
        assert_eq!(ca.chunks().len(), 3);
        let naive = |r: usize| ca.get(r).unwrap_or(f64::NAN);
        let same = |a: f64, b: f64| a == b || a.is_nan() && b.is_nan();
        let cs = chunks(&ca);
        let mut flat = vec![9.0];
        flatten_into(&cs, &mut flat);
        assert_eq!(flat.len(), 7);
        assert!((0..7).all(|r| same(flat[r], naive(r))), "{flat:?}");
        for rows in [
            vec![0, 2, 3, 4, 6],
            vec![0, 5, 6],
            vec![5],
            vec![3, 4],
            vec![],
        ] {
            let mut asc = Ascending {
                chunks: &cs,
                rows: Some(&rows),
                at: 0,
            };
            let mut got = Vec::new();
            while got.len() < rows.len() {
                let i = got.len();
                let (c, len) = asc.run(i);
                assert!(len > 0, "{rows:?} at {i}");
                got.extend(rows[i..i + len].iter().map(|&r| c.get(r as usize)));
            }
            let want: Vec<f64> = rows.iter().map(|&r| naive(r as usize)).collect();
            assert!(
                got.iter().zip(&want).all(|(&a, &b)| same(a, b)),
                "{rows:?}: {got:?}"
            );
        }
        let mut all = Ascending {
            chunks: &cs,
            rows: None,
            at: 0,
        };
        let (mut got, mut i) = (Vec::new(), 0);
        while i < 7 {
            let (c, len) = all.run(i);
            got.extend((i..i + len).map(|r| c.get(r)));
            i += len;
        }
        assert!((0..7).all(|r| same(got[r], naive(r))), "{got:?}");
    }

    #[test]
    fn a_column_summarised_only_reports_its_changed_keys_but_never_fails() {
        let (ids, share) = shares();
        let shifted: Vec<f64> = share.iter().map(|s| s + 0.05).collect();
        let mut t = Table {
            max_changed_fraction: Some(0.001),
            ..table(&["id"])
        };
        t.columns.insert(
            "share".into(),
            crate::config::ColumnOverride {
                test: Some(crate::config::TestKind::None),
                ..Default::default()
            },
        );
        let r = run(
            &t,
            df!("id" => &ids, "share" => &share).unwrap(),
            df!("id" => &ids, "share" => shifted).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!(p.changed, 1000);
        assert!(p.test.is_none() && !p.regression());
        assert_eq!(r.verdict(), Verdict::Pass);
    }

    #[test]
    fn a_value_becoming_infinite_is_a_change() {
        // |inf - 5| <= tol * inf holds: the tolerance alone called it equal.
        let r = run(
            &table(&["id"]),
            df!("id" => [1i64, 2], "x" => [5.0, f64::INFINITY]).unwrap(),
            df!("id" => [1i64, 2], "x" => [f64::INFINITY, f64::INFINITY]).unwrap(),
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.changed, p.up), (1, 1));
    }

    #[test]
    fn keys_on_one_side_only_are_counted_and_the_rest_paired() {
        let r = run(
            &table(&["id"]),
            df!("id" => [1i64, 2, 3, 4], "x" => [1.0, 2.0, 3.0, 4.0]).unwrap(),
            df!("id" => [2i64, 3, 4, 5], "x" => [2.0, 3.0, 4.5, 9.0]).unwrap(),
        );
        assert_eq!(
            r.paired_keys,
            Some(crate::model::paired::PairedKeys {
                paired: 3,
                only_base: 1,
                only_head: 1
            })
        );
        let p = r.features[0].paired.as_ref().unwrap();
        assert_eq!((p.keys, p.changed), (3, 1));
        assert_eq!(r.missing_samples[0].values[0].1, serde_json::json!(1));
        assert_eq!(r.extra_samples[0].values[0].1, serde_json::json!(5));
    }

    #[test]
    fn a_key_base_lacks_is_an_error_not_a_silent_skip() {
        let t = table(&["profile_id"]);
        let e = compare_distribution(
            &t,
            &df!("id" => [1i64], "x" => [1.0]).unwrap(),
            &df!("id" => [1i64], "x" => [1.0]).unwrap(),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("key column `profile_id` is not in the base output"),
            "{e}"
        );
    }
}
