//! `swimlane demo`: builds a throwaway ETL repository from the embedded
//! `fixtures/demo` (a small Python ETL and its fact snapshot on `main`, and a
//! branch with realistic bugs), runs a real comparison, prints the report and
//! removes everything.

use std::fs;
use std::path::Path;

use git2::{Repository, Signature};

use crate::cli::{
    DemoArgs, EXIT_ERROR, EXIT_PASS, Progress, print_error, print_report, write_reports,
};
use crate::model::Verdict;
use crate::report::terminal::Detail;
use crate::run::{self, RunOptions};

/// The branch that carries the bugs.
pub const BUG_BRANCH: &str = "perf/faster-profile-read";

const CONFIG: &str = include_str!("../swimlanes/demo.toml");
const ETL_BASE: &str = include_str!("../fixtures/demo/etl.py");
const ETL_HEAD: &str = include_str!("../fixtures/demo/etl_head.py");
const PLAYS: &str = include_str!("../fixtures/demo/facts/plays.csv");
const PROFILES: &str = include_str!("../fixtures/demo/facts/profiles.csv");

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot build the demo repository")]
    Io(#[from] std::io::Error),
    #[error("cannot build the demo repository")]
    Git(#[from] git2::Error),
}

impl crate::error::Help for DemoError {
    fn help(&self) -> Option<String> {
        None
    }
}

/// Writes the demo repository into `dir`: `main` with the ETL, and
/// [`BUG_BRANCH`] with the buggy change. HEAD is left on the bug branch, as a
/// developer's checkout would be.
pub fn build_repo(dir: &Path) -> Result<(), DemoError> {
    let repo = Repository::init(dir)?;
    fs::create_dir_all(dir.join("facts"))?;
    fs::write(dir.join("swimlane.toml"), CONFIG)?;
    fs::write(dir.join("facts/plays.csv"), PLAYS)?;
    fs::write(dir.join("facts/profiles.csv"), PROFILES)?;
    fs::write(dir.join("etl.py"), ETL_BASE)?;
    let sig = Signature::now("swimlane demo", "demo@swimlane.invalid")?;
    let first = commit_all(&repo, &sig, "viewing ETL v1", None)?;
    repo.reference("refs/heads/main", first, true, "demo: main")?;
    repo.set_head("refs/heads/main")?;

    fs::write(dir.join("etl.py"), ETL_HEAD)?;
    let parent = repo.find_commit(first)?;
    let second = commit_all(
        &repo,
        &sig,
        "Read profiles positionally; skip preview plays",
        Some(&parent),
    )?;
    repo.reference(
        &format!("refs/heads/{BUG_BRANCH}"),
        second,
        true,
        "demo: branch",
    )?;
    repo.set_head(&format!("refs/heads/{BUG_BRANCH}"))?;
    Ok(())
}

fn commit_all(
    repo: &Repository,
    sig: &Signature<'_>,
    message: &str,
    parent: Option<&git2::Commit<'_>>,
) -> Result<git2::Oid, git2::Error> {
    let mut index = repo.index()?;
    index.add_all(["*"], git2::IndexAddOption::DEFAULT, None)?;
    index.write()?;
    let tree = repo.find_tree(index.write_tree()?)?;
    let parents: Vec<&git2::Commit<'_>> = parent.into_iter().collect();
    repo.commit(None, sig, sig, message, &tree, &parents)
}

/// Where the demo repository lives: removed at the end unless kept.
enum Workdir {
    Temp(tempfile::TempDir),
    Kept(std::path::PathBuf),
}

impl Workdir {
    fn path(&self) -> &Path {
        match self {
            Workdir::Temp(t) => t.path(),
            Workdir::Kept(p) => p,
        }
    }
}

/// Runs the demo; returns the exit code. The demo succeeds (0) when the
/// comparison ran and caught the planted regression.
pub fn main(args: &DemoArgs) -> u8 {
    let output = &args.output;
    let detail = output.detail();
    let made = match &args.keep {
        Some(dir) => std::fs::create_dir_all(dir).map(|()| Workdir::Kept(dir.clone())),
        None => tempfile::Builder::new()
            .prefix("swimlane-demo-")
            .tempdir()
            .map(Workdir::Temp),
    };
    let dir = match made {
        Ok(d) => d,
        Err(e) => {
            print_error(&DemoError::Io(e));
            return EXIT_ERROR;
        }
    };
    if let Err(e) = build_repo(dir.path()) {
        print_error(&e);
        return EXIT_ERROR;
    }
    if detail != Detail::Quiet {
        eprintln!(
            "swimlane demo: built an ETL repository in {}\n  main: etl.py turns facts/plays.csv + facts/profiles.csv into viewing.csv, profile_summary.csv and features.csv\n  {BUG_BRANCH}: a \"performance\" change to etl.py\n  running: swimlane run --base main --head {BUG_BRANCH}\n",
            dir.path().display()
        );
    }
    let opts = RunOptions {
        config: dir.path().join("swimlane.toml"),
        base: Some("main".into()),
        head: Some(BUG_BRANCH.into()),
        worktree: false,
        keep_lanes: false,
        base_mode: crate::run::BaseMode::MergeBase,
        // A throwaway repository: nothing worth caching.
        cache_dir: None,
        calibrate: false,
        memory_budget: crate::load::MemoryBudget::for_this_machine(),
        engine: None,
        spark_remote: None,
    };
    let report = match run::run(&opts, &Progress::new(detail)) {
        Ok(r) => r,
        Err(e) => {
            print_error(&e);
            return EXIT_ERROR;
        }
    };
    if let Err(code) = write_reports(&report, output) {
        return code;
    }
    print_report(&report, detail);
    match report.verdict() {
        Verdict::Regression => {
            if detail != Detail::Quiet {
                match &args.keep {
                    None => eprintln!(
                        "\nThe branch's bugs were caught (`swimlane run` would exit 1 here). The demo exits 0; the repository is removed."
                    ),
                    Some(d) => eprintln!(
                        "\nThe branch's bugs were caught (`swimlane run` would exit 1 here). The repository is kept in {}: try `cd {} && swimlane run --base main`.",
                        d.display(),
                        d.display()
                    ),
                }
            }
            EXIT_PASS
        }
        other => {
            eprintln!(
                "error: the demo expected a regression but the verdict was {}",
                other.as_str()
            );
            EXIT_ERROR
        }
    }
}
