//! A column's values read with their validity 64 at a time: a word
//! without nulls is read as a plain slice, the others bit by set bit (a
//! test per value was most of a pass over a column of 1% nulls; measured
//! in BENCHMARKS.md, "Profiles read where they lie"); and any array's
//! validity read as 64 bits from any row on ([`mask`], [`bits_at`]).

use polars_arrow::array::{Array, PrimitiveArray};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::bitmap::bitmask::BitMask;
use polars_arrow::types::NativeType;

/// Calls `f` with runs of `arr`'s values and the validity word of each:
/// bit `i` for the run's `i`-th value. A whole array without nulls is one
/// run with the word `u64::MAX`; otherwise runs are of 64 values (the last
/// shorter), and bits past a run's end are clear.
#[inline(always)]
pub fn for_each_run<T: NativeType>(arr: &PrimitiveArray<T>, mut f: impl FnMut(&[T], u64)) {
    let values = arr.values().as_slice();
    match arr.validity().filter(|b| b.unset_bits() > 0) {
        None => f(values, u64::MAX),
        Some(valid) => for_each_word(values, valid, f),
    }
}

/// As [`for_each_run`], for `values` and their validity `valid`, always in
/// runs of 64.
#[inline(always)]
pub fn for_each_word<T>(values: &[T], valid: &Bitmap, mut f: impl FnMut(&[T], u64)) {
    let mut words = valid.fast_iter_u64();
    let mut at = 0;
    for w in &mut words {
        f(&values[at..at + 64], w);
        at += 64;
    }
    for w in words.remainder().0 {
        let end = (at + 64).min(values.len());
        f(&values[at..end], w);
        at = end;
    }
}

/// `array`'s validity, to be read 64 bits at a time ([`bits_at`]);
/// `None` for an array without nulls.
pub fn mask<A: Array + ?Sized>(array: &A) -> Option<BitMask<'_>> {
    array
        .validity()
        .filter(|v| v.unset_bits() > 0)
        .map(BitMask::from_bitmap)
}

/// [`mask`] of each of `arrays`.
pub fn masks<'a, A: Array + ?Sized + 'a>(
    arrays: impl IntoIterator<Item = &'a A>,
) -> Vec<Option<BitMask<'a>>> {
    arrays.into_iter().map(mask).collect()
}

/// The 64 bits of `mask` from bit `at` on (bit 0 the one at `at`), the
/// bits past its end clear.
#[inline(always)]
pub fn bits_at(mask: &BitMask<'_>, at: usize) -> u64 {
    u64::from(mask.get_u32(at)) | u64::from(mask.get_u32(at + 32)) << 32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every valid value once, in order, past a slice's offset and across
    /// a remainder shorter than a word.
    #[test]
    fn runs_hold_the_valid_values_in_order() {
        let n = 200;
        let values: Vec<i64> = (0..n).collect();
        let valid: Bitmap = (0..n).map(|i| i % 7 != 3).collect();
        let arr = PrimitiveArray::new(
            polars_arrow::datatypes::ArrowDataType::Int64,
            values.into(),
            Some(valid),
        )
        .sliced(5, 150);
        let mut seen = Vec::new();
        for_each_run(&arr, |run, word| {
            if run.len() < 64 {
                assert_eq!(word >> run.len(), 0, "a bit past the run's end");
            }
            for (i, v) in run.iter().enumerate() {
                if word >> i & 1 == 1 {
                    seen.push(*v);
                }
            }
        });
        let expected: Vec<i64> = (5..155).filter(|i| i % 7 != 3).collect();
        assert_eq!(seen, expected);
    }
}
