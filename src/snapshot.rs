//! The fact snapshot both lanes read: its content digest, taken before the
//! lanes run and after each finishes, so a lane that writes into its input is
//! caught and the changed files are named.
//!
//! The digest covers every file under the snapshot path (symlinks by their
//! target, not followed), in sorted relative-path order, each as
//! `path, length, BLAKE3(content)`. Files are hashed in parallel.
//!
//! Hashing a snapshot of gigabytes takes seconds, and a run digests it
//! before the lanes and again as each finishes. A file whose metadata
//! (length, inode, modification and change times) is what it was when an
//! earlier digest hashed it keeps that hash, as git's index does: writing a
//! file moves its change time, which no program can set back. A file
//! changed within two seconds of the earlier digest's start is hashed again
//! (a write in the same clock tick would leave its times as they were).
//! Between runs the digest is remembered in the cache directory
//! ([`Remembered`]); `--no-cache` hashes every file.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone)]
pub struct Digest {
    pub hex: String,
    pub files: BTreeMap<PathBuf, blake3::Hash>,
    pub bytes: u64,
    /// Each file's metadata as it was hashed, and when hashing began: what
    /// lets a later digest keep the hashes of files that did not change.
    seen: Seen,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Seen {
    /// Nanoseconds since the epoch when the digest began.
    started: i64,
    stats: BTreeMap<PathBuf, FileStat>,
}

/// A file's metadata that changes whenever its content does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct FileStat {
    len: u64,
    dev: u64,
    ino: u64,
    /// Modification and change times, nanoseconds since the epoch.
    mtime: i64,
    ctime: i64,
}

/// One file as digested: relative path, hash, length, metadata.
type Hashed = (PathBuf, blake3::Hash, u64, Option<FileStat>);

/// Changes this close to a digest's start may share its clock tick.
const RACY_NS: i64 = 2_000_000_000;

