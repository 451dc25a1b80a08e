//! Reading a lane's declared outputs into data frames.
//!
//! Each lane's files are read with their own inferred schema, so a column
//! written as `1400` in base and `1400.0` in head loads as i64 and f64 and
//! shows up as a type change (compared in the wider type: `diff::widen`). A table's `path` may be a glob of part files;
//! the parts are read in name order and must agree on their schema.

use std::fs::File;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::config::{Declared, Format, Table};
use crate::csv_file::{self, CsvError};
use crate::error::Help;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("no output file matches `{pattern}` in {}", dir.display())]
    Missing {
        pattern: String,
        dir: PathBuf,
        /// What the directory held (its first names, in name order).
        found: Vec<String>,
    },
    #[error("invalid glob `{pattern}`: {message}")]
    Pattern { pattern: String, message: String },
    #[error("cannot read {} as {}", path.display(), format.as_str())]
    Read {
        path: PathBuf,
        format: Format,
        declared: Declared,
        #[source]
        source: PolarsError,
    },
    #[error("{}:{line}:{column}: not a JSON record: {message}", path.display())]
    JsonLine {
        path: PathBuf,
        line: u64,
        column: u64,
        message: String,
        declared: Declared,
    },
    #[error(transparent)]
    Csv(#[from] CsvError),
    #[error(transparent)]
    Database(#[from] crate::database::DatabaseError),
    #[error("{relation} is not in {database}")]
    NoRelation { relation: String, database: String },
    #[error(transparent)]
    Postgres(#[from] crate::database::postgres::PostgresError),
    #[error(
        "part files disagree on their schema: column `{column}` is {first_type} in {} but {other_type} in {}",
        first.display(), other.display()
    )]
    MixedParts {
        declared: Declared,
        column: String,
        first: PathBuf,
        first_type: String,
        other: PathBuf,
        other_type: String,
    },
}

impl Help for LoadError {
    fn help(&self) -> Option<String> {
        match self {
            LoadError::Read {
                format, declared, ..
            } => Some(format!(
                "check that {} wrote a complete {} file, or {}",
                declared.writer(),
                format.as_str(),
                declared.format_help()
            )),
            LoadError::JsonLine { declared, .. } => Some(format!(
                "NDJSON is one JSON object per line: check that {} wrote every record whole, on one line",
                declared.writer()
            )),
            LoadError::MixedParts { declared, .. } => Some(format!(
                "make {} write every part with the same column types",
                declared.writer()
            )),
            LoadError::Csv(e) => e.help(),
            LoadError::Database(e) => e.help(),
            LoadError::Postgres(e) => e.help(),
            LoadError::NoRelation { .. } => None,
            LoadError::Missing { pattern, found, .. } => Some(match found.as_slice() {
                [] => "the directory is empty: check the stage's output path".into(),
                _ => {
                    let meant = crate::suggest::meant(pattern, found.iter().map(String::as_str))
                        .map_or(String::new(), |m| format!("did you mean `{m}`? "));
                    format!("{meant}the directory holds: {}", found.join(", "))
                }
            }),
            LoadError::Pattern { .. } => None,
        }
    }
}

impl LoadError {
    /// This error with its causes, as a polars error (for code that reads
    /// columns inside polars computations).
    pub fn into_polars(self) -> PolarsError {
        PolarsError::ComputeError(crate::error::chain(&self).into())
    }

    /// A reader's failure on `path`, for `map_err`.
    pub(crate) fn read(
        path: &Path,
        format: Format,
        declared: Declared,
    ) -> impl Fn(PolarsError) -> LoadError + Copy + '_ {
        move |source| LoadError::Read {
            path: path.to_path_buf(),
            format,
            declared,
            source,
        }
    }
}

/// One side's table, loaded.
pub struct Loaded {
    pub frame: DataFrame,
    pub files: Vec<PathBuf>,
}

/// Reads `table` from a lane's output dir.
pub fn load_table(out_dir: &Path, table: &Table) -> Result<Loaded, LoadError> {
    load(out_dir, &table.path, table)
}

/// Reads the file (or glob of part files) `pattern` under `dir`, in
/// `table`'s format.
/// A PostgreSQL table's `pattern` is its database's URL (a lane's, or one
/// side of `swimlane compare`, whose other side may be a database file).
pub fn load(dir: &Path, pattern: &str, table: &Table) -> Result<Loaded, LoadError> {
    if crate::config::PostgresUrl::parse(pattern).is_some() {
        return Ok(Loaded {
            frame: read_file(Path::new(pattern), table)?,
            files: Vec::new(),
        });
    }
    let files = resolve_files(dir, pattern)?;
    // Partition directories' values, for the files that lack them.
    let partitions = crate::partitions::Partitions::of(dir, &files, |_| false);
    let mut frame: Option<DataFrame> = None;
    for (i, path) in files.iter().enumerate() {
        let mut part = read_file(path, table)?;
        partitions.add(i, &mut part, None).map_err(LoadError::read(
            path,
            table.format,
            table.declared,
        ))?;
        frame = Some(match frame {
            None => part,
            Some(mut acc) => {
                check_same_schema(&acc, &files[0], &part, path, table.declared)?;
                acc.vstack_mut_owned(part).map_err(LoadError::read(
                    path,
                    table.format,
                    table.declared,
                ))?;
                acc
            }
        });
    }
    // Not rechunked: parts and row groups stay separate chunks, which every
    // comparison handles, while concatenating string columns costs seconds
    // at millions of rows.
    let mut frame = frame.expect("resolve_files returns at least one file");
    if table.format == Format::Ndjson {
        // ISO dates and times, which JSON can only write as text, typed as
        // a CSV file's are; over every part at once, so that a part whose
        // column holds only dates and one that holds other text too agree.
        frame = crate::iso_dates::typed_text_columns(frame).map_err(LoadError::read(
            &files[0],
            table.format,
            table.declared,
        ))?;
    }
    Ok(Loaded { frame, files })
}

/// How much memory a table's comparison may use before it is compared from
/// disk a column at a time (`--memory-budget`, `SWIMLANE_MEMORY_BUDGET`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBudget(pub u64);

impl MemoryBudget {
    /// A column pair being compared is held as read, as aligned, and as the
    /// changed values kept: about this many times its decoded size.
    const IN_FLIGHT_FACTOR: u64 = 3;

    /// Half the machine's memory (8 GiB when it cannot be read).
    pub fn for_this_machine() -> MemoryBudget {
        let total = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let line = m.lines().find(|l| l.starts_with("MemTotal:"))?;
                let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
                Some(kib * 1024)
            })
            .unwrap_or(16 << 30);
        MemoryBudget(total / 2)
    }

    /// Parses `8GiB`, `512 MiB`, `2G` or a number of bytes.
    pub fn parse(text: &str) -> Result<MemoryBudget, String> {
        let size: bytesize::ByteSize = text
            .trim()
            .parse()
            .map_err(|e| format!("`{text}` is not a size ({e}); write e.g. `8GiB` or `512MiB`"))?;
        Ok(MemoryBudget(size.as_u64()))
    }

    /// How many column pairs of `pair_bytes` (both sides, decoded) may be
    /// compared at once: at least one, at most one per thread.
    pub fn columns_in_flight(&self, pair_bytes: u64) -> usize {
        self.slots(pair_bytes, rayon::current_num_threads())
    }

    /// How many things the size of a column pair in flight (`pair_bytes`,
    /// decoded) fit at once, from one to `most`.
    pub fn slots(&self, pair_bytes: u64, most: usize) -> usize {
        let fit = self.0 / pair_bytes.saturating_mul(Self::IN_FLIGHT_FACTOR).max(1);
        (fit as usize).clamp(1, most.max(1))
    }
}

