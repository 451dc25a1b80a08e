//! Profiles: the aggregates of one side of a table (row count, duplicate
//! keys, per column nulls, distinct values, and for numbers the moments,
//! p01/p50/p99 and a quantile sketch; for text the empty share and the top
//! values), computed where the data is: from a loaded frame, or from disk a
//! column at a time. The model is `model::profile`; history stores it.

use std::collections::HashMap;

use polars::prelude::*;
use polars_arrow::array::Array as _;
use rayon::prelude::*;

use crate::load::OnDisk;
use crate::model::profile::{
    ColumnProfile, NumberProfile, Profile, SKETCH_STEPS, Sketch, TextProfile,
};
use crate::stats::{quantiles, summary};

/// Top values kept per text column...
pub const TOP_VALUES: usize = 10;
/// ...of at most this many distinct values (estimated).
pub const TOP_OF_DISTINCT: u64 = 10_000;

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

/// Profiles a table left on disk from the reads its comparison makes:
/// installed as the table's observer, it profiles each column the first
/// time it is read whole; [`Collector::finish`] reads the columns the
/// comparison did not (ignored ones, say) and assembles the profile in the
/// table's column order.
#[derive(Default)]
pub struct Collector {
    seen: std::sync::Mutex<Vec<ColumnProfile>>,
    error: std::sync::Mutex<Option<String>>,
    rows: std::sync::atomic::AtomicU64,
}

impl Collector {
    /// The observer to install with [`OnDisk::observe`].
    pub fn observer(self: &std::sync::Arc<Self>) -> crate::load::Observer {
        let me = std::sync::Arc::clone(self);
        std::sync::Arc::new(move |s: &Series| me.see(s))
    }

    fn knows(&self, name: &str) -> bool {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.iter().any(|c| c.name == name)
    }

    fn see(&self, s: &Series) {
        self.rows
            .store(s.len() as u64, std::sync::atomic::Ordering::Relaxed);
        if self.knows(s.name()) {
            return;
        }
        match column(s) {
            Ok(p) => {
                let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
                // Two workers may have read the column at once.
                if !seen.iter().any(|c| c.name == p.name) {
                    seen.push(p);
                }
            }
            Err(e) => {
                self.error
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .get_or_insert(e.to_string());
            }
        }
    }

    /// The profile of `table` (whose observer this is): columns not seen
    /// yet are read now.
    pub fn finish(&self, table: &OnDisk, duplicate_keys: Option<u64>) -> PolarsResult<Profile> {
        for name in table.schema.iter_names() {
            if !self.knows(name) {
                // Read to be seen: the observer profiles it.
                let _seen = table
                    .column(name)
                    .map_err(crate::load::LoadError::into_polars)?;
            }
        }
        if let Some(e) = self.error.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Err(PolarsError::ComputeError(e.into()));
        }
        let mut seen = std::mem::take(&mut *self.seen.lock().unwrap_or_else(|e| e.into_inner()));
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
    },
}

impl crate::error::Help for ProfileError {
    fn help(&self) -> Option<String> {
        match self {
            ProfileError::Format { .. } => Some(
                "name files .parquet, .csv, .ndjson/.jsonl or .arrow/.ipc, or pass --format".into(),
            ),
            ProfileError::Load(e) => e.help(),
            ProfileError::NoKey { .. } => Some("check --key against the file's columns".into()),
            ProfileError::Polars { .. } => None,
        }
    }
}

/// The name history gives the table at `location` (a path, a URI or
/// `table:db.name`): its file's or table's name up to the first dot
/// (`table` for a glob).
pub fn table_name(location: &str) -> String {
    let last = match location.strip_prefix("table:") {
        Some(t) => t.rsplit('.').next().unwrap_or(t),
        None => location.rsplit(['/', '\\']).next().unwrap_or(location),
    };
    last.split('.')
        .next()
        .filter(|s| !s.is_empty() && !s.contains('*'))
        .unwrap_or("table")
        .to_string()
}

