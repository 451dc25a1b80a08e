//! Keyless tables, compared as multisets of rows. Each row is known by a
//! 96-bit hash of its values (polars' row hash under two seeds: its
//! group-by's equality, nulls alike, floats by their total order) with its
//! row index below; both sides' are sorted and merged to count the rows
//! one side holds more of, and only those rows are read again, for the
//! samples. Two different rows share a hash with a chance of about
//! n^2 / 2^97 (below 1e-15 for 10M rows). Columns of other types (nested,
//! categorical) or of two types take polars' group-by and join of whole
//! rows instead, as before.

use polars::prelude::*;

use super::SAMPLES;
use super::values::row_values;
use crate::model::{RowCounts, RowSample, TableReport};

const COUNT: &str = "__swimlane_count";

fn key_exprs(key: &[String]) -> Vec<Expr> {
    key.iter().map(|k| col(k.as_str())).collect()
}

pub(super) fn compare_multiset(
    report: &mut TableReport,
    base: &DataFrame,
    head: &DataFrame,
    compared: &[String],
) -> PolarsResult<()> {
    // Both sides' values of one type (a hash is of the type's values), of
    // a type whose hash polars computes from its values alone.
    let hashable = compared
        .iter()
        .all(|c| match (base.column(c), head.column(c)) {
            (Ok(b), Ok(h)) => {
                let t = b.dtype();
                t == h.dtype()
                    && (t.is_primitive_numeric()
                        || t.is_temporal()
                        || t.is_decimal()
                        || matches!(t, DataType::Boolean | DataType::String | DataType::Binary))
            }
            _ => false,
        });
    // Row indices fit in the 32 bits below the hash.
    let indexable = base.height().max(head.height()) <= u32::MAX as usize;
    if hashable && indexable && !compared.is_empty() {
        by_row_hashes(report, base, head, compared)
    } else {
        by_grouping(report, base, head, compared)
    }
}

/// Each row of `df` as one number: 96 bits of polars' row hash (two
/// seeds) above its row index.
fn row_hashes(df: &DataFrame, compared: &[String]) -> PolarsResult<Vec<u128>> {
    let mut df = df.select(compared.iter().map(String::as_str))?;
    let seeded = |seed| Some(PlSeedableRandomStateQuality::seed_from_u64(seed));
    let low = df.hash_rows(seeded(0x5eed_0001))?;
    let high = df.hash_rows(seeded(0x5eed_0002))?;
    Ok(low
        .into_no_null_iter()
        .zip(high.into_no_null_iter())
        .enumerate()
        .map(|(row, (l, h))| u128::from(h) << 64 | u128::from(l >> 32) << 32 | row as u128)
        .collect())
}

/// Rows a side holds more of than the other: each one's first row and how
/// many more.
type More = Vec<(IdxSize, u64)>;

/// A hashed row's hash (its row index cleared).
fn hash_of(x: u128) -> u128 {
    x >> 32
}

