//! The logs of failed stages, kept after their lane is removed.
//!
//! A lane's logs live in its temporary directory, which the run removes
//! (unless `--keep-lanes`). The log of a stage that failed or timed out is
//! what the user reads next, so it is copied to the state directory
//! (`crate::dirs::state`) under `logs/`, and the report points there.
//! Runs' logs older than [`KEPT_FOR`] are pruned when a run keeps new ones.

use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::model::{LaneRun, StageStatus};

/// How long kept logs stay before a later run prunes them.
pub const KEPT_FOR: Duration = Duration::from_secs(14 * 24 * 3600);

/// Copies the logs of each lane's failed or timed-out stage into a new
/// directory under `root/logs/` and points the lanes' records at the copies.
/// Returns that directory, or `None` when no stage failed.
pub fn keep_failed(root: &Path, lanes: &mut [&mut LaneRun]) -> io::Result<Option<PathBuf>> {
    let failed = |l: &LaneRun| {
        l.stages
            .iter()
            .position(|s| matches!(s.status, StageStatus::Failed | StageStatus::Timeout))
    };
    if lanes.iter().all(|l| failed(l).is_none()) {
        return Ok(None);
    }
    let logs = root.join("logs");
    prune(&logs, KEPT_FOR);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let dir = logs.join(format!(
        "run-{}-{:09}-{}",
        now.as_secs(),
        now.subsec_nanos(),
        std::process::id()
    ));
    for lane in lanes.iter_mut() {
        let Some(i) = failed(lane) else { continue };
        let lane_dir = dir.join(lane.side.as_str());
        std::fs::create_dir_all(&lane_dir)?;
        let stage = &mut lane.stages[i];
        for log in [&mut stage.stdout_log, &mut stage.stderr_log] {
            let Some(name) = log.file_name() else {
                continue;
            };
            let kept = lane_dir.join(name);
            if log.is_file() {
                std::fs::copy(&*log, &kept)?;
                *log = kept;
            }
        }
    }
    Ok(Some(dir))
}

/// Removes the run directories under `logs` last modified before `age` ago.
fn prune(logs: &Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(logs) else {
        return;
    };
    let cutoff = SystemTime::now().checked_sub(age);
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| cutoff.is_some_and(|c| t < c));
        if old && entry.file_name().to_string_lossy().starts_with("run-") {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Side, StageRun};

    fn stage(dir: &Path, name: &str, status: StageStatus) -> StageRun {
        let stdout_log = dir.join(format!("{name}.stdout.log"));
        let stderr_log = dir.join(format!("{name}.stderr.log"));
        std::fs::write(&stdout_log, "out\n").unwrap();
        std::fs::write(&stderr_log, "Traceback\n").unwrap();
        StageRun {
            name: name.into(),
            status,
            exit_code: None,
            signal: None,
            seconds: 1.0,
            stdout_log,
            stderr_log,
            tail: Vec::new(),
        }
    }

    #[test]
    fn failed_stage_logs_outlive_the_lane() {
        let lane_dir = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let mut head = LaneRun {
            side: Side::Head,
            stages: vec![
                stage(lane_dir.path(), "01-etl", StageStatus::Ok),
                stage(lane_dir.path(), "02-features", StageStatus::Timeout),
            ],
            seconds: 1.0,
        };
        let mut base = LaneRun {
            side: Side::Base,
            stages: vec![stage(lane_dir.path(), "01-etl", StageStatus::Ok)],
            seconds: 1.0,
        };
        let kept = keep_failed(state.path(), &mut [&mut base, &mut head])
            .unwrap()
            .unwrap();
        drop(lane_dir);
        let log = &head.stages[1].stderr_log;
        assert!(log.starts_with(&kept), "{}", log.display());
        assert_eq!(std::fs::read_to_string(log).unwrap(), "Traceback\n");
        // Only the failed stage's logs are kept.
        assert!(!head.stages[0].stderr_log.starts_with(&kept));
        assert!(!base.stages[0].stderr_log.starts_with(&kept));
    }

    #[test]
    fn nothing_is_kept_when_every_stage_passed() {
        let lane_dir = tempfile::tempdir().unwrap();
        let state = tempfile::tempdir().unwrap();
        let mut lane = LaneRun {
            side: Side::Head,
            stages: vec![stage(lane_dir.path(), "01-etl", StageStatus::Ok)],
            seconds: 1.0,
        };
        assert!(
            keep_failed(state.path(), &mut [&mut lane])
                .unwrap()
                .is_none()
        );
        assert!(!state.path().join("logs").exists());
    }

    #[test]
    fn old_runs_are_pruned() {
        let state = tempfile::tempdir().unwrap();
        let logs = state.path().join("logs");
        std::fs::create_dir_all(logs.join("run-1-0-1")).unwrap();
        prune(&logs, Duration::from_secs(3600));
        assert!(logs.join("run-1-0-1").exists(), "fresh runs stay");
        prune(&logs, Duration::ZERO);
        assert!(!logs.join("run-1-0-1").exists());
    }
}
