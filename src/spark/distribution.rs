//! Distribution tables on the cluster: the same tests, summaries and
//! pictures as the local engine's ([`crate::distribution`]), computed from
//! counts that Spark SQL aggregates.
//!
//! Numbers: one query per side for the counts, means and deviations of
//! every numeric column; per column, one query for the KS extremes (with
//! the local engine's tolerance for near-ties), the distinct values, the
//! extremes and the order statistics the quantiles need, and one for the
//! histogram and ECDF counts on the shared axes. Categories: one grouped
//! count per column. Only these counts come back.

use std::collections::HashMap;

use polars::prelude::*;

use super::{Spark, SparkError, float, int, lit, one_row, open, sql_list};
use crate::config::Table;
use crate::distribution::{
    self as local, BINS, Binned, Counts, GRID, Kind, Spread, as_numbers, assemble_plot, plan,
    tie_tolerance,
};
use crate::model::scale::Scale;
use crate::model::{Feature, TableReport, TestName};
use crate::stats::ks::{self, Alternative, Extremes, KsResult, Method};
use crate::stats::summary::{self, NumericSummary, Summary};

/// Values per range partition of the KS windows: enough to keep each
/// partition's sort cheap, few enough partitions for a small cluster.
const ROWS_PER_PARTITION: u64 = 4_000_000;
const MAX_PARTITIONS: u64 = 256;

/// Compares `table` by distribution on the cluster: `base` and `head` are
/// what the cluster reads (paths or globs in the table's format, URIs,
/// catalog tables).
pub fn compare_distribution(
    spark: &Spark,
    table: &Table,
    base: impl Into<super::Read>,
    head: impl Into<super::Read>,
) -> Result<TableReport, SparkError> {
    let (base, head): (super::Read, super::Read) = (base.into(), head.into());
    let (mut report, mut bs, mut hs) = open(spark, table, &base, &head)?;
    report.precision = Some(table.precision);
    let renamed = crate::distribution::renamed::find(&report.schema, |from, to| {
        same_values(spark, from, to)
    })?;
    crate::diff::apply_renames(&mut report, renamed);
    // A CSV column without a value takes the other side's type, as the
    // local engine reads it (`distribution::compare_distribution_with`).
    {
        use crate::diff::ColumnFacts as _;
        let untyped: Vec<String> = bs
            .iter()
            .map(|(n, _)| n.clone())
            .filter(|n| base.untyped(n) != head.untyped(n))
            .collect();
        for name in &untyped {
            let typed = |cols: &[(String, String)]| {
                cols.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
            };
            if base.untyped(name) {
                if let (Some(t), Some(c)) = (typed(&hs), bs.iter_mut().find(|(n, _)| n == name)) {
                    c.1 = t;
                }
            } else if let (Some(t), Some(c)) = (typed(&bs), hs.iter_mut().find(|(n, _)| n == name))
            {
                c.1 = t;
            }
        }
        report
            .schema
            .changed
            .retain(|c| !untyped.contains(&c.column));
    }
    let head_type = |name: &str| hs.iter().find(|(n, _)| n == name).map(|(_, t)| t.as_str());
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for (name, tb) in &bs {
        if table.key.contains(name) || table.ignore.contains(name) {
            continue;
        }
        let Some(th) = head_type(name) else { continue };
        let (kb, kh) = (kind(tb), kind(th));
        match plan(table, name, (kb, tb), (kh, th)) {
            Err(u) => report.untested.push(u),
            Ok(f) if as_numbers(&f, kb, kh) => numeric.push((f, [tb.as_str(), th])),
            Ok(f) => categorical.push(f),
        }
    }
    // Which features are compared key by key, and as what.
    let numbers: Vec<(String, [&str; 2])> = numeric
        .iter()
        .map(|(f, t)| (f.column.clone(), *t))
        .collect();
    let categories: Vec<(String, [&str; 2])> = categorical
        .iter()
        .map(|f: &Feature| (f.column.clone(), ["", ""]))
        .collect();
    let (sides, rows) = side_numbers(spark, &numeric)?;
    for (i, (mut feature, types)) in numeric.into_iter().enumerate() {
        let expr = [
            number("swl_b", &feature.column, types[0], feature.scale),
            number("swl_h", &feature.column, types[1], feature.scale),
        ];
        let column = Column {
            values: values_sql(&expr, ["swl_b", "swl_h"]),
            n: [sides[0][i].n, sides[1][i].n],
        };
        let tolerance = Some(tie_tolerance(table));
        let stats = ks_stats(spark, &column, tolerance, partitions(&column))?;
        fill_numbers(&mut feature, &stats, [&sides[0][i], &sides[1][i]], rows);
        feature.plot = numeric_plot(spark, &column, &stats, feature.location)?;
        report.features.push(feature);
    }
    for mut feature in categorical {
        let counts = category_counts(spark, &feature.column)?;
        local::fill_categorical(&mut feature, &counts);
        report.features.push(feature);
    }
    // The local engine reports features in the base's column order.
    let order: HashMap<&str, usize> = bs
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    report
        .features
        .sort_by_key(|f| order.get(f.column.as_str()).copied().unwrap_or(usize::MAX));
    let planned = super::paired::plan(&report, &numbers, &categories);
    super::paired::compare(spark, table, (&bs, &hs), &planned, &mut report)?;
    Ok(report)
}

