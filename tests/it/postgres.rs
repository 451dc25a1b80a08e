//! PostgreSQL lanes against a real server (`SWIMLANE_TEST_POSTGRES`, a
//! superuser's URL; `.ci/run` installs PostgreSQL and starts one on a
//! loopback port): each lane its own database from the template, the
//! template untouched, the lane databases gone after success, failure and
//! SIGINT, a killed run's leftovers dropped by the next run, and each
//! failure a clear error.

use std::sync::Mutex;

use postgres::{Client, NoTls};

use crate::support::TestRepo;

/// The server's tests share its list of databases: one at a time (the dbt
/// example's test too).
pub static SERVER: Mutex<()> = Mutex::new(());

/// The server's URL (its `postgres` database), if one is configured.
pub fn server() -> Option<String> {
    crate::support::from_env("SWIMLANE_TEST_POSTGRES", "PostgreSQL lanes")
}

/// `url` with its database replaced by `db`.
pub fn with_db(url: &str, db: &str) -> String {
    let (head, _) = url.rsplit_once('/').unwrap();
    format!("{head}/{db}")
}

pub fn connect(url: &str) -> Client {
    Client::connect(url, NoTls).unwrap()
}

/// A template database `name` holding the snapshot: `plays(id, seconds)`.
fn template(url: &str, name: &str) -> String {
    let mut admin = connect(url);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .unwrap();
    let t = with_db(url, name);
    connect(&t)
        .batch_execute(
            "CREATE TABLE plays (id int8 PRIMARY KEY, seconds int4, title text, day date, at timestamptz, share numeric(6, 3));
             INSERT INTO plays VALUES
               (1, 60, 'a', '2026-11-01', '2026-11-01 10:00:00+00', 0.125),
               (2, 120, 'b', '2026-11-02', '2026-11-02 10:00:00+00', 0.5),
               (3, 30, NULL, NULL, NULL, NULL);",
        )
        .unwrap();
    t
}

/// Every table's rows of database `url`, as text: the template's digest.
fn contents(url: &str) -> Vec<String> {
    let mut c = connect(url);
    let tables: Vec<String> = c
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut out = tables.clone();
    for t in tables {
        for r in c
            .query(&format!("SELECT t::text FROM {t} t ORDER BY 1"), &[])
            .unwrap()
        {
            out.push(r.get(0));
        }
    }
    out
}

/// The databases swimlane created that are still on the server.
pub fn lane_databases(url: &str) -> Vec<String> {
    connect(url)
        .query(
            "SELECT datname FROM pg_database WHERE starts_with(datname, 'swimlane_') ORDER BY 1",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect()
}

fn config(template_url: &str) -> String {
    format!(
        r#"[snapshot]
path = "facts"

[database]
postgres = "{template_url}"

[[stage]]
name = "load"
run = "sh etl.sh {{database_url}}"
timeout_secs = 60

[[table]]
name = "fct_plays"
table = "public.fct_plays"
key = ["id"]
"#
    )
}

/// The pipeline: `fct_plays` built from the snapshot's `plays` by `select`.
fn etl(select: &str) -> String {
    format!(
        "set -e\ntest \"$1\" = \"$SWIMLANE_DATABASE_URL\"\npsql -q -v ON_ERROR_STOP=1 \"$1\" -c \"CREATE TABLE fct_plays AS {select}\"\n"
    )
}

const GOOD: &str = "SELECT id, seconds, title, day, at, share FROM plays";
/// The same rows, by another query (a refactor that changes nothing).
const SAME: &str = "SELECT * FROM plays ORDER BY id DESC";

fn repo(template_url: &str, head_select: &str) -> TestRepo {
    let repo = TestRepo::empty();
    repo.write("swimlane.toml", &config(template_url));
    repo.write("facts/README", "the facts are in PostgreSQL\n");
    repo.write("etl.sh", &etl(GOOD));
    repo.commit("pipeline v1");
    repo.branch_with_file("feature", "etl.sh", &etl(head_select));
    repo
}

#[test]
fn postgres_lanes_find_a_regression_in_a_loaded_table_and_leave_the_template_as_it_was() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_regression");
    let before = contents(&t);
    let repo = repo(
        &t,
        "SELECT id, CASE WHEN id = 2 THEN seconds * 2 ELSE seconds END AS seconds, title, day, at, share FROM plays",
    );
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    run.expect_code(1);
    let table = run.table("fct_plays");
    assert_eq!(table["rows"]["matched"], 3, "{}", run.describe());
    let columns = table["columns"].as_array().unwrap();
    assert_eq!(
        crate::support::mismatches(table),
        [
            ("seconds", 1),
            ("title", 0),
            ("day", 0),
            ("at", 0),
            ("share", 0)
        ]
    );
    // Typed by the server: int4, text, date, timestamptz; numeric(6, 3) as
    // that decimal.
    let types: Vec<&str> = columns
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types[..3], ["i32", "str", "date"], "{types:?}");
    assert_eq!(types[4], "decimal[6,3]");
    assert_eq!(contents(&t), before, "the template changed");
    assert_eq!(lane_databases(&url), Vec::<String>::new());
}

