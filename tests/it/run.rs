//! `swimlane run` end to end: real repositories, real lanes, the real binary.

use std::fs;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::{CONFIG, TestRepo};

const BASE: &str = "id,name,score\n1,ann,10\n2,bob,20\n3,cid,30\n4,dee,40\n";

fn compare(head_table: &str) -> crate::support::Run {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_table("feature", head_table);
    repo.run(&["run", "--base", "main", "--head", "feature"])
}

#[test]
fn identical_output_passes() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "README", "docs only\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(0);
    assert_eq!(r.json["verdict"], "pass");
    let t = r.table("plays");
    assert_eq!(t["verdict"], "pass");
    assert_eq!(
        t["rows"],
        json!({"base": 4, "head": 4, "matched": 4, "missing": 0, "extra": 0, "changed": 0})
    );
    assert_eq!(r.json["base"]["commit"], repo.rev("main"));
    assert_eq!(r.json["head"]["commit"], repo.rev("feature"));
    assert_eq!(r.json["snapshot"]["digest"].as_str().unwrap().len(), 64);
    assert_eq!(r.json["lanes"][0]["name"], "base");
    assert_eq!(r.json["lanes"][1]["stages"][0]["status"], "ok");
    assert!(r.stdout.starts_with("PASS"), "{}", r.stdout);
}

#[test]
fn added_column_passes_and_is_reported() {
    let r = compare("id,name,score,extra\n1,ann,10,x\n2,bob,20,x\n3,cid,30,x\n4,dee,40,x\n");
    r.expect_code(0);
    let t = r.table("plays");
    assert_eq!(t["schema"]["added"], json!(["extra"]));
    assert_eq!(t["verdict"], "pass");
    assert!(
        r.stdout.contains("column `extra` (str) added in head"),
        "{}",
        r.stdout
    );
}

#[test]
fn removed_column_is_a_regression() {
    let r = compare("id,name\n1,ann\n2,bob\n3,cid\n4,dee\n");
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["schema"]["removed"], json!(["score"]));
    assert_eq!(t["verdict"], "regression");
}

#[test]
fn changed_type_is_a_regression() {
    // Integers written as floats lose nothing: the change is a regression
    // and the values are still compared (one of them changed).
    let r = compare("id,name,score\n1,ann,10.0\n2,bob,20.5\n3,cid,30.0\n4,dee,40.0\n");
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(
        t["schema"]["changed"],
        json!([{"column": "score", "base": "i64", "head": "f64", "compared_as": "f64"}])
    );
    let score = t["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "score");
    assert_eq!(score.unwrap()["mismatches"], 1);
    // Text where numbers were: a change whose values are not compared.
    let r = compare("id,name,score\n1,ann,10\n2,bob,n/a\n3,cid,30\n4,dee,40\n");
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(
        t["schema"]["changed"],
        json!([{"column": "score", "base": "i64", "head": "str"}])
    );
    assert_eq!(t["validation"]["cells_not_compared"], 4);
}

#[test]
fn changed_values_are_counted_exactly_with_samples() {
    let r = compare("id,name,score\n1,ann,10\n2,BOB,21\n3,cid,30\n4,dee,41\n");
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["rows"]["changed"], 2);
    assert_eq!(t["rows"]["matched"], 4);
    let cols = t["columns"].as_array().unwrap();
    let score = cols.iter().find(|c| c["name"] == "score").unwrap();
    assert_eq!(score["mismatches"], 2);
    assert_eq!(
        score["samples"],
        json!([
            {"key": {"id": 2}, "base": 20, "head": 21},
            {"key": {"id": 4}, "base": 40, "head": 41}
        ])
    );
    let name = cols.iter().find(|c| c["name"] == "name").unwrap();
    assert_eq!(name["mismatches"], 1);
    assert!(r.stdout.contains("id=2: \"bob\" → \"BOB\""), "{}", r.stdout);
}

#[test]
fn missing_rows_are_a_regression() {
    let r = compare("id,name,score\n1,ann,10\n3,cid,30\n");
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["rows"]["missing"], 2);
    assert_eq!(t["rows"]["extra"], 0);
    assert_eq!(t["missing_samples"][0]["values"], json!({"id": 2}));
    assert_eq!(t["missing_samples"][1]["values"], json!({"id": 4}));
}

