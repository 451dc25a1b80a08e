//! `swimlane.toml`: parsing, validation and the resolved [`Config`].
//!
//! The file is read into strict wire structs (`deny_unknown_fields`, spans on
//! every value a later check may complain about) and then validated into plain
//! settings. Every error names the file, line and column and says what was
//! expected. This module does not look at the repository or the lanes; it
//! only checks what can be checked from the file itself.
//!
//! [`wire`] holds the structs the file is read into, [`resolve`] turns them
//! into these settings (one [`resolve_table`] for `swimlane.toml` and
//! `swimlane compare --spec`), [`located`] renders an error at its place in
//! the file.

mod located;
mod resolve;
mod wire;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

pub use located::Located;
pub(crate) use resolve::resolve_table;
pub(crate) use wire::WireTable;

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
/// Default floor of a keyed feature's paired effect: the median |change|
/// over all paired keys, in standard deviations of base.
pub const DEFAULT_MIN_PAIRED_EFFECT: f64 = 0.1;

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
    /// `[history]` and `[[audit]]`.
    pub history: HistoryConfig,
    /// `[sample]`: run on a key-hash sample of the snapshot and/or compare
    /// a key-hash sample of the outputs.
    pub sample: Option<Sample>,
    /// `[database] postgres`: the template database each lane's own
    /// PostgreSQL database is created from.
    pub postgres: Option<PostgresUrl>,
}

/// Which of Spark's hash functions a sample is taken by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum SampleHash {
    /// `xxhash64(...)`.
    #[default]
    #[serde(rename = "spark_xxhash64")]
    SparkXxhash64,
    /// `hash(...)`: Spark's Murmur3.
    #[serde(rename = "spark_hash")]
    SparkHash,
}

impl SampleHash {
    /// The name a config writes.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleHash::SparkXxhash64 => "spark_xxhash64",
            SampleHash::SparkHash => "spark_hash",
        }
    }
}

/// A consistent key-hash sample: a row is kept when
/// `pmod(hash(key..., salt), 10000) < buckets`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The key columns hashed; empty: each output table's own key (outputs
    /// only).
    pub key: Vec<String>,
    /// Buckets kept, of `sample::BUCKETS` (10,000).
    pub buckets: i64,
    pub hash: SampleHash,
    /// Hashed after the key, so a different salt takes a different subset.
    pub salt: Option<String>,
    /// The lanes read a sampled copy of the snapshot.
    pub snapshot: bool,
    /// Only the sampled keys of each output are compared.
    pub outputs: bool,
    /// Snapshot files (globs relative to the snapshot) copied whole, not
    /// sampled.
    pub skip: Vec<glob::Pattern>,
}

impl Sample {
    /// The fraction of keys kept.
    pub fn rate(&self) -> f64 {
        self.buckets as f64 / SAMPLE_BUCKETS as f64
    }

    /// This sample applied to the outputs of `table`, hashed by the
    /// sample's key or else the table's own (none for a keyless table,
    /// which is then compared whole, as its report says); `None` when it is
    /// not applied to outputs.
    pub fn for_outputs(&self, table: &Table) -> Option<Sample> {
        if !self.outputs {
            return None;
        }
        let key = if self.key.is_empty() {
            table.key.clone()
        } else {
            self.key.clone()
        };
        Some(Sample {
            key,
            ..self.clone()
        })
    }
}

impl Config {
    /// `--sample RATE`: the config's sample at `buckets`, or without one,
    /// each output sampled by its own key.
    pub fn sample_at(&mut self, buckets: i64) {
        let sample = match self.sample.take() {
            Some(s) => Sample { buckets, ..s },
            None => Sample::outputs_by_table_key(buckets),
        };
        for t in &mut self.tables {
            t.sample = sample.for_outputs(t);
        }
        self.sample = Some(sample);
    }
}

impl Sample {
    /// Each output sampled by its own key, at `buckets`, by Spark's
    /// `xxhash64` (`--sample` without a `[sample]` section).
    pub fn outputs_by_table_key(buckets: i64) -> Sample {
        Sample {
            key: Vec::new(),
            buckets,
            hash: SampleHash::default(),
            salt: None,
            snapshot: false,
            outputs: true,
            skip: Vec::new(),
        }
    }
}

