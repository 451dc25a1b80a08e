//! `swimlane init`: a first `swimlane.toml` from the pipeline itself. The
//! pipeline runs twice, in two lanes over the snapshot (the working tree as
//! it is, as `swimlane run --worktree` checks it out); the tables of the
//! first run's output directory become `[[table]]`s, each with the smallest
//! set of columns unique on it as its key (names like `*_id` first), the
//! columns that differ between the two runs in `ignore` (the second run
//! starts a second after the first, so that a stamp of the run's time to
//! the second differs; one of the runs' time on every row, a run date, is
//! ignored too), and float-heavy tables of derived numbers (means, ratios,
//! scores: full-precision floats) compared by distribution; floats that
//! all hold a few decimals (amounts, prices, measures) are facts, compared
//! exactly. The
//! text is checked by the config reader before it is returned;
//! `cli/init.rs` writes it.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::config::{CompareMode, Config, ConfigError, Format, Stage, Table};
use crate::git::{GitError, Repo};
use crate::lane::{self, LaneDirs, LaneEnv, Silent};
use crate::load::{self, LoadError};
use crate::model::{Side, StageStatus};

/// The stage's name in the written config.
pub const STAGE: &str = "pipeline";
/// Key candidates tried in pairs and in threes (the first ones, `*_id`
/// columns first): enough for real composite keys, few enough to stay fast.
const PAIR_CANDIDATES: usize = 8;
const TRIPLE_CANDIDATES: usize = 5;
/// How much later the second run starts: a stamp of the run's time to the
/// second (`int(time.time())`, as the demo's pipeline writes) then differs
/// between the runs, where runs started together wrote the same one.
const STAGGER: std::time::Duration = std::time::Duration::from_millis(1100);
/// How near the runs' time a column's one value must be to be read as a
/// stamp of it: a day, for run dates in any time zone.
const STAMP_WINDOW_SECS: i64 = 86_400;

