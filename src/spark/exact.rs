//! Exact comparison on the cluster: one null-safe `FULL OUTER JOIN` on the
//! keys (n-th occurrence with n-th), aggregated into counts; samples,
//! permutations and renames from the cached join; keyless tables as
//! multisets.

use crate::config::Table;
use crate::diff::{SAMPLES, ValueRule, row_values, to_json};
use crate::model::{
    ColumnDiff, MostHeld, RENAME_DOMINANT, Rename, RowCounts, RowSample, TableReport, ValueSample,
};
use polars::prelude::*;

use super::{
    Read, Spark, SparkError, as_double, float, ident, int, lit, one_row, open, polars_type,
    sql_list, sql_type,
};

/// A row of the join `swl_j` matched on both sides.
const BOTH: &str = "b_row IS NOT NULL AND h_row IS NOT NULL";

/// Compares `table` exactly on the cluster: `base` and `head` are what the
/// cluster reads (paths or globs in the table's format, URIs, catalog
/// tables).
pub fn compare_exact(
    spark: &Spark,
    table: &Table,
    base: impl Into<Read>,
    head: impl Into<Read>,
) -> Result<TableReport, SparkError> {
    let (base, head) = (base.into(), head.into());
    let (mut report, bs, hs) = open(spark, table, &base, &head)?;
    let type_of = |cols: &[(String, String)], name: &str| {
        cols.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
    };
    // The rules every engine obeys: keys present, and which columns are
    // compared in which type.
    let names = |c: &[(String, String)]| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if let Some(why) = crate::diff::check_keys(table, &names(&bs), &names(&hs))? {
        report.head_missing = Some(why);
        return Ok(report);
    }
    let typed = |c: &[(String, String)]| {
        c.iter()
            .map(|(n, t)| (n.clone(), polars_type(t)))
            .collect::<Vec<_>>()
    };
    let rule = crate::diff::compared_columns(
        table,
        (&typed(&bs), &typed(&hs)),
        (&base, &head),
        &mut report.schema,
    );
    // Each compared column with the Spark type it is compared in.
    let mut compared: Vec<(String, String)> = Vec::new();
    for c in &rule {
        let in_type = match &c.as_type {
            None => type_of(&bs, &c.name),
            Some(t) => sql_type(t).map(|t| t.to_lowercase()),
        };
        if let Some(t) = in_type {
            compared.push((c.name.clone(), t));
        }
    }
    let cast = |side: &str, i: usize| {
        let (c, t) = &compared[i];
        match type_of(if side == "b" { &bs } else { &hs }, c) {
            Some(own) if &own == t => format!("{side}.{}", ident(c)),
            _ => format!("CAST({side}.{} AS {t})", ident(c)),
        }
    };
    report.compared_columns = compared.len();
    if table.key.is_empty() {
        // Rows match on their text as the string options leave it, as
        // the local engine matches them.
        let text = |i: usize, e: String| match ValueRule::of(
            &polars_type(&compared[i].1),
            None,
            table.strings,
        ) {
            ValueRule::Strings { trim, ignore_case } => normal_text(&e, trim, ignore_case),
            _ => e,
        };
        let exprs: Vec<[String; 2]> = (0..compared.len())
            .map(|i| [text(i, cast("b", i)), text(i, cast("h", i))])
            .collect();
        compare_multiset(spark, &compared, &exprs, &mut report)?;
        return Ok(report);
    }

    // One join; the n-th occurrence of a key pairs with the n-th.
    let join = super::join::key_join(table, &bs, &hs, &mut report);
    // Removed and added columns of one type: rename candidates.
    let renames = rename_candidates(&report);
    // Each compared pair (`b{i}`, `h{i}`), and a side's own value where it
    // was cast (`ob{i}`, `oh{i}`): samples show what the side held
    // (`true`, `2026-01-02`), as the local engine's do.
    let own = |side: &str, i: usize| {
        let shown = format!("{side}.{}", ident(&compared[i].0));
        (cast(side, i) != shown).then(|| format!(", {shown} AS o{side}{i}"))
    };
    let select_values = compared
        .iter()
        .enumerate()
        .map(|(i, _)| {
            format!(
                "{} AS b{i}, {} AS h{i}{}{}",
                cast("b", i),
                cast("h", i),
                own("b", i).unwrap_or_default(),
                own("h", i).unwrap_or_default()
            )
        })
        .chain(renames.iter().enumerate().map(|(i, c)| {
            let (b, h) = (
                format!("b.{}", ident(&c.from)),
                format!("h.{}", ident(&c.to)),
            );
            match &c.cast {
                None => format!("{b} AS rb{i}, {h} AS rh{i}"),
                Some(t) => format!("CAST({b} AS {t}) AS rb{i}, CAST({h} AS {t}) AS rh{i}"),
            }
        }))
        .collect::<Vec<_>>();
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_j AS SELECT {}{}{} FROM {}",
        join.select,
        if select_values.is_empty() { "" } else { ", " },
        select_values.join(", "),
        join.from,
    ))?;
    // The counts and every sample query read the join: compute it once.
    spark.sql("CACHE TABLE swl_j")?;
    let result = summarize(spark, table, &compared, &renames, &mut report);
    spark.sql("UNCACHE TABLE IF EXISTS swl_j")?;
    result?;
    for column in &mut report.columns {
        column.all_null = rule
            .iter()
            .find(|c| c.name == column.name)
            .and_then(|c| c.all_null);
    }
    Ok(report)
}

