//! Head's values put in pair order by two passes that each stay in cache,
//! for a keyed comparison whose head rows lie in no order (both sides
//! shuffled, each its own way). Read at random, one value a pair, the
//! reads waited on memory: 10M pairs held a core 100-200 ms a column,
//! most of it on the prefetches themselves (every line fill buffer busy,
//! `perf annotate`). Here a plan made once from the pairs' head rows
//! moves each column's values twice, each move random only within a
//! block in L2 and streaming the rest: first each block of head's rows
//! (2^15 values, 256 KB) to slots grouped by blocks of pairs, then each
//! block of pairs (2^16, 512 KB) to its pairs' places. The slots are the
//! output's own places, so no buffer beside it is needed. The
//! transposition is the textbook one of a radix partition; no crate
//! offers it over a plan kept for many columns.

use polars::prelude::IdxSize;

/// Head rows to a block: 2^15 values of 8 bytes, 256 KB, read at random
/// from L2 in the first pass.
pub(super) const ROWS_LOG: u32 = 15;
/// Pairs to a block: 2^16 values, 512 KB, written at random in L2 in the
/// second pass; and half as many streams to stage into as blocks of 2^15.
pub(super) const PAIRS_LOG: u32 = 16;

/// How head's values reach their pairs: entries in order of head's row
/// blocks (and, within one, of their pairs), each with its row in the
/// block and its slot among its block of pairs' places; each slot with
/// its pair in the block.
#[derive(Debug)]
pub struct Reorder {
    rows_log: u32,
    pairs_log: u32,
    /// Head's rows: every entry's row lies below, and blocks of rows end
    /// there.
    head_len: usize,
    /// Where each head row block's entries start (one more: the end).
    starts: Vec<usize>,
    /// Each entry's row within its head row block.
    row_in_block: Vec<u16>,
    /// Each entry's slot: its pair's block of pairs times the block's
    /// size, plus the entries of that block before it.
    slot: Vec<u32>,
    /// Each slot's pair within its block of pairs.
    pair_in_block: Vec<u16>,
}

