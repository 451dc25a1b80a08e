//! The report files of a real run, checked by real consumers: the HTML
//! page rendered in headless Chromium, the JUnit XML parsed by Python's
//! junitparser. Where a consumer is missing the test says so and passes,
//! unless SWIMLANE_REQUIRE_TOOLS=1 (as in .ci/run, which installs them).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::BIN;

fn require_tools() -> bool {
    std::env::var_os("SWIMLANE_REQUIRE_TOOLS").is_some_and(|v| v == "1")
}

struct Reports {
    _dir: tempfile::TempDir,
    html: PathBuf,
    junit: PathBuf,
    markdown: PathBuf,
    stdout: String,
}

fn demo_reports() -> Reports {
    let dir = tempfile::tempdir().unwrap();
    let (html, junit, markdown) = (
        dir.path().join("report.html"),
        dir.path().join("report.xml"),
        dir.path().join("report.md"),
    );
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let out = Command::new(BIN)
        .arg("demo")
        .arg("--html")
        .arg(&html)
        .arg("--junit")
        .arg(&junit)
        .arg("--markdown")
        .arg(&markdown)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The job summary got the Markdown appended, after what was there.
    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(
        appended.starts_with("# earlier step\n## ❌ swimlane: **REGRESSION**"),
        "{appended}"
    );
    assert_eq!(
        appended.trim_start_matches("# earlier step\n"),
        std::fs::read_to_string(&markdown).unwrap()
    );
    Reports {
        _dir: dir,
        html,
        junit,
        markdown,
        stdout: String::from_utf8(out.stdout).unwrap(),
    }
}

#[test]
fn terminal_output_is_plain_when_not_a_terminal() {
    let r = demo_reports();
    assert!(!r.stdout.contains('\x1b'), "no colour codes in a pipe");
    let redacted = regex_lite_commits(&r.stdout);
    insta::assert_snapshot!("demo_terminal", redacted);
    let md = std::fs::read_to_string(&r.markdown).unwrap();
    insta::assert_snapshot!("demo_markdown", regex_lite_commits(&md));
}

/// Redacts commit ids (they change with every build of the demo repository).
fn regex_lite_commits(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('(') {
        out.push_str(&rest[..=i]);
        rest = &rest[i + 1..];
        let hex = rest.chars().take_while(|c| c.is_ascii_hexdigit()).count();
        if hex == 10 && rest[hex..].starts_with(')') {
            out.push_str("[commit]");
            rest = &rest[hex..];
        }
    }
    out.push_str(rest);
    out
}

