//! `swimlane run`: config → checkouts → lanes → outputs → comparison model.
//!
//! This is the one place that knows the order of things and what a failure
//! at each step means for the verdict. It prints nothing; progress goes to an
//! [`Observer`] and the result is a [`RunReport`] for the renderers.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use crate::cache::{Cache, Lookup};
use crate::config::{CompareMode, Config, ConfigError, Table, Tolerance};
use crate::diff;
use crate::distribution;
use crate::error::Help;
use crate::git::{GitError, Repo, Resolved};
use crate::lane::{self, LaneDirs, LaneEnv, Observer};
use crate::load::{self, LoadError, MemoryBudget};
use crate::model::{
    Calibrated, CalibrationAction, Mode, RevReport, RunReport, SnapshotReport, TableReport, Timings,
};
use crate::model::{LaneRun, Side, StageRun, StageStatus};
use crate::snapshot::{self, SnapshotError};

/// What the user asked `swimlane run` to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub config: PathBuf,
    pub base: Option<String>,
    pub head: Option<String>,
    pub worktree: bool,
    pub keep_lanes: bool,
    pub base_mode: BaseMode,
    /// The baseline cache's directory; `None` runs without the cache.
    pub cache_dir: Option<PathBuf>,
    /// Run the base twice and discount what differs between the two runs.
    pub calibrate: bool,
    /// Memory for the columns being compared at once.
    pub memory_budget: MemoryBudget,
    /// `--engine`: overrides the config's engines for every table.
    pub engine: Option<crate::config::Engine>,
    /// `--spark-remote`: overrides `[spark] remote`.
    pub spark_remote: Option<String>,
}

/// Floating-point differences up to this relative size between two runs of
/// the same code are noise (summation order); larger ones are not numbers
/// worth comparing exactly (timestamps, random draws).
pub const FLOAT_NOISE: f64 = 1e-6;
/// A calibrated tolerance is the observed noise times this margin.
pub const NOISE_MARGIN: f64 = 10.0;

/// Which commit of the base the head is compared with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BaseMode {
    /// Where head branched off base, as a pull request's diff does: changes
    /// merged into base since then are not the head's regressions.
    #[default]
    MergeBase,
    /// The tip of the base branch.
    Tip,
}

