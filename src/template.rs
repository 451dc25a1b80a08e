//! A stage's `run` command: `{placeholder}`s checked when the config is
//! read and substituted, shell-quoted, when the lane runs it.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Placeholders a stage's `run` may use; each is substituted shell-quoted.
pub const PLACEHOLDERS: [&str; 6] = [
    "snapshot",
    "out",
    "lane",
    "rev",
    "database_url",
    "database_name",
];

/// Checks `{name}` placeholders in a `run` command. `${...}` belongs to the
/// shell and `{{`/`}}` are literal braces; any other `{ident}` must be known.
/// Returns the byte offset and message of the first problem.
pub fn check_placeholders(run: &str) -> Result<(), (usize, String)> {
    for token in scan(run) {
        if let Token::Placeholder { name, offset } = token
            && !PLACEHOLDERS.contains(&name)
        {
            return Err((offset, format!("unknown placeholder `{{{name}}}` in `run`")));
        }
    }
    Ok(())
}

/// Substitutes placeholders in `run`; `lookup` gives each known name's value,
/// which is inserted shell-quoted. Values are bytes (paths need not be
/// UTF-8), and so is the command.
pub fn render_command(run: &str, lookup: impl Fn(&str) -> OsString) -> OsString {
    let mut out: Vec<u8> = Vec::with_capacity(run.len());
    for token in scan(run) {
        match token {
            Token::Text(t) => out.extend_from_slice(t.as_bytes()),
            Token::Placeholder { name, .. } => {
                out.extend_from_slice(&shell_quote(lookup(name).as_bytes()))
            }
        }
    }
    OsString::from_vec(out)
}

enum Token<'a> {
    Text(&'a str),
    Placeholder { name: &'a str, offset: usize },
}

fn scan(run: &str) -> Vec<Token<'_>> {
    let bytes = run.as_bytes();
    let mut tokens = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' | b'}' if bytes.get(i + 1) == Some(&bytes[i]) => {
                tokens.push(Token::Text(&run[start..=i]));
                i += 2;
                start = i;
            }
            b'{' if i == 0 || bytes[i - 1] != b'$' => {
                let rest = &run[i + 1..];
                let len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                    .count();
                let is_ident = len > 0 && !rest.as_bytes()[0].is_ascii_digit();
                if is_ident && rest.as_bytes().get(len) == Some(&b'}') {
                    tokens.push(Token::Text(&run[start..i]));
                    tokens.push(Token::Placeholder {
                        name: &rest[..len],
                        offset: i,
                    });
                    i += len + 2;
                    start = i;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    tokens.push(Token::Text(&run[start..]));
    tokens
}

/// Quotes `value` for `sh` when it holds anything but safe characters.
pub fn shell_quote(value: &[u8]) -> Vec<u8> {
    let safe = !value.is_empty()
        && value
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+:,=@%".contains(b));
    if safe {
        return value.to_vec();
    }
    let mut out = vec![b'\''];
    for &b in value {
        if b == b'\'' {
            out.extend_from_slice(br"'\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
    out
}

#[cfg(test)]
mod tests {
    use std::ffi::OsString;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};

    use super::*;

    #[test]
    fn shell_braces_are_not_placeholders() {
        assert!(check_placeholders("echo ${HOME} {{x}} && awk '{print $1}'").is_ok());
        let rendered = render_command("cp {snapshot}/a {out} # ${X} {{lit}}", |n| match n {
            "snapshot" => "/tmp/my facts".into(),
            _ => "/o".into(),
        });
        assert_eq!(rendered, "cp '/tmp/my facts'/a /o # ${X} {lit}");
        // Paths that are not UTF-8 pass through byte for byte, quoted.
        let odd = OsString::from_vec(b"/tmp/caf\xe9 it's".to_vec());
        let rendered = render_command("ls {out}", |_| odd.clone());
        assert_eq!(rendered.as_bytes(), b"ls '/tmp/caf\xe9 it'\\''s'");
    }
}
