//! The terminal summary: the verdict first, then one line per table, then
//! the details of what changed. Colour is decided by the caller (a terminal,
//! `NO_COLOR`...); this renderer only emits ANSI styles when told to.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{
    Piece, changed_columns, counts, headline, inline_diff, key_text, num, q_text, revisions,
    short_cell,
};
use crate::model::scale::Scale;
use crate::model::{
    ColumnDiff, Feature, RowSample, RunReport, Subject, TableReport, Verdict, plural,
};
use crate::model::{Mode, StageStatus};

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// The verdict line only (`-q`).
    Quiet,
    /// Verdict, tables, and the details of what changed.
    #[default]
    Normal,
    /// Everything, including equal columns, aggregates, timings (`-v`).
    Verbose,
}

/// Rendering options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub detail: Detail,
    pub color: bool,
}

struct Painter {
    color: bool,
}

impl Painter {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
    fn verdict(&self, v: Verdict, text: &str) -> String {
        let color = match v {
            Verdict::Pass => AnsiColor::Green,
            Verdict::Regression => AnsiColor::Red,
            Verdict::Error => AnsiColor::Yellow,
        };
        self.paint(Style::new().bold().fg_color(Some(color.into())), text)
    }
    fn dim(&self, text: &str) -> String {
        self.paint(Style::new().dimmed(), text)
    }
    fn removed(&self, text: &str) -> String {
        self.paint(
            Style::new()
                .fg_color(Some(AnsiColor::Red.into()))
                .strikethrough(),
            text,
        )
    }
    fn added(&self, text: &str) -> String {
        self.paint(
            Style::new()
                .fg_color(Some(AnsiColor::Green.into()))
                .underline(),
            text,
        )
    }
}

/// The one-line verdict.
pub fn verdict_line(r: &RunReport) -> String {
    let word = match r.verdict() {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::Error => "ERROR",
    };
    let (base, head) = revisions(r);
    format!("{word}: {} — base {base} vs head {head}", headline(r))
}

/// Writes the terminal summary.
pub fn render(r: &RunReport, opts: Options, out: &mut dyn Write) -> io::Result<()> {
    let p = Painter { color: opts.color };
    let line = verdict_line(r);
    let (word, rest) = line.split_once(':').unwrap_or((&line, ""));
    writeln!(out, "{}:{rest}", p.verdict(r.verdict(), word))?;
    if opts.detail == Detail::Quiet {
        // Quiet is the verdict alone, but never an error without its why.
        for e in &r.errors {
            writeln!(out, "  {} {e}", p.verdict(Verdict::Error, "error:"))?;
        }
        return Ok(());
    }
    if r.mode == crate::model::Mode::Compare
        && let Some(line) = super::validation_line(r)
    {
        writeln!(out, "  {line}")?;
    }
    for l in super::sample_lines(r) {
        writeln!(out, "  {} {l}", p.dim("~"))?;
    }
    for n in &r.notes {
        writeln!(out, "  {} {n}", p.dim("note:"))?;
    }
    if let Some(h) = &r.history {
        writeln!(out, "  {} {}", p.dim("history:"), super::history_line(h))?;
        let mark = if h.regression() {
            p.verdict(Verdict::Regression, "✗")
        } else {
            p.verdict(Verdict::Error, "!")
        };
        for f in &h.findings {
            writeln!(
                out,
                "    {mark} {}  {}",
                f.message(),
                super::sparkline(&f.plot.values())
            )?;
        }
    }
    for e in &r.errors {
        writeln!(out, "  {} {e}", p.verdict(Verdict::Error, "error:"))?;
    }
    for lane in &r.lanes {
        if let Some(failed) = lane.failure() {
            writeln!(
                out,
                "  {} lane: stage `{}` {} after {:.1}s",
                lane.side.as_str(),
                failed.name,
                failed.describe(),
                failed.seconds
            )?;
            for l in &failed.tail {
                writeln!(out, "    {} {l}", p.dim("|"))?;
            }
            writeln!(out, "    log: {}", failed.stderr_log.display())?;
        } else if opts.detail == Detail::Verbose {
            let ok = lane
                .stages
                .iter()
                .filter(|s| s.status == StageStatus::Ok)
                .count();
            writeln!(
                out,
                "  {} lane: {ok} {} ok in {:.2}s",
                lane.side.as_str(),
                plural(ok as u64, "stage", "stages"),
                lane.seconds
            )?;
        }
    }
    if !r.tables.is_empty() {
        writeln!(out)?;
        let width = r.tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
        for t in &r.tables {
            let v = t.verdict();
            writeln!(
                out,
                "  {:width$}  {}  {}",
                t.name,
                p.verdict(v, &format!("{:10}", v.as_str())),
                table_summary(t)
            )?;
        }
    }
    for t in &r.tables {
        let findings = t.findings();
        // A table's error is among the run's errors, printed in full above
        // (and its first line in the table's summary): not a third time.
        if findings.is_empty() && opts.detail != Detail::Verbose {
            continue;
        }
        writeln!(out)?;
        writeln!(out, "{}:", t.name)?;
        for l in super::table_sample_lines(t) {
            writeln!(out, "  {} {l}", p.dim("~"))?;
        }
        render_table_details(t, opts.detail, &p, out)?;
    }
    if opts.detail == Detail::Verbose {
        let s = &r.snapshot;
        writeln!(out)?;
        let t = &r.timings;
        // `compare` has no snapshot, checkout or stages to speak of.
        if r.mode == Mode::Compare {
            writeln!(
                out,
                "timings: load {:.2}s, compare {:.2}s, total {:.2}s",
                t.load, t.compare, t.total
            )?;
        } else {
            writeln!(
                out,
                "snapshot: {} ({} files, {} bytes, digest {})",
                s.path.display(),
                s.files,
                s.bytes,
                &s.digest[..s.digest.len().min(16)]
            )?;
            writeln!(
                out,
                "timings: {}checkout {:.2}s, stages {:.2}s, load {:.2}s, compare {:.2}s, total {:.2}s",
                if t.sample > 0.0 {
                    format!("sampling the snapshot {:.2}s, ", t.sample)
                } else {
                    String::new()
                },
                t.checkout,
                t.stages,
                t.load,
                t.compare,
                t.total
            )?;
        }
    }
    if let Some(dir) = &r.kept_lanes {
        writeln!(out)?;
        writeln!(out, "lanes kept in {}", dir.display())?;
    }
    Ok(())
}

