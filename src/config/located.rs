//! A config error shown at its place: message, `--> file:line:col`, the
//! source line with a caret, and a hint.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// An error pointing at a place in the config file, rendered like a compiler
/// diagnostic: message, `--> file:line:col`, the source line, and a hint.
#[derive(Debug)]
pub struct Located {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub source_line: String,
    pub help: Option<String>,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        writeln!(f, "invalid config: {}", self.message)?;
        writeln!(
            f,
            "{:gutter$}--> {}:{}:{}",
            "",
            self.path.display(),
            self.line,
            self.column
        )?;
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{:gutter$} | {:>col$}", "", "^", col = self.column)?;
        if let Some(help) = &self.help {
            write!(f, "\n{:gutter$} = help: {help}", "")?;
        }
        Ok(())
    }
}

pub(super) fn toml_help(message: &str) -> Option<String> {
    if message.contains("unknown field") {
        let rename = "remove or rename the key; see the config reference in README.md";
        Some(match unknown_field_meant(message) {
            Some(meant) => format!("did you mean `{meant}`? Else {rename}"),
            None => rename.to_string(),
        })
    } else if message.contains("missing field") {
        Some("add the required key".into())
    } else if message.contains("invalid type") {
        Some("check the value's type against the config reference in README.md".into())
    } else {
        None
    }
}

/// The known key an unknown one was meant to be, read off serde's
/// "unknown field `keys`, expected one of `name`, `key`, ..." (or
/// "expected `key`").
fn unknown_field_meant(message: &str) -> Option<&str> {
    let rest = message.split_once("unknown field `")?.1;
    let (field, expected) = rest.split_once('`')?;
    let known = expected.split('`').skip(1).step_by(2);
    crate::suggest::meant(field, known)
}

impl Located {
    /// Locates byte range `span` of `text` (the file at `path`).
    pub fn at(
        text: &str,
        path: &Path,
        span: Range<usize>,
        message: String,
        help: Option<&str>,
    ) -> Located {
        let start = span.start.min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        Located {
            path: path.to_path_buf(),
            line,
            column,
            message,
            source_line: text[line_start..line_end]
                .trim_end_matches('\r')
                .to_string(),
            help: help.map(str::to_string),
        }
    }
}
