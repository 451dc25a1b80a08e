//! The local engine: polars on this machine. Keyed exact and distribution
//! Parquet, Arrow IPC and DuckDB-table tables are compared from disk a
//! column at a time, keyed exact CSV tables where they lie; everything
//! else is loaded whole and compared in memory.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use polars::prelude::{BooleanChunked, DataFrame, PolarsResult};

use crate::config::{CompareMode, Sample, Table};
use crate::diff;
use crate::distribution;
use crate::load::{self, MemoryBudget};
use crate::model::profile::Profile;
use crate::model::sample::{Basis, TableSample};
use crate::model::{TableProfiles, TableReport};
use crate::profile;
use crate::sample;

/// Loads (or opens) both sides of `table` and compares them (and profiles
/// them, with `profile`). Returns the report and the seconds spent loading.
pub(super) fn compare(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    budget: MemoryBudget,
    profile: bool,
) -> (TableReport, f64) {
    if let Some(report) = compare_out_of_core(table, base, head, budget, profile) {
        return (report, 0.0);
    }
    let t = Instant::now();
    if let Some(report) = compare_csv_in_place(table, base, head, profile) {
        return (report, t.elapsed().as_secs_f64());
    }
    let (base, head) = rayon::join(
        || load::load(base.0, base.1, table),
        || load::load(head.0, head.1, &table.head_side()),
    );
    let load_seconds = t.elapsed().as_secs_f64();
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    let (mut base, mut head) = match (base, head) {
        (Ok(b), Ok(h)) => (b, h),
        (Err(e), _) => {
            report.error = Some(format!("base output: {}", crate::error::chain(&e)));
            return (report, load_seconds);
        }
        (_, Err(e)) => {
            report.error = Some(format!("head output: {}", crate::error::chain(&e)));
            return (report, load_seconds);
        }
    };
    let mut sampled = None;
    if let Some(spec) = &table.sample {
        match sample_sides(spec, &base.frame, &head.frame) {
            Ok((s, masks)) => {
                if let Some((b, h)) = masks {
                    let kept = base
                        .frame
                        .filter(&b)
                        .and_then(|bf| Ok((bf, head.frame.filter(&h)?)));
                    match kept {
                        Ok((bf, hf)) => (base.frame, head.frame) = (bf, hf),
                        Err(e) => {
                            report.error = Some(format!("sampling: {e}"));
                            return (report, load_seconds);
                        }
                    }
                }
                sampled = Some(s);
            }
            Err(e) => {
                report.error = Some(e);
                return (report, load_seconds);
            }
        }
    }
    let result = match table.compare {
        CompareMode::Exact => diff::compare_exact(table, &base.frame, &head.frame),
        CompareMode::Distribution => {
            distribution::compare_distribution(table, &base.frame, &head.frame)
        }
    };
    match result {
        Ok(mut r) => {
            r.sample = sampled;
            if profile {
                let dups = duplicate_keys(table, &r);
                let profiles = profile::of_frames((&base.frame, &head.frame), dups);
                attach_profiles(&mut r, profiles);
            }
            (r, load_seconds)
        }
        Err(e) => {
            report.error = Some(crate::error::chain(&e));
            (report, load_seconds)
        }
    }
}

/// Compares a keyed exact table whose sides are CSV files (one, or part
/// files) where they lie (`csv_file::CsvOnDisk`): each file checked and typed as when
/// it is loaded, rows paired by key, then only the fields whose bytes
/// differ between a pair's rows parsed. Loading both 10M-row files of
/// `bench/peers.sh` parsed every value, about as long as polars' read of
/// them, before the comparison began (BENCHMARKS.md, forty-fourth
/// session). `None` when the table is loaded whole instead: other
/// formats, partition directories, a sample, profiles (which
/// read every value), or a file that `CsvOnDisk` does not read (and whose
/// errors loading reports).
fn compare_csv_in_place(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    profile: bool,
) -> Option<TableReport> {
    use crate::config::Format;
    use crate::csv_file::CsvOnDisk;
    let csv = table.format == Format::Csv && table.head_format() == Format::Csv;
    if !csv || table.compare != CompareMode::Exact || table.key.is_empty() {
        return None;
    }
    if table.sample.is_some() || profile {
        return None;
    }
    let head_table = table.head_side();
    let open = |(dir, pattern): (&Path, &str), t: &Table| -> Option<CsvOnDisk> {
        let files = load::resolve_files(dir, pattern).ok()?;
        if !crate::partitions::Partitions::of(dir, &files, |_| false).is_empty() {
            return None;
        }
        CsvOnDisk::open(&files, t.delimiter, t.declared, &t.key).ok()?
    };
    let (b, h) = rayon::join(|| open(base, table), || open(head, &head_table));
    let (b, h) = (b?, h?);
    let in_flight = rayon::current_num_threads();
    let mut report = match diff::compare_sources(
        table,
        diff::Source::Csv(&b),
        diff::Source::Csv(&h),
        in_flight,
    ) {
        Ok(r) => r,
        Err(e) => {
            let mut r = TableReport::new(&table.name, table.compare, &table.key);
            r.error = Some(crate::error::chain(&e));
            r
        }
    };
    report.out_of_core = true;
    Some(report)
}

