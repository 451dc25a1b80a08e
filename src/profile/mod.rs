//! Profiles: the aggregates of one side of a table (row count, duplicate
//! keys, per column nulls, distinct values, and for numbers the moments,
//! p01/p50/p99 and a quantile sketch; for text the empty share and the top
//! values), computed where the data is: from a loaded frame, or from disk a
//! column at a time. The model is `model::profile`; history stores it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use polars::prelude::*;
use polars_arrow::array::{Array as _, Utf8ViewArray, View};
use rayon::prelude::*;

use crate::load::OnDisk;
use crate::model::profile::{
    ColumnProfile, NumberProfile, Profile, SKETCH_STEPS, Sketch, TextProfile,
};
use crate::stats::{distinct, quantiles, summary};
use crate::wide::{Wide, by_width};

mod pair;
use pair::Pairing;
pub use pair::{Pair, of_pair};

/// Top values kept per text column...
pub const TOP_VALUES: usize = 10;
/// ...of at most this many distinct values (estimated).
pub const TOP_OF_DISTINCT: u64 = 10_000;
/// Columns of at most this many values have their distinct values counted
/// exactly; larger ones estimate them (HyperLogLog, about 1%). On a small
/// table the estimate's noise (±5 on 1,000 values) is a change of level to
/// the history's change points, and counting is cheap there.
pub const EXACT_DISTINCT_UP_TO: usize = 1 << 17;

/// Whether the distinct values of a column of `values` non-null values
/// are counted (else estimated).
fn counted(values: usize) -> bool {
    values <= EXACT_DISTINCT_UP_TO
}

/// The profile of a loaded table. `duplicate_keys` comes from the
/// comparison, which counted them.
pub fn of_frame(df: &DataFrame, duplicate_keys: Option<u64>) -> PolarsResult<Profile> {
    let columns = df
        .columns()
        .par_iter()
        .map(|c| column(c.as_materialized_series()))
        .collect::<PolarsResult<Vec<_>>>()?;
    Ok(Profile {
        row_count: df.height() as u64,
        duplicate_keys,
        columns,
    })
}

/// The profiles of a table's two loaded sides. A head column that reads
/// bit for bit as base's column of its name (see [`bit_for_bit`]) takes
/// base's profile; every other column of either side is profiled, both
/// sides' at once.
pub fn of_frames(
    (base, head): (&DataFrame, &DataFrame),
    (base_dups, head_dups): (Option<u64>, Option<u64>),
) -> (PolarsResult<Profile>, PolarsResult<Profile>) {
    fn series(df: &DataFrame) -> Vec<&Series> {
        df.columns()
            .iter()
            .map(Column::as_materialized_series)
            .collect()
    }
    let (bs, hs) = (series(base), series(head));
    let twin: Vec<Option<usize>> = hs
        .par_iter()
        .map(|h| {
            let at = bs.iter().position(|b| b.name() == h.name())?;
            bit_for_bit(bs[at], h).then_some(at)
        })
        .collect();
    let todo: Vec<&Series> = bs
        .iter()
        .copied()
        .chain(
            hs.iter()
                .zip(&twin)
                .filter(|(_, t)| t.is_none())
                .map(|(h, _)| *h),
        )
        .collect();
    let mut done = todo.par_iter().map(|s| column(s)).collect::<Vec<_>>();
    let head_done = done.split_off(bs.len());
    let profile = |columns: PolarsResult<Vec<ColumnProfile>>, df: &DataFrame, dups| {
        Ok(Profile {
            row_count: df.height() as u64,
            duplicate_keys: dups,
            columns: columns?,
        })
    };
    let mut head_done = head_done.into_iter();
    let head_columns = twin
        .iter()
        .map(|t| match t {
            Some(at) => done[*at].clone(),
            None => head_done.next().expect("one profile per column not a twin"),
        })
        .collect();
    (
        profile(done.into_iter().collect(), base, base_dups),
        profile(head_columns, head, head_dups),
    )
}

/// Profiles a table left on disk from the reads its comparison makes:
/// installed as the table's observer, it profiles each column the first
/// time it is read whole; [`Collector::finish`] reads the columns the
/// comparison did not (ignored ones, say) and assembles the profile in the
/// table's column order.
///
/// A column is profiled on a thread of its own beside the comparison, up
/// to `beside` at once (past them, and with none, on the thread that read
/// it): on the reading thread, the comparison of the next column waited
/// for each profile, and the cores stood idle between a table's reads
/// and comparisons while a profile ran on one of them (the 10M-row pair in
/// key order, 2.55 s with its profiles against 2.42 s beside, 2.07 s
/// without: BENCHMARKS.md, fortieth session). Each thread holds its
/// column until it is profiled. A column whose pair the comparison
/// announced (see [`Pair`]) waits instead for the comparison to tell what
/// its two sides share, and both are then profiled at once ([`of_pair`]).
#[derive(Default)]
pub struct Collector {
    seen: Mutex<Vec<ColumnProfile>>,
    /// The columns whose profile was begun (each once).
    begun: Mutex<Vec<String>>,
    error: Mutex<Option<String>>,
    rows: std::sync::atomic::AtomicU64,
    twins: Option<Arc<Twins>>,
    /// The profiles running beside the comparison, at most `beside`.
    beside: usize,
    running: Mutex<Vec<(String, std::thread::JoinHandle<()>)>>,
    /// What this side shares with the other side's collector: the columns
    /// held for their pair's profile, and its running profiles.
    pairing: Option<Arc<Pairing>>,
    /// This collector's side: 0 base, 1 head.
    side: usize,
}

/// A lock on data that a panicking holder cannot leave half-changed (each
/// holder changes it in one step).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Collector {
    /// A collector for each side of one table, each profiling up to
    /// `beside` columns at once beside the comparison (and up to `beside`
    /// pairs of columns, see [`Pair`]): a column that reads bit for bit as
    /// the other side's did takes its profile (see [`Twins`]).
    pub fn pair(beside: usize) -> (Arc<Collector>, Arc<Collector>) {
        let twins = Arc::new(Twins::default());
        let pairing = Arc::new(Pairing::default());
        let side = |side| {
            Arc::new(Collector {
                twins: Some(Arc::clone(&twins)),
                beside,
                pairing: Some(Arc::clone(&pairing)),
                side,
                ..Collector::default()
            })
        };
        (side(0), side(1))
    }

    /// The observer to install with [`OnDisk::observe`].
    pub fn observer(self: &Arc<Self>) -> crate::load::Observer {
        let me = Arc::clone(self);
        Arc::new(move |s: &Series| me.see(s))
    }

    fn see(self: &Arc<Self>, s: &Series) {
        self.rows
            .store(s.len() as u64, std::sync::atomic::Ordering::Relaxed);
        {
            let mut begun = lock(&self.begun);
            if begun.iter().any(|n| n == s.name().as_str()) {
                return;
            }
            begun.push(s.name().to_string());
        }
        if let Some(pairing) = &self.pairing {
            let mut waiting = lock(&pairing.waiting);
            if waiting.expects(self.side, s.name()) {
                waiting.held[self.side].insert(s.name().to_string(), s.clone());
                return;
            }
        }
        self.start(s.clone());
    }

    /// Profiles `s` beside the comparison, or here when `beside` run.
    fn start(self: &Arc<Self>, s: Series) {
        let me = Arc::clone(self);
        let name = s.name().to_string();
        beside_or_here(&self.running, self.beside, &self.error, &name, move || {
            me.profile(&s)
        });
    }

    /// Profiles `s` (or takes its twin's profile) and keeps it.
    fn profile(&self, s: &Series) {
        let claim = self.twins.as_ref().map(|t| t.claim(s));
        let twin = match &claim {
            Some(Claim::Twin(slot)) => slot.wait().clone(),
            _ => None,
        };
        let result = twin.map_or_else(|| column(s), Ok);
        if let Some(Claim::Own(Some(slot))) = claim {
            slot.fill(result.as_ref().ok().cloned());
        }
        match result {
            // (Once a column: `see` begins each column's profile once.)
            Ok(p) => lock(&self.seen).push(p),
            Err(e) => {
                lock(&self.error).get_or_insert(e.to_string());
            }
        }
    }

    /// The profile of `table` (whose observer this is): columns not seen
    /// yet are read now, and every profile beside the comparison waited
    /// for.
    pub fn finish(
        self: &Arc<Self>,
        table: &OnDisk,
        duplicate_keys: Option<u64>,
    ) -> PolarsResult<Profile> {
        if let Some(pairing) = &self.pairing {
            // Columns held for a pair the comparison did not tell of (it
            // stopped short): each profiled on its own.
            let held = {
                let mut waiting = lock(&pairing.waiting);
                waiting.expected.clear();
                std::mem::take(&mut waiting.held[self.side])
            };
            held.into_values().for_each(|s| self.start(s));
        }
        for name in table.schema.iter_names() {
            if !lock(&self.begun).iter().any(|n| n == name.as_str()) {
                // Read to be seen: the observer profiles it.
                let _seen = table
                    .column(name)
                    .map_err(crate::load::LoadError::into_polars)?;
            }
        }
        join_finished(&mut lock(&self.running), true, &self.error);
        if let Some(pairing) = &self.pairing {
            // (Both sides' finish wait here until every pair is done.)
            join_finished(&mut lock(&pairing.running), true, &pairing.error);
            if let Some(e) = lock(&pairing.error).clone() {
                return Err(PolarsError::ComputeError(e.into()));
            }
        }
        if let Some(e) = lock(&self.error).take() {
            return Err(PolarsError::ComputeError(e.into()));
        }
        let mut seen = std::mem::take(&mut *lock(&self.seen));
        let columns = table
            .schema
            .iter_names()
            .filter_map(|n| {
                let i = seen.iter().position(|c| c.name == n.as_str())?;
                Some(seen.swap_remove(i))
            })
            .collect();
        let rows = table
            .row_count()
            .unwrap_or_else(|| self.rows.load(std::sync::atomic::Ordering::Relaxed));
        Ok(Profile {
            row_count: rows,
            duplicate_keys,
            columns,
        })
    }
}

/// Runs `job` (the profile of column `name`) on a thread of its own when
/// fewer than `beside` of `running` run, else here (and where the system
/// would not start a thread).
fn beside_or_here(
    running: &Mutex<Vec<(String, std::thread::JoinHandle<()>)>>,
    beside: usize,
    error: &Mutex<Option<String>>,
    name: &str,
    job: impl FnOnce() + Send + 'static,
) {
    let mut threads = lock(running);
    join_finished(&mut threads, false, error);
    let job = Arc::new(Mutex::new(Some(job)));
    if threads.len() < beside {
        let theirs = Arc::clone(&job);
        let spawned = std::thread::Builder::new()
            .name("profile".into())
            .spawn(move || {
                if let Some(job) = lock(&theirs).take() {
                    job();
                }
            });
        if let Ok(handle) = spawned {
            threads.push((name.to_string(), handle));
            return;
        }
    }
    drop(threads);
    if let Some(job) = lock(&job).take() {
        job();
    }
}

/// Joins the threads in `running` that are done (`all`: every one,
/// waiting for it), keeping in `error` that of one that panicked.
fn join_finished(
    running: &mut Vec<(String, std::thread::JoinHandle<()>)>,
    all: bool,
    error: &Mutex<Option<String>>,
) {
    let mut i = 0;
    while i < running.len() {
        if !all && !running[i].1.is_finished() {
            i += 1;
            continue;
        }
        let (name, handle) = running.swap_remove(i);
        if handle.join().is_err() {
            lock(error).get_or_insert(format!("profiling column `{name}` failed (a panic)"));
        }
    }
}

/// What a table's two collectors share: each column profiled, and a weak
/// hold on the values it was profiled from. A pull request leaves most
/// columns as they were, and the comparison reads a column's two sides
/// one after the other: the second, when it is bit for bit the first
/// (values, null slots and chunks alike), takes the first's profile
/// instead of computing it again, waiting for it if it is being computed.
/// The hold keeps no values alive: once the comparison (and the first's
/// profile) lets a column go, its twin is profiled as any column.
#[derive(Default)]
pub struct Twins {
    seen: Mutex<HashMap<String, Kept>>,
}

/// A column's values, held weakly, and their profile once computed.
type Kept = (std::sync::Weak<dyn SeriesTrait>, Arc<Slot>);

/// A column's profile once computed: `None` when computing it failed (its
/// twin computes its own then).
#[derive(Default)]
struct Slot(std::sync::OnceLock<Option<ColumnProfile>>);

impl Slot {
    /// The profile, waiting for it to be computed.
    fn wait(&self) -> &Option<ColumnProfile> {
        self.0.wait()
    }

    fn fill(&self, profile: Option<ColumnProfile>) {
        let _first = self.0.set(profile);
    }
}

/// What [`Twins::claim`] says to a column's profiler.
enum Claim {
    /// Take the profile of the other side's column, which reads bit for
    /// bit as this one.
    Twin(Arc<Slot>),
    /// Compute it; and fill the slot, for the twin, if there is one (the
    /// first column of its name).
    Own(Option<SlotGuard>),
}

/// A slot its column's profiler must fill: left unfilled (the profiler
/// panicked), it is filled with nothing when let go, so that no twin
/// waits for ever.
struct SlotGuard(Arc<Slot>);

