//! Type changes that lose nothing, and the one type both sides of a retyped
//! column or key are compared in.
//!
//! Migrations retype columns without changing a value: pandas writes an
//! integer column holding a NaN as float, Spark writes timestamps in
//! microseconds where pandas wrote nanoseconds, a column widens from int32
//! to int64. Such a change is still reported (it is a schema finding), but
//! the values are compared in the wider type, so a changed value is still
//! counted. A change that can lose values (float to int, string to number)
//! has no common type here: its values are not compared.

use polars::prelude::*;

/// Integers whose magnitude is at most this are exact in an f64.
pub const EXACT_IN_F64: i64 = 1 << 53;

/// The type in which values of `base` and `head` can both be held without
/// losing any, or `None` when no such type exists.
///
/// 64-bit integers against floats are answered with `Float64`: exact for
/// magnitudes up to 2^53, and the comparison rechecks the rare larger ones
/// exactly (see `diff`). Dates widen to naive datetimes (midnight);
/// datetimes and durations to the finer unit of the two; datetimes in two
/// time zones to head's zone (both hold instants: a zone only says how they
/// are shown); categoricals and enums to strings; booleans to numbers
/// (true 1, false 0, as SQL and Spark cast them: a flag moved to a
/// database without booleans). A naive datetime against one in a zone has
/// none: a naive time is no instant.
pub fn common_type(base: &DataType, head: &DataType) -> Option<DataType> {
    use DataType as D;
    if base == head {
        return Some(base.clone());
    }
    let out = match (base, head) {
        (D::Null, other) | (other, D::Null) => other.clone(),
        (a, b) if a.is_integer() && b.is_integer() => common_integer(a, b)?,
        (D::Boolean, n) | (n, D::Boolean) if n.is_integer() || n.is_float() => n.clone(),
        (a, b) if a.is_float() && b.is_float() => D::Float64,
        (a, b) if (a.is_float() && b.is_integer()) || (a.is_integer() && b.is_float()) => {
            D::Float64
        }
        (D::Decimal(p1, s1), D::Decimal(p2, s2)) => {
            let scale = (*s1).max(*s2);
            let whole = (p1 - s1).max(p2 - s2);
            if whole + scale > 38 {
                return None;
            }
            D::Decimal(whole + scale, scale)
        }
        (D::Date, D::Datetime(unit, None)) | (D::Datetime(unit, None), D::Date) => {
            D::Datetime(*unit, None)
        }
        (D::Datetime(u1, z1), D::Datetime(u2, z2)) if z1 == z2 => {
            D::Datetime(finer(*u1, *u2), z1.clone())
        }
        (D::Datetime(u1, Some(_)), D::Datetime(u2, Some(z))) => {
            D::Datetime(finer(*u1, *u2), Some(z.clone()))
        }
        (D::Duration(u1), D::Duration(u2)) => D::Duration(finer(*u1, *u2)),
        (a, b) if is_text(a) && is_text(b) => D::String,
        _ => return None,
    };
    Some(out)
}

/// The type a value column retyped from `base` to `head` is compared in,
/// when the change loses nothing: head's type holds every value of base's
/// (int32 -> int64, float32 -> float64, int -> float, date -> datetime,
/// decimal widening, bool -> a number), text moved between strings, categoricals and enums,
/// a time unit changed (compared in the finer unit, so a value that lost
/// its sub-microsecond part shows as changed) or a time zone (compared as
/// instants: UTC noon and 13:00 in Berlin in winter are the same value). A narrowing change (float ->
/// int, int64 -> int32, datetime -> date) or one between kinds (string ->
/// number) is `None`: its values are not compared.
pub fn value_type(base: &DataType, head: &DataType) -> Option<DataType> {
    let common = common_type(base, head)?;
    let unit_only = matches!(
        (base, head),
        (DataType::Datetime(_, z1), DataType::Datetime(_, z2)) if z1 == z2 || (z1.is_some() && z2.is_some())
    ) || matches!((base, head), (DataType::Duration(_), DataType::Duration(_)));
    (common == *head || unit_only || (is_text(base) && is_text(head))).then_some(common)
}

