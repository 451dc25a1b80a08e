//! Partition directories as columns: a table written partitioned
//! (`plays/date=2026-01-01/part-0.parquet`, as Spark's `partitionBy` and
//! Hive lay it out) holds each level's value only in its files' paths.
//! Every read path adds them to each file's rows, so that a key unique
//! only within a partition (a member's row of each day) can name them,
//! and a partition's rows pair with the same partition's.

use std::path::{Path, PathBuf};

use polars::prelude::*;

/// What Spark and Hive write for a partition whose value is null.
const NULL_PARTITION: &str = "__HIVE_DEFAULT_PARTITION__";

/// The partition columns (`date` of `date=2026-01-01/`) of the
/// directories between `dir` and `files`, in the order they nest.
pub fn names(dir: &Path, files: &[PathBuf]) -> Vec<String> {
    let levels: Vec<_> = files.iter().map(|f| levels(dir, f)).collect();
    names_of(&levels)
}

/// The names of each file's `levels`, first seen first.
fn names_of(levels: &[Vec<(String, String)>]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, _) in levels.iter().flatten() {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    names
}

/// The `name=value` directories of `file` below `dir`, values decoded.
fn levels(dir: &Path, file: &Path) -> Vec<(String, String)> {
    let Some(parent) = file.strip_prefix(dir).ok().and_then(Path::parent) else {
        return Vec::new();
    };
    parent
        .components()
        .filter_map(|part| {
            let part = part.as_os_str().to_string_lossy();
            let (name, value) = part.split_once('=')?;
            (!name.is_empty()).then(|| (unescape(name), unescape(value)))
        })
        .collect()
}

/// A path part with Spark's escapes (`%2F`, `%3A`, `%20`, ...) decoded.
/// Written here: a dozen lines, where a crate would add a dependency for
/// one call.
fn unescape(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((hi * 16 + lo) as u8);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A table's partition columns that its files do not hold: each one's
/// name, type and value in each file. Types are read from every file's
/// value alike: integers, numbers, ISO dates, else text.
#[derive(Debug, Clone, Default)]
pub struct Partitions {
    columns: Vec<(String, DataType, Vec<AnyValue<'static>>)>,
}

impl Partitions {
    /// The partition columns of `files` below `dir` but those in `held`
    /// (columns the files hold themselves: theirs are read as they are).
    pub fn of(dir: &Path, files: &[PathBuf], held: impl Fn(&str) -> bool) -> Partitions {
        let per_file: Vec<Vec<(String, String)>> = files.iter().map(|f| levels(dir, f)).collect();
        let columns = names_of(&per_file)
            .into_iter()
            .filter(|name| !held(name))
            .map(|name| {
                let raw: Vec<Option<&str>> = per_file
                    .iter()
                    .map(|levels| {
                        let value = levels.iter().find(|(n, _)| *n == name)?.1.as_str();
                        (value != NULL_PARTITION).then_some(value)
                    })
                    .collect();
                let dtype = infer(&raw);
                let values = raw.iter().map(|v| value(*v, &dtype)).collect();
                (name, dtype, values)
            })
            .collect();
        Partitions { columns }
    }

    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Whether `name` is one of these columns.
    pub fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|(n, _, _)| n == name)
    }

    /// The columns' names and types, in the order they nest.
    pub fn schema(&self) -> impl Iterator<Item = (&str, &DataType)> {
        self.columns.iter().map(|(n, t, _)| (n.as_str(), t))
    }

    /// Adds to `part`, the rows of file `file`, those of these columns
    /// `wanted` names (all of them when `None`), after its own columns.
    pub fn add(
        &self,
        file: usize,
        part: &mut DataFrame,
        wanted: Option<&[String]>,
    ) -> PolarsResult<()> {
        for (name, dtype, values) in &self.columns {
            if wanted.is_some_and(|w| !w.contains(name)) || part.column(name).is_ok() {
                continue;
            }
            let scalar = Scalar::new(dtype.clone(), values[file].clone());
            part.with_column(Column::new_scalar(name.into(), scalar, part.height()))?;
        }
        Ok(())
    }
}

/// The type every present value of a partition column reads as.
fn infer(values: &[Option<&str>]) -> DataType {
    let present = || values.iter().flatten();
    if present().next().is_none() {
        DataType::String
    } else if present().all(|v| v.parse::<i64>().is_ok()) {
        DataType::Int64
    } else if present().all(|v| number(v).is_some()) {
        DataType::Float64
    } else if present().all(|v| date(v).is_some()) {
        DataType::Date
    } else {
        DataType::String
    }
}

/// A decimal number (digits, a point, an exponent; not `inf` or `NaN`).
fn number(text: &str) -> Option<f64> {
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    plain.then(|| text.parse().ok()).flatten()
}

/// An ISO date's days since 1970-01-01.
fn date(text: &str) -> Option<i32> {
    let day = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1)?;
    i32::try_from((day - epoch).num_days()).ok()
}

/// `text` as a value of `dtype` (which [`infer`] chose so that it reads).
fn value(text: Option<&str>, dtype: &DataType) -> AnyValue<'static> {
    let Some(text) = text else {
        return AnyValue::Null;
    };
    let read = match dtype {
        DataType::Int64 => text.parse().ok().map(AnyValue::Int64),
        DataType::Float64 => number(text).map(AnyValue::Float64),
        DataType::Date => date(text).map(AnyValue::Date),
        _ => None,
    };
    read.unwrap_or_else(|| AnyValue::StringOwned(text.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_columns_are_the_directories_below_the_table_typed_over_every_file() {
        let dir = Path::new("/out/plays");
        let files = [
            dir.join("year=2026/month=1/day=2026-01-31/region=eu%2Fwest/part-0.parquet"),
            dir.join(
                "year=2026/month=2/day=2026-02-01/region=__HIVE_DEFAULT_PARTITION__/part-0.parquet",
            ),
            dir.join("year=2026/month=2.5/day=soon/region=us/part-0.parquet"),
        ];
        assert_eq!(names(dir, &files), ["year", "month", "day", "region"]);
        let p = Partitions::of(dir, &files, |n| n == "year");
        let schema: Vec<(&str, &DataType)> = p.schema().collect();
        assert_eq!(
            schema,
            [
                ("month", &DataType::Float64),
                ("day", &DataType::String),
                ("region", &DataType::String),
            ]
        );
        let mut part = df!("id" => [1i64, 2]).unwrap();
        p.add(1, &mut part, None).unwrap();
        assert_eq!(part.get_column_names(), ["id", "month", "day", "region"]);
        assert_eq!(
            part.column("month").unwrap().get(1).unwrap(),
            AnyValue::Float64(2.0)
        );
        assert_eq!(part.column("region").unwrap().null_count(), 2);
        let mut first = df!("id" => [1i64]).unwrap();
        p.add(0, &mut first, Some(&["region".to_string()])).unwrap();
        assert_eq!(first.get_column_names(), ["id", "region"]);
        assert_eq!(
            first.column("region").unwrap().get(0).unwrap(),
            AnyValue::String("eu/west")
        );
        // Dates and integers when every file's value reads so; `=` above
        // the table's directory is none of its partitions.
        let dated = Partitions::of(
            Path::new("/env=prod/t"),
            &[
                PathBuf::from("/env=prod/t/d=2026-01-01/p.csv"),
                PathBuf::from("/env=prod/t/d=2026-01-02/p.csv"),
            ],
            |_| false,
        );
        assert_eq!(dated.schema().collect::<Vec<_>>(), [("d", &DataType::Date)]);
    }
}
