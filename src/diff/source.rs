//! Where one side's columns come from: a frame loaded whole, files left
//! on disk and read a column at a time, or CSV files whose fields are
//! parsed only where asked.

use polars::prelude::*;

use crate::config::Format;
use crate::csv_file::CsvOnDisk;
use crate::load::OnDisk;

/// Where one side's columns come from.
#[derive(Clone, Copy)]
pub enum Source<'a> {
    /// A table loaded whole.
    Frame(&'a DataFrame),
    /// A table left on disk and read one column at a time: the comparison
    /// then holds the keys, the alignment and the columns in flight.
    Disk(&'a OnDisk),
    /// A CSV table (a file, or part files) checked where it lies: its
    /// fields parsed for the rows asked for, its rows compared byte for
    /// byte first
    /// ([`crate::csv_file::differing_fields`]).
    Csv(&'a CsvOnDisk),
}

impl Source<'_> {
    /// True when column `name` holds no value at all and its type says
    /// nothing: a Null column, or an empty column of a format without types
    /// (CSV, NDJSON), which the reader types as text.
    pub(super) fn untyped(&self, name: &str, format: Format) -> bool {
        match self {
            Source::Frame(df) => df.column(name).is_ok_and(|c| {
                c.dtype() == &DataType::Null
                    || (matches!(format, Format::Csv | Format::Ndjson) && c.null_count() == c.len())
            }),
            Source::Disk(d) => d.schema.get(name) == Some(&DataType::Null),
            Source::Csv(c) => c.untyped.iter().any(|u| u == name),
        }
    }

    /// True when column `name` is loaded and holds no value (but has rows).
    pub(super) fn all_null(&self, name: &str) -> bool {
        match self {
            Source::Frame(df) => df
                .column(name)
                .is_ok_and(|c| !c.is_empty() && c.null_count() == c.len()),
            Source::Disk(d) => d.schema.get(name) == Some(&DataType::Null),
            Source::Csv(c) => c.rows() > 0 && c.untyped.iter().any(|u| u == name),
        }
    }

    /// The type of column `name` as read, if it exists.
    pub(super) fn dtype(&self, name: &str) -> Option<DataType> {
        match self {
            Source::Frame(df) => df.column(name).ok().map(|c| c.dtype().clone()),
            Source::Disk(d) => d.schema.get(name).cloned(),
            Source::Csv(c) => c.schema.get(name).cloned(),
        }
    }

    pub(super) fn schema(&self) -> Schema {
        match self {
            Source::Frame(df) => df.schema().as_ref().clone(),
            Source::Disk(d) => d.schema.clone(),
            Source::Csv(c) => c.schema.clone(),
        }
    }

    pub(super) fn frame(&self, names: &[String]) -> PolarsResult<DataFrame> {
        match self {
            Source::Frame(df) => df.select(names.iter().map(String::as_str)),
            Source::Disk(d) => d
                .columns(names)
                .map_err(crate::load::LoadError::into_polars),
            Source::Csv(c) => DataFrame::new_infer_height(
                names
                    .iter()
                    .map(|n| Ok(csv_column(c, n, Rows::All)?.into_column()))
                    .collect::<PolarsResult<_>>()?,
            ),
        }
    }

    /// Reads column `name` ahead of its read (see [`OnDisk::read_ahead`]);
    /// a table in memory has nothing to read.
    pub(super) fn read_ahead(&self, name: &str) {
        if let Source::Disk(d) = self {
            d.read_ahead(name);
        }
    }

    /// Who is told what the column pairs compared share (see
    /// [`OnDisk::observe_pairs`]): a base side's, on disk.
    pub(super) fn pair_observer(&self) -> Option<&dyn crate::load::PairObserver> {
        match self {
            Source::Frame(_) | Source::Csv(_) => None,
            Source::Disk(d) => d.pair_observer(),
        }
    }

    /// Column `name`, the rows picked by `rows`.
    pub(super) fn column(&self, name: &str, rows: Rows<'_>) -> PolarsResult<Series> {
        let s = match (self, rows) {
            (Source::Csv(c), rows) => return csv_column(c, name, rows),
            (Source::Frame(df), _) => df.column(name)?.as_materialized_series().clone(),
            // Filtered as it is read: memory holds the rows kept, not the
            // whole column twice.
            (Source::Disk(d), Rows::Filter(mask)) => {
                return d
                    .column_filtered(name, mask)
                    .map_err(crate::load::LoadError::into_polars);
            }
            (Source::Disk(d), _) => d
                .column(name)
                .map_err(crate::load::LoadError::into_polars)?,
        };
        match rows {
            Rows::All => Ok(s),
            Rows::Filter(mask) => s.filter(mask),
            Rows::Take(rows) => match super::gather::take_numeric(&s, rows)? {
                Some(gathered) => Ok(gathered),
                // Gathering from many chunks looks up the chunk of every row.
                None if s.n_chunks() > 1 => s.rechunk().take(rows),
                None => s.take(rows),
            },
        }
    }
}

/// Column `name` of a CSV table, only the rows asked for parsed, in the
/// order asked.
fn csv_column(c: &CsvOnDisk, name: &str, rows: Rows<'_>) -> PolarsResult<Series> {
    match rows {
        Rows::All => c.column(name, c.rows(), |r| r),
        Rows::Filter(mask) => {
            let kept: Vec<usize> = (mask.iter().enumerate())
                .filter_map(|(i, m)| (m == Some(true)).then_some(i))
                .collect();
            c.column(name, kept.len(), |i| kept[i])
        }
        Rows::Take(rows) => {
            let rows = rows.rechunk();
            let rows = rows.cont_slice()?;
            c.column(name, rows.len(), |i| rows[i] as usize)
        }
    }
}

/// Which rows of a column to read, in which order.
#[derive(Clone, Copy)]
pub(super) enum Rows<'a> {
    All,
    /// The rows where the mask is set, in file order.
    Filter(&'a BooleanChunked),
    Take(&'a IdxCa),
}

/// A side's columns as the compared-columns rule asks about them.
pub(super) struct Facts<'a>(pub(super) Source<'a>, pub(super) Format);

impl super::ColumnFacts for Facts<'_> {
    fn untyped(&self, name: &str) -> bool {
        self.0.untyped(name, self.1)
    }
    fn all_null(&self, name: &str) -> bool {
        self.0.all_null(name)
    }
    fn widthless(&self) -> bool {
        matches!(self.1, Format::Csv | Format::Ndjson)
    }
}
