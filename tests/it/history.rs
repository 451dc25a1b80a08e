//! History on real processes: `swimlane profile --record` day after day
//! into a store, `swimlane audit` and `swimlane history` over it.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::support::output_text as text;
use crate::support::{BIN, TestRepo};

fn swimlane(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        // Never the user's own store.
        .env("SWIMLANE_DATA_DIR", dir.join("data"))
        .output()
        .unwrap()
}

/// Day `day` of a daily `plays` output, drifting as in the talk: 600 rows a
/// day until day 40, then 150; `thumb` 1% null until day 30, then 20%;
/// `score`'s mean up by 1.5 from day 22 (its day-to-day noise is ±1, so no
/// single day is 4 sigma out: only the change point sees it).
fn plays(day: usize) -> String {
    let rows = if day < 40 { 600 } else { 150 };
    let null_every = if day < 30 { 100 } else { 5 };
    let noise = [0.0, 0.8, -0.6, 1.0, -1.0, 0.3, -0.3][day % 7];
    let level = 100.0 + noise + if day >= 22 { 1.5 } else { 0.0 };
    let mut out = String::from("id,thumb,score\n");
    for i in 0..rows {
        let thumb = if i % null_every == 0 { "" } else { "up" };
        // Row offsets -2..=2 in equal numbers: the mean is `level`.
        let score = level + (i % 5) as f64 - 2.0;
        out.push_str(&format!("{i},{thumb},{score}\n"));
    }
    out
}

fn record(dir: &Path, day: usize) -> Output {
    fs::write(dir.join("plays.csv"), plays(day)).unwrap();
    let as_of = format!("2026-01-{:02}T00:00:00Z", day % 28 + 1);
    let as_of = if day < 28 {
        as_of
    } else {
        format!("2026-02-{:02}T00:00:00Z", day - 27)
    };
    record_as_of(dir, &as_of)
}

/// `swimlane profile plays.csv --key id --record --as-of AS_OF` into the
/// store `store` of `dir`.
fn record_as_of(dir: &Path, as_of: &str) -> Output {
    swimlane(
        dir,
        &[
            "profile",
            "plays.csv",
            "--key",
            "id",
            "--record",
            "--as-of",
            as_of,
            "--store",
            "store",
        ],
    )
}