/// Whether base's column `from` and head's `to` hold the same values as
/// many times each, and more than one value (null counted as one), as
/// `distribution::renamed::same_values` decides it: `Some(rows)` then.
/// Spark's grouping takes NaN as one value and -0 as 0, as the local
/// engine's comparison of the sorted columns does.
fn same_values(spark: &Spark, from: &str, to: &str) -> Result<Option<u64>, SparkError> {
    let r = one_row(spark.sql(&format!(
        "WITH b AS (SELECT {from} AS v, count(*) AS c FROM swl_b GROUP BY {from}),
              h AS (SELECT {to} AS v, count(*) AS c FROM swl_h GROUP BY {to})
         SELECT count(*) AS groups,
                count_if(b.c IS NULL OR h.c IS NULL OR b.c <> h.c) AS differ,
                coalesce(sum(b.c), 0) AS rows
         FROM b FULL OUTER JOIN h ON b.v <=> h.v",
        from = super::ident(from),
        to = super::ident(to),
    ))?)?;
    let same = int(&r, "groups", 0)? >= 2 && int(&r, "differ", 0)? == 0;
    Ok(same.then_some(int(&r, "rows", 0)?))
}

/// Spark's type names by how they are compared.
fn kind(dtype: &str) -> Kind {
    match dtype {
        "tinyint" | "smallint" | "int" | "bigint" | "float" | "double" | "date" | "timestamp"
        | "timestamp_ntz" => Kind::Numeric,
        t if t.starts_with("decimal") => Kind::Numeric,
        "boolean" | "string" => Kind::Categorical,
        t if t.starts_with("varchar") || t.starts_with("char") => Kind::Categorical,
        _ => Kind::Other,
    }
}

/// A column of `view` as doubles, as the local engine reads it.
fn number(view: &str, column: &str, dtype: &str, scale: Scale) -> String {
    super::in_scale(&format!("{view}.{}", super::ident(column)), dtype, scale)
}

/// One numeric column pooled from both sides: the SQL of its non-null,
/// non-NaN values (`v`, side `s` = 1 or 2), and how many each side has.
pub struct Column {
    values: String,
    n: [u64; 2],
}

fn values_sql(expr: &[String; 2], views: [&str; 2]) -> String {
    format!(
        "SELECT v, s FROM (SELECT {} AS v, 1 AS s FROM {} UNION ALL SELECT {} AS v, 2 AS s FROM {}) \
         WHERE v IS NOT NULL AND NOT isnan(v)",
        expr[0], views[0], expr[1], views[1]
    )
}

fn partitions(c: &Column) -> usize {
    ((c.n[0] + c.n[1]) / ROWS_PER_PARTITION).clamp(1, MAX_PARTITIONS) as usize
}

/// One side's figures for one numeric column.
#[derive(Debug, Default)]
struct SideNumbers {
    n: u64,
    mean: Option<f64>,
    std: Option<f64>,
}