/// A column's size once read: the fixed width of its values, or for
/// strings a 16-byte view per value plus the bytes of its pages (an upper
/// bound for dictionary-encoded pages too: their values are repeated).
fn decoded_bytes(dtype: &DataType, rows: u64, pages: u64) -> u64 {
    let per_row = match dtype {
        DataType::String | DataType::Binary => 16,
        DataType::Boolean | DataType::Int8 | DataType::UInt8 => 1,
        DataType::Int16 | DataType::UInt16 => 2,
        DataType::Int32 | DataType::UInt32 | DataType::Float32 | DataType::Date => 4,
        DataType::Int128 | DataType::UInt128 | DataType::Decimal(..) => 16,
        _ => 8,
    };
    (rows * per_row).max(pages)
}

impl Default for MemoryBudget {
    fn default() -> MemoryBudget {
        MemoryBudget::for_this_machine()
    }
}

/// One side's table left on disk: its schema is read from the files'
/// metadata and its columns are read only when asked for, so that a
/// comparison holds the keys and the columns it is working on rather than
/// the whole table. Parquet, Arrow IPC and DuckDB base tables only: they
/// can read one column without parsing the others.
pub struct OnDisk {
    pub files: Vec<PathBuf>,
    pub format: Format,
    /// A DuckDB table: its name in `files[0]`, read a query per read.
    table: Option<String>,
    pub schema: Schema,
    /// Estimated size of each column in memory once read, in bytes.
    pub column_bytes: std::collections::BTreeMap<String, u64>,
    /// Rows of each Parquet file, or of the DuckDB table (empty for Arrow
    /// IPC).
    file_rows: Vec<usize>,
    /// Where the table was declared, for the help of reading errors.
    pub declared: Declared,
    /// Shown every column as read whole (see [`OnDisk::observe`]).
    observer: Option<Observer>,
    /// Told what the column pairs compared share (see
    /// [`OnDisk::observe_pairs`]).
    pairs: Option<std::sync::Arc<dyn PairObserver>>,
    /// The rows every read keeps (a key-hash sample), over all parts' rows.
    kept: Option<BooleanChunked>,
    /// Partition directories' columns, which no file holds.
    partitions: crate::partitions::Partitions,
    /// A column read ahead of its read ([`OnDisk::read_ahead`]).
    ahead: std::sync::Mutex<Option<(String, Series)>>,
}

/// Sees each column of an [`OnDisk`] table as it is read.
pub type Observer = std::sync::Arc<dyn Fn(&Series) + Send + Sync>;

/// The rows of a column's two sides, paired row by row by a comparison,
/// that hold a value no row of the other side holds alike: each side's
/// rows without a pair, and the rows of the pairs whose values differ by
/// the comparison's exact test (null is null, NaN is NaN, -0 is 0; before
/// any tolerance). Every other row of base holds the value its pair in
/// head holds, so that what a column's two sides hold is what they share
/// and, for each side, its values at these rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Unshared {
    /// Base's rows, ascending.
    pub base: Vec<IdxSize>,
    /// Head's rows, ascending.
    pub head: Vec<IdxSize>,
}

impl Unshared {
    /// Whether sides of `base_rows` and `head_rows` rows that differ in
    /// `apart` rows of either share enough to be worth reading once for
    /// both: at most a sixteenth apart.
    pub fn worth(base_rows: usize, head_rows: usize, apart: usize) -> bool {
        apart <= base_rows.min(head_rows) / 16
    }

    /// [`Unshared::worth`] of these rows.
    pub fn worth_sharing(&self, base_rows: usize, head_rows: usize) -> bool {
        Unshared::worth(base_rows, head_rows, self.base.len().max(self.head.len()))
    }
}

/// Told by a comparison what the column pairs it compares share, so that
/// a profile of both sides reads what they share once (`profile::of_pair`).
pub trait PairObserver: Send + Sync {
    /// Before any column is read: the column pairs (base's name, head's)
    /// the comparison will tell of, each once, by [`PairObserver::shared`].
    fn expect(&self, columns: &[(String, String)]);
    /// After the pair (base's name, head's) was compared: its
    /// [`Unshared`] rows, or `None` where the comparison did not find them.
    /// Of a pair not expected (or told of already), nothing.
    fn shared(&self, base: &str, head: &str, unshared: Option<Unshared>);
}

impl OnDisk {
    /// Has `f` see every column as it is read, whole, so that a profile is
    /// computed from the reads the comparison makes rather than from reads
    /// of its own. Filtered reads then read the whole column and filter it
    /// in memory (more memory per column in flight; one read, not two). A
    /// column read twice is seen twice.
    pub fn observe(&mut self, f: Observer) {
        self.observer = Some(f);
    }

    /// Has `f` told, by the comparison of this table (its base side) with
    /// another, what the column pairs it compares share.
    pub fn observe_pairs(&mut self, f: std::sync::Arc<dyn PairObserver>) {
        self.pairs = Some(f);
    }

    /// What [`OnDisk::observe_pairs`] installed.
    pub fn pair_observer(&self) -> Option<&dyn PairObserver> {
        self.pairs.as_deref()
    }

    /// Reads column `name` whole now, for the read of it that comes next,
    /// which takes it: a comparison reads its first column while its keys
    /// pair, on the core the pairing leaves idle. A read that fails keeps
    /// nothing, and the read that comes next fails as it would have.
    pub fn read_ahead(&self, name: &str) {
        if let Ok(s) = self.column(name) {
            *self.ahead.lock().unwrap_or_else(|e| e.into_inner()) = Some((name.to_string(), s));
        }
    }

    /// The column `name` read ahead, taken (held no longer by the table).
    fn take_ahead(&self, name: &str) -> Option<Series> {
        let mut ahead = self.ahead.lock().unwrap_or_else(|e| e.into_inner());
        match ahead.take() {
            Some((n, s)) if n == name => Some(s),
            other => {
                *ahead = other;
                None
            }
        }
    }

