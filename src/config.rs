//! `swimlane.toml`: parsing, validation and the resolved [`Config`].
//!
//! The file is read into strict wire structs (`deny_unknown_fields`, spans on
//! every value a later check may complain about) and then validated into plain
//! settings. Every error names the file, line and column and says what was
//! expected. This module does not look at the repository or the lanes; it
//! only checks what can be checked from the file itself.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::ops::Range;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

/// Default per-stage timeout when `timeout_secs` is not given.
pub const DEFAULT_STAGE_TIMEOUT: Duration = Duration::from_secs(3600);
/// Default false-discovery level for distribution tables.
pub const DEFAULT_ALPHA: f64 = 0.01;
/// Default effect-size floor (KS D) for distribution tables.
pub const DEFAULT_MIN_EFFECT: f64 = 0.05;

/// Default precision (significant digits) at which distribution tests
/// compare numbers, so floating-point noise is not a shift.
pub const DEFAULT_PRECISION: u32 = 12;
/// Default largest change in a column's null fraction that is not flagged.
pub const DEFAULT_MAX_NULL_SHIFT: f64 = 0.01;

/// Placeholders a stage's `run` may use; each is substituted shell-quoted.
pub const PLACEHOLDERS: [&str; 4] = ["snapshot", "out", "lane", "rev"];

#[derive(Debug, Clone)]
pub struct Config {
    /// The config file as given (used in messages).
    pub path: PathBuf,
    /// Absolute directory holding the config file.
    pub dir: PathBuf,
    /// Absolute path of the fact snapshot (file or directory).
    pub snapshot: PathBuf,
    /// `[lanes] base`, if set.
    pub base: Option<String>,
    pub stages: Vec<Stage>,
    pub tables: Vec<Table>,
    /// `engine =`: where tables are compared unless a table says otherwise.
    pub engine: Option<Engine>,
    /// `[spark] remote`: the Spark Connect server for the spark engine.
    pub spark_remote: Option<String>,
    /// `[spark] outputs` (and `outputs_on_cluster`): where the lanes write
    /// their tables when a table is compared on Spark.
    pub spark_outputs: Option<SparkOutputs>,
}

/// A directory this machine writes and the cluster reads: the lanes'
/// outputs go there when a table is compared on Spark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparkOutputs {
    /// The directory on this machine (absolute).
    pub local: PathBuf,
    /// The same directory as the cluster names it (a path or a URI).
    pub cluster: String,
}

/// Where a table is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// polars on this machine.
    Local,
    /// Spark SQL through Spark Connect.
    Spark,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub name: String,
    pub run: String,
    pub timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    /// Relative to the lane's output dir; may be a glob of part files.
    pub path: String,
    pub format: Format,
    /// The field delimiter of a CSV table (`delimiter`, `--delimiter`).
    pub delimiter: u8,
    /// Key columns; empty means a keyless (multiset) comparison.
    pub key: Vec<String>,
    pub compare: CompareMode,
    pub ignore: Vec<String>,
    pub alpha: f64,
    pub min_effect: f64,
    /// Significant digits at which distribution tests compare numbers.
    pub precision: u32,
    /// Largest change in a column's null fraction that is not a regression.
    pub max_null_shift: f64,
    /// Per-column overrides for distribution tables.
    pub columns: BTreeMap<String, ColumnOverride>,
    /// Per-column numeric tolerances for exact tables (`[table.tolerance]`).
    pub tolerance: BTreeMap<String, Tolerance>,
    /// Where `key` is written (`swimlane.toml:12:7`), for errors found later
    /// against the outputs.
    pub key_location: Option<String>,
    /// `[table.strings]`: trim and case options for string comparison.
    pub strings: StringOptions,
    /// `engine =` for this table, overriding the config's.
    pub engine: Option<Engine>,
    /// Where the table was declared, so that an error's help names what
    /// the user edits: the config, `swimlane compare`'s flags, or its spec.
    pub declared: Declared,
}

/// Where a table was declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Declared {
    /// `[[table]]` in `swimlane.toml`, written by a lane's stages.
    #[default]
    Config,
    /// `swimlane compare BASE HEAD` and its flags.
    CompareFlags,
    /// `[[table]]` in a `swimlane compare --spec` file.
    CompareSpec,
}

impl Declared {
    /// How to set a table's format.
    pub fn format_help(self) -> &'static str {
        match self {
            Declared::Config => "set `format =` for the table",
            Declared::CompareFlags => "pass --format parquet|csv|ndjson|ipc",
            Declared::CompareSpec => "set `format =` for the table in the spec",
        }
    }

    /// How to set a CSV table's delimiter to `d`.
    pub fn delimiter_help(self, d: u8) -> String {
        let shown = match d {
            b'\t' => "\\t".to_string(),
            d => (d as char).to_string(),
        };
        match self {
            Declared::Config => format!("set `delimiter = \"{shown}\"` for the table"),
            Declared::CompareFlags => match d {
                b'\t' => "pass --delimiter tab".to_string(),
                _ => format!("pass --delimiter '{shown}'"),
            },
            Declared::CompareSpec => {
                format!("set `delimiter = \"{shown}\"` for the table in the spec")
            }
        }
    }

    /// How to name the key columns.
    pub fn key_help(self) -> &'static str {
        match self {
            Declared::Config => "fix `key` in the config, or the stage that writes the table",
            Declared::CompareFlags => {
                "name columns both files have with --key (repeat it for a composite key)"
            }
            Declared::CompareSpec => "fix `key` for the table in the spec",
        }
    }

    /// What wrote the files: a lane's stage, or whatever exported them.
    pub fn writer(self) -> &'static str {
        match self {
            Declared::Config => "the stage",
            Declared::CompareFlags | Declared::CompareSpec => "the export",
        }
    }
}

