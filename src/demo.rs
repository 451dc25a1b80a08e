//! The demo repository: a small Python ETL and its fact snapshot on `main`
//! (embedded from `fixtures/demo`), and a branch with realistic bugs.
//! `swimlane demo` (`cli/demo.rs`) builds it, runs a real comparison and
//! removes it.

use std::fs;
use std::path::Path;

use git2::{Repository, Signature};

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
