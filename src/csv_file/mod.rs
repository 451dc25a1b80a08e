//! CSV files, read strictly: a CSV reader never guesses.
//!
//! One pass with the `csv` crate checks that every row has as many fields
//! as the header (a truncated file is an error naming its line, not rows of
//! nulls) and infers each column's type from every row, with polars' own
//! rules and ISO dates and times (`iso_dates.rs`). The same pass keeps
//! each piece's values as it reads them (`values.rs`); a column whose
//! values in a piece took another type than the whole file gives it is
//! parsed again there with the file's type. What that does not cover
//! polars parses in parallel with that schema (dates and times as text,
//! then parsed as the checking pass typed them). This replaces polars'
//! schema inference over every row, a second pass that ran
//! single-threaded with regular expressions, and polars' reading of short
//! rows as nulls.

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use crate::config::{Declared, show_delimiter as show};

mod fields;
mod on_disk;
mod values;

use crate::iso_dates::{self as dates, Temporal};
use fields::{Fields, Next};
pub use on_disk::{CsvOnDisk, Differing, differing_fields};
use values::KeptPiece;

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "{}:{line}: row has {found} {} where the header has {expected}",
        path.display(), if *found == 1 { "field" } else { "fields" }
    )]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
        delimiter: u8,
        declared: Declared,
    },
    #[error(
        "{}:1: the header is one column, `{header}`, that `{}` splits into {columns}",
        path.display(), show(*delimiter)
    )]
    Delimiter {
        path: PathBuf,
        header: String,
        delimiter: u8,
        columns: usize,
        declared: Declared,
    },
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: u64,
        message: String,
        declared: Declared,
    },
    #[error(
        "{}:1: the header names column `{name}` twice (columns {first} and {second})",
        path.display()
    )]
    DuplicateColumn {
        path: PathBuf,
        name: String,
        first: usize,
        second: usize,
        declared: Declared,
    },
    #[error(
        "{}:{line}: not UTF-8 (byte 0x{byte:02x})",
        path.display()
    )]
    Encoding { path: PathBuf, line: u64, byte: u8 },
    #[error("{} is empty: a CSV table needs at least its header line", path.display())]
    Empty { path: PathBuf },
    #[error("cannot read {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crate::error::Help for CsvError {
    fn help(&self) -> Option<String> {
        Some(match self {
            CsvError::Ragged {
                found,
                expected,
                delimiter,
                declared,
                ..
            } if found > expected => format!(
                "a row with more fields than the header is most often a value holding `{}` without quotes (`Smith{} J`): check that {} quotes such values; it is never read by dropping fields",
                show(*delimiter),
                show(*delimiter),
                declared.writer(),
            ),
            CsvError::Ragged {
                found, declared, ..
            } => format!(
                "a row cut short is a truncated or malformed file, never read as nulls: check that {} wrote every field of every row{}",
                declared.writer(),
                if *found == 1 {
                    format!(
                        ", or whether the file is delimited by another character ({})",
                        declared.delimiter_help(b';')
                    )
                } else {
                    String::new()
                }
            ),
            CsvError::Delimiter {
                delimiter,
                declared,
                ..
            } => format!(
                "the file looks delimited by `{}`: {}",
                show(*delimiter),
                declared.delimiter_help(*delimiter)
            ),
            CsvError::Syntax { declared, .. } => {
                format!("check that {} wrote a complete CSV file", declared.writer())
            }
            CsvError::DuplicateColumn { declared, .. } => format!(
                "columns are compared by name, so each needs its own: rename one where {} writes the header",
                declared.writer()
            ),
            CsvError::Encoding { .. } => {
                "swimlane reads CSV as UTF-8; convert the file, e.g. `iconv -f latin1 -t utf-8`"
                    .into()
            }
            CsvError::Empty { .. } | CsvError::Io { .. } => return None,
        })
    }
}

/// The types a column's values have been seen to take.
#[derive(Clone, Copy, Default)]
struct Seen {
    boolean: bool,
    int: bool,
    wide_int: bool,
    float: bool,
    text: bool,
    /// ISO dates, datetimes without a zone, and instants with one
    /// (`iso_dates.rs`).
    date: bool,
    naive: bool,
    utc: bool,
}

impl Seen {
    /// No value seen: the column has no type of its own.
    fn is_empty(&self) -> bool {
        !(self.boolean || self.int || self.wide_int || self.float || self.text || self.temporal())
    }

    fn temporal(&self) -> bool {
        self.date || self.naive || self.utc
    }

    fn merge(&mut self, o: Seen) {
        self.boolean |= o.boolean;
        self.int |= o.int;
        self.wide_int |= o.wide_int;
        self.float |= o.float;
        self.text |= o.text;
        self.date |= o.date;
        self.naive |= o.naive;
        self.utc |= o.utc;
    }

    /// polars' rules: one kind of value gives its type, integers with
    /// floats give floats, anything else (or no value at all) text. Dates
    /// are dates; datetimes without a zone (with or without dates among
    /// them, read as their midnight) naive datetimes; instants UTC ones;
    /// any other mix text.
    fn dtype(self) -> DataType {
        if self.temporal() {
            let other = self.boolean || self.int || self.wide_int || self.float || self.text;
            let dates = (!other).then(|| dates::common_type(self.date, self.naive, self.utc));
            return dates.flatten().unwrap_or(DataType::String);
        }
        let kinds = [self.boolean, self.int, self.wide_int, self.float, self.text];
        match (kinds.iter().filter(|k| **k).count(), self) {
            (1, Seen { boolean: true, .. }) => DataType::Boolean,
            (1, Seen { int: true, .. }) => DataType::Int64,
            (1, Seen { wide_int: true, .. }) => DataType::Int128,
            (1, Seen { float: true, .. }) => DataType::Float64,
            (
                2,
                Seen {
                    float: true,
                    text: false,
                    boolean: false,
                    ..
                },
            ) => DataType::Float64,
            (
                2,
                Seen {
                    int: true,
                    wide_int: true,
                    ..
                },
            ) => DataType::Int128,
            _ => DataType::String,
        }
    }

    /// polars' inference of one unquoted, non-empty field: a boolean
    /// (`true`/`false` in any case), a float, an integer, else text.
    #[inline]
    fn add(&mut self, field: &[u8]) {
        self.add_at(field, 0, field.len());
    }

    /// [`Seen::add`] of the field `bytes[start..end]`, whose bytes around
    /// it may be read in whole words (see [`Kind::at`]).
    #[inline(always)]
    fn add_at(&mut self, bytes: &[u8], start: usize, end: usize) {
        // Text absorbs every other kind: nothing more to learn.
        if self.text {
            return;
        }
        self.add_kind(Kind::at(bytes, start, end));
    }

    #[inline(always)]
    fn add_kind(&mut self, kind: Kind) {
        match kind {
            Kind::Bool => self.boolean = true,
            Kind::Int => self.int = true,
            Kind::WideInt => self.wide_int = true,
            Kind::Float => self.float = true,
            Kind::Text => self.text = true,
            Kind::Date => self.date = true,
            Kind::Naive => self.naive = true,
            Kind::Utc => self.utc = true,
        }
    }
}

/// The kind of value one unquoted, non-empty field is, by polars' rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Bool,
    /// An integer that fits an i64.
    Int,
    WideInt,
    Float,
    Text,
    /// ISO dates, datetimes without a zone, and instants with one
    /// (`iso_dates.rs`).
    Date,
    Naive,
    Utc,
}

impl Kind {
    /// The type a column of values of this kind alone is read as.
    fn dtype(self) -> DataType {
        let mut seen = Seen::default();
        seen.add_kind(self);
        seen.dtype()
    }

    /// The kind of the field `bytes[start..end]`, whose bytes around it
    /// may be read in whole words. The shapes most numbers take, `-?\d+`
    /// and `-?\d*\.\d*` with a digit, are told from one scan of eight
    /// bytes at a time; any other field takes the rules in full.
    #[inline(always)]
    fn at(bytes: &[u8], start: usize, end: usize) -> Kind {
        let digits = start + usize::from(bytes[start] == b'-');
        match digits_and_points(bytes, digits, end) {
            // 18 digits always fit an i64; more may not.
            (true, true, _) if (1..=18).contains(&(end - digits)) => Kind::Int,
            (true, _, true) if end - digits >= 2 => Kind::Float,
            _ => Kind::by_rules(&bytes[start..end]),
        }
    }