#[test]
fn extra_rows_are_a_regression() {
    let r = compare(&format!("{BASE}5,eve,50\n"));
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["rows"]["extra"], 1);
    assert_eq!(t["rows"]["head"], 5);
    assert_eq!(t["extra_samples"][0]["values"], json!({"id": 5}));
}

#[test]
fn duplicated_keys_are_reported_not_multiplied() {
    let r = compare(&format!("{BASE}2,bob,20\n2,bob,20\n"));
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["duplicates"]["new_in_head"], 1);
    assert_eq!(t["duplicates"]["head"]["keys"], 1);
    assert_eq!(t["duplicates"]["head"]["rows"], 3);
    assert_eq!(
        t["duplicates"]["head"]["samples"][0],
        json!({"values": {"id": 2}, "count": 3})
    );
    // Paired by occurrence: 4 matched, the 2 surplus copies are extra rows.
    assert_eq!(t["rows"]["matched"], 4);
    assert_eq!(t["rows"]["extra"], 2);
}

#[test]
fn swapped_columns_are_named() {
    let base = "id,country,language\n1,US,en\n2,FR,fr\n3,DE,de\n";
    let repo = TestRepo::with_pipeline(base);
    repo.branch_with_table(
        "feature",
        "id,country,language\n1,en,US\n2,fr,FR\n3,de,DE\n",
    );
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    assert_eq!(
        r.table("plays")["swapped"],
        json!([["country", "language"]])
    );
    assert!(
        r.stdout
            .contains("columns `country` and `language` swapped values")
    );
}

#[test]
fn keyless_tables_compare_as_multisets() {
    let repo = TestRepo::with_pipeline("a,b\n1,x\n1,x\n2,y\n");
    repo.write("swimlane.toml", &CONFIG.replace("key = [\"id\"]\n", ""));
    repo.commit("keyless");
    repo.branch_with_table("feature", "a,b\n2,y\n1,x\n3,z\n3,z\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(
        t["rows"],
        json!({"base": 3, "head": 4, "matched": 2, "missing": 1, "extra": 2, "changed": null})
    );
    assert_eq!(
        t["missing_samples"],
        json!([{"values": {"a": 1, "b": "x"}, "count": 1}])
    );
    assert_eq!(
        t["extra_samples"],
        json!([{"values": {"a": 3, "b": "z"}, "count": 2}])
    );
}

#[test]
fn head_stage_failure_is_a_regression_with_its_output() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "etl.sh", "echo 'KeyError: plays' >&2\nexit 3\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    assert_eq!(r.json["verdict"], "regression");
    let stage = &r.json["lanes"][1]["stages"][0];
    assert_eq!(stage["status"], "failed");
    assert_eq!(stage["exit_code"], 3);
    assert_eq!(stage["output_tail"], json!(["KeyError: plays"]));
    assert!(r.stdout.contains("| KeyError: plays"), "{}", r.stdout);
}

#[test]
fn a_failed_stages_log_outlives_the_lane() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "etl.sh", "echo 'KeyError: plays' >&2\nexit 3\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    let log = r.json["lanes"][1]["stages"][0]["log"].as_str().unwrap();
    assert!(
        std::path::Path::new(log).starts_with(repo.state.join("logs")),
        "{log}"
    );
    assert_eq!(fs::read_to_string(log).unwrap(), "KeyError: plays\n");
    assert!(r.stdout.contains(&format!("log: {log}")), "{}", r.stdout);
    // Passing stages keep nothing.
    assert!(r.json["lanes"][0]["stages"][0].get("log").is_none());
}

#[test]
fn a_timed_out_python_stage_shows_its_last_lines() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.write(
        "swimlane.toml",
        &CONFIG.replace("timeout_secs = 30", "timeout_secs = 1"),
    );
    repo.commit("short timeout");
    // Python buffers a redirected stderr: killed at the timeout, it would
    // have written nothing.
    let hang = "python3 -c 'import sys, time; print(\"reading profiles\", file=sys.stderr); time.sleep(600)'\n";
    repo.branch_with_file("feature", "etl.sh", hang);
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    let stage = &r.json["lanes"][1]["stages"][0];
    assert_eq!(stage["status"], "timeout");
    assert_eq!(stage["output_tail"], json!(["reading profiles"]));
    let log = stage["log"].as_str().unwrap();
    assert_eq!(fs::read_to_string(log).unwrap(), "reading profiles\n");
}