/// Each side's count of duplicated keys, for its profile (keyed tables).
fn duplicate_keys(table: &Table, report: &TableReport) -> (Option<u64>, Option<u64>) {
    if table.key.is_empty() || report.error.is_some() {
        return (None, None);
    }
    let d = report.duplicates.as_ref();
    (
        Some(d.map_or(0, |d| d.base.keys)),
        Some(d.map_or(0, |d| d.head.keys)),
    )
}

/// Puts both profiles into the report; a side that could not be profiled
/// (its file became unreadable) is the table's error.
fn attach_profiles(
    report: &mut TableReport,
    (base, head): (PolarsResult<Profile>, PolarsResult<Profile>),
) {
    match (base, head) {
        (Ok(base), Ok(head)) => report.profile = Some(TableProfiles { base, head }),
        (Err(e), _) | (_, Err(e)) => {
            report
                .error
                .get_or_insert_with(|| format!("profiling: {e}"));
        }
    }
}

/// The largest column pair, decoded, of those read (`ignore`d columns
/// never are): it sets how many fit in the budget at once. A wide text
/// column left out by `--ignore` counted too, and held a keyed feature
/// table of four float columns to one column pair at a time (BENCHMARKS.md,
/// thirty-seventh session).
fn largest_pair(
    (base, head): (&BTreeMap<String, u64>, &BTreeMap<String, u64>),
    ignore: &[String],
) -> u64 {
    base.iter()
        .filter(|(name, _)| !ignore.contains(name))
        .map(|(name, bytes)| bytes + head.get(name).copied().unwrap_or(0))
        .max()
        .unwrap_or(0)
}

/// Compares a keyed exact table or a distribution table from disk, a
/// column at a time, when both sides are Parquet, Arrow IPC or DuckDB base
/// tables: memory holds
/// the keys, the alignment (exact tables) and the columns in flight, as many
/// at once as the budget allows (measured faster than loading both sides
/// whole, too: BENCHMARKS.md). `None` when the table is to be loaded whole.
fn compare_out_of_core(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    budget: MemoryBudget,
    profile: bool,
) -> Option<TableReport> {
    if table.compare == CompareMode::Exact && table.key.is_empty() {
        return None;
    }
    // Errors (a missing or unreadable file) are left to the loading path,
    // which reports them.
    let mut b = load::OnDisk::open(base.0, base.1, table).ok()??;
    let mut h = load::OnDisk::open(head.0, head.1, &table.head_side()).ok()??;
    (b.declared, h.declared) = (table.declared, table.declared);
    let sampled = match &table.sample {
        None => None,
        Some(spec) => match sample_on_disk(spec, &mut b, &mut h) {
            Ok(s) => Some(s),
            Err(e) => {
                let mut r = TableReport::new(&table.name, table.compare, &table.key);
                r.error = Some(e);
                r.out_of_core = true;
                return Some(r);
            }
        },
    };
    let pair_bytes = largest_pair((&b.column_bytes, &h.column_bytes), &table.ignore);
    let in_flight = if table.compare == CompareMode::Distribution && !table.key.is_empty() {
        // One slot more, for the keys' pairs, held while the columns are
        // compared (they take about what a column pair in flight takes);
        // each other slot a lane that compares one column pair at a time
        // (`distribution::compare_distribution_with`): a lane per core,
        // whose column's sides are read, and whose sorts run, on every
        // core. Twice the places (two column pairs a batch, as before)
        // kept both cores no busier and held 0.16 GB more at the peak,
        // each page of it zeroed by the kernel on first touch: on a
        // shuffled 10M-key table, 1.77 s against 1.65 s and 1.29 GB
        // against 1.13 GB (BENCHMARKS.md, thirty-seventh session).
        budget.slots(pair_bytes, rayon::current_num_threads() + 1)
    } else {
        budget.columns_in_flight(pair_bytes)
    };
    // Profiles from the comparison's own reads (BENCHMARKS.md: reading
    // every column again cost more than the profiling itself), a column a
    // side beside the comparison where the memory budget has room for a
    // column pair more than it holds in flight (each such profile holds
    // its column until it is done; two a side were no faster).
    let collectors = profile.then(|| {
        let beside = usize::from(budget.slots(pair_bytes, in_flight + 1) > in_flight);
        let (cb, ch) = profile::Collector::pair(beside);
        b.observe(cb.observer());
        h.observe(ch.observer());
        // Told what each column pair shares, the values both sides hold
        // alike are profiled once for both (`profile::of_pair`).
        b.observe_pairs(Arc::new(profile::Pair(Arc::clone(&cb), Arc::clone(&ch))));
        (cb, ch)
    });
    let result = match table.compare {
        CompareMode::Exact => diff::compare_sources(
            table,
            diff::Source::Disk(&b),
            diff::Source::Disk(&h),
            in_flight,
        ),
        CompareMode::Distribution => distribution::compare_distribution_with(
            table,
            (&b.schema, &h.schema),
            in_flight,
            |cb, ch| {
                let (bc, hc) = rayon::join(|| b.column(cb), || h.column(ch));
                let into = load::LoadError::into_polars;
                Ok((bc.map_err(into)?, hc.map_err(into)?))
            },
        ),
    };
    let mut report = match (result, collectors) {
        (Ok(mut r), Some((cb, ch))) => {
            let dups = duplicate_keys(table, &r);
            let profiles = rayon::join(|| cb.finish(&b, dups.0), || ch.finish(&h, dups.1));
            attach_profiles(&mut r, profiles);
            r
        }
        (Ok(r), None) => r,
        (Err(e), _) => {
            let mut r = TableReport::new(&table.name, table.compare, &table.key);
            r.error = Some(crate::error::chain(&e));
            r
        }
    };
    report.out_of_core = true;
    report.sample = sampled;
    Some(report)
}

