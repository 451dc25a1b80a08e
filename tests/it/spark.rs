//! The Spark engine against a real Spark Connect server
//! (`SWIMLANE_SPARK_REMOTE`, started by .ci/run). Without a server the
//! tests that need one say so and pass, unless SWIMLANE_REQUIRE_TOOLS=1.

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use polars::prelude::*;
use serde_json::Value;
use swimlane::spark::{self, Spark};
use swimlane::stats::ks::{self, Alternative, Method};

use crate::support::BIN;

fn remote() -> Option<String> {
    let remote = std::env::var("SWIMLANE_SPARK_REMOTE").ok();
    if remote.is_none() {
        assert!(
            std::env::var_os("SWIMLANE_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
            "SWIMLANE_REQUIRE_TOOLS=1 but SWIMLANE_SPARK_REMOTE is not set"
        );
        eprintln!(
            "note: no Spark Connect server (SWIMLANE_SPARK_REMOTE); the Spark test did not run"
        );
    }
    remote
}

fn write_parquet(df: &DataFrame, path: &Path) {
    let mut df = df.clone();
    ParquetWriter::new(fs::File::create(path).unwrap())
        .finish(&mut df)
        .unwrap();
}

/// Base and head with missing, extra, changed, duplicated and
/// null-to-value rows.
fn pair(n: i64) -> (DataFrame, DataFrame) {
    let side = |head: bool| {
        let mut ids: Vec<i64> = (0..n).filter(|i| !(head && i % 53 == 0)).collect();
        ids.extend([7, 7]); // 7 three times in base and in head
        if head {
            ids.extend([11, n + 5, n + 9]); // a new duplicate and two extra rows
        }
        let amount: Vec<Option<f64>> = ids
            .iter()
            .map(|&i| match (i % 19 == 0, head) {
                // Null in base, a value in head (early rows, so they are
                // among the samples).
                (true, true) if i < 100 || i % 23 == 0 => Some(4.5),
                (true, _) => None,
                (false, true) if i % 23 == 0 => Some(i as f64 * 0.25 + 1.0),
                (false, _) => Some(i as f64 * 0.25),
            })
            .collect();
        let label: Vec<String> = ids
            .iter()
            .map(|&i| {
                if head && i % 31 == 0 {
                    format!("L{}!", i % 9)
                } else {
                    format!("L{}", i % 9)
                }
            })
            .collect();
        df!("id" => &ids, "amount" => amount, "label" => label).unwrap()
    };
    (side(false), side(true))
}

fn compare_json(dir: &Path, engine: &[&str]) -> (i32, Value, String) {
    let out = dir.join(format!(
        "{}.json",
        engine.first().copied().unwrap_or("local")
    ));
    let o = Command::new(BIN)
        .args([
            "compare",
            "base.parquet",
            "head.parquet",
            "--key",
            "id",
            "-q",
        ])
        .args(engine)
        .arg("--json")
        .arg(&out)
        .current_dir(dir)
        .output()
        .unwrap();
    let json = fs::read_to_string(&out)
        .map(|s| serde_json::from_str(&s).unwrap())
        .unwrap_or(Value::Null);
    (
        o.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A table's JSON with what legitimately differs between engines removed
/// (the engine's name, its names for types) and samples made sets.
fn comparable(table: &Value) -> Value {
    let mut t = table.clone();
    let o = t.as_object_mut().unwrap();
    o.remove("engine");
    o.remove("out_of_core");
    o.remove("findings");
    for c in o["columns"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        c.remove("type");
        let samples = c["samples"].as_array_mut().unwrap();
        samples.sort_by_key(|s| s.to_string());
    }
    for k in ["missing_samples", "extra_samples"] {
        o[k].as_array_mut().unwrap().sort_by_key(|s| s.to_string());
    }
    t
}

#[test]
fn local_and_spark_engines_find_the_same_differences() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let (base, head) = pair(3_000);
    write_parquet(&base, &d.path().join("base.parquet"));
    write_parquet(&head, &d.path().join("head.parquet"));
    let (code_l, local, err_l) = compare_json(d.path(), &[]);
    let (code_s, spark, err_s) =
        compare_json(d.path(), &["--engine", "spark", "--spark-remote", &remote]);
    assert_eq!(code_l, 1, "{err_l}");
    assert_eq!(code_s, 1, "{err_s}");
    let (l, s) = (&local["tables"][0], &spark["tables"][0]);
    assert_eq!(l["engine"], "local");
    assert_eq!(s["engine"], "spark");
    assert_eq!(comparable(s), comparable(l));
    // The pair holds what it claims to.
    assert_eq!(l["rows"]["missing"], 57);
    assert_eq!(l["rows"]["extra"], 3);
    assert_eq!(l["duplicates"]["new_in_head"], 1);
    let amount = l["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "amount")
        .unwrap();
    assert!(
        amount["samples"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["base"].is_null() && !x["head"].is_null()),
        "{amount}"
    );
}

#[test]
fn keyless_tables_compare_as_the_same_multisets_on_both_engines() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    // Rows repeated a different number of times on each side, nulls among them.
    let side = |head: bool| {
        let n = if head { 260 } else { 250 };
        let a: Vec<Option<i64>> = (0..n).map(|i| (i % 7 != 0).then_some(i % 40)).collect();
        let b: Vec<String> = (0..n)
            .map(|i| format!("x{}", (i + i64::from(head)) % 3))
            .collect();
        df!("a" => a, "b" => b).unwrap()
    };
    write_parquet(&side(false), &d.path().join("base.parquet"));
    write_parquet(&side(true), &d.path().join("head.parquet"));
    let run = |engine: &[&str]| {
        let out = d.path().join("r.json");
        let o = Command::new(BIN)
            .args(["compare", "base.parquet", "head.parquet", "-q", "--json"])
            .arg(&out)
            .args(engine)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let json: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        json["tables"][0].clone()
    };
    let local = run(&[]);
    let spark = run(&["--engine", "spark", "--spark-remote", &remote]);
    assert_eq!(spark["engine"], "spark");
    for k in ["rows", "missing_samples", "extra_samples"] {
        assert_eq!(spark[k], local[k], "{k}");
    }
    assert!(local["rows"]["missing"].as_u64().unwrap() > 0);
    assert!(local["rows"]["extra"].as_u64().unwrap() > 0);
}

#[test]
fn ks_statistic_computed_in_sql_equals_the_local_one() {
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    // A continuous column, shifted, and a heavily tied one (5 values).
    let n = 20_000usize;
    let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
    let y: Vec<f64> = (0..n + 333)
        .map(|i| ((i * 104_729) % (n + 333)) as f64 / n as f64 * 1.05 - 0.01)
        .collect();
    let tx: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
    let ty: Vec<f64> = (0..n + 333).map(|i| ((i * i) % 5) as f64).collect();
    write_parquet(
        &df!("v" => &x, "t" => &tx).unwrap(),
        &d.path().join("b.parquet"),
    );
    write_parquet(
        &df!("v" => &y, "t" => &ty).unwrap(),
        &d.path().join("h.parquet"),
    );
    for (view, file) in [("ks_b", "b.parquet"), ("ks_h", "h.parquet")] {
        spark
            .sql(&format!(
                "CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM parquet.`{}`",
                d.path().join(file).display()
            ))
            .unwrap();
    }
    for (column, a, b) in [("v", &x, &y), ("t", &tx, &ty)] {
        let (mut a, mut b) = (a.clone(), b.clone());
        a.sort_by(f64::total_cmp);
        b.sort_by(f64::total_cmp);
        let local = ks::ks_2samp_sorted(&a, &b, Alternative::TwoSided, Method::Auto, None);
        for partitions in [1, 4] {
            let remote = spark::ks_counts(&spark, "ks_b", "ks_h", column, partitions).unwrap();
            assert_eq!(
                remote.statistic, local.statistic,
                "{column}, {partitions} partitions"
            );
            assert_eq!((remote.n1, remote.n2), (local.n1, local.n2));
            assert!(
                (remote.p_value - local.p_value).abs() <= 1e-12,
                "{column}: p {} vs {}",
                remote.p_value,
                local.p_value
            );
        }
        assert!(local.statistic > 0.0, "{column}: the samples differ");
    }
}

#[test]
fn an_unreachable_spark_server_is_an_error_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let (base, head) = pair(10);
    write_parquet(&base, &d.path().join("base.parquet"));
    write_parquet(&head, &d.path().join("head.parquet"));
    let started = Instant::now();
    // Port 9 (discard) on localhost: nothing listens.
    let (code, _, stderr) = compare_json(
        d.path(),
        &["--engine", "spark", "--spark-remote", "sc://127.0.0.1:9"],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("sc://127.0.0.1:9"), "{stderr}");
    assert!(
        stderr.contains("cannot reach the Spark Connect server"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < spark::CONNECT_TIMEOUT + Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn run_compares_each_table_with_the_engine_the_config_names() {
    let Some(remote) = remote() else { return };
    let repo = crate::support::TestRepo::empty();
    let (base, head) = pair(500);
    repo.write(
        "swimlane.toml",
        &format!(
            r#"engine = "spark"

[spark]
remote = "{remote}"

[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "cp t.parquet {{out}}/t.parquet"

[[table]]
name = "on_spark"
path = "t.parquet"
key = ["id"]

[[table]]
name = "here"
path = "t.parquet"
key = ["id"]
engine = "local"
"#
        ),
    );
    repo.write("facts/input.txt", "facts\n");
    write_parquet(&base, &repo.dir.join("t.parquet"));
    repo.commit("pipeline");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    write_parquet(&head, &repo.dir.join("t.parquet"));
    repo.commit("change the table");
    repo.git(&["checkout", "-q", "main"]);
    let run = repo.run(&["run", "--base", "main", "--head", "pr"]);
    run.expect_code(1);
    let (s, l) = (run.table("on_spark"), run.table("here"));
    assert_eq!(s["engine"], "spark", "{}", run.describe());
    assert_eq!(l["engine"], "local");
    assert_eq!(s["rows"], l["rows"]);
    assert_eq!(s["duplicates"], l["duplicates"]);
    // --engine overrides the config for every table.
    let run = repo.run(&["run", "--base", "main", "--head", "pr", "--engine", "local"]);
    run.expect_code(1);
    assert_eq!(run.table("on_spark")["engine"], "local");
}