/// Counts and samples from the cached join `swl_j`.
fn summarize(
    spark: &Spark,
    table: &Table,
    compared: &[(String, String)],
    renames: &[Candidate],
    report: &mut TableReport,
) -> Result<(), SparkError> {
    let tolerance = |i: usize| table.tolerance.get(&compared[i].0).copied();
    // A difference, after the table's string options and the column's
    // tolerance, as the local engine decides it.
    let rule = |i: usize| ValueRule::of(&polars_type(&compared[i].1), tolerance(i), table.strings);
    let differs = |i: usize| value_differs(i, &rule(i), &compared[i].1);
    let any_differs = if compared.is_empty() {
        "false".to_string()
    } else {
        sql_list(0..compared.len(), " OR ", differs)
    };
    // Columns whose difference sizes are reported: floats, and integers
    // given a numeric tolerance.
    let sized = |i: usize| rule(i).sized(&polars_type(&compared[i].1));
    let per_column: String = compared
        .iter()
        .enumerate()
        .map(|(i, _)| {
            let mut q = format!(", count_if({BOTH} AND {}) AS c{i}", differs(i));
            if sized(i) {
                let (b, h) = (format!("b{i}"), format!("h{i}"));
                q.push_str(&sizes(i, &b, &h, &compared[i].1));
            }
            q
        })
        .collect();
    let counts = one_row(spark.sql(&format!(
        "SELECT count_if(b_row IS NOT NULL) AS base, count_if(h_row IS NOT NULL) AS head, \
         count_if({BOTH}) AS matched, count_if(h_row IS NULL) AS missing, \
         count_if(b_row IS NULL) AS extra, count_if({BOTH} AND ({any_differs})) AS changed, \
         {}{per_column} FROM swl_j",
        super::join::DUPLICATE_COUNTS
    ))?)?;
    let count = |name: &str| int(&counts, name, 0);
    report.rows = Some(RowCounts {
        base: count("base")?,
        head: count("head")?,
        matched: count("matched")?,
        missing: count("missing")?,
        extra: count("extra")?,
        changed: Some(count("changed")?),
    });
    report.duplicates = super::join::duplicates(spark, table, "swl_j", &count)?;
    // Every sample in one query: each joined row is tagged with the
    // findings it belongs to (-1 missing, -2 extra, i column i changed),
    // and the first rows of each finding in file order are kept.
    let tags = format!(
        "IF(h_row IS NULL, named_struct('f', -1, 'o', b_row), NULL), \
         IF(b_row IS NULL, named_struct('f', -2, 'o', h_row), NULL){}",
        sql_list(0..compared.len(), "", |i| format!(
            ", IF({BOTH} AND {}, named_struct('f', {i}, 'o', b_row), NULL)",
            differs(i)
        ))
    );
    let samples = spark.sql(&format!(
        "SELECT * FROM (
           SELECT j.*, t.tag.f AS swl_f, t.tag.o.file AS swl_of, t.tag.o.row AS swl_or,
                  row_number() OVER (PARTITION BY t.tag.f ORDER BY t.tag.o) AS swl_n
           FROM swl_j j LATERAL VIEW explode(array({tags})) t AS tag
           WHERE t.tag IS NOT NULL)
         WHERE swl_n <= {SAMPLES}"
    ))?;
    let sorted = if samples.height() == 0 {
        samples
    } else {
        samples.sort(
            ["swl_f", "swl_of", "swl_or"],
            SortMultipleOptions::default(),
        )?
    };
    // Each sample row's finding.
    let tag: Vec<i64> = if sorted.height() == 0 {
        Vec::new()
    } else {
        let f = sorted.column("swl_f")?.cast(&DataType::Int64)?;
        f.i64()?.iter().map(|t| t.unwrap_or(i64::MIN)).collect()
    };
    for (r, &finding) in tag.iter().enumerate() {
        let sample = |count| -> Result<RowSample, SparkError> {
            Ok(RowSample {
                values: row_values(&sorted, &table.key, r)?,
                count,
            })
        };
        match finding {
            -1 => report.missing_samples.push(sample(1)?),
            -2 => report.extra_samples.push(sample(1)?),
            _ => {}
        }
    }
    for (i, (name, dtype)) in compared.iter().enumerate() {
        let mut diff = column_diff(name, dtype, tolerance(i), &counts, i, sized(i))?;
        // A side's own value where it was cast to the compared type.
        let shown = |side: &str| match sorted.column(&format!("o{side}{i}")) {
            Ok(_) => format!("o{side}{i}"),
            Err(_) => format!("{side}{i}"),
        };
        let (b, h) = (shown("b"), shown("h"));
        for (r, _) in tag.iter().enumerate().filter(|(_, t)| **t == i as i64) {
            diff.samples.push(ValueSample {
                key: row_values(&sorted, &table.key, r)?,
                path: None,
                base: to_json(&sorted.column(&b)?.get(r)?),
                head: to_json(&sorted.column(&h)?.get(r)?),
            });
        }
        report.columns.push(diff);
    }
    permutations_and_renames(spark, compared, renames, report, &differs)?;
    compare_renamed(spark, table, renames, &any_differs, report)
}

