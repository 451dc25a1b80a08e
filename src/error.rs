//! How an error reaches the user: its chain of causes, and the `help:`
//! lines that say what to do next.
//!
//! Every error type of the crate that can name a next step has a typed
//! `help()`; [`help_of`] finds it for any error in a cause chain. Errors of
//! other crates have none, with one exception: a reading error carried
//! through polars (a column read from disk mid-comparison) arrives as text,
//! whose `help:` line is split off here.

use std::error::Error;

/// What to do about `e`, when its type can say.
pub fn help_of(e: &(dyn Error + 'static)) -> Option<String> {
    macro_rules! typed {
        ($($t:ty),* $(,)?) => {
            $(if let Some(x) = e.downcast_ref::<$t>() {
                return x.help();
            })*
        };
    }
    typed!(
        crate::git::GitError,
        crate::snapshot::SnapshotError,
        crate::load::LoadError,
        crate::csv_file::CsvError,
        crate::diff::DiffError,
        crate::run::RunError,
        crate::compare::CompareError,
    );
    #[cfg(feature = "spark")]
    typed!(crate::spark::SparkError);
    None
}

/// An error's messages from the outermost to the root cause, and the
/// `help:` lines of each, separated.
pub fn causes(e: &(dyn Error + 'static)) -> (Vec<String>, Vec<String>) {
    let (mut messages, mut helps) = (Vec::new(), Vec::new());
    let mut next: Option<&(dyn Error + 'static)> = Some(e);
    while let Some(err) = next {
        let message = err.to_string();
        // Text that carries its own help (see the module's doc).
        match message.split_once("\nhelp: ") {
            Some((head, help)) => {
                messages.push(head.to_string());
                helps.push(help.to_string());
            }
            None => messages.push(message),
        }
        helps.extend(help_of(err));
        next = err.source();
    }
    (messages, helps)
}

/// An error and its causes on one line, `outer: inner: innermost`, then
/// its `help:` lines: how a table's error is recorded in the report.
pub fn chain(e: &(dyn Error + 'static)) -> String {
    let (messages, helps) = causes(e);
    let mut text = messages.join(": ");
    for help in helps {
        text.push_str("\nhelp: ");
        text.push_str(&help);
    }
    text
}
