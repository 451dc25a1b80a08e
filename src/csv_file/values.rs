//! A CSV body parsed into columns of the types the checking pass
//! inferred, pieces of whole records on every core: kept as the checking
//! pass reads each piece ([`KeptPiece`]), or parsed again where a
//! column's values in a piece took another type than the file gives it.
//!
//! polars' CSV parser, given that schema, took about 5 s of two cores for
//! a 1.36 GB file of 10M rows, where this takes about 3 (BENCHMARKS.md):
//! without nightly Rust its field splitting has no SIMD, and it learns
//! again what the checking pass already knows (where records end, that
//! every field of a numeric column is a number). Values are parsed as
//! polars parses them (the same float parser, `fast-float2`; booleans in
//! any case; ISO dates and times by `iso_dates.rs`; an empty field is null, a quoted one read between its quotes
//! with `""` as `"`), so the frame is the one polars would read; anything this does not
//! cover (a column of 128-bit integers, a field that does not parse, a
//! quote out of place, text that is not UTF-8) is left to polars, which
//! also names the error.

use polars::prelude::*;
use rayon::prelude::*;

use super::Kind;
use super::fields::{Fields, Next};
use crate::iso_dates::{self as dates, Temporal};

/// One column's values as they are parsed.
pub(super) enum Builder {
    Int(PrimitiveChunkedBuilder<Int64Type>),
    Float(PrimitiveChunkedBuilder<Float64Type>),
    Bool(BooleanChunkedBuilder),
    Text(StringChunkedBuilder),
    /// Days since 1970-01-01.
    Date(PrimitiveChunkedBuilder<Int32Type>),
    /// Microseconds, in the column's zone (none or UTC).
    Datetime(PrimitiveChunkedBuilder<Int64Type>, Option<TimeZone>),
}

impl Builder {
    /// A builder for `field`, or `None` for a type this does not parse.
    pub(super) fn new(field: &Field, capacity: usize) -> Option<Self> {
        let name = field.name().clone();
        Some(match field.dtype() {
            DataType::Int64 => Builder::Int(PrimitiveChunkedBuilder::new(name, capacity)),
            DataType::Float64 => Builder::Float(PrimitiveChunkedBuilder::new(name, capacity)),
            DataType::Boolean => Builder::Bool(BooleanChunkedBuilder::new(name, capacity)),
            DataType::String => Builder::Text(StringChunkedBuilder::new(name, capacity)),
            DataType::Date => Builder::Date(PrimitiveChunkedBuilder::new(name, capacity)),
            DataType::Datetime(TimeUnit::Microseconds, zone) => {
                Builder::Datetime(PrimitiveChunkedBuilder::new(name, capacity), zone.clone())
            }
            _ => return None,
        })
    }

    /// Appends a null.
    #[inline(always)]
    pub(super) fn null(&mut self) {
        match self {
            Builder::Int(b) | Builder::Datetime(b, _) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
        }
    }

    /// Appends the field `f` (its line end taken off); `None` when it is
    /// not a value of the column's type.
    #[inline(always)]
    pub(super) fn push(&mut self, f: &[u8]) -> Option<()> {
        match self {
            Builder::Int(b) if f.is_empty() => b.append_null(),
            Builder::Int(b) => b.append_value(int(f)?),
            Builder::Float(b) if f.is_empty() => b.append_null(),
            Builder::Float(b) => b.append_value(fast_float2::parse(f).ok()?),
            Builder::Bool(b) if f.eq_ignore_ascii_case(b"true") => b.append_value(true),
            Builder::Bool(b) if f.eq_ignore_ascii_case(b"false") => b.append_value(false),
            Builder::Bool(b) if f.is_empty() => b.append_null(),
            Builder::Bool(_) => return None,
            Builder::Date(b) if f.is_empty() => b.append_null(),
            Builder::Date(b) => match dates::parse(f)? {
                Temporal::Date(days) => b.append_value(days),
                _ => return None,
            },
            Builder::Datetime(b, _) if f.is_empty() => b.append_null(),
            Builder::Datetime(b, zone) => match (dates::parse(f)?, zone) {
                (t @ (Temporal::Date(_) | Temporal::Naive(_)), None)
                | (t @ Temporal::Utc(_), Some(_)) => b.append_value(dates::micros(t)),
                _ => return None,
            },
            Builder::Text(b) if f.is_empty() => b.append_null(),
            // SAFETY: the piece holding `f` was checked to be UTF-8, and
            // `f` is cut at ASCII delimiters and line ends.
            Builder::Text(b) => b.append_value(unsafe { std::str::from_utf8_unchecked(f) }),
        }
        Some(())
    }