impl Reorder {
    /// The plan for pairs whose head rows are `head_rows` (each row at
    /// most once), of a head of `head_len` rows, in blocks of
    /// 2^`rows_log` rows and 2^`pairs_log` pairs (each at most 2^16).
    pub fn of(
        head_rows: &[IdxSize],
        head_len: usize,
        (rows_log, pairs_log): (u32, u32),
    ) -> Reorder {
        assert!(
            rows_log <= 16 && pairs_log <= 16,
            "a row or pair within a block is held in 16 bits"
        );
        let n = head_rows.len();
        let mut starts = vec![0usize; head_len.div_ceil(1 << rows_log) + 1];
        for &r in head_rows {
            starts[(r as usize >> rows_log) + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        // Entries by head row block, each block's in pair order; `slot`
        // holds each entry's pair until the slots are known.
        let mut next = starts.clone();
        let mut row_in_block = vec![0u16; n];
        let mut slot = vec![0u32; n];
        for (i, &r) in head_rows.iter().enumerate() {
            let at = &mut next[r as usize >> rows_log];
            row_in_block[*at] = (r as usize & ((1 << rows_log) - 1)) as u16;
            slot[*at] = i as u32;
            *at += 1;
        }
        // Every pair is an entry once: the slots of a block of pairs are
        // that block's positions, handed out in entry order.
        let mut fill: Vec<usize> = (0..n.div_ceil(1 << pairs_log))
            .map(|c| c << pairs_log)
            .collect();
        let mut pair_in_block = vec![0u16; n];
        for s in &mut slot {
            let i = *s as usize;
            let at = &mut fill[i >> pairs_log];
            pair_in_block[*at] = (i & ((1 << pairs_log) - 1)) as u16;
            *s = *at as u32;
            *at += 1;
        }
        Reorder {
            rows_log,
            pairs_log,
            head_len,
            starts,
            row_in_block,
            slot,
            pair_in_block,
        }
    }

    /// Pairs the plan places.
    fn len(&self) -> usize {
        self.slot.len()
    }

    /// Head's values in pair order into `out` (a value per pair):
    /// `rows(start, block)` fills `block` with head's values of the rows
    /// from `start` on (a block of rows at a time, in cache). Each block
    /// of pairs is staged in `out` itself, then put in order through a
    /// copy of the block: no column-sized buffer beside `out`.
    pub fn apply<T: Copy + Default>(&self, rows: impl Fn(usize, &mut [T]), out: &mut Vec<T>) {
        self.apply_each(rows, out, |_, _| {});
    }

    /// [`Reorder::apply`], calling `each` with every block of pairs as
    /// soon as it is in order (its first pair, its values), while it is
    /// still in cache: a caller that walks the pairs reads them there,
    /// not from memory once more.
    pub fn apply_each<T: Copy + Default>(
        &self,
        rows: impl Fn(usize, &mut [T]),
        out: &mut Vec<T>,
        mut each: impl FnMut(usize, &[T]),
    ) {
        let n = self.len();
        out.clear();
        out.reserve(n);
        // Written once each, by the first pass, not zeroed first: the
        // zeroing was a pass of its own over memory (8-15 ms for 10M
        // numbers whose memory was reused; the shuffled 10M pair's compare
        // 2.786 -> 2.744 s without it, BENCHMARKS.md, forty-third session).
        let slots_out = &mut out.spare_capacity_mut()[..n];
        let mut block = vec![T::default(); 1 << self.rows_log.max(self.pairs_log)];
        // Head's rows block by block, read into cache; `out` written in as
        // many streams as blocks of pairs.
        for (b, entries) in self.starts.windows(2).enumerate() {
            let start = b << self.rows_log;
            let values = &mut block[..(1 << self.rows_log).min(self.head_len - start)];
            rows(start, values);
            let (slots, offsets) = (
                &self.slot[entries[0]..entries[1]],
                &self.row_in_block[entries[0]..entries[1]],
            );
            for (&s, &r) in slots.iter().zip(offsets) {
                slots_out[s as usize].write(values[usize::from(r)]);
            }
        }
        // SAFETY: the slots are the places 0..n, each once (every pair is
        // one entry, and a block of pairs hands out its own places, as many
        // as it has pairs: `Reorder::of`), so the pass above wrote every
        // one of the `n` values.
        unsafe { out.set_len(n) };
        // Block of pairs by block of pairs, each in cache: from the copy
        // to each value's pair.
        for (c, staged) in out.chunks_mut(1 << self.pairs_log).enumerate() {
            let copy = &mut block[..staged.len()];
            copy.copy_from_slice(staged);
            for (&v, &p) in copy.iter().zip(&self.pair_in_block[c << self.pairs_log..]) {
                staged[usize::from(p)] = v;
            }
            each(c << self.pairs_log, staged);
        }
    }
}

/// Where the rows `start..start + len` lie in a column's chunks, whose
/// first rows are `bounds` (ascending, then the column's length): for each
/// chunk they reach, (the chunk, the first row's place among those rows,
/// its row in the chunk, how many). How `apply`'s callers fill a block of
/// rows from chunks.
pub(super) fn spans(
    bounds: &[usize],
    start: usize,
    len: usize,
) -> impl Iterator<Item = (usize, usize, usize, usize)> + '_ {
    bounds.windows(2).enumerate().filter_map(move |(c, w)| {
        let (from, to) = (start.max(w[0]), (start + len).min(w[1]));
        (from < to).then(|| (c, from - start, from - w[0], to - from))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan's values are the values read at each pair's head row, for
    /// heads shuffled or in order, with rows no pair has, pairs ending
    /// inside a block or on one, and blocks of 1 to 2^16.
    #[test]
    fn values_in_pair_order_are_each_pairs_head_row_read() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(15);
        for case in 0..400 {
            let head_len = rng.random_range(0..3000usize);
            let mut rows: Vec<IdxSize> = (0..head_len as IdxSize).collect();
            if case % 5 != 0 {
                rows.shuffle(&mut rng);
            }
            // Some rows in no pair.
            rows.truncate(head_len - rng.random_range(0..=head_len.min(40)));
            let logs = [(0, 0), (1, 3), (3, 1), (7, 7), (10, 16), (16, 10)][case % 6];
            let plan = Reorder::of(&rows, head_len, logs);
            let values: Vec<f64> = (0..head_len).map(|r| r as f64 * 1.5 - 7.0).collect();
            let want: Vec<f64> = rows.iter().map(|&r| values[r as usize]).collect();
            // Blocks of rows filled from the column, as from a caller's
            // chunks; `out` holding anything before.
            let fill = |values: &[f64]| {
                let values = values.to_vec();
                move |start: usize, block: &mut [f64]| {
                    block.copy_from_slice(&values[start..start + block.len()]);
                }
            };
            let mut got = vec![f64::NAN; rng.random_range(0..50)];
            plan.apply(fill(&values), &mut got);
            assert_eq!(
                got, want,
                "case {case}: {head_len} rows, blocks of 2^{logs:?}"
            );
            // The plan holds for every column.
            let negated: Vec<f64> = values.iter().map(|v| -v).collect();
            plan.apply(fill(&negated), &mut got);
            assert_eq!(got, want.iter().map(|v| -v).collect::<Vec<_>>());
        }
    }
}