/// Each renamed column compared under its two names, as the local engine
/// compares it: its changed values counted (and the rows they change),
/// their sizes and samples; one query for the counts, one per column
/// whose values changed for its samples.
fn compare_renamed(
    spark: &Spark,
    table: &Table,
    candidates: &[Candidate],
    any_differs: &str,
    report: &mut TableReport,
) -> Result<(), SparkError> {
    let found: Vec<usize> = report
        .renamed
        .iter()
        .filter_map(|r| {
            candidates
                .iter()
                .position(|c| c.from == r.from && c.to == r.to)
        })
        .collect();
    if found.is_empty() {
        return Ok(());
    }
    let c = |k: usize| &candidates[k];
    let tolerance = |k: usize| {
        let t = &table.tolerance;
        t.get(&c(k).to).or_else(|| t.get(&c(k).from)).copied()
    };
    let rule = |k: usize| ValueRule::of(&polars_type(&c(k).dtype), tolerance(k), table.strings);
    let (b, h) = (|k: usize| format!("rb{k}"), |k: usize| format!("rh{k}"));
    let differs = |k: usize| differs_between(&b(k), &h(k), &rule(k), &c(k).dtype);
    let sized = |k: usize| rule(k).sized(&polars_type(&c(k).dtype));
    let per_column: String = found
        .iter()
        .map(|&k| {
            let mut q = format!(", count_if({BOTH} AND {}) AS c{k}", differs(k));
            if sized(k) {
                q.push_str(&sizes(k, &b(k), &h(k), &c(k).dtype));
            }
            q
        })
        .collect();
    let counts = one_row(spark.sql(&format!(
        "SELECT count_if({BOTH} AND ({any_differs} OR {})) AS changed{per_column} FROM swl_j",
        sql_list(&found, " OR ", |&k| differs(k))
    ))?)?;
    let count = |name: &str| int(&counts, name, 0);
    if let Some(rows) = &mut report.rows {
        rows.changed = Some(count("changed")?);
    }
    report.compared_columns += found.len();
    for &k in &found {
        let mut diff = column_diff(&c(k).to, &c(k).dtype, tolerance(k), &counts, k, sized(k))?;
        if diff.mismatches > 0 {
            let keys = sql_list(&table.key, ", ", |k| ident(k));
            let rows = spark.sql(&format!(
                "SELECT {keys}, {} AS b, {} AS h FROM swl_j WHERE {BOTH} AND {} \
                 ORDER BY b_row LIMIT {SAMPLES}",
                b(k),
                h(k),
                differs(k)
            ))?;
            for r in 0..rows.height() {
                diff.samples.push(ValueSample {
                    key: row_values(&rows, &table.key, r)?,
                    path: None,
                    base: to_json(&rows.column("b")?.get(r)?),
                    head: to_json(&rows.column("h")?.get(r)?),
                });
            }
        }
        report.columns.push(diff);
    }
    Ok(())
}

