//! Both sides' rows paired by key in SQL, as the local engine pairs them
//! (`diff::pair_keys`): keys whose type differs between the sides in their
//! common type (numbers as exact decimals), else on their text with a note;
//! null-safe equality; the n-th occurrence of a key with the n-th, each
//! row's occurrence and its key's row count kept so that duplicated keys
//! are counted from the join. Exact tables and keyed distribution tables
//! both join this way.

use std::collections::HashMap;

use super::{ROW, Spark, SparkError, ident, int, polars_type, sql_list, sql_type};
use crate::config::Table;
use crate::diff::{SAMPLES, row_values};
use crate::model::{DuplicateSide, Duplicates, RowSample, TableReport};

/// A row's occurrence of its key on its side, and its key's rows there.
pub(super) const OCC: &str = "__swl_occ";
pub(super) const CNT: &str = "__swl_cnt";

/// The pieces of a query over the join of views `swl_b` (as `b`) and
/// `swl_h` (as `h`).
pub(super) struct KeyJoin {
    /// Each side's row, occurrence and count (`b_row`, `h_row`, `b_occ`,
    /// `h_occ`, `b_cnt`, `h_cnt`) and the keys, as the select list's start.
    pub select: String,
    /// `(...) b FULL OUTER JOIN (...) h ON ...`.
    pub from: String,
}

/// The join of both sides of `table` on its keys (`bs`, `hs`: each side's
/// columns and Spark types); key type changes are marked in `report`.
pub(super) fn key_join(
    table: &Table,
    bs: &[(String, String)],
    hs: &[(String, String)],
    report: &mut TableReport,
) -> KeyJoin {
    let type_of = |cols: &[(String, String)], name: &str| {
        cols.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    };
    let mut key_types = HashMap::new();
    for k in &table.key {
        let (Some(b), Some(h)) = (type_of(bs, k), type_of(hs, k)) else {
            continue;
        };
        if b == h {
            continue;
        }
        let (pb, ph) = (polars_type(&b), polars_type(&h));
        let common = crate::diff::widen::common_type(&pb, &ph);
        let sql = match common.as_ref() {
            Some(t) if pb.is_numeric() && ph.is_numeric() && t.is_float() => {
                Some("DECIMAL(38,18)".to_string())
            }
            Some(t) => sql_type(t),
            None => None,
        };
        match (sql, common) {
            (Some(sql), Some(t)) => {
                if let Some(c) = report.schema.changed.iter_mut().find(|c| &c.column == k) {
                    c.compared_as = Some(t.to_string());
                }
                key_types.insert(k.clone(), sql);
            }
            _ => {
                report.key_notes.push(crate::diff::key_as_text(k, &b, &h));
                key_types.insert(k.clone(), "STRING".into());
            }
        }
    }
    let key_expr = |side: &str, k: &str| match key_types.get(k) {
        None => format!("{side}.{}", ident(k)),
        Some(t) => format!("CAST({side}.{} AS {t})", ident(k)),
    };
    let keys = |side: &str| sql_list(&table.key, ", ", |k| key_expr(side, k));
    let numbered = |view: &str| {
        format!(
            "SELECT *, row_number() OVER (PARTITION BY {0} ORDER BY {ROW}) AS {OCC}, \
             count(*) OVER (PARTITION BY {0}) AS {CNT} FROM {view} s",
            keys("s")
        )
    };
    let on = table
        .key
        .iter()
        .map(|k| format!("{} <=> {}", key_expr("b", k), key_expr("h", k)))
        .chain([format!("b.{OCC} = h.{OCC}")])
        .collect::<Vec<_>>()
        .join(" AND ");
    let select_keys = sql_list(&table.key, ", ", |k| {
        format!("coalesce(b.{0}, h.{0}) AS {0}", ident(k))
    });
    KeyJoin {
        select: format!(
            "b.{ROW} AS b_row, h.{ROW} AS h_row, b.{OCC} AS b_occ, h.{OCC} AS h_occ, \
             b.{CNT} AS b_cnt, h.{CNT} AS h_cnt, {select_keys}"
        ),
        from: format!(
            "({}) b FULL OUTER JOIN ({}) h ON {on}",
            numbered("swl_b"),
            numbered("swl_h")
        ),
    }
}

/// Aggregates over a key join counting duplicated keys per side (`dup_bk`,
/// `dup_br`, `dup_hk`, `dup_hr`) and those duplicated in head only
/// (`dup_new`), for [`duplicates`].
pub(super) const DUPLICATE_COUNTS: &str = "count_if(b_occ = 1 AND b_cnt > 1) AS dup_bk, \
     count_if(b_cnt > 1) AS dup_br, count_if(h_occ = 1 AND h_cnt > 1) AS dup_hk, \
     count_if(h_cnt > 1) AS dup_hr, \
     count_if(h_occ = 1 AND h_cnt > 1 AND NOT coalesce(b_cnt > 1, false)) AS dup_new";

/// Duplicated keys of a key join `view`, from its [`DUPLICATE_COUNTS`]
/// (read through `count`) and a few samples per side, as the local engine
/// reports them.
pub(super) fn duplicates(
    spark: &Spark,
    table: &Table,
    view: &str,
    count: &dyn Fn(&str) -> Result<u64, SparkError>,
) -> Result<Option<Duplicates>, SparkError> {
    if count("dup_bk")? == 0 && count("dup_hk")? == 0 {
        return Ok(None);
    }
    // The first keys (in key order) a side duplicates, of those `also`
    // keeps, with their count on that side.
    let samples = |prefix: &str, also: &str| -> Result<Vec<RowSample>, SparkError> {
        let samples = spark.sql(&format!(
            "SELECT {0}, {prefix}_cnt AS n FROM {view} WHERE {prefix}_occ = 1 AND {prefix}_cnt > 1 \
             {also} ORDER BY {0} LIMIT {SAMPLES}",
            sql_list(&table.key, ", ", |k| ident(k))
        ))?;
        (0..samples.height())
            .map(|i| {
                Ok(RowSample {
                    values: row_values(&samples, &table.key, i)?,
                    count: int(&samples, "n", i)?,
                })
            })
            .collect()
    };
    let side = |prefix: &str, keys: &str, rows: &str| -> Result<DuplicateSide, SparkError> {
        Ok(DuplicateSide {
            keys: count(keys)?,
            rows: count(rows)?,
            samples: samples(prefix, "")?,
        })
    };
    let new_in_head = count("dup_new")?;
    Ok(Some(Duplicates {
        base: side("b", "dup_bk", "dup_br")?,
        head: side("h", "dup_hk", "dup_hr")?,
        new_in_head,
        new_in_head_samples: if new_in_head > 0 {
            samples("h", "AND NOT coalesce(b_cnt > 1, false)")?
        } else {
            Vec::new()
        },
    }))
}