/// Reasons a run produced no report at all.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Git(#[from] GitError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("cannot prepare the lanes in the temp dir")]
    Workspace(#[source] std::io::Error),
    #[error("cannot run the stages of lane {lane}")]
    Spawn {
        lane: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[cfg(feature = "spark")]
    #[error(transparent)]
    Spark(#[from] crate::spark::SparkError),
    #[error(
        "a table is to be compared on Spark, but this swimlane was built without the Spark engine"
    )]
    NoSpark,
    #[error("a table is to be compared on Spark, but no server is named")]
    NoSparkRemote,
    #[error(
        "cannot create the lanes' outputs in {} (`[spark] outputs`)",
        path.display()
    )]
    SparkOutputs {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Help for RunError {
    fn help(&self) -> Option<String> {
        match self {
            RunError::Git(e) => e.help(),
            RunError::Snapshot(e) => e.help(),
            #[cfg(feature = "spark")]
            RunError::Spark(e) => e.help(),
            RunError::NoSpark => Some("build it with `cargo build --release --features spark` (needs protoc: PROTOC=/path/to/protoc), or use --engine local".into()),
            RunError::NoSparkRemote => Some("add `[spark] remote = \"sc://host:15002\"` to the config, or pass --spark-remote".into()),
            RunError::SparkOutputs { .. } => Some("it must be an existing directory this machine can write and the cluster can read".into()),
            // A config error shows its help beside the line it is about.
            RunError::Config(_)
            | RunError::Workspace(_)
            | RunError::Spawn { .. }
            | RunError::Interrupted(_) => None,
        }
    }
}

/// Runs both lanes and compares their outputs.
pub fn run(opts: &RunOptions, observer: &dyn Observer) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let config = Config::load(&opts.config)?;
    // The engine of each table: --engine, else the table's, else the
    // config's, else local. A Spark server is reached before any lane runs.
    let engine_of = |t: &Table| {
        opts.engine
            .or(t.engine)
            .or(config.engine)
            .unwrap_or(crate::config::Engine::Local)
    };
    let needs_spark = config
        .tables
        .iter()
        .any(|t| engine_of(t) == crate::config::Engine::Spark);
    let remote = opts.spark_remote.clone().or(config.spark_remote.clone());
    #[cfg(feature = "spark")]
    let spark = match (needs_spark, remote) {
        (false, _) => None,
        (true, None) => return Err(RunError::NoSparkRemote),
        (true, Some(remote)) => {
            let mut spark = crate::spark::Spark::connect(&remote)?;
            if let Some(o) = &config.spark_outputs {
                spark.map_paths(&o.local, &o.cluster);
            }
            Some(spark)
        }
    };
    #[cfg(not(feature = "spark"))]
    if needs_spark {
        let _ = remote;
        return Err(RunError::NoSpark);
    }
    let repo = Repo::discover(&config.dir)?;
    let base_rev = match &opts.base {
        Some(b) => b.clone(),
        None => repo.default_base(config.base.as_deref())?,
    };
    let tip = repo.resolve(&base_rev)?;
    let head = if opts.worktree {
        repo.resolve_worktree()?
    } else {
        repo.resolve(opts.head.as_deref().unwrap_or("HEAD"))?
    };
    let base = match (opts.base_mode, &head.commit) {
        (BaseMode::MergeBase, Some(head_commit)) => Resolved {
            commit: Some(repo.merge_base(&tip, head_commit)?),
            ..tip.clone()
        },
        _ => tip.clone(),
    };
    let mut base_report = rev_report(&base);
    if opts.base_mode == BaseMode::MergeBase {
        base_report.tip = tip.commit.clone();
    }
    let base_tree = base.commit.as_deref().and_then(|c| repo.tree_id(c));
    let head_tree = head.commit.as_deref().and_then(|c| repo.tree_id(c));
    if !head.worktree && base_tree.is_some() && base_tree == head_tree {
        return Ok(RunReport {
            mode: Mode::Run,
            base: base_report,
            head: rev_report(&head),
            snapshot: SnapshotReport {
                path: config.snapshot.clone(),
                ..SnapshotReport::default()
            },
            lanes: Vec::new(),
            tables: Vec::new(),
            errors: Vec::new(),
            timings: Timings {
                total: started.elapsed().as_secs_f64(),
                ..Timings::default()
            },
            kept_lanes: None,
            notes: vec![format!(
                "base and head have the same tree ({}): nothing can differ, so the lanes were not run",
                &base_tree.unwrap_or_default()[..10]
            )],
        });
    }
    let before = snapshot::digest(&config.snapshot)?;
    let worktree_before = repo.worktree_state()?;
    let mut notes = Vec::new();
    let cache = opts.cache_dir.as_deref().map(Cache::new);
    let cache_key = base_tree
        .as_deref()
        .map(|tree| Cache::key(tree, &before.hex, &config));
    let cached = match (&cache, &cache_key) {
        (Some(cache), Some(key)) => match cache.lookup(key) {
            Lookup::Hit => true,
            Lookup::Miss => false,
            Lookup::Corrupt(why) => {
                notes.push(format!(
                    "warning: the baseline cache entry {} was ignored and rebuilt: {why}",
                    &key[..16]
                ));
                false
            }
        },
        _ => false,
    };

    let workspace = tempfile::Builder::new()
        .prefix("swimlane-")
        .tempdir()
        .map_err(RunError::Workspace)?;
    let dirs = [Side::Base, Side::Head, Side::Calibration]
        .map(|side| LaneDirs::create(workspace.path().join(side.as_str())));
    let [base_dirs, head_dirs, calibration_dirs] = dirs;
    let mut base_dirs = base_dirs.map_err(RunError::Workspace)?;
    let mut head_dirs = head_dirs.map_err(RunError::Workspace)?;
    let mut calibration_dirs = calibration_dirs.map_err(RunError::Workspace)?;
    // Tables compared on Spark are read by the cluster: the lanes write
    // their outputs into the directory it shares with this machine.
    let shared = match (&config.spark_outputs, needs_spark) {
        (Some(o), true) => {
            let shared = tempfile::Builder::new()
                .prefix("swimlane-")
                .tempdir_in(&o.local)
                .map_err(|source| RunError::SparkOutputs {
                    path: o.local.clone(),
                    source,
                })?;
            for (side, dirs) in [
                (Side::Base, &mut base_dirs),
                (Side::Head, &mut head_dirs),
                (Side::Calibration, &mut calibration_dirs),
            ] {
                dirs.out = shared.path().join(side.as_str());
                std::fs::create_dir_all(&dirs.out).map_err(RunError::Workspace)?;
            }
            Some(shared)
        }
        _ => None,
    };

    let mut timings = Timings::default();
    let t = Instant::now();
    if cached {
        let (cache, key) = (
            cache.as_ref().expect("cached"),
            cache_key.as_deref().expect("cached"),
        );
        cache
            .restore(key, &base_dirs.out)
            .map_err(RunError::Workspace)?;
    } else {
        repo.checkout(&base, &base_dirs.checkout)?;
    }
    repo.checkout(&head, &head_dirs.checkout)?;
    notes.extend(crate::git::unsupported_content(&head_dirs.checkout));
    if opts.calibrate {
        repo.checkout(&base, &calibration_dirs.checkout)?;
    }
    timings.checkout = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut lanes = vec![Side::Base, Side::Head];
    if opts.calibrate {
        lanes.push(Side::Calibration);
    }
    let tracker = SnapshotTracker::new(&config.snapshot, &before, lanes);
    let run_side = |side: Side, dirs: &LaneDirs, rev: &Resolved| {
        let env = LaneEnv {
            side,
            dirs,
            snapshot: &config.snapshot,
            rev: &rev.rev_id(),
        };
        let result = lane::run_lane(&env, &config.stages, observer);
        tracker.lane_finished(side);
        result.map_err(|source| RunError::Spawn {
            lane: side.as_str(),
            source,
        })
    };
    let cached_lane = || {
        let stages = config
            .stages
            .iter()
            .enumerate()
            .map(|(i, stage)| {
                let stem = base_dirs.logs.join(format!("{:02}-{}", i + 1, stage.name));
                let run = StageRun {
                    name: stage.name.clone(),
                    status: StageStatus::Cached,
                    exit_code: None,
                    signal: None,
                    seconds: 0.0,
                    stdout_log: stem.with_extension("stdout.log"),
                    stderr_log: stem.with_extension("stderr.log"),
                    tail: Vec::new(),
                };
                observer.stage_finished(Side::Base, &run);
                run
            })
            .collect();
        tracker.lane_finished(Side::Base);
        Ok(LaneRun {
            side: Side::Base,
            stages,
            seconds: 0.0,
        })
    };
    let (base_run, head_run, calibration_run) = std::thread::scope(|s| {
        let b = s.spawn(|| {
            if cached {
                cached_lane()
            } else {
                run_side(Side::Base, &base_dirs, &base)
            }
        });
        let c = opts
            .calibrate
            .then(|| s.spawn(|| run_side(Side::Calibration, &calibration_dirs, &base)));
        let h = run_side(Side::Head, &head_dirs, &head);
        let c = c.map(|c| c.join().expect("calibration lane thread panicked"));
        (b.join().expect("base lane thread panicked"), h, c)
    });
    timings.stages = t.elapsed().as_secs_f64();
    observer.lanes_finished();
    // Test hook: proves that a panic after the lanes still exits 2 and
    // removes the lanes (tests/it/run.rs).
    if std::env::var_os("SWIMLANE_TEST_PANIC_AFTER_LANES").is_some() {
        panic!("SWIMLANE_TEST_PANIC_AFTER_LANES is set");
    }
    crate::interrupt::check()?;
    let (mut base_run, mut head_run) = (base_run?, head_run?);
    let mut calibration_run = calibration_run.transpose()?;
    // The lanes are removed at the end: a failed stage's logs are kept
    // where the report can point (with --keep-lanes, they stay in place).
    if !opts.keep_lanes
        && let Some(state) = crate::logs::state_dir()
    {
        let mut lanes: Vec<&mut LaneRun> = vec![&mut base_run, &mut head_run];
        lanes.extend(calibration_run.as_mut());
        if let Err(e) = crate::logs::keep_failed(&state, &mut lanes) {
            notes.push(format!(
                "warning: cannot keep the failed stage's logs in {}: {e}",
                state.join("logs").display()
            ));
        }
    }
    let calibrated = match &calibration_run {
        Some(c) if c.failure().is_none() => true,
        Some(c) => {
            let failed = c.failure().expect("checked");
            notes.push(format!(
                "warning: the calibration lane failed at stage `{}` ({}): the run is not calibrated",
                failed.name,
                failed.describe()
            ));
            false
        }
        None => false,
    };
    if !cached
        && base_run.failure().is_none()
        && let (Some(cache), Some(key)) = (&cache, &cache_key)
        && let Err(e) = cache.store(key, &base_dirs.out)
    {
        notes.push(format!(
            "warning: cannot store the base outputs in the cache: {e}"
        ));
    }

    let mut errors = Vec::new();
    let (after, suspects) = tracker.finish()?;
    let modified = before.changed_files(&after);
    if !modified.is_empty() {
        errors.push(format!(
            "the snapshot was modified while {} ran ({}): a pipeline must only read its input",
            suspects,
            list_paths(&modified)
        ));
    }
    let touched: Vec<PathBuf> = {
        let after = repo.worktree_state()?;
        let mut paths: Vec<PathBuf> = after
            .iter()
            .filter(|entry| !worktree_before.contains(entry))
            .chain(
                worktree_before
                    .iter()
                    .filter(|entry| !after.contains(entry)),
            )
            .map(|(p, _)| p.clone())
            .filter(|p| !p.starts_with(&config.snapshot))
            .collect();
        paths.sort();
        paths.dedup();
        paths
    };
    if !touched.is_empty() {
        errors.push(format!(
            "a stage wrote outside its lane, into your working tree ({}): stages must write only to {{out}} and their checkout",
            list_paths(&touched)
        ));
    }
    if let Some(failed) = base_run.failure() {
        errors.push(format!(
            "base lane failed at stage `{}` ({}): there is nothing to compare against",
            failed.name,
            failed.describe()
        ));
    }

    let mut tables = Vec::new();
    if base_run.failure().is_none() && head_run.failure().is_none() {
        let t = Instant::now();
        let mut load_seconds = 0.0;
        for table in &config.tables {
            if crate::interrupt::requested() {
                break;
            }
            let calibration = if calibrated && base_run.failure().is_none() {
                calibrate(
                    table,
                    &base_dirs.out,
                    &calibration_dirs.out,
                    opts.memory_budget,
                    &mut notes,
                )
            } else {
                Vec::new()
            };
            let table = calibrated_table(table, &calibration);
            #[cfg(feature = "spark")]
            let engine = match (&spark, engine_of(&table)) {
                (Some(s), crate::config::Engine::Spark) => EngineRef::Spark(s),
                _ => EngineRef::Local,
            };
            #[cfg(not(feature = "spark"))]
            let engine = EngineRef::Local;
            let (mut report, load) = compare_table_at(
                &table,
                (&base_dirs.out, &table.path),
                (&head_dirs.out, &table.path),
                opts.memory_budget,
                engine,
            );
            report.calibration = calibration;
            load_seconds += load;
            if let Some(e) = &report.error {
                errors.push(format!("table `{}`: {e}", table.name));
            }
            tables.push(report);
        }
        distribution::apply_fdr(&mut tables);
        timings.load = load_seconds;
        timings.compare = t.elapsed().as_secs_f64() - load_seconds;
    }
    crate::interrupt::check()?;

    let kept_lanes = if opts.keep_lanes {
        if let Some(shared) = shared {
            notes.push(format!(
                "the lanes' outputs are kept in {}",
                shared.keep().display()
            ));
        }
        Some(workspace.keep())
    } else {
        drop(shared);
        drop(workspace);
        None
    };
    timings.total = started.elapsed().as_secs_f64();
    Ok(RunReport {
        mode: Mode::Run,
        base: base_report,
        head: rev_report(&head),
        snapshot: SnapshotReport {
            path: config.snapshot.clone(),
            digest: before.hex.clone(),
            files: before.files.len(),
            bytes: before.bytes,
            modified,
        },
        lanes: [Some(base_run), Some(head_run), calibration_run]
            .into_iter()
            .flatten()
            .collect(),
        tables,
        errors,
        timings,
        kept_lanes,
        notes,
    })
}