impl std::ops::Deref for SlotGuard {
    type Target = Slot;
    fn deref(&self) -> &Slot {
        &self.0
    }
}

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.fill(None);
    }
}

impl Twins {
    /// Whether `s` is the twin of a column kept under its name (still
    /// held by someone, and reading bit for bit as `s`); else, when no
    /// column of its name is kept, `s` is kept, its profile to come.
    fn claim(&self, s: &Series) -> Claim {
        let name = s.name().as_str();
        let kept = lock(&self.seen)
            .get(name)
            .map(|(weak, slot)| (weak.upgrade().map(Series), Arc::clone(slot)));
        match kept {
            Some((Some(other), slot)) if bit_for_bit(&other, s) => Claim::Twin(slot),
            Some(_) => Claim::Own(None),
            None => {
                let mut seen = lock(&self.seen);
                // (Another may have been kept since the look above.)
                if seen.contains_key(name) {
                    return Claim::Own(None);
                }
                let slot = Arc::new(Slot::default());
                seen.insert(name.to_string(), (Arc::downgrade(&s.0), Arc::clone(&slot)));
                Claim::Own(Some(SlotGuard(slot)))
            }
        }
    }
}

/// Whether two columns read bit for bit alike: type, chunks, validity,
/// and every slot's bits (null slots too). Where this says no, a column
/// is profiled on its own, so it may say no to equal columns laid out
/// apart; it says yes only where a profile cannot differ. Numbers and
/// text; other types are never twins.
fn bit_for_bit(a: &Series, b: &Series) -> bool {
    use polars_arrow::array::PrimitiveArray;
    use polars_arrow::bitmap::Bitmap;
    fn validity(x: Option<&Bitmap>, y: Option<&Bitmap>) -> bool {
        match (x, y) {
            (None, None) => true,
            (Some(x), Some(y)) => x.as_slice() == y.as_slice(),
            _ => false,
        }
    }
    /// Values compared as their bytes: bit for bit, floats too (-0.0 is
    /// not 0.0, a NaN is its own payload).
    fn primitive<T: polars_arrow::types::NativeType>(
        x: &dyn polars_arrow::array::Array,
        y: &dyn polars_arrow::array::Array,
    ) -> bool {
        let (x, y) = (x.as_any(), y.as_any());
        match (
            x.downcast_ref::<PrimitiveArray<T>>(),
            y.downcast_ref::<PrimitiveArray<T>>(),
        ) {
            (Some(x), Some(y)) => {
                bytemuck::cast_slice::<T, u8>(x.values())
                    == bytemuck::cast_slice::<T, u8>(y.values())
            }
            _ => false,
        }
    }
    fn text(x: &dyn polars_arrow::array::Array, y: &dyn polars_arrow::array::Array) -> bool {
        let (x, y) = (x.as_any(), y.as_any());
        match (
            x.downcast_ref::<Utf8ViewArray>(),
            y.downcast_ref::<Utf8ViewArray>(),
        ) {
            (Some(x), Some(y)) => {
                let (bx, by) = (x.data_buffers(), y.data_buffers());
                x.views().as_slice() == y.views().as_slice()
                    && bx.len() == by.len()
                    && bx
                        .iter()
                        .zip(by.iter())
                        .all(|(p, q)| p.as_slice() == q.as_slice())
            }
            _ => false,
        }
    }
    if a.dtype() != b.dtype()
        || a.len() != b.len()
        || a.null_count() != b.null_count()
        || a.chunks().len() != b.chunks().len()
    {
        return false;
    }
    let physical = a.dtype().to_physical();
    a.chunks().iter().zip(b.chunks()).all(|(x, y)| {
        let (x, y) = (x.as_ref(), y.as_ref());
        x.len() == y.len()
            && validity(x.validity(), y.validity())
            && match physical {
                DataType::Float64 => primitive::<f64>(x, y),
                DataType::Float32 => primitive::<f32>(x, y),
                DataType::Int64 => primitive::<i64>(x, y),
                DataType::Int32 => primitive::<i32>(x, y),
                DataType::Int16 => primitive::<i16>(x, y),
                DataType::Int8 => primitive::<i8>(x, y),
                DataType::UInt64 => primitive::<u64>(x, y),
                DataType::UInt32 => primitive::<u32>(x, y),
                DataType::UInt16 => primitive::<u16>(x, y),
                DataType::UInt8 => primitive::<u8>(x, y),
                DataType::String => text(x, y),
                _ => false,
            }
    })
}

/// Why a path could not be profiled.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot tell the format of {}", path.display())]
    Format { path: std::path::PathBuf },
    #[error(transparent)]
    Load(#[from] Box<crate::load::LoadError>),
    #[error("cannot profile {}", path.display())]
    Polars {
        path: std::path::PathBuf,
        #[source]
        source: PolarsError,
    },
    #[error("key column `{key}` is not in {}", path.display())]
    NoKey {
        key: String,
        path: std::path::PathBuf,
        /// The file's columns.
        columns: Vec<String>,
    },
}

impl crate::error::Help for ProfileError {
    fn help(&self) -> Option<String> {
        match self {
            ProfileError::Format { .. } => Some(
                "name files .parquet, .csv, .ndjson/.jsonl or .arrow/.ipc, or pass --format".into(),
            ),
            ProfileError::Load(e) => e.help(),
            ProfileError::NoKey { key, columns, .. } => {
                Some(crate::suggest::key_help(key, columns))
            }
            ProfileError::Polars { .. } => None,
        }
    }
}

/// The name history gives the table at `location` (a path, a URI or
/// `table:db.name`): its file's or table's name up to the first dot; a
/// glob's directory's (`plays` for `plays/*/*.parquet`; `table` for a
/// glob of the working directory).
pub fn table_name(location: &str) -> String {
    let glob_dir;
    let last = match location.strip_prefix("table:") {
        Some(t) => t.rsplit('.').next().unwrap_or(t),
        None if crate::load::is_glob(location) => {
            glob_dir = crate::load::dir_and_pattern(std::path::Path::new(location)).0;
            glob_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("table")
        }
        None => location.rsplit(['/', '\\']).next().unwrap_or(location),
    };
    last.split('.')
        .next()
        .filter(|s| !s.is_empty() && !s.contains('*'))
        .unwrap_or("table")
        .to_string()
}

/// The profile of the table at `path` (a file, or a glob of part files),
/// named `name` or after the file; with `key`, its duplicated keys. A CSV
/// file is delimited by `delimiter`, else as its name implies.
pub fn of_path(
    path: &std::path::Path,
    name: Option<&str>,
    key: &[String],
    format: Option<crate::config::Format>,
    delimiter: Option<u8>,
) -> Result<(String, Profile), ProfileError> {
    use crate::config::Format;
    let text = path.to_string_lossy();
    let format = format
        .or_else(|| Format::from_path(&text))
        .ok_or_else(|| ProfileError::Format { path: path.into() })?;
    let table_name = name
        .map(str::to_string)
        .unwrap_or_else(|| table_name(&text));
    let declared = crate::config::Declared::CompareFlags;
    let df = crate::load::load_path(path, format, delimiter, declared).map_err(Box::new)?;
    let polars = |source| ProfileError::Polars {
        path: path.into(),
        source,
    };
    for k in key {
        if df.column(k).is_err() {
            return Err(ProfileError::NoKey {
                key: k.clone(),
                path: path.into(),
                columns: df
                    .get_column_names()
                    .iter()
                    .map(|n| n.to_string())
                    .collect(),
            });
        }
    }
    let duplicate_keys = if key.is_empty() {
        None
    } else {
        let counts = df
            .clone()
            .lazy()
            .group_by(key.iter().map(|k| col(k.as_str())).collect::<Vec<_>>())
            .agg([len().alias("__n")])
            .filter(col("__n").gt(lit(1)))
            .collect()
            .map_err(polars)?;
        Some(counts.height() as u64)
    };
    let profile = of_frame(&df, duplicate_keys).map_err(polars)?;
    Ok((table_name, profile))
}

/// One column's profile.
pub fn column(s: &Series) -> PolarsResult<ColumnProfile> {
    let dtype = s.dtype();
    let numeric = dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_temporal();
    if numeric {
        let (n, mut found, numbers) = number_column(s)?;
        // Read as floats, twenty-digit ids (i128) and decimals of more
        // digits than an f64 holds collapse into one another: their
        // distinct values are counted from the values themselves.
        if matches!(
            dtype,
            DataType::Int128 | DataType::UInt128 | DataType::Decimal(..)
        ) {
            let (count, estimated) = distinct(s)?;
            found = Found { count, estimated };
        }
        // (NaN, which has no number, counts as null.)
        return Ok(column_profile(s, s.len() - n, found, numbers, None));
    }
    // Whether the distinct values were estimated: each way of counting
    // says, by the values it counted.
    let (count, estimated, text) = if matches!(
        dtype,
        DataType::String | DataType::Boolean | DataType::Categorical(..) | DataType::Enum(..)
    ) {
        let (count, estimated, text) = text_profile(&s.cast(&DataType::String)?)?;
        (count, estimated, Some(text))
    } else {
        let (count, estimated) = distinct(s)?;
        (count, estimated, None)
    };
    let found = Found { count, estimated };
    Ok(column_profile(s, s.null_count(), found, None, text))
}

/// The profile of column `s` from its figures: `nulls` null values,
/// `found` distinct ones (and whether they were estimated, which states
/// the estimate's error).
fn column_profile(
    s: &Series,
    nulls: usize,
    found: Found,
    numbers: Option<NumberProfile>,
    text: Option<TextProfile>,
) -> ColumnProfile {
    ColumnProfile {
        name: s.name().to_string(),
        dtype: s.dtype().to_string(),
        null_count: nulls as u64,
        distinct: found.count,
        distinct_error: if found.estimated {
            distinct::RELATIVE_ERROR
        } else {
            0.0
        },
        numbers,
        text,
    }
}

/// Distinct non-null values of any other type (lists, structs, arrays,
/// binary), from each row's encoding (polars' own count takes no nested
/// values): counted in a small column, else by HyperLogLog (and then
/// said to be estimated).
fn distinct(s: &Series) -> PolarsResult<(u64, bool)> {
    if s.null_count() == s.len() {
        return Ok((0, false));
    }
    let rows = polars::chunked_array::ops::row_encode::_get_rows_encoded_ca_unordered(
        s.name().clone(),
        &[s.clone().into_column()],
    )?;
    let valid = s.is_not_null();
    let rows = rows.downcast_iter().flat_map(|a| a.values_iter());
    let rows = rows
        .zip(valid.iter())
        .filter_map(|(bytes, valid)| valid.unwrap_or(false).then_some(bytes));
    if counted(s.len() - s.null_count()) {
        return Ok((rows.collect::<PlHashSet<&[u8]>>().len() as u64, false));
    }
    let mut sketch = distinct::Distinct::default();
    rows.for_each(|bytes| sketch.add(hash_bytes(bytes)));
    Ok((sketch.count(), true))
}

/// A physical numeric value as a quantile key: an unsigned number in the
/// values' order, so that integers keep their own (a column of 0..5 is five
/// neighbouring keys, found by one level of the selection).
trait Native: Copy {
    /// Whether the values are floats, whose keys of the two signs lie
    /// far apart ([`quantiles::SIGN`]).
    const FLOAT: bool;
    /// The key (-0's is 0's), and whether the value has one (NaN has
    /// not): without a branch, for a batch to take or skip.
    fn key_if(self) -> (u64, bool);
    /// The number a key stands for (integers beyond 2^53 rounded).
    fn value(key: u64) -> f64;
}

macro_rules! native {
    (float: $($t:ty),*) => {$(
        impl Native for $t {
            const FLOAT: bool = true;
            #[inline(always)]
            fn key_if(self) -> (u64, bool) {
                let x = self as f64;
                (quantiles::key(x + 0.0), !x.is_nan())
            }
            #[inline]
            fn value(key: u64) -> f64 {
                quantiles::value(key)
            }
        }
    )*};
    (signed: $($t:ty),*) => {$(
        impl Native for $t {
            const FLOAT: bool = false;
            #[inline(always)]
            fn key_if(self) -> (u64, bool) {
                ((self as i64 as u64) ^ 1 << 63, true)
            }
            #[inline]
            fn value(key: u64) -> f64 {
                (key ^ 1 << 63) as i64 as f64
            }
        }
    )*};
    (unsigned: $($t:ty),*) => {$(
        impl Native for $t {
            const FLOAT: bool = false;
            #[inline(always)]
            fn key_if(self) -> (u64, bool) {
                (self as u64, true)
            }
            #[inline]
            fn value(key: u64) -> f64 {
                key as f64
            }
        }
    )*};
}
native!(float: f64, f32);
native!(signed: i64, i32, i16, i8);
native!(unsigned: u64, u32, u16, u8);

/// How far ahead of a pass over a column's values (or views) their memory
/// is asked for: this machine's processors did not fetch ahead far enough
/// of a plain walk (BENCHMARKS.md, thirty-ninth session).
const AHEAD_BYTES: usize = 4096;

/// The non-null, non-NaN values of a physical numeric column as quantile
/// keys, read where they lie in its chunks: each pass of the profile reads
/// the column again rather than a copy of it.
struct ColumnKeys<'a, T: PolarsNumericType> {
    ca: &'a ChunkedArray<T>,
    /// How many keys there are (set by the first pass).
    len: usize,
    /// The rows whose keys are visited, a bit each from the column's
    /// first row (bit `r % 64` of word `r / 64`); every row when `None`.
    keep: Option<&'a [u64]>,
}

