//! How the cluster reads each side: the views `swl_b` and `swl_h` over
//! Parquet, CSV and NDJSON files (the latter two with the local reader's
//! schema) or catalog tables, each row numbered in file order.

use crate::config::{Format, Table};
use crate::diff::ColumnFacts;
use crate::model::TableReport;
use crate::model::sample::{Basis, TableSample};
use polars::prelude::*;

use super::{ROW, Spark, SparkError, ident, named_schema_diff, sql_type};

/// How the cluster reads one side of a table.
#[derive(Debug, Clone)]
pub struct Read {
    /// A path (or glob, or URI) the cluster reads, or `table:db.name`.
    pub location: String,
    /// For CSV and NDJSON read from this machine: the schema the local
    /// reader infers, which the cluster is told.
    pub local: Option<LocalSchema>,
    /// For files in partition directories (`date=2026-01-01/`) named by a
    /// glob: the directory the partitions lie in, below which Spark reads
    /// each level's values as a column.
    pub base_path: Option<String>,
}

impl Read {
    /// A location read as the table's format says, its schema Spark's own.
    pub fn at(location: &str) -> Read {
        Read {
            location: location.to_string(),
            local: None,
            base_path: None,
        }
    }
}

impl From<&str> for Read {
    fn from(location: &str) -> Read {
        Read::at(location)
    }
}

/// A side's schema as the local reader infers it.
#[derive(Debug, Clone)]
pub struct LocalSchema {
    pub schema: Schema,
    /// Columns that hold no value: no type of their own.
    pub untyped: Vec<String>,
}

impl ColumnFacts for Read {
    fn untyped(&self, name: &str) -> bool {
        self.local
            .as_ref()
            .is_some_and(|l| l.untyped.iter().any(|u| u == name))
    }
    fn all_null(&self, name: &str) -> bool {
        self.untyped(name)
    }
}

/// Opens both sides as the views `swl_b` and `swl_h` (each row numbered in
/// file order), and starts the table's report: its columns and Spark's
/// names of their types, per side.
#[allow(clippy::type_complexity)]
pub(super) fn open(
    spark: &Spark,
    table: &Table,
    base: &Read,
    head: &Read,
) -> Result<(TableReport, Vec<(String, String)>, Vec<(String, String)>), SparkError> {
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    report.engine = "spark";
    report.ignored = table.ignore.clone();
    let mut froms = Vec::new();
    for (view, read) in [("swl_b", base), ("swl_h", head)] {
        let from = source(spark, table, view, read)?;
        number_rows(spark, view, &from, None)?;
        froms.push((view, from));
    }
    let (bs, hs) = (columns(spark, "swl_b")?, columns(spark, "swl_h")?);
    if let Some(spec) = &table.sample {
        let has = |cols: &[(String, String)], k: &str| cols.iter().any(|(n, _)| n == k);
        let mut record = TableSample::new(&spec.key, spec.rate(), Basis::Outputs);
        record.whole = crate::sample::compared_whole(spec, |k| has(&bs, k), |k| has(&hs, k));
        if record.whole.is_none() {
            // The same predicate `swimlane sample sql` prints, on the
            // cluster: rows read and kept, then each side's view holds the
            // kept rows only (still numbered in file order).
            let predicate = crate::sample::spark_predicate(spec);
            let (mut rows, mut kept) = ([0; 2], [0; 2]);
            for (i, (view, from)) in froms.iter().enumerate() {
                let counts = spark.sql(&format!(
                    "SELECT count(*) AS n, count_if({predicate}) AS k FROM {view}"
                ))?;
                let get = |c: &str| -> Result<u64, SparkError> {
                    let col = counts.column(c)?.cast(&DataType::Int64)?;
                    Ok(col.i64()?.get(0).unwrap_or(0) as u64)
                };
                (rows[i], kept[i]) = (get("n")?, get("k")?);
                number_rows(spark, view, from, Some(&predicate))?;
            }
            (record.rows, record.kept) = (Some(rows), Some(kept));
        }
        report.sample = Some(record);
    }
    report.schema = named_schema_diff(&bs, &hs, table);
    Ok((report, bs, hs))
}

