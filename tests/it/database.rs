//! Tables in database files (SQLite, DuckDB): compared as the same data
//! written as Parquet is, in `swimlane compare` and in lanes; a snapshot
//! that is a database file copied into each lane.

use std::fs;
use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use crate::support::TestRepo;

/// `swimlane compare ARGS` in `dir`: exit code, what it printed (stdout,
/// then stderr), the JSON report.
fn compare(dir: &Path, args: &[&str]) -> (i32, String, Value) {
    let out = crate::compare::compare(dir, args);
    (out.code, format!("{}{}", out.stdout, out.stderr), out.json)
}

fn table<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["tables"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no table `{name}` in {json:#}"))
}

/// Base's and head's `orders`: 1,500 rows of ids, amounts (with nulls),
/// statuses, days and flags; head drops every 97th id, changes every 41st
/// amount and one status, and adds an id.
fn orders(head: bool) -> DataFrame {
    let mut id = Vec::new();
    let mut amount = Vec::new();
    let mut status = Vec::new();
    let mut day = Vec::new();
    let mut flag = Vec::new();
    for i in 0..1_500i64 {
        if head && i % 97 == 0 {
            continue;
        }
        id.push(i);
        let a =
            (i % 13 != 0).then_some(i as f64 * 1.25 + if head && i % 41 == 0 { 1.0 } else { 0.0 });
        amount.push(a);
        status.push(if head && i == 7 {
            "lost"
        } else {
            ["new", "paid", "sent"][i as usize % 3]
        });
        day.push(19_000 + (i % 60) as i32);
        flag.push(i % 2 == 0);
    }
    if head {
        id.push(9_999);
        amount.push(Some(1.0));
        status.push("new");
        day.push(19_000);
        flag.push(true);
    }
    df!(
        "id" => id,
        "amount" => amount,
        "status" => status,
        "day" => day,
        "flag" => flag,
    )
    .unwrap()
    .lazy()
    .with_column(col("day").cast(DataType::Date))
    .collect()
    .unwrap()
}

fn write_parquet(path: &Path, df: &mut DataFrame) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(fs::File::create(path).unwrap())
        .finish(df)
        .unwrap();
}

/// One row of `orders`, as both databases are given it (the day as ISO
/// text, which each casts to its own date type).
type Row = (
    Option<i64>,
    Option<f64>,
    Option<String>,
    Option<String>,
    Option<bool>,
);

fn rows(df: &DataFrame) -> Vec<Row> {
    let day = df.column("day").unwrap().cast(&DataType::String).unwrap();
    let (id, amount, status, day, flag) = (
        df.column("id").unwrap().i64().unwrap(),
        df.column("amount").unwrap().f64().unwrap(),
        df.column("status").unwrap().str().unwrap(),
        day.str().unwrap(),
        df.column("flag").unwrap().bool().unwrap(),
    );
    (0..df.height())
        .map(|i| {
            (
                id.get(i),
                amount.get(i),
                status.get(i).map(str::to_string),
                day.get(i).map(str::to_string),
                flag.get(i),
            )
        })
        .collect()
}