/// A sampling rate as whole buckets of [`SAMPLE_BUCKETS`] (0.01 → 100,
/// rounded; 0 below half a bucket); `None` outside (0, 1].
pub fn rate_buckets(rate: f64) -> Option<i64> {
    (rate > 0.0 && rate <= 1.0).then(|| (rate * SAMPLE_BUCKETS as f64).round() as i64)
}

/// The buckets a sample's rate is counted in: `pmod(hash, 10000)`.
pub const SAMPLE_BUCKETS: i64 = 10_000;

/// What history commands read from a config: a file holding only these
/// sections is enough for them.
#[derive(Debug, Clone, Default)]
pub struct HistoryConfig {
    /// `[history] store`: where `--record` records, as `dir:PATH` with the
    /// path made absolute.
    pub store: Option<String>,
    /// `[[audit]]`: checks of recorded history.
    pub audits: Vec<Audit>,
    /// `[history]` sigma, window, ...: how every series is judged.
    pub detect: Detect,
    /// `[[history.override]]`: settings for the series a glob matches; a
    /// later one wins over an earlier one.
    pub overrides: Vec<Override>,
    /// With a `[history]` section, `swimlane run` places head's profile in
    /// the base branch's recorded history; `history_gate` says whether what
    /// stands out fails the run. `None` without the section.
    pub gate: Option<HistoryGate>,
    /// `[spark] remote`: the server a `spark:` store is on (unless
    /// SWIMLANE_SPARK_REMOTE names another).
    pub spark_remote: Option<String>,
    /// `[history] retain`: points whose as-of time is older than this
    /// (microseconds) are dropped when a point is recorded and by `history
    /// compact`.
    pub retain: Option<i64>,
}

/// Whether a head metric outside main's recorded band fails a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HistoryGate {
    /// Reported, the verdict unchanged.
    #[default]
    Warn,
    /// A regression.
    Regression,
}

impl HistoryGate {
    pub fn as_str(self) -> &'static str {
        match self {
            HistoryGate::Warn => "warn",
            HistoryGate::Regression => "regression",
        }
    }
}

/// How series are judged: the n-sigma rule and the change-point search.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detect {
    pub anomaly: crate::stats::anomaly::Config,
    pub changepoint: crate::stats::changepoint::Config,
    /// Change points are searched in this many latest points.
    pub last: usize,
    /// Whether change points are searched at all (off for a series that
    /// trends by nature: a table that grows every day).
    pub changepoints: bool,
}

impl Default for Detect {
    fn default() -> Detect {
        Detect {
            anomaly: crate::stats::anomaly::Config::default(),
            changepoint: crate::stats::changepoint::Config::default(),
            last: 100,
            changepoints: true,
        }
    }
}

/// Anomaly settings for the series a glob matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// A glob over series names (`plays.*.null_fraction`).
    pub series: glob::Pattern,
    pub anomaly: AnomalySettings,
    /// `changepoints = false`: no change point search on these series.
    pub changepoints: Option<bool>,
}

/// The anomaly settings a config gives, each optional: what `[history]`
/// sets over the defaults, and an override over those.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct AnomalySettings {
    pub sigma: Option<f64>,
    pub window: Option<usize>,
    pub min_history: Option<usize>,
    pub direction: Option<crate::stats::anomaly::Direction>,
    pub method: Option<crate::stats::anomaly::Method>,
}

impl AnomalySettings {
    /// `a` with the settings given here.
    pub fn apply(&self, a: &mut crate::stats::anomaly::Config) {
        a.sigma = self.sigma.unwrap_or(a.sigma);
        a.window = self.window.unwrap_or(a.window);
        a.min_history = self.min_history.unwrap_or(a.min_history);
        a.direction = self.direction.unwrap_or(a.direction);
        a.method = self.method.unwrap_or(a.method);
    }
}