#[test]
fn postgres_numeric_is_compared_to_its_last_digit_not_through_a_float() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_numeric");
    // 17 significant digits: as float8 both amounts are 1.2345678901234568e16.
    let amount = |last: &str| {
        format!(
            "SELECT id, CASE WHEN id = 2 THEN 12345678901234567.{last} ELSE 1.5 END::numeric(20, 2) AS amount FROM plays"
        )
    };
    let repo = TestRepo::empty();
    repo.write("swimlane.toml", &config(&t));
    repo.write("facts/README", "the facts are in PostgreSQL\n");
    repo.write("etl.sh", &etl(&amount("12")));
    repo.commit("pipeline v1");
    repo.branch_with_file("feature", "etl.sh", &etl(&amount("13")));
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    run.expect_code(1);
    let amount = &run.table("fct_plays")["columns"][0];
    assert_eq!(amount["name"], "amount", "{}", run.describe());
    assert_eq!(amount["type"], "decimal[20,2]");
    assert_eq!(amount["mismatches"], 1, "{}", run.describe());
}

#[test]
fn postgres_lane_databases_are_dropped_after_a_failed_stage() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_failure");
    let repo = repo(&t, "SELECT nope FROM plays");
    // The head lane failed: a regression, with the server's words.
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    run.expect_code(1);
    assert!(
        run.stdout.contains("column \"nope\" does not exist"),
        "{}",
        run.describe()
    );
    assert_eq!(lane_databases(&url), Vec::<String>::new());
}

#[test]
fn postgres_lane_databases_are_dropped_on_sigint() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_sigint");
    let repo = repo(&t, SAME);
    let started = repo.side.join("started");
    repo.git(&["checkout", "-q", "feature"]);
    repo.write(
        "etl.sh",
        &format!("touch '{}'\nsleep 600 & wait\n", started.display()),
    );
    repo.commit("slow");
    let mut child = repo.spawn(&["run", "--base", "main", "--head", "feature", "--no-cache"]);
    let code = crate::support::signal_once_started(&mut child, &[&started], libc::SIGINT);
    assert_eq!(code, Some(130));
    assert_eq!(lane_databases(&url), Vec::<String>::new());
}

#[test]
fn a_killed_runs_lane_databases_are_dropped_by_the_next_run() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_leftover");
    // A process that is gone: its databases are leftovers.
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let pid = gone.id();
    gone.wait().unwrap();
    let leftover = swimlane::database::postgres::lane_database_name(pid, "base");
    connect(&url)
        .batch_execute(&format!("CREATE DATABASE \"{leftover}\""))
        .unwrap();
    let repo = repo(&t, SAME);
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(&leftover),
        "the run says what it dropped:\n{}",
        run.describe()
    );
    assert_eq!(lane_databases(&url), Vec::<String>::new());
    // `swimlane clean` drops them without a run.
    connect(&url)
        .batch_execute(&format!("CREATE DATABASE \"{leftover}\""))
        .unwrap();
    let out = std::process::Command::new(crate::support::BIN)
        .arg("clean")
        .current_dir(&repo.dir)
        .output()
        .unwrap();
    let text = crate::support::output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("dropped 1 lane database(s)") && text.contains(&leftover),
        "{text}"
    );
    assert_eq!(lane_databases(&url), Vec::<String>::new());
}

#[test]
fn a_table_head_did_not_create_is_missing_in_head() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_missing");
    let repo = TestRepo::empty();
    repo.write("swimlane.toml", &config(&t));
    repo.write("facts/README", "facts\n");
    repo.write("etl.sh", &etl(GOOD));
    repo.commit("pipeline v1");
    repo.branch_with_file("feature", "etl.sh", "psql -q \"$1\" -c 'SELECT 1'\n");
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    run.expect_code(1);
    let message = run.table("fct_plays")["findings"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        message.contains("table `public.fct_plays` is not in") && message.contains("swimlane_"),
        "{}",
        run.describe()
    );
}