impl Table {
    /// A table with every setting at its default.
    pub fn new(name: &str, path: &str, format: Format, compare: CompareMode) -> Table {
        Table {
            name: name.to_string(),
            path: path.to_string(),
            format,
            delimiter: b',',
            key: Vec::new(),
            compare,
            ignore: Vec::new(),
            alpha: DEFAULT_ALPHA,
            min_effect: DEFAULT_MIN_EFFECT,
            precision: DEFAULT_PRECISION,
            max_null_shift: DEFAULT_MAX_NULL_SHIFT,
            columns: BTreeMap::new(),
            tolerance: BTreeMap::new(),
            key_location: None,
            strings: StringOptions::default(),
            engine: None,
            declared: Declared::Config,
        }
    }

    /// The settings that apply to `column` of a distribution table.
    pub fn column_settings(&self, column: &str) -> ColumnOverride {
        let o = self.columns.get(column);
        ColumnOverride {
            test: o.and_then(|o| o.test),
            alpha: o.and_then(|o| o.alpha).or(Some(self.alpha)),
            min_effect: o.and_then(|o| o.min_effect).or(Some(self.min_effect)),
        }
    }
}

/// A numeric tolerance: `|base - head| <= abs + rel * |head|` counts as equal.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    #[serde(default)]
    pub abs: f64,
    #[serde(default)]
    pub rel: f64,
    /// Dates, times, datetimes and durations: equal within this many seconds.
    #[serde(default)]
    pub seconds: f64,
}

/// How strings of an exact table are compared (both off by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringOptions {
    /// Ignore leading and trailing whitespace.
    #[serde(default)]
    pub trim: bool,
    /// Ignore letter case.
    #[serde(default)]
    pub ignore_case: bool,
    /// Apply `trim` and `ignore_case` to string key columns too, so that
    /// rows pair when their keys differ only so (off by default: a key is
    /// an identity).
    #[serde(default)]
    pub keys: bool,
}

/// `[table.columns.NAME]`: how one column of a distribution table is tested.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ColumnOverride {
    pub test: Option<TestKind>,
    pub alpha: Option<f64>,
    pub min_effect: Option<f64>,
}

/// The test a distribution column gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TestKind {
    /// Two-sample Kolmogorov–Smirnov (numbers, dates).
    Ks,
    /// Chi-square of homogeneity (categories; also integers declared so).
    Chi2,
    /// Not tested (aggregates are still reported).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareMode {
    Exact,
    Distribution,
}

impl CompareMode {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareMode::Exact => "exact",
            CompareMode::Distribution => "distribution",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
    #[serde(alias = "jsonl")]
    Ndjson,
    #[serde(alias = "arrow", alias = "feather")]
    Ipc,
}

impl Format {
    /// The format implied by a file name's extension, if any.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "arrow" | "ipc" | "feather" => Some(Format::Ipc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Ipc => "ipc",
        }
    }
}

/// A config file that could not be read or is not valid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Box<Located>),
}

/// An error pointing at a place in the config file, rendered like a compiler
/// diagnostic: message, `--> file:line:col`, the source line, and a hint.
#[derive(Debug)]
pub struct Located {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub source_line: String,
    pub help: Option<String>,
}

impl Located {
    /// Locates byte range `span` of `text` (the file at `path`).
    pub fn at(
        text: &str,
        path: &Path,
        span: Range<usize>,
        message: String,
        help: Option<&str>,
    ) -> Located {
        locate(text, path, span, message, help)
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        writeln!(f, "invalid config: {}", self.message)?;
        writeln!(
            f,
            "{:gutter$}--> {}:{}:{}",
            "",
            self.path.display(),
            self.line,
            self.column
        )?;
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{:gutter$} | {:>col$}", "", "^", col = self.column)?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {help}", "")?;
        }
        Ok(())
    }
}