/// The aggregates of the sizes of column `k`'s differences (`b`, `h`: its
/// sides in the join, of Spark type `dtype`), as the local engine reports
/// them: finite ones between two numbers, before tolerance; `raw{k}`
/// counts the raw differences, `a{k}` and `r{k}` are the largest absolute
/// and relative one.
fn sizes(k: usize, b: &str, h: &str, dtype: &str) -> String {
    let d = difference_between(b, h, dtype);
    let raw = format!("NOT ({b} <=> {h})");
    let finite = format!(
        "{BOTH} AND {raw} AND {d} IS NOT NULL AND NOT isnan({d}) AND {d} < double('Infinity')"
    );
    format!(
        ", count_if({BOTH} AND {raw}) AS raw{k}, \
         coalesce(max(IF({finite}, {d}, NULL)), 0D) AS a{k}, \
         coalesce(max(IF({finite}, {d} / greatest(abs(CAST({b} AS DOUBLE)), abs(CAST({h} AS DOUBLE))), NULL)), 0D) AS r{k}"
    )
}

/// Column `k`'s finding from the `counts` row: its `c{k}` changed values
/// and, when `sized`, the sizes of [`sizes`]; samples are the caller's.
fn column_diff(
    name: &str,
    dtype: &str,
    tolerance: Option<crate::config::Tolerance>,
    counts: &DataFrame,
    k: usize,
    sized: bool,
) -> Result<ColumnDiff, SparkError> {
    let mut diff = ColumnDiff {
        name: name.to_string(),
        dtype: dtype.to_string(),
        mismatches: int(counts, &format!("c{k}"), 0)?,
        samples: Vec::new(),
        tolerance: tolerance.and_then(|t| ValueRule::applicable(&polars_type(dtype), t).0),
        max_abs_diff: None,
        max_rel_diff: None,
        all_null: None,
    };
    if sized && int(counts, &format!("raw{k}"), 0)? > 0 {
        diff.max_abs_diff = float(counts, &format!("a{k}"))?;
        diff.max_rel_diff = float(counts, &format!("r{k}"))?;
    }
    Ok(diff)
}

