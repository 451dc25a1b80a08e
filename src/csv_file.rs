//! CSV files, read strictly: a CSV reader never guesses.
//!
//! One pass with the `csv` crate checks that every row has as many fields
//! as the header (a truncated file is an error naming its line, not rows of
//! nulls) and infers each column's type from every row, with polars' own
//! rules; polars then parses the file in parallel with that schema. This
//! replaces polars' schema inference over every row, a second pass that
//! ran single-threaded with regular expressions, and polars' reading of
//! short rows as nulls.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::config::Declared;

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error(
        "{}:{line}: row has {found} {} where the header has {expected}\nhelp: a row cut short is a truncated or malformed file, never read as nulls: check that {} wrote every field of every row{}",
        path.display(), if *found == 1 { "field" } else { "fields" }, declared.writer(),
        if *found == 1 { format!(", or whether the file is delimited by another character ({})", declared.delimiter_help(b';')) } else { String::new() }
    )]
    Ragged {
        path: PathBuf,
        line: u64,
        expected: usize,
        found: usize,
        declared: Declared,
    },
    #[error(
        "{}:1: the header is one column, `{header}`, that `{}` splits into {columns}\nhelp: the file looks delimited by `{}`: {}",
        path.display(), show(*delimiter), show(*delimiter), declared.delimiter_help(*delimiter)
    )]
    Delimiter {
        path: PathBuf,
        header: String,
        delimiter: u8,
        columns: usize,
        declared: Declared,
    },
    #[error("{}:{line}: {message}\nhelp: check that {} wrote a complete CSV file", path.display(), declared.writer())]
    Syntax {
        path: PathBuf,
        line: u64,
        message: String,
        declared: Declared,
    },
    #[error(
        "{}:{line}: not UTF-8 (byte 0x{byte:02x})\nhelp: swimlane reads CSV as UTF-8; convert the file, e.g. `iconv -f latin1 -t utf-8`",
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

fn show(d: u8) -> String {
    match d {
        b'\t' => "\\t".into(),
        d => (d as char).to_string(),
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
}

impl Seen {
    /// polars' rules: one kind of value gives its type, integers with
    /// floats give floats, anything else (or no value at all) text.
    fn dtype(self) -> DataType {
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
    fn add(&mut self, field: &[u8]) {
        if field.eq_ignore_ascii_case(b"true") || field.eq_ignore_ascii_case(b"false") {
            self.boolean = true;
        } else if is_float(field) {
            self.float = true;
        } else if is_integer(field) {
            match std::str::from_utf8(field)
                .ok()
                .and_then(|s| s.parse::<i64>().ok())
            {
                Some(_) => self.int = true,
                None => self.wide_int = true,
            }
        } else {
            self.text = true;
        }
    }
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
/// fields unquoted, and polars reads a quoted field as text.
fn quoted_fields(raw: &[u8], delimiter: u8, out: &mut Vec<bool>) {
    out.clear();
    let mut i = 0;
    loop {
        let quoted = raw.get(i) == Some(&b'"');
        out.push(quoted);
        if quoted {
            i += 1;
            // To the closing quote ("" is an escaped quote).
            while i < raw.len() {
                if raw[i] == b'"' {
                    if raw.get(i + 1) == Some(&b'"') {
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
        }
        match raw[i.min(raw.len())..].iter().position(|&c| c == delimiter) {
            Some(p) => i += p + 1,
            None => return,
        }
    }
}

/// Reads `path` as CSV with a header, delimited by `delimiter`.
pub fn read(path: &Path, delimiter: u8, declared: Declared) -> Result<DataFrame, CsvError> {
    let bytes = std::fs::read(path).map_err(|source| CsvError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if let Err(e) = std::str::from_utf8(&bytes) {
        let at = e.valid_up_to();
        return Err(CsvError::Encoding {
            path: path.to_path_buf(),
            line: line_at(&bytes, at),
            byte: bytes[at],
        });
    }
    let schema = infer(path, &bytes, delimiter, declared)?;
    let parse = CsvParseOptions::default().with_separator(delimiter);
    CsvReadOptions::default()
        .with_has_header(true)
        .with_schema(Some(Arc::new(schema)))
        .with_parse_options(parse)
        .into_reader_with_file_handle(std::io::Cursor::new(bytes.as_slice()))
        .finish()
        .map_err(|e| {
            let message = e.to_string();
            CsvError::Syntax {
                path: path.to_path_buf(),
                line: line_of_error(&message, &bytes),
                message: message.lines().next().unwrap_or_default().to_string(),
                declared,
            }
        })
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

/// Checks every row's field count and infers the columns' types.
fn infer(path: &Path, bytes: &[u8], delimiter: u8, declared: Declared) -> Result<Schema, CsvError> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let syntax = |line: u64, message: String| CsvError::Syntax {
        path: path.to_path_buf(),
        line,
        message,
        declared,
    };
    let mut record = csv::ByteRecord::new();
    let read = |reader: &mut csv::Reader<&[u8]>, record: &mut csv::ByteRecord| {
        reader.read_byte_record(record).map_err(|e| {
            let line = e.position().map_or(1, csv::Position::line);
            syntax(line, e.to_string())
        })
    };
    if !read(&mut reader, &mut record)? {
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
    let mut seen = vec![Seen::default(); names.len()];
    let mut quoted = Vec::new();
    while read(&mut reader, &mut record)? {
        let pos = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        if record.len() != names.len() {
            // A blank last line is no row.
            if record.len() == 1 && record[0].is_empty() {
                continue;
            }
            return Err(CsvError::Ragged {
                path: path.to_path_buf(),
                line: pos.line(),
                expected: names.len(),
                found: record.len(),
                declared,
            });
        }
        let start = pos.byte() as usize;
        let end = reader.position().byte() as usize;
        let raw = &bytes[start..end.min(bytes.len())];
        let any_quote = memchr::memchr(b'"', raw).is_some();
        if any_quote {
            quoted_fields(raw, delimiter, &mut quoted);
        }
        for (i, field) in record.iter().enumerate() {
            let field = field.strip_suffix(b"\r").unwrap_or(field);
            if any_quote && quoted.get(i) == Some(&true) {
                seen[i].text = true;
            } else if !field.is_empty() {
                seen[i].add(field);
            }
        }
    }
    Ok(names
        .into_iter()
        .zip(seen)
        .map(|(name, seen)| Field::new(name.into(), seen.dtype()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, delimiter: u8) -> Result<DataFrame, CsvError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        std::fs::write(&path, text).unwrap();
        read(&path, delimiter, Declared::CompareFlags)
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
        let err = read_text("id;x\n1;2\n", b',').unwrap_err().to_string();
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