impl HistoryConfig {
    /// How series `name` is judged: `[history]`, then every override that
    /// matches it, in order.
    pub fn detect_for(&self, name: &str) -> Detect {
        let mut d = self.detect;
        for o in self.overrides.iter().filter(|o| o.series.matches(name)) {
            o.anomaly.apply(&mut d.anomaly);
            d.changepoints = o.changepoints.unwrap_or(d.changepoints);
        }
        d
    }
}

/// An `[[audit]]`: a check over a table's (or its columns') metrics and
/// their history.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    /// Its name in output (the check itself when not given).
    pub name: String,
    /// Only this table (every recorded table when `None`).
    pub table: Option<String>,
    /// Only this column (every column with the metrics it names when
    /// `None` and it names column metrics).
    pub column: Option<String>,
    pub check: String,
    pub expr: crate::audit_expr::Expr,
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
    /// Which rows of a database file the table is (`table =`, `query =`);
    /// set exactly when the format is a database.
    pub relation: Option<Relation>,
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
    /// Keyed distribution tables: the floor of a feature's paired effect
    /// (median |head - base| over paired keys, in base's standard
    /// deviations) for a significant paired test to be a regression.
    pub min_paired_effect: f64,
    /// Keyed distribution tables: the largest fraction of paired keys whose
    /// value may change before the feature is a regression (unset: changed
    /// keys are reported, never failed).
    pub max_changed_fraction: Option<f64>,
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
    /// The key-hash sample its outputs are compared on (`[sample]` with
    /// `apply` including outputs, or `--sample`).
    pub sample: Option<Sample>,
    /// Head's format and delimiter where they are not base's: `swimlane
    /// compare` of a CSV export against a Parquet one (see
    /// [`Table::head_side`]).
    pub head_read: Option<(Format, u8)>,
}

/// A CSV delimiter as written in a config or on the command line: one
/// ASCII character (not a line end or a quote), `tab` or `\t`.
pub fn parse_delimiter(text: &str) -> Option<u8> {
    match text {
        "tab" | "\\t" | "\t" => Some(b'\t'),
        one if one.len() == 1 && one.is_ascii() && !one.contains(['\n', '\r', '"']) => {
            Some(one.as_bytes()[0])
        }
        _ => None,
    }
}

/// A delimiter as the user writes it (`\t` for a tab).
pub fn show_delimiter(d: u8) -> String {
    match d {
        b'\t' => "\\t".into(),
        d => (d as char).to_string(),
    }
}

/// The field delimiter a CSV file's name implies when none is given: a tab
/// for `.tsv`, else a comma. (Not `.tab`, which is also MapInfo's format.)
pub fn default_delimiter(path: &str) -> u8 {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("tsv") => b'\t',
        _ => b',',
    }
}

/// Where a table was declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Declared {
    /// `[[table]]` in `swimlane.toml`, written by a lane's stages.
    #[default]
    Config,
    /// `swimlane compare BASE HEAD` (or `swimlane profile PATH`) and its
    /// flags.
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
        let shown = show_delimiter(d);
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
            relation: None,
            key: Vec::new(),
            compare,
            ignore: Vec::new(),
            alpha: DEFAULT_ALPHA,
            min_effect: DEFAULT_MIN_EFFECT,
            precision: DEFAULT_PRECISION,
            max_null_shift: DEFAULT_MAX_NULL_SHIFT,
            min_paired_effect: DEFAULT_MIN_PAIRED_EFFECT,
            max_changed_fraction: None,
            columns: BTreeMap::new(),
            tolerance: BTreeMap::new(),
            key_location: None,
            strings: StringOptions::default(),
            engine: None,
            declared: Declared::Config,
            sample: None,
            head_read: None,
        }
    }

    /// Head's format (base's unless [`Table::head_read`] says otherwise).
    pub fn head_format(&self) -> Format {
        self.head_read.map_or(self.format, |(format, _)| format)
    }

    /// The table as head's side is read: in head's own format and with its
    /// delimiter when they are not base's (a migration from CSV to
    /// Parquet), else the table itself.
    pub fn head_side(&self) -> std::borrow::Cow<'_, Table> {
        match self.head_read {
            None => std::borrow::Cow::Borrowed(self),
            Some((format, delimiter)) => std::borrow::Cow::Owned(Table {
                format,
                delimiter,
                head_read: None,
                ..self.clone()
            }),
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
    /// A table (or a query's result) in a SQLite database file.
    #[serde(alias = "sqlite3")]
    Sqlite,
    /// A table (or a query's result) in a DuckDB database file.
    Duckdb,
    /// A table (or a query's result) in the lane's PostgreSQL database
    /// (`[database] postgres`).
    Postgres,
}

