//! Gathering a numeric column's rows into pair order: values and validity
//! gathered separately, each a tight loop over plain slices.
//!
//! polars gathers a column with nulls through an iterator of optional
//! values, building the validity bit by bit; gathering them apart took the
//! shuffled 10M-row pair's comparison from 5.29 s to 4.88 s (BENCHMARKS.md).

use polars::prelude::*;
use polars_arrow::bitmap::{Bitmap, MutableBitmap};

/// The rows `rows` of `s`, for numeric and temporal columns; `None` for
/// other types (the caller lets polars gather).
pub(super) fn take_numeric(s: &Series, rows: &IdxCa) -> PolarsResult<Option<Series>> {
    let dtype = s.dtype().clone();
    if !(dtype.is_primitive_numeric() || dtype.is_temporal()) {
        return Ok(None);
    }
    let rows = rows.rechunk();
    // Rows with nulls (none from an alignment) are left to polars.
    let Ok(rows) = rows.cont_slice() else {
        return Ok(None);
    };
    // Rows in order are read chunk by chunk where they lie; others from
    // one chunk.
    let physical = s.to_physical_repr();
    let physical = if physical.n_chunks() > 1 && !rows.is_sorted() {
        std::borrow::Cow::Owned(physical.rechunk())
    } else {
        physical
    };
    let gathered = match physical.dtype() {
        DataType::Int8 => take(physical.i8()?, rows).into_series(),
        DataType::Int16 => take(physical.i16()?, rows).into_series(),
        DataType::Int32 => take(physical.i32()?, rows).into_series(),
        DataType::Int64 => take(physical.i64()?, rows).into_series(),
        DataType::Int128 => take(physical.i128()?, rows).into_series(),
        DataType::UInt8 => take(physical.u8()?, rows).into_series(),
        DataType::UInt16 => take(physical.u16()?, rows).into_series(),
        DataType::UInt32 => take(physical.u32()?, rows).into_series(),
        DataType::UInt64 => take(physical.u64()?, rows).into_series(),
        DataType::Float32 => take(physical.f32()?, rows).into_series(),
        DataType::Float64 => take(physical.f64()?, rows).into_series(),
        _ => return Ok(None),
    };
    // Back to the column's own type (a no-op for plain numbers).
    let gathered = gathered.with_name(s.name().clone());
    Ok(Some(if dtype.is_temporal() {
        gathered.cast(&dtype)?
    } else {
        gathered
    }))
}

/// `ca` at `rows`, which must be in bounds and, when `ca` has more than
/// one chunk, ascend: each chunk's rows read where they lie. (Before, a
/// column of 10M numbers whose every pair differs was first copied whole
/// into one chunk, 80 MB: BENCHMARKS.md, forty-sixth session.)
fn take<T: PolarsNumericType>(ca: &ChunkedArray<T>, rows: &[IdxSize]) -> ChunkedArray<T> {
    let mut gathered: Vec<T::Native> = Vec::with_capacity(rows.len());
    let mut validity = (ca.null_count() > 0).then(|| MutableBitmap::with_capacity(rows.len()));
    let (mut first, mut at) = (0usize, 0usize);
    for arr in ca.downcast_iter() {
        let end = first + arr.len();
        let upto = at + rows[at..].partition_point(|&r| (r as usize) < end);
        let here = &rows[at..upto];
        let values = arr.values().as_slice();
        gathered.extend(here.iter().map(|&r| values[r as usize - first]));
        if let Some(v) = &mut validity {
            match arr.validity().filter(|bits| bits.unset_bits() > 0) {
                Some(bits) => v.extend_from_bitmap(&take_bits(bits, here, first)),
                None => v.extend_constant(here.len(), true),
            }
        }
        (first, at) = (end, upto);
    }
    debug_assert_eq!(at, rows.len(), "rows past the column or out of order");
    ChunkedArray::from_vec_validity(ca.name().clone(), gathered, validity.map(Into::into))
}

/// The bits of `bits` at `rows` less `first` (in bounds), packed 64 to a
/// word without a branch per row: collecting them from an iterator of
/// booleans took a third of a numeric column's gather.
fn take_bits(bits: &Bitmap, rows: &[IdxSize], first: usize) -> Bitmap {
    let (bytes, offset, _) = bits.as_slice();
    let mut packed: Vec<u8> = Vec::with_capacity(rows.len().div_ceil(64) * 8);
    for chunk in rows.chunks(64) {
        let mut word = 0u64;
        for (j, &r) in chunk.iter().enumerate() {
            let i = r as usize - first + offset;
            word |= u64::from(bytes[i / 8] >> (i % 8) & 1) << j;
        }
        packed.extend_from_slice(&word.to_le_bytes());
    }
    Bitmap::from_u8_vec(packed, rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows in order are gathered from each chunk where it lies, the
    /// chunks' nulls (a chunk with nulls, one without, one sliced
    /// mid-byte) and the chunks' edges kept; rows in another order
    /// from the column copied into one chunk. Both as polars gathers them.
    #[test]
    fn a_gather_of_rows_in_order_reads_each_chunk_where_it_lies() {
        let part = |from: i64, n: i64, nulls: bool| {
            Series::new(
                "x".into(),
                (from..from + n)
                    .map(|i| (!nulls || i % 3 != 0).then_some(i as f64 * 0.5))
                    .collect::<Vec<_>>(),
            )
        };
        let mut s = part(0, 70, true);
        s.append(&part(70, 0, false)).expect("same type");
        s.append(&part(70, 100, false)).expect("same type");
        s.append(&part(170, 130, true).slice(3, 120))
            .expect("same type");
        assert_eq!((s.n_chunks(), s.len()), (3, 290));
        let reference = s.rechunk();
        let all: Vec<IdxSize> = (0..290).collect();
        let picks: [Vec<IdxSize>; 5] = [
            all.clone(),
            all.iter().copied().filter(|r| r % 7 != 2).collect(),
            vec![0, 69, 70, 169, 170, 289],
            vec![],
            (0..150).map(|i| (i * 97 % 290) as IdxSize).collect(),
        ];
        for rows in picks {
            let rows = IdxCa::from_vec("rows".into(), rows);
            let got = take_numeric(&s, &rows)
                .expect("the gather runs")
                .expect("a numeric column");
            let want = reference.take(&rows).expect("polars gathers");
            assert!(got.equals_missing(&want), "{got:?} against {want:?}");
        }
    }

    #[test]
    fn bits_gathered_at_rows_are_the_bits_of_those_rows_past_a_slice_offset() {
        // A bitmap sliced 3 bits in (its bytes start mid-byte), rows in
        // another order, more than one word and a partial last word.
        let whole: Bitmap = (0..300).map(|i| i % 7 != 0 && i % 11 != 5).collect();
        let bits = whole.clone().sliced(3, 290);
        let rows: Vec<IdxSize> = (0..150).map(|i| (i * 97 % 290) as IdxSize).collect();
        let got = take_bits(&bits, &rows, 0);
        assert_eq!(got.len(), rows.len());
        for (j, &r) in rows.iter().enumerate() {
            assert_eq!(got.get_bit(j), whole.get_bit(r as usize + 3), "row {r}");
        }
    }
}
