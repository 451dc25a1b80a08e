//! The audit language's syntax: one boolean expression over a table's or
//! column's metrics and their history, as written in `[[audit]] check =
//! "..."`. Parsing happens when the config is read, so a malformed check is
//! a config error at its line and column; `history::audit` evaluates.
//!
//! ```text
//! row_count >= 0.9 * at(row_count, "-7d")
//! null_fraction <= 0.01
//! p99 between 0.8 * median(p99, last(10)) and 1.25 * median(p99, last(10))
//! drift(at("-7d")) < 0.05
//! ```
//!
//! Numbers, `+ - * /`, comparisons (`< <= > >= == !=`), `X between A and
//! B`, `and`, `or`, `not`, parentheses. A bare name is a metric of the
//! point judged (`row_count`, `null_fraction`, ...; `column.metric` and
//! `table.column.metric` name other series). History: `at(metric, "-7d")`,
//! `avg|median|min|max|stddev(metric, last(k) | same_weekday(k))`,
//! `pct_change(metric, "-7d")`, `drift(at("-7d"))`. Freshness:
//! `hours_behind(max)`, the hours from a date or time column's metric to
//! the point's as-of time (`hours_behind(max) <= 36`).

use std::fmt;
use std::ops::Range;

/// The metrics a profile records, by name (`model::profile` fills them).
pub const METRICS: [&str; 13] = [
    "row_count",
    "duplicate_keys",
    "null_count",
    "null_fraction",
    "distinct",
    "min",
    "max",
    "mean",
    "std",
    "p01",
    "p50",
    "p99",
    "empty_fraction",
];

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(f64),
    Text(String),
    Metric(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    And,
    Or,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::And => "and",
            Op::Or => "or",
        }
    }
}

/// A malformed expression: where (byte range in the expression) and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub at: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

const AGGREGATES: [&str; 5] = ["avg", "median", "min", "max", "stddev"];
const FUNCTIONS: [&str; 11] = [
    "at",
    "last",
    "same_weekday",
    "avg",
    "median",
    "min",
    "max",
    "stddev",
    "pct_change",
    "drift",
    "hours_behind",
];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Sym(&'static str),
}

