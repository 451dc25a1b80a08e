//! Renderers: each format is a pure function of the [`RunReport`] written
//! into `impl Write`, so a test renders into a `Vec<u8>`. Helpers shared by
//! the human-facing formats (cell text, inline diffs, per-table counts) live
//! here so every format says the same thing the same way.
//!
//! Writing a report file goes through [`write_atomically`]: a reader (or an
//! interrupted run) never sees half a report.

pub mod audit;
pub mod dashboard;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod series_svg;
pub mod terminal;

use std::io::{self, Write};
use std::path::Path;

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::model::{ColumnDiff, RunReport, TableReport, Verdict};

/// Writes `render`'s output to `path` via a temp file in the same directory
/// and a rename.
pub fn write_atomically(
    path: &Path,
    render: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut tmp = crate::atomic_file::beside(path, ".swimlane-report-", "")?;
    {
        let mut w = io::BufWriter::new(tmp.as_file_mut());
        render(&mut w)?;
        w.flush()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Values longer than this (or spanning lines) are shown as an inline diff.
pub const LONG_VALUE: usize = 40;

/// A cell for humans: strings quoted, null as `null`.
pub fn cell(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

/// A cell cut to `max` characters.
pub fn short_cell(v: &Value, max: usize) -> String {
    let s = cell(v);
    if s.chars().count() > max {
        let cut: String = s.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// `k=v k2=v2`: a row's key as text.
pub fn key_text(values: &[(String, Value)]) -> String {
    values
        .iter()
        .map(|(k, v)| format!("{k}={}", short_cell(v, 40)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One piece of an inline diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Same(String),
    Removed(String),
    Added(String),
}

/// When both values are long text, the pieces of an inline (word-level)
/// diff from base to head; `None` for short or non-text values, which read
/// better side by side.
pub fn inline_diff(base: &Value, head: &Value) -> Option<Vec<Piece>> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => Some(v.to_string()),
        _ => None,
    };
    let (Some(a), Some(b)) = (text(base), text(head)) else {
        return None;
    };
    let long = |s: &str| s.chars().count() > LONG_VALUE || s.contains('\n');
    if !long(&a) && !long(&b) {
        return None;
    }
    let diff = TextDiff::from_words(a.as_str(), b.as_str());
    let mut pieces: Vec<Piece> = Vec::new();
    for change in diff.iter_all_changes() {
        let text = change.value().to_string();
        let merged = match (pieces.last_mut(), change.tag()) {
            (Some(Piece::Same(s)), ChangeTag::Equal)
            | (Some(Piece::Removed(s)), ChangeTag::Delete)
            | (Some(Piece::Added(s)), ChangeTag::Insert) => {
                s.push_str(&text);
                true
            }
            _ => false,
        };
        if !merged {
            pieces.push(match change.tag() {
                ChangeTag::Equal => Piece::Same(text),
                ChangeTag::Delete => Piece::Removed(text),
                ChangeTag::Insert => Piece::Added(text),
            });
        }
    }
    for piece in &mut pieces {
        match piece {
            Piece::Same(s) => *s = shown_unchanged(s),
            Piece::Removed(s) | Piece::Added(s) => *s = shown_changed(s),
        }
    }
    Some(pieces)
}

/// Unchanged text of an inline diff as it may be printed: control
/// characters (a carriage return that would send the terminal's cursor
/// back, an escape sequence) escaped, line breaks kept.
fn shown_unchanged(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => c.to_string(),
            c if c.is_control() => c.escape_debug().to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Changed text of an inline diff made visible: every character a cell
/// escapes (`\r`, a tab, a no-break or zero-width space, a lone combining
/// accent) escaped as it does, so that `a\r\nb` against `a\nb` does not
/// print as two equal values. Line breaks stay breaks in changed text, but
/// a change of whitespace alone shows them as `\n`.
fn shown_changed(text: &str) -> String {
    let blank = text.chars().all(char::is_whitespace);
    text.chars()
        .map(|c| match c {
            ' ' => c.to_string(),
            '\n' if !blank => c.to_string(),
            // Quotes and backslashes print as themselves.
            '"' | '\'' | '\\' => c.to_string(),
            c => c.escape_debug().to_string(),
        })
        .collect()
}

/// A key's base and head values of a feature compared key by key, for
/// people: fractional numbers with the digits that tell the two apart
/// (`0.2857 → 0`, not `0.2857142857142857 → 0.0`), anything else as a
/// cell (integers whole: 10^17 and 10^17 + 1 differ in their last digit).
pub fn value_pair(base: &Value, head: &Value) -> (String, String) {
    let integer = |v: &Value| v.is_i64() || v.is_u64();
    match (base.as_f64(), head.as_f64()) {
        (Some(b), Some(h)) if !(integer(base) && integer(head)) => {
            let reading = crate::model::scale::Reading::Number;
            let [b, h]: [String; 2] = crate::model::digits::show_values_apart(reading, &[b, h])
                .try_into()
                .expect("two numbers shown");
            (b, h)
        }
        _ => (short_cell(base, 40), short_cell(head, 40)),
    }
}

/// The categories of a shifted categorical feature that moved most, as
/// text: `` `d` 0.00% → 25.17% (new), `a` 33.43% → 24.63% ``; empty for a
/// numeric feature.
pub fn moved_categories(f: &crate::model::Feature) -> String {
    let pct = |x: f64| format!("{:.2}%", 100.0 * x);
    f.moved_categories(3)
        .into_iter()
        .map(|(c, b, h)| {
            let note = match (b, h) {
                (0.0, _) => " (new)",
                (_, 0.0) => " (gone)",
                _ => "",
            };
            format!("`{c}` {} → {}{note}", pct(b), pct(h))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The inline diff in plain text: `[-removed-]{+added+}`.
pub fn plain_diff(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Same(s) => s.clone(),
            Piece::Removed(s) => format!("[-{s}-]"),
            Piece::Added(s) => format!("{{+{s}+}}"),
        })
        .collect()
}

/// The inline diff as HTML (also valid in GitHub Markdown): removed text in
/// `<del>`, added text in `<ins>`, each piece escaped by `esc`.
pub fn marked_up(pieces: &[Piece], esc: impl Fn(&str) -> String) -> String {
    pieces
        .iter()
        .map(|p| match p {
            Piece::Same(x) => esc(x),
            Piece::Removed(x) => format!("<del>{}</del>", esc(x)),
            Piece::Added(x) => format!("<ins>{}</ins>", esc(x)),
        })
        .collect()
}

/// A number for humans: 4 decimals, or scientific when very large or small.
/// Escapes text for HTML content and attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The summary of head against the base branch's history.
pub fn history_line(h: &crate::model::history::HistoryCheck) -> String {
    let gate = match (h.findings.is_empty(), h.gate) {
        (true, _) => String::new(),
        (false, crate::config::HistoryGate::Warn) => {
            " (history_gate = \"warn\": reported, the verdict unchanged)".into()
        }
        (false, crate::config::HistoryGate::Regression) => {
            " (history_gate = \"regression\": a regression)".into()
        }
    };
    let insufficient = if h.insufficient > 0 {
        format!("; {} with too little history to judge", h.insufficient)
    } else {
        String::new()
    };
    format!(
        "head against the base branch's history in `{}` ({} recorded {}): {} of {} {} outside {} band{insufficient}{gate}",
        h.store,
        h.runs,
        if h.runs == 1 { "run" } else { "runs" },
        h.findings.len(),
        h.checked,
        if h.checked == 1 { "metric" } else { "metrics" },
        if h.checked == 1 { "its" } else { "their" },
    )
}

/// Eight-level bars between the values' smallest and largest (a blank
/// where a value is not a number).
pub fn sparkline(values: &[f64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    values
        .iter()
        .map(|&v| {
            if !v.is_finite() {
                ' '
            } else if hi > lo {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round() as usize]
            } else {
                BARS[3]
            }
        })
        .collect()
}

pub fn num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v != 0.0 && (v.abs() >= 1e6 || v.abs() < 1e-3) {
        format!("{v:.3e}")
    } else {
        format!("{}", (v * 1e4).round() / 1e4)
    }
}

/// A q-value for a table cell: 3 significant digits, or `missing` when the
/// feature was not tested.
pub fn q_text(q: f64, missing: &str) -> String {
    if q.is_nan() {
        missing.to_string()
    } else {
        format!("{q:.2e}")
    }
}

/// Short commit id.
pub fn short(commit: Option<&str>) -> &str {
    commit.map_or("(no commit)", |c| &c[..c.len().min(10)])
}

/// The one-line verdict, shared by the terminal and Markdown.
pub fn headline(r: &RunReport) -> String {
    let n = r.tables.len() as u64;
    let tables = crate::model::plural(n, "table", "tables");
    match r.verdict() {
        Verdict::Pass if r.mode == crate::model::Mode::Run && r.lanes.is_empty() => {
            "same tree as base, nothing ran".to_string()
        }
        Verdict::Pass => {
            // A keyed feature's changed keys pass unless a table bounds
            // them: "unchanged" would deny what the table lists.
            let changed_keys = with_changed_keys(r);
            // Nor may it cover columns no test could look at.
            let untested = r
                .tables
                .iter()
                .flat_map(|t| &t.untested)
                .filter(|u| !u.regression)
                .count() as u64;
            let mut not_tested = match untested {
                0 => String::new(),
                u => format!(
                    "; {u} {} not tested",
                    crate::model::plural(u, "column", "columns")
                ),
            };
            // Nor directories of data read as no table.
            let dirs = r.not_compared.len() as u64;
            if dirs > 0 {
                not_tested += &format!(
                    "; {dirs} {} of data not compared",
                    crate::model::plural(dirs, "directory", "directories")
                );
            }
            let passed = match (changed_keys, untested + dirs) {
                (0, 0) => format!("{n} {tables} unchanged"),
                (0, _) => format!("no table regressed{not_tested}"),
                (k, _) => format!(
                    "no table regressed; {k} of {n} {tables} with features changed key by key{not_tested}"
                ),
            };
            let sampled = match &r.sample {
                Some(s) => format!(
                    " in a {} key-hash sample",
                    crate::model::sample::rate_percent(s.rate)
                ),
                None => String::new(),
            };
            let reported = if changed_keys > 0 {
                " (reported, not failed)"
            } else {
                ""
            };
            format!("{passed}{sampled}{reported}")
        }
        Verdict::Regression if r.head_failure().is_some() => "the head lane failed".to_string(),
        Verdict::Regression => format!("{} of {n} {tables} changed", changed(r)),
        Verdict::Error => {
            let e = r.errors.len() as u64;
            let errors = format!("{e} {}", crate::model::plural(e, "error", "errors"));
            // The tables an error did not stop still count: an error must
            // not hide that others changed.
            match changed(r) {
                0 => errors,
                c => format!("{errors}, and {c} of {n} {tables} changed"),
            }
        }
    }
}

/// Tables with a feature whose values changed key by key.
fn with_changed_keys(r: &RunReport) -> usize {
    r.tables
        .iter()
        .filter(|t| {
            t.features
                .iter()
                .any(|f| f.paired.as_ref().is_some_and(|p| p.changed > 0))
        })
        .count()
}

/// Tables found changed (their own verdict a regression).
fn changed(r: &RunReport) -> usize {
    r.tables
        .iter()
        .filter(|t| t.verdict() == Verdict::Regression)
        .count()
}

/// What the run's key-hash sample was, for every renderer: the sample, the
/// Spark predicate that takes the same keys, the sampled snapshot, and
/// what a sample cannot promise. Empty without a sample.
pub fn sample_lines(r: &RunReport) -> Vec<String> {
    use crate::model::sample::{caveat, rate_percent, thousands};
    let Some(s) = &r.sample else {
        return Vec::new();
    };
    let key = if s.key.is_empty() {
        "each table's key".to_string()
    } else {
        s.key.join(", ")
    };
    let salt = s
        .salt
        .as_ref()
        .map_or(String::new(), |x| format!(", salt `{x}`"));
    let on = match (s.snapshot.is_some(), s.outputs) {
        (true, true) => "the snapshot and the outputs",
        (true, false) => "the snapshot",
        _ => "the outputs",
    };
    let mut lines = vec![format!(
        "sampled: {} of keys by Spark's {}({key}){salt}, applied to {on}",
        rate_percent(s.rate),
        s.hash
    )];
    if let Some(p) = &s.predicate {
        lines.push(format!("the same keys in Spark SQL: {p}"));
    }
    if let Some(snap) = &s.snapshot {
        let (rows, kept) = snap
            .files
            .iter()
            .fold((0, 0), |(r, k), f| (r + f.rows, k + f.kept));
        let whole = snap.files.iter().filter(|f| f.whole.is_some()).count();
        let sampled = (snap.files.len() - whole) as u64;
        lines.push(format!(
            "sampled snapshot{}: {} of {} rows kept in {} {}{}",
            if snap.cached { " (cached)" } else { "" },
            thousands(kept),
            thousands(rows),
            sampled,
            crate::model::plural(sampled, "table file", "table files"),
            match whole {
                0 => String::new(),
                n => format!(", {n} copied whole"),
            }
        ));
        for f in snap.files.iter().filter(|f| f.whole.is_some()) {
            lines.push(format!(
                "  {} copied whole: {}",
                f.path,
                f.whole.as_deref().unwrap_or_default()
            ));
        }
    }
    lines.push(format!("counts are of the sample; {}", caveat(s.rate)));
    lines
}

/// How a table was sampled and, for a sampled exact table, the full
/// table's counts its sample estimates. Empty for a table not sampled.
pub fn table_sample_lines(t: &TableReport) -> Vec<String> {
    use crate::model::sample::{describe, rate_percent, thousands};
    let Some(s) = &t.sample else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let Some(why) = &s.whole {
        lines.push(format!("not sampled: {why}"));
        return lines;
    }
    if let (Some(rows), Some(kept)) = (s.rows, s.kept) {
        lines.push(format!(
            "sampled by {}: {} of {} base rows, {} of {} head rows ({} of keys)",
            s.key.join(", "),
            thousands(kept[0]),
            thousands(rows[0]),
            thousands(kept[1]),
            thousands(rows[1]),
            rate_percent(s.rate)
        ));
    }
    for e in t.estimates() {
        lines.push(describe(&e, s.rate));
    }
    lines
}

/// "base main (abc) vs head feature (def)".
pub fn revisions(r: &RunReport) -> (String, String) {
    let side = |rev: &crate::model::RevReport| match (&rev.commit, rev.worktree) {
        (c, true) => format!("working tree (on {})", short(c.as_deref())),
        (Some(c), false) => format!("{} ({})", rev.rev, short(Some(c))),
        (None, false) => rev.rev.clone(),
    };
    (side(&r.base), side(&r.head))
}

/// "validated: 99.93% of rows (9993 of 10000), 99.99% of cells (...)".
pub fn validation_line(r: &RunReport) -> Option<String> {
    let v = r.validation()?;
    let not_compared = match v.cells_not_compared {
        0 => String::new(),
        n => format!("; {n} not compared: removed, retyped with loss, or in a table head lacks"),
    };
    // Tables head lacks whose rows could not be counted (only the cluster
    // sees them): said, since the rates leave them out.
    let uncounted = match v.tables_uncounted {
        0 => String::new(),
        n => format!(
            "; {n} {} missing in head, {} rows not counted",
            crate::model::plural(n, "table", "tables"),
            crate::model::plural(n, "its", "their")
        ),
    };
    // Directories of data read as no table: no rate counts their rows.
    let uncounted = match r.not_compared.len() as u64 {
        0 => uncounted,
        n => format!(
            "{uncounted}; {n} {} of data not compared, {} rows not counted",
            crate::model::plural(n, "directory", "directories"),
            crate::model::plural(n, "its", "their")
        ),
    };
    let sampled = match &r.sample {
        Some(s) => format!(
            " — of a {} key-hash sample, not of the full tables",
            crate::model::sample::rate_percent(s.rate)
        ),
        None => String::new(),
    };
    if v.rows_total == 0 {
        // No "100%" of nothing: a migration of empty tables proved nothing.
        let what = if v.tables_uncounted == 0 {
            "no rows (every table is empty on both sides)"
        } else {
            "no rows counted"
        };
        return Some(format!("validated: {what}{uncounted}{sampled}"));
    }
    // No "100%" of no cells either: rows matched by key alone.
    let cells = match v.cells_total {
        0 => "no cells (no column but the key compared)".to_string(),
        total => format!(
            "{} of cells ({} of {total}{not_compared})",
            percent(v.cell_rate()),
            v.cells_matched
        ),
    };
    Some(format!(
        "validated: {} of rows ({} of {}), {cells}{uncounted}{sampled}",
        percent(v.row_rate()),
        v.rows_matched,
        v.rows_total,
    ))
}

/// A rate as a percentage that never rounds a failure up to 100%.
pub fn percent(rate: f64) -> String {
    let p = rate * 100.0;
    let shown = (p * 100.0).floor() / 100.0;
    format!("{shown:.2}%")
}

/// The columns that changed and how many compared columns did not.
pub fn changed_columns(t: &TableReport) -> (Vec<&ColumnDiff>, usize) {
    let changed: Vec<&ColumnDiff> = t.columns.iter().filter(|c| c.mismatches > 0).collect();
    let equal = t.columns.len() - changed.len();
    (changed, equal)
}

/// Counts shown in every format's one-line-per-table summary.
pub struct TableCounts {
    pub rows: Option<(u64, u64)>,
    pub missing: u64,
    pub extra: u64,
    pub changed: Option<u64>,
    pub added: usize,
    pub removed: usize,
    pub retyped: usize,
    /// Columns renamed (each a regression, apart from the +/−/~ counts).
    pub renamed: usize,
    pub features: usize,
    pub shifted: usize,
}

/// The one-line-per-table summary's cells, as Markdown and HTML show them:
/// rows (base → head), missing, extra, changed, columns +/−/~, features
/// shifted; `—` where a count does not apply.
pub fn summary_cells(t: &TableReport) -> [String; 6] {
    let c = counts(t);
    let dash = || "—".to_string();
    let with_rows = |n: u64| {
        if c.rows.is_some() {
            n.to_string()
        } else {
            dash()
        }
    };
    [
        c.rows.map_or_else(dash, |(b, h)| format!("{b} → {h}")),
        with_rows(c.missing),
        with_rows(c.extra),
        c.changed.map_or_else(dash, |n| n.to_string()),
        // A table an error stopped may never have had its columns
        // compared: nothing found is not "no column changed".
        if t.error.is_some() && c.added + c.removed + c.retyped == 0 {
            dash()
        } else if c.renamed > 0 {
            format!(
                "{}/{}/{}, {} renamed",
                c.added, c.removed, c.retyped, c.renamed
            )
        } else {
            format!("{}/{}/{}", c.added, c.removed, c.retyped)
        },
        if t.features.is_empty() {
            dash()
        } else {
            format!("{} of {}", c.shifted, c.features)
        },
    ]
}

pub fn counts(t: &TableReport) -> TableCounts {
    TableCounts {
        rows: t.rows.map(|r| (r.base, r.head)),
        missing: t.rows.map_or(0, |r| r.missing),
        extra: t.rows.map_or(0, |r| r.extra),
        changed: t.rows.and_then(|r| r.changed),
        added: t.schema.added.len(),
        removed: t.schema.removed.len(),
        retyped: t.schema.changed.len(),
        renamed: t.renamed.len(),
        features: t
            .features
            .iter()
            .filter(|f| f.test != crate::model::TestName::None)
            .count(),
        shifted: t
            .features
            .iter()
            .filter(|f| f.verdict() == Verdict::Regression)
            .count(),
    }
}

#[cfg(test)]
pub(crate) mod testdata;

#[cfg(test)]
mod tests {
    use super::terminal::{Detail, Options};
    use super::*;

    fn render(f: impl Fn(&mut dyn Write) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn models() -> [(&'static str, RunReport); 5] {
        [
            ("pass", testdata::pass()),
            ("keyed_features", testdata::keyed_features()),
            ("regression", testdata::regression()),
            ("error", testdata::error()),
            ("wide", testdata::wide()),
        ]
    }

    #[test]
    fn terminal_snapshots() {
        for (name, r) in models() {
            for (detail, label) in [
                (Detail::Quiet, "quiet"),
                (Detail::Normal, "normal"),
                (Detail::Verbose, "verbose"),
            ] {
                let text = render(|w| {
                    terminal::render(
                        &r,
                        Options {
                            detail,
                            color: false,
                        },
                        w,
                    )
                });
                insta::assert_snapshot!(format!("terminal_{name}_{label}"), text);
            }
        }
    }

    /// Regression: a table that could not be read made the verdict
    /// `ERROR: 1 error`, silent on the tables that had changed; and `-q`
    /// printed that line alone, without the error.
    #[test]
    fn an_error_does_not_hide_the_tables_that_changed_nor_quiet_the_error() {
        let mut r = testdata::regression();
        let mut bad = TableReport::new("bad", crate::config::CompareMode::Exact, &["id".into()]);
        bad.error = Some("base output: cannot read old/bad.parquet".into());
        r.errors
            .push("table `bad`: base output: cannot read old/bad.parquet".into());
        r.tables.push(bad);
        let n = r.tables.len();
        assert_eq!(r.verdict(), Verdict::Error);
        assert_eq!(
            headline(&r),
            format!("1 error, and {} of {n} tables changed", n - 1)
        );
        let text = render(|w| {
            terminal::render(
                &r,
                Options {
                    detail: Detail::Quiet,
                    color: false,
                },
                w,
            )
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("ERROR: 1 error, and"), "{text}");
        assert_eq!(
            lines[1],
            "  error: table `bad`: base output: cannot read old/bad.parquet"
        );
    }

    /// Regression: the Markdown and HTML summaries gave a table that
    /// could not be read `0/0/0` columns added, removed and retyped, as if
    /// its columns had been compared and found unchanged.
    #[test]
    fn an_unread_tables_columns_are_not_claimed_unchanged() {
        let mut bad = TableReport::new("bad", crate::config::CompareMode::Exact, &["id".into()]);
        bad.error = Some("base output: cannot read old/bad.parquet".into());
        assert_eq!(summary_cells(&bad)[4], "—");
        let mut fine = TableReport::new("fine", crate::config::CompareMode::Exact, &["id".into()]);
        fine.rows = Some(crate::model::RowCounts {
            base: 1,
            head: 1,
            matched: 1,
            missing: 0,
            extra: 0,
            changed: Some(0),
        });
        assert_eq!(summary_cells(&fine)[4], "0/0/0");
    }

    /// Regression: `compare -v` printed `snapshot:  (0 files, 0 bytes,
    /// digest )` and checkout and stage times it never had.
    #[test]
    fn compare_verbose_has_no_snapshot_or_checkout_lines() {
        let mut r = testdata::pass();
        r.mode = crate::model::Mode::Compare;
        let text = render(|w| {
            terminal::render(
                &r,
                Options {
                    detail: Detail::Verbose,
                    color: false,
                },
                w,
            )
        });
        assert!(
            !text.contains("snapshot:") && !text.contains("checkout"),
            "{text}"
        );
        assert!(text.contains("timings: load "), "{text}");
        let page = render(|w| html::render(&r, w));
        let footer = &page[page.find("<footer>").unwrap()..];
        assert!(footer.starts_with("<footer>swimlane "), "{footer}");
        assert!(
            footer.contains(" · load ") && !footer.contains("snapshot"),
            "{footer}"
        );
    }

    #[test]
    fn terminal_colour_only_when_asked() {
        let r = testdata::regression();
        let plain = render(|w| {
            terminal::render(
                &r,
                Options {
                    detail: Detail::Normal,
                    color: false,
                },
                w,
            )
        });
        let colour = render(|w| {
            terminal::render(
                &r,
                Options {
                    detail: Detail::Normal,
                    color: true,
                },
                w,
            )
        });
        assert!(!plain.contains('\x1b'));
        assert!(colour.contains("\x1b["));
        assert!(colour.contains("REGRESSION"));
    }

    #[test]
    fn markdown_snapshots() {
        for (name, r) in models() {
            insta::assert_snapshot!(
                format!("markdown_{name}"),
                render(|w| markdown::render(&r, w))
            );
        }
    }

    #[test]
    fn markdown_stays_short_for_a_wide_table() {
        let md = render(|w| markdown::render(&testdata::wide(), w));
        assert!(md.contains("3 of 500 compared columns changed"), "{md}");
        assert_eq!(
            md.matches("| `c").count(),
            3,
            "only the changed columns are listed"
        );
    }

    #[test]
    fn markdown_stays_under_githubs_comment_limit_and_says_what_was_cut() {
        // 500 changed columns in one table: folded to the first ones.
        let mut r = testdata::wide();
        for c in &mut r.tables[0].columns {
            c.mismatches = 7;
        }
        let md = render(|w| markdown::render(&r, w));
        assert!(md.len() <= markdown::COMMENT_LIMIT, "{}", md.len());
        assert!(md.contains("500 of 500 compared columns changed"), "{md}");
        // 100 such tables: cut at the limit, what is open closed, and a note.
        let table = r.tables[0].clone();
        r.tables = (0..100)
            .map(|i| TableReport {
                name: format!("table_{i:02}_{}", "x".repeat(40)),
                ..table.clone()
            })
            .collect();
        let whole_len = {
            let mut r = r.clone();
            r.tables.truncate(1);
            render(|w| markdown::render(&r, w)).len()
        };
        assert!(
            whole_len * 80 > markdown::COMMENT_LIMIT,
            "the test needs a report past the limit"
        );
        let md = render(|w| markdown::render(&r, w));
        assert!(md.len() <= markdown::COMMENT_LIMIT, "{}", md.len());
        assert!(
            md.contains("Cut at GitHub's comment limit"),
            "{}",
            &md[md.len() - 400..]
        );
        assert_eq!(
            md.matches("<details>").count(),
            md.matches("</details>").count()
        );
        assert_eq!(md.lines().filter(|l| l.starts_with("```")).count() % 2, 0);
        assert!(
            md.starts_with("## ❌ swimlane: **REGRESSION**"),
            "the verdict stays first"
        );
    }

    #[test]
    fn junit_fails_the_schema_case_of_a_renamed_column() {
        // A rename is a regression of the run; the JUnit file showed every
        // case passing, so a CI page reading it was green.
        let r = testdata::renamed();
        assert_eq!(r.verdict(), crate::model::Verdict::Regression);
        let xml = render(|w| junit::render(&r, w));
        assert!(
            xml.contains(
                r#"<failure message="0 removed, 1 renamed, 0 retyped columns">renamed: score -&gt; risk_score"#
            ),
            "{xml}"
        );
        assert!(xml.contains(r#"failures="1""#), "{xml}");
        // The summaries count it too (they showed 0/0/0 and nothing).
        assert_eq!(summary_cells(&r.tables[0])[4], "1/0/0, 1 renamed");
        let md = render(|w| markdown::render(&r, w));
        assert!(md.contains("| 1/0/0, 1 renamed |"), "{md}");
    }

    #[test]
    fn every_table_that_regressed_fails_a_junit_case() {
        // The verdict and the JUnit file must agree table by table: a CI
        // page reads only the file.
        let mut models: Vec<RunReport> = models().into_iter().map(|(_, r)| r).collect();
        models.push(testdata::renamed());
        for r in models {
            let xml = render(|w| junit::render(&r, w));
            for t in &r.tables {
                let suite = xml
                    .split("<testsuite ")
                    .find(|s| s.starts_with(&format!("name=\"{}\"", t.name)))
                    .unwrap_or_else(|| panic!("no suite for {}:\n{xml}", t.name));
                let failed = !suite.contains(r#"failures="0""#) || !suite.contains(r#"errors="0""#);
                assert_eq!(
                    failed,
                    t.verdict() != crate::model::Verdict::Pass,
                    "table {}: verdict {:?}\n{suite}",
                    t.name,
                    t.verdict()
                );
            }
        }
    }

    #[test]
    fn junit_snapshots() {
        for (name, r) in models() {
            insta::assert_snapshot!(format!("junit_{name}"), render(|w| junit::render(&r, w)));
        }
    }

    #[test]
    fn json_snapshots() {
        for (name, r) in models() {
            insta::assert_snapshot!(format!("json_{name}"), render(|w| json::render(&r, w)));
        }
    }

    #[test]
    fn html_snapshots() {
        for (name, r) in models() {
            let html = render(|w| html::render(&r, w));
            assert!(
                !html.contains("http://")
                    || html.matches("http://").count()
                        == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
                "the page must not reach the network"
            );
            assert!(!html.contains("<script"), "no scripts");
            insta::assert_snapshot!(format!("html_{name}"), html);
        }
    }

    #[test]
    fn html_draws_two_plots_per_numeric_feature_and_one_per_categorical() {
        let html = render(|w| html::render(&testdata::regression(), w));
        assert_eq!(html.matches("<svg class=\"hist\"").count(), 3);
        assert_eq!(html.matches("<svg class=\"ecdf\"").count(), 3);
        assert_eq!(html.matches("<svg class=\"cats\"").count(), 1);
        assert!(html.contains("D = 0.35"));
    }

    #[test]
    fn long_strings_get_an_inline_diff() {
        let a = Value::from("The quick brown fox jumps over the lazy dog near the river bank");
        let b = Value::from("The quick red fox jumps over the lazy dog near the river bank");
        let pieces = inline_diff(&a, &b).unwrap();
        assert_eq!(
            plain_diff(&pieces),
            "The quick [-brown-]{+red+} fox jumps over the lazy dog near the river bank"
        );
        assert!(inline_diff(&Value::from("short"), &Value::from("text")).is_none());
        assert!(inline_diff(&Value::from(1), &Value::from(2)).is_none());
    }

    #[test]
    fn a_pass_with_columns_no_test_could_look_at_is_not_called_unchanged() {
        // Was "PASS: 1 table unchanged" beside two list and struct columns
        // a distribution table could not test.
        let mut t = TableReport::new("nb", crate::config::CompareMode::Distribution, &[]);
        for column in ["tags", "s"] {
            t.untested.push(crate::model::Untested {
                column: column.into(),
                reason: "list[str] values have no distribution test".into(),
                regression: false,
            });
        }
        let mut r = testdata::regression();
        r.tables = vec![t];
        assert_eq!(headline(&r), "no table regressed; 2 columns not tested");
        r.tables[0].untested.clear();
        assert_eq!(headline(&r), "1 table unchanged");
    }

    #[test]
    fn a_keys_values_show_the_digits_that_tell_them_apart() {
        // Was "0.2857142857142857 → 0.0 (Δ -0.2857)".
        let pair = |b: Value, h: Value| value_pair(&b, &h);
        let shown = |b: &str, h: &str| (b.to_string(), h.to_string());
        assert_eq!(
            pair(0.2857142857142857.into(), 0.0.into()),
            shown("0.2857", "0")
        );
        assert_eq!(
            pair(3.1757147073086953.into(), 3.164174341916649.into()),
            shown("3.176", "3.164")
        );
        assert_eq!(
            pair(1.0000000001.into(), 1.0.into()),
            shown("1.0000000001", "1")
        );
        assert_eq!(pair(12.into(), 11.into()), shown("12", "11"));
        let big = 100_000_000_000_000_000i64;
        assert_eq!(
            pair(big.into(), (big + 1).into()),
            shown("100000000000000000", "100000000000000001")
        );
        assert_eq!(
            pair("adult".into(), Value::Null),
            shown("\"adult\"", "null")
        );
    }

    #[test]
    fn a_shifted_category_feature_says_which_categories_moved() {
        // Was only "chi2 = 864.86 (df 3), PSI = 2.0437": no word of which.
        let report = testdata::regression();
        let table = report.tables.iter().find(|t| !t.features.is_empty());
        let mut f = table.unwrap().features[0].clone();
        f.plot = Some(crate::model::Plot::Categorical {
            categories: vec!["a".into(), "b".into(), "c".into(), "d".into()],
            base: vec![500, 300, 200, 0],
            head: vec![420, 300, 80, 200],
        });
        assert_eq!(
            moved_categories(&f),
            "`d` 0.00% → 20.00% (new), `c` 20.00% → 8.00%, `a` 50.00% → 42.00%"
        );
        f.plot = None;
        assert_eq!(moved_categories(&f), "");
    }

    #[test]
    fn an_invisible_change_in_a_long_value_is_shown_escaped() {
        let diff = |a: &str, b: &str| plain_diff(&inline_diff(&a.into(), &b.into()).unwrap());
        let long = "The quick brown fox jumps over the lazy dog near the river";
        assert_eq!(
            diff(&format!("{long} bank"), &format!("{long}\u{a0}bank")),
            format!("{long}[- -]{{+\\u{{a0}}+}}bank")
        );
        assert_eq!(diff("a\r\nb", "a\nb"), "a[-\\r\\n-]{+\\n+}b");
        assert_eq!(
            diff(&format!("{long}, a\tb"), &format!("{long}, a b")),
            format!("{long}, a[-\\t-]{{+ +}}b")
        );
        // A changed word keeps its line break and its quotes.
        assert_eq!(
            diff("one\n\"two\"", "one\n\"three\"\nfour"),
            "one\n[-\"two\"-]{+\"three\"\nfour+}"
        );
    }

    #[test]
    fn control_characters_in_unchanged_text_are_escaped() {
        let pieces = inline_diff(&"a\u{1b}[2J\nold".into(), &"a\u{1b}[2J\nnew".into()).unwrap();
        assert_eq!(plain_diff(&pieces), "a\\u{1b}[2J\n[-old-]{+new+}");
    }
}
