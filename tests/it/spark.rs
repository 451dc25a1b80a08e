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

pub(crate) fn remote() -> Option<String> {
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

pub(crate) fn write_parquet(df: &DataFrame, path: &Path) {
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

/// `base` and `head` written as `b.parquet` and `h.parquet` in `dir`.
fn parquet_pair(
    dir: &Path,
    base: &DataFrame,
    head: &DataFrame,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (b, h) = (dir.join("b.parquet"), dir.join("h.parquet"));
    write_parquet(base, &b);
    write_parquet(head, &h);
    (b, h)
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

/// The JSON report of `swimlane ARGS -q` with `engine`'s flags, run in
/// `dir`, which must find a regression (exit 1).
fn regression_json(dir: &Path, args: &[&str], engine: &[&str]) -> Value {
    let out = dir.join("regression.json");
    let o = Command::new(BIN)
        .args(args)
        .args(["-q", "--json"])
        .arg(&out)
        .args(engine)
        .current_dir(dir)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?} {engine:?}: {stderr}");
    serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap()
}

/// [`regression_json`] of `args` on the local engine and on Spark at
/// `remote`.
fn regression_on_both(dir: &Path, args: &[&str], remote: &str) -> (Value, Value) {
    let spark = ["--engine", "spark", "--spark-remote", remote];
    (
        regression_json(dir, args, &[]),
        regression_json(dir, args, &spark),
    )
}

/// A table's JSON with what legitimately differs between engines removed
/// (the engine's name, its names for types) and samples made sets.
fn comparable(table: &Value) -> Value {
    let mut t = table.clone();
    let o = t.as_object_mut().unwrap();
    o.remove("engine");
    o.remove("out_of_core");
    // Profiles agree within their estimates' errors, not to the bit:
    // `profiles_on_spark_equal_the_local_ones_within_their_stated_errors`.
    o.remove("profile");
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
        let args = ["compare", "base.parquet", "head.parquet"];
        regression_json(d.path(), &args, engine)["tables"][0].clone()
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
    // A continuous column, shifted; a heavily tied one (5 values); and
    // near-ties: head holds each base value k times (1 + 0.6e-6) or
    // (1 + 1.2e-6), so at a relative tolerance of 1e-6 chains of three
    // values form whose first two are one group and whose third starts the
    // next (a chain-wide grouping would get D wrong).
    let n = 20_000usize;
    let x: Vec<f64> = (0..n).map(|i| ((i * 7919) % n) as f64 / n as f64).collect();
    let y: Vec<f64> = (0..n + 333)
        .map(|i| ((i * 104_729) % (n + 333)) as f64 / n as f64 * 1.05 - 0.01)
        .collect();
    let tx: Vec<f64> = (0..n).map(|i| (i % 5) as f64).collect();
    let ty: Vec<f64> = (0..n + 333).map(|i| ((i * i) % 5) as f64).collect();
    let cx: Vec<f64> = (0..n).map(|i| (i % 4000 + 1) as f64).collect();
    let cy: Vec<f64> = (0..n)
        .map(|i| {
            let k = (i % 4000 + 1) as f64;
            match i % 3 {
                0 => k,
                1 => k * (1.0 + 0.6e-6),
                _ => k * (1.0 + 1.2e-6),
            }
        })
        .collect();
    write_parquet(
        &df!("v" => &x, "t" => &tx).unwrap(),
        &d.path().join("b.parquet"),
    );
    write_parquet(
        &df!("v" => &y, "t" => &ty).unwrap(),
        &d.path().join("h.parquet"),
    );
    write_parquet(&df!("c" => &cx).unwrap(), &d.path().join("cb.parquet"));
    write_parquet(&df!("c" => &cy).unwrap(), &d.path().join("ch.parquet"));
    for (view, file) in [
        ("ks_b", "b.parquet"),
        ("ks_h", "h.parquet"),
        ("kc_b", "cb.parquet"),
        ("kc_h", "ch.parquet"),
    ] {
        spark
            .sql(&format!(
                "CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM parquet.`{}`",
                d.path().join(file).display()
            ))
            .unwrap();
    }
    let mut chain_d = Vec::new();
    let sorted = |v: &Vec<f64>| {
        let mut v = v.clone();
        v.sort_by(f64::total_cmp);
        v
    };
    for (column, a, b, tolerance, partitions) in [
        ("v", &x, &y, None, 1),
        ("v", &x, &y, None, 4),
        ("v", &x, &y, Some(1e-12), 4),
        ("t", &tx, &ty, None, 1),
        ("t", &tx, &ty, Some(1e-12), 4),
        ("c", &cx, &cy, None, 4),
        ("c", &cx, &cy, Some(1e-6), 1),
        ("c", &cx, &cy, Some(1e-6), 4),
        // Partition boundaries are data values: with 64, chains straddle them.
        ("c", &cx, &cy, Some(1e-6), 64),
        ("c", &cx, &cy, Some(1e-12), 4),
    ] {
        let (a, b) = (sorted(a), sorted(b));
        let local = ks::ks_2samp_sorted(&a, &b, Alternative::TwoSided, Method::Auto, tolerance);
        let views = if column == "c" {
            ("kc_b", "kc_h")
        } else {
            ("ks_b", "ks_h")
        };
        let remote =
            spark::ks_counts(&spark, views.0, views.1, column, partitions, tolerance).unwrap();
        let at = format!("{column}, {partitions} partitions, tolerance {tolerance:?}");
        assert_eq!(remote.statistic, local.statistic, "{at}");
        assert_eq!(remote.location, local.location, "{at}");
        assert_eq!((remote.n1, remote.n2), (local.n1, local.n2));
        assert!(
            (remote.p_value - local.p_value).abs() <= 1e-12,
            "{at}: p {} vs {}",
            remote.p_value,
            local.p_value
        );
        assert!(local.statistic > 0.0, "{at}: the samples differ");
        if column == "c" && partitions == 4 {
            chain_d.push(local.statistic);
        }
    }
    // The near-ties matter: grouped at 1e-6 (where grouping the whole
    // chain would give D = 0), not at 1e-12 or without.
    assert!(
        chain_d[1] < chain_d[0] && chain_d[2] == chain_d[0],
        "{chain_d:?}"
    );
}

/// A Parquet file read whole.
fn read_parquet(p: &Path) -> DataFrame {
    LazyFrame::scan_parquet(p.to_str().unwrap().into(), Default::default())
        .unwrap()
        .collect()
        .unwrap()
}

/// Within `rel` of each other relatively; NaN only equals NaN.
fn close(a: f64, b: f64, rel: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs())
}

/// Base and head of a distribution table with every kind of column.
fn features(n: usize, head: bool) -> DataFrame {
    let shift = if head { 0.3 } else { 0.0 };
    let len = if head { n + 1_000 } else { n };
    let x: Vec<Option<f64>> = (0..len)
        .map(|i| match i % 101 {
            0 => None,
            1 => Some(f64::NAN),
            2 if i < 300 => Some(f64::INFINITY),
            _ => {
                let u = ((i * 7919) % len) as f64 / len as f64;
                Some((u * 6.0 - 3.0).powi(3) + shift)
            }
        })
        .collect();
    let k: Vec<i64> = (0..len as i64)
        .map(|i| (i * i + i64::from(head)) % 7)
        .collect();
    let noise: Vec<f64> = (0..len)
        .map(|i| {
            // Both sides' lengths are multiples of 1,000: the same values,
            // but for the last bits.
            let v = (i % 1000 + 1) as f64;
            if head {
                v.ln() / std::f64::consts::LN_10
            } else {
                v.log10()
            }
        })
        .collect();
    let day: Vec<i32> = (0..len as i32)
        .map(|i| 19_000 + i % 365 + i32::from(head) * (i % 3))
        .collect();
    let at: Vec<i64> = (0..len as i64)
        .map(|i| 1_700_000_000_000_000 + i * 1_000_003)
        .collect();
    let amount: Vec<f64> = (0..len)
        .map(|i| ((i * 37) % 10_000) as f64 / 100.0)
        .collect();
    let country: Vec<Option<&str>> = (0..len)
        .map(|i| match (i % 10, head) {
            (0, _) => None,
            (1..=4, _) => Some("US"),
            (5..=7, false) | (5, true) => Some("FR"),
            _ => Some(["DE", "NL", "BE", "IT"][i % 4]),
        })
        .collect();
    let flag: Vec<bool> = (0..len).map(|i| i % 3 == 0).collect();
    let mut df = df!(
        "x" => x, "k" => k, "noise" => noise, "day" => day, "at" => at,
        "amount" => amount, "country" => country, "flag" => flag,
    )
    .unwrap();
    let cast = |df: &mut DataFrame, name: &str, dtype: DataType| {
        let c = df.column(name).unwrap().cast(&dtype).unwrap();
        df.with_column(c).unwrap();
    };
    cast(&mut df, "day", DataType::Date);
    cast(
        &mut df,
        "at",
        DataType::Datetime(TimeUnit::Microseconds, None),
    );
    cast(&mut df, "amount", DataType::Decimal(12, 2));
    let changed = if head {
        Column::new("changed".into(), vec!["1"; len])
    } else {
        Column::new("changed".into(), vec![1.0; len])
    };
    df.with_column(changed).unwrap();
    df
}

/// A distribution table `features` of the Parquet files `b` and `h`,
/// compared by the local engine and by Spark.
fn distribution_on_both_engines(
    spark: &Spark,
    b: &std::path::Path,
    h: &std::path::Path,
) -> (swimlane::model::TableReport, swimlane::model::TableReport) {
    use swimlane::config::{CompareMode, Format, Table};
    let table = Table::new(
        "features",
        "f.parquet",
        Format::Parquet,
        CompareMode::Distribution,
    );
    let local =
        swimlane::distribution::compare_distribution(&table, &read_parquet(b), &read_parquet(h))
            .unwrap();
    let remote =
        spark::compare_distribution(spark, &table, b.to_str().unwrap(), h.to_str().unwrap())
            .unwrap();
    (local, remote)
}

#[test]
fn distribution_tables_get_the_same_tests_summaries_and_plots_on_both_engines() {
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (b, h) = (d.path().join("b.parquet"), d.path().join("h.parquet"));
    write_parquet(&features(30_000, false), &b);
    write_parquet(&features(30_000, true), &h);
    let (local, remote) = distribution_on_both_engines(&spark, &b, &h);
    assert_eq!(remote.engine, "spark");
    let names = |r: &swimlane::model::TableReport| -> Vec<String> {
        r.features.iter().map(|f| f.column.clone()).collect()
    };
    assert_eq!(names(&remote), names(&local));
    assert_eq!(names(&local).len(), 8);
    assert_eq!(remote.untested.len(), 1);
    assert_eq!(
        (&remote.untested[0].column, remote.untested[0].regression),
        (&local.untested[0].column, local.untested[0].regression)
    );
    for (l, r) in local.features.iter().zip(&remote.features) {
        let c = &l.column;
        assert_eq!(r.test, l.test, "{c}");
        assert!(
            close(r.statistic, l.statistic, 0.0),
            "{c}: {} vs {}",
            r.statistic,
            l.statistic
        );
        assert!(
            (r.p_value - l.p_value).abs() <= 1e-12 || (r.p_value.is_nan() && l.p_value.is_nan()),
            "{c}: p {} vs {}",
            r.p_value,
            l.p_value
        );
        assert_eq!(r.location, l.location, "{c}");
        assert_eq!((r.df, r.psi), (l.df, l.psi), "{c}");
        for (ls, rs) in [(&l.base, &r.base), (&l.head, &r.head)] {
            assert_eq!(
                (rs.rows, rs.nulls, rs.distinct, rs.null_fraction),
                (ls.rows, ls.nulls, ls.distinct, ls.null_fraction),
                "{c}"
            );
            match (ls.numeric, rs.numeric) {
                (Some(ln), Some(rn)) => {
                    assert_eq!(
                        (rn.min, rn.median, rn.p99, rn.max),
                        (ln.min, ln.median, ln.p99, ln.max),
                        "{c}"
                    );
                    // Sums in another order: the last bits may differ.
                    assert!(
                        close(rn.mean, ln.mean, 1e-9),
                        "{c}: mean {} vs {}",
                        rn.mean,
                        ln.mean
                    );
                    assert!(
                        close(rn.std, ln.std, 1e-9),
                        "{c}: std {} vs {}",
                        rn.std,
                        ln.std
                    );
                }
                (None, None) => {}
                other => panic!("{c}: {other:?}"),
            }
        }
        assert_eq!(r.plot, l.plot, "{c}");
    }
    // The scenario holds what it claims: x and k moved, the float noise
    // did not, the categories moved.
    let by = |name: &str| local.features.iter().find(|f| f.column == name).unwrap();
    assert!(by("x").statistic > 0.05 && by("k").statistic > 0.01);
    assert_eq!(by("noise").statistic, 0.0);
    assert!(by("country").effect > 0.05);
    assert!(by("x").base.nulls > 0 && by("x").base.numeric.unwrap().max.is_infinite());
}

#[test]
fn renamed_features_are_found_alike_on_both_engines() {
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (b, h) = (d.path().join("b.parquet"), d.path().join("h.parquet"));
    let n = 2_000usize;
    let score: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 50 {
            0 => None,
            1 => Some(f64::NAN),
            2 => Some(-0.0),
            _ => Some(((i * 7919) % 997) as f64 / 7.0),
        })
        .collect();
    let band: Vec<&str> = (0..n).map(|i| ["a", "b", "c"][i * i % 3]).collect();
    let zero = vec![0i64; n];
    let gone: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let base = df!("score" => &score, "band" => &band, "zero" => &zero, "gone" => &gone).unwrap();
    // score and band renamed (head's rows in another order, -0 written
    // as 0); zero renamed too, but a column of one value is no evidence;
    // gone replaced by a column of other values.
    let mut score_h: Vec<Option<f64>> = score
        .iter()
        .map(|v| v.map(|x| if x == 0.0 { 0.0 } else { x }))
        .collect();
    score_h.reverse();
    let mut band_h = band.clone();
    band_h.rotate_left(7);
    let other: Vec<f64> = (0..n).map(|i| i as f64 + 0.5).collect();
    let head = df!(
        "risk" => &score_h, "segment" => &band_h, "nil" => &zero, "fresh" => &other
    )
    .unwrap();
    write_parquet(&base, &b);
    write_parquet(&head, &h);
    let (local, remote) = distribution_on_both_engines(&spark, &b, &h);
    let renames = |r: &swimlane::model::TableReport| -> Vec<(String, String, u64, u64)> {
        r.renamed
            .iter()
            .map(|x| (x.from.clone(), x.to.clone(), x.rows, x.held))
            .collect()
    };
    let n = n as u64;
    assert_eq!(
        renames(&local),
        [
            ("score".into(), "risk".into(), n, n),
            ("band".into(), "segment".into(), n, n)
        ]
    );
    assert_eq!(renames(&remote), renames(&local));
    let names = |cols: &[swimlane::model::ColumnType]| -> Vec<String> {
        cols.iter().map(|c| c.name.clone()).collect()
    };
    for r in [&local, &remote] {
        assert_eq!(names(&r.schema.removed), ["zero", "gone"]);
        assert_eq!(names(&r.schema.added), ["nil", "fresh"]);
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

/// Commits the pipeline (copying t.parquet to its output) with `base` on
/// main and `head` on branch `pr`, and leaves main checked out.
fn commit_pair(repo: &crate::support::TestRepo, base: &DataFrame, head: &DataFrame) {
    repo.write("facts/input.txt", "facts\n");
    write_parquet(base, &repo.dir.join("t.parquet"));
    repo.commit("pipeline");
    repo.git(&["checkout", "-q", "-b", "pr"]);
    write_parquet(head, &repo.dir.join("t.parquet"));
    repo.commit("change the table");
    repo.git(&["checkout", "-q", "main"]);
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
    commit_pair(&repo, &base, &head);
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

/// A keyed pair exercising tolerances, string options, swaps and renames
/// (one of each holding on some rows only).
fn options_pair(n: i64, head: bool) -> DataFrame {
    let ids: Vec<i64> = (0..n).collect();
    let amount: Vec<Option<f64>> = ids
        .iter()
        .map(|&i| {
            let v = i as f64 * 1.5 + 0.1;
            match (i % 11, head) {
                (0, _) => Some(f64::NAN),
                (1, true) => Some(v * (1.0 + 1e-10)), // within rel 1e-9
                (2, true) => Some(v + 0.5),           // outside
                (3, false) => None,
                (3, true) => Some(v), // null to value
                _ => Some(v),
            }
        })
        .collect();
    let qty: Vec<i64> = ids
        .iter()
        .map(|&i| match (i % 13, head) {
            (1, true) => i + 1, // within abs 1
            (2, true) => i + 5,
            // Near 2^62, 200 apart: equal as doubles, not in value.
            (3, false) | (4, false) => (1 << 62) + i,
            (3, true) => (1 << 62) + i + 200,
            (4, true) => (1 << 62) + i + 1, // within abs 1
            _ => i,
        })
        .collect();
    let at: Vec<i64> = ids
        .iter()
        .map(|&i| {
            let t = 1_700_000_000_000_000 + i * 60_000_000;
            match (i % 17, head) {
                (1, true) => t + 500_000, // within 1 s
                (2, true) => t + 10_000_000,
                _ => t,
            }
        })
        .collect();
    let name: Vec<String> = ids
        .iter()
        .map(|&i| match (i % 7, head) {
            (1, true) => format!("  Name{i}\t"), // equal when trimmed
            (2, true) => format!("NAME{i}"),     // equal ignoring case
            (3, true) => format!("other{i}"),
            _ => format!("name{i}"),
        })
        .collect();
    let (a, b): (Vec<i64>, Vec<i64>) = ids
        .iter()
        .map(|&i| {
            let (x, y) = (i * 3, i * 3 + (i % 5));
            if head { (y, x) } else { (x, y) }
        })
        .unzip();
    // c and d swapped too, and one d in twenty also rewritten: a swap that
    // holds on 95% of its rows.
    let (c, d): (Vec<i64>, Vec<i64>) = ids
        .iter()
        .map(|&i| {
            let (x, y) = (i * 10, i * 10 + 1);
            match (head, i % 20) {
                (false, _) => (x, y),
                (true, 7) => (y, -1),
                (true, _) => (y, x),
            }
        })
        .unzip();
    let kept: Vec<i64> = ids.iter().map(|&i| i * 7 % 1000).collect();
    let mut df = df!(
        "id" => &ids, "amount" => amount, "qty" => qty, "at" => at,
        "name" => name, "a" => a, "b" => b, "c" => c, "d" => d,
    )
    .unwrap();
    let at = df
        .column("at")
        .unwrap()
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    df.with_column(at).unwrap();
    let kept_name = if head { "kept_renamed" } else { "kept" };
    df.with_column(Column::new(kept_name.into(), kept)).unwrap();
    // `note` becomes `remark`, one value in twenty changed as well.
    let note: Vec<String> = ids
        .iter()
        .map(|&i| match (head, i % 20) {
            (true, 3) => "changed".to_string(),
            _ => format!("n{}", i % 9),
        })
        .collect();
    let note_name = if head { "remark" } else { "note" };
    df.with_column(Column::new(note_name.into(), note)).unwrap();
    // `legacy` goes and `promo` comes, both null on 95% of rows: they agree
    // on that many by chance, and are no rename.
    let sparse: Vec<Option<i64>> = ids
        .iter()
        .map(|&i| (i % 20 == 0).then_some(if head { -i - 1 } else { i }))
        .collect();
    // `units` (integers) becomes `units_f` (floats): a rename across a
    // type that holds every value.
    let units_name = if head { "units_f" } else { "units" };
    let units: Vec<i64> = ids.iter().map(|&i| i * 3 % 101).collect();
    let units = Column::new(units_name.into(), units);
    let units = if head {
        units.cast(&DataType::Float64).unwrap()
    } else {
        units
    };
    df.with_column(units).unwrap();
    let sparse_name = if head { "promo" } else { "legacy" };
    df.with_column(Column::new(sparse_name.into(), sparse))
        .unwrap();
    // `flag` (a boolean) becomes 1 and 0, one in nineteen flipped on the
    // way: compared as numbers on both engines.
    let flag: Vec<bool> = ids.iter().map(|&i| i % 3 == 0).collect();
    let flag = match head {
        false => Column::new("flag".into(), flag),
        true => {
            let moved = ids.iter().zip(&flag);
            let ones: Vec<i64> = moved.map(|(&i, &f)| i64::from(f ^ (i % 19 == 5))).collect();
            Column::new("flag".into(), ones)
        }
    };
    df.with_column(flag).unwrap();
    df
}

#[test]
fn tolerances_string_options_swaps_and_renames_agree_on_both_engines() {
    use swimlane::config::{CompareMode, Format, StringOptions, Table, Tolerance};
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (base, head) = (options_pair(2_000, false), options_pair(2_000, true));
    let (b, h) = parquet_pair(d.path(), &base, &head);
    let mut table = Table::new("t", "t.parquet", Format::Parquet, CompareMode::Exact);
    table.key = vec!["id".into()];
    table.strings = StringOptions {
        trim: true,
        ignore_case: true,
        keys: false,
    };
    for (column, abs, rel, seconds) in [
        ("amount", 0.0, 1e-9, 0.0),
        ("qty", 1.0, 0.0, 0.0),
        ("at", 0.0, 0.0, 1.0),
    ] {
        table
            .tolerance
            .insert(column.into(), Tolerance { abs, rel, seconds });
    }
    // A tolerance that does not apply to text: a note on both engines.
    table.tolerance.insert(
        "name".into(),
        Tolerance {
            abs: 0.0,
            rel: 0.0,
            seconds: 1.0,
        },
    );
    let local = swimlane::diff::compare_exact(&table, &base, &head).unwrap();
    let remote =
        spark::compare_exact(&spark, &table, b.to_str().unwrap(), h.to_str().unwrap()).unwrap();
    assert_eq!(remote.rows, local.rows);
    assert_eq!(remote.schema.unapplied, local.schema.unapplied);
    assert_eq!(local.schema.unapplied.len(), 1, "{:?}", local.schema);
    assert_eq!(remote.swapped, local.swapped);
    assert_eq!(remote.renamed, local.renamed);
    assert_eq!(remote.compared_columns, local.compared_columns);
    let names = |cols: &[swimlane::model::ColumnType]| -> Vec<String> {
        cols.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(names(&remote.schema.removed), names(&local.schema.removed));
    assert_eq!(names(&remote.schema.added), names(&local.schema.added));
    assert_eq!(remote.columns.len(), local.columns.len());
    for (r, l) in remote.columns.iter().zip(&local.columns) {
        let c = &l.name;
        assert_eq!(
            (
                &r.name,
                r.mismatches,
                r.tolerance,
                r.max_abs_diff,
                r.max_rel_diff
            ),
            (
                &l.name,
                l.mismatches,
                l.tolerance,
                l.max_abs_diff,
                l.max_rel_diff
            ),
            "{c}"
        );
        let set = |s: &[swimlane::model::ValueSample]| {
            let mut v: Vec<String> = s
                .iter()
                .map(|x| format!("{:?}", (&x.key, &x.base, &x.head)))
                .collect();
            v.sort();
            v
        };
        assert_eq!(set(&r.samples), set(&l.samples), "{c}");
    }
    // The pair holds what it claims: the options absorb some differences
    // and not others; a and b swapped, c and d on 95% of their rows; kept
    // was renamed, note too with 5% of its values changed.
    let col = |name: &str| local.columns.iter().find(|c| c.name == name).unwrap();
    assert_eq!(col("amount").mismatches, 2_000 / 11 + 1 + 2_000 / 11 + 1);
    assert_eq!(col("qty").mismatches, 2 * (2_000 / 13 + 1));
    assert_eq!(col("qty").max_abs_diff, Some(200.0));
    assert_eq!(col("at").mismatches, 2_000 / 17 + 1);
    assert_eq!(col("name").mismatches, 2_000 / 7 + 1);
    let swap = |a: &str, b: &str, rows: u64, held: u64| swimlane::model::Permutation {
        columns: vec![a.to_string(), b.to_string()],
        rows,
        held,
    };
    assert_eq!(
        local.swapped,
        [swap("a", "b", 1_600, 1_600), swap("c", "d", 2_000, 1_900)]
    );
    let renamed: Vec<(&str, &str, u64, u64)> = local
        .renamed
        .iter()
        .map(|r| (r.from.as_str(), r.to.as_str(), r.rows, r.held))
        .collect();
    assert_eq!(
        renamed,
        [
            ("kept", "kept_renamed", 2_000, 2_000),
            ("note", "remark", 2_000, 1_900),
            ("units", "units_f", 2_000, 2_000)
        ]
    );
    assert_eq!(names(&local.schema.removed), ["legacy"]);
    // A renamed column is compared under its two names: note's 5% of
    // changed values are counted and sampled as remark's.
    assert_eq!(col("remark").mismatches, 100);
    assert_eq!(col("remark").samples.len(), 5);
    assert_eq!(col("kept_renamed").mismatches, 0);
    // The flag, compared as 1 and 0: the flipped ones, on both engines.
    let flipped = (0..2_000).filter(|i| i % 19 == 5).count() as u64;
    assert_eq!(col("flag").mismatches, flipped);
    let changed = |r: &swimlane::model::TableReport| {
        let c = r.schema.changed.iter().find(|c| c.column == "flag");
        c.map(|c| c.compared_as.clone())
    };
    assert_eq!(changed(&local), Some(Some("i64".to_string())));
    assert_eq!(changed(&remote), changed(&local));
    // Keyless, rows match on their text as the string options leave it,
    // on both engines.
    let mut keyless = table.clone();
    keyless.key.clear();
    keyless.tolerance.clear();
    keyless.ignore = [
        "amount",
        "qty",
        "at",
        "a",
        "b",
        "c",
        "d",
        "kept",
        "kept_renamed",
        "note",
        "remark",
        "legacy",
        "promo",
        "units",
        "units_f",
        "flag",
    ]
    .map(String::from)
    .to_vec();
    let local = swimlane::diff::compare_exact(&keyless, &base, &head).unwrap();
    let remote =
        spark::compare_exact(&spark, &keyless, b.to_str().unwrap(), h.to_str().unwrap()).unwrap();
    assert_eq!(remote.rows, local.rows);
    // Only the names that differ beyond case and white space are missing.
    let other = (0..2_000).filter(|i| i % 7 == 3).count() as u64;
    assert_eq!(
        local.rows.as_ref().map(|r| r.missing),
        Some(other),
        "{:?}",
        local.rows
    );
}

#[test]
fn compare_reads_catalog_tables_and_uris_only_the_cluster_sees() {
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (base, head) = pair(1_000);
    write_parquet(&base, &d.path().join("base.parquet"));
    write_parquet(&head, &d.path().join("head.parquet"));
    // Tables of the cluster's catalog, visible to every session.
    for (view, file) in [
        ("swl_it_base", "base.parquet"),
        ("swl_it_head", "head.parquet"),
    ] {
        spark
            .sql(&format!(
                "CREATE OR REPLACE GLOBAL TEMP VIEW {view} AS SELECT * FROM parquet.`{}`",
                d.path().join(file).display()
            ))
            .unwrap();
    }
    let (code, local, err) = compare_json(d.path(), &[]);
    assert_eq!(code, 1, "{err}");
    let uri = |f: &str| format!("file://{}", d.path().join(f).display());
    for (b, h) in [
        (
            "table:global_temp.swl_it_base".to_string(),
            "table:global_temp.swl_it_head".to_string(),
        ),
        (uri("base.parquet"), uri("head.parquet")),
    ] {
        let args = ["compare", &b, &h, "--key", "id", "--spark-remote", &remote];
        let json = regression_json(d.path(), &args, &[]);
        let t = &json["tables"][0];
        assert_eq!(t["engine"], "spark");
        assert_eq!(
            comparable(t)["rows"],
            comparable(&local["tables"][0])["rows"],
            "{b}"
        );
        assert_eq!(
            comparable(t)["columns"],
            comparable(&local["tables"][0])["columns"],
            "{b}"
        );
    }
}

#[test]
fn run_writes_the_lanes_outputs_where_the_cluster_reads_them() {
    let Some(remote) = remote() else { return };
    let repo = crate::support::TestRepo::empty();
    let shared = tempfile::tempdir().unwrap();
    let (base, head) = pair(500);
    repo.write(
        "swimlane.toml",
        &format!(
            r#"engine = "spark"

[spark]
remote = "{remote}"
outputs = "{0}"
outputs_on_cluster = "file://{0}"

[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "cp t.parquet {{out}}/t.parquet"

[[table]]
name = "t"
path = "t.parquet"
key = ["id"]
"#,
            shared.path().display()
        ),
    );
    commit_pair(&repo, &base, &head);
    let listing = || -> Vec<String> {
        let mut v: Vec<String> = walkdir::WalkDir::new(shared.path())
            .min_depth(1)
            .into_iter()
            .map(|e| {
                e.unwrap()
                    .path()
                    .strip_prefix(shared.path())
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let run = repo.run(&["run", "--base", "main", "--head", "pr"]);
    run.expect_code(1);
    assert_eq!(run.table("t")["engine"], "spark", "{}", run.describe());
    assert_eq!(run.table("t")["rows"]["missing"], 10, "{}", run.describe());
    assert!(listing().is_empty(), "left behind: {:?}", listing());
    // Kept on request: the outputs the cluster read are there.
    let run = repo.run(&["run", "--base", "main", "--head", "pr", "--keep-lanes"]);
    run.expect_code(1);
    let kept = listing();
    assert!(
        kept.iter().any(|p| p.ends_with("base/t.parquet"))
            && kept.iter().any(|p| p.ends_with("head/t.parquet")),
        "{kept:?}"
    );
    assert!(
        run.json["notes"]
            .to_string()
            .contains("the lanes' outputs are kept in"),
        "{}",
        run.describe()
    );
    if let Some(k) = run.json["kept_lanes"].as_str() {
        let _ = fs::remove_dir_all(k);
    }
}

#[test]
fn ctrl_c_stops_the_query_on_the_server_and_exits_130() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    // Large enough that the distribution queries run for many seconds.
    let n = 3_000_000usize;
    let side = |shift: f64| {
        let x: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % n) as f64 / n as f64 + shift)
            .collect();
        df!("x" => x).unwrap()
    };
    write_parquet(&side(0.0), &d.path().join("base.parquet"));
    write_parquet(&side(0.1), &d.path().join("head.parquet"));
    let mut child = Command::new(BIN)
        .args([
            "compare",
            "base.parquet",
            "head.parquet",
            "--distribution",
            "-q",
        ])
        .args(["--engine", "spark", "--spark-remote", &remote])
        .current_dir(d.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the comparison ended before it could be interrupted"
    );
    let signalled = Instant::now();
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(30),
            "still running 30 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert!(
        signalled.elapsed() < Duration::from_secs(20),
        "took {:?} to stop",
        signalled.elapsed()
    );
}

#[test]
fn samples_from_part_files_are_the_first_rows_in_file_order_on_both_engines() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let (base, head) = pair(3_000);
    // Parts of growing size: Spark reads the largest first.
    for (side, df) in [("b", &base), ("h", &head)] {
        let dir = d.path().join(side).join("t");
        fs::create_dir_all(&dir).unwrap();
        let n = df.height() as i64;
        for (i, (from, to)) in [(0, 100), (100, 1_000), (1_000, n)].into_iter().enumerate() {
            write_parquet(
                &df.slice(from, (to - from) as usize),
                &dir.join(format!("part-{i}.parquet")),
            );
        }
    }
    let run =
        |engine: &[&str]| regression_json(d.path(), &["compare", "b", "h", "--key", "id"], engine);
    let local = run(&[]);
    let spark = run(&["--engine", "spark", "--spark-remote", &remote]);
    let (l, s) = (&local["tables"][0], &spark["tables"][0]);
    assert_eq!(s["engine"], "spark");
    assert_eq!(comparable(s), comparable(l));
    // More findings than samples, so the rows chosen depend on the order.
    assert!(l["rows"]["missing"].as_u64().unwrap() > 5);
}

/// `v`, or nothing on a null row.
fn pick<T>(null: bool, v: T) -> Option<T> {
    (!null).then_some(v)
}

/// Key values of every type people key tables on, with nulls, extremes,
/// empty and multi-byte strings (lengths 0 to 40 bytes: every XXH64 and
/// Murmur3 tail), `n` rows.
fn key_values(n: usize) -> DataFrame {
    let texts = [
        "",
        "a",
        "é",
        "日本語",
        "🦀 crab",
        "Spark",
        "x".repeat(31).leak(),
        "y".repeat(32).leak(),
    ];
    let mut rows_i8 = Vec::new();
    let (mut i16s, mut i32s, mut i64s, mut f32s, mut f64s) =
        (vec![], vec![], vec![], vec![], vec![]);
    let (mut bools, mut strings, mut dates, mut stamps, mut decs, mut wide) =
        (vec![], vec![], vec![], vec![], vec![], vec![]);
    for i in 0..n {
        let null = i % 17 == 0;
        let k = i as i64 * 7919 - 3_000_000;
        rows_i8.push(pick(null, (k % 128) as i8));
        i16s.push(pick(null, (k % 32_768) as i16));
        i32s.push(pick(
            null,
            match i % 50 {
                1 => i32::MIN,
                2 => i32::MAX,
                _ => (k * 1_009 % i64::from(i32::MAX)) as i32,
            },
        ));
        i64s.push(pick(
            null,
            match i % 50 {
                1 => i64::MIN,
                2 => i64::MAX,
                _ => k * 1_000_003,
            },
        ));
        f32s.push(pick(
            null,
            match i % 40 {
                3 => -0.0f32,
                4 => f32::INFINITY,
                _ => k as f32 / 7.0,
            },
        ));
        f64s.push(pick(
            null,
            match i % 40 {
                3 => -0.0,
                4 => f64::NEG_INFINITY,
                _ => k as f64 / 3.0,
            },
        ));
        bools.push(pick(null, i % 3 == 0));
        let text = format!(
            "{}{}",
            texts[i % texts.len()],
            if i % 5 == 0 {
                String::new()
            } else {
                (i % 41).to_string()
            }
        );
        strings.push(pick(null, text));
        dates.push(pick(null, (k % 40_000) as i32));
        stamps.push(pick(null, k * 1_234_567));
        decs.push(pick(null, i128::from(k) * 13));
        wide.push(pick(null, i128::from(k) * 10_i128.pow(20) + 7));
    }
    let df = df!(
        "i" => (0..n as i64).collect::<Vec<_>>(),
        "i8" => rows_i8, "i16" => i16s, "i32" => i32s, "i64" => i64s,
        "f32" => f32s, "f64" => f64s, "b" => bools, "s" => strings,
    )
    .unwrap();
    let date = Series::new("d".into(), dates)
        .cast(&DataType::Date)
        .unwrap();
    let ts = Series::new("ts".into(), stamps)
        .cast(&DataType::Datetime(
            TimeUnit::Microseconds,
            Some(polars::prelude::TimeZone::UTC),
        ))
        .unwrap();
    let dec = Int128Chunked::from_iter_options("dec".into(), decs.into_iter())
        .into_decimal_unchecked(12, 2)
        .into_series();
    let wide = Int128Chunked::from_iter_options("dec38".into(), wide.into_iter())
        .into_decimal_unchecked(38, 4)
        .into_series();
    df.hstack(&[date.into(), ts.into(), dec.into(), wide.into()])
        .unwrap()
}

#[test]
fn key_hashes_equal_sparks_xxhash64_and_hash_on_every_key_type() {
    use swimlane::sample::{self, SparkHash};
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let local = key_values(3_000);
    write_parquet(&local, &d.path().join("keys.parquet"));
    let columns = [
        "i8", "i16", "i32", "i64", "f32", "f64", "b", "s", "d", "ts", "dec", "dec38",
    ];
    let mut select = vec!["i".to_string()];
    for c in columns {
        select.push(format!("xxhash64({c}) AS x_{c}"));
        select.push(format!("CAST(hash({c}) AS BIGINT) AS h_{c}"));
    }
    // Several key columns chained, nulls among them.
    select.push("xxhash64(i32, s, d, dec) AS x_multi".into());
    select.push("CAST(hash(i32, s, d, dec) AS BIGINT) AS h_multi".into());
    let remote_df = spark
        .sql(&format!(
            "SELECT {} FROM parquet.`{}` ORDER BY i",
            select.join(", "),
            d.path().join("keys.parquet").display()
        ))
        .unwrap();
    assert_eq!(remote_df.height(), 3_000);
    let mut compared = 0;
    let mut mismatches = Vec::new();
    let mut check = |name: String, keys: Vec<&str>| {
        let series: Vec<&Series> = keys
            .iter()
            .map(|k| local.column(k).unwrap().as_materialized_series())
            .collect();
        for (f, prefix) in [(SparkHash::Xxhash64, "x"), (SparkHash::Murmur3, "h")] {
            let ours = sample::hashes(&series, f).unwrap();
            let theirs = remote_df.column(&format!("{prefix}_{name}")).unwrap();
            let theirs = theirs.cast(&DataType::Int64).unwrap();
            for (row, (a, b)) in ours.iter().zip(theirs.i64().unwrap().iter()).enumerate() {
                compared += 1;
                if Some(*a) != b {
                    mismatches.push(format!("{prefix}_{name} row {row}: ours {a}, Spark {b:?}"));
                }
            }
        }
    };
    for c in columns {
        check(c.to_string(), vec![c]);
    }
    check("multi".into(), vec!["i32", "s", "d", "dec"]);
    assert_eq!(compared, 3_000 * 2 * (columns.len() + 1));
    assert!(
        mismatches.is_empty(),
        "{} of {compared} differ:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn a_one_percent_sample_keeps_the_same_keys_as_the_predicate_on_spark() {
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let n = 1_000_000i64;
    let df = df!(
        "id" => (0..n).collect::<Vec<_>>(),
        "member" => (0..n).map(|i| format!("m{}", i * 31 % 99_991)).collect::<Vec<_>>(),
    )
    .unwrap();
    write_parquet(&df, &d.path().join("t.parquet"));
    let key = ["--key", "member", "--key", "id", "--rate", "0.01"];
    let sql = Command::new(BIN)
        .args(["sample", "sql"])
        .args(key)
        .output()
        .unwrap();
    let predicate = String::from_utf8(sql.stdout).unwrap().trim().to_string();
    let o = Command::new(BIN)
        .args(["sample", "apply", "t.parquet", "s.parquet"])
        .args(key)
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let ours = ParquetReader::new(fs::File::open(d.path().join("s.parquet")).unwrap())
        .finish()
        .unwrap();
    let theirs = spark
        .sql(&format!(
            "SELECT id FROM parquet.`{}` WHERE {predicate} ORDER BY id",
            d.path().join("t.parquet").display()
        ))
        .unwrap();
    let ids = |df: &DataFrame| -> Vec<i64> {
        df.column("id")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect()
    };
    let (a, b) = (ids(&ours), ids(&theirs));
    assert!((9_000..=11_000).contains(&a.len()), "{} kept", a.len());
    assert_eq!(a, b, "the sampled key sets differ");
}

#[test]
fn keyed_features_are_compared_key_by_key_alike_on_both_engines() {
    use swimlane::config::{CompareMode, Format, Table};
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    // 3,000 rows (ranks summed in SQL) and 40 (the deltas come back for
    // scipy's exact rules).
    for n in [3_000, 40] {
        let d = tempfile::tempdir().unwrap();
        let (b, h) = (d.path().join("b.parquet"), d.path().join("h.parquet"));
        // Every 500th row repeats the previous id: duplicated keys pair by
        // occurrence on both engines.
        let with_id = |mut df: DataFrame| {
            let id: Vec<i64> = (0..df.height() as i64)
                .map(|i| if i % 500 == 7 { i - 1 } else { i })
                .collect();
            df.with_column(Column::new("id".into(), id)).unwrap();
            df
        };
        write_parquet(&with_id(features(n, false)), &b);
        write_parquet(&with_id(features(n, true)), &h);
        let table = Table {
            key: vec!["id".into()],
            ..Table::new(
                "features",
                "f.parquet",
                Format::Parquet,
                CompareMode::Distribution,
            )
        };
        let local = swimlane::distribution::compare_distribution(
            &table,
            &read_parquet(&b),
            &read_parquet(&h),
        )
        .unwrap();
        let remote =
            spark::compare_distribution(&spark, &table, b.to_str().unwrap(), h.to_str().unwrap())
                .unwrap();
        assert_eq!(remote.paired_keys, local.paired_keys, "n = {n}");
        assert_eq!(remote.duplicates, local.duplicates, "n = {n}");
        assert_eq!(remote.missing_samples, local.missing_samples, "n = {n}");
        assert_eq!(remote.extra_samples, local.extra_samples, "n = {n}");
        let mut moved = 0;
        for (l, r) in local.features.iter().zip(&remote.features) {
            let c = format!("{} (n = {n})", l.column);
            let (lp, rp) = (l.paired.as_ref().unwrap(), r.paired.as_ref().unwrap());
            assert_eq!(
                (
                    rp.keys,
                    rp.changed,
                    rp.up,
                    rp.down,
                    rp.to_null,
                    rp.from_null
                ),
                (
                    lp.keys,
                    lp.changed,
                    lp.up,
                    lp.down,
                    lp.to_null,
                    lp.from_null
                ),
                "{c}"
            );
            assert_eq!(rp.max_abs_delta, lp.max_abs_delta, "{c}");
            // Spark's percentile interpolates where numpy averages.
            assert!(
                close(rp.median_abs_delta, lp.median_abs_delta, 1e-12),
                "{c}"
            );
            // Base's standard deviation is summed in another order.
            assert!(
                close(rp.effect, lp.effect, 1e-9),
                "{c}: {} vs {}",
                rp.effect,
                lp.effect
            );
            match (lp.test, rp.test) {
                (Some(lt), Some(rt)) => {
                    assert_eq!(
                        (rt.n, rt.statistic, rt.method),
                        (lt.n, lt.statistic, lt.method),
                        "{c}"
                    );
                    assert!(
                        close(rt.p_value, lt.p_value, 1e-9),
                        "{c}: {} vs {}",
                        rt.p_value,
                        lt.p_value
                    );
                    assert!(close(rt.sign_p_value, lt.sign_p_value, 1e-9), "{c}");
                    moved += 1;
                }
                (None, None) => {}
                other => panic!("{c}: {other:?}"),
            }
            assert_eq!(rp.samples, lp.samples, "{c}");
            assert_eq!(rp.transitions, lp.transitions, "{c}");
            assert_eq!(rp.points, lp.points, "{c}");
        }
        // The scenario holds what it claims: x, k and day moved key by key;
        // the float noise did not; countries changed category.
        let by = |name: &str| local.features.iter().find(|f| f.column == name).unwrap();
        let changed = |name: &str| by(name).paired.as_ref().unwrap().changed;
        assert!(moved >= 3, "n = {n}: {moved} features tested");
        assert!(changed("x") > 0 && changed("k") > 0 && changed("day") > 0);
        assert_eq!(changed("noise"), 0);
        assert!(
            !by("country")
                .paired
                .as_ref()
                .unwrap()
                .transitions
                .is_empty()
        );
        assert!(local.paired_keys.unwrap().only_head >= 1000);
    }
}

#[test]
fn a_sampled_compare_keeps_the_same_rows_and_finds_the_same_differences_on_both_engines() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let (base, head) = pair(20_000);
    write_parquet(&base, &d.path().join("base.parquet"));
    write_parquet(&head, &d.path().join("head.parquet"));
    let sample = [
        "--sample",
        "0.1",
        "--sample-key",
        "label",
        "--sample-key",
        "id",
    ];
    let mut args = vec!["compare", "base.parquet", "head.parquet", "--key", "id"];
    args.extend(sample);
    let (local, spark) = regression_on_both(d.path(), &args, &remote);
    let (l, s) = (&local["tables"][0], &spark["tables"][0]);
    assert_eq!(s["engine"], "spark");
    // `label` is a key column of the sample only: head's changed labels
    // move rows in or out of the sample on both engines alike.
    assert_eq!(l["sample"], s["sample"]);
    let kept = l["sample"]["kept"]["base"].as_u64().unwrap();
    assert!((1_700..=2_300).contains(&kept), "{}", l["sample"]);
    assert!(
        l["sample"]["estimates"].as_array().unwrap().len() >= 3,
        "{}",
        l["sample"]
    );
    assert_eq!(comparable(s), comparable(l));
}

/// Where `v` falls among `sorted` (the rank range of its copies), as
/// fractions of the values.
fn rank_range(sorted: &[f64], v: f64) -> (f64, f64) {
    let below = sorted.partition_point(|x| *x < v);
    let upto = sorted.partition_point(|x| *x <= v);
    let n = (sorted.len() - 1).max(1) as f64;
    (
        below as f64 / n,
        upto.saturating_sub(1).max(below) as f64 / n,
    )
}

#[test]
fn profiles_on_spark_equal_the_local_ones_within_their_stated_errors() {
    use swimlane::config::{CompareMode, Format, Table};
    use swimlane::model::profile::{Profile, SKETCH_STEPS};
    let Some(remote) = remote() else { return };
    let spark = Spark::connect(&remote).unwrap();
    let d = tempfile::tempdir().unwrap();
    let (base, head) = (features(30_000, false), features(30_000, true));
    let (b, h) = parquet_pair(d.path(), &base, &head);
    let table = Table::new(
        "features",
        "f.parquet",
        Format::Parquet,
        CompareMode::Distribution,
    );
    spark::compare_distribution(&spark, &table, b.to_str().unwrap(), h.to_str().unwrap()).unwrap();
    let on_spark = spark::profile::profiles(&spark, &table).unwrap();
    let check = |local: &Profile, remote: &Profile, df: &DataFrame| {
        assert_eq!(remote.row_count, local.row_count);
        assert_eq!(remote.duplicate_keys, local.duplicate_keys);
        assert_eq!(remote.columns.len(), local.columns.len());
        for (l, r) in local.columns.iter().zip(&remote.columns) {
            let c = &l.name;
            assert_eq!(r.name, l.name);
            assert_eq!(r.null_count, l.null_count, "{c}: nulls (NaN included)");
            // Spark's HyperLogLog (about 1%) against the local count, exact
            // in a column this small.
            let (dl, dr) = (l.distinct as f64, r.distinct as f64);
            assert!(
                (dl - dr).abs() <= 0.05 * dl.max(1.0),
                "{c}: distinct {dl} vs {dr}"
            );
            assert_eq!(r.text.is_some(), l.text.is_some(), "{c}");
            if let (Some(lt), Some(rt)) = (&l.text, &r.text) {
                assert_eq!(rt.empty, lt.empty, "{c}");
                assert_eq!(rt.top, lt.top, "{c}: top values");
            }
            assert_eq!(r.numbers.is_some(), l.numbers.is_some(), "{c}");
            let (Some(ln), Some(rn)) = (&l.numbers, &r.numbers) else {
                continue;
            };
            assert_eq!((rn.min, rn.max), (ln.min, ln.max), "{c}");
            assert!(
                close(rn.mean, ln.mean, 1e-9),
                "{c}: mean {} vs {}",
                rn.mean,
                ln.mean
            );
            assert!(
                close(rn.std, ln.std, 1e-9) || !ln.std.is_finite(),
                "{c}: std {} vs {}",
                rn.std,
                ln.std
            );
            assert_eq!(ln.rank_error, 0.0);
            assert_eq!(rn.rank_error, 1e-4);
            // Each quantile Spark gave is a value whose rank is within the
            // stated error of the one asked for.
            let values = {
                let s = df.column(c).unwrap().as_materialized_series();
                let s = if s.dtype().is_decimal() {
                    s.cast(&DataType::Float64).unwrap()
                } else {
                    s.to_physical_repr().cast(&DataType::Float64).unwrap()
                };
                let mut v: Vec<f64> = s
                    .f64()
                    .unwrap()
                    .iter()
                    .flatten()
                    .filter(|x| !x.is_nan())
                    .collect();
                v.sort_by(f64::total_cmp);
                v
            };
            let mut asked = vec![(0.01, rn.p01), (0.5, rn.p50), (0.99, rn.p99)];
            asked.extend(
                rn.sketch
                    .points
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (i as f64 / SKETCH_STEPS as f64, v)),
            );
            let slack = rn.rank_error + 1.0 / values.len() as f64;
            for (p, v) in asked {
                let (lo, hi) = rank_range(&values, v);
                assert!(
                    lo - slack <= p && p <= hi + slack,
                    "{c}: quantile {p} = {v} sits at ranks {lo}..{hi}"
                );
            }
        }
    };
    check(
        &swimlane::profile::of_frame(&base, None).unwrap(),
        &on_spark.base,
        &base,
    );
    check(
        &swimlane::profile::of_frame(&head, None).unwrap(),
        &on_spark.head,
        &head,
    );

    // A keyed table: its duplicated keys counted alike.
    let (kb, kh) = pair(3_000);
    let (pb, ph) = (d.path().join("kb.parquet"), d.path().join("kh.parquet"));
    write_parquet(&kb, &pb);
    write_parquet(&kh, &ph);
    let mut keyed = Table::new("plays", "p.parquet", Format::Parquet, CompareMode::Exact);
    keyed.key = vec!["id".into()];
    spark::compare_exact(&spark, &keyed, pb.to_str().unwrap(), ph.to_str().unwrap()).unwrap();
    let on_spark = spark::profile::profiles(&spark, &keyed).unwrap();
    let (_, local) = swimlane::profile::of_path(&ph, None, &keyed.key, None, None).unwrap();
    assert_eq!(local.duplicate_keys, Some(2), "7 and 11");
    check(&local, &on_spark.head, &kh);
}

/// `swimlane ARGS` in `dir` on the Spark server `remote`, with a data
/// directory of its own: the exit code and everything it printed.
fn swimlane_on(dir: &Path, remote: &str, args: &[&str]) -> (i32, String) {
    let o = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SWIMLANE_SPARK_REMOTE", remote)
        .env("SWIMLANE_DATA_DIR", dir.join("data"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        crate::support::output_text(&o),
    )
}

/// A Spark table name of this test run, dropped when it ends.
struct SparkTable {
    spark: Spark,
    name: String,
}

impl SparkTable {
    /// `default.PREFIX_PID_NANOS` on `remote`.
    fn new(remote: &str, prefix: &str) -> SparkTable {
        SparkTable {
            spark: Spark::connect(remote).unwrap(),
            name: format!(
                "default.{prefix}_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .subsec_nanos()
            ),
        }
    }
}

impl Drop for SparkTable {
    fn drop(&mut self) {
        for t in [self.name.clone(), format!("{}_notes", self.name)] {
            let _ = self.spark.sql(&format!("DROP TABLE IF EXISTS {t}"));
        }
    }
}

#[test]
fn a_spark_table_store_holds_the_same_series_and_audits_as_a_directory() {
    let Some(remote) = remote() else { return };
    let table = SparkTable::new(&remote, "swl_history");
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let spark_store = format!("spark:{}", table.name);
    let dir_store = format!("dir:{}", dir.join("store").display());
    let swimlane = |args: &[&str]| swimlane_on(dir, &remote, args);
    // Nothing recorded yet: an empty history, not an error.
    let (code, text) = swimlane(&["history", "ls", "--store", &spark_store]);
    assert_eq!(code, 0, "{text}");
    // Twelve days, one file recorded into both stores as the same point
    // (the same --as-of); on day 11 the nulls jump.
    for day in 0..12 {
        let nulls = if day < 11 { 100 } else { 4 };
        let csv: String = (0..400)
            .map(|i| {
                let thumb = if i % nulls == 0 { "" } else { "up" };
                format!("{i},{thumb},{}\n", (i * 7 + day) % 400)
            })
            .collect();
        fs::write(dir.join("plays.csv"), format!("id,thumb,score\n{csv}")).unwrap();
        let as_of = format!("2026-03-{:02}", day + 1);
        for store in [&spark_store, &dir_store] {
            let (code, text) = swimlane(&[
                "profile",
                "plays.csv",
                "--key",
                "id",
                "--record",
                "--as-of",
                &as_of,
                "--store",
                store,
            ]);
            assert!(code == 0 || day == 11, "{store} day {day}: {text}");
        }
    }
    let audit = |store: &str| -> Value {
        let out = dir.join("audit.json");
        let (code, text) = swimlane(&["audit", "--store", store, "--json", out.to_str().unwrap()]);
        assert_eq!(code, 1, "{store}: {text}");
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        // Run ids differ between the stores (each recording is its own).
        for s in v["series"].as_array_mut().unwrap() {
            s.as_object_mut().unwrap().remove("run");
            for c in s["changepoints"].as_array_mut().unwrap() {
                c.as_object_mut().unwrap().remove("run");
            }
        }
        v
    };
    let (on_spark, in_dir) = (audit(&spark_store), audit(&dir_store));
    assert_eq!(on_spark["series"], in_dir["series"]);
    assert_eq!(on_spark["verdict"], "fail");
    let anomalies: Vec<&str> = on_spark["series"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["check"]["status"] == "anomaly")
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        anomalies,
        ["plays.thumb.null_count", "plays.thumb.null_fraction"]
    );
    // The series read back equal, sketches included (the CSV export
    // leaves sketches out; `show --json` has every point).
    let show = |store: &str, series: &str| -> Value {
        let out = dir.join("show.json");
        let (code, text) = swimlane(&[
            "history",
            "show",
            series,
            "--store",
            store,
            "--json",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{text}");
        let mut v: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        for p in v["points"].as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("run");
        }
        v.as_object_mut().unwrap().remove("anomalies");
        v
    };
    assert_eq!(
        show(&spark_store, "plays.score.p50"),
        show(&dir_store, "plays.score.p50")
    );
    // A note on the Spark table: the day-11 run excluded, the audit passes.
    let day11 = {
        let out = dir.join("show.json");
        swimlane(&[
            "history",
            "show",
            "plays.row_count",
            "--store",
            &spark_store,
            "--json",
            out.to_str().unwrap(),
        ]);
        let v: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
        v["points"][11]["run"].as_str().unwrap().to_string()
    };
    let (code, text) = swimlane(&[
        "history",
        "exclude",
        &day11,
        "--reason",
        "bad load",
        "--store",
        &spark_store,
    ]);
    assert_eq!(code, 0, "{text}");
    let (code, text) = swimlane(&["audit", "--store", &spark_store, "--at", &day11]);
    assert_eq!(code, 0, "{text}");
    let page = dir.join("history.html");
    let (code, text) = swimlane(&[
        "history",
        "report",
        "--html",
        page.to_str().unwrap(),
        "--store",
        &spark_store,
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("12 runs"), "{text}");
    let (code, text) = swimlane(&["history", "compact", "--store", &spark_store]);
    assert_eq!(code, 2);
    assert!(
        text.contains("compacted by the cluster's own tools"),
        "{text}"
    );
}

/// Regression: a Spark table store kept no column types, so a date
/// column's history printed days since 1970. A table written before it
/// kept them gains the column, and its old rows still read.
#[test]
fn a_spark_table_store_keeps_column_types_and_gains_them_in_an_old_table() {
    let Some(remote) = remote() else { return };
    let table = SparkTable::new(&remote, "swl_history_types");
    // The table as an earlier swimlane created it, with one point in it.
    table
        .spark
        .sql(&format!(
            "CREATE TABLE {} (run STRING, recorded_at BIGINT, as_of BIGINT, `commit` STRING, \
             label STRING, `table` STRING, `column` STRING, metric STRING, value DOUBLE, \
             points ARRAY<DOUBLE>) USING parquet",
            table.name
        ))
        .unwrap();
    table
        .spark
        .sql(&format!(
            "INSERT INTO {} VALUES ('old-run', 1, 1, NULL, NULL, 'events', NULL, 'row_count', 3.0, NULL)",
            table.name
        ))
        .unwrap();
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let store = format!("spark:{}", table.name);
    fs::write(
        dir.join("events.csv"),
        "id,day\n1,2026-02-01\n2,2026-02-20\n",
    )
    .unwrap();
    let (code, text) = swimlane_on(
        dir,
        &remote,
        &[
            "profile",
            "events.csv",
            "--record",
            "--as-of",
            "2026-03-01",
            "--store",
            &store,
        ],
    );
    assert_eq!(code, 0, "{text}");
    let (code, ls) = swimlane_on(dir, &remote, &["history", "ls", "--store", &store]);
    assert_eq!(code, 0, "{ls}");
    assert!(
        ls.contains("events.row_count") && ls.contains(" 2 points"),
        "{ls}"
    );
    let max = ls.lines().find(|l| l.starts_with("events.day.max"));
    assert!(
        max.is_some_and(|l| l.ends_with("latest 2026-02-20")),
        "{ls}"
    );
}

#[test]
fn swimlane_profile_on_spark_records_files_and_catalog_tables_as_the_local_one_does() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let (_, head) = pair(3_000);
    write_parquet(&head, &dir.join("plays.parquet"));
    let catalog = SparkTable {
        spark: Spark::connect(&remote).unwrap(),
        name: format!("default.swl_profiled_{}", std::process::id()),
    };
    catalog
        .spark
        .sql(&format!(
            "CREATE TABLE {} USING parquet AS SELECT * FROM parquet.`{}`",
            catalog.name,
            dir.join("plays.parquet").display()
        ))
        .unwrap();
    let swimlane = |args: &[&str]| {
        let (code, text) = swimlane_on(dir, &remote, args);
        assert_eq!(code, 0, "{args:?}: {text}");
        text
    };
    let record = |target: &str, store: &str, engine: &[&str]| {
        let mut args = vec![
            "profile",
            target,
            "--key",
            "id",
            "--name",
            "plays",
            "--record",
            "--as-of",
            "2026-01-01",
            "--store",
            store,
        ];
        args.extend(engine);
        swimlane(&args)
    };
    record("plays.parquet", "local", &["--engine", "local"]);
    let text = record("plays.parquet", "spark", &["--engine", "spark"]);
    let line = format!("plays: {} rows, 3 columns", head.height());
    assert!(text.contains(&line), "{text}");
    // A catalog table is the cluster's: no --engine needed.
    let table = format!("table:{}", catalog.name);
    record(&table, "catalog", &[]);
    let metrics = |store: &str| -> std::collections::BTreeMap<String, f64> {
        let csv = swimlane(&["history", "export", "--csv", "--store", store]);
        csv.lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (format!("{}.{}.{}", f[5], f[6], f[7]), f[8].parse().unwrap())
            })
            .collect()
    };
    let (local, on_spark, catalog_metrics) =
        (metrics("local"), metrics("spark"), metrics("catalog"));
    assert_eq!(on_spark, catalog_metrics);
    assert_eq!(
        on_spark.keys().collect::<Vec<_>>(),
        local.keys().collect::<Vec<_>>()
    );
    for (series, l) in &local {
        let r = on_spark[series];
        let metric = series.rsplit('.').next().unwrap();
        match metric {
            "distinct" => assert!((l - r).abs() <= 0.05 * l, "{series}: {l} vs {r}"),
            // Spark's quantiles are values within 1/10,000 in rank; the
            // local ones interpolate: both within a step of the data.
            "p01" | "p50" | "p99" => assert!((l - r).abs() <= 1.0, "{series}: {l} vs {r}"),
            "mean" | "std" => assert!(close(*l, r, 1e-9), "{series}: {l} vs {r}"),
            _ => assert_eq!(*l, r, "{series}"),
        }
    }
    assert_eq!(local["plays..duplicate_keys"], 2.0);
}

/// Both engines, by the command line: a CSV column left empty in head is a
/// null shift (not a change of type), a date column written as timestamps
/// in head and a timestamp column in another unit are the same instants,
/// and a head without rows is a regression, never a pass.
#[test]
fn empty_csv_columns_dates_as_timestamps_and_emptied_tables_agree_on_both_engines() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let rows = |x: &dyn Fn(i64) -> String| -> String {
        (0..200).map(|i| format!("{i},{}\n", x(i))).collect()
    };
    fs::write(
        dir.join("b.csv"),
        format!("id,x\n{}", rows(&|i| format!("{}.5", i % 17))),
    )
    .unwrap();
    fs::write(
        dir.join("h.csv"),
        format!("id,x\n{}", rows(&|_| String::new())),
    )
    .unwrap();
    fs::write(dir.join("e.csv"), "id,x\n").unwrap();
    let days: Vec<i32> = (0..200).map(|i| 19_000 + i % 40).collect();
    let day = Series::new("day".into(), &days)
        .cast(&DataType::Date)
        .unwrap();
    let frame = |day: Series| {
        DataFrame::new(
            200,
            vec![Series::new("id".into(), 0..200i64).into(), day.into()],
        )
        .unwrap()
    };
    write_parquet(&frame(day.clone()), &dir.join("db.parquet"));
    let stamps = day
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    write_parquet(&frame(stamps), &dir.join("dh.parquet"));
    let json = |engine: &str, base: &str, head: &str| -> serde_json::Value {
        let out = format!("{engine}-{base}-{head}.json");
        let (code, text) = swimlane_on(
            dir,
            &remote,
            &[
                "compare",
                base,
                head,
                "--distribution",
                "--key",
                "id",
                "--engine",
                engine,
                "--json",
                &out,
                "-q",
            ],
        );
        assert!(code == 0 || code == 1, "{engine}: {text}");
        let doc: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(dir.join(&out)).unwrap()).unwrap();
        doc["tables"][0].clone()
    };
    for engine in ["local", "spark"] {
        let t = json(engine, "b.csv", "h.csv");
        assert_eq!(t["verdict"], "regression", "{engine}: {t}");
        assert!(
            t["untested"].as_array().is_none_or(Vec::is_empty),
            "{engine}: {t}"
        );
        assert_eq!(
            t["schema"]["changed"],
            serde_json::json!([]),
            "{engine}: {t}"
        );
        let x = &t["features"][0];
        assert_eq!(
            (x["column"].as_str(), x["test"].as_str()),
            (Some("x"), Some("ks")),
            "{engine}"
        );
        assert_eq!(x["null_shift"], 1.0, "{engine}: {x}");
        let t = json(engine, "b.csv", "e.csv");
        assert_eq!(t["verdict"], "regression", "{engine}: {t}");
        assert_eq!(t["features"][0]["head"]["rows"], 0, "{engine}: {t}");
        let t = json(engine, "db.parquet", "dh.parquet");
        assert_eq!(t["verdict"], "pass", "{engine}: {t}");
        let f = &t["features"][0];
        assert_eq!(
            (f["statistic"].as_f64(), f["paired"]["changed"].as_u64()),
            (Some(0.0), Some(0)),
            "{engine}: {f}"
        );
        assert!(
            f["unit"]
                .as_str()
                .unwrap()
                .starts_with("microseconds since 1970-01-01"),
            "{engine}: {f}"
        );
    }
}

