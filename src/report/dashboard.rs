//! `swimlane history report --html`: one self-contained page (no network,
//! scripts or fonts; light and dark, as the run report) with a grid of
//! small multiples per table, flagged series first, and for a flagged
//! numeric series the latest point's histogram over its baseline's.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::esc;
use super::html::STYLE;
use super::series_svg::{self, date, value};
use crate::model::history::{Dashboard, SeriesPlot};

const DASHBOARD_STYLE: &str = r#"
body { max-width: 1600px; }
.flag { color: var(--regression); font-weight: 600; }
.legend .la { background: var(--regression); border-radius: 50%; } .legend .le { background: var(--muted); border-radius: 50%; }
.legend .lband { background: var(--base); opacity: .3; } .legend .lbound { border-top: 2px dashed var(--error); height: 0; }
"#;

/// Writes the dashboard page.
pub fn render(d: &Dashboard, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::new();
    let shown: usize = d.tables.iter().map(|t| t.series.len()).sum();
    let flagged = d.flagged();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <title>swimlane history: {flagged} flagged of {shown} series</title>\n\
         <style>{STYLE}{}{DASHBOARD_STYLE}</style>\n</head>\n<body>\n",
        series_svg::STYLE
    );
    let class = if flagged > 0 { "regression" } else { "pass" };
    let first = d
        .tables
        .iter()
        .flat_map(|t| &t.series)
        .filter_map(|s| s.points.first().map(|p| p.as_of))
        .min()
        .unwrap_or(d.from);
    let _ = writeln!(
        h,
        "<header class=\"verdict {class}\"><h1>History: {flagged} flagged of {shown} series</h1>\
         <p>{} recorded runs in the {} weeks to {} (the first on {}) in <code>{}</code></p></header>",
        d.runs,
        d.weeks,
        date(d.to),
        date(first),
        esc(&d.store)
    );
    let mut scope = Vec::new();
    if let Some(t) = &d.table {
        scope.push(format!("table <code>{}</code> only", esc(t)));
    }
    if d.only_flagged {
        scope.push(format!(
            "flagged series only ({} others left out)",
            d.left_out
        ));
    }
    if !scope.is_empty() {
        let _ = writeln!(h, "<p class=\"muted\">{}</p>", scope.join("; "));
    }
    h.push_str(
        "<p class=\"legend muted\">A series is flagged by an anomaly, a change point or a crossed audit bound in the weeks shown.\
         <span class=\"lb\"></span>recorded points<span class=\"lband\"></span>the band each point was judged against\
         <span class=\"lbound\"></span>audit bounds<span class=\"la\"></span>anomaly <span class=\"le\"></span>excluded run; \
         dashed red rules are change points, green rules accepted levels. Hover a point for its run and value.</p>\n",
    );
    if d.tables.is_empty() {
        h.push_str("<p>No recorded series in these weeks.</p>\n");
    }
    for t in &d.tables {
        let f = t.series.iter().filter(|s| s.flagged()).count();
        let _ = writeln!(
            h,
            "<section class=\"table\"><h2>{} <span class=\"muted\">{} series, {f} flagged</span></h2>\n<div class=\"grid\">",
            esc(&t.name),
            t.series.len()
        );
        for s in &t.series {
            panel(&mut h, s);
        }
        h.push_str("</div></section>\n");
    }
    h.push_str("<footer>swimlane history report</footer>\n</body>\n</html>\n");
    out.write_all(h.as_bytes())
}