// ---- wire structs: exactly what the file may contain -------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireConfig {
    snapshot: Option<Spanned<WireSnapshot>>,
    lanes: Option<WireLanes>,
    #[serde(rename = "stage")]
    stages: Option<Vec<Spanned<WireStage>>>,
    #[serde(rename = "table")]
    tables: Option<Vec<Spanned<WireTable>>>,
    engine: Option<Engine>,
    spark: Option<WireSpark>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSpark {
    remote: Spanned<String>,
    outputs: Option<Spanned<String>>,
    outputs_on_cluster: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSnapshot {
    path: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireLanes {
    base: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireStage {
    name: Spanned<String>,
    run: Spanned<String>,
    timeout_secs: Option<Spanned<f64>>,
}

/// A `[[table]]`, in `swimlane.toml` (with `path`) or in a `swimlane
/// compare --spec` file (with `base` and `head`): every other setting is
/// the same in both, resolved by [`resolve_table`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireTable {
    pub name: Spanned<String>,
    pub path: Option<Spanned<String>>,
    pub base: Option<Spanned<String>>,
    pub head: Option<Spanned<String>>,
    format: Option<Format>,
    delimiter: Option<Spanned<String>>,
    key: Option<Spanned<Vec<Spanned<String>>>>,
    compare: Option<CompareMode>,
    ignore: Option<Vec<Spanned<String>>>,
    alpha: Option<Spanned<f64>>,
    min_effect: Option<Spanned<f64>>,
    precision: Option<Spanned<i64>>,
    max_null_shift: Option<Spanned<f64>>,
    columns: Option<Spanned<BTreeMap<String, Spanned<WireColumn>>>>,
    tolerance: Option<BTreeMap<String, Spanned<Tolerance>>>,
    strings: Option<StringOptions>,
    engine: Option<Engine>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireColumn {
    test: Option<TestKind>,
    alpha: Option<Spanned<f64>>,
    min_effect: Option<Spanned<f64>>,
}

// ---- loading -----------------------------------------------------------------

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let abs = std::path::absolute(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        Config::parse(&text, path, &dir)
    }

    /// Parses config text; `path` is used in messages, `dir` anchors relative paths.
    pub fn parse(text: &str, path: &Path, dir: &Path) -> Result<Config, ConfigError> {
        let at = |span: Range<usize>, message: String, help: Option<&str>| {
            ConfigError::Invalid(Box::new(locate(text, path, span, message, help)))
        };
        let wire: WireConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            at(span, e.message().trim().to_string(), toml_help(e.message()))
        })?;

        let Some(snapshot) = wire.snapshot else {
            return Err(at(
                0..0,
                "missing [snapshot] section".into(),
                Some(
                    "add `[snapshot]` with `path = \"facts\"`, the input both lanes read (relative to this file)",
                ),
            ));
        };
        let snap_path = snapshot.into_inner().path;
        if snap_path.get_ref().trim().is_empty() {
            return Err(at(
                snap_path.span(),
                "snapshot path is empty".into(),
                Some("give the file or directory of input facts, relative to this file"),
            ));
        }
        let snapshot = normalize(&dir.join(snap_path.get_ref()));

        let base = wire.lanes.and_then(|l| l.base).map(|b| {
            if b.get_ref().trim().is_empty() {
                Err(at(
                    b.span(),
                    "lanes.base is empty".into(),
                    Some("name a branch, tag or commit, or remove the key to use main/master"),
                ))
            } else {
                Ok(b.into_inner())
            }
        });
        let base = base.transpose()?;

        let wire_stages = wire.stages.unwrap_or_default();
        if wire_stages.is_empty() {
            return Err(at(
                0..0,
                "no [[stage]] defined".into(),
                Some(
                    "add at least one `[[stage]]` with `name` and `run`: the commands that produce the outputs",
                ),
            ));
        }
        let mut stages = Vec::new();
        let mut seen = HashSet::new();
        for stage in wire_stages {
            let stage = stage.into_inner();
            let name = nonempty_name(&stage.name, "stage", &at)?;
            if !seen.insert(name.clone()) {
                return Err(at(
                    stage.name.span(),
                    format!("duplicate stage name `{name}`"),
                    Some("stage names must be unique; rename one of them"),
                ));
            }
            if let Err((offset, message)) = check_placeholders(stage.run.get_ref()) {
                let span = stage.run.span();
                let start = span.start + 1 + offset;
                return Err(at(
                    start..start + 1,
                    message,
                    Some(
                        "known placeholders: {snapshot}, {out}, {lane}, {rev}; write {{ and }} for literal braces",
                    ),
                ));
            }
            if stage.run.get_ref().trim().is_empty() {
                return Err(at(
                    stage.run.span(),
                    format!("stage `{name}` has an empty `run`"),
                    Some("give the shell command this stage runs"),
                ));
            }
            let timeout = match stage.timeout_secs {
                None => DEFAULT_STAGE_TIMEOUT,
                Some(t) => {
                    let secs = *t.get_ref();
                    if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
                        return Err(at(
                            t.span(),
                            format!(
                                "timeout_secs must be a positive number of seconds, got {secs}"
                            ),
                            None,
                        ));
                    }
                    Duration::from_secs_f64(secs)
                }
            };
            stages.push(Stage {
                name,
                run: stage.run.into_inner(),
                timeout,
            });
        }

        let wire_tables = wire.tables.unwrap_or_default();
        if wire_tables.is_empty() {
            return Err(at(
                0..0,
                "no [[table]] defined".into(),
                Some(
                    "add at least one `[[table]]` with `name`, `path` and `key`: the outputs to compare",
                ),
            ));
        }
        let mut tables = Vec::new();
        let mut seen = HashSet::new();
        for table in wire_tables {
            let table = table.into_inner();
            let name = nonempty_name(&table.name, "table", &at)?;
            if !seen.insert(name.clone()) {
                return Err(at(
                    table.name.span(),
                    format!("duplicate table name `{name}`"),
                    Some("table names must be unique; rename one of them"),
                ));
            }
            let Some(out_path) = &table.path else {
                let span = table
                    .base
                    .as_ref()
                    .or(table.head.as_ref())
                    .map(Spanned::span);
                return Err(at(
                    span.unwrap_or_else(|| table.name.span()),
                    format!("table `{name}` has no `path`"),
                    Some(
                        "give the output's path in the lane's output dir, e.g. `path = \"plays.parquet\"` (`base` and `head` belong in a `swimlane compare --spec` file)",
                    ),
                ));
            };
            if let Some(problem) = output_path_problem(out_path.get_ref()) {
                return Err(at(
                    out_path.span(),
                    format!("table `{name}`: path `{}` {problem}", out_path.get_ref()),
                    Some(
                        "paths are relative to the lane's output dir ({out}), e.g. \"plays.parquet\" or \"plays/*.parquet\"",
                    ),
                ));
            }
            if let Some(side) = table.base.as_ref().or(table.head.as_ref()) {
                return Err(at(
                    side.span(),
                    format!(
                        "table `{name}`: `base` and `head` belong in a `swimlane compare --spec` file"
                    ),
                    Some("in swimlane.toml, each lane writes the table at `path`"),
                ));
            }
            let out_path = out_path.clone();
            tables.push(resolve_table(table, &out_path, name, text, path)?);
        }

        let (spark_remote, spark_outputs) = match wire.spark {
            Some(s) if !s.remote.get_ref().starts_with("sc://") => {
                return Err(at(
                    s.remote.span(),
                    "spark.remote is not a Spark Connect URL".into(),
                    Some("write it as sc://host:15002"),
                ));
            }
            Some(s) => {
                let outputs = match (s.outputs, s.outputs_on_cluster) {
                    (None, Some(c)) => {
                        return Err(at(
                            c.span(),
                            "spark.outputs_on_cluster names the outputs directory as the cluster sees it, but spark.outputs is not set".into(),
                            Some("add `outputs = \"/mnt/shared/swimlane\"`: a directory on this machine that the cluster reads too"),
                        ));
                    }
                    (None, None) => None,
                    (Some(o), cluster) => {
                        let local = normalize(&dir.join(o.get_ref()));
                        let cluster = cluster
                            .map(Spanned::into_inner)
                            .unwrap_or_else(|| local.to_string_lossy().into_owned());
                        Some(SparkOutputs { local, cluster })
                    }
                };
                (Some(s.remote.into_inner()), outputs)
            }
            None => (None, None),
        };
        Ok(Config {
            engine: wire.engine,
            spark_remote,
            spark_outputs,
            path: path.to_path_buf(),
            dir: dir.to_path_buf(),
            snapshot,
            base,
            stages,
            tables,
        })
    }
}