    /// Opens `table` in the file (or glob of part files) `pattern` under
    /// `dir`; `None` when it cannot be read a column at a time.
    pub fn open(dir: &Path, pattern: &str, table: &Table) -> Result<Option<OnDisk>, LoadError> {
        let format = table.format;
        if matches!(format, Format::Duckdb | Format::Sqlite) {
            return OnDisk::open_database(dir, pattern, table);
        }
        if !matches!(format, Format::Parquet | Format::Ipc) {
            return Ok(None);
        }
        let files = resolve_files(dir, pattern)?;
        let mut first: Option<DataFrame> = None;
        // Per column: rows and the bytes its pages decode to.
        let mut sizes: std::collections::BTreeMap<String, (u64, u64)> = Default::default();
        let mut file_rows = Vec::new();
        let declared = Declared::Config;
        for path in &files {
            let err = LoadError::read(path, format, declared);
            let file = File::open(path).map_err(|e| err(e.into()))?;
            let empty = match format {
                Format::Parquet => {
                    let mut reader = ParquetReader::new(file);
                    let meta = reader.get_metadata().map_err(err)?;
                    file_rows.push(meta.num_rows);
                    for group in &meta.row_groups {
                        for c in group.parquet_columns() {
                            let name = c.descriptor().path_in_schema[0].to_string();
                            let size = sizes.entry(name).or_default();
                            size.0 += group.num_rows() as u64;
                            size.1 += c.uncompressed_size().max(0) as u64;
                        }
                    }
                    reader.with_slice(Some((0, 0))).finish().map_err(err)?
                }
                _ => {
                    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
                    let empty = IpcReader::new(file)
                        .with_n_rows(Some(0))
                        .finish()
                        .map_err(err)?;
                    // Arrow IPC is the in-memory layout: each column's share
                    // of the file.
                    for name in empty.get_column_names() {
                        sizes.entry(name.to_string()).or_default().1 +=
                            len / empty.width().max(1) as u64;
                    }
                    empty
                }
            };
            match &first {
                None => first = Some(empty),
                Some(f) => check_same_schema(f, &files[0], &empty, path, declared)?,
            }
        }
        let mut schema = first
            .expect("resolve_files returns at least one file")
            .schema()
            .as_ref()
            .clone();
        let partitions = crate::partitions::Partitions::of(dir, &files, |n| schema.contains(n));
        if !partitions.is_empty() && file_rows.len() != files.len() {
            // Arrow IPC says its rows only once read: loaded whole.
            return Ok(None);
        }
        let rows: usize = file_rows.iter().sum();
        for (name, dtype) in partitions.schema() {
            schema.with_column(name.into(), dtype.clone());
            // No pages: `decoded_bytes` sizes them by their rows.
            sizes.insert(name.to_string(), (rows as u64, 0));
        }
        let column_bytes = schema
            .iter()
            .map(|(name, dtype)| {
                let (rows, pages) = sizes.get(name.as_str()).copied().unwrap_or_default();
                (name.to_string(), decoded_bytes(dtype, rows, pages))
            })
            .collect();
        Ok(Some(OnDisk {
            files,
            format,
            table: None,
            schema,
            column_bytes,
            file_rows,
            declared,
            observer: None,
            pairs: None,
            kept: None,
            partitions,
            ahead: Default::default(),
        }))
    }

    /// A DuckDB base table (the only database table whose columns keep one
    /// row order across reads: `database::table_on_disk`).
    fn open_database(
        dir: &Path,
        pattern: &str,
        table: &Table,
    ) -> Result<Option<OnDisk>, LoadError> {
        let Some(relation @ crate::config::Relation::Table(name)) = &table.relation else {
            return Ok(None);
        };
        let files = resolve_files(dir, pattern)?;
        let [path] = files.as_slice() else {
            return Ok(None);
        };
        let Some((schema, rows)) = crate::database::table_on_disk(path, relation)? else {
            return Ok(None);
        };
        let column_bytes = schema
            .iter()
            .map(|(name, dtype)| (name.to_string(), decoded_bytes(dtype, rows, 0)))
            .collect();
        Ok(Some(OnDisk {
            files,
            format: table.format,
            table: Some(name.clone()),
            schema,
            column_bytes,
            file_rows: vec![rows as usize],
            declared: table.declared,
            observer: None,
            pairs: None,
            kept: None,
            partitions: Default::default(),
            ahead: Default::default(),
        }))
    }

    /// From now on every read keeps only the rows where `kept` (over all
    /// parts' rows) is set: the table is, to its readers, those rows.
    pub fn keep_only(&mut self, kept: BooleanChunked) {
        self.kept = Some(kept);
    }

    /// Reads column `name`, keeping the rows where `mask` (over the rows
    /// this table shows its readers) is set. Parquet is read a slice of rows
    /// at a time, so memory holds the rows kept and one slice, not the whole
    /// column as well.
    pub fn column_filtered(&self, name: &str, mask: &BooleanChunked) -> Result<Series, LoadError> {
        // 16M rows: one slice up to tens of millions of rows (each slice is
        // a scan of its own), a few hundred MB per slice beyond.
        const SLICE: usize = 16 << 20;
        if let Some(s) = self.take_ahead(name) {
            let err = LoadError::read(&self.files[0], self.format, self.declared);
            return s.filter(mask).map_err(err);
        }
        if self.format != Format::Parquet || self.observer.is_some() || self.partitions.has(name) {
            // `columns` keeps the sample's rows: `mask` is over those.
            let all = self.columns(&[name.to_string()])?;
            let err = LoadError::read(&self.files[0], self.format, self.declared);
            let column = all.column(name).map_err(err)?;
            return column.as_materialized_series().filter(mask).map_err(err);
        }
        // A mask over the kept rows, spread over all rows.
        let spread;
        let mask = match &self.kept {
            None => mask,
            Some(kept) => {
                let mut over_kept = mask.iter();
                spread = kept
                    .iter()
                    .map(|k| k == Some(true) && over_kept.next().flatten() == Some(true))
                    .collect::<BooleanChunked>();
                &spread
            }
        };
        let mut out: Option<Series> = None;
        let mut first_row = 0;
        for (path, &rows) in self.files.iter().zip(&self.file_rows) {
            let err = LoadError::read(path, self.format, self.declared);
            for offset in (0..rows).step_by(SLICE) {
                let len = SLICE.min(rows - offset);
                let keep = mask.slice((first_row + offset) as i64, len);
                if !keep.any() {
                    continue;
                }
                let part = parquet_slice(path, name, offset, len)
                    .and_then(|s| s.filter(&keep))
                    .map_err(err)?;
                match &mut out {
                    None => out = Some(part),
                    Some(acc) => {
                        acc.append_owned(part).map_err(err)?;
                    }
                }
            }
            first_row += rows;
        }
        match out {
            Some(s) => Ok(s),
            // Nothing kept: an empty column of the column's type.
            None => {
                let dtype = self.schema.get(name).cloned().unwrap_or(DataType::Null);
                Ok(Series::new_empty(name.into(), &dtype))
            }
        }
    }

    /// Whether column `name` can be read a slice of rows at a time
    /// ([`OnDisk::for_each_slice`]): Parquet files' own column, every row
    /// kept, no profile watching the reads (it sees whole columns), and
    /// not read ahead.
    pub fn reads_in_slices(&self, name: &str) -> bool {
        self.format == Format::Parquet
            && self.table.is_none()
            && self.kept.is_none()
            && self.observer.is_none()
            && !self.partitions.has(name)
            && self
                .ahead
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_ref()
                .is_none_or(|(n, _)| n != name)
    }

    /// Reads column `name` ([`OnDisk::reads_in_slices`]) a slice of rows
    /// at a time, in row order, calling `f` with each slice's first row
    /// and its values: memory holds two slices of the column, not all of
    /// it (a text column of 10M rows: 80 MB, not 400). Each slice is read
    /// while `f` takes the one before, beside it where a core is free. A
    /// read's failure is the file's ([`LoadError::Read`], as a polars
    /// error); `f`'s is returned as it is.
    pub fn for_each_slice(
        &self,
        name: &str,
        mut f: impl FnMut(usize, Series) -> PolarsResult<()> + Send,
    ) -> PolarsResult<()> {
        // A row group as `gen_table` and polars write them, 2^20 rows: a
        // slice of a file reads the row groups it overlaps. (In tests,
        // slices across row groups of a few hundred rows.)
        const SLICE: usize = if cfg!(test) { 700 } else { 1 << 20 };
        debug_assert!(self.reads_in_slices(name));
        // Every slice: its file, its first row there and in all files, and
        // its length.
        let mut slices = Vec::new();
        let mut first_row = 0;
        for (path, &rows) in self.files.iter().zip(&self.file_rows) {
            for offset in (0..rows).step_by(SLICE) {
                slices.push((path, offset, first_row + offset, SLICE.min(rows - offset)));
            }
            first_row += rows;
        }
        let read = |&(path, offset, _, len): &(&PathBuf, usize, usize, usize)| {
            parquet_slice(path, name, offset, len)
                .map_err(LoadError::read(path, self.format, self.declared))
                .map_err(LoadError::into_polars)
        };
        let Some(first) = slices.first() else {
            return Ok(());
        };
        let mut this = read(first)?;
        for (i, at) in slices.iter().enumerate() {
            let next = slices.get(i + 1);
            let (taken, read_next) = rayon::join(|| f(at.2, this), || next.map(read).transpose());
            taken?;
            match read_next? {
                Some(s) => this = s,
                None => break,
            }
        }
        Ok(())
    }

