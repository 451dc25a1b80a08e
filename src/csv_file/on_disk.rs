//! A CSV table (a file, or part files one after another) compared where
//! it lies, as `load::OnDisk` leaves a Parquet file: each file checked and
//! typed by the same checking pass as [`super::read`]
//! (every row's field count, types from every row), which notes where each
//! row starts instead of keeping the values. Two files' rows are then
//! compared as bytes first ([`differing_fields`]): a field's bytes hold its
//! value, so only fields whose bytes differ are parsed ([`CsvOnDisk::column`]),
//! as `values.rs` parses them. Parsing every value of a 10M-row pair was
//! half the CSV compare (BENCHMARKS.md, forty-fourth session).

use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;

use super::fields::{last_field_end, split_record};
use super::values::Builder;
use super::{CsvError, ONES, infer, map, word, zero_bytes};
use crate::config::Declared;

/// A CSV table (one file, or part files one after another) checked and
/// typed, its values left in the files.
pub struct CsvOnDisk {
    files: Vec<PartFile>,
    delimiter: u8,
    /// Each column's type, as [`super::read`] reads it.
    pub schema: Schema,
    /// The columns that hold no value at all.
    pub untyped: Vec<String>,
    /// Where each row starts, and, last, the last file's end: places in
    /// the files laid one after another (see [`PartFile::base`]).
    starts: Vec<u64>,
    /// The values of the columns `open` was asked to keep, as the
    /// checking pass read them.
    kept: Vec<(String, Series)>,
}

/// One file of a table.
struct PartFile {
    path: PathBuf,
    bytes: memmap2::Mmap,
    /// Where the file begins among the files laid one after another.
    base: u64,
    /// The table's row its first row is.
    first_row: usize,
}

/// How many rows ahead of its read a row in no order is asked for: 8
/// read the shuffled 10M CSV pair's rows in 1.47 s, 16 in 1.59 s, 4 in
/// 1.51 s (the pair loop, medians of 5, asking for a row's first line;
/// BENCHMARKS.md).
const AHEAD: usize = 8;

/// A field of a row: its bytes' range in the file (a quoted field's
/// between its quotes), and whether it is quoted.
type Span = (usize, usize, bool);

impl CsvOnDisk {
    /// Checks and types each of `paths` (a table's part files, one or
    /// more) as [`super::read`] would (the same errors); `None` for files
    /// this does not read where they lie, which loading then reads whole:
    /// one column (a blank line is a row of it), a quote out of place (the
    /// CSV parser reads that body), a type its values are not parsed in
    /// here (128-bit integers), text that is not UTF-8 (whose line `read`
    /// names), parts whose columns or types differ (loading says how). The
    /// values of the columns `keep` names (a table's keys, read whole) are
    /// kept as the checking pass reads them: parsed again, they took a
    /// second pass over the file (0.3 s of the shuffled 10M CSV pair,
    /// BENCHMARKS.md).
    pub fn open(
        paths: &[PathBuf],
        delimiter: u8,
        declared: Declared,
        keep: &[String],
    ) -> Result<Option<Self>, CsvError> {
        let mut table: Option<CsvOnDisk> = None;
        for path in paths {
            let Some(part) = Self::open_one(path, delimiter, declared, keep)? else {
                return Ok(None);
            };
            table = match table {
                None => Some(part),
                Some(mut t) => {
                    if t.schema != part.schema {
                        return Ok(None);
                    }
                    let (base, first_row) = (t.end(), t.rows());
                    t.starts.pop();
                    t.starts.extend(part.starts.iter().map(|s| s + base));
                    // A column with no value has none in any part.
                    t.untyped.retain(|u| part.untyped.contains(u));
                    if t.kept.len() != part.kept.len() {
                        t.kept.clear();
                    }
                    for ((_, all), (_, more)) in t.kept.iter_mut().zip(part.kept) {
                        all.append_owned(more).map_err(|e| CsvError::Syntax {
                            path: path.clone(),
                            line: 1,
                            message: e.to_string(),
                            declared,
                        })?;
                    }
                    t.files.extend(part.files.into_iter().map(|f| PartFile {
                        base: f.base + base,
                        first_row: f.first_row + first_row,
                        ..f
                    }));
                    Some(t)
                }
            };
        }
        Ok(table)
    }

