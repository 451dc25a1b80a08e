//! `swimlane run`: config → checkouts → lanes → outputs → comparison model.
//!
//! This is the one place that knows the order of things and what a failure
//! at each step means for the verdict. [`run`] is its phases in order:
//! resolve the revisions, prepare the lanes, run them, check their side
//! effects, compare the tables, assemble the report. It prints nothing;
//! progress goes to an [`Observer`] and the result is a [`RunReport`] for
//! the renderers. [`calibrate`] owns `--calibrate`; [`snapshot_watch`]
//! names the lane that modified the snapshot.

mod calibrate;
mod snapshot_watch;

pub use calibrate::{FLOAT_NOISE, NOISE_MARGIN};

use std::path::{Path, PathBuf};
use std::time::Instant;

use tempfile::TempDir;

use crate::cache::{Cache, Lookup};
use crate::config::{Config, ConfigError, Table};
use crate::database::postgres::{LaneDatabases, PostgresError};
use crate::distribution;
use crate::engine::{self, Engine};
use crate::error::Help;
use crate::git::{GitError, Repo, Resolved};
use crate::lane::{self, LaneDirs, LaneEnv, Observer};
use crate::load::MemoryBudget;
use crate::model::{
    LaneRun, Mode, RevReport, RunReport, Side, SnapshotReport, StageRun, StageStatus, TableReport,
    Timings,
};
use crate::snapshot::{self, SnapshotError};
use calibrate::{calibrate, calibrated_table};
use snapshot_watch::SnapshotTracker;

/// What the user asked `swimlane run` to do.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub config: PathBuf,
    /// Profile both lanes' tables (`--profile`; implied by `record`).
    pub profile: bool,
    /// Record head's profiles into history (`--record`).
    pub record: bool,
    /// The history store (`--store`), else the config's, else the default.
    pub store: Option<String>,
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
    /// `--sample RATE`, as buckets of 10,000: overrides `[sample]`'s rate,
    /// or samples each output by its own key.
    pub sample: Option<i64>,
}

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
    #[error("cannot prepare the lanes' PostgreSQL databases")]
    Postgres(#[source] PostgresError),
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error(transparent)]
    Sample(crate::sample::snapshot::SnapshotSampleError),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[cfg(feature = "spark")]
    #[error(transparent)]
    Spark(crate::spark::SparkError),
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

/// A Ctrl-C while the snapshot is sampled is the run's interruption (exit
/// 130), not a sampling error.
impl From<crate::sample::snapshot::SnapshotSampleError> for RunError {
    fn from(e: crate::sample::snapshot::SnapshotSampleError) -> RunError {
        match e {
            crate::sample::snapshot::SnapshotSampleError::Interrupted(i) => {
                RunError::Interrupted(i)
            }
            e => RunError::Sample(e),
        }
    }
}

/// A Ctrl-C while the Spark engine connects or queries is the run's
/// interruption (exit 130), not a Spark error.
#[cfg(feature = "spark")]
impl From<crate::spark::SparkError> for RunError {
    fn from(e: crate::spark::SparkError) -> RunError {
        match e {
            crate::spark::SparkError::Interrupted(i) => RunError::Interrupted(i),
            e => RunError::Spark(e),
        }
    }
}

/// A Ctrl-C while the lanes' databases are created is the run's
/// interruption (exit 130), not a database error.
impl From<PostgresError> for RunError {
    fn from(e: PostgresError) -> RunError {
        match e {
            PostgresError::Interrupted(i) => RunError::Interrupted(i),
            e => RunError::Postgres(e),
        }
    }
}