/// `df` as table `name` of the SQLite database at `path`, with declared
/// types (`DATE` as ISO text, `BOOLEAN` as 0/1, as SQLite stores them).
fn write_sqlite(path: &Path, name: &str, df: &DataFrame) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE {name} (id INTEGER, amount REAL, status TEXT, day DATE, flag BOOLEAN)"
    ))
    .unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut insert = tx
            .prepare(&format!("INSERT INTO {name} VALUES (?1, ?2, ?3, ?4, ?5)"))
            .unwrap();
        for (id, amount, status, day, flag) in rows(df) {
            insert
                .execute(rusqlite::params![id, amount, status, day, flag])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The report of `base` against `head` (table `t` of each) with `args`,
/// and of the same frames as Parquet: they must be equal.
fn same_as_parquet(dir: &Path, ext: &str, args: &[&str], expect: i32) -> Value {
    let (b, h) = (format!("db/base.{ext}"), format!("db/head.{ext}"));
    let (code, stderr, db) = compare(dir, &[&[b.as_str(), h.as_str()], args].concat());
    let (pq_code, pq_stderr, pq) = compare(
        dir,
        &[&["pq/base/t.parquet", "pq/head/t.parquet"], args].concat(),
    );
    assert_eq!(pq_code, expect, "{pq_stderr}");
    assert_eq!(code, expect, "{stderr}\n{db:#}");
    // Parquet and DuckDB tables are read from disk a column at a time;
    // SQLite, whose columns are typed by every value, is loaded whole.
    let mut pq_t = table(&pq, "t").clone();
    assert_eq!(pq_t["out_of_core"], true);
    pq_t.as_object_mut().unwrap().remove("out_of_core");
    let mut db_t = table(&db, "t").clone();
    let out_of_core = db_t.as_object_mut().unwrap().remove("out_of_core");
    assert_eq!(out_of_core, (ext == "duckdb").then_some(Value::Bool(true)));
    assert_eq!(db_t, pq_t, "{ext} and Parquet differ");
    db
}

fn parquet_pair(dir: &Path) -> (DataFrame, DataFrame) {
    let (mut base, mut head) = (orders(false), orders(true));
    write_parquet(&dir.join("pq/base/t.parquet"), &mut base);
    write_parquet(&dir.join("pq/head/t.parquet"), &mut head);
    (base, head)
}

#[test]
fn sqlite_tables_compare_exactly_and_by_distribution_as_their_parquet_copies_do() {
    let d = tempfile::tempdir().unwrap();
    let (base, head) = parquet_pair(d.path());
    write_sqlite(&d.path().join("db/base.sqlite"), "t", &base);
    write_sqlite(&d.path().join("db/head.sqlite"), "t", &head);
    let before = fs::read(d.path().join("db/base.sqlite")).unwrap();

    let exact = same_as_parquet(d.path(), "sqlite", &["--key", "id"], 1);
    let t = table(&exact, "t");
    assert_eq!(t["rows"]["missing"], 16, "{t:#}");
    assert_eq!(t["rows"]["extra"], 1);
    // Types as Parquet's: no column retyped between the two runs above,
    // and none reported as retyped here.
    assert_eq!(t["schema"]["changed"], serde_json::json!([]), "{t:#}");
    let types: Vec<&str> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["f64", "str", "date", "bool"]);
    // Four features tested, none shifted beyond the floor.
    let dist = same_as_parquet(d.path(), "sqlite", &["--distribution", "--ignore", "id"], 0);
    assert_eq!(table(&dist, "t")["features"].as_array().unwrap().len(), 4);
    // Read-only: the database file is as it was.
    assert_eq!(fs::read(d.path().join("db/base.sqlite")).unwrap(), before);
}

/// `df` as table `name` of the DuckDB database at `path`, typed as DuckDB
/// types it (BIGINT, DOUBLE, VARCHAR, DATE, BOOLEAN).
#[cfg(feature = "duckdb")]
fn write_duckdb(path: &Path, name: &str, df: &DataFrame) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    let conn = duckdb::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "CREATE TABLE {name} (id BIGINT, amount DOUBLE, status VARCHAR, day DATE, flag BOOLEAN)"
    ))
    .unwrap();
    let mut insert = conn
        .prepare(&format!(
            "INSERT INTO {name} VALUES (?, ?, ?, CAST(? AS DATE), ?)"
        ))
        .unwrap();
    for (id, amount, status, day, flag) in rows(df) {
        insert
            .execute(duckdb::params![id, amount, status, day, flag])
            .unwrap();
    }
}

