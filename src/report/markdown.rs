//! Markdown for a pull-request comment and the GitHub job summary: the
//! verdict in the first line, one row per table, then only what changed,
//! long parts folded in `<details>`. A table with 500 columns and 3 changed
//! ones shows the 3 and counts the rest.

use std::io::{self, Write};

use super::{
    changed_columns, headline, inline_diff, key_text, marked_up, num, q_text, revisions,
    short_cell, summary_cells,
};
use crate::model::{Feature, RowSample, RunReport, TableReport, Verdict};

/// Changed columns listed before the rest are folded.
const MAX_COLUMNS: usize = 20;
/// Samples shown per changed column.
const SAMPLES: usize = 3;

fn icon(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "✅",
        Verdict::Regression => "❌",
        Verdict::Error => "⚠️",
    }
}

/// Escapes text for a Markdown table cell or inline context.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("<br>"),
            '`' | '*' | '_' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Escapes one of swimlane's own messages, keeping its `code` spans.
fn message(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
}

/// Inline code, safe for any content (backticks inside are outfenced).
fn code(s: &str) -> String {
    let s = s.replace('|', "\\|").replace('\n', " ");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

/// Writes the Markdown report.
pub fn render(r: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let mut text = Vec::new();
    render_whole(r, &mut text)?;
    let text = String::from_utf8(text).map_err(io::Error::other)?;
    out.write_all(fit(&text, COMMENT_LIMIT, &run_link()).as_bytes())
}

/// GitHub's limit on a comment's length (65,536 characters), less room
/// for what an action adds around the report (its marker, a link).
pub const COMMENT_LIMIT: usize = 65_000;

/// The run's page when run by GitHub Actions, where the artifact is.
fn run_link() -> String {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    match (
        var("GITHUB_SERVER_URL"),
        var("GITHUB_REPOSITORY"),
        var("GITHUB_RUN_ID"),
    ) {
        (Some(server), Some(repo), Some(run)) => format!(" ({server}/{repo}/actions/runs/{run})"),
        _ => String::new(),
    }
}

/// `text` cut at a line so that it stays within `limit` bytes (so within
/// as many characters), its open code fences and `<details>` closed, and
/// a note saying what was cut and where the rest is.
fn fit(text: &str, limit: usize, link: &str) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let lines: Vec<&str> = text.lines().collect();
    let note = |cut: usize| {
        format!(
            "\n---\n\n✂️ **Cut at GitHub's comment limit**: {cut} more {} of this report are in the full report, the HTML and JSON files of the run's `swimlane-report` artifact{link}.\n",
            crate::model::plural(cut as u64, "line", "lines")
        )
    };
    // Room for the closing tags and the note.
    let budget = limit - note(lines.len()).len() - 64;
    let (mut kept, mut size) = (0, 0);
    for l in &lines {
        if size + l.len() + 1 > budget {
            break;
        }
        size += l.len() + 1;
        kept += 1;
    }
    let mut out: String = lines[..kept].iter().flat_map(|l| [*l, "\n"]).collect();
    let fences = lines[..kept]
        .iter()
        .filter(|l| l.starts_with("```"))
        .count();
    if fences % 2 == 1 {
        out.push_str("```\n");
    }
    let open = |tag: &str| {
        lines[..kept]
            .iter()
            .map(|l| l.matches(tag).count())
            .sum::<usize>()
    };
    for _ in open("</details>")..open("<details>") {
        out.push_str("\n</details>\n");
    }
    out.push_str(&note(lines.len() - kept));
    out
}

