//! `examples/dbt-duckdb` end to end: the example's own swimlane.toml runs
//! `dbt build` in each lane (dbt-duckdb from PyPI: `SWIMLANE_DBT`, which
//! `.ci/run` installs), and the inner-join bug of its README is caught.

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

#[test]
fn the_dbt_example_catches_customers_an_inner_join_drops() {
    let Some(dbt) = dbt() else { return };
    let repo = TestRepo::empty();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/dbt-duckdb"),
        &repo.dir,
    );
    // The example's stage, with this machine's dbt.
    let config = fs::read_to_string(repo.dir.join("swimlane.toml")).unwrap();
    assert!(config.contains("run = \"dbt build"), "{config}");
    repo.write(
        "swimlane.toml",
        &config.replace("run = \"dbt build", &format!("run = \"'{dbt}' build")),
    );
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
    let ordered: std::collections::BTreeSet<&str> =
        include_str!("../../examples/dbt-duckdb/facts/orders.csv")
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap())
            .collect();
    let customers = include_str!("../../examples/dbt-duckdb/facts/customers.csv")
        .lines()
        .skip(1)
        .count();
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
