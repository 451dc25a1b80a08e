//! A CSV body's fields one at a time, as both passes over it read them
//! (the check in `mod.rs`, the values in `values.rs`): a field is what lies
//! between delimiters, or between a quote at its start and the quote that
//! closes it (`""` inside is one quote), found several times faster than
//! a CSV parser finds them: field ends from a mask of the delimiters, line
//! ends and quotes of each 64-byte block, a quoted field's end with memchr
//! (measured in BENCHMARKS.md).

/// What comes next in a body.
pub(super) enum Next {
    /// A field: its bytes `start..end` (a quoted one's between its quotes,
    /// `""` still doubled; a record's last without its `\r`), and whether
    /// it ends its record.
    Field {
        start: usize,
        end: usize,
        quoted: bool,
        record_end: bool,
    },
    /// A line with nothing on it, between records: no record.
    Blank,
    /// A quote out of place (inside an unquoted field, never closed, or
    /// followed by more text): a body for the CSV parser, which names the
    /// error.
    OutOfPlace,
    /// The body's end.
    End,
}

pub(super) struct Fields<'a> {
    body: &'a [u8],
    delimiter: u8,
    /// Where the next field starts.
    from: usize,
    /// Whether a record has begun and not ended.
    in_record: bool,
    done: bool,
    /// The 64-byte block of the body (its offset) whose delimiters, line
    /// ends and quotes `mask` holds, a bit each (`usize::MAX`: none yet).
    block: usize,
    mask: u64,
}

impl<'a> Fields<'a> {
    pub(super) fn new(body: &'a [u8], delimiter: u8) -> Self {
        Self {
            body,
            delimiter,
            from: 0,
            in_record: false,
            done: false,
            block: usize::MAX,
            mask: 0,
        }
    }

    /// Where the first delimiter, line end or quote at or after `from`
    /// lies, or the body's length: read from a mask of each 64-byte block,
    /// made once per block. (memchr's three-byte search, called once per
    /// field, spent most of its time starting up on fields of a few bytes:
    /// BENCHMARKS.md.)
    #[inline(always)]
    fn next_special(&mut self, from: usize) -> usize {
        let n = self.body.len();
        let mut block = from & !63;
        if block != self.block {
            self.block = block;
            self.mask = specials(self.body, block, self.delimiter);
        }
        let mut mask = self.mask & (u64::MAX << (from - block));
        while mask == 0 {
            block += 64;
            if block >= n {
                return n;
            }
            mask = specials(self.body, block, self.delimiter);
            self.block = block;
            self.mask = mask;
        }
        block + mask.trailing_zeros() as usize
    }

    #[inline(always)]
    pub(super) fn next(&mut self) -> Next {
        let (body, n, from) = (self.body, self.body.len(), self.from);
        if self.done {
            return Next::End;
        }
        if body.get(from) == Some(&b'"') {
            let Some(close) = closing_quote(body, from) else {
                return Next::OutOfPlace;
            };
            let at = match body.get(close + 1) {
                Some(b'\r') if body.get(close + 2) == Some(&b'\n') => close + 2,
                Some(&c) if c == self.delimiter || c == b'\n' => close + 1,
                None => close + 1,
                Some(_) => return Next::OutOfPlace,
            };
            return self.ended(from + 1, close, at, true);
        }
        let at = self.next_special(from);
        if body.get(at) == Some(&b'"') {
            return Next::OutOfPlace;
        }
        let line_end = at == n || body[at] == b'\n';
        let end = match line_end && at > from && body[at - 1] == b'\r' {
            true => at - 1,
            false => at,
        };
        // The end of a body whose last line has its line end is no line.
        if line_end && !self.in_record && from == end {
            if at == n {
                self.done = true;
                return Next::End;
            }
            self.from = at + 1;
            return Next::Blank;
        }
        self.ended(from, end, at, false)
    }

    /// The field `start..end`, ended by the delimiter or line end at `at`
    /// (or the body's end).
    #[inline(always)]
    fn ended(&mut self, start: usize, end: usize, at: usize, quoted: bool) -> Next {
        let record_end = self.body.get(at).is_none_or(|&c| c == b'\n');
        self.in_record = !record_end;
        match at == self.body.len() {
            true => self.done = true,
            false => self.from = at + 1,
        }
        Next::Field {
            start,
            end,
            quoted,
            record_end,
        }
    }
}

