//! Keyed distribution tables on the cluster, key by key: the local engine's
//! paired comparison ([`crate::distribution::paired`]) from one cached key
//! join. Per numeric feature: the changed-key counts, the median and
//! largest |Δ|, the typical move, and the Wilcoxon rank sums (average ranks
//! of tied |Δ| from one grouped window) all in SQL; the p-values computed
//! here by the local engine's code. At most 50 deltas come back whole,
//! where scipy's `auto` rule wants an exact test. Per categorical feature:
//! the changed-key counts and the most frequent transitions.

use super::join::{DUPLICATE_COUNTS, duplicates, key_join};
use super::{Spark, SparkError, float, ident, int, lit, one_row, sql_list};
use crate::config::Table;
use crate::diff::{SAMPLES, row_values, to_json};
use crate::distribution::paired::{Settings, TRANSITIONS, category_label, effect};
use crate::distribution::{paired_settings, tie_tolerance};
use crate::model::paired::{PLOT_POINTS, Paired, PairedKeys, PairedTest, Transition};
use crate::model::{Feature, RowSample, TableReport, TestName, ValueSample};
use crate::stats::paired::{self as tests, MAX_EXACT_N, Method};

/// A side's columns with their Spark types.
type SparkColumns = [(String, String)];

/// A row of the join matched on both sides.
const BOTH: &str = "b_row IS NOT NULL AND h_row IS NOT NULL";

/// A feature to compare key by key: its index in the report, whether it is
/// compared as numbers, and its Spark type on each side.
pub(super) struct Planned<'a> {
    pub index: usize,
    pub numbers: bool,
    pub types: [&'a str; 2],
}

/// Pairs the rows of a keyed distribution table and compares `features`
/// key by key into `report` (nothing for keyless tables; a note when head
/// lost a key column, whose removal is a regression of its own).
pub(super) fn compare(
    spark: &Spark,
    table: &Table,
    (bs, hs): (&SparkColumns, &SparkColumns),
    features: &[Planned<'_>],
    report: &mut TableReport,
) -> Result<(), SparkError> {
    if table.key.is_empty() {
        return Ok(());
    }
    let names = |c: &[(String, String)]| c.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    if let Some(why) = crate::diff::check_keys(table, &names(bs), &names(hs))? {
        report
            .key_notes
            .push(format!("{why}: features compared as distributions only"));
        return Ok(());
    }
    let join = key_join(table, bs, hs, report);
    let values = features
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = ident(&report.features[f.index].column);
            format!(", b.{c} AS ob{i}, h.{c} AS oh{i}")
        })
        .collect::<String>();
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_p AS SELECT {}{values} FROM {}",
        join.select, join.from
    ))?;
    // Every feature's queries read the join: compute it once.
    spark.sql("CACHE TABLE swl_p")?;
    let result = compare_cached(spark, table, features, report);
    spark.sql("UNCACHE TABLE IF EXISTS swl_p")?;
    result
}

