//! `swimlane compare`: validating a migration without git. Two files, two
//! directories of tables matched by file name, or a TOML that lists table
//! pairs; the same engines, comparisons and reports as `run` (the
//! validation rate a migration team quotes is the model's:
//! `TableReport::validation`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Deserialize;
use toml::Spanned;

use crate::config::{
    CompareMode, ConfigError, Declared, Format, Located, Table, WireTable, resolve_table,
};
use crate::distribution;
use crate::engine::{self, Engine, cluster_source};
use crate::error::Help;
use crate::load::{MemoryBudget, Tables};
use crate::model::{Mode, RevReport, RunReport, SnapshotReport, TableReport, Timings};

/// What the user asked `swimlane compare` to compare.
#[derive(Debug, Clone, Default)]
pub struct CompareOptions {
    pub base: Option<PathBuf>,
    pub head: Option<PathBuf>,
    /// A TOML listing table pairs (instead of BASE and HEAD).
    pub spec: Option<PathBuf>,
    pub key: Vec<String>,
    pub ignore: Vec<String>,
    pub format: Option<Format>,
    /// The field delimiter of CSV files (`--delimiter`); comma when unset.
    pub delimiter: Option<u8>,
    pub distribution: bool,
    /// Profile both sides of every table (`--profile`).
    pub profile: bool,
    /// `--sample`: compare only a key-hash sample of each table.
    pub sample: Option<crate::config::Sample>,
    /// Memory for the columns being compared at once.
    pub memory_budget: MemoryBudget,
    /// Compare the tables on Spark through this Spark Connect remote.
    pub spark_remote: Option<String>,
}

impl CompareOptions {
    /// Whether `--format` and `--delimiter` fix each for both sides.
    fn fixed_read(&self) -> (bool, bool) {
        (self.format.is_some(), self.delimiter.is_some())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    #[cfg(feature = "spark")]
    #[error(transparent)]
    Spark(crate::spark::SparkError),
    #[error("this swimlane was built without the Spark engine")]
    NoSpark,
    #[error("{path} is read by the Spark cluster, not from this machine")]
    OnCluster { path: String },
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error(transparent)]
    Engine(#[from] crate::engine::EngineError),
    #[error("give BASE and HEAD (two files or two directories), or --spec FILE")]
    Usage,
    #[error("{} does not exist", path.display())]
    Missing { path: PathBuf },
    #[error("{}: {message}", path.display())]
    Glob { path: PathBuf, message: String },
    #[error("no file matches {}", path.display())]
    NoMatch {
        path: PathBuf,
        /// What the glob's directory held (its first names).
        found: Vec<String>,
    },
    #[error(
        "{} is a {} and {} is a {}: compare two files or two directories",
        base.display(), base_kind, head.display(), head_kind
    )]
    Mismatch {
        base: PathBuf,
        base_kind: &'static str,
        head: PathBuf,
        head_kind: &'static str,
    },
    #[error(
        "cannot tell the format of {}",
        path.display()
    )]
    Format { path: PathBuf },
    #[error("{other} is a database, and {} is not", path.display())]
    NotADatabase { path: PathBuf, other: String },
    #[error("no tables found in {}", dir.display())]
    Empty {
        dir: PathBuf,
        /// Its subdirectories read as no table, and why.
        passed_over: Vec<(String, String)>,
    },
    #[error(transparent)]
    Spec(#[from] ConfigError),
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(Box<crate::database::DatabaseError>),
}

/// A Ctrl-C while the Spark engine connects or queries is the comparison's
/// interruption (exit 130), not a Spark error (exit 2).
#[cfg(feature = "spark")]
impl From<crate::spark::SparkError> for CompareError {
    fn from(e: crate::spark::SparkError) -> CompareError {
        match e {
            crate::spark::SparkError::Interrupted(i) => CompareError::Interrupted(i),
            e => CompareError::Spark(e),
        }
    }
}

