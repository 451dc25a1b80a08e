//! History: every recorded profile becomes a point of many series (one per
//! table metric and column metric), kept in a store and watched for
//! anomalies and change points. This module owns the point's shape and the
//! series' names; `store.rs` keeps points (one immutable Parquet segment
//! each); `watch.rs` judges series with `stats::anomaly` and
//! `stats::changepoint`.

pub mod audit;
pub mod dashboard;
pub mod git_ref;
pub mod head_vs_main;
pub mod plot;
pub mod store;
pub mod verdict;
pub mod watch;

use std::collections::HashMap;

use crate::model::profile::{ColumnProfile, Profile};
use crate::model::scale::Reading;

/// One metric of one recorded point, in the store's long format.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub run: String,
    /// When it was recorded, microseconds since the Unix epoch (UTC).
    pub recorded_at: i64,
    /// The time the data describes (`--as-of`; the recording time if not
    /// given), microseconds since the epoch.
    pub as_of: i64,
    pub commit: Option<String>,
    pub label: Option<String>,
    pub table: String,
    pub column: Option<String>,
    pub metric: String,
    pub value: f64,
    /// The quantile sketch's points (metric `sketch` only).
    pub points: Option<Vec<f64>>,
    /// The column's type as profiled (`date`, `datetime[μs]`, `f64`), so
    /// that its dates read as dates; none for a table's own metrics and in
    /// segments recorded before it was kept.
    pub dtype: Option<String>,
}

#[cfg(test)]
impl Row {
    /// A table metric of `plays` for tests: run `run` recorded at
    /// `recorded_at`, as of `as_of`.
    pub(crate) fn example(run: &str, as_of: i64, recorded_at: i64, value: f64) -> Row {
        Row {
            run: run.into(),
            recorded_at,
            as_of,
            commit: None,
            label: None,
            table: "plays".into(),
            column: None,
            metric: "row_count".into(),
            value,
            points: None,
            dtype: None,
        }
    }
}

impl Row {
    /// The series this row belongs to: `table.metric` or
    /// `table.column.metric`.
    pub fn series(&self) -> String {
        series_name(&self.table, self.column.as_deref(), &self.metric)
    }

    /// How its value reads: a date column's quantiles as dates.
    pub fn reading(&self) -> Reading {
        Reading::of(&self.metric, self.dtype.as_deref())
    }
}

/// The tables whose points were recorded under more than one label (no
/// label counting as one), with those labels: their series judge a CI
/// run's outputs and production's as one level.
pub fn mixed_labels(rows: &[Row]) -> Vec<(String, Vec<String>)> {
    let mut labels: std::collections::BTreeMap<&str, std::collections::BTreeSet<Option<&str>>> =
        Default::default();
    for r in rows {
        labels
            .entry(r.table.as_str())
            .or_default()
            .insert(r.label.as_deref());
    }
    labels
        .into_iter()
        .filter(|(_, l)| l.len() > 1)
        .map(|(table, l)| {
            let named = l
                .into_iter()
                .map(|l| l.map_or("no label".to_string(), |l| format!("`{l}`")))
                .collect();
            (table.to_string(), named)
        })
        .collect()
}

/// Each series' reading, from its latest row that names a type.
pub fn readings(rows: &[Row]) -> HashMap<String, Reading> {
    let mut out = HashMap::new();
    let mut latest: HashMap<String, i64> = HashMap::new();
    for r in rows.iter().filter(|r| r.dtype.is_some()) {
        let name = r.series();
        let seen = latest.entry(name.clone()).or_insert(i64::MIN);
        if r.recorded_at >= *seen {
            *seen = r.recorded_at;
            out.insert(name, r.reading());
        }
    }
    out
}

/// A series' value for people, as its reading says.
pub fn show_value(reading: Reading, x: f64) -> String {
    reading.value(x, show_number)
}

pub fn series_name(table: &str, column: Option<&str>, metric: &str) -> String {
    match column {
        Some(c) => format!("{table}.{c}.{metric}"),
        None => format!("{table}.{metric}"),
    }
}

