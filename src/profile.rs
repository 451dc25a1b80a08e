//! Profiles: the aggregates of one side of a table (row count, duplicate
//! keys, per column nulls, distinct values, and for numbers the moments,
//! p01/p50/p99 and a quantile sketch; for text the empty share and the top
//! values), computed where the data is: from a loaded frame, or from disk a
//! column at a time. The model is `model::profile`; history stores it.

use std::collections::HashMap;

use polars::prelude::*;
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
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| text.to_string());
    let table_name = name.map(str::to_string).unwrap_or_else(|| {
        file_name
            .split('.')
            .next()
            .filter(|s| !s.is_empty() && !s.contains('*'))
            .unwrap_or("table")
            .to_string()
    });
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
        let floats = if dtype.is_decimal() {
            s.cast(&DataType::Float64)?
        } else {
            s.to_physical_repr().cast(&DataType::Float64)?
        };
        let ca = floats.f64()?;
        let (values, moments) = finite_values(ca);
        profile.null_count = (ca.len() - values.len()) as u64;
        profile.distinct = distinct(&floats)?;
        profile.numbers = numbers(values, moments);
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

/// The non-null, non-NaN values, their sum, min and max, in one pass.
fn finite_values(ca: &Float64Chunked) -> (Vec<f64>, Moments) {
    let mut values: Vec<f64> = Vec::with_capacity(ca.len() - ca.null_count());
    let (mut sum, mut min, mut max) = (0.0, f64::INFINITY, f64::NEG_INFINITY);
    for arr in ca.downcast_iter() {
        let valid = arr.validity().filter(|v| v.unset_bits() > 0);
        for (i, &v) in arr.values().iter().enumerate() {
            let keep = !v.is_nan() && valid.is_none_or(|b| b.get_bit(i));
            if keep {
                values.push(v);
                sum += v;
                min = min.min(v);
                max = max.max(v);
            }
        }
    }
    (values, Moments { sum, min, max })
}

/// What the pass that gathers values also sums up.
struct Moments {
    sum: f64,
    min: f64,
    max: f64,
}

/// Moments, quantiles and sketch of the non-null, non-NaN values.
fn numbers(values: Vec<f64>, m: Moments) -> Option<NumberProfile> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let (mean, min, max) = (m.sum / n as f64, m.min, m.max);
    let m2: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
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
        .zip(quantiles::at_ranks(values, &ranks))
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
    let empty = ca
        .str_len_bytes()
        .iter()
        .filter(|len| *len == Some(0))
        .count() as u64;
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
    // six-category column.
    let mut counts: PlHashMap<&str, u64> = PlHashMap::new();
    for v in ca.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let mut top: Vec<(String, u64)> = counts
        .into_iter()
        .map(|(k, c)| (k.to_string(), c))
        .collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP_VALUES);
    TextProfile { empty, top }
}

#[cfg(test)]
mod tests {
    use super::*;

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
