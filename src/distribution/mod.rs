//! Distribution comparison of one table's two sides (`compare =
//! "distribution"`): per column a two-sample KS test (numbers, dates) or a
//! chi-square test with PSI (categories), per-lane summaries, and the null
//! fraction. Columns are tested in parallel. The false-discovery adjustment
//! spans every table of a run, so it is applied afterwards by [`apply_fdr`].
//! Keyed tables are also compared key by key ([`paired`]): which keys'
//! values changed, and a paired test of the changes.

mod categories;
mod edited;
pub(crate) mod paired;
pub(crate) mod renamed;

use categories::fill_categories;
#[cfg(feature = "spark")]
pub(crate) use categories::{Counts, fill_categorical, sorted_counts};

use polars::prelude::*;
use rayon::prelude::*;

use crate::config::{Table, TestKind};
use crate::diff::{DiffError, KeyPairs, Source, check_keys, pair_keys, schema_diff};
use crate::model::paired::PairedKeys;
use crate::model::scale::Scale;
use crate::model::{Feature, TableReport, TestName, Untested};
use crate::stats::fdr::benjamini_hochberg;
use crate::stats::ks::{Alternative, KsResult, Method, ks_2samp_sorted};
// Values without NaN ascending (-0.0 and 0.0 compare equal in the KS
// merge: either order is fine).
use crate::stats::sort::{floats as sort, floats_on_every_core};
use crate::stats::summary::{self, Summary};

/// Compares `base` and `head` for `table` by distribution.
pub fn compare_distribution(
    table: &Table,
    base: &DataFrame,
    head: &DataFrame,
) -> Result<TableReport, DiffError> {
    let pair = |b: &str, h: &str| -> PolarsResult<(Series, Series)> {
        Ok((
            base.column(b)?.as_materialized_series().clone(),
            head.column(h)?.as_materialized_series().clone(),
        ))
    };
    compare_distribution_with(table, (base.schema(), head.schema()), usize::MAX, pair)
}

/// Compares by distribution the two sides whose schemas are `schemas`,
/// asking `columns(in_base, in_head)` for each tested column's two sides
/// (under one name, or a renamed column's two) only when it is its turn:
/// at most `in_flight` column pairs are held at once (they are tested in
/// parallel; a keyed table's pairs count as one). Ignored columns are
/// never asked for.
pub fn compare_distribution_with(
    table: &Table,
    (base, head): (&Schema, &Schema),
    in_flight: usize,
    columns: impl Fn(&str, &str) -> PolarsResult<(Series, Series)> + Sync,
) -> Result<TableReport, DiffError> {
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    report.ignored = table.ignore.clone();
    report.schema = schema_diff(base, head, table);
    report.precision = Some(table.precision);
    let polars_err = |source| DiffError::Polars {
        table: table.name.clone(),
        source,
    };
    let renamed = renamed::find(&report.schema, |from, to| {
        let (b, h) = columns(from, to)?;
        renamed::same_values(&b, &h)
    })
    .map_err(polars_err)?;
    crate::diff::apply_renames(&mut report, renamed);
    let pair = |name: &str| columns(name, name);
    let columns: Vec<&str> = base
        .iter_names()
        .map(|c| c.as_str())
        .filter(|c| {
            !table.key.iter().any(|k| k == c)
                && !table.ignore.iter().any(|i| i == c)
                && head.contains(c)
        })
        .collect();
    let tolerance = tie_tolerance(table);
    // A side without a value in a column, read as text only for want of
    // one (a CSV column left empty, a header alone), takes the other
    // side's type, as exact tables read it: its emptiness is the finding
    // (a null shift, an emptied table), not a change of type.
    let untyped = std::sync::Mutex::new(Vec::<String>::new());
    let pair = |name: &str| -> PolarsResult<(Series, Series)> {
        let (b, h) = pair(name)?;
        let no_type = |s: &Series| {
            s.null_count() == s.len() && matches!(s.dtype(), DataType::String | DataType::Null)
        };
        let (b, h) = match (no_type(&b), no_type(&h)) {
            (true, false) => (b.cast(h.dtype())?, h),
            (false, true) => {
                let h = h.cast(b.dtype())?;
                (b, h)
            }
            _ => return Ok((b, h)),
        };
        untyped.lock().unwrap().push(name.to_string());
        Ok((b, h))
    };
    if !table.key.is_empty() {
        crate::progress::step(|| crate::progress::Step::Within("pairing keys".into()));
    }
    let done = std::sync::atomic::AtomicUsize::new(0);
    let progress = || {
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        crate::progress::step(|| crate::progress::Step::Columns {
            done,
            total: columns.len(),
        });
    };
    // The keys are paired while the first columns are read, and tested
    // or, for numbers, base's sorted ([`Early`]; the pairing is one core's
    // work for half a second on 10M shuffled keys: reading alone left the
    // other core idle for half of it). Then, once the keys are paired,
    // lanes (one per column pair's place in flight; the pairs hold one
    // more) each compare one column at a time: first a column of the first
    // batch key by key, then the next column no lane has taken, read,
    // tested and compared key by key beside each other. A lane takes a
    // column as soon as it is free, so that no column's last step runs
    // alone on one core while the next waits for it (batches of one
    // column each left a core idle 0.1 s at the end of a column sorted on
    // both sides: BENCHMARKS.md, thirty-seventh session). A keyless table
    // has no keys to pair: its columns all go to `in_flight` lanes. (Tested
    // in batches of `in_flight` columns, each batch waited for the last
    // column of the one before: 1.041 -> 1.017 s on bench/distribution.sh's
    // four float columns, 1.835 -> 1.772 s on 10M x 8 normal floats,
    // BENCHMARKS.md, fiftieth session.)
    let (per_batch, lanes) = match (table.key.is_empty(), in_flight) {
        (true, n) => (0, n.max(1)),
        (false, n) => {
            let lanes = n.saturating_sub(1).max(1);
            ((lanes / 2).max(1), lanes)
        }
    };
    let (first, later) = columns.split_at(per_batch.min(columns.len()));
    let keyed = !table.key.is_empty();
    let pair_error = |e| match e {
        PairError::Diff(d) => d,
        PairError::Polars(p) => polars_err(p),
    };
    // The key columns read first, both sides at once: the pairing waits
    // on them. Read beside the first columns, they came last, and the
    // pairing of 10M shuffled keys began 0.6 s into the run and left a
    // core idle at its end (BENCHMARKS.md, thirty-fifth session).
    let keys = key_frames(table, (base, head), &pair, &mut report).map_err(pair_error)?;
    let (pairs, first) = rayon::join(
        || {
            keys.map(|(b, h)| pair_frames(table, (&b, &h), &mut report))
                .transpose()
        },
        || {
            first
                .par_iter()
                .map(|&name| early(table, name, pair(name)?, keyed, tolerance))
                .collect::<PolarsResult<Vec<_>>>()
        },
    );
    let pairs = pairs.map_err(polars_err)?;
    let first = first.map_err(polars_err)?;
    let compare = |name: &str, (b, h): (Series, Series)| {
        let f = match &pairs {
            // Nothing needs the columns after their test: each side is let
            // go once its values are copied out to be sorted.
            None => compare_column(table, name, b, h, tolerance)?,
            Some(pairs) => compare_keyed_column(table, name, (b, h), pairs, tolerance)?,
        };
        progress();
        Ok(f)
    };
    let by_key = |early: Early| {
        let f = early.finish(table, pairs.as_ref(), tolerance);
        progress();
        f
    };
    // Each column's result with its place among the columns: the lanes
    // finish them in any order.
    let early_count = first.len();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut starts: Vec<Option<(usize, Early)>> = first.into_iter().enumerate().map(Some).collect();
    // No more lanes than columns (the frames in memory have as many places
    // as they like).
    let lanes = lanes.min(early_count + later.len()).max(early_count);
    starts.resize_with(lanes, || None);
    let mut placed: Vec<_> = starts
        .into_par_iter()
        .flat_map_iter(|start| {
            let mut placed = Vec::new();
            if let Some((i, early)) = start {
                placed.push((i, by_key(early)));
            }
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&name) = later.get(k) else { break };
                placed.push((early_count + k, pair(name).and_then(|p| compare(name, p))));
            }
            placed
        })
        .collect();
    placed.sort_by_key(|(i, _)| *i);
    let results = placed.into_iter().map(|(_, r)| r);
    for r in results {
        match r.map_err(polars_err)? {
            Ok(f) => report.features.push(f),
            Err(u) => report.untested.push(u),
        }
    }
    let untyped = untyped.into_inner().unwrap_or_default();
    report
        .schema
        .changed
        .retain(|c| !untyped.contains(&c.column));
    Ok(report)
}