    /// [`CsvOnDisk::open`] of one file.
    fn open_one(
        path: &Path,
        delimiter: u8,
        declared: Declared,
        keep: &[String],
    ) -> Result<Option<Self>, CsvError> {
        let bytes = map(path)?;
        let checked = infer(path, &bytes, delimiter, declared, None, Some(keep))?;
        let Some(super::Starts {
            rows: mut starts,
            utf8,
        }) = checked.starts
        else {
            return Ok(None);
        };
        let parsed = checked
            .schema
            .iter_fields()
            .all(|f| Builder::new(&f, 0).is_some());
        if checked.schema.len() < 2 || !parsed {
            return Ok(None);
        }
        let text = checked.schema.iter_values().any(|t| t == &DataType::String);
        if text && !utf8 {
            return Ok(None);
        }
        // The file's end after the last row (`infer` made room for it).
        starts.push(bytes.len() as u64);
        // A kept column whole in every piece, in its type.
        let kept = (checked.schema.iter_names().enumerate())
            .filter(|(_, n)| keep.iter().any(|k| k == n.as_str()))
            .filter_map(|(c, name)| {
                let parts: Vec<Series> = (checked.kept.iter())
                    .map(|p| p.as_ref()?.get(c)?.clone())
                    .collect::<Option<_>>()?;
                let all = (!parts.is_empty()).then(|| concat(parts).ok())??;
                (all.len() as u64 == checked.rows).then(|| (name.to_string(), all))
            })
            .collect();
        Ok(Some(CsvOnDisk {
            kept,
            files: vec![PartFile {
                path: path.to_path_buf(),
                bytes,
                base: 0,
                first_row: 0,
            }],
            delimiter,
            schema: checked.schema,
            untyped: checked.untyped,
            starts,
        }))
    }

    /// Where the last file ends, among the files laid one after another.
    fn end(&self) -> u64 {
        self.files
            .last()
            .map_or(0, |f| f.base + f.bytes.len() as u64)
    }

    /// The table's rows (its records; blank lines are none).
    pub fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// The bytes of the rows `row(i)` for `i` in `range`, in order, each
    /// from its first field to the next row (its line end, and any blank
    /// lines after it, included): their places looked up all at once
    /// (loads that wait on nothing, which the processor runs together),
    /// before any row's bytes are read.
    fn rows_at(&self, range: std::ops::Range<usize>, row: impl Fn(usize) -> usize) -> Vec<&[u8]> {
        let place = |i| {
            let r = row(i);
            (self.starts[r] as usize, self.starts[r + 1] as usize)
        };
        if let [only] = &self.files[..] {
            return range
                .map(|i| {
                    let (start, end) = place(i);
                    &only.bytes[start..end]
                })
                .collect();
        }
        range
            .map(|i| {
                let (start, end) = place(i);
                let f = &self.files[self.files.partition_point(|f| f.base <= start as u64) - 1];
                let base = f.base as usize;
                // A file's last row ends at its end, not at the next
                // file's first.
                &f.bytes[start - base..(end - base).min(f.bytes.len())]
            })
            .collect()
    }

    /// Asks for `row`'s first line, read soon: its page's address found
    /// (the wait on a row in no order of a large file) and its first bytes
    /// fetched, the lines after them following. Asking for all three lines
    /// of a 136-byte row, as `bench/peers.sh` writes, kept the pair loop
    /// 0.1 s longer (1.63 against 1.47 s).
    fn ask(row: &[u8]) {
        crate::prefetch::address(row.as_ptr());
    }

