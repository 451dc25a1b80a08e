//! A small builder for throwaway ETL repositories and a runner for the real
//! `swimlane` binary. Every run checks that the user's repository (work tree,
//! index, HEAD, refs, stash) is byte-for-byte unchanged and that nothing was
//! left in the temp dir.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_swimlane");

/// The default pipeline: one stage that copies the code's `table.csv` into
/// the lane's output dir, so the table's content is decided by the revision.
pub const CONFIG: &str = r#"[snapshot]
path = "facts"

[[stage]]
name = "etl"
run = "sh etl.sh {snapshot} {out}"
timeout_secs = 30

[[table]]
name = "plays"
path = "plays.csv"
key = ["id"]
"#;

pub const ETL: &str = "set -e\ncp table.csv \"$2/plays.csv\"\n";

pub struct TestRepo {
    _root: tempfile::TempDir,
    pub dir: PathBuf,
    /// The TMPDIR given to swimlane: must be empty after every run.
    pub tmp: PathBuf,
    /// A place outside the repository for files tests look at afterwards.
    pub side: PathBuf,
    /// The baseline cache given to swimlane (SWIMLANE_CACHE_DIR).
    pub cache: PathBuf,
    /// Where swimlane keeps failed stages' logs (SWIMLANE_STATE_DIR).
    pub state: PathBuf,
}

impl TestRepo {
    /// An empty repository on branch `main`.
    pub fn empty() -> TestRepo {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("etl repo");
        let tmp = root.path().join("tmp");
        let side = root.path().join("side");
        let cache = root.path().join("cache");
        let state = root.path().join("state");
        for d in [&dir, &tmp, &side] {
            fs::create_dir_all(d).unwrap();
        }
        let repo = TestRepo {
            _root: root,
            dir,
            tmp,
            side,
            cache,
            state,
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository whose `main` holds the default pipeline producing `table`.
    pub fn with_pipeline(table: &str) -> TestRepo {
        let repo = TestRepo::empty();
        repo.write("swimlane.toml", CONFIG);
        repo.write("etl.sh", ETL);
        repo.write("facts/input.csv", "id,v\n1,a\n");
        repo.write("table.csv", table);
        repo.commit("pipeline v1");
        repo
    }

    /// Creates `branch` from main with `table.csv` replaced, and goes back to main.
    pub fn branch_with_table(&self, branch: &str, table: &str) -> &Self {
        self.git(&["checkout", "-q", "-b", branch]);
        self.write("table.csv", table);
        self.commit("change the table");
        self.git(&["checkout", "-q", "main"]);
        self
    }

    /// Creates `branch` from main with `file` replaced, and goes back to main.
    pub fn branch_with_file(&self, branch: &str, file: &str, content: &str) -> &Self {
        self.git(&["checkout", "-q", "-b", branch]);
        self.write(file, content);
        self.commit(&format!("change {file}"));
        self.git(&["checkout", "-q", "main"]);
        self
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.dir.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.invalid",
            ])
            .args([
                "-c",
                "commit.gpgsign=false",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn rev(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// Everything about the user's repository that swimlane must not change.
    pub fn fingerprint(&self) -> Vec<(String, Vec<u8>)> {
        let mut fp = Vec::new();
        for entry in walk(&self.dir) {
            let rel = entry.strip_prefix(&self.dir).unwrap().display().to_string();
            if rel.starts_with(".git/objects") || rel.starts_with(".git/logs") {
                continue; // content-addressed / append-only; refs below cover them
            }
            fp.push((rel, fs::read(&entry).unwrap_or_default()));
        }
        let refs = self.git_lenient(&["for-each-ref", "--format=%(refname) %(objectname)"]);
        fp.push(("<refs>".into(), refs.into_bytes()));
        let stash = self.git_lenient(&["stash", "list"]);
        fp.push(("<stash>".into(), stash.into_bytes()));
        fp
    }

    fn git_lenient(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(args)
            .current_dir(&self.dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts `swimlane ARGS` in the repository, its output discarded, for
    /// a test that signals it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("TMPDIR", &self.tmp)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs `swimlane ARGS --json report.json` in the repository.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_in(&self.dir, args)
    }

    pub fn run_in(&self, cwd: &Path, args: &[&str]) -> Run {
        self.run_with_env(cwd, &[], args)
    }

    /// [`TestRepo::run_in`] with variables `env` set.
    pub fn run_with_env(&self, cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
        let before = self.fingerprint();
        let run = self.run_raw(cwd, env, args);
        let after = self.fingerprint();
        assert_fingerprints_equal(&before, &after);
        run
    }

    /// Like [`TestRepo::run`], for the one scenario where the pipeline itself
    /// modifies the user's files (a stage writing into the snapshot).
    pub fn run_without_fingerprint(&self, args: &[&str]) -> Run {
        self.run_raw(&self.dir, &[], args)
    }

    fn run_raw(&self, cwd: &Path, env: &[(&str, &str)], args: &[&str]) -> Run {
        let json_path = self.side.join("report.json");
        let _ = fs::remove_file(&json_path);
        let mut cmd = Command::new(BIN);
        cmd.args(args)
            .arg("--json")
            .arg(&json_path)
            .current_dir(cwd)
            .env("TMPDIR", &self.tmp)
            .env("SWIMLANE_CACHE_DIR", &self.cache)
            .env("SWIMLANE_STATE_DIR", &self.state)
            // History's default store: never the user's own.
            .env("SWIMLANE_DATA_DIR", self.side.join("data"))
            .env("NO_COLOR", "1")
            .envs(env.iter().copied());
        let output = cmd.output().unwrap();
        let run = Run::new(output, &json_path);
        let left: Vec<_> = fs::read_dir(&self.tmp)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(
            left.is_empty() || args.contains(&"--keep-lanes"),
            "swimlane left files in TMPDIR: {left:?}\n{}",
            run.stderr
        );
        run
    }
}

fn assert_fingerprints_equal(before: &[(String, Vec<u8>)], after: &[(String, Vec<u8>)]) {
    let names = |fp: &[(String, Vec<u8>)]| fp.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(before),
        names(after),
        "files in the user's repository changed"
    );
    for ((name, a), (_, b)) in before.iter().zip(after) {
        assert!(a == b, "`{name}` in the user's repository changed");
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let mut entries: Vec<_> = fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() && !p.is_symlink() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub json: Value,
}

impl Run {
    fn new(output: Output, json_path: &Path) -> Run {
        let json = fs::read_to_string(json_path)
            .ok()
            .map(|s| serde_json::from_str(&s).expect("the JSON report parses"))
            .unwrap_or(Value::Null);
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            json,
        }
    }

    /// The report's entry for `name`.
    pub fn table(&self, name: &str) -> &Value {
        self.json["tables"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["name"] == name))
            .unwrap_or_else(|| panic!("no table `{name}` in the report:\n{}", self.describe()))
    }

    pub fn describe(&self) -> String {
        format!(
            "exit {}\n--- stdout\n{}\n--- stderr\n{}\n--- json\n{}",
            self.code,
            self.stdout,
            self.stderr,
            serde_json::to_string_pretty(&self.json).unwrap()
        )
    }

    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(self.code, code, "{}", self.describe());
        self
    }
}

/// An oracle file of `tests/oracles/` (copies of `../shared/oracles/`), and
/// whether it still equals the shared one when that is here to compare.
pub fn oracle(file: &str) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ours: Value =
        serde_json::from_str(&fs::read_to_string(root.join("tests/oracles").join(file)).unwrap())
            .unwrap();
    if let Ok(text) = fs::read_to_string(root.join("../shared/oracles").join(file)) {
        let shared: Value = serde_json::from_str(&text).unwrap();
        assert!(
            shared == ours,
            "tests/oracles/{file} differs from the shared oracle"
        );
    }
    ours
}

/// An oracle's number: a JSON number, or "NaN", "inf", "-inf".
pub fn number(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap(),
        Value::String(s) => s.replace("NaN", "nan").parse().unwrap(),
        other => panic!("not a number: {other}"),
    }
}

