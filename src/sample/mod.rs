//! Consistent sampling by key hash: a row is in the sample when
//! `pmod(hash(key...), 10000) < buckets`, with the hash computed exactly as
//! Spark's `xxhash64` or `hash` computes it (`hash.rs`), so a pipeline in
//! production, a Spark job and swimlane all take the same subset of keys.
//! This module hashes polars columns and says which rows are kept; it does
//! not read or write tables.

pub mod apply;
pub mod hash;
pub mod snapshot;

use polars::prelude::*;

use crate::config::{Sample, SampleHash};
pub use hash::SparkHash;
use hash::Value;

/// The buckets a rate is counted in.
pub const BUCKETS: i64 = crate::config::SAMPLE_BUCKETS;

#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    #[error(
        "key column `{column}` is {dtype}, which the Spark hash functions do not take as swimlane can reproduce"
    )]
    KeyType { column: String, dtype: String },
    #[error("rate {rate} is not in (0, 1]")]
    Rate { rate: f64 },
    #[error(transparent)]
    Polars(#[from] PolarsError),
}

impl crate::error::Help for SampleError {
    fn help(&self) -> Option<String> {
        match self {
            SampleError::KeyType { .. } => Some(
                "sample on integer, string, date, timestamp, boolean, decimal, float or binary keys"
                    .into(),
            ),
            SampleError::Rate { .. } => {
                Some("give a fraction such as 0.01 (1% of keys)".into())
            }
            SampleError::Polars(_) => None,
        }
    }
}

impl From<SampleHash> for SparkHash {
    fn from(h: SampleHash) -> SparkHash {
        match h {
            SampleHash::SparkXxhash64 => SparkHash::Xxhash64,
            SampleHash::SparkHash => SparkHash::Murmur3,
        }
    }
}

/// A rate as whole buckets of [`BUCKETS`] (0.01 → 100).
pub fn buckets(rate: f64) -> Result<i64, SampleError> {
    crate::config::rate_buckets(rate)
        .map(|b| b.max(1))
        .ok_or(SampleError::Rate { rate })
}

/// The SQL predicate that keeps the same rows in Spark:
/// `pmod(xxhash64(key..., 'salt'), 10000) < buckets`.
pub fn spark_predicate(spec: &Sample) -> String {
    let mut args: Vec<String> = spec
        .key
        .iter()
        .map(|k| format!("`{}`", k.replace('`', "``")))
        .collect();
    if let Some(salt) = &spec.salt {
        args.push(format!(
            "'{}'",
            salt.replace('\\', "\\\\").replace('\'', "\\'")
        ));
    }
    format!(
        "pmod({}({}), {BUCKETS}) < {}",
        SparkHash::from(spec.hash).sql_name(),
        args.join(", "),
        spec.buckets
    )
}

/// How a report states `spec` (the snapshot's sampled copy is added by
/// the run that made it).
pub fn report(spec: &Sample) -> crate::model::sample::SampleReport {
    crate::model::sample::SampleReport {
        hash: SparkHash::from(spec.hash).sql_name(),
        key: spec.key.clone(),
        rate: spec.rate(),
        salt: spec.salt.clone(),
        predicate: (!spec.key.is_empty()).then(|| spark_predicate(spec)),
        snapshot: None,
        outputs: spec.outputs,
    }
}

/// Why an output table is compared whole rather than on `spec`'s sample,
/// given which columns each side has: no key to hash, or a side lacking a
/// key column. Every engine asks this before it samples.
pub fn compared_whole(
    spec: &Sample,
    base_has: impl Fn(&str) -> bool,
    head_has: impl Fn(&str) -> bool,
) -> Option<String> {
    if spec.key.is_empty() {
        return Some("the table has no key to sample by: compared whole".into());
    }
    let lacking = |side: &str, has: &dyn Fn(&str) -> bool| {
        spec.key
            .iter()
            .find(|k| !has(k))
            .map(|k| format!("{side} has no column `{k}` to sample by: compared whole"))
    };
    lacking("base", &base_has).or_else(|| lacking("head", &head_has))
}