pub struct InitOptions {
    /// The config to write (its directory is where paths are relative to).
    pub config: PathBuf,
    /// The pipeline's command, with `{snapshot}` and `{out}`.
    pub run: String,
    pub snapshot: PathBuf,
    pub force: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error("{} exists", path.display())]
    Exists { path: PathBuf },
    #[error("the snapshot {} does not exist", path.display())]
    NoSnapshot { path: PathBuf },
    #[error("invalid --run: {0}")]
    Run(String),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error("cannot create the lanes' workspace")]
    Workspace(#[source] std::io::Error),
    #[error("cannot start the pipeline")]
    Spawn(#[source] std::io::Error),
    #[error("the pipeline failed ({how}) on its {run} run{}", tail_text(tail))]
    Failed {
        run: &'static str,
        how: String,
        tail: Vec<String>,
    },
    #[error("the pipeline modified the snapshot: {}", files.join(", "))]
    SnapshotModified { files: Vec<String> },
    #[error("the pipeline wrote no table (Parquet, CSV, NDJSON or Arrow files) into {{out}}")]
    NoTables {
        /// Directories of data that are no table here, and why.
        passed_over: Vec<(String, String)>,
    },
    #[error("cannot read the output table `{table}`")]
    Load {
        table: String,
        #[source]
        source: Box<LoadError>,
    },
    #[error("cannot infer the settings of table `{table}`")]
    Polars {
        table: String,
        #[source]
        source: PolarsError,
    },
    #[error(transparent)]
    Snapshot(#[from] crate::snapshot::SnapshotError),
    #[error("the config written would be invalid (a bug: please report it)\n{text}")]
    Invalid {
        text: String,
        #[source]
        source: ConfigError,
    },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
}

fn tail_text(tail: &[String]) -> String {
    if tail.is_empty() {
        String::new()
    } else {
        format!(":\n  {}", tail.join("\n  "))
    }
}

impl crate::error::Help for InitError {
    fn help(&self) -> Option<String> {
        Some(match self {
            InitError::Exists { .. } => "pass --force to overwrite it".into(),
            InitError::NoSnapshot { .. } => {
                "pass --snapshot with the directory (or file) of input facts the pipeline reads".into()
            }
            InitError::Run(_) => {
                "write the command with {snapshot} where it reads its input and {out} where it writes its tables".into()
            }
            InitError::Failed { .. } => {
                "run the command by hand with the placeholders filled in, fix it, and try again".into()
            }
            InitError::NoTables { passed_over } if passed_over.is_empty() => {
                "the pipeline must write its tables under the directory it is given as {out}".into()
            }
            InitError::NoTables { passed_over } => passed_over
                .iter()
                .map(|(name, why)| format!("`{name}/`: {why}"))
                .collect::<Vec<_>>()
                .join("\n"),
            InitError::SnapshotModified { .. } => {
                "the pipeline must only read the snapshot: write outputs and scratch files under {out}".into()
            }
            _ => return None,
        })
    }
}

/// What was inferred for one output table.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    pub name: String,
    pub path: String,
    pub format: Format,
    /// In a database file: the table's name there.
    pub table: Option<String>,
    pub rows: usize,
    /// Empty: no set of columns is unique (a keyless table).
    pub key: Vec<String>,
    /// Columns that differed between the two runs, and the run stamps.
    pub ignore: Vec<String>,
    /// Of `ignore`, the columns holding the runs' time on every row.
    pub stamps: Vec<String>,
    /// Float columns among the compared ones, and the compared ones.
    pub floats: (usize, usize),
    /// Of the float columns, those whose values hold more than a few
    /// decimals ([`derived`]).
    pub derived: usize,
    pub distribution: bool,
}

/// The config `swimlane init` writes, and what it found.
pub struct Plan {
    pub tables: Vec<Inferred>,
    pub text: String,
    /// Directories the pipeline wrote data into that are no table here,
    /// and why (`load::passed_over`): said, not left out in silence.
    pub passed_over: Vec<(String, String)>,
}

/// Runs the pipeline twice and infers the config.
pub fn plan(opts: &InitOptions) -> Result<Plan, InitError> {
    if opts.config.exists() && !opts.force {
        return Err(InitError::Exists {
            path: opts.config.clone(),
        });
    }
    if !opts.snapshot.exists() {
        return Err(InitError::NoSnapshot {
            path: opts.snapshot.clone(),
        });
    }
    crate::template::check_placeholders(&opts.run).map_err(|(_, why)| InitError::Run(why))?;
    if !opts.run.contains("{out}") {
        return Err(InitError::Run(
            "it never names {out}, where the tables go".into(),
        ));
    }
    let dir = opts
        .config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let dir = dir.canonicalize().map_err(InitError::Workspace)?;
    let snapshot = opts.snapshot.canonicalize().map_err(InitError::Workspace)?;
    let repo = Repo::discover(&dir)?;
    let rev = repo.resolve_worktree()?;
    let stage = Stage {
        name: STAGE.into(),
        run: opts.run.clone(),
        timeout: crate::config::DEFAULT_STAGE_TIMEOUT,
    };

    let before = crate::snapshot::digest(&snapshot)?;
    let workspace = tempfile::Builder::new()
        .prefix("swimlane-init-")
        .tempdir()
        .map_err(InitError::Workspace)?;
    let lanes = [Side::Base, Side::Calibration].map(|side| {
        LaneDirs::create(workspace.path().join(side.as_str())).map(|dirs| (side, dirs))
    });
    let [first, second] = lanes;
    let lanes = [
        first.map_err(InitError::Workspace)?,
        second.map_err(InitError::Workspace)?,
    ];
    for (_, dirs) in &lanes {
        repo.checkout(&rev, &dirs.checkout)?;
    }
    let rev_id = rev.rev_id();
    let now = chrono::Utc::now().timestamp();
    // Both runs at once, as `swimlane run` runs its lanes, the second
    // STAGGER later.
    let runs = std::thread::scope(|scope| {
        let handles: Vec<_> = lanes
            .iter()
            .enumerate()
            .map(|(i, (side, dirs))| {
                let (stage, snapshot, rev_id) = (&stage, &snapshot, &rev_id);
                scope.spawn(move || {
                    if i > 0 {
                        std::thread::sleep(STAGGER);
                    }
                    let env = LaneEnv {
                        side: *side,
                        dirs,
                        snapshot,
                        rev: rev_id,
                        // `swimlane init` infers tables from files.
                        database_url: None,
                        database_name: None,
                    };
                    lane::run_lane(&env, std::slice::from_ref(stage), &Silent)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect::<Vec<_>>()
    });
    crate::interrupt::check()?;
    for (run, name) in runs.into_iter().zip(["first", "second"]) {
        let run = run.map_err(InitError::Spawn)?;
        if let Some(s) = run.stages.iter().find(|s| s.status != StageStatus::Ok) {
            return Err(InitError::Failed {
                run: name,
                how: s.describe(),
                tail: s.tail.clone(),
            });
        }
    }
    let changed = before.changed_files(&crate::snapshot::digest_since(&snapshot, Some(&before))?);
    if !changed.is_empty() {
        return Err(InitError::SnapshotModified {
            files: changed.iter().map(|p| p.display().to_string()).collect(),
        });
    }

    let found = load::tables_in(&lanes[0].1.out, None).map_err(InitError::Workspace)?;
    let passed_over = load::passed_over(&lanes[0].1.out, None, &found);
    if found.is_empty() {
        return Err(InitError::NoTables { passed_over });
    }
    // A database file the pipeline wrote holds tables: each is one.
    let mut entries: Vec<(String, String, Format, Option<String>)> = Vec::new();
    for (name, (path, format)) in found {
        if !format.is_database() {
            entries.push((name, path, format, None));
            continue;
        }
        let held =
            crate::database::tables(&lanes[0].1.out.join(&path)).map_err(|e| InitError::Load {
                table: name.clone(),
                source: Box::new(e.into()),
            })?;
        for table in held {
            entries.push((table.clone(), path.clone(), format, Some(table)));
        }
    }
    let mut tables: Vec<Inferred> = Vec::new();
    for (name, path, format, table) in entries {
        crate::interrupt::check()?;
        // Two tables of one name (a file and a database's table): the
        // second named after its file too.
        let name = if tables.iter().any(|t| t.name == name) {
            format!("{}_{name}", path.split('.').next().unwrap_or(&path))
        } else {
            name
        };
        tables.push(infer(
            &name,
            (&path, format, table),
            (&lanes[0].1.out, &lanes[1].1.out),
            now,
        )?);
    }
    let snapshot_text = match snapshot.strip_prefix(&dir) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
        Ok(_) => ".".into(),
        Err(_) => snapshot.display().to_string(),
    };
    let base = repo.default_base(None).unwrap_or_else(|_| "main".into());
    let mut text = render(&snapshot_text, &base, &opts.run, &tables);
    for (name, why) in &passed_over {
        text.push_str(&format!("\n# `{name}/` is not listed: {why}\n"));
    }
    Config::parse(&text, &opts.config, &dir).map_err(|source| InitError::Invalid {
        text: text.clone(),
        source,
    })?;
    Ok(Plan {
        tables,
        text,
        passed_over,
    })
}

/// One table's settings from its two runs, made about `now` (seconds
/// since the epoch).
fn infer(
    name: &str,
    (path, format, in_database): (&str, Format, Option<String>),
    (first, second): (&Path, &Path),
    now: i64,
) -> Result<Inferred, InitError> {
    let table = Table {
        relation: in_database.clone().map(crate::config::Relation::Table),
        ..Table::new(name, path, format, CompareMode::Exact)
    };
    let load_err = |source| InitError::Load {
        table: name.into(),
        source: Box::new(source),
    };
    let polars_err = |source| InitError::Polars {
        table: name.into(),
        source,
    };
    let a = load::load(first, path, &table).map_err(load_err)?.frame;
    let b = load::load(second, path, &table).map_err(load_err)?.frame;
    // Columns whose values (as a multiset) differ between two runs of the
    // same code: timestamps, random ids. Never keys, never compared.
    let mut ignore = Vec::new();
    for c in a.get_column_names() {
        let differs = match b.column(c) {
            Err(_) => true,
            Ok(cb) => !same_values(a.column(c).map_err(polars_err)?, cb).map_err(polars_err)?,
        };
        if differs {
            ignore.push(c.to_string());
        }
    }
    let stamps: Vec<String> = run_stamps(&a, now)
        .into_iter()
        .filter(|c| !ignore.contains(c))
        .collect();
    ignore.extend(stamps.iter().cloned());
    let key = find_key(&a, &ignore).map_err(polars_err)?;
    // Rows paired by the key: values that moved between rows are
    // non-deterministic too (a random assignment).
    if !key.is_empty() {
        let keyed = Table {
            key: key.clone(),
            ignore: ignore.clone(),
            ..table.clone()
        };
        if let Ok(r) = crate::diff::compare_exact(&keyed, &a, &b) {
            ignore.extend(
                r.columns
                    .iter()
                    .filter(|c| c.mismatches > 0)
                    .map(|c| c.name.clone()),
            );
        }
    }
    let compared: Vec<&Column> = a
        .columns()
        .iter()
        .filter(|c| !key.iter().any(|k| k == c.name().as_str()))
        .filter(|c| !ignore.iter().any(|i| i == c.name().as_str()))
        .collect();
    let floats = compared.iter().filter(|c| c.dtype().is_float()).count();
    let derived = compared.iter().filter(|c| derived(c)).count();
    Ok(Inferred {
        name: name.into(),
        path: path.into(),
        format,
        table: in_database,
        rows: a.height(),
        // Float-heavy, and derived: a table of amounts is facts.
        distribution: floats >= 2 && floats * 2 >= compared.len() && derived > 0,
        floats: (floats, compared.len()),
        derived,
        key,
        ignore,
        stamps,
    })
}

/// Whether a float column holds derived numbers (a mean, a ratio, a log,
/// a score): more than half of its first 100,000 finite values need more
/// than six decimals. Amounts, prices and measures written with a few
/// decimals are facts, which a change must not alter on a single row.
fn derived(c: &Column) -> bool {
    const LOOKED_AT: usize = 100_000;
    if !c.dtype().is_float() {
        return false;
    }
    let Ok(f) = c.cast(&DataType::Float64) else {
        return false;
    };
    let Ok(f) = f.f64() else { return false };
    let (mut finite, mut long) = (0usize, 0usize);
    for x in f.iter().flatten().filter(|x| x.is_finite()).take(LOOKED_AT) {
        finite += 1;
        let scaled = x * 1e6;
        // Within the float's own spacing of a whole number of millionths.
        let slack = (scaled.abs() * 4.0 * f64::EPSILON).max(1e-3);
        long += usize::from((scaled - scaled.round()).abs() > slack);
    }
    long * 2 > finite
}

/// Columns that hold one value on every row (two rows or more, no null)
/// which is a time within STAMP_WINDOW_SECS of `now`: the run's time or
/// date, the same in both runs when coarser than their stagger. A fixed
/// snapshot's own data does not follow the clock.
fn run_stamps(df: &DataFrame, now: i64) -> Vec<String> {
    if df.height() < 2 {
        return Vec::new();
    }
    let near = |secs: i64| (secs - now).abs() <= STAMP_WINDOW_SECS;
    df.columns()
        .iter()
        .filter(|c| c.null_count() == 0 && c.n_unique().is_ok_and(|n| n == 1))
        .filter(|c| {
            let s = c.as_materialized_series();
            let first = |s: &Series| s.cast(&DataType::Int64).ok()?.i64().ok()?.get(0);
            match s.dtype() {
                DataType::Date => first(s).is_some_and(|days| near(days * 86_400)),
                DataType::Datetime(unit, _) => first(s).is_some_and(|v| {
                    near(match unit {
                        TimeUnit::Nanoseconds => v / 1_000_000_000,
                        TimeUnit::Microseconds => v / 1_000_000,
                        TimeUnit::Milliseconds => v / 1_000,
                    })
                }),
                // Seconds, milliseconds, microseconds or nanoseconds since
                // the epoch.
                d if d.is_integer() => first(s).is_some_and(|v| {
                    [1, 1_000, 1_000_000, 1_000_000_000]
                        .iter()
                        .any(|per_sec| near(v / per_sec))
                }),
                _ => false,
            }
        })
        .map(|c| c.name().to_string())
        .collect()
}

/// The same values, in any order (nulls and NaN included).
fn same_values(a: &Column, b: &Column) -> PolarsResult<bool> {
    if a.dtype() != b.dtype() || a.len() != b.len() {
        return Ok(false);
    }
    let sort = |c: &Column| {
        c.as_materialized_series()
            .sort(SortOptions::default().with_nulls_last(true))
    };
    Ok(sort(a)?.equals_missing(&sort(b)?))
}

/// A name that says "identifier".
fn id_like(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "id" || n == "key" || n.ends_with("_id") || n.ends_with("_key")
}

/// The smallest set of columns unique on `df` and without nulls (`*_id`
/// columns tried first, floats and nested values never), or none.
fn find_key(df: &DataFrame, ignore: &[String]) -> PolarsResult<Vec<String>> {
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    let mut candidates: Vec<&Column> = df
        .columns()
        .iter()
        .filter(|c| !ignore.iter().any(|i| i == c.name().as_str()))
        .filter(|c| {
            let t = c.dtype();
            (t.is_integer() || t.is_temporal() || t == &DataType::String) && c.null_count() == 0
        })
        .collect();
    // Identifier names first, then the table's order (a stable sort).
    candidates.sort_by_key(|c| !id_like(c.name()));
    let unique = |cols: &[&Column]| -> PolarsResult<bool> {
        let names: Vec<PlSmallStr> = cols.iter().map(|c| c.name().clone()).collect();
        let distinct = df
            .select(names)?
            .unique_stable(None, UniqueKeepStrategy::Any, None)?
            .height();
        Ok(distinct == df.height())
    };
    let names = |cols: &[&Column]| cols.iter().map(|c| c.name().to_string()).collect();
    for c in &candidates {
        if unique(&[c])? {
            return Ok(names(&[c]));
        }
    }
    let pairs = &candidates[..candidates.len().min(PAIR_CANDIDATES)];
    for (i, a) in pairs.iter().enumerate() {
        for b in &pairs[i + 1..] {
            if unique(&[a, b])? {
                return Ok(names(&[a, b]));
            }
        }
    }
    let threes = &candidates[..candidates.len().min(TRIPLE_CANDIDATES)];
    for (i, a) in threes.iter().enumerate() {
        for (j, b) in threes.iter().enumerate().skip(i + 1) {
            for c in &threes[j + 1..] {
                if unique(&[a, b, c])? {
                    return Ok(names(&[a, b, c]));
                }
            }
        }
    }
    Ok(Vec::new())
}

/// A TOML string.
fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| quoted(i)).collect();
    format!("[{}]", items.join(", "))
}

/// The commented config.
fn render(snapshot: &str, base: &str, run: &str, tables: &[Inferred]) -> String {
    let mut t = String::new();
    t += "# Written by `swimlane init` from two runs of the pipeline over the snapshot.\n";
    t += "# Check the keys and ignored columns, commit this file, then run `swimlane run`\n";
    t += "# (base: the branch below; head: your checkout). The README explains every key.\n\n";
    t += &format!(
        "[snapshot]\npath = {}    # the input facts both lanes read, relative to this file\n\n",
        quoted(snapshot)
    );
    t += &format!("[lanes]\nbase = {}\n\n", quoted(base));
    t += &format!(
        "[[stage]]                    # run with `sh -c` in each lane's checkout\nname = {}\nrun = {}\n",
        quoted(STAGE),
        quoted(run)
    );
    for table in tables {
        t += &format!(
            "\n[[table]]\nname = {}\npath = {}\n",
            quoted(&table.name),
            quoted(&table.path)
        );
        if let Some(name) = &table.table {
            t += &format!("table = {}    # in the database file\n", quoted(name));
        }
        if table.key.is_empty() {
            t += &format!(
                "# no set of columns is unique on its {} rows: compared as a multiset of rows\n",
                table.rows
            );
        } else {
            t += &format!(
                "key = {}    # unique on the {} rows written\n",
                list(&table.key),
                table.rows
            );
        }
        if !table.ignore.is_empty() {
            let differed = table.ignore.len() > table.stamps.len();
            let why = match (differed, table.stamps.as_slice()) {
                (true, []) => {
                    "differed between two runs of the same code (or try `swimlane run --calibrate`)"
                        .to_string()
                }
                (false, _) => "the time of the run on every row".to_string(),
                (true, stamps) => format!(
                    "differed between two runs of the same code; {}: the time of the run on every row",
                    crate::model::ticked(stamps)
                ),
            };
            t += &format!("ignore = {}    # {why}\n", list(&table.ignore));
        }
        let (floats, compared) = table.floats;
        if table.distribution {
            t += &format!(
                "compare = \"distribution\"    # {floats} of {compared} compared columns are floats, {} of them derived (more than six decimals): tested by distribution, not value by value\n",
                table.derived
            );
        } else if floats >= 2 && floats * 2 >= compared {
            t += &format!(
                "# {floats} of {compared} compared columns are floats, all with at most six decimals (amounts, measures: facts): compared exactly; if they are derived features, write compare = \"distribution\"\n"
            );
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_smallest_unique_set_is_the_key_id_names_first() {
        let df = df!(
            "country" => ["US", "FR", "US", "FR"],
            "member_id" => [1i64, 1, 2, 2],
            "video_id" => [7i64, 8, 7, 8],
            "seconds" => [1.0, 2.0, 3.0, 4.0],
        )
        .unwrap();
        assert_eq!(find_key(&df, &[]).unwrap(), ["member_id", "video_id"]);
        // country + video_id is unique too, but identifiers come first.
        let single = df!("name" => ["a", "b"], "row_id" => [1i64, 2]).unwrap();
        assert_eq!(find_key(&single, &[]).unwrap(), ["row_id"]);
    }

    #[test]
    fn amounts_with_a_few_decimals_are_facts_and_logs_or_ratios_are_derived() {
        let col = |v: &[Option<f64>]| Column::new("x".into(), v);
        let amounts = col(&[
            Some(12.34),
            Some(0.1),
            None,
            Some(1e9 + 0.25),
            Some(f64::NAN),
        ]);
        assert!(!derived(&amounts));
        let logs: Vec<Option<f64>> = (1..50).map(|i| Some((i as f64).log10())).collect();
        assert!(derived(&col(&logs)));
        // A third of the values long: not derived; two thirds: derived.
        let third = col(&[Some(1.0 / 3.0), Some(0.5), Some(2.25)]);
        assert!(!derived(&third));
        let two = col(&[Some(1.0 / 3.0), Some(2.0 / 7.0), Some(2.25)]);
        assert!(derived(&two));
        // Whole numbers written as floats, and integers, are no features.
        assert!(!derived(&col(&[Some(20.0), Some(21.0)])));
        assert!(!derived(&Column::new("n".into(), &[1i64, 2, 3])));
    }

    #[test]
    fn floats_nulls_and_ignored_columns_are_never_keys() {
        let df = df!(
            "x" => [1.0, 2.0, 3.0],
            "maybe" => [Some(1i64), None, Some(3)],
            "run_ts" => [10i64, 11, 12],
        )
        .unwrap();
        assert!(find_key(&df, &["run_ts".into()]).unwrap().is_empty());
    }

    #[test]
    fn one_time_of_the_run_on_every_row_is_a_run_stamp() {
        // 2026-12-02T12:00:00Z.
        let now = 1_764_676_800i64;
        let today = (now / 86_400) as i32;
        let df = df!(
            "run_date" => [today, today],
            "loaded_at" => [now * 1_000, now * 1_000],
            "batch" => [7i64, 7],
            // The snapshot's own times: one value, but not the runs'.
            "event_day" => [today - 400, today - 400],
            "seen_at" => [now - 3_600, now - 60],
            "v" => [1.5, 1.5],
        )
        .unwrap();
        let df = df
            .lazy()
            .with_column(col("run_date").cast(DataType::Date))
            .with_column(col("event_day").cast(DataType::Date))
            .collect()
            .unwrap();
        assert_eq!(run_stamps(&df, now), ["run_date", "loaded_at"]);
        // One row is no evidence: it could be the latest event's time.
        assert!(run_stamps(&df.head(Some(1)), now).is_empty());
    }

    #[test]
    fn values_in_another_order_are_the_same_values() {
        let a = Column::new("x".into(), [Some(1i64), None, Some(2)]);
        let b = Column::new("x".into(), [Some(2i64), Some(1), None]);
        let c = Column::new("x".into(), [Some(2i64), Some(2), None]);
        assert!(same_values(&a, &b).unwrap());
        assert!(!same_values(&a, &c).unwrap());
    }
}
