//! Regression tests, each named after the bug it fixes (ripgrep's
//! `tests/regression.rs`), on inputs as small as the failure. The engine
//! tests run against a Spark Connect server (`SWIMLANE_SPARK_REMOTE`) and
//! assert that both engines give the same verdict and findings.

#[cfg(feature = "spark")]
mod engines {
    use std::fs;
    use std::path::Path;

    use polars::prelude::*;
    use swimlane::config::{CompareMode, Format, Table};
    use swimlane::engine::{self, Engine};
    use swimlane::load::MemoryBudget;
    use swimlane::model::{TableReport, Verdict};
    use swimlane::spark::Spark;

    use crate::spark::{remote, write_parquet};

    fn table(path: &str, format: Format) -> Table {
        Table {
            key: vec!["id".into()],
            ..Table::new("t", path, format, CompareMode::Exact)
        }
    }

    /// `table` compared on both engines: (local, spark).
    fn both(
        spark: &Spark,
        table: &Table,
        dir: &Path,
        base: &str,
        head: &str,
    ) -> (TableReport, TableReport) {
        let budget = MemoryBudget::for_this_machine();
        let run = |e| engine::compare(table, (dir, base), (dir, head), budget, e, false).0;
        (run(Engine::Local), run(Engine::Spark(spark)))
    }

    fn messages(r: &TableReport) -> Vec<String> {
        r.findings().into_iter().map(|f| f.message).collect()
    }

    #[test]
    fn a_key_column_missing_in_head_is_a_regression_on_spark_too() {
        let Some(remote) = remote() else { return };
        let spark = Spark::connect(&remote).unwrap();
        let d = tempfile::tempdir().unwrap();
        write_parquet(
            &df!("id" => [1i64, 2], "v" => ["a", "b"]).unwrap(),
            &d.path().join("b.parquet"),
        );
        write_parquet(
            &df!("uid" => [1i64, 2], "v" => ["a", "b"]).unwrap(),
            &d.path().join("h.parquet"),
        );
        let t = table("b.parquet", Format::Parquet);
        let (local, spark) = both(&spark, &t, d.path(), "b.parquet", "h.parquet");
        assert_eq!(local.verdict(), Verdict::Regression, "{:?}", local.error);
        assert_eq!(spark.verdict(), Verdict::Regression, "{:?}", spark.error);
        assert_eq!(spark.head_missing, local.head_missing);
        assert!(
            messages(&spark)
                .contains(&"key column `id` is missing in head: rows cannot be matched".into()),
            "{:?}",
            messages(&spark)
        );
    }

    #[test]
    fn an_output_missing_in_head_is_a_regression_on_spark_too() {
        let Some(remote) = remote() else { return };
        let spark = Spark::connect(&remote).unwrap();
        let d = tempfile::tempdir().unwrap();
        write_parquet(&df!("id" => [1i64]).unwrap(), &d.path().join("b.parquet"));
        let t = table("b.parquet", Format::Parquet);
        let (local, spark) = both(&spark, &t, d.path(), "b.parquet", "gone.parquet");
        assert_eq!(local.verdict(), Verdict::Regression);
        assert_eq!(spark.verdict(), Verdict::Regression, "{:?}", spark.error);
        assert_eq!(spark.head_missing, local.head_missing);
        // Missing in base: an error on both.
        let (local, spark) = both(
            &spark_again(&remote),
            &t,
            d.path(),
            "gone.parquet",
            "b.parquet",
        );
        assert_eq!(local.verdict(), Verdict::Error);
        assert_eq!(spark.verdict(), Verdict::Error);
    }

    fn spark_again(remote: &str) -> Spark {
        Spark::connect(remote).unwrap()
    }

