//! The history store in a git ref (`git:refs/swimlane/history`): each
//! recorded point is a commit on that ref adding one segment blob
//! (`segments/RUN.parquet`; notes under `notes/`), so a CI job on `main`
//! can `git push origin refs/swimlane/history` and a pull request's job can
//! `git fetch origin refs/swimlane/history:refs/swimlane/history`, with
//! nothing else to run. Only objects and that ref are written: never the
//! working tree, the index, `HEAD` or a branch. Two recorders at once: the
//! ref moves by compare-and-swap, and the loser rebuilds on the winner's
//! commit.

use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{ErrorCode, FileMode, Repository, Signature};

/// Where the store lives: a repository and a ref under `refs/swimlane/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitRef {
    /// A directory inside the repository (it is discovered from there).
    pub repo: PathBuf,
    pub refname: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GitRefError {
    #[error("{refname} is not under refs/swimlane/")]
    NotOurs { refname: String },
    #[error("cannot use the history ref {refname} in {}", repo.display())]
    Git {
        repo: PathBuf,
        refname: String,
        #[source]
        source: git2::Error,
    },
}

impl GitRef {
    pub fn new(repo: &Path, refname: &str) -> Result<GitRef, GitRefError> {
        if !refname.starts_with("refs/swimlane/") || refname.len() <= "refs/swimlane/".len() {
            return Err(GitRefError::NotOurs {
                refname: refname.into(),
            });
        }
        Ok(GitRef {
            repo: repo.to_path_buf(),
            refname: refname.into(),
        })
    }

    fn err(&self) -> impl Fn(git2::Error) -> GitRefError + '_ {
        move |source| GitRefError::Git {
            repo: self.repo.clone(),
            refname: self.refname.clone(),
            source,
        }
    }

    /// Adds `add` (path in the ref's tree, content) and removes `remove`,
    /// as one new commit on the ref.
    pub fn commit(
        &self,
        add: &[(String, Vec<u8>)],
        remove: &[String],
        message: &str,
    ) -> Result<(), GitRefError> {
        let err = self.err();
        let repo = Repository::discover(&self.repo).map_err(&err)?;
        let sig = repo
            .signature()
            .or_else(|_| Signature::now("swimlane", "swimlane@localhost"))
            .map_err(&err)?;
        let blobs = add
            .iter()
            .map(|(path, bytes)| Ok((path.as_str(), repo.blob(bytes)?)))
            .collect::<Result<Vec<_>, git2::Error>>()
            .map_err(&err)?;
        // Another recorder holding the ref's lock is waited for, up to a
        // bound (git's own lock files are held for milliseconds).
        let mut locked_for = std::time::Duration::ZERO;
        const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(30);
        loop {
            let current = match repo.find_reference(&self.refname) {
                Ok(r) => Some(r.peel_to_commit().map_err(&err)?),
                Err(e) if e.code() == ErrorCode::NotFound => None,
                Err(e) => return Err(err(e)),
            };
            let base = match &current {
                Some(c) => c.tree().map_err(&err)?,
                None => {
                    let empty = repo
                        .treebuilder(None)
                        .and_then(|b| b.write())
                        .map_err(&err)?;
                    repo.find_tree(empty).map_err(&err)?
                }
            };
            let mut update = TreeUpdateBuilder::new();
            for path in remove {
                update.remove(path);
            }
            for (path, oid) in &blobs {
                update.upsert(*path, *oid, FileMode::Blob);
            }
            let tree = update.create_updated(&repo, &base).map_err(&err)?;
            let tree = repo.find_tree(tree).map_err(&err)?;
            let parents: Vec<&git2::Commit<'_>> = current.iter().collect();
            let commit = repo
                .commit(None, &sig, &sig, message, &tree, &parents)
                .map_err(&err)?;
            let moved = match &current {
                Some(c) => repo
                    .reference_matching(&self.refname, commit, true, c.id(), message)
                    .map(|_| ()),
                None => repo
                    .reference(&self.refname, commit, false, message)
                    .map(|_| ()),
            };
            match moved {
                Ok(()) => return Ok(()),
                // Another recorder moved the ref first: build on its commit.
                Err(e) if matches!(e.code(), ErrorCode::Modified | ErrorCode::Exists) => continue,
                // Another recorder is moving it now.
                Err(e) if e.code() == ErrorCode::Locked && locked_for < LOCK_WAIT => {
                    let pause = std::time::Duration::from_millis(20);
                    std::thread::sleep(pause);
                    locked_for += pause;
                }
                Err(e) => return Err(err(e)),
            }
        }
    }

    /// The files under `dir/` in the ref's tree, by name; none when the ref
    /// does not exist yet.
    pub fn files(&self, dir: &str) -> Result<Vec<(String, Vec<u8>)>, GitRefError> {
        let err = self.err();
        let repo = Repository::discover(&self.repo).map_err(&err)?;
        let commit = match repo.find_reference(&self.refname) {
            Ok(r) => r.peel_to_commit().map_err(&err)?,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(err(e)),
        };
        let tree = commit.tree().map_err(&err)?;
        let sub = match tree.get_path(Path::new(dir)) {
            Ok(entry) => entry
                .to_object(&repo)
                .and_then(|o| o.peel_to_tree())
                .map_err(&err)?,
            Err(e) if e.code() == ErrorCode::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(err(e)),
        };
        let mut out = Vec::new();
        for entry in sub.iter() {
            let name = entry.name().unwrap_or_default().to_string();
            let blob = entry
                .to_object(&repo)
                .and_then(|o| o.peel_to_blob())
                .map_err(&err)?;
            out.push((name, blob.content().to_vec()));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }
}
