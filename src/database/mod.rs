//! Tables that live in a database file a lane writes (or a migration
//! hands over): SQLite and DuckDB, read through their own libraries,
//! read-only, into the same frames files load into; then compared exactly
//! as files are.
//!
//! A database is told by its first bytes, not its name: `.db` is SQLite's
//! and DuckDB's, so a file declared as one and written as the other is read
//! as what it is.

#[cfg(feature = "duckdb")]
mod duckdb;
pub mod postgres;
mod sqlite;

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;

use crate::config::{Format, Relation};
use crate::error::Help;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error("cannot read {relation} from the {format} database {}: {message}", path.display())]
    Read {
        path: PathBuf,
        format: &'static str,
        relation: String,
        message: String,
    },
    #[error("{} is neither a SQLite nor a DuckDB database", path.display())]
    NotADatabase { path: PathBuf },
    #[error(
        "column `{column}` of {relation} in {} holds {held} and, in row {row}, {found}",
        path.display()
    )]
    MixedTypes {
        path: PathBuf,
        relation: String,
        column: String,
        row: usize,
        found: &'static str,
        held: &'static str,
    },
    #[error(
        "column `{column}` of {relation} in {} is declared {declared}, but {message}",
        path.display()
    )]
    Declared {
        path: PathBuf,
        relation: String,
        column: String,
        declared: String,
        message: String,
    },
    #[error("{} is a DuckDB database, and this swimlane was built without DuckDB", path.display())]
    NoDuckdb { path: PathBuf },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

impl Help for DatabaseError {
    fn help(&self) -> Option<String> {
        match self {
            DatabaseError::Read { .. } => Some(
                "check that the lane wrote the database and the table (`table = \"schema.name\"`), or that `query` runs in that database".into(),
            ),
            DatabaseError::NotADatabase { .. } => Some(
                "point `path` at a SQLite or DuckDB file, or set `format` to the file's format".into(),
            ),
            DatabaseError::MixedTypes { column, .. } => Some(format!(
                "give the column one type: write it so, or cast it in a `query` (e.g. `select cast({column} as real) as {column}, ...`)"
            )),
            DatabaseError::Declared { column, .. } => Some(format!(
                "write `{column}` as its declared type, or declare it as what it holds"
            )),
            DatabaseError::NoDuckdb { .. } => Some(
                "install a release binary (install.sh), or build with `cargo install --features duckdb` (it compiles DuckDB, several minutes)".into(),
            ),
            DatabaseError::Interrupted(_) => None,
        }
    }
}

/// Which database the file at `path` is, by its header; reading it for
/// `what` (the relation, in words) when it cannot be read.
fn sniff(path: &Path, what: &str) -> Result<Format, DatabaseError> {
    let mut head = [0u8; 16];
    let mut read = 0;
    let header = std::fs::File::open(path).and_then(|mut file| {
        while read < head.len() {
            match file.read(&mut head[read..])? {
                0 => break,
                n => read += n,
            }
        }
        Ok(())
    });
    if let Err(e) = header {
        return Err(DatabaseError::Read {
            path: path.into(),
            format: "database",
            relation: what.into(),
            message: e.to_string(),
        });
    }
    if head.starts_with(b"SQLite format 3\0") {
        Ok(Format::Sqlite)
    } else if read >= 12 && &head[8..12] == b"DUCK" {
        Ok(Format::Duckdb)
    } else {
        Err(DatabaseError::NotADatabase { path: path.into() })
    }
}

/// Reads `relation` from the database file at `path`, read-only, into a
/// frame.
pub fn read(path: &Path, relation: &Relation) -> Result<DataFrame, DatabaseError> {
    match sniff(path, &relation.describe())? {
        #[cfg(feature = "duckdb")]
        Format::Duckdb => duckdb::read(path, relation),
        #[cfg(not(feature = "duckdb"))]
        Format::Duckdb => Err(DatabaseError::NoDuckdb { path: path.into() }),
        _ => sqlite::read(path, relation),
    }
}

/// A base table of a DuckDB file whose columns can be read one at a time
/// ([`read_columns`]), each in the same row order: its format, schema and
/// row count. `None` for anything else (a view, a query, SQLite, whose
/// columns are typed by every value, so by a read of the whole table).
pub fn table_on_disk(
    path: &Path,
    relation: &Relation,
) -> Result<Option<(polars::prelude::Schema, u64)>, DatabaseError> {
    match (sniff(path, &relation.describe())?, relation) {
        #[cfg(feature = "duckdb")]
        (Format::Duckdb, Relation::Table(name)) => {
            let (schema, table) = schema_and_table(name);
            let quoted = Relation::quote_name(name);
            let Some(rows) = duckdb::base_table_rows(path, schema, table, &quoted)? else {
                return Ok(None);
            };
            let empty = read(
                path,
                &Relation::Query(format!("SELECT * FROM {quoted} LIMIT 0")),
            )?;
            Ok(Some((empty.schema().as_ref().clone(), rows)))
        }
        _ => Ok(None),
    }
}

/// `schema.table` split, or a bare `table` (in the default schema).
fn schema_and_table(name: &str) -> (Option<&str>, &str) {
    match name.rsplit_once('.') {
        Some((s, t)) => (Some(s), t),
        None => (None, name),
    }
}

/// Columns `names` of table `name` (one [`table_on_disk`] found), in the
/// table's row order.
pub fn read_columns(path: &Path, name: &str, names: &[String]) -> Result<DataFrame, DatabaseError> {
    let columns: Vec<String> = names
        .iter()
        .map(|n| crate::config::quote_ident(n))
        .collect();
    let sql = format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        Relation::quote_name(name)
    );
    read(path, &Relation::Query(sql)).map_err(|e| match e {
        // Errors name the table, not the query made of it.
        DatabaseError::Read {
            path,
            format,
            message,
            ..
        } => DatabaseError::Read {
            path,
            format,
            relation: format!("table `{name}`"),
            message,
        },
        e => e,
    })
}

/// Reads `relation` from a PostgreSQL database (`path` is its URL) or a
/// database file: one side of a migration may be either.
pub fn read_at(path: &Path, relation: &Relation) -> Result<DataFrame, DatabaseError> {
    let location = path.to_string_lossy();
    if crate::config::PostgresUrl::parse(&location).is_some() {
        return postgres::read(&location, relation);
    }
    read(path, relation)
}

/// The tables and views in the database file at `path`, by the name
/// `table =` takes (`schema.name` outside DuckDB's `main` schema), sorted.
pub fn tables(path: &Path) -> Result<Vec<String>, DatabaseError> {
    let kind = sniff(path, "its tables")?;
    let mut names = match kind {
        #[cfg(feature = "duckdb")]
        Format::Duckdb => duckdb::tables(path)?,
        #[cfg(not(feature = "duckdb"))]
        Format::Duckdb => return Err(DatabaseError::NoDuckdb { path: path.into() }),
        _ => sqlite::tables(path)?,
    };
    names.sort();
    Ok(names)
}

/// Whether table `name` (`table` or `schema.table`) is in the database
/// file at `path`.
pub fn has_table(path: &Path, name: &str) -> Result<bool, DatabaseError> {
    let (schema, table) = schema_and_table(name);
    match sniff(path, name) {
        #[cfg(feature = "duckdb")]
        Ok(Format::Duckdb) => duckdb::has_table(path, schema, table),
        Ok(Format::Sqlite) => sqlite::has_table(path, schema, table),
        // Unreadable, or DuckDB without DuckDB: the read says why.
        _ => Ok(true),
    }
}