/// Resolves one `[[table]]` (of `swimlane.toml` or of a compare spec) into a
/// [`Table`], every setting validated against its place in `text`.
/// `data_path` is the table's file, for its format.
pub(crate) fn resolve_table(
    table: WireTable,
    data_path: &Spanned<String>,
    name: String,
    text: &str,
    path: &Path,
) -> Result<Table, ConfigError> {
    let at = |span: Range<usize>, message: String, help: Option<&str>| {
        ConfigError::Invalid(Box::new(locate(text, path, span, message, help)))
    };
    let delimiter = match &table.delimiter {
        None => b',',
        Some(d) => match d.get_ref().as_str() {
            "\\t" | "tab" => b'\t',
            one if one.len() == 1 && one.is_ascii() && !one.contains(['\n', '\r', '"']) => {
                one.as_bytes()[0]
            }
            other => {
                return Err(at(
                    d.span(),
                    format!("table `{name}`: delimiter `{other}` is not one ASCII character"),
                    Some("write e.g. `delimiter = \";\"` or `delimiter = \"\\t\"` (tab)"),
                ));
            }
        },
    };
    if delimiter != b','
        && format_of(&table, data_path) != Some(Format::Csv)
        && let Some(d) = &table.delimiter
    {
        return Err(at(
            d.span(),
            format!("table `{name}`: `delimiter` applies only to CSV tables"),
            Some("remove it, or set `format = \"csv\"`"),
        ));
    }

    let format = match table.format {
        Some(f) => f,
        None => match Format::from_path(data_path.get_ref()) {
            Some(f) => f,
            None => {
                return Err(at(
                    data_path.span(),
                    format!(
                        "table `{name}`: cannot tell the format of `{}` from its extension",
                        data_path.get_ref()
                    ),
                    Some("add `format = \"parquet\"` (or csv, ndjson, ipc)"),
                ));
            }
        },
    };
    let mut key = Vec::new();
    if let Some(keys) = &table.key {
        if keys.get_ref().is_empty() {
            return Err(at(
                keys.span(),
                format!("table `{name}`: `key` is an empty list"),
                Some("list the key columns, or remove `key` for a keyless (multiset) comparison"),
            ));
        }
        for k in keys.get_ref() {
            if k.get_ref().trim().is_empty() {
                return Err(at(
                    k.span(),
                    format!("table `{name}`: key column names must be non-empty"),
                    None,
                ));
            }
            if key.contains(k.get_ref()) {
                return Err(at(
                    k.span(),
                    format!("table `{name}`: key column `{}` listed twice", k.get_ref()),
                    None,
                ));
            }
            key.push(k.get_ref().clone());
        }
    }
    let mut ignore = Vec::new();
    for col in table.ignore.unwrap_or_default() {
        if key.contains(col.get_ref()) {
            return Err(at(
                col.span(),
                format!(
                    "table `{name}`: key column `{}` cannot be ignored",
                    col.get_ref()
                ),
                Some("remove it from `ignore` or from `key`"),
            ));
        }
        ignore.push(col.into_inner());
    }
    let compare = table.compare.unwrap_or(CompareMode::Exact);
    if compare == CompareMode::Exact {
        let distribution_only = [
            table.alpha.as_ref().map(Spanned::span),
            table.min_effect.as_ref().map(Spanned::span),
            table.precision.as_ref().map(Spanned::span),
            table.max_null_shift.as_ref().map(Spanned::span),
            table.columns.as_ref().map(Spanned::span),
        ];
        if let Some(span) = distribution_only.into_iter().flatten().next() {
            return Err(at(
                span,
                format!(
                    "table `{name}`: alpha, min_effect, precision, max_null_shift and columns apply only to `compare = \"distribution\"`"
                ),
                Some("remove them, or set `compare = \"distribution\"`"),
            ));
        }
    }
    let alpha = probability(table.alpha, DEFAULT_ALPHA, "alpha", &at)?;
    let min_effect = probability(table.min_effect, DEFAULT_MIN_EFFECT, "min_effect", &at)?;
    let precision = match table.precision {
        None => DEFAULT_PRECISION,
        Some(p) => match u32::try_from(*p.get_ref()) {
            Ok(v @ 1..=17) => v,
            _ => {
                return Err(at(
                    p.span(),
                    format!(
                        "precision must be between 1 and 17 significant digits, got {}",
                        p.get_ref()
                    ),
                    None,
                ));
            }
        },
    };
    let max_null_shift = match table.max_null_shift {
        None => DEFAULT_MAX_NULL_SHIFT,
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => *v.get_ref(),
        Some(v) => {
            return Err(at(
                v.span(),
                format!(
                    "max_null_shift must be between 0 and 1, got {}",
                    v.get_ref()
                ),
                None,
            ));
        }
    };
    let mut columns = BTreeMap::new();
    for (col, o) in table.columns.map(Spanned::into_inner).unwrap_or_default() {
        if key.contains(&col) || ignore.contains(&col) {
            return Err(at(
                o.span(),
                format!(
                    "table `{name}`: column `{col}` is a key or ignored column; it is never tested"
                ),
                None,
            ));
        }
        let o = o.into_inner();
        let alpha = o
            .alpha
            .map(|a| probability(Some(a), DEFAULT_ALPHA, "alpha", &at))
            .transpose()?;
        let min_effect = o
            .min_effect
            .map(|a| probability(Some(a), DEFAULT_MIN_EFFECT, "min_effect", &at))
            .transpose()?;
        columns.insert(
            col,
            ColumnOverride {
                test: o.test,
                alpha,
                min_effect,
            },
        );
    }
    let mut tolerance = BTreeMap::new();
    for (col, t) in table.tolerance.unwrap_or_default() {
        let v = *t.get_ref();
        let ok = |x: f64| x >= 0.0 && x.is_finite();
        if !(ok(v.abs) && ok(v.rel) && ok(v.seconds)) {
            return Err(at(
                t.span(),
                format!("table `{name}`: tolerance of `{col}` must have abs, rel and seconds >= 0"),
                Some("e.g. `seconds = { abs = 1e-9, rel = 1e-12 }`"),
            ));
        }
        tolerance.insert(col, v);
    }
    Ok(Table {
        name,
        path: data_path.get_ref().clone(),
        delimiter,
        format,
        key,
        compare,
        ignore,
        alpha,
        min_effect,
        precision,
        max_null_shift,
        columns,
        tolerance,
        strings: table.strings.unwrap_or_default(),
        engine: table.engine,
        declared: Declared::Config,
        key_location: table.key.as_ref().map(|k| {
            let l = locate(text, path, k.span(), String::new(), None);
            format!("{}:{}:{}", path.display(), l.line, l.column)
        }),
    })
}

