//! Exact comparison of one table's two sides.
//!
//! Keyed tables: the rows of both sides are aligned once by key (a full join
//! of the key columns and row numbers only, or the identity when both sides
//! already hold the same keys in the same order); then every compared column
//! is gathered through that alignment and compared null-aware (null = null,
//! NaN = NaN), columns in parallel. Duplicate keys never multiply rows: the
//! n-th occurrence of a key in base is paired with the n-th in head.
//!
//! Keyless tables are compared as multisets of rows. This module fills a
//! [`TableReport`]; it knows nothing of lanes or files.
//!
//! Where each part lives: [`source`] (a side's columns, loaded or on disk),
//! [`schema`] (removed, added and retyped columns; which columns are
//! compared), [`rule`] (when two values are equal, for every engine),
//! [`widen`] (type changes that lose nothing), [`keyed`] and
//! [`align`] (pairing rows by key), [`gather`] (numbers and times gathered
//! into pair order), [`column`] (one column's comparison:
//! null-aware equality, tolerances, string options, times), [`moved`]
//! (swapped, permuted and renamed columns), [`multiset`] (keyless tables),
//! [`values`] (cells as JSON for samples).

mod align;
mod column;
mod gather;
mod keyed;
mod moved;
mod multiset;
mod numbers;
mod reorder;
mod rule;
mod schema;
mod source;
pub mod text;
mod values;
pub mod widen;

pub use align::{pair_integer_keys, sort_words};
pub use keyed::{KeyPairs, key_as_text, pair_keys};
pub use moved::{apply_renames, closed_cycles};
pub use rule::ValueRule;
pub use schema::{
    ColumnFacts, Columns, Compared, check_keys, compared_columns, named_schema_diff, schema_diff,
};
pub use source::Source;
pub use values::{difference_path, row_values, to_json};

use polars::prelude::*;

use crate::config::Table;
use crate::model::TableReport;
use keyed::compare_keyed;
use multiset::compare_multiset;

/// Changed values, missing rows and duplicate keys shown per column or table.
pub const SAMPLES: usize = 5;

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error(
        "key column `{column}` is not in the base output (columns: {}){}",
        columns.join(", "),
        location.as_ref().map(|l| format!("\n  --> {l}")).unwrap_or_default()
    )]
    KeyNotInBase {
        table: String,
        column: String,
        /// Base's columns.
        columns: Vec<String>,
        location: Option<String>,
        declared: crate::config::Declared,
    },
    #[error("no column can be compared (none has the same name and type on both sides)")]
    NothingToCompare { table: String },
    #[error("comparison of table `{table}` failed")]
    Polars {
        table: String,
        #[source]
        source: PolarsError,
    },
}

impl crate::error::Help for DiffError {
    fn help(&self) -> Option<String> {
        match self {
            DiffError::KeyNotInBase {
                declared,
                column,
                columns,
                ..
            } => Some(
                match crate::suggest::meant(column, columns.iter().map(String::as_str)) {
                    Some(m) => format!("did you mean `{m}`? {}", declared.key_help()),
                    None => declared.key_help().into(),
                },
            ),
            DiffError::NothingToCompare { .. } | DiffError::Polars { .. } => None,
        }
    }
}

/// Compares `base` and `head` for `table` exactly.
pub fn compare_exact(
    table: &Table,
    base: &DataFrame,
    head: &DataFrame,
) -> Result<TableReport, DiffError> {
    let in_flight = rayon::current_num_threads();
    compare_sources(table, Source::Frame(base), Source::Frame(head), in_flight)
}

/// Compares two sides of `table` exactly, wherever their columns live,
/// comparing at most `in_flight` columns at a time.
pub fn compare_sources(
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    in_flight: usize,
) -> Result<TableReport, DiffError> {
    let polars_err = |source| DiffError::Polars {
        table: table.name.clone(),
        source,
    };
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    report.ignored = table.ignore.clone();
    let (base_schema, head_schema) = (base.schema(), head.schema());
    report.schema = schema_diff(&base_schema, &head_schema, table);

    let names = |s: &Schema| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>();
    if let Some(why) = check_keys(table, &names(&base_schema), &names(&head_schema))? {
        report.head_missing = Some(why);
        return Ok(report);
    }
    let (base_facts, head_facts) = (
        source::Facts(base, table.format),
        source::Facts(head, table.head_format()),
    );
    let compared = compared_columns(
        table,
        (&schema::named(&base_schema), &schema::named(&head_schema)),
        (&base_facts, &head_facts),
        &mut report.schema,
    );
    report.compared_columns = compared.len();
    if table.key.is_empty() {
        if compared.is_empty() {
            return Err(DiffError::NothingToCompare {
                table: table.name.clone(),
            });
        }
        let names: Vec<String> = compared.iter().map(|c| c.name.clone()).collect();
        let read = |side: Source<'_>| -> PolarsResult<DataFrame> {
            let mut df = side.frame(&names)?;
            let strings = table.strings;
            for c in &compared {
                if let Some(t) = &c.as_type {
                    let cast = df.column(&c.name)?.cast(t)?;
                    df.replace(&c.name, cast)?;
                }
                // Rows match on their text as the string options leave it
                // (and are shown so).
                let s = df.column(&c.name)?.as_materialized_series();
                if let ValueRule::Strings { .. } = ValueRule::of(s.dtype(), None, strings) {
                    let text = column::normalized(s, strings)?;
                    df.replace(&c.name, text.into_column())?;
                }
            }
            Ok(df)
        };
        let (base, head) = (
            read(base).map_err(polars_err)?,
            read(head).map_err(polars_err)?,
        );
        compare_multiset(&mut report, &base, &head, &names).map_err(polars_err)?;
    } else {
        compare_keyed(&mut report, table, base, head, &compared, in_flight).map_err(polars_err)?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
