//! What was sampled, and what the sample says of the full tables: the run's
//! key-hash sample (`[sample]`, `--sample`), each table's rows kept, and
//! full-table counts estimated from the counts seen, with their 95%
//! intervals.

use std::path::PathBuf;

use super::TableReport;
use crate::config::CompareMode;
use crate::stats::sampling::{Estimate, scale_up};

/// The confidence of the estimates' intervals.
pub const LEVEL: f64 = 0.95;

/// The run's sample.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleReport {
    /// Spark's function: `xxhash64` or `hash`.
    pub hash: &'static str,
    /// The columns hashed; empty: each table's own key.
    pub key: Vec<String>,
    pub rate: f64,
    pub salt: Option<String>,
    /// The predicate that keeps the same rows in Spark SQL (with the key
    /// the config names; absent when each table is hashed by its own key).
    pub predicate: Option<String>,
    /// The lanes read a sampled copy of the snapshot.
    pub snapshot: Option<SampledSnapshot>,
    /// Only sampled keys of the outputs were compared.
    pub outputs: bool,
}

/// The sampled copy of the snapshot the lanes read.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledSnapshot {
    pub path: PathBuf,
    /// Reused from an earlier run (same snapshot, same sample).
    pub cached: bool,
    pub files: Vec<SampledFile>,
}

/// One file of the sampled snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SampledFile {
    /// Relative to the snapshot.
    pub path: String,
    /// Rows read and kept; equal when copied whole.
    pub rows: u64,
    pub kept: u64,
    /// Why the file was copied whole rather than sampled (no key column,
    /// `sample.skip`, not a table).
    pub whole: Option<String>,
}

/// How one table's rows were sampled.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSample {
    /// The columns hashed.
    pub key: Vec<String>,
    pub rate: f64,
    pub basis: Basis,
    /// Outputs sampled here: rows read and kept, base then head.
    pub rows: Option<[u64; 2]>,
    pub kept: Option<[u64; 2]>,
    /// Why the table was compared whole although the outputs are sampled.
    pub whole: Option<String>,
}

/// Where the sample was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Both lanes ran on a sampled snapshot: the counts stand for a run on
    /// the whole snapshot.
    Snapshot,
    /// Only sampled keys of the outputs were compared.
    Outputs,
}

/// A count of the full table estimated from the sample.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimated {
    /// What is counted: `changed rows`, `missing rows`, `changed values in
    /// amount`...
    pub what: String,
    pub estimate: Estimate,
}

impl TableSample {
    /// A table's sample by `key` at `rate`, before anything was read.
    pub fn new(key: &[String], rate: f64, basis: Basis) -> TableSample {
        TableSample {
            key: key.to_vec(),
            rate,
            basis,
            rows: None,
            kept: None,
            whole: None,
        }
    }

    /// The table was compared on a sample (not whole).
    pub fn sampled(&self) -> bool {
        self.whole.is_none()
    }
}

impl TableReport {
    /// Full-table counts estimated from this sampled exact table's counts:
    /// rows missing, extra and changed, and each column's changed values.
    /// Empty when the table was not sampled or not compared exactly.
    pub fn estimates(&self) -> Vec<Estimated> {
        let Some(sample) = self.sample.as_ref().filter(|s| s.sampled()) else {
            return Vec::new();
        };
        if self.compare != CompareMode::Exact || self.error.is_some() || sample.rate >= 1.0 {
            return Vec::new();
        }
        let Some(rows) = self.rows else {
            return Vec::new();
        };
        // A run on a sampled snapshot: the table's counts scale up only
        // when each of its rows belongs to one sampled key (it is keyed by
        // the sample's key), not for aggregates over all keys.
        if sample.basis == Basis::Snapshot && !sample.key.iter().all(|k| self.key.contains(k)) {
            return Vec::new();
        }
        let est = |what: String, seen: u64| Estimated {
            what,
            estimate: scale_up(seen, sample.rate, LEVEL),
        };
        let mut out = Vec::new();
        if let Some(changed) = rows.changed {
            out.push(est("changed rows".into(), changed));
        }
        out.push(est("missing rows".into(), rows.missing));
        out.push(est("extra rows".into(), rows.extra));
        for c in self.columns.iter().filter(|c| c.mismatches > 0) {
            out.push(est(format!("changed values in {}", c.name), c.mismatches));
        }
        out
    }
}

/// "≈ 12,400 changed rows (11,900–12,900) in the full table, 124 seen in
/// the 1% sample", or for nothing seen "no changed rows seen in the 1%
/// sample: the full table may hold up to 300".
pub fn describe(e: &Estimated, rate: f64) -> String {
    let pct = rate_percent(rate);
    let Estimate {
        seen,
        total,
        low,
        high,
    } = e.estimate;
    if seen == 0 {
        format!(
            "no {} seen in the {pct} sample: the full table may hold up to {}",
            e.what,
            thousands(high)
        )
    } else {
        format!(
            "≈ {} {} ({}–{}) in the full table, {} seen in the {pct} sample",
            thousands(total.round() as u64),
            e.what,
            thousands(low),
            thousands(high),
            thousands(seen)
        )
    }
}

/// A sampling rate as a percentage: 0.01 → "1%", 0.0025 → "0.25%".
pub fn rate_percent(rate: f64) -> String {
    super::significant(rate * 100.0, 4, 6, 2) + "%"
}

/// 12400 → "12,400".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a sampled comparison at `rate` cannot promise, said wherever it is
/// reported: a defect touching k keys is missed with probability
/// (1 - rate)^k, about e^-3 (5%) at k = 3 / rate.
pub fn caveat(rate: f64) -> String {
    if rate >= 1.0 {
        return "the sample holds every key".into();
    }
    let keys = (3.0 / rate).ceil() as u64;
    format!(
        "a defect touching fewer than about {} keys (3 / rate) may not appear in the sample at all",
        thousands(keys)
    )
}

#[cfg(test)]
mod tests {
    use super::caveat;

    #[test]
    fn the_caveat_gives_the_keys_a_sample_can_miss() {
        // At 10%, 30 keys: 0.9^30 = 4% of such defects missed.
        assert!(caveat(0.1).contains("fewer than about 30 keys (3 / rate)"));
        assert!(caveat(0.001).contains("fewer than about 3,000 keys"));
        // A sample of every key misses nothing (was "about 3 / rate").
        assert_eq!(caveat(1.0), "the sample holds every key");
    }
}