enum PairError {
    Diff(DiffError),
    Polars(PolarsError),
}

/// A column of the first batch, read while the keys pair.
enum Early {
    /// A keyed table's numeric feature: base's numbers sorted meanwhile;
    /// head's are made from them and the pairs that changed once the pairs
    /// say which did (when few did), else sorted then. Sorting head's
    /// while the keys paired, as for any other column, sorted a column
    /// more than the pairs needed.
    Numbers {
        feature: Feature,
        base: (Vec<f64>, u64),
        sides: (Series, Series),
    },
    /// Tested whole; with both sides kept for the key by key comparison
    /// when the table is keyed.
    Tested {
        tested: Result<Feature, Untested>,
        sides: Option<(Series, Series)>,
    },
}

/// Column `name` of the first batch, as far as it goes before the keys are
/// paired.
fn early(
    table: &Table,
    name: &str,
    (b, h): (Series, Series),
    keyed: bool,
    tolerance: f64,
) -> PolarsResult<Early> {
    let feature = match plan_column(table, name, (&b, &h)) {
        Ok(feature) => feature,
        Err(untested) => {
            return Ok(Early::Tested {
                tested: Err(untested),
                sides: None,
            });
        }
    };
    if keyed && as_numbers(&feature, kind(b.dtype()), kind(h.dtype())) {
        // On every core: keys in order pair in a fraction of the time, and
        // a sort per column then left a core idle (key order 1.47 -> 1.54
        // s, BENCHMARKS.md, thirty-fifth session).
        let base = sorted_values(b.clone(), feature.scale, floats_on_every_core)?;
        return Ok(Early::Numbers {
            feature,
            base,
            sides: (b, h),
        });
    }
    // Both sides kept for the key by key comparison once the keys are
    // paired (the test takes handles to them).
    let sides = keyed.then(|| (b.clone(), h.clone()));
    Ok(Early::Tested {
        tested: Ok(test_column(feature, b, h, tolerance)?),
        sides,
    })
}

impl Early {
    /// The column's feature, compared key by key when `pairs` are known.
    fn finish(
        self,
        table: &Table,
        pairs: Option<&KeyPairs>,
        tolerance: f64,
    ) -> PolarsResult<Result<Feature, Untested>> {
        match (self, pairs) {
            (
                Early::Numbers {
                    feature,
                    base,
                    sides: (b, h),
                },
                pairs,
            ) => {
                if let Some(pairs) = pairs
                    && paired::few_differ(pairs, (&b, &h))?
                {
                    let by_key = key_by_key(table, &feature, (&b, &h), pairs, tolerance, true)?;
                    drop(b);
                    return keyed_numbers(feature, base, by_key, h, tolerance).map(Ok);
                }
                // Many pairs changed: head's sorted beside the key by key
                // comparison, not after it. Keys that could not be paired
                // (a note says why): head's sorted, the feature tested as
                // two samples.
                let (head, by_key) = rayon::join(
                    || sorted_values(h.clone(), feature.scale, sort),
                    || {
                        pairs
                            .map(|p| key_by_key(table, &feature, (&b, &h), p, tolerance, false))
                            .transpose()
                    },
                );
                let head = head?;
                let mut feature = test_sorted(feature, base, (Some(head.0), head.1), tolerance);
                if let Some(by_key) = by_key? {
                    by_key.attach(&mut feature);
                }
                Ok(Ok(feature))
            }
            (
                Early::Tested {
                    tested: Ok(mut feature),
                    sides: Some((b, h)),
                },
                Some(pairs),
            ) => {
                key_by_key(table, &feature, (&b, &h), pairs, tolerance, false)?
                    .attach(&mut feature);
                Ok(Ok(feature))
            }
            (Early::Tested { tested, .. }, _) => Ok(tested),
        }
    }
}

/// A keyed table's key columns, as a frame per side (`None` when keyless,
/// or when head lost a key column: a note says so, and the removal is a
/// regression of its own). A key base lacks is the same error as for
/// exact tables.
fn key_frames(
    table: &Table,
    (base, head): (&Schema, &Schema),
    pair: &(impl Fn(&str) -> PolarsResult<(Series, Series)> + Sync),
    report: &mut TableReport,
) -> Result<Option<(DataFrame, DataFrame)>, PairError> {
    if table.key.is_empty() {
        return Ok(None);
    }
    let names = |s: &Schema| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>();
    if let Some(why) = check_keys(table, &names(base), &names(head)).map_err(PairError::Diff)? {
        report
            .key_notes
            .push(format!("{why}: features compared as distributions only"));
        return Ok(None);
    }
    let mut sides = (Vec::new(), Vec::new());
    for k in &table.key {
        let (b, h) = pair(k).map_err(PairError::Polars)?;
        sides.0.push(Column::from(b));
        sides.1.push(Column::from(h));
    }
    let frame = |columns: Vec<Column>| {
        let height = columns.first().map_or(0, Column::len);
        DataFrame::new(height, columns)
    };
    Ok(Some((
        frame(sides.0).map_err(PairError::Polars)?,
        frame(sides.1).map_err(PairError::Polars)?,
    )))
}

/// A keyed table's rows paired by key, from its key columns.
fn pair_frames(
    table: &Table,
    (b, h): (&DataFrame, &DataFrame),
    report: &mut TableReport,
) -> PolarsResult<KeyPairs> {
    let pairs = pair_keys(report, table, Source::Frame(b), Source::Frame(h))?;
    let (only_base, only_head) = pairs.unpaired();
    report.paired_keys = Some(PairedKeys {
        paired: pairs.len() as u64,
        only_base,
        only_head,
    });
    Ok(pairs)
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Numeric,
    Categorical,
    Other,
}

fn kind(dtype: &DataType) -> Kind {
    if dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_temporal() {
        Kind::Numeric
    } else if matches!(
        dtype,
        DataType::Boolean | DataType::String | DataType::Categorical(..) | DataType::Enum(..)
    ) {
        Kind::Categorical
    } else {
        Kind::Other
    }
}

