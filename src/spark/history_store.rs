//! `store = "spark:db.table"`: history kept in a table on the cluster, for
//! teams whose data lives in a lake. Each recorded point is appended to the
//! table in one `INSERT` (the store's long format: run, times, commit,
//! label, table, column, metric, value, sketch points, column type); notes go to
//! `db.table_notes`, one JSON document a row. Read back through Spark
//! Connect into the same rows a directory store holds, so series, audits,
//! anomalies and change points are judged by the same code. The tables are
//! created on the first write; a store nobody has written yet reads as
//! empty.

use std::cell::Cell;

use super::{Spark, ident, lit, sql_list};
use crate::history::Row;
use crate::history::store::{Note, RemoteStore, StoreError};

#[derive(Debug)]
pub struct SparkStore {
    spark: Spark,
    /// `db.table` as the user wrote it.
    table: String,
    /// Whether both tables are known to exist.
    created: Cell<bool>,
}

/// Opens the store `spark:TABLE` on `remote` (registered with
/// `history::store::register_spark`).
pub fn open(table: &str, remote: &str) -> Result<Box<dyn RemoteStore>, StoreError> {
    let spec = format!("spark:{table}");
    let spark = Spark::connect(remote).map_err(|e| StoreError::Remote {
        spec: spec.clone(),
        message: crate::error::chain(&e),
    })?;
    Ok(Box::new(SparkStore {
        spark,
        table: table.to_string(),
        created: Cell::new(false),
    }))
}

/// A string as a Spark SQL literal (backslash escapes, Spark's default).
fn text(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn maybe_text(s: Option<&str>) -> String {
    s.map_or_else(|| "CAST(NULL AS STRING)".into(), text)
}

impl SparkStore {
    fn error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Remote {
            spec: self.spec(),
            message: e.to_string(),
        }
    }

    /// Spark's complaint, without the query (an `INSERT` of a point is
    /// long).
    fn rejected(&self, e: super::SparkError) -> StoreError {
        match e {
            super::SparkError::Query { message, .. } => self.error(message),
            e => self.error(crate::error::chain(&e)),
        }
    }

    /// `db`.`table` (and the notes table's name, with `suffix`).
    fn name(&self, suffix: &str) -> String {
        let mut parts: Vec<String> = self.table.split('.').map(str::to_string).collect();
        if let Some(last) = parts.last_mut() {
            last.push_str(suffix);
        }
        sql_list(&parts, ".", |p| ident(p))
    }

    fn create(&self) -> Result<(), StoreError> {
        if self.created.get() {
            return Ok(());
        }
        let sql = |q: String| self.spark.sql(&q).map_err(|e| self.rejected(e));
        sql(format!(
            "CREATE TABLE IF NOT EXISTS {} (run STRING, recorded_at BIGINT, as_of BIGINT, \
             `commit` STRING, label STRING, `table` STRING, `column` STRING, metric STRING, \
             value DOUBLE, points ARRAY<DOUBLE>, dtype STRING) USING parquet",
            self.name("")
        ))?;
        // A table written before column types were kept gains the column
        // (its earlier rows read it as null).
        let described = sql(format!("DESCRIBE TABLE {}", self.name("")))?;
        let has_dtype = described
            .column("col_name")
            .ok()
            .and_then(|c| c.str().ok().map(|s| s.iter().any(|n| n == Some("dtype"))))
            .unwrap_or(false);
        if !has_dtype {
            sql(format!(
                "ALTER TABLE {} ADD COLUMNS (dtype STRING)",
                self.name("")
            ))?;
        }
        sql(format!(
            "CREATE TABLE IF NOT EXISTS {} (written_at BIGINT, note STRING) USING parquet",
            self.name("_notes")
        ))?;
        self.created.set(true);
        Ok(())
    }

    /// `query`'s answer, or `None` when the table it reads does not exist
    /// yet or is empty (nothing recorded).
    fn read(&self, query: &str) -> Result<Option<polars::prelude::DataFrame>, StoreError> {
        match self.spark.sql(query) {
            Ok(df) if df.height() == 0 => Ok(None),
            Ok(df) => Ok(Some(df)),
            Err(super::SparkError::Query { message, .. })
                if message.contains("TABLE_OR_VIEW_NOT_FOUND") =>
            {
                Ok(None)
            }
            Err(e) => Err(self.rejected(e)),
        }
    }
}

impl RemoteStore for SparkStore {
    fn spec(&self) -> String {
        format!("spark:{}", self.table)
    }

    fn append(&self, rows: &[Row]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        self.create()?;
        let values = sql_list(rows, ",\n", |r| {
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
                text(&r.run),
                r.recorded_at,
                r.as_of,
                maybe_text(r.commit.as_deref()),
                maybe_text(r.label.as_deref()),
                text(&r.table),
                maybe_text(r.column.as_deref()),
                text(&r.metric),
                lit(r.value),
                match &r.points {
                    Some(p) => format!("array({})", sql_list(p, ", ", |x| lit(*x))),
                    None => "CAST(NULL AS ARRAY<DOUBLE>)".into(),
                },
                maybe_text(r.dtype.as_deref()),
            )
        });
        self.spark
            .sql(&format!("INSERT INTO {} VALUES {values}", self.name("")))
            .map_err(|e| self.rejected(e))?;
        Ok(())
    }

    fn load(&self) -> Result<Vec<Row>, StoreError> {
        let query = format!(
            // Every column by name: a table no one has written since column
            // types were kept has no `dtype`.
            "SELECT * FROM {}",
            self.name("")
        );
        let Some(df) = self.read(&query)? else {
            return Ok(Vec::new());
        };
        crate::history::store::unframe(&df).map_err(|e| self.error(e))
    }

    fn add_note(&self, note: &Note) -> Result<(), StoreError> {
        self.create()?;
        let json = serde_json::to_string(note).map_err(|e| self.error(e))?;
        self.spark
            .sql(&format!(
                "INSERT INTO {} VALUES ({}, {})",
                self.name("_notes"),
                chrono::Utc::now().timestamp_micros(),
                text(&json)
            ))
            .map_err(|e| self.rejected(e))?;
        Ok(())
    }

    fn notes(&self) -> Result<Vec<Note>, StoreError> {
        let query = format!(
            "SELECT note FROM {} ORDER BY written_at, note",
            self.name("_notes")
        );
        let Some(df) = self.read(&query)? else {
            return Ok(Vec::new());
        };
        let notes = df.column("note").map_err(|e| self.error(e))?;
        let notes = notes.str().map_err(|e| self.error(e))?;
        notes
            .iter()
            .flatten()
            .map(|n| {
                serde_json::from_str(n).map_err(|e| StoreError::Remote {
                    spec: self.spec(),
                    message: format!("a note is damaged ({e}): {n}"),
                })
            })
            .collect()
    }
}