    /// [`Kind::at`] by polars' rules written out: the fields its byte
    /// classes do not settle.
    #[inline(never)]
    fn by_rules(field: &[u8]) -> Kind {
        match field[0] {
            // Numbers start with a digit, a sign or a point; `inf` and
            // `NaN` are the only floats that do not.
            b'0'..=b'9' | b'-' | b'+' | b'.' => {
                if is_integer(field) {
                    // 18 digits always fit an i64; more may not.
                    let digits = field.len() - usize::from(field[0] == b'-');
                    let fits = digits <= 18
                        || std::str::from_utf8(field).is_ok_and(|s| s.parse::<i64>().is_ok());
                    if fits { Kind::Int } else { Kind::WideInt }
                } else if is_float(field) {
                    Kind::Float
                } else {
                    match dates::parse(field) {
                        Some(Temporal::Date(_)) => Kind::Date,
                        Some(Temporal::Naive(_)) => Kind::Naive,
                        Some(Temporal::Utc(_)) => Kind::Utc,
                        None => Kind::Text,
                    }
                }
            }
            _ if field.eq_ignore_ascii_case(b"true") || field.eq_ignore_ascii_case(b"false") => {
                Kind::Bool
            }
            _ if field == b"inf" || field == b"NaN" => Kind::Float,
            _ => Kind::Text,
        }
    }
}

/// What the checking pass learned from a run of lines.
struct Piece {
    /// The types each column's values took.
    seen: Vec<Seen>,
    /// Rows read, and the blank lines between them, which polars reads as
    /// rows of nulls: their places among the rows and blank lines together.
    rows: u64,
    blank: Vec<u64>,
    /// Whether a quoted field was read: a piece without one holds no
    /// quote (one anywhere else is out of place, and the piece is not read
    /// this way at all).
    quoted: bool,
    /// Where each row starts (its first field, or that field's opening
    /// quote), in the piece's bytes; kept only when asked for.
    starts: Vec<u64>,
    /// Whether the piece's bytes are UTF-8: checked only with the starts,
    /// a window of rows at a time while they are in cache.
    utf8: bool,
}

impl Piece {
    fn new(columns: usize) -> Self {
        Self {
            seen: vec![Seen::default(); columns],
            rows: 0,
            blank: Vec::new(),
            quoted: false,
            starts: Vec::new(),
            utf8: true,
        }
    }

    /// A blank line after the rows and blank lines so far.
    fn blank_line(&mut self) {
        self.blank.push(self.rows + self.blank.len() as u64);
    }

    /// `next`, the piece that follows this one and begins `at` bytes
    /// after this one began, appended to it.
    fn append(&mut self, next: Piece, at: u64) {
        self.starts.extend(next.starts.iter().map(|s| s + at));
        let before = self.rows + self.blank.len() as u64;
        self.blank.extend(next.blank.iter().map(|b| before + b));
        self.rows += next.rows;
        self.quoted |= next.quoted;
        self.utf8 &= next.utf8;
        for (all, s) in self.seen.iter_mut().zip(next.seen) {
            all.merge(s);
        }
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The eight bytes of `bytes` from `at`, the first in the lowest bits.
#[inline]
fn word(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"))
}

/// The high bit of each byte of `w` that is zero, and no other bit (no
/// borrow runs between the bytes).
#[inline]
fn zero_bytes(w: u64) -> u64 {
    !(((w & !HIGH) + !HIGH) | w | !HIGH)
}

/// Whether `bytes[start..end]` holds only digits and decimal points,
/// whether it holds no point, and whether exactly one; read eight bytes to
/// a step, the last step reading the word that ends at `end` and keeping
/// the bytes not yet seen.
#[inline(always)]
fn digits_and_points(bytes: &[u8], start: usize, end: usize) -> (bool, bool, bool) {
    let (mut other, mut points, mut many) = (0u64, 0u64, false);
    let mut scan = |w: u64, keep: u64| {
        // A byte less '0' is a digit when at most 9.
        let x = w ^ (ONES * u64::from(b'0'));
        let not_digit = (((x & !HIGH) + ONES * (0x80 - 10)) | x) & HIGH;
        let point = zero_bytes(w ^ (ONES * u64::from(b'.'))) & keep;
        other |= not_digit & !point & keep;
        // (No popcount on the baseline x86-64 target: a second point is
        // one in the same word or after one in an earlier word.)
        many |= point & point.wrapping_sub(1) != 0 || (points != 0 && point != 0);
        points |= point;
    };
    let mut at = start;
    while at + 8 <= end {
        scan(word(bytes, at), HIGH);
        at += 8;
    }
    let left = end - at;
    if left > 0 && end >= 8 {
        scan(word(bytes, end - 8), HIGH << (8 * (8 - left)));
    } else {
        for &c in &bytes[at..end] {
            many |= c == b'.' && points != 0;
            points |= u64::from(c == b'.');
            other |= u64::from(c != b'.' && !c.is_ascii_digit());
        }
    }
    (other == 0, points == 0, points != 0 && !many)
}

/// `^-?\d+$`
fn is_integer(f: &[u8]) -> bool {
    let digits = f.strip_prefix(b"-").unwrap_or(f);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `^[-+]?((\d*\.\d+)([eE][-+]?\d+)?|inf|NaN|(\d+)[eE][-+]?\d+|\d+\.)$`
fn is_float(f: &[u8]) -> bool {
    let f = f
        .strip_prefix(b"-")
        .or_else(|| f.strip_prefix(b"+"))
        .unwrap_or(f);
    if f == b"inf" || f == b"NaN" {
        return true;
    }
    let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
    let exponent = |s: &[u8]| {
        let s = s
            .strip_prefix(b"-")
            .or_else(|| s.strip_prefix(b"+"))
            .unwrap_or(s);
        !s.is_empty() && digits(s) == s.len()
    };
    let whole = digits(f);
    let rest = &f[whole..];
    match rest.first() {
        // \d+\.  or  \d*\.\d+ ([eE]...)?
        Some(b'.') => {
            let frac = digits(&rest[1..]);
            let after = &rest[1 + frac..];
            match (frac, after.first()) {
                (0, None) => whole > 0,
                (0, Some(_)) => false,
                (_, None) => true,
                (_, Some(b'e' | b'E')) => exponent(&after[1..]),
                _ => false,
            }
        }
        // \d+[eE][-+]?\d+
        Some(b'e' | b'E') => whole > 0 && exponent(&rest[1..]),
        _ => false,
    }
}

/// Where each field of a raw record starts quoted: the csv crate hands
/// fields unquoted, and a quoted field is text (`"01234"` keeps its
/// zero). `false` when
/// a quoted field is never closed (the csv crate reads it to the end of
/// the file; polars panics on it), or an unquoted field holds a quote
/// (which the csv crate reads as a character and polars as the start of a
/// quoted section: they would not read the same rows).
fn quoted_fields(raw: &[u8], delimiter: u8, out: &mut Vec<bool>) -> Result<(), &'static str> {
    out.clear();
    let mut i = 0;
    loop {
        let quoted = raw.get(i) == Some(&b'"');
        out.push(quoted);
        if quoted {
            i += 1;
            // To the closing quote ("" is an escaped quote).
            let mut closed = false;
            while i < raw.len() {
                if raw[i] == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    closed = true;
                    break;
                }
                i += 1;
            }
            if !closed {
                return Err("a quoted field is never closed (a `\"` without its closing `\"`)");
            }
        }
        let rest = &raw[i.min(raw.len())..];
        let end = rest.iter().position(|&c| c == delimiter);
        if !quoted && rest[..end.unwrap_or(rest.len())].contains(&b'"') {
            return Err(
                "a `\"` inside an unquoted field: quote the whole field (`\"5\"\" screen\"`)",
            );
        }
        match end {
            Some(p) => i += p + 1,
            None => return Ok(()),
        }
    }
}

/// Reads `path` as CSV with a header, delimited by `delimiter`.
pub fn read(path: &Path, delimiter: u8, declared: Declared) -> Result<DataFrame, CsvError> {
    let bytes = map(path)?;
    let checked = infer(
        path,
        &bytes,
        delimiter,
        declared,
        Some(&|piece| unmap(&bytes, piece)),
        None,
    )?;
    if let Some(df) = values::read(
        &bytes,
        &checked.pieces,
        checked.kept,
        delimiter,
        &checked.schema,
        checked.rows,
        &|piece| unmap(&bytes, piece),
    ) {
        return Ok(df);
    }
    let columns = checked.schema.len();
    let parse = CsvParseOptions::default().with_separator(delimiter);
    let df = CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(as_text(&checked.schema))))
        .with_parse_options(parse)
        .into_reader_with_file_handle(std::io::Cursor::new(&bytes[..]))
        .finish()
        .map_err(|e| {
            // Text that is not UTF-8 fails polars' parse without a place:
            // found here, only then, with its line.
            if let Err(e) = std::str::from_utf8(&bytes) {
                let at = e.valid_up_to();
                return CsvError::Encoding {
                    path: path.to_path_buf(),
                    line: line_at(&bytes, at),
                    byte: bytes[at],
                };
            }
            let message = e.to_string();
            CsvError::Syntax {
                path: path.to_path_buf(),
                line: line_of_error(&message, &bytes),
                message: message.lines().next().unwrap_or_default().to_string(),
                declared,
            }
        })?;
    let syntax = |message| CsvError::Syntax {
        path: path.to_path_buf(),
        line: 1,
        message,
        declared,
    };
    let df = typed(df, &checked.schema).map_err(|e| syntax(e.to_string()))?;
    // With one column, a blank line is a record of one empty field (RFC
    // 4180; DuckDB reads it so): polars' null is that field.
    if columns == 1 {
        return Ok(df);
    }
    without_blank_lines(df, checked.rows, &checked.blank).map_err(syntax)
}