    /// Appends a quoted field's text, `f` between its quotes with each
    /// `""` read as one quote (`""` is the empty string, not null); `None`
    /// unless the column is text, as the checking pass types a column
    /// with a quoted field.
    pub(super) fn push_quoted(&mut self, f: &[u8], scratch: &mut Vec<u8>) -> Option<()> {
        let Builder::Text(b) = self else {
            return None;
        };
        let text = match memchr::memchr(b'"', f) {
            None => f,
            Some(_) => {
                scratch.clear();
                let mut rest = f;
                while let Some(q) = memchr::memchr(b'"', rest) {
                    // A quote inside a quoted field is always doubled.
                    scratch.extend_from_slice(&rest[..=q]);
                    rest = rest.get(q + 2..)?;
                }
                scratch.extend_from_slice(rest);
                scratch
            }
        };
        // SAFETY: as in `push`: a UTF-8 piece cut at ASCII quotes.
        b.append_value(unsafe { std::str::from_utf8_unchecked(text) });
        Some(())
    }

    pub(super) fn finish(self) -> Series {
        match self {
            Builder::Int(b) => b.finish().into_series(),
            Builder::Float(b) => b.finish().into_series(),
            Builder::Bool(b) => b.finish().into_series(),
            Builder::Text(b) => b.finish().into_series(),
            Builder::Date(b) => b.finish().into_date().into_series(),
            Builder::Datetime(b, zone) => b
                .finish()
                .into_datetime(TimeUnit::Microseconds, zone)
                .into_series(),
        }
    }
}

/// One column's values in a piece, kept as the checking pass reads it, in
/// the type its fields there have taken so far (integers become floats
/// when a float follows); any other mix is not kept.
#[allow(
    clippy::large_enum_variant,
    reason = "a dozen per piece, matched once per field: no box to follow"
)]
enum Kept {
    /// Only empty fields so far: this many nulls.
    Nulls(usize),
    /// With, for integers, whether one was written `-0` (a float column
    /// reads it as -0.0, which the integer lost).
    Values(Builder, bool),
    Dropped,
}

/// Room for the rows of `body` (of `columns` columns), estimated from the
/// lines of eight 8 KB windows spread over it (or all of it, when small),
/// and an eighth more: room made at once is room not copied as a vector
/// grows (each copy into pages the kernel zeroes first), and a reservation
/// never touched costs no memory.
pub(super) fn room_for_rows(body: &[u8], columns: usize) -> usize {
    const WINDOWS: usize = 8;
    const WINDOW: usize = 8 << 10;
    let (mut seen, mut lines) = (0usize, 0usize);
    if body.len() <= WINDOWS * WINDOW {
        (seen, lines) = (body.len(), memchr::memchr_iter(b'\n', body).count());
    } else {
        for k in 0..WINDOWS {
            let at = (body.len() - WINDOW) * (2 * k + 1) / (2 * WINDOWS);
            seen += WINDOW;
            lines += memchr::memchr_iter(b'\n', &body[at..at + WINDOW]).count();
        }
    }
    // No more rows than a row of empty fields would make.
    let estimate = ((body.len() as u128 * lines.max(1) as u128 / seen.max(1) as u128) as usize)
        .min(body.len() / columns.max(2));
    estimate + estimate / 8 + 16
}

