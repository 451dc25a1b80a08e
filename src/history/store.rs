//! The history store: a directory of immutable Parquet segments, one per
//! recorded point, in long format (run, recorded_at, as_of, commit, label,
//! table, column, metric, value, points). A segment is written under a
//! temporary name and renamed into place, so a reader never sees half of
//! one and two recorders at once lose nothing; readers take the union. A
//! segment that cannot be read is an error naming it, never skipped.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::Row;
use super::git_ref::{GitRef, GitRefError};
use crate::error::Help;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the history store {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("history segment {} is damaged", path.display())]
    Damaged {
        path: PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("history note {} is damaged", path.display())]
    DamagedNote {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("history store `{spec}` is not supported yet")]
    Unsupported { spec: String },
    #[error("history store `{spec}` needs a Spark Connect server, and none is named")]
    NoSparkRemote { spec: String },
    #[error(
        "history store `{spec}` is a Spark table, but this swimlane was built without the Spark engine"
    )]
    NoSparkEngine { spec: String },
    #[error("history store `{spec}`: {message}")]
    Remote { spec: String, message: String },
    #[error(transparent)]
    Git(#[from] GitRefError),
    #[error("no history store: set $SWIMLANE_DATA_DIR or $HOME, or pass --store DIR")]
    NoDefault,
}

impl Help for StoreError {
    fn help(&self) -> Option<String> {
        match self {
            StoreError::Damaged { path, .. } => Some(format!(
                "a segment is one recorded point: move {} out of the store to go on without it, or restore it from a backup",
                path.display()
            )),
            StoreError::DamagedNote { path, .. } => Some(format!(
                "a note is one `history exclude` or `history accept`: fix or remove {}",
                path.display()
            )),
            StoreError::Unsupported { .. } => Some(
                "use a directory (`dir:PATH`) or a git ref (`git:refs/swimlane/history`)".into(),
            ),
            StoreError::Git(GitRefError::NotOurs { .. }) => Some(
                "swimlane writes only refs under refs/swimlane/: e.g. git:refs/swimlane/history"
                    .into(),
            ),
            StoreError::Git(GitRefError::Git { .. }) => Some(
                "run it inside the repository the ref belongs to; fetch the ref with `git fetch origin refs/swimlane/history:refs/swimlane/history`".into(),
            ),
            StoreError::NoSparkRemote { .. } => Some(
                "name it in swimlane.toml (`[spark] remote = \"sc://host:15002\"`), or set SWIMLANE_SPARK_REMOTE".into(),
            ),
            StoreError::NoSparkEngine { .. } => Some(
                "install a release built with the Spark engine, or build with `--features spark`".into(),
            ),
            StoreError::Remote { .. } => {
                Some("check that the Spark Connect server runs and that you may create and write the table".into())
            }
            StoreError::Io { .. } | StoreError::NoDefault => None,
        }
    }
}

/// What a team said about its history: a run left out of every baseline
/// (kept, shown as excluded), or a new level accepted for a series from a
/// run on (the baseline restarts there).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Note {
    Exclude { run: String, reason: String },
    Accept { series: String, from: String },
}

/// A store that lives where only a connection reaches (a table on a Spark
/// cluster): each recorded point appended as rows, notes beside them.
/// `spark::history_store` implements it; the front end registers it with
/// [`register_spark`], so this module needs nothing of the engine.
pub trait RemoteStore: std::fmt::Debug {
    /// How the user names it (`spark:db.table`).
    fn spec(&self) -> String;
    /// Appends one point's rows, all or none.
    fn append(&self, rows: &[Row]) -> Result<(), StoreError>;
    /// Every row recorded.
    fn load(&self) -> Result<Vec<Row>, StoreError>;
    fn add_note(&self, note: &Note) -> Result<(), StoreError>;
    /// Every note, in the order they were written.
    fn notes(&self) -> Result<Vec<Note>, StoreError>;
}

/// Opens `spark:TABLE` on the Spark Connect server `remote`.
pub type SparkOpener = fn(table: &str, remote: &str) -> Result<Box<dyn RemoteStore>, StoreError>;

static SPARK: std::sync::OnceLock<SparkOpener> = std::sync::OnceLock::new();

/// Makes `spark:` stores available (a build with the Spark engine).
pub fn register_spark(opener: SparkOpener) {
    let _ = SPARK.set(opener);
}