    /// Rows in all parts, when the metadata says (Parquet); `None` for
    /// Arrow IPC, whose row count is known once a column is read.
    pub fn row_count(&self) -> Option<u64> {
        if let Some(kept) = &self.kept {
            return Some(kept.sum().unwrap_or(0) as u64);
        }
        (self.file_rows.len() == self.files.len())
            .then(|| self.file_rows.iter().map(|&r| r as u64).sum())
    }

    /// Reads column `name` of every part, in part order.
    pub fn column(&self, name: &str) -> Result<Series, LoadError> {
        let frame = self.columns(&[name.to_string()])?;
        let err = LoadError::read(&self.files[0], self.format, self.declared);
        Ok(frame
            .column(name)
            .map_err(err)?
            .as_materialized_series()
            .clone())
    }

    /// Reads the columns `names` of every part, in part order.
    pub fn columns(&self, names: &[String]) -> Result<DataFrame, LoadError> {
        if let [name] = names
            && let Some(s) = self.take_ahead(name)
        {
            let err = LoadError::read(&self.files[0], self.format, self.declared);
            return DataFrame::new_infer_height(vec![s.into_column()]).map_err(err);
        }
        let mut frame: Option<DataFrame> = None;
        // The columns files hold; partition directories' are added.
        let held: Vec<String> = names
            .iter()
            .filter(|n| !self.partitions.has(n))
            .cloned()
            .collect();
        for (i, path) in self.files.iter().enumerate() {
            let err = LoadError::read(path, self.format, self.declared);
            if let Some(table) = &self.table {
                let part = crate::database::read_columns(path, table, names)?;
                frame = Some(part);
                continue;
            }
            let part = match self.format {
                // Only partition columns: the file's rows, no column read.
                _ if held.is_empty() => Ok(DataFrame::empty_with_height(self.file_rows[i])),
                Format::Parquet => scan_parquet(path).and_then(|lf| {
                    lf.select(held.iter().map(|n| col(n.as_str())).collect::<Vec<_>>())
                        .collect()
                }),
                _ => File::open(path)
                    .map_err(PolarsError::from)
                    .and_then(|file| {
                        IpcReader::new(file)
                            .with_columns(Some(held.clone()))
                            .finish()
                    }),
            };
            let part = match part {
                Ok(mut part) if !self.partitions.is_empty() => self
                    .partitions
                    .add(i, &mut part, Some(names))
                    .and_then(|()| part.select(names.iter().map(String::as_str))),
                part => part,
            }
            .map_err(err)?;
            frame = Some(match frame {
                None => part,
                Some(mut acc) => {
                    acc.vstack_mut_owned(part).map_err(err)?;
                    acc
                }
            });
        }
        let mut frame = frame.expect("an OnDisk table has at least one file");
        if let Some(kept) = &self.kept {
            let err = LoadError::read(&self.files[0], self.format, self.declared);
            frame = frame.filter(kept).map_err(err)?;
        }
        if let Some(observe) = &self.observer {
            for c in frame.columns() {
                observe(c.as_materialized_series());
            }
        }
        Ok(frame)
    }
}

/// The table at `path` (a file, or a glob of part files) in `format`, as a
/// command given a path reads it (`profile`, `sample apply`).
pub fn load_path(
    path: &Path,
    format: Format,
    delimiter: Option<u8>,
    declared: crate::config::Declared,
) -> Result<DataFrame, LoadError> {
    let (dir, pattern) = dir_and_pattern(path);
    let dir = dir.as_path();
    let table = Table {
        delimiter: delimiter.unwrap_or_else(|| crate::config::default_delimiter(&pattern)),
        declared,
        ..Table::new(
            &pattern,
            &pattern,
            format,
            crate::config::CompareMode::Exact,
        )
    };
    Ok(load(dir, &pattern, &table)?.frame)
}

/// Whether `path` is a glob of files (`out/plays/*/*.parquet`).
pub fn is_glob(path: impl AsRef<Path>) -> bool {
    path.as_ref().to_string_lossy().contains(['*', '?', '['])
}

/// A file's directory and name; a glob's directory without wildcards and
/// the pattern below it (`out/plays` and `*/*.parquet`), which
/// [`resolve_files`] takes. The directory is `.` when none is named.
pub fn dir_and_pattern(path: &Path) -> (PathBuf, String) {
    let parts: Vec<_> = path.components().collect();
    let plain = match is_glob(path) {
        true => parts.iter().take_while(|c| !is_glob(c)).count(),
        false => parts.len().saturating_sub(1),
    }
    .min(parts.len().saturating_sub(1));
    let dir: PathBuf = parts[..plain].iter().collect();
    let pattern: PathBuf = parts[plain..].iter().collect();
    let dir = if dir.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        dir
    };
    (dir, pattern.to_string_lossy().into_owned())
}

/// The directory below which the glob `path` names files in partition
/// directories (its parts without a wildcard), for readers that discover
/// partitions only below a base they are given (Spark); `None` for any
/// other path.
pub fn glob_base(path: &Path) -> Option<PathBuf> {
    if !is_glob(path) {
        return None;
    }
    let (base, pattern) = dir_and_pattern(path);
    let files = resolve_files(&base, &pattern).ok()?;
    (!crate::partitions::names(&base, &files).is_empty()).then_some(base)
}

/// A directory's tables by name: each one's file or pattern of parts, and
/// its format.
pub type Tables = std::collections::BTreeMap<String, (String, Format)>;

/// Tables in a directory (`swimlane compare DIR DIR`, `swimlane profile DIR`): each data file (by extension, or `--format`), and
/// each subdirectory of part files (`dir/*.ext`), by name.
pub fn tables_in(dir: &Path, format: Option<Format>) -> std::io::Result<Tables> {
    let mut tables = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            // A directory of parts: its files' common extension.
            let mut exts = std::fs::read_dir(&path)?
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    let f = format.or_else(|| Format::from_path(&n))?;
                    Some((
                        n.rsplit_once('.')
                            .map(|(_, x)| x.to_string())
                            .unwrap_or_default(),
                        f,
                    ))
                })
                .collect::<Vec<_>>();
            exts.sort_by(|a, b| a.0.cmp(&b.0));
            exts.dedup_by(|a, b| a.0 == b.0);
            if let [(ext, f)] = exts.as_slice() {
                tables.insert(name.clone(), (format!("{name}/*.{ext}"), *f));
            } else if exts.is_empty()
                && let Some((ext, f)) = partitioned(&path, format)
            {
                // A table written partitioned (`date=2026-01-01/`): each
                // level's values are read from the paths as a column. The
                // first level named as a partition, so that what lies
                // beside the partitions (Spark's `_temporary/`) is no part.
                tables.insert(name.clone(), (format!("{name}/{PARTITIONS}*.{ext}"), f));
            }
        } else if let Some(f) = format.or_else(|| Format::from_path(&name)) {
            let stem = name
                .rsplit_once('.')
                .map_or(name.as_str(), |(s, _)| s)
                .to_string();
            tables.insert(stem, (name, f));
        }
    }
    Ok(tables)
}

