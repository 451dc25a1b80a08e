//! Removed, added and retyped columns, and which columns are compared
//! value by value.

use polars::prelude::*;

use super::DiffError;
use super::rule::ValueRule;
use super::widen;
use crate::config::Table;
use crate::model::{ColumnType, SchemaDiff, Side, TypeChange};

/// A column compared row by row, and how.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The column's name (head's, when it was renamed).
    pub name: String,
    /// Base's name for the column, when head renamed it.
    pub base_name: Option<String>,
    /// The type both sides are read in, when they differ without loss (or
    /// one side has no values and so no type of its own).
    pub as_type: Option<DataType>,
    /// The side that holds no value in this column.
    pub all_null: Option<Side>,
}

impl Compared {
    /// The column's name in base.
    pub fn base_name(&self) -> &str {
        self.base_name.as_deref().unwrap_or(&self.name)
    }
}

/// What an engine knows of a side's column beyond its type.
pub trait ColumnFacts {
    /// True when the column holds no value and its type says nothing (a
    /// Null column, or an empty column of a format without types).
    fn untyped(&self, name: &str) -> bool;
    /// True when the column holds no value but has rows.
    fn all_null(&self, name: &str) -> bool;
    /// True when the side's format has no widths (CSV, NDJSON: every
    /// integer reads as i64, every float as f64, whatever its writer held).
    fn widthless(&self) -> bool {
        false
    }
}

/// The key columns of `table` on both sides, as every engine decides it: a
/// key base lacks is an error (the config, or the stage that writes the
/// table, is wrong); one head lacks is a regression, whose message is
/// returned.
pub fn check_keys(
    table: &Table,
    base: &[String],
    head: &[String],
) -> Result<Option<String>, DiffError> {
    if let Some(k) = table.key.iter().find(|k| !base.contains(k)) {
        return Err(DiffError::KeyNotInBase {
            table: table.name.clone(),
            location: table.key_location.clone(),
            declared: table.declared,
            column: k.clone(),
            columns: base.to_vec(),
        });
    }
    Ok(table
        .key
        .iter()
        .find(|k| !head.contains(k))
        .map(|k| format!("key column `{k}` is missing in head: rows cannot be matched")))
}

/// The columns of `table` compared value by value, as every engine decides
/// it: those of the same type on both sides, those retyped without loss
/// (compared in the common type, the type change marked so in `schema`),
/// and those with no values on one side (read in the other side's type; no
/// longer a type change). A key with no values on one side is no type
/// change either.
pub fn compared_columns(
    table: &Table,
    (bs, hs): (&Columns, &Columns),
    (base, head): (&dyn ColumnFacts, &dyn ColumnFacts),
    schema: &mut SchemaDiff,
) -> Vec<Compared> {
    let widths = (base.widthless(), head.widthless());
    for k in &table.key {
        let widths_only = column_type(bs, k)
            .zip(column_type(hs, k))
            .is_some_and(|types| widthless_type(types, widths).is_some());
        if base.untyped(k) || head.untyped(k) || widths_only {
            schema.changed.retain(|c| &c.column != k);
        }
    }
    let mut compared = Vec::new();
    for (name, bt) in bs {
        let skipped = table.key.iter().chain(&table.ignore).any(|k| k == name);
        let Some((_, ht)) = hs.iter().find(|(n, _)| n == name).filter(|_| !skipped) else {
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
        } else if base.untyped(name) {
            schema.changed.retain(|c| &c.column != name);
            Some(ht.clone())
        } else if head.untyped(name) {
            schema.changed.retain(|c| &c.column != name);
            Some(bt.clone())
        } else if let Some(t) = widthless_type((bt, ht), widths) {
            // A CSV export of a Parquet table: no type changed.
            schema.changed.retain(|c| &c.column != name);
            Some(t)
        } else if let Some(t) = widen::value_type(bt, ht) {
            if let Some(c) = schema.changed.iter_mut().find(|c| &c.column == name) {
                c.compared_as = Some(t.to_string());
            }
            Some(t)
        } else {
            continue;
        };
        if let Some(&t) = table.tolerance.get(name)
            && let (_, Some(applies)) = ValueRule::applicable(as_type.as_ref().unwrap_or(bt), t)
        {
            let dtype = as_type.as_ref().unwrap_or(bt).to_string();
            schema.unapplied.push((name.clone(), dtype, applies));
        }
        compared.push(Compared {
            name: name.clone(),
            base_name: None,
            as_type,
            all_null,
        });
    }
    compared
}

/// Column `name`'s type among `side`'s columns.
fn column_type<'a>(side: &'a Columns, name: &str) -> Option<&'a DataType> {
    side.iter().find(|(n, _)| n == name).map(|(_, t)| t)
}