/// A directory of segments, a git ref holding them, or a remote table.
#[derive(Debug, Clone)]
pub struct Store {
    /// The directory (for a git ref: a directory in its repository).
    pub root: PathBuf,
    git: Option<GitRef>,
    remote: Option<std::rc::Rc<dyn RemoteStore>>,
}

impl Store {
    /// A directory store.
    pub fn dir(root: PathBuf) -> Store {
        Store {
            root,
            git: None,
            remote: None,
        }
    }

    /// `--store`: `dir:PATH`, a plain path, or `git:refs/swimlane/NAME`
    /// (in the repository around the current directory).
    pub fn parse(spec: &str) -> Result<Store, StoreError> {
        Store::parse_in(
            spec,
            &std::env::current_dir().unwrap_or_else(|_| ".".into()),
        )
    }

    /// As [`Store::parse`], a git ref's repository found from `dir`; a
    /// `spark:` store on SWIMLANE_SPARK_REMOTE.
    pub fn parse_in(spec: &str, dir: &Path) -> Result<Store, StoreError> {
        Store::parse_with(spec, dir, None)
    }

    /// As [`Store::parse_in`], a `spark:` store on `spark_remote` (the
    /// config's `[spark] remote`) unless SWIMLANE_SPARK_REMOTE names one.
    pub fn parse_with(
        spec: &str,
        dir: &Path,
        spark_remote: Option<&str>,
    ) -> Result<Store, StoreError> {
        if let Some(path) = spec.strip_prefix("dir:") {
            return Ok(Store::dir(path.into()));
        }
        if let Some(refname) = spec.strip_prefix("git:") {
            return Ok(Store {
                root: dir.to_path_buf(),
                git: Some(GitRef::new(dir, refname)?),
                remote: None,
            });
        }
        if let Some(table) = spec.strip_prefix("spark:") {
            let opener = SPARK
                .get()
                .ok_or_else(|| StoreError::NoSparkEngine { spec: spec.into() })?;
            let env = std::env::var("SWIMLANE_SPARK_REMOTE").ok();
            let remote = env
                .as_deref()
                .or(spark_remote)
                .ok_or_else(|| StoreError::NoSparkRemote { spec: spec.into() })?;
            return Ok(Store {
                root: dir.to_path_buf(),
                git: None,
                remote: Some(std::rc::Rc::from(opener(table, remote)?)),
            });
        }
        Ok(Store::dir(spec.into()))
    }

    /// How the user names this store (`dir:PATH`, `git:REF`, `spark:TABLE`).
    pub fn spec(&self) -> String {
        if let Some(r) = &self.remote {
            return r.spec();
        }
        match &self.git {
            Some(g) => format!("git:{}", g.refname),
            None => format!("dir:{}", self.root.display()),
        }
    }

    /// A file inside a git store, as messages name it.
    fn git_path(g: &GitRef, name: &str) -> PathBuf {
        PathBuf::from(format!("git:{}:{name}", g.refname))
    }