impl Help for RunError {
    fn help(&self) -> Option<String> {
        match self {
            RunError::Git(e) => e.help(),
            RunError::Snapshot(e) => e.help(),
            #[cfg(feature = "spark")]
            RunError::Spark(e) => e.help(),
            RunError::Engine(e) => e.help(),
            RunError::Sample(e) => e.help(),
            RunError::Postgres(e) => e.help(),
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
    let mut config = Config::load(&opts.config)?;
    if let Some(buckets) = opts.sample {
        config.sample_at(buckets);
    }
    let engines = Engines::connect(opts, &config)?;
    for table in &config.tables {
        engine::check_readable(table, &engines.for_table(table))?;
    }
    let repo = Repo::discover(&config.dir)?;
    let revs = resolve_revisions(opts, &config, &repo)?;
    if let Some(tree) = revs.same_tree().map(str::to_string) {
        return Ok(RunReport {
            mode: Mode::Run,
            base: revs.base_report,
            head: rev_report(&revs.head),
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
                "base and head have the same tree ({}): nothing can differ, so the lanes were not run{}",
                &tree[..10],
                if opts.record {
                    " and nothing was recorded (record with --base on an earlier commit)"
                } else {
                    ""
                }
            )],
            not_compared: Vec::new(),
            recorded: None,
            sample: None,
            history: None,
        });
    }
    let mut notes = Vec::new();
    let mut timings = Timings::default();
    let lanes = prepare_lanes(
        opts,
        &config,
        &repo,
        &revs,
        &engines,
        &mut notes,
        &mut timings,
    )?;
    let runs = run_lanes(
        opts,
        &config,
        &revs,
        &lanes,
        observer,
        &mut notes,
        &mut timings,
    )?;
    let (mut errors, modified) = check_side_effects(&config, &repo, &lanes, &runs)?;
    let mut tables = compare_tables(
        opts,
        &config,
        &engines,
        &lanes,
        &runs,
        &mut errors,
        &mut notes,
        &mut timings,
    );
    crate::interrupt::check()?;
    let head_report = rev_report(&revs.head);
    // Head against main's history before head's own point is recorded.
    let history = config.history.gate.and_then(|gate| {
        against_history(
            opts,
            &config,
            (&repo, &revs),
            gate,
            &tables,
            (&mut errors, &mut notes),
        )
    });
    let recorded = if opts.record {
        record(
            opts,
            &config,
            head_report.commit.clone(),
            &tables,
            (&mut errors, &mut notes),
        )
    } else {
        None
    };
    let sample = config.sample.as_ref().map(|spec| {
        let mut r = crate::sample::report(spec);
        r.snapshot = lanes.sampled.as_ref().map(|s| s.report.clone());
        if spec.snapshot {
            // Tables not sampled again on output are still of a sampled run.
            for t in tables.iter_mut().filter(|t| t.sample.is_none()) {
                t.sample = Some(crate::model::sample::TableSample::new(
                    &spec.key,
                    spec.rate(),
                    crate::model::sample::Basis::Snapshot,
                ));
            }
        }
        r
    });
    let snapshot = SnapshotReport {
        path: config.snapshot.clone(),
        digest: lanes.before.hex.clone(),
        files: lanes.before.files.len(),
        bytes: lanes.before.bytes,
        modified,
    };
    let kept_lanes = lanes.finish(opts.keep_lanes, &mut notes);
    timings.total = started.elapsed().as_secs_f64();
    Ok(RunReport {
        mode: Mode::Run,
        base: revs.base_report,
        head: head_report,
        snapshot,
        lanes: [Some(runs.base), Some(runs.head), runs.calibration]
            .into_iter()
            .flatten()
            .collect(),
        tables,
        errors,
        timings,
        kept_lanes,
        notes,
        not_compared: Vec::new(),
        recorded,
        sample,
        history,
    })
}

/// `--record`: head's profiles as one point of history, keyed by head's
/// commit. A table without a profile (it could not be compared)
/// is left out and a note says so: recording does not change the verdict.
/// Failing to write the point is an error of the run, never silent.
fn record(
    opts: &RunOptions,
    config: &Config,
    commit: Option<String>,
    tables: &[TableReport],
    (errors, notes): (&mut Vec<String>, &mut Vec<String>),
) -> Option<crate::model::Recorded> {
    use crate::history;
    if config.sample.is_some() {
        notes.push(
            "--record: nothing was recorded: the run compared a key-hash sample, whose counts would read in history as a drop to the sample's size".into(),
        );
        return None;
    }
    let store = match history_store(opts, config) {
        Ok(s) => s,
        Err(e) => {
            errors.push(format!("--record: {}", crate::error::chain(&e)));
            return None;
        }
    };
    let profiled = head_profiles(
        tables,
        notes,
        "--record: table `{}` has no profile (it was not compared), so it is not recorded",
    );
    let meta = history::Meta::now(None, commit, None);
    match store.record(&history::rows(&meta, &profiled)) {
        Ok(_) => Some(crate::model::Recorded {
            run: meta.run,
            store: store.spec(),
        }),
        Err(e) => {
            errors.push(format!("--record: {}", crate::error::chain(&e)));
            None
        }
    }
}