/// `schema` as polars is told to read the file: dates and times as text,
/// which [`typed`] then parses as the checking pass typed them (polars' own
/// date parsing is not the checking pass's).
pub fn as_text(schema: &Schema) -> Schema {
    schema
        .iter()
        .map(|(n, t)| {
            let t = match t {
                DataType::Date | DataType::Datetime(..) => DataType::String,
                t => t.clone(),
            };
            Field::new(n.clone(), t)
        })
        .collect()
}

/// A frame polars read with [`as_text`]'s schema, its columns that
/// `schema` types as dates or datetimes parsed as the checking pass typed
/// them; columns are found by name, so `df` may hold some of the file's
/// columns only.
pub fn typed(df: DataFrame, schema: &Schema) -> PolarsResult<DataFrame> {
    let mut columns = df.into_columns();
    for column in &mut columns {
        if let Some(to @ (DataType::Date | DataType::Datetime(..))) = schema.get(column.name()) {
            *column = dates::column(column.str()?, to)?.into_column();
        }
    }
    DataFrame::new_infer_height(columns)
}

/// `df` without the rows of nulls polars reads for blank lines, which in a
/// table of two columns or more the checking pass (as the csv crate,
/// pandas and DuckDB) reads as no rows: a file's last blank line is no
/// row of nulls.
fn without_blank_lines(df: DataFrame, rows: u64, blank: &[u64]) -> Result<DataFrame, String> {
    let height = df.height() as u64;
    if blank.is_empty() || height == rows {
        return Ok(df);
    }
    if height != rows + blank.len() as u64 {
        return Err(format!(
            "polars read {height} rows where the check read {rows} and {} blank lines: \
             remove the blank lines",
            blank.len()
        ));
    }
    let mut keep = vec![true; df.height()];
    for &b in blank {
        keep[b as usize] = false;
    }
    let keep = BooleanChunked::from_slice("keep".into(), &keep);
    df.filter(&keep).map_err(|e| e.to_string())
}

/// The schema `read` would give `path`, and its columns that hold no value,
/// from the checking pass alone: what another engine is told so that it
/// reads the same types.
pub fn schema(
    path: &Path,
    delimiter: u8,
    declared: Declared,
) -> Result<(Schema, Vec<String>), CsvError> {
    let checked = infer(path, &map(path)?, delimiter, declared, None, None)?;
    Ok((checked.schema, checked.untyped))
}

/// The file's bytes, mapped rather than copied: both passes read them, and
/// the page cache holds them once.
fn map(path: &Path) -> Result<memmap2::Mmap, CsvError> {
    let io = |source| CsvError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    // SAFETY: the file is a finished output (the lane that wrote it has
    // ended) and is only read; a file truncated by someone else while it
    // is mapped would fault, as it would under polars' own mmap reader.
    let bytes = unsafe { memmap2::Mmap::map(&file) }.map_err(io)?;
    // The whole file read ahead at once, while the first pages are
    // checked: a file not in the page cache was otherwise read a fault's
    // readahead at a time (the advice is only advice: when it fails, the
    // pages are read as they are touched).
    #[cfg(unix)]
    let _ = bytes.advise(memmap2::Advice::WillNeed);
    Ok(bytes)
}

/// Lets the pages of `range` of a mapped file go once parsed: the peak
/// memory of reading a file held its frame and every page of the file
/// besides (a 10M-row CSV compare: 2.6 GB of frames and 2.6 GB of mapped
/// files at once, BENCHMARKS.md). The page cache keeps them; a later read
/// of the range (polars, when the values pass gives up) maps them again.
fn unmap(bytes: &memmap2::Mmap, range: std::ops::Range<usize>) {
    #[cfg(unix)]
    // SAFETY: the map is read-only and shared, so dropping its pages loses
    // nothing: a later access reads the file's bytes again. (The advice is
    // only advice: when it fails, the pages stay.)
    let _ = unsafe {
        bytes.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, range.start, range.len())
    };
    #[cfg(not(unix))]
    let _ = (bytes, range);
}

/// The line an error of polars' parser points at (it gives a byte offset);
/// 1 when it gives none.
fn line_of_error(message: &str, bytes: &[u8]) -> u64 {
    let offset = message
        .split("offset in the file is ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse::<usize>().ok());
    offset.map_or(1, |o| line_at(bytes, o))
}

/// The 1-based line of byte `offset`.
fn line_at(bytes: &[u8], offset: usize) -> u64 {
    1 + memchr::memchr_iter(b'\n', &bytes[..offset.min(bytes.len())]).count() as u64
}

/// What the checking pass finds in a piece: `None` when a quote is out of
/// place (the CSV parser reads the body); with the values it kept.
type Checking<'a> = Result<Option<(Piece, Option<KeptPiece<'a>>)>, CsvError>;

/// What a CSV pass needs to know and to say in its errors.
struct Pass<'a> {
    path: &'a Path,
    delimiter: u8,
    declared: Declared,
    columns: usize,
}

impl Pass<'_> {
    fn reader<'b>(&self, bytes: &'b [u8]) -> csv::Reader<&'b [u8]> {
        csv::ReaderBuilder::new()
            .delimiter(self.delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(bytes)
    }

    fn syntax(&self, e: &csv::Error, first_line: u64) -> CsvError {
        CsvError::Syntax {
            path: self.path.to_path_buf(),
            line: first_line + e.position().map_or(1, csv::Position::line) - 1,
            message: e.to_string(),
            declared: self.declared,
        }
    }

    /// The rows of `body` (whole lines; its first line is `first_line` of
    /// the file): each row's field count checked, each field's type seen.
    fn rows(&self, body: &[u8], first_line: u64) -> Result<Piece, CsvError> {
        let mut reader = self.reader(body);
        let mut record = csv::ByteRecord::new();
        let mut piece = Piece::new(self.columns);
        let mut quoted = Vec::new();
        // Where the last record ended: the parser skips blank lines, which
        // lie between it and the next record.
        let mut after = 0;
        while reader
            .read_byte_record(&mut record)
            .map_err(|e| self.syntax(&e, first_line))?
        {
            let pos = record
                .position()
                .cloned()
                .unwrap_or_else(csv::Position::new);
            let start = pos.byte() as usize;
            let end = reader.position().byte() as usize;
            let raw = &body[start..end.clamp(start, body.len())];
            // A record's place starts at the blank lines before it, if any.
            let lead = raw
                .iter()
                .take_while(|&&c| c == b'\r' || c == b'\n')
                .count();
            let lead = match lead == raw.len() {
                true => 0,
                false => lead,
            };
            let blank = memchr::memchr_iter(b'\n', &body[after.min(start)..start + lead]).count();
            (0..blank).for_each(|_| piece.blank_line());
            let (raw, line) = (&raw[lead..], first_line + pos.line() - 1 + blank as u64);
            after = end;
            if record.len() != self.columns {
                // A blank last line is no row; a line holding only a quote
                // is one field (polars would panic on it, not report it).
                if raw.iter().all(|&c| c == b'\r' || c == b'\n') {
                    if raw.contains(&b'\n') {
                        piece.blank_line();
                    }
                    continue;
                }
                // A quote never closed swallows the rest of the file into
                // one field: that, not the count it leaves, is the fault.
                if memchr::memchr(b'"', raw).is_some()
                    && let Err(message) = quoted_fields(raw, self.delimiter, &mut quoted)
                {
                    return Err(CsvError::Syntax {
                        path: self.path.to_path_buf(),
                        line,
                        message: message.into(),
                        declared: self.declared,
                    });
                }
                return Err(CsvError::Ragged {
                    path: self.path.to_path_buf(),
                    line,
                    expected: self.columns,
                    found: record.len(),
                    delimiter: self.delimiter,
                    declared: self.declared,
                });
            }
            let any_quote = memchr::memchr(b'"', raw).is_some();
            if any_quote && let Err(message) = quoted_fields(raw, self.delimiter, &mut quoted) {
                return Err(CsvError::Syntax {
                    path: self.path.to_path_buf(),
                    line,
                    message: message.into(),
                    declared: self.declared,
                });
            }
            for (i, field) in record.iter().enumerate() {
                let field = field.strip_suffix(b"\r").unwrap_or(field);
                if any_quote && quoted.get(i) == Some(&true) {
                    piece.seen[i].text = true;
                } else if !field.is_empty() {
                    piece.seen[i].add(field);
                }
            }
            piece.rows += 1;
        }
        // Blank lines after the last record.
        let tail = &body[after.min(body.len())..];
        memchr::memchr_iter(b'\n', tail).for_each(|_| piece.blank_line());
        Ok(piece)
    }
}