/// Creates `view`: the rows of `from` (those `filter` keeps), each
/// numbered by its place: its file and its index there, so samples are the
/// first rows in file order, as the local engine takes them (Spark's own
/// order of part files is by size). Where the source has no file metadata
/// (a view), the order Spark reads it in.
fn number_rows(
    spark: &Spark,
    view: &str,
    from: &str,
    filter: Option<&str>,
) -> Result<(), SparkError> {
    let filter = filter.map_or(String::new(), |f| format!(" WHERE {f}"));
    let view_of = |row: &str| {
        spark.sql(&format!(
            "CREATE OR REPLACE TEMP VIEW {view} AS SELECT *, {row} AS {ROW} FROM {from}{filter}"
        ))
    };
    view_of("named_struct('file', _metadata.file_path, 'row', _metadata.row_index)")
        .or_else(|_| view_of("named_struct('file', '', 'row', monotonically_increasing_id())"))?;
    Ok(())
}

/// What a side's view selects from: `table:catalog.db.name` is a table of
/// the cluster's catalog; anything else a path (or glob, or URI) read in
/// the table's format. CSV and NDJSON are read with the schema the local
/// reader inferred when there is one (Spark's own inference otherwise, for
/// files only the cluster sees), through a view of their own.
pub(super) fn source(
    spark: &Spark,
    table: &Table,
    view: &str,
    read: &Read,
) -> Result<String, SparkError> {
    if let Some(name) = read.location.strip_prefix("table:") {
        return Ok(name.split('.').map(ident).collect::<Vec<_>>().join("."));
    }
    let quote = |text: &str| text.replace('\\', "\\\\").replace('\'', "\\'");
    let quoted = quote(&read.location);
    // Files in partition directories (`date=2026-01-01/`) named by a glob:
    // Spark reads each level's values as a column, as the local engine
    // does, only below a base path it is given.
    let base_path = read
        .base_path
        .as_ref()
        .map(|dir| format!("basePath '{}', ", quote(dir)))
        .unwrap_or_default();
    let (using, mut options) = match table.format {
        Format::Parquet if base_path.is_empty() => {
            return Ok(format!("parquet.{}", ident(&read.location)));
        }
        Format::Parquet => ("parquet", String::new()),
        Format::Ipc => {
            return Err(SparkError::Unsupported {
                what: "Parquet, CSV and NDJSON files".into(),
                actual: "is Arrow IPC".into(),
            });
        }
        // `engine::check_readable` refuses these before any lane runs.
        Format::Sqlite | Format::Duckdb | Format::Postgres => {
            return Err(SparkError::Unsupported {
                what: "Parquet, CSV and NDJSON files".into(),
                actual: format!("is a {} database", table.format.as_str()),
            });
        }
        Format::Csv => {
            let sep = match table.delimiter {
                b'\t' => "\\t".to_string(),
                b'\'' => "\\'".to_string(),
                d => (d as char).to_string(),
            };
            (
                "csv",
                format!("header 'true', sep '{sep}', multiLine 'true', escape '\"'"),
            )
        }
        Format::Ndjson => ("json", String::new()),
    };
    let schema = match &read.local {
        Some(local) => {
            let columns = local
                .schema
                .iter()
                .map(|(n, t)| {
                    // A column with no value reads as text, as locally.
                    let t = sql_type(t).unwrap_or_else(|| "STRING".into());
                    format!("{} {t}", ident(n))
                })
                .collect::<Vec<_>>();
            format!("({})", columns.join(", "))
        }
        None => {
            if table.format == Format::Csv {
                options.push_str(", inferSchema 'true'");
            }
            String::new()
        }
    };
    if !options.is_empty() {
        options.push_str(", ");
    }
    options.push_str(&base_path);
    let src = format!("{view}_src");
    spark.sql(&format!(
        "CREATE OR REPLACE TEMPORARY VIEW {src} {schema} USING {using} OPTIONS ({options}path '{quoted}')"
    ))?;
    Ok(src)
}

/// A view's columns and Spark's names of their types.
pub(super) fn columns(spark: &Spark, view: &str) -> Result<Vec<(String, String)>, SparkError> {
    let d = spark.sql(&format!("DESCRIBE {view}"))?;
    let (names, types) = (d.column("col_name")?.str()?, d.column("data_type")?.str()?);
    Ok(names
        .iter()
        .zip(types.iter())
        .filter_map(|(n, t)| Some((n?.to_string(), t?.to_string())))
        // DESCRIBE appends partitioning details after an empty row.
        .take_while(|(n, _)| !n.is_empty() && !n.starts_with('#'))
        .filter(|(n, _)| n != ROW)
        .collect())
}
