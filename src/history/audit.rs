//! Evaluating audits: an `[[audit]]` check (parsed by `audit_expr` when
//! the config is read) judged against a store's history, table by table and
//! column by column, at the latest point or a chosen run. Every evaluation
//! records the values it compared, so a result prints its bound, not just
//! pass or fail; too little history is "insufficient", never a failure.

use crate::audit_expr::{Expr, Op, Shown, metrics, parse_offset};
use crate::model::audit::{Bound, CheckResult, CheckStatus};
use crate::model::digits::show_number as show;
use crate::model::profile::Sketch;
use crate::model::scale::Reading;
use crate::stats::numpy;

#[derive(Debug, Clone)]
pub struct Sample {
    pub as_of: i64,
    pub value: f64,
}

/// What an expression is evaluated against: a metric's history up to and
/// including the point judged (its last sample), and sketches.
pub trait Context {
    /// The as-of time of the point judged.
    fn now(&self) -> i64;
    /// The samples of `metric` (bare or dotted) in time order, ending with
    /// the point judged; `None` when the series is not recorded there.
    fn history(&self, metric: &str) -> Option<Vec<Sample>>;
    /// The sketch of the scope's column at the point judged (`None` as
    /// of) or at the latest point at or before `as_of`.
    fn sketch(&self, as_of: Option<i64>) -> Option<Sketch>;
    /// How `metric`'s values read (a date column's quantiles as dates).
    fn reading(&self, _metric: &str) -> Reading {
        Reading::Number
    }
}

/// Why an expression has no answer yet.
#[derive(Debug, Clone, PartialEq)]
pub enum Unknown {
    /// Not enough history for `at`, `last`, ...: never a failure.
    Insufficient(String),
    /// A metric the scope does not record.
    Missing(String),
}

/// The result of evaluating an audit: its truth and what it compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// `540000 >= 540000 (0.9 * at(row_count, "-7d"))`-like lines: the
    /// values each comparison saw.
    pub evidence: Vec<String>,
    /// The bounds the check put on bare metrics (`null_fraction <= 0.01`,
    /// `p99 between A and B`), for plots.
    pub bounds: Vec<RawBound>,
}

/// A bound on a metric as the expression names it.
#[derive(Debug, Clone, PartialEq)]
pub struct RawBound {
    pub metric: String,
    pub upper: bool,
    pub value: f64,
}

/// What an evaluation collects besides its value.
#[derive(Default)]
struct Seen {
    evidence: Vec<String>,
    bounds: Vec<RawBound>,
    /// A value had no meaning (a division by zero): the audit cannot pass,
    /// whatever the comparisons made of it.
    undefined: bool,
}

enum Value {
    Num(f64),
    Bool(bool),
}

/// Evaluates `e` against `ctx`.
pub fn evaluate(e: &Expr, ctx: &dyn Context) -> Result<Verdict, Unknown> {
    let mut seen = Seen::default();
    let passed = match eval(e, ctx, &mut seen)? {
        Value::Bool(b) => b,
        Value::Num(n) => n != 0.0,
    } && !seen.undefined;
    Ok(Verdict {
        passed,
        evidence: seen.evidence,
        bounds: seen.bounds,
    })
}

fn num(e: &Expr, ctx: &dyn Context, ev: &mut Seen) -> Result<f64, Unknown> {
    match eval(e, ctx, ev)? {
        Value::Num(n) => Ok(n),
        Value::Bool(b) => Ok(f64::from(u8::from(b))),
    }
}

fn truth(e: &Expr, ctx: &dyn Context, ev: &mut Seen) -> Result<bool, Unknown> {
    match eval(e, ctx, ev)? {
        Value::Bool(b) => Ok(b),
        Value::Num(n) => Ok(n != 0.0),
    }
}