impl FileStat {
    #[cfg(unix)]
    fn of(meta: &fs::Metadata) -> Option<FileStat> {
        use std::os::unix::fs::MetadataExt;
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Some(FileStat {
            len: meta.len(),
            dev: meta.dev(),
            ino: meta.ino(),
            mtime: ns(meta.mtime(), meta.mtime_nsec()),
            ctime: ns(meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without a change time that programs cannot set, every file is hashed.
    #[cfg(not(unix))]
    fn of(_: &fs::Metadata) -> Option<FileStat> {
        None
    }
}

impl Digest {
    /// The hash an earlier digest took of `rel`, if the file's metadata says
    /// it has not changed since.
    fn unchanged(&self, rel: &Path, stat: Option<FileStat>) -> Option<blake3::Hash> {
        let stat = stat?;
        let hash = self.files.get(rel)?;
        (self.seen.stats.get(rel) == Some(&stat)
            && stat.mtime.max(stat.ctime) < self.seen.started.saturating_sub(RACY_NS))
        .then_some(*hash)
    }

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

/// Digests the file or directory at `path`, hashing every file.
pub fn digest(path: &Path) -> Result<Digest, SnapshotError> {
    digest_since(path, None)
}

/// Digests `path`, keeping `earlier`'s hash of every file whose metadata
/// has not changed since `earlier` hashed it.
pub fn digest_since(path: &Path, earlier: Option<&Digest>) -> Result<Digest, SnapshotError> {
    let started = now_ns();
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

    let hashed: Vec<Hashed> = entries
        .into_par_iter()
        .map(|(rel, full)| {
            let read_err = |source| SnapshotError::Read {
                path: full.clone(),
                source,
            };
            let meta = fs::symlink_metadata(&full).map_err(read_err)?;
            let stat = FileStat::of(&meta);
            if meta.file_type().is_symlink() {
                let target = fs::read_link(&full).map_err(read_err)?;
                let bytes = target.as_os_str().as_encoded_bytes();
                return Ok((rel, blake3::hash(bytes), bytes.len() as u64, stat));
            }
            if let Some(hash) = earlier.and_then(|e| e.unchanged(&rel, stat)) {
                return Ok((rel, hash, meta.len(), stat));
            }
            let mut hasher = blake3::Hasher::new();
            hasher.update_mmap(&full).map_err(read_err)?;
            Ok((rel, hasher.finalize(), meta.len(), stat))
        })
        .collect::<Result<_, SnapshotError>>()?;
    Ok(combine(started, hashed))
}

/// Each file's (relative path, hash, length, metadata), sorted by path, as
/// the digest of the tree they make.
fn combine(started: i64, hashed: Vec<Hashed>) -> Digest {
    let mut total = blake3::Hasher::new();
    let mut files = BTreeMap::new();
    let mut seen = Seen {
        started,
        stats: BTreeMap::new(),
    };
    let mut bytes = 0;
    for (rel, hash, len, stat) in hashed {
        let name = rel.as_os_str().as_encoded_bytes();
        total.update(&(name.len() as u64).to_le_bytes());
        total.update(name);
        total.update(&len.to_le_bytes());
        total.update(hash.as_bytes());
        bytes += len;
        if let Some(stat) = stat {
            seen.stats.insert(rel.clone(), stat);
        }
        files.insert(rel, hash);
    }
    Digest {
        hex: total.finalize().to_hex().to_string(),
        files,
        bytes,
        seen,
    }
}

fn now_ns() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_nanos()).unwrap_or(i64::MAX)
}

/// A snapshot's last digest, remembered in the cache directory between
/// runs, so a run on an unchanged snapshot of gigabytes reads only its
/// files' metadata. One file per snapshot path; a file that cannot be read
/// or written is a digest hashed in full, never an error.
pub struct Remembered {
    file: PathBuf,
}

#[derive(Serialize, Deserialize)]
struct RememberedFile {
    /// The snapshot path it was taken of (the file name is its hash).
    path: PathBuf,
    started: i64,
    files: Vec<RememberedEntry>,
}

#[derive(Serialize, Deserialize)]
struct RememberedEntry {
    path: PathBuf,
    blake3: String,
    stat: FileStat,
}

impl Remembered {
    /// Where the digest of the snapshot at `snapshot` is kept under `cache`.
    pub fn new(cache: &Path, snapshot: &Path) -> Remembered {
        let path = fs::canonicalize(snapshot).unwrap_or_else(|_| snapshot.to_path_buf());
        let name = blake3::hash(path.as_os_str().as_encoded_bytes()).to_hex();
        Remembered {
            file: cache
                .join("snapshots")
                .join(format!("{}.json", &name[..32])),
        }
    }

    /// Digests `snapshot`, keeping the remembered hashes of unchanged
    /// files, and remembers the result.
    pub fn digest(&self, snapshot: &Path) -> Result<Digest, SnapshotError> {
        let earlier = self.load();
        let digest = digest_since(snapshot, earlier.as_ref())?;
        self.save(snapshot, &digest);
        Ok(digest)
    }

    fn load(&self) -> Option<Digest> {
        let text = fs::read(&self.file).ok()?;
        let r: RememberedFile = serde_json::from_slice(&text).ok()?;
        let mut hashed = Vec::with_capacity(r.files.len());
        for e in r.files {
            let hash = blake3::Hash::from_hex(&e.blake3).ok()?;
            hashed.push((e.path, hash, e.stat.len, Some(e.stat)));
        }
        hashed.sort_by(|a, b| a.0.cmp(&b.0));
        Some(combine(r.started, hashed))
    }

    fn save(&self, snapshot: &Path, d: &Digest) {
        let files = d
            .seen
            .stats
            .iter()
            .filter_map(|(path, stat)| {
                Some(RememberedEntry {
                    path: path.clone(),
                    blake3: d.files.get(path)?.to_hex().to_string(),
                    stat: *stat,
                })
            })
            .collect();
        let r = RememberedFile {
            path: snapshot.to_path_buf(),
            started: d.seen.started,
            files,
        };
        let Some(dir) = self.file.parent() else {
            return;
        };
        let Ok(text) = serde_json::to_vec(&r) else {
            return;
        };
        // Written beside and renamed, so a reader never sees half a file.
        let _ = fs::create_dir_all(dir).and_then(|()| {
            let tmp = tempfile::NamedTempFile::new_in(dir)?;
            fs::write(tmp.path(), text)?;
            tmp.persist(&self.file).map_err(|e| e.error)?;
            Ok(())
        });
    }
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
        assert_eq!(before.hex, digest(dir.path()).unwrap().hex);
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

    /// `earlier`, as if it had begun hashing ten seconds from now: files
    /// written by the test are then not too recent to trust.
    fn begun_later(mut earlier: Digest) -> Digest {
        earlier.seen.started += 10_000_000_000;
        earlier
    }

    #[test]
    fn a_file_whose_metadata_did_not_change_keeps_its_earlier_hash_unread() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        fs::write(dir.path().join("b.csv"), "y\n2\n").unwrap();
        let mut earlier = begun_later(digest(dir.path()).unwrap());
        // A hash the file cannot have: kept only if the file is not read.
        let planted = blake3::hash(b"not a.csv");
        earlier.files.insert(PathBuf::from("a.csv"), planted);
        let again = digest_since(dir.path(), Some(&earlier)).unwrap();
        assert_eq!(again.files[Path::new("a.csv")], planted);
        assert_eq!(
            again.files[Path::new("b.csv")],
            earlier.files[Path::new("b.csv")]
        );
    }

    #[test]
    fn a_rewritten_file_is_hashed_again_even_with_its_old_length_and_modification_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.csv");
        fs::write(&file, "x\n1\n").unwrap();
        let mtime = fs::metadata(&file).unwrap().modified().unwrap();
        let earlier = begun_later(digest(dir.path()).unwrap());
        // Past the file system's clock tick, so the change time moves.
        std::thread::sleep(std::time::Duration::from_millis(30));
        fs::write(&file, "x\n2\n").unwrap();
        fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let after = digest_since(dir.path(), Some(&earlier)).unwrap();
        assert_eq!(after.hex, digest(dir.path()).unwrap().hex);
        assert_eq!(earlier.changed_files(&after), [PathBuf::from("a.csv")]);
    }

    #[test]
    fn a_file_changed_just_before_the_earlier_digest_began_is_hashed_again() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        // Not begun later: the file was written within its clock tick.
        let mut earlier = digest(dir.path()).unwrap();
        let planted = blake3::hash(b"not a.csv");
        earlier.files.insert(PathBuf::from("a.csv"), planted);
        let again = digest_since(dir.path(), Some(&earlier)).unwrap();
        assert_eq!(again.files[Path::new("a.csv")], blake3::hash(b"x\n1\n"));
    }

    #[test]
    fn a_remembered_digest_is_reused_by_the_next_run_and_a_damaged_one_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("a.csv"), "x\n1\n").unwrap();
        let remembered = Remembered::new(cache.path(), dir.path());
        let first = remembered.digest(dir.path()).unwrap();
        let loaded = remembered.load().expect("the digest was remembered");
        assert_eq!(loaded.hex, first.hex);
        assert_eq!(loaded.files, first.files);
        assert_eq!(loaded.seen.stats, first.seen.stats);
        assert_eq!(loaded.seen.started, first.seen.started);

        fs::write(&remembered.file, "{ not json").unwrap();
        assert!(remembered.load().is_none());
        let second = remembered.digest(dir.path()).unwrap();
        assert_eq!(second.hex, first.hex);
        assert!(
            remembered.load().is_some(),
            "rewritten after the damaged one"
        );
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
