//! What a table's comparison found, in words, regressions first: the one
//! list every renderer shows and the verdict follows from.

use super::sample::thousands;
use super::{CalibrationAction, Side, TableReport, TestName, plural};
use crate::config::CompareMode;

/// One thing a comparison found: a regression, or a note worth reporting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub regression: bool,
    pub subject: Subject,
    pub message: String,
}

/// What a finding is about, so renderers can show the matching evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Table,
    Schema,
    Missing,
    Extra,
    Column(String),
    Swap,
    Duplicates,
    Feature(String),
    /// A feature compared key by key.
    Paired(String),
    /// Keys found on one side only of a keyed distribution table.
    UnpairedKeys,
}

impl Finding {
    pub(super) fn regression(subject: Subject, message: String) -> Finding {
        Finding {
            regression: true,
            subject,
            message,
        }
    }
    pub(super) fn note(subject: Subject, message: String) -> Finding {
        Finding {
            regression: false,
            subject,
            message,
        }
    }
}

impl TableReport {
    /// What this table's comparison found, regressions first.
    pub fn findings(&self) -> Vec<Finding> {
        let mut f = Vec::new();
        let mut reg =
            |subject: Subject, message: String| f.push(Finding::regression(subject, message));
        if let Some(why) = &self.head_missing {
            let lost = match self.base_only {
                Some((rows, _)) if rows > 0 => format!(
                    ": {rows} {} of base not validated",
                    plural(rows, "row", "rows")
                ),
                _ => String::new(),
            };
            reg(Subject::Table, format!("{why}{lost}"));
        }
        for c in &self.schema.removed {
            reg(
                Subject::Schema,
                format!("column `{}` ({}) removed in head", c.name, c.dtype),
            );
        }
        let distribution = self.compare == CompareMode::Distribution;
        for c in self.schema.changed.iter().filter(|_| !distribution) {
            let compared = match &c.compared_as {
                Some(t) => format!(" (nothing lost: values compared as {t})"),
                None => String::new(),
            };
            reg(
                Subject::Schema,
                format!(
                    "column `{}` changed type: {} -> {}{compared}",
                    c.column, c.base, c.head
                ),
            );
        }
        for r in &self.renamed {
            reg(
                Subject::Schema,
                format!("column `{}` renamed to `{}`", r.from, r.to),
            );
        }
        if let Some(rows) = &self.rows {
            if rows.missing > 0 {
                reg(
                    Subject::Missing,
                    format!(
                        "{} {} of base missing in head",
                        rows.missing,
                        plural(rows.missing, "row", "rows")
                    ),
                );
            }
            if rows.extra > 0 {
                reg(
                    Subject::Extra,
                    format!(
                        "{} extra {} in head",
                        rows.extra,
                        plural(rows.extra, "row", "rows")
                    ),
                );
            }
        }
        // A swap explains its columns' changes: named before them.
        for cycle in &self.swapped {
            let what = match cycle.columns.as_slice() {
                [a, b] => format!("columns `{a}` and `{b}` swapped values"),
                columns => format!(
                    "columns {} permuted their values (each took the next one's)",
                    columns
                        .iter()
                        .map(|c| format!("`{c}`"))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
            };
            let what = if cycle.held == cycle.rows {
                what
            } else {
                let (held, rows) = (cycle.held, cycle.rows);
                format!(
                    "{what} on {} of the {} {} where they differ ({} also changed otherwise)",
                    thousands(held),
                    thousands(rows),
                    plural(rows, "row", "rows"),
                    thousands(rows - held),
                )
            };
            reg(Subject::Swap, what);
        }
        for c in self.columns.iter().filter(|c| c.mismatches > 0) {
            let n = c.mismatches;
            let what = match c.all_null {
                None => format!("{n} changed {}", plural(n, "value", "values")),
                Some(Side::Head) => format!(
                    "{n} {} became null (head has no value in this column)",
                    plural(n, "value", "values")
                ),
                // Calibration compares two bases: as base against head.
                Some(Side::Base | Side::Calibration) => format!(
                    "{n} {} where base has no value in this column",
                    plural(n, "value appeared", "values appeared")
                ),
            };
            // A renamed column's changed values are counted under its new
            // name; the rename is its own finding.
            let was = match self.renamed.iter().find(|r| r.to == c.name) {
                Some(r) => format!(" (renamed from `{}`)", r.from),
                None => String::new(),
            };
            reg(
                Subject::Column(c.name.clone()),
                format!("column `{}`{was}: {what}", c.name),
            );
        }
        if let Some(d) = &self.duplicates
            && d.new_in_head > 0
        {
            reg(
                Subject::Duplicates,
                format!(
                    "{} {} duplicated in head that {} unique in base",
                    d.new_in_head,
                    plural(d.new_in_head, "key", "keys"),
                    plural(d.new_in_head, "was", "were")
                ),
            );
        }
        for u in self.untested.iter().filter(|u| u.regression) {
            reg(
                Subject::Feature(u.column.clone()),
                format!("column `{}`: {}", u.column, u.reason),
            );
        }
        for feat in &self.features {
            if feat.shifted() {
                let what = match feat.test {
                    TestName::Ks => format!("KS D = {:.4}", feat.effect),
                    _ => format!("total variation {:.4}", feat.effect),
                };
                reg(
                    Subject::Feature(feat.column.clone()),
                    format!(
                        "feature `{}` shifted: {what}, q = {:.3e} (alpha {}, min effect {})",
                        feat.column, feat.p_adjusted, feat.alpha, feat.min_effect
                    ),
                );
            }
            if let Some(p) = feat.paired.as_ref().filter(|p| p.regression()) {
                let why = if p.shifted() {
                    p.test_line().unwrap_or_default()
                } else {
                    format!(
                        "more than max_changed_fraction {} of keys changed",
                        p.max_changed_fraction.unwrap_or(0.0)
                    )
                };
                reg(
                    Subject::Paired(feat.column.clone()),
                    format!("feature `{}`: {}; {why}", feat.column, p.headline()),
                );
            }
            if feat.emptied() {
                let (side, rows, other) = if feat.head.rows == 0 {
                    ("head", &feat.base, "base")
                } else {
                    ("base", &feat.head, "head")
                };
                let values = rows.rows - rows.nulls;
                reg(
                    Subject::Feature(feat.column.clone()),
                    format!(
                        "feature `{}`: {side} has no rows, {other} has {values} {}: nothing to compare",
                        feat.column,
                        plural(values, "value", "values")
                    ),
                );
            }
            if feat.null_shifted() {
                reg(
                    Subject::Feature(feat.column.clone()),
                    format!(
                        "feature `{}`: null fraction {:.4} -> {:.4} (moved more than {})",
                        feat.column,
                        feat.base.null_fraction,
                        feat.head.null_fraction,
                        feat.max_null_shift
                    ),
                );
            }
        }
        let mut notes: Vec<Finding> = Vec::new();
        for c in &self.calibration {
            let message = match c.action {
                CalibrationAction::Excluded => format!(
                    "column `{}` is non-deterministic ({} values differ between two runs of base): excluded from the verdict",
                    c.column, c.mismatches
                ),
                CalibrationAction::Tolerance { observed_rel, rel } => format!(
                    "column `{}` has floating-point noise between two runs of base (relative {observed_rel:.1e}): compared within relative {rel:.1e}",
                    c.column
                ),
            };
            notes.push(Finding::note(Subject::Column(c.column.clone()), message));
        }
        for n in &self.key_notes {
            notes.push(Finding::note(Subject::Table, n.clone()));
        }
        if self.rows.is_some_and(|r| r.base == 0 && r.head == 0) && self.error.is_none() {
            notes.push(Finding::note(
                Subject::Table,
                "both sides have no rows: no value was compared".into(),
            ));
        }
        // Nothing compared but what the verdict cannot see: said, so that
        // a pass is not read as values that agreed.
        let compared = self.error.is_none() && self.head_missing.is_none();
        match self.compare {
            CompareMode::Distribution
                if compared && self.features.is_empty() && self.untested.is_empty() =>
            {
                notes.push(Finding::note(
                    Subject::Table,
                    "no column was tested: every column is a key or ignored".into(),
                ));
            }
            CompareMode::Exact
                if compared
                    && !self.key.is_empty()
                    && self.compared_columns == 0
                    && self.schema.removed.is_empty()
                    && !self
                        .schema
                        .changed
                        .iter()
                        .any(|c| c.compared_as.is_none() && !self.key.contains(&c.column))
                    && self.rows.is_some_and(|r| r.base + r.head > 0) =>
            {
                notes.push(Finding::note(
                    Subject::Table,
                    "no column but the key was compared (every other one is ignored): rows were matched by key only"
                        .into(),
                ));
            }
            _ => {}
        }
        let known = || {
            (self.columns.iter().map(|c| c.name.as_str()))
                .chain(self.features.iter().map(|f| f.column.as_str()))
                .chain(self.key.iter().map(String::as_str))
        };
        for (setting, name) in &self.schema.unknown {
            let hint = if *setting == "ignore" && name.contains(',') {
                " (one column per --ignore: repeat it for several)".to_string()
            } else {
                crate::suggest::meant(name, known())
                    .map_or(String::new(), |m| format!(" (did you mean `{m}`?)"))
            };
            notes.push(Finding::note(
                Subject::Schema,
                format!("{setting} names `{name}`, a column neither side has: it applies to nothing{hint}"),
            ));
        }
        for (column, dtype, applies) in &self.schema.unapplied {
            notes.push(Finding::note(
                Subject::Column(column.clone()),
                format!(
                    "column `{column}`: its tolerance does not apply: the column is compared as {dtype}, and {applies}; its values were compared exactly"
                ),
            ));
        }
        for c in self.schema.changed.iter().filter(|_| distribution) {
            notes.push(Finding::note(
                Subject::Schema,
                format!(
                    "column `{}` changed type: {} -> {}",
                    c.column, c.base, c.head
                ),
            ));
        }
        for u in self.untested.iter().filter(|u| !u.regression) {
            notes.push(Finding::note(
                Subject::Feature(u.column.clone()),
                format!("column `{}` not tested: {}", u.column, u.reason),
            ));
        }
        if let Some(k) = self.paired_keys
            && k.only_base + k.only_head > 0
        {
            notes.push(Finding::note(
                Subject::UnpairedKeys,
                format!(
                    "{} {} only in base, {} only in head: features compared key by key on the {} paired",
                    k.only_base,
                    plural(k.only_base, "key", "keys"),
                    k.only_head,
                    k.paired
                ),
            ));
        }
        for feat in &self.features {
            if let Some(p) = feat
                .paired
                .as_ref()
                .filter(|p| p.changed > 0 && !p.regression())
            {
                notes.push(Finding::note(
                    Subject::Paired(feat.column.clone()),
                    format!("feature `{}`: {}", feat.column, p.headline()),
                ));
            }
        }
        for c in &self.schema.added {
            notes.push(Finding::note(
                Subject::Schema,
                format!("column `{}` ({}) added in head", c.name, c.dtype),
            ));
        }
        if let Some(d) = &self.duplicates
            && d.base.keys > 0
        {
            notes.push(Finding::note(
                Subject::Duplicates,
                format!(
                    "{} duplicated {} in base (paired by occurrence)",
                    d.base.keys,
                    plural(d.base.keys, "key", "keys")
                ),
            ));
        }
        f.extend(notes);
        f
    }
}