fn compare_cached(
    spark: &Spark,
    table: &Table,
    features: &[Planned<'_>],
    report: &mut TableReport,
) -> Result<(), SparkError> {
    let counts = one_row(spark.sql(&format!(
        "SELECT count_if({BOTH}) AS paired, count_if(h_row IS NULL) AS only_base, \
         count_if(b_row IS NULL) AS only_head, {DUPLICATE_COUNTS} FROM swl_p"
    ))?)?;
    let count = |name: &str| int(&counts, name, 0);
    report.paired_keys = Some(PairedKeys {
        paired: count("paired")?,
        only_base: count("only_base")?,
        only_head: count("only_head")?,
    });
    report.duplicates = duplicates(spark, table, "swl_p", &count)?;
    let keys = sql_list(&table.key, ", ", |k| ident(k));
    let unpaired = |missing: &str, order: &str| -> Result<Vec<RowSample>, SparkError> {
        let df = spark.sql(&format!(
            "SELECT {keys} FROM swl_p WHERE {missing} IS NULL ORDER BY {order} LIMIT {SAMPLES}"
        ))?;
        (0..df.height())
            .map(|i| {
                Ok(RowSample {
                    values: row_values(&df, &table.key, i)?,
                    count: 1,
                })
            })
            .collect()
    };
    report.missing_samples = unpaired("h_row", "b_row")?;
    report.extra_samples = unpaired("b_row", "h_row")?;
    let tolerance = tie_tolerance(table);
    for (i, planned) in features.iter().enumerate() {
        let feature = &report.features[planned.index];
        let settings = paired_settings(table, feature, tolerance);
        let paired = if planned.numbers {
            let spread = feature.base.numeric.map_or(f64::NAN, |n| n.std);
            numeric(spark, &settings, i, planned.types, spread)?
        } else {
            categorical(spark, &settings, i)?
        };
        let mut paired = paired;
        if report.features[planned.index].test == TestName::None {
            paired.summary_only();
        }
        report.features[planned.index].paired = Some(paired);
    }
    Ok(())
}

/// Samples of the rows of `query` (keys, `ob`, `oh`): the key and both
/// values as written.
fn samples(spark: &Spark, key: &[String], query: &str) -> Result<Vec<ValueSample>, SparkError> {
    let df = spark.sql(query)?;
    (0..df.height())
        .map(|r| {
            Ok(ValueSample {
                key: row_values(&df, key, r)?,
                path: None,
                base: to_json(&df.column("ob")?.get(r)?),
                head: to_json(&df.column("oh")?.get(r)?),
            })
        })
        .collect()
}

/// Feature `i` of the join as numbers, key by key.
fn numeric(
    spark: &Spark,
    settings: &Settings<'_>,
    i: usize,
    [tb, th]: [&str; 2],
    spread: f64,
) -> Result<Paired, SparkError> {
    let keys = sql_list(settings.key, ", ", |k| ident(k));
    let (x, y) = (
        super::in_scale(&format!("ob{i}"), tb, settings.scale),
        super::in_scale(&format!("oh{i}"), th, settings.scale),
    );
    // The local engine's rule (`distribution::paired::unchanged`): equal,
    // or a finite difference within the relative tolerance.
    let tol = lit(settings.tolerance);
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_d AS SELECT b_row, {keys}, ob{i} AS ob, oh{i} AS oh, xv, yv, \
           CASE WHEN xv IS NULL OR yv IS NULL THEN NULL \
                WHEN xv = yv OR (abs(yv - xv) <= {tol} * greatest(abs(xv), abs(yv)) \
                                 AND abs(yv - xv) < double('Infinity')) THEN 0D \
                ELSE yv - xv END AS d \
         FROM (SELECT *, IF(isnan({x}), NULL, {x}) AS xv, IF(isnan({y}), NULL, {y}) AS yv \
               FROM swl_p WHERE {BOTH})"
    ))?;
    let c = one_row(spark.sql(
        "SELECT count(*) AS keys, count_if(xv IS NOT NULL AND yv IS NULL) AS to_null, \
         count_if(xv IS NULL AND yv IS NOT NULL) AS from_null, count_if(d > 0) AS up, \
         count_if(d < 0) AS down, count(d) AS given, coalesce(max(abs(d)), 0D) AS max_abs, \
         percentile(IF(d != 0, abs(d), NULL), 0.5) AS median_abs, \
         percentile(abs(d), 0.5) AS typical FROM swl_d",
    )?)?;
    let n = |name: &str| int(&c, name, 0);
    let mut out = settings.empty(n("keys")?);
    (out.to_null, out.from_null, out.up, out.down) =
        (n("to_null")?, n("from_null")?, n("up")?, n("down")?);
    let moved = out.up + out.down;
    out.changed = moved + out.to_null + out.from_null;
    out.max_abs_delta = float(&c, "max_abs")?.unwrap_or(0.0);
    out.median_abs_delta = float(&c, "median_abs")?.unwrap_or(0.0);
    out.effect = effect(float(&c, "typical")?.unwrap_or(0.0), spread);
    if moved > 0 {
        let given = n("given")? as usize;
        let w = if given <= MAX_EXACT_N {
            // Few enough for scipy's exact rules: the deltas themselves.
            let d = spark.sql("SELECT d FROM swl_d WHERE d IS NOT NULL")?;
            let d: Vec<f64> = d.column("d")?.f64()?.into_no_null_iter().collect();
            tests::wilcoxon(&d, Method::Auto)
        } else {
            // Average ranks of tied |d|: each distinct |d| with its count
            // and positives, ranks before it from one running sum.
            let r = one_row(spark.sql(
                "SELECT CAST(sum(CAST(pos AS DECIMAL(38,0)) * (2 * before + c + 1)) AS BIGINT) AS rp2, \
                 CAST(sum(CAST(c - pos AS DECIMAL(38,0)) * (2 * before + c + 1)) AS BIGINT) AS rm2, \
                 sum(CAST(c AS DOUBLE) * c * c - c) AS ties, sum(c) AS n \
                 FROM (SELECT c, pos, coalesce(sum(c) OVER (ORDER BY a \
                         ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before \
                       FROM (SELECT abs(d) AS a, count(*) AS c, count_if(d > 0) AS pos \
                             FROM swl_d WHERE d != 0 GROUP BY abs(d)))",
            )?)?;
            tests::asymptotic_from_ranks(
                int(&r, "n", 0)? as usize,
                (
                    u128::from(int(&r, "rp2", 0)?),
                    u128::from(int(&r, "rm2", 0)?),
                ),
                float(&r, "ties")?.unwrap_or(0.0),
            )
        };
        out.test = w.map(|w| PairedTest {
            n: w.n as u64,
            statistic: w.statistic,
            p_value: w.p_value,
            p_adjusted: f64::NAN,
            method: w.method.as_str(),
            sign_p_value: tests::sign_test(out.up, out.down),
        });
        let every = moved.div_ceil(PLOT_POINTS as u64).max(1);
        let points = spark.sql(&format!(
            "SELECT xv, d FROM (SELECT xv, d, row_number() OVER (ORDER BY b_row) AS rn \
             FROM swl_d WHERE d != 0) WHERE (rn - 1) % {every} = 0 ORDER BY rn"
        ))?;
        let (xs, ds) = (points.column("xv")?.f64()?, points.column("d")?.f64()?);
        out.points = xs.into_no_null_iter().zip(ds.into_no_null_iter()).collect();
    }
    if out.changed > 0 {
        // The largest changes first (a null on one side counts as
        // infinite), ties in pair order, as the local engine keeps them.
        out.samples = samples(
            spark,
            settings.key,
            &format!(
                "SELECT {keys}, ob, oh FROM (SELECT *, CASE \
                   WHEN (xv IS NULL) <> (yv IS NULL) THEN double('Infinity') \
                   WHEN d != 0 THEN abs(d) END AS size FROM swl_d) \
                 WHERE size IS NOT NULL ORDER BY size DESC, b_row LIMIT {SAMPLES}"
            ),
        )?;
    }
    Ok(out)
}