/// Strings, categoricals and enums: all hold text.
fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::String | DataType::Categorical(..) | DataType::Enum(..)
    )
}

fn finer(a: TimeUnit, b: TimeUnit) -> TimeUnit {
    use TimeUnit::*;
    match (a, b) {
        (Nanoseconds, _) | (_, Nanoseconds) => Nanoseconds,
        (Microseconds, _) | (_, Microseconds) => Microseconds,
        _ => Milliseconds,
    }
}

/// The smallest integer type holding every value of both.
fn common_integer(a: &DataType, b: &DataType) -> Option<DataType> {
    let bits = |t: &DataType| match t {
        DataType::Int8 | DataType::UInt8 => 8,
        DataType::Int16 | DataType::UInt16 => 16,
        DataType::Int32 | DataType::UInt32 => 32,
        DataType::Int64 | DataType::UInt64 => 64,
        _ => 128,
    };
    let signed = |n: u32| match n {
        8 => DataType::Int8,
        16 => DataType::Int16,
        32 => DataType::Int32,
        64 => DataType::Int64,
        _ => DataType::Int128,
    };
    let unsigned = |n: u32| match n {
        8 => DataType::UInt8,
        16 => DataType::UInt16,
        32 => DataType::UInt32,
        64 => DataType::UInt64,
        _ => DataType::UInt128,
    };
    let (na, nb) = (bits(a), bits(b));
    let (signed_bits, unsigned_bits) = match (a.is_signed_integer(), b.is_signed_integer()) {
        (true, true) => return Some(signed(na.max(nb))),
        (false, false) => return Some(unsigned(na.max(nb))),
        (true, false) => (na, nb),
        (false, true) => (nb, na),
    };
    // Signed against unsigned: a signed type wider than the unsigned one.
    if signed_bits > unsigned_bits {
        Some(signed(signed_bits))
    } else if unsigned_bits < 128 {
        Some(signed(unsigned_bits * 2))
    } else {
        None
    }
}

/// True when `s` (an integer column) has a value an f64 cannot hold
/// exactly, so comparing it as f64 needs the exact recheck.
pub fn has_inexact_in_f64(s: &Series) -> PolarsResult<bool> {
    if !s.dtype().is_integer() {
        return Ok(false);
    }
    let wide = s.cast(&DataType::Int128)?;
    let ca = wide.i128()?;
    let limit = EXACT_IN_F64 as i128;
    Ok(ca.min().is_some_and(|m| m < -limit) || ca.max().is_some_and(|m| m > limit))
}