/// The whole report, however long.
fn render_whole(r: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let v = r.verdict();
    let word = match v {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::Error => "ERROR",
    };
    let (base, head) = revisions(r);
    writeln!(
        out,
        "## {} swimlane: **{word}** — {}",
        icon(v),
        esc(&headline(r))
    )?;
    writeln!(out)?;
    writeln!(out, "base {} → head {}", code(&base), code(&head))?;
    writeln!(out)?;
    if r.mode == crate::model::Mode::Compare
        && let Some(line) = super::validation_line(r)
    {
        writeln!(out, "**{}**", esc(&line))?;
        writeln!(out)?;
    }
    for l in super::sample_lines(r) {
        writeln!(out, "- 🎯 {}", message(&l))?;
    }
    for n in &r.notes {
        writeln!(out, "- ℹ️ {}", message(n))?;
    }
    if let Some(h) = &r.history {
        writeln!(out, "- 📈 {}", message(&super::history_line(h)))?;
        let mark = if h.regression() { "❌" } else { "⚠️" };
        for f in &h.findings {
            writeln!(
                out,
                "  - {mark} {} `{}`",
                message(&f.message()),
                super::sparkline(&f.plot.values())
            )?;
        }
    }
    for e in &r.errors {
        writeln!(out, "- ⚠️ {}", esc(e))?;
    }
    for lane in &r.lanes {
        if let Some(failed) = lane.failure() {
            writeln!(
                out,
                "- ❌ {} lane: stage {} {}",
                lane.side.as_str(),
                code(&failed.name),
                esc(&failed.describe())
            )?;
            if !failed.tail.is_empty() {
                writeln!(out)?;
                writeln!(out, "<details><summary>last lines of its output</summary>")?;
                writeln!(out)?;
                writeln!(out, "```text")?;
                for l in &failed.tail {
                    writeln!(out, "{}", l.replace("```", "ˋˋˋ"))?;
                }
                writeln!(out, "```")?;
                writeln!(out)?;
                writeln!(out, "</details>")?;
            }
        }
    }
    // A table right after a list would be read as part of its last item.
    if !r.errors.is_empty()
        || !r.notes.is_empty()
        || r.sample.is_some()
        || r.history.is_some()
        || r.lanes.iter().any(|l| l.failure().is_some())
    {
        writeln!(out)?;
    }
    if r.tables.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "| table | verdict | rows (base → head) | missing | extra | changed | columns +/−/~ | features shifted |"
    )?;
    writeln!(
        out,
        "| --- | --- | ---: | ---: | ---: | ---: | :---: | ---: |"
    )?;
    for t in &r.tables {
        writeln!(
            out,
            "| {} | {} {} | {} |",
            code(&t.name),
            icon(t.verdict()),
            t.verdict().as_str(),
            summary_cells(t).join(" | ")
        )?;
    }
    for t in &r.tables {
        table_details(t, out)?;
    }
    Ok(())
}

fn table_details(t: &TableReport, out: &mut dyn Write) -> io::Result<()> {
    let findings = t.findings();
    if findings.is_empty() && t.error.is_none() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "### {} {}", icon(t.verdict()), code(&t.name))?;
    writeln!(out)?;
    if let Some(e) = &t.error {
        writeln!(out, "- ⚠️ not compared: {}", esc(e))?;
    }
    for l in super::table_sample_lines(t) {
        writeln!(out, "- 🎯 {}", message(&l))?;
    }
    // Row and schema findings as a list; columns and features as tables.
    for f in findings.iter().filter(|f| {
        let in_a_table = match f.subject {
            crate::model::Subject::Column(_) | crate::model::Subject::Feature(_) => f.regression,
            // Changed keys are all in the paired table; regressions stay
            // in the list too, with their reason.
            crate::model::Subject::Paired(_) => !f.regression,
            _ => false,
        };
        !in_a_table
    }) {
        let mark = if f.regression { "❌" } else { "ℹ️" };
        writeln!(out, "- {mark} {}", message(&f.message))?;
    }
    match t.paired_keys {
        Some(k) => {
            rows_details(out, "keys only in base", &t.missing_samples, k.only_base)?;
            rows_details(out, "keys only in head", &t.extra_samples, k.only_head)?;
        }
        None => {
            rows_details(
                out,
                "rows missing in head",
                &t.missing_samples,
                t.rows.map_or(0, |r| r.missing),
            )?;
            rows_details(
                out,
                "extra rows in head",
                &t.extra_samples,
                t.rows.map_or(0, |r| r.extra),
            )?;
        }
    }

    let (changed, equal) = changed_columns(t);
    if !changed.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "**{} of {} compared columns changed** ({equal} equal{}).",
            changed.len(),
            t.columns.len(),
            if t.ignored.is_empty() {
                String::new()
            } else {
                format!(", {} ignored", t.ignored.len())
            }
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| column | type | changed values | samples (key: base → head) |"
        )?;
        writeln!(out, "| --- | --- | ---: | --- |")?;
        for c in changed.iter().take(MAX_COLUMNS) {
            let samples: Vec<String> = c
                .samples
                .iter()
                .take(SAMPLES)
                .map(|s| {
                    let change = match inline_diff(&s.base, &s.head) {
                        Some(pieces) => marked_up(&pieces, esc),
                        None => format!(
                            "{} → {}",
                            code(&short_cell(&s.base, 60)),
                            code(&short_cell(&s.head, 60))
                        ),
                    };
                    format!("{}: {change}", esc(&key_text(&s.key)))
                })
                .collect();
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&c.name),
                esc(&c.dtype),
                c.mismatches,
                samples.join("<br>")
            )?;
        }
        if changed.len() > MAX_COLUMNS {
            writeln!(out)?;
            writeln!(
                out,
                "… and {} more changed columns (see the JSON report).",
                changed.len() - MAX_COLUMNS
            )?;
        }
    }
    // Distributions that moved; features whose keys moved are in the
    // paired table below.
    let shifted: Vec<&Feature> = t
        .features
        .iter()
        .filter(|f| f.shifted() || f.null_shifted() || f.emptied())
        .collect();
    if !shifted.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "**{} of {} features shifted** (numbers compared at {} significant digits; q = Benjamini–Hochberg across the run).",
            shifted.len(),
            t.features.len(),
            t.precision.unwrap_or(0)
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "| feature | test | effect | q | median base → head | p99 base → head | nulls base → head |"
        )?;
        writeln!(out, "| --- | --- | ---: | ---: | --- | --- | --- |")?;
        for &f in &shifted {
            let (bm, hm) = (f.base.numeric, f.head.numeric);
            let pair = |a: Option<f64>, b: Option<f64>| match (a, b) {
                (Some(a), Some(b)) => {
                    format!("{} → {}", f.scale.value(a, num), f.scale.value(b, num))
                }
                _ => "—".into(),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {:.2}% → {:.2}% |",
                code(&f.column),
                f.test.as_str(),
                num(f.effect),
                q_text(f.p_adjusted, "—"),
                pair(bm.map(|n| n.median), hm.map(|n| n.median)),
                pair(bm.map(|n| n.p99), hm.map(|n| n.p99)),
                f.base.null_fraction * 100.0,
                f.head.null_fraction * 100.0
            )?;
        }
        // Categories have no median: which of them moved.
        let moved: Vec<(&Feature, String)> = shifted
            .iter()
            .filter(|f| f.shifted())
            .map(|&f| (f, super::moved_categories(f)))
            .filter(|(_, m)| !m.is_empty())
            .collect();
        if !moved.is_empty() {
            writeln!(out)?;
        }
        for (f, m) in moved {
            writeln!(out, "- {}: moved most {m}", code(&f.column))?;
        }
    }
    paired_table(out, t)?;
    // Features with no regression of any kind.
    let unshifted = t
        .features
        .iter()
        .filter(|f| f.verdict() != Verdict::Regression)
        .count();
    if unshifted > 0 && !t.features.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "<details><summary>{unshifted} {} within bounds</summary>",
            crate::model::plural(unshifted as u64, "feature", "features")
        )?;
        writeln!(out)?;
        writeln!(out, "| feature | test | effect | q |")?;
        writeln!(out, "| --- | --- | ---: | ---: |")?;
        for f in t
            .features
            .iter()
            .filter(|f| f.verdict() != Verdict::Regression)
        {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(&f.column),
                f.test.as_str(),
                num(f.effect),
                q_text(f.p_adjusted, "—")
            )?;
        }
        writeln!(out)?;
        writeln!(out, "</details>")?;
    }
    Ok(())
}