/// Per side: every numeric column's non-null count, mean and sample
/// standard deviation, in one scan; and the side's rows.
#[allow(clippy::type_complexity)]
fn side_numbers(
    spark: &Spark,
    numeric: &[(Feature, [&str; 2])],
) -> Result<([Vec<SideNumbers>; 2], [u64; 2]), SparkError> {
    let mut sides: [Vec<SideNumbers>; 2] = Default::default();
    let mut rows = [0; 2];
    for (side, view) in ["swl_b", "swl_h"].into_iter().enumerate() {
        let aggregates = numeric
            .iter()
            .enumerate()
            .map(|(i, (f, types))| {
                let x = number(view, &f.column, types[side], f.scale);
                format!(
                    ", count_if({x} IS NOT NULL AND NOT isnan({x})) AS n{i}, \
                     avg({x}) FILTER (WHERE NOT isnan({x})) AS m{i}, \
                     stddev_samp({x}) FILTER (WHERE NOT isnan({x})) AS s{i}"
                )
            })
            .collect::<String>();
        let r = one_row(spark.sql(&format!("SELECT count(*) AS rows{aggregates} FROM {view}"))?)?;
        rows[side] = int(&r, "rows", 0)?;
        for i in 0..numeric.len() {
            sides[side].push(SideNumbers {
                n: int(&r, &format!("n{i}"), 0)?,
                mean: float(&r, &format!("m{i}"))?,
                std: float(&r, &format!("s{i}"))?,
            });
        }
    }
    Ok((sides, rows))
}

/// What one KS query returns: the test, and per side the distinct values,
/// the smallest and largest values (all, and finite), and the order
/// statistics the quantiles interpolate between.
#[derive(Debug)]
pub struct KsStats {
    pub result: KsResult,
    distinct: [u64; 2],
    min: [Option<f64>; 2],
    max: [Option<f64>; 2],
    finite_min: [Option<f64>; 2],
    finite_max: [Option<f64>; 2],
    order: [HashMap<usize, f64>; 2],
}

impl KsStats {
    /// Side `side`'s value of (0-based) rank `rank`, one of those fetched.
    fn at(&self, side: usize, rank: usize) -> f64 {
        self.order[side].get(&rank).copied().unwrap_or(f64::NAN)
    }
}

/// The quantiles each side's summary and plot need.
const QUANTILES: [f64; 4] = [0.5, 0.99, 0.001, 0.999];

/// The largest value tied with `x` (in SQL): the local engine's rule,
/// relative `tolerance`, finite values only ([`ks`]'s `group_end`).
fn group_end(x: &str, tolerance: Option<f64>) -> String {
    match tolerance {
        Some(t) if t > 0.0 && t < 1.0 => format!(
            "IF(abs({x}) < double('Infinity'), IF({x} >= 0, {x} * {}, {x} * {}), {x})",
            lit(1.0 / (1.0 - t)),
            lit(1.0 - t)
        ),
        _ => x.to_string(),
    }
}

