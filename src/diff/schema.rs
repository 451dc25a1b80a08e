//! Removed, added and retyped columns, and which columns are compared
//! value by value.

use polars::prelude::*;

use super::source::Source;
use super::widen;
use crate::config::Table;
use crate::model::{ColumnType, SchemaDiff, Side, TypeChange};

/// A column compared row by row, and how.
pub(super) struct Compared {
    pub(super) name: String,
    /// The type both sides are read in, when they differ without loss (or
    /// one side has no values and so no type of its own).
    pub(super) as_type: Option<DataType>,
    /// The side that holds no value in this column.
    pub(super) all_null: Option<Side>,
}

/// The columns of `table` compared value by value: those of the same type
/// on both sides, those retyped without loss (compared in the common type,
/// the type change marked so in `schema`), and those with no values on one
/// side (read in the other side's type; no longer a type change).
pub(super) fn compared_columns(
    table: &Table,
    base: Source<'_>,
    head: Source<'_>,
    schema: &mut SchemaDiff,
) -> Vec<Compared> {
    let (bs, hs) = (base.schema(), head.schema());
    let mut compared = Vec::new();
    for (name, bt) in bs.iter() {
        let skipped = table
            .key
            .iter()
            .chain(&table.ignore)
            .any(|k| k == name.as_str());
        let Some(ht) = hs.get(name).filter(|_| !skipped) else {
            continue;
        };
        let all_null = if base.all_null(name) && !head.all_null(name) {
            Some(Side::Base)
        } else if head.all_null(name) && !base.all_null(name) {
            Some(Side::Head)
        } else {
            None
        };
        let as_type = if bt == ht {
            None
        } else if base.untyped(name, table.format) {
            schema.changed.retain(|c| c.column != name.as_str());
            Some(ht.clone())
        } else if head.untyped(name, table.format) {
            schema.changed.retain(|c| c.column != name.as_str());
            Some(bt.clone())
        } else if let Some(t) = widen::value_type(bt, ht) {
            if let Some(c) = schema
                .changed
                .iter_mut()
                .find(|c| c.column == name.as_str())
            {
                c.compared_as = Some(t.to_string());
            }
            Some(t)
        } else {
            continue;
        };
        compared.push(Compared {
            name: name.to_string(),
            as_type,
            all_null,
        });
    }
    compared
}

pub fn schema_diff(bs: &Schema, hs: &Schema, ignore: &[String]) -> SchemaDiff {
    let named = |s: &Schema| {
        s.iter()
            .map(|(n, t)| (n.to_string(), t.clone()))
            .collect::<Vec<_>>()
    };
    named_schema_diff(&named(bs), &named(hs), ignore)
}

/// Removed, retyped and added columns between two sides' (name, type)
/// lists, whoever names the types (polars here, Spark for the Spark engine).
pub fn named_schema_diff<T: PartialEq + std::fmt::Display>(
    bs: &[(String, T)],
    hs: &[(String, T)],
    ignore: &[String],
) -> SchemaDiff {
    let ignored = |n: &str| ignore.iter().any(|i| i == n);
    let type_of = |side: &[(String, T)], name: &str| {
        side.iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.to_string())
    };
    let mut diff = SchemaDiff::default();
    for (name, dtype) in bs.iter().filter(|(n, _)| !ignored(n)) {
        match type_of(hs, name) {
            None => diff.removed.push(ColumnType {
                name: name.clone(),
                dtype: dtype.to_string(),
            }),
            Some(h) if h != dtype.to_string() => diff.changed.push(TypeChange {
                column: name.clone(),
                base: dtype.to_string(),
                head: h,
                compared_as: None,
            }),
            Some(_) => {}
        }
    }
    for (name, dtype) in hs.iter().filter(|(n, _)| !ignored(n)) {
        if type_of(bs, name).is_none() {
            diff.added.push(ColumnType {
                name: name.clone(),
                dtype: dtype.to_string(),
            });
        }
    }
    diff
}