/// Head's profile of each table, and a note (`why`, the table's name in
/// place of `{}`) for each table without one.
fn head_profiles<'a>(
    tables: &'a [TableReport],
    notes: &mut Vec<String>,
    why: &str,
) -> Vec<(&'a str, &'a crate::model::profile::Profile)> {
    let mut out = Vec::new();
    for t in tables {
        match &t.profile {
            Some(p) => out.push((t.name.as_str(), &p.head)),
            None => notes.push(why.replace("{}", &t.name)),
        }
    }
    out
}

/// The store `--store` names, else the config's `[history] store`, else
/// the project's default.
fn history_store(
    opts: &RunOptions,
    config: &Config,
) -> Result<crate::history::store::Store, crate::history::store::StoreError> {
    use crate::history::store::Store;
    let spec = opts.store.clone().or_else(|| config.history.store.clone());
    let remote = opts.spark_remote.as_ref().or(config.spark_remote.as_ref());
    let cwd = std::env::current_dir().unwrap_or_else(|_| ".".into());
    spec.as_deref().map_or_else(
        || Store::default_for(&config.dir),
        |spec| Store::parse_with(spec, &cwd, remote.map(String::as_str)),
    )
}

/// With `[history]` configured: head's profiles placed in the history
/// `run --record` recorded on the base branch (its tip and the commits
/// before it; commits this clone does not hold, as in a shallow clone, are
/// taken as the base branch's). A store that cannot be read is an error of
/// the run; no recorded history yet is a note.
fn against_history(
    opts: &RunOptions,
    config: &Config,
    (repo, revs): (&Repo, &Revisions),
    gate: crate::config::HistoryGate,
    tables: &[TableReport],
    (errors, notes): (&mut Vec<String>, &mut Vec<String>),
) -> Option<crate::model::history::HistoryCheck> {
    if config.sample.is_some() {
        notes.push(
            "history: head was not placed in main's history: the run compared a key-hash sample, whose counts are not the recorded runs'".into(),
        );
        return None;
    }
    let loaded = history_store(opts, config).and_then(|s| Ok((s.load()?, s.notes()?, s.spec())));
    let (rows, store_notes, spec) = match loaded {
        Ok(x) => x,
        Err(e) => {
            errors.push(format!("history: {}", crate::error::chain(&e)));
            return None;
        }
    };
    let head = head_profiles(
        tables,
        notes,
        "history: table `{}` has no profile (it was not compared), so it was not placed in main's history",
    );
    let tip = revs
        .base_report
        .tip
        .clone()
        .or_else(|| revs.base_report.commit.clone());
    let head_commit = revs.head.commit.clone();
    let on_main = |c: &str| {
        head_commit.as_deref() != Some(c)
            && tip
                .as_deref()
                .is_none_or(|t| repo.is_ancestor(c, t) != Some(false))
    };
    let check = crate::history::head_vs_main::place(
        &head,
        &rows,
        &store_notes,
        &config.history,
        &on_main,
        spec.clone(),
        gate,
    );
    if check.runs == 0 {
        notes.push(format!(
            "history: no run of the base branch is recorded in {spec} yet (`swimlane run --record` on it records one), so head was not placed in its history"
        ));
        return None;
    }
    Some(check)
}

/// The engines the run's tables are compared with: a Spark server is
/// reached before any lane runs when a table is to be compared there.
struct Engines {
    choice: Option<crate::config::Engine>,
    default: Option<crate::config::Engine>,
    #[cfg(feature = "spark")]
    spark: Option<crate::spark::Spark>,
}