/// Keyed features whose values changed: how many keys, which way, how
/// far, the paired test and the largest changes.
fn paired_table(out: &mut dyn Write, t: &TableReport) -> io::Result<()> {
    let changed: Vec<(&Feature, &crate::model::paired::Paired)> = t
        .features
        .iter()
        .filter_map(|f| f.paired.as_ref().map(|p| (f, p)))
        .filter(|(_, p)| p.changed > 0)
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "**Keys whose feature values changed** (beyond {} significant digits; paired q = Wilcoxon signed-rank, Benjamini–Hochberg across the run).",
        t.precision.unwrap_or(0)
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "| feature | keys changed | up / down | median \\|Δ\\| | max \\|Δ\\| | paired q | samples (key: base → head) |"
    )?;
    writeln!(out, "| --- | --- | --- | ---: | ---: | ---: | --- |")?;
    for (f, p) in changed {
        let mark = if p.regression() { "❌ " } else { "" };
        let samples: Vec<String> = if p.transitions.is_empty() {
            p.samples
                .iter()
                .map(|s| {
                    let (b, h) = super::value_pair(&s.base, &s.head);
                    format!("{}: {} → {}", esc(&key_text(&s.key)), code(&b), code(&h))
                })
                .collect()
        } else {
            p.transitions
                .iter()
                .map(|t| format!("{} → {}: {}", code(&t.base), code(&t.head), t.count))
                .collect()
        };
        let numbers = p.up + p.down > 0;
        writeln!(
            out,
            "| {mark}{} | {} of {} ({}) | {} | {} | {} | {} | {} |",
            code(&f.column),
            p.changed,
            p.keys,
            crate::model::paired::percent(p.changed_fraction()),
            if numbers {
                format!("{} / {}", p.up, p.down)
            } else {
                "—".into()
            },
            if numbers {
                p.scale.span(p.median_abs_delta, num)
            } else {
                "—".into()
            },
            if numbers {
                p.scale.span(p.max_abs_delta, num)
            } else {
                "—".into()
            },
            p.test.map_or("—".into(), |t| q_text(t.p_adjusted, "—")),
            samples.join("<br>")
        )?;
    }
    Ok(())
}

fn rows_details(
    out: &mut dyn Write,
    what: &str,
    samples: &[RowSample],
    total: u64,
) -> io::Result<()> {
    if samples.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "<details><summary>{total} {what} (first {})</summary>",
        samples.len()
    )?;
    writeln!(out)?;
    for s in samples {
        let times = if s.count > 1 {
            format!(" ×{}", s.count)
        } else {
            String::new()
        };
        writeln!(out, "- {}{times}", code(&key_text(&s.values)))?;
    }
    writeln!(out)?;
    writeln!(out, "</details>")
}