fn eval(e: &Expr, ctx: &dyn Context, ev: &mut Seen) -> Result<Value, Unknown> {
    Ok(match e {
        Expr::Number(n) => Value::Num(*n),
        Expr::Text(t) => return Err(Unknown::Missing(format!("text `{t}` is not a value"))),
        Expr::Metric(m) => Value::Num(current(ctx, m)?),
        Expr::Neg(a) => Value::Num(-num(a, ctx, ev)?),
        Expr::Not(a) => Value::Bool(!truth(a, ctx, ev)?),
        Expr::Binary(Op::And, a, b) => Value::Bool(truth(a, ctx, ev)? && truth(b, ctx, ev)?),
        Expr::Binary(Op::Or, a, b) => Value::Bool(truth(a, ctx, ev)? || truth(b, ctx, ev)?),
        Expr::Binary(op, a, b) => {
            let (x, y) = (num(a, ctx, ev)?, num(b, ctx, ev)?);
            match op {
                Op::Add => Value::Num(x + y),
                Op::Sub => Value::Num(x - y),
                Op::Mul => Value::Num(x * y),
                Op::Div if y == 0.0 => {
                    ev.undefined(format!("{} / 0 ({}): division by zero", show(x), Shown(e)))
                }
                Op::Div => Value::Num(x / y),
                cmp => {
                    let r = match cmp {
                        Op::Lt => x < y,
                        Op::Le => x <= y,
                        Op::Gt => x > y,
                        Op::Ge => x >= y,
                        Op::Eq => x == y,
                        _ => x != y,
                    };
                    let read = reading(a, ctx).or_else(|| reading(b, ctx));
                    let [sx, sy] = shown_apart(read, [x, y]);
                    ev.evidence
                        .push(format!("{sx} {} {sy} ({})", cmp.symbol(), Shown(b)));
                    // A bare metric on one side: the other side bounds it.
                    let upper = matches!(cmp, Op::Lt | Op::Le);
                    let lower = matches!(cmp, Op::Gt | Op::Ge);
                    if upper || lower {
                        if let Expr::Metric(m) = &**a {
                            ev.bound(m, upper, y);
                        } else if let Expr::Metric(m) = &**b {
                            ev.bound(m, lower, x);
                        }
                    }
                    Value::Bool(r)
                }
            }
        }
        Expr::Between(x, lo, hi) => {
            let (v, l, h) = (num(x, ctx, ev)?, num(lo, ctx, ev)?, num(hi, ctx, ev)?);
            let r = [&**x, &**lo, &**hi].iter().find_map(|e| reading(e, ctx));
            let [sv, sl, sh] = shown_apart(r, [v, l, h]);
            ev.evidence.push(format!("{sv} between [{sl}, {sh}]"));
            if let Expr::Metric(m) = &**x {
                ev.bound(m, false, l);
                ev.bound(m, true, h);
            }
            Value::Bool(l <= v && v <= h)
        }
        Expr::Call(name, args) => Value::Num(call(name, args, ctx, ev)?),
    })
}

/// How the value of `e` reads, when it is a metric's value or a value of
/// its history (`at`, `avg`, `median`, `min`, `max`; `stddev` a spread of
/// them), so that a date column's audits print dates; none for anything
/// else (arithmetic, `pct_change`, `drift`, numbers).
fn reading(e: &Expr, ctx: &dyn Context) -> Option<Reading> {
    let r = match e {
        Expr::Metric(m) => ctx.reading(m),
        Expr::Call(f, args) => match (f.as_str(), args.first()) {
            ("at" | "avg" | "median" | "min" | "max", Some(Expr::Metric(m))) => ctx.reading(m),
            ("stddev", Some(Expr::Metric(m))) => match ctx.reading(m) {
                Reading::At(s) => Reading::Span(s),
                r => r,
            },
            _ => Reading::Number,
        },
        _ => Reading::Number,
    };
    (r != Reading::Number).then_some(r)
}

/// Numbers of one line of evidence, as their reading shows them, each
/// with the digits that tell them apart.
fn shown_apart<const N: usize>(r: Option<Reading>, xs: [f64; N]) -> [String; N] {
    crate::model::digits::show_values_apart(r.unwrap_or_default(), &xs)
        .try_into()
        .expect("one shown number per number")
}

impl Seen {
    /// A value without meaning, and why: NaN, and the audit fails.
    fn undefined(&mut self, why: String) -> Value {
        self.evidence.push(why);
        self.undefined = true;
        Value::Num(f64::NAN)
    }

    fn bound(&mut self, metric: &str, upper: bool, value: f64) {
        self.bounds.push(RawBound {
            metric: metric.to_string(),
            upper,
            value,
        });
    }
}

fn current(ctx: &dyn Context, metric: &str) -> Result<f64, Unknown> {
    let h = ctx
        .history(metric)
        .ok_or_else(|| Unknown::Missing(metric.into()))?;
    Ok(h.last()
        .ok_or_else(|| Unknown::Missing(metric.into()))?
        .value)
}