/// A piece's values kept while the checking pass reads it, so that the
/// piece need not be read again: only a column whose kept type is not the
/// one the whole file gives it is (BENCHMARKS.md: a second pass split
/// every field again; the 10M-row CSV compare's load fell from 3.7–8.0 s
/// to 3.0–3.7 s without it).
pub(super) struct KeptPiece<'a> {
    columns: Vec<Kept>,
    body: &'a [u8],
    /// Rows to make room for at first.
    capacity: usize,
    /// Whether the body is UTF-8, once a text value needs to know.
    utf8: Option<bool>,
    scratch: Vec<u8>,
}

impl<'a> KeptPiece<'a> {
    /// For `columns` columns of `body`, room made at once for the rows
    /// [`room_for_rows`] estimates.
    pub(super) fn new(columns: usize, body: &'a [u8]) -> Self {
        KeptPiece {
            columns: (0..columns).map(|_| Kept::Nulls(0)).collect(),
            body,
            capacity: room_for_rows(body, columns),
            utf8: None,
            scratch: Vec::new(),
        }
    }

    /// The rows room is made for.
    pub(super) fn room(&self) -> usize {
        self.capacity
    }

    /// As [`KeptPiece::new`], keeping only the columns marked in
    /// `columns` (by their place).
    pub(super) fn of_columns(columns: &[bool], body: &'a [u8]) -> Self {
        let mut kept = KeptPiece::new(columns.len(), body);
        for (k, &keep) in kept.columns.iter_mut().zip(columns) {
            if !keep {
                *k = Kept::Dropped;
            }
        }
        kept
    }

    /// A builder of `dtype` begun with `nulls` nulls (the empty fields its
    /// column has had so far); `None` for a type not kept (or text in a
    /// body that is not UTF-8).
    fn begin(&mut self, dtype: &DataType, nulls: usize) -> Option<Builder> {
        if dtype == &DataType::String {
            let body = self.body;
            if !*self
                .utf8
                .get_or_insert_with(|| std::str::from_utf8(body).is_ok())
            {
                return None;
            }
        }
        let mut b = Builder::new(&Field::new(PlSmallStr::EMPTY, dtype.clone()), self.capacity)?;
        (0..nulls).for_each(|_| b.null());
        Some(b)
    }

    /// An empty field of column `i`.
    #[inline(always)]
    pub(super) fn null(&mut self, i: usize) {
        match &mut self.columns[i] {
            Kept::Nulls(n) => *n += 1,
            Kept::Values(b, _) => b.null(),
            Kept::Dropped => {}
        }
    }

    /// The unquoted field `f` of column `i`, of `kind`.
    #[inline(always)]
    pub(super) fn value(&mut self, i: usize, kind: Kind, f: &[u8]) {
        let kept = match (&mut self.columns[i], kind) {
            // Text keeps every field as it is written.
            (Kept::Values(b @ Builder::Text(_), _), _)
            | (Kept::Values(b @ Builder::Int(_), _), Kind::Int)
            | (Kept::Values(b @ Builder::Float(_), _), Kind::Int | Kind::Float)
            | (Kept::Values(b @ Builder::Bool(_), _), Kind::Bool)
            | (Kept::Values(b @ Builder::Date(_), _), Kind::Date)
            | (Kept::Values(b @ Builder::Datetime(_, None), _), Kind::Naive)
            | (Kept::Values(b @ Builder::Datetime(_, Some(_)), _), Kind::Utc) => b.push(f),
            (Kept::Dropped, _) => return,
            (Kept::Values(Builder::Int(ints), negative_zero), Kind::Float) if !*negative_zero => {
                let ints = std::mem::replace(ints, PrimitiveChunkedBuilder::new("".into(), 0));
                let mut floats = PrimitiveChunkedBuilder::new("".into(), self.capacity);
                for v in ints.finish().iter() {
                    floats.append_option(v.map(|v| v as f64));
                }
                let mut b = Builder::Float(floats);
                let pushed = b.push(f);
                self.columns[i] = Kept::Values(b, false);
                pushed
            }
            (Kept::Nulls(n), _) => {
                let n = *n;
                self.begin(&kind.dtype(), n).and_then(|mut b| {
                    let pushed = b.push(f);
                    self.columns[i] = Kept::Values(b, false);
                    pushed
                })
            }
            _ => None,
        };
        match kept {
            None => self.columns[i] = Kept::Dropped,
            Some(()) => {
                if kind == Kind::Int
                    && f.first() == Some(&b'-')
                    && let Kept::Values(Builder::Int(_), negative_zero) = &mut self.columns[i]
                    && f[1..].iter().all(|&c| c == b'0')
                {
                    *negative_zero = true;
                }
            }
        }
    }

