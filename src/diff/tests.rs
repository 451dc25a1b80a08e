//! Tests of the exact comparison.

use std::collections::HashMap;

use polars::prelude::*;
use serde_json::Value;

use super::*;
use crate::config::{CompareMode, Format, StringOptions, Tolerance};
use crate::load::OnDisk;
use crate::model::{Permutation, RowCounts, Side, TypeChange, Verdict};

fn table(key: &[&str], ignore: &[&str]) -> Table {
    Table {
        key: key.iter().map(|s| s.to_string()).collect(),
        ignore: ignore.iter().map(|s| s.to_string()).collect(),
        ..Table::new("t", "t.parquet", Format::Parquet, CompareMode::Exact)
    }
}

fn rows(r: &TableReport) -> RowCounts {
    r.rows.unwrap()
}

/// Asserts that `r` has a finding whose message is `message`.
fn assert_finding(r: &TableReport, message: &str) {
    let messages: Vec<String> = r.findings().into_iter().map(|f| f.message).collect();
    assert!(messages.iter().any(|m| m == message), "{messages:?}");
}

/// A swap of `a` and `b` holding on `held` of `rows`.
fn swap(a: &str, b: &str, rows: u64, held: u64) -> Permutation {
    Permutation {
        columns: vec![a.to_string(), b.to_string()],
        rows,
        held,
    }
}

/// The columns of each permutation found.
fn swapped(r: &TableReport) -> Vec<Vec<String>> {
    r.swapped.iter().map(|p| p.columns.clone()).collect()
}

/// Each rename found, from and to.
fn renamed(r: &TableReport) -> Vec<(&str, &str)> {
    r.renamed
        .iter()
        .map(|x| (x.from.as_str(), x.to.as_str()))
        .collect()
}

#[test]
fn identical_frames_pass() {
    let df = df!("id" => [1i64, 2, 3], "x" => [Some(1.0), None, Some(f64::NAN)]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &df, &df).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
    assert_eq!(rows(&r).matched, 3);
    assert_eq!(r.columns[0].mismatches, 0);
}