impl Pass<'_> {
    /// As [`Pass::rows`], for a body whose quotes all open or close whole
    /// fields, read by [`Fields`]; `None` at a quote anywhere else (inside
    /// an unquoted field, a field never closed, text after a closing
    /// quote): the CSV parser reads such a body, and names its errors.
    /// Beside checking, what `beside` says: values kept, or where each
    /// row starts (and the values of some columns).
    fn fast_rows<'b>(&self, body: &'b [u8], first_line: u64, beside: Beside<'_>) -> Checking<'b> {
        let mut none = KeptPiece::new(0, &[]);
        let (piece, kept) = match beside {
            Beside::Keep => {
                let mut k = KeptPiece::new(self.columns, body);
                let piece = self.fast_rows_keeping::<true, false>(body, first_line, &mut k)?;
                (piece, Some(k))
            }
            Beside::Starts(columns) if columns.contains(&true) => {
                let mut k = KeptPiece::of_columns(columns, body);
                let piece = self.fast_rows_keeping::<true, true>(body, first_line, &mut k)?;
                (piece, Some(k))
            }
            Beside::Starts(_) => (
                self.fast_rows_keeping::<false, true>(body, first_line, &mut none)?,
                None,
            ),
            Beside::Nothing => (
                self.fast_rows_keeping::<false, false>(body, first_line, &mut none)?,
                None,
            ),
        };
        Ok(piece.map(|p| (p, kept)))
    }

    /// [`Pass::fast_rows`], the values kept in `kept` when `KEEP`, each
    /// row's start noted when `STARTS`.
    #[inline(always)]
    fn fast_rows_keeping<const KEEP: bool, const STARTS: bool>(
        &self,
        body: &[u8],
        first_line: u64,
        kept: &mut KeptPiece<'_>,
    ) -> Result<Option<Piece>, CsvError> {
        let mut piece = Piece::new(self.columns);
        if STARTS {
            // The estimate the kept values made room by, when any are kept.
            let rows = match KEEP {
                true => kept.room(),
                false => values::room_for_rows(body, self.columns),
            };
            piece.starts.reserve(rows);
        }
        // The line the next field is on, and the one its record began on.
        let (mut line_no, mut record_line) = (first_line, first_line);
        // Fields read so far in this record.
        let mut count = 0;
        let mut fields = Fields::new(body, self.delimiter);
        // With the starts, the bytes up to here are checked as UTF-8, a
        // window at a time while in cache: checked after the pass, a
        // 10M-row file was read from memory once more (BENCHMARKS.md).
        const WINDOW: usize = 64 << 10;
        let mut checked_to = 0;
        let utf8 = |bytes: std::ops::Range<usize>| simdutf8::basic::from_utf8(&body[bytes]).is_ok();
        loop {
            match fields.next() {
                Next::End => {
                    if STARTS {
                        piece.utf8 &= utf8(checked_to..body.len());
                    }
                    return Ok(Some(piece));
                }
                Next::OutOfPlace => return Ok(None),
                Next::Blank => {
                    piece.blank_line();
                    line_no += 1;
                }
                Next::Field {
                    start,
                    end,
                    quoted,
                    record_end,
                } => {
                    if count == 0 {
                        record_line = line_no;
                        if STARTS {
                            let at = start - usize::from(quoted);
                            piece.starts.push(at as u64);
                            if at - checked_to >= WINDOW {
                                piece.utf8 &= utf8(checked_to..at);
                                checked_to = at;
                            }
                        }
                    }
                    if quoted {
                        piece.quoted = true;
                        line_no += memchr::memchr_iter(b'\n', &body[start..end]).count() as u64;
                    }
                    match piece.seen.get_mut(count) {
                        // A quoted field is text (`"01234"` keeps its zero).
                        Some(s) if quoted => {
                            s.text = true;
                            if KEEP {
                                kept.quoted(count, &body[start..end]);
                            }
                        }
                        Some(s) if start < end => {
                            if !KEEP {
                                s.add_at(body, start, end);
                            } else if s.text {
                                kept.value(count, Kind::Text, &body[start..end]);
                            } else {
                                let kind = Kind::at(body, start, end);
                                s.add_kind(kind);
                                kept.value(count, kind, &body[start..end]);
                            }
                        }
                        Some(_) if KEEP => kept.null(count),
                        _ => {}
                    }
                    count += 1;
                    if record_end {
                        if count != self.columns {
                            return Err(CsvError::Ragged {
                                path: self.path.to_path_buf(),
                                line: record_line,
                                expected: self.columns,
                                found: count,
                                delimiter: self.delimiter,
                                declared: self.declared,
                            });
                        }
                        piece.rows += 1;
                        count = 0;
                        line_no += 1;
                    }
                }
            }
        }
    }
}

/// How many pieces a body of `len` bytes is cut into for `threads`: one per
/// thread, and up to four per thread in a large body, each at least
/// `PIECE` bytes. With one piece per thread, a thread held up (by the
/// kernel zeroing its fresh pages, say) kept the other waiting: `perf` of
/// a 10M-row CSV compare showed one core idle for 0.75–1.5 s at the end of
/// the values pass (BENCHMARKS.md). Each piece is one chunk of each column.
fn pieces(len: usize, threads: usize) -> usize {
    const PIECE: usize = 64 << 20;
    (len / PIECE).clamp(threads, threads * 4)
}

/// `body` cut into `count` runs of whole records, as their starts: each
/// cut after a line end before which the body holds an even number of
/// quotes, so that no quoted field is open there (a quote opens or closes
/// one, and `""` inside one is two). Fewer when a quoted field spans the
/// rest. (No line is counted here: that took a serial pass over the body
/// while the other cores waited; a piece's lines are counted only for an
/// error in it.)
fn cuts(body: &[u8], count: usize) -> Vec<usize> {
    let mut cuts = vec![0usize];
    let (mut at, mut quotes) = (0usize, 0usize);
    for k in 1..count {
        let target = body.len() * k / count;
        if target > at {
            quotes += quotes_in(&body[at..target]);
            at = target;
        }
        loop {
            let Some(p) = memchr::memchr(b'\n', &body[at..]) else {
                return cuts;
            };
            let nl = at + p + 1;
            quotes += quotes_in(&body[at..nl]);
            at = nl;
            if quotes % 2 == 0 {
                break;
            }
        }
        if at >= body.len() {
            break;
        }
        cuts.push(at);
    }
    cuts
}

/// Up to `count` places to cut `body` at, the first 0: each the start of
/// the line after an even share of the body. A record's start only where
/// no quoted field is open there (see `infer`).
fn line_cuts(body: &[u8], count: usize) -> Vec<usize> {
    let mut cuts = vec![0usize];
    for k in 1..count {
        let target = (body.len() * k / count).max(*cuts.last().unwrap_or(&0));
        let Some(p) = memchr::memchr(b'\n', &body[target..]) else {
            break;
        };
        let at = target + p + 1;
        if at >= body.len() {
            break;
        }
        if at > *cuts.last().unwrap_or(&0) {
            cuts.push(at);
        }
    }
    cuts
}

