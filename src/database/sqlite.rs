//! A SQLite table (or query) read into a frame, every row typed.
//!
//! SQLite types values, not columns: a column declared `INTEGER` may hold
//! text. A column's type is therefore what its values are, over every row
//! (as CSV's), with the declared type deciding only what the values cannot
//! say: `BOOLEAN` columns of 0 and 1 are booleans, `DATE` and `TIMESTAMP`
//! (`DATETIME`) columns of ISO text are dates and times. Integers and reals
//! together are reals; text mixed with numbers is an error that names the
//! row, not a guess.

use std::path::Path;

use polars::prelude::*;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use super::DatabaseError;
use crate::config::Relation;

/// One column's values so far, in the narrowest type that holds them.
enum Values {
    /// Only nulls so far.
    Nulls(usize),
    Int(Vec<Option<i64>>),
    Real(Vec<Option<f64>>),
    Text(Vec<Option<String>>),
    Blob(Vec<Option<Vec<u8>>>),
}

/// What a value is, for errors.
fn kind(v: &ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "null",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}

impl Values {
    fn kind(&self) -> &'static str {
        match self {
            Values::Nulls(_) => "null",
            Values::Int(_) => "integers",
            Values::Real(_) => "reals",
            Values::Text(_) => "text",
            Values::Blob(_) => "blobs",
        }
    }

    /// Appends `v`, widening integers to reals; `Err` names what the column
    /// held before when `v` cannot join it.
    fn push(&mut self, v: ValueRef<'_>) -> Result<(), &'static str> {
        let text = |t: &[u8]| String::from_utf8_lossy(t).into_owned();
        match (&mut *self, v) {
            (Values::Nulls(n), ValueRef::Null) => *n += 1,
            (Values::Nulls(n), first) => {
                let nulls = *n;
                *self = match first {
                    ValueRef::Integer(i) => Values::Int(nulls_then(nulls, i)),
                    ValueRef::Real(r) => Values::Real(nulls_then(nulls, r)),
                    ValueRef::Text(t) => Values::Text(nulls_then(nulls, text(t))),
                    ValueRef::Blob(b) => Values::Blob(nulls_then(nulls, b.to_vec())),
                    ValueRef::Null => unreachable!("matched above"),
                };
            }
            (Values::Int(v), ValueRef::Null) => v.push(None),
            (Values::Int(v), ValueRef::Integer(i)) => v.push(Some(i)),
            (Values::Int(v), ValueRef::Real(r)) => {
                let mut reals: Vec<Option<f64>> = v.iter().map(|i| i.map(|i| i as f64)).collect();
                reals.push(Some(r));
                *self = Values::Real(reals);
            }
            (Values::Real(v), ValueRef::Null) => v.push(None),
            (Values::Real(v), ValueRef::Real(r)) => v.push(Some(r)),
            (Values::Real(v), ValueRef::Integer(i)) => v.push(Some(i as f64)),
            (Values::Text(v), ValueRef::Null) => v.push(None),
            (Values::Text(v), ValueRef::Text(t)) => v.push(Some(text(t))),
            (Values::Blob(v), ValueRef::Null) => v.push(None),
            (Values::Blob(v), ValueRef::Blob(b)) => v.push(Some(b.to_vec())),
            (held, _) => return Err(held.kind()),
        }
        Ok(())
    }

    fn into_series(self, name: &str, rows: usize) -> Series {
        let name = PlSmallStr::from(name);
        match self {
            Values::Nulls(_) => Series::full_null(name, rows, &DataType::Null),
            Values::Int(v) => Series::new(name, v),
            Values::Real(v) => Series::new(name, v),
            Values::Text(v) => Series::new(name, v),
            Values::Blob(v) => Series::new(name, v),
        }
    }
}

fn nulls_then<T>(nulls: usize, first: T) -> Vec<Option<T>> {
    let mut v: Vec<Option<T>> = std::iter::repeat_with(|| None).take(nulls).collect();
    v.push(Some(first));
    v
}