/// Waits (at most 30 s) until every file of `markers` exists, as a stage
/// writes them once it runs, then sends `signal` to `child` and returns
/// its exit code.
pub fn signal_once_started(
    child: &mut std::process::Child,
    markers: &[&Path],
    signal: i32,
) -> Option<i32> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !markers.iter().all(|m| m.exists()) && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        markers.iter().all(|m| m.exists()),
        "the stage never started"
    );
    // SAFETY: sending a signal to our own child.
    unsafe { libc::kill(child.id() as i32, signal) };
    child.wait().unwrap().code()
}

/// The tool or server environment variable `var` names, or `None` (said
/// on stderr, as `what` is not tested) when it is unset; unset under
/// SWIMLANE_REQUIRE_TOOLS=1 (as in .ci/run, which provides it) fails.
pub fn from_env(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) => Some(v),
        Err(_) => {
            assert!(
                std::env::var_os("SWIMLANE_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
                "SWIMLANE_REQUIRE_TOOLS=1 but {var} is not set"
            );
            eprintln!("{var} is not set: {what} not tested");
            None
        }
    }
}

/// A command's stdout then stderr, for assertions and their messages.
pub fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A table report's columns as (name, values that differ), in order.
pub fn mismatches(table: &serde_json::Value) -> Vec<(&str, u64)> {
    table["columns"]
        .as_array()
        .unwrap_or_else(|| panic!("no columns in {table:#}"))
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["mismatches"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The column `name` of a table report (or of a profile): an entry of its
/// `columns`.
pub fn column<'a>(table: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    table["columns"]
        .as_array()
        .unwrap_or_else(|| panic!("no columns in {table:#}"))
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no column `{name}` in {table:#}"))
}
