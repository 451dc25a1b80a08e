//! The baseline cache: the base lane's outputs, content-addressed by what
//! determines them — the base tree, the snapshot digest, the stages'
//! commands, the table definitions and the swimlane version — so a pull
//! request whose base was already run pays only for its head lane.
//!
//! An entry is a directory `<cache>/v1/<key>/` with the lane's `out/` files
//! and a `manifest.json` of their BLAKE3 digests. Entries are written into a
//! temp directory and renamed into place, so a concurrent run never sees a
//! half-written entry; an entry whose files do not match its manifest is
//! reported, removed and rebuilt. The layout is one plain directory tree, so
//! `actions/cache` can save and restore it.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::config::Config;

/// Bump when the entry layout or the key's inputs change meaning.
const LAYOUT: &str = "v1";

#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

/// What a lookup found.
#[derive(Debug)]
pub enum Lookup {
    Hit,
    Miss,
    /// The entry was unreadable or did not match its manifest; it has been
    /// removed. The string says why.
    Corrupt(String),
}

#[derive(Serialize, Deserialize)]
struct Manifest {
    key: String,
    swimlane_version: String,
    files: Vec<FileEntry>,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    path: String,
    bytes: u64,
    blake3: String,
}

impl Cache {
    pub fn new(dir: &Path) -> Cache {
        Cache {
            root: dir.join(LAYOUT),
        }
    }

    /// `$SWIMLANE_CACHE_DIR`, else `$XDG_CACHE_HOME/swimlane`, else
    /// `~/.cache/swimlane`.
    pub fn default_dir() -> Option<PathBuf> {
        crate::dirs::cache()
    }

