//! The sampled snapshot both lanes read: every table file of the snapshot
//! with only the sampled keys' rows, at the same relative path and in the
//! same format; files without the key column, files `sample.skip` names
//! and files that are not tables copied whole. Written once per (snapshot
//! digest, sample) into the cache and reused; its digest is kept beside it
//! and checked before each use and after the lanes ran, as the snapshot's
//! own is.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::apply::{ApplyError, sample_file};
use crate::config::{Format, Sample};
use crate::model::sample::{SampledFile, SampledSnapshot};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotSampleError {
    #[error(transparent)]
    File(#[from] ApplyError),
    #[error("cannot write the sampled snapshot in {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Digest(#[from] crate::snapshot::SnapshotError),
    #[error(transparent)]
    Interrupted(#[from] crate::interrupt::Interrupted),
    #[error(
        "no table of the snapshot has the sample key {}: the sample would keep everything",
        key.join(", ")
    )]
    NoKeyedTable { key: Vec<String> },
    #[error(
        "snapshot table {} has part of the sample key but not {}",
        path.display(),
        crate::model::ticked(missing)
    )]
    PartialKey { path: PathBuf, missing: Vec<String> },
}

impl crate::error::Help for SnapshotSampleError {
    fn help(&self) -> Option<String> {
        match self {
            SnapshotSampleError::File(e) => e.help(),
            SnapshotSampleError::PartialKey { .. } => Some(
                "a table is sampled by every key column or copied whole; rename the column, or list the file in `[sample] skip` to copy it whole".into(),
            ),
            SnapshotSampleError::NoKeyedTable { .. } => Some(
                "`[sample] key` names a column of the snapshot's tables (Parquet, CSV, NDJSON, Arrow), e.g. the member id the facts are keyed by".into(),
            ),
            _ => None,
        }
    }
}

/// What is kept beside a sampled snapshot.
#[derive(Serialize, Deserialize)]
struct Manifest {
    files: Vec<ManifestFile>,
    /// The digest of the sampled tree when it was written.
    digest: String,
}

#[derive(Serialize, Deserialize)]
struct ManifestFile {
    path: String,
    rows: u64,
    kept: u64,
    whole: Option<String>,
}

/// A sampled snapshot ready for the lanes.
pub struct Prepared {
    /// What the report says: where it is (the path the lanes get, a file
    /// when the snapshot is one file) and what it holds.
    pub report: SampledSnapshot,
    /// The digest of the sampled tree: what the lanes' outputs depend on.
    pub digest: String,
    /// The sampled tree (the directory [`modified`] checks).
    pub root: PathBuf,
    /// Its digest as checked before the lanes: the check after them hashes
    /// again only the files whose metadata changed.
    checked: crate::snapshot::Digest,
}

/// The sampled copy of `snapshot` (whose digest is `digest`) under
/// `cache`: reused when an earlier run wrote it and it is intact, else
/// written.
pub fn prepare(
    snapshot: &Path,
    digest: &str,
    spec: &Sample,
    cache: &Path,
) -> Result<Prepared, SnapshotSampleError> {
    let dir = cache.join("samples").join(entry_name(digest, spec));
    let data = dir.join("data");
    let manifest_path = dir.join("manifest.json");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotSampleError::Io { path, source }
    };
    // Checked through the digest the last run left: a sample of
    // gigabytes is not hashed again while its files are as they were.
    if let Ok(text) = fs::read_to_string(&manifest_path)
        && let Ok(m) = serde_json::from_str::<Manifest>(&text)
        && let Ok(d) = crate::snapshot::Remembered::new(cache, &data).digest(&data)
        && d.hex == m.digest
    {
        return Ok(prepared(snapshot, data, true, m, d));
    }
    // Written beside the entry and renamed into place: a run killed half
    // way leaves no entry that looks whole.
    fs::create_dir_all(cache.join("samples")).map_err(io(cache))?;
    let tmp = tempfile::Builder::new()
        .prefix(".partial-")
        .tempdir_in(cache.join("samples"))
        .map_err(io(cache))?;
    let files = write_sample(snapshot, &tmp.path().join("data"), spec)?;
    if !files.iter().any(|f| f.whole.is_none()) {
        return Err(SnapshotSampleError::NoKeyedTable {
            key: spec.key.clone(),
        });
    }
    // Renaming the directory leaves its files' metadata as it is: this
    // digest serves the check after the lanes at the final place.
    let written = crate::snapshot::digest(&tmp.path().join("data"))?;
    let manifest = Manifest {
        digest: written.hex.clone(),
        files,
    };
    let text = serde_json::to_string_pretty(&manifest).expect("a manifest serializes");
    fs::write(tmp.path().join("manifest.json"), text).map_err(io(tmp.path()))?;
    let _ = fs::remove_dir_all(&dir);
    let tmp = tmp.keep();
    fs::rename(&tmp, &dir).map_err(io(&dir))?;
    Ok(prepared(snapshot, data, false, manifest, written))
}

