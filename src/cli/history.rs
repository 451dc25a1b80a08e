//! `swimlane profile`, `swimlane history` and `swimlane audit`: recording
//! profiles into the history store and judging its series, as the user
//! reads them.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::{Value, json};

use super::{EXIT_ERROR, EXIT_PASS, print_error};
use crate::config::HistoryConfig;
use crate::history::store::{Note, Store, StoreError};
use crate::history::verdict;
use crate::history::watch::{self, Judged};
use crate::history::{self, Meta};
use crate::model::audit::AuditReport;
use crate::model::scale::Reading;
use crate::stats::anomaly::Check;

#[derive(Args)]
pub struct StoreArgs {
    /// The history store: a directory (`dir:PATH` or PATH) [default: one per
    /// project under $SWIMLANE_DATA_DIR or ~/.local/share/swimlane/history].
    #[arg(long, value_name = "STORE", env = "SWIMLANE_HISTORY_STORE")]
    store: Option<String>,
}

impl StoreArgs {
    /// `--store`, else the config's `[history] store`, else the default.
    fn open_with(&self, config: &HistoryConfig) -> Result<Store, StoreError> {
        match self.store.as_ref().or(config.store.as_ref()) {
            Some(spec) => Store::parse_with(
                spec,
                &std::env::current_dir().unwrap_or_else(|_| ".".into()),
                config.spark_remote.as_deref(),
            ),
            None => Store::default_for(&std::env::current_dir().unwrap_or_else(|_| ".".into())),
        }
    }
}

#[derive(Args)]
pub struct ConfigArg {
    /// The config with `[[audit]]` checks and `[history] store` (a full
    /// swimlane.toml, or a file with only those) [default: ./swimlane.toml
    /// when there is one].
    #[arg(long, value_name = "FILE", global = true)]
    config: Option<PathBuf>,
}

impl ConfigArg {
    fn load(&self) -> Result<HistoryConfig, crate::config::ConfigError> {
        let default = PathBuf::from("swimlane.toml");
        match &self.config {
            Some(path) => crate::config::Config::load_history(path),
            None if default.is_file() => crate::config::Config::load_history(&default),
            None => Ok(HistoryConfig::default()),
        }
    }
}

#[derive(Args)]
pub struct ProfileArgs {
    /// Tables to profile: files, globs of part files (quoted), or
    /// directories of tables (each file or directory of parts a table).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Key column (repeatable): its duplicated values are counted.
    #[arg(long = "key", value_name = "COL")]
    key: Vec<String>,
    /// The table's name in history [default: the file's name up to its
    /// first dot]; one PATH only.
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Record the profiles as one point of history, then audit it.
    #[arg(long)]
    record: bool,
    /// The time the data describes: 2026-11-30 or 2026-11-30T06:00:00Z
    /// [default: now].
    #[arg(long, value_name = "TIME", requires = "record", value_parser = history::parse_time)]
    as_of: Option<i64>,
    /// A label for the point (e.g. prod).
    #[arg(long, value_name = "LABEL", requires = "record")]
    label: Option<String>,
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    config: ConfigArg,
    /// Write the profiles (and the audit, when recording) as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Print no profile: only the point recorded and its audit (a nightly
    /// job's log), or nothing when not recording.
    #[arg(short, long)]
    quiet: bool,
    /// File format when extensions do not tell.
    #[arg(long, value_enum)]
    format: Option<super::FormatArg>,
    /// Field delimiter of CSV files: one character, or `tab` [default: a
    /// tab for `.tsv`, else a comma].
    #[arg(long, value_name = "CHAR", value_parser = super::parse_delimiter)]
    delimiter: Option<u8>,
    /// Profile with this engine: `spark` profiles each PATH on the cluster
    /// (a path or URI it reads, or `table:db.name` of its catalog)
    /// [default: local, or spark for such locations].
    #[command(flatten)]
    engine: super::EngineArgs,
}

#[derive(Args)]
pub struct HistoryArgs {
    #[command(subcommand)]
    command: HistoryCommand,
    #[command(flatten)]
    config: ConfigArg,
}

/// `--label L` of the commands that show recorded points.
#[derive(Args)]
struct LabelArg {
    /// Only the points recorded under this label (`profile --record
    /// --label L`): production's history apart from a CI run's in one store.
    #[arg(long, value_name = "L")]
    label: Option<String>,
}

impl LabelArg {
    /// Keeps the rows of the label asked for, if any; an error when none
    /// is left (a label never recorded, or misspelt). Without one, notes
    /// each table (of those `table` keeps) whose points were recorded under
    /// two labels: the view shows them as one series.
    fn keep(
        &self,
        rows: &mut Vec<history::Row>,
        store: &Store,
        table: impl Fn(&str) -> bool,
    ) -> Result<(), u8> {
        let Some(label) = &self.label else {
            note_mixed_labels(
                rows,
                table,
                "its series show them as one\n  help: show one kind with --label L",
            );
            return Ok(());
        };
        if rows.is_empty() {
            return Ok(());
        }
        keep_label(rows, Some(label), store, "")
    }
}