/// The two-sample KS test of a pooled column, D computed on the cluster
/// with integer counts: equal values grouped, the two samples' counts
/// summed in value order within range partitions, the partitions' totals
/// added as running offsets, and `c1·n2 − c2·n1` taken at every group's
/// last value. With a `tolerance`, values the local engine would tie are
/// grouped as it groups them: a value tied with neither neighbour is a
/// group of its own; runs of possibly tied neighbours ("chains") are walked
/// in order, each by itself, with `aggregate`, from their first value
/// (which always starts a group). The p-value comes from
/// [`ks::from_extremes`], as for the local engine.
pub fn ks_stats(
    spark: &Spark,
    c: &Column,
    tolerance: Option<f64>,
    partitions: usize,
) -> Result<KsStats, SparkError> {
    let [n1, n2] = c.n;
    let (part, cuts) = if partitions <= 1 {
        ("0".to_string(), String::new())
    } else {
        // Range boundaries from approximate quantiles: exactness does not
        // depend on them, only the balance of the partitions does.
        let cuts = (1..partitions)
            .map(|i| format!("{:.6}", i as f64 / partitions as f64))
            .collect::<Vec<_>>()
            .join(", ");
        (
            "size(filter(c.cuts, x -> x < g.v))".to_string(),
            format!(" CROSS JOIN (SELECT percentile_approx(v, array({cuts})) AS cuts FROM v) c"),
        )
    };
    let dec = |x: &str| format!("CAST({x} AS DECIMAL(38, 0))");
    let diff = |c1: &str, c2: &str| dec(&format!("{} * {n2} - {} * {n1}", dec(c1), dec(c2)));
    // The walk over a chain: `hi` ends the open group whose first value is
    // `a` and whose difference so far is `d`; the best differences found
    // (`pp` at `pa`, `mm` at `ma`) are updated when a group closes, the
    // first location kept on ties, as the local engine keeps it.
    let closed = |a: &str| {
        let plus = format!("{a}.a IS NOT NULL AND {a}.d > 0 AND {a}.d > {a}.pp");
        let minus = format!("{a}.a IS NOT NULL AND {a}.d < 0 AND -{a}.d > {a}.mm");
        format!(
            "'pp', IF({plus}, {a}.d, {a}.pp), 'pa', IF({plus}, {a}.a, {a}.pa), \
             'mm', IF({minus}, -{a}.d, {a}.mm), 'ma', IF({minus}, {a}.a, {a}.ma)"
        )
    };
    let zero = dec("0");
    let init = format!(
        "named_struct('hi', double('-Infinity'), 'a', CAST(NULL AS DOUBLE), 'd', {zero}, \
         'pp', {zero}, 'pa', CAST(NULL AS DOUBLE), 'mm', {zero}, 'ma', CAST(NULL AS DOUBLE))"
    );
    let merge = format!(
        "(a, x) -> IF(a.a IS NULL OR x.v > a.hi, \
           named_struct('hi', {}, 'a', x.v, 'd', {}, {}), \
           named_struct('hi', a.hi, 'a', a.a, 'd', {}, 'pp', a.pp, 'pa', a.pa, 'mm', a.mm, 'ma', a.ma))",
        group_end("x.v", tolerance),
        diff("x.c1", "x.c2"),
        closed("a"),
        diff("x.c1", "x.c2"),
    );
    let finish = format!("a -> named_struct({})", closed("a"));
    let mut ranks: [Vec<usize>; 2] = Default::default();
    for (side, n) in c.n.iter().enumerate() {
        for q in QUANTILES {
            if let Some((lo, hi, _)) = summary::quantile_ranks(*n as usize, q) {
                ranks[side].extend([lo, hi]);
            }
        }
        ranks[side].sort_unstable();
        ranks[side].dedup();
    }
    let order_stats: String = (0..2)
        .flat_map(|side| {
            ranks[side]
                .iter()
                .map(move |r| format!(", min(v) FILTER (WHERE cum{0} > {r}) AS o{0}_{r}", side + 1))
        })
        .collect();
    let per_side: String = (1..=2)
        .map(|s| {
            format!(
                ", count_if(c{s} > 0) AS distinct{s}, min(v) FILTER (WHERE c{s} > 0) AS min{s}, \
                 max(v) FILTER (WHERE c{s} > 0) AS max{s}, \
                 min(v) FILTER (WHERE c{s} > 0 AND abs(v) < double('Infinity')) AS fmin{s}, \
                 max(v) FILTER (WHERE c{s} > 0 AND abs(v) < double('Infinity')) AS fmax{s}"
            )
        })
        .collect();
    const PRECEDING: &str = "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING";
    // Every distinct value with both samples' counts up to it, its
    // difference, and whether it may be tied with its neighbours.
    let values = format!(
        "WITH v AS ({values}),
         g AS (SELECT v, count_if(s = 1) AS c1, count_if(s = 2) AS c2 FROM v GROUP BY v),
         p AS (SELECT g.*, {part} AS part FROM g{cuts}),
         t AS (SELECT part, sum(c1) AS t1, sum(c2) AS t2, min(v) AS lo, max(v) AS hi FROM p GROUP BY part),
         o AS (SELECT part, coalesce(sum(t1) OVER (ORDER BY part {PRECEDING}), 0) AS o1,
                      coalesce(sum(t2) OVER (ORDER BY part {PRECEDING}), 0) AS o2,
                      lag(hi) OVER (ORDER BY part) AS before, lead(lo) OVER (ORDER BY part) AS after FROM t),
         w AS (SELECT p.part, p.v, p.c1, p.c2,
                      sum(p.c1) OVER (PARTITION BY p.part ORDER BY p.v ROWS UNBOUNDED PRECEDING) + o.o1 AS cum1,
                      sum(p.c2) OVER (PARTITION BY p.part ORDER BY p.v ROWS UNBOUNDED PRECEDING) + o.o2 AS cum2,
                      coalesce(lag(p.v) OVER (PARTITION BY p.part ORDER BY p.v), o.before) AS prev,
                      coalesce(lead(p.v) OVER (PARTITION BY p.part ORDER BY p.v), o.after) AS next
               FROM p JOIN o ON p.part = o.part),
         e AS (SELECT *, {diff} AS diff,
                      coalesce(v <= {end_prev}, false) AS tied_prev,
                      coalesce(next <= {end_v}, false) AS tied_next FROM w)",
        values = c.values,
        diff = diff("cum1", "cum2"),
        end_prev = group_end("prev", tolerance),
        end_v = group_end("v", tolerance),
    );
    // The lone values' extremes and the summaries, in one pass; near-ties
    // (rare: floating-point noise) are counted, and walked only if any.
    let r = one_row(spark.sql(&format!(
        "{values}
         SELECT
             CAST(coalesce(max(diff) FILTER (WHERE NOT tied_prev AND NOT tied_next AND diff > 0), 0) AS STRING) AS sp,
             max_by(v, named_struct('d', diff, 'nv', -v)) FILTER (WHERE NOT tied_prev AND NOT tied_next AND diff > 0) AS sp_at,
             CAST(coalesce(-min(diff) FILTER (WHERE NOT tied_prev AND NOT tied_next AND diff < 0), 0) AS STRING) AS sm,
             min_by(v, named_struct('d', diff, 'v', v)) FILTER (WHERE NOT tied_prev AND NOT tied_next AND diff < 0) AS sm_at,
             count_if(tied_prev OR tied_next) AS tied
             {per_side}{order_stats}
         FROM e"
    ))?)?;
    let chains = if int(&r, "tied", 0)? == 0 {
        None
    } else {
        Some(one_row(spark.sql(&format!(
            "{values},
             ls AS (SELECT part, max(v) FILTER (WHERE NOT tied_prev AND tied_next) AS last FROM e GROUP BY part),
             pr AS (SELECT part, max(last) OVER (ORDER BY part {PRECEDING}) AS prior FROM ls),
             k AS (SELECT e.v, e.cum1, e.cum2,
                          coalesce(max(IF(e.tied_prev, NULL, e.v)) OVER (PARTITION BY e.part ORDER BY e.v ROWS UNBOUNDED PRECEDING), pr.prior) AS chain
                   FROM e JOIN pr ON e.part = pr.part WHERE e.tied_prev OR e.tied_next),
             ch AS (SELECT aggregate(array_sort(collect_list(named_struct('v', v, 'c1', cum1, 'c2', cum2))), {init}, {merge}, {finish}) AS r
                    FROM k GROUP BY chain)
             SELECT CAST(coalesce(max(r.pp), 0) AS STRING) AS cp,
                 max_by(r.pa, named_struct('d', r.pp, 'na', -r.pa)) FILTER (WHERE r.pp > 0) AS cp_at,
                 CAST(coalesce(max(r.mm), 0) AS STRING) AS cm,
                 max_by(r.ma, named_struct('d', r.mm, 'na', -r.ma)) FILTER (WHERE r.mm > 0) AS cm_at
             FROM ch"
        ))?)?)
    };
    let big = |df: &DataFrame, name: &str| -> Result<u128, SparkError> {
        Ok(df
            .column(name)?
            .str()?
            .get(0)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0))
    };
    let at_in = |df: &DataFrame, name: &str| -> Result<f64, SparkError> {
        Ok(float(df, name)?.unwrap_or(f64::NAN))
    };
    let at = |name: &str| at_in(&r, name);
    // The best of the lone values and of the chains; on equal differences
    // the smaller location, as the local walk (in value order) keeps.
    let best = |a: (u128, f64), b: (u128, f64)| match a.0.cmp(&b.0) {
        std::cmp::Ordering::Greater => a,
        std::cmp::Ordering::Less => b,
        std::cmp::Ordering::Equal if b.1 < a.1 => b,
        std::cmp::Ordering::Equal => a,
    };
    let (mut plus, mut minus) = (
        (big(&r, "sp")?, at("sp_at")?),
        (big(&r, "sm")?, at("sm_at")?),
    );
    if let Some(ch) = &chains {
        plus = best(plus, (big(ch, "cp")?, at_in(ch, "cp_at")?));
        minus = best(minus, (big(ch, "cm")?, at_in(ch, "cm_at")?));
    }
    let result = ks::from_extremes(
        n1 as usize,
        n2 as usize,
        Extremes {
            plus: plus.0,
            plus_at: plus.1,
            minus: minus.0,
            minus_at: minus.1,
        },
        Alternative::TwoSided,
        Method::Auto,
    );
    let pair = |name: &str| -> Result<[Option<f64>; 2], SparkError> {
        Ok([
            float(&r, &format!("{name}1"))?,
            float(&r, &format!("{name}2"))?,
        ])
    };
    let mut order: [HashMap<usize, f64>; 2] = Default::default();
    for side in 0..2 {
        for &rank in &ranks[side] {
            let name = format!("o{}_{rank}", side + 1);
            order[side].insert(rank, at(&name)?);
        }
    }
    Ok(KsStats {
        result,
        distinct: [int(&r, "distinct1", 0)?, int(&r, "distinct2", 0)?],
        min: pair("min")?,
        max: pair("max")?,
        finite_min: pair("fmin")?,
        finite_max: pair("fmax")?,
        order,
    })
}