/// ISO dates, datetimes without a zone (with `T` or a space, fractions,
/// dates among them) and instants with `Z` or an offset, in CSV and as
/// NDJSON strings: read as dates and times on both engines (Spark told the
/// local schema), and compared alike, within a `seconds` tolerance.
#[test]
fn iso_dates_and_times_in_csv_compare_alike_on_both_engines() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let start = chrono::NaiveDate::from_ymd_opt(2024, 3, 1)
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap();
    let row = |i: i64, head: bool| -> String {
        let day = start.date() + chrono::Duration::days(i % 40 + i64::from(head && i % 50 == 1));
        let mut t = start + chrono::Duration::seconds(i * 61);
        if head && i % 30 == 2 {
            t += chrono::Duration::seconds(5);
        }
        if head && i % 30 == 3 {
            t += chrono::Duration::milliseconds(500);
        }
        let t = match i % 10 {
            0 if !(head && i % 30 == 3) => t.format("%Y-%m-%d").to_string(),
            1 | 3 | 5 => t.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
            _ => t.format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        };
        let mut z = start + chrono::Duration::minutes(i);
        if head && i % 20 == 5 {
            z += chrono::Duration::hours(1);
        }
        let z = if head && i % 20 == 4 {
            (z + chrono::Duration::hours(2))
                .format("%Y-%m-%dT%H:%M:%S+02:00")
                .to_string()
        } else {
            z.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        format!("{i},{day},{t},{z}\n")
    };
    for (file, head) in [("b", false), ("h", true)] {
        let rows: String = (0..200).map(|i| row(i, head)).collect();
        fs::write(dir.join(format!("{file}.csv")), format!("id,d,t,z\n{rows}")).unwrap();
        // The same rows as NDJSON, whose dates and times are strings.
        let records: String = rows
            .lines()
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                format!(
                    "{{\"id\":{},\"d\":\"{}\",\"t\":\"{}\",\"z\":\"{}\"}}\n",
                    f[0], f[1], f[2], f[3]
                )
            })
            .collect();
        fs::write(dir.join(format!("{file}.ndjson")), records).unwrap();
    }
    let spec = |ext: &str| {
        format!(
            "[[table]]\nname = \"t\"\nbase = \"b.{ext}\"\nhead = \"h.{ext}\"\nkey = [\"id\"]\n[table.tolerance]\nt = {{ seconds = 1 }}\n"
        )
    };
    fs::write(dir.join("pairs.toml"), spec("csv")).unwrap();
    fs::write(dir.join("ndjson.toml"), spec("ndjson")).unwrap();
    let expected = [
        ("d", (0..200).filter(|i| i % 50 == 1).count()),
        ("t", (0..200).filter(|i| i % 30 == 2).count()),
        ("z", (0..200).filter(|i| i % 20 == 5).count()),
    ];
    let runs = ["local", "spark"]
        .into_iter()
        .flat_map(|engine| [(engine, "pairs.toml"), (engine, "ndjson.toml")]);
    for (engine, spec) in runs {
        let out = format!("{engine}-{spec}.json");
        let label = format!("{engine}, {spec}");
        let (code, text) = swimlane_on(
            dir,
            &remote,
            &[
                "compare", "--spec", spec, "--engine", engine, "--json", &out, "-q",
            ],
        );
        assert_eq!(code, 1, "{label}: {text}");
        let doc: Value =
            serde_json::from_str(&fs::read_to_string(dir.join(&out)).unwrap()).unwrap();
        let t = &doc["tables"][0];
        assert_eq!(t["rows"]["matched"], 200, "{label}: {t}");
        assert_eq!(
            t["schema"]["changed"],
            serde_json::json!([]),
            "{label}: {t}"
        );
        for (name, mismatches) in expected {
            let c = crate::support::column(t, name);
            assert_eq!(c["mismatches"], mismatches as u64, "{label} {name}: {c}");
            assert!(
                ["date", "datetime", "timestamp"]
                    .iter()
                    .any(|k| c["type"].as_str().unwrap().starts_with(k)),
                "{label} {name}: {c}"
            );
        }
    }
}

