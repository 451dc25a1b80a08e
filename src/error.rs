//! How an error reaches the user: its chain of causes, and the `help:`
//! lines that say what to do next.
//!
//! Every error type of the crate implements [`Help`]: its typed `help()`
//! names the next step, its own or that of a cause whose type it knows (a
//! wrapper asks what it wraps). Errors of other crates have none, with one
//! exception: a reading error carried through polars (a column read from
//! disk mid-comparison) arrives as text, whose `help:` line is split off
//! here.

use std::error::Error;

/// An error that can say what to do about it.
pub trait Help: Error {
    /// The next step, when there is one.
    fn help(&self) -> Option<String>;
}

/// An error's messages from the outermost to the root cause, and its
/// `help:` lines.
pub fn causes(e: &dyn Help) -> (Vec<String>, Vec<String>) {
    let (mut messages, mut helps) = (Vec::new(), Vec::new());
    helps.extend(e.help());
    let mut next: Option<&dyn Error> = Some(e);
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
        next = err.source();
    }
    (messages, helps)
}

/// An error and its causes on one line, `outer: inner: innermost`, then
/// its `help:` lines: how a table's error is recorded in the report.
pub fn chain(e: &dyn Help) -> String {
    let (messages, helps) = causes(e);
    let mut text = messages.join(": ");
    for help in helps {
        text.push_str("\nhelp: ");
        text.push_str(&help);
    }
    text
}
