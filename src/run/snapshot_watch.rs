//! Watching the snapshot while the lanes run: it is digested again as each
//! lane finishes, so a modification names the lanes that could have made it.

use std::path::Path;
use std::sync::Mutex;

use crate::model::Side;
use crate::snapshot::{self, SnapshotError};

/// Re-digests the snapshot as each lane finishes, to name the lane(s) that
/// could have modified it.
pub(super) struct SnapshotTracker<'a> {
    path: &'a Path,
    before: &'a snapshot::Digest,
    /// Every lane of the run, in the order they are named in messages.
    lanes: Vec<Side>,
    state: Mutex<TrackerState>,
}

#[derive(Default)]
struct TrackerState {
    finished: Vec<Side>,
    suspects: Option<Vec<Side>>,
    error: Option<SnapshotError>,
    /// The digest taken when the last lane so far finished.
    latest: Option<snapshot::Digest>,
}

impl<'a> SnapshotTracker<'a> {
    pub(super) fn new(path: &'a Path, before: &'a snapshot::Digest, lanes: Vec<Side>) -> Self {
        SnapshotTracker {
            path,
            before,
            lanes,
            state: Mutex::new(TrackerState::default()),
        }
    }

    pub(super) fn lane_finished(&self, side: Side) {
        let mut state = self.state.lock().expect("tracker lock");
        state.finished.push(side);
        if state.suspects.is_some() || state.error.is_some() {
            return;
        }
        match snapshot::digest_since(self.path, Some(self.before)) {
            Ok(d) => {
                if d.hex != self.before.hex {
                    // Lanes still running when the change was seen may have done it.
                    let mut suspects = vec![side];
                    suspects.extend(self.lanes.iter().filter(|l| !state.finished.contains(l)));
                    state.suspects = Some(suspects);
                }
                state.latest = Some(d);
            }
            Err(e) => state.error = Some(e),
        }
    }

    /// The final digest and a description of the suspect lanes.
    pub(super) fn finish(self) -> Result<(snapshot::Digest, String), SnapshotError> {
        let mut state = self.state.into_inner().expect("tracker lock");
        if let Some(e) = state.error {
            return Err(e);
        }
        // The digest taken as the last lane finished is the final one, unless
        // a change was seen earlier (then later lanes skipped theirs).
        let all_done = self.lanes.iter().all(|l| state.finished.contains(l));
        let after = match state.latest.take() {
            Some(d) if all_done && state.suspects.is_none() => d,
            _ => snapshot::digest_since(self.path, Some(self.before))?,
        };
        let suspects = match state.suspects.as_deref() {
            Some([one]) => format!("lane {}", one.as_str()),
            Some(many) => {
                let names: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                format!("lanes {}", names.join(", "))
            }
            None => String::new(),
        };
        Ok((after, suspects))
    }
}