#[test]
fn head_stage_timeout_is_a_regression_and_kills_its_children() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.write(
        "swimlane.toml",
        &CONFIG.replace("timeout_secs = 30", "timeout_secs = 1"),
    );
    repo.commit("short timeout");
    let pidfile = repo.side.join("grandchild.pid");
    let hang = format!("sleep 600 &\necho $! > '{}'\nwait\n", pidfile.display());
    repo.branch_with_file("feature", "etl.sh", &hang);
    let started = Instant::now();
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert_eq!(r.json["lanes"][1]["stages"][0]["status"], "timeout");
    let pid = fs::read_to_string(&pidfile).unwrap().trim().to_string();
    assert!(
        !process_alive(&pid),
        "grandchild {pid} outlived the timeout"
    );
}

#[test]
fn base_stage_failure_is_an_error() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.write("etl.sh", "exit 1\n");
    repo.commit("broken base");
    repo.branch_with_file("feature", "etl.sh", crate::support::ETL);
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(2);
    assert_eq!(r.json["verdict"], "error");
    assert!(
        r.json["errors"][0]
            .as_str()
            .unwrap()
            .contains("base lane failed at stage `etl` (exit code 1)")
    );
}

#[test]
fn output_missing_in_head_is_a_regression() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "etl.sh", "true\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(1);
    let t = r.table("plays");
    assert_eq!(t["verdict"], "regression");
    assert!(
        t["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("no output file matches `plays.csv`")
    );
    // Base's four rows (two columns besides the key) count as not
    // validated, not as left out.
    let message = t["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.ends_with(": 4 rows of base not validated"),
        "{message}"
    );
    let v = &t["validation"];
    assert_eq!(
        (
            v["rows_matched"].as_u64(),
            v["rows_total"].as_u64(),
            v["cells_total"].as_u64()
        ),
        (Some(0), Some(4), Some(8)),
        "{}",
        r.describe()
    );
}

#[test]
fn output_missing_in_base_is_an_error() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.write("etl.sh", "true\n");
    repo.commit("base writes nothing");
    repo.branch_with_file("feature", "etl.sh", crate::support::ETL);
    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(2);
    assert_eq!(r.table("plays")["verdict"], "error");
}

#[test]
fn a_report_is_never_written_into_the_snapshot_or_over_the_config() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_table("feature", &BASE.replace("ann", "amy"));
    for (flag, path) in [
        ("--markdown", "facts/report.md"),
        ("--html", "swimlane.toml"),
    ] {
        // `run` checks that the user's repository is unchanged.
        let r = repo.run(&["run", "--base", "main", "--head", "feature", flag, path]);
        assert_eq!(r.code, 2, "{}", r.describe());
        assert!(
            r.stderr.contains("would write over the input"),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr.contains("help: write the report elsewhere"),
            "{}",
            r.stderr
        );
    }
    assert!(!repo.dir.join("facts/report.md").exists());
}

#[test]
fn a_lane_that_writes_into_the_snapshot_never_passes() {
    let repo = TestRepo::with_pipeline(BASE);
    let sneaky = format!("{}echo tampered >> \"$1/input.csv\"\n", crate::support::ETL);
    repo.branch_with_file("feature", "etl.sh", &sneaky);
    let before = fs::read(repo.dir.join("facts/input.csv")).unwrap();
    let r = repo.run_without_fingerprint(&["run", "--base", "main", "--head", "feature"]);
    // The snapshot lives in the user's working tree: swimlane cannot stop the
    // write, but it must not pass, and it must say which file changed.
    assert_eq!(r.code, 2, "{}", r.describe());
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(error.contains("snapshot was modified"), "{error}");
    assert!(error.contains("input.csv"), "{error}");
    assert_eq!(r.json["snapshot"]["modified"], json!(["input.csv"]));
    assert_ne!(fs::read(repo.dir.join("facts/input.csv")).unwrap(), before);
}

