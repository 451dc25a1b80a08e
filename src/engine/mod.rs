//! One seam where a table is compared: given where base's and head's data
//! are, an [`Engine`] fills the table's report. `run` and `compare` call
//! [`compare`]; neither calls the other.
//!
//! The rules that decide a verdict are written once, and every engine obeys
//! them:
//! - an output base did not write is an error, one head did not write a
//!   regression: [`compare`] checks both sides' files before any engine
//!   reads them;
//! - a key column missing in base is an error, missing in head a regression
//!   (`diff::check_keys`);
//! - which columns are compared, and in which type
//!   (`diff::compared_columns`);
//! - when two values are equal (`diff::ValueRule`, which the Spark engine
//!   renders to SQL);
//! - which formats an engine reads ([`check_readable`], before any lane
//!   runs).
//!
//! [`local`] compares with polars on this machine (from disk a column at a
//! time when it can); `crate::spark` compares as Spark SQL on a cluster.

mod local;

use std::path::Path;

use crate::config::{Format, Table};
use crate::error::Help;
use crate::load::{self, MemoryBudget};
use crate::model::TableReport;

/// Where tables are compared.
#[derive(Clone, Copy, Default)]
pub enum Engine<'a> {
    /// polars on this machine.
    #[default]
    Local,
    /// Spark SQL on the cluster behind a Spark Connect session.
    #[cfg(feature = "spark")]
    Spark(&'a crate::spark::Spark),
    #[doc(hidden)]
    #[cfg(not(feature = "spark"))]
    _Unused(std::marker::PhantomData<&'a ()>),
}

impl Engine<'_> {
    /// The engine's name in reports.
    pub fn name(&self) -> &'static str {
        match self {
            #[cfg(feature = "spark")]
            Engine::Spark(_) => "spark",
            _ => "local",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("table `{table}` is {}, which the {engine} engine cannot read", format.as_str())]
    Unreadable {
        table: String,
        format: Format,
        engine: &'static str,
    },
    #[error(
        "table `{table}` is {} in base and {} in head: the spark engine reads both sides in one format",
        base.as_str(), head.as_str()
    )]
    Mixed {
        table: String,
        base: Format,
        head: Format,
    },
}

impl Help for EngineError {
    fn help(&self) -> Option<String> {
        match self {
            EngineError::Mixed { .. } => Some(
                "convert one side to the other's format, or compare on the local engine (--engine local)".into(),
            ),
            EngineError::Unreadable { .. } => Some(
                "write the table as Parquet, CSV or NDJSON (or, from a database, export it so), or compare it with the local engine (`engine = \"local\"` for the table, or --engine local)".into(),
            ),
        }
    }
}

/// Whether `engine` reads `table`'s format: asked before any lane runs, so
/// that a table no engine can read is an error at once, not after the
/// pipeline ran twice.
pub fn check_readable(table: &Table, engine: &Engine<'_>) -> Result<(), EngineError> {
    #[cfg(feature = "spark")]
    if let (Engine::Spark(_), Some((head, _))) = (engine, table.head_read) {
        return Err(EngineError::Mixed {
            table: table.name.clone(),
            base: table.format,
            head,
        });
    }
    match (engine, table.format) {
        #[cfg(feature = "spark")]
        (Engine::Spark(_), Format::Ipc | Format::Sqlite | Format::Duckdb | Format::Postgres) => {
            Err(EngineError::Unreadable {
                table: table.name.clone(),
                format: table.format,
                engine: engine.name(),
            })
        }
        _ => Ok(()),
    }
}

/// Whether a table's location names something only the Spark cluster
/// reads: `table:catalog.db.name`, or a URI (`s3://...`, `dbfs:/...`);
/// not a lane's PostgreSQL database (`postgresql://...`), which this
/// machine reads.
pub fn cluster_source(location: &str) -> bool {
    if crate::config::PostgresUrl::parse(location).is_some() {
        return false;
    }
    location.starts_with("table:")
        || location.split_once(':').is_some_and(|(scheme, rest)| {
            scheme.len() > 1
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                && rest.starts_with('/')
        })
}

/// The rows and cells (columns but the key and ignored ones) of a table
/// whose head is missing, none of which validated; `None` where they are
/// not counted here: a table only the cluster sees, a sampled table (its
/// sample is drawn against head), or one that cannot be read.
pub(crate) fn base_only(table: &Table, (dir, pattern): (&Path, &str)) -> Option<(u64, u64)> {
    if cluster_source(pattern) || table.sample.is_some() {
        return None;
    }
    let (rows, names) = load::shape(dir, pattern, table).ok()?;
    let skipped = |n: &String| table.key.contains(n) || table.ignore.contains(n);
    let cells = names.iter().filter(|n| !skipped(n)).count() as u64;
    Some((rows, rows * cells))
}