fn metric_name(e: &Expr) -> &str {
    match e {
        Expr::Metric(m) => m,
        _ => unreachable!("checked when parsed"),
    }
}

fn offset(e: &Expr) -> i64 {
    match e {
        Expr::Text(t) => parse_offset(t).expect("checked when parsed"),
        _ => unreachable!("checked when parsed"),
    }
}

/// The latest sample at least `back` older than the point judged.
fn at_offset(h: &[Sample], back: i64, what: &str) -> Result<f64, Unknown> {
    let now = h.last().map_or(0, |s| s.as_of);
    h.iter()
        .rev()
        .find(|s| s.as_of <= now - back)
        .map(|s| s.value)
        .ok_or_else(|| Unknown::Insufficient(format!("no point of {what} that old yet")))
}

fn call(name: &str, args: &[Expr], ctx: &dyn Context, ev: &mut Seen) -> Result<f64, Unknown> {
    match name {
        "at" => {
            let m = metric_name(&args[0]);
            let h = ctx.history(m).ok_or_else(|| Unknown::Missing(m.into()))?;
            at_offset(&h, offset(&args[1]), m)
        }
        "pct_change" => {
            let m = metric_name(&args[0]);
            let h = ctx.history(m).ok_or_else(|| Unknown::Missing(m.into()))?;
            let then = at_offset(&h, offset(&args[1]), m)?;
            let now = h.last().map_or(f64::NAN, |s| s.value);
            if then == 0.0 {
                ev.undefined(format!(
                    "{}: a change from 0 is undefined",
                    Shown(&Expr::Call(name.to_string(), args.to_vec()))
                ));
                return Ok(f64::NAN);
            }
            Ok(now / then - 1.0)
        }
        "hours_behind" => {
            let m = metric_name(&args[0]);
            let value = current(ctx, m)?;
            let seconds = ctx
                .reading(m)
                .instant()
                .and_then(|s| s.seconds_before(ctx.now(), value))
                .ok_or_else(|| {
                    Unknown::Missing(format!(
                        "{m}` of a date or time column for `{}",
                        Shown(&Expr::Call(name.to_string(), args.to_vec()))
                    ))
                })?;
            Ok(seconds / 3600.0)
        }
        "drift" => {
            let back = match &args[0] {
                Expr::Call(_, a) => offset(&a[0]),
                _ => unreachable!("checked when parsed"),
            };
            let now = ctx
                .sketch(None)
                .ok_or_else(|| Unknown::Missing("sketch".into()))?;
            let when = ctx.now() - back;
            let then = ctx
                .sketch(Some(when))
                .ok_or_else(|| Unknown::Insufficient("no sketch that old yet".into()))?;
            let (d, bound) = now.ks_distance(&then);
            // The distance to a few digits, its bound (1/256 and the like)
            // in full: a bound is not rounded down.
            let [sd] = shown_apart(None, [d]);
            ev.evidence.push(format!("drift {sd} ± {}", show(bound)));
            Ok(d)
        }
        _ => {
            // Aggregates over a selection of the points before this one.
            let m = metric_name(&args[0]);
            let h = ctx.history(m).ok_or_else(|| Unknown::Missing(m.into()))?;
            let (sel, k) = match &args[1] {
                Expr::Call(s, a) => match a[0] {
                    Expr::Number(k) => (s.as_str(), k as usize),
                    _ => unreachable!("checked when parsed"),
                },
                _ => unreachable!("checked when parsed"),
            };
            let (before, now) = h.split_at(h.len().saturating_sub(1));
            let weekday = |t: i64| (t.div_euclid(86_400_000_000) + 4).rem_euclid(7);
            let picked: Vec<f64> = match sel {
                "last" => before.iter().rev().take(k).map(|s| s.value).collect(),
                _ => {
                    let day = now.first().map_or(0, |s| weekday(s.as_of));
                    before
                        .iter()
                        .rev()
                        .filter(|s| weekday(s.as_of) == day)
                        .take(k)
                        .map(|s| s.value)
                        .collect()
                }
            };
            if picked.len() < k {
                return Err(Unknown::Insufficient(format!(
                    "{name}({m}, {sel}({k})) needs {k} earlier points, {} recorded",
                    picked.len()
                )));
            }
            Ok(aggregate(name, &picked))
        }
    }
}