/// The fields of the record that `row` begins with (its line end and
/// anything after it left out), the first `upto` at most, into `out` as
/// `(start, end, quoted)` (a quoted field's between its quotes): found by
/// [`split_unquoted`], or by [`Fields`] when the record holds a quote.
#[inline]
pub(super) fn split_record(
    row: &[u8],
    delimiter: u8,
    upto: usize,
    out: &mut Vec<(usize, usize, bool)>,
) {
    if split_unquoted(row, delimiter, upto, out) {
        return;
    }
    out.clear();
    let mut fields = Fields::new(row, delimiter);
    while out.len() < upto {
        match fields.next() {
            Next::Field {
                start,
                end,
                quoted,
                record_end,
            } => {
                out.push((start, end, quoted));
                if record_end {
                    return;
                }
            }
            Next::Blank => {}
            Next::End | Next::OutOfPlace => return,
        }
    }
}

/// Where a record's last field, from `from` to its line end (or the
/// file's end) at `at`, ends: before a `\r` there.
#[inline]
pub(super) fn last_field_end(row: &[u8], from: usize, at: usize) -> usize {
    match at > from && row[at - 1] == b'\r' {
        true => at - 1,
        false => at,
    }
}

/// [`split_record`] of a record without quotes; `false` (and `out`
/// unfinished) when a quote comes first. A record's fields from the masks
/// of its blocks, with none of the state `Fields` keeps to walk a body:
/// splitting each of a 10M-row file's records with `Fields` took 150 ns a
/// record (BENCHMARKS.md, forty-fourth session).
fn split_unquoted(
    row: &[u8],
    delimiter: u8,
    upto: usize,
    out: &mut Vec<(usize, usize, bool)>,
) -> bool {
    out.clear();
    let mut from = 0;
    let mut block = 0;
    let last = |from: usize, at: usize| (from, last_field_end(row, from, at), false);
    while block < row.len() {
        let mut mask = specials(row, block, delimiter);
        while mask != 0 {
            let at = block + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            match row[at] {
                b'"' => return false,
                b'\n' => {
                    out.push(last(from, at));
                    return true;
                }
                _ => {
                    out.push((from, at, false));
                    from = at + 1;
                    if out.len() >= upto {
                        return true;
                    }
                }
            }
        }
        block += 64;
    }
    // The file's last record, without a line end.
    out.push(last(from, row.len()));
    true
}

/// The place of the quote that closes the quoted field opening at
/// `start` (a quote not doubled), if any.
fn closing_quote(body: &[u8], start: usize) -> Option<usize> {
    let mut at = start + 1;
    loop {
        let q = at + memchr::memchr(b'"', &body[at..])?;
        if body.get(q + 1) != Some(&b'"') {
            return Some(q);
        }
        at = q + 2;
    }
}

/// The delimiters, line ends and quotes among the 64 bytes of `body` from
/// `at`, a bit each (the first byte's lowest); bytes past the body's end
/// are none.
#[inline(always)]
fn specials(body: &[u8], at: usize, delimiter: u8) -> u64 {
    if let Some(block) = body.get(at..at + 64) {
        return block_mask(block.try_into().expect("64 bytes"), delimiter);
    }
    let rest = body.get(at..).unwrap_or_default();
    if rest.is_empty() {
        return 0;
    }
    let mut block = [0u8; 64];
    block[..rest.len()].copy_from_slice(rest);
    block_mask(&block, delimiter) & (u64::MAX >> (64 - rest.len()))
}

/// [`specials`] of one whole block, sixteen bytes to a step.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn block_mask(block: &[u8; 64], delimiter: u8) -> u64 {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of every x86-64 target; each unaligned load
    // reads 16 of the block's 64 bytes.
    unsafe {
        let delimiter = _mm_set1_epi8(delimiter as i8);
        let line_end = _mm_set1_epi8(b'\n' as i8);
        let quote = _mm_set1_epi8(b'"' as i8);
        let mut bits = 0u64;
        for i in 0..4 {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * i).cast());
            let hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, delimiter), _mm_cmpeq_epi8(v, line_end)),
                _mm_cmpeq_epi8(v, quote),
            );
            bits |= u64::from(_mm_movemask_epi8(hit) as u16) << (16 * i);
        }
        bits
    }
}

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn block_mask(block: &[u8; 64], delimiter: u8) -> u64 {
    block_mask_words(block, delimiter)
}

