//! Tests of reading `swimlane.toml`.

use std::path::Path;

use super::*;

const MINIMAL: &str = r#"
[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "python3 etl.py --input {snapshot} --output {out}"

[[table]]
name = "plays"
path = "plays.csv"
key = ["member_id", "video_id"]
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse(text, Path::new("swimlane.toml"), Path::new("/repo"))
}

fn error(text: &str) -> String {
    match parse(text) {
        Ok(_) => panic!("config should have been rejected:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn engines_and_the_spark_remote_are_read() {
    let c = parse(&format!(
        "engine = \"spark\"\n[spark]\nremote = \"sc://spark:15002\"\n{MINIMAL}engine = \"local\"\n"
    ))
    .unwrap();
    assert_eq!(c.engine, Some(Engine::Spark));
    assert_eq!(c.spark_remote.as_deref(), Some("sc://spark:15002"));
    assert_eq!(c.tables[0].engine, Some(Engine::Local));
    assert_eq!(parse(MINIMAL).unwrap().engine, None);
    let c = parse(&format!(
        "[spark]\nremote = \"sc://spark:15002\"\noutputs = \"shared\"\noutputs_on_cluster = \"dbfs:/shared\"\n{MINIMAL}"
    ))
    .unwrap();
    let outputs = c.spark_outputs.unwrap();
    assert!(outputs.local.is_absolute() && outputs.local.ends_with("shared"));
    assert_eq!(outputs.cluster, "dbfs:/shared");
    let e = error(&format!(
        "[spark]\nremote = \"sc://spark:15002\"\noutputs_on_cluster = \"dbfs:/x\"\n{MINIMAL}"
    ));
    assert!(
        e.contains("spark.outputs is not set") && e.contains("swimlane.toml:3:"),
        "{e}"
    );
    let e = error(&format!("[spark]\nremote = \"spark:15002\"\n{MINIMAL}"));
    assert!(e.contains("not a Spark Connect URL"), "{e}");
    assert!(e.contains("swimlane.toml:2:"), "{e}");
    let e = error(&format!("engine = \"dask\"\n{MINIMAL}"));
    assert!(e.contains("swimlane.toml:1:"), "{e}");
}

#[test]
fn minimal_config_resolves_defaults() {
    let c = parse(MINIMAL).unwrap();
    assert_eq!(c.snapshot, PathBuf::from("/repo/facts"));
    assert_eq!(c.base, None);
    assert_eq!(c.stages[0].timeout, DEFAULT_STAGE_TIMEOUT);
    let t = &c.tables[0];
    assert_eq!(t.format, Format::Csv);
    assert_eq!(t.compare, CompareMode::Exact);
    assert_eq!(t.key, ["member_id", "video_id"]);
}

#[test]
fn unknown_key_names_line_and_column() {
    let text = MINIMAL.replace("key = [", "colour = 1\nkey = [");
    let msg = error(&text);
    assert!(msg.contains("unknown field `colour`"), "{msg}");
    assert!(msg.contains("--> swimlane.toml:12:1"), "{msg}");
    // Nothing near `colour`: the general advice alone.
    assert!(msg.contains("help: remove or rename the key"), "{msg}");
}

#[test]
fn a_misspelt_key_is_answered_with_the_one_meant() {
    let text = MINIMAL.replace("key = [", "keys = [");
    let msg = error(&text);
    assert!(msg.contains("unknown field `keys`"), "{msg}");
    assert!(
        msg.contains("help: did you mean `key`? Else remove or rename the key"),
        "{msg}"
    );
}

#[test]
fn duplicate_stage_points_at_second_name() {
    let text = format!("{MINIMAL}\n[[stage]]\nname = \"etl\"\nrun = \"true\"\n");
    let msg = error(&text);
    assert!(msg.contains("duplicate stage name `etl`"), "{msg}");
    assert!(msg.contains("swimlane.toml:15:8"), "{msg}");
}

#[test]
fn duplicate_table_is_rejected() {
    let text = format!("{MINIMAL}\n[[table]]\nname = \"plays\"\npath = \"x.parquet\"\n");
    assert!(error(&text).contains("duplicate table name `plays`"));
}

#[test]
fn unknown_placeholder_is_located_inside_the_command() {
    let text = MINIMAL.replace("{out}", "{output}");
    let msg = error(&text);
    assert!(msg.contains("unknown placeholder `{output}`"), "{msg}");
    // `run = "python3 etl.py --input {snapshot} --output {output}"`: the
    // value starts at column 8 and the brace is 43 characters into it.
    assert!(msg.contains("swimlane.toml:7:51"), "{msg}");
}

#[test]
fn non_positive_timeout_is_rejected() {
    let text = MINIMAL.replace("--output {out}\"", "--output {out}\"\ntimeout_secs = 0");
    let msg = error(&text);
    assert!(msg.contains("timeout_secs must be a positive"), "{msg}");
    assert!(msg.contains("swimlane.toml:8:16"), "{msg}");
}

#[test]
fn empty_and_blank_keys_are_rejected() {
    assert!(error(&MINIMAL.replace(r#"["member_id", "video_id"]"#, "[]")).contains("empty list"));
    assert!(error(&MINIMAL.replace(r#""video_id""#, r#""  ""#)).contains("non-empty"));
}

#[test]
fn path_outside_output_dir_is_rejected() {
    let msg = error(&MINIMAL.replace("plays.csv", "../../etc/passwd.csv"));
    assert!(msg.contains("leaves the lane's output dir"), "{msg}");
}

#[test]
fn wrong_type_is_reported_with_location() {
    let msg = error(&MINIMAL.replace("name = \"etl\"", "name = 3"));
    assert!(msg.contains("invalid type"), "{msg}");
    assert!(msg.contains("swimlane.toml:6:8"), "{msg}");
}

#[test]
fn missing_sections_are_explained() {
    assert!(error("[snapshot]\npath = \"f\"\n").contains("no [[stage]] defined"));
    assert!(error("").contains("missing [snapshot] section"));
}

#[test]
fn malformed_toml_is_located() {
    let msg = error("[snapshot]\npath = \"f\n");
    assert!(msg.contains("swimlane.toml:2:"), "{msg}");
}

#[test]
fn unknown_extension_needs_format() {
    assert!(error(&MINIMAL.replace("plays.csv", "plays.dat")).contains("add `format"));
    let ok = parse(&MINIMAL.replace("plays.csv\"", "plays.dat\"\nformat = \"parquet\"")).unwrap();
    assert_eq!(ok.tables[0].format, Format::Parquet);
}

#[test]
fn delimiters_are_one_character_for_csv_tables() {
    let semi = parse(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \";\"")).unwrap();
    assert_eq!(semi.tables[0].delimiter, b';');
    let tab = parse(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \"\\t\"")).unwrap();
    assert_eq!(tab.tables[0].delimiter, b'\t');
    assert_eq!(parse(MINIMAL).unwrap().tables[0].delimiter, b',');
    // A `.tsv` table is CSV delimited by tabs unless it says otherwise.
    let tsv = parse(&MINIMAL.replace("plays.csv\"", "plays.tsv\"")).unwrap();
    assert_eq!(
        (tsv.tables[0].format, tsv.tables[0].delimiter),
        (Format::Csv, b'\t')
    );
    let semi = MINIMAL.replace("plays.csv\"", "plays.tsv\"\ndelimiter = \";\"");
    assert_eq!(parse(&semi).unwrap().tables[0].delimiter, b';');
    let msg = error(&MINIMAL.replace("plays.csv\"", "plays.csv\"\ndelimiter = \";;\""));
    assert!(
        msg.contains("delimiter `;;` is not one ASCII character"),
        "{msg}"
    );
    assert!(msg.contains("swimlane.toml:12:13"), "{msg}");
    let msg = error(&MINIMAL.replace("plays.csv\"", "plays.parquet\"\ndelimiter = \";\""));
    assert!(
        msg.contains("`delimiter` applies only to CSV tables"),
        "{msg}"
    );
}

#[test]
fn base_and_head_belong_in_a_compare_spec() {
    let msg = error(&MINIMAL.replace("path = \"plays.csv\"", "base = \"a.csv\"\nhead = \"b.csv\""));
    assert!(msg.contains("table `plays` has no `path`"), "{msg}");
    assert!(msg.contains("swimlane.toml:11:8"), "{msg}");
    let msg = error(&MINIMAL.replace(
        "path = \"plays.csv\"",
        "path = \"plays.csv\"\nbase = \"a.csv\"",
    ));
    assert!(
        msg.contains("belong in a `swimlane compare --spec` file"),
        "{msg}"
    );
}

const DISTRIBUTION: &str = r#"
[snapshot]
path = "facts"

[[stage]]
name = "features"
run = "make features"

[[table]]
name = "features"
path = "features.parquet"
compare = "distribution"
alpha = 0.05
precision = 10

[table.columns.is_kids]
test = "chi2"
min_effect = 0.02

[table.columns.user_id]
test = "none"
"#;

#[test]
fn distribution_settings_and_column_overrides() {
    let c = parse(DISTRIBUTION).unwrap();
    let t = &c.tables[0];
    assert_eq!(t.compare, CompareMode::Distribution);
    assert_eq!(
        (t.alpha, t.min_effect, t.precision),
        (0.05, DEFAULT_MIN_EFFECT, 10)
    );
    let kids = t.column_settings("is_kids");
    assert_eq!(kids.test, Some(TestKind::Chi2));
    assert_eq!((kids.alpha, kids.min_effect), (Some(0.05), Some(0.02)));
    assert_eq!(t.column_settings("user_id").test, Some(TestKind::None));
    assert_eq!(t.column_settings("other").test, None);
}

#[test]
fn distribution_settings_on_exact_tables_are_rejected() {
    let msg = error(&MINIMAL.replace("key = [", "precision = 8\nkey = ["));
    assert!(
        msg.contains("apply only to `compare = \"distribution\"`"),
        "{msg}"
    );
    assert!(msg.contains("swimlane.toml:12:13"), "{msg}");
}

#[test]
fn tolerances_and_string_options_parse() {
    let text = MINIMAL.replace(
        "key = [\"member_id\", \"video_id\"]",
        "key = [\"member_id\", \"video_id\"]\n[table.tolerance]\nseconds = { abs = 1e-9 }\nts = { seconds = 1.5 }\n[table.strings]\ntrim = true",
    );
    let t = &parse(&text).unwrap().tables[0];
    assert_eq!(t.tolerance["seconds"].abs, 1e-9);
    assert_eq!(t.tolerance["ts"].seconds, 1.5);
    assert_eq!(
        t.strings,
        StringOptions {
            trim: true,
            ignore_case: false,
            keys: false,
        }
    );
    let bad = text.replace("{ seconds = 1.5 }", "{ seconds = -1 }");
    assert!(error(&bad).contains("must have abs, rel and seconds >= 0"));
    let typo = text.replace("trim = true", "trimm = true");
    assert!(error(&typo).contains("unknown field `trimm`"));
    assert!(error(&typo).contains("did you mean `trim`?"));
}

#[test]
fn bad_column_override_is_located() {
    let msg = error(&DISTRIBUTION.replace("test = \"chi2\"", "test = \"t-test\""));
    assert!(msg.contains("unknown variant `t-test`"), "{msg}");
    assert!(msg.contains("swimlane.toml:17:8"), "{msg}");
    let msg = error(&DISTRIBUTION.replace("precision = 10", "precision = 30"));
    assert!(msg.contains("precision must be between 1 and 17"), "{msg}");
}

#[test]
fn history_store_is_a_directory_relative_to_the_config() {
    let with = |store: &str| format!("{MINIMAL}\n[history]\nstore = \"{store}\"\n");
    assert_eq!(
        parse(&with("dir:../history"))
            .unwrap()
            .history
            .store
            .as_deref(),
        Some("dir:/history")
    );
    assert_eq!(
        parse(&with("/var/swimlane"))
            .unwrap()
            .history
            .store
            .as_deref(),
        Some("dir:/var/swimlane")
    );
    assert_eq!(parse(MINIMAL).unwrap().history.store, None);
    assert_eq!(
        parse(&with("git:refs/swimlane/history"))
            .unwrap()
            .history
            .store
            .as_deref(),
        Some("git:refs/swimlane/history")
    );
    let msg = error(&with("git:refs/heads/main"));
    assert!(msg.contains("is not supported yet"), "{msg}");
    assert!(msg.contains("swimlane.toml:15:9"), "{msg}");
    let msg = error(&with("dir:"));
    assert!(msg.contains("history store is empty"), "{msg}");
    assert_eq!(
        parse(&with("spark:lake.swimlane_history"))
            .unwrap()
            .history
            .store
            .as_deref(),
        Some("spark:lake.swimlane_history")
    );
    let msg = error(&with("spark:lake..history"));
    assert!(
        msg.contains("`lake..history` is not a Spark table name"),
        "{msg}"
    );
    assert!(msg.contains("spark:db.table"), "{msg}");
    // A spark: store's server is the engine's.
    let c = parse(&format!(
        "[spark]\nremote = \"sc://spark:15002\"\n{}",
        with("spark:db.h")
    ))
    .unwrap();
    assert_eq!(c.history.spark_remote.as_deref(), Some("sc://spark:15002"));
    let retained = |r: &str| format!("{MINIMAL}\n[history]\nretain = \"{r}\"\n");
    assert_eq!(
        parse(&retained("400d")).unwrap().history.retain,
        Some(400 * 86_400_000_000)
    );
    assert_eq!(
        parse(&retained("2w")).unwrap().history.retain,
        Some(14 * 86_400_000_000)
    );
    let msg = error(&retained("a year"));
    assert!(
        msg.contains("history.retain `a year` is not a duration"),
        "{msg}"
    );
    assert!(msg.contains("400d"), "{msg}");
}

#[test]
fn audit_checks_are_parsed_and_malformed_ones_located() {
    let with =
        |check: &str| format!("{MINIMAL}\n[[audit]]\ntable = \"plays\"\ncheck = '{check}'\n");
    let c = parse(&with("row_count >= 0.9 * at(row_count, \"-7d\")")).unwrap();
    assert_eq!(c.history.audits.len(), 1);
    assert_eq!(c.history.audits[0].table.as_deref(), Some("plays"));
    assert_eq!(
        c.history.audits[0].name,
        "row_count >= 0.9 * at(row_count, \"-7d\")"
    );
    // Line 16 is `check = '...'`; the caret sits on the bad character.
    for (check, message, column) in [
        ("null_fraction = 0.01", "unexpected `=`", 24),
        ("nul_fraction <= 0.01", "unknown metric `nul_fraction`", 10),
        ("p99 between 1", "`between` needs `and`", 23),
    ] {
        let msg = error(&with(check));
        assert!(msg.contains(message), "{msg}");
        assert!(msg.contains(&format!("swimlane.toml:16:{column}")), "{msg}");
    }
    let msg = error(&with("nul_fraction <= 0.01"));
    assert!(
        msg.contains("help: did you mean `null_fraction`? metrics: row_count"),
        "{msg}"
    );
    // Nothing near: the metrics alone.
    let msg = error(&with("rows_total <= 1"));
    assert!(msg.contains("help: metrics: row_count"), "{msg}");
}

#[test]
fn history_detection_settings_and_overrides_are_read_and_checked() {
    let with = |history: &str| format!("{MINIMAL}\n[history]\n{history}\n");
    let c = parse(&with(
        "sigma = 3\nwindow = 14\nmin_history = 5\ndirection = \"up\"\nmethod = \"robust\"\nchangepoint_last = 60\n\n[[history.override]]\nseries = \"plays.*.null_fraction\"\nsigma = 6\ndirection = \"both\"",
    ))
    .unwrap();
    let d = c.history.detect_for("plays.row_count");
    assert_eq!(
        (
            d.anomaly.sigma,
            d.anomaly.window,
            d.anomaly.min_history,
            d.last
        ),
        (3.0, 14, 5, 60)
    );
    assert_eq!(d.anomaly.direction, crate::stats::anomaly::Direction::Up);
    assert_eq!(d.anomaly.method, crate::stats::anomaly::Method::Robust);
    let n = c.history.detect_for("plays.thumb.null_fraction");
    assert_eq!((n.anomaly.sigma, n.anomaly.window), (6.0, 14));
    assert_eq!(n.anomaly.direction, crate::stats::anomaly::Direction::Both);
    let msg = error(&with("window = 1"));
    assert!(msg.contains("history.window must be at least 2"), "{msg}");
    assert!(msg.contains("swimlane.toml:15:10"), "{msg}");
    let msg = error(&with("direction = \"sideways\""));
    assert!(msg.contains("unknown variant `sideways`"), "{msg}");
    let msg = error(&with("[[history.override]]\nseries = \"plays.[\""));
    assert!(msg.contains("is not a glob over series names"), "{msg}");
}

#[test]
fn change_points_are_turned_off_for_the_series_an_override_names() {
    let with = |history: &str| format!("{MINIMAL}\n[history]\n{history}\n");
    // Whether `plays.row_count` and `plays.thumb.null_fraction` are searched.
    let searched = |history: &str| {
        let c = parse(&with(history)).unwrap();
        let on = |series: &str| c.history.detect_for(series).changepoints;
        (on("plays.row_count"), on("plays.thumb.null_fraction"))
    };
    assert_eq!(
        searched("[[history.override]]\nseries = \"*.row_count\"\nchangepoints = false"),
        (false, true)
    );
    // Off everywhere, then on again for one series.
    assert_eq!(
        searched(
            "changepoints = false\n[[history.override]]\nseries = \"plays.thumb.*\"\nchangepoints = true"
        ),
        (false, true)
    );
    let msg = error(&with(
        "[[history.override]]\nseries = \"*.row_count\"\nchangepoints = \"no\"",
    ));
    assert!(
        msg.contains("expected a boolean") && msg.contains("swimlane.toml:17:16"),
        "{msg}"
    );
}

#[test]
fn paired_settings_are_read_and_need_a_key() {
    let keyed = MINIMAL.replace(
        "key = [",
        "compare = \"distribution\"\nmin_paired_effect = 0.25\nmax_changed_fraction = 0.005\nkey = [",
    );
    let t = parse(&keyed).unwrap().tables.remove(0);
    assert_eq!(
        (t.min_paired_effect, t.max_changed_fraction),
        (0.25, Some(0.005))
    );
    let defaults =
        parse(&MINIMAL.replace("key = [", "compare = \"distribution\"\nkey = [")).unwrap();
    assert_eq!(
        defaults.tables[0].min_paired_effect,
        DEFAULT_MIN_PAIRED_EFFECT
    );
    assert_eq!(defaults.tables[0].max_changed_fraction, None);

    let keyless = MINIMAL.replace(
        "key = [\"member_id\", \"video_id\"]",
        "compare = \"distribution\"\nmax_changed_fraction = 0.01",
    );
    let msg = error(&keyless);
    assert!(msg.contains("need `key`"), "{msg}");
    assert!(msg.contains("swimlane.toml:13:24"), "{msg}");

    let msg = error(&keyed.replace("0.005", "5"));
    assert!(
        msg.contains("max_changed_fraction must be between 0 and 1, got 5"),
        "{msg}"
    );
    let msg = error(&keyed.replace("0.25", "-1"));
    assert!(
        msg.contains("min_paired_effect must be a number >= 0"),
        "{msg}"
    );
    let msg = error(&MINIMAL.replace("key = [", "max_changed_fraction = 0.1\nkey = ["));
    assert!(
        msg.contains("apply only to `compare = \"distribution\"`"),
        "{msg}"
    );
}

#[test]
fn a_sample_section_is_read_with_its_defaults_and_applied_to_keyed_outputs() {
    let c = parse(&format!(
        "[sample]\nkey = [\"member_id\"]\nrate = 0.01\n{MINIMAL}"
    ))
    .unwrap();
    let s = c.sample.as_ref().unwrap();
    assert_eq!(
        (s.buckets, s.hash, s.snapshot, s.outputs),
        (100, SampleHash::SparkXxhash64, true, false)
    );
    // The snapshot only, by default: the outputs are compared whole.
    assert_eq!(c.tables[0].sample, None);
    let c = parse(&format!(
        "[sample]\nbuckets = 250\nhash = \"spark_hash\"\nsalt = \"x\"\napply = [\"outputs\"]\n{MINIMAL}"
    ))
    .unwrap();
    let t = c.tables[0].sample.as_ref().unwrap();
    // No sample key: each table's own.
    assert_eq!(t.key, ["member_id", "video_id"]);
    assert_eq!(
        (t.buckets, t.hash, t.salt.as_deref()),
        (250, SampleHash::SparkHash, Some("x"))
    );
}

#[test]
fn bad_samples_are_errors_at_their_place() {
    let e = error(&format!("[sample]\nkey = [\"m\"]\nrate = 0\n{MINIMAL}"));
    assert!(
        e.contains("swimlane.toml:3:8") && e.contains("sample.rate must be in (0, 1], got 0"),
        "{e}"
    );
    let e = error(&format!("[sample]\nkey = [\"m\"]\nrate = 1.5\n{MINIMAL}"));
    assert!(e.contains("got 1.5"), "{e}");
    let e = error(&format!(
        "[sample]\nkey = [\"m\"]\nrate = 0.5\nbuckets = 3\n{MINIMAL}"
    ));
    assert!(e.contains("both `rate` and `buckets`"), "{e}");
    let e = error(&format!("[sample]\nrate = 0.5\n{MINIMAL}"));
    assert!(
        e.contains("sampling the snapshot needs `sample.key`"),
        "{e}"
    );
    let e = error(&format!("[sample]\nkey = [\"m\"]\n{MINIMAL}"));
    assert!(e.contains("neither `rate` nor `buckets`"), "{e}");
    let e = error(&format!(
        "[sample]\nkey = [\"m\"]\nrate = 0.1\napply = [\"everything\"]\n{MINIMAL}"
    ));
    assert!(e.contains("unknown variant `everything`"), "{e}");
    let e = error(&format!(
        "[sample]\nkey = [\"m\"]\nbuckets = 10001\n{MINIMAL}"
    ));
    assert!(e.contains("between 1 and 10000"), "{e}");
}

#[test]
fn database_tables_name_a_table_or_a_query_and_postgres_tables_need_the_database_section() {
    let db = |extra: &str| {
        format!(
            "[snapshot]\npath = \"facts\"\n{extra}\n[[stage]]\nname = \"etl\"\nrun = \"etl {{database_url}}\"\n\n[[table]]\nname = \"orders\"\n"
        )
    };
    let pg = "[database]\npostgres = \"postgresql://etl:pw@db:5433/facts?sslmode=require\"\n";
    let c = parse(&format!(
        "{}table = \"public.orders\"\nkey = [\"id\"]\n",
        db(pg)
    ))
    .unwrap();
    let t = &c.tables[0];
    assert_eq!(t.format, Format::Postgres);
    assert_eq!(t.relation, Some(Relation::Table("public.orders".into())));
    let url = c.postgres.unwrap();
    assert_eq!(url.database, "facts");
    assert_eq!(
        url.url("lane"),
        "postgresql://etl:pw@db:5433/lane?sslmode=require"
    );
    // Errors name the server, never the password.
    assert_eq!(url.to_string(), "postgresql://etl@db:5433");
    // A file database: its format from the extension, a query.
    let c = parse(&format!(
        "{}path = \"w.duckdb\"\nquery = \"select 1 as id\"\n",
        db(pg)
    ))
    .unwrap();
    assert_eq!(c.tables[0].format, Format::Duckdb);
    assert_eq!(
        c.tables[0].relation.as_ref().map(Relation::sql),
        Some("select 1 as id".into())
    );
    // `{database_url}` without a database to give.
    let e = error(&format!("{}path = \"o.csv\"\n", db("")));
    assert!(
        e.contains("swimlane.toml:6:12") && e.contains("no `[database] postgres`"),
        "{e}"
    );
    // `{database_name}` likewise.
    let named = db("").replace("{database_url}", "x {database_name}");
    let e = error(&format!("{named}path = \"o.csv\"\n"));
    assert!(
        e.contains("swimlane.toml:6:14") && e.contains("`{database_name}` is the lane's"),
        "{e}"
    );
    // A database file says which table.
    let e = error(&format!("{}path = \"w.sqlite\"\n", db(pg)));
    assert!(
        e.contains("swimlane.toml:12:8") && e.contains("table = "),
        "{e}"
    );
    // Both, or a table without a database to read it from.
    let e = error(&format!(
        "{}path = \"w.sqlite\"\ntable = \"a\"\nquery = \"select 1\"\n",
        db(pg)
    ));
    assert!(e.contains("not both"), "{e}");
    let e = error(
        "[snapshot]\npath = \"f\"\n[[stage]]\nname = \"e\"\nrun = \"e\"\n[[table]]\nname = \"o\"\ntable = \"o\"\n",
    );
    assert!(
        e.contains("no `path` and no `[database] postgres`") && e.contains("swimlane.toml:8:"),
        "{e}"
    );
    let e = error(&format!(
        "[database]\npostgres = \"mysql://db/x\"\n{MINIMAL}"
    ));
    assert!(
        e.contains("swimlane.toml:2:") && e.contains("not a postgresql:// URL"),
        "{e}"
    );
}
