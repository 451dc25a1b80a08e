//! The release binaries' install path: `install.sh` and the action's
//! `install-or-build.sh` against a local directory of release assets
//! (file://), as `.github/workflows/release.yml` lays them out: a verified
//! install, a checksum mismatch that installs nothing and builds nothing,
//! and the source build when no release matches.

use crate::support::output_text as text;
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn target() -> String {
    let arch = Command::new("uname").arg("-m").output().unwrap();
    let arch = String::from_utf8(arch.stdout)
        .unwrap()
        .trim()
        .replace("arm64", "aarch64");
    format!("{arch}-unknown-linux-gnu")
}

/// A release directory holding `swimlane-<target>.tar.gz` (a stand-in
/// binary and a man page) and its `.sha256`, as the release workflow
/// uploads them.
fn release(dir: &Path) {
    let stage = dir.join("stage");
    fs::create_dir_all(stage.join("man")).unwrap();
    fs::write(
        stage.join("swimlane"),
        "#!/bin/sh\necho 'swimlane 9.9.9 (release)'\n",
    )
    .unwrap();
    fs::write(stage.join("man/swimlane.1"), ".TH SWIMLANE 1\n").unwrap();
    let rel = dir.join("rel");
    fs::create_dir_all(&rel).unwrap();
    let archive = format!("swimlane-{}", target());
    let ok = Command::new("tar")
        .args([
            "-czf",
            &format!("../rel/{archive}.tar.gz"),
            "swimlane",
            "man",
        ])
        .current_dir(&stage)
        .status()
        .unwrap();
    assert!(ok.success());
    let sum = Command::new("sha256sum")
        .arg(format!("{archive}.tar.gz"))
        .current_dir(&rel)
        .output()
        .unwrap();
    fs::write(rel.join(format!("{archive}.sha256")), sum.stdout).unwrap();
}

fn install_or_build(dir: &Path, action_ref: &str) -> Output {
    Command::new("bash")
        .arg(format!(
            "{ROOT}/.github/actions/swimlane/install-or-build.sh"
        ))
        .env("ROOT", ROOT)
        .env("ACTION_REF", action_ref)
        .env(
            "RELEASE_URL",
            format!("file://{}", dir.join("rel").display()),
        )
        .env("BIN_DIR", dir.join("bin"))
        .env(
            "BUILD",
            format!("echo built > '{}'", dir.join("built").display()),
        )
        .output()
        .unwrap()
}

#[test]
fn the_action_installs_the_verified_release_binary_of_its_ref() {
    let d = tempfile::tempdir().unwrap();
    release(d.path());
    let o = install_or_build(d.path(), "v1.2.3");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("installed swimlane 9.9.9 (release)"),
        "{}",
        text(&o)
    );
    assert!(d.path().join("bin/swimlane").exists());
    assert!(d.path().join("share/man/man1/swimlane.1").exists());
    assert!(
        !d.path().join("built").exists(),
        "no source build when a release matches"
    );
}

#[test]
fn a_checksum_mismatch_installs_nothing_and_builds_nothing() {
    let d = tempfile::tempdir().unwrap();
    release(d.path());
    // The archive changed after its checksum was published.
    let archive = d.path().join(format!("rel/swimlane-{}.tar.gz", target()));
    let mut bytes = fs::read(&archive).unwrap();
    bytes.extend_from_slice(b"tampered");
    fs::write(&archive, bytes).unwrap();
    let o = install_or_build(d.path(), "v1.2.3");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("checksum mismatch") && text(&o).contains("nothing was installed"),
        "{}",
        text(&o)
    );
    assert!(!d.path().join("bin/swimlane").exists());
    assert!(!d.path().join("built").exists());
}

#[test]
fn without_a_matching_release_the_action_builds_from_source_and_says_why() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir_all(d.path().join("rel")).unwrap();
    let o = install_or_build(d.path(), "v1.2.3");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("release v1.2.3 has no binary for this runner: building from source"),
        "{}",
        text(&o)
    );
    assert!(d.path().join("built").exists());
    // A branch, not a version: no download tried.
    let d = tempfile::tempdir().unwrap();
    let o = install_or_build(d.path(), "main");
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("no release matches the action's ref 'main'"),
        "{}",
        text(&o)
    );
    assert!(d.path().join("built").exists());
}
