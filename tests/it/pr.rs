//! Pull-request behaviour: merge base, the baseline cache, identical trees,
//! shallow clones.

use std::fs;
use std::process::Command;

use crate::support::{BIN, CONFIG, TestRepo};

const BASE: &str = "id,v\n1,a\n2,b\n3,c\n";

/// A pipeline whose stage also appends its lane to a counter file outside
/// the lanes, so a test can tell which lanes really ran.
fn counting_repo() -> (TestRepo, std::path::PathBuf) {
    let repo = TestRepo::with_pipeline(BASE);
    let counter = repo.side.join("counter");
    repo.write(
        "etl.sh",
        &format!(
            "set -e\ncp table.csv \"$2/plays.csv\"\necho \"$SWIMLANE_LANE\" >> '{}'\n",
            counter.display()
        ),
    );
    repo.commit("count runs");
    (repo, counter)
}

fn runs(counter: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_to_string(counter)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

#[test]
fn base_is_the_merge_base_by_default() {
    let repo = TestRepo::with_pipeline(BASE);
    let fork = repo.rev("main");
    repo.branch_with_file("feature", "README", "docs\n");
    // main moves on after the branch was cut: a row that the branch lacks.
    repo.write("table.csv", &format!("{BASE}4,d\n"));
    repo.commit("unrelated change on main");
    let tip = repo.rev("main");

    let r = repo.run(&["run", "--base", "main", "--head", "feature"]);
    r.expect_code(0);
    assert_eq!(r.json["base"]["rev"], "main");
    assert_eq!(r.json["base"]["commit"], fork);
    assert_eq!(r.json["base"]["tip"], tip);

    let r = repo.run(&[
        "run",
        "--base",
        "main",
        "--head",
        "feature",
        "--base-mode",
        "tip",
    ]);
    r.expect_code(1);
    assert_eq!(r.json["base"]["commit"], tip);
    assert_eq!(r.table("plays")["rows"]["missing"], 1);
}

#[test]
fn a_cached_base_is_not_run_again() {
    let (repo, counter) = counting_repo();
    repo.branch_with_table("feature", "id,v\n1,a\n2,b\n3,C\n");
    let first = repo.run(&["run", "--base", "main", "--head", "feature"]);
    first.expect_code(1);
    assert_eq!(runs(&counter), ["base", "head"]);
    assert_eq!(first.json["lanes"][0]["stages"][0]["status"], "ok");

    let second = repo.run(&["run", "--base", "main", "--head", "feature"]);
    second.expect_code(1);
    assert_eq!(
        runs(&counter),
        ["base", "head", "head"],
        "the base lane ran again"
    );
    assert_eq!(second.json["lanes"][0]["stages"][0]["status"], "cached");
    // Same verdict and findings from the cached outputs.
    assert_eq!(second.table("plays")["rows"], first.table("plays")["rows"]);
    assert_eq!(
        second.table("plays")["columns"],
        first.table("plays")["columns"]
    );

    // --no-cache runs it regardless.
    repo.run(&["run", "--base", "main", "--head", "feature", "--no-cache"])
        .expect_code(1);
    assert_eq!(runs(&counter).iter().filter(|l| *l == "base").count(), 2);
}

#[test]
fn the_cache_misses_when_snapshot_commands_or_base_change() {
    let (repo, counter) = counting_repo();
    repo.branch_with_table("feature", "id,v\n1,a\n2,b\n3,C\n");
    let args = ["run", "--base", "main", "--head", "feature"];
    let bases = || runs(&counter).iter().filter(|l| *l == "base").count();
    repo.run(&args).expect_code(1);
    assert_eq!(bases(), 1);

    // The snapshot changes (the input facts are in the working tree).
    repo.write("facts/input.csv", "id,v\n1,z\n");
    repo.run_without_fingerprint(&args).expect_code(1);
    assert_eq!(bases(), 2, "a new snapshot must run the base again");
    repo.run_without_fingerprint(&args).expect_code(1);
    assert_eq!(bases(), 2);

    // The stage commands change (the config is read from the working tree).
    repo.write(
        "swimlane.toml",
        &CONFIG.replace("timeout_secs = 30", "timeout_secs = 31"),
    );
    repo.run_without_fingerprint(&args).expect_code(1);
    assert_eq!(bases(), 3, "new stage settings must run the base again");

    // The base tree changes.
    repo.git(&["checkout", "-q", "main"]);
    repo.write("other.txt", "x\n");
    repo.commit("main moves");
    repo.run_without_fingerprint(&[
        "run",
        "--base",
        "main",
        "--head",
        "feature",
        "--base-mode",
        "tip",
    ])
    .expect_code(1);
    assert_eq!(bases(), 4, "a new base tree must run the base again");
}

#[test]
fn a_corrupt_cache_entry_is_ignored_and_rebuilt() {
    let (repo, counter) = counting_repo();
    repo.branch_with_table("feature", "id,v\n1,a\n2,b\n3,C\n");
    let args = ["run", "--base", "main", "--head", "feature"];
    repo.run(&args).expect_code(1);
    // Damage the cached copy of the base output.
    let cached: Vec<_> = walk(&repo.cache)
        .into_iter()
        .filter(|p| p.ends_with("plays.csv"))
        .collect();
    assert_eq!(cached.len(), 1, "one cached output");
    fs::write(&cached[0], "id,v\n1,a\n").unwrap();

    let r = repo.run(&args);
    r.expect_code(1);
    assert!(
        r.json["notes"][0]
            .as_str()
            .unwrap()
            .contains("was ignored and rebuilt: `plays.csv` does not match its digest"),
        "{}",
        r.describe()
    );
    assert_eq!(r.json["lanes"][0]["stages"][0]["status"], "ok");
    assert_eq!(
        r.table("plays")["rows"]["matched"],
        3,
        "compared with the real base, not the damaged copy"
    );
    assert_eq!(runs(&counter).iter().filter(|l| *l == "base").count(), 2);
    // And the rebuilt entry serves the next run.
    let r = repo.run(&args);
    assert_eq!(r.json["lanes"][0]["stages"][0]["status"], "cached");
}

#[test]
fn identical_trees_skip_the_run() {
    let (repo, counter) = counting_repo();
    repo.git(&["checkout", "-q", "-b", "same"]);
    repo.git(&["commit", "-q", "--allow-empty", "-m", "no change"]);
    let r = repo.run(&["run", "--base", "main", "--head", "same"]);
    r.expect_code(0);
    assert!(r.json["notes"][0].as_str().unwrap().contains("same tree"));
    assert!(runs(&counter).is_empty(), "no lane should run");
    assert!(r.stdout.contains("same tree"), "{}", r.stdout);
}

#[test]
fn a_shallow_clone_without_the_base_says_what_to_fetch() {
    let repo = TestRepo::with_pipeline(BASE);
    repo.branch_with_table("feature", "id,v\n1,a\n");
    let clone = repo.side.join("shallow");
    let url = format!("file://{}", repo.dir.display());
    let git = |args: &[&str]| {
        let out = Command::new("git").args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        &url,
        clone.to_str().unwrap(),
    ]);
    let run = |args: &[&str]| {
        Command::new(BIN)
            .args(args)
            .current_dir(&clone)
            .env("TMPDIR", &repo.tmp)
            .env("SWIMLANE_CACHE_DIR", &repo.cache)
            .output()
            .unwrap()
    };
    let out = run(&["run", "--base", "main"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown revision `main`"), "{stderr}");
    assert!(stderr.contains("git fetch origin main"), "{stderr}");

    // With the base fetched shallowly too, there is no merge base to find.
    git(&[
        "-C",
        clone.to_str().unwrap(),
        "fetch",
        "-q",
        "--depth",
        "1",
        "origin",
        "main:refs/remotes/origin/main",
    ]);
    let out = run(&["run", "--base", "main"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no merge base between `main`"), "{stderr}");
    assert!(stderr.contains("shallow"), "{stderr}");
    assert!(stderr.contains("--unshallow"), "{stderr}");
    // The tip still works, from origin/main.
    let out = run(&["run", "--base", "main", "--base-mode", "tip"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A pipeline with a timestamp column and a float column summed in a
/// different order on every run: two runs of the same code disagree.
const NOISY_ETL: &str = r#"
import csv, os, random, sys, time
out = sys.argv[2]
base = random.Random(7)
shuffle = random.Random(os.urandom(8))
with open(os.path.join(out, "plays.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "value", "total", "etl_ts"])
    for i in range(300):
        parts = [base.uniform(0, 1000) for _ in range(40)]
        shuffle.shuffle(parts)
        w.writerow([i, VALUE(i), repr(sum(parts)), time.time_ns()])
"#;

fn noisy_repo() -> TestRepo {
    let repo = TestRepo::with_pipeline("unused\n");
    repo.write("etl.py", &NOISY_ETL.replace("VALUE(i)", "i * 2"));
    repo.write("etl.sh", "set -e\npython3 etl.py \"$1\" \"$2\"\n");
    repo.commit("noisy pipeline");
    repo
}

#[test]
fn calibration_excludes_non_deterministic_columns_and_tolerates_float_noise() {
    let repo = noisy_repo();
    repo.branch_with_file("docs", "README", "docs\n");
    let args = ["run", "--base", "main", "--head", "docs", "--no-cache"];

    // Without calibration the noise looks like a regression.
    let r = repo.run(&args);
    r.expect_code(1);
    let cols = r.table("plays")["columns"].as_array().unwrap().clone();
    let changed = |name: &str| {
        cols.iter().find(|c| c["name"] == name).unwrap()["mismatches"]
            .as_u64()
            .unwrap()
    };
    assert!(changed("etl_ts") > 0);
    assert_eq!(changed("value"), 0);

    // With it, both noisy columns are recognised and the run passes.
    let r = repo.run(&[&args[..], &["--calibrate"]].concat());
    r.expect_code(0);
    let cal = r.table("plays")["calibration"].as_array().unwrap().clone();
    let action = |name: &str| cal.iter().find(|c| c["column"] == name).unwrap()["action"].clone();
    assert_eq!(action("etl_ts"), "excluded");
    assert_eq!(action("total"), "tolerance");
    let tol = cal.iter().find(|c| c["column"] == "total").unwrap();
    assert!(tol["rel_tolerance"].as_f64().unwrap() < 1e-12, "{tol}");
    assert_eq!(r.json["lanes"].as_array().unwrap().len(), 3);
    assert!(r.stdout.contains("is non-deterministic"), "{}", r.stdout);
}

#[test]
fn calibration_still_catches_a_real_change() {
    let repo = noisy_repo();
    repo.branch_with_file(
        "bug",
        "etl.py",
        &NOISY_ETL.replace("VALUE(i)", "i * 2 + (i == 5)"),
    );
    let r = repo.run(&[
        "run",
        "--base",
        "main",
        "--head",
        "bug",
        "--no-cache",
        "--calibrate",
    ]);
    r.expect_code(1);
    let cols = r.table("plays")["columns"].as_array().unwrap().clone();
    let value = cols.iter().find(|c| c["name"] == "value").unwrap();
    assert_eq!(value["mismatches"], 1);
    assert_eq!(value["samples"][0]["key"]["id"], 5);
    let total = cols.iter().find(|c| c["name"] == "total").unwrap();
    assert_eq!(
        total["mismatches"], 0,
        "float noise within the calibrated tolerance"
    );
}

/// A stand-in for GitHub's issue-comments API on loopback: comments kept in
/// memory, listed 100 to a page; a pull request number of 403 answers
/// Forbidden, as a read-only token gets. Prints its port, then serves.
const FAKE_GITHUB: &str = r#"
import json, sys, urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
comments = [{"id": i, "body": f"a reviewer's comment {i}"} for i in range(1, 151)]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, obj):
        data = json.dumps(obj).encode()
        self.send_response(code); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        u = urllib.parse.urlparse(self.path); q = urllib.parse.parse_qs(u.query)
        if u.path == "/state":
            return self.reply(200, comments)
        if "/403/" in u.path:
            return self.reply(403, {"message": "Resource not accessible by integration"})
        per, page = int(q["per_page"][0]), int(q["page"][0])
        self.reply(200, comments[(page - 1) * per: page * per])
    def body(self):
        return json.loads(self.rfile.read(int(self.headers["Content-Length"])))
    def do_POST(self):
        assert self.headers["Authorization"] == "Bearer t0ken"
        c = {"id": 1000 + len(comments), "body": self.body()["body"]}
        comments.append(c); self.reply(201, c)
    def do_PATCH(self):
        cid = int(self.path.rsplit("/", 1)[1])
        c = next(c for c in comments if c["id"] == cid)
        c["body"] = self.body()["body"]; self.reply(200, c)
s = HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"#;

#[test]
fn the_pull_request_comment_is_created_once_then_edited_in_place() {
    use std::io::BufRead;
    /// Stops the fake server however the test ends.
    struct Server(std::process::Child);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut server = Server(
        Command::new("python3")
            .args(["-c", FAKE_GITHUB])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut port = String::new();
    std::io::BufReader::new(server.0.stdout.take().unwrap())
        .read_line(&mut port)
        .unwrap();
    let api = format!("http://127.0.0.1:{}", port.trim());
    let d = tempfile::tempdir().unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/.github/actions/swimlane/comment.py"
    );
    let post = |report: &str, pr: &str| {
        fs::write(d.path().join("report.md"), report).unwrap();
        Command::new("python3")
            .arg(script)
            .arg(d.path().join("report.md"))
            .env("GITHUB_API_URL", &api)
            .env("GITHUB_REPOSITORY", "acme/etl")
            .env("PR", pr)
            .env("GH_TOKEN", "t0ken")
            .output()
            .unwrap()
    };
    let state = || -> serde_json::Value {
        let o = Command::new("python3")
            .args(["-c", &format!("import urllib.request; print(urllib.request.urlopen('{api}/state').read().decode())")])
            .output()
            .unwrap();
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let first = post("## ❌ swimlane: **REGRESSION** — first push\n", "7");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stdout).contains("comment: created"));
    let second = post("## ✅ swimlane: **PASS** — second push\n", "7");
    assert!(
        second.status.success(),
        "{}",
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(String::from_utf8_lossy(&second.stdout).contains("comment: updated"));
    let comments = state();
    let ours: Vec<&serde_json::Value> = comments
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            c["body"]
                .as_str()
                .unwrap()
                .contains("<!-- swimlane-report -->")
        })
        .collect();
    // One comment, past the first page of 100, holding the latest report;
    // the reviewers' 150 comments untouched.
    assert_eq!(ours.len(), 1, "{comments}");
    assert!(ours[0]["body"].as_str().unwrap().contains("second push"));
    assert_eq!(comments.as_array().unwrap().len(), 151);
    assert!(comments.as_array().unwrap()[..150].iter().all(|c| {
        c["body"]
            .as_str()
            .unwrap()
            .starts_with("a reviewer's comment")
    }));
    // A token that may not write: the error says which permission.
    let denied = post("x\n", "403");
    assert_eq!(denied.status.code(), Some(1));
    let err = String::from_utf8_lossy(&denied.stderr);
    assert!(
        err.contains("HTTP 403") && err.contains("pull-requests: write"),
        "{err}"
    );
}
