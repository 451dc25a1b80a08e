//! Files swimlane writes whole or not at all: written under a temporary
//! name beside their place, then renamed over it (reports, sampled copies).

use std::io;
use std::path::Path;

/// The directory `path` is in (`.` for a bare file name).
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A temporary file beside `path`, named `{prefix}…{suffix}`, readable by
/// others once renamed (CI artifacts, a lane's inputs): not tempfile's
/// 0600. Dropped unpersisted, it is removed.
pub fn beside(path: &Path, prefix: &str, suffix: &str) -> io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(prefix)
        .suffix(suffix)
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644))
        .tempfile_in(dir_of(path))
}