    #[test]
    fn csv_and_ndjson_outputs_are_read_alike_on_spark() {
        let Some(remote) = remote() else { return };
        let spark = Spark::connect(&remote).unwrap();
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        // Types the local reader infers: i64, f64, text (a quoted number
        // stays text), bool; a column empty in head takes base's type.
        fs::write(p.join("b.csv"), "id;x;code;ok;gone\n1;1.5;\"007\";true;4\n2;2.5;\"008\";false;5\n3;3.5;\"009\";true;6\n").unwrap();
        fs::write(
            p.join("h.csv"),
            "id;x;code;ok;gone\n1;1.5;\"007\";true;\n2;2.75;\"008\";false;\n4;4.5;\"010\";true;\n",
        )
        .unwrap();
        let mut t = table("b.csv", Format::Csv);
        t.delimiter = b';';
        let (local, remote_r) = both(&spark, &t, p, "b.csv", "h.csv");
        assert_eq!(local.error, None);
        assert_eq!(remote_r.error, None);
        assert_eq!(remote_r.rows, local.rows);
        let counts = |r: &TableReport| {
            r.columns
                .iter()
                .map(|c| (c.name.clone(), c.mismatches, c.all_null))
                .collect::<Vec<_>>()
        };
        assert_eq!(counts(&remote_r), counts(&local));
        assert_eq!(remote_r.schema.changed, local.schema.changed);
        assert!(
            local.schema.changed.is_empty(),
            "{:?}",
            local.schema.changed
        );
        let c = local.rows.unwrap();
        assert_eq!((c.matched, c.missing, c.extra), (2, 1, 1));

        fs::write(
            p.join("b.ndjson"),
            "{\"id\":1,\"v\":\"a\",\"n\":1}\n{\"id\":2,\"v\":\"b\",\"n\":2}\n",
        )
        .unwrap();
        fs::write(
            p.join("h.ndjson"),
            "{\"id\":1,\"v\":\"a\",\"n\":1}\n{\"id\":2,\"v\":\"B\",\"n\":2}\n",
        )
        .unwrap();
        let t = table("b.ndjson", Format::Ndjson);
        let (local, remote_r) = both(&spark, &t, p, "b.ndjson", "h.ndjson");
        assert_eq!(remote_r.error, None);
        assert_eq!(remote_r.rows, local.rows);
        assert_eq!(counts(&remote_r), counts(&local));
        assert_eq!(local.verdict(), Verdict::Regression);
    }

    #[test]
    fn widened_columns_and_retyped_keys_compare_alike_on_spark() {
        let Some(remote) = remote() else { return };
        let spark = Spark::connect(&remote).unwrap();
        let d = tempfile::tempdir().unwrap();
        let base = df!("id" => [1i64, 2, 3], "n" => [10i32, 20, 30]).unwrap();
        let head = df!("id" => [1.0f64, 2.0, 3.0], "n" => [10i64, 21, 30]).unwrap();
        write_parquet(&base, &d.path().join("b.parquet"));
        write_parquet(&head, &d.path().join("h.parquet"));
        let t = table("b.parquet", Format::Parquet);
        let (local, remote_r) = both(&spark, &t, d.path(), "b.parquet", "h.parquet");
        assert_eq!(remote_r.error, None);
        assert_eq!(remote_r.rows, local.rows);
        let c = local.rows.unwrap();
        assert_eq!((c.matched, c.missing, c.changed), (3, 0, Some(1)));
        let n = |r: &TableReport| {
            r.columns
                .iter()
                .map(|c| (c.name.clone(), c.mismatches))
                .collect::<Vec<_>>()
        };
        assert_eq!(n(&remote_r), n(&local));
    }

    #[test]
    fn arrow_ipc_and_databases_on_spark_are_an_error_before_any_lane_runs() {
        let Some(remote) = remote() else { return };
        let spark = Spark::connect(&remote).unwrap();
        let t = table("t.arrow", Format::Ipc);
        let err = engine::check_readable(&t, &Engine::Spark(&spark)).unwrap_err();
        assert!(
            swimlane::error::chain(&err).contains("table `t` is ipc, which the spark engine cannot read\nhelp: write the table as Parquet"),
            "{}",
            swimlane::error::chain(&err)
        );
        assert!(engine::check_readable(&t, &Engine::Local).is_ok());
        // Databases too: the cluster does not read this machine's files
        // nor the lanes' PostgreSQL databases.
        for (path, format) in [
            ("w.sqlite", Format::Sqlite),
            ("w.duckdb", Format::Duckdb),
            ("", Format::Postgres),
        ] {
            let t = table(path, format);
            let err = engine::check_readable(&t, &Engine::Spark(&spark)).unwrap_err();
            assert!(
                swimlane::error::chain(&err).contains(&format!(
                    "table `t` is {}, which the spark engine cannot read",
                    format.as_str()
                )),
                "{}",
                swimlane::error::chain(&err)
            );
        }
    }
}