    /// The quoted field `f` (between its quotes) of column `i`: text.
    pub(super) fn quoted(&mut self, i: usize, f: &[u8]) {
        if let Kept::Nulls(n) = self.columns[i] {
            self.columns[i] = match self.begin(&DataType::String, n) {
                Some(b) => Kept::Values(b, false),
                None => Kept::Dropped,
            };
        }
        let pushed = match &mut self.columns[i] {
            Kept::Values(b, _) => b.push_quoted(f, &mut self.scratch),
            _ => None,
        };
        if pushed.is_none() {
            self.columns[i] = Kept::Dropped;
        }
    }

    /// The piece's columns as `schema` types them, `rows` rows each: those
    /// kept in their type (or as integers, for a float column); `None` for
    /// the others.
    pub(super) fn finish(self, schema: &Schema, rows: usize) -> KeptColumns {
        self.columns
            .into_iter()
            .zip(schema.iter_fields())
            .map(|(kept, field)| {
                let s = match kept {
                    Kept::Nulls(n) => Series::full_null(PlSmallStr::EMPTY, n, field.dtype()),
                    Kept::Values(b, negative_zero) => {
                        let s = b.finish();
                        match (s.dtype(), field.dtype()) {
                            (a, b) if a == b => s,
                            (DataType::Int64, DataType::Float64) if !negative_zero => {
                                s.cast(&DataType::Float64).ok()?
                            }
                            _ => return None,
                        }
                    }
                    Kept::Dropped => return None,
                };
                (s.len() == rows).then(|| s.with_name(field.name().clone()))
            })
            .collect()
    }
}

/// `-?\d+` as an i64; `None` for anything else or a number out of range.
#[inline(always)]
fn int(f: &[u8]) -> Option<i64> {
    let digits = f.strip_prefix(b"-").unwrap_or(f);
    // 18 digits always fit: no overflow check in the loop.
    if digits.is_empty() || digits.len() > 18 {
        return std::str::from_utf8(f).ok()?.parse().ok();
    }
    let mut v = 0i64;
    for &c in digits {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
    }
    Some(if digits.len() < f.len() { -v } else { v })
}

