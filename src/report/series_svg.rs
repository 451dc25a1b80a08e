//! A series of history as a small multiple (SVG written here from the
//! plot's data): the line of recorded points, the sigma band each point was
//! judged against, audit bounds as dashed lines, anomalies and excluded
//! runs marked, change points and accepted levels as labelled vertical
//! rules; values in `<title>` tooltips. And an overlay of the latest
//! point's histogram on its baseline's. Shared by the dashboard and the run
//! report's history findings; `STYLE` styles its classes and the panels that hold it.

use std::fmt::Write as _;

use super::esc;
use crate::model::history::{Overlay, PointState, SeriesPlot};
use crate::model::scale::Reading;
use crate::model::significant;

/// The panel's size in SVG units (drawn at this size in CSS pixels).
const W: f64 = 360.0;
const H: f64 = 130.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 18.0;

/// Points given their own tooltip: every point up to this many, else
/// every k-th and every marked one (a 400-point panel stays light).
const TOOLTIPS: usize = 100;

/// The classes the SVGs use, for a page's stylesheet.
pub const STYLE: &str = r#"
svg .band { fill: var(--base); fill-opacity: .14; stroke: none; }
svg .line { stroke: var(--base); fill: none; stroke-width: 1.5; }
svg .bound { stroke: var(--error); fill: none; stroke-width: 1; stroke-dasharray: 4 3; }
svg .an { fill: var(--regression); } svg .ex { fill: var(--muted); fill-opacity: .5; }
svg .hd { fill: var(--head); stroke: var(--fg); stroke-width: .5; }
svg .cp { stroke: var(--regression); stroke-width: 1; stroke-dasharray: 2 2; }
svg .acc { stroke: var(--pass); stroke-width: 1; }
svg text.cpl { fill: var(--regression); } svg text.accl { fill: var(--pass); }
svg .hit { fill: transparent; } svg text.ydate { font-size: 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 12px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px; margin: 0; }
.panel.flagged { border-color: var(--regression); }
.panel h3 { margin: 0 0 2px 0; font-size: 13px; font-weight: 600; overflow-wrap: anywhere; }
.panel figcaption { color: var(--muted); font-size: 12px; }
"#;

/// A number for a plot's labels.
pub(super) fn n(x: f64) -> String {
    significant(x, 4, 9, 2)
}

/// A value of a series for a tooltip, as its reading says (a date
/// column's quantiles as dates).
pub(super) fn value(r: Reading, x: f64) -> String {
    r.value(x, n)
}

/// A value for the y axis: a date or an instant as its date alone (the
/// label's room is narrow; the tooltips give the time).
fn axis(r: Reading, x: f64) -> String {
    let text = value(r, x);
    match r {
        Reading::At(_) => text.split(' ').next().unwrap_or_default().to_string(),
        _ => text,
    }
}