/// The profile of the table at `path` (a file, or a glob of part files),
/// named `name` or after the file; with `key`, its duplicated keys.
pub fn of_path(
    path: &std::path::Path,
    name: Option<&str>,
    key: &[String],
    format: Option<crate::config::Format>,
) -> Result<(String, Profile), ProfileError> {
    use crate::config::Format;
    let text = path.to_string_lossy();
    let format = format
        .or_else(|| Format::from_path(&text))
        .ok_or_else(|| ProfileError::Format { path: path.into() })?;
    let table_name = name
        .map(str::to_string)
        .unwrap_or_else(|| table_name(&text));
    let df = crate::load::load_path(path, format).map_err(Box::new)?;
    let polars = |source| ProfileError::Polars {
        path: path.into(),
        source,
    };
    for k in key {
        if df.column(k).is_err() {
            return Err(ProfileError::NoKey {
                key: k.clone(),
                path: path.into(),
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
    let mut profile = ColumnProfile {
        name: s.name().to_string(),
        dtype: dtype.to_string(),
        null_count: s.null_count() as u64,
        distinct: 0,
        numbers: None,
        text: None,
    };
    if numeric {
        let physical = if dtype.is_decimal() {
            s.cast(&DataType::Float64)?
        } else {
            s.to_physical_repr().into_owned()
        };
        let pass = NumericPass::of(&physical)?;
        profile.null_count = (s.len() - pass.keys.len()) as u64;
        profile.distinct = pass.distinct.count() as u64;
        profile.numbers = numbers(pass);
    } else if matches!(
        dtype,
        DataType::String | DataType::Boolean | DataType::Categorical(..) | DataType::Enum(..)
    ) {
        let text = s.cast(&DataType::String)?;
        profile.distinct = distinct(&text)?;
        profile.text = Some(text_profile(text.str()?, profile.distinct));
    } else {
        profile.distinct = distinct(s)?;
    }
    Ok(profile)
}

/// Distinct non-null values, by HyperLogLog.
fn distinct(s: &Series) -> PolarsResult<u64> {
    if s.null_count() == s.len() {
        return Ok(0);
    }
    let estimate = s.approx_n_unique()? as u64;
    // HyperLogLog counts a null as one more value.
    Ok(estimate
        .saturating_sub(u64::from(s.null_count() > 0))
        .max(1))
}

/// One pass over a numeric column's physical values: each non-null,
/// non-NaN value as a quantile key, their sum and range, and their
/// distinct count (HyperLogLog++ over the keys, -0 as 0).
struct NumericPass {
    keys: Vec<u64>,
    sum: f64,
    min: u64,
    max: u64,
    distinct: polars_compute::hyperloglogplus::HyperLogLog<u64>,
}

impl NumericPass {
    fn push(&mut self, v: f64) {
        if v.is_nan() {
            return;
        }
        let v = v + 0.0;
        let k = quantiles::key(v);
        self.sum += v;
        self.min = self.min.min(k);
        self.max = self.max.max(k);
        self.keys.push(k);
        self.distinct.add(&k);
    }

    /// The pass over `s` (a physical numeric series: floats or integers).
    fn of(s: &Series) -> PolarsResult<NumericPass> {
        let mut pass = NumericPass {
            keys: Vec::with_capacity(s.len() - s.null_count()),
            sum: 0.0,
            min: u64::MAX,
            max: 0,
            distinct: polars_compute::hyperloglogplus::HyperLogLog::new(),
        };
        macro_rules! feed {
            ($ca:expr) => {
                for arr in $ca.downcast_iter() {
                    let valid = arr.validity().filter(|v| v.unset_bits() > 0);
                    for (i, &v) in arr.values().iter().enumerate() {
                        if valid.is_none_or(|b| b.get_bit(i)) {
                            pass.push(v as f64);
                        }
                    }
                }
            };
        }
        match s.dtype() {
            DataType::Float64 => feed!(s.f64()?),
            DataType::Float32 => feed!(s.f32()?),
            DataType::Int64 => feed!(s.i64()?),
            DataType::Int32 => feed!(s.i32()?),
            DataType::Int16 => feed!(s.i16()?),
            DataType::Int8 => feed!(s.i8()?),
            DataType::UInt64 => feed!(s.u64()?),
            DataType::UInt32 => feed!(s.u32()?),
            DataType::UInt16 => feed!(s.u16()?),
            DataType::UInt8 => feed!(s.u8()?),
            // Wider or rarer types: through a float column.
            _ => feed!(s.cast(&DataType::Float64)?.f64()?),
        }
        Ok(pass)
    }
}

/// Moments, quantiles and sketch of the values a pass gathered.
fn numbers(pass: NumericPass) -> Option<NumberProfile> {
    let n = pass.keys.len();
    if n == 0 {
        return None;
    }
    let mean = pass.sum / n as f64;
    let (min, max) = (quantiles::value(pass.min), quantiles::value(pass.max));
    let m2: f64 = pass
        .keys
        .iter()
        .map(|&k| {
            let d = quantiles::value(k) - mean;
            d * d
        })
        .sum();
    // Every rank the quantiles interpolate between, and the sketch's.
    let qs = [0.01, 0.5, 0.99];
    let mut ranks: Vec<usize> = (0..=SKETCH_STEPS)
        .map(|i| i * (n - 1) / SKETCH_STEPS)
        .collect();
    for q in qs {
        if let Some((lo, hi, _)) = summary::quantile_ranks(n, q) {
            ranks.extend([lo, hi]);
        }
    }
    let at: HashMap<usize, f64> = ranks
        .iter()
        .copied()
        .zip(quantiles::at_ranks_of_keys(
            &pass.keys,
            (pass.min, pass.max),
            &ranks,
        ))
        .collect();
    let q = |p| summary::quantile_by(n, p, |i| at[&i]);
    Some(NumberProfile {
        min,
        max,
        mean,
        std: if n > 1 {
            (m2 / (n - 1) as f64).sqrt()
        } else {
            0.0
        },
        p01: q(0.01),
        p50: q(0.5),
        p99: q(0.99),
        sketch: Sketch {
            points: ranks[..=SKETCH_STEPS].iter().map(|r| at[r]).collect(),
        },
        rank_error: 0.0,
    })
}

/// Empty strings and the most frequent values.
fn text_profile(ca: &StringChunked, distinct: u64) -> TextProfile {
    // Empty strings from the views' lengths: no array of lengths.
    let empty = ca
        .downcast_iter()
        .map(|arr| {
            let valid = arr.validity().filter(|v| v.unset_bits() > 0);
            arr.views()
                .iter()
                .enumerate()
                .filter(|(i, v)| v.length == 0 && valid.is_none_or(|b| b.get_bit(*i)))
                .count() as u64
        })
        .sum();
    // Top values are kept for categories. Beyond TOP_OF_DISTINCT distinct
    // values (ids, names, URLs) none is frequent enough to watch, and
    // counting them all cost more than the rest of the profile (perf: a
    // third of it on a column of 100k distinct strings in 10M rows).
    if distinct > TOP_OF_DISTINCT {
        return TextProfile {
            empty,
            top: Vec::new(),
        };
    }
    // polars' map (foldhash): SipHash was a tenth of profiling a
    // six-category column. A string of at most 12 bytes lies whole in its
    // 16-byte view (length, bytes, zero padding), so equal views are equal
    // strings: those are counted by view, without reading or comparing
    // bytes; longer ones by their text.
    let mut short: PlHashMap<u128, u64> = PlHashMap::new();
    let mut long: PlHashMap<&str, u64> = PlHashMap::new();
    for arr in ca.downcast_iter() {
        let valid = arr.validity().filter(|v| v.unset_bits() > 0);
        for (i, v) in arr.views().iter().enumerate() {
            if !valid.is_none_or(|b| b.get_bit(i)) {
                continue;
            }
            if v.length <= 12 {
                *short.entry(v.as_u128()).or_default() += 1;
            } else {
                // SAFETY: `i` is below the array's length.
                *long.entry(unsafe { arr.value_unchecked(i) }).or_default() += 1;
            }
        }
    }
    let inline = |view: u128| -> String {
        let bytes = view.to_le_bytes();
        let len = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
        String::from_utf8_lossy(&bytes[4..4 + len]).into_owned()
    };
    let mut top: Vec<(String, u64)> = short
        .into_iter()
        .map(|(view, c)| (inline(view), c))
        .chain(long.into_iter().map(|(k, c)| (k.to_string(), c)))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP_VALUES);
    TextProfile { empty, top }
}

#[cfg(test)]
mod tests {
    use super::*;

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
