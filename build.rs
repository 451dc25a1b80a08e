//! Puts the commit swimlane is built from into `swimlane --version`
//! (`SWIMLANE_COMMIT`): the short id and the commit date, `-modified` when
//! tracked files differ from it; "unknown commit" outside a git checkout
//! (a crate built from its package).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    for path in ["src", "Cargo.toml", ".git/HEAD", ".git/refs", ".git/index"] {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = match (
        git(&["rev-parse", "--short=10", "HEAD"]),
        git(&["log", "-1", "--format=%cs"]),
    ) {
        (Some(id), Some(date)) if !id.is_empty() => {
            let modified = git(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            format!("{id}{} {date}", if modified { "-modified" } else { "" })
        }
        _ => "unknown commit".to_string(),
    };
    println!("cargo:rustc-env=SWIMLANE_COMMIT={commit}");
}