fn table_summary(t: &TableReport) -> String {
    if let Some(e) = &t.error {
        return format!("not compared: {}", e.lines().next().unwrap_or(""));
    }
    if let Some(why) = &t.head_missing {
        return why.clone();
    }
    let c = counts(t);
    let mut parts = Vec::new();
    if let Some((b, h)) = c.rows {
        parts.push(format!("rows {b} → {h}"));
    }
    if c.missing > 0 {
        parts.push(format!("{} missing", c.missing));
    }
    if c.extra > 0 {
        parts.push(format!("{} extra", c.extra));
    }
    if let Some(changed) = c.changed.filter(|c| *c > 0) {
        parts.push(format!("{changed} changed"));
    }
    let mut cols = Vec::new();
    for (n, sign) in [(c.added, '+'), (c.removed, '-'), (c.retyped, '~')] {
        if n > 0 {
            cols.push(format!("{sign}{n}"));
        }
    }
    if c.renamed > 0 {
        cols.push(format!("{} renamed", c.renamed));
    }
    if !cols.is_empty() {
        parts.push(format!("columns {}", cols.join(" ")));
    }
    if c.features > 0 || !t.features.is_empty() {
        parts.push(format!(
            "{} of {} features shifted",
            c.shifted,
            t.features.len()
        ));
    }
    match &t.sample {
        Some(s) if s.sampled() => parts.push(format!(
            "in a {} sample",
            crate::model::sample::rate_percent(s.rate)
        )),
        Some(_) => parts.push("not sampled".into()),
        None => {}
    }
    parts.join(", ")
}

fn render_table_details(
    t: &TableReport,
    detail: Detail,
    p: &Painter,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in t.findings() {
        let mark = if f.regression {
            p.verdict(Verdict::Regression, "✗")
        } else {
            p.dim("·")
        };
        writeln!(out, "  {mark} {}", f.message)?;
        // Evidence under the finding it supports.
        match &f.subject {
            Subject::Missing => samples(out, "missing", &t.missing_samples)?,
            Subject::Extra => samples(out, "extra", &t.extra_samples)?,
            Subject::Duplicates if f.regression => {
                if let Some(d) = &t.duplicates {
                    samples(out, "duplicated", &d.new_in_head_samples)?;
                }
            }
            Subject::Column(name) => {
                if let Some(c) = t.columns.iter().find(|c| &c.name == name) {
                    column_samples(out, c, p)?;
                }
            }
            Subject::Feature(name) if f.regression => {
                if let Some(feat) = t.features.iter().find(|x| &x.column == name) {
                    feature_evidence(out, feat)?;
                }
            }
            Subject::Paired(name) => {
                let paired = t.features.iter().find(|x| &x.column == name);
                if let Some(p) = paired.and_then(|f| f.paired.as_ref()) {
                    paired_evidence(out, p)?;
                }
            }
            Subject::UnpairedKeys => {
                samples(out, "only in base", &t.missing_samples)?;
                samples(out, "only in head", &t.extra_samples)?;
            }
            _ => {}
        }
    }
    if detail == Detail::Verbose {
        let (_, equal) = changed_columns(t);
        if equal > 0 {
            let names: Vec<&str> = t
                .columns
                .iter()
                .filter(|c| c.mismatches == 0)
                .map(|c| c.name.as_str())
                .collect();
            writeln!(out, "  = equal: {}", names.join(", "))?;
        }
        if !t.ignored.is_empty() {
            writeln!(out, "  = ignored: {}", t.ignored.join(", "))?;
        }
        if !t.features.is_empty() {
            feature_table(out, t)?;
        }
        if let Some(profiles) = &t.profile {
            profile_table(out, profiles)?;
        }
    }
    Ok(())
}