/// How [`tables_in`] names the files of a partitioned table below its
/// directory (then `*.parquet`, say): the first level named as a
/// partition, any below.
pub const PARTITIONS: &str = "*=*/**/";

/// The extension and format of the files of `dir` when it holds a table
/// split into partition directories (`date=2026-01-01/part-0.parquet`,
/// levels nested as deep as four): every entry but hidden and marker files
/// (`_SUCCESS`) a partition directory, and every file below them data of
/// one extension.
fn partitioned(dir: &Path, format: Option<Format>) -> Option<(String, Format)> {
    fn walk(
        dir: &Path,
        depth: u32,
        format: Option<Format>,
        found: &mut Vec<(String, Format)>,
    ) -> Option<()> {
        let mut any = false;
        for entry in std::fs::read_dir(dir).ok()? {
            let path = entry.ok()?.path();
            let name = path.file_name()?.to_string_lossy().into_owned();
            if name.starts_with(['.', '_']) {
                continue;
            }
            if path.is_dir() {
                // Only partition directories below the table's.
                let (key, _) = name.split_once('=')?;
                if key.is_empty() || depth == 0 {
                    return None;
                }
                walk(&path, depth - 1, format, found)?;
            } else if depth < 4 {
                // A data file in a partition.
                let f = format.or_else(|| Format::from_path(&name))?;
                found.push((name.rsplit_once('.').map(|(_, x)| x.to_string())?, f));
            } else {
                // Files beside the partitions, not in one.
                return None;
            }
            any = true;
        }
        any.then_some(())
    }
    let mut found = Vec::new();
    walk(dir, 4, format, &mut found)?;
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.dedup_by(|a, b| a.0 == b.0);
    match found.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// What [`tables_in`] reads as tables, for a help line.
pub const TABLES_OF_A_DIRECTORY: &str = "a directory's tables are its data files (.parquet, .csv, .ndjson/.jsonl, .arrow/.ipc; --format for others), its directories of part files, and its directories of partitions (`date=2026-01-01/`, each level a column)";

/// Subdirectories of `dir` that [`tables_in`] does not read as tables
/// though data files lie in them, each with why: a table split into
/// partition directories (`date=2026-01-01/`) beside other entries, or of
/// several formats; parts of several formats;
/// files only in deeper directories; data below a directory of parts,
/// which reads its own files only. Named, so that a comparison of
/// directories says what it left out rather than passing it over.
/// `tables`: what [`tables_in`] found in `dir`.
pub fn passed_over(dir: &Path, format: Option<Format>, tables: &Tables) -> Vec<(String, String)> {
    let data = |p: &Path| {
        p.is_file()
            && format
                .or_else(|| Format::from_path(&p.file_name().unwrap_or_default().to_string_lossy()))
                .is_some()
    };
    let entries = |p: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(p)
            .map(|r| r.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        v.retain(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        });
        v.sort();
        v
    };
    // The extension of a data file at most four directories down.
    fn data_ext(p: &Path, depth: u32, data: &dyn Fn(&Path) -> bool) -> Option<String> {
        let entries = std::fs::read_dir(p).ok()?;
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find_map(|c| {
                if data(&c) {
                    let ext = c.extension().unwrap_or_default().to_string_lossy();
                    Some(ext.into_owned())
                } else if depth > 0 && c.is_dir() {
                    data_ext(&c, depth - 1, data)
                } else {
                    None
                }
            })
    }
    let mut out = Vec::new();
    for sub in entries(dir).into_iter().filter(|p| p.is_dir()) {
        let name = sub
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if let Some((pattern, _)) = tables.get(&name) {
            // A directory of parts reads its own files only: data in its
            // subdirectories (Spark's `_temporary/` and hidden ones aside)
            // is named, not passed over.
            if !pattern.contains(PARTITIONS) {
                for child in entries(&sub).into_iter().filter(|c| c.is_dir()) {
                    let child_name = child.file_name().unwrap_or_default().to_string_lossy();
                    if child_name.starts_with('_') {
                        continue;
                    }
                    if let Some(ext) = data_ext(&child, 3, &data) {
                        out.push((
                            format!("{name}/{child_name}"),
                            format!("its files lie below the parts of table `{name}`, which reads only its own (`{pattern}`): name them with a glob (`{name}/{child_name}/**/*.{ext}`)"),
                        ));
                    }
                }
            }
            continue;
        }
        let Some(ext) = data_ext(&sub, 4, &data) else {
            continue;
        };
        let children = entries(&sub);
        let named = |p: &PathBuf| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        };
        let partitions: Vec<String> = children
            .iter()
            .filter(|c| c.is_dir() && named(c).contains('='))
            .map(named)
            .collect();
        let mut formats: Vec<String> = children
            .iter()
            .filter(|c| data(c))
            .filter_map(|c| named(c).rsplit_once('.').map(|(_, x)| x.to_string()))
            .collect();
        formats.sort();
        formats.dedup();
        let why = if let Some(first) = partitions.first() {
            let more = if partitions.len() > 1 { ", …" } else { "" };
            format!(
                "its partition directories (`{first}`{more}) lie beside other files or directories, or hold files of several formats: name the table's files with a glob (`{name}/**/*.{ext}`)"
            )
        } else if formats.len() > 1 {
            format!(
                "its files are of several formats ({}): name each table's files with a glob",
                formats.join(", ")
            )
        } else {
            format!(
                "its files lie in directories below it: name them with a glob (`{name}/**/*.{ext}`)"
            )
        };
        out.push((name, why));
    }
    out
}

/// Whether a side wrote `table`: its files, and for a database its table
/// (`Missing` and `NoRelation` when it did not). A query's rows are there
/// if the query runs, which reading tells. A PostgreSQL table's `pattern`
/// is its lane database's URL.
pub fn check_output(dir: &Path, pattern: &str, table: &Table) -> Result<(), LoadError> {
    let named = match &table.relation {
        Some(crate::config::Relation::Table(name)) => Some(name),
        _ => None,
    };
    if crate::config::PostgresUrl::parse(pattern).is_some() {
        if let Some(relation) = &table.relation
            && !crate::database::postgres::has_relation(pattern, relation)?
        {
            return Err(LoadError::NoRelation {
                relation: relation.describe(),
                database: crate::database::postgres::url_without_password(pattern),
            });
        }
        return Ok(());
    }
    let files = resolve_files(dir, pattern)?;
    if let Some(name) = named.filter(|_| table.format.is_database())
        && !crate::database::has_table(&files[0], name)?
    {
        return Err(LoadError::NoRelation {
            relation: format!("table `{name}`"),
            database: files[0].display().to_string(),
        });
    }
    Ok(())
}

/// The rows and column names of the table `pattern` under `dir`: from
/// the metadata where it says (Parquet, a DuckDB table), else read.
pub fn shape(dir: &Path, pattern: &str, table: &Table) -> Result<(u64, Vec<String>), LoadError> {
    if let Some(on_disk) = OnDisk::open(dir, pattern, table)?
        && let Some(rows) = on_disk.row_count()
    {
        let names = on_disk.schema.iter_names().map(|n| n.to_string()).collect();
        return Ok((rows, names));
    }
    let frame = load(dir, pattern, table)?.frame;
    let names = frame
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    Ok((frame.height() as u64, names))
}

/// The first names in `dir` (hidden ones left out), in name order, for a
/// message: a few dozen at most, the rest counted.
fn listing(dir: &Path) -> Vec<String> {
    const SHOWN: usize = 30;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    names.sort_unstable();
    if names.len() > SHOWN {
        let more = names.len() - SHOWN;
        names.truncate(SHOWN);
        names.push(format!("… {more} more"));
    }
    names
}