/// True when every value of the float column `s` is a whole number an i64
/// holds, so a float key can pair with an integer key as integers.
pub fn all_whole_i64(s: &Series) -> PolarsResult<bool> {
    let f = s.cast(&DataType::Float64)?;
    Ok(f.f64()?.iter().flatten().all(|v| {
        v.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_keeps_every_value() {
        use DataType as D;
        let cases = [
            (D::Int32, D::Int64, Some(D::Int64)),
            (D::UInt32, D::Int32, Some(D::Int64)),
            (D::UInt8, D::Int64, Some(D::Int64)),
            (D::UInt64, D::Int64, Some(D::Int128)),
            (D::Float32, D::Float64, Some(D::Float64)),
            (D::Int64, D::Float64, Some(D::Float64)),
            (D::Null, D::Date, Some(D::Date)),
            (
                D::Datetime(TimeUnit::Nanoseconds, None),
                D::Datetime(TimeUnit::Microseconds, None),
                Some(D::Datetime(TimeUnit::Nanoseconds, None)),
            ),
            (
                D::Date,
                D::Datetime(TimeUnit::Milliseconds, None),
                Some(D::Datetime(TimeUnit::Milliseconds, None)),
            ),
            (
                D::Decimal(10, 2),
                D::Decimal(12, 4),
                Some(D::Decimal(12, 4)),
            ),
            // A flag as 1 and 0 (a database without booleans).
            (D::Boolean, D::Int64, Some(D::Int64)),
            (D::UInt8, D::Boolean, Some(D::UInt8)),
            // Lossy or meaningless: no common type.
            (D::String, D::Int64, None),
            (D::Boolean, D::String, None),
            (
                D::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)),
                D::Datetime(TimeUnit::Microseconds, None),
                None,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(common_type(&a, &b), want, "{a} vs {b}");
            assert_eq!(common_type(&b, &a), want, "{b} vs {a}");
        }
    }

    #[test]
    fn datetimes_moved_to_another_time_zone_compare_as_instants() {
        use DataType as D;
        let berlin = TimeZone::opt_try_new(Some("Europe/Berlin")).unwrap();
        let utc_us = D::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC));
        let berlin_ms = D::Datetime(TimeUnit::Milliseconds, berlin.clone());
        let berlin_us = D::Datetime(TimeUnit::Microseconds, berlin);
        assert_eq!(value_type(&utc_us, &berlin_ms), Some(berlin_us));
        assert_eq!(value_type(&berlin_ms, &utc_us), Some(utc_us.clone()),);
        // The cast keeps the instant: noon UTC is 13:00 in Berlin in winter.
        let t = Series::new("t".into(), [1_704_110_400_000_000i64])
            .cast(&utc_us)
            .unwrap();
        let moved = t.cast(&value_type(&utc_us, &berlin_ms).unwrap()).unwrap();
        assert_eq!(
            moved.to_physical_repr().i64().unwrap().get(0),
            Some(1_704_110_400_000_000)
        );
        assert!(
            moved.get(0).unwrap().to_string().contains("13:00"),
            "{}",
            moved.get(0).unwrap()
        );
        // A naive time is no instant: not compared.
        let naive = D::Datetime(TimeUnit::Microseconds, None);
        assert_eq!(value_type(&utc_us, &naive), None);
        assert_eq!(value_type(&naive, &utc_us), None);
    }

    #[test]
    fn value_columns_compare_only_changes_that_keep_every_value() {
        use DataType as D;
        let us = D::Datetime(TimeUnit::Microseconds, None);
        let ns = D::Datetime(TimeUnit::Nanoseconds, None);
        assert_eq!(value_type(&D::Int32, &D::Int64), Some(D::Int64));
        assert_eq!(value_type(&D::Int64, &D::Float64), Some(D::Float64));
        assert_eq!(value_type(&ns, &us), Some(ns.clone()));
        assert_eq!(value_type(&us, &ns), Some(ns.clone()));
        assert_eq!(value_type(&D::Date, &us), Some(us.clone()));
        // Narrowing or between kinds: not compared.
        assert_eq!(value_type(&D::Float64, &D::Int64), None);
        assert_eq!(value_type(&D::Int64, &D::Int32), None);
        assert_eq!(value_type(&us, &D::Date), None);
        assert_eq!(value_type(&D::String, &D::Int64), None);
        // A flag may become 1 and 0; a number may not become a flag.
        assert_eq!(value_type(&D::Boolean, &D::Int64), Some(D::Int64));
        assert_eq!(value_type(&D::Int64, &D::Boolean), None);
    }

    #[test]
    fn large_integers_are_flagged_for_the_exact_recheck() {
        let small = Series::new("x".into(), [1i64, -(1 << 53)]);
        let large = Series::new("x".into(), [1i64, (1 << 53) + 1]);
        assert!(!has_inexact_in_f64(&small).unwrap());
        assert!(has_inexact_in_f64(&large).unwrap());
        let whole = Series::new("k".into(), [1400.0f64, -3.0]);
        let half = Series::new("k".into(), [1400.0f64, 0.5]);
        assert!(all_whole_i64(&whole).unwrap());
        assert!(!all_whole_i64(&half).unwrap());
    }
}