fn chromium() -> Option<PathBuf> {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

fn headless(browser: &Path, profile: &Path) -> Command {
    let mut c = Command::new(browser);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// A page as headless Chromium renders it.
pub struct Rendered {
    /// The DOM after rendering.
    pub dom: String,
    /// Console messages while rendering.
    pub console: usize,
    /// Distinct colours and dark pixels of a screenshot of `size`.
    pub colours: usize,
    pub ink: usize,
    /// The screenshot (kept in a temp dir that lives as long as this).
    pub shot: PathBuf,
    _profile: tempfile::TempDir,
}

/// `page` rendered in headless Chromium at `size`; `None`, said on stderr,
/// when Chromium is not installed (never under SWIMLANE_REQUIRE_TOOLS=1).
pub fn render_in_chromium(page: &Path, size: (u32, u32)) -> Option<Rendered> {
    let Some(browser) = chromium() else {
        assert!(
            !require_tools(),
            "SWIMLANE_REQUIRE_TOOLS=1 but no Chromium is installed"
        );
        eprintln!("note: Chromium not installed; the page was not rendered (.ci/run installs it)");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.display());
    let dom = headless(&browser, profile.path())
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let console = String::from_utf8_lossy(&dom.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE"))
        .count();
    let shot = profile.path().join("shot.png");
    let s = headless(&browser, profile.path())
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("--window-size={},{}", size.0, size.1))
        .arg(&url)
        .output()
        .unwrap();
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let (width, height, pixels) = decode_png(&shot);
    assert_eq!((width, height), size);
    let mut colours = std::collections::HashSet::new();
    let mut ink = 0usize;
    for p in pixels.chunks(4) {
        colours.insert([p[0], p[1], p[2]]);
        if p[0] < 200 || p[1] < 200 || p[2] < 200 {
            ink += 1;
        }
    }
    Some(Rendered {
        dom: String::from_utf8_lossy(&dom.stdout).into_owned(),
        console,
        colours: colours.len(),
        ink,
        shot,
        _profile: profile,
    })
}

impl Rendered {
    /// Not blank: many distinct colours, and plenty of non-background
    /// pixels; no console messages.
    pub fn assert_drawn(&self) {
        assert_eq!(self.console, 0, "console messages while rendering");
        assert!(
            self.colours > 50,
            "only {} colours: the page looks blank",
            self.colours
        );
        assert!(
            self.ink > 10_000,
            "only {} dark pixels: the page looks blank",
            self.ink
        );
    }
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let r = demo_reports();
    let Some(page) = render_in_chromium(&r.html, (1280, 1600)) else {
        return;
    };
    // Demo features: two numeric (histogram + ECDF each, and the deltas of
    // their changed keys), one categorical (no key changed category).
    assert_eq!(
        page.dom.matches("<svg").count(),
        7,
        "SVG plots in the rendered DOM"
    );
    page.assert_drawn();
    if let Some(dest) = std::env::var_os("SWIMLANE_SCREENSHOT") {
        std::fs::copy(&page.shot, dest).unwrap();
    }
}

fn decode_png(path: &Path) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    let rgba = match info.color_type {
        png::ColorType::Rgba => buf,
        png::ColorType::Rgb => buf
            .chunks(3)
            .flat_map(|p| [p[0], p[1], p[2], 255])
            .collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgba)
}

/// Each suite of the JUnit file at `path` as junitparser reads it
/// (`NAME tests=N failures=F errors=E` lines); `None`, said on stderr, when
/// junitparser is not installed (never under SWIMLANE_REQUIRE_TOOLS=1).
pub fn junit_suites(path: &std::path::Path) -> Option<String> {
    let python = std::env::var("SWIMLANE_PYTHON").unwrap_or_else(|_| "python3".into());
    let probe = Command::new(&python)
        .args(["-c", "import junitparser"])
        .output();
    if !probe.as_ref().is_ok_and(|o| o.status.success()) {
        assert!(
            !require_tools(),
            "SWIMLANE_REQUIRE_TOOLS=1 but {python} cannot import junitparser"
        );
        eprintln!(
            "note: junitparser not installed; the JUnit report was not parsed (.ci/run installs it)"
        );
        return None;
    }
    let script = r#"
import sys
from junitparser import JUnitXml, Failure, Error
xml = JUnitXml.fromfile(sys.argv[1])
for suite in xml:
    fails = sum(1 for case in suite for res in case.result if isinstance(res, Failure))
    errors = sum(1 for case in suite for res in case.result if isinstance(res, Error))
    print(f"{suite.name} tests={suite.tests} failures={fails} errors={errors}")
"#;
    let out = Command::new(&python)
        .args(["-c", script])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn junit_report_parses_with_junitparser() {
    let r = demo_reports();
    let Some(text) = junit_suites(&r.junit) else {
        return;
    };
    // viewing: rows, schema, the swap and 5 columns, all but the schema
    // failing; profile_summary: rows, schema, 3 columns of which 2 changed;
    // features: schema and 3 features, one shifted.
    assert!(text.contains("lanes tests=2 failures=0 errors=0"), "{text}");
    assert!(
        text.contains("viewing tests=8 failures=7 errors=0"),
        "{text}"
    );
    assert!(
        text.contains("profile_summary tests=5 failures=2 errors=0"),
        "{text}"
    );
    assert!(
        text.contains("features tests=4 failures=1 errors=0"),
        "{text}"
    );
}