/// Text `x` as the string options compare it: trimmed of Unicode white
/// space (as Rust's `trim`) and/or lower-cased.
fn normal_text(x: &str, trim: bool, ignore_case: bool) -> String {
    let x = if trim {
        format!("regexp_replace({x}, '(?U)^\\\\s+|\\\\s+$', '')")
    } else {
        x.to_string()
    };
    if ignore_case {
        format!("lower({x})")
    } else {
        x
    }
}

/// Spark's integer types.
const INTEGERS: [&str; 4] = ["tinyint", "smallint", "int", "bigint"];
/// Candidate pairs checked in one query, at most: column permutations
/// among more changed columns of one type than this allows are not sought.
const MAX_PAIRS: usize = 1_000;

/// Whether compared column `i` (of Spark type `dtype`) differs on a joined
/// row under `rule`: the value rule rendered to SQL.
fn value_differs(i: usize, rule: &ValueRule, dtype: &str) -> String {
    differs_between(&format!("b{i}"), &format!("h{i}"), rule, dtype)
}

/// Whether values `b` and `h` (columns of the join, of Spark type `dtype`)
/// differ under `rule`.
fn differs_between(b: &str, h: &str, rule: &ValueRule, dtype: &str) -> String {
    let raw = format!("NOT ({b} <=> {h})");
    match *rule {
        ValueRule::Exact => raw,
        ValueRule::Strings { trim, ignore_case } => format!(
            "NOT ({} <=> {})",
            normal_text(b, trim, ignore_case),
            normal_text(h, trim, ignore_case)
        ),
        ValueRule::Seconds(seconds) => {
            // Seconds per unit of a date or timestamp read as a number.
            let unit = match dtype {
                "date" => 86_400.0,
                "timestamp" | "timestamp_ntz" => 1e-6,
                _ => return raw,
            };
            format!(
                "({raw} AND NOT coalesce(abs({} - {}) * {} <= {}, false))",
                as_double(b, dtype),
                as_double(h, dtype),
                lit(unit),
                lit(seconds)
            )
        }
        // NaN differences stay differences (NaN is never <= a bound).
        ValueRule::Within { abs, rel } => format!(
            "({raw} AND NOT coalesce({} <= {} + {} * abs(CAST({h} AS DOUBLE)), false))",
            difference_between(b, h, dtype),
            lit(abs),
            lit(rel)
        ),
    }
}

/// |b - h| of two columns of the join, as a double: integers subtracted
/// exactly (as decimals), so two values 200 apart near 2^62 stay 200 apart,
/// as the local engine computes them in i128.
fn difference_between(b: &str, h: &str, dtype: &str) -> String {
    if INTEGERS.contains(&dtype) {
        format!("CAST(abs(CAST({b} AS DECIMAL(38,0)) - CAST({h} AS DECIMAL(38,0))) AS DOUBLE)")
    } else {
        format!("abs(CAST({b} AS DOUBLE) - CAST({h} AS DOUBLE))")
    }
}

/// A removed column and an added one that may be it renamed.
struct Candidate {
    from: String,
    to: String,
    /// The Spark type both are cast to, when their types differ.
    cast: Option<String>,
    /// The Spark type they are compared in.
    dtype: String,
}

/// Removed and added columns of the same type, or of a type that holds
/// every value of the removed one's, in the order the local engine tries
/// them; each with the Spark type both are compared in when the types
/// differ.
fn rename_candidates(report: &TableReport) -> Vec<Candidate> {
    report
        .schema
        .removed
        .iter()
        .flat_map(|r| {
            report.schema.added.iter().filter_map(move |a| {
                let cast = if a.dtype == r.dtype {
                    None
                } else {
                    let (from, to) = (polars_type(&r.dtype), polars_type(&a.dtype));
                    Some(sql_type(&crate::diff::widen::value_type(&from, &to)?)?)
                };
                Some(Candidate {
                    from: r.name.clone(),
                    to: a.name.clone(),
                    dtype: cast
                        .as_ref()
                        .map_or_else(|| r.dtype.clone(), |t| t.to_lowercase()),
                    cast,
                })
            })
        })
        .collect()
}

