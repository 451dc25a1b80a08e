//! One self-contained HTML page (no network, no scripts, no fonts) to open
//! from a CI artifact: the summary, each table's diff with samples, and for
//! every tested feature an overlaid histogram of base and head and their
//! ECDFs with the point of maximum distance D marked. The SVG is written
//! here from data binned in Rust, so hundreds of features stay light.
//! Colours come from CSS variables with a dark-mode variant.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{
    changed_columns, esc, headline, inline_diff, key_text, marked_up, num, revisions, short_cell,
    summary_cells,
};
use crate::model::scale::Scale;
use crate::model::{Feature, Plot, RowSample, RunReport, TableReport, TestName, Verdict};

pub(super) const STYLE: &str = r#"
:root { --bg:#ffffff; --fg:#1f2328; --muted:#59636e; --line:#d1d9e0; --card:#f6f8fa;
  --base:#2f6db5; --head:#e0701a; --pass:#1a7f37; --regression:#cf222e; --error:#9a6700;
  --del:#ffebe9; --ins:#dafbe1; }
@media (prefers-color-scheme: dark) {
  :root { --bg:#0d1117; --fg:#e6edf3; --muted:#9198a1; --line:#3d444d; --card:#151b23;
    --base:#6cb6ff; --head:#ffa657; --pass:#3fb950; --regression:#f85149; --error:#d29922;
    --del:#5d0f12; --ins:#0f3d1e; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 24px; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { margin: 0; font-size: 28px; } h2 { margin-top: 32px; border-bottom: 1px solid var(--line); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { padding: 16px; border-radius: 8px; border-left: 8px solid; background: var(--card); }
.pass { border-color: var(--pass); } .regression { border-color: var(--regression); } .error { border-color: var(--error); }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; color: var(--bg); vertical-align: middle; }
.badge.pass { background: var(--pass); } .badge.regression { background: var(--regression); } .badge.error { background: var(--error); }
.muted { color: var(--muted); }
ul.findings li.reg::marker { content: "✗ "; color: var(--regression); }
p.reg { color: var(--regression); }
ul.findings li.note::marker { content: "· "; color: var(--muted); }
del { background: var(--del); text-decoration: line-through; } ins { background: var(--ins); text-decoration: none; }
.features { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
.feature { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px; }
.feature.shifted { border-color: var(--regression); }
.feature h3 { margin: 0 0 4px 0; font-size: 15px; }
.plots { display: flex; gap: 8px; flex-wrap: wrap; }
svg { color: var(--fg); }
svg .axis { stroke: var(--muted); stroke-width: 1; }
svg text { fill: var(--muted); font-size: 10px; font-family: system-ui, sans-serif; }
svg .b { fill: var(--base); fill-opacity: .45; } svg .h { fill: var(--head); fill-opacity: .45; }
svg .bl { stroke: var(--base); fill: none; stroke-width: 2; } svg .hl { stroke: var(--head); fill: none; stroke-width: 2; }
svg .d { stroke: var(--regression); stroke-width: 2; } svg .dd { fill: var(--regression); }
svg .pt { fill: var(--head); fill-opacity: .6; } svg .zero { stroke: var(--muted); stroke-dasharray: 3 3; }
svg text.dl { fill: var(--regression); font-weight: 600; }
.legend span { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; border-radius: 2px; }
.legend .lb { background: var(--base); } .legend .lh { background: var(--head); }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
"#;

/// One of swimlane's own messages: escaped, with its `code` spans as <code>.
fn message(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in esc(s).split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Regression => "REGRESSION",
        Verdict::Error => "ERROR",
    }
}

/// Writes the HTML report.
pub fn render(r: &RunReport, out: &mut dyn Write) -> io::Result<()> {
    let v = r.verdict();
    let (base, head) = revisions(r);
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>swimlane: {} — {}</title>\n<style>{STYLE}{}</style>\n</head>\n<body>\n",
        verdict_word(v),
        esc(&headline(r)),
        super::series_svg::STYLE
    );
    let _ = writeln!(
        h,
        "<header class=\"verdict {}\"><h1>{}</h1><p>{} — base <code>{}</code> vs head <code>{}</code></p></header>",
        v.as_str(),
        verdict_word(v),
        esc(&headline(r)),
        esc(&base),
        esc(&head)
    );
    if r.mode == crate::model::Mode::Compare
        && let Some(line) = super::validation_line(r)
    {
        let _ = writeln!(h, "<p><strong>{}</strong></p>", esc(&line));
    }
    for l in super::sample_lines(r) {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", message(&l));
    }
    for n in &r.notes {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", message(n));
    }
    if let Some(hist) = &r.history {
        let _ = writeln!(
            h,
            "<section class=\"history\"><h2>History</h2><p>{}</p>",
            message(&super::history_line(hist))
        );
        if !hist.findings.is_empty() {
            h.push_str("<div class=\"grid\">\n");
            for f in &hist.findings {
                super::series_svg::figure(&mut h, &f.plot, true, &message(&f.message()));
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    if !r.errors.is_empty() {
        h.push_str("<ul class=\"findings\">\n");
        for e in &r.errors {
            let _ = writeln!(h, "<li class=\"reg\">{}</li>", esc(e));
        }
        h.push_str("</ul>\n");
    }
    for lane in &r.lanes {
        if let Some(failed) = lane.failure() {
            let _ = writeln!(
                h,
                "<p><strong>{} lane</strong>: stage <code>{}</code> {}</p><pre class=\"mono\">{}</pre>",
                lane.side.as_str(),
                esc(&failed.name),
                esc(&failed.describe()),
                esc(&failed.tail.join("\n"))
            );
        }
    }
    if !r.tables.is_empty() {
        h.push_str("<h2>Tables</h2>\n<table>\n<tr><th>table</th><th>verdict</th><th>rows (base → head)</th><th>missing</th><th>extra</th><th>changed</th><th>columns +/−/~</th><th>features shifted</th></tr>\n");
        for t in &r.tables {
            let cells: String = summary_cells(t)
                .iter()
                .map(|c| format!("<td class=\"n\">{}</td>", esc(c)))
                .collect();
            let _ = writeln!(
                h,
                "<tr><td><a href=\"#t-{0}\"><code>{0}</code></a></td><td><span class=\"badge {1}\">{1}</span></td>{cells}</tr>",
                esc(&t.name),
                t.verdict().as_str(),
            );
        }
        h.push_str("</table>\n");
    }
    for t in &r.tables {
        table_section(&mut h, t);
    }
    let t = &r.timings;
    let run = match r.mode {
        // `compare` has no snapshot, checkout or stages.
        crate::model::Mode::Compare => " ·".to_string(),
        crate::model::Mode::Run => format!(
            " · snapshot <code>{}</code> ({} files) digest <code>{}</code> · checkout {:.2}s, stages {:.2}s,",
            esc(&r.snapshot.path.display().to_string()),
            r.snapshot.files,
            esc(&r.snapshot.digest[..r.snapshot.digest.len().min(16)]),
            t.checkout,
            t.stages,
        ),
    };
    let _ = write!(
        h,
        "<footer>swimlane {}{run} load {:.2}s, compare {:.2}s</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        t.load,
        t.compare
    );
    out.write_all(h.as_bytes())
}

fn table_section(h: &mut String, t: &TableReport) {
    let _ = writeln!(
        h,
        "<section id=\"t-{0}\"><h2><code>{0}</code> <span class=\"badge {1}\">{1}</span> <span class=\"muted\">{2}</span></h2>",
        esc(&t.name),
        t.verdict().as_str(),
        t.compare.as_str()
    );
    if let Some(e) = &t.error {
        let _ = writeln!(h, "<p class=\"error\">not compared: {}</p>", esc(e));
    }
    for l in super::table_sample_lines(t) {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", esc(&l));
    }
    let findings = t.findings();
    if !findings.is_empty() {
        h.push_str("<ul class=\"findings\">\n");
        for f in &findings {
            let _ = writeln!(
                h,
                "<li class=\"{}\">{}</li>",
                if f.regression { "reg" } else { "note" },
                message(&f.message)
            );
        }
        h.push_str("</ul>\n");
    }
    rows_samples(h, "Rows missing in head", &t.missing_samples);
    rows_samples(h, "Extra rows in head", &t.extra_samples);
    let (changed, equal) = changed_columns(t);
    if !changed.is_empty() {
        let _ = writeln!(
            h,
            "<h3>{} of {} compared columns changed <span class=\"muted\">({equal} equal)</span></h3>\n<table><tr><th>column</th><th>type</th><th>changed</th><th>samples (key: base → head)</th></tr>",
            changed.len(),
            t.columns.len()
        );
        for c in changed {
            let samples: Vec<String> = c
                .samples
                .iter()
                .map(|s| {
                    let change = match inline_diff(&s.base, &s.head) {
                        Some(pieces) => marked_up(&pieces, esc),
                        None => format!(
                            "<del>{}</del> → <ins>{}</ins>",
                            esc(&short_cell(&s.base, 120)),
                            esc(&short_cell(&s.head, 120))
                        ),
                    };
                    format!("<code>{}</code>: {change}", esc(&key_text(&s.key)))
                })
                .collect();
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(&c.name),
                esc(&c.dtype),
                c.mismatches,
                samples.join("<br>")
            );
        }
        h.push_str("</table>\n");
    }
    let tested: Vec<&Feature> = t
        .features
        .iter()
        .filter(|f| f.test != TestName::None)
        .collect();
    if !tested.is_empty() {
        let _ = writeln!(
            h,
            "<h3>Features</h3><p class=\"muted legend\">numbers compared at {} significant digits; q = Benjamini–Hochberg across the run <span class=\"lb\"></span>base<span class=\"lh\"></span>head</p>\n<div class=\"features\">",
            t.precision.unwrap_or(0)
        );
        for f in tested {
            feature_card(h, f);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</section>\n");
}

fn rows_samples(h: &mut String, title: &str, samples: &[RowSample]) {
    if samples.is_empty() {
        return;
    }
    let _ = writeln!(
        h,
        "<details><summary>{} (first {})</summary><ul>",
        esc(title),
        samples.len()
    );
    for s in samples {
        let times = if s.count > 1 {
            format!(" ×{}", s.count)
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<li><code>{}</code>{times}</li>",
            esc(&key_text(&s.values))
        );
    }
    h.push_str("</ul></details>\n");
}

fn feature_card(h: &mut String, f: &Feature) {
    let shifted = f.verdict() == Verdict::Regression;
    let _ = writeln!(
        h,
        "<div class=\"feature{}\"><h3><code>{}</code> <span class=\"badge {}\">{}</span></h3>",
        if shifted { " shifted" } else { "" },
        esc(&f.column),
        f.verdict().as_str(),
        f.verdict().as_str()
    );
    let effect = match f.test {
        TestName::Ks => format!("D = {}", num(f.effect)),
        _ => format!(
            "TVD = {}, χ² = {} (df {}), PSI = {}",
            num(f.effect),
            num(f.statistic),
            f.df.unwrap_or(0),
            num(f.psi.unwrap_or(f64::NAN))
        ),
    };
    let _ = writeln!(
        h,
        "<p class=\"muted\">{} · {effect} · p = {:.2e} · q = {:.2e} · nulls {:.2}% → {:.2}% · rows {} → {}</p>",
        f.test.as_str(),
        f.p_value,
        f.p_adjusted,
        f.base.null_fraction * 100.0,
        f.head.null_fraction * 100.0,
        f.base.rows,
        f.head.rows
    );
    h.push_str("<div class=\"plots\">");
    match &f.plot {
        Some(Plot::Numeric {
            edges,
            base,
            head,
            ecdf_x,
            ecdf_base,
            ecdf_head,
            d_at,
        }) => {
            histogram_svg(h, edges, base, head, f.scale);
            ecdf_svg(h, ecdf_x, ecdf_base, ecdf_head, *d_at, f.effect, f.scale);
        }
        Some(Plot::Categorical {
            categories,
            base,
            head,
        }) => categories_svg(h, categories, base, head),
        None => h.push_str("<p class=\"muted\">no values to draw</p>"),
    }
    if let Some(p) = f.paired.as_ref().filter(|p| !p.points.is_empty()) {
        delta_svg(h, &p.points, f.scale);
    }
    h.push_str("</div>");
    if let Some(p) = &f.paired {
        paired_lines(h, p);
    }
    h.push_str("</div>\n");
}

/// A feature compared key by key: the headline, the paired test, and the
/// largest changes (or most frequent changes of category).
fn paired_lines(h: &mut String, p: &crate::model::paired::Paired) {
    let _ = write!(
        h,
        "<p class=\"{}\">keys: {}</p>",
        if p.regression() { "reg" } else { "muted" },
        esc(&p.headline())
    );
    if let Some(line) = p.test_line() {
        let _ = write!(h, "<p class=\"muted\">{}</p>", esc(&line));
    }
    if p.samples.is_empty() && p.transitions.is_empty() {
        return;
    }
    h.push_str("<details><summary>changed keys</summary><ul>");
    for t in &p.transitions {
        let _ = write!(
            h,
            "<li><code>{}</code> → <code>{}</code>: {}</li>",
            esc(&t.base),
            esc(&t.head),
            t.count
        );
    }
    for s in &p.samples {
        let (base, head) = super::value_pair(&s.base, &s.head);
        let _ = write!(
            h,
            "<li><code>{}</code>: <code>{}</code> → <code>{}</code></li>",
            esc(&key_text(&s.key)),
            esc(&base),
            esc(&head)
        );
    }
    h.push_str("</ul></details>");
}

/// The changed keys' deltas: base's value across, head - base up, each
/// point's values in its tooltip.
fn delta_svg(h: &mut String, points: &[(f64, f64)], scale: Scale) {
    frame(
        h,
        "delta",
        "per-key change: base value across, head minus base up",
        W,
        H,
    );
    let finite = |v: f64| v.is_finite();
    let (mut xlo, mut xhi, mut dmax) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
    for &(x, d) in points.iter().filter(|(x, d)| finite(*x) && finite(*d)) {
        (xlo, xhi, dmax) = (xlo.min(x), xhi.max(x), dmax.max(d.abs()));
    }
    if xlo > xhi {
        (xlo, xhi) = (0.0, 1.0);
    }
    if xhi <= xlo {
        (xlo, xhi) = (xlo - 0.5, xhi + 0.5);
    }
    let dmax = if dmax > 0.0 { dmax } else { 1.0 };
    let px = |x: f64| L + (x - xlo) / (xhi - xlo) * (W - L - 4.0) + 2.0;
    let py = |d: f64| T + (1.0 - (d / dmax + 1.0) / 2.0) * (H - B - T);
    let _ = write!(
        h,
        "<line class=\"zero\" x1=\"{L}\" y1=\"{0:.1}\" x2=\"{W}\" y2=\"{0:.1}\"/>",
        py(0.0)
    );
    for &(x, d) in points.iter().filter(|(x, d)| finite(*x) && finite(*d)) {
        let _ = write!(
            h,
            "<circle class=\"pt\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\"><title>{} → Δ {}</title></circle>",
            px(x),
            py(d),
            esc(&scale.value(x, num)),
            esc(&scale.span(d, num))
        );
    }
    // Axes of its own: Δ runs from -max to +max, 0 on the dashed line.
    let _ = write!(
        h,
        "<line class=\"axis\" x1=\"{L}\" y1=\"{y0}\" x2=\"{W}\" y2=\"{y0}\"/><line class=\"axis\" x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{y0}\"/>\
         <text x=\"{L}\" y=\"{ty}\">{}</text><text x=\"{W}\" y=\"{ty}\" text-anchor=\"end\">{}</text>\
         <text x=\"{lx}\" y=\"{top}\">Δ +{max}</text><text x=\"{lx}\" y=\"{mid}\">0</text><text x=\"{lx}\" y=\"{bottom}\">Δ −{max}</text>",
        esc(&scale.value(xlo, num)),
        esc(&scale.value(xhi, num)),
        y0 = H - B,
        ty = H - 6.0,
        lx = L + 3.0,
        top = T + 8.0,
        mid = py(0.0) - 2.0,
        bottom = H - B - 3.0,
        max = esc(&scale.span(dmax, num)),
    );
    h.push_str("</svg>");
}

const W: f64 = 255.0;
const H: f64 = 150.0;
const L: f64 = 34.0; // left margin
const B: f64 = 20.0; // bottom margin
const T: f64 = 8.0; // top margin

fn frame(h: &mut String, class: &str, label: &str, width: f64, height: f64) {
    let _ = write!(
        h,
        "<svg class=\"{class}\" role=\"img\" aria-label=\"{}\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        esc(label)
    );
}

fn axes(h: &mut String, (lo, hi): (f64, f64), ymax_label: &str, scale: Scale) {
    let _ = write!(
        h,
        "<line class=\"axis\" x1=\"{L}\" y1=\"{y0}\" x2=\"{W}\" y2=\"{y0}\"/><line class=\"axis\" x1=\"{L}\" y1=\"{T}\" x2=\"{L}\" y2=\"{y0}\"/>\
         <text x=\"{L}\" y=\"{ty}\">{}</text><text x=\"{W}\" y=\"{ty}\" text-anchor=\"end\">{}</text>\
         <text x=\"{lx}\" y=\"{ly}\" text-anchor=\"end\">{}</text><text x=\"{lx}\" y=\"{y0}\" text-anchor=\"end\">0</text>",
        esc(&scale.value(lo, num)),
        esc(&scale.value(hi, num)),
        esc(ymax_label),
        y0 = H - B,
        ty = H - 6.0,
        lx = L - 3.0,
        ly = T + 8.0
    );
}

fn histogram_svg(h: &mut String, edges: &[f64], base: &[u64], head: &[u64], scale: Scale) {
    let (nb, nh) = (
        base.iter().sum::<u64>().max(1) as f64,
        head.iter().sum::<u64>().max(1) as f64,
    );
    let shares = |c: &[u64], n: f64| c.iter().map(|&x| x as f64 / n).collect::<Vec<_>>();
    let (sb, sh) = (shares(base, nb), shares(head, nh));
    let ymax = sb.iter().chain(&sh).cloned().fold(0.0, f64::max).max(1e-12);
    frame(h, "hist", "histogram of base and head", W, H);
    let bins = base.len().max(1);
    let bw = (W - L) / bins as f64;
    for (class, s) in [("b", &sb), ("h", &sh)] {
        for (i, v) in s.iter().enumerate() {
            let bh = v / ymax * (H - B - T);
            let _ = write!(
                h,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"/>",
                L + i as f64 * bw,
                H - B - bh,
                bw,
                bh
            );
        }
    }
    axes(
        h,
        (
            edges.first().copied().unwrap_or(0.0),
            edges.last().copied().unwrap_or(0.0),
        ),
        &format!("{:.1}%", ymax * 100.0),
        scale,
    );
    h.push_str("</svg>");
}

fn ecdf_svg(
    h: &mut String,
    xs: &[f64],
    fb: &[f64],
    fh: &[f64],
    d_at: Option<(f64, f64, f64)>,
    d: f64,
    scale: Scale,
) {
    frame(h, "ecdf", "empirical CDFs of base and head", W, H);
    let (lo, hi) = (
        xs.first().copied().unwrap_or(0.0),
        xs.last().copied().unwrap_or(1.0),
    );
    let span = if hi > lo { hi - lo } else { 1.0 };
    let px = |x: f64| L + (x - lo) / span * (W - L);
    let py = |y: f64| H - B - y * (H - B - T);
    for (class, f) in [("bl", fb), ("hl", fh)] {
        let mut path = String::new();
        for (i, (&x, &y)) in xs.iter().zip(f.iter()).enumerate() {
            if i == 0 {
                let _ = write!(path, "M{:.1} {:.1}", px(x), py(y));
            } else {
                let _ = write!(path, "H{:.1}V{:.1}", px(x), py(y));
            }
        }
        let _ = write!(h, "<path class=\"{class}\" d=\"{path}\"/>");
    }
    if let Some((x, a, b)) = d_at {
        let _ = write!(
            h,
            "<line class=\"d\" x1=\"{0:.1}\" y1=\"{1:.1}\" x2=\"{0:.1}\" y2=\"{2:.1}\"/><circle class=\"dd\" cx=\"{0:.1}\" cy=\"{1:.1}\" r=\"3\"/><circle class=\"dd\" cx=\"{0:.1}\" cy=\"{2:.1}\" r=\"3\"/><text class=\"dl\" x=\"{3:.1}\" y=\"{4:.1}\" text-anchor=\"{5}\">D = {6}</text>",
            px(x),
            py(a),
            py(b),
            if px(x) > W - 70.0 {
                px(x) - 5.0
            } else {
                px(x) + 5.0
            },
            (py(a) + py(b)) / 2.0,
            if px(x) > W - 70.0 { "end" } else { "start" },
            esc(&num(d))
        );
    }
    axes(h, (lo, hi), "1", scale);
    h.push_str("</svg>");
}

fn categories_svg(h: &mut String, names: &[String], base: &[u64], head: &[u64]) {
    let (nb, nh) = (
        base.iter().sum::<u64>().max(1) as f64,
        head.iter().sum::<u64>().max(1) as f64,
    );
    let row = 16.0;
    let height = T + row * names.len() as f64 + 8.0;
    let label_w = 90.0;
    let ymax = base
        .iter()
        .map(|&x| x as f64 / nb)
        .chain(head.iter().map(|&x| x as f64 / nh))
        .fold(0.0, f64::max)
        .max(1e-12);
    let width = 2.0 * W;
    frame(h, "cats", "category shares of base and head", width, height);
    let width = width - label_w - 10.0;
    let _ = write!(h, "<g>");
    for (i, name) in names.iter().enumerate() {
        let y = T + i as f64 * row;
        let (b, hh) = (base[i] as f64 / nb, head[i] as f64 / nh);
        let _ = write!(
            h,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect class=\"b\" x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\"/><rect class=\"h\" x=\"{label_w}\" y=\"{:.1}\" width=\"{:.1}\" height=\"6\"/><text x=\"{:.1}\" y=\"{:.1}\">{:.1}% → {:.1}%</text>",
            label_w - 4.0,
            y + 10.0,
            esc(&short(name)),
            y + 1.0,
            b / ymax * (width - 90.0),
            y + 7.0,
            hh / ymax * (width - 90.0),
            label_w + (b.max(hh) / ymax) * (width - 90.0) + 4.0,
            y + 10.0,
            b * 100.0,
            hh * 100.0
        );
    }
    h.push_str("</g></svg>");
}

fn short(s: &str) -> String {
    if s.chars().count() > 14 {
        format!("{}…", s.chars().take(13).collect::<String>())
    } else {
        s.to_string()
    }
}