impl Format {
    /// The format implied by a file name's extension, if any.
    pub fn from_path(path: &str) -> Option<Format> {
        let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" | "pq" => Some(Format::Parquet),
            "csv" | "tsv" => Some(Format::Csv),
            "ndjson" | "jsonl" => Some(Format::Ndjson),
            "arrow" | "ipc" | "feather" => Some(Format::Ipc),
            "sqlite" | "sqlite3" | "db" => Some(Format::Sqlite),
            "duckdb" | "ddb" => Some(Format::Duckdb),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
            Format::Ipc => "ipc",
            Format::Sqlite => "sqlite",
            Format::Duckdb => "duckdb",
            Format::Postgres => "postgres",
        }
    }

    /// A database, whose tables are named by `table =` or `query =`.
    pub fn is_database(self) -> bool {
        matches!(self, Format::Sqlite | Format::Duckdb | Format::Postgres)
    }
}

/// `[database] postgres`: a PostgreSQL server and a database on it, as a
/// URL `postgresql://[user[:password]@]host[:port]/database[?params]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    /// The URL as written, up to the database name.
    prefix: String,
    /// After the database name: `?sslmode=...`, or nothing.
    suffix: String,
    /// The database the URL names.
    pub database: String,
}

impl PostgresUrl {
    /// The URL's parts, or `None` when it is not a `postgresql://` (or
    /// `postgres://`) URL naming one database.
    pub fn parse(url: &str) -> Option<PostgresUrl> {
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"))?;
        let slash = rest.find('/')?;
        let (path, suffix) = match rest[slash + 1..].split_once('?') {
            Some((p, q)) => (p, format!("?{q}")),
            None => (&rest[slash + 1..], String::new()),
        };
        if path.is_empty() || path.contains('/') {
            return None;
        }
        Some(PostgresUrl {
            prefix: url[..url.len() - rest.len() + slash + 1].to_string(),
            suffix,
            database: path.to_string(),
        })
    }

    /// The URL of database `name` on the same server, same options.
    pub fn url(&self, name: &str) -> String {
        format!("{}{name}{}", self.prefix, self.suffix)
    }
}

impl std::fmt::Display for PostgresUrl {
    /// The server as errors name it: without the database or a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (scheme, rest) = self.prefix.split_once("://").unwrap_or(("", &self.prefix));
        let rest = match rest.rsplit_once('@') {
            Some((user, host)) => {
                let user = user.split(':').next().unwrap_or_default();
                format!("{user}@{host}")
            }
            None => rest.to_string(),
        };
        write!(f, "{scheme}://{}", rest.trim_end_matches('/'))
    }
}

/// Which rows of a database a table is: a table (or view) by its name, or
/// the result of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// `table = "analytics.fct_orders"`: a name, optionally with its schema.
    Table(String),
    /// `query = "select ..."`: the rows a query returns, in its order.
    Query(String),
}

/// One SQL identifier, quoted (a column's name may hold a dot).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

impl Relation {
    /// The relation as a query: a table's name quoted part by part.
    pub fn sql(&self) -> String {
        match self {
            Relation::Query(q) => q.clone(),
            Relation::Table(name) => format!("SELECT * FROM {}", Relation::quote_name(name)),
        }
    }

    /// A table's name (`table` or `schema.table`) quoted part by part.
    pub fn quote_name(name: &str) -> String {
        name.split('.')
            .map(quote_ident)
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The relation in words, for errors: `table analytics.orders` or
    /// `the query`.
    pub fn describe(&self) -> String {
        match self {
            Relation::Table(name) => format!("table `{name}`"),
            Relation::Query(_) => "the query".into(),
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

#[cfg(test)]
mod tests;
