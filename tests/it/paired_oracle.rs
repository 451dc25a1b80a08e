//! The paired tests against scipy's answers in
//! `tests/oracles/paired_oracle.json` (a copy of
//! `../shared/oracles/paired_oracle.json`: scipy 1.17.1's `wilcoxon` with
//! `zero_method="wilcox"`, `correction=False` and each method, and
//! `binomtest` for the sign test). Counts exactly; p-values to 1e-9
//! relative (1e-300 absolute), as its README says.

use serde_json::Value;
use swimlane::stats::paired::{self, Method};

use crate::support::number;

/// The oracle's text: its samples are read from it, not from the parsed
/// JSON, because serde_json (without its `float_roundtrip` feature, which
/// would rebuild polars) may round a decimal one unit in the last place off,
/// and one ulp decides whether two |d| are tied.
fn text() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/paired_oracle.json");
    std::fs::read_to_string(path).unwrap()
}

/// The `i`-th `"field": [...]` array of `text`, each number parsed by
/// Rust's correctly rounded `str::parse`.
fn array(text: &str, field: &str, i: usize) -> Vec<f64> {
    let open = format!("\"{field}\": [");
    let start = text
        .match_indices(&open)
        .nth(i)
        .expect("the case's array")
        .0
        + open.len();
    let end = start + text[start..].find(']').unwrap();
    text[start..end]
        .split(',')
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(|v| v.parse().unwrap())
        .collect()
}

/// The `i`-th `"field": number` of `text`, correctly rounded.
fn scalar(text: &str, field: &str, i: usize) -> f64 {
    let open = format!("\"{field}\": ");
    let start = text
        .match_indices(&open)
        .nth(i)
        .expect("the case's field")
        .0
        + open.len();
    let end = start + text[start..].find([',', '\n', '}']).unwrap();
    text[start..end].trim().parse().unwrap()
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= (1e-9 * a.abs().max(b.abs())).max(1e-300)
}

/// The deltas of the `i`-th case: head - base, as numpy subtracts.
fn deltas(text: &str, i: usize) -> Vec<f64> {
    let (b, h) = (array(text, "base", i), array(text, "head", i));
    assert_eq!(b.len(), h.len());
    h.iter().zip(&b).map(|(h, b)| h - b).collect()
}

fn floats_len(case: &Value) -> usize {
    case["base"].as_array().unwrap().len()
}

#[test]
fn counts_match_numpy_on_every_case() {
    let oracle = crate::support::oracle("paired_oracle.json");
    let cases = oracle["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 11);
    let text = text();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let c = paired::analyze(&deltas(&text, i)).counts;
        assert_eq!(
            c.n as usize,
            floats_len(case),
            "{name}: the text and the JSON agree"
        );
        assert_eq!(c.n, case["n"].as_u64().unwrap(), "{name}: n");
        assert_eq!(c.zeros, case["zeros"].as_u64().unwrap(), "{name}: zeros");
        assert_eq!(
            c.positive,
            case["positive"].as_u64().unwrap(),
            "{name}: positive"
        );
        assert_eq!(
            c.negative,
            case["negative"].as_u64().unwrap(),
            "{name}: negative"
        );
        assert_eq!(
            c.median_abs,
            scalar(&text, "median_abs_delta", i),
            "{name}: median |d|"
        );
        assert_eq!(
            c.max_abs,
            scalar(&text, "max_abs_delta", i),
            "{name}: max |d|"
        );
    }
}

#[test]
fn wilcoxon_matches_scipy_for_every_method() {
    let oracle = crate::support::oracle("paired_oracle.json");
    let text = text();
    let mut checked = 0;
    for (i, case) in oracle["cases"].as_array().unwrap().iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let d = deltas(&text, i);
        for (key, method) in [
            ("exact", Method::Exact),
            ("asymptotic", Method::Asymptotic),
            ("auto", Method::Auto),
        ] {
            // scipy's exact distribution costs O(n³) to build; `auto` never
            // uses it beyond 50 deltas, so the 5,000-key case is checked
            // with the other two methods only.
            if method == Method::Exact && d.len() > 1000 {
                continue;
            }
            let theirs = &case["wilcoxon"][key];
            // A run takes `auto` through `analyze`, which counts few
            // distinct deltas instead of sorting them: checked too.
            let run = (method == Method::Auto).then(|| paired::analyze(&d).wilcoxon);
            if let Some(run) = run {
                assert_eq!(run, paired::wilcoxon(&d, method), "{name}: a run's test");
            }
            match paired::wilcoxon(&d, method) {
                None => {
                    assert!(theirs["statistic"].is_null(), "{name} {key}: scipy tested");
                    assert_eq!(number(&theirs["pvalue"]), 1.0, "{name} {key}");
                }
                Some(w) => {
                    let (s, p) = (number(&theirs["statistic"]), number(&theirs["pvalue"]));
                    assert_eq!(w.statistic, s, "{name} {key}: statistic");
                    assert!(
                        close(w.p_value, p),
                        "{name} {key}: p {} vs scipy {p}",
                        w.p_value
                    );
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 32);
}

#[test]
fn auto_chooses_as_scipy_does() {
    // The oracle's `auto` answer equals one of the explicit methods; the
    // n = 50 switch, ties, and zeros with few deltas (a permutation test)
    // are all among the cases.
    let oracle = crate::support::oracle("paired_oracle.json");
    let text = text();
    let mut used = std::collections::BTreeMap::new();
    for (i, case) in oracle["cases"].as_array().unwrap().iter().enumerate() {
        let name = case["name"].as_str().unwrap().to_string();
        if let Some(w) = paired::wilcoxon(&deltas(&text, i), Method::Auto) {
            used.insert(name, w.method.as_str());
        }
    }
    assert_eq!(used["noise_n25"], "exact");
    assert_eq!(used["exact_boundary_n50"], "exact");
    assert_eq!(used["exact_boundary_n51"], "asymptotic");
    assert_eq!(
        used["tiny_shift_n30"], "asymptotic",
        "tied |d|: no exact test"
    );
    assert_eq!(
        used["one_changed_n8"], "permutation",
        "zeros among 8 deltas"
    );
    assert_eq!(used["three_of_300_moved"], "asymptotic");
}

#[test]
fn sign_test_matches_binomtest() {
    let oracle = crate::support::oracle("paired_oracle.json");
    let text = text();
    for (i, case) in oracle["cases"].as_array().unwrap().iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let c = paired::analyze(&deltas(&text, i)).counts;
        let p = paired::sign_test(c.positive, c.negative);
        let theirs = number(&case["sign_test_pvalue"]);
        assert!(close(p, theirs), "{name}: sign test {p} vs scipy {theirs}");
    }
}