/// Notes each table `table` keeps whose points in `rows` were recorded
/// under two labels (or with and without one), saying `what` that means.
fn note_mixed_labels(rows: &[history::Row], table: impl Fn(&str) -> bool, what: &str) {
    for (name, labels) in history::mixed_labels(rows) {
        if table(&name) {
            eprintln!(
                "note: `{name}` has points recorded under {}: {what}",
                labels.join(" and ")
            );
        }
    }
}

/// Keeps the rows recorded under `label` (`None`: without one); an error
/// naming the store when none is left (`what`: what could not be done).
fn keep_label(
    rows: &mut Vec<history::Row>,
    label: Option<&String>,
    store: &Store,
    what: &str,
) -> Result<(), u8> {
    rows.retain(|r| r.label.as_ref() == label);
    if rows.is_empty() {
        let label = label.map_or("no label".to_string(), |l| format!("the label `{l}`"));
        eprintln!(
            "error: the store {} holds no point recorded under {label}{what}\n  \
             help: `swimlane history export --csv` lists each point's label",
            store.spec()
        );
        return Err(EXIT_ERROR);
    }
    Ok(())
}

#[derive(Subcommand)]
enum HistoryCommand {
    /// List the series with their points and latest values.
    Ls {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        label: LabelArg,
    },
    /// Leave a run out of every baseline (kept, shown as excluded).
    Exclude {
        /// The run (as `history show` lists it).
        run: String,
        /// Why, for whoever reads the history next.
        #[arg(long, required = true)]
        reason: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Accept a series' new level from a run on: its baseline restarts there.
    Accept {
        /// `table.column.metric`, or `table.metric`.
        series: String,
        /// The first run of the new level.
        #[arg(long, value_name = "RUN", required = true)]
        from: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Merge the store's segments into one (dropping points older than
    /// --retain-days, or the config's `[history] retain`).
    Compact {
        /// Keep only points whose as-of time is within this many days.
        #[arg(long, value_name = "DAYS")]
        retain_days: Option<u32>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Every recorded metric as CSV (long format) on stdout or into FILE.
    Export {
        /// Write CSV (the only format so far), into FILE (or `--out FILE`)
        /// or on stdout.
        #[arg(long, value_name = "FILE", num_args = 0..=1, required = true)]
        csv: Option<Option<PathBuf>>,
        /// The file to write [default: stdout].
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// A dashboard page: every series as a small multiple over the last
    /// weeks, flagged series first.
    Report {
        /// Write the page here (self-contained HTML).
        #[arg(long, value_name = "FILE", required = true)]
        html: PathBuf,
        /// Weeks shown, up to the latest recorded point.
        #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..))]
        weeks: u32,
        /// Only this table's series.
        #[arg(long, value_name = "TABLE")]
        table: Option<String>,
        /// Only series with an anomaly, a change point or a crossed audit
        /// bound in the weeks shown.
        #[arg(long)]
        only_flagged: bool,
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        label: LabelArg,
    },
    /// One series: its points with a sparkline, anomalies and change points.
    Show {
        /// `table.column.metric`, or `table.metric` for table metrics.
        series: String,
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        label: LabelArg,
        /// Write the points, anomalies and change points as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct AuditArgs {
    #[command(flatten)]
    store: StoreArgs,
    #[command(flatten)]
    config: ConfigArg,
    /// Judge this run's point instead of each series' latest: a run's id,
    /// or a time (2026-11-14 or 2026-11-14T06:00:00Z: the last point as of
    /// then).
    #[arg(long, value_name = "RUN|TIME")]
    at: Option<String>,
    /// Change points fail the audit too (they warn otherwise).
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    label: LabelArg,
    /// Write the audit as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the audit as Markdown (a PR comment, a job summary).
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write the audit as JUnit XML (a case per series and per check).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Print only what failed or warns, and the summary line (no line per
    /// check that passed or had too little history): a nightly job's log.
    #[arg(short, long)]
    quiet: bool,
}

pub fn profile(args: &ProfileArgs) -> u8 {
    if args.name.is_some() && (args.paths.len() > 1 || args.paths.iter().any(|p| p.is_dir())) {
        eprintln!("error: --name names one table; give one PATH, or drop --name");
        return EXIT_ERROR;
    }
    if let Some(json) = &args.json
        && let Err(code) =
            super::refuse_over_inputs("--json", json, &args.paths.iter().collect::<Vec<_>>())
    {
        return code;
    }
    // The config and the store are checked before any table is read: a
    // mistake in an audit is not found after profiling a large table.
    let history = if args.record {
        match open(&args.config, &args.store) {
            Some(opened) => Some(opened),
            None => return EXIT_ERROR,
        }
    } else {
        None
    };
    let on_cluster = args
        .paths
        .iter()
        .any(|p| crate::engine::cluster_source(&p.to_string_lossy()));
    let spark = args.engine.engine == Some(super::EngineArg::Spark)
        || (on_cluster && args.engine.engine.is_none());
    let profiled = if spark {
        on_spark(args)
    } else {
        local_profiles(args)
    };
    let tables = match profiled {
        Ok(t) => t,
        Err(code) => return code,
    };
    let mut out = io::stdout().lock();
    if !args.quiet {
        print_profiles(&mut out, &tables);
    }
    let mut doc = json!({
        "tables": tables.iter().map(|(n, p)| crate::report::json::profile_value(n, p)).collect::<Vec<_>>(),
    });
    let mut code = EXIT_PASS;
    if let Some((config, store)) = history {
        let meta = Meta::now(args.as_of, None, args.label.clone());
        let refs: Vec<(&str, &crate::model::profile::Profile)> =
            tables.iter().map(|(n, p)| (n.as_str(), p)).collect();
        match store.record(&history::rows(&meta, &refs)) {
            Ok(path) => {
                let _ = writeln!(out, "recorded run {} in {}", meta.run, path.display());
            }
            Err(e) => {
                print_error(&e);
                return EXIT_ERROR;
            }
        }
        drop(out);
        retain(&store, &config, &meta.run);
        let (audit_code, report) = audit_store(
            &store,
            &config,
            Some(&meta.run),
            false,
            Labels::Only(args.label.clone()),
            false,
        );
        code = audit_code;
        doc["run"] = json!(meta.run);
        doc["audit"] = report.map_or(Value::Null, |r| crate::report::audit::json_value(&r));
    }
    match write_json(args.json.as_deref(), &doc) {
        Ok(()) => code,
        Err(code) => code,
    }
}

/// Each profiled table's row and column counts, and a line per column.
fn print_profiles(out: &mut dyn Write, tables: &[(String, crate::model::profile::Profile)]) {
    for (name, p) in tables {
        let _ = writeln!(
            out,
            "{name}: {} rows, {} columns",
            p.row_count,
            p.columns.len()
        );
        let width = p.columns.iter().map(|c| c.dtype.chars().count()).max();
        let width = width.unwrap_or(0).max(8);
        for c in &p.columns {
            // `~`: estimated, not counted.
            let about = if c.distinct_error > 0.0 { "~" } else { "" };
            let mut line = format!(
                "  {:<20} {:<width$} nulls {:.2}%  distinct {about}{}",
                c.name,
                c.dtype,
                100.0 * p.share(c.null_count),
                c.distinct
            );
            if let Some(n) = &c.numbers {
                // With the digits that tell the three apart.
                let reading = crate::model::scale::Reading::of("p50", Some(&c.dtype));
                let q = crate::model::digits::show_values_apart(reading, &[n.p01, n.p50, n.p99]);
                line += &format!("  p01 {} p50 {} p99 {}", q[0], q[1], q[2]);
            }
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Each PATH profiled here: a file or glob is a table, a directory holds
/// tables (each named after its file or directory of parts); an exit code
/// after saying why not.
fn local_profiles(args: &ProfileArgs) -> Result<Vec<(String, crate::model::profile::Profile)>, u8> {
    let mut tables = Vec::new();
    for path in &args.paths {
        let format = args.format.map(super::FormatArg::format);
        let found: Vec<(PathBuf, Option<String>, Option<crate::config::Format>)> = if path.is_dir()
        {
            let found = match crate::load::tables_in(path, format) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("error: cannot read the directory {}: {e}", path.display());
                    return Err(EXIT_ERROR);
                }
            };
            // Directories of data that are no table: said, never passed
            // over (a table missing from history is a gap nobody sees).
            let passed_over = crate::load::passed_over(path, format, &found);
            if found.is_empty() {
                eprintln!("error: no tables found in {}", path.display());
                for (name, why) in &passed_over {
                    eprintln!("  `{name}/`: {why}");
                }
                if passed_over.is_empty() {
                    eprintln!("help: {}", crate::load::TABLES_OF_A_DIRECTORY);
                }
                return Err(EXIT_ERROR);
            }
            for (name, why) in &passed_over {
                eprintln!("warning: {} not profiled: {why}", path.join(name).display());
            }
            found
                .into_iter()
                .map(|(name, (pattern, format))| (path.join(pattern), Some(name), Some(format)))
                .collect()
        } else {
            vec![(path.clone(), args.name.clone(), format)]
        };
        for (path, name, format) in found {
            match crate::profile::of_path(&path, name.as_deref(), &args.key, format, args.delimiter)
            {
                Ok(t) => tables.push(t),
                Err(e) => {
                    print_error(&e);
                    return Err(EXIT_ERROR);
                }
            }
        }
    }
    Ok(tables)
}

/// Each PATH profiled on the Spark cluster; an exit code after saying why
/// not.
fn on_spark(args: &ProfileArgs) -> Result<Vec<(String, crate::model::profile::Profile)>, u8> {
    let remote = args
        .engine
        .spark_remote
        .clone()
        .or_else(|| args.config.load().ok().and_then(|c| c.spark_remote));
    let Some(remote) = remote else {
        eprintln!(
            "error: --engine spark needs the server: --spark-remote sc://host:15002 (or SWIMLANE_SPARK_REMOTE, or `[spark] remote` in the config)"
        );
        return Err(EXIT_ERROR);
    };
    spark_profiles(args, &remote)
}

#[cfg(feature = "spark")]
fn spark_profiles(
    args: &ProfileArgs,
    remote: &str,
) -> Result<Vec<(String, crate::model::profile::Profile)>, u8> {
    use crate::config::Format;
    let spark = crate::spark::Spark::connect(remote).map_err(|e| {
        print_error(&e);
        EXIT_ERROR
    })?;
    let mut out = Vec::new();
    for path in &args.paths {
        let text = path.to_string_lossy();
        let location = if crate::engine::cluster_source(&text) {
            text.to_string()
        } else {
            if path.is_dir() {
                eprintln!(
                    "error: {} is a directory: on the Spark engine, name each table (a file, a glob of parts, or table:db.name)",
                    path.display()
                );
                return Err(EXIT_ERROR);
            }
            spark.cluster_path(&std::path::absolute(path).unwrap_or_else(|_| path.clone()))
        };
        let format = args
            .format
            .map(super::FormatArg::format)
            .or_else(|| Format::from_path(&location))
            .unwrap_or(Format::Parquet);
        let delimiter = args
            .delimiter
            .unwrap_or_else(|| crate::config::default_delimiter(&location));
        let name = args
            .name
            .clone()
            .unwrap_or_else(|| crate::profile::table_name(&location));
        let mut read = crate::spark::Read::at(&location);
        if !crate::engine::cluster_source(&text) {
            // A glob of files in partition directories: their values are
            // columns below the directory the partitions lie in, as the
            // local engine reads them.
            let absolute = std::path::absolute(path).unwrap_or_else(|_| path.clone());
            read.base_path =
                crate::load::glob_base(&absolute).map(|base| spark.cluster_path(&base));
        }
        match crate::spark::profile::of_location(&spark, &read, format, delimiter, &args.key) {
            Ok(p) => out.push((name, p)),
            Err(e) => {
                eprintln!("error: cannot profile {location} on Spark");
                print_error(&e);
                return Err(EXIT_ERROR);
            }
        }
    }
    Ok(out)
}

#[cfg(not(feature = "spark"))]
fn spark_profiles(
    _: &ProfileArgs,
    _: &str,
) -> Result<Vec<(String, crate::model::profile::Profile)>, u8> {
    eprintln!(
        "error: this swimlane was built without the Spark engine\n  help: install a release built with it, or build with `--features spark`"
    );
    Err(EXIT_ERROR)
}

/// The config's history settings and the store they (or --store) name;
/// `None` after printing why not.
fn open(config: &ConfigArg, store: &StoreArgs) -> Option<(HistoryConfig, Store)> {
    let config = config.load().map_err(|e| config_error(&e)).ok()?;
    let store = store.open_with(&config).map_err(|e| print_error(&e)).ok()?;
    Some((config, store))
}

/// Writes `doc` to `path` (atomically), if asked; an exit code if it
/// cannot.
fn write_json(path: Option<&std::path::Path>, doc: &Value) -> Result<(), u8> {
    let Some(path) = path else { return Ok(()) };
    crate::report::write_atomically(path, |w| {
        serde_json::to_writer_pretty(&mut *w, doc)?;
        Ok(())
    })
    .map_err(|e| {
        eprintln!("error: cannot write {}: {e}", path.display());
        EXIT_ERROR
    })
}

/// The store's rows and notes.
fn load(
    store: &StoreArgs,
    config: &HistoryConfig,
) -> Result<(Store, Vec<history::Row>, Vec<Note>), StoreError> {
    let s = store.open_with(config)?;
    let rows = s.load()?;
    let notes = s.notes()?;
    Ok((s, rows, notes))
}

/// Writes `note` after checking that its run (and series) are recorded.
fn add_note(store: &StoreArgs, config: &HistoryConfig, note: Note) -> u8 {
    let (s, rows, _) = match load(store, config) {
        Ok(x) => x,
        Err(e) => {
            print_error(&e);
            return EXIT_ERROR;
        }
    };
    let (run, series) = match &note {
        Note::Exclude { run, .. } => (run, None),
        Note::Accept { series, from } => (from, Some(series)),
    };
    let known = rows
        .iter()
        .any(|r| &r.run == run && series.is_none_or(|s| r.series() == *s));
    if !known {
        eprintln!(
            "error: no run `{run}`{} in the store {}\n  help: `swimlane history show SERIES` lists each point's run",
            series
                .map(|s| format!(" in series `{s}`"))
                .unwrap_or_default(),
            s.spec()
        );
        return EXIT_ERROR;
    }
    match s.note(&note) {
        Ok(path) => {
            println!("noted in {}", path.display());
            EXIT_PASS
        }
        Err(e) => {
            print_error(&e);
            EXIT_ERROR
        }
    }
}

pub fn history(args: &HistoryArgs) -> u8 {
    let config = match args.config.load() {
        Ok(c) => c,
        Err(e) => {
            config_error(&e);
            return EXIT_ERROR;
        }
    };
    let config = &config;
    match &args.command {
        HistoryCommand::Compact { retain_days, store } => {
            let keep_for = retain_days
                .map(|d| i64::from(d) * 86_400_000_000)
                .or(config.retain);
            let keep_from = keep_for.map(|k| chrono::Utc::now().timestamp_micros() - k);
            let compacted = store
                .open_with(config)
                .and_then(|s| s.compact(keep_from).map(|done| (s, done)));
            match compacted {
                Ok((s, (0, ..))) => {
                    println!(
                        "nothing to compact: the store {} holds no segment",
                        s.spec()
                    );
                    EXIT_PASS
                }
                Ok((_, (segments, kept, dropped))) => {
                    println!(
                        "compacted {segments} segments into one: {kept} rows kept, {dropped} older dropped"
                    );
                    EXIT_PASS
                }
                Err(e) => {
                    print_error(&e);
                    EXIT_ERROR
                }
            }
        }
        HistoryCommand::Export { csv, out, store } => {
            let out = match (csv.as_ref().and_then(Option::as_ref), out) {
                (Some(a), Some(b)) if a != b => {
                    eprintln!(
                        "error: --csv {} and --out {} name two files\n  help: give the file once: `--csv FILE`",
                        a.display(),
                        b.display()
                    );
                    return EXIT_ERROR;
                }
                (a, b) => a.or(b.as_ref()),
            };
            let rows = match store.open_with(config).and_then(|s| s.load()) {
                Ok(rows) => rows,
                Err(e) => {
                    print_error(&e);
                    return EXIT_ERROR;
                }
            };
            let export = |w: &mut dyn io::Write| history::store::export_csv(&rows, w).map(drop);
            let (written, to) = match out {
                None => (export(&mut io::stdout().lock()), "standard output".into()),
                Some(path) => (
                    crate::report::write_atomically(path, |w| export(w)),
                    path.display().to_string(),
                ),
            };
            match written {
                // The reader stopped early (`| head`): nothing went wrong here.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => EXIT_PASS,
                Err(e) => {
                    eprintln!("error: cannot write the history to {to}: {e}");
                    EXIT_ERROR
                }
                Ok(()) => EXIT_PASS,
            }
        }
        HistoryCommand::Exclude { run, reason, store } => add_note(
            store,
            config,
            Note::Exclude {
                run: run.clone(),
                reason: reason.clone(),
            },
        ),
        HistoryCommand::Accept {
            series,
            from,
            store,
        } => add_note(
            store,
            config,
            Note::Accept {
                series: series.clone(),
                from: from.clone(),
            },
        ),
        HistoryCommand::Ls { store, label } => {
            let loaded = store
                .open_with(config)
                .and_then(|s| s.load().map(|rows| (s, rows)));
            let (store, mut rows) = match loaded {
                Ok(r) => r,
                Err(e) => {
                    print_error(&e);
                    return EXIT_ERROR;
                }
            };
            note_if_empty(&store, &rows);
            if let Err(code) = label.keep(&mut rows, &store, |_| true) {
                return code;
            }
            let mut out = io::stdout().lock();
            let readings = history::readings(&rows);
            for (name, points) in watch::series(&rows) {
                let last = points.last().map_or(f64::NAN, |p| p.value);
                let reading = readings.get(&name).copied().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "{name:<50} {:>5} points  latest {}",
                    points.len(),
                    crate::model::digits::show_value(reading, last)
                );
            }
            EXIT_PASS
        }
        HistoryCommand::Report {
            html,
            weeks,
            table,
            only_flagged,
            store,
            label,
        } => {
            let (s, mut rows, notes) = match load(store, config) {
                Ok(x) => x,
                Err(e) => {
                    print_error(&e);
                    return EXIT_ERROR;
                }
            };
            note_if_empty(&s, &rows);
            let shown = |t: &str| table.as_ref().is_none_or(|only| only == t);
            if let Err(code) = label.keep(&mut rows, &s, shown) {
                return code;
            }
            if let Some(t) = table
                && !rows.iter().any(|r| r.table == *t)
            {
                let mut known: Vec<&str> = rows.iter().map(|r| r.table.as_str()).collect();
                known.sort_unstable();
                known.dedup();
                eprintln!(
                    "error: no table `{t}` in the store {}\n  help: recorded tables: {}",
                    s.spec(),
                    if known.is_empty() {
                        "none yet".to_string()
                    } else {
                        known.join(", ")
                    }
                );
                return EXIT_ERROR;
            }
            let opts = history::dashboard::Options {
                weeks: *weeks,
                table: table.clone(),
                only_flagged: *only_flagged,
            };
            let d = history::dashboard::dashboard(s.spec(), &rows, &notes, config, &opts);
            if let Err(e) =
                crate::report::write_atomically(html, |w| crate::report::dashboard::render(&d, w))
            {
                eprintln!("error: cannot write the dashboard {}: {e}", html.display());
                return EXIT_ERROR;
            }
            let shown: usize = d.tables.iter().map(|t| t.series.len()).sum();
            println!(
                "wrote {}: {} flagged of {shown} series, {} runs over {} weeks",
                html.display(),
                d.flagged(),
                d.runs,
                d.weeks
            );
            EXIT_PASS
        }
        HistoryCommand::Show {
            series,
            store,
            label,
            json,
        } => {
            let (s, mut rows, notes) = match load(store, config) {
                Ok(x) => x,
                Err(e) => {
                    print_error(&e);
                    return EXIT_ERROR;
                }
            };
            // The series' own table: the longest recorded name it begins
            // with (a table's name may hold dots).
            let of_series = rows
                .iter()
                .map(|r| r.table.as_str())
                .filter(|t| {
                    series
                        .strip_prefix(t)
                        .is_some_and(|rest| rest.starts_with('.'))
                })
                .max_by_key(|t| t.len())
                .map(str::to_string);
            let shown = |t: &str| of_series.as_deref() == Some(t);
            if let Err(code) = label.keep(&mut rows, &s, shown) {
                return code;
            }
            let mut all = watch::series(&rows);
            let Some(points) = all.remove(series) else {
                let known = || all.keys().map(String::as_str);
                let help = match crate::suggest::meant(series, known()) {
                    Some(meant) => format!("did you mean `{meant}`?"),
                    None => format!(
                        "series are table.column.metric or table.metric; the nearest of the {} recorded: {} (`swimlane history ls` lists them all)",
                        all.len(),
                        crate::suggest::nearest(series, known(), 10).join(", ")
                    ),
                };
                eprintln!("error: no series `{series}` in the store\n  help: {help}");
                return EXIT_ERROR;
            };
            let settings = config.detect_for(series);
            let reading = history::readings(&rows)
                .get(series)
                .copied()
                .unwrap_or_default();
            let show = |x| crate::model::digits::show_value(reading, x);
            let sigma = settings.anomaly.sigma;
            let judged = watch::judge_one(series.clone(), points, &notes, settings, reading);
            let mut out = io::stdout().lock();
            let values: Vec<f64> = judged.points.iter().map(|p| p.value).collect();
            let _ = writeln!(out, "{series}  {}", crate::report::sparkline(&values));
            if judged.against_as_of() {
                let _ = writeln!(
                    out,
                    "  judged by how far each value lies behind its as-of time (steadier than the values; bands are values)"
                );
            }
            for (i, p) in judged.points.iter().enumerate() {
                // A point and its band with the digits that tell them apart.
                let mut value = show(p.value);
                let mut band = |low, high| {
                    let shown =
                        crate::model::digits::show_values_apart(reading, &[p.value, low, high]);
                    value = shown[0].clone();
                    format!("[{}, {}]", shown[1], shown[2])
                };
                // A baseline of one value has no band to speak of.
                let held = |center, spread| {
                    !judged.against_as_of()
                        && crate::stats::anomaly::flat_baseline(center, spread, sigma)
                };
                let mark = match judged.checks[i] {
                    Check::Checked {
                        anomaly: true,
                        center,
                        spread,
                        low,
                        high,
                        ..
                    } if held(center, spread) => {
                        let [shown, how] = crate::model::digits::off_held_value(
                            reading,
                            p.value,
                            center,
                            (low, high),
                        );
                        value = shown;
                        format!("ANOMALY: {how}")
                    }
                    Check::Checked {
                        anomaly: true,
                        low,
                        high,
                        ..
                    } => format!("ANOMALY outside {}", band(low, high)),
                    Check::Checked { center, spread, .. } if held(center, spread) => {
                        "ok: the value of every previous run".to_string()
                    }
                    Check::Checked { low, high, .. } => format!("ok in {}", band(low, high)),
                    Check::Insufficient { history } => format!("insufficient history ({history})"),
                    Check::Skipped => match excluded_why(&notes, &p.run) {
                        Some(why) => format!("excluded: {why}"),
                        None => "not a number".into(),
                    },
                };
                let cp = judged
                    .changepoints
                    .iter()
                    .find(|c| c.index == i)
                    .map(|c| {
                        let as_of = judged.as_of_value(c.index);
                        format!("  <- change point: {}", changepoint_text(c, reading, as_of))
                    })
                    .unwrap_or_default();
                let tag = p
                    .commit
                    .as_deref()
                    .map(|c| &c[..c.len().min(10)])
                    .or(p.label.as_deref())
                    .unwrap_or("-");
                let _ = writeln!(
                    out,
                    "  {}  {}  {tag:<10}  {:>14}  {mark}{cp}",
                    history::show_time(p.as_of),
                    p.run,
                    value
                );
            }
            match write_json(json.as_deref(), &judged_json(&judged, reading)) {
                Ok(()) => EXIT_PASS,
                Err(code) => code,
            }
        }
    }
}

/// After `run --record`: audits the point just recorded, with the run's
/// config's `[[audit]]` checks.
pub fn audit_recorded(config: &std::path::Path, store: &str, run: &str) -> u8 {
    let loaded = crate::config::Config::load_history(config);
    let dir = std::path::absolute(config)
        .ok()
        .and_then(|p| p.parent().map(std::path::Path::to_path_buf))
        .unwrap_or_else(|| ".".into());
    let c = match loaded {
        Ok(c) => c,
        Err(e) => {
            config_error(&e);
            return EXIT_ERROR;
        }
    };
    match Store::parse_with(store, &dir, c.spark_remote.as_deref()) {
        Ok(s) => {
            retain(&s, &c, run);
            audit_store(&s, &c, Some(run), false, Labels::Only(None), false).0
        }
        Err(e) => {
            print_error(&e);
            EXIT_ERROR
        }
    }
}

pub fn audit(args: &AuditArgs) -> u8 {
    let Some((config, store)) = open(&args.config, &args.store) else {
        return EXIT_ERROR;
    };
    let labels = match &args.label.label {
        Some(l) => Labels::Only(Some(l.clone())),
        None => Labels::All,
    };
    let (code, report) = audit_store(
        &store,
        &config,
        args.at.as_deref(),
        args.strict,
        labels,
        args.quiet,
    );
    let Some(report) = report else { return code };
    type Render = fn(&AuditReport, &mut dyn Write) -> io::Result<()>;
    let files: [(&Option<PathBuf>, &str, Render); 3] = [
        (&args.json, "JSON", crate::report::audit::json),
        (&args.markdown, "Markdown", crate::report::audit::markdown),
        (&args.junit, "JUnit", crate::report::audit::junit),
    ];
    for (path, what, render) in files {
        if let Some(path) = path
            && let Err(e) = crate::report::write_atomically(path, |w| render(&report, w))
        {
            eprintln!(
                "error: cannot write the {what} report {}: {e}",
                path.display()
            );
            return EXIT_ERROR;
        }
    }
    code
}

/// After `run` is recorded: with `[history] retain`, points older than it
/// keeps are dropped (the store compacted) when there are any, and said
/// so; never `run` itself (a backfill older than `retain` stays until the
/// next point is recorded). A store that cannot be compacted here (a Spark
/// table) is left as it is, with a note.
fn retain(store: &Store, config: &HistoryConfig, run: &str) {
    let Some(keep_for) = config.retain else {
        return;
    };
    let rows = match store.load() {
        Ok(rows) => rows,
        Err(_) => return, // the audit that follows says why
    };
    let recorded = rows
        .iter()
        .filter(|r| r.run == run)
        .map(|r| r.as_of)
        .min()
        .unwrap_or(i64::MAX);
    let keep_from = (chrono::Utc::now().timestamp_micros() - keep_for).min(recorded);
    let old = rows.iter().filter(|r| r.as_of < keep_from).count();
    if old == 0 {
        return;
    }
    match store.compact(Some(keep_from)) {
        Ok((_, _, dropped)) => println!(
            "retain: {dropped} rows older than {} dropped from {}",
            history::show_time(keep_from),
            store.spec()
        ),
        Err(e) => println!(
            "note: retain: {old} rows are older than the store keeps, and were not dropped: {}",
            crate::error::chain(&e)
        ),
    }
}

/// Which recorded points an audit judges, by the label they were recorded
/// under.
enum Labels {
    /// Every point, whatever its label.
    All,
    /// The points of one label (`None`: those recorded without one), as a
    /// point just recorded is judged: among its own kind.
    Only(Option<String>),
}

/// Judges every series at `at` (each one's latest point when `None`) and
/// every configured check among the points `labels` takes, prints the
/// result, and gives the exit code and the report (`None` when the store
/// could not be read or holds no such point).
fn audit_store(
    store: &Store,
    config: &HistoryConfig,
    at: Option<&str>,
    strict: bool,
    labels: Labels,
    quiet: bool,
) -> (u8, Option<AuditReport>) {
    let loaded = store.load().and_then(|rows| Ok((rows, store.notes()?)));
    let (mut rows, notes) = match loaded {
        Ok(r) => r,
        Err(e) => {
            print_error(&e);
            return (EXIT_ERROR, None);
        }
    };
    // Nothing recorded is no pass: a store named wrong, or a git ref not
    // fetched, would otherwise pass every nightly audit.
    if rows.is_empty() {
        eprintln!(
            "error: the store {} holds no recorded point: nothing to audit\n  help: {}",
            store.spec(),
            empty_store_help(store)
        );
        return (EXIT_ERROR, None);
    }
    match labels {
        Labels::Only(label) => {
            if let Err(code) = keep_label(&mut rows, label.as_ref(), store, ": nothing to audit") {
                return (code, None);
            }
        }
        // A label does not part a series: points of production and of CI
        // runs recorded into one store under one table name are judged as
        // one unless the audit takes one label.
        Labels::All => note_mixed_labels(
            &rows,
            |_| true,
            "its series judge them as one level\n  \
             help: judge one kind with `swimlane audit --label L`, or record each into a store of its own (--store)",
        ),
    }
    let report = match verdict::audit(&rows, &notes, config, at, strict) {
        Ok(r) => r,
        Err(e) => {
            print_error(&e);
            return (EXIT_ERROR, None);
        }
    };
    let _ = crate::report::audit::terminal(&report, &mut io::stdout().lock(), quiet);
    (super::exit_code(report.verdict()), Some(report))
}

/// Says so on stderr when `rows`, all of `store`, are none: a listing or
/// a page of nothing is no error, but should not pass for one of a store
/// that has points.
fn note_if_empty(store: &Store, rows: &[history::Row]) {
    if rows.is_empty() {
        eprintln!(
            "note: the store {} holds no recorded point\n  help: {}",
            store.spec(),
            empty_store_help(store)
        );
    }
}

/// What to do about a store with no point in it.
fn empty_store_help(store: &Store) -> String {
    let record = "record points with `swimlane run --record` or `swimlane profile PATH --record`";
    match store.spec().strip_prefix("git:") {
        Some(refname) => format!(
            "{record}; in a clone, fetch the ref first: `git fetch origin {refname}:{refname}`"
        ),
        None => format!("{record}; check --store or `[history] store`"),
    }
}

/// A config error as `swimlane run` prints one (it locates itself).
/// A config error: its message already shows the line and the help.
pub(super) fn config_error(e: &crate::config::ConfigError) {
    eprintln!("error: {e}");
}

/// Why `run` is excluded, if it is.
fn excluded_why<'a>(notes: &'a [Note], run: &str) -> Option<&'a str> {
    notes.iter().find_map(|n| match n {
        Note::Exclude { run: r, reason } if r == run => Some(reason.as_str()),
        _ => None,
    })
}

fn changepoint_text(
    c: &crate::stats::changepoint::ChangePoint,
    reading: Reading,
    as_of: Option<f64>,
) -> String {
    crate::model::digits::show_level_change(
        reading,
        as_of,
        (c.mean_before, c.mean_after),
        c.forward_rel_change,
        c.pvalue,
    )
}

fn judged_json(j: &Judged, reading: Reading) -> Value {
    use crate::report::audit::{change_json, check_value, finite, measure_name};
    let sigma = j.settings.anomaly.sigma;
    json!({
        "name": j.name,
        "unit": reading.unit(),
        "measure": measure_name(j.against_as_of()),
        "points": j.points.iter().zip(&j.checks).map(|(p, c)| json!({
            "run": p.run, "as_of": history::show_time(p.as_of), "commit": p.commit, "label": p.label,
            "value": finite(p.value), "check": check_value(&(*c).into(), sigma),
        })).collect::<Vec<_>>(),
        "anomalies": j.points.iter().enumerate().filter(|(i, _)| j.anomaly_at(*i))
            .map(|(_, p)| json!({"run": p.run, "as_of": history::show_time(p.as_of), "value": p.value})).collect::<Vec<_>>(),
        "changepoints": verdict::change_results(j).iter().map(change_json).collect::<Vec<_>>(),
    })
}