/// Which rows of each side are in `spec`'s sample, from each side's key
/// columns; no masks (the table compared whole) when `sample::compared_whole`
/// says why, as the returned record does.
fn sample_sides(
    spec: &Sample,
    base: &DataFrame,
    head: &DataFrame,
) -> Result<(TableSample, Option<(BooleanChunked, BooleanChunked)>), String> {
    let mut record = TableSample::new(&spec.key, spec.rate(), Basis::Outputs);
    record.rows = Some([base.height() as u64, head.height() as u64]);
    record.whole =
        sample::compared_whole(spec, |k| base.column(k).is_ok(), |k| head.column(k).is_ok());
    if record.whole.is_some() {
        return Ok((record, None));
    }
    let mask = |side: &str, frame: &DataFrame| match sample::keep_rows(frame, spec) {
        Ok(Ok(m)) => Ok(m),
        Ok(Err(missing)) => Err(format!("sampling {side}: no column `{}`", missing[0])),
        Err(e) => Err(format!("sampling {side}: {}", crate::error::chain(&e))),
    };
    let (b, h) = (mask("base", base)?, mask("head", head)?);
    let count = |m: &BooleanChunked| m.sum().unwrap_or(0) as u64;
    record.kept = Some([count(&b), count(&h)]);
    Ok((record, Some((b, h))))
}

/// [`sample_sides`] for tables left on disk: the key columns are read only
/// when the table is sampled, and every later read keeps the sampled rows.
fn sample_on_disk(
    spec: &Sample,
    b: &mut load::OnDisk,
    h: &mut load::OnDisk,
) -> Result<TableSample, String> {
    let rows = |d: &load::OnDisk| d.row_count();
    let whole = sample::compared_whole(spec, |k| b.schema.contains(k), |k| h.schema.contains(k));
    if let Some(why) = whole {
        let mut record = TableSample::new(&spec.key, spec.rate(), Basis::Outputs);
        record.rows = rows(b).zip(rows(h)).map(|(b, h)| [b, h]);
        record.whole = Some(why);
        return Ok(record);
    }
    let keys = |d: &load::OnDisk| {
        d.columns(&spec.key)
            .map_err(|e| format!("sampling: {}", crate::error::chain(&e)))
    };
    let (bk, hk) = (keys(b)?, keys(h)?);
    let (record, masks) = sample_sides(spec, &bk, &hk)?;
    if let Some((bm, hm)) = masks {
        b.keep_only(bm);
        h.keep_only(hm);
    }
    Ok(record)
}

