//! A column's chunks read by row where they lie, without making them one
//! chunk: what reading each pair of a keyed comparison at its rows needs
//! (`text.rs` for strings, `numbers.rs` for numbers). A column read from
//! several files, row groups or CSV pieces comes in chunks; making them
//! one copies the column into fresh memory first.

use polars::prelude::*;
use polars_arrow::array::Array;

/// A column's chunks read by row: the chunk a row lies in is found through
/// a table over blocks of rows, each no longer than the shortest chunk (but
/// the last), so that a block starts in one chunk and ends in it or the
/// next.
pub struct ByRow<'a, A> {
    arrays: Vec<&'a A>,
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

impl<'a, A: Array> ByRow<'a, A> {
    /// `None` when a chunk other than the last is shorter than
    /// `MIN_CHUNK` rows.
    pub fn new<T>(ca: &'a ChunkedArray<T>) -> Option<ByRow<'a, A>>
    where
        T: PolarsDataType<Array = A>,
    {
        let arrays: Vec<&A> = ca.downcast_iter().filter(|a| !a.is_empty()).collect();
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
    pub fn fits<T>(ca: &ChunkedArray<T>) -> bool
    where
        T: PolarsDataType<Array = A>,
    {
        let arrays: Vec<&A> = ca.downcast_iter().filter(|a| !a.is_empty()).collect();
        shortest_but_last(&arrays).is_none_or(|len| len >= MIN_CHUNK)
    }

    /// The chunk and the row within it of row `row` (in bounds).
    #[inline]
    pub fn locate(&self, row: usize) -> (usize, usize) {
        let mut chunk = self.chunk_of_block[row >> self.shift] as usize;
        if row >= self.starts[chunk + 1] {
            chunk += 1;
        }
        (chunk, row - self.starts[chunk])
    }

    /// Chunk `c` (of those `locate` names).
    #[inline]
    pub fn chunk(&self, c: usize) -> &'a A {
        self.arrays[c]
    }

    /// The chunks, in order (empty ones left out).
    pub fn chunks(&self) -> &[&'a A] {
        &self.arrays
    }
}

/// The length of the shortest of `arrays` but the last.
fn shortest_but_last<A: Array>(arrays: &[&A]) -> Option<usize> {
    arrays[..arrays.len().saturating_sub(1)]
        .iter()
        .map(|a| a.len())
        .min()
}
