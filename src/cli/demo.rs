//! `swimlane demo`: builds the demo repository in a throwaway directory,
//! runs a real comparison, prints the report and removes everything.

use std::path::Path;

use super::progress::Progress;
use super::{DemoArgs, EXIT_ERROR, EXIT_PASS, print_error, print_report, write_reports};
use crate::demo::{BUG_BRANCH, DemoError, build_repo};
use crate::model::Verdict;
use crate::report::terminal::Detail;
use crate::run::{self, RunOptions};

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
        profile: false,
        record: false,
        store: None,
        memory_budget: crate::load::MemoryBudget::for_this_machine(),
        engine: None,
        spark_remote: None,
        sample: None,
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
