//! A DuckDB table (or query) read into a frame: DuckDB hands its result as
//! Arrow record batches, which polars imports through the Arrow C data
//! interface (fixed-width values as they are; strings converted into
//! polars' string layout).

use std::path::Path;

use duckdb::arrow::array::{Array, StructArray};
use duckdb::{AccessMode, Config, Connection};
use polars::prelude::*;

use super::DatabaseError;
use crate::config::Relation;

/// The database at `path`, opened read-only (the file is never written, and
/// another reader may hold it). Results keep the rows' insertion order
/// (DuckDB's default, set all the same): reading a table's columns one
/// query at a time relies on it.
fn open(path: &Path) -> duckdb::Result<Connection> {
    let conn =
        Connection::open_with_flags(path, Config::default().access_mode(AccessMode::ReadOnly)?)?;
    conn.execute_batch("SET preserve_insertion_order = true")?;
    Ok(conn)
}

/// Whether `table` in `schema` (default `main`) of the database at `path` is
/// a base table (not a view), with its row count: then its columns can be
/// read one query at a time, each in the table's insertion order (DuckDB
/// guarantees it for a `SELECT` from a single table; a view's query may
/// join or group, which does not keep an order).
pub(super) fn base_table_rows(
    path: &Path,
    schema: Option<&str>,
    table: &str,
    quoted: &str,
) -> Result<Option<u64>, DatabaseError> {
    let (conn, kind) = table_type(path, schema, table)?;
    if kind.as_deref() != Some("BASE TABLE") {
        return Ok(None);
    }
    let rows: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {quoted}"), [], |r| r.get(0))
        .map_err(|e| table_error(path, table, e))?;
    Ok(Some(rows as u64))
}

fn table_error(path: &Path, table: &str, e: duckdb::Error) -> DatabaseError {
    DatabaseError::Read {
        path: path.to_path_buf(),
        format: "DuckDB",
        relation: format!("table `{table}`"),
        message: e.to_string(),
    }
}

/// The open database at `path`, and what `table` in `schema` (default
/// `main`) is there: `BASE TABLE`, `VIEW`, or nothing.
fn table_type(
    path: &Path,
    schema: Option<&str>,
    table: &str,
) -> Result<(Connection, Option<String>), DatabaseError> {
    let fail = |e| table_error(path, table, e);
    let conn = open(path).map_err(fail)?;
    let kind = conn
        .query_row(
            "SELECT max(table_type) FROM information_schema.tables WHERE table_catalog = current_database() \
             AND table_schema = ?1 AND table_name = ?2",
            [schema.unwrap_or("main"), table],
            |r| r.get::<_, Option<String>>(0),
        )
        .map_err(fail)?;
    Ok((conn, kind))
}

/// The tables and views of the DuckDB database at `path`: `name` in the
/// `main` schema, `schema.name` elsewhere.
pub(super) fn tables(path: &Path) -> Result<Vec<String>, DatabaseError> {
    let fail = |e: duckdb::Error| DatabaseError::Read {
        path: path.to_path_buf(),
        format: "DuckDB",
        relation: "its list of tables".into(),
        message: e.to_string(),
    };
    let conn = open(path).map_err(fail)?;
    let mut stmt = conn
        .prepare(
            "SELECT CASE WHEN table_schema = 'main' THEN table_name ELSE table_schema || '.' || table_name END \
             FROM information_schema.tables WHERE table_catalog = current_database() \
             AND table_schema NOT IN ('information_schema', 'pg_catalog')",
        )
        .map_err(fail)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(fail)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    Ok(names)
}

/// Whether the DuckDB database at `path` holds table (or view) `table` in
/// `schema` (default `main`).
pub(super) fn has_table(
    path: &Path,
    schema: Option<&str>,
    table: &str,
) -> Result<bool, DatabaseError> {
    Ok(table_type(path, schema, table)?.1.is_some())
}

/// Reads `relation` from the DuckDB database at `path`.
pub(super) fn read(path: &Path, relation: &Relation) -> Result<DataFrame, DatabaseError> {
    let fail = |message: String| DatabaseError::Read {
        path: path.to_path_buf(),
        format: "DuckDB",
        relation: relation.describe(),
        message,
    };
    let conn = open(path).map_err(|e| fail(e.to_string()))?;
    let mut stmt = conn
        .prepare(&relation.sql())
        .map_err(|e| fail(e.to_string()))?;
    let batches = stmt.query_arrow([]).map_err(|e| fail(e.to_string()))?;
    let mut frame: Option<DataFrame> = None;
    for batch in batches {
        crate::interrupt::check()?;
        let part = import(StructArray::from(batch)).map_err(|e| fail(e.to_string()))?;
        frame = Some(match frame {
            None => part,
            Some(mut acc) => {
                acc.vstack_mut_owned(part)
                    .map_err(|e| fail(e.to_string()))?;
                acc
            }
        });
    }
    match frame {
        Some(f) => Ok(f),
        // No batch: the columns, with no rows.
        None => {
            let schema = stmt.schema();
            let columns = schema
                .fields()
                .iter()
                .map(|f| {
                    let array = duckdb::arrow::array::new_empty_array(f.data_type());
                    import_array(f.name(), array.to_data())
                        .map(|s| s.into_column())
                        .map_err(|e| fail(e.to_string()))
                })
                .collect::<Result<Vec<_>, _>>()?;
            DataFrame::new_infer_height(columns).map_err(|e| fail(e.to_string()))
        }
    }
}

/// One record batch (as a struct array) as a frame, through the C data
/// interface.
fn import(batch: StructArray) -> PolarsResult<DataFrame> {
    let columns = batch
        .fields()
        .iter()
        .zip(batch.columns())
        .map(|(field, array)| import_array(field.name(), array.to_data()).map(|s| s.into_column()))
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new_infer_height(columns)
}

/// One Arrow array of arrow-rs as a polars series: exported by arrow-rs and
/// imported by polars-arrow, both implementations of the same C ABI.
fn import_array(name: &str, data: duckdb::arrow::array::ArrayData) -> PolarsResult<Series> {
    let (array, schema) = duckdb::arrow::ffi::to_ffi(&data)
        .map_err(|e| polars_err!(ComputeError: "exporting a DuckDB column: {e}"))?;
    // SAFETY: both structs are the Arrow C data interface's `ArrowArray`
    // and `ArrowSchema` (#[repr(C)], the same fields in the same order);
    // ownership moves with the value, so the release callback runs once,
    // when polars drops its import.
    let (array, schema) = unsafe {
        (
            std::mem::transmute::<duckdb::arrow::ffi::FFI_ArrowArray, polars_arrow::ffi::ArrowArray>(
                array,
            ),
            std::mem::transmute::<
                duckdb::arrow::ffi::FFI_ArrowSchema,
                polars_arrow::ffi::ArrowSchema,
            >(schema),
        )
    };
    // SAFETY: `schema` and `array` were just exported together by arrow-rs.
    let field = unsafe { polars_arrow::ffi::import_field_from_c(&schema)? };
    let imported = unsafe { polars_arrow::ffi::import_array_from_c(array, field.dtype().clone())? };
    Series::from_arrow(name.into(), imported)
}