/// What differs between two runs of the base for `table` (exact tables).
fn calibrate(
    table: &Table,
    base_out: &Path,
    calibration_out: &Path,
    budget: MemoryBudget,
    notes: &mut Vec<String>,
) -> Vec<Calibrated> {
    if table.compare != CompareMode::Exact {
        return Vec::new();
    }
    let (aa, _) = compare_table(table, base_out, calibration_out, budget);
    if let Some(rows) = aa.rows
        && (rows.missing > 0 || rows.extra > 0)
    {
        notes.push(format!(
            "table `{}`: two runs of base disagree on which rows exist ({} / {}): its row findings are not reproducible",
            table.name, rows.missing, rows.extra
        ));
    }
    aa.columns
        .iter()
        .filter(|c| c.mismatches > 0)
        .map(|c| {
            let action = match c.max_rel_diff {
                Some(observed) if observed <= FLOAT_NOISE && observed > 0.0 => {
                    CalibrationAction::Tolerance {
                        observed_rel: observed,
                        rel: observed * NOISE_MARGIN,
                    }
                }
                _ => CalibrationAction::Excluded,
            };
            Calibrated {
                column: c.name.clone(),
                mismatches: c.mismatches,
                action,
            }
        })
        .collect()
}

/// `table` with calibration applied: noisy columns ignored or compared
/// within the derived tolerance.
fn calibrated_table(table: &Table, calibration: &[Calibrated]) -> Table {
    let mut t = table.clone();
    for c in calibration {
        match c.action {
            CalibrationAction::Excluded => t.ignore.push(c.column.clone()),
            CalibrationAction::Tolerance { rel, .. } => {
                let tol = t.tolerance.entry(c.column.clone()).or_insert(Tolerance {
                    abs: 0.0,
                    rel: 0.0,
                    seconds: 0.0,
                });
                tol.rel = tol.rel.max(rel);
            }
        }
    }
    t
}