/// The 64 bits of `words` from bit `at` on (bit 0 the one at `at`), the
/// bits past `len` of them clear.
#[inline(always)]
fn bits_from(words: &[u64], at: usize, len: usize) -> u64 {
    let (w, shift) = (at / 64, at % 64);
    let low = words.get(w).copied().unwrap_or(0) >> shift;
    let high = match shift {
        0 => 0,
        _ => words.get(w + 1).copied().unwrap_or(0) << (64 - shift),
    };
    let bits = low | high;
    if len < 64 {
        bits & ((1 << len) - 1)
    } else {
        bits
    }
}

impl<T: PolarsNumericType> ColumnKeys<'_, T>
where
    T::Native: Native,
{
    /// Calls `f` with each run of the column's values and its validity
    /// word (as [`crate::validity::for_each_run`]).
    #[inline(always)]
    fn for_each_run(&self, mut f: impl FnMut(&[T::Native], u64)) {
        for arr in self.ca.downcast_iter() {
            crate::validity::for_each_run(arr, &mut f);
        }
    }
}

impl<T: PolarsNumericType> quantiles::Keys for ColumnKeys<'_, T>
where
    T::Native: Native,
{
    fn count(&self) -> usize {
        self.len
    }

    /// The keys made into a buffer on the stack, a batch at a time, the
    /// nulls' slots and NaN left out.
    #[inline(always)]
    fn for_each_batch(&self, mut f: impl FnMut(&[u64])) {
        let wide = Wide::here();
        let mut buffer = [0u64; quantiles::BATCH];
        let mut len = 0;
        // The run's first row, for `keep`.
        let mut row = 0;
        self.for_each_run(|values, run_valid| {
            // The length in a local: the closure's own lives in memory,
            // and each key's store waited on the last one's.
            let mut at = len;
            // A run is a whole array without nulls (every bit set), or 64
            // values: a part of 64 values is a run's.
            for (i, part) in values.chunks(64).enumerate() {
                let valid = match self.keep {
                    None => run_valid,
                    Some(keep) => run_valid & bits_from(keep, row + i * 64, part.len()),
                };
                // The lines AHEAD_BYTES on asked for: the processor's own
                // fetching ahead left the first load of each batch a third
                // of a float column's samples (f1, f2, seconds, count 6-8
                // ms faster each; 2 KB and 8 KB ahead no better).
                crate::prefetch::ahead_of(part, AHEAD_BYTES);
                if valid == u64::MAX {
                    // Every value valid: keys made straight, NaN looked for
                    // beside them (and only then left out one by one).
                    let out = &mut buffer[at..at + part.len()];
                    if make_keys(wide, part, out) {
                        at += part.len();
                    } else {
                        for &v in part {
                            let (k, number) = v.key_if();
                            buffer[at] = k;
                            at += usize::from(number);
                        }
                    }
                } else {
                    // Keys made for the whole part (nulls' slots too), then
                    // the valid ones kept: made one by one, each valid
                    // value's key cost more than the part's together.
                    let mut keys = [0u64; 64];
                    let made = &mut keys[..part.len()];
                    if make_keys(wide, part, made) {
                        // (The buffer has room: at most BATCH - 64 keys
                        // are in it here.)
                        at += crate::wide::keep_set(wide, made, valid, &mut buffer[at..]);
                    } else {
                        let mut w = valid;
                        while w != 0 {
                            let (k, number) = part[w.trailing_zeros() as usize].key_if();
                            buffer[at] = k;
                            at += usize::from(number);
                            w &= w - 1;
                        }
                    }
                }
                if at > quantiles::BATCH - 64 {
                    f(&buffer[..at]);
                    at = 0;
                }
            }
            len = at;
            row += values.len();
        });
        if len > 0 {
            f(&buffer[..len]);
        }
    }
}

/// How many distinct values a column holds, and whether that was
/// estimated.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Found {
    count: u64,
    estimated: bool,
}

/// A numeric column's values (`s`, of any numeric, decimal or temporal
/// type): their count, distinct count and numbers.
fn number_column(s: &Series) -> PolarsResult<(usize, Found, Option<NumberProfile>)> {
    let physical = if s.dtype().is_decimal() {
        s.cast(&DataType::Float64)?
    } else {
        s.to_physical_repr().into_owned()
    };
    macro_rules! of {
        ($ca:expr) => {
            Ok(numbers(ColumnKeys {
                ca: $ca,
                len: 0,
                keep: None,
            }))
        };
    }
    match physical.dtype() {
        DataType::Float64 => of!(physical.f64()?),
        DataType::Float32 => of!(physical.f32()?),
        DataType::Int64 => of!(physical.i64()?),
        DataType::Int32 => of!(physical.i32()?),
        DataType::Int16 => of!(physical.i16()?),
        DataType::Int8 => of!(physical.i8()?),
        DataType::UInt64 => of!(physical.u64()?),
        DataType::UInt32 => of!(physical.u32()?),
        DataType::UInt16 => of!(physical.u16()?),
        DataType::UInt8 => of!(physical.u8()?),
        // Wider or rarer types: through a float column.
        _ => of!(physical.cast(&DataType::Float64)?.f64()?),
    }
}

/// The first pass's count, sum and range of the keys so far, and whether
/// they rose (or held) from each to the next.
#[derive(Clone, Copy)]
struct First {
    n: usize,
    /// Four sums, the i-th key's in sum i % 4 (as the squared deviations'
    /// below): one sum was a chain of additions each waiting on the last.
    sum: [f64; 4],
    lo: u64,
    hi: u64,
    /// The last key.
    last: u64,
    /// Whether no key was below the one before.
    ascending: bool,
    /// Keys unlike the one before (the first counted unless it is 0).
    changes: usize,
}

impl First {
    /// Before any key.
    const NONE: First = First {
        n: 0,
        sum: [0.0; 4],
        lo: u64::MAX,
        hi: 0,
        last: 0,
        ascending: true,
        changes: 0,
    };
}

by_width! {
    /// The first pass over one batch of keys: counted, summed and ranged,
    /// and with `ORDER`, their order followed; built for the widest vectors
    /// the processor has.
    fn first_pass[T: Native, const ORDER: bool](wide: Wide, batch: &[u64], acc: &mut First) -> ()
        = first_pass_in[T, ORDER];
}

/// [`first_pass`] as any processor runs it: the sums and bounds in
/// locals, so that they stay in registers.
#[inline(always)]
fn first_pass_in<T: Native, const ORDER: bool>(batch: &[u64], acc: &mut First) {
    let (mut lo, mut hi) = (acc.lo, acc.hi);
    add_in_four(&mut acc.sum, acc.n, batch, |k| {
        lo = lo.min(k);
        hi = hi.max(k);
        T::value(k)
    });
    if ORDER {
        let (mut last, mut ascending, mut changes) = (acc.last, acc.ascending, acc.changes);
        for &k in batch {
            ascending &= last <= k;
            changes += usize::from(last != k);
            last = k;
        }
        (acc.last, acc.ascending, acc.changes) = (last, ascending, changes);
    }
    (acc.n, acc.lo, acc.hi) = (acc.n + batch.len(), lo, hi);
}

/// Adds `f` of each key of `batch` to four sums, the i-th key (`seen`
/// keys came before the batch) to sum i % 4 however the batches fall, so
/// that a profile's figures do not depend on how its file was cut; four,
/// so that the additions need not wait on each other.
#[inline(always)]
fn add_in_four(sums: &mut [f64; 4], seen: usize, batch: &[u64], mut f: impl FnMut(u64) -> f64) {
    let mut lanes = *sums;
    // Lined up so that the batch's first key's sum comes first.
    lanes.rotate_left(seen & 3);
    let mut quads = batch.chunks_exact(4);
    for q in &mut quads {
        for (sum, &k) in lanes.iter_mut().zip(q) {
            *sum += f(k);
        }
    }
    for (sum, &k) in lanes.iter_mut().zip(quads.remainder()) {
        *sum += f(k);
    }
    lanes.rotate_right(seen & 3);
    *sums = lanes;
}

by_width! {
    /// Folds into `sides` the largest key of `batch` below
    /// [`quantiles::SIGN`] (a negative number's) and the smallest from it
    /// on, built for the widest vectors the processor has.
    fn either_side[](wide: Wide, batch: &[u64], sides: &mut (u64, u64)) -> () = either_side_in[];
}

#[inline(always)]
fn either_side_in(batch: &[u64], sides: &mut (u64, u64)) {
    let (mut below, mut zero) = *sides;
    for &k in batch {
        // All ones for a key below the sign, else none: by bits, which
        // the vectors do without a branch.
        let negative = !(((k as i64) >> 63) as u64);
        below = below.max(k & negative);
        zero = zero.min(k | negative);
    }
    *sides = (below, zero);
}

by_width! {
    /// Adds the squares of the keys' numbers' deviations from `mean` to
    /// `sums` (as [`add_in_four`]), built for the widest vectors the
    /// processor has.
    fn add_squares[T: Native](
        wide: Wide,
        sums: &mut [f64; 4],
        seen: usize,
        batch: &[u64],
        mean: f64,
    ) -> () = add_squares_in[T];
}

#[inline(always)]
fn add_squares_in<T: Native>(sums: &mut [f64; 4], seen: usize, batch: &[u64], mean: f64) {
    add_in_four(sums, seen, batch, |k| (T::value(k) - mean).powi(2));
}

by_width! {
    /// Makes the keys of `part`'s values into `out` (as long); whether each
    /// value had one (none was NaN). Built for the widest vectors the
    /// processor has: for the baseline, a float's key was made one at a
    /// time.
    fn make_keys[T: Native](wide: Wide, part: &[T], out: &mut [u64]) -> bool = make_keys_in[T];
}

#[inline(always)]
fn make_keys_in<T: Native>(part: &[T], out: &mut [u64]) -> bool {
    let mut nan = false;
    for (o, &v) in out.iter_mut().zip(part) {
        let (k, number) = v.key_if();
        *o = k;
        nan |= !number;
    }
    !nan
}

/// Whether the first values of a column (up to 64, nulls' slots and NaN
/// left out) rise or hold: only then does the first pass follow their
/// order, the cost of which a column in no order would pay for nothing.
fn starts_ascending<T: PolarsNumericType>(ca: &ChunkedArray<T>) -> bool
where
    T::Native: Native,
{
    let Some(arr) = ca.downcast_iter().find(|a| !a.is_empty()) else {
        return false;
    };
    let head = arr.len().min(64);
    let keys = (0..head)
        .filter(|&i| arr.is_valid(i))
        .map(|i| arr.values()[i].key_if())
        .filter_map(|(k, number)| number.then_some(k));
    let mut last = 0;
    keys.into_iter()
        .all(|k| std::mem::replace(&mut last, k) <= k)
}

/// The widest range of keys whose distinct values are counted by a bit
/// each (128 KB, in L2 beside the selection's histogram): integer codes,
/// counts, days.
const BITMAP_RANGE: u64 = 1 << 20;

/// How the selection's first pass counts distinct values, beside the
/// squared deviations it sums.
#[derive(Clone)]
enum Counter {
    /// Counted already: by the first pass, the changes of keys in order;
    /// or the values the early buckets held one each.
    Counted(u64),
    /// Counted after, a small column's keys sorted.
    Done,
    /// A bit per key of a range of at most 64 keys (exact), in a
    /// register: in memory, each key of a few (a rating) waited on the
    /// last one's store to the same word.
    Word { lo: u64, bits: u64 },
    /// A bit per key of a narrow range (exact).
    Bits { lo: u64, words: Vec<u64> },
    /// HyperLogLog (estimated).
    Sketch(distinct::Distinct),
}

impl Counter {
    /// A count of the keys from `lo` to `hi`: a bit each where the range
    /// is narrow, else HyperLogLog.
    fn of_range((lo, hi): (u64, u64)) -> Counter {
        if hi - lo < 64 {
            Counter::Word { lo, bits: 0 }
        } else if !Counter::estimates((lo, hi)) {
            Counter::Bits {
                lo,
                words: vec![0; ((hi - lo) >> 6) as usize + 1],
            }
        } else {
            Counter::Sketch(distinct::Distinct::default())
        }
    }

    /// Whether [`Counter::of_range`] of these keys estimates them.
    fn estimates((lo, hi): (u64, u64)) -> bool {
        hi - lo >= BITMAP_RANGE
    }

    /// How many distinct keys were counted; `None` for a small column,
    /// whose keys are counted after.
    fn found(&self) -> Option<Found> {
        let exact = |count| Found {
            count,
            estimated: false,
        };
        Some(match self {
            Counter::Counted(count) => exact(*count),
            Counter::Word { bits, .. } => exact(u64::from(bits.count_ones())),
            Counter::Bits { words, .. } => {
                exact(words.iter().map(|w| u64::from(w.count_ones())).sum())
            }
            Counter::Sketch(d) => Found {
                count: d.count(),
                estimated: true,
            },
            Counter::Done => return None,
        })
    }