fn by_row_hashes(
    report: &mut TableReport,
    base: &DataFrame,
    head: &DataFrame,
    compared: &[String],
) -> PolarsResult<()> {
    let sorted = |df: &DataFrame| -> PolarsResult<Vec<u128>> {
        let mut s = row_hashes(df, compared)?;
        // Ascending by hash, then row: a run's first is its first row.
        voracious_radix_sort::RadixSort::voracious_sort(&mut s);
        Ok(s)
    };
    let (bs, hs) = rayon::join(|| sorted(base), || sorted(head));
    let (bs, hs) = (bs?, hs?);
    // Both sides' runs of one hash, merged: a side holding more of a row
    // than the other gives its first occurrence and how many more.
    let (mut more_b, mut more_h): (More, More) = Default::default();
    let run = |s: &[u128], at: usize| {
        let h = hash_of(s[at]);
        s[at..].iter().take_while(|&&x| hash_of(x) == h).count()
    };
    let row = |x: u128| (x as u32) as IdxSize;
    let (mut i, mut j) = (0, 0);
    while i < bs.len() || j < hs.len() {
        let next = match (bs.get(i), hs.get(j)) {
            (Some(&x), Some(&y)) => hash_of(x).min(hash_of(y)),
            (Some(&x), None) => hash_of(x),
            (None, Some(&y)) => hash_of(y),
            (None, None) => unreachable!("the loop's condition"),
        };
        let nb = if bs.get(i).is_some_and(|&x| hash_of(x) == next) {
            run(&bs, i)
        } else {
            0
        };
        let nh = if hs.get(j).is_some_and(|&x| hash_of(x) == next) {
            run(&hs, j)
        } else {
            0
        };
        if nb > nh {
            more_b.push((row(bs[i]), (nb - nh) as u64));
        } else if nh > nb {
            more_h.push((row(hs[j]), (nh - nb) as u64));
        }
        (i, j) = (i + nb, j + nh);
    }
    drop((bs, hs));
    let missing: u64 = more_b.iter().map(|r| r.1).sum();
    let extra: u64 = more_h.iter().map(|r| r.1).sum();
    let (missing_samples, extra_samples) = rayon::join(
        || samples(base, compared, more_b),
        || samples(head, compared, more_h),
    );
    report.missing_samples.extend(missing_samples?);
    report.extra_samples.extend(extra_samples?);
    report.rows = Some(row_counts(base, head, missing, extra));
    Ok(())
}

/// A keyless table's row counts: rows match unless one side holds more.
fn row_counts(base: &DataFrame, head: &DataFrame, missing: u64, extra: u64) -> RowCounts {
    let nb = base.height() as u64;
    RowCounts {
        base: nb,
        head: head.height() as u64,
        matched: nb - missing,
        missing,
        extra,
        changed: None,
    }
}

/// The first SAMPLES in the order of their values of the rows of `df`
/// its side holds more of (`more`: each one's row and how many more).
fn samples(df: &DataFrame, compared: &[String], mut more: More) -> PolarsResult<Vec<RowSample>> {
    if more.is_empty() {
        return Ok(Vec::new());
    }
    more.sort_unstable();
    let more = first_by_first_column(df, compared, more)?;
    let (rows, counts): (Vec<IdxSize>, Vec<u64>) = more.into_iter().unzip();
    let mut found = df
        .select(compared.iter().map(String::as_str))?
        .take(&IdxCa::from_vec("rows".into(), rows))?;
    found.with_column(Column::new(COUNT.into(), counts))?;
    let first = found
        .lazy()
        .sort(compared.to_vec(), SortMultipleOptions::default())
        .limit(SAMPLES as IdxSize)
        .collect()?;
    let counts = first.column(COUNT)?.u64()?;
    (0..first.height())
        .map(|i| {
            Ok(RowSample {
                values: row_values(&first, compared, i)?,
                count: counts.get(i).unwrap_or(0),
            })
        })
        .collect()
}

/// Of the rows `more` (ascending, with their counts), those that can be
/// among the first SAMPLES in the order of all columns: the first SAMPLES
/// by the first column and every row that ties with the last of them (a
/// row whose first value sorts after has SAMPLES rows before it). Sorting
/// millions of rows by every column to show five took seconds; this sorts
/// one column of them.
fn first_by_first_column(df: &DataFrame, compared: &[String], more: More) -> PolarsResult<More> {
    if more.len() <= SAMPLES {
        return Ok(more);
    }
    let rows = IdxCa::from_vec("rows".into(), more.iter().map(|r| r.0).collect());
    let first = df
        .column(&compared[0])?
        .as_materialized_series()
        .take(&rows)?;
    let order = first.arg_sort(SortOptions::default());
    let order: Vec<IdxSize> = order.into_no_null_iter().collect();
    let last = first.get(order[SAMPLES - 1] as usize)?;
    // Equal as the sort may hold them, or more so: NaN with NaN, -0 with 0.
    let ties = |v: &AnyValue| {
        *v == last
            || matches!((v.extract::<f64>(), last.extract::<f64>()), (Some(a), Some(b)) if a == b || (a.is_nan() && b.is_nan()))
    };
    let mut keep: Vec<IdxSize> = order[..SAMPLES].to_vec();
    for &i in &order[SAMPLES..] {
        if !ties(&first.get(i as usize)?) {
            break;
        }
        keep.push(i);
    }
    keep.sort_unstable();
    Ok(keep.into_iter().map(|i| more[i as usize]).collect())
}