#[test]
fn a_template_in_use_or_a_role_without_createdb_is_an_error_that_says_what_to_do() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let t = template(&url, "facts_errors");
    let repo = repo(&t, SAME);
    // Someone connected to the template: PostgreSQL will not copy it.
    let held = connect(&t);
    let run = repo.run(&["run", "--base", "main", "--head", "feature"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr
            .contains("template database `facts_errors` has open connections")
            && run.stderr.contains("pg_terminate_backend"),
        "{}",
        run.describe()
    );
    drop(held);
    // A role that may not create databases.
    connect(&url)
        .batch_execute("DROP ROLE IF EXISTS swimlane_reader; CREATE ROLE swimlane_reader LOGIN")
        .unwrap();
    let (scheme_user, rest) = t.split_once('@').unwrap();
    let (scheme, _) = scheme_user.split_once("://").unwrap();
    let reader = format!("{scheme}://swimlane_reader@{rest}");
    repo.write("swimlane.toml", &config(&reader));
    let run = repo.run_without_fingerprint(&["run", "--base", "main", "--head", "feature"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr
            .contains("role `swimlane_reader` may not create databases")
            && run.stderr.contains("ALTER ROLE swimlane_reader CREATEDB"),
        "{}",
        run.describe()
    );
    // No server there.
    let closed = format!("{scheme}://swimlane@127.0.0.1:1/facts");
    repo.write("swimlane.toml", &config(&closed));
    let run = repo.run_without_fingerprint(&["run", "--base", "main", "--head", "feature"]);
    assert_eq!(run.code, 2, "{}", run.describe());
    assert!(
        run.stderr
            .contains("cannot connect to PostgreSQL at postgresql://swimlane@127.0.0.1:1"),
        "{}",
        run.describe()
    );
    assert_eq!(lane_databases(&url), Vec::<String>::new());
}

/// A migration off PostgreSQL: `swimlane compare` takes a database's URL
/// on either side, and pairs its tables by name with another PostgreSQL
/// database's or a database file's.
#[test]
fn compare_takes_postgresql_urls_and_pairs_their_tables_with_a_database_files() {
    let Some(url) = server() else { return };
    let _one = SERVER.lock().unwrap_or_else(|e| e.into_inner());
    let mut admin = connect(&url);
    let mut database = |name: &str, score_of_2: &str, extra: &str| {
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name}"),
        ] {
            admin.batch_execute(&sql).unwrap();
        }
        let at = with_db(&url, name);
        connect(&at)
            .batch_execute(&format!(
                "CREATE TABLE scores (id int8 PRIMARY KEY, name text, score float8);
                 INSERT INTO scores VALUES (1, 'a', 1.5), (2, 'b', {score_of_2}), (3, 'c', 3.5);
                 {extra}"
            ))
            .unwrap();
        at
    };
    let legacy = database("compare_legacy", "2.5", "CREATE TABLE audit_log (id int8);");
    let migrated = database("compare_migrated", "2.75", "");
    // A password in the URL is never printed (trust authentication ignores it).
    let legacy = legacy.replacen("://swimlane@", "://swimlane:hunter2@", 1);
    let dir = tempfile::tempdir().unwrap();
    let sqlite = dir.path().join("migrated.sqlite");
    let conn = rusqlite::Connection::open(&sqlite).unwrap();
    conn.execute_batch(
        "CREATE TABLE scores (id INTEGER PRIMARY KEY, name TEXT, score REAL);
         INSERT INTO scores VALUES (1, 'a', 1.5), (2, 'b', 2.75), (3, 'c', 3.5);",
    )
    .unwrap();
    drop(conn);

    let scores = |json: &serde_json::Value| {
        let mut t = json["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == "scores")
            .unwrap_or_else(|| panic!("{json:#}"))
            .clone();
        t.as_object_mut().unwrap().remove("profile");
        t
    };
    let by_url = crate::compare::compare(dir.path(), &[&legacy, &migrated, "--key", "id"]);
    assert_eq!(by_url.code, 1, "{}{}", by_url.stdout, by_url.stderr);
    let t = scores(&by_url.json);
    assert_eq!(t["rows"]["matched"], 3, "{t:#}");
    let changed = crate::support::mismatches(&t);
    assert_eq!(changed, [("name", 0), ("score", 1)]);
    let audit = by_url.json["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "audit_log")
        .unwrap();
    assert_eq!(
        audit["findings"][0]["message"],
        "table `audit_log` exists in base but not in head"
    );
    let printed = format!("{}{}{}", by_url.stdout, by_url.stderr, by_url.json);
    assert!(!printed.contains("hunter2"), "{printed}");

    // The same migration checked against a SQLite file: the same findings.
    let by_file = crate::compare::compare(dir.path(), &[&legacy, "migrated.sqlite", "--key", "id"]);
    assert_eq!(by_file.code, 1, "{}{}", by_file.stdout, by_file.stderr);
    assert_eq!(scores(&by_file.json), t);

    // A side that is not a database.
    std::fs::write(dir.path().join("scores.csv"), "id\n1\n").unwrap();
    let wrong = crate::compare::compare(dir.path(), &[&migrated, "scores.csv", "--key", "id"]);
    assert_eq!(wrong.code, 2);
    assert!(
        wrong
            .stderr
            .contains("is a database, and scores.csv is not")
            && wrong.stderr.contains("postgresql:// URL"),
        "{}",
        wrong.stderr
    );
    for name in ["compare_legacy", "compare_migrated"] {
        admin
            .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .unwrap();
    }
}