/// Who recorded a point and what it describes.
#[derive(Debug, Clone)]
pub struct Meta {
    pub run: String,
    pub recorded_at: i64,
    pub as_of: i64,
    pub commit: Option<String>,
    pub label: Option<String>,
}

impl Meta {
    /// A new point recorded now, describing `as_of` (now when `None`).
    pub fn now(as_of: Option<i64>, commit: Option<String>, label: Option<String>) -> Meta {
        let now = chrono::Utc::now();
        let recorded_at = now.timestamp_micros();
        // Unique across machines and processes recording at once: the time
        // and a hash of time, process and a counter.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut h = blake3::Hasher::new();
        h.update(&now.timestamp_nanos_opt().unwrap_or(0).to_le_bytes());
        h.update(&std::process::id().to_le_bytes());
        h.update(&n.to_le_bytes());
        let tag = h.finalize().to_hex();
        Meta {
            run: format!("{}-{}", now.format("%Y%m%dT%H%M%SZ"), &tag[..8]),
            recorded_at,
            as_of: as_of.unwrap_or(recorded_at),
            commit,
            label,
        }
    }
}

/// The rows of one recorded point: every metric of every table's profile,
/// and each numeric column's sketch.
pub fn rows(meta: &Meta, tables: &[(&str, &Profile)]) -> Vec<Row> {
    let row = |table: &str, column: Option<&ColumnProfile>, metric: &str, value: f64| Row {
        run: meta.run.clone(),
        recorded_at: meta.recorded_at,
        as_of: meta.as_of,
        commit: meta.commit.clone(),
        label: meta.label.clone(),
        table: table.to_string(),
        column: column.map(|c| c.name.clone()),
        metric: metric.to_string(),
        value,
        points: None,
        dtype: column.map(|c| c.dtype.clone()),
    };
    let mut out = Vec::new();
    for (table, profile) in tables {
        let by_name: HashMap<&str, &ColumnProfile> = profile
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c))
            .collect();
        for m in profile.metrics() {
            let column = m.column.and_then(|name| by_name.get(name).copied());
            out.push(row(table, column, m.name, m.value));
        }
        for c in &profile.columns {
            if let Some(n) = &c.numbers {
                let mut r = row(table, Some(c), "sketch", f64::NAN);
                r.points = Some(n.sketch.points.clone());
                out.push(r);
            }
        }
    }
    out
}

/// Parses `--as-of`: a date (`2026-11-30`, midnight UTC) or an RFC 3339
/// time (`2026-11-30T06:00:00Z`); microseconds since the epoch.
pub fn parse_time(text: &str) -> Result<i64, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp_micros());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
            .and_utc()
            .timestamp_micros());
    }
    Err(format!(
        "`{text}` is not a date or time: write 2026-11-30 or 2026-11-30T06:00:00Z"
    ))
}

/// A time for files: RFC 3339 in UTC, to the microsecond.
pub fn show_time_iso(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
        .unwrap_or_else(|| micros.to_string())
}

/// A time for people: `2026-11-30 06:00` (UTC).
pub fn show_time(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| micros.to_string())
}

/// A number for people: 13 significant digits at most (enough to see a
/// band of 1e-12 around a value), trailing zeros dropped; scientific
/// notation when very small or large.
pub fn show_number(x: f64) -> String {
    crate::model::significant(x, MOST_DIGITS, 12, 4)
}

/// The digits a number is shown with when alone, and at most beside others.
const FEWEST_DIGITS: i32 = 4;
const MOST_DIGITS: i32 = 13;

/// `x` with `digits` significant digits, as [`show_number`] shows it.
fn to_digits(x: f64, digits: i32) -> String {
    crate::model::significant(x, digits, 12, (digits - 1).max(4) as usize)
}