/// The quotes in `bytes`. Most bodies have none, which memchr finds
/// faster than it counts.
fn quotes_in(bytes: &[u8]) -> usize {
    match memchr::memchr(b'"', bytes) {
        None => 0,
        Some(first) => memchr::memchr_iter(b'"', &bytes[first..]).count(),
    }
}

/// What the checking pass does beside checking: keep each piece's values
/// (see [`KeptPiece`]), and hand each piece's range of the file, once
/// read, to the function (which lets its pages go).
type Keep<'a> = Option<&'a (dyn Fn(std::ops::Range<usize>) + Sync)>;

/// What a piece's check does beside checking.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Beside<'a> {
    Nothing,
    /// Keeps the values ([`KeptPiece`]).
    Keep,
    /// Notes where each row starts ([`Piece::starts`]), and keeps the
    /// values of the columns marked.
    Starts(&'a [bool]),
}

/// Checks every row's field count and infers the columns' types, the body
/// cut into whole records and read in parallel; with `keep`, keeps the
/// values too; with `starts` (and no `keep`), notes where each row starts
/// and keeps the values of the columns it names.
fn infer(
    path: &Path,
    bytes: &[u8],
    delimiter: u8,
    declared: Declared,
    keep: Keep<'_>,
    starts: Option<&[String]>,
) -> Result<Checked, CsvError> {
    let mut pass = Pass {
        path,
        delimiter,
        declared,
        columns: 0,
    };
    let mut reader = pass.reader(bytes);
    let mut record = csv::ByteRecord::new();
    if !reader
        .read_byte_record(&mut record)
        .map_err(|e| pass.syntax(&e, 1))?
    {
        return Err(CsvError::Empty {
            path: path.to_path_buf(),
        });
    }
    let names: Vec<String> = record
        .iter()
        .map(|n| {
            String::from_utf8_lossy(n)
                .trim_end_matches('\r')
                .to_string()
        })
        .collect();
    if let [only] = names.as_slice() {
        for other in [b',', b';', b'\t', b'|'] {
            let columns = only.split(other as char).count();
            if other != delimiter && columns > 1 {
                return Err(CsvError::Delimiter {
                    path: path.to_path_buf(),
                    header: only.clone(),
                    delimiter: other,
                    columns,
                    declared,
                });
            }
        }
    }
    for (second, name) in names.iter().enumerate() {
        if let Some(first) = names[..second].iter().position(|n| n == name) {
            return Err(CsvError::DuplicateColumn {
                path: path.to_path_buf(),
                name: name.clone(),
                first: first + 1,
                second: second + 1,
                declared,
            });
        }
    }
    pass.columns = names.len();
    let wanted: Vec<bool> = names
        .iter()
        .map(|n| starts.is_some_and(|s| s.contains(n)))
        .collect();
    let beside = match (keep, starts) {
        (Some(_), _) => Beside::Keep,
        (None, Some(_)) => Beside::Starts(&wanted),
        (None, None) => Beside::Nothing,
    };
    let header_end = (reader.position().byte() as usize).min(bytes.len());
    // The csv crate (as polars) skips a UTF-8 byte order mark, which
    // Excel and .NET writers put before the header: not a character of the
    // header's first field.
    let header = &bytes[..header_end];
    let header = header.strip_prefix(b"\xef\xbb\xbf").unwrap_or(header);
    if let Err(message) = quoted_fields(header, delimiter, &mut Vec::new()) {
        return Err(CsvError::Syntax {
            path: path.to_path_buf(),
            line: 1,
            message: message.into(),
            declared,
        });
    }
    // The parser stops after a header's `\r`, before its `\n`: the same
    // line end, not a blank line.
    let crlf = bytes[..header_end].ends_with(b"\r") && bytes.get(header_end) == Some(&b'\n');
    let body = &bytes[header_end + usize::from(crlf)..];
    let body_line = reader.position().line() + u64::from(crlf);
    // Pieces of whole records, several per thread in a large body.
    let count = pieces(body.len(), rayon::current_num_threads().max(1));
    // The first piece is read from the body's line; the others as if they
    // began on line 1, their places in the file counted only for an error.
    let offset = header_end + usize::from(crlf);
    let check = |cuts: &[usize]| {
        let ends = cuts.iter().skip(1).copied().chain([body.len()]);
        let body_pieces: Vec<std::ops::Range<usize>> = cuts
            .iter()
            .zip(ends)
            .map(|(&start, end)| start..end)
            .collect();
        let results: Vec<Checking> = body_pieces
            .par_iter()
            .map(|range| {
                let line = if range.start == 0 { body_line } else { 1 };
                let piece = pass.fast_rows(&body[range.clone()], line, beside);
                if let Some(done) = keep {
                    done(offset + range.start..offset + range.end);
                }
                piece
            })
            .collect();
        (body_pieces, results)
    };
    // Cut at line ends first, without the serial pass over the body that
    // finding where quoted fields open takes: a cut is a record's end
    // when no quote comes before it, which the pieces before it say by
    // having read no quoted field (and no quote out of place). Otherwise
    // the body is cut where no quoted field is open, and read again when
    // those cuts differ.
    let at_lines = line_cuts(body, count);
    let (mut body_pieces, mut results) = check(&at_lines);
    let unquoted = |r: &Checking| matches!(r, Ok(Some((p, _))) if !p.quoted);
    if !results[..results.len() - 1].iter().all(unquoted) {
        let whole = cuts(body, count);
        if whole != at_lines {
            (body_pieces, results) = check(&whole);
        }
    }
    let mut all = Piece::new(names.len());
    let mut kept = Vec::new();
    // Row starts hold only when every piece was read by `Fields`. Room for
    // all of them is made at once, and for the file's end, which the
    // caller puts after them: grown as pieces were appended, and again by
    // that last start, the starts were copied twice into fresh pages, and
    // the 10M-row CSV pair's peak held 140 MB more (BENCHMARKS.md).
    let mut starts_noted = matches!(beside, Beside::Starts(_));
    if starts_noted {
        let noted = |r: &Checking| match r {
            Ok(Some((p, _))) => p.starts.len(),
            _ => 0,
        };
        all.starts
            .reserve_exact(results.iter().map(noted).sum::<usize>() + 1);
    }
    // The same pieces in the file's bytes.
    let mut pieces: Vec<_> = body_pieces
        .iter()
        .map(|range| offset + range.start..offset + range.end)
        .collect();
    // The first error in file order; a quote out of place before it, and
    // the CSV parser reads the body again, in one piece, and polars parses
    // it.
    for (range, piece) in body_pieces.iter().zip(results) {
        // A ragged row is the one error a piece's check finds.
        let piece = piece.map_err(|mut e| {
            if let CsvError::Ragged { line, .. } = &mut e
                && range.start > 0
            {
                *line +=
                    body_line - 1 + memchr::memchr_iter(b'\n', &body[..range.start]).count() as u64;
            }
            e
        });
        match piece? {
            Some((piece, k)) => {
                kept.push(k.map(|k| (k, piece.rows as usize)));
                all.append(piece, (offset + range.start) as u64);
            }
            None => {
                all = pass.rows(body, body_line)?;
                starts_noted = false;
                pieces.clear();
                kept.clear();
                break;
            }
        }
    }
    let untyped = names
        .iter()
        .zip(&all.seen)
        .filter(|(_, s)| s.is_empty())
        .map(|(n, _)| n.clone())
        .collect();
    let schema: Schema = names
        .into_iter()
        .zip(all.seen)
        .map(|(name, seen)| Field::new(name.into(), seen.dtype()))
        .collect();
    // Each piece's kept values, where they are of the file's types.
    let kept = kept
        .into_par_iter()
        .map(|k| k.map(|(k, rows)| k.finish(&schema, rows)))
        .collect();
    Ok(Checked {
        schema,
        untyped,
        pieces,
        kept,
        rows: all.rows,
        blank: all.blank,
        starts: starts_noted.then_some(Starts {
            rows: all.starts,
            utf8: all.utf8,
        }),
    })
}

/// What the checking pass found in a whole file.
struct Checked {
    schema: Schema,
    /// The columns that hold no value at all.
    untyped: Vec<String>,
    /// The body cut into runs of whole records (none when it could not be
    /// cut): where `values` parses it.
    pieces: Vec<std::ops::Range<usize>>,
    /// Each piece's columns as the checking pass kept them, where it could
    /// (see [`KeptPiece`]); none, or fewer than the pieces, when it did
    /// not try.
    kept: Vec<Option<values::KeptColumns>>,
    rows: u64,
    /// Where polars reads a row of nulls for a blank line, among its rows.
    blank: Vec<u64>,
    /// Where each row starts in the file, when asked for and every piece
    /// was read by `Fields`.
    starts: Option<Starts>,
}