#[test]
fn a_lane_that_rewrites_a_remembered_snapshot_file_in_place_is_caught() {
    let repo = TestRepo::with_pipeline(BASE);
    // Older than the two seconds in which a remembered hash is not trusted,
    // so the second run trusts the file's metadata, not its bytes.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    repo.branch_with_file("docs", "README", "docs only\n");
    repo.run(&["run", "--base", "main", "--head", "docs"])
        .expect_code(0);
    // The same length, the same inode, the modification time put back:
    // only the change time tells.
    let sneaky = format!(
        "{}touch -r \"$1/input.csv\" \"$2/.times\"\nprintf X | dd of=\"$1/input.csv\" bs=1 conv=notrunc 2>/dev/null\ntouch -r \"$2/.times\" \"$1/input.csv\"\n",
        crate::support::ETL
    );
    repo.branch_with_file("feature", "etl.sh", &sneaky);
    let r = repo.run_without_fingerprint(&["run", "--base", "main", "--head", "feature"]);
    assert_eq!(r.code, 2, "{}", r.describe());
    let error = r.json["errors"][0].as_str().unwrap();
    assert!(
        error.contains("snapshot was modified while lane head ran"),
        "{error}"
    );
    assert_eq!(r.json["snapshot"]["modified"], json!(["input.csv"]));
    assert!(
        fs::read_to_string(repo.dir.join("facts/input.csv"))
            .unwrap()
            .starts_with('X')
    );
}

#[test]
fn bad_config_names_line_and_column() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.write(
        "swimlane.toml",
        &CONFIG.replace("timeout_secs = 30", "timeout_sec = 30"),
    );
    let r = repo.run(&["run"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("unknown field `timeout_sec`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--> swimlane.toml:7:1"), "{}", r.stderr);
    assert_eq!(r.json["verdict"], "error");
}

#[test]
fn unknown_revision_is_an_error_with_a_hint() {
    let repo = TestRepo::with_pipeline(BASE);
    let r = repo.run(&["run", "--head", "no-such-branch"]);
    r.expect_code(2);
    assert!(
        r.stderr.contains("unknown revision `no-such-branch`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("git fetch origin no-such-branch"),
        "{}",
        r.stderr
    );
}

#[test]
fn worktree_includes_uncommitted_and_untracked_files() {
    let repo = TestRepo::with_pipeline(BASE);
    // An uncommitted edit to the code, and a new untracked file it uses.
    repo.write(
        "etl.sh",
        "set -e\ncp table.csv \"$2/plays.csv\"\ncat extra_rows.csv >> \"$2/plays.csv\"\n",
    );
    repo.write("extra_rows.csv", "5,eve,50\n");
    // Ignored files must not reach the lane.
    repo.write(".gitignore", "ignored.txt\n");
    repo.write("ignored.txt", "secret");
    let r = repo.run(&["run", "--worktree", "--keep-lanes"]);
    r.expect_code(1);
    assert_eq!(r.json["head"]["worktree"], true);
    assert_eq!(r.json["head"]["commit"], repo.rev("HEAD"));
    assert_eq!(r.table("plays")["rows"]["extra"], 1);
    let kept = std::path::PathBuf::from(r.json["kept_lanes"].as_str().unwrap());
    assert!(kept.join("head/checkout/extra_rows.csv").exists());
    assert!(!kept.join("head/checkout/ignored.txt").exists());
    assert!(!kept.join("base/checkout/extra_rows.csv").exists());
    assert!(
        r.stdout
            .contains(&format!("lanes kept in {}", kept.display()))
    );
    fs::remove_dir_all(&kept).unwrap();
}

#[test]
fn worktree_with_a_deleted_file_deletes_it_in_the_lane() {
    let repo = TestRepo::with_pipeline(BASE);
    fs::remove_file(repo.dir.join("table.csv")).unwrap();
    let r = repo.run(&["run", "--worktree"]);
    r.expect_code(1);
    assert_eq!(r.json["lanes"][1]["stages"][0]["status"], "failed");
}

#[test]
fn default_base_is_main_and_config_is_found_from_cwd() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("table.csv", "id,name,score\n1,ann,10\n");
    repo.commit("drop rows");
    let r = repo.run(&["run"]);
    r.expect_code(1);
    assert_eq!(r.json["base"]["rev"], "main");
    assert_eq!(r.json["head"]["rev"], "HEAD");
    assert_eq!(r.table("plays")["rows"]["missing"], 3);
}

