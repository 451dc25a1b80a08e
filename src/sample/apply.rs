//! `swimlane sample apply IN OUT`: a sampled copy of a table file, the same
//! key subset a Spark job keeps with the printed predicate.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use super::{SampleError, SparkHash, keep};
use crate::config::Format;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot tell the format of {}", path.display())]
    Format { path: std::path::PathBuf },
    #[error(transparent)]
    Load(#[from] Box<crate::load::LoadError>),
    #[error("key column `{key}` is not in {}", path.display())]
    NoKey {
        key: String,
        path: std::path::PathBuf,
    },
    #[error("in {}", path.display())]
    Sample {
        path: std::path::PathBuf,
        #[source]
        source: SampleError,
    },
    #[error("cannot write {}", path.display())]
    Write {
        path: std::path::PathBuf,
        #[source]
        source: PolarsError,
    },
}

impl crate::error::Help for ApplyError {
    fn help(&self) -> Option<String> {
        match self {
            ApplyError::Format { .. } => {
                Some("name files .parquet, .csv, .ndjson/.jsonl or .arrow/.ipc".into())
            }
            ApplyError::Load(e) => e.help(),
            ApplyError::NoKey { .. } => Some("check --key against the file's columns".into()),
            ApplyError::Sample { source, .. } => source.help(),
            ApplyError::Write { .. } => None,
        }
    }
}

/// Rows read and kept.
pub struct Applied {
    pub rows: usize,
    pub kept: usize,
}

/// Writes to `output` the rows of `input` whose key is in the sample.
pub fn apply(
    input: &Path,
    output: &Path,
    key: &[String],
    f: SparkHash,
    buckets: i64,
) -> Result<Applied, ApplyError> {
    let format_of = |p: &Path| {
        Format::from_path(&p.to_string_lossy()).ok_or_else(|| ApplyError::Format { path: p.into() })
    };
    let (in_format, out_format) = (format_of(input)?, format_of(output)?);
    let df = crate::load::load_path(input, in_format).map_err(Box::new)?;
    let mut columns = Vec::new();
    for k in key {
        let c = df.column(k).map_err(|_| ApplyError::NoKey {
            key: k.clone(),
            path: input.into(),
        })?;
        columns.push(c.as_materialized_series());
    }
    let mask = keep(&columns, f, buckets).map_err(|source| ApplyError::Sample {
        path: input.into(),
        source,
    })?;
    let write_err = |source| ApplyError::Write {
        path: output.into(),
        source,
    };
    let mut sampled = df.filter(&mask).map_err(write_err)?;
    let file = File::create(output).map_err(|e| write_err(e.into()))?;
    match out_format {
        Format::Parquet => ParquetWriter::new(file).finish(&mut sampled).map(|_| ()),
        Format::Csv => CsvWriter::new(file).finish(&mut sampled),
        Format::Ndjson => JsonWriter::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut sampled),
        Format::Ipc => IpcWriter::new(file).finish(&mut sampled),
    }
    .map_err(write_err)?;
    Ok(Applied {
        rows: df.height(),
        kept: sampled.height(),
    })
}