    /// The key of a base lane's outputs.
    pub fn key(base_tree: &str, snapshot_digest: &str, config: &Config) -> String {
        let mut h = blake3::Hasher::new();
        let mut field = |s: &str| {
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        field(env!("CARGO_PKG_VERSION"));
        field(base_tree);
        field(snapshot_digest);
        for s in &config.stages {
            field(&s.name);
            field(&s.run);
            field(&s.timeout.as_secs_f64().to_string());
        }
        for t in &config.tables {
            field(&t.name);
            field(&t.path);
            field(t.format.as_str());
        }
        h.finalize().to_hex().to_string()
    }

    fn entry(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }

    /// Checks the entry for `key` against its manifest.
    pub fn lookup(&self, key: &str) -> Lookup {
        let entry = self.entry(key);
        let manifest = entry.join("manifest.json");
        if !manifest.exists() {
            return if entry.exists() {
                self.discard(key, "it has no manifest".into())
            } else {
                Lookup::Miss
            };
        }
        match verify(&entry, key) {
            Ok(()) => Lookup::Hit,
            Err(why) => self.discard(key, why),
        }
    }

    fn discard(&self, key: &str, why: String) -> Lookup {
        // Rename first: no reader sees a half-removed entry.
        let stale = self
            .root
            .join(format!(".stale-{key}-{}", std::process::id()));
        if fs::rename(self.entry(key), &stale).is_ok() {
            let _ = fs::remove_dir_all(&stale);
        }
        Lookup::Corrupt(why)
    }

    /// Copies the entry's files into `out`.
    pub fn restore(&self, key: &str, out: &Path) -> io::Result<()> {
        copy_tree(&self.entry(key).join("out"), out)
    }

    /// Stores `out` as the entry for `key` (write, then rename).
    pub fn store(&self, key: &str, out: &Path) -> io::Result<()> {
        fs::create_dir_all(&self.root)?;
        self.sweep_abandoned();
        let tmp = tempfile::Builder::new()
            .prefix(".tmp-")
            .tempdir_in(&self.root)?;
        copy_tree(out, &tmp.path().join("out"))?;
        let mut files = Vec::new();
        for (rel, full) in list_files(&tmp.path().join("out"))? {
            files.push(FileEntry {
                bytes: fs::metadata(&full)?.len(),
                blake3: hash_file(&full)?,
                path: rel,
            });
        }
        let manifest = Manifest {
            key: key.to_string(),
            swimlane_version: env!("CARGO_PKG_VERSION").to_string(),
            files,
        };
        fs::write(
            tmp.path().join("manifest.json"),
            serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?,
        )?;
        let tmp = tmp.keep();
        match fs::rename(&tmp, self.entry(key)) {
            Ok(()) => Ok(()),
            Err(_) if self.entry(key).join("manifest.json").exists() => {
                // Another run stored the same entry first: keep theirs.
                let _ = fs::remove_dir_all(&tmp);
                Ok(())
            }
            Err(e) => {
                let _ = fs::remove_dir_all(&tmp);
                Err(e)
            }
        }
    }

    /// Removes temp directories left by runs that were killed mid-store.
    fn sweep_abandoned(&self) {
        let Ok(entries) = fs::read_dir(&self.root) else {
            return;
        };
        let old = SystemTime::now() - Duration::from_secs(3600);
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let abandoned = (name.starts_with(".tmp-") || name.starts_with(".stale-"))
                && e.metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| t < old);
            if abandoned {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

fn verify(entry: &Path, key: &str) -> Result<(), String> {
    let text = fs::read(entry.join("manifest.json"))
        .map_err(|e| format!("its manifest cannot be read: {e}"))?;
    let manifest: Manifest =
        serde_json::from_slice(&text).map_err(|e| format!("its manifest is not valid: {e}"))?;
    if manifest.key != key {
        return Err("its manifest belongs to another key".into());
    }
    let out = entry.join("out");
    let listed: Vec<String> = list_files(&out)
        .map_err(|e| format!("its files cannot be listed: {e}"))?
        .into_iter()
        .map(|(rel, _)| rel)
        .collect();
    let mut expected: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    expected.sort_unstable();
    if listed != expected {
        return Err("its files differ from its manifest".into());
    }
    for f in &manifest.files {
        let path = out.join(&f.path);
        let digest = hash_file(&path).map_err(|e| format!("`{}` cannot be read: {e}", f.path))?;
        if digest != f.blake3 {
            return Err(format!("`{}` does not match its digest", f.path));
        }
    }
    Ok(())
}

fn hash_file(path: &Path) -> io::Result<String> {
    let mut h = blake3::Hasher::new();
    h.update_mmap(path)?;
    Ok(h.finalize().to_hex().to_string())
}

/// Files under `dir` (relative paths, sorted) with their full paths.
fn list_files(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            files.push((
                rel.to_string_lossy().into_owned(),
                entry.path().to_path_buf(),
            ));
        }
    }
    Ok(files)
}

fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for (rel, full) in list_files(from)? {
        let dest = to.join(&rel);
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(&full, &dest)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_then_hit_then_corruption_is_detected_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("parts")).unwrap();
        fs::write(out.join("t.csv"), "id\n1\n").unwrap();
        fs::write(out.join("parts/p0.csv"), "id\n2\n").unwrap();
        assert!(matches!(cache.lookup("k"), Lookup::Miss));
        cache.store("k", &out).unwrap();
        assert!(matches!(cache.lookup("k"), Lookup::Hit));

        let restored = dir.path().join("restored");
        cache.restore("k", &restored).unwrap();
        assert_eq!(
            fs::read_to_string(restored.join("parts/p0.csv")).unwrap(),
            "id\n2\n"
        );

        // Truncate a cached file: the entry is reported and removed.
        fs::write(cache.entry("k").join("out/t.csv"), "id\n").unwrap();
        match cache.lookup("k") {
            Lookup::Corrupt(why) => assert!(why.contains("t.csv"), "{why}"),
            other => panic!("expected a corrupt entry, got {other:?}"),
        }
        assert!(!cache.entry("k").exists());
        assert!(matches!(cache.lookup("k"), Lookup::Miss));
    }

    #[test]
    fn an_entry_without_manifest_is_partial() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        fs::create_dir_all(cache.entry("k").join("out")).unwrap();
        assert!(matches!(cache.lookup("k"), Lookup::Corrupt(_)));
    }

    #[test]
    fn a_second_store_of_the_same_key_keeps_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let out = dir.path().join("out");
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("t.csv"), "a").unwrap();
        cache.store("k", &out).unwrap();
        cache.store("k", &out).unwrap();
        assert!(matches!(cache.lookup("k"), Lookup::Hit));
        let leftovers: Vec<_> = fs::read_dir(&cache.root)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .collect();
        assert!(leftovers.is_empty(), "temp dirs left in the cache");
    }
}
