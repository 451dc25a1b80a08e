//! `swimlane sample apply IN OUT`: a sampled copy of a table file, the same
//! key subset a Spark job keeps with the printed predicate.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use super::{SampleError, keep_rows};
use crate::config::Format;
use crate::config::Sample;

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error("cannot tell the format of {}", path.display())]
    Format { path: std::path::PathBuf },
    #[error("{} is a database file, which swimlane samples only whole", path.display())]
    Database { path: std::path::PathBuf },
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
            ApplyError::Database { .. } => Some(
                "sample its tables in the pipeline's query, or sample a Parquet, CSV or NDJSON export of them".into(),
            ),
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
pub fn apply(input: &Path, output: &Path, spec: &Sample) -> Result<Applied, ApplyError> {
    sample_file(input, output, spec)?.map_err(|missing| ApplyError::NoKey {
        key: missing[0].clone(),
        path: input.into(),
    })
}

/// [`apply`], or `Ok(Err(columns))` naming the key columns `input` lacks
/// (nothing is written then). Parquet to Parquet is streamed a slice of
/// rows at a time; CSV and NDJSON written in their own format keep every
/// kept record's bytes as they were (quoting, number and date formats),
/// so a pipeline reads exactly what it would have read.
pub(super) fn sample_file(
    input: &Path,
    output: &Path,
    spec: &Sample,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    let format_of = |p: &Path| {
        Format::from_path(&p.to_string_lossy()).ok_or_else(|| ApplyError::Format { path: p.into() })
    };
    let (in_format, out_format) = (format_of(input)?, format_of(output)?);
    if let Some(p) = [(input, in_format), (output, out_format)]
        .into_iter()
        .find_map(|(p, f)| f.is_database().then_some(p))
    {
        return Err(ApplyError::Database { path: p.into() });
    }
    let sample_err = |source| ApplyError::Sample {
        path: input.into(),
        source,
    };
    let write_err = |source| ApplyError::Write {
        path: output.into(),
        source,
    };
    if (in_format, out_format) == (Format::Parquet, Format::Parquet) {
        return parquet_streamed(input, output, spec);
    }
    let df = crate::load::load_path(input, in_format).map_err(Box::new)?;
    let mask = match keep_rows(&df, spec).map_err(sample_err)? {
        Ok(m) => m,
        Err(key) => return Ok(Err(key)),
    };
    let kept = mask.sum().unwrap_or(0) as usize;
    let rows = df.height();
    if in_format == out_format && matches!(in_format, Format::Csv | Format::Ndjson) {
        drop(df);
        verbatim(input, output, in_format, &mask).map_err(write_err)?;
        return Ok(Ok(Applied { rows, kept }));
    }
    let mut sampled = df.filter(&mask).map_err(write_err)?;
    drop(df);
    let file = File::create(output).map_err(|e| write_err(e.into()))?;
    match out_format {
        Format::Parquet => ParquetWriter::new(file).finish(&mut sampled).map(|_| ()),
        Format::Csv => CsvWriter::new(file).finish(&mut sampled),
        Format::Ndjson => JsonWriter::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut sampled),
        Format::Ipc => IpcWriter::new(file).finish(&mut sampled),
        Format::Sqlite | Format::Duckdb | Format::Postgres => unreachable!("refused above"),
    }
    .map_err(write_err)?;
    Ok(Ok(Applied { rows, kept }))
}

/// Parquet to Parquet a slice of rows at a time: memory holds one slice.
fn parquet_streamed(
    input: &Path,
    output: &Path,
    spec: &Sample,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    const SLICE: usize = 1 << 20;
    let read_err = |source| {
        ApplyError::Load(Box::new(crate::load::LoadError::read(
            input,
            Format::Parquet,
            crate::config::Declared::CompareFlags,
        )(source)))
    };
    let write_err = |source| ApplyError::Write {
        path: output.into(),
        source,
    };
    let mut reader = ParquetReader::new(File::open(input).map_err(|e| read_err(e.into()))?);
    let rows = reader.get_metadata().map_err(read_err)?.num_rows;
    let schema = reader.schema().map_err(read_err)?;
    let schema = Schema::from_arrow_schema(schema.as_ref());
    let missing: Vec<String> = spec
        .key
        .iter()
        .filter(|k| !schema.contains(k))
        .cloned()
        .collect();
    if !missing.is_empty() {
        return Ok(Err(missing));
    }
    let file = File::create(output).map_err(|e| write_err(e.into()))?;
    let mut writer = ParquetWriter::new(file)
        .batched(&schema)
        .map_err(write_err)?;
    // One slice per core at a time (polars reads a slice on one), written
    // in order.
    let sampled = |offset: usize| {
        let part = crate::load::scan_parquet(input)
            .and_then(|lf| lf.slice(offset as i64, SLICE as IdxSize).collect())
            .map_err(read_err)?;
        let mask = keep_rows(&part, spec)
            .map_err(|source| ApplyError::Sample {
                path: input.into(),
                source,
            })?
            .expect("the key columns were checked against the schema");
        part.filter(&mask).map_err(write_err)
    };
    let offsets: Vec<usize> = (0..rows.max(1)).step_by(SLICE).collect();
    let mut kept = 0;
    for group in offsets.chunks(rayon::current_num_threads().max(1)) {
        let parts: Vec<_> = group.par_iter().map(|&offset| sampled(offset)).collect();
        for part in parts {
            let part = part?;
            kept += part.height();
            writer.write_batch(&part).map_err(write_err)?;
        }
    }
    writer.finish().map_err(write_err)?;
    Ok(Ok(Applied { rows, kept }))
}

/// Copies the header and the records `mask` keeps, byte for byte: CSV
/// records found by a CSV reader (a quoted field may span lines), NDJSON
/// records one per non-empty line.
fn verbatim(
    input: &Path,
    output: &Path,
    format: Format,
    mask: &BooleanChunked,
) -> PolarsResult<()> {
    use std::io::Write;
    let bytes = std::fs::read(input)?;
    let mut out = std::io::BufWriter::new(File::create(output)?);
    let mut keep = mask.iter().map(|k| k == Some(true));
    let mismatch = || polars_err!(ComputeError: "{} holds a different number of records than its reader read", input.display());
    match format {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(bytes.as_slice());
            let mut record = csv::ByteRecord::new();
            // Record starts; the header's is the first.
            let mut starts = Vec::new();
            loop {
                let at = reader.position().byte() as usize;
                match reader.read_byte_record(&mut record) {
                    Ok(true) => starts.push(at),
                    Ok(false) => break,
                    Err(e) => polars_bail!(ComputeError: "{}: {e}", input.display()),
                }
            }
            starts.push(bytes.len());
            if starts.len() < 2 {
                return Ok(out.flush()?);
            }
            out.write_all(&bytes[starts[0]..starts[1]])?;
            for w in starts[1..].windows(2) {
                if keep.next().ok_or_else(mismatch)? {
                    out.write_all(&bytes[w[0]..w[1]])?;
                }
            }
        }
        _ => {
            for line in bytes.split_inclusive(|&b| b == b'\n') {
                if line.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                if keep.next().ok_or_else(mismatch)? {
                    out.write_all(line)?;
                }
            }
        }
    }
    if keep.next().is_some() {
        return Err(mismatch());
    }
    Ok(out.flush()?)
}