/// The files of `pattern` (a file, or a glob of part files) under `out_dir`,
/// in name order; at least one.
pub fn resolve_files(out_dir: &Path, pattern: &str) -> Result<Vec<PathBuf>, LoadError> {
    let missing = || LoadError::Missing {
        pattern: pattern.to_string(),
        dir: out_dir.to_path_buf(),
        found: listing(out_dir),
    };
    if !is_glob(pattern) {
        let path = out_dir.join(pattern);
        return if path.is_file() {
            Ok(vec![path])
        } else {
            Err(missing())
        };
    }
    let full = format!(
        "{}/{}",
        glob::Pattern::escape(&out_dir.to_string_lossy()),
        pattern
    );
    let paths = glob::glob(&full).map_err(|e| LoadError::Pattern {
        pattern: pattern.to_string(),
        message: e.msg.to_string(),
    })?;
    let mut files: Vec<PathBuf> = paths
        .filter_map(Result::ok)
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(missing());
    }
    Ok(files)
}

/// Reads one file of `table` with its own inferred schema.
pub fn read_file(path: &Path, table: &Table) -> Result<DataFrame, LoadError> {
    let err = LoadError::read(path, table.format, table.declared);
    let file = || File::open(path).map_err(|e| err(e.into()));
    match table.format {
        Format::Parquet => scan_parquet(path).and_then(|lf| lf.collect()).map_err(err),
        Format::Ipc => IpcReader::new(file()?).finish().map_err(err),
        // Dates and times stay text here: `load` types them over all parts.
        Format::Ndjson => JsonReader::new(file()?)
            .with_json_format(JsonFormat::JsonLines)
            .infer_schema_len(None)
            .finish()
            .map_err(|e| bad_json_line(path, table.declared).unwrap_or_else(|| err(e))),
        // Types from every row: a float that first appears in row 10,001
        // must not turn into a parse error or a silently wrong integer
        // column; and every row's fields are counted.
        Format::Csv => Ok(csv_file::read(path, table.delimiter, table.declared)?),
        // A file, or a PostgreSQL database's URL as `load` passes it (a
        // lane's, or one side of `swimlane compare`).
        Format::Sqlite | Format::Duckdb | Format::Postgres => {
            Ok(crate::database::read_at(path, relation(table, path)?)?)
        }
    }
}

/// The first line of an NDJSON file that is no JSON object, named by its
/// line and column (polars' reader counts characters within a record).
fn bad_json_line(path: &Path, declared: Declared) -> Option<LoadError> {
    use std::io::BufRead as _;
    let lines = std::io::BufReader::new(File::open(path).ok()?).split(b'\n');
    for (i, line) in lines.enumerate() {
        let line = line.ok()?;
        let text = line.strip_suffix(b"\r").unwrap_or(&line);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let problem = match serde_json::from_slice::<serde_json::Value>(text) {
            Err(e) => Some((e.column() as u64, e.to_string())),
            Ok(v) if !v.is_object() => Some((1, "a record is a JSON object, `{...}`".into())),
            Ok(_) => None,
        };
        if let Some((column, message)) = problem {
            // serde_json ends its message with the place, given apart.
            let message = match message.find(" at line ") {
                Some(at) => message[..at].to_string(),
                None => message,
            };
            return Some(LoadError::JsonLine {
                path: path.to_path_buf(),
                line: i as u64 + 1,
                column,
                message,
                declared,
            });
        }
    }
    None
}

/// The table or query a database table reads.
fn relation<'t>(table: &'t Table, path: &Path) -> Result<&'t crate::config::Relation, LoadError> {
    table.relation.as_ref().ok_or_else(|| LoadError::Read {
        path: path.to_path_buf(),
        format: table.format,
        declared: table.declared,
        source: PolarsError::ComputeError(
            format!(
                "{} is a database, not one table: compare the database files themselves (`swimlane compare BASE.{ext} HEAD.{ext}` pairs their tables by name), or name a table with `table =` in a --spec",
                path.display(),
                ext = table.format.as_str()
            )
            .into(),
        ),
    })
}

/// Column `name` of the Parquet file `path`, its `len` rows from `offset`
/// (the row groups they lie in read).
fn parquet_slice(path: &Path, name: &str, offset: usize, len: usize) -> PolarsResult<Series> {
    let df = scan_parquet(path)?
        .select([col(name)])
        .slice(offset as i64, len as IdxSize)
        .collect()?;
    Ok(df.column(name)?.as_materialized_series().clone())
}

/// Polars' streaming Parquet scan: it decodes string columns several times
/// faster than the eager reader.
pub(crate) fn scan_parquet(path: &Path) -> PolarsResult<LazyFrame> {
    LazyFrame::scan_parquet(PlRefPath::try_from_path(path)?, ScanArgsParquet::default())
}

