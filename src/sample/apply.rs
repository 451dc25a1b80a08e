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
        /// The file's columns, as far as they can be told cheaply.
        columns: Vec<String>,
    },
    #[error("in {}", path.display())]
    Sample {
        path: std::path::PathBuf,
        #[source]
        source: SampleError,
    },
    /// Ctrl-C between two slices of a file.
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error("{} is the input file: swimlane never writes over it", path.display())]
    SameFile { path: std::path::PathBuf },
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
            ApplyError::NoKey { key, columns, .. } => Some(crate::suggest::key_help(key, columns)),
            ApplyError::Sample { source, .. } => source.help(),
            ApplyError::SameFile { .. } => {
                Some("name another file for the sample, e.g. `sampled.parquet`".into())
            }
            ApplyError::Write { .. } | ApplyError::Interrupted(_) => None,
        }
    }
}

/// Rows read and kept.
#[derive(Debug)]
pub struct Applied {
    pub rows: usize,
    pub kept: usize,
}

/// Writes to `output` the rows of `input` whose key is in the sample.
pub fn apply(input: &Path, output: &Path, spec: &Sample) -> Result<Applied, ApplyError> {
    sample_file(input, output, spec)?.map_err(|missing| ApplyError::NoKey {
        key: missing[0].clone(),
        path: input.into(),
        columns: column_names(input),
    })
}

/// The columns of `input`, for a message: a Parquet file's schema, a CSV
/// file's header, an NDJSON file's first record's names; none when they
/// cannot be told from so little.
fn column_names(input: &Path) -> Vec<String> {
    use std::io::BufRead as _;
    let first_line = || {
        let mut line = String::new();
        std::io::BufReader::new(File::open(input).ok()?)
            .read_line(&mut line)
            .ok()?;
        Some(line.trim_start_matches('\u{feff}').trim_end().to_string())
    };
    let names = match Format::from_path(&input.to_string_lossy()) {
        Some(Format::Parquet) => crate::load::scan_parquet(input)
            .and_then(|mut lazy| lazy.collect_schema())
            .ok()
            .map(|schema| schema.iter_names().map(|n| n.to_string()).collect()),
        Some(Format::Csv) => first_line().map(|header| {
            let delimiter = crate::config::default_delimiter(&input.to_string_lossy()) as char;
            header
                .split(delimiter)
                .map(|n| n.trim_matches('"').to_string())
                .collect()
        }),
        Some(Format::Ndjson) => first_line().and_then(|record| {
            match serde_json::from_str::<serde_json::Value>(&record).ok()? {
                serde_json::Value::Object(fields) => Some(fields.keys().cloned().collect()),
                _ => None,
            }
        }),
        _ => None,
    };
    names.unwrap_or_default()
}

/// [`apply`], or `Ok(Err(columns))` naming the key columns `input` lacks
/// (nothing is written then). Parquet to Parquet is streamed a slice of
/// rows at a time; CSV and NDJSON written in their own format keep every
/// kept record's bytes as they were (quoting, number and date formats),
/// so a pipeline reads exactly what it would have read.
/// The sample is written beside `output` under a temporary name and
/// renamed to it once whole: a file already at `output` is replaced only
/// then, and never when it is `input` itself.
pub(super) fn sample_file(
    input: &Path,
    output: &Path,
    spec: &Sample,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    if same_file::is_same_file(input, output).unwrap_or(false) {
        return Err(ApplyError::SameFile {
            path: output.into(),
        });
    }
    let write_err = |source: std::io::Error| ApplyError::Write {
        path: output.into(),
        source: source.into(),
    };
    // The temporary name ends with the output's, so its format is read
    // from the same extension.
    let name = output.file_name().unwrap_or_default().to_string_lossy();
    let temp = crate::atomic_file::beside(output, ".swimlane-sample-", &format!("-{name}"))
        .map_err(write_err)?;
    match write_sampled(input, temp.path(), spec) {
        Ok(Ok(applied)) => {
            temp.persist(output).map_err(|e| write_err(e.error))?;
            Ok(Ok(applied))
        }
        Err(ApplyError::Write { source, .. }) => Err(ApplyError::Write {
            path: output.into(),
            source,
        }),
        other => other,
    }
}