/// A date for a plot's labels (UTC).
pub(super) fn date(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// A series' figure: its name, its small multiple, `caption` (HTML), and
/// its overlay when it has one; `flagged` draws the border red.
pub fn figure(h: &mut String, p: &SeriesPlot, flagged: bool, caption: &str) {
    let _ = write!(
        h,
        "<figure class=\"panel{}\"><h3>{}</h3>",
        if flagged { " flagged" } else { "" },
        esc(&p.name)
    );
    series(h, p);
    let _ = write!(h, "<figcaption>{caption}</figcaption>");
    if let Some(o) = &p.overlay {
        let _ = write!(
            h,
            "<p class=\"legend muted\"><span class=\"lh\"></span>latest<span class=\"lb\"></span>its baseline ({} runs), from the stored sketches</p>",
            o.baseline_runs
        );
        overlay(h, o);
    }
    h.push_str("</figure>\n");
}

/// The small multiple of `p`.
pub fn series(h: &mut String, p: &SeriesPlot) {
    let pts = &p.points;
    let _ = write!(
        h,
        "<svg class=\"series\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"{}\">",
        esc(&p.name)
    );
    if pts.is_empty() {
        h.push_str("</svg>");
        return;
    }
    // The y range: values, finite band edges and bounds.
    let mut ys: Vec<f64> = pts.iter().map(|q| q.value).collect();
    for q in pts {
        if let Some((lo, hi)) = q.band {
            ys.extend([lo, hi]);
        }
    }
    for b in &p.bounds {
        ys.extend(&b.values);
    }
    let finite = ys.iter().copied().filter(|y| y.is_finite());
    let (mut lo, mut hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    // A level series (its band a rounding-level sliver): centred, with a
    // tenth of its size either side.
    if hi - lo <= 1e-9 * lo.abs().max(hi.abs()).max(1.0) {
        let mid = (lo + hi) / 2.0;
        let pad = (mid.abs() * 0.1).max(1.0);
        (lo, hi) = (mid - pad, mid + pad);
    }
    let pad = (hi - lo) * 0.06;
    let (lo, hi) = (lo - pad, hi + pad);
    // The x axis: as-of time, or the point's position when all share one.
    let (t0, t1) = (pts[0].as_of, pts[pts.len() - 1].as_of);
    let x = |i: usize| {
        let f = if t1 > t0 {
            (pts[i].as_of - t0) as f64 / (t1 - t0) as f64
        } else if pts.len() > 1 {
            i as f64 / (pts.len() - 1) as f64
        } else {
            0.5
        };
        LEFT + f * (W - LEFT - RIGHT)
    };
    let y = |v: f64| {
        let v = v.clamp(lo, hi);
        TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM)
    };
    // Axes and labels; dates in a smaller type, to fit.
    let ycls = if matches!(p.reading, Reading::At(_)) {
        " class=\"ydate\""
    } else {
        ""
    };
    let _ = write!(
        h,
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{:.1}\"/>\
         <text{ycls} x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <text{ycls} x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <text x=\"{LEFT}\" y=\"{H}\" dy=\"-4\">{}</text>\
         <text x=\"{:.1}\" y=\"{H}\" dy=\"-4\" text-anchor=\"end\">{}</text>",
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM,
        H - BOTTOM,
        LEFT - 3.0,
        TOP + 4.0,
        esc(&axis(p.reading, hi - pad)),
        LEFT - 3.0,
        H - BOTTOM,
        esc(&axis(p.reading, lo + pad)),
        date(t0),
        W - RIGHT,
        date(t1),
    );
    // The band, one polygon per run of consecutive judged points.
    let mut i = 0;
    while i < pts.len() {
        if pts[i].band.is_none() {
            i += 1;
            continue;
        }
        let start = i;
        while i < pts.len() && pts[i].band.is_some() {
            i += 1;
        }
        let upper: Vec<(f64, f64)> = (start..i)
            .map(|k| (x(k), y(pts[k].band.unwrap().1)))
            .collect();
        let lower: Vec<(f64, f64)> = (start..i)
            .rev()
            .map(|k| (x(k), y(pts[k].band.unwrap().0)))
            .collect();
        let d = format!("{} {}", coords(&upper), coords(&lower));
        let _ = write!(
            h,
            "<polygon class=\"band\" points=\"{d}\"><title>±{} σ band of the runs before</title></polygon>",
            n(p.sigma)
        );
    }
    for b in &p.bounds {
        let d = polyline(&b.values, &x, &y);
        if !d.is_empty() {
            let _ = write!(
                h,
                "<polyline class=\"bound\" points=\"{d}\"><title>{} bound of {}</title></polyline>",
                if b.upper { "upper" } else { "lower" },
                esc(&b.check)
            );
        }
    }
    let values: Vec<f64> = pts.iter().map(|q| q.value).collect();
    let _ = write!(
        h,
        "<polyline class=\"line\" points=\"{}\"/>",
        polyline(&values, &x, &y)
    );
    for c in &p.changepoints {
        let cx = x(c.index);
        let tag = pts[c.index]
            .tag
            .clone()
            .unwrap_or_else(|| date(pts[c.index].as_of));
        let anchor = if cx > W / 2.0 { "end" } else { "start" };
        let change = esc(&p.reading.change(c.means, c.rel_change, n));
        let _ = write!(
            h,
            "<line class=\"cp\" x1=\"{cx:.1}\" y1=\"{TOP}\" x2=\"{cx:.1}\" y2=\"{:.1}\"/>\
             <text class=\"cpl\" x=\"{cx:.1}\" y=\"{:.1}\" dx=\"{}\" text-anchor=\"{anchor}\">{change} {}<title>change point: {change} from {}, p = {:.2e}</title></text>",
            H - BOTTOM,
            TOP - 3.0,
            if anchor == "end" { -2 } else { 2 },
            esc(&tag),
            esc(&pts[c.index].run),
            c.p_value
        );
    }
    for &a in &p.accepted {
        let ax = x(a);
        let _ = write!(
            h,
            "<line class=\"acc\" x1=\"{ax:.1}\" y1=\"{TOP}\" x2=\"{ax:.1}\" y2=\"{:.1}\"/>\
             <text class=\"accl\" x=\"{ax:.1}\" y=\"{:.1}\" dx=\"2\">accepted</text>",
            H - BOTTOM,
            H - BOTTOM - 3.0
        );
    }
    // Marks and tooltips.
    let every = pts.len().div_ceil(TOOLTIPS).max(1);
    for (i, q) in pts.iter().enumerate() {
        if !q.value.is_finite() {
            continue;
        }
        let class = match q.state {
            PointState::Anomaly => "an",
            PointState::Excluded => "ex",
            PointState::Head => "hd",
            PointState::Ok | PointState::Insufficient => "hit",
        };
        if class == "hit" && i % every != 0 && i + 1 != pts.len() {
            continue;
        }
        let r = if class == "hit" { 3.0 } else { 3.5 };
        let what = match q.state {
            PointState::Anomaly => " — anomaly",
            PointState::Excluded => " — excluded",
            PointState::Head => " — this pull request's head",
            PointState::Insufficient => " — insufficient history",
            PointState::Ok => "",
        };
        // Marked points say their band; the run id only when there is no
        // commit or label to tell the point by.
        let band = match (q.state, q.band) {
            (PointState::Ok | PointState::Insufficient, _) | (_, None) => String::new(),
            (_, Some((l, u))) => {
                format!(", band [{}, {}]", value(p.reading, l), value(p.reading, u))
            }
        };
        let _ = write!(
            h,
            "<circle class=\"{class}\" cx=\"{:.0}\" cy=\"{:.0}\" r=\"{r}\"><title>{} {}: {}{band}{what}</title></circle>",
            x(i),
            y(q.value),
            date(q.as_of),
            esc(q.tag.as_deref().unwrap_or(&q.run)),
            esc(&value(p.reading, q.value))
        );
    }
    h.push_str("</svg>");
}

/// `points="..."` of the finite values (a gap is bridged: the line shows
/// the trend, the marks show what is missing).
fn polyline(values: &[f64], x: &dyn Fn(usize) -> f64, y: &dyn Fn(f64) -> f64) -> String {
    let xy: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, v)| (x(i), y(*v)))
        .collect();
    coords(&xy)
}