fn check_same_schema(
    first: &DataFrame,
    first_path: &Path,
    part: &DataFrame,
    part_path: &Path,
    declared: Declared,
) -> Result<(), LoadError> {
    let mixed = |column: &str, a: String, b: String| LoadError::MixedParts {
        declared,
        column: column.to_string(),
        first: first_path.to_path_buf(),
        first_type: a,
        other: part_path.to_path_buf(),
        other_type: b,
    };
    let a = first.schema();
    let b = part.schema();
    for (name, dtype) in a.iter() {
        match b.get(name) {
            Some(other) if other == dtype => {}
            Some(other) => return Err(mixed(name, dtype.to_string(), other.to_string())),
            None => return Err(mixed(name, dtype.to_string(), "absent".into())),
        }
    }
    if let Some((name, dtype)) = b.iter().find(|(n, _)| a.get(n).is_none()) {
        return Err(mixed(name, "absent".into(), dtype.to_string()));
    }
    if a.iter_names().ne(b.iter_names()) {
        // Same columns in another order: align to the first part.
        return Ok(());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::CompareMode;

    fn table(path: &str, format: Format) -> Table {
        Table {
            key: vec!["id".into()],
            ..Table::new("t", path, format, CompareMode::Exact)
        }
    }

    /// `t.parquet` in `dir`, left on disk.
    fn parquet_on_disk(dir: &Path) -> OnDisk {
        OnDisk::open(dir, "t.parquet", &table("t.parquet", Format::Parquet))
            .unwrap()
            .expect("a Parquet file is read a column at a time")
    }

    #[test]
    fn memory_budget_sizes_and_columns_in_flight() {
        assert_eq!(MemoryBudget::parse("8GiB").unwrap().0, 8 << 30);
        assert_eq!(MemoryBudget::parse("512 MiB").unwrap().0, 512 << 20);
        assert_eq!(MemoryBudget::parse("1000").unwrap().0, 1000);
        assert!(MemoryBudget::parse("lots").is_err());
        let threads = rayon::current_num_threads();
        // Three times a pair of 1 GiB must fit: 4 GiB holds one at a time.
        assert_eq!(MemoryBudget(4 << 30).columns_in_flight(1 << 30), 1);
        assert_eq!(MemoryBudget(1 << 10).columns_in_flight(1 << 30), 1);
        assert_eq!(MemoryBudget(u64::MAX).columns_in_flight(1 << 30), threads);
        assert_eq!(
            MemoryBudget(6 << 30).columns_in_flight(1 << 30),
            2.min(threads)
        );
        // A keyed distribution table's pairing asks for one slot more.
        assert_eq!(
            MemoryBudget(u64::MAX).slots(1 << 30, threads + 1),
            threads + 1
        );
        assert_eq!(MemoryBudget(6 << 30).slots(1 << 30, 5), 2);
        assert_eq!(MemoryBudget(1 << 10).slots(1 << 30, 5), 1);
    }

    #[test]
    fn on_disk_tables_estimate_each_column_once_read() {
        let dir = tempfile::tempdir().unwrap();
        let n = 10_000usize;
        let mut df = df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "flag" => (0..n).map(|i| i % 2 == 0).collect::<Vec<_>>(),
            // Three distinct values: dictionary pages are tiny, the column
            // once read is a 16-byte view per row.
            "country" => (0..n).map(|i| ["US", "FR", "DE"][i % 3]).collect::<Vec<_>>(),
        )
        .unwrap();
        ParquetWriter::new(File::create(dir.path().join("t.parquet")).unwrap())
            .finish(&mut df)
            .unwrap();
        let t = parquet_on_disk(dir.path());
        // Plain-encoded pages: the values plus page headers.
        let id = t.column_bytes["id"];
        assert!((8 * n as u64..9 * n as u64).contains(&id), "{id}");
        assert_eq!(t.column_bytes["flag"], n as u64);
        assert_eq!(t.column_bytes["country"], 16 * n as u64);
        assert!(
            t.columns(&["country".into()])
                .unwrap()
                .equals(&df.select(["country"]).unwrap())
        );
        // CSV cannot be read a column at a time.
        std::fs::write(dir.path().join("t.csv"), "id\n1\n").unwrap();
        assert!(
            OnDisk::open(dir.path(), "t.csv", &table("t.csv", Format::Csv))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_column_read_ahead_is_taken_by_the_read_that_follows_and_seen_once() {
        let dir = tempfile::tempdir().unwrap();
        let n = 1_000usize;
        let mut df = df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "x" => (0..n).map(|i| i as f64 / 7.0).collect::<Vec<_>>(),
        )
        .unwrap();
        ParquetWriter::new(File::create(dir.path().join("t.parquet")).unwrap())
            .finish(&mut df)
            .unwrap();
        let mut t = parquet_on_disk(dir.path());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = std::sync::Arc::clone(&seen);
        t.observe(std::sync::Arc::new(move |s: &Series| {
            log.lock().unwrap().push(s.name().to_string());
        }));
        let x = df.column("x").unwrap().as_materialized_series().clone();
        // Read ahead, then read whole: the same values, seen at the read ahead.
        t.read_ahead("x");
        assert_eq!(*seen.lock().unwrap(), ["x"]);
        assert!(t.column("x").unwrap().equals_missing(&x));
        assert_eq!(*seen.lock().unwrap(), ["x"]);
        // Taken: the next read reads the file again.
        assert!(t.column("x").unwrap().equals_missing(&x));
        assert_eq!(*seen.lock().unwrap(), ["x", "x"]);
        // A read of another column leaves the one read ahead held; a
        // filtered read of it filters what was read ahead.
        t.read_ahead("x");
        assert!(
            t.column("id")
                .unwrap()
                .equals_missing(df.column("id").unwrap().as_materialized_series())
        );
        let mask: BooleanChunked = (0..n).map(|i| i % 3 == 0).collect();
        let filtered = t.column_filtered("x", &mask).unwrap();
        assert!(filtered.equals_missing(&x.filter(&mask).unwrap()));
        assert_eq!(*seen.lock().unwrap(), ["x", "x", "x", "id"]);
        // Without an observer, a filtered read reads the file in slices,
        // but takes a column read ahead first.
        let plain = parquet_on_disk(dir.path());
        plain.read_ahead("x");
        let filtered = plain.column_filtered("x", &mask).unwrap();
        assert!(filtered.equals_missing(&x.filter(&mask).unwrap()));
        assert!(plain.ahead.lock().unwrap().is_none());
        // A column the file lacks keeps nothing; its read fails as before.
        t.read_ahead("nope");
        assert!(t.column("nope").is_err());
    }

    #[test]
    fn a_column_read_in_slices_gives_every_row_once_in_order_from_its_first() {
        // Two part files, row groups of 300 rows, slices of 700 (in tests):
        // slices across row groups, a short one at each file's end.
        let dir = tempfile::tempdir().unwrap();
        let (n, cut) = (2_500usize, 1_600i64);
        let df = df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "s" => (0..n).map(|i| (i % 9 != 4).then(|| format!("text {i}"))).collect::<Vec<_>>(),
        )
        .unwrap();
        for (i, mut part) in [df.slice(0, cut as usize), df.slice(cut, usize::MAX)]
            .into_iter()
            .enumerate()
        {
            ParquetWriter::new(File::create(dir.path().join(format!("t-{i}.parquet"))).unwrap())
                .with_row_group_size(Some(300))
                .finish(&mut part)
                .unwrap();
        }
        let t = parquet_on_disk_named(dir.path(), "t-*.parquet");
        assert!(t.reads_in_slices("s"));
        let mut firsts = Vec::new();
        let mut read: Option<Series> = None;
        t.for_each_slice("s", |first, slice| {
            firsts.push((first, slice.len()));
            match &mut read {
                None => read = Some(slice),
                Some(r) => {
                    r.append(&slice)?;
                }
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(
            firsts,
            [(0, 700), (700, 700), (1400, 200), (1600, 700), (2300, 200)]
        );
        let s = df.column("s").unwrap().as_materialized_series();
        assert!(read.unwrap().equals_missing(s));
        // What the function fails with is the failure, as it is; no slice
        // is handed on after it.
        let mut handed = 0;
        let failed = t.for_each_slice("s", |first, _| {
            handed += 1;
            match first {
                700 => polars_bail!(ComputeError: "stopped at row {first}"),
                _ => Ok(()),
            }
        });
        assert_eq!(handed, 2);
        assert!(
            failed
                .unwrap_err()
                .to_string()
                .contains("stopped at row 700")
        );
        // Not in slices: a column read ahead (taken whole), or one a
        // profile watches.
        t.read_ahead("s");
        assert!(!t.reads_in_slices("s") && t.reads_in_slices("id"));
        let mut watched = parquet_on_disk_named(dir.path(), "t-*.parquet");
        watched.observe(std::sync::Arc::new(|_: &Series| {}));
        assert!(!watched.reads_in_slices("s"));
    }

    /// The Parquet files `pattern` in `dir`, left on disk.
    fn parquet_on_disk_named(dir: &Path, pattern: &str) -> OnDisk {
        OnDisk::open(dir, pattern, &table(pattern, Format::Parquet))
            .unwrap()
            .unwrap()
    }

    #[test]
    fn each_side_keeps_its_own_inferred_type() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "id,x\n1,1400\n2,1401\n").unwrap();
        std::fs::write(dir.path().join("b.csv"), "id,x\n1,1400.0\n2,1401.0\n").unwrap();
        let a = load_table(dir.path(), &table("a.csv", Format::Csv)).unwrap();
        let b = load_table(dir.path(), &table("b.csv", Format::Csv)).unwrap();
        assert_eq!(a.frame.column("x").unwrap().dtype(), &DataType::Int64);
        assert_eq!(b.frame.column("x").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn late_float_is_inferred_from_all_rows() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("id,x\n");
        for i in 0..20_000 {
            text.push_str(&format!("{i},{i}\n"));
        }
        text.push_str("20000,0.5\n");
        std::fs::write(dir.path().join("a.csv"), text).unwrap();
        let a = load_table(dir.path(), &table("a.csv", Format::Csv)).unwrap();
        assert_eq!(a.frame.column("x").unwrap().dtype(), &DataType::Float64);
    }

    #[test]
    fn a_glob_splits_at_its_first_wildcard_and_a_file_at_its_name() {
        let split = |p: &str| {
            let (dir, pattern) = dir_and_pattern(Path::new(p));
            (dir.to_string_lossy().into_owned(), pattern)
        };
        assert_eq!(
            split("out/plays/*/*.parquet"),
            ("out/plays".into(), "*/*.parquet".into())
        );
        assert_eq!(
            split("out/plays/**/*.csv"),
            ("out/plays".into(), "**/*.csv".into())
        );
        assert_eq!(split("out/part-*.csv"), ("out".into(), "part-*.csv".into()));
        assert_eq!(split("*.csv"), (".".into(), "*.csv".into()));
        assert_eq!(
            split("/data/x.parquet"),
            ("/data".into(), "x.parquet".into())
        );
        assert_eq!(split("x.parquet"), (".".into(), "x.parquet".into()));
    }

    #[test]
    fn glob_parts_are_concatenated_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("t")).unwrap();
        std::fs::write(dir.path().join("t/part-1.csv"), "id\n3\n").unwrap();
        std::fs::write(dir.path().join("t/part-0.csv"), "id\n1\n2\n").unwrap();
        let t = load_table(dir.path(), &table("t/part-*.csv", Format::Csv)).unwrap();
        assert_eq!(t.files.len(), 2);
        let ids: Vec<i64> = t
            .frame
            .column("id")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        assert_eq!(ids, [1, 2, 3]);
    }

    #[test]
    fn mixed_part_types_name_both_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("p0.csv"), "id\n1\n").unwrap();
        std::fs::write(dir.path().join("p1.csv"), "id\nx\n").unwrap();
        let err = load_table(dir.path(), &table("p*.csv", Format::Csv))
            .err()
            .unwrap();
        let msg = err.to_string();
        assert!(msg.contains("column `id` is i64"), "{msg}");
        assert!(msg.contains("p1.csv"), "{msg}");
    }

    #[test]
    fn missing_output_names_pattern_and_dir() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_table(dir.path(), &table("gone.parquet", Format::Parquet))
            .err()
            .unwrap();
        assert!(
            err.to_string()
                .contains("no output file matches `gone.parquet`")
        );
        let err = load_table(dir.path(), &table("x/*.parquet", Format::Parquet))
            .err()
            .unwrap();
        assert!(matches!(err, LoadError::Missing { .. }));
        assert_eq!(
            err.help().as_deref(),
            Some("the directory is empty: check the stage's output path")
        );
    }

    #[test]
    fn a_misnamed_output_is_answered_with_what_the_directory_holds() {
        // Was the pattern and the lane's directory alone, a temporary one
        // removed when the run ends: nothing to look at.
        let dir = tempfile::tempdir().unwrap();
        for name in ["viewing.csv", "features.csv", ".hidden"] {
            std::fs::write(dir.path().join(name), "a\n1\n").unwrap();
        }
        let err = load_table(dir.path(), &table("veiwing.csv", Format::Csv))
            .err()
            .unwrap();
        assert_eq!(
            err.help().as_deref(),
            Some("did you mean `viewing.csv`? the directory holds: features.csv, viewing.csv")
        );
    }

    #[test]
    fn a_broken_ndjson_record_is_named_by_its_line_and_column() {
        // Was "Syntax at character 7 (',')": no line, and a column within
        // the record.
        let dir = tempfile::tempdir().unwrap();
        for (text, place) in [
            (
                "{\"id\":1}\n\n{\"id\":2,\n",
                "t.ndjson:3:8: not a JSON record: EOF while parsing a value",
            ),
            (
                "{\"id\":1}\r\n[1, 2]\r\n",
                "t.ndjson:2:1: not a JSON record: a record is a JSON object",
            ),
        ] {
            std::fs::write(dir.path().join("t.ndjson"), text).unwrap();
            let err = load_table(dir.path(), &table("t.ndjson", Format::Ndjson))
                .err()
                .unwrap();
            let chain = crate::error::chain(&err);
            assert!(chain.contains(place), "{chain}");
            assert!(err.help().unwrap().contains("one JSON object per line"));
        }
    }

    #[test]
    fn ndjson_ipc_and_parquet_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut df = df!("id" => [1i64, 2], "s" => ["a", "b"]).unwrap();
        ParquetWriter::new(File::create(dir.path().join("t.parquet")).unwrap())
            .finish(&mut df)
            .unwrap();
        IpcWriter::new(File::create(dir.path().join("t.arrow")).unwrap())
            .finish(&mut df)
            .unwrap();
        std::fs::write(
            dir.path().join("t.ndjson"),
            "{\"id\":1,\"s\":\"a\"}\n{\"id\":2,\"s\":\"b\"}\n",
        )
        .unwrap();
        for (path, format) in [
            ("t.parquet", Format::Parquet),
            ("t.arrow", Format::Ipc),
            ("t.ndjson", Format::Ndjson),
        ] {
            let t = load_table(dir.path(), &table(path, format)).unwrap();
            assert!(t.frame.equals(&df), "{path}: {:?}", t.frame);
        }
    }

    /// A column of dates in one part of an NDJSON table and of other text
    /// in another is text in both: typed over the parts together, not a
    /// mix of parts.
    #[test]
    fn ndjson_parts_are_typed_together() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("t")).unwrap();
        let part = |name: &str, d: &str, e: &str| {
            let text = format!("{{\"id\":1,\"d\":\"{d}\",\"e\":\"{e}\"}}\n");
            std::fs::write(dir.path().join("t").join(name), text).unwrap();
        };
        part("p1.ndjson", "2024-03-01", "2024-03-01");
        part("p2.ndjson", "n/a", "2024-03-02");
        let t = load_table(dir.path(), &table("t/*.ndjson", Format::Ndjson)).unwrap();
        assert_eq!(t.frame.dtypes()[1..], [DataType::String, DataType::Date]);
        assert_eq!(t.frame.height(), 2);
    }

    /// Regression: NDJSON's ISO dates and times stayed text (so a
    /// distribution table tested instants as categories) where the same
    /// values in CSV are dates and times.
    #[test]
    fn iso_dates_in_ndjson_read_as_dates_and_times_as_in_csv() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            r#"{"id":1,"d":"2024-03-01","t":"2024-03-01 10:00:00.5","z":"2024-03-01T10:00:00Z","s":"2024-03-01","e":"2024-03-01"}"#,
            r#"{"id":2,"d":null,"t":"2024-03-02","z":"2024-03-01T12:00:00+02:00","s":"03/02/2024","e":""}"#,
        ];
        std::fs::write(dir.path().join("t.ndjson"), rows.join("\n")).unwrap();
        let csv = "id,d,t,z,s,e\n1,2024-03-01,2024-03-01 10:00:00.5,2024-03-01T10:00:00Z,2024-03-01,2024-03-01\n\
                   2,,2024-03-02,2024-03-01T12:00:00+02:00,03/02/2024,\"\"\n";
        std::fs::write(dir.path().join("t.csv"), csv).unwrap();
        let json = load_table(dir.path(), &table("t.ndjson", Format::Ndjson)).unwrap();
        let csv = load_table(dir.path(), &table("t.csv", Format::Csv)).unwrap();
        let us = TimeUnit::Microseconds;
        assert_eq!(
            json.frame.dtypes()[1..],
            [
                DataType::Date,
                DataType::Datetime(us, None),
                DataType::Datetime(us, Some(TimeZone::UTC)),
                // Not every value a date, or an empty string: text.
                DataType::String,
                DataType::String,
            ]
        );
        assert!(
            json.frame.equals_missing(&csv.frame),
            "{:?}\n{:?}",
            json.frame,
            csv.frame
        );
    }
}