/// One series' figure, its caption the latest value and what flags it.
fn panel(h: &mut String, s: &SeriesPlot) {
    let mut marks = Vec::new();
    let anomalies = s.anomalies();
    if anomalies > 0 {
        marks.push(format!(
            "{anomalies} {}",
            if anomalies == 1 {
                "anomaly"
            } else {
                "anomalies"
            }
        ));
    }
    if !s.changepoints.is_empty() {
        let n = s.changepoints.len();
        marks.push(format!(
            "{n} {}",
            crate::model::plural(n as u64, "change point", "change points")
        ));
    }
    let breaches = s.bound_breaches();
    if breaches > 0 {
        marks.push(format!("{breaches} outside an audit bound"));
    }
    let latest = s
        .points
        .last()
        .map(|p| format!("latest {} ({})", value(s.reading, p.value), date(p.as_of)))
        .unwrap_or_default();
    let caption = format!(
        "{latest}, {} points{}",
        s.points.len(),
        if marks.is_empty() {
            String::new()
        } else {
            format!(" — <span class=\"flag\">{}</span>", marks.join(", "))
        }
    );
    series_svg::figure(h, s, !marks.is_empty(), &caption);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::history::{
        BoundLine, DashboardTable, Overlay, PlotChange, PlotPoint, PointState,
    };
    use crate::model::scale::Reading;

    const DAY: i64 = 86_400_000_000;

    fn series(name: &str, n: usize, flagged: bool) -> SeriesPlot {
        let points = (0..n)
            .map(|i| PlotPoint {
                run: format!("20260101T000000Z-{i:08x}"),
                as_of: 1_767_225_600_000_000 + i as i64 * DAY,
                value: 100.0
                    + (i % 7) as f64 * 0.37
                    + if flagged && i + 3 >= n { 50.0 } else { 0.0 },
                tag: Some(format!("{:010x}", i * 7919)),
                state: if flagged && i + 3 >= n {
                    PointState::Anomaly
                } else if i < 10 {
                    PointState::Insufficient
                } else {
                    PointState::Ok
                },
                // A band that moves at every point, as a rolling one does.
                band: (i >= 10)
                    .then_some((98.5 + (i % 5) as f64 * 0.3, 102.9 + (i % 3) as f64 * 0.4)),
            })
            .collect();
        SeriesPlot {
            name: name.into(),
            points,
            changepoints: if flagged {
                vec![PlotChange {
                    index: n - 3,
                    rel_change: 0.49,
                    means: (100.0, 149.0),
                    p_value: 1e-12,
                }]
            } else {
                Vec::new()
            },
            accepted: Vec::new(),
            bounds: vec![BoundLine {
                check: "p99 bound".into(),
                upper: true,
                values: vec![160.0; n],
            }],
            sigma: 4.0,
            overlay: flagged.then(|| Overlay {
                edges: (0..=24).map(f64::from).collect(),
                latest: vec![1.0 / 24.0; 24],
                baseline: vec![1.0 / 24.0; 24],
                baseline_runs: 40,
                reading: Reading::Number,
            }),
            reading: Reading::Number,
        }
    }

    fn page(d: &Dashboard) -> String {
        let mut out = Vec::new();
        render(d, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn two_hundred_series_of_four_hundred_points_stay_under_five_megabytes() {
        let d = Dashboard {
            store: "dir:/history".into(),
            weeks: 60,
            from: 0,
            to: 400 * DAY,
            runs: 400,
            table: None,
            only_flagged: false,
            tables: (0..4)
                .map(|t| DashboardTable {
                    name: format!("table_{t}"),
                    series: (0..50)
                        .map(|s| series(&format!("table_{t}.c{s}.p99"), 400, s % 10 == 0))
                        .collect(),
                })
                .collect(),
            left_out: 0,
        };
        let html = page(&d);
        assert_eq!(html.matches("<svg class=\"series\"").count(), 200);
        assert_eq!(html.matches("<svg class=\"overlay\"").count(), 20);
        assert!(
            html.len() < 5_000_000,
            "{} bytes for 200 series × 400 points",
            html.len()
        );
    }

    /// The page's outline: headings, panels and what each SVG holds, with
    /// numbers left out (they are the plot's, tested elsewhere).
    fn outline(html: &str) -> String {
        let mut out = String::new();
        for line in html.lines() {
            for tag in ["<h1>", "<h2>", "<h3>"] {
                let mut rest = line;
                while let Some(i) = rest.find(tag) {
                    let end = rest[i..].find("</h").map_or(rest.len(), |e| i + e);
                    let text: String = rest[i + tag.len()..end]
                        .replace("<span class=\"muted\">", "(")
                        .replace("</span>", ")");
                    out.push_str(&format!("{tag} {text}\n"));
                    rest = &rest[end..];
                }
            }
            if line.starts_with("<figure") {
                let count = |needle: &str| line.matches(needle).count();
                out.push_str(&format!(
                    "  figure{} band={} line={} bound={} anomalies={} changepoints={} tooltips={} overlay_bars={}\n",
                    if line.contains("panel flagged") { " flagged" } else { "" },
                    count("class=\"band\""),
                    count("class=\"line\""),
                    count("class=\"bound\""),
                    count("class=\"an\""),
                    count("class=\"cp\""),
                    count("<title>"),
                    count("<rect class="),
                ));
            }
        }
        out
    }

    #[test]
    fn the_dashboards_structure() {
        let d = Dashboard {
            store: "dir:/history".into(),
            weeks: 30,
            from: 0,
            to: 45 * DAY,
            runs: 45,
            table: Some("plays".into()),
            only_flagged: false,
            tables: vec![DashboardTable {
                name: "plays".into(),
                series: vec![
                    series("plays.thumb.null_fraction", 45, true),
                    series("plays.row_count", 45, false),
                ],
            }],
            left_out: 0,
        };
        insta::assert_snapshot!(outline(&page(&d)));
    }

    /// Regression: a panel's caption counted "1 change point(s)".
    #[test]
    fn a_panel_counts_its_change_points_in_words() {
        let mut s = series("plays.thumb.null_fraction", 45, true);
        let mut html = String::new();
        panel(&mut html, &s);
        assert!(html.contains("3 anomalies, 1 change point<"), "{html}");
        s.changepoints.push(s.changepoints[0].clone());
        html.clear();
        panel(&mut html, &s);
        assert!(html.contains("3 anomalies, 2 change points<"), "{html}");
    }

    /// Regression: a time column's panel captioned its latest value as
    /// microseconds since 1970 (`latest 1.80e15`).
    #[test]
    fn a_time_columns_latest_value_reads_as_a_time() {
        let mut s = series("plays.played_at.max", 12, false);
        s.reading = Reading::At(crate::model::scale::Scale::Datetime {
            unit: crate::model::scale::TimeUnit::Microseconds,
            zoned: false,
        });
        s.points.last_mut().unwrap().value = 1_764_000_000_000_000.0;
        let mut html = String::new();
        panel(&mut html, &s);
        assert!(html.contains("latest 2025-11-24 16:00:00 ("), "{html}");
    }
}