    /// Counts a batch of keys.
    #[inline(always)]
    fn add(&mut self, batch: &[u64]) {
        match self {
            Counter::Counted(_) | Counter::Done => {}
            Counter::Word { lo, bits } => {
                let mut b = *bits;
                for &k in batch {
                    b |= 1 << (k - *lo);
                }
                *bits = b;
            }
            Counter::Bits { lo, words } => {
                for &k in batch {
                    let at = k - *lo;
                    words[(at >> 6) as usize] |= 1 << (at & 63);
                }
            }
            Counter::Sketch(d) => {
                let mut hashes = [0u64; quantiles::BATCH];
                distinct::hash_u64_all(batch, &mut hashes);
                hashes[..batch.len()].iter().for_each(|&h| d.add(h));
            }
        }
    }
}

/// The count, distinct count, moments, quantiles and sketch of a column's
/// values, in reads of them where they lie: count, sum and range (and
/// whether they are in order); then either, in order, a walk that picks
/// the ranks, or the quantile selection, whose histogram pass sums the
/// squared deviations and counts the distinct values (a bit each in a
/// narrow range, else by HyperLogLog), and which gathers the buckets a
/// wanted rank falls in.
fn numbers<T: PolarsNumericType>(mut keys: ColumnKeys<T>) -> (usize, Found, Option<NumberProfile>)
where
    T::Native: Native,
{
    let value = <T::Native as Native>::value;
    let mut first = First::NONE;
    let order = starts_ascending(keys.ca);
    let wide = Wide::here();
    // Keys in no order are also counted in buckets over the first batch's
    // range, which spares the selection the pass that takes the range
    // first, where the ranks fall in buckets of few keys.
    let mut early: Option<quantiles::Early> = None;
    if order {
        quantiles::Keys::for_each_batch(&keys, |b| {
            first_pass::<T::Native, true>(wide, b, &mut first);
        });
    } else {
        let floats = <T::Native as Native>::FLOAT;
        // (Not for a small column, whose keys are sorted: its buckets
        // would be zeroed for nothing.)
        let bucketed = keys.ca.len() - keys.ca.null_count() > quantiles::SMALL;
        quantiles::Keys::for_each_batch(&keys, |b| {
            first_pass::<T::Native, false>(wide, b, &mut first);
            if bucketed {
                early
                    .get_or_insert_with(|| quantiles::Early::of_first(b, floats))
                    .add(b);
            }
        });
    }
    let First { n, sum, lo, hi, .. } = first;
    let sum: f64 = sum.iter().sum();
    let none = Found {
        count: 0,
        estimated: false,
    };
    if n == 0 {
        return (0, none, None);
    }
    keys.len = n;
    let in_order = order && first.ascending;
    let mut counter = if in_order {
        // Each change of key is a value more (the first key, when it is
        // 0, was no change).
        Counter::Counted((first.changes + usize::from(lo == 0)) as u64)
    } else if Counter::estimates((lo, hi)) && counted(n) {
        Counter::Done
    } else {
        Counter::of_range((lo, hi))
    };
    let mean = sum / n as f64;
    let ranks = wanted_ranks(n);
    // The squared deviations summed in the first pass over the keys
    // after their mean is known.
    let (mut m2, mut seen) = ([0.0f64; 4], 0usize);
    let mut deviations = |batch: &[u64]| {
        add_squares::<T::Native>(wide, &mut m2, seen, batch, mean);
        seen += batch.len();
    };
    // Every key and its count, when the early buckets held one key each.
    let exact = early.as_ref().and_then(|e| e.exact((lo, hi)));
    let found = if in_order {
        at_ranks_in_order(&keys, &ranks, deviations)
    } else if let Some(counted) = &exact {
        // No pass more: the squared deviations and the distinct values
        // from the counts.
        for &(k, c) in counted {
            m2[0] += f64::from(c) * (value(k) - mean).powi(2);
        }
        counter = Counter::Counted(counted.len() as u64);
        at_ranks_of_counts(counted, &ranks)
    } else if let Some(found) = early.as_ref().and_then(|e| {
        e.keys_at_ranks(&keys, &ranks, |batch| {
            deviations(batch);
            counter.add(batch);
        })
    }) {
        found
    } else {
        // Floats of both signs: the keys either side of the sign, which
        // the selection's buckets skip the gap between (a pass more, for
        // one fewer), looked for only in such a column.
        let signs = (<T::Native as Native>::FLOAT && lo < quantiles::SIGN && hi >= quantiles::SIGN)
            .then(|| {
                let mut sides = (0, u64::MAX);
                quantiles::Keys::for_each_batch(&keys, |b| either_side(wide, b, &mut sides));
                sides
            });
        quantiles::keys_at_ranks_with(&keys, (lo, hi), signs, &ranks, |batch| {
            deviations(batch);
            counter.add(batch);
        })
    };
    let distinct = counter.found().unwrap_or_else(|| {
        // A small column: its keys (one per value, -0 and 0 alike) sorted
        // and counted.
        let mut all = Vec::with_capacity(n);
        quantiles::Keys::for_each_batch(&keys, |batch| all.extend_from_slice(batch));
        all.sort_unstable();
        all.dedup();
        Found {
            count: all.len() as u64,
            estimated: false,
        }
    });
    let m2: f64 = m2.iter().sum();
    let numbers = number_profile::<T::Native>(n, (lo, hi), mean, m2, &ranks, found);
    (n, distinct, Some(numbers))
}

/// The ranks whose keys a column of `n` keys' quantiles interpolate
/// between: the sketch's, then p01's, p50's and p99's.
fn wanted_ranks(n: usize) -> Vec<usize> {
    let mut ranks: Vec<usize> = (0..=SKETCH_STEPS)
        .map(|i| i * (n - 1) / SKETCH_STEPS)
        .collect();
    for q in QUANTILES {
        if let Some((lo, hi, _)) = summary::quantile_ranks(n, q) {
            ranks.extend([lo, hi]);
        }
    }
    ranks
}

/// The quantiles a profile holds.
const QUANTILES: [f64; 3] = [0.01, 0.5, 0.99];

/// The numbers of a column of `n` keys from `lo` to `hi`: their mean, the
/// sum of their squared deviations from it (`m2`), and `found`, the keys at
/// [`wanted_ranks`].
fn number_profile<N: Native>(
    n: usize,
    (lo, hi): (u64, u64),
    mean: f64,
    m2: f64,
    ranks: &[usize],
    found: Vec<u64>,
) -> NumberProfile {
    let at: HashMap<usize, f64> = ranks
        .iter()
        .copied()
        .zip(found.into_iter().map(N::value))
        .collect();
    let q = |p| summary::quantile_by(n, p, |i| at[&i]);
    NumberProfile {
        min: N::value(lo),
        max: N::value(hi),
        mean,
        std: if n > 1 {
            (m2 / (n - 1) as f64).sqrt()
        } else {
            0.0
        },
        p01: q(QUANTILES[0]),
        p50: q(QUANTILES[1]),
        p99: q(QUANTILES[2]),
        sketch: Sketch {
            points: ranks[..=SKETCH_STEPS].iter().map(|r| at[r]).collect(),
        },
        rank_error: 0.0,
    }
}

/// The keys at `ranks` of keys given in ascending order with their counts.
fn at_ranks_of_counts(counted: &[(u64, u32)], ranks: &[usize]) -> Vec<u64> {
    // Each key's rank past its last copy.
    let ends: Vec<usize> = counted
        .iter()
        .scan(0, |end, &(_, c)| {
            *end += c as usize;
            Some(*end)
        })
        .collect();
    ranks
        .iter()
        .map(|&r| counted[ends.partition_point(|&end| end <= r)].0)
        .collect()
}

/// The keys at `ranks` of keys already in ascending order, in one walk
/// that calls `also` with every batch of them.
fn at_ranks_in_order<K: quantiles::Keys>(
    keys: &K,
    ranks: &[usize],
    mut also: impl FnMut(&[u64]),
) -> Vec<u64> {
    let mut order: Vec<usize> = (0..ranks.len()).collect();
    order.sort_by_key(|&i| ranks[i]);
    let mut out = vec![0; ranks.len()];
    // The rank of the batch's first key; the next wanted rank's place.
    let (mut rank, mut next) = (0, 0);
    keys.for_each_batch(|batch| {
        also(batch);
        let end = rank + batch.len();
        while let Some(&slot) = order.get(next).filter(|&&i| ranks[i] < end) {
            out[slot] = batch[ranks[slot] - rank];
            next += 1;
        }
        rank = end;
    });
    out
}

/// Distinct values (and whether they were estimated), empty strings and
/// the most frequent values of a text column (`s`, cast to strings), in
/// one pass over its views. Values are
/// counted exactly, which gives the top values and the distinct count, up
/// to TOP_OF_DISTINCT distinct values; beyond them (ids, names, URLs) none
/// is frequent enough to watch: in a column of more than
/// EXACT_DISTINCT_UP_TO values the counting stops, and HyperLogLog
/// estimates how many there are.
fn text_profile(s: &Series) -> PolarsResult<(u64, bool, TextProfile)> {
    let ca = s.str()?;
    // Counted exactly up to the top values' limit, or every value of a
    // small column.
    let most = if counted(ca.len() - ca.null_count()) {
        usize::MAX
    } else {
        TOP_OF_DISTINCT as usize
    };
    let arrays: Vec<&Utf8ViewArray> = ca.downcast_iter().collect();
    Ok(count_text(&arrays, None, most).profile())
}

/// A text column's values counted: each distinct value's count while
/// there were at most the most counted, else an estimate of them all; and
/// the empty strings.
#[derive(Clone)]
struct TextCounts<'a> {
    /// Strings of at most 12 bytes, by their views.
    short: PlHashMap<u128, u64>,
    long: PlHashMap<&'a str, u64>,
    estimate: Option<distinct::Distinct>,
    empty: u64,
}

/// Counts the valid values of `arrays` (of the rows set in `keep`, a bit
/// each from the first array's first row, when given) while at most `most`
/// are distinct, then estimates how many there are.
fn count_text<'a>(
    arrays: &[&'a Utf8ViewArray],
    keep: Option<&[u64]>,
    most: usize,
) -> TextCounts<'a> {
    // polars' map (foldhash): SipHash was a tenth of profiling a
    // six-category column. A string of at most 12 bytes lies whole in its
    // 16-byte view (length, bytes, zero padding), so equal views are equal
    // strings: those are counted (and hashed) by view, without reading or
    // comparing bytes; longer ones by their text. The first few short
    // values are counted in a small array instead, looked up without a
    // hash or a branch per entry (a category column).
    let mut short: PlHashMap<u128, u64> = PlHashMap::new();
    let mut long: PlHashMap<&str, u64> = PlHashMap::new();
    // Three loops, each its own function: in one loop that could do all
    // three, the counters and the place lived in memory, each value's
    // waiting on the last one's stores (a category column 55 ms, against
    // 37 ms in a loop of its own, BENCHMARKS.md).
    let (stopped, mut empty, few) = count_few(arrays, keep);
    let mut few = Some(few);
    let mut estimate = None;
    if let Some(at) = stopped {
        let (stopped, more) = count_all(arrays, keep, at, &mut few, &mut short, &mut long, most);
        empty += more;
        if let Some((a, row)) = stopped {
            let mut d = sketch_of(&short, &long);
            let mut first_row: usize = arrays[..a].iter().map(|arr| arr.len()).sum();
            for (b, &arr) in arrays.iter().enumerate().skip(a) {
                let from = if b == a { row + 1 } else { 0 };
                let rest = arr.clone().sliced(from, arr.len() - from);
                empty += estimate_views(&rest, keep.map(|k| (k, first_row + from)), &mut d);
                first_row += arr.len();
            }
            estimate = Some(d);
        }
    }
    Few::spill(&mut few, &mut short);
    TextCounts {
        short,
        long,
        estimate,
        empty,
    }
}

impl TextCounts<'_> {
    /// The distinct values (and whether they were estimated), and the
    /// empty strings and the most frequent values.
    fn profile(self) -> (u64, bool, TextProfile) {
        let empty = self.empty;
        if let Some(d) = self.estimate {
            let top = Vec::new();
            return (d.count().max(1), true, TextProfile { empty, top });
        }
        let distinct = (self.short.len() + self.long.len()) as u64;
        if distinct > TOP_OF_DISTINCT {
            // Ids, names, URLs: none is frequent enough to watch (and no
            // string is made of each).
            let top = Vec::new();
            return (distinct, false, TextProfile { empty, top });
        }
        let inline = |view: u128| -> String {
            let bytes = view.to_le_bytes();
            let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
            String::from_utf8_lossy(&bytes[4..4 + len]).into_owned()
        };
        let mut top: Vec<(String, u64)> = self
            .short
            .into_iter()
            .map(|(view, c)| (inline(view), c))
            .chain(self.long.into_iter().map(|(k, c)| (k.to_string(), c)))
            .collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        top.truncate(TOP_VALUES);
        (distinct, false, TextProfile { empty, top })
    }
}

/// A place in a text column: an array's index, and a row of it.
type Place = (usize, usize);

