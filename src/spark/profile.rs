//! A side's profile computed on the cluster (`model::profile::Profile`,
//! the same metrics as `crate::profile` computes locally): one aggregation
//! pass over the side's view for the counts, nulls, distinct values,
//! moments, quantiles and sketch of every column; one more query for the
//! duplicated keys and one per category column for its top values.
//! Quantiles come from `percentile_approx` with [`ACCURACY`]: each is a
//! value of the column whose rank is within 1/`ACCURACY` of the one asked
//! for, and the profile says so (`NumberProfile::rank_error`).

use polars::prelude::*;

use super::{Spark, SparkError, as_double, ident, one_row, polars_type, sql_list};
use crate::model::profile::{
    ColumnProfile, NumberProfile, Profile, SKETCH_STEPS, Sketch, TextProfile,
};
use crate::profile::{TOP_OF_DISTINCT, TOP_VALUES};

/// `percentile_approx`'s accuracy: its answers are within 1/ACCURACY in
/// rank of the exact quantiles (Spark's default).
pub const ACCURACY: u32 = 10_000;

/// The relative standard deviation asked of `approx_count_distinct`
/// (HyperLogLog++), about the local estimate's error.
const DISTINCT_RSD: f64 = 0.01;

/// How a column is profiled, by its type.
enum Kind {
    Numeric,
    Text,
    Other,
}

fn kind(dtype: &DataType) -> Kind {
    if dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_temporal() {
        Kind::Numeric
    } else if matches!(dtype, DataType::String | DataType::Boolean) {
        Kind::Text
    } else {
        Kind::Other
    }
}

/// Both sides' profiles of the table just compared (its views `swl_b` and
/// `swl_h`, as the comparison left them).
pub fn profiles(
    spark: &Spark,
    table: &crate::config::Table,
) -> Result<crate::model::TableProfiles, SparkError> {
    let side = |view: &str| -> Result<Profile, SparkError> {
        let columns = super::read::columns(spark, view)?;
        profile(spark, view, &columns, &table.key)
    };
    Ok(crate::model::TableProfiles {
        base: side("swl_b")?,
        head: side("swl_h")?,
    })
}

/// The profile of the table at `read` (a path or URI the cluster reads in
/// `format`, or `table:db.name` of its catalog), with `key`'s duplicated
/// values: `swimlane profile --engine spark`.
pub fn of_location(
    spark: &Spark,
    read: &super::Read,
    format: crate::config::Format,
    delimiter: u8,
    key: &[String],
) -> Result<Profile, SparkError> {
    use crate::config::{CompareMode, Table};
    let table = Table {
        delimiter,
        ..Table::new("profile", &read.location, format, CompareMode::Exact)
    };
    let from = super::read::source(spark, &table, "swl_p", read)?;
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_p AS SELECT * FROM {from}"
    ))?;
    let columns = super::read::columns(spark, "swl_p")?;
    if let Some(k) = key.iter().find(|k| !columns.iter().any(|(n, _)| n == *k)) {
        return Err(SparkError::Unsupported {
            what: format!("tables with the key column `{k}`"),
            actual: format!(
                "({}) has columns {}",
                read.location,
                sql_list(&columns, ", ", |(n, _)| format!("`{n}`"))
            ),
        });
    }
    profile(spark, "swl_p", &columns, key)
}