    /// Column `name`'s values at `count` rows, the `i`-th at row
    /// `row(i)`, parsed as [`super::read`] parses them, on every core.
    pub fn column(
        &self,
        name: &str,
        count: usize,
        row: impl Fn(usize) -> usize + Sync,
    ) -> PolarsResult<Series> {
        if let Some((_, kept)) = self.kept.iter().find(|(n, _)| n == name) {
            if count == self.rows() && (0..count).all(|i| row(i) == i) {
                return Ok(kept.clone());
            }
            let rows: Vec<IdxSize> = (0..count).map(|i| row(i) as IdxSize).collect();
            return kept.take(&IdxCa::from_vec(PlSmallStr::EMPTY, rows));
        }
        let (index, _, field) = self
            .schema
            .get_full(name)
            .ok_or_else(|| polars_err!(ColumnNotFound: "{name}"))?;
        let field = Field::new(name.into(), field.clone());
        const PART: usize = 1 << 16;
        let parts: Vec<Series> = (0..count.div_ceil(PART).max(1))
            .into_par_iter()
            .map(|p| {
                let range = p * PART..((p + 1) * PART).min(count);
                let mut out = Builder::new(&field, range.len())
                    .expect("`open` takes only types `Builder` parses");
                let (mut spans, mut scratch) = (Vec::new(), Vec::new());
                let first = range.start;
                let rows = self.rows_at(range.clone(), &row);
                for (k, &bytes) in rows.iter().enumerate() {
                    if let Some(ahead) = rows.get(k + AHEAD) {
                        Self::ask(ahead);
                    }
                    let r = first + k;
                    split_record(bytes, self.delimiter, index + 1, &mut spans);
                    let &(start, end, quoted) =
                        spans.get(index).ok_or_else(|| self.bad(row(r), name))?;
                    let f = &bytes[start..end];
                    let pushed = match quoted {
                        true => out.push_quoted(f, &mut scratch),
                        false => out.push(f),
                    };
                    pushed.ok_or_else(|| self.bad(row(r), name))?;
                }
                Ok(out.finish())
            })
            .collect::<PolarsResult<_>>()?;
        concat(parts)
    }

    /// A field that the checking pass typed and that does not parse in
    /// its type: the file changed since it was checked.
    fn bad(&self, row: usize, name: &str) -> PolarsError {
        let f = &self.files[self.files.partition_point(|f| f.first_row <= row).max(1) - 1];
        polars_err!(ComputeError:
            "{}: record {} (after the header) no longer reads as it was checked in column `{name}`: the file changed while it was compared; compare it again",
            f.path.display(), row - f.first_row + 1
        )
    }
}

/// `parts` (one at least) one after another.
fn concat(parts: Vec<Series>) -> PolarsResult<Series> {
    let mut parts = parts.into_iter();
    let mut all = parts.next().expect("one part at least");
    for p in parts {
        all.append_owned(p)?;
    }
    Ok(all)
}

/// One compared column's pairs whose fields differ byte for byte (their
/// positions, ascending) and both sides' values there, as written.
pub struct Differing {
    pub positions: Vec<IdxSize>,
    pub base: Series,
    pub head: Series,
}

/// A record's bytes, its line end left out (a record holding a quote,
/// whose line end may lie inside quotes, whole). Rows alike this way hold
/// the same fields.
fn record(row: &[u8]) -> &[u8] {
    match memchr::memchr2(b'\n', b'"', row) {
        Some(at) if row[at] == b'"' => row,
        Some(at) => row[..at].strip_suffix(b"\r").unwrap_or(&row[..at]),
        None => row.strip_suffix(b"\r").unwrap_or(row),
    }
}

/// How many bytes `a` and `b` share from their starts, how many
/// `delimiter`s those hold, where the field holding the first byte they do
/// not share starts (after the last of those delimiters), and whether
/// they hold neither a quote nor a line end: one pass, eight bytes to a
/// step.
fn shared_start(a: &[u8], b: &[u8], delimiter: u8) -> (usize, usize, usize, bool) {
    let (d, quote, line_end) = (
        ONES * u64::from(delimiter),
        ONES * u64::from(b'"'),
        ONES * u64::from(b'\n'),
    );
    let n = a.len().min(b.len());
    let (mut at, mut count, mut from, mut others) = (0, 0, 0, 0);
    // The delimiters, quotes and line ends among the bytes `keep` marks of
    // the word at `at`.
    let mut scan = |x: u64, keep: u64, at: usize| {
        let hits = zero_bytes(x ^ d) & keep;
        count += hits.count_ones() as usize;
        if hits != 0 {
            from = at + (63 - hits.leading_zeros() as usize) / 8 + 1;
        }
        others |= (zero_bytes(x ^ quote) | zero_bytes(x ^ line_end)) & keep;
    };
    while at + 8 <= n {
        let (x, y) = (word(a, at), word(b, at));
        if x != y {
            let same = (x ^ y).trailing_zeros() as usize / 8;
            scan(x, (1u64 << (8 * same)) - 1, at);
            return (at + same, count, from, others == 0);
        }
        scan(x, u64::MAX, at);
        at += 8;
    }
    while at < n && a[at] == b[at] {
        match a[at] {
            c if c == delimiter => (count, from) = (count + 1, at + 1),
            b'"' | b'\n' => others = 1,
            _ => {}
        }
        at += 1;
    }
    (at, count, from, others == 0)
}