/// The test column `name` gets from its kinds and type names on both
/// sides (and the table's settings), as a feature to fill in; or why it
/// gets none. Shared by the local and the Spark engine.
pub(crate) fn plan(
    table: &Table,
    name: &str,
    (kb, tb): (Kind, &str),
    (kh, th): (Kind, &str),
) -> Result<Feature, Untested> {
    let settings = table.column_settings(name);
    let untested = |reason: String, regression: bool| {
        Err(Untested {
            column: name.to_string(),
            reason,
            regression,
        })
    };
    if kb == Kind::Other || kh == Kind::Other {
        return untested(format!("{tb} values have no distribution test"), false);
    }
    // Dates and times are tested as their physical numbers, both sides in
    // one scale (a date as its midnight beside timestamps, two time units
    // in the finer); numbers against dates, or one kind of time against
    // another, in none.
    let scale = if kb == Kind::Numeric && kh == Kind::Numeric {
        match Scale::common(Scale::of_type(tb), Scale::of_type(th)) {
            Some(scale) => scale,
            None => {
                return untested(
                    format!("changed type from {tb} to {th}: the distributions cannot be compared"),
                    true,
                );
            }
        }
    } else {
        Scale::Number
    };
    let test = match settings.test {
        Some(TestKind::Ks) if kb != Kind::Numeric || kh != Kind::Numeric => {
            return untested(
                format!("`test = \"ks\"` needs numbers, but it is {tb} -> {th}"),
                true,
            );
        }
        Some(TestKind::Ks) => TestName::Ks,
        Some(TestKind::Chi2) => TestName::ChiSquare,
        Some(TestKind::None) => TestName::None,
        None if kb != kh => {
            return untested(
                format!("changed type from {tb} to {th}: the distributions cannot be compared"),
                true,
            );
        }
        None if kb == Kind::Numeric => TestName::Ks,
        None => TestName::ChiSquare,
    };
    Ok(Feature {
        column: name.to_string(),
        test,
        statistic: f64::NAN,
        p_value: f64::NAN,
        p_adjusted: f64::NAN,
        effect: f64::NAN,
        df: None,
        psi: None,
        location: None,
        alpha: settings.alpha.unwrap_or(table.alpha),
        min_effect: settings.min_effect.unwrap_or(table.min_effect),
        max_null_shift: table.max_null_shift,
        scale,
        base: Summary::default(),
        head: Summary::default(),
        plot: None,
        paired: None,
    })
}

/// Whether a planned feature is compared as numbers (KS, histograms)
/// rather than as categories.
pub(crate) fn as_numbers(feature: &Feature, kb: Kind, kh: Kind) -> bool {
    kb == Kind::Numeric && kh == Kind::Numeric && feature.test != TestName::ChiSquare
}

/// The relative tolerance within which the KS test ties two numbers.
pub(crate) fn tie_tolerance(table: &Table) -> f64 {
    10f64.powi(-(table.precision as i32))
}

/// Fills in a KS feature's statistic, p-value, effect and location.
pub(crate) fn fill_ks(feature: &mut Feature, r: &KsResult) {
    feature.statistic = r.statistic;
    feature.p_value = r.p_value;
    feature.effect = r.statistic;
    feature.location = Some(r.location).filter(|l| !l.is_nan());
}

/// Column `name`'s planned feature: what test its two sides' types take,
/// or why they take none.
fn plan_column(
    table: &Table,
    name: &str,
    (base, head): (&Series, &Series),
) -> Result<Feature, Untested> {
    let (tb, th) = (base.dtype().to_string(), head.dtype().to_string());
    plan(
        table,
        name,
        (kind(base.dtype()), &tb),
        (kind(head.dtype()), &th),
    )
}

/// Column `name`'s two sides compared as distributions.
fn compare_column(
    table: &Table,
    name: &str,
    base: Series,
    head: Series,
    tolerance: f64,
) -> PolarsResult<Result<Feature, Untested>> {
    match plan_column(table, name, (&base, &head)) {
        Ok(feature) => test_column(feature, base, head, tolerance).map(Ok),
        Err(u) => Ok(Err(u)),
    }
}

/// A keyed table's column `name`: its distributions tested, and its values
/// compared key by key beside them (neither waits for the other: the
/// effect, which needs base's spread, is set when both are done).
fn compare_keyed_column(
    table: &Table,
    name: &str,
    (base, head): (Series, Series),
    pairs: &KeyPairs,
    tolerance: f64,
) -> PolarsResult<Result<Feature, Untested>> {
    let planned = match plan_column(table, name, (&base, &head)) {
        Ok(f) => f,
        Err(u) => return Ok(Err(u)),
    };
    if as_numbers(&planned, kind(base.dtype()), kind(head.dtype()))
        && paired::few_differ(pairs, (&base, &head))?
    {
        let (sorted, by_key) = rayon::join(
            || sorted_values(base.clone(), planned.scale, floats_on_every_core),
            || key_by_key(table, &planned, (&base, &head), pairs, tolerance, true),
        );
        return keyed_numbers(planned, sorted?, by_key?, head, tolerance).map(Ok);
    }
    let (tested, by_key) = rayon::join(
        || test_column(planned.clone(), base.clone(), head.clone(), tolerance),
        || key_by_key(table, &planned, (&base, &head), pairs, tolerance, false),
    );
    let mut feature = tested?;
    by_key?.attach(&mut feature);
    Ok(Ok(feature))
}

/// A numeric feature of a keyed table, base's numbers in order (with its
/// nulls and NaN counted) and its key by key comparison: head's numbers
/// made from base's and the pairs that changed when few did, else sorted;
/// then tested, and the key by key comparison attached.
fn keyed_numbers(
    feature: Feature,
    (bv, bn): (Vec<f64>, u64),
    mut by_key: KeyByKey,
    head: Series,
    tolerance: f64,
) -> PolarsResult<Feature> {
    let edits = by_key.edits.take();
    let rows = head.len() as u64;
    let head_numbers = match edits {
        // No pair's numbers differ and no row without a pair holds a
        // number: head's numbers are base's.
        Some(e) if e.len() == 0 => None,
        edits => Some(match edits.and_then(|e| edited::apply(&bv, e)) {
            Some(hv) => hv,
            None => sorted_values(head, feature.scale, sort)?.0,
        }),
    };
    let hn = rows - head_numbers.as_ref().map_or(bv.len(), Vec::len) as u64;
    let mut feature = test_sorted(feature, (bv, bn), (head_numbers, hn), tolerance);
    by_key.attach(&mut feature);
    Ok(feature)
}

/// A planned feature's two sides tested as distributions, with their
/// summaries and plot.
fn test_column(
    mut feature: Feature,
    base: Series,
    head: Series,
    tolerance: f64,
) -> PolarsResult<Feature> {
    let (kb, kh) = (kind(base.dtype()), kind(head.dtype()));
    if as_numbers(&feature, kb, kh) {
        let scale = feature.scale;
        let (b, h) = rayon::join(|| values(base, scale), || values(head, scale));
        let ((mut bv, bn), (mut hv, hn)) = (b?, h?);
        // A column the change left as it was (a regression test's usual
        // case) holds the same values in the same order on both sides:
        // sorted and summarised once.
        let same = bn == hn && crate::stats::same_bits(&bv, &hv);
        if same {
            sort(&mut bv);
            return Ok(test_sorted(feature, (bv, bn), (None, hn), tolerance));
        }
        rayon::join(|| sort(&mut bv), || sort(&mut hv));
        Ok(test_sorted(feature, (bv, bn), (Some(hv), hn), tolerance))
    } else {
        fill_categories(&mut feature, &base, &head)?;
        Ok(feature)
    }
}