    /// The default store for the project in `dir`: under the user's data
    /// directory, one per project (named after the directory, with a hash
    /// of its full path so two checkouts called `etl` stay apart).
    pub fn default_for(dir: &Path) -> Result<Store, StoreError> {
        let data = crate::dirs::data().ok_or(StoreError::NoDefault)?;
        let full = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let name = full
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "root".into());
        let hash = blake3::hash(full.to_string_lossy().as_bytes()).to_hex();
        Ok(Store::dir(
            data.join("history").join(format!("{name}-{}", &hash[..8])),
        ))
    }

    /// Writes one point's rows as a new segment.
    pub fn record(&self, rows: &[Row]) -> Result<PathBuf, StoreError> {
        if let Some(r) = &self.remote {
            r.append(rows)?;
            return Ok(PathBuf::from(r.spec()));
        }
        let run = rows.first().map_or("empty", |r| r.run.as_str());
        let bytes = self.segment_bytes(rows)?;
        self.add(
            "segments",
            &format!("{run}.parquet"),
            bytes,
            &format!("swimlane: record {run}"),
        )
    }

    /// Adds a note (an exclusion or an accepted level) as a file of its own,
    /// written like a segment.
    pub fn note(&self, note: &Note) -> Result<PathBuf, StoreError> {
        if let Some(r) = &self.remote {
            r.add_note(note)?;
            return Ok(PathBuf::from(r.spec()));
        }
        let bytes = serde_json::to_vec_pretty(note).map_err(|e| StoreError::Io {
            path: self.root.clone(),
            source: std::io::Error::other(e),
        })?;
        let id = super::Meta::now(None, None, None).run;
        self.add("notes", &format!("{id}.note.json"), bytes, "swimlane: note")
    }

    /// Adds one file (a segment or a note) to the store and says where it
    /// went: a commit adding `dir/file` on a git ref, or `file` in the
    /// directory, written under a temporary name and renamed into place,
    /// never over another file.
    fn add(
        &self,
        dir: &str,
        file: &str,
        bytes: Vec<u8>,
        message: &str,
    ) -> Result<PathBuf, StoreError> {
        if let Some(g) = &self.git {
            let name = format!("{dir}/{file}");
            g.commit(&[(name.clone(), bytes)], &[], message)?;
            return Ok(Store::git_path(g, &name));
        }
        let io = |source| StoreError::Io {
            path: self.root.clone(),
            source,
        };
        std::fs::create_dir_all(&self.root).map_err(io)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".swimlane-")
            .tempfile_in(&self.root)
            .map_err(io)?;
        std::io::Write::write_all(tmp.as_file_mut(), &bytes).map_err(io)?;
        tmp.as_file().sync_all().map_err(io)?;
        let path = self.root.join(file);
        tmp.persist_noclobber(&path).map_err(|e| io(e.error))?;
        Ok(path)
    }

    /// Every note, in the order they were written.
    pub fn notes(&self) -> Result<Vec<Note>, StoreError> {
        if let Some(r) = &self.remote {
            return r.notes();
        }
        if let Some(g) = &self.git {
            return g
                .files("notes")?
                .into_iter()
                .map(|(name, bytes)| {
                    serde_json::from_slice(&bytes).map_err(|source| StoreError::DamagedNote {
                        path: Store::git_path(g, &format!("notes/{name}")),
                        source,
                    })
                })
                .collect();
        }
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&self.root) {
            Ok(e) => e
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.to_string_lossy().ends_with(".note.json"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => {
                return Err(StoreError::Io {
                    path: self.root.clone(),
                    source,
                });
            }
        };
        paths.sort();
        paths
            .into_iter()
            .map(|path| {
                let text = std::fs::read_to_string(&path).map_err(|source| StoreError::Io {
                    path: path.clone(),
                    source,
                })?;
                serde_json::from_str(&text)
                    .map_err(|source| StoreError::DamagedNote { path, source })
            })
            .collect()
    }

    /// The segments, in name order (names start with the recording time).
    pub fn segments(&self) -> Result<Vec<PathBuf>, StoreError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(StoreError::Io {
                    path: self.root.clone(),
                    source,
                });
            }
        };
        let mut out: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "parquet")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Every row of every segment; a row twice (a compaction seen halfway:
    /// its merged segment written, the merged ones not removed yet) once.
    pub fn load(&self) -> Result<Vec<Row>, StoreError> {
        Ok(self
            .load_segments()?
            .into_iter()
            .flat_map(|s| s.1)
            .collect())
    }

    /// Merges every segment into one, keeping only points whose as-of time
    /// is at or after `keep_from` (all when `None`): the merged segment is
    /// written first, then the segments it holds are removed, so a reader
    /// or recorder at the same time loses nothing. Returns (segments
    /// before, rows kept, rows dropped).
    pub fn compact(&self, keep_from: Option<i64>) -> Result<(usize, usize, usize), StoreError> {
        if let Some(r) = &self.remote {
            return Err(StoreError::Remote {
                spec: r.spec(),
                message: "a Spark table is compacted by the cluster's own tools (OPTIMIZE, or a rewrite with a filter on as_of)".into(),
            });
        }
        let segments = self.load_segments()?;
        if segments.len() <= 1 && keep_from.is_none() {
            return Ok((segments.len(), segments.iter().map(|s| s.1.len()).sum(), 0));
        }
        let all: Vec<Row> = segments.iter().flat_map(|s| s.1.iter().cloned()).collect();
        let total = all.len();
        let kept: Vec<Row> = all
            .into_iter()
            .filter(|r| keep_from.is_none_or(|t| r.as_of >= t))
            .collect();
        let io = |source| StoreError::Io {
            path: self.root.clone(),
            source,
        };
        let tag = super::Meta::now(None, None, None).run;
        if let Some(g) = &self.git {
            // One commit: the merged segment in, the others out.
            let names: Vec<String> = segments
                .iter()
                .filter_map(|(p, _)| p.to_str()?.rsplit_once(':').map(|x| x.1.to_string()))
                .collect();
            let add = if kept.is_empty() {
                Vec::new()
            } else {
                vec![(
                    format!("segments/{tag}-compacted.parquet"),
                    self.segment_bytes(&kept)?,
                )]
            };
            g.commit(&add, &names, "swimlane: compact")?;
            return Ok((segments.len(), kept.len(), total - kept.len()));
        }
        if !kept.is_empty() {
            let bytes = self.segment_bytes(&kept)?;
            self.add(
                "segments",
                &format!("{tag}-compacted.parquet"),
                bytes,
                "swimlane: compact",
            )?;
        }
        for (path, _) in &segments {
            std::fs::remove_file(path).map_err(io)?;
        }
        Ok((segments.len(), kept.len(), total - kept.len()))
    }

    /// Each segment's path and rows, duplicates across segments dropped.
    fn load_segments(&self) -> Result<Vec<(PathBuf, Vec<Row>)>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        let read: Vec<(PathBuf, Vec<Row>)> = match &self.git {
            _ if self.remote.is_some() => {
                let r = self.remote.as_ref().expect("checked");
                vec![(PathBuf::from(r.spec()), r.load()?)]
            }
            Some(g) => g
                .files("segments")?
                .into_iter()
                .map(|(name, bytes)| {
                    let path = Store::git_path(g, &format!("segments/{name}"));
                    let rows = read_bytes(&path, bytes)?;
                    Ok((path, rows))
                })
                .collect::<Result<_, StoreError>>()?,
            None => self
                .segments()?
                .into_iter()
                .map(|path| {
                    let rows = self.read_segment(&path)?;
                    Ok((path, rows))
                })
                .collect::<Result<_, StoreError>>()?,
        };
        for (path, rows) in read {
            let rows: Vec<Row> = rows
                .into_iter()
                .filter(|r| {
                    seen.insert((
                        r.run.clone(),
                        r.table.clone(),
                        r.column.clone(),
                        r.metric.clone(),
                    ))
                })
                .collect();
            out.push((path, rows));
        }
        Ok(out)
    }

    fn read_segment(&self, path: &Path) -> Result<Vec<Row>, StoreError> {
        let damaged = |source| StoreError::Damaged {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(|source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let df = ParquetReader::new(file).finish().map_err(damaged)?;
        unframe(&df).map_err(damaged)
    }

    /// A segment's Parquet bytes.
    fn segment_bytes(&self, rows: &[Row]) -> Result<Vec<u8>, StoreError> {
        let io = |e: PolarsError| StoreError::Io {
            path: self.root.clone(),
            source: std::io::Error::other(e),
        };
        let mut df = frame(rows).map_err(io)?;
        let mut bytes = Vec::new();
        ParquetWriter::new(&mut bytes).finish(&mut df).map_err(io)?;
        Ok(bytes)
    }
}

/// Every scalar metric of `rows` as CSV in long format (one row per run,
/// table, column and metric), to `out`; how many rows it wrote. An error
/// is the output's (`history export` says which output; a closed pipe is
/// no error of the export's).
pub fn export_csv(rows: &[Row], out: &mut dyn std::io::Write) -> std::io::Result<usize> {
    // The writer's own error keeps the output's (a closed pipe stays one).
    let io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => std::io::Error::other(format!("{other:?}")),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "run",
        "recorded_at",
        "as_of",
        "commit",
        "label",
        "table",
        "column",
        "metric",
        "value",
        "type",
    ])
    .map_err(io)?;
    let mut n = 0;
    for r in rows.iter().filter(|r| r.points.is_none()) {
        w.write_record([
            r.run.as_str(),
            &super::show_time_iso(r.recorded_at),
            &super::show_time_iso(r.as_of),
            r.commit.as_deref().unwrap_or(""),
            r.label.as_deref().unwrap_or(""),
            &r.table,
            r.column.as_deref().unwrap_or(""),
            &r.metric,
            &r.value.to_string(),
            r.dtype.as_deref().unwrap_or(""),
        ])
        .map_err(io)?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// A segment read from memory (a git blob); `path` names it in errors.
fn read_bytes(path: &Path, bytes: Vec<u8>) -> Result<Vec<Row>, StoreError> {
    let damaged = |source| StoreError::Damaged {
        path: path.to_path_buf(),
        source,
    };
    let df = ParquetReader::new(std::io::Cursor::new(bytes))
        .finish()
        .map_err(damaged)?;
    unframe(&df).map_err(damaged)
}

/// Rows as the store's long-format frame.
pub fn frame(rows: &[Row]) -> PolarsResult<DataFrame> {
    let strs =
        |f: &dyn Fn(&Row) -> Option<&str>| -> Vec<Option<&str>> { rows.iter().map(f).collect() };
    let points: ListChunked = rows
        .iter()
        .map(|r| {
            r.points
                .as_ref()
                .map(|p| Series::new(PlSmallStr::EMPTY, p.as_slice()))
        })
        .collect();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("run".into(), strs(&|r| Some(r.run.as_str()))),
            Column::new(
                "recorded_at".into(),
                rows.iter().map(|r| r.recorded_at).collect::<Vec<_>>(),
            ),
            Column::new(
                "as_of".into(),
                rows.iter().map(|r| r.as_of).collect::<Vec<_>>(),
            ),
            Column::new("commit".into(), strs(&|r| r.commit.as_deref())),
            Column::new("label".into(), strs(&|r| r.label.as_deref())),
            Column::new("table".into(), strs(&|r| Some(r.table.as_str()))),
            Column::new("column".into(), strs(&|r| r.column.as_deref())),
            Column::new("metric".into(), strs(&|r| Some(r.metric.as_str()))),
            Column::new(
                "value".into(),
                rows.iter().map(|r| r.value).collect::<Vec<_>>(),
            ),
            points.with_name("points".into()).into_series().into(),
            Column::new("dtype".into(), strs(&|r| r.dtype.as_deref())),
        ],
    )
}