impl Engines {
    fn connect(opts: &RunOptions, config: &Config) -> Result<Engines, RunError> {
        let engines = Engines {
            choice: opts.engine,
            default: config.engine,
            #[cfg(feature = "spark")]
            spark: None,
        };
        let needs_spark = engines.needs_spark(config);
        let remote = opts.spark_remote.clone().or(config.spark_remote.clone());
        #[cfg(feature = "spark")]
        let engines = match (needs_spark, remote) {
            (false, _) => engines,
            (true, None) => return Err(RunError::NoSparkRemote),
            (true, Some(remote)) => {
                let mut spark = crate::spark::Spark::connect(&remote)?;
                if let Some(o) = &config.spark_outputs {
                    spark.map_paths(&o.local, &o.cluster);
                }
                Engines {
                    spark: Some(spark),
                    ..engines
                }
            }
        };
        #[cfg(not(feature = "spark"))]
        if needs_spark {
            let _ = remote;
            return Err(RunError::NoSpark);
        }
        Ok(engines)
    }

    /// --engine, else the table's, else the config's, else local.
    fn choice_for(&self, t: &Table) -> crate::config::Engine {
        self.choice
            .or(t.engine)
            .or(self.default)
            .unwrap_or(crate::config::Engine::Local)
    }

    fn needs_spark(&self, config: &Config) -> bool {
        config
            .tables
            .iter()
            .any(|t| self.choice_for(t) == crate::config::Engine::Spark)
    }

    fn for_table(&self, t: &Table) -> Engine<'_> {
        #[cfg(feature = "spark")]
        if let (Some(s), crate::config::Engine::Spark) = (&self.spark, self.choice_for(t)) {
            return Engine::Spark(s);
        }
        let _ = t;
        Engine::Local
    }
}

/// The commits the lanes run: head, and base (the merge base of base and
/// head, unless `--base-mode tip`).
struct Revisions {
    base: Resolved,
    head: Resolved,
    base_report: RevReport,
    base_tree: Option<String>,
    head_tree: Option<String>,
}

impl Revisions {
    /// The tree both sides share, when they do: nothing can differ.
    fn same_tree(&self) -> Option<&str> {
        let same =
            !self.head.worktree && self.base_tree.is_some() && self.base_tree == self.head_tree;
        same.then(|| self.base_tree.as_deref().unwrap_or_default())
    }
}

fn resolve_revisions(
    opts: &RunOptions,
    config: &Config,
    repo: &Repo,
) -> Result<Revisions, RunError> {
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
    Ok(Revisions {
        base,
        head,
        base_report,
        base_tree,
        head_tree,
    })
}

/// The lanes, laid out and checked out: their directories (removed when
/// dropped), the baseline cache, and the state they started from.
struct Lanes {
    workspace: TempDir,
    /// The outputs' directory the cluster reads, for tables compared there.
    shared: Option<TempDir>,
    base: LaneDirs,
    head: LaneDirs,
    calibration: LaneDirs,
    cache: Option<(Cache, String)>,
    /// The base's outputs came from the cache.
    cached: bool,
    before: snapshot::Digest,
    worktree_before: Vec<(PathBuf, u32)>,
    /// `[sample]` on the snapshot: the sampled copy the lanes read.
    sampled: Option<crate::sample::snapshot::Prepared>,
    /// `[database] postgres`: each lane's own database, dropped with the
    /// lanes.
    databases: Option<LaneDatabases>,
}

impl Lanes {
    /// Where `side` wrote `table`: its output dir and the table's path, or
    /// for a PostgreSQL table the lane database's URL.
    fn output(&self, side: Side, table: &Table) -> (&Path, String) {
        let dirs = match side {
            Side::Base => &self.base,
            Side::Head => &self.head,
            Side::Calibration => &self.calibration,
        };
        let pattern = match (&self.databases, table.format) {
            (Some(dbs), crate::config::Format::Postgres) => {
                dbs.url(side.as_str()).unwrap_or_default()
            }
            _ => table.path.clone(),
        };
        (&dirs.out, pattern)
    }

    /// Removes the lanes, or keeps them (`--keep-lanes`) and says where.
    fn finish(self, keep: bool, notes: &mut Vec<String>) -> Option<PathBuf> {
        if !keep {
            return None;
        }
        if let Some(shared) = self.shared {
            notes.push(format!(
                "the lanes' outputs are kept in {}",
                shared.keep().display()
            ));
        }
        if let Some(dbs) = self.databases {
            notes.push(format!(
                "the lanes' databases are kept: {} (the next run, or `swimlane clean`, drops them)",
                dbs.keep().join(", ")
            ));
        }
        Some(self.workspace.keep())
    }
}