/// What two rows' bytes say at once, where both files have the same
/// columns in the same order: `Some(None)` when the rows are alike,
/// `Some(Some((field, base's span, head's)))` when only that field can
/// differ, `None` when the rows must be split to tell (a quote or a line
/// end among the bytes they share, a quote where they part, more than one
/// field apart). Read from the first byte the rows do not share: its field
/// ends at each row's next delimiter or line end, and the rows' bytes from
/// there on must be alike. The rows' line ends are not looked for first:
/// a row was read three times (its line end, the two rows compared, the
/// shared start), the pairs' work that the prefetches waited behind.
fn one_field(b: &[u8], h: &[u8], delimiter: u8) -> Option<Option<(usize, Span, Span)>> {
    let (start, field, from, plain) = shared_start(b, h, delimiter);
    if start == b.len() && start == h.len() {
        return Some(None);
    }
    if !plain {
        return None;
    }
    // Where the field ends in `row`, and where the bytes after it start.
    let end = |row: &[u8]| -> Option<(usize, usize)> {
        let cr = |at: usize| last_field_end(row, from, at);
        match memchr::memchr3(delimiter, b'\n', b'"', &row[start..]) {
            None => Some((cr(row.len()), row.len())),
            Some(e) => match row[start + e] {
                b'"' => None,
                b'\n' => Some((cr(start + e), start + e)),
                _ => Some((start + e, start + e)),
            },
        }
    };
    let ((bend, bafter), (hend, hafter)) = (end(b)?, end(h)?);
    (b[bafter..] == h[hafter..]).then_some(Some((field, (from, bend, false), (from, hend, false))))
}

/// A part's finds: per compared column, the positions and both sides'
/// values.
struct Part {
    positions: Vec<Vec<IdxSize>>,
    base: Vec<Builder>,
    head: Vec<Builder>,
    scratch: Vec<u8>,
}

impl Part {
    /// Column `k` differs at pair `i`: base's field `bf`, head's `hf`.
    fn push(
        &mut self,
        k: usize,
        i: usize,
        (br, bf): (&[u8], Span),
        (hr, hf): (&[u8], Span),
    ) -> Option<()> {
        self.positions[k].push(i as IdxSize);
        for (out, row, (s, e, quoted)) in [(&mut self.base[k], br, bf), (&mut self.head[k], hr, hf)]
        {
            match quoted {
                true => out.push_quoted(&row[s..e], &mut self.scratch)?,
                false => out.push(&row[s..e])?,
            }
        }
        Some(())
    }
}

