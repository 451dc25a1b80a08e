//! Progress while the lanes run and while tables are compared, on stderr.

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

/// Progress while tables are compared, on stderr: a live line (table,
/// step, elapsed) on a terminal; in CI logs and pipes a timestamped line
/// per table and at most one line of its steps every few seconds; nothing
/// with `-q`. Shown from [`CompareProgress::start`] until dropped.
pub struct CompareProgress {
    bar: Option<ProgressBar>,
}

impl CompareProgress {
    pub fn start(detail: Detail) -> CompareProgress {
        use crate::progress::{self, Step};
        use std::sync::Mutex;
        if detail == Detail::Quiet {
            return CompareProgress { bar: None };
        }
        let live = io::stderr().is_terminal() && std::env::var_os("CI").is_none();
        let started = Instant::now();
        let state = Mutex::new((String::new(), Instant::now()));
        if live {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} [{elapsed}]")
                    .expect("valid template"),
            );
            let shown = bar.clone();
            progress::install(move |s| {
                let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                match s {
                    Step::Table { name, index, total } => {
                        st.0 = format!("comparing {name} ({index} of {total})");
                        shown.enable_steady_tick(std::time::Duration::from_millis(120));
                        shown.set_message(st.0.clone());
                    }
                    Step::Within(what) => shown.set_message(format!("{}: {what}", st.0)),
                    Step::Columns { done, total } => {
                        shown.set_message(format!("{}: {done} of {total} columns", st.0));
                    }
                }
            });
            return CompareProgress { bar: Some(bar) };
        }
        progress::install(move |s| {
            let at = started.elapsed().as_secs_f64();
            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
            match s {
                Step::Table { name, index, total } => {
                    st.0 = name.clone();
                    st.1 = Instant::now();
                    eprintln!("[{at:>6.1}s] comparing {name} ({index} of {total})");
                }
                step if st.1.elapsed().as_secs() >= 5 => {
                    st.1 = Instant::now();
                    let what = match step {
                        Step::Columns { done, total } => format!("{done} of {total} columns"),
                        Step::Within(what) => what,
                        Step::Table { .. } => unreachable!("matched above"),
                    };
                    eprintln!("[{at:>6.1}s] {}: {what}", st.0);
                }
                _ => {}
            }
        });
        CompareProgress { bar: None }
    }
}

impl Drop for CompareProgress {
    fn drop(&mut self) {
        crate::progress::uninstall();
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