#[test]
fn reordered_rows_with_changes_missing_and_extra() {
    let base = df!("id" => [1i64, 2, 3, 4], "x" => ["a", "b", "c", "d"]).unwrap();
    let head = df!("id" => [5i64, 4, 2, 1], "x" => ["e", "d", "B", "a"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!(
        (c.matched, c.missing, c.extra, c.changed),
        (3, 1, 1, Some(1))
    );
    assert_eq!(r.columns[0].mismatches, 1);
    let s = &r.columns[0].samples[0];
    assert_eq!(s.key, [("id".to_string(), Value::from(2))]);
    assert_eq!(
        (s.base.clone(), s.head.clone()),
        (Value::from("b"), Value::from("B"))
    );
    assert_eq!(r.missing_samples[0].values[0].1, Value::from(3));
    assert_eq!(r.extra_samples[0].values[0].1, Value::from(5));
}

#[test]
fn nulls_and_nans_are_equal_to_themselves_only() {
    let base =
        df!("id" => [1i64, 2, 3, 4], "x" => [None, Some(f64::NAN), Some(1.0), None]).unwrap();
    let head =
        df!("id" => [1i64, 2, 3, 4], "x" => [None, Some(f64::NAN), None, Some(f64::NAN)]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.columns[0].mismatches, 2);
    assert_eq!(r.columns[0].samples[0].head, Value::Null);
    assert_eq!(r.columns[0].samples[1].head, Value::from("NaN"));
}

#[test]
fn tolerances_count_values_just_inside_as_equal() {
    let base = df!("id" => [1i64, 2, 3, 4], "x" => [1.0, 100.0, 1.0, f64::NAN]).unwrap();
    // abs 0.01 + rel 0.001*|head|: row 1 inside (0.005), row 2 inside
    // (0.1 <= 0.01 + 0.1001), row 3 outside (0.02 > 0.01 + 0.00102).
    let head = df!("id" => [1i64, 2, 3, 4], "x" => [1.005, 100.1, 1.02, f64::NAN]).unwrap();
    let mut t = table(&["id"], &[]);
    t.tolerance.insert(
        "x".into(),
        crate::config::Tolerance {
            abs: 0.01,
            rel: 0.001,
            seconds: 0.0,
        },
    );
    let r = compare_exact(&t, &base, &head).unwrap();
    let c = &r.columns[0];
    assert_eq!(c.mismatches, 1);
    assert_eq!(c.samples[0].key[0].1, Value::from(3));
    assert_eq!(c.tolerance.unwrap().abs, 0.01);
    // Without the tolerance all three differ; the largest gaps are kept.
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.columns[0].mismatches, 3);
    assert!((r.columns[0].max_abs_diff.unwrap() - 0.1).abs() < 1e-9);
}

#[test]
fn timestamps_within_seconds_and_strings_trimmed_or_caseless_are_equal() {
    let ts = |v: Vec<i64>| {
        Series::new("ts".into(), v)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap()
    };
    let base = DataFrame::new(
        2,
        vec![
            Column::new("id".into(), [1i64, 2]),
            ts(vec![1_000, 5_000]).into_column(),
            Column::new("s".into(), [" Paris", "LYON"]),
        ],
    )
    .unwrap();
    // +0.9 s (inside 1 s) and +1.1 s (outside); case and spaces differ.
    let head = DataFrame::new(
        2,
        vec![
            Column::new("id".into(), [1i64, 2]),
            ts(vec![1_900, 6_100]).into_column(),
            Column::new("s".into(), ["paris ", "lyon"]),
        ],
    )
    .unwrap();
    let mut t = table(&["id"], &[]);
    t.tolerance.insert(
        "ts".into(),
        crate::config::Tolerance {
            abs: 0.0,
            rel: 0.0,
            seconds: 1.0,
        },
    );
    let r = compare_exact(&t, &base, &head).unwrap();
    let by = |n: &str| r.columns.iter().find(|c| c.name == n).unwrap().mismatches;
    assert_eq!(by("ts"), 1);
    assert_eq!(by("s"), 2, "strings are exact by default");
    t.strings = StringOptions {
        trim: true,
        ignore_case: true,
        keys: false,
    };
    let r = compare_exact(&t, &base, &head).unwrap();
    assert_eq!(
        r.columns.iter().find(|c| c.name == "s").unwrap().mismatches,
        0
    );
    t.strings = StringOptions {
        trim: true,
        ignore_case: false,
        keys: false,
    };
    let r = compare_exact(&t, &base, &head).unwrap();
    assert_eq!(
        r.columns.iter().find(|c| c.name == "s").unwrap().mismatches,
        2
    );
}

#[test]
fn swapped_columns_are_named() {
    let base = df!("id" => [1i64, 2, 3], "country" => ["US", "FR", "DE"], "language" => ["en", "fr", "de"], "z" => ["q", "r", "s"]).unwrap();
    let head = df!("id" => [1i64, 2, 3], "country" => ["en", "fr", "DE"], "language" => ["US", "FR", "de"], "z" => ["q", "X", "s"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.swapped, [swap("country", "language", 2, 2)]);
    assert_eq!(rows(&r).changed, Some(2));
}

#[test]
fn a_three_cycle_permutation_is_found() {
    let base = df!("id" => [1i64, 2], "a" => ["a1", "a2"], "b" => ["b1", "b2"], "c" => ["c1", "c2"], "d" => ["d1", "d2"]).unwrap();
    // head.a = base.b, head.b = base.c, head.c = base.a; d changes alone.
    let head = df!("id" => [1i64, 2], "a" => ["b1", "b2"], "b" => ["c1", "c2"], "c" => ["a1", "a2"], "d" => ["x", "d2"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(
        swapped(&r),
        [vec!["a".to_string(), "b".to_string(), "c".to_string()]]
    );
}

#[test]
fn a_renamed_column_is_reported_as_a_rename() {
    let base =
        df!("id" => [1i64, 2, 3], "country" => ["US", "FR", "DE"], "gone" => [1i64, 2, 3]).unwrap();
    let head =
        df!("id" => [3i64, 1, 2], "country_code" => ["DE", "US", "FR"], "new" => [9i64, 9, 9])
            .unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(renamed(&r), [("country", "country_code")]);
    assert_eq!((r.renamed[0].rows, r.renamed[0].held), (3, 3));
    assert_eq!(
        r.schema.removed.len(),
        1,
        "`gone` has no twin: still removed"
    );
    assert_eq!(r.schema.added.len(), 1);
    assert_eq!(r.verdict(), Verdict::Regression);
    assert!(
        r.findings()
            .iter()
            .any(|f| f.message == "column `country` renamed to `country_code`")
    );
}

/// Forty rows whose `country` and `language` are swapped in head, on the
/// last `other` of which the change also rewrote `language` (past the rows
/// a candidate is first probed on, so that the count over all rows
/// decides), and a column `z` that changed alone.
fn swapped_and_more(other: usize) -> (DataFrame, DataFrame) {
    let n = 40;
    let country: Vec<String> = (0..n).map(|i| format!("C{}", i % 7)).collect();
    let language: Vec<String> = (0..n).map(|i| format!("l{}", i % 5)).collect();
    let head_language: Vec<String> = (0..n)
        .map(|i| match i >= n - other {
            true => format!("rewritten{i}"),
            false => country[i].clone(),
        })
        .collect();
    let z: Vec<i64> = (0..n as i64).collect();
    let head_z: Vec<i64> = z.iter().map(|v| v + i64::from(*v % 3 == 0)).collect();
    let id: Vec<i64> = (0..n as i64).collect();
    let base = df!("id" => &id, "country" => &country, "language" => &language, "z" => &z).unwrap();
    let head =
        df!("id" => &id, "country" => &language, "language" => &head_language, "z" => &head_z)
            .unwrap();
    (base, head)
}

#[test]
fn a_swap_in_a_change_that_also_rewrites_some_values_is_still_a_swap() {
    // 3 of 40 rows also rewritten: the swap holds on 37 of 40.
    let (base, head) = swapped_and_more(3);
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.swapped, [swap("country", "language", 40, 37)]);
    assert_finding(
        &r,
        "columns `country` and `language` swapped values on 37 of the 40 rows where they \
         differ (3 also changed otherwise)",
    );
    // The columns' own changes are still every changed value.
    let by = |n: &str| r.columns.iter().find(|c| c.name == n).unwrap().mismatches;
    assert_eq!((by("country"), by("language")), (40, 40));
    // 5 of 40 rewritten (87.5%) is below the 90% a swap must hold on.
    let (base, head) = swapped_and_more(5);
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert!(r.swapped.is_empty(), "{:?}", r.swapped);
    // 4 of 40 (90%) is a swap.
    let (base, head) = swapped_and_more(4);
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(
        swapped(&r),
        [vec!["country".to_string(), "language".to_string()]]
    );
}

#[test]
fn a_rename_in_a_change_that_also_rewrites_some_values_is_still_a_rename() {
    // `plan` becomes `tier`, and 2 of its 20 values (10%) change too;
    // `other` becomes `unrelated`, which holds 17 of its 20 (85%).
    let id: Vec<i64> = (0..20).collect();
    let plan: Vec<String> = id.iter().map(|i| format!("p{}", i % 3)).collect();
    let tier: Vec<String> = id
        .iter()
        .map(|&i| match i {
            5 | 11 => "gold".to_string(),
            _ => plan[i as usize].clone(),
        })
        .collect();
    let other: Vec<i64> = id.iter().map(|i| i * 2).collect();
    let unrelated: Vec<i64> = id
        .iter()
        .map(|&i| if i < 3 { -i - 1 } else { i * 2 })
        .collect();
    let base = df!("id" => &id, "plan" => &plan, "other" => &other).unwrap();
    let head = df!("id" => &id, "tier" => &tier, "unrelated" => &unrelated).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(
        r.renamed,
        [crate::model::Rename {
            from: "plan".into(),
            to: "tier".into(),
            rows: 20,
            held: 18
        }]
    );
    let names = |c: &[crate::model::ColumnType]| -> Vec<String> {
        c.iter().map(|c| c.name.clone()).collect()
    };
    assert_eq!(names(&r.schema.removed), ["other"]);
    assert_eq!(names(&r.schema.added), ["unrelated"]);
    assert_finding(&r, "column `plan` renamed to `tier`");
    assert_finding(&r, "column `tier` (renamed from `plan`): 2 changed values");
}

#[test]
fn values_changed_in_a_renamed_column_are_not_validated() {
    // `amount` becomes `amount_usd` and one of its 20 values changes: the
    // run said 100% of rows and cells validated, the renamed column's
    // cells counted nowhere and its change never sampled.
    let id: Vec<i64> = (0..20).collect();
    let amount: Vec<f64> = id.iter().map(|&i| i as f64 + 0.5).collect();
    let mut usd = amount.clone();
    usd[3] = -1.0;
    let base = df!("id" => &id, "amount" => &amount, "x" => &id).unwrap();
    let head = df!("id" => &id, "amount_usd" => &usd, "x" => &id).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(renamed(&r), [("amount", "amount_usd")]);
    let v = r.validation().unwrap();
    assert_eq!((v.rows_matched, v.rows_total), (19, 20));
    assert_eq!((v.cells_matched, v.cells_total), (39, 40));
    let c = r.columns.iter().find(|c| c.name == "amount_usd").unwrap();
    assert_eq!(c.mismatches, 1);
    assert_eq!(c.samples[0].key[0].1, Value::from(3));
    assert_eq!(
        (&c.samples[0].base, &c.samples[0].head),
        (&Value::from(3.5), &Value::from(-1.0))
    );
    assert_eq!(rows(&r).changed, Some(1));
    // Renamed and widened (integers to floats), text renamed: compared too.
    let n: Vec<i64> = id.iter().map(|i| i * 10).collect();
    let mut n_f: Vec<f64> = n.iter().map(|&v| v as f64).collect();
    n_f[1] = 11.0;
    let s: Vec<String> = id.iter().map(|i| format!("s{i}")).collect();
    let mut s2 = s.clone();
    s2[2] = "changed".into();
    let base = df!("id" => &id, "n" => &n, "s" => &s).unwrap();
    let head = df!("id" => &id, "n_f" => &n_f, "s2" => &s2).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let mismatches = |n: &str| r.columns.iter().find(|c| c.name == n).map(|c| c.mismatches);
    assert_eq!(
        (mismatches("n_f"), mismatches("s2")),
        (Some(1), Some(1)),
        "{:?}",
        r.renamed
    );
}

#[test]
fn a_column_renamed_and_widened_from_integers_to_floats_is_a_rename() {
    let base = df!("id" => [1i64, 2, 3], "amount" => [10i64, 20, 30]).unwrap();
    let head = df!("id" => [1i64, 2, 3], "amount_usd" => [10.0f64, 20.0, 30.0]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(renamed(&r), [("amount", "amount_usd")]);
    // Narrowing loses values: floats renamed to integers are no rename.
    let r = compare_exact(&table(&["id"], &[]), &head, &base).unwrap();
    assert!(r.renamed.is_empty(), "{:?}", r.renamed);
}

#[test]
fn two_mostly_null_columns_agreeing_by_chance_are_no_rename() {
    // `legacy` goes, `promo` comes; both null on 18 of 20 rows, so they
    // agree on 90% of them without being the same column. Were `legacy`
    // null on 10 rows only, 90% agreement would not be chance.
    let id: Vec<i64> = (0..20).collect();
    let sparse = |at: i64, nulls: i64| -> Vec<Option<i64>> {
        id.iter().map(|&i| (i >= nulls).then_some(i * at)).collect()
    };
    let base = df!("id" => &id, "legacy" => sparse(1, 18)).unwrap();
    let head = df!("id" => &id, "promo" => sparse(-1, 18)).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert!(r.renamed.is_empty(), "{:?}", r.renamed);
    assert_eq!(r.schema.removed.len(), 1);
    let base = df!("id" => &id, "legacy" => sparse(1, 10)).unwrap();
    let mut promo = sparse(1, 10);
    promo[12] = Some(-1);
    let head = df!("id" => &id, "promo" => promo).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(renamed(&r), [("legacy", "promo")]);
    assert_eq!(r.renamed[0].held, 19);
}

#[test]
fn two_changed_columns_that_did_not_swap_are_not_swapped() {
    let base = df!("id" => [1i64, 2], "a" => ["x", "y"], "b" => ["p", "q"]).unwrap();
    let head = df!("id" => [1i64, 2], "a" => ["p", "zz"], "b" => ["x", "q"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert!(r.swapped.is_empty());
}

#[test]
fn duplicate_keys_pair_by_occurrence_and_flag_new_ones() {
    let base = df!("id" => [1i64, 1, 2, 3], "x" => [10i64, 11, 20, 30]).unwrap();
    let head = df!("id" => [1i64, 1, 2, 2, 2, 3], "x" => [10i64, 11, 20, 20, 20, 30]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!(
        (c.matched, c.missing, c.extra, c.changed),
        (4, 0, 2, Some(0))
    );
    let d = r.duplicates.as_ref().unwrap();
    assert_eq!((d.base.keys, d.base.rows), (1, 2));
    assert_eq!((d.head.keys, d.head.rows), (2, 5));
    assert_eq!(d.new_in_head, 1);
    assert_eq!(d.head.samples[1].count, 3);
    assert_eq!(r.verdict(), Verdict::Regression);
}

/// The samples under "keys duplicated in head that were unique in base"
/// are those keys, not head's first duplicated keys: key 1, duplicated on
/// both sides, comes first in key order and is no evidence of it.
#[test]
fn keys_newly_duplicated_in_head_are_the_samples_under_their_finding() {
    let base = df!("id" => [1i64, 1, 2, 3]).unwrap();
    let head = df!("id" => [1i64, 1, 2, 3, 3, 3]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let d = r.duplicates.as_ref().unwrap();
    assert_eq!(d.new_in_head, 1);
    assert_eq!(d.head.samples.len(), 2);
    assert_eq!(d.new_in_head_samples.len(), 1);
    assert_eq!(d.new_in_head_samples[0].values[0].1, serde_json::json!(3));
    assert_eq!(d.new_in_head_samples[0].count, 3);
    let mut run = crate::report::testdata::pass();
    run.tables = vec![r];
    let mut text = Vec::new();
    let options = crate::report::terminal::Options {
        detail: crate::report::terminal::Detail::Normal,
        color: false,
    };
    crate::report::terminal::render(&run, options, &mut text).unwrap();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("duplicated: id=3 (×3)"), "{text}");
    assert!(!text.contains("duplicated: id=1"), "{text}");
}

/// The sort of shuffled integer keys must keep each key's rows in row
/// order, or the n-th occurrence would pair with another: 2000 rows of 5
/// keys (enough for an unstable sort to mix them), head the same rows
/// grouped by key.
#[test]
fn shuffled_duplicate_keys_pair_by_occurrence_in_row_order() {
    let ids: Vec<i64> = (0..2000i64).map(|i| (i * 7919 + i / 3) % 5).collect();
    let mut seen = HashMap::new();
    let nth: Vec<i64> = ids
        .iter()
        .map(|id| {
            let n = seen.entry(*id).or_insert(0i64);
            *n += 1;
            *n
        })
        .collect();
    let base = df!("id" => &ids, "nth" => &nth).unwrap();
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&i| ids[i]);
    let head = df!(
        "id" => order.iter().map(|&i| ids[i]).collect::<Vec<_>>(),
        "nth" => order.iter().map(|&i| nth[i]).collect::<Vec<_>>()
    )
    .unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(rows(&r).matched, 2000);
    assert_eq!(r.columns[0].mismatches, 0, "{:?}", r.findings());
}

/// Head in another row order and in two chunks: numbers and times are
/// gathered by `gather::take_numeric` (values and validity apart), and a
/// null must stay with its row, a time keep its type.
#[test]
fn shuffled_numbers_and_times_with_nulls_gather_with_their_rows() {
    let frame = |ids: &[i64], ints: &[Option<i32>], floats: &[Option<f64>]| {
        let days: Vec<Option<i32>> = ints.iter().map(|v| v.map(|d| d * 100)).collect();
        let mut df = df!("id" => ids, "n" => ints, "x" => floats, "d" => days).unwrap();
        let d = df.column("d").unwrap().cast(&DataType::Date).unwrap();
        df.replace("d", d).unwrap();
        let t = df
            .column("n")
            .unwrap()
            .cast(&DataType::Int64)
            .unwrap()
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap()
            .with_name("t".into());
        df.with_column(t).unwrap();
        df
    };
    let base = frame(
        &[1, 2, 3, 4, 5, 6],
        &[Some(1), None, Some(3), Some(4), None, Some(6)],
        &[Some(1.0), Some(f64::NAN), None, Some(4.0), Some(5.0), None],
    );
    // Rows 4, 1, 6 then 2, 5, 3 (two chunks); row 3's n became null, row
    // 5's x became 5.5, every other value as in base.
    let mut head = frame(
        &[4, 1, 6],
        &[Some(4), Some(1), Some(6)],
        &[Some(4.0), Some(1.0), None],
    );
    head.vstack_mut(&frame(
        &[2, 5, 3],
        &[None, None, None],
        &[Some(f64::NAN), Some(5.5), None],
    ))
    .unwrap();
    assert_eq!(head.column("n").unwrap().n_chunks(), 2);
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let mismatches: HashMap<&str, u64> = r
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.mismatches))
        .collect();
    assert_eq!(mismatches["n"], 1, "{:?}", r.findings());
    assert_eq!(mismatches["d"], 1);
    assert_eq!(mismatches["t"], 1);
    assert_eq!(mismatches["x"], 1);
    let t = r.columns.iter().find(|c| c.name == "t").unwrap();
    assert_eq!(t.dtype, "datetime[μs]");
    assert_eq!(t.samples[0].key, vec![("id".to_string(), Value::from(3))]);
    assert!(t.samples[0].head.is_null());
}

#[test]
fn multi_column_keys_and_ignored_columns() {
    let base =
        df!("m" => [1i64, 1, 2], "v" => ["a", "b", "a"], "x" => [1i64, 2, 3], "ts" => [1i64, 2, 3])
            .unwrap();
    let head =
        df!("m" => [2i64, 1, 1], "v" => ["a", "b", "a"], "x" => [3i64, 2, 1], "ts" => [9i64, 9, 9])
            .unwrap();
    let r = compare_exact(&table(&["m", "v"], &["ts"]), &base, &head).unwrap();
    assert_eq!(r.verdict(), Verdict::Pass, "{:?}", r.findings());
    assert_eq!(r.columns.len(), 1);
}

#[test]
fn schema_changes_are_reported() {
    let base = df!("id" => [1i64], "a" => [1.5f64], "gone" => ["x"]).unwrap();
    let head = df!("id" => [1i64], "a" => [1i64], "new" => [true]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.schema.removed[0].name, "gone");
    assert_eq!(r.schema.added[0].name, "new");
    // Float to integer can lose values: a type change, not compared.
    assert_eq!(
        r.schema.changed[0],
        TypeChange {
            column: "a".into(),
            base: "f64".into(),
            head: "i64".into(),
            compared_as: None,
        }
    );
    assert!(r.columns.is_empty());
    let v = r.validation().unwrap();
    // One row; `gone` and `a` not compared.
    assert_eq!((v.cells_total, v.cells_not_compared), (2, 2));
}

#[test]
fn retyped_key_i64_against_f64_pairs_rows_by_value() {
    // pandas writes an integer key holding a NaN elsewhere as float.
    let base = df!("id" => [1400i64, 1401, 1402], "x" => ["a", "b", "c"]).unwrap();
    let head = df!("id" => [1402.0f64, 1400.0, 1401.0], "x" => ["c", "a", "B"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!(
        (c.matched, c.missing, c.extra, c.changed),
        (3, 0, 0, Some(1))
    );
    assert!(r.key_notes.is_empty(), "{:?}", r.key_notes);
    // Samples name the key as a number, as base wrote it.
    assert_eq!(
        r.columns[0].samples[0].key,
        [("id".into(), Value::from(1401))]
    );
    // A key with fractions pairs as floats when every integer is exact.
    let head = df!("id" => [1400.5f64, 1400.0], "x" => ["a", "a"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!((c.matched, c.missing, c.extra), (1, 2, 1));
    assert_eq!(
        r.extra_samples[0].values,
        [("id".into(), Value::from(1400.5))]
    );
}

#[test]
fn retyped_key_datetime_ns_against_us_pairs_rows() {
    let ts = [1_700_000_000_000_000i64, 1_700_000_000_000_001];
    let us = Series::new("t".into(), ts)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .unwrap();
    let ns = Series::new("t".into(), ts.map(|t| t * 1000))
        .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
        .unwrap();
    let base =
        DataFrame::new_infer_height(vec![ns.into(), Series::new("x".into(), [1i64, 2]).into()])
            .unwrap();
    let head =
        DataFrame::new_infer_height(vec![us.into(), Series::new("x".into(), [1i64, 3]).into()])
            .unwrap();
    let r = compare_exact(&table(&["t"], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!(
        (c.matched, c.missing, c.extra, c.changed),
        (2, 0, 0, Some(1))
    );
}

#[test]
fn keys_beyond_i64_pair_exactly_and_are_not_duplicates() {
    // Twenty-digit ids (a CSV reads them as i128; u64 ids past 2^63 too)
    // were cast to i64, overflowed to null and paired as one duplicated
    // key, by occurrence: head's swapped values then looked unchanged.
    let (a, b) = (
        12_345_678_901_234_567_890i128,
        12_345_678_901_234_567_891i128,
    );
    let ids = |ids: [i128; 2]| Series::new("id".into(), ids);
    let base = DataFrame::new_infer_height(vec![
        ids([a, b]).into(),
        Series::new("v".into(), [1i64, 2]).into(),
    ])
    .unwrap();
    let head = DataFrame::new_infer_height(vec![
        ids([b, a]).into(),
        Series::new("v".into(), [1i64, 2]).into(),
    ])
    .unwrap();
    for (base, head) in [
        (base.clone(), head.clone()),
        // The same ids as u64, past i64's range.
        (
            base.clone()
                .lazy()
                .with_column(col("id").cast(DataType::UInt64))
                .collect()
                .unwrap(),
            head.clone()
                .lazy()
                .with_column(col("id").cast(DataType::UInt64))
                .collect()
                .unwrap(),
        ),
    ] {
        let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
        assert!(r.duplicates.is_none(), "{:?}", r.duplicates);
        let c = rows(&r);
        assert_eq!(
            (c.matched, c.missing, c.extra, c.changed),
            (2, 0, 0, Some(2))
        );
    }
}

#[test]
fn a_struct_whose_fields_changed_is_a_type_change_not_a_column_skipped() {
    // {x, y} became {y, x}: both print as `struct[2]`, so no type change
    // was seen, yet the column was not compared either: it vanished from
    // the report, a changed x included.
    let s = |names: [&str; 2], a: [i64; 2], b: [i64; 2]| {
        let fields = [
            Series::new(names[0].into(), a),
            Series::new(names[1].into(), b),
        ];
        StructChunked::from_series("s".into(), 2, fields.iter())
            .unwrap()
            .into_series()
    };
    let frame = |s: Series| {
        DataFrame::new_infer_height(vec![Series::new("id".into(), [1i64, 2]).into(), s.into()])
            .unwrap()
    };
    let base = frame(s(["x", "y"], [1, 3], [2, 4]));
    let head = frame(s(["y", "x"], [2, 4], [1, 5]));
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(
        r.schema.changed,
        [TypeChange {
            column: "s".into(),
            base: "struct{x: i64, y: i64}".into(),
            head: "struct{y: i64, x: i64}".into(),
            compared_as: None,
        }]
    );
    let v = r.validation().unwrap();
    assert_eq!((v.cells_not_compared, v.rows_matched), (2, 0));
    // The same fields in the same order: compared, the change found.
    let head = frame(s(["x", "y"], [1, 5], [2, 4]));
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert!(r.schema.changed.is_empty());
    assert_eq!(r.columns[0].mismatches, 1);
}

#[test]
fn key_without_a_common_type_pairs_on_text_and_says_so() {
    let base = df!("id" => [1i64, 2], "x" => ["a", "b"]).unwrap();
    let head = df!("id" => ["2", "1"], "x" => ["b", "a"]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(rows(&r).matched, 2);
    assert_eq!(r.schema.changed.len(), 1);
    assert!(
        r.key_notes[0].contains("rows paired on the key's text"),
        "{:?}",
        r.key_notes
    );
    assert!(r.findings().iter().any(|f| f.message == r.key_notes[0]));
}

#[test]
fn widened_int32_to_int64_column_is_compared_by_value() {
    let base =
        df!("id" => [1i64, 2, 3], "n" => [10i32, 20, 30], "f" => [0.5f32, 1.5, 2.5]).unwrap();
    let head =
        df!("id" => [1i64, 2, 3], "n" => [10i64, 21, 30], "f" => [0.5f64, 1.5, 2.5]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    let widened: Vec<_> = r
        .schema
        .changed
        .iter()
        .map(|c| c.compared_as.as_deref())
        .collect();
    assert_eq!(widened, [Some("i64"), Some("f64")]);
    assert_eq!(r.columns.len(), 2);
    assert_eq!(
        (r.columns[0].name.as_str(), r.columns[0].mismatches),
        ("n", 1)
    );
    assert_eq!(r.columns[0].samples[0].base, Value::from(20));
    assert_eq!(r.columns[0].samples[0].head, Value::from(21));
    assert_eq!(r.columns[1].mismatches, 0);
    let v = r.validation().unwrap();
    assert_eq!(
        (v.cells_matched, v.cells_total, v.cells_not_compared),
        (5, 6, 0)
    );
    assert_finding(
        &r,
        "column `n` changed type: i32 -> i64 (nothing lost: values compared as i64)",
    );
}

#[test]
fn int_against_float_is_exact_beyond_2_pow_53() {
    let big = (1i64 << 53) + 1;
    let base = df!("id" => [1i64, 2], "n" => [big, 7]).unwrap();
    // As f64, 2^53 + 1 rounds to 2^53: equal in f64, not in value.
    let head = df!("id" => [1i64, 2], "n" => [(1i64 << 53) as f64, 7.0]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.columns[0].mismatches, 1);
    let head = df!("id" => [1i64, 2], "n" => [1.0f64, 7.0]).unwrap();
    let base = df!("id" => [1i64, 2], "n" => [1i64, 7]).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.columns[0].mismatches, 0);
}

#[test]
fn integer_tolerance_is_exact_near_2_pow_62() {
    let x = 1i64 << 62;
    let base = df!("id" => [1i64, 2], "n" => [x, x]).unwrap();
    let head = df!("id" => [1i64, 2], "n" => [x + 200, x + 1]).unwrap();
    let mut t = table(&["id"], &[]);
    t.tolerance.insert(
        "n".into(),
        Tolerance {
            abs: 1.0,
            rel: 0.0,
            seconds: 0.0,
        },
    );
    let r = compare_exact(&t, &base, &head).unwrap();
    // 200 apart fails abs = 1; 1 apart passes.
    assert_eq!(r.columns[0].mismatches, 1);
    assert_eq!(r.columns[0].max_abs_diff, Some(200.0));
}

#[test]
fn empty_csv_column_takes_the_other_sides_type() {
    let base = df!("id" => [1i64, 2, 3], "n" => [Some(1i64), Some(2), None]).unwrap();
    let head = df!("id" => [1i64, 2, 3], "n" => [None::<&str>, None, None]).unwrap();
    let mut t = table(&["id"], &[]);
    t.format = Format::Csv;
    let r = compare_exact(&t, &base, &head).unwrap();
    assert!(r.schema.changed.is_empty(), "{:?}", r.schema.changed);
    assert_eq!(r.columns[0].mismatches, 2);
    assert_eq!(r.columns[0].all_null, Some(Side::Head));
    assert_finding(
        &r,
        "column `n`: 2 values became null (head has no value in this column)",
    );
    // A header-only file: every row missing, no type change.
    let empty = df!("id" => Vec::<&str>::new(), "n" => Vec::<&str>::new()).unwrap();
    let r = compare_exact(&t, &base, &empty).unwrap();
    assert!(r.schema.changed.is_empty(), "{:?}", r.schema.changed);
    assert_eq!(rows(&r).missing, 3);
    // Parquet declares its types: an empty string column stays a change.
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.schema.changed.len(), 1);
}

#[test]
fn categorical_values_print_as_values() {
    let cut = Series::new("cut".into(), ["SI2", "VS1"])
        .cast(&DataType::from_categories(Categories::global()))
        .unwrap();
    let df = DataFrame::new_infer_height(vec![cut.into()]).unwrap();
    let v = to_json(&df.column("cut").unwrap().get(0).unwrap());
    assert_eq!(v, Value::from("SI2"));
}

#[test]
fn missing_key_column() {
    let base = df!("id" => [1i64]).unwrap();
    let head = df!("other" => [1i64]).unwrap();
    assert!(matches!(
        compare_exact(&table(&["nope"], &[]), &base, &head),
        Err(DiffError::KeyNotInBase { .. })
    ));
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.verdict(), Verdict::Regression);
    assert!(r.head_missing.as_ref().unwrap().contains("`id`"));
}

#[test]
fn keyless_tables_compare_as_multisets() {
    let base = df!("a" => [1i64, 1, 2, 3], "b" => ["x", "x", "y", "z"]).unwrap();
    let head = df!("a" => [3i64, 1, 2, 2, 4], "b" => ["z", "x", "y", "y", "w"]).unwrap();
    let r = compare_exact(&table(&[], &[]), &base, &head).unwrap();
    let c = rows(&r);
    assert_eq!((c.matched, c.missing, c.extra, c.changed), (3, 1, 2, None));
    assert_eq!(r.missing_samples[0].values[0].1, Value::from(1));
    let extra: HashMap<i64, usize> = count_by(
        r.extra_samples
            .iter()
            .map(|s| s.values[0].1.as_i64().unwrap()),
    );
    assert_eq!(extra, HashMap::from([(2, 1), (4, 1)]));
}

/// A base/head pair with every kind of difference: missing and extra
/// rows, changed values (nulls included), duplicated keys, a swap, a
/// rename and nested lists. Head's rows are reversed when `reverse`.
fn eventful_pair(n: i64, reverse: bool) -> (DataFrame, DataFrame) {
    let side = |head: bool| {
        let mut ids: Vec<i64> = (0..n).filter(|i| !(head && i % 97 == 0)).collect();
        ids.push(5); // duplicated in both
        if head {
            ids.extend([8, n + 1, n + 2]); // a new duplicate, two extra rows
        }
        if head && reverse {
            ids.reverse();
        }
        let x: Vec<Option<f64>> = ids
            .iter()
            .map(|&i| match (i % 11, head && i % 13 == 0) {
                (0, true) => Some(1.5),
                (0, false) => None,
                (_, true) => Some(i as f64 * 0.5 + 1.0),
                _ => Some(i as f64 * 0.5),
            })
            .collect();
        let (a, b): (Vec<String>, Vec<String>) = ids
            .iter()
            .map(|i| (format!("a{}", i % 5), format!("b{}", i % 3)))
            .map(|(a, b)| if head { (b, a) } else { (a, b) })
            .unzip();
        let lists: Vec<Series> = ids
            .iter()
            .map(|&i| {
                let v = if head && i % 17 == 0 { i + 1 } else { i };
                Series::new(PlSmallStr::EMPTY, [i, v])
            })
            .collect();
        let mut df = df!(
            "id" => &ids,
            "grp" => ids.iter().map(|i| i % 7).collect::<Vec<_>>(),
            "sub" => ids.iter().map(|i| format!("s{}", i / 7)).collect::<Vec<_>>(),
            "name" => ids.iter().map(|i| format!("n{i}")).collect::<Vec<_>>(),
            "x" => x,
            "a" => a,
            "b" => b,
            "l" => lists,
        )
        .unwrap();
        let moved = df.column("id").unwrap().clone();
        let renamed = if head { "new" } else { "old" };
        df.with_column(moved.with_name(renamed.into())).unwrap();
        df
    };
    (side(false), side(true))
}

fn write_parquet(df: &DataFrame, path: &std::path::Path, row_group: usize) {
    let mut df = df.clone();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .with_row_group_size(Some(row_group))
        .finish(&mut df)
        .unwrap();
}

#[test]
fn comparing_from_disk_a_column_at_a_time_equals_comparing_loaded_frames() {
    // Row groups of 300 rows, and of 1,100: text columns are then read
    // where they lie, chunk by chunk (`text::ByRow`), not made one chunk.
    for (n, row_group, reverse) in [
        (2_000, 300, false),
        (2_000, 300, true),
        (5_000, 1_100, false),
        (5_000, 1_100, true),
    ] {
        let (base, head) = eventful_pair(n, reverse);
        let dir = tempfile::tempdir().unwrap();
        // Base in two part files, head in one.
        std::fs::create_dir(dir.path().join("base")).unwrap();
        let cut = 3 * row_group;
        let part = |i| dir.path().join(format!("base/part-{i}.parquet"));
        write_parquet(&base.slice(0, cut), &part(0), row_group);
        write_parquet(&base.slice(cut as i64, usize::MAX), &part(1), row_group);
        write_parquet(&head, &dir.path().join("head.parquet"), row_group);
        let on_disk = |pattern: &str| {
            let table = Table::new(pattern, pattern, Format::Parquet, CompareMode::Exact);
            OnDisk::open(dir.path(), pattern, &table).unwrap().unwrap()
        };
        let (b, h) = (on_disk("base/part-*.parquet"), on_disk("head.parquet"));
        for key in [&["id"][..], &["grp", "sub"], &["name"]] {
            let mut t = table(key, &[]);
            t.ignore = ["id", "grp", "sub", "name"]
                .iter()
                .filter(|c| !key.contains(c))
                .map(|c| c.to_string())
                .collect();
            let loaded = compare_exact(&t, &base, &head).unwrap();
            let from_disk = compare_sources(&t, Source::Disk(&b), Source::Disk(&h), 1).unwrap();
            assert_eq!(loaded, from_disk, "key {key:?}, head reversed: {reverse}");
            // The pair exercises what it claims to.
            let r = rows(&from_disk);
            // Every 97th id dropped; two new ids and the second
            // occurrence of 8.
            let dropped = (0..n).filter(|i| i % 97 == 0).count() as u64;
            assert_eq!((r.missing, r.extra), (dropped, 3), "key {key:?}");
            let dups = from_disk.duplicates.as_ref().unwrap();
            assert_eq!(
                (dups.base.keys, dups.head.keys, dups.new_in_head),
                (1, 2, 1)
            );
            assert_eq!(
                swapped(&from_disk),
                [vec!["a".to_string(), "b".to_string()]]
            );
            assert_eq!(renamed(&from_disk), [("old", "new")]);
            let by = |n: &str| from_disk.columns.iter().find(|c| c.name == n).unwrap();
            assert!(by("x").mismatches > 100, "{:?}", by("x"));
            assert_eq!(by("l").samples[0].path.as_deref(), Some("l[1]"));
        }
    }
}

/// Counts how often each value appears, to check samples.
fn count_by<T: std::hash::Hash + Eq>(
    items: impl IntoIterator<Item = T>,
) -> std::collections::HashMap<T, usize> {
    let mut m = std::collections::HashMap::new();
    for i in items {
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

#[test]
fn timestamps_moved_to_another_time_zone_are_compared_as_instants() {
    // Noon UTC on 2024-01-01 and 2024-06-01; head writes them in Berlin
    // time (13:00 and 14:00 there) and moves the second by a second.
    let at = |zone: &str, v: Vec<i64>| {
        let tz = TimeZone::opt_try_new(Some(zone)).unwrap();
        Series::new("t".into(), v)
            .cast(&DataType::Datetime(TimeUnit::Microseconds, tz))
            .unwrap()
            .into_column()
    };
    let (noon_jan, noon_jun) = (1_704_110_400_000_000i64, 1_717_243_200_000_000i64);
    let base = DataFrame::new(
        2,
        vec![
            Column::new("id".into(), [1i64, 2]),
            at("UTC", vec![noon_jan, noon_jun]),
        ],
    )
    .unwrap();
    let head = DataFrame::new(
        2,
        vec![
            Column::new("id".into(), [1i64, 2]),
            at("Europe/Berlin", vec![noon_jan, noon_jun + 1_000_000]),
        ],
    )
    .unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(r.schema.changed.len(), 1, "the zone change is reported");
    let c = r.columns.iter().find(|c| c.name == "t").unwrap();
    assert_eq!(c.mismatches, 1, "the same instant is no change");
    assert_eq!(c.samples[0].key[0].1, Value::from(2));
}

#[test]
fn a_partly_changed_rename_of_a_column_named_n_is_no_error() {
    // The rename check counted values under the name `n`: a column of that
    // name failed the whole table ("duplicate column names").
    let id: Vec<i64> = (0..20).collect();
    let mut moved = id.clone();
    moved[0] = -1;
    let base = df!("id" => &id, "n" => &id).unwrap();
    let head = df!("id" => &id, "count" => &moved).unwrap();
    let r = compare_exact(&table(&["id"], &[]), &base, &head).unwrap();
    assert_eq!(renamed(&r), [("n", "count")]);
}

#[test]
fn numbers_of_shuffled_rows_compared_in_place_report_what_rows_in_key_order_report() {
    // Head's rows in key order compare column by column as they lie; the
    // same rows shuffled are read pair by pair where they lie
    // (`numbers.rs`). Both must report the same: counts, sizes, what the
    // tolerance absorbs, samples, and the swap of `p` and `q`.
    let n = 3_000i64;
    let base_ids: Vec<i64> = (0..n).collect();
    let value = |i: i64, head: bool| -> Option<f64> {
        match (i % 7, head) {
            (0, _) => None,
            (1, true) if i % 3 == 0 => Some(f64::NAN),
            (2, true) => Some(-0.0),
            (2, false) => Some(0.0),
            (3, true) => Some(i as f64 + 0.004), // inside abs 0.01
            (4, true) => Some(i as f64 + 0.5),   // outside
            _ => Some(i as f64),
        }
    };
    let frame = |ids: &[i64], head: bool| {
        let ints: Vec<Option<i32>> = ids
            .iter()
            .map(|&i| match i % 11 {
                0 => None,
                5 if head => Some(i as i32 + 2),
                _ => Some(i as i32),
            })
            .collect();
        let (p, q): (Vec<f64>, Vec<f64>) = ids
            .iter()
            .map(|&i| (i as f64, -(i as f64)))
            .map(|(p, q)| if head { (q, p) } else { (p, q) })
            .unzip();
        df!(
            "id" => ids,
            "x" => ids.iter().map(|&i| value(i, head)).collect::<Vec<_>>(),
            "n" => ints,
            "p" => p,
            "q" => q,
        )
        .unwrap()
    };
    let base = frame(&base_ids, false);
    // Head without every 10th key, in key order and shuffled.
    let kept: Vec<i64> = base_ids.iter().copied().filter(|i| i % 10 != 9).collect();
    let shuffled: Vec<i64> = (0..kept.len())
        .map(|k| kept[k * 1_009 % kept.len()])
        .collect();
    let mut t = table(&["id"], &[]);
    t.tolerance.insert(
        "x".into(),
        crate::config::Tolerance {
            abs: 0.01,
            rel: 0.0,
            seconds: 0.0,
        },
    );
    let in_order = compare_exact(&t, &base, &frame(&kept, true)).unwrap();
    let in_place = compare_exact(&t, &base, &frame(&shuffled, true)).unwrap();
    assert_eq!(in_place, in_order);
    let by = |n: &str| in_place.columns.iter().find(|c| c.name == n).unwrap();
    // x: NaN against a number, and the values 0.5 off; not -0.0 against
    // 0.0, nor the values 0.004 off.
    let x_expected = kept
        .iter()
        .filter(|&&i| (i % 7 == 1 && i % 3 == 0) || i % 7 == 4)
        .count() as u64;
    assert_eq!(by("x").mismatches, x_expected);
    assert!((by("x").max_abs_diff.unwrap() - 0.5).abs() < 1e-9);
    let n_expected = kept.iter().filter(|&&i| i % 11 == 5).count() as u64;
    assert_eq!(by("n").mismatches, n_expected);
    assert_eq!(swapped(&in_place), [vec!["p".to_string(), "q".to_string()]]);
}

/// `text` (a header and rows) as two files' texts, each with the header,
/// cut after the line nearest its middle where no quoted field is open;
/// the first without its last line end.
fn split_csv(text: &str) -> Vec<String> {
    let (header, body) = text.split_once('\n').unwrap();
    let mut quotes = 0usize;
    let mut cut = 0;
    for (at, c) in body.char_indices() {
        match c {
            '"' => quotes += 1,
            '\n' if quotes.is_multiple_of(2) && at >= body.len() / 2 => {
                cut = at + 1;
                break;
            }
            _ => {}
        }
    }
    assert!(cut > 0 && cut < body.len());
    vec![
        format!("{header}\n{}", &body[..cut - 1]),
        format!("{header}\n{}", &body[cut..]),
    ]
}

/// A CSV pair with what a comparison must find, written as text: head's
/// rows in another order, with CRLF line ends and a blank line; keys
/// missing, extra and duplicated; numbers written otherwise but equal
/// (`1.50`, `-0`), changed, null; text quoted and not, `""` (empty text)
/// against an empty field (null), quotes and a delimiter and a line end
/// inside quoted fields (rows read by `Fields`); columns `a` and `b`
/// swapped; with `renamed`, head's column `old` named `new` and placed
/// last (the sides' layouts then differ).
fn eventful_csv_pair(n: usize, renamed: bool) -> (String, String) {
    let header = |head: bool| match (head, renamed) {
        (true, true) => "id,n,x,t,a,b,flag,day,new",
        _ => "id,n,x,t,a,b,flag,day,old",
    };
    let row = |i: usize, head: bool| {
        // Most changed rows change one field, some several.
        let changed = |field: usize| head && (i % 13 == field || i.is_multiple_of(61));
        let n = match (i % 9, changed(0)) {
            (0, _) => String::new(),
            (1, true) => "-0".into(),
            (1, false) => "0".into(),
            (_, true) => format!("{}", i + 1),
            _ => format!("{i}"),
        };
        let x = match (i % 7, head) {
            (0, _) => String::new(),
            (1, _) => "NaN".into(),
            (2, true) => format!("{}.50", i),
            (2, false) => format!("{}.5", i),
            _ if changed(1) => format!("{}.75", i),
            _ => format!("{}.125", i),
        };
        let t = match (i % 11, head) {
            (0, true) => "\"\"".to_string(),
            (0, false) => String::new(),
            (1, true) => format!("\"t{i}\""),
            (2, _) => format!("\"say \"\"hi\"\", {i}\""),
            (3, _) if i.is_multiple_of(2) => format!("\"two\nlines {i}\""),
            (4, true) if changed(2) => format!("T{i}"),
            _ => format!("t{i}"),
        };
        let (a, b) = match i % 6 {
            0 => (format!("a{}", i % 5), format!("b{}", i % 3)),
            _ => (format!("c{}", i % 4), format!("c{}", i % 4)),
        };
        let (a, b) = if head { (b, a) } else { (a, b) };
        let flag = if i.is_multiple_of(4) { "true" } else { "false" };
        let day = format!("2024-01-{:02}", 1 + i % 28);
        let old = if head && i.is_multiple_of(29) {
            i + 1
        } else {
            i
        };
        [
            i.to_string(),
            n,
            x,
            t,
            a,
            b,
            flag.into(),
            day,
            old.to_string(),
        ]
        .join(",")
    };
    let base_ids: Vec<usize> = (0..n).chain([5]).collect();
    let mut head_ids: Vec<usize> = (0..n)
        .filter(|i| i % 97 != 0)
        .chain([8, n + 1, n + 2])
        .collect();
    // Another order: a stride through the rows (each row once).
    assert_ne!(head_ids.len() % 7, 0);
    head_ids = (0..head_ids.len())
        .map(|k| head_ids[k * 7 % head_ids.len()])
        .collect();
    let base: Vec<String> = base_ids.iter().map(|&i| row(i, false)).collect();
    let mut head: Vec<String> = head_ids.iter().map(|&i| row(i, true)).collect();
    head.insert(head.len() / 2, String::new());
    (
        format!("{}\n{}\n", header(false), base.join("\n")),
        format!("{}\r\n{}\r\n", header(true), head.join("\r\n")),
    )
}

#[test]
fn csv_files_compared_where_they_lie_equal_comparing_them_loaded() {
    let dir = tempfile::tempdir().unwrap();
    for (n, moved) in [(300, false), (301, true), (2_000, false), (2_001, true)] {
        let (base, head) = eventful_csv_pair(n, moved);
        // Base in two part files when n is large (cut where no quoted
        // field is open), head in one.
        let parts = if n > 1_000 {
            split_csv(&base)
        } else {
            vec![base]
        };
        let bp: Vec<std::path::PathBuf> = (0..parts.len())
            .map(|i| dir.path().join(format!("base-{n}-{i}.csv")))
            .collect();
        for (p, text) in bp.iter().zip(&parts) {
            std::fs::write(p, text).unwrap();
        }
        let hp = vec![dir.path().join(format!("head-{n}.csv"))];
        std::fs::write(&hp[0], head).unwrap();
        let declared = crate::config::Declared::CompareFlags;
        let read = |paths: &[std::path::PathBuf]| {
            let mut frames = paths
                .iter()
                .map(|p| crate::csv_file::read(p, b',', declared).unwrap());
            let mut all = frames.next().unwrap();
            frames.for_each(|f| all.vstack_mut_owned(f).map(|_| ()).unwrap());
            all
        };
        // The key kept by the checking pass, or parsed again.
        let keep = [vec!["id".to_string()], vec![]][n % 2].clone();
        let open = |paths: &[std::path::PathBuf]| {
            crate::csv_file::CsvOnDisk::open(paths, b',', declared, &keep)
                .unwrap()
                .expect("read where it lies")
        };
        let (bf, hf) = (read(&bp), read(&hp));
        let (bc, hc) = (open(&bp), open(&hp));
        let tolerances = [
            None,
            Some(Tolerance {
                abs: 0.2,
                rel: 0.0,
                seconds: 0.0,
            }),
        ];
        for (tolerance, ignore_case) in tolerances.into_iter().zip([false, true]) {
            let mut t = table(&["id"], &[]);
            t.format = Format::Csv;
            t.strings.ignore_case = ignore_case;
            if let Some(tol) = tolerance {
                t.tolerance.insert("x".into(), tol);
            }
            let loaded = compare_exact(&t, &bf, &hf).unwrap();
            let in_place = compare_sources(&t, Source::Csv(&bc), Source::Csv(&hc), 2).unwrap();
            assert_eq!(loaded, in_place, "{n} rows, renamed {moved}, {tolerance:?}");
            // The pair holds what it claims to.
            let r = rows(&in_place);
            // Every 97th id dropped, and base's second 5.
            assert_eq!((r.missing, r.extra), ((n as u64).div_ceil(97) + 1, 3));
            assert_eq!(swapped(&in_place), [vec!["a".to_string(), "b".to_string()]]);
            if moved {
                assert_eq!(renamed(&in_place), [("old", "new")]);
            }
            let by = |c: &str| {
                in_place
                    .columns
                    .iter()
                    .find(|d| d.name == c)
                    .unwrap()
                    .mismatches
            };
            assert!(
                by("n") > 5 && by("t") > 5 && by("x") > 5,
                "{:?}",
                in_place.columns
            );
        }
    }
}