/// A repository whose pipeline appends the shell words `words`, expanded
/// in each lane's stage, to a file beside it (returned), with a commit
/// after that changes nothing the pipeline reads.
fn pipeline_recording(words: &str) -> (TestRepo, std::path::PathBuf) {
    let repo = TestRepo::with_pipeline(BASE);
    let record = repo.side.join("env");
    let etl = format!(
        "{}echo \"{words}\" >> '{}'\n",
        crate::support::ETL,
        record.display()
    );
    repo.write("etl.sh", &etl);
    repo.commit("record env");
    repo.write("README", "docs\n");
    repo.commit("docs");
    (repo, record)
}

#[test]
fn stages_see_placeholders_and_lane_environment() {
    let (repo, record) = pipeline_recording("$SWIMLANE_LANE $SWIMLANE_REV");
    repo.run(&["run", "--base", "HEAD~1", "--no-cache"])
        .expect_code(0);
    let mut lines: Vec<String> = fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    let (base, head) = (repo.rev("HEAD~1"), repo.rev("HEAD"));
    assert_eq!(lines, [format!("base {base}"), format!("head {head}")]);
}

/// Started by a Python program that imported polars, swimlane inherits
/// polars' jemalloc decays (`_RJEM_MALLOC_CONF`): it holds its own (it
/// starts itself again with them, jemalloc's statistics at exit say so),
/// and its stages see the variable as it was.
#[test]
fn polars_jemalloc_decays_are_overridden_for_swimlane_and_left_to_its_stages() {
    let (repo, record) =
        pipeline_recording("$_RJEM_MALLOC_CONF ${SWIMLANE_OUTER_RJEM_MALLOC_CONF-none}");
    let polars = "dirty_decay_ms:500,muzzy_decay_ms:1000,stats_print:true";
    let r = repo.run_with_env(
        &repo.dir,
        &[("_RJEM_MALLOC_CONF", polars)],
        &["run", "--base", "HEAD~1", "--no-cache"],
    );
    r.expect_code(0);
    // One process's statistics (jemalloc prints them at exit; the one
    // replaced did not exit), with the decays that keep freed memory.
    assert_eq!(
        r.stderr.matches("opt.dirty_decay_ms: -1 ").count(),
        1,
        "{}",
        r.stderr
    );
    assert_eq!(
        r.stderr.matches("opt.muzzy_decay_ms: -1 ").count(),
        1,
        "{}",
        r.stderr
    );
    let lines = fs::read_to_string(&record).unwrap();
    assert_eq!(
        lines.lines().collect::<Vec<_>>(),
        [format!("{polars} none"), format!("{polars} none")],
    );
}

#[test]
fn quiet_prints_only_the_verdict() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_file("feature", "README", "docs\n");
    let r = repo.run(&["run", "--base", "main", "--head", "feature", "-q"]);
    r.expect_code(0);
    assert_eq!(r.stdout.lines().count(), 1, "{}", r.stdout);
    assert!(r.stdout.starts_with("PASS: 1 table unchanged"));
}

#[test]
fn interrupt_stops_the_lanes_and_cleans_up() {
    let repo = TestRepo::with_pipeline(BASE);
    let pidfile = repo.side.join("child.pid");
    let code = signal_during_stage(
        &repo,
        &format!("sleep 600 & echo $! > '{}'\n", pidfile.display()),
        libc::SIGINT,
    );
    assert_eq!(code, Some(130));
    let pid = fs::read_to_string(&pidfile).unwrap().trim().to_string();
    assert!(!process_alive(&pid), "stage child {pid} survived Ctrl-C");
    assert_eq!(
        fs::read_dir(&repo.tmp).unwrap().count(),
        0,
        "temp dirs left behind"
    );
}

/// Commits a slow stage (`setup`, then a marker file, then waiting), runs
/// swimlane, sends `signal` once the stage has started, and returns the
/// exit status.
fn signal_during_stage(repo: &TestRepo, setup: &str, signal: i32) -> Option<i32> {
    let started = repo.side.join("started");
    repo.write(
        "etl.sh",
        &format!("{setup}touch '{}'\nsleep 600 & wait\n", started.display()),
    );
    repo.commit("slow");
    repo.branch_with_file("slow-feature", "README", "docs\n");
    let mut child = repo.spawn(&[
        "run",
        "--base",
        "main",
        "--head",
        "slow-feature",
        "--no-cache",
    ]);
    crate::support::signal_once_started(&mut child, &[&started], signal)
}