fn prepare_lanes(
    opts: &RunOptions,
    config: &Config,
    repo: &Repo,
    revs: &Revisions,
    engines: &Engines,
    notes: &mut Vec<String>,
    timings: &mut Timings,
) -> Result<Lanes, RunError> {
    let before = match &opts.cache_dir {
        Some(dir) => snapshot::Remembered::new(dir, &config.snapshot).digest(&config.snapshot)?,
        None => snapshot::digest(&config.snapshot)?,
    };
    let worktree_before = repo.worktree_state()?;
    let workspace = tempfile::Builder::new()
        .prefix("swimlane-")
        .tempdir()
        .map_err(RunError::Workspace)?;
    // The sampled snapshot is cached beside the base's outputs (in the
    // run's workspace without a cache), and the base's outputs depend on
    // it rather than on the whole snapshot.
    let t = Instant::now();
    let sampled = match config.sample.as_ref().filter(|s| s.snapshot) {
        Some(spec) => {
            let root = opts
                .cache_dir
                .clone()
                .unwrap_or_else(|| workspace.path().join("cache"));
            Some(crate::sample::snapshot::prepare(
                &config.snapshot,
                &before.hex,
                spec,
                &root,
            )?)
        }
        None => None,
    };
    if sampled.as_ref().is_some_and(|s| !s.report.cached) {
        timings.sample = t.elapsed().as_secs_f64();
    }
    let input_digest = sampled.as_ref().map_or(&before.hex, |s| &s.digest);
    // Lanes with their own database write outputs the cache cannot hold.
    let cache = match (&opts.cache_dir, &revs.base_tree, &config.postgres) {
        (Some(dir), Some(tree), None) => {
            Some((Cache::new(dir), Cache::key(tree, input_digest, config)))
        }
        _ => None,
    };
    let databases = match &config.postgres {
        None => None,
        Some(server) => {
            let mut lanes = vec![Side::Base.as_str(), Side::Head.as_str()];
            if opts.calibrate {
                lanes.push(Side::Calibration.as_str());
            }
            let (dbs, removed) = LaneDatabases::create(server, &lanes)?;
            if !removed.is_empty() {
                notes.push(format!(
                    "dropped {} database(s) that killed runs left: {}",
                    removed.len(),
                    removed.join(", ")
                ));
            }
            Some(dbs)
        }
    };
    let cached = match &cache {
        Some((cache, key)) => match cache.lookup(key) {
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
        None => false,
    };
    let dirs = [Side::Base, Side::Head, Side::Calibration]
        .map(|side| LaneDirs::create(workspace.path().join(side.as_str())));
    let [base, head, calibration] = dirs;
    let mut base = base.map_err(RunError::Workspace)?;
    let mut head = head.map_err(RunError::Workspace)?;
    let mut calibration = calibration.map_err(RunError::Workspace)?;
    // Tables compared on Spark are read by the cluster: the lanes write
    // their outputs into the directory it shares with this machine.
    let shared = match (&config.spark_outputs, engines.needs_spark(config)) {
        (Some(o), true) => {
            let shared = tempfile::Builder::new()
                .prefix("swimlane-")
                .tempdir_in(&o.local)
                .map_err(|source| RunError::SparkOutputs {
                    path: o.local.clone(),
                    source,
                })?;
            for (side, dirs) in [
                (Side::Base, &mut base),
                (Side::Head, &mut head),
                (Side::Calibration, &mut calibration),
            ] {
                dirs.out = shared.path().join(side.as_str());
                std::fs::create_dir_all(&dirs.out).map_err(RunError::Workspace)?;
            }
            Some(shared)
        }
        _ => None,
    };
    let t = Instant::now();
    match (&cache, cached) {
        (Some((cache, key)), true) => cache.restore(key, &base.out).map_err(RunError::Workspace)?,
        _ => repo.checkout(&revs.base, &base.checkout)?,
    }
    repo.checkout(&revs.head, &head.checkout)?;
    notes.extend(crate::git::unsupported_content(&head.checkout));
    if opts.calibrate {
        repo.checkout(&revs.base, &calibration.checkout)?;
    }
    timings.checkout = t.elapsed().as_secs_f64();
    Ok(Lanes {
        workspace,
        shared,
        base,
        head,
        calibration,
        cache,
        cached,
        before,
        worktree_before,
        sampled,
        databases,
    })
}

/// What the lanes did, and the snapshot's state when they were done.
struct Runs {
    base: LaneRun,
    head: LaneRun,
    calibration: Option<LaneRun>,
    /// The calibration lane ran to the end.
    calibrated: bool,
    snapshot_after: snapshot::Digest,
    /// The lanes that could have modified the snapshot, in words.
    suspects: String,
}

fn run_lanes(
    opts: &RunOptions,
    config: &Config,
    revs: &Revisions,
    lanes: &Lanes,
    observer: &dyn Observer,
    notes: &mut Vec<String>,
    timings: &mut Timings,
) -> Result<Runs, RunError> {
    let t = Instant::now();
    let mut sides = vec![Side::Base, Side::Head];
    if opts.calibrate {
        sides.push(Side::Calibration);
    }
    let tracker = SnapshotTracker::new(&config.snapshot, &lanes.before, sides);
    let run_side = |side: Side, dirs: &LaneDirs, rev: &Resolved| {
        let shared = lanes
            .sampled
            .as_ref()
            .map_or(&config.snapshot, |s| &s.report.path);
        let snapshot = lane::own_snapshot(shared, dirs).map_err(|source| RunError::Spawn {
            lane: side.as_str(),
            source,
        })?;
        let database_url = lanes.databases.as_ref().and_then(|d| d.url(side.as_str()));
        let database_name = lanes.databases.as_ref().and_then(|d| d.name(side.as_str()));
        let env = LaneEnv {
            side,
            dirs,
            snapshot: &snapshot,
            rev: &rev.rev_id(),
            database_url: database_url.as_deref(),
            database_name,
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
                let stem = lanes.base.logs.join(format!("{:02}-{}", i + 1, stage.name));
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
            if lanes.cached {
                cached_lane()
            } else {
                run_side(Side::Base, &lanes.base, &revs.base)
            }
        });
        let c = opts
            .calibrate
            .then(|| s.spawn(|| run_side(Side::Calibration, &lanes.calibration, &revs.base)));
        let h = run_side(Side::Head, &lanes.head, &revs.head);
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
    let (mut base, mut head) = (base_run?, head_run?);
    let mut calibration = calibration_run.transpose()?;
    // The lanes are removed at the end: a failed stage's logs are kept
    // where the report can point (with --keep-lanes, they stay in place).
    if !opts.keep_lanes
        && let Some(state) = crate::dirs::state()
    {
        let mut runs: Vec<&mut LaneRun> = vec![&mut base, &mut head];
        runs.extend(calibration.as_mut());
        if let Err(e) = crate::logs::keep_failed(&state, &mut runs) {
            notes.push(format!(
                "warning: cannot keep the failed stage's logs in {}: {e}",
                state.join("logs").display()
            ));
        }
    }
    let calibrated = match &calibration {
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
    if !lanes.cached
        && base.failure().is_none()
        && let Some((cache, key)) = &lanes.cache
        && let Err(e) = cache.store(key, &lanes.base.out)
    {
        notes.push(format!(
            "warning: cannot store the base outputs in the cache: {e}"
        ));
    }
    let (snapshot_after, suspects) = tracker.finish()?;
    Ok(Runs {
        base,
        head,
        calibration,
        calibrated,
        snapshot_after,
        suspects,
    })
}

/// What the lanes did that no pipeline may do (modify the snapshot, write
/// into the working tree), and a base that failed: errors of the run. Also
/// the snapshot's files that changed.
fn check_side_effects(
    config: &Config,
    repo: &Repo,
    lanes: &Lanes,
    runs: &Runs,
) -> Result<(Vec<String>, Vec<PathBuf>), RunError> {
    let mut errors = Vec::new();
    let modified = lanes.before.changed_files(&runs.snapshot_after);
    if !modified.is_empty() {
        errors.push(format!(
            "the snapshot was modified while {} ran ({}): a pipeline must only read its input",
            runs.suspects,
            list_paths(&modified)
        ));
    }
    if let Some(sampled) = &lanes.sampled {
        let changed = crate::sample::snapshot::modified(sampled)?;
        if !changed.is_empty() {
            errors.push(format!(
                "the sampled snapshot was modified while {} ran ({}): a pipeline must only read its input (the copy was removed from the cache)",
                runs.suspects,
                list_paths(&changed)
            ));
        }
    }
    let after = repo.worktree_state()?;
    let before = &lanes.worktree_before;
    let mut touched: Vec<PathBuf> = after
        .iter()
        .filter(|entry| !before.contains(entry))
        .chain(before.iter().filter(|entry| !after.contains(entry)))
        .map(|(p, _)| p.clone())
        .filter(|p| !p.starts_with(&config.snapshot))
        .collect();
    touched.sort();
    touched.dedup();
    if !touched.is_empty() {
        errors.push(format!(
            "a stage wrote outside its lane, into your working tree ({}): stages must write only to {{out}} and their checkout",
            list_paths(&touched)
        ));
    }
    if let Some(failed) = runs.base.failure() {
        errors.push(format!(
            "base lane failed at stage `{}` ({}): there is nothing to compare against",
            failed.name,
            failed.describe()
        ));
    }
    Ok((errors, modified))
}

/// Every table compared, when both lanes ran to the end; a table that could
/// not be compared adds to the run's errors.
#[allow(clippy::too_many_arguments)] // reason: the run's phases share their state through these
fn compare_tables(
    opts: &RunOptions,
    config: &Config,
    engines: &Engines,
    lanes: &Lanes,
    runs: &Runs,
    errors: &mut Vec<String>,
    notes: &mut Vec<String>,
    timings: &mut Timings,
) -> Vec<TableReport> {
    let mut tables = Vec::new();
    if runs.base.failure().is_some() || runs.head.failure().is_some() {
        return tables;
    }
    let t = Instant::now();
    let mut load_seconds = 0.0;
    for (index, table) in config.tables.iter().enumerate() {
        if crate::interrupt::requested() {
            break;
        }
        crate::progress::step(|| crate::progress::Step::Table {
            name: table.name.clone(),
            index: index + 1,
            total: config.tables.len(),
        });
        let (base, head) = (
            lanes.output(Side::Base, table),
            lanes.output(Side::Head, table),
        );
        let calibration = if runs.calibrated {
            let calibration = lanes.output(Side::Calibration, table);
            calibrate(
                table,
                (base.0, &base.1),
                (calibration.0, &calibration.1),
                opts.memory_budget,
                notes,
            )
        } else {
            Vec::new()
        };
        let table = calibrated_table(table, &calibration);
        let (mut report, load) = engine::compare(
            &table,
            (base.0, &base.1),
            (head.0, &head.1),
            opts.memory_budget,
            engines.for_table(&table),
            opts.profile || opts.record || config.history.gate.is_some(),
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
    tables
}

fn rev_report(r: &Resolved) -> RevReport {
    RevReport {
        rev: r.rev.clone(),
        commit: r.commit.clone(),
        worktree: r.worktree,
        tip: None,
    }
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

#[cfg(test)]
mod tests {
    use super::RunError;
    use crate::interrupt::Interrupted;
    use crate::sample::snapshot::SnapshotSampleError;

    #[cfg(feature = "spark")]
    mod spark {
        use crate::interrupt::Interrupted;
        use crate::run::RunError;
        use crate::spark::SparkError;

        /// As for `swimlane compare` (its test names the failure): a Ctrl-C
        /// while the engine connects is the run's interruption, exit 130.
        #[test]
        fn a_ctrl_c_while_spark_connects_is_the_runs_interruption() {
            let e = RunError::from(SparkError::Interrupted(Interrupted { signal: 2 }));
            assert!(
                matches!(e, RunError::Interrupted(Interrupted { signal: 2 })),
                "{e:?}"
            );
        }
    }

    #[test]
    fn ctrl_c_while_the_snapshot_is_sampled_is_the_runs_interruption() {
        let e = RunError::from(SnapshotSampleError::Interrupted(Interrupted { signal: 2 }));
        assert!(
            matches!(e, RunError::Interrupted(Interrupted { signal: 2 })),
            "{e:?}"
        );
        let e = RunError::from(SnapshotSampleError::NoKeyedTable {
            key: vec!["k".into()],
        });
        assert!(matches!(e, RunError::Sample(_)), "{e:?}");
    }
}