impl Help for CompareError {
    fn help(&self) -> Option<String> {
        match self {
            #[cfg(feature = "spark")]
            CompareError::Spark(e) => e.help(),
            CompareError::NoSpark => Some(
                "build it with `cargo build --release --features spark` (needs protoc: PROTOC=/path/to/protoc)".into(),
            ),
            CompareError::OnCluster { .. } => Some(
                "compare it there: --engine spark --spark-remote sc://host:15002 (or SWIMLANE_SPARK_REMOTE)".into(),
            ),
            CompareError::Format { .. } => {
                Some("pass --format parquet|csv|ndjson|ipc|sqlite|duckdb".into())
            }
            CompareError::Database(e) => e.help(),
            CompareError::NotADatabase { .. } => Some(
                "compare a database with a database: a SQLite or DuckDB file, or a postgresql:// URL (its tables are paired by name)".into(),
            ),
            CompareError::Engine(e) => e.help(),
            CompareError::Empty { passed_over, .. } => Some(match passed_over.as_slice() {
                [] => crate::load::TABLES_OF_A_DIRECTORY.into(),
                dirs => dirs
                    .iter()
                    .map(|(name, why)| format!("`{name}`: {why}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
            }),
            CompareError::NoMatch { found, .. } => Some(match found.as_slice() {
                [] => "its directory is empty".into(),
                _ => format!("its directory holds: {}", found.join(", ")),
            }),
            CompareError::Interrupted(_)
            | CompareError::Usage
            | CompareError::Glob { .. }
            | CompareError::Missing { .. }
            | CompareError::Mismatch { .. }
            | CompareError::Spec(_)
            | CompareError::Io { .. } => None,
        }
    }
}

/// One pair of tables to compare: each side a directory and a file or glob.
struct Pair {
    table: Table,
    base: (PathBuf, String),
    head: (PathBuf, String),
    /// Present only in base (the table is missing in head).
    head_missing: bool,
}

/// Runs the comparison and builds the report.
pub fn compare(opts: &CompareOptions) -> Result<RunReport, CompareError> {
    let started = Instant::now();
    let mut not_compared = Vec::new();
    let (pairs, base_label, head_label, notes) = match (&opts.spec, &opts.base, &opts.head) {
        (Some(spec), _, _) => {
            let (pairs, written) = read_spec(spec)?;
            let base = spec_side(spec, "base", written.iter().map(|w| w.0.as_str()));
            let head = spec_side(spec, "head", written.iter().map(|w| w.1.as_str()));
            (pairs, base, head, vec![])
        }
        (None, Some(b), Some(h)) if [b, h].iter().any(|p| postgres_url(p)) => {
            let (pairs, notes) = database_pairs(opts, b, h)?;
            let label =
                |p: &Path| crate::database::postgres::url_without_password(&p.to_string_lossy());
            (pairs, label(b), label(h), notes)
        }
        (None, Some(b), Some(h)) if [b, h].iter().any(|p| cluster_source(&p.to_string_lossy())) => {
            let (pairs, notes) = pair_on_cluster(opts, b, h)?;
            (
                pairs,
                b.display().to_string(),
                h.display().to_string(),
                notes,
            )
        }
        (None, Some(b), Some(h)) => {
            let ((pairs, notes), dirs) = pairs_from_paths(opts, b, h)?;
            not_compared = dirs;
            (
                pairs,
                b.display().to_string(),
                h.display().to_string(),
                notes,
            )
        }
        _ => return Err(CompareError::Usage),
    };
    #[cfg(feature = "spark")]
    let spark = match &opts.spark_remote {
        Some(remote) => Some(crate::spark::Spark::connect(remote)?),
        None => None,
    };
    #[cfg(feature = "spark")]
    let engine = match &spark {
        Some(s) => Engine::Spark(s),
        None => Engine::Local,
    };
    #[cfg(not(feature = "spark"))]
    let engine = match &opts.spark_remote {
        Some(_) => return Err(CompareError::NoSpark),
        None => Engine::Local,
    };
    for pair in &pairs {
        engine::check_readable(&pair.table, &engine)?;
    }
    let mut tables = Vec::new();
    let (mut load, t0) = (0.0, Instant::now());
    for (index, pair) in pairs.iter().enumerate() {
        crate::interrupt::check()?;
        crate::progress::step(|| crate::progress::Step::Table {
            name: pair.table.name.clone(),
            index: index + 1,
            total: pairs.len(),
        });
        if pair.head_missing {
            let mut r = TableReport::new(&pair.table.name, pair.table.compare, &pair.table.key);
            r.head_missing = Some(format!(
                "table `{}` exists in base but not in head",
                pair.table.name
            ));
            r.base_only = engine::base_only(&pair.table, (&pair.base.0, &pair.base.1));
            tables.push(r);
            continue;
        }
        let table = Table {
            sample: opts
                .sample
                .as_ref()
                .and_then(|s| s.for_outputs(&pair.table)),
            ..pair.table.clone()
        };
        let (report, seconds) = engine::compare(
            &table,
            (&pair.base.0, &pair.base.1),
            (&pair.head.0, &pair.head.1),
            opts.memory_budget,
            engine,
            opts.profile,
        );
        load += seconds;
        tables.push(report);
    }
    crate::interrupt::check()?;
    distribution::apply_fdr(&mut tables);
    #[cfg(feature = "spark")]
    let notes = {
        let mut notes = notes;
        if let Some(s) = &spark {
            notes.push(format!(
                "spark engine: {} of results came back from {}",
                bytesize::ByteSize(s.bytes_received()).display().iec(),
                s.remote()
            ));
        }
        notes
    };
    let errors: Vec<String> = tables
        .iter()
        .filter_map(|t| t.error.as_ref().map(|e| format!("table `{}`: {e}", t.name)))
        .collect();
    let total = started.elapsed().as_secs_f64();
    let report = RunReport {
        mode: Mode::Compare,
        base: RevReport {
            rev: base_label,
            commit: None,
            worktree: false,
            tip: None,
        },
        head: RevReport {
            rev: head_label,
            commit: None,
            worktree: false,
            tip: None,
        },
        snapshot: SnapshotReport::default(),
        lanes: Vec::new(),
        tables,
        errors,
        timings: Timings {
            load,
            compare: t0.elapsed().as_secs_f64() - load,
            total,
            ..Timings::default()
        },
        kept_lanes: None,
        notes,
        not_compared,
        recorded: None,
        sample: opts.sample.as_ref().map(crate::sample::report),
        history: None,
    };
    Ok(report)
}

/// BASE and HEAD read by the cluster, not from this machine: one table,
/// compared on Spark (which needs a server).
fn pair_on_cluster(
    opts: &CompareOptions,
    base: &Path,
    head: &Path,
) -> Result<Paired, CompareError> {
    let (b, h) = (base.to_string_lossy(), head.to_string_lossy());
    if opts.spark_remote.is_none() {
        let path = if cluster_source(&b) { &b } else { &h };
        return Err(CompareError::OnCluster {
            path: path.to_string(),
        });
    }
    for side in [&b, &h] {
        if !cluster_source(side) && !Path::new(side.as_ref()).exists() {
            return Err(CompareError::Missing {
                path: PathBuf::from(side.as_ref()),
            });
        }
    }
    // The table's name: the catalog table's, or the file's stem.
    let last = b
        .trim_end_matches('/')
        .rsplit(['/', '.', ':'])
        .find(|part| !part.is_empty() && *part != "parquet")
        .unwrap_or("table")
        .to_string();
    // A cluster's location as it is; a file here as its directory and name.
    let local = |p: &Path, s: &str| {
        if cluster_source(s) {
            (PathBuf::new(), s.to_string())
        } else {
            split(p)
        }
    };
    Ok((
        vec![Pair {
            table: table_for(opts, &last, Format::Parquet, &last),
            base: local(base, &b),
            head: local(head, &h),
            head_missing: false,
        }],
        vec![],
    ))
}

/// Whether BASE or HEAD is a file (or a glob of files: one table of
/// them all) or a directory (of tables).
fn kind(path: &Path) -> Result<&'static str, CompareError> {
    if crate::load::is_glob(path) {
        let (dir, pattern) = split(path);
        return match crate::load::resolve_files(&dir, &pattern) {
            Ok(_) => Ok("file"),
            Err(crate::load::LoadError::Missing { found, .. }) => Err(CompareError::NoMatch {
                path: path.to_path_buf(),
                found,
            }),
            Err(e) => Err(CompareError::Glob {
                path: path.to_path_buf(),
                message: e.to_string(),
            }),
        };
    }
    let meta = std::fs::metadata(path).map_err(|_| CompareError::Missing {
        path: path.to_path_buf(),
    })?;
    Ok(if meta.is_dir() { "directory" } else { "file" })
}

/// Head's format and delimiter where they are not base's (`found`: the
/// format head's table was found in; else its file's name says) and
/// nothing (`--format`, `--delimiter`, the spec) fixed them for both
/// sides: a migration from CSV exports to Parquet.
fn head_read(
    table: &Table,
    head: &str,
    found: Option<Format>,
    fixed: (bool, bool),
) -> Option<(Format, u8)> {
    let format = match fixed.0 {
        true => table.format,
        false => found
            .or_else(|| Format::from_path(head))
            .unwrap_or(table.format),
    };
    let delimiter = match fixed.1 {
        true => table.delimiter,
        false => crate::config::default_delimiter(head),
    };
    let delimited = |f: Format| f == Format::Csv;
    (format != table.format
        || (delimited(format) && delimited(table.format) && delimiter != table.delimiter))
        .then_some((format, delimiter))
}

/// The table `name` of the files at `path` (a CSV file's name may imply
/// its delimiter: `.tsv`).
fn table_for(opts: &CompareOptions, name: &str, format: Format, path: &str) -> Table {
    let compare = if opts.distribution {
        CompareMode::Distribution
    } else {
        CompareMode::Exact
    };
    Table {
        key: opts.key.clone(),
        ignore: opts.ignore.clone(),
        delimiter: opts
            .delimiter
            .unwrap_or_else(|| crate::config::default_delimiter(path)),
        declared: Declared::CompareFlags,
        ..Table::new(name, "", format, compare)
    }
}

/// A file's directory and name, or a glob's (`load::dir_and_pattern`).
fn split(path: &Path) -> (PathBuf, String) {
    crate::load::dir_and_pattern(path)
}

type Paired = (Vec<Pair>, Vec<String>);

/// The pairs of two files or two directories, with the notes, and the
/// directories of data read as no table (`load::passed_over`): each is a
/// note saying why, and the report names them as not compared.
fn pairs_from_paths(
    opts: &CompareOptions,
    base: &Path,
    head: &Path,
) -> Result<(Paired, Vec<String>), CompareError> {
    let (bk, hk) = (kind(base)?, kind(head)?);
    if bk != hk {
        return Err(CompareError::Mismatch {
            base: base.to_path_buf(),
            base_kind: bk,
            head: head.to_path_buf(),
            head_kind: hk,
        });
    }
    if bk == "file" {
        let format_of = |path: &Path| {
            opts.format
                .or_else(|| Format::from_path(&path.to_string_lossy()))
                .ok_or_else(|| CompareError::Format {
                    path: path.to_path_buf(),
                })
        };
        let (format, head_format) = (format_of(base)?, format_of(head)?);
        if format.is_database() || head_format.is_database() {
            return Ok((database_pairs(opts, base, head)?, Vec::new()));
        }
        // A glob's table is named by its directory (`plays` for
        // `plays/*/*.parquet`).
        let name = match crate::load::is_glob(base) {
            true => split(base)
                .0
                .file_name()
                .map(|s| s.to_string_lossy().into_owned()),
            false => base.file_stem().map(|s| s.to_string_lossy().into_owned()),
        }
        .unwrap_or_else(|| "table".into());
        let table = table_for(opts, &name, format, &base.to_string_lossy());
        let fixed = opts.fixed_read();
        let pair = Pair {
            table: Table {
                head_read: head_read(&table, &head.to_string_lossy(), Some(head_format), fixed),
                ..table
            },
            base: split(base),
            head: split(head),
            head_missing: false,
        };
        return Ok(((vec![pair], vec![]), Vec::new()));
    }
    let tables_in = |dir: &Path| {
        crate::load::tables_in(dir, opts.format).map_err(|source| CompareError::Io {
            path: dir.to_path_buf(),
            source,
        })
    };
    let (btables, htables) = (tables_in(base)?, tables_in(head)?);
    let passed_over =
        |dir: &Path, tables: &Tables| crate::load::passed_over(dir, opts.format, tables);
    let (bskipped, hskipped) = (passed_over(base, &btables), passed_over(head, &htables));
    if btables.is_empty() {
        return Err(CompareError::Empty {
            dir: base.to_path_buf(),
            passed_over: bskipped,
        });
    }
    let (pairs, mut notes) = pair_by_name(opts, (base, btables), (head, htables), |_| None)?;
    // Never passed over in silence.
    let mut dirs = Vec::new();
    for (side, dir, skipped) in [("base", base, bskipped), ("head", head, hskipped)] {
        for (name, why) in skipped {
            let path = dir.join(name).display().to_string();
            notes.push(format!("directory `{path}` of {side} not compared: {why}"));
            dirs.push(path);
        }
    }
    Ok(((pairs, notes), dirs))
}

/// Whether a BASE or HEAD argument is a PostgreSQL database's URL.
fn postgres_url(path: &Path) -> bool {
    crate::config::PostgresUrl::parse(&path.to_string_lossy()).is_some()
}

/// Two databases, each a file or a PostgreSQL URL: each table of base's
/// paired with head's of the same name (`swimlane compare old.sqlite
/// new.duckdb`, or `postgresql://.../legacy new.duckdb`, validates a
/// migration table by table).
fn database_pairs(opts: &CompareOptions, base: &Path, head: &Path) -> Result<Paired, CompareError> {
    let database = |e| CompareError::Database(Box::new(e));
    let side = |path: &Path, other: &Path| -> Result<(PathBuf, Tables), CompareError> {
        let location = path.to_string_lossy();
        if postgres_url(path) {
            let tables = crate::database::postgres::tables(&location).map_err(database)?;
            let at = (location.to_string(), Format::Postgres);
            // Not a directory: the URL is the pattern; this names the
            // database in messages, without its password.
            let shown = crate::database::postgres::url_without_password(&location);
            return Ok((
                PathBuf::from(shown),
                tables.into_iter().map(|name| (name, at.clone())).collect(),
            ));
        }
        let is_file = kind(path)? == "file";
        let format = opts
            .format
            .or_else(|| Format::from_path(&location))
            .filter(|f| f.is_database() && is_file);
        let Some(format) = format else {
            return Err(CompareError::NotADatabase {
                path: path.to_path_buf(),
                other: crate::database::postgres::url_without_password(&other.to_string_lossy()),
            });
        };
        let (dir, file) = split(path);
        let tables = crate::database::tables(path).map_err(database)?;
        Ok((
            dir,
            tables
                .into_iter()
                .map(|name| (name, (file.clone(), format)))
                .collect(),
        ))
    };
    let (bdir, btables) = side(base, head)?;
    let (hdir, htables) = side(head, base)?;
    pair_by_name(opts, (&bdir, btables), (&hdir, htables), |name| {
        Some(crate::config::Relation::Table(name.to_string()))
    })
}

/// Base's tables paired with head's by name: a table only in head is a
/// note, one only in base is missing in head (a regression); when each
/// side has tables of its own, a note says how to pair a renamed one. The
/// other tables are compared all the same: one renamed table of fifty
/// does not hold up the other forty-nine.
fn pair_by_name(
    opts: &CompareOptions,
    (base, btables): (&Path, Tables),
    (head, htables): (&Path, Tables),
    relation: impl Fn(&str) -> Option<crate::config::Relation>,
) -> Result<Paired, CompareError> {
    if btables.is_empty() {
        return Err(CompareError::Empty {
            dir: base.to_path_buf(),
            passed_over: Vec::new(),
        });
    }
    let base_only: Vec<String> = btables
        .keys()
        .filter(|k| !htables.contains_key(*k))
        .cloned()
        .collect();
    let head_only: Vec<String> = htables
        .keys()
        .filter(|k| !btables.contains_key(*k))
        .cloned()
        .collect();
    let mut notes: Vec<String> = head_only
        .iter()
        .map(|t| format!("table `{t}` exists only in head (new; not compared)"))
        .collect();
    if let (Some(gone), Some(new)) = (base_only.first(), head_only.first()) {
        // Files: the spec's sides are paths, relative to the spec.
        let example = match relation(gone) {
            None => format!(
                ", e.g. a `[[table]]` with name = \"{gone}\", base = \"{}\", head = \"{}\"",
                base.join(&btables[gone].0).display(),
                head.join(&htables[new].0).display()
            ),
            Some(_) => String::new(),
        };
        notes.push(format!(
            "tables only in base ({}) and only in head ({}): if one was renamed, pair them in a TOML passed with --spec{example}",
            crate::model::ticked(&base_only),
            crate::model::ticked(&head_only)
        ));
    }
    let fixed = opts.fixed_read();
    let pairs = btables
        .into_iter()
        .map(|(name, (pattern, format))| {
            let found = htables.get(&name);
            let table = table_for(opts, &name, format, &pattern);
            Pair {
                table: Table {
                    relation: relation(&name),
                    head_read: found.and_then(|(h, f)| head_read(&table, h, Some(*f), fixed)),
                    ..table
                },
                base: (base.to_path_buf(), pattern.clone()),
                head_missing: found.is_none(),
                head: (head.to_path_buf(), found.map_or(pattern, |h| h.0.clone())),
            }
        })
        .collect();
    Ok((pairs, notes))
}

// ---- --spec: a TOML of table pairs ------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSpec {
    #[serde(rename = "table")]
    tables: Vec<Spanned<WireTable>>,
}