fn write_sampled(
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
    if in_format == out_format && matches!(in_format, Format::Csv | Format::Ndjson) {
        return verbatim(input, output, in_format, spec);
    }
    let df =
        crate::load::load_path(input, in_format, None, Default::default()).map_err(Box::new)?;
    let mask = match keep_rows(&df, spec).map_err(sample_err)? {
        Ok(m) => m,
        Err(key) => return Ok(Err(key)),
    };
    let kept = mask.sum().unwrap_or(0) as usize;
    let rows = df.height();
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

/// A read of `input` (in `format`) that failed, as `sample apply` says it.
fn read_error(input: &Path, format: Format) -> impl Fn(PolarsError) -> ApplyError + Copy + '_ {
    move |source| {
        ApplyError::Load(Box::new(crate::load::LoadError::read(
            input,
            format,
            crate::config::Declared::CompareFlags,
        )(source)))
    }
}

/// The key columns `schema` lacks.
fn missing_keys(schema: &Schema, spec: &Sample) -> Vec<String> {
    spec.key
        .iter()
        .filter(|k| !schema.contains(k))
        .cloned()
        .collect()
}

/// Parquet to Parquet a slice of rows at a time: memory holds one slice.
fn parquet_streamed(
    input: &Path,
    output: &Path,
    spec: &Sample,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    const SLICE: usize = 1 << 20;
    let read_err = read_error(input, Format::Parquet);
    let write_err = |source| ApplyError::Write {
        path: output.into(),
        source,
    };
    let mut reader = ParquetReader::new(File::open(input).map_err(|e| read_err(e.into()))?);
    let rows = reader.get_metadata().map_err(read_err)?.num_rows;
    let schema = reader.schema().map_err(read_err)?;
    let schema = Schema::from_arrow_schema(schema.as_ref());
    let missing = missing_keys(&schema, spec);
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
        crate::interrupt::check()?;
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

/// CSV or NDJSON to the same format, a slice of records at a time: the
/// records the sample keeps are copied byte for byte (a CSV "007" stays
/// "007"), the header first. Records are found by a CSV reader (a quoted
/// field may span lines) or as non-blank lines; polars parses each slice's
/// key columns with the types a whole-file read gives them (CSV: the schema
/// inferred from every row; NDJSON: each slice's own, which must agree), so
/// the hash is the one the lanes' tables would get. Memory holds one slice.
fn verbatim(
    input: &Path,
    output: &Path,
    format: Format,
    spec: &Sample,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    verbatim_in_slices(input, output, format, spec, 1 << 20)
}

fn verbatim_in_slices(
    input: &Path,
    output: &Path,
    format: Format,
    spec: &Sample,
    slice_records: usize,
) -> Result<Result<Applied, Vec<String>>, ApplyError> {
    use std::io::Write;
    let read_err = read_error(input, format);
    let write_err = |source| ApplyError::Write {
        path: output.into(),
        source,
    };
    let file = File::open(input).map_err(|e| read_err(e.into()))?;
    // SAFETY: a snapshot or table file that is only read; one truncated by
    // someone else meanwhile would fault, as under polars' own mmap reader.
    let bytes = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| read_err(e.into()))?;
    let _ = bytes.advise(memmap2::Advice::Sequential);
    // CSV: the types a read of the whole file gives, inferred from every
    // row (NDJSON: each slice's).
    // A `.tsv` file is delimited by tabs.
    let delimiter = crate::config::default_delimiter(&input.to_string_lossy());
    let csv_schema = match format {
        Format::Csv => {
            let (schema, _) =
                crate::csv_file::schema(input, delimiter, crate::config::Declared::CompareFlags)
                    .map_err(|e| ApplyError::Load(Box::new(e.into())))?;
            let missing = missing_keys(&schema, spec);
            if !missing.is_empty() {
                return Ok(Err(missing));
            }
            Some(schema)
        }
        _ => None,
    };
    let mut out = std::io::BufWriter::new(File::create(output).map_err(|e| write_err(e.into()))?);
    let mut rows = 0;
    let mut kept = 0;
    let mut key_types: Option<Vec<DataType>> = None;
    let mut released = 0;
    // Byte ranges of the slice's records.
    let mut slice: Vec<(usize, usize)> = Vec::with_capacity(slice_records.min(1 << 20));
    let mut sample_slice = |slice: &mut Vec<(usize, usize)>,
                            out: &mut std::io::BufWriter<File>|
     -> Result<Option<Vec<String>>, ApplyError> {
        crate::interrupt::check()?;
        let first = rows + 1;
        let (Some(&(from, _)), Some(&(_, to))) = (slice.first(), slice.last()) else {
            return Ok(None);
        };
        let text = std::io::Cursor::new(&bytes[from..to]);
        let part = match &csv_schema {
            // Dates and times as text, parsed as the checking pass typed
            // them (as `csv_file::read` does).
            Some(schema) => CsvReadOptions::default()
                .with_has_header(false)
                .with_parse_options(CsvParseOptions::default().with_separator(delimiter))
                .with_schema(Some(Arc::new(crate::csv_file::as_text(schema))))
                .with_columns(Some(spec.key.iter().map(|k| k.as_str().into()).collect()))
                .into_reader_with_file_handle(text)
                .finish()
                .and_then(|df| crate::csv_file::typed(df, schema)),
            None => JsonReader::new(text)
                .with_json_format(JsonFormat::JsonLines)
                .infer_schema_len(None)
                .finish(),
        }
        .map_err(read_err)?;
        let mask = match keep_rows(&part, spec).map_err(|source| ApplyError::Sample {
            path: input.into(),
            source,
        })? {
            Ok(mask) => mask,
            // NDJSON: a key column no record of the first slice has.
            Err(missing) if rows == 0 => return Ok(Some(missing)),
            Err(missing) => {
                return Err(read_err(polars_err!(ComputeError:
                    "{}: no record from record {first} on has the key column `{}`",
                    input.display(), missing[0])));
            }
        };
        let types: Vec<DataType> = spec
            .key
            .iter()
            .map(|k| part.column(k).map(|c| c.dtype().clone()))
            .collect::<PolarsResult<_>>()
            .map_err(read_err)?;
        match &key_types {
            Some(earlier) if *earlier != types => {
                return Err(read_err(polars_err!(ComputeError:
                    "{}: the key reads as {:?} up to record {} and as {:?} from there on: a key hashes by its type, so every record must give it the same one",
                    input.display(), earlier, first - 1, types)));
            }
            _ => key_types = Some(types),
        }
        if mask.len() != slice.len() {
            return Err(read_err(polars_err!(ComputeError:
                "{} holds a different number of records than its reader read", input.display())));
        }
        for (&(from, to), keep) in slice.iter().zip(mask.iter()) {
            if keep == Some(true) {
                out.write_all(&bytes[from..to])
                    .map_err(|e| write_err(e.into()))?;
                kept += 1;
            }
        }
        rows += slice.len();
        slice.clear();
        // The pages before this slice are never read again: out of this
        // process's memory, so it stays one slice whatever the file's size.
        #[cfg(unix)]
        {
            const ALIGN: usize = 1 << 21;
            let done = to / ALIGN * ALIGN;
            if done > released {
                // SAFETY: a shared, read-only mapping of a file: after
                // MADV_DONTNEED a read refills the page from the file
                // (madvise(2)), so no borrowed byte changes; and nothing
                // reads before `to` again (the CSV reader is past it).
                let _ = unsafe {
                    bytes.unchecked_advise_range(
                        memmap2::UncheckedAdvice::DontNeed,
                        released,
                        done - released,
                    )
                };
                released = done;
            }
        }
        Ok(None)
    };
    if csv_schema.is_some() {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .flexible(true)
            .from_reader(&bytes[..]);
        let mut record = csv::ByteRecord::new();
        let mut header = true;
        loop {
            let from = reader.position().byte() as usize;
            match reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => {
                    return Err(read_err(
                        polars_err!(ComputeError: "{}: {e}", input.display()),
                    ));
                }
            }
            let to = reader.position().byte() as usize;
            if std::mem::take(&mut header) {
                out.write_all(&bytes[from..to])
                    .map_err(|e| write_err(e.into()))?;
                continue;
            }
            slice.push((from, to));
            if slice.len() == slice_records {
                sample_slice(&mut slice, &mut out)?;
            }
        }
    } else {
        let mut at = 0;
        for line in bytes.split_inclusive(|&b| b == b'\n') {
            if !line.iter().all(u8::is_ascii_whitespace) {
                slice.push((at, at + line.len()));
                if slice.len() == slice_records
                    && let Some(missing) = sample_slice(&mut slice, &mut out)?
                {
                    return Ok(Err(missing));
                }
            }
            at += line.len();
        }
    }
    if let Some(missing) = sample_slice(&mut slice, &mut out)? {
        return Ok(Err(missing));
    }
    out.flush().map_err(|e| write_err(e.into()))?;
    Ok(Ok(Applied { rows, kept }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Sample, SampleHash};

    fn spec(rate_buckets: i64) -> Sample {
        Sample {
            key: vec!["id".into()],
            buckets: rate_buckets,
            hash: SampleHash::SparkXxhash64,
            salt: None,
            snapshot: true,
            outputs: false,
            skip: Vec::new(),
        }
    }

    /// The records `sample apply` keeps from `text`, copied in slices of
    /// `slice` records, and the rows a whole-file read and mask keep (the
    /// path every other format takes), as the files' texts.
    fn sliced_and_whole(name: &str, text: &str, slice: usize) -> (String, DataFrame) {
        let dir = tempfile::tempdir().unwrap();
        let (input, output) = (
            dir.path().join(name),
            dir.path().join(format!("out-{name}")),
        );
        std::fs::write(&input, text).unwrap();
        let format = Format::from_path(name).unwrap();
        let spec = spec(5000);
        let applied = verbatim_in_slices(&input, &output, format, &spec, slice)
            .unwrap()
            .unwrap();
        let whole = crate::load::load_path(&input, format, None, Default::default()).unwrap();
        let mask = keep_rows(&whole, &spec).unwrap().unwrap();
        let kept = whole.filter(&mask).unwrap();
        assert_eq!(applied.rows, whole.height());
        assert_eq!(applied.kept, kept.height());
        (std::fs::read_to_string(&output).unwrap(), kept)
    }

    #[test]
    fn a_csv_sampled_in_slices_keeps_what_a_whole_file_read_keeps_with_the_whole_files_types() {
        // `id` reads as text only because of its last record: slices read
        // as integers would hash other values and keep other rows.
        let mut text = String::from("id,note\n");
        for i in 0..40 {
            text.push_str(&format!("{i:03},\"line {i}\nwith a newline\"\n"));
        }
        text.push_str("x1,last\n");
        let (sampled, kept) = sliced_and_whole("t.csv", &text, 7);
        assert!(kept.height() > 5 && kept.height() < 35, "{kept}");
        let ids = kept.column("id").unwrap().str().unwrap().clone();
        let mut expected = String::from("id,note\n");
        for id in ids.iter().flatten() {
            let start = text.find(&format!("\n{id},")).unwrap() + 1;
            let end = start
                + text[start..]
                    .find("newline\"\n")
                    .map_or(text.len() - start, |e| e + 9);
            expected.push_str(&text[start..end]);
        }
        // Kept records byte for byte, leading zeros and quoted newlines
        // included.
        assert_eq!(sampled, expected);
    }

    #[test]
    fn a_tsv_file_is_sampled_by_its_tab_delimited_key() {
        let mut text = String::from("id\tnote\n");
        for i in 0..40 {
            text.push_str(&format!("{i}\tn,{i}\n"));
        }
        let (sampled, kept) = sliced_and_whole("t.tsv", &text, 7);
        assert!(kept.height() > 5 && kept.height() < 35, "{kept}");
        let ids = kept.column("id").unwrap().i64().unwrap().clone();
        let expected: String = std::iter::once("id\tnote\n".to_string())
            .chain(ids.iter().flatten().map(|i| format!("{i}\tn,{i}\n")))
            .collect();
        assert_eq!(sampled, expected);
    }

    #[test]
    fn ndjson_sampled_in_slices_keeps_what_a_whole_file_read_keeps() {
        let mut text = String::new();
        for i in 0..30 {
            text.push_str(&format!("{{\"id\": {i}, \"v\": \"{i}\"}}\n"));
            if i % 10 == 0 {
                text.push_str("\n   \n");
            }
        }
        let (sampled, kept) = sliced_and_whole("t.ndjson", &text, 4);
        let ids: Vec<i64> = kept
            .column("id")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        let expected: String = ids
            .iter()
            .map(|i| format!("{{\"id\": {i}, \"v\": \"{i}\"}}\n"))
            .collect();
        assert!(!ids.is_empty() && ids.len() < 30, "{ids:?}");
        assert_eq!(sampled, expected);
    }

    #[test]
    fn an_ndjson_key_whose_type_changes_between_slices_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("t.ndjson");
        let mut text: String = (0..5).map(|i| format!("{{\"id\": {i}}}\n")).collect();
        text.push_str("{\"id\": \"a5\"}\n");
        std::fs::write(&input, text).unwrap();
        let err = verbatim_in_slices(
            &input,
            &dir.path().join("o.ndjson"),
            Format::Ndjson,
            &spec(5000),
            5,
        )
        .unwrap_err();
        let message = format!(
            "{err}: {}",
            std::error::Error::source(&err)
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        assert!(message.contains("up to record 5"), "{message}");
        assert!(message.contains("same one"), "{message}");
    }
}
