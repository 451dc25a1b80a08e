//! `examples/dbt-duckdb` and `examples/dbt-postgres` end to end: each
//! example's own swimlane.toml runs `dbt build` in each lane (dbt-duckdb and
//! dbt-postgres from PyPI: `SWIMLANE_DBT`, which `.ci/run` installs; the
//! PostgreSQL one on the server of `SWIMLANE_TEST_POSTGRES`), and the
//! inner-join bug of their READMEs is caught.

use std::fs;
use std::path::Path;

use crate::support::TestRepo;

/// The dbt executable, if one is configured.
fn dbt() -> Option<String> {
    crate::support::from_env("SWIMLANE_DBT", "the dbt example")
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[cfg(feature = "duckdb")]
#[test]
fn the_dbt_example_catches_customers_an_inner_join_drops() {
    let Some(dbt) = dbt() else { return };
    // The example's stage, with this machine's dbt.
    example_catches_the_inner_join("dbt-duckdb", &format!("'{dbt}'"), |config| config);
}

/// The same shop on PostgreSQL: the snapshot a template database, each
/// lane `dbt build` into its own database (`SWIMLANE_DATABASE_NAME`).
#[test]
fn the_dbt_postgres_example_catches_customers_an_inner_join_drops() {
    let (Some(dbt), Some(server)) = (dbt(), crate::postgres::server()) else {
        return;
    };
    let _one = crate::postgres::SERVER
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let template = "shop_facts_dbt_test";
    let mut admin = crate::postgres::connect(&server);
    for sql in [
        format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)"),
        format!("CREATE DATABASE {template}"),
    ] {
        admin.batch_execute(&sql).unwrap();
    }
    let template_url = crate::postgres::with_db(&server, template);
    let facts = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dbt-postgres/facts");
    let load = std::process::Command::new("psql")
        .args([
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            &template_url,
            "-f",
            "load.sql",
        ])
        .current_dir(&facts)
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "{}",
        crate::support::output_text(&load)
    );
    // dbt reaches the server the template is on (libpq's PG* variables).
    let authority = server
        .split("://")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let (user, host_port) = authority.split_once('@').unwrap();
    let (host, port) = host_port.split_once(':').unwrap_or((host_port, "5432"));
    let pg = format!("PGHOST={host} PGPORT={port} PGUSER={user} '{dbt}'");
    example_catches_the_inner_join("dbt-postgres", &pg, |config| {
        config.replace(
            "postgresql://postgres@127.0.0.1:5432/shop_facts",
            &template_url,
        )
    });
    assert_eq!(
        crate::postgres::lane_databases(&server),
        Vec::<String>::new()
    );
    admin
        .batch_execute(&format!("DROP DATABASE {template} WITH (FORCE)"))
        .unwrap();
}

/// `examples/NAME` in a repository, its stage's `dbt` run as `dbt` and its
/// config edited by `edit`; on a branch whose mart inner-joins, the run
/// finds exactly the customers who never ordered missing, nothing else.
fn example_catches_the_inner_join(name: &str, dbt: &str, edit: impl Fn(String) -> String) {
    let repo = TestRepo::empty();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name),
        &repo.dir,
    );
    let config = fs::read_to_string(repo.dir.join("swimlane.toml")).unwrap();
    assert!(config.contains("run = \"dbt build"), "{config}");
    let config = edit(config.replace("run = \"dbt build", &format!("run = \"{dbt} build")));
    repo.write("swimlane.toml", &config);
    repo.commit("shop v1");
    let model = fs::read_to_string(repo.dir.join("models/marts/fct_customer_orders.sql")).unwrap();
    assert!(model.contains("\nleft join "), "{model}");
    repo.branch_with_file(
        "inner-join",
        "models/marts/fct_customer_orders.sql",
        &model.replace("\nleft join ", "\njoin "),
    );
    repo.git(&["checkout", "-q", "inner-join"]);
    let run = repo.run(&["run", "--base", "main"]);
    run.expect_code(1);
    let t = run.table("fct_customer_orders");
    // The customers who never ordered, counted from the facts: the inner
    // join drops them.
    let facts = |file: &str| fs::read_to_string(repo.dir.join("facts").join(file)).unwrap();
    let orders = facts("orders.csv");
    let ordered: std::collections::BTreeSet<&str> = orders
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    let customers = facts("customers.csv").lines().skip(1).count();
    let never = customers - ordered.len();
    assert!(never >= 20, "customers 181-200 never order");
    assert_eq!(t["rows"]["missing"], never, "{}", run.describe());
    assert_eq!(t["rows"]["extra"], 0);
    assert_eq!(t["rows"]["matched"], customers - never);
    let changed: u64 = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mismatches"].as_u64().unwrap())
        .sum();
    assert_eq!(changed, 0, "{}", run.describe());
}