/// A CSV or NDJSON side's schema as the local reader infers it, and the
/// columns that hold no value (no type of their own): what another engine
/// is told, so that it reads the same types.
#[cfg(feature = "spark")]
pub(super) fn schema_of(
    dir: &Path,
    pattern: &str,
    table: &Table,
) -> Result<crate::spark::LocalSchema, load::LoadError> {
    if table.format == crate::config::Format::Csv {
        // The checking pass alone, over every part: no frame is built. A
        // column has no type when no part holds a value in it.
        let mut schema = None;
        let mut untyped: Option<Vec<String>> = None;
        for file in load::resolve_files(dir, pattern)? {
            let (s, u) = crate::csv_file::schema(&file, table.delimiter, table.declared)?;
            schema.get_or_insert(s);
            untyped = Some(match untyped {
                None => u,
                Some(all) => all.into_iter().filter(|c| u.contains(c)).collect(),
            });
        }
        return Ok(crate::spark::LocalSchema {
            schema: schema.unwrap_or_default(),
            untyped: untyped.unwrap_or_default(),
        });
    }
    let frame = load::load(dir, pattern, table)?.frame;
    let untyped = frame
        .columns()
        .iter()
        .filter(|c| c.null_count() == c.len())
        .map(|c| c.name().to_string())
        .collect();
    Ok(crate::spark::LocalSchema {
        schema: frame.schema().as_ref().clone(),
        untyped,
    })
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;
    use crate::config::Format;

    fn write(path: &Path, mut df: DataFrame) {
        let file = std::fs::File::create(path).unwrap();
        ParquetWriter::new(file)
            .with_row_group_size(Some(700))
            .finish(&mut df)
            .unwrap();
    }

    fn frame(seed: u64) -> DataFrame {
        let n = 3_000u64;
        let f = |i: u64| ((i * 7919 + seed) % 1013) as f64 / 7.0;
        df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "x" => (0..n).map(|i| (i % 11 != 3).then(|| f(i))).collect::<Vec<_>>(),
            "y" => (0..n).map(|i| (i * seed % 97) as i32).collect::<Vec<_>>(),
            "name" => (0..n).map(|i| format!("n{}", i % (40 + seed))).collect::<Vec<_>>(),
            "z" => (0..n).map(|i| f(i + seed) - 50.0).collect::<Vec<_>>(),
            "skipped" => (0..n).map(|i| (i % 5) as u8).collect::<Vec<_>>(),
        )
        .unwrap()
    }

    #[test]
    fn an_ignored_column_does_not_size_the_columns_in_flight() {
        let sizes = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|&(n, b)| (n.to_string(), b)).collect()
        };
        let base = sizes(&[("id", 80), ("title", 900), ("f1", 80), ("gone", 120)]);
        let head = sizes(&[("id", 80), ("title", 950), ("f1", 88)]);
        assert_eq!(largest_pair((&base, &head), &[]), 1850);
        let ignore = ["title".to_string()];
        // f1's pair (80 + 88) is the largest left; base's `gone`, which
        // head lacks, counts its own side.
        assert_eq!(largest_pair((&base, &head), &ignore), 168);
        let ignore = ["title".to_string(), "f1".to_string()];
        assert_eq!(largest_pair((&base, &head), &ignore), 160);
    }

    /// Profiles taken from the comparison's reads equal those of the
    /// loaded frames: every column once (the ignored one read afterwards),
    /// one column pair in flight or several.
    #[test]
    fn profiles_from_the_comparisons_reads_equal_the_loaded_frames() {
        let dir = tempfile::tempdir().unwrap();
        let (base, head) = (frame(1), frame(2));
        for (side, df) in [("base", &base), ("head", &head)] {
            std::fs::create_dir(dir.path().join(side)).unwrap();
            write(&dir.path().join(side).join("t.parquet"), df.clone());
        }
        let budgets = [MemoryBudget(1), MemoryBudget(1 << 30)];
        for (mode, budget) in [CompareMode::Exact, CompareMode::Distribution]
            .into_iter()
            .flat_map(|m| budgets.iter().map(move |b| (m, *b)))
        {
            let mut table = Table::new("t", "t.parquet", Format::Parquet, mode);
            table.key = vec!["id".into()];
            table.ignore = vec!["skipped".into()];
            let at = |side: &str| dir.path().join(side);
            let (report, _) = compare(
                &table,
                (&at("base"), "t.parquet"),
                (&at("head"), "t.parquet"),
                budget,
                true,
            );
            assert!(report.out_of_core && report.error.is_none(), "{report:?}");
            let profiles = report.profile.expect("profiled");
            let dups = profiles.base.duplicate_keys;
            assert_eq!(profiles.base, profile::of_frame(&base, dups).unwrap());
            assert_eq!(profiles.head, profile::of_frame(&head, dups).unwrap());
        }
    }
}