fn lex(text: &str) -> Result<Vec<(Tok, Range<usize>)>, ParseError> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i] as char;
        let start = i;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit()
            || (c == '.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric() || bytes[i] == b'.' || {
                    // An exponent's sign: 1e-3.
                    (bytes[i] == b'-' || bytes[i] == b'+') && matches!(bytes[i - 1], b'e' | b'E')
                })
            {
                i += 1;
            }
            let s = &text[start..i];
            let n = s.parse().map_err(|_| ParseError {
                at: start..i,
                message: format!("`{s}` is not a number"),
                help: None,
            })?;
            out.push((Tok::Num(n), start..i));
        } else if c.is_ascii_alphabetic() || c == '_' {
            while i < bytes.len()
                && ((bytes[i] as char).is_ascii_alphanumeric()
                    || bytes[i] == b'_'
                    || bytes[i] == b'.')
            {
                i += 1;
            }
            out.push((Tok::Ident(text[start..i].to_string()), start..i));
        } else if c == '"' || c == '\'' {
            i += 1;
            while i < bytes.len() && bytes[i] as char != c {
                i += 1;
            }
            if i == bytes.len() {
                return Err(ParseError {
                    at: start..start + 1,
                    message: "this quote is never closed".into(),
                    help: Some(format!("end the text with {c}")),
                });
            }
            out.push((Tok::Str(text[start + 1..i].to_string()), start..i + 1));
            i += 1;
        } else {
            let two = text.get(i..i + 2).unwrap_or("");
            let sym = match two {
                "<=" => Some("<="),
                ">=" => Some(">="),
                "==" => Some("=="),
                "!=" => Some("!="),
                _ => None,
            };
            if let Some(s) = sym {
                out.push((Tok::Sym(s), i..i + 2));
                i += 2;
                continue;
            }
            let sym = match c {
                '<' => "<",
                '>' => ">",
                '+' => "+",
                '-' => "-",
                '*' => "*",
                '/' => "/",
                '(' => "(",
                ')' => ")",
                ',' => ",",
                _ => {
                    return Err(ParseError {
                        at: i..i + c.len_utf8(),
                        message: format!("unexpected `{c}`"),
                        help: Some(if c == '=' {
                            "compare with `==`".into()
                        } else {
                            "an audit is arithmetic, comparisons, `between`, `and`/`or` and history functions".into()
                        }),
                    });
                }
            };
            out.push((Tok::Sym(sym), i..i + 1));
            i += 1;
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn span(&self) -> Range<usize> {
        self.toks
            .get(self.pos)
            .map_or(self.end..self.end + 1, |t| t.1.clone())
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(i)) if i == w)
    }

    fn sym(&self, s: &str) -> bool {
        matches!(self.peek(), Some(Tok::Sym(x)) if *x == s)
    }

    fn expect(&mut self, s: &'static str) -> Result<(), ParseError> {
        if self.sym(s) {
            self.pos += 1;
            Ok(())
        } else {
            Err(ParseError {
                at: self.span(),
                message: format!("expected `{s}` here"),
                help: None,
            })
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.and()?;
        while self.word("or") {
            self.pos += 1;
            e = Expr::Binary(Op::Or, Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.not()?;
        while self.word("and") {
            self.pos += 1;
            e = Expr::Binary(Op::And, Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, ParseError> {
        if self.word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.not()?)));
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let left = self.sum()?;
        if self.word("between") {
            self.pos += 1;
            let low = self.sum()?;
            if !self.word("and") {
                return Err(ParseError {
                    at: self.span(),
                    message: "`between` needs `and` and an upper bound".into(),
                    help: Some("write `X between LOW and HIGH`".into()),
                });
            }
            self.pos += 1;
            let high = self.sum()?;
            return Ok(Expr::Between(Box::new(left), Box::new(low), Box::new(high)));
        }
        let op = match self.peek() {
            Some(Tok::Sym("<")) => Op::Lt,
            Some(Tok::Sym("<=")) => Op::Le,
            Some(Tok::Sym(">")) => Op::Gt,
            Some(Tok::Sym(">=")) => Op::Ge,
            Some(Tok::Sym("==")) => Op::Eq,
            Some(Tok::Sym("!=")) => Op::Ne,
            _ => return Ok(left),
        };
        self.pos += 1;
        Ok(Expr::Binary(op, Box::new(left), Box::new(self.sum()?)))
    }

    fn sum(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.term()?;
        loop {
            let op = if self.sym("+") {
                Op::Add
            } else if self.sym("-") {
                Op::Sub
            } else {
                return Ok(e);
            };
            self.pos += 1;
            e = Expr::Binary(op, Box::new(e), Box::new(self.term()?));
        }
    }

    fn term(&mut self) -> Result<Expr, ParseError> {
        let mut e = self.unary()?;
        loop {
            let op = if self.sym("*") {
                Op::Mul
            } else if self.sym("/") {
                Op::Div
            } else {
                return Ok(e);
            };
            self.pos += 1;
            e = Expr::Binary(op, Box::new(e), Box::new(self.unary()?));
        }
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        if self.sym("-") {
            self.pos += 1;
            return Ok(Expr::Neg(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let span = self.span();
        let Some((tok, _)) = self.toks.get(self.pos).cloned() else {
            return Err(ParseError {
                at: span,
                message: "the expression ends too early".into(),
                help: Some("finish it with a value: a number, a metric or a function".into()),
            });
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Number(n)),
            Tok::Str(s) => Ok(Expr::Text(s)),
            Tok::Sym("(") => {
                let e = self.or()?;
                self.expect(")")?;
                Ok(e)
            }
            Tok::Ident(name) if self.sym("(") => {
                if !FUNCTIONS.contains(&name.as_str()) {
                    let hint = if METRICS.contains(&name.as_str()) {
                        format!(
                            "`{name}` is a metric; over earlier points use an aggregate, e.g. avg({name}, last(10)); functions: "
                        )
                    } else {
                        "functions: ".into()
                    };
                    return Err(ParseError {
                        at: span,
                        message: format!("unknown function `{name}`"),
                        help: Some(hint + &FUNCTIONS.join(", ")),
                    });
                }
                self.pos += 1;
                let mut args = Vec::new();
                if !self.sym(")") {
                    loop {
                        args.push(self.or()?);
                        if self.sym(",") {
                            self.pos += 1;
                        } else {
                            break;
                        }
                    }
                }
                self.expect(")")?;
                check_call(&name, &args).map_err(|message| ParseError {
                    at: span,
                    message,
                    help: Some(usage(&name).into()),
                })?;
                Ok(Expr::Call(name, args))
            }
            Tok::Ident(name) => {
                let metric = name.rsplit('.').next().unwrap_or(&name);
                if ["and", "or", "not", "between"].contains(&name.as_str()) {
                    return Err(ParseError {
                        at: span,
                        message: format!("`{name}` needs a value before it"),
                        help: None,
                    });
                }
                if !METRICS.contains(&metric) {
                    return Err(ParseError {
                        at: span,
                        message: format!("unknown metric `{metric}`"),
                        help: Some(
                            match crate::suggest::meant(metric, METRICS.iter().copied()) {
                                Some(meant) => format!(
                                    "did you mean `{meant}`? metrics: {}",
                                    METRICS.join(", ")
                                ),
                                None => format!("metrics: {}", METRICS.join(", ")),
                            },
                        ),
                    });
                }
                Ok(Expr::Metric(name))
            }
            Tok::Sym(s) => Err(ParseError {
                at: span,
                message: format!("expected a value, found `{s}`"),
                help: None,
            }),
        }
    }
}

fn usage(name: &str) -> &'static str {
    match name {
        "at" => "at(metric, \"-7d\"), or at(\"-7d\") inside drift()",
        "last" => "last(k): the k points before, inside an aggregate",
        "same_weekday" => {
            "same_weekday(k): the k points before on the same weekday, inside an aggregate"
        }
        "pct_change" => "pct_change(metric, \"-7d\")",
        "drift" => "drift(at(\"-7d\")): the KS distance to that point's sketch",
        "hours_behind" => {
            "hours_behind(metric): hours from a date or time column's metric (max, say) to the point's as-of time"
        }
        _ => "avg|median|min|max|stddev(metric, last(k) or same_weekday(k))",
    }
}

fn is_offset(e: &Expr) -> bool {
    matches!(e, Expr::Text(t) if parse_offset(t).is_some())
}

fn is_metric(e: &Expr) -> bool {
    matches!(e, Expr::Metric(_))
}

fn is_selector(e: &Expr) -> bool {
    matches!(e, Expr::Call(n, a) if (n == "last" || n == "same_weekday") && a.len() == 1 && matches!(a[0], Expr::Number(k) if k >= 1.0 && k.fract() == 0.0))
}

/// The shapes each function takes, checked when the config is read.
fn check_call(name: &str, args: &[Expr]) -> Result<(), String> {
    let ok = match name {
        "at" => match args {
            [m, o] => is_metric(m) && is_offset(o),
            // A point, not a value: only drift() takes it (see `parse`).
            [o] => is_offset(o),
            _ => false,
        },
        "last" | "same_weekday" => is_selector(&Expr::Call(name.into(), args.to_vec())),
        "pct_change" => matches!(args, [m, o] if is_metric(m) && is_offset(o)),
        "hours_behind" => matches!(args, [m] if is_metric(m)),
        "drift" => {
            matches!(args, [Expr::Call(n, a)] if n == "at" && matches!(a.as_slice(), [o] if is_offset(o)))
        }
        _ if AGGREGATES.contains(&name) => matches!(args, [m, s] if is_metric(m) && is_selector(s)),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}(...)` is not written as it takes"))
    }
}

/// `-7d`, `-36h`, `-2w`: microseconds back (positive).
pub fn parse_offset(text: &str) -> Option<i64> {
    let rest = text.strip_prefix('-')?;
    let (n, unit) = rest.split_at(rest.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| *n > 0)?;
    let hour = 3_600_000_000i64;
    Some(
        n * match unit {
            "h" => hour,
            "d" => 24 * hour,
            "w" => 7 * 24 * hour,
            _ => return None,
        },
    )
}

/// Parses one audit expression.
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        pos: 0,
        end: text.len(),
    };
    if p.toks.is_empty() {
        return Err(ParseError {
            at: 0..1,
            message: "the check is empty".into(),
            help: Some("write a condition, e.g. `null_fraction <= 0.01`".into()),
        });
    }
    let e = p.or()?;
    if let Some(bad) = point_outside_drift(&e, false) {
        return Err(ParseError {
            at: text.find(&bad).map_or(0..1, |i| i..i + bad.len()),
            message: format!("`{bad}` is a point of history, not a value"),
            help: Some("compare a metric then: at(metric, \"-7d\"); or its distribution: drift(at(\"-7d\"))".into()),
        });
    }
    if p.pos < p.toks.len() {
        return Err(ParseError {
            at: p.span(),
            message: "unexpected text after the expression".into(),
            help: Some("join conditions with `and` or `or`".into()),
        });
    }
    Ok(e)
}

/// A one-argument `at(...)` anywhere but directly in `drift(...)`, written
/// back.
fn point_outside_drift(e: &Expr, in_drift: bool) -> Option<String> {
    match e {
        Expr::Call(n, a) if n == "at" && a.len() == 1 && !in_drift => Some(Shown(e).to_string()),
        Expr::Call(n, a) => a.iter().find_map(|x| point_outside_drift(x, n == "drift")),
        Expr::Neg(a) | Expr::Not(a) => point_outside_drift(a, false),
        Expr::Binary(_, a, b) => {
            point_outside_drift(a, false).or_else(|| point_outside_drift(b, false))
        }
        Expr::Between(a, b, c) => point_outside_drift(a, false)
            .or_else(|| point_outside_drift(b, false))
            .or_else(|| point_outside_drift(c, false)),
        Expr::Number(_) | Expr::Text(_) | Expr::Metric(_) => None,
    }
}

/// The metrics an expression names (bare names: resolved in its scope).
pub fn metrics(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Metric(m) => out.push(m.clone()),
        Expr::Neg(a) | Expr::Not(a) => metrics(a, out),
        Expr::Binary(_, a, b) => {
            metrics(a, out);
            metrics(b, out);
        }
        Expr::Between(a, b, c) => {
            metrics(a, out);
            metrics(b, out);
            metrics(c, out);
        }
        Expr::Call(n, args) => {
            if n == "drift" {
                out.push("sketch".into());
            }
            for a in args {
                metrics(a, out);
            }
        }
        Expr::Number(_) | Expr::Text(_) => {}
    }
}

/// An expression written back (for evidence lines).
pub struct Shown<'a>(pub &'a Expr);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Expr::Number(n) => write!(f, "{n}"),
            Expr::Text(t) => write!(f, "\"{t}\""),
            Expr::Metric(m) => write!(f, "{m}"),
            Expr::Neg(a) => write!(f, "-{}", Shown(a)),
            Expr::Not(a) => write!(f, "not {}", Shown(a)),
            Expr::Binary(op, a, b) => write!(f, "{} {} {}", Shown(a), op.symbol(), Shown(b)),
            Expr::Between(a, b, c) => {
                write!(f, "{} between {} and {}", Shown(a), Shown(b), Shown(c))
            }
            Expr::Call(n, args) => {
                write!(f, "{n}(")?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{}", Shown(a))?;
                }
                write!(f, ")")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_expressions_say_where_and_why() {
        let cases: [(&str, &str, usize); 8] = [
            ("row_count >= ", "ends too early", 13),
            ("null_fraction = 0.01", "unexpected `=`", 14),
            ("nul_fraction <= 0.01", "unknown metric `nul_fraction`", 0),
            ("p99 between 1", "`between` needs `and`", 13),
            ("avg(p99) > 1", "`avg(...)` is not written as it takes", 0),
            ("at(row_count, \"-7x\") > 1", "`at(...)` is not written", 0),
            ("row_count > 1 2", "unexpected text after", 14),
            ("foo(row_count) > 1", "unknown function `foo`", 0),
        ];
        for (text, message, at) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(message), "{text}: {e:?}");
            assert_eq!(e.at.start, at, "{text}: {e:?}");
        }
        let e = parse("nul_fraction <= 0.01").unwrap_err();
        assert!(e.help.unwrap().contains("null_fraction"));
        let e = parse("p99 > at(\"-7d\")").unwrap_err();
        assert!(
            e.message.contains("is a point of history, not a value"),
            "{e:?}"
        );
        assert_eq!(e.at.start, 6);
        assert!(parse("drift(at(\"-7d\")) < 0.1").is_ok());
    }
}
