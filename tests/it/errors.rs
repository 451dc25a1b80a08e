//! Every error a user can reach with a bad config or a bad repository:
//! exit 2, and the message (snapshotted) names the file, line and column or
//! says what to do.

use std::fs;
use std::process::Command;

use crate::support::{BIN, CONFIG, TestRepo};

const BASE: &str = "id,v\n1,a\n";

/// Runs `swimlane run` with `config` as the repository's swimlane.toml.
fn run_with_config(config: &str) -> crate::support::Run {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "README", "docs\n");
    repo.write("swimlane.toml", config);
    repo.run(&["run", "--base", "main", "--head", "feature"])
}

#[test]
fn config_errors_are_located_and_explained() {
    let cases: [(&str, String); 11] = [
        ("malformed_toml", CONFIG.replace("name = \"etl\"", "name = \"etl")),
        ("unknown_key", CONFIG.replace("timeout_secs = 30", "timeout_secs = 30\nretries = 3")),
        ("wrong_type", CONFIG.replace("timeout_secs = 30", "timeout_secs = \"30s\"")),
        ("no_stages", CONFIG.replace("[[stage]]\nname = \"etl\"\nrun = \"sh etl.sh {snapshot} {out}\"\ntimeout_secs = 30\n", "")),
        ("duplicate_stage", format!("{CONFIG}\n[[stage]]\nname = \"etl\"\nrun = \"true\"\n")),
        ("duplicate_table", format!("{CONFIG}\n[[table]]\nname = \"plays\"\npath = \"other.csv\"\n")),
        ("unknown_placeholder", CONFIG.replace("{out}", "{output}")),
        ("path_outside_lane", CONFIG.replace("path = \"plays.csv\"", "path = \"../../etc/passwd.csv\"")),
        ("zero_timeout", CONFIG.replace("timeout_secs = 30", "timeout_secs = 0")),
        ("empty_key", CONFIG.replace("key = [\"id\"]", "key = []")),
        ("missing_snapshot_section", CONFIG.replace("[snapshot]\npath = \"facts\"\n", "")),
    ];
    for (name, config) in cases {
        let r = run_with_config(&config);
        let (code, stderr) = (r.code, r.stderr);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.contains("--> swimlane.toml:"),
            "{name}: no location in {stderr}"
        );
        insta::assert_snapshot!(format!("config_{name}"), stderr);
    }
}

#[test]
fn a_key_column_missing_from_the_output_points_at_the_config() {
    let r = run_with_config(&CONFIG.replace("key = [\"id\"]", "key = [\"user_id\"]"));
    r.expect_code(2);
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("key column `user_id` is not in the base output (columns: id, v)"),
        "{error}"
    );
    assert!(error.starts_with("table `plays`: key column"), "{error}");
    // `key = ["user_id"]` is line 12 of the config; its value starts at column 7.
    assert!(error.contains("--> swimlane.toml:12:7"), "{error}");
    assert!(r.stdout.contains("--> swimlane.toml:12:7"), "{}", r.stdout);
    insta::assert_snapshot!("config_key_not_in_output", error);
}

fn run_in(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("TMPDIR", tmp.path())
        .env("SWIMLANE_CACHE_DIR", tmp.path().join("cache"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir.display().to_string(), "[dir]");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn repository_errors_say_what_to_do() {
    // Not a git repository.
    let plain = tempfile::tempdir().unwrap();
    fs::write(plain.path().join("swimlane.toml"), CONFIG).unwrap();
    fs::create_dir(plain.path().join("facts")).unwrap();
    let (code, stderr) = run_in(plain.path(), &["run"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("repo_not_git", stderr);

    // An empty repository (no commits).
    let git = |dir: &std::path::Path, args: &[&str]| {
        assert!(
            Command::new("git")
                .args(args)
                .current_dir(dir)
                .output()
                .unwrap()
                .status
                .success()
        );
    };
    git(plain.path(), &["init", "-q", "-b", "main"]);
    let (code, stderr) = run_in(plain.path(), &["run"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("repo_empty", stderr);

    // A bare repository.
    let bare = tempfile::tempdir().unwrap();
    git(bare.path(), &["init", "-q", "--bare"]);
    fs::write(bare.path().join("swimlane.toml"), CONFIG).unwrap();
    let (code, stderr) = run_in(bare.path(), &["run"]);
    assert_eq!(code, 2);
    insta::assert_snapshot!("repo_bare", stderr);

    // No main/master and no base given.
    let repo = TestRepo::with_pipeline(BASE);
    repo.git(&["branch", "-m", "main", "trunk"]);
    let r = repo.run(&["run"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("neither `main` nor `master`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--base REV"), "{}", r.stderr);
}

#[test]
fn submodules_and_lfs_are_named_as_unsupported() {
    let repo = TestRepo::with_pipeline(BASE);
    // A submodule from a second local repository.
    let sub = TestRepo::with_pipeline(BASE);
    let url = format!("file://{}", sub.dir.display());
    repo.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        &url,
        "vendor/lib",
    ]);
    repo.write(
        ".gitattributes",
        "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    repo.commit("submodule and lfs");
    repo.branch_with_file("feature", "README", "docs\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(0);
    let notes: Vec<&str> = r.json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("submodules") && n.contains("git submodule update --init")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Git LFS") && n.contains("git lfs pull")),
        "{notes:?}"
    );
    assert!(
        r.stdout.contains("note: the repository has submodules"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_location_only_a_spark_cluster_reads_needs_a_server() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("local.csv"), BASE).unwrap();
    for (base, head) in [
        ("table:lake.sales.orders", "table:lake.sales.orders_v2"),
        ("s3://bucket/orders.parquet", "local.csv"),
    ] {
        let o = Command::new(BIN)
            .args(["compare", base, head, "--key", "id"])
            .env_remove("SWIMLANE_SPARK_REMOTE")
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{base} is read by the Spark cluster, not from this machine"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("--engine spark --spark-remote"), "{stderr}");
    }
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let out = std::process::Command::new(crate::support::BIN)
        .arg("--version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=10", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let head = String::from_utf8_lossy(&head.stdout).trim().to_string();
    assert!(
        text.starts_with(&format!("swimlane {} ({head}", env!("CARGO_PKG_VERSION"))),
        "{text} (HEAD {head})"
    );
}

#[test]
fn completions_and_manual_pages_cover_every_command() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(crate::support::BIN)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(run(&["completions", "bash"]).contains("swimlane__subcmd__init"));
    assert!(run(&["completions", "zsh"]).starts_with("#compdef swimlane"));
    assert!(run(&["completions", "fish"]).contains("complete -c swimlane"));
    let dir = tempfile::tempdir().unwrap();
    run(&["man", "--dir", dir.path().to_str().unwrap()]);
    for page in [
        "swimlane.1",
        "swimlane-run.1",
        "swimlane-compare.1",
        "swimlane-init.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}");
    }
}
