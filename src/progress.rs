//! What a long comparison is doing, for whoever shows it: the engines say
//! each step (a table started, keys aligned, a column pair compared, a
//! Spark query sent) through [`step`]; the front end installs the one sink
//! that shows them ([`install`]: a live line on a terminal, timestamped
//! lines in CI logs, nothing with `-q`). Without a sink a step costs one
//! atomic load and its message is never built. Imports nothing of the
//! crate, so every layer may call it.

use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// One step of a comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Table `name` started: the `index`-th (from 1) of `total`.
    Table {
        name: String,
        index: usize,
        total: usize,
    },
    /// Within the current table: keys aligned, a column pair done, a query
    /// sent (what it is, in words).
    Within(String),
    /// `done` of `total` column pairs of the current table compared.
    Columns { done: usize, total: usize },
}

type Sink = Box<dyn Fn(Step) + Send + Sync>;

static INSTALLED: AtomicBool = AtomicBool::new(false);
static SINK: RwLock<Option<Sink>> = RwLock::new(None);

/// Shows every later step with `sink` (replacing any earlier one).
pub fn install(sink: impl Fn(Step) + Send + Sync + 'static) {
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = Some(Box::new(sink));
    INSTALLED.store(true, Ordering::Release);
}

/// Stops showing steps.
pub fn uninstall() {
    INSTALLED.store(false, Ordering::Release);
    *SINK.write().unwrap_or_else(|e| e.into_inner()) = None;
}

/// Says a step, built only when someone shows it.
pub fn step(make: impl FnOnce() -> Step) {
    if !INSTALLED.load(Ordering::Acquire) {
        return;
    }
    if let Some(sink) = SINK.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        sink(make());
    }
}
