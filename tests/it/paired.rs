//! Keyed features compared key by key, end to end: a pipeline whose
//! threshold change moves 1% of a keyed feature, and whose other feature
//! differs only by floating-point noise.

use crate::support::TestRepo;

/// Per profile: the share of plays shorter than THRESHOLD seconds, and
/// log10 of the seconds watched.
const ETL: &str = r#"import argparse, csv, math, os
THRESHOLD = 60
p = argparse.ArgumentParser()
p.add_argument("--facts")
p.add_argument("--out")
a = p.parse_args()
plays = {}
with open(os.path.join(a.facts, "plays.csv"), newline="") as f:
    for r in csv.DictReader(f):
        plays.setdefault(int(r["profile_id"]), []).append(float(r["seconds"]))
with open(os.path.join(a.out, "features.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["profile_id", "short_play_share", "log_seconds"])
    for pid in sorted(plays):
        s = plays[pid]
        w.writerow([pid, sum(x < THRESHOLD for x in s) / len(s), LOG])
"#;

const CONFIG: &str = r#"[snapshot]
path = "facts"

[[stage]]
name = "features"
run = "python3 etl.py --facts {snapshot} --out {out}"

[[table]]
name = "features"
path = "features.csv"
key = ["profile_id"]
compare = "distribution"
"#;

/// 1,000 profiles with four plays each, none between 60 and 90 seconds
/// but for every 100th profile, which has one play of 75 s.
fn plays() -> (String, Vec<f64>) {
    let mut csv = String::from("profile_id,seconds\n");
    let mut sums = Vec::new();
    for i in 0..1000u32 {
        let third = if i % 100 == 0 { 75 } else { 30 + i % 20 };
        let seconds = [120 + i % 50, 200 + i % 7, third, 400 + i];
        for s in seconds {
            csv += &format!("{i},{s}\n");
        }
        sums.push(f64::from(seconds.iter().sum::<u32>()));
    }
    (csv, sums)
}

fn repo() -> TestRepo {
    let repo = TestRepo::empty();
    let (facts, sums) = plays();
    // Python's math.log10 and math.log are the C library's, as Rust's are:
    // the two spellings of log10 must differ somewhere for the noise check
    // to mean anything.
    assert!(
        sums.iter()
            .any(|s| s.log10() != s.ln() / std::f64::consts::LN_10),
        "no float noise between the two spellings on these sums"
    );
    repo.write("facts/plays.csv", &facts);
    repo.write("swimlane.toml", CONFIG);
    repo.write(
        "strict.toml",
        &format!("{CONFIG}max_changed_fraction = 0.005\n"),
    );
    repo.write("etl.py", &ETL.replace("LOG", "math.log10(sum(s))"));
    repo.commit("features v1");
    repo.branch_with_file(
        "threshold",
        "etl.py",
        &ETL.replace("THRESHOLD = 60", "THRESHOLD = 90")
            .replace("LOG", "math.log(sum(s)) / math.log(10)"),
    );
    repo
}

fn paired<'a>(run: &'a crate::support::Run, column: &str) -> &'a serde_json::Value {
    let features = run.table("features")["features"].as_array().unwrap();
    let f = features.iter().find(|f| f["column"] == column).unwrap();
    &f["paired"]
}

#[test]
fn a_threshold_change_moving_one_percent_of_keys_is_reported_and_passes() {
    let repo = repo();
    let run = repo.run(&["run", "--base", "main", "--head", "threshold"]);
    run.expect_code(0);
    let p = paired(&run, "short_play_share");
    assert_eq!(p["keys"], 1000, "{}", run.describe());
    assert_eq!(p["changed"], 10);
    assert_eq!((p["up"].as_u64(), p["down"].as_u64()), (Some(10), Some(0)));
    assert_eq!(p["max_abs_delta"], 0.25);
    assert_eq!(p["verdict"], "pass");
    let samples = p["samples"].as_array().unwrap();
    assert_eq!(samples.len(), 5);
    for s in samples {
        assert_eq!(s["key"]["profile_id"].as_i64().unwrap() % 100, 0, "{s}");
        assert_eq!(
            (s["base"].as_f64(), s["head"].as_f64()),
            (Some(0.0), Some(0.25))
        );
    }
    assert!(
        run.stdout
            .contains("feature `short_play_share`: 10 of 1000 keys changed (1.0%), all up"),
        "{}",
        run.stdout
    );
    // The verdict's line does not call the table unchanged.
    assert!(
        run.stdout.starts_with(
            "PASS: no table regressed; 1 of 1 table with features changed key by key (reported, not failed)"
        ),
        "{}",
        run.stdout
    );
    // log10(x) against ln(x)/ln(10): float noise, no key changed.
    let noise = paired(&run, "log_seconds");
    assert_eq!(noise["changed"], 0);
    assert!(noise["test"].is_null());
    assert_eq!(run.table("features")["paired_keys"]["paired"], 1000);
}

#[test]
fn max_changed_fraction_makes_the_changed_keys_a_regression() {
    let repo = repo();
    let run = repo.run(&[
        "run",
        "--config",
        "strict.toml",
        "--base",
        "main",
        "--head",
        "threshold",
    ]);
    run.expect_code(1);
    let p = paired(&run, "short_play_share");
    assert_eq!(p["verdict"], "regression");
    assert_eq!(p["max_changed_fraction"], 0.005);
    let findings = run.table("features")["findings"].as_array().unwrap();
    assert!(
        findings.iter().any(|f| f["regression"] == true
            && f["message"]
                .as_str()
                .unwrap()
                .contains("more than max_changed_fraction 0.005 of keys changed")),
        "{}",
        run.describe()
    );
    assert_eq!(paired(&run, "log_seconds")["verdict"], "pass");
}