/// [`block_mask`] eight bytes to a step in plain integer arithmetic, for
/// the targets without the x86-64 one: each word's matching bytes found as
/// [`super::zero_bytes`] finds them, their high bits gathered into eight
/// bits by one multiply (each lands on its own bit: no carries).
#[cfg(any(not(target_arch = "x86_64"), test))]
#[inline(always)]
fn block_mask_words(block: &[u8; 64], delimiter: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let delimiter = ONES * u64::from(delimiter);
    let (line_end, quote) = (ONES * u64::from(b'\n'), ONES * u64::from(b'"'));
    let mut bits = 0u64;
    for (i, word) in block.chunks_exact(8).enumerate() {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let hits = super::zero_bytes(w ^ delimiter)
            | super::zero_bytes(w ^ line_end)
            | super::zero_bytes(w ^ quote);
        bits |= ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * i);
    }
    bits
}

/// [`block_mask`] a byte at a time: the check of the other two.
#[cfg(test)]
fn block_mask_bytewise(block: &[u8; 64], delimiter: u8) -> u64 {
    block.iter().enumerate().fold(0u64, |bits, (i, &c)| {
        bits | (u64::from(c == delimiter || c == b'\n' || c == b'"') << i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_masks_find_each_delimiter_line_end_and_quote() {
        // Every byte value at every place, with a delimiter of each kind.
        for delimiter in [b',', b';', b'\t', b'|', 0] {
            for (seed, block) in (0..=255u8).map(|b| [b; 64]).enumerate() {
                let mut mixed = block;
                for (i, c) in mixed.iter_mut().enumerate() {
                    let i = i as u8;
                    *c = (seed as u8)
                        .wrapping_mul(31)
                        .wrapping_add(i.wrapping_mul(i) ^ i.wrapping_mul(7));
                }
                for b in [block, mixed] {
                    let expected = block_mask_bytewise(&b, delimiter);
                    assert_eq!(block_mask(&b, delimiter), expected);
                    assert_eq!(block_mask_words(&b, delimiter), expected);
                }
            }
        }
        let body = b"a,b\n\"c\"";
        assert_eq!(specials(body, 0, b','), 0b0101_1010);
        assert_eq!(specials(body, 64, b','), 0);
        // Past the end, a NUL delimiter finds nothing.
        assert_eq!(specials(b"\0x\0", 0, 0), 0b101);
    }

    #[test]
    fn fields_are_found_across_block_edges() {
        // Fields of every length around the 64-byte edges; some quoted,
        // some records ended by `\r\n`, some after a blank line.
        let mut body = Vec::new();
        // Each field as (start, end, quoted, record_end); `None` a blank line.
        let mut expected = Vec::new();
        for len in 0..150usize {
            if len % 11 == 3 {
                body.push(b'\n');
                expected.push(None);
            }
            let quoted = len % 5 == 0;
            for k in 0..3 {
                let f = "x".repeat((len * (k + 1)) % 97);
                let quote = quoted && k == 1;
                let start = body.len() + usize::from(quote);
                match quote {
                    true => body.extend_from_slice(format!("\"{f}\"").as_bytes()),
                    false => body.extend_from_slice(f.as_bytes()),
                }
                expected.push(Some((start, start + f.len(), quote, k == 2)));
                match k {
                    2 if len % 7 == 0 => body.extend_from_slice(b"\r\n"),
                    2 => body.push(b'\n'),
                    _ => body.push(b','),
                }
            }
        }
        let mut fields = Fields::new(&body, b',');
        let mut found = Vec::new();
        loop {
            match fields.next() {
                Next::Field {
                    start,
                    end,
                    quoted,
                    record_end,
                } => found.push(Some((start, end, quoted, record_end))),
                Next::Blank => found.push(None),
                Next::End => break,
                Next::OutOfPlace => panic!("a quote out of place after {} fields", found.len()),
            }
        }
        assert_eq!(found, expected);
    }
}