/// Whether the sampled copy still holds what was written (a lane must only
/// read it): the files that changed, or none. A changed copy is removed
/// from the cache, so the next run writes it anew.
pub fn modified(sampled: &Prepared) -> Result<Vec<PathBuf>, SnapshotSampleError> {
    let root = &sampled.root;
    let dir = root.parent().unwrap_or(root);
    let text = fs::read_to_string(dir.join("manifest.json")).unwrap_or_default();
    let expected = serde_json::from_str::<Manifest>(&text)
        .map(|m| m.digest)
        .ok();
    let now = crate::snapshot::digest_since(root, Some(&sampled.checked))?;
    if expected.as_deref() == Some(now.hex.as_str()) {
        return Ok(Vec::new());
    }
    let _ = fs::remove_dir_all(dir);
    Ok(vec![root.clone()])
}

fn prepared(
    snapshot: &Path,
    data: PathBuf,
    cached: bool,
    m: Manifest,
    checked: crate::snapshot::Digest,
) -> Prepared {
    // A snapshot of one file: the lanes get the sampled file.
    let path = match snapshot.file_name() {
        Some(name) if snapshot.is_file() => data.join(name),
        _ => data.clone(),
    };
    Prepared {
        report: report(path, cached, m.files),
        digest: m.digest,
        root: data,
        checked,
    }
}

fn report(path: PathBuf, cached: bool, files: Vec<ManifestFile>) -> SampledSnapshot {
    SampledSnapshot {
        path,
        cached,
        files: files
            .into_iter()
            .map(|f| SampledFile {
                path: f.path,
                rows: f.rows,
                kept: f.kept,
                whole: f.whole,
            })
            .collect(),
    }
}

/// The cache entry's name: the snapshot's digest and everything about the
/// sample that changes which rows are kept.
fn entry_name(digest: &str, spec: &Sample) -> String {
    let skip: Vec<&str> = spec.skip.iter().map(glob::Pattern::as_str).collect();
    // v2: a CSV column of ISO dates is a date column (its key hashed as
    // Spark hashes a DATE), where v1 hashed its text: v1 copies keep
    // another subset and are not reused.
    let text = format!(
        "v2\n{digest}\n{:?}\n{}\n{}\n{:?}\n{:?}",
        spec.key,
        spec.buckets,
        spec.hash.as_str(),
        spec.salt,
        skip
    );
    blake3::hash(text.as_bytes()).to_hex()[..32].to_string()
}

/// Writes the sampled tree of `snapshot` (a directory or one file) at
/// `out`.
fn write_sample(
    snapshot: &Path,
    out: &Path,
    spec: &Sample,
) -> Result<Vec<ManifestFile>, SnapshotSampleError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotSampleError::Io { path, source }
    };
    let mut files = Vec::new();
    let single = snapshot.is_file();
    let walk = walkdir::WalkDir::new(snapshot).sort_by_file_name();
    for entry in walk {
        crate::interrupt::check()?;
        let entry = entry.map_err(|e| SnapshotSampleError::Io {
            path: snapshot.into(),
            source: e.into(),
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = if single {
            PathBuf::from(entry.file_name())
        } else {
            entry
                .path()
                .strip_prefix(snapshot)
                .unwrap_or(entry.path())
                .to_path_buf()
        };
        let target = out.join(&rel);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let rel_text = rel.to_string_lossy().replace('\\', "/");
        let copy_whole = |why: String, files: &mut Vec<ManifestFile>| {
            fs::copy(entry.path(), &target).map_err(io(entry.path()))?;
            files.push(ManifestFile {
                path: rel_text.clone(),
                rows: 0,
                kept: 0,
                whole: Some(why),
            });
            Ok::<_, SnapshotSampleError>(())
        };
        if spec.skip.iter().any(|g| g.matches(&rel_text)) {
            copy_whole("`sample.skip`".into(), &mut files)?;
            continue;
        }
        match Format::from_path(&rel_text) {
            None => {
                copy_whole("not a table file".into(), &mut files)?;
                continue;
            }
            Some(f) if f.is_database() => {
                copy_whole(
                    format!("a {} database, sampled only whole", f.as_str()),
                    &mut files,
                )?;
                continue;
            }
            Some(_) => {}
        }
        let sampled = sample_file(entry.path(), &target, spec).map_err(|e| match e {
            ApplyError::Interrupted(i) => SnapshotSampleError::Interrupted(i),
            e => e.into(),
        })?;
        match sampled {
            Ok(a) => files.push(ManifestFile {
                path: rel_text,
                rows: a.rows as u64,
                kept: a.kept as u64,
                whole: None,
            }),
            Err(missing) if missing.len() == spec.key.len() => copy_whole(
                format!("no column {}", crate::model::ticked(&missing)),
                &mut files,
            )?,
            Err(missing) => {
                return Err(SnapshotSampleError::PartialKey {
                    path: entry.path().to_path_buf(),
                    missing,
                });
            }
        }
    }
    Ok(files)
}