#[cfg(feature = "duckdb")]
#[test]
fn duckdb_tables_compare_exactly_and_by_distribution_as_their_parquet_copies_do() {
    let d = tempfile::tempdir().unwrap();
    let (base, head) = parquet_pair(d.path());
    write_duckdb(&d.path().join("db/base.duckdb"), "t", &base);
    write_duckdb(&d.path().join("db/head.duckdb"), "t", &head);
    let before = fs::read(d.path().join("db/base.duckdb")).unwrap();
    let exact = same_as_parquet(d.path(), "duckdb", &["--key", "id"], 1);
    let t = table(&exact, "t");
    assert_eq!(t["rows"]["missing"], 16, "{t:#}");
    assert_eq!(t["schema"]["changed"], serde_json::json!([]), "{t:#}");
    let dist = same_as_parquet(d.path(), "duckdb", &["--distribution", "--ignore", "id"], 0);
    assert_eq!(table(&dist, "t")["features"].as_array().unwrap().len(), 4);
    // Opened read-only: the file is as it was.
    assert_eq!(fs::read(d.path().join("db/base.duckdb")).unwrap(), before);

    // A view's query may join or group, which keeps no row order across
    // reads: it is loaded whole, and finds what the table's reads find.
    for side in ["base", "head"] {
        let conn = duckdb::Connection::open(d.path().join(format!("db/{side}.duckdb"))).unwrap();
        conn.execute_batch("CREATE VIEW v AS SELECT * FROM t")
            .unwrap();
    }
    let (code, stderr, json) = compare(
        d.path(),
        &["db/base.duckdb", "db/head.duckdb", "--key", "id"],
    );
    assert_eq!(code, 1, "{stderr}");
    let mut v = table(&json, "v").clone();
    let mut t = table(&json, "t").clone();
    assert_eq!(v.get("out_of_core"), None, "{v:#}");
    assert_eq!(t["out_of_core"], true);
    for r in [&mut v, &mut t] {
        r.as_object_mut().unwrap().remove("out_of_core");
        r.as_object_mut().unwrap().remove("name");
    }
    assert_eq!(v, t);
}

/// Columns read one query at a time line up row by row: tables of several
/// DuckDB row groups (scanned in parallel), written in an order that is
/// not the key's, each side in another.
#[cfg(feature = "duckdb")]
#[test]
fn duckdb_tables_read_a_column_at_a_time_line_up_across_row_groups() {
    let d = tempfile::tempdir().unwrap();
    for (side, select) in [
        (
            "base",
            "range * 2 AS v FROM range(300000) ORDER BY hash(range)",
        ),
        (
            "head",
            "CASE WHEN range % 1000 = 0 THEN range * 2 + 1 ELSE range * 2 END AS v \
             FROM range(300000) WHERE range % 777 <> 0 ORDER BY hash(range + 1)",
        ),
    ] {
        let conn = duckdb::Connection::open(d.path().join(format!("{side}.duckdb"))).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE t AS SELECT range AS id, 'k' || (range % 10) AS s, {select}"
        ))
        .unwrap();
    }
    let (code, stderr, json) = compare(d.path(), &["base.duckdb", "head.duckdb", "--key", "id"]);
    assert_eq!(code, 1, "{stderr}");
    let t = table(&json, "t");
    assert_eq!(t["out_of_core"], true, "{t:#}");
    // Multiples of 777 below 300,000; multiples of 1,000 but not of 777.
    assert_eq!(t["rows"]["missing"], 387, "{t:#}");
    let mismatches = crate::support::mismatches(t);
    assert_eq!(mismatches, [("s", 0), ("v", 299)], "{t:#}");
}

/// A migration from SQLite to DuckDB: the databases are told by their
/// headers, whatever their names say.
#[cfg(feature = "duckdb")]
#[test]
fn a_sqlite_database_compares_with_a_duckdb_one_whatever_their_extensions() {
    let d = tempfile::tempdir().unwrap();
    let (base, head) = parquet_pair(d.path());
    write_sqlite(&d.path().join("old.db"), "orders", &base);
    write_duckdb(&d.path().join("new.db"), "orders", &head);
    let (code, text, json) = compare(d.path(), &["old.db", "new.db", "--key", "id"]);
    assert_eq!(code, 1, "{text}");
    let t = table(&json, "orders");
    assert_eq!(
        (t["rows"]["missing"].as_u64(), t["rows"]["extra"].as_u64()),
        (Some(16), Some(1)),
        "{t:#}"
    );
    assert_eq!(t["schema"]["changed"], serde_json::json!([]), "{t:#}");
}

