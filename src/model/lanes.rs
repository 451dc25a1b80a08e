//! What the lanes did, as the reports show it: each lane's stages, how
//! each ended, and where its logs are. Filled by `lane` and `run`, read by
//! the renderers.

use std::path::PathBuf;

/// Which side of the comparison a lane is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Base,
    Head,
    /// A second run of the base (`--calibrate`), to see what differs
    /// between two runs of the same code.
    Calibration,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Head => "head",
            Side::Calibration => "calibration",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageStatus {
    Ok,
    Failed,
    Timeout,
    Interrupted,
    /// Not run because an earlier stage of the lane did not succeed.
    Skipped,
    /// Not run: the lane's outputs came from the baseline cache.
    Cached,
}

impl StageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            StageStatus::Ok => "ok",
            StageStatus::Failed => "failed",
            StageStatus::Timeout => "timeout",
            StageStatus::Interrupted => "interrupted",
            StageStatus::Skipped => "skipped",
            StageStatus::Cached => "cached",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageRun {
    pub name: String,
    pub status: StageStatus,
    pub exit_code: Option<i32>,
    /// The signal that ended the stage's shell, if one did.
    pub signal: Option<i32>,
    pub seconds: f64,
    pub stdout_log: PathBuf,
    pub stderr_log: PathBuf,
    /// Last lines of stderr (or stdout when stderr is empty) on failure.
    pub tail: Vec<String>,
}

impl StageRun {
    /// How the stage ended, in words: `exit code 3`, `timed out`...
    pub fn describe(&self) -> String {
        let stage = self;
        match stage.status {
            StageStatus::Timeout => "timed out".to_string(),
            StageStatus::Interrupted => "interrupted".to_string(),
            _ => match (stage.exit_code, stage.signal) {
                (_, Some(sig)) => format!("killed by signal {sig}"),
                // A shell reports a child killed by signal N as exit 128 + N.
                (Some(code), _) if (129..=128 + 64).contains(&code) => {
                    format!(
                        "exit code {code}: a process was killed by signal {}",
                        code - 128
                    )
                }
                (Some(code), _) => format!("exit code {code}"),
                _ => stage.status.as_str().to_string(),
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct LaneRun {
    pub side: Side,
    pub stages: Vec<StageRun>,
    pub seconds: f64,
}

impl LaneRun {
    /// The first stage that did not succeed, if any.
    pub fn failure(&self) -> Option<&StageRun> {
        self.stages.iter().find(|s| {
            !matches!(
                s.status,
                StageStatus::Ok | StageStatus::Skipped | StageStatus::Cached
            )
        })
    }
}