#[test]
fn forty_five_days_of_drift_are_flagged_at_the_right_run_with_their_bounds() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut codes = Vec::new();
    let mut outputs = Vec::new();
    for day in 0..45 {
        let o = record(dir, day);
        codes.push(o.status.code().unwrap());
        outputs.push(text(&o));
    }
    // Days 0-29 pass (the mean's step at 22 is a warning, not a failure);
    // from day 30 the null fraction fails, and keeps failing: flagged
    // points stay out of the baseline until someone accepts the level.
    assert!(
        codes[..30].iter().all(|&c| c == 0),
        "{codes:?}\n{}",
        outputs[29]
    );
    assert!(codes[30..].iter().all(|&c| c == 1), "{codes:?}");
    let day30 = &outputs[30];
    assert!(
        day30.contains("FAIL plays.thumb.null_fraction: 0.2 at run")
            // A baseline of one value is said as that value, not as a
            // band of rounding around it ([0.009999999999, 0.010000000001]).
            && day30.contains("differs from 0.01, the value of every previous run"),
        "{day30}"
    );
    assert!(!day30.contains("FAIL plays.row_count"), "{day30}");
    let day40 = &outputs[40];
    assert!(
        day40.contains("FAIL plays.row_count: 150 at run")
            && day40.contains("differs from 600, the value of every previous run"),
        "{day40}"
    );

    let json = dir.join("audit.json");
    let o = swimlane(
        dir,
        &[
            "audit",
            "--store",
            "store",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let audit: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(audit["verdict"], "fail");
    let series = |name: &str| -> Value {
        audit["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {audit:#}"))
            .clone()
    };
    let score = series("plays.score.mean");
    assert_eq!(score["check"]["status"], "ok", "{score:#}");
    // The step is found where it starts: day 22, the 23rd point.
    let cps = score["changepoints"].as_array().unwrap();
    assert_eq!(cps.len(), 1, "{score:#}");
    assert_eq!(cps[0]["index"], 22);
    assert_eq!(cps[0]["as_of"], "2026-01-23 00:00");
    let rel = cps[0]["rel_change"].as_f64().unwrap();
    assert!((rel - 0.015).abs() < 0.002, "{rel}");
    assert_eq!(series("plays.row_count")["check"]["status"], "anomaly");
    assert_eq!(
        series("plays.thumb.null_fraction")["check"]["status"],
        "anomaly"
    );
    assert_eq!(series("plays.duplicate_keys")["check"]["status"], "ok");

    // History as it stood on day 29: the change point in the mean fails
    // only with --strict.
    let day29_run = {
        let show = dir.join("show.json");
        let o = swimlane(
            dir,
            &[
                "history",
                "show",
                "plays.score.mean",
                "--store",
                "store",
                "--json",
                show.to_str().unwrap(),
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("<- change point: mean"), "{}", text(&o));
        let show: Value = serde_json::from_str(&fs::read_to_string(&show).unwrap()).unwrap();
        assert_eq!(show["points"].as_array().unwrap().len(), 45);
        assert!(show["anomalies"].as_array().unwrap().is_empty());
        let day = show["points"][29]["as_of"].as_str().unwrap()[..10].to_string();
        (show["points"][29]["run"].as_str().unwrap().to_string(), day)
    };
    let (day29_run, day29) = day29_run;
    let at = |strict: bool| {
        let mut args = vec!["audit", "--store", "store", "--at", &day29_run];
        if strict {
            args.push("--strict");
        }
        swimlane(dir, &args).status.code()
    };
    assert_eq!(at(false), Some(0));
    assert_eq!(at(true), Some(1));
    // The same day named by its date: its last point's run.
    let json = dir.join("at.json");
    let o = swimlane(
        dir,
        &[
            "audit",
            "--store",
            "store",
            "--at",
            &day29,
            "--strict",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["at"], day29_run.as_str(), "{doc:#}");
    // Before the first point: an error that says so.
    let o = swimlane(dir, &["audit", "--store", "store", "--at", "1999-01-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("no point as of that time or before"),
        "{}",
        text(&o)
    );
}

#[test]
fn two_recorders_at_once_lose_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("a.csv"), plays(0)).unwrap();
    fs::write(dir.join("b.csv"), plays(40)).unwrap();
    let spawn = |file: &str| {
        Command::new(BIN)
            .args([
                "profile", file, "--name", "plays", "--record", "--store", "store",
            ])
            .current_dir(dir)
            .output()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| spawn("a.csv").unwrap());
        let b = s.spawn(|| spawn("b.csv").unwrap());
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(a.status.code(), Some(0), "{}", text(&a));
    assert_eq!(b.status.code(), Some(0), "{}", text(&b));
    let o = swimlane(dir, &["history", "ls", "--store", "store"]);
    let ls = text(&o);
    let line = ls
        .lines()
        .find(|l| l.starts_with("plays.row_count "))
        .unwrap_or_else(|| panic!("{ls}"));
    assert!(line.contains(" 2 points"), "{line}");
    // Nothing but the two segments is left in the store.
    let names: Vec<String> = fs::read_dir(dir.join("store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.iter().all(|n| n.ends_with(".parquet")), "{names:?}");

    // Compacted into one segment: the same two points.
    let o = swimlane(dir, &["history", "compact", "--store", "store"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("compacted 2 segments into one"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_dir(dir.join("store")).unwrap().count(), 1);
    let ls = text(&swimlane(dir, &["history", "ls", "--store", "store"]));
    assert!(
        ls.lines()
            .any(|l| l.starts_with("plays.row_count ") && l.contains(" 2 points")),
        "{ls}"
    );
    let o = swimlane(dir, &["history", "export", "--csv", "--store", "store"]);
    let csv = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        csv.starts_with("run,recorded_at,as_of,commit,label,table,column,metric,value,type\n"),
        "{csv}"
    );
    assert_eq!(
        csv.lines()
            .filter(|l| l.contains(",plays,,row_count,"))
            .count(),
        2,
        "{csv}"
    );
}

#[test]
fn a_damaged_segment_is_named_with_what_to_do() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    assert_eq!(record(dir, 0).status.code(), Some(0));
    fs::write(
        dir.join("store/20260101T000000Z-broken.parquet"),
        b"PAR1 torn",
    )
    .unwrap();
    let o = swimlane(dir, &["audit", "--store", "store"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("history segment store/20260101T000000Z-broken.parquet is damaged")
            && err.contains("move store/20260101T000000Z-broken.parquet out of the store"),
        "{err}"
    );
}

#[test]
fn an_unknown_series_lists_recorded_ones() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    assert_eq!(record(dir, 0).status.code(), Some(0));
    let o = swimlane(
        dir,
        &[
            "history",
            "show",
            "plays.thumbs.null_fraction",
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("no series `plays.thumbs.null_fraction`"),
        "{err}"
    );
    assert!(
        err.contains("help: did you mean `plays.thumb.null_fraction`?"),
        "{err}"
    );
    // Nothing near: the nearest recorded ones, the likeliest first, where
    // they were listed in name order, the first 20 (a typo in a series
    // late in the alphabet was not among them).
    let o = swimlane(dir, &["history", "show", "plays", "--store", "store"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the nearest of the "), "{err}");
    assert!(
        err.contains("help: series are table.column.metric"),
        "{err}"
    );
    assert!(err.contains(": plays."), "{err}");
}

/// A value shown alone (no band beside it: too little history, or the `ls`
/// of series) takes the fewest digits, as the audit prints a lone number:
/// a null fraction of 1/3 read `0.3333333333333` in `history show` and
/// `history ls`, the thirteen digits meant to tell a value from a band of
/// 1e-12 around it.
#[test]
fn a_value_shown_alone_in_history_takes_the_fewest_digits() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("plays.csv"), "id,thumb\n1,up\n2,\n3,down\n").unwrap();
    assert_eq!(record_as_of(dir, "2026-01-01").status.code(), Some(0));
    let series = "plays.thumb.null_fraction";
    let o = swimlane(dir, &["history", "show", series, "--store", "store"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown = text(&o);
    assert!(
        shown.contains(" 0.3333  insufficient history (0)"),
        "{shown}"
    );
    assert!(!shown.contains("0.33333"), "{shown}");
    let o = swimlane(dir, &["history", "ls", "--store", "store"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let listed = text(&o);
    let line = listed.lines().find(|l| l.starts_with(series));
    assert!(
        line.is_some_and(|l| l.ends_with("latest 0.3333")),
        "{listed}"
    );
}

/// `swimlane profile events.csv --record` of `csv`, as of `as_of`, into
/// `dir`'s store.
fn record_events(dir: &Path, csv: String, as_of: &str) -> Output {
    fs::write(dir.join("events.csv"), csv).unwrap();
    let args = [
        "profile",
        "events.csv",
        "--record",
        "--as-of",
        as_of,
        "--store",
        "store",
    ];
    swimlane(dir, &args)
}

/// A CSV of events `id,day` on 20 days in a row, the first `first_day`
/// days after 2026-01-01.
fn twenty_days_from(first_day: u64) -> String {
    let mut out = String::from("id,day\n");
    for i in 0..20u64 {
        let day =
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(first_day + i);
        out.push_str(&format!("{i},{day}\n"));
    }
    out
}

/// Regression: a table loaded daily had its date column's `max`, `min`
/// and quantiles judged as they stand: a day later each day, a change
/// point every night, and a load that stopped (the newest day stuck) no
/// anomaly. They are judged by how far they lie behind the as-of date.
#[test]
fn a_table_that_stops_loading_is_flagged_by_how_far_behind_its_dates_lie() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let day = |n: u64| {
        (chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(n)).to_string()
    };
    // The 20 days up to `loaded_to` (days after 2026-01-01).
    let record = |loaded_to: u64, as_of: u64| {
        record_events(dir, twenty_days_from(loaded_to - 19), &day(as_of))
    };
    // Fourteen days loaded up to the day before.
    for n in 30..44 {
        let o = record(n - 1, n);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(!text(&o).contains("change point at run"), "{}", text(&o));
    }
    // The load stops: the fifteenth day finds the fourteenth's data.
    let o = record(42, 44);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("FAIL events.day.max: 2026-02-12 at run")
            && out.contains("is outside [2026-02-13, 2026-02-13] (2 days behind its as-of time, where the previous runs lay 1 day ± 4 × 0 s behind theirs)"),
        "{out}"
    );
    let json = dir.join("audit.json");
    let args = [
        "audit",
        "--store",
        "store",
        "--json",
        json.to_str().unwrap(),
    ];
    assert_eq!(swimlane(dir, &args).status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&fs::read(&json).unwrap()).unwrap();
    let measure = |name: &str| {
        let s = report["series"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name);
        s.unwrap()["measure"].clone()
    };
    assert_eq!(measure("events.day.max"), "behind_as_of");
    assert_eq!(measure("events.id.max"), "value");
    let show = |series: &str| {
        text(&swimlane(
            dir,
            &["history", "show", series, "--store", "store"],
        ))
    };
    let behind = "judged by how far each value lies behind its as-of time";
    assert!(show("events.day.max").contains(behind));
    assert!(!show("events.id.max").contains(behind));

    // The same freshness as a rule of the team's own, over every column:
    // the date column is judged, the number column passed over.
    let check = "hours_behind(max) <= 36";
    let config = format!("[[audit]]\ntable = \"events\"\ncheck = \"{check}\"\n");
    fs::write(dir.join("swimlane.toml"), config).unwrap();
    let audit = |at: &str| {
        let o = swimlane(dir, &["audit", "--store", "store", "--at", at]);
        (o.status.code(), text(&o))
    };
    let (code, out) = audit("2026-02-13");
    assert!(
        out.contains(&format!("ok   audit `{check}` on events.day at run"))
            && out.contains(": 24 <= 36 (36)")
            && !out.contains("events.id at run"),
        "{out}"
    );
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = audit("2026-02-14");
    assert!(
        out.contains(&format!("FAIL audit `{check}` on events.day at run"))
            && out.contains(": 48 <= 36 (36)"),
        "{out}"
    );
    assert_eq!(code, Some(1), "{out}");
}

/// Regression: `history export --csv | head` failed with "cannot use the
/// history store ...: Broken pipe" (exit 2), and `--csv FILE` was refused
/// (only `--out FILE` took the file, where `--json FILE` takes it).
#[test]
fn history_export_takes_its_file_after_csv_and_a_closed_pipe_is_no_error() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let o = record_events(dir, twenty_days_from(0), "2026-01-21");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = swimlane(
        dir,
        &["history", "export", "--csv", "h.csv", "--store", "store"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let csv = fs::read_to_string(dir.join("h.csv")).unwrap();
    assert!(
        csv.starts_with("run,recorded_at,as_of,commit,label,table,column,metric,value,type\n")
            && csv.contains(",events,day,max,20473,date\n"),
        "{csv}"
    );
    let o = swimlane(
        dir,
        &[
            "history",
            "export",
            "--csv",
            "h.csv",
            "--out",
            "other.csv",
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("name two files"), "{}", text(&o));
    // A reader that has gone before the export writes (`| head -0`).
    let mut child = Command::new(BIN)
        .args(["history", "export", "--csv", "--store", "store"])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stderr.is_empty(), "{}", text(&o));
}

/// Regression: a date column's recorded quantiles printed as days since
/// 1970 (`latest 20473`), its spread as a bare number.
#[test]
fn a_date_columns_history_reads_as_dates() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut last = None;
    // Ten steady days, then a day whose dates start a month early.
    for run in 0..11 {
        let first = if run < 10 { 31 } else { 0 };
        let as_of = format!("2026-03-{:02}", run + 1);
        last = Some(record_events(dir, twenty_days_from(first), &as_of));
    }
    let o = last.unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("FAIL events.day.max: 2026-01-20 at run")
            && out.contains("differs from 2026-02-20, the value of every previous run"),
        "{out}"
    );

    let ls = text(&swimlane(dir, &["history", "ls", "--store", "store"]));
    assert!(ls.contains("latest 2026-01-20"), "{ls}");
    // Its spread: 20 days a day apart.
    let std = ls
        .lines()
        .find(|l| l.starts_with("events.day.std"))
        .unwrap();
    assert!(std.ends_with("latest 5.916 days"), "{ls}");
    // Counts of a date column stay numbers.
    let distinct = ls.lines().find(|l| l.starts_with("events.day.distinct"));
    assert!(distinct.unwrap().ends_with("latest 20"), "{ls}");

    let json = dir.join("show.json");
    let args = [
        "history",
        "show",
        "events.day.p50",
        "--store",
        "store",
        "--json",
        json.to_str().unwrap(),
    ];
    let show = text(&swimlane(dir, &args));
    assert!(
        show.contains("2026-02-10 12:00:00")
            && show.contains(
                "ANOMALY: differs from 2026-02-10 12:00:00, the value of every previous run"
            ),
        "{show}"
    );
    let doc: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(doc["unit"], "days since 1970-01-01");
    assert_eq!(doc["points"][0]["value"], 20_494.5);
}

#[test]
fn run_record_keeps_heads_profile_by_commit_and_audits_it() {
    let table = "id,v\n1,a\n2,b\n3,c\n";
    let repo = TestRepo::with_pipeline(table);
    repo.write("README", "v2\n");
    repo.commit("docs");
    let store = repo.side.join("store");
    let store_arg = format!("dir:{}", store.display());
    let args = [
        "run", "--base", "HEAD~1", "--head", "HEAD", "--record", "--store", &store_arg,
    ];
    let head = repo.rev("HEAD");
    for i in 0..11 {
        let r = repo.run(&args);
        assert_eq!(r.code, 0, "run {i}: {}", r.describe());
        assert_eq!(r.json["recorded"]["store"], store_arg.as_str());
        assert!(r.stdout.contains("audit: "), "{}", r.stdout);
    }
    // Head loses two of its three rows: a regression of the run, and an
    // anomaly of plays.row_count against the eleven points before.
    repo.branch_with_table("bug", "id,v\n1,a\n");
    let args = [
        "run", "--base", "main", "--head", "bug", "--record", "--store", &store_arg,
    ];
    let r = repo.run(&args);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert!(
        r.stdout.contains("FAIL plays.row_count: 1 at run")
            && r.stdout
                .contains("differs from 3, the value of every previous run"),
        "{}",
        r.stdout
    );
    let segments = fs::read_dir(&store).unwrap().count();
    assert_eq!(segments, 12);
    // Each point is keyed by head's commit.
    let o = swimlane(
        &repo.side,
        &["history", "show", "plays.row_count", "--store", &store_arg],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown = text(&o);
    assert!(
        shown.contains("ANOMALY: differs from 3, the value of every previous run"),
        "{shown}"
    );
    assert!(
        shown.contains("ok: the value of every previous run") && !shown.contains("2.999999999997"),
        "{shown}"
    );
    assert_eq!(shown.matches(&head[..10]).count(), 11, "{shown}");
    assert!(shown.contains(&repo.rev("bug")[..10]), "{shown}");
}

#[test]
fn an_accepted_level_restarts_the_baseline_and_an_excluded_run_is_shown() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // One column that never changes: only the row count moves.
    let day = |rows: usize| format!("v\n{}", "x\n".repeat(rows));
    let mut runs = Vec::new();
    for i in 0..15 {
        fs::write(dir.join("plays.csv"), day(if i < 12 { 600 } else { 150 })).unwrap();
        let o = swimlane(
            dir,
            &[
                "profile",
                "plays.csv",
                "--record",
                "--store",
                "store",
                "--label",
                "prod",
            ],
        );
        assert_eq!(
            o.status.code(),
            Some(if i < 12 { 0 } else { 1 }),
            "day {i}: {}",
            text(&o)
        );
        let out = text(&o);
        let run = out
            .split("recorded run ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap()
            .to_string();
        runs.push(run);
    }
    let audit = |dir: &Path| swimlane(dir, &["audit", "--store", "store"]);
    assert_eq!(audit(dir).status.code(), Some(1));
    let o = swimlane(
        dir,
        &[
            "history",
            "accept",
            "plays.row_count",
            "--from",
            &runs[12],
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = audit(dir);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("1 with insufficient history"),
        "{}",
        text(&o)
    );
    // Nor is the accepted change a change point, which --strict fails on.
    let o = swimlane(dir, &["audit", "--store", "store", "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = swimlane(
        dir,
        &[
            "history",
            "exclude",
            "nosuchrun",
            "--reason",
            "x",
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no run `nosuchrun`"), "{}", text(&o));
    let o = swimlane(
        dir,
        &[
            "history",
            "exclude",
            &runs[3],
            "--reason",
            "backfill outage",
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = swimlane(
        dir,
        &["history", "show", "plays.row_count", "--store", "store"],
    );
    let shown = text(&o);
    let line = shown.lines().find(|l| l.contains(&runs[3])).unwrap();
    assert!(
        line.contains("prod") && line.contains("excluded: backfill outage"),
        "{line}"
    );
}

const AUDITS: &str = r#"
[history]
store = "dir:store"

[[audit]]
name = "plays volume"
table = "plays"
check = 'row_count >= 0.9 * at(row_count, "-7d")'

[[audit]]
table = "plays"
check = "null_fraction <= 0.05"

[[audit]]
table = "plays"
column = "score"
check = 'p99 between 0.8 * median(p99, last(5)) and 1.25 * median(p99, last(5))'

[[audit]]
table = "plays"
column = "score"
check = 'drift(at("-7d")) < 0.5'
"#;

#[test]
fn configured_audits_print_the_values_they_compared() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("swimlane.toml"), AUDITS).unwrap();
    let record = |day: usize, data: usize| {
        fs::write(dir.join("plays.csv"), plays(data)).unwrap();
        let as_of = format!("2026-03-{:02}", day + 1);
        swimlane(
            dir,
            &["profile", "plays.csv", "--record", "--as-of", &as_of],
        )
    };
    for day in 0..9 {
        let o = record(day, day);
        assert_eq!(o.status.code(), Some(0), "day {day}: {}", text(&o));
    }
    let o = swimlane(dir, &["audit"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("ok   audit `plays volume` on plays at run")
            && out.contains(": 600 >= 540 (0.9 * at(row_count, \"-7d\"))"),
        "{out}"
    );
    for column in ["id", "thumb", "score"] {
        assert!(
            out.contains(&format!(
                "ok   audit `null_fraction <= 0.05` on plays.{column}"
            )),
            "{out}"
        );
    }
    assert!(out.contains("between ["), "{out}");
    assert!(out.contains("drift 0 ± 0.0078125; 0 < 0.5 (0.5)"), "{out}");
    assert!(out.contains("6 checks, 0 failed -> pass"), "{out}");

    // Day 9: a fifth of `thumb` null. The store comes from the config.
    let o = record(9, 35);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("FAIL audit `null_fraction <= 0.05` on plays.thumb at run")
            && out.contains(": 0.2 <= 0.05 (0.05)"),
        "{out}"
    );
    // -q: what failed and the summary, no line per check that passed.
    let o = swimlane(dir, &["audit", "-q"]);
    let quiet = text(&o);
    assert_eq!(o.status.code(), Some(1), "{quiet}");
    assert!(
        quiet.contains("FAIL audit `null_fraction <= 0.05` on plays.thumb at run")
            && quiet.contains("6 checks, 2 failed -> FAIL")
            && !quiet.contains("ok   audit"),
        "{quiet}"
    );
    let json = dir.join("audit.json");
    let o = swimlane(dir, &["audit", "--json", json.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let doc: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let failed: Vec<&Value> = doc["audits"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "fail")
        .collect();
    // The nulls, and the score's distribution: day 35's data has the mean
    // step (+1.5) on top of its day's noise, so the whole histogram moved
    // against day 2's (7 days before).
    let scopes: Vec<&str> = failed
        .iter()
        .map(|a| a["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, ["plays.thumb", "plays.score"], "{doc:#}");
    assert_eq!(failed[1]["evidence"][0], "drift 0.5945 ± 0.0078125");

    // The same audit as Markdown (a PR comment) and JUnit (CI's tests).
    let (md, xml) = (dir.join("audit.md"), dir.join("audit.xml"));
    let o = swimlane(
        dir,
        &[
            "audit",
            "--markdown",
            md.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let md = fs::read_to_string(md).unwrap();
    assert!(md.starts_with("## ❌ swimlane audit: fail\n"), "{md}");
    assert!(
        md.contains("| null_fraction <= 0.05 | `plays.thumb` | fail | 0.2 <= 0.05 (0.05) |"),
        "{md}"
    );
    if let Some(suites) = crate::reports::junit_suites(&xml) {
        // Series: all pass (no anomaly judged yet: 10 points); checks: 6 on
        // day 9 (volume, three columns' nulls, p99, drift), two failing.
        assert!(
            suites.contains("audits tests=6 failures=2 errors=0"),
            "{suites}"
        );
        assert!(
            suites.contains("series tests=25 failures=0 errors=0"),
            "{suites}"
        );
    }
}

#[test]
fn a_malformed_audit_is_located_in_the_config() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(
        dir.join("audits.toml"),
        "[[audit]]\ntable = \"plays\"\ncheck = \"null_fractoin <= 0.01\"\n",
    )
    .unwrap();
    let o = swimlane(
        dir,
        &["audit", "--config", "audits.toml", "--store", "store"],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("audit check: unknown metric `null_fractoin`"),
        "{err}"
    );
    assert!(err.contains("--> audits.toml:3:10"), "{err}");
    assert!(
        err.contains(
            "help: did you mean `null_fraction`? metrics: row_count, duplicate_keys, null_count"
        ),
        "{err}"
    );
    // Recording reads the audits before any table: the config was read
    // after profiling, so a typo surfaced only once a large table had been
    // read (here, the missing table failed instead).
    let o = swimlane(
        dir,
        &[
            "profile",
            "missing.parquet",
            "--record",
            "--config",
            "audits.toml",
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--> audits.toml:3:10"), "{err}");
    assert!(!err.contains("missing.parquet"), "{err}");
    assert!(!dir.join("store").exists());
}

/// What recording must leave alone in a clone: its work tree status, index,
/// HEAD and every ref but refs/swimlane/.
fn untouched(clone: &Path) -> Vec<String> {
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(clone)
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let refs: String = git(&["for-each-ref", "--format=%(refname) %(objectname)"])
        .lines()
        .filter(|l| !l.starts_with("refs/swimlane/"))
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        git(&["status", "--porcelain", "--untracked-files=all"]),
        git(&["symbolic-ref", "HEAD"]),
        git(&["rev-parse", "HEAD"]),
        refs,
        format!("{:?}", fs::read(clone.join(".git/index")).unwrap()),
    ]
}

#[test]
fn a_git_ref_store_is_pushed_from_one_clone_and_read_in_another() {
    let repo = TestRepo::with_pipeline("id,v\n1,a\n");
    let root = repo.side.clone();
    let clone = |name: &str| {
        let dir = root.join(name);
        let o = Command::new("git")
            .args(["clone", "-q"])
            .arg(&repo.dir)
            .arg(&dir)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        dir
    };
    let a = clone("a");
    let data = root.join("plays.csv");
    let before = untouched(&a);
    let store = "git:refs/swimlane/history";
    for day in 0..11 {
        fs::write(&data, plays(day)).unwrap();
        let as_of = format!("2026-04-{:02}", day + 1);
        let o = swimlane(
            &a,
            &[
                "profile",
                data.to_str().unwrap(),
                "--record",
                "--as-of",
                &as_of,
                "--store",
                store,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "day {day}: {}", text(&o));
        assert!(
            text(&o).contains("in git:refs/swimlane/history:segments/"),
            "{}",
            text(&o)
        );
    }
    // Two recorders at once on the same ref: the ref moves by
    // compare-and-swap, so both points land.
    let (x, y) = std::thread::scope(|s| {
        let run = |day: &'static str| {
            let a = &a;
            let data = &data;
            s.spawn(move || {
                Command::new(BIN)
                    .args([
                        "profile",
                        data.to_str().unwrap(),
                        "--name",
                        "plays",
                        "--record",
                    ])
                    .args(["--as-of", day, "--store", store])
                    .current_dir(a)
                    .env("SWIMLANE_DATA_DIR", a.join("unused"))
                    .output()
                    .unwrap()
            })
        };
        let (x, y) = (run("2026-04-20"), run("2026-04-21"));
        (x.join().unwrap(), y.join().unwrap())
    });
    assert!(x.status.code().is_some_and(|c| c < 2), "{}", text(&x));
    assert!(y.status.code().is_some_and(|c| c < 2), "{}", text(&y));
    assert_eq!(untouched(&a), before, "recording changed the clone");

    let o = Command::new("git")
        .args(["push", "-q", "origin", "refs/swimlane/history"])
        .current_dir(&a)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let b = clone("b");
    let o = Command::new("git")
        .args([
            "fetch",
            "-q",
            "origin",
            "refs/swimlane/history:refs/swimlane/history",
        ])
        .current_dir(&b)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let ls = text(&swimlane(&b, &["history", "ls", "--store", store]));
    let line = ls
        .lines()
        .find(|l| l.starts_with("plays.row_count "))
        .unwrap_or_else(|| panic!("{ls}"));
    assert!(line.contains(" 13 points"), "{line}");
    let o = swimlane(&b, &["audit", "--store", store]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // A ref outside refs/swimlane/ is refused.
    let o = swimlane(&b, &["history", "ls", "--store", "git:refs/heads/main"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("only refs under refs/swimlane/"),
        "{}",
        text(&o)
    );
}

#[test]
fn an_override_lets_a_series_move_one_way() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    // Row counts may fall (a filter upstream), never rise.
    fs::write(
        dir.join("swimlane.toml"),
        "[history]\nstore = \"dir:store\"\n\n[[history.override]]\nseries = \"*.row_count\"\ndirection = \"up\"\n",
    )
    .unwrap();
    let day = |rows: usize| format!("v\n{}", "x\n".repeat(rows));
    let mut codes = Vec::new();
    for rows in [600; 12].into_iter().chain([150, 1200]) {
        fs::write(dir.join("plays.csv"), day(rows)).unwrap();
        let o = swimlane(dir, &["profile", "plays.csv", "--record"]);
        codes.push(o.status.code().unwrap());
    }
    // The drop to 150 passes; the rise to 1200 fails.
    assert_eq!(codes[12], 0, "{codes:?}");
    assert_eq!(codes[13], 1, "{codes:?}");
}

#[test]
fn malformed_audit_checks_are_located_with_a_caret() {
    let cases = [
        ("audit_unknown_metric", "null_fractoin <= 0.01"),
        ("audit_single_equals", "null_fraction = 0.01"),
        (
            "audit_between_without_and",
            "p99 between 0.8 * median(p99, last(10))",
        ),
        ("audit_unknown_function", "mean(p99, last(3)) < 1"),
        (
            "audit_bad_offset",
            "row_count >= 0.9 * at(row_count, \"-7 days\")",
        ),
        ("audit_point_as_value", "p99 < at(\"-7d\")"),
        ("audit_unclosed_quote", "row_count >= at(row_count, \"-7d)"),
        ("audit_trailing_text", "row_count > 0 row_count"),
    ];
    for (name, check) in cases {
        let d = tempfile::tempdir().unwrap();
        let config = format!("[[audit]]\ntable = \"plays\"\ncheck = '{check}'\n");
        fs::write(d.path().join("swimlane.toml"), config).unwrap();
        let o = swimlane(d.path(), &["audit", "--store", "store"]);
        assert_eq!(o.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(stderr.contains("--> swimlane.toml:3:"), "{name}: {stderr}");
        insta::assert_snapshot!(name, stderr);
    }
}

#[test]
fn a_locked_history_ref_is_waited_for_not_an_error() {
    // A second recorder found the ref's lock held by the first and failed
    // (CI, two recorders at once); it now waits for the lock.
    let repo = TestRepo::with_pipeline("id,v\n1,a\n");
    let data = repo.side.join("plays.csv");
    fs::write(&data, plays(0)).unwrap();
    let store = "git:refs/swimlane/history";
    let args = [
        "profile",
        data.to_str().unwrap(),
        "--record",
        "--store",
        store,
    ];
    let o = swimlane(&repo.dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let lock = repo.dir.join(".git/refs/swimlane/history.lock");
    fs::write(&lock, "").unwrap();
    let (o, waited) = std::thread::scope(|s| {
        let recorder = s.spawn(|| swimlane(&repo.dir, &args));
        std::thread::sleep(std::time::Duration::from_millis(500));
        let waited = !recorder.is_finished();
        fs::remove_file(&lock).unwrap();
        (recorder.join().unwrap(), waited)
    });
    assert!(
        waited,
        "the recorder did not wait for the lock: {}",
        text(&o)
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ls = text(&swimlane(&repo.dir, &["history", "ls", "--store", store]));
    assert!(
        ls.lines()
            .any(|l| l.starts_with("plays.row_count ") && l.contains(" 2 points")),
        "{ls}"
    );
}

#[test]
fn a_directory_of_tables_is_profiled_table_by_table() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::create_dir_all(dir.join("out/events")).unwrap();
    fs::write(dir.join("out/plays.csv"), plays(0)).unwrap();
    fs::write(dir.join("out/events/part-0.csv"), "k,v\n1,a\n2,b\n").unwrap();
    fs::write(dir.join("out/events/part-1.csv"), "k,v\n3,c\n").unwrap();
    let o = swimlane(dir, &["profile", "out", "--record", "--store", "store"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let ls = text(&swimlane(dir, &["history", "ls", "--store", "store"]));
    let rows = |t: &str| {
        ls.lines()
            .find(|l| l.starts_with(&format!("{t}.row_count ")))
            .unwrap_or_else(|| panic!("{ls}"))
            .to_string()
    };
    assert!(rows("plays").ends_with("latest 600"), "{ls}");
    assert!(rows("events").ends_with("latest 3"), "{ls}");
    let o = swimlane(dir, &["profile", "out", "--name", "x"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn profiling_a_directory_names_what_it_did_not_profile_and_an_empty_one_is_an_error() {
    // `profile DIR` of an empty directory exited 0 having profiled
    // nothing; a partitioned table beside others was left out of history
    // without a word.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::create_dir_all(dir.join("empty")).unwrap();
    let o = swimlane(dir, &["profile", "empty", "--record", "--store", "store"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("error: no tables found in empty"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("store").exists());
    fs::create_dir_all(dir.join("out")).unwrap();
    fs::write(dir.join("out/plays.csv"), plays(0)).unwrap();
    // A partitioned table is profiled, its partition a column; a layout
    // that is no table is named.
    for t in ["daily", "mixed"] {
        fs::create_dir_all(dir.join(format!("out/{t}/date=2026-01-01"))).unwrap();
        fs::write(
            dir.join(format!("out/{t}/date=2026-01-01/part-0.csv")),
            "n\n1\n",
        )
        .unwrap();
    }
    fs::create_dir_all(dir.join("out/mixed/notes")).unwrap();
    fs::write(dir.join("out/mixed/notes/x.csv"), "x\n1\n").unwrap();
    let o = swimlane(dir, &["profile", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("mixed not profiled: its partition directories (`date=2026-01-01`)")
            && text(&o).contains("daily: 1 rows, 2 columns"),
        "{}",
        text(&o)
    );
}

#[test]
fn profile_reads_semicolon_and_tab_delimited_files() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("t.csv"), "id;v\n1;a\n2;b\n").unwrap();
    fs::write(dir.join("t.tsv"), "id\tv\n1\ta\n2\tb\n").unwrap();
    fs::write(dir.join("t.txt"), "id,v\n1,a\n").unwrap();
    // Its help names the flag `profile` takes, not a config's setting.
    let o = swimlane(dir, &["profile", "t.csv"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("help: the file looks delimited by `;`: pass --delimiter ';'"),
        "{}",
        text(&o)
    );
    for (args, rows) in [
        (&["profile", "t.csv", "--delimiter", ";"][..], 2),
        (&["profile", "t.tsv"], 2),
        (&["profile", "t.txt", "--format", "csv"], 1),
    ] {
        let o = swimlane(dir, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        let shape = format!("t: {rows} rows, 2 columns");
        assert!(text(&o).contains(&shape), "{args:?}: {}", text(&o));
    }
}

#[test]
fn profile_json_holds_the_profiles_not_only_row_counts() {
    // `profile --json` promised the profiles and wrote each table's name
    // and row count only.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(
        dir.join("t.csv"),
        "id,day,v,s\n1,2024-01-01,1.5,a\n2,2024-01-03,2.5,\n3,,3.5,a\n",
    )
    .unwrap();
    let o = swimlane(dir, &["profile", "t.csv", "--json", "p.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let doc: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("p.json")).unwrap()).unwrap();
    let t = &doc["tables"][0];
    assert_eq!(
        (t["name"].as_str(), t["row_count"].as_u64()),
        (Some("t"), Some(3)),
        "{t}"
    );
    let column = |name: &str| crate::support::column(t, name);
    let v = column("v");
    assert_eq!(
        (v["min"].as_f64(), v["max"].as_f64()),
        (Some(1.5), Some(3.5)),
        "{v}"
    );
    assert_eq!(v["p50"].as_f64(), Some(2.5), "{v}");
    // A CSV column of ISO dates is profiled as dates (days since 1970).
    let day = column("day");
    assert_eq!(day["type"], "date", "{day}");
    assert_eq!(
        (day["min"].as_f64(), day["max"].as_f64()),
        (Some(19_723.0), Some(19_725.0)),
        "{day}"
    );
    assert_eq!(day["null_count"], 1, "{day}");
    let s = column("s");
    assert_eq!(s["top"][0]["value"], "a", "{s}");
    assert_eq!(s["top"][0]["count"], 2, "{s}");
}

/// Day `day` of a `plays` table whose only movements are the ones the
/// dashboard should flag: `thumb` 1% null until day 30, then 20% (its
/// `null_count` and `null_fraction`); `score` steady at 0..599 (its `max`
/// crosses the configured audit bound `max <= 590` every day).
fn steady_plays(day: usize) -> String {
    let null_every = if day < 30 { 100 } else { 5 };
    let mut out = String::from("id,thumb,score\n");
    for i in 0..600 {
        let thumb = if i % null_every == 0 { "" } else { "up" };
        out.push_str(&format!("{i},{thumb},{}\n", (i * 7) % 600));
    }
    out
}

/// The figure of `series` on a dashboard page.
fn panel<'a>(html: &'a str, series: &str) -> &'a str {
    html.split(&format!("<h3>{series}</h3>"))
        .nth(1)
        .unwrap_or_else(|| panic!("no panel of {series}"))
        .split("</figure>")
        .next()
        .unwrap()
}

#[test]
fn the_dashboard_of_forty_five_runs_renders_its_flagged_series_first() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut runs = Vec::new();
    for day in 0..45 {
        fs::write(dir.join("plays.csv"), steady_plays(day)).unwrap();
        let as_of = format!("2026-{:02}-{:02}", 1 + day / 28, 1 + day % 28);
        let o = record_as_of(dir, &as_of);
        assert!(o.status.code() == Some(0) || day >= 30, "{}", text(&o));
        let out = text(&o);
        let run = out
            .split("recorded run ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .unwrap_or_else(|| panic!("no run id in {out}"))
            .to_string();
        runs.push(run);
    }
    let o = swimlane(
        dir,
        &[
            "history", "exclude", &runs[12], "--reason", "backfill", "--store", "store",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    fs::write(
        dir.join("audits.toml"),
        "[[audit]]\nname = \"score ceiling\"\ntable = \"plays\"\ncolumn = \"score\"\ncheck = \"max <= 590\"\n",
    )
    .unwrap();
    let page = dir.join("history.html");
    let o = swimlane(
        dir,
        &[
            "history",
            "report",
            "--html",
            page.to_str().unwrap(),
            "--store",
            "store",
            "--config",
            "audits.toml",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // 2 table metrics, 10 per numeric column (id, score), 4 for thumb.
    assert!(
        text(&o).contains("3 flagged of 26 series, 45 runs over 30 weeks"),
        "{}",
        text(&o)
    );
    let html = fs::read_to_string(&page).unwrap();
    let flagged: Vec<&str> = html
        .split("<figure class=\"panel flagged\"><h3>")
        .skip(1)
        .map(|s| s.split('<').next().unwrap())
        .collect();
    assert_eq!(
        flagged,
        [
            "plays.score.max",
            "plays.thumb.null_count",
            "plays.thumb.null_fraction"
        ]
    );
    // Flagged first: the three panels come before any other.
    let first_plain = html.find("<figure class=\"panel\">").unwrap();
    assert!(html.rfind("panel flagged").unwrap() < first_plain);
    // The null fraction's jump: 15 anomalies (flagged points stay out of
    // the baseline) and a change point at day 30, labelled by its date.
    let thumb = panel(&html, "plays.thumb.null_fraction");
    assert_eq!(thumb.matches("class=\"an\"").count(), 15, "{thumb}");
    assert!(thumb.contains("class=\"cp\""), "{thumb}");
    assert!(thumb.contains(">+1900.0% 2026-02-03<"), "{thumb}");
    // The excluded run, greyed in every series.
    assert_eq!(html.matches("class=\"ex\"").count(), 26);
    // The audit's bound on score's max, and score's latest histogram over
    // its baseline's (from the sketches): the only numeric series flagged.
    let score = panel(&html, "plays.score.max");
    assert!(
        score.contains("class=\"bound\"") && score.contains("upper bound of score ceiling"),
        "{score}"
    );
    assert!(score.contains("<svg class=\"overlay\""), "{score}");
    assert!(score.contains("its baseline (40 runs)"), "{score}");

    // --only-flagged and --table.
    let only = dir.join("only.html");
    let o = swimlane(
        dir,
        &[
            "history",
            "report",
            "--html",
            only.to_str().unwrap(),
            "--store",
            "store",
            "--only-flagged",
            "--table",
            "plays",
            "--weeks",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let only_html = fs::read_to_string(&only).unwrap();
    assert!(only_html.contains("flagged series only (24 others left out)"));
    assert_eq!(only_html.matches("<figure").count(), 2, "{only_html}");
    let o = swimlane(
        dir,
        &[
            "history", "report", "--html", "x.html", "--store", "store", "--table", "play",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("no table `play` in the store") && text(&o).contains("plays"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("x.html").exists());

    // A level accepted from day 30 on: a green rule there, and its
    // anomalies gone (the change point stays, so it is still flagged).
    let o = swimlane(
        dir,
        &[
            "history",
            "accept",
            "plays.thumb.null_fraction",
            "--from",
            &runs[30],
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let accepted = dir.join("accepted.html");
    let o = swimlane(
        dir,
        &[
            "history",
            "report",
            "--html",
            accepted.to_str().unwrap(),
            "--store",
            "store",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let accepted_html = fs::read_to_string(&accepted).unwrap();
    let thumb = panel(&accepted_html, "plays.thumb.null_fraction");
    assert_eq!(thumb.matches("class=\"acc\"").count(), 1, "{thumb}");
    assert!(thumb.contains(">accepted<"), "{thumb}");
    assert_eq!(thumb.matches("class=\"an\"").count(), 0, "{thumb}");

    let Some(rendered) = crate::reports::render_in_chromium(&page, (1400, 1800)) else {
        return;
    };
    assert_eq!(
        rendered.dom.matches("<svg").count(),
        27,
        "26 small multiples and one overlay"
    );
    rendered.assert_drawn();
    if let Some(dest) = std::env::var_os("SWIMLANE_DASHBOARD_SCREENSHOT") {
        fs::copy(&rendered.shot, dest).unwrap();
    }
}

/// A repository whose config places head in main's history, with `runs`
/// points recorded on main (3 rows each) and one recorded on another
/// branch (100 rows), which is not main's history.
fn repo_with_mains_history(store: &str, runs: usize) -> TestRepo {
    let repo = TestRepo::with_pipeline("id,v\n1,a\n2,b\n3,c\n");
    repo.write(
        "swimlane.toml",
        &format!(
            "{}\n[history]\nhistory_gate = \"warn\"\n",
            crate::support::CONFIG
        ),
    );
    repo.commit("history");
    repo.write("README", "v2\n");
    repo.commit("docs");
    for i in 0..runs {
        let r = repo.run(&[
            "run", "--base", "HEAD~1", "--head", "HEAD", "--record", "--store", store,
        ]);
        assert_eq!(r.code, 0, "run {i}: {}", r.describe());
    }
    let many: String = (0..100).map(|i| format!("{i},x\n")).collect();
    repo.branch_with_table("experiment", &format!("id,v\n{many}"));
    let r = repo.run(&[
        "run",
        "--base",
        "main",
        "--head",
        "experiment",
        "--record",
        "--store",
        store,
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());
    repo
}

#[test]
fn a_head_that_passes_against_base_is_flagged_against_mains_history() {
    let repo_store = tempfile::tempdir().unwrap();
    let store = format!("dir:{}", repo_store.path().join("store").display());
    let repo = repo_with_mains_history(&store, 11);
    // A bug merged into main without a recorded run; a pull request from
    // there changes nothing in the data: base and head agree.
    repo.write("table.csv", "id,v\n1,a\n");
    repo.commit("the bug, merged");
    repo.branch_with_file("pr", "NOTES.md", "notes\n");
    let markdown = repo.side.join("report.md");
    let junit = repo.side.join("report.xml");
    let html = repo.side.join("report.html");
    let r = repo.run(&[
        "run",
        "--base",
        "main",
        "--head",
        "pr",
        "--store",
        &store,
        "--markdown",
        markdown.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
        "--html",
        html.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "history_gate = warn: {}", r.describe());
    assert_eq!(r.json["verdict"], "pass");
    let h = &r.json["history"];
    // Main's 11 runs; the experiment branch's point is not main's.
    assert_eq!(h["runs"], 11, "{h:#}");
    assert_eq!(h["gate"], "warn");
    let findings = h["findings"].as_array().unwrap();
    let row_count = findings
        .iter()
        .find(|f| f["series"] == "plays.row_count")
        .unwrap_or_else(|| panic!("{h:#}"));
    assert_eq!(row_count["value"], 1.0);
    assert_eq!(row_count["center"], 3.0);
    assert_eq!(row_count["baseline_runs"], 11);
    let message = "`plays.row_count` 1 is below 3, the value of every one of main's last 11 runs";
    assert_eq!(row_count["message"], message);
    assert_eq!(row_count["recent"].as_array().unwrap().len(), 12);
    assert!(r.stdout.contains(message), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("history: head against the base branch's history")
            && r.stdout.contains("reported, the verdict unchanged"),
        "{}",
        r.stdout
    );
    let md = fs::read_to_string(&markdown).unwrap();
    assert!(
        md.contains(
            "⚠️ `plays.row_count` 1 is below 3, the value of every one of main's last 11 runs"
        ),
        "{md}"
    );
    assert!(md.contains("`███████████▁`"), "{md}");
    let xml = fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("testsuite name=\"history\""), "{xml}");
    // The HTML report: each finding's small multiple, head marked after
    // main's points.
    let page = fs::read_to_string(&html).unwrap();
    let panels = page.matches("<svg class=\"series\"").count();
    assert_eq!(panels, findings.len(), "one small multiple per finding");
    assert_eq!(
        page.matches("<circle class=\"hd\"").count(),
        findings.len(),
        "head's point is marked in each"
    );
    assert!(page.contains("this pull request's head"));

    // The same pull request with history_gate = "regression": exit 1.
    repo.write(
        "gate.toml",
        &format!(
            "{}\n[history]\nhistory_gate = \"regression\"\n",
            crate::support::CONFIG
        ),
    );
    let r = repo.run(&[
        "run",
        "--config",
        "gate.toml",
        "--base",
        "main",
        "--head",
        "pr",
        "--store",
        &store,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.describe());
    assert_eq!(r.json["verdict"], "regression");
    assert_eq!(r.json["history"]["regression"], true);
    assert!(r.stdout.contains("a regression)"), "{}", r.stdout);
    if let Some(suites) = crate::reports::junit_suites(&junit) {
        assert!(suites.contains("history tests="), "{suites}");
        let line = suites.lines().find(|l| l.starts_with("history ")).unwrap();
        assert!(!line.ends_with("failures=0 errors=0"), "{line}");
    }
}

#[test]
fn without_recorded_history_the_run_says_so_and_passes() {
    let repo_store = tempfile::tempdir().unwrap();
    let store = format!("dir:{}", repo_store.path().join("store").display());
    let repo = TestRepo::with_pipeline("id,v\n1,a\n");
    repo.write(
        "swimlane.toml",
        &format!("{}\n[history]\n", crate::support::CONFIG),
    );
    repo.commit("history");
    repo.branch_with_file("pr", "NOTES.md", "notes\n");
    let r = repo.run(&["run", "--base", "main", "--head", "pr", "--store", &store]);
    assert_eq!(r.code, 0, "{}", r.describe());
    assert!(r.json["history"].is_null());
    assert!(
        r.stdout
            .contains("no run of the base branch is recorded in"),
        "{}",
        r.stdout
    );
}

#[test]
fn retain_drops_points_older_than_it_when_a_point_is_recorded() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("plays.csv"), plays(0)).unwrap();
    fs::write(dir.join("h.toml"), "[history]\nretain = \"30d\"\n").unwrap();
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let record = |as_of: &str| {
        let o = swimlane(
            dir,
            &[
                "profile",
                "plays.csv",
                "--record",
                "--as-of",
                as_of,
                "--store",
                "store",
                "--config",
                "h.toml",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        text(&o)
    };
    // Recorded as backfills, then today's point: the old ones go.
    let first = record("2025-01-01");
    assert!(
        !first.contains("retain: "),
        "the point just recorded stays: {first}"
    );
    let second = record("2025-06-01");
    assert!(second.contains("dropped"), "the first is dropped: {second}");
    let out = record(&today);
    assert!(out.contains("dropped from dir:store"), "{out}");
    let o = swimlane(dir, &["history", "ls", "--store", "store"]);
    assert!(
        text(&o).contains("plays.row_count") && text(&o).contains("    1 points"),
        "{}",
        text(&o)
    );
    // Without retain nothing is dropped.
    record_as_of(dir, "2025-01-01");
    let o = swimlane(dir, &["history", "ls", "--store", "store"]);
    assert!(text(&o).contains("    2 points"), "{}", text(&o));
}

/// Regression: auditing a store with nothing in it (a store named wrong, a
/// git ref a CI job never fetched) passed: `0 series ... -> pass`, exit 0.
#[test]
fn auditing_an_empty_store_is_an_error_not_a_pass() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let o = swimlane(dir, &["audit", "--store", "nothing-here"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("error: the store dir:nothing-here holds no recorded point: nothing to audit"),
        "{err}"
    );
    assert!(err.contains("check --store or `[history] store`"), "{err}");
    // A git-ref store says to fetch the ref.
    let repo = TestRepo::empty();
    let o = swimlane(
        &repo.dir,
        &["audit", "--store", "git:refs/swimlane/history"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("git fetch origin refs/swimlane/history:refs/swimlane/history"),
        "{err}"
    );
    // Listing one, or drawing it, is no error, but says so.
    for args in [
        &["history", "ls", "--store", "nothing-here"][..],
        &[
            "history",
            "report",
            "--html",
            "h.html",
            "--store",
            "nothing-here",
        ],
    ] {
        let o = swimlane(dir, args);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("holds no recorded point"),
            "{}",
            text(&o)
        );
    }
    // Compacting one was "compacted 0 segments into one".
    let o = swimlane(dir, &["history", "compact", "--store", "nothing-here"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("nothing to compact: the store dir:nothing-here holds no segment"),
        "{}",
        text(&o)
    );
    assert!(!dir.join("nothing-here").exists(), "a store was made");
}

/// Regression: production's points (`--label prod`) and a CI run's,
/// recorded into one store under one table name, were one series: the
/// first CI point after eleven days of production failed as an anomaly
/// (10 rows against 600), and nothing said why.
#[test]
fn points_of_two_labels_are_judged_apart() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let table = |rows: usize| format!("v\n{}", "x\n".repeat(rows));
    let record = |label: Option<&str>| {
        let mut args = vec!["profile", "plays.csv", "--record", "--store", "store"];
        args.extend(label.map(|l| ["--label", l]).into_iter().flatten());
        swimlane(dir, &args)
    };
    for day in 0..11 {
        fs::write(dir.join("plays.csv"), table(600)).unwrap();
        let o = record(Some("prod"));
        assert_eq!(o.status.code(), Some(0), "day {day}: {}", text(&o));
    }
    // A CI run's outputs, recorded without a label: judged among its own.
    fs::write(dir.join("plays.csv"), table(10)).unwrap();
    let o = record(None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("insufficient history"), "{}", text(&o));
    // Every point at once is one level broken, and the audit says why.
    let o = swimlane(dir, &["audit", "--store", "store"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("note: `plays` has points recorded under no label and `prod`"),
        "{err}"
    );
    assert!(err.contains("swimlane audit --label L"), "{err}");
    // Production alone passes; a label never recorded is an error.
    let o = swimlane(dir, &["audit", "--store", "store", "--label", "prod"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("note:"),
        "{}",
        text(&o)
    );
    let o = swimlane(dir, &["audit", "--store", "store", "--label", "staging"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("holds no point recorded under the label `staging`"),
        "{}",
        text(&o)
    );
    // The views judge as the audit does: production's series alone.
    let o = swimlane(
        dir,
        &[
            "history",
            "show",
            "plays.row_count",
            "--store",
            "store",
            "--label",
            "prod",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let shown = text(&o);
    assert_eq!(shown.matches("prod ").count(), 11, "{shown}");
    assert!(!shown.contains("ANOMALY"), "{shown}");
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("note:"),
        "{shown}"
    );
    // Without --label the view shows both kinds as one series, and says so.
    let o = swimlane(
        dir,
        &["history", "show", "plays.row_count", "--store", "store"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("note: `plays` has points recorded under no label and `prod`: its series show them as one"),
        "{err}"
    );
    let o = swimlane(
        dir,
        &["history", "ls", "--store", "store", "--label", "prod"],
    );
    assert!(
        text(&o).contains("plays.row_count") && text(&o).contains("11 points"),
        "{}",
        text(&o)
    );
    let o = swimlane(
        dir,
        &["history", "ls", "--store", "store", "--label", "staging"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

/// `profile -q`: a nightly job's log holds the point recorded and its
/// audit, not every column of every table.
#[test]
fn a_quiet_profile_prints_only_the_point_recorded_and_its_audit() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    fs::write(dir.join("plays.csv"), plays(0)).unwrap();
    let o = swimlane(
        dir,
        &["profile", "plays.csv", "-q", "--record", "--store", "store"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("recorded run "), "{out}");
    assert!(lines.last().unwrap().starts_with("audit: "), "{out}");
    assert!(!out.contains("plays: 600 rows"), "{out}");
    // Without -q the profile is printed; with it and no recording, nothing.
    let o = swimlane(dir, &["profile", "plays.csv"]);
    assert!(
        text(&o).contains("plays: 600 rows, 3 columns"),
        "{}",
        text(&o)
    );
    let o = swimlane(dir, &["profile", "plays.csv", "-q"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(o.stdout.is_empty(), "{}", text(&o));
}

#[test]
fn profile_reads_a_glob_with_wildcard_directories_and_names_it_by_its_directory() {
    // `profile 'plays/*/*.csv'` looked for a directory named `*` ("no
    // output file matches"), and a glob's table was named `table`, so two
    // globbed tables recorded into one store were one series.
    let d = tempfile::tempdir().unwrap();
    for day in ["2026-01-01", "2026-01-02"] {
        let part = d.path().join(format!("plays/date={day}"));
        fs::create_dir_all(&part).unwrap();
        fs::write(part.join("part-0.csv"), "id,v\n1,2\n2,3\n").unwrap();
    }
    let out = swimlane(d.path(), &["profile", "plays/*/*.csv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The partition directories' `date` is a column, typed as a date.
    assert!(text.starts_with("plays: 4 rows, 3 columns"), "{text}");
    assert!(text.contains("\n  date                 date "), "{text}");
}
