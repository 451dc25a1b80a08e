//! `swimlane compare`: migrations without git.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};

use crate::support::BIN;

/// What `swimlane compare` did: its exit code, output and JSON report.
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) json: Value,
}

/// `swimlane compare ARGS --json` in `dir`.
pub(crate) fn compare(dir: &Path, args: &[&str]) -> Out {
    let json_path = dir.join("report.json");
    let _ = fs::remove_file(&json_path);
    let out = Command::new(BIN)
        .arg("compare")
        .args(args)
        .arg("--json")
        .arg(&json_path)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        json: fs::read_to_string(&json_path)
            .map(|s| serde_json::from_str(&s).unwrap())
            .unwrap_or(Value::Null),
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn table<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
}

#[test]
fn two_directories_with_a_table_missing_in_head() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "old/users.csv",
        "id,x,y\n1,a,10\n2,b,20\n3,c,30\n4,d,40\n",
    );
    write(
        d.path(),
        "new/users.csv",
        "id,x,y\n1,a,10\n2,B,20\n3,c,30\n5,e,50\n",
    );
    write(d.path(), "old/events/part-0.csv", "id,v\n1,x\n");
    write(d.path(), "old/events/part-1.csv", "id,v\n2,y\n");
    write(d.path(), "new/events/part-0.csv", "id,v\n1,x\n2,y\n");
    write(d.path(), "old/orders.csv", "id,total\n1,9.5\n");
    let r = compare(d.path(), &["old", "new", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["mode"], "compare");
    assert_eq!(table(&r.json, "orders")["verdict"], "regression");
    assert_eq!(table(&r.json, "events")["verdict"], "pass");
    // users: matched 3 (one with a changed x), 1 missing, 1 extra.
    // rows: 2 of 5 validate; cells (x, y): (3-1) + (3-0) = 5 of 5 rows x 2.
    let users = table(&r.json, "users");
    assert_eq!(
        users["validation"],
        json!({"rows_matched": 2, "rows_total": 5, "row_rate": 0.4, "cells_matched": 5, "cells_total": 10, "cell_rate": 0.5, "cells_not_compared": 0})
    );
    // The run: users (2/5 rows, 5/10 cells) + events (2/2 rows, 2/2 cells)
    // + orders, missing in head (0/1 rows, 0/1 cells).
    assert_eq!(r.json["validation"]["rows_matched"], 4);
    assert_eq!(r.json["validation"]["rows_total"], 8);
    assert_eq!(r.json["validation"]["cells_matched"], 7);
    assert_eq!(r.json["validation"]["cells_total"], 13);
    assert!(
        r.stdout
            .contains("validated: 50.00% of rows (4 of 8), 53.84% of cells (7 of 13"),
        "{}",
        r.stdout
    );
}

/// Regression: tables only on each side (a renamed one, or one dropped
/// and one added) stopped the whole comparison with an error, and the
/// spec it proposed named tables where a spec takes paths.
#[test]
fn tables_that_do_not_match_by_name_leave_the_others_compared_with_a_hint() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old/users.csv", "id\n1\n");
    write(d.path(), "new/customers.csv", "id\n1\n");
    write(d.path(), "old/orders.csv", "id,v\n1,2\n");
    write(d.path(), "new/orders.csv", "id,v\n1,3\n");
    let r = compare(d.path(), &["old", "new", "--key", "id"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(table(&r.json, "orders")["verdict"], "regression");
    assert_eq!(table(&r.json, "users")["verdict"], "regression");
    let notes = r.json["notes"].to_string();
    assert!(
        notes.contains("table `customers` exists only in head"),
        "{notes}"
    );
    let hint = "tables only in base (`users`) and only in head (`customers`): if one was renamed, pair them in a TOML passed with --spec, e.g. a `[[table]]` with name = \\\"users\\\", base = \\\"old/users.csv\\\", head = \\\"new/customers.csv\\\"";
    assert!(notes.contains(hint), "{notes}");
    // The hint's spec, written as it says, pairs them.
    write(
        d.path(),
        "spec.toml",
        "[[table]]\nname = \"users\"\nbase = \"old/users.csv\"\nhead = \"new/customers.csv\"\nkey = [\"id\"]\n",
    );
    let r = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_spec_pairs_renamed_tables_with_their_keys() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old/users.csv", "uid,name\n1,ann\n2,bob\n");
    write(d.path(), "new/customers.csv", "uid,name\n2,bob\n1,ann\n");
    write(
        d.path(),
        "pairs.toml",
        "[[table]]\nname = \"users\"\nbase = \"old/users.csv\"\nhead = \"new/customers.csv\"\nkey = [\"uid\"]\n",
    );
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["validation"]["row_rate"], 1.0);
    assert_eq!(table(&r.json, "users")["rows"]["matched"], 2);
}