/// The KS test of `column` of two views, computed on the cluster (the
/// column read as doubles). For checking the SQL against the local engine.
pub fn ks_counts(
    spark: &Spark,
    base_view: &str,
    head_view: &str,
    column: &str,
    partitions: usize,
    tolerance: Option<f64>,
) -> Result<KsResult, SparkError> {
    let c = super::ident(column);
    let x = |view: &str| format!("CAST({view}.{c} AS DOUBLE)");
    let n = one_row(spark.sql(&format!(
        "SELECT (SELECT count_if({0} IS NOT NULL AND NOT isnan({0})) FROM {base_view}) AS n1, \
                (SELECT count_if({1} IS NOT NULL AND NOT isnan({1})) FROM {head_view}) AS n2",
        x(base_view),
        x(head_view)
    ))?)?;
    let column = Column {
        values: values_sql(&[x(base_view), x(head_view)], [base_view, head_view]),
        n: [int(&n, "n1", 0)?, int(&n, "n2", 0)?],
    };
    Ok(ks_stats(spark, &column, tolerance, partitions)?.result)
}

/// A numeric feature's test result and both sides' summaries.
fn fill_numbers(feature: &mut Feature, stats: &KsStats, sides: [&SideNumbers; 2], rows: [u64; 2]) {
    if feature.test == TestName::Ks {
        local::fill_ks(feature, &stats.result);
    }
    let summary = |side: usize| {
        let (n, rows) = (sides[side].n, rows[side]);
        let at = |rank| stats.at(side, rank);
        let nulls = rows - n;
        Summary {
            rows,
            nulls,
            null_fraction: summary::fraction(nulls, rows),
            distinct: stats.distinct[side],
            numeric: (n > 0).then(|| NumericSummary {
                mean: sides[side].mean.unwrap_or(f64::NAN),
                std: if n > 1 {
                    sides[side].std.unwrap_or(f64::NAN)
                } else {
                    f64::NAN
                },
                min: stats.min[side].unwrap_or(f64::NAN),
                median: summary::quantile_by(n as usize, 0.5, at),
                p99: summary::quantile_by(n as usize, 0.99, at),
                max: stats.max[side].unwrap_or(f64::NAN),
            }),
        }
    };
    feature.base = summary(0);
    feature.head = summary(1);
}

