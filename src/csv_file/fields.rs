//! A CSV body's fields one at a time, as both passes over it read them
//! (the check in `mod.rs`, the values in `values.rs`): a field is what lies
//! between delimiters, or between a quote at its start and the quote that
//! closes it (`""` inside is one quote), found with memchr several times
//! faster than a CSV parser (measured in BENCHMARKS.md).

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
}

impl<'a> Fields<'a> {
    pub(super) fn new(body: &'a [u8], delimiter: u8) -> Self {
        Self {
            body,
            delimiter,
            from: 0,
            in_record: false,
            done: false,
        }
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
        let at =
            memchr::memchr3(self.delimiter, b'\n', b'"', &body[from..]).map_or(n, |p| from + p);
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
