//! ISO 8601 dates and times written as text: what a CSV file's checking
//! pass types as a date or a datetime, the value each is read as, and the
//! values of SQLite's `DATE` and `TIMESTAMP` columns. One parser for all,
//! so a field is typed a date only if it reads as one.
//!
//! Taken: `YYYY-MM-DD` (a date that exists), and a datetime
//! `YYYY-MM-DD[T ]HH:MM[:SS[.f]]` with up to six digits of fraction
//! (microseconds, the unit the column is read in), either without a zone
//! (a naive datetime) or with `Z` or `±HH:MM` (an instant, read in UTC).
//! Anything else (other layouts, nanoseconds, a 24th hour or a leap
//! second) is not a date here, so its column stays text: nothing is
//! rounded or guessed.

use polars::prelude::*;

/// What a field that is a date or a time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Temporal {
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since 1970-01-01 00:00, with no zone.
    Naive(i64),
    /// Microseconds since 1970-01-01 00:00 UTC, from a zone or `Z`.
    Utc(i64),
}

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// `f` as a date or a datetime, or `None`.
#[inline]
pub fn parse(f: &[u8]) -> Option<Temporal> {
    let days = date(f.get(..10)?)?;
    if f.len() == 10 {
        return Some(Temporal::Date(days));
    }
    if !matches!(f[10], b'T' | b' ') {
        return None;
    }
    let rest = &f[11..];
    let (hour, minute) = (two(rest, 0, 23)?, two(rest.get(3..)?, 0, 59)?);
    if rest[2] != b':' {
        return None;
    }
    let mut micros = (hour * 3600 + minute * 60) * 1_000_000;
    let mut rest = &rest[5..];
    if let [b':', ..] = rest {
        micros += two(&rest[1..], 0, 59)? * 1_000_000;
        rest = &rest[3..];
        if let [b'.', fraction @ ..] = rest {
            let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
            if !(1..=6).contains(&digits) {
                return None;
            }
            let mut part = 0i64;
            for &c in &fraction[..digits] {
                part = part * 10 + i64::from(c - b'0');
            }
            micros += part * 10i64.pow(6 - digits as u32);
            rest = &fraction[digits..];
        }
    }
    let at = i64::from(days) * MICROS_PER_DAY + micros;
    match rest {
        [] => Some(Temporal::Naive(at)),
        [b'Z'] => Some(Temporal::Utc(at)),
        [sign @ (b'+' | b'-'), zone @ ..] if zone.len() == 5 && zone[2] == b':' => {
            let offset = (two(zone, 0, 23)? * 60 + two(&zone[3..], 0, 59)?) * 60_000_000;
            Some(Temporal::Utc(if *sign == b'+' {
                at - offset
            } else {
                at + offset
            }))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD` (exactly) as days since 1970-01-01, if that day exists.
fn date(f: &[u8]) -> Option<i32> {
    if f.len() != 10 || f[4] != b'-' || f[7] != b'-' {
        return None;
    }
    let year = two(f, 0, 99)? * 100 + two(&f[2..], 0, 99)?;
    let (month, day) = (two(&f[5..], 1, 12)?, two(&f[8..], 1, 31)?);
    let d = chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from(d.signed_duration_since(epoch).num_days()).ok()
}

/// The two digits at the start of `f` as a number within `lo..=hi`.
#[inline]
fn two(f: &[u8], lo: i64, hi: i64) -> Option<i64> {
    let (a, b) = (f.first()?.wrapping_sub(b'0'), f.get(1)?.wrapping_sub(b'0'));
    let v = i64::from(a) * 10 + i64::from(b);
    (a <= 9 && b <= 9 && (lo..=hi).contains(&v)).then_some(v)
}

/// A datetime column's value of `f`: a date is its midnight.
pub fn micros(t: Temporal) -> i64 {
    match t {
        Temporal::Date(days) => i64::from(days) * MICROS_PER_DAY,
        Temporal::Naive(at) | Temporal::Utc(at) => at,
    }
}

/// The type of a column whose values are all dates or times, by which
/// kinds it holds: dates alone a date column; datetimes without a zone
/// (dates among them read as their midnight) a naive datetime column;
/// instants alone a UTC one; a mix of zoned and unzoned none (text). None
/// when it holds no value at all.
pub fn common_type(date: bool, naive: bool, utc: bool) -> Option<DataType> {
    let us = TimeUnit::Microseconds;
    match (date, naive, utc) {
        (true, false, false) => Some(DataType::Date),
        (_, true, false) => Some(DataType::Datetime(us, None)),
        (false, false, true) => Some(DataType::Datetime(us, Some(TimeZone::UTC))),
        _ => None,
    }
}

/// The date or datetime type of a text column every value of which is an
/// ISO date or time (nulls aside; an empty string is text), or none.
pub fn text_type(text: &StringChunked) -> Option<DataType> {
    let (mut date, mut naive, mut utc) = (false, false, false);
    for v in text.iter().flatten() {
        match parse(v.as_bytes())? {
            Temporal::Date(_) => date = true,
            Temporal::Naive(_) => naive = true,
            Temporal::Utc(_) => utc = true,
        }
    }
    common_type(date, naive, utc)
}

/// `df` with each text column whose values are all ISO dates or times
/// read as dates or times, as a CSV file's would be (for NDJSON, whose
/// reader leaves them text).
pub fn typed_text_columns(mut df: DataFrame) -> PolarsResult<DataFrame> {
    let typed: Vec<(PlSmallStr, DataType)> = df
        .columns()
        .iter()
        .filter_map(|c| Some((c.name().clone(), text_type(c.str().ok()?)?)))
        .collect();
    for (name, to) in typed {
        let values = column(df.column(&name)?.str()?, &to)?;
        df.with_column(values.into_column())?;
    }
    Ok(df)
}

/// A column of ISO text as the date or datetime (µs) column `to`: a date
/// column takes dates; one without a zone dates (their midnight) and
/// times without one; a zoned one times with one. The first value that is
/// none of these is the error, naming it.
pub fn column(text: &StringChunked, to: &DataType) -> PolarsResult<Series> {
    let mut values: Vec<Option<i64>> = Vec::with_capacity(text.len());
    for v in text.iter() {
        let Some(v) = v else {
            values.push(None);
            continue;
        };
        let value = match (parse(v.as_bytes()), to) {
            (Some(Temporal::Date(days)), DataType::Date) => i64::from(days),
            (
                Some(t @ (Temporal::Date(_) | Temporal::Naive(_))),
                DataType::Datetime(TimeUnit::Microseconds, None),
            )
            | (Some(t @ Temporal::Utc(_)), DataType::Datetime(TimeUnit::Microseconds, Some(_))) => {
                micros(t)
            }
            _ => {
                let want = match to {
                    DataType::Date => "an ISO date (YYYY-MM-DD)",
                    DataType::Datetime(_, None) => {
                        "an ISO date or time without a zone (YYYY-MM-DD[ HH:MM:SS[.ffffff]])"
                    }
                    _ => "an ISO time with a zone (YYYY-MM-DDTHH:MM:SS[.ffffff]Z or ±HH:MM)",
                };
                polars_bail!(ComputeError: "`{v}` is not {want}");
            }
        };
        values.push(Some(value));
    }
    let physical = Series::new(text.name().clone(), values);
    match to {
        DataType::Date => physical.cast(&DataType::Int32)?.cast(to),
        _ => physical.cast(to),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_column_is_a_date_column_only_if_every_value_is_one() {
        let us = TimeUnit::Microseconds;
        let of = |values: &[Option<&str>]| {
            text_type(&StringChunked::from_iter_options(
                "c".into(),
                values.iter().copied(),
            ))
        };
        assert_eq!(of(&[Some("2024-03-01"), None]), Some(DataType::Date));
        assert_eq!(
            of(&[Some("2024-03-01"), Some("2024-03-01T10:00")]),
            Some(DataType::Datetime(us, None))
        );
        assert_eq!(
            of(&[Some("2024-03-01T10:00Z"), Some("2024-03-01T10:00+01:00")]),
            Some(DataType::Datetime(us, Some(TimeZone::UTC)))
        );
        // Zoned with unzoned, a date beside an instant, one value that is
        // no date, an empty string, or no value at all: text.
        assert_eq!(
            of(&[Some("2024-03-01T10:00Z"), Some("2024-03-01T10:00")]),
            None
        );
        assert_eq!(of(&[Some("2024-03-01T10:00Z"), Some("2024-03-01")]), None);
        assert_eq!(of(&[Some("2024-03-01"), Some("soon")]), None);
        assert_eq!(of(&[Some("2024-03-01"), Some("")]), None);
        assert_eq!(of(&[None, None]), None);
    }

    #[test]
    fn iso_dates_and_times_read_as_chrono_reads_them() {
        use chrono::{DateTime, NaiveDate, NaiveDateTime};
        let day = |s: &str| {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
            (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days() as i32
        };
        let naive = |s: &str, f: &str| {
            NaiveDateTime::parse_from_str(s, f)
                .unwrap()
                .and_utc()
                .timestamp_micros()
        };
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros();
        for d in [
            "1970-01-01",
            "2024-02-29",
            "1969-12-31",
            "0001-01-01",
            "9999-12-31",
        ] {
            assert_eq!(parse(d.as_bytes()), Some(Temporal::Date(day(d))), "{d}");
        }
        for (s, f) in [
            ("2024-03-01 10:20:30", "%Y-%m-%d %H:%M:%S"),
            ("2024-03-01T10:20:30.5", "%Y-%m-%dT%H:%M:%S%.f"),
            ("1969-12-31 23:59:59.999999", "%Y-%m-%d %H:%M:%S%.f"),
            ("2024-03-01 10:20", "%Y-%m-%d %H:%M"),
        ] {
            assert_eq!(
                parse(s.as_bytes()),
                Some(Temporal::Naive(naive(s, f))),
                "{s}"
            );
        }
        for s in [
            "2024-03-01T10:20:30Z",
            "2024-03-01T10:20:30.123+02:00",
            "2024-03-01T00:20:30-05:30",
        ] {
            assert_eq!(parse(s.as_bytes()), Some(Temporal::Utc(utc(s))), "{s}");
        }
        assert_eq!(
            parse(b"2024-03-01 10:20:30Z"),
            parse(b"2024-03-01T10:20:30+00:00")
        );
        // Not dates here, so their columns stay text.
        for s in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-01x",
            "2024-01-01 24:00:00",
            "2024-01-01 10:00:60",
            "2024-01-01 10:00:00.1234567",
            "2024-01-01 10:00:00.",
            "2024-01-01 10:00:00+0200",
            "2024-01-01 10",
            "20240101",
        ] {
            assert_eq!(parse(s.as_bytes()), None, "{s}");
        }
        assert_eq!(micros(Temporal::Date(1)), 86_400_000_000);
    }
}