/// A planned numeric feature tested, both sides' numbers in order with
/// their nulls and NaN counted: head's `None` when they are base's.
fn test_sorted(
    mut feature: Feature,
    (bv, bn): (Vec<f64>, u64),
    (hv, hn): (Option<Vec<f64>>, u64),
    tolerance: f64,
) -> Feature {
    let same = hv.is_none() && bn == hn;
    let hv: &[f64] = hv.as_deref().unwrap_or(&bv);
    let summaries = || match same {
        true => {
            let s = summary::numeric(&bv, bn);
            (s.clone(), s)
        }
        false => rayon::join(|| summary::numeric(&bv, bn), || summary::numeric(hv, hn)),
    };
    // Each a pass over both columns or one: any idle core takes one.
    let ks = feature.test == TestName::Ks;
    let ((base, head), ks) = rayon::join(summaries, || {
        ks.then(|| {
            let r = ks_2samp_sorted(
                &bv,
                hv,
                Alternative::TwoSided,
                Method::Auto,
                Some(tolerance),
            );
            (
                r,
                numeric_plot(&bv, hv, Some(r.location).filter(|l| !l.is_nan())),
            )
        })
    });
    (feature.base, feature.head) = (base, head);
    feature.plot = match ks {
        Some((r, plot)) => {
            fill_ks(&mut feature, &r);
            plot
        }
        None => numeric_plot(&bv, hv, feature.location),
    };
    feature
}

/// A side's numbers put in order by `sort`, with its nulls and NaN
/// counted.
fn sorted_values(s: Series, scale: Scale, sort: fn(&mut [f64])) -> PolarsResult<(Vec<f64>, u64)> {
    let (mut v, nulls) = values(s, scale)?;
    sort(&mut v);
    Ok((v, nulls))
}

/// A feature of a keyed table compared key by key; for numbers, with the
/// typical |Δ| its effect is measured by.
struct KeyByKey {
    paired: crate::model::paired::Paired,
    typical: Option<f64>,
    /// What tells head's numbers apart from base's, when asked for and
    /// few.
    edits: Option<edited::Edits>,
}

impl KeyByKey {
    /// Into its tested `feature`, the effect set against base's spread.
    fn attach(mut self, feature: &mut Feature) {
        if let Some(typical) = self.typical {
            let spread = feature.base.numeric.map_or(f64::NAN, |n| n.std);
            self.paired.effect = paired::effect(typical, spread);
        }
        if feature.test == TestName::None {
            self.paired.summary_only();
        }
        feature.paired = Some(self.paired);
    }
}

/// `feature` (planned or tested) of a keyed table compared key by key.
fn key_by_key(
    table: &Table,
    feature: &Feature,
    (base, head): (&Series, &Series),
    pairs: &KeyPairs,
    tolerance: f64,
    edits: bool,
) -> PolarsResult<KeyByKey> {
    let (kb, kh) = (kind(base.dtype()), kind(head.dtype()));
    let settings = paired_settings(table, feature, tolerance);
    Ok(if as_numbers(feature, kb, kh) {
        let (paired, typical, edits) = paired::numeric(&settings, pairs, (base, head), edits)?;
        KeyByKey {
            paired,
            typical: Some(typical),
            edits,
        }
    } else {
        KeyByKey {
            paired: paired::categorical(&settings, pairs, (base, head))?,
            typical: None,
            edits: None,
        }
    })
}

pub(crate) fn paired_settings<'a>(
    table: &'a Table,
    feature: &Feature,
    tolerance: f64,
) -> paired::Settings<'a> {
    paired::Settings {
        key: &table.key,
        tolerance,
        alpha: feature.alpha,
        min_effect: table.min_paired_effect,
        max_changed_fraction: table.max_changed_fraction,
        scale: feature.scale,
    }
}

/// Non-null, non-NaN values as f64, in the column's order; and the count
/// of nulls + NaN. `s` is taken: unless the caller keeps a clone (a keyed
/// table's key by key part does), its memory is let go once copied.
fn values(s: Series, scale: Scale) -> PolarsResult<(Vec<f64>, u64)> {
    let rows = s.len();
    // Decimals as their values (their physical form is the unscaled
    // integer); dates and times as their physical numbers.
    let floats = paired::as_f64(&s, scale)?;
    drop(s);
    let (mut values, nan) = copied_values(floats.f64()?);
    drop(floats);
    // NaN is no value here, as null is (and rare: looked for as the
    // values are copied).
    if nan {
        values.retain(|v| !v.is_nan());
    }
    let nulls = (rows - values.len()) as u64;
    Ok((values, nulls))
}

/// A float column's valid values copied into a vector of their own, and
/// whether any is NaN (each run looked at as it is copied, while it is in
/// the cache).
fn copied_values(ca: &Float64Chunked) -> (Vec<f64>, bool) {
    // Room for the eight values at a time `keep_set` may write past the
    // last ones kept.
    let mut values: Vec<f64> = Vec::with_capacity(ca.len() - ca.null_count() + 64);
    let mut nan = false;
    let wide = crate::wide::Wide::here();
    for arr in ca.downcast_iter() {
        crate::validity::for_each_run(arr, |run, valid| {
            if valid == u64::MAX {
                values.extend_from_slice(run);
                nan |= run.iter().fold(false, |any, v| any | v.is_nan());
                return;
            }
            let at = values.len();
            values.resize(at + run.len().next_multiple_of(8), 0.0);
            let (from, out) = (
                bytemuck::cast_slice(run),
                bytemuck::cast_slice_mut(&mut values[at..]),
            );
            let kept = crate::wide::keep_set(wide, from, valid, out);
            values.truncate(at + kept);
            nan |= values[at..].iter().fold(false, |any, v| any | v.is_nan());
        });
    }
    (values, nan)
}

/// Histogram bins and ECDF grid points drawn per numeric feature.
pub(crate) const BINS: usize = 40;
pub(crate) const GRID: usize = 200;

/// One side's numbers as the plot's range needs them: the 0.1% and 99.9%
/// quantiles, and the smallest and largest finite values (0 when none).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spread {
    pub q_lo: f64,
    pub q_hi: f64,
    pub min: f64,
    pub max: f64,
}

impl Spread {
    /// Of a side with `n` values, whose `i`-th smallest is `at(i)`.
    pub(crate) fn of(n: usize, at: impl Fn(usize) -> f64, min: f64, max: f64) -> Spread {
        Spread {
            q_lo: summary::quantile_by(n, 0.001, &at),
            q_hi: summary::quantile_by(n, 0.999, &at),
            min,
            max,
        }
    }
}

/// The plot's shared histogram edges and its regular ECDF grid, over the
/// pooled 0.1%–99.9% range (so one outlier does not squash the picture).
pub(crate) struct Axes {
    pub edges: Vec<f64>,
    pub grid: Vec<f64>,
}