/// The multisets compared by polars' group-by of each side and a join of
/// their counts on every column.
fn by_grouping(
    report: &mut TableReport,
    base: &DataFrame,
    head: &DataFrame,
    compared: &[String],
) -> PolarsResult<()> {
    let counted = |df: &DataFrame, name: &str| -> PolarsResult<LazyFrame> {
        Ok(df
            .select(compared.iter().map(String::as_str))?
            .lazy()
            .group_by(key_exprs(compared))
            .agg([len().cast(DataType::Int64).alias(name)]))
    };
    let b_count = format!("{COUNT}_base");
    let h_count = format!("{COUNT}_head");
    let joined = counted(base, &b_count)?
        .join(
            counted(head, &h_count)?,
            key_exprs(compared),
            key_exprs(compared),
            JoinArgs {
                nulls_equal: true,
                coalesce: JoinCoalesce::CoalesceColumns,
                ..JoinArgs::new(JoinType::Full)
            },
        )
        .with_columns([
            col(&b_count).fill_null(lit(0i64)),
            col(&h_count).fill_null(lit(0i64)),
        ])
        .with_column((col(&b_count) - col(&h_count)).alias(COUNT))
        .filter(col(COUNT).neq(lit(0i64)))
        .sort(compared.to_vec(), SortMultipleOptions::default())
        .collect()?;
    let diff = joined.column(COUNT)?.i64()?;
    let (mut missing, mut extra) = (0u64, 0u64);
    for (i, d) in diff.into_no_null_iter().enumerate() {
        let sample = |count: u64| -> PolarsResult<RowSample> {
            Ok(RowSample {
                values: row_values(&joined, compared, i)?,
                count,
            })
        };
        if d > 0 {
            missing += d as u64;
            if report.missing_samples.len() < SAMPLES {
                report.missing_samples.push(sample(d as u64)?);
            }
        } else {
            extra += d.unsigned_abs();
            if report.extra_samples.len() < SAMPLES {
                report.extra_samples.push(sample(d.unsigned_abs())?);
            }
        }
    }
    report.rows = Some(row_counts(base, head, missing, extra));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TableReport;

    fn both_ways(base: &DataFrame, head: &DataFrame) -> (TableReport, TableReport) {
        let names: Vec<String> = base
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut hashed = TableReport::new("t", crate::config::CompareMode::Exact, &[]);
        let mut grouped = hashed.clone();
        by_row_hashes(&mut hashed, base, head, &names).unwrap();
        by_grouping(&mut grouped, base, head, &names).unwrap();
        (hashed, grouped)
    }

    /// Rows known by their hash count and sample as polars' group-by and
    /// join of whole rows do: duplicates, nulls alike, NaN with NaN, -0
    /// with 0, text, dates; more differing rows than samples, some tied on
    /// the first column.
    #[test]
    fn rows_counted_by_hash_equal_rows_grouped_and_joined() {
        let base = df!(
            "a" => [Some(1i64), Some(1), Some(1), None, Some(2), Some(3), Some(3), Some(0), Some(0), Some(5), Some(7), Some(1)],
            "x" => [Some(0.5), Some(0.5), Some(f64::NAN), Some(1.0), None, Some(-0.0), Some(2.0), Some(9.0), Some(8.0), Some(7.0), Some(6.0), Some(4.0)],
            "s" => [Some("p"), Some("p"), Some("q"), None, Some(""), Some("r"), Some("r"), Some("t"), Some("u"), Some("v"), Some("w"), Some("z")],
        )
        .unwrap();
        let head = df!(
            "a" => [Some(1i64), Some(1), None, Some(2), Some(3), Some(3), Some(0), Some(0), Some(4), Some(1), Some(1), Some(1)],
            "x" => [Some(0.5), Some(f64::NAN), Some(1.0), None, Some(0.0), Some(2.5), Some(9.5), Some(8.0), Some(1.0), Some(3.0), Some(2.0), Some(0.5)],
            "s" => [Some("p"), Some("q"), None, Some(""), Some("r"), Some("r"), Some("t"), Some("u"), Some("v"), Some("y"), Some("x"), Some("p")],
        )
        .unwrap();
        // More rows of one side only, tied on the first column.
        let more = |a: i64| {
            df!("a" => [a; 4], "x" => [1.0, 2.0, 3.0, 4.0], "s" => ["m", "n", "o", "p"]).unwrap()
        };
        let (base, head) = (
            base.vstack(&more(1)).unwrap(),
            head.vstack(&more(3)).unwrap(),
        );
        let (hashed, grouped) = both_ways(&base, &head);
        assert_eq!(hashed.rows, grouped.rows);
        assert_eq!(hashed.missing_samples, grouped.missing_samples);
        assert_eq!(hashed.extra_samples, grouped.extra_samples);
        let rows = hashed.rows.unwrap();
        assert!(
            rows.missing > SAMPLES as u64 && rows.extra > SAMPLES as u64,
            "{rows:?}"
        );
        // Dates, and a first column all alike (every row ties on it).
        let days = |d: &[i32]| {
            Series::new("d".into(), d)
                .cast(&DataType::Date)
                .unwrap()
                .into_column()
        };
        let base = DataFrame::new_infer_height(vec![
            Column::new("k".into(), [1i64; 8]),
            days(&[1, 2, 3, 4, 5, 6, 7, 8]),
        ])
        .unwrap();
        let head = DataFrame::new_infer_height(vec![
            Column::new("k".into(), [1i64; 8]),
            days(&[8, 9, 10, 11, 12, 13, 14, 1]),
        ])
        .unwrap();
        let (hashed, grouped) = both_ways(&base, &head);
        assert_eq!(hashed.rows, grouped.rows);
        assert_eq!(hashed.missing_samples, grouped.missing_samples);
        assert_eq!(hashed.extra_samples, grouped.extra_samples);
        // Every other type the hashes take.
        let frame = |shift: i64| {
            let n: Vec<i64> = (0..6).map(|i| i + shift).collect();
            let cast = |name: &str, t: DataType| {
                Series::new(name.into(), &n).cast(&t).unwrap().into_column()
            };
            DataFrame::new_infer_height(vec![
                Column::new("b".into(), n.iter().map(|i| i % 2 == 0).collect::<Vec<_>>()),
                Column::new(
                    "bin".into(),
                    n.iter().map(|i| vec![*i as u8; 2]).collect::<Vec<_>>(),
                ),
                cast("u", DataType::UInt16),
                cast("f", DataType::Float32),
                cast("t", DataType::Time),
                cast("dur", DataType::Duration(TimeUnit::Milliseconds)),
                cast("dt", DataType::Datetime(TimeUnit::Microseconds, None)),
                cast("dec", DataType::Decimal(10, 2)),
            ])
            .unwrap()
        };
        assert_eq!(frame(0).column("bin").unwrap().dtype(), &DataType::Binary);
        let (hashed, grouped) = both_ways(&frame(0), &frame(2));
        assert_eq!(hashed.rows, grouped.rows);
        assert_eq!(hashed.rows.unwrap().missing, 2);
        assert_eq!(hashed.missing_samples, grouped.missing_samples);
        assert_eq!(hashed.extra_samples, grouped.extra_samples);
    }
}