/// The rows of `piece` (whole records), each field of the columns `parse`
/// selects parsed into its column (the others skipped: `None` in their
/// place); `None` when a field is not of its column's type, a row has
/// another number of fields, a quoted field is not closed where a field
/// ends, or the piece is not UTF-8.
fn piece(
    piece: &[u8],
    delimiter: u8,
    schema: &Schema,
    rows: usize,
    parse: &[bool],
) -> Option<Vec<Option<Series>>> {
    let mut columns: Vec<Option<Builder>> = schema
        .iter_fields()
        .zip(parse)
        .map(|(f, &parse)| match parse {
            true => Builder::new(&f, rows).map(Some),
            false => Some(None),
        })
        .collect::<Option<_>>()?;
    if columns.iter().any(|c| matches!(c, Some(Builder::Text(_)))) {
        std::str::from_utf8(piece).ok()?;
    }
    let mut scratch = Vec::new();
    // Fields read so far in this record.
    let mut count = 0;
    let mut fields = Fields::new(piece, delimiter);
    loop {
        match fields.next() {
            Next::End => break,
            Next::OutOfPlace => return None,
            // A blank line is no row, as in the checking pass.
            Next::Blank => {}
            Next::Field {
                start,
                end,
                quoted,
                record_end,
            } => {
                match (columns.get_mut(count)?, quoted) {
                    (Some(column), true) => column.push_quoted(&piece[start..end], &mut scratch)?,
                    (Some(column), false) => column.push(&piece[start..end])?,
                    (None, _) => {}
                }
                count += 1;
                if record_end {
                    if count != columns.len() {
                        return None;
                    }
                    count = 0;
                }
            }
        }
    }
    Some(
        columns
            .into_iter()
            .map(|c| c.map(Builder::finish))
            .collect(),
    )
}

/// A piece's columns as the checking pass kept them: `None` for one it did
/// not keep in the file's type, which is parsed again.
pub(super) type KeptColumns = Vec<Option<Series>>;

