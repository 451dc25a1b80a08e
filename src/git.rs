//! Revisions and checkouts: resolves `--base`/`--head` in the user's
//! repository and materialises each lane's source tree in its own directory.
//!
//! The user's repository is only ever read. A lane's checkout is a local clone
//! (objects hard-linked where possible) with its `origin` remote removed, so a
//! stage that runs `git` inside its lane cannot reach back into the user's
//! repository. `--worktree` lanes get HEAD plus the working tree's changes
//! (modified, added, deleted and untracked-but-not-ignored files).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use git2::build::{CheckoutBuilder, CloneLocal, RepoBuilder};
use git2::{ErrorCode, Oid, Repository, Status, StatusOptions};

#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "{} is not inside a git repository",
        dir.display()
    )]
    NotARepo {
        dir: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error(
        "{} is a bare repository: it has no working tree to read the config and snapshot from",
        path.display()
    )]
    Bare { path: PathBuf },
    #[error(
        "unknown revision `{rev}` in {}",
        repo.display()
    )]
    UnknownRevision {
        rev: String,
        repo: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("no base revision: the repository has neither `main` nor `master`")]
    NoDefaultBase,
    #[error(
        "the repository at {} has no commits yet",
        repo.display()
    )]
    Empty { repo: PathBuf },
    #[error(
        "no merge base between `{base}` and `{head}`{}",
        if *shallow { " (this clone is shallow)" } else { "" }
    )]
    NoMergeBase {
        base: String,
        head: String,
        shallow: bool,
    },
    #[error("cannot check out {commit} into {}", dest.display())]
    Checkout {
        commit: String,
        dest: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("cannot read the working tree of {}", repo.display())]
    Status {
        repo: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("cannot copy {} into the lane", path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl crate::error::Help for GitError {
    fn help(&self) -> Option<String> {
        Some(match self {
            GitError::NotARepo { .. } => "run swimlane from your ETL repository, or pass --config path/to/repo/swimlane.toml".into(),
            GitError::Bare { path } => format!("clone it (`git clone {} work`) and run swimlane in the clone", path.display()),
            GitError::UnknownRevision { rev, .. } => format!("check the name with `git branch -a` / `git tag`; in a shallow CI checkout, fetch it first: `git fetch origin {rev}`"),
            GitError::NoDefaultBase => "pass --base REV or set `[lanes] base = \"...\"` in the config".into(),
            GitError::Empty { .. } => "commit the pipeline first; the base lane needs a revision to check out".into(),
            GitError::NoMergeBase { shallow: true, .. } => "fetch more history (`git fetch --unshallow`, or `git fetch --deepen=200 origin`), or pass --base-mode tip".into(),
            GitError::NoMergeBase { shallow: false, .. } => "the two revisions share no history; pass --base-mode tip to compare with the tip of the base".into(),
            _ => return None,
        })
    }
}

/// The user's repository, opened read-only in spirit: nothing here writes to it.
pub struct Repo {
    repo: Repository,
    workdir: PathBuf,
}

/// A revision as the user named it and the commit it resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// What the user asked for (`main`, `HEAD`, a sha, or `WORKTREE`).
    pub rev: String,
    /// Full commit id, or `None` for a working tree on an unborn branch.
    pub commit: Option<String>,
    /// True for `--worktree`: the commit plus uncommitted changes.
    pub worktree: bool,
}

impl Resolved {
    /// The value given to stages as `{rev}`.
    pub fn rev_id(&self) -> String {
        match (&self.commit, self.worktree) {
            (Some(c), false) => c.clone(),
            (Some(c), true) => format!("{c}-dirty"),
            (None, _) => "worktree".to_string(),
        }
    }
}

impl Repo {
    /// Finds the repository containing `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, GitError> {
        let repo = Repository::discover(dir).map_err(|source| GitError::NotARepo {
            dir: dir.to_path_buf(),
            source,
        })?;
        let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
            return Err(GitError::Bare {
                path: repo.path().to_path_buf(),
            });
        };
        Ok(Repo { repo, workdir })
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    /// Resolves a branch, tag, sha or any rev-parse expression to a commit.
    pub fn resolve(&self, rev: &str) -> Result<Resolved, GitError> {
        let unknown = |source| GitError::UnknownRevision {
            rev: rev.to_string(),
            repo: self.workdir.clone(),
            source,
        };
        if self.is_empty() {
            return Err(GitError::Empty {
                repo: self.workdir.clone(),
            });
        }
        let lookup = |r: &str| {
            self.repo
                .revparse_single(r)
                .and_then(|o| o.peel_to_commit())
        };
        // In a CI checkout the base branch is often only a remote-tracking
        // branch (`git fetch origin main` creates origin/main, not main).
        let commit = lookup(rev)
            .or_else(|e| {
                if rev.contains(['/', '~', '^', ':', '@']) {
                    Err(e)
                } else {
                    lookup(&format!("origin/{rev}")).map_err(|_| e)
                }
            })
            .map_err(unknown)?;
        Ok(Resolved {
            rev: rev.to_string(),
            commit: Some(commit.id().to_string()),
            worktree: false,
        })
    }

    /// The working tree as it is: HEAD's commit (if any) plus local changes.
    pub fn resolve_worktree(&self) -> Result<Resolved, GitError> {
        let commit = match self.repo.head() {
            Ok(head) => head.peel_to_commit().ok().map(|c| c.id().to_string()),
            Err(e) if e.code() == ErrorCode::UnbornBranch => None,
            Err(source) => {
                return Err(GitError::UnknownRevision {
                    rev: "HEAD".into(),
                    repo: self.workdir.clone(),
                    source,
                });
            }
        };
        Ok(Resolved {
            rev: "WORKTREE".into(),
            commit,
            worktree: true,
        })
    }

    /// The base to use when none was given: the config's, else `main`, else `master`.
    pub fn default_base(&self, configured: Option<&str>) -> Result<String, GitError> {
        if let Some(base) = configured {
            return Ok(base.to_string());
        }
        for candidate in ["main", "master"] {
            let remote = format!("origin/{candidate}");
            if self.repo.revparse_single(candidate).is_ok()
                || self.repo.revparse_single(&remote).is_ok()
            {
                return Ok(candidate.to_string());
            }
        }
        if self.is_empty() {
            return Err(GitError::Empty {
                repo: self.workdir.clone(),
            });
        }
        Err(GitError::NoDefaultBase)
    }

    /// No commits at all: HEAD is unborn and no reference exists (libgit2's
    /// `is_empty` only recognises its own default branch name).
    fn is_empty(&self) -> bool {
        let unborn = matches!(self.repo.head(), Err(e) if e.code() == ErrorCode::UnbornBranch);
        unborn
            && self
                .repo
                .references()
                .map(|mut refs| refs.next().is_none())
                .unwrap_or(false)
    }

    /// The merge base of two commits: where `head` branched off `base`.
    pub fn merge_base(&self, base: &Resolved, head_commit: &str) -> Result<String, GitError> {
        let no_base = || GitError::NoMergeBase {
            base: base.rev.clone(),
            head: head_commit[..head_commit.len().min(10)].to_string(),
            shallow: self.repo.is_shallow(),
        };
        let b = base
            .commit
            .as_deref()
            .and_then(|c| Oid::from_str(c).ok())
            .ok_or_else(no_base)?;
        let h = Oid::from_str(head_commit).map_err(|_| no_base())?;
        self.repo
            .merge_base(b, h)
            .map(|oid| oid.to_string())
            .map_err(|_| no_base())
    }

    /// The tree id of a commit.
    pub fn tree_id(&self, commit: &str) -> Option<String> {
        let oid = Oid::from_str(commit).ok()?;
        Some(self.repo.find_commit(oid).ok()?.tree_id().to_string())
    }

    /// Whether `commit` is `tip` or one of its ancestors; `None` when
    /// either is not in this repository (a shallow clone, another
    /// repository's commit).
    pub fn is_ancestor(&self, commit: &str, tip: &str) -> Option<bool> {
        let (c, t) = (Oid::from_str(commit).ok()?, Oid::from_str(tip).ok()?);
        if c == t {
            return Some(true);
        }
        self.repo.find_commit(c).ok()?;
        self.repo.find_commit(t).ok()?;
        self.repo.graph_descendant_of(t, c).ok()
    }

    pub fn is_shallow(&self) -> bool {
        self.repo.is_shallow()
    }

    /// Materialises `rev` into `dest` (which must not exist or be empty).
    pub fn checkout(&self, rev: &Resolved, dest: &Path) -> Result<(), GitError> {
        match &rev.commit {
            Some(commit) => self.clone_at(commit, dest)?,
            None => {
                Repository::init(dest).map_err(|source| GitError::Checkout {
                    commit: "(unborn)".into(),
                    dest: dest.to_path_buf(),
                    source,
                })?;
            }
        }
        if rev.worktree {
            self.overlay_worktree(dest)?;
        }
        Ok(())
    }

    fn clone_at(&self, commit: &str, dest: &Path) -> Result<(), GitError> {
        let err = |source| GitError::Checkout {
            commit: commit.to_string(),
            dest: dest.to_path_buf(),
            source,
        };
        let mut no_checkout = CheckoutBuilder::new();
        no_checkout.dry_run();
        // libgit2 takes the source as a UTF-8 URL: a repository whose path is
        // not UTF-8 is reached through a symlink next to the checkout.
        let link;
        let source_url = match self.repo.path().to_str() {
            Some(s) => s.to_string(),
            None => {
                link = dest.with_extension("source.git");
                std::os::unix::fs::symlink(self.repo.path(), &link).map_err(|source| {
                    GitError::Copy {
                        path: self.repo.path().to_path_buf(),
                        source,
                    }
                })?;
                link.to_string_lossy().into_owned()
            }
        };
        let cloned = RepoBuilder::new()
            .clone_local(CloneLocal::Local)
            .with_checkout(no_checkout)
            .clone(&source_url, dest);
        if self.repo.path().to_str().is_none() {
            let _ = fs::remove_file(dest.with_extension("source.git"));
        }
        let clone = cloned.map_err(err)?;
        let oid = Oid::from_str(commit).map_err(err)?;
        clone.set_head_detached(oid).map_err(err)?;
        clone
            .checkout_head(Some(CheckoutBuilder::new().force()))
            .map_err(err)?;
        // Cut the way back to the user's repository (a stage's `git push`).
        clone.remote_delete("origin").map_err(err)?;
        Ok(())
    }

    /// Every path of the working tree that differs from HEAD: modified,
    /// added, deleted, untracked but not ignored (submodules excluded). Only
    /// reads: the index is not refreshed on disk.
    fn changes(&self) -> Result<git2::Statuses<'_>, GitError> {
        let mut opts = StatusOptions::new();
        opts.include_untracked(true)
            .recurse_untracked_dirs(true)
            .include_ignored(false)
            .exclude_submodules(true);
        self.repo
            .statuses(Some(&mut opts))
            .map_err(|source| GitError::Status {
                repo: self.workdir.clone(),
                source,
            })
    }

    /// The paths that differ from HEAD in the user's working tree (modified,
    /// added, deleted, untracked but not ignored), with their status bits:
    /// taken before and after the lanes, it shows a stage that wrote into
    /// the user's repository instead of its lane.
    pub fn worktree_state(&self) -> Result<Vec<(PathBuf, u32)>, GitError> {
        let mut state: Vec<(PathBuf, u32)> = self
            .changes()?
            .iter()
            .map(|e| {
                let path = self.workdir.join(OsStr::from_bytes(e.path_bytes()));
                (path, e.status().bits())
            })
            .collect();
        state.sort();
        Ok(state)
    }

    /// Applies every uncommitted change of the user's working tree to `dest`.
    fn overlay_worktree(&self, dest: &Path) -> Result<(), GitError> {
        for entry in self.changes()?.iter() {
            if entry.status().contains(Status::IGNORED) {
                continue;
            }
            let rel = Path::new(OsStr::from_bytes(entry.path_bytes()));
            let from = self.workdir.join(rel);
            let to = dest.join(rel);
            copy_or_remove(&from, &to)?;
        }
        Ok(())
    }
}