/// Calls `step` with each valid value's view from `at` on (of the rows
/// set in `keep`, a bit each from the first array's first row), with its
/// array and row, until it returns false; returns where it did, or None
/// at the end.
#[inline(always)]
fn walk_views<'a>(
    arrays: &[&'a Utf8ViewArray],
    keep: Option<&[u64]>,
    at: Place,
    mut step: impl FnMut(&'a Utf8ViewArray, usize, &'a View) -> bool,
) -> Option<Place> {
    // The first row of the array walked, for `keep`.
    let mut first_row: usize = arrays[..at.0].iter().map(|arr| arr.len()).sum();
    for (a, &arr) in arrays.iter().enumerate().skip(at.0) {
        let from = if a == at.0 { at.1 } else { 0 };
        let views = arr.views().as_slice();
        let valid = crate::validity::mask(arr);
        let stop = if valid.is_none() && keep.is_none() {
            // The views AHEAD_BYTES on asked for, a line (four views) at
            // a time: a category column 40 -> 25 ms, as numbers' batches
            // (see ColumnKeys::for_each_batch).
            (from..views.len()).find(|&i| {
                if i.is_multiple_of(4) {
                    crate::prefetch::ahead_of(&views[i..i + 1], AHEAD_BYTES);
                }
                !step(arr, i, &views[i])
            })
        } else {
            // 64 rows at a time, the rows walked a word of bits (valid and
            // kept), the rows of a word of all of them without a test
            // each. Tested row by row, the shared rows of a category
            // column took longer than a side's own (country of the 10M
            // pair: both sides 31 ms shared, 47 ms each on its own; now 23
            // and 42 ms, BENCHMARKS.md, forty-third session).
            let mut stop = None;
            let mut i = from;
            while i < views.len() && stop.is_none() {
                let n = (views.len() - i).min(64);
                let all = u64::MAX >> (64 - n);
                let mut bits = all;
                if let Some(v) = &valid {
                    bits &= crate::validity::bits_at(v, i);
                }
                if let Some(keep) = keep {
                    bits &= bits_from(keep, first_row + i, n);
                }
                let part = &views[i..i + n];
                crate::prefetch::ahead_of(part, AHEAD_BYTES);
                stop = if bits == all {
                    (i..i + n).find(|&j| !step(arr, j, &views[j]))
                } else {
                    let mut w = bits;
                    loop {
                        if w == 0 {
                            break None;
                        }
                        let j = i + w.trailing_zeros() as usize;
                        if !step(arr, j, &views[j]) {
                            break Some(j);
                        }
                        w &= w - 1;
                    }
                };
                i += n;
            }
            stop
        };
        if let Some(i) = stop {
            return Some((a, i));
        }
        first_row += arr.len();
    }
    None
}

/// Counts values in a [`Few`] table while they fit in it (short, and few):
/// a category column, whole. Returns where a value did not fit (not
/// counted), the empty values and the table.
#[inline(never)]
fn count_few(arrays: &[&Utf8ViewArray], keep: Option<&[u64]>) -> (Option<Place>, u64, Few) {
    let mut few = Few::default();
    let mut empty = 0u64;
    let stopped = walk_views(arrays, keep, (0, 0), |_, _, v| {
        let counted = v.length <= 12 && few.count(v.as_u128());
        empty += u64::from(counted && v.length == 0);
        counted
    });
    (stopped, empty, few)
}

/// Counts values from `at` on: short ones by view (in `few` while they
/// fit), longer ones by text, until more than `most` are distinct.
/// Returns where that happened (that value counted) and the empty values.
#[inline(never)]
fn count_all<'a>(
    arrays: &[&'a Utf8ViewArray],
    keep: Option<&[u64]>,
    at: Place,
    few: &mut Option<Few>,
    short: &mut PlHashMap<u128, u64>,
    long: &mut PlHashMap<&'a str, u64>,
    most: usize,
) -> (Option<Place>, u64) {
    let mut empty = 0u64;
    let stopped = walk_views(arrays, keep, at, |arr, i, v| {
        empty += u64::from(v.length == 0);
        if v.length <= 12 {
            let view = v.as_u128();
            if let Some(f) = few {
                if f.count(view) {
                    return true;
                }
                // A value more than the table holds: its counts go to
                // the map.
                Few::spill(few, short);
            }
            *short.entry(view).or_default() += 1;
        } else {
            // SAFETY: `i` is below the array's length.
            *long.entry(unsafe { arr.value_unchecked(i) }).or_default() += 1;
        }
        short.len() + long.len() <= most
    });
    (stopped, empty)
}

/// A HyperLogLog sketch of the values counted so far (apart, so that the
/// counting loop is built without the hashing's code).
#[inline(never)]
fn sketch_of(short: &PlHashMap<u128, u64>, long: &PlHashMap<&str, u64>) -> distinct::Distinct {
    let mut d = distinct::Distinct::default();
    short.keys().for_each(|&v| d.add(distinct::hash_u128(v)));
    long.keys().for_each(|t| d.add(hash_text(t)));
    d
}

/// Adds the hashes of `arr`'s valid values to `d`; returns how many are
/// empty. Each run of 64 views that holds a short string is hashed whole
/// as short strings' first (by the vector), the longer strings' hashes
/// made from their text, and only then added: hashed and added one by
/// one, each value waited on the register the one before it stored.
#[inline(never)]
fn estimate_views(
    arr: &Utf8ViewArray,
    keep: Option<(&[u64], usize)>,
    d: &mut distinct::Distinct,
) -> u64 {
    let wide = Wide::here();
    let buffers = arr.data_buffers();
    let views = arr.views().as_slice();
    let mut empty = 0u64;
    let mut hashes = [0u64; 64];
    // The first row of the run.
    let mut at = 0;
    // The long and empty strings of the run that comes next (runs are the
    // views 64 at a time, in order), found while asking for its text.
    let mut following = None;
    let mut run = |part: &[View], valid: u64| {
        // Only the rows kept, where `keep` (from the array's first row on)
        // says which.
        let valid = match keep {
            None => valid,
            Some((keep, first_row)) => valid & bits_from(keep, first_row + at, part.len()),
        };
        // The views AHEAD_BYTES on asked for (as in `walk_views`).
        crate::prefetch::ahead_of(part, AHEAD_BYTES);
        let (long, zero) = following
            .take()
            .unwrap_or_else(|| long_and_empty(wide, part));
        // And the text of the next run's long strings.
        let next = &views[(at + 64).min(views.len())..(at + 128).min(views.len())];
        let masks = long_and_empty(wide, next);
        text_ahead(next, masks.0, buffers);
        following = Some(masks);
        empty += u64::from((zero & valid).count_ones());
        if long & valid != valid {
            hash_views(wide, part, &mut hashes);
        }
        let mut w = long & valid;
        while w != 0 {
            let j = w.trailing_zeros() as usize;
            // SAFETY: a valid value's view points into the array's buffers.
            hashes[j] = hash_bytes(unsafe { part[j].get_slice_unchecked(buffers) });
            w &= w - 1;
        }
        if valid == u64::MAX {
            hashes[..part.len()].iter().for_each(|&h| d.add(h));
        } else {
            let mut w = valid;
            while w != 0 {
                d.add(hashes[w.trailing_zeros() as usize]);
                w &= w - 1;
            }
        }
        at += part.len();
    };
    match arr.validity().filter(|b| b.unset_bits() > 0) {
        None => views.chunks(64).for_each(|part| run(part, u64::MAX)),
        Some(valid) => crate::validity::for_each_word(views, valid, run),
    }
    empty
}

/// Asks for the text of `views`' long strings (bit `i` of `long` set for
/// `views[i]`'s): where they lie in order in
/// one buffer, as a file's reader writes them, every line from the first
/// string's to the last's, a line at a time; else each string's first
/// line. Without, the first load of each string held half the HyperLogLog
/// loop's samples, the strings in order though they were (title, 10M
/// strings of ~27 bytes: 104-113 ms; each string's line asked for 24
/// values ahead, a lookup of its own at every string, 69-72 ms; the next
/// run's lines 57-59 ms, and two runs ahead no better: BENCHMARKS.md,
/// thirty-ninth and fortieth sessions).
#[inline(always)]
fn text_ahead<B: std::ops::Deref<Target = [u8]>>(views: &[View], long: u64, buffers: &[B]) {
    if long == 0 {
        return;
    }
    let first = &views[long.trailing_zeros() as usize];
    let last = &views[63 - long.leading_zeros() as usize];
    let (from, to) = (
        first.offset as usize,
        last.offset as usize + last.length as usize,
    );
    let buffer = buffers.get(first.buffer_idx as usize);
    // (A span of at most 128 bytes a string: a run's strings in order.)
    if first.buffer_idx == last.buffer_idx
        && from <= to
        && to - from <= 64 * 128
        && let Some(text) = buffer.and_then(|b| b.get(from..to))
    {
        crate::prefetch::ahead_of(text, 0);
        return;
    }
    let mut w = long;
    while w != 0 {
        let v = &views[w.trailing_zeros() as usize];
        if let Some(byte) = buffers
            .get(v.buffer_idx as usize)
            .and_then(|b| b.get(v.offset as usize))
        {
            crate::prefetch::line(byte);
        }
        w &= w - 1;
    }
}

by_width! {
    /// A bit for each of `views` (at most 64) whose string is long (past
    /// 12 bytes, in a buffer), and one for each empty one; built for the
    /// widest vectors the processor has.
    fn long_and_empty[](wide: Wide, views: &[View]) -> (u64, u64) = long_and_empty_in[];
}

#[inline(always)]
fn long_and_empty_in(views: &[View]) -> (u64, u64) {
    let (mut long, mut zero) = (0u64, 0u64);
    for (j, v) in views.iter().enumerate() {
        long |= u64::from(v.length > 12) << j;
        zero |= u64::from(v.length == 0) << j;
    }
    (long, zero)
}

by_width! {
    /// The hashes of `views` into `out` as though each held its string
    /// ([`distinct::hash_u128`]), built for the widest vectors the
    /// processor has.
    fn hash_views[](wide: Wide, views: &[View], out: &mut [u64; 64]) -> () = hash_views_in[];
}

#[inline(always)]
fn hash_views_in(views: &[View], out: &mut [u64; 64]) {
    for (o, v) in out.iter_mut().zip(views) {
        *o = distinct::hash_u128(v.as_u128());
    }
}

/// Counts of up to 128 short strings' views, in a table of 256 places
/// found by a hash of the view: a value is mostly one comparison, where
/// comparing it with each of eight views was most of profiling a
/// six-category column. Sparse, so that few views share a place: in
/// sixteen places two of six countries' views did, and the second probe
/// that a third of the values then took was mispredicted (45 ms for 10M
/// values, against 26 ms in 256 places).
struct Few {
    views: [u128; Few::PLACES],
    counts: [u64; Few::PLACES],
    len: usize,
}

impl Default for Few {
    fn default() -> Self {
        Few {
            views: [Few::EMPTY; Few::PLACES],
            counts: [0; Few::PLACES],
            len: 0,
        }
    }
}

impl Few {
    const PLACES: usize = 256;
    /// Views held at most: half the places, so that a probe ends soon.
    const MOST: usize = 128;
    /// No view has this length: an empty place never matches.
    const EMPTY: u128 = u128::MAX;

