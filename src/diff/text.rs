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

use polars::prelude::*;
use polars_arrow::array::{Array, BinaryViewArrayGeneric, View};
use polars_arrow::bitmap::{Bitmap, MutableBitmap};

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
        let (x, y) = (bv[i].as_u128(), hv[i].as_u128());
        // The low 64 bits hold the length and the first four bytes.
        let ne = if valid != (true, true) {
            valid.0 != valid.1
        } else if x as u64 != y as u64 {
            true
        } else if (x as u32) <= View::MAX_INLINE_SIZE {
            // Inline: the rest of the bytes are the high 64 bits.
            (x >> 64) as u64 != (y >> 64) as u64
        } else {
            b.value(i).to_bytes() != h.value(i).to_bytes()
        };
        out.push(ne);
    }
    out.freeze()
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
        // address outside the buffer (it is not: the view is the array's)
        // would be ignored, not faulted on.
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