/// A Parquet table against its CSV export: the local engine reads each
/// side in its own format; the Spark engine reads both in one, and says so
/// rather than reading the CSV file as Parquet.
#[test]
fn the_spark_engine_refuses_sides_of_two_formats() {
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    let (base, _) = pair(10);
    write_parquet(&base, &d.path().join("base.parquet"));
    fs::write(d.path().join("head.csv"), "id,x\n1,2\n").unwrap();
    let o = Command::new(BIN)
        .args(["compare", "base.parquet", "head.csv", "--key", "id"])
        .args(["--engine", "spark", "--spark-remote", &remote])
        .current_dir(d.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains(
            "is parquet in base and csv in head: the spark engine reads both sides in one format"
        ),
        "{err}"
    );
    assert!(err.contains("--engine local"), "{err}");
}

#[test]
fn partitioned_tables_read_their_partition_values_as_columns_alike_on_both_engines() {
    // Spark's partitionBy layout: each day's values only in the path.
    // Both engines read `date` as a column, from a directory of tables
    // and from a glob of the files, and pair each day's rows with its own.
    let Some(remote) = remote() else { return };
    let d = tempfile::tempdir().unwrap();
    for (side, head) in [("a", false), ("b", true)] {
        for day in 1..=3 {
            let dir = d.path().join(format!("{side}/plays/date=2026-01-0{day}"));
            fs::create_dir_all(&dir).unwrap();
            // Every day holds members 0..40; head lost one and changed one
            // on day 2 only.
            let members: Vec<i64> = (0..40).filter(|&m| !(head && day == 2 && m == 7)).collect();
            let seconds: Vec<i64> = members
                .iter()
                .map(|&m| m * 10 + day + i64::from(head && day == 2 && m == 9))
                .collect();
            let df = df!("member_id" => members, "seconds" => seconds).unwrap();
            write_parquet(&df, &dir.join("part-00000.parquet"));
        }
        fs::write(d.path().join(format!("{side}/plays/_SUCCESS")), "").unwrap();
    }
    let key = ["--key", "date", "--key", "member_id"];
    for sides in [["a", "b"], ["a/plays/*/*.parquet", "b/plays/*/*.parquet"]] {
        let args = [&["compare"][..], &sides, &key].concat();
        let (local, spark) = regression_on_both(d.path(), &args, &remote);
        let (l, s) = (&local["tables"][0], &spark["tables"][0]);
        assert_eq!(s["engine"], "spark", "{sides:?}");
        assert_eq!(comparable(s), comparable(l), "{sides:?}");
        assert_eq!(
            (
                l["rows"]["base"].as_u64(),
                l["rows"]["missing"].as_u64(),
                l["rows"]["changed"].as_u64()
            ),
            (Some(120), Some(1), Some(1)),
            "{sides:?}: {l}"
        );
        let missing = l["missing_samples"].to_string();
        assert!(
            missing.contains("2026-01-02") && missing.contains('7'),
            "{missing}"
        );
    }
    // `profile` of the glob reads the day as a column on Spark too.
    for engine in ["local", "spark"] {
        let glob = "a/plays/*/*.parquet";
        let (code, text) = swimlane_on(d.path(), &remote, &["profile", glob, "--engine", engine]);
        assert_eq!(code, 0, "{engine}: {text}");
        assert!(
            text.contains("plays: 120 rows, 3 columns") && text.contains("\n  date "),
            "{engine}: {text}"
        );
    }
}