    /// Counts `view` if it is here or there is room for it.
    #[inline(always)]
    fn count(&mut self, view: u128) -> bool {
        let mix = (view as u64 ^ (view >> 64) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut at = (mix >> 56) as usize;
        loop {
            let here = self.views[at];
            if here == view {
                self.counts[at] += 1;
                return true;
            }
            if here == Few::EMPTY {
                if self.len == Few::MOST {
                    return false;
                }
                (self.views[at], self.counts[at]) = (view, 1);
                self.len += 1;
                return true;
            }
            at = (at + 1) % Few::PLACES;
        }
    }

    /// Moves the counts of `few`, if any are still kept apart, into
    /// `short`; the table is not used again.
    fn spill(few: &mut Option<Few>, short: &mut PlHashMap<u128, u64>) {
        if let Some(f) = few.take() {
            short.extend(
                f.views
                    .iter()
                    .copied()
                    .zip(f.counts.iter().copied())
                    .filter(|&(v, _)| v != Few::EMPTY),
            );
        }
    }
}

/// The hash of a string too long for its view, for HyperLogLog.
fn hash_text(text: &str) -> u64 {
    hash_bytes(text.as_bytes())
}

/// XXH3, unseeded, so that estimates repeat: inline for the lengths of
/// names and titles, where foldhash called out past 16 bytes (a column of
/// 10M titles of ~27 bytes 118 → 104 ms, BENCHMARKS.md).
#[inline(always)]
fn hash_bytes(bytes: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two loaded sides profiled together, twin columns taken from base,
    /// are each side's own profile: columns in another order, on one
    /// side only, changed in one value or a zero's sign.
    #[test]
    fn two_loaded_sides_profiled_together_are_each_sides_own_profile() {
        let base = df!(
            "id" => [1i64, 2, 3, 4],
            "x" => [Some(0.5), None, Some(-0.0), Some(2.0)],
            "t" => [Some("a"), Some(""), None, Some("b")],
            "gone" => [1u8, 2, 3, 4],
        )
        .unwrap();
        let head = df!(
            "t" => [Some("a"), Some(""), None, Some("b")],
            "x" => [Some(0.5), None, Some(0.0), Some(3.0)],
            "id" => [1i64, 2, 3, 4],
            "new" => [true, false, true, true],
        )
        .unwrap();
        let (b, h) = of_frames((&base, &head), (Some(0), Some(1)));
        assert_eq!(b.unwrap(), of_frame(&base, Some(0)).unwrap());
        assert_eq!(h.unwrap(), of_frame(&head, Some(1)).unwrap());
    }

    /// A column that reads bit for bit as the other side's takes its
    /// profile; one value, a zero's sign, a null's place, the chunks or the
    /// type apart, or the other side's column let go, and it is profiled
    /// on its own.
    #[test]
    fn a_column_read_bit_for_bit_as_its_twin_takes_its_profile_and_no_other_does() {
        let floats = |v: &[Option<f64>]| Series::new("x".into(), v);
        let texts = |v: &[Option<&str>]| Series::new("t".into(), v);
        let x = [Some(1.5), Some(-0.0), None, Some(f64::NAN), Some(3.0)];
        let t = [Some("a"), Some(""), None, Some("longer than twelve bytes")];
        let date = Series::new("d".into(), [1i32, 2, 3])
            .cast(&DataType::Date)
            .unwrap();
        let base = [floats(&x), texts(&t), date];
        let twins = Twins::default();
        for s in &base {
            let Claim::Own(Some(slot)) = twins.claim(s) else {
                panic!("the first column of its name is kept")
            };
            slot.fill(Some(column(s).unwrap()));
        }
        let takes = |s: &Series| match twins.claim(s) {
            Claim::Twin(slot) => slot.wait().clone(),
            Claim::Own(slot) => {
                assert!(slot.is_none(), "a column of the name is kept already");
                None
            }
        };
        // Made anew from the same values: twins.
        for s in [floats(&x), texts(&t), base[2].clone()] {
            let p = takes(&s).expect("a twin");
            assert_eq!(p, column(&s).unwrap());
        }
        let mut zero = x;
        zero[1] = Some(0.0);
        let mut changed = x;
        changed[4] = Some(3.5);
        // The same slots' bits, the null at another place.
        let null_moved = {
            let all = floats(&x);
            let slots = all.f64().unwrap().rechunk();
            let values = slots.downcast_iter().next().unwrap().values().clone();
            let valid = [true, true, true, true, false];
            let arr = polars_arrow::array::PrimitiveArray::<f64>::new(
                polars_arrow::datatypes::ArrowDataType::Float64,
                values,
                Some(polars_arrow::bitmap::Bitmap::from(valid.as_slice())),
            );
            Series::from_arrow("x".into(), Box::new(arr)).unwrap()
        };
        let mut chunked = floats(&x[..2]);
        chunked.append(&floats(&x[2..])).unwrap();
        let mut text_changed = t;
        text_changed[3] = Some("longer than twelve bytez");
        let others = [
            floats(&zero),
            floats(&changed),
            null_moved,
            chunked,
            texts(&text_changed),
            Series::new("d".into(), [1i32, 2, 3]),
            floats(&x).cast(&DataType::Float32).unwrap(),
        ];
        for s in &others {
            assert!(takes(s).is_none(), "{s:?} is no twin");
        }
        // Once the other side's column is let go, nothing holds its values.
        drop(base);
        assert!(takes(&floats(&x)).is_none());
    }

    /// A twin whose profile is still being computed waits for it; one
    /// whose profiler failed (its slot let go unfilled, as a panic leaves
    /// it) is profiled anew rather than waiting for ever.
    #[test]
    fn a_twin_waits_for_a_profile_being_computed_and_not_for_a_failed_one() {
        let s = Series::new("x".into(), [1.0f64, 2.0, 4.0]);
        let twins = Twins::default();
        let Claim::Own(Some(slot)) = twins.claim(&s) else {
            panic!("the first column of its name is kept")
        };
        let twin = s.clone();
        std::thread::scope(|scope| {
            let waiting = scope.spawn(|| match twins.claim(&twin) {
                Claim::Twin(slot) => slot.wait().clone(),
                Claim::Own(_) => panic!("a twin"),
            });
            slot.fill(Some(column(&s).unwrap()));
            assert_eq!(waiting.join().unwrap(), Some(column(&s).unwrap()));
        });
        let t = Series::new("t".into(), ["a", "b"]);
        let Claim::Own(Some(slot)) = twins.claim(&t) else {
            panic!("the first column of its name is kept")
        };
        drop(slot);
        let Claim::Twin(slot) = twins.claim(&t) else {
            panic!("a twin")
        };
        assert_eq!(*slot.wait(), None);
    }

    /// Columns profiled beside the reads (one or two at a time), read
    /// twice, read by two threads at once, and left to `finish` to read:
    /// every profile is the one of the column alone, once, in the
    /// table's order; a side whose columns are its twin's takes their
    /// profiles.
    #[test]
    fn columns_profiled_beside_the_reads_give_each_column_s_profile_once_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let n = 5_000usize;
        let mut df = df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "x" => (0..n).map(|i| (i * 7 % 1_000) as f64 / 7.0).collect::<Vec<_>>(),
            "s" => (0..n).map(|i| format!("v{}", i % 13)).collect::<Vec<_>>(),
            "late" => (0..n).map(|i| (i % 3 == 0).then_some(i as i32)).collect::<Vec<_>>(),
        )
        .unwrap();
        let expected = of_frame(&df, None).unwrap();
        write_sides(dir.path(), &mut df.clone(), &mut df);
        for beside in [0, 1, 2] {
            let ((b, h), (cb, ch)) = observed_sides(dir.path(), beside);
            std::thread::scope(|scope| {
                for t in [&b, &h] {
                    scope.spawn(|| {
                        for name in ["x", "s", "x", "id"] {
                            let _read = t.column(name).unwrap();
                        }
                    });
                }
                let _read = b.column("s").unwrap();
            });
            for (side, c) in [(&b, &cb), (&h, &ch)] {
                let p = c.finish(side, None).unwrap();
                assert_eq!(p, expected, "{beside} beside");
            }
        }
    }

    /// `base/t.parquet` and `head/t.parquet` in `dir`, holding `base` and
    /// `head`.
    pub(super) fn write_sides(dir: &std::path::Path, base: &mut DataFrame, head: &mut DataFrame) {
        for (side, df) in [("base", base), ("head", head)] {
            std::fs::create_dir(dir.join(side)).unwrap();
            let file = std::fs::File::create(dir.join(side).join("t.parquet")).unwrap();
            ParquetWriter::new(file).finish(df).unwrap();
        }
    }

    /// Both sides [`write_sides`] wrote, opened to be read a column at a
    /// time, each seen by its collector of a pair profiling up to
    /// `beside` columns beside.
    pub(super) fn observed_sides(
        dir: &std::path::Path,
        beside: usize,
    ) -> ((OnDisk, OnDisk), (Arc<Collector>, Arc<Collector>)) {
        let table = crate::config::Table::new(
            "t",
            "t.parquet",
            crate::config::Format::Parquet,
            crate::config::CompareMode::Exact,
        );
        let open = |side: &str| {
            OnDisk::open(&dir.join(side), "t.parquet", &table)
                .unwrap()
                .expect("a Parquet file is read a column at a time")
        };
        let (mut b, mut h) = (open("base"), open("head"));
        let (cb, ch) = Collector::pair(beside);
        b.observe(cb.observer());
        h.observe(ch.observer());
        ((b, h), (cb, ch))
    }

    #[test]
    fn top_values_count_short_and_long_strings_alike() {
        let long = "a category name longer than twelve bytes";
        let df = df!(
            "s" => [Some(long), Some("x"), None, Some(long), Some("x"), Some("x"), Some("")],
        )
        .unwrap();
        let p = of_frame(&df, None).unwrap();
        let t = p.columns[0].text.as_ref().unwrap();
        assert_eq!(
            t.top,
            [
                ("x".to_string(), 3),
                (long.to_string(), 2),
                (String::new(), 1)
            ]
        );
        assert_eq!((t.empty, p.columns[0].null_count), (1, 1));
    }

    #[test]
    fn integers_dates_and_signed_zeros_profile_as_their_numbers() {
        let df = df!(
            "i" => [Some(3i32), None, Some(-1), Some(3)],
            "z" => [0.0f64, -0.0, 1.0, 1.0],
        )
        .unwrap();
        let day = df.column("i").unwrap().cast(&DataType::Date).unwrap();
        let df = df.hstack(&[day.with_name("day".into())]).unwrap();
        let p = of_frame(&df, None).unwrap();
        for c in [&p.columns[0], &p.columns[2]] {
            let n = c.numbers.as_ref().unwrap();
            assert_eq!((c.null_count, c.distinct), (1, 2), "{}", c.name);
            assert_eq!((n.min, n.max, n.p50), (-1.0, 3.0, 3.0), "{}", c.name);
            assert!((n.mean - 5.0 / 3.0).abs() < 1e-12, "{}", c.name);
        }
        // -0 and 0 are one value.
        assert_eq!(p.columns[1].distinct, 2);
    }

    #[test]
    fn unsigned_and_wide_integers_profile_exactly() {
        let df = df!(
            "u" => [Some(7u8), None, Some(255), Some(0)],
            "big" => [i64::MIN, -1, 0, i64::MAX],
        )
        .unwrap();
        let p = of_frame(&df, None).unwrap();
        let u = p.columns[0].numbers.as_ref().unwrap();
        assert_eq!((u.min, u.p50, u.max), (0.0, 7.0, 255.0));
        let big = p.columns[1].numbers.as_ref().unwrap();
        assert_eq!((big.min, big.max), (i64::MIN as f64, i64::MAX as f64));
        // numpy.quantile([MIN, -1, 0, MAX], 0.5) = -0.5
        assert_eq!(big.p50, -0.5);
    }

    #[test]
    fn text_of_many_distinct_values_is_estimated_without_top_values() {
        let rows = EXACT_DISTINCT_UP_TO + 1500;
        let many: Vec<String> = (0..rows).map(|i| format!("value number {i}")).collect();
        let few: Vec<&str> = (0..rows)
            .map(|i| ["a", "b"][(i % 3 == 0) as usize])
            .collect();
        let df = df!("many" => many, "few" => few).unwrap();
        let p = of_frame(&df, None).unwrap();
        let many = &p.columns[0];
        assert!(many.text.as_ref().unwrap().top.is_empty());
        let want = rows as f64;
        assert!(
            (many.distinct as f64 - want).abs() < 0.02 * want,
            "{}",
            many.distinct
        );
        assert_ne!(many.distinct, rows as u64, "estimated, not counted");
        // And says so; a few values of as large a column are counted.
        assert_eq!(many.distinct_error, distinct::RELATIVE_ERROR);
        // Of 132,572 rows, every third (44,191) is "b".
        let few = &p.columns[1];
        assert_eq!((few.distinct, few.distinct_error), (2, 0.0));
        assert_eq!(few.text.as_ref().unwrap().top[0], ("a".to_string(), 88_381));
    }

    #[test]
    fn distinct_values_of_a_small_column_are_counted_not_estimated() {
        // 1,000 distinct floats (HyperLogLog said 985 of one such column,
        // a change point in a small table's history), with -0 and
        // 0 as one value and NaN as none; 20,000 distinct strings, past the
        // top values' limit; lists.
        let mut floats: Vec<Option<f64>> = (0..1000).map(|i| Some(1.0 + i as f64 / 7.0)).collect();
        floats.extend([Some(0.0), Some(-0.0), Some(f64::NAN), None]);
        let strings: Vec<String> = (0..20_000).map(|i| format!("name {i}")).collect();
        let lists: Vec<Series> = (0..3000)
            .map(|i| Series::new("".into(), [i % 1500, 7]))
            .collect();
        let counted = |df: DataFrame| {
            let c = of_frame(&df, None).unwrap().columns.remove(0);
            assert_eq!(c.distinct_error, 0.0, "{} was counted", c.name);
            c
        };
        assert_eq!(counted(df!("f" => floats).unwrap()).distinct, 1001);
        let s = counted(df!("s" => strings).unwrap());
        assert_eq!(s.distinct, 20_000);
        assert!(s.text.as_ref().unwrap().top.is_empty());
        assert_eq!(counted(df!("l" => lists).unwrap()).distinct, 1500);
    }

    #[test]
    fn twenty_digit_ids_are_counted_as_the_distinct_values_they_are() {
        // Was "distinct 1" for two ids a unit apart: counted as floats.
        let ids = Series::new(
            "id".into(),
            [12_345_678_901_234_567_890i128, 12_345_678_901_234_567_891],
        );
        let p = of_frame(
            &DataFrame::new_infer_height(vec![ids.into()]).unwrap(),
            None,
        )
        .unwrap();
        assert_eq!(p.columns[0].distinct, 2);
    }

    #[test]
    fn a_distinct_count_says_whether_it_was_estimated() {
        // Was "distinct ~2" for two rows: every count printed as estimated.
        let ints: Vec<i64> = (0..EXACT_DISTINCT_UP_TO as i64 + 1).collect();
        let scattered: Vec<i64> = ints.iter().map(|i| i * 2_654_435_761 % (1 << 40)).collect();
        let p = of_frame(
            &df!(
                "in order" => &ints,
                "few" => ints.iter().map(|i| i % 2).collect::<Vec<_>>(),
                "scattered" => &scattered,
            )
            .unwrap(),
            None,
        )
        .unwrap();
        // Past the counted size, numbers in order are counted as they
        // change, a narrow range a bit per value; others are estimated.
        let found = |i: usize| (p.columns[i].distinct, p.columns[i].distinct_error);
        assert_eq!(found(0), (ints.len() as u64, 0.0));
        assert_eq!(found(1), (2, 0.0));
        assert_eq!(found(2).1, distinct::RELATIVE_ERROR);
        let p = of_frame(&df!("two" => [1i64, 2]).unwrap(), None).unwrap();
        assert_eq!(
            (p.columns[0].distinct, p.columns[0].distinct_error),
            (2, 0.0)
        );
    }

    #[test]
    fn counting_stops_midway_yet_empties_and_distinct_cover_every_row() {
        // Short strings (whole in their views), nulls, and empty strings on
        // both sides of the row where the counting gives way to estimating.
        // Past the size whose values are all counted.
        let n = EXACT_DISTINCT_UP_TO * 7 / 6 + 3 * TOP_OF_DISTINCT as usize;
        let value = |i: usize| match i {
            i if i % 7 == 0 => None,
            i if i % 1000 == 999 => Some(String::new()),
            i => Some(format!("m{i}")),
        };
        let values: Vec<Option<String>> = (0..n).map(value).collect();
        let empties = (0..n).filter(|&i| value(i).as_deref() == Some("")).count();
        let distinct = (0..n)
            .filter(|&i| value(i).is_some_and(|v| !v.is_empty()))
            .count()
            + 1;
        let df = df!("s" => values).unwrap();
        let p = of_frame(&df, None).unwrap();
        let s = &p.columns[0];
        let text = s.text.as_ref().unwrap();
        assert_eq!(text.empty, empties as u64);
        assert!(text.top.is_empty());
        let want = distinct as f64;
        assert!(
            (s.distinct as f64 - want).abs() < 0.03 * want,
            "{}",
            s.distinct
        );
    }

    #[test]
    fn short_values_counted_apart_lose_nothing_when_they_outgrow_the_array() {
        // Four short values more than the array holds, value i seen i + 1
        // times, interleaved so that the one too many arrives after
        // counting began.
        let n = Few::MOST + 4;
        let values: Vec<String> = (0..n)
            .flat_map(|i| (0..=i).map(move |j| (i, j)))
            .map(|(i, _)| format!("v{i:03}"))
            .rev()
            .collect();
        let df = df!("s" => values).unwrap();
        let p = of_frame(&df, None).unwrap();
        let s = &p.columns[0];
        assert_eq!(s.distinct, n as u64);
        let top = &s.text.as_ref().unwrap().top;
        assert_eq!(top[0], (format!("v{:03}", n - 1), n as u64));
        assert_eq!(top[9], (format!("v{:03}", n - 10), n as u64 - 9));
    }

    #[test]
    fn few_short_values_are_counted_exactly_wherever_their_hashes_fall() {
        // One to one more than the table holds short values, value k seen
        // k + 3 times, in a scrambled order: whatever places their hashes
        // probe, every count is the one a plain count gives.
        for n in (1..=12).chain(Few::MOST - 2..=Few::MOST + 1) {
            let mut values: Vec<String> = (0..n)
                .flat_map(|k| std::iter::repeat_n(format!("c{k}"), k + 3))
                .collect();
            let len = values.len();
            for i in 0..len {
                values.swap(i, i * 7919 % len);
            }
            let df = df!("s" => &values).unwrap();
            let column = of_frame(&df, None).unwrap().columns.remove(0);
            assert_eq!(column.distinct, n as u64, "{n} values");
            let top = column.text.unwrap().top;
            let mut want: Vec<(String, u64)> =
                (0..n).map(|k| (format!("c{k}"), (k + 3) as u64)).collect();
            want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            want.truncate(TOP_VALUES);
            assert_eq!(top, want, "{n} values");
        }
    }

    /// Every width finds a run's long strings (past 12 bytes) and empty
    /// ones as a view-at-a-time test does, for runs of 64 and shorter.
    #[test]
    fn long_and_empty_strings_are_found_alike_on_every_width() {
        let values: Vec<String> = (0..200).map(|i| "x".repeat(i * 7 % 23)).collect();
        let arr =
            Utf8ViewArray::from_slice_values(values.iter().map(String::as_str).collect::<Vec<_>>());
        let views = arr.views().as_slice();
        for wide in Wide::all_here() {
            for len in [64, 63, 5] {
                for part in views.chunks(len) {
                    let (long, zero) = long_and_empty(wide, part);
                    for (j, v) in part.iter().enumerate() {
                        assert_eq!(long >> j & 1 == 1, v.length > 12, "{wide:?}");
                        assert_eq!(zero >> j & 1 == 1, v.length == 0, "{wide:?}");
                    }
                    if part.len() < 64 {
                        assert_eq!((long | zero) >> part.len(), 0, "no bit past the run");
                    }
                }
            }
        }
    }

    #[test]
    fn text_in_chunks_loses_no_value_in_any_of_its_three_loops() {
        // Chunk one: categories, nulls and empties (the small table's
        // loop). Chunk two: a long value early (the maps' loop), then more
        // distinct values than are counted, short and long, so that the
        // estimating loop starts midway. Chunk three: all of these mixed.
        let category = |i: usize| match i % 5 {
            0 => None,
            1 => Some(String::new()),
            k => Some(format!("c{k}")),
        };
        // Every other value empty: counting gives way to estimating after
        // a value that is not, so that the empty one after it is the first
        // the estimating loop must count.
        let mixed = |i: usize| match (i % 2, i / 2 % 9) {
            (1, _) => Some(String::new()),
            (_, 0) => None,
            (_, 2 | 3) => Some(format!("s{}", i % 50_000)),
            _ => Some(format!("a value long enough {i}")),
        };
        let chunks: Vec<Vec<Option<String>>> = vec![
            (0..300).map(category).collect(),
            (0..EXACT_DISTINCT_UP_TO * 5 / 4).map(mixed).collect(),
            (0..5000)
                .map(|i| mixed(i + 7))
                .chain((0..300).map(category))
                .collect(),
        ];
        let mut chunked = Series::new("t".into(), &chunks[0]);
        for c in &chunks[1..] {
            chunked.append(&Series::new("t".into(), c)).unwrap();
        }
        assert_eq!(chunked.n_chunks(), 3);
        let all: Vec<&str> = chunks
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect();
        // The oracle: every value's hash, as the views hold them, in one
        // sketch; the empties and the distinct values counted plainly.
        let mut sketch = distinct::Distinct::default();
        for v in &all {
            sketch.add(if v.len() <= 12 {
                distinct::hash_u128(View::new_inline(v.as_bytes()).as_u128())
            } else {
                hash_text(v)
            });
        }
        let exact = all.iter().collect::<std::collections::HashSet<_>>().len() as f64;
        let one_chunk = chunked.rechunk();
        for s in [&chunked, &one_chunk] {
            let c = column(s).unwrap();
            let text = c.text.as_ref().unwrap();
            assert_eq!(
                text.empty,
                all.iter().filter(|v| v.is_empty()).count() as u64
            );
            assert_eq!(c.null_count, (s.len() - all.len()) as u64);
            assert_eq!(
                (c.distinct, c.distinct_error),
                (sketch.count(), distinct::RELATIVE_ERROR)
            );
            assert!(
                (c.distinct as f64 - exact).abs() < 0.03 * exact,
                "{}",
                c.distinct
            );
            assert!(text.top.is_empty());
        }
    }

    #[test]
    fn lists_structs_and_binary_profile_their_nulls_and_distinct_values() {
        // polars' approx_n_unique takes no nested values: a table with a
        // list column could not be profiled, recorded or compared with
        // --profile at all.
        let list = Series::new(
            "tags".into(),
            [
                Some(Series::new("".into(), ["a"])),
                Some(Series::new("".into(), ["b", "c"])),
                Some(Series::new("".into(), ["a"])),
                Some(Series::new("".into(), Vec::<&str>::new())),
                None,
            ],
        );
        let x = Series::new("x".into(), [Some(1i64), Some(2), Some(1), None, Some(1)]);
        let y = Series::new(
            "y".into(),
            [Some("p"), Some("q"), Some("p"), None, Some("r")],
        );
        let pair = StructChunked::from_series("pair".into(), 5, [x, y].iter())
            .unwrap()
            .into_series();
        let bytes = Series::new(
            "bytes".into(),
            [
                Some(&b"\x00"[..]),
                Some(b"\x00"),
                None,
                Some(b""),
                Some(b"\x01"),
            ],
        );
        let df = DataFrame::new(5, vec![list.into(), pair.into(), bytes.into()]).unwrap();
        let p = of_frame(&df, None).unwrap();
        let got: Vec<(u64, u64)> = p
            .columns
            .iter()
            .map(|c| (c.null_count, c.distinct))
            .collect();
        // ["a"], ["b","c"], [] ; {1,p}, {2,q}, {null,null}, {1,r} ; 00, "", 01
        assert_eq!(got, [(1, 3), (0, 4), (1, 3)]);
    }

    /// The profile of `values` in several chunks (as a file's row
    /// groups come).
    pub(super) fn chunked<T: PolarsNumericType>(
        values: &[Option<T::Native>],
        parts: usize,
    ) -> Series
    where
        ChunkedArray<T>: IntoSeries,
    {
        let size = values.len().div_ceil(parts).max(1);
        let mut chunks = values.chunks(size);
        let mut ca = ChunkedArray::<T>::from_iter_options(
            "x".into(),
            chunks.next().unwrap().iter().copied(),
        );
        for part in chunks {
            ca.append_owned(ChunkedArray::<T>::from_iter_options(
                "x".into(),
                part.iter().copied(),
            ))
            .unwrap();
        }
        ca.into_series()
    }

    /// Every vector width the processor running the tests has makes the
    /// same keys, sums, bounds and squares as the baseline build, bit for
    /// bit: floats of every kind (signed zeros, infinities, subnormals,
    /// NaN) and integers of both signs, in parts of every length.
    #[test]
    fn keys_and_sums_built_for_each_vector_width_are_the_baseline_s() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(28);
        let widths = Wide::all_here();
        let kinds = [
            0.0,
            -0.0,
            1.5,
            -2.25,
            f64::INFINITY,
            f64::NEG_INFINITY,
            5e-324,
            -1e300,
        ];
        for len in [0, 1, 3, 4, 5, 63, 64] {
            let floats: Vec<f64> = (0..len)
                .map(|_| match rng.random_range(0..4) {
                    0 => kinds[rng.random_range(0..kinds.len())],
                    _ => rng.random::<f64>() * 1e6 - 5e5,
                })
                .collect();
            let ints: Vec<i64> = (0..len).map(|_| rng.random()).collect();
            let with_nan: Vec<f64> = floats
                .iter()
                .map(|&x| if x > 0.0 { f64::NAN } else { x })
                .collect();
            let seen = |wide: Wide| {
                let mut out = Vec::new();
                for values in [&floats, &with_nan] {
                    let mut keys = vec![0u64; len];
                    let numbers = make_keys(wide, values, &mut keys);
                    out.push((keys.clone(), numbers));
                }
                let mut ikeys = vec![0u64; len];
                let numbers = make_keys(wide, &ints, &mut ikeys);
                out.push((ikeys.clone(), numbers));
                let keys = &out[0].0;
                let mut first = First {
                    n: 3,
                    sum: [1.0, 2.0, 3.0, 4.0],
                    lo: u64::MAX,
                    hi: 0,
                    last: 0,
                    ascending: true,
                    changes: 0,
                };
                first_pass::<f64, true>(wide, keys, &mut first);
                let mut ifirst = first;
                first_pass::<i64, false>(wide, &ikeys, &mut ifirst);
                let mut squares = [0.5; 4];
                add_squares::<f64>(wide, &mut squares, 1, keys, 3.0);
                let bits = |sums: [f64; 4]| sums.map(f64::to_bits);
                let figures =
                    |f: &First| (f.n, bits(f.sum), f.lo, f.hi, f.last, f.ascending, f.changes);
                (out, figures(&first), figures(&ifirst), bits(squares))
            };
            let baseline = seen(Wide::Baseline);
            for &wide in &widths[1..] {
                assert_eq!(seen(wide), baseline, "{len} values");
            }
        }
    }

    /// A column whose null slots hold NaN or numbers: only the valid
    /// values are profiled, each part of 64 read whole or value by value.
    #[test]
    fn null_slots_holding_nan_or_numbers_profile_as_the_valid_values() {
        use polars_arrow::array::PrimitiveArray;
        use polars_arrow::bitmap::Bitmap;
        let n = 300;
        let values: Vec<f64> = (0..n)
            .map(|i| match i % 50 {
                7 => f64::NAN,
                _ => (i * 37 % 101) as f64,
            })
            .collect();
        // Nulls over some NaN and some numbers; one part of 64 without
        // nulls at all.
        let valid: Bitmap = (0..n)
            .map(|i| (64..128).contains(&i) || i % 9 != 0)
            .collect();
        let arr = PrimitiveArray::new(
            polars_arrow::datatypes::ArrowDataType::Float64,
            values.clone().into(),
            Some(valid.clone()),
        );
        let ca = Float64Chunked::with_chunk("x".into(), arr);
        let got = column(&ca.into_series()).unwrap();
        let kept: Vec<Option<f64>> = (0..n)
            .map(|i| valid.get_bit(i).then_some(values[i]))
            .collect();
        let plain = Float64Chunked::from_iter_options("x".into(), kept.into_iter());
        let want = column(&plain.into_series()).unwrap();
        assert_eq!(got, want);
        // Nulls, and NaN where a value is valid (as numbers, NaN is none).
        let nulls = (0..n).filter(|&i| !valid.get_bit(i)).count();
        let nan = (0..n)
            .filter(|&i| valid.get_bit(i) && values[i].is_nan())
            .count();
        assert_eq!(got.null_count, (nulls + nan) as u64);
        assert!(nan > 0 && nulls > 0);
    }

    /// Numbers already in order (a key column of a sorted output) are
    /// profiled by a walk rather than the selection: the same figures as
    /// the same values out of order, their distinct values counted exactly
    /// however many, with nulls, NaN, ties, a first key of 0 and columns
    /// that fall after a rising start.
    #[test]
    fn numbers_in_order_are_profiled_as_the_same_numbers_out_of_order() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(19);
        let n = EXACT_DISTINCT_UP_TO + 5_000;
        // Each case: whether it is in order.
        let mut cases: Vec<(&str, Vec<Option<f64>>, bool)> = Vec::new();
        let mut floats: Vec<f64> = (0..n)
            .map(|_| (rng.random::<f64>() * 300.0).floor() - 20.0)
            .collect();
        floats.sort_by(f64::total_cmp);
        let with_gaps = floats
            .iter()
            .enumerate()
            .map(|(i, &x)| match i % 97 {
                5 => None,
                11 => Some(f64::NAN),
                _ => Some(x),
            })
            .collect();
        cases.push(("ties, nulls and NaN", with_gaps, true));
        let mut unique: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 1e3 - 1.0).collect();
        unique.sort_by(f64::total_cmp);
        cases.push(("no ties", unique.into_iter().map(Some).collect(), true));
        let mut falls = floats.iter().map(|&x| Some(x)).collect::<Vec<_>>();
        falls[n - 10] = Some(-1e9);
        cases.push(("falls at the end", falls, false));
        for (what, values, ordered) in cases {
            let mut shuffled = values.clone();
            shuffled.shuffle(&mut rng);
            let in_order = column(&chunked::<Float64Type>(&values, 3)).unwrap();
            let out = column(&chunked::<Float64Type>(&shuffled, 1)).unwrap();
            let (a, b) = same_order_statistics(&in_order, &out, what);
            assert!((a.mean - b.mean).abs() <= 1e-12 * b.mean.abs(), "{what}");
            assert!((a.std - b.std).abs() <= 1e-12 * b.std, "{what}");
            let mut distinct: Vec<u64> = values
                .iter()
                .flatten()
                .filter(|x| !x.is_nan())
                .map(|&x| quantiles::key(x + 0.0))
                .collect();
            distinct.sort_unstable();
            distinct.dedup();
            assert_eq!(in_order.null_count, out.null_count, "{what}");
            if ordered {
                assert_eq!(in_order.distinct, distinct.len() as u64, "{what}");
                assert_eq!(in_order.distinct_error, 0.0, "{what}");
            } else {
                // Estimated, as out of order.
                assert_eq!(in_order.distinct, out.distinct, "{what}");
                assert_eq!(in_order.distinct_error, distinct::RELATIVE_ERROR, "{what}");
            }
        }
        // Keys from 0: the first one is a value though no change.
        let ascending: Vec<Option<u64>> = (0..n as u64).map(|i| Some(i / 3)).collect();
        let p = column(&chunked::<UInt64Type>(&ascending, 2)).unwrap();
        assert_eq!((p.distinct, p.distinct_error), (n.div_ceil(3) as u64, 0.0));
    }

    /// Asserts that two profiles of numbers agree in their order
    /// statistics (min, max, p01, p50, p99, the sketch); their numbers.
    fn same_order_statistics<'a>(
        x: &'a ColumnProfile,
        y: &'a ColumnProfile,
        what: &str,
    ) -> (&'a NumberProfile, &'a NumberProfile) {
        let (a, b) = (x.numbers.as_ref().unwrap(), y.numbers.as_ref().unwrap());
        assert_eq!(
            (a.min, a.max, a.p01, a.p50, a.p99, &a.sketch),
            (b.min, b.max, b.p01, b.p50, b.p99, &b.sketch),
            "{what}"
        );
        (a, b)
    }

    /// numpy's quantile (linear interpolation) of ascending `sorted`.
    fn numpy_quantile(sorted: &[f64], p: f64) -> f64 {
        let h = (sorted.len() - 1) as f64 * p;
        let (lo, hi) = (sorted[h.floor() as usize], sorted[h.ceil() as usize]);
        lo + (hi - lo) * (h - h.floor())
    }

    /// Floats in no order, whatever their first keys say of the rest (a
    /// fair sample, one value, a descending run, both signs with the
    /// values nearest zero late, a heavy tail), with nulls and NaN: the
    /// profile's extremes, quantiles and sketch are a sort's, and its
    /// moments two passes' over the valid values.
    #[test]
    fn floats_profile_as_a_sort_gives_whatever_their_first_keys_are() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(3838);
        let n = 20_000usize;
        let cases: Vec<(&str, Vec<f64>)> = vec![
            (
                "uniform",
                (0..n).map(|_| rng.random::<f64>() * 1e3).collect(),
            ),
            (
                "one value first",
                (0..n)
                    .map(|i| {
                        if i < 400 {
                            7.0
                        } else {
                            rng.random::<f64>() * 50.0
                        }
                    })
                    .collect(),
            ),
            ("descending", (0..n).map(|i| (n - i) as f64 * 0.5).collect()),
            (
                "both signs, nearest zero late",
                (0..n)
                    .map(|i| match i {
                        0..300 => {
                            rng.random::<f64>() - 0.5 + 0.1f64.copysign(rng.random::<f64>() - 0.5)
                        }
                        _ => rng.random::<f64>() - 0.5,
                    })
                    .collect(),
            ),
            (
                "heavy tail",
                (0..n)
                    .map(|_| (-rng.random::<f64>().ln()).powi(4) - 1.0)
                    .collect(),
            ),
        ];
        for (what, numbers) in cases {
            let values: Vec<Option<f64>> = numbers
                .iter()
                .enumerate()
                .map(|(i, &x)| match i % 89 {
                    7 => None,
                    30 if i > 1_000 => Some(f64::NAN),
                    _ => Some(x),
                })
                .collect();
            let mut sorted: Vec<f64> = values
                .iter()
                .flatten()
                .copied()
                .filter(|x| !x.is_nan())
                .collect();
            sorted.sort_by(f64::total_cmp);
            let m = sorted.len();
            let p = column(&chunked::<Float64Type>(&values, 3)).unwrap();
            let got = p.numbers.as_ref().unwrap();
            let q = |p| numpy_quantile(&sorted, p);
            let sketch: Vec<f64> = (0..=SKETCH_STEPS)
                .map(|i| sorted[i * (m - 1) / SKETCH_STEPS])
                .collect();
            assert_eq!((got.min, got.max), (sorted[0], sorted[m - 1]), "{what}");
            assert_eq!(
                (got.p01, got.p50, got.p99),
                (q(0.01), q(0.5), q(0.99)),
                "{what}"
            );
            assert_eq!(got.sketch.points, sketch, "{what}");
            let mean = sorted.iter().sum::<f64>() / m as f64;
            let var = sorted.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (m - 1) as f64;
            assert!(
                (got.mean - mean).abs() <= 1e-12 * mean.abs().max(1.0),
                "{what}"
            );
            assert!((got.std - var.sqrt()).abs() <= 1e-12 * var.sqrt(), "{what}");
            assert_eq!(p.null_count, (n - m) as u64, "{what}");
        }
    }

    /// Integers of a narrow range in no order, the range's ends coming
    /// after the first batch or not: profiled from the first pass's counts
    /// (each bucket one value) or by its buckets' gathering, they give
    /// what the same values in order give (read by a walk), and what a
    /// sort and two passes over them give.
    #[test]
    fn integers_out_of_order_profile_as_in_order_from_the_first_pass_s_buckets() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(38);
        let n = 30_000;
        for (what, width, late) in [
            ("rating", 5, false),
            ("rating, ends late", 5, true),
            ("codes", 3_000, true),
            ("wide codes", 200_000, true),
        ] {
            let mut values: Vec<Option<i64>> = (0..n)
                .map(|i| (i % 53 != 4).then(|| 100 + rng.random_range(1..width - 1)))
                .collect();
            values.shuffle(&mut rng);
            // The range's ends: both within the first 256 values (buckets
            // of one value each) or after them.
            let at = if late { [n - 7, n / 2] } else { [3, 9] };
            (values[at[0]], values[at[1]]) = (Some(100), Some(100 + width - 1));
            let mut sorted: Vec<i64> = values.iter().flatten().copied().collect();
            sorted.sort_unstable();
            let in_order: Vec<Option<i64>> = sorted.iter().map(|&v| Some(v)).collect();
            let out = column(&chunked::<Int64Type>(&values, 2)).unwrap();
            let ordered = column(&chunked::<Int64Type>(&in_order, 1)).unwrap();
            let (a, _) = same_order_statistics(&out, &ordered, what);
            // numpy's linear interpolation, and the moments, from the sort.
            let m = sorted.len();
            let floats: Vec<f64> = sorted.iter().map(|&v| v as f64).collect();
            let q = |p| numpy_quantile(&floats, p);
            assert_eq!((a.p01, a.p50, a.p99), (q(0.01), q(0.5), q(0.99)), "{what}");
            let mean = sorted.iter().map(|&v| v as f64).sum::<f64>() / m as f64;
            let var = sorted
                .iter()
                .map(|&v| (v as f64 - mean).powi(2))
                .sum::<f64>()
                / (m - 1) as f64;
            assert!((a.mean - mean).abs() <= 1e-12 * mean, "{what}");
            assert!((a.std - var.sqrt()).abs() <= 1e-12 * var.sqrt(), "{what}");
            let mut distinct = sorted.clone();
            distinct.dedup();
            assert_eq!(
                (out.distinct, out.distinct_error),
                (distinct.len() as u64, 0.0),
                "{what}"
            );
            assert_eq!(out.null_count, (n - m) as u64, "{what}");
        }
    }

    /// A column of integers in a range of under 2^20 has its distinct
    /// values counted a bit each, exactly, out of order and however many
    /// rows: at the widths where one word or a table of words holds them.
    #[test]
    fn distinct_integers_of_a_narrow_range_are_counted_exactly() {
        let n = EXACT_DISTINCT_UP_TO as i64 + 1_000;
        for width in [1i64, 63, 64, 65, 5_000, (1 << 20) - 1, 1 << 20] {
            // Out of order, every value of the range but the last hit,
            // nulls among them.
            let values: Vec<Option<i64>> = (0..n)
                .map(|i| (i % 101 != 7).then_some(-300 + (i * 7_919) % width.max(2).min(n)))
                .map(|v| v.map(|v| v.min(-300 + width - 1)))
                .collect();
            let mut want: Vec<i64> = values.iter().flatten().copied().collect();
            want.sort_unstable();
            want.dedup();
            let p = column(&chunked::<Int64Type>(&values, 2)).unwrap();
            let estimated = want.len() > 1 && want[want.len() - 1] - want[0] >= 1 << 20;
            if estimated {
                assert_eq!(p.distinct_error, distinct::RELATIVE_ERROR, "width {width}");
            } else {
                assert_eq!(
                    (p.distinct, p.distinct_error),
                    (want.len() as u64, 0.0),
                    "width {width}"
                );
            }
        }
    }

    #[test]
    fn numbers_nulls_and_text_of_a_small_frame() {
        let df = df!(
            "x" => [Some(1.0), None, Some(f64::NAN), Some(3.0), Some(2.0)],
            "s" => [Some("a"), Some(""), None, Some("a"), Some("b")],
        )
        .unwrap();
        let p = of_frame(&df, Some(0)).unwrap();
        assert_eq!(p.row_count, 5);
        let x = &p.columns[0];
        assert_eq!(x.null_count, 2, "NaN counts as null");
        let n = x.numbers.as_ref().unwrap();
        assert_eq!((n.min, n.max, n.mean, n.p50), (1.0, 3.0, 2.0, 2.0));
        assert!((n.std - 1.0).abs() < 1e-12);
        // numpy.quantile([1, 2, 3], 0.01) = 1.02
        assert!((n.p01 - 1.02).abs() < 1e-12);
        assert_eq!(n.sketch.points.len(), SKETCH_STEPS + 1);
        assert_eq!(n.sketch.points[0], 1.0);
        assert_eq!(n.sketch.points[SKETCH_STEPS], 3.0);
        // NaN is a null here, not a value: 1, 2 and 3.
        assert_eq!(x.distinct, 3);
        let s = &p.columns[1];
        let t = s.text.as_ref().unwrap();
        assert_eq!((s.null_count, t.empty), (1, 1));
        assert_eq!(t.top[0], ("a".to_string(), 2));
        assert_eq!(s.distinct, 3);
        let metrics = p.metrics();
        let get = |c: &str, m: &str| {
            metrics
                .iter()
                .find(|x| x.column == Some(c) && x.name == m)
                .unwrap()
                .value
        };
        assert_eq!(get("x", "null_fraction"), 0.4);
        assert_eq!(get("s", "empty_fraction"), 0.2);
    }
}