/// A spec's pairs, and each one's sides as it wrote them (for labels).
type SpecPairs = (Vec<Pair>, Vec<(String, String)>);

/// A spec's `[[table]]`: `base` and `head` (relative to the spec) instead
/// of `path`, and every other setting of a `swimlane.toml` table.
fn read_spec(path: &Path) -> Result<SpecPairs, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|source| CompareError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let invalid = |span: std::ops::Range<usize>, message: String, help: Option<&str>| {
        CompareError::Spec(ConfigError::Invalid(Box::new(Located::at(
            &text, path, span, message, help,
        ))))
    };
    let wire: WireSpec = toml::from_str(&text).map_err(|e| {
        invalid(
            e.span().unwrap_or(0..0),
            e.message().trim().to_string(),
            None,
        )
    })?;
    let (mut pairs, mut written) = (Vec::new(), Vec::new());
    for t in wire.tables {
        let (span, t) = (t.span(), t.into_inner());
        let (Some(base), Some(head)) = (t.base.clone(), t.head.clone()) else {
            return Err(invalid(
                t.path.as_ref().map_or(span, Spanned::span),
                format!(
                    "table `{}` needs `base` and `head`: the two files to compare",
                    t.name.get_ref()
                ),
                Some(
                    "e.g. `base = \"old/orders.csv\"` and `head = \"new/orders.parquet\"`, relative to this file",
                ),
            ));
        };
        if let Some(p) = &t.path {
            return Err(invalid(
                p.span(),
                format!(
                    "table `{}`: `path` belongs in swimlane.toml",
                    t.name.get_ref()
                ),
                Some("a spec names the two sides with `base` and `head`"),
            ));
        }
        let name = t.name.get_ref().trim().to_string();
        let fixed = t.sets_format_and_delimiter();
        let table = Table {
            declared: Declared::CompareSpec,
            ..resolve_table(t, &base, name, &text, path)?
        };
        let table = Table {
            head_read: head_read(&table, head.get_ref(), None, fixed),
            ..table
        };
        let (bd, bn) = split(&dir.join(base.get_ref()));
        let (hd, hn) = split(&dir.join(head.get_ref()));
        let head_missing = !crate::load::is_glob(&hn) && !hd.join(&hn).exists();
        let base_exists = crate::load::is_glob(&bn) || bd.join(&bn).exists();
        if !base_exists {
            return Err(invalid(
                base.span(),
                format!(
                    "table `{}`: base file `{}` does not exist",
                    table.name,
                    base.get_ref()
                ),
                Some("paths are relative to this file"),
            ));
        }
        pairs.push(Pair {
            table,
            base: (bd, bn),
            head: (hd, hn),
            head_missing,
        });
        written.push((base.get_ref().clone(), head.get_ref().clone()));
    }
    Ok((pairs, written))
}

