//! From wire structs to settings: every value validated against its place
//! in the file.

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use toml::Spanned;

use super::located::toml_help;
use super::wire::{WireConfig, WireTable};
use super::*;
use crate::template::check_placeholders;

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let (text, dir) = read(path)?;
        Config::parse(&text, path, &dir)
    }

    /// Reads only `[history]` and `[[audit]]` of the config at `path` (the
    /// rest must still be well-formed TOML of known sections): what the
    /// history commands need, from a full swimlane.toml or a file holding
    /// only these.
    pub fn load_history(path: &Path) -> Result<HistoryConfig, ConfigError> {
        let (text, dir) = read(path)?;
        let at = |span: Range<usize>, message: String, help: Option<&str>| {
            ConfigError::Invalid(Box::new(Located::at(&text, path, span, message, help)))
        };
        let wire: WireConfig = toml::from_str(&text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            at(
                span,
                e.message().trim().to_string(),
                toml_help(e.message()).as_deref(),
            )
        })?;
        let mut history = resolve_history(wire.history, wire.audits, &dir, &at)?;
        history.spark_remote = wire.spark.map(|s| s.remote.into_inner());
        Ok(history)
    }

    /// Parses config text; `path` is used in messages, `dir` anchors relative paths.
    pub fn parse(text: &str, path: &Path, dir: &Path) -> Result<Config, ConfigError> {
        let at = |span: Range<usize>, message: String, help: Option<&str>| {
            ConfigError::Invalid(Box::new(Located::at(text, path, span, message, help)))
        };
        let wire: WireConfig = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            at(
                span,
                e.message().trim().to_string(),
                toml_help(e.message()).as_deref(),
            )
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

        let postgres = match wire.database.and_then(|d| d.postgres) {
            None => None,
            Some(url) => Some(PostgresUrl::parse(url.get_ref()).ok_or_else(|| {
                at(
                    url.span(),
                    format!(
                        "`{}` is not a postgresql:// URL naming a database",
                        url.get_ref()
                    ),
                    Some(
                        "write `postgres = \"postgresql://user@host:5432/facts\"`: the server, and the template database holding the snapshot that each lane's database is copied from",
                    ),
                )
            })?),
        };

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
            let name = unique_name(&mut seen, &stage.name, "stage", &at)?;
            if let Err((offset, message)) = check_placeholders(stage.run.get_ref()) {
                let span = stage.run.span();
                let start = span.start + 1 + offset;
                return Err(at(
                    start..start + 1,
                    message,
                    Some(
                        "known placeholders: {snapshot}, {out}, {lane}, {rev}, {database_url}, {database_name}; write {{ and }} for literal braces",
                    ),
                ));
            }
            if postgres.is_none()
                && let Some((offset, placeholder)) = ["{database_url}", "{database_name}"]
                    .iter()
                    .find_map(|p| Some((stage.run.get_ref().find(p)?, p)))
            {
                let start = stage.run.span().start + 1 + offset;
                return Err(at(
                    start..start + placeholder.len(),
                    format!(
                        "`{placeholder}` is the lane's PostgreSQL database, but no `[database] postgres` is set"
                    ),
                    Some(
                        "add `[database]` with `postgres = \"postgresql://user@host/facts\"` (the template database each lane's database is created from)",
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
            let mut table = table.into_inner();
            let name = unique_name(&mut seen, &table.name, "table", &at)?;
            // No path, and a table or query: in the lane's PostgreSQL
            // database.
            if table.path.is_none()
                && (table.table.is_some() || table.query.is_some())
                && table.base.is_none()
                && table.head.is_none()
            {
                if postgres.is_none() {
                    let span = table
                        .table
                        .as_ref()
                        .or(table.query.as_ref())
                        .map(Spanned::span);
                    return Err(at(
                        span.unwrap_or_else(|| table.name.span()),
                        format!(
                            "table `{name}` names a database table but no `path` and no `[database] postgres`"
                        ),
                        Some(
                            "for a database file the lane writes, add `path = \"warehouse.duckdb\"`; for the lane's PostgreSQL database, add `[database] postgres = \"postgresql://user@host/facts\"`",
                        ),
                    ));
                }
                if let Some(f) = table.format.filter(|f| *f != Format::Postgres) {
                    return Err(at(
                        table.name.span(),
                        format!(
                            "table `{name}` has no `path`, so it is read from the lane's PostgreSQL database, but `format = \"{}\"`",
                            f.as_str()
                        ),
                        Some("remove `format`, or give the file's `path`"),
                    ));
                }
                table.format = Some(Format::Postgres);
                let no_path = Spanned::new(table.name.span(), String::new());
                tables.push(resolve_table(table, &no_path, name, text, path)?);
                continue;
            }
            if table.format == Some(Format::Postgres) {
                let span = table
                    .path
                    .as_ref()
                    .map_or_else(|| table.name.span(), Spanned::span);
                return Err(at(
                    span,
                    format!(
                        "table `{name}`: a PostgreSQL table is read from the lane's database, not from a path"
                    ),
                    Some(
                        "remove `path` and `format`, and name the table with `table = \"schema.name\"` (or `query`)",
                    ),
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
        let mut history = resolve_history(wire.history, wire.audits, dir, &at)?;
        history.spark_remote = spark_remote.clone();
        let sample = wire.sample.map(|s| resolve_sample(s, &at)).transpose()?;
        if let Some(sample) = &sample {
            for t in &mut tables {
                t.sample = sample.for_outputs(t);
            }
        }
        Ok(Config {
            postgres,
            sample,
            engine: wire.engine,
            spark_remote,
            spark_outputs,
            history,
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
        ConfigError::Invalid(Box::new(Located::at(text, path, span, message, help)))
    };
    let delimiter = match &table.delimiter {
        None => super::default_delimiter(data_path.get_ref()),
        Some(d) => match parse_delimiter(d.get_ref()) {
            Some(d) => d,
            None => {
                return Err(at(
                    d.span(),
                    format!(
                        "table `{name}`: delimiter `{}` is not one ASCII character",
                        d.get_ref()
                    ),
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
                    Some("add `format = \"parquet\"` (or csv, ndjson, ipc, sqlite, duckdb)"),
                ));
            }
        },
    };
    let relation = resolve_relation(&table, format, data_path, &name, &at)?;
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
            table.min_paired_effect.as_ref().map(Spanned::span),
            table.max_changed_fraction.as_ref().map(Spanned::span),
            table.columns.as_ref().map(Spanned::span),
        ];
        if let Some(span) = distribution_only.into_iter().flatten().next() {
            return Err(at(
                span,
                format!(
                    "table `{name}`: alpha, min_effect, precision, max_null_shift, min_paired_effect, max_changed_fraction and columns apply only to `compare = \"distribution\"`"
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
    // Keys pair the rows whose values change; without them there is
    // nothing to pair.
    let paired_only = [
        table.min_paired_effect.as_ref().map(Spanned::span),
        table.max_changed_fraction.as_ref().map(Spanned::span),
    ];
    if key.is_empty()
        && let Some(span) = paired_only.into_iter().flatten().next()
    {
        return Err(at(
            span,
            format!(
                "table `{name}`: min_paired_effect and max_changed_fraction need `key`: the key pairs each row of base with its row in head"
            ),
            Some("set `key` to the columns that identify a row, or remove them"),
        ));
    }
    let min_paired_effect = match table.min_paired_effect {
        None => DEFAULT_MIN_PAIRED_EFFECT,
        Some(v) if *v.get_ref() >= 0.0 && v.get_ref().is_finite() => *v.get_ref(),
        Some(v) => {
            return Err(at(
                v.span(),
                format!(
                    "min_paired_effect must be a number >= 0 (the typical key's |change| in standard deviations of base), got {}",
                    v.get_ref()
                ),
                None,
            ));
        }
    };
    let max_changed_fraction = match table.max_changed_fraction {
        None => None,
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => Some(*v.get_ref()),
        Some(v) => {
            return Err(at(
                v.span(),
                format!(
                    "max_changed_fraction must be between 0 and 1, got {}",
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
        // A tolerance that could never apply is a mistake to say, not to
        // pass over: the values would be compared exactly, unannounced.
        let never = if compare == CompareMode::Distribution {
            Some((
                "applies only to exact tables (a distribution table ties values within `precision` digits)".to_string(),
                "remove it, or set `precision` for the distribution test",
            ))
        } else if key.contains(&col) {
            Some((
                "is on a key column, and keys pair rows exactly".to_string(),
                "remove it, or take the column out of `key`",
            ))
        } else if ignore.contains(&col) {
            Some((
                "is on an ignored column, which is never compared".to_string(),
                "remove it, or take the column out of `ignore`",
            ))
        } else if key.is_empty() {
            Some((
                "needs `key`: a table without one is compared as a multiset of whole rows, which match exactly or not at all".to_string(),
                "set `key` to the columns that identify a row, or remove the tolerance",
            ))
        } else {
            None
        };
        if let Some((why, help)) = never {
            return Err(at(
                t.span(),
                format!("table `{name}`: the tolerance of `{col}` {why}"),
                Some(help),
            ));
        }
        tolerance.insert(col, v);
    }
    if compare == CompareMode::Distribution
        && let Some(strings) = &table.strings
    {
        return Err(at(
            strings.span(),
            format!("table `{name}`: [table.strings] applies only to exact tables"),
            Some("remove it: a distribution table compares text as categories, as written"),
        ));
    }
    Ok(Table {
        name,
        path: data_path.get_ref().clone(),
        delimiter,
        relation,
        format,
        key,
        compare,
        ignore,
        alpha,
        min_effect,
        precision,
        max_null_shift,
        min_paired_effect,
        max_changed_fraction,
        columns,
        tolerance,
        strings: table.strings.map(Spanned::into_inner).unwrap_or_default(),
        engine: table.engine,
        declared: Declared::Config,
        sample: None,
        head_read: None,
        key_location: table.key.as_ref().map(|k| {
            let l = Located::at(text, path, k.span(), String::new(), None);
            format!("{}:{}:{}", path.display(), l.line, l.column)
        }),
    })
}

/// Which rows of a database file a table is: exactly one of `table =` and
/// `query =` for a database, neither for a file of rows.
fn resolve_relation(
    table: &WireTable,
    format: Format,
    data_path: &Spanned<String>,
    name: &str,
    at: &At<'_>,
) -> Result<Option<Relation>, ConfigError> {
    let nonblank = |s: &Spanned<String>, what: &str| {
        if s.get_ref().trim().is_empty() {
            Err(at(
                s.span(),
                format!("table `{name}`: `{what}` is empty"),
                None,
            ))
        } else {
            Ok(s.get_ref().trim().to_string())
        }
    };
    if !format.is_database() {
        return match table.table.as_ref().or(table.query.as_ref()) {
            Some(s) => Err(at(
                s.span(),
                format!(
                    "table `{name}`: `table` and `query` name rows in a database file, but `{}` is {}",
                    data_path.get_ref(),
                    format.as_str()
                ),
                Some(
                    "remove it, or point `path` at a .duckdb or .sqlite file (or set `format = \"duckdb\"` or `\"sqlite\"`)",
                ),
            )),
            None => Ok(None),
        };
    }
    if data_path.get_ref().contains(['*', '?', '[']) {
        return Err(at(
            data_path.span(),
            format!(
                "table `{name}`: a {} database is one file, not a glob",
                format.as_str()
            ),
            Some(
                "give the database file's path, and the table in it with `table = \"schema.name\"`",
            ),
        ));
    }
    match (&table.table, &table.query) {
        (Some(t), None) => Ok(Some(Relation::Table(nonblank(t, "table")?))),
        (None, Some(q)) => Ok(Some(Relation::Query(nonblank(q, "query")?))),
        (Some(_), Some(q)) => Err(at(
            q.span(),
            format!("table `{name}`: give `table` or `query`, not both"),
            Some(
                "`table = \"analytics.orders\"` reads a table; `query = \"select ...\"` reads a query's rows",
            ),
        )),
        (None, None) => Err(at(
            data_path.span(),
            format!(
                "table `{name}`: `{}` is a {} database; say which of its tables to compare",
                data_path.get_ref(),
                format.as_str()
            ),
            Some(
                "add `table = \"fct_orders\"` (or `\"schema.name\"`), or `query = \"select ...\"`",
            ),
        )),
    }
}

/// The format a table declares or its file's extension says.
fn format_of(table: &WireTable, data_path: &Spanned<String>) -> Option<Format> {
    table
        .format
        .or_else(|| Format::from_path(data_path.get_ref()))
}

type At<'a> = dyn Fn(Range<usize>, String, Option<&str>) -> ConfigError + 'a;

/// A stage's or table's name: not blank, and not one `seen` already holds.
fn unique_name(
    seen: &mut HashSet<String>,
    name: &Spanned<String>,
    what: &str,
    at: &At<'_>,
) -> Result<String, ConfigError> {
    let value = name.get_ref().trim();
    if value.is_empty() {
        return Err(at(
            name.span(),
            format!("{what} name is empty"),
            Some("give every stage and table a short, unique name"),
        ));
    }
    if !seen.insert(value.to_string()) {
        return Err(at(
            name.span(),
            format!("duplicate {what} name `{value}`"),
            Some(&format!("{what} names must be unique; rename one of them")),
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

/// The config file's text and its absolute directory.
fn read(path: &Path) -> Result<(String, PathBuf), ConfigError> {
    let err = |source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    };
    let text = std::fs::read_to_string(path).map_err(err)?;
    let abs = std::path::absolute(path).map_err(err)?;
    Ok((
        text,
        abs.parent().map(Path::to_path_buf).unwrap_or_default(),
    ))
}

/// `[history]` and `[[audit]]`: the store made a `dir:` path anchored at
/// `dir`, each check parsed (a malformed one located in the file).
fn resolve_history(
    history: Option<super::wire::WireHistory>,
    audits: Option<Vec<super::wire::WireAudit>>,
    dir: &Path,
    at: &At<'_>,
) -> Result<HistoryConfig, ConfigError> {
    let (detect, overrides) = match &history {
        Some(h) => resolve_detect(h, at)?,
        None => (Detect::default(), Vec::new()),
    };
    let gate = history.as_ref().map(|h| h.history_gate.unwrap_or_default());
    let retain = match history.as_ref().and_then(|h| h.retain.as_ref()) {
        None => None,
        Some(r) => Some(
            crate::audit_expr::parse_offset(&format!("-{}", r.get_ref().trim())).ok_or_else(
                || {
                    at(
                        r.span(),
                        format!("history.retain `{}` is not a duration", r.get_ref()),
                        Some("write e.g. retain = \"400d\" (days), \"52w\" (weeks) or \"720h\" (hours)"),
                    )
                },
            )?,
        ),
    };
    let store = match history.and_then(|h| h.store) {
        None => None,
        Some(s) if s.get_ref().starts_with("git:refs/swimlane/") => Some(s.into_inner()),
        Some(s) if s.get_ref().starts_with("git:") => {
            return Err(at(
                s.span(),
                format!("history store `{}` is not supported yet", s.get_ref()),
                Some(
                    "use a directory, `store = \"dir:PATH\"` (relative to this file), a ref of this repository, `store = \"git:refs/swimlane/history\"`, or a Spark table, `store = \"spark:db.table\"`",
                ),
            ));
        }
        Some(s) if s.get_ref().starts_with("spark:") => {
            let table = &s.get_ref()["spark:".len()..];
            let valid = !table.is_empty()
                && table.split('.').all(|part| {
                    !part.is_empty() && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                });
            if !valid {
                return Err(at(
                    s.span(),
                    format!("`{table}` is not a Spark table name"),
                    Some("write `store = \"spark:db.table\"`: names of letters, digits and _"),
                ));
            }
            Some(s.into_inner())
        }
        Some(s) => {
            let path = s.get_ref().strip_prefix("dir:").unwrap_or(s.get_ref());
            if path.trim().is_empty() {
                return Err(at(
                    s.span(),
                    "history store is empty".into(),
                    Some("write `store = \"dir:PATH\"` (relative to this file)"),
                ));
            }
            Some(format!("dir:{}", normalize(&dir.join(path)).display()))
        }
    };
    let mut resolved = Vec::new();
    for a in audits.unwrap_or_default() {
        // The check's text starts after its opening quote (one
        // character for both TOML string kinds); escapes in it would
        // shift the caret, which is rare in expressions.
        let start = a.check.span().start + 1;
        let expr = crate::audit_expr::parse(a.check.get_ref()).map_err(|e| {
            at(
                start + e.at.start..start + e.at.end,
                format!("audit check: {}", e.message),
                e.help.as_deref(),
            )
        })?;
        resolved.push(Audit {
            name: a.name.unwrap_or_else(|| a.check.get_ref().clone()),
            table: a.table,
            column: a.column,
            check: a.check.into_inner(),
            expr,
        });
    }
    Ok(HistoryConfig {
        store,
        audits: resolved,
        detect,
        overrides,
        gate,
        spark_remote: None,
        retain,
    })
}

/// `[sample]`: a rate or a count of buckets, the key (required to sample
/// the snapshot), what it applies to (the snapshot, unless `apply` says).
fn resolve_sample(
    wire: Spanned<super::wire::WireSample>,
    at: &At<'_>,
) -> Result<Sample, ConfigError> {
    use super::wire::SampleApply;
    let span = wire.span();
    let s = wire.into_inner();
    let buckets = match (&s.rate, &s.buckets) {
        (Some(_), Some(b)) => {
            return Err(at(
                b.span(),
                "sample gives both `rate` and `buckets`".into(),
                Some("keep one: `rate = 0.01` or `buckets = 100` (of 10000)"),
            ));
        }
        (Some(r), None) => {
            let rate = *r.get_ref();
            let Some(b) = rate_buckets(rate) else {
                return Err(at(
                    r.span(),
                    format!("sample.rate must be in (0, 1], got {rate}"),
                    Some("give the fraction of keys kept, e.g. `rate = 0.01` for 1%"),
                ));
            };
            if b < 1 {
                return Err(at(
                    r.span(),
                    format!("sample.rate {rate} is less than one bucket of {SAMPLE_BUCKETS}"),
                    Some("the smallest rate is 0.0001 (one bucket of 10000)"),
                ));
            }
            b
        }
        (None, Some(b)) => {
            let n = *b.get_ref();
            if !(1..=SAMPLE_BUCKETS).contains(&n) {
                return Err(at(
                    b.span(),
                    format!("sample.buckets must be between 1 and {SAMPLE_BUCKETS}, got {n}"),
                    Some("a row is kept when pmod(hash(key), 10000) < buckets: 100 keeps 1%"),
                ));
            }
            n
        }
        (None, None) => {
            return Err(at(
                span,
                "[sample] gives neither `rate` nor `buckets`".into(),
                Some("add `rate = 0.01` (1% of keys)"),
            ));
        }
    };
    let key: Vec<String> = match &s.key {
        None => Vec::new(),
        Some(k) => {
            if k.get_ref().is_empty() {
                return Err(at(
                    k.span(),
                    "sample.key is empty".into(),
                    Some("name the key column(s) hashed, e.g. `key = [\"profile_id\"]`"),
                ));
            }
            let mut seen = HashSet::new();
            for c in k.get_ref() {
                if c.get_ref().trim().is_empty() || !seen.insert(c.get_ref().clone()) {
                    return Err(at(
                        c.span(),
                        format!("sample.key column `{}` is empty or repeated", c.get_ref()),
                        None,
                    ));
                }
            }
            k.get_ref().iter().map(|c| c.get_ref().clone()).collect()
        }
    };
    let apply = s
        .apply
        .as_ref()
        .map_or_else(|| vec![SampleApply::Snapshot], |a| a.get_ref().clone());
    if let Some(a) = &s.apply
        && a.get_ref().is_empty()
    {
        return Err(at(
            a.span(),
            "sample.apply is empty".into(),
            Some("apply it to `[\"snapshot\"]`, `[\"outputs\"]` or both"),
        ));
    }
    let snapshot = apply.contains(&SampleApply::Snapshot);
    if snapshot && key.is_empty() {
        return Err(at(
            s.apply.as_ref().map_or(span, Spanned::span),
            "sampling the snapshot needs `sample.key`".into(),
            Some(
                "name the column every sampled snapshot table carries, e.g. `key = [\"profile_id\"]`",
            ),
        ));
    }
    let mut skip = Vec::new();
    for g in s.skip.unwrap_or_default() {
        skip.push(glob::Pattern::new(g.get_ref()).map_err(|e| {
            at(
                g.span(),
                format!("sample.skip `{}` is not a glob: {e}", g.get_ref()),
                None,
            )
        })?);
    }
    Ok(Sample {
        key,
        buckets,
        hash: s.hash.unwrap_or_default(),
        salt: s.salt.map(Spanned::into_inner),
        snapshot,
        outputs: apply.contains(&SampleApply::Outputs),
        skip,
    })
}

/// A positive count from the config, located when it is not.
fn count(
    v: &Option<Spanned<i64>>,
    least: i64,
    what: &str,
    at: &At<'_>,
) -> Result<Option<usize>, ConfigError> {
    match v {
        None => Ok(None),
        Some(n) if *n.get_ref() >= least => Ok(Some(*n.get_ref() as usize)),
        Some(n) => Err(at(
            n.span(),
            format!("{what} must be at least {least}"),
            None,
        )),
    }
}

/// A positive number from the config, located when it is not.
fn positive(v: &Option<Spanned<f64>>, what: &str, at: &At<'_>) -> Result<Option<f64>, ConfigError> {
    match v {
        None => Ok(None),
        Some(x) if *x.get_ref() > 0.0 && x.get_ref().is_finite() => Ok(Some(*x.get_ref())),
        Some(x) => Err(at(
            x.span(),
            format!("{what} must be a positive number"),
            None,
        )),
    }
}

/// `[history]`'s detection settings and its overrides.
fn resolve_detect(
    h: &super::wire::WireHistory,
    at: &At<'_>,
) -> Result<(Detect, Vec<Override>), ConfigError> {
    let mut d = Detect::default();
    let given = (&h.sigma, &h.window, &h.min_history, h.direction, h.method);
    anomaly_settings("history.", given, at)?.apply(&mut d.anomaly);
    d.last = count(&h.changepoint_last, 2, "history.changepoint_last", at)?.unwrap_or(d.last);
    d.changepoint.window = count(&h.changepoint_window, 2, "history.changepoint_window", at)?
        .unwrap_or(d.changepoint.window);
    d.changepoint.max_pvalue =
        match positive(&h.changepoint_pvalue, "history.changepoint_pvalue", at)? {
            Some(p) if p < 1.0 => p,
            Some(_) => {
                let span = h.changepoint_pvalue.as_ref().map_or(0..0, |p| p.span());
                return Err(at(
                    span,
                    "history.changepoint_pvalue must be below 1".into(),
                    None,
                ));
            }
            None => d.changepoint.max_pvalue,
        };
    d.changepoints = h.changepoints.unwrap_or(d.changepoints);
    let mut overrides = Vec::new();
    for o in h.overrides.iter().flatten() {
        let series = glob::Pattern::new(o.series.get_ref()).map_err(|e| {
            at(
                o.series.span(),
                format!(
                    "`{}` is not a glob over series names: {}",
                    o.series.get_ref(),
                    e.msg
                ),
                Some("write e.g. `plays.*.null_fraction` or `*.row_count`"),
            )
        })?;
        let given = (&o.sigma, &o.window, &o.min_history, o.direction, o.method);
        overrides.push(Override {
            series,
            anomaly: anomaly_settings("", given, at)?,
            changepoints: o.changepoints,
        });
    }
    Ok((d, overrides))
}

/// The anomaly keys of `[history]` or an override, checked (`prefix` names
/// the section in messages).
type GivenAnomaly<'a> = (
    &'a Option<Spanned<f64>>,
    &'a Option<Spanned<i64>>,
    &'a Option<Spanned<i64>>,
    Option<crate::stats::anomaly::Direction>,
    Option<crate::stats::anomaly::Method>,
);

fn anomaly_settings(
    prefix: &str,
    (sigma, window, min_history, direction, method): GivenAnomaly<'_>,
    at: &At<'_>,
) -> Result<AnomalySettings, ConfigError> {
    Ok(AnomalySettings {
        sigma: positive(sigma, &format!("{prefix}sigma"), at)?,
        window: count(window, 2, &format!("{prefix}window"), at)?,
        min_history: count(min_history, 2, &format!("{prefix}min_history"), at)?,
        direction,
        method,
    })
}