/// The frame of `pieces` of `bytes` (consecutive runs of whole records,
/// together the body after the header) read with
/// `schema`, `rows` rows in all, each piece's columns `kept` by the
/// checking pass where it could; `None` when polars must read it. Each
/// piece parsed here is passed to `done` then (the caller lets its pages
/// go; the checking pass let the others' go).
pub(super) fn read(
    bytes: &[u8],
    pieces: &[std::ops::Range<usize>],
    kept: Vec<Option<KeptColumns>>,
    delimiter: u8,
    schema: &Schema,
    rows: u64,
    done: &(dyn Fn(std::ops::Range<usize>) + Sync),
) -> Option<DataFrame> {
    // One column: a blank line is a row (of one empty field), which polars
    // reads.
    if schema.len() < 2 || pieces.is_empty() {
        return None;
    }
    let body = pieces.iter().map(|p| p.len()).sum::<usize>().max(1);
    let mut kept = kept.into_iter();
    let kept: Vec<KeptColumns> = pieces
        .iter()
        .map(|_| {
            kept.next()
                .flatten()
                .unwrap_or_else(|| vec![None; schema.len()])
        })
        .collect();
    let parsed: Vec<Vec<Series>> = pieces
        .par_iter()
        .zip(kept)
        .map(|(p, kept)| {
            // Only the columns not kept are parsed.
            let parse: Vec<bool> = kept.iter().map(Option::is_none).collect();
            if !parse.contains(&true) {
                return kept.into_iter().collect();
            }
            let share = (rows as u128 * p.len() as u128 / body as u128) as usize;
            let parsed = piece(
                &bytes[p.clone()],
                delimiter,
                schema,
                share + share / 16 + 16,
                &parse,
            );
            done(p.clone());
            kept.into_iter()
                .zip(parsed?)
                .map(|(k, p)| k.or(p))
                .collect()
        })
        .collect::<Option<_>>()?;
    let mut parsed = parsed.into_iter();
    let mut columns = parsed.next()?;
    for next in parsed {
        for (all, part) in columns.iter_mut().zip(next) {
            all.append_owned(part).ok()?;
        }
    }
    let df = DataFrame::new(
        rows as usize,
        columns.into_iter().map(Column::from).collect(),
    )
    .ok()?;
    (df.height() as u64 == rows).then_some(df)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> DataFrame {
        super::super::tests::read_text(text, b',').unwrap()
    }

    /// The values polars reads (checked against polars itself on random
    /// files by `properties::a_csv_file_reads_as_polars_reads_it_with_the_inferred_types`).
    #[test]
    fn values_parse_as_polars_parses_them() {
        let text = "i,f,b,s,e,n\n\
                    1,1.5,true,a,,-7\n\
                    -12,-inf,FALSE,long text over twelve bytes,,\n\
                    ,NaN,,é,,123456789012345678\n\
                    9223372036854775807,1e5,True,\"\",,-9223372036854775808\r\n\
                    0,.5,false,\"x \"\"y\"\"\",,0\r\n\
                    3,7.,,\"z,\nz\",,1\n";
        let df = read_text(text);
        let expected = df!(
            "i" => [Some(1i64), Some(-12), None, Some(i64::MAX), Some(0), Some(3)],
            "f" => [1.5, f64::NEG_INFINITY, f64::NAN, 1e5, 0.5, 7.0],
            "b" => [Some(true), Some(false), None, Some(true), Some(false), None],
            "s" => [Some("a"), Some("long text over twelve bytes"), Some("é"), Some(""), Some("x \"y\""), Some("z,\nz")],
            "e" => [None::<&str>, None, None, None, None, None],
            "n" => [Some(-7i64), None, Some(123456789012345678), Some(i64::MIN), Some(0), Some(1)],
        )
        .unwrap();
        assert!(df.equals_missing(&expected), "{df}\n{expected}");
        // Blank lines are no rows (polars alone reads rows of nulls there).
        let blank = text.replacen("\n", "\n\n", 3) + "\n\r\n";
        assert!(read_text(&blank).equals_missing(&df));
    }

    #[test]
    fn a_field_out_of_its_type_leaves_the_file_to_polars() {
        let schema = Schema::from_iter([
            Field::new("a".into(), DataType::Int64),
            Field::new("b".into(), DataType::Boolean),
        ]);
        let read = |text: &[u8]| {
            read(
                text,
                std::slice::from_ref(&(0..text.len())),
                Vec::new(),
                b',',
                &schema,
                1,
                &|_| {},
            )
        };
        assert!(read(b"1,true\n").is_some());
        assert!(read(b"1.5,true\n").is_none());
        assert!(read(b"1,yes\n").is_none());
        assert!(read(b"1,true,3\n").is_none());
        assert!(read(b"1\n").is_none());
        let text = Schema::from_iter([
            Field::new("a".into(), DataType::String),
            Field::new("b".into(), DataType::String),
        ]);
        let bytes = b"\xff,a\n";
        assert!(
            super::read(
                bytes,
                std::slice::from_ref(&(0..bytes.len())),
                Vec::new(),
                b',',
                &text,
                1,
                &|_| {}
            )
            .is_none()
        );
    }

    #[test]
    fn room_is_made_for_about_the_rows_a_piece_holds() {
        // 20,000 short rows, then 20,000 long ones: the first 64 KB alone
        // asked for room for fifty times the rows.
        let mut body = "1,2\n".repeat(20_000);
        body += &format!("{},2\n", "x".repeat(400)).repeat(20_000);
        let capacity = KeptPiece::new(2, body.as_bytes()).capacity;
        assert!((10_000..=160_000).contains(&capacity), "{capacity}");
        // A small body is counted whole.
        let capacity = KeptPiece::new(2, b"1,2\n3,4\n").capacity;
        assert_eq!(capacity, 2 + 16);
    }

    #[test]
    fn every_piece_is_let_go_once_parsed() {
        let schema = Schema::from_iter([
            Field::new("a".into(), DataType::Int64),
            Field::new("b".into(), DataType::String),
        ]);
        let bytes = b"1,x\n2,y\n3,z\n";
        let pieces = [0..4, 4..8, 8..12];
        let done = std::sync::Mutex::new(Vec::new());
        let df = read(bytes, &pieces, Vec::new(), b',', &schema, 3, &|p| {
            done.lock().unwrap().push(p)
        })
        .unwrap();
        assert_eq!(df.height(), 3);
        let mut done = done.into_inner().unwrap();
        done.sort_by_key(|p| p.start);
        assert_eq!(done, pieces);
    }
}