/// How a report names one side of a spec's pairs: the side's file when
/// there is one table, the folder all its files are in (`old/`), else the
/// spec's side (`pairs.toml, base side`).
fn spec_side<'a>(spec: &Path, side: &str, written: impl Iterator<Item = &'a str>) -> String {
    let written: Vec<&str> = written.collect();
    if let [one] = written.as_slice() {
        return one.to_string();
    }
    let folder = |w: &'a str| Path::new(w).parent();
    match written.first().and_then(|w| folder(w)) {
        Some(f) if !f.as_os_str().is_empty() && written.iter().all(|w| folder(w) == Some(f)) => {
            format!("{}/", f.display())
        }
        _ => format!("{}, {side} side", spec.display()),
    }
}

#[cfg(all(test, feature = "spark"))]
mod tests {
    mod spark {
        use crate::compare::CompareError;
        use crate::interrupt::Interrupted;
        use crate::spark::SparkError;

        /// Found by `spark::ctrl_c_stops_the_query_on_the_server_and_exits_130`
        /// on a loaded machine: a Ctrl-C while the engine was still
        /// connecting exited 2, "error: interrupted by SIGINT; the query was
        /// stopped on the server", instead of 130.
        #[test]
        fn a_ctrl_c_while_spark_connects_is_the_comparisons_interruption() {
            let e = CompareError::from(SparkError::Interrupted(Interrupted {
                signal: libc::SIGINT,
            }));
            assert!(
                matches!(e, CompareError::Interrupted(Interrupted { signal }) if signal == libc::SIGINT),
                "{e:?}"
            );
        }
    }
}