/// An aggregate of the selected points, as numpy computes it (the same
/// arithmetic as the anomaly rule's).
fn aggregate(name: &str, v: &[f64]) -> f64 {
    match name {
        "avg" => numpy::mean(v),
        "min" => v.iter().copied().fold(f64::INFINITY, f64::min),
        "max" => v.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "stddev" if v.len() > 1 => numpy::std(v, numpy::mean(v), 1),
        "stddev" => 0.0,
        _ => numpy::median(v),
    }
}

/// An audit as the config gives it.
pub struct Configured<'a> {
    pub name: &'a str,
    pub table: Option<&'a str>,
    pub column: Option<&'a str>,
    pub expr: &'a Expr,
}

impl Configured<'_> {
    /// Every `[[audit]]` of `config`.
    pub fn all(config: &crate::config::HistoryConfig) -> Vec<Configured<'_>> {
        config
            .audits
            .iter()
            .map(|a| Configured {
                name: &a.name,
                table: a.table.as_deref(),
                column: a.column.as_deref(),
                expr: &a.expr,
            })
            .collect()
    }
}

const TABLE_METRICS: [&str; 2] = ["row_count", "duplicate_keys"];

/// A run's sketch of one column: (as-of, recorded-at, run, points).
type SketchPoint = (i64, i64, String, Vec<f64>);

struct Scope<'a> {
    table: &'a str,
    column: Option<&'a str>,
    series: &'a std::collections::BTreeMap<String, Vec<super::watch::Point>>,
    sketches: &'a [SketchPoint],
    judged: &'a super::watch::Point,
    excluded: &'a std::collections::HashSet<String>,
    readings: &'a std::collections::HashMap<String, Reading>,
}

impl Scope<'_> {
    /// Whether point `p` is history as it stood at the judged point.
    fn visible(&self, as_of: i64, recorded_at: i64, run: &str) -> bool {
        run == self.judged.run
            || ((as_of, recorded_at) <= (self.judged.as_of, self.judged.recorded_at)
                && !self.excluded.contains(run))
    }

    fn series_name(&self, metric: &str) -> Option<String> {
        let parts: Vec<&str> = metric.split('.').collect();
        Some(match parts.as_slice() {
            [m] if TABLE_METRICS.contains(m) => format!("{}.{m}", self.table),
            [m] => format!("{}.{}.{m}", self.table, self.column?),
            [c, m] => format!("{}.{c}.{m}", self.table),
            _ => metric.to_string(),
        })
    }
}

impl Context for Scope<'_> {
    fn now(&self) -> i64 {
        self.judged.as_of
    }

    fn history(&self, metric: &str) -> Option<Vec<Sample>> {
        let points = self.series.get(&self.series_name(metric)?)?;
        let h: Vec<(Sample, &str)> = points
            .iter()
            .filter(|p| self.visible(p.as_of, p.recorded_at, &p.run))
            .map(|p| {
                (
                    Sample {
                        as_of: p.as_of,
                        value: p.value,
                    },
                    p.run.as_str(),
                )
            })
            .collect();
        // The series must hold the judged point itself.
        (h.last()?.1 == self.judged.run).then(|| h.into_iter().map(|x| x.0).collect())
    }

    fn sketch(&self, as_of: Option<i64>) -> Option<Sketch> {
        let pick = |s: &&SketchPoint| match as_of {
            None => s.2 == self.judged.run,
            Some(t) => s.0 <= t && self.visible(s.0, s.1, &s.2),
        };
        self.sketches.iter().rev().find(pick).map(|s| Sketch {
            points: s.3.clone(),
        })
    }

    fn reading(&self, metric: &str) -> Reading {
        self.series_name(metric)
            .and_then(|name| self.readings.get(&name).copied())
            .unwrap_or_default()
    }
}