/// Feature `i` of the join as categories, key by key.
fn categorical(spark: &Spark, settings: &Settings<'_>, i: usize) -> Result<Paired, SparkError> {
    let keys = sql_list(settings.key, ", ", |k| ident(k));
    spark.sql(&format!(
        "CREATE OR REPLACE TEMP VIEW swl_c AS SELECT b_row, {keys}, ob{i} AS ob, oh{i} AS oh, \
           CAST(ob{i} AS STRING) AS xs, CAST(oh{i} AS STRING) AS ys FROM swl_p WHERE {BOTH}"
    ))?;
    let c = one_row(spark.sql(
        "SELECT count(*) AS keys, count_if(NOT (xs <=> ys)) AS changed, \
         count_if(xs IS NOT NULL AND ys IS NULL) AS to_null, \
         count_if(xs IS NULL AND ys IS NOT NULL) AS from_null FROM swl_c",
    )?)?;
    let n = |name: &str| int(&c, name, 0);
    let mut out = settings.empty(n("keys")?);
    (out.changed, out.to_null, out.from_null) = (n("changed")?, n("to_null")?, n("from_null")?);
    if out.changed == 0 {
        return Ok(out);
    }
    let t = spark.sql(&format!(
        "SELECT xs, ys, count(*) AS n FROM swl_c WHERE NOT (xs <=> ys) GROUP BY xs, ys \
         ORDER BY n DESC, xs IS NULL, xs, ys IS NULL, ys LIMIT {TRANSITIONS}"
    ))?;
    let (xs, ys) = (t.column("xs")?.str()?, t.column("ys")?.str()?);
    out.transitions = (0..t.height())
        .map(|r| {
            Ok(Transition {
                base: category_label(xs.get(r)),
                head: category_label(ys.get(r)),
                count: int(&t, "n", r)?,
            })
        })
        .collect::<Result<_, SparkError>>()?;
    out.samples = samples(
        spark,
        settings.key,
        &format!(
            "SELECT {keys}, ob, oh FROM swl_c WHERE NOT (xs <=> ys) ORDER BY b_row LIMIT {SAMPLES}"
        ),
    )?;
    Ok(out)
}

/// Features of `report` as [`Planned`] for [`compare`], given which were
/// compared as numbers and their types.
pub(super) fn plan<'a>(
    report: &TableReport,
    numbers: &[(String, [&'a str; 2])],
    categories: &[(String, [&'a str; 2])],
) -> Vec<Planned<'a>> {
    let index = |column: &str| {
        report
            .features
            .iter()
            .position(|f: &Feature| f.column == column)
    };
    numbers
        .iter()
        .map(|(c, t)| (c, t, true))
        .chain(categories.iter().map(|(c, t)| (c, t, false)))
        .filter_map(|(c, types, numbers)| {
            index(c).map(|index| Planned {
                index,
                numbers,
                types: *types,
            })
        })
        .collect()
}