/// Each row's hash of the key `columns`, chained as Spark chains them.
pub fn hashes(columns: &[&Series], f: SparkHash) -> Result<Vec<i64>, SampleError> {
    let n = columns.first().map_or(0, |c| c.len());
    let mut seeds = vec![hash::SPARK_SEED; n];
    for s in columns {
        hash_column(s, f, &mut seeds)?;
    }
    Ok(seeds)
}

/// Which rows are in the sample: `columns` are the key's, in order.
pub fn keep(columns: &[&Series], spec: &Sample) -> Result<BooleanChunked, SampleError> {
    let f = SparkHash::from(spec.hash);
    let mut h = hashes(columns, f)?;
    if let Some(salt) = &spec.salt {
        for seed in &mut h {
            *seed = f.value(Value::Bytes(salt.as_bytes()), *seed);
        }
    }
    Ok(h.iter()
        .map(|&h| hash::pmod(h, BUCKETS) < spec.buckets)
        .collect::<BooleanChunked>())
}

/// Which rows of `frame` are in the sample; `Ok(Err(columns))` names the
/// key columns `frame` lacks.
pub fn keep_rows(
    frame: &DataFrame,
    spec: &Sample,
) -> Result<Result<BooleanChunked, Vec<String>>, SampleError> {
    let missing: Vec<String> = spec
        .key
        .iter()
        .filter(|k| frame.column(k).is_err())
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let columns: Vec<&Series> = spec
        .key
        .iter()
        .map(|k| frame.column(k).expect("checked").as_materialized_series())
        .collect();
    keep(&columns, spec).map(Ok)
}

/// Folds one column into each row's seed.
fn hash_column(s: &Series, f: SparkHash, seeds: &mut [i64]) -> Result<(), SampleError> {
    let mut apply = |i: usize, v: Value<'_>| seeds[i] = f.value(v, seeds[i]);
    let unsupported = || SampleError::KeyType {
        column: s.name().to_string(),
        dtype: s.dtype().to_string(),
    };
    match s.dtype() {
        DataType::Boolean => {
            for (i, v) in s.bool()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, |b| Value::Int(i32::from(b))));
            }
        }
        DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16 => {
            let c = s.cast(&DataType::Int32)?;
            for (i, v) in c.i32()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Int));
            }
        }
        DataType::Int64 | DataType::UInt32 => {
            let c = s.cast(&DataType::Int64)?;
            for (i, v) in c.i64()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Long));
            }
        }
        DataType::Float32 => {
            for (i, v) in s.f32()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Float));
            }
        }
        DataType::Float64 => {
            for (i, v) in s.f64()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Double));
            }
        }
        DataType::Date => {
            let c = s.to_physical_repr();
            for (i, v) in c.i32()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Int));
            }
        }
        DataType::Datetime(unit, _) => {
            // Spark's timestamps are microseconds.
            let c = s.to_physical_repr();
            let to_micros = |v: i64| match unit {
                TimeUnit::Milliseconds => v * 1_000,
                TimeUnit::Microseconds => v,
                TimeUnit::Nanoseconds => v.div_euclid(1_000),
            };
            for (i, v) in c.i64()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, |v| Value::Long(to_micros(v))));
            }
        }
        DataType::Decimal(precision, _) => {
            let precision = *precision as u8;
            let c = s.decimal()?;
            for (i, v) in c.physical().iter().enumerate() {
                apply(i, v.map_or(Value::Null, |u| Value::Decimal(u, precision)));
            }
        }
        DataType::String => {
            for (i, v) in s.str()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, |t| Value::Bytes(t.as_bytes())));
            }
        }
        DataType::Binary => {
            for (i, v) in s.binary()?.iter().enumerate() {
                apply(i, v.map_or(Value::Null, Value::Bytes));
            }
        }
        _ => return Err(unsupported()),
    }
    Ok(())
}