fn rev_report(r: &Resolved) -> RevReport {
    RevReport {
        rev: r.rev.clone(),
        commit: r.commit.clone(),
        worktree: r.worktree,
        tip: None,
    }
}

/// Where tables are compared.
#[derive(Clone, Copy, Default)]
pub enum EngineRef<'a> {
    /// polars on this machine.
    #[default]
    Local,
    /// Spark SQL on the cluster behind a Spark Connect session.
    #[cfg(feature = "spark")]
    Spark(&'a crate::spark::Spark),
    #[doc(hidden)]
    #[cfg(not(feature = "spark"))]
    _Unused(std::marker::PhantomData<&'a ()>),
}

/// Loads both sides of `table` and compares them. Returns the report (with
/// `error` set when it could not be compared) and the seconds spent loading.
pub fn compare_table(
    table: &Table,
    base_out: &Path,
    head_out: &Path,
    budget: MemoryBudget,
) -> (TableReport, f64) {
    compare_table_at(
        table,
        (base_out, &table.path),
        (head_out, &table.path),
        budget,
        EngineRef::Local,
    )
}

/// Like [`compare_table`], with each side's file (or glob) given as a
/// directory and a pattern under it.
pub fn compare_table_at(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    budget: MemoryBudget,
    engine: EngineRef<'_>,
) -> (TableReport, f64) {
    #[cfg(feature = "spark")]
    if let EngineRef::Spark(spark) = engine {
        // The cluster resolves paths on its own: give it absolute ones.
        let path = |(dir, pattern): (&Path, &str)| {
            if crate::compare::cluster_source(pattern) {
                return pattern.to_string();
            }
            let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
            spark.cluster_path(&dir.join(pattern))
        };
        let (base, head) = (path(base), path(head));
        let report = match table.compare {
            CompareMode::Exact => crate::spark::compare_exact(spark, table, &base, &head),
            CompareMode::Distribution => {
                crate::spark::compare_distribution(spark, table, &base, &head)
            }
        }
        .unwrap_or_else(|e| {
            let mut r = TableReport::new(&table.name, table.compare, &table.key);
            r.engine = "spark";
            r.error = Some(crate::error::chain(&e));
            r
        });
        return (report, 0.0);
    }
    let _ = engine;
    if let Some(report) = compare_out_of_core(table, base, head, budget) {
        return (report, 0.0);
    }
    let t = Instant::now();
    let (base, head) = rayon::join(
        || load::load(base.0, base.1, table),
        || load::load(head.0, head.1, table),
    );
    let load_seconds = t.elapsed().as_secs_f64();
    let mut report = TableReport::new(&table.name, table.compare, &table.key);
    let base = match base {
        Ok(b) => b,
        Err(e) => {
            report.error = Some(format!("base output: {}", crate::error::chain(&e)));
            return (report, load_seconds);
        }
    };
    let head = match head {
        Ok(h) => h,
        Err(e @ LoadError::Missing { .. }) => {
            report.head_missing = Some(format!("missing in head: {e}"));
            return (report, load_seconds);
        }
        Err(e) => {
            report.error = Some(format!("head output: {}", crate::error::chain(&e)));
            return (report, load_seconds);
        }
    };
    let result = match table.compare {
        CompareMode::Exact => diff::compare_exact(table, &base.frame, &head.frame),
        CompareMode::Distribution => {
            distribution::compare_distribution(table, &base.frame, &head.frame)
        }
    };
    match result {
        Ok(r) => (r, load_seconds),
        Err(e) => {
            report.error = Some(crate::error::chain(&e));
            (report, load_seconds)
        }
    }
}

/// Compares a keyed exact table from disk, a column at a time, when both
/// sides are Parquet or Arrow IPC: memory holds the keys, the alignment and
/// the columns in flight, as many at once as the budget allows (measured
/// faster than loading both sides whole, too: BENCHMARKS.md). `None` when
/// the table is to be loaded whole.
fn compare_out_of_core(
    table: &Table,
    base: (&Path, &str),
    head: (&Path, &str),
    budget: MemoryBudget,
) -> Option<TableReport> {
    if table.compare != CompareMode::Exact || table.key.is_empty() {
        return None;
    }
    // Errors (a missing or unreadable file) are left to the loading path,
    // which reports them.
    let mut b = load::OnDisk::open(base.0, base.1, table.format).ok()??;
    let mut h = load::OnDisk::open(head.0, head.1, table.format).ok()??;
    (b.declared, h.declared) = (table.declared, table.declared);
    // The largest column pair sets how many fit in the budget at once.
    let pair_bytes = b
        .column_bytes
        .iter()
        .map(|(name, bytes)| bytes + h.column_bytes.get(name).copied().unwrap_or(0))
        .max()
        .unwrap_or(0);
    let in_flight = budget.columns_in_flight(pair_bytes);
    let mut report = match diff::compare_sources(
        table,
        diff::Source::Disk(&b),
        diff::Source::Disk(&h),
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

fn list_paths(paths: &[PathBuf]) -> String {
    let mut s: Vec<String> = paths
        .iter()
        .take(5)
        .map(|p| p.display().to_string())
        .collect();
    if paths.len() > 5 {
        s.push(format!("and {} more", paths.len() - 5));
    }
    s.join(", ")
}

/// Re-digests the snapshot as each lane finishes, to name the lane(s) that
/// could have modified it.
struct SnapshotTracker<'a> {
    path: &'a Path,
    before: &'a snapshot::Digest,
    /// Every lane of the run, in the order they are named in messages.
    lanes: Vec<Side>,
    state: Mutex<TrackerState>,
}

#[derive(Default)]
struct TrackerState {
    finished: Vec<Side>,
    suspects: Option<Vec<Side>>,
    error: Option<SnapshotError>,
    /// The digest taken when the last lane so far finished.
    latest: Option<snapshot::Digest>,
}

impl<'a> SnapshotTracker<'a> {
    fn new(path: &'a Path, before: &'a snapshot::Digest, lanes: Vec<Side>) -> Self {
        SnapshotTracker {
            path,
            before,
            lanes,
            state: Mutex::new(TrackerState::default()),
        }
    }

    fn lane_finished(&self, side: Side) {
        let mut state = self.state.lock().expect("tracker lock");
        state.finished.push(side);
        if state.suspects.is_some() || state.error.is_some() {
            return;
        }
        match snapshot::digest(self.path) {
            Ok(d) => {
                if d.hex != self.before.hex {
                    // Lanes still running when the change was seen may have done it.
                    let mut suspects = vec![side];
                    suspects.extend(self.lanes.iter().filter(|l| !state.finished.contains(l)));
                    state.suspects = Some(suspects);
                }
                state.latest = Some(d);
            }
            Err(e) => state.error = Some(e),
        }
    }

    /// The final digest and a description of the suspect lanes.
    fn finish(self) -> Result<(snapshot::Digest, String), SnapshotError> {
        let mut state = self.state.into_inner().expect("tracker lock");
        if let Some(e) = state.error {
            return Err(e);
        }
        // The digest taken as the last lane finished is the final one, unless
        // a change was seen earlier (then later lanes skipped theirs).
        let all_done = self.lanes.iter().all(|l| state.finished.contains(l));
        let after = match state.latest.take() {
            Some(d) if all_done && state.suspects.is_none() => d,
            _ => snapshot::digest(self.path)?,
        };
        let suspects = match state.suspects.as_deref() {
            Some([one]) => format!("lane {}", one.as_str()),
            Some(many) => {
                let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                format!("lanes {}", names.join(", "))
            }
            None => String::new(),
        };
        Ok((after, suspects))
    }
}
