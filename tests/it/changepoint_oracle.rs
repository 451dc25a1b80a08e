//! Change points and anomalies against the independent answers in
//! `tests/oracles/changepoint_oracle.json` (a copy of
//! `../shared/oracles/changepoint_oracle.json`: Apache Otava 0.8.0, its
//! corrected merge, and the n-sigma rule in numpy). Every case, both Otava
//! configurations, both anomaly configurations and sides.

use serde_json::Value;
use swimlane::stats::anomaly::{self, Check, Direction};
use swimlane::stats::changepoint::{self, ChangePoint, Config};

fn oracle() -> Value {
    crate::support::oracle("changepoint_oracle.json")
}

use crate::support::number;

/// A case's series.
fn values(case: &Value) -> Vec<f64> {
    case["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(number)
        .collect()
}

fn indices(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect()
}

/// Within `rel` of each other relatively, or `abs` absolutely; NaN only
/// equals NaN.
fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    a == b || (a - b).abs() <= (rel * a.abs().max(b.abs())).max(abs)
}

/// The differences between one change point and the oracle's, at the
/// README's tolerances.
fn differences(mine: &ChangePoint, theirs: &Value) -> Vec<String> {
    let fields: [(&str, f64, f64, f64); 9] = [
        ("pvalue", mine.pvalue, 1e-9, 1e-300),
        ("mean_before", mine.mean_before, 1e-12, 0.0),
        ("mean_after", mine.mean_after, 1e-12, 0.0),
        ("stddev_before", mine.stddev_before, 1e-12, 0.0),
        ("stddev_after", mine.stddev_after, 1e-12, 0.0),
        ("forward_rel_change", mine.forward_rel_change, 1e-9, 0.0),
        ("backward_rel_change", mine.backward_rel_change, 1e-9, 0.0),
        ("magnitude", mine.magnitude, 1e-9, 0.0),
        ("qhat", mine.qhat, 1e-9, 0.0),
    ];
    fields
        .iter()
        .filter(|(name, value, rel, abs)| !close(*value, number(&theirs[*name]), *rel, *abs))
        .map(|(name, value, ..)| format!("{}.{name}: {value:e} vs {}", mine.index, theirs[*name]))
        .collect()
}

#[test]
fn change_points_match_otava_with_the_merge_corrected() {
    let oracle = oracle();
    let cases = oracle["cases"].as_array().unwrap();
    assert!(cases.len() >= 38, "the oracle lost cases");
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let x = values(case);
        for cfg in oracle["otava_configs"].as_array().unwrap() {
            let config = Config {
                window: cfg["window_len"].as_u64().unwrap() as usize,
                max_pvalue: number(&cfg["max_pvalue"]),
                min_magnitude: number(&cfg["min_magnitude"]),
            };
            let cfg_name = cfg["name"].as_str().unwrap();
            let otava = &case["otava"][cfg_name];
            let expected = &otava["corrected"];
            let mut problems = Vec::new();
            // The split is Otava's unchanged: its weak points are compared
            // too, unless the oracle marks them tie-sensitive.
            let weak = changepoint::weak_change_points(&x, config);
            let weak_idx: Vec<usize> = weak.iter().map(|c| c.index).collect();
            if weak_idx != indices(&otava["weak_change_point_indices"])
                && otava["diagnostics"]["tie_sensitive_weak"] != true
            {
                problems.push(format!("weak {weak_idx:?}"));
            }
            let (final_cps, removed) = changepoint::merge(weak, &x, config);
            let final_idx: Vec<usize> = final_cps.iter().map(|c| c.index).collect();
            if final_idx != indices(&expected["change_point_indices"]) {
                problems.push(format!("final {final_idx:?}"));
            }
            if removed != indices(&expected["merge_removal_order"]) {
                problems.push(format!("removed {removed:?}"));
            }
            for (mine, theirs) in final_cps
                .iter()
                .zip(expected["change_points"].as_array().unwrap())
            {
                problems.extend(differences(mine, theirs));
            }
            // The one-call entry point gives the same answer.
            if changepoint::change_points(&x, config) != final_cps {
                problems.push("change_points() differs from split + merge".into());
            }
            checked += 1;
            if !problems.is_empty() {
                failures.push(format!("{name} {cfg_name}: {problems:?}"));
            }
        }
    }
    assert_eq!(checked, 76);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn anomalies_match_the_numpy_rule() {
    let oracle = oracle();
    let mut checked = 0;
    let mut failures = Vec::new();
    for case in oracle["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let x = values(case);
        for cfg in oracle["anomaly_configs"].as_array().unwrap() {
            let cfg_name = cfg["name"].as_str().unwrap();
            for (side, direction) in [("two_sided", Direction::Both), ("above", Direction::Up)] {
                let config = anomaly::Config {
                    sigma: number(&cfg["n_sigma"]),
                    window: cfg["max_history"].as_u64().unwrap() as usize,
                    min_history: cfg["min_history"].as_u64().unwrap() as usize,
                    direction,
                    method: anomaly::Method::Mean,
                };
                let flagged: Vec<usize> = anomaly::detect(&x, &[], &[], config)
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| matches!(c, Check::Checked { anomaly: true, .. }))
                    .map(|(i, _)| i)
                    .collect();
                let expected = indices(&case["anomaly"][cfg_name][side]["flagged"]);
                checked += 1;
                if flagged != expected {
                    failures.push(format!(
                        "{name} {cfg_name} {side}: {flagged:?} vs {expected:?}"
                    ));
                }
            }
        }
    }
    assert_eq!(checked, 38 * 4);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