/// `-v` with `--profile`: each column's profile, base → head.
fn profile_table(out: &mut dyn Write, p: &crate::model::TableProfiles) -> io::Result<()> {
    let (b, h) = (&p.base, &p.head);
    writeln!(
        out,
        "  = profile (base → head): rows {} → {}",
        b.row_count, h.row_count
    )?;
    if let (Some(db), Some(dh)) = (b.duplicate_keys, h.duplicate_keys) {
        writeln!(out, "      duplicated keys {db} → {dh}")?;
    }
    let pct = |n: u64, p: &crate::model::profile::Profile| format!("{:.2}%", 100.0 * p.share(n));
    for cb in &b.columns {
        let Some(ch) = h.columns.iter().find(|c| c.name == cb.name) else {
            continue;
        };
        // `~`: estimated, not counted.
        let about = |c: &crate::model::profile::ColumnProfile| match c.distinct_error > 0.0 {
            true => "~",
            false => "",
        };
        let mut line = format!(
            "      {}: nulls {} → {}, distinct {}{} → {}{}",
            cb.name,
            pct(cb.null_count, b),
            pct(ch.null_count, h),
            about(cb),
            cb.distinct,
            about(ch),
            ch.distinct
        );
        if let (Some(nb), Some(nh)) = (&cb.numbers, &ch.numbers) {
            let (sb, sh) = (Scale::of_type(&cb.dtype), Scale::of_type(&ch.dtype));
            line += &format!(
                ", p01 {} → {}, p50 {} → {}, p99 {} → {}, mean {} → {}",
                sb.value(nb.p01, num),
                sh.value(nh.p01, num),
                sb.value(nb.p50, num),
                sh.value(nh.p50, num),
                sb.value(nb.p99, num),
                sh.value(nh.p99, num),
                sb.value(nb.mean, num),
                sh.value(nh.mean, num)
            );
            let approx = nb.rank_error.max(nh.rank_error);
            if approx > 0.0 {
                line += &format!(
                    " (quantiles within {}% in rank: Spark's percentile_approx)",
                    num(100.0 * approx)
                );
            }
        }
        if let (Some(tb), Some(th)) = (&cb.text, &ch.text) {
            line += &format!(", empty {} → {}", pct(tb.empty, b), pct(th.empty, h));
            if let Some((v, n)) = th.top.first() {
                line += &format!(", top in head `{v}` ({})", pct(*n, h));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The moved aggregates of a shifted feature, base → head.
fn feature_evidence(out: &mut dyn Write, f: &Feature) -> io::Result<()> {
    let (b, h) = (&f.base, &f.head);
    let value = |v: f64| f.scale.value(v, num);
    if let (Some(bn), Some(hn)) = (&b.numeric, &h.numeric) {
        writeln!(
            out,
            "      median {} → {}, p99 {} → {}, mean {} → {}",
            value(bn.median),
            value(hn.median),
            value(bn.p99),
            value(hn.p99),
            value(bn.mean),
            value(hn.mean)
        )?;
        if let Some(at) = f.location {
            writeln!(out, "      ECDFs farthest apart at {}", value(at))?;
        }
    }
    if let Some(psi) = f.psi {
        writeln!(
            out,
            "      chi2 = {:.2} (df {}), PSI = {:.4}",
            f.statistic,
            f.df.unwrap_or(0),
            psi
        )?;
        let moved = super::moved_categories(f);
        if !moved.is_empty() {
            writeln!(out, "      moved most: {moved}")?;
        }
    }
    writeln!(
        out,
        "      rows {} → {}, nulls {:.2}% → {:.2}%",
        b.rows,
        h.rows,
        b.null_fraction * 100.0,
        h.null_fraction * 100.0
    )
}

/// How far a date or time moved between two samples' values (shown as
/// ISO text): `+3 days`, `-1.5 h`; `None` unless both read as dates, or
/// both as times of the same kind (with a zone or without).
fn time_delta(base: &serde_json::Value, head: &serde_json::Value) -> Option<String> {
    use crate::iso_dates::{Temporal, micros, parse};
    let read = |v: &serde_json::Value| parse(v.as_str()?.as_bytes());
    let (delta, scale) = match (read(base)?, read(head)?) {
        (Temporal::Date(b), Temporal::Date(h)) => (f64::from(h - b), Scale::Date),
        (
            b @ (Temporal::Date(_) | Temporal::Naive(_)),
            h @ (Temporal::Date(_) | Temporal::Naive(_)),
        )
        | (b @ Temporal::Utc(_), h @ Temporal::Utc(_)) => (
            (micros(h) - micros(b)) as f64,
            Scale::of_type("duration[μs]"),
        ),
        _ => return None,
    };
    let sign = if delta >= 0.0 { "+" } else { "" };
    Some(format!("{sign}{}", scale.span(delta, num)))
}

/// A feature compared key by key: the largest changes (or the most
/// frequent changes of category), key: base → head.
fn paired_evidence(out: &mut dyn Write, p: &crate::model::paired::Paired) -> io::Result<()> {
    for t in &p.transitions {
        writeln!(out, "      {} → {}: {}", t.base, t.head, t.count)?;
    }
    for s in &p.samples {
        let delta = match (s.base.as_f64(), s.head.as_f64()) {
            (Some(b), Some(h)) if p.transitions.is_empty() => {
                format!(" (Δ {}{})", if h >= b { "+" } else { "" }, num(h - b))
            }
            _ => time_delta(&s.base, &s.head).map_or(String::new(), |d| format!(" (Δ {d})")),
        };
        let (b, h) = super::value_pair(&s.base, &s.head);
        writeln!(out, "      {}: {b} → {h}{delta}", key_text(&s.key))?;
    }
    Ok(())
}

/// The aggregations table: every feature side by side (`-v`).
fn feature_table(out: &mut dyn Write, t: &TableReport) -> io::Result<()> {
    let width = t
        .features
        .iter()
        .map(|f| f.column.len())
        .max()
        .unwrap_or(6)
        .max(6);
    writeln!(
        out,
        "  = numbers compared at {} significant digits; q = Benjamini–Hochberg across the run",
        t.precision.unwrap_or(0)
    )?;
    let medians: Vec<[String; 2]> = t
        .features
        .iter()
        .map(|f| {
            [&f.base, &f.head].map(|s| {
                s.numeric
                    .map_or("-".to_string(), |n| f.scale.value(n.median, num))
            })
        })
        .collect();
    // Medians of dates and times are wider than numbers.
    let m = medians
        .iter()
        .flatten()
        .map(|m| m.chars().count())
        .max()
        .unwrap_or(0)
        .max(12);
    writeln!(
        out,
        "    {:width$}  {:5} {:>8} {:>10}  {:>m$} {:>m$}  {:>7} {:>7}",
        "column", "test", "effect", "q", "base median", "head median", "nulls b", "nulls h"
    )?;
    for (f, [base, head]) in t.features.iter().zip(&medians) {
        writeln!(
            out,
            "    {:width$}  {:5} {:>8} {:>10}  {:>m$} {:>m$}  {:>6.2}% {:>6.2}%",
            f.column,
            f.test.as_str(),
            num(f.effect),
            q_text(f.p_adjusted, "-"),
            base,
            head,
            f.base.null_fraction * 100.0,
            f.head.null_fraction * 100.0
        )?;
    }
    Ok(())
}

fn column_samples(out: &mut dyn Write, c: &ColumnDiff, p: &Painter) -> io::Result<()> {
    for s in &c.samples {
        let change = match inline_diff(&s.base, &s.head) {
            Some(pieces) => {
                let text: String = pieces
                    .iter()
                    .map(|piece| match piece {
                        Piece::Same(t) => t.clone(),
                        Piece::Removed(t) if p.color => p.removed(t),
                        Piece::Added(t) if p.color => p.added(t),
                        Piece::Removed(t) => format!("[-{t}-]"),
                        Piece::Added(t) => format!("{{+{t}+}}"),
                    })
                    .collect();
                format!("\"{text}\"")
            }
            None => format!("{} → {}", short_cell(&s.base, 80), short_cell(&s.head, 80)),
        };
        let at = s
            .path
            .as_ref()
            .map(|p| format!(" at `{p}`"))
            .unwrap_or_default();
        writeln!(out, "      {}{at}: {change}", key_text(&s.key))?;
    }
    if c.mismatches > c.samples.len() as u64 {
        writeln!(
            out,
            "      … {} more",
            c.mismatches - c.samples.len() as u64
        )?;
    }
    Ok(())
}

fn samples(out: &mut dyn Write, what: &str, rows: &[RowSample]) -> io::Result<()> {
    for s in rows {
        let times = if s.count > 1 {
            format!(" (×{})", s.count)
        } else {
            String::new()
        };
        writeln!(out, "      {what}: {}{times}", key_text(&s.values))?;
    }
    Ok(())
}