/// Columns whose values were permuted among themselves, and renamed
/// columns, decided as the local engine decides them, from counts over the
/// cached join: column `i` took its head values from column `j` when `j`'s
/// base values match them on enough of the rows where `i` differs (and the
/// cycle holds on enough of the rows where a member differs); a removed
/// column was renamed when an added one holds its values on every matched
/// row, or on enough of them ([`crate::model::moved`]) when its commonest value fills at
/// most [`RENAME_DOMINANT`] of them.
fn permutations_and_renames(
    spark: &Spark,
    compared: &[(String, String)],
    renames: &[Candidate],
    report: &mut TableReport,
    differs: &dyn Fn(usize) -> String,
) -> Result<(), SparkError> {
    let changed: Vec<usize> = (0..compared.len())
        .filter(|&i| report.columns[i].mismatches > 0)
        .collect();
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for &i in &changed {
        for &j in &changed {
            if i != j && compared[i].1 == compared[j].1 {
                pairs.push((i, j));
            }
        }
    }
    if pairs.len() > MAX_PAIRS {
        pairs.clear();
    }
    let matched = report.rows.as_ref().map_or(0, |r| r.matched);
    let renames = if matched > 0 { renames } else { &[] };
    if pairs.is_empty() && renames.is_empty() {
        return Ok(());
    }
    let aggregates: Vec<String> = pairs
        .iter()
        .map(|&(i, j)| {
            format!(
                "count_if({BOTH} AND {} AND NOT (h{i} <=> b{j})) AS p{i}_{j}",
                differs(i)
            )
        })
        .chain(
            (0..renames.len())
                .map(|r| format!("count_if({BOTH} AND NOT (rb{r} <=> rh{r})) AS n{r}")),
        )
        .collect();
    let counts = one_row(spark.sql(&format!("SELECT {} FROM swl_j", aggregates.join(", ")))?)?;
    // Permutations: each changed column's source, the candidate its head
    // values match on the most of its changed rows, enough of them...
    let mut source: Vec<Option<usize>> = vec![None; changed.len()];
    for (ci, &i) in changed.iter().enumerate() {
        let rows = report.columns[i].mismatches;
        let mut most = MostHeld::default();
        for (cj, &j) in changed.iter().enumerate() {
            if pairs.is_empty() || i == j || compared[i].1 != compared[j].1 {
                continue;
            }
            let held = rows.saturating_sub(int(&counts, &format!("p{i}_{j}"), 0)?);
            if most.offer(held, rows, cj) {
                break;
            }
        }
        source[ci] = most.best().map(|(_, cj)| cj);
    }
    // ...then each closed cycle counted on every row where a member differs.
    report.swapped = crate::diff::closed_cycles(
        &source,
        |members| {
            let any = sql_list(members, " OR ", |&m| differs(changed[m]));
            let broken = sql_list(0..members.len(), " OR ", |k| {
                let (m, next) = (
                    changed[members[k]],
                    changed[members[(k + 1) % members.len()]],
                );
                format!("NOT (h{m} <=> b{next})")
            });
            let r = one_row(spark.sql(&format!(
                "SELECT count_if({BOTH} AND ({any})) AS rows, \
             count_if({BOTH} AND ({any}) AND ({broken})) AS n FROM swl_j"
            ))?)?;
            let rows = int(&r, "rows", 0)?;
            Ok::<_, SparkError>((rows.saturating_sub(int(&r, "n", 0)?), rows))
        },
        |m| compared[changed[m]].0.clone(),
    )?;
    // Each removed column's new name: the added one, not yet taken, that
    // holds its values on the most matched rows, enough of them (the
    // candidates come removed column by removed column).
    let mut renamed: Vec<Rename> = Vec::new();
    let mut r = 0;
    while r < renames.len() {
        let (start, from) = (r, &renames[r].from);
        let mut most = MostHeld::default();
        while r < renames.len() && &renames[r].from == from {
            let to = &renames[r].to;
            let held = matched.saturating_sub(int(&counts, &format!("n{r}"), 0)?);
            if !renamed.iter().any(|x| &x.to == to) {
                most.offer(held, matched, to);
            }
            r += 1;
        }
        let Some((held, to)) = most.best() else {
            continue;
        };
        if held < matched {
            // The rows of the old column's commonest value (each of its
            // candidates carries it: the first's rb).
            let most = one_row(spark.sql(&format!(
                "SELECT max(n) AS n FROM \
                 (SELECT count(*) AS n FROM swl_j WHERE {BOTH} GROUP BY rb{start})"
            ))?)?;
            if int(&most, "n", 0)? as f64 > RENAME_DOMINANT * matched as f64 {
                continue;
            }
        }
        renamed.push(Rename {
            from: from.clone(),
            to: to.to_string(),
            rows: matched,
            held,
        });
    }
    crate::diff::apply_renames(report, renamed);
    Ok(())
}