/// Regression: a spec's report named both sides by the spec's path
/// (`base pairs.toml vs head pairs.toml`).
#[test]
fn a_specs_sides_are_named_by_their_files_or_folders() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old/users.csv", "uid\n1\n");
    write(d.path(), "new/customers.csv", "uid\n1\n");
    write(d.path(), "old/orders.csv", "id\n1\n");
    write(d.path(), "orders.csv", "id\n1\n");
    let users = "[[table]]\nname = \"users\"\nbase = \"old/users.csv\"\nhead = \"new/customers.csv\"\nkey = [\"uid\"]\n";
    let orders = "[[table]]\nname = \"orders\"\nbase = \"old/orders.csv\"\nhead = \"orders.csv\"\nkey = [\"id\"]\n";
    write(d.path(), "one.toml", users);
    write(d.path(), "two.toml", &format!("{users}{orders}"));
    let r = compare(d.path(), &["--spec", "one.toml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["base"]["rev"], "old/users.csv");
    assert_eq!(r.json["head"]["rev"], "new/customers.csv");
    // Two tables: base's share a folder, head's do not.
    let r = compare(d.path(), &["--spec", "two.toml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["base"]["rev"], "old/");
    assert_eq!(r.json["head"]["rev"], "two.toml, head side");
    assert!(
        r.stdout.contains("base old/ vs head two.toml, head side"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_bad_spec_points_at_the_line() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pairs.toml",
        "[[table]]\nname = \"users\"\nbase = \"nope.csv\"\nhead = \"x.csv\"\n",
    );
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("base file `nope.csv` does not exist"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pairs.toml:3:8"), "{}", r.stderr);
}

#[test]
fn two_files_and_a_table_only_in_head() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.csv", "id,v\n1,1\n");
    write(d.path(), "b.csv", "id,v\n1,1\n");
    let r = compare(d.path(), &["a.csv", "b.csv", "--key", "id", "-v"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("PASS: 1 table unchanged — base a.csv vs head b.csv"),
        "{}",
        r.stdout
    );

    write(d.path(), "old/t.csv", "id\n1\n");
    write(d.path(), "new/t.csv", "id\n1\n");
    write(d.path(), "new/extra.csv", "id\n1\n");
    let r = compare(d.path(), &["old", "new", "--key", "id"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.json["notes"],
        json!(["table `extra` exists only in head (new; not compared)"])
    );
}

#[test]
fn unreadable_outputs_are_errors_that_name_the_file() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok.csv", "id,v\n1,a\n");
    write(d.path(), "ragged.csv", "id,v\n1,a,EXTRA\n2\n");
    write(d.path(), "empty.csv", "");
    fs::write(
        d.path().join("corrupt.parquet"),
        b"PAR1 this is not parquet",
    )
    .unwrap();
    let r = compare(d.path(), &["ok.csv", "ragged.csv", "--key", "id"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    let (before_help, help) = error.split_once("\nhelp: ").expect("a help line");
    assert!(
        before_help.contains("./ragged.csv:2: row has 3 fields where the header has 2"),
        "the cause, with its line, comes before the help: {error}"
    );
    assert!(
        help.contains("check that the export quotes such values"),
        "{error}"
    );
    let r = compare(d.path(), &["ok.csv", "empty.csv", "--key", "id"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(error.contains("./empty.csv is empty"), "{error}");
    let r = compare(
        d.path(),
        &["corrupt.parquet", "corrupt.parquet", "--key", "id"],
    );
    assert_eq!(r.code, 2);
    assert!(
        r.json["errors"][0]
            .as_str()
            .unwrap()
            .contains("cannot read ./corrupt.parquet as parquet")
    );
}

#[test]
fn header_only_and_null_keys_compare_without_crashing() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "base.csv", "id,v\n1,a\n2,b\n");
    write(d.path(), "header.csv", "id,v\n");
    let r = compare(d.path(), &["base.csv", "header.csv", "--key", "id"]);
    assert_eq!(r.code, 1);
    assert_eq!(r.json["tables"][0]["rows"]["missing"], 2);
    // Null keys match null keys (by occurrence) and nothing else.
    write(d.path(), "a.csv", "id,v\n,x\n1,a\n");
    write(d.path(), "b.csv", "id,v\n,x\n1,a\n");
    let r = compare(d.path(), &["a.csv", "b.csv", "--key", "id"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.json["tables"][0]["rows"]["matched"], 2);
}

#[test]
fn odd_but_valid_outputs_compare_correctly() {
    let d = tempfile::tempdir().unwrap();
    // Column names with spaces and unicode, an all-null column.
    write(
        d.path(),
        "a.csv",
        "id,\"play seconds\",país,empty\n1,1.5,ES,\n2,2.5,FR,\n",
    );
    write(
        d.path(),
        "b.csv",
        "id,\"play seconds\",país,empty\n1,1.5,ES,\n2,2.5,DE,\n",
    );
    let r = compare(d.path(), &["a.csv", "b.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let cols = r.json["tables"][0]["columns"].as_array().unwrap().clone();
    let by = |n: &str| cols.iter().find(|c| c["name"] == n).unwrap()["mismatches"].clone();
    assert_eq!(by("país"), 1);
    assert_eq!(by("play seconds"), 0);
    assert_eq!(by("empty"), 0);

    // 1,000 columns, one changed.
    let header: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
    let row = |v: &dyn Fn(usize) -> usize| {
        (0..1000)
            .map(|i| v(i).to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    write(
        d.path(),
        "wide_a.csv",
        &format!("id,{}\n1,{}\n", header.join(","), row(&|i| i)),
    );
    write(
        d.path(),
        "wide_b.csv",
        &format!(
            "id,{}\n1,{}\n",
            header.join(","),
            row(&|i| if i == 777 { 0 } else { i })
        ),
    );
    let r = compare(d.path(), &["wide_a.csv", "wide_b.csv", "--key", "id"]);
    assert_eq!(r.code, 1);
    let changed: Vec<_> = r.json["tables"][0]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["mismatches"] != 0)
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0]["name"], "c777");

    // Not UTF-8: a clear error, not a pass.
    fs::write(d.path().join("latin1.csv"), b"id,v\n1,caf\xe9\n").unwrap();
    let r = compare(d.path(), &["a.csv", "latin1.csv", "--key", "id"]);
    assert_eq!(r.code, 2);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(error.contains("latin1.csv:2: not UTF-8"), "{error}");
}

#[test]
fn nested_values_show_the_path_that_differs() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "a.ndjson",
        "{\"id\":1,\"address\":{\"zip\":\"10001\",\"city\":\"NY\"},\"items\":[{\"price\":1.5},{\"price\":2.5}]}\n\
         {\"id\":2,\"address\":{\"zip\":\"75001\",\"city\":\"Paris\"},\"items\":[{\"price\":3.0}]}\n",
    );
    write(
        d.path(),
        "b.ndjson",
        "{\"id\":1,\"address\":{\"zip\":\"10002\",\"city\":\"NY\"},\"items\":[{\"price\":1.5},{\"price\":2.75}]}\n\
         {\"id\":2,\"address\":{\"zip\":\"75001\",\"city\":\"Paris\"},\"items\":[{\"price\":3.0}]}\n",
    );
    let r = compare(d.path(), &["a.ndjson", "b.ndjson", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let cols = r.json["tables"][0]["columns"].as_array().unwrap().clone();
    let col = |n: &str| cols.iter().find(|c| c["name"] == n).unwrap().clone();
    assert_eq!(col("address")["mismatches"], 1);
    assert_eq!(col("address")["samples"][0]["path"], "address.zip");
    assert_eq!(
        col("address")["samples"][0]["base"],
        json!({"zip": "10001", "city": "NY"})
    );
    assert_eq!(col("items")["mismatches"], 1);
    assert_eq!(col("items")["samples"][0]["path"], "items[1].price");
    assert!(r.stdout.contains("at `items[1].price`"), "{}", r.stdout);
}

/// `csv/{base,head}/t.csv` holding `base` and `head`, and the same frames
/// as `pq/{base,head}/t.parquet` (in row groups of `row_group` rows).
fn csv_and_parquet_pair(dir: &Path, base: &str, head: &str, row_group: Option<usize>) {
    use polars::prelude::*;
    write(dir, "csv/base/t.csv", base);
    write(dir, "csv/head/t.csv", head);
    for side in ["base", "head"] {
        let mut df = CsvReadOptions::default()
            .try_into_reader_with_file_path(Some(dir.join(format!("csv/{side}/t.csv"))))
            .unwrap()
            .finish()
            .unwrap();
        fs::create_dir_all(dir.join(format!("pq/{side}"))).unwrap();
        let file = fs::File::create(dir.join(format!("pq/{side}/t.parquet"))).unwrap();
        ParquetWriter::new(file)
            .with_row_group_size(row_group)
            .finish(&mut df)
            .unwrap();
    }
}

#[test]
fn parquet_compared_from_disk_under_a_tiny_budget_reports_what_the_loaded_csv_does() {
    let d = tempfile::tempdir().unwrap();
    let mut base = String::from("id,country,amount,note\n");
    let mut head = base.clone();
    for i in 0..3_000 {
        let note = if i % 7 == 0 {
            String::new()
        } else {
            format!("n{}", i % 13)
        };
        base.push_str(&format!("{i},c{},{}.25,{note}\n", i % 5, i));
        if i % 101 != 0 {
            let amount = if i % 37 == 0 { i + 1 } else { i };
            head.push_str(&format!("{i},c{},{amount}.25,{note}\n", i % 5));
        }
    }
    head.push_str("5,c0,5.25,dup\n9999,c1,1.25,new\n");
    csv_and_parquet_pair(d.path(), &base, &head, Some(500));
    // Profiled too: from the reads of the comparison on disk, from the
    // loaded frames otherwise; the same figures either way.
    let loaded = compare(
        d.path(),
        &["csv/base", "csv/head", "--key", "id", "--profile"],
    );
    let from_disk = compare(
        d.path(),
        &[
            "pq/base",
            "pq/head",
            "--key",
            "id",
            "--memory-budget",
            "1KiB",
            "--profile",
        ],
    );
    assert_eq!(loaded.code, 1, "{}", loaded.stderr);
    assert_eq!(from_disk.code, 1, "{}", from_disk.stderr);
    let mut t = table(&from_disk.json, "t").clone();
    assert_eq!(t["out_of_core"], true);
    assert_eq!(table(&loaded.json, "t").get("out_of_core"), None);
    assert_eq!(t["profile"]["head"]["row_count"], 3_000 - 30 + 2);
    assert_eq!(t["profile"]["head"]["columns"].as_array().unwrap().len(), 4);
    t.as_object_mut().unwrap().remove("out_of_core");
    assert_eq!(&t, table(&loaded.json, "t"));
    // 30 ids dropped (every 101st), 2 extra (a duplicate 5 and a new id),
    // 81 amounts changed among the rows kept (multiples of 37 but 0).
    assert_eq!(t["rows"]["missing"], 30);
    assert_eq!(t["rows"]["extra"], 2);
    let amount = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "amount")
        .unwrap();
    assert_eq!(amount["mismatches"], 81);
}

#[test]
fn distribution_parquet_read_a_column_pair_at_a_time_reports_what_the_loaded_csv_does() {
    let d = tempfile::tempdir().unwrap();
    let mut base = String::from("id,country,amount,score\n");
    let mut head = base.clone();
    for i in 0..2_000 {
        base.push_str(&format!("{i},c{},{}.5,{}\n", i % 5, i % 97, i % 10));
        // Head: amounts shifted up, countries skewed, scores unchanged.
        head.push_str(&format!("{i},c{},{}.5,{}\n", i % 3, i % 97 + 9, i % 10));
    }
    csv_and_parquet_pair(d.path(), &base, &head, None);
    let args = |dir: &str| -> Vec<String> {
        let mut a = vec![
            format!("{dir}/base"),
            format!("{dir}/head"),
            "--distribution".into(),
            "--ignore".into(),
            "id".into(),
            "--profile".into(),
        ];
        if dir == "pq" {
            // One column pair in memory at a time.
            a.extend(["--memory-budget".into(), "1KiB".into()]);
        }
        a
    };
    let (csv, pq) = (args("csv"), args("pq"));
    let loaded = compare(
        d.path(),
        &csv.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    let from_disk = compare(d.path(), &pq.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(loaded.code, 1, "{}", loaded.stderr);
    assert_eq!(from_disk.code, 1, "{}", from_disk.stderr);
    let mut t = table(&from_disk.json, "t").clone();
    assert_eq!(t["out_of_core"], true);
    // The ignored key is not tested, but it is profiled (read for that).
    let names: Vec<&str> = t["profile"]["base"]["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "country", "amount", "score"]);
    t.as_object_mut().unwrap().remove("out_of_core");
    assert_eq!(&t, table(&loaded.json, "t"));
    let features: Vec<&str> = t["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["column"].as_str().unwrap())
        .collect();
    assert_eq!(features, ["country", "amount", "score"]);
}

#[test]
fn profile_puts_both_sides_figures_in_the_report_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    // x = 1..=100 in base; head drops x = 100 and has one null.
    let mut base = String::from("id,x,s\n");
    let mut head = base.clone();
    for i in 1..=100 {
        let s = if i % 4 == 0 { "" } else { "a" };
        base.push_str(&format!("{i},{i},{s}\n"));
        if i < 100 {
            let x = if i == 1 { String::new() } else { i.to_string() };
            head.push_str(&format!("{i},{x},{s}\n"));
        }
    }
    write(d.path(), "base/t.csv", &base);
    write(d.path(), "head/t.csv", &head);
    let plain = compare(d.path(), &["base", "head", "--key", "id"]);
    assert_eq!(table(&plain.json, "t").get("profile"), None);
    let r = compare(
        d.path(),
        &["base", "head", "--key", "id", "--profile", "-v"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    // -v prints them too.
    assert!(
        r.stdout.contains("= profile (base → head): rows 100 → 99"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("x: nulls 0.00% → 1.01%, distinct 100 → 98, p01 1.99 → "),
        "{}",
        r.stdout
    );
    let p = &table(&r.json, "t")["profile"];
    let column = |side: &str, name: &str| -> Value {
        p[side]["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(p["base"]["row_count"], 100);
    assert_eq!(p["head"]["row_count"], 99);
    assert_eq!(p["base"]["duplicate_keys"], 0);
    // numpy: mean, std(ddof=1), quantile(linear) of 1..=100.
    let x = column("base", "x");
    assert_eq!(x["mean"], 50.5);
    // Counted, not estimated, in a column this small.
    assert_eq!(
        (x["distinct"].clone(), x["distinct_relative_error"].clone()),
        (json!(100), json!(0.0))
    );
    assert!((x["std"].as_f64().unwrap() - 29.011491975882016).abs() < 1e-12);
    assert!((x["p01"].as_f64().unwrap() - 1.99).abs() < 1e-12);
    assert_eq!(x["p50"], 50.5);
    assert!((x["p99"].as_f64().unwrap() - 99.01).abs() < 1e-12);
    assert_eq!(x["sketch"]["points"].as_array().unwrap().len(), 129);
    assert_eq!(x["sketch"]["rank_error"], 1.0 / 256.0);
    let hx = column("head", "x");
    assert_eq!(
        (hx["null_count"].clone(), hx["min"].clone()),
        (json!(1), json!(2.0))
    );
    // Empty strings are nulls in CSV: a quarter of `s`.
    let s = column("base", "s");
    assert_eq!(s["null_fraction"], 0.25);
    assert_eq!(
        s["top"][0],
        json!({"value": "a", "count": 75, "share": 0.75})
    );
}

/// A compare's profiles of numeric and text columns its key pairs are read once
/// where both sides hold the same values, for both sides
/// (`profile::of_pair`, in sides of more values than are counted exactly):
/// each side's profile is still the one `swimlane profile` takes of its
/// file alone (mean and standard deviation to their last bits), in key
/// order and shuffled, with rows on one side only, changed values, nulls
/// and NaN; text likewise (its counts and top values).
#[test]
fn a_compares_profiles_read_once_where_the_sides_agree_are_each_files_own() {
    use polars::prelude::*;
    use rand::{Rng, SeedableRng, seq::SliceRandom};
    let n = 140_000i64;
    let mut rng = rand::rngs::StdRng::seed_from_u64(16);
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 101 {
            0 => None,
            1 if i > 1000 => Some(f64::NAN),
            _ => Some(rng.random::<f64>() * 50.0 - 10.0),
        })
        .collect();
    let rating: Vec<i64> = (0..n).map(|_| rng.random_range(0..5)).collect();
    let code: Vec<Option<u32>> = (0..n)
        .map(|i| (i % 7 != 0).then(|| rng.random_range(0..400_000)))
        .collect();
    // Text: categories, and long strings of a few hundred values.
    let text: Vec<Option<String>> = (0..n)
        .map(|i| match i % 7 {
            0 => Some(format!("a longer value, number {}", i % 300)),
            1 if i % 3 == 0 => None,
            c => Some(["US", "FR", "DE", "BR", "", "JP"][c as usize - 1].to_string()),
        })
        .collect();
    let base = df!(
        "id" => (0..n).collect::<Vec<_>>(),
        "x" => &x,
        "rating" => &rating,
        "code" => &code,
        "s" => &text,
    )
    .unwrap();
    // Head: every 331st row gone, rows of new keys, values changed.
    type Row = (i64, Option<f64>, i64, Option<u32>, Option<String>);
    let mut rows: Vec<Row> = Vec::new();
    for i in 0..n as usize {
        if i % 331 == 5 {
            continue;
        }
        let (mut xi, mut ri, mut ci, mut si) = (x[i], rating[i], code[i], text[i].clone());
        if i % 257 == 3 {
            xi = xi.map(|v| v + 1.0).or(Some(7.5));
        }
        if i % 401 == 9 {
            ri += 1;
        }
        if i % 503 == 11 {
            ci = None;
        }
        if i % 211 == 4 {
            si = si.map(|s| s + "*");
        }
        rows.push((i as i64, xi, ri, ci, si));
        if i % 613 == 0 {
            let new = Some(format!("new {}", i % 5));
            rows.push((n + i as i64, Some(1e6), 9, Some(500_000), new));
        }
    }
    let head_of = |rows: &[Row]| {
        df!(
            "id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "x" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "rating" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "code" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "s" => rows.iter().map(|r| r.4.clone()).collect::<Vec<_>>(),
        )
        .unwrap()
    };
    let d = tempfile::tempdir().unwrap();
    for layout in ["ordered", "shuffled"] {
        let dir = d.path().join(layout);
        let (mut b, mut h) = (base.clone(), head_of(&rows));
        if layout == "shuffled" {
            let shuffle = |df: &DataFrame, rng: &mut rand::rngs::StdRng| {
                let mut order: Vec<IdxSize> = (0..df.height() as IdxSize).collect();
                order.shuffle(rng);
                df.take(&IdxCa::from_vec("i".into(), order)).unwrap()
            };
            (b, h) = (shuffle(&b, &mut rng), shuffle(&h, &mut rng));
        }
        for (side, df) in [("base", &mut b), ("head", &mut h)] {
            fs::create_dir_all(dir.join(side)).unwrap();
            let file = fs::File::create(dir.join(side).join("t.parquet")).unwrap();
            ParquetWriter::new(file).finish(df).unwrap();
        }
        let r = compare(&dir, &["base", "head", "--key", "id", "--profile"]);
        assert_eq!(r.code, 1, "{layout}: {}", r.stderr);
        let compared = &table(&r.json, "t")["profile"];
        for side in ["base", "head"] {
            let out = Command::new(BIN)
                .args(["profile", &format!("{side}/t.parquet"), "--json", "p.json"])
                .current_dir(&dir)
                .output()
                .unwrap();
            assert_eq!(
                out.status.code(),
                Some(0),
                "{}",
                crate::support::output_text(&out)
            );
            let own: Value =
                serde_json::from_str(&fs::read_to_string(dir.join("p.json")).unwrap()).unwrap();
            for name in ["x", "rating", "code", "s"] {
                let got = crate::support::column(&compared[side], name)
                    .as_object()
                    .unwrap();
                let want = crate::support::column(&own["tables"][0], name)
                    .as_object()
                    .unwrap();
                assert_eq!(
                    got.keys().collect::<Vec<_>>(),
                    want.keys().collect::<Vec<_>>()
                );
                for (k, v) in want {
                    let what = format!("{layout}, {side}, {name}: {k}");
                    if k == "mean" || k == "std" {
                        let (p, q) = (got[k].as_f64().unwrap(), v.as_f64().unwrap());
                        assert!((p - q).abs() <= 1e-12 * q.abs(), "{what}: {p} against {q}");
                    } else {
                        assert_eq!(&got[k], v, "{what}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_memory_budget_that_is_not_a_size_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let out = compare(d.path(), &["a", "b", "--memory-budget", "lots"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`lots` is not a size"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("--memory-budget"), "{}", out.stderr);
}

#[test]
fn a_truncated_csv_row_is_an_error_not_a_row_of_nulls() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,a,b\n1,x,2\n2,y,3\n");
    write(d.path(), "new.csv", "id,a,b\n1,x,2\n2,y\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("./new.csv:3: row has 2 fields where the header has 3"),
        "{error}"
    );
}

#[test]
fn a_tables_error_is_printed_once_in_full_not_three_times() {
    // Was printed in the run's errors, as the table's summary, and again
    // in full under the table's name, its help twice.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,a,b\n1,x,2\n");
    write(d.path(), "new.csv", "id,a,b\n1,x\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let message = "./new.csv:2: row has 2 fields where the header has 3";
    // In full with its help among the errors; its first line in the
    // table's summary.
    assert_eq!(r.stdout.matches(message).count(), 2, "{}", r.stdout);
    assert_eq!(
        r.stdout.matches("help: a row cut short").count(),
        1,
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains(&format!("not compared: head output: {message}")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_misspelt_key_column_is_answered_with_the_one_meant() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "user_id,v\n1,a\n");
    write(d.path(), "new.csv", "user_id,v\n1,a\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "user_di"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("key column `user_di` is not in the base output"),
        "{error}"
    );
    assert!(
        error.contains("help: did you mean `user_id`? name columns both files have with --key"),
        "{error}"
    );
}

/// Regression: with every column but the key ignored, an exact table said
/// "100.00% of cells (0 of 0)" and a distribution table passed with an
/// empty summary: passes that read as values that agreed.
#[test]
fn a_table_with_nothing_but_its_key_compared_says_so() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n1,2\n");
    write(d.path(), "new.csv", "id,v\n1,3\n");
    let r = compare(
        d.path(),
        &["old.csv", "new.csv", "--key", "id", "--ignore", "v"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "validated: 100.00% of rows (1 of 1), no cells (no column but the key compared)"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("no column but the key was compared"),
        "{}",
        r.stdout
    );
    assert!(r.json["validation"]["cell_rate"].is_null(), "{}", r.json);
    let r = compare(
        d.path(),
        &[
            "old.csv",
            "new.csv",
            "--distribution",
            "--key",
            "id",
            "--ignore",
            "v",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("no column was tested: every column is a key or ignored"),
        "{}",
        r.stdout
    );
    // A column retyped with loss is not compared either, but it is no
    // ignored column: the type change says so, not this note.
    write(d.path(), "new.csv", "id,v\n1,x\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(!r.stdout.contains("no column but the key"), "{}", r.stdout);
}

#[test]
fn a_misspelt_ignored_column_is_answered_with_the_one_meant() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,value,amount\n1,2,3\n");
    write(d.path(), "new.csv", "id,value,amount\n1,5,3\n");
    let r = compare(
        d.path(),
        &["old.csv", "new.csv", "--key", "id", "--ignore", "valeu"],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "ignore names `valeu`, a column neither side has: it applies to nothing (did you mean `value`?)"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn compare_errors_speak_of_compare_options() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n1,a\n");
    write(d.path(), "new.csv", "id,v\n1,a\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "uid"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("key column `uid` is not in the base output"),
        "{error}"
    );
    assert!(
        error.contains("help: did you mean `id`? name columns both files have with --key"),
        "{error}"
    );
    assert!(!error.contains("config"), "{error}");
    fs::write(d.path().join("bad.parquet"), b"PAR1 not parquet").unwrap();
    let r = compare(d.path(), &["bad.parquet", "bad.parquet", "--key", "id"]);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("pass --format parquet|csv|ndjson|ipc"),
        "{error}"
    );
    assert!(!error.contains("stage"), "{error}");
}

#[test]
fn semicolon_files_are_named_by_the_header_and_read_with_a_delimiter() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id;amount\n1;2,50\n2;3,00\n");
    write(d.path(), "new.csv", "id;amount\n1;2,50\n2;3,10\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("./old.csv:1: the header is one column, `id;amount`"),
        "{error}"
    );
    assert!(
        error.contains("help: the file looks delimited by `;`: pass --delimiter ';'"),
        "{error}"
    );
    let r = compare(
        d.path(),
        &["old.csv", "new.csv", "--key", "id", "--delimiter", ";"],
    );
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["tables"][0]["columns"][0]["mismatches"], 1);
    write(d.path(), "tab.tsv", "id\tv\n1\tx\n");
    let r = compare(
        d.path(),
        &[
            "tab.tsv",
            "tab.tsv",
            "--key",
            "id",
            "--format",
            "csv",
            "--delimiter",
            "tab",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn tsv_files_are_csv_delimited_by_tabs_without_flags() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.tsv", "id\tv\n1\ta,b\n2\tc\n");
    write(d.path(), "new.tsv", "id\tv\n1\ta,b\n2\td\n");
    let r = compare(d.path(), &["old.tsv", "new.tsv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(r.json["tables"][0]["columns"][0]["name"], "v");
    assert_eq!(r.json["tables"][0]["columns"][0]["mismatches"], 1);
    // And as tables of directories.
    for (side, text) in [("a", "id\tv\n1\tx\n"), ("b", "id\tv\n1\tx\n")] {
        fs::create_dir_all(d.path().join(side)).unwrap();
        write(&d.path().join(side), "t.tsv", text);
    }
    let r = compare(d.path(), &["a", "b", "--key", "id"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
}

#[test]
fn a_spec_takes_tolerances_string_options_and_delimiters() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "old/orders.csv",
        "id;amount;city\n1;9.50;Paris\n2;3.333;Oslo\n",
    );
    write(
        d.path(),
        "new/orders.csv",
        "id;amount;city\n1;9.5;paris \n2;3.334;OSLO\n",
    );
    let spec = "[[table]]\nname = \"orders\"\nbase = \"old/orders.csv\"\nhead = \"new/orders.csv\"\nkey = [\"id\"]\ndelimiter = \";\"\n[table.tolerance]\namount = { abs = 0.01 }\n[table.strings]\ntrim = true\nignore_case = true\n";
    write(d.path(), "pairs.toml", spec);
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let amount = &table(&r.json, "orders")["columns"][0];
    assert_eq!(amount["name"], "amount");
    assert!(amount["max_abs_diff"].as_f64().unwrap() > 0.0, "{amount}");
    // Without the tolerance the amounts differ.
    write(
        d.path(),
        "strict.toml",
        &spec.replace("[table.tolerance]\namount = { abs = 0.01 }\n", ""),
    );
    let r = compare(d.path(), &["--spec", "strict.toml"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    // A spec's table errors point into the spec.
    write(
        d.path(),
        "typo.toml",
        &spec.replace("trim = true", "trimm = true"),
    );
    let r = compare(d.path(), &["--spec", "typo.toml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown field `trimm`"), "{}", r.stderr);
    assert!(r.stderr.contains("typo.toml:10:1"), "{}", r.stderr);
}

#[test]
fn a_table_missing_in_head_counts_its_rows_as_not_validated() {
    // Two tables, one migrated whole and one lost: "validated: 100.00% of
    // rows", since the lost table's rows were left out of the totals.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/kept.csv", "id,v\n1,x\n2,y\n3,z\n");
    write(d.path(), "b/kept.csv", "id,v\n1,x\n2,y\n3,z\n");
    write(d.path(), "a/lost.csv", "id,v,w\n1,x,1\n2,y,2\n");
    let r = compare(d.path(), &["a", "b", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("100.00%"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("validated: 60.00% of rows (3 of 5), 42.85% of cells (3 of 7"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("table `lost` exists in base but not in head: 2 rows of base not validated"),
        "{}",
        r.stdout
    );
    let v = &r.json["validation"];
    assert_eq!(
        (v["rows_matched"].as_u64(), v["rows_total"].as_u64()),
        (Some(3), Some(5)),
        "{v}"
    );
}

#[test]
fn a_row_with_a_cell_not_compared_is_not_validated() {
    // `v` became text (values not compared) or was dropped: "validated:
    // 100.00% of rows (3 of 3), 0.00% of cells" called rows proven whose
    // only value was never compared.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n1,1\n2,2\n3,3\n");
    write(d.path(), "text.csv", "id,v\n1,1\n2,2\n3,x\n");
    write(d.path(), "dropped.csv", "id\n1\n2\n3\n");
    for head in ["text.csv", "dropped.csv"] {
        let r = compare(d.path(), &["old.csv", head, "--key", "id"]);
        assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains(
                "validated: 0.00% of rows (0 of 3), 0.00% of cells (0 of 3; 3 not compared"
            ),
            "{head}: {}",
            r.stdout
        );
        assert_eq!(r.json["validation"]["rows_matched"], 0, "{head}");
    }
}

#[test]
fn a_flag_migrated_to_one_and_zero_is_compared_by_value() {
    // A database without booleans: true/false became 1/0. The values were
    // not compared ("retyped with loss"), so a flag flipped in the move
    // went unseen.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,active\n1,true\n2,false\n3,true\n");
    write(d.path(), "new.csv", "id,active\n1,1\n2,0\n3,0\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "column `active` changed type: bool -> i64 (nothing lost: values compared as i64)"
        ) && r.stdout.contains("id=3: true → 0"),
        "{}",
        r.stdout
    );
    assert_eq!(r.json["validation"]["cells_matched"], 2);
}

#[test]
fn a_partitioned_table_is_compared_with_each_level_a_column_and_a_mixed_one_named() {
    // Spark's partitionBy layout (plays/date=.../part-0.csv, the day only
    // in the path) was read as no table: "not compared" beside users, "no
    // tables found" alone. It is one table, `date` one of its columns.
    let d = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        write(
            d.path(),
            &format!("{side}/users.csv"),
            "date,id,v\n2026-01-01,1,x\n",
        );
        for (day, v) in [("2026-01-01", 2), ("2026-01-02", 3)] {
            let v = if side == "b" && day == "2026-01-02" {
                4
            } else {
                v
            };
            write(
                d.path(),
                &format!("{side}/plays/date={day}/part-0.csv"),
                &format!("id,v\n1,{v}\n"),
            );
        }
        // Spark's marker and an unfinished write's leftovers: no data.
        write(d.path(), &format!("{side}/plays/_SUCCESS"), "");
        write(
            d.path(),
            &format!("{side}/plays/_temporary/0/part-9.csv"),
            "id,v\n1,5\n",
        );
    }
    let r = compare(d.path(), &["a", "b", "--key", "date", "--key", "id"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("  plays  regression  rows 2 → 2, 1 changed")
            && r.stdout.contains("date=\"2026-01-02\" id=1: 3 → 4"),
        "{}",
        r.stdout
    );
    assert!(
        r.json["not_compared"].as_array().is_none_or(Vec::is_empty),
        "{}",
        r.json
    );
    // A directory beside the partitions: no layout swimlane reads as one
    // table, named as not compared, never passed over.
    for side in ["a", "b"] {
        write(
            d.path(),
            &format!("{side}/plays/notes/readme.csv"),
            "x\n1\n",
        );
    }
    let r = compare(d.path(), &["a", "b", "--key", "date", "--key", "id"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("plays` of base not compared: its partition directories (`date=2026-01-01`, …) lie beside other files or directories"),
        "{}",
        r.stdout
    );
    // Neither the headline nor the rate may read as if all was compared.
    assert!(
        r.stdout
            .contains("PASS: no table regressed; 2 directories of data not compared")
            && r.stdout.contains(
                "validated: 100.00% of rows (1 of 1), 100.00% of cells (1 of 1); 2 directories of data not compared, their rows not counted"
            ),
        "{}",
        r.stdout
    );
    assert_eq!(r.json["not_compared"].as_array().map(Vec::len), Some(2));
    std::fs::remove_file(d.path().join("a/users.csv")).unwrap();
    let r = compare(d.path(), &["a", "b", "--key", "id"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("no tables found in")
            && r.stderr.contains("`plays`: its partition directories"),
        "{}",
        r.stderr
    );
}

/// Writes `rows` (`member_id,seconds` lines) as Parquet to `rel` under
/// `dir`: a partition's file as Spark's partitionBy writes it (the
/// partition's value only in the path).
fn parquet_part(dir: &Path, rel: &str, rows: &[(i64, i64)]) {
    use polars::prelude::*;
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut df = df!(
        "member_id" => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        "seconds" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
    )
    .unwrap();
    ParquetWriter::new(fs::File::create(p).unwrap())
        .finish(&mut df)
        .unwrap();
}

#[test]
fn spark_partitions_pair_rows_with_their_own_partitions_by_the_values_in_their_paths() {
    // plays/date=.../part-0.parquet as Spark's partitionBy writes it: the
    // day only in the path. A member has a row each day; head lost member
    // 1's first day. Without the day as a column the key could not name
    // it, and rows paired across days by occurrence.
    let d = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        let first: &[(i64, i64)] = if side == "b" {
            &[(2, 20)]
        } else {
            &[(1, 10), (2, 20)]
        };
        let changed = if side == "b" { 99 } else { 21 };
        parquet_part(
            d.path(),
            &format!("{side}/plays/date=2026-01-01/part-0.parquet"),
            first,
        );
        parquet_part(
            d.path(),
            &format!("{side}/plays/date=2026-01-02/part-0.parquet"),
            &[(1, 11), (2, changed)],
        );
    }
    let key = ["--key", "date", "--key", "member_id"];
    for (base, head) in [("a", "b"), ("a/plays/*/*.parquet", "b/plays/**/*.parquet")] {
        let r = compare(d.path(), &[&[base, head][..], &key].concat());
        assert_eq!(r.code, 1, "{base}: {}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout
                .contains("  plays  regression  rows 4 → 3, 1 missing, 1 changed")
                && r.stdout
                    .contains("missing: date=\"2026-01-01\" member_id=1")
                && r.stdout
                    .contains("date=\"2026-01-02\" member_id=2: 21 → 99"),
            "{base}: {}",
            r.stdout
        );
    }
    // Typed as dates, as Spark reads them; read by the out-of-core path,
    // each day's rows given its value.
    let r = compare(
        d.path(),
        &["a", "b", "--key", "member_id", "--key", "date", "--profile"],
    );
    let columns = &table(&r.json, "plays")["profile"]["base"]["columns"];
    let date = columns
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "date")
        .unwrap();
    assert_eq!(
        (date["type"].as_str(), date["distinct"].as_u64()),
        (Some("date"), Some(2)),
        "{date}"
    );
}

#[test]
fn a_glob_of_part_files_in_directories_is_one_table_to_compare() {
    // `compare 'a/plays/*/*.csv' ...` said the glob "does not exist",
    // though the help for a partitioned directory suggested such a glob.
    let d = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        for day in ["2026-01-01", "2026-01-02"] {
            write(
                d.path(),
                &format!("{side}/plays/date={day}/part-0.csv"),
                "id,v\n1,2\n",
            );
        }
    }
    let r = compare(
        d.path(),
        &[
            "a/plays/*/*.csv",
            "b/plays/*/*.csv",
            "--key",
            "id",
            "--key",
            "date",
        ],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("  plays  pass        rows 2 → 2"),
        "{}",
        r.stdout
    );
    let r = compare(d.path(), &["a/plays/*/*.parquet", "b/plays/*/*.csv"]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("no file matches a/plays/*/*.parquet")
            && r.stderr
                .contains("its directory holds: date=2026-01-01, date=2026-01-02"),
        "{}",
        r.stderr
    );
}

#[test]
fn data_below_a_directory_of_parts_is_named_not_passed_over() {
    // t/part-0.csv beside t/date=1/part-1.csv: the table is its own parts,
    // and the file below them was left out without a word.
    let d = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        write(d.path(), &format!("{side}/t/part-0.csv"), "id,v\n1,2\n");
        write(
            d.path(),
            &format!("{side}/t/date=1/part-1.csv"),
            "id,v\n2,3\n",
        );
        write(
            d.path(),
            &format!("{side}/t/_temporary/0/part-9.csv"),
            "id,v\n3,4\n",
        );
    }
    let r = compare(d.path(), &["a", "b", "--key", "id"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains(
            "directory `a/t/date=1` of base not compared: its files lie below the parts of table `t`, which reads only its own (`t/*.csv`)"
        ) && r.stdout.contains("2 directories of data not compared"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("_temporary"), "{}", r.stdout);
    assert_eq!(r.json["not_compared"].as_array().map(Vec::len), Some(2));
}

#[test]
fn two_empty_tables_are_not_called_100_percent_validated() {
    // Header-only files on both sides said "validated: 100.00% of rows (0
    // of 0)": a migration that moved nothing looked proven.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n");
    write(d.path(), "new.csv", "id,v\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains("100.00%"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("validated: no rows (every table is empty on both sides)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("both sides have no rows: no value was compared"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_tolerance_that_does_not_apply_to_the_column_type_says_so() {
    // A `seconds` tolerance on timestamps a CSV file held as text did
    // nothing, and the report said nothing (its JSON even listed it). ISO
    // timestamps are now read as such (below); these, with a zone's name,
    // are text.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "old.csv",
        "id,ts,n\n1,2024-01-01 10:00:00 CET,1\n",
    );
    write(
        d.path(),
        "new.csv",
        "id,ts,n\n1,2024-01-01 10:00:00.5 CET,1\n",
    );
    let spec = "[[table]]\nname = \"t\"\nbase = \"old.csv\"\nhead = \"new.csv\"\nkey = [\"id\"]\n[table.tolerance]\nts = { seconds = 1 }\nn = { abs = 0.5, seconds = 1 }\n";
    write(d.path(), "pairs.toml", spec);
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let note = "column `ts`: its tolerance does not apply: the column is compared as str, and `seconds` applies to dates, times, datetimes and durations; its values were compared exactly";
    assert!(r.stdout.contains(note), "{}", r.stdout);
    let t = table(&r.json, "t");
    let findings = t["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["message"] == note && f["regression"] == false),
        "{findings:?}"
    );
    let column = |name: &str| crate::support::column(t, name);
    // The report claims only what applied.
    assert_eq!(column("ts")["tolerance"], Value::Null, "{t}");
    assert_eq!(column("n")["tolerance"]["abs"], 0.5, "{t}");
    assert_eq!(column("n")["tolerance"]["seconds"], 0.0, "{t}");
    assert!(
        r.stdout
            .contains("column `n`: its tolerance does not apply"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_seconds_tolerance_applies_to_iso_timestamps_in_csv() {
    // CSV timestamps were text, so `seconds` could not apply to them.
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "old.csv",
        "id,ts,day\n1,2024-01-01 10:00:00,2024-01-01\n2,2024-01-01T11:00:00,2024-01-02\n",
    );
    write(
        d.path(),
        "new.csv",
        "id,ts,day\n1,2024-01-01 10:00:00.5,2024-01-01\n2,2024-01-01T11:00:03,2024-01-02\n",
    );
    let spec = "[[table]]\nname = \"t\"\nbase = \"old.csv\"\nhead = \"new.csv\"\nkey = [\"id\"]\n[table.tolerance]\nts = { seconds = 1 }\n";
    write(d.path(), "pairs.toml", spec);
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let t = table(&r.json, "t");
    let ts = crate::support::column(t, "ts");
    assert_eq!(ts["type"], "datetime[μs]", "{t}");
    // Half a second is within the tolerance; three seconds are not.
    assert_eq!(ts["mismatches"], 1, "{t}");
    assert_eq!(ts["tolerance"]["seconds"], 1.0, "{t}");
    assert!(!r.stdout.contains("does not apply"), "{}", r.stdout);
}

#[test]
fn keyed_dates_and_times_show_how_far_each_sample_moved() {
    // Key-by-key samples of numbers showed "(Δ +5)"; of dates, nothing.
    let d = tempfile::tempdir().unwrap();
    let rows = |shift: bool| -> String {
        let mut out = String::from("id,day,at\n");
        for i in 0..40 {
            let moved = shift && i % 4 == 0;
            let day = if moved { 4 + i % 20 } else { 1 + i % 20 };
            let (h, m) = if moved { (11, 30) } else { (10, 0) };
            out.push_str(&format!(
                "{i},2024-03-{day:02},2024-03-01 {h:02}:{m:02}:00\n"
            ));
        }
        out
    };
    write(d.path(), "old.csv", &rows(false));
    write(d.path(), "new.csv", &rows(true));
    let r = compare(
        d.path(),
        &["old.csv", "new.csv", "--key", "id", "--distribution"],
    );
    assert!(r.code == 0 || r.code == 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("id=0: \"2024-03-01\" → \"2024-03-04\" (Δ +3 days)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("(Δ +1.5 h)"), "{}", r.stdout);
}

#[test]
fn a_tolerance_that_can_never_apply_is_an_error_in_the_spec() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n1,1.0\n");
    write(d.path(), "new.csv", "id,v\n1,1.05\n");
    let head = "[[table]]\nname = \"t\"\nbase = \"old.csv\"\nhead = \"new.csv\"\n";
    // Each error points at the setting (the table of string options at
    // its header).
    for (settings, message, line) in [
        (
            "key = [\"id\"]\n[table.tolerance]\nid = { abs = 1 }\n",
            "the tolerance of `id` is on a key column",
            7,
        ),
        (
            "key = [\"id\"]\nignore = [\"v\"]\n[table.tolerance]\nv = { abs = 1 }\n",
            "the tolerance of `v` is on an ignored column",
            8,
        ),
        (
            "[table.tolerance]\nv = { abs = 1 }\n",
            "the tolerance of `v` needs `key`",
            6,
        ),
        (
            "compare = \"distribution\"\n[table.tolerance]\nv = { abs = 1 }\n",
            "the tolerance of `v` applies only to exact tables",
            7,
        ),
        (
            "compare = \"distribution\"\n[table.strings]\ntrim = true\n",
            "[table.strings] applies only to exact tables",
            6,
        ),
    ] {
        write(d.path(), "pairs.toml", &format!("{head}{settings}"));
        let r = compare(d.path(), &["--spec", "pairs.toml"]);
        assert_eq!(r.code, 2, "{settings}: {}", r.stdout);
        assert!(r.stderr.contains(message), "{settings}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("pairs.toml:{line}:")),
            "{settings}: {}",
            r.stderr
        );
    }
}

#[test]
fn string_options_apply_to_a_keyless_table() {
    // A keyless table's rows matched on their text as written, whatever
    // [table.strings] said.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "code,v\nAB,1\ncd,2\n");
    write(d.path(), "new.csv", "code,v\nab ,1\nCD,2\n");
    let spec = "[[table]]\nname = \"t\"\nbase = \"old.csv\"\nhead = \"new.csv\"\n[table.strings]\ntrim = true\nignore_case = true\n";
    write(d.path(), "pairs.toml", spec);
    let r = compare(d.path(), &["--spec", "pairs.toml"]);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(table(&r.json, "t")["rows"]["matched"], 2);
    write(
        d.path(),
        "strict.toml",
        &spec.replace("ignore_case = true\n", ""),
    );
    let r = compare(d.path(), &["--spec", "strict.toml"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(table(&r.json, "t")["rows"]["missing"], 2);
}

#[test]
fn string_options_apply_to_keys_only_when_asked() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "code,v\nAB,1\ncd,2\n");
    write(d.path(), "new.csv", "code,v\nab ,1\nCD,2\n");
    let spec = "[[table]]\nname = \"t\"\nbase = \"old.csv\"\nhead = \"new.csv\"\nkey = [\"code\"]\n[table.strings]\ntrim = true\nignore_case = true\n";
    write(d.path(), "values.toml", spec);
    let r = compare(d.path(), &["--spec", "values.toml"]);
    assert_eq!(r.code, 1);
    assert_eq!(table(&r.json, "t")["rows"]["missing"], 2);
    write(d.path(), "keys.toml", &format!("{spec}keys = true\n"));
    let r = compare(d.path(), &["--spec", "keys.toml"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(table(&r.json, "t")["rows"]["matched"], 2);
}

#[test]
fn a_retyped_key_still_pairs_rows_in_a_migration() {
    // pandas wrote head's id as float (it held a NaN in another table).
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,v\n1400,a\n1401,b\n");
    write(d.path(), "new.csv", "id,v\n1401.0,b\n1400.0,A\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let t = table(&r.json, "old");
    assert_eq!(t["rows"]["matched"], 2);
    assert_eq!(t["rows"]["missing"], 0);
    assert_eq!(t["columns"][0]["mismatches"], 1);
    assert_eq!(t["columns"][0]["samples"][0]["key"], json!({"id": 1400}));
    assert!(
        r.stdout.contains("column `id` changed type: i64 -> f64"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_empty_csv_column_says_its_values_became_null() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "old.csv", "id,n\n1,5\n2,6\n3,\n");
    write(d.path(), "new.csv", "id,n\n1,\n2,\n3,\n");
    let r = compare(d.path(), &["old.csv", "new.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let t = table(&r.json, "old");
    assert_eq!(t["schema"]["changed"], json!([]));
    assert_eq!(t["columns"][0]["all_null"], "head");
    assert!(
        r.stdout
            .contains("column `n`: 2 values became null (head has no value in this column)"),
        "{}",
        r.stdout
    );
}

#[test]
fn compare_says_which_table_it_is_comparing_unless_quiet() {
    let d = tempfile::tempdir().unwrap();
    for side in ["base", "head"] {
        write(d.path(), &format!("{side}/a.csv"), "id,v\n1,x\n");
        write(d.path(), &format!("{side}/b.csv"), "id,v\n1,y\n");
    }
    let run = |quiet: bool| {
        let mut c = Command::new(BIN);
        c.args(["compare", "base", "head", "--key", "id"])
            .current_dir(d.path())
            .env_remove("CI");
        if quiet {
            c.arg("-q");
        }
        c.output().unwrap()
    };
    let o = run(false);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("] comparing a (1 of 2)") && err.contains("] comparing b (2 of 2)"),
        "{err}"
    );
    let o = run(true);
    assert_eq!(String::from_utf8_lossy(&o.stderr), "");
}

#[test]
fn a_report_over_an_input_is_refused_before_anything_is_read() {
    // `--json head.csv` replaced the head table with the JSON report.
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    write(dir, "base.csv", "id,v\n1,2\n");
    write(dir, "head.csv", "id,v\n1,3\n");
    write(dir, "old/t.csv", "id,v\n1,2\n");
    write(dir, "new/t.csv", "id,v\n1,2\n");
    let run = |args: &[&str]| {
        Command::new(BIN)
            .arg("compare")
            .args(args)
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let cases: [&[&str]; 4] = [
        &["base.csv", "head.csv", "--key", "id", "--json", "head.csv"],
        &[
            "base.csv",
            "head.csv",
            "--key",
            "id",
            "--html",
            "./base.csv",
        ],
        &["old", "new", "--key", "id", "--markdown", "new/report.md"],
        &[
            "old/*.csv",
            "new/*.csv",
            "--key",
            "id",
            "--junit",
            "old/x.csv",
        ],
    ];
    for args in cases {
        let o = run(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("would write over the input"),
            "{args:?}: {err}"
        );
        assert!(err.contains("help: write the report elsewhere"), "{err}");
    }
    assert_eq!(
        fs::read_to_string(dir.join("head.csv")).unwrap(),
        "id,v\n1,3\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("base.csv")).unwrap(),
        "id,v\n1,2\n"
    );
    assert!(!dir.join("new/report.md").exists() && !dir.join("old/x.csv").exists());
    // Beside the inputs is fine.
    let o = run(&[
        "base.csv",
        "head.csv",
        "--key",
        "id",
        "--json",
        "report.json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    // `swimlane profile` as well.
    let o = Command::new(BIN)
        .args(["profile", "head.csv", "--json", "head.csv"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        fs::read_to_string(dir.join("head.csv")).unwrap(),
        "id,v\n1,3\n"
    );
}

/// Regression: a migration from CSV exports to Parquet could not be
/// validated: head's file was read in base's format ("cannot read
/// ./x.csv as parquet"), and once read, the CSV side's i64 and f64 (CSV
/// has no widths) were type changes against Parquet's i32 and f32, the
/// narrowing ones not compared at all.
#[test]
fn a_parquet_table_and_its_csv_export_compare_as_equal() {
    use polars::prelude::*;
    let d = tempfile::tempdir().unwrap();
    let mut df = df!(
        "id" => [1i32, 2, 3],
        "n" => [10i32, 20, 30],
        "amount" => [0.1f32, 2.2, 3.3],
        "share" => [1.0f64, 0.5, 0.25],
        "price" => ["0.29", "1.15", "12"],
    )
    .unwrap()
    .lazy()
    // A decimal, whose text a float only nears (0.29 is 0.28999...).
    .with_column(col("price").cast(DataType::Decimal(10, 2)))
    .collect()
    .unwrap();
    fs::create_dir_all(d.path().join("pq")).unwrap();
    ParquetWriter::new(fs::File::create(d.path().join("pq/t.parquet")).unwrap())
        .finish(&mut df)
        .unwrap();
    // As polars writes an f32: its shortest text. `share` has whole numbers
    // a CSV reader takes for integers.
    write(
        d.path(),
        "csv/t.csv",
        "id,n,amount,share,price\n1,10,0.1,1,0.29\n2,20,2.2,0.5,1.15\n3,30,3.3,0.25,12.00\n",
    );
    for (base, head) in [
        ("pq/t.parquet", "csv/t.csv"),
        ("csv/t.csv", "pq/t.parquet"),
        ("pq", "csv"),
    ] {
        let r = compare(d.path(), &[base, head, "--key", "id"]);
        assert_eq!(r.code, 0, "{base} vs {head}: {}{}", r.stdout, r.stderr);
        assert_eq!(r.json["validation"]["cell_rate"], 1.0, "{}", r.json);
    }
    // A spec pairing them, too.
    write(
        d.path(),
        "spec.toml",
        "[[table]]\nname = \"t\"\nbase = \"pq/t.parquet\"\nhead = \"csv/t.csv\"\nkey = [\"id\"]\n",
    );
    let r = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A value that moved is still caught, in the Parquet side's precision.
    write(
        d.path(),
        "csv/t.csv",
        "id,n,amount,share,price\n1,10,0.1,1,0.29\n2,20,2.3,0.5,1.15\n3,30,3.3,0.25,12.01\n",
    );
    let r = compare(d.path(), &["pq/t.parquet", "csv/t.csv", "--key", "id"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let amount = table(&r.json, "t")["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "amount")
        .unwrap()
        .clone();
    assert_eq!(amount["mismatches"], 1, "{amount}");
    let price = table(&r.json, "t")["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "price")
        .unwrap()
        .clone();
    assert_eq!(price["mismatches"], 1, "{price}");
}
