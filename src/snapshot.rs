//! The fact snapshot both lanes read: its content digest, taken before the
//! lanes run and after each finishes, so a lane that writes into its input is
//! caught and the changed files are named.
//!
//! The digest covers every file under the snapshot path (symlinks by their
//! target, not followed), in sorted relative-path order, each as
//! `path, length, BLAKE3(content)`. Files are hashed in parallel.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error(
        "snapshot {} does not exist",
        path.display()
    )]
    Missing { path: PathBuf },
    #[error("cannot read snapshot file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl crate::error::Help for SnapshotError {
    fn help(&self) -> Option<String> {
        match self {
            SnapshotError::Missing { .. } => Some("`[snapshot] path` in the config is relative to the config file; point it at the input facts".into()),
            _ => None,
        }
    }
}

/// The digest of a snapshot, with one digest per file to name what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub hex: String,
    pub files: BTreeMap<PathBuf, blake3::Hash>,
    pub bytes: u64,
}

impl Digest {
    /// Relative paths that were added, removed or changed between `self` and `after`.
    pub fn changed_files(&self, after: &Digest) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = self
            .files
            .iter()
            .filter(|(p, h)| after.files.get(*p) != Some(h))
            .map(|(p, _)| p.clone())
            .collect();
        changed.extend(
            after
                .files
                .keys()
                .filter(|p| !self.files.contains_key(*p))
                .cloned(),
        );
        changed.sort();
        changed
    }
}

/// Digests the file or directory at `path`.
pub fn digest(path: &Path) -> Result<Digest, SnapshotError> {
    let meta = fs::symlink_metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => SnapshotError::Missing {
            path: path.to_path_buf(),
        },
        _ => SnapshotError::Read {
            path: path.to_path_buf(),
            source,
        },
    })?;
    let entries: Vec<(PathBuf, PathBuf)> = if meta.is_dir() {
        let mut entries = Vec::new();
        for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
            let entry = entry.map_err(|e| SnapshotError::Read {
                path: e.path().unwrap_or(path).to_path_buf(),
                source: e.into(),
            })?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry.path().strip_prefix(path).unwrap_or(entry.path());
            entries.push((rel.to_path_buf(), entry.path().to_path_buf()));
        }
        entries
    } else {
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        vec![(name, path.to_path_buf())]
    };

    let hashed: Vec<(PathBuf, blake3::Hash, u64)> = entries
        .into_par_iter()
        .map(|(rel, full)| {
            let read_err = |source| SnapshotError::Read {
                path: full.clone(),
                source,
            };
            let meta = fs::symlink_metadata(&full).map_err(read_err)?;
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&full).map_err(read_err)?;
                let bytes = target.as_os_str().as_encoded_bytes();
                return Ok((rel, blake3::hash(bytes), bytes.len() as u64));
            }
            let mut hasher = blake3::Hasher::new();
            hasher.update_mmap(&full).map_err(read_err)?;
            Ok((rel, hasher.finalize(), meta.len()))
        })
        .collect::<Result<_, SnapshotError>>()?;

    let mut total = blake3::Hasher::new();
    let mut files = BTreeMap::new();
    let mut bytes = 0;
    for (rel, hash, len) in hashed {
        let name = rel.as_os_str().as_encoded_bytes();
        total.update(&(name.len() as u64).to_le_bytes());
        total.update(name);
        total.update(&len.to_le_bytes());
        total.update(hash.as_bytes());
        bytes += len;
        files.insert(rel, hash);
    }
    Ok(Digest {
        hex: total.finalize().to_hex().to_string(),
        files,
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_changes_with_content_and_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("sub")).unwrap();
        fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        fs::write(dir.path().join("sub/b.csv"), "y\n2\n").unwrap();
        let before = digest(dir.path()).unwrap();
        assert_eq!(before, digest(dir.path()).unwrap());
        assert_eq!(before.bytes, 8);

        fs::write(dir.path().join("sub/b.csv"), "y\n3\n").unwrap();
        let after = digest(dir.path()).unwrap();
        assert_ne!(before.hex, after.hex);
        assert_eq!(before.changed_files(&after), [PathBuf::from("sub/b.csv")]);

        fs::write(dir.path().join("new.csv"), "").unwrap();
        let added = digest(dir.path()).unwrap();
        assert!(
            after
                .changed_files(&added)
                .contains(&PathBuf::from("new.csv"))
        );
    }

    #[test]
    fn renaming_a_file_changes_the_digest() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "x").unwrap();
        let before = digest(dir.path()).unwrap();
        fs::rename(dir.path().join("a.csv"), dir.path().join("b.csv")).unwrap();
        assert_ne!(before.hex, digest(dir.path()).unwrap().hex);
    }

    #[test]
    fn missing_snapshot_is_a_clear_error() {
        let err = digest(Path::new("/nonexistent/facts")).unwrap_err();
        assert!(
            err.to_string()
                .contains("/nonexistent/facts does not exist")
        );
    }
}