/// Whole-unit coordinates, the inner points of a level stretch left out (a
/// constant bound is two points, not four hundred).
fn coords(xy: &[(f64, f64)]) -> String {
    let r: Vec<(i64, i64)> = xy
        .iter()
        .map(|&(a, b)| (a.round() as i64, b.round() as i64))
        .collect();
    let mut d = String::new();
    for (i, &(a, b)) in r.iter().enumerate() {
        let level = i > 0 && i + 1 < r.len() && r[i - 1].1 == b && r[i + 1].1 == b;
        if !level {
            let _ = write!(d, "{a},{b} ");
        }
    }
    d.trim_end().to_string()
}

/// The latest point's histogram (head colour) over its baseline's (base
/// colour), as shares of each distribution.
pub fn overlay(h: &mut String, o: &Overlay) {
    let bins = o.latest.len();
    let top = o
        .latest
        .iter()
        .chain(&o.baseline)
        .copied()
        .fold(0.0, f64::max)
        .max(1e-12);
    let plot_w = W - LEFT - RIGHT;
    let bw = plot_w / bins as f64;
    let y = |share: f64| TOP + (1.0 - share / top) * (H - TOP - BOTTOM);
    let _ = write!(
        h,
        "<svg class=\"overlay\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"latest over baseline\">\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{:.0}%</text>\
         <text x=\"{LEFT}\" y=\"{H}\" dy=\"-4\">{}</text>\
         <text x=\"{:.1}\" y=\"{H}\" dy=\"-4\" text-anchor=\"end\">{}</text>",
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM,
        LEFT - 3.0,
        TOP + 4.0,
        100.0 * top,
        esc(&axis(o.reading, o.edges[0])),
        W - RIGHT,
        esc(&axis(o.reading, o.edges[bins])),
    );
    for (class, shares, what) in [("b", &o.baseline, "baseline"), ("h", &o.latest, "latest")] {
        for (b, &s) in shares.iter().enumerate() {
            if s <= 0.0 {
                continue;
            }
            let _ = write!(
                h,
                "<rect class=\"{class}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{what} [{}, {}): {:.1}%</title></rect>",
                LEFT + b as f64 * bw,
                y(s),
                bw,
                (H - BOTTOM) - y(s),
                esc(&value(o.reading, o.edges[b])),
                esc(&value(o.reading, o.edges[b + 1])),
                100.0 * s
            );
        }
    }
    h.push_str("</svg>");
}

#[cfg(test)]
mod tests {
    /// The classes a stylesheet's selectors name.
    fn classes(css: &str) -> std::collections::BTreeSet<&str> {
        css.match_indices('.')
            .filter_map(|(i, _)| {
                let rest = &css[i + 1..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                    .unwrap_or(rest.len());
                let name = &rest[..end];
                name.starts_with(|c: char| c.is_ascii_alphabetic())
                    .then_some(name)
            })
            .collect()
    }

    /// Regression: the y axis's date labels were of class `d`, which the
    /// run report's stylesheet (on the same page) draws as the KS plot's
    /// red D line: a 2-pixel red stroke over every date.
    #[test]
    fn no_class_of_the_series_plots_is_styled_by_the_run_reports_stylesheet() {
        let shared: Vec<&str> = classes(super::STYLE)
            .intersection(&classes(super::super::html::STYLE))
            .copied()
            .collect();
        assert!(shared.is_empty(), "{shared:?}");
        assert!(classes(super::STYLE).contains("ydate"));
    }
}