/// The profile of `view`, whose columns are `columns` (name, Spark type);
/// with `key`, its duplicated keys.
pub fn profile(
    spark: &Spark,
    view: &str,
    columns: &[(String, String)],
    key: &[String],
) -> Result<Profile, SparkError> {
    // The probabilities asked of every numeric column: p01, p50, p99, then
    // the sketch's equal rank steps.
    let mut probabilities = vec![0.01, 0.5, 0.99];
    probabilities.extend((0..=SKETCH_STEPS).map(|i| i as f64 / SKETCH_STEPS as f64));
    let array = format!(
        "array({})",
        sql_list(&probabilities, ", ", |p| format!("{p:?}D"))
    );
    let mut aggregates = vec!["count(*) AS rows".to_string()];
    for (i, (name, spark_type)) in columns.iter().enumerate() {
        let x = ident(name);
        match kind(&polars_type(spark_type)) {
            Kind::Numeric => {
                // NaN counts as null, as locally and in the distribution
                // tests.
                let v = format!("nanvl({}, CAST(NULL AS DOUBLE))", as_double(&x, spark_type));
                aggregates.extend([
                    format!("count_if({v} IS NULL) AS n{i}"),
                    format!("approx_count_distinct({v}, {DISTINCT_RSD:?}) AS d{i}"),
                    format!("min({v}) AS lo{i}"),
                    format!("max({v}) AS hi{i}"),
                    format!("avg({v}) AS m{i}"),
                    format!("stddev_samp({v}) AS s{i}"),
                    format!("percentile_approx({v}, {array}, {ACCURACY}) AS q{i}"),
                ]);
            }
            Kind::Text => aggregates.extend([
                format!("count_if({x} IS NULL) AS n{i}"),
                format!("approx_count_distinct(CAST({x} AS STRING), {DISTINCT_RSD:?}) AS d{i}"),
                format!("count_if(CAST({x} AS STRING) = '') AS e{i}"),
            ]),
            Kind::Other => aggregates.extend([
                format!("count_if({x} IS NULL) AS n{i}"),
                format!("approx_count_distinct(CAST({x} AS STRING), {DISTINCT_RSD:?}) AS d{i}"),
            ]),
        }
    }
    let row = one_row(spark.sql(&format!("SELECT {} FROM {view}", aggregates.join(", ")))?)?;
    let count = |name: &str| -> Result<u64, SparkError> { super::int(&row, name, 0) };
    let float = |name: &str| -> Result<Option<f64>, SparkError> { super::float(&row, name) };
    let mut out = Vec::with_capacity(columns.len());
    for (i, (name, spark_type)) in columns.iter().enumerate() {
        let dtype = polars_type(spark_type);
        let mut c = ColumnProfile {
            name: name.clone(),
            dtype: dtype.to_string(),
            null_count: count(&format!("n{i}"))?,
            distinct: count(&format!("d{i}"))?,
            distinct_error: DISTINCT_RSD,
            numbers: None,
            text: None,
        };
        match kind(&dtype) {
            Kind::Numeric => {
                if let (Some(min), Some(max), Some(mean)) = (
                    float(&format!("lo{i}"))?,
                    float(&format!("hi{i}"))?,
                    float(&format!("m{i}"))?,
                ) {
                    let q = quantiles(&row, &format!("q{i}"))?;
                    if q.len() != probabilities.len() {
                        return Err(SparkError::Incomplete { rows: q.len() });
                    }
                    c.numbers = Some(NumberProfile {
                        min,
                        max,
                        mean,
                        // One value: no spread (stddev_samp is null there).
                        std: float(&format!("s{i}"))?
                            .filter(|s| s.is_finite())
                            .unwrap_or(0.0),
                        p01: q[0],
                        p50: q[1],
                        p99: q[2],
                        sketch: Sketch {
                            points: q[3..].to_vec(),
                        },
                        rank_error: 1.0 / f64::from(ACCURACY),
                    });
                }
            }
            Kind::Text => {
                let top = if c.distinct <= TOP_OF_DISTINCT {
                    top_values(spark, view, name)?
                } else {
                    Vec::new()
                };
                c.text = Some(TextProfile {
                    empty: count(&format!("e{i}"))?,
                    top,
                });
            }
            Kind::Other => {}
        }
        out.push(c);
    }
    let duplicate_keys = if key.is_empty() {
        None
    } else {
        let d = one_row(spark.sql(&format!(
            "SELECT count(*) AS n FROM (SELECT 1 FROM {view} GROUP BY {} HAVING count(*) > 1)",
            sql_list(key, ", ", |k| ident(k))
        ))?)?;
        Some(super::int(&d, "n", 0)?)
    };
    Ok(Profile {
        row_count: count("rows")?,
        duplicate_keys,
        columns: out,
    })
}

/// The array of quantiles in column `name` of the aggregate's row.
fn quantiles(row: &DataFrame, name: &str) -> Result<Vec<f64>, SparkError> {
    let list = row.column(name)?.list()?.get_as_series(0);
    Ok(match list {
        Some(s) => {
            let s = s.cast(&DataType::Float64)?;
            s.f64()?.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
        }
        None => Vec::new(),
    })
}

/// The most frequent values of a category column, as the local profile
/// orders them (count, then value).
fn top_values(spark: &Spark, view: &str, name: &str) -> Result<Vec<(String, u64)>, SparkError> {
    let x = ident(name);
    let df = spark.sql(&format!(
        "SELECT CAST({x} AS STRING) AS v, count(*) AS n FROM {view} WHERE {x} IS NOT NULL \
         GROUP BY 1 ORDER BY n DESC, v LIMIT {TOP_VALUES}"
    ))?;
    let values = df.column("v")?.str()?.clone();
    let counts = df.column("n")?.cast(&DataType::UInt64)?;
    let counts = counts.u64()?;
    Ok(values
        .iter()
        .zip(counts.iter())
        .filter_map(|(v, n)| Some((v?.to_string(), n?)))
        .collect())
}