/// The format a table declares or its file's extension says.
fn format_of(table: &WireTable, data_path: &Spanned<String>) -> Option<Format> {
    table
        .format
        .or_else(|| Format::from_path(data_path.get_ref()))
}

type At<'a> = dyn Fn(Range<usize>, String, Option<&str>) -> ConfigError + 'a;

fn nonempty_name(name: &Spanned<String>, what: &str, at: &At<'_>) -> Result<String, ConfigError> {
    let value = name.get_ref().trim();
    if value.is_empty() {
        return Err(at(
            name.span(),
            format!("{what} name is empty"),
            Some("give every stage and table a short, unique name"),
        ));
    }
    Ok(value.to_string())
}

fn probability(
    value: Option<Spanned<f64>>,
    default: f64,
    what: &str,
    at: &At<'_>,
) -> Result<f64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) => {
            let x = *v.get_ref();
            if x > 0.0 && x < 1.0 {
                Ok(x)
            } else {
                Err(at(
                    v.span(),
                    format!("{what} must be between 0 and 1 (exclusive), got {x}"),
                    None,
                ))
            }
        }
    }
}

/// Why an output path cannot be used, if it cannot.
fn output_path_problem(path: &str) -> Option<&'static str> {
    if path.trim().is_empty() {
        return Some("is empty");
    }
    let p = Path::new(path);
    if p.is_absolute() {
        return Some("is absolute");
    }
    if p.components().any(|c| matches!(c, Component::ParentDir)) {
        return Some("leaves the lane's output dir");
    }
    None
}