/// What a checkout holds that lanes do not support in full, as notes for
/// the report: submodules are not checked out, Git LFS files stay pointers.
pub fn unsupported_content(checkout: &Path) -> Vec<String> {
    let mut notes = Vec::new();
    if checkout.join(".gitmodules").exists() {
        notes.push(
            "the repository has submodules; lanes do not check them out (their directories are empty): a stage that needs them must fetch them (`git submodule update --init`) or the pipeline must not depend on them".to_string(),
        );
    }
    let lfs = fs::read_to_string(checkout.join(".gitattributes"))
        .is_ok_and(|a| a.lines().any(|l| l.contains("filter=lfs")));
    if lfs {
        notes.push(
            "the repository uses Git LFS; lanes hold the LFS pointer files, not their content: run `git lfs pull` in a first stage, or keep the snapshot outside LFS (it is read from your working tree, where LFS files are real)".to_string(),
        );
    }
    notes
}

/// Makes `to` what `from` is: a copy (file or symlink) or absent.
fn copy_or_remove(from: &Path, to: &Path) -> Result<(), GitError> {
    let copy_err = |source| GitError::Copy {
        path: from.to_path_buf(),
        source,
    };
    match fs::symlink_metadata(to) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(to).map_err(copy_err)?,
        Ok(_) => fs::remove_file(to).map_err(copy_err)?,
        Err(_) => {}
    }
    let meta = match fs::symlink_metadata(from) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(copy_err(e)),
    };
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(copy_err)?;
    }
    if meta.file_type().is_symlink() {
        let target = fs::read_link(from).map_err(copy_err)?;
        std::os::unix::fs::symlink(target, to).map_err(copy_err)?;
    } else if meta.is_file() {
        fs::copy(from, to).map_err(copy_err)?;
    }
    Ok(())
}