/// The significant digits that numbers read side by side (a value and its
/// bounds, a mean before and after) are shown with: the fewest, from 4,
/// at which each is shown closer to itself than a tenth of its distance to
/// any other, so that `12.52 between [9.873, 15.43]` is not written to 13
/// digits, yet a value a hair outside a tight band still shows outside it,
/// and the band's two ends as far from its middle (up to 13 digits).
fn digits_apart(xs: &[f64]) -> i32 {
    (FEWEST_DIGITS..MOST_DIGITS)
        .find(|&d| {
            apart(xs, |a| {
                to_digits(a, d).parse::<f64>().unwrap_or(f64::INFINITY)
            })
        })
        .unwrap_or(MOST_DIGITS)
}

/// Whether each finite one of `xs`, as `shown`, stays closer to itself
/// than a tenth of its distance to any other.
fn apart(xs: &[f64], shown: impl Fn(f64) -> f64) -> bool {
    let finite: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    finite.iter().all(|&a| {
        let off = (shown(a) - a).abs();
        finite.iter().all(|&b| a == b || off <= 0.1 * (a - b).abs())
    })
}

/// Dates and instants read side by side are shown to the whole second, or
/// the millisecond or microsecond where that is what tells them apart
/// (a band's ends are no truer to the microsecond); `None` for other
/// readings, or when only the values' own precision does.
fn instants_apart(reading: Reading, xs: &[f64]) -> Option<Vec<f64>> {
    let scale = reading.instant()?;
    [1.0, 1e-3, 1e-6].into_iter().find_map(|seconds| {
        let round = |x: f64| scale.rounded(x, seconds);
        apart(xs, round).then(|| xs.iter().map(|&x| round(x)).collect())
    })
}

/// A change of level as `history show` and the audit reports word it:
/// the means before and after with the digits that tell them apart, the
/// relative change, and the p-value. A series judged against its as-of
/// times (`as_of`: the change point's, in the values' units) says how far
/// behind it the values lay before and after.
pub fn show_level_change(
    reading: Reading,
    as_of: Option<f64>,
    (before, after): (f64, f64),
    rel_change: f64,
    p_value: f64,
) -> String {
    let (word, before, after) = match as_of {
        Some(t) => ("behind the as-of time by", t - before, t - after),
        None => ("mean", before, after),
    };
    let digits = digits_apart(&[before, after]);
    let number = |x| to_digits(x, digits);
    let level = |x| match as_of {
        Some(_) => reading.span(x, number),
        None => reading.value(x, number),
    };
    format!(
        "{word} {} -> {} ({}), p = {:.3e}",
        level(before),
        level(after),
        reading.change((before, after), rel_change, number),
        p_value
    )
}

/// How far `value` lies behind the as-of time `as_of` (both in the
/// values' units, as `reading` reads them): `1.5 days`.
pub fn show_behind(reading: Reading, as_of: f64, value: f64) -> String {
    reading.span(as_of - value, show_alone)
}

/// A number shown alone (compared with nothing): the fewest digits.
pub fn show_alone(x: f64) -> String {
    to_digits(x, FEWEST_DIGITS)
}

/// A number as its reading shows it, to twelve significant digits (the
/// digits within which a flat baseline held its value).
pub fn show_held(reading: Reading, x: f64) -> String {
    reading.value(x, |v| to_digits(v, 12))
}