/// The store's long-format frame as rows.
pub fn unframe(df: &DataFrame) -> PolarsResult<Vec<Row>> {
    let s = |name: &str| -> PolarsResult<StringChunked> {
        Ok(df.column(name)?.cast(&DataType::String)?.str()?.clone())
    };
    let i = |name: &str| -> PolarsResult<Int64Chunked> {
        Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.clone())
    };
    let (run, commit, label, table, column, metric) = (
        s("run")?,
        s("commit")?,
        s("label")?,
        s("table")?,
        s("column")?,
        s("metric")?,
    );
    let (recorded_at, as_of) = (i("recorded_at")?, i("as_of")?);
    let value = df.column("value")?.cast(&DataType::Float64)?;
    let value = value.f64()?;
    let points = df.column("points")?.list()?.clone();
    // Segments recorded before the column's type was kept have none.
    let dtype = match df.column("dtype") {
        Ok(_) => Some(s("dtype")?),
        Err(_) => None,
    };
    let missing = |what: &str, row: usize| {
        PolarsError::ComputeError(format!("row {row} has no {what}").into())
    };
    (0..df.height())
        .map(|n| {
            Ok(Row {
                run: run.get(n).ok_or_else(|| missing("run", n))?.to_string(),
                recorded_at: recorded_at
                    .get(n)
                    .ok_or_else(|| missing("recorded_at", n))?,
                as_of: as_of.get(n).ok_or_else(|| missing("as_of", n))?,
                commit: commit.get(n).map(str::to_string),
                label: label.get(n).map(str::to_string),
                table: table.get(n).ok_or_else(|| missing("table", n))?.to_string(),
                column: column.get(n).map(str::to_string),
                metric: metric
                    .get(n)
                    .ok_or_else(|| missing("metric", n))?
                    .to_string(),
                value: value.get(n).unwrap_or(f64::NAN),
                points: match points.get_as_series(n) {
                    Some(p) => Some(p.f64()?.into_no_null_iter().collect()),
                    None => None,
                },
                dtype: dtype.as_ref().and_then(|d| d.get(n)).map(str::to_string),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(run: &str, metric: &str, value: f64) -> Row {
        Row {
            run: run.into(),
            recorded_at: 1,
            as_of: 2,
            commit: Some("abc".into()),
            label: None,
            table: "plays".into(),
            column: (metric != "row_count").then(|| "thumb".into()),
            metric: metric.into(),
            value,
            points: (metric == "sketch").then(|| vec![0.0, 0.5, 1.0]),
            dtype: (metric != "row_count").then(|| "f64".into()),
        }
    }

    #[test]
    fn a_segment_reads_back_as_written() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::dir(d.path().join("h"));
        let rows = vec![
            row("r1", "row_count", 600.0),
            row("r1", "null_fraction", 0.01),
            row("r1", "sketch", f64::NAN),
        ];
        store.record(&rows).unwrap();
        let back = store.load().unwrap();
        assert_eq!(back.len(), 3);
        assert_eq!(back[0], rows[0]);
        assert_eq!(back[1], rows[1]);
        assert_eq!(back[2].points, rows[2].points);
        assert!(back[2].value.is_nan());
    }

    #[test]
    fn a_segment_recorded_before_column_types_were_kept_still_reads() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::dir(d.path().into());
        let rows = vec![row("r1", "p50", 20_485.0)];
        let mut old = frame(&rows).unwrap().drop("dtype").unwrap();
        let mut file = std::fs::File::create(d.path().join("r1.parquet")).unwrap();
        ParquetWriter::new(&mut file).finish(&mut old).unwrap();
        let back = store.load().unwrap();
        assert_eq!(back[0].dtype, None);
        assert_eq!(back[0].value, 20_485.0);
        // A new point beside it keeps its type.
        let mut new = row("r2", "p50", 20_486.0);
        new.dtype = Some("date".into());
        store.record(std::slice::from_ref(&new)).unwrap();
        let back = store.load().unwrap();
        let r2 = back.iter().find(|r| r.run == "r2").unwrap();
        assert_eq!(r2.dtype.as_deref(), Some("date"));
    }

    #[test]
    fn compaction_merges_segments_and_drops_what_retain_leaves_out() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::dir(d.path().into());
        for (run, as_of) in [("r1", 10), ("r2", 20), ("r3", 30)] {
            let mut r = row(run, "row_count", as_of as f64);
            r.as_of = as_of;
            store.record(&[r]).unwrap();
        }
        assert_eq!(store.compact(None).unwrap(), (3, 3, 0));
        assert_eq!(store.segments().unwrap().len(), 1);
        assert_eq!(store.load().unwrap().len(), 3);
        assert_eq!(store.compact(Some(20)).unwrap(), (1, 2, 1));
        let runs: Vec<String> = store.load().unwrap().into_iter().map(|r| r.run).collect();
        assert_eq!(runs, ["r2", "r3"]);
        // A reader between the merged segment's write and the removal of
        // the merged ones sees each row once.
        let merged = store.segments().unwrap()[0].clone();
        std::fs::copy(&merged, d.path().join("copy.parquet")).unwrap();
        assert_eq!(store.load().unwrap().len(), 2);
        let mut csv = Vec::new();
        assert_eq!(export_csv(&store.load().unwrap(), &mut csv).unwrap(), 2);
        let text = String::from_utf8(csv).unwrap();
        assert!(
            text.starts_with(
                "run,recorded_at,as_of,commit,label,table,column,metric,value,type\nr2,"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_damaged_segment_is_named() {
        let d = tempfile::tempdir().unwrap();
        let store = Store::dir(d.path().into());
        store.record(&[row("r1", "row_count", 1.0)]).unwrap();
        std::fs::write(d.path().join("r2.parquet"), b"not parquet").unwrap();
        let e = store.load().unwrap_err();
        assert!(matches!(&e, StoreError::Damaged { path, .. } if path.ends_with("r2.parquet")));
        assert!(e.help().unwrap().contains("r2.parquet"));
    }

    #[test]
    fn only_refs_under_refs_swimlane_and_spark_stores_only_with_the_engine() {
        let e = Store::parse("git:refs/heads/main").unwrap_err();
        assert!(e.help().unwrap().contains("only refs under refs/swimlane/"));
        // The library's tests register no Spark engine.
        let e =
            Store::parse_with("spark:db.history", Path::new("."), Some("sc://x:1")).unwrap_err();
        assert!(matches!(e, StoreError::NoSparkEngine { .. }), "{e}");
        assert!(e.help().unwrap().contains("--features spark"));
        assert_eq!(Store::parse("dir:/x").unwrap().root, PathBuf::from("/x"));
    }
}