/// The type a declared type asks for beyond what the values say.
fn declared_type(decl: &str) -> Option<DataType> {
    let d = decl.to_ascii_uppercase();
    if d.starts_with("BOOL") {
        Some(DataType::Boolean)
    } else if d == "DATE" {
        Some(DataType::Date)
    } else if d.starts_with("DATETIME") || d.starts_with("TIMESTAMP") {
        Some(DataType::Datetime(TimeUnit::Microseconds, None))
    } else {
        None
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// The tables and views of the SQLite database at `path` (not SQLite's own).
pub(super) fn tables(path: &Path) -> Result<Vec<String>, DatabaseError> {
    let fail = |e: rusqlite::Error| DatabaseError::Read {
        path: path.to_path_buf(),
        format: "SQLite",
        relation: "its list of tables".into(),
        message: e.to_string(),
    };
    let conn = open(path).map_err(fail)?;
    let mut stmt = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'",
        )
        .map_err(fail)?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .map_err(fail)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    Ok(names)
}

/// Whether the SQLite database at `path` holds table (or view) `table`
/// (in schema `main`, its only one unless the pipeline attached others).
pub(super) fn has_table(
    path: &Path,
    schema: Option<&str>,
    table: &str,
) -> Result<bool, DatabaseError> {
    let fail = |e: rusqlite::Error| DatabaseError::Read {
        path: path.to_path_buf(),
        format: "SQLite",
        relation: format!("table `{table}`"),
        message: e.to_string(),
    };
    if schema.is_some_and(|s| s != "main") {
        return Ok(true);
    }
    let conn = open(path).map_err(fail)?;
    conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1",
        [table],
        |r| r.get(0),
    )
    .map_err(fail)
}

/// Reads `relation` from the SQLite database at `path`, read-only.
pub(super) fn read(path: &Path, relation: &Relation) -> Result<DataFrame, DatabaseError> {
    let fail = |message: String| DatabaseError::Read {
        path: path.to_path_buf(),
        format: "SQLite",
        relation: relation.describe(),
        message,
    };
    let conn = open(path).map_err(|e| fail(e.to_string()))?;
    let mut stmt = conn
        .prepare(&relation.sql())
        .map_err(|e| fail(e.to_string()))?;
    let names: Vec<String> = stmt.column_names().iter().map(|s| s.to_string()).collect();
    let declared: Vec<Option<DataType>> = stmt
        .columns()
        .iter()
        .map(|c| c.decl_type().and_then(declared_type))
        .collect();
    let mut values: Vec<Values> = names.iter().map(|_| Values::Nulls(0)).collect();
    let mut rows = stmt.query([]).map_err(|e| fail(e.to_string()))?;
    let mut count = 0usize;
    while let Some(row) = rows.next().map_err(|e| fail(e.to_string()))? {
        count += 1;
        if count.is_multiple_of(65_536) {
            crate::interrupt::check()?;
        }
        for (i, column) in values.iter_mut().enumerate() {
            let v = row.get_ref(i).map_err(|e| fail(e.to_string()))?;
            let what = kind(&v);
            column.push(v).map_err(|held| DatabaseError::MixedTypes {
                path: path.to_path_buf(),
                relation: relation.describe(),
                column: names[i].clone(),
                row: count,
                found: what,
                held,
            })?;
        }
    }
    let mut columns = Vec::with_capacity(names.len());
    for ((name, v), want) in names.iter().zip(values).zip(declared) {
        let s = v.into_series(name, count);
        let s = match want {
            Some(t) if s.dtype() != &t && s.dtype() != &DataType::Null => {
                convert(&s, &t).map_err(|e| DatabaseError::Declared {
                    path: path.to_path_buf(),
                    relation: relation.describe(),
                    column: name.clone(),
                    declared: t.to_string(),
                    message: e.to_string(),
                })?
            }
            _ => s,
        };
        columns.push(s.into_column());
    }
    DataFrame::new_infer_height(columns).map_err(|e| fail(e.to_string()))
}

/// A column as the type its declaration asks for: 0/1 as booleans, ISO
/// text as dates and times (strictly: a value that does not parse fails).
fn convert(s: &Series, to: &DataType) -> PolarsResult<Series> {
    match (s.dtype(), to) {
        (DataType::Int64, DataType::Boolean) => {
            let ints = s.i64()?;
            if ints.min().is_some_and(|v| v < 0) || ints.max().is_some_and(|v| v > 1) {
                polars_bail!(ComputeError: "it holds integers other than 0 and 1");
            }
            s.strict_cast(to)
        }
        // ISO text, read as a CSV column of it is (a space or `T` before the
        // time, as Python's `sqlite3` writes it, and dates at midnight).
        (DataType::String, DataType::Date | DataType::Datetime(..)) => {
            crate::iso_dates::column(s.str()?, to)
        }
        // Numbers in a column declared as a date or boolean-like text: the
        // values say what they are.
        _ => Ok(s.clone()),
    }
}