/// Numbers read side by side, as their reading shows them, with the digits
/// [`digits_apart`] finds for them.
pub fn show_values_apart(reading: Reading, xs: &[f64]) -> Vec<String> {
    let digits = digits_apart(xs);
    let rounded = instants_apart(reading, xs);
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let x = rounded.as_ref().map_or(x, |r| r[i]);
            reading.value(x, |v| to_digits(v, digits))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_a_tight_band_and_no_float_noise() {
        assert_eq!(show_number(0.009999999999000002), "0.009999999999");
        assert_eq!(show_number(600.0000000006), "600.0000000006");
        assert_eq!(show_number(0.2), "0.2");
        assert_eq!(show_number(150.0), "150");
        assert_eq!(show_number(1.7643790169011568e-18), "1.7644e-18");
        assert_eq!(show_number(-2.5e13), "-2.5000e13");
    }

    #[test]
    fn instants_side_by_side_are_shown_to_the_second_that_tells_them_apart() {
        use crate::model::scale::{Scale, TimeUnit};
        // Was "2026-11-23 18:00:00 is outside [2026-11-24 15:29:59.850586,
        // 2026-11-24 20:37:35.195384]".
        let micros = Reading::At(Scale::Datetime {
            unit: TimeUnit::Microseconds,
            zoned: false,
        });
        let at = |s: &str| {
            let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
            t.and_utc().timestamp_micros() as f64
        };
        let shown = |times: [&str; 3]| show_values_apart(micros, &times.map(at));
        assert_eq!(
            shown([
                "2026-11-23 18:00:00",
                "2026-11-24 15:29:59.850586",
                "2026-11-24 20:37:35.195384"
            ]),
            [
                "2026-11-23 18:00:00",
                "2026-11-24 15:30:00",
                "2026-11-24 20:37:35"
            ]
        );
        // A value a millisecond outside a tight band still shows outside.
        let tight = [
            "2026-11-24 15:30:00.004",
            "2026-11-24 15:30:00.001",
            "2026-11-24 15:30:00.002",
        ];
        assert_eq!(shown(tight), tight);
        // Dates stay dates.
        assert_eq!(
            show_values_apart(Reading::At(Scale::Date), &[20_000.0, 20_001.5]),
            ["2024-10-04", "2024-10-05 12:00:00"]
        );
    }

    #[test]
    fn numbers_side_by_side_take_the_digits_that_tell_them_apart() {
        // Was "12.51894115387 between [9.873149169653, 15.42679557758]".
        let shown = |xs: &[f64]| show_values_apart(Reading::Number, xs);
        assert_eq!(
            shown(&[12.51894115387, 9.873149169653, 15.42679557758]),
            ["12.52", "9.873", "15.43"]
        );
        // A constant history's tight band still reads as a band, even
        // beside a value far from it.
        assert_eq!(
            shown(&[1000.0, 999.999999999, 1000.000000001]),
            ["1000", "999.999999999", "1000.000000001"]
        );
        assert_eq!(
            shown(&[250.0, 999.999999999, 1000.000000001]),
            ["250", "999.999999999", "1000.000000001"]
        );
        // Just outside a bound shows outside it.
        assert_eq!(shown(&[0.0100001, 0.01]), ["0.0100001", "0.01"]);
        assert_eq!(shown(&[600.0, 540.0]), ["600", "540"]);
        // Equal numbers need not differ; tiny ones in scientific notation.
        assert_eq!(shown(&[2.0, 2.0]), ["2", "2"]);
        assert_eq!(
            shown(&[1.23456e-7, 1.23457e-7]),
            ["1.23456e-7", "1.23457e-7"]
        );
    }

    #[test]
    fn as_of_takes_dates_and_times_and_names_what_it_wants() {
        assert_eq!(parse_time("1970-01-02").unwrap(), 86_400_000_000);
        assert_eq!(parse_time("1970-01-01T00:00:01Z").unwrap(), 1_000_000);
        let e = parse_time("yesterday").unwrap_err();
        assert!(e.contains("2026-11-30"), "{e}");
        assert_eq!(show_time(86_400_000_000), "1970-01-02 00:00");
    }

    /// Regression: production points (`--label prod`) and a CI run's,
    /// recorded into one store under one table name, were judged as one
    /// series without a word.
    #[test]
    fn a_table_recorded_under_two_labels_is_named() {
        let row = |table: &str, label: Option<&str>| Row {
            label: label.map(str::to_string),
            table: table.into(),
            ..Row::example("r", 0, 0, 1.0)
        };
        let rows = [
            row("plays", None),
            row("plays", Some("prod")),
            row("plays", Some("prod")),
            row("users", Some("prod")),
        ];
        assert_eq!(
            mixed_labels(&rows),
            [(
                "plays".to_string(),
                vec!["no label".to_string(), "`prod`".to_string()]
            )]
        );
        assert!(mixed_labels(&rows[1..]).is_empty());
    }

    #[test]
    fn run_ids_differ_within_one_process() {
        let (a, b) = (Meta::now(None, None, None), Meta::now(None, None, None));
        assert_ne!(a.run, b.run);
    }
}