/// True while `pid` exists and is not a zombie.
pub fn process_alive(pid: &str) -> bool {
    for _ in 0..100 {
        match fs::read_to_string(format!("/proc/{pid}/stat")) {
            Err(_) => return false,
            Ok(stat) => {
                let state = stat
                    .rsplit_once(')')
                    .map(|(_, r)| r.trim_start().to_string());
                if state.is_some_and(|s| s.starts_with('Z') || s.starts_with('X')) {
                    return false;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

#[test]
fn revisions_resolve_from_tags_and_commit_ids() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.git(&["tag", "v1"]);
    let v1 = repo.rev("v1");
    repo.branch_with_table("feature", "id,name,score\n1,ann,10\n");
    let feature = repo.rev("feature");
    let r = repo.run(&["run", "--base", "v1", "--head", &feature[..12]]);
    r.expect_code(1);
    assert_eq!(r.json["base"]["rev"], "v1");
    assert_eq!(r.json["base"]["commit"], v1);
    assert_eq!(r.json["head"]["commit"], feature);
    assert_eq!(r.table("plays")["rows"]["missing"], 3);
}

#[test]
fn a_panic_is_an_internal_error_and_the_lanes_are_removed() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_table("feature", "id,name,score\n1,ann,10\n");
    let out = std::process::Command::new(crate::support::BIN)
        .args(["run", "--base", "main", "--head", "feature", "--no-cache"])
        .current_dir(&repo.dir)
        .env("TMPDIR", &repo.tmp)
        .env("SWIMLANE_TEST_PANIC_AFTER_LANES", "1")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "a panic must not pass or exit 101"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("internal error in swimlane"), "{stderr}");
    assert!(stderr.contains("this is a bug"), "{stderr}");
    assert_eq!(
        fs::read_dir(&repo.tmp).unwrap().count(),
        0,
        "lanes left behind after a panic"
    );
}

#[test]
fn sigterm_stops_the_lanes_and_exits_143() {
    let repo = TestRepo::with_pipeline(BASE);
    assert_eq!(signal_during_stage(&repo, "", libc::SIGTERM), Some(143));
    assert_eq!(
        fs::read_dir(&repo.tmp).unwrap().count(),
        0,
        "temp dirs left behind"
    );
    // A second run afterwards works.
    repo.write("etl.sh", crate::support::ETL);
    repo.commit("fast again");
    repo.branch_with_file("feature2", "README", "docs 2\n");
    repo.run(&["run", "--base", "main", "--head", "feature2"])
        .expect_code(0);
}

#[test]
fn a_repository_path_with_spaces_and_non_utf8_bytes_works() {
    use std::os::unix::ffi::OsStrExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root
        .path()
        .join(std::ffi::OsStr::from_bytes(b"caf\xe9 pipelines"));
    fs::create_dir_all(dir.join("facts")).unwrap();
    let git = |args: &[&str]| {
        let out = std::process::Command::new("git")
            .args([
                "-c",
                "user.name=T",
                "-c",
                "user.email=t@example.invalid",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    fs::write(dir.join("swimlane.toml"), CONFIG).unwrap();
    fs::write(
        dir.join("etl.sh"),
        "set -e\ncp table.csv \"$2/plays.csv\"\nls {snapshot} >/dev/null 2>&1 || true\n",
    )
    .unwrap();
    fs::write(dir.join("facts/input.csv"), "id\n1\n").unwrap();
    fs::write(dir.join("table.csv"), BASE).unwrap();
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "v1"]);
    git(&["checkout", "-q", "-b", "feature"]);
    fs::write(dir.join("table.csv"), "id,name,score\n1,ann,10\n").unwrap();
    git(&["commit", "-q", "-am", "v2"]);
    let tmp = root.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    let out = std::process::Command::new(crate::support::BIN)
        .args(["run", "--base", "main", "--no-cache"])
        .current_dir(&dir)
        .env("TMPDIR", &tmp)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 missing"));
    assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0);
}
