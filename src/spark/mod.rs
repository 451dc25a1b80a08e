//! The Spark engine: exact and distribution comparisons run as Spark SQL
//! through Spark Connect, for tables that live on a cluster.
//!
//! Both sides are read by the cluster ([`read`]: Parquet, CSV and NDJSON
//! paths, URIs, catalog tables); in [`exact`], one `FULL OUTER JOIN` on the
//! keys (null-safe, n-th occurrence with n-th
//! occurrence, as the local engine pairs duplicates) is aggregated in a
//! single pass into the missing, extra and matched counts and every
//! column's null-safe mismatch count (`<=>`); only those counts and a few
//! sample rows come back. Results arrive as Arrow batches and are turned
//! into polars frames, so samples render exactly as the local engine's.
//! Distribution tables ([`distribution`]) get the local engine's tests,
//! summaries and plots from counts aggregated in SQL; the KS statistic
//! with integer counts over range-partitioned windows ([`ks_counts`]), its
//! p-value computed here by the same code as the local engine's.
//! [`session`] owns the connection; [`types`] maps Spark's types to
//! polars' so that the rules both engines obey decide on the same types.

mod distribution;
mod exact;
pub mod history_store;
mod join;
mod paired;
pub mod profile;
mod read;
mod session;
mod types;

pub use distribution::{compare_distribution, ks_counts};
pub use exact::compare_exact;
pub use read::{LocalSchema, Read};
pub use session::{CONNECT_TIMEOUT, Spark};
pub use types::{polars_type, sql_type};

use read::open;

/// Each row's place in its side (file and index), a column of the views.
const ROW: &str = "__swl_row";

use polars::prelude::*;

use crate::diff::named_schema_diff;
use crate::interrupt::Interrupted;

#[derive(Debug, thiserror::Error)]
pub enum SparkError {
    #[error("cannot reach the Spark Connect server at {remote}: {message}")]
    Unreachable { remote: String, message: String },
    #[error("Spark rejected the query: {message}\n  query: {query}")]
    Query { query: String, message: String },
    #[error("cannot read Spark's answer")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("cannot read Spark's answer")]
    Polars(#[from] PolarsError),
    #[error("the spark engine compares {what}; this table {actual}")]
    Unsupported { what: String, actual: String },
    #[error(
        "Spark's answer to an aggregate held {rows} rows instead of one: the result stream ended early"
    )]
    Incomplete { rows: usize },
    #[error("{0}; the query was stopped on the server")]
    Interrupted(Interrupted),
    #[error("cannot start the Spark client's runtime")]
    Runtime(#[source] std::io::Error),
    /// Reading a local CSV or NDJSON side to tell the cluster its schema.
    #[error(transparent)]
    Local(Box<crate::load::LoadError>),
    #[error(transparent)]
    Diff(Box<crate::diff::DiffError>),
}

impl From<crate::diff::DiffError> for SparkError {
    fn from(e: crate::diff::DiffError) -> SparkError {
        SparkError::Diff(Box::new(e))
    }
}

impl crate::error::Help for SparkError {
    fn help(&self) -> Option<String> {
        Some(match self {
            SparkError::Unreachable { .. } => "check that the server runs and that `[spark] remote` (or --spark-remote) names it, e.g. sc://host:15002",
            SparkError::Unsupported { .. } => "use the local engine for it (`engine = \"local\"`)",
            SparkError::Incomplete { .. } => "run again; if it recurs, check the server's log for the query",
            SparkError::Local(e) => return crate::error::Help::help(e.as_ref()),
            SparkError::Diff(e) => return crate::error::Help::help(e.as_ref()),
            _ => return None,
        }.into())
    }
}

/// `f` of each item, separated by `sep`: column lists and conditions.
fn sql_list<T>(
    items: impl IntoIterator<Item = T>,
    sep: &str,
    f: impl FnMut(T) -> String,
) -> String {
    items.into_iter().map(f).collect::<Vec<_>>().join(sep)
}

/// A Spark SQL identifier.
fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A double as a Spark SQL literal that parses to the same double.
fn lit(x: f64) -> String {
    if x.is_nan() {
        "double('NaN')".into()
    } else if x == f64::INFINITY {
        "double('Infinity')".into()
    } else if x == f64::NEG_INFINITY {
        "double('-Infinity')".into()
    } else {
        // Rust prints the shortest text that reads back as `x`.
        format!("{x:?}D")
    }
}

/// A value of Spark type `dtype` as a double, as the local engine reads it:
/// numbers and decimals as their values, dates as days and timestamps as
/// microseconds since the epoch (naive ones through the session's UTC).
fn as_double(x: &str, dtype: &str) -> String {
    match dtype {
        "date" => format!("CAST(unix_date({x}) AS DOUBLE)"),
        "timestamp" => format!("CAST(unix_micros({x}) AS DOUBLE)"),
        "timestamp_ntz" => format!("CAST(unix_micros(CAST({x} AS TIMESTAMP)) AS DOUBLE)"),
        _ => format!("CAST({x} AS DOUBLE)"),
    }
}

/// `as_double` of a column of type `dtype`, in the feature's `scale` (a
/// date beside timestamps as its midnight's microseconds).
fn in_scale(x: &str, dtype: &str, scale: crate::model::scale::Scale) -> String {
    let factor = crate::model::scale::Scale::of_type(dtype).factor_to(scale);
    let value = as_double(x, dtype);
    if factor == 1.0 {
        value
    } else {
        format!("({value} * {})", lit(factor))
    }
}

/// An aggregate's answer: exactly one row, or an error (a result stream
/// that ended early would otherwise read as zeros).
fn one_row(df: DataFrame) -> Result<DataFrame, SparkError> {
    if df.height() == 1 {
        Ok(df)
    } else {
        Err(SparkError::Incomplete { rows: df.height() })
    }
}

/// A number of an aggregate's one row, as a double (`None` for null).
fn float(df: &DataFrame, name: &str) -> Result<Option<f64>, SparkError> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.get(0))
}

fn int(df: &DataFrame, name: &str, row: usize) -> Result<u64, SparkError> {
    let v = df.column(name)?.cast(&DataType::UInt64)?;
    Ok(v.u64()?.get(row).unwrap_or(0))
}