/// Checks `{name}` placeholders in a `run` command. `${...}` belongs to the
/// shell and `{{`/`}}` are literal braces; any other `{ident}` must be known.
/// Returns the byte offset and message of the first problem.
pub fn check_placeholders(run: &str) -> Result<(), (usize, String)> {
    for token in scan(run) {
        if let Token::Placeholder { name, offset } = token
            && !PLACEHOLDERS.contains(&name)
        {
            return Err((offset, format!("unknown placeholder `{{{name}}}` in `run`")));
        }
    }
    Ok(())
}

/// Substitutes placeholders in `run`; `lookup` gives each known name's value,
/// which is inserted shell-quoted. Values are bytes (paths need not be
/// UTF-8), and so is the command.
pub fn render_command(run: &str, lookup: impl Fn(&str) -> OsString) -> OsString {
    let mut out: Vec<u8> = Vec::with_capacity(run.len());
    for token in scan(run) {
        match token {
            Token::Text(t) => out.extend_from_slice(t.as_bytes()),
            Token::Placeholder { name, .. } => {
                out.extend_from_slice(&shell_quote(lookup(name).as_bytes()))
            }
        }
    }
    OsString::from_vec(out)
}

enum Token<'a> {
    Text(&'a str),
    Placeholder { name: &'a str, offset: usize },
}

fn scan(run: &str) -> Vec<Token<'_>> {
    let bytes = run.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => {
                tokens.push(Token::Text(&run[start..=i]));
                i += 2;
                start = i;
            }
            b'{' if i == 0 || bytes[i - 1] != b'$' => {
                let rest = &run[i + 1..];
                let len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let is_ident = len > 0 && !rest.as_bytes()[0].is_ascii_digit();
                if is_ident && rest.as_bytes().get(len) == Some(&b'}') {
                    tokens.push(Token::Text(&run[start..i]));
                    tokens.push(Token::Placeholder {
                        name: &rest[..len],
                        offset: i,
                    });
                    i += len + 2;
                    start = i;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    tokens.push(Token::Text(&run[start..]));
    tokens
}

/// Quotes `value` for `sh` when it holds anything but safe characters.
pub fn shell_quote(value: &[u8]) -> Vec<u8> {
    let safe = !value.is_empty()
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:,=@%".contains(b));
    if safe {
        return value.to_vec();
    }
    let mut out = vec![b'\''];
    for &b in value {
        if b == b'\'' {
            out.extend_from_slice(br"'\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

fn toml_help(message: &str) -> Option<&'static str> {
    if message.contains("unknown field") {
        Some("remove or rename the key; see the config reference in README.md")
    } else if message.contains("missing field") {
        Some("add the required key")
    } else if message.contains("invalid type") {
        Some("check the value's type against the config reference in README.md")
    } else {
        None
    }
}

fn locate(
    text: &str,
    path: &Path,
    span: Range<usize>,
    message: String,
    help: Option<&str>,
) -> Located {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    Located {
        path: path.to_path_buf(),
        line,
        column,
        message,
        source_line: text[line_start..line_end]
            .trim_end_matches('\r')
            .to_string(),
        help: help.map(str::to_string),
    }
}

/// Removes `.` and resolves `..` lexically (the path need not exist yet).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "python3 etl.py --input {snapshot} --output {out}"

[[table]]
name = "plays"
path = "plays.csv"
key = ["member_id", "video_id"]
"#;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("swimlane.toml"), Path::new("/repo"))
    }

    fn error(text: &str) -> String {
        match parse(text) {
            Ok(_) => panic!("config should have been rejected:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn engines_and_the_spark_remote_are_read() {
        let c = parse(&format!(
            "engine = \"spark\"\n[spark]\nremote = \"sc://spark:15002\"\n{MINIMAL}engine = \"local\"\n"
        ))
        .unwrap();
        assert_eq!(c.engine, Some(Engine::Spark));
        assert_eq!(c.spark_remote.as_deref(), Some("sc://spark:15002"));
        assert_eq!(c.tables[0].engine, Some(Engine::Local));
        assert_eq!(parse(MINIMAL).unwrap().engine, None);
        let c = parse(&format!(
            "[spark]\nremote = \"sc://spark:15002\"\noutputs = \"shared\"\noutputs_on_cluster = \"dbfs:/shared\"\n{MINIMAL}"
        ))
        .unwrap();
        let outputs = c.spark_outputs.unwrap();
        assert!(outputs.local.is_absolute() && outputs.local.ends_with("shared"));
        assert_eq!(outputs.cluster, "dbfs:/shared");
        let e = error(&format!(
            "[spark]\nremote = \"sc://spark:15002\"\noutputs_on_cluster = \"dbfs:/x\"\n{MINIMAL}"
        ));
        assert!(
            e.contains("spark.outputs is not set") && e.contains("swimlane.toml:3:"),
            "{e}"
        );
        let e = error(&format!("[spark]\nremote = \"spark:15002\"\n{MINIMAL}"));
        assert!(e.contains("not a Spark Connect URL"), "{e}");
        assert!(e.contains("swimlane.toml:2:"), "{e}");
        let e = error(&format!("engine = \"dask\"\n{MINIMAL}"));
        assert!(e.contains("swimlane.toml:1:"), "{e}");
    }

    #[test]
    fn minimal_config_resolves_defaults() {
        let c = parse(MINIMAL).unwrap();
        assert_eq!(c.snapshot, PathBuf::from("/repo/facts"));
        assert_eq!(c.base, None);
        assert_eq!(c.stages[0].timeout, DEFAULT_STAGE_TIMEOUT);
        let t = &c.tables[0];
        assert_eq!(t.format, Format::Csv);
        assert_eq!(t.compare, CompareMode::Exact);
        assert_eq!(t.key, ["member_id", "video_id"]);
    }

    #[test]
    fn unknown_key_names_line_and_column() {
        let text = MINIMAL.replace("key = [", "colour = 1\nkey = [");
        let msg = error(&text);
        assert!(msg.contains("unknown field `colour`"), "{msg}");
        assert!(msg.contains("--> swimlane.toml:12:1"), "{msg}");
    }

    #[test]
    fn duplicate_stage_points_at_second_name() {
        let text = format!("{MINIMAL}\n[[stage]]\nname = \"etl\"\nrun = \"true\"\n");
        let msg = error(&text);
        assert!(msg.contains("duplicate stage name `etl`"), "{msg}");
        assert!(msg.contains("swimlane.toml:15:8"), "{msg}");
    }

    #[test]
    fn duplicate_table_is_rejected() {
        let text = format!("{MINIMAL}\n[[table]]\nname = \"plays\"\npath = \"x.parquet\"\n");
        assert!(error(&text).contains("duplicate table name `plays`"));
    }

    #[test]
    fn unknown_placeholder_is_located_inside_the_command() {
        let text = MINIMAL.replace("{out}", "{output}");
        let msg = error(&text);
        assert!(msg.contains("unknown placeholder `{output}`"), "{msg}");
        // `run = "python3 etl.py --input {snapshot} --output {output}"`: the
        // value starts at column 8 and the brace is 43 characters into it.
        assert!(msg.contains("swimlane.toml:7:51"), "{msg}");
    }

    #[test]
    fn shell_braces_are_not_placeholders() {
        assert!(check_placeholders("echo ${HOME} {{x}} && awk '{print $1}'").is_ok());
        let rendered = render_command("cp {snapshot}/a {out} # ${X} {{lit}}", |n| match n {
            "snapshot" => "/tmp/my facts".into(),
            _ => "/o".into(),
        });
        assert_eq!(rendered, "cp '/tmp/my facts'/a /o # ${X} {lit}");
        // Paths that are not UTF-8 pass through byte for byte, quoted.
        let odd = OsString::from_vec(b"/tmp/caf\xe9 it's".to_vec());
        let rendered = render_command("ls {out}", |_| odd.clone());
        assert_eq!(rendered.as_bytes(), b"ls '/tmp/caf\xe9 it'\\''s'");
    }

    #[test]
    fn non_positive_timeout_is_rejected() {
        let text = MINIMAL.replace("--output {out}\"", "--output {out}\"\ntimeout_secs = 0");
        let msg = error(&text);
        assert!(msg.contains("timeout_secs must be a positive"), "{msg}");
        assert!(msg.contains("swimlane.toml:8:16"), "{msg}");
    }

    #[test]
    fn empty_and_blank_keys_are_rejected() {
        assert!(
            error(&MINIMAL.replace(r#"["member_id", "video_id"]"#, "[]")).contains("empty list")
        );
        assert!(error(&MINIMAL.replace(r#""video_id""#, r#""  ""#)).contains("non-empty"));
    }

    #[test]
    fn path_outside_output_dir_is_rejected() {
        let msg = error(&MINIMAL.replace("plays.csv", "../../etc/passwd.csv"));
        assert!(msg.contains("leaves the lane's output dir"), "{msg}");
    }

    #[test]
    fn wrong_type_is_reported_with_location() {
        let msg = error(&MINIMAL.replace("name = \"etl\"", "name = 3"));
        assert!(msg.contains("invalid type"), "{msg}");
        assert!(msg.contains("swimlane.toml:6:8"), "{msg}");
    }

    #[test]
    fn missing_sections_are_explained() {
        assert!(error("[snapshot]\npath = \"f\"\n").contains("no [[stage]] defined"));
        assert!(error("").contains("missing [snapshot] section"));
    }

    #[test]
    fn malformed_toml_is_located() {
        let msg = error("[snapshot]\npath = \"f\n");
        assert!(msg.contains("swimlane.toml:2:"), "{msg}");
    }

    #[test]
    fn unknown_extension_needs_format() {
        assert!(error(&MINIMAL.replace("plays.csv", "plays.dat")).contains("add `format"));
        let ok =
            parse(&MINIMAL.replace("plays.csv\"", "plays.dat\"\nformat = \"parquet\"")).unwrap();
        assert_eq!(ok.tables[0].format, Format::Parquet);
    }

    #[test]
    fn delimiters_are_one_character_for_csv_tables() {
        let semi =
            parse(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \";\"")).unwrap();
        assert_eq!(semi.tables[0].delimiter, b';');
        let tab =
            parse(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \"\\t\"")).unwrap();
        assert_eq!(tab.tables[0].delimiter, b'\t');
        assert_eq!(parse(MINIMAL).unwrap().tables[0].delimiter, b',');
        let msg = error(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \";;\""));
        assert!(
            msg.contains("delimiter `;;` is not one ASCII character"),
            "{msg}"
        );
        assert!(msg.contains("swimlane.toml:12:13"), "{msg}");
        let msg = error(&MINIMAL.replace("plays.csv\"", "plays.parquet\"\ndelimiter = \";\""));
        assert!(
            msg.contains("`delimiter` applies only to CSV tables"),
            "{msg}"
        );
    }

    #[test]
    fn base_and_head_belong_in_a_compare_spec() {
        let msg =
            error(&MINIMAL.replace("path = \"plays.csv\"", "base = \"a.csv\"\nhead = \"b.csv\""));
        assert!(msg.contains("table `plays` has no `path`"), "{msg}");
        assert!(msg.contains("swimlane.toml:11:8"), "{msg}");
        let msg = error(&MINIMAL.replace(
            "path = \"plays.csv\"",
            "path = \"plays.csv\"\nbase = \"a.csv\"",
        ));
        assert!(
            msg.contains("belong in a `swimlane compare --spec` file"),
            "{msg}"
        );
    }

    const DISTRIBUTION: &str = r#"
[snapshot]
path = "facts"

[[stage]]
name = "features"
run = "make features"

[[table]]
name = "features"
path = "features.parquet"
compare = "distribution"
alpha = 0.05
precision = 10

[table.columns.is_kids]
test = "chi2"
min_effect = 0.02

[table.columns.user_id]
test = "none"
"#;

    #[test]
    fn distribution_settings_and_column_overrides() {
        let c = parse(DISTRIBUTION).unwrap();
        let t = &c.tables[0];
        assert_eq!(t.compare, CompareMode::Distribution);
        assert_eq!(
            (t.alpha, t.min_effect, t.precision),
            (0.05, DEFAULT_MIN_EFFECT, 10)
        );
        let kids = t.column_settings("is_kids");
        assert_eq!(kids.test, Some(TestKind::Chi2));
        assert_eq!((kids.alpha, kids.min_effect), (Some(0.05), Some(0.02)));
        assert_eq!(t.column_settings("user_id").test, Some(TestKind::None));
        assert_eq!(t.column_settings("other").test, None);
    }

    #[test]
    fn distribution_settings_on_exact_tables_are_rejected() {
        let msg = error(&MINIMAL.replace("key = [", "precision = 8\nkey = ["));
        assert!(
            msg.contains("apply only to `compare = \"distribution\"`"),
            "{msg}"
        );
        assert!(msg.contains("swimlane.toml:12:13"), "{msg}");
    }

    #[test]
    fn tolerances_and_string_options_parse() {
        let text = MINIMAL.replace(
            "key = [\"member_id\", \"video_id\"]",
            "key = [\"member_id\", \"video_id\"]\n[table.tolerance]\nseconds = { abs = 1e-9 }\nts = { seconds = 1.5 }\n[table.strings]\ntrim = true",
        );
        let t = &parse(&text).unwrap().tables[0];
        assert_eq!(t.tolerance["seconds"].abs, 1e-9);
        assert_eq!(t.tolerance["ts"].seconds, 1.5);
        assert_eq!(
            t.strings,
            StringOptions {
                trim: true,
                ignore_case: false,
                keys: false,
            }
        );
        let bad = text.replace("{ seconds = 1.5 }", "{ seconds = -1 }");
        assert!(error(&bad).contains("must have abs, rel and seconds >= 0"));
        let typo = text.replace("trim = true", "trimm = true");
        assert!(error(&typo).contains("unknown field `trimm`"));
    }

    #[test]
    fn bad_column_override_is_located() {
        let msg = error(&DISTRIBUTION.replace("test = \"chi2\"", "test = \"t-test\""));
        assert!(msg.contains("unknown variant `t-test`"), "{msg}");
        assert!(msg.contains("swimlane.toml:17:8"), "{msg}");
        let msg = error(&DISTRIBUTION.replace("precision = 10", "precision = 30"));
        assert!(msg.contains("precision must be between 1 and 17"), "{msg}");
    }
}