/// The histogram and ECDF counts on the axes the local engine would draw,
/// counted on the cluster.
fn numeric_plot(
    spark: &Spark,
    c: &Column,
    stats: &KsStats,
    d_at: Option<f64>,
) -> Result<Option<crate::model::Plot>, SparkError> {
    if c.n[0] == 0 || c.n[1] == 0 {
        return Ok(None);
    }
    let spread = |side: usize| {
        Spread::of(
            c.n[side] as usize,
            |rank| stats.at(side, rank),
            stats.finite_min[side].unwrap_or(0.0),
            stats.finite_max[side].unwrap_or(0.0),
        )
    };
    let axes = local::axes(spread(0), spread(1));
    let array = |xs: &[f64]| format!("array({})", sql_list(xs, ", ", |x| lit(*x)));
    let (lo, hi) = (axes.edges[0], axes.edges[BINS]);
    // Each value's bin (the inner edges at or below it) and grid bucket
    // (the grid points below it): estimated arithmetically, then checked
    // against the neighbouring edges, which makes them exact while the
    // edges are far apart compared with the numbers' precision; where they
    // are not, counted against every edge.
    let inner = array(&axes.edges[1..BINS]);
    let grid = array(&axes.grid);
    let coarse = (hi - lo) / (BINS * GRID) as f64 > 1e-9 * lo.abs().max(hi.abs());
    let counted = |arr: &str, estimate: String, below: &str, above: &str, exhaustive: String| {
        if coarse {
            format!(
                "{estimate} - IF(coalesce(get({arr}, {estimate} - 1) {below} v, false), 1, 0) \
                 + IF(coalesce(get({arr}, {estimate}) {above} v, false), 1, 0)"
            )
        } else {
            exhaustive
        }
    };
    let bin_estimate = format!(
        "CAST(floor(least(greatest((v - {}) / {}, 0D), {}D)) AS INT)",
        lit(lo),
        lit((hi - lo) / BINS as f64),
        BINS - 1
    );
    let bucket_estimate = format!(
        "CAST(ceil(least(greatest((v - {}) / {}, 0D), {}D)) AS INT)",
        lit(lo),
        lit((hi - lo) / (GRID - 1) as f64),
        GRID
    );
    let bin = counted(
        &inner,
        "eb".to_string(),
        ">",
        "<=",
        format!("size(filter({inner}, x -> x <= v))"),
    );
    let bucket = counted(
        &grid,
        "eg".to_string(),
        ">=",
        "<",
        format!("size(filter({grid}, x -> x < v))"),
    );
    let at_d = match d_at.filter(|a| a.is_finite()) {
        Some(a) => format!("v <= {}", lit(a)),
        None => "false".into(),
    };
    let r = spark.sql(&format!(
        "SELECT s, bin, bucket, count(*) AS n, count_if(at) AS at FROM (
           SELECT s, {bin} AS bin, {bucket} AS bucket, {at_d} AS at FROM (
             SELECT v, s, {bin_estimate} AS eb, {bucket_estimate} AS eg FROM ({values})))
         GROUP BY s, bin, bucket",
        values = c.values
    ))?;
    let mut binned: [Binned; 2] = std::array::from_fn(|_| Binned {
        hist: vec![0; BINS],
        at_grid: vec![0; GRID],
        at_d: 0,
        n: 0,
    });
    let get = |name: &str| -> Result<Vec<u64>, SparkError> {
        Ok(r.column(name)?
            .cast(&DataType::UInt64)?
            .u64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (s, bins, buckets, n, at) = (
        get("s")?,
        get("bin")?,
        get("bucket")?,
        get("n")?,
        get("at")?,
    );
    for row in 0..s.len() {
        let side = &mut binned[(s[row] as usize).clamp(1, 2) - 1];
        side.hist[(bins[row] as usize).min(BINS - 1)] += n[row];
        // A value with b grid points below it is at or below points b...
        if let Some(first) = side.at_grid.get_mut(buckets[row] as usize) {
            *first += n[row];
        }
        side.at_d += at[row];
        side.n += n[row];
    }
    for side in &mut binned {
        // ...so the counts at or below each point accumulate.
        for k in 1..GRID {
            side.at_grid[k] += side.at_grid[k - 1];
        }
    }
    let [base, head] = binned;
    Ok(Some(assemble_plot(axes, d_at, base, head)))
}

/// Counts per category on both sides (as text, as the local engine counts
/// them), sorted by category, and the nulls.
fn category_counts(spark: &Spark, column: &str) -> Result<Counts, SparkError> {
    let c = super::ident(column);
    let r = spark.sql(&format!(
        "SELECT k, count_if(s = 1) AS c1, count_if(s = 2) AS c2 FROM (
           SELECT CAST(swl_b.{c} AS STRING) AS k, 1 AS s FROM swl_b
           UNION ALL SELECT CAST(swl_h.{c} AS STRING) AS k, 2 AS s FROM swl_h)
         GROUP BY k"
    ))?;
    let keys = r.column("k")?.str()?.clone();
    let (c1, c2) = (
        r.column("c1")?.cast(&DataType::UInt64)?,
        r.column("c2")?.cast(&DataType::UInt64)?,
    );
    let (c1, c2) = (c1.u64()?, c2.u64()?);
    let mut cats: Vec<(String, u64, u64)> = Vec::new();
    let (mut nulls_b, mut nulls_h) = (0, 0);
    for i in 0..r.height() {
        let (b, h) = (c1.get(i).unwrap_or(0), c2.get(i).unwrap_or(0));
        match keys.get(i) {
            Some(k) => cats.push((k.to_string(), b, h)),
            None => (nulls_b, nulls_h) = (b, h),
        }
    }
    Ok(local::sorted_counts(cats, (nulls_b, nulls_h)))
}