/// The type two sides' numbers are compared in when one side's format has
/// widths and the other's has none (a Parquet table and its CSV export):
/// the typed side's, as its writer meant it. An i32 written out reads back
/// as an i64, compared as integers; an f32 written as its shortest text
/// reads back as an f64 that only the f32 equals, so floats are compared
/// as the typed side's floats (and CSV integers in a float column too); a
/// decimal's text read as a float is compared as the decimal (0.29 reads
/// as 0.28999..., which polars' cast rounds back). `None` unless the text
/// side holds integers or floats and the typed side those or decimals, or
/// for text floats beside typed integers: a kind that changed.
fn widthless_type(
    (bt, ht): (&DataType, &DataType),
    (base_widthless, head_widthless): (bool, bool),
) -> Option<DataType> {
    if base_widthless == head_widthless {
        return None;
    }
    let (text, typed) = if base_widthless { (bt, ht) } else { (ht, bt) };
    let plain = |t: &DataType| t.is_integer() || t.is_float();
    if !plain(text) || !(plain(typed) || typed.is_decimal()) {
        return None;
    }
    match (text.is_float(), typed) {
        (_, t) if t.is_float() || t.is_decimal() => Some(typed.clone()),
        (false, _) => widen::common_type(bt, ht),
        (true, _) => None,
    }
}

/// A side's columns: names and the types they are read in.
pub type Columns = [(String, DataType)];

/// A polars schema as (name, type) pairs.
pub fn named(s: &Schema) -> Vec<(String, DataType)> {
    s.iter().map(|(n, t)| (n.to_string(), t.clone())).collect()
}

pub fn schema_diff(bs: &Schema, hs: &Schema, table: &Table) -> SchemaDiff {
    let shown = |s: &Schema| -> Vec<(String, Shown)> {
        s.iter()
            .map(|(n, t)| (n.to_string(), Shown(t.clone())))
            .collect()
    };
    named_schema_diff(&shown(bs), &shown(hs), table)
}

/// A polars type, equal only to the same type, named as [`type_name`]
/// names it.
#[derive(PartialEq)]
struct Shown(DataType);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&type_name(&self.0))
    }
}

/// A type as reports name it: polars' name, but with a struct's fields
/// spelled out (`struct{x: i64, y: str}`): polars names every struct of
/// two fields `struct[2]`, and two structs whose fields differ would read
/// as one type.
pub fn type_name(t: &DataType) -> String {
    match t {
        DataType::Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), type_name(f.dtype())))
                .collect();
            format!("struct{{{}}}", fields.join(", "))
        }
        DataType::List(inner) => format!("list[{}]", type_name(inner)),
        DataType::Array(inner, size) if matches!(inner.as_ref(), DataType::Struct(_)) => {
            format!("array[{}, {size}]", type_name(inner))
        }
        other => other.to_string(),
    }
}

/// Removed, retyped and added columns between two sides' (name, type)
/// lists, whoever names the types (polars here, Spark for the Spark engine).
pub fn named_schema_diff<T: PartialEq + std::fmt::Display>(
    bs: &[(String, T)],
    hs: &[(String, T)],
    table: &Table,
) -> SchemaDiff {
    let ignore = &table.ignore;
    let ignored = |n: &str| ignore.iter().any(|i| i == n);
    fn type_of<'a, T>(side: &'a [(String, T)], name: &str) -> Option<&'a T> {
        side.iter().find(|(n, _)| n == name).map(|(_, t)| t)
    }
    let mut diff = SchemaDiff::default();
    for (name, dtype) in bs.iter().filter(|(n, _)| !ignored(n)) {
        // Types compared as types: two struct types may print alike.
        match type_of(hs, name) {
            None => diff.removed.push(ColumnType {
                name: name.clone(),
                dtype: dtype.to_string(),
            }),
            Some(h) if h != dtype => diff.changed.push(TypeChange {
                column: name.clone(),
                base: dtype.to_string(),
                head: h.to_string(),
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
    let settings = [
        ("ignore", ignore.iter().collect::<Vec<_>>()),
        ("[table.columns]", table.columns.keys().collect()),
        ("[table.tolerance]", table.tolerance.keys().collect()),
    ];
    for (setting, names) in settings {
        for name in names {
            if type_of(bs, name).is_none() && type_of(hs, name).is_none() {
                diff.unknown.push((setting, name.clone()));
            }
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CompareMode;
    use crate::model::TableReport;

    #[test]
    fn an_ignored_name_no_column_has_is_a_note_not_silence() {
        // `--ignore n,inf` (one name with a comma) or a typo ignored
        // nothing, and nothing said so.
        let side = [("id".to_string(), "i64"), ("n".to_string(), "f64")];
        let mut table = Table::new("t", "t.csv", crate::config::Format::Csv, CompareMode::Exact);
        table.ignore = ["n,inf", "n", "nope"].map(String::from).to_vec();
        let tolerance = crate::config::Tolerance {
            abs: 0.1,
            rel: 0.0,
            seconds: 0.0,
        };
        table.tolerance.insert("nn".into(), tolerance);
        let diff = named_schema_diff(&side, &side, &table);
        let unknown = [
            ("ignore", "n,inf"),
            ("ignore", "nope"),
            ("[table.tolerance]", "nn"),
        ];
        assert_eq!(diff.unknown, unknown.map(|(s, n)| (s, n.to_string())));
        let mut t = TableReport::new("t", CompareMode::Exact, &[]);
        t.schema = diff;
        let notes: Vec<String> = t.findings().into_iter().map(|f| f.message).collect();
        assert!(
            notes.contains(&"ignore names `n,inf`, a column neither side has: it applies to nothing (one column per --ignore: repeat it for several)".to_string()),
            "{notes:?}"
        );
        assert!(
            notes.iter().any(|n| n.starts_with("ignore names `nope`")),
            "{notes:?}"
        );
        assert_eq!(t.verdict(), crate::model::Verdict::Pass);
    }
}