#[test]
fn a_database_compared_with_another_pairs_its_tables_by_name() {
    let d = tempfile::tempdir().unwrap();
    let (base, head) = parquet_pair(d.path());
    write_sqlite(&d.path().join("old.sqlite"), "orders", &base);
    write_sqlite(&d.path().join("old.sqlite"), "refunds", &base);
    write_sqlite(&d.path().join("new.sqlite"), "orders", &head);
    let (code, stderr, json) = compare(d.path(), &["old.sqlite", "new.sqlite", "--key", "id"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(table(&json, "orders")["rows"]["extra"], 1);
    assert_eq!(
        table(&json, "refunds")["findings"][0]["message"],
        format!(
            "table `refunds` exists in base but not in head: {} rows of base not validated",
            base.height()
        )
    );
}

#[test]
fn a_sqlite_column_of_text_and_numbers_is_an_error_that_names_the_row() {
    let d = tempfile::tempdir().unwrap();
    for side in ["a", "b"] {
        let conn = rusqlite::Connection::open(d.path().join(format!("{side}.sqlite"))).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER, v INTEGER); INSERT INTO t VALUES (1, 10), (2, 'twenty'), (3, 30);",
        )
        .unwrap();
    }
    let (code, stderr, _) = compare(d.path(), &["a.sqlite", "b.sqlite", "--key", "id"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("column `v`") && stderr.contains("row 2") && stderr.contains("a.sqlite"),
        "{stderr}"
    );
    assert!(stderr.contains("cast(v as real)"), "{stderr}");
}

#[test]
fn sqlite_timestamps_as_python_writes_them_read_as_datetimes() {
    // Python's sqlite3 writes `2024-01-31 10:00:00.500000` (a space, then
    // the time): polars' cast took only `T`, so the table was an error.
    let d = tempfile::tempdir().unwrap();
    for (side, ts) in [
        ("a", "2024-01-31 10:00:00.5"),
        ("b", "2024-01-31 10:00:00.7"),
    ] {
        let conn = rusqlite::Connection::open(d.path().join(format!("{side}.sqlite"))).unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE t (id INTEGER, ts TIMESTAMP, day DATE); \
             INSERT INTO t VALUES (1, '{ts}', '2024-01-31'), (2, '2024-01-31T11:00:00', '2024-02-01'), \
             (3, '2024-02-01', NULL);"
        ))
        .unwrap();
    }
    fs::write(
        d.path().join("spec.toml"),
        "[[table]]\nname = \"t\"\nbase = \"a.sqlite\"\nhead = \"b.sqlite\"\ntable = \"t\"\nkey = [\"id\"]\n[table.tolerance]\nts = { seconds = 0.5 }\n",
    )
    .unwrap();
    let (code, stderr, json) = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(code, 0, "{stderr}\n{json:#}");
    let t = table(&json, "t");
    let types: Vec<(&str, &str)> = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["type"].as_str().unwrap()))
        .collect();
    assert_eq!(types, [("ts", "datetime[μs]"), ("day", "date")], "{t:#}");
    // A value that is no ISO time is still an error that names it.
    let conn = rusqlite::Connection::open(d.path().join("b.sqlite")).unwrap();
    conn.execute_batch("INSERT INTO t VALUES (4, '31/01/2024 10:00', NULL);")
        .unwrap();
    let (code, stderr, _) = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("`31/01/2024 10:00` is not an ISO date or time"),
        "{stderr}"
    );
}

