//! `swimlane sample`: the predicate to paste into Spark, and sampled copies.
//! (That the hash equals Spark's is `spark::key_hashes_...` against a live
//! server.)

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::BIN;
use crate::support::output_text as out;

fn swimlane(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn the_predicate_names_the_function_the_key_and_the_buckets() {
    let d = tempfile::tempdir().unwrap();
    let o = swimlane(
        d.path(),
        &["sample", "sql", "--key", "profile_id", "--rate", "0.01"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "pmod(xxhash64(`profile_id`), 10000) < 100\n"
    );
    let o = swimlane(
        d.path(),
        &[
            "sample",
            "sql",
            "--key",
            "a",
            "--key",
            "b",
            "--rate",
            "0.25",
            "--hash",
            "spark-hash",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "pmod(hash(`a`, `b`), 10000) < 2500\n"
    );
}

#[test]
fn a_sampled_copy_keeps_about_the_rate_and_the_same_rows_every_time() {
    let d = tempfile::tempdir().unwrap();
    let mut csv = String::from("id,name\n");
    for i in 0..20_000 {
        csv.push_str(&format!("{i},m{}\n", i % 977));
    }
    fs::write(d.path().join("t.csv"), csv).unwrap();
    let run = |out_name: &str| {
        swimlane(
            d.path(),
            &[
                "sample", "apply", "t.csv", out_name, "--key", "id", "--rate", "0.1",
            ],
        )
    };
    let (a, b) = (run("a.csv"), run("b.parquet"));
    assert_eq!(a.status.code(), Some(0), "{}", out(&a));
    assert_eq!(b.status.code(), Some(0), "{}", out(&b));
    let kept: usize = out(&a).split_whitespace().nth(1).unwrap().parse().unwrap();
    // 10% of 20,000 keys, within five standard deviations.
    assert!((1_800..=2_200).contains(&kept), "{}", out(&a));
    assert_eq!(
        out(&a).replace("a.csv", ""),
        out(&b).replace("b.parquet", "")
    );
    let lines = fs::read_to_string(d.path().join("a.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, kept + 1);
}

#[test]
fn a_csv_date_key_samples_the_rows_a_parquet_date_key_does() {
    // A CSV column of ISO dates was text, so its key hashed as a string,
    // not as the DATE Spark and a Parquet file hold: another subset.
    use polars::prelude::*;
    let d = tempfile::tempdir().unwrap();
    let days: Vec<i32> = (0..2_000).map(|i| 19_000 + i).collect();
    let mut csv = String::from("day,v\n");
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    for (i, &day) in days.iter().enumerate() {
        let date = epoch + chrono::Duration::days(i64::from(day));
        csv.push_str(&format!("{date},{i}\n"));
    }
    fs::write(d.path().join("t.csv"), csv).unwrap();
    let day = Series::new("day".into(), &days)
        .cast(&DataType::Date)
        .unwrap();
    let v = Series::new("v".into(), (0..2_000i64).collect::<Vec<_>>());
    let mut df = DataFrame::new(2_000, vec![day.into(), v.into()]).unwrap();
    let file = fs::File::create(d.path().join("t.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    for (input, output) in [("t.csv", "s.csv"), ("t.parquet", "s.parquet")] {
        let o = swimlane(
            d.path(),
            &[
                "sample", "apply", input, output, "--key", "day", "--rate", "0.3",
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    }
    let from_csv: Vec<i64> = fs::read_to_string(d.path().join("s.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let file = fs::File::open(d.path().join("s.parquet")).unwrap();
    let sampled = ParquetReader::new(file).finish().unwrap();
    let from_parquet: Vec<i64> = sampled
        .column("v")
        .unwrap()
        .i64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!((400..=800).contains(&from_csv.len()), "{}", from_csv.len());
    assert_eq!(from_csv, from_parquet);
}

#[test]
fn bad_samples_are_errors_that_say_what_to_fix() {
    let d = tempfile::tempdir().unwrap();
    fs::write(d.path().join("t.csv"), "id,name\n1,a\n").unwrap();
    let o = swimlane(d.path(), &["sample", "sql", "--key", "id", "--rate", "1.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        out(&o).contains("rate 1.5 is not in (0, 1]") && out(&o).contains("0.01"),
        "{}",
        out(&o)
    );
    let o = swimlane(
        d.path(),
        &[
            "sample", "apply", "t.csv", "s.csv", "--key", "user_id", "--rate", "0.5",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        out(&o).contains("key column `user_id` is not in t.csv"),
        "{}",
        out(&o)
    );
    // Was "check --key against the file's columns", without them.
    assert!(
        out(&o).contains("help: its columns: id, name"),
        "{}",
        out(&o)
    );
    assert!(!d.path().join("s.csv").exists());
    // A key one edit away from a column: the column meant, in each format.
    fs::write(d.path().join("j.ndjson"), "{\"id\": 1, \"name\": \"a\"}\n").unwrap();
    for file in ["t.csv", "j.ndjson"] {
        let o = swimlane(
            d.path(),
            &[
                "sample",
                "apply",
                file,
                "s.out.csv",
                "--key",
                "idd",
                "--rate",
                "0.5",
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(
            out(&o).contains("help: did you mean `id`? its columns: id, name"),
            "{}",
            out(&o)
        );
    }
    let o = swimlane(d.path(), &["profile", "t.csv", "--key", "idd"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        out(&o).contains("help: did you mean `id`? its columns: id, name"),
        "{}",
        out(&o)
    );
    // A key type Spark's hashes are not reproduced for: named, with what
    // types are.
    fs::write(d.path().join("n.ndjson"), "{\"tags\": [1, 2], \"id\": 1}\n").unwrap();
    let o = swimlane(
        d.path(),
        &[
            "sample", "apply", "n.ndjson", "s.ndjson", "--key", "tags", "--rate", "0.5",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let text = out(&o);
    assert!(
        text.contains("in n.ndjson") && text.contains("key column `tags` is list[i64]"),
        "{text}"
    );
    assert!(text.contains("sample on integer, string, date"), "{text}");
    assert!(!d.path().join("s.ndjson").exists());
}

#[test]
fn apply_never_writes_over_its_input_and_keeps_an_existing_output_when_it_fails() {
    // `sample apply t.csv t.csv` truncated its input to write the sample,
    // failed to read it, then removed the file: the table was gone.
    let d = tempfile::tempdir().unwrap();
    let table = "id,name\n1,a\n2,b\n";
    fs::write(d.path().join("t.csv"), table).unwrap();
    for output in ["t.csv", "./t.csv"] {
        let o = swimlane(
            d.path(),
            &[
                "sample", "apply", "t.csv", output, "--key", "id", "--rate", "0.5",
            ],
        );
        assert_eq!(o.status.code(), Some(2));
        assert!(out(&o).contains("is the input file"), "{}", out(&o));
        assert_eq!(fs::read_to_string(d.path().join("t.csv")).unwrap(), table);
    }
    // A sample that fails leaves a file already at the output as it was,
    // and no temporary file beside it.
    fs::write(d.path().join("s.csv"), "kept").unwrap();
    let o = swimlane(
        d.path(),
        &[
            "sample", "apply", "t.csv", "s.csv", "--key", "nope", "--rate", "0.5",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(fs::read_to_string(d.path().join("s.csv")).unwrap(), "kept");
    let mut names: Vec<String> = fs::read_dir(d.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["s.csv", "t.csv"]);
    // One that succeeds replaces it.
    let o = swimlane(
        d.path(),
        &[
            "sample", "apply", "t.csv", "s.csv", "--key", "id", "--rate", "1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(fs::read_to_string(d.path().join("s.csv")).unwrap(), table);
}

/// A full table of `n` keyed rows, and head with exactly `changed` rows
/// changed (one value each), `missing` rows gone and `extra` rows new:
/// the truth the sample's estimates are judged against.
fn truth_pair(dir: &Path, n: i64, changed: i64, missing: i64, extra: i64) {
    use polars::prelude::*;
    let ids: Vec<i64> = (0..n).collect();
    let amount: Vec<f64> = ids.iter().map(|&i| (i % 1000) as f64 / 10.0).collect();
    let mut base = df!("id" => &ids, "amount" => &amount).unwrap();
    // Head: the first `missing` ids gone, the next `changed` ids changed,
    // `extra` new ids at the end (the hash, not the order, picks the sample).
    let head_ids: Vec<i64> = (missing..n).chain(n..n + extra).collect();
    let head_amount: Vec<f64> = head_ids
        .iter()
        .map(|&i| {
            let a = (i % 1000) as f64 / 10.0;
            if i < missing + changed { a + 1.0 } else { a }
        })
        .collect();
    let mut head = df!("id" => &head_ids, "amount" => &head_amount).unwrap();
    for (name, df) in [("base.parquet", &mut base), ("head.parquet", &mut head)] {
        ParquetWriter::new(fs::File::create(dir.join(name)).unwrap())
            .finish(df)
            .unwrap();
    }
}

#[test]
fn a_sampled_compare_finds_a_one_percent_defect_and_says_what_the_full_table_holds() {
    let d = tempfile::tempdir().unwrap();
    truth_pair(d.path(), 20_000, 200, 0, 0);
    let o = swimlane(
        d.path(),
        &[
            "compare",
            "base.parquet",
            "head.parquet",
            "--key",
            "id",
            "--sample",
            "0.1",
        ],
    );
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "sampled: 10% of keys by Spark's xxhash64(each table's key), applied to the outputs"
        ),
        "{text}"
    );
    assert!(
        text.contains("a defect touching fewer than about 30 keys (3 / rate) may not appear"),
        "{text}"
    );
    assert!(
        text.contains("— of a 10% key-hash sample, not of the full tables"),
        "{text}"
    );
    // The rows kept are the keys the Spark predicate keeps: the same count
    // as `sample apply` writes.
    let a = swimlane(
        d.path(),
        &[
            "sample",
            "apply",
            "base.parquet",
            "kept.csv",
            "--key",
            "id",
            "--rate",
            "0.1",
        ],
    );
    let kept: u64 = out(&a).split_whitespace().nth(1).unwrap().parse().unwrap();
    let line = text.lines().find(|l| l.contains("sampled by id:")).unwrap();
    let shown = |n: u64| {
        let s = n.to_string();
        if s.len() > 3 {
            format!("{},{}", &s[..s.len() - 3], &s[s.len() - 3..])
        } else {
            s
        }
    };
    assert!(
        line.contains(&format!("{} of 20,000 base rows", shown(kept))),
        "{line}"
    );
    // The estimate of the 200 changed rows brackets the truth.
    let est = text
        .lines()
        .find(|l| l.contains("changed rows (") && l.contains("in the full table"))
        .unwrap_or_else(|| panic!("{text}"));
    let range = est.split('(').nth(1).unwrap().split(')').next().unwrap();
    let (lo, hi) = range.split_once('–').unwrap();
    let num = |s: &str| s.replace(',', "").trim().parse::<u64>().unwrap();
    assert!(num(lo) <= 200 && 200 <= num(hi), "{est}");
}

#[test]
fn sampled_estimates_cover_the_full_tables_counts_in_at_least_93_of_100_samples() {
    use swimlane::config::{CompareMode, Format, Sample, Table};
    use swimlane::engine::{Engine, compare};
    let d = tempfile::tempdir().unwrap();
    let (changed, missing, extra) = (400u64, 150u64, 250u64);
    truth_pair(
        d.path(),
        40_000,
        changed as i64,
        missing as i64,
        extra as i64,
    );
    let mut covered = [0; 3];
    let seeds = 100;
    for seed in 0..seeds {
        // Each salt takes another 5% of the keys: a new sample of the same
        // tables, as a new sampling seed would.
        let table = Table {
            key: vec!["id".into()],
            sample: Some(Sample {
                key: vec!["id".into()],
                salt: Some(format!("seed-{seed}")),
                ..Sample::outputs_by_table_key(500)
            }),
            ..Table::new("t", "", Format::Parquet, CompareMode::Exact)
        };
        let (r, _) = compare(
            &table,
            (d.path(), "base.parquet"),
            (d.path(), "head.parquet"),
            Default::default(),
            Engine::Local,
            false,
        );
        assert!(r.error.is_none(), "{:?}", r.error);
        let estimates = r.estimates();
        for (i, (what, truth)) in [
            ("changed rows", changed),
            ("missing rows", missing),
            ("extra rows", extra),
        ]
        .into_iter()
        .enumerate()
        {
            let e = estimates.iter().find(|e| e.what == what).unwrap().estimate;
            if e.low <= truth && truth <= e.high {
                covered[i] += 1;
            }
        }
    }
    println!(
        "95% intervals covering the truth in {seeds} samples (changed, missing, extra): {covered:?}"
    );
    for c in covered {
        assert!(c >= 93, "{covered:?}");
    }
}

const SAMPLED_CONFIG: &str = r#"
[snapshot]
path = "facts"

[sample]
key = ["profile_id"]
rate = 0.2

[[stage]]
name = "etl"
run = "python3 etl.py {snapshot} {out}"

[[table]]
name = "features"
path = "features.csv"
key = ["profile_id"]
"#;

/// Per profile: its plays' total seconds; `bug` adds one to every 50th
/// profile's. Also counts the rows of a dimension table it reads whole.
fn sampled_etl(bug: bool) -> String {
    format!(
        r#"import csv, sys, os
snap, out = sys.argv[1], sys.argv[2]
if os.environ.get("TOUCH_SNAPSHOT"):
    open(os.path.join(snap, "plays.csv"), "a").write("")
total = {{}}
for r in csv.DictReader(open(os.path.join(snap, "plays.csv"))):
    total[int(r["profile_id"])] = total.get(int(r["profile_id"]), 0) + int(r["seconds"])
genres = sum(1 for _ in open(os.path.join(snap, "dims", "genres.csv"))) - 1
with open(os.path.join(out, "features.csv"), "w") as f:
    f.write("profile_id,seconds,genres\n")
    for p in sorted(total):
        s = total[p] + (1 if {bug} and p % 50 == 0 else 0)
        f.write(f"{{p}},{{s}},{{genres}}\n")
"#,
        bug = if bug { "True" } else { "False" }
    )
}

fn sampled_repo() -> crate::support::TestRepo {
    let repo = crate::support::TestRepo::empty();
    repo.write("swimlane.toml", SAMPLED_CONFIG);
    repo.write("etl.py", &sampled_etl(false));
    let mut plays = String::from("profile_id,seconds\n");
    for i in 0..6_000 {
        plays.push_str(&format!("{},{}\n", i % 2_000, 30 + i % 97));
    }
    repo.write("facts/plays.csv", &plays);
    repo.write(
        "facts/dims/genres.csv",
        "genre_id,name\n1,drama\n2,comedy\n",
    );
    repo.write("facts/README.txt", "facts of 2026-11-30\n");
    repo.commit("pipeline");
    repo.branch_with_file("bug", "etl.py", &sampled_etl(true));
    repo
}

#[test]
fn a_sampled_snapshot_runs_both_lanes_on_the_same_keys_and_still_finds_the_bug() {
    let repo = sampled_repo();
    let r = repo.run(&["run", "--head", "bug"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let sample = &r.json["sample"];
    assert_eq!(
        sample["spark_predicate"],
        "pmod(xxhash64(`profile_id`), 10000) < 2000"
    );
    let files = sample["snapshot"]["files"].as_array().unwrap();
    let file = |p: &str| files.iter().find(|f| f["path"] == p).unwrap();
    assert_eq!(
        file("dims/genres.csv")["copied_whole"],
        "no column `profile_id`"
    );
    assert_eq!(file("README.txt")["copied_whole"], "not a table file");
    let plays = file("plays.csv");
    assert_eq!(plays["rows"], 6_000);
    let kept = plays["kept"].as_u64().unwrap();
    // Each profile's three plays are kept or dropped together: 20% of
    // 2,000 profiles, within five standard deviations.
    assert_eq!(kept % 3, 0, "{plays}");
    let profiles = kept / 3;
    assert!((310..=490).contains(&profiles), "{plays}");
    // The lanes saw only the sampled profiles, and the whole dimension.
    let t = &r.json["tables"][0];
    assert_eq!(t["rows"]["base"], profiles);
    assert_eq!(t["sample"]["basis"], "snapshot");
    assert!(
        t["columns"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "seconds" && c["mismatches"].as_u64().unwrap() > 0),
        "{t}"
    );
    assert!(
        r.stdout.contains("changed rows (") && r.stdout.contains("in the full table"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("of 6,000 rows kept in 1 table file, 2 copied whole"),
        "{}",
        r.stdout
    );
    // The second run reads the cached sample.
    let again = repo.run(&["run", "--head", "bug"]);
    assert_eq!(
        again.json["sample"]["snapshot"]["cached"], true,
        "{}",
        again.stdout
    );
    assert_eq!(again.json["tables"][0]["rows"], t["rows"]);
}

#[test]
fn a_lane_that_writes_into_the_sampled_snapshot_is_an_error_and_the_copy_is_dropped() {
    let repo = sampled_repo();
    repo.branch_with_file("touch", "etl.py", &sampled_etl(false).replace(
        "if os.environ.get(\"TOUCH_SNAPSHOT\"):\n    open(os.path.join(snap, \"plays.csv\"), \"a\").write(\"\")",
        "open(os.path.join(snap, \"plays.csv\"), \"a\").write(\"1999,1\\n\")",
    ));
    let r = repo.run(&["run", "--head", "touch"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("the sampled snapshot was modified while"),
        "{}",
        r.stdout
    );
    // The original snapshot is untouched (the run's fingerprint check) and
    // the next run samples anew rather than reusing the modified copy.
    let again = repo.run(&["run", "--head", "bug"]);
    assert_eq!(
        again.json["sample"]["snapshot"]["cached"], false,
        "{}",
        again.stdout
    );
}

#[test]
fn bad_sampled_snapshots_are_errors_naming_the_file_and_the_column() {
    // Part of a composite sample key: a typo or a rename, not a table to
    // copy whole.
    let repo = sampled_repo();
    repo.write(
        "swimlane.toml",
        &SAMPLED_CONFIG.replace(
            "key = [\"profile_id\"]\nrate",
            "key = [\"profile_id\", \"day\"]\nrate",
        ),
    );
    repo.commit("composite sample key");
    let r = repo.run(&["run", "--head", "main", "--base", "main~1"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("plays.csv has part of the sample key but not `day`")
            && r.stderr.contains("`[sample] skip`"),
        "{}",
        r.stderr
    );
    // A key of a type Spark's hashes are not reproduced for.
    let repo = sampled_repo();
    repo.write("facts/tags.ndjson", "{\"profile_id\": [1, 2]}\n");
    repo.commit("a list key");
    let r = repo.run(&["run", "--head", "bug"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("tags.ndjson")
            && r.stderr.contains("key column `profile_id` is list[i64]"),
        "{}",
        r.stderr
    );
    // A key no snapshot table has.
    let repo = sampled_repo();
    repo.write(
        "swimlane.toml",
        &SAMPLED_CONFIG.replace(
            "key = [\"profile_id\"]\nrate",
            "key = [\"member_id\"]\nrate",
        ),
    );
    repo.commit("a key of another dataset");
    let r = repo.run(&["run", "--head", "main", "--base", "main~1"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr
            .contains("no table of the snapshot has the sample key member_id"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_sampled_run_records_nothing_into_history_and_says_why() {
    let repo = sampled_repo();
    let r = repo.run(&["run", "--head", "bug", "--record"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.json["recorded"].is_null(), "{}", r.json);
    assert!(
        r.stdout
            .contains("--record: nothing was recorded: the run compared a key-hash sample"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_sample_rate_outside_zero_to_one_is_refused_on_the_command_line() {
    let d = tempfile::tempdir().unwrap();
    for bad in ["0", "1.5", "ten"] {
        let o = swimlane(
            d.path(),
            &["compare", "a.csv", "b.csv", "--key", "id", "--sample", bad],
        );
        assert_eq!(o.status.code(), Some(2), "{}", out(&o));
        assert!(out(&o).contains("--sample 0.01"), "{bad}: {}", out(&o));
    }
}

#[test]
fn every_report_format_says_what_was_sampled() {
    let d = tempfile::tempdir().unwrap();
    truth_pair(d.path(), 5_000, 100, 10, 0);
    let o = swimlane(
        d.path(),
        &[
            "compare",
            "base.parquet",
            "head.parquet",
            "--key",
            "id",
            "--sample",
            "0.25",
            "--markdown",
            "r.md",
            "--junit",
            "r.xml",
            "--html",
            "r.html",
            "--json",
            "r.json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    let read = |f: &str| fs::read_to_string(d.path().join(f)).unwrap();
    for f in ["r.md", "r.xml", "r.html"] {
        let text = read(f);
        assert!(
            text.contains("sampled: 25% of keys by Spark"),
            "{f}: {text}"
        );
        assert!(text.contains("in the full table"), "{f}");
        assert!(text.contains("may not appear in the sample"), "{f}");
    }
    let json: serde_json::Value = serde_json::from_str(&read("r.json")).unwrap();
    assert_eq!(json["sample"]["rate"], 0.25);
    assert_eq!(json["sample"]["hash"], "xxhash64");
    let t = &json["tables"][0]["sample"];
    assert_eq!(t["rows"]["base"], 5_000);
    let missing = t["estimates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["what"] == "missing rows")
        .unwrap();
    assert_eq!(missing["level"], 0.95);
    assert!(
        missing["low"].as_u64().unwrap() <= 10 && 10 <= missing["high"].as_u64().unwrap(),
        "{missing}"
    );
}
