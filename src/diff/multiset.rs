//! Keyless tables, compared as multisets of rows.

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
    let (nb, nh) = (base.height() as u64, head.height() as u64);
    report.rows = Some(RowCounts {
        base: nb,
        head: nh,
        matched: nb - missing,
        missing,
        extra,
        changed: None,
    });
    Ok(())
}