#[test]
fn a_missing_database_table_names_the_database_and_the_table() {
    let d = tempfile::tempdir().unwrap();
    let (base, _) = parquet_pair(d.path());
    write_sqlite(&d.path().join("db/a.sqlite"), "orders", &base);
    write_sqlite(&d.path().join("db/b.sqlite"), "orders", &base);
    fs::write(
        d.path().join("spec.toml"),
        "[[table]]\nname = \"o\"\nbase = \"db/a.sqlite\"\nhead = \"db/b.sqlite\"\ntable = \"ordres\"\nkey = [\"id\"]\n",
    )
    .unwrap();
    let (code, stderr, json) = compare(d.path(), &["--spec", "spec.toml"]);
    let error = table(&json, "o")["error"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(code, 2, "{stderr}");
    assert!(
        error.contains("base output: table `ordres` is not in db/a.sqlite"),
        "{error}"
    );
}

#[test]
fn a_database_table_without_table_or_query_is_a_config_error_at_its_line() {
    let d = tempfile::tempdir().unwrap();
    fs::write(
        d.path().join("spec.toml"),
        "[[table]]\nname = \"o\"\nbase = \"a.duckdb\"\nhead = \"b.duckdb\"\n",
    )
    .unwrap();
    let (code, stderr, _) = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("spec.toml:3:"), "{stderr}");
    assert!(stderr.contains("table = "), "{stderr}");
    fs::write(
        d.path().join("spec.toml"),
        "[[table]]\nname = \"o\"\nbase = \"a.csv\"\nhead = \"b.csv\"\nquery = \"select 1\"\n",
    )
    .unwrap();
    let (code, stderr, _) = compare(d.path(), &["--spec", "spec.toml"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("spec.toml:5:") && stderr.contains("is csv"),
        "{stderr}"
    );
}

/// A pipeline that reads its facts from a SQLite snapshot (and writes a
/// scratch table into it, as pipelines do) and loads its output into a
/// SQLite warehouse in the lane.
const DB_CONFIG: &str = r#"[snapshot]
path = "facts.sqlite"

[[stage]]
name = "load"
run = "python3 etl.py {snapshot} {out}/warehouse.sqlite"
timeout_secs = 60

[[table]]
name = "fct_plays"
path = "warehouse.sqlite"
query = "select id, seconds * 1.0 / 60 as minutes from fct_plays"
key = ["id"]
"#;

const DB_ETL: &str = r#"import sqlite3, sys
facts = sqlite3.connect(sys.argv[1])
facts.execute("create table if not exists scratch (x integer)")
facts.execute("insert into scratch values (1)")
facts.commit()
rows = facts.execute("select id, seconds from plays order by id").fetchall()
out = sqlite3.connect(sys.argv[2])
out.execute("create table fct_plays (id integer primary key, seconds integer)")
out.executemany("insert into fct_plays values (?, ?)", [(i, s * FACTOR) for i, s in rows])
out.commit()
"#;

#[test]
fn lanes_write_their_own_sqlite_warehouse_from_their_own_copy_of_a_sqlite_snapshot() {
    let repo = TestRepo::empty();
    repo.write("swimlane.toml", DB_CONFIG);
    repo.write("etl.py", &DB_ETL.replace("FACTOR", "1"));
    let facts = rusqlite::Connection::open(repo.dir.join("facts.sqlite")).unwrap();
    facts
        .execute_batch(
            "create table plays (id integer, seconds integer);
             insert into plays values (1, 60), (2, 120), (3, 30);",
        )
        .unwrap();
    drop(facts);
    repo.commit("pipeline v1");
    repo.branch_with_file("doubled", "etl.py", &DB_ETL.replace("FACTOR", "2"));
    repo.git(&["checkout", "-q", "doubled"]);
    // The fingerprint check of `run` asserts facts.sqlite is unchanged,
    // though both lanes wrote into their copies.
    let run = repo.run(&["run", "--base", "main"]);
    run.expect_code(1);
    let t = run.table("fct_plays");
    assert_eq!(t["verdict"], "regression", "{}", run.describe());
    let minutes = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "minutes")
        .unwrap();
    assert_eq!(minutes["mismatches"], 3, "{}", run.describe());
}