/// Where each row of a checked file starts, and what the checking pass
/// learnt beside them.
struct Starts {
    rows: Vec<u64>,
    /// Whether the body is UTF-8: checked only with the starts.
    utf8: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn read_text(text: &str, delimiter: u8) -> Result<DataFrame, CsvError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, delimiter, Declared::CompareFlags)
    }

    /// Found by the `load` fuzz target: a last line holding only an opening
    /// quote is an error naming the file, not a panic.
    #[test]
    fn unclosed_quote_on_the_last_line_is_an_error() {
        let err = read_text("a,b,c\n1,.2~5,x\n\"", b',').unwrap_err();
        assert!(
            err.to_string()
                .contains("t.csv:3: a quoted field is never closed"),
            "{err}"
        );
        assert!(matches!(err, CsvError::Syntax { line: 3, .. }), "{err}");
    }

    #[test]
    fn field_types_follow_polars_rules() {
        for (text, float, int) in [
            ("1.5", true, false),
            ("-.5", true, false),
            ("+3.", true, false),
            ("1e5", true, false),
            ("1.5E-3", true, false),
            ("inf", true, false),
            ("-NaN", true, false),
            ("12", false, true),
            ("-12", false, true),
            ("+12", false, false),
            ("1.2.3", false, false),
            ("e5", false, false),
            (".", false, false),
            ("1e", false, false),
            (" 1", false, false),
        ] {
            assert_eq!(is_float(text.as_bytes()), float, "{text}");
            assert_eq!(is_integer(text.as_bytes()), int, "{text}");
        }
    }

    /// The scan of words decides only what the rules would: every field of
    /// up to five bytes from digits, points, signs, exponents and
    /// a letter, and integers on both sides of 18 digits, take the same
    /// kind both ways.
    #[test]
    fn byte_classes_type_fields_as_the_rules_do() {
        let alphabet = b"0.-+eEx9";
        let mut fields: Vec<Vec<u8>> = vec![
            b"123456789012345678".to_vec(),
            b"-123456789012345678".to_vec(),
            b"1234567890123456789".to_vec(),
            b"99999999999999999999".to_vec(),
            b"-9223372036854775808".to_vec(),
        ];
        for len in 1..=5u32 {
            for mut code in 0..alphabet.len().pow(len) {
                let mut field = Vec::new();
                for _ in 0..len {
                    field.push(alphabet[code % alphabet.len()]);
                    code /= alphabet.len();
                }
                fields.push(field);
            }
        }
        let kinds = |s: Seen| (s.boolean, s.int, s.wide_int, s.float, s.text);
        for field in &fields {
            let mut rules = Seen::default();
            rules.add_kind(Kind::by_rules(field));
            // Alone (read a byte at a time when short), and after other
            // fields (read in words that start before it).
            let mut line = b"1.5,abc,".to_vec();
            line.extend_from_slice(field);
            line.extend_from_slice(b",9.9.9\n");
            let (mut alone, mut in_line) = (Seen::default(), Seen::default());
            alone.add(field);
            in_line.add_at(&line, 8, 8 + field.len());
            for fast in [alone, in_line] {
                assert_eq!(
                    kinds(fast),
                    kinds(rules),
                    "{}",
                    String::from_utf8_lossy(field)
                );
            }
        }
    }

    /// Lines ending in `\r\n` and a last line without its end are split
    /// into the same rows as the CSV parser reads.
    #[test]
    fn split_lines_end_as_the_csv_parser_reads_them() {
        let df = read_text("a,b\r\n1,x\r\n2,\r\n3,z", b',').unwrap();
        assert_eq!(df.height(), 3);
        assert_eq!(df.column("a").unwrap().dtype(), &DataType::Int64);
        let b: Vec<Option<&str>> = df.column("b").unwrap().str().unwrap().iter().collect();
        assert_eq!(b, [Some("x"), None, Some("z")]);
    }

    /// polars read each blank line as a row of nulls (a file's last blank
    /// line was a row whose key is null), where the checking pass, like
    /// the csv crate, pandas and DuckDB, reads no row in a table of two
    /// columns or more.
    #[test]
    fn blank_lines_are_no_rows() {
        for text in [
            "a,b\n1,x\n\n2,y\n",
            "a,b\n1,x\n2,y\n\n",
            "a,b\n\n\n1,x\n2,y",
            "a,b\r\n1,x\r\n\r\n2,y\r\n\r\n",
            "a,b\n1,x\n\n\"2\",y\n\n",
            "a,b\n1,\"x\n\"\n\n2,y\n",
        ] {
            let df = read_text(text, b',').unwrap_or_else(|e| panic!("{text:?}: {e}"));
            let a: Vec<Option<i64>> = match df.column("a").unwrap().dtype() {
                DataType::Int64 => df.column("a").unwrap().i64().unwrap().iter().collect(),
                _ => df
                    .column("a")
                    .unwrap()
                    .str()
                    .unwrap()
                    .iter()
                    .map(|v| v.and_then(|v| v.parse().ok()))
                    .collect(),
            };
            assert_eq!(a, [Some(1), Some(2)], "{text:?}");
        }
        // With one column, a blank line is a record of one empty field: a
        // null (as DuckDB reads it).
        let df = read_text("a\n1\n\n2\n", b',').unwrap();
        let a: Vec<Option<i64>> = df.column("a").unwrap().i64().unwrap().iter().collect();
        assert_eq!(a, [Some(1), None, Some(2)]);
        // And lines after them keep their numbers, in both passes, with
        // either line end.
        for (text, line) in [
            ("a,b\n1,x\n\n2\n", 4),
            ("a,b\n\"1\",x\n\n2\n", 4),
            ("a,b\r\n1,x\r\n2\r\n", 3),
            ("a,b\r\n\"1\",x\r\n\r\n2\r\n", 4),
        ] {
            let err = read_text(text, b',').unwrap_err();
            assert!(
                matches!(err, CsvError::Ragged { line: l, found: 1, .. } if l == line),
                "{text:?}: {err}"
            );
        }
    }

    #[test]
    fn a_row_with_too_many_fields_is_not_called_cut_short() {
        use crate::error::Help as _;
        let err = read_text("id,name\n1,Smith, J\n", b',').unwrap_err();
        let help = err.help().unwrap();
        assert!(help.contains("more fields than the header"), "{help}");
        assert!(help.contains("`,` without quotes"), "{help}");
        assert!(!help.contains("cut short"), "{help}");
        let err = read_text("id;name;x\n1;a\n", b';').unwrap_err();
        assert!(err.help().unwrap().contains("cut short"));
    }

    #[test]
    fn truncated_row_is_an_error_naming_its_line() {
        let err = read_text("id,a,b\n1,x,2\n2,y\n3,z,4\n", b',').unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("t.csv:3: row has 2 fields where the header has 3"),
            "{msg}"
        );
        // Too many fields, too.
        let err = read_text("id,a\n1,x\n2,y,extra\n", b',').unwrap_err();
        assert!(
            err.to_string().contains("t.csv:3: row has 3 fields"),
            "{err}"
        );
    }

    #[test]
    fn a_short_row_deep_in_a_large_file_names_its_line() {
        let mut text = String::from("id,a,b\n");
        for i in 0..50_000 {
            text.push_str(&format!("{i},x,{i}\n"));
        }
        text.push_str("50000,x\n");
        let err = read_text(&text, b',').unwrap_err().to_string();
        assert!(err.contains("t.csv:50002: row has 2 fields"), "{err}");
        // A float in the last piece makes the column float.
        text.truncate(text.len() - "50000,x\n".len());
        text.push_str("50000,x,0.5\n");
        let df = read_text(&text, b',').unwrap();
        assert_eq!(df.column("b").unwrap().dtype(), &DataType::Float64);
        assert_eq!(df.height(), 50_001);
    }

    #[test]
    fn types_are_inferred_from_every_row_as_polars_does() {
        let df = read_text(
            "i,f,b,s,q,e,w\n1,1,true,a,\"7\",,99999999999999999999\n2,2.5,FALSE,3,\"8\",,1\n",
            b',',
        )
        .unwrap();
        let types: Vec<String> = df.dtypes().iter().map(|t| t.to_string()).collect();
        assert_eq!(types, ["i64", "f64", "bool", "str", "str", "str", "i128"]);
        assert_eq!(df.height(), 2);
        // Quoted fields read as text: a zip code keeps its zero.
        assert_eq!(df.column("q").unwrap().str().unwrap().get(0), Some("7"));
        // Header only: no rows, every column text.
        let df = read_text("id,x\n", b',').unwrap();
        assert_eq!((df.height(), df.width()), (0, 2));
    }

    #[test]
    fn iso_dates_and_times_read_as_dates_and_datetimes() {
        // A CSV column of timestamps was text: a `seconds` tolerance could
        // not apply to it, and a distribution table tested its instants as
        // categories.
        let text = "d,t,z,other,q\n\
                    2024-01-31,2024-01-31 10:00:00.5,2024-01-31T10:00:00Z,2024-01-31,\"2024-01-31\"\n\
                    ,2024-02-01,2024-01-31T12:00:00+02:00,2024-02-30,\"2024-02-01\"\n";
        let us = TimeUnit::Microseconds;
        // chrono's parse of the same text: the oracle for the values.
        let parsed = |values: &[Option<&str>], t: DataType| {
            let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
            let v: Vec<Option<i64>> = values
                .iter()
                .map(|v| {
                    v.map(|v| match t {
                        DataType::Date => {
                            let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
                            (d - epoch).num_days()
                        }
                        _ => chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S%.f")
                            .unwrap()
                            .and_utc()
                            .timestamp_micros(),
                    })
                })
                .collect();
            let physical = Series::new("x".into(), v);
            match t {
                DataType::Date => physical.cast(&DataType::Int32).unwrap().cast(&t).unwrap(),
                _ => physical.cast(&t).unwrap(),
            }
        };
        let check = |df: &DataFrame| {
            let types: Vec<DataType> = df.dtypes();
            let utc = DataType::Datetime(us, Some(TimeZone::UTC));
            let naive = DataType::Datetime(us, None);
            assert_eq!(
                types,
                [
                    DataType::Date,
                    naive.clone(),
                    utc.clone(),
                    DataType::String,
                    DataType::String
                ]
            );
            let column = |name: &str| df.column(name).unwrap().as_materialized_series().clone();
            let d = parsed(&[Some("2024-01-31"), None], DataType::Date);
            assert!(column("d").equals_missing(&d), "{df}");
            let t = parsed(
                &[Some("2024-01-31 10:00:00.5"), Some("2024-02-01 00:00:00")],
                naive,
            );
            assert!(column("t").equals_missing(&t), "{df}");
            let z = parsed(
                &[Some("2024-01-31 10:00:00"), Some("2024-01-31 10:00:00")],
                utc,
            );
            assert!(column("z").equals_missing(&z), "{df}");
        };
        // Parsed here, a piece per core.
        check(&read_text(text, b',').unwrap());
        // And where polars reads the file (a column of 128-bit integers,
        // which the fast pass leaves to it).
        let wide: Vec<String> = text
            .lines()
            .zip(["w", "1", "99999999999999999999"])
            .map(|(line, w)| format!("{line},{w}\n"))
            .collect();
        let df = read_text(&wide.concat(), b',').unwrap();
        assert_eq!(df.column("w").unwrap().dtype(), &DataType::Int128);
        check(&df.drop("w").unwrap());
        // One column: polars reads it.
        let df = read_text("d\n2024-01-31\n2024-02-01\n", b',').unwrap();
        let d = parsed(&[Some("2024-01-31"), Some("2024-02-01")], DataType::Date);
        assert!(
            df.column("d")
                .unwrap()
                .as_materialized_series()
                .equals_missing(&d)
        );
        // Naive and zoned instants, or dates and instants, together: text.
        for mix in [
            "2024-01-31\n2024-01-31T10:00:00Z\n",
            "2024-01-31 10:00\n2024-01-31T10:00:00Z\n",
            "2024-01-31\n7\n",
        ] {
            let df = read_text(&format!("a,b\n{}", mix.replace('\n', ",1\n")), b',').unwrap();
            assert_eq!(df.column("a").unwrap().dtype(), &DataType::String, "{mix}");
        }
    }

    #[test]
    fn an_unclosed_quote_is_an_error_at_its_line_not_a_panic() {
        // Found by fuzz/run.sh (target `load`): polars panicked on a lone
        // quote at the end of a numeric column.
        let e = read_text("id,a\n1,2\n2,\"", b',').unwrap_err().to_string();
        assert!(e.contains(":3: a quoted field is never closed"), "{e}");
        let e = read_text("id,a\n1,\"x\n2,3\n", b',')
            .unwrap_err()
            .to_string();
        assert!(e.contains(":2: a quoted field is never closed"), "{e}");
        // The fuzzer's input: a quote inside an unquoted header field.
        let e = read_text("id,a{\"{\n2,\"{\n\"", b',')
            .unwrap_err()
            .to_string();
        assert!(e.contains(":1: a `\"` inside an unquoted field"), "{e}");
    }

    #[test]
    fn an_unclosed_quote_that_leaves_a_row_short_is_named_as_the_quote() {
        // Was "row has 2 fields where the header has 3": the quote took the
        // rest of the file into one field, and the count was blamed.
        let e = read_text("id,name,v\n1,\"unterminated,1\n", b',')
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv:2: a quoted field is never closed"), "{e}");
        let e = read_text("id,name,v\n1,\"a,1\n2,b,2\n3,c,3\n", b',')
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv:2: a quoted field is never closed"), "{e}");
        // A short row whose quotes are whole is still a short row.
        let e = read_text("id,name,v\n1,\"a,b\"\n", b',')
            .unwrap_err()
            .to_string();
        assert!(e.contains("t.csv:2: row has 2 fields"), "{e}");
    }

    #[test]
    fn a_byte_order_mark_before_a_quoted_header_is_no_quote_out_of_place() {
        let df = read_text("\u{feff}\"id\",\"name\"\r\n1,\"a, b\"\r\n2,c\r\n", b',').unwrap();
        assert_eq!(df.get_column_names(), ["id", "name"]);
        assert_eq!(df.height(), 2);
        assert_eq!(
            df.column("name").unwrap().str().unwrap().get(0),
            Some("a, b")
        );
    }

    /// The frame `text` reads as, from values the checking pass kept, and
    /// from a second pass over every piece; and for each column, in how
    /// many pieces it was kept.
    fn kept_and_read_again(text: &str) -> (DataFrame, DataFrame, Vec<usize>) {
        let bytes = text.as_bytes();
        let declared = Declared::CompareFlags;
        let checked = infer(
            Path::new("t.csv"),
            bytes,
            b',',
            declared,
            Some(&|_| {}),
            None,
        )
        .unwrap();
        let mut kept = vec![0; checked.schema.len()];
        for piece in checked.kept.iter().flatten() {
            for (k, c) in kept.iter_mut().zip(piece) {
                *k += usize::from(c.is_some());
            }
        }
        let (pieces, schema, rows) = (&checked.pieces, &checked.schema, checked.rows);
        let read = |k| values::read(bytes, pieces, k, b',', schema, rows, &|_| {}).unwrap();
        (read(checked.kept.clone()), read(Vec::new()), kept)
    }

    #[test]
    fn values_kept_by_the_checking_pass_are_what_a_second_pass_reads() {
        let rows = 3000;
        type Column = (&'static str, fn(usize, usize) -> String);
        // Columns whose fields keep one type in every piece (integers in
        // pieces of a float column are kept and made floats)...
        let steady: [Column; 8] = [
            ("int", |i, _| format!("{}", i as i64 - 5)),
            ("int_then_float", |i, n| match i == n - 2 {
                true => "2.5".into(),
                false => i.to_string(),
            }),
            ("nulls_then_float", |i, n| match i < n / 2 {
                true => String::new(),
                false => "1.25".into(),
            }),
            ("text", |i, _| format!("t{i}")),
            ("quoted", |i, _| format!("\"q,{i}\"\"\"")),
            ("date", |i, _| format!("2024-01-{:02}", 1 + i % 28)),
            ("bool", |i, _| ["true", "False"][i % 2].into()),
            ("empty", |_, _| String::new()),
        ];
        // ...and columns that make some piece read again.
        let mixed: [Column; 3] = [
            // A float column read -0 as -0.0, which an integer loses.
            ("negative_zero", |i, n| match i {
                0 => "-0".into(),
                _ if i == n - 1 => "0.5".into(),
                _ => "3".into(),
            }),
            // Text keeps the zeros integers lose.
            ("int_then_text", |i, n| match i == n - 1 {
                true => "x".into(),
                false => format!("{:03}", i % 7),
            }),
            ("date_then_datetime", |i, n| match i == n - 1 {
                true => "2024-01-31 10:00:00".into(),
                false => "2024-01-30".into(),
            }),
        ];
        let file = |columns: &[Column]| {
            let mut text = columns.iter().map(|c| c.0).collect::<Vec<_>>().join(",") + "\n";
            for i in 0..rows {
                let row: Vec<String> = columns.iter().map(|c| c.1(i, rows)).collect();
                text += &(row.join(",") + "\n");
            }
            text
        };
        let pieces = rayon::current_num_threads();
        let (kept, again, columns) = kept_and_read_again(&file(&steady));
        assert_eq!(columns, [pieces; 8], "every column kept in every piece");
        assert!(kept.equals_missing(&again), "{kept}\n{again}");
        let types: Vec<String> = kept.dtypes().iter().map(|t| t.to_string()).collect();
        assert_eq!(
            types,
            ["i64", "f64", "f64", "str", "str", "date", "bool", "str"]
        );
        assert_eq!(
            kept.column("quoted").unwrap().str().unwrap().get(3),
            Some("q,3\"")
        );

        // Each beside the steady ones, which stay kept: only the column
        // is parsed again, where it was not kept.
        for m in mixed {
            let all: Vec<Column> = steady.iter().chain([&m]).copied().collect();
            let (kept, again, columns) = kept_and_read_again(&file(&all));
            assert!(kept.equals_missing(&again), "{kept}\n{again}");
            assert_eq!(columns[..8], [pieces; 8], "{}", m.0);
            assert!(columns[8] < pieces, "{}", m.0);
            let column = kept.column(m.0).unwrap().as_materialized_series();
            match m.0 {
                "negative_zero" => {
                    let zero = column.f64().unwrap().get(0).unwrap();
                    assert!(zero == 0.0 && zero.is_sign_negative());
                }
                "int_then_text" => assert_eq!(column.str().unwrap().get(0), Some("000")),
                _ => assert_eq!(
                    column.dtype(),
                    &DataType::Datetime(TimeUnit::Microseconds, None)
                ),
            }
        }
    }

    #[test]
    fn a_large_body_is_cut_into_several_pieces_per_thread() {
        let mb = 1 << 20;
        assert_eq!(pieces(10, 2), 2);
        assert_eq!(pieces(100 * mb, 2), 2);
        assert_eq!(pieces(200 * mb, 2), 3);
        assert_eq!(pieces(1400 * mb, 2), 8);
        assert_eq!(pieces(1400 * mb, 1), 4);
        // Cut where asked, at line ends: eight pieces of whole records.
        let body: String = (0..1000).map(|i| format!("{i},x\n")).collect();
        let starts = cuts(body.as_bytes(), 8);
        assert_eq!(starts.len(), 8);
        assert!(starts[1..].iter().all(|&s| body.as_bytes()[s - 1] == b'\n'));
        // Without quotes, cutting at line ends alone cuts the same.
        assert_eq!(line_cuts(body.as_bytes(), 8), starts);
    }

    #[test]
    fn row_starts_have_room_for_the_files_end_and_are_not_copied_to_grow() {
        // Pieces of several thousand rows each: their starts are put
        // together in a vector that the file's end, pushed after them by
        // `CsvOnDisk`, does not make grow (it grew to twice its size, a
        // copy into fresh pages of every start).
        let mut text = String::from("id,name\n");
        for i in 0..40_000 {
            text += &format!("{i},n{}\n", i % 7);
        }
        let bytes = text.as_bytes();
        let starts_of = |columns: &[String]| {
            infer(
                Path::new("t.csv"),
                bytes,
                b',',
                Declared::CompareFlags,
                None,
                Some(columns),
            )
            .unwrap()
            .starts
            .unwrap()
            .rows
        };
        for columns in [vec![], vec!["id".to_string()]] {
            let starts = starts_of(&columns);
            assert_eq!(starts.len(), 40_000);
            assert_eq!(starts.capacity(), starts.len() + 1);
            // Each start is its row's in the file: after a line's end.
            let lines: Vec<u64> = memchr::memchr_iter(b'\n', bytes)
                .map(|at| at as u64 + 1)
                .take(40_000)
                .collect();
            assert_eq!(starts, lines);
        }
    }

    #[test]
    fn a_body_with_quotes_is_cut_only_where_no_quoted_field_is_open() {
        // Each record's quoted field spans three lines: a cut at a line end
        // inside one would split it.
        let mut text = String::from("id,note\n");
        for i in 0..200 {
            text += &format!("{i},\"line one\nline \"\"two\"\"\n\"\n");
        }
        let bytes = text.as_bytes();
        let checked = infer(
            Path::new("t.csv"),
            bytes,
            b',',
            Declared::CompareFlags,
            None,
            None,
        )
        .unwrap();
        assert_eq!(checked.rows, 200);
        assert_eq!(checked.pieces.len(), rayon::current_num_threads());
        for p in &checked.pieces {
            assert!(bytes[p.start - 1] == b'\n' && bytes[p.start].is_ascii_digit());
        }
        // Cut at line ends alone, a piece would begin inside a quoted
        // field: those cuts were read, found wanting, and replaced.
        let header = "id,note\n".len();
        let at_lines = line_cuts(&bytes[header..], checked.pieces.len());
        assert!(
            at_lines.len() == 1
                || at_lines[1..]
                    .iter()
                    .any(|&c| !bytes[header + c].is_ascii_digit())
        );
        let df = read_text(&text, b',').unwrap();
        assert_eq!(df.height(), 200);
        let note = df.column("note").unwrap().str().unwrap();
        assert!(note.iter().all(|n| n == Some("line one\nline \"two\"\n")));
        // A ragged record past the cut is named at its line, as ever.
        let ragged = text.replace("150,\"line", "150,7,\"line");
        let e = read_text(&ragged, b',').unwrap_err().to_string();
        assert!(
            e.contains(&format!("t.csv:{}: row has 3 fields", 2 + 3 * 150)),
            "{e}"
        );
    }

    #[test]
    fn quoted_fields_with_delimiters_and_newlines() {
        let df = read_text(
            "id,s\n1,\"a,b\"\n2,\"two\nlines\"\n3,\"say \"\"hi\"\"\"\n",
            b',',
        )
        .unwrap();
        assert_eq!(df.height(), 3);
        let s: Vec<_> = df.column("s").unwrap().str().unwrap().iter().collect();
        assert_eq!(s, [Some("a,b"), Some("two\nlines"), Some("say \"hi\"")]);
    }

    #[test]
    fn semicolon_and_tab_files() {
        let df = read_text("id;x\n1;2,5\n", b';').unwrap();
        assert_eq!(df.width(), 2);
        let df = read_text("id\tx\r\n1\t2\r\n", b'\t').unwrap();
        assert_eq!(df.column("x").unwrap().dtype(), &DataType::Int64);
        // A semicolon file read with commas: the header says so.
        let err = crate::error::chain(&read_text("id;x\n1;2\n", b',').unwrap_err());
        assert!(
            err.contains("t.csv:1: the header is one column, `id;x`"),
            "{err}"
        );
        assert!(
            err.contains("help: the file looks delimited by `;`: pass --delimiter ';'"),
            "{err}"
        );
    }

    #[test]
    fn a_column_named_twice_in_the_header_is_named_in_the_error() {
        // Was "provided schema does not match number of columns in file
        // (2 != 3 in file)" with advice to check for a truncated file.
        let err = crate::error::chain(&read_text("id,v,v\n1,2,3\n", b',').unwrap_err());
        assert!(
            err.contains("t.csv:1: the header names column `v` twice (columns 2 and 3)"),
            "{err}"
        );
        assert!(err.contains("help: columns are compared by name"), "{err}");
    }

    #[test]
    fn not_utf8_names_the_line() {
        let err = read_text("id,v\n1,ok\n2,caf\u{e9}\n", b',').map(|_| ());
        assert!(err.is_ok());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, b"id,v\n1,ok\n2,caf\xe9\n").unwrap();
        let err = read(&path, b',', Declared::Config).unwrap_err().to_string();
        assert!(err.contains("t.csv:3: not UTF-8 (byte 0xe9)"), "{err}");
    }

    #[test]
    fn empty_file_is_an_error() {
        let err = read_text("", b',').unwrap_err().to_string();
        assert!(err.contains("is empty"), "{err}");
    }
}
