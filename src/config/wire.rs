//! The wire structs: exactly what a config file may contain
//! (`deny_unknown_fields`, no `flatten`), with spans on every value a later
//! check may complain about.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{CompareMode, Engine, Format, SampleHash, StringOptions, TestKind, Tolerance};
use crate::stats::anomaly::{Direction, Method};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireConfig {
    pub(super) snapshot: Option<Spanned<WireSnapshot>>,
    pub(super) lanes: Option<WireLanes>,
    #[serde(rename = "stage")]
    pub(super) stages: Option<Vec<Spanned<WireStage>>>,
    #[serde(rename = "table")]
    pub(super) tables: Option<Vec<Spanned<WireTable>>>,
    pub(super) engine: Option<Engine>,
    pub(super) spark: Option<WireSpark>,
    pub(super) history: Option<WireHistory>,
    #[serde(rename = "audit")]
    pub(super) audits: Option<Vec<WireAudit>>,
    pub(super) sample: Option<Spanned<WireSample>>,
    pub(super) database: Option<WireDatabase>,
}

/// `[database]`: where the lanes' databases come from.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireDatabase {
    pub(super) postgres: Option<Spanned<String>>,
}

/// `[sample]`: consistent key-hash sampling.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireSample {
    pub(super) key: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) rate: Option<Spanned<f64>>,
    pub(super) buckets: Option<Spanned<i64>>,
    pub(super) hash: Option<SampleHash>,
    pub(super) salt: Option<Spanned<String>>,
    pub(super) apply: Option<Spanned<Vec<SampleApply>>>,
    pub(super) skip: Option<Vec<Spanned<String>>>,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum SampleApply {
    Snapshot,
    Outputs,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireAudit {
    pub(super) name: Option<String>,
    pub(super) table: Option<String>,
    pub(super) column: Option<String>,
    pub(super) check: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireHistory {
    pub(super) store: Option<Spanned<String>>,
    pub(super) sigma: Option<Spanned<f64>>,
    pub(super) window: Option<Spanned<i64>>,
    pub(super) min_history: Option<Spanned<i64>>,
    pub(super) direction: Option<Direction>,
    pub(super) method: Option<Method>,
    /// Change points: searched in the last `changepoint_last` points, with
    /// windows of `changepoint_window`, kept below `changepoint_pvalue`.
    pub(super) changepoint_last: Option<Spanned<i64>>,
    pub(super) changepoint_window: Option<Spanned<i64>>,
    pub(super) changepoint_pvalue: Option<Spanned<f64>>,
    /// `false`: no change point search (an override can turn it on again).
    pub(super) changepoints: Option<bool>,
    /// Whether a head metric outside main's recorded band fails a run.
    pub(super) history_gate: Option<super::HistoryGate>,
    /// How long points are kept: `400d`, `52w`, `720h`.
    pub(super) retain: Option<Spanned<String>>,
    #[serde(rename = "override")]
    pub(super) overrides: Option<Vec<WireOverride>>,
}

/// `[[history.override]]`: anomaly settings, and whether change points are
/// searched, for the series a glob matches.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireOverride {
    pub(super) series: Spanned<String>,
    pub(super) sigma: Option<Spanned<f64>>,
    pub(super) window: Option<Spanned<i64>>,
    pub(super) min_history: Option<Spanned<i64>>,
    pub(super) direction: Option<Direction>,
    pub(super) method: Option<Method>,
    pub(super) changepoints: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireSpark {
    pub(super) remote: Spanned<String>,
    pub(super) outputs: Option<Spanned<String>>,
    pub(super) outputs_on_cluster: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireSnapshot {
    pub(super) path: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireLanes {
    pub(super) base: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireStage {
    pub(super) name: Spanned<String>,
    pub(super) run: Spanned<String>,
    pub(super) timeout_secs: Option<Spanned<f64>>,
}

/// A `[[table]]`, in `swimlane.toml` (with `path`) or in a `swimlane
/// compare --spec` file (with `base` and `head`): every other setting is
/// the same in both, resolved by [`resolve_table`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WireTable {
    pub(crate) name: Spanned<String>,
    pub(crate) path: Option<Spanned<String>>,
    pub(crate) base: Option<Spanned<String>>,
    pub(crate) head: Option<Spanned<String>>,
    pub(super) format: Option<Format>,
    pub(super) delimiter: Option<Spanned<String>>,
    /// In a database file: the table's name, or a query.
    pub(super) table: Option<Spanned<String>>,
    pub(super) query: Option<Spanned<String>>,
    pub(super) key: Option<Spanned<Vec<Spanned<String>>>>,
    pub(super) compare: Option<CompareMode>,
    pub(super) ignore: Option<Vec<Spanned<String>>>,
    pub(super) alpha: Option<Spanned<f64>>,
    pub(super) min_effect: Option<Spanned<f64>>,
    pub(super) precision: Option<Spanned<i64>>,
    pub(super) max_null_shift: Option<Spanned<f64>>,
    pub(super) min_paired_effect: Option<Spanned<f64>>,
    pub(super) max_changed_fraction: Option<Spanned<f64>>,
    pub(super) columns: Option<Spanned<BTreeMap<String, Spanned<WireColumn>>>>,
    pub(super) tolerance: Option<BTreeMap<String, Spanned<Tolerance>>>,
    pub(super) strings: Option<Spanned<StringOptions>>,
    pub(super) engine: Option<Engine>,
}

impl WireTable {
    /// Whether the table sets its format, and its delimiter: then they hold
    /// for both sides of a spec, whatever the files' names say.
    pub(crate) fn sets_format_and_delimiter(&self) -> (bool, bool) {
        (self.format.is_some(), self.delimiter.is_some())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireColumn {
    pub(super) test: Option<TestKind>,
    pub(super) alpha: Option<Spanned<f64>>,
    pub(super) min_effect: Option<Spanned<f64>>,
}