/// A keyless table as a multiset of rows: each distinct row counted on
/// both sides, the surplus of either side reported, as the local engine
/// does.
fn compare_multiset(
    spark: &Spark,
    compared: &[(String, String)],
    exprs: &[[String; 2]],
    report: &mut TableReport,
) -> Result<(), SparkError> {
    if compared.is_empty() {
        return Err(SparkError::Unsupported {
            what: "tables with a column of the same name and type on both sides".into(),
            actual: "has none".into(),
        });
    }
    let names: Vec<String> = compared.iter().map(|(n, _)| n.clone()).collect();
    let cols = sql_list(&names, ", ", |n| ident(n));
    let side_exprs = |side: usize| {
        sql_list(0..names.len(), ", ", |i| {
            format!("{} AS {}", exprs[i][side], ident(&names[i]))
        })
    };
    let on = sql_list(&names, " AND ", |n| format!("b.{0} <=> h.{0}", ident(n)));
    let coalesced = sql_list(&names, ", ", |n| {
        format!("coalesce(b.{0}, h.{0}) AS {0}", ident(n))
    });
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_m AS
         SELECT {coalesced}, coalesce(b.n, 0) - coalesce(h.n, 0) AS surplus
         FROM (SELECT {cols}, count(*) AS n FROM (SELECT {} FROM swl_b b) GROUP BY {cols}) b
         FULL OUTER JOIN (SELECT {cols}, count(*) AS n FROM (SELECT {} FROM swl_h h) GROUP BY {cols}) h ON {on}",
        side_exprs(0),
        side_exprs(1)
    ))?;
    spark.sql("CACHE TABLE swl_m")?;
    let result = (|| -> Result<(), SparkError> {
        let totals = one_row(spark.sql(
            "SELECT (SELECT count(*) FROM swl_b) AS base, (SELECT count(*) FROM swl_h) AS head,
                    coalesce(sum(IF(surplus > 0, surplus, 0)), 0) AS missing,
                    coalesce(sum(IF(surplus < 0, -surplus, 0)), 0) AS extra
             FROM swl_m",
        )?)?;
        let (base, missing) = (int(&totals, "base", 0)?, int(&totals, "missing", 0)?);
        report.rows = Some(RowCounts {
            base,
            head: int(&totals, "head", 0)?,
            matched: base - missing,
            missing,
            extra: int(&totals, "extra", 0)?,
            changed: None,
        });
        for (side, filter, count) in [
            (&mut report.missing_samples, "surplus > 0", "surplus"),
            (&mut report.extra_samples, "surplus < 0", "-surplus"),
        ] {
            let rows = spark.sql(&format!(
                "SELECT {cols}, {count} AS swl_n FROM swl_m WHERE {filter} ORDER BY {cols} LIMIT {SAMPLES}"
            ))?;
            for r in 0..rows.height() {
                side.push(RowSample {
                    values: row_values(&rows, &names, r)?,
                    count: int(&rows, "swl_n", r)?,
                });
            }
        }
        Ok(())
    })();
    spark.sql("UNCACHE TABLE IF EXISTS swl_m")?;
    result
}