pub(crate) fn axes(base: Spread, head: Spread) -> Axes {
    let clamp = |s: Spread| (s.q_lo.max(s.min).min(s.max), s.q_hi.min(s.max).max(s.min));
    let ((bl, bh), (hl, hh)) = (clamp(base), clamp(head));
    let (mut lo, mut hi) = (bl.min(hl), bh.max(hh));
    if hi <= lo || hi.is_nan() || lo.is_nan() {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let width = (hi - lo) / BINS as f64;
    Axes {
        edges: (0..=BINS).map(|i| lo + width * i as f64).collect(),
        grid: (0..GRID)
            .map(|i| lo + (hi - lo) * i as f64 / (GRID - 1) as f64)
            .collect(),
    }
}

/// One side's counts on the axes: values per histogram bin (those below
/// the first edge in the first bin, from the last inner edge up in the
/// last), values at or below each grid point, at or below D's location,
/// and in all.
pub(crate) struct Binned {
    pub hist: Vec<u64>,
    pub at_grid: Vec<u64>,
    pub at_d: u64,
    pub n: u64,
}

/// The picture of a numeric feature from both sides' counts.
pub(crate) fn assemble_plot(
    axes: Axes,
    d_at: Option<f64>,
    base: Binned,
    head: Binned,
) -> crate::model::Plot {
    let fraction = |count: u64, b: &Binned| count as f64 / b.n as f64;
    let mut ecdf_x = axes.grid;
    let mut ecdf_base: Vec<f64> = base.at_grid.iter().map(|&c| fraction(c, &base)).collect();
    let mut ecdf_head: Vec<f64> = head.at_grid.iter().map(|&c| fraction(c, &head)).collect();
    let d_at = d_at.filter(|a| a.is_finite());
    if let Some(at) = d_at {
        let pos = ecdf_x.partition_point(|x| *x < at);
        ecdf_x.insert(pos, at);
        ecdf_base.insert(pos, fraction(base.at_d, &base));
        ecdf_head.insert(pos, fraction(head.at_d, &head));
    }
    crate::model::Plot::Numeric {
        base: base.hist.clone(),
        head: head.hist.clone(),
        ecdf_base,
        ecdf_head,
        d_at: d_at.map(|a| (a, fraction(base.at_d, &base), fraction(head.at_d, &head))),
        edges: axes.edges,
        ecdf_x,
    }
}

/// The plot of two sorted samples.
fn numeric_plot(base: &[f64], head: &[f64], d_at: Option<f64>) -> Option<crate::model::Plot> {
    if base.is_empty() || head.is_empty() {
        return None;
    }
    let spread = |v: &[f64]| {
        let min = v.iter().copied().find(|x| x.is_finite()).unwrap_or(0.0);
        let max = v
            .iter()
            .rev()
            .copied()
            .find(|x| x.is_finite())
            .unwrap_or(0.0);
        Spread::of(v.len(), |i| v[i], min, max)
    };
    let axes = axes(spread(base), spread(head));
    let binned = |v: &[f64]| {
        let mut hist = vec![0u64; BINS];
        let mut prev = 0;
        for (i, edge) in axes.edges.iter().enumerate().skip(1) {
            // Sorted input: each bin is a range found by binary search.
            let upto = if i == BINS {
                v.len()
            } else {
                v.partition_point(|x| x < edge)
            };
            hist[i - 1] = (upto - prev) as u64;
            prev = upto;
        }
        let at = |x: f64| v.partition_point(|y| *y <= x) as u64;
        Binned {
            hist,
            at_grid: axes.grid.iter().map(|&x| at(x)).collect(),
            at_d: d_at.map_or(0, at),
            n: v.len() as u64,
        }
    };
    let (b, h) = (binned(base), binned(head));
    Some(assemble_plot(axes, d_at, b, h))
}

/// Benjamini–Hochberg over every tested column of every table of the run;
/// fills each feature's `p_adjusted`.
pub fn apply_fdr(tables: &mut [TableReport]) {
    let mut p = Vec::new();
    for t in tables.iter() {
        for f in &t.features {
            p.push(if f.test == TestName::None {
                f64::NAN
            } else {
                f.p_value
            });
            if let Some(test) = f.paired.as_ref().and_then(|p| p.test) {
                p.push(test.p_value);
            }
        }
    }
    let q = benjamini_hochberg(&p);
    let mut q = q.into_iter();
    for t in tables.iter_mut() {
        for f in &mut t.features {
            f.p_adjusted = q.next().unwrap_or(f64::NAN);
            if let Some(test) = f.paired.as_mut().and_then(|p| p.test.as_mut()) {
                test.p_adjusted = q.next().unwrap_or(f64::NAN);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use rand_distr::{Bernoulli, Distribution, Normal};

    use super::*;
    use crate::config::{CompareMode, Format};
    use crate::model::Verdict;

    fn table(min_effect: f64) -> Table {
        Table {
            min_effect,
            ..Table::new(
                "features",
                "f.parquet",
                Format::Parquet,
                CompareMode::Distribution,
            )
        }
    }

    fn normal(rng: &mut StdRng, n: usize, mean: f64) -> Vec<f64> {
        let d = Normal::new(mean, 1.0).unwrap();
        (0..n).map(|_| d.sample(rng)).collect()
    }

    /// `t` compared with its columns read from `base` and `head`,
    /// `in_flight` column pairs at once.
    fn compared_in_flight(
        t: &Table,
        base: &DataFrame,
        head: &DataFrame,
        in_flight: usize,
    ) -> TableReport {
        compared_counting_reads(t, base, head, in_flight).0
    }

    /// [`compared_in_flight`], and how many column pairs it read.
    fn compared_counting_reads(
        t: &Table,
        base: &DataFrame,
        head: &DataFrame,
        in_flight: usize,
    ) -> (TableReport, usize) {
        let asked = std::sync::atomic::AtomicUsize::new(0);
        let pair = |b: &str, h: &str| -> PolarsResult<(Series, Series)> {
            asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok((
                base.column(b)?.as_materialized_series().clone(),
                head.column(h)?.as_materialized_series().clone(),
            ))
        };
        let r = compare_distribution_with(t, (base.schema(), head.schema()), in_flight, pair);
        (r.unwrap(), asked.into_inner())
    }

    fn run(t: &Table, base: DataFrame, head: DataFrame) -> TableReport {
        let mut r = compare_distribution(t, &base, &head).unwrap();
        apply_fdr(std::slice::from_mut(&mut r));
        r
    }

    /// However many column pairs the budget holds (one batch at a time,
    /// or the first batch compared key by key beside the next), a keyed
    /// table gets the same report, each column compared key by key, in
    /// the same order, each column read once.
    #[test]
    fn a_keyed_table_is_reported_alike_whatever_the_columns_in_flight() {
        let mut rng = StdRng::seed_from_u64(26);
        let n = 300;
        let ids: Vec<i64> = (0..n as i64).collect();
        let column = |rng: &mut StdRng, shift: f64| normal(rng, n, shift);
        let base = df!(
            "id" => &ids,
            "a" => column(&mut rng, 0.0),
            "b" => column(&mut rng, 0.0),
            "kind" => ids.iter().map(|i| ["x", "y"][(i % 2) as usize]).collect::<Vec<_>>(),
            "c" => column(&mut rng, 0.0),
            "d" => column(&mut rng, 0.0),
        )
        .unwrap();
        let mut head = base.clone();
        head.replace("b", Column::new("b".into(), column(&mut rng, 0.5)))
            .unwrap();
        head.replace("kind", Column::new("kind".into(), vec![1i64; n]))
            .unwrap();
        let t = Table {
            key: vec!["id".into()],
            ..table(0.1)
        };
        let reported = |in_flight: usize| {
            let (r, reads) = compared_counting_reads(&t, &base, &head, in_flight);
            // The key and each of the five columns, once.
            assert_eq!(reads, 6, "in flight {in_flight}");
            assert!(r.features.iter().all(|f| f.paired.is_some()), "{in_flight}");
            format!("{:?} {:?}", r.features, r.untested)
        };
        let all = reported(usize::MAX);
        assert!(all.contains("column: \"b\""), "{all}");
        for in_flight in [1, 2, 3, 4, 5, 7] {
            assert_eq!(reported(in_flight), all, "in flight {in_flight}");
        }
    }

    /// A keyless table's columns go to as many lanes as column pairs fit
    /// in flight, each lane taking the next column once its own is done:
    /// whatever that number, the same report, the columns (an untested
    /// one among them) in the schema's order, each read once.
    #[test]
    fn a_keyless_table_is_reported_alike_whatever_the_columns_in_flight() {
        let mut rng = StdRng::seed_from_u64(27);
        let n = 300;
        let column = |rng: &mut StdRng, shift: f64| normal(rng, n, shift);
        let kinds: Vec<&str> = (0..n).map(|i| ["x", "y"][i % 2]).collect();
        let base = df!(
            "a" => column(&mut rng, 0.0),
            "kind" => &kinds,
            "b" => column(&mut rng, 0.0),
            "c" => column(&mut rng, 0.0),
            "d" => column(&mut rng, 0.0),
        )
        .unwrap();
        let mut head = base.clone();
        head.replace("c", Column::new("c".into(), column(&mut rng, 0.5)))
            .unwrap();
        head.replace("kind", Column::new("kind".into(), vec![1i64; n]))
            .unwrap();
        let t = table(0.1);
        let reported = |in_flight: usize| {
            let (r, reads) = compared_counting_reads(&t, &base, &head, in_flight);
            assert_eq!(reads, 5, "in flight {in_flight}");
            let names: Vec<&str> = r.features.iter().map(|f| f.column.as_str()).collect();
            assert_eq!(names, ["a", "b", "c", "d"], "in flight {in_flight}");
            assert_eq!(r.untested.len(), 1, "in flight {in_flight}");
            format!("{:?} {:?}", r.features, r.untested)
        };
        let all = reported(usize::MAX);
        for in_flight in [1, 2, 3, 4, 7] {
            assert_eq!(reported(in_flight), all, "in flight {in_flight}");
        }
    }

    /// Head's numbers made from base's in order and the pairs that
    /// changed (when few of a column's pairs changed, in the first batch
    /// or after it) are tested as head's own numbers sorted: values
    /// changed, a signed zero flipped, a NaN and a null that became numbers
    /// and numbers that became both, keys on one side only, integers;
    /// alike whichever order head's rows are in, and for a column whose
    /// every key moved.
    #[test]
    fn head_made_from_base_and_the_changed_pairs_is_tested_as_head_sorted() {
        let mut rng = StdRng::seed_from_u64(31);
        let n = 4000;
        let ids: Vec<i64> = (0..n as i64).collect();
        let few: Vec<Option<f64>> = normal(&mut rng, n, 0.0)
            .into_iter()
            .enumerate()
            .map(|(i, v)| match i {
                17 => Some(0.0),
                18 => Some(f64::NAN),
                19 => None,
                _ => Some(v),
            })
            .collect();
        let counts: Vec<i64> = (0..n as i64).map(|i| i % 17).collect();
        // Head's smallest is the -0.0 a pair's 0.0 became.
        let mut positive: Vec<f64> = normal(&mut rng, n, 0.0)
            .iter()
            .map(|v| v.abs() + 1.0)
            .collect();
        positive[17] = 0.0;
        let base = df!(
            "id" => &ids,
            "moved" => normal(&mut rng, n, 0.0),
            "few" => &few,
            "count" => &counts,
            "positive" => &positive,
        )
        .unwrap();
        let mut positive_h = positive.clone();
        positive_h[17] = -0.0;
        let mut few_h = few.clone();
        for (i, v) in [
            (13, Some(2.5)),
            (17, Some(-0.0)),
            (18, Some(1.0)),
            (19, Some(-3.0)),
            (20, None),
            (21, Some(f64::NAN)),
        ] {
            few_h[i] = v;
        }
        let mut counts_h = counts.clone();
        counts_h[20] = 40;
        counts_h[21] = -1;
        // Head lost keys 0-4 and has 5 keys base lacks.
        let keep = 5..n;
        let head = df!(
            "id" => ids[keep.clone()].iter().copied().chain(n as i64..n as i64 + 5).collect::<Vec<_>>(),
            "moved" => normal(&mut rng, n, 0.3),
            "few" => few_h[keep.clone()].iter().copied().chain([Some(9.0), None, Some(0.5), Some(0.5), Some(-9.0)]).collect::<Vec<_>>(),
            "count" => counts_h[keep.clone()].iter().copied().chain([1, 2, 3, 99, 0]).collect::<Vec<_>>(),
            "positive" => positive_h[keep].iter().copied().chain([1.5; 5]).collect::<Vec<_>>(),
        )
        .unwrap();
        let shuffled = {
            let mut rows: Vec<IdxSize> = (0..head.height() as IdxSize).collect();
            rand::seq::SliceRandom::shuffle(&mut rows[..], &mut rng);
            head.take(&IdxCa::from_vec("rows".into(), rows)).unwrap()
        };
        let t = Table {
            key: vec!["id".into()],
            ..table(0.1)
        };
        let reported = |head: &DataFrame, in_flight: usize| {
            let r = compared_in_flight(&t, &base, head, in_flight);
            assert_eq!(r.features.len(), 4);
            r.features
        };
        // Both sides sorted: the table without its key, as two samples.
        let two_samples = {
            let t = Table {
                ignore: vec!["id".into()],
                ..table(0.1)
            };
            compare_distribution(&t, &base, &head).unwrap().features
        };
        let unpaired = |features: &[Feature]| {
            let mut features = features.to_vec();
            features.iter_mut().for_each(|f| f.paired = None);
            format!("{features:?}")
        };
        // Every column in the first batch, base's sorted while the keys
        // pair.
        let first = reported(&head, usize::MAX);
        assert_eq!(unpaired(&first), unpaired(&two_samples));
        let few_f = first.iter().find(|f| f.column == "few").unwrap();
        // 2.5, two numbers from none, two to none; the signed zero is no
        // change key by key.
        assert_eq!(few_f.paired.as_ref().map(|p| p.changed), Some(5));
        let positive_f = first.iter().find(|f| f.column == "positive").unwrap();
        let min = positive_f.head.numeric.as_ref().map(|n| n.min);
        assert!(
            min.is_some_and(|m| m == 0.0 && m.is_sign_negative()),
            "{min:?}"
        );
        for head in [&head, &shuffled] {
            for in_flight in [usize::MAX, 1] {
                assert_eq!(
                    format!("{:?}", reported(head, in_flight)),
                    format!("{first:?}"),
                    "in flight {in_flight}"
                );
            }
        }
    }

    /// A keyed table whose head lost its key column: a note says so, and
    /// every feature is tested as two samples, head's numbers its own
    /// (however many columns are in flight, in the first batch or after).
    #[test]
    fn a_keyed_table_whose_head_lost_its_key_is_tested_as_two_samples() {
        let mut rng = StdRng::seed_from_u64(19);
        let n = 500;
        let (x, y) = (normal(&mut rng, n, 0.0), normal(&mut rng, n, 0.0));
        let base = df!("id" => (0..n as i64).collect::<Vec<_>>(), "x" => &x, "y" => &y).unwrap();
        let head = df!("x" => normal(&mut rng, n, 0.5), "y" => &y).unwrap();
        let two_samples = {
            let t = Table {
                ignore: vec!["id".into()],
                ..table(0.1)
            };
            format!(
                "{:?}",
                compare_distribution(&t, &base, &head).unwrap().features
            )
        };
        let t = Table {
            key: vec!["id".into()],
            ..table(0.1)
        };
        for in_flight in [usize::MAX, 1] {
            let r = compared_in_flight(&t, &base, &head, in_flight);
            assert!(
                r.key_notes
                    .iter()
                    .any(|k| k.contains("features compared as distributions only")),
                "{:?}",
                r.key_notes
            );
            assert_eq!(
                format!("{:?}", r.features),
                two_samples,
                "in flight {in_flight}"
            );
            let x = r.features.iter().find(|f| f.column == "x").unwrap();
            assert!(x.statistic > 0.1, "{x:?}");
        }
    }

    #[test]
    fn timestamps_in_another_unit_or_dates_beside_timestamps_are_the_same_instants() {
        // Were tested as their physical numbers: nanoseconds against
        // microseconds gave KS D = 1 and every key "changed", with
        // samples showing the same instant on both sides.
        let n = 300i64;
        let us: Vec<i64> = (0..n)
            .map(|i| 1_700_000_000_000_000 + i * 25_200_000_000)
            .collect();
        let days: Vec<i32> = (0..n as i32).map(|i| 19_000 + i % 40).collect();
        let frame = |at: Series, day: Series| {
            DataFrame::new(
                n as usize,
                vec![Series::new("id".into(), 0..n).into(), at.into(), day.into()],
            )
            .unwrap()
        };
        let at_us = Series::new("at".into(), &us)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap();
        let day = Series::new("day".into(), &days)
            .cast(&DataType::Date)
            .unwrap();
        let base = frame(
            at_us
                .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
                .unwrap(),
            day.clone(),
        );
        let head = frame(
            at_us,
            day.cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
                .unwrap(),
        );
        let mut t = table(0.05);
        t.key = vec!["id".into()];
        let r = run(&t, base.clone(), head);
        assert!(r.untested.is_empty(), "{:?}", r.untested);
        for f in &r.features {
            assert_eq!(f.statistic, 0.0, "{}", f.column);
            assert_eq!(f.paired.as_ref().unwrap().changed, 0, "{}", f.column);
        }
        let at = r.features.iter().find(|f| f.column == "at").unwrap();
        assert_eq!(
            at.scale,
            Scale::Datetime {
                unit: crate::model::scale::TimeUnit::Nanoseconds,
                zoned: false
            }
        );
        assert_eq!(r.verdict(), Verdict::Pass);
        // Days counted as numbers are no dates: not compared, a regression.
        let as_numbers = frame(
            base.column("at").unwrap().as_materialized_series().clone(),
            Series::new("day".into(), &days),
        );
        let r = run(&t, base, as_numbers);
        assert_eq!(r.untested.len(), 1);
        assert!(r.untested[0].regression && r.untested[0].reason.contains("date to i32"));
    }

    #[test]
    fn a_table_whose_head_lost_every_row_is_a_regression() {
        // Was PASS, "0 of 2 features shifted": with no rows on one side
        // there is no test, and the null fractions (0 of 0) do not move.
        let full =
            df!("id" => [1i64, 2, 3], "x" => [1.0, 2.0, 3.0], "s" => ["a", "b", "a"]).unwrap();
        let empty = full.head(Some(0));
        let mut keyed = table(0.05);
        keyed.key = vec!["id".into()];
        for t in [table(0.05), keyed] {
            for (base, head) in [(&full, &empty), (&empty, &full)] {
                let r = run(&t, base.clone(), head.clone());
                assert_eq!(r.verdict(), Verdict::Regression, "key {:?}", t.key);
                assert!(r.features.iter().all(|f| f.emptied()));
                let findings = r.findings();
                let side = if head.height() == 0 { "head" } else { "base" };
                assert!(
                    findings.iter().any(|f| f.message
                        == format!(
                            "feature `x`: {side} has no rows, {} has 3 values: nothing to compare",
                            if side == "head" { "base" } else { "head" }
                        )),
                    "{findings:?}"
                );
            }
            let r = run(&t, empty.clone(), empty.clone());
            assert_eq!(r.verdict(), Verdict::Pass);
        }
    }

    #[test]
    fn a_column_left_empty_in_a_csv_file_is_a_null_shift_not_a_change_of_type() {
        // An empty CSV column reads as text without values: it was
        // "changed type from f64 to str: the distributions cannot be
        // compared", and a header alone made every column retyped.
        let base = df!("id" => [1i64, 2, 3], "x" => [1.5, 2.5, 3.5]).unwrap();
        let empty = Series::full_null("x".into(), 3, &DataType::String);
        let head = df!("id" => [1i64, 2, 3])
            .unwrap()
            .hstack(&[empty.into()])
            .unwrap();
        let mut t = table(0.05);
        t.key = vec!["id".into()];
        let schema = |df: &DataFrame| df.schema().as_ref().clone();
        let mut r = compare_distribution(&t, &base, &head).unwrap();
        apply_fdr(std::slice::from_mut(&mut r));
        assert!(r.untested.is_empty(), "{:?}", r.untested);
        assert!(r.schema.changed.is_empty(), "{:?}", r.schema.changed);
        let x = &r.features[0];
        assert!(x.null_shifted() && x.test == TestName::Ks);
        assert_eq!(x.paired.as_ref().unwrap().to_null, 3);
        // A header alone: no rows, every column text.
        let header = DataFrame::new(
            0,
            ["id", "x"]
                .map(|n| Series::full_null(n.into(), 0, &DataType::String).into())
                .to_vec(),
        )
        .unwrap();
        assert_ne!(schema(&header), schema(&base));
        let r = run(&t, base, header);
        assert!(r.untested.is_empty() && r.schema.changed.is_empty());
        assert!(r.features[0].emptied());
        assert_eq!(r.paired_keys.unwrap().only_base, 3);
    }

    #[test]
    fn sorting_orders_every_kind_of_float() {
        // The radix sort the KS walk relies on, past its small-array path:
        // signed zeros, infinities, subnormals, extremes and ties among
        // ordinary values; nulls and NaN counted, not sorted.
        let specials = [
            0.0,
            -0.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            -5e-324,
            5e-324,
            f64::MAX,
            f64::MIN,
            f64::NAN,
        ];
        let mut rng = StdRng::seed_from_u64(3);
        let normal = Normal::<f64>::new(0.0, 1e3).unwrap();
        let column: Vec<Option<f64>> = (0..100_000)
            .map(|i| match i % 7 {
                0 => Some(specials[i / 7 % specials.len()]),
                1 => None,
                2 => Some(normal.sample(&mut rng).round()),
                _ => Some(normal.sample(&mut rng)),
            })
            .collect();
        let s = Series::new("x".into(), &column);
        let (mut sorted, nulls) = values(s, Scale::Number).unwrap();
        sort(&mut sorted);
        let mut expected: Vec<f64> = column
            .iter()
            .flatten()
            .copied()
            .filter(|v| !v.is_nan())
            .collect();
        expected.sort_by(f64::total_cmp);
        assert_eq!(nulls as usize, column.len() - expected.len());
        assert_eq!(sorted.len(), expected.len());
        // Equal as numbers (-0.0 == 0.0), in order.
        assert!(sorted.iter().zip(&expected).all(|(a, b)| a == b));
        assert!(sorted.is_sorted_by(|a, b| a <= b));
    }

    #[test]
    fn a_column_left_as_it_was_is_tested_as_the_same_values_in_another_order() {
        // The same values in the same order on both sides are sorted and
        // summarised once: the feature must be the one the same values,
        // shuffled on one side, get by the whole path. Nulls and NaN, ties
        // and -0 among them.
        let mut rng = StdRng::seed_from_u64(17);
        let column: Vec<Option<f64>> = normal(&mut rng, 5_000, 1.0)
            .into_iter()
            .enumerate()
            .map(|(i, v)| match i % 97 {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(-0.0),
                3 => Some(0.0),
                _ => Some((v * 100.0).round() / 100.0),
            })
            .collect();
        let mut shuffled = column.clone();
        shuffled.rotate_left(1234);
        shuffled.reverse();
        let same = run(
            &table(0.05),
            df!("x" => &column).unwrap(),
            df!("x" => &column).unwrap(),
        );
        let reordered = run(
            &table(0.05),
            df!("x" => &column).unwrap(),
            df!("x" => &shuffled).unwrap(),
        );
        let (a, b) = (&same.features[0], &reordered.features[0]);
        assert_eq!((a.statistic, a.p_value), (0.0, 1.0));
        assert_eq!(a.base, b.base);
        assert_eq!(a.head, b.head);
        assert_eq!(a.base, a.head);
        assert_eq!(a.base.nulls, 2 * 52);
        assert_eq!(format!("{:?}", a.plot), format!("{:?}", b.plot));
        assert_eq!((b.statistic, b.p_value), (0.0, 1.0));
    }

    #[test]
    fn a_renamed_feature_is_reported_as_a_rename_not_a_removal_and_an_addition() {
        let mut rng = StdRng::seed_from_u64(3);
        let score = normal(&mut rng, 500, 0.0);
        let mut moved = score.clone();
        moved.reverse();
        let other = normal(&mut rng, 500, 0.0);
        let base = df!("score" => &score, "old" => &other).unwrap();
        let head = df!("risk" => &moved, "new" => normal(&mut rng, 500, 0.0)).unwrap();
        let r = run(&table(0.05), base, head);
        let renamed: Vec<(&str, &str)> = r
            .renamed
            .iter()
            .map(|x| (x.from.as_str(), x.to.as_str()))
            .collect();
        assert_eq!(renamed, [("score", "risk")]);
        assert_eq!(r.schema.removed.len(), 1);
        assert_eq!(r.schema.removed[0].name, "old");
        assert_eq!(r.schema.added[0].name, "new");
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn half_sd_shift_is_flagged_at_10000() {
        let mut rng = StdRng::seed_from_u64(7);
        let base = df!("x" => normal(&mut rng, 10_000, 0.0)).unwrap();
        let head = df!("x" => normal(&mut rng, 10_000, 0.5)).unwrap();
        let r = run(&table(0.05), base, head);
        let f = &r.features[0];
        assert_eq!(f.test, TestName::Ks);
        // Population D for N(0,1) vs N(0.5,1) is 2Φ(0.25)-1 ≈ 0.197.
        assert!(f.effect > 0.15 && f.effect < 0.25, "D = {}", f.effect);
        assert!(f.p_adjusted < 1e-50);
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn same_shift_at_50_rows_with_a_high_floor_is_not_flagged() {
        let mut rng = StdRng::seed_from_u64(7);
        let base = df!("x" => normal(&mut rng, 50, 0.0)).unwrap();
        let head = df!("x" => normal(&mut rng, 50, 0.5)).unwrap();
        let r = run(&table(0.5), base, head);
        assert!(r.features[0].effect < 0.5);
        assert_eq!(r.verdict(), Verdict::Pass);
    }

    #[test]
    fn a_thousand_noise_columns_flag_nothing_after_bh() {
        let mut rng = StdRng::seed_from_u64(2026);
        let mut base = Vec::new();
        let mut head = Vec::new();
        for i in 0..1000 {
            base.push(Column::new(
                format!("c{i}").into(),
                normal(&mut rng, 300, 0.0),
            ));
            head.push(Column::new(
                format!("c{i}").into(),
                normal(&mut rng, 300, 0.0),
            ));
        }
        let t = table(0.0001);
        let r = run(
            &t,
            DataFrame::new(300, base).unwrap(),
            DataFrame::new(300, head).unwrap(),
        );
        assert_eq!(r.features.len(), 1000);
        // Raw p-values do dip below alpha by chance (about 10 of 1000)...
        let raw = r.features.iter().filter(|f| f.p_value < 0.01).count();
        assert!(raw > 0, "the seed should produce some raw false positives");
        // ...but none survives the false-discovery correction.
        assert_eq!(r.features.iter().filter(|f| f.shifted()).count(), 0);
        assert_eq!(r.verdict(), Verdict::Pass);
    }

    #[test]
    fn a_flag_whose_rate_moves_from_23_to_33_percent_is_flagged() {
        let mut rng = StdRng::seed_from_u64(11);
        let flags = |rng: &mut StdRng, p: f64| -> Vec<i64> {
            let d = Bernoulli::new(p).unwrap();
            (0..20_000).map(|_| i64::from(d.sample(rng))).collect()
        };
        let base = df!("is_adult" => flags(&mut rng, 0.23)).unwrap();
        let head = df!("is_adult" => flags(&mut rng, 0.33)).unwrap();
        let r = run(&table(0.05), base, head);
        let f = &r.features[0];
        // For a 0/1 flag, D is the difference of the rates.
        assert!((f.effect - 0.10).abs() < 0.02, "D = {}", f.effect);
        assert!(f.shifted());
        assert_eq!(
            f.base.numeric.unwrap().mean.mul_add(100.0, 0.0).round(),
            23.0
        );
    }

    #[test]
    fn float_noise_is_not_drift() {
        // Many rows share each value: log10(x) versus ln(x)/ln(10).
        let xs: Vec<f64> = (0..50_000).map(|i| (i % 997 + 1) as f64).collect();
        let base: Vec<f64> = xs.iter().map(|x| x.log10()).collect();
        let head: Vec<f64> = xs
            .iter()
            .map(|x| x.ln() / std::f64::consts::LN_10)
            .collect();
        assert!(
            base != head,
            "the two computations must differ for the test to mean anything"
        );
        let r = run(
            &table(0.05),
            df!("log_x" => base).unwrap(),
            df!("log_x" => head).unwrap(),
        );
        let f = &r.features[0];
        assert_eq!(f.statistic, 0.0);
        assert_eq!(f.p_value, 1.0);
        assert_eq!(r.precision, Some(12));
    }

    #[test]
    fn categorical_columns_get_chi_square_and_psi() {
        let base = df!("country" => ["US"; 600].iter().chain(["FR"; 400].iter()).copied().collect::<Vec<_>>()).unwrap();
        let head = df!("country" => ["US"; 400].iter().chain(["FR"; 600].iter()).copied().collect::<Vec<_>>()).unwrap();
        let r = run(&table(0.05), base, head);
        let f = &r.features[0];
        assert_eq!(f.test, TestName::ChiSquare);
        assert!((f.effect - 0.2).abs() < 1e-12);
        assert_eq!(f.df, Some(1));
        assert!(f.psi.unwrap() > 0.1);
        assert!(f.shifted());
    }

    #[test]
    fn a_null_fraction_that_moves_is_flagged_even_when_values_agree() {
        // Imputation bug: 10% nulls in base become the mean (0.0) in head...
        let values: Vec<Option<f64>> = (0..1000)
            .map(|i| (i % 10 != 0).then_some((i % 7) as f64))
            .collect();
        let imputed: Vec<Option<f64>> = values.iter().map(|v| Some(v.unwrap_or(3.0))).collect();
        let r = run(
            &table(0.5),
            df!("x" => values).unwrap(),
            df!("x" => imputed).unwrap(),
        );
        let f = &r.features[0];
        assert!(
            !f.shifted(),
            "the value distribution barely moves at min_effect 0.5"
        );
        assert!((f.null_shift() + 0.1).abs() < 1e-12);
        assert!(f.null_shifted());
        assert_eq!(r.verdict(), Verdict::Regression);
    }

    #[test]
    fn numbers_that_became_text_are_a_regression() {
        let r = run(
            &table(0.05),
            df!("x" => [1.0, 2.0]).unwrap(),
            df!("x" => ["1", "2"]).unwrap(),
        );
        assert!(r.features.is_empty());
        assert!(r.untested[0].regression);
        assert_eq!(r.verdict(), Verdict::Regression);
    }
}