/// Compares `table`, base's data at `base` and head's at `head` (each a
/// directory and a file or glob under it, or a location only the cluster
/// reads), with `engine`; with `profile`, both sides' profiles too (each
/// engine computes them where the data is). Returns the report
/// (with `error` set when the table could not be compared) and the seconds
/// spent loading.
pub fn compare(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    budget: MemoryBudget,
    engine: Engine<'_>,
    profile: bool,
) -> (TableReport, f64) {
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    report.engine = engine.name();
    // Outputs on this machine are checked here, for every engine; the
    // cluster answers for its own locations.
    for (side, (dir, pattern)) in [("base", base), ("head", head)] {
        if cluster_source(pattern) {
            continue;
        }
        let read_as = match side {
            "head" => table.head_side(),
            _ => std::borrow::Cow::Borrowed(table),
        };
        match (side, load::check_output(dir, pattern, &read_as)) {
            (_, Ok(_)) => {}
            (
                "head",
                Err(e @ (load::LoadError::Missing { .. } | load::LoadError::NoRelation { .. })),
            ) => {
                report.head_missing = Some(format!("missing in head: {e}"));
                report.base_only = base_only(table, base);
                return (report, 0.0);
            }
            (side, Err(e)) => {
                report.error = Some(format!("{side} output: {}", crate::error::chain(&e)));
                return (report, 0.0);
            }
        }
    }
    match engine {
        #[cfg(feature = "spark")]
        Engine::Spark(spark) => (on_spark(spark, table, base, head, profile), 0.0),
        _ => local::compare(table, base, head, budget, profile),
    }
}

/// Compares `table` on the cluster: paths of this machine are given as the
/// cluster names them; CSV and NDJSON are read with the schema the local
/// reader infers, so a column has the same type on both engines.
#[cfg(feature = "spark")]
fn on_spark(
    spark: &crate::spark::Spark,
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    profile: bool,
) -> TableReport {
    use crate::config::CompareMode;
    use crate::spark::Read;
    let read = |(dir, pattern): (&Path, &str)| -> Result<Read, crate::spark::SparkError> {
        if cluster_source(pattern) {
            return Ok(Read::at(pattern));
        }
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let location = spark.cluster_path(&dir.join(pattern));
        let local = match table.format {
            Format::Csv | Format::Ndjson => Some(
                local::schema_of(&dir, pattern, table)
                    .map_err(|e| crate::spark::SparkError::Local(Box::new(e)))?,
            ),
            _ => None,
        };
        let base = crate::load::glob_base(&dir.join(pattern));
        // A partitioned table as `load::tables_in` names it: the cluster
        // reads its directory, whose partitions Spark finds at any depth
        // (Hadoop's globs have no `**`).
        let location = match &base {
            Some(base) if pattern.contains(crate::load::PARTITIONS) => spark.cluster_path(base),
            _ => location,
        };
        Ok(Read {
            location,
            local,
            base_path: base.map(|base| spark.cluster_path(&base)),
        })
    };
    let result = read(base)
        .and_then(|b| Ok((b, read(head)?)))
        .and_then(|(b, h)| match table.compare {
            CompareMode::Exact => crate::spark::compare_exact(spark, table, b, h),
            CompareMode::Distribution => crate::spark::compare_distribution(spark, table, b, h),
        })
        .and_then(|mut r| {
            // Profiled from the views the comparison left, unless it could
            // not read head's table.
            if profile && r.head_missing.is_none() {
                r.profile = Some(crate::spark::profile::profiles(spark, table)?);
            }
            Ok(r)
        });
    result.unwrap_or_else(|e| {
        let mut r = TableReport::new(&table.name, table.compare, &table.key);
        r.engine = "spark";
        r.error = Some(crate::error::chain(&e));
        r
    })
}

#[cfg(test)]
mod tests {
    use super::cluster_source;

    #[test]
    fn catalog_tables_and_uris_are_for_the_cluster_and_paths_are_not() {
        for s in [
            "table:lake.sales.orders",
            "s3://bucket/orders/",
            "s3a://bucket/x.parquet",
            "dbfs:/mnt/x",
            "file:///tmp/x.parquet",
            "abfss://c@acct.dfs.core.windows.net/x",
        ] {
            assert!(cluster_source(s), "{s}");
        }
        for s in [
            "orders.parquet",
            "/data/orders.parquet",
            "./a:b.csv",
            "C:/data/x.parquet",
            "dir/part-*.parquet",
        ] {
            assert!(!cluster_source(s), "{s}");
        }
    }
}
