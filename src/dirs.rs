//! Where swimlane keeps files of its own between runs: the baseline cache,
//! the state (kept logs) and the data (history), each overridable by a
//! variable of its own and following the XDG base directories otherwise.

use std::path::PathBuf;

/// `$own`, else `$xdg/swimlane`, else `~/home_rel`; `None` when none is set.
fn user_dir(own: &str, xdg: &str, home_rel: &str) -> Option<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var(own)
        .or_else(|| var(xdg).map(|d| d.join("swimlane")))
        .or_else(|| var("HOME").map(|h| h.join(home_rel)))
}

/// `$SWIMLANE_CACHE_DIR`, else `$XDG_CACHE_HOME/swimlane`, else
/// `~/.cache/swimlane`.
pub fn cache() -> Option<PathBuf> {
    user_dir("SWIMLANE_CACHE_DIR", "XDG_CACHE_HOME", ".cache/swimlane")
}

/// `$SWIMLANE_STATE_DIR`, else `$XDG_STATE_HOME/swimlane`, else
/// `~/.local/state/swimlane`.
pub fn state() -> Option<PathBuf> {
    user_dir(
        "SWIMLANE_STATE_DIR",
        "XDG_STATE_HOME",
        ".local/state/swimlane",
    )
}

/// `$SWIMLANE_DATA_DIR`, else `$XDG_DATA_HOME/swimlane`, else
/// `~/.local/share/swimlane`: the history store's default home.
pub fn data() -> Option<PathBuf> {
    user_dir(
        "SWIMLANE_DATA_DIR",
        "XDG_DATA_HOME",
        ".local/share/swimlane",
    )
}
