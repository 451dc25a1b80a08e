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

#[cfg(test)]
mod tests {
    use super::*;

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
