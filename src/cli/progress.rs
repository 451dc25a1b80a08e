//! Progress while the lanes run, on stderr.

use std::io::{self, IsTerminal};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::lane::Observer;
use crate::model::{Side, StageRun, StageStatus};
use crate::report::terminal::Detail;

/// Progress while the lanes run: a live line per lane (current stage,
/// elapsed time) on a terminal; plain lines in CI logs and pipes.
pub struct Progress {
    detail: Detail,
    started: Instant,
    bars: Option<(MultiProgress, [ProgressBar; 2])>,
}

impl Progress {
    pub fn new(detail: Detail) -> Progress {
        let live = detail != Detail::Quiet
            && io::stderr().is_terminal()
            && std::env::var_os("CI").is_none();
        let bars = live.then(|| {
            let multi = MultiProgress::new();
            let style = ProgressStyle::with_template("{spinner} {prefix:<4} {msg} [{elapsed}]")
                .expect("valid template");
            let bar = |side: Side| {
                let b = multi.add(ProgressBar::new_spinner());
                b.set_style(style.clone());
                b.set_prefix(side.as_str());
                b.set_message("checking out");
                b.enable_steady_tick(std::time::Duration::from_millis(120));
                b
            };
            let bars = [bar(Side::Base), bar(Side::Head)];
            (multi, bars)
        });
        Progress {
            detail,
            started: Instant::now(),
            bars,
        }
    }

    fn bar(&self, side: Side) -> Option<&ProgressBar> {
        self.bars.as_ref().and_then(|(_, b)| match side {
            Side::Base => Some(&b[0]),
            Side::Head => Some(&b[1]),
            Side::Calibration => None,
        })
    }
}

impl Observer for Progress {
    fn stage_started(&self, side: Side, stage: &str) {
        if let Some(bar) = self.bar(side) {
            bar.set_message(format!("stage {stage}"));
        } else if self.detail != Detail::Quiet {
            eprintln!(
                "[{:>6.1}s] {:<4} {stage} started",
                self.started.elapsed().as_secs_f64(),
                side.as_str()
            );
        }
    }

    fn stage_finished(&self, side: Side, run: &StageRun) {
        let line = format!("{} {} ({:.1}s)", run.name, run.status.as_str(), run.seconds);
        if let Some(bar) = self.bar(side) {
            if run.status != StageStatus::Ok {
                bar.println(format!("{:<4} {line}", side.as_str()));
            }
            bar.set_message(format!("stage {line}"));
        } else if self.detail != Detail::Quiet {
            eprintln!(
                "[{:>6.1}s] {:<4} {line}",
                self.started.elapsed().as_secs_f64(),
                side.as_str()
            );
        }
    }

    fn lanes_finished(&self) {
        if let Some((multi, bars)) = &self.bars {
            for b in bars {
                b.finish_and_clear();
            }
            let _ = multi.clear();
        }
    }
}