/// For each compared column, given as its place on each side (base's
/// column index, head's), the pairs whose fields differ byte for byte and
/// both sides' values there, parsed while the pair's rows are in cache:
/// the `i`-th pair is base's row `base_rows[i]` and head's `head_rows[i]`
/// (row `i` on a side without a list), of `pairs` pairs. Fields alike
/// byte for byte hold the same value in a column of one type on both
/// sides, so only these pairs can differ.
///
/// Rows alike byte for byte are not split into fields. Where both files
/// have the same columns in the same order, the bytes the two rows share
/// from their starts name the one field that can differ when all after it
/// is alike ([`one_field`]): found without splitting the rows. Other rows
/// are split. Pairs are read in parts on every core; head's rows, in no
/// order, are asked for ahead.
pub fn differing_fields(
    (b, h): (&CsvOnDisk, &CsvOnDisk),
    (base_rows, head_rows): (Option<&[IdxSize]>, Option<&[IdxSize]>),
    pairs: usize,
    columns: &[(usize, usize)],
) -> PolarsResult<Vec<Differing>> {
    const PART: usize = 1 << 15;
    fn row(rows: Option<&[IdxSize]>) -> impl Fn(usize) -> usize + '_ {
        move |i| rows.map_or(i, |r| r[i] as usize)
    }
    // Rows alike byte for byte hold the same fields only when one
    // delimiter cuts both (`p;q,r` is two fields either way, not the same
    // two).
    let one_delimiter = b.delimiter == h.delimiter;
    let same_layout = one_delimiter && b.schema.iter_names().eq(h.schema.iter_names());
    // The compared column of each field, when both sides' layouts agree.
    let mut of_field = vec![None; b.schema.len()];
    for (k, &(bc, hc)) in columns.iter().enumerate() {
        if bc == hc {
            of_field[bc] = Some(k);
        }
    }
    let builders = |side: &CsvOnDisk, pick: fn(&(usize, usize)) -> usize| {
        columns
            .iter()
            .map(|c| {
                let (name, dtype) = side
                    .schema
                    .get_at_index(pick(c))
                    .expect("a column of the file");
                Builder::new(&Field::new(name.clone(), dtype.clone()), 0)
                    .expect("`open` takes only types `Builder` parses")
            })
            .collect::<Vec<_>>()
    };
    let parts: Vec<Part> = (0..pairs.div_ceil(PART).max(1))
        .into_par_iter()
        .map(|p| {
            let range = p * PART..((p + 1) * PART).min(pairs);
            let mut part = Part {
                positions: vec![Vec::new(); columns.len()],
                base: builders(b, |c| c.0),
                head: builders(h, |c| c.1),
                scratch: Vec::new(),
            };
            let (mut bf, mut hf) = (Vec::new(), Vec::new());
            let first = range.start;
            let bp = b.rows_at(range.clone(), row(base_rows));
            let hp = h.rows_at(range, row(head_rows));
            for (k, (&brow, &hrow)) in bp.iter().zip(&hp).enumerate() {
                if let Some(ahead) = hp.get(k + AHEAD) {
                    CsvOnDisk::ask(ahead);
                }
                let i = first + k;
                // A field that no longer parses names its column and both
                // rows.
                let bad = |k: usize| {
                    let (bc, hc) = columns[k];
                    let name = |side: &CsvOnDisk, c| {
                        side.schema.get_at_index(c).map(|(n, _)| n.to_string())
                    };
                    let (bn, hn) = (
                        name(b, bc).unwrap_or_default(),
                        name(h, hc).unwrap_or_default(),
                    );
                    let (bq, hq) = (b.bad(row(base_rows)(i), &bn), h.bad(row(head_rows)(i), &hn));
                    polars_err!(ComputeError: "{bq}, or {hq}")
                };
                if same_layout {
                    match one_field(brow, hrow, b.delimiter) {
                        Some(None) => continue,
                        Some(Some((field, bs, hs))) => {
                            if let Some(k) = of_field[field] {
                                part.push(k, i, (brow, bs), (hrow, hs))
                                    .ok_or_else(|| bad(k))?;
                            }
                            continue;
                        }
                        None => {}
                    }
                }
                if one_delimiter && record(brow) == record(hrow) {
                    continue;
                }
                // Split as written, line end and all, as `column` splits:
                // a record's bytes have lost a `\r` already, and a last
                // field `x\r` before `\r\n` lost its own too.
                split_record(brow, b.delimiter, usize::MAX, &mut bf);
                split_record(hrow, h.delimiter, usize::MAX, &mut hf);
                for (k, &(bc, hc)) in columns.iter().enumerate() {
                    let (Some(&bs), Some(&hs)) = (bf.get(bc), hf.get(hc)) else {
                        return Err(bad(k));
                    };
                    if bs.2 != hs.2 || brow[bs.0..bs.1] != hrow[hs.0..hs.1] {
                        part.push(k, i, (brow, bs), (hrow, hs))
                            .ok_or_else(|| bad(k))?;
                    }
                }
            }
            Ok(part)
        })
        .collect::<PolarsResult<_>>()?;
    // Each column's parts, in order.
    let mut found: Vec<(Vec<IdxSize>, Vec<Series>, Vec<Series>)> =
        columns.iter().map(|_| Default::default()).collect();
    for part in parts {
        let columns = part.positions.into_iter().zip(part.base).zip(part.head);
        for (all, ((positions, base), head)) in found.iter_mut().zip(columns) {
            all.0.extend(positions);
            all.1.push(base.finish());
            all.2.push(head.finish());
        }
    }
    found
        .into_iter()
        .map(|(positions, base, head)| {
            Ok(Differing {
                positions,
                base: concat(base)?,
                head: concat(head)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(dir: &Path, name: &str, text: &str, delimiter: u8) -> CsvOnDisk {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        CsvOnDisk::open(&[path], delimiter, Declared::CompareFlags, &[])
            .unwrap()
            .expect("read where it lies")
    }

    #[test]
    fn rows_alike_byte_for_byte_differ_when_the_delimiters_do() {
        // `p;q,r` is `p;q` and `r` cut at commas, `p` and `q,r` at
        // semicolons: the same bytes, other fields.
        let dir = tempfile::tempdir().unwrap();
        let b = open(dir.path(), "b.csv", "a,b\np;q,r\n", b',');
        let h = open(dir.path(), "h.csv", "a;b\np;q,r\n", b';');
        let found = differing_fields((&b, &h), (None, None), 1, &[(0, 0), (1, 1)]).unwrap();
        let positions: Vec<&[IdxSize]> = found.iter().map(|d| &d.positions[..]).collect();
        assert_eq!(positions, [&[0][..], &[0][..]]);
        assert_eq!(found[0].base.str().unwrap().get(0), Some("p;q"));
        assert_eq!(found[0].head.str().unwrap().get(0), Some("p"));
        // One delimiter: rows alike are no difference.
        let h = open(dir.path(), "h2.csv", "a,b\np;q,r\n", b',');
        let found = differing_fields((&b, &h), (None, None), 1, &[(0, 0), (1, 1)]).unwrap();
        assert!(found.iter().all(|d| d.positions.is_empty()));
    }

    /// Regression: rows split to compare them were split after their line
    /// end and one `\r` were cut off, so a last field `x\r` before `\r\n`
    /// lost its own `\r` as well and read as `x`: a difference the loaded
    /// path reports went unseen.
    #[test]
    fn a_last_field_ending_in_cr_keeps_it_when_rows_are_split() {
        let dir = tempfile::tempdir().unwrap();
        // Two fields apart: the rows are split.
        let b = open(dir.path(), "b.csv", "a,b,c\n1,p,x\r\r\n", b',');
        let h = open(dir.path(), "h.csv", "a,b,c\n1,q,x\n", b',');
        let found = differing_fields((&b, &h), (None, None), 1, &[(2, 2)]).unwrap();
        assert_eq!(found[0].positions, [0]);
        assert_eq!(found[0].base.str().unwrap().get(0), Some("x\r"));
        assert_eq!(found[0].head.str().unwrap().get(0), Some("x"));
    }

    /// `one_field` against splitting both records (the path it saves):
    /// rows of plain and quoted fields (a delimiter and a line end inside
    /// quotes), CRLF, a last record without a line end, blank lines after
    /// a record, and head's rows with none, one or two fields changed
    /// (grown, shrunk, emptied, quoted). Whenever it answers, the one field
    /// it names is the only one splitting finds apart, at the same bytes.
    #[test]
    fn one_field_agrees_with_splitting_both_records() {
        let values = [
            "1",
            "1.5",
            "1.50",
            "-0",
            "",
            "abc",
            "a b",
            "x\r",
            "\"q,r\"",
            "\"a\nb\"",
            "\"\"",
            "title 4a9c7b of row 930570",
            "title 4a9c7b of row 930571",
            "391.25090357555047",
        ];
        let ends = ["\n", "\r\n", "", "\n\n", "\r\n\r\n"];
        let mut seed = 7u64;
        let mut next = |n: usize| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize % n
        };
        let (mut answered, mut one) = (0, 0);
        let (mut bf, mut hf) = (Vec::new(), Vec::new());
        for _ in 0..20_000 {
            let width = 2 + next(4);
            let base: Vec<&str> = (0..width).map(|_| values[next(values.len())]).collect();
            let mut head = base.clone();
            for _ in 0..next(3) {
                head[next(width)] = values[next(values.len())];
            }
            let b = base.join(",") + ends[next(ends.len())];
            let h = head.join(",") + ends[next(ends.len())];
            let (b, h) = (b.as_bytes(), h.as_bytes());
            split_record(b, b',', usize::MAX, &mut bf);
            split_record(h, b',', usize::MAX, &mut hf);
            let apart: Vec<usize> = (0..width)
                .filter(|&f| {
                    let (x, y) = (bf[f], hf[f]);
                    x.2 != y.2 || b[x.0..x.1] != h[y.0..y.1]
                })
                .collect();
            let Some(answer) = one_field(b, h, b',') else {
                continue;
            };
            answered += 1;
            match answer {
                None => assert!(apart.is_empty(), "{b:?} {h:?}"),
                Some((f, bs, hs)) => {
                    one += 1;
                    assert!(
                        apart.iter().all(|&a| a == f),
                        "{b:?} {h:?}: {apart:?}, not {f}"
                    );
                    assert_eq!((&b[bs.0..bs.1], bs.2), (&b[bf[f].0..bf[f].1], bf[f].2));
                    assert_eq!((&h[hs.0..hs.1], hs.2), (&h[hf[f].0..hf[f].1], hf[f].2));
                }
            }
        }
        // The shortcut is taken, not only left.
        assert!(
            answered > 2_000 && one > 500,
            "{answered} answered, {one} one field"
        );
    }

    /// Text that is not UTF-8 is left to loading (which names its line),
    /// wherever it lies: in a window the checking pass checks as it goes,
    /// or in the bytes after the last window.
    #[test]
    fn text_not_utf8_is_left_to_loading_wherever_it_lies() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 100_000;
        let text = |bad: Option<usize>| {
            let mut t = b"id,name\n".to_vec();
            for i in 0..rows {
                t.extend_from_slice(format!("{i},n{i}").as_bytes());
                if bad == Some(i) {
                    t.push(0xe9);
                }
                t.push(b'\n');
            }
            t
        };
        for (name, bad) in [
            ("first", Some(10)),
            ("middle", Some(rows / 3)),
            ("last", Some(rows - 1)),
        ] {
            let path = dir.path().join(format!("{name}.csv"));
            std::fs::write(&path, text(bad)).unwrap();
            let opened = CsvOnDisk::open(&[path], b',', Declared::CompareFlags, &[]).unwrap();
            assert!(opened.is_none(), "{name}");
        }
        let path = dir.path().join("good.csv");
        std::fs::write(&path, text(None)).unwrap();
        let opened = CsvOnDisk::open(&[path], b',', Declared::CompareFlags, &[]).unwrap();
        assert_eq!(opened.expect("UTF-8 throughout").rows(), rows);
    }

    #[test]
    fn parts_of_other_types_are_left_to_loading() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        };
        let ints = write("0.csv", "a,b\n1,x\n2,y");
        let floats = write("1.csv", "a,b\n1.5,z\n");
        let more = write("2.csv", "a,b\n3,z\n");
        let open = |paths: &[PathBuf]| {
            CsvOnDisk::open(paths, b',', Declared::CompareFlags, &["a".into()]).unwrap()
        };
        // Loading names the part whose type differs.
        assert!(open(&[ints.clone(), floats]).is_none());
        // Parts alike are one table: rows one after another, the first
        // part's last row ending at its end (it has no line end).
        let t = open(&[ints, more]).expect("parts of one schema");
        assert_eq!(t.rows(), 3);
        let b = t.column("b", 3, |r| r).unwrap();
        assert_eq!(
            b.str().unwrap().iter().collect::<Vec<_>>(),
            [Some("x"), Some("y"), Some("z")]
        );
        let a = t.column("a", 3, |r| 2 - r).unwrap();
        assert_eq!(
            a.i64().unwrap().iter().collect::<Vec<_>>(),
            [Some(3), Some(2), Some(1)]
        );
    }
}