/// Judges every configured audit on each table (and column) it applies
/// to, at run `at` or at each table's latest point.
pub fn check_all(
    audits: &[Configured<'_>],
    series: &std::collections::BTreeMap<String, Vec<super::watch::Point>>,
    rows: &[super::Row],
    notes: &[super::store::Note],
    readings: &std::collections::HashMap<String, Reading>,
    at: Option<&str>,
) -> Vec<CheckResult> {
    Checks::new(audits, series, rows, notes, readings).at(at)
}

/// A store's history prepared once for checks at many runs (the
/// dashboard evaluates every run).
pub struct Checks<'a> {
    audits: &'a [Configured<'a>],
    series: &'a std::collections::BTreeMap<String, Vec<super::watch::Point>>,
    sketches: std::collections::BTreeMap<(String, String), Vec<SketchPoint>>,
    columns: std::collections::BTreeMap<&'a str, std::collections::BTreeSet<&'a str>>,
    excluded: std::collections::HashSet<String>,
    tables: Vec<&'a str>,
    /// Each series' reading (`history::readings`), for the evidence.
    readings: &'a std::collections::HashMap<String, Reading>,
}

impl<'a> Checks<'a> {
    pub fn new(
        audits: &'a [Configured<'a>],
        series: &'a std::collections::BTreeMap<String, Vec<super::watch::Point>>,
        rows: &'a [super::Row],
        notes: &[super::store::Note],
        readings: &'a std::collections::HashMap<String, Reading>,
    ) -> Checks<'a> {
        use std::collections::BTreeMap;
        let mut sketches: BTreeMap<(String, String), Vec<SketchPoint>> = BTreeMap::new();
        let mut columns: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
        for r in rows {
            if let Some(c) = &r.column {
                columns
                    .entry(r.table.as_str())
                    .or_default()
                    .insert(c.as_str());
                if let Some(p) = &r.points
                    && !audits.is_empty()
                {
                    sketches
                        .entry((r.table.clone(), c.clone()))
                        .or_default()
                        .push((r.as_of, r.recorded_at, r.run.clone(), p.clone()));
                }
            }
        }
        for s in sketches.values_mut() {
            s.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
        }
        let excluded = notes
            .iter()
            .filter_map(|n| match n {
                super::store::Note::Exclude { run, .. } => Some(run.clone()),
                _ => None,
            })
            .collect();
        let tables = series
            .keys()
            .filter_map(|k| k.strip_suffix(".row_count"))
            .filter(|t| !t.contains('.'))
            .collect();
        Checks {
            audits,
            series,
            sketches,
            columns,
            excluded,
            tables,
            readings,
        }
    }

    /// Every audit at run `at`, or at each table's latest point.
    pub fn at(&self, at: Option<&str>) -> Vec<CheckResult> {
        let series = self.series;
        let mut out = Vec::new();
        for audit in self.audits {
            let mut names = Vec::new();
            metrics(audit.expr, &mut names);
            let per_column = names
                .iter()
                .any(|m| !m.contains('.') && !TABLE_METRICS.contains(&m.as_str()));
            for &table in &self.tables {
                if audit.table.is_some_and(|t| t != table) {
                    continue;
                }
                // The judged point: the run's, or the table's latest.
                let row_counts = &series[&format!("{table}.row_count")];
                let judged = match at {
                    Some(run) => match row_counts.iter().find(|p| p.run == run) {
                        Some(p) => p,
                        None => continue,
                    },
                    None => match row_counts.last() {
                        Some(p) => p,
                        None => continue,
                    },
                };
                let scopes: Vec<Option<&str>> = if !per_column {
                    vec![None]
                } else if let Some(c) = audit.column {
                    vec![Some(c)]
                } else {
                    self.columns
                        .get(table)
                        .map_or(Vec::new(), |cs| cs.iter().map(|c| Some(*c)).collect())
                };
                let no_sketches = Vec::new();
                for column in scopes {
                    let scope = Scope {
                        table,
                        column,
                        series,
                        sketches: column
                            .and_then(|c| self.sketches.get(&(table.to_string(), c.to_string())))
                            .unwrap_or(&no_sketches),
                        judged,
                        excluded: &self.excluded,
                        readings: self.readings,
                    };
                    let (status, evidence, reason, raw) = match evaluate(audit.expr, &scope) {
                        Ok(v) if v.passed => (CheckStatus::Pass, v.evidence, None, v.bounds),
                        Ok(v) => (CheckStatus::Fail, v.evidence, None, v.bounds),
                        Err(Unknown::Insufficient(why)) => {
                            (CheckStatus::Insufficient, Vec::new(), Some(why), Vec::new())
                        }
                        Err(Unknown::Missing(m)) => (
                            CheckStatus::Missing,
                            Vec::new(),
                            Some(format!("no `{m}` recorded at this run")),
                            Vec::new(),
                        ),
                    };
                    // A check of column metrics spread over every column skips
                    // the columns it does not fit (p99 of a text column); one
                    // aimed at its table and column reports what it lacks.
                    let aimed = audit.table.is_some() && audit.column.is_some();
                    if status == CheckStatus::Missing && per_column && !aimed {
                        continue;
                    }
                    let bounds = raw
                        .into_iter()
                        .filter_map(|b| {
                            Some(Bound {
                                series: scope.series_name(&b.metric)?,
                                upper: b.upper,
                                value: b.value,
                            })
                        })
                        .collect();
                    out.push(CheckResult {
                        name: audit.name.to_string(),
                        scope: match column {
                            Some(c) => format!("{table}.{c}"),
                            None => table.to_string(),
                        },
                        run: judged.run.clone(),
                        status,
                        evidence,
                        reason,
                        bounds,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit_expr::parse;

    struct Fixed(Vec<(&'static str, Vec<Sample>)>);

    impl Context for Fixed {
        fn now(&self) -> i64 {
            self.0[0].1.last().map_or(0, |s| s.as_of)
        }
        fn history(&self, metric: &str) -> Option<Vec<Sample>> {
            self.0
                .iter()
                .find(|(m, _)| *m == metric)
                .map(|(_, h)| h.clone())
        }
        fn sketch(&self, _: Option<i64>) -> Option<Sketch> {
            None
        }
    }

    const DAY: i64 = 86_400_000_000;

    /// A date column's `max`, `std` and `null_fraction`.
    struct Dates(Fixed);

    impl Context for Dates {
        fn now(&self) -> i64 {
            self.0.now()
        }
        fn history(&self, metric: &str) -> Option<Vec<Sample>> {
            self.0.history(metric)
        }
        fn sketch(&self, at: Option<i64>) -> Option<Sketch> {
            self.0.sketch(at)
        }
        fn reading(&self, metric: &str) -> Reading {
            Reading::of(metric, Some("date"))
        }
    }

    /// Regression: a date column's audits printed days since 1970.
    #[test]
    fn a_date_columns_audits_print_dates_and_spans() {
        let ctx = Dates(Fixed(vec![
            ("max", daily(&[20_485.0, 20_486.0, 20_454.0])),
            ("std", daily(&[5.0, 5.0, 6.0])),
            ("null_fraction", daily(&[0.0, 0.0, 0.25])),
        ]));
        let check = |text: &str| evaluate(&parse(text).unwrap(), &ctx).unwrap();
        let v = check(r#"max >= at(max, "-1d")"#);
        assert!(!v.passed);
        assert_eq!(v.evidence, [r#"2026-01-01 >= 2026-02-02 (at(max, "-1d"))"#]);
        let v = check("std between 0.5 * stddev(max, last(2)) and 10");
        // Half the spread of the last two maxima (a day apart): 0.354 days.
        assert_eq!(v.evidence, ["6 days between [8.485 h, 10 days]"]);
        // A fraction of a date column, and a change in percent, stay numbers.
        let v = check(r#"null_fraction <= 0.1 and pct_change(max, "-1d") > -0.5"#);
        assert_eq!(v.evidence, ["0.25 <= 0.1 (0.1)"]);
        let v = check(r#"pct_change(max, "-1d") > -0.5"#);
        assert!(
            v.passed && v.evidence[0].starts_with("-0.0015"),
            "{:?}",
            v.evidence
        );
    }

    #[test]
    fn hours_behind_measures_a_time_columns_freshness_against_the_as_of_time() {
        // Judged as of day 20,486 at 00:00: the newest date is the day
        // before (24 hours behind), then three days before.
        let as_of = |day: f64| Sample {
            as_of: 20_486 * DAY,
            value: day,
        };
        let dates = |day| Dates(Fixed(vec![("max", vec![as_of(day)])]));
        let check = "hours_behind(max) <= 36";
        let v = evaluate(&parse(check).unwrap(), &dates(20_485.0)).unwrap();
        assert!(v.passed);
        assert_eq!(v.evidence, ["24 <= 36 (36)"]);
        let v = evaluate(&parse(check).unwrap(), &dates(20_483.0)).unwrap();
        assert!(!v.passed);
        assert_eq!(v.evidence, ["72 <= 36 (36)"]);
        // A number column has no time to be behind: not recorded, never a
        // pass (an audit spread over every column passes it over).
        let numbers = Fixed(vec![("max", vec![as_of(20_485.0)])]);
        assert_eq!(
            evaluate(&parse(check).unwrap(), &numbers),
            Err(Unknown::Missing(
                "max` of a date or time column for `hours_behind(max)".into()
            ))
        );
        let e = parse("hours_behind(max, 3) < 1").unwrap_err();
        assert!(e.message.contains("not written as it takes"), "{e:?}");
    }

    fn daily(values: &[f64]) -> Vec<Sample> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Sample {
                as_of: i as i64 * DAY,
                value,
            })
            .collect()
    }

    #[test]
    fn the_issues_examples_parse_and_evaluate_with_their_bounds() {
        let rows: Vec<f64> = (0..10).map(|i| if i < 9 { 600.0 } else { 500.0 }).collect();
        let ctx = Fixed(vec![
            ("row_count", daily(&rows)),
            ("null_fraction", daily(&[0.002])),
        ]);
        let e = parse("row_count >= 0.9 * at(row_count, \"-7d\")").unwrap();
        let v = evaluate(&e, &ctx).unwrap();
        assert!(!v.passed);
        assert_eq!(v.evidence, ["500 >= 540 (0.9 * at(row_count, \"-7d\"))"]);
        let v = evaluate(&parse("null_fraction <= 0.01").unwrap(), &ctx).unwrap();
        assert!(v.passed);
        let e = parse("row_count between 0.8 * median(row_count, last(5)) and 1.25 * median(row_count, last(5))").unwrap();
        let v = evaluate(&e, &ctx).unwrap();
        assert!(v.passed, "{v:?}");
        assert_eq!(v.evidence, ["500 between [480, 750]"]);
        let e = parse("pct_change(row_count, \"-1d\") > -0.1 or not (row_count < 100)").unwrap();
        assert!(evaluate(&e, &ctx).unwrap().passed);
    }

    #[test]
    fn too_little_history_is_insufficient_not_a_failure() {
        let ctx = Fixed(vec![("row_count", daily(&[600.0, 610.0]))]);
        let e = parse("row_count >= 0.9 * at(row_count, \"-7d\")").unwrap();
        assert!(matches!(evaluate(&e, &ctx), Err(Unknown::Insufficient(_))));
        let e = parse("row_count < avg(row_count, last(5))").unwrap();
        assert!(
            matches!(evaluate(&e, &ctx), Err(Unknown::Insufficient(m)) if m.contains("1 recorded"))
        );
    }

    #[test]
    fn a_division_by_zero_fails_the_audit_and_says_so() {
        let ctx = Fixed(vec![
            ("row_count", daily(&[0.0, 0.0])),
            ("null_count", daily(&[0.0, 0.0])),
        ]);
        for (audit, why) in [
            (
                "null_count / row_count <= 0.01",
                "0 / 0 (null_count / row_count): division by zero",
            ),
            (
                "row_count / at(row_count, \"-1d\") >= 0.5",
                "0 / 0 (row_count / at(row_count, \"-1d\")): division by zero",
            ),
            // NaN compares false, so `not` alone would have passed it.
            (
                "not (pct_change(row_count, \"-1d\") < -0.5)",
                "pct_change(row_count, \"-1d\"): a change from 0 is undefined",
            ),
        ] {
            let v = evaluate(&parse(audit).unwrap(), &ctx).unwrap();
            assert!(!v.passed, "{audit}: {v:?}");
            assert!(v.evidence.iter().any(|e| e == why), "{audit}: {v:?}");
        }
        let ctx = Fixed(vec![("row_count", daily(&[5.0, 10.0]))]);
        let e = parse("row_count / at(row_count, \"-1d\") >= 0.5").unwrap();
        assert!(evaluate(&e, &ctx).unwrap().passed);
    }

    #[test]
    fn same_weekday_takes_the_weeks_before() {
        // Fridays (day 1 is a Friday: 1970-01-02) at 100, other days 10.
        let values: Vec<f64> = (0..23)
            .map(|d| if d % 7 == 1 { 100.0 } else { 10.0 })
            .collect();
        let ctx = Fixed(vec![("row_count", daily(&values))]);
        let e = parse("avg(row_count, same_weekday(3)) == 100").unwrap();
        assert!(evaluate(&e, &ctx).unwrap().passed);
    }
}
